//! The daily snapshot: each look at an active account stores the complete UTC days since
//! its last snapshot (its metrics for each day, and yesterday's follower count), so the
//! history outlives Meta's window. It rides on the refresh pass because that pass already
//! looks at every active account once a day, claimed, bounded and on a deadline; a slow
//! account holds one slot for at most [`SNAPSHOT_TIMEOUT`].

use super::RefreshDeps;
use crate::domain::{Account, DayMetrics, FOLLOWERS_COUNT, Feature, SNAPSHOT_BACKFILL_DAYS};
use crate::ports::{GraphAccount, MetaError};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::time::Duration;

/// The longest one account's snapshot may take before it is left for the next look.
pub const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(20);

/// What a snapshot attempt came to.
#[derive(Debug)]
pub(super) enum Snapshot {
    /// Nothing to store: no snapshot store, or the last day is already stored.
    Nothing,
    /// Days to store, complete through `through`.
    Taken {
        days: Vec<DayMetrics>,
        through: NaiveDate,
    },
    /// Meta throttles the app: nothing stored, and the pass should stop early.
    Throttled,
    /// Meta failed or was too slow: nothing stored, the next look tries these days again.
    Failed,
}

/// The days an account whose snapshots are complete `through` should have stored at `now`:
/// after that, at most [`SNAPSHOT_BACKFILL_DAYS`] back, up to yesterday.
pub(super) fn days_to_take(through: Option<NaiveDate>, now: DateTime<Utc>) -> Vec<NaiveDate> {
    let yesterday = now.date_naive() - TimeDelta::days(1);
    let earliest = yesterday - TimeDelta::days(SNAPSHOT_BACKFILL_DAYS - 1);
    let first = through.map_or(earliest, |d| (d + TimeDelta::days(1)).max(earliest));
    first.iter_days().take_while(|d| *d <= yesterday).collect()
}

/// Takes the snapshot of `account` (as the look left it: its profile just synced) with its
/// `token`.
pub(super) async fn take(
    deps: RefreshDeps<'_>,
    account: &Account,
    token: &SecretString,
    now: DateTime<Utc>,
) -> Snapshot {
    if !deps.snapshots {
        return Snapshot::Nothing;
    }
    let dates = days_to_take(account.upkeep.snapshot_through, now);
    let Some(&through) = dates.last() else {
        return Snapshot::Nothing;
    };
    let mut days: Vec<DayMetrics> = dates
        .iter()
        .map(|d| DayMetrics {
            date: *d,
            values: BTreeMap::new(),
        })
        .collect();
    if account.grantor.allows(Feature::Insights, account.login) {
        match tokio::time::timeout(SNAPSHOT_TIMEOUT, metrics(deps, account, token, &mut days)).await
        {
            Ok(Ok(())) => {}
            Ok(Err(e)) if permission_missing(&e) => {
                // Granted at the login but since withdrawn: the follower count still counts.
                tracing::info!(account = %account.id, "insights not permitted; snapshot keeps followers only");
            }
            Ok(Err(e)) if e.is_rate_limited() => return Snapshot::Throttled,
            Ok(Err(e)) => {
                tracing::info!(account = %account.id, error = %e, "snapshot left for the next look");
                return Snapshot::Failed;
            }
            Err(_) => {
                tracing::info!(account = %account.id, "snapshot too slow; left for the next look");
                return Snapshot::Failed;
            }
        }
    }
    if let (Some(count), Some(last)) = (account.profile.followers_count, days.last_mut()) {
        last.values.insert(
            FOLLOWERS_COUNT.to_owned(),
            i64::try_from(count).unwrap_or(i64::MAX),
        );
    }
    days.retain(|d| !d.values.is_empty());
    Snapshot::Taken { days, through }
}

fn permission_missing(e: &MetaError) -> bool {
    matches!(
        e,
        MetaError::Api {
            code: 10 | 200..=299,
            ..
        }
    )
}

/// Every day's metrics, in order.
async fn metrics(
    deps: RefreshDeps<'_>,
    account: &Account,
    token: &SecretString,
    days: &mut [DayMetrics],
) -> Result<(), MetaError> {
    let graph = GraphAccount {
        login: account.login,
        ig_user_id: &account.ig_user_id,
        token,
    };
    let names = deps.policy.catalog.meta_account_metrics();
    // Two days in flight per account: a week's backfill costs four rounds of Meta's latency
    // while the pass's connections stay near two per account looked at.
    let dates: Vec<NaiveDate> = days.iter().map(|d| d.date).collect();
    let mut answers = Vec::with_capacity(dates.len());
    for pair in dates.chunks(DAYS_IN_FLIGHT) {
        let calls = pair
            .iter()
            .map(|date| deps.meta.account_insights_day(&graph, &names, *date));
        answers.extend(futures_util::future::join_all(calls).await);
    }
    for (day, answer) in days.iter_mut().zip(answers) {
        for v in answer? {
            day.values.insert(v.name, v.value);
        }
    }
    Ok(())
}

/// Days of one account asked of Meta at once.
const DAYS_IN_FLIGHT: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_snapshot_backfills_a_week_and_later_ones_continue() {
        let now = DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let first = days_to_take(None, now);
        assert_eq!(first.len() as i64, SNAPSHOT_BACKFILL_DAYS);
        assert_eq!(first.last().unwrap().to_string(), "2026-12-03");
        let through = Some(*first.last().unwrap());
        assert!(days_to_take(through, now).is_empty());
        let later = now + TimeDelta::days(2);
        let next: Vec<String> = days_to_take(through, later)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(next, ["2026-12-04", "2026-12-05"]);
    }
}
