//! Teams over HTTP, as a SaaS product's users would live it: Dan's own account stays his
//! until he shares or transfers it, the company's account belongs to the company and the
//! team posts to it, and another tenant sees none of it on any route.

mod common;

use igconnect_blackbox::{Consent, Server};
use serde_json::{Value, json};

const DAN_CREATIVE: &str = "17841400000000203";
const CREATIVE_STUDIOS: &str = "17841400000000204";

/// Connects one of the sandbox's Instagram Login accounts for `token`'s user and returns
/// its igconnect id.
async fn connect(server: &Server, token: &str, ig_account: &str, owner: &str) -> String {
    let consent = Consent {
        account: Some(ig_account.into()),
        ..Consent::allow()
    };
    let landed = server.connect(token, "instagram", owner, &consent).await;
    assert_eq!(
        igconnect_blackbox::param(&landed, "ig_connect").as_deref(),
        Some("success"),
        "{landed}"
    );
    let list = server.accounts(token, "").await;
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|a| a["ig_user_id"] == ig_account)
        .and_then(|a| a["id"].as_str())
        .expect("the connected account is listed for its connector")
        .to_owned()
}

/// The usernames `token` sees, with the permission shown on each.
async fn visible(server: &Server, token: &str) -> Vec<(String, String)> {
    let list = server.accounts(token, "").await;
    let mut seen: Vec<(String, String)> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|a| {
            (
                a["username"].as_str().unwrap_or_default().to_owned(),
                a["permission"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    seen.sort();
    seen
}

fn pair(username: &str, permission: &str) -> (String, String) {
    (username.to_owned(), permission.to_owned())
}

struct Team {
    server: Server,
    dan: String,
    mike: String,
    sarah: String,
    alice: String,
    outsider: String,
}

impl Team {
    async fn on(server: Server) -> Self {
        Self {
            dan: server.token("acme", "dan", "member"),
            mike: server.token("acme", "mike", "member"),
            sarah: server.token("acme", "sarah", "member"),
            alice: server.token("acme", "alice", "admin"),
            outsider: server.token("globex", "dan", "owner"),
            server,
        }
    }
}

#[tokio::test]
async fn a_team_shares_revokes_narrows_and_transfers_accounts_on_sqlite() {
    a_team_shares_revokes_narrows_and_transfers_accounts(Server::start().await).await;
}

#[tokio::test]
async fn a_team_shares_revokes_narrows_and_transfers_accounts_on_dynamodb() {
    let (server, _table) = common::server_on_moto().await;
    a_team_shares_revokes_narrows_and_transfers_accounts(server).await;
}

async fn a_team_shares_revokes_narrows_and_transfers_accounts(server: Server) {
    let Team {
        server,
        dan,
        mike,
        sarah,
        alice,
        outsider,
    } = Team::on(server).await;

    // Dan (member) connects his own account; it is private: only he sees it, as manager.
    let dans = connect(&server, &dan, DAN_CREATIVE, "user").await;
    assert_eq!(
        visible(&server, &dan).await,
        [pair("dan_creative", "manage")]
    );
    assert!(visible(&server, &alice).await.is_empty(), "admins too");

    // Dan shares it read-only with Mike.
    let (status, grant) = server
        .call(
            "PUT",
            &format!("/v1/accounts/{dans}/grants/mike"),
            &dan,
            Some(&json!({"permission": "view"})),
        )
        .await;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(grant["user_id"], "mike");
    assert_eq!(grant["permission"], "view");
    assert_eq!(grant["granted_by"], "dan");
    assert_eq!(
        visible(&server, &mike).await,
        [pair("dan_creative", "view")]
    );
    let (status, problem) = server
        .call(
            "PUT",
            &format!("/v1/accounts/{dans}/grants/sarah"),
            &mike,
            Some(&json!({"permission": "view"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("permission_denied")),
        "view does not share further"
    );

    // An admin connects the company's account; Sarah (member) may publish to it and still
    // cannot see Dan's.
    let company = connect(&server, &alice, CREATIVE_STUDIOS, "company").await;
    assert_eq!(
        visible(&server, &sarah).await,
        [pair("creative_studios_official", "publish")]
    );
    for (method, path) in [
        ("GET", format!("/v1/accounts/{dans}")),
        ("GET", format!("/v1/accounts/{dans}/grants")),
        ("DELETE", format!("/v1/accounts/{dans}/grants/mike")),
    ] {
        let (status, problem) = server.call(method, &path, &sarah, None).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (404, Some("account_not_found")),
            "{method} {path}"
        );
    }

    // Managers see member access and grants; others see neither.
    let (_, as_manager) = server
        .call("GET", &format!("/v1/accounts/{dans}"), &dan, None)
        .await;
    assert_eq!(as_manager["grants"][0]["user_id"], "mike");
    let (_, as_viewer) = server
        .call("GET", &format!("/v1/accounts/{dans}"), &mike, None)
        .await;
    assert!(as_viewer.get("grants").is_none(), "{as_viewer}");
    let (_, company_for_admin) = server
        .call("GET", &format!("/v1/accounts/{company}"), &alice, None)
        .await;
    assert_eq!(company_for_admin["member_access"], "publish");
    assert_eq!(company_for_admin["permission"], "manage");
    let (_, company_for_sarah) = server
        .call("GET", &format!("/v1/accounts/{company}"), &sarah, None)
        .await;
    assert!(company_for_sarah.get("member_access").is_none());

    // Dan revokes Mike's grant: Mike no longer sees the account; a second revoke is 404.
    let path = format!("/v1/accounts/{dans}/grants/mike");
    assert_eq!(server.call("DELETE", &path, &dan, None).await.0, 204);
    assert_eq!(
        visible(&server, &mike).await,
        [pair("creative_studios_official", "publish")],
        "only the company account is left for Mike"
    );
    let (status, problem) = server.call("DELETE", &path, &dan, None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (404, Some("grant_not_found"))
    );

    // The company account goes to member_access=view, then none; a grant still wins.
    let company_path = format!("/v1/accounts/{company}");
    let (status, changed) = server
        .call(
            "PATCH",
            &company_path,
            &alice,
            Some(&json!({"member_access": "view"})),
        )
        .await;
    assert_eq!((status, &changed["member_access"]), (200, &json!("view")));
    assert_eq!(
        visible(&server, &sarah).await,
        [pair("creative_studios_official", "view")]
    );
    let (status, problem) = server
        .call(
            "PATCH",
            &company_path,
            &sarah,
            Some(&json!({"member_access": "publish"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("permission_denied"))
    );
    let (status, _) = server
        .call(
            "PATCH",
            &company_path,
            &alice,
            Some(&json!({"member_access": "none"})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(visible(&server, &sarah).await.is_empty());
    assert_eq!(
        server.call("GET", &company_path, &sarah, None).await.0,
        404,
        "member_access none hides the account"
    );
    let (status, _) = server
        .call(
            "PUT",
            &format!("/v1/accounts/{company}/grants/mike"),
            &alice,
            Some(&json!({"permission": "publish"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        visible(&server, &mike).await,
        [pair("creative_studios_official", "publish")],
        "a grant wins over member_access none"
    );

    // Dan transfers his account to the company: admins manage it now, Dan keeps only what
    // members get (the default, publish), and no longer manages it.
    let (status, transferred) = server
        .call(
            "PATCH",
            &format!("/v1/accounts/{dans}"),
            &dan,
            Some(&json!({"owner": {"type": "company"}})),
        )
        .await;
    assert_eq!(status, 200, "{transferred}");
    assert_eq!(transferred["owner"], json!({"type": "company"}));
    assert_eq!(transferred["permission"], "publish");
    assert!(
        visible(&server, &alice)
            .await
            .contains(&pair("dan_creative", "manage"))
    );
    let (status, _) = server
        .call(
            "PUT",
            &format!("/v1/accounts/{dans}/grants/mike"),
            &dan,
            Some(&json!({"permission": "view"})),
        )
        .await;
    assert_eq!(status, 403, "the former owner no longer manages it");

    // The audit trail tells the whole story, newest first; members may not read it.
    let (status, audit) = server.call("GET", "/v1/audit", &alice, None).await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = audit["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        [
            "account.transferred",
            "grant.set",
            "account.member_access_changed",
            "account.member_access_changed",
            "grant.removed",
            "account.connected",
            "grant.set",
            "account.connected",
        ]
    );
    let transfer = &audit["data"][0];
    assert_eq!(transfer["actor"], "dan");
    assert_eq!(transfer["account_id"], dans.as_str());
    assert_eq!(transfer["from"], json!({"type": "user", "user_id": "dan"}));
    assert_eq!(transfer["to"], json!({"type": "company"}));
    let (status, problem) = server.call("GET", "/v1/audit", &sarah, None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("permission_denied"))
    );

    // Another tenant (even a user named dan, as owner there) sees none of it, anywhere.
    assert!(visible(&server, &outsider).await.is_empty());
    for id in [&dans, &company] {
        for (method, path, body) in [
            ("GET", format!("/v1/accounts/{id}"), None),
            (
                "PATCH",
                format!("/v1/accounts/{id}"),
                Some(json!({"member_access": "publish"})),
            ),
            ("GET", format!("/v1/accounts/{id}/grants"), None),
            (
                "PUT",
                format!("/v1/accounts/{id}/grants/dan"),
                Some(json!({"permission": "manage"})),
            ),
            ("DELETE", format!("/v1/accounts/{id}/grants/mike"), None),
        ] {
            let (status, problem) = server.call(method, &path, &outsider, body.as_ref()).await;
            assert_eq!(
                (status, problem["code"].as_str()),
                (404, Some("account_not_found")),
                "{method} {path}"
            );
        }
    }
    let (status, theirs) = server.call("GET", "/v1/audit", &outsider, None).await;
    assert_eq!(status, 200);
    assert_eq!(theirs["data"], json!([]), "no other tenant's entries");
}

#[tokio::test]
async fn bad_sharing_input_gets_a_stable_code_and_changes_nothing() {
    let Team {
        server, dan, alice, ..
    } = Team::on(Server::start().await).await;
    let dans = connect(&server, &dan, DAN_CREATIVE, "user").await;
    let company = connect(&server, &alice, CREATIVE_STUDIOS, "company").await;

    for (token, method, path, body, status, code) in [
        (
            &dan,
            "PUT",
            format!("/v1/accounts/{dans}/grants/mike"),
            json!({"permission": "admin"}),
            400,
            "invalid_permission",
        ),
        (
            &dan,
            "PUT",
            format!("/v1/accounts/{dans}/grants/mike"),
            json!({}),
            400,
            "invalid_request",
        ),
        (
            &dan,
            "PUT",
            format!("/v1/accounts/{dans}/grants/dan"),
            json!({"permission": "view"}),
            400,
            "grantee_is_owner",
        ),
        (
            &dan,
            "PATCH",
            format!("/v1/accounts/{dans}"),
            json!({"member_access": "view"}),
            409,
            "not_a_company_account",
        ),
        (
            &alice,
            "PATCH",
            format!("/v1/accounts/{company}"),
            json!({"member_access": "manage"}),
            400,
            "invalid_member_access",
        ),
        (
            &alice,
            "PATCH",
            format!("/v1/accounts/{company}"),
            json!({"owner": {"type": "user"}}),
            400,
            "invalid_owner",
        ),
        (
            &alice,
            "PATCH",
            format!("/v1/accounts/{company}"),
            json!({"owner": "nobody"}),
            400,
            "invalid_owner",
        ),
        (
            &alice,
            "PATCH",
            format!("/v1/accounts/{company}"),
            json!({"member_acess": "view"}),
            400,
            "invalid_request",
        ),
        (
            &alice,
            "PATCH",
            format!("/v1/accounts/{company}"),
            json!({}),
            400,
            "invalid_request",
        ),
    ] {
        let (got, problem) = server.call(method, &path, token, Some(&body)).await;
        assert_eq!(
            (got, problem["code"].as_str()),
            (status, Some(code)),
            "{method} {path} {body}: {problem}"
        );
    }

    // Nothing of it landed: no grant, member access and owners as they were, and the audit
    // trail holds only the two connections.
    let (_, grants) = server
        .call("GET", &format!("/v1/accounts/{dans}/grants"), &dan, None)
        .await;
    assert_eq!(grants["data"], json!([]));
    let (_, account) = server
        .call("GET", &format!("/v1/accounts/{company}"), &alice, None)
        .await;
    assert_eq!(account["member_access"], "publish");
    assert_eq!(account["owner"], json!({"type": "company"}));
    let (_, audit) = server.call("GET", "/v1/audit", &alice, None).await;
    assert_eq!(audit["data"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_company_account_can_be_handed_to_a_user_by_its_bare_name_and_back() {
    let Team {
        server,
        alice,
        sarah,
        ..
    } = Team::on(Server::start().await).await;
    let company = connect(&server, &alice, CREATIVE_STUDIOS, "company").await;
    let path = format!("/v1/accounts/{company}");

    // Alice hands it to Sarah: Alice, no longer a manager, is told so with a 204.
    let (status, body) = server
        .call(
            "PATCH",
            &path,
            &alice,
            Some(&json!({"owner": {"type": "user", "user_id": "sarah"}})),
        )
        .await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(
        visible(&server, &sarah).await,
        [pair("creative_studios_official", "manage")]
    );
    assert!(visible(&server, &alice).await.is_empty());

    // Sarah gives it back with the bare string form; it keeps its member access.
    let (status, back) = server
        .call("PATCH", &path, &sarah, Some(&json!({"owner": "company"})))
        .await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(back["owner"], json!({"type": "company"}));
    assert_eq!(back["permission"], "publish");
}
