//! Bearer tokens: anything but a valid, unexpired HS256 token with every claim is a 401.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use igconnect_blackbox::Server;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn claims(exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": "alice", "tenant_id": "acme", "role": "owner", "iat": now, "exp": now + exp_offset})
}

async fn assert_unauthorized(server: &Server, token: Option<&str>) {
    let mut req = server.http.get(server.url("/v1/accounts"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 401, "token {token:?}");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // RFC 6750: a bare challenge without credentials, invalid_token with refused ones.
    let challenge = res.headers()["www-authenticate"].to_str().unwrap();
    match token {
        None => assert_eq!(challenge, "Bearer"),
        Some(t) => {
            assert!(
                challenge.starts_with("Bearer error=\"invalid_token\""),
                "{challenge}"
            );
            assert!(
                !challenge.contains(t),
                "the challenge never echoes the token"
            );
        }
    }
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "unauthorized");
}

fn server_secret(server: &Server) -> Vec<u8> {
    std::fs::read_to_string(server.data_dir().join("jwt-secret"))
        .unwrap()
        .trim()
        .as_bytes()
        .to_vec()
}

#[tokio::test]
async fn a_token_from_igconnect_token_is_accepted() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "owner");
    assert_eq!(
        server.accounts(&token, "").await["data"],
        Value::Array(vec![])
    );
}

#[tokio::test]
async fn a_request_without_a_token_is_refused() {
    let server = Server::start().await;
    assert_unauthorized(&server, None).await;
}

#[tokio::test]
async fn a_token_signed_with_another_secret_is_refused() {
    let server = Server::start().await;
    let forged = sign(&claims(600), b"not-the-server-secret-not-the-server-secret");
    assert_unauthorized(&server, Some(&forged)).await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let server = Server::start().await;
    let expired = sign(&claims(-3600), &server_secret(&server));
    assert_unauthorized(&server, Some(&expired)).await;
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused() {
    let server = Server::start().await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(600).to_string());
    assert_unauthorized(&server, Some(&format!("{header}.{payload}."))).await;
}

#[tokio::test]
async fn a_token_missing_a_claim_is_refused() {
    let server = Server::start().await;
    let secret = server_secret(&server);
    for missing in ["sub", "tenant_id", "role"] {
        let mut c = claims(600);
        c.as_object_mut().unwrap().remove(missing);
        assert_unauthorized(&server, Some(&sign(&c, &secret))).await;
    }
    let mut bad_role = claims(600);
    bad_role["role"] = json!("superuser");
    assert_unauthorized(&server, Some(&sign(&bad_role, &secret))).await;
}

#[tokio::test]
async fn issuer_audience_and_claim_names_come_from_configuration() {
    let server = Server::start_with(&[
        ("IGC_JWT_ISSUER", "https://id.example.com/"),
        ("IGC_JWT_AUDIENCE", "igconnect-api"),
        ("IGC_TENANT_CLAIM", "org"),
        ("IGC_ROLE_CLAIM", "custom:role"),
    ])
    .await;
    let minted = server.token("acme", "alice", "owner");
    assert_eq!(
        server.accounts(&minted, "").await["data"],
        Value::Array(vec![])
    );

    let secret = server_secret(&server);
    let now = chrono::Utc::now().timestamp();
    let good = json!({"sub": "alice", "org": "acme", "custom:role": "owner", "exp": now + 600,
        "iss": "https://id.example.com/", "aud": "igconnect-api"});
    assert_eq!(
        server.accounts(&sign(&good, &secret), "").await["data"],
        Value::Array(vec![])
    );
    for (claim, wrong) in [
        ("iss", json!("https://elsewhere.example.com/")),
        ("aud", json!("another-api")),
    ] {
        let mut c = good.clone();
        c[claim] = wrong;
        assert_unauthorized(&server, Some(&sign(&c, &secret))).await;
    }
    // The default claim names no longer carry the tenant and role.
    let default_names = json!({"sub": "alice", "tenant_id": "acme", "role": "owner",
        "exp": now + 600, "iss": "https://id.example.com/", "aud": "igconnect-api"});
    assert_unauthorized(&server, Some(&sign(&default_names, &secret))).await;
}

#[tokio::test]
async fn logs_written_to_a_pipe_carry_no_colour_codes() {
    let server = Server::start().await;
    assert_unauthorized(&server, None).await;
    let logs = server.logs_once_they_hold("unauthenticated").await;
    assert!(logs.contains("unauthenticated"), "{logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "ANSI escapes in piped logs:\n{logs}"
    );
}
