//! The three ways the sandbox says no, each in the shape the real Meta endpoint uses: Graph's
//! error envelope, api.instagram.com's flat error, and an HTML page for the dialogs (a person
//! reads those). No message ever echoes a token, code or secret.

use super::random_text;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use std::borrow::Cow;

/// Graph's `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`, with the
/// `is_transient` / `error_user_title` / `error_user_msg` members and the extra headers that
/// publishing errors carry (see `publishing::refusals`).
#[derive(Debug)]
pub(crate) struct GraphError {
    status: StatusCode,
    code: i64,
    subcode: Option<i64>,
    message: String,
    /// Boxed: most errors have none, and `Result`s stay small.
    extras: Option<Box<Extras>>,
}

/// What only some Graph errors carry.
#[derive(Debug, Default)]
struct Extras {
    transient: Option<bool>,
    user_message: Option<(Cow<'static, str>, Cow<'static, str>)>,
    headers: HeaderMap,
}

impl GraphError {
    /// An HTTP 400 with Meta's code, subcode and message.
    pub fn new(code: i64, subcode: Option<i64>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            subcode,
            message: message.into(),
            extras: None,
        }
    }

    /// Answered with another HTTP status than 400.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Adds `is_transient` (whether Meta suggests retrying the same call).
    pub fn transient(mut self, transient: bool) -> Self {
        self.extras().transient = Some(transient);
        self
    }

    /// Adds `error_user_title` and `error_user_msg`, the text Meta meant for a person.
    pub fn with_user_message(
        mut self,
        title: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.extras().user_message = Some((title.into(), message.into()));
        self
    }

    /// Adds a response header (rate-limit usage headers).
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.extras()
                .headers
                .insert(HeaderName::from_static(name), value);
        }
        self
    }

    fn extras(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// Meta's code and subcode (what `_inspect/fetched` records of a refusal).
    pub fn code(&self) -> (i64, Option<i64>) {
        (self.code, self.subcode)
    }

    /// No token on a call that needs one.
    pub fn missing_token() -> Self {
        Self::new(
            104,
            None,
            "An access token is required to request this resource.",
        )
    }

    /// A token the sandbox never issued, or one from the other login path.
    pub fn invalid_token() -> Self {
        Self::new(
            190,
            Some(467),
            "Invalid OAuth access token - Cannot parse access token",
        )
    }

    /// A token past its expiry.
    pub fn expired_token() -> Self {
        Self::new(
            190,
            Some(463),
            "Error validating access token: Session has expired.",
        )
    }

    /// A token ended before its expiry: the user changed their password, or Meta ended the
    /// session.
    pub fn invalidated_token() -> Self {
        Self::new(
            190,
            Some(460),
            "Error validating access token: The session has been invalidated because the \
             user changed their password or Facebook has changed the session for security \
             reasons.",
        )
    }

    /// A token of a user who removed the app (its permissions were deleted).
    pub fn deauthorized_token(app_id: &str) -> Self {
        Self::new(
            190,
            Some(458),
            format!(
                "Error validating access token: The user has not authorized application {app_id}."
            ),
        )
    }

    /// An app-level call (`debug_token`, deleting permissions) made with something else than
    /// the app's access token `app_id|app_secret`.
    pub fn bad_app_token() -> Self {
        Self::new(190, None, "Invalid OAuth access token signature.")
    }

    /// The error as `debug_token` embeds it in `data.error`: `{"code","message","subcode"}`.
    pub fn debug_token_error(&self) -> serde_json::Value {
        let mut e = json!({ "code": self.code, "message": self.message });
        if let (Some(sub), Some(obj)) = (self.subcode, e.as_object_mut()) {
            obj.insert("subcode".into(), sub.into());
        }
        e
    }

    /// A client id the sandbox has no app for.
    pub fn unknown_app() -> Self {
        Self::new(
            101,
            None,
            "Error validating application. Invalid application ID.",
        )
    }

    /// The right app, the wrong secret.
    pub fn bad_secret(code: i64) -> Self {
        Self::new(code, None, "Error validating client secret.")
    }

    /// A code presented a second time.
    pub fn code_used() -> Self {
        Self::new(100, Some(36009), "This authorization code has been used.")
    }

    /// A code past its ten minutes.
    pub fn code_expired() -> Self {
        Self::new(100, Some(36007), "This authorization code has expired.")
    }

    /// A code the sandbox never issued, or issued to another app.
    pub fn code_invalid() -> Self {
        Self::new(100, Some(36007), "Invalid verification code format.")
    }

    /// A code presented with another redirect_uri than the dialog's.
    pub fn redirect_mismatch() -> Self {
        Self::new(
            100,
            Some(36008),
            "Error validating verification code. Please make sure your redirect_uri is \
             identical to the one you used in the OAuth dialog request",
        )
    }

    /// A required parameter is absent.
    pub fn missing_parameter(name: &str) -> Self {
        Self::new(100, None, format!("Missing {name} parameter."))
    }

    /// A parameter has a value the endpoint does not support.
    pub fn unsupported(name: &str) -> Self {
        Self::new(100, None, format!("Unsupported {name} value."))
    }

    /// A field the node type does not have.
    pub fn nonexisting_field(field: &str, node_type: &str) -> Self {
        let field: String = field.chars().take(64).collect();
        Self::new(
            100,
            None,
            format!(
                "(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"
            ),
        )
    }

    /// An object that does not exist or the token may not see.
    pub fn no_such_object(id: &str) -> Self {
        let id: String = id.chars().take(64).collect();
        Self::new(
            100,
            Some(33),
            format!(
                "Unsupported get request. Object with ID '{id}' does not exist, cannot be \
                 loaded due to missing permissions, or does not support this operation."
            ),
        )
    }

    /// The token lacks the permission the call needs.
    pub fn permission_missing() -> Self {
        Self::new(
            10,
            None,
            "(#10) Application does not have permission for this action",
        )
    }

    /// A request the endpoint refuses for a reason of its own (documented per endpoint).
    pub fn invalid_request(why: &'static str) -> Self {
        Self::new(100, None, why)
    }

    /// A path the sandbox does not serve.
    pub fn unknown_path() -> Self {
        let mut e = Self::new(2500, None, "Unknown path components");
        e.status = StatusCode::NOT_FOUND;
        e
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let mut error = json!({
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": random_text(8),
        });
        let extras = self.extras.map(|e| *e).unwrap_or_default();
        if let Some(obj) = error.as_object_mut() {
            if let Some(sub) = self.subcode {
                obj.insert("error_subcode".into(), sub.into());
            }
            if let Some(transient) = extras.transient {
                obj.insert("is_transient".into(), transient.into());
            }
            if let Some((title, message)) = extras.user_message {
                obj.insert("error_user_title".into(), title.into_owned().into());
                obj.insert("error_user_msg".into(), message.into_owned().into());
            }
        }
        let mut res = (self.status, axum::Json(json!({ "error": error }))).into_response();
        res.headers_mut().extend(extras.headers);
        if self.code == 190 {
            // Meta names the OAuth failure in WWW-Authenticate as well as in the body.
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("OAuth \"Facebook Platform\" \"invalid_token\""),
            );
        }
        no_store(res)
    }
}

/// api.instagram.com's flat `{"error_type":"OAuthException","code":400,"error_message"}`.
#[derive(Debug)]
pub(crate) struct InstagramApiError {
    message: &'static str,
}

impl InstagramApiError {
    /// An Instagram code-exchange refusal with Meta's wording.
    pub fn new(message: &'static str) -> Self {
        Self { message }
    }
}

impl IntoResponse for InstagramApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error_type": "OAuthException",
            "code": 400,
            "error_message": self.message,
        });
        no_store((StatusCode::BAD_REQUEST, axum::Json(body)).into_response())
    }
}

/// A dialog error page: what a person sees when the app sent them somewhere invalid.
#[derive(Debug)]
pub(crate) struct DialogError {
    status: StatusCode,
    title: &'static str,
    detail: String,
}

impl DialogError {
    /// A 400 page.
    pub fn bad_request(title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            title,
            detail: detail.into(),
        }
    }

    /// A 404 page.
    pub fn not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            title: "Page not found",
            detail: "The sandbox serves no page at this address.".into(),
        }
    }
}

impl IntoResponse for DialogError {
    fn into_response(self) -> Response {
        let page = super::html::error_page(self.title, &self.detail);
        super::html::page_headers((self.status, Html(page)).into_response())
    }
}

/// Token answers and refusals must not be cached by anything in between.
pub(crate) fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
