//! Lambda function `refresh`: run by an EventBridge schedule, it refreshes Instagram Login
//! tokens in their refresh window, validates Facebook Login connections, syncs profiles,
//! marks dead connections `needs_reauth` (announcing them once), and delivers the outbox of
//! events (one pass per invocation, stopping before the invocation's deadline).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    igconnect::lambda::refresh().await
}
