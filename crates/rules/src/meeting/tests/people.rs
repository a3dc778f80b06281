//! Secretaries' lectures, talks with every member, training hours.

use super::*;

const BRANCH_SECRETARY: &str = "branch.secretary.lectures_min_per_year";
const TALKS: &str = "talks.min_per_pair_per_year";

fn lecture(id: i64, org_id: i64, lecturer: i64, held_on: &str) -> MeetingInput {
    MeetingInput { lecturer: Some(lecturer), ..meeting(id, org_id, &[MeetingKind::Lecture], held_on) }
}

#[test]
fn a_secretary_lecture_counts_wherever_it_was_given_while_secretary() {
    let mut b = branch(1);
    // Member 7 becomes secretary on 1 March; member 8 was secretary before.
    b.team = vec![tenure(8, true, "2020-01-01", Some("2025-02-28")), tenure(7, true, "2025-03-01", None)];
    let before = lecture(1, 1, 7, "2025-02-20");
    let elsewhere = lecture(2, 99, 7, "2025-06-01");
    let i = input(vec![b], vec![before.clone()]);
    let p = only(&[(BRANCH_SECRETARY, 1)]);
    let o = run(&i, &p, "2025-01-01", "2025-12-31", "2026-01-01");
    assert_eq!(found(&o), vec![(BRANCH_SECRETARY, "2025".to_string())], "given before taking office");
    assert_eq!(o.findings[0].message, "2025年支部书记讲党课0次（应至少1次）");
    assert_eq!(o.findings[0].evidence.members, vec![7, 8]);

    let i = input(i.orgs, vec![before, elsewhere]);
    assert!(run(&i, &p, "2025-01-01", "2025-12-31", "2026-01-01").findings.is_empty(), "given at another org");
    assert!(run(&i, &only(&[(BRANCH_SECRETARY, 2)]), "2025-01-01", "2025-12-31", "2026-01-01").findings.len() == 1);
}

#[test]
fn secretary_lectures_are_judged_when_the_year_is_over_and_a_secretary_is_known() {
    let mut b = branch(1);
    b.team = vec![tenure(7, true, "2020-01-01", None)];
    let p = only(&[(BRANCH_SECRETARY, 1)]);
    let i = input(vec![b.clone()], vec![]);
    assert!(run(&i, &p, "2025-01-01", "2025-12-31", "2025-12-31").findings.is_empty(), "the year is not over");
    assert_eq!(run(&i, &p, "2025-01-01", "2025-12-31", "2026-01-01").findings.len(), 1);
    b.team[0].member_id = None;
    let unknown = input(vec![b], vec![]);
    assert!(run(&unknown, &p, "2025-01-01", "2025-12-31", "2026-01-01").findings.is_empty(), "no secretary on record");
}

#[test]
fn committee_secretaries_have_their_own_minimum() {
    let mut c = OrgInput { kind: OrgKind::Committee, ..branch(1) };
    c.team = vec![tenure(7, true, "2020-01-01", None)];
    let general = OrgInput { kind: OrgKind::GeneralBranch, ..c.clone() };
    let i = input(vec![c, OrgInput { id: 2, ..general }], vec![]);
    let p = only(&[("committee.secretary.lectures_min_per_year", 1), (BRANCH_SECRETARY, 1)]);
    let o = run(&i, &p, "2025-01-01", "2025-12-31", "2026-01-01");
    assert_eq!(
        o.findings.iter().map(|f| (f.org_id, f.rule_id)).collect::<Vec<_>>(),
        vec![(1, "committee.secretary.lectures_min_per_year")]
    );
    assert_eq!(o.findings[0].message, "2025年党组织书记讲党课0次（应至少1次）");
}

#[test]
fn talks_must_reach_every_member_of_the_year() {
    let mut b = branch(1);
    b.members = vec![
        MemberSpan { member_id: 1, from: None, to: None },
        MemberSpan { member_id: 2, from: None, to: None },
        MemberSpan { member_id: 3, from: Some(d("2025-12-31")), to: None },
        MemberSpan { member_id: 4, from: None, to: Some(d("2025-12-30")) },
        MemberSpan { member_id: 5, from: Some(d("2025-01-01")), to: None },
    ];
    let talk = MeetingInput { present_ids: vec![1, 2], ..meeting(1, 1, &[MeetingKind::Talk], "2025-06-01") };
    let i = input(vec![b], vec![talk]);
    let o = run(&i, &only(&[(TALKS, 1)]), "2025-01-01", "2025-12-31", "2026-01-01");
    assert_eq!(found(&o), vec![(TALKS, "2025".to_string())]);
    assert_eq!(o.findings[0].evidence.members, vec![5], "a member all year; 3 joined on its last day, 4 left before");
    assert_eq!(o.findings[0].message, "2025年有1名党员全年未参加谈心谈话");
    let twice = run(&i, &only(&[(TALKS, 2)]), "2025-01-01", "2025-12-31", "2026-01-01");
    assert_eq!(twice.findings[0].evidence.members, vec![1, 2, 5]);
    assert_eq!(twice.findings[0].message, "2025年有3名党员参加谈心谈话少于2次");
    assert!(run(&i, &only(&[(TALKS, 1)]), "2025-01-01", "2025-12-31", "2025-12-31").findings.is_empty());
}

#[test]
fn training_hours_per_member_and_leader() {
    let h = |member_id, hours, leader| MemberHours { member_id, org_id: 1, year: 2025, hours, leader };
    let i = Input {
        hours: vec![h(1, 31.5, false), h(2, 32.0, false), h(3, 55.0, true), h(4, 56.0, true), h(5, 10.0, false)],
        ..Input::default()
    };
    let o = run(&i, &only(&[]), "2025-01-01", "2025-12-31", "2026-01-01");
    let got: Vec<(&str, Vec<i64>, &str)> =
        o.findings.iter().map(|f| (f.rule_id, f.evidence.members.clone(), f.message.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("edu.member_hours_min", vec![1, 5], "2025年有2名党员学时不足32学时"),
            ("edu.secretary_hours_min", vec![3], "2025年有1名书记和班子成员学时不足56学时"),
        ]
    );
    assert!(run(&i, &only(&[]), "2025-01-01", "2025-12-31", "2025-12-30").findings.is_empty(), "year not over");
    assert!(run(&i, &only(&[]), "2026-01-01", "2026-12-31", "2027-01-01").findings.is_empty(), "another year");
}
