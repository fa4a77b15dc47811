//! Meta's response shapes, as they really arrive: ids as strings or as numbers beyond 2^53,
//! Instagram's code exchange wrapped in a `data` array or flat, permissions as a comma
//! separated string or an array, and two error envelopes.

use serde::{Deserialize, Deserializer};

/// An id Meta sends as a string or as a JSON number. Numbers are read as integers (never
/// through `f64`), so ids beyond 2^53 keep every digit.
pub fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Unsigned(u64),
        Signed(i64),
    }
    Ok(match Id::deserialize(d)? {
        Id::Text(s) => s,
        Id::Unsigned(n) => n.to_string(),
        Id::Signed(n) => n.to_string(),
    })
}

fn opt_id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "id_text")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// Scopes as `"a,b"` or `["a","b"]`.
fn scope_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scopes {
        Joined(String),
        List(Vec<String>),
    }
    Ok(match Option::<Scopes>::deserialize(d)? {
        None => Vec::new(),
        Some(Scopes::Joined(s)) => s
            .split(',')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        Some(Scopes::List(v)) => v,
    })
}

/// `{access_token, token_type, expires_in}` from the token endpoints.
#[derive(Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<i64>,
}

/// One grant of Instagram's code exchange.
#[derive(Deserialize)]
pub struct InstagramGrant {
    pub access_token: String,
    #[serde(deserialize_with = "id_text")]
    pub user_id: String,
    #[serde(default, deserialize_with = "scope_list")]
    pub permissions: Vec<String>,
}

/// Instagram's code exchange: `{"data":[grant]}` or the grant itself.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum InstagramCodeResponse {
    Wrapped { data: Vec<InstagramGrant> },
    Flat(InstagramGrant),
}

impl InstagramCodeResponse {
    /// The grant, whichever shape carried it.
    pub fn into_grant(self) -> Option<InstagramGrant> {
        match self {
            Self::Wrapped { data } => data.into_iter().next(),
            Self::Flat(g) => Some(g),
        }
    }
}

/// `/me` on Facebook Graph.
#[derive(Deserialize)]
pub struct FacebookMe {
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// `/me/permissions`.
#[derive(Deserialize)]
pub struct Permissions {
    #[serde(default)]
    pub data: Vec<PermissionRow>,
}

#[derive(Deserialize)]
pub struct PermissionRow {
    pub permission: String,
    pub status: String,
}

/// A page of a Graph listing.
#[derive(Deserialize)]
pub struct Listing<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub next: Option<String>,
}

/// A row of `/me/accounts`.
#[derive(Deserialize)]
pub struct PageRow {
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    pub access_token: String,
    #[serde(default)]
    pub instagram_business_account: Option<IdOnly>,
}

#[derive(Deserialize)]
pub struct IdOnly {
    #[serde(deserialize_with = "id_text")]
    pub id: String,
}

/// Profile fields of an Instagram professional account, from either Graph.
#[derive(Deserialize)]
pub struct ProfileFields {
    #[serde(default, deserialize_with = "opt_id_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "opt_id_text")]
    pub user_id: Option<String>,
    pub username: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub profile_picture_url: Option<String>,
    #[serde(default)]
    pub followers_count: Option<u64>,
    #[serde(default)]
    pub follows_count: Option<u64>,
    #[serde(default)]
    pub media_count: Option<u64>,
    #[serde(default)]
    pub account_type: Option<String>,
    #[serde(default)]
    pub biography: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
}

impl ProfileFields {
    pub fn into_profile(self) -> crate::domain::Profile {
        crate::domain::Profile {
            username: self.username,
            name: self.name,
            profile_picture_url: self.profile_picture_url,
            followers_count: self.followers_count,
            follows_count: self.follows_count,
            media_count: self.media_count,
            account_type: self.account_type,
            biography: self.biography,
            website: self.website,
        }
    }
}

/// Graph's error envelope: `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`.
#[derive(Deserialize)]
pub struct GraphErrorEnvelope {
    pub error: GraphError,
}

#[derive(Deserialize)]
pub struct GraphError {
    #[serde(default)]
    pub message: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub error_subcode: Option<i64>,
    #[serde(default)]
    pub fbtrace_id: Option<String>,
}

/// `api.instagram.com`'s flat error: `{"error_type","code","error_message"}`.
#[derive(Deserialize)]
pub struct InstagramApiError {
    pub error_type: String,
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub error_message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instagram_code_exchange_reads_the_wrapped_shape() {
        let body = r#"{"data":[{"access_token":"tok","user_id":17841400000000001,
            "permissions":"instagram_business_basic,instagram_business_content_publish"}]}"#;
        let grant = serde_json::from_str::<InstagramCodeResponse>(body)
            .unwrap()
            .into_grant()
            .unwrap();
        assert_eq!(grant.user_id, "17841400000000001");
        assert_eq!(
            grant.permissions,
            [
                "instagram_business_basic",
                "instagram_business_content_publish"
            ]
        );
    }

    #[test]
    fn instagram_code_exchange_reads_the_flat_shape() {
        let body = r#"{"access_token":"tok","user_id":"17841400000000002",
            "permissions":["instagram_business_basic"]}"#;
        let grant = serde_json::from_str::<InstagramCodeResponse>(body)
            .unwrap()
            .into_grant()
            .unwrap();
        assert_eq!(grant.user_id, "17841400000000002");
        assert_eq!(grant.permissions, ["instagram_business_basic"]);
    }

    #[test]
    fn ids_beyond_two_to_the_53_keep_every_digit() {
        let me: FacebookMe = serde_json::from_str(r#"{"id":90071992547409931}"#).unwrap();
        assert_eq!(me.id, "90071992547409931");
    }

    #[test]
    fn the_graph_error_envelope_is_read() {
        let body = r#"{"error":{"message":"Invalid OAuth access token.","type":"OAuthException",
            "code":190,"error_subcode":463,"fbtrace_id":"AbC"}}"#;
        let e: GraphErrorEnvelope = serde_json::from_str(body).unwrap();
        assert_eq!((e.error.code, e.error.error_subcode), (190, Some(463)));
        assert_eq!(e.error.fbtrace_id.as_deref(), Some("AbC"));
    }
}
