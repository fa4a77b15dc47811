//! How outgoing webhook deliveries are signed: the Standard Webhooks specification
//! (standardwebhooks.com), so a receiver verifies them with an off-the-shelf library in its
//! own language instead of code copied from our docs.
//!
//! A delivery carries `webhook-id` (the event id, also what receivers deduplicate on),
//! `webhook-timestamp` (Unix seconds) and `webhook-signature`: space-separated `v1,<base64
//! HMAC-SHA256>` of `<id>.<timestamp>.<raw body>`, one per secret. Secrets are written as the
//! spec writes them, `whsec_` and the base64 of 24 to 64 random bytes. Two secrets may be set
//! while one replaces the other: every delivery is signed with both, so each receiver can
//! move to the new one in its own time and no delivery fails verification in between.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

/// The header holding the event id.
pub const ID_HEADER: &str = "webhook-id";
/// The header holding the delivery's Unix timestamp.
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The header holding `v1,<base64>` per secret, space-separated.
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// How far a receiver lets a delivery's timestamp be from its own clock (the spec's
/// libraries use the same five minutes), so a captured delivery cannot be replayed later.
pub const MAX_SKEW_SECONDS: i64 = 300;
/// At most this many secrets at once: the one in use and the one replacing it.
pub const MAX_WEBHOOK_SECRETS: usize = 2;

const PREFIX: &str = "whsec_";
const MIN_KEY_BYTES: usize = 24;
const MAX_KEY_BYTES: usize = 64;

/// Why a webhook secret setting was refused. Never holds the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookSecretError {
    #[error("no secret is set")]
    Empty,
    #[error(
        "secret {position} does not start with whsec_ (Standard Webhooks secrets are whsec_ and \
         base64; make one with: echo whsec_$(openssl rand -base64 32))"
    )]
    NoPrefix { position: usize },
    #[error("secret {position} is not base64 after whsec_")]
    NotBase64 { position: usize },
    #[error("secret {position} is {bytes} bytes; Standard Webhooks secrets are 24 to 64 bytes")]
    Length { position: usize, bytes: usize },
    #[error(
        "{count} secrets are set; at most {MAX_WEBHOOK_SECRETS} (the current one and the one replacing it)"
    )]
    TooMany { count: usize },
}

/// One signing key, decoded from its `whsec_` form.
#[derive(Clone)]
pub struct WebhookSecret(SecretSlice<u8>);

impl WebhookSecret {
    fn parse(raw: &str, position: usize) -> Result<Self, WebhookSecretError> {
        let encoded = raw
            .strip_prefix(PREFIX)
            .ok_or(WebhookSecretError::NoPrefix { position })?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| WebhookSecretError::NotBase64 { position })?;
        if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
            return Err(WebhookSecretError::Length {
                position,
                bytes: key.len(),
            });
        }
        Ok(Self(key.into()))
    }

    /// The MAC of a delivery, ready to finish or verify.
    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length, and this one is 24 to 64 bytes.
        let mut mac =
            <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(self.0.expose_secret())
                .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// What a receiver holding this one secret does: true when one of the signatures in
    /// `signature` (the header's value) is this secret's for the delivery, compared in constant
    /// time, and `timestamp` is within [`MAX_SKEW_SECONDS`] of `now`.
    pub fn verify(
        &self,
        id: &str,
        timestamp: i64,
        body: &[u8],
        signature: &str,
        now: DateTime<Utc>,
    ) -> bool {
        if (now.timestamp() - timestamp).abs() > MAX_SKEW_SECONDS {
            return false;
        }
        signature
            .split(' ')
            .filter_map(|one| one.strip_prefix("v1,"))
            .filter_map(|b64| STANDARD.decode(b64).ok())
            .any(|given| self.mac(id, timestamp, body).verify_slice(&given).is_ok())
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(redacted)")
    }
}

impl std::str::FromStr for WebhookSecret {
    type Err = WebhookSecretError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw.trim(), 1)
    }
}

/// The secrets deliveries are signed with: one, or two during a rotation.
#[derive(Clone, Debug)]
pub struct WebhookSecrets(Vec<WebhookSecret>);

impl WebhookSecrets {
    /// Parses a setting: one `whsec_` secret, or two separated by a space or a comma (the
    /// new one and the old one, in either order).
    pub fn parse(raw: &str) -> Result<Self, WebhookSecretError> {
        let parts: Vec<&str> = raw
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            return Err(WebhookSecretError::Empty);
        }
        if parts.len() > MAX_WEBHOOK_SECRETS {
            return Err(WebhookSecretError::TooMany { count: parts.len() });
        }
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| WebhookSecret::parse(p, i + 1))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// The `webhook-signature` value of a delivery of `body` as event `id` at Unix time
    /// `timestamp`: one `v1,<base64>` per secret.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        self.0
            .iter()
            .map(|secret| {
                let tag = secret.mac(id, timestamp, body).finalize().into_bytes();
                format!("v1,{}", STANDARD.encode(tag))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// How many secrets sign each delivery.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: parsing refuses an empty setting. Here for clippy's `len` rule.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test keys only: 32 bytes of 0x01, and of 0x02.
    const ONE: &str = "whsec_AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    const TWO: &str = "whsec_AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn a_signed_delivery_verifies_and_a_changed_one_does_not() {
        let secrets = WebhookSecrets::parse(ONE).unwrap();
        let one: WebhookSecret = ONE.parse().unwrap();
        let two: WebhookSecret = TWO.parse().unwrap();
        let (id, ts, body) = ("evt_1", now().timestamp(), br#"{"type":"post.published"}"#);
        let sig = secrets.sign(id, ts, body);
        assert!(sig.starts_with("v1,"), "{sig}");
        assert!(one.verify(id, ts, body, &sig, now()));
        assert!(!two.verify(id, ts, body, &sig, now()), "another secret");
        assert!(!one.verify(id, ts, b"{}", &sig, now()), "another body");
        assert!(!one.verify("evt_2", ts, body, &sig, now()), "another id");
        assert!(!one.verify(id, ts + 1, body, &sig, now()), "another time");
        assert!(!one.verify(id, ts, body, "v1,zz", now()));
        assert!(!one.verify(id, ts, body, &sig.replace("v1,", "v2,"), now()));
    }

    #[test]
    fn the_signature_is_the_specs_hmac_of_id_timestamp_and_body() {
        // Recomputed by hand from the spec's definition, not by the code under test.
        let key = [1u8; 32];
        let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(&key).unwrap();
        mac.update(b"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}");
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        let secrets = WebhookSecrets::parse(ONE).unwrap();
        assert_eq!(
            secrets.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                b"{\"test\": 2432232314}"
            ),
            expected
        );
    }

    #[test]
    fn during_a_rotation_both_secrets_sign_and_either_verifies() {
        let both = WebhookSecrets::parse(&format!("{TWO}, {ONE}")).unwrap();
        assert_eq!(both.len(), 2);
        let sig = both.sign("evt_1", now().timestamp(), b"{}");
        assert_eq!(sig.split(' ').count(), 2, "{sig}");
        for one in [ONE, TWO] {
            let secret: WebhookSecret = one.parse().unwrap();
            assert!(secret.verify("evt_1", now().timestamp(), b"{}", &sig, now()));
        }
    }

    #[test]
    fn an_old_or_future_delivery_is_refused_as_a_replay() {
        let secrets = WebhookSecrets::parse(ONE).unwrap();
        let one: WebhookSecret = ONE.parse().unwrap();
        for ts in [
            now().timestamp() - MAX_SKEW_SECONDS - 1,
            now().timestamp() + MAX_SKEW_SECONDS + 1,
        ] {
            let sig = secrets.sign("evt_1", ts, b"{}");
            assert!(!one.verify("evt_1", ts, b"{}", &sig, now()));
        }
    }

    #[test]
    fn settings_that_are_not_standard_secrets_are_refused_with_a_reason() {
        assert_eq!(
            WebhookSecrets::parse(" ").unwrap_err(),
            WebhookSecretError::Empty
        );
        assert_eq!(
            WebhookSecrets::parse("hunter2-hunter2").unwrap_err(),
            WebhookSecretError::NoPrefix { position: 1 }
        );
        assert_eq!(
            WebhookSecrets::parse(&format!("{ONE} whsec_***")).unwrap_err(),
            WebhookSecretError::NotBase64 { position: 2 }
        );
        assert_eq!(
            WebhookSecrets::parse("whsec_AQID").unwrap_err(),
            WebhookSecretError::Length {
                position: 1,
                bytes: 3
            }
        );
        assert_eq!(
            WebhookSecrets::parse(&format!("{ONE} {TWO} {ONE}")).unwrap_err(),
            WebhookSecretError::TooMany { count: 3 }
        );
        let message = WebhookSecrets::parse("hunter2-hunter2")
            .unwrap_err()
            .to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert!(!format!("{:?}", WebhookSecrets::parse(ONE).unwrap()).contains("AQEB"));
    }
}
