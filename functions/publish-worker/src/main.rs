//! Lambda function `publish-worker`: run every minute by an EventBridge schedule, it
//! publishes scheduled posts whose time has come, finishes videos Meta has processed,
//! retries transient failures and resolves unknown outcomes (one pass per invocation,
//! stopping before the invocation's deadline).

// One invocation at a time per environment: a single-threaded runtime spares the CPU of
// waking worker threads and moving tasks between them (docs/lambda.md, Benchmark).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    igconnect::lambda::publish_worker().await
}
