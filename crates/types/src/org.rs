//! Party organizations: kind, domain, status, code, name and the materialized path.

use serde::{Deserialize, Serialize};

use crate::error::ValueError;
use crate::ids::OrgId;
use crate::text;

/// Declares a closed set of values with a stable storage key and a Chinese label.
macro_rules! labelled_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => ($key:literal, $label:literal)),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable key stored in the database and used in the API.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// The Chinese label shown to users.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parse from the stable key or the Chinese label.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                match s {
                    $($key | $label => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
pub(crate) use labelled_enum;

labelled_enum!(
    /// 组织类别: the kind of a Party organization.
    OrgKind {
        /// 县委
        CountyCommittee => ("county_committee", "县委"),
        /// 党工委
        WorkingCommittee => ("working_committee", "党工委"),
        /// 党委
        Committee => ("committee", "党委"),
        /// 党总支
        GeneralBranch => ("general_branch", "党总支"),
        /// 党支部
        Branch => ("branch", "党支部"),
        /// 联合党支部
        JointBranch => ("joint_branch", "联合党支部"),
        /// 临时党支部
        ProvisionalBranch => ("provisional_branch", "临时党支部"),
    }
);

impl OrgKind {
    /// Branches (党支部, 联合党支部, 临时党支部) are where members are kept and meetings held.
    pub fn is_branch(self) -> bool {
        matches!(self, OrgKind::Branch | OrgKind::JointBranch | OrgKind::ProvisionalBranch)
    }
}

labelled_enum!(
    /// 所属领域: the sector an organization works in.
    OrgDomain {
        /// 农村
        Rural => ("rural", "农村"),
        /// 社区
        Community => ("community", "社区"),
        /// 机关
        Organ => ("organ", "机关"),
        /// 学校
        School => ("school", "学校"),
        /// 卫健
        Health => ("health", "卫健"),
        /// 国企
        StateEnterprise => ("state_enterprise", "国企"),
        /// 非公企业
        PrivateEnterprise => ("private_enterprise", "非公企业"),
        /// 社会组织
        SocialOrg => ("social_org", "社会组织"),
        /// 新就业群体
        NewEmployment => ("new_employment", "新就业群体"),
        /// 其他
        Other => ("other", "其他"),
    }
);

labelled_enum!(
    /// 状态: whether an organization is active or has ended (its history is kept either way).
    OrgStatus {
        /// 正常
        Active => ("active", "正常"),
        /// 已合并
        Merged => ("merged", "已合并"),
        /// 已撤销
        Dissolved => ("dissolved", "已撤销"),
    }
);

/// 组织代码: an organization's unique code (ASCII letters, digits, `-`, `_`, `.`; 2–40 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct OrgCode(String);

impl OrgCode {
    /// Parse and normalize (full-width characters to half-width, letters to upper case).
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s: String = text::normalize(input).to_ascii_uppercase();
        if s.is_empty() {
            return Err(ValueError::new("required", "请填写组织代码"));
        }
        let n = s.chars().count();
        if !(2..=40).contains(&n) {
            return Err(ValueError::new("bad_length", "组织代码应为2至40个字符"));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(ValueError::new("bad_chars", "组织代码只能包含字母、数字和 - _ . 符号"));
        }
        Ok(Self(s))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrgCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OrgCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        OrgCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// 组织名称: 2–100 characters, no control characters, whitespace normalized.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct OrgName(String);

impl OrgName {
    /// Parse and normalize.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        if text::has_control(input.trim()) {
            return Err(ValueError::new("bad_chars", "组织名称不能包含控制字符"));
        }
        let s = text::normalize(input);
        if s.is_empty() {
            return Err(ValueError::new("required", "请填写组织名称"));
        }
        let n = s.chars().count();
        if !(2..=100).contains(&n) {
            return Err(ValueError::new("bad_length", "组织名称应为2至100个字符"));
        }
        Ok(Self(s))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrgName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OrgName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        OrgName::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The materialized path of an organization: the ids from the root down to it, e.g. `/1/17/342/`.
///
/// A subtree is a contiguous range of paths in byte order: every descendant's path starts with its
/// ancestor's path, so `path >= p AND path < p.upper_bound()` selects the subtree rooted at `p`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct OrgPath(String);

impl OrgPath {
    /// The path of a root organization.
    pub fn root(id: OrgId) -> Self {
        Self(format!("/{}/", id.0))
    }

    /// The path of a child of this organization.
    pub fn child(&self, id: OrgId) -> Self {
        Self(format!("{}{}/", self.0, id.0))
    }

    /// Parse a stored path; `None` if it is not of the form `/1/2/3/`.
    pub fn parse(s: &str) -> Option<Self> {
        let inner = s.strip_prefix('/')?.strip_suffix('/')?;
        if inner.is_empty() {
            return None;
        }
        for part in inner.split('/') {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) || part.starts_with('0') {
                return None;
            }
        }
        Some(Self(s.to_string()))
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The exclusive upper bound of this subtree's range: the path with its final `/` replaced by
    /// `0`, the byte that follows `/` in ASCII.
    pub fn upper_bound(&self) -> String {
        let mut s = self.0.clone();
        s.pop();
        s.push('0');
        s
    }

    /// The ids on the path, root first.
    pub fn ids(&self) -> Vec<OrgId> {
        self.0.split('/').filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok().map(OrgId)).collect()
    }

    /// How many levels deep the organization is (a root has depth 0).
    pub fn depth(&self) -> usize {
        self.ids().len().saturating_sub(1)
    }

    /// True if `other` is this organization or one of its descendants.
    pub fn contains(&self, other: &OrgPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The id of the organization this path ends at.
    pub fn leaf(&self) -> Option<OrgId> {
        self.ids().last().copied()
    }
}

impl std::fmt::Display for OrgPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ranges_select_subtrees_exactly() {
        let p = OrgPath::root(OrgId(1)).child(OrgId(17));
        assert_eq!(p.as_str(), "/1/17/");
        let ub = p.upper_bound();
        let inside = ["/1/17/", "/1/17/5/", "/1/17/999/3/"];
        let outside = ["/1/170/", "/1/18/", "/1/1/", "/1/", "/2/17/", "/1/17"];
        for s in inside {
            assert!(s >= p.as_str() && s < ub.as_str(), "{s} should be inside");
        }
        for s in outside {
            assert!(!(s >= p.as_str() && s < ub.as_str()), "{s} should be outside");
        }
    }

    #[test]
    fn path_parse_and_ids() {
        let p = OrgPath::parse("/1/17/342/").unwrap();
        assert_eq!(p.ids(), vec![OrgId(1), OrgId(17), OrgId(342)]);
        assert_eq!(p.depth(), 2);
        assert_eq!(p.leaf(), Some(OrgId(342)));
        for bad in ["", "/", "1/2/", "/1/2", "/a/", "//", "/01/"] {
            assert!(OrgPath::parse(bad).is_none(), "{bad}");
        }
        assert!(p.contains(&OrgPath::parse("/1/17/342/9/").unwrap()));
        assert!(!p.contains(&OrgPath::parse("/1/17/3420/").unwrap()));
    }

    #[test]
    fn codes_are_normalized_and_checked() {
        assert_eq!(OrgCode::parse(" ｊｃ-001 ").unwrap().as_str(), "JC-001");
        assert_eq!(OrgCode::parse("").unwrap_err().code, "required");
        assert_eq!(OrgCode::parse("a").unwrap_err().code, "bad_length");
        assert_eq!(OrgCode::parse("党支部01").unwrap_err().code, "bad_chars");
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(OrgName::parse(" 城关镇　党委 ").unwrap().as_str(), "城关镇 党委");
        assert_eq!(OrgName::parse("  ").unwrap_err().code, "required");
        assert_eq!(OrgName::parse("党").unwrap_err().code, "bad_length");
        assert_eq!(OrgName::parse("a\u{0007}b").unwrap_err().code, "bad_chars");
    }

    #[test]
    fn enums_parse_key_and_label() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.key()), Some(*k));
            assert_eq!(OrgKind::parse(k.label()), Some(*k));
        }
        assert_eq!(OrgDomain::parse("非公企业"), Some(OrgDomain::PrivateEnterprise));
        assert_eq!(OrgStatus::parse("x"), None);
    }
}
