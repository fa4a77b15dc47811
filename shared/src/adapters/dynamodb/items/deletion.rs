//! Meta's data-deletion requests: `pk = DELETION#<confirmation code>`, `sk = DELETION`, the
//! request as JSON in `body`. Their own partitions, like OAuth states: the status page is
//! asked by code alone, without a tenant, and the code is 128 random bits.

use super::{Item, PK, SK, corrupt, get_s, s};
use crate::domain::DataDeletion;
use crate::ports::StoreError;
use std::collections::HashMap;

const DELETION: &str = "DELETION";

/// The key of the request with confirmation code `code`.
pub(in crate::adapters::dynamodb) fn deletion_key(code: &str) -> Item {
    HashMap::from([
        (PK.into(), s(format!("{DELETION}#{code}"))),
        (SK.into(), s(DELETION)),
    ])
}

/// The item of `request`.
pub(in crate::adapters::dynamodb) fn deletion_item(
    request: &DataDeletion,
) -> Result<Item, StoreError> {
    let mut item = deletion_key(&request.confirmation_code);
    item.extend([
        ("entity".into(), s("data_deletion")),
        (
            "body".into(),
            s(serde_json::to_string(request).map_err(corrupt)?),
        ),
    ]);
    Ok(item)
}

/// Reads a request back.
pub(in crate::adapters::dynamodb) fn deletion_from_item(
    item: &Item,
) -> Result<DataDeletion, StoreError> {
    serde_json::from_str(get_s(item, "body")?).map_err(corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn a_request_reads_back() {
        let given = DataDeletion::new(DateTime::from_timestamp(1_800_000_000, 0).expect("time"));
        let item = deletion_item(&given).expect("item");
        assert_eq!(
            item.get(PK),
            Some(&s(format!("DELETION#{}", given.confirmation_code)))
        );
        assert_eq!(deletion_from_item(&item).expect("read back"), given);
    }
}
