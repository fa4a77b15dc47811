//! Grant items: one per user and account, in the tenant's partition, keyed
//! `GRANT#<account id>#<user id>` so the grants on a run of accounts are one key range.

use super::{ACCOUNT_ID, Item, PK, SK, corrupt, get_i64, get_s, n, s, tenant_pk, time};
use crate::domain::{AccountId, Grant, Permission, TenantId, UserId};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

const GRANT_PREFIX: &str = "GRANT#";

/// Every attribute a grant is read from.
pub(in crate::adapters::dynamodb) const GRANT_ATTRIBUTES: &[&str] = &[
    ACCOUNT_ID,
    "user_id",
    "permission",
    "granted_by",
    "granted_at",
];

/// The sort-key prefix of every grant on `account`.
pub(in crate::adapters::dynamodb) fn grants_of(account: &AccountId) -> String {
    format!("{GRANT_PREFIX}{account}#")
}

/// The key of `user`'s grant on `account`.
pub(in crate::adapters::dynamodb) fn grant_key(
    tenant: &TenantId,
    account: &AccountId,
    user: &UserId,
) -> Item {
    HashMap::from([
        (PK.into(), tenant_pk(tenant)),
        (SK.into(), s(format!("{GRANT_PREFIX}{account}#{user}"))),
    ])
}

/// The item of `grant` on the tenant's `account`.
pub(in crate::adapters::dynamodb) fn grant_item(
    tenant: &TenantId,
    account: &AccountId,
    grant: &Grant,
) -> Item {
    let mut item = grant_key(tenant, account, &grant.user_id);
    item.extend([
        ("entity".into(), s("grant")),
        (ACCOUNT_ID.into(), s(account.as_str())),
        ("user_id".into(), s(grant.user_id.as_str())),
        ("permission".into(), s(grant.permission.as_str())),
        ("granted_by".into(), s(grant.granted_by.as_str())),
        ("granted_at".into(), n(grant.granted_at.timestamp_millis())),
    ]);
    item
}

/// Reads a grant item back, with the account it is on.
pub(in crate::adapters::dynamodb) fn grant_from_item(
    item: &Item,
) -> Result<(AccountId, Grant), StoreError> {
    Ok((
        AccountId::parse(get_s(item, ACCOUNT_ID)?).map_err(corrupt)?,
        Grant {
            user_id: UserId::parse(get_s(item, "user_id")?).map_err(corrupt)?,
            permission: Permission::parse(get_s(item, "permission")?)
                .ok_or_else(|| corrupt("permission"))?,
            granted_by: UserId::parse(get_s(item, "granted_by")?).map_err(corrupt)?,
            granted_at: time(get_i64(item, "granted_at")?)?,
        },
    ))
}

/// The sort-key bounds (inclusive) of every grant on the accounts from `first` to `last`
/// by id, for a `BETWEEN`. Ids never hold `#` and every character they may hold sorts after
/// `$`, so `GRANT#<first>#` is the least key on `first` and `GRANT#<last>$` lies past every
/// key on `last` and before any key on a greater id: a listing page, a contiguous run of
/// accounts, reads exactly its own grants in one query.
pub(in crate::adapters::dynamodb) fn grants_between(
    first: &AccountId,
    last: &AccountId,
) -> (AttributeValue, AttributeValue) {
    (
        s(format!("{GRANT_PREFIX}{first}#")),
        s(format!("{GRANT_PREFIX}{last}$")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn sort_key(item: &Item) -> &str {
        get_s(item, SK).expect("a sort key")
    }

    #[test]
    fn a_grant_item_reads_back() {
        let account = AccountId::generate();
        let grant = Grant {
            user_id: UserId::parse("auth0|mike").expect("user"),
            permission: Permission::Publish,
            granted_by: UserId::parse("dan@example.com").expect("user"),
            granted_at: DateTime::from_timestamp_millis(1_700_000_000_123).expect("time"),
        };
        let item = grant_item(&TenantId::parse("t").expect("tenant"), &account, &grant);
        assert_eq!(grant_from_item(&item).expect("read back"), (account, grant));
    }

    #[test]
    fn the_range_holds_the_grants_of_its_accounts_and_no_others() {
        let tenant = TenantId::parse("t").expect("tenant");
        let user = |u: &str| UserId::parse(u).expect("user");
        let key = |account: &str, u: &str| {
            let item = grant_key(&tenant, &AccountId::parse(account).expect("id"), &user(u));
            sort_key(&item).to_owned()
        };
        let (from, to) = grants_between(
            &AccountId::parse("b").expect("id"),
            &AccountId::parse("b2").expect("id"),
        );
        let (from, to) = (from.as_s().expect("text"), to.as_s().expect("text"));
        let inside = |k: &String| from <= k && k <= to;
        for k in [
            key("b", "a"),
            key("b", "|"),
            key("b1", "a"),
            key("b2", "zz"),
        ] {
            assert!(inside(&k), "{k} is in range");
        }
        for k in [
            key("a", "z"),
            key("a|", "z"),
            key("b2-x", "a"),
            key("b3", "a"),
        ] {
            assert!(!inside(&k), "{k} is out of range");
        }
    }
}
