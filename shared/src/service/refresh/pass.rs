//! The scheduled pass over due accounts: the `refresh` Lambda function on an EventBridge
//! schedule, `igconnect serve`'s background loop, and `igconnect refresh`.

use super::RefreshDeps;
use super::look::{LookOutcome, look};
use crate::domain::AccountId;
use crate::ports::{DueAccount, StoreError, UpkeepOutcome};
use crate::service::ServiceError;
use futures_util::StreamExt;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What one pass did. `due` = every other field but `out_of_time`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RefreshReport {
    /// Accounts found due.
    pub due: usize,
    /// Instagram Login tokens traded for new ones.
    pub refreshed: usize,
    /// Tokens checked and found working (profile synced).
    pub validated: usize,
    /// Tokens Meta refused for good: the accounts are now `needs_reauth`.
    pub needs_reauth: usize,
    /// Meta failed or was throttling: retried by a later pass after a back-off.
    pub failed: usize,
    /// Taken by another pass, or changed (reconnected) while looked at.
    pub skipped: usize,
    /// Storage or sealing errors: the account is retried once its lease ends.
    pub errors: usize,
    /// Not looked at (deadline reached, or Meta throttling the app): the next pass does.
    pub left: usize,
    /// Whether the pass stopped at its deadline with accounts left.
    pub out_of_time: bool,
    /// Whether Meta throttled the app, which ends the pass early.
    pub rate_limited: bool,
    /// Accounts whose daily snapshot was stored, and the days stored.
    pub snapshots: usize,
    pub snapshot_days: usize,
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Looked(LookOutcome),
    Skipped,
    Error,
}

impl RefreshReport {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Looked(LookOutcome::Refreshed) => self.refreshed += 1,
            Outcome::Looked(LookOutcome::Validated) => self.validated += 1,
            Outcome::Looked(LookOutcome::NeedsReauth) => self.needs_reauth += 1,
            Outcome::Looked(LookOutcome::Failed | LookOutcome::RateLimited) => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::Error => self.errors += 1,
        }
    }
}

/// Looks at every account due at the clock's now, `concurrency` at a time, until none is
/// left, `budget` is spent, or Meta throttles the app. Safe to run concurrently with other
/// passes: each account is claimed with a conditional write before Meta is called.
pub async fn refresh_once(
    deps: RefreshDeps<'_>,
    budget: Duration,
) -> Result<RefreshReport, ServiceError> {
    let started = Instant::now();
    let now = deps.clock.now();
    let mut report = RefreshReport::default();
    let throttled = AtomicBool::new(false);
    let mut seen: HashSet<AccountId> = HashSet::new();
    loop {
        if started.elapsed() >= budget {
            report.out_of_time = true;
            break;
        }
        if throttled.load(Ordering::Relaxed) {
            break;
        }
        let due: Vec<DueAccount> = deps
            .queue
            .due_accounts(now, deps.policy.batch)
            .await?
            .into_iter()
            .filter(|d| seen.insert(d.id.clone()))
            .collect();
        if due.is_empty() {
            break;
        }
        report.due += due.len();
        for chunk in due.chunks(deps.policy.concurrency.max(1)) {
            if started.elapsed() >= budget || throttled.load(Ordering::Relaxed) {
                report.left += chunk.len();
                continue;
            }
            for outcome in take_up(deps, chunk, &throttled, &mut report).await {
                report.count(outcome);
            }
        }
        tracing::info!(
            done = report.due - report.left,
            due = report.due,
            failed = report.failed + report.errors,
            "refresh pass progress"
        );
    }
    report.rate_limited = throttled.load(Ordering::Relaxed);
    if report.left > 0 && !report.rate_limited {
        report.out_of_time = true;
    }
    if report.due > 0 || report.out_of_time {
        tracing::info!(
            due = report.due,
            refreshed = report.refreshed,
            validated = report.validated,
            needs_reauth = report.needs_reauth,
            failed = report.failed,
            skipped = report.skipped,
            errors = report.errors,
            left = report.left,
            out_of_time = report.out_of_time,
            rate_limited = report.rate_limited,
            snapshots = report.snapshots,
            "refresh pass"
        );
    } else {
        tracing::debug!("refresh pass: nothing due");
    }
    Ok(report)
}

/// Claims a chunk of due accounts (one write for the chunk where the store can), looks at
/// the claimed ones concurrently, and stores the outcomes together. Grouping the writes is
/// what lets a store that syncs the disk on every commit keep up with Meta's latency; a
/// chunk is as large as the concurrency, so no look waits for a free slot.
async fn take_up(
    deps: RefreshDeps<'_>,
    due: &[DueAccount],
    throttled: &AtomicBool,
    report: &mut RefreshReport,
) -> Vec<Outcome> {
    let now = deps.clock.now();
    let lease_until = now + deps.policy.lease;
    let mut outcomes = Vec::with_capacity(due.len());
    let mut claimed = Vec::with_capacity(due.len());
    let claims = deps.queue.claim_refresh_many(due, now, lease_until).await;
    for (d, claim) in due.iter().zip(claims) {
        match claim {
            Ok(Some(c)) => claimed.push(c),
            Ok(None) => outcomes.push(Outcome::Skipped),
            Err(e) => {
                tracing::error!(account = %d.id, error = %e, "could not claim a due account");
                outcomes.push(Outcome::Error);
            }
        }
    }
    let looks: Vec<_> = futures_util::stream::iter(claimed)
        .map(|c| async move {
            let result = look(deps, &c.account, &c.token, now, true).await;
            (c.account.id, result)
        })
        .buffer_unordered(deps.policy.concurrency.max(1))
        .collect()
        .await;
    let mut looked = Vec::with_capacity(looks.len());
    for (id, result) in looks {
        match result {
            Ok(l) => {
                if l.outcome == LookOutcome::RateLimited || l.throttled {
                    throttled.store(true, Ordering::Relaxed);
                }
                looked.push(l);
            }
            Err(e) => {
                tracing::error!(account = %id, error = %e, "could not look at a due account");
                outcomes.push(Outcome::Error);
            }
        }
    }
    let kinds: Vec<LookOutcome> = looked.iter().map(|l| l.outcome).collect();
    let batch: Vec<UpkeepOutcome> = looked
        .into_iter()
        .map(|l| UpkeepOutcome {
            account: l.account,
            token: l.token,
            audit: l.audit,
            days: l.days,
        })
        .collect();
    let saved = deps.queue.save_upkeep_many(&batch).await;
    for ((kind, o), result) in kinds.into_iter().zip(&batch).zip(saved) {
        outcomes.push(match result {
            Ok(()) => {
                if !o.days.is_empty() {
                    report.snapshots += 1;
                    report.snapshot_days += o.days.len();
                }
                Outcome::Looked(kind)
            }
            Err(StoreError::Conflict) => Outcome::Skipped,
            Err(e) => {
                tracing::error!(account = %o.account.id, error = %e, "could not store a look's outcome");
                Outcome::Error
            }
        });
    }
    outcomes
}
