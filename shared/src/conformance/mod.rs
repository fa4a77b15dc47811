//! The conformance suites every [`Store`](crate::ports) and [`Sealer`](crate::ports::Sealer)
//! adapter must pass, so a use case can never tell which adapter it runs on.
//!
//! Each behaviour is a plain `pub async fn` over the port traits, written once and run
//! unchanged against SQLite, the local keyring, DynamoDB and KMS. The
//! [`store_conformance!`](crate::store_conformance) and
//! [`sealer_conformance!`](crate::sealer_conformance) macros turn the whole list into one
//! `#[tokio::test]` per behaviour, so an adapter's test file is a few lines:
//!
//! ```text
//! igconnect::store_conformance!(async { SqliteStore::in_memory().expect("store") });
//! ```
//!
//! The crate using the macros needs `tokio` (with `macros` and `rt-multi-thread`) among its
//! dependencies. [`moto`] starts the AWS stand-in the DynamoDB and KMS runs need.
//!
//! Compiled only with the `conformance` feature: none of this ships in a binary.

pub mod fixtures;
pub mod moto;
pub mod sealer;
pub mod store;

/// Generates one `#[tokio::test]` per Store behaviour of [`store`].
///
/// `store_conformance!(factory)` takes an expression of a future yielding a fresh store
/// (evaluated once per test, so tests stay independent). When the store needs something
/// kept alive beside it (a temporary directory), use
/// `store_conformance!(with_guard: factory)` with a future yielding `(store, guard)`.
/// Invoke it inside a `mod` to run the suite more than once in a file.
#[macro_export]
macro_rules! store_conformance {
    (with_guard: $factory:expr) => {
        $crate::__conformance_tests!(store, $factory;
            ref:
                put_then_take_returns_every_field,
                take_state_is_single_use,
                unknown_state_key_is_none,
                expired_state_is_still_returned,
                first_connection_creates_an_account,
                reconnect_updates_the_account_in_place,
                same_instagram_user_in_two_tenants_is_two_accounts,
                another_tenants_account_is_not_found,
                unknown_account_is_none,
                list_is_tenant_scoped_and_ordered_by_id,
                list_paginates_without_gaps_or_duplicates,
                empty_tenant_lists_nothing,
                sealed_token_round_trips_and_is_tenant_scoped,
                account_fields_round_trip_exactly,
                first_connection_is_audited_as_connected,
                reconnect_is_audited_as_reconnected,
                audit_lists_newest_first_and_only_the_tenants_own,
                audit_paginates_without_gaps_or_duplicates,
                audit_entries_round_trip_every_field,
                put_grant_reads_back_exactly,
                grants_on_lists_the_asked_accounts_by_account_then_user,
                grants_are_tenant_scoped,
                put_grant_replaces_an_existing_grant,
                put_grant_on_a_moved_on_account_is_a_conflict,
                delete_grant_removes_once,
                delete_grant_on_a_moved_on_account_is_a_conflict,
                update_access_changes_owner_and_member_access,
                update_access_on_a_stale_version_is_a_conflict,
                reconnect_keeps_owner_member_access_and_grants,
                listing_with_grants_agrees_with_listing_and_grants_apart,
                an_account_reads_with_exactly_its_own_grants,
                post_fields_round_trip_exactly,
                insert_with_a_used_key_returns_the_existing_post,
                the_same_key_on_another_account_or_tenant_is_another_post,
                get_post_is_tenant_and_account_scoped,
                find_post_by_key_is_tenant_and_account_scoped,
                list_posts_is_newest_first_and_account_scoped,
                list_posts_paginates_without_gaps_or_duplicates,
                update_post_on_the_next_version_reads_back,
                update_post_on_a_stale_version_is_a_conflict,
                update_post_of_an_unknown_post_is_a_conflict,
                due_posts_are_the_unfinished_ones_due_by_now_earliest_first,
                updated_due_times_move_posts_on_and_off_the_queue,
                mark_needs_reauth_changes_the_account_once,
                mark_needs_reauth_of_an_unknown_account_is_false,
                a_new_connection_is_due_a_day_after_it_was_made,
                due_accounts_are_the_active_ones_due_by_now_earliest_first,
                a_claim_holds_the_account_until_its_lease_ends,
                save_upkeep_stores_every_field_and_the_token_when_issued,
                save_upkeep_writes_its_audit_entry,
                save_upkeep_on_a_stale_version_is_a_conflict,
                reconnecting_a_needs_reauth_account_makes_it_due_again,
                the_outbox_holds_announced_entries_until_delivered,
                revoke_destroys_the_token_once_and_keeps_grants,
                delete_removes_the_account_its_grants_and_posts,
                delete_removes_more_than_one_transaction_holds,
                accounts_of_meta_user_are_found_by_grantor_and_instagram_user,
                accounts_of_instagram_user_are_found_on_either_login_path,
                deletion_requests_round_trip,
                saved_days_read_back_in_date_order,
                saving_a_day_again_replaces_its_values,
                days_are_read_within_inclusive_bounds,
                days_are_kept_per_account_and_tenant,
                delete_removes_the_accounts_daily_metrics,
                revoke_keeps_the_accounts_daily_metrics,
                more_days_than_one_write_or_page_holds_round_trip,
                days_saved_with_an_outcome_stand_or_fall_with_it,
                media_fields_round_trip_exactly,
                media_are_tenant_scoped,
                the_quota_holds_per_tenant_and_frees_what_is_given_back,
                update_media_on_a_stale_version_is_a_conflict,
                expiring_media_are_the_unexpired_ones_due_by_now,
                deleting_an_account_expires_the_media_its_posts_named;
            shared:
                concurrent_takes_have_exactly_one_winner,
                concurrent_first_connections_make_one_account,
                concurrent_connections_audit_each_save_once,
                concurrent_inserts_with_one_key_create_one_post,
                concurrent_updates_from_one_read_have_one_winner,
                concurrent_marks_write_one_needs_reauth_entry,
                concurrent_claims_have_one_winner,
                concurrent_media_updates_from_one_read_have_one_winner,
        );
    };
    ($factory:expr) => {
        $crate::store_conformance!(with_guard: async { ($factory.await, ()) });
    };
}

/// Generates one `#[tokio::test]` per Sealer behaviour of [`sealer`]; same shapes as
/// [`store_conformance!`](crate::store_conformance).
#[macro_export]
macro_rules! sealer_conformance {
    (with_guard: $factory:expr) => {
        $crate::__conformance_tests!(sealer, $factory;
            ref:
                seal_then_unseal_round_trips,
                ciphertext_does_not_contain_the_plaintext,
                two_seals_of_one_secret_differ,
                another_tenant_cannot_unseal,
                another_account_cannot_unseal,
                tampered_ciphertext_does_not_unseal,
                sealed_secret_survives_its_storage_encoding,
                nothing_printable_reveals_the_secret;
            shared:
                concurrent_seals_all_unseal,
        );
    };
    ($factory:expr) => {
        $crate::sealer_conformance!(with_guard: async { ($factory.await, ()) });
    };
}

/// The expansion shared by both suites: behaviours taking `&S`, then those taking `Arc<S>`
/// (they spawn tasks).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($suite:ident, $factory:expr; ref: $($r:ident),+; shared: $($s:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $r() {
                let (subject, _guard) = $factory.await;
                $crate::conformance::$suite::$r(&subject).await;
            }
        )+
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $s() {
                let (subject, _guard) = $factory.await;
                $crate::conformance::$suite::$s(::std::sync::Arc::new(subject)).await;
            }
        )+
    };
}
