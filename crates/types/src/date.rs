//! Dates as people write them: `1985-03-12`, `1985/3/12`, `1985.03.12`, `19850312`, `1985年3月12日`.

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
}
