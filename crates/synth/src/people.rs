//! Party members: names, gender, ethnic group, age, education and membership dates.
//!
//! Each organization's planned members are drawn from the distributions of its profile: rural
//! branches are older and have more 初中/高中 education, organs and schools are younger and mostly
//! 大学本科/专科, schools and hospitals have more women. The ethnic mix is Guizhou-like: mostly
//! 汉族, with each township's own minority (苗族, 布依族, 侗族…) more common there.

use chrono::{Months, NaiveDate};
use jiceng_store::seed::{MemberSeed, OrgSeed};
use jiceng_types::OrgStatus;
use jiceng_types::person::{Education, Gender, MemberCategory, MemberStatus};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::names::{Namer, weighted};
use crate::tree::{Profile, Slot, back};

/// The minorities a township may have as its own (values of `ETHNIC_GROUPS`).
pub(crate) const MINORITIES: [&str; 8] = ["苗族", "布依族", "侗族", "土家族", "彝族", "仡佬族", "水族", "白族"];

/// The county-wide mix of ethnic groups (per 1,000).
pub(crate) const MIX: [(&str, u32); 16] = [
    ("汉族", 750),
    ("苗族", 110),
    ("布依族", 75),
    ("侗族", 45),
    ("土家族", 40),
    ("彝族", 22),
    ("仡佬族", 15),
    ("水族", 14),
    ("回族", 6),
    ("白族", 5),
    ("瑶族", 3),
    ("壮族", 2),
    ("毛南族", 1),
    ("仫佬族", 1),
    ("满族", 1),
    ("蒙古族", 1),
];

/// Education values in the order of the weight tables below.
const EDUCATION: [Education; 7] = [
    Education::Postgraduate,
    Education::Bachelor,
    Education::College,
    Education::Vocational,
    Education::HighSchool,
    Education::MiddleSchool,
    Education::Primary,
];

/// How one profile's members look.
struct Look {
    /// Probability of a woman.
    female: f64,
    /// Share of the township's own minority (on top of the county mix).
    local: f64,
    /// Age bands: (from, to exclusive, weight).
    ages: &'static [(u32, u32, u32)],
    /// Education weights for members under 45, in `EDUCATION` order.
    young: [u32; 7],
    /// Education weights for members 45 and over.
    old: [u32; 7],
    /// Probability of a probationary member.
    probationary: f64,
}

const WORKING_AGES: &[(u32, u32, u32)] = &[(22, 30, 18), (30, 40, 33), (40, 50, 27), (50, 60, 22)];

fn look(profile: Profile) -> Look {
    match profile {
        Profile::Rural => Look {
            female: 0.22,
            local: 0.18,
            ages: &[(20, 30, 6), (30, 40, 11), (40, 50, 15), (50, 60, 22), (60, 70, 22), (70, 80, 16), (80, 90, 8)],
            young: [0, 8, 18, 12, 24, 34, 4],
            old: [0, 1, 4, 5, 20, 45, 25],
            probationary: 0.03,
        },
        Profile::Community => Look {
            female: 0.48,
            local: 0.12,
            ages: &[(22, 30, 8), (30, 40, 15), (40, 50, 17), (50, 60, 20), (60, 70, 20), (70, 80, 14), (80, 90, 6)],
            young: [1, 25, 35, 10, 17, 12, 0],
            old: [0, 8, 18, 10, 28, 28, 8],
            probationary: 0.03,
        },
        Profile::Organ => Look {
            female: 0.33,
            local: 0.08,
            ages: &[(22, 30, 16), (30, 40, 30), (40, 50, 28), (50, 60, 26)],
            young: [8, 66, 22, 2, 2, 0, 0],
            old: [3, 48, 38, 4, 6, 1, 0],
            probationary: 0.035,
        },
        Profile::Retired => Look {
            female: 0.25,
            local: 0.08,
            ages: &[(58, 70, 40), (70, 80, 40), (80, 90, 20)],
            young: [0, 15, 25, 12, 25, 18, 5],
            old: [0, 15, 25, 12, 25, 18, 5],
            probationary: 0.0,
        },
        Profile::School => Look {
            female: 0.58,
            local: 0.08,
            ages: WORKING_AGES,
            young: [6, 78, 15, 1, 0, 0, 0],
            old: [2, 62, 30, 5, 1, 0, 0],
            probationary: 0.04,
        },
        Profile::Health => Look {
            female: 0.62,
            local: 0.08,
            ages: WORKING_AGES,
            young: [4, 55, 32, 9, 0, 0, 0],
            old: [2, 40, 38, 18, 2, 0, 0],
            probationary: 0.04,
        },
        Profile::Enterprise => Look {
            female: 0.3,
            local: 0.06,
            ages: WORKING_AGES,
            young: [3, 50, 30, 8, 7, 2, 0],
            old: [1, 30, 32, 14, 16, 7, 0],
            probationary: 0.035,
        },
        Profile::Private => Look {
            female: 0.3,
            local: 0.08,
            ages: &[(22, 30, 18), (30, 40, 35), (40, 50, 26), (50, 60, 17), (60, 70, 4)],
            young: [1, 25, 35, 14, 17, 8, 0],
            old: [0, 12, 25, 15, 28, 20, 0],
            probationary: 0.035,
        },
        Profile::Social => Look {
            female: 0.45,
            local: 0.08,
            ages: &[(22, 30, 15), (30, 40, 30), (40, 50, 25), (50, 60, 20), (60, 70, 10)],
            young: [2, 45, 33, 8, 10, 2, 0],
            old: [1, 30, 30, 10, 20, 9, 0],
            probationary: 0.035,
        },
        Profile::NewEmployment => Look {
            female: 0.1,
            local: 0.12,
            ages: &[(20, 30, 40), (30, 40, 45), (40, 50, 15)],
            young: [0, 8, 25, 17, 32, 18, 0],
            old: [0, 3, 15, 15, 37, 30, 0],
            probationary: 0.05,
        },
    }
}

/// Precomputed weights for drawing ethnic groups and ages quickly.
struct Tables {
    mix: Vec<u32>,
    looks: Vec<(Profile, Look, Vec<u32>)>,
}

const PROFILES: [Profile; 10] = [
    Profile::Rural,
    Profile::Community,
    Profile::Organ,
    Profile::Retired,
    Profile::School,
    Profile::Health,
    Profile::Enterprise,
    Profile::Private,
    Profile::Social,
    Profile::NewEmployment,
];

impl Tables {
    fn new() -> Self {
        let looks = PROFILES
            .iter()
            .map(|p| {
                let l = look(*p);
                let w = l.ages.iter().map(|a| a.2).collect();
                (*p, l, w)
            })
            .collect();
        Tables { mix: MIX.iter().map(|m| m.1).collect(), looks }
    }

    fn get(&self, p: Profile) -> (&Look, &[u32]) {
        let i = PROFILES.iter().position(|x| *x == p).unwrap_or(0);
        let (_, l, w) = &self.looks[i];
        (l, w)
    }
}

/// The eighteenth birthday of someone born on `birth`.
pub(crate) fn eighteenth(birth: NaiveDate) -> NaiveDate {
    birth.checked_add_months(Months::new(18 * 12)).unwrap_or(birth)
}

/// One year after `d` (the end of the probationary year).
pub(crate) fn year_after(d: NaiveDate) -> NaiveDate {
    d.checked_add_months(Months::new(12)).unwrap_or(d)
}

/// One year before `d`.
pub(crate) fn year_before(d: NaiveDate) -> NaiveDate {
    d.checked_sub_months(Months::new(12)).unwrap_or(d)
}

/// Draw a birth date for someone aged between `from` and `to` (exclusive) on `today`.
fn birth_in(rng: &mut ChaCha8Rng, today: NaiveDate, from: u32, to: u32) -> NaiveDate {
    let age = rng.random_range(from..to.max(from + 1));
    back(today, i64::from(age) * 36525 / 100 + rng.random_range(0..365))
}

/// Generate the members of every active organization, organization by organization.
pub(crate) fn fill(
    orgs: &[OrgSeed],
    slots: &[Slot],
    rng: &mut ChaCha8Rng,
    namer: &Namer,
    today: NaiveDate,
) -> Vec<MemberSeed> {
    let tables = Tables::new();
    let total: usize = slots.iter().map(|s| s.size as usize).sum();
    let mut out = Vec::with_capacity(total);
    for (org, slot) in orgs.iter().zip(slots) {
        if org.status != OrgStatus::Active {
            continue;
        }
        let (look, age_weights) = tables.get(slot.profile);
        for _ in 0..slot.size {
            out.push(member(rng, namer, &tables, look, age_weights, slot.local, org.id, today));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn member(
    rng: &mut ChaCha8Rng,
    namer: &Namer,
    tables: &Tables,
    look: &Look,
    age_weights: &[u32],
    local: u8,
    org_id: i64,
    today: NaiveDate,
) -> MemberSeed {
    let female = rng.random_bool(look.female);
    let name = namer.person(rng, female);
    let ethnicity = if rng.random_bool(look.local) {
        MINORITIES[usize::from(local) % MINORITIES.len()]
    } else {
        MIX[weighted(rng, &tables.mix)].0
    };
    let probationary = rng.random_bool(look.probationary);
    let birth_date = if probationary {
        // Most new members join young.
        let to = if rng.random_bool(0.8) { 36 } else { 50 };
        birth_in(rng, today, 20, to)
    } else {
        let (from, to, _) = look.ages[weighted(rng, age_weights)];
        birth_in(rng, today, from, to)
    };
    let age_days = (today - birth_date).num_days();
    let weights = if age_days < 45 * 365 { &look.young } else { &look.old };
    let education = EDUCATION[weighted(rng, weights)];
    let (category, admitted_on, regularized_on) = if probationary {
        let admitted = back(today, rng.random_range(5..360));
        (MemberCategory::Probationary, admitted, None)
    } else {
        let first = eighteenth(birth_date);
        let last = back(year_before(today), rng.random_range(0..30));
        let span = (last - first).num_days().max(0);
        // Most join in their twenties and thirties; some later in life.
        let cap = span.min(40 * 365) as f64;
        let offset = (rng.random::<f64>().powf(1.7) * cap) as i64;
        let admitted = crate::tree::fwd(first, offset.min(span));
        (MemberCategory::Full, admitted, Some(year_after(admitted)))
    };
    let status = match rng.random_range(0..10_000) {
        0..=7 => MemberStatus::Suspended,
        8..=11 => MemberStatus::Left,
        _ => MemberStatus::Active,
    };
    MemberSeed {
        org_id,
        name,
        gender: if female { Gender::Female } else { Gender::Male },
        ethnicity,
        birth_date,
        education,
        category,
        admitted_on,
        regularized_on,
        status,
        extra: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiceng_types::person::ETHNIC_GROUPS;

    #[test]
    fn ethnic_groups_are_official_names() {
        for g in MINORITIES.iter().chain(MIX.iter().map(|m| &m.0)) {
            assert!(ETHNIC_GROUPS.contains(g), "{g}");
        }
    }

    #[test]
    fn every_profile_has_weights() {
        for p in PROFILES {
            let l = look(p);
            assert!(l.young.iter().sum::<u32>() > 0 && l.old.iter().sum::<u32>() > 0);
            assert!(l.ages.iter().all(|a| a.0 >= 20 && a.1 <= 90 && a.0 < a.1));
        }
    }
}
