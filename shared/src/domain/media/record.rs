//! A medium as igconnect keeps it: what was declared, where it stands, what its content
//! turned out to be, and what was done to it. Changes are version-conditioned like posts, so
//! a late duplicate of an upload notification cannot undo a rejection or a conversion.

use super::upload::{DeclaredType, MediaTarget, UploadFit, UploadSpec};
use crate::domain::{AccountId, MediaId, TenantId, UserId};
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Where a medium stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaStatus {
    /// Declared; the upload URL has not been used yet.
    Uploading,
    /// Uploaded; being checked and converted.
    Processing,
    /// Converted: posts may name it.
    Ready,
    /// The file is not something Instagram can take; `rejection` says why.
    Rejected,
    /// Its files are gone: never uploaded in time, or kept as long as promised after its
    /// last post.
    Expired,
}

impl MediaStatus {
    /// Every status, as the API documents them.
    pub const ALL: [Self; 5] = [
        Self::Uploading,
        Self::Processing,
        Self::Ready,
        Self::Rejected,
        Self::Expired,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uploading => "uploading",
            Self::Processing => "processing",
            Self::Ready => "ready",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Why a file was refused: a stable code and words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub code: String,
    pub message: String,
}

/// What the uploaded bytes turned out to be, read from their content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Found {
    /// `JPEG`, `PNG`, `WebP`, `GIF`, `MP4`, `MOV`, ...
    pub format: String,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_codec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_codec: Option<String>,
    /// EXIF, XMP or GPS metadata was present (and is not in what Meta gets).
    #[serde(default)]
    pub had_metadata: bool,
}

/// The file Meta is given: the converted image, or the video as uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendition {
    /// Its key in media storage.
    pub key: String,
    pub content_type: String,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// An uploaded file of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Media {
    pub id: MediaId,
    pub tenant: TenantId,
    pub uploaded_by: UserId,
    pub filename: String,
    pub declared: DeclaredType,
    pub declared_size: u64,
    pub target: MediaTarget,
    pub fit: UploadFit,
    pub status: MediaStatus,
    /// Where the upload goes in media storage.
    pub upload_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<Found>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendition: Option<Rendition>,
    /// What was done to the file, in plain words ("converted from PNG", "cropped to 4:5").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Until when the upload URL works.
    pub upload_expires_at: DateTime<Utc>,
    /// When its files are deleted: a day after declaring while no post names it, then
    /// the retention period after the latest post that used it.
    pub expires_at: DateTime<Utc>,
    /// How many posts named it.
    #[serde(default)]
    pub posts: u32,
    /// The accounts whose posts named it: disconnecting one (or Meta's data deletion for
    /// it) expires the media at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountId>,
    /// Bytes held against the tenant's quota.
    pub counted_bytes: u64,
    pub version: u64,
}

impl Media {
    /// A declared medium, `uploading`, whose upload URL works for `upload_ttl` and which is
    /// deleted `unused_ttl` from now unless a post names it.
    pub fn declared(
        tenant: TenantId,
        uploaded_by: UserId,
        spec: UploadSpec,
        now: DateTime<Utc>,
        upload_ttl: TimeDelta,
        unused_ttl: TimeDelta,
    ) -> Self {
        let now = now.trunc_subsecs(3);
        let id = MediaId::generate();
        Self {
            upload_key: upload_key(&tenant, &id),
            id,
            tenant,
            uploaded_by,
            filename: spec.filename,
            declared: spec.declared,
            declared_size: spec.size,
            target: spec.target,
            fit: spec.fit,
            status: MediaStatus::Uploading,
            found: None,
            rendition: None,
            changes: Vec::new(),
            rejection: None,
            created_at: now,
            updated_at: now,
            upload_expires_at: now + upload_ttl,
            expires_at: now + unused_ttl,
            posts: 0,
            accounts: Vec::new(),
            counted_bytes: spec.size,
            version: 1,
        }
    }

    /// The next version of this record, changed at `now`.
    pub fn next(&self, now: DateTime<Utc>) -> Self {
        Self {
            updated_at: now.trunc_subsecs(3),
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// Whether it is a video.
    pub fn is_video(&self) -> bool {
        self.declared.is_video()
    }

    /// The key the converted file is stored under.
    pub fn rendition_key(&self) -> String {
        let ext = if self.is_video() { "mp4" } else { "jpg" };
        format!("media/{}/{}.{ext}", tenant_segment(&self.tenant), self.id)
    }
}

/// The tenant as one key segment: tenant ids may hold `|`, `:` and `@`, which are legal in
/// object keys but awkward in URLs and file names, so the segment is their hex.
fn tenant_segment(tenant: &TenantId) -> String {
    tenant
        .as_str()
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The tenant and medium an upload key names (what a storage notification carries).
pub fn upload_key_owner(key: &str) -> Option<(TenantId, MediaId)> {
    let rest = key.strip_prefix("uploads/")?;
    let (tenant_hex, id) = rest.split_once('/')?;
    if tenant_hex.len() % 2 != 0 || !tenant_hex.is_ascii() {
        return None;
    }
    let bytes = (0..tenant_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&tenant_hex[i..i + 2], 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let tenant = TenantId::parse(String::from_utf8(bytes).ok()?).ok()?;
    Some((tenant, MediaId::parse(id).ok()?))
}

/// Where an upload lands: under `uploads/`, which only the converter reads and which
/// storage empties after a day by itself.
fn upload_key(tenant: &TenantId, id: &MediaId) -> String {
    format!("uploads/{}/{id}", tenant_segment(tenant))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::media::MediaLimits;
    use crate::domain::media::UploadRequest;

    #[test]
    fn a_declared_medium_is_uploading_under_its_tenants_keys() {
        let spec = UploadRequest {
            filename: "a.png".into(),
            content_type: "image/png".into(),
            size: 42,
            ..UploadRequest::default()
        }
        .parse(&MediaLimits::default())
        .unwrap();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let m = Media::declared(
            TenantId::parse("acme|eu").unwrap(),
            UserId::parse("u1").unwrap(),
            spec,
            now,
            TimeDelta::minutes(15),
            TimeDelta::hours(24),
        );
        assert_eq!(m.status, MediaStatus::Uploading);
        assert_eq!(m.upload_key, format!("uploads/61636d657c6575/{}", m.id));
        assert_eq!(
            m.rendition_key(),
            format!("media/61636d657c6575/{}.jpg", m.id)
        );
        assert_eq!(m.expires_at, now + TimeDelta::hours(24));
        assert_eq!(m.counted_bytes, 42);
        assert_eq!(m.next(now).version, 2);
        assert_eq!(
            upload_key_owner(&m.upload_key),
            Some((m.tenant.clone(), m.id.clone()))
        );
        assert_eq!(upload_key_owner("uploads/zz/x"), None);
        assert_eq!(upload_key_owner("media/61/x"), None);
    }
}
