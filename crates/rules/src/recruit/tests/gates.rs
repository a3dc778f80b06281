//! The gates and facts of single steps (sponsors, mentors, political review, training, votes, the
//! talk before approval, publicity) and the order of the steps.

use super::*;

fn sponsors_of(sponsors: Vec<Sponsor>) -> Vec<&'static str> {
    let e = Event::new(d("2023-04-10"), Facts::SponsorAssignment { sponsors });
    ids(&check(&upto(Step::SponsorAssignment), &e))
}

#[test]
fn sponsors_are_two_full_members_not_under_discipline() {
    assert!(sponsors_of(vec![sponsor("王芳"), sponsor("李强")]).is_empty());
    assert_eq!(sponsors_of(vec![sponsor("王芳")]), vec!["dev.sponsors"]);
    assert_eq!(sponsors_of(vec![sponsor("王芳"), sponsor("李强"), sponsor("赵敏")]), vec!["dev.sponsors"]);
    assert_eq!(sponsors_of(vec![sponsor("王芳"), sponsor("王芳")]), vec!["dev.sponsors"]);
    let probationary = Sponsor { full_member: false, ..sponsor("李强") };
    assert_eq!(sponsors_of(vec![sponsor("王芳"), probationary]), vec!["dev.sponsors"]);
    let disciplined = Sponsor { under_discipline: true, ..sponsor("李强") };
    let e = Event::new(d("2023-04-10"), Facts::SponsorAssignment { sponsors: vec![sponsor("王芳"), disciplined] });
    let v = check(&upto(Step::SponsorAssignment), &e);
    assert_eq!(v.len(), 1);
    assert!(v[0].message.starts_with("入党介绍人不符合要求："), "{}", v[0].message);
    assert!(v[0].message.contains("留党察看"), "{}", v[0].message);
    assert_eq!(v[0].severity, Severity::Error);
}

#[test]
fn mentors_are_one_or_two_full_members() {
    let of = |mentors: Vec<Mentor>| {
        ids(&check(&upto(Step::MentorAssignment), &Event::new(ACTIVIST, Facts::MentorAssignment { mentors })))
    };
    let m = |name: &str, full_member| Mentor { name: name.to_string(), full_member };
    assert!(of(vec![m("甲", true), m("乙", true)]).is_empty());
    assert_eq!(of(vec![]), vec!["dev.mentors"]);
    assert_eq!(of(vec![m("甲", true), m("乙", true), m("丙", true)]), vec!["dev.mentors"]);
    assert_eq!(of(vec![m("甲", false)]), vec!["dev.mentors"]);
}

fn admission_with_review(review: Option<Event>) -> Vec<&'static str> {
    let mut p = upto(Step::AdmissionMeeting);
    p.events.retain(|e| e.step() != Step::PoliticalReview);
    p.events.extend(review);
    ids(&check(&p, &ev(Step::AdmissionMeeting, ADMITTED)))
}

#[test]
fn no_admission_without_a_concluded_qualified_political_review() {
    let review =
        |concluded_on, qualified| Some(Event::new(d("2023-04-15"), Facts::PoliticalReview { concluded_on, qualified }));
    assert!(admission_with_review(review(Some(POLIT_CONCLUDED), true)).is_empty());
    assert!(admission_with_review(review(Some(ADMITTED), true)).is_empty());
    assert_eq!(admission_with_review(review(None, true)), vec!["dev.political_review"]);
    assert_eq!(admission_with_review(review(Some(plus(ADMITTED, 1)), true)), vec!["dev.political_review"]);
    assert_eq!(admission_with_review(review(Some(POLIT_CONCLUDED), false)), vec!["dev.political_review"]);
    // No review at all: the committee review was recorded without it, and the meeting is not allowed.
    assert_eq!(admission_with_review(None), vec!["dev.political_review"]);
    let p = replacing(Step::PoliticalReview, vec![]);
    let v = audit(&p, &Params::default(), TODAY);
    assert_eq!(ids(&v), vec!["dev.order", "dev.political_review"], "{v:#?}");
    assert_eq!(v.iter().find(|v| v.rule_id == "dev.order").map(|v| v.step), Some(Step::CommitteeReview));
}

#[test]
fn conclusion_before_the_review_started_is_inconsistent() {
    let e =
        Event::new(d("2023-04-15"), Facts::PoliticalReview { concluded_on: Some(d("2023-04-14")), qualified: true });
    assert_eq!(ids(&check(&upto(Step::PoliticalReview), &e)), vec!["dev.record"]);
}

#[test]
fn no_admission_without_training() {
    let mut p = upto(Step::AdmissionMeeting);
    p.events.retain(|e| e.step() != Step::IntensiveTraining);
    let v = check(&p, &ev(Step::AdmissionMeeting, ADMITTED));
    assert_eq!(ids(&v), vec!["dev.training_min"], "{v:#?}");
    assert_eq!(v[0].severity, Severity::Warning);
}

fn admission_vote(eligible: u32, present: u32, in_favour: u32, one_by_one: bool) -> Vec<&'static str> {
    let vote = Vote { eligible, present, in_favour, one_by_one };
    let e = Event::new(ADMITTED, Facts::AdmissionMeeting { vote, leaving_unit_on: None });
    ids(&check(&upto(Step::AdmissionMeeting), &e))
}

#[test]
fn quorum_and_pass_are_more_than_half_of_the_eligible() {
    assert!(admission_vote(20, 11, 11, true).is_empty());
    assert_eq!(admission_vote(20, 10, 10, true), vec!["dev.vote_pass", "dev.vote_quorum"]);
    assert_eq!(admission_vote(20, 10, 11, true), vec!["dev.vote_quorum"]);
    // Written opinions of absent members count: more in favour than present is fine.
    assert!(admission_vote(21, 11, 15, true).is_empty());
    assert_eq!(admission_vote(21, 11, 10, true), vec!["dev.vote_pass"]);
    assert_eq!(admission_vote(3, 2, 2, true), Vec::<&str>::new());
    assert_eq!(admission_vote(20, 18, 18, false), vec!["dev.vote_one_by_one"]);
    assert_eq!(admission_vote(0, 0, 0, true), vec!["dev.record"]);
    assert_eq!(admission_vote(20, 21, 18, true), vec!["dev.record"]);
    assert_eq!(admission_vote(20, 18, 21, true), vec!["dev.record"]);
}

#[test]
fn regularization_vote_has_the_same_thresholds() {
    let vote = Vote { eligible: 9, present: 4, in_favour: 5, one_by_one: true };
    let e = Event::new(REGULARIZATION_MEETING, Facts::RegularizationMeeting { vote, decision: Decision::Regularize });
    assert_eq!(ids(&check(&upto(Step::RegularizationMeeting), &e)), vec!["dev.vote_quorum"]);
}

#[test]
fn the_talk_before_approval_is_by_a_committee_member_or_organizer() {
    let e = Event::new(d("2023-07-01"), Facts::ApprovalTalk { by_committee_member: false });
    assert_eq!(ids(&check(&upto(Step::ApprovalTalk), &e)), vec!["dev.approval_talk"]);
}

#[test]
fn approval_past_three_months_needs_a_reason() {
    let at = |reason: Option<&str>| {
        let on = d("2023-10-20");
        let e = Event::new(
            on,
            Facts::AdmissionApproval { late_reason: reason.map(str::to_string), publicity: publicity_before(on) },
        );
        ids(&check(&upto(Step::AdmissionApproval), &e))
    };
    assert_eq!(at(None), vec!["dev.approval_within"]);
    assert_eq!(at(Some("  ")), vec!["dev.approval_within"]);
    assert!(at(Some("党委按期换届")).is_empty());
}

#[test]
fn publicity_is_required_unless_switched_off() {
    let e = Event::new(ACTIVIST, Facts::ActivistSelection { publicity: None });
    let p = upto(Step::ActivistSelection);
    let v = check(&p, &e);
    assert_eq!(ids(&v), vec!["dev.publicity_days"]);
    assert_eq!(v[0].severity, Severity::Notice);
    assert!(check_step(&p, &e, &params(&[("dev.publicity_days", 0)]), TODAY).is_empty());
    let upside_down = Publicity { from: d("2022-03-30"), to: d("2022-03-20") };
    let e = Event::new(ACTIVIST, Facts::ActivistSelection { publicity: Some(upside_down) });
    assert_eq!(ids(&check(&p, &e)), vec!["dev.record"]);
    // No publicity needed for an approval that extends the probation.
    let mut p = upto(Step::RegularizationApproval);
    p.events.retain(|e| e.step() != Step::RegularizationMeeting);
    p.events.push(regularization_meeting(REGULARIZATION_MEETING, Decision::Extend { months: 6 }));
    let e = Event::new(d("2024-07-10"), Facts::RegularizationApproval { regularized_on: None, publicity: None });
    assert!(check(&p, &e).is_empty());
}

#[test]
fn steps_out_of_order() {
    use Step::*;
    // Skipping the talk.
    let v = check(&person(vec![]), &ev(ActivistSelection, ACTIVIST));
    assert_eq!(ids(&v), vec!["dev.order"]);
    assert!(v[0].message.contains("第2步“党组织派人谈话”"), "{}", v[0].message);
    // A needed step dated later than the proposed one.
    let p = person(vec![ev(ApplicationTalk, d("2022-05-01"))]);
    assert_eq!(ids(&check(&p, &ev(ActivistSelection, d("2022-04-20")))), vec!["dev.order"]);
    // Recording a step that a step already recorded on an earlier day needs.
    let mut p = upto(CandidateFiling);
    p.events.retain(|e| e.step() != ActivistFiling);
    let v = check(&p, &ev(ActivistFiling, d("2023-05-01")));
    assert_eq!(ids(&v), vec!["dev.order"]);
    assert!(v[0].message.contains("第7步“确定发展对象”（2023-04-01）"), "{}", v[0].message);
    // Twice.
    assert_eq!(ids(&check(&upto(CandidateFiling), &ev(ActivistFiling, d("2023-04-02")))), vec!["dev.order"]);
    let p = person(happy().into_iter().filter(|e| e.step() != Oath).collect());
    assert_eq!(ids(&check(&p, &ev(ActivistFiling, d("2022-04-02")))), vec!["dev.order"]);
    // A review of the activist after the candidate is chosen.
    assert_eq!(ids(&check(&upto(CandidateFiling), &ev(ActivistReview, d("2023-04-05")))), vec!["dev.order"]);
    // Before the application.
    assert_eq!(ids(&check(&person(vec![]), &ev(ApplicationTalk, d("2022-02-28")))), vec!["dev.order"]);
    // Archiving before 转正 is approved.
    let v = check(&upto(RegularizationApproval), &ev(Archiving, d("2024-07-01")));
    assert_eq!(ids(&v), vec!["dev.order"]);
    // Anything after archiving.
    let v = check(&person(happy()), &ev(ProbationReview, d("2024-09-01")));
    assert_eq!(ids(&v), vec!["dev.order"]);
    assert!(v[0].message.contains("2024-08-01材料归档"), "{}", v[0].message);
}

#[test]
fn dates_after_today_and_a_wrong_application_date() {
    let v = check_step(
        &upto(Step::ApplicationTalk),
        &ev(Step::ApplicationTalk, d("2022-03-15")),
        &Params::default(),
        d("2022-03-14"),
    );
    assert_eq!(ids(&v), vec!["dev.record"]);
    assert_eq!(ids(&check(&person(vec![]), &ev(Step::Application, d("2022-03-02")))), vec!["dev.record"]);
    let p = Person { birth_date: d("2030-01-01"), ..person(vec![]) };
    assert_eq!(ids(&audit(&p, &Params::default(), d("2022-03-02"))), vec!["dev.record"]);
}

#[test]
fn the_probation_is_extended_once() {
    use Step::*;
    let mut p = upto(RegularizationMeeting);
    p.events.push(regularization_meeting(PROBATION_END, Decision::Extend { months: 6 }));
    p.events.push(ev(RegularizationApproval, d("2024-07-10")));
    p.events.push(ev(RegularizationApplication, d("2024-12-01")));
    let second = regularization_meeting(d("2024-12-20"), Decision::Extend { months: 6 });
    let v = check(&p, &second);
    assert_eq!(ids(&v), vec!["dev.probation_extension"], "{v:#?}");
    assert!(v[0].message.contains("只能延长一次"), "{}", v[0].message);
    // A 转正 decision instead is fine; the extended probation ends six months later.
    assert!(check(&p, &regularization_meeting(d("2024-12-20"), Decision::Regularize)).is_empty());
    let early = regularization_meeting(d("2024-12-19"), Decision::Regularize);
    assert_eq!(ids(&check(&p, &early)), vec!["dev.probation"]);
    // A third application needs a second extension first.
    p.events.push(regularization_meeting(d("2024-12-20"), Decision::Regularize));
    p.events.push(regularization_approval(d("2025-01-10"), d("2024-12-20")));
    assert_eq!(ids(&check(&p, &ev(RegularizationApplication, d("2025-02-01")))), vec!["dev.order"]);
}

#[test]
fn nothing_after_a_cancellation() {
    use Step::*;
    let mut p = upto(RegularizationMeeting);
    p.events.push(regularization_meeting(PROBATION_END, Decision::Cancel));
    p.events.push(Event::new(d("2024-07-10"), Facts::RegularizationApproval { regularized_on: None, publicity: None }));
    assert!(audit(&p, &Params::default(), TODAY).is_empty());
    let v = check(&p, &ev(Archiving, d("2024-08-01")));
    assert_eq!(ids(&v), vec!["dev.order"]);
    assert!(v[0].message.contains("取消预备党员资格"), "{}", v[0].message);
    assert_eq!(next_due(&p, &Params::default(), TODAY), None);
    assert_eq!(member_dates(&p), None);
    // A 转正 date on an approval of a cancellation contradicts it.
    let mut q = upto(RegularizationApproval);
    q.events.retain(|e| e.step() != RegularizationMeeting);
    q.events.push(regularization_meeting(PROBATION_END, Decision::Cancel));
    let v = check(&q, &regularization_approval(d("2024-07-10"), PROBATION_END));
    assert_eq!(ids(&v), vec!["dev.record"]);
}

#[test]
fn every_violation_names_a_known_rule_and_its_dates() {
    assert!(RULES.windows(2).all(|w| w[0].id < w[1].id), "RULES sorted by id");
    for def in PARAMS.iter().filter(|d| d.key != "dev.override_allowed") {
        let rule = def.key.rsplit_once('.').filter(|(r, _)| r.contains('.')).map_or(def.key, |(r, _)| r);
        assert!(RULES.iter().any(|r| r.id == rule), "parameter {} drives no rule", def.key);
        assert!((def.min..=def.max).contains(&def.default), "{}", def.key);
    }
    let mut p = happy();
    for e in &mut p {
        if let Facts::AdmissionMeeting { vote, .. } = &mut e.facts {
            vote.in_favour = 3;
        }
    }
    let v = audit(&person(p), &Params::default(), TODAY);
    assert_eq!(ids(&v), vec!["dev.vote_pass"]);
    assert_eq!(rule_label(v[0].rule_id), "赞成票未超过半数");
    assert!(v[0].message.starts_with("赞成票未超过半数："));
    assert!(v[0].message.contains("2023-06-20"), "{}", v[0].message);
    assert_eq!((v[0].step, v[0].on), (Step::AdmissionMeeting, ADMITTED));
    assert_eq!(rule_label("dev.nothing"), "未知规则");
}
