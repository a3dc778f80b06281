//! Signs of formalism (形式主义, 补资料): records entered long after the meeting, many late
//! records entered in one sitting, minutes copied from another meeting, the same attendance list
//! month after month. They are evidence to look at, never a verdict: every signal names the
//! records it rests on. Only meetings held in `[from, to]` are looked at.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use jiceng_types::Period;

use super::engine::{Ctx, Label, Row, Scratch};
use super::hash::{distance, similar_groups};
use super::people::MAX_MEMBERS;
use super::{Evidence, Finding, FindingKind, OrgInput, Severity};

fn signal(org_id: i64, rule_id: &'static str, period: Period, message: String, evidence: Evidence) -> Finding {
    Finding { org_id, rule_id, period, severity: Severity::Notice, kind: FindingKind::Signal, message, evidence }
}

/// Months since year 0, so consecutive months differ by one.
pub(crate) fn month_number(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

pub(crate) fn late_entry_message(period: Period, count: usize, total_delay: i64) -> String {
    let n = count.max(1) as i64;
    let average = (total_delay + n / 2) / n;
    format!("{}有{count}条会议记录在会后平均{average}天才录入", Label(period))
}

/// `meeting.late_entry`: per month, the records entered more than `meeting.late_entry_days` after
/// the meeting.
pub(crate) fn late_entry(ctx: &Ctx<'_>, org: &OrgInput, ms: &[Row], out: &mut Vec<Finding>) {
    let late = |r: &&Row| i64::from(r.delay) > ctx.p.late_days;
    let held = ctx.held_in(ms, ctx.from, ctx.to);
    for month in held.chunk_by(|a, b| month_number(a.held) == month_number(b.held)) {
        let count = month.iter().filter(late).count();
        if count == 0 {
            continue;
        }
        let total: i64 = month.iter().filter(late).map(|r| i64::from(r.delay)).sum();
        let period = Period::month_of(month[0].held);
        let meetings = month.iter().filter(late).map(|r| r.id).collect();
        let evidence = Evidence { meetings, ..Evidence::default() };
        out.push(signal(org.id, "meeting.late_entry", period, late_entry_message(period, count, total), evidence));
    }
}

/// FNV-1a over the ids of a list (for sorting only; never stored).
fn list_hash(ids: &[i64]) -> u64 {
    ids.iter().fold(0xcbf2_9ce4_8422_2325, |h, &id| (h ^ id as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

pub(crate) fn same_attendance_message(first: NaiveDate, last: NaiveDate, present: usize) -> String {
    let months = month_number(last) - month_number(first) + 1;
    format!(
        "{}至{}连续{months}个月的会议到会名单完全相同（每次到会{present}人，均有人缺席）",
        Label(Period::month_of(first)),
        Label(Period::month_of(last))
    )
}

/// `meeting.same_attendance`: the same list of those present, with someone absent, at meetings in
/// `meeting.same_attendance_months` or more consecutive months. One signal per run.
pub(crate) fn same_attendance(
    ctx: &Ctx<'_>,
    org: &OrgInput,
    ms: &[Row],
    scratch: &mut Scratch,
    out: &mut Vec<Finding>,
) {
    let need = ctx.p.same_attendance_months;
    let m = |i: u32| &ctx.meetings[i as usize];
    let listed = ctx.held_in(ms, ctx.from, ctx.to).iter().filter(|r| r.listed_with_absence());
    // (a hash of the list, the meeting): sorting by the hash first keeps the comparisons of whole
    // lists to those that are (almost certainly) equal.
    let list = &mut scratch.keyed;
    list.clear();
    list.extend(listed.map(|r| (list_hash(&m(r.idx).present_ids), r.idx)));
    if list.len() < need {
        return;
    }
    list.sort_unstable_by(|&(ha, a), &(hb, b)| {
        let (a, b) = (m(a), m(b));
        (ha, &a.present_ids, a.held_on, a.id).cmp(&(hb, &b.present_ids, b.held_on, b.id))
    });
    let list = &mut scratch.idx;
    list.clear();
    list.extend(scratch.keyed.iter().map(|e| e.1));
    for same in list.chunk_by(|&a, &b| m(a).present_ids == m(b).present_ids) {
        for run in same.chunk_by(|&a, &b| month_number(m(b).held_on) - month_number(m(a).held_on) <= 1) {
            let (first, last) = (m(run[0]), m(run[run.len() - 1]));
            let months = month_number(last.held_on) - month_number(first.held_on) + 1;
            if months < need as i64 {
                continue;
            }
            out.push(signal(
                org.id,
                "meeting.same_attendance",
                Period::month_of(first.held_on),
                same_attendance_message(first.held_on, last.held_on, first.present_ids.len()),
                Evidence {
                    meetings: run.iter().map(|&i| m(i).id).collect(),
                    study_items: Vec::new(),
                    members: first.present_ids.iter().copied().take(MAX_MEMBERS).collect(),
                },
            ));
        }
    }
}

pub(crate) fn copy_message(original_held: NaiveDate, original_id: i64, bits: u32) -> String {
    format!("会议记录与{original_held}的会议记录（编号{original_id}）高度相似（指纹相差{bits}位），疑似复制")
}

/// `meeting.minutes_copy`: each meeting whose minutes are within `meeting.minutes_similarity_bits`
/// of an earlier-held meeting's (of any organization), paired with the earliest such meeting.
/// `meeting` and `hashes`: the meetings held in the window with a fingerprint, and theirs.
pub(crate) fn minutes_copy(ctx: &Ctx<'_>, meeting: &[u32], hashes: &[u64], out: &mut Vec<Finding>) {
    let key = |e: u32| {
        let m = &ctx.meetings[meeting[e as usize] as usize];
        (m.held_on, m.id)
    };
    // Per fingerprint: the earliest-held other meeting with an equal or similar fingerprint.
    let mut nearest: Vec<u32> = vec![u32::MAX; hashes.len()];
    let earliest = |g: &[u32]| g.iter().copied().min_by_key(|&e| key(e)).unwrap_or(g[0]);
    similar_groups(hashes, ctx.p.similarity_bits, |x, y| {
        let mut offer = |e: u32, other: u32| {
            let n = nearest[e as usize];
            if n == u32::MAX || key(other) < key(n) {
                nearest[e as usize] = other;
            }
        };
        let ex = earliest(x);
        match y {
            // Equal fingerprints: the earliest of them is the original of the others.
            None => {
                let second = x.iter().copied().filter(|&e| e != ex).min_by_key(|&e| key(e)).unwrap_or(ex);
                for &e in x {
                    offer(e, if e == ex { second } else { ex });
                }
            }
            Some(y) => {
                let ey = earliest(y);
                for &e in x {
                    offer(e, ey);
                }
                for &e in y {
                    offer(e, ex);
                }
            }
        }
    });
    for (e, &n) in nearest.iter().enumerate() {
        if n == u32::MAX || key(n) >= key(e as u32) {
            continue;
        }
        let (copied, original) = (&ctx.meetings[meeting[e] as usize], &ctx.meetings[meeting[n as usize] as usize]);
        out.push(signal(
            copied.org_id,
            "meeting.minutes_copy",
            Period::month_of(copied.held_on),
            copy_message(original.held_on, original.id, distance(hashes[e], hashes[n as usize])),
            Evidence { meetings: vec![original.id, copied.id], ..Evidence::default() },
        ));
    }
}

pub(crate) fn burst_message(
    recorder: i64,
    first: NaiveDateTime,
    last: NaiveDateTime,
    total: usize,
    here: usize,
) -> String {
    format!(
        "录入人（用户编号{recorder}）自{}起{}分钟内集中补录{total}条超期会议记录，其中本组织{here}条",
        first.format("%Y-%m-%d %H:%M"),
        (last - first).num_minutes()
    )
}

/// Splits one recorder's late records (sorted by time) into bursts: from the earliest record not
/// yet in a burst, every record within the window; a burst if there are at least `burst` of them,
/// else that record is passed over. Calls `found` with each burst.
pub(crate) fn bursts<T>(
    records: &[T],
    at: impl Fn(&T) -> NaiveDateTime,
    window: i64,
    burst: usize,
    mut found: impl FnMut(&[T]),
) {
    let mut i = 0;
    while i < records.len() {
        let limit = at(&records[i]).checked_add_signed(TimeDelta::minutes(window)).unwrap_or(NaiveDateTime::MAX);
        let n = records[i..].partition_point(|r| at(r) <= limit);
        if n >= burst {
            found(&records[i..i + n]);
            i += n;
        } else {
            i += 1;
        }
    }
}

/// `meeting.backfill_burst`: one user entering many late records within a short window. One signal
/// per organization in each burst. `late`: (user, recorded_at, meeting id, index) of the records
/// entered late by a user (not 0) of meetings held in the window.
pub(crate) fn backfill_bursts(ctx: &Ctx<'_>, mut late: Vec<(i64, NaiveDateTime, i64, u32)>, out: &mut Vec<Finding>) {
    late.sort_unstable();
    for records in late.chunk_by(|a, b| a.0 == b.0) {
        bursts(
            records,
            |r| r.1,
            ctx.p.burst_window_minutes,
            ctx.p.burst,
            |burst| {
                let (first, last) = (burst[0].1, burst[burst.len() - 1].1);
                let mut by_org: Vec<(i64, NaiveDate, i64)> = burst
                    .iter()
                    .map(|r| (ctx.meetings[r.3 as usize].org_id, ctx.meetings[r.3 as usize].held_on, r.2))
                    .collect();
                by_org.sort_unstable();
                for org in by_org.chunk_by(|a, b| a.0 == b.0) {
                    out.push(signal(
                        org[0].0,
                        "meeting.backfill_burst",
                        Period::month_of(first.date()),
                        burst_message(records[0].0, first, last, burst.len(), org.len()),
                        Evidence { meetings: org.iter().map(|r| r.2).collect(), ..Evidence::default() },
                    ));
                }
            },
        );
    }
}
