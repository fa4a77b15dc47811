//! Meta's resumable upload host (`rupload/` in the sandbox): a container created with
//! `upload_type=resumable` answers an upload `uri`; the video's bytes are POSTed there in
//! chunks, each at the offset received so far; once all arrived the container processes like
//! any video. Both Graph hosts, the refusals, and the injected chunk failure a client must
//! recover from.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::publishing::{Account, HOSTS, account, other_account};
use support::{Harness, VERSION, media, start, start_served};

/// A resumable Reel container: its id and upload uri.
async fn resumable(me: &Account) -> (String, String) {
    let a = me
        .create(&[
            ("media_type", "REELS"),
            ("upload_type", "resumable"),
            ("caption", "Up"),
        ])
        .await;
    let id = a.id();
    let uri = a.body["uri"].as_str().expect("an upload uri").to_owned();
    (id, uri)
}

/// POSTs `bytes` to `uri` at `offset` of a `file_size`-byte file with `token`.
async fn chunk(
    h: &Harness,
    uri: &str,
    token: &str,
    offset: u64,
    file_size: usize,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let res = h
        .browser
        .post(uri)
        .header("Authorization", format!("OAuth {token}"))
        .header("offset", offset.to_string())
        .header("file_size", file_size.to_string())
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

/// `GET uri`: how many bytes arrived.
async fn offset(h: &Harness, uri: &str, token: &str) -> u64 {
    let res = h
        .browser
        .get(uri)
        .header("Authorization", format!("OAuth {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["file_offset"].as_u64().unwrap()
}

async fn uploads(h: &Harness) -> Vec<Value> {
    let res = h
        .browser
        .get(h.url("_inspect/uploads"))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["data"].as_array().unwrap().clone()
}

fn debug_type(body: &Value) -> &str {
    body["debug_info"]["type"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_reel_uploaded_in_chunks_is_processed_and_published() {
    let video = media::mp4(10_000);
    for host in HOSTS {
        // Given a resumable Reel container
        let h = start().await;
        let me = account(&h, host).await;
        let (id, uri) = resumable(&me).await;
        assert_eq!(
            uri,
            h.url(&format!("rupload/ig-api-upload/{VERSION}/{id}"))
                .as_str()
        );
        // Waiting for its bytes, it is in progress and polls cost nothing
        for _ in 0..5 {
            assert_eq!(me.status(&id).await, "IN_PROGRESS");
        }
        assert_eq!(me.publish(&id).await.error(), (9007, Some(2207027)));
        // When the video arrives in three chunks
        let mut at = 0;
        for part in [4000, 4000, 2000] {
            let (status, body) = chunk(
                &h,
                &uri,
                &me.token,
                at,
                video.len(),
                &video[at as usize..at as usize + part],
            )
            .await;
            assert_eq!(status, 200, "{host:?} {body}");
            assert_eq!(
                body,
                json!({"success": true, "message": "Upload successful."})
            );
            at += part as u64;
            assert_eq!(offset(&h, &uri, &me.token).await, at);
        }
        // Then it processes like a URL video and publishes
        let (status, in_progress) = me.wait(&id).await;
        assert_eq!((status.as_str(), in_progress), ("FINISHED", 3), "{host:?}");
        assert_eq!(me.publish(&id).await.status, 200);
        assert_eq!(me.posts().await.len(), 1);
        // And the sandbox shows it was streamed in chunks
        let shown = uploads(&h).await;
        assert_eq!(shown.len(), 1);
        let u = &shown[0];
        assert_eq!(
            (u["container"].as_str(), u["owner"].as_str()),
            (Some(id.as_str()), Some(me.id.as_str()))
        );
        assert_eq!(
            (u["bytes_received"].as_u64(), u["file_size"].as_u64()),
            (Some(10_000), Some(10_000))
        );
        assert_eq!(
            (u["chunks"].as_u64(), u["largest_chunk"].as_u64()),
            (Some(3), Some(4000))
        );
        assert_eq!(
            (u["complete"].as_bool(), u["format"].as_str()),
            (Some(true), Some("MP4"))
        );
    }
}

#[tokio::test]
async fn bytes_that_are_not_a_video_end_in_error() {
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let (id, uri) = resumable(&me).await;
        let page = b"<html>not a video</html>";
        assert_eq!(chunk(&h, &uri, &me.token, 0, page.len(), page).await.0, 200);
        let (status, _) = me.wait(&id).await;
        assert_eq!(status, "ERROR", "{host:?}");
        assert_eq!(me.publish(&id).await.error(), (9007, Some(2207027)));
    }
}

#[tokio::test]
async fn chunks_at_the_wrong_offset_or_without_headers_are_refused() {
    let video = media::mp4(100);
    let h = start().await;
    let me = account(&h, HOSTS[0]).await;
    let (_, uri) = resumable(&me).await;
    let (status, body) = chunk(&h, &uri, &me.token, 10, 100, &video[10..]).await;
    assert_eq!(status, 400);
    assert_eq!(debug_type(&body), "ParameterValidationError");
    assert_eq!(body["debug_info"]["retriable"], false);
    assert!(
        body["debug_info"]["message"]
            .as_str()
            .unwrap()
            .contains("0 bytes")
    );
    let (status, _) = chunk(&h, &uri, &me.token, 0, 100, &video[..60]).await;
    assert_eq!(status, 200);
    let (status, body) = chunk(&h, &uri, &me.token, 60, 120, &video[60..]).await;
    assert_eq!(
        (status.as_u16(), debug_type(&body)),
        (400, "ParameterValidationError")
    );
    let mut long = video[60..].to_vec();
    long.push(0);
    let (status, _) = chunk(&h, &uri, &me.token, 60, 100, &long).await;
    assert_eq!(status, 400);
    let res = h
        .browser
        .post(&uri)
        .header("Authorization", format!("OAuth {}", me.token))
        .body(video[60..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["debug_info"]["message"],
        "HeaderValuePredicate: Header Offset not convertable to unsigned long"
    );
    assert_eq!(offset(&h, &uri, &me.token).await, 60);
}

#[tokio::test]
async fn only_a_token_that_may_publish_for_the_account_uploads() {
    let video = media::mp4(100);
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let them = other_account(&h, host).await;
        let (_, uri) = resumable(&me).await;
        let (status, body) = chunk(&h, &uri, &them.token, 0, 100, &video).await;
        assert_eq!(
            (status.as_u16(), debug_type(&body)),
            (400, "NotAuthorizedError"),
            "{host:?}"
        );
        let (status, body) = chunk(&h, &uri, "IGSBXTOKnope", 0, 100, &video).await;
        assert_eq!(
            (status.as_u16(), debug_type(&body)),
            (400, "NotAuthorizedError")
        );
        let unknown = h.url(&format!(
            "rupload/ig-api-upload/{VERSION}/17900000000000999"
        ));
        let (status, body) = chunk(&h, unknown.as_str(), &me.token, 0, 100, &video).await;
        assert_eq!(
            (status.as_u16(), debug_type(&body)),
            (400, "ProcessingFailedError")
        );
        assert_eq!(offset(&h, &uri, &me.token).await, 0);
    }
}

#[tokio::test]
async fn resumable_uploads_are_for_videos_only() {
    let h = start().await;
    let me = account(&h, HOSTS[1]).await;
    let image = me
        .create(&[
            ("image_url", "https://cdn.example.invalid/a.jpg"),
            ("upload_type", "resumable"),
        ])
        .await;
    assert_eq!(image.error(), (100, None));
    let both = me
        .create(&[
            ("media_type", "REELS"),
            ("upload_type", "resumable"),
            ("video_url", "https://cdn.example.invalid/r.mp4"),
        ])
        .await;
    assert_eq!(both.error(), (100, None));
    let story = me
        .create(&[("media_type", "STORIES"), ("upload_type", "resumable")])
        .await;
    assert!(story.body["uri"].is_string(), "{:?}", story.body);
}

/// Arms `fault` for `account`'s next chunk.
async fn arm(h: &Harness, account: &str, fault: &str) {
    let body = json!({"ig_user_id": account, "fault": fault, "count": 1});
    let res = h
        .browser
        .post(h.url("_inspect/faults"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_chunk_that_fails_once_is_resent_from_the_stored_offset() {
    let video = media::mp4(1000);
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let (id, uri) = resumable(&me).await;
        // Given the next chunk fails and keeps nothing
        arm(&h, &me.id, "upload_error").await;
        // And a Graph call in between does not use the fault up
        assert_eq!(me.status(&id).await, "IN_PROGRESS");
        let (status, body) = chunk(&h, &uri, &me.token, 0, 1000, &video[..600]).await;
        assert_eq!(status, 503, "{host:?}");
        assert_eq!(body["debug_info"]["retriable"], true);
        // When the client reads the offset back and resends from there
        let at = offset(&h, &uri, &me.token).await;
        assert_eq!(at, 0);
        assert_eq!(
            chunk(&h, &uri, &me.token, at, 1000, &video[..600]).await.0,
            200
        );
        // Given the next fails after half of it arrived
        arm(&h, &me.id, "upload_partial").await;
        assert_eq!(
            chunk(&h, &uri, &me.token, 600, 1000, &video[600..]).await.0,
            503
        );
        let at = offset(&h, &uri, &me.token).await;
        assert_eq!(at, 800);
        // A blind resend of the whole chunk is refused; the rest from the offset is not
        assert_eq!(
            chunk(&h, &uri, &me.token, 600, 1000, &video[600..]).await.0,
            400
        );
        let rest = &video[at as usize..];
        assert_eq!(chunk(&h, &uri, &me.token, at, 1000, rest).await.0, 200);
        let (status, _) = me.wait(&id).await;
        assert_eq!(status, "FINISHED", "{host:?}");
        let u = &uploads(&h).await[0];
        assert_eq!(
            (u["chunks"].as_u64(), u["failed_chunks"].as_u64()),
            (Some(2), Some(2))
        );
        assert_eq!(u["bytes_received"], 1000);
    }
}

#[tokio::test]
async fn chunks_larger_than_serves_body_limit_stream_through() {
    // Given the sandbox mounted as `igconnect serve` mounts it (64 KiB body limit)
    let h = start_served().await;
    let me = account(&h, HOSTS[1]).await;
    let (id, uri) = resumable(&me).await;
    // When one 3 MiB chunk is posted
    let video = media::mp4(3 * 1024 * 1024);
    let (status, body) = chunk(&h, &uri, &me.token, 0, video.len(), &video).await;
    // Then it is taken whole
    assert_eq!(status, 200, "{body}");
    assert_eq!(me.wait(&id).await.0, "FINISHED");
    assert_eq!(uploads(&h).await[0]["largest_chunk"], 3 * 1024 * 1024);
}
