//! What Meta's container endpoint (`POST /{ig-user-id}/media`) is sent for a post: one
//! container per carousel item, then the container that is published. Kept with the post
//! rules so that what was checked and what is sent cannot drift apart.

use super::{MediaItem, MediaKind, PostKind, PostSpec, UserTag};
use serde_json::{Value, json};

/// The parameters of one container, in Meta's names, as form fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerParams(Vec<(&'static str, String)>);

impl ContainerParams {
    fn push(&mut self, name: &'static str, value: impl Into<String>) {
        self.0.push((name, value.into()));
    }

    /// The fields, in the order they were added.
    pub fn fields(&self) -> &[(&'static str, String)] {
        &self.0
    }

    /// The same container sent by resumable upload: no `video_url` (Meta is sent the bytes
    /// instead), `upload_type=resumable`.
    pub fn resumable(mut self) -> Self {
        self.0.retain(|(name, _)| *name != "video_url");
        self.push("upload_type", "resumable");
        self
    }

    /// One field's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl PostSpec {
    /// The uploaded video a reel or a video story is sent by resumable upload, on login
    /// paths that have it (Facebook Login: Meta's resumable upload is for Facebook Login
    /// for Business apps only); carousel videos and Instagram Login go by signed URL.
    pub fn resumable_video(
        &self,
        login: crate::domain::LoginPath,
    ) -> Option<&crate::domain::MediaId> {
        if login != crate::domain::LoginPath::Facebook
            || !matches!(self.kind(), PostKind::Reel | PostKind::Story)
        {
            return None;
        }
        match self.media() {
            [item @ MediaItem::Video { .. }] => item.source().media_id(),
            _ => None,
        }
    }

    /// The carousel's item containers, in order; none for other kinds.
    pub fn child_containers(&self) -> Vec<ContainerParams> {
        if self.kind() != PostKind::Carousel {
            return Vec::new();
        }
        self.media()
            .iter()
            .map(|item| {
                let mut p = ContainerParams::default();
                p.push("is_carousel_item", "true");
                media_fields(&mut p, item, false);
                p
            })
            .collect()
    }

    /// The container that is published; `children` are the ids of
    /// [`child_containers`](Self::child_containers), created first.
    pub fn main_container(&self, children: &[String]) -> ContainerParams {
        let mut p = ContainerParams::default();
        match self.kind() {
            PostKind::Carousel => {
                p.push("media_type", "CAROUSEL");
                p.push("children", children.join(","));
            }
            PostKind::Image => media_fields(&mut p, &self.media()[0], false),
            PostKind::Reel => {
                p.push("media_type", "REELS");
                media_fields(&mut p, &self.media()[0], true);
            }
            PostKind::Story => {
                p.push("media_type", "STORIES");
                media_fields(&mut p, &self.media()[0], true);
            }
        }
        if let Some(caption) = self.caption() {
            p.push("caption", caption.as_str());
        }
        let options = self.options();
        if let Some(share) = options.share_to_feed {
            p.push("share_to_feed", share.to_string());
        }
        if let Some(cover) = options.cover.as_ref().and_then(|c| c.fetch_url()) {
            p.push("cover_url", cover);
        }
        if let Some(offset) = options.thumb_offset {
            p.push("thumb_offset", offset.to_string());
        }
        if let Some(location) = &options.location_id {
            p.push("location_id", location.as_str());
        }
        if !options.collaborators.is_empty() {
            let names: Vec<&str> = options.collaborators.iter().map(|h| h.as_str()).collect();
            p.push("collaborators", json!(names).to_string());
        }
        p
    }
}

/// The URL (and media type where the URL's name does not say it), alt text and user tags
/// of one item. `typed` is set when the caller already sent `media_type`. Uploads carry
/// their fetch URL by now ([`PostSpec::with_fetch_urls`]).
fn media_fields(p: &mut ContainerParams, item: &MediaItem, typed: bool) {
    match item {
        MediaItem::Image {
            source, alt_text, ..
        } => {
            p.push("image_url", source.fetch_url().unwrap_or_default());
            if let Some(alt) = alt_text {
                p.push("alt_text", alt.as_str());
            }
        }
        MediaItem::Video { source, .. } => {
            if !typed {
                p.push("media_type", "VIDEO");
            }
            p.push("video_url", source.fetch_url().unwrap_or_default());
        }
    }
    if !item.user_tags().is_empty() {
        p.push(
            "user_tags",
            user_tags(item.user_tags(), item.kind()).to_string(),
        );
    }
}

fn user_tags(tags: &[UserTag], kind: MediaKind) -> Value {
    let tags: Vec<Value> = tags
        .iter()
        .map(|t| match (kind, t.position) {
            (MediaKind::Image, Some(pos)) => {
                json!({ "username": t.username.as_str(), "x": pos.x, "y": pos.y })
            }
            _ => json!({ "username": t.username.as_str() }),
        })
        .collect();
    Value::Array(tags)
}

#[cfg(test)]
mod tests {
    use crate::domain::{MediaItemRequest, PostOptionsRequest, PostRequest};
    use chrono::{DateTime, Utc};

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn item(kind: &str, url: &str) -> MediaItemRequest {
        MediaItemRequest {
            url: url.into(),
            kind: kind.into(),
            ..MediaItemRequest::default()
        }
    }

    #[test]
    fn an_image_post_sends_its_url_caption_and_alt_text() {
        let mut media = item("image", "https://cdn.example/a.jpg");
        media.alt_text = Some("a cake".into());
        let spec = PostRequest {
            kind: "image".into(),
            media: vec![media],
            caption: Some("Fresh #bread".into()),
            ..PostRequest::default()
        }
        .parse(now())
        .unwrap();
        assert!(spec.child_containers().is_empty());
        let main = spec.main_container(&[]);
        assert_eq!(main.get("image_url"), Some("https://cdn.example/a.jpg"));
        assert_eq!(main.get("alt_text"), Some("a cake"));
        assert_eq!(main.get("caption"), Some("Fresh #bread"));
        assert_eq!(main.get("media_type"), None);
    }

    #[test]
    fn a_carousel_sends_items_first_then_the_album_with_their_ids() {
        let spec = PostRequest {
            kind: "carousel".into(),
            media: vec![
                item("image", "https://cdn.example/1.jpg"),
                item("video", "https://cdn.example/2.mp4"),
            ],
            caption: Some("Two".into()),
            ..PostRequest::default()
        }
        .parse(now())
        .unwrap();
        let children = spec.child_containers();
        assert_eq!(children.len(), 2);
        assert_eq!(children[0].get("is_carousel_item"), Some("true"));
        assert_eq!(children[0].get("caption"), None);
        assert_eq!(children[1].get("media_type"), Some("VIDEO"));
        assert_eq!(
            children[1].get("video_url"),
            Some("https://cdn.example/2.mp4")
        );
        let main = spec.main_container(&["c1".into(), "c2".into()]);
        assert_eq!(main.get("media_type"), Some("CAROUSEL"));
        assert_eq!(main.get("children"), Some("c1,c2"));
        assert_eq!(main.get("caption"), Some("Two"));
    }

    #[test]
    fn a_reel_sends_reels_with_its_options_and_collaborators_as_json() {
        let spec = PostRequest {
            kind: "reel".into(),
            media: vec![item("video", "https://cdn.example/r.mp4")],
            options: Some(PostOptionsRequest {
                share_to_feed: Some(false),
                thumb_offset: Some(1500),
                collaborators: Some(vec!["@nova.creates".into()]),
                ..PostOptionsRequest::default()
            }),
            ..PostRequest::default()
        }
        .parse(now())
        .unwrap();
        let main = spec.main_container(&[]);
        assert_eq!(main.get("media_type"), Some("REELS"));
        assert_eq!(main.get("video_url"), Some("https://cdn.example/r.mp4"));
        assert_eq!(main.get("share_to_feed"), Some("false"));
        assert_eq!(main.get("thumb_offset"), Some("1500"));
        assert_eq!(main.get("collaborators"), Some(r#"["nova.creates"]"#));
    }

    #[test]
    fn a_story_sends_stories_with_the_right_url_field() {
        for (kind, field) in [("image", "image_url"), ("video", "video_url")] {
            let spec = PostRequest {
                kind: "story".into(),
                media: vec![item(kind, "https://cdn.example/s")],
                ..PostRequest::default()
            }
            .parse(now())
            .unwrap();
            let main = spec.main_container(&[]);
            assert_eq!(main.get("media_type"), Some("STORIES"));
            assert_eq!(main.get(field), Some("https://cdn.example/s"));
        }
    }
}
