//! Every interval rule at its boundary: the day before, the day of and the day after. Each case
//! builds a history correct up to the step under test, proposes that step (or audits on that day),
//! and expects the rule's violation exactly on the days marked, and no other rule at all.

use super::*;

/// One boundary: the rule, the boundary day, what to run on a day, and whether the rule fires on
/// the day before, the day of and the day after.
struct Case {
    name: &'static str,
    rule: &'static str,
    boundary: NaiveDate,
    run: Box<dyn Fn(NaiveDate) -> Vec<Violation>>,
    fires: [bool; 3],
}

fn case(
    name: &'static str,
    rule: &'static str,
    boundary: NaiveDate,
    fires: [bool; 3],
    run: impl Fn(NaiveDate) -> Vec<Violation> + 'static,
) -> Case {
    Case { name, rule, boundary, run: Box::new(run), fires }
}

/// A deadline: fine up to and on the day, broken after.
const LATEST: [bool; 3] = [false, false, true];
/// A minimum: broken before the day, fine on and after.
const EARLIEST: [bool; 3] = [true, false, false];
/// An exact day.
const EXACT: [bool; 3] = [true, false, true];

/// Propose `step` on the day after the history `p`.
fn propose(p: Person, step: Step) -> impl Fn(NaiveDate) -> Vec<Violation> {
    move |x| check(&p, &ev(step, x))
}

/// Audit `p` on the day.
fn audit_on(p: Person) -> impl Fn(NaiveDate) -> Vec<Violation> {
    move |x| audit(&p, &Params::default(), x)
}

fn cases() -> Vec<Case> {
    use Step::*;
    vec![
        case("年满18岁申请", "dev.min_age", date(2022, 3, 1), EARLIEST, |x| {
            // Born 18 years before the boundary; applies on the boundary day ± 1.
            let p = Person { birth_date: date(2004, 3, 1), applied_on: x, events: Vec::new() };
            let mut v = check(&p, &ev(Application, x));
            v.extend(audit(&p, &Params::default(), x));
            v
        }),
        case("闰日出生者的18岁", "dev.min_age", date(2022, 2, 28), EARLIEST, |x| {
            let p = Person { birth_date: date(2004, 2, 29), applied_on: x, events: Vec::new() };
            audit(&p, &Params::default(), x)
        }),
        case(
            "一个月内谈话",
            "dev.talk_within",
            date(2022, 4, 1),
            LATEST,
            propose(upto(ApplicationTalk), ApplicationTalk),
        ),
        case("谈话超期未记录", "dev.talk_within", date(2022, 4, 1), LATEST, audit_on(upto(ApplicationTalk))),
        case(
            "第一次考察",
            "dev.activist_review_every",
            date(2022, 10, 1),
            LATEST,
            propose(upto(ActivistReview), ActivistReview),
        ),
        case("考察超期未记录", "dev.activist_review_every", date(2022, 10, 1), LATEST, audit_on(upto(ActivistReview))),
        case("确定发展对象满一年", "dev.activist_to_candidate_min", date(2023, 4, 1), EARLIEST, {
            let p = upto(CandidateSelection);
            move |x| check(&p, &ev(CandidateSelection, x))
        }),
        case("确定发展对象前半年内有考察", "dev.activist_review_every", date(2023, 9, 1), LATEST, {
            let mut events: Vec<Event> =
                upto(CandidateSelection).events.into_iter().filter(|e| e.step() != ActivistReview).collect();
            events.push(ev(ActivistReview, d("2022-09-15")));
            events.push(ev(ActivistReview, d("2023-03-01")));
            propose(person(events), CandidateSelection)
        }),
        case("预审后一个月内提交支部大会", "dev.admission_meeting_within", date(2023, 7, 1), LATEST, {
            propose(upto(AdmissionMeeting), AdmissionMeeting)
        }),
        case("预审后超期未开支部大会", "dev.admission_meeting_within", date(2023, 7, 1), LATEST, {
            audit_on(upto(AdmissionMeeting))
        }),
        case("政审结论有效期", "dev.polit_review_valid", date(2024, 5, 20), LATEST, |x| {
            // The 预审 moves with the meeting so that only the validity is at stake.
            let mut events: Vec<Event> = upto(AdmissionMeeting)
                .events
                .into_iter()
                .filter(|e| !matches!(e.step(), PreReview | AdmissionForm))
                .collect();
            events.push(ev(PreReview, plus(x, -10)));
            events.push(ev(AdmissionForm, plus(x, -5)));
            check(&person(events), &ev(AdmissionMeeting, x))
        }),
        case("将离开单位的3个月", "dev.leaving_unit_block", date(2023, 9, 20), [true, true, false], |x| {
            let e = Event::new(ADMITTED, Facts::AdmissionMeeting { vote: good_vote(), leaving_unit_on: Some(x) });
            check(&upto(AdmissionMeeting), &e)
        }),
        case(
            "3个月内审批",
            "dev.approval_within",
            date(2023, 9, 20),
            LATEST,
            propose(upto(AdmissionApproval), AdmissionApproval),
        ),
        case("有特殊情况的6个月内审批", "dev.approval_within", date(2023, 12, 20), LATEST, |x| {
            let e = Event::new(
                x,
                Facts::AdmissionApproval {
                    late_reason: Some("党委换届".to_string()), publicity: publicity_before(x)
                },
            );
            check(&upto(AdmissionApproval), &e)
        }),
        case(
            "审批超过6个月未记录",
            "dev.approval_within",
            date(2023, 12, 20),
            LATEST,
            audit_on(upto(AdmissionApproval)),
        ),
        case("预备期满才讨论转正", "dev.probation", PROBATION_END, EARLIEST, {
            propose(upto(RegularizationMeeting), RegularizationMeeting)
        }),
        case("期满后3个月内讨论转正", "dev.regularize_meeting_within", date(2024, 9, 20), LATEST, {
            propose(upto(RegularizationMeeting), RegularizationMeeting)
        }),
        case("期满超期未讨论转正", "dev.regularize_meeting_within", date(2024, 9, 20), LATEST, {
            audit_on(upto(RegularizationMeeting))
        }),
        case("转正日期为预备期满之日", "dev.probation", PROBATION_END, EXACT, |x| {
            check(&upto(RegularizationApproval), &regularization_approval(d("2024-07-10"), x))
        }),
        case("3个月内审批转正", "dev.regularize_approval_within", date(2024, 9, 20), LATEST, |x| {
            check(&upto(RegularizationApproval), &regularization_approval(x, PROBATION_END))
        }),
        case("转正审批超期未记录", "dev.regularize_approval_within", date(2024, 9, 20), LATEST, {
            audit_on(upto(RegularizationApproval))
        }),
        case("公示7天", "dev.publicity_days", date(2023, 3, 25), EARLIEST, |x| {
            // A publicity from 03-19 to x: 6, 7 or 8 days, ending before the selection of 04-01.
            let e = Event::new(
                d("2023-04-01"),
                Facts::CandidateSelection { publicity: Some(Publicity { from: d("2023-03-19"), to: x }) },
            );
            check(&upto(CandidateSelection), &e)
        }),
        case("公示在决定前结束", "dev.publicity_days", date(2023, 3, 31), LATEST, |x| {
            let e = Event::new(
                d("2023-04-01"),
                Facts::CandidateSelection { publicity: Some(Publicity { from: plus(x, -10), to: x }) },
            );
            check(&upto(CandidateSelection), &e)
        }),
    ]
}

#[test]
fn every_interval_rule_at_its_boundary() {
    for c in cases() {
        for (i, delta) in [-1i64, 0, 1].into_iter().enumerate() {
            let x = plus(c.boundary, delta);
            let v = (c.run)(x);
            let fired = v.iter().any(|v| v.rule_id == c.rule);
            assert_eq!(fired, c.fires[i], "{}（{}）on {x}: {v:#?}", c.name, c.rule);
            assert!(
                ids(&v).iter().all(|id| *id == c.rule),
                "{}（{}）on {x}: other rules fired: {v:#?}",
                c.name,
                c.rule
            );
        }
    }
}

#[test]
fn extension_months_at_their_bounds() {
    // 支部大会 at the end of the probation deciding an extension of 5, 6, 7 and 11, 12, 13 months.
    for (months, fires) in [(5, true), (6, false), (7, false), (11, false), (12, false), (13, true)] {
        let e = regularization_meeting(REGULARIZATION_MEETING, Decision::Extend { months });
        let v = check(&upto(Step::RegularizationMeeting), &e);
        assert_eq!(ids(&v), if fires { vec!["dev.probation_extension"] } else { vec![] }, "{months}: {v:#?}");
    }
}

#[test]
fn training_days_or_hours() {
    for (days, hours, fires) in [(2, 23, true), (3, 0, false), (2, 24, false), (0, 0, true), (5, 40, false)] {
        let e = Event::new(d("2023-05-10"), Facts::IntensiveTraining { days, hours });
        let v = check(&upto(Step::IntensiveTraining), &e);
        assert_eq!(ids(&v), if fires { vec!["dev.training_min"] } else { vec![] }, "{days}天{hours}学时: {v:#?}");
    }
}
