//! Account insights over a date range (snapshots first, Meta for what they miss), the
//! account's media, and one media's (or one post's) lifetime metrics.

use super::{EngagementDeps, Opened, admit, meta_failed, open, unseal};
use crate::domain::{
    Caller, DayMetrics, FOLLOWERS_COUNT, Feature, MAX_RANGE_DAYS, META_WINDOW, MediaSurface,
    MetricSeries, Permission, PostId, series,
};
use crate::ports::{GraphAccount, MediaSummary, MetricValue};
use crate::service::ServiceError;
use chrono::{NaiveDate, TimeDelta};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Days asked of Meta at once for one request: enough to fill a month quickly, few enough
/// not to spend the account's rate limit in one burst.
const DAYS_IN_FLIGHT: usize = 8;

/// The query of `GET /v1/accounts/{id}/insights`.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct InsightsQuery {
    /// Comma-separated metric names; absent: every supported one.
    pub metrics: Option<String>,
    /// First day, `YYYY-MM-DD` (UTC); default 29 days before `until`.
    pub since: Option<String>,
    /// Last day, `YYYY-MM-DD` (UTC), at most today; default yesterday.
    pub until: Option<String>,
    /// Only `day`.
    pub period: Option<String>,
}

/// An account's metrics over a range, one series per metric.
#[derive(Debug, Serialize)]
pub struct AccountInsights {
    pub account_id: String,
    pub since: NaiveDate,
    pub until: NaiveDate,
    pub data: Vec<MetricSeries>,
    /// Days answered from igconnect's snapshots, and days asked of Meta.
    pub days_from_snapshots: usize,
    pub days_from_meta: usize,
}

fn date(raw: Option<&str>, name: &str) -> Result<Option<NaiveDate>, ServiceError> {
    raw.map(|s| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
            ServiceError::invalid(
                "invalid_date",
                format!("`{name}` must be a date like 2026-11-30"),
            )
        })
    })
    .transpose()
}

/// The range a query asks for, checked against today.
fn range(q: &InsightsQuery, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), ServiceError> {
    if let Some(period) = q.period.as_deref().filter(|p| *p != "day") {
        return Err(ServiceError::invalid(
            "invalid_period",
            format!(
                "period `{}` is not supported: only `day`",
                period.chars().take(32).collect::<String>()
            ),
        ));
    }
    let until = date(q.until.as_deref(), "until")?.unwrap_or(today - TimeDelta::days(1));
    let since = date(q.since.as_deref(), "since")?.unwrap_or(until - TimeDelta::days(29));
    if until > today {
        return Err(ServiceError::invalid(
            "invalid_range",
            format!("`until` may be today ({today}) at the latest"),
        ));
    }
    if since > until {
        return Err(ServiceError::invalid(
            "invalid_range",
            "`since` must not be after `until`",
        ));
    }
    if (until - since).num_days() + 1 > MAX_RANGE_DAYS {
        return Err(ServiceError::invalid(
            "invalid_range",
            format!("a range spans at most {MAX_RANGE_DAYS} days"),
        ));
    }
    Ok((since, until))
}

/// `GET /v1/accounts/{id}/insights` (view permission).
pub async fn account_insights(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    id: &str,
    q: &InsightsQuery,
) -> Result<AccountInsights, ServiceError> {
    let today = deps.clock.now().date_naive();
    let (since, until) = range(q, today)?;
    let metrics = deps.catalog.parse_account(q.metrics.as_deref())?;
    let asks_meta = metrics.iter().any(|m| *m != FOLLOWERS_COUNT);
    let feature = asks_meta.then_some(Feature::Insights);
    // The token is unsealed only if Meta is asked: the follower curve and days the
    // snapshots hold cost no KMS call.
    let account = admit(deps, caller, id, Permission::View, feature).await?;
    let mut days = deps
        .snapshots
        .days(&account.tenant, &account.id, since, until)
        .await?;
    let days_from_snapshots = days.len();
    let has_meta_values = |d: &DayMetrics| d.values.keys().any(|k| k.as_str() != FOLLOWERS_COUNT);
    let oldest_at_meta = today - META_WINDOW;
    let missing: Vec<NaiveDate> = if asks_meta {
        since
            .iter_days()
            .take_while(|d| *d <= until)
            .filter(|d| *d >= oldest_at_meta)
            .filter(|d| !days.iter().any(|s| s.date == *d && has_meta_values(s)))
            .collect()
    } else {
        Vec::new()
    };
    let fetched = if missing.is_empty() {
        Vec::new()
    } else {
        let token = unseal(deps, &account).await?;
        fetch_days(deps, &account, &token, &missing).await
    };
    let days_from_meta = fetched.len();
    for (day, answer) in fetched {
        let values = match answer {
            Ok(values) => values,
            Err(e) => {
                let catalog = deps.catalog;
                return Err(meta_failed(
                    deps,
                    &account,
                    Feature::Insights,
                    Some((&catalog, None)),
                    "account_not_found",
                    e,
                )
                .await);
            }
        };
        merge(
            &mut days,
            day,
            values.into_iter().map(|v| (v.name, v.value)),
        );
    }
    if until == today
        && metrics.contains(&FOLLOWERS_COUNT)
        && let Some(count) = account.profile.followers_count
    {
        // Today's point of the growth curve is the count the last sync read.
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        merge(
            &mut days,
            today,
            std::iter::once((FOLLOWERS_COUNT.to_owned(), count)),
        );
    }
    Ok(AccountInsights {
        account_id: account.id.to_string(),
        since,
        until,
        data: series(&metrics, &days),
        days_from_snapshots,
        days_from_meta,
    })
}

/// Meta's answers for `missing` days of the account (each through the cache),
/// [`DAYS_IN_FLIGHT`] at a time.
async fn fetch_days(
    deps: EngagementDeps<'_>,
    account: &crate::domain::Account,
    token: &secrecy::SecretString,
    missing: &[NaiveDate],
) -> Vec<(NaiveDate, Result<Vec<MetricValue>, crate::ports::MetaError>)> {
    let graph = GraphAccount {
        login: account.login,
        ig_user_id: &account.ig_user_id,
        token,
    };
    let all = deps.catalog.meta_account_metrics();
    futures_util::stream::iter(missing.iter().copied())
        .map(|day| {
            let (graph, all) = (&graph, &all);
            async move {
                let key = format!("{}/{}/day/{day}", account.tenant, account.id);
                if let Some(hit) = deps.cache.get(&key) {
                    return (day, Ok(hit));
                }
                let answer = deps.meta.account_insights_day(graph, all, day).await;
                if let Ok(values) = &answer {
                    deps.cache.put(key, values.clone());
                }
                (day, answer)
            }
        })
        .buffer_unordered(DAYS_IN_FLIGHT)
        .collect()
        .await
}

/// Adds values to `day`'s entry, creating it; values already stored win (a snapshot is
/// what igconnect keeps; Meta's answer only fills what it lacks).
fn merge(days: &mut Vec<DayMetrics>, day: NaiveDate, values: impl Iterator<Item = (String, i64)>) {
    let entry = match days.iter_mut().position(|d| d.date == day) {
        Some(i) => &mut days[i],
        None => {
            days.push(DayMetrics {
                date: day,
                values: BTreeMap::new(),
            });
            let last = days.len() - 1;
            &mut days[last]
        }
    };
    for (name, value) in values {
        entry.values.entry(name).or_insert(value);
    }
}

/// A page of the account's media.
#[derive(Debug, Serialize)]
pub struct MediaPage {
    pub data: Vec<MediaSummary>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(rename = "next_cursor", skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The most media one page may hold.
pub const MAX_MEDIA_PAGE: u32 = 100;

/// `GET /v1/accounts/{id}/media` (view permission): the account's recent media, including
/// what was posted outside igconnect, newest first.
pub async fn list_media(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    id: &str,
    after: Option<&str>,
    limit: Option<u32>,
) -> Result<MediaPage, ServiceError> {
    let limit = page_limit(limit, MAX_MEDIA_PAGE)?;
    let Opened { account, token } = open(deps, caller, id, Permission::View, None).await?;
    let graph = GraphAccount {
        login: account.login,
        ig_user_id: &account.ig_user_id,
        token: &token,
    };
    match deps.meta.media_list(&graph, after, limit).await {
        Ok(page) => Ok(MediaPage {
            data: page.items,
            next: page.after,
        }),
        Err(e) if is_bad_cursor(&e, after) => Err(bad_cursor()),
        Err(e) => Err(meta_failed(
            deps,
            &account,
            Feature::Insights,
            None,
            "account_not_found",
            e,
        )
        .await),
    }
}

/// Whether Meta refused a page because of the `cursor` the caller passed on (Meta's code
/// 100 on a request that carried one).
pub(crate) fn is_bad_cursor(e: &crate::ports::MetaError, after: Option<&str>) -> bool {
    after.is_some() && matches!(e, crate::ports::MetaError::Api { code: 100, .. })
}

/// 400 `invalid_cursor`: the `cursor` is not one this listing gave out.
pub(crate) fn bad_cursor() -> ServiceError {
    ServiceError::invalid("invalid_cursor", "`cursor` is not a cursor of this listing")
}

/// A `limit` parameter: 1 to `max`, default 25.
pub(crate) fn page_limit(limit: Option<u32>, max: u32) -> Result<u32, ServiceError> {
    match limit {
        None => Ok(25.min(max)),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ServiceError::invalid(
            "invalid_limit",
            format!("`limit` must be between 1 and {max}"),
        )),
    }
}

/// One media's lifetime metrics.
#[derive(Debug, Serialize)]
pub struct MediaInsights {
    pub media: MediaSummary,
    pub data: Vec<MediaMetric>,
}

/// One lifetime value.
#[derive(Debug, Serialize)]
pub struct MediaMetric {
    pub metric: String,
    pub period: &'static str,
    pub value: i64,
}

/// The media `media_id` if it is the account's: Meta's "no such object" and another
/// account's media are both 404 `media_not_found`.
pub(crate) async fn owned_media(
    deps: EngagementDeps<'_>,
    opened: &Opened,
    feature: Feature,
    media_id: &str,
) -> Result<MediaSummary, ServiceError> {
    let not_found = || ServiceError::NotFound {
        code: "media_not_found",
        detail: "no media with this id on this account".into(),
    };
    if media_id.is_empty() || media_id.len() > 64 || !media_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_found());
    }
    let graph = GraphAccount {
        login: opened.account.login,
        ig_user_id: &opened.account.ig_user_id,
        token: &opened.token,
    };
    let media = match deps.meta.media(&graph, media_id).await {
        Ok(media) => media,
        Err(crate::ports::MetaError::Api { code: 100, .. }) => return Err(not_found()),
        Err(e) => {
            return Err(
                meta_failed(deps, &opened.account, feature, None, "media_not_found", e).await,
            );
        }
    };
    match &media.owner_id {
        Some(owner) if owner != opened.account.ig_user_id.as_str() => Err(not_found()),
        _ => Ok(media),
    }
}

/// `GET /v1/accounts/{id}/media/{media_id}/insights` (view permission).
pub async fn media_insights(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    id: &str,
    media_id: &str,
    metrics: Option<&str>,
) -> Result<MediaInsights, ServiceError> {
    let opened = open(deps, caller, id, Permission::View, Some(Feature::Insights)).await?;
    insights_of(deps, &opened, media_id, metrics).await
}

/// `GET /v1/accounts/{id}/posts/{post_id}/insights` (view permission): the metrics of the
/// media a published post became.
pub async fn post_insights(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    id: &str,
    post_id: &str,
    metrics: Option<&str>,
) -> Result<MediaInsights, ServiceError> {
    let opened = open(deps, caller, id, Permission::View, Some(Feature::Insights)).await?;
    let not_found = || ServiceError::NotFound {
        code: "post_not_found",
        detail: "no post with this id on this account".into(),
    };
    let post_id = PostId::parse(post_id).map_err(|_| not_found())?;
    let post = deps
        .posts
        .get_post(&opened.account.tenant, &opened.account.id, &post_id)
        .await?
        .ok_or_else(not_found)?;
    let Some(media_id) = post.media_id.as_deref() else {
        return Err(ServiceError::Conflict {
            code: "post_not_published",
            detail: format!(
                "the post is {}: insights exist once it is published",
                post.status.as_str()
            ),
        });
    };
    insights_of(deps, &opened, media_id, metrics).await
}

async fn insights_of(
    deps: EngagementDeps<'_>,
    opened: &Opened,
    media_id: &str,
    metrics: Option<&str>,
) -> Result<MediaInsights, ServiceError> {
    let media = owned_media(deps, opened, Feature::Insights, media_id).await?;
    let surface =
        MediaSurface::from_product_type(media.media_product_type.as_deref().unwrap_or("FEED"));
    let names = deps.catalog.parse_media(metrics, surface)?;
    let account = &opened.account;
    let key = format!(
        "{}/{}/media/{}/{}",
        account.tenant,
        account.id,
        media.id,
        names.join(",")
    );
    let values = match deps.cache.get(&key) {
        Some(hit) => hit,
        None => {
            let graph = GraphAccount {
                login: account.login,
                ig_user_id: &account.ig_user_id,
                token: &opened.token,
            };
            match deps.meta.media_insights(&graph, &media.id, &names).await {
                Ok(values) => {
                    deps.cache.put(key, values.clone());
                    values
                }
                Err(e) => {
                    let catalog = deps.catalog;
                    return Err(meta_failed(
                        deps,
                        account,
                        Feature::Insights,
                        Some((&catalog, Some(surface))),
                        "media_not_found",
                        e,
                    )
                    .await);
                }
            }
        }
    };
    let data = names
        .iter()
        .filter_map(|name| {
            values
                .iter()
                .find(|v| v.name == *name)
                .map(|v| MediaMetric {
                    metric: v.name.clone(),
                    period: "lifetime",
                    value: v.value,
                })
        })
        .collect();
    Ok(MediaInsights { media, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ranges_default_to_the_last_thirty_complete_days() {
        let (since, until) = range(&InsightsQuery::default(), day("2026-12-04")).unwrap();
        assert_eq!(until, day("2026-12-03"));
        assert_eq!(since, day("2026-11-04"));
    }

    #[test]
    fn bad_ranges_are_refused_with_a_stable_code() {
        let today = day("2026-12-04");
        let q = |since: &str, until: &str| InsightsQuery {
            since: Some(since.into()),
            until: Some(until.into()),
            ..InsightsQuery::default()
        };
        let code = |r: Result<_, ServiceError>| match r {
            Err(ServiceError::Invalid { code, .. }) => code,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            code(range(&q("2026-12-02", "2026-12-01"), today)),
            "invalid_range"
        );
        assert_eq!(
            code(range(&q("2026-12-01", "2026-12-05"), today)),
            "invalid_range"
        );
        assert_eq!(
            code(range(&q("2026-01-01", "2026-12-01"), today)),
            "invalid_range"
        );
        assert_eq!(
            code(range(&q("yesterday", "2026-12-01"), today)),
            "invalid_date"
        );
        let weekly = InsightsQuery {
            period: Some("week".into()),
            ..InsightsQuery::default()
        };
        assert_eq!(code(range(&weekly, today)), "invalid_period");
    }

    #[test]
    fn stored_values_win_over_meta_answers() {
        let mut days = vec![DayMetrics {
            date: day("2026-12-01"),
            values: BTreeMap::from([("reach".to_owned(), 5)]),
        }];
        merge(
            &mut days,
            day("2026-12-01"),
            [("reach".to_owned(), 9), ("views".to_owned(), 7)].into_iter(),
        );
        assert_eq!(days[0].values["reach"], 5);
        assert_eq!(days[0].values["views"], 7);
    }
}
