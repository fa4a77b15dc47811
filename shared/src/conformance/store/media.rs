//! Media records: a record reads back exactly and only in its tenant, the quota holds
//! against the tenant's own usage (and frees what an update gives back), updates are
//! version-conditioned, and the expiry queue lists what is due by now, earliest first,
//! never an expired record.

use super::support::connect;
use crate::conformance::fixtures::{audit, tenant, user};
use crate::domain::media::{Found, Media, MediaLimits, MediaStatus, Rendition, UploadRequest};
use crate::domain::{AuditEvent, MediaId, TenantId};
use crate::ports::{AccountRemoval, AccountWriter, MediaInsert, MediaStore, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;

/// Room enough for every fixture.
const PLENTY: u64 = 1 << 40;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + secs, 0).expect("fixture times are valid")
}

/// A declared PNG of `size` bytes in `tenant`, made at `made` and expiring a day later.
fn png(tenant: &TenantId, size: u64, made: i64) -> Media {
    let spec = UploadRequest {
        filename: "cake.png".into(),
        content_type: "image/png".into(),
        size,
        ..UploadRequest::default()
    }
    .parse(&MediaLimits::default())
    .expect("fixture upload is valid");
    Media::declared(
        tenant.clone(),
        user("designer"),
        spec,
        at(made),
        TimeDelta::minutes(15),
        TimeDelta::hours(24),
    )
}

async fn insert<S: MediaStore + ?Sized>(store: &S, media: &Media) {
    assert_eq!(
        store
            .insert_media(media, PLENTY)
            .await
            .expect("insert media"),
        MediaInsert::Created
    );
}

/// Every field of a converted medium reads back exactly.
pub async fn media_fields_round_trip_exactly<S: MediaStore + ?Sized>(store: &S) {
    let t = tenant("media-roundtrip");
    let declared = png(&t, 2_000_000, 0);
    insert(store, &declared).await;
    let mut ready = declared.next(at(5));
    ready.status = MediaStatus::Ready;
    ready.found = Some(Found {
        format: "PNG".into(),
        bytes: 2_000_000,
        width: Some(4000),
        height: Some(3000),
        had_metadata: true,
        ..Found::default()
    });
    ready.rendition = Some(Rendition {
        key: ready.rendition_key(),
        content_type: "image/jpeg".into(),
        bytes: 300_000,
        width: Some(1440),
        height: Some(1080),
    });
    ready.changes = vec!["converted from PNG".into(), "resized to 1440x1080".into()];
    store.update_media(&ready, 0).await.expect("update");

    let read = store.get_media(&t, &ready.id).await.expect("get");

    assert_eq!(read, Some(ready));
}

/// Another tenant's id, and an id never stored, read as nothing.
pub async fn media_are_tenant_scoped<S: MediaStore + ?Sized>(store: &S) {
    let mine = png(&tenant("media-a"), 10, 0);
    insert(store, &mine).await;

    let theirs = store
        .get_media(&tenant("media-b"), &mine.id)
        .await
        .expect("get");
    let unknown = store
        .get_media(&tenant("media-a"), &MediaId::generate())
        .await
        .expect("get");

    assert_eq!((theirs, unknown), (None, None));
}

/// The quota counts only the tenant's own bytes; a refused insert stores nothing, and
/// bytes an update gives back make room again.
pub async fn the_quota_holds_per_tenant_and_frees_what_is_given_back<S: MediaStore + ?Sized>(
    store: &S,
) {
    let t = tenant("media-quota");
    let first = png(&t, 600, 0);
    assert_eq!(
        store.insert_media(&first, 1000).await.expect("insert"),
        MediaInsert::Created
    );
    let other_tenant = png(&tenant("media-quota-other"), 900, 0);
    assert_eq!(
        store
            .insert_media(&other_tenant, 1000)
            .await
            .expect("insert"),
        MediaInsert::Created
    );

    let second = png(&t, 500, 1);
    assert_eq!(
        store.insert_media(&second, 1000).await.expect("insert"),
        MediaInsert::QuotaExceeded { used: 600 }
    );
    assert_eq!(store.get_media(&t, &second.id).await.expect("get"), None);

    let mut expired = first.next(at(2));
    expired.status = MediaStatus::Expired;
    expired.counted_bytes = 0;
    store.update_media(&expired, -600).await.expect("update");
    assert_eq!(store.media_usage(&t).await.expect("usage"), 0);
    assert_eq!(
        store.insert_media(&second, 1000).await.expect("insert"),
        MediaInsert::Created
    );
    assert_eq!(store.media_usage(&t).await.expect("usage"), 500);
}

/// An update from a stale version, or of a record never stored, writes nothing.
pub async fn update_media_on_a_stale_version_is_a_conflict<S: MediaStore + ?Sized>(store: &S) {
    let t = tenant("media-stale");
    let m = png(&t, 10, 0);
    insert(store, &m).await;
    let mut processing = m.next(at(1));
    processing.status = MediaStatus::Processing;
    store.update_media(&processing, 0).await.expect("update");

    let mut stale = m.next(at(2));
    stale.status = MediaStatus::Rejected;
    let refused = store.update_media(&stale, 0).await;
    let never_stored = store.update_media(&png(&t, 10, 0).next(at(3)), 0).await;

    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    assert!(
        matches!(never_stored, Err(StoreError::Conflict)),
        "{never_stored:?}"
    );
    let read = store
        .get_media(&t, &m.id)
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(read.status, MediaStatus::Processing);
}

/// The expiry queue: records due by now, earliest first, across tenants; a record pushed
/// later or expired leaves it.
pub async fn expiring_media_are_the_unexpired_ones_due_by_now<S: MediaStore + ?Sized>(store: &S) {
    let late = png(&tenant("media-exp-a"), 10, 100);
    let early = png(&tenant("media-exp-b"), 10, 0);
    let pushed = png(&tenant("media-exp-a"), 10, 50);
    let gone = png(&tenant("media-exp-b"), 10, 10);
    for m in [&late, &early, &pushed, &gone] {
        insert(store, m).await;
    }
    let mut kept = pushed.next(at(60));
    kept.expires_at = at(60) + TimeDelta::days(7);
    store.update_media(&kept, 0).await.expect("update");
    let mut expired = gone.next(at(60));
    expired.status = MediaStatus::Expired;
    store.update_media(&expired, 0).await.expect("update");

    let now = at(200) + TimeDelta::hours(24);
    let due: Vec<MediaId> = store
        .expiring_media(now, 10)
        .await
        .expect("expiring")
        .into_iter()
        .map(|m| m.id)
        .collect();

    assert_eq!(due, [early.id.clone(), late.id.clone()]);
    let before_any = store
        .expiring_media(at(0) + TimeDelta::hours(23), 10)
        .await
        .expect("expiring");
    assert!(before_any.is_empty(), "{before_any:?}");
}

/// Concurrent updates from one read: exactly one lands.
pub async fn concurrent_media_updates_from_one_read_have_one_winner<S>(store: Arc<S>)
where
    S: MediaStore + ?Sized + 'static,
{
    let t = tenant("media-race");
    let m = png(&t, 10, 0);
    insert(store.as_ref(), &m).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (store, mut next) = (Arc::clone(&store), m.next(at(i + 1)));
        next.changes = vec![format!("writer {i}")];
        tasks.spawn(async move { store.update_media(&next, 1).await.is_ok() });
    }
    let mut wins = 0;
    while let Some(won) = tasks.join_next().await {
        if won.expect("task") {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(store.media_usage(&t).await.expect("usage"), 11);
}

/// Deleting an account makes the media its posts named due for expiry at the deletion's
/// time (so the next pass deletes their files), and leaves the tenant's other media alone.
pub async fn deleting_an_account_expires_the_media_its_posts_named<S>(store: &S)
where
    S: AccountWriter + AccountRemoval + MediaStore + ?Sized,
{
    let gone = connect(store, "17841400000000031").await;
    let kept = connect(store, "17841400000000032").await;
    let t = gone.tenant.clone();
    let mut named = png(&t, 10, 0);
    named.accounts = vec![kept.id.clone(), gone.id.clone()];
    let mut other = png(&t, 10, 0);
    other.accounts = vec![kept.id.clone()];
    for m in [&named, &other] {
        insert(store, m).await;
    }
    let entry = audit(
        &gone,
        "auth0|owner-1",
        AuditEvent::Disconnected {
            username: gone.profile.username.clone(),
            revoked_at_meta: false,
        },
    );

    assert!(store.delete_account(&gone, &entry).await.expect("delete"));

    let read = |id: &MediaId| {
        let id = id.clone();
        let t = t.clone();
        async move {
            store
                .get_media(&t, &id)
                .await
                .expect("get")
                .expect("kept record")
        }
    };
    assert_eq!(read(&named.id).await.expires_at, entry.at);
    assert_eq!(read(&other.id).await.expires_at, other.expires_at);
    let due: Vec<MediaId> = store
        .expiring_media(entry.at, 10)
        .await
        .expect("expiring")
        .into_iter()
        .map(|m| m.id)
        .filter(|id| *id == named.id || *id == other.id)
        .collect();
    assert_eq!(due, [named.id.clone()]);
}
