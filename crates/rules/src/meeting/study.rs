//! 第一议题: whether every organization studied each item pushed to its level in time, and how
//! many of its decision meetings opened with such a study (落实率).

use chrono::{Days, NaiveDate};
use jiceng_types::{MeetingKind, Period, StudyLevel};

use super::engine::{Ctx, Label, Len, Partial, Row, Scratch};
use super::{
    AgendaRate, Evidence, Finding, FindingKind, KindSet, OrgInput, Severity, StudyItemInput, StudyState, StudyStatus,
};

/// The last day to study an item.
pub(crate) fn deadline(item: &StudyItemInput, default_days: u32) -> NaiveDate {
    let days = item.within_days.unwrap_or(default_days);
    item.published_on.checked_add_days(Days::new(u64::from(days))).unwrap_or(NaiveDate::MAX)
}

/// Whether an item applies to an organization: its level is among the item's, the organization
/// existed when the item was published and was not ended before the deadline.
pub(crate) fn applies(item: &StudyItemInput, org: &OrgInput, deadline: NaiveDate) -> bool {
    let p = item.published_on;
    item.levels & StudyLevel::of(org.kind).bit() != 0
        && org.created_on.is_none_or(|c| c <= p)
        && org.ended_on.is_none_or(|e| e > p && e >= deadline)
}

/// The state of an item whose first study (if any) was on `studied_on`.
pub(crate) fn state(studied_on: Option<NaiveDate>, deadline: NaiveDate, as_of: NaiveDate) -> StudyState {
    match studied_on {
        Some(d) if d <= deadline => StudyState::Studied,
        Some(_) => StudyState::Late,
        None if deadline < as_of => StudyState::NotStudied,
        None => StudyState::Pending,
    }
}

/// The finding of a study state, if it is one.
pub(crate) fn study_finding(org_id: i64, item: &StudyItemInput, s: &StudyStatus, as_of: NaiveDate) -> Option<Finding> {
    let (rule_id, severity, message, meetings) = match (s.state, s.studied_on, s.meeting_id) {
        (StudyState::Late, Some(on), Some(meeting)) => (
            "first_agenda.late",
            Severity::Notice,
            format!(
                "第一议题（编号{}）{}发布，应于{}前学习，{}才学习，学习不及时（晚{}天）",
                item.id,
                item.published_on,
                s.deadline,
                on,
                (on - s.deadline).num_days()
            ),
            vec![meeting],
        ),
        (StudyState::NotStudied, ..) => (
            "first_agenda.not_studied",
            Severity::Warning,
            format!(
                "第一议题（编号{}）{}发布，应于{}前学习，截至{}未学习（应学未学）",
                item.id, item.published_on, s.deadline, as_of
            ),
            Vec::new(),
        ),
        _ => return None,
    };
    Some(Finding {
        org_id,
        rule_id,
        period: Period::month_of(item.published_on),
        severity,
        kind: FindingKind::Violation,
        message,
        evidence: Evidence { meetings, study_items: vec![item.id], members: Vec::new() },
    })
}

/// Where the organization stands with every item published in `[from, to]` that applies to it.
pub(crate) fn studies(ctx: &Ctx<'_>, org: &OrgInput, ms: &[Row], scratch: &mut Scratch, out: &mut Partial) {
    if ctx.items.is_empty() {
        return;
    }
    // (item, held_on, meeting) for every item its meetings studied, in the order held; sorted by
    // item when there are many.
    let studied = &mut scratch.studied;
    studied.clear();
    for r in ms.iter().filter(|r| r.has_studies()) {
        studied.extend(ctx.m(r).study_items.iter().map(|&item| (item, r.held, r.id)));
    }
    let sorted = studied.len() > 32;
    if sorted {
        studied.sort_unstable();
    }
    for &(item, deadline) in &ctx.items {
        if !applies(item, org, deadline) {
            continue;
        }
        let first = if sorted {
            studied.get(studied.partition_point(|s| s.0 < item.id)).filter(|s| s.0 == item.id)
        } else {
            studied.iter().find(|s| s.0 == item.id)
        };
        let s = StudyStatus {
            study_item_id: item.id,
            org_id: org.id,
            state: state(first.map(|f| f.1), deadline, ctx.as_of),
            deadline,
            studied_on: first.map(|f| f.1),
            meeting_id: first.map(|f| f.2),
        };
        if let Some(f) = study_finding(org.id, item, &s, ctx.as_of) {
            out.findings.push(f);
        }
        out.studies.push(s);
    }
}

/// The meetings whose first agenda item should be a 第一议题 study.
pub(crate) const AGENDA_KINDS: KindSet = KindSet(
    1 << MeetingKind::CommitteeMeeting as u16
        | 1 << MeetingKind::PartyCommitteeMeeting as u16
        | 1 << MeetingKind::CentralGroupStudy as u16,
);

pub(crate) fn missing_message(period: Period, lacking: usize, total: u32) -> String {
    format!("{}有{lacking}次会议（共{total}次）未把学习第一议题作为第一项议程", Label(period))
}

/// The 第一议题 rate of each quarter, with a finding for the meetings that lacked it.
pub(crate) fn rates(ctx: &Ctx<'_>, org: &OrgInput, ms: &[Row], out: &mut Partial) {
    for (span, held) in ctx.per_period(ms, Len::Quarter) {
        let (mut meetings, mut with) = (0u32, 0u32);
        for r in held.iter().filter(|r| r.kinds.intersects(AGENDA_KINDS)) {
            meetings += 1;
            with += u32::from(r.first_agenda());
        }
        if meetings == 0 {
            continue;
        }
        out.rates.push(AgendaRate { org_id: org.id, period: span.period, meetings, with_first_agenda: with });
        if with < meetings {
            let lacking: Vec<i64> =
                held.iter().filter(|r| r.kinds.intersects(AGENDA_KINDS) && !r.first_agenda()).map(|r| r.id).collect();
            out.findings.push(Finding {
                org_id: org.id,
                rule_id: "first_agenda.missing",
                period: span.period,
                severity: Severity::Notice,
                kind: FindingKind::Violation,
                message: missing_message(span.period, lacking.len(), meetings),
                evidence: Evidence { meetings: lacking, ..Evidence::default() },
            });
        }
    }
}
