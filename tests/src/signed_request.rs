//! Meta's `signed_request` (deauthorize and data-deletion callbacks), built as Meta builds
//! it, so tests can call those routes as Meta would.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// HMAC-SHA256 of `message` under `secret`.
pub fn hmac(secret: &str, message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// A `signed_request` as Meta builds it: `<base64url HMAC of the encoded payload>.<base64url
/// payload>`.
pub fn sign(secret: &str, payload: &Value) -> String {
    let encoded = URL_SAFE_NO_PAD.encode(payload.to_string());
    let signature = URL_SAFE_NO_PAD.encode(hmac(secret, encoded.as_bytes()));
    format!("{signature}.{encoded}")
}

/// The payload Meta signs for `user_id`, issued at `issued_at`.
pub fn payload(user_id: &str, issued_at: chrono::DateTime<Utc>) -> Value {
    json!({"algorithm": "HMAC-SHA256", "issued_at": issued_at.timestamp(), "user_id": user_id})
}

/// A fresh, valid `signed_request` for `user_id`.
pub fn signed_request(secret: &str, user_id: &str) -> String {
    sign(secret, &payload(user_id, Utc::now()))
}

impl crate::Server {
    /// POSTs `signed_request` form-encoded to one of Meta's callbacks: the status and the
    /// body.
    pub async fn call_back(&self, path: &str, signed_request: Option<&str>) -> (u16, Value) {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        if let Some(raw) = signed_request {
            form.append_pair("signed_request", raw);
        }
        let res = self
            .http
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.finish())
            .send()
            .await
            .expect("the server answers");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}
