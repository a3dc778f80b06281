//! Realistic flaws, placed deterministically, so that the compliance checks find something.
//!
//! A real county always has a few: terms that ran out without an election (ORG-09), a branch of
//! two members that should have joined a 联合党支部 (ORG-01/02), a branch grown past 50 members
//! that should have been split (ORG-03), a dissolved organization, a member admitted before 18,
//! and probationary members whose year ended without a decision. Their number grows with the
//! size of the generated tree.

use chrono::{Months, NaiveDate};
use jiceng_store::seed::{MemberSeed, OrgSeed};
use jiceng_types::person::{MemberCategory, MemberStatus};
use jiceng_types::{OrgDomain, OrgKind, OrgStatus};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::people::{eighteenth, year_after};
use crate::tree::{Profile, Slot, Term, back, fwd, term_end};

/// Choose up to `n` distinct elements of `from` (a partial shuffle, so deterministic).
fn choose(rng: &mut ChaCha8Rng, mut from: Vec<usize>, n: usize) -> Vec<usize> {
    let n = n.min(from.len());
    for i in 0..n {
        let j = rng.random_range(i..from.len());
        from.swap(i, j);
    }
    from.truncate(n);
    from
}

/// Organization flaws: dissolved organizations, two-member branches, oversized branches and
/// expired terms. Organizations in `keep` (the demo accounts' branch) are left alone.
pub(crate) fn plan(orgs: &mut [OrgSeed], slots: &mut [Slot], rng: &mut ChaCha8Rng, today: NaiveDate, keep: &[usize]) {
    let n = orgs.len();
    let mut used = vec![false; n];
    for k in keep {
        if let Some(u) = used.get_mut(*k) {
            *u = true;
        }
    }

    // An enterprise closed and its branch was dissolved (撤销): no members, no longer active.
    let eligible: Vec<usize> =
        (0..n).filter(|i| !used[*i] && orgs[*i].kind.is_branch() && slots[*i].profile == Profile::Private).collect();
    for i in choose(rng, eligible, (n / 800).max(1)) {
        let start = orgs[i].term_start.unwrap_or(today);
        let room = (back(today, 10) - start).num_days().max(1);
        orgs[i].status = OrgStatus::Dissolved;
        orgs[i].status_on = Some(fwd(start, rng.random_range(0..room)).min(back(today, 1)));
        slots[i].size = 0;
        used[i] = true;
    }

    // A branch of two members, below the three full members a branch needs (ORG-01).
    let eligible: Vec<usize> = (0..n)
        .filter(|i| {
            !used[*i]
                && orgs[*i].kind == OrgKind::Branch
                && matches!(slots[*i].profile, Profile::Private | Profile::Social)
        })
        .collect();
    for i in choose(rng, eligible, (n / 1000).max(1)) {
        slots[i].size = 2;
        used[i] = true;
    }

    // A village branch past 50 members that was never split (ORG-03).
    let eligible: Vec<usize> = (0..n)
        .filter(|i| {
            !used[*i]
                && orgs[*i].kind == OrgKind::Branch
                && orgs[*i].domain == OrgDomain::Rural
                && slots[*i].term == Term::Village
        })
        .collect();
    for i in choose(rng, eligible, (n / 1000).max(1)) {
        slots[i].size = rng.random_range(51..59);
        used[i] = true;
    }

    // Terms that ran out 3 weeks to 10 months ago without an election (ORG-09).
    let eligible: Vec<usize> =
        (0..n).filter(|i| !used[*i] && orgs[*i].parent_id.is_some() && orgs[*i].status == OrgStatus::Active).collect();
    for i in choose(rng, eligible, (n / 300).max(2)) {
        let years = slots[i].term.years();
        let ago = today.checked_sub_months(Months::new(12 * years)).unwrap_or(today);
        let start = back(ago, rng.random_range(20..300));
        let o = &mut orgs[i];
        o.term_start = Some(start);
        o.term_end = Some(term_end(start, years));
        o.established_on = o.established_on.map(|e| e.min(start));
    }
}

/// Pick up to `n` distinct members satisfying `ok` by random probing (cheap at province scale).
fn probe(rng: &mut ChaCha8Rng, members: &[MemberSeed], n: usize, ok: impl Fn(&MemberSeed) -> bool) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::with_capacity(n);
    if members.is_empty() {
        return out;
    }
    for _ in 0..n * 2000 {
        if out.len() == n {
            break;
        }
        let i = rng.random_range(0..members.len());
        if ok(&members[i]) && !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Member flaws: admitted before 18, probationary past a year without a decision, and at least
/// one member whose membership was suspended and one who left.
pub(crate) fn members(members: &mut [MemberSeed], rng: &mut ChaCha8Rng, today: NaiveDate) {
    let n = members.len();
    let plain = |m: &MemberSeed| m.category == MemberCategory::Full && m.status == MemberStatus::Active;
    let aged = |m: &MemberSeed, from: i64, to: i64| {
        let days = (today - m.birth_date).num_days();
        days >= from * 366 && days < to * 365
    };

    for i in probe(rng, members, (n / 40_000).max(1), |m| plain(m) && aged(m, 30, 80)) {
        let m = &mut members[i];
        let admitted = back(eighteenth(m.birth_date), rng.random_range(20..300));
        m.admitted_on = admitted;
        m.regularized_on = Some(year_after(admitted));
    }

    for i in probe(rng, members, (n / 20_000).max(2), |m| plain(m) && aged(m, 22, 46)) {
        let m = &mut members[i];
        m.category = MemberCategory::Probationary;
        m.admitted_on = back(today, rng.random_range(400..560));
        m.regularized_on = None;
    }

    for status in [MemberStatus::Suspended, MemberStatus::Left] {
        if !members.iter().any(|m| m.status == status) {
            for i in probe(rng, members, 1, |m| plain(m) && aged(m, 25, 80)) {
                members[i].status = status;
            }
        }
    }
}
