//! 三会一课, 主题党日, 组织生活会, 民主评议 (how often a branch must meet), the quorum of its
//! committee, and the validity of votes and elections.

use chrono::NaiveDate;
use jiceng_types::{MeetingKind, Period};

use super::engine::{Ctx, Label, Len, Partial, Row, Scratch, Span};
use super::params::Resolved;
use super::{
    CellStatus, Evidence, Finding, FindingKind, MeetingInput, Obligation, OrgInput, Severity, Tenure, VoteInput,
    exists_throughout,
};

/// A rule of the form "at least N meetings of this kind per period".
#[derive(Debug, Clone, Copy)]
pub(crate) struct FreqRule {
    pub key: &'static str,
    pub kind: MeetingKind,
    pub len: Len,
    /// The verb of the message: 召开, 开展, 组织.
    pub verb: &'static str,
    /// What is held, for the message.
    pub what: &'static str,
}

const fn freq(key: &'static str, kind: MeetingKind, len: Len, verb: &'static str, what: &'static str) -> FreqRule {
    FreqRule { key, kind, len, verb, what }
}

/// The frequency rules, sorted by key (the order of the obligations of one organization).
pub(crate) const FREQ: [FreqRule; 7] = [
    freq("branch.appraisal.min_per_year", MeetingKind::MemberAppraisal, Len::Year, "开展", "民主评议党员"),
    freq("branch.committee_meeting.min_per_month", MeetingKind::CommitteeMeeting, Len::Month, "召开", "支部委员会"),
    freq("branch.general_meeting.min_per_quarter", MeetingKind::GeneralMeeting, Len::Quarter, "召开", "支部党员大会"),
    freq("branch.lecture.min_per_quarter", MeetingKind::Lecture, Len::Quarter, "组织", "党课"),
    freq("branch.org_life_meeting.min_per_year", MeetingKind::OrgLifeMeeting, Len::Year, "召开", "组织生活会"),
    freq("branch.theme_day.min_per_month", MeetingKind::ThemeDay, Len::Month, "开展", "主题党日"),
    freq("group.meeting.min_per_month", MeetingKind::GroupMeeting, Len::Month, "召开", "党小组会"),
];

/// A committee (支部委员会) exists on the days at least this many of its members are in office.
pub(crate) const COMMITTEE_MIN: usize = 3;

/// The message of a missed frequency rule.
pub(crate) fn missing_message(rule: &FreqRule, period: Period, group: Option<i64>, held: u32, required: u32) -> String {
    let who = group.map(|g| format!("党小组（编号{g}）")).unwrap_or_default();
    if held == 0 {
        format!("{who}{}未{}{}（应至少{}次）", Label(period), rule.verb, rule.what, required)
    } else {
        format!("{who}{}只{}{}{}次（应至少{}次）", Label(period), rule.verb, rule.what, held, required)
    }
}

/// The cell's verdict: `held` meetings of which `timely` were entered in time.
pub(crate) fn status(held: u32, timely: u32, required: u32, end: NaiveDate, as_of: NaiveDate) -> CellStatus {
    if held >= required {
        if timely >= required { CellStatus::Held } else { CellStatus::Late }
    } else if end >= as_of {
        CellStatus::Due
    } else {
        CellStatus::Missing
    }
}

/// The maximal spans (first and last day) on which at least [`COMMITTEE_MIN`] tenures are in office.
pub(crate) fn committee_spans(team: &[Tenure]) -> Vec<(NaiveDate, NaiveDate)> {
    let mut events: Vec<(NaiveDate, i32)> = Vec::with_capacity(team.len() * 2);
    for t in team {
        if t.to.is_some_and(|to| to < t.from) {
            continue;
        }
        events.push((t.from, 1));
        if let Some(after) = t.to.and_then(|to| to.succ_opt()) {
            events.push((after, -1));
        }
    }
    events.sort_unstable();
    let mut out = Vec::new();
    let (mut count, mut open) = (0i32, None);
    let mut k = 0;
    while k < events.len() {
        let day = events[k].0;
        while k < events.len() && events[k].0 == day {
            count += events[k].1;
            k += 1;
        }
        let enough = count >= COMMITTEE_MIN as i32;
        match (open, enough) {
            (None, true) => open = Some(day),
            (Some(start), false) => {
                out.push((start, day.pred_opt().unwrap_or(day)));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(start) = open {
        out.push((start, NaiveDate::MAX));
    }
    out
}

/// The obligations of one organization (branches only) with a finding for each missed one.
pub(crate) fn obligations(ctx: &Ctx<'_>, org: &OrgInput, ms: &[Row], scratch: &mut Scratch, out: &mut Partial) {
    if !org.kind.is_branch() {
        return;
    }
    let committee = if ctx.p.committee_per_month > 0 && org.team.len() >= COMMITTEE_MIN {
        committee_spans(&org.team)
    } else {
        Vec::new()
    };
    let groups = &mut scratch.idx;
    groups.clear();
    groups.extend(0..org.groups.len() as u32);
    groups.sort_by_key(|&g| org.groups[g as usize].id);
    for rule in &FREQ {
        let required = ctx.p.required(rule.key);
        if required == 0 {
            continue;
        }
        for (span, held_in) in ctx.per_period(ms, rule.len) {
            if !exists_throughout(org.created_on, org.ended_on, span.start, span.end) {
                continue;
            }
            if rule.kind == MeetingKind::CommitteeMeeting
                && !committee.iter().any(|&(s, e)| s <= span.start && span.end <= e)
            {
                continue;
            }
            if rule.kind.is_group_kind() {
                for &g in groups.iter() {
                    let g = &org.groups[g as usize];
                    if exists_throughout(g.created_on, g.ended_on, span.start, span.end) {
                        cell(ctx, org, rule, span, Some(g.id), required, held_in, out);
                    }
                }
            } else {
                cell(ctx, org, rule, span, None, required, held_in, out);
            }
        }
    }
}

#[expect(clippy::too_many_arguments, reason = "one cell of the grid: the rule, where and what was held")]
fn cell(
    ctx: &Ctx<'_>,
    org: &OrgInput,
    rule: &FreqRule,
    span: &Span,
    group: Option<i64>,
    required: u32,
    held_in: &[Row],
    out: &mut Partial,
) {
    let counts = |r: &&Row| r.kinds.contains(rule.kind) && (group.is_none() || r.group == group);
    let (mut held, mut timely) = (0u32, 0u32);
    for r in held_in.iter().filter(counts) {
        held += 1;
        timely += u32::from(i64::from(r.delay) <= ctx.p.late_days);
    }
    let meetings: Vec<i64> = if held == 0 {
        Vec::new()
    } else {
        let mut v = Vec::with_capacity(held as usize);
        v.extend(held_in.iter().filter(counts).map(|r| r.id));
        v
    };
    let status = status(held, timely, required, span.end, ctx.as_of);
    if status == CellStatus::Missing {
        out.findings.push(Finding {
            org_id: org.id,
            rule_id: rule.key,
            period: span.period,
            severity: Severity::Warning,
            kind: FindingKind::Violation,
            message: missing_message(rule, span.period, group, held, required),
            evidence: Evidence { meetings: meetings.clone(), ..Evidence::default() },
        });
    }
    out.obligations.push(Obligation {
        org_id: org.id,
        group_id: group,
        rule_id: rule.key,
        period: span.period,
        required,
        held,
        status,
        meetings,
    });
}

/// How a share reads in a message: 半数 for 50 %, 五分之四 for 80 %, else the percentage.
pub(crate) fn share(pct: u64) -> String {
    match pct {
        50 => "半数".to_string(),
        80 => "五分之四".to_string(),
        _ => format!("{pct}%"),
    }
}

/// The committee members present at a meeting and the committee's size that day.
pub(crate) fn committee_presence(team: &[Tenure], m: &MeetingInput) -> (u64, u64) {
    let d = m.held_on;
    let n = team.iter().filter(|t| t.on(d)).count() as u64;
    if m.present_ids.is_empty() {
        return (u64::from(m.present).min(n), n);
    }
    let mut present = 0u64;
    for (k, t) in team.iter().enumerate() {
        if let Some(id) = t.member_id
            && t.on(d)
            && !team[..k].iter().any(|e| e.member_id == Some(id) && e.on(d))
            && m.present_ids.contains(&id)
        {
            present += 1;
        }
    }
    (present, n)
}

pub(crate) fn quorum_message(m: &MeetingInput, present: u64, n: u64, pct: u64) -> String {
    format!("{}召开的支部委员会到会委员{present}名，未超过全体委员{n}名的{}", m.held_on, share(pct))
}

/// The message of a failed vote check (`rule` is the check's id).
pub(crate) fn vote_message(rule: &str, m: &MeetingInput, v: &VoteInput, pct: u64) -> String {
    let what = if v.election { "选举" } else { "表决" };
    match rule {
        "vote.pass" => format!(
            "{}{what}“{}”赞成{}票，未超过应到会{}人的{}",
            m.held_on,
            v.subject,
            v.in_favour,
            v.eligible,
            share(pct)
        ),
        "election.quorum" => format!(
            "{}选举“{}”到会{}人，未达到应到会{}人的{}，选举无效",
            m.held_on,
            v.subject,
            v.present,
            v.eligible,
            share(pct)
        ),
        _ => format!(
            "{}{what}“{}”时到会{}人，未超过应到会{}人的{}",
            m.held_on,
            v.subject,
            v.present,
            v.eligible,
            share(pct)
        ),
    }
}

/// The checks a vote fails: (rule, the percentage it needed).
pub(crate) fn vote_failures(v: &VoteInput, p: &Resolved) -> impl Iterator<Item = (&'static str, u64)> {
    let (eligible, present, yes) = (u64::from(v.eligible), u64::from(v.present), u64::from(v.in_favour));
    [
        ("vote.meeting_quorum", p.vote_quorum, present * 100 <= p.vote_quorum * eligible),
        ("vote.pass", p.vote_pass, yes * 100 <= p.vote_pass * eligible),
        ("election.quorum", p.election_quorum, v.election && present * 100 < p.election_quorum * eligible),
    ]
    .into_iter()
    .filter(|f| f.2)
    .map(|(rule, pct, _)| (rule, pct))
}

/// The committee's quorum at each of its meetings and the validity of every vote, for meetings
/// held in `[from, to]`.
pub(crate) fn quorum_and_votes(ctx: &Ctx<'_>, org: &OrgInput, ms: &[Row], out: &mut Vec<Finding>) {
    let quorum = !org.team.is_empty();
    for r in ctx.held_in(ms, ctx.from, ctx.to) {
        let committee = quorum && r.kinds.contains(MeetingKind::CommitteeMeeting);
        if !committee && !r.has_votes() {
            continue;
        }
        let m = ctx.m(r);
        let finding = |rule_id, severity, message| Finding {
            org_id: org.id,
            rule_id,
            period: Period::month_of(m.held_on),
            severity,
            kind: FindingKind::Violation,
            message,
            evidence: Evidence { meetings: vec![m.id], ..Evidence::default() },
        };
        if committee {
            let (present, n) = committee_presence(&org.team, m);
            if n > 0 && present * 100 <= ctx.p.committee_quorum * n {
                let message = quorum_message(m, present, n, ctx.p.committee_quorum);
                out.push(finding("branch.committee_meeting.quorum", Severity::Warning, message));
            }
        }
        for v in &m.votes {
            for (rule, pct) in vote_failures(v, &ctx.p) {
                out.push(finding(rule, Severity::Error, vote_message(rule, m, v, pct)));
            }
        }
    }
}
