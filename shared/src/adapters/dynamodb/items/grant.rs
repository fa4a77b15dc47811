//! Grant items: one per user and account, in the tenant's partition, keyed
//! `ACCOUNT#<account id>#GRANT#<user id>`: right after their account's item
//! (`ACCOUNT#<account id>`), so one query over the accounts' key range returns a page of
//! accounts with their grants, and one over an account's range returns it with its grants.
//! Ids never hold `#` and every character they may hold sorts after `$`, which the key
//! bounds below rely on.
//!
//! Grants were first keyed `GRANT#<account id>#<user id>`; [`LEGACY_GRANT_PREFIX`] names
//! those for the move (`DynamoStore::move_legacy_grants`, docs/dynamodb.md).

use super::{
    ACCOUNT_ID, ACCOUNT_PREFIX, Item, PK, SK, corrupt, get_i64, get_s, n, s, tenant_pk, time,
};
use crate::domain::{AccountId, Grant, Permission, TenantId, UserId};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

/// What follows an account's own sort key on its grants.
const GRANT_INFIX: &str = "#GRANT#";
/// The sort-key prefix of grants stored before they sat beside their account.
pub(in crate::adapters::dynamodb) const LEGACY_GRANT_PREFIX: &str = "GRANT#";

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
    format!("{ACCOUNT_PREFIX}{account}{GRANT_INFIX}")
}

/// The key of `user`'s grant on `account`.
pub(in crate::adapters::dynamodb) fn grant_key(
    tenant: &TenantId,
    account: &AccountId,
    user: &UserId,
) -> Item {
    HashMap::from([
        (PK.into(), tenant_pk(tenant)),
        (SK.into(), s(format!("{}{user}", grants_of(account)))),
    ])
}

/// Where a grant of the first layout sits.
pub(in crate::adapters::dynamodb) fn legacy_grant_key(
    tenant: &TenantId,
    account: &AccountId,
    user: &UserId,
) -> Item {
    HashMap::from([
        (PK.into(), tenant_pk(tenant)),
        (
            SK.into(),
            s(format!("{LEGACY_GRANT_PREFIX}{account}#{user}")),
        ),
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

/// Reads a grant item back (of either layout), with the account it is on.
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

/// Whether an item of an account's key range (read with its sort key) is a grant rather
/// than the account itself.
pub(in crate::adapters::dynamodb) fn is_grant(item: &Item) -> Result<bool, StoreError> {
    Ok(get_s(item, SK)?.contains(GRANT_INFIX))
}

/// The sort-key bounds (inclusive) of `account` and its grants, for a `BETWEEN`:
/// `ACCOUNT#<id>` itself up to `ACCOUNT#<id>#GRANT$`, which lies past every grant key on
/// it and before any longer id (`$` sorts before every id character).
pub(in crate::adapters::dynamodb) fn account_range(
    account: &AccountId,
) -> (AttributeValue, AttributeValue) {
    (
        s(format!("{ACCOUNT_PREFIX}{account}")),
        s(format!("{ACCOUNT_PREFIX}{account}#GRANT$")),
    )
}

/// A start key for a listing that resumes after `account` and every grant on it
/// (`ACCOUNT#<id>$`: past `ACCOUNT#<id>#...`, before any greater id). DynamoDB takes any
/// key as an exclusive start, stored or not.
pub(in crate::adapters::dynamodb) fn after_account(tenant: &TenantId, account: &AccountId) -> Item {
    HashMap::from([
        (PK.into(), tenant_pk(tenant)),
        (SK.into(), s(format!("{ACCOUNT_PREFIX}{account}$"))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::dynamodb::items::account_key;
    use chrono::DateTime;

    fn sort_key(item: &Item) -> String {
        get_s(item, SK).expect("a sort key").to_owned()
    }

    fn id(text: &str) -> AccountId {
        AccountId::parse(text).expect("id")
    }

    fn tenant() -> TenantId {
        TenantId::parse("t").expect("tenant")
    }

    fn grant_sk(account: &str, user: &str) -> String {
        let user = UserId::parse(user).expect("user");
        sort_key(&grant_key(&tenant(), &id(account), &user))
    }

    fn account_sk(account: &str) -> String {
        sort_key(&account_key(&tenant(), &id(account)))
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
        let item = grant_item(&tenant(), &account, &grant);
        assert!(is_grant(&item).expect("a sort key"));
        assert!(!is_grant(&account_key(&tenant(), &account)).expect("a sort key"));
        assert_eq!(grant_from_item(&item).expect("read back"), (account, grant));
    }

    #[test]
    fn grants_sort_right_after_their_account_and_before_the_next() {
        // Ids sharing a prefix, and every separator-like character ids may hold.
        let mut keys = vec![
            account_sk("b2"),
            grant_sk("b", "|"),
            account_sk("b-x"),
            grant_sk("b", "a"),
            account_sk("b"),
            grant_sk("b-x", "a"),
            account_sk("a|"),
            grant_sk("a|", "z"),
            grant_sk("b2", "0"),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                account_sk("a|"),
                grant_sk("a|", "z"),
                account_sk("b"),
                grant_sk("b", "a"),
                grant_sk("b", "|"),
                account_sk("b-x"),
                grant_sk("b-x", "a"),
                account_sk("b2"),
                grant_sk("b2", "0"),
            ]
        );
    }

    #[test]
    fn an_account_range_holds_the_account_and_its_grants_only() {
        let (from, to) = account_range(&id("b"));
        let (from, to) = (from.as_s().expect("text"), to.as_s().expect("text"));
        let inside = |k: &String| from <= k && k <= to;
        for k in [account_sk("b"), grant_sk("b", "a"), grant_sk("b", "||||")] {
            assert!(inside(&k), "{k} is in range");
        }
        for k in [
            account_sk("a|"),
            grant_sk("a", "z"),
            account_sk("b-x"),
            grant_sk("b-x", "a"),
            account_sk("b2"),
            grant_sk("b2", "a"),
        ] {
            assert!(!inside(&k), "{k} is out of range");
        }
    }

    #[test]
    fn a_listing_resumes_past_the_accounts_grants_and_before_the_next_account() {
        let start = sort_key(&after_account(&tenant(), &id("b")));
        for k in [account_sk("b"), grant_sk("b", "a"), grant_sk("b", "|")] {
            assert!(k < start, "{k} is before the start");
        }
        for k in [account_sk("b-x"), account_sk("b2"), account_sk("c")] {
            assert!(k > start, "{k} is after the start");
        }
    }

    #[test]
    fn legacy_keys_stay_outside_the_account_ranges() {
        let user = UserId::parse("u").expect("user");
        let legacy = sort_key(&legacy_grant_key(&tenant(), &id("b"), &user));
        assert!(!legacy.starts_with(ACCOUNT_PREFIX));
        assert!(legacy.starts_with(LEGACY_GRANT_PREFIX));
    }
}
