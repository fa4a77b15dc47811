//! Grants: read back exactly and only within their tenant, one per user and account,
//! written and removed with their audit entry, and refused (with nothing written) once the
//! account has moved on from the version the caller's permission was decided on.

use super::support::{assert_not_audited, connect, whole_trail};
use crate::conformance::fixtures::{audit, connection, grant, grant_set, sealed, tenant, user};
use crate::domain::{Account, AccountId, AuditEvent, Grant, Permission};
use crate::ports::{AccessWriter, AccountWriter, AuditLog, GrantReader, StoreError};
use chrono::TimeDelta;

/// A grant reads back with every field, alone and among the grants on its account.
pub async fn put_grant_reads_back_exactly<S>(store: &S)
where
    S: AccountWriter + AccessWriter + GrantReader + ?Sized,
{
    let t = tenant("tenant-a");
    let account = connect(store, "17841400000000001").await;
    let given = grant("auth0|mike", Permission::Publish);

    store
        .put_grant(&account, &given, &grant_set(&account, &given))
        .await
        .expect("put grant");

    assert_eq!(
        store
            .grant(&t, &account.id, &given.user_id)
            .await
            .expect("grant"),
        Some(given.clone())
    );
    assert_eq!(
        store
            .grants_on(&t, std::slice::from_ref(&account.id))
            .await
            .expect("grants on"),
        [(account.id.clone(), given)]
    );
    assert_eq!(
        store
            .grant(&t, &account.id, &user("auth0|sarah"))
            .await
            .expect("grant"),
        None,
        "nobody else has one"
    );
}

/// Grants on a set of accounts come ordered by account then user, whatever order they were
/// given and asked in, and only for the accounts asked.
pub async fn grants_on_lists_the_asked_accounts_by_account_then_user<S>(store: &S)
where
    S: AccountWriter + AccessWriter + GrantReader + ?Sized,
{
    let t = tenant("tenant-a");
    let mut accounts = Vec::new();
    for i in 0..5 {
        accounts.push(connect(store, &format!("1784140000000001{i}")).await);
    }
    accounts.sort_by(|x, y| x.id.cmp(&y.id));
    let [a0, a1, a2, a3, a4] = &accounts[..] else {
        unreachable!("five accounts were connected")
    };
    let given = [
        (a2, grant("zoe", Permission::View)),
        (a0, grant("mike", Permission::Manage)),
        (a2, grant("adam", Permission::Publish)),
        (a1, grant("sarah", Permission::View)),
        (a3, grant("bob", Permission::View)),
        (a4, grant("carol", Permission::Publish)),
        (a2, grant("mike", Permission::Manage)),
    ];
    for (account, g) in &given {
        store
            .put_grant(account, g, &grant_set(account, g))
            .await
            .expect("put grant");
    }
    let on = |account: &Account, user: &str| {
        let (_, g) = given
            .iter()
            .find(|(a, g)| a.id == account.id && g.user_id.as_str() == user)
            .expect("a grant given above");
        (account.id.clone(), g.clone())
    };

    let two = store
        .grants_on(&t, &[a2.id.clone(), a0.id.clone()])
        .await
        .expect("grants on two");
    assert_eq!(
        two,
        [
            on(a0, "mike"),
            on(a2, "adam"),
            on(a2, "mike"),
            on(a2, "zoe")
        ],
        "a1 lies between the two and is left out"
    );

    let four: Vec<AccountId> = [a4, a3, a1, a0].iter().map(|a| a.id.clone()).collect();
    assert_eq!(
        store.grants_on(&t, &four).await.expect("grants on four"),
        [
            on(a0, "mike"),
            on(a1, "sarah"),
            on(a3, "bob"),
            on(a4, "carol")
        ]
    );

    let none_given = connect(store, "17841400000000099").await;
    assert!(
        store
            .grants_on(&t, &[none_given.id])
            .await
            .expect("grants on an account without")
            .is_empty()
    );
    assert!(
        store
            .grants_on(&t, &[])
            .await
            .expect("no accounts")
            .is_empty()
    );
}

/// Grants belong to their tenant: another tenant's grants on its own account (same
/// Instagram user, same grantee) are never returned, an account id of another tenant has
/// no grants, and a grant aimed at an account the tenant does not have is refused.
pub async fn grants_are_tenant_scoped<S>(store: &S)
where
    S: AccountWriter + AccessWriter + GrantReader + AuditLog + ?Sized,
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
    let (for_a, for_b) = (
        grant("auth0|mike", Permission::View),
        grant("auth0|mike", Permission::Manage),
    );
    store
        .put_grant(&in_a, &for_a, &grant_set(&in_a, &for_a))
        .await
        .expect("grant in a");
    store
        .put_grant(&in_b, &for_b, &grant_set(&in_b, &for_b))
        .await
        .expect("grant in b");

    assert_eq!(
        store
            .grants_on(&a, &[in_a.id.clone(), in_b.id.clone()])
            .await
            .expect("grants on"),
        [(in_a.id.clone(), for_a.clone())]
    );
    assert_eq!(
        store
            .grant(&b, &in_a.id, &for_a.user_id)
            .await
            .expect("grant"),
        None
    );
    assert!(
        store
            .grants_on(&b, std::slice::from_ref(&in_a.id))
            .await
            .expect("grants on")
            .is_empty()
    );

    let forged = Account {
        tenant: b.clone(),
        ..in_a.clone()
    };
    let entry = grant_set(&forged, &for_b);
    let refused = store.put_grant(&forged, &for_b, &entry).await;
    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    assert_eq!(
        store
            .grant(&b, &in_a.id, &for_b.user_id)
            .await
            .expect("grant"),
        None
    );
    assert_not_audited(store, &b, &entry).await;
}

/// Granting again replaces the grant: one grant per user and account, the latest one.
pub async fn put_grant_replaces_an_existing_grant<S>(store: &S)
where
    S: AccountWriter + AccessWriter + GrantReader + ?Sized,
{
    let t = tenant("tenant-a");
    let account = connect(store, "17841400000000001").await;
    let first = grant("auth0|mike", Permission::View);
    store
        .put_grant(&account, &first, &grant_set(&account, &first))
        .await
        .expect("first grant");

    let second = Grant {
        permission: Permission::Manage,
        granted_by: user("auth0|admin-7"),
        granted_at: first.granted_at + TimeDelta::milliseconds(987),
        ..first.clone()
    };
    store
        .put_grant(&account, &second, &grant_set(&account, &second))
        .await
        .expect("second grant");

    assert_eq!(
        store
            .grant(&t, &account.id, &first.user_id)
            .await
            .expect("grant"),
        Some(second.clone())
    );
    assert_eq!(
        store
            .grants_on(&t, std::slice::from_ref(&account.id))
            .await
            .expect("grants on"),
        [(account.id, second)]
    );
}

/// A grant decided on an account that has since moved on (here: reconnected) is refused,
/// and neither the grant nor its audit entry is written.
pub async fn put_grant_on_a_moved_on_account_is_a_conflict<S>(store: &S)
where
    S: AccountWriter + AccessWriter + GrantReader + AuditLog + ?Sized,
{
    let t = tenant("tenant-a");
    let stale = connect(store, "17841400000000001").await;
    connect(store, "17841400000000001").await;
    let given = grant("auth0|mike", Permission::Manage);
    let entry = grant_set(&stale, &given);

    let refused = store.put_grant(&stale, &given, &entry).await;

    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    assert_eq!(
        store
            .grant(&t, &stale.id, &given.user_id)
            .await
            .expect("grant"),
        None
    );
    assert_not_audited(store, &t, &entry).await;
}

/// Removing a grant answers `true` and audits the removal; removing it again answers
/// `false` and writes nothing.
pub async fn delete_grant_removes_once<S>(store: &S)
where
    S: AccountWriter + AccessWriter + GrantReader + AuditLog + ?Sized,
{
    let t = tenant("tenant-a");
    let account = connect(store, "17841400000000001").await;
    let given = grant("auth0|mike", Permission::Publish);
    store
        .put_grant(&account, &given, &grant_set(&account, &given))
        .await
        .expect("put grant");
    let removal = || {
        audit(
            &account,
            "auth0|owner-1",
            AuditEvent::GrantRemoved {
                user_id: given.user_id.clone(),
                permission: given.permission,
            },
        )
    };

    let (first, second) = (removal(), removal());
    let removed = store
        .delete_grant(&account, &given.user_id, &first)
        .await
        .expect("delete");
    let again = store
        .delete_grant(&account, &given.user_id, &second)
        .await
        .expect("delete again");

    assert!(removed);
    assert!(!again);
    assert_eq!(
        store
            .grant(&t, &account.id, &given.user_id)
            .await
            .expect("grant"),
        None
    );
    let trail = whole_trail(store, &t).await;
    assert_eq!(trail[0], first, "the removal is the newest entry");
    assert!(!trail.iter().any(|e| e.id == second.id));
}

/// A removal decided on an account that has since moved on is refused and the grant stays.
pub async fn delete_grant_on_a_moved_on_account_is_a_conflict<S>(store: &S)
where
    S: AccountWriter + AccessWriter + GrantReader + AuditLog + ?Sized,
{
    let t = tenant("tenant-a");
    let stale = connect(store, "17841400000000001").await;
    let given = grant("auth0|mike", Permission::Publish);
    store
        .put_grant(&stale, &given, &grant_set(&stale, &given))
        .await
        .expect("put grant");
    connect(store, "17841400000000001").await;
    let entry = audit(
        &stale,
        "auth0|owner-1",
        AuditEvent::GrantRemoved {
            user_id: given.user_id.clone(),
            permission: given.permission,
        },
    );

    let refused = store.delete_grant(&stale, &given.user_id, &entry).await;

    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    assert_eq!(
        store
            .grant(&t, &stale.id, &given.user_id)
            .await
            .expect("grant"),
        Some(given)
    );
    assert_not_audited(store, &t, &entry).await;
}
