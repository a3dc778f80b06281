//! The member-development pipeline (发展党员) of a generated county, loaded in the transaction of
//! the rest of the county.
//!
//! Rows are stored exactly as `store::recruit` stores a person registered and steps recorded by
//! hand, so every page, the pipeline and the registry effects read them alike: the ID-card and
//! phone numbers encrypted, blind-indexed and masked with the same keys and the same masks, the
//! `facts` column the serde JSON of `jiceng_rules::recruit::Facts`, the stage the furthest stage
//! of the recorded steps, the step-1 event (递交入党申请书) recorded on the day of the application.
//! A person admitted or regularized names the member record it became by its index in the member
//! list (the member rows were inserted in list order, so its id follows).
//!
//! Nothing here judges the steps by the rules: the generator does (the deliberate rule breaks are
//! the point of the demo). What is checked is what would make the rows lie: a person without its
//! application step, a status that disagrees with the member link, a number that does not parse,
//! a step of a person not in the seed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use jiceng_rules::recruit::{Facts, Stage, Step};
use jiceng_types::idcard::IdCardNo;
use jiceng_types::person::{Education, Gender, parse_ethnicity};
use jiceng_types::phone::Phone;
use sea_orm::DatabaseTransaction;
use sea_orm::sea_query::Query;

use super::{IMPORTED_BY, MemberSeed, OrgSeed, first_member_id};
use crate::bulk::{Bulk, Ty};
use crate::error::{StoreError, StoreResult};
use crate::recruit::PersonStatus;
use crate::sql::fetch_json;

/// A person of the pipeline to load (入党申请人 … 正式党员).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecruitPersonSeed {
    /// Pre-assigned id (unique, positive).
    pub id: i64,
    /// The branch responsible (an [`super::OrgSeed::id`]).
    pub org_id: i64,
    /// The member record the person became (an index into the members list): set exactly when the
    /// admission is approved (预备党员, 正式党员, or cancelled).
    pub member: Option<usize>,
    /// 姓名 (a linked member's: the same as the record).
    pub name: String,
    /// 性别.
    pub gender: Gender,
    /// 民族 (official name).
    pub ethnicity: String,
    /// 出生日期.
    pub birth_date: NaiveDate,
    /// 学历.
    pub education: Education,
    /// 工作岗位.
    pub work_post: Option<String>,
    /// 公民身份号码 (stored encrypted, blind-indexed and masked).
    pub id_card: String,
    /// 手机号码 (stored the same way).
    pub phone: Option<String>,
    /// The day the 入党申请书 was received (the date of the step-1 event).
    pub applied_on: NaiveDate,
    /// Where the person stands.
    pub status: PersonStatus,
    /// The account that registered the person (a [`super::UserSeed::username`]); `None` = imported.
    pub created_by: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A recorded step to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecruitStepSeed {
    /// Pre-assigned id (unique, positive).
    pub id: i64,
    /// The person (a [`RecruitPersonSeed::id`]).
    pub person_id: i64,
    /// The day the step was taken.
    pub held_on: NaiveDate,
    /// The step and its facts.
    pub facts: Facts,
    /// Who took it.
    pub actor: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// The account that recorded it (a [`super::UserSeed::username`]); `None` = imported.
    pub recorded_by: Option<String>,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// A county's member-development pipeline, loaded with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecruitSeed {
    /// The persons.
    pub persons: Vec<RecruitPersonSeed>,
    /// Their steps (any order).
    pub steps: Vec<RecruitStepSeed>,
}

const PERSON_COLUMNS: &[(&str, Ty)] = &[
    ("id", Ty::Int),
    ("org_id", Ty::Int),
    ("name", Ty::Text),
    ("gender", Ty::Text),
    ("ethnicity", Ty::Text),
    ("birth_date", Ty::Date),
    ("education", Ty::Text),
    ("work_post", Ty::Text),
    ("id_card_enc", Ty::Bytes),
    ("id_card_idx", Ty::Text),
    ("id_card_masked", Ty::Text),
    ("phone_enc", Ty::Bytes),
    ("phone_idx", Ty::Text),
    ("phone_masked", Ty::Text),
    ("applied_on", Ty::Date),
    ("stage", Ty::Text),
    ("status", Ty::Text),
    ("member_id", Ty::Int),
    ("created_at", Ty::Time),
    ("created_by", Ty::Text),
    ("updated_at", Ty::Time),
];

const STEP_COLUMNS: &[(&str, Ty)] = &[
    ("id", Ty::Int),
    ("person_id", Ty::Int),
    ("step", Ty::Text),
    ("held_on", Ty::Date),
    ("facts", Ty::Text),
    ("actor", Ty::Text),
    ("note", Ty::Text),
    ("override_reason", Ty::Text),
    ("recorded_at", Ty::Time),
    ("recorded_by_user", Ty::Int),
    ("recorded_by", Ty::Text),
];

/// Rows per JSON value.
const CHUNK: usize = 5000;

/// A field error about the seed: `recruit.persons[3].id_card`.
fn bad(field: String, message: String) -> StoreError {
    StoreError::invalid(&field, "invalid_seed", message)
}

/// What a person's steps establish, and whether they agree with the person.
struct Summary {
    stage: Stage,
    updated_at: DateTime<Utc>,
}

/// Check the seed's persons and steps against each other; the stage and last change of each
/// person (by index).
fn summarize(seed: &RecruitSeed, orgs: &[OrgSeed], members: &[MemberSeed]) -> StoreResult<Vec<Summary>> {
    let org_ids: HashSet<i64> = orgs.iter().map(|o| o.id).collect();
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(seed.persons.len());
    for (i, p) in seed.persons.iter().enumerate() {
        let at = |f: &str| format!("recruit.persons[{i}].{f}");
        if p.id <= 0 || index.insert(p.id, i).is_some() {
            return Err(bad(at("id"), format!("发展对象编号{}重复或不是正数", p.id)));
        }
        if !org_ids.contains(&p.org_id) {
            return Err(bad(at("org_id"), format!("所属党组织{}不在载入数据中", p.org_id)));
        }
        match (p.member, p.status) {
            (Some(m), PersonStatus::Probationary | PersonStatus::Full | PersonStatus::Cancelled) => {
                let Some(member) = members.get(m) else {
                    return Err(bad(at("member"), format!("关联的党员序号{m}超出载入的党员人数{}", members.len())));
                };
                if member.name != p.name {
                    return Err(bad(
                        at("member"),
                        format!("关联的党员“{}”与发展对象“{}”姓名不一致", member.name, p.name),
                    ));
                }
            }
            (None, PersonStatus::InProgress | PersonStatus::Withdrawn) => {}
            (_, status) => {
                return Err(bad(
                    at("member"),
                    format!(
                        "状态为“{}”的人员{}关联党员信息",
                        status.label(),
                        if p.member.is_some() { "不应" } else { "应" }
                    ),
                ));
            }
        }
    }
    let mut out: Vec<Summary> =
        seed.persons.iter().map(|p| Summary { stage: Stage::Application, updated_at: p.created_at }).collect();
    let mut applied: Vec<bool> = vec![false; seed.persons.len()];
    let mut ids: HashSet<i64> = HashSet::with_capacity(seed.steps.len());
    for (k, s) in seed.steps.iter().enumerate() {
        let at = |f: &str| format!("recruit.steps[{k}].{f}");
        if s.id <= 0 || !ids.insert(s.id) {
            return Err(bad(at("id"), format!("发展步骤编号{}重复或不是正数", s.id)));
        }
        let Some(&i) = index.get(&s.person_id) else {
            return Err(bad(at("person_id"), format!("发展步骤所属的人员{}不在载入数据中", s.person_id)));
        };
        let step = s.facts.step();
        if step == Step::Application {
            if s.held_on != seed.persons[i].applied_on || applied[i] {
                return Err(bad(
                    at("held_on"),
                    format!("递交入党申请书只能记录一次，日期应为申请日期{}", seed.persons[i].applied_on),
                ));
            }
            applied[i] = true;
        }
        let sum = &mut out[i];
        sum.stage = sum.stage.max(step.stage());
        sum.updated_at = sum.updated_at.max(s.recorded_at);
    }
    if let Some(i) = applied.iter().position(|a| !a) {
        return Err(bad(format!("recruit.persons[{i}].applied_on"), "缺少第1步“递交入党申请书”的记录".to_string()));
    }
    Ok(out)
}

/// Insert the pipeline: persons (numbers sealed as `store::recruit::create` seals them), then
/// steps. The members and the accounts are in already.
pub(super) async fn insert(
    tx: &DatabaseTransaction,
    db: &crate::Db,
    seed: &RecruitSeed,
    orgs: &[OrgSeed],
    members: &[MemberSeed],
) -> StoreResult<()> {
    if seed.persons.is_empty() && seed.steps.is_empty() {
        return Ok(());
    }
    let summaries = summarize(seed, orgs, members)?;
    let first = first_member_id(tx, members).await?;
    let keys = db.field_keys()?;
    let user_ids: HashMap<String, i64> = {
        #[derive(serde::Deserialize)]
        struct Account {
            id: i64,
            username: String,
        }
        let q = Query::select().columns(["id", "username"]).from("app_user").take();
        let rows: Vec<Account> = fetch_json(tx, &q, &["id", "username"]).await?;
        rows.into_iter().map(|a| (a.username, a.id)).collect()
    };

    let mut rows = Bulk::new(tx, "recruit_person", PERSON_COLUMNS);
    for (i, (p, sum)) in seed.persons.iter().zip(&summaries).enumerate() {
        let at = |f: &str| format!("recruit.persons[{i}].{f}");
        let id_card = IdCardNo::parse_allow_legacy(&p.id_card).map_err(|e| bad(at("id_card"), e.message))?;
        let phone = p.phone.as_deref().map(Phone::parse).transpose().map_err(|e| bad(at("phone"), e.message))?;
        let ethnicity = parse_ethnicity(&p.ethnicity)
            .ok_or_else(|| bad(at("ethnicity"), format!("“{}”不是规范的民族名称", p.ethnicity)))?;
        let id_enc = keys.encrypt(id_card.as_str());
        let phone_enc = phone.as_ref().map(|v| keys.encrypt(v.as_str()));
        let member_id = p.member.map(|m| first + m as i64);
        rows.push(&[
            p.id.into(),
            p.org_id.into(),
            p.name.as_str().into(),
            p.gender.key().into(),
            ethnicity.into(),
            p.birth_date.into(),
            p.education.key().into(),
            p.work_post.as_deref().into(),
            id_enc.as_slice().into(),
            keys.blind_index(id_card.as_str()).as_str().into(),
            id_card.masked().as_str().into(),
            phone_enc.as_deref().into(),
            phone.as_ref().map(|v| keys.blind_index(v.as_str())).as_deref().into(),
            phone.as_ref().map(Phone::masked).as_deref().into(),
            p.applied_on.into(),
            sum.stage.key().into(),
            p.status.key().into(),
            member_id.into(),
            p.created_at.into(),
            p.created_by.as_deref().unwrap_or(IMPORTED_BY).into(),
            sum.updated_at.into(),
        ])?;
        if rows.pending() >= CHUNK {
            rows.flush(tx).await?;
        }
    }
    rows.flush(tx).await?;

    let mut rows = Bulk::new(tx, "recruit_step", STEP_COLUMNS);
    for s in &seed.steps {
        // As `record_step` writes it.
        let facts = serde_json::to_string(&s.facts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let user = s.recorded_by.as_ref().and_then(|u| user_ids.get(u).copied());
        rows.push(&[
            s.id.into(),
            s.person_id.into(),
            s.facts.step().key().into(),
            s.held_on.into(),
            facts.as_str().into(),
            s.actor.as_deref().into(),
            s.note.as_deref().into(),
            None::<&str>.into(),
            s.recorded_at.into(),
            user.into(),
            s.recorded_by.as_deref().unwrap_or(IMPORTED_BY).into(),
        ])?;
        if rows.pending() >= CHUNK {
            rows.flush(tx).await?;
        }
    }
    rows.flush(tx).await?;
    Ok(())
}
