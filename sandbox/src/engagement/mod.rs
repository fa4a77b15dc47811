//! What happens after a post went out, on both Graph hosts: account and media insights,
//! and comment moderation (list, read, reply, hide, delete). The media are the publishing
//! store's (seeded ones included, `seed`), and so is the comments' state, so one lock
//! covers a media and its comments. Every call needs a live token that may see the media's
//! account and holds the feature's permission: `instagram_manage_insights` /
//! `instagram_business_manage_insights` for insights, `instagram_manage_comments` /
//! `instagram_business_manage_comments` for comments (Meta's code 10 otherwise).
//! docs/sandbox.md documents the endpoints, the seeded world and the errors.

mod comments;
mod fields;
mod insights;
mod seed;
mod values;

pub(crate) use comments::{Comments, count as comments_count};
pub(crate) use fields::flat as flat_fields;
pub(crate) use seed::media as seeded_media;
pub(crate) use values::like_count;

use super::errors::{GraphError, no_store};
use super::params::{Authorized, Params, access_token};
use super::publishing::{self, Host, Need, account_for, post_params};
use super::state::TokenRecord;
use super::{Sandbox, check_version};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use comments::{COMMENT_FIELDS, CommentView, DEFAULT_FIELDS};
use serde_json::{Value, json};

type GraphResult = Result<Response, GraphError>;

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;
/// Instagram's longest comment.
const MAX_COMMENT_CHARS: usize = 2200;

/// Graph's 100/33 for a write on an object that does not exist or the token may not see.
fn unsupported(verb: &str, id: &str) -> GraphError {
    let id: String = id.chars().take(64).collect();
    GraphError::new(
        100,
        Some(33),
        format!(
            "Unsupported {verb} request. Object with ID '{id}' does not exist, cannot be \
             loaded due to missing permissions, or does not support this operation."
        ),
    )
}

fn graph_prefix(host: Host) -> &'static str {
    match host {
        Host::Facebook => "facebook-graph",
        Host::Instagram => "instagram-graph",
    }
}

fn limit(params: &Params) -> usize {
    params
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .map_or(DEFAULT_LIMIT, |l| l.clamp(1, MAX_LIMIT))
}

/// `GET facebook-graph/{ver}/{node}`: a comment, else what publishing and Facebook Login
/// read (containers, media, Pages, accounts).
pub(crate) async fn facebook_node(
    State(sandbox): State<Sandbox>,
    Path((ver, node)): Path<(String, String)>,
    call: Authorized,
) -> GraphResult {
    match read_comment(&sandbox, Host::Facebook, &ver, &node, &call)? {
        Some(body) => Ok(Json(body).into_response()),
        None => publishing::facebook_node(State(sandbox), Path((ver, node)), call).await,
    }
}

/// `GET instagram-graph/{ver}/{node}`: a comment, else a container or media.
pub(crate) async fn instagram_node(
    State(sandbox): State<Sandbox>,
    Path((ver, node)): Path<(String, String)>,
    call: Authorized,
) -> GraphResult {
    match read_comment(&sandbox, Host::Instagram, &ver, &node, &call)? {
        Some(body) => Ok(Json(body).into_response()),
        None => publishing::instagram_node(State(sandbox), Path((ver, node)), call).await,
    }
}

/// `GET /{comment-id}?fields=...`, if `id` is a live comment.
fn read_comment(
    sandbox: &Sandbox,
    host: Host,
    ver: &str,
    id: &str,
    call: &Authorized,
) -> Result<Option<Value>, GraphError> {
    check_version(ver)?;
    let store = sandbox.publishing();
    let Some((comment, media)) = comments::find(&store, id) else {
        return Ok(None);
    };
    account_for(host, &call.record, &media.owner, Need::Comments, || {
        GraphError::no_such_object(id)
    })?;
    let fields = fields::parse(call.params.get("fields"), &DEFAULT_FIELDS)?;
    fields::check(&fields, &COMMENT_FIELDS, "IGComment")?;
    let replies: Vec<CommentView> = if comment.parent_id.is_none() {
        comments::of_media(&store, media)
            .into_iter()
            .filter(|r| r.parent_id.as_deref() == Some(id))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Some(comments::render(&comment, &replies, &fields)))
}

/// `GET facebook-graph/{ver}/{node}/{edge}`.
pub(crate) async fn facebook_edge(
    State(sandbox): State<Sandbox>,
    Path((ver, node, edge)): Path<(String, String, String)>,
    call: Authorized,
) -> GraphResult {
    match read_edge(&sandbox, Host::Facebook, &ver, &node, &edge, &call)? {
        Some(body) => Ok(Json(body).into_response()),
        None => publishing::facebook_edge(State(sandbox), Path((ver, node, edge)), call).await,
    }
}

/// `GET instagram-graph/{ver}/{node}/{edge}`.
pub(crate) async fn instagram_edge(
    State(sandbox): State<Sandbox>,
    Path((ver, node, edge)): Path<(String, String, String)>,
    call: Authorized,
) -> GraphResult {
    match read_edge(&sandbox, Host::Instagram, &ver, &node, &edge, &call)? {
        Some(body) => Ok(Json(body).into_response()),
        None => publishing::instagram_edge(State(sandbox), Path((ver, node, edge)), call).await,
    }
}

/// `insights`, `comments` and `replies`; `None` for the edges publishing serves.
fn read_edge(
    sandbox: &Sandbox,
    host: Host,
    ver: &str,
    node: &str,
    edge: &str,
    call: &Authorized,
) -> Result<Option<Value>, GraphError> {
    let body = match edge {
        "insights" => read_insights(sandbox, host, ver, node, call)?,
        "comments" => read_comments(sandbox, host, ver, node, call)?,
        "replies" => read_replies(sandbox, host, ver, node, call)?,
        _ => return Ok(None),
    };
    Ok(Some(body))
}

/// `GET /{media-id}/insights` or `GET /{ig-user-id}/insights`.
fn read_insights(
    sandbox: &Sandbox,
    host: Host,
    ver: &str,
    node: &str,
    call: &Authorized,
) -> Result<Value, GraphError> {
    check_version(ver)?;
    let now = sandbox.now();
    let hidden = || GraphError::no_such_object(node);
    let store = sandbox.publishing();
    if let Some(media) = store.media(node) {
        account_for(host, &call.record, &media.owner, Need::Insights, hidden)?;
        if media.parent.is_some() {
            return Err(GraphError::invalid_request(
                "(#100) Insights are not available for the items of a carousel album; ask for \
                 the album's.",
            ));
        }
        let facts = values::MediaFacts {
            id: &media.id,
            owner: &media.owner,
            product_type: media.kind.product_type(),
            comments: comments::count(&store, media),
        };
        return insights::media(&facts, ver, &call.params);
    }
    drop(store);
    let account = account_for(host, &call.record, node, Need::Insights, hidden)?;
    insights::account(&account, ver, &call.params, now)
}

/// `GET /{media-id}/comments`: top-level comments newest first, each with its replies,
/// `limit` per page (default 25, at most 100), cursor paging as Graph's.
fn read_comments(
    sandbox: &Sandbox,
    host: Host,
    ver: &str,
    node: &str,
    call: &Authorized,
) -> Result<Value, GraphError> {
    check_version(ver)?;
    let store = sandbox.publishing();
    let media = store
        .media(node)
        .ok_or_else(|| GraphError::no_such_object(node))?;
    account_for(host, &call.record, &media.owner, Need::Comments, || {
        GraphError::no_such_object(node)
    })?;
    let fields = fields::parse(call.params.get("fields"), &DEFAULT_FIELDS)?;
    fields::check(&fields, &COMMENT_FIELDS, "IGComment")?;
    let mut threads = comments::threads(&store, media);
    if let Some(cursor) = call.params.get("after") {
        let after =
            comments::after_cursor(cursor).ok_or_else(|| GraphError::unsupported("after"))?;
        threads.retain(|(top, _)| after(top));
    }
    let limit = limit(&call.params);
    let more = threads.len() > limit;
    threads.truncate(limit);
    let data: Vec<Value> = threads
        .iter()
        .map(|(top, replies)| comments::render(top, replies, &fields))
        .collect();
    let mut body = json!({ "data": data });
    if let (Some((first, _)), Some((last, _))) = (threads.first(), threads.last()) {
        let mut paging = json!({
            "cursors": { "before": comments::cursor(first), "after": comments::cursor(last) }
        });
        if more {
            let mut next = sandbox.url(&format!("{}/{ver}/{node}/comments", graph_prefix(host)));
            next.query_pairs_mut()
                .append_pair("access_token", &call.token)
                .append_pair(
                    "fields",
                    call.params.get("fields").unwrap_or("id,text,timestamp"),
                )
                .append_pair("limit", &limit.to_string())
                .append_pair("after", &comments::cursor(last));
            paging["next"] = next.as_str().into();
        }
        body["paging"] = paging;
    }
    Ok(body)
}

/// `GET /{comment-id}/replies`: a top-level comment's replies, oldest first (a reply has
/// none).
fn read_replies(
    sandbox: &Sandbox,
    host: Host,
    ver: &str,
    node: &str,
    call: &Authorized,
) -> Result<Value, GraphError> {
    check_version(ver)?;
    let store = sandbox.publishing();
    let (_, media) =
        comments::find(&store, node).ok_or_else(|| GraphError::no_such_object(node))?;
    account_for(host, &call.record, &media.owner, Need::Comments, || {
        GraphError::no_such_object(node)
    })?;
    let fields = fields::parse(call.params.get("fields"), &DEFAULT_FIELDS)?;
    fields::check(&fields, &COMMENT_FIELDS, "IGComment")?;
    let data: Vec<Value> = comments::of_media(&store, media)
        .iter()
        .filter(|r| r.parent_id.as_deref() == Some(node))
        .map(|r| comments::render(r, &[], &fields))
        .collect();
    Ok(json!({ "data": data }))
}

/// `POST facebook-graph/{ver}/{node}/{edge}`: `replies` and `comments`, else publishing.
pub(crate) async fn facebook_edge_post(
    State(sandbox): State<Sandbox>,
    Path(path): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> GraphResult {
    if !matches!(path.2.as_str(), "replies" | "comments") {
        return publishing::facebook_create(State(sandbox), Path(path), RawQuery(q), headers, body)
            .await;
    }
    write_edge(
        &sandbox,
        Host::Facebook,
        &path,
        q.as_deref(),
        &headers,
        &body,
    )
}

/// `POST instagram-graph/{ver}/{node}/{edge}`: `replies` and `comments`, else publishing.
pub(crate) async fn instagram_edge_post(
    State(sandbox): State<Sandbox>,
    Path(path): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> GraphResult {
    if !matches!(path.2.as_str(), "replies" | "comments") {
        return publishing::instagram_create(
            State(sandbox),
            Path(path),
            RawQuery(q),
            headers,
            body,
        )
        .await;
    }
    write_edge(
        &sandbox,
        Host::Instagram,
        &path,
        q.as_deref(),
        &headers,
        &body,
    )
}

/// The live token of a write, its parameters, and the sandbox's time.
fn write_call(
    sandbox: &Sandbox,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Params, TokenRecord, chrono::DateTime<chrono::Utc>), GraphError> {
    let params = post_params(query, headers, body);
    let record = sandbox.live_token(access_token(&params, headers).as_deref())?;
    Ok((params, record, sandbox.now()))
}

/// The `message` of a new comment or reply.
fn message(params: &Params) -> Result<String, GraphError> {
    let message = params
        .get("message")
        .ok_or_else(|| GraphError::missing_parameter("message"))?;
    if message.chars().count() > MAX_COMMENT_CHARS {
        return Err(GraphError::invalid_request(
            "(#100) A comment takes at most 2,200 characters.",
        ));
    }
    Ok(message.to_owned())
}

/// `POST /{comment-id}/replies?message=` → `{"id"}`: the account replies, under the
/// top-level comment when the comment is itself a reply (as Instagram threads them);
/// a hidden comment takes no reply. `POST /{media-id}/comments?message=` → `{"id"}`: the
/// account comments on its own post.
fn write_edge(
    sandbox: &Sandbox,
    host: Host,
    (ver, node, edge): &(String, String, String),
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> GraphResult {
    check_version(ver)?;
    let (params, record, now) = write_call(sandbox, query, headers, body)?;
    let mut store = sandbox.publishing();
    let (media_id, owner, parent) = if edge == "replies" {
        let (comment, media) =
            comments::find(&store, node).ok_or_else(|| unsupported("post", node))?;
        account_for(host, &record, &media.owner, Need::Comments, || {
            unsupported("post", node)
        })?;
        if comment.hidden {
            return Err(GraphError::invalid_request(
                "(#100) A hidden comment cannot be replied to.",
            ));
        }
        let parent = comment.parent_id.unwrap_or(comment.id);
        (media.id.clone(), media.owner.clone(), Some(parent))
    } else {
        let media = store.media(node).ok_or_else(|| unsupported("post", node))?;
        account_for(host, &record, &media.owner, Need::Comments, || {
            unsupported("post", node)
        })?;
        if !takes_comments(media) {
            return Err(GraphError::invalid_request(
                "(#100) Comments are not supported on this media.",
            ));
        }
        (media.id.clone(), media.owner.clone(), None)
    };
    let text = message(&params)?;
    let username = comments::username_of(&owner);
    let id = store
        .comments
        .add(&media_id, parent.as_deref(), username, &text, now);
    Ok(Json(json!({ "id": id })).into_response())
}

/// Stories and carousel items take no comments (a story's replies are direct messages).
fn takes_comments(media: &publishing::Media) -> bool {
    media.parent.is_none() && media.kind.product_type() != "STORY"
}

/// `POST facebook-graph/{ver}/{comment-id}?hide=true|false`.
pub(crate) async fn facebook_node_post(
    State(sandbox): State<Sandbox>,
    Path((ver, node)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> GraphResult {
    hide(
        &sandbox,
        Host::Facebook,
        &ver,
        &node,
        q.as_deref(),
        &headers,
        &body,
    )
}

/// `POST instagram-graph/{ver}/{comment-id}?hide=true|false`.
pub(crate) async fn instagram_node_post(
    State(sandbox): State<Sandbox>,
    Path((ver, node)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> GraphResult {
    hide(
        &sandbox,
        Host::Instagram,
        &ver,
        &node,
        q.as_deref(),
        &headers,
        &body,
    )
}

/// `hide=true` hides a comment from everyone but the account, `hide=false` shows it again
/// → `{"success":true}`. The only write Graph takes on a comment node.
fn hide(
    sandbox: &Sandbox,
    host: Host,
    ver: &str,
    node: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> GraphResult {
    check_version(ver)?;
    let (params, record, _) = write_call(sandbox, query, headers, body)?;
    let mut store = sandbox.publishing();
    let (comment, media) = comments::find(&store, node).ok_or_else(|| unsupported("post", node))?;
    account_for(host, &record, &media.owner, Need::Comments, || {
        unsupported("post", node)
    })?;
    let hidden = match params.get("hide") {
        Some("true") => true,
        Some("false") => false,
        Some(_) => return Err(GraphError::unsupported("hide")),
        None => return Err(GraphError::missing_parameter("hide")),
    };
    store.comments.set_hidden(&comment.id, hidden);
    Ok(Json(json!({ "success": true })).into_response())
}

/// `DELETE facebook-graph/{ver}/{comment-id}`.
pub(crate) async fn facebook_node_delete(
    State(sandbox): State<Sandbox>,
    Path((ver, node)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> GraphResult {
    delete(
        &sandbox,
        Host::Facebook,
        &ver,
        &node,
        q.as_deref(),
        &headers,
        &body,
    )
}

/// `DELETE instagram-graph/{ver}/{comment-id}`.
pub(crate) async fn instagram_node_delete(
    State(sandbox): State<Sandbox>,
    Path((ver, node)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> GraphResult {
    delete(
        &sandbox,
        Host::Instagram,
        &ver,
        &node,
        q.as_deref(),
        &headers,
        &body,
    )
}

/// Deletes a comment of the account's media, and its replies → `{"success":true}`; it is
/// gone for good (100/33 afterwards).
fn delete(
    sandbox: &Sandbox,
    host: Host,
    ver: &str,
    node: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> GraphResult {
    check_version(ver)?;
    let (_, record, _) = write_call(sandbox, query, headers, body)?;
    let mut store = sandbox.publishing();
    let (comment, media) =
        comments::find(&store, node).ok_or_else(|| unsupported("delete", node))?;
    account_for(host, &record, &media.owner, Need::Comments, || {
        unsupported("delete", node)
    })?;
    store.comments.delete(&comment.id);
    Ok(Json(json!({ "success": true })).into_response())
}

/// `POST _inspect/comments` with `{"media_id","text","username","parent_id"}`: someone
/// comments on a media (or, with `parent_id`, replies in its thread) from outside, as a
/// follower would; answers the comment. `username` defaults to `sandbox.visitor`. Sandbox
/// only: no token, no latency, no fault.
pub(crate) async fn inspect_comments(State(sandbox): State<Sandbox>, body: String) -> Response {
    match add_from_outside(&sandbox, &body) {
        Ok(v) => no_store(Json(v).into_response()),
        Err(e) => e.into_response(),
    }
}

fn add_from_outside(sandbox: &Sandbox, body: &str) -> Result<Value, GraphError> {
    let request = match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(GraphError::invalid_request(
                "The body must be a JSON object.",
            ));
        }
    };
    let id_field = |name: &str| match request.get(name) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let media_id = id_field("media_id").ok_or_else(|| GraphError::missing_parameter("media_id"))?;
    let text = request
        .get("text")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| GraphError::missing_parameter("text"))?;
    if text.chars().count() > MAX_COMMENT_CHARS {
        return Err(GraphError::unsupported("text"));
    }
    let username = match request.get("username") {
        None => "sandbox.visitor",
        Some(Value::String(u)) if valid_username(u) => u.as_str(),
        Some(_) => return Err(GraphError::unsupported("username")),
    };
    let now = sandbox.now();
    let mut store = sandbox.publishing();
    let media = store
        .media(&media_id)
        .filter(|m| takes_comments(m))
        .ok_or_else(|| GraphError::no_such_object(&media_id))?;
    let parent = match id_field("parent_id") {
        None => None,
        Some(parent) => {
            let (comment, _) = comments::find(&store, &parent)
                .filter(|(_, on)| on.id == media.id)
                .ok_or_else(|| GraphError::no_such_object(&parent))?;
            Some(comment.parent_id.unwrap_or(comment.id))
        }
    };
    let media_id = media.id.clone();
    let id = store
        .comments
        .add(&media_id, parent.as_deref(), username, text, now);
    let (comment, _) =
        comments::find(&store, &id).ok_or_else(|| GraphError::no_such_object(&id))?;
    let fields = fields::parse(
        Some("id,text,username,timestamp,hidden,parent_id,media"),
        &[],
    )?;
    Ok(comments::render(&comment, &[], &fields))
}

/// An Instagram handle: 1 to 30 letters, digits, `.` and `_`.
fn valid_username(u: &str) -> bool {
    (1..=30).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
}
