//! Downloading a container's media, as Meta's servers cURL `image_url`, `video_url` and
//! `cover_url` when a container is created ("We cURL media used in publishing attempts, so
//! the media must be hosted on a publicly accessible server at the time of the attempt":
//! Meta's content publishing guide). One HTTP client per sandbox (rustls, no proxy, a short
//! timeout, a few redirects), reading at most a cap of bytes and keeping only what the
//! checks need. Which URLs are fetched at all is [`Fetcher::wants`]: see docs/sandbox.md,
//! "Media fetching".

use reqwest::redirect::{Attempt, Policy};
use std::net::IpAddr;
use std::time::Duration;
use url::{Host, Url};

/// Redirects followed before the fetch counts as failed (cURL's `-L` follows more; Meta
/// does not say how many it does).
const MAX_REDIRECTS: usize = 5;

/// Which media URLs the sandbox downloads, and how patiently
/// ([`Sandbox::with_fetching`](crate::Sandbox::with_fetching)). `Default`: loopback hosts
/// only, 10 seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFetching {
    /// Longest a download may take, connection to last byte; past it the container is
    /// refused as Meta refuses a slow download (-2/2207003). Default 10 seconds.
    pub timeout: Duration,
    /// Also download URLs on other hosts than loopback ones (`127.0.0.0/8`, `::1`,
    /// `localhost`), except the reserved test names (`.invalid`, `.example`, `.test`,
    /// `example.com`/`.net`/`.org`), which are never fetched. Off by default: tests and
    /// benchmarks stay on this machine, and a URL elsewhere is accepted unfetched, as the
    /// sandbox always did.
    pub remote: bool,
}

impl Default for MediaFetching {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            remote: false,
        }
    }
}

/// Why a download gave nothing usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No connection (refused, unresolvable host, TLS), a redirect not followed, or a body
    /// cut short.
    Unreachable,
    /// An answer that is not 2xx (after redirects).
    Status,
    /// Not done within [`MediaFetching::timeout`].
    Timeout,
    /// More bytes than the cap (by `Content-Length`, or as they came).
    TooLarge,
}

/// What a download got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Download {
    /// The final answer's HTTP status, when there was one.
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// Bytes the file has: counted as read, or the `Content-Length` of one refused as too
    /// large before reading.
    pub bytes: u64,
    /// The first bytes, up to the `keep` asked for.
    pub head: Vec<u8>,
    pub failure: Option<Failure>,
}

/// The sandbox's HTTP client for media, and its rule of which URLs it fetches.
#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    client: reqwest::Client,
    remote: bool,
}

impl Fetcher {
    pub fn new(fetching: &MediaFetching) -> Self {
        let remote = fetching.remote;
        let policy = Policy::custom(move |attempt: Attempt<'_>| {
            // A redirect to a host the sandbox would not fetch first hand is not followed
            // (the 3xx then fails the fetch): a loopback URL cannot send it elsewhere.
            if attempt.previous().len() >= MAX_REDIRECTS || !reaches(attempt.url(), remote) {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .timeout(fetching.timeout)
            .redirect(policy)
            .no_proxy()
            .user_agent("igconnect-sandbox (stand-in for Meta's media fetcher)")
            .build()
            .unwrap_or_default();
        Self { client, remote }
    }

    /// Whether the sandbox downloads `url`: an absolute http(s) URL on a loopback host, or on
    /// any host but a reserved test name when remote fetching is on.
    pub fn wants(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|u| reaches(&u, self.remote))
    }

    /// GETs `url`, reading at most `cap` bytes and keeping the first `keep`.
    pub async fn get(&self, url: &str, cap: u64, keep: usize) -> Download {
        let mut out = Download {
            status: None,
            content_type: None,
            bytes: 0,
            head: Vec::new(),
            failure: None,
        };
        let mut res = match self.client.get(url).send().await {
            Ok(res) => res,
            Err(e) => {
                out.failure = Some(transport(&e));
                return out;
            }
        };
        out.status = Some(res.status().as_u16());
        out.content_type = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if !res.status().is_success() {
            out.failure = Some(Failure::Status);
            return out;
        }
        if let Some(len) = res.content_length().filter(|len| *len > cap) {
            out.bytes = len;
            out.failure = Some(Failure::TooLarge);
            return out;
        }
        loop {
            match res.chunk().await {
                Ok(Some(chunk)) => {
                    out.bytes += chunk.len() as u64;
                    let room = keep.saturating_sub(out.head.len());
                    out.head.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    if out.bytes > cap {
                        out.failure = Some(Failure::TooLarge);
                        return out;
                    }
                }
                Ok(None) => return out,
                Err(e) => {
                    out.failure = Some(transport(&e));
                    return out;
                }
            }
        }
    }
}

fn transport(e: &reqwest::Error) -> Failure {
    if e.is_timeout() {
        Failure::Timeout
    } else {
        Failure::Unreachable
    }
}

/// The fetch rule: loopback hosts always, reserved test names never, anything else only
/// when `remote`.
fn reaches(url: &Url, remote: bool) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback() || remote,
        Some(Host::Ipv6(ip)) => ip.is_loopback() || remote,
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                return true;
            }
            remote && !reserved(&name) && name.parse::<IpAddr>().is_err()
        }
        None => false,
    }
}

/// Names that never resolve or belong to no one (RFC 2606, RFC 6761): what tests, docs and
/// the catalogue put in media URLs precisely so that nothing is fetched.
fn reserved(name: &str) -> bool {
    const TLDS: [&str; 3] = ["invalid", "example", "test"];
    const DOMAINS: [&str; 3] = ["example.com", "example.net", "example.org"];
    let tld = name.rsplit('.').next().unwrap_or(name);
    TLDS.contains(&tld)
        || DOMAINS
            .iter()
            .any(|d| name == *d || name.ends_with(&format!(".{d}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::response::{IntoResponse, Redirect};
    use axum::routing::get;

    fn rule(url: &str, remote: bool) -> bool {
        reaches(&Url::parse(url).unwrap(), remote)
    }

    #[test]
    fn loopback_hosts_are_fetched_and_reserved_names_never() {
        for url in [
            "http://127.0.0.1:8080/media-files/a.jpg",
            "http://127.8.9.10/a.jpg",
            "http://[::1]:9/a.jpg",
            "http://localhost:3000/a.jpg",
            "https://media.localhost/a.jpg",
        ] {
            assert!(rule(url, false), "{url}");
        }
        for url in [
            "https://cdn.example.invalid/a.jpg",
            "https://cdn.example/a.jpg",
            "https://a.test/a.jpg",
            "https://cdn.example.com/posts/a.jpg",
            "https://example.org/a.jpg",
        ] {
            assert!(!rule(url, false), "{url}");
            assert!(!rule(url, true), "{url}");
        }
        assert!(!rule("file:///etc/passwd", true));
    }

    #[test]
    fn other_hosts_are_fetched_only_when_remote_fetching_is_on() {
        for url in [
            "https://cdn.igconnect.app/a.jpg",
            "http://10.0.0.5/a.jpg",
            "https://x/a",
        ] {
            assert!(!rule(url, false), "{url}");
            assert!(rule(url, true), "{url}");
        }
    }

    /// A server on a free loopback port with `app`'s routes.
    async fn serve(app: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    }

    fn fetcher(timeout_ms: u64) -> Fetcher {
        Fetcher::new(&MediaFetching {
            timeout: Duration::from_millis(timeout_ms),
            remote: false,
        })
    }

    #[tokio::test]
    async fn a_download_keeps_its_head_counts_its_bytes_and_follows_redirects() {
        let base = serve(
            Router::new()
                .route(
                    "/a.jpg",
                    get(|| async { ([("content-type", "image/jpeg")], vec![7u8; 1000]) }),
                )
                .route("/moved", get(|| async { Redirect::temporary("/a.jpg") })),
        )
        .await;
        let got = fetcher(5000).get(&format!("{base}/moved"), 4096, 16).await;
        assert_eq!(got.failure, None);
        assert_eq!(got.status, Some(200));
        assert_eq!(got.content_type.as_deref(), Some("image/jpeg"));
        assert_eq!((got.bytes, got.head.len()), (1000, 16));
    }

    #[tokio::test]
    async fn refusals_statuses_caps_and_slow_servers_fail_the_download() {
        let base = serve(
            Router::new()
                .route("/big", get(|| async { vec![0u8; 5000] }))
                .route(
                    "/gone",
                    get(|| async { axum::http::StatusCode::NOT_FOUND.into_response() }),
                )
                .route(
                    "/slow",
                    get(|| async {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        "late"
                    }),
                )
                .route(
                    "/away",
                    get(|| async { Redirect::temporary("https://cdn.igconnect.app/a.jpg") }),
                ),
        )
        .await;
        let f = fetcher(300);
        let failure = |path: &'static str| {
            let f = f.clone();
            let url = format!("{base}{path}");
            async move { f.get(&url, 4096, 16).await }
        };
        let big = failure("/big").await;
        assert_eq!((big.failure, big.bytes), (Some(Failure::TooLarge), 5000));
        let gone = failure("/gone").await;
        assert_eq!(
            (gone.failure, gone.status),
            (Some(Failure::Status), Some(404))
        );
        assert_eq!(failure("/slow").await.failure, Some(Failure::Timeout));
        let away = failure("/away").await;
        assert_eq!(
            (away.failure, away.status),
            (Some(Failure::Status), Some(307))
        );
        let refused = f.get("http://127.0.0.1:1/a.jpg", 10, 1).await;
        assert_eq!(
            (refused.failure, refused.status),
            (Some(Failure::Unreachable), None)
        );
    }
}
