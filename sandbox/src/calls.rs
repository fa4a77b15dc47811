//! The calls the sandbox answered on Meta's API hosts, by route (`GET /facebook-graph/{ver}/me`),
//! in order: `GET _inspect/calls` lists them and `DELETE _inspect/calls` forgets them, so a
//! test can count what igconnect asked Meta for on each of its routes (the call table in
//! docs/lambda.md). Consent pages and `_inspect/` are not calls to Meta and are not logged.

use super::Sandbox;
use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One answered call.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Call {
    pub method: String,
    /// The route's template, ids and versions left as `{...}`; never a query string (which
    /// may hold a token).
    pub route: String,
    pub status: u16,
}

/// Records the call, then answers it.
pub(crate) async fn record(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "?".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    sandbox.log_call(Call {
        method,
        route,
        status: response.status().as_u16(),
    });
    response
}

/// `GET _inspect/calls`: `{"calls": [{"method", "route", "status"}, ...]}`, oldest first.
pub(crate) async fn inspect_calls(State(sandbox): State<Sandbox>) -> Response {
    Json(serde_json::json!({ "calls": sandbox.calls() })).into_response()
}

/// `DELETE _inspect/calls`: forgets every call logged so far.
pub(crate) async fn forget_calls(State(sandbox): State<Sandbox>) -> StatusCode {
    sandbox.forget_calls();
    StatusCode::NO_CONTENT
}
