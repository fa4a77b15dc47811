//! Uploaded media: files a tenant's people upload so posts can name them by id instead of by
//! a public URL. A file is declared first ([`UploadRequest::parse`]), uploaded straight to
//! storage, then checked and converted by its content ([`content`]) into what Instagram
//! accepts; only a `ready` medium can be published, and Meta fetches the converted file, never
//! the upload.

pub mod content;
mod record;
mod upload;

pub use record::{Found, Media, MediaStatus, Rejection, Rendition, upload_key_owner};
pub use upload::{
    DeclaredType, MediaLimits, MediaTarget, Refusal, UploadFit, UploadRequest, UploadSpec,
};
