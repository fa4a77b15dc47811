//! Keeping accounts alive: the refresh queue on `gsi1` and the updates of the account item
//! the refresh pass, Meta's refusals and Meta's deauthorize callback make.
//!
//! An active account with a due time carries `gsi1pk = REFRESHDUE#<shard>` and
//! `gsi1sk = <due millis, 13 digits>#<tenant>#<account id>`: a sparse, sharded queue beside
//! the posts' `POSTDUE#` shards. The due time is also a plain number, `refresh_due_at`,
//! which the claim's condition compares and which is what `Upkeep::refresh_due_at` reads
//! back as (the claim moves it without rewriting the upkeep document).

use super::{
    Changes, GSI1_PK, GSI1_SK, Item, ItemUpdate, PK, TOKEN, UPDATED_AT, VERSION, corrupt,
    due_order, get_s, n, opt_millis, s, shard_of, time,
};
use crate::domain::{Account, AccountId, AccountStatus, TenantId};
use crate::ports::{DueAccount, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

/// The upkeep document (JSON), beside the account.
pub(in crate::adapters::dynamodb) const UPKEEP: &str = "upkeep";
/// When the refresh pass looks at the account next (epoch milliseconds).
pub(in crate::adapters::dynamodb) const REFRESH_DUE: &str = "refresh_due_at";
const REFRESH_PREFIX: &str = "REFRESHDUE#";
const STATUS: &str = "status";

/// The `gsi1` partition of a refresh-queue shard.
pub(in crate::adapters::dynamodb) fn refresh_partition(shard: u64) -> AttributeValue {
    s(format!("{REFRESH_PREFIX}{shard}"))
}

/// The account's place on the refresh queue when due at `due`.
fn refresh_keys(
    tenant: &TenantId,
    id: &AccountId,
    due: DateTime<Utc>,
) -> (AttributeValue, AttributeValue) {
    (
        refresh_partition(shard_of(id.as_str())),
        due_order(due, &[tenant.as_str(), id.as_str()]),
    )
}

/// The attributes that put `account` on the refresh queue: its due time whenever it has
/// one, and the queue keys only while it is also active (a sparse queue). `None`: absent.
pub(in crate::adapters::dynamodb) fn refresh_attributes(
    account: &Account,
) -> [(&'static str, Option<AttributeValue>); 3] {
    let due = account.upkeep.refresh_due_at;
    let queued = due
        .filter(|_| account.status == AccountStatus::Active)
        .map(|due| refresh_keys(&account.tenant, &account.id, due));
    let (pk, sk) = match queued {
        Some((pk, sk)) => (Some(pk), Some(sk)),
        None => (None, None),
    };
    [(REFRESH_DUE, opt_millis(due)), (GSI1_PK, pk), (GSI1_SK, sk)]
}

/// A refresh-queue entry as the index gives it: its sort key names the account.
pub(in crate::adapters::dynamodb) fn due_account_from_index(
    item: &Item,
) -> Result<DueAccount, StoreError> {
    let order = get_s(item, GSI1_SK)?;
    let mut parts = order.splitn(3, '#');
    let (Some(ms), Some(tenant), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(corrupt("a refresh queue entry without its account"));
    };
    Ok(DueAccount {
        tenant: TenantId::parse(tenant).map_err(corrupt)?,
        id: AccountId::parse(id).map_err(corrupt)?,
        due_at: time(ms.parse().map_err(corrupt)?)?,
    })
}

/// The update that stores `account`'s status, profile, expiry, upkeep and due time, while
/// the item is still at the version before `account.version`. It names nothing else:
/// owner, grantor and the login stay as they are. `new_token`: the same transaction writes
/// a new token item, so a token the item still holds from before tokens had items of their
/// own goes.
pub(in crate::adapters::dynamodb) fn upkeep_update(
    account: &Account,
    new_token: bool,
) -> Result<Changes, StoreError> {
    // No stored account is at version 0, so an update claiming version 1 can only lose.
    let read = account.version.checked_sub(1).ok_or(StoreError::Conflict)?;
    let mut changes = Changes::default()
        .set(STATUS, s(account.status.as_str()))
        .set(
            "profile",
            s(serde_json::to_string(&account.profile).map_err(corrupt)?),
        )
        .set_or_remove("token_expires_at", opt_millis(account.token_expires_at))
        .set(UPDATED_AT, n(account.updated_at.timestamp_millis()))
        .set(VERSION, n(account.version))
        .set(
            UPKEEP,
            s(serde_json::to_string(&account.upkeep).map_err(corrupt)?),
        );
    for (name, value) in refresh_attributes(account) {
        changes = changes.set_or_remove(name, value);
    }
    if new_token {
        changes = changes.remove(TOKEN);
    }
    Ok(changes
        .value(":read", n(read))
        .condition("#version = :read"))
}

/// The claim of a due account: while it is active and due at or before `now`, its due
/// time (and queue place) moves to `lease_until` and its version is bumped. Only the
/// attribute moves, not the upkeep document: reading the account reconciles the two.
pub(in crate::adapters::dynamodb) fn claim_update(
    tenant: &TenantId,
    id: &AccountId,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> ItemUpdate {
    let (pk, sk) = refresh_keys(tenant, id, lease_until);
    Changes::default()
        .set(REFRESH_DUE, n(lease_until.timestamp_millis()))
        .set(GSI1_PK, pk)
        .set(GSI1_SK, sk)
        .add(VERSION, n(1))
        .name(STATUS)
        .value(":active", s(AccountStatus::Active.as_str()))
        .value(":now", n(now.timestamp_millis()))
        .condition("#status = :active AND #refresh_due_at <= :now")
        .build()
}

/// Meta's deauthorize: the account becomes `revoked` at `at`, a token the item still holds
/// from before tokens had items of their own is removed (the caller's transaction deletes
/// the token item: destroyed, not disabled) and it leaves the refresh queue, unless it is revoked already
/// or not there. Grants, posts and the upkeep document stay.
pub(in crate::adapters::dynamodb) fn revoke_update(at: DateTime<Utc>) -> ItemUpdate {
    Changes::default()
        .set(STATUS, s(AccountStatus::Revoked.as_str()))
        .set(UPDATED_AT, n(at.timestamp_millis()))
        .add(VERSION, n(1))
        .remove(TOKEN)
        .remove(REFRESH_DUE)
        .remove(GSI1_PK)
        .remove(GSI1_SK)
        .name(PK)
        .condition("attribute_exists(#pk) AND #status <> :status")
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Connection, IgUserId, LoginPath, MetaGrantor, Owner, Profile, UserId};

    fn account(status: AccountStatus) -> Account {
        let connection = Connection {
            tenant: TenantId::parse("t").expect("tenant"),
            ig_user_id: IgUserId::parse("1").expect("ig user"),
            login: LoginPath::Instagram,
            owner: Owner::Company,
            profile: Profile::default(),
            grantor: MetaGrantor {
                meta_user_id: "m".into(),
                page_id: None,
                scopes: None,
            },
            token_expires_at: None,
            connected_by: UserId::parse("u").expect("user"),
            at: DateTime::from_timestamp_millis(1_700_000_000_123).expect("time"),
        };
        Account {
            status,
            ..connection.new_account(AccountId::generate())
        }
    }

    #[test]
    fn an_active_account_with_a_due_time_is_on_its_shard_of_the_queue() {
        let given = account(AccountStatus::Active);
        let [(_, due), (_, pk), (_, sk)] = refresh_attributes(&given);
        assert_eq!(due, Some(n(1_700_086_400_123_i64)));
        assert_eq!(
            pk,
            Some(s(format!("REFRESHDUE#{}", shard_of(given.id.as_str()))))
        );
        let sk = sk.expect("a queue sort key");
        assert_eq!(sk, s(format!("1700086400123#t#{}", given.id)));
        let entry = Item::from([(GSI1_SK.to_owned(), sk)]);
        let read = due_account_from_index(&entry).expect("entry");
        assert_eq!(read.id, given.id);
        assert_eq!(read.due_at, given.upkeep.refresh_due_at.expect("due"));
    }

    #[test]
    fn accounts_not_active_or_never_due_are_off_the_queue() {
        for status in [AccountStatus::NeedsReauth, AccountStatus::Revoked] {
            let [(_, due), (_, pk), (_, sk)] = refresh_attributes(&account(status));
            assert!(due.is_some(), "the due time itself is kept");
            assert_eq!((pk, sk), (None, None));
        }
        let mut never = account(AccountStatus::Active);
        never.upkeep.refresh_due_at = None;
        assert!(refresh_attributes(&never).iter().all(|(_, v)| v.is_none()));
    }

    #[test]
    fn an_upkeep_update_is_conditioned_on_the_previous_version() {
        let mut given = account(AccountStatus::Active);
        given.version = 7;
        let update = upkeep_update(&given, false).expect("update").build();
        assert_eq!(update.values.get(":read"), Some(&n(6)));
        assert!(!update.expression.contains(TOKEN));
        given.version = 0;
        assert!(matches!(
            upkeep_update(&given, false),
            Err(StoreError::Conflict)
        ));
    }
}
