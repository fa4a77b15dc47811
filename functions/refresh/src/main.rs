//! Lambda function `refresh`: run by an EventBridge schedule, it refreshes Instagram Login
//! tokens in their refresh window, validates Facebook Login connections, syncs profiles,
//! marks dead connections `needs_reauth` (announcing them once), and delivers the outbox of
//! events (one pass per invocation, stopping before the invocation's deadline).

// One invocation at a time per environment: a single-threaded runtime spares the CPU of
// waking worker threads and moving tasks between them (docs/lambda.md, Benchmark).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    igconnect::lambda::refresh().await
}
