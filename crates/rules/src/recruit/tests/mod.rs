//! Unit tests of the rules of member development. [`happy`] is one correct history through all 25
//! steps under the default parameters; [`upto`] cuts it before a step, so a test proposes that step
//! on a day around its boundary and sees exactly the rule of that boundary.

mod flow;
mod gates;
mod intervals;
mod proptests;
mod roster;

use chrono::{Days, NaiveDate};

use super::*;

/// Today in the tests that are not about today: after every date of [`happy`].
pub(super) const TODAY: NaiveDate = date(2030, 1, 1);

pub(super) const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(x) => x,
        None => panic!("bad date"),
    }
}

pub(super) fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(super) fn plus(x: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 { x + Days::new(days as u64) } else { x - Days::new((-days) as u64) }
}

/// A 7-day publicity ending the day before `on`.
pub(super) fn publicity_before(on: NaiveDate) -> Option<Publicity> {
    Some(Publicity { from: plus(on, -7), to: plus(on, -1) })
}

/// A vote that passes: 20 eligible, 18 present, 18 in favour, one by one.
pub(super) fn good_vote() -> Vote {
    Vote { eligible: 20, present: 18, in_favour: 18, one_by_one: true }
}

pub(super) fn sponsor(name: &str) -> Sponsor {
    Sponsor { name: name.to_string(), full_member: true, under_discipline: false }
}

/// A correct event of a step on a day: the facts that satisfy every rule of the step itself.
pub(super) fn ev(step: Step, on: NaiveDate) -> Event {
    let facts = match step {
        Step::ActivistSelection => Facts::ActivistSelection { publicity: publicity_before(on) },
        Step::CandidateSelection => Facts::CandidateSelection { publicity: publicity_before(on) },
        Step::MentorAssignment => {
            Facts::MentorAssignment { mentors: vec![Mentor { name: "王芳".to_string(), full_member: true }] }
        }
        Step::SponsorAssignment => Facts::SponsorAssignment { sponsors: vec![sponsor("王芳"), sponsor("李强")] },
        Step::PoliticalReview => Facts::PoliticalReview { concluded_on: Some(on), qualified: true },
        Step::IntensiveTraining => Facts::IntensiveTraining { days: 3, hours: 24 },
        Step::AdmissionMeeting => Facts::AdmissionMeeting { vote: good_vote(), leaving_unit_on: None },
        Step::ApprovalTalk => Facts::ApprovalTalk { by_committee_member: true },
        Step::AdmissionApproval => Facts::AdmissionApproval { late_reason: None, publicity: publicity_before(on) },
        Step::RegularizationMeeting => {
            Facts::RegularizationMeeting { vote: good_vote(), decision: Decision::Regularize }
        }
        Step::RegularizationApproval => {
            Facts::RegularizationApproval { regularized_on: None, publicity: publicity_before(on) }
        }
        other => Facts::empty(other),
    };
    Event::new(on, facts)
}

/// A 转正 approval with its date of 转正.
pub(super) fn regularization_approval(on: NaiveDate, regularized_on: NaiveDate) -> Event {
    Event::new(
        on,
        Facts::RegularizationApproval { regularized_on: Some(regularized_on), publicity: publicity_before(on) },
    )
}

/// A 支部大会讨论转正 with this decision.
pub(super) fn regularization_meeting(on: NaiveDate, decision: Decision) -> Event {
    Event::new(on, Facts::RegularizationMeeting { vote: good_vote(), decision })
}

pub(super) const BIRTH: NaiveDate = date(1995, 5, 10);
pub(super) const APPLIED: NaiveDate = date(2022, 3, 1);
pub(super) const ACTIVIST: NaiveDate = date(2022, 4, 1);
pub(super) const PRE_REVIEW: NaiveDate = date(2023, 6, 1);
pub(super) const POLIT_CONCLUDED: NaiveDate = date(2023, 5, 20);
/// The 支部大会 of admission: the 入党日期.
pub(super) const ADMITTED: NaiveDate = date(2023, 6, 20);
/// The end of the probation.
pub(super) const PROBATION_END: NaiveDate = date(2024, 6, 20);
pub(super) const REGULARIZATION_MEETING: NaiveDate = date(2024, 6, 20);

/// One correct history through all 25 steps (default parameters), in order.
pub(super) fn happy() -> Vec<Event> {
    use Step::*;
    vec![
        ev(Application, APPLIED),
        ev(ApplicationTalk, d("2022-03-15")),
        ev(ActivistSelection, ACTIVIST),
        ev(MentorAssignment, ACTIVIST),
        ev(ActivistFiling, d("2022-04-05")),
        ev(ActivistReview, d("2022-10-01")),
        ev(ActivistReview, d("2023-04-01")),
        ev(CandidateSelection, d("2023-04-01")),
        ev(CandidateFiling, d("2023-04-10")),
        ev(SponsorAssignment, d("2023-04-10")),
        Event::new(d("2023-04-15"), Facts::PoliticalReview { concluded_on: Some(POLIT_CONCLUDED), qualified: true }),
        ev(IntensiveTraining, d("2023-05-10")),
        ev(CommitteeReview, d("2023-05-25")),
        ev(PreReview, PRE_REVIEW),
        ev(AdmissionForm, d("2023-06-05")),
        ev(AdmissionMeeting, ADMITTED),
        ev(ApprovalTalk, d("2023-07-01")),
        ev(AdmissionApproval, d("2023-07-20")),
        ev(AdmissionFiling, d("2023-07-25")),
        ev(GroupPlacement, d("2023-07-25")),
        ev(Oath, d("2023-08-01")),
        ev(ProbationReview, d("2023-12-20")),
        ev(RegularizationApplication, d("2024-06-01")),
        ev(RegularizationMeeting, REGULARIZATION_MEETING),
        regularization_approval(d("2024-07-10"), PROBATION_END),
        ev(Archiving, d("2024-08-01")),
    ]
}

pub(super) fn person(events: Vec<Event>) -> Person {
    Person { birth_date: BIRTH, applied_on: APPLIED, events }
}

/// The happy history with only the steps numbered before `step`.
pub(super) fn upto(step: Step) -> Person {
    person(happy().into_iter().filter(|e| e.step().number() < step.number()).collect())
}

/// The happy history without the events of `step`, with `extra` added.
pub(super) fn replacing(step: Step, extra: Vec<Event>) -> Person {
    let mut events: Vec<Event> = happy().into_iter().filter(|e| e.step() != step).collect();
    events.extend(extra);
    person(events)
}

/// The rule ids of some violations, sorted and deduplicated.
pub(super) fn ids(v: &[Violation]) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = v.iter().map(|v| v.rule_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Check `e` against `p` with the default parameters.
pub(super) fn check(p: &Person, e: &Event) -> Vec<Violation> {
    check_step(p, e, &Params::default(), TODAY)
}

pub(super) fn params(overrides: &[(&str, i64)]) -> Params {
    Params::with_overrides(&overrides.iter().map(|(k, v)| (k.to_string(), *v)).collect()).unwrap()
}
