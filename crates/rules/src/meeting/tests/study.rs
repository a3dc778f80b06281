//! 第一议题: studied in time, late, not at all; the first-agenda rate.

use jiceng_types::StudyLevel;

use super::*;

fn item(id: i64, published_on: &str, levels: &[StudyLevel], within_days: Option<u32>) -> StudyItemInput {
    StudyItemInput { id, published_on: d(published_on), levels: StudyLevel::mask(levels), within_days }
}

fn studying(id: i64, org_id: i64, held_on: &str, items: &[i64]) -> MeetingInput {
    MeetingInput { study_items: items.to_vec(), ..meeting(id, org_id, &[MeetingKind::ThemeDay], held_on) }
}

fn states(o: &Outcome) -> Vec<(i64, StudyState)> {
    o.studies.iter().map(|s| (s.org_id, s.state)).collect()
}

#[test]
fn studied_by_the_deadline_late_or_not_at_all() {
    // Published 1 March: the deadline is 8 March (7 days), inclusive.
    let orgs = (1..=3).map(branch).collect();
    let meetings = vec![
        studying(1, 1, "2025-03-08", &[5]),
        studying(2, 2, "2025-03-09", &[5]),
        studying(3, 2, "2025-03-20", &[5]),
    ];
    let i = Input { study_items: vec![item(5, "2025-03-01", &[StudyLevel::Branch], None)], ..input(orgs, meetings) };
    let o = run(&i, &only(&[]), "2025-03-01", "2025-03-31", "2025-03-09");
    assert_eq!(states(&o), vec![(1, StudyState::Studied), (2, StudyState::Late), (3, StudyState::NotStudied)]);
    assert_eq!(o.studies[0].deadline, d("2025-03-08"));
    assert_eq!(
        (o.studies[1].studied_on, o.studies[1].meeting_id),
        (Some(d("2025-03-09")), Some(2)),
        "the earliest study"
    );
    let f: Vec<(i64, &str, Severity, String)> =
        o.findings.iter().map(|f| (f.org_id, f.rule_id, f.severity, f.period.key())).collect();
    assert_eq!(
        f,
        vec![
            (2, "first_agenda.late", Severity::Notice, "2025-03".to_string()),
            (3, "first_agenda.not_studied", Severity::Warning, "2025-03".to_string()),
        ]
    );
    assert_eq!(
        o.findings[0].message,
        "第一议题（编号5）2025-03-01发布，应于2025-03-08前学习，2025-03-09才学习，学习不及时（晚1天）"
    );
    assert_eq!(o.findings[0].evidence, Evidence { meetings: vec![2], study_items: vec![5], members: vec![] });
    assert_eq!(o.findings[1].evidence.study_items, vec![5]);

    // On the deadline itself an item not yet studied is still pending.
    let o = run(&i, &only(&[]), "2025-03-01", "2025-03-31", "2025-03-08");
    assert_eq!(o.studies[2].state, StudyState::Pending);
    assert!(o.findings.iter().all(|f| f.org_id != 3));
}

#[test]
fn items_apply_by_level_existence_and_their_own_deadline() {
    let committee = OrgInput { kind: OrgKind::Committee, ..branch(1) };
    let new_branch = OrgInput { created_on: Some(d("2025-03-02")), ..branch(2) };
    let closing = OrgInput { ended_on: Some(d("2025-03-10")), ..branch(3) };
    let closing_later = OrgInput { ended_on: Some(d("2025-03-11")), ..branch(4) };
    let i = Input {
        study_items: vec![
            item(5, "2025-03-01", &[StudyLevel::Branch], Some(10)),
            item(6, "2025-02-28", &[StudyLevel::Branch], None),
        ],
        ..input(vec![committee, new_branch, closing, closing_later], vec![])
    };
    let o = run(&i, &only(&[]), "2025-03-01", "2025-03-31", "2025-12-31");
    // Item 6 was published before the window; the committee is not at the branch level; branch 2
    // did not exist when item 5 came out; branch 3 closed before its deadline (11 March), branch 4
    // on it.
    assert_eq!(o.studies.iter().map(|s| (s.org_id, s.study_item_id)).collect::<Vec<_>>(), vec![(4, 5)]);
    assert_eq!(o.studies[0].deadline, d("2025-03-11"));
}

#[test]
fn first_agenda_rate_per_quarter() {
    let committee = |id, held_on, first_agenda| MeetingInput {
        first_agenda,
        ..meeting(id, 1, &[MeetingKind::CommitteeMeeting], held_on)
    };
    let meetings = vec![
        committee(1, "2025-01-10", true),
        committee(2, "2025-02-10", false),
        committee(3, "2025-03-31", true),
        MeetingInput { first_agenda: false, ..meeting(4, 1, &[MeetingKind::ThemeDay], "2025-03-01") },
        committee(5, "2025-04-01", true),
    ];
    let o = run(&input(vec![branch(1)], meetings), &only(&[]), "2025-01-01", "2025-06-30", "2025-07-01");
    assert_eq!(
        o.rates,
        vec![
            AgendaRate { org_id: 1, period: Period::Quarter(2025, 1), meetings: 3, with_first_agenda: 2 },
            AgendaRate { org_id: 1, period: Period::Quarter(2025, 2), meetings: 1, with_first_agenda: 1 },
        ]
    );
    assert_eq!(found(&o), vec![("first_agenda.missing", "2025-Q1".to_string())]);
    assert_eq!(o.findings[0].evidence.meetings, vec![2]);
    assert_eq!(o.findings[0].message, "2025年第1季度有1次会议（共3次）未把学习第一议题作为第一项议程");
}
