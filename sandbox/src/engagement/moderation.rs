//! The comment writes, on both Graph hosts: replies, the account's own comments, hiding
//! and deleting, each with a live token holding the comments permission; and
//! `_inspect/comments`, where someone else comments from outside.

use super::comments;
use super::{GraphResult, fields, unsupported};
use crate::errors::{GraphError, no_store};
use crate::params::{Params, access_token};
use crate::publishing::{self, Host, Need, account_for, post_params};
use crate::state::TokenRecord;
use crate::{Sandbox, check_version};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Instagram's longest comment.
const MAX_COMMENT_CHARS: usize = 2200;

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
