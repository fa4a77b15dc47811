//! The audit trail: written in the same transaction as the change it records, read back
//! newest first, only by its own tenant, in pages without gaps, every field exact.

use super::support::whole_trail;
use crate::conformance::fixtures::{audit, connection, grant, grant_set, sealed, tenant, user};
use crate::domain::{
    AuditEntry, AuditEvent, AuditId, MemberAccess, Owner, PageRequest, Permission,
};
use crate::ports::{AccessWriter, AccountWriter, AuditLog};
use chrono::{DateTime, TimeDelta};
use std::sync::Arc;

/// A first login is on the trail as soon as it is saved: `account.connected`, by the user
/// who completed the login, at the login's time, naming the account, its login and owner.
pub async fn first_connection_is_audited_as_connected<S>(store: &S)
where
    S: AccountWriter + AuditLog + ?Sized,
{
    let login = connection(&tenant("tenant-a"), "17841400000000001");
    let saved = store
        .save_connection(&login, &sealed("one"))
        .await
        .expect("save");

    let trail = whole_trail(store, &login.tenant).await;
    assert_eq!(trail.len(), 1);
    let entry = &trail[0];
    assert_eq!(entry.tenant, login.tenant);
    assert_eq!(entry.actor, login.connected_by);
    assert_eq!(entry.at, login.at);
    assert_eq!(entry.account_id.as_ref(), Some(&saved.id));
    assert_eq!(
        entry.event,
        AuditEvent::Connected {
            username: login.profile.username.clone(),
            login: login.login,
            owner: login.owner.clone(),
        }
    );
}

/// A later login of the same account is on the trail as `account.reconnected`, by whoever
/// completed it, above the first connection.
pub async fn reconnect_is_audited_as_reconnected<S>(store: &S)
where
    S: AccountWriter + AuditLog + ?Sized,
{
    let t = tenant("tenant-a");
    let first = store
        .save_connection(&connection(&t, "17841400000000001"), &sealed("old"))
        .await
        .expect("first save");
    let mut again = connection(&t, "17841400000000001");
    again.connected_by = user("auth0|colleague-2");
    again.profile.username = "renamed".to_owned();
    again.at = first.connected_at + TimeDelta::milliseconds(2_500);
    store
        .save_connection(&again, &sealed("new"))
        .await
        .expect("reconnect");

    let trail = whole_trail(store, &t).await;
    let actions: Vec<_> = trail.iter().map(|e| e.event.action()).collect();
    assert_eq!(actions, ["account.reconnected", "account.connected"]);
    let entry = &trail[0];
    assert_eq!(entry.actor, again.connected_by);
    assert_eq!(entry.at, again.at);
    assert_eq!(entry.account_id.as_ref(), Some(&first.id));
    assert_eq!(
        entry.event,
        AuditEvent::Reconnected {
            username: "renamed".to_owned(),
            login: again.login,
        }
    );
}

/// Racing logins that retry behind the scenes leave one entry per save that landed: one
/// connection and three reconnections, never an entry of a write that lost.
pub async fn concurrent_connections_audit_each_save_once<S>(store: Arc<S>)
where
    S: AccountWriter + AuditLog + ?Sized + 'static,
{
    let t = tenant("tenant-a");
    let mut tasks = Vec::new();
    for i in 0..4 {
        let store = Arc::clone(&store);
        let login = connection(&t, "17841400000000001");
        let token = sealed(&format!("tab-{i}"));
        tasks.push(tokio::spawn(async move {
            store.save_connection(&login, &token).await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("save");
    }

    let trail = whole_trail(store.as_ref(), &t).await;
    let mut actions: Vec<_> = trail.iter().map(|e| e.event.action()).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "account.connected",
            "account.reconnected",
            "account.reconnected",
            "account.reconnected"
        ]
    );
    assert_eq!(
        trail.last().map(|e| e.event.action()),
        Some("account.connected"),
        "the first connection is the oldest entry"
    );
}

/// The trail lists newest first and holds only the tenant's own entries.
pub async fn audit_lists_newest_first_and_only_the_tenants_own<S>(store: &S)
where
    S: AccountWriter + AccessWriter + AuditLog + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let in_a = store
        .save_connection(&connection(&a, "17841400000000001"), &sealed("a"))
        .await
        .expect("save a");
    let in_b = store
        .save_connection(&connection(&b, "17841400000000001"), &sealed("b"))
        .await
        .expect("save b");
    let shared = grant("auth0|mike", Permission::View);
    store
        .put_grant(&in_a, &shared, &grant_set(&in_a, &shared))
        .await
        .expect("grant in a");
    store
        .put_grant(&in_b, &shared, &grant_set(&in_b, &shared))
        .await
        .expect("grant in b");
    store
        .save_connection(&connection(&a, "17841400000000001"), &sealed("a2"))
        .await
        .expect("reconnect in a");

    let trail = whole_trail(store, &a).await;
    let actions: Vec<_> = trail.iter().map(|e| e.event.action()).collect();
    assert_eq!(
        actions,
        ["account.reconnected", "grant.set", "account.connected"]
    );
    assert!(trail.iter().all(|e| e.tenant == a));
    assert!(
        trail
            .iter()
            .all(|e| e.account_id.as_ref() == Some(&in_a.id))
    );
    assert!(
        trail.windows(2).all(|w| w[0].id > w[1].id),
        "newest (greatest id) first"
    );
    assert_eq!(whole_trail(store, &b).await.len(), 2);
    assert!(whole_trail(store, &tenant("nobody-here")).await.is_empty());
}

/// Walking pages of 3 over 8 entries sees each exactly once, newest first, and the last
/// page has no next cursor; a page that ends exactly at the oldest entry has none either.
pub async fn audit_paginates_without_gaps_or_duplicates<S>(store: &S)
where
    S: AccountWriter + AccessWriter + AuditLog + ?Sized,
{
    let t = tenant("tenant-a");
    let account = store
        .save_connection(&connection(&t, "17841400000000001"), &sealed("x"))
        .await
        .expect("save");
    let mut written = Vec::new();
    for i in 0..7 {
        let given = grant(&format!("auth0|user-{i}"), Permission::Publish);
        let entry = grant_set(&account, &given);
        store
            .put_grant(&account, &given, &entry)
            .await
            .expect("grant");
        written.push(entry.id);
    }

    let mut seen: Vec<AuditEntry> = Vec::new();
    let mut sizes = Vec::new();
    let mut request = PageRequest::<AuditId> {
        limit: 3,
        after: None,
    };
    loop {
        let got = store.list_audit(&t, &request).await.expect("list");
        sizes.push(got.items.len());
        seen.extend(got.items);
        match got.next {
            Some(cursor) => request.after = Some(cursor),
            None => break,
        }
        assert!(sizes.len() < 10, "pagination does not end");
    }
    assert_eq!(sizes, [3, 3, 2]);
    let ids: Vec<_> = seen.iter().map(|e| e.id.clone()).collect();
    written.reverse();
    assert_eq!(ids[..7], written[..], "the grants, newest first");
    assert_eq!(
        seen[7].event.action(),
        "account.connected",
        "then the oldest"
    );

    let whole = store
        .list_audit(
            &t,
            &PageRequest {
                limit: 8,
                after: None,
            },
        )
        .await
        .expect("list");
    assert_eq!(whole.items.len(), 8);
    assert_eq!(
        whole.next, None,
        "no next page when the page ends at the oldest entry"
    );
}

/// Every field of an entry reads back exactly: each kind of event, actors with the
/// characters identity providers use, times to the millisecond, and an entry about no
/// account.
pub async fn audit_entries_round_trip_every_field<S>(store: &S)
where
    S: AccountWriter + AccessWriter + AuditLog + ?Sized,
{
    let t = tenant("tenant-a");
    let account = store
        .save_connection(&connection(&t, "17841400000000001"), &sealed("x"))
        .await
        .expect("save");
    let admin = "auth0|admin-7";
    let dan = user("a.person@example.com");
    let mut entries = vec![
        audit(
            &account,
            admin,
            AuditEvent::Transferred {
                from: account.owner.clone(),
                to: Owner::Company,
            },
        ),
        audit(
            &account,
            admin,
            AuditEvent::MemberAccessChanged {
                from: MemberAccess::Publish,
                to: MemberAccess::View,
            },
        ),
        audit(
            &account,
            "google-oauth2|1234567890",
            AuditEvent::GrantSet {
                user_id: dan.clone(),
                permission: Permission::Manage,
                previous: Some(Permission::View),
            },
        ),
        audit(
            &account,
            admin,
            AuditEvent::GrantSet {
                user_id: dan.clone(),
                permission: Permission::View,
                previous: None,
            },
        ),
        audit(
            &account,
            admin,
            AuditEvent::GrantRemoved {
                user_id: dan,
                permission: Permission::Publish,
            },
        ),
        audit(
            &account,
            admin,
            AuditEvent::Transferred {
                from: Owner::Company,
                to: Owner::User {
                    user_id: user("auth0|new-owner"),
                },
            },
        ),
    ];
    entries[1].at = DateTime::from_timestamp_millis(1_700_000_000_123).expect("valid time");
    entries[2].at = entries[0].at + TimeDelta::milliseconds(1);
    entries[3].account_id = None;
    let mut updated = account.clone();
    updated.owner = Owner::Company;
    updated.member_access = MemberAccess::View;
    updated.version += 1;
    store
        .update_access(&updated, &entries)
        .await
        .expect("update access");

    let trail = whole_trail(store, &t).await;
    entries.reverse();
    assert_eq!(trail[..entries.len()], entries[..], "newest first, exact");
    assert_eq!(trail.len(), entries.len() + 1, "and the connection");
}
