#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The generated year of organizational life: deterministic, with normal minutes that are not
//! near-copies, and — once loaded — a sample of every finding the compliance checks make.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use jiceng_rules::meeting::{FindingKind, RULES, minutes_hash};
use jiceng_store::meeting::compliance;
use jiceng_store::meeting::{self, MeetingFilter};
use jiceng_synth::{County, Scale, generate, load};
use jiceng_types::{MeetingKind, Period, Scope};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

/// The first day generated: the start of the quarter a year before today.
fn start(today: NaiveDate) -> NaiveDate {
    Period::quarter_of(today.checked_sub_months(Months::new(12)).unwrap()).start()
}

#[test]
fn same_seed_same_year_other_seed_another() {
    let a = generate(Scale::Tiny, 5, today());
    let b = generate(Scale::Tiny, 5, today());
    assert!(!a.life.meetings.is_empty());
    assert!(a.life == b.life, "the same seed gave another year");
    let c = generate(Scale::Tiny, 6, today());
    assert!(a.life != c.life);
    // The province leaves it out (it would not load in time).
    assert!(Scale::ALL.contains(&Scale::Province));
}

/// Counts by kind, and the invariants every record keeps.
fn check(c: &County, today: NaiveDate) {
    let l = &c.life;
    let first = start(today);
    let items: HashMap<i64, NaiveDate> = l.study_items.iter().map(|s| (s.id, s.published_on)).collect();
    let groups: HashMap<i64, i64> = l.groups.iter().map(|g| (g.id, g.org_id)).collect();
    let orgs: HashMap<i64, &jiceng_store::seed::OrgSeed> = c.orgs.iter().map(|o| (o.id, o)).collect();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, m) in l.meetings.iter().enumerate() {
        assert_eq!(m.id, k as i64 + 1);
        assert!(!m.kinds.is_empty(), "{m:?}");
        assert!(m.held_on >= first && m.held_on <= today, "{}", m.held_on);
        let lag = (m.recorded_at.date_naive() - m.held_on).num_days();
        assert!((0..=60).contains(&lag) || m.recorded_by.is_some(), "lag {lag}");
        assert!(m.recorded_at.date_naive() <= today);
        for s in &m.study_items {
            assert!(items[s] <= m.held_on, "studied before publication");
        }
        if let Some(g) = m.group_id {
            assert_eq!(groups[&g], m.org_id);
        }
        assert_eq!(m.kinds.contains(&MeetingKind::GroupMeeting), m.group_id.is_some());
        if m.kinds.contains(&MeetingKind::Lecture) {
            assert!(m.lecturer.is_some() || m.lecturer_name.is_some());
        }
        let org = orgs[&m.org_id];
        assert!(org.established_on.is_none_or(|e| e <= m.held_on));
        if m.attendance.is_empty() {
            assert!(m.present <= m.expected);
        }
        if m.kinds.contains(&MeetingKind::Talk) {
            assert_eq!(m.attendance.len(), 2);
        }
        for v in &m.votes {
            assert!(v.present <= v.eligible && v.in_favour + v.against + v.abstain <= v.present, "{v:?}");
        }
        for k in &m.kinds {
            *kinds.entry(k.label()).or_default() += 1;
        }
    }
    for g in &l.groups {
        assert!(g.members.len() >= 2);
        assert!(g.leader.is_none_or(|m| g.members.contains(&m)));
    }
    for t in &l.trainings {
        assert!(!t.participants.is_empty() && t.hours > 0.0 && t.held_on <= today);
    }
    println!("{kinds:?}");
    for k in [
        MeetingKind::ThemeDay,
        MeetingKind::GeneralMeeting,
        MeetingKind::Lecture,
        MeetingKind::CommitteeMeeting,
        MeetingKind::GroupMeeting,
        MeetingKind::OrgLifeMeeting,
        MeetingKind::MemberAppraisal,
        MeetingKind::PartyCommitteeMeeting,
        MeetingKind::CentralGroupStudy,
        MeetingKind::Talk,
    ] {
        assert!(kinds.get(k.label()).is_some_and(|n| *n > 0), "no {}", k.label());
    }
    assert!(l.appraisals.len() > c.members.len() / 2, "appraisals {}", l.appraisals.len());
    assert!((20..=45).contains(&l.study_items.len()), "{} study items", l.study_items.len());
}

#[test]
fn tiny_and_county_years_are_consistent() {
    check(&generate(Scale::Tiny, 1, today()), today());
    let c = generate(Scale::County, 1, today());
    check(&c, today());
    // Another time of year: the window moves with today.
    let autumn = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    check(&generate(Scale::Tiny, 1, autumn), autumn);
}

/// The minutes with the meeting date removed: a deliberate copy changes only the date.
fn undated(text: &str) -> &str {
    text.split_once('，').map_or(text, |(_, rest)| rest)
}

/// Pairs of minutes within 3 bits of each other that are not deliberate copies (band LSH: four
/// bands of 16 bits, so pairs within 3 bits share a band).
fn near_copies(c: &County) -> (usize, usize) {
    let minutes: Vec<(u64, &str)> = c
        .life
        .meetings
        .iter()
        .filter_map(|m| m.minutes.as_deref())
        .filter_map(|t| minutes_hash(t, 60).map(|h| (h, t)))
        .collect();
    let mut pairs = std::collections::HashSet::new();
    for band in 0..4 {
        let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, (h, _)) in minutes.iter().enumerate() {
            buckets.entry((h >> (band * 16)) & 0xFFFF).or_default().push(i);
        }
        for list in buckets.values() {
            for (x, &i) in list.iter().enumerate() {
                for &j in &list[x + 1..] {
                    if (minutes[i].0 ^ minutes[j].0).count_ones() <= 3 {
                        pairs.insert((i.min(j), i.max(j)));
                    }
                }
            }
        }
    }
    let deliberate = pairs.iter().filter(|(i, j)| undated(minutes[*i].1) == undated(minutes[*j].1)).count();
    (pairs.len() - deliberate, deliberate)
}

#[test]
fn normal_minutes_are_not_near_copies_and_copies_are() {
    let (accidental, deliberate) = near_copies(&generate(Scale::Tiny, 3, today()));
    assert_eq!(accidental, 0);
    assert!(deliberate >= 3, "{deliberate} deliberate copies found");
}

/// The same over a whole county (some 60,000 minutes; slow in a debug build).
#[test]
#[ignore = "hashes a county's minutes; run with --ignored"]
fn county_minutes_are_not_near_copies() {
    let (accidental, deliberate) = near_copies(&generate(Scale::County, 2023, today()));
    println!("accidental {accidental}, deliberate {deliberate}");
    assert!(accidental <= 2, "{accidental} accidental near-copies");
    assert!(deliberate >= 3);
}

/// Load a county and count the findings of every rule over the year generated.
async fn findings(db: &jiceng_store::Db, county: &County, today: NaiveDate) -> BTreeMap<&'static str, usize> {
    load(db, county, "Demo-Passw0rd!").await.unwrap();
    let cli = Scope::cli();
    let page = meeting::list(db, &cli, &MeetingFilter::default(), 1, 20).await.unwrap();
    assert!(!page.items.is_empty(), "the meeting list has rows");
    assert_eq!(page.total, county.life.meetings.len() as u64);
    let report = compliance::check(db, &cli, start(today), today, today).await.unwrap();
    let mut counts: BTreeMap<&'static str, usize> = RULES.iter().map(|r| (r.id, 0)).collect();
    for f in &report.outcome.findings {
        *counts.entry(f.rule_id).or_default() += 1;
    }
    let signals = report.outcome.findings.iter().filter(|f| f.kind == FindingKind::Signal).count();
    println!("{} findings ({signals} signals): {counts:#?}", report.outcome.findings.len());
    counts
}

jiceng_store::dual_test!(every_rule_finds_a_sample_gap, |db: jiceng_store::Db| async move {
    let county = generate(Scale::Tiny, 1, today());
    let counts = findings(&db, &county, today()).await;
    let missing: Vec<&&str> = counts.iter().filter(|(_, n)| **n == 0).map(|(r, _)| r).collect();
    assert!(missing.is_empty(), "no sample of {missing:?}");
    assert_eq!(jiceng_store::audit::verify(&db).await.unwrap().first_broken, None);
});

/// The county demo: findings on every check, a few percent of the cells each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "loads a county; run with --ignored --nocapture"]
async fn county_findings() {
    let t = jiceng_store::testing::TestDb::sqlite().await.unwrap();
    let county = generate(Scale::County, 2023, today());
    let counts = findings(&t.db, &county, today()).await;
    let branches = county.orgs.iter().filter(|o| o.kind.is_branch()).count();
    assert!(counts.values().all(|n| *n > 0));
    // Months without a 主题党日: a few percent of branch-months.
    assert!(counts["branch.theme_day.min_per_month"] < branches * 13 / 20);
    t.cleanup().await;
}

/// The findings of a scope from the records kept in memory and from a reading from scratch.
async fn same_findings(kept: &jiceng_store::Db, fresh: &jiceng_store::Db, scopes: &[Scope], when: &str) {
    let t = today();
    let windows =
        [(start(t), t, t), (t.with_day(1).unwrap() - Months::new(3), t, t), (start(t), start(t) + Months::new(5), t)];
    for scope in scopes {
        for (from, to, as_of) in windows {
            let a = compliance::check(kept, scope, from, to, as_of).await.unwrap();
            let b = compliance::check(fresh, scope, from, to, as_of).await.unwrap();
            assert!(!b.outcome.obligations.is_empty());
            assert_eq!(a.outcome, b.outcome, "{when}: {scope:?} {from}..{to}");
            assert_eq!(a.orgs, b.orgs, "{when}");
            assert_eq!(a.study_titles, b.study_titles, "{when}");
        }
    }
}

jiceng_store::dual_test!(records_kept_in_memory_match_a_reading_from_scratch, |db: jiceng_store::Db| async move {
    use jiceng_store::Meta;
    use jiceng_store::meeting::{MeetingInput, ResidentStats, Source};
    use jiceng_types::{OrgId, OrgPath};
    let county = generate(Scale::Tiny, 1, today());
    load(&db, &county, "Demo-Passw0rd!").await.unwrap();
    let kept = db.clone().keep_org_life_in_memory();
    assert_eq!(db.org_life_in_memory_stats(), None);
    let root = &county.orgs[0];
    let township = county.orgs.iter().find(|o| o.parent_id == Some(root.id) && !o.kind.is_branch()).unwrap();
    let town_path = OrgPath::root(OrgId(root.id)).child(OrgId(township.id));
    let scopes = [Scope::cli(), Scope::cli_within(OrgPath::root(OrgId(root.id))), Scope::cli_within(town_path)];
    same_findings(&kept, &db, &scopes, "as loaded").await;
    let stats = |counties_read, orgs_reread| Some(ResidentStats { counties_read, orgs_reread });
    assert_eq!(kept.org_life_in_memory_stats(), stats(1, 0), "one county read once");

    // A meeting recorded and another deleted through another connection (as by another
    // process): only their organizations are read again.
    let branch = county.orgs.iter().find(|o| o.kind.is_branch() && o.parent_id == Some(township.id)).unwrap();
    let input = MeetingInput {
        org_id: OrgId(branch.id),
        group_id: None,
        kinds: vec![MeetingKind::ThemeDay, MeetingKind::GeneralMeeting],
        held_on: today() - Months::new(2),
        topic: "补开的主题党日".into(),
        place: None,
        host: None,
        lecturer_member_id: None,
        lecturer: None,
        minutes: None,
        decisions: None,
        criticism: None,
        absent_note: None,
        expected: 5,
        present: 2,
        attendance: vec![],
        agenda: vec![],
        study_items: vec![],
        votes: vec![],
        rectifications: vec![],
        source: Source::Form,
    };
    meeting::create(&db, &Scope::cli(), &Meta::cli(), input).await.unwrap();
    let other = county.life.meetings.iter().find(|m| m.org_id != branch.id && m.held_on > start(today())).unwrap();
    meeting::delete(&db, &Scope::cli(), &Meta::cli(), other.id, "重复录入").await.unwrap();
    same_findings(&kept, &db, &scopes, "after two meetings changed").await;
    assert_eq!(kept.org_life_in_memory_stats(), stats(1, 2));

    // A change of another kind (training hours) reads the county again, once.
    let training = county.life.trainings.first().unwrap();
    meeting::training::delete(&db, &Scope::cli(), &Meta::cli(), training.id, "录入错误").await.unwrap();
    same_findings(&kept, &db, &scopes, "after a training deleted").await;
    assert_eq!(kept.org_life_in_memory_stats(), stats(2, 2));
});
