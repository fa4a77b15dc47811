//! Meta's content publishing endpoints, as the publish use case needs them. Both login
//! paths publish the same way; only the Graph host differs (Facebook Graph for accounts
//! connected through a Page, Instagram Graph for Instagram Login), which the adapter picks
//! from [`GraphAccount::login`].

use super::MetaError;
use crate::domain::{ContainerParams, IgUserId, LoginPath};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// The account a call acts for, and the token it acts with.
pub struct GraphAccount<'a> {
    pub login: LoginPath,
    pub ig_user_id: &'a IgUserId,
    pub token: &'a SecretString,
}

/// `content_publishing_limit`: what the account used of its quota, and the quota, both as
/// Meta reports them at the time of the call (never a constant of ours: Meta has changed it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishingLimit {
    pub quota_usage: u32,
    pub quota_total: u32,
}

impl PublishingLimit {
    /// Whether another publish would go over the quota.
    pub fn is_used_up(&self) -> bool {
        self.quota_usage >= self.quota_total
    }
}

/// A container's `status_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerStatus {
    /// Meta is still downloading or processing the media.
    InProgress,
    /// Ready to publish.
    Finished,
    /// Already published.
    Published,
    /// Processing failed.
    Error,
    /// Not published within 24 hours of its creation.
    Expired,
}

/// One of the account's published media, as listed by `GET /{ig-user-id}/media`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedMedia {
    pub id: String,
    pub caption: Option<String>,
    pub permalink: Option<String>,
    pub timestamp: Option<DateTime<Utc>>,
}

/// Content publishing. None of these calls is retried by the adapter: creating twice makes
/// two containers and publishing twice makes two posts, so retrying is the use case's
/// decision.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// `GET /{ig-user-id}/content_publishing_limit?fields=quota_usage,config`.
    async fn publishing_limit(
        &self,
        account: &GraphAccount<'_>,
    ) -> Result<PublishingLimit, MetaError>;

    /// `POST /{ig-user-id}/media`: a new container's id.
    async fn create_container(
        &self,
        account: &GraphAccount<'_>,
        params: &ContainerParams,
    ) -> Result<String, MetaError>;

    /// `GET /{container-id}?fields=status_code`.
    async fn container_status(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
    ) -> Result<ContainerStatus, MetaError>;

    /// `POST /{ig-user-id}/media_publish?creation_id=`: the published media's id.
    async fn publish_container(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
    ) -> Result<String, MetaError>;

    /// `GET /{media-id}?fields=permalink`.
    async fn permalink(
        &self,
        account: &GraphAccount<'_>,
        media_id: &str,
    ) -> Result<Option<String>, MetaError>;

    /// `POST {upload host}/ig-api-upload/{ver}/{container}` with `offset` and `file_size`:
    /// one chunk of a resumable video container's bytes (Facebook Login only). Sending a
    /// chunk again from the offset Meta holds is safe: Meta refuses a wrong offset.
    async fn upload_video_chunk(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
        offset: u64,
        total: u64,
        chunk: Vec<u8>,
    ) -> Result<(), MetaError>;

    /// How many bytes of a resumable container Meta holds (where an interrupted upload
    /// resumes).
    async fn uploaded_offset(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
    ) -> Result<u64, MetaError>;

    /// `GET /{ig-user-id}/media?fields=id,caption,permalink,timestamp&limit=`: the account's
    /// latest media, newest first. Used to find what a publish whose answer was lost made.
    async fn recent_media(
        &self,
        account: &GraphAccount<'_>,
        limit: u32,
    ) -> Result<Vec<PublishedMedia>, MetaError>;
}
