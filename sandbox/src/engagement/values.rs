//! The numbers the sandbox reports, made up but stable: each is drawn from a hash of what it
//! describes (account, day and metric; media and metric) into a range sensible for the
//! metric, scaled by the account's followers. The same question always gets the same
//! answer, in any sandbox, so tests can compare across calls, restarts and login paths.
//! Totals are sums of their parts (`total_interactions` = likes + comments + shares +
//! saves + replies), so the numbers also agree with each other.

use crate::catalogue::{instagram_login_account, page_instagram_account};
use chrono::NaiveDate;

/// FNV-1a over `parts` (separated, so `("ab","c")` and `("a","bc")` differ), then
/// SplitMix64's finalizer to spread the bits: stable across Rust versions and platforms,
/// unlike `std`'s hasher.
fn hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// A number from `lo` to `hi` (both included) picked by `parts`.
pub(crate) fn between(parts: &[&str], lo: u64, hi: u64) -> u64 {
    lo + hash(parts) % (hi.saturating_sub(lo) + 1)
}

/// `followers` scaled by a per-mille picked from `lo..=hi`.
fn permille(parts: &[&str], followers: u64, lo: u64, hi: u64) -> i64 {
    let scaled = followers.saturating_mul(between(parts, lo, hi)) / 1000;
    i64::try_from(scaled).unwrap_or(i64::MAX)
}

/// A catalogue account's followers; an account outside the catalogue is never asked about,
/// but gets a modest audience rather than none.
pub(crate) fn followers(ig_user_id: &str) -> u64 {
    page_instagram_account(ig_user_id)
        .or_else(|| instagram_login_account(ig_user_id))
        .map_or(1000, |a| a.followers_count)
}

/// Per-mille ranges of followers for an account's daily metrics that are not derived.
fn account_range(metric: &str) -> (u64, u64) {
    match metric {
        "reach" => (120, 480),
        "likes" => (15, 70),
        "comments" => (1, 8),
        "shares" => (1, 9),
        "saves" => (1, 12),
        "replies" => (0, 4),
        "profile_views" => (8, 40),
        "website_clicks" => (0, 5),
        "profile_links_taps" => (0, 7),
        // Metrics older Graph versions still offer (`impressions`, `email_contacts`...).
        _ => (20, 400),
    }
}

/// The account's total for `metric` on `day`.
pub(crate) fn account_day(ig_user_id: &str, day: NaiveDate, metric: &str) -> i64 {
    let followers = followers(ig_user_id);
    let date = day.to_string();
    let base = |m: &str| {
        let (lo, hi) = account_range(m);
        permille(&[ig_user_id, &date, m], followers, lo, hi)
    };
    let interactions = || {
        ["likes", "comments", "shares", "saves", "replies"]
            .iter()
            .map(|m| base(m))
            .sum::<i64>()
    };
    match metric {
        "total_interactions" => interactions(),
        "accounts_engaged" => {
            let share = between(&[ig_user_id, &date, metric], 55, 85);
            (interactions() * i64::try_from(share).unwrap_or(70) / 100).max(1)
        }
        "views" => {
            let factor = between(&[ig_user_id, &date, metric], 150, 300);
            base("reach") * i64::try_from(factor).unwrap_or(200) / 100
        }
        other => base(other),
    }
}

/// What a media's numbers depend on.
pub(crate) struct MediaFacts<'a> {
    pub id: &'a str,
    pub owner: &'a str,
    /// `FEED`, `REELS` or `STORY`.
    pub product_type: &'a str,
    /// Its comments right now (seeded, added and not deleted), replies included.
    pub comments: u64,
}

/// A media's `like_count`: Reels reach further and collect more.
pub(crate) fn like_count(id: &str, owner: &str, product_type: &str) -> u64 {
    let (lo, hi) = if product_type == "REELS" {
        (20, 110)
    } else {
        (12, 60)
    };
    let likes = permille(&[id, "likes"], followers(owner), lo, hi);
    u64::try_from(likes).unwrap_or_default()
}

/// A media's lifetime value of `metric` (already checked to apply to the media).
pub(crate) fn media_lifetime(media: &MediaFacts<'_>, metric: &str) -> i64 {
    let followers = followers(media.owner);
    let pick = |m: &str, lo: u64, hi: u64| permille(&[media.id, m], followers, lo, hi);
    let factor =
        |lo: u64, hi: u64| i64::try_from(between(&[media.id, metric], lo, hi)).unwrap_or(1);
    let reach = || pick("reach", 60, 350);
    let views = || reach() * factor(130, 260) / 100;
    let likes =
        || i64::try_from(like_count(media.id, media.owner, media.product_type)).unwrap_or(0);
    let comments = || i64::try_from(media.comments).unwrap_or(i64::MAX);
    let saved = || pick("saved", 1, 10);
    let shares = || pick("shares", 1, 12);
    let replies = || pick("replies", 0, 4);
    let profile_visits = || pick("profile_visits", 2, 14);
    let avg_watch_ms =
        || i64::try_from(between(&[media.id, "avg_watch"], 2_500, 14_000)).unwrap_or(0);
    match metric {
        "reach" => reach(),
        "views" => views(),
        "likes" => likes(),
        "comments" => comments(),
        "saved" => saved(),
        "shares" => shares(),
        "replies" => replies(),
        "total_interactions" if media.product_type == "STORY" => replies() + shares(),
        "total_interactions" => likes() + comments() + saved() + shares(),
        "profile_visits" => profile_visits(),
        "profile_activity" => profile_visits() + pick("profile_activity", 0, 5),
        "follows" => pick("follows", 0, 3),
        "navigation" => reach() * factor(40, 140) / 100,
        "ig_reels_avg_watch_time" => avg_watch_ms(),
        "ig_reels_video_view_total_time" => views().saturating_mul(avg_watch_ms()),
        other => pick(other, 30, 300),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUNRISE: &str = "17841400000000101";

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn the_same_question_gets_the_same_answer_and_other_days_differ() {
        let a = account_day(SUNRISE, day(20), "reach");
        assert_eq!(a, account_day(SUNRISE, day(20), "reach"));
        let week: Vec<i64> = (1..=7)
            .map(|d| account_day(SUNRISE, day(d), "reach"))
            .collect();
        assert!(week.iter().any(|r| *r != week[0]), "{week:?}");
    }

    #[test]
    fn account_values_are_plausible_and_add_up() {
        for d in 1..=28 {
            let reach = account_day(SUNRISE, day(d), "reach");
            assert!((182..=730).contains(&reach), "{reach}");
            assert!(account_day(SUNRISE, day(d), "views") >= reach);
            let parts: i64 = ["likes", "comments", "shares", "saves", "replies"]
                .iter()
                .map(|m| account_day(SUNRISE, day(d), m))
                .sum();
            assert_eq!(account_day(SUNRISE, day(d), "total_interactions"), parts);
            assert!(account_day(SUNRISE, day(d), "likes") < reach);
            assert!(account_day(SUNRISE, day(d), "accounts_engaged") <= parts.max(1));
        }
    }

    #[test]
    fn media_values_agree_with_the_media_fields() {
        let reel = MediaFacts {
            id: "17920000000010103",
            owner: SUNRISE,
            product_type: "REELS",
            comments: 5,
        };
        let likes = media_lifetime(&reel, "likes");
        assert_eq!(
            u64::try_from(likes).unwrap(),
            like_count(reel.id, reel.owner, "REELS")
        );
        assert_eq!(media_lifetime(&reel, "comments"), 5);
        let total = likes + 5 + media_lifetime(&reel, "saved") + media_lifetime(&reel, "shares");
        assert_eq!(media_lifetime(&reel, "total_interactions"), total);
        assert!(media_lifetime(&reel, "views") >= media_lifetime(&reel, "reach"));
        let avg = media_lifetime(&reel, "ig_reels_avg_watch_time");
        assert!((2_500..=14_000).contains(&avg));
    }

    #[test]
    fn the_hash_separates_its_parts() {
        assert_ne!(hash(&["ab", "c"]), hash(&["a", "bc"]));
        assert_eq!(between(&["x"], 5, 5), 5);
    }
}
