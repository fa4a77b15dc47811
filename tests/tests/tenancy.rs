//! Tenants side by side: neither ever sees the other's accounts.

use igconnect_blackbox::{Consent, Server};
use serde_json::Value;

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn two_tenants_never_see_each_others_accounts() {
    let server = Server::start().await;
    let acme = server.token("acme", "alice", "owner");
    let globex = server.token("globex", "gina", "owner");
    server
        .connect(&acme, "facebook", "company", &Consent::allow())
        .await;
    server
        .connect(&globex, "instagram", "company", &Consent::allow())
        .await;

    let acme_list = server.accounts(&acme, "").await;
    let globex_list = server.accounts(&globex, "").await;

    assert_eq!(ids(&acme_list).len(), 2);
    assert_eq!(ids(&globex_list).len(), 1);
    assert_eq!(globex_list["data"][0]["login"], "instagram");
    for id in ids(&acme_list) {
        let res = server
            .http
            .get(server.url(&format!("/v1/accounts/{id}")))
            .bearer_auth(&globex)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "another tenant's account is not found");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], "account_not_found");
    }
}

#[tokio::test]
async fn the_same_instagram_account_in_two_tenants_is_two_accounts() {
    let server = Server::start().await;
    let acme = server.token("acme", "alice", "owner");
    let globex = server.token("globex", "gina", "owner");
    server
        .connect(&acme, "instagram", "user", &Consent::allow())
        .await;
    server
        .connect(&globex, "instagram", "user", &Consent::allow())
        .await;

    let a = server.accounts(&acme, "").await;
    let g = server.accounts(&globex, "").await;

    assert_eq!(a["data"][0]["ig_user_id"], g["data"][0]["ig_user_id"]);
    assert_ne!(a["data"][0]["id"], g["data"][0]["id"]);
    assert_eq!(g["data"][0]["owner"]["user_id"], "gina");
}

#[tokio::test]
async fn listing_pages_through_every_account_once() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "owner");
    server
        .connect(&token, "facebook", "user", &Consent::allow())
        .await;
    for account in ["17841400000000201", "17841400000000202"] {
        let consent = Consent {
            account: Some(account.into()),
            ..Consent::allow()
        };
        server.connect(&token, "instagram", "user", &consent).await;
    }

    let mut seen = Vec::new();
    let mut query = "?limit=1".to_owned();
    loop {
        let page = server.accounts(&token, &query).await;
        let page_ids = ids(&page);
        assert!(page_ids.len() <= 1);
        seen.extend(page_ids);
        match page["next_cursor"].as_str() {
            Some(c) => query = format!("?limit=1&cursor={c}"),
            None => break,
        }
    }

    assert_eq!(seen.len(), 4);
    let all = ids(&server.accounts(&token, "").await);
    assert_eq!(
        seen, all,
        "pages follow listing order with no gap or repeat"
    );
}

#[tokio::test]
async fn a_cursor_or_limit_the_server_never_issued_is_a_problem() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "owner");
    for (query, code) in [
        ("?cursor=bm90LWEtY3Vyc29y", "invalid_cursor"),
        ("?limit=0", "invalid_limit"),
        ("?limit=1000", "invalid_limit"),
        ("?limit=ten", "invalid_request"),
    ] {
        let res = server
            .http
            .get(server.url(&format!("/v1/accounts{query}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{query}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], code, "{query}");
    }
}
