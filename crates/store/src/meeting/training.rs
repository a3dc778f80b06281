//! Education and training records (党员教育培训): a course an organization held or sent its members
//! to, its hours (学时) and who took part; and each member's hours in a year, computed from them.
//!
//! Hours belong to the member: a member in scope is credited with every training they took part
//! in, whoever recorded it (a county course attended by a village member counts for that member).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use jiceng_types::{FieldError, MemberId, OrgId, OrgPath, OrgStatus, Scope};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, JoinType, Query, SelectStatement};
use serde::{Deserialize, Serialize};

use super::{require_read, require_write};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::scope_sql::path_in_scope;
use crate::sql::count_where;
use crate::{Db, Meta};

/// 培训形式: how the training was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingKind {
    /// 集中培训
    Centralized,
    /// 集体学习
    Collective,
    /// 网络培训
    Online,
}

impl TrainingKind {
    /// Every kind, in display order.
    pub const ALL: &'static [TrainingKind] =
        &[TrainingKind::Centralized, TrainingKind::Collective, TrainingKind::Online];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            TrainingKind::Centralized => "centralized",
            TrainingKind::Collective => "collective",
            TrainingKind::Online => "online",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            TrainingKind::Centralized => "集中培训",
            TrainingKind::Collective => "集体学习",
            TrainingKind::Online => "网络培训",
        }
    }

    /// Parse the key or the label.
    pub fn parse(s: &str) -> Option<TrainingKind> {
        let s = s.trim();
        TrainingKind::ALL.iter().copied().find(|k| k.key() == s || k.label() == s)
    }
}

/// A training record to store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInput {
    /// The organization that held it (or sent its members).
    pub org_id: OrgId,
    /// 培训内容/课程.
    pub course: String,
    /// 培训形式.
    pub kind: TrainingKind,
    /// 培训日期.
    pub held_on: NaiveDate,
    /// 学时 (0.5–200, in steps of 0.5).
    pub hours: f64,
    /// 主办单位.
    pub organizer: Option<String>,
    /// 参加人员 (members in scope; at least one).
    pub participants: Vec<MemberId>,
}

impl TrainingInput {
    /// Check what can be checked without the database; errors name the form field.
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut errs = Vec::new();
        let course = self.course.trim();
        if course.is_empty() {
            errs.push(FieldError::new("course", "required", "请填写培训内容"));
        } else if course.chars().count() > 200 {
            errs.push(FieldError::new("course", "too_long", "培训内容不能超过200个字"));
        }
        if self.held_on > today {
            errs.push(FieldError::new("held_on", "future", "培训日期不能晚于今天"));
        } else if self.held_on < NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN) {
            errs.push(FieldError::new("held_on", "too_early", "培训日期不能早于2000年"));
        }
        if !(0.5..=200.0).contains(&self.hours) || (self.hours * 2.0).fract() != 0.0 {
            errs.push(FieldError::new("hours", "out_of_range", "学时应为0.5至200，以0.5为单位"));
        }
        if self.organizer.as_deref().is_some_and(|s| s.trim().chars().count() > 100) {
            errs.push(FieldError::new("organizer", "too_long", "主办单位不能超过100个字"));
        }
        if self.participants.is_empty() {
            errs.push(FieldError::new("participants", "required", "请选择参加培训的党员"));
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }
}

/// A training record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Training {
    /// Id.
    pub id: i64,
    /// The organization.
    pub org_id: OrgId,
    /// Its name.
    pub org_name: String,
    /// 培训内容.
    pub course: String,
    /// 培训形式.
    pub kind: TrainingKind,
    /// 培训日期.
    pub held_on: NaiveDate,
    /// 学时.
    pub hours: f64,
    /// 主办单位.
    pub organizer: Option<String>,
    /// 参加人员, by pinyin.
    pub participants: Vec<(MemberId, String)>,
    /// Who recorded it.
    pub recorded_by: String,
}

impl Training {
    fn audit_fields(&self) -> serde_json::Value {
        serde_json::json!({
            "org": self.org_name,
            "course": self.course,
            "kind": self.kind.label(),
            "held_on": self.held_on,
            "hours": self.hours,
            "organizer": self.organizer,
            "participants": self.participants.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(),
        })
    }
}

#[derive(Deserialize)]
struct Raw {
    id: i64,
    org_id: i64,
    org_name: String,
    org_path: String,
    course: String,
    kind: String,
    held_on: NaiveDate,
    hours: f64,
    organizer: Option<String>,
    recorded_by: String,
}

const COLUMNS: [&str; 10] =
    ["id", "org_id", "org_name", "org_path", "course", "kind", "held_on", "hours", "organizer", "recorded_by"];

fn select(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns([
            ("t", "id"),
            ("t", "org_id"),
            ("t", "course"),
            ("t", "kind"),
            ("t", "held_on"),
            ("t", "hours"),
            ("t", "organizer"),
            ("t", "recorded_by"),
        ])
        .expr_as(Expr::col(("o", "name")), "org_name")
        .expr_as(Expr::col(("o", "path")), "org_path")
        .from_as("training", "t")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("t", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .take()
}

/// The trainings a select returns with their participants, newest first; each with its
/// organization's path.
async fn fetch<C: ConnectionTrait>(conn: &C, q: &SelectStatement) -> StoreResult<Vec<(Training, String)>> {
    let raw: Vec<Raw> = crate::sql::fetch_json(conn, q, &COLUMNS).await?;
    let ids: Vec<i64> = raw.iter().map(|r| r.id).collect();
    #[derive(Deserialize)]
    struct P {
        training_id: i64,
        member_id: i64,
        name: String,
        name_pinyin: String,
    }
    let mut by_training: HashMap<i64, Vec<P>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .columns([("tp", "training_id"), ("tp", "member_id")])
            .columns([("m", "name"), ("m", "name_pinyin")])
            .from_as("training_participant", "tp")
            .join_as(JoinType::InnerJoin, "member", "m", Expr::col(("m", "id")).equals(("tp", "member_id")))
            .and_where(Expr::col(("tp", "training_id")).is_in(chunk.iter().copied()))
            .take();
        let rows: Vec<P> =
            crate::sql::fetch_json(conn, &q, &["training_id", "member_id", "name", "name_pinyin"]).await?;
        for p in rows {
            by_training.entry(p.training_id).or_default().push(p);
        }
    }
    let mut out = Vec::with_capacity(raw.len());
    for r in raw {
        let mut people = by_training.remove(&r.id).unwrap_or_default();
        people.sort_by(|a, b| a.name_pinyin.cmp(&b.name_pinyin).then(a.member_id.cmp(&b.member_id)));
        let kind =
            TrainingKind::parse(&r.kind).ok_or_else(|| StoreError::Corrupt(format!("training kind {}", r.kind)))?;
        out.push((
            Training {
                id: r.id,
                org_id: OrgId(r.org_id),
                org_name: r.org_name,
                course: r.course,
                kind,
                held_on: r.held_on,
                hours: r.hours,
                organizer: r.organizer,
                participants: people.into_iter().map(|p| (MemberId(p.member_id), p.name)).collect(),
                recorded_by: r.recorded_by,
            },
            r.org_path,
        ));
    }
    out.sort_by(|(a, _), (b, _)| b.held_on.cmp(&a.held_on).then(b.id.cmp(&a.id)));
    Ok(out)
}

async fn load<C: ConnectionTrait>(conn: &C, scope: &Scope, id: i64) -> StoreResult<(Training, OrgPath)> {
    let q = select(scope).and_where(Expr::col(("t", "id")).eq(id)).take();
    let (t, path) = fetch(conn, &q).await?.into_iter().next().ok_or(StoreError::NotFound)?;
    let path = OrgPath::parse(&path).ok_or_else(|| StoreError::Corrupt(format!("org path {path}")))?;
    Ok((t, path))
}

/// Record a training with its participants.
pub async fn create(db: &Db, scope: &Scope, meta: &Meta, input: TrainingInput) -> StoreResult<Training> {
    audit::recording_denial(db, scope, meta, "training", None, async {
        require_write(scope)?;
        input.validate(jiceng_types::date::today_china()).map_err(StoreError::Invalid)?;
        let tx = db.begin_write().await?;
        let org = crate::org::fetch_one(&tx, &crate::org::select_for_write(scope, input.org_id))
            .await?
            .ok_or_else(|| StoreError::invalid("org_id", "org_not_found", "党组织不存在或不在您的管辖范围内"))?;
        if org.status != OrgStatus::Active && org.status_on.is_none_or(|ended| input.held_on > ended) {
            return Err(StoreError::invalid(
                "held_on",
                "org_ended",
                "该党组织已撤销或合并，培训日期晚于其撤销（合并）日期",
            ));
        }
        let mut ids: Vec<i64> = input.participants.iter().map(|m| m.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let found = super::members_in_scope(&tx, scope, &ids).await?;
        if ids.iter().any(|i| !found.contains(i)) {
            return Err(StoreError::invalid(
                "participants",
                "member_not_found",
                "参加人员中有人不在您管辖范围内的党员名册中",
            ));
        }
        let course = input.course.trim();
        let same = Query::select()
            .column("id")
            .from("training")
            .and_where(Expr::col("org_id").eq(org.id.0))
            .and_where(Expr::col("course").eq(course))
            .and_where(Expr::col("held_on").eq(input.held_on))
            .take();
        if tx.query_one(&same).await?.is_some() {
            return Err(StoreError::invalid("course", "duplicate", "该组织当天已登记过同一培训，请勿重复录入"));
        }
        let organizer = input.organizer.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let q = crate::sql::insert_row(
            "training",
            vec![
                ("org_id", org.id.0.into()),
                ("course", course.into()),
                ("kind", input.kind.key().into()),
                ("held_on", input.held_on.into()),
                ("hours", input.hours.into()),
                ("organizer", organizer.into()),
                ("recorded_by", scope.actor().username.clone().into()),
                ("recorded_at", crate::now().into()),
            ],
        )
        .returning_col("id")
        .take();
        let r = tx.query_one(&q).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
        let id: i64 = r.try_get("", "id")?;
        for chunk in ids.chunks(500) {
            let mut q = Query::insert();
            q.into_table("training_participant").columns(["training_id", "member_id"]);
            for m in chunk {
                q.values([id.into(), (*m).into()]).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            }
            tx.execute(&q).await?;
        }
        let (training, _) = load(&tx, scope, id).await?;
        let entry = Entry::new(Action::Create, "training", Some(id.to_string()))
            .in_org(&org.path)
            .changes(audit::diff(&serde_json::json!({}), &training.audit_fields()));
        audit::append(&tx, scope, meta, entry).await?;
        tx.commit().await?;
        Ok(training)
    })
    .await
}

/// Delete a training record entered by mistake.
pub async fn delete(db: &Db, scope: &Scope, meta: &Meta, id: i64, reason: &str) -> StoreResult<()> {
    audit::recording_denial(db, scope, meta, "training", Some(id.to_string()), async {
        require_write(scope)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "required", "请填写删除原因"));
        }
        if reason.chars().count() > 200 {
            return Err(StoreError::invalid("reason", "too_long", "删除原因不能超过200个字"));
        }
        let tx = db.begin_write().await?;
        let (before, path) = load(&tx, scope, id).await?;
        tx.execute(
            &Query::delete().from_table("training_participant").and_where(Expr::col("training_id").eq(id)).take(),
        )
        .await?;
        tx.execute(&Query::delete().from_table("training").and_where(Expr::col("id").eq(id)).take()).await?;
        let mut changes = audit::diff(&before.audit_fields(), &serde_json::json!({}));
        if let Some(m) = changes.as_object_mut() {
            m.insert("reason".into(), serde_json::json!(reason));
        }
        let entry = Entry::new(Action::Delete, "training", Some(id.to_string())).in_org(&path).changes(changes);
        audit::append(&tx, scope, meta, entry).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// One training record in scope.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> StoreResult<Training> {
    require_read(scope)?;
    Ok(load(db.conn(), scope, id).await?.0)
}

/// The condition "in the subtree of `org`" (which must be in scope), or everything in scope.
async fn subtree(db: &Db, scope: &Scope, org: Option<OrgId>) -> StoreResult<Condition> {
    let Some(org) = org else { return Ok(Condition::all()) };
    let o = crate::org::fetch_one(db.conn(), &crate::org::select_for_write(scope, org))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Condition::all()
        .add(Expr::col(("o", "path")).gte(o.path.as_str()))
        .add(Expr::col(("o", "path")).lt(o.path.upper_bound())))
}

fn year_range(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?))
}

/// Training records in scope, newest first: of `org_id` and the organizations below it when
/// given, held in `year` when given.
pub async fn list(db: &Db, scope: &Scope, org_id: Option<OrgId>, year: Option<i32>) -> StoreResult<Vec<Training>> {
    require_read(scope)?;
    let mut q = select(scope).cond_where(subtree(db, scope, org_id).await?).take();
    if let Some(y) = year {
        let Some((from, to)) = year_range(y) else { return Ok(Vec::new()) };
        q.and_where(Expr::col(("t", "held_on")).between(from, to));
    }
    Ok(fetch(db.conn(), &q).await?.into_iter().map(|(t, _)| t).collect())
}

/// One member's training in a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberHours {
    /// The member.
    pub member_id: MemberId,
    /// Name.
    pub name: String,
    /// The member's organization.
    pub org_id: OrgId,
    /// Its name.
    pub org_name: String,
    /// 学时 in the year.
    pub hours: f64,
    /// How many 集中培训 the member attended.
    pub centralized: u32,
    /// A member of a Party committee (书记, 副书记, 委员) in office at the year's end (or today,
    /// for the current year): held to the higher minimum.
    pub leader: bool,
}

/// Every active member in scope (of `org_id`'s subtree when given) with their hours in `year`,
/// those without any included; by organization, then by pinyin.
pub async fn member_hours(db: &Db, scope: &Scope, org_id: Option<OrgId>, year: i32) -> StoreResult<Vec<MemberHours>> {
    require_read(scope)?;
    let within = subtree(db, scope, org_id).await?;
    let Some((from, to)) = year_range(year) else { return Ok(Vec::new()) };
    let on = std::cmp::min(to, jiceng_types::date::today_china());
    let members_of = |q: &mut SelectStatement| {
        q.join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
            .cond_where(path_in_scope(scope, ("o", "path")))
            .cond_where(within.clone())
            .and_where(Expr::col(("m", "status")).eq("active"));
    };

    #[derive(Deserialize)]
    struct M {
        id: i64,
        name: String,
        name_pinyin: String,
        org_id: i64,
        org_name: String,
        org_path: String,
    }
    let mut q = Query::select()
        .columns([("m", "id"), ("m", "name"), ("m", "name_pinyin"), ("m", "org_id")])
        .expr_as(Expr::col(("o", "name")), "org_name")
        .expr_as(Expr::col(("o", "path")), "org_path")
        .from_as("member", "m")
        .take();
    members_of(&mut q);
    let mut members: Vec<M> =
        crate::sql::fetch_json(db.conn(), &q, &["id", "name", "name_pinyin", "org_id", "org_name", "org_path"]).await?;

    #[derive(Deserialize)]
    struct H {
        member_id: i64,
        hours: f64,
        centralized: i64,
    }
    let mut q = Query::select()
        .column(("tp", "member_id"))
        .expr_as(Expr::col(("t", "hours")).sum(), "hours")
        .expr_as(count_where(Expr::col(("t", "kind")).eq(TrainingKind::Centralized.key())), "centralized")
        .from_as("training_participant", "tp")
        .join_as(JoinType::InnerJoin, "training", "t", Expr::col(("t", "id")).equals(("tp", "training_id")))
        .join_as(JoinType::InnerJoin, "member", "m", Expr::col(("m", "id")).equals(("tp", "member_id")))
        .and_where(Expr::col(("t", "held_on")).between(from, to))
        .group_by_col(("tp", "member_id"))
        .take();
    members_of(&mut q);
    let hours: Vec<H> = crate::sql::fetch_json(db.conn(), &q, &["member_id", "hours", "centralized"]).await?;
    let hours: HashMap<i64, H> = hours.into_iter().map(|h| (h.member_id, h)).collect();

    let mut q = Query::select()
        .distinct()
        .expr_as(Expr::col(("ot", "member_id")), "id")
        .from_as("org_team", "ot")
        .join_as(JoinType::InnerJoin, "member", "m", Expr::col(("m", "id")).equals(("ot", "member_id")))
        .and_where(Expr::col(("ot", "committee")).eq("party"))
        .and_where(Expr::col(("ot", "started_on")).lte(on))
        .cond_where(
            Condition::any().add(Expr::col(("ot", "ended_on")).is_null()).add(Expr::col(("ot", "ended_on")).gte(on)),
        )
        .take();
    members_of(&mut q);
    #[derive(Deserialize)]
    struct L {
        id: i64,
    }
    let leaders: Vec<L> = crate::sql::fetch_json(db.conn(), &q, &["id"]).await?;
    let leaders: HashSet<i64> = leaders.into_iter().map(|l| l.id).collect();

    members.sort_by(|a, b| a.org_path.cmp(&b.org_path).then(a.name_pinyin.cmp(&b.name_pinyin)).then(a.id.cmp(&b.id)));
    Ok(members
        .into_iter()
        .map(|m| {
            let h = hours.get(&m.id);
            MemberHours {
                member_id: MemberId(m.id),
                hours: h.map(|h| h.hours).unwrap_or(0.0),
                centralized: h.map(|h| u32::try_from(h.centralized).unwrap_or(0)).unwrap_or(0),
                leader: leaders.contains(&m.id),
                name: m.name,
                org_id: OrgId(m.org_id),
                org_name: m.org_name,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TrainingInput {
        TrainingInput {
            org_id: OrgId(1),
            course: "学习党的二十届三中全会精神".into(),
            kind: TrainingKind::Centralized,
            held_on: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or(NaiveDate::MIN),
            hours: 4.5,
            organizer: None,
            participants: vec![MemberId(1)],
        }
    }

    #[test]
    fn hours_come_in_half_steps() {
        let today = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or(NaiveDate::MIN);
        assert!(sample().validate(today).is_ok());
        for bad in [0.0, 0.25, 4.3, 200.5, -1.0, f64::NAN] {
            let t = TrainingInput { hours: bad, ..sample() };
            assert!(t.validate(today).is_err(), "{bad}");
        }
        assert!(TrainingInput { hours: 200.0, ..sample() }.validate(today).is_ok());
        let none = TrainingInput { participants: vec![], course: " ".into(), ..sample() };
        let fields: Vec<String> = none.validate(today).err().unwrap_or_default().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["course", "participants"]);
    }

    #[test]
    fn kinds_parse_by_key_or_label() {
        for k in TrainingKind::ALL {
            assert_eq!(TrainingKind::parse(k.key()), Some(*k));
            assert_eq!(TrainingKind::parse(k.label()), Some(*k));
        }
        assert_eq!(TrainingKind::parse("面授"), None);
    }
}
