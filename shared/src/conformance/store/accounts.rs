//! Accounts: created once per tenant and Instagram user, renewed in place, read only
//! within their tenant, listed in pages without gaps.

use crate::conformance::fixtures::{
    connection, full_profile, sealed, tenant, unknown_account, user,
};
use crate::domain::{
    AccountId, AccountStatus, LoginPath, MetaGrantor, Owner, PageRequest, Profile,
};
use crate::ports::{AccountReader, AccountWriter, TokenReader};
use chrono::TimeDelta;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A first login creates an active account at version 1, readable at once.
pub async fn first_connection_creates_an_account<S>(store: &S)
where
    S: AccountWriter + AccountReader + ?Sized,
{
    let login = connection(&tenant("tenant-a"), "17841400000000001");
    let saved = store
        .save_connection(&login, &sealed("one"))
        .await
        .expect("save");

    assert_eq!(saved, login.new_account(saved.id.clone()));
    assert_eq!(saved.status, AccountStatus::Active);
    assert_eq!(saved.version, 1);
    let read = store
        .get_account(&login.tenant, &saved.id)
        .await
        .expect("get");
    assert_eq!(read, Some(saved));
}

/// Reconnecting the same Instagram account renews it in place: same id, owner and first
/// connection; new profile, grantor and token; version bumped.
pub async fn reconnect_updates_the_account_in_place<S>(store: &S)
where
    S: AccountWriter + AccountReader + TokenReader + ?Sized,
{
    let t = tenant("tenant-a");
    let first = store
        .save_connection(&connection(&t, "17841400000000001"), &sealed("old"))
        .await
        .expect("first save");

    let mut again = connection(&t, "17841400000000001");
    again.login = LoginPath::Instagram;
    again.owner = Owner::Company;
    again.connected_by = user("auth0|someone-else");
    again.profile = Profile {
        username: "renamed".to_owned(),
        ..Profile::default()
    };
    again.grantor = MetaGrantor {
        meta_user_id: "998877".to_owned(),
        page_id: None,
        scopes: None,
    };
    again.token_expires_at = None;
    again.at = first.connected_at + TimeDelta::milliseconds(1_500);
    let renewed = store
        .save_connection(&again, &sealed("new"))
        .await
        .expect("reconnect");

    assert_eq!(renewed.id, first.id);
    assert_eq!(renewed.owner, first.owner);
    assert_eq!(renewed.connected_at, first.connected_at);
    assert_eq!(renewed.connected_by, first.connected_by);
    assert_eq!(renewed.version, first.version + 1);
    assert_eq!(renewed, again.reconnect(&first));
    assert_eq!(
        store.get_account(&t, &first.id).await.expect("get"),
        Some(renewed)
    );
    assert_eq!(
        store.sealed_token(&t, &first.id).await.expect("token"),
        Some(sealed("new"))
    );
    let listed = store
        .list_accounts(&t, &page(10, None))
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 1, "a reconnect adds no account");
}

/// Concurrent first logins of one account (two browser tabs) still make one account.
pub async fn concurrent_first_connections_make_one_account<S>(store: Arc<S>)
where
    S: AccountWriter + AccountReader + ?Sized + 'static,
{
    let t = tenant("tenant-a");
    let mut tasks = Vec::new();
    for i in 0..4 {
        let store = Arc::clone(&store);
        let login = connection(&t, "17841400000000001");
        let token = sealed(&format!("tab-{i}"));
        tasks.push(tokio::spawn(async move {
            store.save_connection(&login, &token).await
        }));
    }
    let mut ids = BTreeSet::new();
    let mut versions = BTreeSet::new();
    for task in tasks {
        let account = task.await.expect("task").expect("save");
        ids.insert(account.id);
        versions.insert(account.version);
    }
    assert_eq!(ids.len(), 1, "all logins landed on one account");
    assert_eq!(
        versions,
        (1..=4).collect(),
        "each write bumped the version once"
    );
    let listed = store
        .list_accounts(&t, &page(10, None))
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 1);
}

/// One Instagram account connected by two tenants is two independent accounts.
pub async fn same_instagram_user_in_two_tenants_is_two_accounts<S>(store: &S)
where
    S: AccountWriter + AccountReader + TokenReader + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let in_a = store
        .save_connection(&connection(&a, "17841400000000001"), &sealed("a"))
        .await
        .expect("save a");
    let in_b = store
        .save_connection(&connection(&b, "17841400000000001"), &sealed("b"))
        .await
        .expect("save b");

    assert_ne!(in_a.id, in_b.id);
    assert_eq!(in_b.version, 1, "tenant b's login is a first connection");
    assert_eq!(
        store.get_account(&a, &in_a.id).await.expect("get"),
        Some(in_a.clone())
    );
    assert_eq!(
        store.sealed_token(&a, &in_a.id).await.expect("token"),
        Some(sealed("a"))
    );
    assert_eq!(
        store.sealed_token(&b, &in_b.id).await.expect("token"),
        Some(sealed("b"))
    );
}

/// Another tenant's account id reads as absent, never as someone else's account.
pub async fn another_tenants_account_is_not_found<S>(store: &S)
where
    S: AccountWriter + AccountReader + TokenReader + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let in_a = store
        .save_connection(&connection(&a, "17841400000000001"), &sealed("a"))
        .await
        .expect("save");

    assert_eq!(store.get_account(&b, &in_a.id).await.expect("get"), None);
    assert_eq!(store.sealed_token(&b, &in_a.id).await.expect("token"), None);
}

/// An id nobody handed out reads as absent.
pub async fn unknown_account_is_none<S>(store: &S)
where
    S: AccountReader + TokenReader + ?Sized,
{
    let t = tenant("tenant-a");
    assert_eq!(
        store
            .get_account(&t, &unknown_account())
            .await
            .expect("get"),
        None
    );
    assert_eq!(
        store
            .sealed_token(&t, &unknown_account())
            .await
            .expect("token"),
        None
    );
}

/// A listing holds only the tenant's own accounts, in ascending id order.
pub async fn list_is_tenant_scoped_and_ordered_by_id<S>(store: &S)
where
    S: AccountWriter + AccountReader + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let mut mine = Vec::new();
    for i in 0..3 {
        let ig = format!("1784140000000001{i}");
        mine.push(
            store
                .save_connection(&connection(&a, &ig), &sealed("a"))
                .await
                .expect("save"),
        );
        store
            .save_connection(&connection(&b, &ig), &sealed("b"))
            .await
            .expect("save");
    }
    mine.sort_by(|x, y| x.id.cmp(&y.id));

    let listed = store
        .list_accounts(&a, &page(10, None))
        .await
        .expect("list");
    assert_eq!(listed.items, mine);
    assert_eq!(listed.next, None);
}

/// Walking pages of 3 over 7 accounts sees each account exactly once, in order, and the
/// last page has no next cursor; a page that ends exactly at the end has none either.
pub async fn list_paginates_without_gaps_or_duplicates<S>(store: &S)
where
    S: AccountWriter + AccountReader + ?Sized,
{
    let t = tenant("tenant-a");
    let mut expected = Vec::new();
    for i in 0..7 {
        let login = connection(&t, &format!("178414000000000{i:02}"));
        expected.push(
            store
                .save_connection(&login, &sealed("x"))
                .await
                .expect("save")
                .id,
        );
    }
    expected.sort();

    let mut seen: Vec<AccountId> = Vec::new();
    let mut sizes = Vec::new();
    let mut request = page(3, None);
    loop {
        let got = store.list_accounts(&t, &request).await.expect("list");
        sizes.push(got.items.len());
        seen.extend(got.items.into_iter().map(|a| a.id));
        match got.next {
            Some(cursor) => {
                request = PageRequest {
                    limit: 3,
                    after: Some(cursor),
                }
            }
            None => break,
        }
        assert!(sizes.len() < 10, "pagination does not end");
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen, expected);

    let whole = store.list_accounts(&t, &page(7, None)).await.expect("list");
    assert_eq!(whole.items.len(), 7);
    assert_eq!(
        whole.next, None,
        "no next page when the page ends at the last account"
    );
}

/// A tenant with no accounts lists an empty page.
pub async fn empty_tenant_lists_nothing<S: AccountReader + ?Sized>(store: &S) {
    let listed = store
        .list_accounts(&tenant("nobody-here"), &page(5, None))
        .await
        .expect("list");
    assert!(listed.items.is_empty());
    assert_eq!(listed.next, None);
}

/// The sealed token comes back byte for byte, and only to its own tenant.
pub async fn sealed_token_round_trips_and_is_tenant_scoped<S>(store: &S)
where
    S: AccountWriter + TokenReader + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let mut token = sealed("kept");
    token.wrapped_key = (0..=255).collect();
    token.ciphertext = vec![0, 255, 10, 13, 34, 92];
    let saved = store
        .save_connection(&connection(&a, "17841400000000001"), &token)
        .await
        .expect("save");

    assert_eq!(
        store.sealed_token(&a, &saved.id).await.expect("token"),
        Some(token)
    );
    assert_eq!(
        store.sealed_token(&b, &saved.id).await.expect("token"),
        None
    );
}

/// Every field of an account reads back exactly, through both `get_account` and
/// `list_accounts`: full and empty profiles, user and company owners, with and without a
/// token expiry.
pub async fn account_fields_round_trip_exactly<S>(store: &S)
where
    S: AccountWriter + AccountReader + ?Sized,
{
    let t = tenant("tenant-a");
    let full = connection(&t, "17841400000000001");
    let mut sparse = connection(&t, "17841499999999999999");
    sparse.login = LoginPath::Instagram;
    sparse.owner = Owner::Company;
    sparse.profile = Profile {
        username: "only_a_name".to_owned(),
        ..Profile::default()
    };
    sparse.grantor = MetaGrantor {
        meta_user_id: "17841499999999999999".to_owned(),
        page_id: None,
        scopes: None,
    };
    sparse.token_expires_at = None;
    let mut odd = connection(&t, "42");
    odd.profile = full_profile("zoë.ünïcode_😀");
    odd.token_expires_at = Some(odd.at + TimeDelta::milliseconds(1));

    let mut saved = Vec::new();
    for login in [full, sparse, odd] {
        let account = store
            .save_connection(&login, &sealed("x"))
            .await
            .expect("save");
        assert_eq!(account, login.new_account(account.id.clone()));
        assert_eq!(
            store
                .get_account(&t, &account.id)
                .await
                .expect("get")
                .as_ref(),
            Some(&account)
        );
        saved.push(account);
    }
    saved.sort_by(|x, y| x.id.cmp(&y.id));
    let listed = store
        .list_accounts(&t, &page(10, None))
        .await
        .expect("list");
    assert_eq!(listed.items, saved);
}

fn page(limit: u32, after: Option<crate::domain::Cursor>) -> PageRequest {
    PageRequest { limit, after }
}
