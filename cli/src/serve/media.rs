//! The local stand-in for S3's presigned URLs: `PUT /media-files/upload` takes one upload to
//! a URL `POST /v1/media` signed, and processes it at once (on AWS an S3 event starts the
//! `media` function); `GET /media-files/file` hands a converted file to whoever holds a
//! signed fetch URL (the sandbox, as Meta would fetch it).

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use igconnect::adapters::local_files::{
    BodyRefusal, FILE_PATH, LocalMediaFiles, Operation, SignedQuery, UPLOAD_PATH, UrlRefusal,
};
use igconnect::domain::media::{MediaStatus, upload_key_owner};
use igconnect::http::{MediaView, Problem};
use igconnect::ports::{Clock, MediaStore};
use igconnect::service::{self, MediaDeps, MediaPolicy, Processed};
use std::path::Path;
use std::sync::Arc;
use url::Url;

/// What the two routes need.
#[derive(Clone)]
pub struct MediaFilesState {
    pub files: Arc<LocalMediaFiles>,
    pub store: Arc<dyn MediaStore>,
    pub clock: Arc<dyn Clock>,
    pub policy: Arc<MediaPolicy>,
}

/// The local media files of `data_dir`, behind URLs on `origin`.
pub fn local_files(data_dir: &Path, origin: Url) -> Result<LocalMediaFiles, String> {
    LocalMediaFiles::open(&data_dir.join("media"), origin).map_err(|e| e.to_string())
}

/// The routes, with no body limit on the upload: `accept_upload` holds it to the size the
/// URL was signed for, and streams to disk.
pub fn routes(state: MediaFilesState) -> Router {
    Router::new()
        .route(
            &format!("/{UPLOAD_PATH}"),
            axum::routing::put(upload).layer(DefaultBodyLimit::disable()),
        )
        .route(&format!("/{FILE_PATH}"), axum::routing::get(file))
        .with_state(state)
}

fn refused(e: UrlRefusal) -> Problem {
    match e {
        UrlRefusal::Expired => Problem::new(
            StatusCode::FORBIDDEN,
            "upload_url_expired",
            "This URL has expired",
        )
        .detail("ask for a new one: POST /v1/media again"),
        UrlRefusal::Invalid => Problem::new(
            StatusCode::FORBIDDEN,
            "upload_url_invalid",
            "This URL is not valid for this request",
        )
        .detail("use the URL, method and headers exactly as POST /v1/media returned them"),
    }
}

async fn upload(
    State(s): State<MediaFilesState>,
    Query(q): Query<SignedQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    s.files.verify(Operation::Upload, &q).map_err(refused)?;
    let sent_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !sent_type.eq_ignore_ascii_case(&q.content_type) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "content_type_mismatch",
            "The upload's Content-Type is not the declared one",
        )
        .detail(format!("send Content-Type: {}", q.content_type)));
    }
    let (tenant, id) = upload_key_owner(&q.key).ok_or_else(|| refused(UrlRefusal::Invalid))?;
    let deps = MediaDeps {
        store: s.store.as_ref(),
        files: s.files.as_ref(),
        clock: s.clock.as_ref(),
        policy: s.policy.as_ref(),
    };
    let media = s
        .store
        .get_media(&tenant, &id)
        .await
        .map_err(|e| Problem::from(service::ServiceError::from(e)))?
        .ok_or_else(|| refused(UrlRefusal::Invalid))?;
    if media.status != MediaStatus::Uploading {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "upload_already_used",
            "This upload URL was already used",
        )
        .detail(format!(
            "media {} is {}: declare a new upload for another file",
            media.id,
            media.status.as_str()
        )));
    }
    s.files
        .accept_upload(&q.key, q.size, body.into_data_stream())
        .await
        .map_err(|e| match e {
            BodyRefusal::TooLarge(_) => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                "The upload is larger than declared",
            )
            .detail(e.to_string()),
            BodyRefusal::WrongSize { .. } => Problem::new(
                StatusCode::BAD_REQUEST,
                "size_mismatch",
                "The upload is not the declared size",
            )
            .detail(e.to_string()),
            BodyRefusal::Files(e) => Problem::from(service::ServiceError::from(e)),
        })?;
    let processed = service::process_upload(deps, &tenant, &id)
        .await
        .map_err(Problem::from)?;
    let media = match processed {
        Processed::Done(m) | Processed::Skipped(m) => m,
        Processed::Unknown => return Err(refused(UrlRefusal::Invalid)),
    };
    Ok(axum::Json(MediaView::from(media.as_ref())).into_response())
}

async fn file(
    State(s): State<MediaFilesState>,
    Query(q): Query<SignedQuery>,
) -> Result<Response, Problem> {
    s.files.verify(Operation::Fetch, &q).map_err(refused)?;
    let (file, len) = s
        .files
        .open_file(&q.key)
        .await
        .map_err(|_| Problem::not_found())?;
    let content_type = match q.key.rsplit('.').next() {
        Some("jpg") => "image/jpeg",
        Some("mp4") => "video/mp4",
        Some("mov") => "video/quicktime",
        _ => "application/octet-stream",
    };
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_LENGTH, len.to_string()),
        ],
        body,
    )
        .into_response())
}
