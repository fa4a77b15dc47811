//! Events on an EventBridge bus (the AWS [`EventSink`]): `Source` is `igconnect`,
//! `DetailType` the event type (`account.needs_reauth`...), `Detail` the event as JSON, so
//! rules can route on type and tenant.

use crate::domain::Event;
use crate::ports::{DeliveryError, EventSink};
use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

/// The `Source` of every event igconnect puts.
pub const SOURCE: &str = "igconnect";

/// Puts events on one bus.
pub struct EventBridgeSink {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBridgeSink {
    pub fn new(client: aws_sdk_eventbridge::Client, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }
}

#[async_trait]
impl EventSink for EventBridgeSink {
    async fn deliver(&self, event: &Event) -> Result<(), DeliveryError> {
        let detail = serde_json::to_string(event).map_err(|e| DeliveryError(e.to_string()))?;
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(SOURCE)
            .detail_type(event.kind)
            .detail(detail)
            .time(aws_sdk_eventbridge::primitives::DateTime::from_millis(
                event.at.timestamp_millis(),
            ))
            .build();
        let out = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| {
                DeliveryError(aws_sdk_eventbridge::error::DisplayErrorContext(e).to_string())
            })?;
        // PutEvents answers 200 with per-entry failures.
        if out.failed_entry_count() > 0 {
            let why = out
                .entries()
                .iter()
                .filter_map(|e| e.error_code())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(DeliveryError(format!(
                "EventBridge refused the event: {why}"
            )));
        }
        Ok(())
    }
}
