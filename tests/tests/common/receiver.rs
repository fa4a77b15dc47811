//! A webhook receiver for the scenarios that check outgoing events: it verifies every
//! delivery with the Standard Webhooks reference library (`tests/webhook_verifier.py`, the
//! `standardwebhooks` package of PyPI), never with igconnect's own code, and keeps the
//! events it accepted.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use base64::Engine;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The webhook secret the server signs with and the receiver checks signatures with (a
/// test key: 32 bytes of 0x07).
pub const SECRET: &str = "whsec_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
/// A second test key (32 bytes of 0x08), for rotations.
pub const NEXT_SECRET: &str = "whsec_CAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg=";

/// Runs `$name(server, receiver)` on both runtimes, the server's events sent to a fresh
/// receiver and its own refresh loop and publish worker off.
macro_rules! with_receiver {
    ($($name:ident;)*) => {$(
        mod $name {
            use crate::common::receiver::Receiver;

            #[tokio::test]
            async fn on_sqlite() {
                let receiver = Receiver::start().await;
                let env = receiver.env();
                let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
                super::$name(igconnect_blackbox::Server::start_with(&env).await, receiver).await;
            }

            #[tokio::test]
            async fn on_dynamodb() {
                let receiver = Receiver::start().await;
                let env = receiver.env();
                let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let (server, _table) = crate::common::server_on_moto_with(&env).await;
                super::$name(server, receiver).await;
            }
        }
    )*};
}

#[derive(Clone)]
pub struct Receiver {
    url: String,
    inbox: Arc<Inbox>,
    server_secrets: String,
}

/// What the receiver got: the events it accepted, and why it refused the others.
struct Inbox {
    /// Each of these must verify a delivery on its own for it to be accepted.
    verify_with: Vec<String>,
    events: Mutex<Vec<Value>>,
    /// The `webhook-id` of each accepted delivery, in order.
    webhook_ids: Mutex<Vec<String>>,
    refused: Mutex<Vec<String>>,
}

impl Receiver {
    /// A receiver of a server that signs with [`SECRET`] and verifies with it.
    pub async fn start() -> Self {
        Self::start_with(SECRET, &[SECRET]).await
    }

    /// A receiver of a server whose `IGC_WEBHOOK_SECRET` is `server_secrets`, accepting a
    /// delivery only when each of `verify_with` verifies it alone (a rotation: each receiver
    /// holding either secret must accept every delivery).
    pub async fn start_with(server_secrets: &str, verify_with: &[&str]) -> Self {
        let inbox = Arc::new(Inbox {
            verify_with: verify_with.iter().map(|s| (*s).to_owned()).collect(),
            events: Mutex::new(Vec::new()),
            webhook_ids: Mutex::new(Vec::new()),
            refused: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(Arc::clone(&inbox));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            inbox,
            server_secrets: server_secrets.to_owned(),
        }
    }

    /// The `webhook-id` headers of the deliveries accepted so far, in order.
    pub fn webhook_ids(&self) -> Vec<String> {
        self.inbox.webhook_ids.lock().unwrap().clone()
    }

    /// Why deliveries were refused so far (the reference library's reasons).
    pub fn refused(&self) -> Vec<String> {
        self.inbox.refused.lock().unwrap().clone()
    }

    /// The server's environment: events to this receiver, background loops off.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("IGC_WEBHOOK_URL", self.url.clone()),
            ("IGC_WEBHOOK_SECRET", self.server_secrets.clone()),
            ("IGC_REFRESH_INTERVAL_MS", "0".to_owned()),
            ("IGC_WORKER_INTERVAL_MS", "0".to_owned()),
        ]
    }

    /// The types of the events received so far for `account`.
    pub fn kinds(&self, account: &str) -> Vec<String> {
        self.inbox
            .events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["account_id"] == account)
            .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Waits (a few seconds at most) for an event of `kind` about `account`; the event.
    pub async fn wait_for(&self, account: &str, kind: &str) -> Value {
        for _ in 0..100 {
            let found = self
                .inbox
                .events
                .lock()
                .unwrap()
                .iter()
                .find(|e| e["account_id"] == account && e["type"] == kind)
                .cloned();
            if let Some(event) = found {
                return event;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no {kind} for {account}; got {:?}, refused {:?}",
            self.kinds(account),
            self.refused()
        );
    }
}

async fn receive(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::http::StatusCode {
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), Value::from(v.to_str().ok()?))))
        .collect();
    let webhook_id = headers
        .get("webhook-id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let raw = body.to_vec();
    let secrets = inbox.verify_with.clone();
    let verdicts = tokio::task::spawn_blocking(move || {
        secrets
            .iter()
            .map(|secret| verify(secret, &headers, &raw))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    if let Some(why) = verdicts.into_iter().find(|v| v != "ok") {
        inbox.refused.lock().unwrap().push(why);
        return axum::http::StatusCode::UNAUTHORIZED;
    }
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        !String::from_utf8_lossy(&body).contains("token\":"),
        "an event never holds a token: {event}"
    );
    inbox.events.lock().unwrap().push(event);
    inbox.webhook_ids.lock().unwrap().push(webhook_id);
    axum::http::StatusCode::NO_CONTENT
}

/// The reference library's verdict on one delivery with one secret: "ok" or "refused: why".
fn verify(secret: &str, headers: &serde_json::Map<String, Value>, body: &[u8]) -> String {
    let request = json!({
        "secret": secret,
        "headers": headers,
        "body": base64::engine::general_purpose::STANDARD.encode(body),
    });
    let mut verifier = verifier().lock().unwrap();
    writeln!(verifier.stdin, "{request}").expect("the verifier takes a request");
    let mut answer = String::new();
    verifier
        .stdout
        .read_line(&mut answer)
        .expect("the verifier answers");
    assert!(!answer.is_empty(), "the verifier exited");
    answer.trim_end().to_owned()
}

/// One verifier process per test binary, started on first use from the workspace's `.venv`
/// (`scripts/install-tools` puts the library there); it ends when its stdin closes with us.
struct Verifier {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

fn verifier() -> &'static Mutex<Verifier> {
    static VERIFIER: OnceLock<Mutex<Verifier>> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = root.join("../.venv/bin/python");
        assert!(
            python.exists(),
            "the Standard Webhooks library is not installed: run scripts/test (or scripts/install-tools)"
        );
        let mut child = Command::new(python)
            .arg(root.join("webhook_verifier.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the verifier starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Mutex::new(Verifier {
            _child: child,
            stdin,
            stdout,
        })
    })
}
