//! Print the size, shape and generation time of each scale:
//! `cargo run -p jiceng-synth --release --example sizes [tiny|county|province] [seed]`.

use std::collections::BTreeMap;
use std::time::Instant;

use jiceng_synth::{Scale, generate};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scales: Vec<Scale> = match args.get(1).and_then(|s| Scale::parse(s)) {
        Some(s) => vec![s],
        None => Scale::ALL.to_vec(),
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default();
    for scale in scales {
        let t = Instant::now();
        let c = generate(scale, seed, today);
        let took = t.elapsed();
        println!(
            "{} ({}): {} orgs, {} members, {} users in {:.2?}",
            scale.key(),
            c.name,
            c.orgs.len(),
            c.members.len(),
            c.users.len(),
            took
        );
        let mut by_domain: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        let mut domain_of = std::collections::HashMap::new();
        for o in &c.orgs {
            by_domain.entry(o.domain.label()).or_default().0 += 1;
            domain_of.insert(o.id, o.domain.label());
        }
        for m in &c.members {
            by_domain.entry(domain_of[&m.org_id]).or_default().1 += 1;
        }
        for (d, (o, m)) in by_domain {
            println!("  {d}: {o} orgs, {m} members");
        }
        let female = c.members.iter().filter(|m| m.gender == jiceng_types::person::Gender::Female).count();
        let han = c.members.iter().filter(|m| m.ethnicity == "汉族").count();
        let prob =
            c.members.iter().filter(|m| m.category == jiceng_types::person::MemberCategory::Probationary).count();
        let n = c.members.len().max(1) as f64;
        println!(
            "  female {:.1}%, 汉族 {:.1}%, probationary {:.1}%",
            100.0 * female as f64 / n,
            100.0 * han as f64 / n,
            100.0 * prob as f64 / n
        );
        flaws(&c, today);
        let l = &c.life;
        let listed: usize = l.meetings.iter().map(|m| m.attendance.len()).sum();
        let agenda: usize = l.meetings.iter().map(|m| m.agenda.len()).sum();
        let taking: usize = l.trainings.iter().map(|t| t.participants.len()).sum();
        println!(
            "  life: {} study items, {} party groups, {} meetings ({listed} attendance rows, {agenda} agenda items), {} appraisal grades, {} trainings ({taking} participants)",
            l.study_items.len(),
            l.groups.len(),
            l.meetings.len(),
            l.appraisals.len(),
            l.trainings.len(),
        );
        if scale == Scale::County && std::env::var("SHOW").is_ok() {
            for o in c.orgs.iter().step_by(7) {
                println!("  {} {} {} {:?} {:?}–{:?}", o.id, o.code, o.name, o.kind, o.term_start, o.term_end);
            }
        }
        if scale == Scale::Tiny {
            for o in &c.orgs {
                println!("  {} {} {} {:?} {:?}–{:?}", o.id, o.code, o.name, o.kind, o.term_start, o.term_end);
            }
            for m in c.members.iter().take(10) {
                println!("  {m:?}");
            }
            for a in jiceng_synth::account_summary(&c) {
                println!("  {a:?}");
            }
        }
    }
}

/// Count the deliberate flaws.
fn flaws(c: &jiceng_synth::County, today: chrono::NaiveDate) {
    use jiceng_types::OrgStatus;
    use jiceng_types::person::MemberCategory;
    let mut size = std::collections::HashMap::new();
    for m in &c.members {
        *size.entry(m.org_id).or_insert(0usize) += 1;
    }
    let branch_sizes: Vec<usize> = c
        .orgs
        .iter()
        .filter(|o| o.kind.is_branch() && o.status == OrgStatus::Active)
        .map(|o| size.get(&o.id).copied().unwrap_or(0))
        .collect();
    let expired =
        c.orgs.iter().filter(|o| o.status == OrgStatus::Active && o.term_end.is_some_and(|e| e < today)).count();
    let dissolved = c.orgs.iter().filter(|o| o.status == OrgStatus::Dissolved).count();
    let year = |d: chrono::NaiveDate, n: u32| d.checked_add_months(chrono::Months::new(12 * n)).unwrap_or(d);
    let under_18 = c.members.iter().filter(|m| m.admitted_on < year(m.birth_date, 18)).count();
    let overdue = c
        .members
        .iter()
        .filter(|m| m.category == MemberCategory::Probationary && year(m.admitted_on, 1) < today)
        .count();
    println!(
        "  flaws: {expired} expired terms, {} two-member branches, {} branches over 50, {dissolved} dissolved, {under_18} admitted before 18, {overdue} overdue probationary",
        branch_sizes.iter().filter(|n| **n == 2).count(),
        branch_sizes.iter().filter(|n| **n > 50).count(),
    );
}
