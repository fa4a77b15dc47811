//! The API's edges: health, bad input and unknown routes all answer with problem details.

use igconnect_blackbox::Server;
use serde_json::{Value, json};

async fn problem(res: reqwest::Response, status: u16, code: &str) {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], code);
    assert_eq!(p["status"], status);
    assert!(p["type"].is_string() && p["title"].is_string());
}

#[tokio::test]
async fn health_answers_ok() {
    let server = Server::start().await;
    let res = server
        .http
        .get(server.url("/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ok");
}

/// A GET of `path` on `server`.
async fn get(server: &Server, path: &str) -> reqwest::Response {
    server.http.get(server.url(path)).send().await.unwrap()
}

/// A development sign-in with `body`.
async fn dev_token(server: &Server, body: &Value) -> reqwest::Response {
    let url = server.url("/dev/token");
    server.http.post(url).json(body).send().await.unwrap()
}

#[tokio::test]
async fn the_integrations_page_is_served_with_its_config() {
    let server = Server::start().await;
    let res = get(&server, "/").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>"), "{html}");
    // Every script and stylesheet the page names is served.
    for attr in ["src=\"", "href=\""] {
        for path in html.split(attr).skip(1).filter_map(|s| s.split('"').next()) {
            if path.starts_with("http") || path.starts_with('#') {
                continue;
            }
            assert_eq!(get(&server, path).await.status(), 200, "{path}");
        }
    }
    let config: Value = get(&server, "/config.json").await.json().await.unwrap();
    assert_eq!(config, json!({"api_base": "", "auth": {"mode": "dev"}}));
    // A path that is neither a file nor a route is the API's problem, not a page.
    problem(get(&server, "/nope.js").await, 404, "not_found").await;
}

#[tokio::test]
async fn dev_sign_in_mints_a_token_the_api_accepts() {
    let server = Server::start().await;
    let res = dev_token(
        &server,
        &json!({"tenant": "acme", "user": "alice", "role": "admin"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["tenant"], "acme");
    assert_eq!(body["role"], "admin");
    let token = body["token"].as_str().unwrap();
    for path in ["/v1/accounts", "/v1/audit"] {
        // The audit trail is for owners and admins: the role is the one asked for.
        let res = server
            .http
            .get(server.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }

    for body in [
        json!({"tenant": "acme", "user": "alice", "role": "king"}),
        json!({"tenant": "", "user": "alice", "role": "owner"}),
        json!({"tenant": "acme", "role": "owner"}),
        json!({"tenant": "acme", "user": "alice", "role": "owner", "extra": 1}),
    ] {
        problem(dev_token(&server, &body).await, 400, "invalid_request").await;
    }
}

#[tokio::test]
async fn dev_sign_in_can_be_turned_off() {
    let server = Server::start_with(&[("IGC_DEV_SIGN_IN", "false")]).await;
    let body = json!({"tenant": "acme", "user": "alice", "role": "owner"});
    problem(dev_token(&server, &body).await, 404, "not_found").await;
    let config: Value = get(&server, "/config.json").await.json().await.unwrap();
    assert_eq!(config["auth"]["mode"], "none");
}

#[tokio::test]
async fn malformed_initiate_bodies_are_problems() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "owner");
    let url = server.url("/v1/connections/instagram/initiate");
    let ret = server.url("/").to_string();
    for body in [
        json!({"login": "myspace", "return_to": ret}),
        json!({"login": "facebook"}),
        json!({"login": "facebook", "return_to": ret, "owner": "everyone"}),
        json!({"login": "facebook", "return_to": ret, "surprise": true}),
    ] {
        let res = server
            .http
            .post(url.clone())
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        problem(res, 400, "invalid_request").await;
    }
    let res = server
        .http
        .post(url.clone())
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    problem(res, 400, "invalid_request").await;
    let res = server
        .http
        .post(url)
        .bearer_auth(&token)
        .body("login=facebook")
        .send()
        .await
        .unwrap();
    problem(res, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let server = Server::start().await;
    let res = server
        .http
        .get(server.url("/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    problem(res, 404, "not_found").await;
    let res = server
        .http
        .delete(server.url("/v1/health"))
        .send()
        .await
        .unwrap();
    problem(res, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let server = Server::start().await;
    let res = server
        .http
        .get(server.url("/v1/health"))
        .header("x-request-id", "req-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "req-42");
}

#[tokio::test]
async fn serve_prints_a_token_command_that_works_from_where_it_was_started() {
    // Under cargo (as after the README's `cargo run`), the binary is not on PATH: the hint
    // goes through cargo too.
    let under_cargo = Server::start_with(&[("CARGO", "cargo")]).await;
    let hint = "get a dev token: cargo run -q -p igconnect-cli -- token --data-dir";
    let out = under_cargo.logs_once_they_hold(hint).await;
    assert!(out.contains(hint), "{out}");

    // Started directly, it names itself as it was invoked.
    let direct = Server::start_with(&[("CARGO", "")]).await;
    let bin = igconnect_blackbox::igconnect_bin();
    let hint = format!("get a dev token: {} token --data-dir", bin.display());
    let out = direct.logs_once_they_hold(&hint).await;
    assert!(out.contains(&hint), "{out}");
}
