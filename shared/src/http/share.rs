//! Handlers of sharing: grants, access changes (member access, transfer) and the audit trail.
//! Each parses its input into domain types and calls one use case.

use super::ShareState;
use super::accounts::{AccountView, page_request};
use super::extract::{ApiJson, ApiQuery};
use super::problem::{ApiResult, Problem};
use crate::domain::{AuditEntry, AuditEvent, Caller, Grant, MemberAccess, Owner, UserId};
use crate::service::{self, AccessChange, AccessDeps, SharingDeps};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

impl ShareState {
    fn access(&self) -> AccessDeps<'_> {
        AccessDeps {
            accounts: self.accounts.as_ref(),
        }
    }

    fn sharing(&self) -> SharingDeps<'_> {
        SharingDeps {
            access: self.access(),
            writer: self.writer.as_ref(),
            clock: self.clock.as_ref(),
        }
    }
}

/// `DELETE /v1/accounts/{id}`: 204, then 404 for a second call.
pub async fn disconnect(
    State(s): State<ShareState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let deps = service::DisconnectDeps {
        access: s.access(),
        removal: s.removal.as_ref(),
        meta: s.revoke.as_ref(),
        clock: s.clock.as_ref(),
    };
    service::disconnect_account(deps, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct GrantList {
    data: Vec<Grant>,
}

/// `GET /v1/accounts/{id}/grants`.
pub async fn list_grants(
    State(s): State<ShareState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<GrantList>> {
    let data = service::list_grants(s.access(), &caller, &id).await?;
    Ok(Json(GrantList { data }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    permission: String,
}

/// `PUT /v1/accounts/{id}/grants/{user_id}`.
pub async fn put_grant(
    State(s): State<ShareState>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
    ApiJson(body): ApiJson<GrantBody>,
) -> ApiResult<Json<Grant>> {
    let permission = service::parse_permission(&body.permission)?;
    let grant = service::set_grant(s.sharing(), &caller, &id, &user, permission).await?;
    Ok(Json(grant))
}

/// `DELETE /v1/accounts/{id}/grants/{user_id}`.
pub async fn delete_grant(
    State(s): State<ShareState>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    service::remove_grant(s.sharing(), &caller, &id, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body of `PATCH /v1/accounts/{id}`. Unknown fields are refused, so a typo never
/// silently changes nothing; a field sent as `null` is refused like any other value that
/// is not one (absent means "unchanged", and `null` would have to mean something else).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    #[serde(default, deserialize_with = "present")]
    owner: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    member_access: Option<Value>,
}

/// A field that is in the body, `null` included.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn bad(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, code, "The request is invalid").detail(detail)
}

/// An owner in the shape accounts show it (`{"type":"company"}`,
/// `{"type":"user","user_id":"sarah"}`), or the bare string `"company"`.
fn parse_owner(v: &Value) -> Result<Owner, Problem> {
    const HELP: &str =
        r#"owner must be {"type":"company"}, {"type":"user","user_id":"<user>"} or "company""#;
    match v {
        Value::String(s) if s == "company" => Ok(Owner::Company),
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("company") if o.len() == 1 => Ok(Owner::Company),
            Some("user") if o.len() == 2 => {
                let raw = o
                    .get("user_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("invalid_owner", HELP))?;
                let user_id = UserId::parse(raw)
                    .map_err(|e| bad("invalid_owner", format!("owner.user_id: {e}")))?;
                Ok(Owner::User { user_id })
            }
            _ => Err(bad("invalid_owner", HELP)),
        },
        _ => Err(bad("invalid_owner", HELP)),
    }
}

fn parse_member_access(v: &Value) -> Result<MemberAccess, Problem> {
    v.as_str().and_then(MemberAccess::parse).ok_or_else(|| {
        bad(
            "invalid_member_access",
            "member_access must be none, view or publish (manage is given by grants only)",
        )
    })
}

/// `PATCH /v1/accounts/{id}`: 200 with the account as the caller now sees it, or 204 when
/// the change left the caller without access (they gave the account away).
pub async fn patch_account(
    State(s): State<ShareState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchBody>,
) -> ApiResult<Response> {
    let change = AccessChange {
        owner: body.owner.as_ref().map(parse_owner).transpose()?,
        member_access: body
            .member_access
            .as_ref()
            .map(parse_member_access)
            .transpose()?,
    };
    Ok(
        match service::update_account(s.sharing(), &caller, &id, change).await? {
            Some(account) => Json(AccountView::from(account)).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        },
    )
}

/// An audit entry as the API shows it: the action and its details side by side.
#[derive(Serialize)]
pub struct AuditView {
    id: String,
    at: DateTime<Utc>,
    actor: UserId,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(flatten)]
    event: AuditEvent,
}

impl From<AuditEntry> for AuditView {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id.to_string(),
            at: e.at,
            actor: e.actor,
            account_id: e.account_id.map(|a| a.to_string()),
            event: e.event,
        }
    }
}

#[derive(Deserialize)]
pub struct AuditQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Serialize)]
pub struct AuditList {
    data: Vec<AuditView>,
    next_cursor: Option<String>,
}

/// `GET /v1/audit`.
pub async fn audit(
    State(s): State<ShareState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditList>> {
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let found = service::list_audit(s.audit.as_ref(), &caller, &page).await?;
    Ok(Json(AuditList {
        data: found.items.into_iter().map(AuditView::from).collect(),
        next_cursor: found.next.map(|c| c.encode()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_field_is_refused_not_taken_as_absent() {
        let body: PatchBody =
            serde_json::from_str(r#"{"member_access":null,"owner":null}"#).unwrap();
        let access = body.member_access.expect("present");
        assert_eq!(
            parse_member_access(&access).map_err(|p| p.code),
            Err("invalid_member_access".into())
        );
        let owner = body.owner.expect("present");
        assert_eq!(
            parse_owner(&owner).map_err(|p| p.code),
            Err("invalid_owner".into())
        );
        let absent: PatchBody = serde_json::from_str("{}").unwrap();
        assert!(absent.member_access.is_none() && absent.owner.is_none());
    }
}
