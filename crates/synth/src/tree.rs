//! The organization tree: a builder that hands out ids, codes, unique names and term dates, and
//! the townships (乡镇/街道) with their villages and communities.
//!
//! Organizations are emitted depth first, so every parent precedes its children and ids can be
//! assigned as they are emitted. Codes are assigned at the end, when every parent knows how many
//! children it has (a parent with more than 99 children gets three-digit child numbers), which
//! keeps them hierarchical (`522722` → `52272201` → `5227220103`) and unique.

use std::collections::HashSet;

use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use jiceng_store::seed::OrgSeed;
use jiceng_types::{OrgDomain, OrgKind, OrgStatus};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::names::{Namer, ordinal, pick};

/// Who the members of an organization are: decides their ages, education and gender mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    Rural,
    Community,
    Organ,
    Retired,
    School,
    Health,
    Enterprise,
    Private,
    Social,
    NewEmployment,
}

/// How an organization's term is set (rules ORG-07/ORG-08).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Term {
    /// Villages and communities: five years, elected in the county's common round.
    Village,
    /// Party committees and working committees: five years.
    Committee,
    /// Other branches and general branches: three years.
    Branch,
}

impl Term {
    pub(crate) fn years(self) -> u32 {
        match self {
            Term::Branch => 3,
            Term::Village | Term::Committee => 5,
        }
    }
}

/// The members planned for one organization (kept directly in it, not in its children).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub size: u32,
    pub profile: Profile,
    /// The local minority (index into `people::MINORITIES`).
    pub local: u8,
    pub term: Term,
}

/// The earliest date an organization may be established on.
fn earliest() -> NaiveDate {
    NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default()
}

/// `d` minus `n` days.
pub(crate) fn back(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_sub_signed(TimeDelta::days(n)).unwrap_or(d)
}

/// `d` plus `n` days.
pub(crate) fn fwd(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(TimeDelta::days(n)).unwrap_or(d)
}

/// The last day of a term of `years` starting on `start`.
pub(crate) fn term_end(start: NaiveDate, years: u32) -> NaiveDate {
    start.checked_add_months(Months::new(12 * years)).and_then(|d| d.pred_opt()).unwrap_or(start)
}

/// Builds the tree; holds the generator so that everything is drawn in one fixed order.
pub(crate) struct Builder {
    pub rng: ChaCha8Rng,
    pub namer: Namer,
    pub today: NaiveDate,
    pub orgs: Vec<OrgSeed>,
    pub slots: Vec<Slot>,
    parents: Vec<Option<usize>>,
    children: Vec<u32>,
    ordinals: Vec<u32>,
    names: HashSet<String>,
    places: HashSet<String>,
    root_code: String,
    /// The current county's village election round (start of the current five-year term).
    pub round: NaiveDate,
    /// The current township's (or county's) minority.
    pub local: u8,
    /// The current county's name (龙泉县).
    pub county: String,
    /// A tiny county: every unit is a single branch.
    pub compact: bool,
    /// The first township (for the demo accounts).
    pub demo_town: Option<usize>,
    /// The first village branch of the first township (for the demo accounts).
    pub demo_branch: Option<usize>,
}

impl Builder {
    pub(crate) fn new(rng: ChaCha8Rng, today: NaiveDate, root_code: String, capacity: usize) -> Self {
        Builder {
            rng,
            namer: Namer::new(),
            today,
            orgs: Vec::with_capacity(capacity),
            slots: Vec::with_capacity(capacity),
            parents: Vec::with_capacity(capacity),
            children: Vec::with_capacity(capacity),
            ordinals: Vec::with_capacity(capacity),
            names: HashSet::with_capacity(capacity),
            places: HashSet::new(),
            root_code,
            round: today,
            local: 0,
            county: String::new(),
            compact: false,
            demo_town: None,
            demo_branch: None,
        }
    }

    /// Add an organization under `parent` (which must already exist); returns its index.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add(
        &mut self,
        parent: Option<usize>,
        name: String,
        kind: OrgKind,
        domain: OrgDomain,
        term: Term,
        profile: Profile,
        size: u32,
    ) -> usize {
        let name = self.unique(name);
        let idx = self.orgs.len();
        let parent_est = parent.and_then(|p| self.orgs[p].established_on);
        let (est, start, end) = self.dates(term, profile, parent_est);
        let ordinal = match parent {
            Some(p) => {
                self.children[p] += 1;
                self.children[p]
            }
            None => 0,
        };
        self.orgs.push(OrgSeed {
            id: idx as i64 + 1,
            parent_id: parent.map(|p| p as i64 + 1),
            code: String::new(),
            name,
            kind,
            domain,
            established_on: Some(est),
            term_start: Some(start),
            term_end: Some(end),
            status: OrgStatus::Active,
            status_on: None,
        });
        self.slots.push(Slot { size, profile, local: self.local, term });
        self.parents.push(parent);
        self.children.push(0);
        self.ordinals.push(ordinal);
        idx
    }

    /// Shorthand for a branch (党支部) holding `size` members.
    pub(crate) fn branch(
        &mut self,
        parent: usize,
        name: String,
        domain: OrgDomain,
        term: Term,
        profile: Profile,
        size: u32,
    ) -> usize {
        self.add(Some(parent), name, OrgKind::Branch, domain, term, profile, size)
    }

    /// True if an organization already has this name.
    pub(crate) fn taken(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// The name itself if it is free, otherwise the name with 第二/第三… before its 党… suffix.
    fn unique(&mut self, name: String) -> String {
        if self.names.insert(name.clone()) {
            return name;
        }
        let (base, suffix) = match name.rfind("党") {
            Some(i) => (&name[..i], &name[i..]),
            None => (name.as_str(), ""),
        };
        let mut k = 2;
        loop {
            let candidate = format!("{base}第{}{suffix}", ordinal(k));
            if self.names.insert(candidate.clone()) {
                return candidate;
            }
            k += 1;
        }
    }

    /// A place name with its suffix (镇, 乡, 县, 市…) that no earlier place in this generation
    /// has; the first few townships of a county get the classic names when they are still free.
    pub(crate) fn place(&mut self, suffix: &str, classic: Option<usize>) -> String {
        let mut name = match classic {
            Some(n) => format!("{}{suffix}", self.namer.township(&mut self.rng, n)),
            None => format!("{}{suffix}", self.namer.place(&mut self.rng)),
        };
        let mut tries = 0;
        while self.places.contains(&name) {
            tries += 1;
            let base = self.namer.place(&mut self.rng);
            name = if tries < 40 { format!("{base}{suffix}") } else { format!("{base}{}{suffix}", ordinal(tries)) };
        }
        self.places.insert(name.clone());
        name
    }

    /// Establishment date, term start and term end for a new organization.
    fn dates(
        &mut self,
        term: Term,
        profile: Profile,
        parent_est: Option<NaiveDate>,
    ) -> (NaiveDate, NaiveDate, NaiveDate) {
        let years = term.years();
        let start = match term {
            Term::Village => fwd(self.round, self.rng.random_range(0..60)),
            _ => back(self.today, self.rng.random_range(30..i64::from(years) * 365 - 30)),
        };
        let end = term_end(start, years);
        let max_age: i64 = match profile {
            Profile::NewEmployment => 5,
            Profile::Social => 15,
            Profile::Private => 20,
            _ => 45,
        };
        let mut est = back(start, self.rng.random_range(365..max_age * 365 + 366));
        if let Some(p) = parent_est
            && est < p
        {
            let room = (start - p).num_days().max(0);
            est = fwd(p, self.rng.random_range(0..=room));
        }
        (est.max(earliest()).min(start), start, end)
    }

    /// Set the current county's village election round: between 3 and 57 months ago.
    pub(crate) fn new_round(&mut self) {
        let months = self.rng.random_range(3..58);
        let first = self.today.checked_sub_months(Months::new(months)).unwrap_or(self.today);
        self.round = first.with_day(1).unwrap_or(first);
    }

    /// Assign the codes and hand over the organizations and their member plans.
    pub(crate) fn finish(mut self) -> (Vec<OrgSeed>, Vec<Slot>, ChaCha8Rng, Namer) {
        for i in 0..self.orgs.len() {
            let code = match self.parents[i] {
                None => self.root_code.clone(),
                Some(p) => {
                    let width = self.children[p].to_string().len().max(2);
                    format!("{}{:0width$}", self.orgs[p].code, self.ordinals[i])
                }
            };
            self.orgs[i].code = code;
        }
        (self.orgs, self.slots, self.rng, self.namer)
    }
}

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
}

/// Draw the members of one village (or community): mostly 20–90, a few larger.
fn village_members(rng: &mut ChaCha8Rng) -> u32 {
    let base = 16 + rng.random_range(0..42) + rng.random_range(0..42);
    if rng.random_bool(0.08) { base + rng.random_range(40..120) } else { base }
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
fn rural_town(b: &mut Builder, parent: usize, p: &Params, kind: TownKind, nth: usize) -> Town {
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
    let n = b.rng.random_range(p.villages.0..=p.villages.1);
    let mut seen: Vec<String> = Vec::with_capacity(n);
    for _ in 0..n {
        let mut v = b.namer.village(&mut b.rng);
        while seen.contains(&v) {
            v = b.namer.village(&mut b.rng);
        }
        seen.push(v.clone());
        let total = village_members(&mut b.rng);
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
        let total = village_members(&mut b.rng);
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
    for i in 0..p.towns {
        towns.push(rural_town(b, root, p, TownKind::Town, i));
    }
    for i in 0..p.xiang {
        towns.push(rural_town(b, root, p, TownKind::Xiang, i));
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
