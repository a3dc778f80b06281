//! The data-quality page (数据质量检查): every gap the rules find in the caller's scope, grouped
//! by rule, each with a link to the record to fix.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use jiceng_rules::quality::{Finding, QualityParams, RULES, Subject, rule_label};
use jiceng_types::Right;
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::extract::Me;
use crate::view::{self, Ctx};

/// One finding as shown.
pub struct Row {
    /// The finding.
    pub f: Finding,
    /// The organization's name.
    pub org_name: String,
    /// Where to fix it.
    pub link: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "quality.html")]
pub struct QualityPage {
    ctx: Ctx,
    summary: Vec<(&'static str, &'static str, usize)>,
    rows: Vec<Row>,
    rule: String,
    total: usize,
    can_export: bool,
}

/// Query of the page.
#[derive(Debug, Deserialize, Default)]
pub struct QualityQuery {
    #[serde(default)]
    rule: String,
    #[serde(default)]
    fmt: String,
}

/// `GET /quality`
pub async fn show(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<QualityQuery>,
) -> Result<QualityPage, PageError> {
    if !me.scope().can(Right::ReadMembers) {
        return Err(super::deny(&state, &me, "quality", "no_member_right", "您没有查看党员信息的权限").await);
    }
    let report = jiceng_store::quality::check(&state.db, me.scope(), view::today(), &QualityParams::default()).await?;
    let summary: Vec<(&'static str, &'static str, usize)> = RULES
        .iter()
        .map(|(id, label)| (*id, *label, report.findings.iter().filter(|f| f.rule_id == *id).count()))
        .filter(|(_, _, n)| *n > 0)
        .collect();
    let total = report.findings.len();
    let rows = report
        .findings
        .into_iter()
        .filter(|f| q.rule.is_empty() || f.rule_id == q.rule)
        .map(|f| Row {
            org_name: report.org_names.get(&f.org_id).cloned().unwrap_or_default(),
            link: match f.subject {
                Subject::Org(id) => format!("/orgs/{id}"),
                Subject::Member(id) => format!("/members/{id}"),
                Subject::Transfer(_) => "/transfers".to_string(),
            },
            f,
        })
        .collect();
    let can_export = me.scope().can(Right::Export);
    Ok(QualityPage { ctx: Ctx::new(&me, "数据质量", "quality"), summary, rows, rule: q.rule, total, can_export })
}

/// `GET /quality/export?rule=…&fmt=xlsx|csv`: the findings (of one rule, when given), as a file.
pub async fn export(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<QualityQuery>,
) -> Result<axum::response::Response, PageError> {
    let format = super::files::format(&q.fmt);
    let rule = Some(q.rule.as_str()).filter(|r| !r.is_empty());
    let (bytes, _) =
        jiceng_store::export::quality(&state.db, me.scope(), &me.meta, view::today(), rule, format).await?;
    Ok(super::files::download(bytes, "数据质量问题", "quality", format))
}

/// The Chinese name of a rule, for templates.
pub fn label(rule_id: &str) -> &str {
    rule_label(rule_id)
}
