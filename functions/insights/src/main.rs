//! Lambda function `insights`: `GET /v1/accounts/{id}/insights`, `GET .../media`,
//! `GET .../media/{media_id}/insights`, `GET .../posts/{post_id}/insights`, and comment
//! moderation under `.../media/{media_id}/comments`.
//!
//! Everything but the entry point lives in `igconnect::lambda`. It unseals the token of the
//! account a request names (KMS Decrypt) and writes only audit entries.

// One invocation at a time per environment: a single-threaded runtime spares the CPU of
// waking worker threads and moving tasks between them (docs/lambda.md, Benchmark).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    igconnect::lambda::run(igconnect::lambda::insights()).await
}
