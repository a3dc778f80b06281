//! [`evaluate`] against the plain reference implementation on random small inputs: a few
//! organizations, a few dozen meetings over about a year and a half around 2025, random
//! parameters, windows and `as_of` — so that every boundary (period ends, leap day, creation and
//! dissolution mid-period, late entries at the threshold) comes up.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, NaiveTime, TimeDelta};
use jiceng_types::OrgKind;
use proptest::prelude::*;

use super::hash::distance;
use super::*;

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (0u64..800).prop_map(|d| base() + Days::new(d))
}

/// Dates bunched on period edges half of the time.
fn edgy_date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        date(),
        (0u32..30, prop::bool::ANY).prop_map(|(m, last)| {
            let p = Period::Month(2024 + (m / 12) as i32, m % 12 + 1);
            if last { p.end() } else { p.start() }
        }),
    ]
}

fn opt_date() -> impl Strategy<Value = Option<NaiveDate>> {
    prop::option::weighted(0.3, edgy_date())
}

fn tenure() -> impl Strategy<Value = Tenure> {
    (
        prop::option::weighted(0.9, 1i64..10),
        prop::bool::weighted(0.3),
        edgy_date(),
        prop::option::weighted(0.4, edgy_date()),
    )
        .prop_map(|(member_id, secretary, from, to)| Tenure { member_id, secretary, from, to })
}

fn org(id: i64) -> impl Strategy<Value = OrgInput> {
    (
        prop::sample::select(OrgKind::ALL.to_vec()),
        prop::bool::weighted(0.7),
        opt_date(),
        opt_date(),
        prop::collection::vec(tenure(), 0..6),
        prop::collection::vec((1i64..4, opt_date(), opt_date()), 0..3),
        prop::collection::vec((1i64..10, opt_date(), opt_date()), 0..6),
    )
        .prop_map(move |(kind, branch, created_on, ended_on, team, groups, members)| OrgInput {
            id,
            kind: if branch { OrgKind::Branch } else { kind },
            created_on,
            ended_on,
            team,
            groups: groups
                .into_iter()
                .map(|(id, created_on, ended_on)| GroupInput { id, created_on, ended_on })
                .collect(),
            members: members.into_iter().map(|(member_id, from, to)| MemberSpan { member_id, from, to }).collect(),
        })
}

fn vote() -> impl Strategy<Value = VoteInput> {
    (prop::bool::ANY, 0u32..12, 0u32..12, 0u32..12).prop_map(|(election, eligible, present, in_favour)| VoteInput {
        subject: "事项".to_string(),
        election,
        eligible,
        present,
        in_favour,
    })
}

const HASHES: [u64; 3] = [0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210, 0x0f0f_0f0f_f0f0_f0f0];

fn meeting() -> impl Strategy<Value = MeetingInput> {
    (
        (1i64..5, prop::option::weighted(0.5, 1i64..4), 0u16..1024, edgy_date(), -2i64..25, 0i64..1440, 0i64..3),
        (
            prop::option::weighted(0.5, 1i64..10),
            0u32..10,
            0u32..10,
            prop::collection::btree_set(1i64..10, 0..8),
            prop::collection::btree_set(1i64..6, 0..3),
            prop::bool::ANY,
            prop::option::weighted(0.8, (0usize..3, prop::collection::vec(0u32..64, 0..5))),
            prop::collection::vec(vote(), 0..2),
            (prop::option::weighted(0.3, 0i64..3), prop::bool::weighted(0.3)),
        ),
    )
        .prop_map(|((org_id, group_id, kinds, held_on, delay, minute, recorded_by), rest)| {
            let (lecturer, expected, present, present_ids, study_items, first_agenda, hash, votes, (sitting, fixed)) =
                rest;
            let midnight = NaiveTime::from_hms_opt(0, 0, 0).unwrap();
            // A third of the records entered in one of three sittings (back-filling).
            let recorded_at = match sitting {
                Some(s) => base().and_time(midnight) + TimeDelta::days(400 + 150 * s) + TimeDelta::minutes(minute / 6),
                None => held_on.and_time(midnight) + TimeDelta::days(delay) + TimeDelta::minutes(minute),
            };
            // Some attendance lists copied from one meeting to the next.
            let (present_ids, expected) =
                if fixed { (vec![1, 2, 3], 5) } else { (present_ids.into_iter().collect(), expected) };
            MeetingInput {
                id: 0,
                org_id,
                group_id,
                kinds: KindSet(kinds),
                held_on,
                recorded_at,
                recorded_by,
                lecturer,
                expected,
                present,
                present_ids,
                study_items: study_items.into_iter().collect(),
                first_agenda,
                minutes_hash: hash.map(|(b, flips)| flips.iter().fold(HASHES[b], |h, bit| h ^ 1 << bit)),
                votes,
            }
        })
}

fn item() -> impl Strategy<Value = StudyItemInput> {
    (1i64..6, edgy_date(), 0u8..16, prop::option::weighted(0.4, 0u32..40))
        .prop_map(|(id, published_on, levels, within_days)| StudyItemInput { id, published_on, levels, within_days })
}

fn hours() -> impl Strategy<Value = MemberHours> {
    (1i64..10, 1i64..4, 2023i32..2027, 0u32..80, prop::bool::ANY).prop_map(
        |(member_id, org_id, year, hours, leader)| MemberHours {
            member_id,
            org_id,
            year,
            hours: f64::from(hours),
            leader,
        },
    )
}

fn input() -> impl Strategy<Value = Input> {
    (
        (org(1), org(2), org(3)),
        prop::collection::vec(meeting(), 0..40),
        prop::collection::vec(item(), 0..4),
        prop::collection::vec(hours(), 0..8),
        any::<u64>(),
        (0u32..24, 0u32..8, any::<u8>(), 1u32..29, prop::bool::weighted(0.8), meeting()),
    )
        .prop_map(|((a, b, c), mut meetings, items, hours, shuffle, series)| {
            // A monthly series of meetings with the same attendance list, with gaps.
            let (start, len, gaps, day, absent, template) = series;
            for k in 0..len {
                if gaps >> k & 1 == 1 && k % 3 == 2 {
                    continue;
                }
                let m = start + k;
                let held_on = NaiveDate::from_ymd_opt(2024 + (m / 12) as i32, m % 12 + 1, day.min(28)).unwrap();
                meetings.push(MeetingInput {
                    held_on,
                    present_ids: vec![2, 4, 6],
                    expected: if absent { 4 } else { 3 },
                    ..template.clone()
                });
            }
            // Unique meeting ids, not in the order of the list.
            let n = meetings.len() as u64;
            for (k, m) in meetings.iter_mut().enumerate() {
                m.id = ((k as u64 * 7 + shuffle % 13) % (n.max(1) * 7)) as i64 + 1;
            }
            let mut seen = std::collections::BTreeSet::new();
            meetings.retain(|m| seen.insert(m.id));
            let mut study_items = items;
            let mut ids = std::collections::BTreeSet::new();
            study_items.retain(|s| ids.insert(s.id));
            Input { orgs: vec![c, a, b], meetings, study_items, hours }
        })
}

fn params() -> impl Strategy<Value = Params> {
    (
        prop::collection::vec(0i64..3, 7),
        0i64..100,
        0i64..15,
        2i64..5,
        1i64..600,
        0i64..6,
        2i64..5,
        (0i64..3, 0i64..100, 0i64..100, 0i64..101, 1i64..20, 0i64..60, 0i64..60),
    )
        .prop_map(|(freq, quorum, late, burst, window, bits, months, rest)| {
            let (talks, vq, vp, eq, within, member_hours, secretary_hours) = rest;
            let mut o: BTreeMap<String, i64> = BTreeMap::new();
            let keys = [
                "branch.general_meeting.min_per_quarter",
                "branch.committee_meeting.min_per_month",
                "group.meeting.min_per_month",
                "branch.lecture.min_per_quarter",
                "branch.theme_day.min_per_month",
                "branch.org_life_meeting.min_per_year",
                "branch.appraisal.min_per_year",
            ];
            for (k, v) in keys.iter().zip(freq) {
                o.insert(k.to_string(), v);
            }
            for (k, v) in [
                ("branch.secretary.lectures_min_per_year", talks),
                ("committee.secretary.lectures_min_per_year", 2 - talks),
                ("branch.committee_meeting.quorum", quorum.min(99)),
                ("meeting.late_entry_days", late),
                ("meeting.backfill_burst", burst),
                ("meeting.backfill_window_minutes", window),
                ("meeting.minutes_similarity_bits", bits),
                ("meeting.same_attendance_months", months),
                ("talks.min_per_pair_per_year", talks),
                ("vote.meeting_quorum", vq.min(99)),
                ("vote.pass", vp.min(99)),
                ("election.quorum", eq),
                ("first_agenda.within_days", within),
                ("edu.member_hours_min", member_hours),
                ("edu.secretary_hours_min", secretary_hours),
            ] {
                o.insert(k.to_string(), v);
            }
            Params::with_overrides(&o).unwrap()
        })
}

fn window() -> impl Strategy<Value = (NaiveDate, NaiveDate, NaiveDate)> {
    (edgy_date(), 0u64..500, edgy_date()).prop_map(|(from, len, as_of)| (from, from + Days::new(len), as_of))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn evaluate_matches_the_reference(input in input(), params in params(), (from, to, as_of) in window()) {
        let got = evaluate(&input, &params, from, to, as_of);
        let want = super::reference::evaluate(&input, &params, from, to, as_of);
        prop_assert_eq!(&got.obligations, &want.obligations);
        prop_assert_eq!(&got.studies, &want.studies);
        prop_assert_eq!(&got.rates, &want.rates);
        let (violations, signals): (Vec<&Finding>, Vec<&Finding>) =
            got.findings.iter().partition(|f| f.kind == FindingKind::Violation);
        let (want_violations, want_signals): (Vec<&Finding>, Vec<&Finding>) =
            want.findings.iter().partition(|f| f.kind == FindingKind::Violation);
        prop_assert_eq!(violations, want_violations);
        prop_assert_eq!(signals, want_signals);
    }

    /// A view that reads only some organizations' meetings in a window of a larger input
    /// (a county kept in memory, checked for a township) finds what the smaller input alone finds.
    #[test]
    fn a_view_of_more_records_matches_the_records_it_reads(
        input in input(),
        params in params(),
        (from, to, as_of) in window(),
        keep in 1usize..3,
        (lo, len) in (edgy_date(), 0u64..500),
    ) {
        let hi = lo + Days::new(len);
        let orgs: Vec<OrgInput> = input.orgs[..keep].to_vec();
        let own = |m: &MeetingInput| orgs.iter().any(|o| o.id == m.org_id) && lo <= m.held_on && m.held_on <= hi;
        let alone = Input {
            meetings: input.meetings.iter().filter(|m| own(m)).cloned().collect(),
            orgs: orgs.clone(),
            ..input.clone()
        };
        let view = View { orgs: &orgs, held: Some((lo, hi)), own_meetings_only: true, ..input.view() };
        prop_assert_eq!(evaluate_view(view, &params, from, to, as_of), evaluate(&alone, &params, from, to, as_of));
    }

    #[test]
    fn similar_groups_finds_every_close_pair(
        hashes in prop::collection::vec((0usize..3, prop::collection::vec(0u32..64, 0..6)), 0..60),
        bits in 0u32..7,
    ) {
        let hashes: Vec<u64> = hashes.iter().map(|(b, flips)| flips.iter().fold(HASHES[*b], |h, f| h ^ 1 << f)).collect();
        let mut reported = Vec::new();
        super::hash::similar_groups(&hashes, bits, |x, y| match y {
            None => {
                for (k, &i) in x.iter().enumerate() {
                    reported.extend(x[k + 1..].iter().map(|&j| (i.min(j), i.max(j))));
                }
            }
            Some(y) => {
                for &i in x {
                    reported.extend(y.iter().map(|&j| (i.min(j), i.max(j))));
                }
            }
        });
        let found: std::collections::BTreeSet<(u32, u32)> = reported.iter().copied().collect();
        prop_assert_eq!(found.len(), reported.len(), "a pair was reported twice");
        let mut want = std::collections::BTreeSet::new();
        for i in 0..hashes.len() {
            for j in i + 1..hashes.len() {
                if distance(hashes[i], hashes[j]) <= bits {
                    want.insert((i as u32, j as u32));
                }
            }
        }
        prop_assert_eq!(found, want);
    }
}
