//! The `refresh` function: run by an EventBridge schedule, each invocation runs one token
//! refresh pass (stopping before the invocation's deadline; the next continues) and then
//! delivers the outbox: the events this pass made and any another function left behind
//! (put on the EventBridge bus named by `IGC_EVENT_BUS`, or logged when none is set).

use super::publish::{Clients, budget, clients};
use super::{Function, init_failed};
use crate::adapters::eventbridge::EventBridgeSink;
use crate::adapters::webhook::LogSink;
use crate::domain::MetricCatalog;
use crate::ports::{EventSink, SystemClock};
use crate::service::{PassPolicy, RefreshDeps, deliver_events, refresh_once};
use crate::telemetry::{self, LogFormat};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::json;
use std::sync::Arc;
use std::time::SystemTime;

/// Events delivered per invocation at most; the rest wait for the next minute.
const DELIVERY_BATCH: u32 = 500;

/// `refresh`: one pass per scheduled event; answers the pass's report and how many events
/// went out.
pub async fn refresh() -> Result<(), lambda_runtime::Error> {
    telemetry::init(LogFormat::Json);
    let Clients {
        settings,
        aws,
        store,
        sealer,
        graph,
        ..
    } = match clients(Function::Refresh).await {
        Ok(c) => c,
        Err(e) => return Err(init_failed(e).await),
    };
    let sink: Arc<dyn EventSink> = match &settings.event_bus {
        Some(bus) => Arc::new(EventBridgeSink::new(
            aws_sdk_eventbridge::Client::new(&aws),
            bus.clone(),
        )),
        None => Arc::new(LogSink),
    };
    let policy = PassPolicy {
        rules: settings.refresh,
        catalog: MetricCatalog::for_version(&settings.meta.graph_version),
        ..PassPolicy::default()
    };
    let (store, sealer, graph, sink, policy) = (&store, &sealer, &graph, &sink, &policy);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<EventBridgeEvent<serde_json::Value>>| async move {
            tracing::info!(
                event_id = event.payload.id.as_deref().unwrap_or(""),
                detail_type = event.payload.detail_type.as_str(),
                "refresh invoked"
            );
            let deps = RefreshDeps {
                queue: store.as_ref(),
                sealer: sealer.as_ref(),
                meta: graph.as_ref(),
                clock: &SystemClock,
                policy,
                snapshots: true,
            };
            let report =
                refresh_once(deps, budget(event.context.deadline, SystemTime::now())).await?;
            let delivered = deliver_events(store.as_ref(), sink.as_ref(), DELIVERY_BATCH).await?;
            Ok::<_, lambda_runtime::Error>(json!({ "refresh": report, "events": delivered }))
        },
    ))
    .await
}
