//! The OAuth state: single use, short-lived, and the only way into the callback.

use igconnect_blackbox::{Consent, Server, location, param};
use serde_json::{Value, json};

async fn assert_state_problem(res: reqwest::Response) {
    assert_eq!(res.status(), 400, "a bad state is a 400, never a redirect");
    assert!(res.headers().get("location").is_none());
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "oauth_state_invalid");
    assert_eq!(problem["status"], 400);
}

#[tokio::test]
async fn a_replayed_state_is_refused() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");
    let auth = server.authorize(&token, "instagram", "user").await;
    let callback = server.consent(&auth, &Consent::allow()).await;
    let first = server.visit(&callback).await;
    assert_eq!(first.status(), 302);

    let replay = server.visit(&callback).await;

    assert_state_problem(replay).await;
    assert_eq!(
        server.accounts(&token, "").await["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let server = Server::start_with(&[("IGC_OAUTH_STATE_TTL_SECONDS", "1")]).await;
    let token = server.token("acme", "alice", "member");
    let auth = server.authorize(&token, "instagram", "user").await;
    let callback = server.consent(&auth, &Consent::allow()).await;

    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let res = server.visit(&callback).await;

    assert_state_problem(res).await;
    assert_eq!(
        server.accounts(&token, "").await["data"],
        Value::Array(vec![])
    );
}

#[tokio::test]
async fn a_missing_or_unknown_state_is_refused() {
    let server = Server::start().await;
    for query in [
        "?code=IGSBXCODEx",
        "?code=IGSBXCODEx&state=never-issued",
        "",
    ] {
        let res = server
            .visit(&server.url(&format!("/v1/oauth/callback{query}")))
            .await;
        assert_state_problem(res).await;
    }
}

#[tokio::test]
async fn browsers_get_the_state_problem_as_a_page() {
    let server = Server::start().await;

    let res = server
        .http
        .get(server.url("/v1/oauth/callback?state=never-issued"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), 400);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.text().await.unwrap().contains("oauth_state_invalid"));
}

#[tokio::test]
async fn a_foreign_return_to_is_refused_before_any_login_starts() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");
    for foreign in ["https://evil.example/", "javascript:alert(1)"] {
        let body = json!({"login": "facebook", "owner": "user", "return_to": foreign});
        let res = server.initiate(&token, &body).await;
        assert_eq!(res.status(), 400, "{foreign}");
        let problem: Value = res.json().await.unwrap();
        assert!(
            ["return_to_not_allowed", "invalid_return_to"]
                .contains(&problem["code"].as_str().unwrap()),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn the_authorization_url_carries_the_state_and_required_scopes() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");

    let auth = server.authorize(&token, "facebook", "user").await;

    let state = param(&auth, "state").unwrap();
    assert!(state.len() >= 22, "at least 128 bits of state");
    let scope = param(&auth, "scope").unwrap();
    for s in [
        "instagram_basic",
        "instagram_content_publish",
        "pages_show_list",
    ] {
        assert!(scope.split(',').any(|x| x == s), "{scope}");
    }
    assert_eq!(
        param(&auth, "redirect_uri").unwrap(),
        server.url("/v1/oauth/callback").as_str()
    );
    let again = server.authorize(&token, "facebook", "user").await;
    assert_ne!(
        param(&again, "state").unwrap(),
        state,
        "every login gets a fresh state"
    );
}

#[tokio::test]
async fn the_success_redirect_keeps_the_return_to_query() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");
    let return_to = server.url("/settings?tab=instagram");
    let res = server
        .initiate(
            &token,
            &json!({"login": "instagram", "owner": "user", "return_to": return_to.as_str()}),
        )
        .await;
    let v: Value = res.json().await.unwrap();
    let auth = url::Url::parse(v["authorization_url"].as_str().unwrap()).unwrap();
    let callback = server.consent(&auth, &Consent::allow()).await;

    let res = server.visit(&callback).await;

    let done = location(&res, &callback);
    assert_eq!(done.path(), "/settings");
    assert_eq!(param(&done, "tab").as_deref(), Some("instagram"));
    assert_eq!(param(&done, "ig_connect").as_deref(), Some("success"));
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn localhost_names_the_local_server_too() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");
    let port = server.origin.port().unwrap();
    let body = json!({"login": "instagram", "owner": "user", "return_to": format!("http://localhost:{port}/")});

    let res = server.initiate(&token, &body).await;

    assert_eq!(res.status(), 200);
}
