//! Media files on AWS: one private S3 bucket. Uploads arrive by presigned PUT (bound to the
//! declared type and size: S3 refuses any other), Meta fetches converted files by
//! presigned GET, videos are read by range (only their index, never whole) and kept by a
//! server-side copy. No bytes pass through a Lambda function on the way in or out.

use crate::ports::{FilesError, MediaFiles, UploadTarget};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use std::time::Duration;

/// A bucket of media files.
#[derive(Clone, Debug)]
pub struct S3MediaFiles {
    client: Client,
    bucket: String,
}

fn unavailable<E: std::error::Error + 'static>(e: E) -> FilesError {
    FilesError::Unavailable(DisplayErrorContext(e).to_string())
}

fn presigning(ttl: Duration) -> Result<PresigningConfig, FilesError> {
    PresigningConfig::expires_in(ttl).map_err(unavailable)
}

/// Whether an S3 error is "no such key" (HeadObject answers a bare 404).
fn not_found<E, R>(e: &SdkError<E, R>) -> bool
where
    E: aws_sdk_s3::error::ProvideErrorMetadata,
{
    match e {
        SdkError::ServiceError(s) => {
            matches!(s.err().code(), Some("NoSuchKey" | "NotFound"))
        }
        _ => false,
    }
}

impl S3MediaFiles {
    /// Files in `bucket`; the client is built once at init.
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    async fn body(
        &self,
        out: aws_sdk_s3::operation::get_object::GetObjectOutput,
    ) -> Result<Vec<u8>, FilesError> {
        let bytes = out.body.collect().await.map_err(unavailable)?;
        Ok(bytes.into_bytes().to_vec())
    }
}

#[async_trait]
impl MediaFiles for S3MediaFiles {
    async fn upload_target(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        ttl: Duration,
    ) -> Result<UploadTarget, FilesError> {
        let length = i64::try_from(size).map_err(|_| FilesError::TooLarge(size))?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(length)
            .customize()
            // Inside Lambda the SDK adds the invocation's `x-amzn-trace-id` (recursion
            // detection) and would sign it: the uploader could then only use the URL by
            // sending that header too, which the bucket's CORS rule has no reason to allow.
            .mutate_request(|req| {
                req.headers_mut().remove("x-amzn-trace-id");
            })
            .presigned(presigning(ttl)?)
            .await
            .map_err(unavailable)?;
        // The signed headers must be sent as they are; `host` is the URL's own, and
        // `content-length` every client sends by itself for a body of `size` bytes (a
        // browser refuses to set it by hand).
        let headers = request
            .headers()
            .filter(|(name, _)| {
                !name.eq_ignore_ascii_case("host") && !name.eq_ignore_ascii_case("content-length")
            })
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
            .collect();
        Ok(UploadTarget {
            url: request.uri().to_owned(),
            method: "PUT",
            headers,
        })
    }

    async fn fetch_url(&self, key: &str, ttl: Duration) -> Result<String, FilesError> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(presigning(ttl)?)
            .await
            .map_err(unavailable)?;
        Ok(request.uri().to_owned())
    }

    async fn size(&self, key: &str) -> Result<Option<u64>, FilesError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(out.content_length().unwrap_or(0).max(0) as u64)),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn read(&self, key: &str, max: u64) -> Result<Vec<u8>, FilesError> {
        match self.size(key).await? {
            None => return Err(FilesError::Missing),
            Some(len) if len > max => return Err(FilesError::TooLarge(max)),
            Some(_) => {}
        }
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                if not_found(&e) {
                    FilesError::Missing
                } else {
                    unavailable(e)
                }
            })?;
        self.body(out).await
    }

    async fn read_range(&self, key: &str, offset: u64, len: u64) -> Result<Vec<u8>, FilesError> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes={offset}-{}", offset + len - 1))
            .send()
            .await
            .map_err(|e| {
                if not_found(&e) {
                    FilesError::Missing
                } else {
                    unavailable(e)
                }
            })?;
        self.body(out).await
    }

    async fn write(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), FilesError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn copy(&self, from: &str, to: &str, content_type: &str) -> Result<(), FilesError> {
        // Media keys hold only URL-safe characters (hex, a UUID, `/`, `.`).
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{from}", self.bucket))
            .key(to)
            .content_type(content_type)
            .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
            .send()
            .await
            .map_err(|e| {
                if not_found(&e) {
                    FilesError::Missing
                } else {
                    unavailable(e)
                }
            })?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), FilesError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
