//! With real app credentials, a login path talks to Meta; without, to the sandbox.

use igconnect_blackbox::{Server, param};

#[tokio::test]
async fn a_configured_app_sends_the_browser_to_meta_and_the_other_path_stays_sandboxed() {
    let server = Server::start_with(&[
        ("IGC_META_APP_ID", "1234567890"),
        ("IGC_META_APP_SECRET", "not-a-real-secret"),
    ])
    .await;
    let token = server.token("acme", "alice", "owner");

    let facebook = server.authorize(&token, "facebook", "user").await;
    let instagram = server.authorize(&token, "instagram", "user").await;

    assert_eq!(facebook.host_str(), Some("www.facebook.com"));
    assert_eq!(facebook.path(), "/v24.0/dialog/oauth");
    assert_eq!(param(&facebook, "client_id").as_deref(), Some("1234567890"));
    assert_eq!(param(&facebook, "response_type").as_deref(), Some("code"));
    assert_eq!(
        param(&facebook, "redirect_uri").unwrap(),
        server.url("/v1/oauth/callback").as_str()
    );
    assert_eq!(instagram.origin(), server.origin.origin());
    assert!(instagram.path().starts_with("/sandbox/instagram-www/"));
    assert!(server.logs().contains("Meta sandbox at"));
    assert!(!server.logs().contains("not-a-real-secret"));
}

#[tokio::test]
async fn graph_version_and_redirect_uri_come_from_configuration() {
    let server = Server::start_with(&[
        ("IGC_GRAPH_API_VERSION", "v23.0"),
        (
            "IGC_REDIRECT_URI",
            "https://connect.example.com/v1/oauth/callback",
        ),
    ])
    .await;
    let token = server.token("acme", "alice", "owner");

    let facebook = server.authorize(&token, "facebook", "user").await;

    assert!(
        facebook.path().ends_with("/v23.0/dialog/oauth"),
        "{facebook}"
    );
    assert_eq!(
        param(&facebook, "redirect_uri").as_deref(),
        Some("https://connect.example.com/v1/oauth/callback")
    );
}

#[tokio::test]
async fn an_app_id_without_its_secret_stops_serve_with_a_clear_error() {
    let out = std::process::Command::new(igconnect_blackbox::igconnect_bin())
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(tempfile::tempdir().unwrap().path())
        .env("IGC_META_APP_ID", "1234567890")
        .env_remove("IGC_META_APP_SECRET")
        .output()
        .unwrap();

    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("IGC_META_APP_SECRET"), "{stderr}");
}
