//! Finding the receiving organization: anywhere in the sender's county, which is usually beyond
//! the sender's scope.

use jiceng_types::{OrgId, OrgPath, OrgStatus, Right, Scope};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, LikeExpr, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::Db;
use crate::error::{StoreError, StoreResult};
use crate::org::Org;
use crate::scope_sql::path_in_scope;
use crate::sql::like_escape;

/// The county an organization belongs to: its nearest 县委 ancestor (itself included), else the
/// root of its tree.
pub(crate) async fn county_of<C: ConnectionTrait>(conn: &C, path: &OrgPath) -> StoreResult<OrgPath> {
    let ids: Vec<i64> = path.ids().iter().map(|i| i.0).collect();
    let Some(&root) = ids.first() else { return Err(StoreError::Corrupt(format!("empty org path {path}"))) };
    #[derive(FromQueryResult)]
    struct P {
        path: String,
    }
    let q = Query::select()
        .column("path")
        .from("org")
        .and_where(Expr::col("id").is_in(ids))
        .and_where(Expr::col("kind").eq(jiceng_types::OrgKind::CountyCommittee.key()))
        .take();
    let mut best: Option<OrgPath> = None;
    for r in conn.query_all(&q).await? {
        let p = P::from_query_result(&r, "")?.path;
        let p = OrgPath::parse(&p).ok_or_else(|| StoreError::Corrupt(format!("bad org path {p:?}")))?;
        if best.as_ref().is_none_or(|b| p.depth() > b.depth()) {
            best = Some(p);
        }
    }
    Ok(best.unwrap_or_else(|| OrgPath::root(OrgId(root))))
}

/// `SELECT` active organizations in the subtree at `within`.
pub(crate) fn select_orgs_within(within: &OrgPath) -> SelectStatement {
    Query::select()
        .columns(crate::org::COLUMNS.map(|c| ("org", c)))
        .from("org")
        .cond_where(path_in_scope(&Scope::cli_within(within.clone()), ("org", "path")))
        .and_where(Expr::col(("org", "status")).eq(OrgStatus::Active.key()))
        .take()
}

/// Organizations of the caller's county that could receive a transfer, by part of the name or
/// the start of the code (for the form's suggestions). Needs the right to write records: the
/// receiving organization is usually outside the caller's scope, so this is the one list that
/// names organizations beyond it — active ones of the same county, name and code only.
pub async fn receiver_options(db: &Db, scope: &Scope, q: &str) -> StoreResult<Vec<Org>> {
    if !scope.can(Right::WriteRecords) {
        return Err(StoreError::forbidden("no_member_write_right", "您没有维护党员信息的权限"));
    }
    let q = jiceng_types::text::normalize(q);
    if q.is_empty() || jiceng_types::text::has_control(&q) {
        return Ok(Vec::new());
    }
    let county = match scope.roots() {
        Some([root, ..]) => Some(county_of(db.conn(), root).await?),
        Some([]) => return Ok(Vec::new()),
        None => None,
    };
    let mut sel = match &county {
        Some(c) => select_orgs_within(c),
        None => Query::select()
            .columns(crate::org::COLUMNS.map(|c| ("org", c)))
            .from("org")
            .and_where(Expr::col(("org", "status")).eq(OrgStatus::Active.key()))
            .take(),
    };
    let mut any = Condition::any()
        .add(Expr::col(("org", "name")).like(LikeExpr::new(format!("%{}%", like_escape(&q))).escape('\\')));
    if q.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        let upper = like_escape(&q.to_ascii_uppercase());
        any = any.add(Expr::col(("org", "code")).like(LikeExpr::new(format!("{upper}%")).escape('\\')));
    }
    sel.cond_where(any).order_by(("org", "code"), Order::Asc).limit(20);
    crate::org::fetch_all(db.conn(), &sel, crate::org::Sort::Code).await
}
