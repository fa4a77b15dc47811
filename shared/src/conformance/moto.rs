//! moto's server standing in for DynamoDB and KMS, so the AWS adapters run the very same
//! suites over the real wire protocols, without an AWS account.
//!
//! One `moto_server` per test binary, started on first use on a free 127.0.0.1 port from
//! the workspace's `.venv` (`scripts/install-tools` puts it there). Every test then gets its
//! own table or key with a unique name, so tests stay independent while sharing the server.
//!
//! Stopping it: statics are never dropped, so a guard's `Drop` cannot do it, and a test
//! binary can also die by signal. moto therefore runs under a tiny `sh` watchdog whose
//! stdin is a pipe held only by the test process: when the test process ends, however it
//! ends, the kernel closes that pipe, the watchdog's `cat` sees end of file, and it kills
//! moto. No pid files, no orphans, nothing for `scripts/test` to clean up.
//!
//! moto runs its server with one thread per request and applies neither a conditional write
//! nor a transaction atomically: two racing writes can both pass their condition, and a
//! cancelled transaction restores a snapshot of the table taken before writes that landed
//! meanwhile. DynamoDB serialises the writes to one item, which is what every single-winner
//! behaviour relies on, so moto is started behind a lock that handles one request at a time
//! ([`SERIALISED_MOTO`]); requests still overlap in transfer.
//!
//! `IGC_MOTO_URL`, when set, points the helpers at a moto server that is already running
//! instead (the black-box tests start one for the processes they spawn).

use crate::adapters::dynamodb::DynamoStore;
use crate::adapters::kms::KmsSealer;
use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, SharedCredentialsProvider,
};
use aws_sdk_dynamodb::operation::{
    batch_get_item::BatchGetItemInput, create_table::CreateTableInput,
    delete_item::DeleteItemInput, describe_table::DescribeTableInput,
    describe_time_to_live::DescribeTimeToLiveInput, get_item::GetItemInput, put_item::PutItemInput,
    query::QueryInput, transact_write_items::TransactWriteItemsInput, update_item::UpdateItemInput,
    update_time_to_live::UpdateTimeToLiveInput,
};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The region every moto client uses.
pub const REGION: &str = "us-east-1";

/// How long moto may take to answer after it is started (Python imports are slow).
const STARTUP: Duration = Duration::from_secs(60);

/// The running server. Never dropped: the watchdog ends moto when the process ends.
struct Moto {
    endpoint: String,
    _watchdog: Option<Mutex<(Child, ChildStdin)>>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// The endpoint URL of this test binary's moto server, starting it on first use.
///
/// Panics when moto is not installed: the AWS suites must run, never silently skip.
pub fn endpoint() -> &'static str {
    &MOTO.get_or_init(start).endpoint
}

/// Environment for a child process that should talk to the same moto server (the SDK's
/// standard variables, with static test credentials).
pub fn child_env() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint().to_owned()),
        ("AWS_REGION", REGION.to_owned()),
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
    ]
}

/// An SDK configuration for moto: fixed region, static test credentials, moto's endpoint.
/// Built explicitly so nothing from the developer's own AWS environment leaks in.
pub fn sdk_config() -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "moto",
        )))
        .endpoint_url(endpoint())
        .build()
}

/// A DynamoDB client for moto.
pub fn dynamodb_client() -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config())
}

/// A KMS client for moto.
pub fn kms_client() -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::new(&sdk_config())
}

/// An S3 client for moto: path-style addressing, since moto's single endpoint serves every
/// bucket (real S3 takes virtual-hosted names).
pub fn s3_client() -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(&sdk_config())
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A fresh bucket of its own on moto; returns its name.
pub async fn s3_bucket() -> String {
    let name = unique_name("igconnect-media");
    s3_client()
        .create_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("create the test bucket on moto");
    name
}

/// A name no other test uses.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A DynamoDB client for moto that refuses every operation a request path must not use
/// (see [`RequestPathOnly`]), so the whole suite proves the adapter never scans.
pub fn audited_dynamodb_client() -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk_config())
        .interceptor(RequestPathOnly)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A store over a fresh table of its own, created with its indexes, on an
/// [audited client](audited_dynamodb_client).
pub async fn dynamo_store() -> DynamoStore {
    let store = DynamoStore::new(audited_dynamodb_client(), unique_name("igconnect-test"));
    store
        .create_table()
        .await
        .expect("create the test table on moto");
    store
}

/// A fresh symmetric KMS key of its own; returns its id.
pub async fn kms_key() -> String {
    let created = kms_client()
        .create_key()
        .description("igconnect test key")
        .send()
        .await
        .expect("create a KMS key on moto");
    created
        .key_metadata()
        .map(|m| m.key_id().to_owned())
        .expect("moto names the key it created")
}

/// A sealer over a fresh KMS key of its own.
pub async fn kms_sealer() -> KmsSealer {
    KmsSealer::new(kms_client(), kms_key().await)
}

/// Refuses, before anything is sent, every DynamoDB operation but single-item reads and
/// writes, transactions, table setup, batch reads of named tenant or token items (a
/// refresh chunk's tokens), and `Query`s that are either pinned to one tenant's partition
/// or run on an index (the background refresh). A `Scan`, a batch read of other items, or a
/// base-table query not keyed by `TENANT#...` fails the test that issued it.
#[derive(Debug)]
pub struct RequestPathOnly;

impl Intercept for RequestPathOnly {
    fn name(&self) -> &'static str {
        "RequestPathOnly"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let input = context.input();
        if let Some(query) = input.downcast_ref::<QueryInput>() {
            return check_query(query);
        }
        if let Some(batch) = input.downcast_ref::<BatchGetItemInput>() {
            return check_batch_get(batch);
        }
        let allowed = input.downcast_ref::<GetItemInput>().is_some()
            || input.downcast_ref::<PutItemInput>().is_some()
            || input.downcast_ref::<DeleteItemInput>().is_some()
            || input.downcast_ref::<UpdateItemInput>().is_some()
            || input.downcast_ref::<TransactWriteItemsInput>().is_some()
            || input.downcast_ref::<CreateTableInput>().is_some()
            || input.downcast_ref::<DescribeTableInput>().is_some()
            || input.downcast_ref::<DescribeTimeToLiveInput>().is_some()
            || input.downcast_ref::<UpdateTimeToLiveInput>().is_some();
        if allowed {
            Ok(())
        } else {
            let shown = format!("{input:?}");
            let operation = shown
                .split([' ', '{', '('])
                .next()
                .unwrap_or("?")
                .to_owned();
            Err(
                format!("{operation} is not a request-path operation (no Scan, no batch reads)")
                    .into(),
            )
        }
    }
}

fn check_batch_get(
    batch: &BatchGetItemInput,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let named = batch
        .request_items()
        .into_iter()
        .flat_map(|tables| tables.values())
        .flat_map(|request| request.keys())
        .all(|key| {
            key.get("pk")
                .and_then(|pk| pk.as_s().ok())
                .is_some_and(|pk| pk.starts_with("TENANT#") || pk.starts_with("TOKEN#"))
        });
    if named {
        Ok(())
    } else {
        Err("a batch read may only name tenant or token items".into())
    }
}

fn check_query(query: &QueryInput) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if query.index_name().is_some() {
        return Ok(());
    }
    let partition = query
        .key_condition_expression()
        .filter(|k| k.starts_with("#pk = :pk"))
        .and_then(|_| query.expression_attribute_values())
        .and_then(|values| values.get(":pk"))
        .and_then(|value| value.as_s().ok());
    match partition {
        Some(pk) if pk.starts_with("TENANT#") => Ok(()),
        _ => Err("a base-table Query must be pinned to one tenant's partition".into()),
    }
}

/// moto's server (as `moto_server` runs it) with its application behind a lock. Arguments:
/// host, port.
const SERIALISED_MOTO: &str = r#"
import os, sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication, MotoRequestHandler, create_backend_app,
)

host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))
app = DomainDispatcherApplication(create_backend_app)
app.debug = True
lock = threading.Lock()

def one_at_a_time(environ, start_response):
    with lock:
        return list(app(environ, start_response))

run_simple(host, port, one_at_a_time, threaded=True, request_handler=MotoRequestHandler)
"#;

fn moto_server_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(".venv")
        .join("bin")
        .join("moto_server")
}

fn start() -> Moto {
    if let Ok(url) = std::env::var("IGC_MOTO_URL") {
        return Moto {
            endpoint: url.trim_end_matches('/').to_owned(),
            _watchdog: None,
        };
    }
    let server = moto_server_path();
    assert!(
        server.exists(),
        "moto is not installed: run scripts/test (or scripts/install-tools); looked for {}",
        server.display()
    );
    // A port taken between probing and binding makes moto exit; try a few.
    let mut failures = Vec::new();
    for _ in 0..3 {
        match start_on(&server, free_port()) {
            Ok(moto) => return moto,
            Err(why) => failures.push(why),
        }
    }
    panic!("moto_server did not start: {}", failures.join("; "));
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

fn start_on(server: &Path, port: u16) -> Result<Moto, String> {
    let log = std::env::temp_dir().join(format!("igconnect-moto-{port}.log"));
    // The Python of the virtualenv moto_server belongs to.
    let python = server.with_file_name("python");
    // $1 python, $2 port, $3 log, $4 the server program. `cat` returns when the test
    // process, the only writer of its stdin, is gone; then moto goes too.
    let script = r#""$1" -c "$4" 127.0.0.1 "$2" >"$3" 2>&1 </dev/null &
moto=$!
cat >/dev/null
kill "$moto" 2>/dev/null
wait "$moto" 2>/dev/null"#;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("moto-watchdog")
        .arg(&python)
        .arg(port.to_string())
        .arg(&log)
        .arg(SERIALISED_MOTO)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot spawn sh: {e}"))?;
    let stdin = child.stdin.take().ok_or("no stdin pipe to the watchdog")?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let started = Instant::now();
    while started.elapsed() < STARTUP {
        if answers_http(addr) {
            // The log only explains a failed start; moto keeps its unlinked file open.
            let _ = std::fs::remove_file(&log);
            return Ok(Moto {
                endpoint: format!("http://{addr}"),
                _watchdog: Some(Mutex::new((child, stdin))),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Closing stdin makes the watchdog stop whatever did start.
    drop(stdin);
    let _ = child.wait();
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    Err(format!(
        "no answer on port {port} within {}s; its output: {}",
        STARTUP.as_secs(),
        output.lines().rev().take(5).collect::<Vec<_>>().join(" | ")
    ))
}

/// Whether an HTTP server answers on `addr` (moto's own API, which needs no credentials).
fn answers_http(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /moto-api/data.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}
