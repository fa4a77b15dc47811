//! Daily account metrics: one row per account and UTC day, the values as JSON so a metric
//! Meta adds needs no migration. Dates are stored as `YYYY-MM-DD` text, whose order is date
//! order, so a range is one `BETWEEN` on the primary key.

use super::{SqliteStore, corrupt, immediate, unavailable};
use crate::domain::{AccountId, DayMetrics, TenantId};
use crate::ports::{InsightSnapshots, StoreError};
use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

const DATE_FORMAT: &str = "%Y-%m-%d";

/// The text of `date`. Only four-digit years keep text order equal to date order (chrono
/// writes `+10000-01-01`), so other years are refused rather than stored out of reach.
fn date_text(date: NaiveDate) -> Result<String, StoreError> {
    if (0..=9999).contains(&date.year()) {
        Ok(date.format(DATE_FORMAT).to_string())
    } else {
        Err(corrupt(format!(
            "day {date} is outside the years 0000 to 9999 the store keeps"
        )))
    }
}

/// `from..=to` narrowed to the dates [`date_text`] accepts; `None` when nothing is left.
fn stored_range(from: NaiveDate, to: NaiveDate) -> Option<(String, String)> {
    let first = NaiveDate::from_ymd_opt(0, 1, 1)?;
    let last = NaiveDate::from_ymd_opt(9999, 12, 31)?;
    let (from, to) = (from.max(first), to.min(last));
    if from > to {
        return None;
    }
    Some((
        from.format(DATE_FORMAT).to_string(),
        to.format(DATE_FORMAT).to_string(),
    ))
}

/// Stores `days` of the account inside `tx`, each replacing the stored one of its date.
/// The caller knows the account exists (it checked, or it just wrote it).
pub(super) fn upsert_days(
    tx: &rusqlite::Connection,
    tenant: &TenantId,
    account: &AccountId,
    days: &[DayMetrics],
) -> Result<(), StoreError> {
    if days.is_empty() {
        return Ok(());
    }
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO insight_days (tenant, account_id, date, metrics)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (tenant, account_id, date)
             DO UPDATE SET metrics = excluded.metrics",
        )
        .map_err(unavailable)?;
    for day in days {
        let metrics = serde_json::to_string(&day.values).map_err(corrupt)?;
        upsert
            .execute(params![
                tenant.as_str(),
                account.as_str(),
                date_text(day.date)?,
                metrics
            ])
            .map_err(unavailable)?;
    }
    Ok(())
}

#[async_trait]
impl InsightSnapshots for SqliteStore {
    async fn save_days(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        days: &[DayMetrics],
    ) -> Result<(), StoreError> {
        if days.is_empty() {
            return Ok(());
        }
        let (tenant, account, days) = (tenant.clone(), account.clone(), days.to_vec());
        self.run(move |c| {
            let tx = immediate(c)?;
            // Metrics of an account deleted meanwhile (a snapshot racing a disconnect) are
            // dropped: keeping them would be keeping data the user asked to have deleted.
            let exists = tx
                .query_row(
                    "SELECT 1 FROM accounts WHERE tenant = ?1 AND id = ?2",
                    params![tenant.as_str(), account.as_str()],
                    |_| Ok(()),
                )
                .optional()
                .map_err(unavailable)?
                .is_some();
            if !exists {
                return Ok(());
            }
            upsert_days(&tx, &tenant, &account, &days)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn days(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DayMetrics>, StoreError> {
        let Some((from, to)) = stored_range(from, to) else {
            return Ok(Vec::new());
        };
        let (tenant, account) = (tenant.clone(), account.clone());
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT date, metrics FROM insight_days
                     WHERE tenant = ?1 AND account_id = ?2 AND date BETWEEN ?3 AND ?4
                     ORDER BY date",
                )
                .map_err(unavailable)?;
            let mut rows = stmt
                .query(params![tenant.as_str(), account.as_str(), from, to])
                .map_err(unavailable)?;
            let mut days = Vec::new();
            while let Some(row) = rows.next().map_err(unavailable)? {
                let date: String = row.get(0).map_err(corrupt)?;
                let metrics: String = row.get(1).map_err(corrupt)?;
                days.push(DayMetrics {
                    date: NaiveDate::parse_from_str(&date, DATE_FORMAT).map_err(corrupt)?,
                    values: serde_json::from_str::<BTreeMap<String, i64>>(&metrics)
                        .map_err(corrupt)?,
                });
            }
            Ok(days)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
    }

    #[test]
    fn dates_are_four_digit_text_in_date_order() {
        assert_eq!(date_text(date(2026, 3, 9)).expect("text"), "2026-03-09");
        assert_eq!(date_text(date(987, 1, 1)).expect("text"), "0987-01-01");
        assert!(date_text(date(10_000, 1, 1)).is_err());
        assert!(date_text(date(-1, 1, 1)).is_err());
    }

    #[test]
    fn ranges_are_narrowed_to_storable_dates() {
        assert_eq!(
            stored_range(date(2026, 1, 1), date(20_000, 1, 1)),
            Some(("2026-01-01".to_owned(), "9999-12-31".to_owned()))
        );
        assert_eq!(stored_range(date(2026, 1, 2), date(2026, 1, 1)), None);
        assert_eq!(stored_range(date(10_000, 1, 1), date(10_001, 1, 1)), None);
    }
}
