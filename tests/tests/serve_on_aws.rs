//! `igconnect serve --store dynamodb --sealer kms`: the same flow on the production adapters,
//! against moto's DynamoDB and KMS.

mod common;

use common::server_on_moto;
use igconnect::conformance::moto;
use igconnect_blackbox::{Consent, param};
use serde_json::Value;

#[tokio::test]
async fn both_login_paths_connect_on_dynamodb_and_kms() {
    let (server, table) = server_on_moto().await;
    let acme = server.token("acme", "alice", "owner");
    let globex = server.token("globex", "gina", "owner");

    let fb = server
        .connect(&acme, "facebook", "company", &Consent::allow())
        .await;
    let ig = server
        .connect(&globex, "instagram", "user", &Consent::allow())
        .await;

    assert_eq!(param(&fb, "accounts").as_deref(), Some("2"));
    assert_eq!(param(&ig, "accounts").as_deref(), Some("1"));
    let acme_list = server.accounts(&acme, "").await;
    let globex_list = server.accounts(&globex, "").await;
    assert_eq!(acme_list["data"].as_array().unwrap().len(), 2);
    assert_eq!(globex_list["data"].as_array().unwrap().len(), 1);
    assert_eq!(globex_list["data"][0]["username"], "pixel.cafe");
    assert!(server.logs().contains("store: dynamodb, sealer: kms"));

    // Nothing the sandbox issued is in the table in plaintext.
    let items = moto::dynamodb_client()
        .scan()
        .table_name(&table)
        .send()
        .await
        .expect("scan the test table (tests only; request paths never scan)");
    let dump = format!("{:?}", items.items());
    assert!(dump.contains("sunrise.bakery"), "the scan saw the accounts");
    let tokens: Value = server
        .http
        .get(server.url("/sandbox/_inspect/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tokens = tokens["tokens"].as_array().unwrap();
    assert!(!tokens.is_empty());
    for t in tokens {
        let t = t.as_str().unwrap();
        assert!(!dump.contains(t), "a token is stored in plaintext");
        assert!(!server.logs().contains(t), "a token is in the logs");
    }
}

#[tokio::test]
async fn a_replayed_state_is_refused_on_dynamodb() {
    let (server, _) = server_on_moto().await;
    let token = server.token("acme", "alice", "member");
    let auth = server.authorize(&token, "instagram", "user").await;
    let callback = server.consent(&auth, &Consent::allow()).await;
    assert_eq!(server.visit(&callback).await.status(), 302);

    let replay = server.visit(&callback).await;

    assert_eq!(replay.status(), 400);
    let problem: Value = replay.json().await.unwrap();
    assert_eq!(problem["code"], "oauth_state_invalid");
}
