//! The data layer of envelope encryption, shared by every Sealer: AES-256-GCM under a fresh
//! 256-bit data key per secret, with the encryption context as associated data. Only how
//! the data key is wrapped differs between adapters.

use crate::ports::SealError;
use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload, rand_core::RngCore};
use aes_gcm::{Aes256Gcm, Key, Nonce};

/// A 256-bit key, wiped from memory when dropped.
pub struct DataKey(Box<[u8; 32]>);

impl DataKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut key = Box::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut_slice());
        Self(key)
    }

    /// Takes a key handed over by a key service; refuses anything but 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, SealError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| SealError::Malformed("data key is not 256 bits".into()))?;
        Ok(Self(Box::new(arr)))
    }

    /// The raw key, for wrapping.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        // Best effort: volatile writes so the compiler keeps the wipe.
        for b in self.0.iter_mut() {
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

/// Encrypts `plaintext` under `key` with `aad`; returns (nonce, ciphertext).
pub fn encrypt(
    key: &DataKey,
    plaintext: &[u8],
    aad: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), SealError> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.bytes()));
    let mut nonce = [0u8; 12];
    OsRng.fill_bytes(&mut nonce);
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| SealError::Malformed("encryption failed".into()))?;
    Ok((nonce.to_vec(), ciphertext))
}

/// Decrypts what [`encrypt`] produced; any change to key, nonce, ciphertext or `aad` fails.
pub fn decrypt(
    key: &DataKey,
    nonce: &[u8],
    ciphertext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, SealError> {
    if nonce.len() != 12 {
        return Err(SealError::Malformed("nonce is not 96 bits".into()));
    }
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.bytes()));
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| SealError::Integrity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_context_does_not_decrypt() {
        let key = DataKey::generate();
        let (nonce, ct) = encrypt(&key, b"secret", b"tenant=a").unwrap();
        assert_eq!(decrypt(&key, &nonce, &ct, b"tenant=a").unwrap(), b"secret");
        assert!(matches!(
            decrypt(&key, &nonce, &ct, b"tenant=b"),
            Err(SealError::Integrity)
        ));
    }
}
