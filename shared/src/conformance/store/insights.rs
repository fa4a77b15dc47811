//! Daily account metrics: a day reads back exactly and is replaced when saved again, a range
//! is inclusive and in date order, each account and tenant sees only its own days, a
//! deleted account's days go with it while a revoked one keeps them, and more days than
//! one DynamoDB transaction or query page holds behave like a few.

use super::support::connect;
use crate::conformance::fixtures::{audit, connection, sealed, tenant, unknown_account};
use crate::domain::{Account, AccountId, AuditEntry, AuditEvent, DayMetrics, TenantId};
use crate::ports::{
    AccountRemoval, AccountWriter, InsightSnapshots, RefreshQueue, StoreError, UpkeepOutcome,
};
use chrono::{Days, NaiveDate};
use std::collections::BTreeMap;

/// The `i`th day after 2026-01-01 (itself the 0th).
fn date(i: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new(i)))
        .expect("fixture dates are valid")
}

/// Day `i` with the given metrics.
fn day(i: u64, values: &[(&str, i64)]) -> DayMetrics {
    DayMetrics {
        date: date(i),
        values: values
            .iter()
            .map(|(name, value)| ((*name).to_owned(), *value))
            .collect(),
    }
}

/// Days `range` with a reach and views of their own, so a day read back can be told apart.
fn days(range: std::ops::Range<u64>) -> Vec<DayMetrics> {
    range
        .map(|i| day(i, &[("reach", 100 + i as i64), ("views", 1000 + i as i64)]))
        .collect()
}

/// Every stored day of the account from day 0 to a year on.
async fn stored<S: InsightSnapshots + ?Sized>(
    store: &S,
    tenant: &TenantId,
    account: &AccountId,
) -> Vec<DayMetrics> {
    store
        .days(tenant, account, date(0), date(365))
        .await
        .expect("read days")
}

async fn save<S: InsightSnapshots + ?Sized>(store: &S, account: &Account, days: &[DayMetrics]) {
    store
        .save_days(&account.tenant, &account.id, days)
        .await
        .expect("save days");
}

/// The entry a disconnect writes.
fn disconnected(account: &Account) -> AuditEntry {
    audit(
        account,
        "auth0|owner-1",
        AuditEvent::Disconnected {
            username: account.profile.username.clone(),
            revoked_at_meta: true,
        },
    )
}

/// Saved days read back exactly, in date order whatever order they were saved in: every
/// metric, large and negative values, and a day Meta had no value for (no metrics at all,
/// which is not a day of zeros).
pub async fn saved_days_read_back_in_date_order<S>(store: &S)
where
    S: AccountWriter + InsightSnapshots + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let given = vec![
        day(
            2,
            &[("reach", 7), ("followers_count", 9_007_199_254_740_993)],
        ),
        day(0, &[("reach", 1), ("views", 2), ("profile_links_taps", -3)]),
        day(1, &[]),
    ];

    save(store, &account, &given).await;

    assert_eq!(
        stored(store, &account.tenant, &account.id).await,
        [given[1].clone(), given[2].clone(), given[0].clone()]
    );
}

/// Saving a day again replaces its values (a metric missing from the new values is gone,
/// not kept); the other days stay. Of a day given twice in one save, the later is kept.
pub async fn saving_a_day_again_replaces_its_values<S>(store: &S)
where
    S: AccountWriter + InsightSnapshots + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    save(store, &account, &days(0..3)).await;

    save(store, &account, &[day(1, &[("reach", 5)])]).await;
    save(
        store,
        &account,
        &[
            day(2, &[("reach", 8)]),
            day(2, &[("reach", 9), ("views", 1)]),
        ],
    )
    .await;

    let mut expected = days(0..1);
    expected.push(day(1, &[("reach", 5)]));
    expected.push(day(2, &[("reach", 9), ("views", 1)]));
    assert_eq!(stored(store, &account.tenant, &account.id).await, expected);
}

/// A range holds the days from its first to its last date, both included; one date is a
/// range of one day; a range with nothing stored, or that ends before it starts, is empty;
/// a range wider than what is stored holds what is stored.
pub async fn days_are_read_within_inclusive_bounds<S>(store: &S)
where
    S: AccountWriter + InsightSnapshots + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let (t, id) = (&account.tenant, &account.id);
    let mut given = days(0..5);
    given.extend(days(10..15));
    save(store, &account, &given).await;

    let read = |from: u64, to: u64| store.days(t, id, date(from), date(to));
    assert_eq!(read(2, 11).await.expect("read"), given[2..7]);
    assert_eq!(read(3, 3).await.expect("read"), given[3..4]);
    assert_eq!(read(5, 9).await.expect("read"), []);
    assert_eq!(read(4, 2).await.expect("read"), []);
    let before = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date");
    let after = NaiveDate::from_ymd_opt(2100, 1, 1).expect("date");
    assert_eq!(store.days(t, id, before, after).await.expect("read"), given);
    assert_eq!(
        store
            .days(t, id, NaiveDate::MIN, NaiveDate::MAX)
            .await
            .expect("read"),
        given
    );
}

/// Each account reads only its own days, and another tenant reads none of them, not even
/// under the same account id. Days saved for an account that is not there (never was, or
/// only in another tenant) are not kept.
pub async fn days_are_kept_per_account_and_tenant<S>(store: &S)
where
    S: AccountWriter + InsightSnapshots + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let first = connect(store, "17841400000000001").await;
    let second = connect(store, "17841400000000002").await;
    let elsewhere = store
        .save_connection(&connection(&b, "17841400000000001"), &sealed("b"))
        .await
        .expect("connect in tenant-b");
    save(store, &first, &days(0..3)).await;
    save(store, &second, &[day(1, &[("reach", 42)])]).await;
    save(store, &elsewhere, &[day(2, &[("reach", 43)])]).await;

    store
        .save_days(&b, &first.id, &[day(0, &[("reach", -1)])])
        .await
        .expect("save under another tenant");
    let unknown = unknown_account();
    store
        .save_days(&a, &unknown, &days(0..2))
        .await
        .expect("save for an unknown account");

    assert_eq!(stored(store, &a, &first.id).await, days(0..3));
    assert_eq!(
        stored(store, &a, &second.id).await,
        [day(1, &[("reach", 42)])]
    );
    assert_eq!(
        stored(store, &b, &elsewhere.id).await,
        [day(2, &[("reach", 43)])]
    );
    assert_eq!(stored(store, &b, &first.id).await, []);
    assert_eq!(stored(store, &a, &elsewhere.id).await, []);
    assert_eq!(stored(store, &a, &unknown).await, []);
}

/// Deleting an account (a disconnect, Meta's data deletion) deletes its days, however many
/// (more than one DynamoDB transaction holds); days saved after it are not kept, and the
/// same Instagram account connected again starts with none. Other accounts keep theirs.
pub async fn delete_removes_the_accounts_daily_metrics<S>(store: &S)
where
    S: AccountWriter + AccountRemoval + InsightSnapshots + ?Sized,
{
    let gone = connect(store, "17841400000000001").await;
    let deleted_by_meta = connect(store, "17841400000000002").await;
    let kept = connect(store, "17841400000000003").await;
    let t = gone.tenant.clone();
    for account in [&gone, &deleted_by_meta, &kept] {
        save(store, account, &days(0..120)).await;
    }

    assert!(
        store
            .delete_account(&gone, &disconnected(&gone))
            .await
            .expect("disconnect")
    );
    let data_deleted = AuditEntry::by_system(
        &t,
        &deleted_by_meta.id,
        crate::conformance::fixtures::now(),
        AuditEvent::DataDeleted {},
    );
    assert!(
        store
            .delete_account(&deleted_by_meta, &data_deleted)
            .await
            .expect("data deletion")
    );

    assert_eq!(stored(store, &t, &gone.id).await, []);
    assert_eq!(stored(store, &t, &deleted_by_meta.id).await, []);
    assert_eq!(stored(store, &t, &kept.id).await, days(0..120));

    save(store, &gone, &days(0..2)).await;
    assert_eq!(
        stored(store, &t, &gone.id).await,
        [],
        "days saved after the delete are not kept"
    );
    let back = connect(store, "17841400000000001").await;
    assert_eq!(stored(store, &t, &back.id).await, []);
}

/// Revoking an account (Meta's deauthorize) keeps its days: it keeps everything but its
/// token, and a reconnect picks up where it was.
pub async fn revoke_keeps_the_accounts_daily_metrics<S>(store: &S)
where
    S: AccountWriter + AccountRemoval + InsightSnapshots + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    save(store, &account, &days(0..3)).await;
    let entry = audit(
        &account,
        "igconnect:system",
        AuditEvent::Revoked {
            reason: "deauthorized".to_owned(),
        },
    );

    assert!(
        store
            .revoke_account(
                &account.tenant,
                &account.id,
                crate::conformance::fixtures::now(),
                &entry
            )
            .await
            .expect("revoke")
    );

    assert_eq!(
        stored(store, &account.tenant, &account.id).await,
        days(0..3)
    );
}

/// 120 days of many metrics each (11 kB a day): more than one DynamoDB transaction writes
/// (100 items) and more than one query page reads (1 MB) round trip whole and in order, and
/// so does a range of more than a page that starts and ends inside them.
pub async fn more_days_than_one_write_or_page_holds_round_trip<S>(store: &S)
where
    S: AccountWriter + InsightSnapshots + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let heavy: Vec<DayMetrics> = (0..120)
        .map(|i| DayMetrics {
            date: date(i),
            values: (0..250)
                .map(|m| {
                    (
                        format!("metric_with_a_long_name_{m:04}"),
                        1_000_000_000_000 + (i * 1000 + m) as i64,
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        })
        .collect();

    save(store, &account, &heavy).await;

    assert_eq!(stored(store, &account.tenant, &account.id).await, heavy);
    assert_eq!(
        store
            .days(&account.tenant, &account.id, date(10), date(118))
            .await
            .expect("read a range"),
        heavy[10..=118]
    );
}

/// The refresh pass stores a snapshot's days with the look's outcome: they are there when
/// the outcome is, and a stale outcome (the account changed meanwhile) stores neither.
pub async fn days_saved_with_an_outcome_stand_or_fall_with_it<S>(store: &S)
where
    S: AccountWriter + InsightSnapshots + RefreshQueue + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let mut looked = account.clone();
    looked.version += 1;
    looked.upkeep.snapshot_through = Some(date(2));
    let outcome = UpkeepOutcome {
        account: looked.clone(),
        token: None,
        audit: None,
        days: days(0..3),
    };
    store.save_outcome(&outcome).await.expect("save outcome");
    assert_eq!(
        stored(store, &account.tenant, &account.id).await,
        days(0..3)
    );

    // The same outcome again is a stale version: refused, and its new days are not stored.
    let stale = UpkeepOutcome {
        days: days(3..5),
        ..outcome
    };
    assert!(matches!(
        store.save_outcome(&stale).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        stored(store, &account.tenant, &account.id).await,
        days(0..3)
    );
}
