//! Formalism signals: bursts of back-filling, copied minutes, attendance lists that never change.

use super::*;

fn signals(o: &Outcome) -> Vec<(i64, &'static str, Vec<i64>)> {
    o.findings
        .iter()
        .filter(|f| f.kind == FindingKind::Signal && f.rule_id != "meeting.late_entry")
        .map(|f| (f.org_id, f.rule_id, f.evidence.meetings.clone()))
        .collect()
}

fn backfilled(id: i64, org_id: i64, recorded_by: i64, recorded_at: &str) -> MeetingInput {
    MeetingInput {
        recorded_by,
        recorded_at: at(recorded_at),
        ..meeting(id, org_id, &[MeetingKind::ThemeDay], "2025-03-01")
    }
}

#[test]
fn a_burst_of_back_filling_by_one_user() {
    let meetings = vec![
        backfilled(1, 1, 9, "2025-06-10 14:00"),
        backfilled(2, 2, 9, "2025-06-10 14:30"),
        backfilled(3, 1, 9, "2025-06-10 15:10"),
        backfilled(4, 1, 9, "2025-06-10 15:50"),
        backfilled(5, 2, 9, "2025-06-10 16:00"), // exactly 120 minutes after the first
        backfilled(6, 1, 9, "2025-06-10 16:01"), // outside the window
    ];
    let i = input(vec![branch(1), branch(2)], meetings.clone());
    let o = run(&i, &only(&[]), "2025-01-01", "2025-12-31", "2026-01-01");
    assert_eq!(
        signals(&o),
        vec![(1, "meeting.backfill_burst", vec![1, 3, 4]), (2, "meeting.backfill_burst", vec![2, 5])]
    );
    let f = o.findings.iter().find(|f| f.rule_id == "meeting.backfill_burst").unwrap();
    assert_eq!(f.period, Period::Month(2025, 6));
    assert_eq!(f.message, "录入人（用户编号9）自2025-06-10 14:00起120分钟内集中补录5条超期会议记录，其中本组织3条");

    // Four are not a burst; the system's imports (user 0) never are.
    let four = input(i.orgs.clone(), meetings[..4].to_vec());
    assert!(signals(&run(&four, &only(&[]), "2025-01-01", "2025-12-31", "2026-01-01")).is_empty());
    let imported: Vec<MeetingInput> = meetings.iter().map(|m| MeetingInput { recorded_by: 0, ..m.clone() }).collect();
    assert!(signals(&run(&input(i.orgs, imported), &only(&[]), "2025-01-01", "2025-12-31", "2026-01-01")).is_empty());
}

#[test]
fn records_entered_in_time_are_no_burst() {
    let meetings: Vec<MeetingInput> = (1..=6)
        .map(|k| MeetingInput {
            recorded_at: at(&format!("2025-03-02 10:0{k}")),
            ..meeting(k, 1, &[MeetingKind::ThemeDay], "2025-03-01")
        })
        .collect();
    let o = run(&input(vec![branch(1)], meetings), &only(&[]), "2025-01-01", "2025-12-31", "2026-01-01");
    assert!(o.findings.is_empty());
}

#[test]
fn copied_minutes_point_to_the_earliest_original() {
    let text = MINUTES;
    let copy = text.replace("3月5日", "4月9日");
    let other = OTHER;
    let hashed = |id, org_id, held_on, t: &str| MeetingInput {
        minutes_hash: minutes_hash(t, 60),
        ..meeting(id, org_id, &[MeetingKind::GeneralMeeting], held_on)
    };
    let meetings = vec![
        hashed(3, 2, "2025-04-09", &copy),
        hashed(1, 1, "2025-03-05", text),
        hashed(2, 3, "2025-03-05", text), // same day as 1: the smaller id is the original
        hashed(4, 1, "2025-05-01", other),
    ];
    let o = run(&input(vec![], meetings.clone()), &only(&[]), "2025-01-01", "2025-12-31", "2026-01-01");
    assert_eq!(signals(&o), vec![(2, "meeting.minutes_copy", vec![1, 3]), (3, "meeting.minutes_copy", vec![1, 2])]);
    let f = o.findings.iter().find(|f| f.org_id == 3).unwrap();
    assert_eq!(f.message, "会议记录与2025-03-05的会议记录（编号1）高度相似（指纹相差0位），疑似复制");
    assert_eq!(f.period, Period::Month(2025, 3));
    // With no tolerance only the exact copy is found.
    let bits = (minutes_hash(text, 60).unwrap() ^ minutes_hash(&copy, 60).unwrap()).count_ones();
    assert!((1..=3).contains(&bits), "{bits}");
    let exact = run(
        &input(vec![], meetings),
        &only(&[("meeting.minutes_similarity_bits", 0)]),
        "2025-01-01",
        "2025-12-31",
        "2026-01-01",
    );
    assert_eq!(signals(&exact), vec![(3, "meeting.minutes_copy", vec![1, 2])]);
}

fn attended(id: i64, held_on: &str, present_ids: Vec<i64>, expected: u32) -> MeetingInput {
    MeetingInput { present_ids, expected, ..meeting(id, 1, &[MeetingKind::CommitteeMeeting], held_on) }
}

#[test]
fn the_same_attendance_list_six_months_running() {
    let months = ["2025-01-10", "2025-02-11", "2025-03-12", "2025-04-13", "2025-05-14", "2025-06-15", "2025-08-15"];
    let same: Vec<MeetingInput> =
        months.iter().enumerate().map(|(k, m)| attended(k as i64 + 1, m, vec![1, 2, 3], 4)).collect();
    let o = run(&input(vec![branch(1)], same.clone()), &only(&[]), "2025-01-01", "2025-12-31", "2026-01-01");
    assert_eq!(signals(&o), vec![(1, "meeting.same_attendance", vec![1, 2, 3, 4, 5, 6])]);
    let f = &o.findings.iter().find(|f| f.rule_id == "meeting.same_attendance").unwrap();
    assert_eq!(f.message, "2025年1月至2025年6月连续6个月的会议到会名单完全相同（每次到会3人，均有人缺席）");
    assert_eq!((f.period, &f.evidence.members), (Period::Month(2025, 1), &vec![1, 2, 3]));

    // Five months are not enough; nobody absent is no sign; the window cuts the run.
    let five = input(vec![branch(1)], same[1..].to_vec());
    assert!(signals(&run(&five, &only(&[]), "2025-01-01", "2025-12-31", "2026-01-01")).is_empty());
    let full: Vec<MeetingInput> = same.iter().map(|m| MeetingInput { expected: 3, ..m.clone() }).collect();
    assert!(
        signals(&run(&input(vec![branch(1)], full), &only(&[]), "2025-01-01", "2025-12-31", "2026-01-01")).is_empty()
    );
    assert!(
        signals(&run(&input(vec![branch(1)], same), &only(&[]), "2025-02-01", "2025-12-31", "2026-01-01")).is_empty()
    );
}
