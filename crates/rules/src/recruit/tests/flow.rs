//! The whole procedure: the happy path through all 25 steps, what is due next along the way, the
//! member dates, an extended probation, month ends, and the parameters.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::value::{Error, MapDeserializer};

use super::*;

#[test]
fn the_happy_path_through_all_25_steps_breaks_nothing() {
    let events = happy();
    let steps: Vec<u8> = events.iter().map(|e| e.step().number()).collect();
    for n in 1..=25u8 {
        assert!(steps.contains(&n), "step {n} is in the happy path");
    }
    // Each step, proposed on its day after the steps before it, breaks nothing.
    for i in 0..events.len() {
        let p = person(events[..i].to_vec());
        let v = check_step(&p, &events[i], &Params::default(), events[i].on);
        assert!(v.is_empty(), "step {} on {}: {v:#?}", events[i].step().number(), events[i].on);
    }
    // The audit agrees, in any order of the events, and nothing is due any more.
    let mut reversed = events.clone();
    reversed.reverse();
    for evs in [events, reversed] {
        let p = person(evs);
        assert_eq!(audit(&p, &Params::default(), TODAY), Vec::new());
        assert_eq!(next_due(&p, &Params::default(), TODAY), None);
        assert_eq!(member_dates(&p), Some((ADMITTED, Some(PROBATION_END))));
    }
}

/// The next step after the happy path's steps before `step`, on `today`.
fn next_before(step: Step, today: NaiveDate) -> Option<Due> {
    next_due(&upto(step), &Params::default(), today)
}

#[test]
fn what_is_due_next() {
    use Step::*;
    let due = |step, earliest, latest, rule_id| Some(Due { step, earliest, latest, rule_id });
    assert_eq!(
        next_before(ApplicationTalk, APPLIED),
        due(ApplicationTalk, None, Some(d("2022-04-01")), Some("dev.talk_within"))
    );
    assert_eq!(next_before(ActivistSelection, APPLIED), due(ActivistSelection, None, None, None));
    // Filing and mentors first, then the half-yearly review, then the candidate once the year is over.
    let mut p = upto(ActivistFiling);
    assert_eq!(next_due(&p, &Params::default(), ACTIVIST).map(|d| d.step), Some(ActivistFiling));
    // Old records entered one by one: the filing and the mentor still come before a review that
    // is long overdue (the overdue review is a violation meanwhile).
    let late = d("2024-01-01");
    assert_eq!(next_due(&p, &Params::default(), late).map(|d| d.step), Some(ActivistFiling));
    assert!(audit(&p, &Params::default(), late).iter().any(|v| v.step == ActivistReview));
    p.events.push(ev(ActivistFiling, d("2022-04-05")));
    assert_eq!(next_due(&p, &Params::default(), ACTIVIST).map(|d| d.step), Some(MentorAssignment));
    p.events.push(ev(MentorAssignment, d("2022-04-05")));
    let review = due(ActivistReview, None, Some(d("2022-10-01")), Some("dev.activist_review_every"));
    assert_eq!(next_due(&p, &Params::default(), d("2022-04-05")), review);
    p.events.push(ev(ActivistReview, d("2022-10-01")));
    let review = due(ActivistReview, None, Some(d("2023-04-01")), Some("dev.activist_review_every"));
    assert_eq!(next_due(&p, &Params::default(), d("2022-10-01")), review);
    p.events.push(ev(ActivistReview, d("2023-03-15")));
    let candidate = due(CandidateSelection, Some(d("2023-04-01")), None, Some("dev.activist_to_candidate_min"));
    assert_eq!(next_due(&p, &Params::default(), d("2023-03-15")), candidate);
    // An overdue review comes first again.
    assert_eq!(next_due(&p, &Params::default(), d("2023-09-16")).map(|d| d.step), Some(ActivistReview));
    // The talk before approval must be held by the approval's deadline.
    assert_eq!(
        next_before(ApprovalTalk, ADMITTED),
        due(ApprovalTalk, None, Some(d("2023-09-20")), Some("dev.approval_within"))
    );
    // 转正: the application by the time the meeting is due; the meeting from the end of probation.
    let application = next_before(RegularizationApplication, d("2024-05-21")).unwrap();
    assert_eq!(application.step, RegularizationApplication);
    assert_eq!(application.latest, Some(d("2024-09-20")));
    assert_eq!(application.days_left(d("2024-05-21")), Some(122));
    let meeting = next_before(RegularizationMeeting, d("2024-06-10")).unwrap();
    assert_eq!((meeting.earliest, meeting.latest), (Some(PROBATION_END), Some(d("2024-09-20"))));
    assert_eq!(
        meeting.message(d("2024-06-10")),
        "第23步“支部大会讨论（预备党员转正）”：应于2024-06-20起、2024-09-20前完成（还有102天）"
    );
    assert_eq!(meeting.message(d("2024-09-22")).rsplit_once('（').map(|(_, s)| s), Some("已超期2天）"));
    assert_eq!(next_before(Archiving, d("2024-07-10")), due(Archiving, None, None, None));
}

#[test]
fn member_dates_once_admitted_and_regularized() {
    use Step::*;
    assert_eq!(member_dates(&upto(AdmissionApproval)), None);
    assert_eq!(member_dates(&upto(AdmissionFiling)), Some((ADMITTED, None)));
    assert_eq!(member_dates(&upto(RegularizationApproval)), Some((ADMITTED, None)));
    assert_eq!(member_dates(&upto(Archiving)), Some((ADMITTED, Some(PROBATION_END))));
}

#[test]
fn an_extended_probation_ends_later() {
    use Step::*;
    let mut p = upto(RegularizationMeeting);
    p.events.push(regularization_meeting(PROBATION_END, Decision::Extend { months: 8 }));
    p.events.push(ev(RegularizationApproval, d("2024-07-10")));
    let due = next_due(&p, &Params::default(), d("2024-07-10")).unwrap();
    assert_eq!((due.step, due.latest), (RegularizationApplication, Some(d("2025-05-20"))));
    p.events.push(ev(RegularizationApplication, d("2025-02-01")));
    p.events.push(regularization_meeting(d("2025-02-20"), Decision::Regularize));
    p.events.push(regularization_approval(d("2025-03-01"), d("2025-02-20")));
    p.events.push(ev(Archiving, d("2025-03-10")));
    assert_eq!(audit(&p, &Params::default(), TODAY), Vec::new());
    assert_eq!(member_dates(&p), Some((ADMITTED, Some(d("2025-02-20")))));
}

#[test]
fn month_ends() {
    use super::super::history::{add_months, add_years};
    // One year after a leap day is the last day of February.
    assert_eq!(add_years(d("2024-02-29"), 1), d("2025-02-28"));
    assert_eq!(add_months(d("2025-01-31"), 1), d("2025-02-28"));
    assert_eq!(add_months(d("2024-01-31"), 1), d("2024-02-29"));
    assert_eq!(add_months(d("2024-08-31"), 6), d("2025-02-28"));
    // A probation from 2024-02-29 ends on 2025-02-28: 转正 that day, not on 03-01.
    let shift = |e: &Event| Event { on: e.on + (d("2024-02-29") - ADMITTED), ..e.clone() };
    let mut events: Vec<Event> = upto(Step::RegularizationMeeting).events.iter().map(shift).collect();
    events.retain(|e| e.step() != Step::RegularizationApplication);
    events.push(ev(Step::RegularizationApplication, d("2025-02-01")));
    let p = Person { birth_date: BIRTH, applied_on: events[0].on, events };
    let due = next_due(&p, &Params::default(), d("2025-02-01")).unwrap();
    assert_eq!(due.earliest, Some(d("2025-02-28")));
    assert!(check(&p, &regularization_meeting(d("2025-02-28"), Decision::Regularize)).is_empty());
    let mut q = p.clone();
    q.events.push(regularization_meeting(d("2025-02-28"), Decision::Regularize));
    assert!(check(&q, &regularization_approval(d("2025-03-10"), d("2025-02-28"))).is_empty());
    assert_eq!(ids(&check(&q, &regularization_approval(d("2025-03-10"), d("2025-03-01")))), vec!["dev.probation"]);
    // A talk one month after an application of 01-31 is in time on 02-28, late on 03-01.
    let p = Person { birth_date: BIRTH, applied_on: d("2025-01-31"), events: Vec::new() };
    assert!(check(&p, &ev(Step::ApplicationTalk, d("2025-02-28"))).is_empty());
    assert_eq!(ids(&check(&p, &ev(Step::ApplicationTalk, d("2025-03-01")))), vec!["dev.talk_within"]);
}

#[test]
fn parameters_and_county_overrides() {
    let defaults = Params::default();
    for def in PARAMS {
        assert_eq!(defaults.get(def.key), def.default, "{}", def.key);
    }
    assert_eq!(defaults.get("dev.min_age"), 18);
    assert_eq!(defaults.get("dev.approval_within"), 3);
    assert_eq!(defaults.get("dev.approval_within.extended"), 6);
    assert_eq!(defaults.get("dev.training_min.hours"), 24);
    assert_eq!(defaults.get("dev.publicity_days"), 7);
    assert!(defaults.overrides().is_empty());
    let p = params(&[("dev.talk_within", 2), ("dev.activist_review_every", 3)]);
    assert_eq!(p.overrides().len(), 2);
    // A two-month talk limit moves the boundary of the talk.
    let late = ev(Step::ApplicationTalk, d("2022-04-15"));
    assert_eq!(ids(&check(&person(vec![]), &late)), vec!["dev.talk_within"]);
    assert!(check_step(&person(vec![]), &late, &p, TODAY).is_empty());
    let bad = |pairs: &[(&str, i64)]| {
        let map: BTreeMap<String, i64> = pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        Params::with_overrides(&map).err().unwrap_or_default()
    };
    assert_eq!(bad(&[("dev.unknown", 1)])[0].1, "未知的参数“dev.unknown”");
    assert_eq!(bad(&[("dev.min_age", 16)])[0].1, "申请入党最低年龄应在18至40周岁之间，填写的是16");
    assert_eq!(bad(&[("dev.approval_within", 5), ("dev.approval_within.extended", 4)])[0].0, "dev.approval_within");
    assert_eq!(bad(&[("dev.probation_extension.min", 12), ("dev.probation_extension.max", 9)]).len(), 1);
    assert!(bad(&[("dev.sponsors", 2), ("dev.probation", 1)]).is_empty());
}

#[test]
fn events_read_flat_with_the_step_key_as_tag() {
    let read = |pairs: Vec<(&'static str, &'static str)>| {
        Event::deserialize(MapDeserializer::<_, Error>::new(pairs.into_iter())).ok()
    };
    assert_eq!(read(vec![("on", "2025-03-01"), ("step", "oath")]), Some(ev(Step::Oath, d("2025-03-01"))));
    assert_eq!(
        read(vec![("step", "activist_review"), ("on", "2025-03-01")]).map(|e| e.step()),
        Some(Step::ActivistReview)
    );
    assert_eq!(read(vec![("on", "2025-03-01"), ("step", "swearing")]), None);
    for step in Step::ALL {
        assert_eq!(Facts::empty(*step).step(), *step);
    }
}
