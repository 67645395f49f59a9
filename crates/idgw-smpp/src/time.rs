//! Calendar arithmetic for the SMPP and TS 23.040 time fields, on plain Unix
//! seconds (UTC). Callers pass the time in; nothing here reads the clock.

/// A UTC calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: i64,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// Days since 1970-01-01 to a civil date (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A civil date to days since 1970-01-01.
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl DateTime {
    /// Unix seconds to UTC.
    pub fn from_unix(secs: i64) -> DateTime {
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let s = secs.rem_euclid(86_400);
        DateTime {
            year,
            month,
            day,
            hour: (s / 3600) as u8,
            minute: (s % 3600 / 60) as u8,
            second: (s % 60) as u8,
        }
    }

    /// UTC to Unix seconds.
    pub fn to_unix(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// `YYMMDDhhmm`, the date format of delivery receipts (Appendix B).
    pub fn receipt_format(self) -> String {
        format!(
            "{:02}{:02}{:02}{:02}{:02}",
            self.year.rem_euclid(100),
            self.month,
            self.day,
            self.hour,
            self.minute
        )
    }
}

/// Seconds a validity_period (SMPP v3.4 section 7.1.1) allows after `now`.
///
/// Relative format `YYMMDDhhmmss000R` counts years as 365 days and months as
/// 30 days; absolute format `YYMMDDhhmmsstnnp` is converted with its quarter
/// hour UTC offset. Empty means "SMSC default": `None`.
pub fn validity_secs(validity_period: &str, now_unix: i64) -> Option<i64> {
    let b = validity_period.as_bytes();
    if b.len() != 16 || !b[..15].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |i: usize| i64::from(b[i] - b'0') * 10 + i64::from(b[i + 1] - b'0');
    let (yy, mo, dd, hh, mi, ss) = (n(0), n(2), n(4), n(6), n(8), n(10));
    match b[15] {
        b'R' => Some(yy * 365 * 86_400 + mo * 30 * 86_400 + dd * 86_400 + hh * 3600 + mi * 60 + ss),
        p @ (b'+' | b'-') => {
            if !(1..=12).contains(&mo) || !(1..=31).contains(&dd) {
                return None;
            }
            let local = DateTime {
                year: 2000 + yy,
                month: mo as u8,
                day: dd as u8,
                hour: hh as u8,
                minute: mi as u8,
                second: ss as u8,
            }
            .to_unix();
            let offset = n(13) * 15 * 60;
            let utc = if p == b'+' {
                local - offset
            } else {
                local + offset
            };
            Some((utc - now_unix).max(0))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_round_trip() {
        // 2024-02-29 12:34:56 UTC
        let t = 1_709_210_096;
        let d = DateTime::from_unix(t);
        assert_eq!((d.year, d.month, d.day), (2024, 2, 29));
        assert_eq!((d.hour, d.minute, d.second), (12, 34, 56));
        assert_eq!(d.to_unix(), t);
        assert_eq!(d.receipt_format(), "2402291234");
        assert_eq!(DateTime::from_unix(0).year, 1970);
    }

    #[test]
    fn validity_formats() {
        assert_eq!(validity_secs("000000000500000R", 0), Some(300));
        assert_eq!(validity_secs("", 0), None);
        assert_eq!(validity_secs("garbage", 0), None);
        let now = 1_709_210_096; // 2024-02-29 12:34:56
                                 // 13:34:56 at UTC+1 (4 quarter hours) is 12:34:56 UTC: expires now.
        assert_eq!(validity_secs("240229133456004+", now), Some(0));
        assert_eq!(validity_secs("240229123556000+", now), Some(60));
    }
}
