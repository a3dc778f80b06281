//! Roster mode ([`audit_roster`]): every interval it checks at its boundary (the day before, of and
//! after), the order of the dates, blank cells, unknown columns, the facts of optional columns and
//! the deadlines passed. The full roster row is the happy history of [`happy`] as a county's Excel
//! keeps it.

use super::*;

use Given::{Blank, Unknown, Value};

/// The happy history as one roster row with every column.
fn full() -> RosterPerson {
    RosterPerson {
        birth_date: Value(BIRTH),
        applied_on: Value(APPLIED),
        talk_on: Value(d("2022-03-15")),
        activist_on: Value(ACTIVIST),
        reviews: Value(vec![d("2022-10-01"), d("2023-04-01")]),
        candidate_on: Value(d("2023-04-01")),
        polit_concluded_on: Value(POLIT_CONCLUDED),
        training_ended_on: Value(d("2023-05-10")),
        training_days: Value(3),
        training_hours: Value(24),
        admitted_on: Value(ADMITTED),
        vote_eligible: Value(20),
        vote_present: Value(18),
        vote_in_favour: Value(18),
        approved_on: Value(d("2023-07-20")),
        oath_on: Value(d("2023-08-01")),
        regularization_applied_on: Value(d("2024-06-01")),
        regularization_meeting_on: Value(REGULARIZATION_MEETING),
        regularization_approved_on: Value(d("2024-07-10")),
        regularized_on: Value(PROBATION_END),
        extension_months: Value(0),
    }
}

/// The full row with every value of the steps numbered from `step` on blank (columns present).
fn upto(step: Step) -> RosterPerson {
    let n = step.number();
    let mut p = full();
    let blank_from = |at: Step| at.number() >= n;
    macro_rules! cut {
        ($($field:ident => $step:ident),+ $(,)?) => {
            $(if blank_from(Step::$step) { p.$field = Blank; })+
        };
    }
    cut!(
        applied_on => Application,
        talk_on => ApplicationTalk,
        activist_on => ActivistSelection,
        reviews => ActivistReview,
        candidate_on => CandidateSelection,
        polit_concluded_on => PoliticalReview,
        training_ended_on => IntensiveTraining,
        training_days => IntensiveTraining,
        training_hours => IntensiveTraining,
        admitted_on => AdmissionMeeting,
        vote_eligible => AdmissionMeeting,
        vote_present => AdmissionMeeting,
        vote_in_favour => AdmissionMeeting,
        approved_on => AdmissionApproval,
        oath_on => Oath,
        regularization_applied_on => RegularizationApplication,
        regularization_meeting_on => RegularizationMeeting,
        extension_months => RegularizationMeeting,
        regularization_approved_on => RegularizationApproval,
        regularized_on => RegularizationApproval,
    );
    p
}

fn roster(p: &RosterPerson, today: NaiveDate) -> Vec<Violation> {
    audit_roster(p, &Params::default(), today)
}

/// One boundary: the rule, the boundary day, what to run on a day, and whether the rule fires on
/// the day before, the day of and the day after.
struct Case {
    name: &'static str,
    rule: &'static str,
    boundary: NaiveDate,
    fires: [bool; 3],
    run: Box<dyn Fn(NaiveDate) -> Vec<Violation>>,
}

fn case(
    name: &'static str,
    rule: &'static str,
    boundary: NaiveDate,
    fires: [bool; 3],
    run: impl Fn(NaiveDate) -> Vec<Violation> + 'static,
) -> Case {
    Case { name, rule, boundary, fires, run: Box::new(run) }
}

const LATEST: [bool; 3] = [false, false, true];
const EARLIEST: [bool; 3] = [true, false, false];
const EXACT: [bool; 3] = [true, false, true];

/// `base` with `set` applied for the day, audited on `today` (or on the day itself when `None`).
fn with(
    base: RosterPerson,
    today: Option<NaiveDate>,
    set: impl Fn(&mut RosterPerson, NaiveDate) + 'static,
) -> impl Fn(NaiveDate) -> Vec<Violation> {
    move |x| {
        let mut p = base.clone();
        set(&mut p, x);
        roster(&p, today.unwrap_or(x))
    }
}

/// `p` audited on the day.
fn audited_on(p: RosterPerson) -> impl Fn(NaiveDate) -> Vec<Violation> {
    move |x| roster(&p, x)
}

/// Only a birth date and an application date: every other column absent.
fn applicant(birth: NaiveDate, applied: NaiveDate) -> RosterPerson {
    RosterPerson { birth_date: Value(birth), applied_on: Value(applied), ..RosterPerson::default() }
}

fn cases() -> Vec<Case> {
    use Step::*;
    let early_reviews = || {
        let mut p = upto(CandidateSelection);
        p.reviews = Value(vec![d("2022-10-01"), d("2023-03-01")]);
        p
    };
    vec![
        case("年满18岁申请", "dev.min_age", date(2022, 3, 1), EARLIEST, |x| {
            roster(&applicant(date(2004, 3, 1), x), x)
        }),
        case("闰日出生者的18岁", "dev.min_age", date(2022, 2, 28), EARLIEST, |x| {
            roster(&applicant(date(2004, 2, 29), x), x)
        }),
        case(
            "一个月内谈话",
            "dev.talk_within",
            date(2022, 4, 1),
            LATEST,
            with(upto(ActivistSelection), Some(TODAY), |p, x| p.talk_on = Value(x)),
        ),
        case(
            "谈话不早于申请",
            "dev.order",
            APPLIED,
            EARLIEST,
            with(upto(ActivistSelection), Some(TODAY), |p, x| p.talk_on = Value(x)),
        ),
        case("谈话超期未填写", "dev.talk_within", date(2022, 4, 1), LATEST, audited_on(upto(ApplicationTalk))),
        case(
            "第一次考察",
            "dev.activist_review_every",
            date(2022, 10, 1),
            LATEST,
            with(upto(ActivistReview), None, |p, x| p.reviews = Value(vec![x])),
        ),
        case(
            "两次考察之间",
            "dev.activist_review_every",
            date(2023, 4, 1),
            LATEST,
            with(upto(ActivistReview), None, |p, x| p.reviews = Value(vec![d("2022-10-01"), x])),
        ),
        case(
            "考察超期未填写",
            "dev.activist_review_every",
            date(2022, 10, 1),
            LATEST,
            audited_on(upto(ActivistReview)),
        ),
        case(
            "上次考察后超期未填写",
            "dev.activist_review_every",
            date(2023, 4, 1),
            LATEST,
            audited_on({
                let mut p = upto(ActivistReview);
                p.reviews = Value(vec![d("2022-10-01")]);
                p
            }),
        ),
        case(
            "确定发展对象前半年内有考察",
            "dev.activist_review_every",
            date(2023, 9, 1),
            LATEST,
            with(early_reviews(), Some(TODAY), |p, x| p.candidate_on = Value(x)),
        ),
        case(
            "确定发展对象满一年",
            "dev.activist_to_candidate_min",
            date(2023, 4, 1),
            EARLIEST,
            with(early_reviews(), Some(TODAY), |p, x| p.candidate_on = Value(x)),
        ),
        case(
            "政审结论有效期",
            "dev.polit_review_valid",
            date(2024, 5, 20),
            LATEST,
            with(upto(AdmissionApproval), None, |p, x| p.admitted_on = Value(x)),
        ),
        case(
            "政审结论在支部大会之前",
            "dev.political_review",
            ADMITTED,
            LATEST,
            with(full(), Some(TODAY), |p, x| p.polit_concluded_on = Value(x)),
        ),
        case(
            "培训在支部大会之前结业",
            "dev.training_min",
            ADMITTED,
            LATEST,
            with(full(), Some(TODAY), |p, x| p.training_ended_on = Value(x)),
        ),
        case(
            "3个月内审批",
            "dev.approval_within",
            date(2023, 9, 20),
            LATEST,
            with(upto(Oath), None, |p, x| p.approved_on = Value(x)),
        ),
        case(
            "审批超过6个月未填写",
            "dev.approval_within",
            date(2023, 12, 20),
            LATEST,
            audited_on(upto(AdmissionApproval)),
        ),
        case(
            "审批后入党宣誓",
            "dev.order",
            d("2023-07-20"),
            EARLIEST,
            with(full(), Some(TODAY), |p, x| p.oath_on = Value(x)),
        ),
        case(
            "预备期满才讨论转正",
            "dev.probation",
            PROBATION_END,
            EARLIEST,
            with(upto(RegularizationApproval), None, |p, x| p.regularization_meeting_on = Value(x)),
        ),
        case(
            "期满后3个月内讨论转正",
            "dev.regularize_meeting_within",
            date(2024, 9, 20),
            LATEST,
            with(upto(RegularizationApproval), None, |p, x| p.regularization_meeting_on = Value(x)),
        ),
        case(
            "期满超期未讨论转正",
            "dev.regularize_meeting_within",
            date(2024, 9, 20),
            LATEST,
            audited_on(upto(RegularizationMeeting)),
        ),
        case(
            "转正日期为预备期满之日",
            "dev.probation",
            PROBATION_END,
            EXACT,
            with(full(), Some(TODAY), |p, x| p.regularized_on = Value(x)),
        ),
        case("延长预备期后的转正日期", "dev.probation", date(2024, 12, 20), EXACT, {
            let mut p = full();
            p.extension_months = Value(6);
            p.regularization_meeting_on = Value(d("2024-12-20"));
            p.regularization_approved_on = Value(d("2025-01-10"));
            with(p, Some(TODAY), |p, x| p.regularized_on = Value(x))
        }),
        case(
            "3个月内审批转正",
            "dev.regularize_approval_within",
            date(2024, 9, 20),
            LATEST,
            with(full(), Some(TODAY), |p, x| p.regularization_approved_on = Value(x)),
        ),
        case(
            "转正审批超期未填写",
            "dev.regularize_approval_within",
            date(2024, 9, 20),
            LATEST,
            audited_on(upto(RegularizationApproval)),
        ),
        case("日期不晚于今天", "dev.record", d("2024-07-10"), EARLIEST, audited_on(full())),
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
fn a_correct_row_breaks_nothing_whatever_columns_it_has() {
    assert_eq!(roster(&full(), TODAY), Vec::new());
    // Reviews in any order, repeated.
    let mut p = full();
    p.reviews = Value(vec![d("2023-04-01"), d("2022-10-01"), d("2023-04-01")]);
    assert_eq!(roster(&p, TODAY), Vec::new());
    // Every column absent, or every cell blank: nothing to show.
    assert_eq!(roster(&RosterPerson::default(), TODAY), Vec::new());
    assert_eq!(roster(&upto(Step::Application), TODAY), Vec::new());
    // Any subset of the columns of the correct row: no violation either.
    let blanks: Vec<fn(&mut RosterPerson)> = vec![
        |p| p.birth_date = Unknown,
        |p| p.talk_on = Unknown,
        |p| p.activist_on = Unknown,
        |p| p.reviews = Unknown,
        |p| p.candidate_on = Unknown,
        |p| p.polit_concluded_on = Unknown,
        |p| p.training_ended_on = Unknown,
        |p| p.training_days = Unknown,
        |p| p.admitted_on = Unknown,
        |p| p.vote_eligible = Unknown,
        |p| p.approved_on = Unknown,
        |p| p.oath_on = Unknown,
        |p| p.regularization_applied_on = Unknown,
        |p| p.regularization_meeting_on = Unknown,
        |p| p.regularized_on = Unknown,
        |p| p.extension_months = Unknown,
    ];
    for mask in 0u32..(1 << blanks.len()) {
        let mut p = full();
        for (i, f) in blanks.iter().enumerate() {
            if mask & (1 << i) != 0 {
                f(&mut p);
            }
        }
        assert_eq!(roster(&p, TODAY), Vec::new(), "mask {mask:b}: {p:#?}");
    }
}

#[test]
fn the_same_intervals_as_the_full_audit() {
    assert_eq!(audit(&person(happy()), &Params::default(), TODAY), Vec::new());
    // One date moved in the history and in the roster row: the same violation of the rule of that
    // interval (rule, step, date, severity and message). Moving one date may break the order of
    // steps the roster has no column for, so only the rule under test is compared.
    type Mutation = fn(&mut RosterPerson);
    let cases: Vec<(&str, Event, Mutation)> = vec![
        ("dev.talk_within", ev(Step::ApplicationTalk, d("2022-04-02")), |p| p.talk_on = Value(d("2022-04-02"))),
        ("dev.activist_to_candidate_min", ev(Step::CandidateSelection, d("2023-03-31")), |p| {
            p.candidate_on = Value(d("2023-03-31"))
        }),
        ("dev.approval_within", ev(Step::AdmissionApproval, d("2023-12-21")), |p| {
            p.approved_on = Value(d("2023-12-21"))
        }),
        ("dev.regularize_approval_within", regularization_approval(d("2024-09-21"), PROBATION_END), |p| {
            p.regularization_approved_on = Value(d("2024-09-21"))
        }),
        ("dev.probation", regularization_approval(d("2024-07-10"), d("2024-06-21")), |p| {
            p.regularized_on = Value(d("2024-06-21"))
        }),
    ];
    for (rule, event, mutate) in cases {
        let step = event.step();
        let of = |v: Vec<Violation>| v.into_iter().filter(|v| v.rule_id == rule).collect::<Vec<_>>();
        // Without the 材料归档, which would close the history before a late approval.
        let mut history = replacing(step, vec![event]);
        history.events.retain(|e| e.step() != Step::Archiving);
        let expected = of(audit(&history, &Params::default(), TODAY));
        let mut p = full();
        mutate(&mut p);
        let got = of(roster(&p, TODAY));
        assert_eq!(got.len(), 1, "{rule}: {got:#?}");
        assert_eq!(got, expected, "{rule}");
    }
}

#[test]
fn a_missing_column_is_never_a_missing_step() {
    // A roster of members only: application, 支部大会, approval and 转正, nothing in between.
    let p = RosterPerson {
        applied_on: Value(APPLIED),
        admitted_on: Value(ADMITTED),
        approved_on: Value(d("2023-07-20")),
        regularization_meeting_on: Value(REGULARIZATION_MEETING),
        regularization_approved_on: Value(d("2024-07-10")),
        regularized_on: Value(PROBATION_END),
        ..RosterPerson::default()
    };
    assert_eq!(roster(&p, TODAY), Vec::new());
    // An unreadable talk date is unknown: neither missing nor overdue.
    let mut p = upto(Step::ActivistSelection);
    p.talk_on = Unknown;
    assert_eq!(roster(&p, TODAY), Vec::new());
    // Activists only, no 考察 column: no review cadence, no overdue review.
    let p = RosterPerson { applied_on: Value(APPLIED), activist_on: Value(ACTIVIST), ..RosterPerson::default() };
    assert_eq!(roster(&p, TODAY), Vec::new());
}

#[test]
fn a_blank_cell_that_a_later_step_needs() {
    let mut p = full();
    p.talk_on = Blank;
    let v = roster(&p, TODAY);
    assert_eq!(ids(&v), vec!["dev.record"], "{v:#?}");
    assert_eq!((v[0].step, v[0].on), (Step::ApplicationTalk, ACTIVIST));
    assert_eq!(
        v[0].message,
        "记录不完整或前后矛盾：谈话日期为空，但确定入党积极分子日期为2022-04-01，第2步“党组织派人谈话”应在此之前完成"
    );

    let mut p = full();
    p.polit_concluded_on = Blank;
    assert_eq!(ids(&roster(&p, TODAY)), vec!["dev.political_review"]);

    // A blank 培训结业日期 with the days given: the training was held.
    let mut p = full();
    p.training_ended_on = Blank;
    assert_eq!(roster(&p, TODAY), Vec::new());
    p.training_days = Blank;
    p.training_hours = Blank;
    let v = roster(&p, TODAY);
    assert_eq!(ids(&v), vec!["dev.training_min"], "{v:#?}");
    assert_eq!(v[0].on, ADMITTED);

    // The earliest later date is named; the oath needed by the 转正 meeting.
    let mut p = full();
    p.oath_on = Blank;
    let v = roster(&p, TODAY);
    assert_eq!((ids(&v), v[0].on), (vec!["dev.record"], REGULARIZATION_MEETING), "{v:#?}");

    // A 转正日期 without its approval; an approval without its 转正日期.
    let mut p = full();
    p.regularization_approved_on = Blank;
    let v = roster(&p, TODAY);
    assert_eq!(ids(&v), vec!["dev.record"], "{v:#?}");
    assert!(v[0].message.contains("转正审批日期为空"), "{}", v[0].message);
    let mut p = full();
    p.regularized_on = Blank;
    let v = roster(&p, TODAY);
    assert_eq!(ids(&v), vec!["dev.probation"], "{v:#?}");
    assert!(v[0].message.contains("未填写转正日期（应为2024-06-20）"), "{}", v[0].message);
}

#[test]
fn the_order_of_the_dates() {
    // The talk before the application.
    let mut p = full();
    p.talk_on = Value(d("2022-02-01"));
    let v = roster(&p, TODAY);
    assert_eq!(ids(&v), vec!["dev.order"], "{v:#?}");
    assert_eq!((v[0].step, v[0].on), (Step::ApplicationTalk, d("2022-02-01")));
    assert!(v[0].message.contains("谈话日期2022-02-01早于申请入党日期2022-03-01"), "{}", v[0].message);

    // Through a blank (or unknown) step, the date before it counts.
    for talk in [Blank, Unknown] {
        let mut p = full();
        p.talk_on = talk.clone();
        p.activist_on = Value(d("2022-02-01"));
        p.reviews = Unknown;
        let v = roster(&p, TODAY);
        let order: Vec<&Violation> = v.iter().filter(|v| v.rule_id == "dev.order").collect();
        assert_eq!(order.len(), 1, "{v:#?}");
        assert!(order[0].message.contains("早于申请入党日期"), "{}", order[0].message);
    }

    // Reviews before the activist selection and after the candidate selection.
    let mut p = full();
    p.reviews = Value(vec![d("2022-03-20"), d("2022-10-01"), d("2023-03-01"), d("2023-05-01")]);
    let v = roster(&p, TODAY);
    let order: Vec<NaiveDate> = v.iter().filter(|v| v.rule_id == "dev.order").map(|v| v.on).collect();
    assert_eq!(order, vec![d("2022-03-20"), d("2023-05-01")], "{v:#?}");
    assert_eq!(ids(&v), vec!["dev.order"]);

    // A birth date not before the application.
    let v = roster(&applicant(APPLIED, APPLIED), TODAY);
    assert_eq!(ids(&v), vec!["dev.record"]);
}

#[test]
fn an_approval_late_beyond_the_normal_limit_is_a_warning_beyond_the_maximum_an_error() {
    let at = |approved: &str| {
        let mut p = full();
        p.approved_on = Value(d(approved));
        p.oath_on = Value(d("2024-01-01"));
        roster(&p, TODAY)
    };
    assert_eq!(at("2023-09-20"), Vec::new());
    let v = at("2023-09-21");
    assert_eq!((ids(&v), v[0].severity), (vec!["dev.approval_within"], Severity::Warning));
    assert!(v[0].message.contains("请核实"), "{}", v[0].message);
    for day in ["2023-12-19", "2023-12-20"] {
        let v = at(day);
        assert_eq!((ids(&v), v[0].severity), (vec!["dev.approval_within"], Severity::Warning), "{day}");
    }
    let v = at("2023-12-21");
    assert_eq!((ids(&v), v[0].severity), (vec!["dev.approval_within"], Severity::Error));
}

#[test]
fn vote_counts_as_far_as_their_columns_go() {
    let of = |e: Given<u32>, pr: Given<u32>, f: Given<u32>| {
        let mut p = full();
        (p.vote_eligible, p.vote_present, p.vote_in_favour) = (e, pr, f);
        ids(&roster(&p, TODAY))
    };
    assert!(of(Value(20), Value(11), Value(11)).is_empty());
    assert_eq!(of(Value(20), Value(10), Value(18)), vec!["dev.vote_quorum"]);
    assert_eq!(of(Value(20), Value(18), Value(10)), vec!["dev.vote_pass"]);
    assert_eq!(of(Value(20), Value(10), Value(10)), vec!["dev.vote_pass", "dev.vote_quorum"]);
    assert_eq!(of(Value(20), Value(21), Value(18)), vec!["dev.record"]);
    assert_eq!(of(Value(0), Unknown, Unknown), vec!["dev.record"]);
    // Without the 应到 column nothing can be judged; without 实到, only the votes.
    assert!(of(Unknown, Value(1), Value(1)).is_empty());
    assert_eq!(of(Value(20), Unknown, Value(10)), vec!["dev.vote_pass"]);
    assert!(of(Value(20), Blank, Value(11)).is_empty());
}

#[test]
fn training_length_as_given() {
    let of = |days: Given<u32>, hours: Given<u32>| {
        let mut p = full();
        (p.training_days, p.training_hours) = (days, hours);
        ids(&roster(&p, TODAY))
    };
    assert_eq!(of(Value(2), Value(23)), vec!["dev.training_min"]);
    assert!(of(Value(3), Value(0)).is_empty());
    assert!(of(Value(2), Value(24)).is_empty());
    // One measure given: judged by it alone.
    assert_eq!(of(Value(2), Unknown), vec!["dev.training_min"]);
    assert_eq!(of(Unknown, Value(16)), vec!["dev.training_min"]);
    assert!(of(Unknown, Value(24)).is_empty());
    assert!(of(Blank, Blank).is_empty());
}

#[test]
fn extension_months_at_their_bounds() {
    for (months, fires) in [(0, false), (5, true), (6, false), (12, false), (13, true)] {
        let mut p = full();
        p.extension_months = Value(months);
        // The 转正 at the end of the extended probation.
        let end = date(2024, 6, 20).checked_add_months(chrono::Months::new(months)).unwrap();
        p.regularization_meeting_on = Value(end);
        p.regularization_approved_on = Value(plus(end, 20));
        p.regularized_on = Value(end);
        let v = roster(&p, TODAY);
        assert_eq!(ids(&v), if fires { vec!["dev.probation_extension"] } else { vec![] }, "{months}: {v:#?}");
    }
}

#[test]
fn nothing_is_overdue_once_a_later_date_is_filled_in() {
    // The talk blank but the activist selected: the record is incomplete, not the talk overdue.
    let mut p = upto(Step::ActivistReview);
    p.talk_on = Blank;
    p.reviews = Value(vec![d("2022-10-01")]);
    let v = roster(&p, d("2023-01-01"));
    assert_eq!(ids(&v), vec!["dev.record"], "{v:#?}");
    // The 支部大会 without approval, a year on: only the approval is overdue, not the 转正 meeting.
    let v = roster(&upto(Step::AdmissionApproval), TODAY);
    assert_eq!(ids(&v), vec!["dev.approval_within"], "{v:#?}");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].on, date(2023, 12, 20));
    assert!(v[0].message.contains("含特殊情况的最长期限"), "{}", v[0].message);
}

#[test]
fn overrides_apply_to_the_rule_of_the_same_name() {
    let p = RosterPerson { applied_on: Value(APPLIED), talk_on: Value(d("2022-04-15")), ..RosterPerson::default() };
    assert_eq!(ids(&roster(&p, TODAY)), vec!["dev.talk_within"]);
    assert!(audit_roster(&p, &params(&[("dev.talk_within", 2)]), TODAY).is_empty());
    let mut p = full();
    p.admitted_on = Value(d("2024-06-01"));
    p.approved_on = Value(d("2024-07-01"));
    p.oath_on = Value(d("2024-07-02"));
    p.regularization_applied_on = Value(d("2025-05-01"));
    p.regularization_meeting_on = Value(d("2025-06-01"));
    p.regularization_approved_on = Value(d("2025-06-10"));
    p.regularized_on = Value(d("2025-06-01"));
    assert_eq!(ids(&roster(&p, TODAY)), vec!["dev.polit_review_valid"]);
    assert!(audit_roster(&p, &params(&[("dev.polit_review_valid", 0)]), TODAY).is_empty());
}

#[test]
fn violations_come_in_the_order_of_the_steps() {
    let mut p = full();
    p.regularized_on = Value(d("2024-06-21"));
    p.oath_on = Value(d("2023-07-19"));
    p.vote_present = Value(5);
    p.candidate_on = Value(d("2023-03-31"));
    p.reviews = Value(vec![d("2022-10-01"), d("2023-03-01")]);
    let steps: Vec<u8> = roster(&p, TODAY).iter().map(|v| v.step.number()).collect();
    assert_eq!(steps, vec![7, 15, 20, 24]);
}

#[test]
fn given_reads_cells() {
    assert_eq!(Given::from_cell(false, Some(1)), Unknown);
    assert_eq!(Given::<u32>::from_cell(true, None), Blank);
    assert_eq!(Given::from_cell(true, Some(1)), Value(1));
    assert_eq!(Value(3).get(), Some(3));
    assert!(Given::<u32>::Blank.is_blank() && !Given::<u32>::Unknown.is_blank());
}
