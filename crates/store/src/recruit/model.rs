//! A person in the pipeline and their steps as stored and shown, and the scoped reads of one
//! person.

use chrono::{DateTime, NaiveDate, Utc};
use jiceng_rules::recruit::{self as rules, Due, Event, Facts, Stage, Step, Violation};
use jiceng_types::person::{Education, Gender, MemberCategory, MemberStatus};
use jiceng_types::{MemberId, OrgId, OrgPath, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};

use super::require_read;
use crate::error::{StoreError, StoreResult};
use crate::scope_sql::path_in_scope;
use crate::{Db, Meta};

/// Where a person stands in the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    /// Applicant, activist or candidate, not yet admitted (发展中).
    InProgress,
    /// Admitted as a probationary member (预备党员), in the registry.
    Probationary,
    /// Regularized (正式党员).
    Full,
    /// The probationary membership was cancelled (取消预备党员资格).
    Cancelled,
    /// Left the pipeline before admission (退出发展程序).
    Withdrawn,
}

impl PersonStatus {
    /// Every status, in display order.
    pub const ALL: &'static [PersonStatus] = &[
        PersonStatus::InProgress,
        PersonStatus::Probationary,
        PersonStatus::Full,
        PersonStatus::Cancelled,
        PersonStatus::Withdrawn,
    ];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            PersonStatus::InProgress => "in_progress",
            PersonStatus::Probationary => "probationary",
            PersonStatus::Full => "full",
            PersonStatus::Cancelled => "cancelled",
            PersonStatus::Withdrawn => "withdrawn",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            PersonStatus::InProgress => "发展中",
            PersonStatus::Probationary => "预备党员",
            PersonStatus::Full => "已转正",
            PersonStatus::Cancelled => "已取消预备党员资格",
            PersonStatus::Withdrawn => "已退出发展程序",
        }
    }

    /// Parse a stored key.
    pub fn parse(s: &str) -> Option<PersonStatus> {
        PersonStatus::ALL.iter().copied().find(|p| p.key() == s)
    }

    /// Whether the person is still being developed (steps may be recorded).
    pub fn is_open(self) -> bool {
        matches!(self, PersonStatus::InProgress | PersonStatus::Probationary | PersonStatus::Full)
    }
}

/// A person in the pipeline, as every page sees them (ID-card and phone numbers masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Id.
    pub id: i64,
    /// The branch responsible.
    pub org_id: OrgId,
    /// Its code.
    pub org_code: String,
    /// Its name.
    pub org_name: String,
    /// Its path (for scope checks and audit records).
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
    /// 工作岗位.
    pub work_post: Option<String>,
    /// 公民身份号码, masked (`520102********1234`).
    pub id_card_masked: String,
    /// 手机号码, masked.
    pub phone_masked: Option<String>,
    /// The day the 入党申请书 was received.
    pub applied_on: NaiveDate,
    /// The furthest stage a recorded step belongs to.
    pub stage: Stage,
    /// Where the person stands.
    pub status: PersonStatus,
    /// The member record created on admission.
    pub member_id: Option<MemberId>,
    /// Registered.
    pub created_at: DateTime<Utc>,
    /// Registered by (user name).
    pub created_by: String,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Person {
    /// The fields kept in audit records (masked numbers).
    pub(crate) fn audit_fields(&self) -> serde_json::Value {
        serde_json::json!({
            "org_id": self.org_id,
            "name": self.name,
            "gender": self.gender.key(),
            "ethnicity": self.ethnicity,
            "birth_date": self.birth_date,
            "education": self.education.key(),
            "work_post": self.work_post,
            "id_card": self.id_card_masked,
            "phone": self.phone_masked,
            "applied_on": self.applied_on,
            "stage": self.stage.key(),
            "status": self.status.key(),
            "member_id": self.member_id,
        })
    }
}

/// One recorded step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepRecord {
    /// Id.
    pub id: i64,
    /// Which step.
    pub step: Step,
    /// The day it was taken.
    pub held_on: NaiveDate,
    /// Its facts.
    pub facts: Facts,
    /// Who took it.
    pub actor: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// Why it was recorded although it broke a rule (the county allowed an override).
    pub override_reason: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it (user name).
    pub recorded_by: String,
}

impl StepRecord {
    /// The event the rules see.
    pub fn event(&self) -> Event {
        Event::new(self.held_on, self.facts.clone())
    }

    /// The order of a history: by date, then step number, then the order of recording.
    pub(crate) fn order_key(&self) -> (NaiveDate, u8, i64) {
        (self.held_on, self.step.number(), self.id)
    }

    /// The fields kept in audit records.
    pub(crate) fn audit_fields(&self, person_id: i64) -> serde_json::Value {
        serde_json::json!({
            "person_id": person_id,
            "step": self.step.key(),
            "held_on": self.held_on,
            "facts": self.facts,
            "actor": self.actor,
            "note": self.note,
            "override_reason": self.override_reason,
        })
    }
}

/// The member record a person became, as the person's page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberLink {
    /// The member's id.
    pub id: MemberId,
    /// 正式 or 预备.
    pub category: MemberCategory,
    /// 党籍状态.
    pub status: MemberStatus,
    /// 入党日期.
    pub admitted_on: NaiveDate,
    /// 转正日期.
    pub regularized_on: Option<NaiveDate>,
    /// 延长预备期至.
    pub probation_extended_until: Option<NaiveDate>,
}

/// A person with everything their page shows.
#[derive(Debug, Clone, Serialize)]
pub struct PersonDetail {
    /// The person.
    pub person: Person,
    /// The steps, in the order of the history (date, then step number).
    pub steps: Vec<StepRecord>,
    /// Every violation of the rules in the history (`jiceng_rules::recruit::audit`).
    pub violations: Vec<Violation>,
    /// The next step and its window, `None` when the process is over.
    pub next_due: Option<Due>,
    /// The member record, once admitted (`None` also when it is outside the caller's scope).
    pub member: Option<MemberLink>,
    /// The day the deadlines were judged against.
    pub today: NaiveDate,
}

#[derive(Debug, FromQueryResult, Deserialize)]
pub(crate) struct PersonRow {
    pub(crate) id: i64,
    org_id: i64,
    org_code: String,
    org_name: String,
    org_path: String,
    name: String,
    gender: String,
    ethnicity: String,
    birth_date: NaiveDate,
    education: String,
    work_post: Option<String>,
    id_card_masked: String,
    phone_masked: Option<String>,
    applied_on: NaiveDate,
    stage: String,
    status: String,
    member_id: Option<i64>,
    created_at: DateTime<Utc>,
    created_by: String,
    updated_at: DateTime<Utc>,
}

impl TryFrom<PersonRow> for Person {
    type Error = StoreError;
    fn try_from(r: PersonRow) -> StoreResult<Person> {
        let bad = |what: &str, v: &str| StoreError::Corrupt(format!("recruit_person {}: bad {what} {v:?}", r.id));
        Ok(Person {
            id: r.id,
            org_id: OrgId(r.org_id),
            org_path: OrgPath::parse(&r.org_path).ok_or_else(|| bad("org path", &r.org_path))?,
            gender: Gender::parse(&r.gender).ok_or_else(|| bad("gender", &r.gender))?,
            education: Education::parse(&r.education).ok_or_else(|| bad("education", &r.education))?,
            stage: Stage::parse(&r.stage).ok_or_else(|| bad("stage", &r.stage))?,
            status: PersonStatus::parse(&r.status).ok_or_else(|| bad("status", &r.status))?,
            org_code: r.org_code,
            org_name: r.org_name,
            name: r.name,
            ethnicity: r.ethnicity,
            birth_date: r.birth_date,
            work_post: r.work_post,
            id_card_masked: r.id_card_masked,
            phone_masked: r.phone_masked,
            applied_on: r.applied_on,
            member_id: r.member_id.map(MemberId),
            created_at: r.created_at,
            created_by: r.created_by,
            updated_at: r.updated_at,
        })
    }
}

/// The person columns (read from `recruit_person` as `p`).
const PERSON_COLUMNS: [&str; 17] = [
    "id",
    "org_id",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "work_post",
    "id_card_masked",
    "phone_masked",
    "applied_on",
    "stage",
    "status",
    "member_id",
    "created_at",
    "created_by",
    "updated_at",
];

/// Every column of a [`PersonRow`], as named in the select.
pub(crate) const ROW_COLUMNS: [&str; 20] = [
    "id",
    "org_id",
    "org_code",
    "org_name",
    "org_path",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "work_post",
    "id_card_masked",
    "phone_masked",
    "applied_on",
    "stage",
    "status",
    "member_id",
    "created_at",
    "created_by",
    "updated_at",
];

/// `SELECT` persons with their organization, limited to the scope (by the organization's path).
pub(crate) fn select_in_scope(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns(PERSON_COLUMNS.map(|c| ("p", c)))
        .expr_as(Expr::col(("o", "code")), "org_code")
        .expr_as(Expr::col(("o", "name")), "org_name")
        .expr_as(Expr::col(("o", "path")), "org_path")
        .from_as("recruit_person", "p")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("p", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .take()
}

/// One person in scope, or `None`.
pub(crate) async fn fetch_person<C: ConnectionTrait>(conn: &C, scope: &Scope, id: i64) -> StoreResult<Option<Person>> {
    let q = select_in_scope(scope).and_where(Expr::col(("p", "id")).eq(id)).take();
    match conn.query_one(&q).await? {
        Some(r) => Ok(Some(Person::try_from(PersonRow::from_query_result(&r, "")?)?)),
        None => Ok(None),
    }
}

#[derive(Debug, FromQueryResult, Deserialize)]
pub(crate) struct StepRow {
    pub(crate) person_id: i64,
    id: i64,
    step: String,
    held_on: NaiveDate,
    facts: String,
    actor: Option<String>,
    note: Option<String>,
    override_reason: Option<String>,
    recorded_at: DateTime<Utc>,
    recorded_by: String,
}

/// Every column of a [`StepRow`].
pub(crate) const STEP_COLUMNS: [&str; 10] =
    ["person_id", "id", "step", "held_on", "facts", "actor", "note", "override_reason", "recorded_at", "recorded_by"];

impl TryFrom<StepRow> for StepRecord {
    type Error = StoreError;
    fn try_from(r: StepRow) -> StoreResult<StepRecord> {
        let bad = |what: &str| StoreError::Corrupt(format!("recruit_step {}: bad {what}", r.id));
        let step = Step::parse(&r.step).ok_or_else(|| bad("step"))?;
        let facts: Facts = serde_json::from_str(&r.facts).map_err(|_| bad("facts"))?;
        if facts.step() != step {
            return Err(bad("facts (another step)"));
        }
        Ok(StepRecord {
            id: r.id,
            step,
            held_on: r.held_on,
            facts,
            actor: r.actor,
            note: r.note,
            override_reason: r.override_reason,
            recorded_at: r.recorded_at,
            recorded_by: r.recorded_by,
        })
    }
}

/// The steps of one person, in the order of the history.
pub(crate) async fn fetch_steps<C: ConnectionTrait>(conn: &C, person_id: i64) -> StoreResult<Vec<StepRecord>> {
    let q = Query::select()
        .columns(STEP_COLUMNS)
        .from("recruit_step")
        .and_where(Expr::col("person_id").eq(person_id))
        .order_by("held_on", Order::Asc)
        .order_by("id", Order::Asc)
        .take();
    let mut steps = Vec::new();
    for r in conn.query_all(&q).await? {
        steps.push(StepRecord::try_from(StepRow::from_query_result(&r, "")?)?);
    }
    steps.sort_by_key(StepRecord::order_key);
    Ok(steps)
}

/// What the rules need of a person and their steps.
pub(crate) fn rules_person(birth_date: NaiveDate, applied_on: NaiveDate, steps: &[StepRecord]) -> rules::Person {
    rules::Person { birth_date, applied_on, events: steps.iter().map(StepRecord::event).collect() }
}

/// The furthest stage of the recorded steps.
pub(crate) fn stage_of(steps: &[StepRecord]) -> Stage {
    steps.iter().map(|s| s.step.stage()).max().unwrap_or(Stage::Application)
}

/// The member a person became, if it is in scope.
async fn member_link<C: ConnectionTrait>(conn: &C, scope: &Scope, id: MemberId) -> StoreResult<Option<MemberLink>> {
    #[derive(FromQueryResult)]
    struct Row {
        category: String,
        status: String,
        admitted_on: NaiveDate,
        regularized_on: Option<NaiveDate>,
        probation_extended_until: Option<NaiveDate>,
    }
    let q = Query::select()
        .columns(["category", "status", "admitted_on", "regularized_on", "probation_extended_until"].map(|c| ("m", c)))
        .from_as("member", "m")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .and_where(Expr::col(("m", "id")).eq(id.0))
        .take();
    let Some(r) = conn.query_one(&q).await? else { return Ok(None) };
    let r = Row::from_query_result(&r, "")?;
    let bad = |v: &str| StoreError::Corrupt(format!("member {id}: bad {v:?}"));
    Ok(Some(MemberLink {
        id,
        category: MemberCategory::parse(&r.category).ok_or_else(|| bad(&r.category))?,
        status: MemberStatus::parse(&r.status).ok_or_else(|| bad(&r.status))?,
        admitted_on: r.admitted_on,
        regularized_on: r.regularized_on,
        probation_extended_until: r.probation_extended_until,
    }))
}

/// A person with their steps, the violations in their history and what is due, judged with the
/// scope's county parameters on `today`.
pub(crate) async fn detail<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    person: Person,
    params: &rules::Params,
    today: NaiveDate,
) -> StoreResult<PersonDetail> {
    let steps = fetch_steps(conn, person.id).await?;
    let record = rules_person(person.birth_date, person.applied_on, &steps);
    let (violations, next_due) = judge(person.status, &record, &steps, params, today);
    let member = match person.member_id {
        Some(m) => member_link(conn, scope, m).await?,
        None => None,
    };
    Ok(PersonDetail { person, steps, violations, next_due, member, today })
}

/// The violations in a history and the next step. A person who left the pipeline has no
/// deadlines any more: their history is judged as it stood on the day of their last step.
pub(crate) fn judge(
    status: PersonStatus,
    record: &rules::Person,
    steps: &[StepRecord],
    params: &rules::Params,
    today: NaiveDate,
) -> (Vec<Violation>, Option<Due>) {
    if status == PersonStatus::Withdrawn {
        let last = steps.iter().map(|s| s.held_on).max().unwrap_or(record.applied_on);
        (rules::audit(record, params, Ord::min(last, today)), None)
    } else {
        (rules::audit(record, params, today), rules::next_due(record, params, today))
    }
}

/// A person in scope (as [`get`] gives them) with their unmasked ID-card number or phone (for the
/// 政审 letters and the files that need it; `None` when none is recorded). Needs the reveal
/// right; every reveal is recorded in the audit trail, and a refusal too.
pub async fn reveal(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    id: i64,
    which: crate::member::Sensitive,
) -> StoreResult<(PersonDetail, Option<String>)> {
    require_read(scope)?;
    if !scope.can(jiceng_types::Right::RevealSensitive) {
        crate::audit::record_denied(db, scope, meta, "recruit_person", Some(id.to_string()), "no_reveal_right").await?;
        return Err(StoreError::forbidden("no_reveal_right", "您没有查看完整证件号码和电话的权限"));
    }
    let detail = get(db, scope, meta, id).await?;
    let Some(plain) = crate::member::unseal(db, "recruit_person", id, which).await? else { return Ok((detail, None)) };
    let entry = crate::audit::Entry::new(crate::audit::Action::Reveal, "recruit_person", Some(id.to_string()))
        .in_org(&detail.person.org_path)
        .changes(serde_json::json!({ "field": which.field() }));
    crate::audit::record(db, scope, meta, entry).await?;
    Ok((detail, Some(plain)))
}

/// One person in scope with their steps, the violations in their history and what is due.
/// Outside the scope (or nonexistent): `NotFound`; an attempt on an existing person outside the
/// scope is recorded in the audit trail.
pub async fn get(db: &Db, scope: &Scope, meta: &Meta, id: i64) -> StoreResult<PersonDetail> {
    require_read(scope)?;
    let Some(person) = fetch_person(db.conn(), scope, id).await? else {
        let exists = Query::select().expr(Expr::val(1)).from("recruit_person").and_where(Expr::col("id").eq(id)).take();
        if db.conn().query_one(&exists).await?.is_some() {
            crate::audit::record_denied(db, scope, meta, "recruit_person", Some(id.to_string()), "out_of_scope")
                .await?;
        }
        return Err(StoreError::NotFound);
    };
    let params = super::params::params(db, scope).await?;
    detail(db.conn(), scope, person, &params, jiceng_types::date::today_china()).await
}
