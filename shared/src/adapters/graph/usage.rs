//! Meta's usage headers, read when Meta throttles a call so the caller knows how long to back
//! off. `X-Business-Use-Case-Usage` (what Instagram and Page calls are counted against) is
//! `{"<object id>":[{"type","call_count","total_cputime","total_time",
//! "estimated_time_to_regain_access"}]}`; `X-App-Usage` is a flat
//! `{"call_count","total_cputime","total_time"}`, which normally carries no estimate but is
//! read for one in case it does. The estimate is in minutes.
//!
//! Headers are Meta's input: anything unreadable is ignored (no estimate), never a panic and
//! never an error of its own, since the call already failed for a better reason.

use reqwest::header::HeaderMap;
use serde_json::Value;

const BUSINESS_USE_CASE: &str = "x-business-use-case-usage";
const APP: &str = "x-app-usage";
const ESTIMATE: &str = "estimated_time_to_regain_access";

/// The two usage headers of an answer, kept as text until the body says Meta throttled.
#[derive(Debug, Default)]
pub(super) struct UsageHeaders {
    business_use_case: Option<String>,
    app: Option<String>,
}

impl UsageHeaders {
    /// Copies the headers out of a response (usually neither is there).
    pub(super) fn of(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            business_use_case: text(BUSINESS_USE_CASE),
            app: text(APP),
        }
    }

    /// The largest `estimated_time_to_regain_access` of either header, in seconds (an
    /// absurd estimate saturates rather than wraps).
    pub(super) fn retry_after_secs(&self) -> Option<u32> {
        let minutes = [&self.business_use_case, &self.app]
            .into_iter()
            .flatten()
            .filter_map(|raw| serde_json::from_str::<Value>(raw).ok())
            .flat_map(|v| estimates(&v))
            .max()?;
        Some(u32::try_from(minutes.saturating_mul(60)).unwrap_or(u32::MAX))
    }
}

/// Every estimate in a usage header: the object's own (`X-App-Usage`) and those of the rows
/// listed under each id (`X-Business-Use-Case-Usage`; a single object instead of a list is
/// read too).
fn estimates(header: &Value) -> Vec<u64> {
    let Some(object) = header.as_object() else {
        return Vec::new();
    };
    let mut found: Vec<u64> = minutes(object.get(ESTIMATE)).into_iter().collect();
    for value in object.values() {
        let rows = match value {
            Value::Array(rows) => rows.iter().collect(),
            Value::Object(_) => vec![value],
            _ => Vec::new(),
        };
        found.extend(rows.into_iter().filter_map(|r| minutes(r.get(ESTIMATE))));
    }
    found
}

/// A count of minutes, as a non-negative JSON integer or a string of digits.
fn minutes(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    /// A response's headers; the JSON is written over several lines here, sent on one.
    fn headers(buc: Option<&str>, app: Option<&str>) -> UsageHeaders {
        let value = |v: &str| {
            let one_line = v.split_whitespace().collect::<Vec<_>>().join(" ");
            HeaderValue::from_str(&one_line).unwrap()
        };
        let mut map = HeaderMap::new();
        if let Some(v) = buc {
            map.insert(BUSINESS_USE_CASE, value(v));
        }
        if let Some(v) = app {
            map.insert(APP, value(v));
        }
        UsageHeaders::of(&map)
    }

    #[test]
    fn the_business_use_case_estimate_is_read_in_minutes() {
        let buc = r#"{"17841400000000201":[{"type":"instagram","call_count":100,
            "total_cputime":12,"total_time":15,"estimated_time_to_regain_access":5}]}"#;
        let app = r#"{"call_count":100,"total_cputime":12,"total_time":15}"#;
        assert_eq!(headers(Some(buc), Some(app)).retry_after_secs(), Some(300));
    }

    #[test]
    fn the_largest_estimate_of_every_id_row_and_header_wins() {
        let buc = r#"{"1":[{"type":"pages","estimated_time_to_regain_access":2},
            {"type":"instagram","estimated_time_to_regain_access":"7"}],
            "2":{"type":"ads_management","estimated_time_to_regain_access":3}}"#;
        let app = r#"{"call_count":100,"estimated_time_to_regain_access":4}"#;
        assert_eq!(headers(Some(buc), Some(app)).retry_after_secs(), Some(420));
        assert_eq!(headers(None, Some(app)).retry_after_secs(), Some(240));
    }

    #[test]
    fn no_estimate_is_none() {
        let app = r#"{"call_count":100,"total_cputime":12,"total_time":15}"#;
        assert_eq!(headers(None, Some(app)).retry_after_secs(), None);
        assert_eq!(headers(None, None).retry_after_secs(), None);
    }

    #[test]
    fn unreadable_headers_are_ignored() {
        for bad in [
            "not json",
            "[1,2]",
            r#"{"1":[{"estimated_time_to_regain_access":-3}]}"#,
            r#"{"1":[{"estimated_time_to_regain_access":"soon"}]}"#,
            r#"{"1":"x"}"#,
        ] {
            assert_eq!(headers(Some(bad), None).retry_after_secs(), None, "{bad}");
        }
        let huge = r#"{"1":[{"estimated_time_to_regain_access":18446744073709551615}]}"#;
        assert_eq!(headers(Some(huge), None).retry_after_secs(), Some(u32::MAX));
    }
}
