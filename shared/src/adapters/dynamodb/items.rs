//! Item shapes of the single table, and their conversion to and from the domain. See
//! `docs/dynamodb.md` for the design; this file and its submodules (`grant`, `audit`,
//! `post`, `health`) are its only encoder.

mod audit;
mod grant;
mod health;
mod post;

pub(super) use audit::{AUDIT_ATTRIBUTES, AUDIT_PREFIX, audit_from_item, audit_item, audit_key};
pub(super) use grant::{GRANT_ATTRIBUTES, grant_from_item, grant_item, grant_key, grants_between};
pub(super) use health::{NEEDS_REAUTH_CONDITION, needs_reauth_update};
pub(super) use post::{
    DUE_SHARDS, IDEM_ATTRIBUTES, POST_ATTRIBUTES, due_partition, due_until, idem_item, idem_key,
    post_from_item, post_id_of_idem, post_item, post_key, posts_of,
};

use crate::domain::{
    Account, AccountId, AccountStatus, IgUserId, LoginPath, MemberAccess, MetaGrantor, OAuthState,
    Owner, OwnerKind, Profile, ReturnTo, StateKey, TenantId, UserId,
};
use crate::ports::{SealedSecret, StoreError};
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
const OWNER_TYPE: &str = "owner_type";
const OWNER_USER: &str = "owner_user";
const MEMBER_ACCESS: &str = "member_access";
const UPDATED_AT: &str = "updated_at";
const STATE_SK: &str = "STATE";

/// Every attribute an [`Account`] is read from: all but the sealed token and index keys.
pub(super) const ACCOUNT_ATTRIBUTES: &[&str] = &[
    "id",
    "tenant",
    "ig_user_id",
    "login",
    OWNER_TYPE,
    OWNER_USER,
    "status",
    "profile",
    "grantor",
    "token_expires_at",
    "connected_at",
    "connected_by",
    UPDATED_AT,
    VERSION,
    MEMBER_ACCESS,
];

/// How long an abandoned login's item outlives its expiry before TTL may delete it, so the
/// callback can still tell "expired" from "unknown" for a while.
const STATE_RETENTION: TimeDelta = TimeDelta::days(1);

/// How long before a token expires its account becomes due for refresh. The refresh job
/// queries `gsi1` for the hour buckets up to now.
pub const REFRESH_MARGIN: TimeDelta = TimeDelta::days(7);

/// The `gsi1` partition holding the accounts due for refresh in the hour of `at`:
/// `DUE#yyyy-mm-dd-hh` (UTC).
pub fn refresh_due_bucket(at: DateTime<Utc>) -> String {
    format!("DUE#{}", at.format("%Y-%m-%d-%H"))
}

pub(super) fn tenant_pk(tenant: &TenantId) -> AttributeValue {
    s(format!("TENANT#{tenant}"))
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

/// The lookup item that ties `(tenant, ig_user_id)` to one account id.
pub(super) fn ig_user_item(account: &Account) -> Item {
    let mut item = ig_user_key(&account.tenant, &account.ig_user_id);
    item.extend([
        ("entity".into(), s("ig_user")),
        (ACCOUNT_ID.into(), s(account.id.as_str())),
    ]);
    item
}

/// The account item with its sealed token and index keys.
pub(super) fn account_item(account: &Account, token: &SealedSecret) -> Result<Item, StoreError> {
    let mut item = account_key(&account.tenant, &account.id);
    let profile = serde_json::to_string(&account.profile).map_err(corrupt)?;
    let grantor = serde_json::to_string(&account.grantor).map_err(corrupt)?;
    item.extend([
        ("entity".into(), s("account")),
        ("id".into(), s(account.id.as_str())),
        ("tenant".into(), s(account.tenant.as_str())),
        ("ig_user_id".into(), s(account.ig_user_id.as_str())),
        ("login".into(), s(account.login.as_str())),
        ("status".into(), s(account.status.as_str())),
        ("profile".into(), s(profile)),
        ("grantor".into(), s(grantor)),
        (
            "connected_at".into(),
            n(account.connected_at.timestamp_millis()),
        ),
        ("connected_by".into(), s(account.connected_by.as_str())),
        (UPDATED_AT.into(), n(account.updated_at.timestamp_millis())),
        (VERSION.into(), n(account.version)),
        (MEMBER_ACCESS.into(), s(account.member_access.as_str())),
        (TOKEN.into(), s(token.encode())),
        (
            GSI2_PK.into(),
            s(format!("GRANTOR#{}", account.grantor.meta_user_id)),
        ),
        (
            GSI2_SK.into(),
            s(format!("{}#{}", account.tenant, account.id)),
        ),
    ]);
    let (owner_type, owner_user) = owner_attributes(&account.owner);
    item.insert(OWNER_TYPE.into(), s(owner_type));
    if let Some(user_id) = owner_user {
        item.insert(OWNER_USER.into(), s(user_id));
    }
    if let Some(expires) = account.token_expires_at {
        let ms = expires.timestamp_millis();
        item.insert("token_expires_at".into(), n(ms));
        item.insert(
            GSI1_PK.into(),
            s(refresh_due_bucket(expires - REFRESH_MARGIN)),
        );
        item.insert(
            GSI1_SK.into(),
            s(format!(
                "{:013}#{}#{}",
                ms.max(0),
                account.tenant,
                account.id
            )),
        );
    }
    Ok(item)
}

/// The owner as the account item keeps it: a type, and the user for a user's account.
fn owner_attributes(owner: &Owner) -> (&'static str, Option<&str>) {
    match owner {
        Owner::Company => ("company", None),
        Owner::User { user_id } => ("user", Some(user_id.as_str())),
    }
}

/// An `UpdateItem` expression with its names and values.
pub(super) struct ItemUpdate {
    pub expression: String,
    pub names: HashMap<String, String>,
    pub values: Item,
}

/// The update that gives an account item the owner, member access, update time and version
/// of `account`, leaving its profile, token and index keys alone. A company owner has no
/// user, so a transfer to the company removes the attribute rather than leaving a stale one.
pub(super) fn access_update(account: &Account) -> ItemUpdate {
    let (owner_type, owner_user) = owner_attributes(&account.owner);
    let names = HashMap::from([
        ("#owner_type".to_owned(), OWNER_TYPE.to_owned()),
        ("#owner_user".to_owned(), OWNER_USER.to_owned()),
        ("#member_access".to_owned(), MEMBER_ACCESS.to_owned()),
        ("#updated_at".to_owned(), UPDATED_AT.to_owned()),
        ("#version".to_owned(), VERSION.to_owned()),
    ]);
    let mut values = HashMap::from([
        (":owner_type".to_owned(), s(owner_type)),
        (
            ":member_access".to_owned(),
            s(account.member_access.as_str()),
        ),
        (
            ":updated_at".to_owned(),
            n(account.updated_at.timestamp_millis()),
        ),
        (":version".to_owned(), n(account.version)),
    ]);
    let set = "SET #owner_type = :owner_type, #member_access = :member_access, \
               #updated_at = :updated_at, #version = :version";
    let expression = match owner_user {
        Some(user_id) => {
            values.insert(":owner_user".to_owned(), s(user_id));
            format!("{set}, #owner_user = :owner_user")
        }
        None => format!("{set} REMOVE #owner_user"),
    };
    ItemUpdate {
        expression,
        names,
        values,
    }
}

/// Reads an account item (without its token).
pub(super) fn account_from_item(item: &Item) -> Result<Account, StoreError> {
    let owner = match get_s(item, OWNER_TYPE)? {
        "company" => Owner::Company,
        "user" => Owner::User {
            user_id: UserId::parse(get_s(item, OWNER_USER)?).map_err(corrupt)?,
        },
        other => return Err(corrupt(format!("owner type {other}"))),
    };
    let profile: Profile = serde_json::from_str(get_s(item, "profile")?).map_err(corrupt)?;
    let grantor: MetaGrantor = serde_json::from_str(get_s(item, "grantor")?).map_err(corrupt)?;
    let version = get_i64(item, VERSION)?;
    Ok(Account {
        id: AccountId::parse(get_s(item, "id")?).map_err(corrupt)?,
        tenant: TenantId::parse(get_s(item, "tenant")?).map_err(corrupt)?,
        ig_user_id: IgUserId::parse(get_s(item, "ig_user_id")?).map_err(corrupt)?,
        login: LoginPath::parse(get_s(item, "login")?).ok_or_else(|| corrupt("login path"))?,
        owner,
        status: AccountStatus::parse(get_s(item, "status")?).ok_or_else(|| corrupt("status"))?,
        profile,
        grantor,
        token_expires_at: get_opt_i64(item, "token_expires_at")?
            .map(time)
            .transpose()?,
        connected_at: time(get_i64(item, "connected_at")?)?,
        connected_by: UserId::parse(get_s(item, "connected_by")?).map_err(corrupt)?,
        updated_at: time(get_i64(item, UPDATED_AT)?)?,
        version: u64::try_from(version).map_err(|_| corrupt("negative version"))?,
        // Items written before sharing existed have no member access: the default applies.
        member_access: match get_opt_s(item, MEMBER_ACCESS)? {
            None => MemberAccess::default(),
            Some(raw) => MemberAccess::parse(raw).ok_or_else(|| corrupt("member access"))?,
        },
    })
}

/// The account id a lookup item points at.
pub(super) fn account_id_of_lookup(item: &Item) -> Result<AccountId, StoreError> {
    AccountId::parse(get_s(item, ACCOUNT_ID)?).map_err(corrupt)
}

/// The sealed token of an account item.
pub(super) fn token_of(item: &Item) -> Result<Option<SealedSecret>, StoreError> {
    get_opt_s(item, TOKEN)?
        .map(|raw| SealedSecret::decode(raw).map_err(corrupt))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_buckets_are_hours_in_utc() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).expect("valid time");
        assert_eq!(refresh_due_bucket(at), "DUE#2023-11-14-22");
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
