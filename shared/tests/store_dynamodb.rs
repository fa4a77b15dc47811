//! The Store conformance suite on DynamoDB, served by moto, each test on a fresh table.

use igconnect::conformance::moto;

igconnect::store_conformance!(moto::dynamo_store());

/// Creating the table again (every `igconnect serve --store dynamodb` start) is harmless.
#[tokio::test]
async fn creating_an_existing_table_is_a_no_op() {
    let store = moto::dynamo_store().await;
    store.create_table().await.expect("second create_table");
}

/// The audit the whole suite runs under does refuse a Scan: the suite passing proves the
/// adapter issued none.
#[tokio::test]
async fn the_audited_client_refuses_a_scan() {
    let store = moto::dynamo_store().await;
    let scan = moto::audited_dynamodb_client()
        .scan()
        .table_name(store.table())
        .send()
        .await;
    let shown = format!(
        "{}",
        aws_sdk_dynamodb::error::DisplayErrorContext(scan.expect_err("scan refused"))
    );
    assert!(shown.contains("not a request-path operation"), "{shown}");
}

/// A query across tenants would be refused too.
#[tokio::test]
async fn the_audited_client_refuses_a_query_outside_a_tenant() {
    let store = moto::dynamo_store().await;
    let query = moto::audited_dynamodb_client()
        .query()
        .table_name(store.table())
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", "pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S("STATE#x".into()),
        )
        .send()
        .await;
    assert!(query.is_err());
}

/// The entries of every shard of a `gsi1` queue (`REFRESHDUE`, `OUTBOX`).
async fn queue_entries(
    table: &str,
    queue: &str,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let mut entries = Vec::new();
    for shard in 0..4 {
        let found = moto::audited_dynamodb_client()
            .query()
            .table_name(table)
            .index_name("gsi1")
            .key_condition_expression("gsi1pk = :shard")
            .expression_attribute_values(":shard", AttributeValue::S(format!("{queue}#{shard}")))
            .send()
            .await
            .expect("query gsi1");
        entries.extend(found.items().iter().cloned());
    }
    entries
}

fn text<'a>(
    item: &'a std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    name: &str,
) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// An active account sits on one shard of the refresh queue, keyed by due time, tenant and
/// id; the entry announcing its connection sits in the outbox with the entry's attributes
/// (read from the index alone) and never the token. Once it needs reauth it leaves the
/// queue. The refresh pass and the event delivery rely on this layout.
#[tokio::test]
async fn due_accounts_and_announced_entries_are_on_their_gsi1_queues() {
    use igconnect::conformance::fixtures;
    use igconnect::ports::{AccountHealth, AccountWriter};

    let store = moto::dynamo_store().await;
    let t = fixtures::tenant("tenant-a");
    let account = store
        .save_connection(
            &fixtures::connection(&t, "17841400000000001"),
            &fixtures::sealed("a"),
        )
        .await
        .expect("save");
    let due = account.upkeep.refresh_due_at.expect("due");

    let queued = queue_entries(store.table(), "REFRESHDUE").await;
    assert_eq!(queued.len(), 1);
    assert_eq!(
        text(&queued[0], "sk"),
        Some(format!("ACCOUNT#{}", account.id).as_str())
    );
    assert_eq!(
        text(&queued[0], "gsi1sk"),
        Some(format!("{:013}#{}#{}", due.timestamp_millis(), t, account.id).as_str())
    );
    assert!(!queued[0].contains_key("token_sealed"));

    let outbox = queue_entries(store.table(), "OUTBOX").await;
    assert_eq!(outbox.len(), 1);
    assert!(text(&outbox[0], "event").is_some_and(|e| e.contains("account.connected")));
    assert_eq!(text(&outbox[0], "actor"), Some("auth0|owner-1"));

    store
        .mark_needs_reauth(&t, &account.id, fixtures::now(), "token_invalid")
        .await
        .expect("mark");
    assert!(queue_entries(store.table(), "REFRESHDUE").await.is_empty());
    assert_eq!(queue_entries(store.table(), "OUTBOX").await.len(), 2);
}

/// Every item of `partition`, whole: no projection, as a careless or hostile read would ask
/// (with the plain client: the audited one refuses partitions a request path never reads).
async fn whole_partition(
    table: &str,
    partition: &str,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    use aws_sdk_dynamodb::types::AttributeValue;
    moto::dynamodb_client()
        .query()
        .table_name(table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(partition.to_owned()))
        .send()
        .await
        .expect("query partition")
        .items()
        .to_vec()
}

/// The whole token item of an account, if it has one.
async fn token_item(
    table: &str,
    tenant: &str,
    account: &igconnect::domain::AccountId,
) -> Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    use aws_sdk_dynamodb::types::AttributeValue;
    moto::dynamodb_client()
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(format!("TOKEN#{tenant}")))
        .key("sk", AttributeValue::S(format!("ACCOUNT#{account}")))
        .consistent_read(true)
        .send()
        .await
        .expect("get token item")
        .item
}

/// Sealed tokens live in `TOKEN#<tenant>` items, never in the tenant's partition: a read of
/// the whole `TENANT#` partition without a projection (all `list` and `share` may do)
/// returns no token, whatever it asks. Disconnecting and Meta's deauthorize destroy the
/// token item.
#[tokio::test]
async fn sealed_tokens_live_outside_the_tenant_partition() {
    use igconnect::conformance::fixtures;
    use igconnect::ports::{AccountRemoval, AccountWriter, TokenReader};

    let store = moto::dynamo_store().await;
    let t = fixtures::tenant("tenant-a");
    let kept = store
        .save_connection(
            &fixtures::connection(&t, "17841400000000001"),
            &fixtures::sealed("kept"),
        )
        .await
        .expect("save");
    let revoked = store
        .save_connection(
            &fixtures::connection(&t, "17841400000000002"),
            &fixtures::sealed("revoked"),
        )
        .await
        .expect("save");
    let deleted = store
        .save_connection(
            &fixtures::connection(&t, "17841400000000003"),
            &fixtures::sealed("deleted"),
        )
        .await
        .expect("save");

    let tenant_items = whole_partition(store.table(), "TENANT#tenant-a").await;
    assert!(tenant_items.len() >= 6, "accounts, lookups, audit entries");
    for item in &tenant_items {
        assert!(
            !item.contains_key("token_sealed"),
            "a token in {:?}",
            text(item, "sk")
        );
    }
    let tokens = whole_partition(store.table(), "TOKEN#tenant-a").await;
    assert_eq!(tokens.len(), 3);
    for item in &tokens {
        assert_eq!(item.len(), 3, "key and token only: {:?}", item.keys());
        assert!(!item.contains_key("gsi1pk") && !item.contains_key("gsi2pk"));
    }
    assert_eq!(
        store.sealed_token(&t, &kept.id).await.expect("read"),
        Some(fixtures::sealed("kept"))
    );

    let audit = fixtures::audit(
        &revoked,
        "system",
        igconnect::domain::AuditEvent::Revoked {
            reason: "deauthorized".into(),
        },
    );
    assert!(
        store
            .revoke_account(&t, &revoked.id, fixtures::now(), &audit)
            .await
            .expect("revoke")
    );
    assert!(
        token_item(store.table(), "tenant-a", &revoked.id)
            .await
            .is_none()
    );
    assert_eq!(
        store.sealed_token(&t, &revoked.id).await.expect("read"),
        None
    );

    let audit = fixtures::audit(
        &deleted,
        "owner-1",
        igconnect::domain::AuditEvent::Disconnected {
            username: "deleted".into(),
            revoked_at_meta: false,
        },
    );
    assert!(
        store
            .delete_account(&deleted, &audit)
            .await
            .expect("delete")
    );
    assert!(
        token_item(store.table(), "tenant-a", &deleted.id)
            .await
            .is_none()
    );
    assert!(
        token_item(store.table(), "tenant-a", &kept.id)
            .await
            .is_some()
    );
}

/// An account stored before tokens had items of their own kept its token in the account
/// item: it is still read (by a use and by the refresh claim), and the refresh that issues
/// a new token moves it out of the tenant's partition.
#[tokio::test]
async fn a_token_stored_in_the_account_item_is_read_and_moved_on_refresh() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use igconnect::conformance::fixtures;
    use igconnect::ports::{AccountWriter, RefreshQueue, TokenReader};

    let store = moto::dynamo_store().await;
    let t = fixtures::tenant("tenant-a");
    let account = store
        .save_connection(
            &fixtures::connection(&t, "17841400000000001"),
            &fixtures::sealed("old"),
        )
        .await
        .expect("save");
    // Rewind the layout: the token back into the account item, no token item.
    let client = moto::dynamodb_client();
    client
        .update_item()
        .table_name(store.table())
        .key("pk", AttributeValue::S("TENANT#tenant-a".into()))
        .key("sk", AttributeValue::S(format!("ACCOUNT#{}", account.id)))
        .update_expression("SET token_sealed = :t")
        .expression_attribute_values(":t", AttributeValue::S(fixtures::sealed("old").encode()))
        .send()
        .await
        .expect("legacy token");
    client
        .delete_item()
        .table_name(store.table())
        .key("pk", AttributeValue::S("TOKEN#tenant-a".into()))
        .key("sk", AttributeValue::S(format!("ACCOUNT#{}", account.id)))
        .send()
        .await
        .expect("no token item");

    assert_eq!(
        store.sealed_token(&t, &account.id).await.expect("read"),
        Some(fixtures::sealed("old"))
    );
    let due = account.upkeep.refresh_due_at.expect("due");
    let claimed = store
        .claim_refresh(&t, &account.id, due, due + chrono::TimeDelta::minutes(5))
        .await
        .expect("claim")
        .expect("claimed");
    assert_eq!(claimed.token, fixtures::sealed("old"));

    let mut refreshed = claimed.account.clone();
    refreshed.version += 1;
    store
        .save_upkeep(&refreshed, Some(&fixtures::sealed("new")), None)
        .await
        .expect("save");
    for item in whole_partition(store.table(), "TENANT#tenant-a").await {
        assert!(
            !item.contains_key("token_sealed"),
            "a token in {:?}",
            text(&item, "sk")
        );
    }
    assert_eq!(
        store.sealed_token(&t, &account.id).await.expect("read"),
        Some(fixtures::sealed("new"))
    );
}

/// A chunk's claims come back in order, each with its own token (read in one batch), and
/// an account another pass holds answers `None` without failing the others.
#[tokio::test]
async fn a_chunk_of_claims_gets_each_account_its_own_token() {
    use igconnect::conformance::fixtures;
    use igconnect::ports::{AccountWriter, DueAccount, RefreshQueue};

    let store = moto::dynamo_store().await;
    let t = fixtures::tenant("tenant-a");
    let mut accounts = Vec::new();
    for n in 1..=3 {
        let account = store
            .save_connection(
                &fixtures::connection(&t, &format!("1784140000000000{n}")),
                &fixtures::sealed(&format!("token-{n}")),
            )
            .await
            .expect("save");
        accounts.push(account);
    }
    let due = accounts
        .iter()
        .filter_map(|a| a.upkeep.refresh_due_at)
        .max()
        .expect("due");
    let lease = due + chrono::TimeDelta::minutes(5);
    // Another pass holds the second account.
    store
        .claim_refresh(&t, &accounts[1].id, due, lease)
        .await
        .expect("claim")
        .expect("claimed");

    let chunk: Vec<DueAccount> = accounts
        .iter()
        .map(|a| DueAccount {
            tenant: t.clone(),
            id: a.id.clone(),
            due_at: due,
        })
        .collect();
    let claims = store.claim_refresh_many(&chunk, due, lease).await;
    let tokens: Vec<Option<_>> = claims
        .into_iter()
        .map(|c| c.expect("claim").map(|claimed| claimed.token))
        .collect();
    assert_eq!(
        tokens,
        vec![
            Some(fixtures::sealed("token-1")),
            None,
            Some(fixtures::sealed("token-3"))
        ]
    );
}

/// Writes a grant the way the first layout did: `GRANT#<account>#<user>`.
async fn legacy_grant(
    table: &str,
    account: &igconnect::domain::AccountId,
    user: &str,
    permission: &str,
) {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    moto::dynamodb_client()
        .put_item()
        .table_name(table)
        .item("pk", V::S("TENANT#tenant-a".into()))
        .item("sk", V::S(format!("GRANT#{account}#{user}")))
        .item("entity", V::S("grant".into()))
        .item("account_id", V::S(account.to_string()))
        .item("user_id", V::S(user.into()))
        .item("permission", V::S(permission.into()))
        .item("granted_by", V::S("auth0|owner-1".into()))
        .item("granted_at", V::N("1700000000000".into()))
        .send()
        .await
        .expect("legacy grant");
}

/// Grants of the first layout are not read (members see less, never more) until
/// `move_legacy_grants` puts them beside their accounts; a grant given since the upgrade
/// wins over the old one, a grant removed since the upgrade does not come back, the grants
/// of a deleted account are dropped, and a second run finds nothing.
#[tokio::test]
async fn legacy_grants_move_beside_their_accounts_once() {
    use igconnect::adapters::dynamodb::{DynamoStore, GrantMove};
    use igconnect::conformance::fixtures;
    use igconnect::domain::{AuditEvent, PageRequest, Permission};
    use igconnect::ports::{AccessWriter, AccountReader, AccountRemoval, AccountWriter};

    let store = moto::dynamo_store().await;
    let t = fixtures::tenant("tenant-a");
    let mut accounts = Vec::new();
    for n in 1..=4 {
        accounts.push(
            store
                .save_connection(
                    &fixtures::connection(&t, &format!("1784140000000000{n}")),
                    &fixtures::sealed("x"),
                )
                .await
                .expect("save"),
        );
    }
    let [moved, replaced, revoked, deleted] = &accounts[..] else {
        unreachable!("four accounts")
    };
    legacy_grant(store.table(), &moved.id, "auth0|mike", "publish").await;
    legacy_grant(store.table(), &moved.id, "auth0|sarah", "view").await;
    legacy_grant(store.table(), &replaced.id, "auth0|mike", "manage").await;
    legacy_grant(store.table(), &revoked.id, "auth0|mike", "manage").await;
    legacy_grant(store.table(), &deleted.id, "auth0|mike", "view").await;

    let page = PageRequest::parse(None, None).expect("page");
    let before = store
        .list_accounts_with_grants(&t, &page)
        .await
        .expect("list");
    assert!(before.items.iter().all(|a| a.grants.is_empty()));

    // Since the upgrade: a new grant on one account, a grant given then removed on another,
    // and a deleted account.
    let newer = fixtures::grant("auth0|mike", Permission::View);
    store
        .put_grant(replaced, &newer, &fixtures::grant_set(replaced, &newer))
        .await
        .expect("grant");
    let given = fixtures::grant("auth0|mike", Permission::Publish);
    store
        .put_grant(revoked, &given, &fixtures::grant_set(revoked, &given))
        .await
        .expect("grant");
    let removal = fixtures::audit(
        revoked,
        "auth0|owner-1",
        AuditEvent::GrantRemoved {
            user_id: given.user_id.clone(),
            permission: given.permission,
        },
    );
    assert!(
        store
            .delete_grant(revoked, &given.user_id, &removal)
            .await
            .expect("remove")
    );
    let gone = fixtures::audit(
        deleted,
        "auth0|owner-1",
        AuditEvent::Disconnected {
            username: "gone".into(),
            revoked_at_meta: false,
        },
    );
    assert!(store.delete_account(deleted, &gone).await.expect("delete"));

    // The move needs a scan, which the audited request-path client refuses.
    let operator = DynamoStore::new(moto::dynamodb_client(), store.table());
    let mut pages = 0;
    let done = operator
        .move_legacy_grants(|_| pages += 1)
        .await
        .expect("move");
    assert!(pages >= 1, "progress is reported");
    // Five old grants were written; the removal since the upgrade took one with it.
    assert_eq!(
        done,
        GrantMove {
            seen: 4,
            moved: 2,
            superseded: 1,
            orphaned: 1,
        }
    );

    let after = store
        .list_accounts_with_grants(&t, &page)
        .await
        .expect("list");
    let grants_of = |id: &igconnect::domain::AccountId| {
        after
            .items
            .iter()
            .find(|a| a.account.id == *id)
            .map(|a| {
                a.grants
                    .iter()
                    .map(|g| (g.user_id.to_string(), g.permission))
                    .collect::<Vec<_>>()
            })
            .expect("listed")
    };
    assert_eq!(
        grants_of(&moved.id),
        [
            ("auth0|mike".to_owned(), Permission::Publish),
            ("auth0|sarah".to_owned(), Permission::View)
        ]
    );
    assert_eq!(
        grants_of(&replaced.id),
        [("auth0|mike".to_owned(), Permission::View)]
    );
    assert!(
        grants_of(&revoked.id).is_empty(),
        "a removed grant stays removed"
    );
    assert_eq!(after.items.len(), 3);

    let again = operator.move_legacy_grants(|_| {}).await.expect("again");
    assert_eq!(again, GrantMove::default());
    let legacy_left = moto::dynamodb_client()
        .scan()
        .table_name(store.table())
        .filter_expression("begins_with(sk, :g)")
        .expression_attribute_values(
            ":g",
            aws_sdk_dynamodb::types::AttributeValue::S("GRANT#".into()),
        )
        .send()
        .await
        .expect("scan");
    assert_eq!(legacy_left.count(), 0);
}
