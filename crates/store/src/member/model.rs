//! A member record as stored and shown, and the scoped reads: one member, lists and search,
//! the history.

use chrono::{DateTime, NaiveDate, Utc};
use jiceng_types::idcard::IdCardNo;
use jiceng_types::person::{Education, Gender, MemberCategory, MemberStatus};
use jiceng_types::phone::Phone;
use jiceng_types::{MemberId, OrgId, OrgPath, Right, Scope};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, JoinType, LikeExpr, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};

use crate::error::{StoreError, StoreResult};
use crate::scope_sql::path_in_scope;
use crate::sql::like_escape;
use crate::{Db, Meta};

/// A member, as every page and export sees it (ID-card and phone numbers masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// Id.
    pub id: MemberId,
    /// The organization the member belongs to.
    pub org_id: OrgId,
    /// Its name.
    pub org_name: String,
    /// Its code.
    pub org_code: String,
    /// Its path (for scope checks).
    #[serde(skip)]
    pub org_path: OrgPath,
    /// 姓名.
    pub name: String,
    /// 性别.
    pub gender: Gender,
    /// 民族.
    pub ethnicity: String,
    /// 出生日期.
    pub birth_date: NaiveDate,
    /// 学历.
    pub education: Education,
    /// 公民身份号码, masked (`520102********1234`).
    pub id_card_masked: Option<String>,
    /// 手机号码, masked (`139****5678`).
    pub phone_masked: Option<String>,
    /// 人员类别.
    pub category: MemberCategory,
    /// 入党日期.
    pub admitted_on: NaiveDate,
    /// 转正日期.
    pub regularized_on: Option<NaiveDate>,
    /// 党籍状态.
    pub status: MemberStatus,
    /// 工作岗位.
    pub work_post: Option<String>,
    /// 户籍所在地或现居住地.
    pub residence: Option<String>,
    /// 流动党员: out to (place).
    pub mobile_out_to: Option<String>,
    /// 流动党员: in from (place).
    pub mobile_in_from: Option<String>,
    /// 流动党员 since.
    pub mobile_since: Option<NaiveDate>,
    /// 流动党员活动证 number.
    pub mobile_card_no: Option<String>,
    /// 失联 since.
    pub out_of_contact_since: Option<NaiveDate>,
    /// 无职党员.
    pub without_post: bool,
    /// 停止党籍 on.
    pub suspended_on: Option<NaiveDate>,
    /// 出党 on.
    pub left_on: Option<NaiveDate>,
    /// 出党 reason (退党/除名/劝退/死亡/…).
    pub left_reason: Option<String>,
    /// 延长预备期至.
    pub probation_extended_until: Option<NaiveDate>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Full pinyin of the name (sort key).
    #[serde(skip)]
    pub name_pinyin: String,
}

impl Member {
    /// 党龄 in whole years on `on`, counted from 转正 (zero for a probationary member).
    pub fn party_years(&self, on: NaiveDate) -> i32 {
        match self.regularized_on {
            Some(r) if self.category == MemberCategory::Full => Ord::max(whole_years(r, on), 0),
            _ => 0,
        }
    }

    /// The editable fields (masked numbers), for audit before/after.
    pub(crate) fn audit_fields(&self) -> serde_json::Value {
        serde_json::json!({
            "org_id": self.org_id,
            "name": self.name,
            "gender": self.gender.key(),
            "ethnicity": self.ethnicity,
            "birth_date": self.birth_date,
            "education": self.education.key(),
            "id_card": self.id_card_masked,
            "phone": self.phone_masked,
            "category": self.category.key(),
            "admitted_on": self.admitted_on,
            "regularized_on": self.regularized_on,
            "status": self.status.key(),
            "work_post": self.work_post,
            "residence": self.residence,
        })
    }
}

/// Whole years from `from` to `on`.
pub fn whole_years(from: NaiveDate, on: NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut y = on.year() - from.year();
    if (on.month(), on.day()) < (from.month(), from.day()) {
        y -= 1;
    }
    y
}

#[derive(Debug, FromQueryResult, Deserialize)]
pub(crate) struct MemberRow {
    pub(crate) id: i64,
    org_id: i64,
    org_name: String,
    org_code: String,
    org_path: String,
    name: String,
    name_pinyin: String,
    gender: String,
    ethnicity: String,
    birth_date: NaiveDate,
    education: String,
    id_card_masked: Option<String>,
    phone_masked: Option<String>,
    category: String,
    admitted_on: NaiveDate,
    regularized_on: Option<NaiveDate>,
    status: String,
    work_post: Option<String>,
    residence: Option<String>,
    mobile_out_to: Option<String>,
    mobile_in_from: Option<String>,
    mobile_since: Option<NaiveDate>,
    mobile_card_no: Option<String>,
    out_of_contact_since: Option<NaiveDate>,
    #[serde(deserialize_with = "crate::sql::de_bool")]
    without_post: bool,
    suspended_on: Option<NaiveDate>,
    left_on: Option<NaiveDate>,
    left_reason: Option<String>,
    probation_extended_until: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<MemberRow> for Member {
    type Error = StoreError;
    fn try_from(r: MemberRow) -> StoreResult<Member> {
        let bad = |what: &str, v: &str| StoreError::Corrupt(format!("member {}: bad {what} {v:?}", r.id));
        Ok(Member {
            id: MemberId(r.id),
            org_id: OrgId(r.org_id),
            org_path: OrgPath::parse(&r.org_path).ok_or_else(|| bad("org path", &r.org_path))?,
            gender: Gender::parse(&r.gender).ok_or_else(|| bad("gender", &r.gender))?,
            education: Education::parse(&r.education).ok_or_else(|| bad("education", &r.education))?,
            category: MemberCategory::parse(&r.category).ok_or_else(|| bad("category", &r.category))?,
            status: MemberStatus::parse(&r.status).ok_or_else(|| bad("status", &r.status))?,
            org_name: r.org_name,
            org_code: r.org_code,
            name: r.name,
            name_pinyin: r.name_pinyin,
            ethnicity: r.ethnicity,
            birth_date: r.birth_date,
            id_card_masked: r.id_card_masked,
            phone_masked: r.phone_masked,
            admitted_on: r.admitted_on,
            regularized_on: r.regularized_on,
            work_post: r.work_post,
            residence: r.residence,
            mobile_out_to: r.mobile_out_to,
            mobile_in_from: r.mobile_in_from,
            mobile_since: r.mobile_since,
            mobile_card_no: r.mobile_card_no,
            out_of_contact_since: r.out_of_contact_since,
            without_post: r.without_post,
            suspended_on: r.suspended_on,
            left_on: r.left_on,
            left_reason: r.left_reason,
            probation_extended_until: r.probation_extended_until,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// The member columns (read from table `member` as `m`).
const MEMBER_COLUMNS: [&str; 28] = [
    "id",
    "org_id",
    "name",
    "name_pinyin",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "id_card_masked",
    "phone_masked",
    "category",
    "admitted_on",
    "regularized_on",
    "status",
    "work_post",
    "residence",
    "mobile_out_to",
    "mobile_in_from",
    "mobile_since",
    "mobile_card_no",
    "out_of_contact_since",
    "without_post",
    "suspended_on",
    "left_on",
    "left_reason",
    "probation_extended_until",
    "created_at",
    "updated_at",
];

/// Every column of a [`MemberRow`], as named in the select.
pub(crate) const ROW_COLUMNS: [&str; 31] = [
    "id",
    "org_id",
    "org_name",
    "org_code",
    "org_path",
    "name",
    "name_pinyin",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "id_card_masked",
    "phone_masked",
    "category",
    "admitted_on",
    "regularized_on",
    "status",
    "work_post",
    "residence",
    "mobile_out_to",
    "mobile_in_from",
    "mobile_since",
    "mobile_card_no",
    "out_of_contact_since",
    "without_post",
    "suspended_on",
    "left_on",
    "left_reason",
    "probation_extended_until",
    "created_at",
    "updated_at",
];

/// `SELECT` members with their organization, limited to the scope (by the organization's path).
pub(crate) fn select_in_scope(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns(MEMBER_COLUMNS.map(|c| ("m", c)))
        .expr_as(Expr::col(("o", "name")), "org_name")
        .expr_as(Expr::col(("o", "code")), "org_code")
        .expr_as(Expr::col(("o", "path")), "org_path")
        .from_as("member", "m")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .take()
}

pub(crate) async fn fetch_one<C: ConnectionTrait>(conn: &C, q: &SelectStatement) -> StoreResult<Option<Member>> {
    match conn.query_one(q).await? {
        Some(r) => Ok(Some(Member::try_from(MemberRow::from_query_result(&r, "")?)?)),
        None => Ok(None),
    }
}

pub(crate) fn require_read(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_member_right", "您没有查看党员信息的权限"))
    }
}

/// Load one member in scope. Outside the scope (or nonexistent): `NotFound`; an attempt on an
/// existing member outside the scope is recorded in the audit trail.
pub async fn get(db: &Db, scope: &Scope, meta: &Meta, id: MemberId) -> StoreResult<Member> {
    require_read(scope)?;
    let q = select_in_scope(scope).and_where(Expr::col(("m", "id")).eq(id.0)).take();
    match fetch_one(db.conn(), &q).await? {
        Some(m) => Ok(m),
        None => {
            let exists = Query::select().expr(Expr::val(1)).from("member").and_where(Expr::col("id").eq(id.0)).take();
            if db.conn().query_one(&exists).await?.is_some() {
                crate::audit::record_denied(db, scope, meta, "member", Some(id.to_string()), "out_of_scope").await?;
            }
            Err(StoreError::NotFound)
        }
    }
}

/// Which members a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberShow {
    /// In the Party (正常 and 停止党籍).
    #[default]
    Current,
    /// Also those who left.
    All,
    /// Only 流动党员 (out or in).
    Mobile,
    /// Only 失联党员.
    OutOfContact,
    /// Only 无职党员.
    WithoutPost,
    /// Only 预备党员.
    Probationary,
    /// Only 停止党籍.
    Suspended,
    /// Only those who left.
    Left,
}

impl MemberShow {
    /// Parse a query value.
    pub fn parse(s: &str) -> MemberShow {
        match s {
            "all" => MemberShow::All,
            "mobile" => MemberShow::Mobile,
            "out_of_contact" => MemberShow::OutOfContact,
            "without_post" => MemberShow::WithoutPost,
            "probationary" => MemberShow::Probationary,
            "suspended" => MemberShow::Suspended,
            "left" => MemberShow::Left,
            _ => MemberShow::Current,
        }
    }

    /// The query value.
    pub fn key(self) -> &'static str {
        match self {
            MemberShow::Current => "current",
            MemberShow::All => "all",
            MemberShow::Mobile => "mobile",
            MemberShow::OutOfContact => "out_of_contact",
            MemberShow::WithoutPost => "without_post",
            MemberShow::Probationary => "probationary",
            MemberShow::Suspended => "suspended",
            MemberShow::Left => "left",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            MemberShow::Current => "在册党员",
            MemberShow::All => "全部（含出党）",
            MemberShow::Mobile => "流动党员",
            MemberShow::OutOfContact => "失联党员",
            MemberShow::WithoutPost => "无职党员",
            MemberShow::Probationary => "预备党员",
            MemberShow::Suspended => "停止党籍",
            MemberShow::Left => "已出党",
        }
    }

    /// Every choice, in display order.
    pub const ALL: [MemberShow; 8] = [
        MemberShow::Current,
        MemberShow::Probationary,
        MemberShow::Mobile,
        MemberShow::OutOfContact,
        MemberShow::WithoutPost,
        MemberShow::Suspended,
        MemberShow::Left,
        MemberShow::All,
    ];
}

/// Filters of the member list.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// Name, pinyin or initials (`zs` finds 张三), or an exact ID-card or phone number.
    pub q: Option<String>,
    /// Only members of this organization's subtree.
    pub org_id: Option<OrgId>,
    /// Which members.
    pub show: MemberShow,
}

/// How a search text is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SearchKind {
    /// Exact ID-card number (by blind index).
    IdCard(String),
    /// Exact phone number (by blind index).
    Phone(String),
    /// Pinyin or initials.
    Pinyin(String),
    /// Part of the name.
    Name(String),
}

/// Decide what a search text is.
pub(crate) fn search_kind(q: &str) -> SearchKind {
    let q = jiceng_types::text::normalize(q);
    if let Ok(id) = IdCardNo::parse_allow_legacy(&q) {
        return SearchKind::IdCard(id.as_str().to_string());
    }
    if q.chars().any(|c| c.is_ascii_digit())
        && let Ok(p) = Phone::parse(&q)
    {
        return SearchKind::Phone(p.as_str().to_string());
    }
    if jiceng_types::pinyin_key::is_pinyin_query(&q) {
        return SearchKind::Pinyin(q.to_ascii_lowercase());
    }
    SearchKind::Name(q.chars().filter(|c| !c.is_whitespace()).collect())
}

fn show_condition(show: MemberShow) -> Condition {
    let status = |s: MemberStatus| Expr::col(("m", "status")).eq(s.key());
    let active = status(MemberStatus::Active);
    match show {
        MemberShow::Current => Condition::any().add(status(MemberStatus::Active)).add(status(MemberStatus::Suspended)),
        MemberShow::All => Condition::all(),
        MemberShow::Mobile => Condition::all().add(active).add(
            Condition::any()
                .add(Expr::col(("m", "mobile_out_to")).is_not_null())
                .add(Expr::col(("m", "mobile_in_from")).is_not_null()),
        ),
        MemberShow::OutOfContact => {
            Condition::all().add(active).add(Expr::col(("m", "out_of_contact_since")).is_not_null())
        }
        MemberShow::WithoutPost => Condition::all().add(active).add(Expr::col(("m", "without_post")).eq(true)),
        MemberShow::Probationary => {
            Condition::all().add(active).add(Expr::col(("m", "category")).eq(MemberCategory::Probationary.key()))
        }
        MemberShow::Suspended => Condition::all().add(status(MemberStatus::Suspended)),
        MemberShow::Left => Condition::all().add(status(MemberStatus::Left)),
    }
}

/// The condition of a filter (without the scope, which the select already carries).
pub(crate) async fn filter_condition(db: &Db, scope: &Scope, filter: &MemberFilter) -> StoreResult<Condition> {
    let mut cond = Condition::all().add(show_condition(filter.show));
    if let Some(org) = filter.org_id {
        let o = crate::org::get(db, scope, &Meta::default(), org).await?;
        cond = cond
            .add(Expr::col(("o", "path")).gte(o.path.as_str()).and(Expr::col(("o", "path")).lt(o.path.upper_bound())));
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        cond = cond.add(match search_kind(q) {
            SearchKind::IdCard(n) => {
                Expr::col(("m", "id_card_idx")).eq(db.field_keys()?.blind_index(&n)).into_condition()
            }
            SearchKind::Phone(n) => Expr::col(("m", "phone_idx")).eq(db.field_keys()?.blind_index(&n)).into_condition(),
            SearchKind::Pinyin(p) => {
                let e = like_escape(&p);
                Condition::any()
                    .add(Expr::col(("m", "name_initials")).like(LikeExpr::new(format!("{e}%")).escape('\\')))
                    .add(Expr::col(("m", "name_pinyin")).like(LikeExpr::new(format!("{e}%")).escape('\\')))
            }
            SearchKind::Name(n) => Expr::col(("m", "name"))
                .like(LikeExpr::new(format!("%{}%", like_escape(&n))).escape('\\'))
                .into_condition(),
        });
    }
    Ok(cond)
}

use sea_orm::sea_query::IntoCondition as _;

/// A page of members in scope, ordered by organization then pinyin of the name.
pub async fn list(
    db: &Db,
    scope: &Scope,
    filter: &MemberFilter,
    page: u64,
    per_page: u64,
) -> StoreResult<crate::org::Page<Member>> {
    require_read(scope)?;
    let per_page = Ord::clamp(per_page, 1, 500);
    let page = Ord::max(page, 1);
    let cond = filter_condition(db, scope, filter).await?;
    let total = match rollup_total(db, scope, filter).await? {
        Some(n) => n,
        None => count_members(db, scope, cond.clone()).await?,
    };
    let q = select_in_scope(scope)
        .cond_where(cond)
        .order_by(("o", "path"), Order::Asc)
        .order_by(("m", "name_pinyin"), Order::Asc)
        .order_by(("m", "id"), Order::Asc)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .take();
    let items = fetch_sorted(db.conn(), &q).await?;
    Ok(crate::org::Page { items, total: u64::try_from(total).unwrap_or(0), page, per_page })
}

/// Count the members in scope that match a condition.
async fn count_members(db: &Db, scope: &Scope, cond: Condition) -> StoreResult<i64> {
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let count = Query::select()
        .expr_as(Expr::col(("m", "id")).count(), "n")
        .from_as("member", "m")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .cond_where(cond)
        .take();
    Ok(match db.conn().query_one(&count).await? {
        Some(r) => N::from_query_result(&r, "")?.n,
        None => 0,
    })
}

/// The roster's total without counting rows, where the organization rollups give it: with no
/// search, the current members are the active ones — the `subtree_members` of the scope's roots
/// (or of the chosen organization) — and the suspended ones (few, found by the status index).
async fn rollup_total(db: &Db, scope: &Scope, filter: &MemberFilter) -> StoreResult<Option<i64>> {
    if filter.q.as_deref().is_some_and(|q| !q.trim().is_empty()) || filter.show != MemberShow::Current {
        return Ok(None);
    }
    #[derive(FromQueryResult)]
    struct N {
        n: Option<i64>,
    }
    let mut q = Query::select();
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back.
    let sum = Func::coalesce([Expr::col("subtree_members").sum(), Expr::val(0)]);
    q.expr_as(Func::cast_as(sum, "BIGINT"), "n").from("org");
    let subtree = match filter.org_id {
        Some(org) => {
            let o = crate::org::get(db, scope, &Meta::default(), org).await?;
            q.and_where(Expr::col("id").eq(o.id.0));
            Some(o.path)
        }
        None => {
            match scope.roots() {
                Some(roots) => q.and_where(Expr::col("path").is_in(roots.iter().map(|p| p.as_str().to_string()))),
                None => q.and_where(Expr::col("parent_id").is_null()),
            };
            None
        }
    };
    let active = match db.conn().query_one(&q).await? {
        Some(r) => N::from_query_result(&r, "")?.n.unwrap_or(0),
        None => 0,
    };
    let mut suspended = Condition::all().add(Expr::col(("m", "status")).eq(MemberStatus::Suspended.key()));
    if let Some(p) = subtree {
        suspended =
            suspended.add(Expr::col(("o", "path")).gte(p.as_str()).and(Expr::col(("o", "path")).lt(p.upper_bound())));
    }
    Ok(Some(active + count_members(db, scope, suspended).await?))
}

/// Members of a select, decoded through one JSON value and put back in list order.
pub(crate) async fn fetch_sorted<C: ConnectionTrait>(conn: &C, q: &SelectStatement) -> StoreResult<Vec<Member>> {
    let rows: Vec<MemberRow> = crate::sql::fetch_json(conn, q, &ROW_COLUMNS).await?;
    let mut members = rows.into_iter().map(Member::try_from).collect::<StoreResult<Vec<Member>>>()?;
    members
        .sort_by(|a, b| (a.org_path.as_str(), &a.name_pinyin, a.id).cmp(&(b.org_path.as_str(), &b.name_pinyin, b.id)));
    Ok(members)
}

/// One entry of a member's history.
#[derive(Debug, Clone, Serialize)]
pub struct MemberEvent {
    /// What happened (`created`, `updated`, `org_changed`, `regularized`, `mobile_out`, …).
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

impl MemberEvent {
    /// The Chinese label.
    pub fn label(&self) -> &'static str {
        super::write::event_label(&self.kind)
    }
}

/// The history of a member in scope, oldest first.
pub async fn history(db: &Db, scope: &Scope, meta: &Meta, id: MemberId) -> StoreResult<Vec<MemberEvent>> {
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
        .from("member_event")
        .and_where(Expr::col("member_id").eq(id.0))
        .order_by("happened_on", Order::Asc)
        .order_by("id", Order::Asc)
        .take();
    let rows = db.conn().query_all(&q).await?;
    rows.iter()
        .map(|r| {
            let row = Row::from_query_result(r, "")?;
            Ok(MemberEvent {
                kind: row.kind,
                happened_on: row.happened_on,
                detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::Null),
                recorded_by: row.recorded_by,
                recorded_at: row.recorded_at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_recognized() {
        assert_eq!(search_kind(" 11010519491231002x "), SearchKind::IdCard("11010519491231002X".into()));
        assert_eq!(search_kind("139 0000 1111"), SearchKind::Phone("13900001111".into()));
        assert_eq!(search_kind("ZS"), SearchKind::Pinyin("zs".into()));
        assert_eq!(search_kind("张 三"), SearchKind::Name("张三".into()));
    }
}
