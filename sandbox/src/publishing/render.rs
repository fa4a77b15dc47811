//! How containers, media and the publishing quota read over Graph: only the requested
//! fields and `id`, Meta's names and shapes. URLs point at the never-resolving
//! `sandbox.igconnect.invalid`, like the catalogue's pictures.

use super::super::catalogue::{instagram_login_account, page_instagram_account};
use super::super::errors::GraphError;
use super::super::params;
use super::spec::Kind;
use super::store::{Media, Status, Store};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

/// Fields of an IG Container.
pub(crate) const CONTAINER_FIELDS: [&str; 3] = ["id", "status_code", "status"];
/// Fields of an IG Media.
pub(crate) const MEDIA_FIELDS: [&str; 15] = [
    "id",
    "caption",
    "media_type",
    "media_product_type",
    "media_url",
    "permalink",
    "shortcode",
    "thumbnail_url",
    "timestamp",
    "username",
    "owner",
    "is_shared_to_feed",
    "children",
    "like_count",
    "comments_count",
];
const LIMIT_FIELDS: [&str; 2] = ["quota_usage", "config"];
const HOST: &str = "https://sandbox.igconnect.invalid";

/// A container with `fields` (already selected, `id` first).
pub(crate) fn container(id: &str, status: Status, fields: &[String]) -> Value {
    let mut out = Map::new();
    for f in fields {
        let v: Value = match f.as_str() {
            "id" => id.into(),
            "status_code" => status_code(status).into(),
            _ => status_text(status).into(),
        };
        out.insert(f.clone(), v);
    }
    Value::Object(out)
}

fn status_code(status: Status) -> &'static str {
    match status {
        Status::InProgress => "IN_PROGRESS",
        Status::Finished => "FINISHED",
        Status::Error => "ERROR",
        Status::Expired => "EXPIRED",
        Status::Published => "PUBLISHED",
    }
}

/// Meta's `status` sentence; for `ERROR` it names the subcode (unknown upload error).
fn status_text(status: Status) -> &'static str {
    match status {
        Status::InProgress => "In Progress: Media is still being processed.",
        Status::Finished => "Finished: Media has been uploaded and it is ready to be published.",
        Status::Error => "Error: Media upload has failed with error code 2207053.",
        Status::Expired => "Expired: Media was not published within 24 hours.",
        Status::Published => "Published: Media has been published.",
    }
}

/// A media with `fields` (already selected, `id` first); absent values are left out.
pub(crate) fn media(store: &Store, m: &Media, fields: &[String]) -> Value {
    let mut out = Map::new();
    let video = m.kind.is_video();
    for f in fields {
        let v: Value = match f.as_str() {
            "id" => m.id.as_str().into(),
            "caption" => match &m.caption {
                Some(c) => c.as_str().into(),
                None => continue,
            },
            "media_type" => m.kind.media_type().into(),
            "media_product_type" => m.kind.product_type().into(),
            "media_url" => format!(
                "{HOST}/media/{}.{}",
                m.id,
                if video { "mp4" } else { "jpg" }
            )
            .into(),
            "permalink" => permalink(store, m).into(),
            "shortcode" => m.shortcode.as_str().into(),
            "thumbnail_url" if video => format!("{HOST}/media/{}.jpg", m.id).into(),
            "timestamp" => timestamp(m.timestamp).into(),
            "username" => username(&m.owner).into(),
            "owner" => json!({ "id": m.owner }),
            "is_shared_to_feed" if m.kind == Kind::Reel => m.share_to_feed.into(),
            "children" if m.kind == Kind::Carousel => {
                let data: Vec<Value> = m.children.iter().map(|c| json!({ "id": c })).collect();
                json!({ "data": data })
            }
            // Stories and carousel items have neither (Instagram counts on the album).
            "like_count" if counted(m) => {
                crate::engagement::like_count(&m.id, &m.owner, m.kind.product_type()).into()
            }
            "comments_count" if counted(m) => crate::engagement::comments_count(store, m).into(),
            _ => continue,
        };
        out.insert(f.clone(), v);
    }
    Value::Object(out)
}

/// Whether a media has likes and comments of its own.
fn counted(m: &Media) -> bool {
    m.parent.is_none() && m.kind.product_type() != "STORY"
}

/// Posts at `/p/`, Reels at `/reel/`, stories under the username; a carousel child links to
/// its album.
fn permalink(store: &Store, m: &Media) -> String {
    if let Some(album) = m.parent.as_deref().and_then(|p| store.media(p)) {
        return permalink(store, album);
    }
    match m.kind {
        Kind::Reel => format!("{HOST}/reel/{}/", m.shortcode),
        Kind::StoryImage | Kind::StoryVideo => {
            format!("{HOST}/stories/{}/{}/", username(&m.owner), m.id)
        }
        _ => format!("{HOST}/p/{}/", m.shortcode),
    }
}

/// Meta's timestamp shape: `2024-05-01T12:00:00+0000`.
fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%z").to_string()
}

fn username(account: &str) -> &'static str {
    page_instagram_account(account)
        .or_else(|| instagram_login_account(account))
        .map_or("", |a| a.username)
}

/// `content_publishing_limit`: `{"data":[{"quota_usage":N,"config":{...}}]}` with the
/// requested fields (default `quota_usage`).
pub(crate) fn publishing_limit(
    requested: Option<&str>,
    usage: u32,
    quota: u32,
    window_seconds: i64,
) -> Result<Value, GraphError> {
    let mut fields = params::list(requested);
    if fields.is_empty() {
        fields.push("quota_usage".to_owned());
    }
    let mut out = Map::new();
    for f in fields {
        let v = match f.as_str() {
            "quota_usage" => json!(usage),
            "config" => json!({ "quota_total": quota, "quota_duration": window_seconds }),
            _ if !LIMIT_FIELDS.contains(&f.as_str()) => {
                return Err(GraphError::nonexisting_field(&f, "ContentPublishingLimit"));
            }
            _ => continue,
        };
        out.insert(f, v);
    }
    Ok(json!({ "data": [Value::Object(out)] }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_like_metas() {
        let at = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z").unwrap();
        assert_eq!(
            timestamp(at.with_timezone(&Utc)),
            "2024-05-01T12:00:00+0000"
        );
    }

    #[test]
    fn the_limit_answers_usage_by_default_and_config_on_request() {
        let default = publishing_limit(None, 2, 100, 86_400).unwrap();
        assert_eq!(default, json!({"data": [{"quota_usage": 2}]}));
        let both = publishing_limit(Some("quota_usage,config"), 2, 100, 86_400).unwrap();
        assert_eq!(both["data"][0]["config"]["quota_total"], 100);
        assert!(publishing_limit(Some("nope"), 0, 1, 1).is_err());
    }
}
