//! Benchmark (not a test) of the Lambda functions as they ship: for each function's
//! `bootstrap.zip` (from `cargo lambda build --release --x86-64 --output-format zip`) it
//! prints the zip size and the time from process start to the first poll of the runtime
//! API, then the warm invoke latency of `list` over a tenant with 1,000 accounts on moto.
//!
//! The runtime API is a stand-in of our own ([`runtime_api`]), so the figures are the
//! binary's own: no emulator, no network. Start-to-first-poll covers everything a cold
//! start runs before the first event (process start, JSON logging, configuration, SDK
//! configuration, client construction); warm latency covers one invocation end to end
//! (event to handler to the DynamoDB Queries of accounts and their grants on moto and back).
//!
//! Run: `scripts/lambda-bench`, or after a `cargo lambda build` as above,
//! `cargo bench -p igconnect-blackbox --bench lambda`. Targets: start to first poll under
//! 30 ms, zip under 8 MB. Figures are recorded in docs/lambda.md.

mod runtime_api;

use chrono::Utc;
use igconnect::adapters::dynamodb::DynamoStore;
use igconnect::conformance::moto;
use igconnect::domain::PageRequest;
use igconnect::domain::{
    Caller, Connection, IgUserId, LoginPath, MetaGrantor, Owner, Profile, Role, TenantId, UserId,
};
use igconnect::ports::{AccountWriter, SealedSecret};
use igconnect::service::{self, AccessDeps};
use runtime_api::{Outcome, RuntimeApi};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const FUNCTIONS: [&str; 4] = ["initiate", "callback", "list", "share"];
/// Cold starts measured per function.
const STARTS: usize = 20;
const ACCOUNTS: usize = 1000;
const WARMUP: usize = 5;
const INVOKES: usize = 100;
const TENANT: &str = "tenant-bench";
const ZIP_TARGET: u64 = 8 * 1000 * 1000;
const START_TARGET: Duration = Duration::from_millis(30);

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
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lambda bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The shipped zip of `function`, unpacked into `dir`; (zip size, path of `bootstrap`).
fn unpack(function: &str, dir: &Path) -> Result<(u64, PathBuf), String> {
    let zip = target_dir()
        .join("lambda")
        .join(function)
        .join("bootstrap.zip");
    let size = std::fs::metadata(&zip)
        .map_err(|_| {
            format!(
                "{} is missing: build the functions first with \
                 `cargo lambda build --release --x86-64 --output-format zip` \
                 (or run scripts/lambda-bench, which does both)",
                zip.display()
            )
        })?
        .len();
    let out = dir.join(function);
    let status = Command::new("unzip")
        .args(["-q", "-o"])
        .arg(&zip)
        .arg("-d")
        .arg(&out)
        .status()
        .map_err(|e| format!("cannot run unzip: {e}"))?;
    if !status.success() {
        return Err(format!("unzip {} failed", zip.display()));
    }
    Ok((size, out.join("bootstrap")))
}

/// The environment Lambda gives a function, plus the function's own configuration.
fn lambda_env(
    function: &str,
    api: &RuntimeApi,
    config: &[(&str, String)],
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        ("AWS_LAMBDA_RUNTIME_API".into(), api.addr.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME".into(), function.into()),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), "256".into()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME".into(),
            format!("/aws/lambda/{function}"),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME".into(), "bench".into()),
        ("LAMBDA_TASK_ROOT".into(), "/var/task".into()),
    ];
    env.extend(
        moto::child_env()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v)),
    );
    env.extend(config.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    env
}

fn spawn(bootstrap: &Path, env: &[(String, String)]) -> Result<Child, String> {
    Command::new(bootstrap)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bootstrap.display()))
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// (median, p95) of `samples`.
fn summary(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort();
    let at = |q: f64| {
        let i = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i]
    };
    (at(0.5), at(0.95))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Spawn -> first `GET /runtime/invocation/next`, `STARTS` times.
async fn cold_starts(
    function: &str,
    bootstrap: &Path,
    config: &[(&str, String)],
) -> Result<Vec<Duration>, String> {
    let mut api = RuntimeApi::start().await;
    let env = lambda_env(function, &api, config);
    let mut samples = Vec::with_capacity(STARTS);
    // One unmeasured start warms the page cache, as Lambda's own storage would be warm.
    for round in 0..=STARTS {
        api.clear_polls();
        let started = Instant::now();
        let child = spawn(bootstrap, &env)?;
        let polled = api.next_poll(Duration::from_secs(10)).await;
        stop(child);
        let polled = polled.map_err(|e| format!("{function}: {e}"))?;
        if round > 0 {
            samples.push(polled.saturating_duration_since(started));
        }
    }
    Ok(samples)
}

/// Seeds `ACCOUNTS` accounts for `TENANT` through the store's AccountWriter, one at a time:
/// moto's server answers concurrent transactions with errors now and then.
async fn seed(store: &DynamoStore) -> Result<(), String> {
    let tenant = TenantId::parse(TENANT).map_err(|e| e.to_string())?;
    let user = UserId::parse("user-bench").map_err(|e| e.to_string())?;
    // `list` never reads tokens; any well-formed envelope of realistic size does.
    let sealed = SealedSecret {
        key_id: "arn:aws:kms:us-east-1:123456789012:key/bench".into(),
        wrapped_key: vec![7; 184],
        nonce: vec![9; 12],
        ciphertext: vec![5; 220],
    };
    for i in 0..ACCOUNTS {
        let connection = Connection {
            tenant: tenant.clone(),
            ig_user_id: IgUserId::parse(format!("178414{i:011}")).map_err(|e| e.to_string())?,
            login: LoginPath::Facebook,
            owner: Owner::Company,
            profile: Profile {
                username: format!("bench.account.{i}"),
                name: Some(format!("Bench Account {i}")),
                profile_picture_url: Some(format!(
                    "https://sandbox.igconnect.invalid/avatars/bench{i}.png"
                )),
                followers_count: Some(1000 + i as u64),
                follows_count: Some(100),
                media_count: Some(42),
                biography: Some("Seeded for the Lambda benchmark.".into()),
                ..Profile::default()
            },
            grantor: MetaGrantor {
                meta_user_id: "10000000000000001".into(),
                page_id: Some(format!("1000000{i:08}")),
                scopes: None,
            },
            token_expires_at: None,
            connected_by: user.clone(),
            at: Utc::now(),
        };
        store
            .save_connection(&connection, &sealed)
            .await
            .map_err(|e| format!("seeding account {i}: {e}"))?;
    }
    Ok(())
}

/// The storage part alone: the same use case over the same `DynamoStore` and moto (a page
/// of accounts, then the grants on them), in this process, so the function's own share of
/// the latency shows.
async fn store_alone(store: &DynamoStore, limit: Option<u32>) -> Result<Vec<Duration>, String> {
    // Who `list_event` says is calling.
    let caller = Caller {
        tenant: TenantId::parse(TENANT).map_err(|e| e.to_string())?,
        user: UserId::parse("user-alice").map_err(|e| e.to_string())?,
        role: Role::Admin,
    };
    let deps = AccessDeps {
        accounts: store,
        grants: store,
    };
    let page = PageRequest::parse(limit, None).map_err(|e| e.to_string())?;
    let mut samples = Vec::with_capacity(INVOKES);
    for round in 0..WARMUP + INVOKES {
        let started = Instant::now();
        service::list_accounts(deps, &caller, &page)
            .await
            .map_err(|e| e.to_string())?;
        if round >= WARMUP {
            samples.push(started.elapsed());
        }
    }
    Ok(samples)
}

/// `list.json` (an admin, `user-alice`, who sees every company account) aimed at `TENANT`.
fn list_event(query: &str) -> Result<Value, String> {
    let path = root().join("tests/fixtures/apigw/list.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut event: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    event["requestContext"]["authorizer"]["jwt"]["claims"]["tenant_id"] = TENANT.into();
    event["rawQueryString"] = query.into();
    event
        .as_object_mut()
        .map(|o| o.remove("queryStringParameters"));
    Ok(event)
}

/// Invokes `list` with `event` until warm, then `INVOKES` times; (latencies, items per page).
async fn warm_latency(
    api: &mut RuntimeApi,
    event: &Value,
) -> Result<(Vec<Duration>, usize), String> {
    let mut samples = Vec::with_capacity(INVOKES);
    let mut items = 0;
    for round in 0..WARMUP + INVOKES {
        let started = Instant::now();
        let outcome = api.invoke(event.clone(), Duration::from_secs(30)).await?;
        let elapsed = started.elapsed();
        let response = match outcome {
            Outcome::Response(v) => v,
            Outcome::Error(e) => return Err(format!("list failed: {e}")),
        };
        if response["statusCode"] != 200 {
            return Err(format!("list answered {response}"));
        }
        if round >= WARMUP {
            samples.push(elapsed);
        } else {
            let body: Value = response["body"]
                .as_str()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or_default();
            items = body["data"].as_array().map(Vec::len).unwrap_or(0);
        }
    }
    Ok((samples, items))
}

async fn run() -> Result<(), String> {
    let unpacked = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut zips = Vec::new();
    for function in FUNCTIONS {
        zips.push((function, unpack(function, unpacked.path())?));
    }

    eprintln!("starting moto and creating the table and key ...");
    let table = moto::unique_name("igconnect-bench");
    let store = DynamoStore::new(moto::dynamodb_client(), table.clone());
    store.create_table().await.map_err(|e| e.to_string())?;
    let key_id = moto::kms_key().await;
    let config: Vec<(&str, String)> = vec![
        ("IGC_TABLE_NAME", table),
        ("IGC_KMS_KEY_ID", key_id),
        (
            "IGC_REDIRECT_URI",
            "https://api.example.com/v1/oauth/callback".into(),
        ),
        (
            "IGC_ALLOWED_RETURN_ORIGINS",
            "https://app.example.com".into(),
        ),
        ("IGC_META_APP_ID", "sandbox-facebook-app".into()),
        ("IGC_META_APP_SECRET", "sandbox-facebook-secret".into()),
        ("IGC_INSTAGRAM_APP_ID", "sandbox-instagram-app".into()),
        (
            "IGC_INSTAGRAM_APP_SECRET",
            "sandbox-instagram-secret".into(),
        ),
    ];

    println!();
    println!(
        "{:<10} {:>12} {:>22} {:>22}",
        "function", "zip", "start->poll median", "start->poll p95"
    );
    let mut within_targets = true;
    for (function, (size, bootstrap)) in &zips {
        let mut samples = cold_starts(function, bootstrap, &config).await?;
        let (median, p95) = summary(&mut samples);
        within_targets &= *size < ZIP_TARGET && median < START_TARGET;
        println!(
            "{:<10} {:>9.2} MB {:>22} {:>22}",
            function,
            *size as f64 / 1e6,
            ms(median),
            ms(p95)
        );
    }
    println!("({STARTS} starts each; targets: zip < 8 MB, start->first poll < 30 ms)");

    eprintln!("seeding {ACCOUNTS} accounts through DynamoStore on moto ...");
    let seeding = Instant::now();
    seed(&store).await?;
    eprintln!("seeded in {:.1} s", seeding.elapsed().as_secs_f64());

    let (_, bootstrap) = &zips
        .iter()
        .find(|(f, _)| *f == "list")
        .ok_or("no list function")?
        .1;
    let mut api = RuntimeApi::start().await;
    let env = lambda_env("list", &api, &config);
    let started = Instant::now();
    let child = spawn(bootstrap, &env)?;
    let first = api
        .invoke(list_event("")?, Duration::from_secs(30))
        .await
        .map(|_| started.elapsed());
    let result = async {
        let first = first?;
        println!();
        println!(
            "list over a tenant with {ACCOUNTS} accounts (moto at {}):",
            moto::endpoint()
        );
        println!("  first invoke after process start: {}", ms(first));
        for (label, query, limit) in [
            ("default page", "", None),
            ("limit=100", "limit=100", Some(100)),
        ] {
            let (mut samples, items) = warm_latency(&mut api, &list_event(query)?).await?;
            let (median, p95) = summary(&mut samples);
            let mut baseline = store_alone(&store, limit).await?;
            let (alone, _) = summary(&mut baseline);
            println!(
                "  warm, {label} ({items} accounts): median {}, p95 {} ({INVOKES} invokes); \
                 the same use case over DynamoStore in process: median {}",
                ms(median),
                ms(p95),
                ms(alone)
            );
        }
        Ok::<(), String>(())
    }
    .await;
    stop(child);
    result?;
    if !within_targets {
        println!("\nsome figures miss their targets");
    }
    Ok(())
}
