//! `jiceng check recruit FILE [--as-of DATE] [--rules FILE.json] [--format json|table]`: the
//! roster check of member development. A county's legacy roster (Excel or CSV, one row per person,
//! one column per date of the procedure) is read, and every row is checked with
//! `jiceng_rules::recruit::audit_roster` as the county does by hand: the intervals and the order
//! of the dates given, the facts of the columns present, and the deadlines passed by `--as-of`
//! (default today). A column the file lacks is never reported as a missing step. No database is
//! opened; the parameters are the national defaults, or these with the overrides of `--rules`
//! (a JSON object such as `{"dev.talk_within":2}`, validated like a county's settings).
//!
//! JSON (`--format json`), only rows with violations in `rows`:
//! `{"rows":[{"row":R,"name":"…","org":"…","violations":[{"rule_id":"…","step":"…","step_label":"…",
//! "date":"YYYY-MM-DD","severity":"…","message":"…"}]}],"rejected":[{"row":R,"column":"…","reason":"…"}],
//! "warnings":[{"row"?:R,"column":"…","reason":"…"}],"checked":N}`, where `row` is the row number
//! Excel shows, `step` the step's key, `severity` one of `notice`, `warning`, `error`, and
//! `checked` the number of data rows checked. A rejected cell does not drop its row: the row is
//! checked without that value.
//!
//! The table format prints one line per violation (row number, name, severity, step, date,
//! message), then the rejected cells and warnings, then a summary line in Chinese.
//!
//! Exit code: 0 when no violation and no rejected cell, 2 when there are some, 1 when the file
//! (or the `--rules` file, or `--as-of`) cannot be read.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use chrono::NaiveDate;
use jiceng_exchange::recruit::columns::*;
use jiceng_exchange::recruit::{RecruitRow, import_recruit_roster};
use jiceng_exchange::{ImportOptions, Limits, RowError, Warning};
use jiceng_rules::Severity;
use jiceng_rules::recruit::{Given, Params, RosterPerson, Violation, audit_roster};
use serde::Serialize;

use crate::cli::{CheckRecruitArgs, Format};

/// One checked row with its violations.
#[derive(Debug, Serialize)]
struct RowReport<'a> {
    row: u32,
    name: &'a str,
    org: &'a str,
    violations: Vec<ViolationReport>,
}

/// A violation as the command prints it.
#[derive(Debug, Serialize)]
struct ViolationReport {
    rule_id: &'static str,
    step: &'static str,
    step_label: &'static str,
    date: String,
    severity: Severity,
    message: String,
}

impl From<Violation> for ViolationReport {
    fn from(v: Violation) -> Self {
        ViolationReport {
            rule_id: v.rule_id,
            step: v.step.key(),
            step_label: v.step.full_label(),
            date: v.on.to_string(),
            severity: v.severity,
            message: v.message,
        }
    }
}

/// The whole output of `--format json`.
#[derive(Debug, Serialize)]
struct Report<'a> {
    rows: Vec<RowReport<'a>>,
    rejected: &'a [RowError],
    warnings: &'a [Warning],
    checked: usize,
}

/// Run the roster check.
pub fn run(args: CheckRecruitArgs) -> anyhow::Result<ExitCode> {
    let today = match &args.as_of {
        Some(s) => jiceng_types::date::parse_date(s).map_err(|e| anyhow::anyhow!("--as-of 日期有误：{}", e.message))?,
        None => jiceng_types::date::today_china(),
    };
    let params = match &args.rules {
        Some(path) => load_params(path)?,
        None => Params::default(),
    };
    let bytes = std::fs::read(&args.file)
        .map_err(|e| anyhow::anyhow!("无法读取 {}：{}", args.file.display(), io_reason(&e)))?;
    let file_name = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // The operator on the server may check a large roster (the web keeps 50 MB).
    let limits = Limits { max_file_bytes: 1024 * 1024 * 1024, ..Limits::default() };
    let roster = import_recruit_roster(&bytes, &file_name, &limits, &ImportOptions::default())
        .map_err(|e| anyhow::anyhow!("{}：{e}", args.file.display()))?;

    let rows: Vec<RowReport<'_>> = roster
        .rows
        .iter()
        .map(|r| RowReport {
            row: r.excel_row,
            name: &r.name,
            org: r.org.as_deref().unwrap_or(""),
            violations: audit_roster(&person(r), &params, today).into_iter().map(ViolationReport::from).collect(),
        })
        .filter(|r| !r.violations.is_empty())
        .collect();
    let report = Report { rows, rejected: &roster.rejected, warnings: &roster.warnings, checked: roster.rows.len() };
    match args.format {
        Format::Json => println!("{}", serde_json::to_string(&report)?),
        Format::Table => print_table(&report, today),
    }
    let clean = report.rows.is_empty() && report.rejected.is_empty();
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// A row of the file as the rules see it: a column absent or a cell unreadable is unknown, an
/// empty cell of a present column blank.
fn person(r: &RecruitRow) -> RosterPerson {
    fn given<T>(r: &RecruitRow, def: usize, v: Option<T>) -> Given<T> {
        Given::from_cell(r.is_known(def), v)
    }
    let dates = |def: usize, v: Option<NaiveDate>| given(r, def, v);
    RosterPerson {
        birth_date: dates(BIRTH, r.birth_date),
        applied_on: dates(APPLIED, r.applied_on),
        talk_on: dates(TALK, r.talk_on),
        activist_on: dates(ACTIVIST, r.activist_on),
        reviews: given(r, REVIEWS, (!r.reviews.is_empty()).then(|| r.reviews.clone())),
        candidate_on: dates(CANDIDATE, r.candidate_on),
        polit_concluded_on: dates(POLIT, r.polit_concluded_on),
        training_ended_on: dates(TRAINING_END, r.training_ended_on),
        training_days: given(r, TRAINING_DAYS, r.training_days),
        training_hours: given(r, TRAINING_HOURS, r.training_hours),
        admitted_on: dates(ADMITTED, r.admitted_on),
        vote_eligible: given(r, ELIGIBLE, r.vote_eligible),
        vote_present: given(r, PRESENT, r.vote_present),
        vote_in_favour: given(r, IN_FAVOUR, r.vote_in_favour),
        approved_on: dates(APPROVED, r.approved_on),
        oath_on: dates(OATH, r.oath_on),
        regularization_applied_on: dates(REG_APPLIED, r.regularization_applied_on),
        regularization_meeting_on: dates(REG_MEETING, r.regularization_meeting_on),
        regularization_approved_on: dates(REG_APPROVED, r.regularization_approved_on),
        regularized_on: dates(REGULARIZED, r.regularized_on),
        extension_months: given(r, EXTENSION, r.extension_months),
    }
}

/// The parameters: the national defaults with the overrides of a JSON file.
fn load_params(path: &Path) -> anyhow::Result<Params> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("无法读取规则参数文件 {}：{}", path.display(), io_reason(&e)))?;
    let overrides: BTreeMap<String, i64> = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "规则参数文件 {} 不是有效的 JSON 对象（应形如 {{\"dev.talk_within\":2}}，值为整数）：第{}行第{}列有误",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    Params::with_overrides(&overrides).map_err(|errors| {
        let reasons: Vec<String> = errors.into_iter().map(|(_, m)| m).collect();
        anyhow::anyhow!("规则参数文件 {} 有误：{}", path.display(), reasons.join("；"))
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".to_string(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".to_string(),
        std::io::ErrorKind::IsADirectory => "这是一个目录，不是文件".to_string(),
        _ => format!("读取失败（{e}）"),
    }
}

fn print_table(report: &Report<'_>, today: NaiveDate) {
    for r in &report.rows {
        for v in &r.violations {
            let org = if r.org.is_empty() { String::new() } else { format!("（{}）", r.org) };
            println!(
                "第{}行\t{}{org}\t{}\t{}\t{}\t{}",
                r.row,
                r.name,
                v.severity.label(),
                v.step_label,
                v.date,
                v.message
            );
        }
    }
    for e in report.rejected {
        println!("第{}行\t“{}”一格有误：{}（该格未参与检查）", e.row, e.column, e.reason);
    }
    for w in report.warnings {
        let at = w.row.map(|r| format!("第{r}行")).unwrap_or_default();
        let column = if w.column.is_empty() { String::new() } else { format!("“{}”", w.column) };
        println!("提示\t{at}{column}{}", w.reason);
    }
    let count = |s: Severity| report.rows.iter().flat_map(|r| &r.violations).filter(|v| v.severity == s).count();
    let total: usize = report.rows.iter().map(|r| r.violations.len()).sum();
    let mut summary = if total == 0 {
        format!("共检查 {} 人（截至{today}），未发现问题", report.checked)
    } else {
        format!(
            "共检查 {} 人（截至{today}），其中 {} 人有问题，共 {} 条（问题 {} 条、警示 {} 条、提示 {} 条）",
            report.checked,
            report.rows.len(),
            total,
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Notice)
        )
    };
    if !report.rejected.is_empty() {
        summary.push_str(&format!("；{} 个单元格有误，请更正后重新检查", report.rejected.len()));
    }
    println!("{summary}。");
}
