//! Meta's resumable upload host (`rupload.facebook.com`, the sandbox's `rupload/`): a
//! container created with `upload_type=resumable` gets its video as raw bytes, in one or
//! more chunks, `POST rupload/ig-api-upload/{ver}/{container-id}` with `Authorization: OAuth
//! <token>`, `offset` and `file_size` headers (Meta's "Upload Video to Meta Servers" guide,
//! developers.facebook.com/docs/instagram-platform/content-publishing/resumable-uploads).
//! Bytes are counted, never kept (only the first ones, to find the `ftyp` box), so a large
//! video costs no memory. docs/sandbox.md, "Resumable uploads", describes every answer.
//!
//! The host answers errors in its own shape, not Graph's:
//! `{"debug_info":{"retriable":false,"type":"...","message":"..."}}`, as issue trackers show
//! it (rupload's `ProcessingFailedError`, subzeroid/instagrapi#1151; rupload.facebook.com's
//! `ParameterValidationError` "HeaderValuePredicate: Header Offset not convertable to
//! unsigned long", trypostit/trypost#32). Meta documents none of its errors; the sandbox's
//! other messages are its own.

use super::super::params::{Params, access_token};
use super::super::state::Subject;
use super::super::{Sandbox, valid_version};
use super::access::{Host, Need, account_for};
use super::received::{VIDEO_HEAD, VIDEO_MAX_BYTES};
use super::sniff::{Format, sniff};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::{Value, json};

/// What arrived of a resumable container's video.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Upload {
    /// The `file_size` of the first chunk; every later chunk must name the same.
    pub file_size: Option<u64>,
    pub received: u64,
    /// Chunks answered `{"success":true}` (an empty one is not counted).
    pub chunks: u32,
    pub largest_chunk: u64,
    /// Chunks answered an injected 503 (`upload_error`, `upload_partial`).
    pub failed_chunks: u32,
    /// The file's first bytes, up to [`VIDEO_HEAD`].
    head: Vec<u8>,
}

/// One chunk, as taken: `len` bytes at `offset` of a `file_size`-byte file, of which `head`
/// are the ones within the file's first [`VIDEO_HEAD`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk<'a> {
    pub offset: u64,
    pub file_size: u64,
    pub len: u64,
    pub head: &'a [u8],
    /// Answered with an injected failure: its bytes (if any were kept) count, the chunk
    /// does not.
    pub failed: bool,
}

/// Why a chunk was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkRefusal {
    /// No such container, or not a resumable one.
    NoUpload,
    Expired,
    EmptyFile,
    /// `file_size` differs from the first chunk's.
    FileSize {
        declared: u64,
    },
    /// `offset` is not the number of bytes received so far.
    Offset {
        expected: u64,
    },
    /// The chunk ends past `file_size`.
    TooLong,
}

impl Upload {
    /// Whether a chunk at `offset` of a `file_size`-byte file may come now.
    pub fn check(&self, offset: u64, file_size: u64) -> Result<(), ChunkRefusal> {
        if file_size == 0 {
            return Err(ChunkRefusal::EmptyFile);
        }
        if let Some(declared) = self.file_size.filter(|d| *d != file_size) {
            return Err(ChunkRefusal::FileSize { declared });
        }
        if offset != self.received {
            return Err(ChunkRefusal::Offset {
                expected: self.received,
            });
        }
        Ok(())
    }

    /// Appends a chunk (checked again: another request may have come first).
    pub fn take(&mut self, chunk: Chunk<'_>) -> Result<(), ChunkRefusal> {
        self.check(chunk.offset, chunk.file_size)?;
        if chunk.offset + chunk.len > chunk.file_size {
            return Err(ChunkRefusal::TooLong);
        }
        self.file_size = Some(chunk.file_size);
        self.received += chunk.len;
        let room = VIDEO_HEAD.saturating_sub(self.head.len());
        self.head
            .extend_from_slice(&chunk.head[..room.min(chunk.head.len())]);
        if chunk.failed {
            self.failed_chunks += 1;
        } else if chunk.len > 0 {
            self.chunks += 1;
            self.largest_chunk = self.largest_chunk.max(chunk.len);
        }
        Ok(())
    }

    pub fn is_complete(&self) -> bool {
        self.file_size.is_some_and(|size| self.received == size)
    }

    /// What the first bytes are, once there are some.
    pub fn format(&self) -> Option<Format> {
        (!self.head.is_empty()).then(|| sniff(&self.head).format)
    }

    /// Whether the video can be processed: an MP4 or MOV no larger than Reels may be.
    pub fn is_video(&self) -> bool {
        self.format().is_some_and(Format::is_video) && self.received <= VIDEO_MAX_BYTES
    }

    /// As `_inspect/uploads` lists it.
    pub fn to_json(&self, container: &str, owner: &str) -> Value {
        json!({
            "container": container,
            "owner": owner,
            "file_size": self.file_size,
            "bytes_received": self.received,
            "chunks": self.chunks,
            "largest_chunk": self.largest_chunk,
            "failed_chunks": self.failed_chunks,
            "complete": self.is_complete(),
            "format": self.format().map(Format::name),
        })
    }
}

/// An answer of the upload host that is not a success.
#[derive(Debug)]
pub(crate) struct UploadError {
    status: StatusCode,
    retriable: bool,
    kind: &'static str,
    message: String,
}

impl UploadError {
    fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            retriable: false,
            kind,
            message: message.into(),
        }
    }

    /// A missing or non-numeric `offset` or `file_size` header, named as the real host
    /// names `Offset` (trypostit/trypost#32).
    fn header(name: &str) -> Self {
        let shown = if name == "offset" { "Offset" } else { name };
        Self::new(
            "ParameterValidationError",
            format!("HeaderValuePredicate: Header {shown} not convertable to unsigned long"),
        )
    }

    fn not_authorized() -> Self {
        Self::new(
            "NotAuthorizedError",
            "User not authorized to perform this request",
        )
    }

    /// The injected failure of a chunk: retry.
    fn injected() -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            retriable: true,
            kind: "TransientError",
            message: "Upload failed. Please retry from the upload's current offset.".into(),
        }
    }

    /// The body of the answer (tests read it).
    pub fn body(&self) -> Value {
        json!({ "debug_info": {
            "retriable": self.retriable,
            "type": self.kind,
            "message": self.message,
        }})
    }
}

impl From<ChunkRefusal> for UploadError {
    fn from(refusal: ChunkRefusal) -> Self {
        let invalid = |m: String| Self::new("ParameterValidationError", m);
        match refusal {
            ChunkRefusal::NoUpload => {
                Self::new("ProcessingFailedError", "Request processing failed")
            }
            ChunkRefusal::Expired => Self::new(
                "ProcessingFailedError",
                "The container expired. Create a new container and upload again.",
            ),
            ChunkRefusal::EmptyFile => invalid("file_size must be greater than 0.".into()),
            ChunkRefusal::FileSize { declared } => invalid(format!(
                "file_size differs from the {declared} bytes declared first."
            )),
            ChunkRefusal::Offset { expected } => invalid(format!(
                "Offset does not match the {expected} bytes received so far."
            )),
            ChunkRefusal::TooLong => invalid("The chunk ends past file_size.".into()),
        }
    }
}

impl IntoResponse for UploadError {
    fn into_response(self) -> Response {
        crate::errors::no_store((self.status, Json(self.body())).into_response())
    }
}

type UploadResult = Result<Response, UploadError>;

/// `POST rupload/ig-api-upload/{ver}/{container-id}`: one chunk of the video, the bytes as
/// the body. `{"success":true,"message":"Upload successful."}` (the answer public clients
/// of the real host check for).
pub(crate) async fn post_chunk(
    State(sandbox): State<Sandbox>,
    Path((ver, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !valid_version(&ver) {
        return crate::errors::GraphError::unknown_path().into_response();
    }
    take_chunk(&sandbox, &id, q.as_deref(), &headers, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn take_chunk(
    sandbox: &Sandbox,
    id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> UploadResult {
    let owner = authorize(sandbox, id, query, headers)?;
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| UploadError::header(name))
    };
    let offset = number("offset")?;
    let file_size = number("file_size")?;
    {
        let store = sandbox.publishing();
        let upload = store
            .container(id)
            .and_then(|c| c.upload.as_ref())
            .ok_or(ChunkRefusal::NoUpload)?;
        upload.check(offset, file_size)?;
    }
    let fault = sandbox.state().take_upload_fault(&owner);
    // At most one byte past the file is read: enough to refuse a chunk that is too long.
    let room = file_size.saturating_sub(offset) + 1;
    let (len, head) = read_body(body, offset, room)
        .await
        .ok_or_else(|| UploadError::new("ProcessingFailedError", "Request processing failed"))?;
    if fault.is_none() && offset + len > file_size {
        return Err(ChunkRefusal::TooLong.into());
    }
    let kept = match fault {
        None => len,
        Some(crate::InjectedFault::UploadPartial) => (len / 2).min(room - 1),
        Some(_) => 0,
    };
    let chunk = Chunk {
        offset,
        file_size,
        len: kept,
        head: &head[..head.len().min(usize::try_from(kept).unwrap_or(usize::MAX))],
        failed: fault.is_some(),
    };
    let now = sandbox.now();
    let polls = sandbox.options().video_processing_polls;
    sandbox.publishing().take_chunk(id, chunk, now, polls)?;
    if fault.is_some() {
        return Err(UploadError::injected());
    }
    let ok = json!({ "success": true, "message": "Upload successful." });
    Ok(crate::errors::no_store(Json(ok).into_response()))
}

/// `GET rupload/ig-api-upload/{ver}/{container-id}`: how far the upload got,
/// `{"id":"<container-id>","file_offset":N}` (the shape of Graph's Resumable Upload API
/// status read, `GET upload:<id>`; Meta documents none for this host).
pub(crate) async fn get_offset(
    State(sandbox): State<Sandbox>,
    Path((ver, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    if !valid_version(&ver) {
        return crate::errors::GraphError::unknown_path().into_response();
    }
    let read = || -> UploadResult {
        authorize(&sandbox, &id, q.as_deref(), &headers)?;
        let store = sandbox.publishing();
        let upload = store
            .container(&id)
            .and_then(|c| c.upload.as_ref())
            .ok_or(ChunkRefusal::NoUpload)?;
        let body = json!({ "id": id, "file_offset": upload.received });
        Ok(crate::errors::no_store(Json(body).into_response()))
    };
    read().unwrap_or_else(IntoResponse::into_response)
}

/// The owner of resumable container `id`, when the call's token (`Authorization: OAuth`,
/// `Bearer` or `access_token`) is a live token that may publish for it. Armed Graph faults
/// are not counted down here: only the upload faults reach this host.
fn authorize(
    sandbox: &Sandbox,
    id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<String, UploadError> {
    let owner = {
        let store = sandbox.publishing();
        let container = store.container(id).filter(|c| c.upload.is_some());
        container.map(|c| c.owner.clone())
    };
    let token =
        access_token(&Params::parse(query), headers).ok_or_else(UploadError::not_authorized)?;
    let record = sandbox
        .state()
        .token(&token)
        .cloned()
        .map_err(|_| UploadError::not_authorized())?;
    let owner = owner.ok_or(ChunkRefusal::NoUpload)?;
    let host = match record.subject {
        Subject::Instagram { .. } => Host::Instagram,
        _ => Host::Facebook,
    };
    account_for(host, &record, &owner, Need::Publish, || {
        crate::errors::GraphError::invalid_token()
    })
    .map_err(|_| UploadError::not_authorized())?;
    Ok(owner)
}

/// Reads a chunk's body as it streams, counting its bytes (at most `limit`: the rest is
/// left unread) and keeping those within the file's first [`VIDEO_HEAD`] bytes. `None` when
/// the body broke off.
async fn read_body(body: Body, offset: u64, limit: u64) -> Option<(u64, Vec<u8>)> {
    let want = usize::try_from(offset).map_or(0, |offset| VIDEO_HEAD.saturating_sub(offset));
    let mut stream = body.into_data_stream();
    let (mut len, mut head) = (0u64, Vec::new());
    while let Some(frame) = stream.next().await {
        let bytes = frame.ok()?;
        let room = want.saturating_sub(head.len());
        head.extend_from_slice(&bytes[..room.min(bytes.len())]);
        len += bytes.len() as u64;
        if len >= limit {
            break;
        }
    }
    Some((len, head))
}

#[cfg(test)]
mod tests {
    use super::super::sniff::samples;
    use super::*;

    fn chunk(offset: u64, file_size: u64, bytes: &[u8]) -> Chunk<'_> {
        Chunk {
            offset,
            file_size,
            len: bytes.len() as u64,
            head: bytes,
            failed: false,
        }
    }

    #[test]
    fn chunks_append_at_the_offset_received_so_far() {
        let video = samples::mp4(100);
        let mut u = Upload::default();
        u.take(chunk(0, 100, &video[..40])).unwrap();
        assert_eq!(
            u.take(chunk(0, 100, &video[..40])),
            Err(ChunkRefusal::Offset { expected: 40 })
        );
        assert_eq!(
            u.take(chunk(40, 99, &video[40..])),
            Err(ChunkRefusal::FileSize { declared: 100 })
        );
        assert!(!u.is_complete());
        u.take(chunk(40, 100, &video[40..])).unwrap();
        assert!(u.is_complete() && u.is_video());
        assert_eq!((u.chunks, u.largest_chunk, u.received), (2, 60, 100));
        assert_eq!(u.take(chunk(100, 100, b"x")), Err(ChunkRefusal::TooLong));
    }

    #[test]
    fn a_file_that_does_not_start_with_ftyp_is_no_video() {
        let mut u = Upload::default();
        u.take(chunk(0, 6, b"<html>")).unwrap();
        assert!(u.is_complete() && !u.is_video());
        assert_eq!(u.format(), Some(Format::Unknown));
        assert_eq!(Upload::default().check(0, 0), Err(ChunkRefusal::EmptyFile));
    }

    #[test]
    fn a_failed_chunk_counts_its_kept_bytes_but_not_itself() {
        let mut u = Upload::default();
        let failed = Chunk {
            failed: true,
            ..chunk(0, 10, b"12345")
        };
        u.take(failed).unwrap();
        assert_eq!((u.received, u.chunks, u.failed_chunks), (5, 0, 1));
    }

    #[test]
    fn errors_have_the_upload_hosts_shape() {
        let e = UploadError::from(ChunkRefusal::Offset { expected: 7 });
        assert_eq!(e.body()["debug_info"]["type"], "ParameterValidationError");
        assert_eq!(e.body()["debug_info"]["retriable"], false);
        assert_eq!(
            UploadError::injected().body()["debug_info"]["retriable"],
            true
        );
        assert_eq!(
            UploadError::header("offset").status,
            StatusCode::BAD_REQUEST
        );
    }
}
