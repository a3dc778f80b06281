//! The audit trail for auditors: filter by user, object, action and date; check the chain.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use chrono::{Duration, NaiveTime, TimeZone};
use jiceng_store::audit::{self, Action, Filter, Record};
use jiceng_types::Right;
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::extract::Me;
use crate::view::Ctx;

const PAGE: u64 = 100;

/// A row as shown.
pub struct Row {
    /// The record.
    pub rec: Record,
    /// Its changes, readable.
    pub changes: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit/list.html")]
pub struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    q: AuditQuery,
    actions: &'static [Action],
    more: Option<String>,
}

/// The filters, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AuditQuery {
    /// 用户名.
    #[serde(default)]
    pub username: String,
    /// 对象类型.
    #[serde(default)]
    pub object_type: String,
    /// 对象编号.
    #[serde(default)]
    pub object_id: String,
    /// 操作.
    #[serde(default)]
    pub action: String,
    /// 起始日期.
    #[serde(default)]
    pub from: String,
    /// 截止日期 (inclusive).
    #[serde(default)]
    pub to: String,
    /// Page before this id.
    #[serde(default)]
    pub before: String,
}

fn day_start(text: &str, plus_days: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    let d = jiceng_types::date::parse_date(text).ok()? + Duration::days(plus_days);
    let cst = chrono::FixedOffset::east_opt(8 * 3600)?;
    cst.from_local_datetime(&d.and_time(NaiveTime::MIN)).single().map(|t| t.with_timezone(&chrono::Utc))
}

fn readable(changes: &str) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(changes) else {
        return String::new();
    };
    map.iter()
        .map(|(k, v)| match (v.get("from"), v.get("to")) {
            (Some(f), Some(t)) => format!("{k}: {f} → {t}"),
            (None, Some(t)) => format!("{k}: {t}"),
            (Some(f), None) => format!("{k}: {f} → （无）"),
            _ => format!("{k}: {v}"),
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// `GET /audit`
pub async fn list(State(state): State<AppState>, me: Me, Query(q): Query<AuditQuery>) -> Result<ListPage, PageError> {
    let nonempty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = Filter {
        username: nonempty(&q.username).map(|s| s.to_lowercase()),
        object_type: nonempty(&q.object_type),
        object_id: nonempty(&q.object_id),
        action: Action::parse(q.action.trim()),
        from: day_start(&q.from, 0),
        to: day_start(&q.to, 1),
        before_id: q.before.trim().parse().ok(),
    };
    if !me.scope().can(Right::ReadAudit) {
        return Err(super::deny(&state, &me, "audit_log", "no_audit_right", "您没有查看审计记录的权限").await);
    }
    let records = audit::list(&state.db, me.scope(), &filter, PAGE).await?;
    let more = if records.len() as u64 == PAGE {
        records.last().map(|r| {
            let mut next = q.clone();
            next.before = r.id.to_string();
            serde_urlencoded(&next)
        })
    } else {
        None
    };
    let rows = records.into_iter().map(|rec| Row { changes: readable(&rec.changes), rec }).collect();
    Ok(ListPage { ctx: Ctx::new(&me, "审计记录", "audit"), rows, q, actions: Action::ALL, more })
}

fn serde_urlencoded(q: &AuditQuery) -> String {
    let enc = crate::extract::urlencode;
    format!(
        "username={}&object_type={}&object_id={}&action={}&from={}&to={}&before={}",
        enc(&q.username),
        enc(&q.object_type),
        enc(&q.object_id),
        enc(&q.action),
        enc(&q.from),
        enc(&q.to),
        enc(&q.before)
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "audit/verify.html")]
pub struct VerifyPage {
    ctx: Ctx,
    report: audit::VerifyReport,
}

/// `GET /audit/verify`: check the whole hash chain (read-only).
pub async fn verify(State(state): State<AppState>, me: Me) -> Result<VerifyPage, PageError> {
    if !me.scope().can(Right::ReadAudit) {
        return Err(super::deny(&state, &me, "audit_log", "no_audit_right", "您没有查看审计记录的权限").await);
    }
    let report = audit::verify(&state.db).await?;
    Ok(VerifyPage { ctx: Ctx::new(&me, "审计链校验", "audit"), report })
}
