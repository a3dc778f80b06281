//! A deterministic synthetic province-year for timing [`super::evaluate`] (the benchmark crate
//! and the ignored timing test use it). Not a demo data set: the numbers only need the shape of
//! real records (meetings per branch, late entries, copied minutes, committees and groups).

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use jiceng_types::{MeetingKind, OrgKind, StudyLevel};

use super::{
    GroupInput, Input, KindSet, MeetingInput, MemberHours, MemberSpan, OrgInput, StudyItemInput, Tenure, VoteInput,
};

/// splitmix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when n is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn day(n: u64) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or(NaiveDate::MIN);
    start.checked_add_days(Days::new(n)).unwrap_or(start)
}

fn at(d: NaiveDate, minutes: u64) -> NaiveDateTime {
    let t = NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN);
    d.and_time(t).checked_add_signed(TimeDelta::minutes(minutes as i64)).unwrap_or(d.and_time(t))
}

/// A synthetic input: `orgs` organizations (about 90 % branches, a third with Party groups, most
/// larger branches with a committee) with `meetings_per_org` meetings each, held in 2025 as
/// planned (monthly 主题党日 and 支委会, quarterly 党员大会 and 党课 …) with about 4 % skipped,
/// 5 % back-filled (mostly in one sitting), 2 % near-copied minutes and 1 % of organizations
/// copying their attendance lists; 36 第一议题 items and every member's training hours.
/// Evaluate it with `from` = 2025-01-01, `to` = 2025-12-31 and `as_of` = 2026-01-31. The same
/// arguments always give the same input.
pub fn synthetic_input(orgs: usize, meetings_per_org: usize, seed: u64) -> Input {
    let mut rng = Rng(seed ^ 0x005e_ed0f_ca11);
    let study_items: Vec<StudyItemInput> = (0..36)
        .map(|k| StudyItemInput {
            id: k + 1,
            published_on: day((k as u64) * 10 + rng.below(5)),
            levels: if k % 3 == 0 {
                StudyLevel::mask(StudyLevel::ALL)
            } else {
                StudyLevel::mask(&[StudyLevel::County, StudyLevel::Committee])
            },
            within_days: if k % 3 == 0 { Some(30) } else { None },
        })
        .collect();
    let mut input = Input { study_items, ..Input::default() };
    input.orgs.reserve(orgs);
    input.meetings.reserve(orgs * meetings_per_org);
    let mut meeting_id = 0i64;
    let mut last_hash = 0u64;
    for o in 0..orgs {
        let id = o as i64 + 1;
        let kind = match o % 20 {
            0 => OrgKind::Committee,
            1 => OrgKind::GeneralBranch,
            2 => OrgKind::JointBranch,
            _ => OrgKind::Branch,
        };
        let created_on = if rng.chance(4) { Some(day(rng.below(300))) } else { None };
        let ended_on = if rng.chance(2) { Some(day(100 + rng.below(265))) } else { None };
        let size = 6 + rng.below(30) as i64;
        let members: Vec<MemberSpan> = (0..size)
            .map(|k| MemberSpan {
                member_id: id * 100 + k,
                from: if rng.chance(5) { Some(day(rng.below(365))) } else { None },
                to: if rng.chance(3) { Some(day(rng.below(365))) } else { None },
            })
            .collect();
        let committee = size >= 7 && rng.chance(70);
        let team_size = if committee { 3 + rng.below(3) as i64 } else { 1 };
        let mut team: Vec<Tenure> = (0..team_size)
            .map(|k| Tenure {
                member_id: if rng.chance(97) { Some(id * 100 + k) } else { None },
                secretary: k == 0,
                from: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap_or(NaiveDate::MIN),
                to: None,
            })
            .collect();
        if committee && rng.chance(10) {
            // A committee member leaves mid-year and a successor follows a month later.
            let left = day(rng.below(300));
            if let Some(last) = team.last_mut() {
                last.to = Some(left);
            }
            team.push(Tenure {
                member_id: Some(id * 100 + size - 1),
                secretary: false,
                from: left + Days::new(30),
                to: None,
            });
        }
        let groups: Vec<GroupInput> = if kind.is_branch() && size >= 24 {
            (0..if size >= 33 { 2 } else { 1 })
                .map(|g| GroupInput {
                    id: id * 10 + g,
                    created_on: if rng.chance(5) { Some(day(rng.below(365))) } else { None },
                    ended_on: None,
                })
                .collect()
        } else {
            Vec::new()
        };
        let recorder = if rng.chance(90) { 1000 + id } else { 0 };
        let plan = schedule(kind, committee, &groups, meetings_per_org, &mut rng);
        let mut sitting: Option<NaiveDateTime> = None;
        let copies_attendance = rng.chance(1);
        let fixed: Vec<i64> = members.iter().map(|m| m.member_id).skip(1).collect();
        for (kinds, group_id, month) in plan {
            meeting_id += 1;
            let held_on = NaiveDate::from_ymd_opt(2025, month, 1 + rng.below(28) as u32).unwrap_or(NaiveDate::MIN);
            let recorded_at = if rng.chance(5) {
                // Back-filled: mostly in one sitting before the year-end inspection.
                let s = *sitting.get_or_insert_with(|| at(day(335 + rng.below(25)), rng.below(600)));
                let t = s + TimeDelta::minutes(rng.below(90) as i64);
                if t.date() > held_on + Days::new(8) { t } else { at(held_on + Days::new(8 + rng.below(30)), 0) }
            } else {
                at(held_on + Days::new(rng.below(4)), 60 + rng.below(600))
            };
            let attended =
                kinds.contains(MeetingKind::Talk) || kinds.contains(MeetingKind::CommitteeMeeting) || rng.chance(15);
            let present_ids: Vec<i64> = if !attended {
                Vec::new()
            } else if copies_attendance && kinds.contains(MeetingKind::CommitteeMeeting) {
                fixed.clone()
            } else if kinds.contains(MeetingKind::Talk) {
                members
                    .iter()
                    .map(|m| m.member_id)
                    .filter(|m| (m + i64::from(month)) % 2 == 0 || rng.chance(5))
                    .collect()
            } else {
                members.iter().map(|m| m.member_id).filter(|m| rng.chance(if m % 100 < 5 { 98 } else { 90 })).collect()
            };
            let present = if attended { present_ids.len() as u32 } else { (size as u32 * 9) / 10 };
            let study_items: Vec<i64> = if kinds.intersects(super::study::AGENDA_KINDS) || rng.chance(10) {
                let since = held_on - Days::new(35);
                input
                    .study_items
                    .iter()
                    .filter(|s| since < s.published_on && s.published_on <= held_on && rng.chance(95))
                    .map(|s| s.id)
                    .collect()
            } else {
                Vec::new()
            };
            let minutes_hash = if rng.chance(92) {
                let h = if rng.chance(2) && last_hash != 0 {
                    last_hash ^ (1 << rng.below(64)) ^ (1 << rng.below(64))
                } else {
                    rng.next()
                };
                last_hash = h;
                Some(h)
            } else {
                None
            };
            let votes = if kinds.contains(MeetingKind::GeneralMeeting) && rng.chance(20) {
                let eligible = size as u32;
                let present = eligible - rng.below(u64::from(eligible) / 3 + 1) as u32;
                vec![VoteInput {
                    subject: "接收预备党员".to_string(),
                    election: rng.chance(10),
                    eligible,
                    present,
                    in_favour: present - rng.below(u64::from(present) / 5 + 1) as u32,
                }]
            } else {
                Vec::new()
            };
            input.meetings.push(MeetingInput {
                id: meeting_id,
                org_id: id,
                group_id,
                kinds,
                held_on,
                recorded_at,
                recorded_by: recorder,
                lecturer: if kinds.contains(MeetingKind::Lecture) { team[0].member_id } else { None },
                expected: size as u32,
                present,
                present_ids,
                study_items,
                first_agenda: rng.chance(95),
                minutes_hash,
                votes,
            });
        }
        for m in &members {
            let leader = team.iter().any(|t| t.member_id == Some(m.member_id));
            let hours = if leader { 50.0 + rng.below(40) as f64 } else { 30.0 + rng.below(50) as f64 };
            input.hours.push(MemberHours { member_id: m.member_id, org_id: id, year: 2025, hours, leader });
        }
        input.orgs.push(OrgInput { id, kind, created_on, ended_on, team, groups, members });
    }
    input
}

/// The meetings an organization plans in 2025 (kinds, group, month), about 4 % of them skipped,
/// padded or cut to `count`, in an order that is not the order held.
fn schedule(
    kind: OrgKind,
    committee: bool,
    groups: &[GroupInput],
    count: usize,
    rng: &mut Rng,
) -> Vec<(KindSet, Option<i64>, u32)> {
    use MeetingKind as K;
    let mut plan = Vec::with_capacity(count);
    let branch = kind.is_branch();
    for month in 1..=12u32 {
        let quarter_end = month % 3 == 0;
        if branch {
            plan.push((
                if quarter_end {
                    KindSet::of(&[K::ThemeDay, K::GeneralMeeting, K::Lecture])
                } else {
                    KindSet::of(&[K::ThemeDay])
                },
                None,
                month,
            ));
            if committee {
                plan.push((KindSet::of(&[K::CommitteeMeeting]), None, month));
            }
            for g in groups {
                plan.push((KindSet::of(&[K::GroupMeeting]), Some(g.id), month));
            }
            if month == 6 || month == 11 {
                plan.push((KindSet::of(&[K::Talk]), None, month));
            }
            if month == 12 {
                plan.push((KindSet::of(&[K::OrgLifeMeeting, K::MemberAppraisal]), None, month));
            }
        } else {
            plan.push((KindSet::of(&[K::PartyCommitteeMeeting]), None, month));
            if quarter_end {
                plan.push((KindSet::of(&[K::CentralGroupStudy]), None, month));
            }
        }
    }
    plan.retain(|_| !rng.chance(4));
    while plan.len() < count {
        let extra = if committee { K::CommitteeMeeting } else { K::Lecture };
        plan.push((KindSet::of(&[extra]), None, 1 + rng.below(12) as u32));
    }
    while plan.len() > count {
        plan.swap_remove(rng.below(plan.len() as u64) as usize);
    }
    // Records arrive roughly by month but not in order within an organization.
    for k in (1..plan.len()).rev() {
        if rng.chance(30) {
            plan.swap(k, rng.below(k as u64 + 1) as usize);
        }
    }
    plan
}
