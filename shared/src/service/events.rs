//! Delivering the outbox: every audit entry that announces an event is delivered once it is
//! stored, by whichever process made it (serve's loop, the end of a CLI pass, a Lambda
//! function) and retried on the next try when the receiver fails, never blocking the change
//! itself.

use super::ServiceError;
use crate::domain::Event;
use crate::ports::{EventSink, Outbox};
use serde::Serialize;

/// What one delivery round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub delivered: usize,
    /// Left in the outbox after the receiver failed; retried on the next round.
    pub failed: usize,
}

/// Delivers undelivered events, oldest first, at most `limit`. Stops at the first failure,
/// so events reach the receiver in order and a receiver that is down is asked once per
/// round, not once per event.
pub async fn deliver_events(
    outbox: &dyn Outbox,
    sink: &dyn EventSink,
    limit: u32,
) -> Result<DeliveryReport, ServiceError> {
    let mut report = DeliveryReport::default();
    let pending = outbox.undelivered(limit).await?;
    let total = pending.len();
    for entry in pending {
        match Event::from_audit(&entry) {
            Some(event) => {
                if let Err(e) = sink.deliver(&event).await {
                    tracing::warn!(event = event.kind, id = %event.id, error = %e, "event not delivered; retrying later");
                    report.failed = total - report.delivered;
                    return Ok(report);
                }
                outbox.mark_delivered(&entry.tenant, &entry.id).await?;
            }
            // Not an announced action (an older entry marked by mistake): take it out.
            None => outbox.mark_delivered(&entry.tenant, &entry.id).await?,
        }
        report.delivered += 1;
    }
    Ok(report)
}
