//! A deliberately simple implementation of the same rules, for the property tests: loops over
//! every organization × period × meeting (and every pair of meetings), no indexes, no threads, day
//! by day where the real one works with spans. Only the wording of the messages is shared.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, TimeDelta};
use jiceng_types::{MeetingKind, OrgKind, Period, StudyLevel};

use super::engine::{Len, sort_outcome};
use super::frequency::{FREQ, missing_message, quorum_message, vote_message};
use super::hash::distance;
use super::people::{MAX_MEMBERS, lecture_message, talks_message, training_message};
use super::signals::{burst_message, copy_message, late_entry_message, same_attendance_message};
use super::study::study_finding;
use super::*;

fn periods(len: Len, from: NaiveDate, to: NaiveDate) -> Vec<Period> {
    let template = match len {
        Len::Month => Period::Month(0, 1),
        Len::Quarter => Period::Quarter(0, 1),
        Len::Year => Period::Year(0),
    };
    template.covering(from, to)
}

fn days(start: NaiveDate, end: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    start.iter_days().take_while(move |d| *d <= end)
}

fn in_office(t: &Tenure, d: NaiveDate) -> bool {
    t.from <= d && t.to.is_none_or(|to| d <= to)
}

fn exists_all_days(created: Option<NaiveDate>, ended: Option<NaiveDate>, start: NaiveDate, end: NaiveDate) -> bool {
    days(start, end).all(|d| created.is_none_or(|c| c <= d) && ended.is_none_or(|e| d < e))
}

fn delay(m: &MeetingInput) -> i64 {
    (m.recorded_at.date() - m.held_on).num_days()
}

fn violation(
    org_id: i64,
    rule_id: &'static str,
    period: Period,
    severity: Severity,
    message: String,
    evidence: Evidence,
) -> Finding {
    Finding { org_id, rule_id, period, severity, kind: FindingKind::Violation, message, evidence }
}

fn signal(org_id: i64, rule_id: &'static str, period: Period, message: String, evidence: Evidence) -> Finding {
    Finding { org_id, rule_id, period, severity: Severity::Notice, kind: FindingKind::Signal, message, evidence }
}

fn meetings_of<'a>(input: &'a Input, org: &OrgInput) -> Vec<&'a MeetingInput> {
    let mut v: Vec<&MeetingInput> = input.meetings.iter().filter(|m| m.org_id == org.id).collect();
    v.sort_by_key(|m| (m.held_on, m.id));
    v
}

fn pct(params: &Params, key: &str) -> u64 {
    params.get(key) as u64
}

pub(super) fn evaluate(input: &Input, params: &Params, from: NaiveDate, to: NaiveDate, as_of: NaiveDate) -> Outcome {
    let mut out = Outcome::default();
    if from > to {
        return out;
    }
    let late_days = params.get("meeting.late_entry_days");
    let in_window = |m: &&&MeetingInput| from <= m.held_on && m.held_on <= to;
    for org in &input.orgs {
        let mine = meetings_of(input, org);
        // Frequency rules.
        for rule in FREQ.iter().filter(|_| org.kind.is_branch()) {
            let required = params.get(rule.key) as u32;
            if required == 0 {
                continue;
            }
            for period in periods(rule.len, from, to) {
                let (start, end) = (period.start(), period.end());
                if !exists_all_days(org.created_on, org.ended_on, start, end) {
                    continue;
                }
                if rule.kind == MeetingKind::CommitteeMeeting
                    && !days(start, end).all(|d| org.team.iter().filter(|t| in_office(t, d)).count() >= 3)
                {
                    continue;
                }
                let mut groups: Vec<Option<&GroupInput>> = if rule.kind == MeetingKind::GroupMeeting {
                    org.groups
                        .iter()
                        .filter(|g| exists_all_days(g.created_on, g.ended_on, start, end))
                        .map(Some)
                        .collect()
                } else {
                    vec![None]
                };
                groups.sort_by_key(|g| g.map(|g| g.id));
                for g in groups {
                    let counted: Vec<&&MeetingInput> = mine
                        .iter()
                        .filter(|m| period.contains(m.held_on) && m.kinds.contains(rule.kind))
                        .filter(|m| g.is_none_or(|g| m.group_id == Some(g.id)))
                        .collect();
                    let held = counted.len() as u32;
                    let timely = counted.iter().filter(|m| delay(m) <= late_days).count() as u32;
                    let status = if held >= required && timely >= required {
                        CellStatus::Held
                    } else if held >= required {
                        CellStatus::Late
                    } else if end >= as_of {
                        CellStatus::Due
                    } else {
                        CellStatus::Missing
                    };
                    let ids: Vec<i64> = counted.iter().map(|m| m.id).collect();
                    if status == CellStatus::Missing {
                        out.findings.push(violation(
                            org.id,
                            rule.key,
                            period,
                            Severity::Warning,
                            missing_message(rule, period, g.map(|g| g.id), held, required),
                            Evidence { meetings: ids.clone(), ..Evidence::default() },
                        ));
                    }
                    out.obligations.push(Obligation {
                        org_id: org.id,
                        group_id: g.map(|g| g.id),
                        rule_id: rule.key,
                        period,
                        required,
                        held,
                        status,
                        meetings: ids,
                    });
                }
            }
        }
        // Committee quorum and votes.
        for m in mine.iter().filter(in_window) {
            if m.kinds.contains(MeetingKind::CommitteeMeeting) {
                let on: Vec<&Tenure> = org.team.iter().filter(|t| in_office(t, m.held_on)).collect();
                let n = on.len() as u64;
                let present = if m.present_ids.is_empty() {
                    u64::from(m.present).min(n)
                } else {
                    let team: BTreeSet<i64> = on.iter().filter_map(|t| t.member_id).collect();
                    let here: BTreeSet<i64> = m.present_ids.iter().copied().collect();
                    team.intersection(&here).count() as u64
                };
                let p = pct(params, "branch.committee_meeting.quorum");
                if n > 0 && present * 100 <= p * n {
                    out.findings.push(violation(
                        org.id,
                        "branch.committee_meeting.quorum",
                        Period::month_of(m.held_on),
                        Severity::Warning,
                        quorum_message(m, present, n, p),
                        Evidence { meetings: vec![m.id], ..Evidence::default() },
                    ));
                }
            }
            for v in &m.votes {
                let (eligible, present, yes) = (u64::from(v.eligible), u64::from(v.present), u64::from(v.in_favour));
                let checks = [
                    ("vote.meeting_quorum", present * 100 > pct(params, "vote.meeting_quorum") * eligible),
                    ("vote.pass", yes * 100 > pct(params, "vote.pass") * eligible),
                    ("election.quorum", !v.election || present * 100 >= pct(params, "election.quorum") * eligible),
                ];
                for (rule, ok) in checks {
                    if !ok {
                        out.findings.push(violation(
                            org.id,
                            rule,
                            Period::month_of(m.held_on),
                            Severity::Error,
                            vote_message(rule, m, v, pct(params, rule)),
                            Evidence { meetings: vec![m.id], ..Evidence::default() },
                        ));
                    }
                }
            }
        }
        years(input, params, org, &mine, from, to, as_of, &mut out);
        studies(input, params, org, &mine, from, to, as_of, &mut out);
        // 第一议题 rates.
        for q in periods(Len::Quarter, from, to) {
            let agenda: Vec<&&MeetingInput> = mine
                .iter()
                .filter(|m| q.contains(m.held_on))
                .filter(|m| {
                    m.kinds.contains(MeetingKind::CommitteeMeeting)
                        || m.kinds.contains(MeetingKind::PartyCommitteeMeeting)
                        || m.kinds.contains(MeetingKind::CentralGroupStudy)
                })
                .collect();
            if agenda.is_empty() {
                continue;
            }
            let with = agenda.iter().filter(|m| m.first_agenda).count() as u32;
            out.rates.push(AgendaRate {
                org_id: org.id,
                period: q,
                meetings: agenda.len() as u32,
                with_first_agenda: with,
            });
            let lacking: Vec<i64> = agenda.iter().filter(|m| !m.first_agenda).map(|m| m.id).collect();
            if !lacking.is_empty() {
                out.findings.push(violation(
                    org.id,
                    "first_agenda.missing",
                    q,
                    Severity::Notice,
                    super::study::missing_message(q, lacking.len(), agenda.len() as u32),
                    Evidence { meetings: lacking, ..Evidence::default() },
                ));
            }
        }
        // Late entry, per month.
        for month in periods(Len::Month, from, to) {
            let late: Vec<&&MeetingInput> =
                mine.iter().filter(in_window).filter(|m| month.contains(m.held_on) && delay(m) > late_days).collect();
            if !late.is_empty() {
                let total = late.iter().map(|m| delay(m)).sum();
                out.findings.push(signal(
                    org.id,
                    "meeting.late_entry",
                    month,
                    late_entry_message(month, late.len(), total),
                    Evidence { meetings: late.iter().map(|m| m.id).collect(), ..Evidence::default() },
                ));
            }
        }
        same_attendance(params, org, &mine, from, to, &mut out);
    }
    training(input, params, from, to, as_of, &mut out);
    minutes_copy(input, params, from, to, &mut out);
    bursts(input, params, from, to, &mut out);
    sort_outcome(&mut out);
    out
}

/// Secretary lectures and talks.
#[expect(clippy::too_many_arguments, reason = "test code")]
fn years(
    input: &Input,
    params: &Params,
    org: &OrgInput,
    mine: &[&MeetingInput],
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
    out: &mut Outcome,
) {
    for year in periods(Len::Year, from, to) {
        let (start, end) = (year.start(), year.end());
        if end >= as_of || !exists_all_days(org.created_on, org.ended_on, start, end) {
            continue;
        }
        let lecture_rule = match org.kind {
            k if k.is_branch() => Some(("branch.secretary.lectures_min_per_year", "支部书记")),
            OrgKind::Committee | OrgKind::WorkingCommittee | OrgKind::CountyCommittee => {
                Some(("committee.secretary.lectures_min_per_year", "党组织书记"))
            }
            _ => None,
        };
        if let Some((rule, who)) = lecture_rule {
            let required = params.get(rule) as u32;
            let secretaries: BTreeSet<i64> = org
                .team
                .iter()
                .filter(|t| t.secretary && days(start, end).any(|d| in_office(t, d)))
                .filter_map(|t| t.member_id)
                .collect();
            let mut given: Vec<&MeetingInput> = input
                .meetings
                .iter()
                .filter(|m| m.kinds.contains(MeetingKind::Lecture) && year.contains(m.held_on))
                .filter(|m| {
                    m.lecturer.is_some_and(|l| {
                        org.team.iter().any(|t| t.secretary && t.member_id == Some(l) && in_office(t, m.held_on))
                    })
                })
                .collect();
            given.sort_by_key(|m| (m.held_on, m.id));
            if required > 0 && !secretaries.is_empty() && (given.len() as u32) < required {
                out.findings.push(violation(
                    org.id,
                    rule,
                    year,
                    Severity::Warning,
                    lecture_message(year, who, given.len(), required),
                    Evidence {
                        meetings: given.iter().map(|m| m.id).collect(),
                        study_items: Vec::new(),
                        members: secretaries.into_iter().collect(),
                    },
                ));
            }
        }
        let required = params.get("talks.min_per_pair_per_year") as usize;
        if org.kind.is_branch() && required > 0 {
            let members: BTreeSet<i64> = org
                .members
                .iter()
                .filter(|s| days(start, end).all(|d| s.from.is_none_or(|f| f <= d) && s.to.is_none_or(|t| d <= t)))
                .map(|s| s.member_id)
                .collect();
            let lacking: Vec<i64> = members
                .iter()
                .copied()
                .filter(|id| {
                    mine.iter()
                        .filter(|m| m.kinds.contains(MeetingKind::Talk) && year.contains(m.held_on))
                        .filter(|m| m.present_ids.contains(id))
                        .count()
                        < required
                })
                .collect();
            if !lacking.is_empty() {
                out.findings.push(violation(
                    org.id,
                    "talks.min_per_pair_per_year",
                    year,
                    Severity::Warning,
                    talks_message(year, lacking.len(), required as u32),
                    Evidence { members: lacking.into_iter().take(MAX_MEMBERS).collect(), ..Evidence::default() },
                ));
            }
        }
    }
}

#[expect(clippy::too_many_arguments, reason = "test code")]
fn studies(
    input: &Input,
    params: &Params,
    org: &OrgInput,
    mine: &[&MeetingInput],
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
    out: &mut Outcome,
) {
    let mut items: Vec<&StudyItemInput> =
        input.study_items.iter().filter(|s| from <= s.published_on && s.published_on <= to).collect();
    items.sort_by_key(|s| s.id);
    for item in items {
        let days = item.within_days.unwrap_or(params.get("first_agenda.within_days") as u32);
        let deadline = item.published_on + Days::new(u64::from(days));
        let exists_then =
            org.created_on.is_none_or(|c| c <= item.published_on) && org.ended_on.is_none_or(|e| item.published_on < e);
        let ended_early = org.ended_on.is_some_and(|e| e < deadline);
        if item.levels & StudyLevel::of(org.kind).bit() == 0 || !exists_then || ended_early {
            continue;
        }
        let first = mine.iter().find(|m| m.study_items.contains(&item.id));
        let state = match first {
            Some(m) if m.held_on <= deadline => StudyState::Studied,
            Some(_) => StudyState::Late,
            None if deadline < as_of => StudyState::NotStudied,
            None => StudyState::Pending,
        };
        let s = StudyStatus {
            study_item_id: item.id,
            org_id: org.id,
            state,
            deadline,
            studied_on: first.map(|m| m.held_on),
            meeting_id: first.map(|m| m.id),
        };
        out.findings.extend(study_finding(org.id, item, &s, as_of));
        out.studies.push(s);
    }
}

fn month_index(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month()) - 1
}

fn same_attendance(
    params: &Params,
    org: &OrgInput,
    mine: &[&MeetingInput],
    from: NaiveDate,
    to: NaiveDate,
    out: &mut Outcome,
) {
    let need = params.get("meeting.same_attendance_months");
    let qualifying: Vec<&&MeetingInput> = mine
        .iter()
        .filter(|m| from <= m.held_on && m.held_on <= to)
        .filter(|m| !m.present_ids.is_empty() && m.present_ids.len() < m.expected as usize)
        .collect();
    let lists: BTreeSet<&Vec<i64>> = qualifying.iter().map(|m| &m.present_ids).collect();
    for list in lists {
        let months: BTreeSet<i64> =
            qualifying.iter().filter(|m| &m.present_ids == list).map(|m| month_index(m.held_on)).collect();
        for &first in &months {
            if months.contains(&(first - 1)) {
                continue;
            }
            let mut last = first;
            while months.contains(&(last + 1)) {
                last += 1;
            }
            if last - first + 1 < need {
                continue;
            }
            let run: Vec<&&&MeetingInput> = qualifying
                .iter()
                .filter(|m| &m.present_ids == list && (first..=last).contains(&month_index(m.held_on)))
                .collect();
            let (a, b) = (run[0].held_on, run[run.len() - 1].held_on);
            out.findings.push(signal(
                org.id,
                "meeting.same_attendance",
                Period::month_of(a),
                same_attendance_message(a, b, list.len()),
                Evidence {
                    meetings: run.iter().map(|m| m.id).collect(),
                    study_items: Vec::new(),
                    members: list.iter().copied().take(MAX_MEMBERS).collect(),
                },
            ));
        }
    }
}

fn training(input: &Input, params: &Params, from: NaiveDate, to: NaiveDate, as_of: NaiveDate, out: &mut Outcome) {
    for year in periods(Len::Year, from, to).into_iter().filter(|y| y.end() < as_of) {
        let Period::Year(y) = year else { continue };
        let orgs: BTreeSet<i64> = input.hours.iter().map(|h| h.org_id).collect();
        for org in orgs {
            for leader in [false, true] {
                let min = params.get(if leader { "edu.secretary_hours_min" } else { "edu.member_hours_min" });
                let short: BTreeSet<i64> = input
                    .hours
                    .iter()
                    .filter(|h| h.org_id == org && h.year == y && h.leader == leader && h.hours < min as f64)
                    .map(|h| h.member_id)
                    .collect();
                if !short.is_empty() {
                    out.findings.push(violation(
                        org,
                        if leader { "edu.secretary_hours_min" } else { "edu.member_hours_min" },
                        year,
                        Severity::Warning,
                        training_message(y, leader, short.len(), min),
                        Evidence { members: short.into_iter().take(MAX_MEMBERS).collect(), ..Evidence::default() },
                    ));
                }
            }
        }
    }
}

/// Every pair of meetings.
fn minutes_copy(input: &Input, params: &Params, from: NaiveDate, to: NaiveDate, out: &mut Outcome) {
    let bits = params.get("meeting.minutes_similarity_bits") as u32;
    let hashed: Vec<(&MeetingInput, u64)> = input
        .meetings
        .iter()
        .filter(|m| from <= m.held_on && m.held_on <= to)
        .filter_map(|m| m.minutes_hash.map(|h| (m, h)))
        .collect();
    for (k, &(m, h)) in hashed.iter().enumerate() {
        let original = hashed
            .iter()
            .enumerate()
            .filter(|(j, (_, g))| *j != k && distance(h, *g) <= bits)
            .map(|(_, (o, g))| (o, g))
            .min_by_key(|(o, _)| (o.held_on, o.id));
        if let Some((o, g)) = original
            && (o.held_on, o.id) < (m.held_on, m.id)
        {
            out.findings.push(signal(
                m.org_id,
                "meeting.minutes_copy",
                Period::month_of(m.held_on),
                copy_message(o.held_on, o.id, distance(h, *g)),
                Evidence { meetings: vec![o.id, m.id], ..Evidence::default() },
            ));
        }
    }
}

fn bursts(input: &Input, params: &Params, from: NaiveDate, to: NaiveDate, out: &mut Outcome) {
    let late_days = params.get("meeting.late_entry_days");
    let window = TimeDelta::minutes(params.get("meeting.backfill_window_minutes"));
    let need = params.get("meeting.backfill_burst") as usize;
    let recorders: BTreeSet<i64> = input.meetings.iter().map(|m| m.recorded_by).filter(|&r| r != 0).collect();
    for recorder in recorders {
        let mut late: Vec<&MeetingInput> = input
            .meetings
            .iter()
            .filter(|m| m.recorded_by == recorder && from <= m.held_on && m.held_on <= to && delay(m) > late_days)
            .collect();
        late.sort_by_key(|m| (m.recorded_at, m.id));
        let mut i = 0;
        while i < late.len() {
            let start: NaiveDateTime = late[i].recorded_at;
            let burst: Vec<&MeetingInput> =
                late[i..].iter().copied().take_while(|m| m.recorded_at <= start + window).collect();
            if burst.len() < need {
                i += 1;
                continue;
            }
            i += burst.len();
            let last = burst[burst.len() - 1].recorded_at;
            let orgs: BTreeSet<i64> = burst.iter().map(|m| m.org_id).collect();
            for org in orgs {
                let mut here: Vec<&&MeetingInput> = burst.iter().filter(|m| m.org_id == org).collect();
                here.sort_by_key(|m| (m.held_on, m.id));
                out.findings.push(signal(
                    org,
                    "meeting.backfill_burst",
                    Period::month_of(start.date()),
                    burst_message(recorder, start, last, burst.len(), here.len()),
                    Evidence { meetings: here.iter().map(|m| m.id).collect(), ..Evidence::default() },
                ));
            }
        }
    }
}
