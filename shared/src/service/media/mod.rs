//! Media uploads: declare a file and get a signed upload URL ([`create_upload`]), check and
//! convert it once it landed ([`process_upload`]), read where it stands ([`get_media`]),
//! name it in posts ([`use_in_post`], [`fetch_urls`]) and delete its files when they are no
//! longer needed ([`expire_media`]).

mod expiry;
mod process;
mod upload;
mod usage;

pub use expiry::{ExpiryReport, expire_media};
pub use process::{Processed, process_upload};
pub use upload::{NewUpload, create_upload, get_media, preview_url};
pub use usage::{fetch_urls, settle_media, use_in_post};

use crate::domain::media::MediaLimits;
use crate::ports::{Clock, MediaFiles, MediaStore};
use chrono::TimeDelta;
use std::time::Duration;

/// The limits and lifetimes of uploads. The defaults suit production; tests shorten them.
#[derive(Debug, Clone)]
pub struct MediaPolicy {
    pub limits: MediaLimits,
    /// What a tenant's media may hold at once, in bytes (`IGC_MEDIA_QUOTA_BYTES`).
    pub quota_bytes: u64,
    /// How long an upload URL works: long enough for a large video on a slow line.
    pub upload_ttl: TimeDelta,
    /// How long a medium no post names is kept.
    pub unused_ttl: TimeDelta,
    /// How long a medium is kept after the latest post that named it was settled
    /// (`IGC_MEDIA_RETAIN_DAYS`): a person may still retry or reuse it.
    pub retain_after_use: TimeDelta,
    /// How long the URL Meta fetches from works. Meta downloads an image while the
    /// container call runs and a video while it processes (minutes, occasionally longer
    /// under load), and a carousel's items are fetched one after another: two hours covers
    /// that with room. Longer buys nothing: a URL signed with a Lambda role's session
    /// credentials stops working when they expire anyway, and a leaked URL should not
    /// work for days.
    pub fetch_ttl: Duration,
}

impl Default for MediaPolicy {
    fn default() -> Self {
        Self {
            limits: MediaLimits::default(),
            quota_bytes: 10 * 1024 * 1024 * 1024,
            upload_ttl: TimeDelta::hours(1),
            unused_ttl: TimeDelta::hours(24),
            retain_after_use: TimeDelta::days(7),
            fetch_ttl: Duration::from_secs(2 * 3600),
        }
    }
}

impl MediaPolicy {
    /// The defaults with the quota and retention the settings name.
    pub fn from_settings(media: &crate::config::MediaSettings) -> Self {
        Self {
            quota_bytes: media.quota_bytes,
            retain_after_use: TimeDelta::days(i64::from(media.retain_days)),
            upload_ttl: TimeDelta::seconds(i64::from(media.upload_ttl_seconds)),
            ..Self::default()
        }
    }
}

/// What media use cases need: the records, the files, and the clock.
#[derive(Clone, Copy)]
pub struct MediaDeps<'a> {
    pub store: &'a dyn MediaStore,
    pub files: &'a dyn MediaFiles,
    pub clock: &'a dyn Clock,
    pub policy: &'a MediaPolicy,
}
