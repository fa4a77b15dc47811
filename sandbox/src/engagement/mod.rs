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
mod moderation;
mod seed;
mod values;

pub(crate) use comments::{Comments, count as comments_count};
pub(crate) use fields::flat as flat_fields;
pub(crate) use moderation::{
    facebook_edge_post, facebook_node_delete, facebook_node_post, inspect_comments,
    instagram_edge_post, instagram_node_delete, instagram_node_post,
};
pub(crate) use seed::media as seeded_media;
pub(crate) use values::like_count;

use super::errors::GraphError;
use super::params::{Authorized, Params};
use super::publishing::{self, Host, Need, account_for};
use super::{Sandbox, check_version};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use comments::{COMMENT_FIELDS, CommentView, DEFAULT_FIELDS};
use serde_json::{Value, json};

type GraphResult = Result<Response, GraphError>;

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

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
