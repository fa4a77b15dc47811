//! Deleting the files of media no longer needed: uploads nobody used within a day, and
//! media whose retention after their latest post ran out. The record stays, `expired`, so
//! a post or a person naming it learns why it is gone; its bytes leave the quota.

use super::MediaDeps;
use crate::domain::media::MediaStatus;
use crate::ports::StoreError;
use crate::service::ServiceError;

/// What one expiry pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExpiryReport {
    /// Media whose files were deleted.
    pub expired: usize,
    /// Media left for the next pass (storage failed, or another writer moved them on).
    pub left: usize,
}

/// Expires up to `limit` media due by now.
pub async fn expire_media(deps: MediaDeps<'_>, limit: u32) -> Result<ExpiryReport, ServiceError> {
    let now = deps.clock.now();
    let mut report = ExpiryReport::default();
    for media in deps.store.expiring_media(now, limit).await? {
        let keys = std::iter::once(media.upload_key.clone())
            .chain(media.rendition.as_ref().map(|r| r.key.clone()));
        let mut deleted = true;
        for key in keys {
            if let Err(e) = deps.files.delete(&key).await {
                tracing::warn!(media = %media.id, error = %e, "media file not deleted");
                deleted = false;
            }
        }
        if !deleted {
            report.left += 1;
            continue;
        }
        let mut expired = media.next(now);
        expired.status = MediaStatus::Expired;
        expired.counted_bytes = 0;
        let delta = -i64::try_from(media.counted_bytes).unwrap_or(i64::MAX);
        match deps.store.update_media(&expired, delta).await {
            Ok(()) => report.expired += 1,
            // A post named it meanwhile: its files are gone, so the next attempt tells the
            // post it expired; the record will be expired by the next pass.
            Err(StoreError::Conflict) => report.left += 1,
            Err(e) => return Err(e.into()),
        }
    }
    if report.expired > 0 || report.left > 0 {
        tracing::info!(
            expired = report.expired,
            left = report.left,
            "media expiry pass"
        );
    }
    Ok(report)
}
