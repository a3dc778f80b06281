//! Compliance of organizational life, computed from the records: a township's or the county's
//! overview (rates per subordinate organization, the organizations × periods matrix of one rule,
//! the 第一议题 status per study item, the formalism signals, the findings), a branch's own page
//! (what is due and what is overdue, in plain words), and the county's rule parameters.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use jiceng_exchange::{Cell, ColumnKind};
use jiceng_rules::meeting::{CellStatus, Obligation, PARAMS, ParamDef, RULES, StudyState};
use jiceng_store::StoreError;
use jiceng_store::meeting::compliance::{self, FindingRow, OrgLabel, Report};
use jiceng_types::{FieldError, OrgDomain, OrgId, Period, Right};
use serde::Deserialize;

use super::FormErrors;
use super::home::DoneQuery;
use crate::AppState;
use crate::error::PageError;
use crate::extract::Me;
use crate::view::{self, Ctx};

/// Query of the overview.
#[derive(Debug, Deserialize, Default)]
pub struct OverviewQuery {
    /// The organization whose subtree is shown (default: the user's whole scope).
    #[serde(default)]
    under: Option<i64>,
    /// The year (default: this year).
    #[serde(default)]
    year: Option<i32>,
    /// Only organizations of this domain (key).
    #[serde(default)]
    domain: String,
    /// The rule of the matrix.
    #[serde(default)]
    rule: String,
    /// The tab: `rates` (default), `matrix`, `study`, `signals`, `findings`.
    #[serde(default)]
    tab: String,
    /// Export format.
    #[serde(default)]
    fmt: String,
}

/// A subordinate organization's rates.
pub struct RateRow {
    /// The organization.
    pub org: OrgLabel,
    /// Branches counted.
    pub branches: usize,
    /// Obligations held on time.
    pub held: u32,
    /// Held, but only by back-filled records.
    pub late: u32,
    /// Missing.
    pub missing: u32,
    /// Still due this period.
    pub due: u32,
    /// Study items studied in time / late / not studied.
    pub studied: u32,
    /// Studied late.
    pub studied_late: u32,
    /// Not studied.
    pub not_studied: u32,
    /// Signals.
    pub signals: usize,
}

impl RateRow {
    /// Held (on time or not) as a share of the obligations that are over, in percent.
    pub fn rate(&self) -> String {
        percent(self.held + self.late, self.held + self.late + self.missing)
    }

    /// Items studied (in time or late) as a share of the items whose deadline has passed.
    pub fn study_rate(&self) -> String {
        percent(self.studied + self.studied_late, self.studied + self.studied_late + self.not_studied)
    }
}

fn percent(n: u32, d: u32) -> String {
    if d == 0 { "—".into() } else { format!("{:.1}%", f64::from(n) * 100.0 / f64::from(d)) }
}

/// One row of the matrix.
pub struct MatrixRow {
    /// The organization.
    pub org: OrgLabel,
    /// The Party group, for group meetings.
    pub group_id: Option<i64>,
    /// One cell per column: (symbol, css class, tooltip).
    pub cells: Vec<(&'static str, &'static str, String)>,
}

/// The 第一议题 status of one study item over the view.
pub struct StudyRow {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Deadline (the latest one over the organizations).
    pub deadline: Option<NaiveDate>,
    /// Studied in time.
    pub studied: usize,
    /// Studied late.
    pub late: usize,
    /// Not studied after the deadline.
    pub not_studied: usize,
    /// Deadline not reached yet.
    pub pending: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "compliance/overview.html")]
pub struct OverviewPage {
    ctx: Ctx,
    tab: String,
    year: i32,
    years: Vec<i32>,
    under: Option<OrgLabel>,
    crumbs: Vec<OrgLabel>,
    domain: String,
    domains: Vec<(&'static str, &'static str)>,
    rates: Vec<RateRow>,
    total: RateRow,
    rule: String,
    rules: Vec<(&'static str, &'static str)>,
    columns: Vec<String>,
    matrix: Vec<MatrixRow>,
    matrix_cut: usize,
    studies: Vec<StudyRow>,
    findings: Vec<FindingRow>,
    findings_cut: usize,
    signals: usize,
    violations: usize,
    can_export: bool,
    as_of: NaiveDate,
}

impl OverviewPage {
    /// The query string of the current view, without the tab (for links between tabs).
    pub fn base_query(&self) -> String {
        let mut q = format!("year={}", self.year);
        if let Some(u) = &self.under {
            q.push_str(&format!("&under={}", u.id));
        }
        if !self.domain.is_empty() {
            q.push_str(&format!("&domain={}", self.domain));
        }
        q
    }
}

fn year_bounds(year: i32) -> Result<(NaiveDate, NaiveDate), PageError> {
    match (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) {
        (Some(a), Some(b)) if (2000..=2100).contains(&year) => Ok((a, b)),
        _ => Err(StoreError::invalid("year", "bad_year", "年份应在2000至2100之间").into()),
    }
}

fn require_read(me: &Me) -> Result<(), StoreError> {
    if me.scope().can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_member_right", "您没有查看组织生活记录的权限"))
    }
}

/// The organizations shown: in the subtree of `under` (if any) and of the domain (if any).
struct View<'a> {
    report: &'a Report,
    under_path: Option<String>,
    domain: Option<OrgDomain>,
}

impl View<'_> {
    fn shows(&self, org_id: i64) -> bool {
        let Some(l) = self.report.orgs.get(&org_id) else { return false };
        self.under_path.as_deref().is_none_or(|p| l.path.starts_with(p)) && self.domain.is_none_or(|d| l.domain == d)
    }
}

/// What a frequency rule asks for, and its verb: (`主题党日`, `开展`), (`支部委员会`, `召开`).
fn activity(rule_id: &str) -> (&'static str, &'static str) {
    match rule_id {
        "branch.general_meeting.min_per_quarter" => ("支部党员大会", "召开"),
        "branch.committee_meeting.min_per_month" => ("支部委员会", "召开"),
        "group.meeting.min_per_month" => ("党小组会", "召开"),
        "branch.lecture.min_per_quarter" => ("党课", "组织"),
        "branch.secretary.lectures_min_per_year" => ("书记讲党课", "开展"),
        "committee.secretary.lectures_min_per_year" => ("党(工)委书记讲党课", "开展"),
        "branch.theme_day.min_per_month" => ("主题党日", "开展"),
        "branch.org_life_meeting.min_per_year" => ("组织生活会", "召开"),
        "branch.appraisal.min_per_year" => ("民主评议党员", "开展"),
        "talks.min_per_pair_per_year" => ("谈心谈话", "开展"),
        other => (rule_name(other), "开展"),
    }
}

fn rule_name(id: &str) -> &'static str {
    jiceng_rules::meeting::rule_label(id)
}

/// The frequency rules that produced obligations, in the order of the rules table.
fn matrix_rules(obligations: &[Obligation]) -> Vec<(&'static str, &'static str)> {
    let present: BTreeSet<&str> = obligations.iter().map(|o| o.rule_id).collect();
    RULES.iter().filter(|r| present.contains(r.id)).map(|r| (r.id, r.label)).collect()
}

fn cell(status: CellStatus) -> (&'static str, &'static str) {
    match status {
        CellStatus::Held => ("✓", "held"),
        CellStatus::Late => ("补", "late"),
        CellStatus::Missing => ("✗", "missing"),
        CellStatus::Due => ("…", "due"),
        CellStatus::NotApplicable => ("—", "na"),
    }
}

/// Tally obligations and studies per subordinate organization.
fn rates(report: &Report, view: &View<'_>, base: Option<&OrgLabel>) -> (Vec<RateRow>, RateRow) {
    // The subordinate an organization falls under: the child of `base` on its path.
    let children: Vec<&OrgLabel> = match base {
        Some(b) => report.orgs.values().filter(|o| o.parent_id == Some(b.id)).collect(),
        None => report.orgs.values().filter(|o| o.parent_id.is_none_or(|p| !report.orgs.contains_key(&p))).collect(),
    };
    let mut rows: Vec<RateRow> = children
        .iter()
        .map(|c| RateRow {
            org: (*c).clone(),
            branches: 0,
            held: 0,
            late: 0,
            missing: 0,
            due: 0,
            studied: 0,
            studied_late: 0,
            not_studied: 0,
            signals: 0,
        })
        .collect();
    rows.sort_by(|a, b| a.org.path.cmp(&b.org.path));
    let slot = |org_id: i64| -> Option<usize> {
        let path = &report.orgs.get(&org_id)?.path;
        rows.iter().position(|r| path.starts_with(&r.org.path))
    };
    let slots: HashMap<i64, Option<usize>> =
        report.orgs.keys().filter(|id| view.shows(**id)).map(|id| (*id, slot(*id))).collect();
    let empty = |org: OrgLabel| RateRow {
        org,
        branches: 0,
        held: 0,
        late: 0,
        missing: 0,
        due: 0,
        studied: 0,
        studied_late: 0,
        not_studied: 0,
        signals: 0,
    };
    let mut total = empty(base.cloned().unwrap_or(OrgLabel {
        id: 0,
        parent_id: None,
        code: String::new(),
        name: "合计".into(),
        kind: jiceng_types::OrgKind::CountyCommittee,
        domain: OrgDomain::Other,
        path: String::new(),
        active: true,
    }));
    let mut counted: BTreeSet<i64> = BTreeSet::new();
    for o in &report.outcome.obligations {
        let Some(Some(i)) = slots.get(&o.org_id) else { continue };
        let r = &mut rows[*i];
        let bump = |r: &mut RateRow| match o.status {
            CellStatus::Held => r.held += 1,
            CellStatus::Late => r.late += 1,
            CellStatus::Missing => r.missing += 1,
            CellStatus::Due => r.due += 1,
            CellStatus::NotApplicable => {}
        };
        bump(r);
        bump(&mut total);
        if counted.insert(o.org_id) {
            r.branches += 1;
            total.branches += 1;
        }
    }
    for s in &report.outcome.studies {
        let Some(Some(i)) = slots.get(&s.org_id) else { continue };
        let bump = |r: &mut RateRow| match s.state {
            StudyState::Studied => r.studied += 1,
            StudyState::Late => r.studied_late += 1,
            StudyState::NotStudied => r.not_studied += 1,
            StudyState::Pending => {}
        };
        bump(&mut rows[*i]);
        bump(&mut total);
    }
    for f in &report.outcome.findings {
        if f.kind != jiceng_rules::meeting::FindingKind::Signal {
            continue;
        }
        let Some(Some(i)) = slots.get(&f.org_id) else { continue };
        rows[*i].signals += 1;
        total.signals += 1;
    }
    rows.retain(|r| r.branches > 0 || r.studied + r.studied_late + r.not_studied > 0 || r.signals > 0);
    (rows, total)
}

const MATRIX_MAX: usize = 400;
const FINDINGS_MAX: usize = 1000;

/// `GET /compliance`
pub async fn overview(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, PageError> {
    if require_read(&me).is_err() {
        return Err(super::deny(&state, &me, "compliance", "no_member_right", "您没有查看组织生活记录的权限").await);
    }
    let today = view::today();
    let year = q.year.unwrap_or(today.year());
    let (from, to) = year_bounds(year)?;
    let report = compliance::check(&state.db, me.scope(), from, to, today).await?;
    let under = match q.under {
        Some(id) => Some(report.orgs.get(&id).cloned().ok_or(StoreError::NotFound)?),
        None => None,
    };
    let domain = OrgDomain::parse(&q.domain);
    let view = View { report: &report, under_path: under.as_ref().map(|u| u.path.clone()), domain };
    let tab = match q.tab.as_str() {
        "matrix" | "study" | "signals" | "findings" => q.tab.clone(),
        _ => "rates".to_string(),
    };

    // Findings (violations or signals) in view.
    let signals_tab = tab == "signals";
    let all_rows: Vec<FindingRow> = report.rows().into_iter().filter(|r| view.shows(r.org_id)).collect();
    let signals = all_rows.iter().filter(|r| r.is_signal()).count();
    let violations = all_rows.len() - signals;
    if !q.fmt.is_empty() {
        return export(&state, &me, &report, &view, &tab, &q, year).await;
    }
    let mut findings: Vec<FindingRow> = Vec::new();
    let mut findings_cut = 0;
    if tab == "findings" || signals_tab {
        findings = all_rows.into_iter().filter(|r| r.is_signal() == signals_tab).collect();
        if findings.len() > FINDINGS_MAX {
            findings_cut = findings.len();
            findings.truncate(FINDINGS_MAX);
        }
    }

    // The matrix of one rule.
    let rules = matrix_rules(&report.outcome.obligations);
    let rule = if rules.iter().any(|(id, _)| *id == q.rule) {
        q.rule.clone()
    } else {
        rules
            .iter()
            .find(|(id, _)| *id == "branch.theme_day.min_per_month")
            .or(rules.first())
            .map(|(id, _)| id.to_string())
            .unwrap_or_default()
    };
    let (columns, matrix, matrix_cut) =
        if tab == "matrix" { matrix(&report, &view, &rule) } else { (Vec::new(), Vec::new(), 0) };

    let studies = if tab == "study" { study_rows(&report, &view) } else { Vec::new() };
    let base = under.clone().or_else(|| {
        let roots: Vec<&OrgLabel> =
            report.orgs.values().filter(|o| o.parent_id.is_none_or(|p| !report.orgs.contains_key(&p))).collect();
        if roots.len() == 1 { roots.first().map(|r| (*r).clone()) } else { None }
    });
    let (rates, total) = rates(&report, &view, base.as_ref());
    let crumbs = match &under {
        Some(u) => {
            let mut c: Vec<OrgLabel> =
                report.orgs.values().filter(|o| u.path.starts_with(&o.path) && o.id != u.id).cloned().collect();
            c.sort_by_key(|o| o.path.len());
            c
        }
        None => Vec::new(),
    };
    let page = OverviewPage {
        ctx: Ctx::new(&me, "组织生活检查", "compliance"),
        tab,
        year,
        years: ((today.year() - 4)..=today.year()).rev().collect(),
        under,
        crumbs,
        domain: domain.map(|d| d.key().to_string()).unwrap_or_default(),
        domains: OrgDomain::ALL.iter().map(|d| (d.key(), d.label())).collect(),
        rates,
        total,
        rule,
        rules,
        columns,
        matrix,
        matrix_cut,
        studies,
        findings,
        findings_cut,
        signals,
        violations,
        can_export: me.scope().can(Right::Export),
        as_of: today,
    };
    Ok(page.into_response())
}

fn matrix(report: &Report, view: &View<'_>, rule: &str) -> (Vec<String>, Vec<MatrixRow>, usize) {
    let obligations: Vec<&Obligation> =
        report.outcome.obligations.iter().filter(|o| o.rule_id == rule && view.shows(o.org_id)).collect();
    let periods: BTreeSet<Period> = obligations.iter().map(|o| o.period).collect();
    let periods: Vec<Period> = periods.into_iter().collect();
    let mut by_row: BTreeMap<(String, i64, Option<i64>), Vec<&Obligation>> = BTreeMap::new();
    for o in obligations {
        let path = report.orgs.get(&o.org_id).map(|l| l.path.clone()).unwrap_or_default();
        by_row.entry((path, o.org_id, o.group_id)).or_default().push(o);
    }
    let total = by_row.len();
    let rows = by_row
        .into_iter()
        .take(MATRIX_MAX)
        .filter_map(|((_, org_id, group_id), obs)| {
            let org = report.orgs.get(&org_id)?.clone();
            let cells = periods
                .iter()
                .map(|p| match obs.iter().find(|o| o.period == *p) {
                    Some(o) => {
                        let (sym, class) = cell(o.status);
                        (sym, class, format!("{}：{}/{}次", p.label(), o.held, o.required))
                    }
                    None => ("—", "na", format!("{}：不适用", p.label())),
                })
                .collect();
            Some(MatrixRow { org, group_id, cells })
        })
        .collect();
    let columns = periods
        .iter()
        .map(|p| match p {
            Period::Month(_, m) => format!("{m}月"),
            Period::Quarter(_, q) => format!("{q}季度"),
            Period::Year(y) => format!("{y}年"),
        })
        .collect();
    (columns, rows, if total > MATRIX_MAX { total } else { 0 })
}

fn study_rows(report: &Report, view: &View<'_>) -> Vec<StudyRow> {
    let mut by_item: BTreeMap<i64, StudyRow> = BTreeMap::new();
    for s in report.outcome.studies.iter().filter(|s| view.shows(s.org_id)) {
        let row = by_item.entry(s.study_item_id).or_insert_with(|| StudyRow {
            id: s.study_item_id,
            title: report.study_titles.get(&s.study_item_id).cloned().unwrap_or_default(),
            deadline: None,
            studied: 0,
            late: 0,
            not_studied: 0,
            pending: 0,
        });
        row.deadline = Some(row.deadline.map_or(s.deadline, |d| d.max(s.deadline)));
        match s.state {
            StudyState::Studied => row.studied += 1,
            StudyState::Late => row.late += 1,
            StudyState::NotStudied => row.not_studied += 1,
            StudyState::Pending => row.pending += 1,
        }
    }
    let mut rows: Vec<StudyRow> = by_item.into_values().collect();
    rows.sort_by(|a, b| b.deadline.cmp(&a.deadline).then(b.id.cmp(&a.id)));
    rows
}

/// The headers of an exported table.
type Columns = Vec<(String, ColumnKind)>;

async fn export(
    state: &AppState,
    me: &Me,
    report: &Report,
    view: &View<'_>,
    tab: &str,
    q: &OverviewQuery,
    year: i32,
) -> Result<Response, PageError> {
    use ColumnKind::{Code, Text};
    let format = super::files::format(&q.fmt);
    let filter = serde_json::json!({ "tab": tab, "year": year, "under": q.under, "domain": q.domain, "rule": q.rule });
    let (title, slug, columns, rows): (String, &str, Columns, Vec<Vec<Cell>>) = match tab {
        "matrix" => {
            let rules = matrix_rules(&report.outcome.obligations);
            let rule = rules.iter().find(|(id, _)| *id == q.rule).or(rules.first()).map(|(id, _)| *id).unwrap_or("");
            let (cols, rows, _) = matrix(report, view, rule);
            let mut columns = vec![("组织代码".to_string(), Code), ("党组织".to_string(), Text)];
            columns.extend(cols.iter().map(|c| (c.clone(), Text)));
            let rows = rows
                .into_iter()
                .map(|r| {
                    let mut cells = vec![Cell::text(r.org.code.as_str()), Cell::text(r.org.name.as_str())];
                    cells.extend(r.cells.iter().map(|(sym, _, _)| Cell::text(*sym)));
                    cells
                })
                .collect();
            (format!("{}{}年情况", rule_name(rule), year), "compliance-matrix", columns, rows)
        }
        "study" => {
            let columns = ["学习内容", "学习时限", "按时学习", "学习不及时", "应学未学", "未到期"]
                .iter()
                .map(|c| (c.to_string(), Text))
                .collect();
            let rows = study_rows(report, view)
                .into_iter()
                .map(|s| {
                    vec![
                        Cell::text(s.title.as_str()),
                        Cell::opt_date(s.deadline),
                        Cell::text(s.studied.to_string()),
                        Cell::text(s.late.to_string()),
                        Cell::text(s.not_studied.to_string()),
                        Cell::text(s.pending.to_string()),
                    ]
                })
                .collect();
            (format!("{year}年第一议题学习情况"), "first-agenda", columns, rows)
        }
        _ => {
            let signals = tab == "signals";
            let columns = ["程度", "类别", "组织代码", "党组织", "期间", "检查项", "规则编号", "说明"]
                .iter()
                .map(|c| (c.to_string(), if *c == "组织代码" { Code } else { Text }))
                .collect();
            let rows = report
                .rows()
                .into_iter()
                .filter(|r| view.shows(r.org_id) && (tab == "rates" || r.is_signal() == signals))
                .map(|r| {
                    vec![
                        Cell::text(r.severity_label()),
                        Cell::text(if r.is_signal() { "形式主义信号" } else { "问题" }),
                        Cell::text(r.org_code.as_str()),
                        Cell::text(r.org_name.as_str()),
                        Cell::text(r.period_label()),
                        Cell::text(r.rule_label()),
                        Cell::text(r.rule_id.as_str()),
                        Cell::text(r.message.as_str()),
                    ]
                })
                .collect();
            let title =
                if signals { format!("{year}年形式主义信号") } else { format!("{year}年组织生活问题") };
            (title, "compliance", columns, rows)
        }
    };
    let cols: Vec<(&str, ColumnKind)> = columns.iter().map(|(c, k)| (c.as_str(), *k)).collect();
    let bytes =
        jiceng_store::export::table(&state.db, me.scope(), &me.meta, "compliance", &title, &cols, rows, format, filter)
            .await?;
    Ok(super::files::download(bytes, &title, slug, format))
}

/// One line of a branch's to-do list.
pub struct DueLine {
    /// In plain words.
    pub text: String,
    /// The last day.
    pub deadline: NaiveDate,
}

#[derive(Template, WebTemplate)]
#[template(path = "compliance/org.html")]
pub struct OrgPage {
    ctx: Ctx,
    org: OrgLabel,
    year: i32,
    due: Vec<DueLine>,
    overdue: Vec<DueLine>,
    held: Vec<DueLine>,
    studies_due: Vec<(i64, String, NaiveDate)>,
    findings: Vec<FindingRow>,
    can_write: bool,
    recompute_ms: String,
}

/// `GET /orgs/{id}/compliance?year=`: what the organization must still do, and what it missed.
pub async fn org_page(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Query(q): Query<OverviewQuery>,
) -> Result<OrgPage, PageError> {
    require_read(&me)?;
    let today = view::today();
    let year = q.year.unwrap_or(today.year());
    let (from, to) = year_bounds(year)?;
    let started = std::time::Instant::now();
    let report = compliance::check_org(&state.db, me.scope(), OrgId(id), from, to, today).await?;
    let recompute_ms = format!("{:.1}", started.elapsed().as_secs_f64() * 1000.0);
    let org = report.orgs.get(&id).cloned().ok_or(StoreError::NotFound)?;
    let groups = group_names(&state, &me, OrgId(id)).await?;
    let (due, overdue, held) = lines(&report, id, &groups);
    let studies_due = report
        .outcome
        .studies
        .iter()
        .filter(|s| s.org_id == id && s.state == StudyState::Pending)
        .map(|s| (s.study_item_id, report.study_titles.get(&s.study_item_id).cloned().unwrap_or_default(), s.deadline))
        .collect();
    let findings = report.rows().into_iter().filter(|r| r.org_id == id).collect();
    Ok(OrgPage {
        ctx: Ctx::new(&me, format!("{} · 组织生活", org.name), "compliance"),
        org,
        year,
        due,
        overdue,
        held,
        studies_due,
        findings,
        can_write: me.scope().can(Right::WriteRecords),
        recompute_ms,
    })
}

/// An organization's obligations in plain words: still due, overdue (missing), done.
/// Periods not begun yet (next month, when the year is checked) are not listed.
pub fn lines(report: &Report, id: i64, groups: &HashMap<i64, String>) -> (Vec<DueLine>, Vec<DueLine>, Vec<DueLine>) {
    let line = |o: &Obligation, verb: &str| {
        let (what, held_verb) = activity(o.rule_id);
        let group = match o.group_id {
            Some(g) => format!("（{}）", groups.get(&g).map(String::as_str).unwrap_or("党小组")),
            None => String::new(),
        };
        DueLine {
            text: format!(
                "{}{verb}{held_verb}{what}{group}（应至少{}次，已{held_verb}{}次）",
                o.period.label(),
                o.required,
                o.held
            ),
            deadline: o.period.end(),
        }
    };
    let mut due = Vec::new();
    let mut overdue = Vec::new();
    let mut held = Vec::new();
    for o in report.outcome.obligations.iter().filter(|o| o.org_id == id) {
        match o.status {
            CellStatus::Due if o.period.start() <= report.as_of => due.push(line(o, "还需")),
            CellStatus::Due => {}
            CellStatus::Missing => overdue.push(line(o, "未")),
            CellStatus::Held | CellStatus::Late => held.push(line(o, "已")),
            CellStatus::NotApplicable => {}
        }
    }
    due.sort_by_key(|d| d.deadline);
    overdue.sort_by_key(|d| std::cmp::Reverse(d.deadline));
    held.sort_by_key(|d| std::cmp::Reverse(d.deadline));
    (due, overdue, held)
}

/// The names of an organization's Party groups, by id.
async fn group_names(state: &AppState, me: &Me, org: OrgId) -> Result<HashMap<i64, String>, PageError> {
    let groups = jiceng_store::meeting::group::list(&state.db, me.scope(), org).await?;
    Ok(groups.into_iter().map(|g| (g.id, g.name)).collect())
}

/// What the home page shows a branch's own users: this year's to-do and overdue lines.
pub struct Todo {
    /// The organization.
    pub org_id: i64,
    /// Still due (the nearest deadlines first).
    pub due: Vec<DueLine>,
    /// Overdue.
    pub overdue: usize,
    /// 第一议题 items to study.
    pub studies: usize,
}

/// The to-do of the user's own organization, if it holds meetings (a branch) and the user may
/// read records.
pub async fn todo(state: &AppState, me: &Me) -> Result<Option<Todo>, PageError> {
    let Some(org_id) = me.authed.user.org_id else { return Ok(None) };
    if !me.scope().can(Right::ReadMembers) {
        return Ok(None);
    }
    let today = view::today();
    let (from, to) = year_bounds(today.year())?;
    let report = match compliance::check_org(&state.db, me.scope(), org_id, from, to, today).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if !report.orgs.get(&org_id.0).is_some_and(|o| o.kind.is_branch()) {
        return Ok(None);
    }
    let groups = group_names(state, me, org_id).await?;
    let (mut due, overdue, _) = lines(&report, org_id.0, &groups);
    due.truncate(8);
    let studies =
        report.outcome.studies.iter().filter(|s| s.org_id == org_id.0 && s.state == StudyState::Pending).count();
    Ok(Some(Todo { org_id: org_id.0, due, overdue: overdue.len(), studies }))
}

/// One parameter on the settings page.
pub struct ParamRow {
    /// The definition.
    pub def: &'static ParamDef,
    /// The value typed (or in force).
    pub value: String,
    /// It differs from the default.
    pub changed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "compliance/rules.html")]
pub struct RulesPage {
    ctx: Ctx,
    rows: Vec<ParamRow>,
    errors: FormErrors,
    can_edit: bool,
}

/// `GET /settings/rules`: the rule parameters in force (everyone who reads records may see them).
pub async fn rules_form(
    State(state): State<AppState>,
    me: Me,
    Query(done): Query<DoneQuery>,
) -> Result<RulesPage, PageError> {
    require_read(&me)?;
    let params = compliance::params(&state.db, me.scope()).await?;
    let rows = PARAMS
        .iter()
        .map(|d| {
            let v = params.get(d.key);
            ParamRow { def: d, value: v.to_string(), changed: v != d.default }
        })
        .collect();
    Ok(RulesPage {
        ctx: Ctx::new(&me, "组织生活规则参数", "compliance").with_flash(done.done.as_deref()),
        rows,
        errors: FormErrors::default(),
        can_edit: me.scope().can(Right::CountySettings),
    })
}

/// `POST /settings/rules`: the form posts one field per parameter key.
pub async fn rules_save(
    State(state): State<AppState>,
    me: Me,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let values: HashMap<String, String> = form.into_iter().collect();
    let mut errs = Vec::new();
    let mut overrides = BTreeMap::new();
    for d in PARAMS {
        let typed = values.get(d.key).map(|s| s.trim()).unwrap_or("");
        match typed.parse::<i64>() {
            Ok(v) => {
                if v != d.default {
                    overrides.insert(d.key.to_string(), v);
                }
            }
            Err(_) => errs.push(FieldError::new(d.key, "not_a_number", "请填写整数")),
        }
    }
    let result = if errs.is_empty() {
        compliance::set_params(&state.db, me.scope(), &me.meta, &overrides).await.map(|_| ())
    } else {
        Err(StoreError::Invalid(errs))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/settings/rules?done=rules_saved").into_response()),
        Err(StoreError::Invalid(errs)) => {
            let rows = PARAMS
                .iter()
                .map(|d| {
                    let value = values.get(d.key).cloned().unwrap_or_default();
                    let changed = value.trim().parse::<i64>().ok() != Some(d.default);
                    ParamRow { def: d, value, changed }
                })
                .collect();
            let page = RulesPage {
                ctx: Ctx::new(&me, "组织生活规则参数", "compliance"),
                rows,
                errors: FormErrors(errs),
                can_edit: me.scope().can(Right::CountySettings),
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The organizations that studied (or not) one study item.
pub struct StudyOrgRow {
    /// The organization.
    pub org: OrgLabel,
    /// Its state (Chinese).
    pub state: &'static str,
    /// CSS class.
    pub class: &'static str,
    /// When studied.
    pub studied_on: Option<NaiveDate>,
    /// The meeting.
    pub meeting_id: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "compliance/study.html")]
pub struct StudyPage {
    ctx: Ctx,
    id: i64,
    title: String,
    deadline: Option<NaiveDate>,
    rows: Vec<StudyOrgRow>,
}

/// `GET /compliance/study/{id}`: which organizations studied a 第一议题 item, late or not at all.
pub async fn study(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> Result<StudyPage, PageError> {
    require_read(&me)?;
    let item = jiceng_store::meeting::study::get(&state.db, me.scope(), id).await?;
    let today = view::today();
    let from = item.published_on;
    let to = item.published_on;
    let report = compliance::check(&state.db, me.scope(), from, to, today).await?;
    let mut rows: Vec<StudyOrgRow> = report
        .outcome
        .studies
        .iter()
        .filter(|s| s.study_item_id == id)
        .filter_map(|s| {
            let org = report.orgs.get(&s.org_id)?.clone();
            let (state, class) = match s.state {
                StudyState::Studied => ("按时学习", "held"),
                StudyState::Late => ("学习不及时", "late"),
                StudyState::NotStudied => ("应学未学", "missing"),
                StudyState::Pending => ("未到期", "due"),
            };
            Some(StudyOrgRow { org, state, class, studied_on: s.studied_on, meeting_id: s.meeting_id })
        })
        .collect();
    rows.sort_by(|a, b| a.class.cmp(b.class).then(a.org.path.cmp(&b.org.path)));
    let deadline = report.outcome.studies.iter().filter(|s| s.study_item_id == id).map(|s| s.deadline).max();
    Ok(StudyPage { ctx: Ctx::new(&me, item.title.clone(), "compliance"), id, title: item.title, deadline, rows })
}
