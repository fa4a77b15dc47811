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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::envelope::DataKey;
    use crate::adapters::keyring::LocalKeyring;
    use crate::adapters::sqlite::SqliteStore;
    use crate::domain::{
        Connection, IgUserId, LoginPath, MetaGrantor, Owner, PageRequest, Profile, TenantId, UserId,
    };
    use crate::ports::{AccountWriter, AuditLog, DeliveryError, EncryptionContext, Sealer};
    use async_trait::async_trait;
    use chrono::Utc;
    use secrecy::SecretString;
    use std::sync::Mutex;

    /// A receiver that fails while `down` and records what it got.
    #[derive(Default)]
    struct Receiver {
        down: Mutex<bool>,
        got: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl EventSink for Receiver {
        async fn deliver(&self, event: &Event) -> Result<(), DeliveryError> {
            if *self.down.lock().unwrap() {
                return Err(DeliveryError("503".into()));
            }
            self.got.lock().unwrap().push(event.id.to_string());
            Ok(())
        }
    }

    /// Connects `n` accounts: each login writes an announced `account.connected` entry.
    async fn entries(store: &SqliteStore, n: usize) -> Vec<String> {
        let sealer = LocalKeyring::from_master(DataKey::generate());
        let mut ids = Vec::new();
        for i in 0..n {
            let tenant = TenantId::parse("acme").unwrap();
            let ig_user_id = IgUserId::parse(format!("1784{i}")).unwrap();
            let context = EncryptionContext::access_token(&tenant, &ig_user_id);
            let sealed = sealer
                .seal(&SecretString::from("t".to_owned()), &context)
                .await
                .unwrap();
            let connection = Connection {
                tenant,
                ig_user_id,
                login: LoginPath::Instagram,
                owner: Owner::Company,
                profile: Profile::default(),
                grantor: MetaGrantor {
                    meta_user_id: format!("m{i}"),
                    page_id: None,
                    scopes: None,
                },
                token_expires_at: None,
                connected_by: UserId::parse("alice").unwrap(),
                at: Utc::now(),
            };
            let account = store.save_connection(&connection, &sealed).await.unwrap();
            let trail = store
                .list_audit(&account.tenant, &PageRequest::parse(Some(1), None).unwrap())
                .await
                .unwrap();
            ids.push(trail.items[0].id.to_string());
        }
        ids
    }

    #[tokio::test]
    async fn a_failing_receiver_keeps_events_in_the_outbox_until_it_is_back_in_order() {
        let store = SqliteStore::in_memory().unwrap();
        let ids = entries(&store, 3).await;
        let receiver = Receiver::default();
        *receiver.down.lock().unwrap() = true;
        let report = deliver_events(&store, &receiver, 100).await.unwrap();
        assert_eq!(
            report,
            DeliveryReport {
                delivered: 0,
                failed: 3
            }
        );
        assert_eq!(
            store.undelivered(100).await.unwrap().len(),
            3,
            "nothing lost"
        );

        *receiver.down.lock().unwrap() = false;
        let report = deliver_events(&store, &receiver, 100).await.unwrap();
        assert_eq!(
            report,
            DeliveryReport {
                delivered: 3,
                failed: 0
            }
        );
        assert_eq!(*receiver.got.lock().unwrap(), ids, "oldest first");
        let again = deliver_events(&store, &receiver, 100).await.unwrap();
        assert_eq!(again.delivered, 0, "each event is delivered once");
    }
}
