//! Publishing from files: a file is declared (`POST /v1/media`), sent to the URL that
//! answers, checked and converted by its content, and named by id in posts; Meta (the
//! sandbox) fetches the converted file from a signed URL. Every bad input has a stable code
//! and leaves nothing half stored. Each scenario runs on SQLite and on DynamoDB + KMS (moto).

#[macro_use]
mod common;

use common::{WORKER_OFF, in_seconds};
use igconnect::domain::media::content::{self as samples, VideoCodec};
use igconnect_blackbox::{Answer, Server};
use serde_json::{Value, json};

const PIXEL_CAFE: &str = "17841400000000201";
const NOVA_CREATES: &str = "17841400000000202";

/// The worker off and a small quota (so the quota test needs no large files).
const SMALL_QUOTA: &[(&str, &str)] = &[
    ("IGC_WORKER_INTERVAL_MS", "0"),
    ("IGC_MEDIA_QUOTA_BYTES", "3000000"),
];

/// Upload URLs that expire after a second.
const SHORT_UPLOADS: &[(&str, &str)] = &[
    ("IGC_WORKER_INTERVAL_MS", "0"),
    ("IGC_MEDIA_UPLOAD_TTL_SECONDS", "1"),
];

on_both_runtimes! {
    a_png_with_gps_becomes_a_jpeg_without_metadata_and_is_published(WORKER_OFF);
    an_image_outside_the_aspect_range_is_refused_or_cropped_as_asked(WORKER_OFF);
    files_that_are_not_what_they_claim_are_rejected_with_a_code(WORKER_OFF);
    upload_urls_take_one_upload_of_the_declared_size_and_type(SHORT_UPLOADS);
    media_that_cannot_be_published_are_refused_before_the_post_is_stored(WORKER_OFF);
    the_tenants_quota_refuses_a_declaration_that_would_exceed_it(SMALL_QUOTA);
    files_are_deleted_when_unused_after_their_retention_or_with_their_account(WORKER_OFF);
    a_reel_from_a_file_goes_by_resumable_upload_in_chunks_and_survives_a_failed_chunk(QUICK_VIDEOS);
    a_reel_from_a_file_on_instagram_login_is_fetched_by_signed_url(QUICK_VIDEOS);
}

/// The worker off, and a video processed after one status read.
const QUICK_VIDEOS: &[(&str, &str)] = &[
    ("IGC_WORKER_INTERVAL_MS", "0"),
    ("IGC_SANDBOX_VIDEO_POLLS", "1"),
];

const SUNRISE_BAKERY: &str = "17841400000000101";

/// A 4-second H.264 MP4 padded with a `free` box after its `moov` to `size` bytes.
fn padded_mp4(size: usize) -> Vec<u8> {
    let mut mp4 = samples::sample_mp4(4_000, VideoCodec::H264);
    let pad = size.saturating_sub(mp4.len()).max(8);
    mp4.extend_from_slice(&u32::try_from(pad).expect("a small pad").to_be_bytes());
    mp4.extend_from_slice(b"free");
    mp4.resize(mp4.len() + pad - 8, 0);
    mp4
}

async fn inspect(server: &Server, what: &str) -> Vec<Value> {
    let res = reqwest::get(server.url(&format!("/sandbox/_inspect/{what}")))
        .await
        .expect("the sandbox answers");
    let body: Value = res.json().await.expect("json");
    body["data"].as_array().cloned().unwrap_or_default()
}

/// A PNG whose header declares `width x height` (a decompression bomb's shape): a real
/// 1x1 PNG with its IHDR rewritten and its checksum made right again.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut png = samples::sample_png(1, 1, false);
    // Signature (8), IHDR length (4), "IHDR" (4), then width and height.
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// CRC-32 (ISO 3309), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `POST /v1/media` with `body`.
async fn declare(server: &Server, token: &str, body: Value) -> Answer {
    server
        .request("POST", "/v1/media", token, Some(&body))
        .await
}

/// A PUT of `bytes` to a declared upload, with the headers it was given (`content_type`
/// replacing the declared one when given).
async fn put(declared: &Answer, bytes: Vec<u8>, content_type: Option<&str>) -> Answer {
    let upload = &declared.body["upload"];
    assert_eq!(upload["method"], "PUT", "{declared:?}");
    let url = upload["url"].as_str().expect("an upload URL");
    let mut req = reqwest::Client::new().put(url).body(bytes);
    for (name, value) in upload["headers"].as_object().expect("headers") {
        let value = match (name.as_str(), content_type) {
            ("content-type", Some(replaced)) => replaced,
            _ => value.as_str().expect("a header value"),
        };
        req = req.header(name, value);
    }
    Answer::read(req.send().await.expect("the upload URL answers")).await
}

/// Declares `bytes` as `content_type` (with `extra` fields) and uploads them; the media's
/// state after the upload.
async fn upload(
    server: &Server,
    token: &str,
    content_type: &str,
    bytes: Vec<u8>,
    extra: Value,
) -> Value {
    let mut body = json!({
        "filename": "file", "content_type": content_type, "size": bytes.len()
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let declared = declare(server, token, body).await;
    assert_eq!(declared.status, 201, "{declared:?}");
    assert_eq!(declared.body["status"], "uploading");
    let id = declared.body["id"].as_str().expect("an id").to_owned();
    let landed = put(&declared, bytes, None).await;
    assert_eq!(landed.status, 200, "{landed:?}");
    let media = server
        .request("GET", &format!("/v1/media/{id}"), token, None)
        .await;
    assert_eq!(media.status, 200, "{media:?}");
    media.body
}

/// What the sandbox fetched, newest last.
async fn fetched(server: &Server) -> Vec<Value> {
    let res = reqwest::get(server.url("/sandbox/_inspect/fetched"))
        .await
        .expect("the sandbox answers");
    let body: Value = res.json().await.expect("json");
    body["data"].as_array().cloned().unwrap_or_default()
}

/// Given a designer's PNG with GPS coordinates in its EXIF, when it is uploaded, then it
/// becomes a JPEG at most 1440 px wide with no metadata, the media says what was found and
/// what was done; published as an image and inside a carousel, the sandbox fetched a JPEG
/// without EXIF each time, and the posts show the media id they name.
async fn a_png_with_gps_becomes_a_jpeg_without_metadata_and_is_published(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;

    let media = upload(
        &server,
        &alice,
        "image/png",
        samples::sample_png(2000, 1600, true),
        json!({}),
    )
    .await;

    assert_eq!(media["status"], "ready", "{media}");
    assert_eq!(media["found"]["format"], "PNG");
    assert_eq!(media["found"]["had_metadata"], true);
    assert_eq!(
        (
            media["found"]["width"].as_u64(),
            media["found"]["height"].as_u64()
        ),
        (Some(2000), Some(1600))
    );
    assert_eq!(media["result"]["content_type"], "image/jpeg");
    assert_eq!(
        (
            media["result"]["width"].as_u64(),
            media["result"]["height"].as_u64()
        ),
        (Some(1440), Some(1152))
    );
    let changes = media["changes"].to_string();
    assert!(changes.contains("converted from PNG"), "{changes}");
    let id = media["id"].as_str().expect("id");

    let image = server
        .publish(&alice, &account, Some("file-image"), &json!({
            "type": "image", "media": [{"media_id": id, "kind": "image"}], "caption": "From a file"
        }))
        .await;
    assert_eq!(image.status, 201, "{image:?}");
    assert_eq!(image.body["media"][0]["media_id"], id);
    let carousel = server
        .publish(&alice, &account, Some("file-carousel"), &json!({
            "type": "carousel",
            "media": [{"media_id": id, "kind": "image"}, {"url": "https://cdn.example/2.jpg", "kind": "image"}]
        }))
        .await;
    assert_eq!(carousel.status, 201, "{carousel:?}");

    let from_us: Vec<Value> = fetched(&server)
        .await
        .into_iter()
        .filter(|f| {
            f["url"]
                .as_str()
                .is_some_and(|u| u.contains("/media-files/file"))
        })
        .collect();
    assert_eq!(from_us.len(), 2, "{from_us:?}");
    for f in &from_us {
        assert_eq!(f["format"], "JPEG", "{f}");
        assert_eq!(f["has_exif"], false, "{f}");
        assert_eq!(f["width"], 1440, "{f}");
    }
    let again = server
        .request("GET", &format!("/v1/media/{id}"), &alice, None)
        .await;
    assert_eq!(again.body["posts"], 2, "{again:?}");
}

/// Given a panorama (3:1), when it is uploaded for an image post with the default fit, it
/// is rejected with the allowed range; with `fit: crop`, it is cropped to 1.91:1; with
/// `fit: pad`, letterboxed.
async fn an_image_outside_the_aspect_range_is_refused_or_cropped_as_asked(server: Server) {
    let alice = server.token("acme", "alice", "owner");

    let refused = upload(
        &server,
        &alice,
        "image/png",
        samples::sample_png(1500, 500, false),
        json!({}),
    )
    .await;
    let cropped = upload(
        &server,
        &alice,
        "image/png",
        samples::sample_png(1500, 500, false),
        json!({"fit": "crop"}),
    )
    .await;
    let padded = upload(
        &server,
        &alice,
        "image/png",
        samples::sample_png(1500, 500, false),
        json!({"fit": "pad", "pad_color": "#000000"}),
    )
    .await;

    assert_eq!(refused["status"], "rejected", "{refused}");
    assert_eq!(refused["rejection"]["code"], "unsupported_aspect_ratio");
    assert!(
        refused["rejection"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("1.91")),
        "{refused}"
    );
    assert_eq!(cropped["status"], "ready", "{cropped}");
    let ratio = |m: &Value| {
        m["result"]["width"].as_f64().unwrap_or(0.0) / m["result"]["height"].as_f64().unwrap_or(1.0)
    };
    assert!((ratio(&cropped) - 1.91).abs() < 0.02, "{cropped}");
    assert_eq!(padded["status"], "ready", "{padded}");
    assert!((ratio(&padded) - 1.91).abs() < 0.02, "{padded}");
}

/// A PNG declared as a JPEG, a truncated PNG, a PNG declaring 60000x60000 pixels (a
/// decompression bomb), a video too short for a reel and a VP9 video are each rejected with
/// their own code; HEIC is refused at declaration, before anything is stored; a sideways
/// phone JPEG with GPS comes out upright.
async fn files_that_are_not_what_they_claim_are_rejected_with_a_code(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let png = samples::sample_png(800, 800, false);

    let lying = upload(&server, &alice, "image/jpeg", png.clone(), json!({})).await;
    let truncated = upload(
        &server,
        &alice,
        "image/png",
        png[..png.len() / 2].to_vec(),
        json!({}),
    )
    .await;
    let bomb = upload(
        &server,
        &alice,
        "image/png",
        png_declaring(60_000, 60_000),
        json!({}),
    )
    .await;
    let short = upload(
        &server,
        &alice,
        "video/mp4",
        samples::sample_mp4(2_000, VideoCodec::H264),
        json!({}),
    )
    .await;
    let vp9 = upload(
        &server,
        &alice,
        "video/mp4",
        samples::sample_mp4(5_000, VideoCodec::Other("vp09".into())),
        json!({}),
    )
    .await;
    let phone = upload(
        &server,
        &alice,
        "image/jpeg",
        samples::sample_jpeg_with_gps(1200, 1000, 6),
        json!({}),
    )
    .await;
    let heic = declare(
        &server,
        &alice,
        json!({"filename": "IMG_0001.HEIC", "content_type": "image/heic", "size": 10}),
    )
    .await;

    let code = |m: &Value| {
        m["rejection"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        (lying["status"].as_str(), code(&lying).as_str()),
        (Some("rejected"), "content_type_mismatch"),
        "{lying}"
    );
    assert_eq!(code(&truncated), "file_corrupt", "{truncated}");
    assert_eq!(code(&bomb), "image_too_large", "{bomb}");
    assert_eq!(code(&short), "video_too_short", "{short}");
    assert_eq!(short["found"]["duration_ms"], 2000, "{short}");
    assert_eq!(code(&vp9), "unsupported_codec", "{vp9}");
    // A phone photo taken sideways (EXIF orientation 6) stays upright, its GPS gone.
    assert_eq!(phone["status"], "ready", "{phone}");
    assert_eq!(phone["found"]["had_metadata"], true, "{phone}");
    assert_eq!(
        (
            phone["result"]["width"].as_u64(),
            phone["result"]["height"].as_u64()
        ),
        (Some(1000), Some(1200)),
        "{phone}"
    );
    assert_eq!(
        (heic.status, heic.problem_code()),
        (400, "unsupported_format")
    );
    assert!(
        heic.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("JPEG"))
    );
}

/// An upload URL takes exactly the declared size and type, once, before it expires; a
/// tampered one is refused. Nothing a refused upload sent is kept.
async fn upload_urls_take_one_upload_of_the_declared_size_and_type(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let png = samples::sample_png(400, 400, false);
    let body = json!({"filename": "a.png", "content_type": "image/png", "size": png.len()});

    let declared = declare(&server, &alice, body.clone()).await;
    let larger = put(&declared, [png.clone(), vec![0; 10]].concat(), None).await;
    let smaller = put(&declared, png[..100].to_vec(), None).await;
    let wrong_type = put(&declared, png.clone(), Some("image/jpeg")).await;
    let mut tampered = declared.clone();
    tampered.body["upload"]["url"] = Value::from(
        declared.body["upload"]["url"]
            .as_str()
            .unwrap_or_default()
            .replace("size=", "size=1"),
    );
    let forged = put(&tampered, png.clone(), None).await;
    let first = put(&declared, png.clone(), None).await;
    let second = put(&declared, png.clone(), None).await;

    assert_eq!(
        (larger.status, larger.problem_code()),
        (413, "file_too_large")
    );
    assert_eq!(
        (smaller.status, smaller.problem_code()),
        (400, "size_mismatch")
    );
    assert_eq!(
        (wrong_type.status, wrong_type.problem_code()),
        (400, "content_type_mismatch")
    );
    assert_eq!(
        (forged.status, forged.problem_code()),
        (403, "upload_url_invalid")
    );
    assert_eq!(
        (first.status, first.body["status"].as_str()),
        (200, Some("ready")),
        "{first:?}"
    );
    assert_eq!(
        (second.status, second.problem_code()),
        (409, "upload_already_used")
    );

    let late = declare(&server, &alice, body).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let expired = put(&late, png, None).await;
    assert_eq!(
        (expired.status, expired.problem_code()),
        (403, "upload_url_expired")
    );
    let id = late.body["id"].as_str().expect("id");
    let still = server
        .request("GET", &format!("/v1/media/{id}"), &alice, None)
        .await;
    assert_eq!(still.body["status"], "uploading");
}

/// A post naming another tenant's media, a media still uploading, a rejected one, a video
/// as an image, or an image prepared for a story in a feed post is refused with its code,
/// and no post is stored.
async fn media_that_cannot_be_published_are_refused_before_the_post_is_stored(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let mallory = server.token("globex", "mallory", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let ready = upload(
        &server,
        &alice,
        "image/png",
        samples::sample_png(800, 800, false),
        json!({}),
    )
    .await;
    let theirs = upload(
        &server,
        &mallory,
        "image/png",
        samples::sample_png(800, 800, false),
        json!({}),
    )
    .await;
    let rejected = upload(
        &server,
        &alice,
        "image/png",
        png_declaring(60_000, 60_000),
        json!({}),
    )
    .await;
    let story = upload(
        &server,
        &alice,
        "image/png",
        samples::sample_png(900, 1600, false),
        json!({"post_type": "story"}),
    )
    .await;
    let pending = declare(
        &server,
        &alice,
        json!({"filename": "b.png", "content_type": "image/png", "size": 10}),
    )
    .await;
    let image = |id: &Value, kind: &str| json!({"type": "image", "media": [{"media_id": id, "kind": kind}]});

    let cases = [
        (
            "theirs",
            image(&theirs["id"], "image"),
            404,
            "upload_not_found",
        ),
        (
            "pending",
            image(&pending.body["id"], "image"),
            409,
            "upload_not_ready",
        ),
        (
            "rejected",
            image(&rejected["id"], "image"),
            409,
            "upload_rejected",
        ),
        (
            "story",
            image(&story["id"], "image"),
            409,
            "upload_target_mismatch",
        ),
        (
            "kind",
            json!({"type": "story", "media": [{"media_id": ready["id"], "kind": "video"}]}),
            400,
            "upload_kind_mismatch",
        ),
    ];
    for (name, body, status, code) in cases {
        let answer = server.publish(&alice, &account, Some(name), &body).await;
        assert_eq!(
            (answer.status, answer.problem_code()),
            (status, code),
            "{name}: {answer:?}"
        );
    }

    let foreign = server
        .request(
            "GET",
            &format!("/v1/media/{}", theirs["id"].as_str().unwrap_or_default()),
            &alice,
            None,
        )
        .await;
    assert_eq!(
        (foreign.status, foreign.problem_code()),
        (404, "upload_not_found")
    );
    let posts = server
        .request(
            "GET",
            &format!("/v1/accounts/{account}/posts"),
            &alice,
            None,
        )
        .await;
    assert_eq!(posts.body["data"], json!([]), "{posts:?}");
}

/// Given a quota of 3 MB, a declaration that would take the company's media past it is
/// refused with what they hold; another company's quota is its own.
async fn the_tenants_quota_refuses_a_declaration_that_would_exceed_it(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let bob = server.token("initech", "bob", "owner");
    let file =
        |size: u64| json!({"filename": "big.png", "content_type": "image/png", "size": size});

    let first = declare(&server, &alice, file(2_000_000)).await;
    let over = declare(&server, &alice, file(1_500_000)).await;
    let other_tenant = declare(&server, &bob, file(2_000_000)).await;

    assert_eq!(first.status, 201, "{first:?}");
    assert_eq!(
        (over.status, over.problem_code()),
        (409, "storage_quota_exceeded")
    );
    assert!(
        over.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("2000000")),
        "{over:?}"
    );
    assert_eq!(other_tenant.status, 201, "{other_tenant:?}");
}

/// The converted file of a medium, where `serve` keeps it.
fn stored_file(server: &Server, media: &Value) -> std::path::PathBuf {
    let id = media["id"].as_str().expect("id");
    let tenant_hex: String = "acme".bytes().map(|b| format!("{b:02x}")).collect();
    server
        .data_dir()
        .join(format!("media/media/{tenant_hex}/{id}.jpg"))
}

async fn status_of(server: &Server, token: &str, media: &Value) -> String {
    let id = media["id"].as_str().expect("id");
    let got = server
        .request("GET", &format!("/v1/media/{id}"), token, None)
        .await;
    got.body["status"].as_str().unwrap_or_default().to_owned()
}

/// An upload no post names is deleted a day later; one a post named is kept the retention
/// period (7 days) after the post; one whose account is disconnected goes at the next pass.
/// Each time the file is gone from storage and the media answers `expired`.
async fn files_are_deleted_when_unused_after_their_retention_or_with_their_account(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let kept = server.connect_instagram(&alice, NOVA_CREATES, "user").await;
    let png = || samples::sample_png(600, 600, false);
    let unused = upload(&server, &alice, "image/png", png(), json!({})).await;
    let used = upload(&server, &alice, "image/png", png(), json!({})).await;
    let of_account = upload(&server, &alice, "image/png", png(), json!({})).await;
    for (key, on, media) in [
        ("retained", &kept, &used),
        ("disconnected", &account, &of_account),
    ] {
        let post = server
            .publish(
                &alice,
                on,
                Some(key),
                &json!({
                    "type": "image", "media": [{"media_id": media["id"], "kind": "image"}]
                }),
            )
            .await;
        assert_eq!(post.status, 201, "{post:?}");
    }
    assert!(stored_file(&server, &unused).exists());

    let next_day = server.worker_pass(&in_seconds(25 * 3600)).await;
    assert!(
        next_day.stdout.contains("media: expired 1, left 0"),
        "{next_day:?}"
    );
    assert_eq!(status_of(&server, &alice, &unused).await, "expired");
    assert!(!stored_file(&server, &unused).exists());
    assert_eq!(status_of(&server, &alice, &used).await, "ready");

    let gone = server
        .request("DELETE", &format!("/v1/accounts/{account}"), &alice, None)
        .await;
    assert_eq!(gone.status, 204, "{gone:?}");
    server.worker_pass(&in_seconds(26 * 3600)).await;
    assert_eq!(status_of(&server, &alice, &of_account).await, "expired");
    assert!(!stored_file(&server, &of_account).exists());

    assert_eq!(status_of(&server, &alice, &used).await, "ready");

    let after_retention = server.worker_pass(&in_seconds(8 * 24 * 3600)).await;
    assert!(
        after_retention.stdout.contains("media: expired 1, left 0"),
        "{after_retention:?}"
    );
    assert_eq!(status_of(&server, &alice, &used).await, "expired");
    assert!(!stored_file(&server, &used).exists());
}

/// Given a Facebook Login account and a 20 MB video, when it is published as a reel, then
/// its bytes reach Meta's upload host in chunks (never by URL), a chunk that fails once is
/// sent again from the offset Meta holds, and the reel is published.
async fn a_reel_from_a_file_goes_by_resumable_upload_in_chunks_and_survives_a_failed_chunk(
    server: Server,
) {
    let alice = server.token("acme", "alice", "owner");
    server.connect_facebook(&alice, "user").await;
    let account = server.account_id(&alice, SUNRISE_BAKERY).await;
    let video = padded_mp4(20 * 1024 * 1024);
    let size = video.len() as u64;
    let media = upload(&server, &alice, "video/mp4", video, json!({})).await;
    assert_eq!(media["status"], "ready", "{media}");
    assert_eq!(media["found"]["video_codec"], "H.264", "{media}");
    let armed = reqwest::Client::new()
        .post(server.url("/sandbox/_inspect/faults"))
        .json(&json!({"ig_user_id": SUNRISE_BAKERY, "fault": "upload_error"}))
        .send()
        .await
        .expect("the sandbox answers");
    assert!(armed.status().is_success());

    let reel = server
        .publish(&alice, &account, Some("reel-file"), &json!({
            "type": "reel", "media": [{"media_id": media["id"], "kind": "video"}], "caption": "From a file"
        }))
        .await;

    assert_eq!(
        (reel.status, reel.body["status"].as_str()),
        (201, Some("published")),
        "{reel:?}"
    );
    let uploads = inspect(&server, "uploads").await;
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    let up = &uploads[0];
    assert_eq!(
        (up["bytes_received"].as_u64(), up["complete"].as_bool()),
        (Some(size), Some(true)),
        "{up}"
    );
    assert!(up["chunks"].as_u64().unwrap_or(0) >= 3, "{up}");
    assert!(
        up["largest_chunk"].as_u64().unwrap_or(u64::MAX) <= 8 * 1024 * 1024,
        "{up}"
    );
    assert_eq!(up["failed_chunks"], 1, "{up}");
    let by_url: Vec<Value> = inspect(&server, "fetched").await;
    assert!(by_url.iter().all(|f| f["format"] != "MP4"), "{by_url:?}");
}

/// Given an Instagram Login account (which has no resumable upload), a reel from a file is
/// fetched by Meta from the signed URL of the file, as uploaded.
async fn a_reel_from_a_file_on_instagram_login_is_fetched_by_signed_url(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let video = samples::sample_mp4(4_000, VideoCodec::H264);
    let size = video.len();
    let media = upload(&server, &alice, "video/mp4", video, json!({})).await;

    let reel = server
        .publish(
            &alice,
            &account,
            Some("reel-url"),
            &json!({
                "type": "reel", "media": [{"media_id": media["id"], "kind": "video"}]
            }),
        )
        .await;

    assert_eq!(
        (reel.status, reel.body["status"].as_str()),
        (201, Some("published")),
        "{reel:?}"
    );
    let fetched = inspect(&server, "fetched").await;
    let ours: Vec<&Value> = fetched.iter().filter(|f| f["format"] == "MP4").collect();
    assert_eq!(ours.len(), 1, "{fetched:?}");
    assert_eq!(ours[0]["bytes"].as_u64(), Some(size as u64));
    assert!(inspect(&server, "uploads").await.is_empty());
}
