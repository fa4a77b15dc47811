//! The use-case layer's one error type, mapped once to problem details at the HTTP edge.

use crate::domain::{LoginPath, PostError};
use crate::ports::{MetaError, SealError, StoreError};

/// Why a use case refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request is malformed; `code` is the stable machine code.
    #[error("{detail}")]
    Invalid { code: &'static str, detail: String },
    /// The caller may not do this.
    #[error("{0}")]
    PermissionDenied(String),
    /// No such account in the caller's tenant (another tenant's account, and one the
    /// caller may not view, are "not found" too).
    #[error("no account with this id in your tenant")]
    AccountNotFound,
    /// Something other than an account is not there; `code` is the stable machine code.
    #[error("{detail}")]
    NotFound { code: &'static str, detail: String },
    /// The request contradicts the resource's current state.
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// The OAuth state is missing, unknown, already used or expired.
    #[error("{0}")]
    OAuthStateInvalid(&'static str),
    /// The login path has no Meta app configured.
    #[error("the {} login is not configured on this deployment", .0.as_str())]
    LoginNotConfigured(LoginPath),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error(transparent)]
    Meta(#[from] MetaError),
}

impl From<PostError> for ServiceError {
    fn from(e: PostError) -> Self {
        Self::Invalid {
            code: e.code(),
            detail: e.to_string(),
        }
    }
}

impl ServiceError {
    /// A malformed-request error.
    pub fn invalid(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid {
            code,
            detail: detail.into(),
        }
    }
}
