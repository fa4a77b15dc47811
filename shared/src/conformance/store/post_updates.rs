//! Post updates and the due queue: a step is recorded only on the version it was decided
//! on, with its audit entry in the same transaction, and the queue holds exactly the posts
//! a worker has to look at, earliest due first, across tenants.

use super::post_fixtures::{LEASE, due, post, post_at, published_entry};
use super::support::{assert_not_audited, whole_trail};
use crate::conformance::fixtures::{now, tenant, unknown_account};
use crate::domain::{AccountId, Post, PostStatus, TenantId};
use crate::ports::{AuditLog, PostInsert, PostQueue, PostStore, StoreError};
use chrono::TimeDelta;
use std::sync::Arc;

/// Inserts `post`, which must be new.
async fn create<S: PostStore + ?Sized>(store: &S, post: &Post) {
    let inserted = store.insert_post(post).await.expect("insert post");
    assert_eq!(inserted, PostInsert::Created, "a new key creates a post");
}

/// What the store holds for `post`.
async fn stored<S: PostStore + ?Sized>(store: &S, post: &Post) -> Option<Post> {
    store
        .get_post(&post.tenant, &post.account_id, &post.id)
        .await
        .expect("get post")
}

/// Each step of publishing, one version after the last, lands whole and reads back:
/// leased with progress, then published with its audit entry, which is on the trail.
pub async fn update_post_on_the_next_version_reads_back<S>(store: &S)
where
    S: PostStore + AuditLog + ?Sized,
{
    let t = tenant("tenant-a");
    let created = post(&t, &unknown_account(), "key-1");
    create(store, &created).await;
    let at = created.created_at + TimeDelta::milliseconds(1_250);
    let mut leased = created.leased(at, LEASE);
    leased.progress.container = Some("17900000000000003".to_owned());
    leased.progress.children = vec!["17900000000000001".to_owned(), "1790000000002".to_owned()];

    store.update_post(&leased, None).await.expect("lease");
    assert_eq!(stored(store, &created).await, Some(leased.clone()));

    let later = at + TimeDelta::seconds(4);
    let mut started = leased.next(later);
    started.progress.publish_started_at = Some(later);
    store.update_post(&started, None).await.expect("start");
    let published = started.published(
        later + TimeDelta::milliseconds(333),
        Some("17950000000000004".to_owned()),
        Some("https://www.instagram.com/p/C0ffee123/".to_owned()),
    );
    let entry = published_entry(&published, "17950000000000004", later);
    store
        .update_post(&published, Some(&entry))
        .await
        .expect("publish");

    assert_eq!(stored(store, &created).await, Some(published.clone()));
    assert_eq!(whole_trail(store, &t).await, [entry]);
}

/// An update decided on a version that is no longer stored (or claiming one that skips a
/// version) is a conflict: the post stays as the winner left it and no audit entry lands.
pub async fn update_post_on_a_stale_version_is_a_conflict<S>(store: &S)
where
    S: PostStore + AuditLog + ?Sized,
{
    let t = tenant("tenant-a");
    let created = post(&t, &unknown_account(), "key-1");
    create(store, &created).await;
    let at = created.created_at + TimeDelta::seconds(1);
    let winner = created.leased(at, LEASE);
    store
        .update_post(&winner, None)
        .await
        .expect("first update");

    let stale = created.published(at, Some("17950000000000004".to_owned()), None);
    let entry = published_entry(&stale, "17950000000000004", at);
    let refused = store.update_post(&stale, Some(&entry)).await;
    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");

    let mut skipping = winner.next(at).next(at);
    skipping.status = PostStatus::Canceled;
    let refused = store.update_post(&skipping, None).await;
    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");

    assert_eq!(stored(store, &created).await, Some(winner));
    assert_not_audited(store, &t, &entry).await;
}

/// Updating a post never inserted is a conflict, and creates nothing.
pub async fn update_post_of_an_unknown_post_is_a_conflict<S: PostStore + ?Sized>(store: &S) {
    let created = post(&tenant("tenant-a"), &unknown_account(), "key-1");
    let next = created.leased(created.created_at, LEASE);

    let refused = store.update_post(&next, None).await;

    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    assert_eq!(stored(store, &created).await, None);
}

/// Of concurrent updates decided on the same read, exactly one lands, with its audit entry
/// alone; the others are conflicts.
pub async fn concurrent_updates_from_one_read_have_one_winner<S>(store: Arc<S>)
where
    S: PostStore + AuditLog + ?Sized + 'static,
{
    let t = tenant("tenant-a");
    let created = post(&t, &unknown_account(), "key-1");
    create(store.as_ref(), &created).await;
    let mut tasks = Vec::new();
    for i in 0..4 {
        let store = Arc::clone(&store);
        let at = created.created_at + TimeDelta::milliseconds(10 + i);
        let media_id = format!("1795000000000000{i}");
        let update = created.published(at, Some(media_id.clone()), None);
        let entry = published_entry(&update, &media_id, at);
        tasks.push(tokio::spawn(async move {
            let result = store.update_post(&update, Some(&entry)).await;
            (update, entry, result)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (update, entry, result) = task.await.expect("task");
        match result {
            Ok(()) => winners.push((update, entry)),
            Err(StoreError::Conflict) => {}
            Err(other) => panic!("an update failed otherwise: {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one update lands");
    let (update, entry) = winners.remove(0);
    assert_eq!(stored(store.as_ref(), &created).await, Some(update));
    assert_eq!(whole_trail(store.as_ref(), &t).await, [entry]);
}

/// The queue holds the posts not in a final status that are due at or before now, earliest
/// first, across tenants and accounts, at most `limit`; posts due later, with nothing due
/// or in a final status are not on it.
pub async fn due_posts_are_the_unfinished_ones_due_by_now_earliest_first<S>(store: &S)
where
    S: PostStore + PostQueue + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let (first, second) = (unknown_account(), unknown_account());
    let at = now();
    let made =
        |t: &TenantId, acc: &AccountId, k: &str| post_at(t, acc, k, at - TimeDelta::hours(1));
    let minutes = |m: i64| Some(at + TimeDelta::minutes(m));
    let earliest = due(made(&b, &first, "k1"), PostStatus::Scheduled, minutes(-30));
    let middle = due(made(&a, &second, "k2"), PostStatus::Processing, minutes(-2));
    let exactly_now = due(made(&a, &first, "k3"), PostStatus::Scheduled, Some(at));
    let not_yet = due(made(&a, &first, "k4"), PostStatus::Scheduled, minutes(1));
    let nothing_due = due(made(&b, &second, "k5"), PostStatus::Processing, None);
    let finished = PostStatus::ALL
        .into_iter()
        .filter(|status| status.is_final())
        .enumerate()
        .map(|(i, status)| due(made(&a, &first, &format!("f{i}")), status, minutes(-40)));
    for given in [&exactly_now, &not_yet, &middle, &nothing_due, &earliest] {
        create(store, given).await;
    }
    for given in finished {
        create(store, &given).await;
    }

    let queue = store.due_posts(at, 10).await.expect("due posts");
    assert_eq!(queue, [earliest.clone(), middle.clone(), exactly_now]);
    let first_two = store.due_posts(at, 2).await.expect("due posts");
    assert_eq!(first_two, [earliest, middle]);
    let before_all = store
        .due_posts(at - TimeDelta::hours(2), 10)
        .await
        .expect("due posts");
    assert!(before_all.is_empty(), "{before_all:?}");
}

/// A post leaves the queue once an update moves its due time past now, or clears it (a
/// final step), and comes back when its due time is reached.
pub async fn updated_due_times_move_posts_on_and_off_the_queue<S>(store: &S)
where
    S: PostStore + PostQueue + ?Sized,
{
    let t = tenant("tenant-a");
    let at = now();
    let account = unknown_account();
    let retried = post_at(&t, &account, "k1", at - TimeDelta::minutes(10));
    let finished = post_at(&t, &account, "k2", at - TimeDelta::minutes(9));
    create(store, &retried).await;
    create(store, &finished).await;
    let queue = store.due_posts(at, 10).await.expect("due posts");
    assert_eq!(queue, [retried.clone(), finished.clone()]);

    let later = at + TimeDelta::minutes(5);
    let retry = retried.retry_at(at, later, true);
    store.update_post(&retry, None).await.expect("retry later");
    let failed = finished.failed(at, "media_rejected", "The video is too long.".to_owned());
    store.update_post(&failed, None).await.expect("fail");

    assert!(store.due_posts(at, 10).await.expect("due").is_empty());
    assert_eq!(store.due_posts(later, 10).await.expect("due"), [retry]);
}
