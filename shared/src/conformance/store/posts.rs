//! Posts: stored whole, once per idempotency key and account (however many requests race),
//! read back only within their tenant and account, and listed newest first in pages
//! without gaps.

use super::post_fixtures::{carousel_request, full_post, key, post};
use crate::conformance::fixtures::{tenant, unknown_account};
use crate::domain::{AccountId, Cursor, PageRequest, Post, PostId, TenantId};
use crate::ports::{PostInsert, PostStore};
use std::sync::Arc;

fn page(limit: u32, after: Option<Cursor<PostId>>) -> PageRequest<PostId> {
    PageRequest { limit, after }
}

/// Inserts `post`, which must be new.
async fn create<S: PostStore + ?Sized>(store: &S, post: &Post) {
    let inserted = store.insert_post(post).await.expect("insert post");
    assert_eq!(inserted, PostInsert::Created, "a new key creates a post");
}

/// Every post of the account, newest first, read a page of `limit` at a time.
async fn all_posts<S: PostStore + ?Sized>(
    store: &S,
    tenant: &TenantId,
    account: &AccountId,
    limit: u32,
) -> (Vec<Post>, Vec<usize>) {
    let mut posts = Vec::new();
    let mut sizes = Vec::new();
    let mut request = page(limit, None);
    loop {
        let got = store
            .list_posts(tenant, account, &request)
            .await
            .expect("list posts");
        sizes.push(got.items.len());
        posts.extend(got.items);
        match got.next {
            Some(cursor) => request.after = Some(cursor),
            None => return (posts, sizes),
        }
        assert!(sizes.len() < 20, "pagination does not end");
    }
}

/// A post reads back exactly as inserted: the request (JSON with non-ASCII text and
/// fractional tag positions), the progress (children, container, publish start), the
/// failure, Meta's ids, every time to the millisecond, attempts and version.
pub async fn post_fields_round_trip_exactly<S: PostStore + ?Sized>(store: &S) {
    let t = tenant("tenant-a");
    let account = unknown_account();
    let given = full_post(&t, &account);

    create(store, &given).await;

    let read = store.get_post(&t, &account, &given.id).await.expect("get");
    assert_eq!(read, Some(given.clone()));
    let listed = store
        .list_posts(&t, &account, &page(10, None))
        .await
        .expect("list");
    assert_eq!(listed.items, [given]);
    assert_eq!(listed.next, None);
}

/// A second insert with a key the account already used writes nothing, even with another
/// body, and hands back the original post unchanged.
pub async fn insert_with_a_used_key_returns_the_existing_post<S: PostStore + ?Sized>(store: &S) {
    let t = tenant("tenant-a");
    let account = unknown_account();
    let original = post(&t, &account, "key-1");
    create(store, &original).await;
    let mut replay = post(&t, &account, "key-1");
    replay.request = carousel_request("another body entirely", None);
    replay.request_fingerprint = replay.request.fingerprint();

    let answer = store.insert_post(&replay).await.expect("insert replay");

    assert_eq!(answer, PostInsert::Existing(Box::new(original.clone())));
    assert_eq!(
        store.get_post(&t, &account, &replay.id).await.expect("get"),
        None
    );
    let (posts, _) = all_posts(store, &t, &account, 10).await;
    assert_eq!(posts, [original]);
}

/// An idempotency key belongs to one account of one tenant: the same key on another
/// account, or on the same account id in another tenant, is another post.
pub async fn the_same_key_on_another_account_or_tenant_is_another_post<S>(store: &S)
where
    S: PostStore + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let (first, second) = (unknown_account(), unknown_account());
    let posts = [
        post(&a, &first, "shared-key"),
        post(&a, &second, "shared-key"),
        post(&b, &first, "shared-key"),
    ];
    for given in &posts {
        create(store, given).await;
    }
    for given in &posts {
        let read = store
            .get_post(&given.tenant, &given.account_id, &given.id)
            .await
            .expect("get");
        assert_eq!(read.as_ref(), Some(given));
    }
}

/// Of many concurrent inserts with one key on one account, exactly one creates; every other
/// gets that post back, and the account holds one post.
pub async fn concurrent_inserts_with_one_key_create_one_post<S>(store: Arc<S>)
where
    S: PostStore + ?Sized + 'static,
{
    let t = tenant("tenant-a");
    let account = unknown_account();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = Arc::clone(&store);
        let given = post(&t, &account, "double-click");
        tasks.push(tokio::spawn(async move {
            let answer = store.insert_post(&given).await;
            (given, answer)
        }));
    }
    let mut created = Vec::new();
    let mut existing = Vec::new();
    for task in tasks {
        let (given, answer) = task.await.expect("task");
        match answer.expect("insert") {
            PostInsert::Created => created.push(given),
            PostInsert::Existing(found) => existing.push(*found),
        }
    }
    assert_eq!(created.len(), 1, "exactly one insert creates");
    assert_eq!(existing.len(), 7);
    assert!(
        existing.iter().all(|found| *found == created[0]),
        "every other insert gets the created post back"
    );
    let (posts, _) = all_posts(store.as_ref(), &t, &account, 10).await;
    assert_eq!(posts, created);
}

/// A post is found only under its own tenant and account; an id never stored is `None`.
pub async fn get_post_is_tenant_and_account_scoped<S: PostStore + ?Sized>(store: &S) {
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let account = unknown_account();
    let given = post(&a, &account, "key-1");
    create(store, &given).await;

    let found = |t: TenantId, acc: AccountId, id: PostId| async move {
        store.get_post(&t, &acc, &id).await.expect("get")
    };
    assert_eq!(
        found(a.clone(), account.clone(), given.id.clone()).await,
        Some(given.clone())
    );
    assert_eq!(found(b, account.clone(), given.id.clone()).await, None);
    assert_eq!(found(a.clone(), unknown_account(), given.id).await, None);
    assert_eq!(found(a, account, PostId::generate()).await, None);
}

/// A post is found by its idempotency key only on its own account of its own tenant; a
/// key never used is `None`.
pub async fn find_post_by_key_is_tenant_and_account_scoped<S: PostStore + ?Sized>(store: &S) {
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let account = unknown_account();
    let given = post(&a, &account, "order-4711");
    create(store, &given).await;

    let found = |t: TenantId, acc: AccountId, raw: &'static str| async move {
        store
            .find_post_by_key(&t, &acc, &key(raw))
            .await
            .expect("find")
    };
    assert_eq!(
        found(a.clone(), account.clone(), "order-4711").await,
        Some(given)
    );
    assert_eq!(found(a.clone(), account.clone(), "order-4712").await, None);
    assert_eq!(found(a, unknown_account(), "order-4711").await, None);
    assert_eq!(found(b, account, "order-4711").await, None);
}

/// An account's posts list newest first (by their time-ordered ids), without the posts of
/// its other accounts or of the same account id in another tenant.
pub async fn list_posts_is_newest_first_and_account_scoped<S: PostStore + ?Sized>(store: &S) {
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let (account, other) = (unknown_account(), unknown_account());
    let mut mine = Vec::new();
    for i in 0..4 {
        let given = post(&a, &account, &format!("key-{i}"));
        create(store, &given).await;
        create(store, &post(&a, &other, &format!("key-{i}"))).await;
        create(store, &post(&b, &account, &format!("key-{i}"))).await;
        mine.push(given);
    }
    mine.sort_by(|x, y| y.id.cmp(&x.id));

    let listed = store
        .list_posts(&a, &account, &page(10, None))
        .await
        .expect("list");

    assert_eq!(listed.items, mine);
    assert_eq!(listed.next, None);
    let empty = store
        .list_posts(&a, &unknown_account(), &page(10, None))
        .await
        .expect("list an account without posts");
    assert!(empty.items.is_empty() && empty.next.is_none());
}

/// Pages of an account's posts follow each other without gaps or duplicates, and the last
/// page has no cursor.
pub async fn list_posts_paginates_without_gaps_or_duplicates<S: PostStore + ?Sized>(store: &S) {
    let t = tenant("tenant-a");
    let account = unknown_account();
    let mut ids = Vec::new();
    for i in 0..7 {
        let given = post(&t, &account, &format!("key-{i}"));
        create(store, &given).await;
        ids.push(given.id);
    }
    ids.sort_by(|x, y| y.cmp(x));

    let (posts, sizes) = all_posts(store, &t, &account, 3).await;

    assert_eq!(sizes, [3, 3, 1]);
    let seen: Vec<_> = posts.into_iter().map(|p| p.id).collect();
    assert_eq!(seen, ids);
    let (whole, sizes) = all_posts(store, &t, &account, 7).await;
    assert_eq!(sizes, [7], "a page that ends the listing has no cursor");
    assert_eq!(whole.len(), 7);
}
