//! Meta's insights, media and comment answers, as they really arrive: ids as strings or
//! numbers, timestamps as `2026-11-20T10:00:00+0000`, a metric's number under
//! `total_value.value` (account metrics read with `metric_type=total_value`) or in a
//! `values` list (media metrics, `period=lifetime`), replies nested as a listing of their
//! own, and paging as `paging.cursors.after` next to a `paging.next` that is only there when
//! more follows. Each shape turns into the port's type or a [`MetaError::Decode`].

use super::wire::{IdOnly, id_text};
use super::wire_publishing::timestamp;
use crate::ports::{Comment, GraphPage, MediaSummary, MetaError, MetricValue};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// An id that may be absent, as a string or a number (`parent_id`).
fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "id_text")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// `GET /{id}/insights`: `{"data":[{"name","period","title","total_value":{"value"}}]}` or
/// `{"data":[{"name","period","values":[{"value"}]}]}`.
#[derive(Deserialize)]
pub struct InsightsResponse {
    #[serde(default)]
    data: Vec<InsightRow>,
}

#[derive(Deserialize)]
struct InsightRow {
    name: String,
    #[serde(default)]
    total_value: Option<Number>,
    #[serde(default)]
    values: Vec<Number>,
}

/// `{"value": ...}`: a number, or something else (a breakdown object) that is no total.
#[derive(Deserialize)]
struct Number {
    #[serde(default)]
    value: Option<Value>,
}

impl Number {
    fn as_i64(&self) -> Option<i64> {
        let Some(Value::Number(n)) = &self.value else {
            return None;
        };
        // Averages (watch time) may come as decimals; a metric is reported as a whole number.
        n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64))
    }
}

impl InsightsResponse {
    /// Each metric Meta answered with a number: its `total_value`, else the sum of its
    /// `values` (one for a lifetime metric, one per day of the range otherwise). A metric
    /// without a number (absent, or only breakdowns) is left out, as Meta leaves out what it
    /// has no data for.
    pub fn into_values(self) -> Vec<MetricValue> {
        self.data
            .into_iter()
            .filter_map(|row| {
                let value = match row.total_value.as_ref().and_then(Number::as_i64) {
                    Some(v) => Some(v),
                    None => {
                        let points: Vec<i64> =
                            row.values.iter().filter_map(Number::as_i64).collect();
                        (!points.is_empty())
                            .then(|| points.iter().fold(0i64, |a, v| a.saturating_add(*v)))
                    }
                }?;
                Some(MetricValue {
                    name: row.name,
                    value,
                })
            })
            .collect()
    }
}

/// A page of a listing with Meta's cursors.
#[derive(Deserialize)]
pub struct CursorListing<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    #[serde(default)]
    paging: Option<CursorPaging>,
}

#[derive(Deserialize)]
struct CursorPaging {
    #[serde(default)]
    cursors: Option<Cursors>,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct Cursors {
    #[serde(default)]
    after: Option<String>,
}

impl<T> CursorListing<T> {
    /// The rows, each turned by `row`, and the `after` cursor when `next` says more follows
    /// (Meta sends cursors on the last page too; following them finds nothing).
    pub fn into_page<U>(
        self,
        row: impl FnMut(T) -> Result<U, MetaError>,
    ) -> Result<GraphPage<U>, MetaError> {
        let after = self
            .paging
            .filter(|p| p.next.is_some())
            .and_then(|p| p.cursors)
            .and_then(|c| c.after)
            .filter(|a| !a.is_empty());
        let items = self.data.into_iter().map(row).collect::<Result<_, _>>()?;
        Ok(GraphPage { items, after })
    }
}

/// An IG Media with the fields igconnect asks for.
#[derive(Deserialize)]
pub struct MediaFields {
    #[serde(deserialize_with = "id_text")]
    id: String,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    media_product_type: Option<String>,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    permalink: Option<String>,
    #[serde(default)]
    media_url: Option<String>,
    #[serde(default)]
    thumbnail_url: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    like_count: Option<u64>,
    #[serde(default)]
    comments_count: Option<u64>,
    #[serde(default)]
    owner: Option<IdOnly>,
}

impl MediaFields {
    /// The media as the port's type; an unreadable timestamp is refused, not dropped.
    pub fn into_summary(self) -> Result<MediaSummary, MetaError> {
        Ok(MediaSummary {
            timestamp: self.timestamp.as_deref().map(timestamp).transpose()?,
            id: self.id,
            media_type: self.media_type,
            media_product_type: self.media_product_type,
            caption: self.caption,
            permalink: self.permalink,
            media_url: self.media_url,
            thumbnail_url: self.thumbnail_url,
            like_count: self.like_count,
            comments_count: self.comments_count,
            owner_id: self.owner.map(|o| o.id),
        })
    }
}

/// An IG Comment: a top-level comment with its first replies, a reply, or one comment read
/// with `media`.
#[derive(Deserialize)]
pub struct CommentFields {
    #[serde(deserialize_with = "id_text")]
    id: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    like_count: Option<u64>,
    #[serde(default)]
    hidden: Option<bool>,
    #[serde(default, deserialize_with = "opt_id")]
    parent_id: Option<String>,
    #[serde(default)]
    media: Option<IdOnly>,
    #[serde(default)]
    replies: Option<CursorListing<CommentFields>>,
}

impl CommentFields {
    /// The comment as the port's type. `media_id` is the media it was listed under, used
    /// when Meta did not send `media` itself; replies take the comment's id as their
    /// `parent_id` when they do not carry one.
    pub fn into_comment(self, media_id: Option<&str>) -> Result<Comment, MetaError> {
        let media_id = self
            .media
            .map(|m| m.id)
            .or_else(|| media_id.map(str::to_owned));
        let replies = match self.replies {
            None => Vec::new(),
            Some(listing) => {
                listing
                    .into_page(|r| {
                        let mut reply = r.into_comment(media_id.as_deref())?;
                        reply.parent_id.get_or_insert_with(|| self.id.clone());
                        reply.replies.clear();
                        Ok(reply)
                    })?
                    .items
            }
        };
        Ok(Comment {
            timestamp: self.timestamp.as_deref().map(timestamp).transpose()?,
            id: self.id,
            text: self.text.unwrap_or_default(),
            username: self.username,
            like_count: self.like_count,
            hidden: self.hidden.unwrap_or(false),
            parent_id: self.parent_id,
            media_id,
            replies,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn decode<T: serde::de::DeserializeOwned>(body: &str) -> T {
        serde_json::from_str(body).unwrap()
    }

    #[test]
    fn account_metrics_are_read_from_total_value() {
        let body = r#"{"data":[
            {"name":"reach","period":"day","title":"Accounts reached","description":"d",
             "total_value":{"value":1234},"id":"17841400000000101/insights/reach/day"},
            {"name":"views","period":"day","title":"Views","total_value":{"value":4321},"id":"x"}
        ]}"#;
        let values = decode::<InsightsResponse>(body).into_values();
        assert_eq!(
            values,
            vec![
                MetricValue {
                    name: "reach".into(),
                    value: 1234
                },
                MetricValue {
                    name: "views".into(),
                    value: 4321
                },
            ]
        );
    }

    #[test]
    fn media_metrics_are_read_from_values_and_decimals_are_rounded() {
        let body = r#"{"data":[
            {"name":"reach","period":"lifetime","values":[{"value":88}],"title":"Reach","id":"m/insights/reach/lifetime"},
            {"name":"ig_reels_avg_watch_time","period":"lifetime","values":[{"value":4511.6}]}
        ]}"#;
        let values = decode::<InsightsResponse>(body).into_values();
        assert_eq!(values[0].value, 88);
        assert_eq!(values[1].value, 4512);
    }

    #[test]
    fn metrics_without_a_number_are_absent_not_zero() {
        let body = r#"{"data":[
            {"name":"reach","period":"day","values":[]},
            {"name":"follower_demographics","total_value":{"breakdowns":[]}},
            {"name":"navigation","total_value":{"value":{"tap_forward":3}}}
        ]}"#;
        assert!(decode::<InsightsResponse>(body).into_values().is_empty());
        assert!(
            decode::<InsightsResponse>(r#"{"data":[]}"#)
                .into_values()
                .is_empty()
        );
        assert!(decode::<InsightsResponse>(r#"{}"#).into_values().is_empty());
    }

    #[test]
    fn a_media_listing_reads_every_field_and_the_after_cursor_when_more_follows() {
        let body = r#"{"data":[{"id":17920000000010103,"media_type":"VIDEO",
            "media_product_type":"REELS","caption":"Process","permalink":"https://x/reel/a/",
            "media_url":"https://x/m.mp4","thumbnail_url":"https://x/m.jpg",
            "timestamp":"2026-11-20T10:00:00+0000","like_count":41,"comments_count":3,
            "owner":{"id":"17841400000000101"}}],
            "paging":{"cursors":{"before":"QQ","after":"QUZU"},"next":"https://graph/next"}}"#;
        let page = decode::<CursorListing<MediaFields>>(body)
            .into_page(MediaFields::into_summary)
            .unwrap();
        assert_eq!(page.after.as_deref(), Some("QUZU"));
        let m = &page.items[0];
        assert_eq!(m.id, "17920000000010103");
        assert_eq!(m.media_product_type.as_deref(), Some("REELS"));
        assert_eq!(m.like_count, Some(41));
        assert_eq!(m.comments_count, Some(3));
        assert_eq!(m.owner_id.as_deref(), Some("17841400000000101"));
        assert_eq!(
            m.timestamp,
            DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
                .ok()
                .map(|t| t.to_utc())
        );
    }

    #[test]
    fn the_last_page_has_no_after_cursor_even_when_meta_sends_cursors() {
        let body = r#"{"data":[{"id":"1"}],"paging":{"cursors":{"before":"QQ","after":"QUZU"}}}"#;
        let page = decode::<CursorListing<MediaFields>>(body)
            .into_page(MediaFields::into_summary)
            .unwrap();
        assert_eq!(page.after, None);
        assert_eq!(page.items[0].media_type, None);
        let empty = decode::<CursorListing<MediaFields>>(r#"{"data":[]}"#)
            .into_page(MediaFields::into_summary)
            .unwrap();
        assert!(empty.items.is_empty());
    }

    #[test]
    fn an_unreadable_media_timestamp_is_a_decode_error() {
        let body = r#"{"data":[{"id":"1","timestamp":"yesterday"}]}"#;
        let page = decode::<CursorListing<MediaFields>>(body).into_page(MediaFields::into_summary);
        assert!(matches!(page, Err(MetaError::Decode(_))));
    }

    #[test]
    fn comments_carry_their_replies_with_the_parent_and_media() {
        let body = r#"{"data":[{"id":"18000000000000101","text":"Love it","username":"maya",
            "timestamp":"2026-11-20T10:00:00+0000","like_count":4,"hidden":false,
            "replies":{"data":[
                {"id":18000000000000102,"text":"Thanks!","username":"sunrise.bakery",
                 "timestamp":"2026-11-20T11:00:00+0000","like_count":0,"hidden":true,
                 "parent_id":"18000000000000101"},
                {"id":"18000000000000103","text":"Same"}
            ]}}],
            "paging":{"cursors":{"after":"Q0"},"next":"https://graph/next"}}"#;
        let page = decode::<CursorListing<CommentFields>>(body)
            .into_page(|c| c.into_comment(Some("17920000000010101")))
            .unwrap();
        assert_eq!(page.after.as_deref(), Some("Q0"));
        let c = &page.items[0];
        assert_eq!(
            (c.text.as_str(), c.like_count, c.hidden),
            ("Love it", Some(4), false)
        );
        assert_eq!(c.media_id.as_deref(), Some("17920000000010101"));
        assert_eq!(c.parent_id, None);
        assert_eq!(c.replies.len(), 2);
        assert_eq!(c.replies[0].id, "18000000000000102");
        assert!(c.replies[0].hidden);
        assert_eq!(c.replies[1].parent_id.as_deref(), Some("18000000000000101"));
        assert_eq!(c.replies[1].media_id.as_deref(), Some("17920000000010101"));
    }

    #[test]
    fn one_comment_names_its_media_and_parent() {
        let c = decode::<CommentFields>(
            r#"{"id":"18000000000000102","text":"Thanks!","hidden":true,
            "parent_id":18000000000000101,"media":{"id":"17920000000010101"}}"#,
        )
        .into_comment(None)
        .unwrap();
        assert_eq!(c.media_id.as_deref(), Some("17920000000010101"));
        assert_eq!(c.parent_id.as_deref(), Some("18000000000000101"));
        assert!(c.hidden && c.replies.is_empty() && c.username.is_none());
        let bad = decode::<CommentFields>(r#"{"id":"1","timestamp":"soon"}"#).into_comment(None);
        assert!(matches!(bad, Err(MetaError::Decode(_))));
    }
}
