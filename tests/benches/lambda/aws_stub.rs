//! A loopback stand-in for the AWS endpoints the functions call (DynamoDB, KMS, Secrets
//! Manager; all JSON over HTTP/1.1 with keep-alive, told apart by `X-Amz-Target`), so the
//! benchmark measures the function's own CPU rather than moto's: moto closes the connection
//! after every request (a new TCP connection per call) and its Python latency dwarfs what
//! the function spends.
//!
//! Reads are recorded: the first request with a given target and body goes to moto and its
//! answer is kept; every later identical request is answered from the recording, so the
//! responses are moto's real ones (the items a real `Query` returns). Requests whose body
//! differs every time (a `PutItem` of a fresh state) and the init-time calls (the warm-up
//! probes, the Meta secret) are answered with canned JSON. Signatures are not checked.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;

/// The Meta secret the stand-in hands out to `GetSecretValue`.
pub const SECRET_ID: &str = "igconnect/meta-bench";

struct Shared {
    moto: String,
    http: reqwest::Client,
    recorded: Mutex<HashMap<(String, Bytes), (StatusCode, Bytes)>>,
    /// Requests that had to go to moto (not yet recorded).
    forwarded: AtomicU64,
}

/// A running stand-in on 127.0.0.1.
pub struct AwsStub {
    pub url: String,
    shared: Arc<Shared>,
}

impl AwsStub {
    /// Starts the stand-in in front of the moto server at `moto`.
    pub async fn start(moto: &str) -> Result<Self, String> {
        let shared = Arc::new(Shared {
            moto: moto.to_owned(),
            http: reqwest::Client::new(),
            recorded: Mutex::new(HashMap::new()),
            forwarded: AtomicU64::new(0),
        });
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("bind the AWS stand-in: {e}"))?;
        let addr: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            url: format!("http://{addr}"),
            shared,
        })
    }

    /// How many requests went to moto so far.
    pub fn forwarded(&self) -> u64 {
        self.shared.forwarded.load(Ordering::Relaxed)
    }
}

/// The JSON protocol's content type of each service.
fn content_type(target: &str) -> &'static str {
    if target.starts_with("DynamoDB_") {
        "application/x-amz-json-1.0"
    } else {
        "application/x-amz-json-1.1"
    }
}

fn canned(target: &str) -> Option<String> {
    let secret = serde_json::json!({
        "facebook_app_secret": "sandbox-facebook-secret",
        "instagram_app_secret": "sandbox-instagram-secret",
        "webhook_verify_token": "sandbox-verify-token",
    });
    Some(match target {
        "DynamoDB_20120810.DescribeEndpoints" => {
            r#"{"Endpoints":[{"Address":"dynamodb.us-east-1.amazonaws.com","CachePeriodInMinutes":1440}]}"#.to_owned()
        }
        // A write that returns nothing (no ReturnValues): the function only checks success.
        "DynamoDB_20120810.PutItem" => "{}".to_owned(),
        "TrentService.DescribeKey" => serde_json::json!({
            "KeyMetadata": {
                "KeyId": "bench",
                "Arn": "arn:aws:kms:us-east-1:123456789012:key/bench",
                "Enabled": true,
                "KeyState": "Enabled",
            }
        })
        .to_string(),
        "secretsmanager.GetSecretValue" => serde_json::json!({
            "ARN": format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{SECRET_ID}-AbCdEf"),
            "Name": SECRET_ID,
            "VersionId": "bench",
            "SecretString": secret.to_string(),
        })
        .to_string(),
        _ => return None,
    })
}

async fn answer(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let kind = HeaderValue::from_static(content_type(&target));
    if let Some(json) = canned(&target) {
        return (StatusCode::OK, [(header::CONTENT_TYPE, kind)], json).into_response();
    }
    // The SDK serialises attribute maps from hash maps, in an order that differs between
    // requests: the recording is keyed by the body with its object keys sorted.
    let canonical = serde_json::from_slice::<serde_json::Value>(&body)
        .map(|v| Bytes::from(v.to_string()))
        .unwrap_or_else(|_| body.clone());
    let key = (target, canonical);
    if let Some((status, json)) = s.recorded.lock().await.get(&key).cloned() {
        return (status, [(header::CONTENT_TYPE, kind)], json).into_response();
    }
    s.forwarded.fetch_add(1, Ordering::Relaxed);
    let mut forward = s.http.post(&s.moto).body(body);
    for (name, value) in &headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            forward = forward.header(name, value);
        }
    }
    let answered = async {
        let res = forward.send().await.map_err(|e| e.to_string())?;
        let status = res.status();
        let json = res.bytes().await.map_err(|e| e.to_string())?;
        Ok::<_, String>((status, json))
    }
    .await;
    match answered {
        Ok((status, json)) => {
            if status.is_success() {
                s.recorded.lock().await.insert(key, (status, json.clone()));
            }
            (status, [(header::CONTENT_TYPE, kind)], json).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e).into_response(),
    }
}
