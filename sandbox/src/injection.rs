//! What tests inject beyond Meta's own rules, per Instagram account: faults armed for an
//! account's next calls (`POST _inspect/faults`) and revocations that end every token of an
//! account (`POST _inspect/revoke`) or of a Facebook user (`DELETE /{user-id}/permissions`).
//!
//! Everything is a hash-map operation: a fault is found by account id, and a revocation is
//! one number per account or user (every token with a serial below it is dead), so checking
//! a token costs the same with ten tokens or a million, and revoking never walks them.

use super::Sandbox;
use super::catalogue::{INSTAGRAM_LOGIN_ACCOUNTS, PAGE_INSTAGRAM_ACCOUNTS};
use super::errors::{GraphError, no_store};
use super::publishing::{rate_limited, server_error};
use super::state::{TokenRecord, TokenRefusal};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;

/// How the next calls of an account fail, as Meta fails them
/// ([`Sandbox::inject_fault`](super::Sandbox::inject_fault), `POST _inspect/faults`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectedFault {
    /// `server_error`: HTTP 500, code 2, `is_transient` true. Whether the call did
    /// anything is unknown to the caller (here it did nothing).
    ServerError,
    /// `invalid_token`: HTTP 400, 190/460 (session invalidated) for the call only; the
    /// token works again afterwards. `debug_token` answers `is_valid: false` instead.
    InvalidToken,
    /// `rate_limited`: HTTP 400, code 4, with `X-App-Usage` at 100% and an
    /// `X-Business-Use-Case-Usage` estimate of 5 minutes.
    RateLimited,
    /// `upload_error`: the next video chunk POSTed to the upload host (`rupload/`) for the
    /// account's containers answers HTTP 503 and keeps none of its bytes; a retry from the
    /// same offset then works. Graph calls never meet it.
    UploadError,
    /// `upload_partial`: the same 503, but the first half of the chunk's bytes was kept (a
    /// connection that broke mid-chunk): the client must read the offset back before it
    /// resends. Graph calls never meet it.
    UploadPartial,
}

impl InjectedFault {
    /// The fault named as in `_inspect/faults`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "server_error" => Some(Self::ServerError),
            "invalid_token" => Some(Self::InvalidToken),
            "rate_limited" => Some(Self::RateLimited),
            "upload_error" => Some(Self::UploadError),
            "upload_partial" => Some(Self::UploadPartial),
            _ => None,
        }
    }

    /// Its name in `_inspect/faults`.
    pub fn name(self) -> &'static str {
        match self {
            Self::ServerError => "server_error",
            Self::InvalidToken => "invalid_token",
            Self::RateLimited => "rate_limited",
            Self::UploadError => "upload_error",
            Self::UploadPartial => "upload_partial",
        }
    }

    /// Whether the fault answers chunks on the upload host rather than Graph calls.
    pub fn is_upload(self) -> bool {
        matches!(self, Self::UploadError | Self::UploadPartial)
    }

    /// The error a call made for `account` answers.
    pub(crate) fn error(self, account: &str) -> GraphError {
        match self {
            Self::ServerError | Self::UploadError | Self::UploadPartial => server_error(),
            Self::InvalidToken => GraphError::invalidated_token(),
            Self::RateLimited => rate_limited(account),
        }
    }
}

/// A fault and how many more calls it answers (never 0: a spent fault is removed).
#[derive(Debug)]
struct Armed {
    fault: InjectedFault,
    remaining: u32,
}

/// The injected state, inside the sandbox's state (one lock).
#[derive(Debug, Default)]
pub(crate) struct Injected {
    faults: HashMap<String, Armed>,
    /// Per Instagram account: tokens with a serial below this were revoked.
    accounts_revoked_below: HashMap<String, u64>,
    /// Per Facebook user: tokens with a serial below this were revoked.
    users_revoked_below: HashMap<String, u64>,
}

impl Injected {
    /// Arms `fault` for `account`'s next `count` calls, replacing what was armed; 0 clears.
    pub fn arm(&mut self, account: &str, fault: InjectedFault, count: u32) {
        if count == 0 {
            self.faults.remove(account);
        } else {
            let armed = Armed {
                fault,
                remaining: count,
            };
            self.faults.insert(account.to_owned(), armed);
        }
    }

    /// The Graph fault armed for the first of `accounts` that has one, counted down.
    pub fn take_fault<'a>(
        &mut self,
        accounts: impl Iterator<Item = &'a str>,
    ) -> Option<(InjectedFault, String)> {
        if self.faults.is_empty() {
            return None;
        }
        for account in accounts {
            if let Some(fault) = self.take(account, false) {
                return Some((fault, account.to_owned()));
            }
        }
        None
    }

    /// The upload fault armed for `account`, if any, counted down.
    pub fn take_upload_fault(&mut self, account: &str) -> Option<InjectedFault> {
        self.take(account, true)
    }

    fn take(&mut self, account: &str, upload: bool) -> Option<InjectedFault> {
        let armed = self
            .faults
            .get_mut(account)
            .filter(|a| a.fault.is_upload() == upload)?;
        let fault = armed.fault;
        armed.remaining -= 1;
        if armed.remaining == 0 {
            self.faults.remove(account);
        }
        Some(fault)
    }

    /// Ends every token of `account` with a serial below `below`.
    pub fn revoke_account(&mut self, account: &str, below: u64) {
        self.accounts_revoked_below
            .insert(account.to_owned(), below);
    }

    /// Ends every token of Facebook user `user` with a serial below `below`.
    pub fn revoke_user(&mut self, user: &str, below: u64) {
        self.users_revoked_below.insert(user.to_owned(), below);
    }

    /// Why a token was revoked, if it was.
    pub fn revocation(&self, record: &TokenRecord) -> Option<TokenRefusal> {
        let before = |mark: Option<&u64>| mark.is_some_and(|below| record.serial < *below);
        if let Some(user) = record.subject.facebook_user()
            && before(self.users_revoked_below.get(user))
        {
            return Some(TokenRefusal::Deauthorized);
        }
        if self.accounts_revoked_below.is_empty() {
            return None;
        }
        record
            .subject
            .instagram_accounts()
            .any(|a| before(self.accounts_revoked_below.get(a)))
            .then_some(TokenRefusal::Invalidated)
    }
}

/// `POST _inspect/faults` with `{"ig_user_id","fault","count"}`: arms the fault for the
/// account's next `count` calls (default 1; 0 clears). Answers what is armed now.
pub(crate) async fn inspect_faults(State(sandbox): State<Sandbox>, body: String) -> Response {
    let request = match parse_request(&body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let account = match catalogue_account(&request) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Some(fault) = text(&request, "fault").and_then(InjectedFault::parse) else {
        return GraphError::unsupported("fault").into_response();
    };
    let count = match request.get("count") {
        None => 1,
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => n,
            None => return GraphError::unsupported("count").into_response(),
        },
    };
    sandbox.inject_fault(account, fault, count);
    let armed = (count > 0).then_some(fault.name());
    let body = json!({ "ig_user_id": account, "fault": armed, "remaining": count });
    no_store(Json(body).into_response())
}

/// `POST _inspect/revoke` with `{"ig_user_id"}`: every token of the account issued so far
/// stops working for good (190/460), as when its owner changes their password.
pub(crate) async fn inspect_revoke(State(sandbox): State<Sandbox>, body: String) -> Response {
    let request = match parse_request(&body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let account = match catalogue_account(&request) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    sandbox.revoke_instagram_account(account);
    no_store(Json(json!({ "ig_user_id": account, "revoked": true })).into_response())
}

/// The JSON object of an `_inspect/` POST, whatever its content type (so `curl -d` works).
fn parse_request(body: &str) -> Result<serde_json::Map<String, Value>, GraphError> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(GraphError::invalid_request(
            "The body must be a JSON object.",
        )),
    }
}

/// `ig_user_id` (a string or a number), which must be a catalogue account: a typo would
/// otherwise arm a fault no call ever meets.
fn catalogue_account(request: &serde_json::Map<String, Value>) -> Result<&'static str, GraphError> {
    let id = match request.get("ig_user_id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(GraphError::missing_parameter("ig_user_id")),
    };
    PAGE_INSTAGRAM_ACCOUNTS
        .iter()
        .chain(INSTAGRAM_LOGIN_ACCOUNTS.iter())
        .map(|a| a.id)
        .find(|known| *known == id)
        .ok_or_else(|| GraphError::no_such_object(&id))
}

fn text<'a>(request: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a str> {
    request.get(name).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Subject;
    use chrono::Utc;

    fn token(account: &str, serial: u64) -> TokenRecord {
        TokenRecord {
            subject: Subject::Instagram {
                account: account.into(),
                granted: vec![],
            },
            serial,
            issued_at: Utc::now(),
            expires_at: None,
            long_lived: true,
        }
    }

    #[test]
    fn a_fault_answers_its_count_of_calls_then_is_gone() {
        let mut i = Injected::default();
        i.arm("1", InjectedFault::ServerError, 2);
        let take = |i: &mut Injected| i.take_fault(["2", "1"].into_iter()).map(|f| f.0);
        assert_eq!(take(&mut i), Some(InjectedFault::ServerError));
        assert_eq!(take(&mut i), Some(InjectedFault::ServerError));
        assert_eq!(take(&mut i), None);
    }

    #[test]
    fn a_count_of_zero_clears_and_a_new_fault_replaces_the_old() {
        let mut i = Injected::default();
        i.arm("1", InjectedFault::ServerError, 5);
        i.arm("1", InjectedFault::RateLimited, 1);
        let taken = i.take_fault(std::iter::once("1"));
        assert_eq!(taken, Some((InjectedFault::RateLimited, "1".to_owned())));
        i.arm("1", InjectedFault::InvalidToken, 3);
        i.arm("1", InjectedFault::InvalidToken, 0);
        assert_eq!(i.take_fault(std::iter::once("1")), None);
    }

    #[test]
    fn a_revocation_ends_the_accounts_earlier_tokens_only() {
        let mut i = Injected::default();
        i.revoke_account("1", 10);
        assert_eq!(
            i.revocation(&token("1", 9)),
            Some(TokenRefusal::Invalidated)
        );
        assert_eq!(i.revocation(&token("1", 10)), None);
        assert_eq!(i.revocation(&token("2", 0)), None);
    }

    #[test]
    fn upload_faults_reach_only_uploads_and_graph_faults_only_graph_calls() {
        let mut i = Injected::default();
        i.arm("1", InjectedFault::UploadError, 1);
        assert_eq!(i.take_fault(std::iter::once("1")), None);
        assert_eq!(i.take_upload_fault("1"), Some(InjectedFault::UploadError));
        assert_eq!(i.take_upload_fault("1"), None);
        i.arm("1", InjectedFault::ServerError, 1);
        assert_eq!(i.take_upload_fault("1"), None);
        assert!(i.take_fault(std::iter::once("1")).is_some());
    }

    #[test]
    fn faults_are_named_as_in_the_docs() {
        for f in [
            InjectedFault::ServerError,
            InjectedFault::InvalidToken,
            InjectedFault::RateLimited,
            InjectedFault::UploadError,
            InjectedFault::UploadPartial,
        ] {
            assert_eq!(InjectedFault::parse(f.name()), Some(f));
        }
        assert_eq!(InjectedFault::parse("boom"), None);
    }

    #[test]
    fn each_fault_fails_as_meta_does() {
        assert_eq!(InjectedFault::ServerError.error("1").code(), (2, None));
        assert_eq!(
            InjectedFault::InvalidToken.error("1").code(),
            (190, Some(460))
        );
        assert_eq!(InjectedFault::RateLimited.error("1").code(), (4, None));
    }
}
