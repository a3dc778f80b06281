//! Values describing a person: gender, ethnic group, education, membership category and status.

use serde::{Deserialize, Serialize};

use crate::org::labelled_enum;

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

/// Normalize an ethnic group as people write it (`苗`, `苗族`) to its official name.
pub fn parse_ethnicity(input: &str) -> Option<&'static str> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    ETHNIC_GROUPS.iter().copied().find(|g| *g == s || g.strip_suffix('族') == Some(s))
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
    }
}
