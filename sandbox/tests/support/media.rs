//! Media files for the sandbox to download, served from loopback as igconnect serves its
//! signed media URLs: the smallest headers Meta's checks read (a JPEG's frame header, an
//! MP4's `ftyp` box), and a server that answers them, refuses, redirects or is too slow.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use std::time::Duration;

/// A baseline JPEG header of `width` x `height` (with an EXIF segment when asked), up to
/// its frame header and an end marker: what Meta's format and aspect checks read.
pub fn jpeg(width: u16, height: u16, exif: bool) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    out.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    if exif {
        let body = b"Exif\0\0II*\0\x08\0\0\0\0\0";
        out.extend_from_slice(&[0xFF, 0xE1, 0x00, (body.len() + 2) as u8]);
        out.extend_from_slice(body);
    }
    out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9]);
    out
}

/// `len` bytes that start like an MP4 (an `ftyp` box, brand `isom`).
pub fn mp4(len: usize) -> Vec<u8> {
    let mut out = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    out.resize(len.max(out.len()), 0x42);
    out
}

/// A PNG signature and IHDR: a 16 x 16 image that is not a JPEG.
pub fn png() -> Vec<u8> {
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0".to_vec()
}

fn file(content_type: &'static str, bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

/// A media server on a free loopback port; answers its base URL (no trailing slash).
pub async fn serve() -> String {
    let app = Router::new()
        .route(
            "/photo.jpg",
            get(|| async { file("image/jpeg", jpeg(1440, 1152, true)) }),
        )
        .route(
            "/square.jpg",
            get(|| async { file("image/jpeg", jpeg(1080, 1080, false)) }),
        )
        .route(
            "/tall.jpg",
            get(|| async { file("image/jpeg", jpeg(1000, 1400, false)) }),
        )
        .route("/photo.png", get(|| async { file("image/png", png()) }))
        .route(
            "/huge.jpg",
            get(|| async {
                let mut bytes = jpeg(1080, 1080, false);
                bytes.resize(8 * 1024 * 1024 + 1, 0);
                file("image/jpeg", bytes)
            }),
        )
        .route("/reel.mp4", get(|| async { file("video/mp4", mp4(4096)) }))
        .route(
            "/page.mp4",
            get(|| async { file("text/html", b"<html></html>".to_vec()) }),
        )
        .route("/gone.jpg", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/moved.jpg",
            get(|| async { Redirect::temporary("/square.jpg") }),
        )
        .route(
            "/slow.jpg",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                file("image/jpeg", jpeg(1080, 1080, false))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}
