//! Owner and member access changes: they land whole with their audit entries, only on the
//! version they were decided on, and a later login keeps what they decided.

use super::support::{assert_not_audited, connect, whole_trail};
use crate::conformance::fixtures::{audit, connection, grant, grant_set, sealed, tenant, user};
use crate::domain::{AuditEvent, MemberAccess, Owner, PageRequest, Permission};
use crate::ports::{AccessWriter, AccountReader, AccountWriter, AuditLog, GrantReader, StoreError};
use chrono::TimeDelta;

/// Transferring an account and changing its member access lands whole (owner, member
/// access, time and version), reads back through both `get_account` and `list_accounts`,
/// and transfers back to a user the same way.
pub async fn update_access_changes_owner_and_member_access<S>(store: &S)
where
    S: AccountWriter + AccountReader + AccessWriter + AuditLog + ?Sized,
{
    let t = tenant("tenant-a");
    let account = connect(store, "17841400000000001").await;
    let mut to_company = account.clone();
    to_company.owner = Owner::Company;
    to_company.member_access = MemberAccess::View;
    to_company.updated_at = account.updated_at + TimeDelta::milliseconds(1_001);
    to_company.version = account.version + 1;
    let entries = [
        audit(
            &account,
            "auth0|owner-1",
            AuditEvent::Transferred {
                from: account.owner.clone(),
                to: Owner::Company,
            },
        ),
        audit(
            &account,
            "auth0|owner-1",
            AuditEvent::MemberAccessChanged {
                from: account.member_access,
                to: MemberAccess::View,
            },
        ),
    ];

    store
        .update_access(&to_company, &entries)
        .await
        .expect("to the company");

    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(to_company.clone())
    );
    let listed = store
        .list_accounts(&t, &PageRequest::parse(None, None).expect("first page"))
        .await
        .expect("list");
    assert_eq!(listed.items, [to_company.clone()]);
    let trail = whole_trail(store, &t).await;
    assert_eq!(trail[..2], [entries[1].clone(), entries[0].clone()]);

    let mut to_user = to_company.clone();
    to_user.owner = Owner::User {
        user_id: user("auth0|new-owner"),
    };
    to_user.member_access = MemberAccess::None;
    to_user.updated_at = to_company.updated_at + TimeDelta::milliseconds(1);
    to_user.version = to_company.version + 1;
    store.update_access(&to_user, &[]).await.expect("to a user");
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(to_user)
    );
}

/// An access change decided on a version that is no longer stored is refused: the account
/// stays as it is and the change's audit entry is not written.
pub async fn update_access_on_a_stale_version_is_a_conflict<S>(store: &S)
where
    S: AccountWriter + AccountReader + AccessWriter + AuditLog + ?Sized,
{
    let t = tenant("tenant-a");
    let stale = connect(store, "17841400000000001").await;
    let current = connect(store, "17841400000000001").await;
    let mut updated = stale.clone();
    updated.owner = Owner::Company;
    updated.version = stale.version + 1;
    let entry = audit(
        &stale,
        "auth0|owner-1",
        AuditEvent::Transferred {
            from: stale.owner.clone(),
            to: Owner::Company,
        },
    );

    let refused = store
        .update_access(&updated, std::slice::from_ref(&entry))
        .await;

    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    assert_eq!(
        store.get_account(&t, &stale.id).await.expect("get"),
        Some(current)
    );
    assert_not_audited(store, &t, &entry).await;
}

/// Logging in again renews the token and profile but keeps what sharing decided: the owner,
/// the member access and the grants.
pub async fn reconnect_keeps_owner_member_access_and_grants<S>(store: &S)
where
    S: AccountWriter + AccountReader + AccessWriter + GrantReader + ?Sized,
{
    let t = tenant("tenant-a");
    let account = connect(store, "17841400000000001").await;
    let given = grant("auth0|mike", Permission::Manage);
    store
        .put_grant(&account, &given, &grant_set(&account, &given))
        .await
        .expect("put grant");
    let mut shared = account.clone();
    shared.owner = Owner::Company;
    shared.member_access = MemberAccess::None;
    shared.version += 1;
    store.update_access(&shared, &[]).await.expect("transfer");

    let mut again = connection(&t, "17841400000000001");
    again.connected_by = user("auth0|colleague-2");
    let renewed = store
        .save_connection(&again, &sealed("new"))
        .await
        .expect("reconnect");

    assert_eq!(renewed.owner, Owner::Company);
    assert_eq!(renewed.member_access, MemberAccess::None);
    assert_eq!(renewed.version, shared.version + 1);
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(renewed)
    );
    assert_eq!(
        store
            .grants_on(&t, std::slice::from_ref(&account.id))
            .await
            .expect("grants on"),
        [(account.id, given)]
    );
}
