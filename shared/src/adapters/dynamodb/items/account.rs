//! Account items and their Instagram user lookup items, in the tenant's partition:
//!
//! - `ACCOUNT#<account id>`: the account, its upkeep, and its place on
//!   two indexes: `gsi1` while its refresh is due (see `upkeep.rs`), `gsi2` under the Meta
//!   user who granted it (`GRANTOR#<meta user id>`).
//! - `IGUSER#<ig user id>`: which account the tenant's Instagram user is. It is also on
//!   `gsi2`, so Meta's callbacks find every tenant's accounts of an Instagram user: for
//!   Instagram Login accounts under `GRANTOR#<ig user id>` (that path's deauthorize and
//!   data-deletion callbacks may name the Instagram account itself), for Facebook Login
//!   accounts under `IGUSER#<ig user id>` (webhooks name the Instagram account).

use super::upkeep::{REFRESH_DUE, UPKEEP, refresh_attributes};
use super::{
    ACCOUNT_ID, Changes, GSI2_PK, GSI2_SK, Item, ItemUpdate, UPDATED_AT, VERSION, account_key,
    corrupt, get_i64, get_opt_i64, get_opt_s, get_s, ig_user_key, n, s, time,
};
use crate::domain::{
    Account, AccountId, AccountStatus, IgUserId, LoginPath, MemberAccess, MetaGrantor, Owner,
    Profile, TenantId, Upkeep, UserId,
};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;

const OWNER_TYPE: &str = "owner_type";
const OWNER_USER: &str = "owner_user";
const MEMBER_ACCESS: &str = "member_access";
const GRANTOR_PREFIX: &str = "GRANTOR#";

/// Every attribute an [`Account`] is read from: all but the sealed token and index keys.
pub(in crate::adapters::dynamodb) const ACCOUNT_ATTRIBUTES: &[&str] = &[
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
    UPKEEP,
    REFRESH_DUE,
];

/// The `gsi2` partition of the accounts Meta user `meta_user_id` can take back.
pub(in crate::adapters::dynamodb) fn grantor_partition(meta_user_id: &str) -> AttributeValue {
    s(format!("{GRANTOR_PREFIX}{meta_user_id}"))
}

/// The `gsi2` sort key of an account: which tenant's account it is.
fn grantor_order(tenant: &TenantId, id: &AccountId) -> AttributeValue {
    s(format!("{tenant}#{id}"))
}

/// The tenant and account a `gsi2` entry (an account or a lookup item) stands for.
pub(in crate::adapters::dynamodb) fn account_of_grantor_entry(
    item: &Item,
) -> Result<(TenantId, AccountId), StoreError> {
    let order = get_s(item, GSI2_SK)?;
    let (tenant, id) = order
        .split_once('#')
        .ok_or_else(|| corrupt("a grantor index entry without its account"))?;
    Ok((
        TenantId::parse(tenant).map_err(corrupt)?,
        AccountId::parse(id).map_err(corrupt)?,
    ))
}

/// The `gsi2` partition of a Facebook Login account's lookup item.
pub(in crate::adapters::dynamodb) fn instagram_partition(ig_user_id: &IgUserId) -> AttributeValue {
    s(format!("{INSTAGRAM_PREFIX}{ig_user_id}"))
}

const INSTAGRAM_PREFIX: &str = "IGUSER#";

/// Where an account's lookup item sits on `gsi2`: under its Instagram user as a grantor for
/// Instagram Login accounts (deauthorize may name it), under its Instagram user apart for
/// Facebook Login accounts (their grantor is a Facebook user; only webhooks look there).
fn lookup_on_grantor_index(account: &Account) -> Option<(AttributeValue, AttributeValue)> {
    let partition = match account.login {
        LoginPath::Instagram => grantor_partition(account.ig_user_id.as_str()),
        LoginPath::Facebook => instagram_partition(&account.ig_user_id),
    };
    Some((partition, grantor_order(&account.tenant, &account.id)))
}

/// The lookup item that ties `(tenant, ig_user_id)` to one account id.
pub(in crate::adapters::dynamodb) fn ig_user_item(account: &Account) -> Item {
    let mut item = ig_user_key(&account.tenant, &account.ig_user_id);
    item.extend([
        ("entity".into(), s("ig_user")),
        (ACCOUNT_ID.into(), s(account.id.as_str())),
    ]);
    if let Some((pk, sk)) = lookup_on_grantor_index(account) {
        item.insert(GSI2_PK.into(), pk);
        item.insert(GSI2_SK.into(), sk);
    }
    item
}

/// The update a reconnect makes to the lookup item, while it still names the account: its
/// place on `gsi2`, which follows the login path the account is connected with now.
pub(in crate::adapters::dynamodb) fn lookup_update(account: &Account) -> ItemUpdate {
    let place = lookup_on_grantor_index(account);
    let (pk, sk) = match place {
        Some((pk, sk)) => (Some(pk), Some(sk)),
        None => (None, None),
    };
    Changes::default()
        .set_or_remove(GSI2_PK, pk)
        .set_or_remove(GSI2_SK, sk)
        .name(ACCOUNT_ID)
        .value(":id", s(account.id.as_str()))
        .condition("#account_id = :id")
        .build()
}

/// The account item with its index keys (its sealed token is an item of its own, see
/// `token.rs`).
pub(in crate::adapters::dynamodb) fn account_item(account: &Account) -> Result<Item, StoreError> {
    let mut item = account_key(&account.tenant, &account.id);
    let profile = serde_json::to_string(&account.profile).map_err(corrupt)?;
    let grantor = serde_json::to_string(&account.grantor).map_err(corrupt)?;
    let upkeep = serde_json::to_string(&account.upkeep).map_err(corrupt)?;
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
        (UPKEEP.into(), s(upkeep)),
        (
            GSI2_PK.into(),
            grantor_partition(&account.grantor.meta_user_id),
        ),
        (GSI2_SK.into(), grantor_order(&account.tenant, &account.id)),
    ]);
    let (owner_type, owner_user) = owner_attributes(&account.owner);
    item.insert(OWNER_TYPE.into(), s(owner_type));
    if let Some(user_id) = owner_user {
        item.insert(OWNER_USER.into(), s(user_id));
    }
    if let Some(expires) = account.token_expires_at {
        item.insert("token_expires_at".into(), n(expires.timestamp_millis()));
    }
    for (name, value) in refresh_attributes(account) {
        if let Some(value) = value {
            item.insert(name.into(), value);
        }
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

/// The update that gives an account item the owner, member access, update time and version
/// of `account`, leaving its profile, token and index keys alone. A company owner has no
/// user, so a transfer to the company removes the attribute rather than leaving a stale one.
pub(in crate::adapters::dynamodb) fn access_update(account: &Account) -> ItemUpdate {
    let (owner_type, owner_user) = owner_attributes(&account.owner);
    Changes::default()
        .set(OWNER_TYPE, s(owner_type))
        .set(MEMBER_ACCESS, s(account.member_access.as_str()))
        .set(UPDATED_AT, n(account.updated_at.timestamp_millis()))
        .set(VERSION, n(account.version))
        .set_or_remove(OWNER_USER, owner_user.map(s))
        .build()
}

/// Reads an account item (without its token).
pub(in crate::adapters::dynamodb) fn account_from_item(item: &Item) -> Result<Account, StoreError> {
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
    let mut upkeep: Upkeep = match get_opt_s(item, UPKEEP)? {
        None => Upkeep::default(),
        Some(raw) => serde_json::from_str(raw).map_err(corrupt)?,
    };
    // The due time is its own attribute, the one the index and the claim's condition use;
    // a claim moves it without rewriting the JSON, so the attribute is what counts.
    upkeep.refresh_due_at = get_opt_i64(item, REFRESH_DUE)?.map(time).transpose()?;
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
        upkeep,
    })
}

/// The account id a lookup item points at.
pub(in crate::adapters::dynamodb) fn account_id_of_lookup(
    item: &Item,
) -> Result<AccountId, StoreError> {
    AccountId::parse(get_s(item, ACCOUNT_ID)?).map_err(corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Connection, UserId};
    use chrono::{DateTime, TimeDelta};

    fn connection(login: LoginPath) -> Connection {
        Connection {
            tenant: TenantId::parse("t").expect("tenant"),
            ig_user_id: IgUserId::parse("17841400000000001").expect("ig user"),
            login,
            owner: Owner::Company,
            profile: Profile::default(),
            grantor: MetaGrantor {
                meta_user_id: "m1".into(),
                page_id: None,
                scopes: None,
            },
            token_expires_at: None,
            connected_by: UserId::parse("u").expect("user"),
            at: DateTime::from_timestamp_millis(1_700_000_000_123).expect("time"),
        }
    }

    fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
    }

    #[test]
    fn an_account_reads_back_with_its_upkeep() {
        let mut given = connection(LoginPath::Instagram).new_account(AccountId::generate());
        given.upkeep.last_error = Some("meta_unavailable".into());
        given.upkeep.failures = 2;
        let item = account_item(&given).expect("item");
        assert_eq!(account_from_item(&item).expect("read back"), given);
        assert!(
            !item.contains_key(super::super::TOKEN),
            "a token in the account item"
        );
    }

    #[test]
    fn the_due_attribute_wins_over_the_upkeep_document() {
        let given = connection(LoginPath::Facebook).new_account(AccountId::generate());
        let mut item = account_item(&given).expect("item");
        let lease = given.connected_at + TimeDelta::minutes(10);
        item.insert(REFRESH_DUE.into(), n(lease.timestamp_millis()));
        let read = account_from_item(&item).expect("read back");
        assert_eq!(read.upkeep.refresh_due_at, Some(lease));
        item.remove(REFRESH_DUE);
        let read = account_from_item(&item).expect("read back");
        assert_eq!(read.upkeep.refresh_due_at, None);
    }

    #[test]
    fn lookups_are_on_gsi2_under_the_grantor_or_apart() {
        let instagram = connection(LoginPath::Instagram).new_account(AccountId::generate());
        let item = ig_user_item(&instagram);
        assert_eq!(text(&item, GSI2_PK), Some("GRANTOR#17841400000000001"));
        assert_eq!(
            account_of_grantor_entry(&item).expect("entry"),
            (instagram.tenant.clone(), instagram.id.clone())
        );
        let facebook = connection(LoginPath::Facebook).new_account(AccountId::generate());
        // Facebook Login lookups are found by webhooks, never by deauthorize.
        assert_eq!(
            text(&ig_user_item(&facebook), GSI2_PK),
            Some("IGUSER#17841400000000001")
        );
        let account = account_item(&facebook).expect("item");
        assert_eq!(text(&account, GSI2_PK), Some("GRANTOR#m1"));
    }

    #[test]
    fn a_transfer_to_the_company_removes_the_owner_user() {
        let mut account = connection(LoginPath::Facebook).new_account(AccountId::generate());
        assert!(
            access_update(&account)
                .expression
                .contains("REMOVE #owner_user")
        );
        account.owner = Owner::User {
            user_id: UserId::parse("u2").expect("user"),
        };
        let update = access_update(&account);
        assert!(update.expression.contains("#owner_user = :owner_user"));
        assert!(!update.expression.contains("REMOVE"));
    }
}
