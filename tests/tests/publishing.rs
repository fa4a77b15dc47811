//! Publishing over HTTP, as a scheduler app would drive it.

mod common;

use igconnect_blackbox::{Consent, Server};
use serde_json::{Value, json};

const PIXEL_CAFE: &str = "17841400000000201";

async fn connect(server: &Server, token: &str, ig_account: &str) -> String {
    let consent = Consent {
        account: Some(ig_account.into()),
        ..Consent::allow()
    };
    server.connect(token, "instagram", "user", &consent).await;
    let list = server.accounts(token, "").await;
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|a| a["ig_user_id"] == ig_account)
        .and_then(|a| a["id"].as_str())
        .expect("connected")
        .to_owned()
}

async fn post(
    server: &Server,
    token: &str,
    account: &str,
    key: &str,
    body: &Value,
) -> (u16, Value) {
    let res = server
        .http
        .post(server.url(&format!("/v1/accounts/{account}/posts")))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .expect("answers");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_image_is_published_within_the_request() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "owner");
    let account = connect(&server, &token, PIXEL_CAFE).await;
    let (status, body) = post(
        &server,
        &token,
        &account,
        "k1",
        &json!({"type":"image","media":[{"url":"https://cdn.example/a.jpg","kind":"image"}],"caption":"Hello"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "published");
    assert!(body["media_id"].is_string(), "{body}");
    assert!(body["permalink"].is_string(), "{body}");
}
