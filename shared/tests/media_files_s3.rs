//! `S3MediaFiles` on moto's S3: a presigned PUT takes the declared type and size, a
//! presigned GET hands the file out, ranged reads and server-side copies work, and a
//! missing key reads as none.

use igconnect::adapters::s3::S3MediaFiles;
use igconnect::conformance::moto;
use igconnect::ports::{FilesError, MediaFiles};
use std::time::Duration;

async fn files() -> S3MediaFiles {
    S3MediaFiles::new(moto::s3_client(), moto::s3_bucket().await)
}

async fn put(
    files: &S3MediaFiles,
    key: &str,
    bytes: &[u8],
    content_type: &str,
) -> reqwest::Response {
    let target = files
        .upload_target(
            key,
            "image/png",
            bytes.len() as u64,
            Duration::from_secs(300),
        )
        .await
        .expect("a presigned PUT");
    assert_eq!(target.method, "PUT");
    let mut req = reqwest::Client::new().put(&target.url).body(bytes.to_vec());
    for (name, value) in &target.headers {
        let value = if name == "content-type" {
            content_type
        } else {
            value
        };
        req = req.header(name, value);
    }
    req.send().await.expect("moto answers")
}

#[tokio::test]
async fn a_presigned_put_lands_and_reads_back_whole_and_by_range() {
    let files = files().await;
    let key = "uploads/61/0193a5b2-7c1d-7e3f-8a9b-0c1d2e3f4a5b";
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();

    let landed = put(&files, key, &bytes, "image/png").await;

    assert!(landed.status().is_success(), "{:?}", landed.text().await);
    assert!(
        files
            .upload_target(key, "image/png", 1, Duration::from_secs(60))
            .await
            .unwrap()
            .url
            .contains("X-Amz-Signature")
    );
    assert_eq!(files.size(key).await.unwrap(), Some(10_000));
    assert_eq!(files.read(key, 10_000).await.unwrap(), bytes);
    assert_eq!(
        files.read_range(key, 100, 16).await.unwrap(),
        bytes[100..116]
    );
    assert!(matches!(
        files.read(key, 9_999).await,
        Err(FilesError::TooLarge(9_999))
    ));
}

#[tokio::test]
async fn a_converted_file_is_written_copied_fetched_by_presigned_get_and_deleted() {
    let files = files().await;
    let (raw, converted, copy) = ("uploads/61/a", "media/61/a.jpg", "media/61/a.mp4");
    files
        .write(raw, b"the raw bytes".to_vec(), "video/mp4")
        .await
        .unwrap();
    files
        .write(converted, b"jpeg bytes".to_vec(), "image/jpeg")
        .await
        .unwrap();
    files.copy(raw, copy, "video/mp4").await.unwrap();

    let url = files
        .fetch_url(converted, Duration::from_secs(300))
        .await
        .unwrap();
    let got = reqwest::get(&url).await.expect("moto answers");
    assert!(got.status().is_success());
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"jpeg bytes");
    assert_eq!(files.read(copy, 100).await.unwrap(), b"the raw bytes");

    files.delete(raw).await.unwrap();
    files.delete(raw).await.unwrap();
    assert_eq!(files.size(raw).await.unwrap(), None);
    assert!(matches!(
        files.read(raw, 100).await,
        Err(FilesError::Missing)
    ));
}

#[tokio::test]
async fn a_presigned_put_signs_the_declared_type_and_size() {
    let files = files().await;
    let target = files
        .upload_target("uploads/61/b", "image/png", 5, Duration::from_secs(300))
        .await
        .unwrap();
    let signed: Vec<&str> = target
        .url
        .split("X-Amz-SignedHeaders=")
        .nth(1)
        .unwrap_or_default()
        .split('&')
        .next()
        .unwrap_or_default()
        .split("%3B")
        .collect();
    assert!(
        signed.contains(&"content-type") && signed.contains(&"content-length"),
        "{signed:?}"
    );
    assert_eq!(
        target
            .headers
            .iter()
            .find(|(n, _)| n == "content-type")
            .map(|(_, v)| v.as_str()),
        Some("image/png")
    );
}

#[tokio::test]
async fn a_presigned_put_made_inside_lambda_needs_no_trace_header() {
    // What the Lambda runtime sets; the SDK's recursion detection reads them.
    // SAFETY: no other thread of this test binary reads these variables' absence: the
    // other tests only gain a header that the adapter removes anyway.
    unsafe {
        std::env::set_var("AWS_LAMBDA_FUNCTION_NAME", "publish");
        std::env::set_var(
            "_X_AMZN_TRACE_ID",
            "Root=1-5759e988-bd862e3fe1be46a994272793",
        );
    }
    let files = files().await;
    let target = files
        .upload_target("uploads/61/c", "image/png", 5, Duration::from_secs(300))
        .await
        .unwrap();
    assert!(
        target.headers.iter().all(|(n, _)| n != "x-amzn-trace-id")
            && !target.url.to_ascii_lowercase().contains("x-amzn-trace-id"),
        "{target:?}"
    );
}
