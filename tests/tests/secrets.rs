//! Tokens are sealed at rest and never leave the server: not in the SQLite file, not in any
//! response, not in any log line of a full flow through both login paths.

use igconnect_blackbox::{Consent, Server};
use serde_json::Value;

async fn issued_tokens(server: &Server) -> Vec<String> {
    let res = server
        .http
        .get(server.url("/sandbox/_inspect/tokens"))
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect()
}

fn files_under(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn no_token_is_stored_in_plaintext_returned_or_logged() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "owner");
    let mut bodies = Vec::new();
    for login in ["facebook", "instagram"] {
        let auth = server.authorize(&token, login, "company").await;
        let callback = server.consent(&auth, &Consent::allow()).await;
        let res = server.visit(&callback).await;
        assert_eq!(res.status(), 302);
        bodies.push(format!("{:?}", res.headers()));
        bodies.push(res.text().await.unwrap());
    }
    let list = server.accounts(&token, "").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 3);
    bodies.push(list.to_string());
    for a in list["data"].as_array().unwrap() {
        let res = server
            .http
            .get(server.url(&format!("/v1/accounts/{}", a["id"].as_str().unwrap())))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        bodies.push(res.text().await.unwrap());
    }

    let tokens = issued_tokens(&server).await;
    // Short- and long-lived user tokens and two Page tokens, then Instagram's two.
    assert!(
        tokens.len() >= 5,
        "the flow issued tokens: {}",
        tokens.len()
    );
    let files = files_under(server.data_dir());
    assert!(files.iter().any(|(name, _)| name.ends_with(".sqlite3")));
    let logs = server.logs();
    assert!(logs.contains("login completed"), "the logs were captured");
    for t in &tokens {
        for (name, bytes) in &files {
            assert!(!contains(bytes, t), "a token is in {name} in plaintext");
        }
        assert!(!logs.contains(t.as_str()), "a token is in the logs");
        for body in &bodies {
            assert!(!body.contains(t.as_str()), "a token is in a response");
        }
    }
    assert!(
        !logs.contains("IGSBXCODE"),
        "an authorization code is in the logs"
    );
    assert!(
        !logs.contains("sandbox-facebook-secret"),
        "the app secret is in the logs"
    );
    assert!(
        !logs.contains("sandbox-instagram-secret"),
        "the app secret is in the logs"
    );
}
