//! The OAuth dialogs of both logins: the GET renders a consent page for a pending dialog kept
//! server-side, the POST of its form decides it and sends the browser back to the app's
//! redirect_uri with a code (Allow) or Meta's access_denied error (Cancel).

use super::catalogue::{
    FACEBOOK_PERMISSIONS, INSTAGRAM_PERMISSIONS, instagram_login_account, page,
};
use super::errors::DialogError;
use super::html::{Choices, ConsentView, consent_page, page_headers};
use super::params::{Params, list};
use super::state::{Consent, FacebookConsent, Login, PendingDialog};
use super::{Sandbox, valid_version};
use axum::extract::{Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use url::Url;

/// `GET facebook-www/{ver}/dialog/oauth`: the Facebook Login consent page.
pub(crate) async fn facebook_dialog(
    State(sandbox): State<Sandbox>,
    Path(ver): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, DialogError> {
    if !valid_version(&ver) {
        return Err(DialogError::not_found());
    }
    let action = sandbox.url(&format!("facebook-www/{ver}/dialog/oauth/decide"));
    open(
        &sandbox,
        Login::Facebook,
        &Params::parse(q.as_deref()),
        &action,
    )
}

/// `GET instagram-www/oauth/authorize`: the Instagram Login consent page.
pub(crate) async fn instagram_dialog(
    State(sandbox): State<Sandbox>,
    RawQuery(q): RawQuery,
) -> Result<Response, DialogError> {
    let action = sandbox.url("instagram-www/oauth/authorize/decide");
    open(
        &sandbox,
        Login::Instagram,
        &Params::parse(q.as_deref()),
        &action,
    )
}

/// Checks the authorization request as Meta does (known app, absolute redirect_uri, code
/// flow, known scopes), keeps it as a pending dialog and renders its consent page.
fn open(
    sandbox: &Sandbox,
    login: Login,
    params: &Params,
    action: &Url,
) -> Result<Response, DialogError> {
    let (app, known) = match login {
        Login::Facebook => (&sandbox.apps().facebook, &FACEBOOK_PERMISSIONS[..]),
        Login::Instagram => (&sandbox.apps().instagram, &INSTAGRAM_PERMISSIONS[..]),
    };
    if params.get("client_id") != Some(app.app_id.as_str()) {
        return Err(DialogError::bad_request(
            "Invalid App ID",
            "The client_id of this login request does not name a sandbox app.",
        ));
    }
    let redirect_uri = params
        .get("redirect_uri")
        .and_then(|r| Url::parse(r).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none())
        .ok_or_else(|| {
            DialogError::bad_request(
                "Invalid redirect_uri",
                "redirect_uri must be an absolute http or https URL without a fragment.",
            )
        })?;
    if params.get("response_type").is_some_and(|r| r != "code") {
        return Err(DialogError::bad_request(
            "Unsupported response_type",
            "The sandbox only serves the authorization code flow (response_type=code).",
        ));
    }
    let scopes = list(params.get("scope"));
    let unknown: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !known.contains(s))
        .collect();
    if !unknown.is_empty() {
        return Err(DialogError::bad_request(
            "Invalid Scopes",
            format!("Invalid Scopes: {}", unknown.join(", ")),
        ));
    }
    let redirect_host = redirect_uri.host_str().unwrap_or_default().to_owned();
    let request_id = sandbox.state().open_dialog(PendingDialog {
        login,
        client_id: app.app_id.clone(),
        redirect_uri,
        state: params.get("state").map(str::to_owned),
        scopes: scopes.clone(),
        expires_at: chrono::Utc::now(),
    });
    let page = consent_page(&ConsentView {
        action: action.as_str(),
        request_id: &request_id,
        app_id: &app.app_id,
        redirect_host: &redirect_host,
        scopes: &scopes,
        choices: match login {
            Login::Facebook => Choices::Pages,
            Login::Instagram => Choices::Accounts,
        },
    });
    Ok(page_headers(Html(page).into_response()))
}

/// `POST facebook-www/{ver}/dialog/oauth/decide`.
pub(crate) async fn facebook_decide(
    State(sandbox): State<Sandbox>,
    body: String,
) -> Result<Response, DialogError> {
    decide(&sandbox, Login::Facebook, &Params::parse(Some(&body)))
}

/// `POST instagram-www/oauth/authorize/decide`.
pub(crate) async fn instagram_decide(
    State(sandbox): State<Sandbox>,
    body: String,
) -> Result<Response, DialogError> {
    decide(&sandbox, Login::Instagram, &Params::parse(Some(&body)))
}

/// The person's answer, read from the form before the pending dialog is consumed, so a
/// malformed form leaves the dialog open for a corrected one.
enum Decision {
    Allow { scopes: Vec<String>, choice: Choice },
    Cancel,
}

enum Choice {
    Pages(Vec<String>),
    Account(String),
}

fn read_decision(login: Login, form: &Params) -> Result<Decision, DialogError> {
    match form.get("decision") {
        Some("cancel") => return Ok(Decision::Cancel),
        Some("allow") => {}
        _ => {
            return Err(DialogError::bad_request(
                "Invalid decision",
                "decision must be allow or cancel.",
            ));
        }
    }
    let scopes = form.all("scopes").into_iter().map(str::to_owned).collect();
    let choice = match login {
        Login::Facebook => {
            let pages = form.all("pages");
            if let Some(bad) = pages.iter().find(|p| page(p).is_none()) {
                let bad: String = bad.chars().take(40).collect();
                return Err(DialogError::bad_request(
                    "Unknown Page",
                    format!("The sandbox user manages no Page {bad}."),
                ));
            }
            let mut unique: Vec<String> = Vec::new();
            for p in pages {
                if !unique.iter().any(|u| u == p) {
                    unique.push(p.to_owned());
                }
            }
            Choice::Pages(unique)
        }
        Login::Instagram => {
            let account = form
                .get("account")
                .filter(|a| instagram_login_account(a).is_some())
                .ok_or_else(|| {
                    DialogError::bad_request(
                        "Choose an account",
                        "account must name one of the sandbox's Instagram accounts.",
                    )
                })?;
            Choice::Account(account.to_owned())
        }
    };
    Ok(Decision::Allow { scopes, choice })
}

fn decide(sandbox: &Sandbox, login: Login, form: &Params) -> Result<Response, DialogError> {
    let decision = read_decision(login, form)?;
    let mut state = sandbox.state();
    let dialog = form
        .get("request")
        .and_then(|id| state.take_dialog(id, login))
        .ok_or_else(|| {
            DialogError::bad_request(
                "This login request has expired",
                "Go back to the app and start connecting again.",
            )
        })?;
    let mut location = dialog.redirect_uri.clone();
    {
        let mut q = location.query_pairs_mut();
        match decision {
            Decision::Allow { scopes, choice } => {
                let (granted, declined): (Vec<String>, Vec<String>) = dialog
                    .scopes
                    .iter()
                    .cloned()
                    .partition(|s| scopes.contains(s));
                let consent = match choice {
                    Choice::Pages(pages) => Consent::Facebook(FacebookConsent {
                        granted,
                        declined,
                        pages,
                    }),
                    Choice::Account(account) => Consent::Instagram { account, granted },
                };
                q.append_pair("code", &state.issue_code(&dialog, consent));
            }
            Decision::Cancel => {
                q.append_pair("error", "access_denied");
                q.append_pair("error_reason", "user_denied");
                match login {
                    Login::Facebook => {
                        q.append_pair("error_code", "200");
                        q.append_pair("error_description", "Permissions error");
                    }
                    Login::Instagram => {
                        q.append_pair("error_description", "The user denied your request.");
                    }
                }
            }
        }
        if let Some(s) = &dialog.state {
            q.append_pair("state", s);
        }
    }
    Ok(page_headers(
        Redirect::to(location.as_str()).into_response(),
    ))
}
