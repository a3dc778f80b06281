//! The subtree rollups of the organization tree, kept exact by every write.
//!
//! For each organization: `member_count` (active members directly in it), `child_count` (active
//! organizations directly below it), `subtree_orgs` (active organizations in its subtree, itself
//! included) and `subtree_members` (active members in its subtree). A write adjusts the chain of
//! ancestors named by a path in the same transaction; [`rebuild`] recomputes everything from the
//! rows and reports how many organizations were wrong (zero, unless something bypassed the store).

use jiceng_types::{OrgId, OrgPath, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use crate::bulk::{Bulk, Ty};
use crate::error::{StoreError, StoreResult};
use crate::{Db, Meta};

/// Add `orgs` and `members` to the rollups of every organization on `path` (inclusive).
pub(crate) async fn adjust_chain(tx: &DatabaseTransaction, path: &OrgPath, orgs: i64, members: i64) -> StoreResult<()> {
    if orgs == 0 && members == 0 {
        return Ok(());
    }
    let ids: Vec<i64> = path.ids().iter().map(|i| i.0).collect();
    let q = Query::update()
        .table("org")
        .value("subtree_orgs", Expr::col("subtree_orgs").add(orgs))
        .value("subtree_members", Expr::col("subtree_members").add(members))
        .and_where(Expr::col("id").is_in(ids))
        .take();
    tx.execute(&q).await?;
    Ok(())
}

/// Add many organizations' changes of active members at once (an import touches thousands):
/// each organization's `member_count` and the `subtree_members` of it and its ancestors, in one
/// statement per 5,000 organizations instead of two per organization.
pub(crate) async fn count_members_many<'a>(
    tx: &DatabaseTransaction,
    deltas: impl IntoIterator<Item = (&'a OrgPath, OrgId, i64)>,
) -> StoreResult<()> {
    use std::collections::BTreeMap;
    // id -> (direct, subtree)
    let mut sums: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for (path, id, delta) in deltas {
        if delta == 0 {
            continue;
        }
        sums.entry(id.0).or_default().0 += delta;
        for a in path.ids() {
            sums.entry(a.0).or_default().1 += delta;
        }
    }
    let rows: Vec<(i64, (i64, i64))> = sums.into_iter().filter(|(_, (m, s))| *m != 0 || *s != 0).collect();
    const COLS: &[(&str, Ty)] = &[("id", Ty::Int), ("m", Ty::Int), ("s", Ty::Int)];
    for chunk in rows.chunks(5000) {
        let mut bulk = Bulk::new(tx, "org", COLS);
        for (id, (m, s)) in chunk {
            bulk.push(&[(*id).into(), (*m).into(), (*s).into()])?;
        }
        bulk.update_by_id(tx, "member_count = member_count + j.m, subtree_members = subtree_members + j.s").await?;
    }
    Ok(())
}

/// Add `delta` to the active-children count of `parent`.
pub(crate) async fn adjust_children(tx: &DatabaseTransaction, parent: OrgId, delta: i64) -> StoreResult<()> {
    let q = Query::update()
        .table("org")
        .value("child_count", Expr::col("child_count").add(delta))
        .and_where(Expr::col("id").eq(parent.0))
        .take();
    tx.execute(&q).await?;
    Ok(())
}

const ACTIVE_MEMBERS: &str = "(SELECT COUNT(*) FROM member m WHERE m.org_id = org.id AND m.status = 'active')";
const ACTIVE_CHILDREN: &str = "(SELECT COUNT(*) FROM org c WHERE c.parent_id = org.id AND c.status = 'active')";
const SUBTREE: &str = "FROM org d WHERE d.path >= org.path \
    AND d.path < (substr(org.path, 1, length(org.path) - 1) || '0') AND d.status = 'active'";

/// The statements that recompute every rollup from the rows (direct counts first).
pub const REBUILD_SQL: [&str; 3] = [
    "UPDATE org SET member_count = (SELECT COUNT(*) FROM member m WHERE m.org_id = org.id AND m.status = 'active'), \
     child_count = (SELECT COUNT(*) FROM org c WHERE c.parent_id = org.id AND c.status = 'active')",
    "UPDATE org SET subtree_orgs = (SELECT COUNT(*) FROM org d WHERE d.path >= org.path \
     AND d.path < (substr(org.path, 1, length(org.path) - 1) || '0') AND d.status = 'active')",
    "UPDATE org SET subtree_members = (SELECT CAST(COALESCE(SUM(d.member_count), 0) AS BIGINT) FROM org d WHERE d.path >= org.path \
     AND d.path < (substr(org.path, 1, length(org.path) - 1) || '0') AND d.status = 'active')",
];

/// How many organizations have a rollup that differs from a recomputation from the rows.
pub async fn check(db: &Db) -> StoreResult<u64> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM org WHERE member_count <> {ACTIVE_MEMBERS} OR child_count <> {ACTIVE_CHILDREN} \
         OR subtree_orgs <> (SELECT COUNT(*) {SUBTREE}) \
         OR subtree_members <> (SELECT CAST(COALESCE(SUM(d.member_count), 0) AS BIGINT) {SUBTREE})"
    );
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let row = db.conn().query_one_raw(sea_orm::Statement::from_string(db.db_backend(), sql)).await?;
    Ok(match row {
        Some(r) => u64::try_from(N::from_query_result(&r, "")?.n).unwrap_or(0),
        None => 0,
    })
}

/// Recompute every rollup (command line only). Returns how many organizations were wrong
/// before; a non-zero answer is recorded in the audit trail.
pub async fn rebuild(db: &Db, scope: &Scope) -> StoreResult<u64> {
    if scope.role().is_some() {
        return Err(StoreError::forbidden("cli_only", "该操作只能在命令行执行"));
    }
    let wrong = check(db).await?;
    let tx = db.begin_write().await?;
    for sql in REBUILD_SQL {
        tx.execute_unprepared(sql).await?;
    }
    if wrong > 0 {
        let entry = crate::audit::Entry::new(crate::audit::Action::Update, "org_rollups", None)
            .changes(serde_json::json!({ "corrected_orgs": wrong }));
        crate::audit::append(&tx, scope, &Meta::cli(), entry).await?;
    }
    tx.commit().await?;
    Ok(wrong)
}
