//! Comments on the sandbox's media. A media's seeded comments are a pure function of it
//! (`seed::comments`); what the state keeps is only what changed since: comments and
//! replies added (`POST .../replies`, `POST .../comments`, `_inspect/comments`), which are
//! hidden, which were deleted. Reading a media's comments merges the two.

use super::fields::Field;
use super::seed::{self, media_of_comment};
use crate::catalogue::{instagram_login_account, page_instagram_account};
use crate::publishing::{Media, Store};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// Comments added through the sandbox count up from here: below the seeded ones and above
/// every media id the sandbox hands out.
const FIRST_ADDED_ID: u64 = 17_990_000_000_000_000;

/// What changed in the comments since the sandbox started.
#[derive(Debug, Default)]
pub(crate) struct Comments {
    added_count: u64,
    /// Oldest first.
    added: Vec<Added>,
    hidden: HashSet<String>,
    deleted: HashSet<String>,
}

#[derive(Debug)]
struct Added {
    id: String,
    media_id: String,
    parent: Option<String>,
    username: String,
    text: String,
    timestamp: DateTime<Utc>,
}

/// A comment as Graph reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommentView {
    pub id: String,
    pub media_id: String,
    pub parent_id: Option<String>,
    pub username: String,
    pub text: String,
    pub timestamp: DateTime<Utc>,
    pub like_count: u64,
    pub hidden: bool,
}

/// Fields of an IG Comment.
pub(crate) const COMMENT_FIELDS: [&str; 9] = [
    "id",
    "text",
    "username",
    "timestamp",
    "like_count",
    "hidden",
    "parent_id",
    "media",
    "replies",
];
/// What Graph answers when no `fields` are asked for.
pub(crate) const DEFAULT_FIELDS: [&str; 3] = ["id", "text", "timestamp"];

impl Comments {
    /// Adds a comment (a reply when `parent` is set) and answers its id.
    pub fn add(
        &mut self,
        media_id: &str,
        parent: Option<&str>,
        username: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> String {
        self.added_count += 1;
        let id = (FIRST_ADDED_ID + self.added_count).to_string();
        self.added.push(Added {
            id: id.clone(),
            media_id: media_id.to_owned(),
            parent: parent.map(str::to_owned),
            username: username.to_owned(),
            text: text.to_owned(),
            timestamp: now,
        });
        id
    }

    pub fn set_hidden(&mut self, id: &str, hidden: bool) {
        if hidden {
            self.hidden.insert(id.to_owned());
        } else {
            self.hidden.remove(id);
        }
    }

    /// Deletes a comment; its replies go with it.
    pub fn delete(&mut self, id: &str) {
        self.deleted.insert(id.to_owned());
    }

    fn gone(&self, id: &str, parent: Option<&str>) -> bool {
        self.deleted.contains(id) || parent.is_some_and(|p| self.deleted.contains(p))
    }
}

/// The username of a catalogue account (the media owner, when it replies).
pub(crate) fn username_of(account: &str) -> &'static str {
    page_instagram_account(account)
        .or_else(|| instagram_login_account(account))
        .map_or("", |a| a.username)
}

/// Every live comment of `media`, replies included, oldest first.
pub(crate) fn of_media(store: &Store, media: &Media) -> Vec<CommentView> {
    let state = &store.comments;
    let seeded = seed::comments(media, username_of(&media.owner))
        .into_iter()
        .map(|c| CommentView {
            hidden: state.hidden.contains(&c.id),
            id: c.id,
            media_id: media.id.clone(),
            parent_id: c.parent,
            username: c.username,
            text: c.text.to_owned(),
            timestamp: c.timestamp,
            like_count: c.like_count,
        });
    let added = state
        .added
        .iter()
        .filter(|a| a.media_id == media.id)
        .map(|a| added_view(state, a));
    let mut all: Vec<CommentView> = seeded
        .chain(added)
        .filter(|c| !state.gone(&c.id, c.parent_id.as_deref()))
        .collect();
    all.sort_by(|a, b| (a.timestamp, &a.id).cmp(&(b.timestamp, &b.id)));
    all
}

fn added_view(state: &Comments, a: &Added) -> CommentView {
    CommentView {
        id: a.id.clone(),
        media_id: a.media_id.clone(),
        parent_id: a.parent.clone(),
        username: a.username.clone(),
        text: a.text.clone(),
        timestamp: a.timestamp,
        like_count: 0,
        hidden: state.hidden.contains(&a.id),
    }
}

/// How many live comments `media` has, replies included (`comments_count`).
pub(crate) fn count(store: &Store, media: &Media) -> u64 {
    u64::try_from(of_media(store, media).len()).unwrap_or(u64::MAX)
}

/// A media's top-level comments, newest first, each with its replies oldest first.
pub(crate) fn threads(store: &Store, media: &Media) -> Vec<(CommentView, Vec<CommentView>)> {
    let all = of_media(store, media);
    let mut out: Vec<(CommentView, Vec<CommentView>)> = all
        .iter()
        .filter(|c| c.parent_id.is_none())
        .map(|top| {
            let replies = all
                .iter()
                .filter(|r| r.parent_id.as_deref() == Some(top.id.as_str()))
                .cloned()
                .collect();
            (top.clone(), replies)
        })
        .collect();
    out.reverse();
    out
}

/// A live comment by id, with the media it is on.
pub(crate) fn find<'a>(store: &'a Store, id: &str) -> Option<(CommentView, &'a Media)> {
    let media_id = match media_of_comment(id) {
        Some((media_id, _)) => media_id,
        None => store
            .comments
            .added
            .iter()
            .find(|a| a.id == id)?
            .media_id
            .clone(),
    };
    let media = store.media(&media_id)?;
    let comment = of_media(store, media).into_iter().find(|c| c.id == id)?;
    Some((comment, media))
}

/// The ordering key of a comment in a newest-first listing, as an opaque cursor: it stays
/// meaningful when the comment it was taken from is deleted meanwhile.
pub(crate) fn cursor(c: &CommentView) -> String {
    use base64::Engine;
    let key = format!("{}:{}", c.timestamp.timestamp_millis(), c.id);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
}

/// Whether `c` comes after the cursor's comment in a newest-first listing; `None` for a
/// cursor the sandbox did not make.
pub(crate) fn after_cursor(cursor: &str) -> Option<impl Fn(&CommentView) -> bool + use<>> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (millis, id) = raw.split_once(':')?;
    let millis: i64 = millis.parse().ok()?;
    let id = id.to_owned();
    Some(move |c: &CommentView| (c.timestamp.timestamp_millis(), c.id.as_str()) < (millis, &id))
}

/// A comment with `fields` (checked against [`COMMENT_FIELDS`]); `replies` are rendered
/// with their own fields, and left out when there are none, as Graph does.
pub(crate) fn render(c: &CommentView, replies: &[CommentView], fields: &[Field]) -> Value {
    let mut out = Map::new();
    for f in fields {
        let v: Value = match f.name.as_str() {
            "id" => c.id.as_str().into(),
            "text" => c.text.as_str().into(),
            "username" => c.username.as_str().into(),
            "timestamp" => timestamp(c.timestamp).into(),
            "like_count" => c.like_count.into(),
            "hidden" => c.hidden.into(),
            "parent_id" => match &c.parent_id {
                Some(p) => p.as_str().into(),
                None => continue,
            },
            "media" => json!({ "id": c.media_id }),
            "replies" if !replies.is_empty() => {
                let sub = sub_fields(f);
                let data: Vec<Value> = replies.iter().map(|r| render(r, &[], &sub)).collect();
                json!({ "data": data })
            }
            _ => continue,
        };
        out.insert(f.name.clone(), v);
    }
    Value::Object(out)
}

/// The fields asked of an expanded edge, or the defaults; `replies` of replies never nest.
pub(crate) fn sub_fields(f: &Field) -> Vec<Field> {
    if f.sub.is_empty() {
        DEFAULT_FIELDS
            .iter()
            .map(|n| Field {
                name: (*n).to_owned(),
                sub: Vec::new(),
            })
            .collect()
    } else {
        f.sub
            .iter()
            .filter(|s| s.name != "replies")
            .cloned()
            .collect()
    }
}

/// Meta's timestamp shape: `2024-05-01T12:00:00+0000`.
fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagement::fields;

    fn store() -> Store {
        let mut s = Store::default();
        s.seed(seed::media(Utc::now()));
        s
    }

    fn image(s: &Store) -> Media {
        s.media("17920000000010101").unwrap().clone()
    }

    #[test]
    fn an_added_reply_joins_its_thread_and_deleting_the_parent_removes_both() {
        let mut s = store();
        let media = image(&s);
        let (top, _) = threads(&s, &media).pop().unwrap();
        let before = count(&s, &media);
        let reply = s.comments.add(
            &media.id,
            Some(&top.id),
            "sunrise.bakery",
            "Thanks",
            Utc::now(),
        );
        assert_eq!(count(&s, &media), before + 1);
        let (found, on) = find(&s, &reply).unwrap();
        assert_eq!(
            (found.parent_id.as_deref(), on.id.as_str()),
            (Some(top.id.as_str()), media.id.as_str())
        );
        s.comments.delete(&top.id);
        assert!(find(&s, &top.id).is_none());
        assert!(find(&s, &reply).is_none());
        assert!(count(&s, &media) < before);
    }

    #[test]
    fn hiding_is_remembered_per_comment() {
        let mut s = store();
        let media = image(&s);
        let (top, _) = threads(&s, &media).remove(0);
        s.comments.set_hidden(&top.id, true);
        assert!(find(&s, &top.id).unwrap().0.hidden);
        s.comments.set_hidden(&top.id, false);
        assert!(!find(&s, &top.id).unwrap().0.hidden);
    }

    #[test]
    fn threads_list_newest_first_and_a_cursor_resumes_after_its_comment() {
        let s = store();
        let media = image(&s);
        let threads = threads(&s, &media);
        assert!(
            threads
                .windows(2)
                .all(|w| w[0].0.timestamp >= w[1].0.timestamp)
        );
        let after = after_cursor(&cursor(&threads[0].0)).unwrap();
        let rest: Vec<_> = threads.iter().filter(|t| after(&t.0)).collect();
        assert_eq!(rest.len(), threads.len() - 1);
        assert!(after_cursor("not a cursor").is_none());
    }

    #[test]
    fn replies_render_with_their_own_fields_and_only_when_there_are_some() {
        let s = store();
        let media = image(&s);
        let (top, replies) = threads(&s, &media).pop().unwrap();
        let f = fields::parse(Some("id,hidden,replies{id,parent_id}"), &[]).unwrap();
        let v = render(&top, &replies, &f);
        assert_eq!(v["hidden"], false);
        assert_eq!(v["replies"]["data"][0]["parent_id"], top.id.as_str());
        assert!(v["replies"]["data"][0].get("text").is_none());
        assert!(render(&top, &[], &f).get("replies").is_none());
    }
}
