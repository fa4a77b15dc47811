//! Keeping connections alive: the refresh queue holds exactly the active accounts whose
//! time has come, earliest first across tenants; a claim is single-winner and holds the
//! account until its lease; what a refresh found is stored whole, only on the version it
//! was decided on; and the outbox holds the entries that announce an event until they are
//! delivered.

use super::post_fixtures::{post, published_entry};
use super::support::{assert_not_audited, connect, whole_trail};
use crate::conformance::fixtures::{
    audit, connection, grant, grant_set, now, sealed, tenant, unknown_account,
};
use crate::domain::{
    Account, AccountId, AccountStatus, AuditEntry, AuditEvent, MIN_TOKEN_AGE, Permission, Profile,
    RefreshFailure, RefreshPolicy, TenantId, Upkeep,
};
use crate::ports::{
    AccessWriter, AccountHealth, AccountReader, AccountWriter, AuditLog, DueAccount, Outbox,
    PostStore, RefreshQueue, StoreError, TokenReader,
};
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;

/// How long a claim holds an account, in these behaviours.
const LEASE: TimeDelta = TimeDelta::minutes(10);

/// What the queue says of `account` when it is due at `at`.
fn due_entry(account: &Account, at: DateTime<Utc>) -> DueAccount {
    DueAccount {
        tenant: account.tenant.clone(),
        id: account.id.clone(),
        due_at: at,
    }
}

/// Connects the fixture login of `ig_user_id` in `tenant`.
async fn connect_in<S: AccountWriter + ?Sized>(
    store: &S,
    t: &TenantId,
    ig_user_id: &str,
) -> Account {
    store
        .save_connection(&connection(t, ig_user_id), &sealed(ig_user_id))
        .await
        .expect("save connection")
}

/// Stores `account` as due at `due` (and in `status`'s hands as given), one version on.
async fn save_due<S: RefreshQueue + ?Sized>(
    store: &S,
    account: &Account,
    due: Option<DateTime<Utc>>,
) -> Account {
    let mut next = account.clone();
    next.version += 1;
    next.upkeep.refresh_due_at = due;
    store
        .save_upkeep(&next, None, None)
        .await
        .expect("save upkeep");
    next
}

/// A new connection is looked at again a day after it was made (when Instagram would
/// first refresh its token), and not a millisecond before.
pub async fn a_new_connection_is_due_a_day_after_it_was_made<S>(store: &S)
where
    S: AccountWriter + AccountReader + RefreshQueue + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let due = account.connected_at + MIN_TOKEN_AGE;

    assert_eq!(account.upkeep.refresh_due_at, Some(due));
    assert_eq!(
        store
            .get_account(&account.tenant, &account.id)
            .await
            .expect("get"),
        Some(account.clone())
    );
    assert_eq!(
        store
            .due_accounts(due - TimeDelta::milliseconds(1), 10)
            .await
            .expect("due"),
        []
    );
    assert_eq!(
        store.due_accounts(due, 10).await.expect("due"),
        [due_entry(&account, due)]
    );
}

/// The queue holds the active accounts due by now, earliest first (then by tenant and
/// id), across tenants, at most `limit`: not those due later, never due, or not active
/// whatever their due time.
pub async fn due_accounts_are_the_active_ones_due_by_now_earliest_first<S>(store: &S)
where
    S: AccountWriter + RefreshQueue + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let at = now() + TimeDelta::days(3);
    let minutes = |m: i64| at + TimeDelta::minutes(m);
    let a1 = save_due(
        store,
        &connect_in(store, &a, "1001").await,
        Some(minutes(-3)),
    )
    .await;
    let b1 = save_due(
        store,
        &connect_in(store, &b, "1002").await,
        Some(minutes(-2)),
    )
    .await;
    let a2 = save_due(
        store,
        &connect_in(store, &a, "1003").await,
        Some(minutes(-1)),
    )
    .await;
    let b2 = save_due(
        store,
        &connect_in(store, &b, "1004").await,
        Some(minutes(-3)),
    )
    .await;
    save_due(
        store,
        &connect_in(store, &a, "1005").await,
        Some(minutes(1)),
    )
    .await;
    save_due(store, &connect_in(store, &a, "1006").await, None).await;
    let mut gone_bad = connect_in(store, &b, "1007").await;
    gone_bad.status = AccountStatus::NeedsReauth;
    save_due(store, &gone_bad, Some(minutes(-9))).await;

    assert_eq!(
        store.due_accounts(at, 10).await.expect("due"),
        [
            due_entry(&a1, minutes(-3)),
            due_entry(&b2, minutes(-3)),
            due_entry(&b1, minutes(-2)),
            due_entry(&a2, minutes(-1)),
        ]
    );
    assert_eq!(
        store.due_accounts(at, 2).await.expect("due"),
        [due_entry(&a1, minutes(-3)), due_entry(&b2, minutes(-3))]
    );
    assert_eq!(store.due_accounts(at, 0).await.expect("due"), []);
}

/// A claim takes a due account with its sealed token, one version on, due again only when
/// its lease ends; before it is due, or while another holds it, a claim gets nothing, as
/// does a claim of an unknown or another tenant's account.
pub async fn a_claim_holds_the_account_until_its_lease_ends<S>(store: &S)
where
    S: AccountWriter + AccountReader + RefreshQueue + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let t = account.tenant.clone();
    let due = account.upkeep.refresh_due_at.expect("due");
    let lease = due + LEASE;
    let early = due - TimeDelta::milliseconds(1);

    let claim = |id: AccountId, t: TenantId, at: DateTime<Utc>| async move {
        store.claim_refresh(&t, &id, at, lease).await
    };
    assert!(
        claim(account.id.clone(), t.clone(), early)
            .await
            .expect("claim")
            .is_none()
    );
    let other = tenant("tenant-b");
    assert!(
        claim(account.id.clone(), other, due)
            .await
            .expect("claim")
            .is_none()
    );
    assert!(
        claim(unknown_account(), t.clone(), due)
            .await
            .expect("claim")
            .is_none()
    );

    let claimed = claim(account.id.clone(), t.clone(), due)
        .await
        .expect("claim")
        .expect("a due account is claimed");
    let mut expected = account.clone();
    expected.version += 1;
    expected.upkeep.refresh_due_at = Some(lease);
    assert_eq!(claimed.account, expected);
    assert_eq!(claimed.token, sealed("17841400000000001"));
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(expected.clone())
    );

    let meanwhile = due + LEASE / 2;
    assert_eq!(store.due_accounts(meanwhile, 10).await.expect("due"), []);
    assert!(
        claim(account.id.clone(), t.clone(), meanwhile)
            .await
            .expect("claim")
            .is_none()
    );
    assert_eq!(
        store.due_accounts(lease, 10).await.expect("due"),
        [due_entry(&account, lease)],
        "a pass that died leaves the account to the next one"
    );
}

/// Of overlapping passes claiming one account, exactly one gets it.
pub async fn concurrent_claims_have_one_winner<S>(store: Arc<S>)
where
    S: AccountWriter + AccountReader + RefreshQueue + ?Sized + 'static,
{
    let account = connect(&*store, "17841400000000001").await;
    let due = account.upkeep.refresh_due_at.expect("due");

    let mut claims = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (store, t, id) = (
            Arc::clone(&store),
            account.tenant.clone(),
            account.id.clone(),
        );
        claims.spawn(async move { store.claim_refresh(&t, &id, due, due + LEASE).await });
    }
    let mut winners = Vec::new();
    while let Some(joined) = claims.join_next().await {
        if let Some(claimed) = joined.expect("task").expect("claim") {
            winners.push(claimed);
        }
    }

    assert_eq!(winners.len(), 1, "exactly one pass takes the account");
    assert_eq!(winners[0].token, sealed("17841400000000001"));
    let stored = store
        .get_account(&account.tenant, &account.id)
        .await
        .expect("get")
        .expect("there");
    assert_eq!(stored, winners[0].account);
    assert_eq!(stored.version, account.version + 1);
}

/// What a refresh found is stored whole (status, expiry, profile, every upkeep field):
/// the token stays when none was issued and is replaced when one was.
pub async fn save_upkeep_stores_every_field_and_the_token_when_issued<S>(store: &S)
where
    S: AccountWriter + AccountReader + TokenReader + RefreshQueue + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let (t, due) = (
        account.tenant.clone(),
        account.upkeep.refresh_due_at.expect("due"),
    );
    let claimed = store
        .claim_refresh(&t, &account.id, due, due + LEASE)
        .await
        .expect("claim")
        .expect("claimed")
        .account;
    let at = due + TimeDelta::milliseconds(1_234);
    let mut checked = claimed.clone();
    checked.version += 1;
    checked.updated_at = at;
    checked.token_expires_at = Some(at + TimeDelta::days(59));
    checked.profile = Profile {
        username: "renamed".to_owned(),
        ..claimed.profile.clone()
    };
    checked.upkeep = Upkeep {
        token_issued_at: Some(at - TimeDelta::milliseconds(5)),
        last_refreshed_at: Some(at),
        last_error: Some("meta_unavailable".to_owned()),
        data_access_expires_at: Some(at + TimeDelta::days(90)),
        refresh_due_at: Some(at + TimeDelta::hours(4)),
        failures: 3,
        snapshot_through: Some(at.date_naive()),
    };

    store
        .save_upkeep(&checked, None, None)
        .await
        .expect("save without a new token");
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(checked.clone())
    );
    assert_eq!(
        store.sealed_token(&t, &account.id).await.expect("token"),
        Some(sealed("17841400000000001")),
        "no token issued: the old one stays"
    );
    assert_eq!(
        store
            .due_accounts(at + TimeDelta::hours(4), 10)
            .await
            .expect("due"),
        [due_entry(&account, at + TimeDelta::hours(4))]
    );

    let later = at + TimeDelta::hours(4);
    let refreshed = RefreshPolicy::default().succeeded(
        &checked,
        later,
        true,
        Some(later + TimeDelta::days(60)),
        None,
    );
    store
        .save_upkeep(&refreshed, Some(&sealed("refreshed")), None)
        .await
        .expect("save with a new token");
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(refreshed)
    );
    assert_eq!(
        store.sealed_token(&t, &account.id).await.expect("token"),
        Some(sealed("refreshed"))
    );
}

/// A refresh that found the token dead stores the account `needs_reauth`, off the queue,
/// with its audit entry in the same write; the entry is in the trail.
pub async fn save_upkeep_writes_its_audit_entry<S>(store: &S)
where
    S: AccountWriter + AccountReader + AuditLog + RefreshQueue + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let due = account.upkeep.refresh_due_at.expect("due");
    let at = due + TimeDelta::seconds(1);
    let dead =
        RefreshPolicy::default().failed(&account, at, &RefreshFailure::Invalid, "token_invalid");
    let entry = AuditEntry::by_system(
        &account.tenant,
        &account.id,
        at,
        AuditEvent::NeedsReauth {
            code: "token_invalid".to_owned(),
        },
    );

    store
        .save_upkeep(&dead, None, Some(&entry))
        .await
        .expect("save");

    assert_eq!(
        store
            .get_account(&account.tenant, &account.id)
            .await
            .expect("get"),
        Some(dead)
    );
    assert_eq!(
        whole_trail(store, &account.tenant).await.first(),
        Some(&entry)
    );
    assert_eq!(
        store
            .due_accounts(at + TimeDelta::days(400), 10)
            .await
            .expect("due"),
        []
    );
}

/// A save decided on a version the account has moved on from (a reconnect or another pass
/// in between) is a conflict, and writes nothing: neither the account nor its entry.
pub async fn save_upkeep_on_a_stale_version_is_a_conflict<S>(store: &S)
where
    S: AccountWriter + AccountReader + AuditLog + RefreshQueue + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let t = account.tenant.clone();
    let renewed = connect(store, "17841400000000001").await;
    let mut stale = account.clone();
    stale.version += 1;
    stale.upkeep.last_error = Some("meta_unavailable".to_owned());
    let entry = audit(
        &account,
        "igconnect:system",
        AuditEvent::NeedsReauth {
            code: "token_invalid".to_owned(),
        },
    );

    let refused = store.save_upkeep(&stale, None, Some(&entry)).await;

    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(renewed)
    );
    assert_not_audited(store, &t, &entry).await;
    let mut never_stored = stale.clone();
    never_stored.id = unknown_account();
    assert!(matches!(
        store.save_upkeep(&never_stored, None, None).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.get_account(&t, &never_stored.id).await.expect("get"),
        None
    );
}

/// Reconnecting an account Meta refused makes it active again, with fresh upkeep, due a
/// day later like any new connection.
pub async fn reconnecting_a_needs_reauth_account_makes_it_due_again<S>(store: &S)
where
    S: AccountWriter + AccountReader + AccountHealth + RefreshQueue + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let t = account.tenant.clone();
    assert!(
        store
            .mark_needs_reauth(&t, &account.id, now(), "token_invalid")
            .await
            .expect("mark")
    );

    let mut again = connection(&t, "17841400000000001");
    again.at = account.connected_at + TimeDelta::seconds(30);
    let renewed = store
        .save_connection(&again, &sealed("again"))
        .await
        .expect("reconnect");

    let due = again.at + MIN_TOKEN_AGE;
    assert_eq!(renewed.status, AccountStatus::Active);
    assert_eq!(renewed.upkeep.last_error, None);
    assert_eq!(renewed.upkeep.refresh_due_at, Some(due));
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(renewed)
    );
    assert_eq!(
        store.due_accounts(due, 10).await.expect("due"),
        [due_entry(&account, due)]
    );
}

/// The outbox holds, oldest first and across tenants, the entries that announce an event
/// (connections, reconnections, `needs_reauth`, published posts), not the others (grants);
/// delivering one takes it out (again: harmless) and leaves the trail as it was.
pub async fn the_outbox_holds_announced_entries_until_delivered<S>(store: &S)
where
    S: AccountWriter + AccessWriter + AccountHealth + PostStore + AuditLog + Outbox + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let first = connect_in(store, &a, "17841400000000001").await;
    let given = grant("auth0|mike", Permission::View);
    store
        .put_grant(&first, &given, &grant_set(&first, &given))
        .await
        .expect("grant");
    let other = connect_in(store, &b, "17841400000000002").await;
    connect_in(store, &a, "17841400000000001").await;
    assert!(
        store
            .mark_needs_reauth(&a, &first.id, now(), "token_invalid")
            .await
            .expect("mark")
    );
    let created = post(&b, &other.id, "key-1");
    store.insert_post(&created).await.expect("insert");
    let published = created.published(now(), Some("17950000000000004".into()), None);
    let entry = published_entry(&published, "17950000000000004", now());
    store
        .update_post(&published, Some(&entry))
        .await
        .expect("publish");

    let outbox = store.undelivered(100).await.expect("undelivered");
    let actions: Vec<_> = outbox.iter().map(|e| e.event.action()).collect();
    assert_eq!(
        actions,
        [
            "account.connected",
            "account.connected",
            "account.reconnected",
            "account.needs_reauth",
            "post.published",
        ]
    );
    let tenants: Vec<_> = outbox.iter().map(|e| e.tenant.as_str()).collect();
    assert_eq!(
        tenants,
        ["tenant-a", "tenant-b", "tenant-a", "tenant-a", "tenant-b"]
    );
    for entry in &outbox {
        assert!(
            whole_trail(store, &entry.tenant).await.contains(entry),
            "the outbox holds the entry as the trail has it"
        );
    }
    assert_eq!(
        store.undelivered(2).await.expect("undelivered"),
        outbox[..2]
    );

    let trail_before = (whole_trail(store, &a).await, whole_trail(store, &b).await);
    for delivered in &outbox[..2] {
        store
            .mark_delivered(&delivered.tenant, &delivered.id)
            .await
            .expect("mark delivered");
    }
    store
        .mark_delivered(&outbox[0].tenant, &outbox[0].id)
        .await
        .expect("delivered again");
    store
        .mark_delivered(&b, &outbox[0].id)
        .await
        .expect("another tenant's id");

    assert_eq!(
        store.undelivered(100).await.expect("undelivered"),
        outbox[2..]
    );
    assert_eq!(
        (whole_trail(store, &a).await, whole_trail(store, &b).await),
        trail_before,
        "delivery changes nothing in the trail"
    );
}
