//! Formatting of numbers, sizes and times for people. Pure, so server and browser render the same.

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};

/// `1234567` → `1,234,567`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1536` → `1.5 KB`; binary multiples with the short unit names people expect.
///
/// Integer arithmetic on purpose: float formatting would add its (large) machinery to the WASM.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
    let unit = (1..UNITS.len()).take_while(|&u| u128::from(n) >= 1u128 << (10 * u)).last().unwrap_or(0);
    if unit == 0 {
        return format!("{n} B");
    }
    let divisor = 1u128 << (10 * unit);
    let tenths = (u128::from(n) * 10 + divisor / 2) / divisor;
    if tenths < 100 {
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
    } else {
        format!("{} {}", (tenths + 5) / 10, UNITS[unit])
    }
}

/// A duration in the largest whole unit: `45 s`, `12 min`, `3 h`, `5 d`.
pub fn duration(delta: TimeDelta) -> String {
    let secs = delta.num_seconds().max(0);
    match secs {
        0..60 => format!("{secs} s"),
        60..3_600 => format!("{} min", secs / 60),
        3_600..86_400 => format!("{} h", secs / 3_600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// `at` relative to `now`: `just now`, `4 min ago`, `in 2 h`.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let delta = now - at;
    if delta.num_seconds().abs() < 5 {
        "just now".to_owned()
    } else if delta > TimeDelta::zero() {
        format!("{} ago", duration(delta))
    } else {
        format!("in {}", duration(-delta))
    }
}

/// Absolute UTC time as people read it in a tooltip: `2026-11-30 08:27:08 UTC`.
///
/// Built from the date's fields rather than a `strftime` pattern, which would pull chrono's format
/// parser into the WASM.
pub fn utc(at: DateTime<Utc>) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Time of day with milliseconds: `08:27:08.123 UTC`.
pub fn clock(at: DateTime<Utc>) -> String {
    format!("{:02}:{:02}:{:02}.{:03} UTC", at.hour(), at.minute(), at.second(), at.timestamp_subsec_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn bytes_use_one_decimal_below_ten_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KB");
        assert_eq!(bytes(1536), "1.5 KB");
        assert_eq!(bytes(10 * 1024 - 1), "10 KB");
        assert_eq!(bytes(20 * 1024 * 1024), "20 MB");
        assert_eq!(bytes(u64::MAX), "16 EB");
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T08:00:00Z").unwrap().to_utc();
        assert_eq!(relative(now, now), "just now");
        assert_eq!(relative(now - TimeDelta::seconds(42), now), "42 s ago");
        assert_eq!(relative(now - TimeDelta::minutes(4), now), "4 min ago");
        assert_eq!(relative(now - TimeDelta::hours(30), now), "1 d ago");
        assert_eq!(relative(now + TimeDelta::hours(2), now), "in 2 h");
        assert_eq!(utc(now), "2026-11-30 08:00:00 UTC");
        assert_eq!(clock(now + TimeDelta::milliseconds(7)), "08:00:00.007 UTC");
    }
}
