//! The time window of `--since/--until`: parsing the flags, normalising record times,
//! and deciding from a trail file's date folder whether it can hold records in the window.

/// `[since, until)` as `YYYY-MM-DDTHH:MM:SSZ` strings, which compare as times.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Window {
    pub since: Option<String>,
    pub until: Option<String>,
}

/// A `--since/--until` value that is neither RFC 3339 nor `YYYY-MM-DD`.
#[derive(Debug, thiserror::Error)]
#[error("{0}: expected an RFC 3339 time (2026-11-02T10:00:00Z) or a date (2026-11-02)")]
pub struct BadTime(pub String);

/// How late a trail delivers: a file in the folder of day D can hold records of the
/// day before (delivery lags by minutes; a file can carry earlier events).
const DELIVERY_LAG_DAYS: i64 = 1;

impl Window {
    pub fn parse(since: Option<&str>, until: Option<&str>) -> Result<Window, BadTime> {
        let one = |t: Option<&str>| -> Result<Option<String>, BadTime> {
            match t {
                None => Ok(None),
                Some(t) => normalize_time(t).map(Some).ok_or_else(|| BadTime(t.to_string())),
            }
        };
        Ok(Window {
            since: one(since)?,
            until: one(until)?,
        })
    }

    pub fn is_open(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether a record at `time` is in the window; records without a time are kept.
    pub fn contains(&self, time: Option<&str>) -> bool {
        let Some(t) = time else { return true };
        self.since.as_deref().is_none_or(|s| t >= s) && self.until.as_deref().is_none_or(|u| t < u)
    }

    /// Whether a file delivered on `date` (`YYYY-MM-DD`, from its folder) may hold
    /// records in the window.
    pub fn may_hold(&self, date: &str) -> bool {
        let Ok(day) = date.parse::<jiff::civil::Date>() else {
            return true;
        };
        let day_start = format!("{date}T00:00:00Z");
        if self.until.as_deref().is_some_and(|u| day_start.as_str() >= u) {
            // Everything in it was delivered after `until`; its records may be a little
            // older, but not older than the day before.
            let earliest = day
                .checked_sub(jiff::Span::new().days(DELIVERY_LAG_DAYS))
                .ok()
                .map(|d| format!("{d}T00:00:00Z"));
            if earliest.is_none_or(|e| self.until.as_deref().is_some_and(|u| e.as_str() >= u)) {
                return false;
            }
        }
        if let Some(s) = &self.since {
            let next = day
                .checked_add(jiff::Span::new().days(1))
                .ok()
                .map(|d| format!("{d}T00:00:00Z"));
            if next.is_some_and(|n| n.as_str() <= s.as_str()) {
                return false;
            }
        }
        true
    }
}

/// A time as `YYYY-MM-DDTHH:MM:SSZ` (UTC, seconds), from RFC 3339 with any offset or
/// fraction, or a bare date (midnight UTC). `None` when it is not a time.
pub fn normalize_time(t: &str) -> Option<String> {
    let b = t.as_bytes();
    // The common case, as CloudTrail writes it: already normal.
    if b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
        && b.iter()
            .enumerate()
            .all(|(i, c)| matches!(i, 4 | 7 | 10 | 13 | 16 | 19) || c.is_ascii_digit())
    {
        let num = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
        if !((1..=12).contains(&num(5)) && (1..=31).contains(&num(8)) && num(11) < 24 && num(14) < 60 && num(17) <= 60)
        {
            return None;
        }
        return Some(t.to_string());
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Some(ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    // Engines print timestamps without an offset (`2026-11-02 10:00:00.000`): UTC.
    if let Ok(dt) = t.replacen(' ', "T", 1).parse::<jiff::civil::DateTime>() {
        return Some(dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    if let Ok(d) = t.parse::<jiff::civil::Date>() {
        return Some(format!("{d}T00:00:00Z"));
    }
    None
}

/// `YYYY-MM-DD` from a trail key or path `.../CloudTrail/<region>/YYYY/MM/DD/...`.
pub fn date_of_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split(['/', '\\']).collect();
    let i = parts.iter().rposition(|p| *p == "CloudTrail")?;
    let (y, m, d) = (parts.get(i + 2)?, parts.get(i + 3)?, parts.get(i + 4)?);
    let ok = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_digit());
    (ok(y, 4) && ok(m, 2) && ok(d, 2)).then(|| format!("{y}-{m}-{d}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_normalise_to_utc_seconds() {
        assert_eq!(
            normalize_time("2026-11-02T10:00:00Z").as_deref(),
            Some("2026-11-02T10:00:00Z")
        );
        assert_eq!(
            normalize_time("2020-09-14T00:44:23.000Z").as_deref(),
            Some("2020-09-14T00:44:23Z")
        );
        assert_eq!(
            normalize_time("2026-11-02T12:00:00+02:00").as_deref(),
            Some("2026-11-02T10:00:00Z")
        );
        assert_eq!(normalize_time("2026-11-02").as_deref(), Some("2026-11-02T00:00:00Z"));
        assert_eq!(
            normalize_time("2026-11-02 10:00:00.000").as_deref(),
            Some("2026-11-02T10:00:00Z")
        );
        assert_eq!(normalize_time("yesterday"), None);
        assert_eq!(normalize_time("2026-13-02T10:00:00Z"), None);
    }

    #[test]
    fn window_filters_records_and_day_folders() {
        let w = Window::parse(Some("2026-11-03"), Some("2026-11-05T12:00:00Z")).unwrap();
        assert!(!w.contains(Some("2026-11-02T23:59:59Z")));
        assert!(w.contains(Some("2026-11-03T00:00:00Z")));
        assert!(!w.contains(Some("2026-11-05T12:00:00Z")));
        assert!(w.contains(None));
        assert!(!w.may_hold("2026-11-02"));
        assert!(w.may_hold("2026-11-03"));
        assert!(w.may_hold("2026-11-05"));
        // Delivered the day after `until`: may still hold records from before it.
        assert!(w.may_hold("2026-11-06"));
        assert!(!w.may_hold("2026-11-07"));
        assert!(Window::parse(Some("soon"), None).is_err());
    }

    #[test]
    fn dates_come_from_the_trail_layout() {
        assert_eq!(
            date_of_path("x/AWSLogs/1/CloudTrail/us-east-1/2026/11/02/f.json.gz").as_deref(),
            Some("2026-11-02")
        );
        assert_eq!(
            date_of_path("AWSLogs/o-abc/1/CloudTrail/eu-west-1/2018/01/31/f.json.gz").as_deref(),
            Some("2018-01-31")
        );
        assert_eq!(date_of_path("logs/f.json"), None);
    }
}
