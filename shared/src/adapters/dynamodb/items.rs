//! Item shapes of the single table, and their conversion to and from the domain. See
//! `docs/dynamodb.md` for the design; this file and its submodules (`account`, `upkeep`,
//! `grant`, `audit`, `post`, `deletion`, `insights`) are its only encoder.

mod account;
mod audit;
mod deletion;
mod grant;
mod insights;
mod media;
mod post;
mod token;
mod upkeep;

pub(super) use account::{
    ACCOUNT_ATTRIBUTES, access_update, account_from_item, account_id_of_lookup, account_item,
    account_of_grantor_entry, grantor_partition, ig_user_item, instagram_partition, lookup_update,
};
pub(super) use audit::{
    AUDIT_ATTRIBUTES, AUDIT_PREFIX, audit_from_item, audit_item, audit_key, delivered_update,
    outbox_entry, outbox_partition,
};
pub(super) use deletion::{deletion_from_item, deletion_item, deletion_key};
pub(super) use grant::{
    GRANT_ATTRIBUTES, LEGACY_GRANT_PREFIX, account_range, after_account, grant_from_item,
    grant_item, grant_key, grants_of, is_grant, legacy_grant_key,
};
pub(super) use insights::{
    INSIGHT_ATTRIBUTES, insight_from_item, insight_item, insights_between, insights_of,
};
pub(super) use media::{
    ACCOUNTS as MEDIA_ACCOUNTS, BYTES, MEDIA_ATTRIBUTES, MEDIA_PREFIX_SK, expiring_until,
    expiry_partition, media_from_item, media_item, media_key, usage_key,
};
pub(super) use post::{
    IDEM_ATTRIBUTES, POST_ATTRIBUTES, due_partition, due_until, idem_item, idem_key, idems_of,
    post_from_item, post_id_of_idem, post_item, post_key, posts_of,
};
pub(super) use token::{token_item, token_key, token_of};
pub(super) use upkeep::{
    claim_update, due_account_from_index, refresh_partition, revoke_update, upkeep_update,
};

use crate::domain::{
    AccountId, IgUserId, LoginPath, OAuthState, OwnerKind, ReturnTo, StateKey, TenantId, UserId,
};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::HashMap;

/// One DynamoDB item.
pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) const PK: &str = "pk";
pub(super) const SK: &str = "sk";
pub(super) const GSI1: &str = "gsi1";
pub(super) const GSI1_PK: &str = "gsi1pk";
pub(super) const GSI1_SK: &str = "gsi1sk";
pub(super) const GSI2: &str = "gsi2";
pub(super) const GSI2_PK: &str = "gsi2pk";
pub(super) const GSI2_SK: &str = "gsi2sk";
pub(super) const TTL: &str = "ttl";
pub(super) const VERSION: &str = "version";
pub(super) const TOKEN: &str = "token_sealed";
pub(super) const ACCOUNT_ID: &str = "account_id";
pub(super) const ACCOUNT_PREFIX: &str = "ACCOUNT#";
const UPDATED_AT: &str = "updated_at";
const STATE_SK: &str = "STATE";

/// How many partitions each queue on `gsi1` (due posts, due refreshes, the outbox) is
/// spread over, so a busy queue is not one hot partition. Changing it strands what was
/// written under the old count: it is fixed.
pub(super) const SHARDS: u64 = 4;

/// How long an abandoned login's item outlives its expiry before TTL may delete it, so the
/// callback can still tell "expired" from "unknown" for a while.
const STATE_RETENTION: TimeDelta = TimeDelta::days(1);

/// The queue shard of `key` (an id): FNV-1a of its text, which is stable across processes
/// and releases (unlike the standard library's hasher), modulo [`SHARDS`].
pub(super) fn shard_of(key: &str) -> u64 {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    hash % SHARDS
}

/// The sort key of an entry on a due queue: the due time (epoch milliseconds, 13 digits,
/// so text order is time order) followed by the ids that make it unique.
pub(super) fn due_order(at: DateTime<Utc>, ids: &[&str]) -> AttributeValue {
    let mut key = format!("{:013}", at.timestamp_millis().max(0));
    for id in ids {
        key.push('#');
        key.push_str(id);
    }
    s(key)
}

const TENANT_PREFIX: &str = "TENANT#";

pub(super) fn tenant_pk(tenant: &TenantId) -> AttributeValue {
    s(format!("{TENANT_PREFIX}{tenant}"))
}

/// The tenant whose partition an item is in.
pub(super) fn tenant_of_pk(item: &Item) -> Result<TenantId, StoreError> {
    let pk = get_s(item, PK)?;
    let tenant = pk
        .strip_prefix(TENANT_PREFIX)
        .ok_or_else(|| corrupt("an item outside a tenant's partition"))?;
    TenantId::parse(tenant).map_err(corrupt)
}

pub(super) fn account_sk(id: &AccountId) -> AttributeValue {
    s(format!("{ACCOUNT_PREFIX}{id}"))
}

/// The key of an account item.
pub(super) fn account_key(tenant: &TenantId, id: &AccountId) -> Item {
    HashMap::from([(PK.into(), tenant_pk(tenant)), (SK.into(), account_sk(id))])
}

/// The key of the lookup item that maps a tenant's Instagram user to its account.
pub(super) fn ig_user_key(tenant: &TenantId, ig_user_id: &IgUserId) -> Item {
    HashMap::from([
        (PK.into(), tenant_pk(tenant)),
        (SK.into(), s(format!("IGUSER#{ig_user_id}"))),
    ])
}

/// The key of a pending login.
pub(super) fn state_key(key: &StateKey) -> Item {
    HashMap::from([
        (PK.into(), s(format!("STATE#{}", key.as_str()))),
        (SK.into(), s(STATE_SK.to_owned())),
    ])
}

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(super) fn n(v: impl std::fmt::Display) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// An optional time as epoch milliseconds.
pub(super) fn opt_millis(at: Option<DateTime<Utc>>) -> Option<AttributeValue> {
    at.map(|at| n(at.timestamp_millis()))
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// A text attribute; absence or another type is corruption.
fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(corrupt(format!("attribute {name} is missing or not text"))),
    }
}

fn get_opt_s<'a>(item: &'a Item, name: &str) -> Result<Option<&'a str>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(true)) => Ok(None),
        Some(AttributeValue::S(v)) => Ok(Some(v)),
        Some(_) => Err(corrupt(format!("attribute {name} is not text"))),
    }
}

fn get_opt_i64(item: &Item, name: &str) -> Result<Option<i64>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(true)) => Ok(None),
        Some(AttributeValue::N(v)) => v
            .parse()
            .map(Some)
            .map_err(|_| corrupt(format!("attribute {name} is not an integer"))),
        Some(_) => Err(corrupt(format!("attribute {name} is not a number"))),
    }
}

fn get_i64(item: &Item, name: &str) -> Result<i64, StoreError> {
    get_opt_i64(item, name)?.ok_or_else(|| corrupt(format!("attribute {name} is missing")))
}

fn time(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt("timestamp out of range"))
}

fn owner_kind_str(kind: OwnerKind) -> &'static str {
    match kind {
        OwnerKind::User => "user",
        OwnerKind::Company => "company",
    }
}

/// The item of a pending login, with its TTL in epoch seconds.
pub(super) fn state_item(state: &OAuthState) -> Item {
    let mut item = state_key(&state.key);
    let ttl = (state.expires_at + STATE_RETENTION).timestamp();
    item.extend([
        ("entity".into(), s("oauth_state")),
        ("tenant".into(), s(state.tenant.as_str())),
        ("user_id".into(), s(state.user.as_str())),
        ("login".into(), s(state.login.as_str())),
        ("owner".into(), s(owner_kind_str(state.owner))),
        ("return_to".into(), s(state.return_to.as_str())),
        ("created_at".into(), n(state.created_at.timestamp_millis())),
        ("expires_at".into(), n(state.expires_at.timestamp_millis())),
        (TTL.into(), n(ttl)),
    ]);
    item
}

/// Reads a pending login back; `key` is the key it was stored under.
pub(super) fn state_from_item(key: &StateKey, item: &Item) -> Result<OAuthState, StoreError> {
    Ok(OAuthState {
        key: key.clone(),
        tenant: TenantId::parse(get_s(item, "tenant")?).map_err(corrupt)?,
        user: UserId::parse(get_s(item, "user_id")?).map_err(corrupt)?,
        login: LoginPath::parse(get_s(item, "login")?).ok_or_else(|| corrupt("login path"))?,
        owner: match get_s(item, "owner")? {
            "user" => OwnerKind::User,
            "company" => OwnerKind::Company,
            _ => return Err(corrupt("owner kind")),
        },
        return_to: ReturnTo::from_stored(
            url::Url::parse(get_s(item, "return_to")?).map_err(corrupt)?,
        ),
        created_at: time(get_i64(item, "created_at")?)?,
        expires_at: time(get_i64(item, "expires_at")?)?,
    })
}

/// An `UpdateItem` expression with its names, values and, when it has one, its condition.
#[derive(Debug, Default)]
pub(super) struct ItemUpdate {
    pub expression: String,
    pub names: HashMap<String, String>,
    pub values: Item,
    pub condition: Option<String>,
}

/// Builds an [`ItemUpdate`]: each attribute `a` is named `#a`, and the value it is set to
/// `:a`, so the clauses read like the attributes they change.
#[derive(Debug, Default)]
pub(super) struct Changes {
    set: Vec<String>,
    remove: Vec<String>,
    add: Vec<String>,
    update: ItemUpdate,
}

impl Changes {
    /// Makes `#attribute` usable in the condition (attributes changed are named already).
    pub fn name(mut self, attribute: &str) -> Self {
        self.update
            .names
            .insert(format!("#{attribute}"), attribute.to_owned());
        self
    }

    /// Gives the condition a value.
    pub fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.update.values.insert(placeholder.to_owned(), value);
        self
    }

    /// `SET #attribute = :attribute`.
    pub fn set(self, attribute: &str, value: AttributeValue) -> Self {
        let mut this = self.name(attribute).value(&format!(":{attribute}"), value);
        this.set.push(format!("#{attribute} = :{attribute}"));
        this
    }

    /// Sets `attribute` to `value`, or removes it when there is none.
    pub fn set_or_remove(self, attribute: &str, value: Option<AttributeValue>) -> Self {
        match value {
            Some(value) => self.set(attribute, value),
            None => self.remove(attribute),
        }
    }

    /// `REMOVE #attribute`.
    pub fn remove(self, attribute: &str) -> Self {
        let mut this = self.name(attribute);
        this.remove.push(format!("#{attribute}"));
        this
    }

    /// `ADD #attribute :attribute` (a number).
    pub fn add(self, attribute: &str, value: AttributeValue) -> Self {
        let mut this = self.name(attribute).value(&format!(":{attribute}"), value);
        this.add.push(format!("#{attribute} :{attribute}"));
        this
    }

    /// The condition the update is written under, over the names and values given.
    pub fn condition(mut self, condition: &str) -> Self {
        self.update.condition = Some(condition.to_owned());
        self
    }

    pub fn build(self) -> ItemUpdate {
        let clauses = [
            ("SET", self.set),
            ("REMOVE", self.remove),
            ("ADD", self.add),
        ];
        let expression = clauses
            .into_iter()
            .filter(|(_, parts)| !parts.is_empty())
            .map(|(verb, parts)| format!("{verb} {}", parts.join(", ")))
            .collect::<Vec<_>>()
            .join(" ");
        ItemUpdate {
            expression,
            ..self.update
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_group_their_clauses() {
        let update = Changes::default()
            .set("status", s("active"))
            .remove("gsi1pk")
            .add(VERSION, n(1))
            .set(UPDATED_AT, n(5))
            .name(PK)
            .condition("attribute_exists(#pk)")
            .build();
        assert_eq!(
            update.expression,
            "SET #status = :status, #updated_at = :updated_at REMOVE #gsi1pk ADD #version :version"
        );
        assert_eq!(update.names.len(), 5);
        assert_eq!(update.values.len(), 3);
        assert_eq!(update.condition.as_deref(), Some("attribute_exists(#pk)"));
    }

    #[test]
    fn shards_are_stable_and_in_range() {
        assert_eq!(shard_of("a"), shard_of("a"));
        assert!((0..100).all(|i| shard_of(&i.to_string()) < SHARDS));
        let at = DateTime::from_timestamp_millis(1_700_000_000_123).expect("time");
        assert_eq!(due_order(at, &["t", "x"]), s("1700000000123#t#x"));
    }

    #[test]
    fn state_ttl_is_epoch_seconds_after_expiry() {
        let created = DateTime::from_timestamp(1_700_000_000, 0).expect("valid time");
        let state = OAuthState {
            key: StateKey::from_stored("k".into()),
            tenant: TenantId::parse("t").expect("tenant"),
            user: UserId::parse("u").expect("user"),
            login: LoginPath::Facebook,
            owner: OwnerKind::User,
            return_to: ReturnTo::from_stored(url::Url::parse("https://a.example").expect("url")),
            created_at: created,
            expires_at: created + TimeDelta::minutes(10),
        };
        let item = state_item(&state);
        assert_eq!(item.get(TTL), Some(&n(1_700_000_600 + 86_400)));
        assert_eq!(
            state_from_item(&state.key, &item).expect("read back"),
            state
        );
    }
}
