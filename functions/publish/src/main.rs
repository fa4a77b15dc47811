//! Lambda function `publish`: `POST`/`GET /v1/accounts/{id}/posts` and
//! `GET`/`DELETE /v1/accounts/{id}/posts/{post_id}`.
//!
//! Everything but the entry point lives in `igconnect::lambda`. It unseals the token of the
//! account it publishes to (KMS Decrypt, once per attempt) and writes posts; it cannot
//! change grants or owners.

// One invocation at a time per environment: a single-threaded runtime spares the CPU of
// waking worker threads and moving tasks between them (docs/lambda.md, Benchmark).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    igconnect::lambda::run(igconnect::lambda::publish()).await
}
