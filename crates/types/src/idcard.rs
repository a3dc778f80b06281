//! 公民身份号码 (GB 11643-1999), the number that identifies a member across every system.
//!
//! It is owned here rather than taken from a crate because the rule set is small and the ways it
//! arrives broken are specific to our users: typed with full-width digits or a lowercase `x`,
//! pasted with spaces, and above all *stored by Excel as a number*, which silently turns
//! `520102198503121234` into `5.20102E+17` or `520102198503121000`. That last case gets its own
//! message so the user knows to fix the spreadsheet, not the person's record.
//!
//! [`IdCardNo`] is sensitive: its `Debug` and `Display` show the masked form, and it deliberately
//! does not implement `Serialize`, so a full number only leaves through [`IdCardNo::as_str`].

use chrono::{Datelike, NaiveDate};

use crate::date::today_china;
use crate::error::ValueError;
use crate::person::Gender;
use crate::text;

/// Weights of the 17 body digits in the GB 11643 mod-11 checksum.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder of the weighted sum modulo 11.
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The message shown when a number was mangled by Excel's number formatting.
pub const EXCEL_NUMBER_MESSAGE: &str = "身份证号被 Excel 存成了数字，精度已丢失，请把该列设为文本后重新填写";

/// Whether 15-digit numbers (issued before 1999) are accepted and converted to 18 digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyNumbers {
    /// Only 18-character numbers are valid.
    Reject,
    /// A 15-digit number is converted: `19` inserted before its 2-digit year, check char appended.
    Convert,
}

/// 公民身份号码: 18 characters, checksum verified, birth date valid and not in the future.
///
/// Stored normalized: ASCII digits and an upper-case `X`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdCardNo(String);

impl IdCardNo {
    /// Parse an 18-character number, checked against today's date in China.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        Self::parse_at(input, today_china(), LegacyNumbers::Reject)
    }

    /// Parse, also accepting (and converting) 15-digit legacy numbers; for imports of old rosters.
    pub fn parse_allow_legacy(input: &str) -> Result<Self, ValueError> {
        Self::parse_at(input, today_china(), LegacyNumbers::Convert)
    }

    /// Parse with an explicit "today" (the birth date must not be after it) and legacy policy.
    pub fn parse_at(input: &str, today: NaiveDate, legacy: LegacyNumbers) -> Result<Self, ValueError> {
        let s = normalize(input);
        if s.is_empty() {
            return Err(ValueError::new("required", "请填写公民身份号码"));
        }
        if looks_like_excel_number(&s) {
            return Err(excel_number());
        }
        let body = match s.len() {
            18 => s,
            15 if legacy == LegacyNumbers::Convert && s.bytes().all(|b| b.is_ascii_digit()) => {
                let mut body = String::with_capacity(18);
                body.push_str(&s[..6]);
                body.push_str("19");
                body.push_str(&s[6..]);
                let check = check_char(body.as_bytes()).ok_or_else(bad_chars)?;
                body.push(char::from(check));
                body
            }
            _ => {
                let n = s.chars().count();
                return Err(ValueError::new("bad_length", format!("公民身份号码应为18位（现为{n}位）")));
            }
        };
        let b = body.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(bad_chars());
        }
        let expected = check_char(b).ok_or_else(bad_chars)?;
        if expected != b[17] {
            // Excel keeps 15 significant digits: a number that went through a float ends in 000.
            if body.ends_with("000") {
                return Err(excel_number());
            }
            return Err(ValueError::new("bad_checksum", "公民身份号码校验位错误，请核对是否录入有误"));
        }
        let birth = birth_of(&body).ok_or_else(bad_birth)?;
        if birth > today {
            return Err(ValueError::new("bad_birth_date", "公民身份号码中的出生日期晚于今天"));
        }
        Ok(Self(body))
    }

    /// The full number. Use only where the user has the right to see it (and it is audited).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date embedded in digits 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        // Checked in `parse_at`; the fallback is unreachable for a constructed value.
        birth_of(&self.0).unwrap_or(NaiveDate::MIN)
    }

    /// The gender encoded by the 17th digit: odd for men, even for women.
    pub fn gender(&self) -> Gender {
        let d = self.0.as_bytes()[16] - b'0';
        if d % 2 == 1 { Gender::Male } else { Gender::Female }
    }

    /// The 6-digit administrative region code (GB/T 2260) of the place of first registration.
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }

    /// The masked form shown on screen: the first 6 and last 4 characters, e.g.
    /// `520102********1234`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    /// The age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> i32 {
        let b = self.birth_date();
        let mut age = on.year() - b.year();
        if (on.month(), on.day()) < (b.month(), b.day()) {
            age -= 1;
        }
        age
    }
}

impl std::fmt::Debug for IdCardNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdCardNo({})", self.masked())
    }
}

/// Shows the masked form, so that a number formatted into a log line or message is not leaked.
impl std::fmt::Display for IdCardNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

impl std::str::FromStr for IdCardNo {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for IdCardNo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        IdCardNo::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The check character for the first 17 bytes, or `None` if one of them is not a digit.
pub fn check_char(body: &[u8]) -> Option<u8> {
    if body.len() < 17 {
        return None;
    }
    let mut sum = 0u32;
    for (d, w) in body[..17].iter().zip(WEIGHTS) {
        if !d.is_ascii_digit() {
            return None;
        }
        sum += u32::from(d - b'0') * w;
    }
    Some(CHECK_CHARS[(sum % 11) as usize])
}

/// True if the text is what Excel makes of a long number: scientific notation (`5.20102E+17`) or
/// a decimal point in a long digit string (`520102198503121000.0`).
pub fn looks_like_excel_number(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    if upper.contains("E+") {
        return true;
    }
    let digits = upper.bytes().filter(u8::is_ascii_digit).count();
    let sci = upper.split_once('E').is_some_and(|(m, e)| {
        !m.is_empty()
            && m.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && !e.is_empty()
            && e.bytes().all(|b| b.is_ascii_digit())
    });
    let decimal = upper.contains('.') && digits >= 10 && upper.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    sci || decimal
}

fn normalize(input: &str) -> String {
    let mut out = String::with_capacity(18);
    for ch in input.chars() {
        let ch = text::to_half_width(ch);
        if ch.is_whitespace() || ch == '\u{200B}' || ch == '\u{FEFF}' {
            continue;
        }
        out.push(if ch == 'x' { 'X' } else { ch });
    }
    // A leading apostrophe is Excel's "text" marker, pasted along with the value.
    match out.strip_prefix('\'') {
        Some(rest) => rest.to_string(),
        None => out,
    }
}

fn birth_of(body: &str) -> Option<NaiveDate> {
    let y: i32 = body.get(6..10)?.parse().ok()?;
    let m: u32 = body.get(10..12)?.parse().ok()?;
    let d: u32 = body.get(12..14)?.parse().ok()?;
    if y < 1900 {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

fn excel_number() -> ValueError {
    ValueError::new("excel_number", EXCEL_NUMBER_MESSAGE)
}

fn bad_chars() -> ValueError {
    ValueError::new("bad_chars", "公民身份号码前17位应为数字，最后一位为数字或X")
}

fn bad_birth() -> ValueError {
    ValueError::new("bad_birth_date", "公民身份号码中的出生日期（第7至14位）无效")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    }

    fn p(s: &str) -> Result<IdCardNo, ValueError> {
        IdCardNo::parse_at(s, today(), LegacyNumbers::Convert)
    }

    #[test]
    fn the_standards_example_is_valid() {
        let id = p("11010519491231002X").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "IdCardNo(110105********002X)");
        assert_eq!(id.to_string(), "110105********002X");
        assert_eq!(id.age_on(NaiveDate::from_ymd_opt(2025, 12, 30).unwrap()), 75);
    }

    #[test]
    fn normalizes_what_people_type() {
        for s in [
            " 11010519491231002x ",
            "１１０１０５１９４９１２３１００２Ｘ",
            "110105 19491231 002X",
            "'11010519491231002X",
        ] {
            assert_eq!(p(s).unwrap().as_str(), "11010519491231002X", "{s}");
        }
    }

    #[test]
    fn reports_each_kind_of_error() {
        assert_eq!(p("").unwrap_err().code, "required");
        assert_eq!(p("1101051949123100").unwrap_err().code, "bad_length");
        assert_eq!(p("11010519491231002Y").unwrap_err().code, "bad_chars");
        assert_eq!(p("11010519491231003X").unwrap_err().code, "bad_checksum");
        assert!(p("11010519491231003X").unwrap_err().message.contains("校验位错误"));
        // 1949-13-31 with a correct check char.
        let mut body = b"11010519491331002".to_vec();
        body.push(check_char(&body).unwrap());
        assert_eq!(p(std::str::from_utf8(&body).unwrap()).unwrap_err().code, "bad_birth_date");
        let mut future = b"11010520300101002".to_vec();
        future.push(check_char(&future).unwrap());
        assert_eq!(p(std::str::from_utf8(&future).unwrap()).unwrap_err().code, "bad_birth_date");
    }

    #[test]
    fn recognizes_numbers_mangled_by_excel() {
        for s in ["5.20102E+17", "5.20102198503121e+17", "520102198503121000", "520102198503121000.0", "5.2E17"] {
            let e = p(s).unwrap_err();
            assert_eq!(e.code, "excel_number", "{s}");
            assert_eq!(e.message, EXCEL_NUMBER_MESSAGE);
        }
    }

    #[test]
    fn converts_legacy_numbers_when_asked() {
        let id = p("110105491231002").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        let strict = IdCardNo::parse_at("110105491231002", today(), LegacyNumbers::Reject);
        assert_eq!(strict.unwrap_err().code, "bad_length");
    }
}
