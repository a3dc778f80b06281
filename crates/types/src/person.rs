//! Values describing a person: name, gender, ethnic group, education, membership category and
//! status.
//!
//! Besides the canonical labels, each enumeration has a `parse_loose` that accepts the synonyms
//! found on real rosters (`男性`, `本科`, `硕士`, `预备`), so imports need no cleanup by hand.

use serde::{Deserialize, Serialize};

use crate::error::ValueError;
use crate::org::labelled_enum;
use crate::text;

labelled_enum!(
    /// 性别
    Gender {
        /// 男
        Male => ("male", "男"),
        /// 女
        Female => ("female", "女"),
    }
);

labelled_enum!(
    /// 学历: the highest education completed.
    Education {
        /// 研究生
        Postgraduate => ("postgraduate", "研究生"),
        /// 大学本科
        Bachelor => ("bachelor", "大学本科"),
        /// 大学专科
        College => ("college", "大学专科"),
        /// 中专
        Vocational => ("vocational", "中专"),
        /// 高中
        HighSchool => ("high_school", "高中"),
        /// 初中
        MiddleSchool => ("middle_school", "初中"),
        /// 小学及以下
        Primary => ("primary", "小学及以下"),
    }
);

impl Education {
    /// True for 大专 and above (the "一升" of the team-structure view counts these).
    pub fn is_college_or_above(self) -> bool {
        matches!(self, Education::Postgraduate | Education::Bachelor | Education::College)
    }
}

labelled_enum!(
    /// 党员类别: full or probationary member.
    MemberCategory {
        /// 正式党员
        Full => ("full", "正式党员"),
        /// 预备党员
        Probationary => ("probationary", "预备党员"),
    }
);

labelled_enum!(
    /// 党籍状态: active, suspended (停止党籍) or left the Party (出党).
    MemberStatus {
        /// 正常
        Active => ("active", "正常"),
        /// 停止党籍
        Suspended => ("suspended", "停止党籍"),
        /// 出党
        Left => ("left", "出党"),
    }
);

/// The 56 ethnic groups of China (民族), in the order of GB 3304.
pub const ETHNIC_GROUPS: [&str; 56] = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
];

/// Normalize an ethnic group as people write it (`苗`, `苗族`, `汉 族`, and the short forms
/// `蒙族`, `维族`, `哈族`, `柯族`) to its official name.
pub fn parse_ethnicity(input: &str) -> Option<&'static str> {
    let s = squash(input);
    if s.is_empty() {
        return None;
    }
    let s = match s.as_str() {
        "蒙族" => "蒙古族",
        "维族" => "维吾尔族",
        "哈族" => "哈萨克族",
        "柯族" => "柯尔克孜族",
        "乌孜别克" | "乌兹别克族" | "乌兹别克" => "乌孜别克族",
        other => other,
    };
    ETHNIC_GROUPS.iter().copied().find(|g| *g == s || g.strip_suffix('族') == Some(s))
}

/// The text with full-width forms made half-width and all whitespace removed.
fn squash(input: &str) -> String {
    input.chars().map(text::to_half_width).filter(|c| !c.is_whitespace()).collect()
}

impl Gender {
    /// Parse the label, key or a common synonym (`男性`, `女性`, `M`, `F`).
    pub fn parse_loose(input: &str) -> Option<Self> {
        let s = squash(input);
        Self::parse(&s).or(match s.to_ascii_lowercase().as_str() {
            "男性" | "m" | "男士" => Some(Gender::Male),
            "女性" | "f" | "女士" => Some(Gender::Female),
            _ => None,
        })
    }
}

impl Education {
    /// Parse the label, key or a synonym as rosters write it: `研究生`/`硕士`/`博士`, `本科`,
    /// `大专`/`专科`, `中专`/`中技`/`技校`/`职高`, `高中`, `初中`, `小学`/`文盲`; a trailing
    /// `毕业`, `学历` or `文化` is ignored.
    pub fn parse_loose(input: &str) -> Option<Self> {
        let s = squash(input);
        if let Some(e) = Self::parse(&s) {
            return Some(e);
        }
        let mut t = s.as_str();
        for suffix in ["毕业", "学历", "文化", "程度", "在读"] {
            t = t.strip_suffix(suffix).unwrap_or(t);
        }
        if let Some(e) = Self::parse(t) {
            return Some(e);
        }
        Some(match t {
            "研究生" | "硕士" | "博士" | "硕士研究生" | "博士研究生" | "研究生及以上" | "在职研究生" | "博士后"
            | "硕士及以上" => Education::Postgraduate,
            "本科" | "大学" | "学士" | "大本" | "本科及以上" => Education::Bachelor,
            "大专" | "专科" | "高职" | "高职高专" | "大学专科及以上" | "大专及以上" => {
                Education::College
            }
            "中专" | "中技" | "技校" | "职高" | "中职" | "中等专科" | "中专中技" | "中等专业学校" => {
                Education::Vocational
            }
            "普通高中" | "高中及同等学历" | "高中中专" => Education::HighSchool,
            "初级中学" | "初中及以下" => Education::MiddleSchool,
            "小学" | "文盲" | "半文盲" | "无" | "不识字" | "扫盲" => Education::Primary,
            _ => return None,
        })
    }
}

impl MemberCategory {
    /// Parse the label, key or a short form (`正式`, `预备`).
    pub fn parse_loose(input: &str) -> Option<Self> {
        let s = squash(input);
        Self::parse(&s).or(match s.as_str() {
            "正式" | "正式党员(已转正)" => Some(MemberCategory::Full),
            "预备" | "预备期" => Some(MemberCategory::Probationary),
            _ => None,
        })
    }
}

impl MemberStatus {
    /// Parse the label, key or a synonym (`停止`, `已出党`).
    pub fn parse_loose(input: &str) -> Option<Self> {
        let s = squash(input);
        Self::parse(&s).or(match s.as_str() {
            "在册" | "正常在册" => Some(MemberStatus::Active),
            "停止" | "停党" | "已停止党籍" => Some(MemberStatus::Suspended),
            "已出党" | "除名" | "开除党籍" | "退党" => Some(MemberStatus::Left),
            _ => None,
        })
    }
}

/// 姓名 of a member or cadre: 2–20 characters of script (Han or another alphabet), whitespace
/// removed, with `·` allowed between the parts of a minority name (阿依古丽·买买提).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// Parse and normalize: full-width forms and every space removed, dot variants (`•`, `．`,
    /// `・`, `‧`) turned into `·`.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        if input.trim().chars().any(|c| c.is_control() && c != '\t') {
            return Err(ValueError::new("bad_chars", "姓名不能包含控制字符"));
        }
        let s: String = squash(input)
            .chars()
            .map(|c| if matches!(c, '•' | '．' | '・' | '‧' | '∙' | '⋅' | '.') { '·' } else { c })
            .collect();
        if s.is_empty() {
            return Err(ValueError::new("required", "请填写姓名"));
        }
        if s.chars().any(|c| c.is_numeric()) {
            return Err(ValueError::new("bad_chars", "姓名不能包含数字"));
        }
        if !s.chars().all(|c| c.is_alphabetic() || c == '·') {
            return Err(ValueError::new("bad_chars", "姓名只能包含文字和间隔号“·”"));
        }
        if s.starts_with('·') || s.ends_with('·') || s.contains("··") {
            return Err(ValueError::new("bad_chars", "间隔号“·”只能用在姓名中间"));
        }
        if !(2..=20).contains(&s.chars().count()) {
            return Err(ValueError::new("bad_length", "姓名应为2至20个字"));
        }
        Ok(Self(s))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PersonName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PersonName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PersonName::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethnicity_accepts_short_forms() {
        assert_eq!(parse_ethnicity("苗"), Some("苗族"));
        assert_eq!(parse_ethnicity("布依族"), Some("布依族"));
        assert_eq!(parse_ethnicity("火星族"), None);
        assert_eq!(ETHNIC_GROUPS.len(), 56);
        assert_eq!(parse_ethnicity(" 汉 "), Some("汉族"));
        assert_eq!(parse_ethnicity("维族"), Some("维吾尔族"));
    }

    #[test]
    fn enum_synonyms() {
        assert_eq!(Gender::parse_loose("男性"), Some(Gender::Male));
        assert_eq!(Gender::parse_loose(" 女 "), Some(Gender::Female));
        assert_eq!(Gender::parse_loose("未知"), None);
        let edu = [
            ("研究生", Education::Postgraduate),
            ("硕士", Education::Postgraduate),
            ("博士研究生", Education::Postgraduate),
            ("本科", Education::Bachelor),
            ("大学本科毕业", Education::Bachelor),
            ("大专", Education::College),
            ("大学专科", Education::College),
            ("中专", Education::Vocational),
            ("高中", Education::HighSchool),
            ("初中", Education::MiddleSchool),
            ("小学", Education::Primary),
            ("bachelor", Education::Bachelor),
        ];
        for (s, want) in edu {
            assert_eq!(Education::parse_loose(s), Some(want), "{s}");
        }
        assert_eq!(Education::parse_loose("幼儿园"), None);
        assert_eq!(MemberCategory::parse_loose("预备"), Some(MemberCategory::Probationary));
        assert_eq!(MemberCategory::parse_loose("正式党员"), Some(MemberCategory::Full));
        assert_eq!(MemberStatus::parse_loose("停止党籍"), Some(MemberStatus::Suspended));
    }

    #[test]
    fn person_names() {
        assert_eq!(PersonName::parse(" 张　三 ").unwrap().as_str(), "张三");
        assert_eq!(PersonName::parse("阿依古丽•买买提").unwrap().as_str(), "阿依古丽·买买提");
        assert_eq!(PersonName::parse("").unwrap_err().code, "required");
        assert_eq!(PersonName::parse("张").unwrap_err().code, "bad_length");
        assert_eq!(PersonName::parse("张三3").unwrap_err().code, "bad_chars");
        assert_eq!(PersonName::parse("张三（女）").unwrap_err().code, "bad_chars");
        assert_eq!(PersonName::parse("·张三").unwrap_err().code, "bad_chars");
        assert_eq!(PersonName::parse("张\u{7}三").unwrap_err().code, "bad_chars");
        assert_eq!(PersonName::parse(&"张".repeat(21)).unwrap_err().code, "bad_length");
    }
}
