//! The Lambda stack the end-to-end tests run the function binaries on: DynamoDB and KMS on
//! moto, Meta played by `igconnect sandbox`, the functions under `cargo lambda watch` (the
//! Lambda runtime API emulator), invoked with API Gateway HTTP API (payload 2.0) events built
//! from `tests/fixtures/apigw/` or, for functions that are not HTTP, through `cargo lambda
//! invoke`. Included by `lambda_e2e.rs` and `lambda_publish_e2e.rs` (`#[path]`, so the other
//! test files do not compile it); not every file uses every helper.
//!
//! Nothing is skipped: without `.venv` (moto, cargo-lambda) a test fails and says to run
//! `scripts/test`, which installs them.
#![allow(dead_code)]

use igconnect::adapters::dynamodb::DynamoStore;
use igconnect::conformance::moto;
use igconnect_blackbox::{Consent, Form, igconnect_bin, param, without_test_crate_env};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use url::Url;

/// Where Meta sends the browser back: API Gateway's URL in production. Nothing listens
/// there; the test reads the code and state off the sandbox's redirect instead.
pub const REDIRECT_URI: &str =
    "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1/oauth/callback";
pub const RETURN_TO: &str = "https://app.example.com/settings/integrations";
pub const FACEBOOK_SECRET: &str = "sandbox-facebook-secret";
pub const INSTAGRAM_SECRET: &str = "sandbox-instagram-secret";
/// The function binaries (`functions/<name>`): all of them, so both test files share a build.
pub const FUNCTIONS: [&str; 8] = [
    "initiate",
    "callback",
    "list",
    "share",
    "publish",
    "publish-worker",
    "refresh",
    "insights",
];

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A tool `scripts/install-tools` puts into `.venv/bin`, or a failure saying how to get it.
pub fn venv_tool(name: &str) -> PathBuf {
    let path = root().join(".venv/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/test (it installs the pinned tools into .venv via \
         scripts/install-tools)",
        path.display()
    );
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `igconnect sandbox --port 0`, killed on drop.
pub struct Sandbox {
    child: Child,
    pub base: Url,
}

impl Sandbox {
    pub fn start() -> Self {
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

    pub fn url(&self, path: &str) -> String {
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
pub struct Watch {
    child: Child,
    pub invoke: Url,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Watch {
    pub fn start(env: &[(&str, String)]) -> Self {
        let cargo_lambda = venv_tool("cargo-lambda");
        // Build first, so the first invoke does not wait on a compile (watch would start one
        // with `cargo run` and the invoke could time out).
        let status = without_test_crate_env(&mut Command::new(env!("CARGO")))
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
        without_test_crate_env(&mut cmd);
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

    pub fn logs(&self) -> String {
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
pub struct GatewayResponse {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl GatewayResponse {
    /// The response a function handed the runtime (`statusCode`, `headers`, `body`).
    pub fn from_invocation(v: &Value) -> Self {
        let headers = v["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            status: v["statusCode"].as_u64().expect("statusCode") as u16,
            headers,
            body: v["body"].as_str().unwrap_or("").to_owned(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> Url {
        let raw = self.headers.get("location").expect("a Location header");
        Url::parse(raw).expect("an absolute Location")
    }
}

/// Everything the flow needs: moto (table and key), the sandbox, the functions.
pub struct Stack {
    pub watch: Watch,
    /// The functions' DynamoDB table on moto.
    pub table: String,
    pub sandbox: Sandbox,
    /// Plays API Gateway (invocations) and the browser (sandbox pages); never follows
    /// redirects, so every 302/303 is seen.
    pub http: reqwest::Client,
}

impl Stack {
    /// The stack with the functions' usual environment.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// The stack with `extra` added to (or overriding) the functions' environment.
    ///
    /// As on AWS, the functions get the Meta app secrets from Secrets Manager (a secret
    /// on moto, named by `IGC_META_SECRET_ID`), never from a variable.
    pub async fn start_with(extra: &[(&'static str, &str)]) -> Self {
        venv_tool("moto_server");
        venv_tool("cargo-lambda");
        let table = moto::unique_name("igconnect-lambda");
        DynamoStore::new(moto::dynamodb_client(), table.clone())
            .create_table()
            .await
            .expect("create the table on moto");
        let key_id = moto::kms_key().await;
        let secret_id = meta_secret().await;
        let sandbox = Sandbox::start();

        let mut env: Vec<(&str, String)> = moto::child_env();
        env.extend([
            ("IGC_TABLE_NAME", table.clone()),
            ("IGC_KMS_KEY_ID", key_id),
            ("IGC_REDIRECT_URI", REDIRECT_URI.to_owned()),
            (
                "IGC_ALLOWED_RETURN_ORIGINS",
                "https://app.example.com".to_owned(),
            ),
            ("IGC_META_APP_ID", "sandbox-facebook-app".to_owned()),
            ("IGC_INSTAGRAM_APP_ID", "sandbox-instagram-app".to_owned()),
            ("IGC_META_SECRET_ID", secret_id),
            ("IGC_FACEBOOK_DIALOG_URL", sandbox.url("facebook-www/")),
            ("IGC_FACEBOOK_GRAPH_URL", sandbox.url("facebook-graph/")),
            ("IGC_INSTAGRAM_AUTH_URL", sandbox.url("instagram-www/")),
            ("IGC_INSTAGRAM_API_URL", sandbox.url("instagram-api/")),
            ("IGC_INSTAGRAM_GRAPH_URL", sandbox.url("instagram-graph/")),
            ("IGC_LOG", "debug".to_owned()),
        ]);
        for (k, v) in extra {
            env.retain(|(name, _)| name != k);
            env.push((k, (*v).to_owned()));
        }
        let watch = Watch::start(&env);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // The first invoke of each function waits for `cargo run` to start it.
            .timeout(Duration::from_secs(300))
            .build()
            .expect("client");
        Self {
            watch,
            table,
            sandbox,
            http,
        }
    }

    /// Invokes `function` with `event`, as API Gateway does through the Lambda API.
    pub async fn invoke(&self, function: &str, event: &Value) -> GatewayResponse {
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
        GatewayResponse::from_invocation(&v)
    }

    /// Invokes `function` with the event in `data_file` (relative to the workspace root)
    /// through `cargo lambda invoke`, as one would by hand; the function's JSON answer. For
    /// functions that are not behind API Gateway (`publish-worker`).
    pub async fn invoke_cli(&self, function: &str, data_file: &str) -> Value {
        let port = self
            .watch
            .invoke
            .port()
            .expect("the invoke port")
            .to_string();
        let out = tokio::process::Command::new(venv_tool("cargo-lambda"))
            .args(["lambda", "invoke", function, "--data-file", data_file])
            .args(["--invoke-address", "127.0.0.1", "--invoke-port", &port])
            .args(["--output-format", "json"])
            .current_dir(root())
            .stdin(Stdio::null())
            .output()
            .await
            .expect("cargo lambda invoke runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "cargo lambda invoke {function} failed ({}): {stdout}{}\nwatch output:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            self.watch.logs()
        );
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{function} answered no JSON ({e}): {stdout}"))
    }

    /// Asserts that the functions logged JSON with request ids and that no log line
    /// carries a sandbox token or code or an app secret.
    pub fn assert_no_secret_in_logs(&self) {
        let logs = self.watch.logs();
        assert!(
            logs.contains("\"request_id\""),
            "the functions log JSON with the request id:\n{logs}"
        );
        for secret in ["IGSBXTOK", "IGSBXCODE", FACEBOOK_SECRET, INSTAGRAM_SECRET] {
            assert!(!logs.contains(secret), "{secret} appears in the logs");
        }
    }

    /// Opens the consent page the way a browser follows `authorization_url`, allows, and
    /// returns where the sandbox sends the browser (our callback URL with code and state).
    pub async fn consent(&self, authorization_url: &Url) -> Url {
        consent(&self.http, &self.sandbox, authorization_url).await
    }
}

/// The functions of a stack, however they run (`cargo lambda watch`, or the binaries of a
/// deployed template under a runtime API stand-in), as the login flow drives them.
pub trait Functions {
    /// Invokes `function` with the API Gateway `event`; its response.
    fn call(&self, function: &str, event: &Value) -> impl Future<Output = GatewayResponse>;
    /// The browser's round trip through the sandbox's consent page.
    fn allow(&self, authorization_url: &Url) -> impl Future<Output = Url>;
}

impl Functions for Stack {
    async fn call(&self, function: &str, event: &Value) -> GatewayResponse {
        self.invoke(function, event).await
    }

    async fn allow(&self, authorization_url: &Url) -> Url {
        self.consent(authorization_url).await
    }
}

/// Opens the consent page the way a browser follows `authorization_url`, allows, and
/// returns where the sandbox sends the browser (our callback URL with code and state).
pub async fn consent(http: &reqwest::Client, sandbox: &Sandbox, authorization_url: &Url) -> Url {
    assert!(
        authorization_url
            .as_str()
            .starts_with(sandbox.base.as_str()),
        "initiate must point at the configured Meta (the sandbox): {authorization_url}"
    );
    let page = http
        .get(authorization_url.clone())
        .send()
        .await
        .expect("consent page");
    assert_eq!(page.status(), 200, "consent page");
    let form = Form::parse(&page.text().await.expect("html"), authorization_url);
    let decided = http
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

/// The Meta app secrets as the deployment keeps them: one Secrets Manager secret (on moto)
/// holding a JSON object, with a key igconnect does not read; returns its ARN.
pub async fn meta_secret() -> String {
    let client = aws_sdk_secretsmanager::Client::new(&moto::sdk_config());
    let value = json!({
        "facebook_app_secret": FACEBOOK_SECRET,
        "instagram_app_secret": INSTAGRAM_SECRET,
        "webhook_verify_token": "sandbox-verify-token",
        "note": "ignored by igconnect",
    });
    let created = client
        .create_secret()
        .name(moto::unique_name("igconnect/meta"))
        .secret_string(value.to_string())
        .send()
        .await
        .expect("create the Meta secret on moto");
    created
        .arn()
        .expect("moto names the secret's ARN")
        .to_owned()
}

pub fn fixture(name: &str) -> Value {
    let path = root().join("tests/fixtures/apigw").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture JSON")
}

/// Who the JWT authorizer says is calling.
pub struct Claims<'a> {
    pub tenant: &'a str,
    pub user: &'a str,
    pub role: &'a str,
}

pub fn with_claims(mut event: Value, c: &Claims) -> Value {
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["tenant_id"] = c.tenant.into();
    claims["sub"] = c.user.into();
    claims["role"] = c.role.into();
    event
}

pub fn initiate_event(c: &Claims, login: &str, owner: &str) -> Value {
    let mut event = with_claims(fixture("initiate.json"), c);
    let body = json!({"login": login, "return_to": RETURN_TO, "owner": owner}).to_string();
    event["headers"]["content-length"] = body.len().to_string().into();
    event["body"] = body.into();
    event
}

/// The callback event API Gateway builds when the browser arrives at `url`.
pub fn callback_event(url: &Url) -> Value {
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

pub fn list_event(c: &Claims) -> Value {
    with_claims(fixture("list.json"), c)
}

/// `event` with the query string `params`, as API Gateway passes it on.
pub fn with_query(mut event: Value, params: &[(&str, &str)]) -> Value {
    let query = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let map: serde_json::Map<String, Value> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
        .collect();
    event["rawQueryString"] = query.into();
    event["queryStringParameters"] = map.into();
    event
}

/// `event` aimed at `path`, with the path parameters API Gateway extracts from it.
pub fn routed(mut event: Value, path: &str, params: &[(&str, &str)]) -> Value {
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["path"] = path.into();
    for (name, value) in params {
        event["pathParameters"][*name] = (*value).into();
    }
    event
}

pub fn with_body(mut event: Value, body: &Value) -> Value {
    let body = body.to_string();
    event["headers"]["content-length"] = body.len().to_string().into();
    event["body"] = body.into();
    event
}

/// initiate -> consent -> callback, asserting the redirect back to the app; the number of
/// accounts the callback reports.
pub async fn connect(stack: &impl Functions, c: &Claims<'_>, login: &str, owner: &str) -> u32 {
    let started = stack
        .call("initiate", &initiate_event(c, login, owner))
        .await;
    assert_eq!(started.status, 200, "initiate: {}", started.body);
    let authorization_url = Url::parse(
        started.json()["authorization_url"]
            .as_str()
            .expect("authorization_url"),
    )
    .expect("URL");

    let back = stack.allow(&authorization_url).await;
    assert!(
        back.as_str().starts_with(REDIRECT_URI),
        "the sandbox sends the browser to IGC_REDIRECT_URI: {back}"
    );
    assert!(param(&back, "code").is_some() && param(&back, "state").is_some());

    let done = stack.call("callback", &callback_event(&back)).await;
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

pub fn by_username(list: &Value) -> HashMap<String, Value> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|a| (a["username"].as_str().unwrap_or("").to_owned(), a.clone()))
        .collect()
}
