//! Meta's insights, media and comment endpoints (what happened after a post went out), and
//! the store of daily account metrics that keeps history beyond Meta's window.

use super::{GraphAccount, MetaError, StoreError};
use crate::domain::{AccountId, DayMetrics, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

/// One of the account's media, as `GET /{ig-user-id}/media` and `GET /{media-id}` list it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MediaSummary {
    pub id: String,
    /// `IMAGE`, `VIDEO`, `CAROUSEL_ALBUM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// `FEED`, `REELS`, `STORY`, `AD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_product_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub like_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments_count: Option<u64>,
    /// The Instagram account that owns the media (`owner{id}`); never serialized, used to
    /// check that a media id belongs to the account a route names.
    #[serde(skip)]
    pub owner_id: Option<String>,
}

/// A page of Meta's results with its opaque `after` cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphPage<T> {
    pub items: Vec<T>,
    /// Meta's `paging.cursors.after` when `paging.next` says there is more.
    pub after: Option<String>,
}

/// A comment or a reply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Comment {
    pub id: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub like_count: Option<u64>,
    pub hidden: bool,
    /// The comment this one replies to (`parent_id`), for replies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// The media the comment is on (`media{id}`); used to check a comment id belongs to the
    /// media a route names.
    #[serde(skip)]
    pub media_id: Option<String>,
    /// Replies as Meta lists them inline (its first page); empty for replies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<Comment>,
}

/// One metric's value, as Meta answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricValue {
    pub name: String,
    pub value: i64,
}

/// Meta's insights and media reads. Every call acts for one account with its token.
#[async_trait]
pub trait InsightsGraph: Send + Sync {
    /// `GET /{ig-user-id}/insights?metric=..&period=day&metric_type=total_value&since&until`
    /// for one UTC day: each metric's total that day. A metric Meta has no value for is
    /// absent from the answer.
    async fn account_insights_day(
        &self,
        account: &GraphAccount<'_>,
        metrics: &[&str],
        day: NaiveDate,
    ) -> Result<Vec<MetricValue>, MetaError>;

    /// `GET /{ig-user-id}/media`: the account's media, newest first.
    async fn media_list(
        &self,
        account: &GraphAccount<'_>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<GraphPage<MediaSummary>, MetaError>;

    /// `GET /{media-id}?fields=...,owner`: one media, with its owner.
    async fn media(
        &self,
        account: &GraphAccount<'_>,
        media_id: &str,
    ) -> Result<MediaSummary, MetaError>;

    /// `GET /{media-id}/insights?metric=..`: lifetime values.
    async fn media_insights(
        &self,
        account: &GraphAccount<'_>,
        media_id: &str,
        metrics: &[&str],
    ) -> Result<Vec<MetricValue>, MetaError>;
}

/// Meta's comment moderation endpoints.
#[async_trait]
pub trait CommentsGraph: Send + Sync {
    /// `GET /{media-id}/comments` with each comment's first replies.
    async fn comments(
        &self,
        account: &GraphAccount<'_>,
        media_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<GraphPage<Comment>, MetaError>;

    /// `GET /{comment-id}?fields=..,media`: one comment, with the media it is on.
    async fn comment(
        &self,
        account: &GraphAccount<'_>,
        comment_id: &str,
    ) -> Result<Comment, MetaError>;

    /// `POST /{comment-id}/replies?message=`: the reply's id.
    async fn reply(
        &self,
        account: &GraphAccount<'_>,
        comment_id: &str,
        message: &str,
    ) -> Result<String, MetaError>;

    /// `POST /{comment-id}?hide=true|false`.
    async fn set_hidden(
        &self,
        account: &GraphAccount<'_>,
        comment_id: &str,
        hidden: bool,
    ) -> Result<(), MetaError>;

    /// `DELETE /{comment-id}`.
    async fn delete_comment(
        &self,
        account: &GraphAccount<'_>,
        comment_id: &str,
    ) -> Result<(), MetaError>;
}

/// Both, for whole-stack wiring.
pub trait EngagementGraph: InsightsGraph + CommentsGraph {}

impl<T: InsightsGraph + CommentsGraph> EngagementGraph for T {}

/// The daily snapshots of account metrics. Kept per account; a day written twice keeps the
/// later values (Meta revises the last two days).
#[async_trait]
pub trait InsightSnapshots: Send + Sync {
    /// Stores `days` for the account, each replacing what was stored for its date.
    async fn save_days(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        days: &[DayMetrics],
    ) -> Result<(), StoreError>;

    /// The stored days from `from` to `to`, both included, in date order.
    async fn days(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DayMetrics>, StoreError>;
}
