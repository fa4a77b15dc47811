//! Publishing: a post is accepted (checked, made idempotent, stored), then published through
//! Meta's container flow by whoever holds it, the request or a worker, one recorded step at
//! a time (see `domain::Post`). The request publishes what is ready at once; what is not
//! (a video Meta still processes, a scheduled post, an outcome to check) is left due in the
//! store, where [`work_once`] finds it.

mod attempt;
mod create;
mod history;
mod worker;

pub use create::{CreatePost, create_post};
pub use history::{cancel_post, get_post, list_posts};
pub use worker::{PassReport, work_once};

use crate::ports::{
    AccountHealth, AccountReader, Clock, PostStore, Publisher, Sealer, TokenReader,
};
use crate::service::MediaDeps;
use chrono::TimeDelta;
use std::time::Duration;

/// The timings of publishing. The defaults suit Meta; tests shorten them.
#[derive(Debug, Clone)]
pub struct PublishPolicy {
    /// How long whoever took a post up (a request, a worker) holds it before another worker
    /// may take it over: longer than any request or worker pass lasts.
    pub lease: TimeDelta,
    /// How long a request waits for Meta to process a video before answering `202`.
    pub in_request_wait: Duration,
    /// Between two status reads while waiting.
    pub poll_interval: Duration,
    /// When a worker reads a processing container's status again.
    pub recheck_after: TimeDelta,
    /// Transient failures (Meta unreachable, throttled) tolerated before a post fails.
    pub max_attempts: u32,
    /// The first back-off after a transient failure; doubled each time up to `max_backoff`.
    pub first_backoff: TimeDelta,
    pub max_backoff: TimeDelta,
    /// Posts a worker publishes at once. An image post is five calls to Meta in a row, so
    /// at ~50 ms a call 64 at once is ~250 posts/s at most; the due queue is read in
    /// batches of `worker_batch`, each worked through before the next, so 64 also covers a
    /// batch of 100 in two rounds (32 took four: under 100 posts/s, see docs/publishing.md).
    pub worker_concurrency: usize,
    /// Posts a worker reads from the due index per query.
    pub worker_batch: u32,
    /// For crash tests only: an attempt hangs forever right after recording its
    /// containers, so a test can kill the process at exactly that point.
    pub hold_after_containers: bool,
}

impl Default for PublishPolicy {
    fn default() -> Self {
        Self {
            lease: TimeDelta::minutes(5),
            in_request_wait: Duration::from_secs(5),
            poll_interval: Duration::from_secs(1),
            recheck_after: TimeDelta::seconds(10),
            max_attempts: 6,
            first_backoff: TimeDelta::seconds(30),
            max_backoff: TimeDelta::hours(1),
            worker_concurrency: 64,
            worker_batch: 100,
            hold_after_containers: false,
        }
    }
}

impl PublishPolicy {
    /// The back-off before attempt number `attempts + 1`.
    pub fn backoff(&self, attempts: u32) -> TimeDelta {
        let factor = 1i32.checked_shl(attempts.min(20)).unwrap_or(i32::MAX);
        (self.first_backoff * factor).min(self.max_backoff)
    }
}

/// What publishing needs. The only path besides `callback` that holds a Sealer: it unseals
/// one account's token, once per attempt, to call Meta with.
#[derive(Clone, Copy)]
pub struct PublishDeps<'a> {
    pub accounts: &'a dyn AccountReader,
    pub tokens: &'a dyn TokenReader,
    pub health: &'a dyn AccountHealth,
    pub posts: &'a dyn PostStore,
    pub sealer: &'a dyn Sealer,
    pub meta: &'a dyn Publisher,
    pub clock: &'a dyn Clock,
    pub policy: &'a PublishPolicy,
    /// Uploaded files posts name by id: checked when a post is accepted, given a signed
    /// URL when its containers are made.
    pub media: MediaDeps<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = PublishPolicy::default();
        assert_eq!(p.backoff(0), TimeDelta::seconds(30));
        assert_eq!(p.backoff(1), TimeDelta::seconds(60));
        assert_eq!(p.backoff(3), TimeDelta::seconds(240));
        assert_eq!(p.backoff(30), TimeDelta::hours(1));
    }
}
