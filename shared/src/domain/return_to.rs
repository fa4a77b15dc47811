//! Where the browser goes after a login. An open redirect here would let anyone bounce a
//! user through igconnect to a site of their choosing, so only configured origins pass.

use serde::{Deserialize, Serialize};
use url::Url;

/// Why a `return_to` was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReturnToError {
    #[error("return_to is not an absolute http(s) URL")]
    NotAUrl,
    #[error("return_to is longer than 2048 characters")]
    TooLong,
    #[error("return_to may not carry credentials")]
    Credentials,
    #[error("the origin of return_to is not allowed")]
    OriginNotAllowed,
}

/// The origins `return_to` may point at (scheme, host and port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<url::Origin>);

impl AllowedOrigins {
    /// Parses a comma separated list such as `https://app.example.com,http://localhost:3000`.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut origins = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let url = Url::parse(item).map_err(|e| format!("{item}: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(format!("{item}: only http and https origins are allowed"));
            }
            origins.push(url.origin());
        }
        if origins.is_empty() {
            return Err("no origin given".into());
        }
        Ok(Self(origins))
    }

    /// Whether the URL's origin is one of the allowed ones.
    pub fn allows(&self, url: &Url) -> bool {
        let origin = url.origin();
        self.0.contains(&origin)
    }
}

/// A validated `return_to`: absolute, http(s), credential-free and of an allowed origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReturnTo(Url);

impl ReturnTo {
    /// Parses and checks an untrusted `return_to`.
    pub fn parse(s: &str, allowed: &AllowedOrigins) -> Result<Self, ReturnToError> {
        if s.len() > 2048 {
            return Err(ReturnToError::TooLong);
        }
        let url = Url::parse(s).map_err(|_| ReturnToError::NotAUrl)?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(ReturnToError::NotAUrl);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ReturnToError::Credentials);
        }
        if !allowed.allows(&url) {
            return Err(ReturnToError::OriginNotAllowed);
        }
        Ok(Self(url))
    }

    /// Rebuilds a `return_to` that was validated before it was stored.
    pub fn from_stored(url: Url) -> Self {
        Self(url)
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The URL with the login's outcome appended to its query, keeping what it already had.
    pub fn with_outcome(&self, pairs: &[(&str, &str)]) -> Url {
        let mut url = self.0.clone();
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in pairs {
                q.append_pair(k, v);
            }
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> AllowedOrigins {
        AllowedOrigins::parse("https://app.example.com, http://localhost:3000").unwrap()
    }

    #[test]
    fn a_url_of_an_allowed_origin_passes() {
        let r = ReturnTo::parse("https://app.example.com/settings?tab=ig", &allowed()).unwrap();
        let done = r.with_outcome(&[("ig_connect", "success")]);
        assert_eq!(
            done.as_str(),
            "https://app.example.com/settings?tab=ig&ig_connect=success"
        );
    }

    #[test]
    fn a_lookalike_host_is_refused() {
        for bad in [
            "https://app.example.com.evil.test/",
            "https://evil.test/?https://app.example.com",
            "http://app.example.com/",
            "http://localhost:3001/",
        ] {
            assert_eq!(
                ReturnTo::parse(bad, &allowed()),
                Err(ReturnToError::OriginNotAllowed),
                "{bad}"
            );
        }
    }

    #[test]
    fn scripts_and_credentials_are_refused() {
        assert_eq!(
            ReturnTo::parse("javascript:alert(1)", &allowed()),
            Err(ReturnToError::NotAUrl)
        );
        assert_eq!(
            ReturnTo::parse("https://u:p@app.example.com/", &allowed()),
            Err(ReturnToError::Credentials)
        );
    }
}
