//! Events as signed webhook deliveries (the local stack's [`EventSink`]): one POST per
//! event, JSON body, signed as Standard Webhooks specifies (`domain::delivery_signature`).

use crate::domain::{Event, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSecrets};
use crate::ports::{DeliveryError, EventSink};
use async_trait::async_trait;
use std::time::Duration;
use url::Url;

/// Posts events to one URL.
pub struct WebhookSink {
    client: reqwest::Client,
    url: Url,
    secrets: WebhookSecrets,
}

impl WebhookSink {
    /// A sink for `url`, signing with each of `secrets`. A receiver gets 5 seconds to answer: a slow
    /// one delays the next delivery, never the change that made the event.
    pub fn new(url: Url, secrets: WebhookSecrets) -> Result<Self, DeliveryError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| DeliveryError(e.to_string()))?;
        Ok(Self {
            client,
            url,
            secrets,
        })
    }
}

#[async_trait]
impl EventSink for WebhookSink {
    async fn deliver(&self, event: &Event) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(event).map_err(|e| DeliveryError(e.to_string()))?;
        let timestamp = chrono::Utc::now().timestamp();
        let id = event.id.to_string();
        let signature = self.secrets.sign(&id, timestamp, &body);
        let answer = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(ID_HEADER, id)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| DeliveryError(e.without_url().to_string()))?;
        if answer.status().is_success() {
            Ok(())
        } else {
            Err(DeliveryError(format!(
                "the receiver answered {}",
                answer.status()
            )))
        }
    }
}

/// No receiver configured: events are written to the log (type, tenant, account; never a
/// token, as events hold none) and count as delivered.
pub struct LogSink;

#[async_trait]
impl EventSink for LogSink {
    async fn deliver(&self, event: &Event) -> Result<(), DeliveryError> {
        tracing::info!(
            event = event.kind,
            id = %event.id,
            tenant = %event.tenant_id,
            account = event.account_id.as_ref().map(|a| a.as_str()).unwrap_or(""),
            "event"
        );
        Ok(())
    }
}
