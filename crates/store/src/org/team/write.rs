//! Changing a team: appoint (任职), correct (更正), end a term (离任). Each runs one write
//! transaction that checks the caller's right and scope, makes the change, writes the
//! organization's history event and the audit record, and commits. A refusal for lack of a right
//! is itself recorded (after the rollback).
//!
//! Who may: the township and county administrators (维护组织体系) for every organization in their
//! scope; a branch secretary (录入员, 维护本组织记录) for their own organization only. See
//! docs/AUTHZ.md.

use chrono::NaiveDate;
use jiceng_types::person::{Education, Gender, MemberStatus};
use jiceng_types::{FieldError, MemberId, OrgDomain, OrgId, OrgKind, OrgStatus, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use super::input::{Person, TeamInput};
use super::{Committee, Post, TeamMember, TeamMemberId, fetch_rows, select_in_scope};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::org::Org;
use crate::scope_sql::path_in_scope;
use crate::{Db, Meta};

/// True if `scope` may change the team of `org` (which the caller loaded within the scope): with
/// the right to maintain the tree, any organization in scope; with the right to write records
/// only, one's own organization.
pub fn can_write(scope: &Scope, org: &Org) -> bool {
    scope.can(Right::WriteOrgs) || (scope.can(Right::WriteRecords) && scope.is_root(&org.path))
}

fn refused() -> StoreError {
    StoreError::forbidden("no_team_write_right", "您没有维护该组织班子成员的权限")
}

/// Without either right nothing needs loading to refuse.
fn require_some_write(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::WriteOrgs) || scope.can(Right::WriteRecords) { Ok(()) } else { Err(refused()) }
}

fn require_write(scope: &Scope, org: &Org) -> StoreResult<()> {
    if can_write(scope, org) { Ok(()) } else { Err(refused()) }
}

fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, code, message)])
}

/// True if `org` is a village's Party organization (村级党组织): rural, directly under a township
/// Party committee (a rural 党委 that is not itself under another rural organization). Only such
/// an organization records a villagers' committee, and only its secretary can be 一肩挑.
pub async fn village_level(db: &Db, org: &Org) -> StoreResult<bool> {
    is_village(db.conn(), org).await
}

async fn is_village<C: ConnectionTrait>(conn: &C, org: &Org) -> StoreResult<bool> {
    if org.domain != OrgDomain::Rural || matches!(org.kind, OrgKind::CountyCommittee | OrgKind::WorkingCommittee) {
        return Ok(false);
    }
    let ids = org.path.ids();
    let [.., grand, parent, _] = ids.as_slice() else {
        // Directly under a root (or a root): a township under its county at most.
        return match ids.as_slice() {
            [parent, _] => Ok(is_township(&ancestor(conn, *parent).await?, None)),
            _ => Ok(false),
        };
    };
    let (parent, grand) = (ancestor(conn, *parent).await?, ancestor(conn, *grand).await?);
    Ok(is_township(&parent, grand))
}

fn is_township(parent: &Option<(OrgKind, OrgDomain)>, grand: Option<(OrgKind, OrgDomain)>) -> bool {
    let township = matches!(parent, Some((OrgKind::Committee, OrgDomain::Rural)));
    let above = match grand {
        None => true,
        Some((kind, domain)) => kind == OrgKind::CountyCommittee || domain != OrgDomain::Rural,
    };
    township && above
}

async fn ancestor<C: ConnectionTrait>(conn: &C, id: OrgId) -> StoreResult<Option<(OrgKind, OrgDomain)>> {
    #[derive(FromQueryResult)]
    struct Row {
        kind: String,
        domain: String,
    }
    let q = Query::select().columns(["kind", "domain"]).from("org").and_where(Expr::col("id").eq(id.0)).take();
    Ok(match conn.query_one(&q).await? {
        Some(r) => {
            let r = Row::from_query_result(&r, "")?;
            OrgKind::parse(&r.kind).zip(OrgDomain::parse(&r.domain))
        }
        None => None,
    })
}

/// The person behind a team row, resolved: from the member record, or as typed.
#[derive(Debug, Clone)]
struct Who {
    member_id: Option<MemberId>,
    name: String,
    gender: Gender,
    birth_date: NaiveDate,
    education: Education,
}

impl Who {
    /// The same person as a row: the same member record, or (without one) the same name and
    /// birth date.
    fn is(&self, t: &TeamMember) -> bool {
        match (self.member_id, t.member_id) {
            (Some(a), Some(b)) => a == b,
            _ => self.name == t.name && Some(self.birth_date) == t.birth_date,
        }
    }
}

/// Resolve the person: a member must be active, in scope and in the organization's subtree.
async fn resolve(tx: &DatabaseTransaction, scope: &Scope, org: &Org, person: &Person) -> StoreResult<Who> {
    let id = match person {
        Person::Typed { name, gender, birth_date, education } => {
            return Ok(Who {
                member_id: None,
                name: name.as_str().to_string(),
                gender: *gender,
                birth_date: *birth_date,
                education: *education,
            });
        }
        Person::Member(id) => *id,
    };
    #[derive(FromQueryResult)]
    struct Row {
        name: String,
        gender: String,
        birth_date: NaiveDate,
        education: String,
        status: String,
        org_path: String,
    }
    let q = Query::select()
        .columns(["name", "gender", "birth_date", "education", "status"].map(|c| ("m", c)))
        .expr_as(Expr::col(("o", "path")), "org_path")
        .from_as("member", "m")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .and_where(Expr::col(("m", "id")).eq(id.0))
        .take();
    let Some(row) = tx.query_one(&q).await? else {
        return Err(invalid("member_id", "member_not_found", "所选党员不存在或不在您的管辖范围内"));
    };
    let r = Row::from_query_result(&row, "")?;
    if r.status != MemberStatus::Active.key() {
        return Err(invalid("member_id", "member_inactive", format!("{}已停止党籍或已出党，不能任职", r.name)));
    }
    let in_org = jiceng_types::OrgPath::parse(&r.org_path).is_some_and(|p| org.path.contains(&p));
    if !in_org {
        return Err(invalid("member_id", "member_elsewhere", format!("{}不是本组织（含下级组织）的党员", r.name)));
    }
    let bad = |what: &str| StoreError::Corrupt(format!("member {id}: bad {what}"));
    Ok(Who {
        member_id: Some(id),
        gender: Gender::parse(&r.gender).ok_or_else(|| bad("gender"))?,
        education: Education::parse(&r.education).ok_or_else(|| bad("education"))?,
        name: r.name,
        birth_date: r.birth_date,
    })
}

/// The rows of one organization in office (read with the whole tree in view: the caller already
/// checked the organization against the scope).
async fn current_rows(tx: &DatabaseTransaction, org: OrgId) -> StoreResult<Vec<TeamMember>> {
    let q = select_in_scope(&Scope::cli())
        .and_where(Expr::col(("t", "org_id")).eq(org.0))
        .and_where(Expr::col(("t", "ended_on")).is_null())
        .take();
    fetch_rows(tx, &q).await
}

async fn load_row(tx: &DatabaseTransaction, scope: &Scope, id: TeamMemberId) -> StoreResult<TeamMember> {
    let q = select_in_scope(scope).and_where(Expr::col(("t", "id")).eq(id.0)).take();
    fetch_rows(tx, &q).await?.pop().ok_or(StoreError::NotFound)
}

async fn load_org(tx: &DatabaseTransaction, scope: &Scope, id: OrgId) -> StoreResult<Org> {
    crate::org::fetch_one(tx, &crate::org::select_for_write(scope, id)).await?.ok_or(StoreError::NotFound)
}

/// Record an event in the organization's history.
async fn event(
    tx: &DatabaseTransaction,
    scope: &Scope,
    org: OrgId,
    kind: &str,
    on: NaiveDate,
    detail: serde_json::Value,
) -> StoreResult<()> {
    let q = crate::sql::insert_row(
        "org_event",
        vec![
            ("org_id", org.0.into()),
            ("kind", kind.into()),
            ("happened_on", on.into()),
            ("detail", detail.to_string().into()),
            ("recorded_by", scope.actor().username.clone().into()),
            ("recorded_at", crate::now().into()),
        ],
    );
    tx.execute(&q).await?;
    Ok(())
}

/// What the history says about a row.
fn summary(t: &TeamMember) -> serde_json::Value {
    serde_json::json!({
        "team_id": t.id,
        "committee": t.committee.label(),
        "post": t.post_label(),
        "name": t.name,
        "dual_role": t.dual_role,
    })
}

/// Insert a row in office; its history event and audit record.
async fn insert(
    tx: &DatabaseTransaction,
    scope: &Scope,
    meta: &Meta,
    org: &Org,
    who: &Who,
    row: (Committee, Post, Option<String>, bool, NaiveDate),
) -> StoreResult<TeamMember> {
    let (committee, post, title, dual_role, started_on) = row;
    let q = crate::sql::insert_row(
        "org_team",
        vec![
            ("org_id", org.id.0.into()),
            ("member_id", who.member_id.map(|m| m.0).into()),
            ("committee", committee.key().into()),
            ("name", who.name.clone().into()),
            ("gender", who.gender.key().into()),
            ("birth_date", who.birth_date.into()),
            ("education", who.education.key().into()),
            ("post", post.key().into()),
            ("title", title.into()),
            ("dual_role", dual_role.into()),
            ("started_on", started_on.into()),
        ],
    )
    .returning_col("id")
    .take();
    let row = tx.query_one(&q).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
    let id = TeamMemberId(row.try_get::<i64>("", "id")?);
    let t = load_row(tx, &Scope::cli(), id).await?;
    event(tx, scope, org.id, "team_appointed", started_on, summary(&t)).await?;
    let entry = Entry::new(Action::Create, "org_team", Some(id.to_string()))
        .in_org(&org.path)
        .changes(audit::diff(&serde_json::json!({}), &t.audit_fields()));
    audit::append(tx, scope, meta, entry).await?;
    Ok(t)
}

/// End a row's term; its history event and audit record.
async fn close(
    tx: &DatabaseTransaction,
    scope: &Scope,
    meta: &Meta,
    t: &TeamMember,
    on: NaiveDate,
    reason: &str,
) -> StoreResult<()> {
    let q = Query::update()
        .table("org_team")
        .value("ended_on", on)
        .and_where(Expr::col("id").eq(t.id.0))
        .and_where(Expr::col("ended_on").is_null())
        .take();
    if tx.execute(&q).await?.rows_affected() != 1 {
        return Err(StoreError::conflict("already_ended", format!("{}已离任", t.name)));
    }
    let mut detail = summary(t);
    detail["reason"] = reason.into();
    event(tx, scope, t.org_id, "team_ended", on, detail).await?;
    let changes = serde_json::json!({ "ended_on": { "from": null, "to": on }, "reason": reason });
    let entry = Entry::new(Action::Update, "org_team", Some(t.id.to_string())).in_org(&t.org_path).changes(changes);
    audit::append(tx, scope, meta, entry).await?;
    Ok(())
}

fn today() -> NaiveDate {
    jiceng_types::date::today_china()
}

/// Refusals of a new (or corrected) row in office against those already in office.
fn check_against_current(
    current: &[TeamMember],
    this: Option<TeamMemberId>,
    who: &Who,
    committee: Committee,
    post: Post,
) -> StoreResult<Option<TeamMember>> {
    let others: Vec<&TeamMember> = current.iter().filter(|t| Some(t.id) != this && t.committee == committee).collect();
    if let Some(t) = others.iter().find(|t| who.is(t)) {
        let field = if who.member_id.is_some() { "member_id" } else { "name" };
        return Err(invalid(
            field,
            "already_in_office",
            format!("{}已是本组织{}现任{}，如需调整职务，请先办理离任", t.name, committee.label(), t.post_label()),
        ));
    }
    Ok(others.into_iter().find(|t| post == committee.head() && t.post == post).cloned())
}

/// For a 一肩挑 secretary: the village committee's 主任 in office must be the same person, or
/// there must be none (then the secretary is recorded as 主任 too). Returns true if a 主任 row
/// is to be added.
fn director_needed(current: &[TeamMember], who: &Who) -> StoreResult<bool> {
    match current.iter().find(|t| t.committee == Committee::Village && t.post == Post::Director) {
        None => Ok(true),
        Some(d) if who.is(d) => Ok(false),
        Some(d) => Err(invalid(
            "dual_role",
            "director_differs",
            format!("村民委员会现任主任为{}，不是同一人；请先办理其离任，或不勾选“一肩挑”", d.name),
        )),
    }
}

/// Appoint someone to a post of an organization's team (任职). A second 书记 (or 主任) in office is
/// refused, unless `replace_current` asks to end the current one's term on the new one's first
/// day, in the same transaction. A 一肩挑 secretary is also recorded as the villagers'
/// committee's 主任 when it has none.
pub async fn appoint(db: &Db, scope: &Scope, meta: &Meta, org_id: OrgId, input: TeamInput) -> StoreResult<TeamMember> {
    audit::recording_denial(db, scope, meta, "org_team", None, async {
        require_some_write(scope)?;
        let tx = db.begin_write().await?;
        let org = load_org(&tx, scope, org_id).await?;
        require_write(scope, &org)?;
        if org.status != OrgStatus::Active {
            return Err(StoreError::conflict("org_inactive", "该组织已撤销或合并，不能任命班子成员"));
        }
        if input.started_on > today() {
            return Err(invalid("started_on", "in_future", "任职日期不能晚于今天"));
        }
        let village = is_village(&tx, &org).await?;
        if input.committee == Committee::Village && !village {
            return Err(invalid("committee", "not_village", "只有村级党组织可以登记村民委员会成员"));
        }
        if input.dual_role && !village {
            return Err(invalid("dual_role", "not_village", "只有村党组织书记可以“一肩挑”（兼任村民委员会主任）"));
        }
        let who = resolve(&tx, scope, &org, &input.person).await?;
        if crate::member::whole_years(who.birth_date, input.started_on) < 18 {
            let field = if who.member_id.is_some() { "member_id" } else { "birth_date" };
            return Err(invalid(field, "under_18", format!("{}任职时未满18周岁", who.name)));
        }
        let current = current_rows(&tx, org.id).await?;
        let head = check_against_current(&current, None, &who, input.committee, input.post)?;
        let add_director = input.dual_role && director_needed(&current, &who)?;
        if let Some(old) = &head {
            let post = input.post.label();
            if !input.replace_current {
                return Err(invalid(
                    "post",
                    "head_in_office",
                    format!(
                        "本组织现任{post}为{}（{}起任职）。请先办理其离任，或勾选“同时免去现任{post}”",
                        old.name, old.started_on
                    ),
                ));
            }
            if input.started_on < old.started_on {
                return Err(invalid(
                    "started_on",
                    "before_current",
                    format!("任职日期不能早于现任{post}{}的任职日期（{}）", old.name, old.started_on),
                ));
            }
            close(&tx, scope, meta, old, input.started_on, &format!("由{}接任", who.name)).await?;
        }
        let row = (input.committee, input.post, input.title.clone(), input.dual_role, input.started_on);
        let t = insert(&tx, scope, meta, &org, &who, row).await?;
        if add_director {
            let row = (Committee::Village, Post::Director, None, false, input.started_on);
            insert(&tx, scope, meta, &org, &who, row).await?;
        }
        tx.commit().await?;
        Ok(t)
    })
    .await
}

/// Correct a row (post, 分工, 一肩挑, start date, and the typed details of someone without a
/// member record). The committee and the person stay: a different person is a new appointment.
pub async fn edit(db: &Db, scope: &Scope, meta: &Meta, id: TeamMemberId, input: TeamInput) -> StoreResult<TeamMember> {
    audit::recording_denial(db, scope, meta, "org_team", Some(id.to_string()), async {
        require_some_write(scope)?;
        let tx = db.begin_write().await?;
        let before = load_row(&tx, scope, id).await?;
        let org = load_org(&tx, scope, before.org_id).await?;
        require_write(scope, &org)?;
        if input.committee != before.committee {
            return Err(invalid("committee", "committee_fixed", "不能更改所在班子：请办理离任后重新任命"));
        }
        let same_person = match (&input.person, before.member_id) {
            (Person::Member(m), Some(b)) => *m == b,
            (Person::Typed { .. }, None) => true,
            _ => false,
        };
        if !same_person {
            return Err(invalid("member_id", "person_fixed", "不能更换人员：请为原任职人员办理离任，再任命新人员"));
        }
        if input.started_on > today() || before.ended_on.is_some_and(|e| input.started_on > e) {
            return Err(invalid("started_on", "bad_start", "任职日期不能晚于今天或离任日期"));
        }
        if input.dual_role && !is_village(&tx, &org).await? {
            return Err(invalid("dual_role", "not_village", "只有村党组织书记可以“一肩挑”（兼任村民委员会主任）"));
        }
        let who = match before.member_id {
            // The member's details live in the member record.
            Some(_) => Who {
                member_id: before.member_id,
                name: before.name.clone(),
                gender: before.gender.unwrap_or(Gender::Male),
                birth_date: before.birth_date.unwrap_or(input.started_on),
                education: before.education.unwrap_or(Education::Primary),
            },
            None => resolve(&tx, scope, &org, &input.person).await?,
        };
        let mut add_director = false;
        if before.is_current() {
            let current = current_rows(&tx, org.id).await?;
            if let Some(old) = check_against_current(&current, Some(id), &who, input.committee, input.post)? {
                return Err(invalid(
                    "post",
                    "head_in_office",
                    format!("本组织现任{}为{}，请先办理其离任", input.post.label(), old.name),
                ));
            }
            add_director = input.dual_role && !before.dual_role && director_needed(&current, &who)?;
        }
        let mut q = Query::update();
        q.table("org_team")
            .value("post", input.post.key())
            .value("title", input.title.clone())
            .value("dual_role", input.dual_role)
            .value("started_on", input.started_on)
            .and_where(Expr::col("id").eq(id.0));
        if before.member_id.is_none() {
            q.value("name", who.name.clone())
                .value("gender", who.gender.key())
                .value("birth_date", who.birth_date)
                .value("education", who.education.key());
        }
        tx.execute(&q).await?;
        let after = load_row(&tx, scope, id).await?;
        let changes = audit::diff(&before.audit_fields(), &after.audit_fields());
        if changes.as_object().is_none_or(|m| m.is_empty()) {
            return Ok(after);
        }
        let mut detail = summary(&after);
        detail["changes"] = changes.clone();
        event(&tx, scope, org.id, "team_updated", today(), detail).await?;
        let entry = Entry::new(Action::Update, "org_team", Some(id.to_string())).in_org(&org.path).changes(changes);
        audit::append(&tx, scope, meta, entry).await?;
        if add_director {
            insert(&tx, scope, meta, &org, &who, (Committee::Village, Post::Director, None, false, input.started_on))
                .await?;
        }
        tx.commit().await?;
        Ok(after)
    })
    .await
}

/// End someone's term (离任) on `ended_on` (not before the start, not in the future), with the
/// reason (换届离任, 调离, 辞职, …), which the history and the audit record keep.
pub async fn end_term(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    id: TeamMemberId,
    ended_on: NaiveDate,
    reason: &str,
) -> StoreResult<TeamMember> {
    audit::recording_denial(db, scope, meta, "org_team", Some(id.to_string()), async {
        require_some_write(scope)?;
        let reason = jiceng_types::text::normalize(reason);
        let mut errors = Vec::new();
        if reason.is_empty() || reason.chars().count() > 50 || jiceng_types::text::has_control(&reason) {
            errors.push(FieldError::new(
                "reason",
                "required",
                "请填写离任原因（不超过50个字），如换届离任、调离、辞职",
            ));
        }
        if ended_on > today() {
            errors.push(FieldError::new("ended_on", "in_future", "离任日期不能晚于今天"));
        }
        let tx = db.begin_write().await?;
        let t = load_row(&tx, scope, id).await?;
        let org = load_org(&tx, scope, t.org_id).await?;
        require_write(scope, &org)?;
        if let Some(e) = t.ended_on {
            return Err(StoreError::conflict("already_ended", format!("{}已于{e}离任", t.name)));
        }
        if ended_on < t.started_on {
            errors.push(FieldError::new(
                "ended_on",
                "before_start",
                format!("离任日期不能早于任职日期（{}）", t.started_on),
            ));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        close(&tx, scope, meta, &t, ended_on, &reason).await?;
        let after = load_row(&tx, scope, id).await?;
        tx.commit().await?;
        Ok(after)
    })
    .await
}
