//! How `igconnect accounts` shows accounts: aligned tables and labelled lines for a person,
//! JSON (with the API's field names) for scripts. An `Account` holds no token, so nothing
//! printed here can carry one.

use chrono::{DateTime, SecondsFormat, Utc};
use igconnect::domain::{Account, Grant, Owner};
use serde_json::{Value, json};

/// Pretty JSON on stdout.
pub fn json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

/// An account as JSON: the API's fields (no caller permission), with the upkeep and, for
/// `show`, the grants.
pub fn account_json(a: &Account, grants: Option<&[Grant]>) -> Value {
    let mut out = json!({
        "id": a.id.as_str(),
        "tenant": a.tenant.as_str(),
        "ig_user_id": a.ig_user_id.as_str(),
        "username": a.profile.username,
        "name": a.profile.name,
        "account_type": a.profile.account_type,
        "followers_count": a.profile.followers_count,
        "login": a.login,
        "owner": a.owner,
        "member_access": a.member_access,
        "status": a.status,
        "token_expires_at": a.token_expires_at,
        "last_refreshed_at": a.upkeep.last_refreshed_at,
        "last_error": a.upkeep.last_error,
        "connected_at": a.connected_at,
        "connected_by": a.connected_by.as_str(),
        "updated_at": a.updated_at,
        "version": a.version,
    });
    if let Some(grants) = grants {
        out["grantor"] = json!({
            "meta_user_id": a.grantor.meta_user_id,
            "page_id": a.grantor.page_id,
        });
        out["upkeep"] = serde_json::to_value(&a.upkeep).unwrap_or(Value::Null);
        out["grants"] = serde_json::to_value(grants).unwrap_or(Value::Null);
    }
    out
}

/// `user:<id>` or `company`, as `--owner` takes it.
pub fn owner(o: &Owner) -> String {
    match o {
        Owner::User { user_id } => format!("user:{user_id}"),
        Owner::Company => "company".to_owned(),
    }
}

fn instant(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| "-".to_owned())
}

/// When the token expires; Page tokens (Facebook Login) never do.
fn expires(a: &Account) -> String {
    a.token_expires_at
        .map(|t| instant(Some(t)))
        .unwrap_or_else(|| "never".to_owned())
}

/// Rows under a header, each column as wide as its widest cell.
fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row.clone());
    }
}

/// The `list` table.
pub fn account_table(accounts: &[Account]) {
    let rows: Vec<Vec<String>> = accounts
        .iter()
        .map(|a| {
            vec![
                a.id.to_string(),
                a.profile.username.clone(),
                a.login.as_str().to_owned(),
                owner(&a.owner),
                a.status.as_str().to_owned(),
                expires(a),
                instant(a.upkeep.last_refreshed_at),
                a.upkeep
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "-".to_owned()),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "USERNAME",
            "LOGIN",
            "OWNER",
            "STATUS",
            "TOKEN EXPIRES",
            "LAST REFRESHED",
            "LAST ERROR",
        ],
        &rows,
    );
}

/// The `show` page: one labelled line per fact, the upkeep, then the grants when given.
pub fn account_details(a: &Account, grants: Option<&[Grant]>) {
    let p = &a.profile;
    let mut about = vec![format!("@{}", p.username)];
    about.extend(p.name.clone());
    about.extend(p.account_type.clone());
    if let Some(n) = p.followers_count {
        about.push(format!("{n} followers"));
    }
    let lines = [
        ("account", a.id.to_string()),
        ("tenant", a.tenant.to_string()),
        (
            "instagram",
            format!("{} ({})", a.ig_user_id, about.join(", ")),
        ),
        ("login", a.login.as_str().to_owned()),
        ("owner", owner(&a.owner)),
        (
            "member access",
            match a.owner {
                Owner::Company => a.member_access.as_str().to_owned(),
                Owner::User { .. } => format!(
                    "{} (applies while the company owns it)",
                    a.member_access.as_str()
                ),
            },
        ),
        ("status", a.status.as_str().to_owned()),
        ("token expires", expires(a)),
        (
            "connected",
            format!("{} by {}", instant(Some(a.connected_at)), a.connected_by),
        ),
        (
            "updated",
            format!("{} (version {})", instant(Some(a.updated_at)), a.version),
        ),
        (
            "meta grantor",
            match &a.grantor.page_id {
                Some(page) => format!("user {} through Page {page}", a.grantor.meta_user_id),
                None => format!("user {}", a.grantor.meta_user_id),
            },
        ),
    ];
    for (label, value) in lines {
        println!("{label:<16}{value}");
    }
    let u = &a.upkeep;
    println!("upkeep");
    for (label, value) in [
        ("token issued", instant(u.token_issued_at)),
        ("last refreshed", instant(u.last_refreshed_at)),
        (
            "last error",
            u.last_error.clone().unwrap_or_else(|| "-".into()),
        ),
        ("failures", u.failures.to_string()),
        ("data access to", instant(u.data_access_expires_at)),
        ("next look", instant(u.refresh_due_at)),
    ] {
        println!("  {label:<16}{value}");
    }
    let Some(grants) = grants else {
        return;
    };
    if grants.is_empty() {
        println!("grants          none");
        return;
    }
    println!("grants");
    for g in grants {
        println!(
            "  {:<16}{} (given by {} at {})",
            g.user_id.as_str(),
            g.permission.as_str(),
            g.granted_by,
            instant(Some(g.granted_at))
        );
    }
}
