//! What igconnect can tell about results: which insight metrics Meta offers for an account
//! and for each kind of media at the configured Graph version, and the day-by-day history
//! igconnect keeps of an account's metrics.
//!
//! Meta renames and retires metrics between Graph versions (`impressions`, `plays` and
//! `video_views` went away in 2025, `views` replaced them). Every name igconnect accepts or
//! sends is in [`ACCOUNT_METRICS`] or [`MEDIA_METRICS`], with the version that retired it
//! where it is gone, so a Graph version bump is one table to review.

use chrono::{NaiveDate, TimeDelta};
use std::collections::BTreeMap;

/// The kinds of media Meta reports different metrics for (`media_product_type`, with
/// `FEED` covering images and carousels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaSurface {
    Feed,
    Reels,
    Story,
}

impl MediaSurface {
    /// From Meta's `media_product_type` (`FEED`, `REELS`, `STORY`; `AD` media are feed).
    pub fn from_product_type(s: &str) -> Self {
        match s.to_ascii_uppercase().as_str() {
            "REELS" => Self::Reels,
            "STORY" => Self::Story,
            _ => Self::Feed,
        }
    }

    /// The wire name, as Meta spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feed => "FEED",
            Self::Reels => "REELS",
            Self::Story => "STORY",
        }
    }
}

/// One metric name Meta knows, where it applies, and the Graph major version that retired
/// it (`None`: still offered).
#[derive(Debug, Clone, Copy)]
pub struct MetricDef {
    pub name: &'static str,
    pub surfaces: &'static [MediaSurface],
    pub retired_in: Option<u32>,
}

const ALL: &[MediaSurface] = &[MediaSurface::Feed, MediaSurface::Reels, MediaSurface::Story];
const FEED: &[MediaSurface] = &[MediaSurface::Feed];
const REELS: &[MediaSurface] = &[MediaSurface::Reels];
const STORY: &[MediaSurface] = &[MediaSurface::Story];
const FEED_STORY: &[MediaSurface] = &[MediaSurface::Feed, MediaSurface::Story];
const FEED_REELS: &[MediaSurface] = &[MediaSurface::Feed, MediaSurface::Reels];

const fn m(name: &'static str, surfaces: &'static [MediaSurface]) -> MetricDef {
    MetricDef {
        name,
        surfaces,
        retired_in: None,
    }
}

const fn retired(name: &'static str, surfaces: &'static [MediaSurface], in_v: u32) -> MetricDef {
    MetricDef {
        name,
        surfaces,
        retired_in: Some(in_v),
    }
}

/// Media metrics (`GET /{media-id}/insights`), lifetime values.
pub const MEDIA_METRICS: &[MetricDef] = &[
    m("reach", ALL),
    m("views", ALL),
    m("likes", FEED_REELS),
    m("comments", FEED_REELS),
    m("saved", FEED_REELS),
    m("shares", ALL),
    m("total_interactions", ALL),
    m("profile_visits", FEED_STORY),
    m("profile_activity", FEED_STORY),
    m("follows", FEED_STORY),
    m("ig_reels_avg_watch_time", REELS),
    m("ig_reels_video_view_total_time", REELS),
    m("replies", STORY),
    m("navigation", STORY),
    retired("impressions", ALL, 22),
    retired("plays", REELS, 22),
    retired("clips_replays_count", REELS, 22),
    retired("ig_reels_aggregated_all_plays_count", REELS, 22),
    retired("video_views", FEED, 21),
    retired("engagement", FEED, 18),
    retired("exits", STORY, 18),
    retired("taps_forward", STORY, 18),
    retired("taps_back", STORY, 18),
];

/// The metric igconnect adds to an account's metrics from the profile it syncs: Meta keeps
/// no history of the follower count, igconnect's daily snapshot does.
pub const FOLLOWERS_COUNT: &str = "followers_count";

/// Account metrics (`GET /{ig-user-id}/insights?period=day&metric_type=total_value`), one
/// value per day. `surfaces` is unused for account metrics.
pub const ACCOUNT_METRICS: &[MetricDef] = &[
    m("reach", ALL),
    m("views", ALL),
    m("accounts_engaged", ALL),
    m("total_interactions", ALL),
    m("likes", ALL),
    m("comments", ALL),
    m("shares", ALL),
    m("saves", ALL),
    m("replies", ALL),
    m("profile_views", ALL),
    m("website_clicks", ALL),
    m("profile_links_taps", ALL),
    m(FOLLOWERS_COUNT, ALL),
    retired("impressions", ALL, 22),
    retired("email_contacts", ALL, 21),
    retired("phone_call_clicks", ALL, 21),
    retired("text_message_clicks", ALL, 21),
    retired("get_directions_clicks", ALL, 21),
];

/// Why a metric list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricError {
    #[error(
        "unknown metric `{name}`; supported {}: {}",
        what, supported.join(", ")
    )]
    Unknown {
        name: String,
        what: &'static str,
        supported: Vec<&'static str>,
    },
    #[error(
        "metric `{name}` was retired by Meta in Graph API v{retired_in}.0; supported {}: {}",
        what, supported.join(", ")
    )]
    Retired {
        name: String,
        retired_in: u32,
        what: &'static str,
        supported: Vec<&'static str>,
    },
    /// Meta refused a metric the table offers (a media type it has no value for, or a
    /// retirement the table has not caught up with).
    #[error("Meta refused the metrics: {message}; supported: {}", supported.join(", "))]
    RefusedByMeta {
        message: String,
        supported: Vec<&'static str>,
    },
    #[error("too many metrics: at most {max} at once")]
    TooMany { max: usize },
}

impl MetricError {
    /// The names that would have been accepted.
    pub fn supported(&self) -> &[&'static str] {
        match self {
            Self::Unknown { supported, .. }
            | Self::Retired { supported, .. }
            | Self::RefusedByMeta { supported, .. } => supported,
            Self::TooMany { .. } => &[],
        }
    }
}

/// The metric tables at one Graph API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricCatalog {
    major: u32,
}

impl MetricCatalog {
    /// The catalogue for a version like `v24.0`; an unparseable version reads as the newest.
    pub fn for_version(graph_version: &str) -> Self {
        let major = graph_version
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(u32::MAX);
        Self { major }
    }

    fn offered(&self, def: &MetricDef) -> bool {
        def.retired_in.is_none_or(|v| self.major < v)
    }

    /// Account metrics offered at this version, in the table's order.
    pub fn account_metrics(&self) -> Vec<&'static str> {
        ACCOUNT_METRICS
            .iter()
            .filter(|d| self.offered(d))
            .map(|d| d.name)
            .collect()
    }

    /// The account metrics Meta itself answers (all but [`FOLLOWERS_COUNT`]).
    pub fn meta_account_metrics(&self) -> Vec<&'static str> {
        self.account_metrics()
            .into_iter()
            .filter(|n| *n != FOLLOWERS_COUNT)
            .collect()
    }

    /// Media metrics offered for `surface` at this version.
    pub fn media_metrics(&self, surface: MediaSurface) -> Vec<&'static str> {
        MEDIA_METRICS
            .iter()
            .filter(|d| self.offered(d) && d.surfaces.contains(&surface))
            .map(|d| d.name)
            .collect()
    }

    /// Parses a comma-separated `metrics` parameter for an account; empty or absent: all.
    pub fn parse_account(&self, list: Option<&str>) -> Result<Vec<&'static str>, MetricError> {
        self.parse(
            list,
            ACCOUNT_METRICS,
            self.account_metrics(),
            "account metrics",
        )
    }

    /// Parses a `metrics` parameter for one media of `surface`; empty or absent: all.
    pub fn parse_media(
        &self,
        list: Option<&str>,
        surface: MediaSurface,
    ) -> Result<Vec<&'static str>, MetricError> {
        let what = match surface {
            MediaSurface::Feed => "metrics for feed posts",
            MediaSurface::Reels => "metrics for reels",
            MediaSurface::Story => "metrics for stories",
        };
        let table: Vec<MetricDef> = MEDIA_METRICS
            .iter()
            .filter(|d| d.surfaces.contains(&surface))
            .copied()
            .collect();
        self.parse(list, &table, self.media_metrics(surface), what)
    }

    fn parse(
        &self,
        list: Option<&str>,
        table: &[MetricDef],
        supported: Vec<&'static str>,
        what: &'static str,
    ) -> Result<Vec<&'static str>, MetricError> {
        let names: Vec<&str> = list
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if names.is_empty() {
            return Ok(supported);
        }
        if names.len() > MAX_METRICS {
            return Err(MetricError::TooMany { max: MAX_METRICS });
        }
        let mut out: Vec<&'static str> = Vec::with_capacity(names.len());
        for name in names {
            match table.iter().find(|d| d.name == name) {
                Some(def) if self.offered(def) => {
                    if !out.contains(&def.name) {
                        out.push(def.name);
                    }
                }
                Some(def) => {
                    return Err(MetricError::Retired {
                        name: name.to_owned(),
                        retired_in: def.retired_in.unwrap_or_default(),
                        what,
                        supported,
                    });
                }
                None => {
                    return Err(MetricError::Unknown {
                        name: name.chars().take(64).collect(),
                        what,
                        supported,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// More metrics than this in one request are refused (Meta's own lists are shorter).
pub const MAX_METRICS: usize = 32;

/// The longest date range one account insights request may span, in days.
pub const MAX_RANGE_DAYS: i64 = 93;

/// How far back Meta answers daily account insights. Older days come only from igconnect's
/// snapshots; a day older than this that no snapshot holds is reported as missing.
pub const META_WINDOW: TimeDelta = TimeDelta::days(90);

/// How many missing days one snapshot catches up on for an account (its first snapshot,
/// or after a gap): the rest of Meta's window is read on demand.
pub const SNAPSHOT_BACKFILL_DAYS: i64 = 7;

/// One account's metrics for one UTC day, as stored by the daily snapshot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DayMetrics {
    pub date: NaiveDate,
    /// Metric name -> value. A metric Meta had no value for is absent, not zero.
    pub values: BTreeMap<String, i64>,
}

/// A metric's values over a range, one per day that has one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MetricSeries {
    pub metric: String,
    pub period: &'static str,
    pub values: Vec<DayValue>,
}

/// One day's value of a metric.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DayValue {
    pub date: NaiveDate,
    pub value: i64,
}

/// Turns days of metrics into one series per requested metric, in the requested order,
/// days ascending; a day without a value for a metric is left out of that metric's series.
pub fn series(metrics: &[&str], days: &[DayMetrics]) -> Vec<MetricSeries> {
    let mut sorted: Vec<&DayMetrics> = days.iter().collect();
    sorted.sort_by_key(|d| d.date);
    metrics
        .iter()
        .map(|metric| MetricSeries {
            metric: (*metric).to_owned(),
            period: "day",
            values: sorted
                .iter()
                .filter_map(|d| {
                    d.values.get(*metric).map(|v| DayValue {
                        date: d.date,
                        value: *v,
                    })
                })
                .collect(),
        })
        .collect()
}

/// What an igconnect feature needs from Meta beyond connecting and publishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    Insights,
    Comments,
}

impl Feature {
    pub const ALL: [Feature; 2] = [Feature::Insights, Feature::Comments];

    /// The configuration name (`IGC_OPTIONAL_FEATURES`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Insights => "insights",
            Self::Comments => "comments",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "insights" => Some(Self::Insights),
            "comments" => Some(Self::Comments),
            _ => None,
        }
    }

    /// The scope the feature needs on `login`.
    pub fn scope(self, login: super::LoginPath) -> &'static str {
        use super::LoginPath::{Facebook, Instagram};
        match (self, login) {
            (Self::Insights, Facebook) => "instagram_manage_insights",
            (Self::Insights, Instagram) => "instagram_business_manage_insights",
            (Self::Comments, Facebook) => "instagram_manage_comments",
            (Self::Comments, Instagram) => "instagram_business_manage_comments",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_metrics_are_refused_with_the_supported_list() {
        let catalog = MetricCatalog::for_version("v24.0");
        let err = catalog
            .parse_media(Some("reach,impressions"), MediaSurface::Feed)
            .unwrap_err();
        assert!(matches!(err, MetricError::Retired { retired_in: 22, .. }));
        assert!(err.supported().contains(&"views"));
        assert!(!err.supported().contains(&"impressions"));
    }

    #[test]
    fn older_versions_still_offer_what_they_offered() {
        let old = MetricCatalog::for_version("v21.0");
        assert!(
            old.media_metrics(MediaSurface::Feed)
                .contains(&"impressions")
        );
        assert!(
            !old.media_metrics(MediaSurface::Feed)
                .contains(&"video_views")
        );
        let new = MetricCatalog::for_version("v24.0");
        assert!(
            !new.media_metrics(MediaSurface::Feed)
                .contains(&"impressions")
        );
    }

    #[test]
    fn metrics_depend_on_the_media_surface() {
        let c = MetricCatalog::for_version("v24.0");
        assert!(
            c.media_metrics(MediaSurface::Reels)
                .contains(&"ig_reels_avg_watch_time")
        );
        assert!(
            !c.media_metrics(MediaSurface::Feed)
                .contains(&"ig_reels_avg_watch_time")
        );
        assert!(c.media_metrics(MediaSurface::Story).contains(&"navigation"));
        let err = c
            .parse_media(Some("navigation"), MediaSurface::Reels)
            .unwrap_err();
        assert!(matches!(err, MetricError::Unknown { .. }));
    }

    #[test]
    fn unknown_names_are_refused_and_empty_means_all() {
        let c = MetricCatalog::for_version("v24.0");
        assert!(matches!(
            c.parse_account(Some("reach,bogus")),
            Err(MetricError::Unknown { .. })
        ));
        assert_eq!(c.parse_account(None).unwrap(), c.account_metrics());
        assert_eq!(
            c.parse_account(Some(" reach , reach,views")).unwrap(),
            vec!["reach", "views"]
        );
    }

    #[test]
    fn series_follow_the_requested_order_and_skip_missing_days() {
        let day = |d: u32, reach: Option<i64>| DayMetrics {
            date: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            values: reach
                .map(|r| BTreeMap::from([("reach".to_owned(), r)]))
                .unwrap_or_default(),
        };
        let out = series(
            &["views", "reach"],
            &[day(3, Some(30)), day(1, Some(10)), day(2, None)],
        );
        assert_eq!(out[0].metric, "views");
        assert!(out[0].values.is_empty());
        let reach: Vec<i64> = out[1].values.iter().map(|v| v.value).collect();
        assert_eq!(reach, vec![10, 30]);
    }
}
