//! Benchmark (not a test) of the token refresh pass, as operators run it: one `igconnect
//! refresh` process beside a running `igconnect serve`.
//!
//! Part 1, the embedded stack: `serve` (SQLite, local keyring, the sandbox answering every
//! Graph call after 50 ms, its own refresh and publish loops off) with 10,000 Instagram
//! Login accounts (2,500 tenants x the sandbox's 4 Instagram Login accounts), each with its
//! own long-lived token the sandbox issued, sealed and stored as the callback stores them,
//! connected "now". Both clocks then travel 46 days (the sandbox's through
//! `_inspect/clock`, the pass's with `--now`): every token is then old enough to refresh
//! and inside its 15-day refresh window, and every account is due. Their insight snapshots
//! are current to the day before (as for accounts looked at daily), so each look also
//! takes the one day's snapshot a daily look takes. One `igconnect refresh` process
//! refreshes them all. Prints its wall time, accounts per second and peak RSS
//! (`VmHWM`, sampled every ~20 ms), against the targets: at least 1,000 accounts/s, under
//! 64 MB.
//!
//! Part 2, the production adapters on moto: the same on DynamoDB and KMS, smaller (500
//! accounts, no injected latency), with the refresh process's AWS endpoint pointed at a
//! counting proxy in front of moto, so every DynamoDB and KMS call it makes is counted by
//! operation. Prints calls per account, against the targets: at most 2 KMS calls and 3
//! DynamoDB calls per account (the daily snapshot is written with the outcome).
//!
//! Snapshot mode (`REFRESH_BENCH_SNAPSHOT=1`, `scripts/snapshot-bench`): part 1 with 1,000
//! accounts and both clocks travelling one day instead of 46, so each look is the daily
//! one: the token checked and the profile synced (`/me`), then the account's first
//! snapshot (a week of account insights, one Graph call per day, two at a time, each after
//! 50 ms) stored.
//! Prints accounts per second and peak RSS against its targets: at least 200 accounts/s,
//! under 64 MB.
//!
//! Run: `scripts/refresh-bench` (builds the release binary, installs moto), or
//! `IGCONNECT_BIN=target/release/igconnect cargo bench -p igconnect-blackbox --bench
//! refresh`. `REFRESH_BENCH_PART=1` (or 2) runs one part alone; `REFRESH_BENCH_WRAP` puts a
//! profiler in front of the measured pass. Exits non-zero when a figure misses its target.
//! Figures are recorded in docs/lifecycle.md.

#[path = "../publish/proxy.rs"]
mod proxy;
mod seed;
// The publish worker's own entry point (`worker::run`) is not used here.
#[allow(dead_code)]
#[path = "../publish/worker.rs"]
mod worker;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use igconnect::adapters::dynamodb::DynamoStore;
use igconnect::adapters::keyring::LocalKeyring;
use igconnect::adapters::kms::KmsSealer;
use igconnect::adapters::sqlite::SqliteStore;
use igconnect::conformance::moto;
use igconnect::ports::RefreshQueue;
use igconnect_blackbox::Server;
use proxy::{CountingProxy, Counts, aws_env, print_counts};
use std::ffi::OsStr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use worker::WorkerRun;

/// Part 1.
const ACCOUNTS: usize = 10_000;
const LATENCY_MS: u64 = 50;
/// Meta calls per refreshed account: `refresh_access_token`, then `/me` with the new token.
const META_CALLS_PER_ACCOUNT: u64 = 2;
const RATE_TARGET: f64 = 1_000.0;
const RSS_TARGET_MB: f64 = 64.0;
/// Part 2.
const MOTO_ACCOUNTS: usize = 500;
const KMS_TARGET: f64 = 2.0;
/// The claim (one UpdateItem) and the outcome (one transaction, the day's snapshot in it),
/// and room for the index reads a chunk shares.
const DYNAMODB_TARGET: f64 = 3.0;
/// Refresh passes at most on moto (see [`on_moto`]).
const MOTO_PASSES: usize = 3;
/// How far both clocks travel after connecting: past the token's first 24 hours and into
/// its 15-day refresh window (45 days after it was issued), short of its expiry at 60.
const TRAVEL: TimeDelta = TimeDelta::days(46);
/// Between two passes on moto: past the 5-minute lease of an account a pass could not store.
const NEXT_PASS: TimeDelta = TimeDelta::minutes(6);
/// Long-lived token exchanges at a time while setting up.
const EXCHANGES_AT_ONCE: usize = 256;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            println!("\nrefresh bench: some figures miss their targets");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("refresh bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What part 1 measures: the refresh of tokens in their window, or the daily look and its
/// snapshot.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Refresh,
    Snapshot,
}

impl Mode {
    fn from_env() -> Self {
        if std::env::var("REFRESH_BENCH_SNAPSHOT").is_ok_and(|v| v == "1") {
            Self::Snapshot
        } else {
            Self::Refresh
        }
    }

    fn accounts(self) -> usize {
        match self {
            Self::Refresh => ACCOUNTS,
            Self::Snapshot => SNAPSHOT_ACCOUNTS,
        }
    }

    fn travel(self) -> TimeDelta {
        match self {
            Self::Refresh => TRAVEL,
            Self::Snapshot => SNAPSHOT_TRAVEL,
        }
    }

    fn rate_target(self) -> f64 {
        match self {
            Self::Refresh => RATE_TARGET,
            Self::Snapshot => SNAPSHOT_RATE_TARGET,
        }
    }

    /// How far the seeded accounts' snapshots go. Refresh: up to the day before the pass's
    /// yesterday, as for accounts looked at daily since they were connected, so the pass
    /// takes the one day a daily look takes; snapshot: none yet (a first snapshot, a week).
    fn snapshot_through(self, at: DateTime<Utc>) -> Option<chrono::NaiveDate> {
        match self {
            Self::Refresh => Some((at + TRAVEL).date_naive() - TimeDelta::days(2)),
            Self::Snapshot => None,
        }
    }

    /// Days each account's snapshot stores in this mode's pass.
    fn snapshot_days(self) -> u64 {
        match self {
            Self::Refresh => 1,
            Self::Snapshot => SNAPSHOT_DAYS,
        }
    }

    /// The summary count of accounts looked at as this mode expects.
    fn done_field(self) -> &'static str {
        match self {
            Self::Refresh => "refreshed",
            Self::Snapshot => "validated",
        }
    }
}

/// Snapshot mode: accounts, travel (a day: the daily look), target.
const SNAPSHOT_ACCOUNTS: usize = 1_000;
const SNAPSHOT_TRAVEL: TimeDelta = TimeDelta::days(1);
const SNAPSHOT_RATE_TARGET: f64 = 200.0;
/// Days the first snapshot of an account stores (`SNAPSHOT_BACKFILL_DAYS`).
const SNAPSHOT_DAYS: u64 = 7;

async fn run() -> Result<bool, String> {
    let bin = worker::release_bin("scripts/refresh-bench")?;
    let mode = Mode::from_env();
    if mode == Mode::Snapshot {
        return embedded(&bin, mode).await;
    }
    let part = std::env::var("REFRESH_BENCH_PART").unwrap_or_default();
    let embedded = part == "2" || embedded(&bin, mode).await?;
    let on_moto = part == "1" || on_moto(&bin).await?;
    Ok(embedded && on_moto)
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Now, to the second (what `--now` can say).
fn now_in_seconds() -> Result<DateTime<Utc>, String> {
    DateTime::from_timestamp(Utc::now().timestamp(), 0).ok_or_else(|| "no clock".to_owned())
}

/// `igconnect refresh --now <now> --data-dir <data_dir> <args>` with `env`, measured.
async fn refresh(
    bin: &Path,
    data_dir: &Path,
    now: DateTime<Utc>,
    args: &'static [&'static str],
    env: Vec<(String, String)>,
) -> Result<WorkerRun, String> {
    let (bin, data_dir, now) = (bin.to_owned(), data_dir.to_owned(), rfc3339(now));
    tokio::task::spawn_blocking(move || {
        let mut command: Vec<&OsStr> = ["refresh", "--now", &now, "--data-dir"]
            .map(OsStr::new)
            .to_vec();
        command.push(data_dir.as_os_str());
        command.extend(args.iter().map(OsStr::new));
        worker::measure(&bin, &command, &env, "refresh:", "REFRESH_BENCH_WRAP")
    })
    .await
    .map_err(|e| e.to_string())?
}

/// The counts of a refresh summary line, checked: it exited cleanly (or, when `errors_ok`,
/// failed only for accounts the next pass retries). Answers (refreshed, errors).
fn counted(run: &WorkerRun, errors_ok: bool) -> Result<(u64, u64), String> {
    counted_as(run, "refreshed", errors_ok)
}

/// [`counted`] of another outcome (`validated`).
fn counted_as(run: &WorkerRun, field: &str, errors_ok: bool) -> Result<(u64, u64), String> {
    let (Some(refreshed), Some(errors)) = (run.count(field), run.count("errors")) else {
        return Err(run.problems());
    };
    let clean = run.status.success() || (errors_ok && errors > 0);
    if !clean {
        return Err(run.problems());
    }
    Ok((refreshed, errors))
}

/// A pass at the moment of connection, before the clocks travel: nothing is due yet; it
/// delivers the `account.connected` events the seeding announced, so the measured pass
/// has none to deliver.
async fn deliver_seeded_events(
    bin: &Path,
    server: &Server,
    at: DateTime<Utc>,
    args: &'static [&'static str],
    env: Vec<(String, String)>,
) -> Result<(), String> {
    let run = refresh(bin, server.data_dir(), at, args, env).await?;
    if !run.status.success() || run.count("due") != Some(0) {
        return Err(format!("the pass before travelling: {}", run.problems()));
    }
    Ok(())
}

/// Moves the sandbox's clock forward by `by`.
async fn advance_sandbox(server: &Server, by: TimeDelta) -> Result<(), String> {
    let path = format!(
        "/sandbox/_inspect/clock?advance_seconds={}",
        by.num_seconds()
    );
    let res = server
        .http
        .post(server.url(&path))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("advancing the sandbox clock: {}", res.status()));
    }
    Ok(())
}

/// The `snapshots: accounts N, days M` line of a refresh run.
fn snapshot_counts(run: &WorkerRun) -> (u64, u64) {
    let line = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("snapshots:"))
        .unwrap_or_default();
    let field = |name: &str| {
        line.split(',')
            .find_map(|part| part.trim().strip_prefix(name)?.trim().parse().ok())
            .unwrap_or(0)
    };
    (field("accounts"), field("days"))
}

/// Part 1: 10,000 accounts (1,000 in snapshot mode) over SQLite with Meta's latency;
/// throughput and memory.
async fn embedded(bin: &Path, mode: Mode) -> Result<bool, String> {
    let (accounts, travel) = (mode.accounts(), mode.travel());
    let latency = LATENCY_MS.to_string();
    let server = Server::start_with_args(
        &["--sandbox-latency-ms", &latency],
        &[
            ("IGC_WORKER_INTERVAL_MS", "0"),
            ("IGC_REFRESH_INTERVAL_MS", "0"),
            ("IGC_LOG", "warn"),
        ],
    )
    .await;
    let dir = server.data_dir();

    let started = Instant::now();
    let tokens = seed::tokens(&server, accounts, EXCHANGES_AT_ONCE).await?;
    eprintln!(
        "the sandbox issued {accounts} long-lived tokens in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let store = SqliteStore::open(&dir.join("igconnect.sqlite3")).map_err(|e| e.to_string())?;
    let keyring =
        LocalKeyring::open_or_create(&dir.join("master.key")).map_err(|e| e.to_string())?;
    let at = now_in_seconds()?;
    let started = Instant::now();
    let stored = seed::connect(&store, &keyring, &tokens, at, 8, mode.snapshot_through(at)).await?;
    drop(tokens);
    eprintln!(
        "stored {stored} connections in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    deliver_seeded_events(bin, &server, at, &[], Vec::new()).await?;
    advance_sandbox(&server, travel).await?;

    eprintln!("running one refresh pass ...");
    let due_at = at + travel + TimeDelta::minutes(1);
    let run = refresh(bin, dir, due_at, &[], Vec::new()).await?;
    let (refreshed, errors) = counted_as(&run, mode.done_field(), false)?;
    let (snapshots, snapshot_days) = snapshot_counts(&run);
    let still_due = store
        .due_accounts(due_at, 100)
        .await
        .map_err(|e| e.to_string())?
        .len();

    let rate = refreshed as f64 / run.wall.as_secs_f64();
    let rate_target = mode.rate_target();
    let rate_ok = rate >= rate_target;
    let rss_ok = run.peak_rss_mb() < RSS_TARGET_MB;
    let all_refreshed = refreshed == stored as u64 && errors == 0 && still_due == 0;
    let all_snapshotted =
        snapshots == stored as u64 && snapshot_days == stored as u64 * mode.snapshot_days();
    println!();
    match mode {
        Mode::Refresh => {
            println!("part 1: one `igconnect refresh` on the embedded stack (SQLite, keyring)")
        }
        Mode::Snapshot => println!(
            "snapshot bench: one `igconnect refresh` taking each account's daily look and \
             first snapshot (SQLite, keyring)"
        ),
    }
    println!(
        "  accounts           {stored} Instagram Login accounts due ({} tenants x {}), each \
         with its own token",
        stored.div_ceil(seed::IG_ACCOUNTS.len()),
        seed::IG_ACCOUNTS.len()
    );
    match mode {
        Mode::Refresh => println!(
            "  Meta latency       {LATENCY_MS} ms per Graph call (sandbox; {META_CALLS_PER_ACCOUNT} \
             calls per account: refresh_access_token, /me; then the day's snapshot, one \
             account insights call)"
        ),
        Mode::Snapshot => println!(
            "  Meta latency       {LATENCY_MS} ms per Graph call (sandbox; /me, then \
             {SNAPSHOT_DAYS} account insight days, two at a time)"
        ),
    }
    println!(
        "  --now              {} (connected {})",
        rfc3339(due_at),
        rfc3339(at)
    );
    println!(
        "  wall time          {:.2} s (process start to exit)",
        run.wall.as_secs_f64()
    );
    println!(
        "  throughput         {rate:.0} accounts/s    target >= {rate_target:.0}   {}",
        pass(rate_ok)
    );
    println!(
        "  peak RSS           {:.1} MB (VmHWM, {} samples)    target < {RSS_TARGET_MB:.0} MB   {}",
        run.peak_rss_mb(),
        run.samples,
        pass(rss_ok)
    );
    println!("  pass said          {}", run.summary().unwrap_or("?"));
    println!(
        "  read back          {refreshed} of {stored} {}, {still_due} still due   {}",
        mode.done_field(),
        pass(all_refreshed)
    );
    println!(
        "  snapshots          {snapshots} accounts, {snapshot_days} days stored   {}",
        pass(all_snapshotted)
    );
    Ok(rate_ok && rss_ok && all_refreshed && all_snapshotted)
}

/// Calls to one AWS service (operations named `<prefix>.<Operation>`): all, and answered.
fn service_calls(counts: &Counts, prefix: &str) -> (u64, u64) {
    counts
        .iter()
        .filter(|(operation, _)| operation.starts_with(prefix))
        .fold((0, 0), |(all, answered), (_, t)| {
            (all + t.calls, answered + t.calls - t.refused)
        })
}

/// Part 2: DynamoDB and KMS calls per refreshed account, on moto.
async fn on_moto(bin: &Path) -> Result<bool, String> {
    const BACKENDS: &[&str] = &["--store", "dynamodb", "--sealer", "kms"];
    eprintln!("starting moto ...");
    let upstream = moto::endpoint();
    let table = moto::unique_name("igconnect-refresh-bench");
    let key = moto::kms_key().await;
    let proxy = CountingProxy::start(upstream).await?;

    let direct_env = aws_env(upstream, &table, &key);
    let mut env: Vec<(&str, &str)> = direct_env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    env.extend([
        ("IGC_WORKER_INTERVAL_MS", "0"),
        ("IGC_REFRESH_INTERVAL_MS", "0"),
        ("IGC_LOG", "warn"),
    ]);
    let server = Server::start_with_args(BACKENDS, &env).await;

    let tokens = seed::tokens(&server, MOTO_ACCOUNTS, EXCHANGES_AT_ONCE).await?;
    let store = DynamoStore::new(moto::dynamodb_client(), table.clone());
    let sealer = KmsSealer::new(moto::kms_client(), key.clone());
    let at = now_in_seconds()?;
    // moto answers concurrent transactions with errors now and then: one at a time.
    let stored = seed::connect(
        &store,
        &sealer,
        &tokens,
        at,
        1,
        Mode::Refresh.snapshot_through(at),
    )
    .await?;
    eprintln!("stored {stored} connections on moto; running the pass through the proxy ...");
    deliver_seeded_events(bin, &server, at, BACKENDS, direct_env.clone()).await?;
    advance_sandbox(&server, TRAVEL).await?;

    // moto's server fails a transaction now and then under concurrent writes (HTTP 500);
    // the SDK sends it again, and an account whose outcome could not be stored is left to
    // the next pass after its lease, as after a real outage. So passes run until all are
    // refreshed.
    let counted_env = aws_env(&proxy.url, &table, &key);
    let mut due_at = at + TRAVEL;
    let (mut refreshed, mut passes, mut summaries) = (0, 0, Vec::new());
    while refreshed < stored as u64 && passes < MOTO_PASSES {
        if passes > 0 {
            due_at += NEXT_PASS;
        }
        passes += 1;
        let run = refresh(
            bin,
            server.data_dir(),
            due_at,
            BACKENDS,
            counted_env.clone(),
        )
        .await?;
        refreshed += counted(&run, true)?.0;
        summaries.push(run.summary().unwrap_or("?").to_owned());
    }
    let counts = proxy.take();
    let still_due = store
        .due_accounts(due_at, 100)
        .await
        .map_err(|e| e.to_string())?
        .len();

    let per_account = |n: u64| n as f64 / stored as f64;
    let (kms, kms_answered) = service_calls(&counts, "TrentService.");
    let (dynamodb, dynamodb_answered) = service_calls(&counts, "DynamoDB_");
    let kms_ok = per_account(kms_answered) <= KMS_TARGET;
    let dynamodb_ok = per_account(dynamodb_answered) <= DYNAMODB_TARGET;
    let all_refreshed = refreshed == stored as u64 && still_due == 0;
    println!();
    println!("part 2: AWS calls on DynamoDB and KMS (moto), counted at a proxy by X-Amz-Target");
    println!(
        "  `igconnect refresh --store dynamodb --sealer kms` refreshing {stored} due accounts \
         in {passes} pass(es); every call of the process, setup and event delivery included"
    );
    for summary in &summaries {
        println!("    pass said: {summary}");
    }
    print_counts(&counts, stored, "account");
    println!(
        "    KMS: {:.2} calls per account answered ({:.2} sent)    target <= {KMS_TARGET:.0}   {}",
        per_account(kms_answered),
        per_account(kms),
        pass(kms_ok)
    );
    println!(
        "    DynamoDB: {:.2} calls per account answered ({:.2} sent)    target <= \
         {DYNAMODB_TARGET:.0}   {}",
        per_account(dynamodb_answered),
        per_account(dynamodb),
        pass(dynamodb_ok)
    );
    println!(
        "    read back: {refreshed} of {stored} refreshed, {still_due} still due   {}",
        pass(all_refreshed)
    );
    Ok(kms_ok && dynamodb_ok && all_refreshed)
}
