//! Unit tests of the organizational-life rules at their boundaries. Every test switches on only
//! the rules it is about ([`only`]), so that the other rules' findings do not get in the way.

mod frequency;
mod hash;
mod people;
mod signals;
mod study;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use jiceng_types::{MeetingKind, OrgKind, Period};

use super::*;

/// Minutes of normal length.
const MINUTES: &str = "2025年3月5日上午9时，第一党支部在村委会会议室召开支部党员大会，应到党员23名，实到21名，2名党员因外出务工请假。会议由支部书记张建国主持。会议第一项议程，传达学习习近平总书记在全国两会期间的重要讲话精神，支部书记领学，与会党员结合实际交流发言。会议第二项议程，讨论通过了接收李明同志为预备党员的决议，到会有表决权的正式党员20名，赞成20票。会议第三项议程，部署春耕生产和人居环境整治工作，明确党员责任区，要求每名党员联系5户群众，及时收集群众意见建议。会议要求全体党员发挥先锋模范作用，带头参加志愿服务。";

/// Unrelated minutes.
const OTHER: &str = "2025年6月18日，机关第二党支部召开支部委员会会议，全体委员到会。会议学习了《中国共产党纪律处分条例》第三章内容，研究了下半年党员发展计划，确定两名入党积极分子的培养联系人，并对党费收缴情况进行了通报。会议还讨论了结对帮扶工作，决定七月份组织党员到帮扶村开展走访慰问，为困难群众解决实际问题。会后，委员们分别对分管工作提出了意见和建议，支部书记进行了总结讲话。";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn branch(id: i64) -> OrgInput {
    OrgInput {
        id,
        kind: OrgKind::Branch,
        created_on: None,
        ended_on: None,
        team: Vec::new(),
        groups: Vec::new(),
        members: Vec::new(),
    }
}

fn tenure(member: i64, secretary: bool, from: &str, to: Option<&str>) -> Tenure {
    Tenure { member_id: Some(member), secretary, from: d(from), to: to.map(d) }
}

/// A meeting entered on the evening of the day it was held.
fn meeting(id: i64, org_id: i64, kinds: &[MeetingKind], held_on: &str) -> MeetingInput {
    MeetingInput {
        id,
        org_id,
        group_id: None,
        kinds: KindSet::of(kinds),
        held_on: d(held_on),
        recorded_at: at(&format!("{held_on} 20:00")),
        recorded_by: 1,
        lecturer: None,
        expected: 10,
        present: 9,
        present_ids: Vec::new(),
        study_items: Vec::new(),
        first_agenda: true,
        minutes_hash: None,
        votes: Vec::new(),
    }
}

/// The parameters with every counting rule off except the given overrides.
fn only(overrides: &[(&str, i64)]) -> Params {
    let mut o: BTreeMap<String, i64> = [
        "branch.general_meeting.min_per_quarter",
        "branch.committee_meeting.min_per_month",
        "group.meeting.min_per_month",
        "branch.lecture.min_per_quarter",
        "branch.theme_day.min_per_month",
        "branch.org_life_meeting.min_per_year",
        "branch.appraisal.min_per_year",
        "branch.secretary.lectures_min_per_year",
        "committee.secretary.lectures_min_per_year",
        "talks.min_per_pair_per_year",
    ]
    .iter()
    .map(|k| (k.to_string(), 0))
    .collect();
    for (k, v) in overrides {
        o.insert(k.to_string(), *v);
    }
    Params::with_overrides(&o).unwrap()
}

fn input(orgs: Vec<OrgInput>, meetings: Vec<MeetingInput>) -> Input {
    Input { orgs, meetings, ..Input::default() }
}

fn run(input: &Input, params: &Params, from: &str, to: &str, as_of: &str) -> Outcome {
    evaluate(input, params, d(from), d(to), d(as_of))
}

/// The (rule, period key) of each finding.
fn found(o: &Outcome) -> Vec<(&'static str, String)> {
    o.findings.iter().map(|f| (f.rule_id, f.period.key())).collect()
}

/// The (period key, status) of each obligation of a rule.
fn cells(o: &Outcome, rule: &str) -> Vec<(String, CellStatus)> {
    o.obligations.iter().filter(|c| c.rule_id == rule).map(|c| (c.period.key(), c.status)).collect()
}

#[test]
fn kind_sets() {
    assert!(MeetingKind::ALL.iter().enumerate().all(|(i, k)| *k as usize == i), "bit i is ALL[i]");
    let s = KindSet::of(&[MeetingKind::ThemeDay, MeetingKind::GeneralMeeting]);
    assert_eq!(s.0, 0b1_0001);
    assert!(s.contains(MeetingKind::ThemeDay) && !s.contains(MeetingKind::Lecture));
    assert_eq!(s.iter().collect::<Vec<_>>(), vec![MeetingKind::GeneralMeeting, MeetingKind::ThemeDay]);
    assert!(KindSet::default().is_empty() && !s.is_empty());
    assert_eq!(KindSet::of(MeetingKind::ALL).iter().count(), MeetingKind::ALL.len());
}

#[test]
fn rule_table() {
    assert!(RULES.windows(2).all(|w| w[0].id < w[1].id), "sorted and unique");
    for rule in &super::frequency::FREQ {
        assert!(RULES.iter().any(|r| r.id == rule.key), "{}", rule.key);
        assert!(PARAMS.iter().any(|p| p.key == rule.key), "{}", rule.key);
    }
    assert!(RULES.iter().all(|r| !r.label.is_empty() && !r.explanation.is_empty()));
    assert_eq!(RULES.iter().filter(|r| r.signal).count(), 4);
    assert_eq!(rule_label("first_agenda.not_studied"), "第一议题应学未学");
    assert_eq!(rule_label("org.term.expired"), "任期届满未换届");
    assert_eq!(rule_label("no.such.rule"), "未知规则");
}

#[test]
fn params_defaults_overrides_and_errors() {
    let p = Params::default();
    assert_eq!(PARAMS.len(), 23);
    assert!(PARAMS.iter().all(|d| d.min <= d.default && d.default <= d.max), "defaults within range");
    assert_eq!(p.get("branch.committee_meeting.quorum"), 50);
    assert_eq!(p.get("election.quorum"), 80);
    assert_eq!(p.get("edu.secretary_hours_min"), 56);
    assert!(p.overrides().is_empty());

    let o: BTreeMap<String, i64> = [("first_agenda.within_days".to_string(), 10)].into();
    let q = Params::with_overrides(&o).unwrap();
    assert_eq!(q.get("first_agenda.within_days"), 10);
    assert_eq!(q.overrides(), o);
    assert_eq!(Params::with_overrides(&q.overrides()), Ok(q));

    let bad: BTreeMap<String, i64> =
        [("no.such".to_string(), 1), ("vote.pass".to_string(), 100), ("meeting.backfill_burst".to_string(), 1)].into();
    let errors = Params::with_overrides(&bad).unwrap_err();
    assert_eq!(errors.len(), 3);
    assert!(errors.iter().any(|(k, m)| k == "no.such" && m.contains("未知")));
    assert!(errors.iter().any(|(k, m)| k == "vote.pass" && m.contains("0至99")), "{errors:?}");
}

#[test]
fn an_empty_or_reversed_window_gives_nothing() {
    let i = input(vec![branch(1)], vec![]);
    assert_eq!(run(&i, &Params::default(), "2025-03-01", "2025-02-01", "2026-01-01"), Outcome::default());
    assert_eq!(
        run(&Input::default(), &Params::default(), "2025-01-01", "2025-12-31", "2026-01-01"),
        Outcome::default()
    );
}

#[test]
fn synthetic_input_is_deterministic_and_evaluates_in_order() {
    let a = synthetic_input(300, 42, 7);
    assert_eq!(a, synthetic_input(300, 42, 7));
    assert_eq!(a.meetings.len(), 300 * 42);
    assert_ne!(a, synthetic_input(300, 42, 8));
    let o = evaluate(&a, &Params::default(), d("2025-01-01"), d("2025-12-31"), d("2026-01-31"));
    assert!(o.obligations.is_sorted_by_key(|c| (c.org_id, c.rule_id, c.period, c.group_id)));
    assert!(o.findings.is_sorted_by_key(|f| (f.org_id, f.rule_id, f.period)));
    assert!(o.studies.is_sorted_by_key(|s| (s.org_id, s.study_item_id)));
    assert!(o.rates.is_sorted_by_key(|r| (r.org_id, r.period)));
    for rule in
        ["branch.theme_day.min_per_month", "meeting.minutes_copy", "meeting.backfill_burst", "first_agenda.late"]
    {
        assert!(o.findings.iter().any(|f| f.rule_id == rule), "{rule}");
    }
    assert_eq!(
        o,
        super::reference::evaluate(&a, &Params::default(), d("2025-01-01"), d("2025-12-31"), d("2026-01-31"))
    );
}

#[test]
fn the_order_of_the_input_does_not_matter() {
    let a = synthetic_input(1_100, 20, 3);
    let mut b = a.clone();
    b.orgs.reverse();
    b.meetings.reverse();
    b.meetings.swap(0, 7_000);
    b.study_items.reverse();
    b.hours.reverse();
    let run = |i: &Input| evaluate(i, &Params::default(), d("2025-01-01"), d("2025-12-31"), d("2026-01-31"));
    let (x, y) = (run(&a), run(&b));
    assert!(x.obligations.len() > 20_000);
    assert_eq!(x, y);
}

/// `cargo test -p jiceng-rules --release -- --ignored --nocapture province_year`
#[test]
#[ignore]
fn province_year_timing() {
    let t = std::time::Instant::now();
    let input = synthetic_input(80_000, 42, 1);
    let built = t.elapsed();
    let params = Params::default();
    // The process's CPU time in ms (Linux; 0 elsewhere): the machine may be shared, so wall time
    // alone does not say what evaluate costs.
    let cpu_ms = || {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let f: Vec<u64> =
            stat.rsplit(')').next().unwrap_or("").split_whitespace().filter_map(|x| x.parse().ok()).collect();
        f.get(9).zip(f.get(10)).map_or(0, |(u, s)| (u + s) * 10)
    };
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut out = Outcome::default();
    for _ in 0..5 {
        drop(std::mem::take(&mut out));
        let (t, c) = (std::time::Instant::now(), cpu_ms());
        out = evaluate(&input, &params, d("2025-01-01"), d("2025-12-31"), d("2026-01-31"));
        times.push(t.elapsed());
        cpu.push(cpu_ms() - c);
    }
    times.sort();
    cpu.sort();
    let mut by_rule = BTreeMap::new();
    for f in &out.findings {
        *by_rule.entry(f.rule_id).or_insert(0usize) += 1;
    }
    println!("{by_rule:#?}");
    println!(
        "synthetic_input(80_000, 42, 1): built in {built:?}, {} meetings; evaluate in {:?} (best of 5), {:?} (median), \
         {} ms of CPU (median); {} obligations, {} findings, {} studies, {} rates",
        input.meetings.len(),
        times[0],
        times[2],
        cpu[2],
        out.obligations.len(),
        out.findings.len(),
        out.studies.len(),
        out.rates.len()
    );
}
