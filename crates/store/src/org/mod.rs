//! The organization tree (组织体系): reading, scoped.
//!
//! Organizations carry a materialized path; a subtree is a range of paths, which is how every
//! list below is limited to the caller's scope. Loading one organization outside the scope answers
//! `NotFound` (and records the refused access), so nothing reveals that it exists.

pub mod import;
mod input;
mod resolve;
mod rollup;
pub mod team;
mod write;

pub use input::{OrgDraft, OrgInput};
pub use resolve::resolve;
pub(crate) use resolve::{resolve_for_import, resolve_in};
pub use rollup::{REBUILD_SQL, check as check_rollups, rebuild as rebuild_rollups};
pub(crate) use rollup::{adjust_chain, count_members_many};
pub use write::{create, dissolve, merge_into, move_to, update};

use chrono::{DateTime, NaiveDate, Utc};
use jiceng_types::{OrgCode, OrgDomain, OrgId, OrgKind, OrgPath, OrgStatus, PinyinKey, Right, Scope};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, LikeExpr, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

use crate::error::{StoreError, StoreResult};
use crate::scope_sql::path_in_scope;
use crate::sql::like_escape;
use crate::{Db, Meta};

/// A Party organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    /// Id.
    pub id: OrgId,
    /// The organization above it (`None` for a root such as a 县委).
    pub parent_id: Option<OrgId>,
    /// Materialized path.
    pub path: OrgPath,
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind (党委, 党支部, …).
    pub kind: OrgKind,
    /// Domain (农村, 社区, …).
    pub domain: OrgDomain,
    /// 成立日期.
    pub established_on: Option<NaiveDate>,
    /// Start of the current term (本届任期开始).
    pub term_start: Option<NaiveDate>,
    /// End of the current term (本届届满).
    pub term_end: Option<NaiveDate>,
    /// Active, merged or dissolved.
    pub status: OrgStatus,
    /// When the status last changed.
    pub status_on: Option<NaiveDate>,
    /// The organization this one was merged into.
    pub merged_into_id: Option<OrgId>,
    /// Active members directly in this organization.
    pub member_count: i64,
    /// Active organizations directly below it.
    pub child_count: i64,
    /// Active organizations in its subtree, itself included (0 if it is not active).
    pub subtree_orgs: i64,
    /// Active members in its subtree.
    pub subtree_members: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Org {
    /// Depth below the root (a root has depth 0).
    pub fn depth(&self) -> usize {
        self.path.depth()
    }

    /// True if the current term has ended on `today`.
    pub fn term_expired(&self, today: NaiveDate) -> bool {
        self.status == OrgStatus::Active && self.term_end.is_some_and(|e| e < today)
    }

    /// The fields that users edit, as JSON (for audit before/after).
    pub(crate) fn audit_fields(&self) -> serde_json::Value {
        serde_json::json!({
            "parent_id": self.parent_id,
            "code": self.code,
            "name": self.name,
            "kind": self.kind.key(),
            "domain": self.domain.key(),
            "established_on": self.established_on,
            "term_start": self.term_start,
            "term_end": self.term_end,
            "status": self.status.key(),
            "status_on": self.status_on,
            "merged_into_id": self.merged_into_id,
        })
    }
}

#[derive(Debug, FromQueryResult, serde::Deserialize)]
struct OrgRow {
    id: i64,
    parent_id: Option<i64>,
    path: String,
    code: String,
    name: String,
    kind: String,
    domain: String,
    established_on: Option<NaiveDate>,
    term_start: Option<NaiveDate>,
    term_end: Option<NaiveDate>,
    status: String,
    status_on: Option<NaiveDate>,
    merged_into_id: Option<i64>,
    member_count: i64,
    child_count: i64,
    subtree_orgs: i64,
    subtree_members: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<OrgRow> for Org {
    type Error = StoreError;
    fn try_from(r: OrgRow) -> StoreResult<Org> {
        let bad = |what: &str, v: &str| StoreError::Corrupt(format!("org {}: bad {what} {v:?}", r.id));
        Ok(Org {
            id: OrgId(r.id),
            parent_id: r.parent_id.map(OrgId),
            path: OrgPath::parse(&r.path).ok_or_else(|| bad("path", &r.path))?,
            kind: OrgKind::parse(&r.kind).ok_or_else(|| bad("kind", &r.kind))?,
            domain: OrgDomain::parse(&r.domain).ok_or_else(|| bad("domain", &r.domain))?,
            status: OrgStatus::parse(&r.status).ok_or_else(|| bad("status", &r.status))?,
            code: r.code,
            name: r.name,
            established_on: r.established_on,
            term_start: r.term_start,
            term_end: r.term_end,
            status_on: r.status_on,
            merged_into_id: r.merged_into_id.map(OrgId),
            member_count: r.member_count,
            child_count: r.child_count,
            subtree_orgs: r.subtree_orgs,
            subtree_members: r.subtree_members,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(crate) const COLUMNS: [&str; 19] = [
    "child_count",
    "subtree_orgs",
    "subtree_members",
    "id",
    "parent_id",
    "path",
    "code",
    "name",
    "kind",
    "domain",
    "established_on",
    "term_start",
    "term_end",
    "status",
    "status_on",
    "merged_into_id",
    "member_count",
    "created_at",
    "updated_at",
];

/// One organization by id, limited to the scope (for loads inside a write transaction).
pub(crate) fn select_for_write(scope: &Scope, id: OrgId) -> SelectStatement {
    select_in_scope(scope).and_where(Expr::col(("org", "id")).eq(id.0)).take()
}

/// `SELECT <org columns> FROM org WHERE <in scope>`.
fn select_in_scope(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| ("org", c)))
        .from("org")
        .cond_where(path_in_scope(scope, ("org", "path")))
        .take()
}

/// The organizations a select returns, sorted by code or in tree order (path).
pub(crate) async fn fetch_all<C: ConnectionTrait>(
    conn: &C,
    stmt: &SelectStatement,
    sort: Sort,
) -> StoreResult<Vec<Org>> {
    let rows: Vec<OrgRow> = crate::sql::fetch_json(conn, stmt, &COLUMNS).await?;
    let mut orgs = rows.into_iter().map(Org::try_from).collect::<StoreResult<Vec<Org>>>()?;
    match sort {
        Sort::Code => orgs.sort_by(|a, b| a.code.cmp(&b.code)),
        Sort::Tree => orgs.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str())),
    }
    Ok(orgs)
}

pub(crate) async fn fetch_one<C: ConnectionTrait>(conn: &C, stmt: &SelectStatement) -> StoreResult<Option<Org>> {
    match conn.query_one(stmt).await? {
        Some(r) => Ok(Some(Org::try_from(OrgRow::from_query_result(&r, "")?)?)),
        None => Ok(None),
    }
}

fn require_read(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::ReadOrgs) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_org_right", "您没有查看组织体系的权限"))
    }
}

/// Load one organization in scope. Outside the scope (or nonexistent): `NotFound`; an attempt on
/// an existing organization outside the scope is recorded in the audit trail.
pub async fn get(db: &Db, scope: &Scope, meta: &Meta, id: OrgId) -> StoreResult<Org> {
    require_read(scope)?;
    let stmt = select_in_scope(scope).and_where(Expr::col(("org", "id")).eq(id.0)).take();
    match fetch_one(db.conn(), &stmt).await? {
        Some(o) => Ok(o),
        None => {
            note_out_of_scope(db, scope, meta, id).await?;
            Err(StoreError::NotFound)
        }
    }
}

/// Record an attempt to reach an existing organization outside the scope.
pub(crate) async fn note_out_of_scope(db: &Db, scope: &Scope, meta: &Meta, id: OrgId) -> StoreResult<()> {
    let exists = Query::select().expr(Expr::val(1)).from("org").and_where(Expr::col("id").eq(id.0)).take();
    if db.conn().query_one(&exists).await?.is_some() {
        crate::audit::record_denied(db, scope, meta, "org", Some(id.to_string()), "out_of_scope").await?;
    }
    Ok(())
}

/// Load one organization in scope by its code.
pub async fn get_by_code(db: &Db, scope: &Scope, code: &OrgCode) -> StoreResult<Org> {
    require_read(scope)?;
    let stmt = select_in_scope(scope).and_where(Expr::col(("org", "code")).eq(code.as_str())).take();
    fetch_one(db.conn(), &stmt).await?.ok_or(StoreError::NotFound)
}

/// An organization with the counts of its subtree, for the tree page.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// The organization.
    pub org: Org,
    /// Active organizations directly below it.
    pub children: i64,
    /// Active organizations in its subtree, itself included.
    pub subtree_orgs: i64,
    /// Active members in its subtree.
    pub subtree_members: i64,
}

/// Which organizations a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Show {
    /// Active organizations only (the default).
    #[default]
    Active,
    /// Also merged and dissolved ones (history).
    All,
}

/// The top of the caller's tree: the roots of the scope (for the 三员: every root organization).
pub async fn roots(db: &Db, scope: &Scope, show: Show) -> StoreResult<Vec<Node>> {
    require_read(scope)?;
    let mut q = select_in_scope(scope);
    match scope.roots() {
        None => q.and_where(Expr::col(("org", "parent_id")).is_null()),
        Some(roots) => {
            let paths: Vec<String> = roots.iter().map(|p| p.as_str().to_string()).collect();
            q.and_where(Expr::col(("org", "path")).is_in(paths))
        }
    };
    filter_show(&mut q, show);
    q.order_by(("org", "code"), Order::Asc);
    let orgs = fetch_all(db.conn(), &q, Sort::Code).await?;
    with_counts(db, orgs).await
}

/// The top of the caller's tree with its first level opened: each root of the scope with its
/// direct children, in one query.
pub async fn top(db: &Db, scope: &Scope, show: Show) -> StoreResult<Vec<(Node, Vec<Node>)>> {
    require_read(scope)?;
    let mut q = select_in_scope(scope);
    match scope.roots() {
        None => {
            let root_ids = Query::select().column("id").from("org").and_where(Expr::col("parent_id").is_null()).take();
            q.cond_where(
                Condition::any()
                    .add(Expr::col(("org", "parent_id")).is_null())
                    .add(Expr::col(("org", "parent_id")).in_subquery(root_ids)),
            );
        }
        Some(roots) => {
            let paths: Vec<String> = roots.iter().map(|p| p.as_str().to_string()).collect();
            let ids: Vec<i64> = roots.iter().filter_map(|p| p.leaf()).map(|i| i.0).collect();
            q.cond_where(
                Condition::any()
                    .add(Expr::col(("org", "path")).is_in(paths))
                    .add(Expr::col(("org", "parent_id")).is_in(ids)),
            );
        }
    }
    filter_show(&mut q, show);
    let orgs = fetch_all(db.conn(), &q, Sort::Code).await?;
    let is_root = |o: &Org| match scope.roots() {
        None => o.parent_id.is_none(),
        Some(roots) => roots.iter().any(|r| r == &o.path),
    };
    let (roots, rest): (Vec<Org>, Vec<Org>) = orgs.into_iter().partition(is_root);
    Ok(roots
        .into_iter()
        .map(|root| {
            let kids = rest.iter().filter(|o| o.parent_id == Some(root.id)).cloned().map(Node::of).collect();
            (Node::of(root), kids)
        })
        .collect())
}

/// The organizations directly below `parent`, with subtree counts. `NotFound` if `parent` is
/// outside the scope.
pub async fn children(db: &Db, scope: &Scope, meta: &Meta, parent: OrgId, show: Show) -> StoreResult<Vec<Node>> {
    require_read(scope)?;
    let mut q = select_in_scope(scope).and_where(Expr::col(("org", "parent_id")).eq(parent.0)).take();
    filter_show(&mut q, show);
    q.order_by(("org", "code"), Order::Asc);
    let orgs = fetch_all(db.conn(), &q, Sort::Code).await?;
    // A child in scope means its parent is too (scopes are subtrees), except when the child is a
    // root of the scope: its parent lies above the scope. So an empty answer, or one holding a
    // scope root, needs the parent checked, so that an out-of-scope parent is NotFound.
    if orgs.is_empty() || orgs.iter().any(|o| scope.is_root(&o.path)) {
        get(db, scope, meta, parent).await?;
    }
    with_counts(db, orgs).await
}

fn filter_show(q: &mut SelectStatement, show: Show) {
    if show == Show::Active {
        q.and_where(Expr::col(("org", "status")).eq(OrgStatus::Active.key()));
    }
}

/// One organization with its subtree counts (the caller already loaded it within scope).
pub async fn node(_db: &Db, org: Org) -> StoreResult<Node> {
    Ok(Node::of(org))
}

impl Node {
    /// The node of an organization, from its maintained rollups.
    pub fn of(org: Org) -> Node {
        Node { children: org.child_count, subtree_orgs: org.subtree_orgs, subtree_members: org.subtree_members, org }
    }
}

/// Attach subtree counts (they are maintained on each row).
async fn with_counts(_db: &Db, orgs: Vec<Org>) -> StoreResult<Vec<Node>> {
    Ok(orgs.into_iter().map(Node::of).collect())
}

/// Filters of the organization list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Name contains, or pinyin initials contain, or code starts with (ASCII queries).
    pub q: Option<String>,
    /// Only the direct children of this organization.
    pub parent_id: Option<OrgId>,
    /// Only this kind.
    pub kind: Option<OrgKind>,
    /// Only this domain.
    pub domain: Option<OrgDomain>,
    /// Active only, or all.
    pub show: Show,
    /// Only active organizations whose term ended before this date.
    pub term_expired_before: Option<NaiveDate>,
    /// The order of the rows.
    pub sort: Sort,
}

/// The order of a list of organizations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// By code (the default for people).
    #[default]
    Code,
    /// Tree order: every organization right after its parent's earlier descendants (by path);
    /// the fastest order for paging through a whole scope.
    Tree,
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// How many rows match in all.
    pub total: u64,
    /// The 1-based page number.
    pub page: u64,
    /// Rows per page.
    pub per_page: u64,
}

/// The search condition on an organization's name, pinyin and code.
fn search_condition(q: &str) -> Condition {
    let q = q.trim();
    if jiceng_types::text::has_control(q) {
        // No name or code holds one (and PostgreSQL refuses NUL in a parameter).
        return Condition::all().add(Expr::cust("1 = 0"));
    }
    let pattern = format!("%{}%", like_escape(q));
    let mut any = Condition::any().add(Expr::col(("org", "name")).like(LikeExpr::new(pattern).escape('\\')));
    if jiceng_types::pinyin_key::is_pinyin_query(q) {
        let lower = like_escape(&q.to_ascii_lowercase());
        any = any
            .add(Expr::col(("org", "name_initials")).like(LikeExpr::new(format!("%{lower}%")).escape('\\')))
            .add(Expr::col(("org", "name_pinyin")).like(LikeExpr::new(format!("{lower}%")).escape('\\')));
    }
    if q.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        let upper = like_escape(&q.to_ascii_uppercase());
        any = any.add(Expr::col(("org", "code")).like(LikeExpr::new(format!("{upper}%")).escape('\\')));
    }
    any
}

/// A page of organizations in scope, ordered by code.
pub async fn list(db: &Db, scope: &Scope, filter: &ListFilter, page: u64, per_page: u64) -> StoreResult<Page<Org>> {
    require_read(scope)?;
    let per_page = Ord::clamp(per_page, 1, 500);
    let page = Ord::max(page, 1);
    let mut cond = Condition::all();
    if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        cond = cond.add(search_condition(q));
    }
    if let Some(p) = filter.parent_id {
        cond = cond.add(Expr::col(("org", "parent_id")).eq(p.0));
    }
    if let Some(k) = filter.kind {
        cond = cond.add(Expr::col(("org", "kind")).eq(k.key()));
    }
    if let Some(d) = filter.domain {
        cond = cond.add(Expr::col(("org", "domain")).eq(d.key()));
    }
    if filter.show == Show::Active || filter.term_expired_before.is_some() {
        cond = cond.add(Expr::col(("org", "status")).eq(OrgStatus::Active.key()));
    }
    if let Some(d) = filter.term_expired_before {
        cond = cond.add(Expr::col(("org", "term_end")).lt(d));
    }
    let unfiltered = filter.q.as_deref().is_none_or(|q| q.trim().is_empty())
        && filter.parent_id.is_none()
        && filter.kind.is_none()
        && filter.domain.is_none()
        && filter.term_expired_before.is_none()
        && filter.show == Show::Active;
    let total = if unfiltered {
        // The whole active scope: the maintained rollups of its roots already hold the count.
        roots(db, scope, Show::Active).await?.iter().map(|n| n.subtree_orgs).sum()
    } else {
        let count = Query::select()
            .expr_as(Expr::col(("org", "id")).count(), "n")
            .from("org")
            .cond_where(path_in_scope(scope, ("org", "path")))
            .cond_where(cond.clone())
            .take();
        #[derive(FromQueryResult)]
        struct N {
            n: i64,
        }
        match db.conn().query_one(&count).await? {
            Some(r) => N::from_query_result(&r, "")?.n,
            None => 0,
        }
    };
    let order = match filter.sort {
        Sort::Code => ("org", "code"),
        Sort::Tree => ("org", "path"),
    };
    let q = select_in_scope(scope)
        .cond_where(cond)
        .order_by(order, Order::Asc)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .take();
    let items = fetch_all(db.conn(), &q, filter.sort).await?;
    Ok(Page { items, total: u64::try_from(total).unwrap_or(0), page, per_page })
}

/// The organizations on the way from the scope's root down to `org` (for breadcrumbs), excluding
/// any above the caller's scope.
pub async fn ancestors(db: &Db, scope: &Scope, org: &Org) -> StoreResult<Vec<Org>> {
    require_read(scope)?;
    let ids: Vec<i64> = org.path.ids().iter().map(|i| i.0).filter(|i| *i != org.id.0).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = select_in_scope(scope)
        .and_where(Expr::col(("org", "id")).is_in(ids))
        .order_by(("org", "path"), Order::Asc)
        .take();
    fetch_all(db.conn(), &q, Sort::Tree).await
}

/// Totals for the caller's scope: active organizations and active members.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Totals {
    /// Active organizations.
    pub orgs: i64,
    /// Of which branches (党支部, 联合党支部, 临时党支部).
    pub branches: i64,
    /// Active members.
    pub members: i64,
    /// Active organizations whose term has ended.
    pub term_expired: i64,
}

/// Totals over the scope.
pub async fn totals(db: &Db, scope: &Scope, today: NaiveDate) -> StoreResult<Totals> {
    require_read(scope)?;
    let branch_keys: Vec<&str> = OrgKind::ALL.iter().filter(|k| k.is_branch()).map(|k| k.key()).collect();
    let q = Query::select()
        .expr_as(Expr::col(("org", "id")).count(), "orgs")
        .expr_as(crate::sql::count_where(Expr::col(("org", "kind")).is_in(branch_keys)), "branches")
        .expr_as(Expr::cust("CAST(COALESCE(SUM(member_count), 0) AS BIGINT)"), "members")
        .expr_as(crate::sql::count_where(Expr::col(("org", "term_end")).lt(today)), "term_expired")
        .from("org")
        .cond_where(path_in_scope(scope, ("org", "path")))
        .and_where(Expr::col(("org", "status")).eq(OrgStatus::Active.key()))
        .take();
    #[derive(FromQueryResult)]
    struct T {
        orgs: i64,
        branches: i64,
        members: i64,
        term_expired: i64,
    }
    let Some(r) = db.conn().query_one(&q).await? else {
        return Ok(Totals::default());
    };
    let t = T::from_query_result(&r, "")?;
    Ok(Totals { orgs: t.orgs, branches: t.branches, members: t.members, term_expired: t.term_expired })
}

/// One entry of an organization's history.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// What happened: `created`, `updated`, `moved`, `merged`, `dissolved`, `absorbed`, and the
    /// team changes `team_appointed`, `team_ended`, `team_updated` (see [`team`]).
    pub kind: String,
    /// The date it took effect.
    pub happened_on: NaiveDate,
    /// Details (JSON).
    pub detail: serde_json::Value,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl Event {
    /// The Chinese label of the event kind.
    pub fn label(&self) -> &'static str {
        match self.kind.as_str() {
            "created" => "成立",
            "updated" => "信息变更",
            "moved" => "调整隶属关系",
            "merged" => "合并至其他组织",
            "absorbed" => "接收合并",
            "dissolved" => "撤销",
            "team_appointed" => "班子成员任职",
            "team_ended" => "班子成员离任",
            "team_updated" => "班子成员信息更正",
            _ => "其他",
        }
    }
}

/// The history of an organization in scope, oldest first.
pub async fn history(db: &Db, scope: &Scope, meta: &Meta, id: OrgId) -> StoreResult<Vec<Event>> {
    get(db, scope, meta, id).await?;
    #[derive(FromQueryResult)]
    struct Row {
        kind: String,
        happened_on: NaiveDate,
        detail: String,
        recorded_by: String,
        recorded_at: DateTime<Utc>,
    }
    let q = Query::select()
        .columns(["kind", "happened_on", "detail", "recorded_by", "recorded_at"])
        .from("org_event")
        .and_where(Expr::col("org_id").eq(id.0))
        .order_by("happened_on", Order::Asc)
        .order_by("id", Order::Asc)
        .take();
    let rows = db.conn().query_all(&q).await?;
    rows.iter()
        .map(|r| {
            let row = Row::from_query_result(r, "")?;
            Ok(Event {
                kind: row.kind,
                happened_on: row.happened_on,
                detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::Null),
                recorded_by: row.recorded_by,
                recorded_at: row.recorded_at,
            })
        })
        .collect()
}

/// The pinyin columns of a name.
pub(crate) fn pinyin_of(name: &str) -> PinyinKey {
    PinyinKey::of_text(name)
}
