//! The organization tree builder: hands out ids, codes, unique names and term dates.
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

use crate::names::{Namer, ordinal};

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
