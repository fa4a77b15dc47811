//! Handlers of uploads: `POST /v1/media` (declare a file, get its upload URL) and
//! `GET /v1/media/{media_id}` (where it stands, what was found, what was done).

use super::PostsState;
use super::extract::ApiJson;
use super::problem::ApiResult;
use crate::domain::Caller;
use crate::domain::media::{Found, Media, Rejection, UploadFit, UploadRequest};
use crate::service;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// What Meta is given, as the API shows it (never its storage key).
#[derive(Serialize)]
struct ResultView<'a> {
    content_type: &'a str,
    bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
    /// A short-lived URL of the file, on `GET` of a ready medium (what Meta will get).
    #[serde(skip_serializing_if = "Option::is_none")]
    preview_url: Option<String>,
}

/// A medium as the API shows it.
#[derive(Serialize)]
pub struct MediaView<'a> {
    id: &'a str,
    status: &'static str,
    filename: &'a str,
    content_type: &'static str,
    size: u64,
    post_type: &'static str,
    fit: &'a UploadFit,
    #[serde(skip_serializing_if = "Option::is_none")]
    found: Option<&'a Found>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<ResultView<'a>>,
    changes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    rejection: Option<&'a Rejection>,
    posts: u32,
    uploaded_by: &'a str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    upload_expires_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl<'a> From<&'a Media> for MediaView<'a> {
    fn from(m: &'a Media) -> Self {
        Self {
            id: m.id.as_str(),
            status: m.status.as_str(),
            filename: &m.filename,
            content_type: m.declared.mime(),
            size: m.declared_size,
            post_type: m.target.as_str(),
            fit: &m.fit,
            found: m.found.as_ref(),
            result: m.rendition.as_ref().map(|r| ResultView {
                content_type: &r.content_type,
                bytes: r.bytes,
                width: r.width,
                height: r.height,
                preview_url: None,
            }),
            changes: &m.changes,
            rejection: m.rejection.as_ref(),
            posts: m.posts,
            uploaded_by: m.uploaded_by.as_str(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            upload_expires_at: m.upload_expires_at,
            expires_at: m.expires_at,
        }
    }
}

#[derive(Serialize)]
struct UploadView<'a> {
    url: &'a str,
    method: &'static str,
    headers: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct CreatedView<'a> {
    id: &'a str,
    status: &'static str,
    upload: UploadView<'a>,
    /// Until when the upload URL works.
    expires_at: DateTime<Utc>,
    media: MediaView<'a>,
}

/// `POST /v1/media`: `201` with the upload URL.
pub async fn create(
    State(s): State<PostsState>,
    caller: Caller,
    ApiJson(request): ApiJson<UploadRequest>,
) -> ApiResult<Response> {
    let new = service::create_upload(s.media_deps(), &caller, &request).await?;
    let media = &new.media;
    let body = CreatedView {
        id: media.id.as_str(),
        status: media.status.as_str(),
        upload: UploadView {
            url: &new.upload.url,
            method: new.upload.method,
            headers: new
                .upload
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        },
        expires_at: media.upload_expires_at,
        media: MediaView::from(media),
    };
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/media/{}", media.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    // The upload URL is a credential for one file: no cache keeps it.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// `GET /v1/media/{media_id}`.
pub async fn get(
    State(s): State<PostsState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let media = service::get_media(s.media_deps(), &caller, &id).await?;
    let preview = service::preview_url(s.media_deps(), &media).await;
    let mut view = MediaView::from(&media);
    if let Some(result) = view.result.as_mut() {
        result.preview_url = preview;
    }
    Ok(Json(view).into_response())
}
