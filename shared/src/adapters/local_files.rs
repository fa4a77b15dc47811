//! Media files on the local stack: under `<data dir>/media/`, behind URLs on `serve` signed
//! like S3's presigned ones (HMAC-SHA256 over what the URL allows, with an expiry), so the
//! local flow has the same shape as AWS: the browser PUTs the file to a URL it was given,
//! and the sandbox GETs the converted file from another.

use crate::ports::{FilesError, MediaFiles, UploadTarget};
use aes_gcm::aead::{OsRng, rand_core::RngCore};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use url::Url;

/// The route `serve` takes uploads on.
pub const UPLOAD_PATH: &str = "media-files/upload";
/// The route `serve` hands files out on.
pub const FILE_PATH: &str = "media-files/file";

/// What a signed URL allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Upload,
    Fetch,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Fetch => "fetch",
        }
    }
}

/// The query of a signed URL, as `serve` receives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SignedQuery {
    pub key: String,
    #[serde(default, rename = "type")]
    pub content_type: String,
    #[serde(default)]
    pub size: u64,
    pub expires: u64,
    pub sig: String,
}

/// Why a signed URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    #[error("the URL's signature does not match what it is used for")]
    Invalid,
    #[error("the URL has expired")]
    Expired,
}

/// Why an upload body was refused.
#[derive(Debug, thiserror::Error)]
pub enum BodyRefusal {
    #[error("the upload is larger than the {0} bytes declared")]
    TooLarge(u64),
    #[error("the upload has {got} bytes but {want} were declared")]
    WrongSize { got: u64, want: u64 },
    #[error(transparent)]
    Files(#[from] FilesError),
}

/// Files under a directory, behind signed URLs on `base`.
pub struct LocalMediaFiles {
    root: PathBuf,
    base: Url,
    key: [u8; 32],
}

fn unavailable(e: impl std::fmt::Display) -> FilesError {
    FilesError::Unavailable(e.to_string())
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl LocalMediaFiles {
    /// Files under `root` (created), URLs on `base` (the server's origin, ending in `/`).
    /// The signing key is kept in `root/.signing-key`, so URLs outlive a restart.
    pub fn open(root: &Path, base: Url) -> Result<Self, FilesError> {
        std::fs::create_dir_all(root).map_err(unavailable)?;
        let key_path = root.join(".signing-key");
        let key = match std::fs::read(&key_path) {
            Ok(bytes) if bytes.len() == 32 => {
                let mut key = [0u8; 32];
                key.copy_from_slice(&bytes);
                key
            }
            _ => {
                let mut key = [0u8; 32];
                OsRng.fill_bytes(&mut key);
                write_private(&key_path, &key)?;
                key
            }
        };
        Ok(Self {
            root: root.to_owned(),
            base,
            key,
        })
    }

    fn signature(&self, op: Operation, q: &SignedQuery) -> String {
        // `new_from_slice` takes any key length for HMAC.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => return String::new(),
        };
        let text = format!(
            "{}\n{}\n{}\n{}\n{}",
            op.as_str(),
            q.key,
            q.content_type,
            q.size,
            q.expires
        );
        mac.update(text.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    fn signed_url(&self, op: Operation, q: &SignedQuery) -> Result<String, FilesError> {
        let path = match op {
            Operation::Upload => UPLOAD_PATH,
            Operation::Fetch => FILE_PATH,
        };
        let mut url = self.base.join(path).map_err(unavailable)?;
        url.query_pairs_mut()
            .append_pair("key", &q.key)
            .append_pair("type", &q.content_type)
            .append_pair("size", &q.size.to_string())
            .append_pair("expires", &q.expires.to_string())
            .append_pair("sig", &self.signature(op, q));
        Ok(url.into())
    }

    /// Checks a URL's query for `op`: signed by this store and not expired.
    pub fn verify(&self, op: Operation, q: &SignedQuery) -> Result<(), UrlRefusal> {
        let want = self.signature(op, q);
        let matches = want.len() == q.sig.len()
            && want
                .bytes()
                .zip(q.sig.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !matches {
            return Err(UrlRefusal::Invalid);
        }
        if q.expires < now_secs() {
            return Err(UrlRefusal::Expired);
        }
        Ok(())
    }

    /// The path of `key`, refused unless it is one of the keys media records make.
    fn path(&self, key: &str) -> Result<PathBuf, FilesError> {
        let safe = !key.is_empty()
            && key.split('/').all(|part| {
                !part.is_empty()
                    && part != "."
                    && part != ".."
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            });
        if !safe {
            return Err(FilesError::Missing);
        }
        Ok(self.root.join(key))
    }

    /// Stores an upload's body at `key`, streamed to a temporary file and moved into place
    /// only when exactly `size` bytes arrived, so a broken upload leaves nothing behind.
    pub async fn accept_upload<S, E>(
        &self,
        key: &str,
        size: u64,
        mut body: S,
    ) -> Result<(), BodyRefusal>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        use futures_util::StreamExt;
        let path = self.path(key)?;
        let tmp = temp_path(&path);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(unavailable)?;
        }
        let mut file = tokio::fs::File::create(&tmp).await.map_err(unavailable)?;
        let mut got = 0u64;
        let outcome = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| FilesError::Unavailable(e.to_string()))?;
                got += chunk.len() as u64;
                if got > size {
                    return Err(BodyRefusal::TooLarge(size));
                }
                file.write_all(&chunk).await.map_err(unavailable)?;
            }
            if got != size {
                return Err(BodyRefusal::WrongSize { got, want: size });
            }
            file.flush().await.map_err(unavailable)?;
            Ok(())
        }
        .await;
        drop(file);
        match outcome {
            Ok(()) => tokio::fs::rename(&tmp, &path)
                .await
                .map_err(|e| BodyRefusal::Files(unavailable(e))),
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                Err(e)
            }
        }
    }

    /// The file at `key` for a verified fetch URL, with its length.
    pub async fn open_file(&self, key: &str) -> Result<(tokio::fs::File, u64), FilesError> {
        let path = self.path(key)?;
        let file = tokio::fs::File::open(&path).await.map_err(missing)?;
        let len = file.metadata().await.map_err(unavailable)?.len();
        Ok((file, len))
    }
}

fn missing(e: std::io::Error) -> FilesError {
    if e.kind() == std::io::ErrorKind::NotFound {
        FilesError::Missing
    } else {
        unavailable(e)
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_owned()).unwrap_or_default();
    name.push(format!(".{}.part", uuid::Uuid::new_v4()));
    path.with_file_name(name)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), FilesError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(unavailable)?;
    file.write_all(bytes).map_err(unavailable)
}

#[async_trait]
impl MediaFiles for LocalMediaFiles {
    async fn upload_target(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        ttl: Duration,
    ) -> Result<UploadTarget, FilesError> {
        self.path(key)?;
        let q = SignedQuery {
            key: key.to_owned(),
            content_type: content_type.to_owned(),
            size,
            expires: now_secs() + ttl.as_secs(),
            sig: String::new(),
        };
        Ok(UploadTarget {
            url: self.signed_url(Operation::Upload, &q)?,
            method: "PUT",
            headers: vec![("content-type".into(), content_type.to_owned())],
        })
    }

    async fn fetch_url(&self, key: &str, ttl: Duration) -> Result<String, FilesError> {
        self.path(key)?;
        let q = SignedQuery {
            key: key.to_owned(),
            expires: now_secs() + ttl.as_secs(),
            ..SignedQuery::default()
        };
        self.signed_url(Operation::Fetch, &q)
    }

    async fn size(&self, key: &str) -> Result<Option<u64>, FilesError> {
        match tokio::fs::metadata(self.path(key)?).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn read(&self, key: &str, max: u64) -> Result<Vec<u8>, FilesError> {
        let (mut file, len) = self.open_file(key).await?;
        if len > max {
            return Err(FilesError::TooLarge(max));
        }
        let mut out = Vec::with_capacity(len as usize);
        file.read_to_end(&mut out).await.map_err(unavailable)?;
        Ok(out)
    }

    async fn read_range(&self, key: &str, offset: u64, len: u64) -> Result<Vec<u8>, FilesError> {
        let (mut file, size) = self.open_file(key).await?;
        let len = len.min(size.saturating_sub(offset));
        file.seek(SeekFrom::Start(offset))
            .await
            .map_err(unavailable)?;
        let mut out = vec![0u8; len as usize];
        file.read_exact(&mut out).await.map_err(unavailable)?;
        Ok(out)
    }

    async fn write(&self, key: &str, bytes: Vec<u8>, _: &str) -> Result<(), FilesError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(unavailable)?;
        }
        let tmp = temp_path(&path);
        tokio::fs::write(&tmp, bytes).await.map_err(unavailable)?;
        tokio::fs::rename(&tmp, &path).await.map_err(unavailable)
    }

    async fn copy(&self, from: &str, to: &str, _: &str) -> Result<(), FilesError> {
        let (from, to) = (self.path(from)?, self.path(to)?);
        if let Some(dir) = to.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(unavailable)?;
        }
        let tmp = temp_path(&to);
        tokio::fs::copy(&from, &tmp).await.map_err(missing)?;
        tokio::fs::rename(&tmp, &to).await.map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> Result<(), FilesError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (LocalMediaFiles, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let base = Url::parse("http://127.0.0.1:9/").unwrap();
        (LocalMediaFiles::open(dir.path(), base).unwrap(), dir)
    }

    fn query(url: &str) -> SignedQuery {
        let url = Url::parse(url).unwrap();
        let q: String = url.query().unwrap().to_owned();
        serde_urlencoded_like(&q)
    }

    fn serde_urlencoded_like(q: &str) -> SignedQuery {
        let pairs: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect();
        SignedQuery {
            key: pairs["key"].clone(),
            content_type: pairs["type"].clone(),
            size: pairs["size"].parse().unwrap(),
            expires: pairs["expires"].parse().unwrap(),
            sig: pairs["sig"].clone(),
        }
    }

    #[tokio::test]
    async fn an_upload_url_verifies_for_what_it_was_signed_and_nothing_else() {
        let (files, _dir) = store();
        let target = files
            .upload_target("uploads/61/m1", "image/png", 10, Duration::from_secs(60))
            .await
            .unwrap();
        assert!(
            target
                .url
                .starts_with("http://127.0.0.1:9/media-files/upload?")
        );
        let q = query(&target.url);
        assert_eq!(files.verify(Operation::Upload, &q), Ok(()));
        assert_eq!(files.verify(Operation::Fetch, &q), Err(UrlRefusal::Invalid));
        let bigger = SignedQuery {
            size: 11,
            ..q.clone()
        };
        assert_eq!(
            files.verify(Operation::Upload, &bigger),
            Err(UrlRefusal::Invalid)
        );
        let other = SignedQuery {
            key: "uploads/61/m2".into(),
            ..q.clone()
        };
        assert_eq!(
            files.verify(Operation::Upload, &other),
            Err(UrlRefusal::Invalid)
        );
    }

    #[tokio::test]
    async fn an_expired_url_is_refused_as_expired() {
        let (files, _dir) = store();
        let mut q = SignedQuery {
            key: "media/61/m1.jpg".into(),
            expires: now_secs() - 1,
            ..SignedQuery::default()
        };
        q.sig = files.signature(Operation::Fetch, &q);
        assert_eq!(files.verify(Operation::Fetch, &q), Err(UrlRefusal::Expired));
    }

    #[tokio::test]
    async fn an_upload_of_the_wrong_size_leaves_nothing() {
        let (files, _dir) = store();
        let chunks = |parts: Vec<&'static [u8]>| {
            futures_util::stream::iter(
                parts
                    .into_iter()
                    .map(|p| Ok::<_, std::io::Error>(bytes::Bytes::from_static(p))),
            )
        };
        let short = files
            .accept_upload("uploads/61/a", 5, chunks(vec![b"abc"]))
            .await;
        assert!(matches!(
            short,
            Err(BodyRefusal::WrongSize { got: 3, want: 5 })
        ));
        let long = files
            .accept_upload("uploads/61/a", 2, chunks(vec![b"ab", b"c"]))
            .await;
        assert!(matches!(long, Err(BodyRefusal::TooLarge(2))));
        assert_eq!(files.size("uploads/61/a").await.unwrap(), None);
        files
            .accept_upload("uploads/61/a", 4, chunks(vec![b"ab", b"cd"]))
            .await
            .unwrap();
        assert_eq!(files.read_range("uploads/61/a", 1, 2).await.unwrap(), b"bc");
        assert_eq!(
            files.read("uploads/61/a", 3).await.unwrap_err().to_string(),
            "the file is larger than 3 bytes"
        );
    }

    #[tokio::test]
    async fn keys_cannot_leave_the_directory() {
        let (files, _dir) = store();
        for key in ["../x", "uploads/../../x", "/etc/passwd", "a//b", ""] {
            assert!(
                matches!(files.size(key).await, Err(FilesError::Missing)),
                "{key}"
            );
        }
    }
}
