//! Account health: an account whose token Meta refused is marked once, keeps what sharing
//! decided, and marking what is not there changes nothing.

use super::support::connect;
use crate::conformance::fixtures::{grant, grant_set, now, tenant, unknown_account};
use crate::domain::{AccountStatus, Permission};
use crate::ports::{AccessWriter, AccountHealth, AccountReader, AccountWriter, GrantReader};
use chrono::TimeDelta;

/// The first mark sets the account `needs_reauth` (with the time and a new version) and
/// says so; a second mark changes nothing and says `false`. Grants stay.
pub async fn mark_needs_reauth_changes_the_account_once<S>(store: &S)
where
    S: AccountWriter + AccountReader + AccessWriter + GrantReader + AccountHealth + ?Sized,
{
    let t = tenant("tenant-a");
    let account = connect(store, "17841400000000001").await;
    let given = grant("auth0|mike", Permission::Publish);
    store
        .put_grant(&account, &given, &grant_set(&account, &given))
        .await
        .expect("put grant");
    let at = now() + TimeDelta::milliseconds(1_234);

    assert!(
        store
            .mark_needs_reauth(&t, &account.id, at)
            .await
            .expect("mark")
    );

    let mut expected = account.clone();
    expected.status = AccountStatus::NeedsReauth;
    expected.updated_at = at;
    expected.version = account.version + 1;
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(expected.clone())
    );

    let again = at + TimeDelta::seconds(5);
    assert!(
        !store
            .mark_needs_reauth(&t, &account.id, again)
            .await
            .expect("mark again")
    );
    assert_eq!(
        store.get_account(&t, &account.id).await.expect("get"),
        Some(expected),
        "a second mark writes nothing"
    );
    assert_eq!(
        store
            .grants_on(&t, std::slice::from_ref(&account.id))
            .await
            .expect("grants on"),
        [(account.id, given)]
    );
}

/// Marking an account that does not exist, or another tenant's, is `false` and creates
/// nothing.
pub async fn mark_needs_reauth_of_an_unknown_account_is_false<S>(store: &S)
where
    S: AccountWriter + AccountReader + AccountHealth + ?Sized,
{
    let (a, b) = (tenant("tenant-a"), tenant("tenant-b"));
    let account = connect(store, "17841400000000001").await;
    let unknown = unknown_account();

    assert!(
        !store
            .mark_needs_reauth(&a, &unknown, now())
            .await
            .expect("mark")
    );
    assert!(
        !store
            .mark_needs_reauth(&b, &account.id, now())
            .await
            .expect("mark")
    );

    assert_eq!(store.get_account(&a, &unknown).await.expect("get"), None);
    assert_eq!(store.get_account(&b, &account.id).await.expect("get"), None);
    assert_eq!(
        store.get_account(&a, &account.id).await.expect("get"),
        Some(account),
        "another tenant's mark leaves the account alone"
    );
}
