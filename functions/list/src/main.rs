//! Lambda function `list`: `GET /v1/accounts` and `GET /v1/accounts/{id}`.
//!
//! Everything but the entry point lives in `igconnect::lambda`. It reads accounts through a
//! reader that cannot reach a token, and builds no KMS client (its IAM policy has no KMS).

// One invocation at a time per environment: a single-threaded runtime spares the CPU of
// waking worker threads and moving tasks between them (docs/lambda.md, Benchmark).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    igconnect::lambda::run(igconnect::lambda::list()).await
}
