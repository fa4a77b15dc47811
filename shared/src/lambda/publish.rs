//! The two publishing functions: `publish` (the post routes, behind API Gateway) and
//! `publish-worker` (a pass over due posts, run by an EventBridge schedule every minute).
//! Both unseal tokens, so both get the KMS client; neither gets the access writer.

use super::{Function, InitError, authenticator, aws_config, env, settings_for, table};
use crate::adapters::dynamodb::DynamoStore;
use crate::adapters::graph::GraphClient;
use crate::adapters::kms::KmsSealer;
use crate::config::Settings;
use crate::http::{PostsState, finish, posts_routes};
use crate::ports::{
    AccountHealth, AccountReader, Clock, GrantReader, PostStore, Publisher, Sealer, SystemClock,
    TokenReader,
};
use crate::service::{PublishDeps, PublishPolicy, work_once};
use crate::telemetry::{self, LogFormat};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use axum::Router;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the post routes are wired to.
pub struct PostsPorts {
    pub accounts: Arc<dyn AccountReader>,
    pub grants: Arc<dyn GrantReader>,
    pub tokens: Arc<dyn TokenReader>,
    pub health: Arc<dyn AccountHealth>,
    pub posts: Arc<dyn PostStore>,
    pub sealer: Arc<dyn Sealer>,
    pub meta: Arc<dyn Publisher>,
    pub clock: Arc<dyn Clock>,
}

/// Publishing's timings on Lambda: the in-request wait from the settings.
fn policy(settings: &Settings) -> PublishPolicy {
    PublishPolicy {
        in_request_wait: settings.publish_wait,
        ..PublishPolicy::default()
    }
}

/// The `publish` function's router.
pub fn publish_router(settings: &Settings, ports: PostsPorts) -> Router {
    finish(posts_routes(PostsState {
        auth: authenticator(settings),
        accounts: ports.accounts,
        grants: ports.grants,
        tokens: ports.tokens,
        health: ports.health,
        posts: ports.posts,
        sealer: ports.sealer,
        meta: ports.meta,
        clock: ports.clock,
        policy: Arc::new(policy(settings)),
    }))
}

struct Clients {
    settings: Settings,
    store: Arc<DynamoStore>,
    sealer: Arc<KmsSealer>,
    graph: Arc<GraphClient>,
}

async fn clients(function: Function) -> Result<Clients, InitError> {
    let settings = settings_for(function, env)?;
    let aws = aws_config().await;
    let store = Arc::new(DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&aws),
        table(&settings, function)?,
    ));
    let key_id = settings.kms_key_id.clone().ok_or(InitError::Missing {
        function: function.name(),
        var: "IGC_KMS_KEY_ID",
        why: "the KMS key that wraps token data keys",
    })?;
    let sealer = Arc::new(KmsSealer::new(aws_sdk_kms::Client::new(&aws), key_id));
    let graph = Arc::new(GraphClient::new(settings.meta.clone()).map_err(InitError::Graph)?);
    Ok(Clients {
        settings,
        store,
        sealer,
        graph,
    })
}

/// `publish`: `POST`/`GET /v1/accounts/{id}/posts`, `GET`/`DELETE .../posts/{post_id}`.
pub async fn publish() -> Result<Router, InitError> {
    let c = clients(Function::Publish).await?;
    Ok(publish_router(
        &c.settings,
        PostsPorts {
            accounts: c.store.clone(),
            grants: c.store.clone(),
            tokens: c.store.clone(),
            health: c.store.clone(),
            posts: c.store,
            sealer: c.sealer,
            meta: c.graph,
            clock: Arc::new(SystemClock),
        },
    ))
}

/// How long before the invocation's deadline a pass stops, leaving the rest to the next.
const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

/// The pass's budget: until `DEADLINE_MARGIN` before the invocation's deadline (epoch ms).
fn budget(deadline_ms: u64, now: SystemTime) -> Duration {
    let now_ms = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    Duration::from_millis(deadline_ms.saturating_sub(now_ms)).saturating_sub(DEADLINE_MARGIN)
}

/// `publish-worker`: each scheduled event runs one pass over the due posts and answers its
/// report. Clients are built once, at init; an init failure is logged and fails the
/// invocation, which Lambda reports.
pub async fn publish_worker() -> Result<(), lambda_runtime::Error> {
    telemetry::init(LogFormat::Json);
    let c = match clients(Function::PublishWorker).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "function init failed");
            return Err(e.into());
        }
    };
    let policy = policy(&c.settings);
    let c = &c;
    let policy = &policy;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<EventBridgeEvent<serde_json::Value>>| async move {
            tracing::info!(
                event_id = event.payload.id.as_deref().unwrap_or(""),
                detail_type = event.payload.detail_type.as_str(),
                "publish worker invoked"
            );
            let deps = PublishDeps {
                accounts: c.store.as_ref(),
                grants: c.store.as_ref(),
                tokens: c.store.as_ref(),
                health: c.store.as_ref(),
                posts: c.store.as_ref(),
                sealer: c.sealer.as_ref(),
                meta: c.graph.as_ref(),
                clock: &SystemClock,
                policy,
            };
            let report = work_once(
                deps,
                c.store.as_ref(),
                budget(event.context.deadline, SystemTime::now()),
            )
            .await?;
            Ok::<_, lambda_runtime::Error>(report)
        },
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_stops_short_of_the_deadline() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(budget(1_060_000, now), Duration::from_secs(50));
        assert_eq!(budget(1_005_000, now), Duration::ZERO);
        assert_eq!(budget(0, now), Duration::ZERO);
    }
}
