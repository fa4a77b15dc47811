//! Lambda function `share`: grants (`GET`/`PUT`/`DELETE /v1/accounts/{id}/grants[/{user_id}]`),
//! access changes (`PATCH /v1/accounts/{id}`) and the audit trail (`GET /v1/audit`).
//!
//! Everything but the entry point lives in `igconnect::lambda`. It writes grants, owners and
//! audit entries but never reads a token, and builds no KMS client.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    igconnect::lambda::run(igconnect::lambda::share()).await
}
