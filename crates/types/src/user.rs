//! Account values: user names, display names and the password policy.

use serde::{Deserialize, Serialize};

use crate::error::ValueError;
use crate::text;

/// A login name: 3–32 characters of ASCII letters, digits, `_`, `.`, `-`, starting with a letter
/// or digit; stored in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    /// Parse and normalize to lower case.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = text::normalize(input).to_ascii_lowercase();
        if s.is_empty() {
            return Err(ValueError::new("required", "请填写用户名"));
        }
        let n = s.chars().count();
        if !(3..=32).contains(&n) {
            return Err(ValueError::new("bad_length", "用户名应为3至32个字符"));
        }
        let ok_chars = s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        let ok_start = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !ok_chars || !ok_start {
            return Err(ValueError::new("bad_chars", "用户名只能包含字母、数字和 _ . - 符号，并以字母或数字开头"));
        }
        Ok(Self(s))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Username {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Username::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A person's name as shown in the interface (姓名): 1–50 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    /// Parse and normalize.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        if text::has_control(input.trim()) {
            return Err(ValueError::new("bad_chars", "姓名不能包含控制字符"));
        }
        let s = text::normalize(input);
        if s.is_empty() {
            return Err(ValueError::new("required", "请填写姓名"));
        }
        if s.chars().count() > 50 {
            return Err(ValueError::new("too_long", "姓名不能超过50个字符"));
        }
        Ok(Self(s))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for DisplayName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The password rules set by the 安全管理员.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    /// Minimum length in characters.
    pub min_len: usize,
    /// How many of the four classes (lower, upper, digit, symbol) must appear.
    pub min_classes: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_len: 10, min_classes: 3 }
    }
}

impl PasswordPolicy {
    /// Check a new password against the policy and against the user name.
    pub fn check(&self, password: &str, username: &str) -> Result<(), ValueError> {
        let n = password.chars().count();
        if n < self.min_len {
            return Err(ValueError::new("too_short", format!("密码至少需要{}个字符", self.min_len)));
        }
        if n > 128 {
            return Err(ValueError::new("too_long", "密码不能超过128个字符"));
        }
        let classes = [
            password.chars().any(|c| c.is_ascii_lowercase()),
            password.chars().any(|c| c.is_ascii_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_ascii_alphanumeric()),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if classes < self.min_classes {
            return Err(ValueError::new(
                "too_simple",
                format!("密码需包含小写字母、大写字母、数字、符号中的至少{}类", self.min_classes),
            ));
        }
        if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
            return Err(ValueError::new("contains_username", "密码不能包含用户名"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" Admin.01 ").unwrap().as_str(), "admin.01");
        assert_eq!(Username::parse("ab").unwrap_err().code, "bad_length");
        assert_eq!(Username::parse("_abc").unwrap_err().code, "bad_chars");
        assert_eq!(Username::parse("张三").unwrap_err().code, "bad_length");
        assert_eq!(Username::parse("张三丰").unwrap_err().code, "bad_chars");
    }

    #[test]
    fn password_policy() {
        let p = PasswordPolicy::default();
        assert!(p.check("Abcdefgh12", "zhang").is_ok());
        assert_eq!(p.check("Ab1", "x").unwrap_err().code, "too_short");
        assert_eq!(p.check("abcdefghijk", "x").unwrap_err().code, "too_simple");
        assert_eq!(p.check("Zhangsan2024!", "zhangsan").unwrap_err().code, "contains_username");
    }
}
