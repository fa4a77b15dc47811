//! Given-data for the post behaviours: requests and posts with every field set, at whole
//! milliseconds (the precision every Store keeps), and the audit entries their outcomes
//! write.

use crate::conformance::fixtures::{now, user};
use crate::domain::{
    AccountId, AuditEntry, AuditEvent, IdempotencyKey, MediaItemRequest, NewPost, Post,
    PostFailure, PostKind, PostOptionsRequest, PostRequest, PostStatus, Progress, TenantId,
    UserTagRequest,
};
use chrono::{DateTime, TimeDelta, Utc};

/// How long a request holds a post it publishes at once, in these fixtures.
pub(super) const LEASE: TimeDelta = TimeDelta::minutes(2);

/// An idempotency key from a test constant.
pub(super) fn key(raw: &str) -> IdempotencyKey {
    IdempotencyKey::parse(raw).expect("fixture idempotency keys are valid")
}

/// A carousel request with every field a client can send, text that is not ASCII and tag
/// positions that are not whole numbers, so a stored request must keep all of it exactly.
pub(super) fn carousel_request(caption: &str, publish_at: Option<DateTime<Utc>>) -> PostRequest {
    let tag = |username: &str, x: f64, y: f64| UserTagRequest {
        username: username.to_owned(),
        x: Some(x),
        y: Some(y),
    };
    PostRequest {
        kind: "carousel".to_owned(),
        media: vec![
            MediaItemRequest {
                url: "https://cdn.example.com/a.jpg?v=1&size=large".to_owned(),
                media_id: None,
                kind: "image".to_owned(),
                alt_text: Some("Zoë's café, morning 🌿".to_owned()),
                user_tags: Some(vec![
                    tag("@cafe.zoe", 0.25, 0.75),
                    tag("barista_1", 0.1, 0.9),
                ]),
            },
            MediaItemRequest {
                // An uploaded file in place of a URL.
                url: String::new(),
                media_id: Some("0193a5b2-7c1d-7e3f-8a9b-0c1d2e3f4a5b".to_owned()),
                kind: "video".to_owned(),
                alt_text: None,
                user_tags: None,
            },
        ],
        caption: Some(caption.to_owned()),
        publish_at,
        options: Some(PostOptionsRequest {
            share_to_feed: None,
            cover_url: None,
            cover_media_id: None,
            thumb_offset: None,
            location_id: Some("110843418940484".to_owned()),
            collaborators: Some(vec!["partner.brand".to_owned()]),
        }),
    }
}

/// A new post of `account` in `tenant` with idempotency key `raw_key`, to publish now,
/// accepted a second ago.
pub(super) fn post(tenant: &TenantId, account: &AccountId, raw_key: &str) -> Post {
    post_at(tenant, account, raw_key, now() - TimeDelta::seconds(1))
}

/// A new post as [`post`] makes it, accepted at `at` (whole milliseconds).
pub(super) fn post_at(
    tenant: &TenantId,
    account: &AccountId,
    raw_key: &str,
    at: DateTime<Utc>,
) -> Post {
    Post::new(
        NewPost {
            tenant: tenant.clone(),
            account_id: account.clone(),
            created_by: user("auth0|publisher-1"),
            idempotency_key: key(raw_key),
            request: carousel_request("Morning #coffee with @partner.brand ☕", None),
            kind: PostKind::Carousel,
            publish_at: None,
        },
        at,
        LEASE,
    )
}

/// A post with every optional field set (a scheduled carousel that got as far as calling
/// `media_publish`, failed once and is due again): what a round trip must keep exactly.
pub(super) fn full_post(tenant: &TenantId, account: &AccountId) -> Post {
    let at = now();
    let publish_at = at + TimeDelta::hours(3) + TimeDelta::milliseconds(7);
    let mut post = Post::new(
        NewPost {
            tenant: tenant.clone(),
            account_id: account.clone(),
            created_by: user("auth0|publisher-1"),
            idempotency_key: key("order-4711/retry:1"),
            request: carousel_request("Line one\nline two \"quoted\" #launch", Some(publish_at)),
            kind: PostKind::Carousel,
            publish_at: Some(publish_at),
        },
        at - TimeDelta::minutes(10),
        LEASE,
    );
    post.status = PostStatus::Processing;
    post.progress = Progress {
        children: vec![
            "17900000000000001".to_owned(),
            "17900000000000002".to_owned(),
        ],
        container: Some("17900000000000003".to_owned()),
        publish_started_at: Some(at - TimeDelta::milliseconds(1_500)),
        video_upload: Some(crate::domain::VideoUpload {
            media_id: crate::domain::MediaId::parse("0193a5b2-7c1d-7e3f-8a9b-0c1d2e3f4a5b")
                .expect("a fixture media id"),
            bytes: 314_572_800,
            uploaded: false,
        }),
    };
    post.media_id = Some("17950000000000004".to_owned());
    post.permalink = Some("https://www.instagram.com/p/C0ffee123/".to_owned());
    post.failure = Some(PostFailure {
        code: "meta_unavailable".to_owned(),
        message: "Instagram did not answer; trying again — « patience »".to_owned(),
    });
    post.due_at = Some(at + TimeDelta::seconds(30) + TimeDelta::milliseconds(3));
    post.attempts = 3;
    post.updated_at = at - TimeDelta::milliseconds(2_001);
    post.published_at = Some(at - TimeDelta::milliseconds(999));
    post
}

/// The entry a worker writes when `post` went out as `media_id`.
pub(super) fn published_entry(post: &Post, media_id: &str, at: DateTime<Utc>) -> AuditEntry {
    AuditEntry::new(
        &post.tenant,
        &post.created_by,
        &post.account_id,
        at,
        AuditEvent::PostPublished {
            post_id: post.id.clone(),
            kind: post.kind,
            media_id: media_id.to_owned(),
        },
    )
}

/// `post`, due at `due_at` in `status`, as a worker's earlier write left it.
pub(super) fn due(post: Post, status: PostStatus, due_at: Option<DateTime<Utc>>) -> Post {
    Post {
        status,
        due_at,
        ..post
    }
}
