//! Deterministic synthetic counties (and provinces) for jiceng's demo, tests and benchmarks.
//!
//! Why: the system is about a county's real shape (townships with their villages, organ, school,
//! hospital and enterprise systems, tens of thousands of members) and about the gaps the checks
//! find in it. Real data cannot be shipped, so this crate makes a county that looks real: Chinese
//! place, unit and person names, Guizhou-like ethnic mix, rural branches older than organ
//! branches, five-year village terms and three-year branch terms, and a few deliberate flaws
//! (expired terms, a two-member branch, an oversized branch, a dissolved branch, a member
//! admitted before 18, overdue probationary members) so every check has something to show.
//!
//! The same `(scale, seed, today)` always gives the same county: everything is drawn from one
//! `ChaCha8Rng` in a fixed order, and dates are relative to `today`.
//!
//! Modules: `names` (place, company and person names), `tree` (the builder: ids, codes, unique
//! names, terms), `towns` (townships, counties, provinces), `systems` (county-level systems),
//! `people` (members), `flaws` (deliberate gaps), `life` (a year of meetings, studies and
//! training, with their gaps), `recruit` (the member-development pipeline, with its rule breaks).
//! Sizes and generation times of every scale:
//! `cargo run -p jiceng-synth --release --example sizes` (province ≈ 0.5 s in release mode).

mod flaws;
mod identity;
mod life;
mod names;
mod people;
mod recruit;
mod systems;
mod teams;
mod towns;
mod transfers;
mod tree;

use chrono::NaiveDate;
use jiceng_store::seed::{LifeSeed, LoadReport, MemberSeed, OrgSeed, TeamSeed, UserSeed};

pub use crate::recruit::{Break, RecruitCounts, Recruitment};
use jiceng_types::{Role, Scope};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::towns::Params;
use crate::tree::Builder;

/// How much to generate.
///
/// | scale | organizations | members | shape |
/// |---|---|---|---|
/// | `tiny` | ≈ 50 | ≈ 800 | one town and one street, one unit per system |
/// | `county` | ≈ 2,100 | ≈ 40,000 | 25 townships and streets, every county system |
/// | `province` | ≈ 80,000 | ≈ 1,500,000 | a 省委, 9 市委 and 38 counties of county scale |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// A small county for unit tests and a quick look.
    Tiny,
    /// A full county (the demo).
    County,
    /// A province of counties (benchmarks).
    Province,
}

impl Scale {
    /// Every scale, smallest first.
    pub const ALL: [Scale; 3] = [Scale::Tiny, Scale::County, Scale::Province];

    /// The key used on the command line (`tiny`, `county`, `province`).
    pub fn key(self) -> &'static str {
        match self {
            Scale::Tiny => "tiny",
            Scale::County => "county",
            Scale::Province => "province",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Scale::Tiny => "小型示例县",
            Scale::County => "县级规模",
            Scale::Province => "省级规模",
        }
    }

    /// Parse the key or the Chinese label.
    pub fn parse(s: &str) -> Option<Scale> {
        let s = s.trim();
        Scale::ALL.into_iter().find(|k| k.key().eq_ignore_ascii_case(s) || k.label() == s)
    }

    fn params(self) -> Params {
        match self {
            Scale::Tiny => Params {
                towns: 1,
                xiang: 0,
                streets: 1,
                villages: (5, 5),
                villages_per_town: 5,
                communities: (2, 2),
                town_extras: false,
                compact: true,
                organ_units: 5,
                county_schools: 1,
                health_units: 1,
                enterprises: 1,
                companies: 5,
                joint: 1,
                social: 2,
                life: true,
            },
            Scale::County | Scale::Province => Params {
                towns: 14,
                xiang: 6,
                streets: 5,
                villages: (8, 28),
                villages_per_town: 22,
                communities: (6, 14),
                town_extras: true,
                compact: false,
                organ_units: 52,
                county_schools: 14,
                health_units: 8,
                enterprises: 16,
                companies: 280,
                joint: 14,
                social: 48,
                // A province's year of meetings (some four million records) would not load in
                // the minute the province load is allowed.
                life: self == Scale::County,
            },
        }
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The error of parsing an unknown scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownScale(pub String);

impl std::fmt::Display for UnknownScale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "未知的规模“{}”，可选 tiny、county、province", self.0)
    }
}

impl std::error::Error for UnknownScale {}

impl std::str::FromStr for Scale {
    type Err = UnknownScale;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scale::parse(s).ok_or_else(|| UnknownScale(s.to_string()))
    }
}

/// A generated county (or province), ready for [`load`].
#[derive(Debug, Clone)]
pub struct County {
    /// Organizations, parents before children, ids 1, 2, 3… in this order.
    pub orgs: Vec<OrgSeed>,
    /// Members, grouped by organization.
    pub members: Vec<MemberSeed>,
    /// Demo accounts (see [`account_summary`]).
    pub users: Vec<UserSeed>,
    /// Leadership teams (班子), in office and before; members by index into `members`.
    pub teams: Vec<TeamSeed>,
    /// A year of organizational life (groups, the 第一议题 register, meetings, appraisals,
    /// training); empty at province scale.
    pub life: LifeSeed,
    /// The member-development pipeline (发展党员) and its deliberate rule breaks; empty where the
    /// organizational life is (province scale).
    pub recruit: Recruitment,
    /// The county's (or province's) name, e.g. `龙泉县`.
    pub name: String,
}

/// Generate a county of the given scale. The same arguments always give the same county; all
/// dates (ages, terms, flaws) are relative to `today`.
pub fn generate(scale: Scale, seed: u64, today: NaiveDate) -> County {
    let rng = ChaCha8Rng::seed_from_u64(seed);
    let params = scale.params();
    let (root_code, capacity) = match scale {
        Scale::Province => ("52".to_string(), 90_000),
        _ => (format!("52{:02}{:02}", 1 + seed % 9, 21 + (seed / 9) % 20), 2_500),
    };
    let mut b = Builder::new(rng, today, root_code, capacity);
    let name = match scale {
        Scale::Province => towns::province(&mut b, &params, 9, |i| if i < 2 { 5 } else { 4 }),
        _ => towns::county(&mut b, None, &params).1,
    };
    let (demo_town, demo_branch) = (b.demo_town, b.demo_branch);
    let (mut orgs, mut slots, mut rng, namer) = b.finish();
    let keep: Vec<usize> = demo_branch.into_iter().collect();
    flaws::plan(&mut orgs, &mut slots, &mut rng, today, &keep);
    let mut members = people::fill(&orgs, &slots, &mut rng, &namer, today);
    flaws::members(&mut members, &mut rng, today);
    identity::assign(&orgs, &mut members, seed, today);
    let users = accounts(&orgs, &members, demo_town, demo_branch, &mut rng, &namer);
    let teams = teams::assign(&orgs, &members, &namer, seed, today, &keep);
    let life = if params.life {
        life::generate(&orgs, &members, &teams, &users, &name, seed, today, &keep)
    } else {
        LifeSeed::default()
    };
    let recruit = if params.life {
        recruit::generate(&orgs, &members, &users, &life, &name, seed, today, &keep)
    } else {
        Recruitment::default()
    };
    County { orgs, members, users, teams, life, recruit, name }
}

/// The demo accounts: one per role, at sensible organizations.
fn accounts(
    orgs: &[OrgSeed],
    members: &[MemberSeed],
    town: Option<usize>,
    branch: Option<usize>,
    rng: &mut ChaCha8Rng,
    namer: &names::Namer,
) -> Vec<UserSeed> {
    let id = |i: Option<usize>| i.and_then(|i| orgs.get(i)).map(|o| o.id);
    let root = orgs.first().map(|o| o.id);
    let branch_id = id(branch);
    // The secretary and the member are real members of the demo branch (the member's account
    // is linked to its record: “我的党员信息”).
    let mut in_branch = members.iter().enumerate().filter(|(_, m)| Some(m.org_id) == branch_id);
    let secretary = in_branch.next();
    let member = in_branch.next();
    let secretary_name = secretary.map(|(_, m)| m.name.clone()).unwrap_or_else(|| namer.person(rng, false));
    let member_name = member.map(|(_, m)| m.name.clone()).unwrap_or_else(|| namer.person(rng, true));
    let member_index = member.map(|(i, _)| i);
    let mut person = |female: bool| namer.person(rng, female);
    let seed = |username: &str, display_name: String, role: Role, org_id: Option<i64>, member: Option<usize>| {
        UserSeed { username: username.to_string(), display_name, role, org_id, member }
    };
    let plan = [
        seed("county_admin", person(false), Role::CountyAdmin, root, None),
        seed("town_admin", person(true), Role::TownshipAdmin, id(town), None),
        seed("secretary", secretary_name, Role::BranchSecretary, branch_id, None),
        seed("member", member_name, Role::Member, branch_id, member_index),
        seed("auditor", person(false), Role::Auditor, root, None),
        seed("sysadmin", person(false), Role::SystemAdmin, None, None),
        seed("secadmin", person(true), Role::SecurityAdmin, None, None),
        seed("auditadmin", person(false), Role::AuditAdmin, None, None),
    ];
    plan.into_iter().filter(|u| u.role.is_system() || u.org_id.is_some()).collect()
}

/// Load a generated county into an empty database as the command-line operator; the demo
/// accounts get `password` (no change forced at first login). A few membership transfers follow
/// (see `transfers`), made through the store like any other.
pub async fn load(db: &jiceng_store::Db, county: &County, password: &str) -> jiceng_store::StoreResult<LoadReport> {
    let scope = Scope::cli();
    let meta = jiceng_store::Meta::cli();
    let c = county;
    let report = jiceng_store::seed::load_with_recruit(
        db,
        &scope,
        &meta,
        &c.orgs,
        &c.members,
        &c.users,
        &c.teams,
        &c.life,
        &c.recruit.seed,
        password,
    )
    .await?;
    transfers::load(db, county).await?;
    Ok(report)
}

/// Demo accounts, one line each: (username, role label, org name) — for printing after a load.
pub fn account_summary(county: &County) -> Vec<(String, String, String)> {
    county
        .users
        .iter()
        .map(|u| {
            let org = match u.org_id {
                Some(id) => county.orgs.iter().find(|o| o.id == id).map(|o| o.name.clone()).unwrap_or_default(),
                None => "（系统账号，不属于组织）".to_string(),
            };
            (u.username.clone(), u.role.label().to_string(), org)
        })
        .collect()
}
