//! Sealed tokens, in items of their own: `pk = TOKEN#<tenant>`, `sk = ACCOUNT#<account id>`.
//!
//! Not an attribute of the account item, because IAM's `dynamodb:Attributes` condition only
//! constrains requests that name their attributes: a function allowed to read account items
//! could still read a token with a `GetItem` or `Query` that names none. In a partition of
//! their own, tokens are out of reach of every function whose `dynamodb:LeadingKeys` allow
//! only `TENANT#*` (`list`, `share`), whatever the request, which `tests/tests/template.rs`
//! proves from the template. The items carry no index attributes, so no index holds a token.
//!
//! Accounts stored before tokens moved kept theirs in the account item's `token_sealed`:
//! reads fall back to it, and the next write of a token (a refresh, a reconnect) moves it.

use super::{Item, PK, SK, TOKEN, account_sk, corrupt, get_opt_s, s};
use crate::domain::{AccountId, TenantId};
use crate::ports::{SealedSecret, StoreError};
use std::collections::HashMap;

const TOKEN_PREFIX: &str = "TOKEN#";

/// The key of an account's token item.
pub(in crate::adapters::dynamodb) fn token_key(tenant: &TenantId, id: &AccountId) -> Item {
    HashMap::from([
        (PK.into(), s(format!("{TOKEN_PREFIX}{tenant}"))),
        (SK.into(), account_sk(id)),
    ])
}

/// The token item of an account: its key and the sealed token, nothing else.
pub(in crate::adapters::dynamodb) fn token_item(
    tenant: &TenantId,
    id: &AccountId,
    token: &SealedSecret,
) -> Item {
    let mut item = token_key(tenant, id);
    item.insert(TOKEN.into(), s(token.encode()));
    item
}

/// The sealed token a token item (or a legacy account item) holds; `None` when it has none.
pub(in crate::adapters::dynamodb) fn token_of(
    item: &Item,
) -> Result<Option<SealedSecret>, StoreError> {
    get_opt_s(item, TOKEN)?
        .map(|raw| SealedSecret::decode(raw).map_err(corrupt))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::dynamodb::items::{GSI1_PK, GSI2_PK, account_key};

    fn ids() -> (TenantId, AccountId) {
        (
            TenantId::parse("acme").expect("tenant"),
            AccountId::parse("0190a0b0-0000-7000-8000-000000000001").expect("id"),
        )
    }

    fn sealed() -> SealedSecret {
        SealedSecret {
            key_id: "k".into(),
            wrapped_key: vec![1],
            nonce: vec![2; 12],
            ciphertext: vec![3],
        }
    }

    #[test]
    fn tokens_live_outside_the_tenant_partition_and_off_every_index() {
        let (tenant, id) = ids();
        let item = token_item(&tenant, &id, &sealed());
        let pk = item.get(PK).and_then(|v| v.as_s().ok()).cloned();
        assert_eq!(pk.as_deref(), Some("TOKEN#acme"));
        assert_eq!(item.get(SK), account_key(&tenant, &id).get(SK));
        assert_eq!(item.len(), 3, "key and token only: {:?}", item.keys());
        assert!(!item.contains_key(GSI1_PK) && !item.contains_key(GSI2_PK));
        assert_eq!(token_of(&item).expect("token"), Some(sealed()));
        assert_eq!(token_of(&token_key(&tenant, &id)).expect("none"), None);
    }
}
