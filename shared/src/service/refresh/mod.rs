//! Keeping connections alive. One *look* at an account validates its token at Meta (and
//! trades an Instagram Login token in its refresh window for a new one), syncs its profile
//! and records the outcome with `domain::RefreshPolicy`'s rules. The scheduled pass
//! ([`refresh_once`]) looks at every due account; `POST /v1/accounts/{id}/sync` looks at one
//! on demand ([`sync_account`]).

mod look;
mod pass;
mod snapshot;
mod sync;

pub use look::{LookOutcome, classify};
pub use pass::{RefreshReport, refresh_once};
pub use sync::{sync_account, sync_account_as_operator};

use crate::domain::{MetricCatalog, RefreshPolicy};
use crate::ports::{Clock, RefreshQueue, Sealer, UpkeepGraph};
use chrono::TimeDelta;

/// How the pass runs; the defaults suit Meta and a Lambda function on a one-minute schedule.
#[derive(Debug, Clone)]
pub struct PassPolicy {
    /// When accounts are due and what an outcome does to them.
    pub rules: RefreshPolicy,
    /// How long a pass holds an account it took: longer than any look lasts, so a pass that
    /// dies mid-look leaves the account to the next one after this.
    pub lease: TimeDelta,
    /// Accounts looked at concurrently. A look is two calls to Meta in a row (refresh or
    /// debug_token, then the profile), so at ~50 ms a call 256 at once is ~2,500 accounts/s
    /// at most, well within one process's memory (see docs/lifecycle.md).
    pub concurrency: usize,
    /// Accounts read from the due index per query.
    pub batch: u32,
    /// The account metrics the daily snapshot asks for (the configured Graph version's).
    pub catalog: MetricCatalog,
}

impl Default for PassPolicy {
    fn default() -> Self {
        Self {
            rules: RefreshPolicy::default(),
            lease: TimeDelta::minutes(5),
            concurrency: 256,
            batch: 500,
            catalog: MetricCatalog::for_version(crate::config::DEFAULT_GRAPH_VERSION),
        }
    }
}

/// What looking after tokens needs: no reader of other accounts, no grants. The Sealer
/// unseals the one token looked at and seals its replacement.
#[derive(Clone, Copy)]
pub struct RefreshDeps<'a> {
    pub queue: &'a dyn RefreshQueue,
    pub sealer: &'a dyn Sealer,
    pub meta: &'a dyn UpkeepGraph,
    pub clock: &'a dyn Clock,
    pub policy: &'a PassPolicy,
    /// Whether a working look also takes the daily snapshot (stored with the account's
    /// outcome); an on-demand sync only checks the token.
    pub snapshots: bool,
}
