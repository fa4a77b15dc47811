//! Lambda function `publish`: `POST`/`GET /v1/accounts/{id}/posts` and
//! `GET`/`DELETE /v1/accounts/{id}/posts/{post_id}`.
//!
//! Everything but the entry point lives in `igconnect::lambda`. It unseals the token of the
//! account it publishes to (KMS Decrypt, once per attempt) and writes posts; it cannot
//! change grants or owners.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    igconnect::lambda::run(igconnect::lambda::publish()).await
}
