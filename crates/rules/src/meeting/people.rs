//! The rules about people rather than meeting counts: secretaries giving 党课, talks with every
//! member (谈心谈话), and training hours (学时). All are yearly and judged only once the year is over.

use jiceng_types::{OrgKind, Period};

use super::engine::{Ctx, Label, Len, Row, Scratch};
use super::{Evidence, Finding, FindingKind, MemberHours, OrgInput, Severity, exists_throughout};

/// At most this many members are listed as the evidence of one finding.
pub(crate) const MAX_MEMBERS: usize = 200;

/// The secretary-lecture rule of an organization kind and its required count.
pub(crate) fn lecture_rule(kind: OrgKind, ctx: &Ctx<'_>) -> Option<(&'static str, u32, &'static str)> {
    let (rule, required, who) = match kind {
        k if k.is_branch() => ("branch.secretary.lectures_min_per_year", ctx.p.branch_secretary_lectures, "支部书记"),
        OrgKind::Committee | OrgKind::WorkingCommittee | OrgKind::CountyCommittee => {
            ("committee.secretary.lectures_min_per_year", ctx.p.committee_secretary_lectures, "党组织书记")
        }
        _ => return None,
    };
    (required > 0).then_some((rule, required, who))
}

pub(crate) fn lecture_message(period: Period, who: &str, given: usize, required: u32) -> String {
    format!("{}{who}讲党课{given}次（应至少{required}次）", Label(period))
}

/// 书记讲党课: lectures (of any organization) given by a member while secretary of this one.
pub(crate) fn secretary_lectures(ctx: &Ctx<'_>, org: &OrgInput, out: &mut Vec<Finding>) {
    let Some((rule_id, required, who)) = lecture_rule(org.kind, ctx) else {
        return;
    };
    for span in ctx.spans(Len::Year) {
        if span.end >= ctx.as_of || !exists_throughout(org.created_on, org.ended_on, span.start, span.end) {
            continue;
        }
        let mut secretaries: Vec<i64> = Vec::new();
        let mut given: Vec<(chrono::NaiveDate, i64)> = Vec::new();
        for (k, t) in org.team.iter().enumerate() {
            let Some(id) = t.member_id else { continue };
            let counted = |e: &super::Tenure| e.secretary && e.member_id == Some(id) && e.during(span.start, span.end);
            if !counted(t) || org.team[..k].iter().any(counted) {
                continue;
            }
            secretaries.push(id);
            let lo = ctx.lectures.partition_point(|l| (l.0, l.1) < (id, span.start));
            let hi = lo + ctx.lectures[lo..].partition_point(|l| (l.0, l.1) <= (id, span.end));
            for &(_, day, meeting) in &ctx.lectures[lo..hi] {
                if org.team.iter().any(|e| e.secretary && e.member_id == Some(id) && e.on(day)) {
                    given.push((day, meeting));
                }
            }
        }
        if secretaries.is_empty() || given.len() >= required as usize {
            continue;
        }
        secretaries.sort_unstable();
        given.sort_unstable();
        out.push(Finding {
            org_id: org.id,
            rule_id,
            period: span.period,
            severity: Severity::Warning,
            kind: FindingKind::Violation,
            message: lecture_message(span.period, who, given.len(), required),
            evidence: Evidence {
                meetings: given.iter().map(|g| g.1).collect(),
                study_items: Vec::new(),
                members: secretaries,
            },
        });
    }
}

pub(crate) fn talks_message(period: Period, lacking: usize, required: u32) -> String {
    if required == 1 {
        format!("{}有{lacking}名党员全年未参加谈心谈话", Label(period))
    } else {
        format!("{}有{lacking}名党员参加谈心谈话少于{required}次", Label(period))
    }
}

/// 谈心谈话: every member of a branch in a year should be in at least one talk record.
pub(crate) fn talks(ctx: &Ctx<'_>, org: &OrgInput, ms: &[Row], scratch: &mut Scratch, out: &mut Vec<Finding>) {
    let required = ctx.p.talks_per_year;
    if required == 0 || !org.kind.is_branch() || org.members.is_empty() {
        return;
    }
    for span in ctx.spans(Len::Year) {
        if span.end >= ctx.as_of || !exists_throughout(org.created_on, org.ended_on, span.start, span.end) {
            continue;
        }
        let members = &mut scratch.ids;
        members.clear();
        members.extend(
            org.members
                .iter()
                // Members all year long: one admitted (or gone) during the year is not held to it.
                .filter(|s| s.from.is_none_or(|f| f <= span.start) && s.to.is_none_or(|t| t >= span.end))
                .map(|s| s.member_id),
        );
        if members.is_empty() {
            continue;
        }
        members.sort_unstable();
        members.dedup();
        let talked = &mut scratch.ids2;
        talked.clear();
        for r in ctx.held_in(ms, span.start, span.end) {
            if r.kinds.contains(jiceng_types::MeetingKind::Talk) {
                let m = ctx.m(r);
                let before = talked.len();
                for &p in &m.present_ids {
                    if talked.len() == before || talked[talked.len() - 1] != p {
                        talked.push(p);
                    }
                }
            }
        }
        talked.sort_unstable();
        let times = |id: i64| {
            let lo = talked.partition_point(|&p| p < id);
            talked[lo..].partition_point(|&p| p == id)
        };
        let lacking = members.iter().filter(|&&id| times(id) < required as usize).count();
        if lacking == 0 {
            continue;
        }
        let listed: Vec<i64> =
            members.iter().copied().filter(|&id| times(id) < required as usize).take(MAX_MEMBERS).collect();
        out.push(Finding {
            org_id: org.id,
            rule_id: "talks.min_per_pair_per_year",
            period: span.period,
            severity: Severity::Warning,
            kind: FindingKind::Violation,
            message: talks_message(span.period, lacking, required),
            evidence: Evidence { members: listed, ..Evidence::default() },
        });
    }
}

pub(crate) fn training_message(year: i32, leader: bool, count: usize, min: i64) -> String {
    let who = if leader { "书记和班子成员" } else { "党员" };
    format!("{year}年有{count}名{who}学时不足{min}学时")
}

/// 学时: members short of the yearly minimum, one finding per organization, year and minimum.
/// Only years over by `as_of`.
pub(crate) fn training(ctx: &Ctx<'_>, hours: &[MemberHours], out: &mut Vec<Finding>) {
    let done: Vec<i32> = ctx
        .spans(Len::Year)
        .iter()
        .filter(|s| s.end < ctx.as_of)
        .filter_map(|s| if let Period::Year(y) = s.period { Some(y) } else { None })
        .collect();
    let (Some(&first), Some(&last)) = (done.first(), done.last()) else {
        return;
    };
    let min = |leader: bool| if leader { ctx.p.secretary_hours } else { ctx.p.member_hours };
    let mut short: Vec<(i64, i32, bool, i64)> = hours
        .iter()
        .filter(|h| first <= h.year && h.year <= last && h.hours < min(h.leader) as f64)
        .map(|h| (h.org_id, h.year, h.leader, h.member_id))
        .collect();
    short.sort_unstable();
    short.dedup();
    for group in short.chunk_by(|a, b| (a.0, a.1, a.2) == (b.0, b.1, b.2)) {
        let (org_id, year, leader, _) = group[0];
        out.push(Finding {
            org_id,
            rule_id: if leader { "edu.secretary_hours_min" } else { "edu.member_hours_min" },
            period: Period::Year(year),
            severity: Severity::Warning,
            kind: FindingKind::Violation,
            message: training_message(year, leader, group.len(), min(leader)),
            evidence: Evidence {
                members: group.iter().take(MAX_MEMBERS).map(|r| r.3).collect(),
                ..Evidence::default()
            },
        });
    }
}
