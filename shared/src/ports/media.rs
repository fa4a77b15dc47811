//! Media: the records of uploaded files ([`MediaStore`], part of the Store) and the files
//! themselves ([`MediaFiles`]: S3 on AWS, `serve`'s data directory locally). Bytes never
//! pass through an API request: uploads go to a signed URL, Meta fetches from one.

use super::StoreError;
use crate::domain::TenantId;
use crate::domain::media::Media;
use crate::domain::{AccountId, MediaId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// What [`MediaStore::insert_media`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaInsert {
    /// Stored, its bytes counted against the tenant's quota.
    Created,
    /// Not stored: the tenant's media would exceed the quota; `used` is what they hold.
    QuotaExceeded { used: u64 },
}

/// The records of uploaded files, each in its tenant.
#[async_trait]
pub trait MediaStore: Send + Sync {
    /// Stores a new record (version 1) and counts its `counted_bytes` against the tenant's
    /// usage, in one transaction, unless that would take the usage over `quota`.
    async fn insert_media(&self, media: &Media, quota: u64) -> Result<MediaInsert, StoreError>;

    /// One of the tenant's media; another tenant's id is `None`.
    async fn get_media(&self, tenant: &TenantId, id: &MediaId)
    -> Result<Option<Media>, StoreError>;

    /// Replaces the record with `media`, whose `version` is one more than the version read,
    /// and changes the tenant's usage by `usage_delta` bytes, in one transaction;
    /// [`StoreError::Conflict`] (nothing written) when the record moved on.
    async fn update_media(&self, media: &Media, usage_delta: i64) -> Result<(), StoreError>;

    /// Bytes the tenant's media hold against the quota.
    async fn media_usage(&self, tenant: &TenantId) -> Result<u64, StoreError>;

    /// Makes every not yet expired medium of the tenant that `account`'s posts named due
    /// for expiry at `now` (the next expiry pass deletes its files); how many.
    async fn expire_account_media(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError>;

    /// Media of any tenant, not yet `expired`, whose `expires_at` is at or before `now`,
    /// earliest first, at most `limit`: read from an index on expiry, never a scan.
    async fn expiring_media(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Media>, StoreError>;
}

/// Why media storage failed. Never holds a signature or a credential.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// No file under the key.
    #[error("no such file")]
    Missing,
    /// The file is larger than the caller would read.
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    /// Storage could not be reached or refused.
    #[error("media storage unavailable: {0}")]
    Unavailable(String),
    /// Uploads are not set up on this deployment.
    #[error("media uploads are not configured on this deployment")]
    NotConfigured,
}

/// How the uploader sends the file: `PUT` to `url` with exactly these headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    pub url: String,
    pub method: &'static str,
    pub headers: Vec<(String, String)>,
}

/// Where uploaded and converted files live.
#[async_trait]
pub trait MediaFiles: Send + Sync {
    /// A URL that takes one upload of exactly `size` bytes of `content_type` to `key`,
    /// working for `ttl`.
    async fn upload_target(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        ttl: Duration,
    ) -> Result<UploadTarget, FilesError>;

    /// A URL anyone holding it can GET the file at `key` from, for `ttl`: what Meta is
    /// given.
    async fn fetch_url(&self, key: &str, ttl: Duration) -> Result<String, FilesError>;

    /// The file's size, `None` when there is none.
    async fn size(&self, key: &str) -> Result<Option<u64>, FilesError>;

    /// The whole file, refused when larger than `max` bytes.
    async fn read(&self, key: &str, max: u64) -> Result<Vec<u8>, FilesError>;

    /// `len` bytes from `offset` (fewer at the end of the file).
    async fn read_range(&self, key: &str, offset: u64, len: u64) -> Result<Vec<u8>, FilesError>;

    /// Stores `bytes` at `key`.
    async fn write(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), FilesError>;

    /// Copies `from` to `to` inside storage (a video is kept as uploaded, moved out of
    /// the uploads that storage empties after a day).
    async fn copy(&self, from: &str, to: &str, content_type: &str) -> Result<(), FilesError>;

    /// Deletes the file; a missing one is no error.
    async fn delete(&self, key: &str) -> Result<(), FilesError>;
}

/// Media files on a deployment that has none configured: every call says so.
pub struct NoMediaFiles;

#[async_trait]
impl MediaFiles for NoMediaFiles {
    async fn upload_target(
        &self,
        _: &str,
        _: &str,
        _: u64,
        _: Duration,
    ) -> Result<UploadTarget, FilesError> {
        Err(FilesError::NotConfigured)
    }
    async fn fetch_url(&self, _: &str, _: Duration) -> Result<String, FilesError> {
        Err(FilesError::NotConfigured)
    }
    async fn size(&self, _: &str) -> Result<Option<u64>, FilesError> {
        Err(FilesError::NotConfigured)
    }
    async fn read(&self, _: &str, _: u64) -> Result<Vec<u8>, FilesError> {
        Err(FilesError::NotConfigured)
    }
    async fn read_range(&self, _: &str, _: u64, _: u64) -> Result<Vec<u8>, FilesError> {
        Err(FilesError::NotConfigured)
    }
    async fn write(&self, _: &str, _: Vec<u8>, _: &str) -> Result<(), FilesError> {
        Err(FilesError::NotConfigured)
    }
    async fn copy(&self, _: &str, _: &str, _: &str) -> Result<(), FilesError> {
        Err(FilesError::NotConfigured)
    }
    async fn delete(&self, _: &str) -> Result<(), FilesError> {
        Err(FilesError::NotConfigured)
    }
}
