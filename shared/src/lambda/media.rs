//! The `media` function: S3 tells it an upload landed (`ObjectCreated` under `uploads/`),
//! and it checks and converts the file (`service::process_upload`). The only function that
//! reads raw uploads and writes converted files; it holds no KMS client and calls no Meta
//! endpoint.

use super::{Boot, Function, boot, init_failed, table, warm};
use crate::adapters::dynamodb::DynamoStore;
use crate::adapters::s3::S3MediaFiles;
use crate::domain::media::upload_key_owner;
use crate::ports::SystemClock;
use crate::service::{MediaDeps, MediaPolicy, Processed, process_upload};
use crate::telemetry::{self, LogFormat};
use aws_lambda_events::s3::S3Event;
use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;

/// What one invocation did, as the function answers it (and logs it).
#[derive(Debug, Default, Serialize)]
pub struct MediaReport {
    pub processed: usize,
    pub skipped: usize,
    /// Keys that name no upload of any record (not under `uploads/`, or unknown).
    pub ignored: usize,
}

/// The S3 object key of a notification, decoded: S3 sends keys form-encoded (`+` for a
/// space, `%xx` for the rest).
fn object_key(raw: &str) -> String {
    url::form_urlencoded::parse(format!("k={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The `media` function's main loop.
pub async fn media() -> Result<(), lambda_runtime::Error> {
    telemetry::init(LogFormat::Json);
    let init = async {
        let Boot { settings, aws } = boot(Function::Media).await?;
        let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
        warm::warm_up(vec![warm::dynamodb(&dynamodb)]).await;
        let store = DynamoStore::new(dynamodb, table(&settings, Function::Media)?);
        let bucket = settings.media.bucket.clone().unwrap_or_default();
        let files = S3MediaFiles::new(aws_sdk_s3::Client::new(&aws), bucket);
        Ok::<_, super::InitError>((store, files, MediaPolicy::from_settings(&settings.media)))
    };
    let (store, files, policy) = match init.await {
        Ok(parts) => parts,
        Err(e) => return Err(init_failed(e).await),
    };
    let deps = MediaDeps {
        store: &store,
        files: &files,
        clock: &SystemClock,
        policy: &policy,
    };
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| async move {
        let mut report = MediaReport::default();
        for record in event.payload.records {
            let key = object_key(record.s3.object.key.as_deref().unwrap_or_default());
            let Some((tenant, id)) = upload_key_owner(&key) else {
                report.ignored += 1;
                continue;
            };
            // A failure is returned, so S3's asynchronous invoke retries the event and the
            // dead-letter queue keeps it if that fails too; the record went back to
            // `uploading` and is processed again.
            match process_upload(deps, &tenant, &id).await? {
                Processed::Done(_) => report.processed += 1,
                Processed::Skipped(_) => report.skipped += 1,
                Processed::Unknown => report.ignored += 1,
            }
        }
        tracing::info!(
            processed = report.processed,
            skipped = report.skipped,
            ignored = report.ignored,
            "media pass"
        );
        Ok::<_, lambda_runtime::Error>(report)
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notification_keys_are_decoded() {
        assert_eq!(object_key("uploads/61/a%3Ab+c"), "uploads/61/a:b c");
        assert_eq!(object_key("uploads/61/0193"), "uploads/61/0193");
    }
}
