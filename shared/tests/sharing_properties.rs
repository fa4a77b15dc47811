//! Team sharing, checked against a model: random worlds (two or three tenants, users with
//! random roles, a user id sometimes in several tenants with different roles, accounts owned
//! by the company or by one of the tenant's users) and random sequences of sharing
//! operations by random callers, some aimed at another tenant's accounts. Every sequence
//! runs through the real use cases on SQLite and on DynamoDB (moto), and every answer must
//! be what a plain model of the rules, written here and not with `permission_of`,
//! says: the same outcome, the same permission, the same accounts, grants and audit trail.

use igconnect::adapters::sqlite::SqliteStore;
use igconnect::conformance::{fixtures, moto};
use igconnect::domain::{
    AccountId, AuditEvent, AuditId, Caller, Grant, IgUserId, MemberAccess, Owner, PageRequest,
    Permission, Role, TenantId, UserId,
};
use igconnect::ports::{Clock, Store};
use igconnect::service::{
    self, AccessChange, AccessDeps, ServiceError, SharingDeps, VisibleAccount,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

// ---- What is generated -------------------------------------------------------------------

/// User ids the worlds draw from: the same id in two tenants is two different people.
const POOL: [&str; 5] = ["auth0|ana", "auth0|ben", "cy@example.com", "dee", "eve"];

/// One tenant: its users (index into [`POOL`], role) and its accounts' owners (`None`: the
/// company; `Some(i)`: the tenant's user `i` modulo their count).
#[derive(Debug, Clone)]
struct TenantSpec {
    users: Vec<(usize, Role)>,
    accounts: Vec<Option<usize>>,
}

/// A caller: tenant and user indices, taken modulo what the world has.
#[derive(Debug, Clone, Copy)]
struct By(usize, usize);

/// The account an operation names.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// An account of the caller's own tenant.
    Own(usize),
    /// An account of another tenant (tenant offset, account index).
    Foreign(usize, usize),
    /// A well-formed id no store handed out.
    Unknown,
    /// An id that does not parse.
    Malformed,
}

/// A user an operation names.
#[derive(Debug, Clone, Copy)]
enum Grantee {
    Pool(usize),
    Invalid,
}

#[derive(Debug, Clone, Copy)]
enum NewOwner {
    Company,
    User(usize),
}

#[derive(Debug, Clone)]
enum Op {
    SetGrant(By, Target, Grantee, Permission),
    RemoveGrant(By, Target, Grantee),
    Update(By, Target, Option<NewOwner>, Option<MemberAccess>),
    Get(By, Target),
    List(By, u32),
    ListGrants(By, Target),
    ListAudit(By, u32),
}

#[derive(Debug, Clone)]
struct Scenario {
    tenants: Vec<TenantSpec>,
    ops: Vec<Op>,
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![1 => Just(Role::Owner), 1 => Just(Role::Admin), 2 => Just(Role::Member)]
}

fn permission() -> impl Strategy<Value = Permission> {
    proptest::sample::select(Permission::ALL.to_vec())
}

fn member_access() -> impl Strategy<Value = MemberAccess> {
    proptest::sample::select(MemberAccess::ALL.to_vec())
}

fn tenant_spec() -> impl Strategy<Value = TenantSpec> {
    let ids = proptest::sample::subsequence((0..POOL.len()).collect::<Vec<_>>(), 2..=4);
    let owners = prop::collection::vec(prop::option::of(0..4usize), 1..=4);
    (ids, prop::collection::vec(role(), 4), owners).prop_map(|(ids, roles, accounts)| TenantSpec {
        users: ids.into_iter().zip(roles).collect(),
        accounts,
    })
}

fn by() -> impl Strategy<Value = By> {
    (0..3usize, 0..4usize).prop_map(|(t, u)| By(t, u))
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        7 => (0..4usize).prop_map(Target::Own),
        2 => (0..2usize, 0..4usize).prop_map(|(t, a)| Target::Foreign(t, a)),
        1 => Just(Target::Unknown),
        1 => Just(Target::Malformed),
    ]
}

/// Mostly the first two users of the pool, so grants are often replaced and removed.
fn grantee() -> impl Strategy<Value = Grantee> {
    prop_oneof![
        5 => (0..2usize).prop_map(Grantee::Pool),
        4 => (0..POOL.len()).prop_map(Grantee::Pool),
        1 => Just(Grantee::Invalid),
    ]
}

fn new_owner() -> impl Strategy<Value = NewOwner> {
    prop_oneof![
        Just(NewOwner::Company),
        (0..POOL.len()).prop_map(NewOwner::User)
    ]
}

/// Owner and/or member access; now and then neither, which is refused.
fn access_change() -> impl Strategy<Value = (Option<NewOwner>, Option<MemberAccess>)> {
    prop_oneof![
        3 => new_owner().prop_map(|o| (Some(o), None)),
        3 => member_access().prop_map(|a| (None, Some(a))),
        2 => (new_owner(), member_access()).prop_map(|(o, a)| (Some(o), Some(a))),
        1 => Just((None, None)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (by(), target(), grantee(), permission())
            .prop_map(|(b, t, g, p)| Op::SetGrant(b, t, g, p)),
        2 => (by(), target(), grantee()).prop_map(|(b, t, g)| Op::RemoveGrant(b, t, g)),
        3 => (by(), target(), access_change()).prop_map(|(b, t, (o, a))| Op::Update(b, t, o, a)),
        2 => (by(), target()).prop_map(|(b, t)| Op::Get(b, t)),
        2 => (by(), 1..=3u32).prop_map(|(b, l)| Op::List(b, l)),
        1 => (by(), target()).prop_map(|(b, t)| Op::ListGrants(b, t)),
        1 => (by(), 1..=4u32).prop_map(|(b, l)| Op::ListAudit(b, l)),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(tenant_spec(), 2..=3),
        prop::collection::vec(op(), 1..=32),
    )
        .prop_map(|(tenants, ops)| Scenario { tenants, ops })
}

// ---- The model -----------------------------------------------------------------------------

struct ModelAccount {
    tenant: usize,
    label: String,
    id: AccountId,
    ig_user_id: IgUserId,
    owner: Owner,
    member_access: MemberAccess,
    version: u64,
    grants: BTreeMap<UserId, Grant>,
}

/// What the rules say, kept as plain data.
struct Model {
    tenants: Vec<TenantId>,
    roles: Vec<HashMap<UserId, Role>>,
    /// In connection order.
    accounts: Vec<ModelAccount>,
    /// Per tenant, oldest first: (actor, account, event).
    trails: Vec<Vec<(UserId, AccountId, AuditEvent)>>,
}

/// How a use case answered, as far as the rules decide it.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Ok,
    AccountNotFound,
    PermissionDenied,
    Invalid(&'static str),
    NotFound(&'static str),
    Conflict(&'static str),
    Unexpected(String),
}

fn outcome<T>(result: &Result<T, ServiceError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(ServiceError::AccountNotFound) => Outcome::AccountNotFound,
        Err(ServiceError::PermissionDenied(_)) => Outcome::PermissionDenied,
        Err(ServiceError::Invalid { code, .. }) => Outcome::Invalid(code),
        Err(ServiceError::NotFound { code, .. }) => Outcome::NotFound(code),
        Err(ServiceError::Conflict { code, .. }) => Outcome::Conflict(code),
        Err(other) => Outcome::Unexpected(other.to_string()),
    }
}

/// The caller as the model knows them: tenant index beside the real `Caller`.
struct Who {
    tenant: usize,
    caller: Caller,
}

impl Model {
    /// The rules, word for word.
    fn permission(&self, who: &Who, account: &ModelAccount) -> Option<Permission> {
        if account.tenant != who.tenant {
            return None;
        }
        let is_admin = matches!(who.caller.role, Role::Owner | Role::Admin);
        let default = match &account.owner {
            Owner::User { user_id } if *user_id == who.caller.user => Some(Permission::Manage),
            Owner::User { .. } => None,
            Owner::Company if is_admin => Some(Permission::Manage),
            Owner::Company => match account.member_access {
                MemberAccess::None => None,
                MemberAccess::View => Some(Permission::View),
                MemberAccess::Publish => Some(Permission::Publish),
            },
        };
        let granted = account.grants.get(&who.caller.user).map(|g| g.permission);
        [default, granted].into_iter().flatten().max()
    }

    /// Not visible is "not found", visible but too little is "permission denied".
    fn authorize(
        &self,
        who: &Who,
        target: Option<usize>,
        needed: Permission,
    ) -> Result<usize, Outcome> {
        let i = target.ok_or(Outcome::AccountNotFound)?;
        match self.permission(who, &self.accounts[i]) {
            None => Err(Outcome::AccountNotFound),
            Some(p) if p >= needed => Ok(i),
            Some(_) => Err(Outcome::PermissionDenied),
        }
    }

    fn who(&self, by: By) -> Who {
        let tenant = by.0 % self.tenants.len();
        let mut users: Vec<(&UserId, &Role)> = self.roles[tenant].iter().collect();
        users.sort_by_key(|(user, _)| *user);
        let (user, role) = users[by.1 % users.len()];
        Who {
            tenant,
            caller: Caller {
                tenant: self.tenants[tenant].clone(),
                user: user.clone(),
                role: *role,
            },
        }
    }

    fn of_tenant(&self, tenant: usize) -> Vec<usize> {
        let mut found: Vec<usize> = (0..self.accounts.len())
            .filter(|&i| self.accounts[i].tenant == tenant)
            .collect();
        found.sort_by(|&a, &b| self.accounts[a].id.cmp(&self.accounts[b].id));
        found
    }

    /// The id sent and the model account it names, if any.
    fn resolve(&self, who: &Who, target: Target) -> (String, Option<usize>, String) {
        let n = self.tenants.len();
        let pick = |tenant: usize, i: usize| {
            let ids = self.of_tenant(tenant);
            let a = ids[i % ids.len()];
            let account = &self.accounts[a];
            (account.id.to_string(), Some(a), account.label.clone())
        };
        match target {
            Target::Own(i) => pick(who.tenant, i),
            Target::Foreign(t, i) => pick((who.tenant + 1 + t % (n - 1)) % n, i),
            Target::Unknown => (AccountId::generate().to_string(), None, "unknown".into()),
            Target::Malformed => ("not#an-id".into(), None, "malformed".into()),
        }
    }

    /// What `who` must be shown of account `i`, or why it differs.
    fn check_view(&self, who: &Who, got: &VisibleAccount, i: usize) -> Result<(), String> {
        let a = &self.accounts[i];
        let permission = self.permission(who, a);
        let grants = (permission == Some(Permission::Manage))
            .then(|| a.grants.values().cloned().collect::<Vec<_>>());
        let shown = &got.account;
        if shown.tenant != who.caller.tenant {
            return Err(format!("{} shown to another tenant", a.label));
        }
        let expected = (
            &a.id,
            &a.ig_user_id,
            &a.owner,
            a.member_access,
            a.version,
            permission,
            &grants,
        );
        let actual = (
            &shown.id,
            &shown.ig_user_id,
            &shown.owner,
            shown.member_access,
            shown.version,
            Some(got.permission),
            &got.grants,
        );
        if expected != actual {
            return Err(format!(
                "{}: expected (id, ig, owner, member_access, version, permission, grants) \
                 {expected:?}\n got {actual:?}",
                a.label
            ));
        }
        Ok(())
    }
}

// ---- Running a scenario -------------------------------------------------------------------

/// Whole milliseconds, the precision every store keeps, so grants read back exactly.
struct WholeMillis;

impl Clock for WholeMillis {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        fixtures::now()
    }
}

fn user_of(grantee: Grantee) -> String {
    match grantee {
        Grantee::Pool(i) => POOL[i].to_owned(),
        Grantee::Invalid => "not a user".to_owned(),
    }
}

/// Connects the world's accounts, under tenant names no other case uses.
async fn connect_world<S: Store>(store: &S, specs: &[TenantSpec]) -> Result<Model, String> {
    let tag = moto::unique_name("case");
    let mut model = Model {
        tenants: Vec::new(),
        roles: Vec::new(),
        accounts: Vec::new(),
        trails: Vec::new(),
    };
    for (t, spec) in specs.iter().enumerate() {
        let tenant = fixtures::tenant(&format!("{tag}-t{t}"));
        let users: Vec<(UserId, Role)> = spec
            .users
            .iter()
            .map(|&(i, role)| (fixtures::user(POOL[i]), role))
            .collect();
        let mut trail = Vec::new();
        for (j, owner) in spec.accounts.iter().enumerate() {
            // The same Instagram account in every tenant: still one account per tenant.
            let mut login = fixtures::connection(&tenant, &format!("1784140000000000{j}"));
            login.owner = match owner {
                None => Owner::Company,
                Some(k) => Owner::User {
                    user_id: users[k % users.len()].0.clone(),
                },
            };
            login.connected_by = match &login.owner {
                Owner::User { user_id } => user_id.clone(),
                Owner::Company => users[0].0.clone(),
            };
            let saved = store
                .save_connection(&login, &fixtures::sealed("token"))
                .await
                .map_err(|e| format!("save_connection: {e}"))?;
            if saved.member_access != MemberAccess::Publish || saved.owner != login.owner {
                return Err(format!("a new account is not as connected: {saved:?}"));
            }
            trail.push((
                login.connected_by.clone(),
                saved.id.clone(),
                AuditEvent::Connected {
                    username: login.profile.username.clone(),
                    login: login.login,
                    owner: login.owner.clone(),
                },
            ));
            model.accounts.push(ModelAccount {
                tenant: t,
                label: format!("t{t}#{j}"),
                id: saved.id,
                ig_user_id: saved.ig_user_id,
                owner: login.owner,
                member_access: MemberAccess::Publish,
                version: saved.version,
                grants: BTreeMap::new(),
            });
        }
        model.tenants.push(tenant);
        model.roles.push(users.into_iter().collect());
        model.trails.push(trail);
    }
    Ok(model)
}

fn describe_world(model: &Model) -> String {
    let mut out = String::new();
    for (t, roles) in model.roles.iter().enumerate() {
        let mut users: Vec<_> = roles.iter().map(|(u, r)| format!("{u}:{r:?}")).collect();
        users.sort();
        let _ = write!(out, "  t{t}: users [{}]; accounts", users.join(", "));
        for a in model.accounts.iter().filter(|a| a.tenant == t) {
            let _ = write!(out, " {}={:?}", a.label, a.owner);
        }
        out.push('\n');
    }
    out
}

/// Runs `scenario` on `store`, checking every answer against the model.
async fn check_scenario<S: Store>(store: &S, scenario: &Scenario) -> Result<(), TestCaseError> {
    let mut model = connect_world(store, &scenario.tenants)
        .await
        .map_err(TestCaseError::fail)?;
    let world = describe_world(&model);
    let mut log = String::new();
    for (n, op) in scenario.ops.iter().enumerate() {
        if let Err(why) = step(store, &mut model, op, &mut log).await {
            return Err(TestCaseError::fail(format!(
                "step {n} failed: {why}\nworld (at the start):\n{world}steps:\n{log}"
            )));
        }
    }
    // Finally every tenant's whole trail, read by an admin: each change, and nothing else.
    for (tenant, id) in model.tenants.iter().enumerate() {
        let auditor = Who {
            tenant,
            caller: Caller {
                tenant: id.clone(),
                user: fixtures::user("auth0|auditor"),
                role: Role::Admin,
            },
        };
        if let Err(why) = check_audit(store, &model, &auditor, 7).await {
            return Err(TestCaseError::fail(format!(
                "t{tenant}'s trail after the last step: {why}\nworld (at the start):\n{world}\
                 steps:\n{log}"
            )));
        }
    }
    Ok(())
}

fn same(expected: &Outcome, got: &Outcome) -> Result<(), String> {
    if expected == got {
        Ok(())
    } else {
        Err(format!("expected {expected:?}, got {got:?}"))
    }
}

/// Runs one operation and checks its answer; on success, applies it to the model.
async fn step<S: Store>(
    store: &S,
    model: &mut Model,
    op: &Op,
    log: &mut String,
) -> Result<(), String> {
    let access = AccessDeps { accounts: store };
    let sharing = SharingDeps {
        access,
        writer: store,
        clock: &WholeMillis,
    };
    let (Op::SetGrant(by, ..)
    | Op::RemoveGrant(by, ..)
    | Op::Update(by, ..)
    | Op::Get(by, ..)
    | Op::List(by, ..)
    | Op::ListGrants(by, ..)
    | Op::ListAudit(by, ..)) = op;
    let who = model.who(*by);
    let caller = &who.caller;
    let target = match op {
        Op::SetGrant(_, t, ..)
        | Op::RemoveGrant(_, t, ..)
        | Op::Update(_, t, ..)
        | Op::Get(_, t)
        | Op::ListGrants(_, t) => Some(*t),
        Op::List(..) | Op::ListAudit(..) => None,
    };
    let (id, account, label) = target.map(|t| model.resolve(&who, t)).unwrap_or_default();
    let _ = writeln!(
        log,
        "  t{}:{}({:?}) {}",
        who.tenant,
        caller.user,
        caller.role,
        match op {
            Op::SetGrant(_, _, g, p) => format!("set_grant {label} {} {p:?}", user_of(*g)),
            Op::RemoveGrant(_, _, g) => format!("remove_grant {label} {}", user_of(*g)),
            Op::Update(_, _, o, a) => format!("update {label} owner={o:?} member_access={a:?}"),
            Op::Get(..) => format!("get {label}"),
            Op::List(_, limit) => format!("list limit={limit}"),
            Op::ListGrants(..) => format!("list_grants {label}"),
            Op::ListAudit(_, limit) => format!("list_audit limit={limit}"),
        }
    );
    let tenant = who.tenant;
    match op {
        Op::SetGrant(_, _, grantee, permission) => {
            let raw = user_of(*grantee);
            let user = UserId::parse(raw.as_str()).ok();
            let expected = match &user {
                None => Err(Outcome::Invalid("invalid_user_id")),
                Some(user) => model
                    .authorize(&who, account, Permission::Manage)
                    .and_then(|i| match &model.accounts[i].owner {
                        Owner::User { user_id } if user_id == user => {
                            Err(Outcome::Invalid("grantee_is_owner"))
                        }
                        _ => Ok(i),
                    }),
            };
            let got = service::set_grant(sharing, caller, &id, &raw, *permission).await;
            same(
                expected.as_ref().err().unwrap_or(&Outcome::Ok),
                &outcome(&got),
            )?;
            if let (Ok(i), Ok(grant), Some(user)) = (expected, got, user) {
                if (&grant.user_id, grant.permission, &grant.granted_by)
                    != (&user, *permission, &caller.user)
                {
                    return Err(format!("set_grant answered {grant:?}"));
                }
                let a = &mut model.accounts[i];
                let previous = a.grants.insert(user.clone(), grant).map(|g| g.permission);
                let event = AuditEvent::GrantSet {
                    user_id: user,
                    permission: *permission,
                    previous,
                };
                model.trails[tenant].push((caller.user.clone(), a.id.clone(), event));
            }
        }
        Op::RemoveGrant(_, _, grantee) => {
            let raw = user_of(*grantee);
            let user = UserId::parse(raw.as_str()).ok();
            let expected = match &user {
                None => Err(Outcome::Invalid("invalid_user_id")),
                Some(user) => model
                    .authorize(&who, account, Permission::Manage)
                    .and_then(|i| match model.accounts[i].grants.contains_key(user) {
                        true => Ok(i),
                        false => Err(Outcome::NotFound("grant_not_found")),
                    }),
            };
            let got = service::remove_grant(sharing, caller, &id, &raw).await;
            same(
                expected.as_ref().err().unwrap_or(&Outcome::Ok),
                &outcome(&got),
            )?;
            if let (Ok(i), Some(user)) = (expected, user) {
                let a = &mut model.accounts[i];
                let removed = a.grants.remove(&user).expect("the model had the grant");
                let event = AuditEvent::GrantRemoved {
                    user_id: user,
                    permission: removed.permission,
                };
                model.trails[tenant].push((caller.user.clone(), a.id.clone(), event));
            }
        }
        Op::Update(_, _, owner, member_access) => {
            let owner = owner.map(|o| match o {
                NewOwner::Company => Owner::Company,
                NewOwner::User(i) => Owner::User {
                    user_id: fixtures::user(POOL[i]),
                },
            });
            let expected = if owner.is_none() && member_access.is_none() {
                Err(Outcome::Invalid("invalid_request"))
            } else {
                model
                    .authorize(&who, account, Permission::Manage)
                    .and_then(|i| {
                        let new_owner = owner.as_ref().unwrap_or(&model.accounts[i].owner);
                        if member_access.is_some() && *new_owner != Owner::Company {
                            Err(Outcome::Conflict("not_a_company_account"))
                        } else {
                            Ok(i)
                        }
                    })
            };
            let change = AccessChange {
                owner: owner.clone(),
                member_access: *member_access,
            };
            let got = service::update_account(sharing, caller, &id, change).await;
            same(
                expected.as_ref().err().unwrap_or(&Outcome::Ok),
                &outcome(&got),
            )?;
            if let (Ok(i), Ok(answer)) = (expected, got) {
                let a = &mut model.accounts[i];
                let mut events = Vec::new();
                if let Some(owner) = owner
                    && owner != a.owner
                {
                    events.push(AuditEvent::Transferred {
                        from: a.owner.clone(),
                        to: owner.clone(),
                    });
                    a.owner = owner;
                }
                if let Some(access) = *member_access
                    && access != a.member_access
                {
                    events.push(AuditEvent::MemberAccessChanged {
                        from: a.member_access,
                        to: access,
                    });
                    a.member_access = access;
                }
                if !events.is_empty() {
                    a.version += 1;
                }
                let account_id = a.id.clone();
                for event in events {
                    model.trails[tenant].push((caller.user.clone(), account_id.clone(), event));
                }
                let visible = model.permission(&who, &model.accounts[i]).is_some();
                match answer {
                    Some(view) if visible => model.check_view(&who, &view, i)?,
                    None if !visible => {}
                    other => {
                        return Err(format!(
                            "update answered {other:?}; the caller should{} still see it",
                            if visible { "" } else { " not" }
                        ));
                    }
                }
            }
        }
        Op::Get(..) => {
            let expected = model.authorize(&who, account, Permission::View);
            let got = service::get_account(access, caller, &id).await;
            same(
                expected.as_ref().err().unwrap_or(&Outcome::Ok),
                &outcome(&got),
            )?;
            if let (Ok(i), Ok(view)) = (expected, got) {
                model.check_view(&who, &view, i)?;
            }
        }
        Op::ListGrants(..) => {
            let expected = model.authorize(&who, account, Permission::Manage);
            let got = service::list_grants(access, caller, &id).await;
            same(
                expected.as_ref().err().unwrap_or(&Outcome::Ok),
                &outcome(&got),
            )?;
            if let (Ok(i), Ok(grants)) = (expected, got) {
                let want: Vec<Grant> = model.accounts[i].grants.values().cloned().collect();
                if grants != want {
                    return Err(format!("grants: expected {want:?}\n got {grants:?}"));
                }
            }
        }
        Op::List(_, limit) => {
            let want: Vec<usize> = model
                .of_tenant(tenant)
                .into_iter()
                .filter(|&i| model.permission(&who, &model.accounts[i]).is_some())
                .collect();
            let mut shown = Vec::new();
            let mut request = PageRequest {
                limit: *limit,
                after: None,
            };
            for _ in 0..=model.accounts.len() + 1 {
                let page = service::list_accounts(access, caller, &request)
                    .await
                    .map_err(|e| format!("list_accounts failed: {e}"))?;
                let full = page.items.len() == *limit as usize;
                if page.next.is_some() && !full {
                    return Err(format!("a short page before the end: {}", page.items.len()));
                }
                if page.items.len() > *limit as usize {
                    return Err(format!("a page over the limit: {}", page.items.len()));
                }
                shown.extend(page.items);
                match page.next {
                    Some(next) => request.after = Some(next),
                    None => break,
                }
            }
            let labels = |ids: Vec<&AccountId>| -> Vec<String> {
                ids.into_iter()
                    .map(|id| match model.accounts.iter().find(|a| a.id == *id) {
                        Some(a) => a.label.clone(),
                        None => format!("{id} (no account of this world)"),
                    })
                    .collect()
            };
            let want_ids: Vec<&AccountId> = want.iter().map(|&i| &model.accounts[i].id).collect();
            let shown_ids: Vec<&AccountId> = shown.iter().map(|v| &v.account.id).collect();
            if want_ids != shown_ids {
                return Err(format!(
                    "list: expected {:?}, got {:?}",
                    labels(want_ids),
                    labels(shown_ids)
                ));
            }
            for (view, i) in shown.iter().zip(want) {
                model.check_view(&who, view, i)?;
            }
        }
        Op::ListAudit(_, limit) => check_audit(store, model, &who, *limit).await?,
    }
    Ok(())
}

/// Reads the caller's tenant's trail in pages of `limit`: refused to members; for owners and
/// admins, exactly the model's entries, newest first, none of another tenant.
async fn check_audit<S: Store>(
    store: &S,
    model: &Model,
    who: &Who,
    limit: u32,
) -> Result<(), String> {
    let caller = &who.caller;
    let expected = match caller.role {
        Role::Owner | Role::Admin => Outcome::Ok,
        Role::Member => Outcome::PermissionDenied,
    };
    let mut request = PageRequest::<AuditId> { limit, after: None };
    let mut trail = Vec::new();
    loop {
        let got = service::list_audit(store, caller, &request).await;
        same(&expected, &outcome(&got))?;
        let Ok(page) = got else { return Ok(()) };
        if page.next.is_some() && page.items.len() != limit as usize {
            return Err(format!("a short audit page: {}", page.items.len()));
        }
        trail.extend(page.items);
        if trail.len() > model.trails[who.tenant].len() + 1 {
            return Err(format!("the trail runs on: {trail:?}"));
        }
        match page.next {
            Some(next) => request.after = Some(next),
            None => break,
        }
    }
    if let Some(foreign) = trail.iter().find(|e| e.tenant != caller.tenant) {
        return Err(format!("another tenant's entry: {foreign:?}"));
    }
    let got: Vec<_> = trail
        .into_iter()
        .map(|e| (e.actor, e.account_id, e.event))
        .collect();
    let want: Vec<_> = model.trails[who.tenant]
        .iter()
        .rev()
        .map(|(actor, id, event)| (actor.clone(), Some(id.clone()), event.clone()))
        .collect();
    if got != want {
        return Err(format!(
            "audit (newest first): expected {want:#?}\n got {got:#?}"
        ));
    }
    Ok(())
}

// ---- The two adapters -----------------------------------------------------------------------

/// `cases` random scenarios; a failure is shrunk for at most `shrink_secs`.
fn runner(cases: u32, shrink_secs: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        max_shrink_iters: 512,
        max_shrink_time: shrink_secs * 1000,
        failure_persistence: None,
        ..Config::default()
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Panics with why the shrunk scenario failed (its steps spelled out) and the scenario.
fn report(result: Result<(), TestError<Scenario>>) {
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, scenario)) => panic!("{why}\nminimal failing input: {scenario:?}"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn sharing_follows_the_rules_on_sqlite() {
    let rt = runtime();
    report(runner(256, 60).run(&scenario(), |s| {
        let store = SqliteStore::in_memory().expect("in-memory store");
        rt.block_on(check_scenario(&store, &s))
    }));
}

#[test]
fn sharing_follows_the_rules_on_dynamodb() {
    let rt = runtime();
    // A table per case: moto slows down as one table fills, and cases stay independent.
    report(runner(48, 30).run(&scenario(), |s| {
        rt.block_on(async {
            let store = moto::dynamo_store().await;
            check_scenario(&store, &s).await
        })
    }));
}
