//! Where outgoing events go: a signed webhook locally, an EventBridge bus on AWS.

use crate::domain::Event;
use async_trait::async_trait;

/// Why a delivery failed. Messages name the endpoint's answer, never the signing secret.
#[derive(Debug, thiserror::Error)]
#[error("event delivery failed: {0}")]
pub struct DeliveryError(pub String);

/// Delivers events, at least once: a receiver deduplicates on the event id.
#[async_trait]
pub trait EventSink: Send + Sync {
    /// Delivers `event`; an error leaves it in the outbox for the next try.
    async fn deliver(&self, event: &Event) -> Result<(), DeliveryError>;
}
