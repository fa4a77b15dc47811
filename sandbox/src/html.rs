//! The HTML a person sees: the two consent pages and the dialog error page. Every value that
//! came from a request is escaped; the pages load nothing and run no script.

use super::catalogue::{FACEBOOK_USER, INSTAGRAM_LOGIN_ACCOUNTS, PAGES, page_instagram_account};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use std::fmt::Write;

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Which login a consent page is for, and so which choices it offers.
pub(crate) enum Choices {
    /// Facebook: which Pages to grant.
    Pages,
    /// Instagram: which account logs in.
    Accounts,
}

/// What a consent page shows.
pub(crate) struct ConsentView<'a> {
    pub action: &'a str,
    pub request_id: &'a str,
    pub app_id: &'a str,
    pub redirect_host: &'a str,
    pub scopes: &'a [String],
    pub choices: Choices,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;\
padding:0 1rem;color:#1c1e21}h1{font-size:1.4rem}fieldset{border:1px solid #ccd0d5;\
border-radius:8px;margin:1rem 0;padding:.5rem 1rem}label{display:block;margin:.4rem 0}\
.note{color:#606770;font-size:.9rem}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}";

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n{body}\n</body></html>\n",
        escape(title)
    )
}

/// The consent page: a form posting to the decide URL with the pending dialog's id, one
/// checked box per requested scope, the Page boxes or account radios, and Allow / Cancel.
pub(crate) fn consent_page(view: &ConsentView<'_>) -> String {
    let (title, who) = match view.choices {
        Choices::Pages => (
            "Log in with Facebook (sandbox)",
            format!("Signed in as {}", escape(FACEBOOK_USER.name)),
        ),
        Choices::Accounts => (
            "Log in with Instagram (sandbox)",
            "Choose the Instagram account to log in with".to_owned(),
        ),
    };
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1>\n<p class=\"note\">This is igconnect's Meta sandbox, not Meta. \
         App <code>{}</code> will send you back to <code>{}</code>.</p>\n<p>{who}</p>\n\
         <form method=\"post\" action=\"{}\">\n\
         <input type=\"hidden\" name=\"request\" value=\"{}\">\n",
        escape(title),
        escape(view.app_id),
        escape(view.redirect_host),
        escape(view.action),
        escape(view.request_id),
    );
    body.push_str("<fieldset><legend>Permissions requested</legend>\n");
    for scope in view.scopes {
        let s = escape(scope);
        let _ = writeln!(
            body,
            "<label><input type=\"checkbox\" name=\"scopes\" value=\"{s}\" checked> {s}</label>"
        );
    }
    body.push_str("</fieldset>\n");
    match view.choices {
        Choices::Pages => {
            body.push_str("<fieldset><legend>Pages to share</legend>\n");
            for page in PAGES.iter() {
                let linked = page
                    .instagram_account
                    .and_then(page_instagram_account)
                    .map(|a| format!("Instagram @{}", escape(a.username)))
                    .unwrap_or_else(|| "no Instagram account".to_owned());
                let _ = writeln!(
                    body,
                    "<label><input type=\"checkbox\" name=\"pages\" value=\"{}\" checked> \
                     {} <span class=\"note\">({linked})</span></label>",
                    escape(page.id),
                    escape(page.name),
                );
            }
        }
        Choices::Accounts => {
            body.push_str("<fieldset><legend>Instagram account</legend>\n");
            for (i, account) in INSTAGRAM_LOGIN_ACCOUNTS.iter().enumerate() {
                let _ = writeln!(
                    body,
                    "<label><input type=\"radio\" name=\"account\" value=\"{}\"{}> @{} \
                     <span class=\"note\">({}, {})</span></label>",
                    escape(account.id),
                    if i == 0 { " checked" } else { "" },
                    escape(account.username),
                    escape(account.name),
                    escape(account.account_type),
                );
            }
        }
    }
    body.push_str(
        "</fieldset>\n<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\n</form>",
    );
    document(title, &body)
}

/// The page shown when a dialog cannot go on (unknown app, bad redirect_uri, expired form).
pub(crate) fn error_page(title: &str, detail: &str) -> String {
    let body = format!(
        "<h1>{}</h1>\n<p>{}</p>\n<p class=\"note\">igconnect Meta sandbox</p>",
        escape(title),
        escape(detail)
    );
    document(title, &body)
}

/// Headers for every sandbox HTML page: not cached, not framed (clickjacking a consent page
/// is the classic attack on it), no script, no referrer.
pub(crate) fn page_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;"
        );
    }

    #[test]
    fn the_facebook_consent_page_offers_every_scope_and_page_checked() {
        let scopes = vec!["instagram_basic".to_owned(), "<b>".to_owned()];
        let html = consent_page(&ConsentView {
            action: "http://h/decide",
            request_id: "req",
            app_id: "app",
            redirect_host: "h",
            scopes: &scopes,
            choices: Choices::Pages,
        });
        assert!(html.contains("name=\"scopes\" value=\"instagram_basic\" checked"));
        assert!(html.contains("value=\"&lt;b&gt;\""));
        assert!(!html.contains("<b>"));
        assert_eq!(html.matches("name=\"pages\"").count(), PAGES.len());
        assert!(html.contains("name=\"request\" value=\"req\""));
        assert!(html.contains("name=\"decision\" value=\"cancel\""));
    }

    #[test]
    fn the_instagram_consent_page_checks_only_the_first_account() {
        let html = consent_page(&ConsentView {
            action: "http://h/decide",
            request_id: "req",
            app_id: "app",
            redirect_host: "h",
            scopes: &[],
            choices: Choices::Accounts,
        });
        assert_eq!(
            html.matches("name=\"account\"").count(),
            INSTAGRAM_LOGIN_ACCOUNTS.len()
        );
        assert_eq!(html.matches(" checked>").count(), 1);
    }
}
