//! Telephone numbers of members and cadres: mainland mobiles and landlines.
//!
//! Rosters carry numbers in every shape (`139 1234 5678`, `+86-13912345678`, `0851-86812345`);
//! parsing them once here means the registry stores one form and masks it the same way everywhere.
//! Like [`crate::idcard::IdCardNo`], a [`Phone`] shows only its masked form through `Debug` and
//! `Display` and does not implement `Serialize`.

use crate::error::ValueError;
use crate::text;

/// Whether a number is a mobile or a landline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    /// 手机: `1[3-9]` followed by 9 digits.
    Mobile,
    /// 固定电话: area code `0` + 2–3 digits, then 7–8 digits, optionally separated by `-`.
    Landline,
}

/// A mainland telephone number, normalized: a mobile is its 11 digits; a landline keeps the `-`
/// between area code and number if one was typed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// Parse a mobile (spaces, dashes and a `+86`/`0086` prefix removed) or a landline.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s: String = input
            .chars()
            .map(text::to_half_width)
            .filter(|c| !c.is_whitespace())
            .map(|c| if matches!(c, '—' | '–' | '－') { '-' } else { c })
            .collect();
        if s.is_empty() {
            return Err(ValueError::new("required", "请填写电话号码"));
        }
        let compact: String = s.chars().filter(|c| *c != '-').collect();
        let national = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .or_else(|| if compact.len() == 13 { compact.strip_prefix("86") } else { None })
            .unwrap_or(&compact);
        if is_mobile(national) {
            return Ok(Self(national.to_string()));
        }
        if is_landline(&s) {
            return Ok(Self(s));
        }
        Err(ValueError::new(
            "bad_phone",
            format!("“{}”不是有效的手机号码或固定电话（如 13912345678 或 0851-86812345）", input.trim()),
        ))
    }

    /// The number as stored. Use only where the user has the right to see it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Mobile or landline.
    pub fn kind(&self) -> PhoneKind {
        if is_mobile(&self.0) { PhoneKind::Mobile } else { PhoneKind::Landline }
    }

    /// The masked form: the four digits before the last four are starred, e.g. `139****5678`,
    /// `0851-****2345`.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let n = chars.len();
        let mut out = String::with_capacity(n);
        for (i, c) in chars.iter().enumerate() {
            if i + 8 >= n && i + 4 < n && c.is_ascii_digit() { out.push('*') } else { out.push(*c) }
        }
        out
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// Shows the masked form, so that a number formatted into a log line is not leaked.
impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

impl std::str::FromStr for Phone {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for Phone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Phone::parse(&s).map_err(serde::de::Error::custom)
    }
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

/// `0\d{2,3}-?\d{7,8}`
fn is_landline(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('-') {
        Some((area, number)) => {
            digits(area)
                && digits(number)
                && area.starts_with('0')
                && (3..=4).contains(&area.len())
                && (7..=8).contains(&number.len())
        }
        None => digits(s) && s.starts_with('0') && (10..=12).contains(&s.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_in_every_shape() {
        for s in [
            "13912345678",
            "139 1234 5678",
            "139-1234-5678",
            "+86 139 1234 5678",
            "008613912345678",
            "8613912345678",
            "１３９１２３４５６７８",
        ] {
            let p = Phone::parse(s).unwrap();
            assert_eq!(p.as_str(), "13912345678", "{s}");
            assert_eq!(p.kind(), PhoneKind::Mobile);
            assert_eq!(p.masked(), "139****5678");
        }
    }

    #[test]
    fn landlines() {
        let p = Phone::parse("0851-86812345").unwrap();
        assert_eq!(p.kind(), PhoneKind::Landline);
        assert_eq!(p.masked(), "0851-****2345");
        assert_eq!(format!("{p:?}"), "Phone(0851-****2345)");
        assert_eq!(Phone::parse("010 1234567").unwrap().as_str(), "0101234567");
        assert_eq!(Phone::parse("085186812345").unwrap().masked(), "0851****2345");
    }

    #[test]
    fn rejects_the_rest() {
        for s in ["12912345678", "1391234567", "139123456789", "abc", "0851-123", "851-86812345", "0851-86812345-1"] {
            assert_eq!(Phone::parse(s).unwrap_err().code, "bad_phone", "{s}");
        }
        assert_eq!(Phone::parse(" ").unwrap_err().code, "required");
    }
}
