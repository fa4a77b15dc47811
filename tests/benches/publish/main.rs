//! Benchmark (not a test) of the publish worker, as operators run it: one `igconnect worker
//! --once` process beside a running `igconnect serve`.
//!
//! Part 1, the embedded stack: `serve` (SQLite, local keyring, the sandbox answering every
//! Graph call after 50 ms, its own worker loop off) with 100 connected accounts (25 tenants
//! x the sandbox's 4 Instagram Login accounts) and 1,000 image posts scheduled through the
//! API; then one worker process publishes them all. Prints its wall time, posts per second
//! and peak RSS (`VmHWM`, sampled every ~20 ms), against the targets: at least 100 posts/s,
//! under 64 MB.
//!
//! Part 2, the production adapters on moto: the same on DynamoDB and KMS, smaller (10
//! accounts x 10 posts), with the worker's AWS endpoint pointed at a counting proxy in
//! front of moto, so every DynamoDB and KMS call the worker process makes is counted by
//! operation. Prints calls per post, against the target: at most one KMS `Decrypt` per post.
//! Then the same count for one image published within its request by `serve`.
//!
//! Run: `scripts/publish-bench` (builds the release binary, installs moto), or
//! `IGCONNECT_BIN=target/release/igconnect cargo bench -p igconnect-blackbox --bench
//! publish`. Exits non-zero when a figure misses its target. Figures are recorded in
//! docs/publishing.md.

mod proxy;
mod stack;
mod worker;

use chrono::{SecondsFormat, TimeDelta, Utc};
use igconnect::conformance::moto;
use igconnect_blackbox::Server;
use proxy::{CountingProxy, Counts, aws_env, print_counts};
use std::process::ExitCode;
use std::time::Instant;
use worker::WorkerRun;

/// Part 1.
const TENANTS: usize = 25;
const ACCOUNTS: usize = TENANTS * stack::IG_ACCOUNTS.len();
const POSTS_PER_ACCOUNT: usize = 10;
const LATENCY_MS: u64 = 50;
/// Meta calls per image post: content_publishing_limit, create the container, read its
/// status, media_publish, read the permalink.
const META_CALLS_PER_IMAGE: u64 = 5;
const RATE_TARGET: f64 = 100.0;
const RSS_TARGET_MB: f64 = 64.0;
/// Part 2.
const MOTO_ACCOUNTS: usize = 10;
const MOTO_POSTS_PER_ACCOUNT: usize = 10;
const DECRYPT: &str = "TrentService.Decrypt";
/// Worker passes at most (see [`on_moto`]).
const MOTO_PASSES: usize = 3;

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
            println!("\npublish bench: some figures miss their targets");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("publish bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn rfc3339(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The worker's exit and summary, checked: it exited cleanly and published `posts`.
fn check_worker(run: &WorkerRun, posts: usize) -> Result<(), String> {
    if !run.status.success() || run.count("published") != Some(posts as u64) {
        return Err(format!("{posts} posts not published: {}", run.problems()));
    }
    Ok(())
}

async fn run() -> Result<bool, String> {
    let bin = worker::release_bin("scripts/publish-bench")?;
    // `PUBLISH_BENCH_PART=1` (or 2) runs one part alone, e.g. while profiling.
    let part = std::env::var("PUBLISH_BENCH_PART").unwrap_or_default();
    let embedded = part == "2" || embedded(&bin).await?;
    let on_moto = part == "1" || on_moto(&bin).await?;
    Ok(embedded && on_moto)
}

/// Part 1: 1,000 posts over SQLite with Meta's latency; throughput and memory.
async fn embedded(bin: &std::path::Path) -> Result<bool, String> {
    let latency = LATENCY_MS.to_string();
    let server = Server::start_with_args(
        &[
            "--sandbox-latency-ms",
            &latency,
            "--sandbox-publishing-quota",
            "100000",
        ],
        &[("IGC_WORKER_INTERVAL_MS", "0"), ("IGC_LOG", "warn")],
    )
    .await;

    let started = Instant::now();
    let accounts = stack::connect(&server, ACCOUNTS, 25).await?;
    eprintln!(
        "connected {} accounts in {:.1} s",
        accounts.len(),
        started.elapsed().as_secs_f64()
    );
    let now = Utc::now();
    let started = Instant::now();
    let posts = stack::schedule(
        &server,
        &accounts,
        POSTS_PER_ACCOUNT,
        &rfc3339(now + TimeDelta::hours(1)),
        32,
    )
    .await?;
    eprintln!(
        "scheduled {posts} posts in {:.1} s; running one worker pass ...",
        started.elapsed().as_secs_f64()
    );

    let data_dir = server.data_dir().to_owned();
    let worker_now = rfc3339(now + TimeDelta::hours(2));
    let worker_bin = bin.to_owned();
    let run = tokio::task::spawn_blocking(move || {
        worker::run(&worker_bin, &data_dir, &worker_now, &[], &[])
    })
    .await
    .map_err(|e| e.to_string())??;
    check_worker(&run, posts)?;
    let statuses = stack::statuses(&server, &accounts).await?;
    let published = statuses.get("published").copied().unwrap_or(0);

    let rate = posts as f64 / run.wall.as_secs_f64();
    let rate_ok = rate >= RATE_TARGET;
    let rss_ok = run.peak_rss_mb() < RSS_TARGET_MB;
    let all_published = published == posts;
    println!();
    println!("part 1: one `igconnect worker --once` on the embedded stack (SQLite, keyring)");
    println!(
        "  posts              {posts} image posts ({POSTS_PER_ACCOUNT} per account, scheduled)"
    );
    println!(
        "  accounts           {} ({TENANTS} tenants x {} Instagram Login accounts)",
        accounts.len(),
        stack::IG_ACCOUNTS.len()
    );
    println!(
        "  Meta latency       {LATENCY_MS} ms per Graph call (sandbox; {META_CALLS_PER_IMAGE} \
         calls per image post)"
    );
    println!(
        "  wall time          {:.2} s (process start to exit)",
        run.wall.as_secs_f64()
    );
    println!(
        "  throughput         {rate:.1} posts/s    target >= {RATE_TARGET:.0}   {}",
        pass(rate_ok)
    );
    println!(
        "  peak RSS           {:.1} MB (VmHWM, {} samples)    target < {RSS_TARGET_MB:.0} MB   {}",
        run.peak_rss_mb(),
        run.samples,
        pass(rss_ok)
    );
    println!("  worker said        {}", run.summary().unwrap_or("?"));
    println!(
        "  read back          {published} of {posts} published (GET /v1/accounts/{{id}}/posts)   {}",
        pass(all_published)
    );
    Ok(rate_ok && rss_ok && all_published)
}

/// Calls of `operation` in `counts`.
fn calls(counts: &Counts, operation: &str) -> u64 {
    counts.get(operation).map_or(0, |t| t.calls)
}

/// Part 2: DynamoDB and KMS calls per post, worker and in-request, on moto.
async fn on_moto(bin: &std::path::Path) -> Result<bool, String> {
    eprintln!("starting moto ...");
    let upstream = moto::endpoint();
    let table = moto::unique_name("igconnect-publish-bench");
    let key = moto::kms_key().await;
    let serve_proxy = CountingProxy::start(upstream).await?;
    let worker_proxy = CountingProxy::start(upstream).await?;

    let serve_env = aws_env(&serve_proxy.url, &table, &key);
    let mut env: Vec<(&str, &str)> = serve_env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    env.extend([("IGC_WORKER_INTERVAL_MS", "0"), ("IGC_LOG", "warn")]);
    let server = Server::start_with_args(
        &[
            "--store",
            "dynamodb",
            "--sealer",
            "kms",
            "--sandbox-publishing-quota",
            "100000",
        ],
        &env,
    )
    .await;

    // moto answers concurrent transactions with errors now and then: one request at a time.
    let accounts = stack::connect(&server, MOTO_ACCOUNTS, 1).await?;
    let now = Utc::now();
    let posts = stack::schedule(
        &server,
        &accounts,
        MOTO_POSTS_PER_ACCOUNT,
        &rfc3339(now + TimeDelta::hours(1)),
        1,
    )
    .await?;
    eprintln!("scheduled {posts} posts on moto; running the worker through the proxy ...");

    // moto's server fails a transaction now and then under concurrent writes (HTTP 500);
    // the SDK sends it again, and a post refused three times in a row stays due for the
    // next pass, as it would after a real outage. So passes run until all are published.
    let worker_env = aws_env(&worker_proxy.url, &table, &key);
    let worker_now = rfc3339(now + TimeDelta::hours(2));
    let mut by_worker = 0;
    let mut passes = 0;
    // Posts taken up or attempted (a post refused in one pass is attempted again in the
    // next, and may unseal its token again).
    let mut attempts = 0;
    while by_worker < posts && passes < MOTO_PASSES {
        passes += 1;
        let (bin, dir, env, at) = (
            bin.to_owned(),
            server.data_dir().to_owned(),
            worker_env.clone(),
            worker_now.clone(),
        );
        let run = tokio::task::spawn_blocking(move || {
            worker::run(
                &bin,
                &dir,
                &at,
                &["--store", "dynamodb", "--sealer", "kms"],
                &env,
            )
        })
        .await
        .map_err(|e| e.to_string())??;
        let (Some(published), Some(errors)) = (run.count("published"), run.count("errors")) else {
            return Err(run.problems());
        };
        if !run.status.success() && errors == 0 {
            return Err(run.problems());
        }
        by_worker += published as usize;
        attempts += run.count("taken").unwrap_or(0) + errors;
    }
    if by_worker != posts {
        return Err(format!(
            "{passes} worker passes published {by_worker} of {posts} posts"
        ));
    }
    let worker_counts = worker_proxy.take();
    let statuses = stack::statuses(&server, &accounts).await?;
    let published = statuses.get("published").copied().unwrap_or(0);

    // One image published within its request, counted at serve's proxy alone.
    serve_proxy.take();
    let immediate = stack::create_post(&server, &accounts[0], posts, None).await?;
    let request_counts = serve_proxy.take();
    if immediate["status"] != "published" {
        return Err(format!(
            "the in-request post was not published: {immediate}"
        ));
    }

    let decrypts = calls(&worker_counts, DECRYPT);
    let decrypt_ok = decrypts <= attempts;
    let request_decrypt_ok = calls(&request_counts, DECRYPT) <= 1;
    let all_published = published == posts;
    println!();
    println!("part 2: AWS calls on DynamoDB and KMS (moto), counted at a proxy by X-Amz-Target");
    println!(
        "  worker: `igconnect worker --once` publishing {posts} scheduled image posts \
         ({} accounts x {MOTO_POSTS_PER_ACCOUNT}) in {passes} pass(es); every call of the \
         process, setup included",
        accounts.len()
    );
    print_counts(&worker_counts, posts, "post");
    println!(
        "    KMS Decrypt: {decrypts} for {attempts} attempts on {posts} posts    target <= 1 per \
         attempt   {}",
        pass(decrypt_ok)
    );
    println!(
        "    read back: {published} of {posts} published   {}",
        pass(all_published)
    );
    println!("  in-request: one image published by POST /v1/accounts/{{id}}/posts (no publish_at)");
    print_counts(&request_counts, 1, "post");
    println!(
        "    KMS Decrypt: {}    target <= 1   {}",
        calls(&request_counts, DECRYPT),
        pass(request_decrypt_ok)
    );
    Ok(decrypt_ok && request_decrypt_ok && all_published)
}
