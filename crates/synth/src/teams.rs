//! Leadership teams (班子): every active organization gets a Party committee in office, and every
//! village its villagers' committee (村民委员会), so the team pages, the 两委 structure view and
//! the quality checks have something real to show.
//!
//! - Secretaries come from the organization's own full members (a 党委 or 党总支 without members
//!   of its own draws on those below it); branches with 7 or more full members have a committee
//!   of 3 to 5 (ORG-04), 党委 and 党总支 one of 5 to 7.
//! - Villages: a 主任, often the secretary himself (一肩挑, about 70%), a 副主任 sometimes, and
//!   members, Party members or not (交叉任职 is common), with the 妇女主任, 治保主任, 民兵连长.
//! - About one organization in seven had another secretary before, whose term ended when the
//!   current one began.
//! - Flaws: branches whose secretary left and nobody followed (书记空缺), and branches of 7 or
//!   more full members with a secretary only (no 支委会).
//!
//! Drawn from their own random stream, so adding them leaves the rest of the county unchanged.

use chrono::NaiveDate;
use jiceng_store::org::team::{Committee, Post};
use jiceng_store::seed::{MemberSeed, OrgSeed, TeamSeed};
use jiceng_types::person::{Education, Gender, MemberCategory, MemberStatus};
use jiceng_types::{OrgDomain, OrgKind, OrgStatus};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::names::{Namer, pick};
use crate::tree::{back, fwd};

const PARTY_TITLES: [&str; 5] = ["组织委员", "宣传委员", "纪检委员", "青年委员", "统战委员"];
const VILLAGE_TITLES: [&str; 3] = ["妇女主任", "治保主任", "民兵连长"];

/// Whole years from `from` to `on`.
fn age(from: NaiveDate, on: NaiveDate) -> i64 {
    (on - from).num_days() / 365
}

/// The flaws to place, by organization index.
struct Flaws {
    vacant: Vec<usize>,
    no_committee: Vec<usize>,
}

/// A village's Party organization: rural, right under a township 党委, named for the village.
fn is_village(orgs: &[OrgSeed], i: usize) -> bool {
    let o = &orgs[i];
    let parent = o.parent_id.and_then(|p| orgs.get(p as usize - 1));
    let grand = parent.and_then(|p| p.parent_id).and_then(|g| orgs.get(g as usize - 1));
    o.domain == OrgDomain::Rural
        && ["村党支部", "村党总支", "村党委"].iter().any(|s| o.name.ends_with(s))
        && parent.is_some_and(|p| p.kind == OrgKind::Committee && p.domain == OrgDomain::Rural)
        && grand.is_none_or(|g| g.kind == OrgKind::CountyCommittee || g.domain != OrgDomain::Rural)
}

/// Generate the teams. `members` is the final list (the loader links rows to it by index); `keep`
/// are organizations left without flaws (the demo accounts' branch).
pub(crate) fn assign(
    orgs: &[OrgSeed],
    members: &[MemberSeed],
    namer: &Namer,
    seed: u64,
    today: NaiveDate,
    keep: &[usize],
) -> Vec<TeamSeed> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7E_A4_5E);
    let n = orgs.len();
    // Members who can hold a post: active full members, present and in contact.
    let mut own: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, m) in members.iter().enumerate() {
        let ok = m.status == MemberStatus::Active
            && m.category == MemberCategory::Full
            && m.extra.mobile_out_to.is_none()
            && m.extra.out_of_contact_since.is_none()
            && age(m.birth_date, today) >= 23;
        if let Some(list) = own.get_mut(m.org_id as usize - 1).filter(|_| ok) {
            list.push(i);
        }
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, o) in orgs.iter().enumerate() {
        if let Some(p) = o.parent_id {
            children[p as usize - 1].push(i);
        }
    }
    let flaws = plan_flaws(orgs, &own, &mut rng, keep);
    let mut out = Vec::new();
    for i in 0..n {
        if orgs[i].status != OrgStatus::Active {
            continue;
        }
        let pool = candidates(i, &own, &children, orgs);
        if pool.is_empty() {
            continue;
        }
        let ctx = Unit { i, org: &orgs[i], members, today, keep: keep.contains(&i) };
        team_of(&ctx, &pool, own[i].len(), &flaws, is_village(orgs, i), namer, &mut rng, &mut out);
    }
    out
}

fn plan_flaws(orgs: &[OrgSeed], own: &[Vec<usize>], rng: &mut ChaCha8Rng, keep: &[usize]) -> Flaws {
    let n = orgs.len();
    let branch =
        |i: usize| orgs[i].kind == OrgKind::Branch && orgs[i].status == OrgStatus::Active && !keep.contains(&i);
    let choose = |rng: &mut ChaCha8Rng, from: Vec<usize>, k: usize| {
        let mut from = from;
        let k = k.min(from.len());
        for j in 0..k {
            let r = rng.random_range(j..from.len());
            from.swap(j, r);
        }
        from.truncate(k);
        from
    };
    let big: Vec<usize> = (0..n).filter(|&i| branch(i) && own[i].len() >= 7).collect();
    let no_committee = choose(rng, big, (n / 700).max(1));
    let small: Vec<usize> = (0..n).filter(|&i| branch(i) && own[i].len() >= 3 && !no_committee.contains(&i)).collect();
    let vacant = choose(rng, small, (n / 700).max(1));
    Flaws { vacant, no_committee }
}

/// Up to 16 candidates: the organization's own members, then those of the organizations below it,
/// level by level.
fn candidates(i: usize, own: &[Vec<usize>], children: &[Vec<usize>], orgs: &[OrgSeed]) -> Vec<usize> {
    let mut pool: Vec<usize> = own[i].clone();
    let mut level: Vec<usize> = children[i].clone();
    while pool.len() < 16 && !level.is_empty() {
        let mut next = Vec::new();
        for c in level {
            if orgs[c].status == OrgStatus::Active {
                pool.extend(own[c].iter().take(16 - pool.len().min(16)));
                next.extend(children[c].iter().copied());
            }
        }
        level = next;
    }
    pool.truncate(16.max(own[i].len()));
    pool
}

/// The organization being staffed.
struct Unit<'a> {
    i: usize,
    org: &'a OrgSeed,
    members: &'a [MemberSeed],
    today: NaiveDate,
    keep: bool,
}

impl Unit<'_> {
    /// A team row of a member.
    fn row(&self, m: usize, committee: Committee, post: Post, title: Option<&str>, started_on: NaiveDate) -> TeamSeed {
        let s = &self.members[m];
        TeamSeed {
            org_id: self.org.id,
            member: Some(m),
            committee,
            name: s.name.clone(),
            gender: s.gender,
            birth_date: s.birth_date,
            education: s.education,
            post,
            title: title.map(str::to_string),
            dual_role: false,
            started_on,
            ended_on: None,
        }
    }
}

/// Pick `k` distinct candidates who were adult Party members on `on`, preferring working age
/// (about 45) and college education, with some randomness.
fn best(ctx: &Unit, pool: &[usize], k: usize, taken: &[usize], on: NaiveDate, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut scored: Vec<(i64, usize)> = pool
        .iter()
        .filter(|m| !taken.contains(m))
        .filter(|&&m| ctx.members[m].admitted_on <= on && age(ctx.members[m].birth_date, on) >= 18)
        .map(|&m| {
            let a = age(ctx.members[m].birth_date, ctx.today);
            let edu = if ctx.members[m].education.is_college_or_above() { 6 } else { 0 };
            ((a - 45).abs() - edu + rng.random_range(0..14), m)
        })
        .collect();
    scored.sort_unstable();
    scored.into_iter().take(k).map(|(_, m)| m).collect()
}

#[allow(clippy::too_many_arguments)]
fn team_of(
    ctx: &Unit,
    pool: &[usize],
    own_full: usize,
    flaws: &Flaws,
    village: bool,
    namer: &Namer,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<TeamSeed>,
) {
    let (org, today) = (ctx.org, ctx.today);
    let earliest = org.established_on.unwrap_or(back(today, 3650));
    // The term's start, not before the establishment, before today.
    let mut term_start = org.term_start.unwrap_or(back(today, 400)).max(earliest);
    if term_start >= today {
        term_start = back(today, 1);
    }
    let started = if rng.random_bool(0.2) {
        let room = (today - term_start).num_days().clamp(1, 700);
        fwd(term_start, rng.random_range(0..room)).min(back(today, 1))
    } else {
        term_start
    };
    // The secretary: for the demo branch, its first member (the demo secretary account).
    let first = pool.first().copied().filter(|&m| {
        let s = &ctx.members[m];
        ctx.keep && org.kind.is_branch() && s.admitted_on <= started && age(s.birth_date, started) >= 18
    });
    let secretary = match first.or_else(|| best(ctx, pool, 1, &[], started, rng).first().copied()) {
        Some(m) => m,
        None => return,
    };
    let mut party = vec![secretary];
    let dual = village && rng.random_bool(0.7);
    let mut sec = ctx.row(secretary, Committee::Party, Post::Secretary, None, started);
    sec.dual_role = dual;
    if flaws.vacant.contains(&ctx.i) {
        // The secretary left; nobody has been chosen since.
        let left = back(today, rng.random_range(30..240)).max(started);
        sec.ended_on = Some(left);
    }
    // A predecessor, now and then.
    if rng.random_bool(0.15) && pool.len() > 2 {
        let before = back(started, rng.random_range(3 * 365..5 * 365)).max(earliest);
        if before < started
            && let Some(&p) = best(ctx, pool, 1, &party, before, rng).first()
        {
            let mut prev = ctx.row(p, Committee::Party, Post::Secretary, None, before);
            prev.ended_on = Some(started);
            out.push(prev);
        }
    }
    out.push(sec);
    // The rest of the Party committee.
    let size = if !org.kind.is_branch() {
        rng.random_range(5..=7)
    } else if own_full >= 7 && !flaws.no_committee.contains(&ctx.i) {
        rng.random_range(3..=5)
    } else if own_full >= 4 && rng.random_bool(0.15) {
        2
    } else {
        1
    };
    let others = best(ctx, pool, size - 1, &party, started, rng);
    let deputy = !org.kind.is_branch() || (size >= 5 && rng.random_bool(0.4));
    for (k, &m) in others.iter().enumerate() {
        let (post, title) = match k {
            0 if deputy => (Post::DeputySecretary, None),
            _ => (Post::CommitteeMember, PARTY_TITLES.get(k.saturating_sub(usize::from(deputy))).copied()),
        };
        out.push(ctx.row(m, Committee::Party, post, title, started));
        party.push(m);
    }
    if village {
        village_committee(ctx, pool, &party, secretary, dual, started, namer, rng, out);
    }
}

/// The villagers' committee: 主任 (the 一肩挑 secretary, or another), maybe a 副主任, and members,
/// some of them not in the Party.
#[allow(clippy::too_many_arguments)]
fn village_committee(
    ctx: &Unit,
    pool: &[usize],
    party: &[usize],
    secretary: usize,
    dual: bool,
    started: NaiveDate,
    namer: &Namer,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<TeamSeed>,
) {
    let mut posts: Vec<(Post, Option<&str>)> = Vec::new();
    posts.push((Post::Director, None));
    if rng.random_bool(0.35) {
        posts.push((Post::DeputyDirector, None));
    }
    for t in VILLAGE_TITLES.iter().take(rng.random_range(2..=3)) {
        posts.push((Post::CommitteeMember, Some(*t)));
    }
    let mut used = vec![secretary];
    for (post, title) in posts {
        if post == Post::Director && dual {
            out.push(ctx.row(secretary, Committee::Village, post, title, started));
            continue;
        }
        // 交叉任职: often a member of the Party committee; otherwise a Party member of the village
        // or a villager outside the Party.
        // The 妇女主任 is a woman.
        let fits = |m: &usize| title != Some("妇女主任") || ctx.members[*m].gender == Gender::Female;
        let cross: Vec<usize> = party.iter().copied().filter(|m| !used.contains(m) && fits(m)).collect();
        let member = if !cross.is_empty() && rng.random_bool(0.4) {
            Some(pick(rng, &cross))
        } else if rng.random_bool(0.5) {
            let eligible: Vec<usize> = pool.iter().copied().filter(fits).collect();
            best(ctx, &eligible, 1, &used, started, rng).first().copied()
        } else {
            None
        };
        match member {
            Some(m) => {
                used.push(m);
                out.push(ctx.row(m, Committee::Village, post, title, started));
            }
            None => out.push(villager(ctx, post, title, started, namer, rng)),
        }
    }
}

/// A villagers' committee member outside the Party.
fn villager(
    ctx: &Unit,
    post: Post,
    title: Option<&str>,
    started: NaiveDate,
    namer: &Namer,
    rng: &mut ChaCha8Rng,
) -> TeamSeed {
    let female = title == Some("妇女主任") || rng.random_bool(0.25);
    let years = rng.random_range(26..62);
    let birth_date = back(ctx.today, years * 365 + rng.random_range(0..365));
    let education = pick(
        rng,
        &[
            Education::College,
            Education::College,
            Education::HighSchool,
            Education::HighSchool,
            Education::Vocational,
            Education::MiddleSchool,
            Education::Bachelor,
        ],
    );
    TeamSeed {
        org_id: ctx.org.id,
        member: None,
        committee: Committee::Village,
        name: namer.person(rng, female),
        gender: if female { Gender::Female } else { Gender::Male },
        birth_date,
        education,
        post,
        title: title.map(str::to_string),
        dual_role: false,
        started_on: started,
        ended_on: None,
    }
}
