//! Reading the audit trail: checking the chain, and the audit page's list.

use chrono::{DateTime, Utc};
use jiceng_types::{Right, Scope};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

use super::{Action, GENESIS_HASH, RECORD_COLUMNS, Record};
use crate::Db;
use crate::error::{StoreError, StoreResult};
use crate::scope_sql::path_in_scope;

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// How many rows were checked.
    pub rows: u64,
    /// The first row that breaks the chain, with the reason; `None` if the chain is intact.
    pub first_broken: Option<Broken>,
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// The row's id (or the id expected where a row is missing).
    pub id: i64,
    /// Why, in Chinese.
    pub reason: String,
}

/// Check the whole chain: ids without gaps, each `prev_hash` equal to the previous row's hash,
/// each hash equal to the hash of the row's fields, and the head pointing at the last row.
pub async fn verify(db: &Db) -> StoreResult<VerifyReport> {
    const PAGE: u64 = 5000;
    let mut expected_id = 1i64;
    let mut prev = GENESIS_HASH.to_string();
    let mut rows = 0u64;
    loop {
        let stmt = Query::select()
            .columns(RECORD_COLUMNS)
            .from("audit_log")
            .and_where(Expr::col("id").gte(expected_id))
            .order_by("id", Order::Asc)
            .limit(PAGE)
            .take();
        let page = db.conn().query_all(&stmt).await?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            let rec = Record::from_query_result(r, "")?;
            let broken = |reason: String| Broken { id: rec.id, reason };
            if rec.id != expected_id {
                return Ok(VerifyReport {
                    rows,
                    first_broken: Some(Broken {
                        id: expected_id,
                        reason: format!("第{expected_id}条记录缺失（下一条为第{}条）", rec.id),
                    }),
                });
            }
            if rec.prev_hash != prev {
                return Ok(VerifyReport {
                    rows,
                    first_broken: Some(broken("前一条记录的哈希值与本条记录所存不一致".into())),
                });
            }
            if rec.computed_hash() != rec.hash {
                return Ok(VerifyReport {
                    rows,
                    first_broken: Some(broken("记录内容与其哈希值不符（内容被修改）".into())),
                });
            }
            prev = rec.hash.clone();
            expected_id += 1;
            rows += 1;
        }
    }
    #[derive(FromQueryResult)]
    struct Head {
        seq: i64,
        last_hash: String,
    }
    let head = Query::select().columns(["seq", "last_hash"]).from("audit_head").and_where(Expr::col("id").eq(1)).take();
    let head = match db.conn().query_one(&head).await? {
        Some(r) => Head::from_query_result(&r, "")?,
        None => {
            return Ok(VerifyReport {
                rows, first_broken: Some(Broken { id: 0, reason: "审计链头记录缺失".into() })
            });
        }
    };
    if head.seq != expected_id - 1 || head.last_hash != prev {
        return Ok(VerifyReport {
            rows,
            first_broken: Some(Broken {
                id: expected_id,
                reason: format!(
                    "审计链头指向第{}条记录，但现存记录只到第{}条（末尾记录被删除）",
                    head.seq,
                    expected_id - 1
                ),
            }),
        });
    }
    Ok(VerifyReport { rows, first_broken: None })
}

/// Filters of the audit page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// User name (exact).
    pub username: Option<String>,
    /// Object type (exact).
    pub object_type: Option<String>,
    /// Object id (exact).
    pub object_id: Option<String>,
    /// Action (exact).
    pub action: Option<Action>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this time (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only rows with an id below this one (for paging backwards in time).
    pub before_id: Option<i64>,
}

/// Audit rows visible to the scope, newest first. Requires the 审计 right. A scoped auditor sees
/// the rows about objects in their subtree; the 审计管理员 sees every row.
pub async fn list(db: &Db, scope: &Scope, filter: &Filter, limit: u64) -> StoreResult<Vec<Record>> {
    if !scope.can(Right::ReadAudit) {
        return Err(StoreError::forbidden("no_audit_right", "您没有查看审计记录的权限"));
    }
    let texts = [&filter.username, &filter.object_type, &filter.object_id];
    if texts.iter().any(|t| t.as_deref().is_some_and(jiceng_types::text::has_control)) {
        // No row holds one (and PostgreSQL refuses NUL in a parameter).
        return Ok(Vec::new());
    }
    let mut cond = Condition::all();
    if scope.roots().is_some() {
        cond = cond.add(path_in_scope(scope, "org_path"));
    }
    if let Some(u) = &filter.username {
        cond = cond.add(Expr::col("username").eq(u.as_str()));
    }
    if let Some(t) = &filter.object_type {
        cond = cond.add(Expr::col("object_type").eq(t.as_str()));
    }
    if let Some(i) = &filter.object_id {
        cond = cond.add(Expr::col("object_id").eq(i.as_str()));
    }
    if let Some(a) = filter.action {
        cond = cond.add(Expr::col("action").eq(a.key()));
    }
    if let Some(f) = filter.from {
        cond = cond.add(Expr::col("at").gte(f));
    }
    if let Some(t) = filter.to {
        cond = cond.add(Expr::col("at").lt(t));
    }
    if let Some(b) = filter.before_id {
        cond = cond.add(Expr::col("id").lt(b));
    }
    let stmt = Query::select()
        .columns(RECORD_COLUMNS)
        .from("audit_log")
        .cond_where(cond)
        .order_by("id", Order::Desc)
        .limit(Ord::min(limit, 500))
        .take();
    let rows = db.conn().query_all(&stmt).await?;
    rows.iter().map(|r| Record::from_query_result(r, "").map_err(StoreError::from)).collect()
}
