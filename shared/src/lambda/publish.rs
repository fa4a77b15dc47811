//! The two publishing functions: `publish` (the post routes, behind API Gateway) and
//! `publish-worker` (a pass over due posts, run by an EventBridge schedule every minute).
//! Both unseal tokens, so both get the KMS client; neither gets the access writer.

use super::{Boot, Function, InitError, authenticator, boot, init_failed, table, warm};
use crate::adapters::dynamodb::DynamoStore;
use crate::adapters::graph::GraphClient;
use crate::adapters::kms::KmsSealer;
use crate::adapters::s3::S3MediaFiles;
use crate::config::Settings;
use crate::domain::MetricCatalog;
use crate::http::{PostsState, SyncState, finish, posts_routes, sync_routes};
use crate::ports::{
    AccountHealth, AccountReader, Clock, MediaFiles, MediaStore, NoMediaFiles, PostStore,
    Publisher, RefreshQueue, Sealer, SystemClock, TokenReader, UpkeepGraph,
};
use crate::service::{
    MediaDeps, MediaPolicy, PassPolicy, PublishDeps, PublishPolicy, expire_media, work_once,
};

/// Media expired per worker pass at most; the rest wait for the next pass.
const EXPIRY_BATCH: u32 = 100;
use crate::telemetry::{self, LogFormat};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use axum::Router;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the post routes are wired to.
pub struct PostsPorts {
    pub accounts: Arc<dyn AccountReader>,
    pub tokens: Arc<dyn TokenReader>,
    pub health: Arc<dyn AccountHealth>,
    pub posts: Arc<dyn PostStore>,
    pub sealer: Arc<dyn Sealer>,
    pub meta: Arc<dyn Publisher>,
    pub clock: Arc<dyn Clock>,
    /// `POST /v1/accounts/{id}/sync` stores what Meta said about the token through it.
    pub queue: Arc<dyn RefreshQueue>,
    /// The token and profile reads of a sync.
    pub upkeep: Arc<dyn UpkeepGraph>,
    /// Uploads: their records and files.
    pub media: Arc<dyn MediaStore>,
    pub files: Arc<dyn MediaFiles>,
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
    let auth = authenticator(settings);
    let sync = sync_routes(SyncState {
        auth: Arc::clone(&auth),
        accounts: ports.accounts.clone(),
        tokens: ports.tokens.clone(),
        queue: ports.queue,
        sealer: ports.sealer.clone(),
        meta: ports.upkeep,
        clock: ports.clock.clone(),
        policy: Arc::new(PassPolicy {
            rules: settings.refresh,
            catalog: MetricCatalog::for_version(&settings.meta.graph_version),
            ..PassPolicy::default()
        }),
    });
    finish(
        posts_routes(PostsState {
            auth,
            accounts: ports.accounts,
            tokens: ports.tokens,
            health: ports.health,
            posts: ports.posts,
            sealer: ports.sealer,
            meta: ports.meta,
            clock: ports.clock,
            policy: Arc::new(policy(settings)),
            media: ports.media,
            files: ports.files,
            media_policy: Arc::new(MediaPolicy::from_settings(&settings.media)),
        })
        .merge(sync),
    )
}

/// The clients of the functions that unseal tokens, built once at init.
pub(super) struct Clients {
    pub(super) settings: Settings,
    /// The SDK configuration, for a function that builds one more client (`refresh`'s
    /// EventBridge client) without loading it again.
    pub(super) aws: aws_config::SdkConfig,
    pub(super) store: Arc<DynamoStore>,
    pub(super) sealer: Arc<KmsSealer>,
    pub(super) graph: Arc<GraphClient>,
}

pub(super) async fn clients(function: Function) -> Result<Clients, InitError> {
    let Boot { settings, aws } = boot(function).await?;
    let key_id = settings.kms_key_id.clone().ok_or(InitError::Missing {
        function: function.name(),
        var: "IGC_KMS_KEY_ID",
        why: "the KMS key that wraps token data keys",
    })?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let kms = aws_sdk_kms::Client::new(&aws);
    warm::warm_up(vec![warm::dynamodb(&dynamodb), warm::kms(&kms, &key_id)]).await;
    let store = Arc::new(DynamoStore::new(dynamodb, table(&settings, function)?));
    let sealer = Arc::new(KmsSealer::new(kms, key_id));
    let graph = Arc::new(GraphClient::new(settings.meta.clone()).map_err(InitError::Graph)?);
    Ok(Clients {
        settings,
        aws,
        store,
        sealer,
        graph,
    })
}

/// The media bucket's files, for the two functions that touch them. Not part of
/// [`clients`]: `refresh` and `insights` share that, and an S3 client built there links
/// aws-sdk-s3 into their zips (about 1 MB each) for nothing.
fn media_files(c: &Clients) -> Arc<dyn MediaFiles> {
    match &c.settings.media.bucket {
        Some(bucket) => Arc::new(S3MediaFiles::new(aws_sdk_s3::Client::new(&c.aws), bucket)),
        None => Arc::new(NoMediaFiles),
    }
}

/// `publish`: `POST`/`GET /v1/accounts/{id}/posts`, `GET`/`DELETE .../posts/{post_id}`.
pub async fn publish() -> Result<Router, InitError> {
    let c = clients(Function::Publish).await?;
    let files = media_files(&c);
    Ok(publish_router(
        &c.settings,
        PostsPorts {
            accounts: c.store.clone(),
            tokens: c.store.clone(),
            health: c.store.clone(),
            posts: c.store.clone(),
            sealer: c.sealer,
            meta: c.graph.clone(),
            clock: Arc::new(SystemClock),
            queue: c.store.clone(),
            upkeep: c.graph,
            media: c.store,
            files,
        },
    ))
}

/// The `publish` and `publish-worker` functions' clients; the `refresh` function needs the
/// same.
pub(super) async fn function_clients(
    function: Function,
) -> Result<(Settings, Arc<DynamoStore>, Arc<KmsSealer>, Arc<GraphClient>), InitError> {
    let c = clients(function).await?;
    Ok((c.settings, c.store, c.sealer, c.graph))
}

/// How long before the invocation's deadline a pass stops, leaving the rest to the next.
const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

/// The pass's budget when the runtime gives no usable deadline: the template's timeout
/// (55 s) less the margin.
const FALLBACK_BUDGET: Duration = Duration::from_secs(45);

/// The pass's budget: until `DEADLINE_MARGIN` before the invocation's deadline (epoch ms).
///
/// Lambda hands an invocation out with its deadline ahead of now by the function's
/// remaining time, so a deadline already past is no deadline at all but an emulator's
/// placeholder: `cargo lambda watch` sends `600000` (ten minutes after the epoch) with every
/// invocation. Taken at its word, the pass would do nothing, ever; it gets
/// [`FALLBACK_BUDGET`] instead.
pub(super) fn budget(deadline_ms: u64, now: SystemTime) -> Duration {
    let now_ms = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    if deadline_ms <= now_ms {
        return FALLBACK_BUDGET;
    }
    Duration::from_millis(deadline_ms - now_ms).saturating_sub(DEADLINE_MARGIN)
}

/// `publish-worker`: each scheduled event runs one pass over the due posts and answers its
/// report. Clients are built once, at init; an init failure is logged, reported to the
/// runtime API (as [`super::run`] does for the HTTP functions) and ends the process.
pub async fn publish_worker() -> Result<(), lambda_runtime::Error> {
    telemetry::init(LogFormat::Json);
    let c = match clients(Function::PublishWorker).await {
        Ok(c) => c,
        Err(e) => return Err(init_failed(e).await),
    };
    let policy = policy(&c.settings);
    let media_policy = MediaPolicy::from_settings(&c.settings.media);
    let files = media_files(&c);
    let (c, files) = (&c, &files);
    let (policy, media_policy) = (&policy, &media_policy);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<EventBridgeEvent<serde_json::Value>>| async move {
            tracing::info!(
                event_id = event.payload.id.as_deref().unwrap_or(""),
                detail_type = event.payload.detail_type.as_str(),
                "publish worker invoked"
            );
            let deps = PublishDeps {
                accounts: c.store.as_ref(),
                tokens: c.store.as_ref(),
                health: c.store.as_ref(),
                posts: c.store.as_ref(),
                sealer: c.sealer.as_ref(),
                meta: c.graph.as_ref(),
                clock: &SystemClock,
                policy,
                media: MediaDeps {
                    store: c.store.as_ref(),
                    files: files.as_ref(),
                    clock: &SystemClock,
                    policy: media_policy,
                },
            };
            let report = work_once(
                deps,
                c.store.as_ref(),
                budget(event.context.deadline, SystemTime::now()),
            )
            .await?;
            // The files of media no longer needed go on the same schedule.
            if c.settings.media.bucket.is_some() {
                expire_media(deps.media, EXPIRY_BATCH).await?;
            }
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
    }

    #[test]
    fn a_deadline_already_past_is_an_emulators_placeholder_not_a_zero_budget() {
        let now = UNIX_EPOCH + Duration::from_secs(1_767_222_000);
        // What `cargo lambda watch` sends with every invocation.
        assert_eq!(budget(600_000, now), FALLBACK_BUDGET);
        assert_eq!(budget(0, now), FALLBACK_BUDGET);
        assert_eq!(budget(1_767_222_000_000, now), FALLBACK_BUDGET);
        assert_eq!(budget(1_767_222_060_000, now), Duration::from_secs(50));
    }
}
