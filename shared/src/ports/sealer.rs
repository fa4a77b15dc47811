//! Envelope encryption of secrets, bound to where the secret belongs.

use crate::domain::{IgUserId, TenantId};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a secret is for; part of the encryption context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The token igconnect calls Meta with on an account's behalf.
    AccessToken,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
        }
    }
}

/// Where a secret belongs. It is authenticated on both envelope layers (as AES-GCM
/// associated data, and as the KMS encryption context), so a ciphertext copied to another
/// tenant's or account's record does not decrypt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionContext {
    pub tenant: TenantId,
    pub ig_user_id: IgUserId,
    pub purpose: Purpose,
}

impl EncryptionContext {
    /// The context of an account's access token.
    pub fn access_token(tenant: &TenantId, ig_user_id: &IgUserId) -> Self {
        Self {
            tenant: tenant.clone(),
            ig_user_id: ig_user_id.clone(),
            purpose: Purpose::AccessToken,
        }
    }

    /// The context as key/value pairs, the shape KMS takes.
    pub fn pairs(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("tenant", self.tenant.to_string()),
            ("ig_user_id", self.ig_user_id.to_string()),
            ("purpose", self.purpose.as_str().to_owned()),
        ])
    }

    /// A canonical byte encoding for AES-GCM associated data. Ids cannot hold `\n` or `=`,
    /// so distinct contexts always encode differently.
    pub fn aad(&self) -> Vec<u8> {
        let mut out = String::from("igconnect/v1");
        for (k, v) in self.pairs() {
            out.push('\n');
            out.push_str(k);
            out.push('=');
            out.push_str(&v);
        }
        out.into_bytes()
    }
}

/// A sealed secret: the data key wrapped by the key-encryption key, and the secret
/// encrypted under the data key. Nothing in it is sensitive on its own.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSecret {
    /// Which key-encryption key wrapped the data key (a KMS key ARN, or `local:<fingerprint>`).
    pub key_id: String,
    #[serde(with = "b64")]
    pub wrapped_key: Vec<u8>,
    #[serde(with = "b64")]
    pub nonce: Vec<u8>,
    #[serde(with = "b64")]
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedSecret")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl SealedSecret {
    /// The storage encoding (versioned JSON), one text attribute or column.
    pub fn encode(&self) -> String {
        serde_json::json!({ "v": 1, "sealed": self }).to_string()
    }

    /// Parses the storage encoding.
    pub fn decode(s: &str) -> Result<Self, SealError> {
        #[derive(Deserialize)]
        struct Stored {
            v: u8,
            sealed: SealedSecret,
        }
        let stored: Stored =
            serde_json::from_str(s).map_err(|e| SealError::Malformed(e.to_string()))?;
        if stored.v != 1 {
            return Err(SealError::Malformed(format!(
                "unknown version {}",
                stored.v
            )));
        }
        Ok(stored.sealed)
    }
}

mod b64 {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

/// Why sealing or unsealing failed. Never carries the secret or key material.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key service could not be reached or refused the request.
    #[error("key service unavailable: {0}")]
    Unavailable(String),
    /// The ciphertext does not open under this context: tampered, or moved from elsewhere.
    #[error("sealed secret does not open under this encryption context")]
    Integrity,
    /// The stored envelope is not one this version can read.
    #[error("sealed secret is malformed: {0}")]
    Malformed(String),
}

/// Seals and unseals secrets with envelope encryption.
#[async_trait]
pub trait Sealer: Send + Sync {
    /// Encrypts under a fresh data key bound to `context`.
    async fn seal(
        &self,
        secret: &SecretString,
        context: &EncryptionContext,
    ) -> Result<SealedSecret, SealError>;

    /// Decrypts; fails with [`SealError::Integrity`] under any other context.
    async fn unseal(
        &self,
        sealed: &SealedSecret,
        context: &EncryptionContext,
    ) -> Result<SecretString, SealError>;
}
