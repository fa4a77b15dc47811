//! A webhook receiver for the scenarios that check outgoing events: it verifies every
//! delivery as docs/lifecycle.md tells receivers to, and keeps the events.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::Utc;
use igconnect::domain::verify_delivery;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The webhook secret the receiver checks signatures with.
pub const SECRET: &str = "whsec-test-0123456789";

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
    events: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let events = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(Arc::clone(&events));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, events }
    }

    /// The server's environment: events to this receiver, background loops off.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("IGC_WEBHOOK_URL", self.url.clone()),
            ("IGC_WEBHOOK_SECRET", SECRET.to_owned()),
            ("IGC_REFRESH_INTERVAL_MS", "0".to_owned()),
            ("IGC_WORKER_INTERVAL_MS", "0".to_owned()),
        ]
    }

    /// The types of the events received so far for `account`.
    pub fn kinds(&self, account: &str) -> Vec<String> {
        self.events
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
        panic!("no {kind} for {account}; got {:?}", self.kinds(account));
    }
}

async fn receive(
    State(events): State<Arc<Mutex<Vec<Value>>>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::http::StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let timestamp: i64 = header("x-igconnect-timestamp").parse().unwrap_or(0);
    let signature = header("x-igconnect-signature");
    if !verify_delivery(SECRET.as_bytes(), timestamp, &body, signature, Utc::now()) {
        return axum::http::StatusCode::UNAUTHORIZED;
    }
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        !String::from_utf8_lossy(&body).contains("token\":"),
        "an event never holds a token: {event}"
    );
    events.lock().unwrap().push(event);
    axum::http::StatusCode::NO_CONTENT
}
