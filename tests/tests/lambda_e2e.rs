//! The connect flow and team sharing on the Lambda runtime, end to end: the real `initiate`,
//! `callback`, `list` and `share` binaries run under `cargo lambda watch` (the Lambda
//! runtime API emulator), store in DynamoDB and seal with KMS (both moto), and talk to
//! Meta's stand-in (`igconnect sandbox`). Each step is an API Gateway HTTP API (payload
//! 2.0) event, built from the fixtures in `tests/fixtures/apigw/` with the JWT authorizer's
//! claims in it, exactly as API Gateway would invoke the functions; the browser's part
//! (consent page, redirects) is played over HTTP against the sandbox.
//!
//! Nothing is skipped: without `.venv` (moto, cargo-lambda) the test fails and says to run
//! `scripts/test`, which installs them.

use igconnect::adapters::dynamodb::DynamoStore;
use igconnect::conformance::moto;
use igconnect_blackbox::{Consent, Form, igconnect_bin, param};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use url::Url;

/// Where Meta sends the browser back: API Gateway's URL in production. Nothing listens
/// there; the test reads the code and state off the sandbox's redirect instead.
const REDIRECT_URI: &str =
    "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1/oauth/callback";
const RETURN_TO: &str = "https://app.example.com/settings/integrations";
const FACEBOOK_SECRET: &str = "sandbox-facebook-secret";
const INSTAGRAM_SECRET: &str = "sandbox-instagram-secret";
/// The function binaries (`functions/<name>`) the flow invokes.
const FUNCTIONS: [&str; 4] = ["initiate", "callback", "list", "share"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A tool `scripts/install-tools` puts into `.venv/bin`, or a failure saying how to get it.
fn venv_tool(name: &str) -> PathBuf {
    let path = root().join(".venv/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/test (it installs the pinned tools into .venv via \
         scripts/install-tools)",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `igconnect sandbox --port 0`, killed on drop.
struct Sandbox {
    child: Child,
    base: Url,
}

impl Sandbox {
    fn start() -> Self {
        let mut child = Command::new(igconnect_bin())
            .args(["sandbox", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("igconnect sandbox starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Meta sandbox listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => Url::parse(&url).expect("the sandbox prints its URL"),
            Err(_) => {
                let _ = child.kill();
                panic!("igconnect sandbox did not print its address");
            }
        };
        Self { child, base }
    }

    fn url(&self, path: &str) -> String {
        self.base.join(path).expect("joinable").to_string()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cargo lambda watch` serving the four functions, in its own process group so that
/// stopping it also stops the `cargo run` and function processes it started.
struct Watch {
    child: Child,
    invoke: Url,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Watch {
    fn start(env: &[(&str, String)]) -> Self {
        let cargo_lambda = venv_tool("cargo-lambda");
        // Build first, so the first invoke does not wait on a compile (watch would start one
        // with `cargo run` and the invoke could time out).
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet"])
            .args(FUNCTIONS.iter().flat_map(|f| ["-p", f]))
            .current_dir(root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the function binaries failed");

        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("watch.log");
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let port = free_port();
        let mut path = std::ffi::OsString::from(root().join(".venv/bin"));
        path.push(":");
        path.push(std::env::var_os("PATH").unwrap_or_default());
        let mut cmd = Command::new(cargo_lambda);
        cmd.args([
            "lambda",
            "watch",
            "--ignore-changes",
            "--invoke-address",
            "127.0.0.1",
        ])
        .args(["--invoke-port", &port.to_string()])
        .current_dir(root())
        .env("PATH", path)
        // Nothing from the developer's own AWS setup may leak into the functions.
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("cargo lambda watch starts");
        let watch = Self {
            child,
            invoke: Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url"),
            log,
            _dir: dir,
        };
        let started = Instant::now();
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "cargo lambda watch did not listen on {port}; its output:\n{}",
                watch.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        watch
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let quiet = |signal: &str| {
            let _ = Command::new("kill")
                .args([signal, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        quiet("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        quiet("-KILL");
        let _ = self.child.wait();
    }
}

/// An API Gateway HTTP API response, as a function returns it to the runtime.
#[derive(Debug)]
struct GatewayResponse {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

impl GatewayResponse {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn location(&self) -> Url {
        let raw = self.headers.get("location").expect("a Location header");
        Url::parse(raw).expect("an absolute Location")
    }
}

/// Everything the flow needs: moto (table and key), the sandbox, the functions.
struct Stack {
    watch: Watch,
    sandbox: Sandbox,
    /// Plays API Gateway (invocations) and the browser (sandbox pages); never follows
    /// redirects, so every 302/303 is seen.
    http: reqwest::Client,
}

impl Stack {
    async fn start() -> Self {
        venv_tool("moto_server");
        venv_tool("cargo-lambda");
        let table = moto::unique_name("igconnect-lambda");
        DynamoStore::new(moto::dynamodb_client(), table.clone())
            .create_table()
            .await
            .expect("create the table on moto");
        let key_id = moto::kms_key().await;
        let sandbox = Sandbox::start();

        let mut env: Vec<(&str, String)> = moto::child_env();
        env.extend([
            ("IGC_TABLE_NAME", table),
            ("IGC_KMS_KEY_ID", key_id),
            ("IGC_REDIRECT_URI", REDIRECT_URI.to_owned()),
            (
                "IGC_ALLOWED_RETURN_ORIGINS",
                "https://app.example.com".to_owned(),
            ),
            ("IGC_META_APP_ID", "sandbox-facebook-app".to_owned()),
            ("IGC_META_APP_SECRET", FACEBOOK_SECRET.to_owned()),
            ("IGC_INSTAGRAM_APP_ID", "sandbox-instagram-app".to_owned()),
            ("IGC_INSTAGRAM_APP_SECRET", INSTAGRAM_SECRET.to_owned()),
            ("IGC_FACEBOOK_DIALOG_URL", sandbox.url("facebook-www/")),
            ("IGC_FACEBOOK_GRAPH_URL", sandbox.url("facebook-graph/")),
            ("IGC_INSTAGRAM_AUTH_URL", sandbox.url("instagram-www/")),
            ("IGC_INSTAGRAM_API_URL", sandbox.url("instagram-api/")),
            ("IGC_INSTAGRAM_GRAPH_URL", sandbox.url("instagram-graph/")),
            ("IGC_LOG", "debug".to_owned()),
        ]);
        let watch = Watch::start(&env);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // The first invoke of each function waits for `cargo run` to start it.
            .timeout(Duration::from_secs(300))
            .build()
            .expect("client");
        Self {
            watch,
            sandbox,
            http,
        }
    }

    /// Invokes `function` with `event`, as API Gateway does through the Lambda API.
    async fn invoke(&self, function: &str, event: &Value) -> GatewayResponse {
        let url = self
            .watch
            .invoke
            .join(&format!("2015-03-31/functions/{function}/invocations"))
            .expect("url");
        let res = self
            .http
            .post(url)
            .json(event)
            .send()
            .await
            .unwrap_or_else(|e| panic!("invoking {function}: {e}\n{}", self.watch.logs()));
        let status = res.status();
        let text = res.text().await.expect("invoke body");
        assert!(
            status.is_success(),
            "invoking {function} failed ({status}): {text}\nwatch output:\n{}",
            self.watch.logs()
        );
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{function} answered no JSON ({e}): {text}"));
        let headers = v["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        GatewayResponse {
            status: v["statusCode"].as_u64().expect("statusCode") as u16,
            headers,
            body: v["body"].as_str().unwrap_or("").to_owned(),
        }
    }

    /// Opens the consent page the way a browser follows `authorization_url`, allows, and
    /// returns where the sandbox sends the browser (our callback URL with code and state).
    async fn consent(&self, authorization_url: &Url) -> Url {
        assert!(
            authorization_url
                .as_str()
                .starts_with(self.sandbox.base.as_str()),
            "initiate must point at the configured Meta (the sandbox): {authorization_url}"
        );
        let page = self
            .http
            .get(authorization_url.clone())
            .send()
            .await
            .expect("consent page");
        assert_eq!(page.status(), 200, "consent page");
        let form = Form::parse(&page.text().await.expect("html"), authorization_url);
        let decided = self
            .http
            .post(form.action.clone())
            .form(&form.submission(&Consent::allow()))
            .send()
            .await
            .expect("decision");
        assert_eq!(
            decided.status(),
            303,
            "the sandbox redirects after a decision"
        );
        let location = decided
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("Location");
        Url::parse(location).expect("absolute Location")
    }
}

fn fixture(name: &str) -> Value {
    let path = root().join("tests/fixtures/apigw").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture JSON")
}

/// Who the JWT authorizer says is calling.
struct Claims<'a> {
    tenant: &'a str,
    user: &'a str,
    role: &'a str,
}

fn with_claims(mut event: Value, c: &Claims) -> Value {
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["tenant_id"] = c.tenant.into();
    claims["sub"] = c.user.into();
    claims["role"] = c.role.into();
    event
}

fn initiate_event(c: &Claims, login: &str, owner: &str) -> Value {
    let mut event = with_claims(fixture("initiate.json"), c);
    let body = json!({"login": login, "return_to": RETURN_TO, "owner": owner}).to_string();
    event["headers"]["content-length"] = body.len().to_string().into();
    event["body"] = body.into();
    event
}

/// The callback event API Gateway builds when the browser arrives at `url`.
fn callback_event(url: &Url) -> Value {
    let mut event = fixture("callback.json");
    let query = url.query().unwrap_or_default().to_owned();
    let params: serde_json::Map<String, Value> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    event["rawQueryString"] = query.into();
    event["queryStringParameters"] = params.into();
    event
}

fn list_event(c: &Claims) -> Value {
    with_claims(fixture("list.json"), c)
}

/// `event` aimed at `path`, with the path parameters API Gateway extracts from it.
fn routed(mut event: Value, path: &str, params: &[(&str, &str)]) -> Value {
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["path"] = path.into();
    for (name, value) in params {
        event["pathParameters"][*name] = (*value).into();
    }
    event
}

fn with_body(mut event: Value, body: &Value) -> Value {
    let body = body.to_string();
    event["headers"]["content-length"] = body.len().to_string().into();
    event["body"] = body.into();
    event
}

fn get_event(c: &Claims, id: &str) -> Value {
    let event = with_claims(fixture("get-account.json"), c);
    routed(event, &format!("/v1/accounts/{id}"), &[("id", id)])
}

fn put_grant_event(c: &Claims, id: &str, user: &str, permission: &str) -> Value {
    let event = with_claims(fixture("put-grant.json"), c);
    let event = routed(
        event,
        &format!("/v1/accounts/{id}/grants/{user}"),
        &[("id", id), ("user_id", user)],
    );
    with_body(event, &json!({ "permission": permission }))
}

fn delete_grant_event(c: &Claims, id: &str, user: &str) -> Value {
    let event = with_claims(fixture("delete-grant.json"), c);
    routed(
        event,
        &format!("/v1/accounts/{id}/grants/{user}"),
        &[("id", id), ("user_id", user)],
    )
}

fn grants_event(c: &Claims, id: &str) -> Value {
    let event = with_claims(fixture("list-grants.json"), c);
    routed(event, &format!("/v1/accounts/{id}/grants"), &[("id", id)])
}

fn patch_event(c: &Claims, id: &str, change: &Value) -> Value {
    let event = with_claims(fixture("patch-account.json"), c);
    with_body(
        routed(event, &format!("/v1/accounts/{id}"), &[("id", id)]),
        change,
    )
}

fn audit_event(c: &Claims) -> Value {
    with_claims(fixture("audit.json"), c)
}

/// initiate -> consent -> callback, asserting the redirect back to the app; the number of
/// accounts the callback reports.
async fn connect(stack: &Stack, c: &Claims<'_>, login: &str, owner: &str) -> u32 {
    let started = stack
        .invoke("initiate", &initiate_event(c, login, owner))
        .await;
    assert_eq!(started.status, 200, "initiate: {}", started.body);
    let authorization_url = Url::parse(
        started.json()["authorization_url"]
            .as_str()
            .expect("authorization_url"),
    )
    .expect("URL");

    let back = stack.consent(&authorization_url).await;
    assert!(
        back.as_str().starts_with(REDIRECT_URI),
        "the sandbox sends the browser to IGC_REDIRECT_URI: {back}"
    );
    assert!(param(&back, "code").is_some() && param(&back, "state").is_some());

    let done = stack.invoke("callback", &callback_event(&back)).await;
    assert_eq!(done.status, 302, "callback: {}", done.body);
    let to_app = done.location();
    assert!(to_app.as_str().starts_with(RETURN_TO), "{to_app}");
    assert_eq!(
        param(&to_app, "ig_connect").as_deref(),
        Some("success"),
        "{to_app}"
    );
    param(&to_app, "accounts")
        .and_then(|n| n.parse().ok())
        .expect("accounts=<n>")
}

fn by_username(list: &Value) -> HashMap<String, Value> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|a| (a["username"].as_str().unwrap_or("").to_owned(), a.clone()))
        .collect()
}

/// The actions of an audit listing, newest first.
fn actions(audit: &Value) -> Vec<String> {
    audit["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Team sharing through the `share` function, read back through `list`: `bob` (a member of
/// tenant-cafe) owns `pixel.cafe`, shares it, and hands it to the company.
async fn share_within_the_team(
    stack: &Stack,
    bob: &Claims<'_>,
    pixel: &str,
    outsider: &Claims<'_>,
) {
    let carol = Claims {
        tenant: bob.tenant,
        user: "user-carol",
        role: "member",
    };
    let olga = Claims {
        tenant: bob.tenant,
        user: "user-olga",
        role: "owner",
    };

    // Given bob's personal account, which nobody else sees ...
    let listed = stack.invoke("list", &list_event(&carol)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.json()["data"], json!([]), "{}", listed.body);

    // ... when bob gives carol `view` on it ...
    let put = stack
        .invoke("share", &put_grant_event(bob, pixel, "user-carol", "view"))
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let grant = put.json();
    assert_eq!(grant["user_id"], "user-carol");
    assert_eq!(grant["permission"], "view");
    assert_eq!(grant["granted_by"], "user-bob");

    // ... the grant is listed on the account ...
    let grants = stack.invoke("share", &grants_event(bob, pixel)).await;
    assert_eq!(grants.status, 200, "{}", grants.body);
    let data = grants.json()["data"].clone();
    assert_eq!(data.as_array().map(Vec::len), Some(1), "{data}");
    assert_eq!(data[0]["user_id"], "user-carol");
    assert_eq!(data[0]["permission"], "view");

    // ... carol sees the account through `list`, with `view` and without its grants ...
    let listed = stack.invoke("list", &list_event(&carol)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let seen = by_username(&listed.json());
    assert_eq!(seen.len(), 1, "{}", listed.body);
    assert_eq!(seen["pixel.cafe"]["permission"], "view");
    assert!(
        seen["pixel.cafe"].get("grants").is_none(),
        "{}",
        listed.body
    );

    // ... and `view` does not let her share it further.
    let escalate = stack
        .invoke(
            "share",
            &put_grant_event(&carol, pixel, "user-carol", "manage"),
        )
        .await;
    assert_eq!(escalate.status, 403, "{}", escalate.body);
    assert_eq!(escalate.json()["code"], "permission_denied");

    // Another tenant cannot even learn that the account exists.
    let foreign = stack.invoke("share", &grants_event(outsider, pixel)).await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    assert_eq!(foreign.json()["code"], "account_not_found");

    // bob hands the account to the company and lets members view it, in one PATCH; as a
    // member he keeps `view`.
    let patched = stack
        .invoke(
            "share",
            &patch_event(
                bob,
                pixel,
                &json!({"owner": "company", "member_access": "view"}),
            ),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let account = patched.json();
    assert_eq!(account["owner"]["type"], "company");
    assert_eq!(account["permission"], "view");

    // The tenant's owner now manages it and sees what members get and who was granted what.
    let managed = stack.invoke("list", &get_event(&olga, pixel)).await;
    assert_eq!(managed.status, 200, "{}", managed.body);
    let account = managed.json();
    assert_eq!(account["permission"], "manage");
    assert_eq!(account["member_access"], "view");
    assert_eq!(account["grants"][0]["user_id"], "user-carol");

    // Removing carol's grant leaves her what every member has.
    let removed = stack
        .invoke("share", &delete_grant_event(&olga, pixel, "user-carol"))
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    let listed = stack.invoke("list", &list_event(&carol)).await;
    assert_eq!(
        by_username(&listed.json())["pixel.cafe"]["permission"],
        "view"
    );

    // The audit trail has every step, newest first, with who did it.
    let audit = stack.invoke("share", &audit_event(&olga)).await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let trail = audit.json();
    assert_eq!(
        actions(&trail),
        [
            "grant.removed",
            "account.member_access_changed",
            "account.transferred",
            "grant.set",
            "account.connected",
        ],
        "{trail}"
    );
    let entries = trail["data"].as_array().expect("data");
    let grant_set = &entries[3];
    assert_eq!(grant_set["actor"], "user-bob");
    assert_eq!(grant_set["user_id"], "user-carol");
    assert_eq!(grant_set["permission"], "view");
    assert_eq!(grant_set["account_id"], pixel);
    let connected = &entries[4];
    assert_eq!(connected["actor"], "user-bob");
    assert_eq!(connected["username"], "pixel.cafe");
    assert_eq!(connected["login"], "instagram");

    // The trail is the company's: members may not read it.
    let denied = stack.invoke("share", &audit_event(&carol)).await;
    assert_eq!(denied.status, 403, "{}", denied.body);
    assert_eq!(denied.json()["code"], "permission_denied");
    let denied = stack.invoke("share", &audit_event(bob)).await;
    assert_eq!(denied.status, 403, "{}", denied.body);

    // And it is the tenant's own: the other tenant's trail has only its own logins.
    let theirs = stack.invoke("share", &audit_event(outsider)).await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    let theirs = theirs.json();
    assert_eq!(
        actions(&theirs),
        ["account.connected", "account.connected"],
        "{theirs}"
    );
    assert!(!theirs.to_string().contains("user-carol"), "{theirs}");
}

#[tokio::test(flavor = "multi_thread")]
async fn both_login_paths_connect_and_share_through_the_lambda_functions_on_moto_and_the_sandbox() {
    let stack = Stack::start().await;
    let bakery = Claims {
        tenant: "tenant-bakery",
        user: "user-alice",
        role: "admin",
    };
    let cafe = Claims {
        tenant: "tenant-cafe",
        user: "user-bob",
        role: "member",
    };

    // Given a tenant that connects through Facebook Login (two Pages with Instagram
    // accounts) and another through Instagram Login (one account) ...
    assert_eq!(connect(&stack, &bakery, "facebook", "company").await, 2);
    assert_eq!(connect(&stack, &cafe, "instagram", "user").await, 1);

    // ... then `list` shows each tenant its own accounts, with the profile Meta gave.
    let listed = stack.invoke("list", &list_event(&bakery)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let accounts = by_username(&listed.json());
    assert_eq!(accounts.len(), 2, "{}", listed.body);
    let bakery_account = &accounts["sunrise.bakery"];
    assert_eq!(bakery_account["ig_user_id"], "17841400000000101");
    assert_eq!(bakery_account["name"], "Sunrise Bakery");
    assert_eq!(bakery_account["followers_count"], 1520);
    assert_eq!(bakery_account["media_count"], 342);
    assert_eq!(
        bakery_account["biography"],
        "Sourdough at dawn, pastries all day."
    );
    assert_eq!(bakery_account["login"], "facebook");
    assert_eq!(bakery_account["owner"]["type"], "company");
    assert_eq!(bakery_account["connected_by"], "user-alice");
    assert_eq!(bakery_account["status"], "active");
    assert_eq!(accounts["harbor.studio"]["followers_count"], 8730);

    let listed = stack.invoke("list", &list_event(&cafe)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let accounts = by_username(&listed.json());
    assert_eq!(accounts.len(), 1, "{}", listed.body);
    let cafe_account = &accounts["pixel.cafe"];
    assert_eq!(cafe_account["ig_user_id"], "17841400000000201");
    assert_eq!(cafe_account["account_type"], "BUSINESS");
    assert_eq!(cafe_account["followers_count"], 2048);
    assert_eq!(cafe_account["login"], "instagram");
    assert_eq!(cafe_account["owner"]["user_id"], "user-bob");

    // `list` also serves one account by id, and only to its own tenant.
    let id = cafe_account["id"].as_str().expect("id");
    let one = stack.invoke("list", &get_event(&cafe, id)).await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.json()["username"], "pixel.cafe");
    let foreign = stack.invoke("list", &get_event(&bakery, id)).await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    assert_eq!(foreign.json()["code"], "account_not_found");

    // Fail closed: the real binary refuses a request without authorizer claims.
    let anonymous = stack
        .invoke("list", &fixture("list-no-authorizer.json"))
        .await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(
        anonymous.headers.get("content-type").map(String::as_str),
        Some("application/problem+json")
    );

    // Sharing, through the `share` function on the same table.
    share_within_the_team(&stack, &cafe, id, &bakery).await;

    // A replayed callback is refused, never a second connection.
    let replay = stack.invoke("callback", &fixture("callback.json")).await;
    assert_eq!(replay.status, 400, "{}", replay.body);

    // No response body and no log line carries a token, a code or an app secret.
    let logs = stack.watch.logs();
    assert!(
        logs.contains("\"request_id\""),
        "the functions log JSON with the request id:\n{logs}"
    );
    for secret in ["IGSBXTOK", "IGSBXCODE", FACEBOOK_SECRET, INSTAGRAM_SECRET] {
        assert!(!logs.contains(secret), "{secret} appears in the logs");
    }
}
