//! 民主评议党员: each member's yearly grade (优秀, 合格, 基本合格, 不合格), decided by the branch
//! (usually in its 民主评议 meeting) and recorded on one sheet per branch and year.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use jiceng_types::{AppraisalGrade, MemberId, OrgId, Scope};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query};
use serde::{Deserialize, Serialize};

use super::{require_read, require_write};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::org::Org;
use crate::scope_sql::path_in_scope;
use crate::{Db, Meta};

/// One member on the sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppraisalRow {
    /// The member.
    pub member_id: MemberId,
    /// Name.
    pub name: String,
    /// The grade recorded for the year, if any.
    pub grade: Option<AppraisalGrade>,
}

async fn org_in_scope<C: ConnectionTrait>(conn: &C, scope: &Scope, org_id: OrgId) -> StoreResult<Org> {
    crate::org::fetch_one(conn, &crate::org::select_for_write(scope, org_id)).await?.ok_or(StoreError::NotFound)
}

fn parse_grade(s: &str) -> StoreResult<AppraisalGrade> {
    AppraisalGrade::parse(s).ok_or_else(|| StoreError::Corrupt(format!("appraisal grade {s}")))
}

/// The stored grades of `year` of these members.
async fn grades_of<C: ConnectionTrait>(conn: &C, year: i32, ids: &[i64]) -> StoreResult<HashMap<i64, AppraisalGrade>> {
    #[derive(Deserialize)]
    struct G {
        member_id: i64,
        grade: String,
    }
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .columns(["member_id", "grade"])
            .from("appraisal")
            .and_where(Expr::col("year").eq(year))
            .and_where(Expr::col("member_id").is_in(chunk.iter().copied()))
            .take();
        let rows: Vec<G> = crate::sql::fetch_json(conn, &q, &["member_id", "grade"]).await?;
        for g in rows {
            out.insert(g.member_id, parse_grade(&g.grade)?);
        }
    }
    Ok(out)
}

/// The sheet of an organization in scope: its active members, by pinyin, with their grades for
/// `year`.
pub async fn sheet(db: &Db, scope: &Scope, org_id: OrgId, year: i32) -> StoreResult<Vec<AppraisalRow>> {
    require_read(scope)?;
    org_in_scope(db.conn(), scope, org_id).await?;
    let roster = super::model::roster_in(db.conn(), scope, org_id).await?;
    let ids: Vec<i64> = roster.iter().map(|m| m.id).collect();
    let grades = grades_of(db.conn(), year, &ids).await?;
    Ok(roster
        .into_iter()
        .map(|m| AppraisalRow { member_id: MemberId(m.id), grade: grades.get(&m.id).copied(), name: m.name })
        .collect())
}

/// Record grades for `year` (one per member; a member already graded is re-graded), optionally
/// citing the 民主评议 meeting. Each member must be an active member of the organization. One
/// audit record per grade that changed.
pub async fn save(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    org_id: OrgId,
    year: i32,
    grades: &[(MemberId, AppraisalGrade)],
    meeting_id: Option<i64>,
) -> StoreResult<()> {
    audit::recording_denial(db, scope, meta, "appraisal", None, async {
        require_write(scope)?;
        let today = jiceng_types::date::today_china();
        if !(2000..=today.year()).contains(&year) {
            return Err(StoreError::invalid("year", "out_of_range", format!("年度应在2000年至{}年之间", today.year())));
        }
        let mut ids: Vec<i64> = grades.iter().map(|(m, _)| m.0).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != grades.len() {
            return Err(StoreError::invalid("grades", "duplicate", "同一党员只能评定一个等次"));
        }
        let tx = db.begin_write().await?;
        let org = org_in_scope(&tx, scope, org_id).await?;
        if let Some(m) = meeting_id {
            let q = Query::select()
                .column("id")
                .from("meeting")
                .and_where(Expr::col("id").eq(m))
                .and_where(Expr::col("org_id").eq(org.id.0))
                .take();
            if tx.query_one(&q).await?.is_none() {
                return Err(StoreError::invalid("meeting_id", "meeting_not_found", "所选会议不是本组织的会议"));
            }
        }
        let roster = super::model::roster_in(&tx, scope, org.id).await?;
        let names: HashMap<i64, &str> = roster.iter().map(|m| (m.id, m.name.as_str())).collect();
        if ids.iter().any(|i| !names.contains_key(i)) {
            return Err(StoreError::invalid("grades", "member_not_found", "评议名单中有人不是本组织的在册党员"));
        }
        let before = grades_of(&tx, year, &ids).await?;
        let now = crate::now();
        let who = scope.actor().username.clone();
        let mut entries = Vec::new();
        for (member, grade) in grades {
            let old = before.get(&member.0).copied();
            if old == Some(*grade) {
                continue;
            }
            if old.is_some() {
                let q = Query::update()
                    .table("appraisal")
                    .value("grade", grade.key())
                    .value("org_id", org.id.0)
                    .value("meeting_id", meeting_id)
                    .value("recorded_by", who.as_str())
                    .value("recorded_at", now)
                    .and_where(Expr::col("member_id").eq(member.0))
                    .and_where(Expr::col("year").eq(year))
                    .take();
                tx.execute(&q).await?;
            } else {
                let q = crate::sql::insert_row(
                    "appraisal",
                    vec![
                        ("member_id", member.0.into()),
                        ("year", year.into()),
                        ("org_id", org.id.0.into()),
                        ("grade", grade.key().into()),
                        ("meeting_id", meeting_id.into()),
                        ("recorded_by", who.as_str().into()),
                        ("recorded_at", now.into()),
                    ],
                );
                tx.execute(&q).await?;
            }
            let action = if old.is_some() { Action::Update } else { Action::Create };
            let mut changes = audit::diff(
                &serde_json::json!({ "grade": old.map(|g| g.label()) }),
                &serde_json::json!({ "grade": grade.label() }),
            );
            if let Some(m) = changes.as_object_mut() {
                m.insert("member".into(), serde_json::json!(names.get(&member.0)));
                m.insert("year".into(), serde_json::json!(year));
                m.insert("meeting_id".into(), serde_json::json!(meeting_id));
            }
            entries.push(
                Entry::new(action, "appraisal", Some(format!("{}:{year}", member.0)))
                    .in_org(&org.path)
                    .changes(changes),
            );
        }
        if entries.is_empty() {
            return Ok(());
        }
        audit::append_many(&tx, scope, meta, entries).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// How many members in scope (of `org_id`'s subtree when given) were graded 优秀, 合格, 基本合格
/// and 不合格 in `year` (in the order of [`AppraisalGrade::ALL`]), by the organization that graded
/// them.
pub async fn counts(db: &Db, scope: &Scope, org_id: Option<OrgId>, year: i32) -> StoreResult<[i64; 4]> {
    require_read(scope)?;
    let mut q = Query::select()
        .column(("a", "grade"))
        .expr_as(Expr::col(("a", "member_id")).count(), "n")
        .from_as("appraisal", "a")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("a", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .and_where(Expr::col(("a", "year")).eq(year))
        .group_by_col(("a", "grade"))
        .take();
    if let Some(org) = org_id {
        let o = org_in_scope(db.conn(), scope, org).await?;
        q.and_where(Expr::col(("o", "path")).gte(o.path.as_str()))
            .and_where(Expr::col(("o", "path")).lt(o.path.upper_bound()));
    }
    #[derive(Deserialize)]
    struct C {
        grade: String,
        n: i64,
    }
    let rows: Vec<C> = crate::sql::fetch_json(db.conn(), &q, &["grade", "n"]).await?;
    let mut out = [0i64; 4];
    for c in rows {
        let g = parse_grade(&c.grade)?;
        if let Some(i) = AppraisalGrade::ALL.iter().position(|x| *x == g) {
            out[i] = c.n;
        }
    }
    Ok(out)
}

/// The year a sheet opens on by default: the appraisal is held at the year's end or early in the
/// next year, so until March it is last year's.
pub fn default_year(today: NaiveDate) -> i32 {
    if today.month() <= 3 { today.year() - 1 } else { today.year() }
}
