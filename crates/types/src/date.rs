//! Dates as people write them: `1985-03-12`, `1985/3/12`, `1985.03.12`, `19850312`, `1985年3月12日`;
//! year-months for birth dates on old rosters (`1985.03`, `1985年3月`); and Excel's serial day
//! numbers, which is what a date cell holds when a spreadsheet lost its date format.

use chrono::NaiveDate;

use crate::error::ValueError;

/// Parse a calendar date in any of the common written forms.
pub fn parse_date(input: &str) -> Result<NaiveDate, ValueError> {
    let s: String = crate::text::normalize(input).chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err(ValueError::new("required", "请填写日期"));
    }
    let bad = || ValueError::new("bad_date", format!("“{}”不是有效日期，应形如 2024-03-12", input.trim()));
    let parts: Vec<&str> = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        vec![&s[0..4], &s[4..6], &s[6..8]]
    } else {
        let t = s.trim_end_matches('日');
        t.split(['-', '/', '.', '年', '月']).collect()
    };
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    let y: i32 = parts[0].parse().map_err(|_| bad())?;
    let m: u32 = parts[1].parse().map_err(|_| bad())?;
    let d: u32 = parts[2].parse().map_err(|_| bad())?;
    if parts[0].len() != 4 || !(1900..=2200).contains(&y) {
        return Err(bad());
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)
}

/// Parse an optional date: empty input is `None`.
pub fn parse_optional_date(input: &str) -> Result<Option<NaiveDate>, ValueError> {
    if input.trim().is_empty() { Ok(None) } else { parse_date(input).map(Some) }
}

/// Today's date in China (UTC+8, no daylight saving since 1991).
pub fn today_china() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// The local time in China of an instant (UTC+8).
pub fn china_time(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    (t + chrono::Duration::hours(8)).naive_utc()
}

/// Parse a year and month (`1985.03`, `198503`, `1985-3`, `1985/03`, `1985年3月`) as the first
/// day of that month. Birth dates on old rosters often carry no day.
pub fn parse_year_month(input: &str) -> Result<NaiveDate, ValueError> {
    let s: String = crate::text::normalize(input).chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err(ValueError::new("required", "请填写年月"));
    }
    let bad = || ValueError::new("bad_year_month", format!("“{}”不是有效年月，应形如 1985-03", input.trim()));
    let (y, m) = if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        (&s[0..4], &s[4..6])
    } else {
        let t = s.trim_end_matches('份').trim_end_matches('月');
        t.split_once(['-', '/', '.', '年']).ok_or_else(bad)?
    };
    let digits = |p: &str| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit());
    if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) || !digits(m) {
        return Err(bad());
    }
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if !(1900..=2200).contains(&y) {
        return Err(bad());
    }
    NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)
}

/// The largest serial Excel accepts: 9999-12-31.
const EXCEL_MAX_SERIAL: f64 = 2_958_465.0;

/// The date of an Excel serial day number in the 1900 date system (the fractional part, a time of
/// day, is dropped).
///
/// Excel counts 1900-01-01 as day 1 and, copying Lotus 1-2-3, treats 1900 as a leap year: day 60
/// is the non-existent 1900-02-29 (`None` here), and from day 61 (1900-03-01) on the serials are
/// one higher than a plain day count.
pub fn from_excel_serial(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..EXCEL_MAX_SERIAL + 1.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let base = match days {
        60 => return None,
        ..60 => NaiveDate::from_ymd_opt(1899, 12, 31)?,
        _ => NaiveDate::from_ymd_opt(1899, 12, 30)?,
    };
    base.checked_add_signed(chrono::Duration::days(days))
}

/// The Excel serial day number of a date (1900 date system), the inverse of [`from_excel_serial`].
pub fn to_excel_serial(date: NaiveDate) -> f64 {
    let Some(epoch) = NaiveDate::from_ymd_opt(1899, 12, 30) else { return 0.0 };
    let days = (date - epoch).num_days();
    // Before 1900-03-01 Excel's count is one lower (it has no 1899-12-31 but has 1900-02-29).
    if days < 61 { (days - 1) as f64 } else { days as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_forms() {
        let want = NaiveDate::from_ymd_opt(1985, 3, 12).unwrap();
        for s in ["1985-03-12", "1985/3/12", "1985.03.12", "19850312", "1985年3月12日", " １９８５-３-１２ "]
        {
            assert_eq!(parse_date(s).unwrap(), want, "{s}");
        }
    }

    #[test]
    fn rejects_impossible_dates() {
        for s in ["1985-02-30", "85-3-12", "1985-13-01", "abc", "1985-03", "2023-02-29"] {
            assert!(parse_date(s).is_err(), "{s}");
        }
        assert!(parse_date("2024-02-29").is_ok());
        assert_eq!(parse_optional_date("  ").unwrap(), None);
    }

    #[test]
    fn year_months() {
        let want = NaiveDate::from_ymd_opt(1985, 3, 1).unwrap();
        for s in ["1985.03", "198503", "1985-3", "1985年3月", "1985/03", "1985年03月份", "１９８５.３"] {
            assert_eq!(parse_year_month(s).unwrap(), want, "{s}");
        }
        for s in ["1985", "1985.13", "85.3", "1985-03-12", "abc", "1985.003"] {
            assert!(parse_year_month(s).is_err(), "{s}");
        }
    }

    #[test]
    fn excel_serials_follow_the_1900_system() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(from_excel_serial(1.0), Some(d(1900, 1, 1)));
        assert_eq!(from_excel_serial(59.0), Some(d(1900, 2, 28)));
        assert_eq!(from_excel_serial(60.0), None);
        assert_eq!(from_excel_serial(61.0), Some(d(1900, 3, 1)));
        assert_eq!(from_excel_serial(31_118.75), Some(d(1985, 3, 12)));
        assert_eq!(from_excel_serial(45_658.0), Some(d(2025, 1, 1)));
        assert_eq!(from_excel_serial(2_958_465.0), Some(d(9999, 12, 31)));
        for bad in [0.0, -3.0, f64::NAN, f64::INFINITY, 2_958_466.0] {
            assert_eq!(from_excel_serial(bad), None, "{bad}");
        }
        for date in [d(1900, 1, 1), d(1900, 2, 28), d(1900, 3, 1), d(1985, 3, 12), d(2024, 2, 29)] {
            assert_eq!(from_excel_serial(to_excel_serial(date)), Some(date), "{date}");
        }
    }
}
