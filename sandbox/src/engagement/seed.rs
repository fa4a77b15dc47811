//! The sandbox's lived-in world: the posts every catalogue account made before igconnect
//! was connected (`SandboxOptions::seeded_media`), and the comments every post carries.
//! Both are pure functions of ids and times, so the same sandbox options give the same
//! world, and a comment id alone says which media and which comment it is.

use super::values::between;
use crate::catalogue::{INSTAGRAM_LOGIN_ACCOUNTS, PAGE_INSTAGRAM_ACCOUNTS};
use crate::publishing::{Kind, Media};
use chrono::{DateTime, TimeDelta, Utc};

/// Seeded media ids are `17920000000AAA0N`: this base, plus the account's last three digits
/// times 100, plus N (1 image, 2 carousel, 3 Reel, 4 story, 5 and 6 the carousel's items).
const SEEDED_MEDIA_BASE: u64 = 17_920_000_000_000_000;
/// Every media id (containers, published, seeded) is at least this.
const MEDIA_ID_FLOOR: u64 = 17_900_000_000_000_000;
/// Seeded comment ids are this base, plus (media id - [`MEDIA_ID_FLOOR`]) times 100, plus
/// the comment's number on its media (1 to 99): a comment id names its media.
const SEEDED_COMMENT_BASE: u64 = 18_000_000_000_000_000;

/// Every catalogue account's seeded posts, each account's oldest first, for the store to
/// keep before anything is published. `base` is when the sandbox started, so every seeded
/// post is older than anything published through it.
pub(crate) fn media(base: DateTime<Utc>) -> Vec<Media> {
    // Whole hours, as a person's posts are not stamped to the nanosecond.
    let base = base
        - TimeDelta::seconds(base.timestamp().rem_euclid(3600))
        - TimeDelta::nanoseconds(i64::from(base.timestamp_subsec_nanos()));
    PAGE_INSTAGRAM_ACCOUNTS
        .iter()
        .chain(INSTAGRAM_LOGIN_ACCOUNTS.iter())
        .flat_map(|a| account_media(a.id, a.username, base))
        .collect()
}

fn account_media(owner: &str, username: &str, base: DateTime<Utc>) -> Vec<Media> {
    let suffix = owner.parse::<u64>().map_or(0, |n| n % 1000);
    let id = |n: u64| (SEEDED_MEDIA_BASE + suffix * 100 + n).to_string();
    let post = |n: u64, kind: Kind, ago: TimeDelta, caption: Option<String>| Media {
        id: id(n),
        owner: owner.to_owned(),
        kind,
        caption,
        share_to_feed: kind == Kind::Reel,
        timestamp: base - ago,
        shortcode: format!("SBX{suffix}{n}"),
        children: Vec::new(),
        parent: None,
        seeded: true,
    };
    let album_at = TimeDelta::days(9);
    let mut album = post(
        2,
        Kind::Carousel,
        album_at,
        Some("This week in pictures, swipe for more →".into()),
    );
    album.children = vec![id(5), id(6)];
    let item = |n: u64| Media {
        parent: Some(id(2)),
        ..post(n, Kind::CarouselImage, album_at, None)
    };
    vec![
        post(
            1,
            Kind::Image,
            TimeDelta::days(21),
            Some(format!(
                "A quiet morning at @{username} ☀️ #behindthescenes"
            )),
        ),
        item(5),
        item(6),
        album,
        post(
            3,
            Kind::Reel,
            TimeDelta::days(3),
            Some("Start to finish in thirty seconds #process".into()),
        ),
        post(4, Kind::StoryImage, TimeDelta::hours(5), None),
    ]
}

/// One seeded comment of a media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SeededComment {
    pub id: String,
    /// The top-level comment this one replies to.
    pub parent: Option<String>,
    pub username: String,
    pub text: &'static str,
    pub timestamp: DateTime<Utc>,
    pub like_count: u64,
}

const FANS: [&str; 8] = [
    "maya.loves.bread",
    "jon_b",
    "the.daily.crumb",
    "kofi.shoots",
    "lena_draws",
    "rita.m",
    "samir.k",
    "harbor_fan",
];

const REMARKS: [&str; 8] = [
    "Looks amazing! 😍",
    "Where can I get this?",
    "Saving this for later",
    "Beautiful light in this one",
    "Is this on again this weekend?",
    "🔥🔥🔥",
    "Love it",
    "How long did this take?",
];

const FAN_REPLIES: [&str; 2] = ["Same question!", "Agreed, it's lovely"];
const OWNER_REPLIES: [&str; 2] = ["Thank you! 🙏", "This Saturday, from 8am!"];

/// The comments a media came with: 2 to 4 top-level comments from fans, the first with a
/// fan's reply and one of the owner's, the second with the owner's reply on every other
/// media. Stories and carousel items have none (Instagram has no comments on them).
pub(crate) fn comments(media: &Media, owner_username: &str) -> Vec<SeededComment> {
    if media.parent.is_some() || media.kind.product_type() == "STORY" {
        return Vec::new();
    }
    let Some(id_of) = comment_ids(&media.id) else {
        return Vec::new();
    };
    let pick = |what: &str, n: usize| {
        usize::try_from(between(&[&media.id, what], 0, n as u64 - 1)).unwrap_or(0)
    };
    let top_level = 2 + pick("comments", 3);
    let second_answered = pick("answered", 2) == 1;
    let mut out = Vec::new();
    let mut number = 0u64;
    let mut next = |parent: Option<&str>, username: String, text, minutes: i64| {
        number += 1;
        SeededComment {
            id: id_of(number),
            parent: parent.map(str::to_owned),
            username,
            text,
            timestamp: media.timestamp + TimeDelta::minutes(minutes),
            like_count: between(&[&media.id, "comment", &number.to_string()], 0, 25),
        }
    };
    for i in 0..top_level {
        let fan = (pick("fan", FANS.len()) + i) % FANS.len();
        let remark = (pick("remark", REMARKS.len()) + i) % REMARKS.len();
        let at = 37 * (i as i64 + 1);
        let comment = next(None, FANS[fan].to_owned(), REMARKS[remark], at);
        let parent = comment.id.clone();
        out.push(comment);
        if i == 0 {
            let other = FANS[(fan + 3) % FANS.len()].to_owned();
            out.push(next(Some(&parent), other, FAN_REPLIES[0], at + 9));
            out.push(next(
                Some(&parent),
                owner_username.to_owned(),
                OWNER_REPLIES[0],
                at + 21,
            ));
        } else if i == 1 && second_answered {
            out.push(next(
                Some(&parent),
                owner_username.to_owned(),
                OWNER_REPLIES[1],
                at + 15,
            ));
        }
    }
    out
}

/// The ids of a media's seeded comments, by their number on it; `None` for an id that is
/// not a sandbox media id.
fn comment_ids(media_id: &str) -> Option<impl Fn(u64) -> String> {
    let offset = media_id.parse::<u64>().ok()?.checked_sub(MEDIA_ID_FLOOR)?;
    let first = offset.checked_mul(100)?.checked_add(SEEDED_COMMENT_BASE)?;
    first.checked_add(99)?;
    Some(move |n: u64| (first + n).to_string())
}

/// The media a seeded comment id belongs to, and the comment's number on it.
pub(crate) fn media_of_comment(comment_id: &str) -> Option<(String, u64)> {
    let offset = comment_id
        .parse::<u64>()
        .ok()?
        .checked_sub(SEEDED_COMMENT_BASE)?;
    let number = offset % 100;
    if number == 0 {
        return None;
    }
    let media = (offset / 100).checked_add(MEDIA_ID_FLOOR)?;
    Some((media.to_string(), number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> Vec<Media> {
        let base = DateTime::parse_from_rfc3339("2026-11-20T10:17:42.5Z")
            .unwrap()
            .to_utc();
        media(base)
    }

    #[test]
    fn every_account_has_an_image_an_album_a_reel_and_a_story_before_the_start() {
        let all = world();
        let sunrise: Vec<&Media> = all
            .iter()
            .filter(|m| m.owner == "17841400000000101" && m.parent.is_none())
            .collect();
        let kinds: Vec<&str> = sunrise.iter().map(|m| m.kind.product_type()).collect();
        assert_eq!(kinds, ["FEED", "FEED", "REELS", "STORY"]);
        assert_eq!(sunrise[0].id, "17920000000010101");
        assert_eq!(
            sunrise[1].children,
            ["17920000000010105", "17920000000010106"]
        );
        assert!(sunrise.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
        let start = DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z").unwrap();
        assert_eq!(sunrise[3].timestamp, start - TimeDelta::hours(5));
        assert_eq!(all.len(), 6 * 6);
    }

    #[test]
    fn comment_ids_name_their_media_and_are_unique() {
        let all = world();
        let mut ids = Vec::new();
        for m in &all {
            for c in comments(m, "owner") {
                assert_eq!(
                    media_of_comment(&c.id).map(|(media, _)| media),
                    Some(m.id.clone())
                );
                ids.push(c.id);
            }
        }
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count);
        assert!(media_of_comment("17920000000010101").is_none());
        assert!(media_of_comment("18000000000000000").is_none());
    }

    #[test]
    fn posts_have_comments_with_replies_and_stories_have_none() {
        let all = world();
        let image = &all[0];
        let seeded = comments(image, "sunrise.bakery");
        let top: Vec<_> = seeded.iter().filter(|c| c.parent.is_none()).collect();
        assert!((2..=4).contains(&top.len()));
        let replies: Vec<_> = seeded.iter().filter(|c| c.parent.is_some()).collect();
        assert!(replies.iter().any(|r| r.username == "sunrise.bakery"));
        assert_eq!(replies[0].parent.as_deref(), Some(top[0].id.as_str()));
        assert_eq!(comments(image, "sunrise.bakery"), seeded);
        let story = all.iter().find(|m| m.kind == Kind::StoryImage).unwrap();
        assert!(comments(story, "x").is_empty());
        let item = all.iter().find(|m| m.parent.is_some()).unwrap();
        assert!(comments(item, "x").is_empty());
    }
}
