//! Acting as the browser: open the authorization URL, read the sandbox consent form, submit
//! a decision, and hand back where Meta would send the browser next.

use url::Url;

/// A decision on the sandbox consent page.
#[derive(Debug, Clone)]
pub struct Consent {
    pub allow: bool,
    /// Scopes to decline (uncheck); every other requested scope is granted.
    pub decline_scopes: Vec<String>,
    /// Facebook: the Page ids to grant; `None` keeps the page's defaults (all).
    pub pages: Option<Vec<String>>,
    /// Instagram: which sandbox account logs in; `None` keeps the default.
    pub account: Option<String>,
}

impl Consent {
    /// Allow everything the page offers by default.
    pub fn allow() -> Self {
        Self {
            allow: true,
            decline_scopes: Vec::new(),
            pages: None,
            account: None,
        }
    }

    /// Press Cancel.
    pub fn cancel() -> Self {
        Self {
            allow: false,
            ..Self::allow()
        }
    }
}

/// An HTML form, read well enough to submit it like a browser.
#[derive(Debug, Clone)]
pub struct Form {
    pub action: Url,
    /// (name, value, type, checked) of each input.
    pub inputs: Vec<(String, String, String, bool)>,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!("{name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">"),
    )
}

impl Form {
    /// Reads the first form of `html`, resolving its action against `page`.
    pub fn parse(html: &str, page: &Url) -> Self {
        let form_start = html.find("<form").expect("the page has a form");
        let form_tag_end = html[form_start..].find('>').expect("form tag closes") + form_start;
        let action = attr(&html[form_start..=form_tag_end], "action").unwrap_or_default();
        let action = page.join(&action).expect("form action is a URL");
        let mut inputs = Vec::new();
        let mut rest = &html[form_tag_end..];
        while let Some(i) = rest.find("<input").or_else(|| rest.find("<button")) {
            let end = rest[i..].find('>').expect("tag closes") + i;
            let tag = &rest[i..=end];
            if let Some(name) = attr(tag, "name") {
                let kind = attr(tag, "type").unwrap_or_else(|| {
                    if tag.starts_with("<button") {
                        "submit".into()
                    } else {
                        "text".into()
                    }
                });
                let checked = tag.contains(" checked");
                inputs.push((name, attr(tag, "value").unwrap_or_default(), kind, checked));
            }
            rest = &rest[end..];
        }
        Self { action, inputs }
    }

    /// The values of every input named `name`.
    pub fn values(&self, name: &str) -> Vec<String> {
        self.inputs
            .iter()
            .filter(|(n, ..)| n == name)
            .map(|(_, v, ..)| v.clone())
            .collect()
    }

    /// The form body a browser would send for `consent`.
    pub fn submission(&self, consent: &Consent) -> Vec<(String, String)> {
        let mut body = Vec::new();
        for (name, value, kind, checked) in &self.inputs {
            let include = match (name.as_str(), kind.as_str()) {
                ("decision", _) => false,
                ("scopes", "checkbox") => *checked && !consent.decline_scopes.contains(value),
                ("pages", "checkbox") => match &consent.pages {
                    Some(chosen) => chosen.contains(value),
                    None => *checked,
                },
                ("account", "radio") => match &consent.account {
                    Some(chosen) => chosen == value,
                    None => *checked,
                },
                (_, "checkbox" | "radio") => *checked,
                (_, "submit") => false,
                _ => true,
            };
            if include {
                body.push((name.clone(), value.clone()));
            }
        }
        let decision = if consent.allow { "allow" } else { "cancel" };
        body.push(("decision".into(), decision.into()));
        body
    }
}
