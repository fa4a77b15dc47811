//! Lambda function `callback`: `GET /v1/oauth/callback`, where Meta sends the browser back.
//!
//! Everything but the entry point lives in `igconnect::lambda`. This is the only function
//! that exchanges codes for tokens and seals them, so the only one with KMS permissions.

// One invocation at a time per environment: a single-threaded runtime spares the CPU of
// waking worker threads and moving tasks between them (docs/lambda.md, Benchmark).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    igconnect::lambda::run(igconnect::lambda::callback()).await
}
