//! What each route asks of DynamoDB, KMS and Meta, counted: `igconnect serve` on the
//! production adapters (DynamoDB and KMS on moto, through a counting proxy) with every
//! background loop off, the sandbox logging every call to Meta's hosts. Each route is called
//! once in a realistic order and its calls are compared with the table in docs/lambda.md
//! ("Calls per route"), which this test prints: a route that starts making a call it does
//! not need fails here, and so does a table that no longer says what the code does.

#[path = "../benches/publish/proxy.rs"]
#[allow(dead_code)]
mod proxy;

use igconnect::conformance::moto;
use igconnect_blackbox::signed_request::signed_request;
use igconnect_blackbox::{Consent, Server, param};
use proxy::{CountingProxy, aws_env};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const PIXEL_CAFE: &str = "17841400000000201";
const SUNRISE_BAKERY: &str = "17841400000000101";
/// The sandbox's Facebook user, who grants both Pages' Instagram accounts.
const SAM: &str = "10000000000000001";

/// One row of the table: a route and its calls, each service's as `Operation ×n` joined.
struct Row {
    route: &'static str,
    dynamodb: String,
    kms: String,
    meta: String,
}

/// `Name ×n, Other ×m` (`×1` left out), in name order; `none` for nothing.
fn joined(counts: &BTreeMap<String, u64>) -> String {
    if counts.is_empty() {
        return "none".into();
    }
    counts
        .iter()
        .map(|(name, n)| match n {
            1 => name.clone(),
            n => format!("{name} ×{n}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A sandbox route as the Meta host and path it stands for.
fn meta_host(route: &str) -> String {
    let route = route.trim_start_matches("/sandbox");
    for (sandbox, meta) in [
        ("/facebook-graph", "graph.facebook.com"),
        ("/instagram-graph", "graph.instagram.com"),
        ("/instagram-api", "api.instagram.com"),
        ("/rupload", "rupload.facebook.com"),
    ] {
        if let Some(path) = route.strip_prefix(sandbox) {
            return format!("{meta}{path}");
        }
    }
    panic!("{route} is not one of Meta's hosts")
}

struct Counter {
    server: Server,
    proxy: CountingProxy,
    rows: Vec<Row>,
}

impl Counter {
    /// Forgets what was counted so far (start-up, set-up between routes).
    async fn reset(&self) {
        self.proxy.take();
        let res = self
            .server
            .http
            .delete(self.server.url("/sandbox/_inspect/calls"))
            .send()
            .await
            .expect("the sandbox answers");
        assert_eq!(res.status(), 204);
    }

    /// Records what `route` asked for since the last reset or record.
    async fn record(&mut self, route: &'static str) {
        let mut dynamodb = BTreeMap::new();
        let mut kms = BTreeMap::new();
        for (operation, tally) in self.proxy.take() {
            // Answers moto refused were sent again by the SDK: DynamoDB would not refuse them.
            let answered = tally.calls - tally.refused;
            let (service, name) = operation.split_once('.').unwrap_or(("?", &operation));
            let into = match service {
                s if s.starts_with("DynamoDB") => &mut dynamodb,
                "TrentService" => &mut kms,
                _ => panic!("{route} made an unexpected AWS call: {operation}"),
            };
            *into.entry(name.to_owned()).or_default() += answered;
        }
        let calls: Value = self
            .server
            .http
            .get(self.server.url("/sandbox/_inspect/calls"))
            .send()
            .await
            .expect("the sandbox answers")
            .json()
            .await
            .expect("json");
        let mut meta = BTreeMap::new();
        for call in calls["calls"].as_array().expect("calls") {
            let route = meta_host(call["route"].as_str().expect("route"));
            let name = format!("{} {}", call["method"].as_str().expect("method"), route);
            *meta.entry(name).or_default() += 1;
        }
        self.reset().await;
        self.rows.push(Row {
            route,
            dynamodb: joined(&dynamodb),
            kms: joined(&kms),
            meta: joined(&meta),
        });
    }

    fn table(&self) -> String {
        let mut out = String::from("| route | DynamoDB | KMS | Meta |\n|---|---|---|---|\n");
        for row in &self.rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                row.route, row.dynamodb, row.kms, row.meta
            ));
        }
        out
    }
}

/// What `call` answered, failing the test on an unexpected status.
fn expect(route: &str, (status, body): (u16, Value), want: u16) -> Value {
    assert_eq!(status, want, "{route}: {body}");
    body
}

// The proxy runs on this runtime while the server is started and read synchronously.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_makes_only_the_calls_the_table_says() {
    let proxy = CountingProxy::start(moto::endpoint())
        .await
        .expect("the proxy starts");
    let table = moto::unique_name("igconnect-calls");
    let key = moto::kms_key().await;
    let mut env: Vec<(String, String)> = aws_env(&proxy.url, &table, &key);
    env.extend(
        [
            ("IGC_WORKER_INTERVAL_MS", "0"),
            ("IGC_REFRESH_INTERVAL_MS", "0"),
            ("IGC_DELIVERY_INTERVAL_MS", "0"),
            ("IGC_SANDBOX_SEED_MEDIA", "true"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let server = Server::start_with_args(&["--store", "dynamodb", "--sealer", "kms"], &env).await;
    let mut c = Counter {
        server,
        proxy,
        rows: Vec::new(),
    };
    let alice = c.server.token("acme", "alice", "owner");
    let bob = "auth0|bob";
    c.reset().await;

    // Connect: Instagram Login for alice, Facebook Login (two Pages) for the company.
    let auth = c.server.authorize(&alice, "instagram", "user").await;
    c.record("`POST /v1/connections/instagram/initiate`").await;
    let consent = Consent {
        account: Some(PIXEL_CAFE.into()),
        ..Consent::allow()
    };
    let callback = c.server.consent(&auth, &consent).await;
    c.reset().await;
    let landed = c.server.visit(&callback).await;
    assert_eq!(landed.status(), 302);
    c.record("`GET /v1/oauth/callback` (Instagram Login, one account)")
        .await;
    let auth = c.server.authorize(&alice, "facebook", "company").await;
    let callback = c.server.consent(&auth, &Consent::allow()).await;
    c.reset().await;
    let landed = c.server.visit(&callback).await;
    let to = igconnect_blackbox::location(&landed, &callback);
    assert_eq!(param(&to, "accounts").as_deref(), Some("2"), "{to}");
    c.record("`GET /v1/oauth/callback` (Facebook Login, two Pages)")
        .await;

    // Read and share.
    let listed = c.server.accounts(&alice, "").await;
    let id_of = |ig: &str| {
        listed["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|a| a["ig_user_id"] == ig)
            .and_then(|a| a["id"].as_str())
            .expect("listed")
            .to_owned()
    };
    let (pixel, bakery) = (id_of(PIXEL_CAFE), id_of(SUNRISE_BAKERY));
    c.reset().await;
    s_call(&c, "GET", "/v1/accounts", &alice, None, 200).await;
    c.record("`GET /v1/accounts` (list)").await;
    s_call(
        &c,
        "GET",
        &format!("/v1/accounts/{bakery}"),
        &alice,
        None,
        200,
    )
    .await;
    c.record("`GET /v1/accounts/{id}`").await;
    let grant = format!("/v1/accounts/{bakery}/grants/{bob}");
    s_call(
        &c,
        "PUT",
        &grant,
        &alice,
        Some(&json!({"permission": "publish"})),
        200,
    )
    .await;
    c.record("`PUT /v1/accounts/{id}/grants/{user}`").await;
    s_call(
        &c,
        "GET",
        &format!("/v1/accounts/{bakery}/grants"),
        &alice,
        None,
        200,
    )
    .await;
    c.record("`GET /v1/accounts/{id}/grants`").await;
    s_call(&c, "DELETE", &grant, &alice, None, 204).await;
    c.record("`DELETE /v1/accounts/{id}/grants/{user}`").await;
    s_call(
        &c,
        "PATCH",
        &format!("/v1/accounts/{bakery}"),
        &alice,
        Some(&json!({"member_access": "view"})),
        200,
    )
    .await;
    c.record("`PATCH /v1/accounts/{id}` (member access)").await;
    s_call(&c, "GET", "/v1/audit", &alice, None, 200).await;
    c.record("`GET /v1/audit`").await;
    s_call(
        &c,
        "POST",
        &format!("/v1/accounts/{pixel}/sync"),
        &alice,
        None,
        200,
    )
    .await;
    c.record("`POST /v1/accounts/{id}/sync`").await;

    // Publish and read back.
    let body = json!({"type": "image", "media": [{"url": "https://cdn.example/a.jpg", "kind": "image"}],
                      "caption": "hello"});
    let published = c.server.publish(&alice, &pixel, Some("k1"), &body).await;
    assert_eq!(published.status, 201, "{published:?}");
    c.record("`POST /v1/accounts/{id}/posts` (an image, published in the request)")
        .await;
    let post = published.post_id();
    s_call(
        &c,
        "GET",
        &format!("/v1/accounts/{pixel}/posts/{post}"),
        &alice,
        None,
        200,
    )
    .await;
    c.record("`GET /v1/accounts/{id}/posts/{post_id}`").await;
    s_call(
        &c,
        "GET",
        &format!("/v1/accounts/{pixel}/posts"),
        &alice,
        None,
        200,
    )
    .await;
    c.record("`GET /v1/accounts/{id}/posts`").await;
    let declared = s_call(
        &c,
        "POST",
        "/v1/media",
        &alice,
        Some(&json!({"filename": "a.png", "content_type": "image/png", "size": 1000})),
        201,
    )
    .await;
    c.record("`POST /v1/media`").await;
    let media = declared["id"].as_str().expect("an id").to_owned();
    s_call(&c, "GET", &format!("/v1/media/{media}"), &alice, None, 200).await;
    c.record("`GET /v1/media/{media_id}`").await;

    // Insights and comments.
    s_call(
        &c,
        "GET",
        &format!("/v1/accounts/{pixel}/insights"),
        &alice,
        None,
        200,
    )
    .await;
    c.record("`GET /v1/accounts/{id}/insights`").await;
    let listed_media = s_call(
        &c,
        "GET",
        &format!("/v1/accounts/{pixel}/media"),
        &alice,
        None,
        200,
    )
    .await;
    c.record("`GET /v1/accounts/{id}/media`").await;
    let seeded = listed_media["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|m| m["comments_count"].as_u64().unwrap_or(0) > 0)
        .and_then(|m| m["id"].as_str())
        .expect("a seeded post with comments")
        .to_owned();
    s_call(
        &c,
        "GET",
        &format!("/v1/accounts/{pixel}/media/{seeded}/insights"),
        &alice,
        None,
        200,
    )
    .await;
    c.record("`GET /v1/accounts/{id}/media/{media_id}/insights`")
        .await;
    let comments_path = format!("/v1/accounts/{pixel}/media/{seeded}/comments");
    let comments = s_call(&c, "GET", &comments_path, &alice, None, 200).await;
    c.record("`GET /v1/accounts/{id}/media/{media_id}/comments`")
        .await;
    let comment = comments["data"][0]["id"]
        .as_str()
        .expect("a comment")
        .to_owned();
    s_call(
        &c,
        "POST",
        &format!("{comments_path}/{comment}/replies"),
        &alice,
        Some(&json!({"message": "thanks!"})),
        201,
    )
    .await;
    c.record("`POST .../comments/{comment_id}/replies`").await;
    s_call(
        &c,
        "POST",
        &format!("{comments_path}/{comment}/hide"),
        &alice,
        None,
        200,
    )
    .await;
    c.record("`POST .../comments/{comment_id}/hide`").await;

    // Leave: disconnect one account; Meta takes the Facebook user's back.
    s_call(
        &c,
        "DELETE",
        &format!("/v1/accounts/{pixel}"),
        &alice,
        None,
        204,
    )
    .await;
    c.record("`DELETE /v1/accounts/{id}` (disconnect)").await;
    let raw = signed_request("sandbox-facebook-secret", SAM);
    let (status, body) = c.server.call_back("/v1/meta/deauthorize", Some(&raw)).await;
    assert_eq!(status, 200, "{body}");
    c.record("`POST /v1/meta/deauthorize` (two accounts)").await;

    let printed = c.table();
    println!("{printed}");
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/lambda.md"),
    )
    .expect("docs/lambda.md");
    assert!(
        docs.contains(&printed),
        "docs/lambda.md (\"Calls per route\") does not hold this table; the calls changed or \
         the table is stale:\n{printed}"
    );
}

/// `server.call`, checked for `want`.
async fn s_call(
    c: &Counter,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
    want: u16,
) -> Value {
    expect(path, c.server.call(method, path, token, body).await, want)
}
