//! The sandbox's routes, relative to its base. Graph and API hosts (where a call stands in
//! for a call to Meta's servers) get the configured latency; the consent pages a person
//! clicks through and the `_inspect/` helpers do not.

use super::{
    Sandbox, calls, dialog, engagement, facebook, injection, instagram, latency, publishing, upkeep,
};
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

/// Every route; see docs/sandbox.md for each endpoint.
pub(crate) fn router(sandbox: &Sandbox) -> Router {
    Router::new()
        .route(
            "/facebook-www/{ver}/dialog/oauth",
            get(dialog::facebook_dialog),
        )
        .route(
            "/facebook-www/{ver}/dialog/oauth/decide",
            post(dialog::facebook_decide),
        )
        .route(
            "/instagram-www/oauth/authorize",
            get(dialog::instagram_dialog),
        )
        .route(
            "/instagram-www/oauth/authorize/decide",
            post(dialog::instagram_decide),
        )
        .route("/_inspect/tokens", get(super::inspect_tokens))
        .route("/_inspect/clock", post(super::advance_clock_route))
        .route("/_inspect/media", get(super::inspect_media))
        .route("/_inspect/fetched", get(publishing::inspect_fetched))
        .route("/_inspect/uploads", get(publishing::inspect_uploads))
        .route("/_inspect/faults", post(injection::inspect_faults))
        .route("/_inspect/revoke", post(injection::inspect_revoke))
        .route("/_inspect/comments", post(engagement::inspect_comments))
        .route(
            "/_inspect/calls",
            get(calls::inspect_calls).delete(calls::forget_calls),
        )
        .merge(meta_apis(sandbox))
        .fallback(super::not_found)
        .with_state(sandbox.clone())
}

/// The routes that stand in for Meta's API hosts, each answered after the latency.
fn meta_apis(sandbox: &Sandbox) -> Router<Sandbox> {
    Router::new()
        .route(
            "/facebook-graph/{ver}/oauth/access_token",
            get(facebook::access_token),
        )
        .route("/facebook-graph/{ver}/me", get(facebook::me))
        .route(
            "/facebook-graph/{ver}/me/permissions",
            get(facebook::permissions),
        )
        .route("/facebook-graph/{ver}/me/accounts", get(facebook::accounts))
        .route(
            "/facebook-graph/{ver}/debug_token",
            get(upkeep::debug_token),
        )
        .route(
            "/facebook-graph/{ver}/{node}",
            get(engagement::facebook_node)
                .post(engagement::facebook_node_post)
                .delete(engagement::facebook_node_delete),
        )
        .route(
            "/facebook-graph/{ver}/{node}/{edge}",
            get(engagement::facebook_edge)
                .post(engagement::facebook_edge_post)
                .delete(upkeep::delete_edge),
        )
        .route(
            "/instagram-api/oauth/access_token",
            post(instagram::exchange_code),
        )
        .route(
            "/instagram-graph/access_token",
            get(instagram::exchange_token),
        )
        .route(
            "/instagram-graph/refresh_access_token",
            get(instagram::refresh_token),
        )
        .route("/instagram-graph/me", get(instagram::me))
        .route("/instagram-graph/{ver}/me", get(instagram::me_versioned))
        .route(
            "/instagram-graph/{ver}/{node}",
            get(engagement::instagram_node)
                .post(engagement::instagram_node_post)
                .delete(engagement::instagram_node_delete),
        )
        .route(
            "/instagram-graph/{ver}/{node}/{edge}",
            get(engagement::instagram_edge).post(engagement::instagram_edge_post),
        )
        .route(
            "/rupload/ig-api-upload/{ver}/{container}",
            get(publishing::upload_offset).post(publishing::upload_chunk),
        )
        .route_layer(from_fn_with_state(sandbox.clone(), latency::delay))
        .route_layer(from_fn_with_state(sandbox.clone(), calls::record))
}
