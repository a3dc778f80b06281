//! Member development (发展党员), the list side: everyone being developed in the user's scope
//! with what is due next (counts per stage, filters, export), and registering a new 入党申请人
//! (`form`).
//!
//! Why the list filters by stage in memory: the store judges every history of the scope in one
//! pass (`recruit::pipeline`), so the counts per stage at the top and the rows below come from
//! the same call and cannot disagree. A person's page and the recording of steps live in
//! `recruit_person` and `recruit_steps`.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use jiceng_exchange::{Cell, ColumnKind};
use jiceng_rules::recruit::{Due, Stage, Step};
use jiceng_store::StoreError;
use jiceng_store::org::{self, Org, Show};
use jiceng_store::recruit::{self, PersonStatus, PipelineFilter, PipelineRow};
use jiceng_types::idcard::IdCardNo;
use jiceng_types::{OrgId, OrgPath, Right};
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, urlencode};
use crate::view::{self, Ctx};

mod form;

pub use form::{create, new_form};

/// Rows per page of the list.
const PER_PAGE: usize = 100;

/// A deadline this close (in days) is shown as urgent.
const SOON_DAYS: i64 = 30;

/// What a person in the pipeline is now (the glossary's `RecruitStage`): 入党申请人, 入党积极分子,
/// 发展对象, 预备党员, or a full member whose materials are still to be archived (step 25).
///
/// The store keeps the furthest of the 5 procedure stages ([`Stage`]) and the registry status;
/// a 发展对象 stays one through the admission stage until the Party committee approves (step 17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecruitStage {
    /// 入党申请人 (stage 1).
    Applicant,
    /// 入党积极分子 (stage 2).
    Activist,
    /// 发展对象 (stages 3 and 4, until the admission is approved).
    Candidate,
    /// 预备党员 (admitted, in the registry).
    Probationary,
    /// 已转正, the materials not archived yet.
    Full,
}

impl RecruitStage {
    /// Every stage, in the order of the procedure.
    pub const ALL: [RecruitStage; 5] = [
        RecruitStage::Applicant,
        RecruitStage::Activist,
        RecruitStage::Candidate,
        RecruitStage::Probationary,
        RecruitStage::Full,
    ];

    /// The key used in addresses (`?stage=activist`).
    pub fn key(self) -> &'static str {
        match self {
            RecruitStage::Applicant => "applicant",
            RecruitStage::Activist => "activist",
            RecruitStage::Candidate => "candidate",
            RecruitStage::Probationary => "probationary",
            RecruitStage::Full => "full",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            RecruitStage::Applicant => "入党申请人",
            RecruitStage::Activist => "入党积极分子",
            RecruitStage::Candidate => "发展对象",
            RecruitStage::Probationary => "预备党员",
            RecruitStage::Full => "已转正待归档",
        }
    }

    /// The short name of the counts at the top of the list.
    pub fn short(self) -> &'static str {
        match self {
            RecruitStage::Applicant => "申请人",
            RecruitStage::Activist => "积极分子",
            RecruitStage::Candidate => "发展对象",
            RecruitStage::Probationary => "预备党员",
            RecruitStage::Full => "待归档",
        }
    }

    /// From a key; `None` for anything else (no filter).
    pub fn parse(s: &str) -> Option<RecruitStage> {
        RecruitStage::ALL.into_iter().find(|r| r.key() == s.trim())
    }

    /// What a person with this registry status and furthest procedure stage is.
    pub fn of(status: PersonStatus, stage: Stage) -> RecruitStage {
        match (status, stage) {
            (PersonStatus::Full, _) => RecruitStage::Full,
            (PersonStatus::Probationary, _) | (_, Stage::Probation) => RecruitStage::Probationary,
            (_, Stage::Application) => RecruitStage::Applicant,
            (_, Stage::Activist) => RecruitStage::Activist,
            (_, Stage::Candidate | Stage::Admission) => RecruitStage::Candidate,
        }
    }
}

/// How the deadline of a next step reads, and how urgent it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueText {
    /// `还有12天`, `已逾期3天`, `20天后可办` …
    pub text: String,
    /// The dates: `2025-09-15前`, `2025-06-15起` …
    pub dates: String,
    /// The CSS class: `overdue`, `near`, or empty.
    pub class: &'static str,
}

impl DueText {
    /// The window of `next` as seen on `today`.
    pub fn of(next: Option<&Due>, today: NaiveDate) -> DueText {
        let text = |text: String, dates: String, class| DueText { text, dates, class };
        let Some(d) = next else { return text("—".into(), String::new(), "") };
        let until = d.latest.map(|l| format!("{l}前")).unwrap_or_default();
        match (d.earliest, d.latest) {
            (Some(e), latest) if e > today => {
                let dates = if latest.is_some() { format!("{e}起，{until}") } else { format!("{e}起") };
                text(format!("{}天后可办", (e - today).num_days()), dates, "")
            }
            (_, Some(l)) => {
                let n = (l - today).num_days();
                match n {
                    n if n < 0 => text(format!("已逾期{}天", -n), until, "overdue"),
                    0 => text("今天到期".into(), until, "near"),
                    n => text(format!("还有{n}天"), until, if n <= SOON_DAYS { "near" } else { "" }),
                }
            }
            (Some(e), None) => text("可以办理".into(), format!("{e}起"), ""),
            (None, None) => text("无时限要求".into(), String::new(), ""),
        }
    }
}

/// `第7步 确定发展对象`.
fn step_text(s: Step) -> String {
    format!("第{}步 {}", s.number(), s.full_label())
}

/// One row of the list, ready to show.
#[derive(Debug, Clone)]
pub struct Line {
    /// The person's id.
    pub person_id: i64,
    /// 姓名.
    pub name: String,
    /// The branch responsible.
    pub org_id: OrgId,
    /// Its name.
    pub org_name: String,
    /// Its code.
    pub org_code: String,
    /// What the person is now.
    pub standing: RecruitStage,
    /// The furthest procedure stage.
    pub stage: Stage,
    /// The last step recorded.
    pub last: String,
    /// Its date.
    pub last_on: Option<NaiveDate>,
    /// The next step, or `—`.
    pub next: String,
    /// Its deadline.
    pub due: DueText,
    /// The next step's window.
    pub window: Option<Due>,
    /// Violations of the rules in the history.
    pub violations: usize,
    /// Of which errors.
    pub errors: usize,
}

impl Line {
    /// A pipeline row as shown on `today`.
    pub fn of(r: PipelineRow, today: NaiveDate) -> Line {
        Line {
            person_id: r.person_id,
            standing: RecruitStage::of(r.status, r.stage),
            stage: r.stage,
            last: r.last_step.map(step_text).unwrap_or_else(|| "—".into()),
            last_on: r.last_on,
            next: r.next.map(|n| step_text(n.step)).unwrap_or_else(|| "—".into()),
            due: DueText::of(r.next.as_ref(), today),
            window: r.next,
            violations: r.violations,
            errors: r.errors,
            name: r.name,
            org_id: r.org_id,
            org_name: r.org_name,
            org_code: r.org_code,
        }
    }
}

/// An organization offered in a select.
#[derive(Debug, Clone)]
pub struct OrgOption {
    /// Id.
    pub id: OrgId,
    /// Name, indented by its depth below the top of the scope.
    pub label: String,
}

/// The organizations offered in the filter, in tree order: the top of the scope with its first
/// level (the townships of a county, the branches of a township) and every branch with a person
/// in the pipeline. A county has thousands of organizations; a select of all of them helps no one.
async fn org_options(state: &AppState, me: &Me, rows: &[PipelineRow]) -> Result<Vec<OrgOption>, PageError> {
    let mut seen: BTreeMap<OrgPath, (OrgId, String)> = BTreeMap::new();
    for (root, kids) in org::top(&state.db, me.scope(), Show::Active).await? {
        for n in std::iter::once(root).chain(kids) {
            seen.insert(n.org.path, (n.org.id, n.org.name));
        }
    }
    for r in rows {
        seen.entry(r.org_path.clone()).or_insert_with(|| (r.org_id, r.org_name.clone()));
    }
    if seen.len() <= 1 {
        return Ok(Vec::new());
    }
    let top = seen.keys().map(OrgPath::depth).min().unwrap_or(0);
    Ok(seen
        .into_iter()
        .map(|(path, (id, name))| OrgOption { id, label: format!("{}{}", "　".repeat(path.depth() - top), name) })
        .collect())
}

async fn require_read(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(super::deny(state, me, "recruit_person", "no_member_right", "您没有查看发展党员信息的权限").await)
    }
}

async fn require_write(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(super::deny(state, me, "recruit_person", "no_record_write_right", "您没有录入发展党员信息的权限").await)
    }
}

// ---------------------------------------------------------------------------------------------
// The pipeline

#[derive(Template, WebTemplate)]
#[template(path = "recruits/list.html")]
pub struct ListPage {
    ctx: Ctx,
    lines: Vec<Line>,
    /// Rows after every filter.
    total: usize,
    page: usize,
    pages: usize,
    /// Persons per stage (every filter but the stage), and whether it is the stage filtered by.
    counts: Vec<(RecruitStage, usize, bool)>,
    /// Of all of them, how many are past a deadline.
    overdue: usize,
    /// Of all of them, how many are to be done within 30 days.
    soon: usize,
    /// All of them.
    all: usize,
    q: ListQuery,
    standing: Option<RecruitStage>,
    /// The stages to filter by, and whether each is the one chosen.
    stages: Vec<(RecruitStage, bool)>,
    /// The organizations to filter by (empty when the scope is one organization).
    orgs: Vec<OrgOption>,
    org: Option<Org>,
    can_write: bool,
    can_export: bool,
    /// The filters as a query string, without the stage.
    base: String,
    /// The filters as a query string.
    query_base: String,
}

/// Query of the list (and of its export).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ListQuery {
    /// Organization id (its subtree).
    #[serde(default)]
    pub org: String,
    /// A [`RecruitStage`] key.
    #[serde(default)]
    pub stage: String,
    /// `1`: only the overdue.
    #[serde(default)]
    pub overdue: String,
    /// `1`: only those whose next step is to be taken within 30 days.
    #[serde(default)]
    pub soon: String,
    /// Part of the name, or an ID-card number.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    page: String,
    /// `xlsx` or `csv`: the list as a file.
    #[serde(default)]
    format: String,
}

impl ListQuery {
    fn overdue_only(&self) -> bool {
        !matches!(self.overdue.trim(), "" | "0")
    }

    fn soon_only(&self) -> bool {
        !matches!(self.soon.trim(), "" | "0")
    }

    fn search(&self) -> Option<String> {
        Some(self.q.trim().to_string()).filter(|q| !q.is_empty())
    }
}

/// The filtered pipeline: the organization named (in scope, or 404), and every row matching the
/// filters but the stage.
async fn pipeline(state: &AppState, me: &Me, q: &ListQuery) -> Result<(Option<Org>, Vec<PipelineRow>), PageError> {
    let org = match q.org.trim() {
        "" => None,
        s => {
            let id = s.parse::<i64>().map_err(|_| PageError::Store(StoreError::NotFound))?;
            Some(org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?)
        }
    };
    let filter = PipelineFilter {
        org: org.as_ref().map(|o| o.id),
        stage: None,
        overdue_only: q.overdue_only(),
        due_within: q.soon_only().then_some(SOON_DAYS),
        q: q.search(),
    };
    Ok((org, recruit::pipeline(&state.db, me.scope(), &filter).await?))
}

/// `GET /recruits?org=&stage=&overdue=1&soon=1&q=&page=` — and with `format=xlsx|csv`, the filtered
/// list as a file.
pub async fn list(State(state): State<AppState>, me: Me, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    require_read(&state, &me).await?;
    let (org, rows) = pipeline(&state, &me, &q).await?;
    let standing = RecruitStage::parse(&q.stage);
    let today = view::today();
    if !q.format.trim().is_empty() {
        let lines = rows.into_iter().map(|r| Line::of(r, today)).collect();
        return export(&state, &me, &q, org.as_ref(), standing, lines).await;
    }
    // The branches with persons in the whole scope, also when the list is filtered.
    let orgs = if org.is_none() && !q.overdue_only() && !q.soon_only() && q.search().is_none() {
        org_options(&state, &me, &rows).await?
    } else {
        let every = recruit::pipeline(&state.db, me.scope(), &PipelineFilter::default()).await?;
        org_options(&state, &me, &every).await?
    };
    let soon = rows.iter().filter(|r| r.due_within(today, SOON_DAYS)).count();
    let lines: Vec<Line> = rows.into_iter().map(|r| Line::of(r, today)).collect();
    let counts = RecruitStage::ALL
        .iter()
        .map(|s| (*s, lines.iter().filter(|l| l.standing == *s).count(), standing == Some(*s)))
        .collect();
    let overdue = lines.iter().filter(|l| l.due.class == "overdue").count();
    let all = lines.len();
    let lines: Vec<Line> = lines.into_iter().filter(|l| standing.is_none_or(|s| l.standing == s)).collect();
    let total = lines.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = q.page.trim().parse::<usize>().unwrap_or(1).clamp(1, pages);
    let lines = lines.into_iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect();
    let base = format!(
        "org={}&overdue={}&soon={}&q={}",
        org.as_ref().map(|o| o.id.to_string()).unwrap_or_default(),
        if q.overdue_only() { "1" } else { "" },
        if q.soon_only() { "1" } else { "" },
        urlencode(q.q.trim()),
    );
    let query_base = format!("{base}&stage={}", standing.map(RecruitStage::key).unwrap_or_default());
    let page = ListPage {
        ctx: Ctx::new(&me, "发展党员", "recruits"),
        lines,
        total,
        page,
        pages,
        counts,
        overdue,
        soon,
        all,
        q,
        standing,
        stages: RecruitStage::ALL.iter().map(|s| (*s, standing == Some(*s))).collect(),
        orgs,
        org,
        can_write: me.scope().can(Right::WriteRecords),
        can_export: me.scope().can(Right::Export),
        base,
        query_base,
    };
    Ok(page.into_response())
}

/// The list as a file, through the audited export of computed tables. No personal numbers.
async fn export(
    state: &AppState,
    me: &Me,
    q: &ListQuery,
    org: Option<&Org>,
    standing: Option<RecruitStage>,
    lines: Vec<Line>,
) -> Result<Response, PageError> {
    use ColumnKind::{Code, Date, Number, Text};
    let format = super::files::format(&q.format);
    let columns = [
        ("姓名", Text),
        ("所在党支部", Text),
        ("党组织代码", Code),
        ("阶段", Text),
        ("发展阶段", Text),
        ("最近环节", Text),
        ("最近环节日期", Date),
        ("下一环节", Text),
        ("可办日期", Date),
        ("期限", Date),
        ("期限情况", Text),
        ("问题数", Number),
        ("其中错误", Number),
    ];
    let rows: Vec<Vec<Cell>> = lines
        .iter()
        .filter(|l| standing.is_none_or(|s| l.standing == s))
        .map(|l| {
            vec![
                Cell::text(l.name.as_str()),
                Cell::text(l.org_name.as_str()),
                Cell::text(l.org_code.as_str()),
                Cell::text(l.standing.label()),
                Cell::text(l.stage.label()),
                Cell::text(l.last.as_str()),
                Cell::opt_date(l.last_on),
                Cell::text(l.next.as_str()),
                Cell::opt_date(l.window.and_then(|w| w.earliest)),
                Cell::opt_date(l.window.and_then(|w| w.latest)),
                Cell::text(l.due.text.as_str()),
                Cell::Number(l.violations as f64),
                Cell::Number(l.errors as f64),
            ]
        })
        .collect();
    // An ID number searched for is kept masked in the audit record.
    let searched = q.search().map(|s| match IdCardNo::parse_allow_legacy(&s) {
        Ok(id) => id.masked(),
        Err(_) => s,
    });
    let filter = serde_json::json!({
        "org_id": org.map(|o| o.id),
        "stage": standing.map(RecruitStage::key),
        "overdue_only": q.overdue_only(),
        "due_within_days": q.soon_only().then_some(SOON_DAYS),
        "q": searched,
    });
    let title = match standing {
        Some(s) => format!("发展党员工作台账（{}）", s.label()),
        None => "发展党员工作台账".to_string(),
    };
    let bytes = jiceng_store::export::table(
        &state.db,
        me.scope(),
        &me.meta,
        "recruit_person",
        "发展党员",
        &columns,
        rows,
        format,
        filter,
    )
    .await?;
    Ok(super::files::download(bytes, &title, "recruits", format))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn due(earliest: Option<&str>, latest: Option<&str>) -> Due {
        Due { step: Step::ApplicationTalk, earliest: earliest.map(d), latest: latest.map(d), rule_id: None }
    }

    #[test]
    fn deadlines_read_by_urgency() {
        let today = d("2025-06-10");
        let of = |e, l| {
            let t = DueText::of(Some(&due(e, l)), today);
            (t.text, t.dates, t.class)
        };
        assert_eq!(of(None, Some("2025-06-07")), ("已逾期3天".into(), "2025-06-07前".into(), "overdue"));
        assert_eq!(of(None, Some("2025-06-10")), ("今天到期".into(), "2025-06-10前".into(), "near"));
        assert_eq!(of(None, Some("2025-07-10")), ("还有30天".into(), "2025-07-10前".into(), "near"));
        assert_eq!(of(None, Some("2025-07-11")), ("还有31天".into(), "2025-07-11前".into(), ""));
        assert_eq!(of(Some("2025-06-30"), None), ("20天后可办".into(), "2025-06-30起".into(), ""));
        assert_eq!(
            of(Some("2025-06-30"), Some("2025-09-30")),
            ("20天后可办".into(), "2025-06-30起，2025-09-30前".into(), "")
        );
        // Once the earliest day has come, the deadline counts.
        assert_eq!(of(Some("2025-06-10"), Some("2025-06-12")), ("还有2天".into(), "2025-06-12前".into(), "near"));
        assert_eq!(of(Some("2025-06-01"), None), ("可以办理".into(), "2025-06-01起".into(), ""));
        assert_eq!(of(None, None), ("无时限要求".into(), String::new(), ""));
        assert_eq!(DueText::of(None, today).text, "—");
    }

    #[test]
    fn a_person_is_what_status_and_stage_say() {
        use PersonStatus::*;
        assert_eq!(RecruitStage::of(InProgress, Stage::Application), RecruitStage::Applicant);
        assert_eq!(RecruitStage::of(InProgress, Stage::Activist), RecruitStage::Activist);
        assert_eq!(RecruitStage::of(InProgress, Stage::Candidate), RecruitStage::Candidate);
        // Voted in by the 支部大会 but not yet approved: still a 发展对象.
        assert_eq!(RecruitStage::of(InProgress, Stage::Admission), RecruitStage::Candidate);
        assert_eq!(RecruitStage::of(Probationary, Stage::Admission), RecruitStage::Probationary);
        assert_eq!(RecruitStage::of(Probationary, Stage::Probation), RecruitStage::Probationary);
        assert_eq!(RecruitStage::of(Full, Stage::Probation), RecruitStage::Full);
        for s in RecruitStage::ALL {
            assert_eq!(RecruitStage::parse(s.key()), Some(s));
        }
        assert_eq!(RecruitStage::parse("admission"), None);
    }
}
