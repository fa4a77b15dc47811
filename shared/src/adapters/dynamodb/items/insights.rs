//! Daily account metrics: one item per account and UTC day in the tenant's partition, keyed
//! `INSIGHTS#<account id>#<YYYY-MM-DD>`, so an account's days sort by date and a range of
//! them is one `BETWEEN`, and deleting the account finds them under one prefix.

use super::{ACCOUNT_ID, Item, PK, SK, corrupt, get_s, s, tenant_pk};
use crate::domain::{AccountId, DayMetrics, TenantId};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};

const INSIGHTS_PREFIX: &str = "INSIGHTS#";
const DATE: &str = "date";
const METRICS: &str = "metrics";
const DATE_FORMAT: &str = "%Y-%m-%d";

/// Every attribute a day is read from.
pub(in crate::adapters::dynamodb) const INSIGHT_ATTRIBUTES: &[&str] = &[DATE, METRICS];

/// The sort-key prefix of every stored day of `account`.
pub(in crate::adapters::dynamodb) fn insights_of(account: &AccountId) -> String {
    format!("{INSIGHTS_PREFIX}{account}#")
}

/// The text of `date` in a sort key. Only four-digit years keep text order equal to date
/// order (chrono writes `+10000-01-01`), so other years are refused rather than stored
/// where no range finds them.
fn date_text(date: NaiveDate) -> Result<String, StoreError> {
    if (0..=9999).contains(&date.year()) {
        Ok(date.format(DATE_FORMAT).to_string())
    } else {
        Err(corrupt(format!(
            "day {date} is outside the years 0000 to 9999 the store keeps"
        )))
    }
}

/// The item of `day` of the tenant's `account`, replacing whatever that day held.
pub(in crate::adapters::dynamodb) fn insight_item(
    tenant: &TenantId,
    account: &AccountId,
    day: &DayMetrics,
) -> Result<Item, StoreError> {
    let date = date_text(day.date)?;
    Ok(HashMap::from([
        (PK.into(), tenant_pk(tenant)),
        (SK.into(), s(format!("{}{date}", insights_of(account)))),
        ("entity".into(), s("insight_day")),
        (ACCOUNT_ID.into(), s(account.as_str())),
        (DATE.into(), s(date)),
        (
            METRICS.into(),
            s(serde_json::to_string(&day.values).map_err(corrupt)?),
        ),
    ]))
}

/// Reads a day back.
pub(in crate::adapters::dynamodb) fn insight_from_item(
    item: &Item,
) -> Result<DayMetrics, StoreError> {
    Ok(DayMetrics {
        date: NaiveDate::parse_from_str(get_s(item, DATE)?, DATE_FORMAT).map_err(corrupt)?,
        values: serde_json::from_str::<BTreeMap<String, i64>>(get_s(item, METRICS)?)
            .map_err(corrupt)?,
    })
}

/// The sort-key bounds (inclusive) of `account`'s days from `from` to `to`, narrowed to the
/// years a day can be stored under; `None` when no stored day can be in the range.
pub(in crate::adapters::dynamodb) fn insights_between(
    account: &AccountId,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<(AttributeValue, AttributeValue)> {
    let first = NaiveDate::from_ymd_opt(0, 1, 1)?;
    let last = NaiveDate::from_ymd_opt(9999, 12, 31)?;
    let (from, to) = (from.max(first), to.min(last));
    if from > to {
        return None;
    }
    let prefix = insights_of(account);
    Some((
        s(format!("{prefix}{}", from.format(DATE_FORMAT))),
        s(format!("{prefix}{}", to.format(DATE_FORMAT))),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
    }

    #[test]
    fn a_day_reads_back() {
        let day = DayMetrics {
            date: date(2026, 3, 9),
            values: BTreeMap::from([("reach".to_owned(), 12), ("views".to_owned(), -1)]),
        };
        let account = AccountId::generate();
        let item =
            insight_item(&TenantId::parse("t").expect("tenant"), &account, &day).expect("item");
        assert_eq!(
            item.get(SK),
            Some(&s(format!("INSIGHTS#{account}#2026-03-09")))
        );
        assert_eq!(insight_from_item(&item).expect("read back"), day);
    }

    #[test]
    fn days_beyond_four_digit_years_are_refused() {
        let day = |d| DayMetrics {
            date: d,
            values: BTreeMap::new(),
        };
        let (t, a) = (TenantId::parse("t").expect("tenant"), AccountId::generate());
        assert!(insight_item(&t, &a, &day(date(10_000, 1, 1))).is_err());
        assert!(insight_item(&t, &a, &day(date(-1, 12, 31))).is_err());
    }

    #[test]
    fn ranges_are_the_accounts_own_days_within_storable_years() {
        let a = AccountId::parse("a").expect("id");
        let (low, high) =
            insights_between(&a, date(2026, 1, 1), date(20_000, 1, 1)).expect("a range");
        assert_eq!(low, s("INSIGHTS#a#2026-01-01"));
        assert_eq!(high, s("INSIGHTS#a#9999-12-31"));
        assert!(insights_between(&a, date(2026, 1, 2), date(2026, 1, 1)).is_none());
        assert!(insights_between(&a, date(10_000, 1, 1), date(10_001, 1, 1)).is_none());
    }
}
