//! Request parameters, read from a query string or a urlencoded form body with
//! `url::form_urlencoded` (already a dependency): the consent form repeats fields
//! (`scopes=a&scopes=b`), which serde's flat maps would drop, and parsing by hand means a
//! malformed request gets Meta's error shape instead of an extractor's rejection.

use axum::http::{HeaderMap, header};

/// Every name/value pair of a request, in order.
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Parses `a=1&b=2` (a query string or a form body); absent input is no parameters.
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|r| {
                url::form_urlencoded::parse(r.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self(pairs)
    }

    /// The first non-empty value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// A JSON object body as parameters, as Graph accepts one in place of a form: strings
    /// as they are, every other value as its JSON text (`children` as `["1","2"]`,
    /// `user_tags` as the array Meta expects). Anything but an object is no parameters.
    pub fn from_json(raw: &str) -> Self {
        let pairs = match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(serde_json::Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => (k, s),
                    other => (k, other.to_string()),
                })
                .collect(),
            _ => Vec::new(),
        };
        Self(pairs)
    }

    /// Appends `other`'s pairs after these (the query string wins for [`Params::get`]).
    pub fn extend(&mut self, other: Params) {
        self.0.extend(other.0);
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// The access token of a Graph call: the `access_token` parameter (what igconnect's client
/// sends) or an `Authorization: Bearer` header, as Meta accepts both.
pub(crate) fn access_token(params: &Params, headers: &HeaderMap) -> Option<String> {
    if let Some(t) = params.get("access_token") {
        return Some(t.to_owned());
    }
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| token.to_owned())
        .filter(|t| !t.is_empty())
}

/// A comma (or space) separated list, as Meta's `scope` and `fields` parameters are.
pub(crate) fn list(raw: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in raw
        .unwrap_or_default()
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !out.iter().any(|o| o == item) {
            out.push(item.to_owned());
        }
    }
    out
}

/// A Graph request made with a live token: its parameters and the token's record. The
/// Graph handlers all start this way, so the lookup (and its 104 / 190 errors) lives here.
pub(crate) struct Authorized {
    pub params: Params,
    /// The token as presented (paging links repeat it, as Meta's do).
    pub token: String,
    pub record: super::state::TokenRecord,
}

impl axum::extract::FromRequestParts<super::Sandbox> for Authorized {
    type Rejection = super::errors::GraphError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        sandbox: &super::Sandbox,
    ) -> Result<Self, Self::Rejection> {
        let params = Params::parse(parts.uri.query());
        let token = access_token(&params, &parts.headers);
        let record = sandbox.live_token(token.as_deref())?;
        let token = token.unwrap_or_default();
        Ok(Self {
            params,
            token,
            record,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn repeated_form_fields_are_all_kept() {
        let p = Params::parse(Some("scopes=a&scopes=b&request=r"));
        assert_eq!(p.all("scopes"), ["a", "b"]);
        assert_eq!(p.get("request"), Some("r"));
    }

    #[test]
    fn empty_values_count_as_absent() {
        assert_eq!(Params::parse(Some("code=")).get("code"), None);
        assert_eq!(Params::parse(None).get("code"), None);
    }

    #[test]
    fn a_bearer_header_carries_the_token_when_the_query_does_not() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(
            access_token(&Params::parse(None), &h).as_deref(),
            Some("abc")
        );
        let q = Params::parse(Some("access_token=q"));
        assert_eq!(access_token(&q, &h).as_deref(), Some("q"));
    }

    #[test]
    fn a_json_body_reads_like_a_form() {
        let mut p = Params::parse(Some("access_token=t"));
        p.extend(Params::from_json(
            r#"{"image_url":"https://x/a.jpg","children":["1","2"],"share_to_feed":true}"#,
        ));
        assert_eq!(p.get("access_token"), Some("t"));
        assert_eq!(p.get("image_url"), Some("https://x/a.jpg"));
        assert_eq!(p.get("children"), Some(r#"["1","2"]"#));
        assert_eq!(p.get("share_to_feed"), Some("true"));
        assert!(Params::from_json("[1]").get("0").is_none());
    }

    #[test]
    fn lists_split_on_commas_and_drop_duplicates() {
        assert_eq!(list(Some("id, name,,id")), ["id", "name"]);
        assert!(list(None).is_empty());
    }
}
