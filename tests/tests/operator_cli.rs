//! `igconnect accounts ...`, the operator commands, run beside `igconnect serve` on the same
//! data directory (and store flags), as a support engineer would run them.

use igconnect_blackbox::{Consent, Server, igconnect_bin, param};
use serde_json::{Value, json};
use std::process::Stdio;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

const NOVA: &str = "17841400000000202";

/// What one `igconnect accounts ...` printed, and whether it exited successfully.
#[derive(Debug)]
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("--json printed no JSON ({e}): {self:?}"))
    }

    /// Asserts that none of `tokens` appears in anything the command printed.
    fn assert_holds_none_of(&self, tokens: &[String]) {
        for t in tokens {
            assert!(
                !self.stdout.contains(t.as_str()) && !self.stderr.contains(t.as_str()),
                "a token reached the command's output: {self:?}"
            );
        }
        assert!(
            !self.stdout.contains("IGSBXTOK") && !self.stderr.contains("IGSBXTOK"),
            "something token-shaped reached the command's output: {self:?}"
        );
    }
}

/// `igconnect accounts <args>` on the server's data, with `stdin` piped in when given.
async fn accounts(server: &Server, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(igconnect_bin());
    cmd.arg("accounts")
        .args(args)
        .arg("--data-dir")
        .arg(server.data_dir())
        .args(server.backend_args())
        .env_remove("IGC_JWT_SECRET")
        .env_remove("IGC_META_APP_ID")
        .env_remove("IGC_INSTAGRAM_APP_ID")
        .env("IGC_LOG", "debug")
        .env("USER", "sam")
        .envs(server.env().iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("igconnect accounts starts");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin piped");
        pipe.write_all(input.as_bytes())
            .await
            .expect("stdin written");
        drop(pipe);
    }
    let out = child
        .wait_with_output()
        .await
        .expect("igconnect accounts runs");
    Run {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Same, asserting success.
async fn accounts_ok(server: &Server, args: &[&str], stdin: Option<&str>) -> Run {
    let run = accounts(server, args, stdin).await;
    assert!(run.success, "igconnect accounts {args:?} failed: {run:?}");
    run
}

/// Alice of acme connects Nova Creates through Instagram Login; its account id.
async fn nova_connected(server: &Server) -> String {
    let alice = server.token("acme", "alice", "member");
    let consent = Consent {
        account: Some(NOVA.into()),
        ..Consent::allow()
    };
    let done = server.connect(&alice, "instagram", "user", &consent).await;
    assert_eq!(param(&done, "ig_connect").as_deref(), Some("success"));
    let list = server.accounts(&alice, "").await;
    list["data"][0]["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn list_and_show_describe_a_connected_account_without_its_token() {
    let server = Server::start().await;
    let id = nova_connected(&server).await;
    let alice = server.token("acme", "alice", "member");
    let (status, _) = server
        .call(
            "PUT",
            &format!("/v1/accounts/{id}/grants/bob"),
            &alice,
            Some(&json!({"permission": "publish"})),
        )
        .await;
    assert_eq!(status, 200);

    let list = accounts_ok(&server, &["list", "--tenant", "acme"], None).await;
    let shown = accounts_ok(
        &server,
        &["show", "--tenant", "acme", "--account", &id],
        None,
    )
    .await;
    let listed = accounts_ok(&server, &["list", "--tenant", "acme", "--json"], None).await;

    let row = list
        .stdout
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_else(|| panic!("no row for {id}: {list:?}"));
    for cell in ["nova.creates", "instagram", "user:alice", "active"] {
        assert!(row.contains(cell), "{cell} missing from {row:?}");
    }
    assert!(
        list.stdout.contains("1 account(s) in tenant acme"),
        "{list:?}"
    );
    for fact in [
        NOVA,
        "@nova.creates",
        "user:alice",
        "upkeep",
        "next look",
        "bob",
        "publish (given by alice",
    ] {
        assert!(shown.stdout.contains(fact), "{fact} missing: {shown:?}");
    }
    let data = &listed.json()["data"];
    assert_eq!(data.as_array().map(Vec::len), Some(1));
    assert_eq!(data[0]["id"], id.as_str());
    assert_eq!(
        data[0]["owner"],
        json!({"type": "user", "user_id": "alice"})
    );
    assert!(data[0]["token_expires_at"].is_string());
    let tokens = server.issued_tokens().await;
    for run in [&list, &shown, &listed] {
        run.assert_holds_none_of(&tokens);
    }
}

#[tokio::test]
async fn another_tenants_account_is_not_found() {
    let server = Server::start().await;
    let id = nova_connected(&server).await;

    let run = accounts(
        &server,
        &["show", "--tenant", "globex", "--account", &id],
        None,
    )
    .await;

    assert!(!run.success);
    assert!(
        run.stderr.contains("tenant globex has no account"),
        "{run:?}"
    );
}

#[tokio::test]
async fn disconnect_removes_the_account_and_a_second_disconnect_fails_clearly() {
    let server = Server::start().await;
    let id = nova_connected(&server).await;
    let alice = server.token("acme", "alice", "member");
    let args = ["disconnect", "--tenant", "acme", "--account", id.as_str()];

    let first = accounts_ok(&server, &args, None).await;
    let second = accounts(&server, &args, None).await;

    assert!(first.stdout.contains("disconnected"), "{first:?}");
    assert!(first.stdout.contains("operator:sam"), "{first:?}");
    assert!(first.stdout.contains("events: delivered"), "{first:?}");
    assert_eq!(server.accounts(&alice, "").await["data"], json!([]));
    let (status, _) = server
        .call("GET", &format!("/v1/accounts/{id}"), &alice, None)
        .await;
    assert_eq!(status, 404);
    assert!(!second.success, "a second disconnect must fail: {second:?}");
    assert!(
        second.stderr.contains("tenant acme has no account"),
        "{second:?}"
    );
    // The trail names the operator.
    let owner = server.token("acme", "olga", "owner");
    let (_, audit) = server.call("GET", "/v1/audit", &owner, None).await;
    let entry = &audit["data"][0];
    assert_eq!(entry["action"], "account.disconnected");
    assert_eq!(entry["actor"], "operator:sam");
}

#[tokio::test]
async fn an_instagram_token_imports_its_account() {
    let server = Server::start().await;
    nova_connected(&server).await;
    let tokens = server.issued_tokens().await;
    let long_lived = tokens.last().expect("the login's long-lived token").clone();

    let run = accounts_ok(
        &server,
        &[
            "import",
            "--tenant",
            "globex",
            "--owner",
            "user:carol",
            "--login",
            "instagram",
        ],
        Some(&format!("  {long_lived}\n")),
    )
    .await;

    assert!(
        run.stdout
            .contains("imported 1 account(s) into tenant globex"),
        "{run:?}"
    );
    assert!(run.stdout.contains("nova.creates"), "{run:?}");
    let carol = server.token("globex", "carol", "member");
    let list = server.accounts(&carol, "").await;
    let nova = &list["data"][0];
    assert_eq!(nova["ig_user_id"], NOVA);
    assert_eq!(nova["owner"], json!({"type": "user", "user_id": "carol"}));
    assert_eq!(nova["connected_by"], "operator:sam");
    assert_eq!(nova["status"], "active");
    // A token younger than a day can be neither refreshed nor exchanged: its expiry is
    // taken as 59 days, the earliest a young long-lived token can expire.
    let expires: chrono::DateTime<chrono::Utc> =
        nova["token_expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!((expires - chrono::Utc::now()).num_days(), 58, "{expires}");
    run.assert_holds_none_of(&server.issued_tokens().await);
    // The imported token works: a look at the account now succeeds.
    let id = nova["id"].as_str().unwrap();
    let synced = accounts_ok(
        &server,
        &["sync", "--tenant", "globex", "--account", id],
        None,
    )
    .await;
    assert!(synced.stdout.contains("synced"), "{synced:?}");
}

#[tokio::test]
async fn a_token_a_day_old_is_refreshed_on_import_so_its_expiry_is_known() {
    let server = Server::start().await;
    nova_connected(&server).await;
    let long_lived = server.issued_tokens().await.last().unwrap().clone();
    let res = server
        .http
        .post(server.url("/sandbox/_inspect/clock?advance_seconds=172800"))
        .send()
        .await
        .expect("the sandbox answers");
    assert_eq!(res.status(), 200);

    let run = accounts_ok(
        &server,
        &[
            "import",
            "--tenant",
            "globex",
            "--owner",
            "company",
            "--login",
            "instagram",
            "--json",
        ],
        Some(&long_lived),
    )
    .await;

    let imported = &run.json()["data"][0];
    assert_eq!(imported["username"], "nova.creates");
    assert_eq!(imported["owner"], json!({"type": "company"}));
    let expires: chrono::DateTime<chrono::Utc> = imported["token_expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!((expires - chrono::Utc::now()).num_days(), 59, "{expires}");
    let tokens = server.issued_tokens().await;
    assert_ne!(tokens.last(), Some(&long_lived), "a new token was issued");
    run.assert_holds_none_of(&tokens);
}

#[tokio::test]
async fn a_facebook_user_token_imports_every_linked_account() {
    let server = Server::start().await;
    let alice = server.token("acme", "alice", "member");
    let done = server
        .connect(&alice, "facebook", "user", &Consent::allow())
        .await;
    assert_eq!(param(&done, "accounts").as_deref(), Some("2"));
    // The first token a fresh sandbox issues is the login's (short-lived) user token.
    let user_token = server.issued_tokens().await[0].clone();

    let run = accounts_ok(
        &server,
        &[
            "import", "--tenant", "globex", "--owner", "company", "--login", "facebook",
        ],
        Some(&user_token),
    )
    .await;

    let admin = server.token("globex", "gina", "admin");
    let list = server.accounts(&admin, "").await;
    let mut names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["harbor.studio", "sunrise.bakery"]);
    assert!(
        list["data"][0]["token_expires_at"].is_null(),
        "Page tokens do not expire"
    );
    run.assert_holds_none_of(&server.issued_tokens().await);
}

#[tokio::test]
async fn a_bad_token_is_refused_and_nothing_is_stored() {
    let server = Server::start().await;
    let bad = "IGSBXTOKthis-is-no-token-the-sandbox-ever-issued-0000";

    let run = accounts(
        &server,
        &[
            "import",
            "--tenant",
            "acme",
            "--owner",
            "company",
            "--login",
            "instagram",
        ],
        Some(bad),
    )
    .await;

    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("nothing was imported"), "{run:?}");
    assert!(run.stderr.contains("Meta refused the token"), "{run:?}");
    run.assert_holds_none_of(&[bad.to_owned()]);
    let listed = accounts_ok(&server, &["list", "--tenant", "acme", "--json"], None).await;
    assert_eq!(listed.json()["data"], json!([]));
}

#[tokio::test]
async fn an_empty_or_wordy_standard_input_is_refused_before_meta_is_asked() {
    let server = Server::start().await;
    let args = [
        "import",
        "--tenant",
        "acme",
        "--owner",
        "company",
        "--login",
        "instagram",
    ];

    let empty = accounts(&server, &args, Some(" \n")).await;
    let two = accounts(&server, &args, Some("IGSBXTOKone IGSBXTOKtwo\n")).await;

    assert!(!empty.success);
    assert!(
        empty.stderr.contains("standard input is empty"),
        "{empty:?}"
    );
    assert!(!two.success);
    assert!(two.stderr.contains("expected one token alone"), "{two:?}");
    two.assert_holds_none_of(&[]);
}

#[tokio::test]
async fn sync_marks_an_account_whose_token_meta_revoked() {
    let server = Server::start().await;
    let id = nova_connected(&server).await;
    let alice = server.token("acme", "alice", "member");
    let res = server
        .http
        .post(server.url("/sandbox/_inspect/revoke"))
        .json(&json!({"ig_user_id": NOVA}))
        .send()
        .await
        .expect("the sandbox answers");
    assert_eq!(res.status(), 200);

    let run = accounts_ok(
        &server,
        &["sync", "--tenant", "acme", "--account", &id],
        None,
    )
    .await;

    assert!(run.stdout.contains("needs_reauth"), "{run:?}");
    assert!(run.stdout.contains("token_invalid"), "{run:?}");
    let list = server.accounts(&alice, "").await;
    assert_eq!(list["data"][0]["status"], "needs_reauth");
    run.assert_holds_none_of(&server.issued_tokens().await);
}
