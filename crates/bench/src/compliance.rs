//! `jiceng-bench compliance`: the compliance-engine figures of organizational life, in one run.
//!
//! 1. The pure engine over `synthetic_input(orgs, meetings_per_org, 1)` (no database).
//! 2. The same records loaded into a fresh SQLite database, and the store's full recompute
//!    (`compliance::check`: reading every record, then the engine), with the split between
//!    reading (`gather`) and evaluating.
//! 3. A straightforward SQL formulation of the same counting rules (frequency cells, the committee
//!    months, 第一议题 states, committee quorum, training hours) on the same database, its results
//!    read into vectors and compared with the engine's.
//! 4. The full recompute over the records kept in memory (`Db::keep_org_life_in_memory`, as the
//!    server runs): the first check, which reads them, and the later ones, compared with 2.
//! 5. The recompute of one branch after one of its meetings is edited through `meeting::update`,
//!    and the next full recompute over the records kept in memory, which reads that branch again.
//!
//! Nothing here asserts a threshold: it measures and prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use jiceng_rules::meeting::{CellStatus, FindingKind, Input, KindSet, Outcome, Params, StudyState};
use jiceng_store::meeting::{self, Attendance, VoteInput, compliance};
use jiceng_store::{Db, Meta};
use jiceng_types::{MeetingKind, OrgId, OrgKind, OrgPath, Period, Scope};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseTransaction, DbBackend, Statement, TransactionTrait};

/// The year the synthetic records are in, and the day the check is made.
fn window() -> Result<(NaiveDate, NaiveDate, NaiveDate)> {
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).context("date");
    Ok((d(2025, 1, 1)?, d(2025, 12, 31)?, d(2026, 1, 31)?))
}

/// Options of the subcommand.
#[derive(Debug, Clone)]
pub struct Options {
    /// Organizations in the synthetic input.
    pub orgs: usize,
    /// Meetings per organization.
    pub meetings_per_org: usize,
    /// Where the database goes (a fresh temporary directory by default).
    pub dir: Option<PathBuf>,
    /// Keep the database afterwards (and reuse one already loaded with the same size).
    pub keep: bool,
    /// Runs of each timing (best and median are printed).
    pub runs: usize,
    /// Runs of the one-branch recompute.
    pub org_runs: usize,
    /// Skip the split of the store path into reading and evaluating (and the reads on their own).
    pub no_split: bool,
}

/// The benchmark.
pub fn run(opts: &Options) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run_async(opts))
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Every timing, in seconds.
fn runs(times: &[Duration]) -> String {
    times.iter().map(|d| format!("{:.3} s", d.as_secs_f64())).collect::<Vec<_>>().join(", ")
}

/// Best and median of the timings.
fn best_median(times: &[Duration]) -> (f64, f64) {
    let mut t: Vec<f64> = times.iter().map(|d| d.as_secs_f64()).collect();
    t.sort_by(f64::total_cmp);
    (t.first().copied().unwrap_or(f64::NAN), t.get(t.len() / 2).copied().unwrap_or(f64::NAN))
}

/// Counts of an outcome, to compare the engine and the SQL formulation.
#[derive(Debug, Default)]
struct Summary {
    obligations: usize,
    cells: BTreeMap<(&'static str, &'static str), usize>,
    studies: BTreeMap<&'static str, usize>,
    findings: usize,
    signals: usize,
    by_rule: BTreeMap<&'static str, usize>,
    rates: usize,
}

fn status_name(s: CellStatus) -> &'static str {
    match s {
        CellStatus::Held => "Held",
        CellStatus::Late => "Late",
        CellStatus::Missing => "Missing",
        CellStatus::Due => "Due",
        CellStatus::NotApplicable => "NotApplicable",
    }
}

fn state_name(s: StudyState) -> &'static str {
    match s {
        StudyState::Studied => "Studied",
        StudyState::Late => "Late",
        StudyState::NotStudied => "NotStudied",
        StudyState::Pending => "Pending",
    }
}

fn summarize(o: &Outcome) -> Summary {
    let mut s = Summary { obligations: o.obligations.len(), rates: o.rates.len(), ..Summary::default() };
    for ob in &o.obligations {
        *s.cells.entry((ob.rule_id, status_name(ob.status))).or_default() += 1;
    }
    for st in &o.studies {
        *s.studies.entry(state_name(st.state)).or_default() += 1;
    }
    s.findings = o.findings.len();
    for f in &o.findings {
        if f.kind == FindingKind::Signal {
            s.signals += 1;
        }
        *s.by_rule.entry(f.rule_id).or_default() += 1;
    }
    s
}

fn status_total(s: &Summary, status: &str) -> usize {
    s.cells.iter().filter(|((_, st), _)| *st == status).map(|(_, n)| n).sum()
}

fn print_summary(label: &str, s: &Summary) {
    println!(
        "{label}: {} obligations (Held {}, Late {}, Missing {}, Due {}), {} findings ({} signals), studies {:?}, {} rates",
        s.obligations,
        status_total(s, "Held"),
        status_total(s, "Late"),
        status_total(s, "Missing"),
        status_total(s, "Due"),
        s.findings,
        s.signals,
        s.studies,
        s.rates
    );
}

async fn run_async(opts: &Options) -> Result<()> {
    let (from, to, as_of) = window()?;
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "machine: {cpus} cores; compliance over {from}..{to} as of {as_of}; synthetic_input({}, {}, 1)",
        opts.orgs, opts.meetings_per_org
    );
    let mut figures: Vec<(String, String)> = Vec::new();

    // 1. The engine alone.
    let started = Instant::now();
    let input = jiceng_rules::meeting::synthetic_input(opts.orgs, opts.meetings_per_org, 1);
    let attendees: usize = input.meetings.iter().map(|m| m.present_ids.len()).sum();
    println!(
        "built the input in {:.2} s: {} orgs, {} meetings, {} present attendees, {} study items, {} member-years of hours",
        secs(started.elapsed()),
        input.orgs.len(),
        input.meetings.len(),
        attendees,
        input.study_items.len(),
        input.hours.len()
    );
    let params = Params::default();
    let mut times = Vec::new();
    let mut outcome = Outcome::default();
    for _ in 0..opts.runs {
        let t = Instant::now();
        let o = jiceng_rules::meeting::evaluate(&input, &params, from, to, as_of);
        times.push(t.elapsed());
        outcome = o;
    }
    println!("engine runs: {}", runs(&times));
    let (best, median) = best_median(&times);
    let engine_sum = summarize(&outcome);
    drop(outcome);
    println!("engine only: evaluate best {best:.3} s, median {median:.3} s (of {})", opts.runs);
    print_summary("engine only", &engine_sum);
    figures.push((
        format!(
            "engine only: `evaluate` over {} orgs, {} meetings (best / median of {})",
            input.orgs.len(),
            input.meetings.len(),
            opts.runs
        ),
        format!("{best:.2} s / {median:.2} s"),
    ));

    // 2. The store path on SQLite.
    let (dir, fresh_dir) = match &opts.dir {
        Some(d) => (d.clone(), false),
        None => (std::env::temp_dir().join(format!("jiceng-bench-compliance-{}", std::process::id())), true),
    };
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("compliance-{}-{}.db", opts.orgs, opts.meetings_per_org));
    let marker = dir.join(format!("compliance-{}-{}.loaded", opts.orgs, opts.meetings_per_org));
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let branch = pick_branch(&input);
    if opts.keep && marker.is_file() && file.is_file() {
        println!("reusing the database loaded earlier: {}", file.display());
    } else {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
        let _ = std::fs::remove_file(&marker);
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        db.close().await?;
        let t = Instant::now();
        load(&url, &input).await?;
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        println!("loaded the records in {:.1} s (not a figure); database file {size:.0} MB", secs(t.elapsed()));
        std::fs::write(&marker, "ok")?;
    }
    let org_count = input.orgs.len() + 1;
    let meeting_count = input.meetings.len();
    drop(input);

    let db = Db::connect(&url).await?;
    let scope = Scope::cli();
    let mut times = Vec::new();
    let mut store_sum = Summary::default();
    let mut store_outcome = Outcome::default();
    for _ in 0..opts.runs {
        let t = Instant::now();
        let report = compliance::check(&db, &scope, from, to, as_of).await.map_err(|e| anyhow!("check: {e}"))?;
        times.push(t.elapsed());
        store_sum = summarize(&report.outcome);
        store_outcome = report.outcome;
    }
    println!("store path runs: {}", runs(&times));
    let (store_best, store_median) = best_median(&times);
    println!("store path: compliance::check best {store_best:.3} s, median {store_median:.3} s (of {})", opts.runs);
    print_summary("store path", &store_sum);
    // The split: reading the records vs evaluating them. `check` from the command line checks
    // county by county, so it reads with the county's scope (the organizations' path range);
    // reading with the whole installation's scope (no path condition) is timed too.
    figures.push((
        format!("store path: `compliance::check` on SQLite, {org_count} orgs, {meeting_count} meetings (best / median of {})", opts.runs),
        format!("{store_best:.2} s / {store_median:.2} s"),
    ));
    if !opts.no_split {
        split(&db, opts.runs, org_count, (from, to, as_of), &mut figures).await?;
    }

    // 3. The SQL formulation of the same rules, on the same database.
    let params = compliance::params(&db, &scope).await.map_err(|e| anyhow!("params: {e}"))?;
    let mut times = Vec::new();
    let mut sql_out = SqlOutcome::default();
    for _ in 0..opts.runs {
        let t = Instant::now();
        let o = sql_formulation(&db, &params, from, to, as_of).await?;
        times.push(t.elapsed());
        sql_out = o;
    }
    println!("SQL formulation runs: {}", runs(&times));
    let (sql_best, sql_median) = best_median(&times);
    println!("SQL formulation: best {sql_best:.3} s, median {sql_median:.3} s (of {})", opts.runs);
    let parts: Vec<String> = sql_out.parts.iter().map(|(k, d)| format!("{k} {:.2} s", secs(*d))).collect();
    println!("SQL formulation, last run by query: {}", parts.join("; "));
    let agree = compare(&store_sum, &sql_out);
    figures.push((
        format!("SQL formulation of the counting rules, same database (best / median of {})", opts.runs),
        format!("{sql_best:.2} s / {sql_median:.2} s"),
    ));
    figures.push((
        "ratio SQL formulation / store path (median; best)".into(),
        format!("{:.3}× ({:.3}× best)", sql_median / store_median, sql_best / store_best),
    ));
    figures.push((
        "Missing cells and NotStudied states agree (engine vs SQL)".into(),
        if agree { "yes".into() } else { "NO — see the comparison above".into() },
    ));

    // 4. The full recompute over the records kept in memory, as the server checks: read once
    // (timed), then brought up to date from the audit trail at each check.
    let kept = Db::connect(&url).await?.keep_org_life_in_memory();
    let rss_before = crate::rss_mb(std::process::id()).unwrap_or(f64::NAN);
    let t = Instant::now();
    let report = compliance::check(&kept, &scope, from, to, as_of).await.map_err(|e| anyhow!("check: {e}"))?;
    let cold = secs(t.elapsed());
    let same_cold = report.outcome == store_outcome;
    drop(report);
    let rss_after = crate::rss_mb(std::process::id()).unwrap_or(f64::NAN);
    let mut times = Vec::new();
    let mut same_warm = true;
    for _ in 0..opts.runs {
        let t = Instant::now();
        let report = compliance::check(&kept, &scope, from, to, as_of).await.map_err(|e| anyhow!("check: {e}"))?;
        times.push(t.elapsed());
        same_warm &= report.outcome == store_outcome;
    }
    println!("records kept in memory: first check (reading them) {cold:.3} s; then runs: {}", runs(&times));
    let (kept_best, kept_median) = best_median(&times);
    figures.push((
        format!("full recompute over the records kept in memory (`compliance::check` as the server runs it; best / median of {})", opts.runs),
        format!("{kept_best:.2} s / {kept_median:.2} s"),
    ));
    figures.push((
        "… the first check, which reads the records into memory".into(),
        format!("{cold:.1} s (memory +{:.0} MB)", rss_after - rss_before),
    ));
    figures.push((
        "… same outcome as the reading from scratch (first check; every later run)".into(),
        format!("{}; {}", if same_cold { "yes" } else { "NO" }, if same_warm { "yes" } else { "NO" }),
    ));
    figures.push((
        "ratio SQL formulation / recompute over the records kept in memory (median; best)".into(),
        format!("{:.1}× ({:.1}× best)", sql_median / kept_median, sql_best / kept_best),
    ));

    // 5. One branch after an edit; then the full recompute over the records kept in memory,
    // which sees the edit in the audit trail and reads that branch again.
    if let Some((org_id, meeting_id, n)) = branch {
        let (edit, median, p95, first) = one_branch(&db, org_id, meeting_id, opts.org_runs, from, to, as_of).await?;
        println!(
            "one branch (org {org_id}, {n} meetings; edited meeting {meeting_id} through meeting::update in {:.1} ms): \
             first check_org {:.2} ms; check_org ×{}: median {median:.2} ms, p95 {p95:.2} ms",
            edit * 1000.0,
            first * 1000.0,
            opts.org_runs
        );
        figures.push((
            format!(
                "recompute one branch after an edit (`check_org`, {n} meetings; median / p95 of {})",
                opts.org_runs
            ),
            format!("{median:.2} ms / {p95:.2} ms"),
        ));
        let t = Instant::now();
        let report = compliance::check(&kept, &scope, from, to, as_of).await.map_err(|e| anyhow!("check: {e}"))?;
        let after_edit = secs(t.elapsed());
        let stats = kept.org_life_in_memory_stats().unwrap_or_default();
        // What a reading from scratch gives after the edit (the update may change the counts it
        // derives from the attendance list).
        let fresh = compliance::check(&db, &scope, from, to, as_of).await.map_err(|e| anyhow!("check: {e}"))?;
        println!(
            "records kept in memory, first full check after the edit: {after_edit:.3} s ({} counties read, {} organizations read again); \
             same outcome as a reading from scratch after the edit: {}",
            stats.counties_read,
            stats.orgs_reread,
            report.outcome == fresh.outcome
        );
        figures.push((
            "full recompute over the records kept in memory, first check after that edit (reads the branch again)"
                .into(),
            format!("{after_edit:.2} s"),
        ));
    }
    kept.close().await?;
    db.close().await?;
    if !opts.keep {
        if fresh_dir {
            let _ = std::fs::remove_dir_all(&dir);
        } else {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            let _ = std::fs::remove_file(&marker);
        }
    }

    println!("\n| figure | value |\n|---|---|");
    for (k, v) in figures {
        println!("| {k} | {v} |");
    }
    Ok(())
}

/// The store path's two halves timed apart: reading (`gather`, with the county's scope as
/// `check` reads, and with the whole installation's) and evaluating; then the biggest reads alone.
async fn split(
    db: &Db,
    n: usize,
    org_count: usize,
    (from, to, as_of): (NaiveDate, NaiveDate, NaiveDate),
    figures: &mut Vec<(String, String)>,
) -> Result<()> {
    let scope = Scope::cli();
    let root_path = OrgPath::root(OrgId(org_count as i64));
    let county = Scope::cli_within(root_path.clone());
    let mut read_times = Vec::new();
    let mut eval_times = Vec::new();
    let mut all_times = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let (input, _, _) =
            compliance::gather(db, &county, None, from, to, as_of).await.map_err(|e| anyhow!("gather: {e}"))?;
        read_times.push(t.elapsed());
        let params = compliance::params(db, &county).await.map_err(|e| anyhow!("params: {e}"))?;
        let t = Instant::now();
        let o = jiceng_rules::meeting::evaluate(&input, &params, from, to, as_of);
        eval_times.push(t.elapsed());
        drop(o);
        drop(input);
        let t = Instant::now();
        let (input, _, _) =
            compliance::gather(db, &scope, None, from, to, as_of).await.map_err(|e| anyhow!("gather: {e}"))?;
        all_times.push(t.elapsed());
        drop(input);
    }
    println!(
        "gather runs (county scope, as check reads): {}; evaluate runs: {}; gather runs (whole installation, no path condition): {}",
        runs(&read_times),
        runs(&eval_times),
        runs(&all_times)
    );
    let (all_best, all_median) = best_median(&all_times);
    let (read_best, read_median) = best_median(&read_times);
    let (eval_best, eval_median) = best_median(&eval_times);
    println!(
        "store path split: gather best {read_best:.3} s, median {read_median:.3} s; evaluate best {eval_best:.3} s, median {eval_median:.3} s"
    );
    read_breakdown(db, from, to.max(as_of), &root_path).await?;
    figures.push((
        "… of which reading the records (`gather` with the county's scope, best / median)".into(),
        format!("{read_best:.2} s / {read_median:.2} s"),
    ));
    figures.push((
        "… of which evaluating them (`evaluate`, best / median)".into(),
        format!("{eval_best:.2} s / {eval_median:.2} s"),
    ));
    figures.push((
        "reading the same records with the whole installation's scope (`gather` with no path condition, best / median)"
            .into(),
        format!("{all_best:.2} s / {all_median:.2} s"),
    ));

    Ok(())
}

/// A branch with a committee, Party groups and the most meetings near 50, and one of its
/// committee meetings with an attendance list: (org id, meeting id, meetings).
fn pick_branch(input: &Input) -> Option<(i64, i64, usize)> {
    let mut per_org: BTreeMap<i64, usize> = BTreeMap::new();
    for m in &input.meetings {
        *per_org.entry(m.org_id).or_default() += 1;
    }
    let org = input
        .orgs
        .iter()
        .filter(|o| o.kind == OrgKind::Branch && o.created_on.is_none() && o.ended_on.is_none())
        .filter(|o| o.team.len() >= 3 && !o.groups.is_empty())
        .min_by_key(|o| (per_org.get(&o.id).copied().unwrap_or(0).abs_diff(50), o.id))?;
    let meeting = input
        .meetings
        .iter()
        .find(|m| m.org_id == org.id && m.kinds.contains(MeetingKind::CommitteeMeeting) && !m.present_ids.is_empty())?;
    Some((org.id, meeting.id, per_org.get(&org.id).copied().unwrap_or(0)))
}

/// Edit one meeting through the store, then time the branch's recompute.
/// Returns (edit seconds, median ms, p95 ms, first run ms).
async fn one_branch(
    db: &Db,
    org_id: i64,
    meeting_id: i64,
    runs: usize,
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> Result<(f64, f64, f64, f64)> {
    let scope = Scope::cli();
    let m = meeting::get(db, &scope, &Meta::cli(), meeting_id).await.map_err(|e| anyhow!("get meeting: {e}"))?;
    let input = meeting::MeetingInput {
        org_id: m.row.org_id,
        group_id: m.row.group_id,
        kinds: m.row.kinds.clone(),
        held_on: m.row.held_on,
        topic: format!("{}（修订）", m.row.topic),
        place: m.place.clone(),
        host: m.host.clone(),
        lecturer_member_id: m.lecturer_member_id,
        lecturer: m.lecturer.clone(),
        minutes: m.minutes.clone(),
        decisions: m.decisions.clone(),
        criticism: m.criticism.clone(),
        absent_note: m.absent_note.clone(),
        expected: u32::try_from(m.row.expected).unwrap_or(0),
        present: u32::try_from(m.row.present).unwrap_or(0),
        attendance: m
            .attendance
            .iter()
            .map(|a| Attendance { member_id: a.member_id, present: a.present, reason: a.reason.clone() })
            .collect(),
        agenda: m.agenda.clone(),
        study_items: m.study_items.iter().map(|s| s.id).collect(),
        votes: m
            .votes
            .iter()
            .map(|v| VoteInput {
                subject: v.subject.clone(),
                election: v.election,
                eligible: u32::try_from(v.eligible).unwrap_or(0),
                present: u32::try_from(v.present).unwrap_or(0),
                in_favour: u32::try_from(v.in_favour).unwrap_or(0),
                against: u32::try_from(v.against).unwrap_or(0),
                abstain: u32::try_from(v.abstain).unwrap_or(0),
            })
            .collect(),
        rectifications: Vec::new(),
        source: m.row.source,
    };
    let t = Instant::now();
    meeting::update(db, &scope, &Meta::cli(), meeting_id, input).await.map_err(|e| anyhow!("update meeting: {e}"))?;
    let edit = secs(t.elapsed());
    let org = jiceng_types::OrgId(org_id);
    let t = Instant::now();
    let first_report =
        compliance::check_org(db, &scope, org, from, to, as_of).await.map_err(|e| anyhow!("check_org: {e}"))?;
    let first = secs(t.elapsed());
    println!(
        "one branch: {} obligations, {} findings, {} studies",
        first_report.outcome.obligations.len(),
        first_report.outcome.findings.len(),
        first_report.outcome.studies.len()
    );
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let r = compliance::check_org(db, &scope, org, from, to, as_of).await.map_err(|e| anyhow!("check_org: {e}"))?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        drop(r);
    }
    ms.sort_by(f64::total_cmp);
    let median = ms.get(ms.len() / 2).copied().unwrap_or(f64::NAN);
    let p95 = ms.get((ms.len() * 95).div_ceil(100).saturating_sub(1)).copied().unwrap_or(f64::NAN);
    Ok((edit, median, p95, first))
}

// ---------------------------------------------------------------------------------------------
// Loading the synthetic records as rows.

/// One value of a row, written as JSON.
enum V<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Date(NaiveDate),
    /// A UTC time.
    Time(NaiveDateTime),
}

impl From<i64> for V<'_> {
    fn from(v: i64) -> Self {
        V::Int(v)
    }
}
impl<'a> From<&'a str> for V<'a> {
    fn from(v: &'a str) -> Self {
        V::Text(v)
    }
}
impl From<NaiveDate> for V<'_> {
    fn from(v: NaiveDate) -> Self {
        V::Date(v)
    }
}
impl From<Option<NaiveDate>> for V<'_> {
    fn from(v: Option<NaiveDate>) -> Self {
        v.map_or(V::Null, V::Date)
    }
}
impl From<Option<i64>> for V<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(V::Null, V::Int)
    }
}

/// Rows of one table written through one JSON array per statement
/// (`INSERT … SELECT … FROM json_each(?)`).
struct Rows {
    sql: String,
    buf: String,
    n: usize,
    total: usize,
}

const ROWS_PER_STATEMENT: usize = 20_000;

impl Rows {
    fn new(table: &str, cols: &[&str]) -> Self {
        let values: Vec<String> = (0..cols.len()).map(|i| format!("value->>{i}")).collect();
        let sql = format!("INSERT INTO {table} ({}) SELECT {} FROM json_each(?)", cols.join(", "), values.join(", "));
        Rows { sql, buf: String::with_capacity(1 << 20), n: 0, total: 0 }
    }

    async fn push(&mut self, tx: &DatabaseTransaction, row: &[V<'_>]) -> Result<()> {
        self.buf.push(if self.n == 0 { '[' } else { ',' });
        self.buf.push('[');
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            match v {
                V::Null => self.buf.push_str("null"),
                V::Int(n) => write!(self.buf, "{n}")?,
                V::Real(x) => write!(self.buf, "{x}")?,
                V::Text(s) => self.buf.push_str(&serde_json::to_string(s)?),
                V::Date(d) => write!(self.buf, "\"{}\"", d.format("%Y-%m-%d"))?,
                V::Time(t) => write!(self.buf, "\"{}+00:00\"", t.format("%Y-%m-%dT%H:%M:%S"))?,
            }
        }
        self.buf.push(']');
        self.n += 1;
        if self.n >= ROWS_PER_STATEMENT {
            self.flush(tx).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &DatabaseTransaction) -> Result<()> {
        if self.n == 0 {
            return Ok(());
        }
        self.buf.push(']');
        let json = std::mem::take(&mut self.buf);
        tx.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, self.sql.as_str(), [json.into()])).await?;
        self.buf = String::with_capacity(1 << 20);
        self.total += self.n;
        self.n = 0;
        Ok(())
    }
}

/// The tables whose secondary indexes are dropped during the load and built again after it.
const BIG_TABLES: [&str; 7] =
    ["member", "meeting", "meeting_attendee", "meeting_study", "meeting_vote", "training", "training_participant"];

/// Load the synthetic input: a county root; the input's 党委 as townships, each followed by the
/// branches (and 党总支) after it; their committees, groups and members; the 第一议题 items; the
/// meetings with their studies, present attendees and votes; training records that give every
/// member the input's yearly hours (one training of 1, 2, 4 … 64 hours per organization).
async fn load(url: &str, input: &Input) -> Result<()> {
    let mut opt = ConnectOptions::new(url.to_string());
    opt.max_connections(1).min_connections(1).sqlx_logging(false).map_sqlx_sqlite_opts(|o| {
        o.foreign_keys(false)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Off)
            .pragma("cache_size", "-1000000")
    });
    let conn = Database::connect(opt).await?;
    let tx = conn.begin().await?;
    // Secondary indexes: dropped, and built again (a sort) after the rows are in.
    let mut indexes: Vec<(String, String)> = Vec::new();
    for table in BIG_TABLES {
        let rows = tx
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' AND sql IS NOT NULL"),
            ))
            .await?;
        for r in rows {
            indexes.push((r.try_get("", "name")?, r.try_get("", "sql")?));
        }
    }
    for (name, _) in &indexes {
        tx.execute_unprepared(&format!("DROP INDEX {name}")).await?;
    }

    let now = chrono::Utc::now().naive_utc();
    let n = input.orgs.len() as i64;
    let root = n + 1;
    let start = Instant::now();
    let mut orgs = Rows::new(
        "org",
        &[
            "id",
            "parent_id",
            "path",
            "depth",
            "code",
            "name",
            "name_pinyin",
            "name_initials",
            "kind",
            "domain",
            "established_on",
            "status",
            "status_on",
            "created_at",
            "updated_at",
        ],
    );
    let root_path = format!("/{root}/");
    orgs.push(
        &tx,
        &[
            root.into(),
            V::Null,
            root_path.as_str().into(),
            0.into(),
            "C000000".into(),
            "基准县委".into(),
            "".into(),
            "".into(),
            OrgKind::CountyCommittee.key().into(),
            "organ".into(),
            V::Null,
            "active".into(),
            V::Null,
            V::Time(now),
            V::Time(now),
        ],
    )
    .await?;
    let mut parent = root;
    for o in &input.orgs {
        let (parent_id, path, depth) = if o.kind == OrgKind::Committee {
            parent = o.id;
            (root, format!("/{root}/{}/", o.id), 1)
        } else if parent == root {
            (root, format!("/{root}/{}/", o.id), 1)
        } else {
            (parent, format!("/{root}/{parent}/{}/", o.id), 2)
        };
        let code = format!("B{:06}", o.id);
        let name = format!("第{}党组织", o.id);
        orgs.push(
            &tx,
            &[
                o.id.into(),
                parent_id.into(),
                path.as_str().into(),
                depth.into(),
                code.as_str().into(),
                name.as_str().into(),
                "".into(),
                "".into(),
                o.kind.key().into(),
                "rural".into(),
                o.created_on.into(),
                if o.ended_on.is_some() { "dissolved" } else { "active" }.into(),
                o.ended_on.into(),
                V::Time(now),
                V::Time(now),
            ],
        )
        .await?;
    }
    orgs.flush(&tx).await?;

    let mut members = Rows::new(
        "member",
        &[
            "id",
            "org_id",
            "name",
            "name_pinyin",
            "name_initials",
            "gender",
            "ethnicity",
            "birth_date",
            "education",
            "category",
            "admitted_on",
            "status",
            "left_on",
            "created_at",
            "updated_at",
        ],
    );
    let mut teams =
        Rows::new("org_team", &["org_id", "member_id", "committee", "name", "post", "started_on", "ended_on"]);
    let mut groups = Rows::new("party_group", &["id", "org_id", "name", "created_on", "ended_on", "created_at"]);
    let birth = NaiveDate::from_ymd_opt(1980, 1, 1).context("date")?;
    let admitted = NaiveDate::from_ymd_opt(2005, 7, 1).context("date")?;
    for o in &input.orgs {
        for m in &o.members {
            let name = format!("党员{}", m.member_id);
            members
                .push(
                    &tx,
                    &[
                        m.member_id.into(),
                        o.id.into(),
                        name.as_str().into(),
                        "".into(),
                        "".into(),
                        "male".into(),
                        "汉族".into(),
                        birth.into(),
                        "high_school".into(),
                        "full".into(),
                        admitted.into(),
                        if m.to.is_some() { "left" } else { "active" }.into(),
                        m.to.into(),
                        V::Time(now),
                        V::Time(now),
                    ],
                )
                .await?;
        }
        for (k, t) in o.team.iter().enumerate() {
            let name = format!("委员{k}");
            teams
                .push(
                    &tx,
                    &[
                        o.id.into(),
                        t.member_id.into(),
                        "party".into(),
                        name.as_str().into(),
                        if t.secretary { "secretary" } else { "member" }.into(),
                        t.from.into(),
                        t.to.into(),
                    ],
                )
                .await?;
        }
        for g in &o.groups {
            let name = format!("第{}党小组", g.id);
            groups
                .push(
                    &tx,
                    &[
                        g.id.into(),
                        o.id.into(),
                        name.as_str().into(),
                        g.created_on.into(),
                        g.ended_on.into(),
                        V::Time(now),
                    ],
                )
                .await?;
        }
    }
    members.flush(&tx).await?;
    teams.flush(&tx).await?;
    groups.flush(&tx).await?;

    let mut items = Rows::new(
        "study_item",
        &["id", "title", "published_on", "levels", "within_days", "org_id", "created_by", "created_at"],
    );
    for s in &input.study_items {
        let title = format!("第一议题学习内容{}", s.id);
        items
            .push(
                &tx,
                &[
                    s.id.into(),
                    title.as_str().into(),
                    s.published_on.into(),
                    i64::from(s.levels).into(),
                    s.within_days.map(i64::from).into(),
                    root.into(),
                    "bench".into(),
                    V::Time(now),
                ],
            )
            .await?;
    }
    items.flush(&tx).await?;

    let mut meetings = Rows::new(
        "meeting",
        &[
            "id",
            "org_id",
            "group_id",
            "kinds",
            "held_on",
            "topic",
            "lecturer_member_id",
            "lecturer",
            "expected",
            "present",
            "first_agenda",
            "minutes_hash",
            "source",
            "recorded_by_user",
            "recorded_by",
            "recorded_at",
            "updated_at",
        ],
    );
    let mut studies = Rows::new("meeting_study", &["meeting_id", "study_item_id"]);
    let mut attendees = Rows::new("meeting_attendee", &["meeting_id", "member_id", "present"]);
    let mut votes = Rows::new(
        "meeting_vote",
        &["meeting_id", "subject", "election", "eligible", "present", "in_favour", "against", "abstain"],
    );
    for m in &input.meetings {
        let topic = format!("会议{}", m.id);
        let recorder = format!("录入员{}", m.recorded_by);
        let utc = m.recorded_at - TimeDelta::hours(8);
        meetings
            .push(
                &tx,
                &[
                    m.id.into(),
                    m.org_id.into(),
                    m.group_id.into(),
                    i64::from(m.kinds.0).into(),
                    m.held_on.into(),
                    topic.as_str().into(),
                    m.lecturer.into(),
                    if m.kinds.contains(MeetingKind::Lecture) { V::Text("支部书记") } else { V::Null },
                    i64::from(m.expected).into(),
                    i64::from(m.present).into(),
                    i64::from(m.first_agenda).into(),
                    m.minutes_hash.map(|h| h as i64).into(),
                    // Records with a recorder were entered through the form; the others were imported.
                    if m.recorded_by != 0 { "form" } else { "import" }.into(),
                    (m.recorded_by != 0).then_some(m.recorded_by).into(),
                    recorder.as_str().into(),
                    V::Time(utc),
                    V::Time(utc),
                ],
            )
            .await?;
        for &s in &m.study_items {
            studies.push(&tx, &[m.id.into(), s.into()]).await?;
        }
        for &p in &m.present_ids {
            attendees.push(&tx, &[m.id.into(), p.into(), 1.into()]).await?;
        }
        for v in &m.votes {
            votes
                .push(
                    &tx,
                    &[
                        m.id.into(),
                        v.subject.as_str().into(),
                        i64::from(v.election).into(),
                        i64::from(v.eligible).into(),
                        i64::from(v.present).into(),
                        i64::from(v.in_favour).into(),
                        i64::from(v.present - v.in_favour.min(v.present)).into(),
                        0.into(),
                    ],
                )
                .await?;
        }
    }
    meetings.flush(&tx).await?;
    studies.flush(&tx).await?;
    attendees.flush(&tx).await?;
    votes.flush(&tx).await?;

    // Training: per organization one course of 2^b hours for b in 0..7; a member takes the
    // courses of the bits of their hours.
    let mut trainings =
        Rows::new("training", &["id", "org_id", "course", "kind", "held_on", "hours", "recorded_by", "recorded_at"]);
    let mut participants = Rows::new("training_participant", &["training_id", "member_id"]);
    let held = NaiveDate::from_ymd_opt(2025, 6, 1).context("date")?;
    for o in &input.orgs {
        for b in 0..7i64 {
            trainings
                .push(
                    &tx,
                    &[
                        (o.id * 8 + b).into(),
                        o.id.into(),
                        "集中培训".into(),
                        "centralized".into(),
                        held.into(),
                        V::Real((1i64 << b) as f64),
                        "bench".into(),
                        V::Time(now),
                    ],
                )
                .await?;
        }
    }
    trainings.flush(&tx).await?;
    for h in &input.hours {
        let hours = h.hours.round().clamp(0.0, 127.0) as i64;
        for b in 0..7i64 {
            if hours & (1 << b) != 0 {
                participants.push(&tx, &[(h.org_id * 8 + b).into(), h.member_id.into()]).await?;
            }
        }
    }
    participants.flush(&tx).await?;
    println!(
        "rows: {} orgs, {} members, {} team rows, {} groups, {} study items, {} meetings, {} studies, {} attendees, {} votes, {} trainings, {} participants ({:.1} s)",
        orgs.total,
        members.total,
        teams.total,
        groups.total,
        items.total,
        meetings.total,
        studies.total,
        attendees.total,
        votes.total,
        trainings.total,
        participants.total,
        secs(start.elapsed())
    );
    let t = Instant::now();
    for (_, sql) in &indexes {
        tx.execute_unprepared(sql).await?;
    }
    println!("rebuilt {} indexes in {:.1} s", indexes.len(), secs(t.elapsed()));
    tx.commit().await?;
    conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    conn.close().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The SQL formulation.

/// The frequency rules: (rule id, kind, period length).
const FREQ: [(&str, MeetingKind, Len); 7] = [
    ("branch.appraisal.min_per_year", MeetingKind::MemberAppraisal, Len::Year),
    ("branch.committee_meeting.min_per_month", MeetingKind::CommitteeMeeting, Len::Month),
    ("branch.general_meeting.min_per_quarter", MeetingKind::GeneralMeeting, Len::Quarter),
    ("branch.lecture.min_per_quarter", MeetingKind::Lecture, Len::Quarter),
    ("branch.org_life_meeting.min_per_year", MeetingKind::OrgLifeMeeting, Len::Year),
    ("branch.theme_day.min_per_month", MeetingKind::ThemeDay, Len::Month),
    ("group.meeting.min_per_month", MeetingKind::GroupMeeting, Len::Month),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Len {
    Month,
    Quarter,
    Year,
}

/// What the SQL formulation returns, read into vectors.
#[derive(Debug, Default)]
struct SqlOutcome {
    /// (rule index, org, group, period index, held, status: 0 held, 1 late, 2 missing, 3 due).
    cells: Vec<(usize, i64, Option<i64>, i64, i64, i64)>,
    /// (item, org, state: 0 studied, 1 late, 2 not studied, 3 pending).
    studies: Vec<(i64, i64, i64)>,
    /// Committee meetings short of the quorum.
    quorum: Vec<i64>,
    /// (org, leader, members short of hours) per year.
    training: Vec<(i64, i64, i64)>,
    /// The time of each query.
    parts: Vec<(&'static str, Duration)>,
}

fn lit(d: NaiveDate) -> String {
    format!("'{}'", d.format("%Y-%m-%d"))
}

/// `VALUES` rows of the periods of one length overlapping `[from, to]`: (idx, key, start, end).
fn periods_cte(len: Len, from: NaiveDate, to: NaiveDate) -> String {
    let template = match len {
        Len::Month => Period::Month(0, 1),
        Len::Quarter => Period::Quarter(0, 1),
        Len::Year => Period::Year(0),
    };
    let rows: Vec<String> = template
        .covering(from, to)
        .iter()
        .enumerate()
        .map(|(i, p)| format!("({i}, '{}', {}, {})", p.key(), lit(p.start()), lit(p.end())))
        .collect();
    format!("p(idx, pkey, pstart, pend) AS (VALUES {})", rows.join(", "))
}

/// The period key of `held_on` in SQL, in the format of [`Period::key`].
fn period_key(len: Len) -> &'static str {
    match len {
        Len::Month => "substr(m.held_on, 1, 7)",
        Len::Quarter => "substr(m.held_on, 1, 4) || '-Q' || ((CAST(substr(m.held_on, 6, 2) AS INTEGER) + 2) / 3)",
        Len::Year => "substr(m.held_on, 1, 4)",
    }
}

/// Run one query returning `json_group_array(…)` as `j` and decode it.
async fn fetch<T: serde::de::DeserializeOwned>(db: &Db, sql: &str) -> Result<Vec<T>> {
    let row = db
        .raw()
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql.to_string()))
        .await
        .with_context(|| format!("SQL: {sql}"))?;
    let Some(row) = row else { return Ok(Vec::new()) };
    let text: String = row.try_get("", "j")?;
    Ok(serde_json::from_str(&text)?)
}

const BRANCH_KINDS: &str = "('branch', 'joint_branch', 'provisional_branch')";

/// The number of committee tenures of org `o` in office on day `d` (SQL expressions).
fn in_office(o: &str, d: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM org_team t WHERE t.org_id = {o} AND t.committee = 'party' \
         AND t.started_on <= {d} AND (t.ended_on IS NULL OR t.ended_on >= {d}))"
    )
}

async fn sql_formulation(
    db: &Db,
    params: &Params,
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> Result<SqlOutcome> {
    let mut out = SqlOutcome::default();
    let late_days = params.get("meeting.late_entry_days");
    let last = to.max(as_of);
    // An organization exists throughout a period: set up by its start, not ended by its end.
    let exists = "(o.established_on IS NULL OR o.established_on <= p.pstart) \
                  AND (o.status = 'active' OR o.status_on IS NULL OR o.status_on > p.pend)";
    for (r, (rule, kind, len)) in FREQ.iter().enumerate() {
        let required = params.get(rule);
        if required <= 0 {
            continue;
        }
        let bit = KindSet::of(&[*kind]).0;
        let key = period_key(*len);
        let status = format!(
            "CASE WHEN COALESCE(c.n, 0) >= {required} THEN (CASE WHEN COALESCE(c.timely, 0) >= {required} THEN 0 ELSE 1 END) \
             WHEN p.pend > {asof} THEN 3 ELSE 2 END",
            asof = lit(as_of)
        );
        let counts = |by_group: bool| {
            let g = if by_group { "m.group_id, " } else { "" };
            format!(
                "c AS (SELECT m.org_id, {g}{key} AS pkey, COUNT(*) AS n, \
                 SUM(CASE WHEN date(m.recorded_at, '+8 hours') <= date(m.held_on, '+{late_days} days') THEN 1 ELSE 0 END) AS timely \
                 FROM meeting m WHERE (m.kinds & {bit}) <> 0 AND m.held_on BETWEEN {} AND {} GROUP BY m.org_id, {g}pkey)",
                lit(from),
                lit(last)
            )
        };
        let sql = if kind.is_group_kind() {
            format!(
                "WITH {}, {} SELECT json_group_array(json_array(o.id, g.id, p.idx, COALESCE(c.n, 0), {status})) AS j \
                 FROM party_group g JOIN org o ON o.id = g.org_id CROSS JOIN p \
                 LEFT JOIN c ON c.org_id = g.org_id AND c.group_id = g.id AND c.pkey = p.pkey \
                 WHERE o.kind IN {BRANCH_KINDS} AND {exists} \
                 AND (g.created_on IS NULL OR g.created_on <= p.pstart) AND (g.ended_on IS NULL OR g.ended_on > p.pend)",
                periods_cte(*len, from, to),
                counts(true)
            )
        } else {
            // Committee meetings are owed only in months when at least 3 committee tenures are in
            // office on every day: on the first day and on every day the count changes.
            let committee = if *kind == MeetingKind::CommitteeMeeting {
                format!(
                    " AND {} >= 3 AND NOT EXISTS (SELECT 1 FROM org_team e WHERE e.org_id = o.id AND e.committee = 'party' \
                     AND ((e.started_on > p.pstart AND e.started_on <= p.pend AND {} < 3) \
                       OR (e.ended_on >= p.pstart AND e.ended_on < p.pend AND {} < 3)))",
                    in_office("o.id", "p.pstart"),
                    in_office("o.id", "e.started_on"),
                    in_office("o.id", "date(e.ended_on, '+1 day')")
                )
            } else {
                String::new()
            };
            format!(
                "WITH {}, {} SELECT json_group_array(json_array(o.id, NULL, p.idx, COALESCE(c.n, 0), {status})) AS j \
                 FROM org o CROSS JOIN p LEFT JOIN c ON c.org_id = o.id AND c.pkey = p.pkey \
                 WHERE o.kind IN {BRANCH_KINDS} AND {exists}{committee}",
                periods_cte(*len, from, to),
                counts(false)
            )
        };
        let t = Instant::now();
        let rows: Vec<(i64, Option<i64>, i64, i64, i64)> = fetch(db, &sql).await?;
        out.parts.push((rule, t.elapsed()));
        out.cells.extend(rows.into_iter().map(|(o, g, p, n, s)| (r, o, g, p, n, s)));
    }

    // 第一议题: every item × every organization of a level it applies to, with the earliest
    // meeting of that organization that studied it.
    let default_days = params.get("first_agenda.within_days");
    let sql = format!(
        "WITH x AS (SELECT ms.study_item_id AS item, m.org_id, MIN(m.held_on) AS first \
           FROM meeting_study ms JOIN meeting m ON m.id = ms.meeting_id \
           WHERE m.held_on BETWEEN {f} AND {l} GROUP BY ms.study_item_id, m.org_id), \
         s AS (SELECT id, published_on, levels, date(published_on, '+' || COALESCE(within_days, {default_days}) || ' days') AS deadline \
           FROM study_item WHERE withdrawn_at IS NULL AND published_on BETWEEN {f} AND {t}) \
         SELECT json_group_array(json_array(s.id, o.id, \
           CASE WHEN x.first IS NULL THEN (CASE WHEN s.deadline < {a} THEN 2 ELSE 3 END) \
                WHEN x.first <= s.deadline THEN 0 ELSE 1 END)) AS j \
         FROM s JOIN org o ON (s.levels & (CASE o.kind WHEN 'county_committee' THEN 1 \
             WHEN 'working_committee' THEN 2 WHEN 'committee' THEN 2 WHEN 'general_branch' THEN 4 ELSE 8 END)) <> 0 \
           AND (o.established_on IS NULL OR o.established_on <= s.published_on) \
           AND (o.status = 'active' OR o.status_on IS NULL OR (o.status_on > s.published_on AND o.status_on >= s.deadline)) \
         LEFT JOIN x ON x.item = s.id AND x.org_id = o.id",
        f = lit(from),
        l = lit(last),
        t = lit(to),
        a = lit(as_of)
    );
    let t = Instant::now();
    out.studies = fetch(db, &sql).await?;
    out.parts.push(("第一议题 states", t.elapsed()));

    // Committee quorum: the committee members present (of those in office that day, from the
    // attendance list, else the present count) must be more than the share of those in office.
    let pct = params.get("branch.committee_meeting.quorum");
    let bit = KindSet::of(&[MeetingKind::CommitteeMeeting]).0;
    let sql = format!(
        "SELECT json_group_array(id) AS j FROM (SELECT m.id, {n} AS n, \
           (SELECT COUNT(DISTINCT t.member_id) FROM org_team t JOIN meeting_attendee a \
              ON a.meeting_id = m.id AND a.member_id = t.member_id AND a.present \
            WHERE t.org_id = m.org_id AND t.committee = 'party' AND t.started_on <= m.held_on \
              AND (t.ended_on IS NULL OR t.ended_on >= m.held_on)) AS listed, \
           EXISTS (SELECT 1 FROM meeting_attendee a WHERE a.meeting_id = m.id AND a.present) AS has_list, \
           m.present \
         FROM meeting m WHERE (m.kinds & {bit}) <> 0 AND m.held_on BETWEEN {f} AND {t}) \
         WHERE n > 0 AND (CASE WHEN has_list THEN listed ELSE MIN(present, n) END) * 100 <= {pct} * n",
        n = in_office("m.org_id", "m.held_on"),
        f = lit(from),
        t = lit(to)
    );
    let t = Instant::now();
    out.quorum = fetch(db, &sql).await?;
    out.parts.push(("committee quorum", t.elapsed()));

    // Training hours: per member and year, leaders (committee members in office at the year's
    // end) against the higher minimum; only years over by the check day.
    let (member_min, leader_min) = (params.get("edu.member_hours_min"), params.get("edu.secretary_hours_min"));
    for year in from.year()..=to.year() {
        let (Some(ys), Some(ye)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
            continue;
        };
        if ye > as_of {
            continue;
        }
        let sql = format!(
            "WITH h AS (SELECT tp.member_id, SUM(t.hours) AS hours FROM training_participant tp \
               JOIN training t ON t.id = tp.training_id WHERE t.held_on BETWEEN {ys} AND {ye} GROUP BY tp.member_id), \
             lead AS (SELECT DISTINCT org_id, member_id FROM org_team WHERE committee = 'party' AND member_id IS NOT NULL \
               AND started_on <= {ye} AND (ended_on IS NULL OR ended_on >= {ye})) \
             SELECT json_group_array(json_array(org_id, leader, n)) AS j FROM ( \
               SELECT mb.org_id, (l.member_id IS NOT NULL) AS leader, COUNT(*) AS n FROM member mb \
               LEFT JOIN h ON h.member_id = mb.id \
               LEFT JOIN lead l ON l.org_id = mb.org_id AND l.member_id = mb.id \
               WHERE (mb.status = 'active' \
                  OR (mb.status = 'suspended' AND COALESCE(mb.suspended_on, {f}) >= {ye}) \
                  OR (mb.status NOT IN ('active', 'suspended') AND COALESCE(mb.left_on, {f}) >= {ye})) \
                 AND COALESCE(h.hours, 0) < (CASE WHEN l.member_id IS NOT NULL THEN {leader_min} ELSE {member_min} END) \
               GROUP BY mb.org_id, leader)",
            ys = lit(ys),
            ye = lit(ye),
            f = lit(from)
        );
        let t = Instant::now();
        out.training.extend(fetch::<(i64, i64, i64)>(db, &sql).await?);
        out.parts.push(("training hours", t.elapsed()));
    }
    Ok(out)
}

/// Print the engine's counts next to the SQL formulation's; true if the Missing cells and the
/// NotStudied states agree.
fn compare(engine: &Summary, sql: &SqlOutcome) -> bool {
    const STATUS: [&str; 4] = ["Held", "Late", "Missing", "Due"];
    let mut sql_cells: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for &(r, .., s) in &sql.cells {
        let status = usize::try_from(s).ok().and_then(|s| STATUS.get(s)).copied().unwrap_or("?");
        *sql_cells.entry((FREQ[r].0, status)).or_default() += 1;
    }
    println!("\n| count | engine (store path) | SQL formulation |\n|---|---|---|");
    let mut agree = true;
    for (rule, ..) in FREQ {
        for status in STATUS {
            let e = engine.cells.get(&(rule, status)).copied().unwrap_or(0);
            let s = sql_cells.get(&(rule, status)).copied().unwrap_or(0);
            if e == 0 && s == 0 {
                continue;
            }
            let mark = if e == s { "" } else { " ≠" };
            if status == "Missing" && e != s {
                agree = false;
            }
            println!("| {rule} {status} | {e} | {s}{mark} |");
        }
    }
    let total = |st: &str| sql_cells.iter().filter(|((_, s), _)| *s == st).map(|(_, n)| n).sum::<usize>();
    println!("| all cells | {} | {} |", engine.obligations, sql.cells.len());
    println!("| Missing cells | {} | {} |", status_total(engine, "Missing"), total("Missing"));
    const STATES: [&str; 4] = ["Studied", "Late", "NotStudied", "Pending"];
    for (i, state) in STATES.iter().enumerate() {
        let e = engine.studies.get(state).copied().unwrap_or(0);
        let s = sql.studies.iter().filter(|x| x.2 == i as i64).count();
        if *state == "NotStudied" && e != s {
            agree = false;
        }
        println!("| 第一议题 {state} | {e} | {s}{} |", if e == s { "" } else { " ≠" });
    }
    let q = engine.by_rule.get("branch.committee_meeting.quorum").copied().unwrap_or(0);
    println!(
        "| committee quorum findings | {q} | {}{} |",
        sql.quorum.len(),
        if q == sql.quorum.len() { "" } else { " ≠" }
    );
    let th = engine.by_rule.get("edu.member_hours_min").copied().unwrap_or(0)
        + engine.by_rule.get("edu.secretary_hours_min").copied().unwrap_or(0);
    println!(
        "| training-hours findings (org × year × leader) | {th} | {}{} |",
        sql.training.len(),
        if th == sql.training.len() { "" } else { " ≠" }
    );
    let short: i64 = sql.training.iter().map(|t| t.2).sum();
    println!("| members short of hours (SQL) | — | {short} |\n");
    if !agree {
        println!("MISMATCH: the engine and the SQL formulation disagree on Missing cells or NotStudied states");
    }
    agree
}

/// Time the biggest reads of `gather` on their own, the way it makes them (one JSON value per
/// chunk, decoded into structs): the meeting rows and the members (in chunks of 50,000 by id,
/// both with the county's path condition and without), the present attendees and the studies
/// (by windows of 20,000 meeting ids), the training hours (one aggregate).
async fn read_breakdown(db: &Db, from: NaiveDate, last: NaiveDate, county: &OrgPath) -> Result<()> {
    #[derive(serde::Deserialize)]
    #[allow(dead_code, reason = "decoded like the store decodes them, then dropped")]
    struct Mt {
        id: i64,
        org_id: i64,
        group_id: Option<i64>,
        kinds: i64,
        held_on: NaiveDate,
        recorded_at: chrono::DateTime<chrono::Utc>,
        recorded_by_user: Option<i64>,
        lecturer_member_id: Option<i64>,
        expected: i64,
        present: i64,
        first_agenda: serde_json::Value,
        minutes_hash: Option<i64>,
        source: String,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code, reason = "decoded like the store decodes them, then dropped")]
    struct A {
        meeting_id: i64,
        member_id: i64,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code, reason = "decoded like the store decodes them, then dropped")]
    struct S {
        meeting_id: i64,
        study_item_id: i64,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code, reason = "decoded like the store decodes them, then dropped")]
    struct M {
        id: i64,
        org_id: i64,
        status: String,
        suspended_on: Option<NaiveDate>,
        admitted_on: Option<NaiveDate>,
        left_on: Option<NaiveDate>,
    }
    let in_county = format!(" AND so.path >= '{}' AND so.path < '{}'", county.as_str(), county.upper_bound());
    let meeting_cols = [
        "id",
        "org_id",
        "group_id",
        "kinds",
        "held_on",
        "recorded_at",
        "recorded_by_user",
        "lecturer_member_id",
        "expected",
        "present",
        "first_agenda",
        "minutes_hash",
        "source",
    ];
    let member_cols = ["id", "org_id", "status", "suspended_on", "admitted_on", "left_on"];
    let json = |cols: &[&str]| cols.iter().map(|c| format!("'{c}', t.{c}")).collect::<Vec<_>>().join(", ");
    let select = |cols: &[&str]| cols.iter().map(|c| format!("x.{c}")).collect::<Vec<_>>().join(", ");

    let mut ids: Vec<i64> = Vec::new();
    let mut line = Vec::new();
    for (label, cond) in [("whole installation", ""), ("county scope", in_county.as_str())] {
        let t = Instant::now();
        ids.clear();
        let mut after = i64::MIN;
        loop {
            let sql = format!(
                "SELECT json_group_array(json_object({})) AS j FROM (SELECT {} FROM meeting x JOIN org so ON so.id = x.org_id \
                 WHERE x.held_on >= {} AND x.held_on <= {}{cond} AND x.id > {after} ORDER BY x.id LIMIT 50000) AS t",
                json(&meeting_cols),
                select(&meeting_cols),
                lit(from),
                lit(last)
            );
            let rows: Vec<Mt> = fetch(db, &sql).await?;
            let n = rows.len();
            let Some(max) = rows.iter().map(|r| r.id).max() else { break };
            after = max;
            ids.extend(rows.iter().map(|r| r.id));
            if n < 50_000 {
                break;
            }
        }
        line.push(format!("{} meeting rows ({label}) {:.2} s", ids.len(), secs(t.elapsed())));
    }
    for (label, cond) in [("whole installation", ""), ("county scope", in_county.as_str())] {
        let t = Instant::now();
        let mut members = 0usize;
        let mut after = i64::MIN;
        loop {
            let sql = format!(
                "SELECT json_group_array(json_object({})) AS j FROM (SELECT {} FROM member x JOIN org so ON so.id = x.org_id \
                 WHERE x.id > {after}{cond} ORDER BY x.id LIMIT 50000) AS t",
                json(&member_cols),
                select(&member_cols)
            );
            let rows: Vec<M> = fetch(db, &sql).await?;
            let n = rows.len();
            let Some(max) = rows.iter().map(|r| r.id).max() else { break };
            after = max;
            members += n;
            if n < 50_000 {
                break;
            }
        }
        line.push(format!("{members} members ({label}) {:.2} s", secs(t.elapsed())));
    }
    ids.sort_unstable();

    let t = Instant::now();
    let mut attendees = 0usize;
    for w in ids.chunks(20_000) {
        let (Some(lo), Some(hi)) = (w.first(), w.last()) else { continue };
        let sql = format!(
            "SELECT json_group_array(json_object('meeting_id', t.meeting_id, 'member_id', t.member_id)) AS j FROM \
             (SELECT meeting_id, member_id FROM meeting_attendee WHERE meeting_id BETWEEN {lo} AND {hi} AND present = 1) AS t"
        );
        let rows: Vec<A> = fetch(db, &sql).await?;
        attendees += rows.len();
    }
    line.push(format!("{attendees} present attendees {:.2} s", secs(t.elapsed())));

    let t = Instant::now();
    let mut studies = 0usize;
    for w in ids.chunks(20_000) {
        let (Some(lo), Some(hi)) = (w.first(), w.last()) else { continue };
        let sql = format!(
            "SELECT json_group_array(json_object('meeting_id', t.meeting_id, 'study_item_id', t.study_item_id)) AS j FROM \
             (SELECT meeting_id, study_item_id FROM meeting_study WHERE meeting_id BETWEEN {lo} AND {hi}) AS t"
        );
        let rows: Vec<S> = fetch(db, &sql).await?;
        studies += rows.len();
    }
    line.push(format!("{studies} meeting studies {:.2} s", secs(t.elapsed())));

    let t = Instant::now();
    let sql = format!(
        "SELECT json_group_array(json_object('member_id', t.member_id, 'hours', t.hours)) AS j FROM \
         (SELECT p.member_id, SUM(t.hours) AS hours FROM training_participant p JOIN training t ON t.id = p.training_id \
          JOIN org so ON so.id = t.org_id WHERE t.held_on BETWEEN {} AND {}{in_county} GROUP BY p.member_id) AS t",
        lit(NaiveDate::from_ymd_opt(from.year(), 1, 1).unwrap_or(from)),
        lit(NaiveDate::from_ymd_opt(from.year(), 12, 31).unwrap_or(from))
    );
    let hours: Vec<serde_json::Value> = fetch(db, &sql).await?;
    line.push(format!("training hours of {} members {:.2} s", hours.len(), secs(t.elapsed())));
    println!("reads of gather on their own: {}", line.join("; "));
    Ok(())
}
