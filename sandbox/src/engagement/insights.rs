//! `GET /{ig-user-id}/insights` and `GET /{media-id}/insights`, checked as Meta checks
//! them: metric names per Graph version and, for media, per surface (FEED, REELS, STORY),
//! account metrics as daily totals (`period=day&metric_type=total_value`) over a range of
//! at most 30 days within the last 90, media metrics as lifetime values. Which names exist
//! where is igconnect's own catalogue (`igconnect::domain::MetricCatalog`), the one table
//! igconnect reviews on a Graph version bump; the numbers come from `values`.

use super::values::{MediaFacts, account_day, media_lifetime};
use crate::errors::GraphError;
use crate::params::{Params, list};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use igconnect::domain::{ACCOUNT_METRICS, MEDIA_METRICS, MediaSurface, MetricCatalog, MetricDef};
use serde_json::{Value, json};

/// Daily account insights go back this far from the sandbox's today; older days have none.
pub(crate) const ACCOUNT_WINDOW_DAYS: i64 = 90;
/// The longest `since`..`until` range one account insights call may span.
const MAX_RANGE: TimeDelta = TimeDelta::days(30);

/// The `metric` parameter's names, or Meta's error when there is none.
fn requested(params: &Params) -> Result<Vec<String>, GraphError> {
    let names = list(params.get("metric"));
    if names.is_empty() {
        return Err(GraphError::new(
            100,
            None,
            "(#100) The parameter metric is required",
        ));
    }
    Ok(names)
}

/// Meta's refusal of a metric it does not offer at this version.
fn retired(def: &MetricDef, what: &str) -> GraphError {
    GraphError::new(
        100,
        None,
        format!(
            "(#100) Starting from version v{}.0 and above, the {} metric is no longer \
             supported for the queried {what}. Please refer to the documentation for a list \
             of supported metrics.",
            def.retired_in.unwrap_or_default(),
            def.name
        ),
    )
}

/// Meta's refusal of a name it does not know, by its position in `metric`.
fn unknown(index: usize, offered: &[&str]) -> GraphError {
    GraphError::new(
        100,
        None,
        format!(
            "(#100) metric[{index}] must be one of the following values: {}",
            offered.join(", ")
        ),
    )
}

/// `GET /{ig-user-id}/insights`: each requested metric's total over `since`..`until`
/// (Unix seconds; default the last whole UTC day), summed over the days in the range up to
/// today. A range reaching further back than the window, or lying wholly in the future,
/// has no data: `{"data":[]}`, as Meta answers what it does not have.
pub(crate) fn account(
    account: &str,
    version: &str,
    params: &Params,
    now: DateTime<Utc>,
) -> Result<Value, GraphError> {
    let names = requested(params)?;
    let catalog = MetricCatalog::for_version(version);
    let offered = catalog.meta_account_metrics();
    for (i, name) in names.iter().enumerate() {
        if offered.contains(&name.as_str()) {
            continue;
        }
        return Err(match ACCOUNT_METRICS.iter().find(|d| d.name == name) {
            Some(def) if def.retired_in.is_some() => retired(def, "user"),
            _ => unknown(i, &offered),
        });
    }
    match params.get("period") {
        Some("day") => {}
        None => {
            return Err(GraphError::new(
                100,
                None,
                "(#100) The parameter period is required",
            ));
        }
        Some(_) => {
            return Err(GraphError::new(
                100,
                None,
                "(#100) period must be one of the following values: day",
            ));
        }
    }
    if params.get("metric_type") != Some("total_value") {
        return Err(GraphError::new(
            100,
            None,
            format!(
                "(#100) The following metrics ({}) should be specified with parameter \
                 metric_type=total_value",
                names.join(", ")
            ),
        ));
    }
    let today = now.date_naive();
    let midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let unix = |name: &str| -> Result<Option<DateTime<Utc>>, GraphError> {
        params
            .get(name)
            .map(|raw| {
                raw.parse::<i64>()
                    .ok()
                    .and_then(|s| DateTime::from_timestamp(s, 0))
                    .ok_or_else(|| GraphError::unsupported(name))
            })
            .transpose()
    };
    let until = unix("until")?.unwrap_or_else(|| midnight(today));
    let since = unix("since")?.unwrap_or(until - TimeDelta::days(1));
    if since >= until {
        return Err(GraphError::new(
            100,
            None,
            "(#100) The since timestamp must be before the until timestamp",
        ));
    }
    if until - since > MAX_RANGE {
        return Err(GraphError::new(
            100,
            None,
            "(#100) There cannot be more than 30 days (2592000 s) between since and until",
        ));
    }
    let first = since.date_naive();
    let last = (until - TimeDelta::seconds(1)).date_naive().min(today);
    let oldest = today - TimeDelta::days(ACCOUNT_WINDOW_DAYS);
    if first < oldest || first > last {
        return Ok(json!({ "data": [] }));
    }
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    let data: Vec<Value> = names
        .iter()
        .map(|name| {
            let total: i64 = days.iter().map(|d| account_day(account, *d, name)).sum();
            json!({
                "name": name,
                "period": "day",
                "title": title(name),
                "description": description(name),
                "total_value": { "value": total },
                "id": format!("{account}/insights/{name}/day"),
            })
        })
        .collect();
    Ok(json!({ "data": data }))
}

/// `GET /{media-id}/insights`: each requested metric's lifetime value, refused as Meta
/// refuses a name retired at this version, one that exists only for other surfaces, or an
/// unknown one.
pub(crate) fn media(
    facts: &MediaFacts<'_>,
    version: &str,
    params: &Params,
) -> Result<Value, GraphError> {
    let names = requested(params)?;
    let catalog = MetricCatalog::for_version(version);
    let surface = MediaSurface::from_product_type(facts.product_type);
    let offered = catalog.media_metrics(surface);
    for (i, name) in names.iter().enumerate() {
        if offered.contains(&name.as_str()) {
            continue;
        }
        let def = MEDIA_METRICS.iter().find(|d| d.name == name);
        return Err(match def {
            Some(def) if def.retired_in.is_some() && !offered_anywhere(&catalog, name) => {
                retired(def, "media")
            }
            Some(_) => GraphError::new(
                100,
                None,
                format!(
                    "(#100) The Media Insights API does not support the {name} metric for \
                     this media product type."
                ),
            ),
            None => unknown(i, &offered),
        });
    }
    let data: Vec<Value> = names
        .iter()
        .map(|name| {
            json!({
                "name": name,
                "period": "lifetime",
                "values": [{ "value": media_lifetime(facts, name) }],
                "title": title(name),
                "description": description(name),
                "id": format!("{}/insights/{name}/lifetime", facts.id),
            })
        })
        .collect();
    Ok(json!({ "data": data }))
}

fn offered_anywhere(catalog: &MetricCatalog, name: &str) -> bool {
    [MediaSurface::Feed, MediaSurface::Reels, MediaSurface::Story]
        .into_iter()
        .any(|s| catalog.media_metrics(s).contains(&name))
}

fn title(metric: &str) -> String {
    let known = match metric {
        "reach" => "Accounts reached",
        "views" => "Views",
        "accounts_engaged" => "Accounts engaged",
        "total_interactions" => "Content interactions",
        "likes" => "Likes",
        "comments" => "Comments",
        "shares" => "Shares",
        "saves" | "saved" => "Saves",
        "replies" => "Replies",
        "profile_views" => "Profile views",
        "profile_visits" => "Profile visits",
        "website_clicks" => "Website clicks",
        "profile_links_taps" => "Profile links taps",
        "navigation" => "Navigation",
        "ig_reels_avg_watch_time" => "Average watch time",
        "ig_reels_video_view_total_time" => "Watch time",
        _ => "",
    };
    if known.is_empty() {
        metric.replace('_', " ")
    } else {
        known.to_owned()
    }
}

fn description(metric: &str) -> &'static str {
    match metric {
        "reach" => "The number of unique accounts that have seen your content, at least once.",
        "views" => "The number of times your content was played or displayed.",
        "accounts_engaged" => "The number of accounts that have interacted with your content.",
        "total_interactions" => {
            "The total number of likes, saves, comments, shares and replies on your content."
        }
        "ig_reels_avg_watch_time" => "The average time your reel was played, in milliseconds.",
        "ig_reels_video_view_total_time" => "The total time your reel was played, in milliseconds.",
        _ => "A sandbox metric: the value is made up, but stable.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params::parse(Some(q))
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T15:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn day_query(metrics: &str, day: &str) -> String {
        let since = DateTime::parse_from_rfc3339(&format!("{day}T00:00:00Z"))
            .unwrap()
            .timestamp();
        format!(
            "metric={metrics}&period=day&metric_type=total_value&since={since}&until={}",
            since + 86_400
        )
    }

    const SUNRISE: &str = "17841400000000101";

    #[test]
    fn a_day_answers_each_metric_with_its_total_value() {
        let q = params(&day_query("reach,views", "2026-11-19"));
        let v = account(SUNRISE, "v24.0", &q, now()).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 19).unwrap();
        assert_eq!(v["data"][0]["name"], "reach");
        assert_eq!(v["data"][0]["period"], "day");
        assert_eq!(
            v["data"][0]["total_value"]["value"],
            account_day(SUNRISE, day, "reach")
        );
        assert_eq!(v["data"][1]["name"], "views");
        assert_eq!(v, account(SUNRISE, "v24.0", &q, now()).unwrap());
    }

    #[test]
    fn days_outside_the_window_have_no_data() {
        for day in ["2026-08-01", "2026-11-21"] {
            let v = account(SUNRISE, "v24.0", &params(&day_query("reach", day)), now()).unwrap();
            assert_eq!(v, json!({ "data": [] }), "{day}");
        }
        let oldest = account(
            SUNRISE,
            "v24.0",
            &params(&day_query("reach", "2026-08-22")),
            now(),
        );
        assert_eq!(oldest.unwrap()["data"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn unknown_retired_and_malformed_requests_are_code_100() {
        let bad = [
            day_query("reach,bogus", "2026-11-19"),
            day_query("impressions", "2026-11-19"),
            day_query("followers_count", "2026-11-19"),
            "metric=reach&metric_type=total_value".to_owned(),
            "metric=reach&period=week&metric_type=total_value".to_owned(),
            "metric=reach&period=day".to_owned(),
            "period=day&metric_type=total_value".to_owned(),
            "metric=reach&period=day&metric_type=total_value&since=1&until=9999999".to_owned(),
            "metric=reach&period=day&metric_type=total_value&since=soon".to_owned(),
        ];
        for q in bad {
            let e = account(SUNRISE, "v24.0", &params(&q), now()).unwrap_err();
            assert_eq!(e.code(), (100, None), "{q}");
        }
        // An older version still offers what it offered.
        let old = params(&day_query("impressions", "2026-11-19"));
        assert!(account(SUNRISE, "v21.0", &old, now()).is_ok());
    }

    fn facts(product_type: &str) -> MediaFacts<'_> {
        MediaFacts {
            id: "17920000000010101",
            owner: SUNRISE,
            product_type,
            comments: 3,
        }
    }

    #[test]
    fn media_metrics_are_checked_per_surface() {
        let ok = |t: &str, m: &str| media(&facts(t), "v24.0", &params(&format!("metric={m}")));
        assert!(ok("STORY", "navigation,replies,reach").is_ok());
        assert!(ok("REELS", "ig_reels_avg_watch_time,likes").is_ok());
        assert_eq!(ok("FEED", "navigation").unwrap_err().code(), (100, None));
        assert_eq!(
            ok("FEED", "ig_reels_avg_watch_time").unwrap_err().code(),
            (100, None)
        );
        assert_eq!(ok("REELS", "impressions").unwrap_err().code(), (100, None));
        assert_eq!(ok("FEED", "nope").unwrap_err().code(), (100, None));
        let v = ok("FEED", "comments").unwrap();
        assert_eq!(v["data"][0]["values"][0]["value"], 3);
        assert_eq!(v["data"][0]["period"], "lifetime");
    }
}
