//! Injected latency: every call to one of Meta's API hosts waits `SandboxOptions::latency`
//! before it is answered, so a benchmark against the sandbox pays roughly what it would pay
//! against Meta. Zero (the default) adds nothing, not even a timer.

use super::Sandbox;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Waits the configured latency, then answers the request.
pub(crate) async fn delay(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    let latency = sandbox.options().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    next.run(request).await
}
