//! Party members (党员): the core of the roster. Reading is scoped; members are only visible to
//! roles with the right to read member data. ID-card and phone numbers are stored encrypted with
//! a blind index for exact search, and shown masked; revealing one is audited.

pub mod import;
pub(crate) mod indexes;
mod input;
mod model;
pub mod transfer;
mod write;

pub(crate) use input::{Identity, IdentityText, optional_text, parse_identity};
pub use input::{MemberDraft, MemberInput};
pub use model::{Member, MemberEvent, MemberFilter, MemberShow, get, history, list, whole_years};
pub use write::{
    LEAVE_REASONS, Sensitive, StatusChange, change_status, create, event_label, reveal, reveal_for_edit, update,
};
pub(crate) use write::{change_status_in, create_in, unseal};

use chrono::NaiveDate;
use jiceng_types::{Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::Db;
use crate::error::{StoreError, StoreResult};
use crate::scope_sql::org_ids_in_scope;
use crate::sql::count_where;

/// Counts of the members in scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberCounts {
    /// Active members.
    pub active: i64,
    /// Of which probationary (预备党员).
    pub probationary: i64,
}

/// Count the active members in scope (requires the right to read member data).
pub async fn counts(db: &Db, scope: &Scope) -> StoreResult<MemberCounts> {
    if !scope.can(Right::ReadMembers) {
        return Err(StoreError::forbidden("no_member_right", "您没有查看党员信息的权限"));
    }
    let q = Query::select()
        .expr_as(Expr::col("id").count(), "active")
        .expr_as(Expr::cust("COALESCE(SUM(CASE WHEN category = 'probationary' THEN 1 ELSE 0 END), 0)"), "probationary")
        .from("member")
        .and_where(Expr::col("status").eq("active"))
        .and_where(Expr::col("org_id").in_subquery(org_ids_in_scope(scope)))
        .take();
    #[derive(FromQueryResult)]
    struct C {
        active: i64,
        probationary: i64,
    }
    Ok(match db.conn().query_one(&q).await? {
        Some(r) => {
            let c = C::from_query_result(&r, "")?;
            MemberCounts { active: c.active, probationary: c.probationary }
        }
        None => MemberCounts::default(),
    })
}

/// Ages of active members in scope on `on`, in bands (for the county overview).
pub async fn age_bands(db: &Db, scope: &Scope, on: NaiveDate) -> StoreResult<[i64; 5]> {
    if !scope.can(Right::ReadMembers) {
        return Err(StoreError::forbidden("no_member_right", "您没有查看党员信息的权限"));
    }
    let cut = |years: i32| on.with_year(on.year() - years).unwrap_or(on);
    use chrono::Datelike;
    let q = Query::select()
        .expr_as(count_where(Expr::col("birth_date").gt(cut(35))), "b0")
        .expr_as(count_where(Expr::col("birth_date").lte(cut(35)).and(Expr::col("birth_date").gt(cut(45)))), "b1")
        .expr_as(count_where(Expr::col("birth_date").lte(cut(45)).and(Expr::col("birth_date").gt(cut(60)))), "b2")
        .expr_as(count_where(Expr::col("birth_date").lte(cut(60)).and(Expr::col("birth_date").gt(cut(70)))), "b3")
        .expr_as(count_where(Expr::col("birth_date").lte(cut(70))), "b4")
        .from("member")
        .and_where(Expr::col("status").eq("active"))
        .and_where(Expr::col("org_id").in_subquery(org_ids_in_scope(scope)))
        .take();
    #[derive(FromQueryResult)]
    struct B {
        b0: i64,
        b1: i64,
        b2: i64,
        b3: i64,
        b4: i64,
    }
    Ok(match db.conn().query_one(&q).await? {
        Some(r) => {
            let b = B::from_query_result(&r, "")?;
            [b.b0, b.b1, b.b2, b.b3, b.b4]
        }
        None => [0; 5],
    })
}

/// The labels of [`age_bands`].
pub const AGE_BAND_LABELS: [&str; 5] = ["35岁及以下", "36–45岁", "46–60岁", "61–70岁", "71岁及以上"];

/// The member record linked to the signed-in account (a 党员's own record), if any.
pub(crate) async fn own_member(db: &Db, scope: &Scope) -> StoreResult<Option<jiceng_types::MemberId>> {
    let Some(user) = scope.user_id() else { return Ok(None) };
    #[derive(FromQueryResult)]
    struct Link {
        member_id: Option<i64>,
    }
    let q = Query::select().column("member_id").from("app_user").and_where(Expr::col("id").eq(user.0)).take();
    Ok(match db.conn().query_one(&q).await? {
        Some(r) => Link::from_query_result(&r, "")?.member_id.map(jiceng_types::MemberId),
        None => None,
    })
}

/// The signed-in 党员's own record (the one thing that role may read of the roster).
pub async fn own_record(db: &Db, scope: &Scope) -> StoreResult<Member> {
    let id = own_member(db, scope).await?.ok_or(StoreError::NotFound)?;
    let q = model::select_in_scope(&Scope::cli()).and_where(Expr::col(("m", "id")).eq(id.0)).take();
    model::fetch_one(db.conn(), &q).await?.ok_or(StoreError::NotFound)
}
