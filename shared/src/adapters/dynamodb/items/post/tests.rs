use super::*;
use crate::domain::{NewPost, PostRequest};
use chrono::TimeDelta;

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("time")
}

fn post(status: PostStatus, due_at: Option<DateTime<Utc>>) -> Post {
    let created = Post::new(
        NewPost {
            tenant: TenantId::parse("t").expect("tenant"),
            account_id: AccountId::generate(),
            created_by: UserId::parse("auth0|u").expect("user"),
            // A client's key may hold the separator: only its digest is in a key.
            idempotency_key: IdempotencyKey::parse("order#4711").expect("key"),
            request: PostRequest {
                kind: "image".to_owned(),
                ..PostRequest::default()
            },
            kind: PostKind::Image,
            publish_at: None,
        },
        at(1_700_000_000_123),
        TimeDelta::minutes(2),
    );
    Post {
        status,
        due_at,
        ..created
    }
}

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

#[test]
fn a_post_reads_back() {
    let mut given = post(PostStatus::Processing, Some(at(1_700_000_120_123)));
    given.failure = Some(PostFailure {
        code: "c".into(),
        message: "m".into(),
    });
    given.published_at = Some(at(5));
    given.progress.children = vec!["1".into(), "2".into()];
    let item = post_item(&given).expect("item");
    assert_eq!(post_from_item(&item).expect("read back"), given);
}

#[test]
fn a_due_post_is_on_its_shard_of_the_queue_ordered_by_due_time() {
    let given = post(PostStatus::Scheduled, Some(at(1_700_000_120_123)));
    let item = post_item(&given).expect("item");
    assert_eq!(
        text(&item, GSI1_PK),
        Some(format!("POSTDUE#{}", due_shard(&given.id)).as_str())
    );
    let sort_key = text(&item, GSI1_SK).expect("a queue sort key");
    assert_eq!(
        sort_key,
        format!("1700000120123#t#{}#{}", given.account_id, given.id)
    );
    let bound = |ms| due_until(at(ms)).as_s().cloned().expect("text");
    assert!(
        sort_key <= bound(1_700_000_120_123).as_str(),
        "due at its own time"
    );
    assert!(
        sort_key > bound(1_700_000_120_122).as_str(),
        "not due a millisecond before"
    );
}

#[test]
fn finished_and_undated_posts_are_off_the_queue() {
    for status in PostStatus::ALL.into_iter().filter(|s| s.is_final()) {
        let item = post_item(&post(status, Some(at(1)))).expect("item");
        assert!(!item.contains_key(GSI1_PK) && !item.contains_key(GSI1_SK));
    }
    let item = post_item(&post(PostStatus::Processing, None)).expect("item");
    assert!(!item.contains_key(GSI1_PK) && !item.contains_key(GSI1_SK));
}

#[test]
fn shards_are_stable_and_all_used() {
    let id = PostId::parse("0190c2a4-7e2b-7c3d-9f00-0123456789ab").expect("id");
    // FNV-1a of the id, modulo 4: pinned, since a change would strand queued posts.
    assert_eq!(due_shard(&id), 3);
    let mut counts = [0u32; super::super::SHARDS as usize];
    for _ in 0..400 {
        counts[due_shard(&PostId::generate()) as usize] += 1;
    }
    assert!(counts.iter().all(|&c| c > 50), "{counts:?}");
}

#[test]
fn idempotency_items_hold_the_digest_not_the_key() {
    let given = post(PostStatus::Scheduled, None);
    let item = idem_item(&given);
    let sort_key = text(&item, SK).expect("sort key");
    assert_eq!(
        sort_key,
        format!(
            "IDEM#{}#{}",
            given.account_id,
            given.idempotency_key.digest()
        )
    );
    assert_eq!(post_id_of_idem(&item).expect("post id"), given.id);
}

#[test]
fn a_failure_without_its_message_is_corrupt() {
    let mut item = post_item(&post(PostStatus::Failed, None)).expect("item");
    item.insert(FAILURE_CODE.into(), s("c"));
    assert!(matches!(post_from_item(&item), Err(StoreError::Corrupt(_))));
}
