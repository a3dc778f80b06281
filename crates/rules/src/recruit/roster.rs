//! Roster mode: the checks a legacy roster of member development can support.
//!
//! Why a second entry point: [`audit`](super::audit) reads a full history, in which a step not
//! recorded is a step not done, and every step has its facts. A county's Excel roster (one row per
//! person, one column per date) keeps a dozen of the 25 steps; some columns are missing
//! altogether, some cells are blank, some cannot be read. So [`audit_roster`] checks only what the
//! values given can show:
//!
//! - every interval between two steps whose dates are both known (谈话 within a month of the
//!   application, a year of training before 确定发展对象, a 考察 every six months when the file
//!   has the 考察日期 column, approval within 3 (at most 6) months of the 支部大会, the one-year
//!   probation, the 转正 meeting and approval within 3 months, 18 years of age at the application,
//!   the 政审 still valid at the 支部大会), and the order of the dates;
//! - the facts whose columns the file has: the counts of the vote, the length of the training,
//!   the months of an extension;
//! - a blank cell, in a column the file has, of a step that a filled-in later step needs;
//! - the deadlines passed by `today` with the next date blank and nothing later filled in.
//!
//! It never reports a step missing for which the file has no column ([`Given::Unknown`], also
//! used for a cell that could not be read), and checks no fact (sponsors, votes …) without its
//! column. Rule ids, parameters, severities, messages and the month arithmetic are those of the
//! full audit, so a county override applies alike. Two differences of reading: the 转正 dates of
//! a row are those of the final decision (after an extension, when `延长预备期` is given; without
//! that column the probation is taken as not extended), and an approval between the normal and
//! the maximum limit is reported as a warning, because a roster keeps no reason for the delay.

mod checks;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use self::checks::{
    check_age, check_blanks, check_facts, check_future, check_intervals, check_order, check_overdue, check_probation,
    check_reviews,
};
use super::params::Limits;
use super::{Params, Violation};

/// What a roster says about one value: nothing, a blank cell, or the value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum Given<T> {
    /// Nothing is known: the file has no column for it, or its cell could not be read.
    #[default]
    Unknown,
    /// The file has the column and the cell is blank: the step is not done, or not recorded.
    Blank,
    /// The value in the cell.
    Value(T),
}

impl<T> Given<T> {
    /// A cell of a column: [`Given::Unknown`] when the column is absent (or the cell unreadable),
    /// else the value or [`Given::Blank`].
    pub fn from_cell(column_known: bool, value: Option<T>) -> Self {
        match (column_known, value) {
            (false, _) => Given::Unknown,
            (true, None) => Given::Blank,
            (true, Some(v)) => Given::Value(v),
        }
    }

    /// The value, if given.
    pub fn value(&self) -> Option<&T> {
        match self {
            Given::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The file has the column and the cell is blank.
    pub fn is_blank(&self) -> bool {
        matches!(self, Given::Blank)
    }
}

impl<T: Copy> Given<T> {
    /// The value, if given (for `Copy` values).
    pub fn get(&self) -> Option<T> {
        self.value().copied()
    }
}

/// One row of a legacy roster of member development: the dates and numbers it may keep, each
/// [`Given::Unknown`] by default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RosterPerson {
    /// 出生日期 (the first of the month when the roster gives only year and month).
    pub birth_date: Given<NaiveDate>,
    /// 申请入党日期 (step 1).
    pub applied_on: Given<NaiveDate>,
    /// 谈话日期 (step 2).
    pub talk_on: Given<NaiveDate>,
    /// 确定入党积极分子日期 (step 3).
    pub activist_on: Given<NaiveDate>,
    /// 考察日期 (step 6), every half-yearly review; `Value` of an empty list counts as blank.
    pub reviews: Given<Vec<NaiveDate>>,
    /// 确定发展对象日期 (step 7).
    pub candidate_on: Given<NaiveDate>,
    /// 政审结论日期: when the political review (step 10) was concluded.
    pub polit_concluded_on: Given<NaiveDate>,
    /// 培训结业日期: the end of the intensive training (step 11).
    pub training_ended_on: Given<NaiveDate>,
    /// 培训天数 (whole days; a fraction rounded down keeps every "fewer than" comparison).
    pub training_days: Given<u32>,
    /// 培训学时 (whole 学时, rounded down likewise).
    pub training_hours: Given<u32>,
    /// 支部大会讨论日期 of the admission (step 15): the 入党日期, the start of the probation.
    pub admitted_on: Given<NaiveDate>,
    /// 应到会有表决权的正式党员 at that meeting.
    pub vote_eligible: Given<u32>,
    /// 实到会有表决权的正式党员.
    pub vote_present: Given<u32>,
    /// 赞成票.
    pub vote_in_favour: Given<u32>,
    /// 上级党委审批日期 of the admission (step 17).
    pub approved_on: Given<NaiveDate>,
    /// 入党宣誓日期 (step 20).
    pub oath_on: Given<NaiveDate>,
    /// 转正申请日期 (step 22).
    pub regularization_applied_on: Given<NaiveDate>,
    /// 转正支部大会日期 (step 23) of the final decision.
    pub regularization_meeting_on: Given<NaiveDate>,
    /// 转正审批日期 (step 24) of the final decision.
    pub regularization_approved_on: Given<NaiveDate>,
    /// 转正日期 written in the approval.
    pub regularized_on: Given<NaiveDate>,
    /// 延长预备期 in months (0 = not extended).
    pub extension_months: Given<u32>,
}

/// Every violation a roster row can show (module documentation): intervals and order of the
/// dates known, the facts of the columns present, blank cells that a later step needs, and the
/// deadlines passed by `today` with the next date blank.
pub fn audit_roster(person: &RosterPerson, params: &Params, today: NaiveDate) -> Vec<Violation> {
    let limits = Limits::new(params);
    let mut out = Vec::new();
    let p = person;
    check_future(p, today, &mut out);
    check_age(p, &limits, &mut out);
    check_order(p, &mut out);
    check_blanks(p, &mut out);
    check_intervals(p, &limits, &mut out);
    check_reviews(p, &limits, &mut out);
    check_facts(p, &limits, &mut out);
    check_probation(p, &limits, &mut out);
    check_overdue(p, &limits, today, &mut out);
    out.sort_by_key(|v| (v.step.number(), v.on));
    out
}
