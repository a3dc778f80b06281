//! The parameters of member development (the `dev.*` rows of §16 of the domain notes, plus two the
//! engine needs for §3.2): every number a county may override, with its default, its allowed range
//! and where it comes from.
//!
//! A parameter's key is the id of the rule it drives. Where one rule of §16 has two numbers
//! (`dev.training_min`: 3 days or 24 学时; `dev.approval_within`: 3 months, at most 6;
//! `dev.probation_extension`: 6 to 12 months), each number has a key under the rule's id
//! (`dev.training_min.days`, `dev.training_min.hours` …) and the violations carry the rule's id.
//!
//! One key is a switch, not a rule: `dev.override_allowed` (0 or 1, default 0) says whether the
//! county lets a step that breaks a rule of severity Error be recorded anyway, with a reason that
//! is kept and audited (the store reads it; the checks never do).
//!
//! The shape and the machinery are those of [`crate::meeting::Params`] (same [`ParamDef`], same `get`,
//! `with_overrides` and `overrides`), so the settings page treats both tables alike. Bounds let a
//! county be stricter than the national rule but not laxer where the 党章 or the 细则 fix it.

use std::collections::BTreeMap;

pub use crate::meeting::ParamDef;
use crate::meeting::params::{apply, def, defaults, differing, lookup};

const COUNT: usize = 19;

const TABLE: [ParamDef; COUNT] = [
    def("dev.min_age", "申请入党最低年龄", "周岁", 18, 18, 40, "党章 第一条"),
    def("dev.talk_within", "收到入党申请书后派人谈话的期限", "个月", 1, 1, 3, "发展党员工作细则 第七条"),
    def("dev.activist_review_every", "党支部考察入党积极分子的间隔", "个月", 6, 1, 12, "发展党员工作细则 第二章"),
    def("dev.activist_to_candidate_min", "入党积极分子培养考察的最短时间", "年", 1, 1, 3, "发展党员工作细则 第十三条"),
    def("dev.sponsors", "入党介绍人人数（正式党员）", "名", 2, 2, 2, "党章 第五条；发展党员工作细则 第十四条"),
    def("dev.training_min.days", "发展对象集中培训最少天数", "天", 3, 1, 30, "发展党员工作细则 第十七条"),
    def("dev.training_min.hours", "发展对象集中培训最少学时", "学时", 24, 8, 240, "发展党员工作细则 第十七条"),
    def(
        "dev.leaving_unit_block",
        "将离开工作学习单位不办理接收手续的期限（0为不检查）",
        "个月",
        3,
        0,
        12,
        "发展党员工作细则 第十九条",
    ),
    def(
        "dev.admission_meeting_within",
        "预审合格后提交支部大会讨论的期限",
        "个月",
        1,
        1,
        6,
        "发展党员工作细则解读（12371问答）",
    ),
    def("dev.approval_within", "基层党委审批接收预备党员的期限", "个月", 3, 1, 6, "发展党员工作细则 第四章"),
    def(
        "dev.approval_within.extended",
        "特殊情况下审批接收预备党员的最长期限",
        "个月",
        6,
        1,
        6,
        "发展党员工作细则 第四章",
    ),
    def("dev.probation", "预备期", "年", 1, 1, 1, "党章 第七条"),
    def(
        "dev.probation_extension.min",
        "延长预备期的最短时间",
        "个月",
        6,
        6,
        12,
        "党章 第七条；发展党员工作细则 第三十二条",
    ),
    def(
        "dev.probation_extension.max",
        "延长预备期的最长时间",
        "个月",
        12,
        6,
        12,
        "党章 第七条；发展党员工作细则 第三十二条",
    ),
    def(
        "dev.regularize_meeting_within",
        "预备期满后支部大会讨论转正的期限",
        "个月",
        3,
        1,
        12,
        "发展党员工作细则 第三十二条“及时讨论”（期限为平台口径）",
    ),
    def("dev.regularize_approval_within", "基层党委审批预备党员转正的期限", "个月", 3, 1, 6, "发展党员工作细则 第五章"),
    def("dev.polit_review_valid", "政治审查结论的有效期（0为不检查）", "个月", 12, 0, 36, "地方通行做法"),
    def("dev.publicity_days", "发展各环节公示的最少天数（0为不检查）", "天", 7, 0, 30, "地方通行做法"),
    def(
        "dev.override_allowed",
        "允许说明理由后越过规则办理（1为允许，0为不允许）",
        "",
        0,
        0,
        1,
        "县级党委组织部门规定",
    ),
];

/// Every parameter of member development, in a fixed order.
pub const PARAMS: &[ParamDef] = &TABLE;

/// The parameter values in force: the defaults with a county's overrides. Values are always
/// within their `[min, max]` and consistent with each other, because the only ways to build one
/// check them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    values: [i64; COUNT],
}

impl Default for Params {
    fn default() -> Self {
        Params { values: defaults(&TABLE) }
    }
}

/// Pairs of parameters where the first may not exceed the second: (smaller, larger, message).
const ORDERED: [(&str, &str, &str); 2] = [
    ("dev.approval_within", "dev.approval_within.extended", "审批接收预备党员的期限不能超过特殊情况下的最长期限"),
    ("dev.probation_extension.min", "dev.probation_extension.max", "延长预备期的最短时间不能超过最长时间"),
];

impl Params {
    /// The value of a parameter. Asking for an unknown key is a programming error (it panics in
    /// debug builds and gives 0 in release builds).
    pub fn get(&self, key: &str) -> i64 {
        lookup(&TABLE, &self.values, key)
    }

    /// The defaults with these overrides. Every problem is reported as (key, Chinese message):
    /// an unknown key, a value outside the parameter's range, or two values that contradict each
    /// other (a normal limit above its maximum).
    pub fn with_overrides(overrides: &BTreeMap<String, i64>) -> Result<Params, Vec<(String, String)>> {
        let mut params = Params::default();
        let mut errors = apply(&TABLE, &mut params.values, overrides);
        if errors.is_empty() {
            for (small, large, message) in ORDERED {
                if params.get(small) > params.get(large) {
                    errors.push((small.to_string(), message.to_string()));
                }
            }
        }
        if errors.is_empty() { Ok(params) } else { Err(errors) }
    }

    /// The values that differ from the defaults (what a county has overridden).
    pub fn overrides(&self) -> BTreeMap<String, i64> {
        differing(&TABLE, &self.values)
    }
}

/// The values the checks read, looked up once, as unsigned counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub min_age_years: u32,
    pub talk_months: u32,
    pub review_months: u32,
    pub activist_years: u32,
    pub sponsors: usize,
    pub training_days: u32,
    pub training_hours: u32,
    pub leaving_months: u32,
    pub pre_review_months: u32,
    pub approval_months: u32,
    pub approval_max_months: u32,
    pub probation_years: u32,
    pub extension_min: u32,
    pub extension_max: u32,
    pub regularize_meeting_months: u32,
    pub regularize_approval_months: u32,
    pub polit_valid_months: u32,
    pub publicity_days: u32,
}

fn non_negative(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

impl Limits {
    pub(crate) fn new(p: &Params) -> Self {
        let u = |k: &str| non_negative(p.get(k));
        Limits {
            min_age_years: u("dev.min_age"),
            talk_months: u("dev.talk_within"),
            review_months: u("dev.activist_review_every"),
            activist_years: u("dev.activist_to_candidate_min"),
            sponsors: u("dev.sponsors") as usize,
            training_days: u("dev.training_min.days"),
            training_hours: u("dev.training_min.hours"),
            leaving_months: u("dev.leaving_unit_block"),
            pre_review_months: u("dev.admission_meeting_within"),
            approval_months: u("dev.approval_within"),
            approval_max_months: u("dev.approval_within.extended"),
            probation_years: u("dev.probation"),
            extension_min: u("dev.probation_extension.min"),
            extension_max: u("dev.probation_extension.max"),
            regularize_meeting_months: u("dev.regularize_meeting_within"),
            regularize_approval_months: u("dev.regularize_approval_within"),
            polit_valid_months: u("dev.polit_review_valid"),
            publicity_days: u("dev.publicity_days"),
        }
    }
}
