//! The rules of member development (发展党员): the 25 steps of the 《发展党员工作细则》 in order,
//! every interval between them and every gate (§3 of the domain notes), as pure functions of one
//! person's record.
//!
//! Why per person: a branch records the steps one at a time, and a county checks legacy rosters row
//! by row. [`check_step`] answers "what would recording this step now break", [`audit`] lists
//! every violation in a recorded history (and the deadlines passed with nothing recorded),
//! [`next_due`] tells the branch what comes next and by when, [`member_dates`] gives the 入党日期
//! and 转正日期 the roster keeps. No IO, no clock: `today` is passed in.
//!
//! Rule ids are the `dev.*` parameter keys of §16 where a parameter drives the rule
//! (`dev.talk_within`), so a county's override applies to the check of the same name; rules fixed
//! by the 党章 or the 细则 without a number have their own `dev.*` ids ([`RULES`]).
//!
//! # Months and years
//!
//! "N个月内" and "N年" are calendar months counted from the trigger date with chrono's
//! `checked_add_months`: the same day of the month N months later, or the last day of that month
//! when the day does not exist. So one month after 2025-01-31 is 2025-02-28, and one year (12
//! months) after 2024-02-29 is 2025-02-28: a probation that starts on 2024-02-29 ends (and 转正
//! falls) on 2025-02-28, and someone born on 2004-02-29 is 18 on 2022-02-28. A deadline is
//! inclusive: a talk one month after an application of 2025-01-31 is in time on 2025-02-28 and
//! late on 2025-03-01; a minimum is reached on its day: 确定发展对象 one year after 确定积极分子 on
//! 2022-04-01 is allowed from 2023-04-01. An extension is added to the end of the first probation
//! year, not to its start.

mod check;
mod due;
mod history;
mod params;
mod roster;

#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::quality::Severity;
pub use jiceng_types::recruit::{Stage, Step};
pub use params::{PARAMS, ParamDef, Params};
pub use roster::{Given, RosterPerson, audit_roster};

/// One person's record of member development: what the rules need, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// 出生日期.
    pub birth_date: NaiveDate,
    /// The day the party organization received the 入党申请书 (step 1; every interval of the first
    /// stage counts from it).
    pub applied_on: NaiveDate,
    /// The steps recorded after the application, in any order. An [`Facts::Application`] event is
    /// allowed (to list all 25 steps alike) but must carry `applied_on` as its date.
    pub events: Vec<Event>,
}

/// One recorded step: its date and the facts its rules need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The day the step was taken (the meeting, the talk, the approval, the end of the training …).
    pub on: NaiveDate,
    /// Which step, with its facts. Serialized flat: `{"on": "2025-03-01", "step": "oath"}`.
    #[serde(flatten)]
    pub facts: Facts,
}

impl Event {
    /// An event on this day.
    pub fn new(on: NaiveDate, facts: Facts) -> Self {
        Event { on, facts }
    }

    /// The step recorded.
    pub fn step(&self) -> Step {
        self.facts.step()
    }
}

/// A step and the facts its rules need; one variant per step of [`Step`], in the same order and
/// with the same serialized names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Facts {
    /// 1 递交入党申请书.
    Application,
    /// 2 党组织派人谈话 (the event date is the talk date).
    ApplicationTalk,
    /// 3 推荐和确定入党积极分子 (the date is the 支委会 decision: the training year starts here).
    ActivistSelection {
        /// The 公示 before the decision, if one was held.
        publicity: Option<Publicity>,
    },
    /// 4 上级党委备案.
    ActivistFiling,
    /// 5 指定培养联系人.
    MentorAssignment {
        /// The mentors named (1–2 full members).
        mentors: Vec<Mentor>,
    },
    /// 6 培养教育考察: one half-yearly review (考察意见) of the activist.
    ActivistReview,
    /// 7 确定发展对象.
    CandidateSelection {
        /// The 公示 before the decision.
        publicity: Option<Publicity>,
    },
    /// 8 报上级党委备案.
    CandidateFiling,
    /// 9 确定入党介绍人.
    SponsorAssignment {
        /// The sponsors named.
        sponsors: Vec<Sponsor>,
    },
    /// 10 进行政治审查 (the date is when the review started).
    PoliticalReview {
        /// When the conclusion (结论性材料, 政审综合报告) was written; `None` = not concluded yet.
        concluded_on: Option<NaiveDate>,
        /// The conclusion is 合格.
        qualified: bool,
    },
    /// 11 开展集中培训 (the date is the end of the training, 结业).
    IntensiveTraining {
        /// Days of training.
        days: u32,
        /// 学时 of training.
        hours: u32,
    },
    /// 12 支部委员会审查.
    CommitteeReview,
    /// 13 上级党委预审.
    PreReview,
    /// 14 填写入党志愿书.
    AdmissionForm,
    /// 15 支部大会讨论: the vote to admit (its date is the 入党日期 and starts the probation).
    AdmissionMeeting {
        /// The counts of the vote.
        vote: Vote,
        /// The day the candidate is expected to leave the unit where they work or study, if known.
        leaving_unit_on: Option<NaiveDate>,
    },
    /// 16 上级党委派人谈话.
    ApprovalTalk {
        /// The talk was held by a member of the Party committee (党委委员) or its 组织员.
        by_committee_member: bool,
    },
    /// 17 上级党委审批 of the admission.
    AdmissionApproval {
        /// Why the approval took longer than the normal limit (e.g. 党组织按期换届); blank = none.
        late_reason: Option<String>,
        /// The 公示 of the proposed admission (拟接收预备党员) before the approval.
        publicity: Option<Publicity>,
    },
    /// 18 再上一级党委组织部门备案.
    AdmissionFiling,
    /// 19 编入党支部和党小组.
    GroupPlacement,
    /// 20 入党宣誓.
    Oath,
    /// 21 继续教育考察: one review of the probationary member.
    ProbationReview,
    /// 22 提出转正申请 (again after an extension).
    RegularizationApplication,
    /// 23 支部大会讨论 at the end of the probation (again after an extension).
    RegularizationMeeting {
        /// The counts of the vote.
        vote: Vote,
        /// What the meeting decided.
        decision: Decision,
    },
    /// 24 上级党委审批 of the decision of the last 支部大会讨论.
    RegularizationApproval {
        /// The 转正日期 written in the approval (for a 转正 decision): the day the probation ended.
        regularized_on: Option<NaiveDate>,
        /// The 公示 of the proposed 转正 (拟转正) before the approval.
        publicity: Option<Publicity>,
    },
    /// 25 材料归档.
    Archiving,
}

impl Facts {
    /// The step these facts are of.
    pub fn step(&self) -> Step {
        match self {
            Facts::Application => Step::Application,
            Facts::ApplicationTalk => Step::ApplicationTalk,
            Facts::ActivistSelection { .. } => Step::ActivistSelection,
            Facts::ActivistFiling => Step::ActivistFiling,
            Facts::MentorAssignment { .. } => Step::MentorAssignment,
            Facts::ActivistReview => Step::ActivistReview,
            Facts::CandidateSelection { .. } => Step::CandidateSelection,
            Facts::CandidateFiling => Step::CandidateFiling,
            Facts::SponsorAssignment { .. } => Step::SponsorAssignment,
            Facts::PoliticalReview { .. } => Step::PoliticalReview,
            Facts::IntensiveTraining { .. } => Step::IntensiveTraining,
            Facts::CommitteeReview => Step::CommitteeReview,
            Facts::PreReview => Step::PreReview,
            Facts::AdmissionForm => Step::AdmissionForm,
            Facts::AdmissionMeeting { .. } => Step::AdmissionMeeting,
            Facts::ApprovalTalk { .. } => Step::ApprovalTalk,
            Facts::AdmissionApproval { .. } => Step::AdmissionApproval,
            Facts::AdmissionFiling => Step::AdmissionFiling,
            Facts::GroupPlacement => Step::GroupPlacement,
            Facts::Oath => Step::Oath,
            Facts::ProbationReview => Step::ProbationReview,
            Facts::RegularizationApplication => Step::RegularizationApplication,
            Facts::RegularizationMeeting { .. } => Step::RegularizationMeeting,
            Facts::RegularizationApproval { .. } => Step::RegularizationApproval,
            Facts::Archiving => Step::Archiving,
        }
    }

    /// The facts of a step with nothing known yet: no people named, zero counts, no dates, a 转正
    /// decision. A record imported without its details starts here (and its checks say what is
    /// missing).
    pub fn empty(step: Step) -> Facts {
        let vote = Vote { eligible: 0, present: 0, in_favour: 0, one_by_one: true };
        match step {
            Step::Application => Facts::Application,
            Step::ApplicationTalk => Facts::ApplicationTalk,
            Step::ActivistSelection => Facts::ActivistSelection { publicity: None },
            Step::ActivistFiling => Facts::ActivistFiling,
            Step::MentorAssignment => Facts::MentorAssignment { mentors: Vec::new() },
            Step::ActivistReview => Facts::ActivistReview,
            Step::CandidateSelection => Facts::CandidateSelection { publicity: None },
            Step::CandidateFiling => Facts::CandidateFiling,
            Step::SponsorAssignment => Facts::SponsorAssignment { sponsors: Vec::new() },
            Step::PoliticalReview => Facts::PoliticalReview { concluded_on: None, qualified: false },
            Step::IntensiveTraining => Facts::IntensiveTraining { days: 0, hours: 0 },
            Step::CommitteeReview => Facts::CommitteeReview,
            Step::PreReview => Facts::PreReview,
            Step::AdmissionForm => Facts::AdmissionForm,
            Step::AdmissionMeeting => Facts::AdmissionMeeting { vote, leaving_unit_on: None },
            Step::ApprovalTalk => Facts::ApprovalTalk { by_committee_member: false },
            Step::AdmissionApproval => Facts::AdmissionApproval { late_reason: None, publicity: None },
            Step::AdmissionFiling => Facts::AdmissionFiling,
            Step::GroupPlacement => Facts::GroupPlacement,
            Step::Oath => Facts::Oath,
            Step::ProbationReview => Facts::ProbationReview,
            Step::RegularizationApplication => Facts::RegularizationApplication,
            Step::RegularizationMeeting => Facts::RegularizationMeeting { vote, decision: Decision::Regularize },
            Step::RegularizationApproval => Facts::RegularizationApproval { regularized_on: None, publicity: None },
            Step::Archiving => Facts::Archiving,
        }
    }
}

/// A 培养联系人.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mentor {
    /// Name.
    pub name: String,
    /// A full member (正式党员) on the day named.
    pub full_member: bool,
}

/// An 入党介绍人.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sponsor {
    /// Name.
    pub name: String,
    /// A full member (正式党员) on the day named.
    pub full_member: bool,
    /// Under 留党察看 with the member's rights not yet restored (such a member may not sponsor).
    pub under_discipline: bool,
}

/// The counts of a vote of the 支部大会 (by secret ballot). Probationary members have no vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// 应到会有表决权的正式党员 (after the lawful exclusions of §3.5).
    pub eligible: u32,
    /// 实到会有表决权的正式党员.
    pub present: u32,
    /// 赞成票, counting the written opinions handed in before the meeting by members who could
    /// not attend.
    pub in_favour: u32,
    /// The person was discussed and voted on alone (逐个讨论、逐个表决), not in a block with others.
    pub one_by_one: bool,
}

/// A 公示: posted at the unit or place of residence before a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publicity {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
}

/// What the 支部大会 decided at the end of the probation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 按期转正 (or at the end of the extension).
    Regularize,
    /// 延长预备期 by this many months (once, 6–12 months).
    Extend {
        /// Months of extension.
        months: u32,
    },
    /// 取消预备党员资格 (not a disciplinary measure).
    Cancel,
}

/// A rule a step breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The rule ([`RULES`]): a `dev.*` key.
    pub rule_id: &'static str,
    /// The step it is about.
    pub step: Step,
    /// The date of that step; for a step not recorded in time, its deadline.
    pub on: NaiveDate,
    /// How serious (a rule that says 一般 is a warning; a practice rule a notice).
    pub severity: Severity,
    /// The explanation in Chinese: the rule's name, then the dates and numbers.
    pub message: String,
}

/// The next step of a person and when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The step.
    pub step: Step,
    /// Not before this day, where a rule says so (确定发展对象 a year after 确定积极分子, 转正 at
    /// the end of the probation).
    pub earliest: Option<NaiveDate>,
    /// Not after this day, where a rule (of this step or of a later step that needs it) says so.
    pub latest: Option<NaiveDate>,
    /// The rule that gives the dates.
    pub rule_id: Option<&'static str>,
}

impl Due {
    /// Days from `today` to the last day (negative when overdue), if there is one.
    pub fn days_left(&self, today: NaiveDate) -> Option<i64> {
        self.latest.map(|l| (l - today).num_days())
    }

    /// The reminder in Chinese: `第23步“支部大会讨论（预备党员转正）”：2025-06-15起，2025-09-15前（还有30天）`.
    pub fn message(&self, today: NaiveDate) -> String {
        let mut s = format!("第{}步“{}”", self.step.number(), self.step.full_label());
        match (self.earliest, self.latest) {
            (None, None) => s.push_str("：无时限要求"),
            (Some(e), None) => s.push_str(&format!("：{e}起可办理")),
            (None, Some(l)) => s.push_str(&format!("：应于{l}前完成")),
            (Some(e), Some(l)) => s.push_str(&format!("：应于{e}起、{l}前完成")),
        }
        match self.days_left(today) {
            Some(n) if n < 0 => s.push_str(&format!("（已超期{}天）", -n)),
            Some(n) => s.push_str(&format!("（还有{n}天）")),
            None => {}
        }
        s
    }
}

/// A rule of member development, for legends and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// The rule id.
    pub id: &'static str,
    /// The short Chinese name.
    pub label: &'static str,
    /// How serious a violation is.
    pub severity: Severity,
}

const fn rule(id: &'static str, label: &'static str, severity: Severity) -> RuleInfo {
    RuleInfo { id, label, severity }
}

/// Every rule of member development, sorted by id.
pub const RULES: &[RuleInfo] = &[
    rule("dev.activist_review_every", "未按期考察入党积极分子", Severity::Warning),
    rule("dev.activist_to_candidate_min", "培养考察不满规定时间", Severity::Error),
    rule("dev.admission_meeting_within", "预审后未及时提交支部大会", Severity::Warning),
    rule("dev.approval_talk", "审批前谈话人不符合要求", Severity::Warning),
    rule("dev.approval_within", "接收预备党员审批超期", Severity::Error),
    rule("dev.leaving_unit_block", "即将离开单位仍办理接收", Severity::Warning),
    rule("dev.mentors", "培养联系人不符合要求", Severity::Warning),
    rule("dev.min_age", "申请入党时未满规定年龄", Severity::Error),
    rule("dev.order", "发展步骤顺序错误", Severity::Error),
    rule("dev.polit_review_valid", "政审结论已超过有效期", Severity::Notice),
    rule("dev.political_review", "未经政审或政审不合格", Severity::Error),
    rule("dev.probation", "预备期计算错误", Severity::Error),
    rule("dev.probation_extension", "延长预备期不符合规定", Severity::Error),
    rule("dev.publicity_days", "公示不符合要求", Severity::Notice),
    rule("dev.record", "记录不完整或前后矛盾", Severity::Error),
    rule("dev.regularize_approval_within", "转正审批超期", Severity::Error),
    rule("dev.regularize_meeting_within", "预备期满未及时讨论转正", Severity::Warning),
    rule("dev.sponsors", "入党介绍人不符合要求", Severity::Error),
    rule("dev.talk_within", "未在规定时间内派人谈话", Severity::Error),
    rule("dev.training_min", "集中培训不足", Severity::Warning),
    rule("dev.vote_one_by_one", "未逐个讨论逐个表决", Severity::Error),
    rule("dev.vote_pass", "赞成票未超过半数", Severity::Error),
    rule("dev.vote_quorum", "到会人数未超过半数", Severity::Error),
];

/// The Chinese name of a rule of member development; `未知规则` for an unknown id.
pub fn rule_label(id: &str) -> &'static str {
    RULES.iter().find(|r| r.id == id).map_or("未知规则", |r| r.label)
}

/// What recording `proposed` now would break, given what is already recorded: the step out of
/// order (a step it needs missing or dated later, a step recorded twice, a step after the end of
/// the process), its interval from the steps before it not reached or exceeded, its gates and its
/// facts. `today` is the day of recording: a date after it is an error.
///
/// The events of `person` dated after `proposed` do not count as before it; a step that needs
/// `proposed` but is dated earlier makes it out of order.
pub fn check_step(person: &Person, proposed: &Event, params: &Params, today: NaiveDate) -> Vec<Violation> {
    check::check_step(person, proposed, &params::Limits::new(params), today)
}

/// Every violation in a recorded history: the age at application, each event checked against the
/// events before it (by date, then step number) as [`check_step`] would, and every deadline
/// passed by `today` with its step still not recorded (谈话, 考察, 支部大会, 审批, 转正讨论).
/// An approval pending past the normal limit but within the maximum for special cases
/// (`dev.approval_within.extended`) is not reported: the reason is recorded with the approval.
pub fn audit(person: &Person, params: &Params, today: NaiveDate) -> Vec<Violation> {
    check::audit(person, &params::Limits::new(params), today)
}

/// The next step and its window, or `None` when the process is over (材料归档 done, or the
/// probationary membership cancelled). While the activist is trained, this is the next half-yearly
/// review until 确定发展对象 may be done before the review falls due, or when the review is
/// overdue.
pub fn next_due(person: &Person, params: &Params, today: NaiveDate) -> Option<Due> {
    due::next_due(person, &params::Limits::new(params), today)
}

/// The 入党日期 (the day of the 支部大会 that admitted the person) once the admission is approved,
/// and the 转正日期 as written in the approval of 转正, once there is one. `None` before the
/// approval of the admission and after a cancellation of the probationary membership. 党龄 counts
/// from the 转正日期.
pub fn member_dates(person: &Person) -> Option<(NaiveDate, Option<NaiveDate>)> {
    due::member_dates(person)
}
