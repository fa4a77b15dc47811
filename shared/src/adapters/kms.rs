//! The production Sealer: envelope encryption with data keys from AWS KMS.
//!
//! Each secret gets its own data key from `GenerateDataKey`; the secret is encrypted
//! locally (AES-256-GCM, [`envelope`]) and only the KMS-wrapped data key is kept. The
//! encryption context is bound on both layers: KMS refuses to unwrap the data key under
//! another context, and AES-GCM refuses to open the secret under other associated data.
//! Only the functions that must use a token are granted `kms:Decrypt`.

use super::envelope::{self, DataKey};
use crate::ports::{EncryptionContext, SealError, SealedSecret, Sealer};
use async_trait::async_trait;
use aws_sdk_kms::Client;
use aws_sdk_kms::error::{DisplayErrorContext, SdkError};
use aws_sdk_kms::operation::decrypt::DecryptError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;

/// A Sealer whose data keys are generated and wrapped by one KMS key.
#[derive(Clone, Debug)]
pub struct KmsSealer {
    client: Client,
    key_id: String,
}

impl KmsSealer {
    /// A sealer over the KMS key `key_id` (key id, ARN or alias). The client is built once at
    /// start and shared by every request.
    pub fn new(client: Client, key_id: impl Into<String>) -> Self {
        Self {
            client,
            key_id: key_id.into(),
        }
    }
}

fn kms_context(context: &EncryptionContext) -> HashMap<String, String> {
    context
        .pairs()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

/// Takes a plaintext data key out of a KMS answer and wipes the buffer it came in. Copies
/// inside the SDK's response handling are beyond reach; this is the one we own.
fn take_data_key(blob: Option<Blob>) -> Result<DataKey, SealError> {
    let mut bytes = blob
        .ok_or_else(|| SealError::Unavailable("KMS returned no plaintext data key".into()))?
        .into_inner();
    let key = DataKey::from_slice(&bytes);
    bytes.fill(0);
    // Keeps the wipe from being optimised away as a store to memory about to be freed.
    std::hint::black_box(&mut bytes);
    key
}

fn unavailable<E, R>(e: SdkError<E, R>) -> SealError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    SealError::Unavailable(DisplayErrorContext(&e).to_string())
}

#[async_trait]
impl Sealer for KmsSealer {
    async fn seal(
        &self,
        secret: &SecretString,
        context: &EncryptionContext,
    ) -> Result<SealedSecret, SealError> {
        let out = self
            .client
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256)
            .set_encryption_context(Some(kms_context(context)))
            .send()
            .await
            .map_err(unavailable)?;
        // The ARN KMS reports, not the alias we asked with: unwrapping must name the key
        // that wrapped, even after the alias moves to another key.
        let key_id = out
            .key_id
            .ok_or_else(|| SealError::Unavailable("KMS returned no key id".into()))?;
        let wrapped_key = out
            .ciphertext_blob
            .ok_or_else(|| SealError::Unavailable("KMS returned no wrapped data key".into()))?
            .into_inner();
        let data_key = take_data_key(out.plaintext)?;
        let (nonce, ciphertext) =
            envelope::encrypt(&data_key, secret.expose_secret().as_bytes(), &context.aad())?;
        Ok(SealedSecret {
            key_id,
            wrapped_key,
            nonce,
            ciphertext,
        })
    }

    async fn unseal(
        &self,
        sealed: &SealedSecret,
        context: &EncryptionContext,
    ) -> Result<SecretString, SealError> {
        let out = self
            .client
            .decrypt()
            .key_id(&sealed.key_id)
            .ciphertext_blob(Blob::new(sealed.wrapped_key.clone()))
            .set_encryption_context(Some(kms_context(context)))
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                // Another context, or a changed blob: the same verdict as a local failure.
                Some(
                    DecryptError::InvalidCiphertextException(_)
                    | DecryptError::IncorrectKeyException(_),
                ) => SealError::Integrity,
                _ => unavailable(e),
            })?;
        let data_key = take_data_key(out.plaintext)?;
        let plain =
            envelope::decrypt(&data_key, &sealed.nonce, &sealed.ciphertext, &context.aad())?;
        let text = String::from_utf8(plain).map_err(|_| SealError::Integrity)?;
        Ok(SecretString::from(text))
    }
}
