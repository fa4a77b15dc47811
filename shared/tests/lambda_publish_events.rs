//! The publishing functions' inputs, without AWS or Meta: the `publish` function's router
//! driven with real-shaped API Gateway HTTP API (payload 2.0) events from
//! `tests/fixtures/apigw/` (each parsed by lambda_http exactly as the runtime parses an
//! invocation), on the in-memory SQLite store, the local keyring and a recording stand-in
//! for Meta's publishing endpoints; and the EventBridge scheduled event
//! (`tests/fixtures/eventbridge/scheduled.json`) `publish-worker` is invoked with. The real
//! binaries run in `tests/tests/lambda_publish_e2e.rs`.

use async_trait::async_trait;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use axum::Router;
use axum::body::Body;
use axum::http::{Response, StatusCode, header};
use chrono::{TimeDelta, Utc};
use igconnect::adapters::envelope::DataKey;
use igconnect::adapters::keyring::LocalKeyring;
use igconnect::adapters::sqlite::SqliteStore;
use igconnect::config::Settings;
use igconnect::domain::{
    Account, Connection, ContainerParams, IgUserId, LoginPath, MetaGrantor, Owner, Profile,
    TenantId, UserId,
};
use igconnect::lambda::{self, Function, PostsPorts};
use igconnect::ports::{
    AccountWriter, ContainerStatus, EncryptionContext, GraphAccount, MetaError, PublishedMedia,
    Publisher, PublishingLimit, Sealer, SystemClock,
};
use lambda_http::request::RequestContext;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

/// The token the fixture account was connected with; Meta must only ever see this one.
const TOKEN: &str = "fixture-page-token";

fn fixture_path(dir: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(dir)
        .join(name)
}

fn read_json(dir: &str, name: &str) -> Value {
    let path = fixture_path(dir, name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"))
}

fn fixture(name: &str) -> Value {
    read_json("apigw", name)
}

/// Parses an event as the runtime does and sends it through `router`.
async fn invoke(router: &Router, event: &Value) -> Response<Body> {
    let request = lambda_http::request::from_str(&event.to_string())
        .unwrap_or_else(|e| panic!("not an API Gateway event: {e}"));
    assert!(
        matches!(
            request.extensions().get::<RequestContext>(),
            Some(RequestContext::ApiGatewayV2(_))
        ),
        "not parsed as payload 2.0"
    );
    let (parts, body) = request.into_parts();
    let request = axum::http::Request::from_parts(parts, Body::new(body));
    router
        .clone()
        .oneshot(request)
        .await
        .expect("routers are infallible")
}

async fn json_body(res: Response<Body>) -> Value {
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("a JSON body")
}

fn content_type(res: &Response<Body>) -> &str {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

async fn assert_problem(res: Response<Body>, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(content_type(&res), "application/problem+json");
    let body = json_body(res).await;
    assert_eq!(body["code"], code, "{body}");
    body
}

fn settings() -> Settings {
    // What the template gives `publish`: the table and the key, no Meta app.
    let vars: HashMap<&str, &str> = HashMap::from([
        ("IGC_TABLE_NAME", "igconnect"),
        ("IGC_KMS_KEY_ID", "alias/igconnect"),
    ]);
    lambda::settings_for(Function::Publish, |k| vars.get(k).map(|v| v.to_string()))
        .expect("complete Lambda settings")
}

/// Meta's publishing endpoints, answering like the sandbox does for an image: every
/// container is `FINISHED` at once. Records each call and the token it came with.
#[derive(Default)]
struct RecordingMeta {
    calls: Mutex<Vec<String>>,
    tokens: Mutex<Vec<String>>,
}

impl RecordingMeta {
    fn record(&self, call: String, account: &GraphAccount<'_>) {
        self.calls.lock().expect("lock").push(call);
        self.tokens
            .lock()
            .expect("lock")
            .push(account.token.expose_secret().to_owned());
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().expect("lock").clone()
    }

    fn publishes(&self) -> usize {
        self.calls()
            .iter()
            .filter(|c| c.starts_with("media_publish"))
            .count()
    }
}

#[async_trait]
impl Publisher for RecordingMeta {
    async fn publishing_limit(
        &self,
        account: &GraphAccount<'_>,
    ) -> Result<PublishingLimit, MetaError> {
        self.record("content_publishing_limit".into(), account);
        Ok(PublishingLimit {
            quota_usage: 0,
            quota_total: 100,
        })
    }

    async fn create_container(
        &self,
        account: &GraphAccount<'_>,
        params: &ContainerParams,
    ) -> Result<String, MetaError> {
        let url = params.get("image_url").unwrap_or_default();
        self.record(format!("media {url}"), account);
        Ok("17900000000000001".into())
    }

    async fn container_status(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
    ) -> Result<ContainerStatus, MetaError> {
        self.record(format!("status {container}"), account);
        Ok(ContainerStatus::Finished)
    }

    async fn publish_container(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
    ) -> Result<String, MetaError> {
        self.record(format!("media_publish {container}"), account);
        Ok("17950000000000001".into())
    }

    async fn permalink(
        &self,
        account: &GraphAccount<'_>,
        media_id: &str,
    ) -> Result<Option<String>, MetaError> {
        self.record(format!("permalink {media_id}"), account);
        Ok(Some("https://www.instagram.com/p/FIXTURE01/".into()))
    }

    async fn upload_video_chunk(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
        offset: u64,
        _total: u64,
        _chunk: Vec<u8>,
    ) -> Result<(), MetaError> {
        self.record(format!("upload {container} at {offset}"), account);
        Ok(())
    }

    async fn uploaded_offset(
        &self,
        account: &GraphAccount<'_>,
        container: &str,
    ) -> Result<u64, MetaError> {
        self.record(format!("upload offset {container}"), account);
        Ok(0)
    }

    async fn recent_media(
        &self,
        account: &GraphAccount<'_>,
        _limit: u32,
    ) -> Result<Vec<PublishedMedia>, MetaError> {
        self.record("recent media".into(), account);
        Ok(Vec::new())
    }
}

/// The `publish` function's router on an in-memory store, with the accounts it knows.
struct App {
    router: Router,
    store: Arc<SqliteStore>,
    sealer: Arc<LocalKeyring>,
    meta: Arc<RecordingMeta>,
}

impl App {
    fn new() -> Self {
        let store = Arc::new(SqliteStore::in_memory().expect("in-memory store"));
        let sealer = Arc::new(LocalKeyring::from_master(DataKey::generate()));
        let meta = Arc::new(RecordingMeta::default());
        let router = lambda::publish_router(
            &settings(),
            PostsPorts {
                accounts: store.clone(),
                tokens: store.clone(),
                health: store.clone(),
                posts: store.clone(),
                sealer: sealer.clone(),
                meta: meta.clone(),
                clock: Arc::new(SystemClock),
                queue: store.clone(),
                // Sync is not exercised here; its client points where settings() says.
                upkeep: Arc::new(
                    igconnect::adapters::graph::GraphClient::new(settings().meta).expect("graph"),
                ),
                media: store.clone(),
                // Posts here name URLs only: no media bucket, as on a stack without one.
                files: Arc::new(igconnect::ports::NoMediaFiles),
            },
        );
        Self {
            router,
            store,
            sealer,
            meta,
        }
    }

    async fn send(&self, event: &Value) -> Response<Body> {
        invoke(&self.router, event).await
    }

    /// Saves a company account of `tenant`, its token sealed as `callback` seals it.
    async fn connect(&self, tenant: &str, ig_user_id: &str, username: &str) -> Account {
        let tenant = TenantId::parse(tenant).expect("tenant");
        let ig_user_id = IgUserId::parse(ig_user_id).expect("ig user id");
        let sealed = self
            .sealer
            .seal(
                &SecretString::from(TOKEN),
                &EncryptionContext::access_token(&tenant, &ig_user_id),
            )
            .await
            .expect("seal");
        let connection = Connection {
            tenant,
            ig_user_id,
            login: LoginPath::Facebook,
            owner: Owner::Company,
            profile: Profile {
                username: username.into(),
                ..Profile::default()
            },
            grantor: MetaGrantor {
                meta_user_id: "10150000000000001".into(),
                page_id: Some("110000000000001".into()),
                scopes: None,
            },
            token_expires_at: None,
            connected_by: UserId::parse("user-alice").expect("user"),
            at: Utc::now(),
        };
        self.store
            .save_connection(&connection, &sealed)
            .await
            .expect("save")
    }
}

/// A fixture aimed at `account` (and `post`, for the routes that name one): the raw path,
/// the context's path and `pathParameters` kept in step, as API Gateway fills them.
fn on(name: &str, account: &Account, post: Option<&str>) -> Value {
    let mut event = fixture(name);
    let mut path = event["rawPath"].as_str().expect("rawPath").to_owned();
    let fixture_account = event["pathParameters"]["id"]
        .as_str()
        .expect("an id path parameter")
        .to_owned();
    path = path.replace(&fixture_account, account.id.as_str());
    event["pathParameters"]["id"] = account.id.as_str().into();
    if let Some(post) = post {
        let fixture_post = event["pathParameters"]["post_id"]
            .as_str()
            .expect("a post_id path parameter")
            .to_owned();
        path = path.replace(&fixture_post, post);
        event["pathParameters"]["post_id"] = post.into();
    }
    event["rawPath"] = path.clone().into();
    event["requestContext"]["http"]["path"] = path.into();
    event
}

fn with_json_body(mut event: Value, body: &Value) -> Value {
    let text = body.to_string();
    event["headers"]["content-length"] = text.len().to_string().into();
    event["body"] = text.into();
    event
}

fn with_key(mut event: Value, key: &str) -> Value {
    event["headers"]["idempotency-key"] = key.into();
    event
}

/// The create-post fixture's body, scheduled for tomorrow.
fn scheduled(account: &Account, key: &str) -> Value {
    let event = on("create-post.json", account, None);
    let mut body: Value =
        serde_json::from_str(event["body"].as_str().expect("a body")).expect("a JSON body");
    body["publish_at"] = (Utc::now() + TimeDelta::days(1)).to_rfc3339().into();
    with_key(with_json_body(event, &body), key)
}

fn without_authorizer(mut event: Value) -> Value {
    event["requestContext"]
        .as_object_mut()
        .expect("context")
        .remove("authorizer");
    event
}

fn as_caller(mut event: Value, tenant: &str, user: &str, role: &str) -> Value {
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["tenant_id"] = tenant.into();
    claims["sub"] = user.into();
    claims["role"] = role.into();
    event
}

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p["id"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn the_scheduled_event_fixture_is_an_eventbridge_event_as_the_worker_reads_it() {
    // The worker's handler takes `LambdaEvent<EventBridgeEvent<serde_json::Value>>`; the
    // runtime deserializes the invocation's payload into it with serde_json, as here.
    let text = std::fs::read_to_string(fixture_path("eventbridge", "scheduled.json"))
        .expect("the fixture");
    let event: EventBridgeEvent<Value> = serde_json::from_str(&text).expect("an EventBridge event");

    assert_eq!(event.version.as_deref(), Some("0"));
    assert!(event.id.as_deref().is_some_and(|id| !id.is_empty()));
    assert_eq!(event.detail_type, "Scheduled Event");
    assert_eq!(event.source, "aws.events");
    assert_eq!(event.account.as_deref(), Some("123456789012"));
    assert!(event.time.is_some());
    assert_eq!(event.region.as_deref(), Some("eu-west-1"));
    let resources = event.resources.unwrap_or_default();
    assert_eq!(resources.len(), 1);
    assert!(
        resources[0].starts_with("arn:aws:events:eu-west-1:123456789012:rule/"),
        "{resources:?}"
    );
    assert_eq!(event.detail, json!({}));
}

#[tokio::test]
async fn create_post_publishes_an_image_for_the_claimed_caller_once_per_idempotency_key() {
    let app = App::new();
    let account = app
        .connect("tenant-acme", "17841400000000001", "acme.studio")
        .await;
    let event = on("create-post.json", &account, None);

    // Given alice, an admin of tenant-acme (the fixture's claims), who may publish to the
    // company's account, when she posts the fixture's image ...
    let res = app.send(&event).await;

    // ... it is published within the request, as her post.
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let post = json_body(res).await;
    assert_eq!(post["status"], "published", "{post}");
    assert_eq!(post["type"], "image");
    assert_eq!(post["media_id"], "17950000000000001");
    assert_eq!(post["permalink"], "https://www.instagram.com/p/FIXTURE01/");
    assert_eq!(post["created_by"], "user-alice");
    assert_eq!(post["account_id"], account.id.as_str());
    assert_eq!(post["caption"], "Fresh out of the oven #bakery");
    assert_eq!(
        post["media"][0]["url"],
        "https://cdn.example.com/posts/croissants.jpg"
    );
    let id = post["id"].as_str().expect("id").to_owned();
    assert_eq!(location, format!("/v1/accounts/{}/posts/{id}", account.id));
    // Meta saw the account's unsealed token, and nothing else.
    assert_eq!(
        app.meta.calls(),
        [
            "content_publishing_limit",
            "media https://cdn.example.com/posts/croissants.jpg",
            "status 17900000000000001",
            "media_publish 17900000000000001",
            "permalink 17950000000000001",
        ]
    );
    assert!(
        app.meta
            .tokens
            .lock()
            .expect("lock")
            .iter()
            .all(|t| t == TOKEN)
    );

    // A retry with the same key and body answers the same post and publishes nothing.
    let replay = app.send(&event).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(json_body(replay).await["id"], id.as_str());
    assert_eq!(app.meta.publishes(), 1);

    // The same key with another body is refused.
    let other = with_json_body(
        event.clone(),
        &json!({"type":"image","media":[{"url":"https://cdn.example.com/posts/other.jpg","kind":"image"}]}),
    );
    let res = app.send(&other).await;
    assert_problem(res, StatusCode::CONFLICT, "idempotency_key_reused").await;
    assert_eq!(app.meta.publishes(), 1);
}

#[tokio::test]
async fn create_post_without_an_idempotency_key_is_400_before_meta_is_called() {
    let app = App::new();
    let account = app
        .connect("tenant-acme", "17841400000000001", "acme.studio")
        .await;
    let mut event = on("create-post.json", &account, None);
    event["headers"]
        .as_object_mut()
        .expect("headers")
        .remove("idempotency-key");

    let res = app.send(&event).await;

    assert_problem(res, StatusCode::BAD_REQUEST, "idempotency_key_missing").await;
    assert!(app.meta.calls().is_empty());
}

#[tokio::test]
async fn a_scheduled_post_is_202_listed_read_and_canceled_through_the_post_routes() {
    let app = App::new();
    let account = app
        .connect("tenant-acme", "17841400000000001", "acme.studio")
        .await;

    let res = app.send(&scheduled(&account, "schedule-1")).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert!(res.headers().contains_key(header::LOCATION));
    let post = json_body(res).await;
    assert_eq!(post["status"], "scheduled", "{post}");
    assert!(post["publish_at"].is_string(), "{post}");
    assert!(post.get("media_id").is_none(), "{post}");
    let id = post["id"].as_str().expect("id").to_owned();
    // Nothing was sent to Meta: the worker publishes it when its time comes.
    assert!(app.meta.calls().is_empty(), "{:?}", app.meta.calls());

    let res = app.send(&on("list-posts.json", &account, None)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let list = json_body(res).await;
    assert_eq!(ids(&list), [id.as_str()], "{list}");
    assert_eq!(list["data"][0]["status"], "scheduled");
    assert_eq!(list["next_cursor"], Value::Null);

    let res = app.send(&on("get-post.json", &account, Some(&id))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_body(res).await["status"], "scheduled");

    let res = app.send(&on("cancel-post.json", &account, Some(&id))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_body(res).await["status"], "canceled");
    // Canceling again answers it unchanged.
    let res = app.send(&on("cancel-post.json", &account, Some(&id))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_body(res).await["status"], "canceled");

    let res = app.send(&on("get-post.json", &account, Some(&id))).await;
    assert_eq!(json_body(res).await["status"], "canceled");
    assert!(app.meta.calls().is_empty());
}

#[tokio::test]
async fn a_published_post_cannot_be_canceled() {
    let app = App::new();
    let account = app
        .connect("tenant-acme", "17841400000000001", "acme.studio")
        .await;
    let res = app.send(&on("create-post.json", &account, None)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = json_body(res).await["id"].as_str().expect("id").to_owned();

    let res = app.send(&on("cancel-post.json", &account, Some(&id))).await;

    assert_problem(res, StatusCode::CONFLICT, "post_already_published").await;
}

#[tokio::test]
async fn every_post_route_without_authorizer_claims_is_401_and_does_nothing() {
    let app = App::new();
    let account = app
        .connect("tenant-acme", "17841400000000001", "acme.studio")
        .await;
    let post = "0199b7e4-2f10-7c3a-9d5e-6a7b8c9d0e1f";

    for event in [
        on("create-post.json", &account, None),
        on("list-posts.json", &account, None),
        on("get-post.json", &account, Some(post)),
        on("cancel-post.json", &account, Some(post)),
    ] {
        let route = event["routeKey"].as_str().unwrap_or_default().to_owned();
        // The bearer header is still there: the function never verifies tokens itself.
        assert!(event["headers"]["authorization"].is_string());

        let res = app.send(&without_authorizer(event)).await;

        assert_eq!(
            res.headers()
                .get(header::WWW_AUTHENTICATE)
                .map(|v| v.as_bytes()),
            Some(&b"Bearer"[..]),
            "{route}"
        );
        assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    // Claims without a tenant are refused the same way.
    let mut event = on("create-post.json", &account, None);
    event["requestContext"]["authorizer"]["jwt"]["claims"]
        .as_object_mut()
        .expect("claims")
        .remove("tenant_id");
    let res = app.send(&event).await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;

    // Nothing reached Meta and nothing was stored.
    assert!(app.meta.calls().is_empty());
    let res = app.send(&on("list-posts.json", &account, None)).await;
    assert_eq!(json_body(res).await["data"], json!([]));
}

#[tokio::test]
async fn posts_of_another_tenants_account_are_not_found() {
    let app = App::new();
    let theirs = app
        .connect("tenant-other", "17841400000000002", "other.brand")
        .await;
    let res = app
        .send(&as_caller(
            scheduled(&theirs, "theirs-1"),
            "tenant-other",
            "user-olga",
            "owner",
        ))
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let id = json_body(res).await["id"].as_str().expect("id").to_owned();

    // alice is an admin, but of tenant-acme.
    let res = app.send(&on("create-post.json", &theirs, None)).await;
    assert_problem(res, StatusCode::NOT_FOUND, "account_not_found").await;
    let res = app.send(&on("list-posts.json", &theirs, None)).await;
    assert_problem(res, StatusCode::NOT_FOUND, "account_not_found").await;
    let res = app.send(&on("get-post.json", &theirs, Some(&id))).await;
    assert_problem(res, StatusCode::NOT_FOUND, "account_not_found").await;
    let res = app.send(&on("cancel-post.json", &theirs, Some(&id))).await;
    assert_problem(res, StatusCode::NOT_FOUND, "account_not_found").await;
    assert!(app.meta.calls().is_empty());

    // On her own account, the fixture's post id was never created.
    let mine = app
        .connect("tenant-acme", "17841400000000001", "acme.studio")
        .await;
    let res = app
        .send(&fixture_on_account_only("get-post.json", &mine))
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "post_not_found").await;
}

/// The fixture aimed at `account`, keeping the fixture's own post id.
fn fixture_on_account_only(name: &str, account: &Account) -> Value {
    let post = fixture(name)["pathParameters"]["post_id"]
        .as_str()
        .expect("post_id")
        .to_owned();
    on(name, account, Some(&post))
}

#[tokio::test]
async fn publish_serves_only_the_post_routes() {
    let app = App::new();
    let account = app
        .connect("tenant-acme", "17841400000000001", "acme.studio")
        .await;

    // Not the listing of accounts, not a login, not sharing: other functions' routes.
    for name in ["list.json", "initiate.json", "audit.json"] {
        let res = app.send(&fixture(name)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{name}");
        assert_eq!(content_type(&res), "application/problem+json", "{name}");
    }
    let mut grant = fixture("put-grant.json");
    let path = format!("/v1/accounts/{}/grants/user-mike", account.id);
    grant["rawPath"] = path.clone().into();
    grant["requestContext"]["http"]["path"] = path.into();
    let res = app.send(&grant).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // A method the post collection does not have.
    let mut patch = on("list-posts.json", &account, None);
    patch["requestContext"]["http"]["method"] = "PATCH".into();
    let res = app.send(&patch).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(app.meta.calls().is_empty());
}
