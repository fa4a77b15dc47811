//! Lambda function `publish-worker`: run every minute by an EventBridge schedule, it
//! publishes scheduled posts whose time has come, finishes videos Meta has processed,
//! retries transient failures and resolves unknown outcomes (one pass per invocation,
//! stopping before the invocation's deadline).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    igconnect::lambda::publish_worker().await
}
