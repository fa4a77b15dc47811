//! Pending logins: single use, atomic, returned whole even when expired.

use crate::conformance::fixtures::{now, state, tenant};
use crate::domain::{LoginPath, OwnerKind};
use crate::ports::OAuthStates;
use chrono::TimeDelta;
use std::sync::Arc;

/// A stored state comes back with every field as it went in, on both login paths.
pub async fn put_then_take_returns_every_field<S: OAuthStates + ?Sized>(store: &S) {
    let t = tenant("tenant-a");
    for given in [
        state(&t, LoginPath::Facebook, OwnerKind::User, TimeDelta::zero()),
        state(
            &t,
            LoginPath::Instagram,
            OwnerKind::Company,
            TimeDelta::seconds(30),
        ),
    ] {
        store.put_state(&given).await.expect("put_state");
        let taken = store.take_state(&given.key).await.expect("take_state");
        assert_eq!(taken, Some(given));
    }
}

/// Taking consumes: a replayed callback finds nothing.
pub async fn take_state_is_single_use<S: OAuthStates + ?Sized>(store: &S) {
    let given = state(
        &tenant("tenant-a"),
        LoginPath::Facebook,
        OwnerKind::User,
        TimeDelta::zero(),
    );
    store.put_state(&given).await.expect("put_state");

    assert!(
        store
            .take_state(&given.key)
            .await
            .expect("first take")
            .is_some()
    );
    assert_eq!(
        store.take_state(&given.key).await.expect("second take"),
        None
    );
}

/// Of 16 concurrent takes of one state exactly one gets it, so two racing callbacks cannot
/// both complete a login.
pub async fn concurrent_takes_have_exactly_one_winner<S: OAuthStates + ?Sized + 'static>(
    store: Arc<S>,
) {
    let given = state(
        &tenant("tenant-a"),
        LoginPath::Instagram,
        OwnerKind::User,
        TimeDelta::zero(),
    );
    store.put_state(&given).await.expect("put_state");

    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (store, key) = (Arc::clone(&store), given.key.clone());
        tasks.push(tokio::spawn(async move { store.take_state(&key).await }));
    }
    let mut winners = 0;
    for task in tasks {
        if task.await.expect("task").expect("take_state").is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1, "exactly one concurrent take may win");
}

/// A key never stored is no state (and no error).
pub async fn unknown_state_key_is_none<S: OAuthStates + ?Sized>(store: &S) {
    let never_put = state(
        &tenant("tenant-a"),
        LoginPath::Facebook,
        OwnerKind::User,
        TimeDelta::zero(),
    );
    assert_eq!(
        store.take_state(&never_put.key).await.expect("take_state"),
        None
    );
}

/// Expiry is the service's judgement: the store hands back an expired state so the caller
/// can tell "expired" from "unknown".
pub async fn expired_state_is_still_returned<S: OAuthStates + ?Sized>(store: &S) {
    let given = state(
        &tenant("tenant-a"),
        LoginPath::Facebook,
        OwnerKind::User,
        TimeDelta::hours(1),
    );
    assert!(!given.is_live(now()), "the fixture is expired");
    store.put_state(&given).await.expect("put_state");

    assert_eq!(
        store.take_state(&given.key).await.expect("take_state"),
        Some(given)
    );
}
