//! Account health: an account whose token Meta refused is marked once, with one audit
//! entry (so one event), keeps what sharing decided, leaves the refresh queue, and marking
//! what is not there changes nothing.

use super::support::{connect, whole_trail};
use crate::conformance::fixtures::{grant, grant_set, now, tenant, unknown_account};
use crate::domain::{AccountStatus, AuditEntry, AuditEvent, Permission, TenantId, UserId};
use crate::ports::{
    AccessWriter, AccountHealth, AccountReader, AccountWriter, AuditLog, GrantReader, RefreshQueue,
};
use chrono::TimeDelta;
use std::sync::Arc;

/// The tenant's `account.needs_reauth` entries.
async fn reauth_entries<S: AuditLog + ?Sized>(store: &S, tenant: &TenantId) -> Vec<AuditEntry> {
    whole_trail(store, tenant)
        .await
        .into_iter()
        .filter(|e| matches!(e.event, AuditEvent::NeedsReauth { .. }))
        .collect()
}

/// The first mark sets the account `needs_reauth` (with the time, a new version and the
/// code as its last error, no longer due) and says so, with an `account.needs_reauth`
/// entry by igconnect itself; a second mark changes nothing and says `false`. Grants stay.
pub async fn mark_needs_reauth_changes_the_account_once<S>(store: &S)
where
    S: AccountWriter
        + AccountReader
        + AccessWriter
        + GrantReader
        + AccountHealth
        + AuditLog
        + ?Sized,
{
    let t = tenant("tenant-a");
    let account = connect(store, "17841400000000001").await;
    let given = grant("auth0|mike", Permission::Publish);
    store
        .put_grant(&account, &given, &grant_set(&account, &given))
        .await
        .expect("put grant");
    let at = now() + TimeDelta::milliseconds(1_234);

    assert!(
        store
            .mark_needs_reauth(&t, &account.id, at, "token_invalid")
            .await
            .expect("mark")
    );

    let mut expected = account.clone();
    expected.status = AccountStatus::NeedsReauth;
    expected.updated_at = at;
    expected.version = account.version + 1;
    expected.upkeep.last_error = Some("token_invalid".to_owned());
    expected.upkeep.refresh_due_at = None;
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(expected.clone())
    );
    let entries = reauth_entries(store, &t).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0],
        AuditEntry {
            id: entries[0].id.clone(),
            tenant: t.clone(),
            at,
            actor: UserId::system(),
            account_id: Some(account.id.clone()),
            event: AuditEvent::NeedsReauth {
                code: "token_invalid".to_owned()
            },
        }
    );

    let again = at + TimeDelta::seconds(5);
    assert!(
        !store
            .mark_needs_reauth(&t, &account.id, again, "token_invalid")
            .await
            .expect("mark again")
    );
    assert_eq!(reauth_entries(store, &t).await, entries, "one entry, once");
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(expected),
        "a second mark writes nothing"
    );
    assert_eq!(
        store
            .grants_on(&t, std::slice::from_ref(&account.id))
            .await
            .expect("grants on"),
        [(account.id, given)]
    );
}

/// Marking an account that does not exist, or another tenant's, is `false` and creates
/// nothing.
pub async fn mark_needs_reauth_of_an_unknown_account_is_false<S>(store: &S)
where
    S: AccountWriter + AccountReader + AccountHealth + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let account = connect(store, "17841400000000001").await;
    let unknown = unknown_account();

    assert!(
        !store
            .mark_needs_reauth(&a, &unknown, now(), "token_invalid")
            .await
            .expect("mark")
    );
    assert!(
        !store
            .mark_needs_reauth(&b, &account.id, now(), "token_invalid")
            .await
            .expect("mark")
    );

    assert_eq!(store.get_account(&a, &unknown).await.expect("get"), None);
    assert_eq!(store.get_account(&b, &account.id).await.expect("get"), None);
    assert_eq!(
        store.get_account(&a, &account.id).await.expect("get"),
        Some(account),
        "another tenant's mark leaves the account alone"
    );
}

/// Of concurrent marks of one account (the refresh pass and a publish that both met a
/// dead token), exactly one says it changed the account and exactly one entry is written;
/// the account is then off the refresh queue.
pub async fn concurrent_marks_write_one_needs_reauth_entry<S>(store: Arc<S>)
where
    S: AccountWriter + AccountReader + AccountHealth + AuditLog + RefreshQueue + ?Sized + 'static,
{
    let t = tenant("tenant-a");
    let account = connect(&*store, "17841400000000001").await;
    let due = account
        .upkeep
        .refresh_due_at
        .expect("a new connection is due");
    assert_eq!(
        store.due_accounts(due, 10).await.expect("due").len(),
        1,
        "due before the mark"
    );

    let mut marks = tokio::task::JoinSet::new();
    for i in 0..6 {
        let (store, t, id) = (Arc::clone(&store), t.clone(), account.id.clone());
        marks.spawn(async move {
            let at = now() + TimeDelta::milliseconds(i);
            store.mark_needs_reauth(&t, &id, at, "token_invalid").await
        });
    }
    let mut changed = 0;
    while let Some(joined) = marks.join_next().await {
        if joined.expect("task").expect("mark") {
            changed += 1;
        }
    }

    assert_eq!(changed, 1, "exactly one mark changes the account");
    assert_eq!(reauth_entries(&*store, &t).await.len(), 1);
    let marked = store
        .get_account(&t, &account.id)
        .await
        .expect("get")
        .expect("still there");
    assert_eq!(marked.status, AccountStatus::NeedsReauth);
    assert_eq!(marked.version, account.version + 1);
    assert_eq!(
        store
            .due_accounts(due + TimeDelta::days(400), 10)
            .await
            .expect("due"),
        [],
        "a needs_reauth account is never due"
    );
}
