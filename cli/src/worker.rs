//! `igconnect worker`: the publish worker against the configured store, beside a running
//! `serve` or alone. `--once` runs one pass, prints what it did and exits: operators drain
//! work by hand with it, and tests travel in time with `--now`.

use crate::serve::{StackArgs, backends, meta_config, publish_policy};
use chrono::{DateTime, Utc};
use igconnect::adapters::graph::GraphClient;
use igconnect::config::Settings;
use igconnect::ports::MediaFiles;
use igconnect::ports::{Clock, FixedClock, Publisher, Sealer, Store, SystemClock};
use igconnect::service::{
    ExpiryReport, MediaDeps, MediaPolicy, PassReport, PublishDeps, PublishPolicy, expire_media,
    work_once,
};

/// Media expired per pass at most; the rest wait for the next pass.
const EXPIRY_BATCH: u32 = 100;
use igconnect::telemetry::{self, LogFormat};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct WorkerArgs {
    /// Run one pass, print what it did and exit (otherwise a pass every --interval-secs).
    #[arg(long)]
    once: bool,
    /// Take this instant (RFC 3339) as now: whatever is due by then is worked on.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    /// Seconds between passes when not --once.
    #[arg(long, default_value_t = 5)]
    interval_secs: u64,
    /// The same as `serve`'s.
    #[command(flatten)]
    stack: StackArgs,
}

pub fn parse_now(raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("expected an RFC 3339 instant such as 2026-01-31T09:00:00Z: {e}"))
}

/// What a pass runs on, built once.
pub struct Worker {
    pub store: Arc<dyn Store>,
    pub sealer: Arc<dyn Sealer>,
    pub meta: Arc<dyn Publisher>,
    pub clock: Arc<dyn Clock>,
    pub policy: PublishPolicy,
    /// Where uploaded files are (the posts' media given to Meta by signed URL).
    pub files: Arc<dyn MediaFiles>,
    pub media_policy: MediaPolicy,
}

impl Worker {
    /// One pass over everything due; stops after `budget`. Then the files of media no
    /// longer needed go.
    pub async fn pass(&self, budget: Duration) -> Result<(PassReport, ExpiryReport), String> {
        let deps = PublishDeps {
            accounts: self.store.as_ref(),
            tokens: self.store.as_ref(),
            health: self.store.as_ref(),
            posts: self.store.as_ref(),
            sealer: self.sealer.as_ref(),
            meta: self.meta.as_ref(),
            clock: self.clock.as_ref(),
            policy: &self.policy,
            media: MediaDeps {
                store: self.store.as_ref(),
                files: self.files.as_ref(),
                clock: self.clock.as_ref(),
                policy: &self.media_policy,
            },
        };
        let report = work_once(deps, self.store.as_ref(), budget)
            .await
            .map_err(|e| e.to_string())?;
        // Files no longer needed go in the same pass: the worker is what runs on a schedule.
        let expired = expire_media(deps.media, EXPIRY_BATCH)
            .await
            .map_err(|e| e.to_string())?;
        Ok((report, expired))
    }

    /// Passes forever, one every `interval`.
    pub async fn run_forever(self, interval: Duration) {
        every(interval, "publish worker", |budget| self.pass(budget)).await
    }
}

/// Runs `pass` every `interval`, forever, giving each at least a minute (a pass that runs
/// long delays the next rather than overlapping it); a failed pass is logged and the next
/// one runs. `serve`'s background loops.
pub async fn every<T, F, Fut>(interval: Duration, what: &'static str, mut pass: F)
where
    F: FnMut(Duration) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = pass(interval.max(Duration::from_secs(60))).await {
            tracing::error!(error = %e, pass = what, "pass failed");
        }
    }
}

/// The Graph client of a command running beside `serve`: real Meta for login paths with
/// app credentials, else the sandbox of the `serve` that uses the same data directory.
pub fn graph_client(
    settings: &Settings,
    data_dir: &std::path::Path,
) -> Result<GraphClient, String> {
    let meta_cfg = if settings.meta.facebook_app.is_some() && settings.meta.instagram_app.is_some()
    {
        settings.meta.clone()
    } else {
        let sandbox = crate::data_dir::sandbox_url(data_dir)?;
        meta_config(settings, &sandbox).0
    };
    GraphClient::new(meta_cfg).map_err(|e| e.to_string())
}

pub async fn run(args: WorkerArgs) -> Result<(), String> {
    telemetry::init(if args.stack.json_logs {
        LogFormat::Json
    } else {
        LogFormat::Text
    });
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    crate::data_dir::ensure(&args.stack.data.data_dir)?;
    let built = backends::build(
        args.stack.store,
        args.stack.sealer,
        &args.stack.data.data_dir,
        &settings,
    )
    .await?;
    let meta: Arc<dyn Publisher> = Arc::new(graph_client(&settings, &args.stack.data.data_dir)?);
    let clock: Arc<dyn Clock> = match args.now {
        Some(now) => Arc::new(FixedClock(now)),
        None => Arc::new(SystemClock),
    };
    let mut policy = publish_policy(&settings);
    // A crash test's hook: the attempt hangs right after recording its containers, so the
    // test can kill this process at exactly that point.
    policy.hold_after_containers =
        std::env::var("IGC_TEST_HOLD_AFTER_CONTAINERS").is_ok_and(|v| v == "1");
    // Published and failed posts are announced: this process delivers what it made.
    let sink = crate::refresh::event_sink(&settings)?;
    let store = built.store.clone();
    // Uploads are served by the `serve` beside this worker: its origin is where it put its
    // sandbox.
    let origin = crate::data_dir::sandbox_url(&args.stack.data.data_dir)
        .ok()
        .and_then(|sandbox| sandbox.join("../").ok())
        .unwrap_or_else(|| url::Url::parse("http://127.0.0.1:8080/").expect("a valid URL"));
    let files = crate::serve::media::local_files(&args.stack.data.data_dir, origin)?;
    let worker = Worker {
        store: built.store,
        sealer: built.sealer,
        meta,
        clock,
        policy,
        files: Arc::new(files),
        media_policy: MediaPolicy::from_settings(&settings.media),
    };
    if !args.once {
        if !settings.delivery_interval.is_zero() {
            tokio::spawn(crate::refresh::deliver_forever(
                store,
                sink,
                settings.delivery_interval,
            ));
        }
        worker
            .run_forever(Duration::from_secs(args.interval_secs.max(1)))
            .await;
        return Ok(());
    }
    let (report, expired) = worker.pass(Duration::from_secs(600)).await?;
    let delivered = crate::refresh::deliver_all(store.as_ref(), sink.as_ref()).await?;
    println!(
        "publish worker: taken {}, published {}, failed {}, unconfirmed {}, waiting {}, skipped {}, errors {}{}",
        report.taken,
        report.published,
        report.failed,
        report.unconfirmed,
        report.waiting,
        report.skipped,
        report.errors,
        if report.out_of_time {
            " (stopped at its deadline; run again for the rest)"
        } else {
            ""
        }
    );
    println!("media: expired {}, left {}", expired.expired, expired.left);
    println!("{}", crate::refresh::events_line(&delivered));
    if report.errors > 0 {
        return Err(format!(
            "{} due post(s) could not be worked on; they stay due (see the log)",
            report.errors
        ));
    }
    Ok(())
}
