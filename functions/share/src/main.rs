//! Lambda function `share`: grants (`GET`/`PUT`/`DELETE /v1/accounts/{id}/grants[/{user_id}]`),
//! access changes (`PATCH /v1/accounts/{id}`) and the audit trail (`GET /v1/audit`).
//!
//! Everything but the entry point lives in `igconnect::lambda`. It writes grants, owners and
//! audit entries but never reads a token, and builds no KMS client.

// One invocation at a time per environment: a single-threaded runtime spares the CPU of
// waking worker threads and moving tasks between them (docs/lambda.md, Benchmark).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    igconnect::lambda::run(igconnect::lambda::share()).await
}
