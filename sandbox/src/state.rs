//! The sandbox's memory: pending dialogs, authorization codes and access tokens, with the
//! lifetimes Meta gives them, and what tests injected (faults, revocations). Everything
//! lives behind one mutex in [`super::Sandbox`]; no method here awaits, so the lock is never
//! held across a network call, and every token call is a few hash-map operations whatever
//! the number of tokens or accounts.

use super::catalogue::{FACEBOOK_USER, page};
use super::injection::{Injected, InjectedFault};
use super::random_text;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{BTreeMap, HashMap};

/// Prefix of every token the sandbox issues (tests grep for it; never Meta's own prefixes).
pub(crate) const TOKEN_PREFIX: &str = "IGSBXTOK";
/// Prefix of every authorization code the sandbox issues.
pub(crate) const CODE_PREFIX: &str = "IGSBXCODE";
/// How long a dialog waits for its decision, and a code for its exchange.
pub(crate) const DIALOG_TTL: TimeDelta = TimeDelta::minutes(10);
pub(crate) const CODE_TTL: TimeDelta = TimeDelta::minutes(10);
/// Short-lived tokens (both paths) last an hour.
pub(crate) const SHORT_LIVED: TimeDelta = TimeDelta::hours(1);
/// Long-lived tokens (both paths) last 60 days.
pub(crate) const LONG_LIVED: TimeDelta = TimeDelta::days(60);
/// Instagram refreshes only tokens at least this old.
pub(crate) const REFRESH_MIN_AGE: TimeDelta = TimeDelta::hours(24);
/// How long after a Facebook token is issued the app's access to the user's data lapses
/// (`debug_token`'s `data_access_expires_at`).
pub(crate) const DATA_ACCESS: TimeDelta = TimeDelta::days(90);

/// Which login a dialog, code or token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Login {
    Facebook,
    Instagram,
}

/// A dialog shown to a person, waiting for Allow or Cancel.
#[derive(Debug, Clone)]
pub(crate) struct PendingDialog {
    pub login: Login,
    pub client_id: String,
    pub redirect_uri: url::Url,
    pub state: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

/// What the person allowed on a Facebook dialog.
#[derive(Debug, Clone, Default)]
pub(crate) struct FacebookConsent {
    pub granted: Vec<String>,
    pub declined: Vec<String>,
    pub pages: Vec<String>,
}

/// What the person allowed on either dialog.
#[derive(Debug, Clone)]
pub(crate) enum Consent {
    Facebook(FacebookConsent),
    Instagram {
        account: String,
        granted: Vec<String>,
    },
}

impl Consent {
    fn login(&self) -> Login {
        match self {
            Self::Facebook(_) => Login::Facebook,
            Self::Instagram { .. } => Login::Instagram,
        }
    }
}

/// An authorization code: single use, ten minutes, bound to its app and redirect_uri.
#[derive(Debug)]
struct CodeRecord {
    client_id: String,
    redirect_uri: String,
    expires_at: DateTime<Utc>,
    used: bool,
    consent: Consent,
}

/// Who a token speaks for.
#[derive(Debug, Clone)]
pub(crate) enum Subject {
    /// A Facebook user token; Page tokens are minted once per Page and kept.
    FacebookUser {
        consent: FacebookConsent,
        page_tokens: BTreeMap<String, String>,
    },
    /// A Page token, carrying the consent of the user token it came from.
    FacebookPage {
        page_id: String,
        consent: FacebookConsent,
    },
    /// An Instagram Login token for one account.
    Instagram {
        account: String,
        granted: Vec<String>,
    },
}

impl Subject {
    /// The Instagram accounts a token of this subject acts for: an Instagram Login token's
    /// account, the account linked to a Page token's Page, the accounts linked to every Page
    /// a user token granted. Faults and revocations of an account reach all of these tokens.
    pub fn instagram_accounts(&self) -> impl Iterator<Item = &str> {
        let (own, pages): (Option<&str>, &[String]) = match self {
            Self::Instagram { account, .. } => (Some(account), &[]),
            Self::FacebookPage { page_id, .. } => (linked_account(page_id), &[]),
            Self::FacebookUser { consent, .. } => (None, &consent.pages),
        };
        own.into_iter()
            .chain(pages.iter().filter_map(|p| linked_account(p)))
    }

    /// The Facebook user behind a Facebook Login token (user or Page).
    pub fn facebook_user(&self) -> Option<&'static str> {
        match self {
            Self::FacebookUser { .. } | Self::FacebookPage { .. } => Some(FACEBOOK_USER.id),
            Self::Instagram { .. } => None,
        }
    }
}

fn linked_account(page_id: &str) -> Option<&'static str> {
    page(page_id).and_then(|p| p.instagram_account)
}

/// An issued access token.
#[derive(Debug, Clone)]
pub(crate) struct TokenRecord {
    pub subject: Subject,
    /// Counts up across every token the sandbox issues: a revocation ends every token of
    /// its account or user below the serial reached then, in O(1) (see [`Injected`]).
    pub serial: u64,
    pub issued_at: DateTime<Utc>,
    /// `None` never expires (Page tokens of a long-lived user token).
    pub expires_at: Option<DateTime<Utc>>,
    pub long_lived: bool,
}

/// Why a code was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CodeRefusal {
    Unknown,
    Used,
    Expired,
    RedirectMismatch,
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TokenRefusal {
    Unknown,
    Expired,
    /// Its account was revoked (`_inspect/revoke`: as if the password changed).
    Invalidated,
    /// Its Facebook user removed the app (`DELETE /{user-id}/permissions`).
    Deauthorized,
    /// A fault armed with `_inspect/faults` for `account` answered this call.
    Fault {
        fault: InjectedFault,
        account: String,
    },
}

/// All mutable sandbox state.
#[derive(Default)]
pub(crate) struct Inner {
    pending: HashMap<String, PendingDialog>,
    codes: HashMap<String, CodeRecord>,
    tokens: HashMap<String, TokenRecord>,
    issued_tokens: Vec<String>,
    issued_codes: Vec<String>,
    clock_offset: TimeDelta,
    /// The serial the next token gets.
    next_serial: u64,
    injected: Injected,
}

impl Inner {
    /// The sandbox's clock: wall time plus whatever tests advanced it by.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_offset
    }

    /// Moves the sandbox's clock forward (tests of expiry and refresh rules).
    pub fn advance_clock(&mut self, by: TimeDelta) {
        self.clock_offset += by;
    }

    /// Keeps a dialog until its decision; returns the opaque request id for the form.
    pub fn open_dialog(&mut self, mut dialog: PendingDialog) -> String {
        let now = self.now();
        self.pending.retain(|_, d| d.expires_at > now);
        dialog.expires_at = now + DIALOG_TTL;
        let id = random_text(24);
        self.pending.insert(id.clone(), dialog);
        id
    }

    /// Takes a pending dialog for its decision (once; expired ones are gone).
    pub fn take_dialog(&mut self, id: &str, login: Login) -> Option<PendingDialog> {
        let now = self.now();
        match self.pending.get(id) {
            Some(d) if d.login == login && d.expires_at > now => self.pending.remove(id),
            Some(d) if d.expires_at <= now => {
                self.pending.remove(id);
                None
            }
            _ => None,
        }
    }

    /// Issues a code for an allowed dialog.
    pub fn issue_code(&mut self, dialog: &PendingDialog, consent: Consent) -> String {
        let now = self.now();
        // Used and expired codes stay a while so a replay is told "used", not "unknown".
        self.codes
            .retain(|_, c| c.expires_at + TimeDelta::hours(1) > now);
        let code = format!("{CODE_PREFIX}{}", random_text(32));
        self.codes.insert(
            code.clone(),
            CodeRecord {
                client_id: dialog.client_id.clone(),
                redirect_uri: dialog.redirect_uri.to_string(),
                expires_at: now + CODE_TTL,
                used: false,
                consent,
            },
        );
        self.issued_codes.push(code.clone());
        code
    }

    /// Redeems a code: it must be this app's, unused, unexpired and presented with the
    /// dialog's redirect_uri. Only a successful redemption uses the code up.
    pub fn redeem_code(
        &mut self,
        code: &str,
        login: Login,
        client_id: &str,
        redirect_uri: &str,
    ) -> Result<Consent, CodeRefusal> {
        let now = self.now();
        let record = self.codes.get_mut(code).ok_or(CodeRefusal::Unknown)?;
        if record.consent.login() != login || record.client_id != client_id {
            return Err(CodeRefusal::Unknown);
        }
        if record.used {
            return Err(CodeRefusal::Used);
        }
        if record.expires_at <= now {
            return Err(CodeRefusal::Expired);
        }
        if !same_redirect(&record.redirect_uri, redirect_uri) {
            return Err(CodeRefusal::RedirectMismatch);
        }
        record.used = true;
        Ok(record.consent.clone())
    }

    /// Issues a token for `subject`, living `lifetime` (`None`: never expires).
    pub fn issue_token(
        &mut self,
        subject: Subject,
        lifetime: Option<TimeDelta>,
        long_lived: bool,
    ) -> String {
        let now = self.now();
        let token = format!("{TOKEN_PREFIX}{}", random_text(36));
        let serial = self.next_serial;
        self.next_serial += 1;
        self.tokens.insert(
            token.clone(),
            TokenRecord {
                subject,
                serial,
                issued_at: now,
                expires_at: lifetime.map(|l| now + l),
                long_lived,
            },
        );
        self.issued_tokens.push(token.clone());
        token
    }

    /// A live token's record.
    pub fn token(&self, token: &str) -> Result<&TokenRecord, TokenRefusal> {
        let record = self.record(token).ok_or(TokenRefusal::Unknown)?;
        match self.refusal(record) {
            Some(refusal) => Err(refusal),
            None => Ok(record),
        }
    }

    /// The record of a token the sandbox issued, live or not.
    pub fn record(&self, token: &str) -> Option<&TokenRecord> {
        self.tokens.get(token)
    }

    /// Why an issued token no longer works, if it does not: revoked (for good, so first),
    /// then expired.
    pub fn refusal(&self, record: &TokenRecord) -> Option<TokenRefusal> {
        if let Some(refusal) = self.injected.revocation(record) {
            return Some(refusal);
        }
        match record.expires_at {
            Some(at) if at <= self.now() => Some(TokenRefusal::Expired),
            _ => None,
        }
    }

    /// A live token for one Graph call: its record, unless a fault armed for one of its
    /// accounts answers this call instead (and is counted down).
    pub fn use_token(&mut self, token: &str) -> Result<TokenRecord, TokenRefusal> {
        let record = self.token(token)?.clone();
        match self.take_fault(&record.subject) {
            Some((fault, account)) => Err(TokenRefusal::Fault { fault, account }),
            None => Ok(record),
        }
    }

    /// The fault armed for one of `subject`'s accounts, counted down, and that account.
    pub fn take_fault(&mut self, subject: &Subject) -> Option<(InjectedFault, String)> {
        self.injected.take_fault(subject.instagram_accounts())
    }

    /// The upload fault armed for `account`'s next chunk, counted down.
    pub fn take_upload_fault(&mut self, account: &str) -> Option<InjectedFault> {
        self.injected.take_upload_fault(account)
    }

    /// Arms `fault` for the next `count` calls made with a token of `account` (0 clears).
    pub fn arm_fault(&mut self, account: &str, fault: InjectedFault, count: u32) {
        self.injected.arm(account, fault, count);
    }

    /// Every token of `account` issued so far stops working for good.
    pub fn revoke_account(&mut self, account: &str) {
        self.injected.revoke_account(account, self.next_serial);
    }

    /// Every token of Facebook user `user` (user and Page tokens) issued so far stops
    /// working for good: the user removed the app.
    pub fn revoke_facebook_user(&mut self, user: &str) {
        self.injected.revoke_user(user, self.next_serial);
    }

    /// The Page token of `page_id` under a user token, minted on first listing. A Page token
    /// of a long-lived user token never expires; of a short-lived one, it expires with it.
    pub fn page_token(&mut self, user_token: &str, page_id: &str) -> Result<String, TokenRefusal> {
        let record = self.token(user_token)?.clone();
        let Subject::FacebookUser {
            consent,
            page_tokens,
        } = &record.subject
        else {
            return Err(TokenRefusal::Unknown);
        };
        if let Some(t) = page_tokens.get(page_id) {
            return Ok(t.clone());
        }
        let lifetime = record
            .expires_at
            .filter(|_| !record.long_lived)
            .map(|at| at - self.now());
        let subject = Subject::FacebookPage {
            page_id: page_id.to_owned(),
            consent: consent.clone(),
        };
        let token = self.issue_token(subject, lifetime, record.long_lived);
        if let Some(TokenRecord {
            subject: Subject::FacebookUser { page_tokens, .. },
            ..
        }) = self.tokens.get_mut(user_token)
        {
            page_tokens.insert(page_id.to_owned(), token.clone());
        }
        Ok(token)
    }

    /// Every token ever issued, oldest first.
    pub fn issued_tokens(&self) -> &[String] {
        &self.issued_tokens
    }

    /// Every code ever issued, oldest first.
    pub fn issued_codes(&self) -> &[String] {
        &self.issued_codes
    }
}

/// Meta compares redirect URIs exactly; the sandbox forgives only URL normalisation
/// (`http://h` and `http://h/` are the same URI).
fn same_redirect(issued: &str, presented: &str) -> bool {
    match url::Url::parse(presented) {
        Ok(u) => u.as_str() == issued,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialog() -> PendingDialog {
        PendingDialog {
            login: Login::Instagram,
            client_id: "app".into(),
            redirect_uri: url::Url::parse("http://127.0.0.1/cb").unwrap(),
            state: None,
            scopes: vec![],
            expires_at: Utc::now(),
        }
    }

    fn consent() -> Consent {
        Consent::Instagram {
            account: "1".into(),
            granted: vec![],
        }
    }

    #[test]
    fn a_code_redeems_once() {
        let mut s = Inner::default();
        let code = s.issue_code(&dialog(), consent());
        assert!(
            s.redeem_code(&code, Login::Instagram, "app", "http://127.0.0.1/cb")
                .is_ok()
        );
        let again = s.redeem_code(&code, Login::Instagram, "app", "http://127.0.0.1/cb");
        assert_eq!(again.err(), Some(CodeRefusal::Used));
    }

    #[test]
    fn a_code_expires_after_ten_minutes() {
        let mut s = Inner::default();
        let code = s.issue_code(&dialog(), consent());
        s.advance_clock(CODE_TTL);
        let r = s.redeem_code(&code, Login::Instagram, "app", "http://127.0.0.1/cb");
        assert_eq!(r.err(), Some(CodeRefusal::Expired));
    }

    #[test]
    fn a_code_is_bound_to_its_app_and_login() {
        let mut s = Inner::default();
        let code = s.issue_code(&dialog(), consent());
        let other_app = s.redeem_code(&code, Login::Instagram, "other", "http://127.0.0.1/cb");
        assert_eq!(other_app.err(), Some(CodeRefusal::Unknown));
        let other_login = s.redeem_code(&code, Login::Facebook, "app", "http://127.0.0.1/cb");
        assert_eq!(other_login.err(), Some(CodeRefusal::Unknown));
        let other_uri = s.redeem_code(&code, Login::Instagram, "app", "http://127.0.0.1/x");
        assert_eq!(other_uri.err(), Some(CodeRefusal::RedirectMismatch));
    }

    #[test]
    fn a_dialog_expires_after_ten_minutes() {
        let mut s = Inner::default();
        let id = s.open_dialog(dialog());
        s.advance_clock(DIALOG_TTL);
        assert!(s.take_dialog(&id, Login::Instagram).is_none());
    }

    #[test]
    fn a_dialog_is_decided_once() {
        let mut s = Inner::default();
        let id = s.open_dialog(dialog());
        assert!(s.take_dialog(&id, Login::Facebook).is_none());
        assert!(s.take_dialog(&id, Login::Instagram).is_some());
        assert!(s.take_dialog(&id, Login::Instagram).is_none());
    }

    #[test]
    fn tokens_expire_and_carry_the_prefix() {
        let mut s = Inner::default();
        let t = s.issue_token(
            Subject::Instagram {
                account: "1".into(),
                granted: vec![],
            },
            Some(SHORT_LIVED),
            false,
        );
        assert!(t.starts_with(TOKEN_PREFIX) && t.len() >= TOKEN_PREFIX.len() + 32);
        assert!(s.token(&t).is_ok());
        s.advance_clock(SHORT_LIVED);
        assert_eq!(s.token(&t).err(), Some(TokenRefusal::Expired));
        assert_eq!(s.token("nope").err(), Some(TokenRefusal::Unknown));
    }

    #[test]
    fn page_tokens_of_a_long_lived_user_token_never_expire() {
        let mut s = Inner::default();
        let user = s.issue_token(
            Subject::FacebookUser {
                consent: FacebookConsent::default(),
                page_tokens: BTreeMap::new(),
            },
            Some(LONG_LIVED),
            true,
        );
        let page = s.page_token(&user, "p").unwrap();
        assert_eq!(s.page_token(&user, "p").unwrap(), page);
        assert!(s.token(&page).unwrap().expires_at.is_none());
    }

    fn instagram(s: &mut Inner, account: &str) -> String {
        let subject = Subject::Instagram {
            account: account.into(),
            granted: vec![],
        };
        s.issue_token(subject, Some(LONG_LIVED), true)
    }

    fn facebook_user(s: &mut Inner, pages: &[&str]) -> String {
        let consent = FacebookConsent {
            pages: pages.iter().map(|p| (*p).to_owned()).collect(),
            ..FacebookConsent::default()
        };
        let subject = Subject::FacebookUser {
            consent,
            page_tokens: BTreeMap::new(),
        };
        s.issue_token(subject, Some(LONG_LIVED), true)
    }

    #[test]
    fn revoking_an_account_ends_its_tokens_so_far_and_no_others() {
        let mut s = Inner::default();
        let old = instagram(&mut s, "17841400000000201");
        let other = instagram(&mut s, "17841400000000202");
        s.revoke_account("17841400000000201");
        let new = instagram(&mut s, "17841400000000201");
        assert_eq!(s.token(&old).err(), Some(TokenRefusal::Invalidated));
        assert!(s.token(&other).is_ok());
        assert!(s.token(&new).is_ok());
    }

    #[test]
    fn a_page_linked_account_is_revoked_with_its_page_and_user_tokens() {
        let mut s = Inner::default();
        let user = facebook_user(&mut s, &["100000000000101"]);
        let page = s.page_token(&user, "100000000000101").unwrap();
        s.revoke_account("17841400000000101");
        assert_eq!(s.token(&page).err(), Some(TokenRefusal::Invalidated));
        assert_eq!(s.token(&user).err(), Some(TokenRefusal::Invalidated));
    }

    #[test]
    fn a_user_who_removes_the_app_loses_user_and_page_tokens() {
        let mut s = Inner::default();
        let user = facebook_user(&mut s, &["100000000000101", "100000000000103"]);
        let page = s.page_token(&user, "100000000000103").unwrap();
        let ig = instagram(&mut s, "17841400000000201");
        s.revoke_facebook_user(FACEBOOK_USER.id);
        assert_eq!(s.token(&user).err(), Some(TokenRefusal::Deauthorized));
        assert_eq!(s.token(&page).err(), Some(TokenRefusal::Deauthorized));
        assert!(s.token(&ig).is_ok());
        let again = facebook_user(&mut s, &["100000000000101"]);
        assert!(s.token(&again).is_ok());
    }

    #[test]
    fn a_fault_reaches_every_token_of_its_account_for_its_count() {
        let mut s = Inner::default();
        let user = facebook_user(&mut s, &["100000000000101"]);
        let page = s.page_token(&user, "100000000000101").unwrap();
        s.arm_fault("17841400000000101", InjectedFault::ServerError, 2);
        let fault = |r: Result<TokenRecord, TokenRefusal>| match r {
            Err(TokenRefusal::Fault { fault, account }) => Some((fault, account)),
            _ => None,
        };
        let expected = Some((InjectedFault::ServerError, "17841400000000101".to_owned()));
        assert_eq!(fault(s.use_token(&page)), expected);
        assert_eq!(fault(s.use_token(&user)), expected);
        assert!(s.use_token(&page).is_ok());
    }
}
