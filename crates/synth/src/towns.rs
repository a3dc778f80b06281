//! The shape of a county: townships (乡镇) with their villages, streets (街道) with their
//! communities, and the county and province around them.
//!
//! Villages and communities with more than 48 members become a 党总支 (or, from 100, a 党委) with
//! branches below, as the rules on branch size require (ORG-03, ORG-05, ORG-06).

use jiceng_types::{OrgDomain, OrgKind};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::names::{ordinal, pick};
use crate::tree::{Builder, Profile, Term};

/// The kind of a township-level unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TownKind {
    /// 镇
    Town,
    /// 乡 (often a 民族乡)
    Xiang,
    /// 街道
    Street,
}

/// A township-level unit, for the county systems that have a unit in every township.
#[derive(Debug, Clone)]
pub(crate) struct Town {
    pub name: String,
    pub kind: TownKind,
    pub local: u8,
}

/// How big a county is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    pub towns: usize,
    pub xiang: usize,
    pub streets: usize,
    /// Villages per town, inclusive range.
    pub villages: (usize, usize),
    /// Villages per town on average (the county's total is fixed by it).
    pub villages_per_town: usize,
    /// Communities per street, inclusive range.
    pub communities: (usize, usize),
    /// Township extras: retired cadres' branch, cooperatives, enterprises, mobile members' branch.
    pub town_extras: bool,
    /// Every county-level unit is a single branch (the tiny scale).
    pub compact: bool,
    /// County organ units under the 县直机关工委.
    pub organ_units: usize,
    /// County-level schools.
    pub county_schools: usize,
    /// County hospitals and health units.
    pub health_units: usize,
    /// State enterprises.
    pub enterprises: usize,
    /// Private enterprises with their own branch.
    pub companies: usize,
    /// Joint branches of small private enterprises.
    pub joint: usize,
    /// Social organizations.
    pub social: usize,
    /// A year of organizational life (meetings, studies, training) is generated.
    pub life: bool,
}

/// Draw the members of one village (or community): mostly 20–90, a few larger (not at the tiny
/// scale, where one big village would be a large share of the county).
fn village_members(rng: &mut ChaCha8Rng, p: &Params) -> u32 {
    let (base, spread) = if p.compact { (20, 22) } else { (16, 42) };
    let n = base + rng.random_range(0..spread) + rng.random_range(0..spread);
    if !p.compact && rng.random_bool(0.08) { n + rng.random_range(40..120) } else { n }
}

/// Villages per rural township: drawn from the range, then nudged so the county's total is
/// `per_town × towns` (the county's size then varies little from seed to seed).
fn village_counts(rng: &mut ChaCha8Rng, p: &Params) -> Vec<usize> {
    let towns = p.towns + p.xiang;
    let (lo, hi) = p.villages;
    let mut counts: Vec<usize> = (0..towns).map(|_| rng.random_range(lo..=hi)).collect();
    let target = p.villages_per_town * towns;
    let mut guard = 0;
    while counts.iter().sum::<usize>() != target && guard < 10_000 && towns > 0 {
        guard += 1;
        let i = rng.random_range(0..towns);
        let sum: usize = counts.iter().sum();
        if sum < target && counts[i] < hi {
            counts[i] += 1;
        } else if sum > target && counts[i] > lo {
            counts[i] -= 1;
        }
    }
    counts
}

/// Split `total` members into `k` branches of similar size (each at least 3).
pub(crate) fn split(rng: &mut ChaCha8Rng, total: u32, k: u32) -> Vec<u32> {
    let k = k.max(1);
    let mut parts = vec![total / k; k as usize];
    for p in parts.iter_mut().take((total % k) as usize) {
        *p += 1;
    }
    // Shift a few members between neighbours so the sizes are not all equal.
    for i in 1..parts.len() {
        let movable = (parts[i].min(parts[i - 1]) / 4).min(8);
        if movable > 0 {
            let d = rng.random_range(0..=movable);
            parts[i] -= d;
            parts[i - 1] += d;
        }
    }
    parts
}

/// A village (or a community): a branch, or a general branch / committee with branches below
/// when it has more than 48 members (rules ORG-03, ORG-05, ORG-06).
fn village(b: &mut Builder, parent: usize, full: &str, domain: OrgDomain, total: u32, unit: &str) -> Option<usize> {
    let profile = if domain == OrgDomain::Community { Profile::Community } else { Profile::Rural };
    if total <= 48 {
        return Some(b.branch(parent, format!("{full}党支部"), domain, Term::Village, profile, total));
    }
    let (kind, label, k) = if total >= 100 {
        (OrgKind::Committee, "党委", total.div_ceil(40).clamp(3, 6))
    } else {
        (OrgKind::GeneralBranch, "党总支", total.div_ceil(40).clamp(2, 4))
    };
    let direct = if b.rng.random_bool(0.3) { b.rng.random_range(2..5) } else { 0 };
    let top = b.add(Some(parent), format!("{full}{label}"), kind, domain, Term::Village, profile, direct);
    let parts = split(&mut b.rng, total - direct, k);
    let last = parts.len();
    let mut first = None;
    for (i, size) in parts.into_iter().enumerate() {
        let special = if i + 1 == last && i > 0 && b.rng.random_bool(0.3) {
            Some(match domain {
                OrgDomain::Community => "离退休党员党支部".to_string(),
                _ => pick(&mut b.rng, &["产业党支部", "合作社党支部", "老年党员党支部"]).to_string(),
            })
        } else {
            None
        };
        let name = match special {
            Some(s) => format!("{full}{s}"),
            None => format!("{full}第{}{unit}党支部", ordinal(i + 1)),
        };
        let idx = b.branch(top, name, domain, Term::Village, profile, size);
        first.get_or_insert(idx);
    }
    first
}

/// A town or 乡 with its organ branch, villages and (at county scale) extras.
fn rural_town(b: &mut Builder, parent: usize, p: &Params, kind: TownKind, nth: usize, n: usize) -> Town {
    let suffix = if kind == TownKind::Xiang { "乡" } else { "镇" };
    let name = b.place(suffix, if kind == TownKind::Town { Some(nth) } else { None });
    let local = b.rng.random_range(0..crate::people::MINORITIES.len() as u8);
    let saved = b.local;
    b.local = local;
    let town = b.add(
        Some(parent),
        format!("{name}党委"),
        OrgKind::Committee,
        OrgDomain::Rural,
        Term::Village,
        Profile::Organ,
        0,
    );
    b.demo_town.get_or_insert(town);
    let organ = b.rng.random_range(20..46);
    b.branch(town, format!("{name}机关党支部"), OrgDomain::Organ, Term::Branch, Profile::Organ, organ);
    let mut seen: Vec<String> = Vec::with_capacity(n);
    for _ in 0..n {
        let mut v = b.namer.village(&mut b.rng);
        while seen.contains(&v) {
            v = b.namer.village(&mut b.rng);
        }
        seen.push(v.clone());
        let total = village_members(&mut b.rng, p);
        let first = village(b, town, &format!("{name}{v}村"), OrgDomain::Rural, total, "");
        if b.demo_town == Some(town) && b.demo_branch.is_none() {
            b.demo_branch = first;
        }
    }
    if p.town_extras {
        if b.rng.random_bool(0.7) {
            let size = b.rng.random_range(8..26);
            b.branch(town, format!("{name}直属事业单位党支部"), OrgDomain::Organ, Term::Branch, Profile::Organ, size);
        }
        if b.rng.random_bool(0.6) {
            let size = b.rng.random_range(6..22);
            b.branch(town, format!("{name}离退休干部党支部"), OrgDomain::Organ, Term::Branch, Profile::Retired, size);
        }
        for _ in 0..b.rng.random_range(0..4) {
            let brand = b.namer.brand(&mut b.rng);
            let what =
                pick(&mut b.rng, &["茶叶种植", "生猪养殖", "中药材种植", "蔬菜种植", "精品水果", "食用菌", "肉牛养殖"]);
            let size = b.rng.random_range(3..10);
            let name = format!("{name}{brand}{what}农民专业合作社党支部");
            b.branch(town, name, OrgDomain::Rural, Term::Branch, Profile::Rural, size);
        }
        for _ in 0..b.rng.random_range(1..5) {
            let county = b.county.clone();
            let company = b.namer.company(&mut b.rng, &county);
            let size = b.rng.random_range(3..12);
            let name = format!("{company}党支部");
            b.branch(town, name, OrgDomain::PrivateEnterprise, Term::Branch, Profile::Private, size);
        }
        if b.rng.random_bool(0.35) {
            let place = pick(&mut b.rng, &["浙江", "广东", "福建", "江苏", "上海"]);
            let size = b.rng.random_range(5..20);
            let name = format!("{name}驻{place}流动党员党支部");
            b.branch(town, name, OrgDomain::Rural, Term::Branch, Profile::NewEmployment, size);
        }
    }
    b.local = saved;
    Town { name, kind, local }
}

/// A street (街道) with its organ branch, communities and a joint branch of small enterprises.
fn street(b: &mut Builder, parent: usize, p: &Params) -> Town {
    let name = b.place("街道", None);
    let local = b.local;
    let top = b.add(
        Some(parent),
        format!("{name}党工委"),
        OrgKind::WorkingCommittee,
        OrgDomain::Community,
        Term::Village,
        Profile::Organ,
        0,
    );
    let organ = b.rng.random_range(15..36);
    b.branch(top, format!("{name}机关党支部"), OrgDomain::Organ, Term::Branch, Profile::Organ, organ);
    let n = b.rng.random_range(p.communities.0..=p.communities.1);
    let mut seen: Vec<String> = Vec::with_capacity(n);
    for _ in 0..n {
        let c = b.namer.community(&mut b.rng, &seen);
        seen.push(c.clone());
        let total = village_members(&mut b.rng, p);
        village(b, top, &format!("{name}{c}社区"), OrgDomain::Community, total, "网格");
    }
    if p.town_extras {
        let size = b.rng.random_range(4..13);
        let joint = format!("{name}非公企业联合党支部");
        b.add(
            Some(top),
            joint,
            OrgKind::JointBranch,
            OrgDomain::PrivateEnterprise,
            Term::Branch,
            Profile::Private,
            size,
        );
    }
    Town { name, kind: TownKind::Street, local }
}

/// A whole county under `parent` (a city, in a province) or as the root; returns its index.
pub(crate) fn county(b: &mut Builder, parent: Option<usize>, p: &Params) -> (usize, String) {
    let name = b.place("县", None);
    let short = name.trim_end_matches('县').to_string();
    b.new_round();
    b.county = name.clone();
    b.compact = p.compact;
    b.local = b.rng.random_range(0..crate::people::MINORITIES.len() as u8);
    let kind = if parent.is_none() { OrgKind::CountyCommittee } else { OrgKind::Committee };
    let root = b.add(parent, format!("中共{short}县委"), kind, OrgDomain::Organ, Term::Committee, Profile::Organ, 0);
    let mut towns = Vec::with_capacity(p.towns + p.xiang + p.streets);
    let counts = village_counts(&mut b.rng, p);
    for (i, n) in counts.into_iter().enumerate() {
        let kind = if i < p.towns { TownKind::Town } else { TownKind::Xiang };
        towns.push(rural_town(b, root, p, kind, i, n));
    }
    for _ in 0..p.streets {
        towns.push(street(b, root, p));
    }
    crate::systems::all(b, root, &name, &towns, p);
    (root, name)
}

/// A province: a root 省委, `cities` 市委 below it, and counties under each city.
pub(crate) fn province(b: &mut Builder, p: &Params, cities: usize, counties: impl Fn(usize) -> usize) -> String {
    let name = b.place("省", None);
    let short = name.trim_end_matches('省').to_string();
    let root = b.add(
        None,
        format!("中共{short}省委"),
        OrgKind::Committee,
        OrgDomain::Organ,
        Term::Committee,
        Profile::Organ,
        0,
    );
    for i in 0..cities {
        let city = b.place("市", None);
        let short = city.trim_end_matches('市').to_string();
        let top = b.add(
            Some(root),
            format!("中共{short}市委"),
            OrgKind::Committee,
            OrgDomain::Organ,
            Term::Committee,
            Profile::Organ,
            0,
        );
        for _ in 0..counties(i) {
            county(b, Some(top), p);
        }
    }
    name
}
