//! How often a branch must meet, the committee's quorum, votes and elections.

use super::*;
use MeetingKind::*;

const GENERAL: &str = "branch.general_meeting.min_per_quarter";
const THEME: &str = "branch.theme_day.min_per_month";
const COMMITTEE: &str = "branch.committee_meeting.min_per_month";
const GROUP: &str = "group.meeting.min_per_month";

#[test]
fn a_meeting_on_the_last_day_of_a_quarter_counts_for_that_quarter() {
    let i = input(vec![branch(1)], vec![meeting(1, 1, &[GeneralMeeting], "2025-03-31")]);
    let o = run(&i, &only(&[(GENERAL, 1)]), "2025-01-01", "2025-06-30", "2025-07-15");
    assert_eq!(
        cells(&o, GENERAL),
        vec![("2025-Q1".to_string(), CellStatus::Held), ("2025-Q2".to_string(), CellStatus::Missing)]
    );
    assert_eq!(o.obligations[0].meetings, vec![1]);
    assert_eq!(found(&o), vec![(GENERAL, "2025-Q2".to_string())]);
    assert_eq!(o.findings[0].message, "2025年第2季度未召开支部党员大会（应至少1次）");
    assert_eq!((o.findings[0].severity, o.findings[0].kind), (Severity::Warning, FindingKind::Violation));
}

#[test]
fn a_window_covers_every_period_it_touches() {
    // 2025-02-15..2025-04-01 touches February, March and April, and Q1 and Q2.
    let i = input(vec![branch(1)], vec![]);
    let o = run(&i, &only(&[(GENERAL, 1), (THEME, 1)]), "2025-02-15", "2025-04-01", "2026-01-01");
    assert_eq!(cells(&o, THEME).iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["2025-02", "2025-03", "2025-04"]);
    assert_eq!(cells(&o, GENERAL).iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["2025-Q1", "2025-Q2"]);
}

#[test]
fn leap_day_belongs_to_february() {
    let i = input(vec![branch(1)], vec![meeting(1, 1, &[ThemeDay], "2024-02-29")]);
    let o = run(&i, &only(&[(THEME, 1)]), "2024-02-01", "2024-03-31", "2024-12-31");
    assert_eq!(
        cells(&o, THEME),
        vec![("2024-02".to_string(), CellStatus::Held), ("2024-03".to_string(), CellStatus::Missing)]
    );
}

#[test]
fn a_period_not_over_is_due_not_missing() {
    let i = input(vec![branch(1)], vec![meeting(1, 1, &[ThemeDay], "2025-01-20")]);
    let o = run(&i, &only(&[(THEME, 1)]), "2025-01-01", "2025-04-30", "2025-03-15");
    assert_eq!(
        cells(&o, THEME),
        vec![
            ("2025-01".to_string(), CellStatus::Held),
            ("2025-02".to_string(), CellStatus::Missing),
            ("2025-03".to_string(), CellStatus::Due),
            ("2025-04".to_string(), CellStatus::Due),
        ]
    );
    assert_eq!(found(&o), vec![(THEME, "2025-02".to_string())]);
    // On its last day the month can still be held; the day after, it is over.
    let last_day = run(&i, &only(&[(THEME, 1)]), "2025-03-01", "2025-03-31", "2025-03-31");
    assert_eq!(cells(&last_day, THEME)[0].1, CellStatus::Due);
    let day_after = run(&i, &only(&[(THEME, 1)]), "2025-03-01", "2025-03-31", "2025-04-01");
    assert_eq!(cells(&day_after, THEME)[0].1, CellStatus::Missing);
}

#[test]
fn late_entry_at_the_threshold_and_one_day_over() {
    let on_time = MeetingInput { recorded_at: at("2025-03-17 23:59"), ..meeting(1, 1, &[ThemeDay], "2025-03-10") };
    let late = MeetingInput { recorded_at: at("2025-03-18 00:01"), ..meeting(2, 2, &[ThemeDay], "2025-03-10") };
    let i = input(vec![branch(1), branch(2)], vec![on_time, late]);
    let o = run(&i, &only(&[(THEME, 1)]), "2025-03-01", "2025-03-31", "2025-04-30");
    let status: Vec<(i64, CellStatus)> = o.obligations.iter().map(|c| (c.org_id, c.status)).collect();
    assert_eq!(status, vec![(1, CellStatus::Held), (2, CellStatus::Late)]);
    // The late record is also a formalism signal, the timely one is not.
    assert_eq!(o.findings.iter().map(|f| (f.org_id, f.rule_id)).collect::<Vec<_>>(), vec![(2, "meeting.late_entry")]);
    assert_eq!(o.findings[0].message, "2025年3月有1条会议记录在会后平均8天才录入");
    assert_eq!(o.findings[0].kind, FindingKind::Signal);
}

#[test]
fn late_only_when_fewer_than_required_were_entered_in_time() {
    let timely = meeting(1, 1, &[ThemeDay], "2025-03-03");
    let late = MeetingInput { recorded_at: at("2025-04-30 09:00"), ..meeting(2, 1, &[ThemeDay], "2025-03-20") };
    let i = input(vec![branch(1)], vec![timely, late]);
    let one = run(&i, &only(&[(THEME, 1)]), "2025-03-01", "2025-03-31", "2025-05-01");
    assert_eq!((one.obligations[0].held, one.obligations[0].status), (2, CellStatus::Held));
    let two = run(&i, &only(&[(THEME, 2)]), "2025-03-01", "2025-03-31", "2025-05-01");
    assert_eq!((two.obligations[0].held, two.obligations[0].status), (2, CellStatus::Late));
    let three = run(&i, &only(&[(THEME, 3)]), "2025-03-01", "2025-03-31", "2025-05-01");
    assert_eq!(three.obligations[0].status, CellStatus::Missing);
    assert_eq!(
        three.findings.iter().find(|f| f.rule_id == THEME).unwrap().message,
        "2025年3月只开展主题党日2次（应至少3次）"
    );
}

#[test]
fn one_meeting_counts_for_every_kind_it_carries() {
    let i = input(vec![branch(1)], vec![meeting(1, 1, &[ThemeDay, GeneralMeeting, Lecture], "2025-03-28")]);
    let p = only(&[(GENERAL, 1), (THEME, 1), ("branch.lecture.min_per_quarter", 1)]);
    let o = run(&i, &p, "2025-03-01", "2025-03-31", "2025-12-31");
    assert_eq!(o.obligations.len(), 3);
    assert!(o.obligations.iter().all(|c| c.status == CellStatus::Held && c.meetings == [1]));
}

#[test]
fn only_branches_that_existed_the_whole_period() {
    let created = OrgInput { created_on: Some(d("2025-02-01")), ..branch(1) };
    let created_late = OrgInput { created_on: Some(d("2025-02-02")), ..branch(2) };
    let dissolved = OrgInput { ended_on: Some(d("2025-03-31")), ..branch(3) };
    let dissolved_after = OrgInput { ended_on: Some(d("2025-04-01")), ..branch(4) };
    let committee = OrgInput { kind: OrgKind::Committee, ..branch(5) };
    let i = input(vec![created, created_late, dissolved, dissolved_after, committee], vec![]);
    let o = run(&i, &only(&[(THEME, 1), (GENERAL, 1)]), "2025-01-01", "2025-03-31", "2025-12-31");
    let theme: Vec<(i64, String)> =
        o.obligations.iter().filter(|c| c.rule_id == THEME).map(|c| (c.org_id, c.period.key())).collect();
    let months = |org: i64| theme.iter().filter(|c| c.0 == org).map(|c| c.1.as_str()).collect::<Vec<_>>();
    assert_eq!(months(1), ["2025-02", "2025-03"], "created on the first day of February");
    assert_eq!(months(2), ["2025-03"], "created on the second day of February");
    assert_eq!(months(3), ["2025-01", "2025-02"], "gone on the last day of March");
    assert_eq!(months(4), ["2025-01", "2025-02", "2025-03"], "gone the day after March");
    assert!(months(5).is_empty(), "a 党委 has no branch obligations");
    // Only the organizations there for all of Q1 owe its general meeting.
    let q1: Vec<i64> = o.obligations.iter().filter(|c| c.rule_id == GENERAL).map(|c| c.org_id).collect();
    assert_eq!(q1, vec![4]);
}

#[test]
fn committee_meetings_only_in_months_the_committee_existed_throughout() {
    let mut b = branch(1);
    b.team = vec![
        tenure(11, true, "2020-01-01", None),
        tenure(12, false, "2020-01-01", None),
        tenure(13, false, "2025-05-02", Some("2025-09-30")),
    ];
    let i = input(vec![b], vec![]);
    let o = run(&i, &only(&[(COMMITTEE, 1)]), "2025-01-01", "2025-12-31", "2026-01-31");
    let months: Vec<String> = cells(&o, COMMITTEE).into_iter().map(|c| c.0).collect();
    // Formed on 2 May (not all of May), the third member's last day is 30 September (inclusive).
    assert_eq!(months, ["2025-06", "2025-07", "2025-08", "2025-09"]);
    assert_eq!(o.findings[0].message, "2025年6月未召开支部委员会（应至少1次）");
}

#[test]
fn a_committee_member_replaced_the_next_day_keeps_the_committee() {
    let mut b = branch(1);
    b.team = vec![
        tenure(11, true, "2020-01-01", None),
        tenure(12, false, "2020-01-01", None),
        tenure(13, false, "2020-01-01", Some("2025-03-14")),
        tenure(14, false, "2025-03-15", None),
    ];
    let i = input(vec![b], vec![]);
    let o = run(&i, &only(&[(COMMITTEE, 1)]), "2025-03-01", "2025-04-30", "2026-01-31");
    assert_eq!(cells(&o, COMMITTEE).len(), 2);
}

#[test]
fn groups_from_the_first_full_month_each_with_its_own_meetings() {
    let mut b = branch(1);
    b.groups = vec![
        GroupInput { id: 8, created_on: Some(d("2025-03-15")), ended_on: None },
        GroupInput { id: 7, created_on: None, ended_on: None },
    ];
    let g7 = MeetingInput { group_id: Some(7), ..meeting(1, 1, &[GroupMeeting], "2025-03-20") };
    let g8 = MeetingInput { group_id: Some(8), ..meeting(2, 1, &[GroupMeeting], "2025-03-25") };
    let i = input(vec![b], vec![g7, g8]);
    let o = run(&i, &only(&[(GROUP, 1)]), "2025-03-01", "2025-04-30", "2025-12-31");
    let got: Vec<(Option<i64>, String, CellStatus)> =
        o.obligations.iter().map(|c| (c.group_id, c.period.key(), c.status)).collect();
    assert_eq!(
        got,
        vec![
            (Some(7), "2025-03".to_string(), CellStatus::Held),
            (Some(7), "2025-04".to_string(), CellStatus::Missing),
            (Some(8), "2025-04".to_string(), CellStatus::Missing),
        ]
    );
    assert_eq!(o.findings[0].message, "党小组（编号7）2025年4月未召开党小组会（应至少1次）");
}

#[test]
fn yearly_meetings_and_zero_switches_a_rule_off() {
    let i = input(vec![branch(1)], vec![meeting(1, 1, &[OrgLifeMeeting, MemberAppraisal], "2025-12-31")]);
    let p = only(&[("branch.org_life_meeting.min_per_year", 1), ("branch.appraisal.min_per_year", 1)]);
    let o = run(&i, &p, "2025-01-01", "2025-12-31", "2026-01-01");
    assert_eq!(o.obligations.len(), 2);
    assert!(o.obligations.iter().all(|c| c.status == CellStatus::Held));
    assert!(run(&i, &only(&[]), "2025-01-01", "2025-12-31", "2026-01-01").obligations.is_empty());
}

fn committee_of_four() -> OrgInput {
    let mut b = branch(1);
    b.team = (0..4).map(|k| tenure(11 + k, k == 0, "2020-01-01", None)).collect();
    b
}

#[test]
fn committee_quorum_needs_more_than_half() {
    let with = |id: i64, present_ids: Vec<i64>, present: u32| MeetingInput {
        present_ids,
        present,
        ..meeting(id, 1, &[CommitteeMeeting], "2025-05-06")
    };
    let meetings = vec![
        with(1, vec![11, 12, 40, 41], 4), // two of four committee members: not more than half
        with(2, vec![11, 12, 13], 3),     // three of four
        with(3, Vec::new(), 2),           // counts only: two
        with(4, Vec::new(), 9),           // counts only: capped at the committee's size
    ];
    let o = run(&input(vec![committee_of_four()], meetings), &only(&[]), "2025-05-01", "2025-05-31", "2025-06-30");
    let quorum: Vec<&Finding> = o.findings.iter().filter(|f| f.rule_id == "branch.committee_meeting.quorum").collect();
    assert_eq!(quorum.iter().map(|f| f.evidence.meetings[0]).collect::<Vec<_>>(), vec![1, 3]);
    assert_eq!(quorum[0].message, "2025-05-06召开的支部委员会到会委员2名，未超过全体委员4名的半数");
    assert_eq!(quorum[0].period, Period::Month(2025, 5));
}

fn vote(election: bool, eligible: u32, present: u32, in_favour: u32) -> VoteInput {
    VoteInput { subject: "接收预备党员".to_string(), election, eligible, present, in_favour }
}

fn vote_findings(v: VoteInput) -> Vec<&'static str> {
    let m = MeetingInput { votes: vec![v], ..meeting(1, 1, &[GeneralMeeting], "2025-05-06") };
    let o = run(&input(vec![branch(1)], vec![m]), &only(&[]), "2025-05-01", "2025-05-31", "2025-06-30");
    assert!(o.findings.iter().all(|f| f.severity == Severity::Error));
    o.findings.iter().map(|f| f.rule_id).collect()
}

#[test]
fn votes_need_more_than_half() {
    assert_eq!(vote_findings(vote(false, 10, 5, 5)), vec!["vote.meeting_quorum", "vote.pass"]);
    assert_eq!(vote_findings(vote(false, 10, 6, 5)), vec!["vote.pass"]);
    assert!(vote_findings(vote(false, 10, 6, 6)).is_empty());
    assert!(vote_findings(vote(false, 9, 5, 5)).is_empty(), "5 of 9 is more than half");
}

#[test]
fn elections_need_four_fifths_present() {
    assert!(vote_findings(vote(true, 10, 8, 6)).is_empty(), "exactly 4/5 is enough");
    assert_eq!(vote_findings(vote(true, 10, 7, 6)), vec!["election.quorum"]);
    assert_eq!(vote_findings(vote(true, 5, 4, 3)), Vec::<&str>::new());
    let m = MeetingInput { votes: vec![vote(true, 10, 7, 6)], ..meeting(1, 1, &[GeneralMeeting], "2025-05-06") };
    let o = run(&input(vec![branch(1)], vec![m]), &only(&[]), "2025-05-01", "2025-05-31", "2025-06-30");
    assert_eq!(o.findings[0].message, "2025-05-06选举“接收预备党员”到会7人，未达到应到会10人的五分之四，选举无效");
}

#[test]
fn meetings_outside_the_window_are_not_checked_for_quorum() {
    let m = MeetingInput { votes: vec![vote(false, 10, 1, 1)], ..meeting(1, 1, &[GeneralMeeting], "2025-04-30") };
    let o = run(&input(vec![branch(1)], vec![m]), &only(&[]), "2025-05-01", "2025-05-31", "2025-06-30");
    assert!(o.findings.is_empty());
}
