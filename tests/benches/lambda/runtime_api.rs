//! A stand-in for the Lambda runtime API (`/2018-06-01/runtime/...`), just enough for one
//! function process at a time: it records when the process first asks for work, hands it
//! events one by one and collects the answers, so the benchmark can time cold start and
//! invocations without the Lambda service or an emulator in the path.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, mpsc, oneshot};

/// What the function answered to one invocation.
pub enum Outcome {
    /// `POST .../invocation/{id}/response`: the handler's result (an API Gateway response).
    Response(Value),
    /// `POST .../invocation/{id}/error`: the handler failed.
    Error(String),
}

struct Invocation {
    id: String,
    event: Value,
    done: oneshot::Sender<Outcome>,
}

struct Shared {
    /// The instant of every `GET .../invocation/next`, in arrival order.
    polls: mpsc::UnboundedSender<Instant>,
    /// Events waiting for the function to ask for them.
    queue: Mutex<mpsc::UnboundedReceiver<Invocation>>,
    /// Invocations handed out and not yet answered.
    pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_errors: mpsc::UnboundedSender<String>,
}

/// A running stand-in on 127.0.0.1.
pub struct RuntimeApi {
    pub addr: SocketAddr,
    polls: mpsc::UnboundedReceiver<Instant>,
    init_errors: mpsc::UnboundedReceiver<String>,
    submit: mpsc::UnboundedSender<Invocation>,
    next_id: u64,
}

impl RuntimeApi {
    /// Starts the stand-in on a free port.
    pub async fn start() -> Self {
        let (polls_tx, polls) = mpsc::unbounded_channel();
        let (submit, queue) = mpsc::unbounded_channel();
        let (errors_tx, init_errors) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            polls: polls_tx,
            queue: Mutex::new(queue),
            pending: Mutex::new(HashMap::new()),
            init_errors: errors_tx,
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the runtime API stand-in");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            polls,
            init_errors,
            submit,
            next_id: 0,
        }
    }

    /// Forgets polls recorded so far (from a previous process).
    pub fn clear_polls(&mut self) {
        while self.polls.try_recv().is_ok() {}
    }

    /// Waits for the next poll; `Err` with the reason when the process reported an init
    /// error or `timeout` passed.
    pub async fn next_poll(&mut self, timeout: Duration) -> Result<Instant, String> {
        tokio::select! {
            Some(at) = self.polls.recv() => Ok(at),
            Some(e) = self.init_errors.recv() => Err(format!("init error: {e}")),
            _ = tokio::time::sleep(timeout) => Err(format!("no poll within {timeout:?}")),
        }
    }

    /// Hands `event` to the function (as soon as it polls) and waits for its answer.
    pub async fn invoke(&mut self, event: Value, timeout: Duration) -> Result<Outcome, String> {
        self.next_id += 1;
        let (done, answer) = oneshot::channel();
        let invocation = Invocation {
            id: format!("bench-{:08}", self.next_id),
            event,
            done,
        };
        self.submit
            .send(invocation)
            .map_err(|_| "the stand-in stopped".to_owned())?;
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(_)) => Err("the invocation was dropped".into()),
            Err(_) => Err(format!("no answer within {timeout:?}")),
        }
    }
}

async fn next(State(s): State<Arc<Shared>>) -> impl IntoResponse {
    let _ = s.polls.send(Instant::now());
    let invocation = s.queue.lock().await.recv().await;
    let Some(Invocation { id, event, done }) = invocation else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            HeaderMap::new(),
            String::new(),
        );
    };
    s.pending.lock().await.insert(id.clone(), done);
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("lambda-runtime-aws-request-id", id);
    set("lambda-runtime-deadline-ms", deadline.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:bench".into(),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0".into(),
    );
    (StatusCode::OK, headers, event.to_string())
}

async fn response(State(s): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Some(done) = s.pending.lock().await.remove(&id) {
        let _ = done.send(Outcome::Response(value));
    }
    StatusCode::ACCEPTED
}

async fn error(State(s): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    if let Some(done) = s.pending.lock().await.remove(&id) {
        let _ = done.send(Outcome::Error(String::from_utf8_lossy(&body).into_owned()));
    }
    StatusCode::ACCEPTED
}

async fn init_error(State(s): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    let _ = s
        .init_errors
        .send(String::from_utf8_lossy(&body).into_owned());
    StatusCode::ACCEPTED
}
