//! Lambda function `media`: S3 invokes it when an upload lands under `uploads/`; it checks
//! the file by its content and converts it into what Instagram accepts
//! (`igconnect::service::process_upload`).

// One invocation at a time per environment: a single-threaded runtime (docs/lambda.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    igconnect::lambda::media().await
}
