//! Lambda function `initiate`: `POST /v1/connections/instagram/initiate`.
//!
//! Everything but the entry point lives in `igconnect::lambda`; this binary only chooses
//! which route group to run, so its dependencies (and IAM policy) stay minimal: a DynamoDB
//! state store and a Graph client that builds authorization URLs.

// One invocation at a time per environment: a single-threaded runtime spares the CPU of
// waking worker threads and moving tasks between them (docs/lambda.md, Benchmark).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    igconnect::lambda::run(igconnect::lambda::initiate()).await
}
