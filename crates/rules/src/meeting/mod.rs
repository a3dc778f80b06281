//! The compliance engine for organizational life (组织生活): 三会一课, 主题党日, 组织生活会,
//! 民主评议, 谈心谈话, 第一议题, votes and elections, training hours — and the signs that records
//! were written after the fact to fill the gaps (补资料, formalism).
//!
//! Why one pure function: the county dashboard, the per-branch grid and the report all need the
//! same verdicts for a whole county or province over months, in about a second. The store loads
//! plain records ([`Input`]), [`evaluate`] turns them into obligations (one cell per branch, rule
//! and period), findings, the state of every 第一议题 study item and the first-agenda rates.
//! No IO, no clock: `as_of` is today.
//!
//! Rule ids are the parameter keys of §16 of the domain notes where a parameter drives the rule
//! (`branch.committee_meeting.min_per_month`), so a county's override applies to the check of the
//! same name; rules without a parameter have their own ids (`first_agenda.not_studied`).

mod engine;
mod frequency;
mod hash;
pub(crate) mod params;
mod people;
mod signals;
mod study;
mod synthetic;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

use chrono::{NaiveDate, NaiveDateTime};
use jiceng_types::{MeetingKind, OrgKind, Period};
use serde::Serialize;

pub use crate::quality::Severity;
pub use hash::minutes_hash;
pub use params::{PARAMS, ParamDef, Params};
#[doc(hidden)]
pub use synthetic::synthetic_input;

/// A set of [`MeetingKind`] as a bit mask (bit i = `MeetingKind::ALL[i]`): one record may be the
/// month's 主题党日, the quarter's 党员大会 and its 党课 at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KindSet(pub u16);

impl KindSet {
    /// The bit of one kind.
    const fn bit(k: MeetingKind) -> u16 {
        1 << (k as u16)
    }

    /// The set of these kinds.
    pub fn of(kinds: &[MeetingKind]) -> Self {
        KindSet(kinds.iter().fold(0, |m, k| m | Self::bit(*k)))
    }

    /// Whether the set holds this kind.
    pub fn contains(self, k: MeetingKind) -> bool {
        self.0 & Self::bit(k) != 0
    }

    /// The kinds in the set, in the order of [`MeetingKind::ALL`].
    pub fn iter(self) -> impl Iterator<Item = MeetingKind> {
        MeetingKind::ALL.iter().copied().filter(move |k| self.contains(*k))
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the set shares a kind with `other`.
    pub(crate) fn intersects(self, other: KindSet) -> bool {
        self.0 & other.0 != 0
    }
}

/// A member of an organization's Party committee (党组织班子) in office for a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenure {
    /// The member, when the person is in the roster.
    pub member_id: Option<i64>,
    /// 书记.
    pub secretary: bool,
    /// First day in office.
    pub from: NaiveDate,
    /// Last day in office; `None` = still in office.
    pub to: Option<NaiveDate>,
}

impl Tenure {
    /// In office on this day.
    pub(crate) fn on(&self, d: NaiveDate) -> bool {
        self.from <= d && self.to.is_none_or(|t| d <= t)
    }

    /// In office on some day of `[start, end]`.
    pub(crate) fn during(&self, start: NaiveDate, end: NaiveDate) -> bool {
        self.from <= end && self.to.is_none_or(|t| t >= start) && self.to.is_none_or(|t| t >= self.from)
    }
}

/// A Party group (党小组) of a branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInput {
    /// Id.
    pub id: i64,
    /// Set up on; `None` = has always existed.
    pub created_on: Option<NaiveDate>,
    /// Dissolved on (no longer exists that day); `None` = active.
    pub ended_on: Option<NaiveDate>,
}

/// A member's time in an organization (active, not suspended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSpan {
    /// The member.
    pub member_id: i64,
    /// First day; `None` = since before any record.
    pub from: Option<NaiveDate>,
    /// Last day; `None` = still a member.
    pub to: Option<NaiveDate>,
}

/// An organization with what the rules need to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgInput {
    /// Id.
    pub id: i64,
    /// Kind (only branches have the 三会一课 obligations).
    pub kind: OrgKind,
    /// Set up on; `None` = has always existed.
    pub created_on: Option<NaiveDate>,
    /// Merged or dissolved on (no longer exists that day); `None` = active.
    pub ended_on: Option<NaiveDate>,
    /// Its committee (班子) over time.
    pub team: Vec<Tenure>,
    /// Its Party groups (党小组).
    pub groups: Vec<GroupInput>,
    /// Its members over time (active, not suspended).
    pub members: Vec<MemberSpan>,
}

/// Whether something set up on `created` and ended on `ended` existed on every day of `[start, end]`.
pub(crate) fn exists_throughout(
    created: Option<NaiveDate>,
    ended: Option<NaiveDate>,
    start: NaiveDate,
    end: NaiveDate,
) -> bool {
    created.is_none_or(|c| c <= start) && ended.is_none_or(|e| e > end)
}

/// A vote taken at a meeting (表决) or an election (选举).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteInput {
    /// What was voted on.
    pub subject: String,
    /// An election (stricter quorum).
    pub election: bool,
    /// 应到会有表决权（选举权）人数.
    pub eligible: u32,
    /// 实到会有表决权（选举权）人数.
    pub present: u32,
    /// 赞成票.
    pub in_favour: u32,
}

/// A meeting or activity record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingInput {
    /// Id.
    pub id: i64,
    /// The organization that held it.
    pub org_id: i64,
    /// The Party group, for a 党小组会.
    pub group_id: Option<i64>,
    /// What kinds of meeting it counts as.
    pub kinds: KindSet,
    /// Held on.
    pub held_on: NaiveDate,
    /// When the record was entered (China local time).
    pub recorded_at: NaiveDateTime,
    /// The user who entered it; 0 = import or system.
    pub recorded_by: i64,
    /// The member who gave the 党课.
    pub lecturer: Option<i64>,
    /// 应到.
    pub expected: u32,
    /// 实到.
    pub present: u32,
    /// The member ids present, sorted; empty when only the counts are known.
    pub present_ids: Vec<i64>,
    /// The 第一议题 items studied (ids).
    pub study_items: Vec<i64>,
    /// The first agenda item was a 第一议题 study.
    pub first_agenda: bool,
    /// The fingerprint of the minutes ([`minutes_hash`]).
    pub minutes_hash: Option<u64>,
    /// Votes and elections taken.
    pub votes: Vec<VoteInput>,
}

impl MeetingInput {
    /// Days from the meeting to the entry of its record (negative if entered before).
    pub(crate) fn entry_delay(&self) -> i64 {
        (self.recorded_at.date() - self.held_on).num_days()
    }
}

/// A 第一议题 study item (应学内容).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyItemInput {
    /// Id.
    pub id: i64,
    /// Published (pushed to the organizations) on.
    pub published_on: NaiveDate,
    /// The levels that must study it ([`jiceng_types::StudyLevel::mask`]).
    pub levels: u8,
    /// Days allowed for the study; `None` = `first_agenda.within_days`.
    pub within_days: Option<u32>,
}

/// A member's training hours (学时) in a year.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberHours {
    /// The member.
    pub member_id: i64,
    /// The member's organization.
    pub org_id: i64,
    /// The calendar year.
    pub year: i32,
    /// Credited hours.
    pub hours: f64,
    /// Secretary or committee member (the higher minimum applies).
    pub leader: bool,
}

/// Everything [`evaluate`] looks at.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Input {
    /// The organizations in scope.
    pub orgs: Vec<OrgInput>,
    /// Their meetings.
    pub meetings: Vec<MeetingInput>,
    /// The 第一议题 items.
    pub study_items: Vec<StudyItemInput>,
    /// Training hours.
    pub hours: Vec<MemberHours>,
}

/// Whether a finding is a verdict or a sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A rule was broken.
    Violation,
    /// A formalism signal (补资料): shown as evidence to look at, not as a verdict.
    Signal,
}

/// The records a finding rests on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Evidence {
    /// Meeting ids.
    pub meetings: Vec<i64>,
    /// 第一议题 item ids.
    pub study_items: Vec<i64>,
    /// Member ids.
    pub members: Vec<i64>,
}

/// One finding about an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The organization.
    pub org_id: i64,
    /// The rule ([`RULES`]).
    pub rule_id: &'static str,
    /// The period it is about.
    pub period: Period,
    /// How serious.
    pub severity: Severity,
    /// Verdict or signal.
    pub kind: FindingKind,
    /// The explanation in Chinese, with the numbers.
    pub message: String,
    /// The records behind it.
    pub evidence: Evidence,
}

/// The state of one cell of the compliance grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    /// Held as required, with records entered in time.
    Held,
    /// Held as required only counting records entered late (补录).
    Late,
    /// Not held as required and the period is over.
    Missing,
    /// The period is not over yet and the meetings are still to be held.
    Due,
    /// No obligation (the organization or its committee did not exist for the whole period).
    /// [`evaluate`] does not produce it; it is for grids that show every cell.
    NotApplicable,
}

/// What an organization (or one of its Party groups) had to hold in one period, and what it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Obligation {
    /// The organization.
    pub org_id: i64,
    /// The Party group, for `group.meeting.min_per_month`.
    pub group_id: Option<i64>,
    /// The rule (a frequency parameter key).
    pub rule_id: &'static str,
    /// The period.
    pub period: Period,
    /// How many meetings were required.
    pub required: u32,
    /// How many were held.
    pub held: u32,
    /// The verdict.
    pub status: CellStatus,
    /// The meetings counted, in the order held.
    pub meetings: Vec<i64>,
}

/// Where an organization stands with one 第一议题 item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StudyState {
    /// Studied by the deadline.
    Studied,
    /// Studied after the deadline (学习不及时).
    Late,
    /// Not studied and the deadline has passed (应学未学).
    NotStudied,
    /// Not studied yet; the deadline is still ahead.
    Pending,
}

/// One organization's study of one 第一议题 item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudyStatus {
    /// The item.
    pub study_item_id: i64,
    /// The organization.
    pub org_id: i64,
    /// The state.
    pub state: StudyState,
    /// The last day to study it in time.
    pub deadline: NaiveDate,
    /// When it was first studied.
    pub studied_on: Option<NaiveDate>,
    /// The meeting where it was first studied.
    pub meeting_id: Option<i64>,
}

/// The 第一议题 rate (落实率) of an organization in a quarter: of its committee meetings and
/// 中心组 studies, how many opened with a 第一议题 study.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaRate {
    /// The organization.
    pub org_id: i64,
    /// The quarter.
    pub period: Period,
    /// Committee meetings and 中心组 studies held.
    pub meetings: u32,
    /// Of which with a 第一议题 as the first agenda item.
    pub with_first_agenda: u32,
}

/// Everything [`evaluate`] found, each list sorted by organization, rule, period and then group
/// or item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Outcome {
    /// The compliance grid.
    pub obligations: Vec<Obligation>,
    /// Violations and formalism signals.
    pub findings: Vec<Finding>,
    /// 第一议题 studies.
    pub studies: Vec<StudyStatus>,
    /// 第一议题 rates per quarter (only organization-quarters with such meetings).
    pub rates: Vec<AgendaRate>,
}

/// Evaluate every rule of organizational life over the periods overlapping `[from, to]`, with
/// `as_of` as today: a period whose last day is after `as_of` is `Due`, not `Missing`, and the
/// yearly rules about people (secretaries' lectures, talks, training hours) are judged only for
/// years over by `as_of`. Checks of single meetings (quorum, votes) and the formalism signals
/// look at the meetings held in `[from, to]`; counts look at whole periods.
///
/// Meetings of organizations not in `input.orgs` only count where a rule looks across
/// organizations (lectures given elsewhere by a secretary, copied minutes, bursts of back-filled
/// records). Runs on up to two threads; the result does not depend on their number or on the
/// order of the input lists.
pub fn evaluate(input: &Input, params: &Params, from: NaiveDate, to: NaiveDate, as_of: NaiveDate) -> Outcome {
    engine::run(input.view(), params, from, to, as_of)
}

/// [`evaluate`] over borrowed records: the same rules over a [`View`], which may hold more
/// meetings than the check reads (a county's records kept in memory, checked for one township
/// and one period), so the records need not be copied for each check.
pub fn evaluate_view(view: View<'_>, params: &Params, from: NaiveDate, to: NaiveDate, as_of: NaiveDate) -> Outcome {
    engine::run(view, params, from, to, as_of)
}

/// The records of a check, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The organizations checked.
    pub orgs: &'a [OrgInput],
    /// The meetings (see `held` and `own_meetings_only` for which of them are read).
    pub meetings: &'a [MeetingInput],
    /// The 第一议题 items.
    pub study_items: &'a [StudyItemInput],
    /// Training hours.
    pub hours: &'a [MemberHours],
    /// Only meetings held in this window (first and last day) are read: the others are as if
    /// absent. `None` reads them all.
    pub held: Option<(NaiveDate, NaiveDate)>,
    /// Only meetings of `orgs` are read; otherwise the meetings of other organizations count
    /// where a rule looks across organizations (see [`evaluate`]).
    pub own_meetings_only: bool,
}

impl Input {
    /// All of the input, every meeting read.
    pub fn view(&self) -> View<'_> {
        View {
            orgs: &self.orgs,
            meetings: &self.meetings,
            study_items: &self.study_items,
            hours: &self.hours,
            held: None,
            own_meetings_only: false,
        }
    }
}

/// A rule of organizational life, for legends and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// The rule id.
    pub id: &'static str,
    /// The short Chinese name.
    pub label: &'static str,
    /// What it checks, in Chinese.
    pub explanation: &'static str,
    /// A formalism signal rather than a violation.
    pub signal: bool,
}

const fn rule(id: &'static str, label: &'static str, explanation: &'static str, signal: bool) -> RuleInfo {
    RuleInfo { id, label, explanation, signal }
}

/// Every rule [`evaluate`] applies, sorted by id.
pub const RULES: &[RuleInfo] = &[
    rule("branch.appraisal.min_per_year", "未开展民主评议党员", "党支部一般每年开展1次民主评议党员。", false),
    rule(
        "branch.committee_meeting.min_per_month",
        "未按月召开支委会",
        "设立支部委员会的党支部，支部委员会一般每月召开1次（班子不足3人的月份不计）。",
        false,
    ),
    rule(
        "branch.committee_meeting.quorum",
        "支委会到会委员未过半数",
        "支部委员会会议须有半数以上委员到会方可进行。",
        false,
    ),
    rule("branch.general_meeting.min_per_quarter", "未按季度召开党员大会", "党支部党员大会一般每季度召开1次。", false),
    rule(
        "branch.lecture.min_per_quarter",
        "未按季度组织党课",
        "党支部应按期组织党员上党课，一般每季度至少1次。",
        false,
    ),
    rule(
        "branch.org_life_meeting.min_per_year",
        "未召开组织生活会",
        "党支部每年至少召开1次组织生活会，一般安排在第四季度。",
        false,
    ),
    rule("branch.secretary.lectures_min_per_year", "支部书记未讲党课", "党支部书记每年至少为党员讲1次党课。", false),
    rule("branch.theme_day.min_per_month", "未开展主题党日", "党支部每月相对固定1天开展主题党日。", false),
    rule(
        "committee.secretary.lectures_min_per_year",
        "党(工)委书记未讲党课",
        "党委（党组）书记每年至少讲1次党课。",
        false,
    ),
    rule("edu.member_hours_min", "党员学时不足", "党员每年参加集中培训和集体学习时间一般不少于32学时。", false),
    rule(
        "edu.secretary_hours_min",
        "书记和班子成员学时不足",
        "基层党组织书记和班子成员每年集中学习培训不少于56学时。",
        false,
    ),
    rule("election.quorum", "选举到会人数不足", "进行选举时，有选举权的到会人数须达到应到会人数的五分之四。", false),
    rule(
        "first_agenda.late",
        "第一议题学习不及时",
        "第一议题应在发布后规定天数内学习，超过期限才学习的为学习不及时。",
        false,
    ),
    rule(
        "first_agenda.missing",
        "未执行第一议题制度",
        "党委（党组）会议、支委会和理论学习中心组学习应把学习第一议题作为第一项议程。",
        false,
    ),
    rule("first_agenda.not_studied", "第一议题应学未学", "适用本组织层级的第一议题，超过学习期限仍未学习。", false),
    rule("group.meeting.min_per_month", "党小组会未按月召开", "党小组会一般每月召开1次。", false),
    rule(
        "meeting.backfill_burst",
        "集中补录",
        "同一录入人在短时间内集中补录多条超期的会议记录，可能是事后补资料。",
        true,
    ),
    rule("meeting.late_entry", "会后补录", "会议记录在会后超过规定天数才录入。", true),
    rule("meeting.minutes_copy", "会议记录雷同", "会议记录与另一次会议的记录几乎相同，可能是复制而来。", true),
    rule(
        "meeting.same_attendance",
        "到会名单长期不变",
        "连续多个月会议的到会名单完全相同且都有人缺席，可能是照抄名单。",
        true,
    ),
    rule("talks.min_per_pair_per_year", "谈心谈话未全覆盖", "党员之间每年谈心谈话一般不少于1次。", false),
    rule("vote.meeting_quorum", "表决到会人数未过半数", "表决时有表决权的到会人数须超过应到会人数的半数。", false),
    rule("vote.pass", "赞成票未过半数", "决议须经应到会有表决权党员的半数以上赞成方可通过。", false),
];

/// The Chinese name of a rule: of organizational life, or else of the data-quality checks
/// ([`crate::quality::RULES`]); `未知规则` for an unknown id.
pub fn rule_label(id: &str) -> &'static str {
    RULES
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.label)
        .or_else(|| crate::quality::RULES.iter().find(|(rid, _)| *rid == id).map(|(_, l)| *l))
        .unwrap_or("未知规则")
}
