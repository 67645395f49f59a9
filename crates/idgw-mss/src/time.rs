//! `xs:dateTime` text for the `Instant` elements of `AP_Info` and
//! `MSSP_Info` (TS 102 204 clause 6.2.1), written in UTC with milliseconds
//! (`2024-05-01T12:00:00.000Z`) as Kiuru-based MSSPs write them. The clock is
//! read by the caller and passed in.

use std::time::{SystemTime, UNIX_EPOCH};

/// Formats `t` as an `xs:dateTime` in UTC. Times before 1970 are written as
/// the epoch (they do not occur: the argument is a wall-clock reading).
pub fn xs_date_time(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day), by
/// counting 400-year eras of 146097 days with the year starting in March.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_known_instants() {
        assert_eq!(xs_date_time(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_714_564_800_250);
        assert_eq!(xs_date_time(t), "2024-05-01T12:00:00.250Z");
        // 2000-02-29 (leap day of a century divisible by 400) and the day after.
        assert_eq!(
            xs_date_time(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            xs_date_time(UNIX_EPOCH + Duration::from_secs(951_955_199)),
            "2000-03-01T23:59:59.000Z"
        );
    }
}
