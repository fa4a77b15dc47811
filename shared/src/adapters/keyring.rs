//! The embedded Sealer: envelope encryption with data keys wrapped by a local master key,
//! kept in a file created with mode 0600 in the data directory on first run.

use super::envelope::{self, DataKey};
use crate::ports::{EncryptionContext, SealError, SealedSecret, Sealer};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// Why the keyring could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("cannot read or create the master key {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the master key {path} is not 32 bytes")]
    Length { path: String },
    #[error("the master key {path} is readable by others (mode {mode:o}); run chmod 600 on it")]
    Permissions { path: String, mode: u32 },
}

/// A Sealer over a local 256-bit master key.
pub struct LocalKeyring {
    master: DataKey,
    key_id: String,
}

impl LocalKeyring {
    /// Opens the master key at `path`, creating it (mode 0600) if it does not exist yet.
    pub fn open_or_create(path: &Path) -> Result<Self, KeyringError> {
        let shown = path.display().to_string();
        let io = |source| KeyringError::Io {
            path: shown.clone(),
            source,
        };
        if !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let key = DataKey::generate();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(path).map_err(io)?;
            file.write_all(key.bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyringError::Permissions { path: shown, mode });
            }
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let master = DataKey::from_slice(&bytes).map_err(|_| KeyringError::Length {
            path: shown.clone(),
        })?;
        Ok(Self::from_master(master))
    }

    /// A keyring over an in-memory master key (tests).
    pub fn from_master(master: DataKey) -> Self {
        let fingerprint = Sha256::digest(master.bytes());
        let key_id = format!(
            "local:{}",
            fingerprint[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        Self { master, key_id }
    }
}

#[async_trait]
impl Sealer for LocalKeyring {
    async fn seal(
        &self,
        secret: &SecretString,
        context: &EncryptionContext,
    ) -> Result<SealedSecret, SealError> {
        let aad = context.aad();
        let data_key = DataKey::generate();
        let (nonce, ciphertext) =
            envelope::encrypt(&data_key, secret.expose_secret().as_bytes(), &aad)?;
        // The wrapped key is the data key's own nonce followed by its ciphertext.
        let (wrap_nonce, wrapped) = envelope::encrypt(&self.master, data_key.bytes(), &aad)?;
        Ok(SealedSecret {
            key_id: self.key_id.clone(),
            wrapped_key: [wrap_nonce, wrapped].concat(),
            nonce,
            ciphertext,
        })
    }

    async fn unseal(
        &self,
        sealed: &SealedSecret,
        context: &EncryptionContext,
    ) -> Result<SecretString, SealError> {
        if sealed.key_id != self.key_id {
            return Err(SealError::Malformed(format!(
                "sealed under {}, this keyring is {}",
                sealed.key_id, self.key_id
            )));
        }
        if sealed.wrapped_key.len() < 12 {
            return Err(SealError::Malformed("wrapped key too short".into()));
        }
        let aad = context.aad();
        let (wrap_nonce, wrapped) = sealed.wrapped_key.split_at(12);
        let key_bytes = envelope::decrypt(&self.master, wrap_nonce, wrapped, &aad)?;
        let data_key = DataKey::from_slice(&key_bytes)?;
        let plain = envelope::decrypt(&data_key, &sealed.nonce, &sealed.ciphertext, &aad)?;
        let text = String::from_utf8(plain).map_err(|_| SealError::Integrity)?;
        Ok(SecretString::from(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_master_key_file_is_created_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/master.key");
        LocalKeyring::open_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(std::fs::read(&path).unwrap().len(), 32);
    }

    #[test]
    fn reopening_uses_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let a = LocalKeyring::open_or_create(&path).unwrap();
        let b = LocalKeyring::open_or_create(&path).unwrap();
        assert_eq!(a.key_id, b.key_id);
    }

    #[cfg(unix)]
    #[test]
    fn a_world_readable_master_key_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        LocalKeyring::open_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            LocalKeyring::open_or_create(&path),
            Err(KeyringError::Permissions { .. })
        ));
    }
}
