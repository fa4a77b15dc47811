//! The `insights` function: account and media insights, the account's media, and comment
//! moderation. It unseals the token of the one account a request names (KMS Decrypt), reads
//! the stored snapshots (the `refresh` function writes them), reads posts to find a post's
//! media, and writes audit entries for moderation; it cannot change grants, owners or posts.

use super::publish::function_clients;
use super::{Function, InitError, authenticator};
use crate::config::Settings;
use crate::domain::MetricCatalog;
use crate::http::{Authenticator, EngagementState, engagement_routes, finish};
use crate::ports::{
    AccountHealth, AccountReader, AuditLog, Clock, EngagementGraph, InsightSnapshots, PostStore,
    Sealer, SystemClock, TokenReader,
};
use crate::service::InsightCache;
use axum::Router;
use std::sync::Arc;

/// What the insight and comment routes are wired to.
pub struct EngagementPorts {
    pub accounts: Arc<dyn AccountReader>,
    pub tokens: Arc<dyn TokenReader>,
    pub health: Arc<dyn AccountHealth>,
    pub sealer: Arc<dyn Sealer>,
    pub meta: Arc<dyn EngagementGraph>,
    pub snapshots: Arc<dyn InsightSnapshots>,
    pub posts: Arc<dyn PostStore>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
}

/// The insight and comment routes over `ports`, for the `insights` function and `serve`
/// (each with its own authenticator). The cache lives as long as the router: a warm Lambda
/// environment reuses Meta's answers for a while.
pub fn insights_router(
    settings: &Settings,
    auth: Arc<Authenticator>,
    ports: EngagementPorts,
) -> Router {
    engagement_routes(EngagementState {
        auth,
        accounts: ports.accounts,
        tokens: ports.tokens,
        health: ports.health,
        sealer: ports.sealer,
        meta: ports.meta,
        snapshots: ports.snapshots,
        posts: ports.posts,
        audit: ports.audit,
        clock: ports.clock,
        catalog: MetricCatalog::for_version(&settings.meta.graph_version),
        cache: Arc::new(InsightCache::default()),
    })
}

/// `insights` on AWS: DynamoDB, KMS (Decrypt) and the Graph client.
pub async fn insights() -> Result<Router, InitError> {
    let (settings, store, sealer, graph) = function_clients(Function::Insights).await?;
    Ok(finish(insights_router(
        &settings,
        authenticator(&settings),
        EngagementPorts {
            accounts: store.clone(),
            tokens: store.clone(),
            health: store.clone(),
            sealer,
            meta: graph,
            snapshots: store.clone(),
            posts: store.clone(),
            audit: store,
            clock: Arc::new(SystemClock),
        },
    )))
}
