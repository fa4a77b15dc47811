//! The template and the code agree, proven on an emulated AWS: `infra/template.yaml` is
//! translated by aws-sam-translator (as `sam deploy` does), the release zips `cargo lambda
//! build --release --x86-64 --output-format zip` makes are uploaded to moto's S3, and the
//! stack is created on moto's CloudFormation (`scripts/moto-stack.py`). Every function's
//! `bootstrap`, unpacked from the zip S3 holds, then runs under a stand-in for the Lambda
//! runtime API with exactly the environment the stack gave it, against the table, the key
//! and the Meta secret the stack names (nothing here creates a table or a key of its own),
//! through a login, a list, a publish, an upload published by media id, and a refresh.
//! Only the endpoints differ from AWS: moto answers for AWS (`AWS_ENDPOINT_URL`), and the
//! sandbox for Meta.
//!
//! moto's CloudFormation does not model the HTTP API, alarms, metric filters, event invoke
//! configs and queue and bucket policies, and applies only the encryption of a bucket (not
//! its notification, lifecycle, CORS, public access block or ownership controls): the test
//! names those gaps, fails on a new one, and checks the rest (`scripts/check-template` lints
//! and scans the whole template). Since S3 is not told to notify the media function, the
//! test hands it S3's notification itself, as it hands every function its event.

#[path = "common/lambda.rs"]
mod lambda;
// The benchmark's runtime API stand-in; not every helper of it is used here.
#[allow(dead_code)]
#[path = "../benches/lambda/runtime_api.rs"]
mod runtime_api;

use igconnect::adapters::dynamodb::DynamoStore;
use igconnect::conformance::moto;
use igconnect::domain::{AccountId, TenantId};
use igconnect::ports::{AccountReader, RefreshQueue};
use lambda::{
    Claims, FACEBOOK_SECRET, Functions, GatewayResponse, INSTAGRAM_SECRET, REDIRECT_URI, Sandbox,
    by_username, connect, fixture, list_event, root, routed, with_body, with_claims,
};
use runtime_api::{Outcome, RuntimeApi};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::sync::Mutex;
use url::Url;

const SCHEDULED_EVENT: &str = "tests/fixtures/eventbridge/scheduled.json";
const INVOKE_TIMEOUT: Duration = Duration::from_secs(60);

/// Resource types moto's CloudFormation accepts without creating anything.
const NOT_MODELLED_BY_MOTO: [&str; 7] = [
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::CloudWatch::Alarm",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Logs::MetricFilter",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
];

/// Bucket properties moto's CloudFormation accepts without applying them (it applies
/// `BucketEncryption`): S3 does not notify the media function on moto, so this test
/// invokes it with S3's event itself.
const BUCKET_PROPERTIES_NOT_APPLIED_BY_MOTO: [&str; 5] = [
    "CorsConfiguration",
    "LifecycleConfiguration",
    "NotificationConfiguration",
    "OwnershipControls",
    "PublicAccessBlockConfiguration",
];

/// Functions the stack tells the media bucket's name (`IGC_MEDIA_BUCKET`).
const MEDIA_BUCKET_USERS: [&str; 3] = ["media", "publish", "publish-worker"];

/// A tool of the infrastructure checks (`scripts/install-infra-tools` puts it in
/// `.venv-infra/bin`), or a failure saying how to get it.
fn infra_tool(name: &str) -> PathBuf {
    let path = root().join(".venv-infra/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/install-infra-tools (scripts/test does)",
        path.display()
    );
    path
}

fn run(what: &str, cmd: &mut Command) -> String {
    let out = cmd
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The release zips, as `sam build` would package them (x86_64: the arm64 target cannot be
/// installed here; docs/deploy.md), by the script `scripts/test` runs before the tests, so
/// this is a no-op there.
fn release_zips() -> PathBuf {
    run(
        "scripts/package-functions",
        igconnect_blackbox::without_test_crate_env(&mut Command::new(
            root().join("scripts/package-functions"),
        ))
        .current_dir(root()),
    );
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    target.join("lambda")
}

/// The Meta secret as an operator creates it before deploying (docs/deploy.md); its name.
async fn create_meta_secret() -> String {
    let name = moto::unique_name("igconnect/meta");
    aws_sdk_secretsmanager::Client::new(&moto::sdk_config())
        .create_secret()
        .name(&name)
        .secret_string(
            json!({
                "facebook_app_secret": FACEBOOK_SECRET,
                "instagram_app_secret": INSTAGRAM_SECRET,
                "webhook_verify_token": "sandbox-verify-token",
            })
            .to_string(),
        )
        .send()
        .await
        .expect("create the Meta secret on moto");
    name
}

/// What `scripts/moto-stack.py` reports of the stack it created.
struct Deployed {
    report: Value,
}

impl Deployed {
    fn function(&self, name: &str) -> &Value {
        let f = &self.report["functions"][name];
        assert!(f.is_object(), "the stack made no function {name}");
        f
    }

    fn env(&self, name: &str) -> Vec<(String, String)> {
        self.function(name)["environment"]
            .as_object()
            .map(|vars| {
                vars.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn output(&self, key: &str) -> &str {
        self.report["outputs"][key]
            .as_str()
            .unwrap_or_else(|| panic!("no output {key}: {}", self.report["outputs"]))
    }
}

/// Translates the template and creates it on moto with the parameters an operator gives.
async fn deploy(work: &Path, zips: &Path, secret: &str) -> Deployed {
    let translated = work.join("template.translated.json");
    run(
        "scripts/translate-template.py",
        Command::new(infra_tool("python"))
            .arg("scripts/translate-template.py")
            .arg("infra/template.yaml")
            .arg(&translated),
    );
    let stack = moto::unique_name("igconnect").replace('_', "-");
    let out = run(
        "scripts/moto-stack.py",
        Command::new(infra_tool("python"))
            .envs(moto::child_env())
            .arg("scripts/moto-stack.py")
            .arg(moto::endpoint())
            .arg("infra/template.yaml")
            .arg(&translated)
            .arg(zips)
            .arg(work.join("functions"))
            .arg(&stack)
            .args([
                "JwtIssuer=https://auth.example.com/".to_owned(),
                "JwtAudience=igconnect-app".to_owned(),
                format!("RedirectUri={REDIRECT_URI}"),
                "AllowedReturnOrigins=https://app.example.com".to_owned(),
                "MetaAppId=sandbox-facebook-app".to_owned(),
                "InstagramAppId=sandbox-instagram-app".to_owned(),
                format!("MetaSecretName={secret}"),
                "Architecture=x86_64".to_owned(),
                "LogLevel=debug".to_owned(),
            ]),
    );
    let report: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("moto-stack.py printed no JSON ({e}): {out}"));
    Deployed { report }
}

/// One function process, started from its deployed `bootstrap`, and its runtime API.
struct Running {
    api: Mutex<RuntimeApi>,
    child: Child,
    log: PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The deployed functions, each run as Lambda runs it, plus Meta (the sandbox).
struct DeployedFunctions {
    running: HashMap<String, Running>,
    sandbox: Sandbox,
    http: reqwest::Client,
}

impl DeployedFunctions {
    /// Starts every function of the stack with the stack's environment for it, and waits
    /// for each to finish init (its first poll): a variable the code needs and the template
    /// does not give fails here, with the function's own words.
    async fn start(deployed: &Deployed, logs: &Path) -> Self {
        let sandbox = Sandbox::start();
        // Test-only: where Meta is. A deployment talks to Meta's real hosts.
        let meta = [
            ("IGC_FACEBOOK_DIALOG_URL", sandbox.url("facebook-www/")),
            ("IGC_FACEBOOK_GRAPH_URL", sandbox.url("facebook-graph/")),
            ("IGC_INSTAGRAM_AUTH_URL", sandbox.url("instagram-www/")),
            ("IGC_INSTAGRAM_API_URL", sandbox.url("instagram-api/")),
            ("IGC_INSTAGRAM_GRAPH_URL", sandbox.url("instagram-graph/")),
        ];
        let mut running = HashMap::new();
        let names: Vec<String> = deployed.report["functions"]
            .as_object()
            .map(|f| f.keys().cloned().collect())
            .unwrap_or_default();
        for name in names {
            let f = deployed.function(&name);
            let api = RuntimeApi::start().await;
            let log = logs.join(format!("{name}.log"));
            let out = std::fs::File::create(&log).expect("log file");
            let mut env: Vec<(String, String)> = vec![
                ("AWS_LAMBDA_RUNTIME_API".into(), api.addr.to_string()),
                (
                    "AWS_LAMBDA_FUNCTION_NAME".into(),
                    f["function_name"].as_str().unwrap_or(&name).to_owned(),
                ),
                ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
                (
                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
                    f["memory"].to_string(),
                ),
                (
                    "AWS_LAMBDA_LOG_GROUP_NAME".into(),
                    format!("/aws/lambda/{name}"),
                ),
                ("AWS_LAMBDA_LOG_STREAM_NAME".into(), "e2e".into()),
            ];
            env.extend(
                moto::child_env()
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v)),
            );
            env.extend(meta.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
            env.extend(deployed.env(&name));
            let bootstrap = f["bootstrap"].as_str().expect("bootstrap path");
            let child = Command::new(bootstrap)
                .env_clear()
                .envs(env)
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("log file"))
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("{name}: {bootstrap} does not start: {e}"));
            let mut api = api;
            if let Err(e) = api.next_poll(Duration::from_secs(30)).await {
                panic!(
                    "{name} did not finish init with the stack's environment: {e}\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            running.insert(
                name,
                Running {
                    api: Mutex::new(api),
                    child,
                    log,
                },
            );
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(INVOKE_TIMEOUT)
            .build()
            .expect("client");
        Self {
            running,
            sandbox,
            http,
        }
    }

    /// Hands `event` to `function` as Lambda does; its raw answer.
    async fn answer(&self, function: &str, event: &Value) -> Value {
        let running = self
            .running
            .get(function)
            .unwrap_or_else(|| panic!("no function {function} runs"));
        let outcome = running
            .api
            .lock()
            .await
            .invoke(event.clone(), INVOKE_TIMEOUT)
            .await;
        match outcome {
            Ok(Outcome::Response(v)) => v,
            Ok(Outcome::Error(e)) => panic!("{function} failed: {e}\n{}", self.logs(function)),
            Err(e) => panic!("invoking {function}: {e}\n{}", self.logs(function)),
        }
    }

    fn logs(&self, function: &str) -> String {
        self.running
            .get(function)
            .and_then(|r| std::fs::read_to_string(&r.log).ok())
            .unwrap_or_default()
    }

    fn all_logs(&self) -> String {
        self.running.keys().map(|f| self.logs(f)).collect()
    }
}

impl Functions for DeployedFunctions {
    async fn call(&self, function: &str, event: &Value) -> GatewayResponse {
        GatewayResponse::from_invocation(&self.answer(function, event).await)
    }

    async fn allow(&self, authorization_url: &Url) -> Url {
        lambda::consent(&self.http, &self.sandbox, authorization_url).await
    }
}

/// The headers the media bucket's CORS rule lets a browser send, from the translated
/// template (moto does not apply the rule: this checks the code's signed headers against it).
fn cors_allowed_headers(translated: &Path) -> BTreeSet<String> {
    let template: Value =
        serde_json::from_str(&std::fs::read_to_string(translated).expect("translated template"))
            .expect("JSON");
    template["Resources"]["MediaBucket"]["Properties"]["CorsConfiguration"]["CorsRules"][0]
        ["AllowedHeaders"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter_map(Value::as_str)
                .map(str::to_lowercase)
                .collect()
        })
        .unwrap_or_default()
}

/// S3's notification of a created object, as S3 hands it to Lambda (keys of media hold
/// only URL-safe characters, so the key needs no encoding).
fn object_created(bucket: &str, key: &str, size: usize) -> Value {
    json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": moto::sdk_config().region().map(|r| r.to_string()),
        "eventTime": chrono::Utc::now().to_rfc3339(),
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AROAEXAMPLEPUBLISH:publish"},
        "requestParameters": {"sourceIPAddress": "203.0.113.7"},
        "responseElements": {
            "x-amz-request-id": "C3D13FE58DE4C810",
            "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "igconnect-uploads",
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "A3NL1KOZZKEXAMPLE"},
                "arn": format!("arn:aws:s3:::{bucket}")
            },
            "object": {"key": key, "size": size, "sequencer": "0055AED6DCD90281E5"}
        }
    }]})
}

/// An API Gateway event of `method path` through the publish function's routes.
fn media_event(
    fixture_name: &str,
    caller: &Claims<'_>,
    method: &str,
    route: &str,
    path: &str,
) -> Value {
    let mut event = routed(with_claims(fixture(fixture_name), caller), path, &[]);
    let route_key = format!("{method} {route}");
    event["routeKey"] = route_key.clone().into();
    event["requestContext"]["routeKey"] = route_key.into();
    event["pathParameters"] = json!({});
    event
}

/// `POST /v1/media` through publish, the PUT a browser makes to the URL it answers (with
/// the headers it was given, but those a browser sets itself), S3's notification to media,
/// then `GET /v1/media/{id}` through publish: the id of the ready medium.
async fn upload_an_image(
    stack: &DeployedFunctions,
    caller: &Claims<'_>,
    bucket: &str,
    cors: &BTreeSet<String>,
) -> String {
    let png = igconnect::domain::media::content::sample_png(1080, 1080, true);
    let declaration =
        json!({"filename": "croissants.png", "content_type": "image/png", "size": png.len()});
    let event = with_body(
        media_event("create-post.json", caller, "POST", "/v1/media", "/v1/media"),
        &declaration,
    );
    let declared = stack.call("publish", &event).await;
    assert_eq!(declared.status, 201, "{}", declared.body);
    let declared = declared.json();
    let media_id = declared["id"].as_str().expect("an id").to_owned();
    let upload = &declared["upload"];
    assert_eq!(upload["method"], "PUT", "{declared}");
    let url = Url::parse(upload["url"].as_str().expect("an upload URL")).expect("a URL");
    assert!(
        url.as_str().starts_with(moto::endpoint()),
        "presigned for the stack's S3: {url}"
    );
    let mut put = stack.http.put(url.clone()).body(png.clone());
    for (name, value) in upload["headers"].as_object().expect("headers") {
        // The browser sets these itself (forbidden header names); the signature binds them.
        if ["content-length", "host"].contains(&name.as_str()) {
            continue;
        }
        assert!(
            cors.contains(&name.to_lowercase()),
            "the upload needs {name}, which the bucket's CORS rule does not allow: {cors:?}"
        );
        put = put.header(name, value.as_str().expect("a header value"));
    }
    let landed = put.send().await.expect("moto's S3 answers");
    assert_eq!(landed.status(), 200, "{:?}", landed.text().await);
    // Path-style on moto's address: /<bucket>/uploads/<tenant hex>/<media id>.
    let key = url
        .path()
        .strip_prefix(&format!("/{bucket}/"))
        .expect("a key in the media bucket")
        .to_owned();
    assert!(key.starts_with("uploads/"), "{key}");

    let report = stack
        .answer("media", &object_created(bucket, &key, png.len()))
        .await;
    assert_eq!(report["processed"], 1, "{report}");

    let mut event = media_event(
        "get-post.json",
        caller,
        "GET",
        "/v1/media/{media_id}",
        &format!("/v1/media/{media_id}"),
    );
    event["pathParameters"] = json!({"media_id": media_id});
    let got = stack.call("publish", &event).await;
    assert_eq!(got.status, 200, "{}", got.body);
    let media = got.json();
    assert_eq!(media["status"], "ready", "{media}");
    assert_eq!(media["result"]["content_type"], "image/jpeg", "{media}");
    // The raw upload is gone; the converted file is under media/.
    let raw = stack
        .http
        .head(format!("{}/{bucket}/{key}", moto::endpoint()))
        .send()
        .await
        .expect("moto's S3 answers");
    assert_eq!(raw.status(), 404, "the raw upload was deleted");
    let listing = stack
        .http
        .get(format!(
            "{}/{bucket}?list-type=2&prefix=media/",
            moto::endpoint()
        ))
        .send()
        .await
        .expect("moto's S3 answers")
        .text()
        .await
        .expect("a listing");
    assert!(listing.contains(".jpg</Key>"), "{listing}");
    media_id
}

fn workspace_functions() -> BTreeSet<String> {
    std::fs::read_dir(root().join("functions"))
        .expect("functions/")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_template_deploys_on_moto_and_its_functions_run_a_login_a_list_a_publish_and_a_refresh()
{
    let work = tempfile::tempdir().expect("work dir");
    eprintln!("stack: building the release zips (scripts/package-functions)");
    let zips = release_zips();
    eprintln!("stack: translating the template and creating it on moto");
    let secret = create_meta_secret().await;
    let deployed = deploy(work.path(), &zips, &secret).await;

    // The stack: created, every workspace function in it, what moto cannot model named.
    assert_eq!(
        deployed.report["status"], "CREATE_COMPLETE",
        "{}",
        deployed.report
    );
    let functions: BTreeSet<String> = deployed.report["functions"]
        .as_object()
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(functions, workspace_functions());
    let not_modelled: BTreeSet<&str> = deployed.report["not_modelled_by_moto"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let expected_gaps: BTreeSet<&str> = NOT_MODELLED_BY_MOTO.into();
    assert!(
        not_modelled.is_subset(&expected_gaps),
        "moto left out more than it is known not to model: {not_modelled:?}"
    );
    for name in &functions {
        let f = deployed.function(name);
        assert_eq!(f["runtime"], "provided.al2023", "{name}");
        assert_eq!(f["handler"], "bootstrap", "{name}");
        assert!(
            f["reserved_concurrency"].as_u64().is_some_and(|n| n > 0),
            "{name}: {f}"
        );
        for (key, value) in deployed.env(name) {
            for secret in [FACEBOOK_SECRET, INSTAGRAM_SECRET, "sandbox-verify-token"] {
                assert!(!value.contains(secret), "{name}'s {key} holds a secret");
            }
        }
    }

    // The table and the key are the stack's: each function that names them names these.
    let table = deployed.output("TableName").to_owned();
    let key = deployed.output("TokenKeyArn").to_owned();
    let bucket = deployed.output("MediaBucketName").to_owned();
    for name in &functions {
        let env: HashMap<String, String> = deployed.env(name).into_iter().collect();
        assert_eq!(env.get("IGC_TABLE_NAME"), Some(&table), "{name}");
        if let Some(used) = env.get("IGC_KMS_KEY_ID") {
            assert_eq!(used, &key, "{name}");
        }
        // media names the bucket by the name it builds (a !Ref would be circular): the
        // same name the bucket got.
        let told = MEDIA_BUCKET_USERS
            .contains(&name.as_str())
            .then_some(&bucket);
        assert_eq!(env.get("IGC_MEDIA_BUCKET"), told, "{name}");
    }
    // The bucket: made, SSE-S3; what moto leaves out of it, named.
    let made = &deployed.report["buckets"]["MediaBucket"];
    assert_eq!(made["name"], bucket.as_str(), "{made}");
    assert_eq!(made["encryption"], json!(["AES256"]), "{made}");
    let not_applied: BTreeSet<&str> = made["not_applied_by_moto"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let expected_property_gaps: BTreeSet<&str> = BUCKET_PROPERTIES_NOT_APPLIED_BY_MOTO.into();
    assert!(
        not_applied.is_subset(&expected_property_gaps),
        "moto left out more of the bucket than it is known to: {not_applied:?}"
    );
    let described = moto::dynamodb_client()
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .expect("the stack's table");
    let indexes: BTreeSet<String> = described
        .table()
        .map(|t| {
            t.global_secondary_indexes()
                .iter()
                .filter_map(|i| i.index_name().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(indexes, ["gsi1".to_owned(), "gsi2".to_owned()].into());

    let logs = tempfile::tempdir().expect("logs dir");
    eprintln!(
        "stack: starting the {} functions from the zips on moto's S3",
        functions.len()
    );
    let stack = DeployedFunctions::start(&deployed, logs.path()).await;
    eprintln!("stack: login, list, publish, refresh");

    // A login on each path, through initiate, the consent page and callback.
    let bob = Claims {
        tenant: "tenant-cafe",
        user: "user-bob",
        role: "member",
    };
    assert_eq!(connect(&stack, &bob, "instagram", "user").await, 1);
    let listed = stack.call("list", &list_event(&bob)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let account = by_username(&listed.json())["pixel.cafe"].clone();
    let id = account["id"]
        .as_str()
        .expect("pixel.cafe is listed")
        .to_owned();
    assert_eq!(account["status"], "active");

    // The token was sealed under the stack's key and stored in the stack's table.
    let store = DynamoStore::new(moto::dynamodb_client(), table.clone());
    let tenant = TenantId::parse("tenant-cafe").expect("tenant");
    let account_id = AccountId::parse(&id).expect("id");
    let sealed = igconnect::ports::TokenReader::sealed_token(&store, &tenant, &account_id)
        .await
        .expect("read")
        .expect("a sealed token");
    assert!(
        key.ends_with(&sealed.key_id) || sealed.key_id == key,
        "{} vs {key}",
        sealed.key_id
    );

    // A publish: an image, published within the request.
    let post = json!({
        "type": "image",
        "media": [{"url": "https://cdn.example.com/posts/croissants.jpg", "kind": "image"}],
        "caption": "Fresh out of the oven #bakery",
    });
    let mut event = with_body(
        routed(
            with_claims(fixture("create-post.json"), &bob),
            &format!("/v1/accounts/{id}/posts"),
            &[("id", id.as_str())],
        ),
        &post,
    );
    event["headers"]["idempotency-key"] = "stack-post-1".into();
    let created = stack.call("publish", &event).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["status"], "published", "{}", created.body);

    // An upload, published by its media id: declared through publish, PUT to moto's S3 with
    // the URL publish signed, converted by media, fetched by Meta from the URL it signed.
    let cors = cors_allowed_headers(&work.path().join("template.translated.json"));
    let media_id = upload_an_image(&stack, &bob, &bucket, &cors).await;
    let post = json!({
        "type": "image",
        "media": [{"media_id": media_id, "kind": "image"}],
        "caption": "From a file #bakery",
    });
    let mut event = with_body(
        routed(
            with_claims(fixture("create-post.json"), &bob),
            &format!("/v1/accounts/{id}/posts"),
            &[("id", id.as_str())],
        ),
        &post,
    );
    event["headers"]["idempotency-key"] = "stack-post-from-a-file".into();
    let created = stack.call("publish", &event).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["status"], "published", "{}", created.body);
    let fetched: Value = stack
        .http
        .get(stack.sandbox.url("_inspect/fetched"))
        .send()
        .await
        .expect("the sandbox answers")
        .json()
        .await
        .expect("JSON");
    let from_the_bucket: Vec<&Value> = fetched["data"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|f| {
                    f["url"]
                        .as_str()
                        .is_some_and(|u| u.starts_with(moto::endpoint()) && u.contains(&bucket))
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(from_the_bucket.len(), 1, "{fetched}");
    assert_eq!(
        from_the_bucket[0]["content_type"], "image/jpeg",
        "{fetched}"
    );

    // A refresh: the scheduled function, with EventBridge's event, looks at the account once
    // it is due (as a day after connecting: moved through the store's own port).
    let mut due = store
        .get_account(&tenant, &account_id)
        .await
        .expect("read")
        .expect("there");
    due.version += 1;
    due.upkeep.refresh_due_at = Some(chrono::Utc::now() - chrono::TimeDelta::seconds(5));
    store.save_upkeep(&due, None, None).await.expect("make due");
    let scheduled: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join(SCHEDULED_EVENT)).expect("scheduled event"),
    )
    .expect("JSON");
    let report = stack.answer("refresh", &scheduled).await;
    assert_eq!(report["refresh"]["due"], 1, "{report}");
    assert_eq!(report["refresh"]["failed"], 0, "{report}");
    let listed = stack.call("list", &list_event(&bob)).await;
    let checked = by_username(&listed.json())["pixel.cafe"].clone();
    assert_eq!(checked["status"], "active", "{checked}");
    assert!(checked["last_refreshed_at"].is_string(), "{checked}");

    // Nothing secret in what the functions logged.
    let logs = stack.all_logs();
    for secret in ["IGSBXTOK", "IGSBXCODE", FACEBOOK_SECRET, INSTAGRAM_SECRET] {
        assert!(!logs.contains(secret), "{secret} appears in the logs");
    }
}
