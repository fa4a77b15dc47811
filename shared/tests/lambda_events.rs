//! The Lambda functions' routers, driven with real-shaped API Gateway HTTP API (payload 2.0)
//! events from `tests/fixtures/apigw/`: each event is parsed by lambda_http exactly as the
//! runtime parses an invocation, then sent through the function's router. Storage is the
//! in-memory SQLite store, so this runs without AWS; the end-to-end test in
//! `tests/tests/lambda_e2e.rs` runs the real binaries on moto.

use axum::Router;
use axum::body::Body;
use axum::http::{Response, StatusCode, header};
use chrono::Utc;
use igconnect::adapters::envelope::DataKey;
use igconnect::adapters::graph::GraphClient;
use igconnect::adapters::keyring::LocalKeyring;
use igconnect::adapters::sqlite::SqliteStore;
use igconnect::config::Settings;
use igconnect::domain::{
    Account, Connection, IgUserId, LoginPath, MetaGrantor, Owner, Profile, TenantId, UserId,
};
use igconnect::lambda::{self, Function};
use igconnect::ports::{AccountWriter, OAuthStates, SealedSecret, SystemClock};
use lambda_http::request::RequestContext;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

const REDIRECT_URI: &str = "https://api.example.com/v1/oauth/callback";

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/apigw")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"))
}

/// Parses an event as the runtime does and sends it through `router`.
async fn invoke(router: Router, event: &Value) -> Response<Body> {
    let request = lambda_http::request::from_str(&event.to_string())
        .unwrap_or_else(|e| panic!("not an API Gateway event: {e}"));
    let (parts, body) = request.into_parts();
    let request = axum::http::Request::from_parts(parts, Body::new(body));
    router
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

fn settings(function: Function) -> Settings {
    let vars: HashMap<&str, &str> = HashMap::from([
        ("IGC_TABLE_NAME", "igconnect"),
        ("IGC_KMS_KEY_ID", "alias/igconnect"),
        ("IGC_REDIRECT_URI", REDIRECT_URI),
        ("IGC_ALLOWED_RETURN_ORIGINS", "https://app.example.com"),
        ("IGC_META_APP_ID", "100200300"),
        ("IGC_META_APP_SECRET", "fixture-app-secret"),
        ("IGC_INSTAGRAM_APP_ID", "400500600"),
        ("IGC_INSTAGRAM_APP_SECRET", "fixture-ig-secret"),
    ]);
    lambda::settings_for(function, |k| vars.get(k).map(|v| v.to_string()))
        .expect("complete Lambda settings")
}

fn meta(settings: &Settings) -> Arc<GraphClient> {
    Arc::new(GraphClient::new(settings.meta.clone()).expect("graph client"))
}

fn store() -> Arc<SqliteStore> {
    Arc::new(SqliteStore::in_memory().expect("in-memory store"))
}

fn initiate_app(store: Arc<SqliteStore>) -> Router {
    let s = settings(Function::Initiate);
    lambda::initiate_router(&s, store, meta(&s), Arc::new(SystemClock)).expect("router")
}

fn callback_app(store: Arc<SqliteStore>) -> Router {
    let s = settings(Function::Callback);
    let sealer = LocalKeyring::from_master(DataKey::generate());
    lambda::callback_router(
        store.clone(),
        store,
        Arc::new(sealer),
        meta(&s),
        Arc::new(SystemClock),
    )
}

fn list_app(store: Arc<SqliteStore>) -> Router {
    lambda::list_router(&settings(Function::List), store)
}

fn share_app(store: Arc<SqliteStore>) -> Router {
    let settings = settings(Function::Share);
    lambda::share_router(
        &settings,
        lambda::SharePorts {
            accounts: store.clone(),
            writer: store.clone(),
            audit: store.clone(),
            clock: Arc::new(SystemClock),
            removal: store,
            revoke: Arc::new(
                igconnect::adapters::graph::GraphClient::new(settings.meta.clone()).expect("graph"),
            ),
        },
    )
}

/// A fixture aimed at `account`: the path, `pathParameters.id` and `routeKey` kept in step,
/// as API Gateway fills them.
fn on_account(name: &str, account: &Account) -> Value {
    let mut event = fixture(name);
    let fixture_id = event["pathParameters"]["id"]
        .as_str()
        .expect("the fixture has an id path parameter")
        .to_owned();
    let path = event["rawPath"]
        .as_str()
        .expect("rawPath")
        .replace(&fixture_id, account.id.as_str());
    event["rawPath"] = path.clone().into();
    event["requestContext"]["http"]["path"] = path.into();
    event["pathParameters"]["id"] = account.id.as_str().into();
    event
}

/// The event as `user` of `tenant` in `role` would send it.
fn as_caller(mut event: Value, tenant: &str, user: &str, role: &str) -> Value {
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["tenant_id"] = tenant.into();
    claims["sub"] = user.into();
    claims["role"] = role.into();
    event
}

fn with_json_body(mut event: Value, body: &Value) -> Value {
    let text = body.to_string();
    event["headers"]["content-length"] = text.len().to_string().into();
    event["body"] = text.into();
    event
}

async fn assert_problem(res: Response<Body>, status: StatusCode, code: &str) {
    assert_eq!(res.status(), status);
    assert_eq!(content_type(&res), "application/problem+json");
    let body = json_body(res).await;
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16());
}

/// Saves an account for `tenant` as a finished login would.
async fn connect(store: &SqliteStore, tenant: &str, ig_user_id: &str, username: &str) -> Account {
    let now = Utc::now();
    let connection = Connection {
        tenant: TenantId::parse(tenant).expect("tenant"),
        ig_user_id: IgUserId::parse(ig_user_id).expect("ig user id"),
        login: LoginPath::Facebook,
        owner: Owner::Company,
        profile: Profile {
            username: username.into(),
            name: Some(format!("{username} (fixture)")),
            followers_count: Some(1200),
            ..Profile::default()
        },
        grantor: MetaGrantor {
            meta_user_id: "10150000000000001".into(),
            page_id: Some("110000000000001".into()),
            scopes: None,
        },
        token_expires_at: None,
        connected_by: UserId::parse("user-alice").expect("user"),
        at: now,
    };
    // The listing never reads the token, so any well-formed envelope does.
    let sealed = SealedSecret {
        key_id: "local:fixture".into(),
        wrapped_key: vec![1; 60],
        nonce: vec![2; 12],
        ciphertext: vec![3; 48],
    };
    store
        .save_connection(&connection, &sealed)
        .await
        .expect("save")
}

#[test]
fn every_fixture_is_an_api_gateway_http_api_v2_event() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/apigw");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures directory") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("fixture");
        let request = lambda_http::request::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            matches!(
                request.extensions().get::<RequestContext>(),
                Some(RequestContext::ApiGatewayV2(_))
            ),
            "{} did not parse as payload 2.0",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 11, "expected the fixtures in {}", dir.display());
}

#[tokio::test]
async fn initiate_takes_the_caller_from_the_authorizer_claims() {
    let store = store();
    let res = invoke(initiate_app(store.clone()), &fixture("initiate.json")).await;

    assert_eq!(res.status(), StatusCode::OK);
    let body = json_body(res).await;
    let url = url::Url::parse(body["authorization_url"].as_str().expect("url")).expect("url");
    assert!(url.path().ends_with("/dialog/oauth"), "{url}");
    let query: HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(
        query.get("redirect_uri").map(String::as_str),
        Some(REDIRECT_URI)
    );
    assert_eq!(
        query.get("client_id").map(String::as_str),
        Some("100200300")
    );

    // The pending login belongs to the tenant and user of the claims.
    let state = query.get("state").expect("state");
    let pending = store
        .take_state(&igconnect::domain::StateToken::from_callback(state).key())
        .await
        .expect("store")
        .expect("the state was stored");
    assert_eq!(pending.tenant.as_str(), "tenant-acme");
    assert_eq!(pending.user.as_str(), "user-alice");
}

#[tokio::test]
async fn initiate_without_an_authorizer_is_401_even_with_a_bearer_header() {
    // The function never verifies tokens itself: only the gateway's claims count.
    let mut event = fixture("initiate.json");
    let ctx = event["requestContext"].as_object_mut().expect("context");
    ctx.remove("authorizer");
    assert!(event["headers"]["authorization"].is_string());

    let res = invoke(initiate_app(store()), &event).await;

    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn list_without_an_authorizer_is_401() {
    let res = invoke(list_app(store()), &fixture("list-no-authorizer.json")).await;

    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn claims_without_a_tenant_are_401() {
    let mut event = fixture("list.json");
    let claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        .as_object_mut()
        .expect("claims");
    claims.remove("tenant_id");

    let res = invoke(list_app(store()), &event).await;

    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn claims_with_an_unknown_role_are_401() {
    let mut event = fixture("list.json");
    event["requestContext"]["authorizer"]["jwt"]["claims"]["role"] = "superuser".into();

    let res = invoke(list_app(store()), &event).await;

    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn callback_without_a_state_is_400_and_never_a_redirect() {
    let mut event = fixture("callback-no-state.json");
    // A browser lands here; JSON clients get the same code.
    event["headers"]["accept"] = "application/json".into();

    let res = invoke(callback_app(store()), &event).await;

    assert!(res.headers().get(header::LOCATION).is_none());
    assert_problem(res, StatusCode::BAD_REQUEST, "oauth_state_invalid").await;
}

#[tokio::test]
async fn callback_with_a_state_never_issued_is_400_for_browsers_too() {
    let res = invoke(callback_app(store()), &fixture("callback.json")).await;

    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get(header::LOCATION).is_none());
    assert!(content_type(&res).starts_with("text/html"), "{res:?}");
    assert_eq!(
        res.headers()
            .get(header::CACHE_CONTROL)
            .map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
}

#[tokio::test]
async fn list_shows_the_claimed_tenants_accounts_only() {
    let store = store();
    connect(&store, "tenant-acme", "17841400000000001", "acme.studio").await;
    connect(&store, "tenant-other", "17841400000000002", "other.brand").await;

    let res = invoke(list_app(store.clone()), &fixture("list.json")).await;

    assert_eq!(res.status(), StatusCode::OK);
    let body = json_body(res).await;
    let data = body["data"].as_array().expect("data");
    assert_eq!(data.len(), 1, "{body}");
    assert_eq!(data[0]["username"], "acme.studio");
    assert_eq!(data[0]["followers_count"], 1200);
    let text = body.to_string();
    assert!(
        !text.contains("token\""),
        "no token field in a listing: {text}"
    );
}

#[tokio::test]
async fn get_by_id_reads_the_path_parameter_and_is_tenant_scoped() {
    let store = store();
    let mine = connect(&store, "tenant-acme", "17841400000000001", "acme.studio").await;
    let theirs = connect(&store, "tenant-other", "17841400000000002", "other.brand").await;
    let event_for = |id: &str| {
        let mut event = fixture("get-account.json");
        let path = format!("/v1/accounts/{id}");
        event["rawPath"] = path.clone().into();
        event["requestContext"]["http"]["path"] = path.into();
        event["pathParameters"]["id"] = id.into();
        event
    };

    let res = invoke(list_app(store.clone()), &event_for(mine.id.as_str())).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_body(res).await["username"], "acme.studio");

    let res = invoke(list_app(store.clone()), &event_for(theirs.id.as_str())).await;
    assert_problem(res, StatusCode::NOT_FOUND, "account_not_found").await;

    // The fixture's own id was never connected.
    let res = invoke(list_app(store), &fixture("get-account.json")).await;
    assert_problem(res, StatusCode::NOT_FOUND, "account_not_found").await;
}

#[tokio::test]
async fn a_function_serves_only_its_own_routes() {
    // `list` cannot be made to start a login: the route is not mounted at all.
    let res = invoke(list_app(store()), &fixture("initiate.json")).await;

    assert!(
        res.status() == StatusCode::NOT_FOUND || res.status() == StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        res.status()
    );
    assert_eq!(content_type(&res), "application/problem+json");
}

#[tokio::test]
async fn put_grant_takes_the_caller_from_the_claims_and_the_grantee_from_the_path() {
    let store = store();
    let account = connect(&store, "tenant-acme", "17841400000000001", "acme.studio").await;

    // Given alice, an admin of tenant-acme (the fixture's claims), who manages the
    // company account, when she gives user-mike `view` through the gateway ...
    let res = invoke(
        share_app(store.clone()),
        &on_account("put-grant.json", &account),
    )
    .await;

    assert_eq!(res.status(), StatusCode::OK);
    let grant = json_body(res).await;
    assert_eq!(grant["user_id"], "user-mike", "{grant}");
    assert_eq!(grant["permission"], "view");
    assert_eq!(grant["granted_by"], "user-alice");

    // ... then the account's grants show it.
    let res = invoke(share_app(store), &on_account("list-grants.json", &account)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let grants = json_body(res).await;
    let data = grants["data"].as_array().expect("data");
    assert_eq!(data.len(), 1, "{grants}");
    assert_eq!(data[0]["user_id"], "user-mike");
    assert_eq!(data[0]["permission"], "view");
}

#[tokio::test]
async fn share_without_authorizer_claims_is_401_with_a_bearer_challenge() {
    let store = store();
    let account = connect(&store, "tenant-acme", "17841400000000001", "acme.studio").await;
    let mut event = on_account("put-grant.json", &account);
    let ctx = event["requestContext"].as_object_mut().expect("context");
    ctx.remove("authorizer");
    assert!(event["headers"]["authorization"].is_string());

    let res = invoke(share_app(store.clone()), &event).await;

    // The gateway let no token through: the challenge asks for one, not for a new one.
    assert_eq!(
        res.headers()
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.as_bytes()),
        Some(&b"Bearer"[..])
    );
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    // Nothing was granted.
    let res = invoke(share_app(store), &on_account("list-grants.json", &account)).await;
    assert_eq!(json_body(res).await["data"], serde_json::json!([]));
}

#[tokio::test]
async fn share_with_claims_missing_the_subject_is_401() {
    let mut event = fixture("audit.json");
    let claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        .as_object_mut()
        .expect("claims");
    claims.remove("sub");

    let res = invoke(share_app(store()), &event).await;

    assert!(res.headers().contains_key(header::WWW_AUTHENTICATE));
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn patch_sets_member_access_and_the_audit_trail_records_it() {
    let store = store();
    let account = connect(&store, "tenant-acme", "17841400000000001", "acme.studio").await;

    let res = invoke(
        share_app(store.clone()),
        &on_account("patch-account.json", &account),
    )
    .await;

    assert_eq!(res.status(), StatusCode::OK);
    let patched = json_body(res).await;
    assert_eq!(patched["member_access"], "view", "{patched}");
    assert_eq!(patched["permission"], "manage");
    let text = patched.to_string();
    assert!(
        !text.contains("token\"") && !text.contains("sealed"),
        "no token field: {text}"
    );

    // A member of the tenant now sees the account with `view` through `list`.
    let member = as_caller(fixture("list.json"), "tenant-acme", "user-mike", "member");
    let res = invoke(list_app(store.clone()), &member).await;
    let listed = json_body(res).await;
    assert_eq!(listed["data"][0]["permission"], "view", "{listed}");

    // The trail has the connection and the change, newest first.
    let res = invoke(share_app(store), &fixture("audit.json")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let audit = json_body(res).await;
    let actions: Vec<&str> = audit["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["account.member_access_changed", "account.connected"],
        "{audit}"
    );
    assert_eq!(audit["data"][0]["actor"], "user-alice");
    assert_eq!(audit["data"][0]["from"], "publish");
    assert_eq!(audit["data"][0]["to"], "view");
}

#[tokio::test]
async fn patch_with_an_unknown_field_is_400_and_changes_nothing() {
    let store = store();
    let account = connect(&store, "tenant-acme", "17841400000000001", "acme.studio").await;
    let event = with_json_body(
        on_account("patch-account.json", &account),
        &serde_json::json!({"member_acess": "none"}),
    );

    let res = invoke(share_app(store.clone()), &event).await;

    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = invoke(share_app(store), &fixture("audit.json")).await;
    let audit = json_body(res).await;
    assert_eq!(audit["data"].as_array().map(Vec::len), Some(1), "{audit}");
}

#[tokio::test]
async fn delete_grant_is_204_then_404_grant_not_found() {
    let store = store();
    let account = connect(&store, "tenant-acme", "17841400000000001", "acme.studio").await;
    let res = invoke(
        share_app(store.clone()),
        &on_account("put-grant.json", &account),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);

    let res = invoke(
        share_app(store.clone()),
        &on_account("delete-grant.json", &account),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let res = invoke(share_app(store), &on_account("delete-grant.json", &account)).await;
    assert_problem(res, StatusCode::NOT_FOUND, "grant_not_found").await;
}

#[tokio::test]
async fn members_may_not_read_the_audit_trail() {
    let event = as_caller(fixture("audit.json"), "tenant-acme", "user-mike", "member");

    let res = invoke(share_app(store()), &event).await;

    assert_problem(res, StatusCode::FORBIDDEN, "permission_denied").await;
}

#[tokio::test]
async fn grants_of_another_tenants_account_are_not_found() {
    let store = store();
    let theirs = connect(&store, "tenant-other", "17841400000000002", "other.brand").await;

    // alice is an admin, but of tenant-acme.
    let res = invoke(
        share_app(store.clone()),
        &on_account("list-grants.json", &theirs),
    )
    .await;
    assert_problem(res, StatusCode::NOT_FOUND, "account_not_found").await;

    let res = invoke(
        share_app(store.clone()),
        &on_account("put-grant.json", &theirs),
    )
    .await;
    assert_problem(res, StatusCode::NOT_FOUND, "account_not_found").await;

    // Nothing was granted on it.
    let owner = as_caller(
        on_account("list-grants.json", &theirs),
        "tenant-other",
        "user-olga",
        "owner",
    );
    let res = invoke(share_app(store), &owner).await;
    assert_eq!(json_body(res).await["data"], serde_json::json!([]));
}

#[tokio::test]
async fn list_is_read_only_and_share_does_not_list() {
    let store = store();
    let account = connect(&store, "tenant-acme", "17841400000000001", "acme.studio").await;

    // `list` mounts no route that writes: a PATCH or PUT never reaches a handler.
    for name in ["patch-account.json", "put-grant.json"] {
        let res = invoke(list_app(store.clone()), &on_account(name, &account)).await;
        assert!(
            res.status() == StatusCode::NOT_FOUND || res.status() == StatusCode::METHOD_NOT_ALLOWED,
            "{name}: {}",
            res.status()
        );
        assert_eq!(content_type(&res), "application/problem+json");
    }
    // And `share` does not serve the listing.
    let res = invoke(share_app(store.clone()), &fixture("list.json")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = invoke(share_app(store), &on_account("get-account.json", &account)).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}
