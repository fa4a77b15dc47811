//! The video path's memory: `igconnect serve` (release) takes a 300 MB MP4 upload (streamed
//! to disk), checks it (only its `ftyp` and `moov` are read) and publishes it as a reel of a
//! Facebook Login account, sending the bytes to the sandbox's resumable upload host in
//! 8 MiB chunks read by range. The server's peak RSS (`VmHWM`) over the whole story is
//! what the bench prints; the target is under 64 MB. The sandbox runs inside the same
//! process and keeps only the first bytes of an upload, so its share is small.

use igconnect::domain::media::content::{VideoCodec, sample_mp4};
use igconnect_blackbox::{Answer, Server};
use serde_json::json;
use std::time::Instant;

const SIZE: usize = 300 * 1024 * 1024;
const SUNRISE_BAKERY: &str = "17841400000000101";

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let server = Server::start_with(&[
        ("IGC_WORKER_INTERVAL_MS", "0"),
        ("IGC_SANDBOX_VIDEO_POLLS", "1"),
        ("IGC_PUBLISH_WAIT_MS", "20000"),
    ])
    .await;
    let pid = server.pid().expect("the server's pid");
    let alice = server.token("acme", "alice", "owner");
    server.connect_facebook(&alice, "user").await;
    let account = server.account_id(&alice, SUNRISE_BAKERY).await;
    let idle = peak_rss_kb(pid);

    let mut video = sample_mp4(10_000, VideoCodec::H264);
    let pad = SIZE - video.len();
    video.extend_from_slice(&u32::try_from(pad).expect("pad fits").to_be_bytes());
    video.extend_from_slice(b"free");
    video.resize(SIZE, 0);
    let declared = server
        .request(
            "POST",
            "/v1/media",
            &alice,
            Some(&json!({"filename": "reel.mp4", "content_type": "video/mp4", "size": SIZE})),
        )
        .await;
    assert_eq!(declared.status, 201, "{declared:?}");
    let url = declared.body["upload"]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    let id = declared.body["id"].as_str().expect("id").to_owned();

    let started = Instant::now();
    let put = reqwest::Client::new()
        .put(url)
        .header("content-type", "video/mp4")
        .body(video)
        .send()
        .await
        .expect("upload");
    let landed = Answer::read(put).await;
    assert_eq!(landed.body["status"], "ready", "{landed:?}");
    let uploaded = started.elapsed();
    let after_upload = peak_rss_kb(pid);

    let started = Instant::now();
    let reel = server
        .publish(
            &alice,
            &account,
            Some("bench-reel"),
            &json!({
                "type": "reel", "media": [{"media_id": id, "kind": "video"}]
            }),
        )
        .await;
    assert_eq!(reel.body["status"], "published", "{reel:?}");
    let published = started.elapsed();
    let after_publish = peak_rss_kb(pid);

    println!(
        "video upload bench: {} MB MP4, serve (release) with the sandbox in process",
        SIZE / (1024 * 1024)
    );
    println!(
        "  peak RSS idle (after connect): {:.1} MB",
        idle as f64 / 1024.0
    );
    println!(
        "  peak RSS after the upload was taken and checked: {:.1} MB ({:.1} s)",
        after_upload as f64 / 1024.0,
        uploaded.as_secs_f64()
    );
    println!(
        "  peak RSS after the reel went to Meta by resumable upload: {:.1} MB ({:.1} s)",
        after_publish as f64 / 1024.0,
        published.as_secs_f64()
    );
    let target_kb = 64 * 1024;
    println!(
        "  target: under 64 MB peak -> {}",
        if after_publish < target_kb {
            "met"
        } else {
            "MISSED"
        }
    );
}
