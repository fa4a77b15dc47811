//! The publish worker's pass: take up every post that is due (scheduled posts whose time
//! has come, videos to check on, transient failures to retry, posts whose holder died) and
//! move each one as far as Meta allows. The same pass runs in the `publish-worker` Lambda
//! function on a schedule, in `igconnect serve`'s background loop and in `igconnect worker
//! --once`.

use super::PublishDeps;
use super::attempt::{attempt, codes};
use crate::domain::{Post, PostId, PostStatus};
use crate::ports::{PostQueue, StoreError};
use crate::service::ServiceError;
use futures_util::StreamExt;
use serde::Serialize;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PassReport {
    /// Posts that were due and taken up.
    pub taken: usize,
    pub published: usize,
    pub failed: usize,
    pub unconfirmed: usize,
    /// Still processing at Meta, or retried later after a transient failure.
    pub waiting: usize,
    /// Taken over by someone else between reading and claiming (another worker, a cancel).
    pub skipped: usize,
    /// Could not be worked on (storage or sealer errors); they stay due.
    pub errors: usize,
    /// Whether the pass stopped at its deadline with work left.
    pub out_of_time: bool,
}

impl PassReport {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Done(status) => {
                self.taken += 1;
                match status {
                    PostStatus::Published => self.published += 1,
                    PostStatus::Failed => self.failed += 1,
                    PostStatus::Unconfirmed => self.unconfirmed += 1,
                    _ => self.waiting += 1,
                }
            }
            Outcome::Skipped => self.skipped += 1,
            Outcome::Error => self.errors += 1,
        }
    }
}

enum Outcome {
    Done(PostStatus),
    Skipped,
    Error,
}

/// Works through every post due at the clock's now, `worker_concurrency` at a time, until
/// none is left or `budget` is spent (a Lambda function stops well before its timeout; the
/// next pass continues).
pub async fn work_once(
    deps: PublishDeps<'_>,
    queue: &dyn PostQueue,
    budget: Duration,
) -> Result<PassReport, ServiceError> {
    let started = Instant::now();
    let now = deps.clock.now();
    let mut report = PassReport::default();
    // The due index may lag behind writes; a post seen once is not taken up twice a pass.
    let mut seen: HashSet<PostId> = HashSet::new();
    loop {
        if started.elapsed() >= budget {
            report.out_of_time = true;
            break;
        }
        let due: Vec<Post> = queue
            .due_posts(now, deps.policy.worker_batch)
            .await?
            .into_iter()
            .filter(|p| seen.insert(p.id.clone()))
            .collect();
        if due.is_empty() {
            break;
        }
        let outcomes: Vec<Outcome> = futures_util::stream::iter(due)
            .map(|post| take_up(deps, post))
            .buffer_unordered(deps.policy.worker_concurrency.max(1))
            .collect()
            .await;
        for outcome in outcomes {
            report.count(outcome);
        }
    }
    // `serve` passes every few seconds: an idle pass is worth a line only when debugging.
    if report.taken + report.skipped + report.errors > 0 || report.out_of_time {
        tracing::info!(
            taken = report.taken,
            published = report.published,
            failed = report.failed,
            unconfirmed = report.unconfirmed,
            waiting = report.waiting,
            skipped = report.skipped,
            errors = report.errors,
            out_of_time = report.out_of_time,
            "publish worker pass"
        );
    } else {
        tracing::debug!("publish worker pass: nothing due");
    }
    Ok(report)
}

/// Claims one post (a conditional write that makes this worker its only holder) and
/// attempts it.
async fn take_up(deps: PublishDeps<'_>, post: Post) -> Outcome {
    let now = deps.clock.now();
    if !post.is_due(now) {
        return Outcome::Skipped;
    }
    let claimed = post.leased(now, deps.policy.lease);
    match deps.posts.update_post(&claimed, None).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Outcome::Skipped,
        Err(e) => {
            tracing::error!(post = %post.id, error = %e, "could not claim a due post");
            return Outcome::Error;
        }
    }
    let result = match deps
        .accounts
        .get_account(&claimed.tenant, &claimed.account_id)
        .await
    {
        Ok(Some(account)) => attempt(deps, &account, claimed, Duration::ZERO).await,
        Ok(None) => fail_orphan(deps, &claimed).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(post) => Outcome::Done(post.status),
        Err(ServiceError::Store(StoreError::Conflict)) => Outcome::Skipped,
        Err(e) => {
            tracing::error!(post = %post.id, error = %e, "publishing a due post failed");
            Outcome::Error
        }
    }
}

/// The account was disconnected while the post waited.
async fn fail_orphan(deps: PublishDeps<'_>, post: &Post) -> Result<Post, ServiceError> {
    let failed = post.failed(
        deps.clock.now(),
        codes::ACCOUNT_GONE,
        "The account was disconnected before the post was published.".into(),
    );
    deps.posts.update_post(&failed, None).await?;
    Ok(failed)
}
