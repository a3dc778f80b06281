//! Deadlines: the window of each step still to be done, the next step, the deadlines passed with
//! nothing recorded, and the member dates.

use chrono::NaiveDate;

use super::check::{name, violation};
use super::history::{History, add_months, add_years, prerequisites, sorted};
use super::params::Limits;
use super::{Due, Facts, Person, Step, Violation};

/// When a step still to be done may and must be done, and from what.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub earliest: Option<NaiveDate>,
    pub latest: Option<NaiveDate>,
    /// The limit past which the step is reported as overdue: `latest`, or the maximum allowed for
    /// special cases.
    pub hard_latest: Option<NaiveDate>,
    pub rule: &'static str,
    /// The day it counts from and what happened then.
    pub since: (NaiveDate, &'static str),
}

fn window_to(rule: &'static str, since: (NaiveDate, &'static str), latest: NaiveDate) -> Window {
    Window { earliest: None, latest: Some(latest), hard_latest: Some(latest), rule, since }
}

/// The window of a step from the steps recorded, where a rule of time applies to it and the step
/// it counts from is recorded.
pub(crate) fn window(h: &History<'_>, step: Step, limits: &Limits) -> Option<Window> {
    match step {
        Step::ApplicationTalk => {
            let since = (h.applied_on, "收到入党申请书");
            Some(window_to("dev.talk_within", since, add_months(h.applied_on, limits.talk_months)))
        }
        Step::ActivistReview => {
            let since = match h.last(Step::ActivistReview) {
                Some(r) => (r.on, "上次考察"),
                None => (h.date(Step::ActivistSelection)?, "确定为入党积极分子"),
            };
            Some(window_to("dev.activist_review_every", since, add_months(since.0, limits.review_months)))
        }
        Step::CandidateSelection => {
            let a = h.date(Step::ActivistSelection)?;
            Some(Window {
                earliest: Some(add_years(a, limits.activist_years)),
                latest: None,
                hard_latest: None,
                rule: "dev.activist_to_candidate_min",
                since: (a, "确定为入党积极分子"),
            })
        }
        Step::AdmissionMeeting => {
            let pre = h.date(Step::PreReview)?;
            Some(window_to(
                "dev.admission_meeting_within",
                (pre, "预审合格"),
                add_months(pre, limits.pre_review_months),
            ))
        }
        Step::AdmissionApproval => {
            let m = h.date(Step::AdmissionMeeting)?;
            Some(Window {
                hard_latest: Some(add_months(m, limits.approval_max_months)),
                ..window_to("dev.approval_within", (m, "支部大会通过"), add_months(m, limits.approval_months))
            })
        }
        Step::RegularizationMeeting => {
            h.date(Step::AdmissionApproval)?;
            let end = h.probation_end(limits.probation_years)?;
            Some(Window {
                earliest: Some(end),
                ..window_to(
                    "dev.regularize_meeting_within",
                    (end, "预备期满"),
                    add_months(end, limits.regularize_meeting_months),
                )
            })
        }
        Step::RegularizationApproval => {
            let m = h.open_round().meeting?.on;
            let latest = add_months(m, limits.regularize_approval_months);
            Some(window_to("dev.regularize_approval_within", (m, "支部大会讨论转正"), latest))
        }
        _ => None,
    }
}

/// Whether a step is still to be done (whether or not the steps it needs are done).
pub(crate) fn pending(h: &History<'_>, step: Step) -> bool {
    if h.closed().is_some() || h.done_on(step).is_some() || h.past_stage(step).is_some() {
        return false;
    }
    match step {
        Step::Application => false,
        Step::ActivistReview => h.has(Step::ActivistSelection),
        Step::ProbationReview | Step::RegularizationApplication | Step::RegularizationMeeting => {
            h.has(Step::AdmissionApproval)
        }
        Step::RegularizationApproval => h.open_round().meeting.is_some(),
        _ => true,
    }
}

/// The steps that may be recorded now: still to be done, with every step they need done.
fn open_steps(h: &History<'_>) -> Vec<Step> {
    Step::ALL.iter().copied().filter(|s| pending(h, *s) && prerequisites(*s).iter().all(|p| h.satisfied(*p))).collect()
}

fn is_review(step: Step) -> bool {
    matches!(step, Step::ActivistReview | Step::ProbationReview)
}

/// The earliest deadline of the steps still to be done that need this one (directly or through
/// others): a step must be done by the time the step after it must be.
fn inherited(h: &History<'_>, step: Step, limits: &Limits) -> Option<(NaiveDate, &'static str)> {
    Step::ALL
        .iter()
        .copied()
        .filter(|d| !is_review(*d) && prerequisites(*d).contains(&step) && pending(h, *d))
        .filter_map(|d| {
            window(h, d, limits).and_then(|w| w.latest.map(|l| (l, w.rule))).or_else(|| inherited(h, d, limits))
        })
        .min()
}

fn due_of(h: &History<'_>, step: Step, limits: &Limits) -> Due {
    let w = window(h, step, limits);
    let (latest, rule) = match w.and_then(|w| w.latest.map(|l| (l, w.rule))) {
        Some((l, r)) => (Some(l), Some(r)),
        None => match inherited(h, step, limits) {
            Some((l, r)) => (Some(l), Some(r)),
            None => (None, w.map(|w| w.rule)),
        },
    };
    Due { step, earliest: w.and_then(|w| w.earliest), latest, rule_id: rule }
}

pub(crate) fn next_due(person: &Person, limits: &Limits, today: NaiveDate) -> Option<Due> {
    let all = sorted(&person.events);
    let h = History::new(person, &all);
    let open = open_steps(&h);
    let main = open.iter().copied().find(|s| !is_review(*s));
    if open.contains(&Step::ActivistReview) {
        let review = due_of(&h, Step::ActivistReview, limits);
        let review_first = match (main, review.latest) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(Step::CandidateSelection), Some(l)) => {
                l < today || due_of(&h, Step::CandidateSelection, limits).earliest.is_some_and(|e| l <= e)
            }
            // The filing and the mentor come right after the selection (also when old records are
            // entered one by one): an overdue review waits behind them, listed as a violation.
            (Some(Step::ActivistFiling | Step::MentorAssignment), Some(_)) => false,
            (Some(_), Some(l)) => l < today,
        };
        if review_first {
            return Some(review);
        }
    }
    main.or(open.first().copied()).map(|s| due_of(&h, s, limits))
}

/// The deadlines passed by `today` with their steps still not recorded.
pub(crate) fn overdue(h: &History<'_>, limits: &Limits, today: NaiveDate, out: &mut Vec<Violation>) {
    for step in Step::ALL.iter().copied().filter(|s| pending(h, *s)) {
        let Some(w) = window(h, step, limits) else { continue };
        let Some(limit) = w.hard_latest.filter(|l| *l < today) else { continue };
        let (since, what) = w.since;
        let extra = if w.hard_latest == w.latest { "" } else { "（含特殊情况的最长期限）" };
        out.push(violation(
            w.rule,
            step,
            limit,
            format!("{since}{what}，{}应于{limit}前完成{extra}，截至{today}尚未记录", name(step)),
        ));
    }
}

pub(crate) fn member_dates(person: &Person) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let all = sorted(&person.events);
    let h = History::new(person, &all);
    if h.cancelled_on().is_some() || !h.has(Step::AdmissionApproval) {
        return None;
    }
    let admitted = h.date(Step::AdmissionMeeting)?;
    let regularized = h.regularized_approval().and_then(|e| match &e.facts {
        Facts::RegularizationApproval { regularized_on, .. } => *regularized_on,
        _ => None,
    });
    Some((admitted, regularized))
}
