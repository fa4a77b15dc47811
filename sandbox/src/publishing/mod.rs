//! Instagram content publishing on both Graph hosts: `POST /{ig-user-id}/media` creates a
//! container, `GET /{container-id}` reads its status, `POST /{ig-user-id}/media_publish`
//! publishes it, `GET /{ig-user-id}/content_publishing_limit` reads the quota,
//! `GET /{media-id}` and `GET /{ig-user-id}/media` read what was published. Facebook Graph
//! serves Page-linked accounts (user or Page tokens), Instagram Graph the Instagram Login
//! accounts; the rules are the same. A new container's media is downloaded first, as Meta
//! downloads it (`download`, `received`), without any lock held; a resumable container gets
//! its video on the upload host instead (`upload`). docs/sandbox.md describes each endpoint
//! and the failures a media URL can inject.

mod access;
mod create;
mod download;
mod inspect;
mod received;
mod refusals;
mod render;
mod sniff;
mod spec;
mod store;
mod upload;

pub(crate) use access::{Host, Need, account_for};
pub(crate) use download::Fetcher;
pub use download::MediaFetching;
pub(crate) use inspect::{inspect_fetched, inspect_uploads};
pub(crate) use refusals::{rate_limited, server_error};
pub(crate) use spec::Kind;
pub(crate) use store::{Media, Store};
pub(crate) use upload::{get_offset as upload_offset, post_chunk as upload_chunk};

use super::errors::GraphError;
use super::params::{Authorized, Params, access_token};
use super::state::TokenRecord;
use super::{Sandbox, check_version, facebook, select_fields};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use store::QUOTA_WINDOW;

type GraphResult = Result<Response, GraphError>;

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

/// `GET facebook-graph/{ver}/{node}`: a container or media of a visible account, else the
/// Page or Instagram account node of Facebook Login.
pub(crate) async fn facebook_node(
    State(sandbox): State<Sandbox>,
    Path((ver, node)): Path<(String, String)>,
    call: Authorized,
) -> GraphResult {
    check_version(&ver)?;
    match read_object(&sandbox, Host::Facebook, &node, &call)? {
        Some(body) => Ok(Json(body).into_response()),
        None => facebook::node(State(sandbox), Path((ver, node)), call).await,
    }
}

/// `GET instagram-graph/{ver}/{node}`: a container or media of the token's account.
pub(crate) async fn instagram_node(
    State(sandbox): State<Sandbox>,
    Path((ver, node)): Path<(String, String)>,
    call: Authorized,
) -> GraphResult {
    check_version(&ver)?;
    let body = read_object(&sandbox, Host::Instagram, &node, &call)?
        .ok_or_else(|| GraphError::no_such_object(&node))?;
    Ok(Json(body).into_response())
}

/// `GET facebook-graph/{ver}/{ig-user-id}/{edge}`.
pub(crate) async fn facebook_edge(
    State(sandbox): State<Sandbox>,
    Path((ver, node, edge)): Path<(String, String, String)>,
    call: Authorized,
) -> GraphResult {
    read_edge(&sandbox, Host::Facebook, &ver, &node, &edge, &call)
}

/// `GET instagram-graph/{ver}/{ig-user-id}/{edge}`.
pub(crate) async fn instagram_edge(
    State(sandbox): State<Sandbox>,
    Path((ver, node, edge)): Path<(String, String, String)>,
    call: Authorized,
) -> GraphResult {
    read_edge(&sandbox, Host::Instagram, &ver, &node, &edge, &call)
}

/// `POST facebook-graph/{ver}/{ig-user-id}/media` or `.../media_publish`.
pub(crate) async fn facebook_create(
    State(sandbox): State<Sandbox>,
    Path(path): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> GraphResult {
    let params = post_params(q.as_deref(), &headers, &body);
    post_edge(&sandbox, Host::Facebook, path, &params, &headers).await
}

/// `POST instagram-graph/{ver}/{ig-user-id}/media` or `.../media_publish`.
pub(crate) async fn instagram_create(
    State(sandbox): State<Sandbox>,
    Path(path): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> GraphResult {
    let params = post_params(q.as_deref(), &headers, &body);
    post_edge(&sandbox, Host::Instagram, path, &params, &headers).await
}

/// A POST's parameters: the query string, then the body (a form, or a JSON object).
pub(crate) fn post_params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Params {
    let mut params = Params::parse(query);
    let body = String::from_utf8_lossy(body);
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    params.extend(if json {
        Params::from_json(&body)
    } else {
        Params::parse(Some(&body))
    });
    params
}

async fn post_edge(
    sandbox: &Sandbox,
    host: Host,
    (ver, node, edge): (String, String, String),
    params: &Params,
    headers: &HeaderMap,
) -> GraphResult {
    check_version(&ver)?;
    let publish = match edge.as_str() {
        "media" => false,
        "media_publish" => true,
        _ => return Err(GraphError::unknown_path()),
    };
    let record = sandbox.live_token(access_token(params, headers).as_deref())?;
    let account = account_for(host, &record, &node, Need::Publish, || {
        refusals::unsupported_post(&node)
    })?;
    if publish {
        publish_container(sandbox, &account, params)
    } else {
        create_container(sandbox, &account, params, &ver).await
    }
}

/// `POST /{ig-user-id}/media`: `{"id":"<container id>"}`, with the upload `uri` for a
/// resumable container. The media is downloaded (and refused as Meta refuses it) before the
/// store is locked.
async fn create_container(
    sandbox: &Sandbox,
    account: &str,
    params: &Params,
    ver: &str,
) -> GraphResult {
    let mut spec = create::container_spec(params, account)?;
    let sources = create::media_sources(params, spec.kind);
    let received = received::receive(sandbox.fetcher(), &sources).await;
    spec.fails_processing |= received.fails_processing;
    let now = sandbox.now();
    let polls = sandbox.options().video_processing_polls;
    let mut store = sandbox.publishing();
    if let Some(refusal) = received.refusal {
        store.record_fetched(received.fetched, None);
        return Err(refusal);
    }
    if spec.kind == Kind::Carousel {
        store
            .check_children(account, &spec.children, now)
            .map_err(refusals::children_refused)?;
        // A failure injected on an item's URL happens when the album is published.
        spec.publish_fault = spec
            .children
            .iter()
            .filter_map(|c| store.container(c))
            .find_map(|c| c.spec.publish_fault);
    }
    let resumable = spec.awaits_upload;
    let id = store.create(account, spec, now, polls);
    store.record_fetched(received.fetched, Some(&id));
    drop(store);
    let mut body = json!({ "id": id });
    if resumable {
        let uri = sandbox.url(&format!("rupload/ig-api-upload/{ver}/{id}"));
        body["uri"] = uri.as_str().into();
    }
    Ok(Json(body).into_response())
}

/// `POST /{ig-user-id}/media_publish?creation_id=`: `{"id":"<media id>"}`.
fn publish_container(sandbox: &Sandbox, account: &str, params: &Params) -> GraphResult {
    let creation_id = params
        .get("creation_id")
        .ok_or_else(|| GraphError::missing_parameter("creation_id"))?;
    let now = sandbox.now();
    let quota = sandbox.options().publishing_quota;
    let published = sandbox
        .publishing()
        .publish(account, creation_id, now, quota)
        .map_err(|refusal| refusals::publish_refused(refusal, creation_id))?;
    if published.timed_out {
        return Err(refusals::server_error());
    }
    Ok(Json(json!({ "id": published.media_id })).into_response())
}

/// A container or media named `id`, if one exists: 100/33 when the token may not read the
/// account that owns it. Reading `status_code` or `status` counts as a status poll.
fn read_object(
    sandbox: &Sandbox,
    host: Host,
    id: &str,
    call: &Authorized,
) -> Result<Option<Value>, GraphError> {
    let now = sandbox.now();
    let mut store = sandbox.publishing();
    let may_read = |owner: &str, record: &TokenRecord| {
        account_for(host, record, owner, Need::Read, || {
            GraphError::no_such_object(id)
        })
    };
    // `owner{id}` and `children{id}` read as `owner` and `children`.
    let requested = crate::engagement::flat_fields(call.params.get("fields"))?;
    let requested = requested.as_deref();
    if let Some(owner) = store.container(id).map(|c| c.owner.clone()) {
        may_read(&owner, &call.record)?;
        let fields = select_fields(
            requested,
            &["id"],
            &render::CONTAINER_FIELDS,
            "ShadowIGMediaBuilder",
        )?;
        let poll = fields.iter().any(|f| f == "status_code" || f == "status");
        let status = store
            .status(id, now, poll)
            .ok_or_else(|| GraphError::no_such_object(id))?;
        return Ok(Some(render::container(id, status, &fields)));
    }
    let Some(media) = store.media(id) else {
        return Ok(None);
    };
    may_read(&media.owner, &call.record)?;
    let fields = select_fields(requested, &["id"], &render::MEDIA_FIELDS, "IGMedia")?;
    Ok(Some(render::media(&store, media, &fields)))
}

/// `GET /{ig-user-id}/content_publishing_limit` and `GET /{ig-user-id}/media`.
fn read_edge(
    sandbox: &Sandbox,
    host: Host,
    ver: &str,
    node: &str,
    edge: &str,
    call: &Authorized,
) -> GraphResult {
    check_version(ver)?;
    let limit = match edge {
        "content_publishing_limit" => true,
        "media" => false,
        _ => return Err(GraphError::unknown_path()),
    };
    let need = if limit { Need::Publish } else { Need::Read };
    let account = account_for(host, &call.record, node, need, || {
        GraphError::no_such_object(node)
    })?;
    let body = if limit {
        publishing_limit(sandbox, &account, &call.params)?
    } else {
        let listing = Listing {
            host,
            ver,
            node,
            account: &account,
        };
        posts(sandbox, &listing, call)?
    };
    Ok(Json(body).into_response())
}

/// The account's quota usage in the last 24 hours, or since `since` when that is later.
fn publishing_limit(
    sandbox: &Sandbox,
    account: &str,
    params: &Params,
) -> Result<Value, GraphError> {
    let now = sandbox.now();
    let window_start = now - QUOTA_WINDOW;
    let since = match params.get("since") {
        None => window_start,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .ok_or_else(|| GraphError::unsupported("since"))?
            .max(window_start),
    };
    let usage = sandbox.publishing().usage(account, since, now);
    render::publishing_limit(
        params.get("fields"),
        usage,
        sandbox.options().publishing_quota,
        QUOTA_WINDOW.num_seconds(),
    )
}

/// Which account's posts a `GET /{node}/media` lists, and where its next page is.
struct Listing<'a> {
    host: Host,
    ver: &'a str,
    /// The node as the caller named it (`me` on Instagram Graph), for `paging.next`.
    node: &'a str,
    account: &'a str,
}

/// The account's posts (seeded and published), newest first, `limit` per page (default 25,
/// at most 100), `after` a cursor from a previous page; `paging.cursors` on every non-empty
/// page and an absolute `paging.next` when more follow, as Graph pages.
fn posts(sandbox: &Sandbox, listing: &Listing<'_>, call: &Authorized) -> Result<Value, GraphError> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let params = &call.params;
    let requested = crate::engagement::flat_fields(params.get("fields"))?;
    let fields = select_fields(
        requested.as_deref(),
        &["id"],
        &render::MEDIA_FIELDS,
        "IGMedia",
    )?;
    let limit = params
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .map_or(DEFAULT_LIMIT, |l| l.clamp(1, MAX_LIMIT));
    let store = sandbox.publishing();
    let mut posts = store.posts_of(listing.account);
    if let Some(cursor) = params.get("after") {
        // Resumes after the cursor's post; the scan stops there, as the first page's does
        // after `limit` posts, so an account with many posts costs no more than a page.
        let id = URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| GraphError::unsupported("after"))?;
        if !posts.any(|m| m.id.as_bytes() == id.as_slice()) {
            return Err(GraphError::unsupported("after"));
        }
    }
    let mut page: Vec<&store::Media> = posts.take(limit + 1).collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let data: Vec<Value> = page
        .iter()
        .map(|m| render::media(&store, m, &fields))
        .collect();
    let mut body = json!({ "data": data });
    if let (Some(first), Some(last)) = (page.first(), page.last()) {
        let after = URL_SAFE_NO_PAD.encode(&last.id);
        let mut paging = json!({
            "cursors": { "before": URL_SAFE_NO_PAD.encode(&first.id), "after": after }
        });
        if more {
            let prefix = match listing.host {
                Host::Facebook => "facebook-graph",
                Host::Instagram => "instagram-graph",
            };
            let path = format!("{prefix}/{}/{}/media", listing.ver, listing.node);
            let mut next = sandbox.url(&path);
            next.query_pairs_mut()
                .append_pair("access_token", &call.token)
                .append_pair("fields", &fields.join(","))
                .append_pair("limit", &limit.to_string())
                .append_pair("after", &after);
            paging["next"] = next.as_str().into();
        }
        body["paging"] = paging;
    }
    Ok(body)
}
