//! How [`super::evaluate`] runs, on up to two threads (a province-year is 80,000 organizations
//! and 3.4 million meetings):
//!
//! 1. One pass over the meetings (each half on a thread) finds each one's organization and
//!    gathers what the checks across organizations need (lectures, fingerprints, late records);
//!    a counting sort then groups the meetings by organization as indexes, never copies.
//! 2. The organizations, in id order, are cut into chunks. The first thread takes chunks from the
//!    front and writes straight into the output lists (reserved up front); the second runs the
//!    checks across organizations (copied minutes, bursts of back-filling, training hours) and
//!    then takes chunks from the back into lists of its own. Each organization's meetings are
//!    first read into compact [`Row`]s, so the checks read a few cache lines, not the records.
//! 3. The second thread's lists are appended in chunk order and the findings merged, again on two
//!    threads. Everything comes out sorted by construction; the result does not depend on the
//!    number of threads or on how the chunks were shared.

use std::sync::Mutex;

use chrono::{NaiveDate, NaiveDateTime};
use jiceng_types::{MeetingKind, Period};

use super::params::Resolved;
use super::{
    AgendaRate, Finding, KindSet, MeetingInput, Obligation, OrgInput, Outcome, Params, StudyItemInput, StudyStatus,
    View, frequency, people, signals, study,
};

/// A period with its first and last day worked out once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub period: Period,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The length of the periods a rule counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Len {
    Month,
    Quarter,
    Year,
}

fn spans(template: Period, from: NaiveDate, to: NaiveDate) -> Vec<Span> {
    template
        .covering(from, to)
        .into_iter()
        .map(|period| Span { period, start: period.start(), end: period.end() })
        .collect()
}

/// What every check shares: the input, the parameters, the window and a few indexes.
pub(crate) struct Ctx<'a> {
    pub meetings: &'a [MeetingInput],
    pub p: Resolved,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: NaiveDate,
    months: Vec<Span>,
    quarters: Vec<Span>,
    years: Vec<Span>,
    /// Every 党课 with a lecturer, of any organization: (lecturer, held_on, meeting id), sorted.
    pub lectures: Vec<(i64, NaiveDate, i64)>,
    /// The 第一议题 items published in `[from, to]` with their deadlines, sorted by id.
    pub items: Vec<(&'a StudyItemInput, NaiveDate)>,
}

impl Ctx<'_> {
    /// The periods of this length overlapping `[from, to]`.
    pub(crate) fn spans(&self, len: Len) -> &[Span] {
        match len {
            Len::Month => &self.months,
            Len::Quarter => &self.quarters,
            Len::Year => &self.years,
        }
    }

    /// The rows (sorted by date) of meetings held in `[start, end]`.
    pub(crate) fn held_in<'r>(&self, rows: &'r [Row], start: NaiveDate, end: NaiveDate) -> &'r [Row] {
        let lo = rows.partition_point(|r| r.held < start);
        let hi = lo + rows[lo..].partition_point(|r| r.held <= end);
        &rows[lo..hi]
    }

    /// Each period of this length with the rows (sorted by date) held in it: one walk over the
    /// rows instead of a search per period.
    pub(crate) fn per_period<'r>(&'r self, rows: &'r [Row], len: Len) -> impl Iterator<Item = (&'r Span, &'r [Row])> {
        let mut pos = 0;
        self.spans(len).iter().map(move |s| {
            while pos < rows.len() && rows[pos].held < s.start {
                pos += 1;
            }
            let lo = pos;
            while pos < rows.len() && rows[pos].held <= s.end {
                pos += 1;
            }
            (s, &rows[lo..pos])
        })
    }

    /// The meeting of a row.
    pub(crate) fn m(&self, r: &Row) -> &MeetingInput {
        &self.meetings[r.idx as usize]
    }
}

/// What the checks of one organization read of each of its meetings, in a few bytes and next to
/// each other, so the meetings themselves are read once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub id: i64,
    pub group: Option<i64>,
    pub held: NaiveDate,
    /// Days from the meeting to the entry of its record.
    pub delay: i32,
    /// The meeting's index in the input.
    pub idx: u32,
    pub kinds: KindSet,
    flags: u8,
}

impl Row {
    const FIRST_AGENDA: u8 = 1;
    const VOTES: u8 = 2;
    const STUDIES: u8 = 4;
    const ABSENCE: u8 = 8;

    fn new(m: &MeetingInput, idx: u32) -> Self {
        let set = |yes: bool, flag: u8| if yes { flag } else { 0 };
        let flags = set(m.first_agenda, Self::FIRST_AGENDA)
            | set(!m.votes.is_empty(), Self::VOTES)
            | set(!m.study_items.is_empty(), Self::STUDIES)
            | set(!m.present_ids.is_empty() && m.present_ids.len() < m.expected as usize, Self::ABSENCE);
        let delay = m.entry_delay().clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        Row { id: m.id, group: m.group_id, held: m.held_on, delay, idx, kinds: m.kinds, flags }
    }

    /// The first agenda item was a 第一议题 study.
    pub(crate) fn first_agenda(&self) -> bool {
        self.flags & Self::FIRST_AGENDA != 0
    }

    /// Votes were taken.
    pub(crate) fn has_votes(&self) -> bool {
        self.flags & Self::VOTES != 0
    }

    /// Items were studied.
    pub(crate) fn has_studies(&self) -> bool {
        self.flags & Self::STUDIES != 0
    }

    /// Those present are listed and someone was absent.
    pub(crate) fn listed_with_absence(&self) -> bool {
        self.flags & Self::ABSENCE != 0
    }
}

/// The Chinese name of a period (`2025年3月`, `2025年第1季度`, `2025年`, as [`Period::label`]),
/// written straight into a message.
pub(crate) struct Label(pub Period);

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Period::Month(y, m) => write!(f, "{y}年{m}月"),
            Period::Quarter(y, q) => write!(f, "{y}年第{q}季度"),
            Period::Year(y) => write!(f, "{y}年"),
        }
    }
}

/// What one job found.
#[derive(Debug, Default)]
pub(crate) struct Partial {
    pub obligations: Vec<Obligation>,
    pub findings: Vec<Finding>,
    pub studies: Vec<StudyStatus>,
    pub rates: Vec<AgendaRate>,
}

/// Buffers a thread reuses from one organization to the next.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub rows: Vec<Row>,
    pub idx: Vec<u32>,
    pub keyed: Vec<(u64, u32)>,
    pub ids: Vec<i64>,
    pub ids2: Vec<i64>,
    pub studied: Vec<(i64, NaiveDate, i64)>,
}

const ORGS_PER_CHUNK: usize = 256;

/// Two threads at most: the machine is shared with the web server and the database.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 2)
}

/// Runs `f(0)` and `f(1)` on two threads (or one after the other on one).
fn both<T: Send>(threads: usize, f: impl Fn(usize) -> T + Sync) -> [T; 2] {
    if threads <= 1 {
        return [f(0), f(1)];
    }
    std::thread::scope(|s| {
        let second = s.spawn(|| f(1));
        let first = f(0);
        [first, second.join().unwrap_or_else(|e| std::panic::resume_unwind(e))]
    })
}

/// Runs `a` and `b` on two threads (or one after the other on one).
fn join2<A: Send, B: Send>(threads: usize, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    if threads <= 1 {
        return (a(), b());
    }
    std::thread::scope(|s| {
        let second = s.spawn(b);
        let first = a();
        (first, second.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
}

/// Reserves an upper bound of the obligations, studies and rates, so that the output lists are
/// not copied while they grow (capacity never written costs no memory).
fn reserve(ctx: &Ctx<'_>, orgs: &[OrgInput], out: &mut Partial) {
    let periods = |len| ctx.spans(len).len();
    let per_branch: usize = frequency::FREQ.iter().filter(|r| !r.kind.is_group_kind()).map(|r| periods(r.len)).sum();
    let obligations: usize =
        orgs.iter().filter(|o| o.kind.is_branch()).map(|o| per_branch + o.groups.len() * periods(Len::Month)).sum();
    out.obligations.reserve(obligations);
    out.studies.reserve(orgs.len() * ctx.items.len());
    out.rates.reserve(orgs.len() * periods(Len::Quarter));
}

pub(crate) fn run(input: View<'_>, params: &Params, from: NaiveDate, to: NaiveDate, as_of: NaiveDate) -> Outcome {
    // Period arithmetic is defined for years 1–9999; nothing real lies outside.
    let lo = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
    let hi = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let (from, to) = (from.max(lo), to.min(hi));
    if from > to {
        return Outcome::default();
    }
    let threads = threads();
    let meetings = input.meetings;
    let orgs = input.orgs;

    // Organizations in id order; the slot of each meeting's organization id (two halves on two
    // threads), next to the index of lectures.
    let mut org_order: Vec<u32> = (0..orgs.len() as u32).collect();
    org_order.sort_by_key(|&i| orgs[i as usize].id);
    let mut ids: Vec<i64> = org_order.iter().map(|&i| orgs[i as usize].id).collect();
    ids.dedup();
    let p = Resolved::new(params);
    let half = meetings.len() / 2;
    let [first, second] = both(threads, |j| {
        let offset = if j == 0 { 0 } else { half };
        let part = if j == 0 { &meetings[..half] } else { &meetings[half..] };
        // The first half's lists get room for the second's.
        let room = if j == 0 { meetings.len() } else { part.len() };
        scan(part, offset, room, &ids, Admit { held: input.held, own_only: input.own_meetings_only }, &p, (from, to))
    });
    // Meetings grouped by organization: a counting sort on the slots.
    let slots = || first.slots.iter().chain(second.slots.iter()).copied();
    let mut offsets = vec![0u32; ids.len() + 1];
    for s in slots().filter(|&s| s != u32::MAX) {
        offsets[s as usize + 1] += 1;
    }
    for s in 0..ids.len() {
        offsets[s + 1] += offsets[s];
    }
    let mut fill = offsets.clone();
    let mut grouped = vec![0u32; offsets[ids.len()] as usize];
    for (i, s) in slots().enumerate().filter(|(_, s)| *s != u32::MAX) {
        grouped[fill[s as usize] as usize] = i as u32;
        fill[s as usize] += 1;
    }
    drop(fill);
    let Scan { lectures, mut minutes_of, mut minutes, mut late, .. } = first;
    let lectures = merge_sorted(lectures, second.lectures);
    minutes_of.extend(second.minutes_of);
    minutes.extend(second.minutes);
    late.extend(second.late);

    let mut items: Vec<(&StudyItemInput, NaiveDate)> = input
        .study_items
        .iter()
        .filter(|s| from <= s.published_on && s.published_on <= to)
        .map(|s| (s, study::deadline(s, p.first_agenda_days)))
        .collect();
    items.sort_by_key(|s| s.0.id);
    let ctx = Ctx {
        meetings,
        p,
        from,
        to,
        as_of,
        months: spans(Period::Month(0, 1), from, to),
        quarters: spans(Period::Quarter(0, 1), from, to),
        years: spans(Period::Year(0), from, to),
        lectures,
        items,
    };

    // The organizations in chunks: the first thread takes them from the front, writing straight
    // into the output lists; the second does the checks across organizations, then takes chunks
    // from the back into lists of its own, appended at the end. No list is copied as a whole.
    let chunks = orgs.len().div_ceil(ORGS_PER_CHUNK);
    let bounds = Mutex::new((0usize, chunks));
    let take = |front: bool| {
        let mut b = bounds.lock().unwrap_or_else(|e| e.into_inner());
        if b.0 >= b.1 {
            None
        } else if front {
            b.0 += 1;
            Some(b.0 - 1)
        } else {
            b.1 -= 1;
            Some(b.1)
        }
    };
    let chunk = |c: usize, scratch: &mut Scratch, out: &mut Partial| {
        let range = c * ORGS_PER_CHUNK..((c + 1) * ORGS_PER_CHUNK).min(orgs.len());
        for &o in &org_order[range] {
            let org = &orgs[o as usize];
            let ms = match ids.binary_search(&org.id) {
                Ok(s) => &grouped[offsets[s] as usize..offsets[s + 1] as usize],
                Err(_) => &[][..],
            };
            let mut rows = std::mem::take(&mut scratch.rows);
            rows.clear();
            rows.extend(ms.iter().map(|&i| Row::new(&meetings[i as usize], i)));
            if !rows.is_sorted_by_key(|r| (r.held, r.id)) {
                rows.sort_unstable_by_key(|r| (r.held, r.id));
            }
            org_rules(&ctx, org, &rows, scratch, out);
            scratch.rows = rows;
        }
    };
    // The checks across organizations run once, on the second thread (they own their lists).
    let across = Mutex::new(Some((minutes_of, minutes, late)));
    let across = |findings: &mut Vec<Finding>| {
        if let Some((minutes_of, minutes, late)) = across.lock().unwrap_or_else(|e| e.into_inner()).take() {
            signals::minutes_copy(&ctx, &minutes_of, &minutes, findings);
            signals::backfill_bursts(&ctx, late, findings);
            people::training(&ctx, input.hours, findings);
        }
    };
    let [front, back] = both(threads, |j| {
        let mut scratch = Scratch::default();
        let mut out = Partial::default();
        let mut global = Vec::new();
        // (chunk, where its obligations, findings, studies and rates start in `out`)
        let mut starts: Vec<[usize; 4]> = Vec::new();
        if j == 0 {
            reserve(&ctx, orgs, &mut out);
        }
        if j == 1 {
            across(&mut global);
        }
        while let Some(c) = take(j == 0) {
            starts.push([out.obligations.len(), out.findings.len(), out.studies.len(), out.rates.len()]);
            chunk(c, &mut scratch, &mut out);
        }
        (out, global, starts)
    });

    // Joined on two threads: the back chunks' obligations, studies and rates appended in order on
    // one, the findings merged with those across organizations on the other.
    let (Partial { mut obligations, findings, mut studies, mut rates }, _, _) = front;
    let (mut back, mut global, starts) = back;
    let mut back_findings = std::mem::take(&mut back.findings);
    let ((obligations, studies, rates), findings) = join2(
        threads,
        || {
            // The back chunks were taken in descending order: each tail drained is the lowest left.
            for at in starts.iter().rev() {
                obligations.extend(back.obligations.drain(at[0]..));
                studies.extend(back.studies.drain(at[2]..));
                rates.extend(back.rates.drain(at[3]..));
            }
            (obligations, studies, rates)
        },
        || {
            let mut tail = Vec::with_capacity(back_findings.len());
            for at in starts.iter().rev() {
                tail.extend(back_findings.drain(at[1]..));
            }
            global.sort_unstable_by(finding_order);
            let capacity = findings.len() + tail.len() + global.len();
            merge(findings.into_iter().chain(tail), global, capacity)
        },
    );
    let mut outcome = Outcome { obligations, findings, studies, rates };
    if ids.len() == orgs.len() {
        // Every list came out in order (organizations in id order, each one's lists in order).
        debug_assert!(is_sorted(&outcome));
    } else {
        sort_outcome(&mut outcome);
    }
    outcome
}

/// Which meetings a run reads ([`View::held`], [`View::own_meetings_only`]).
#[derive(Debug, Clone, Copy)]
struct Admit {
    held: Option<(NaiveDate, NaiveDate)>,
    own_only: bool,
}

impl Admit {
    fn admits(self, m: &MeetingInput, slot: u32) -> bool {
        !(self.own_only && slot == u32::MAX) && self.held.is_none_or(|(lo, hi)| lo <= m.held_on && m.held_on <= hi)
    }
}

/// What one pass over (part of) the meetings gathers for the rest.
struct Scan {
    /// The slot of each meeting's organization id (`u32::MAX`: not among the organizations).
    slots: Vec<u32>,
    /// Lectures with a lecturer: (lecturer, held_on, meeting id).
    lectures: Vec<(i64, NaiveDate, i64)>,
    /// Meetings held in the window with a fingerprint: their indexes and fingerprints.
    minutes_of: Vec<u32>,
    minutes: Vec<u64>,
    /// Records entered late by a user, of meetings held in the window:
    /// (user, recorded_at, meeting id, index).
    late: Vec<(i64, NaiveDateTime, i64, u32)>,
}

fn scan(
    part: &[MeetingInput],
    offset: usize,
    room: usize,
    ids: &[i64],
    admit: Admit,
    p: &Resolved,
    (from, to): (NaiveDate, NaiveDate),
) -> Scan {
    let mut out = Scan {
        slots: Vec::with_capacity(part.len()),
        lectures: Vec::new(),
        minutes_of: Vec::with_capacity(room),
        minutes: Vec::with_capacity(room),
        late: Vec::new(),
    };
    let mut last = (i64::MIN, u32::MAX);
    for (k, m) in part.iter().enumerate() {
        let i = (offset + k) as u32;
        if m.org_id != last.0 {
            last = (m.org_id, ids.binary_search(&m.org_id).map_or(u32::MAX, |s| s as u32));
        }
        if !admit.admits(m, last.1) {
            // As if absent: in no organization's list and in no check across organizations.
            out.slots.push(u32::MAX);
            continue;
        }
        out.slots.push(last.1);
        if let Some(l) = m.lecturer
            && m.kinds.contains(MeetingKind::Lecture)
        {
            out.lectures.push((l, m.held_on, m.id));
        }
        if m.held_on < from || m.held_on > to {
            continue;
        }
        if let Some(h) = m.minutes_hash {
            out.minutes_of.push(i);
            out.minutes.push(h);
        }
        if m.recorded_by != 0 && m.entry_delay() > p.late_days {
            out.late.push((m.recorded_by, m.recorded_at, m.id, i));
        }
    }
    out.lectures.sort_unstable();
    out
}

/// Merges two sorted lists.
fn merge_sorted<T: Ord>(a: Vec<T>, b: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        out.extend(if x <= y { a.next() } else { b.next() });
    }
    out.extend(a);
    out.extend(b);
    out
}

/// Merges two lists of findings each sorted by [`finding_order`].
fn merge(a: impl Iterator<Item = Finding>, b: Vec<Finding>, capacity: usize) -> Vec<Finding> {
    let mut out = Vec::with_capacity(capacity);
    let (mut a, mut b) = (a.peekable(), b.into_iter().peekable());
    loop {
        let first = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => finding_order(x, y).is_le(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        out.extend(if first { a.next() } else { b.next() });
    }
    out
}

/// The order of findings: organization, rule, period, then the evidence and the message.
pub(crate) fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (a.org_id, a.rule_id, a.period, &a.evidence, &a.message).cmp(&(
        b.org_id,
        b.rule_id,
        b.period,
        &b.evidence,
        &b.message,
    ))
}

fn is_sorted(o: &Outcome) -> bool {
    o.obligations.is_sorted_by_key(|a| (a.org_id, a.rule_id, a.period, a.group_id))
        && o.studies.is_sorted_by_key(|s| (s.org_id, s.study_item_id))
        && o.rates.is_sorted_by_key(|r| (r.org_id, r.period))
        && o.findings.is_sorted_by(|a, b| finding_order(a, b).is_le())
}

/// Puts every list in its documented order: checked in linear time, sorted only if needed.
pub(crate) fn sort_outcome(o: &mut Outcome) {
    let ob = |a: &Obligation| (a.org_id, a.rule_id, a.period, a.group_id);
    if !o.obligations.is_sorted_by_key(ob) {
        o.obligations.sort_by_key(ob);
    }
    let st = |s: &StudyStatus| (s.org_id, s.study_item_id);
    if !o.studies.is_sorted_by_key(st) {
        o.studies.sort_by_key(st);
    }
    let ra = |r: &AgendaRate| (r.org_id, r.period);
    if !o.rates.is_sorted_by_key(ra) {
        o.rates.sort_by_key(ra);
    }
    if !o.findings.is_sorted_by(|a, b| finding_order(a, b).is_le()) {
        o.findings.sort_by(finding_order);
    }
}

/// Every check of one organization, over the rows of its meetings sorted by (date, id). Its
/// findings are sorted before they join the others'.
fn org_rules(ctx: &Ctx<'_>, org: &OrgInput, ms: &[Row], scratch: &mut Scratch, out: &mut Partial) {
    let start = out.findings.len();
    frequency::obligations(ctx, org, ms, scratch, out);
    frequency::quorum_and_votes(ctx, org, ms, &mut out.findings);
    people::secretary_lectures(ctx, org, &mut out.findings);
    people::talks(ctx, org, ms, scratch, &mut out.findings);
    study::studies(ctx, org, ms, scratch, out);
    study::rates(ctx, org, ms, out);
    signals::late_entry(ctx, org, ms, &mut out.findings);
    signals::same_attendance(ctx, org, ms, scratch, &mut out.findings);
    out.findings[start..].sort_unstable_by(finding_order);
}
