//! The parameters of the organizational-life rules (§16 of the domain notes): every number a
//! county may override, with its default, its allowed range and where it comes from.
//!
//! A parameter's key is also the id of the rule it drives, so an override of
//! `branch.committee_meeting.min_per_month` changes exactly the check of that name.

use std::collections::BTreeMap;

/// One parameter: its key, what it means in Chinese, its unit, default and allowed range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamDef {
    /// The stable key (also the rule id it drives).
    pub key: &'static str,
    /// The Chinese name shown on the settings page.
    pub label: &'static str,
    /// The unit in Chinese: 次/月, %, 天, 学时 …
    pub unit: &'static str,
    /// The national default.
    pub default: i64,
    /// The smallest allowed value.
    pub min: i64,
    /// The largest allowed value.
    pub max: i64,
    /// The regulation (or practice) the default comes from.
    pub source: &'static str,
}

pub(crate) const fn def(
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    default: i64,
    min: i64,
    max: i64,
    source: &'static str,
) -> ParamDef {
    ParamDef { key, label, unit, default, min, max, source }
}

const COUNT: usize = 23;

const TABLE: [ParamDef; COUNT] = [
    def("branch.general_meeting.min_per_quarter", "支部党员大会每季度至少召开次数", "次/季度", 1, 0, 13, "支部条例"),
    def("branch.committee_meeting.min_per_month", "支部委员会每月至少召开次数", "次/月", 1, 0, 31, "支部条例 第十二条"),
    def("branch.committee_meeting.quorum", "支委会到会委员须超过的比例", "%", 50, 0, 99, "支部条例 第十二条"),
    def("group.meeting.min_per_month", "党小组会每月至少召开次数", "次/月", 1, 0, 31, "支部条例 第十三条"),
    def("branch.lecture.min_per_quarter", "党课每季度至少次数", "次/季度", 1, 0, 13, "县级通行做法"),
    def(
        "branch.secretary.lectures_min_per_year",
        "支部书记每年至少讲党课次数",
        "次/年",
        1,
        0,
        52,
        "两学一做常态化制度化意见",
    ),
    def("committee.secretary.lectures_min_per_year", "党(工)委书记每年至少讲党课次数", "次/年", 1, 0, 52, "支部条例"),
    def("branch.theme_day.min_per_month", "主题党日每月至少开展次数", "次/月", 1, 0, 31, "支部条例"),
    def("branch.org_life_meeting.min_per_year", "组织生活会每年至少召开次数", "次/年", 1, 0, 12, "支部条例"),
    def("branch.appraisal.min_per_year", "民主评议党员每年至少开展次数", "次/年", 1, 0, 12, "支部条例"),
    def("talks.min_per_pair_per_year", "每名党员每年至少参加谈心谈话次数", "次/年", 1, 0, 52, "支部条例"),
    def("vote.meeting_quorum", "表决时到会人数须超过应到会人数的比例", "%", 50, 0, 99, "发展党员工作细则 第二十条"),
    def("vote.pass", "赞成票须超过应到会人数的比例", "%", 50, 0, 99, "发展党员工作细则 第二十一条"),
    def("election.quorum", "选举时到会人数至少应达到应到会人数的比例", "%", 80, 0, 100, "基层组织选举工作条例"),
    def("first_agenda.within_days", "第一议题应在发布后多少天内学习", "天", 7, 1, 366, "各地第一议题制度（通行做法）"),
    def(
        "edu.member_hours_min",
        "党员每年集中学习培训至少学时",
        "学时",
        32,
        0,
        2000,
        "2019—2023年全国党员教育培训工作规划",
    ),
    def(
        "edu.secretary_hours_min",
        "书记和班子成员每年至少学时",
        "学时",
        56,
        0,
        2000,
        "2019—2023年全国党员教育培训工作规划",
    ),
    def("meeting.late_entry_days", "会后超过多少天录入视为补录", "天", 7, 0, 366, "平台规则（防补资料）"),
    def("meeting.backfill_burst", "集中补录的记录条数下限", "条", 5, 2, 1000, "平台规则（防补资料）"),
    def("meeting.backfill_window_minutes", "集中补录的时间窗口", "分钟", 120, 1, 10080, "平台规则（防补资料）"),
    def(
        "meeting.minutes_similarity_bits",
        "会议记录雷同的相似度阈值（相差位数）",
        "位",
        3,
        0,
        6,
        "平台规则（防补资料）",
    ),
    def("meeting.minutes_min_chars", "参与雷同比对的会议记录最少字数", "字", 60, 1, 100_000, "平台规则（防补资料）"),
    def("meeting.same_attendance_months", "到会名单连续相同的月数", "个月", 6, 2, 120, "平台规则（防补资料）"),
];

/// Every parameter of the organizational-life rules, in a fixed order.
pub const PARAMS: &[ParamDef] = &TABLE;

/// The parameter values in force: the defaults with a county's overrides. Values are always
/// within their `[min, max]`, because the only ways to build one check them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    values: [i64; COUNT],
}

impl Default for Params {
    fn default() -> Self {
        Params { values: defaults(&TABLE) }
    }
}

/// The defaults of a parameter table, in its order.
pub(crate) fn defaults<const N: usize>(table: &[ParamDef; N]) -> [i64; N] {
    table.map(|d| d.default)
}

/// The value of `key` in a table's values. An unknown key is a programming error (it panics in
/// debug builds and gives 0 in release builds).
pub(crate) fn lookup(table: &[ParamDef], values: &[i64], key: &str) -> i64 {
    match table.iter().position(|d| d.key == key) {
        Some(i) => values[i],
        None => {
            debug_assert!(false, "unknown parameter key {key}");
            0
        }
    }
}

/// Set the overrides into a table's values; every problem as (key, Chinese message): an unknown
/// key or a value outside the parameter's range (that value is left as it was).
pub(crate) fn apply(
    table: &[ParamDef],
    values: &mut [i64],
    overrides: &BTreeMap<String, i64>,
) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    for (key, &value) in overrides {
        match table.iter().position(|d| d.key == key) {
            None => errors.push((key.clone(), format!("未知的参数“{key}”"))),
            Some(i) => {
                let d = &table[i];
                if value < d.min || value > d.max {
                    errors.push((
                        key.clone(),
                        format!("{}应在{}至{}{}之间，填写的是{}", d.label, d.min, d.max, d.unit, value),
                    ));
                } else {
                    values[i] = value;
                }
            }
        }
    }
    errors
}

/// The values that differ from a table's defaults (what a county has overridden).
pub(crate) fn differing(table: &[ParamDef], values: &[i64]) -> BTreeMap<String, i64> {
    table.iter().zip(values).filter(|(d, v)| d.default != **v).map(|(d, v)| (d.key.to_string(), *v)).collect()
}

impl Params {
    /// The value of a parameter. Asking for an unknown key is a programming error (it panics in
    /// debug builds and gives 0 in release builds).
    pub fn get(&self, key: &str) -> i64 {
        lookup(&TABLE, &self.values, key)
    }

    /// The defaults with these overrides. Every problem is reported as (key, Chinese message):
    /// an unknown key or a value outside the parameter's range.
    pub fn with_overrides(overrides: &BTreeMap<String, i64>) -> Result<Params, Vec<(String, String)>> {
        let mut params = Params::default();
        let errors = apply(&TABLE, &mut params.values, overrides);
        if errors.is_empty() { Ok(params) } else { Err(errors) }
    }

    /// The values that differ from the defaults (what a county has overridden).
    pub fn overrides(&self) -> BTreeMap<String, i64> {
        differing(&TABLE, &self.values)
    }
}

/// The values evaluate() reads, looked up once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resolved {
    pub general_per_quarter: u32,
    pub committee_per_month: u32,
    pub committee_quorum: u64,
    pub group_per_month: u32,
    pub lecture_per_quarter: u32,
    pub branch_secretary_lectures: u32,
    pub committee_secretary_lectures: u32,
    pub theme_day_per_month: u32,
    pub org_life_per_year: u32,
    pub appraisal_per_year: u32,
    pub talks_per_year: u32,
    pub vote_quorum: u64,
    pub vote_pass: u64,
    pub election_quorum: u64,
    pub first_agenda_days: u32,
    pub member_hours: i64,
    pub secretary_hours: i64,
    pub late_days: i64,
    pub burst: usize,
    pub burst_window_minutes: i64,
    pub similarity_bits: u32,
    pub same_attendance_months: usize,
}

fn non_negative(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

impl Resolved {
    pub(crate) fn new(p: &Params) -> Self {
        let u = |k: &str| non_negative(p.get(k));
        Resolved {
            general_per_quarter: u("branch.general_meeting.min_per_quarter"),
            committee_per_month: u("branch.committee_meeting.min_per_month"),
            committee_quorum: u64::from(u("branch.committee_meeting.quorum")),
            group_per_month: u("group.meeting.min_per_month"),
            lecture_per_quarter: u("branch.lecture.min_per_quarter"),
            branch_secretary_lectures: u("branch.secretary.lectures_min_per_year"),
            committee_secretary_lectures: u("committee.secretary.lectures_min_per_year"),
            theme_day_per_month: u("branch.theme_day.min_per_month"),
            org_life_per_year: u("branch.org_life_meeting.min_per_year"),
            appraisal_per_year: u("branch.appraisal.min_per_year"),
            talks_per_year: u("talks.min_per_pair_per_year"),
            vote_quorum: u64::from(u("vote.meeting_quorum")),
            vote_pass: u64::from(u("vote.pass")),
            election_quorum: u64::from(u("election.quorum")),
            first_agenda_days: u("first_agenda.within_days"),
            member_hours: p.get("edu.member_hours_min"),
            secretary_hours: p.get("edu.secretary_hours_min"),
            late_days: p.get("meeting.late_entry_days"),
            burst: u("meeting.backfill_burst").max(1) as usize,
            burst_window_minutes: p.get("meeting.backfill_window_minutes"),
            similarity_bits: u("meeting.minutes_similarity_bits").min(63),
            same_attendance_months: u("meeting.same_attendance_months").max(1) as usize,
        }
    }

    /// The required count of a frequency rule, by its key.
    pub(crate) fn required(&self, key: &str) -> u32 {
        match key {
            "branch.general_meeting.min_per_quarter" => self.general_per_quarter,
            "branch.committee_meeting.min_per_month" => self.committee_per_month,
            "group.meeting.min_per_month" => self.group_per_month,
            "branch.lecture.min_per_quarter" => self.lecture_per_quarter,
            "branch.theme_day.min_per_month" => self.theme_day_per_month,
            "branch.org_life_meeting.min_per_year" => self.org_life_per_year,
            "branch.appraisal.min_per_year" => self.appraisal_per_year,
            _ => 0,
        }
    }
}
