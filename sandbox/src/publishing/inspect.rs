//! What tests read back of the media Meta would have received: every download made at
//! container creation (`GET _inspect/fetched`) and every resumable upload
//! (`GET _inspect/uploads`). Sandbox only; docs/sandbox.md shows both answers.

use super::super::Sandbox;
use super::super::errors::no_store;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// `GET _inspect/fetched`: `{"data":[{url, field, container, status, content_type, bytes,
/// format, width, height, has_exif, refused}]}`, oldest first (the last 1,000).
pub(crate) async fn inspect_fetched(State(sandbox): State<Sandbox>) -> Response {
    let store = sandbox.publishing();
    let data: Vec<Value> = store.fetched().map(|f| f.to_json()).collect();
    no_store(Json(json!({ "data": data })).into_response())
}

/// `GET _inspect/uploads`: `{"data":[{container, owner, file_size, bytes_received, chunks,
/// largest_chunk, failed_chunks, complete, format}]}`, in container order.
pub(crate) async fn inspect_uploads(State(sandbox): State<Sandbox>) -> Response {
    let store = sandbox.publishing();
    let data: Vec<Value> = store
        .uploads()
        .into_iter()
        .map(|(id, owner, upload)| upload.to_json(id, owner))
        .collect();
    no_store(Json(json!({ "data": data })).into_response())
}
