//! Ending connections: a revoked account loses its token once and keeps what sharing
//! decided; a deleted one goes with its token, grants and posts while the trail stays;
//! Meta's callbacks find a Meta user's accounts in every tenant; data-deletion requests
//! read back by confirmation code.

use super::post_fixtures::post;
use super::support::{connect, whole_trail};
use crate::conformance::fixtures::{
    audit, connection, grant, grant_set, now, sealed, tenant, unknown_account,
};
use crate::domain::{
    Account, AccountStatus, AuditEvent, DataDeletion, DeletionStatus, LoginPath, MetaGrantor,
    PageRequest, Permission, Post, PostId, TenantId,
};
use crate::ports::{
    AccessWriter, AccountReader, AccountRemoval, AccountWriter, AuditLog, DeletionRequests,
    GrantReader, PostInsert, PostQueue, PostStore, RefreshQueue, TokenReader,
};
use chrono::TimeDelta;

/// The entry Meta's deauthorize callback writes.
fn revoked(account: &Account) -> crate::domain::AuditEntry {
    audit(
        account,
        "igconnect:system",
        AuditEvent::Revoked {
            reason: "deauthorized".to_owned(),
        },
    )
}

/// The entry a disconnect writes.
fn disconnected(account: &Account) -> crate::domain::AuditEntry {
    audit(
        account,
        "auth0|owner-1",
        AuditEvent::Disconnected {
            username: account.profile.username.clone(),
            revoked_at_meta: true,
        },
    )
}

/// Inserts a new post of `account`, with idempotency key `key`.
async fn posted<S: PostStore + ?Sized>(store: &S, account: &Account, key: &str) -> Post {
    let created = post(&account.tenant, &account.id, key);
    assert_eq!(
        store.insert_post(&created).await.expect("insert"),
        PostInsert::Created
    );
    created
}

/// Connects `ig_user_id` in `t` through `login`, granted by Meta user `grantor`.
async fn connect_as<S: AccountWriter + ?Sized>(
    store: &S,
    t: &TenantId,
    ig_user_id: &str,
    login: LoginPath,
    grantor: &str,
) -> Account {
    let mut login_of = connection(t, ig_user_id);
    login_of.login = login;
    login_of.grantor = MetaGrantor {
        meta_user_id: grantor.to_owned(),
        page_id: None,
        scopes: None,
    };
    store
        .save_connection(&login_of, &sealed(ig_user_id))
        .await
        .expect("save connection")
}

/// Revoking marks the account `revoked` (one version on, no longer due), destroys its
/// sealed token and writes the entry; grants stay. A second revoke, or one of an account
/// that is not there, changes nothing and says `false`.
pub async fn revoke_destroys_the_token_once_and_keeps_grants<S>(store: &S)
where
    S: AccountWriter
        + AccountReader
        + TokenReader
        + AccessWriter
        + GrantReader
        + AuditLog
        + RefreshQueue
        + AccountRemoval
        + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let t = account.tenant.clone();
    let given = grant("auth0|mike", Permission::Publish);
    store
        .put_grant(&account, &given, &grant_set(&account, &given))
        .await
        .expect("grant");
    let at = now() + TimeDelta::milliseconds(321);
    let entry = revoked(&account);

    assert!(
        store
            .revoke_account(&t, &account.id, at, &entry)
            .await
            .expect("revoke")
    );

    let mut expected = account.clone();
    expected.status = AccountStatus::Revoked;
    expected.updated_at = at;
    expected.version = account.version + 1;
    expected.upkeep.refresh_due_at = None;
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(expected.clone())
    );
    assert_eq!(
        store.sealed_token(&t, &account.id).await.expect("token"),
        None
    );
    assert_eq!(
        store
            .grants_on(&t, std::slice::from_ref(&account.id))
            .await
            .expect("grants"),
        [(account.id.clone(), given)]
    );
    assert_eq!(whole_trail(store, &t).await.first(), Some(&entry));
    let far = now() + TimeDelta::days(400);
    assert_eq!(store.due_accounts(far, 10).await.expect("due"), []);
    assert!(
        store
            .claim_refresh(&t, &account.id, far, far)
            .await
            .expect("claim")
            .is_none()
    );

    let again = revoked(&account);
    assert!(
        !store
            .revoke_account(&t, &account.id, at, &again)
            .await
            .expect("revoke again")
    );
    assert!(
        !store
            .revoke_account(&t, &unknown_account(), at, &revoked(&account))
            .await
            .expect("revoke unknown")
    );
    assert!(
        !store
            .revoke_account(&tenant("tenant-b"), &account.id, at, &revoked(&account))
            .await
            .expect("revoke in another tenant")
    );
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(expected)
    );
    let revocations = whole_trail(store, &t)
        .await
        .into_iter()
        .filter(|e| matches!(e.event, AuditEvent::Revoked { .. }))
        .count();
    assert_eq!(
        revocations, 1,
        "only the revoke that changed the account is audited"
    );
}

/// Deleting an account removes it, its token, its grants and its posts (with their
/// idempotency keys), writes the entry and keeps the trail; the tenant's other accounts and
/// other tenants are untouched. A second delete says `false` and writes nothing, and the
/// Instagram user can be connected again as a new account.
pub async fn delete_removes_the_account_its_grants_and_posts<S>(store: &S)
where
    S: AccountWriter
        + AccountReader
        + TokenReader
        + AccessWriter
        + GrantReader
        + AuditLog
        + PostStore
        + PostQueue
        + AccountRemoval
        + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let gone = connect(store, "17841400000000001").await;
    let kept = connect(store, "17841400000000002").await;
    let elsewhere = store
        .save_connection(&connection(&b, "17841400000000001"), &sealed("b"))
        .await
        .expect("connect in tenant-b");
    let given = grant("auth0|mike", Permission::Publish);
    for account in [&gone, &kept, &elsewhere] {
        store
            .put_grant(account, &given, &grant_set(account, &given))
            .await
            .expect("grant");
    }
    let gone_post = posted(store, &gone, "key-1").await;
    let kept_post = posted(store, &kept, "key-1").await;
    let elsewhere_post = posted(store, &elsewhere, "key-1").await;
    let trail_before = whole_trail(store, &a).await;
    let entry = disconnected(&gone);

    assert!(store.delete_account(&gone, &entry).await.expect("delete"));

    assert_eq!(store.get_account(&a, &gone.id).await.expect("get"), None);
    assert_eq!(store.sealed_token(&a, &gone.id).await.expect("token"), None);
    assert_eq!(
        store
            .grants_on(&a, &[gone.id.clone(), kept.id.clone()])
            .await
            .expect("grants"),
        [(kept.id.clone(), given.clone())]
    );
    assert_eq!(
        store
            .get_post(&a, &gone.id, &gone_post.id)
            .await
            .expect("get post"),
        None
    );
    assert_eq!(
        store
            .find_post_by_key(&a, &gone.id, &gone_post.idempotency_key)
            .await
            .expect("find post"),
        None
    );
    let page = PageRequest::<PostId> {
        limit: 10,
        after: None,
    };
    assert_eq!(
        store
            .list_posts(&a, &gone.id, &page)
            .await
            .expect("list")
            .items,
        []
    );
    let due: Vec<_> = store
        .due_posts(now() + TimeDelta::hours(1), 10)
        .await
        .expect("due posts")
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert!(
        !due.contains(&gone_post.id),
        "a deleted post is not worked on"
    );
    assert!(due.contains(&kept_post.id) && due.contains(&elsewhere_post.id));
    let trail = whole_trail(store, &a).await;
    assert_eq!(trail.first(), Some(&entry));
    assert_eq!(trail[1..], trail_before[..], "the trail stays");

    assert_eq!(
        store.get_account(&a, &kept.id).await.expect("get"),
        Some(kept.clone())
    );
    assert!(
        store
            .sealed_token(&a, &kept.id)
            .await
            .expect("token")
            .is_some()
    );
    assert_eq!(
        store.get_account(&b, &elsewhere.id).await.expect("get"),
        Some(elsewhere.clone())
    );
    assert_eq!(
        store
            .grants_on(&b, std::slice::from_ref(&elsewhere.id))
            .await
            .expect("grants"),
        [(elsewhere.id.clone(), given)]
    );
    assert_eq!(
        store
            .get_post(&b, &elsewhere.id, &elsewhere_post.id)
            .await
            .expect("get post"),
        Some(elsewhere_post)
    );

    assert!(
        !store
            .delete_account(&gone, &disconnected(&gone))
            .await
            .expect("delete again")
    );
    assert!(
        !store
            .delete_account(
                &Account {
                    tenant: b.clone(),
                    ..kept.clone()
                },
                &disconnected(&kept)
            )
            .await
            .expect("delete in another tenant")
    );
    assert_eq!(whole_trail(store, &a).await, trail, "nothing more written");
    assert_eq!(
        store.get_account(&a, &kept.id).await.expect("get"),
        Some(kept)
    );

    let back = connect(store, "17841400000000001").await;
    assert_ne!(back.id, gone.id, "connecting again makes a new account");
    assert_eq!(back.version, 1);
}

/// An account with more grants and posts than one DynamoDB transaction holds is deleted
/// whole.
pub async fn delete_removes_more_than_one_transaction_holds<S>(store: &S)
where
    S: AccountWriter
        + AccountReader
        + AccessWriter
        + GrantReader
        + PostStore
        + AccountRemoval
        + ?Sized,
{
    let account = connect(store, "17841400000000001").await;
    let t = account.tenant.clone();
    for i in 0..20 {
        let given = grant(&format!("auth0|user-{i}"), Permission::View);
        store
            .put_grant(&account, &given, &grant_set(&account, &given))
            .await
            .expect("grant");
    }
    let mut posts = Vec::new();
    for i in 0..45 {
        posts.push(posted(store, &account, &format!("key-{i}")).await);
    }

    assert!(
        store
            .delete_account(&account, &disconnected(&account))
            .await
            .expect("delete")
    );

    assert_eq!(store.get_account(&t, &account.id).await.expect("get"), None);
    assert_eq!(
        store
            .grants_on(&t, std::slice::from_ref(&account.id))
            .await
            .expect("grants"),
        []
    );
    for post in &posts {
        assert_eq!(
            store
                .find_post_by_key(&t, &account.id, &post.idempotency_key)
                .await
                .expect("find"),
            None
        );
    }
}

/// Meta's callbacks name a Meta user: their accounts are those they granted, in every
/// tenant, and on Instagram Login also the Instagram account itself, ordered by tenant then
/// id. An account reconnected through Facebook Login is no longer found by its Instagram id.
pub async fn accounts_of_meta_user_are_found_by_grantor_and_instagram_user<S>(store: &S)
where
    S: AccountWriter + AccountReader + AccountRemoval + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let in_a = connect_as(store, &a, "17841400000000001", LoginPath::Facebook, "fb-1").await;
    let in_b = connect_as(store, &b, "17841400000000002", LoginPath::Facebook, "fb-1").await;
    connect_as(store, &a, "17841400000000003", LoginPath::Facebook, "fb-2").await;
    let instagram = connect_as(
        store,
        &b,
        "17841400000000004",
        LoginPath::Instagram,
        "ig-scoped-4",
    )
    .await;
    let same_id_on_facebook =
        connect_as(store, &a, "17841400000000005", LoginPath::Facebook, "fb-3").await;

    assert_eq!(
        store.accounts_of_meta_user("fb-1").await.expect("find"),
        [in_a, in_b]
    );
    assert_eq!(
        store
            .accounts_of_meta_user("17841400000000004")
            .await
            .expect("find"),
        std::slice::from_ref(&instagram)
    );
    assert_eq!(
        store
            .accounts_of_meta_user("ig-scoped-4")
            .await
            .expect("find"),
        std::slice::from_ref(&instagram)
    );
    assert_eq!(
        store
            .accounts_of_meta_user("17841400000000005")
            .await
            .expect("find"),
        [],
        "a Facebook Login account is found by its grantor only"
    );
    assert_eq!(
        store.accounts_of_meta_user("fb-3").await.expect("find"),
        [same_id_on_facebook]
    );
    assert_eq!(
        store.accounts_of_meta_user("nobody").await.expect("find"),
        []
    );

    let moved = connect_as(store, &b, "17841400000000004", LoginPath::Facebook, "fb-9").await;
    assert_eq!(moved.id, instagram.id);
    assert_eq!(
        store
            .accounts_of_meta_user("17841400000000004")
            .await
            .expect("find"),
        []
    );
    assert_eq!(
        store.accounts_of_meta_user("fb-9").await.expect("find"),
        std::slice::from_ref(&moved)
    );
    let back = connect_as(
        store,
        &b,
        "17841400000000004",
        LoginPath::Instagram,
        "ig-scoped-4",
    )
    .await;
    assert_eq!(
        store
            .accounts_of_meta_user("17841400000000004")
            .await
            .expect("find"),
        [back]
    );
}

/// A data-deletion request reads back by its code, and storing it again replaces it;
/// an unknown code is `None`.
pub async fn deletion_requests_round_trip<S: DeletionRequests + ?Sized>(store: &S) {
    let at = now();
    let mut request = DataDeletion::new(at);

    store.put_deletion(&request).await.expect("put");
    assert_eq!(
        store
            .get_deletion(&request.confirmation_code)
            .await
            .expect("get"),
        Some(request.clone())
    );

    request.status = DeletionStatus::Completed;
    request.completed_at = Some(at + TimeDelta::seconds(3));
    request.accounts_deleted = 2;
    store.put_deletion(&request).await.expect("put again");
    assert_eq!(
        store
            .get_deletion(&request.confirmation_code)
            .await
            .expect("get"),
        Some(request)
    );
    let unknown = DataDeletion::new(at);
    assert_eq!(
        store
            .get_deletion(&unknown.confirmation_code)
            .await
            .expect("get"),
        None
    );
}

/// Meta's webhooks name the Instagram account: every tenant's account of that Instagram
/// user is found, on either login path, and follows a reconnect through the other path.
pub async fn accounts_of_instagram_user_are_found_on_either_login_path<S>(store: &S)
where
    S: AccountWriter + AccountReader + AccountRemoval + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let via_facebook =
        connect_as(store, &a, "17841400000000007", LoginPath::Facebook, "fb-1").await;
    let via_instagram = connect_as(
        store,
        &b,
        "17841400000000007",
        LoginPath::Instagram,
        "ig-scoped-7",
    )
    .await;
    connect_as(store, &a, "17841400000000008", LoginPath::Facebook, "fb-1").await;
    let ig = crate::domain::IgUserId::parse("17841400000000007").expect("id");

    let found = store.accounts_of_instagram_user(&ig).await.expect("find");
    assert_eq!(found, [via_facebook.clone(), via_instagram.clone()]);
    assert_eq!(
        store
            .accounts_of_meta_user("17841400000000007")
            .await
            .expect("find"),
        std::slice::from_ref(&via_instagram),
        "deauthorize still finds only the Instagram Login account"
    );

    let moved = connect_as(store, &b, "17841400000000007", LoginPath::Facebook, "fb-2").await;
    let found = store.accounts_of_instagram_user(&ig).await.expect("find");
    assert_eq!(found, [via_facebook, moved]);
    let nobody = crate::domain::IgUserId::parse("17841400000000099").expect("id");
    assert!(
        store
            .accounts_of_instagram_user(&nobody)
            .await
            .expect("find")
            .is_empty()
    );
}
