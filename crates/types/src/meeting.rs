//! Organizational life (三会一课, 主题党日, 组织生活会, 民主评议, 谈心谈话 …): meeting kinds,
//! appraisal grades, the levels a 第一议题 study item applies to, and the calendar periods the
//! compliance rules count in.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::ValueError;
use crate::org::{OrgKind, labelled_enum};

labelled_enum!(
    /// 会议类型: what kind of meeting or activity a record is. One record may carry several kinds
    /// (a 主题党日 that is also the quarter's 党员大会 and 党课).
    MeetingKind {
        /// 支部党员大会
        GeneralMeeting => ("general_meeting", "支部党员大会"),
        /// 支部委员会
        CommitteeMeeting => ("committee_meeting", "支部委员会"),
        /// 党小组会
        GroupMeeting => ("group_meeting", "党小组会"),
        /// 党课
        Lecture => ("lecture", "党课"),
        /// 主题党日
        ThemeDay => ("theme_day", "主题党日"),
        /// 组织生活会
        OrgLifeMeeting => ("org_life_meeting", "组织生活会"),
        /// 民主评议党员
        MemberAppraisal => ("member_appraisal", "民主评议党员"),
        /// 党委(党组)会议
        PartyCommitteeMeeting => ("party_committee_meeting", "党委(党组)会议"),
        /// 理论学习中心组学习
        CentralGroupStudy => ("central_group_study", "理论学习中心组学习"),
        /// 谈心谈话
        Talk => ("talk", "谈心谈话"),
    }
);

impl MeetingKind {
    /// Parse, also accepting the short names people write in spreadsheets (党员大会, 支委会, 党委会 …).
    pub fn parse_loose(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::parse(s).or(match s {
            "党员大会" | "支部大会" | "党员大会会议" => Some(MeetingKind::GeneralMeeting),
            "支委会" | "支部委员会会议" | "支委会会议" => Some(MeetingKind::CommitteeMeeting),
            "党小组会议" | "小组会" => Some(MeetingKind::GroupMeeting),
            "讲党课" | "上党课" => Some(MeetingKind::Lecture),
            "主题党日活动" => Some(MeetingKind::ThemeDay),
            "专题组织生活会" => Some(MeetingKind::OrgLifeMeeting),
            "民主评议" => Some(MeetingKind::MemberAppraisal),
            "党委会" | "党委会议" | "党组会" | "党组会议" | "党委（党组）会议" | "党工委会议" => {
                Some(MeetingKind::PartyCommitteeMeeting)
            }
            "中心组学习" | "理论学习中心组" => Some(MeetingKind::CentralGroupStudy),
            "谈心谈话活动" | "谈话" => Some(MeetingKind::Talk),
            _ => None,
        })
    }

    /// A decision-making meeting of a committee: its first agenda item should be a 第一议题 study.
    pub fn is_committee_kind(self) -> bool {
        matches!(self, MeetingKind::CommitteeMeeting | MeetingKind::PartyCommitteeMeeting)
    }

    /// Held by a Party group (党小组) rather than by the whole organization.
    pub fn is_group_kind(self) -> bool {
        matches!(self, MeetingKind::GroupMeeting)
    }
}

labelled_enum!(
    /// 民主评议等次: the grade a member receives in the yearly appraisal.
    AppraisalGrade {
        /// 优秀
        Excellent => ("excellent", "优秀"),
        /// 合格
        Qualified => ("qualified", "合格"),
        /// 基本合格
        BasicallyQualified => ("basically_qualified", "基本合格"),
        /// 不合格
        Unqualified => ("unqualified", "不合格"),
    }
);

labelled_enum!(
    /// 适用层级: which organizations must study a 第一议题 item.
    StudyLevel {
        /// 县委
        County => ("county", "县委"),
        /// 党(工)委: 党委 and 党工委
        Committee => ("committee", "党(工)委"),
        /// 党总支
        GeneralBranch => ("general_branch", "党总支"),
        /// 党支部 (including joint and provisional branches)
        Branch => ("branch", "党支部"),
    }
);

impl StudyLevel {
    /// The level an organization of this kind is at.
    pub fn of(kind: OrgKind) -> Self {
        match kind {
            OrgKind::CountyCommittee => StudyLevel::County,
            OrgKind::WorkingCommittee | OrgKind::Committee => StudyLevel::Committee,
            OrgKind::GeneralBranch => StudyLevel::GeneralBranch,
            OrgKind::Branch | OrgKind::JointBranch | OrgKind::ProvisionalBranch => StudyLevel::Branch,
        }
    }

    /// Parse, also accepting 党委/党工委/支部 and the org-kind labels.
    pub fn parse_loose(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::parse(s).or(match s {
            "党委" | "党工委" | "党委(党组)" | "党组" | "党(工)委" | "党（工）委" => {
                Some(StudyLevel::Committee)
            }
            "支部" | "联合党支部" | "临时党支部" => Some(StudyLevel::Branch),
            "总支" => Some(StudyLevel::GeneralBranch),
            _ => None,
        })
    }

    /// A set of levels as a bit mask (stable: the order of [`StudyLevel::ALL`]).
    pub fn mask(levels: &[StudyLevel]) -> u8 {
        levels.iter().fold(0u8, |m, l| m | l.bit())
    }

    /// This level's bit in a mask.
    pub fn bit(self) -> u8 {
        match self {
            StudyLevel::County => 1,
            StudyLevel::Committee => 2,
            StudyLevel::GeneralBranch => 4,
            StudyLevel::Branch => 8,
        }
    }

    /// Parse a list such as `党委,党支部` or `党委、党总支、党支部` (also `全部`).
    pub fn parse_list(s: &str) -> Result<Vec<StudyLevel>, ValueError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ValueError::new("required", "请填写适用层级"));
        }
        if matches!(s, "全部" | "所有" | "各级") {
            return Ok(StudyLevel::ALL.to_vec());
        }
        let mut out = Vec::new();
        for part in s.split([',', '，', '、', ';', '；', '/', ' ']).filter(|p| !p.trim().is_empty()) {
            match StudyLevel::parse_loose(part) {
                Some(l) if !out.contains(&l) => out.push(l),
                Some(_) => {}
                None => {
                    return Err(ValueError::new(
                        "bad_level",
                        format!("无法识别的层级“{}”，应为县委、党(工)委、党总支、党支部或全部", part.trim()),
                    ));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// A calendar period a rule counts in: a month, a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub enum Period {
    /// A calendar month (year, 1–12).
    Month(i32, u32),
    /// A calendar quarter (year, 1–4).
    Quarter(i32, u32),
    /// A calendar year.
    Year(i32),
}

impl Period {
    /// The month containing a date.
    pub fn month_of(d: NaiveDate) -> Self {
        Period::Month(d.year(), d.month())
    }

    /// The quarter containing a date.
    pub fn quarter_of(d: NaiveDate) -> Self {
        Period::Quarter(d.year(), (d.month() - 1) / 3 + 1)
    }

    /// The year containing a date.
    pub fn year_of(d: NaiveDate) -> Self {
        Period::Year(d.year())
    }

    /// The first day.
    pub fn start(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Month(y, m) => (y, m),
            Period::Quarter(y, q) => (y, (q - 1) * 3 + 1),
            Period::Year(y) => (y, 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day.
    pub fn end(self) -> NaiveDate {
        let months = match self {
            Period::Month(..) => 1,
            Period::Quarter(..) => 3,
            Period::Year(_) => 12,
        };
        self.start().checked_add_months(Months::new(months)).and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
    }

    /// Whether a date falls in this period.
    pub fn contains(self, d: NaiveDate) -> bool {
        self.start() <= d && d <= self.end()
    }

    /// The period after this one, of the same length.
    pub fn next(self) -> Self {
        match self {
            Period::Month(y, 12) => Period::Month(y + 1, 1),
            Period::Month(y, m) => Period::Month(y, m + 1),
            Period::Quarter(y, 4) => Period::Quarter(y + 1, 1),
            Period::Quarter(y, q) => Period::Quarter(y, q + 1),
            Period::Year(y) => Period::Year(y + 1),
        }
    }

    /// The stable key: `2025-03`, `2025-Q1`, `2025`.
    pub fn key(self) -> String {
        match self {
            Period::Month(y, m) => format!("{y}-{m:02}"),
            Period::Quarter(y, q) => format!("{y}-Q{q}"),
            Period::Year(y) => format!("{y}"),
        }
    }

    /// The Chinese label: `2025年3月`, `2025年第1季度`, `2025年`.
    pub fn label(self) -> String {
        match self {
            Period::Month(y, m) => format!("{y}年{m}月"),
            Period::Quarter(y, q) => format!("{y}年第{q}季度"),
            Period::Year(y) => format!("{y}年"),
        }
    }

    /// Parse a key (`2025-03`, `2025-Q1`, `2025`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Some((y, rest)) = s.split_once('-') {
            let y: i32 = y.parse().ok()?;
            if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
                let q: u32 = q.parse().ok()?;
                return (1..=4).contains(&q).then_some(Period::Quarter(y, q));
            }
            let m: u32 = rest.parse().ok()?;
            return (1..=12).contains(&m).then_some(Period::Month(y, m));
        }
        let y: i32 = s.parse().ok()?;
        (1900..=9999).contains(&y).then_some(Period::Year(y))
    }

    /// The periods of this length that lie wholly or partly in `[from, to]`, in order.
    pub fn covering(self, from: NaiveDate, to: NaiveDate) -> Vec<Period> {
        let mut p = match self {
            Period::Month(..) => Period::month_of(from),
            Period::Quarter(..) => Period::quarter_of(from),
            Period::Year(_) => Period::year_of(from),
        };
        let mut out = Vec::new();
        while p.start() <= to {
            out.push(p);
            p = p.next();
        }
        out
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.key()
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn period_bounds_and_keys() {
        assert_eq!(Period::Month(2024, 2).end(), d(2024, 2, 29));
        assert_eq!(Period::Month(2025, 2).end(), d(2025, 2, 28));
        assert_eq!(Period::Quarter(2025, 4).start(), d(2025, 10, 1));
        assert_eq!(Period::Quarter(2025, 4).end(), d(2025, 12, 31));
        assert_eq!(Period::quarter_of(d(2025, 3, 31)), Period::Quarter(2025, 1));
        assert_eq!(Period::quarter_of(d(2025, 4, 1)), Period::Quarter(2025, 2));
        assert_eq!(Period::Month(2025, 12).next(), Period::Month(2026, 1));
        for p in [Period::Month(2025, 3), Period::Quarter(2025, 1), Period::Year(2025)] {
            assert_eq!(Period::parse(&p.key()), Some(p));
        }
        assert_eq!(Period::Quarter(2025, 1).key(), "2025-Q1");
        assert_eq!(Period::Month(2025, 3).label(), "2025年3月");
        assert_eq!(Period::parse("2025-13"), None);
        assert_eq!(Period::Month(0, 0).covering(d(2025, 1, 15), d(2025, 3, 1)).len(), 3);
        assert_eq!(
            Period::Year(0).covering(d(2024, 12, 31), d(2025, 1, 1)),
            vec![Period::Year(2024), Period::Year(2025)]
        );
    }

    #[test]
    fn kinds_and_levels_parse() {
        for k in MeetingKind::ALL {
            assert_eq!(MeetingKind::parse_loose(k.label()), Some(*k));
        }
        assert_eq!(MeetingKind::parse_loose("支委会"), Some(MeetingKind::CommitteeMeeting));
        assert_eq!(StudyLevel::parse_list("党委、党支部").ok(), Some(vec![StudyLevel::Committee, StudyLevel::Branch]));
        assert_eq!(StudyLevel::parse_list("全部").ok().map(|v| v.len()), Some(4));
        assert!(StudyLevel::parse_list("村委会").is_err());
        assert_eq!(StudyLevel::of(OrgKind::JointBranch), StudyLevel::Branch);
        assert_eq!(StudyLevel::mask(&[StudyLevel::Branch, StudyLevel::County]), 9);
    }
}
