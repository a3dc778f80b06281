//! 组织关系转接 (membership transfers).
//!
//! Why it is its own module: a transfer is the one record that two organizations share. The
//! sending organization starts it; the receiving one — anywhere in the county, usually outside
//! the sender's scope — accepts it or returns it with a reason. Until it is accepted the member
//! stays the sender's responsibility (教管条例 第二十五条: the organization that issued the transfer
//! keeps management responsibility until the member is received), so nothing about the member
//! changes before acceptance. A transfer is therefore visible to a scope that contains either its
//! sending or its receiving organization, and each side may only do its own part.
//!
//! Transfers out of the county produce a printable introduction letter (介绍信) with a serial
//! number `JC-<year>-<6 digits>`; the member stays on the roll (active) until the 回执 comes back
//! and is recorded, and only then leaves the county's roll (出党 with reason “组织关系转出”, the
//! rollups adjusted as for any departure).
//!
//! What is stored where: the `transfer` row holds the two organizations, the dates, the status,
//! the return reason and the serial. The note given when starting, the 党费交到 month of a letter
//! and everything else said about a step are kept in the member's event (`member_event.detail`)
//! and in the audit record written in the same transaction.

mod letter;
mod receiver;
mod write;

pub use letter::{LETTER_VALID_DAYS, TransferLetter, letter};
pub use receiver::receiver_options;
pub(crate) use receiver::{county_of, select_orgs_within};
pub use write::{
    LEFT_REASON, OutOfCountyDraft, TransferDraft, accept, cancel, confirm_receipt, out_of_county, return_transfer,
    start,
};

use chrono::{DateTime, NaiveDate, Utc};
use jiceng_types::{MemberId, OrgId, OrgPath, Scope};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, JoinType, LikeExpr, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};

use super::Member;
use crate::error::{StoreError, StoreResult};
use crate::org::Page;
use crate::scope_sql::path_in_scope;
use crate::sql::like_escape;
use crate::{Db, Meta};

/// The id of a membership transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TransferId(pub i64);

impl std::fmt::Display for TransferId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for TransferId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(TransferId)
    }
}

/// Where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// 待接收: started inside the county, waiting for the receiving organization.
    Pending,
    /// 已转入: accepted; the member now belongs to the receiving organization.
    Accepted,
    /// 已退回: the receiving organization returned it with a reason; the member stays.
    Returned,
    /// 已撤回: withdrawn by the sending organization (a letter: voided).
    Cancelled,
    /// 待回执: an introduction letter out of the county was issued; the member stays on the roll.
    Issued,
    /// 已回执: the 回执 came back; the member has left the county's roll.
    Received,
}

impl TransferStatus {
    /// Every status, in display order.
    pub const ALL: [TransferStatus; 6] = [
        TransferStatus::Pending,
        TransferStatus::Issued,
        TransferStatus::Accepted,
        TransferStatus::Received,
        TransferStatus::Returned,
        TransferStatus::Cancelled,
    ];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            TransferStatus::Pending => "pending",
            TransferStatus::Accepted => "accepted",
            TransferStatus::Returned => "returned",
            TransferStatus::Cancelled => "cancelled",
            TransferStatus::Issued => "issued",
            TransferStatus::Received => "received",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            TransferStatus::Pending => "待接收",
            TransferStatus::Accepted => "已转入",
            TransferStatus::Returned => "已退回",
            TransferStatus::Cancelled => "已撤回",
            TransferStatus::Issued => "已开介绍信（待回执）",
            TransferStatus::Received => "已回执（已转出本县）",
        }
    }

    /// Parse the stored key or the label.
    pub fn parse(s: &str) -> Option<TransferStatus> {
        let s = s.trim();
        TransferStatus::ALL.into_iter().find(|t| t.key() == s || t.label() == s)
    }

    /// True while the transfer is not settled (the member has one such transfer at most).
    pub fn is_open(self) -> bool {
        matches!(self, TransferStatus::Pending | TransferStatus::Issued)
    }
}

/// Which side of a transfer a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 转出: the sending organization is in scope.
    Out,
    /// 转入: the receiving organization is in scope.
    In,
}

/// A membership transfer, with the names of the member and the two organizations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transfer {
    /// Id.
    pub id: TransferId,
    /// The member.
    pub member_id: MemberId,
    /// The member's name.
    pub member_name: String,
    /// The sending organization.
    pub from_org_id: OrgId,
    /// Its name.
    pub from_org_name: String,
    /// Its path (for the scope checks).
    #[serde(skip)]
    pub from_org_path: OrgPath,
    /// The receiving organization in the county (`None` for a transfer out of the county).
    pub to_org_id: Option<OrgId>,
    /// Its name.
    pub to_org_name: Option<String>,
    /// Its path.
    #[serde(skip)]
    pub to_org_path: Option<OrgPath>,
    /// The receiving organization outside the county (its name as written on the letter).
    pub outside_to: Option<String>,
    /// Status.
    pub status: TransferStatus,
    /// 转出日期: when it was started (or the letter issued).
    pub started_on: NaiveDate,
    /// When it was accepted, returned, withdrawn or the 回执 recorded.
    pub decided_on: Option<NaiveDate>,
    /// Why it was returned.
    pub reason: Option<String>,
    /// 介绍信 number (transfers out of the county).
    pub letter_serial: Option<String>,
    /// Who started it.
    pub created_by: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Who decided it.
    pub decided_by: Option<String>,
}

impl Transfer {
    /// The name of the receiving organization, inside or outside the county.
    pub fn to_name(&self) -> &str {
        self.to_org_name.as_deref().or(self.outside_to.as_deref()).unwrap_or("")
    }

    /// True for a transfer out of the county (with a letter).
    pub fn is_out_of_county(&self) -> bool {
        self.to_org_id.is_none()
    }

    /// The status as shown: a withdrawn letter is 已作废.
    pub fn status_text(&self) -> &'static str {
        if self.status == TransferStatus::Cancelled && self.is_out_of_county() {
            "已作废"
        } else {
            self.status.label()
        }
    }

    /// Days since it was started, on `today`.
    pub fn days_pending(&self, today: NaiveDate) -> i64 {
        (today - self.started_on).num_days()
    }

    /// True if it is still waiting for the receiver more than `limit_days` after it was started
    /// (the rule `member.transfer_pending`: on day `limit_days` it is not yet overdue, the day
    /// after it is).
    pub fn is_overdue(&self, today: NaiveDate, limit_days: u32) -> bool {
        self.status == TransferStatus::Pending && self.days_pending(today) > i64::from(limit_days)
    }

    /// True if the sending organization is in `scope`.
    pub fn sent_from(&self, scope: &Scope) -> bool {
        scope.contains(&self.from_org_path)
    }

    /// True if the receiving organization is in `scope`.
    pub fn sent_to(&self, scope: &Scope) -> bool {
        self.to_org_path.as_ref().is_some_and(|p| scope.contains(p))
    }

    /// What the data-quality check needs to know about it.
    pub fn facts(&self) -> jiceng_rules::TransferFacts {
        jiceng_rules::TransferFacts {
            id: self.id.0,
            from_org_id: self.from_org_id.0,
            member_name: self.member_name.clone(),
            started_on: self.started_on,
        }
    }
}

#[derive(Debug, FromQueryResult, Deserialize)]
struct TransferRow {
    id: i64,
    member_id: i64,
    member_name: String,
    from_org_id: i64,
    from_org_name: String,
    from_org_path: String,
    to_org_id: Option<i64>,
    to_org_name: Option<String>,
    to_org_path: Option<String>,
    outside_to: Option<String>,
    status: String,
    started_on: NaiveDate,
    decided_on: Option<NaiveDate>,
    reason: Option<String>,
    letter_serial: Option<String>,
    created_by: String,
    created_at: DateTime<Utc>,
    decided_by: Option<String>,
}

impl TryFrom<TransferRow> for Transfer {
    type Error = StoreError;
    fn try_from(r: TransferRow) -> StoreResult<Transfer> {
        let bad = |what: &str, v: &str| StoreError::Corrupt(format!("transfer {}: bad {what} {v:?}", r.id));
        let to_org_path = match &r.to_org_path {
            Some(p) => Some(OrgPath::parse(p).ok_or_else(|| bad("org path", p))?),
            None => None,
        };
        Ok(Transfer {
            id: TransferId(r.id),
            member_id: MemberId(r.member_id),
            from_org_id: OrgId(r.from_org_id),
            from_org_path: OrgPath::parse(&r.from_org_path).ok_or_else(|| bad("org path", &r.from_org_path))?,
            to_org_id: r.to_org_id.map(OrgId),
            to_org_path,
            status: TransferStatus::parse(&r.status).ok_or_else(|| bad("status", &r.status))?,
            member_name: r.member_name,
            from_org_name: r.from_org_name,
            to_org_name: r.to_org_name,
            outside_to: r.outside_to,
            started_on: r.started_on,
            decided_on: r.decided_on,
            reason: r.reason,
            letter_serial: r.letter_serial,
            created_by: r.created_by,
            created_at: r.created_at,
            decided_by: r.decided_by,
        })
    }
}

/// The columns of `transfer` (as `t`).
const TRANSFER_COLUMNS: [&str; 13] = [
    "id",
    "member_id",
    "from_org_id",
    "to_org_id",
    "outside_to",
    "status",
    "started_on",
    "decided_on",
    "reason",
    "letter_serial",
    "created_by",
    "created_at",
    "decided_by",
];

/// Every column of a [`TransferRow`].
const ROW_COLUMNS: [&str; 18] = [
    "id",
    "member_id",
    "member_name",
    "from_org_id",
    "from_org_name",
    "from_org_path",
    "to_org_id",
    "to_org_name",
    "to_org_path",
    "outside_to",
    "status",
    "started_on",
    "decided_on",
    "reason",
    "letter_serial",
    "created_by",
    "created_at",
    "decided_by",
];

/// The condition "the sending or the receiving organization is in the scope".
fn visible(scope: &Scope) -> Condition {
    match scope.roots() {
        None => Condition::all(),
        Some(_) => Condition::any().add(path_in_scope(scope, ("f", "path"))).add(path_in_scope(scope, ("r", "path"))),
    }
}

/// `SELECT` transfers with their member and organizations, visible to `scope`.
fn select_visible(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns(TRANSFER_COLUMNS.map(|c| ("t", c)))
        .expr_as(Expr::col(("m", "name")), "member_name")
        .expr_as(Expr::col(("f", "name")), "from_org_name")
        .expr_as(Expr::col(("f", "path")), "from_org_path")
        .expr_as(Expr::col(("r", "name")), "to_org_name")
        .expr_as(Expr::col(("r", "path")), "to_org_path")
        .from_as("transfer", "t")
        .join_as(JoinType::InnerJoin, "member", "m", Expr::col(("m", "id")).equals(("t", "member_id")))
        .join_as(JoinType::InnerJoin, "org", "f", Expr::col(("f", "id")).equals(("t", "from_org_id")))
        .join_as(JoinType::LeftJoin, "org", "r", Expr::col(("r", "id")).equals(("t", "to_org_id")))
        .cond_where(visible(scope))
        .take()
}

async fn fetch_one<C: ConnectionTrait>(conn: &C, q: &SelectStatement) -> StoreResult<Option<Transfer>> {
    match conn.query_one(q).await? {
        Some(r) => Ok(Some(Transfer::try_from(TransferRow::from_query_result(&r, "")?)?)),
        None => Ok(None),
    }
}

/// Transfers of a select, decoded through one JSON value, newest first.
async fn fetch_sorted<C: ConnectionTrait>(conn: &C, q: &SelectStatement) -> StoreResult<Vec<Transfer>> {
    let rows: Vec<TransferRow> = crate::sql::fetch_json(conn, q, &ROW_COLUMNS).await?;
    let mut out = rows.into_iter().map(Transfer::try_from).collect::<StoreResult<Vec<Transfer>>>()?;
    out.sort_by_key(|t| std::cmp::Reverse((t.started_on, t.id)));
    Ok(out)
}

/// One transfer (any scope; callers have checked what they may see).
pub(crate) async fn load<C: ConnectionTrait>(conn: &C, scope: &Scope, id: TransferId) -> StoreResult<Transfer> {
    let q = select_visible(scope).and_where(Expr::col(("t", "id")).eq(id.0)).take();
    fetch_one(conn, &q).await?.ok_or(StoreError::NotFound)
}

fn require_read(scope: &Scope) -> StoreResult<()> {
    super::model::require_read(scope)
}

/// Load one transfer visible to the scope. Otherwise `NotFound`; an attempt on an existing
/// transfer outside the scope is recorded in the audit trail.
pub async fn get(db: &Db, scope: &Scope, meta: &Meta, id: TransferId) -> StoreResult<Transfer> {
    require_read(scope)?;
    let found = load(db.conn(), scope, id).await;
    if matches!(found, Err(StoreError::NotFound)) {
        note_out_of_scope(db, scope, meta, id).await?;
    }
    found
}

/// Record an attempt on an existing transfer the scope cannot see (nothing if it can see it).
pub(crate) async fn note_out_of_scope(db: &Db, scope: &Scope, meta: &Meta, id: TransferId) -> StoreResult<()> {
    let exists = Query::select().expr(Expr::val(1)).from("transfer").and_where(Expr::col("id").eq(id.0)).take();
    let hidden = matches!(load(db.conn(), scope, id).await, Err(StoreError::NotFound));
    if hidden && db.conn().query_one(&exists).await?.is_some() {
        crate::audit::record_denied(db, scope, meta, "transfer", Some(id.to_string()), "out_of_scope").await?;
    }
    Ok(())
}

/// A transfer with what its page shows: the member (both sides may read the file while the
/// transfer is open) and the note given when it was started.
#[derive(Debug, Clone)]
pub struct TransferDetail {
    /// The transfer.
    pub transfer: Transfer,
    /// The member (numbers masked).
    pub member: Member,
    /// The note of the sending organization.
    pub note: Option<String>,
}

/// One transfer visible to the scope, with its member.
pub async fn detail(db: &Db, scope: &Scope, meta: &Meta, id: TransferId) -> StoreResult<TransferDetail> {
    let transfer = get(db, scope, meta, id).await?;
    let member = member_of(db.conn(), &transfer).await?;
    let started = step_detail(db.conn(), &transfer, &["transfer_started", "transfer_letter"]).await?;
    let note =
        started.and_then(|d| d.get("note").and_then(|n| n.as_str()).map(str::to_string)).filter(|n| !n.is_empty());
    Ok(TransferDetail { transfer, member, note })
}

/// The member of a transfer the caller may see.
async fn member_of<C: ConnectionTrait>(conn: &C, t: &Transfer) -> StoreResult<Member> {
    let q = super::model::select_in_scope(&Scope::cli()).and_where(Expr::col(("m", "id")).eq(t.member_id.0)).take();
    super::model::fetch_one(conn, &q).await?.ok_or(StoreError::NotFound)
}

/// The detail of the member event of kind `kinds` recorded for this transfer.
async fn step_detail<C: ConnectionTrait>(
    conn: &C,
    t: &Transfer,
    kinds: &[&str],
) -> StoreResult<Option<serde_json::Value>> {
    #[derive(FromQueryResult)]
    struct Row {
        detail: String,
    }
    let q = Query::select()
        .column("detail")
        .from("member_event")
        .and_where(Expr::col("member_id").eq(t.member_id.0))
        .and_where(Expr::col("kind").is_in(kinds.iter().copied()))
        .order_by("id", Order::Asc)
        .take();
    for r in conn.query_all(&q).await? {
        let row = Row::from_query_result(&r, "")?;
        let v: serde_json::Value = serde_json::from_str(&row.detail).unwrap_or_default();
        if v.get("transfer_id").and_then(serde_json::Value::as_i64) == Some(t.id.0) {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// Filters of the transfer list.
#[derive(Debug, Clone, Default)]
pub struct TransferFilter {
    /// Only transfers sent from (`Out`) or to (`In`) the scope.
    pub direction: Option<Direction>,
    /// Only this status.
    pub status: Option<TransferStatus>,
    /// Part of the member's name, or a letter number.
    pub q: Option<String>,
    /// Started on or after.
    pub since: Option<NaiveDate>,
    /// Started on or before.
    pub until: Option<NaiveDate>,
    /// Only transfers pending longer than the limit on this date.
    pub overdue_on: Option<NaiveDate>,
}

async fn filter_condition(db: &Db, scope: &Scope, f: &TransferFilter) -> StoreResult<Condition> {
    let mut c = Condition::all();
    match f.direction {
        Some(Direction::Out) => c = c.add(path_in_scope(scope, ("f", "path"))),
        Some(Direction::In) => c = c.add(path_in_scope(scope, ("r", "path"))),
        None => {}
    }
    if let Some(s) = f.status {
        c = c.add(Expr::col(("t", "status")).eq(s.key()));
    }
    if let Some(q) = f.q.as_deref().map(jiceng_types::text::normalize).filter(|q| !q.is_empty()) {
        if jiceng_types::text::has_control(&q) {
            c = c.add(Expr::cust("1 = 0"));
        } else {
            let like = LikeExpr::new(format!("%{}%", like_escape(&q))).escape('\\');
            c = c.add(
                Condition::any()
                    .add(Expr::col(("m", "name")).like(like))
                    .add(Expr::col(("t", "letter_serial")).eq(q.to_ascii_uppercase())),
            );
        }
    }
    if let Some(d) = f.since {
        c = c.add(Expr::col(("t", "started_on")).gte(d));
    }
    if let Some(d) = f.until {
        c = c.add(Expr::col(("t", "started_on")).lte(d));
    }
    if let Some(today) = f.overdue_on {
        let limit = pending_limit_days(db).await?;
        let cut = today - chrono::Days::new(u64::from(limit));
        c = c
            .add(Expr::col(("t", "status")).eq(TransferStatus::Pending.key()))
            .add(Expr::col(("t", "started_on")).lt(cut));
    }
    Ok(c)
}

/// A page of the transfers visible to the scope (both directions unless filtered), newest first.
pub async fn list(
    db: &Db,
    scope: &Scope,
    filter: &TransferFilter,
    page: u64,
    per_page: u64,
) -> StoreResult<Page<Transfer>> {
    require_read(scope)?;
    let per_page = Ord::clamp(per_page, 1, 500);
    let page = Ord::max(page, 1);
    let cond = filter_condition(db, scope, filter).await?;
    let mut count = select_visible(scope);
    count.clear_selects();
    count.expr_as(Expr::col(("t", "id")).count(), "n").cond_where(cond.clone());
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let total = match db.conn().query_one(&count).await? {
        Some(r) => N::from_query_result(&r, "")?.n,
        None => 0,
    };
    let q = select_visible(scope)
        .cond_where(cond)
        .order_by(("t", "started_on"), Order::Desc)
        .order_by(("t", "id"), Order::Desc)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .take();
    let items = fetch_sorted(db.conn(), &q).await?;
    Ok(Page { items, total: u64::try_from(total).unwrap_or(0), page, per_page })
}

/// The most a pending list shows.
const PENDING_MAX: u64 = 500;

async fn open_list(
    db: &Db,
    scope: &Scope,
    direction: Direction,
    statuses: &[TransferStatus],
) -> StoreResult<Vec<Transfer>> {
    require_read(scope)?;
    let side = match direction {
        Direction::Out => ("f", "path"),
        Direction::In => ("r", "path"),
    };
    let q = select_visible(scope)
        .cond_where(path_in_scope(scope, side))
        .and_where(Expr::col(("t", "status")).is_in(statuses.iter().map(|s| s.key())))
        .order_by(("t", "started_on"), Order::Asc)
        .limit(PENDING_MAX)
        .take();
    let mut out = fetch_sorted(db.conn(), &q).await?;
    out.reverse();
    Ok(out)
}

/// 转出: the open transfers the scope has sent (waiting for the receiver, or letters waiting for
/// their 回执), oldest first.
pub async fn pending_for_sender(db: &Db, scope: &Scope) -> StoreResult<Vec<Transfer>> {
    open_list(db, scope, Direction::Out, &[TransferStatus::Pending, TransferStatus::Issued]).await
}

/// 待接收: the transfers waiting for an organization in the scope to accept or return them, oldest
/// first.
pub async fn pending_for_receiver(db: &Db, scope: &Scope) -> StoreResult<Vec<Transfer>> {
    open_list(db, scope, Direction::In, &[TransferStatus::Pending]).await
}

/// How many days a transfer may wait for the receiver before it is flagged (the rule parameter
/// `member.transfer_pending_days`). There are no county overrides of rule parameters yet, so this
/// is the default of [`jiceng_rules::QualityParams`]; an override will be read here.
pub async fn pending_limit_days(_db: &Db) -> StoreResult<u32> {
    Ok(jiceng_rules::QualityParams::default().transfer_pending_days)
}

/// The pending transfers visible to the scope, as facts for the data-quality check
/// `member.transfer_pending`.
pub async fn transfer_facts(db: &Db, scope: &Scope) -> StoreResult<Vec<jiceng_rules::TransferFacts>> {
    require_read(scope)?;
    let q = select_visible(scope).and_where(Expr::col(("t", "status")).eq(TransferStatus::Pending.key())).take();
    let mut facts: Vec<jiceng_rules::TransferFacts> =
        fetch_sorted(db.conn(), &q).await?.iter().map(Transfer::facts).collect();
    facts.sort_by_key(|f| f.id);
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in TransferStatus::ALL {
            assert_eq!(TransferStatus::parse(s.key()), Some(s));
            assert_eq!(TransferStatus::parse(s.label()), Some(s));
        }
        assert!(TransferStatus::Pending.is_open() && TransferStatus::Issued.is_open());
        assert!(!TransferStatus::Accepted.is_open());
    }
}
