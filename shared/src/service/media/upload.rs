//! `POST /v1/media` and `GET /v1/media/{id}`.

use super::MediaDeps;
use crate::domain::media::{Media, UploadRequest};
use crate::domain::{Caller, MediaId};
use crate::ports::{MediaInsert, UploadTarget};
use crate::service::ServiceError;

/// A declared upload: the record and how to send the file.
#[derive(Debug)]
pub struct NewUpload {
    pub media: Media,
    pub upload: UploadTarget,
}

/// Declares a file: checks the declaration, reserves its bytes against the tenant's
/// quota and answers the signed URL to send it to. Any member of the tenant may upload:
/// media are the tenant's, and using one in a post needs publish permission on the
/// account it is posted to.
pub async fn create_upload(
    deps: MediaDeps<'_>,
    caller: &Caller,
    request: &UploadRequest,
) -> Result<NewUpload, ServiceError> {
    let spec = request
        .parse(&deps.policy.limits)
        .map_err(|r| ServiceError::invalid(r.code, r.detail))?;
    let media = Media::declared(
        caller.tenant.clone(),
        caller.user.clone(),
        spec,
        deps.clock.now(),
        deps.policy.upload_ttl,
        deps.policy.unused_ttl,
    );
    let ttl = deps
        .policy
        .upload_ttl
        .to_std()
        .map_err(|_| ServiceError::invalid("invalid_policy", "upload ttl is negative"))?;
    // The URL first: if storage cannot sign one, nothing is reserved.
    let upload = deps
        .files
        .upload_target(
            &media.upload_key,
            media.declared.mime(),
            media.declared_size,
            ttl,
        )
        .await?;
    match deps
        .store
        .insert_media(&media, deps.policy.quota_bytes)
        .await?
    {
        MediaInsert::Created => {}
        MediaInsert::QuotaExceeded { used } => {
            return Err(ServiceError::Conflict {
                code: "storage_quota_exceeded",
                detail: format!(
                    "your company's media hold {used} of {} bytes; this file needs {} more. \
                     Media are deleted a while after their posts go out, or when unused for \
                     a day",
                    deps.policy.quota_bytes, media.declared_size
                ),
            });
        }
    }
    tracing::info!(media = %media.id, kind = media.declared.mime(), bytes = media.declared_size, "upload declared");
    Ok(NewUpload { media, upload })
}

/// One of the caller's tenant's media; another tenant's is not found.
pub async fn get_media(
    deps: MediaDeps<'_>,
    caller: &Caller,
    id: &str,
) -> Result<Media, ServiceError> {
    let id = MediaId::parse(id).map_err(|_| not_found())?;
    deps.store
        .get_media(&caller.tenant, &id)
        .await?
        .ok_or_else(not_found)
}

/// How long a preview URL of a converted file works: long enough for a page to show it.
const PREVIEW_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// A short-lived URL of the converted file, for the uploader's page to show what Meta will
/// get; `None` until the medium is ready, or when storage cannot sign one (the rest of the
/// answer still stands).
pub async fn preview_url(deps: MediaDeps<'_>, media: &Media) -> Option<String> {
    let rendition = media.rendition.as_ref()?;
    if media.status != crate::domain::media::MediaStatus::Ready {
        return None;
    }
    match deps.files.fetch_url(&rendition.key, PREVIEW_TTL).await {
        Ok(url) => Some(url),
        Err(e) => {
            tracing::warn!(media = %media.id, error = %e, "no preview URL");
            None
        }
    }
}

pub(super) fn not_found() -> ServiceError {
    ServiceError::NotFound {
        code: "upload_not_found",
        detail: "no media with this id in your company".into(),
    }
}
