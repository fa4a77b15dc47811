//! Accounts read with their grants: the account list's page and the access decision's
//! read answer exactly what `list_accounts`, `get_account` and `grants_on` answer apart,
//! however the grants fall across pages, and never a neighbour's or another tenant's grant.

use super::support::connect;
use crate::conformance::fixtures::{audit, grant, grant_set, tenant, unknown_account};
use crate::domain::{Account, AuditEvent, Page, PageRequest, Permission, TenantId};
use crate::ports::{
    AccessWriter, AccountReader, AccountWithGrants, AccountWriter, GrantReader, StoreError,
};

/// Gives `count` grants on `account` (users `u0`, `u1`, ...), each with its audit entry.
async fn give<S>(store: &S, account: &Account, count: usize)
where
    S: AccessWriter + ?Sized,
{
    for i in 0..count {
        let given = grant(&format!("auth0|u{i}"), Permission::View);
        store
            .put_grant(account, &given, &grant_set(account, &given))
            .await
            .expect("put grant");
    }
}

/// What the two separate reads answer for one page.
async fn apart<S>(
    store: &S,
    t: &TenantId,
    request: &PageRequest,
) -> Result<Page<AccountWithGrants>, StoreError>
where
    S: AccountReader + GrantReader + ?Sized,
{
    let accounts = store.list_accounts(t, request).await?;
    let mut items = Vec::new();
    for account in accounts.items {
        let grants = store
            .grants_on(t, std::slice::from_ref(&account.id))
            .await?
            .into_iter()
            .map(|(_, g)| g)
            .collect();
        items.push(AccountWithGrants { account, grants });
    }
    Ok(Page {
        items,
        next: accounts.next,
    })
}

/// Walking every page size over accounts with none to many grants each (more grants on
/// one account than a page holds accounts) sees the same pages, cursors and grants as
/// listing and reading grants apart; another tenant's grants never show.
pub async fn listing_with_grants_agrees_with_listing_and_grants_apart<S>(store: &S)
where
    S: AccountWriter + AccountReader + AccessWriter + GrantReader + ?Sized,
{
    let t = tenant("tenant-a");
    let mut accounts = Vec::new();
    for i in 0..7 {
        accounts.push(connect(store, &format!("1784140000000002{i}")).await);
    }
    accounts.sort_by(|x, y| x.id.cmp(&y.id));
    for (account, count) in accounts.iter().zip([0, 3, 1, 7, 0, 2, 1]) {
        give(store, account, count).await;
    }
    // The same Instagram users in another tenant, every one of their accounts with grants.
    let mut elsewhere = Vec::new();
    for i in 0..7 {
        let mut login = crate::conformance::fixtures::connection(
            &tenant("tenant-b"),
            &format!("1784140000000002{i}"),
        );
        login.connected_by = crate::conformance::fixtures::user("auth0|b-owner");
        let account = store
            .save_connection(&login, &crate::conformance::fixtures::sealed("b"))
            .await
            .expect("save");
        give(store, &account, 4).await;
        elsewhere.push(account);
    }

    for limit in [1, 2, 3, 7, 100] {
        let mut request = PageRequest { limit, after: None };
        let mut pages = 0;
        loop {
            let together = store
                .list_accounts_with_grants(&t, &request)
                .await
                .expect("list with grants");
            let separately = apart(store, &t, &request).await.expect("list apart");
            assert_eq!(together, separately, "page {pages} of {limit}");
            for listed in &together.items {
                for g in &listed.grants {
                    assert!(g.user_id.as_str().starts_with("auth0|u"), "{g:?}");
                }
            }
            pages += 1;
            match together.next {
                Some(cursor) => request.after = Some(cursor),
                None => break,
            }
            assert!(pages < 10, "pagination does not end");
        }
        assert_eq!(
            pages,
            7usize.div_ceil(limit as usize).max(1),
            "pages of {limit}"
        );
    }
    let all = store
        .list_accounts_with_grants(
            &t,
            &PageRequest {
                limit: 100,
                after: None,
            },
        )
        .await
        .expect("list");
    let counts: Vec<usize> = all.items.iter().map(|a| a.grants.len()).collect();
    assert_eq!(counts, [0, 3, 1, 7, 0, 2, 1]);
    let users: Vec<&str> = all.items[3]
        .grants
        .iter()
        .map(|g| g.user_id.as_str())
        .collect();
    let mut sorted = users.clone();
    sorted.sort_unstable();
    assert_eq!(users, sorted, "grants come by user id");
}

/// One account with its grants: exactly its own, none of the accounts beside it, and
/// `None` for an unknown account or another tenant's. A removed grant is gone from both
/// reads.
pub async fn an_account_reads_with_exactly_its_own_grants<S>(store: &S)
where
    S: AccountWriter + AccountReader + AccessWriter + GrantReader + ?Sized,
{
    let t = tenant("tenant-a");
    let mut accounts = Vec::new();
    for i in 0..3 {
        accounts.push(connect(store, &format!("1784140000000003{i}")).await);
    }
    accounts.sort_by(|x, y| x.id.cmp(&y.id));
    for (account, count) in accounts.iter().zip([2, 3, 2]) {
        give(store, account, count).await;
    }
    let middle = &accounts[1];

    let found = store
        .get_account_with_grants(&t, &middle.id)
        .await
        .expect("read")
        .expect("the account");
    assert_eq!(
        Some(&found.account),
        store
            .get_account(&t, &middle.id)
            .await
            .expect("get")
            .as_ref()
    );
    let expected: Vec<_> = store
        .grants_on(&t, std::slice::from_ref(&middle.id))
        .await
        .expect("grants on")
        .into_iter()
        .map(|(_, g)| g)
        .collect();
    assert_eq!(found.grants, expected);
    assert_eq!(found.grants.len(), 3);

    let removed = found.grants[1].clone();
    let entry = audit(
        &found.account,
        "auth0|owner-1",
        AuditEvent::GrantRemoved {
            user_id: removed.user_id.clone(),
            permission: removed.permission,
        },
    );
    assert!(
        store
            .delete_grant(&found.account, &removed.user_id, &entry)
            .await
            .expect("delete")
    );
    let after = store
        .get_account_with_grants(&t, &middle.id)
        .await
        .expect("read")
        .expect("the account");
    assert_eq!(after.grants.len(), 2);
    assert!(after.grants.iter().all(|g| g.user_id != removed.user_id));
    let listed = store
        .list_accounts_with_grants(
            &t,
            &PageRequest {
                limit: 3,
                after: None,
            },
        )
        .await
        .expect("list");
    assert_eq!(listed.items[1], after);

    assert_eq!(
        store
            .get_account_with_grants(&t, &unknown_account())
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        store
            .get_account_with_grants(&tenant("tenant-b"), &middle.id)
            .await
            .expect("read"),
        None,
        "another tenant's read of the id"
    );
}
