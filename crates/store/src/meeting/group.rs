//! Party groups (党小组): the groups a branch divides its members into, each with a leader (组长),
//! holding its own 党小组会. A member belongs to at most one group (`member.party_group_id`).
//! A group that ends keeps its record (its meetings cite it); its members become ungrouped.

use chrono::NaiveDate;
use jiceng_types::{MemberId, OrgId, OrgPath, OrgStatus, Scope};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde::{Deserialize, Serialize};

use super::{require_read, require_write};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::org::Org;
use crate::scope_sql::path_in_scope;
use crate::{Db, Meta};

/// A Party group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyGroup {
    /// Id.
    pub id: i64,
    /// The branch it belongs to.
    pub org_id: OrgId,
    /// Name (第一党小组, 老党员党小组 …).
    pub name: String,
    /// The leader (组长), a member of the branch.
    pub leader_member_id: Option<i64>,
    /// The leader's name.
    pub leader_name: Option<String>,
    /// 成立日期.
    pub created_on: Option<NaiveDate>,
    /// 撤销日期 (`None` while it exists).
    pub ended_on: Option<NaiveDate>,
    /// Active members of the branch in the group.
    pub members: i64,
}

impl PartyGroup {
    /// Still exists (not ended).
    pub fn is_active(&self) -> bool {
        self.ended_on.is_none()
    }
}

#[derive(Deserialize)]
struct Raw {
    id: i64,
    org_id: i64,
    name: String,
    leader_member_id: Option<i64>,
    leader_name: Option<String>,
    created_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
    org_path: String,
}

const COLUMNS: [&str; 8] =
    ["id", "org_id", "name", "leader_member_id", "leader_name", "created_on", "ended_on", "org_path"];

/// `SELECT <group columns> FROM party_group g JOIN org o LEFT JOIN member (leader) WHERE <in scope>`.
fn select(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns([
            ("g", "id"),
            ("g", "org_id"),
            ("g", "name"),
            ("g", "leader_member_id"),
            ("g", "created_on"),
            ("g", "ended_on"),
        ])
        .expr_as(Expr::col(("p", "name")), "leader_name")
        .expr_as(Expr::col(("o", "path")), "org_path")
        .from_as("party_group", "g")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("g", "org_id")))
        .join_as(JoinType::LeftJoin, "member", "p", Expr::col(("p", "id")).equals(("g", "leader_member_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .take()
}

/// The groups a select returns with their member counts, the existing ones first, then by name;
/// each with its organization's path.
async fn fetch<C: ConnectionTrait>(conn: &C, q: &SelectStatement) -> StoreResult<Vec<(PartyGroup, String)>> {
    let raw: Vec<Raw> = crate::sql::fetch_json(conn, q, &COLUMNS).await?;
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(Deserialize)]
    struct N {
        id: i64,
        n: i64,
    }
    let ids: Vec<i64> = raw.iter().map(|r| r.id).collect();
    let counts = Query::select()
        .expr_as(Expr::col(("m", "party_group_id")), "id")
        .expr_as(Expr::col(("m", "id")).count(), "n")
        .from_as("member", "m")
        .join_as(JoinType::InnerJoin, "party_group", "g", Expr::col(("g", "id")).equals(("m", "party_group_id")))
        .and_where(Expr::col(("m", "org_id")).equals(("g", "org_id")))
        .and_where(Expr::col(("m", "status")).eq("active"))
        .and_where(Expr::col(("m", "party_group_id")).is_in(ids))
        .group_by_col(("m", "party_group_id"))
        .take();
    let counts: Vec<N> = crate::sql::fetch_json(conn, &counts, &["id", "n"]).await?;
    let mut out: Vec<(PartyGroup, String)> = raw
        .into_iter()
        .map(|r| {
            let group = PartyGroup {
                members: counts.iter().find(|c| c.id == r.id).map(|c| c.n).unwrap_or(0),
                id: r.id,
                org_id: OrgId(r.org_id),
                name: r.name,
                leader_member_id: r.leader_member_id,
                leader_name: r.leader_name,
                created_on: r.created_on,
                ended_on: r.ended_on,
            };
            (group, r.org_path)
        })
        .collect();
    out.sort_by(|(a, _), (b, _)| {
        a.ended_on.is_some().cmp(&b.ended_on.is_some()).then(a.name.cmp(&b.name)).then(a.id.cmp(&b.id))
    });
    Ok(out)
}

async fn load<C: ConnectionTrait>(conn: &C, scope: &Scope, id: i64) -> StoreResult<(PartyGroup, OrgPath)> {
    let q = select(scope).and_where(Expr::col(("g", "id")).eq(id)).take();
    let (group, path) = fetch(conn, &q).await?.into_iter().next().ok_or(StoreError::NotFound)?;
    let path = OrgPath::parse(&path).ok_or_else(|| StoreError::Corrupt(format!("org path {path}")))?;
    Ok((group, path))
}

fn audit_fields(g: &PartyGroup) -> serde_json::Value {
    serde_json::json!({
        "name": g.name,
        "leader": g.leader_name,
        "created_on": g.created_on,
        "ended_on": g.ended_on,
    })
}

/// The groups of an organization in scope (ended ones after the existing ones).
pub async fn list(db: &Db, scope: &Scope, org_id: OrgId) -> StoreResult<Vec<PartyGroup>> {
    require_read(scope)?;
    if crate::org::fetch_one(db.conn(), &crate::org::select_for_write(scope, org_id)).await?.is_none() {
        return Err(StoreError::NotFound);
    }
    let q = select(scope).and_where(Expr::col(("g", "org_id")).eq(org_id.0)).take();
    Ok(fetch(db.conn(), &q).await?.into_iter().map(|(g, _)| g).collect())
}

/// One group in scope.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> StoreResult<PartyGroup> {
    require_read(scope)?;
    Ok(load(db.conn(), scope, id).await?.0)
}

/// The active members of `org` among `ids`, with their names and current groups.
async fn active_members(
    tx: &DatabaseTransaction,
    org: OrgId,
    ids: &[i64],
) -> StoreResult<Vec<(i64, String, Option<i64>)>> {
    #[derive(Deserialize)]
    struct M {
        id: i64,
        name: String,
        party_group_id: Option<i64>,
    }
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .columns(["id", "name", "party_group_id"])
            .from("member")
            .and_where(Expr::col("org_id").eq(org.0))
            .and_where(Expr::col("status").eq("active"))
            .and_where(Expr::col("id").is_in(chunk.iter().copied()))
            .take();
        let rows: Vec<M> = crate::sql::fetch_json(tx, &q, &["id", "name", "party_group_id"]).await?;
        out.extend(rows.into_iter().map(|m| (m.id, m.name, m.party_group_id)));
    }
    Ok(out)
}

/// A group's name as stored (normalized), or the field error.
pub fn check_name(name: &str) -> Result<String, jiceng_types::FieldError> {
    let name = jiceng_types::text::normalize(name);
    if name.is_empty() {
        Err(jiceng_types::FieldError::new("name", "required", "请填写党小组名称"))
    } else if name.chars().count() > 50 {
        Err(jiceng_types::FieldError::new("name", "too_long", "党小组名称不能超过50个字"))
    } else {
        Ok(name)
    }
}

/// Set up a group in a branch in scope. The leader, a member of the branch, joins the group if
/// they are in none yet.
pub async fn create(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    org_id: OrgId,
    name: &str,
    leader: Option<MemberId>,
    created_on: Option<NaiveDate>,
) -> StoreResult<PartyGroup> {
    audit::recording_denial(db, scope, meta, "party_group", None, async {
        require_write(scope)?;
        let mut errs = Vec::new();
        let name = check_name(name).map_err(|e| errs.push(e)).unwrap_or_default();
        if created_on.is_some_and(|d| d > jiceng_types::date::today_china()) {
            errs.push(jiceng_types::FieldError::new("created_on", "future", "成立日期不能晚于今天"));
        }
        if !errs.is_empty() {
            return Err(StoreError::Invalid(errs));
        }
        let tx = db.begin_write().await?;
        let org: Org = crate::org::fetch_one(&tx, &crate::org::select_for_write(scope, org_id))
            .await?
            .ok_or(StoreError::NotFound)?;
        if !org.kind.is_branch() {
            return Err(StoreError::conflict("not_branch", "只有党支部可以设立党小组"));
        }
        if org.status != OrgStatus::Active {
            return Err(StoreError::conflict("org_inactive", "该党组织已撤销或合并，不能设立党小组"));
        }
        if let (Some(d), Some(est)) = (created_on, org.established_on)
            && d < est
        {
            return Err(StoreError::invalid("created_on", "before_established", "成立日期早于该党支部的成立日期"));
        }
        let same = Query::select()
            .column("id")
            .from("party_group")
            .and_where(Expr::col("org_id").eq(org.id.0))
            .and_where(Expr::col("name").eq(name.as_str()))
            .and_where(Expr::col("ended_on").is_null())
            .take();
        if tx.query_one(&same).await?.is_some() {
            return Err(StoreError::invalid("name", "duplicate", format!("本支部已有“{name}”")));
        }
        let leader_row = match leader {
            Some(l) => match active_members(&tx, org.id, &[l.0]).await?.into_iter().next() {
                Some(m) => Some(m),
                None => return Err(StoreError::invalid("leader", "member_not_found", "组长应为本支部的在册党员")),
            },
            None => None,
        };
        let q = crate::sql::insert_row(
            "party_group",
            vec![
                ("org_id", org.id.0.into()),
                ("name", name.as_str().into()),
                ("leader_member_id", leader.map(|l| l.0).into()),
                ("created_on", created_on.into()),
                ("ended_on", Option::<NaiveDate>::None.into()),
                ("created_at", crate::now().into()),
            ],
        )
        .returning_col("id")
        .take();
        let r = tx.query_one(&q).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
        let id: i64 = r.try_get("", "id")?;
        if let Some((member, _, None)) = leader_row {
            let q = Query::update()
                .table("member")
                .value("party_group_id", id)
                .and_where(Expr::col("id").eq(member))
                .take();
            tx.execute(&q).await?;
        }
        let (group, _) = load(&tx, scope, id).await?;
        let entry = Entry::new(Action::Create, "party_group", Some(id.to_string()))
            .in_org(&org.path)
            .changes(audit::diff(&serde_json::json!({}), &audit_fields(&group)));
        audit::append(&tx, scope, meta, entry).await?;
        tx.commit().await?;
        Ok(group)
    })
    .await
}

/// Put members into a group (编入党小组): each must be an active member of the group's branch;
/// one in another group moves. Members of the branch not listed keep their group.
pub async fn assign(db: &Db, scope: &Scope, meta: &Meta, group_id: i64, members: &[MemberId]) -> StoreResult<()> {
    audit::recording_denial(db, scope, meta, "party_group", Some(group_id.to_string()), async {
        require_write(scope)?;
        if members.is_empty() {
            return Err(StoreError::invalid("members", "required", "请选择要编入该党小组的党员"));
        }
        let tx = db.begin_write().await?;
        let (group, path) = load(&tx, scope, group_id).await?;
        if !group.is_active() {
            return Err(StoreError::conflict("group_ended", "该党小组已撤销，不能编入党员"));
        }
        let mut ids: Vec<i64> = members.iter().map(|m| m.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let found = active_members(&tx, group.org_id, &ids).await?;
        if found.len() != ids.len() {
            return Err(StoreError::invalid("members", "member_not_found", "所选党员中有人不是本支部的在册党员"));
        }
        let moving: Vec<&(i64, String, Option<i64>)> = found.iter().filter(|(_, _, g)| *g != Some(group_id)).collect();
        if moving.is_empty() {
            return Ok(());
        }
        let moving_ids: Vec<i64> = moving.iter().map(|(id, _, _)| *id).collect();
        for chunk in moving_ids.chunks(500) {
            let q = Query::update()
                .table("member")
                .value("party_group_id", group_id)
                .and_where(Expr::col("id").is_in(chunk.iter().copied()))
                .take();
            tx.execute(&q).await?;
        }
        let moved_from: Vec<&str> =
            moving.iter().filter(|(_, _, g)| g.is_some()).map(|(_, name, _)| name.as_str()).collect();
        let entry = Entry::new(Action::Update, "party_group", Some(group_id.to_string())).in_org(&path).changes(
            serde_json::json!({
                "group": group.name,
                "members_added": moving.iter().map(|(_, name, _)| name.as_str()).collect::<Vec<_>>(),
                "moved_from_other_groups": moved_from,
            }),
        );
        audit::append(&tx, scope, meta, entry).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// End a group (撤销党小组) on a date: its members become ungrouped.
pub async fn end(db: &Db, scope: &Scope, meta: &Meta, group_id: i64, on: NaiveDate) -> StoreResult<()> {
    audit::recording_denial(db, scope, meta, "party_group", Some(group_id.to_string()), async {
        require_write(scope)?;
        if on > jiceng_types::date::today_china() {
            return Err(StoreError::invalid("on", "future", "撤销日期不能晚于今天"));
        }
        let tx = db.begin_write().await?;
        let (group, path) = load(&tx, scope, group_id).await?;
        if !group.is_active() {
            return Err(StoreError::conflict("group_ended", "该党小组已撤销"));
        }
        if group.created_on.is_some_and(|c| on < c) {
            return Err(StoreError::invalid("on", "before_created", "撤销日期不能早于成立日期"));
        }
        tx.execute(
            &Query::update().table("party_group").value("ended_on", on).and_where(Expr::col("id").eq(group_id)).take(),
        )
        .await?;
        let cleared = tx
            .execute(
                &Query::update()
                    .table("member")
                    .value("party_group_id", Option::<i64>::None)
                    .cond_where(Condition::all().add(Expr::col("party_group_id").eq(group_id)))
                    .take(),
            )
            .await?
            .rows_affected();
        let entry = Entry::new(Action::Update, "party_group", Some(group_id.to_string()))
            .in_org(&path)
            .changes(serde_json::json!({ "group": group.name, "ended_on": { "to": on }, "members_cleared": cleared }));
        audit::append(&tx, scope, meta, entry).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
