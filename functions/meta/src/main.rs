//! Lambda function `meta`: Meta's callbacks, `POST /v1/meta/deauthorize`,
//! `POST /v1/meta/data-deletion`, `GET /v1/meta/data-deletion/{code}` and
//! `GET`/`POST /v1/meta/webhooks`, behind no authorizer (Meta signs them).
//!
//! Everything but the entry point lives in `igconnect::lambda`. It revokes and deletes
//! accounts, destroying their tokens without reading them, so it builds no KMS client.

// One invocation at a time per environment: a single-threaded runtime spares the CPU of
// waking worker threads and moving tasks between them (docs/lambda.md, Benchmark).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    igconnect::lambda::run(igconnect::lambda::meta()).await
}
