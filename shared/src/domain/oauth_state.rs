//! The OAuth `state`: a single-use, short-lived ticket that binds a login to the user who
//! started it.

use super::{LoginPath, OwnerKind, ReturnTo, TenantId, UserId};
use aes_gcm::aead::{OsRng, rand_core::RngCore};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// How long a login may take from initiate to callback.
pub const STATE_TTL: TimeDelta = TimeDelta::minutes(10);

/// The `state` value sent to Meta: 256 random bits. It is a bearer credential for the
/// callback, so it is a secret and only its hash is stored.
pub struct StateToken(SecretString);

impl StateToken {
    /// A fresh random state.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(SecretString::from(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Wraps a state received on the callback.
    pub fn from_callback(s: &str) -> Self {
        Self(SecretString::from(s.to_owned()))
    }

    /// The value to put in the authorization URL.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The storage key: a hash, so a leaked table cannot be replayed against the callback.
    pub fn key(&self) -> StateKey {
        let digest = Sha256::digest(self.0.expose_secret().as_bytes());
        StateKey(URL_SAFE_NO_PAD.encode(digest))
    }
}

/// The hash of a state token, under which the state is stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StateKey(String);

impl StateKey {
    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Rebuilds a key read back from storage.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }
}

/// What a pending login is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthState {
    pub key: StateKey,
    pub tenant: TenantId,
    pub user: UserId,
    pub login: LoginPath,
    pub owner: OwnerKind,
    pub return_to: ReturnTo,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl OAuthState {
    /// Whether the login may still complete at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_carry_at_least_128_random_bits_and_differ() {
        let a = StateToken::generate();
        let b = StateToken::generate();
        assert!(a.expose().len() >= 22, "128 bits need 22 base64 characters");
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn the_stored_key_is_not_the_state_itself() {
        let s = StateToken::generate();
        assert_ne!(s.key().as_str(), s.expose());
        assert_eq!(StateToken::from_callback(s.expose()).key(), s.key());
    }
}
