//! A counting HTTP proxy in front of moto: every request is forwarded unchanged (method,
//! path, query, headers, body) and counted by its `X-Amz-Target` header, the operation of
//! AWS's JSON protocols (`DynamoDB_20120810.Query`, `TrentService.Decrypt`, ...). A process
//! whose `AWS_ENDPOINT_URL` is the proxy's URL has every DynamoDB and KMS call it makes
//! counted, and nothing else's. Answers of 400 and above are counted apart: moto refuses a
//! concurrent transaction now and then, and the SDK sends it again. Also what a benchmark
//! gives a process to talk to moto through a proxy, and how it prints the counts.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use igconnect::conformance::moto;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// Calls of one operation.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub calls: u64,
    /// Of which answered with an error status (and typically retried by the SDK).
    pub refused: u64,
    /// Refusals by their error type (`__type` of the answer, else the status).
    pub reasons: BTreeMap<String, u64>,
}

/// Calls per operation.
pub type Counts = BTreeMap<String, Tally>;

struct Shared {
    upstream: String,
    client: reqwest::Client,
    counts: Mutex<Counts>,
}

/// A running proxy; stopped on drop.
pub struct CountingProxy {
    /// What to give a process as `AWS_ENDPOINT_URL`.
    pub url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl CountingProxy {
    /// Listens on a free loopback port and forwards to `upstream` (moto's endpoint).
    pub async fn start(upstream: &str) -> Result<Self, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("proxy cannot listen: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .no_proxy()
                .build()
                .map_err(|e| e.to_string())?,
            counts: Mutex::new(Counts::new()),
        });
        let app = Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            url: format!("http://{addr}"),
            shared,
            task,
        })
    }

    /// The counts so far, which start again from zero.
    pub fn take(&self) -> Counts {
        std::mem::take(&mut *self.shared.counts.lock().expect("counts lock"))
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Headers that belong to one hop, not to the request.
fn hop_by_hop(name: &header::HeaderName) -> bool {
    name == header::HOST
        || name == header::CONNECTION
        || name == header::CONTENT_LENGTH
        || name == header::TRANSFER_ENCODING
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{} {}", parts.method, parts.uri.path()));
    let count = |refused: Option<String>| {
        let mut counts = shared.counts.lock().expect("counts lock");
        let tally = counts.entry(operation.clone()).or_default();
        tally.calls += 1;
        if let Some(reason) = refused {
            tally.refused += 1;
            *tally.reasons.entry(reason).or_default() += 1;
        }
    };
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            count(Some("unreadable request".into()));
            return (StatusCode::BAD_GATEWAY, e.to_string()).into_response();
        }
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut headers = HeaderMap::new();
    for (name, value) in &parts.headers {
        if !hop_by_hop(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    let sent = shared
        .client
        .request(parts.method, format!("{}{path}", shared.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let answer = match sent {
        Ok(a) => a,
        Err(e) => {
            count(Some("moto unreachable".into()));
            return (StatusCode::BAD_GATEWAY, e.to_string()).into_response();
        }
    };
    let status = answer.status();
    let mut headers = answer.headers().clone();
    for name in [
        header::CONNECTION,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
    ] {
        headers.remove(name);
    }
    let bytes = match answer.bytes().await {
        Ok(b) => b,
        Err(e) => {
            count(Some("answer unreadable".into()));
            return (StatusCode::BAD_GATEWAY, e.to_string()).into_response();
        }
    };
    count((status.as_u16() >= 400).then(|| error_type(status, &bytes)));
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// What an error answer says it is: the `__type` of AWS's JSON protocols, without its
/// namespace (`TransactionCanceledException`), else the status.
fn error_type(status: StatusCode, body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["__type"].as_str().map(str::to_owned))
        .map(|t| t.rsplit('#').next().unwrap_or(&t).to_owned())
        .unwrap_or_else(|| status.to_string())
}

/// The environment of a process on moto's DynamoDB and KMS through `endpoint` (a proxy's
/// URL), with its table and KMS key.
pub fn aws_env(endpoint: &str, table: &str, key: &str) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = moto::child_env()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    for (k, v) in &mut env {
        if k == "AWS_ENDPOINT_URL" {
            *v = endpoint.to_owned();
        }
    }
    env.push(("IGC_TABLE_NAME".into(), table.to_owned()));
    env.push(("IGC_KMS_KEY_ID".into(), key.to_owned()));
    env
}

/// Prints `counts` per operation and per `unit` of work (`post`, `account`; `units` of
/// them), and the totals. "answered" leaves out the calls moto refused (which the SDK sent
/// again): what the same work costs on DynamoDB.
pub fn print_counts(counts: &Counts, units: usize, unit: &str) {
    let per_unit = |n: u64| n as f64 / units as f64;
    let (per, answered) = (format!("per {unit}"), format!("answered per {unit}"));
    println!(
        "    {:<38} {:>6} {:>8} {per:>12} {answered:>20}",
        "operation", "calls", "refused"
    );
    let row = |name: &str, calls: u64, refused: u64| {
        println!(
            "    {name:<38} {calls:>6} {refused:>8} {:>12.2} {:>20.2}",
            per_unit(calls),
            per_unit(calls - refused)
        );
    };
    for (operation, t) in counts {
        row(operation, t.calls, t.refused);
        for (reason, n) in &t.reasons {
            println!("      refused as {reason}: {n}");
        }
    }
    row(
        "total",
        counts.values().map(|t| t.calls).sum(),
        counts.values().map(|t| t.refused).sum(),
    );
}
