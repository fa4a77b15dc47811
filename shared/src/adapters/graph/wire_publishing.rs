//! Meta's content publishing answers, as they really arrive: ids as strings or numbers,
//! the publishing limit wrapped in a `data` array, `status_code` as a word, timestamps as
//! `2024-05-01T12:00:00+0000` (no colon in the offset, which RFC 3339 wants). Each shape
//! turns into the port's type or a [`MetaError::Decode`]: Meta answered 2xx, but not what
//! the call needs.

use super::wire::id_text;
use crate::ports::{ContainerStatus, MetaError, PublishedMedia, PublishingLimit};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// `{"id": ...}`: a created container or a published media.
#[derive(Deserialize)]
pub struct CreatedId {
    #[serde(deserialize_with = "id_text")]
    pub id: String,
}

impl CreatedId {
    /// The id, refused when empty: an empty id would name nothing in the next call.
    pub fn into_id(self) -> Result<String, MetaError> {
        if self.id.trim().is_empty() {
            return Err(MetaError::Decode("empty id".into()));
        }
        Ok(self.id)
    }
}

/// `content_publishing_limit?fields=quota_usage,config`:
/// `{"data":[{"quota_usage":N,"config":{"quota_total":M,"quota_duration":S}}]}`.
#[derive(Deserialize)]
pub struct LimitResponse {
    #[serde(default)]
    pub data: Vec<LimitRow>,
}

/// The one row of the limit: fields Meta leaves out when not asked are optional here, and
/// refused in [`LimitResponse::into_limit`].
#[derive(Deserialize)]
pub struct LimitRow {
    #[serde(default)]
    pub quota_usage: Option<u32>,
    #[serde(default)]
    pub config: Option<LimitConfig>,
}

/// `config`: the quota (`quota_duration`, always a day so far, is not needed).
#[derive(Deserialize)]
pub struct LimitConfig {
    pub quota_total: u32,
}

impl LimitResponse {
    /// The first row's usage and total; both must be there, since a quota read without the
    /// total is no answer to "may this account publish?".
    pub fn into_limit(self) -> Result<PublishingLimit, MetaError> {
        let row = self
            .data
            .into_iter()
            .next()
            .ok_or_else(|| MetaError::Decode("content_publishing_limit without data".into()))?;
        let quota_usage = row.quota_usage.ok_or_else(|| {
            MetaError::Decode("content_publishing_limit without quota_usage".into())
        })?;
        let config = row
            .config
            .ok_or_else(|| MetaError::Decode("content_publishing_limit without config".into()))?;
        Ok(PublishingLimit {
            quota_usage,
            quota_total: config.quota_total,
        })
    }
}

/// A container read with `fields=status_code`.
#[derive(Deserialize)]
pub struct ContainerRead {
    #[serde(default)]
    pub status_code: Option<String>,
}

impl ContainerRead {
    /// The status, refused when absent or a word Meta did not document.
    pub fn into_status(self) -> Result<ContainerStatus, MetaError> {
        let code = self
            .status_code
            .ok_or_else(|| MetaError::Decode("container without status_code".into()))?;
        Ok(match code.as_str() {
            "IN_PROGRESS" => ContainerStatus::InProgress,
            "FINISHED" => ContainerStatus::Finished,
            "PUBLISHED" => ContainerStatus::Published,
            "ERROR" => ContainerStatus::Error,
            "EXPIRED" => ContainerStatus::Expired,
            other => {
                let other: String = other.chars().take(32).collect();
                return Err(MetaError::Decode(format!("unknown status_code {other:?}")));
            }
        })
    }
}

/// A media read with `fields=permalink`.
#[derive(Deserialize)]
pub struct PermalinkRead {
    #[serde(default)]
    pub permalink: Option<String>,
}

/// A row of `GET /{ig-user-id}/media?fields=id,caption,permalink,timestamp`.
#[derive(Deserialize)]
pub struct MediaRow {
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub permalink: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
}

impl MediaRow {
    /// The row as the port's type; an unreadable timestamp is refused rather than dropped,
    /// since whoever reconciles a lost publish matches on it.
    pub fn into_media(self) -> Result<PublishedMedia, MetaError> {
        let timestamp = self.timestamp.as_deref().map(timestamp).transpose()?;
        Ok(PublishedMedia {
            id: self.id,
            caption: self.caption,
            permalink: self.permalink,
            timestamp,
        })
    }
}

/// Meta's `2024-05-01T12:00:00+0000`, or RFC 3339 should Meta ever send that.
pub fn timestamp(raw: &str) -> Result<DateTime<Utc>, MetaError> {
    DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(raw))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            let raw: String = raw.chars().take(40).collect();
            MetaError::Decode(format!("unreadable timestamp {raw:?}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode<T: serde::de::DeserializeOwned>(body: &str) -> T {
        serde_json::from_str(body).unwrap()
    }

    fn is_decode<T: std::fmt::Debug>(r: Result<T, MetaError>) -> bool {
        matches!(r, Err(MetaError::Decode(_)))
    }

    #[test]
    fn ids_are_read_as_strings_or_numbers() {
        let text: CreatedId = decode(r#"{"id":"17900000000000001"}"#);
        let number: CreatedId = decode(r#"{"id":17900000000000001}"#);
        assert_eq!(text.into_id().unwrap(), "17900000000000001");
        assert_eq!(number.into_id().unwrap(), "17900000000000001");
        assert!(is_decode(decode::<CreatedId>(r#"{"id":""}"#).into_id()));
        assert!(serde_json::from_str::<CreatedId>(r#"{"success":true}"#).is_err());
    }

    #[test]
    fn the_publishing_limit_reads_usage_and_total() {
        let body =
            r#"{"data":[{"quota_usage":2,"config":{"quota_total":100,"quota_duration":86400}}]}"#;
        let limit = decode::<LimitResponse>(body).into_limit().unwrap();
        assert_eq!(
            limit,
            PublishingLimit {
                quota_usage: 2,
                quota_total: 100
            }
        );
    }

    #[test]
    fn a_publishing_limit_without_data_config_or_usage_is_a_decode_error() {
        for body in [
            r#"{"data":[]}"#,
            r#"{}"#,
            r#"{"data":[{"quota_usage":2}]}"#,
            r#"{"data":[{"config":{"quota_total":100}}]}"#,
        ] {
            assert!(
                is_decode(decode::<LimitResponse>(body).into_limit()),
                "{body}"
            );
        }
        let negative = r#"{"data":[{"quota_usage":-1,"config":{"quota_total":100}}]}"#;
        assert!(serde_json::from_str::<LimitResponse>(negative).is_err());
    }

    #[test]
    fn every_documented_status_code_is_read() {
        for (word, status) in [
            ("IN_PROGRESS", ContainerStatus::InProgress),
            ("FINISHED", ContainerStatus::Finished),
            ("PUBLISHED", ContainerStatus::Published),
            ("ERROR", ContainerStatus::Error),
            ("EXPIRED", ContainerStatus::Expired),
        ] {
            let body = format!(r#"{{"status_code":"{word}","id":"1"}}"#);
            assert_eq!(
                decode::<ContainerRead>(&body).into_status().unwrap(),
                status
            );
        }
        assert!(is_decode(
            decode::<ContainerRead>(r#"{"status_code":"QUEUED"}"#).into_status()
        ));
        assert!(is_decode(
            decode::<ContainerRead>(r#"{"id":"1"}"#).into_status()
        ));
    }

    #[test]
    fn metas_timestamp_shape_is_read_and_rfc_3339_too() {
        let expected = DateTime::from_timestamp(1_714_564_800, 0).unwrap();
        assert_eq!(timestamp("2024-05-01T12:00:00+0000").unwrap(), expected);
        assert_eq!(timestamp("2024-05-01T14:00:00+0200").unwrap(), expected);
        assert_eq!(timestamp("2024-05-01T12:00:00Z").unwrap(), expected);
        assert!(is_decode(timestamp("yesterday")));
    }

    #[test]
    fn a_media_row_keeps_what_meta_sent() {
        let row: MediaRow = decode(
            r#"{"id":17950000000000001,"caption":"Fresh","timestamp":"2024-05-01T12:00:00+0000"}"#,
        );
        let media = row.into_media().unwrap();
        assert_eq!(media.id, "17950000000000001");
        assert_eq!(media.caption.as_deref(), Some("Fresh"));
        assert_eq!(media.permalink, None);
        assert!(media.timestamp.is_some());
        let bad: MediaRow = decode(r#"{"id":"1","timestamp":"soon"}"#);
        assert!(is_decode(bad.into_media()));
    }
}
