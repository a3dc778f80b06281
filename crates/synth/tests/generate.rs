//! Generation without a database: determinism, sizes, structural invariants and the flaws.

// Test helpers outside #[test] functions unwrap too (clippy only exempts the test functions).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};

use chrono::{Months, NaiveDate};
use jiceng_synth::{County, Scale, account_summary, generate};
use jiceng_types::person::{ETHNIC_GROUPS, Gender, MemberCategory, MemberStatus};
use jiceng_types::{OrgCode, OrgDomain, OrgKind, OrgName, OrgStatus, Role, Username};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

fn months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n)).unwrap()
}

fn same(a: &County, b: &County) -> bool {
    a.name == b.name
        && format!("{:?}", a.orgs) == format!("{:?}", b.orgs)
        && format!("{:?}", a.members) == format!("{:?}", b.members)
        && format!("{:?}", a.users) == format!("{:?}", b.users)
}

#[test]
fn scales_parse() {
    assert_eq!(Scale::parse("tiny"), Some(Scale::Tiny));
    assert_eq!("County".parse::<Scale>(), Ok(Scale::County));
    assert_eq!(Scale::parse("省级规模"), Some(Scale::Province));
    assert!("village".parse::<Scale>().is_err());
    for s in Scale::ALL {
        assert_eq!(Scale::parse(s.key()), Some(s));
        assert!(!s.label().is_empty());
    }
}

#[test]
fn same_seed_same_county_and_other_seeds_differ() {
    for scale in [Scale::Tiny, Scale::County] {
        let a = generate(scale, 7, today());
        let b = generate(scale, 7, today());
        assert!(same(&a, &b), "{scale:?} is not deterministic");
        let c = generate(scale, 8, today());
        assert!(!same(&a, &c), "{scale:?}: seeds 7 and 8 gave the same county");
    }
    // Another day moves the dates, not the tree.
    let a = generate(Scale::Tiny, 7, today());
    let later = generate(Scale::Tiny, 7, today().succ_opt().unwrap());
    assert_eq!(a.orgs.len(), later.orgs.len());
}

#[test]
fn tiny_sizes_are_in_range() {
    for seed in 0..40 {
        let c = generate(Scale::Tiny, seed, today());
        assert!((40..=60).contains(&c.orgs.len()), "seed {seed}: {} orgs", c.orgs.len());
        assert!((700..=900).contains(&c.members.len()), "seed {seed}: {} members", c.members.len());
    }
}

#[test]
fn county_sizes_are_in_range() {
    for seed in 0..3 {
        let c = generate(Scale::County, seed, today());
        assert!((1_900..=2_300).contains(&c.orgs.len()), "seed {seed}: {} orgs", c.orgs.len());
        assert!((36_000..=44_000).contains(&c.members.len()), "seed {seed}: {} members", c.members.len());
    }
}

#[test]
fn tiny_is_sound_and_has_every_flaw() {
    for seed in [1, 2, 3, 42] {
        check(&generate(Scale::Tiny, seed, today()), today());
    }
}

#[test]
fn county_is_sound_and_has_every_flaw() {
    let c = generate(Scale::County, 1, today());
    check(&c, today());
    // Every domain of the county is represented.
    let domains: HashSet<OrgDomain> = c.orgs.iter().map(|o| o.domain).collect();
    for d in [
        OrgDomain::Rural,
        OrgDomain::Community,
        OrgDomain::Organ,
        OrgDomain::School,
        OrgDomain::Health,
        OrgDomain::StateEnterprise,
        OrgDomain::PrivateEnterprise,
        OrgDomain::SocialOrg,
        OrgDomain::NewEmployment,
    ] {
        assert!(domains.contains(&d), "no {d:?} organization");
    }
    let kinds: HashSet<OrgKind> = c.orgs.iter().map(|o| o.kind).collect();
    assert_eq!(kinds.len(), OrgKind::ALL.len(), "every kind appears: {kinds:?}");
    // About 70% men, mostly 汉族 with a real minority share.
    let n = c.members.len() as f64;
    let women = c.members.iter().filter(|m| m.gender == Gender::Female).count() as f64 / n;
    assert!((0.2..0.4).contains(&women), "women {women}");
    let han = c.members.iter().filter(|m| m.ethnicity == "汉族").count() as f64 / n;
    assert!((0.5..0.75).contains(&han), "汉族 {han}");
    let prob = c.members.iter().filter(|m| m.category == MemberCategory::Probationary).count() as f64 / n;
    assert!((0.02..0.045).contains(&prob), "probationary {prob}");
}

#[test]
fn demo_accounts_cover_every_role() {
    let c = generate(Scale::Tiny, 1, today());
    let roles: HashSet<Role> = c.users.iter().map(|u| u.role).collect();
    for r in Role::ALL {
        assert!(roles.contains(r), "no account with role {r:?}");
    }
    let ids: HashMap<i64, &jiceng_store::seed::OrgSeed> = c.orgs.iter().map(|o| (o.id, o)).collect();
    for u in &c.users {
        assert_eq!(Username::parse(&u.username).unwrap().as_str(), u.username);
        assert!(!u.display_name.is_empty());
        assert_eq!(u.org_id.is_none(), u.role.is_system(), "{}", u.username);
        if let Some(id) = u.org_id {
            assert_eq!(ids[&id].status, OrgStatus::Active);
        }
    }
    let by_name: HashMap<&str, &jiceng_store::seed::UserSeed> =
        c.users.iter().map(|u| (u.username.as_str(), u)).collect();
    assert_eq!(by_name["county_admin"].org_id, Some(1));
    let secretary = by_name["secretary"];
    assert!(ids[&secretary.org_id.unwrap()].kind.is_branch());
    assert!(ids[&secretary.org_id.unwrap()].name.contains('村'));
    assert_eq!(by_name["member"].org_id, secretary.org_id);
    // The secretary and the member are members of their branch.
    let names: Vec<&str> =
        c.members.iter().filter(|m| Some(m.org_id) == secretary.org_id).map(|m| m.name.as_str()).collect();
    assert!(names.contains(&secretary.display_name.as_str()));
    assert!(names.contains(&by_name["member"].display_name.as_str()));
    let town = ids[&by_name["town_admin"].org_id.unwrap()];
    assert!(town.name.ends_with("镇党委") || town.name.ends_with("乡党委"), "{}", town.name);

    let summary = account_summary(&c);
    assert_eq!(summary.len(), c.users.len());
    assert!(
        summary.iter().any(|(u, role, org)| u == "secretary" && role == "支部书记/录入员" && org.ends_with("党支部"))
    );
}

/// Every invariant the loader and the checks rely on, and the presence of every flaw.
fn check(c: &County, today: NaiveDate) {
    let orgs = &c.orgs;
    assert!(!orgs.is_empty());
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    let mut by_id = HashMap::new();
    for (i, o) in orgs.iter().enumerate() {
        assert_eq!(o.id, i as i64 + 1, "ids are sequential from 1");
        match o.parent_id {
            None => assert_eq!(i, 0, "only the first organization is a root"),
            Some(p) => {
                let parent: &jiceng_store::seed::OrgSeed = by_id.get(&p).copied().expect("parent emitted before child");
                assert!(!parent.kind.is_branch(), "{} is under the branch {}", o.name, parent.name);
                assert_eq!(parent.status, OrgStatus::Active, "{} is under an inactive parent", o.name);
                assert!(
                    o.code.starts_with(&parent.code) && o.code.len() > parent.code.len(),
                    "code {} under {}",
                    o.code,
                    parent.code
                );
            }
        }
        if o.kind == OrgKind::CountyCommittee {
            assert!(o.parent_id.is_none(), "县委 only at the root");
        }
        assert!(codes.insert(o.code.clone()), "duplicate code {}", o.code);
        assert!(names.insert(o.name.clone()), "duplicate name {}", o.name);
        assert_eq!(OrgCode::parse(&o.code).unwrap().as_str(), o.code);
        assert_eq!(OrgName::parse(&o.name).unwrap().as_str(), o.name);
        let (est, start, end) = (o.established_on.unwrap(), o.term_start.unwrap(), o.term_end.unwrap());
        assert!(est <= start && start < end && start <= today, "{}: {est} {start} {end}", o.name);
        let years = [3, 5].into_iter().find(|y| months(start, 12 * y).pred_opt() == Some(end));
        let years = years.unwrap_or_else(|| panic!("{}: term {start}–{end} is not 3 or 5 years", o.name));
        let village = matches!(o.domain, OrgDomain::Rural | OrgDomain::Community)
            && (o.name.contains("村") || o.name.contains("社区"))
            && !o.name.contains("农民专业合作社");
        if village {
            assert_eq!(years, 5, "{}: village and community terms are five years", o.name);
        } else if o.kind.is_branch() || o.kind == OrgKind::GeneralBranch {
            assert_eq!(years, 3, "{}: other branches' terms are three years", o.name);
        }
        match o.status {
            OrgStatus::Active => assert!(o.status_on.is_none()),
            _ => assert!(o.status_on.is_some_and(|d| d >= start && d < today), "{}", o.name),
        }
        by_id.insert(o.id, o);
    }
    assert_eq!(orgs[0].parent_id, None);

    let mut size: HashMap<i64, usize> = HashMap::new();
    let mut full: HashMap<i64, usize> = HashMap::new();
    let (mut under_18, mut overdue) = (0, 0);
    let mut statuses = HashSet::new();
    for m in &c.members {
        let org = by_id.get(&m.org_id).expect("member's organization exists");
        assert_eq!(org.status, OrgStatus::Active, "member in inactive {}", org.name);
        *size.entry(m.org_id).or_default() += 1;
        assert!(ETHNIC_GROUPS.contains(&m.ethnicity), "{}", m.ethnicity);
        assert!((2..=3).contains(&m.name.chars().count()), "{}", m.name);
        assert!(m.birth_date <= months(today, 0).checked_sub_months(Months::new(12 * 20)).unwrap(), "younger than 20");
        assert!(m.birth_date > today.checked_sub_months(Months::new(12 * 91)).unwrap(), "older than 90");
        assert!(m.admitted_on <= today && m.admitted_on > m.birth_date);
        if m.admitted_on < months(m.birth_date, 12 * 18) {
            under_18 += 1;
        }
        statuses.insert(m.status);
        match m.category {
            MemberCategory::Full => {
                let reg = m.regularized_on.expect("full members are regularized");
                assert_eq!(reg, months(m.admitted_on, 12));
                assert!(reg <= today);
                *full.entry(m.org_id).or_default() += 1;
            }
            MemberCategory::Probationary => {
                assert!(m.regularized_on.is_none());
                if months(m.admitted_on, 12) < today {
                    overdue += 1;
                }
            }
        }
    }
    assert!(statuses.contains(&MemberStatus::Suspended) && statuses.contains(&MemberStatus::Left));

    // The flaws.
    let branches: Vec<_> = orgs.iter().filter(|o| o.kind.is_branch() && o.status == OrgStatus::Active).collect();
    let expired = orgs.iter().filter(|o| o.status == OrgStatus::Active && o.term_end.unwrap() < today).count();
    let two = branches.iter().filter(|o| size.get(&o.id) == Some(&2)).count();
    let over_50 = branches.iter().filter(|o| size.get(&o.id).is_some_and(|n| *n > 50)).count();
    let seven_full = branches.iter().filter(|o| full.get(&o.id).is_some_and(|n| *n >= 7)).count();
    let dissolved: Vec<_> = orgs.iter().filter(|o| o.status == OrgStatus::Dissolved).collect();
    // Exactly the deliberate flaws, a few per county: ordinary generation makes none of them.
    let (n, m) = (orgs.len(), c.members.len());
    assert_eq!(expired, (n / 300).max(2), "expired terms");
    assert_eq!(two, (n / 1000).max(1), "two-member branches");
    assert_eq!(over_50, (n / 1000).max(1), "branches over 50");
    assert_eq!(dissolved.len(), (n / 800).max(1), "dissolved organizations");
    assert!(seven_full >= 1, "branches with 7 full members: {seven_full}");
    for d in &dissolved {
        assert!(!size.contains_key(&d.id), "dissolved {} has members", d.name);
        assert!(!orgs.iter().any(|o| o.parent_id == Some(d.id)), "dissolved {} has children", d.name);
    }
    assert_eq!(under_18, (m / 40_000).max(1), "members admitted before 18");
    assert_eq!(overdue, (m / 20_000).max(2), "overdue probationary members");
}

/// Province generation is fast enough for a benchmark setup (run with
/// `cargo test -p jiceng-synth --release -- --ignored --nocapture`).
#[test]
#[ignore = "generates 1.5 million members; run in release mode"]
fn province_generation_time() {
    let t = std::time::Instant::now();
    let c = generate(Scale::Province, 1, today());
    let took = t.elapsed();
    println!("province {}: {} orgs, {} members in {took:.2?}", c.name, c.orgs.len(), c.members.len());
    assert!((70_000..=90_000).contains(&c.orgs.len()));
    assert!((1_350_000..=1_650_000).contains(&c.members.len()));
    assert_eq!(c.orgs.iter().filter(|o| o.kind == OrgKind::CountyCommittee).count(), 0);
    check(&c, today());
}

/// Sizes and times of every scale (release mode: `… --release -- --ignored --nocapture`).
#[test]
#[ignore = "prints sizes and times"]
fn sizes_and_times() {
    for scale in Scale::ALL {
        let t = std::time::Instant::now();
        let c = generate(scale, 1, today());
        println!("{}: {} orgs, {} members in {:.2?}", scale.key(), c.orgs.len(), c.members.len(), t.elapsed());
    }
}
