//! `igconnect refresh`: one pass of the token refresh against the configured store, beside a
//! running `serve` or alone; and the loops `serve` runs (the refresh pass every
//! `IGC_REFRESH_INTERVAL_MS`, event delivery every second).

use crate::serve::StackArgs;
use crate::worker::{graph_client, parse_now};
use chrono::{DateTime, Utc};
use igconnect::adapters::webhook::{LogSink, WebhookSink};
use igconnect::config::Settings;
use igconnect::domain::MetricCatalog;
use igconnect::ports::{Clock, EventSink, FixedClock, Sealer, Store, SystemClock, UpkeepGraph};
use igconnect::service::{
    DeliveryReport, PassPolicy, RefreshDeps, RefreshReport, deliver_events, refresh_once,
};
use igconnect::telemetry::{self, LogFormat};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct RefreshArgs {
    /// Take this instant (RFC 3339) as now: whatever is due by then is looked at.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    /// The same as `serve`'s.
    #[command(flatten)]
    stack: StackArgs,
}

/// Where events go from this process: the signed webhook when configured, else the log.
pub fn event_sink(settings: &Settings) -> Result<Arc<dyn EventSink>, String> {
    Ok(match &settings.webhook {
        Some((url, secret)) => {
            Arc::new(WebhookSink::new(url.clone(), secret.clone()).map_err(|e| e.to_string())?)
        }
        None => Arc::new(LogSink),
    })
}

/// What a refresh pass runs on, built once.
pub struct Refresher {
    pub store: Arc<dyn Store>,
    pub sealer: Arc<dyn Sealer>,
    pub meta: Arc<dyn UpkeepGraph>,
    pub clock: Arc<dyn Clock>,
    pub policy: PassPolicy,
}

impl Refresher {
    /// One pass over every due account; stops after `budget`.
    pub async fn pass(&self, budget: Duration) -> Result<RefreshReport, String> {
        let deps = RefreshDeps {
            queue: self.store.as_ref(),
            sealer: self.sealer.as_ref(),
            meta: self.meta.as_ref(),
            clock: self.clock.as_ref(),
            policy: &self.policy,
            snapshots: true,
        };
        refresh_once(deps, budget).await.map_err(|e| e.to_string())
    }

    /// Passes forever, one every `interval`.
    pub async fn run_forever(self, interval: Duration) {
        crate::worker::every(interval, "refresh", |budget| self.pass(budget)).await
    }
}

/// Delivers the outbox until it is empty (or the receiver fails).
pub async fn deliver_all(
    store: &dyn Store,
    sink: &dyn EventSink,
) -> Result<DeliveryReport, String> {
    let mut total = DeliveryReport::default();
    loop {
        let round = deliver_events(store, sink, 100)
            .await
            .map_err(|e| e.to_string())?;
        total.delivered += round.delivered;
        total.failed = round.failed;
        if round.failed > 0 || round.delivered < 100 {
            return Ok(total);
        }
    }
}

/// The summary line of a delivery round, as the CLI passes print it.
pub fn events_line(delivered: &DeliveryReport) -> String {
    if delivered.failed > 0 {
        format!(
            "events: delivered {}, {} waiting (the receiver failed; retried on the next run)",
            delivered.delivered, delivered.failed
        )
    } else {
        format!("events: delivered {}", delivered.delivered)
    }
}

/// Delivers events as they appear: every `interval`, backing off (up to 5 minutes) while
/// the receiver fails, so a receiver that is down is not hammered and one that comes back
/// gets everything it missed, in order.
pub async fn deliver_forever(store: Arc<dyn Store>, sink: Arc<dyn EventSink>, interval: Duration) {
    let mut wait = interval;
    loop {
        tokio::time::sleep(wait).await;
        wait = match deliver_all(store.as_ref(), sink.as_ref()).await {
            Ok(r) if r.failed == 0 => interval,
            Ok(_) => (wait * 2).min(Duration::from_secs(300)),
            Err(e) => {
                tracing::error!(error = %e, "event delivery failed");
                (wait * 2).min(Duration::from_secs(300))
            }
        };
    }
}

pub async fn run(args: RefreshArgs) -> Result<(), String> {
    telemetry::init(if args.stack.json_logs {
        LogFormat::Json
    } else {
        LogFormat::Text
    });
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    crate::data_dir::ensure(&args.stack.data.data_dir)?;
    let built = crate::serve::backends::build(
        args.stack.store,
        args.stack.sealer,
        &args.stack.data.data_dir,
        &settings,
    )
    .await?;
    let meta: Arc<dyn UpkeepGraph> = Arc::new(graph_client(&settings, &args.stack.data.data_dir)?);
    let clock: Arc<dyn Clock> = match args.now {
        Some(now) => Arc::new(FixedClock(now)),
        None => Arc::new(SystemClock),
    };
    let sink = event_sink(&settings)?;
    let refresher = Refresher {
        store: built.store.clone(),
        sealer: built.sealer,
        meta,
        clock,
        policy: PassPolicy {
            rules: settings.refresh,
            catalog: MetricCatalog::for_version(&settings.meta.graph_version),
            ..PassPolicy::default()
        },
    };
    let report = refresher.pass(Duration::from_secs(600)).await?;
    let delivered = deliver_all(built.store.as_ref(), sink.as_ref()).await?;
    println!(
        "refresh: due {}, refreshed {}, validated {}, needs_reauth {}, failed {}, skipped {}, errors {}, left for the next run {}{}",
        report.due,
        report.refreshed,
        report.validated,
        report.needs_reauth,
        report.failed,
        report.skipped,
        report.errors,
        report.left,
        if report.rate_limited {
            " (Meta is throttling the app: stopped early)"
        } else if report.out_of_time {
            " (stopped at its deadline)"
        } else {
            ""
        }
    );
    println!(
        "snapshots: accounts {}, days {}",
        report.snapshots, report.snapshot_days
    );
    println!("{}", events_line(&delivered));
    if report.errors > 0 {
        return Err(format!(
            "{} due account(s) could not be looked at; they are retried after their lease (see the log)",
            report.errors
        ));
    }
    Ok(())
}
