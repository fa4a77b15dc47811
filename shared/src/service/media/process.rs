//! What happens when an upload lands (an S3 event on AWS, the upload request itself
//! locally): the file is checked by its content, never its name or declared type, and made
//! into what Instagram accepts; the raw upload is deleted either way. Safe to run twice for
//! one upload (storage notifications are at least once): only an `uploading` record is
//! taken up, with a version-conditioned write, so one run does the work.

use super::MediaDeps;
use crate::domain::media::content::{self, ContentError, Format};
use crate::domain::media::{
    DeclaredType, Found, Media, MediaStatus, MediaTarget, Rejection, Rendition, UploadFit,
};
use crate::domain::{MediaId, TenantId};
use crate::ports::{FilesError, StoreError};
use crate::service::ServiceError;

/// The most bytes of a video's `moov` box read (its sample tables grow with its length;
/// an hour of 60 fps video needs a few MB).
const MAX_MOOV_BYTES: u64 = 64 * 1024 * 1024;
/// How many top-level boxes are walked looking for `moov` before the file is refused.
const MAX_TOP_LEVEL_BOXES: usize = 64;

/// What processing an upload came to.
#[derive(Debug)]
pub enum Processed {
    /// The record moved to `ready` or `rejected` (this run did the work).
    Done(Box<Media>),
    /// Nothing to do: the record is past `uploading` (a repeated notification), or the
    /// upload is not in storage (yet).
    Skipped(Box<Media>),
    /// No such record (another tenant's key, or a record already gone).
    Unknown,
}

/// Checks and converts the upload of `id`.
pub async fn process_upload(
    deps: MediaDeps<'_>,
    tenant: &TenantId,
    id: &MediaId,
) -> Result<Processed, ServiceError> {
    let Some(media) = deps.store.get_media(tenant, id).await? else {
        return Ok(Processed::Unknown);
    };
    match media.status {
        MediaStatus::Uploading => {}
        MediaStatus::Processing => return Ok(Processed::Skipped(Box::new(media))),
        // A second upload to a URL already used (S3 cannot refuse it within the URL's
        // lifetime): what Meta gets was made from the first, so the stray one goes.
        MediaStatus::Ready | MediaStatus::Rejected | MediaStatus::Expired => {
            if let Err(e) = deps.files.delete(&media.upload_key).await {
                tracing::warn!(media = %media.id, error = %e, "stray upload not deleted");
            }
            return Ok(Processed::Skipped(Box::new(media)));
        }
    }
    let Some(size) = deps.files.size(&media.upload_key).await? else {
        return Ok(Processed::Skipped(Box::new(media)));
    };
    let mut taken = media.next(deps.clock.now());
    taken.status = MediaStatus::Processing;
    match deps.store.update_media(&taken, 0).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Ok(Processed::Skipped(Box::new(media))),
        Err(e) => return Err(e.into()),
    }
    let outcome = if size != taken.declared_size {
        Err(Refused::new(
            "size_mismatch",
            format!(
                "the upload has {size} bytes but {} were declared: declare the file's exact size",
                taken.declared_size
            ),
            None,
        ))
    } else if taken.is_video() {
        video(deps, &taken, size).await
    } else {
        image(deps, &taken, size).await
    };
    let done = match outcome {
        Ok((found, rendition, changes)) => {
            let mut ready = taken.next(deps.clock.now());
            ready.status = MediaStatus::Ready;
            ready.counted_bytes = rendition.bytes;
            ready.found = Some(found);
            ready.rendition = Some(rendition);
            ready.changes = changes;
            ready
        }
        Err(Refused::Storage(e)) => {
            // Storage failed mid-way: back to `uploading`, so the next notification (or a
            // retry of this one) processes it again.
            let mut back = taken.next(deps.clock.now());
            back.status = MediaStatus::Uploading;
            deps.store.update_media(&back, 0).await?;
            return Err(e.into());
        }
        Err(Refused::File(refused)) => {
            let (rejection, found) = *refused;
            let mut rejected = taken.next(deps.clock.now());
            rejected.status = MediaStatus::Rejected;
            rejected.counted_bytes = 0;
            rejected.found = found;
            tracing::info!(media = %taken.id, code = %rejection.code, "upload rejected");
            rejected.rejection = Some(rejection);
            rejected
        }
    };
    let delta = signed(done.counted_bytes) - signed(taken.counted_bytes);
    deps.store.update_media(&done, delta).await?;
    if let Err(e) = deps.files.delete(&taken.upload_key).await {
        // Storage empties uploads after a day by itself.
        tracing::warn!(media = %taken.id, error = %e, "raw upload not deleted");
    }
    tracing::info!(media = %done.id, status = done.status.as_str(), "upload processed");
    Ok(Processed::Done(Box::new(done)))
}

fn signed(bytes: u64) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

/// Why a file did not become ready.
enum Refused {
    /// The file is not something Instagram takes: the record is rejected.
    File(Box<(Rejection, Option<Found>)>),
    /// Storage failed: nothing is decided about the file.
    Storage(FilesError),
}

impl Refused {
    fn new(code: &str, message: String, found: Option<Found>) -> Self {
        Self::File(Box::new((
            Rejection {
                code: code.to_owned(),
                message,
            },
            found,
        )))
    }

    fn content(e: &ContentError, found: Option<Found>) -> Self {
        Self::new(e.code(), e.to_string(), found)
    }
}

impl From<FilesError> for Refused {
    fn from(e: FilesError) -> Self {
        Self::Storage(e)
    }
}

type Outcome = Result<(Found, Rendition, Vec<String>), Refused>;

/// The format the bytes are, which must be the declared one.
fn sniffed(media: &Media, head: &[u8]) -> Result<Format, Refused> {
    let Some(format) = content::sniff(head) else {
        return Err(Refused::new(
            "unsupported_format",
            "the file is not a JPEG, PNG, WebP, GIF, MP4 or MOV file".into(),
            None,
        ));
    };
    if format == Format::Heic {
        return Err(Refused::new(
            "unsupported_format",
            "the file is HEIC: export it as JPEG and upload that".into(),
            None,
        ));
    }
    let expected = match media.declared {
        DeclaredType::Jpeg => Format::Jpeg,
        DeclaredType::Png => Format::Png,
        DeclaredType::Webp => Format::Webp,
        DeclaredType::Gif => Format::Gif,
        DeclaredType::Mp4 => Format::Mp4,
        DeclaredType::Mov => Format::Mov,
    };
    // An MP4 declared as QuickTime (or the reverse) is the same family of boxes.
    let same_family = format.is_video() && expected.is_video();
    if format != expected && !same_family {
        return Err(Refused::new(
            "content_type_mismatch",
            format!(
                "the file is {} but was declared as {}: declare the type the file really has",
                format.name(),
                media.declared.mime()
            ),
            None,
        ));
    }
    Ok(format)
}

async fn image(deps: MediaDeps<'_>, media: &Media, size: u64) -> Outcome {
    let bytes = deps.files.read(&media.upload_key, size).await?;
    sniffed(media, &bytes)?;
    let rules = content::image_rules_for(image_post(media.target), fit(media.fit));
    // Decoding and encoding are CPU work of a few hundred milliseconds: off the runtime.
    let converted = tokio::task::spawn_blocking(move || content::convert_image(&bytes, &rules))
        .await
        .map_err(|e| Refused::Storage(FilesError::Unavailable(e.to_string())))?;
    let converted = match converted {
        Ok(c) => c,
        Err(e) => return Err(Refused::content(&e, None)),
    };
    let found = Found {
        format: converted.found.format.name().to_owned(),
        bytes: size,
        width: Some(converted.found.width),
        height: Some(converted.found.height),
        had_metadata: converted.found.has_metadata,
        ..Found::default()
    };
    let changes = converted.changes.iter().map(|c| c.describe()).collect();
    let rendition = Rendition {
        key: media.rendition_key(),
        content_type: "image/jpeg".into(),
        bytes: converted.jpeg.len() as u64,
        width: Some(converted.width),
        height: Some(converted.height),
    };
    deps.files
        .write(&rendition.key, converted.jpeg, "image/jpeg")
        .await?;
    Ok((found, rendition, changes))
}

async fn video(deps: MediaDeps<'_>, media: &Media, size: u64) -> Outcome {
    let head = deps.files.read_range(&media.upload_key, 0, 64).await?;
    let format = sniffed(media, &head)?;
    let boxes = movie_boxes(deps, &media.upload_key, size).await?;
    let facts = content::probe_video(&boxes).map_err(|e| Refused::content(&e, None))?;
    let found = Found {
        format: format.name().to_owned(),
        bytes: size,
        width: Some(facts.width),
        height: Some(facts.height),
        duration_ms: Some(facts.duration_ms),
        frame_rate: Some(facts.frame_rate),
        video_codec: Some(facts.video_codec.to_string()),
        audio_codec: facts.audio_codec.as_ref().map(ToString::to_string),
        had_metadata: false,
    };
    let rules = content::video_rules_for(video_post(media.target));
    if let Err(e) = content::check_video(&facts, size, &rules) {
        return Err(Refused::content(&e, Some(found)));
    }
    let rendition = Rendition {
        key: media.rendition_key(),
        content_type: format.mime().to_owned(),
        bytes: size,
        width: Some(facts.width),
        height: Some(facts.height),
    };
    deps.files
        .copy(&media.upload_key, &rendition.key, format.mime())
        .await?;
    Ok((
        found,
        rendition,
        vec!["sent to Instagram as uploaded".into()],
    ))
}

/// The `ftyp` and `moov` boxes of a video, found by reading only top-level box headers:
/// a 300 MB video is never held in memory, only its index.
async fn movie_boxes(deps: MediaDeps<'_>, key: &str, size: u64) -> Result<Vec<u8>, Refused> {
    let corrupt = || {
        Refused::new(
            "file_corrupt",
            "the video's boxes are damaged or incomplete".into(),
            None,
        )
    };
    let mut out = Vec::new();
    let mut offset = 0u64;
    let mut found_moov = false;
    for _ in 0..MAX_TOP_LEVEL_BOXES {
        if offset >= size {
            break;
        }
        let header = deps.files.read_range(key, offset, 16).await?;
        let b = content::next_box(&header).map_err(|e| Refused::content(&e, None))?;
        let len = if b.size == 0 { size - offset } else { b.size };
        if len < u64::from(b.header_len) || offset.checked_add(len).is_none_or(|end| end > size) {
            return Err(corrupt());
        }
        if &b.kind == b"ftyp" || &b.kind == b"moov" {
            if len > MAX_MOOV_BYTES {
                return Err(corrupt());
            }
            out.extend(deps.files.read_range(key, offset, len).await?);
            found_moov |= &b.kind == b"moov";
        }
        if found_moov {
            return Ok(out);
        }
        offset += len;
    }
    Err(corrupt())
}

fn image_post(target: MediaTarget) -> content::PostType {
    match target {
        MediaTarget::Story => content::PostType::Story,
        MediaTarget::ReelCover => content::PostType::ReelCover,
        MediaTarget::Image | MediaTarget::Carousel | MediaTarget::Reel => content::PostType::Feed,
    }
}

fn video_post(target: MediaTarget) -> content::VideoPost {
    match target {
        MediaTarget::Story => content::VideoPost::Story,
        MediaTarget::Carousel => content::VideoPost::CarouselVideo,
        _ => content::VideoPost::Reel,
    }
}

fn fit(fit: UploadFit) -> content::Fit {
    match fit {
        UploadFit::Refuse => content::Fit::Refuse,
        UploadFit::Crop => content::Fit::Crop,
        UploadFit::Pad { rgb } => content::Fit::Pad { rgb },
    }
}
