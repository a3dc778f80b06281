//! Bulk loading of a generated county (the demo, tests and benchmarks) into an empty database.
//!
//! Rows arrive with their organization ids already assigned (parents before children), so the
//! whole tree, its members and the demo accounts are written in one transaction with multi-row
//! inserts, and recorded in the audit trail as one 载入演示数据 entry.
//!
//! A county's organizational life (Party groups, the 第一议题 register, meetings with their
//! attendance, agenda, studies, votes and rectification lists, appraisal grades, training records)
//! comes in the same transaction ([`LifeSeed`]): ids assigned up front, members named by their
//! index in the member list, the recorders by their account names, each table written through one
//! JSON value per 5,000 rows. Minutes get the same similarity fingerprint as records entered by
//! hand.
//!
//! The county's member-development pipeline (发展党员: persons and their recorded steps,
//! [`RecruitSeed`]) comes in the same transaction too, stored exactly as `store::recruit` stores
//! what is entered by hand (see `recruit`).

mod recruit;

pub use recruit::{RecruitPersonSeed, RecruitSeed, RecruitStepSeed};

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use jiceng_types::person::{Education, Gender, MemberCategory, MemberStatus};
use jiceng_types::{
    AppraisalGrade, MeetingKind, OrgDomain, OrgKind, OrgPath, OrgStatus, PinyinKey, Role, Scope, StudyLevel,
};
use sea_orm::sea_query::{Expr, ExprTrait, Index, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend};

use crate::audit::{self, Action, Entry};
use crate::bulk::{Bulk, Ty};
use crate::error::{StoreError, StoreResult};
use crate::meeting::training::TrainingKind;
use crate::meeting::{Source, VoteInput};
use crate::{Db, Meta};

/// An organization to load.
#[derive(Debug, Clone)]
pub struct OrgSeed {
    /// Pre-assigned id (unique, positive).
    pub id: i64,
    /// Parent id (must come earlier in the list), `None` for a root.
    pub parent_id: Option<i64>,
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// Domain.
    pub domain: OrgDomain,
    /// 成立日期.
    pub established_on: Option<NaiveDate>,
    /// 本届任期开始.
    pub term_start: Option<NaiveDate>,
    /// 本届届满.
    pub term_end: Option<NaiveDate>,
    /// Status.
    pub status: OrgStatus,
    /// When the status was set.
    pub status_on: Option<NaiveDate>,
}

/// A member to load.
#[derive(Debug, Clone)]
pub struct MemberSeed {
    /// The organization (an [`OrgSeed::id`]).
    pub org_id: i64,
    /// Name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Ethnic group (official name).
    pub ethnicity: &'static str,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Education.
    pub education: Education,
    /// Full or probationary.
    pub category: MemberCategory,
    /// 入党日期.
    pub admitted_on: NaiveDate,
    /// 转正日期.
    pub regularized_on: Option<NaiveDate>,
    /// Status.
    pub status: MemberStatus,
    /// Personal numbers, post and flags.
    pub extra: MemberExtra,
}

/// The rest of a member record: personal numbers (stored encrypted), post and flags with dates.
#[derive(Debug, Clone, Default)]
pub struct MemberExtra {
    /// 公民身份号码 (valid, normalized).
    pub id_card: Option<String>,
    /// 手机号码.
    pub phone: Option<String>,
    /// 工作岗位.
    pub work_post: Option<String>,
    /// 户籍所在地或现居住地.
    pub residence: Option<String>,
    /// 外出流动: where to.
    pub mobile_out_to: Option<String>,
    /// 流动 since.
    pub mobile_since: Option<NaiveDate>,
    /// 失联 since.
    pub out_of_contact_since: Option<NaiveDate>,
    /// 无职党员.
    pub without_post: bool,
    /// 停止党籍 on.
    pub suspended_on: Option<NaiveDate>,
    /// 出党 on.
    pub left_on: Option<NaiveDate>,
    /// 出党 reason.
    pub left_reason: Option<String>,
}

/// Encrypted, indexed and masked forms of a member's numbers.
struct Sealed {
    id_enc: Option<Vec<u8>>,
    id_idx: Option<String>,
    id_masked: Option<String>,
    phone_enc: Option<Vec<u8>>,
    phone_idx: Option<String>,
    phone_masked: Option<String>,
}

fn seal(keys: &crate::crypto::FieldKeys, m: &MemberSeed) -> Sealed {
    let mask_id = |s: &str| if s.len() == 18 { format!("{}********{}", &s[..6], &s[14..]) } else { "******".into() };
    let mask_phone = |s: &str| if s.len() == 11 { format!("{}****{}", &s[..3], &s[7..]) } else { "****".into() };
    Sealed {
        id_enc: m.extra.id_card.as_deref().map(|v| keys.encrypt(v)),
        id_idx: m.extra.id_card.as_deref().map(|v| keys.blind_index(v)),
        id_masked: m.extra.id_card.as_deref().map(mask_id),
        phone_enc: m.extra.phone.as_deref().map(|v| keys.encrypt(v)),
        phone_idx: m.extra.phone.as_deref().map(|v| keys.blind_index(v)),
        phone_masked: m.extra.phone.as_deref().map(mask_phone),
    }
}

/// A demo account to create.
#[derive(Debug, Clone)]
pub struct UserSeed {
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Organization (an [`OrgSeed::id`]), `None` for the 三员.
    pub org_id: Option<i64>,
    /// The member record of the account's holder (an index into the members), for a 党员's
    /// “我的党员信息”.
    pub member: Option<usize>,
}

/// What was loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Organizations.
    pub orgs: u64,
    /// Members.
    pub members: u64,
    /// Accounts.
    pub users: u64,
    /// Leadership-team rows (班子).
    pub teams: u64,
    /// Party groups (党小组).
    pub groups: u64,
    /// 第一议题 study items.
    pub study_items: u64,
    /// Meeting records.
    pub meetings: u64,
    /// Training records.
    pub trainings: u64,
    /// Persons of the member-development pipeline (发展党员).
    pub recruit_persons: u64,
    /// Their recorded steps.
    pub recruit_steps: u64,
}

/// A leadership-team row (班子) to load: one person's term in one post.
#[derive(Debug, Clone)]
pub struct TeamSeed {
    /// The organization (an [`OrgSeed::id`]).
    pub org_id: i64,
    /// The person's member record, as an index into the members list (`None` for a villagers'
    /// committee member who is not a Party member).
    pub member: Option<usize>,
    /// Which committee.
    pub committee: crate::org::team::Committee,
    /// Name (a member's: the same as the record).
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Education.
    pub education: Education,
    /// Post.
    pub post: crate::org::team::Post,
    /// 分工.
    pub title: Option<String>,
    /// 一肩挑.
    pub dual_role: bool,
    /// 任职日期.
    pub started_on: NaiveDate,
    /// 离任日期.
    pub ended_on: Option<NaiveDate>,
}

/// A Party group (党小组) to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSeed {
    /// Pre-assigned id (unique, positive).
    pub id: i64,
    /// The branch (an [`OrgSeed::id`]).
    pub org_id: i64,
    /// Name (第一党小组).
    pub name: String,
    /// The leader (组长), as an index into the members list.
    pub leader: Option<usize>,
    /// Set up on.
    pub created_on: Option<NaiveDate>,
    /// Its members, as indexes into the members list (each member in at most one group).
    pub members: Vec<usize>,
}

/// A 第一议题 study item (应学内容) to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyItemSeed {
    /// Pre-assigned id (unique, positive).
    pub id: i64,
    /// The organization that keeps the register (an [`OrgSeed::id`]).
    pub org_id: i64,
    /// Title.
    pub title: String,
    /// Source (人民日报、求是 …).
    pub source: Option<String>,
    /// Published on.
    pub published_on: NaiveDate,
    /// The levels that must study it.
    pub levels: Vec<StudyLevel>,
    /// Days allowed for the study (`None` = the rule's default).
    pub within_days: Option<u32>,
    /// Note.
    pub note: Option<String>,
    /// The account that entered it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One member's attendance at a seeded meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendeeSeed {
    /// The member, as an index into the members list.
    pub member: usize,
    /// Present.
    pub present: bool,
    /// Why absent.
    pub reason: Option<&'static str>,
}

/// One item of a seeded 组织生活会's rectification list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RectificationSeed {
    /// The problem and the measure.
    pub item: String,
    /// Responsible.
    pub owner: Option<String>,
    /// Due.
    pub due_on: Option<NaiveDate>,
    /// Done.
    pub done_on: Option<NaiveDate>,
}

/// A meeting record to load. 应到 and 实到 are counted from the attendance list when there is one
/// (an imported record may have only the counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingSeed {
    /// Pre-assigned id (unique, positive).
    pub id: i64,
    /// The organization (an [`OrgSeed::id`]).
    pub org_id: i64,
    /// The Party group (a [`GroupSeed::id`]), for a 党小组会.
    pub group_id: Option<i64>,
    /// Kinds (at least one).
    pub kinds: Vec<MeetingKind>,
    /// Held on.
    pub held_on: NaiveDate,
    /// Topic.
    pub topic: String,
    /// Place.
    pub place: Option<String>,
    /// Presided by.
    pub host: Option<String>,
    /// The 党课 lecturer, as an index into the members list.
    pub lecturer: Option<usize>,
    /// The lecturer's name and title as shown.
    pub lecturer_name: Option<String>,
    /// Minutes.
    pub minutes: Option<String>,
    /// Decisions.
    pub decisions: Option<String>,
    /// Criticism and self-criticism summary (组织生活会).
    pub criticism: Option<String>,
    /// Attendance (empty when only the counts are known).
    pub attendance: Vec<AttendeeSeed>,
    /// 应到, when there is no attendance list.
    pub expected: u32,
    /// 实到, when there is no attendance list.
    pub present: u32,
    /// The absentees as written in an imported record (张三（外出务工）、李四（请假）).
    pub absent_note: Option<String>,
    /// Agenda items in order.
    pub agenda: Vec<String>,
    /// 第一议题 items studied as the first agenda item (ids of [`StudyItemSeed`]).
    pub study_items: Vec<i64>,
    /// Votes.
    pub votes: Vec<VoteInput>,
    /// Rectification list.
    pub rectifications: Vec<RectificationSeed>,
    /// Where it was entered.
    pub source: Source,
    /// The account that entered it (a [`UserSeed::username`]); `None` = imported (`导入`).
    pub recorded_by: Option<String>,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// A 民主评议 grade to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppraisalSeed {
    /// The member, as an index into the members list.
    pub member: usize,
    /// The year.
    pub year: i32,
    /// The member's organization.
    pub org_id: i64,
    /// Grade.
    pub grade: AppraisalGrade,
    /// The meeting that decided it (a [`MeetingSeed::id`]).
    pub meeting_id: Option<i64>,
    /// The account that entered it; `None` = imported.
    pub recorded_by: Option<String>,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// A training record to load.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingSeed {
    /// Pre-assigned id (unique, positive).
    pub id: i64,
    /// The organization that held it or sent its members.
    pub org_id: i64,
    /// Course.
    pub course: String,
    /// 培训形式.
    pub kind: TrainingKind,
    /// Held on (the first day).
    pub held_on: NaiveDate,
    /// 学时.
    pub hours: f64,
    /// 主办单位.
    pub organizer: Option<String>,
    /// Participants, as indexes into the members list.
    pub participants: Vec<usize>,
    /// The account that entered it; `None` = imported.
    pub recorded_by: Option<String>,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// A county's organizational life, loaded with it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LifeSeed {
    /// Party groups.
    pub groups: Vec<GroupSeed>,
    /// The 第一议题 register.
    pub study_items: Vec<StudyItemSeed>,
    /// Meeting records.
    pub meetings: Vec<MeetingSeed>,
    /// 民主评议 grades.
    pub appraisals: Vec<AppraisalSeed>,
    /// Training records.
    pub trainings: Vec<TrainingSeed>,
}

const ORG_CHUNK: usize = 1000;

/// Load a generated county into a database that has no organizations yet. Only the command line
/// may do this. Demo accounts get `password` and need not change it at first login.
pub async fn load(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    orgs: &[OrgSeed],
    members: &[MemberSeed],
    users: &[UserSeed],
    password: &str,
) -> StoreResult<LoadReport> {
    load_with_teams(db, scope, meta, orgs, members, users, &[], password).await
}

/// [`load`], with the organizations' leadership teams.
#[expect(clippy::too_many_arguments, reason = "one slice per kind of row, as generated")]
pub async fn load_with_teams(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    orgs: &[OrgSeed],
    members: &[MemberSeed],
    users: &[UserSeed],
    teams: &[TeamSeed],
    password: &str,
) -> StoreResult<LoadReport> {
    load_with_life(db, scope, meta, orgs, members, users, teams, &LifeSeed::default(), password).await
}

/// [`load_with_teams`], with the county's organizational life.
#[expect(clippy::too_many_arguments, reason = "one slice per kind of row, as generated")]
pub async fn load_with_life(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    orgs: &[OrgSeed],
    members: &[MemberSeed],
    users: &[UserSeed],
    teams: &[TeamSeed],
    life: &LifeSeed,
    password: &str,
) -> StoreResult<LoadReport> {
    load_with_recruit(db, scope, meta, orgs, members, users, teams, life, &RecruitSeed::default(), password).await
}

/// [`load_with_life`], with the county's member-development pipeline (persons linked to their
/// member records by index into `members`).
#[expect(clippy::too_many_arguments, reason = "one slice per kind of row, as generated")]
pub async fn load_with_recruit(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    orgs: &[OrgSeed],
    members: &[MemberSeed],
    users: &[UserSeed],
    teams: &[TeamSeed],
    life: &LifeSeed,
    recruit: &RecruitSeed,
    password: &str,
) -> StoreResult<LoadReport> {
    if scope.role().is_some() {
        return Err(StoreError::forbidden("cli_only", "演示数据只能在命令行载入"));
    }
    let tx = db.begin_write().await?;
    let any = Query::select().expr(Expr::val(1)).from("org").limit(1).take();
    if tx.query_one(&any).await?.is_some() {
        return Err(StoreError::conflict("not_empty", "数据库中已有组织数据，演示数据只能载入空数据库"));
    }

    // Paths from the parent chain; counts of active members per organization.
    let mut paths: HashMap<i64, OrgPath> = HashMap::with_capacity(orgs.len());
    for o in orgs {
        let id = jiceng_types::OrgId(o.id);
        let path = match o.parent_id {
            None => OrgPath::root(id),
            Some(p) => paths
                .get(&p)
                .ok_or_else(|| StoreError::Corrupt(format!("seed org {} comes before its parent {p}", o.id)))?
                .child(id),
        };
        paths.insert(o.id, path);
    }
    let mut counts: HashMap<i64, i64> = HashMap::new();
    for m in members {
        if m.status == MemberStatus::Active {
            *counts.entry(m.org_id).or_default() += 1;
        }
    }
    // Rollups: children first (the list is parents-first, so walk it backwards).
    let active: HashMap<i64, bool> = orgs.iter().map(|o| (o.id, o.status == OrgStatus::Active)).collect();
    let mut children: HashMap<i64, i64> = HashMap::new();
    let mut subtree: HashMap<i64, (i64, i64)> = HashMap::new();
    for o in orgs.iter().rev() {
        let is_active = active.get(&o.id).copied().unwrap_or(false);
        let own = subtree.entry(o.id).or_insert((0, 0));
        if is_active {
            own.0 += 1;
            own.1 += counts.get(&o.id).copied().unwrap_or(0);
        }
        let own = *own;
        if let (Some(p), true) = (o.parent_id, is_active) {
            *children.entry(p).or_default() += 1;
            let up = subtree.entry(p).or_insert((0, 0));
            up.0 += own.0;
            up.1 += own.1;
        }
    }

    let now = crate::now();
    for chunk in orgs.chunks(ORG_CHUNK) {
        let mut q = Query::insert();
        q.into_table("org").columns([
            "id",
            "parent_id",
            "path",
            "depth",
            "code",
            "name",
            "name_pinyin",
            "name_initials",
            "kind",
            "domain",
            "established_on",
            "term_start",
            "term_end",
            "status",
            "status_on",
            "member_count",
            "child_count",
            "subtree_orgs",
            "subtree_members",
            "created_at",
            "updated_at",
        ]);
        for o in chunk {
            let path = &paths[&o.id];
            let py = PinyinKey::of_text(&o.name);
            let (so, sm) = subtree.get(&o.id).copied().unwrap_or((0, 0));
            let row: [SimpleExpr; 21] = [
                o.id.into(),
                o.parent_id.into(),
                path.as_str().into(),
                i32::try_from(path.depth()).unwrap_or(0).into(),
                o.code.as_str().into(),
                o.name.as_str().into(),
                py.full.into(),
                py.initials.into(),
                o.kind.key().into(),
                o.domain.key().into(),
                o.established_on.into(),
                o.term_start.into(),
                o.term_end.into(),
                o.status.key().into(),
                o.status_on.into(),
                counts.get(&o.id).copied().unwrap_or(0).into(),
                children.get(&o.id).copied().unwrap_or(0).into(),
                so.into(),
                sm.into(),
                now.into(),
                now.into(),
            ];
            q.values_panic(row);
        }
        tx.execute(&q).await?;
    }
    insert_org_events(&tx, orgs, &scope.actor().username).await?;

    // The database is empty: the member indexes are built once after the rows are in (a sort)
    // instead of being kept up to date row by row. The ID and phone indexes are random, so at
    // province scale keeping them up to date would cost most of the load.
    let indexes = crate::member::indexes::MemberIndexes::drop_all(&tx).await?;
    let keys = db.field_keys()?;
    let sealed = crate::crypto::on_all_cores(members, |m| seal(keys, m));
    if sealed.len() != members.len() {
        return Err(StoreError::Corrupt("sealing member numbers failed".into()));
    }
    // Each member's Party group (the groups' ids are assigned up front).
    let mut group_of: Vec<Option<i64>> = vec![None; members.len()];
    for g in &life.groups {
        for &i in &g.members {
            *group_of.get_mut(i).ok_or_else(|| bad_index("group", i))? = Some(g.id);
        }
    }
    // Written through one JSON value per 5,000 rows (see `bulk`); the ids are assigned in list
    // order (checked by name in `insert_teams`).
    let mut rows = Bulk::new(&tx, "member", MEMBER_COLUMNS);
    for ((m, z), group) in members.iter().zip(&sealed).zip(&group_of) {
        let py = PinyinKey::of_person(&m.name);
        let e = &m.extra;
        rows.push(&[
            m.org_id.into(),
            m.name.as_str().into(),
            py.full.as_str().into(),
            py.initials.as_str().into(),
            m.gender.key().into(),
            m.ethnicity.into(),
            m.birth_date.into(),
            m.education.key().into(),
            m.category.key().into(),
            m.admitted_on.into(),
            m.regularized_on.into(),
            m.status.key().into(),
            now.into(),
            now.into(),
            z.id_enc.as_deref().into(),
            z.id_idx.as_deref().into(),
            z.id_masked.as_deref().into(),
            z.phone_enc.as_deref().into(),
            z.phone_idx.as_deref().into(),
            z.phone_masked.as_deref().into(),
            e.work_post.as_deref().into(),
            e.residence.as_deref().into(),
            e.mobile_out_to.as_deref().into(),
            e.mobile_since.into(),
            e.out_of_contact_since.into(),
            e.without_post.into(),
            e.suspended_on.into(),
            e.left_on.into(),
            e.left_reason.as_deref().into(),
            (*group).into(),
        ])?;
        if rows.pending() >= 5000 {
            rows.flush(&tx).await?;
        }
    }
    rows.flush(&tx).await?;

    indexes.restore(&tx).await?;

    let loaded_teams = insert_teams(&tx, teams, members, &scope.actor().username).await?;

    let hash = crate::auth::hash_password_for_seed(password)?;
    let mut loaded_users = 0u64;
    for u in users {
        let taken = Query::select()
            .expr(Expr::val(1))
            .from("app_user")
            .and_where(Expr::col("username").eq(u.username.as_str()))
            .take();
        if tx.query_one(&taken).await?.is_some() {
            continue;
        }
        loaded_users += 1;
        let member_id: Option<i64> = match u.member.and_then(|i| members.get(i)) {
            Some(m) => {
                let q = Query::select()
                    .column("id")
                    .from("member")
                    .and_where(Expr::col("org_id").eq(m.org_id))
                    .and_where(Expr::col("name").eq(m.name.as_str()))
                    .order_by("id", sea_orm::sea_query::Order::Asc)
                    .limit(1)
                    .take();
                match tx.query_one(&q).await? {
                    Some(r) => Some(r.try_get("", "id")?),
                    None => None,
                }
            }
            None => None,
        };
        let q = Query::insert()
            .into_table("app_user")
            .columns([
                "username",
                "display_name",
                "role",
                "org_id",
                "member_id",
                "password_hash",
                "must_change_password",
                "password_changed_at",
                "created_at",
                "updated_at",
            ])
            .values_panic([
                u.username.as_str().into(),
                u.display_name.as_str().into(),
                u.role.key().into(),
                u.org_id.into(),
                member_id.into(),
                hash.as_str().into(),
                false.into(),
                now.into(),
                now.into(),
                now.into(),
            ])
            .take();
        tx.execute(&q).await?;
    }

    insert_life(&tx, life, members).await?;
    recruit::insert(&tx, db, recruit, orgs, members).await?;

    if tx.get_database_backend() == DbBackend::Postgres {
        // Ids were given: move the sequences past them.
        for table in ["org", "party_group", "study_item", "meeting", "training", "recruit_person", "recruit_step"] {
            tx.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table})) \
                 WHERE EXISTS (SELECT 1 FROM {table})"
            ))
            .await?;
        }
    }

    let report = LoadReport {
        orgs: orgs.len() as u64,
        members: members.len() as u64,
        users: loaded_users,
        teams: loaded_teams,
        groups: life.groups.len() as u64,
        study_items: life.study_items.len() as u64,
        meetings: life.meetings.len() as u64,
        trainings: life.trainings.len() as u64,
        recruit_persons: recruit.persons.len() as u64,
        recruit_steps: recruit.steps.len() as u64,
    };
    let entry =
        Entry::new(Action::DemoLoad, "county", orgs.first().map(|o| o.code.clone())).changes(serde_json::json!({
            "orgs": report.orgs, "members": report.members, "users": report.users, "teams": report.teams,
            "groups": report.groups, "study_items": report.study_items, "meetings": report.meetings,
            "appraisals": life.appraisals.len(), "trainings": report.trainings,
            "recruit_persons": report.recruit_persons, "recruit_steps": report.recruit_steps,
        }));
    audit::append(&tx, scope, meta, entry).await?;
    tx.commit().await?;
    Ok(report)
}

/// The member columns the demo load writes.
const MEMBER_COLUMNS: &[(&str, Ty)] = &[
    ("org_id", Ty::Int),
    ("name", Ty::Text),
    ("name_pinyin", Ty::Text),
    ("name_initials", Ty::Text),
    ("gender", Ty::Text),
    ("ethnicity", Ty::Text),
    ("birth_date", Ty::Date),
    ("education", Ty::Text),
    ("category", Ty::Text),
    ("admitted_on", Ty::Date),
    ("regularized_on", Ty::Date),
    ("status", Ty::Text),
    ("created_at", Ty::Time),
    ("updated_at", Ty::Time),
    ("id_card_enc", Ty::Bytes),
    ("id_card_idx", Ty::Text),
    ("id_card_masked", Ty::Text),
    ("phone_enc", Ty::Bytes),
    ("phone_idx", Ty::Text),
    ("phone_masked", Ty::Text),
    ("work_post", Ty::Text),
    ("residence", Ty::Text),
    ("mobile_out_to", Ty::Text),
    ("mobile_since", Ty::Date),
    ("out_of_contact_since", Ty::Date),
    ("without_post", Ty::Bool),
    ("suspended_on", Ty::Date),
    ("left_on", Ty::Date),
    ("left_reason", Ty::Text),
    ("party_group_id", Ty::Int),
];

/// The team columns the demo load writes.
const TEAM_COLUMNS: &[(&str, Ty)] = &[
    ("org_id", Ty::Int),
    ("member_id", Ty::Int),
    ("committee", Ty::Text),
    ("name", Ty::Text),
    ("gender", Ty::Text),
    ("birth_date", Ty::Date),
    ("education", Ty::Text),
    ("post", Ty::Text),
    ("title", Ty::Text),
    ("dual_role", Ty::Bool),
    ("started_on", Ty::Date),
    ("ended_on", Ty::Date),
];

/// The organization history columns.
const ORG_EVENT_COLUMNS: &[(&str, Ty)] = &[
    ("org_id", Ty::Int),
    ("kind", Ty::Text),
    ("happened_on", Ty::Date),
    ("detail", Ty::Text),
    ("recorded_by", Ty::Text),
    ("recorded_at", Ty::Time),
];

/// Who entered the seeded records that name no account.
const IMPORTED_BY: &str = "导入";

/// The life tables' secondary indexes on member ids, built after the rows (as the migrations
/// create them).
const LIFE_INDEXES: [(&str, &str, &str); 2] = [
    ("idx_meeting_attendee_member", "meeting_attendee", "member_id"),
    ("idx_training_participant_member", "training_participant", "member_id"),
];

const GROUP_COLUMNS: &[(&str, Ty)] = &[
    ("id", Ty::Int),
    ("org_id", Ty::Int),
    ("name", Ty::Text),
    ("leader_member_id", Ty::Int),
    ("created_on", Ty::Date),
    ("created_at", Ty::Time),
];

const STUDY_COLUMNS: &[(&str, Ty)] = &[
    ("id", Ty::Int),
    ("title", Ty::Text),
    ("source", Ty::Text),
    ("published_on", Ty::Date),
    ("levels", Ty::Int),
    ("within_days", Ty::Int),
    ("note", Ty::Text),
    ("org_id", Ty::Int),
    ("created_by", Ty::Text),
    ("created_at", Ty::Time),
];

const MEETING_COLUMNS: &[(&str, Ty)] = &[
    ("id", Ty::Int),
    ("org_id", Ty::Int),
    ("group_id", Ty::Int),
    ("kinds", Ty::Int),
    ("held_on", Ty::Date),
    ("topic", Ty::Text),
    ("place", Ty::Text),
    ("host", Ty::Text),
    ("lecturer_member_id", Ty::Int),
    ("lecturer", Ty::Text),
    ("minutes", Ty::Text),
    ("decisions", Ty::Text),
    ("criticism", Ty::Text),
    ("absent_note", Ty::Text),
    ("expected", Ty::Int),
    ("present", Ty::Int),
    ("first_agenda", Ty::Bool),
    ("minutes_hash", Ty::Int),
    ("source", Ty::Text),
    ("recorded_by_user", Ty::Int),
    ("recorded_by", Ty::Text),
    ("recorded_at", Ty::Time),
    ("updated_at", Ty::Time),
];

const AGENDA_COLUMNS: &[(&str, Ty)] = &[("meeting_id", Ty::Int), ("position", Ty::Int), ("title", Ty::Text)];

const MEETING_STUDY_COLUMNS: &[(&str, Ty)] = &[("meeting_id", Ty::Int), ("study_item_id", Ty::Int)];

const ATTENDEE_COLUMNS: &[(&str, Ty)] =
    &[("meeting_id", Ty::Int), ("member_id", Ty::Int), ("present", Ty::Bool), ("absence_reason", Ty::Text)];

const VOTE_COLUMNS: &[(&str, Ty)] = &[
    ("meeting_id", Ty::Int),
    ("subject", Ty::Text),
    ("election", Ty::Bool),
    ("eligible", Ty::Int),
    ("present", Ty::Int),
    ("in_favour", Ty::Int),
    ("against", Ty::Int),
    ("abstain", Ty::Int),
];

const RECTIFICATION_COLUMNS: &[(&str, Ty)] = &[
    ("meeting_id", Ty::Int),
    ("org_id", Ty::Int),
    ("item", Ty::Text),
    ("owner", Ty::Text),
    ("due_on", Ty::Date),
    ("done_on", Ty::Date),
];

const APPRAISAL_COLUMNS: &[(&str, Ty)] = &[
    ("member_id", Ty::Int),
    ("year", Ty::Int),
    ("org_id", Ty::Int),
    ("grade", Ty::Text),
    ("meeting_id", Ty::Int),
    ("recorded_by", Ty::Text),
    ("recorded_at", Ty::Time),
];

const PARTICIPANT_COLUMNS: &[(&str, Ty)] = &[("training_id", Ty::Int), ("member_id", Ty::Int)];

/// Rows per JSON value.
const LIFE_CHUNK: usize = 5000;

/// Insert the county's organizational life: groups, study items, meetings with everything
/// attached, appraisal grades and training records. The accounts are in already.
async fn insert_life(tx: &DatabaseTransaction, life: &LifeSeed, members: &[MemberSeed]) -> StoreResult<()> {
    if life.groups.is_empty() && life.study_items.is_empty() && life.meetings.is_empty() && life.trainings.is_empty() {
        return Ok(());
    }
    let first = first_member_id(tx, members).await?;
    let id_of = |what: &str, i: usize| if i < members.len() { Ok(first + i as i64) } else { Err(bad_index(what, i)) };
    let user_ids: HashMap<String, i64> = {
        let q = Query::select().columns(["id", "username"]).from("app_user").take();
        let mut out = HashMap::new();
        for r in tx.query_all(&q).await? {
            out.insert(r.try_get::<String>("", "username")?, r.try_get::<i64>("", "id")?);
        }
        out
    };
    let recorder = |by: &Option<String>| -> (Option<i64>, String) {
        match by {
            Some(u) => (user_ids.get(u).copied(), u.clone()),
            None => (None, IMPORTED_BY.to_string()),
        }
    };
    let now = crate::now();

    let mut rows = Bulk::new(tx, "party_group", GROUP_COLUMNS);
    for g in &life.groups {
        let leader = g.leader.map(|i| id_of("group", i)).transpose()?;
        rows.push(&[
            g.id.into(),
            g.org_id.into(),
            g.name.as_str().into(),
            leader.into(),
            g.created_on.into(),
            now.into(),
        ])?;
        if rows.pending() >= LIFE_CHUNK {
            rows.flush(tx).await?;
        }
    }
    rows.flush(tx).await?;

    let mut rows = Bulk::new(tx, "study_item", STUDY_COLUMNS);
    for s in &life.study_items {
        rows.push(&[
            s.id.into(),
            s.title.as_str().into(),
            s.source.as_deref().into(),
            s.published_on.into(),
            i64::from(StudyLevel::mask(&s.levels)).into(),
            s.within_days.map(i64::from).into(),
            s.note.as_deref().into(),
            s.org_id.into(),
            s.created_by.as_str().into(),
            s.created_at.into(),
        ])?;
        if rows.pending() >= LIFE_CHUNK {
            rows.flush(tx).await?;
        }
    }
    rows.flush(tx).await?;

    for (name, table, _) in LIFE_INDEXES {
        tx.execute(&Index::drop().name(name).table(table).to_owned()).await?;
    }

    // The minutes' fingerprints are the costly part: on every core.
    let min_chars = jiceng_rules::meeting::Params::default().get("meeting.minutes_min_chars");
    let hashes = crate::crypto::on_all_cores(&life.meetings, |m| {
        crate::meeting::minutes_fingerprint(m.minutes.as_deref(), min_chars)
    });
    if hashes.len() != life.meetings.len() {
        return Err(StoreError::Corrupt("fingerprinting the minutes failed".into()));
    }
    let mut meetings = Bulk::new(tx, "meeting", MEETING_COLUMNS);
    let mut agenda = Bulk::new(tx, "meeting_agenda", AGENDA_COLUMNS);
    let mut studies = Bulk::new(tx, "meeting_study", MEETING_STUDY_COLUMNS);
    let mut attendees = Bulk::new(tx, "meeting_attendee", ATTENDEE_COLUMNS);
    let mut votes = Bulk::new(tx, "meeting_vote", VOTE_COLUMNS);
    let mut rects = Bulk::new(tx, "rectification", RECTIFICATION_COLUMNS);
    for (m, hash) in life.meetings.iter().zip(&hashes) {
        let (user, by) = recorder(&m.recorded_by);
        let (expected, present) = if m.attendance.is_empty() {
            (i64::from(m.expected), i64::from(m.present))
        } else {
            (m.attendance.len() as i64, m.attendance.iter().filter(|a| a.present).count() as i64)
        };
        let lecturer = m.lecturer.map(|i| id_of("meeting", i)).transpose()?;
        meetings.push(&[
            m.id.into(),
            m.org_id.into(),
            m.group_id.into(),
            i64::from(crate::meeting::kinds_mask(&m.kinds)).into(),
            m.held_on.into(),
            m.topic.as_str().into(),
            m.place.as_deref().into(),
            m.host.as_deref().into(),
            lecturer.into(),
            m.lecturer_name.as_deref().into(),
            m.minutes.as_deref().into(),
            m.decisions.as_deref().into(),
            m.criticism.as_deref().into(),
            m.absent_note.as_deref().into(),
            expected.into(),
            present.into(),
            (!m.study_items.is_empty()).into(),
            (*hash).into(),
            m.source.key().into(),
            user.into(),
            by.as_str().into(),
            m.recorded_at.into(),
            m.recorded_at.into(),
        ])?;
        for (i, title) in m.agenda.iter().enumerate() {
            agenda.push(&[m.id.into(), (i as i64).into(), title.as_str().into()])?;
        }
        let mut items = m.study_items.clone();
        items.sort_unstable();
        items.dedup();
        for s in items {
            studies.push(&[m.id.into(), s.into()])?;
        }
        for a in &m.attendance {
            let reason = if a.present { None } else { a.reason };
            attendees.push(&[m.id.into(), id_of("meeting", a.member)?.into(), a.present.into(), reason.into()])?;
        }
        for v in &m.votes {
            votes.push(&[
                m.id.into(),
                v.subject.as_str().into(),
                v.election.into(),
                i64::from(v.eligible).into(),
                i64::from(v.present).into(),
                i64::from(v.in_favour).into(),
                i64::from(v.against).into(),
                i64::from(v.abstain).into(),
            ])?;
        }
        for r in &m.rectifications {
            rects.push(&[
                m.id.into(),
                m.org_id.into(),
                r.item.as_str().into(),
                r.owner.as_deref().into(),
                r.due_on.into(),
                r.done_on.into(),
            ])?;
        }
        let full = [&agenda, &studies, &attendees, &votes, &rects].iter().any(|b| b.pending() >= LIFE_CHUNK);
        if full || meetings.pending() >= LIFE_CHUNK {
            // The meetings first: the attached rows refer to them.
            for b in [&mut meetings, &mut agenda, &mut studies, &mut attendees, &mut votes, &mut rects] {
                b.flush(tx).await?;
            }
        }
    }
    for b in [&mut meetings, &mut agenda, &mut studies, &mut attendees, &mut votes, &mut rects] {
        b.flush(tx).await?;
    }

    let mut rows = Bulk::new(tx, "appraisal", APPRAISAL_COLUMNS);
    for a in &life.appraisals {
        let (_, by) = recorder(&a.recorded_by);
        rows.push(&[
            id_of("appraisal", a.member)?.into(),
            i64::from(a.year).into(),
            a.org_id.into(),
            a.grade.key().into(),
            a.meeting_id.into(),
            by.as_str().into(),
            a.recorded_at.into(),
        ])?;
        if rows.pending() >= LIFE_CHUNK {
            rows.flush(tx).await?;
        }
    }
    rows.flush(tx).await?;

    // Hours are fractional: the training rows go as plain multi-row inserts (there are few).
    let mut participants = Bulk::new(tx, "training_participant", PARTICIPANT_COLUMNS);
    for chunk in life.trainings.chunks(ORG_CHUNK) {
        let mut q = Query::insert();
        q.into_table("training").columns([
            "id",
            "org_id",
            "course",
            "kind",
            "held_on",
            "hours",
            "organizer",
            "recorded_by",
            "recorded_at",
        ]);
        for t in chunk {
            let (_, by) = recorder(&t.recorded_by);
            let row: [SimpleExpr; 9] = [
                t.id.into(),
                t.org_id.into(),
                t.course.as_str().into(),
                t.kind.key().into(),
                t.held_on.into(),
                t.hours.into(),
                t.organizer.as_deref().into(),
                by.into(),
                t.recorded_at.into(),
            ];
            q.values_panic(row);
        }
        tx.execute(&q).await?;
        for t in chunk {
            let mut ids: Vec<i64> = t.participants.iter().map(|&i| id_of("training", i)).collect::<StoreResult<_>>()?;
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                participants.push(&[t.id.into(), id.into()])?;
            }
            if participants.pending() >= LIFE_CHUNK {
                participants.flush(tx).await?;
            }
        }
        participants.flush(tx).await?;
    }

    for (name, table, column) in LIFE_INDEXES {
        tx.execute(&Index::create().name(name).table(table).col(column).take()).await?;
    }
    Ok(())
}

/// The id of the first loaded member. Members were inserted in list order into an empty table, so
/// their ids are contiguous (checked) and a member's id is this plus its index.
async fn first_member_id(tx: &DatabaseTransaction, members: &[MemberSeed]) -> StoreResult<i64> {
    #[derive(sea_orm::FromQueryResult)]
    struct Span {
        first: Option<i64>,
        last: Option<i64>,
        n: i64,
    }
    let q = Query::select()
        .expr_as(Expr::col("id").min(), "first")
        .expr_as(Expr::col("id").max(), "last")
        .expr_as(Expr::col("id").count(), "n")
        .from("member")
        .take();
    let span = match tx.query_one(&q).await? {
        Some(r) => <Span as sea_orm::FromQueryResult>::from_query_result(&r, "")?,
        None => Span { first: None, last: None, n: 0 },
    };
    let first = span.first.unwrap_or(1);
    if span.n != members.len() as i64 || span.last.unwrap_or(0) - first + 1 != span.n {
        return Err(StoreError::Corrupt("member ids are not contiguous after the load".into()));
    }
    Ok(first)
}

fn bad_index(what: &str, i: usize) -> StoreError {
    StoreError::Corrupt(format!("{what} seed names member {i}, beyond the members loaded"))
}

/// Insert the team rows with their history events. Members were inserted in list order into an
/// empty table, so their ids ascend in that order; the names are compared to be sure.
async fn insert_teams(
    tx: &DatabaseTransaction,
    teams: &[TeamSeed],
    members: &[MemberSeed],
    by: &str,
) -> StoreResult<u64> {
    if teams.is_empty() {
        return Ok(0);
    }
    let first = first_member_id(tx, members).await?;
    let id_of = |i: usize| first + i as i64;
    // Make sure by the names.
    let linked: Vec<usize> = teams.iter().filter_map(|t| t.member).collect();
    for chunk in linked.chunks(500) {
        #[derive(sea_orm::FromQueryResult)]
        struct Named {
            id: i64,
            name: String,
        }
        let q = Query::select()
            .columns(["id", "name"])
            .from("member")
            .and_where(Expr::col("id").is_in(chunk.iter().map(|i| id_of(*i))))
            .take();
        let rows = tx.query_all(&q).await?;
        let names: HashMap<i64, String> = rows
            .iter()
            .map(|r| <Named as sea_orm::FromQueryResult>::from_query_result(r, "").map(|n| (n.id, n.name)))
            .collect::<Result<_, _>>()?;
        for i in chunk {
            if members.get(*i).map(|m| &m.name) != names.get(&id_of(*i)) {
                return Err(StoreError::Corrupt(format!("team seed member {i} does not match the loaded member")));
            }
        }
    }
    let now = crate::now();
    let mut rows = Bulk::new(tx, "org_team", TEAM_COLUMNS);
    let mut events = Bulk::new(tx, "org_event", ORG_EVENT_COLUMNS);
    for t in teams {
        let member_id = t.member.map(id_of);
        rows.push(&[
            t.org_id.into(),
            member_id.into(),
            t.committee.key().into(),
            t.name.as_str().into(),
            t.gender.key().into(),
            t.birth_date.into(),
            t.education.key().into(),
            t.post.key().into(),
            t.title.as_deref().into(),
            t.dual_role.into(),
            t.started_on.into(),
            t.ended_on.into(),
        ])?;
        let post = match &t.title {
            Some(title) => format!("{}（{title}）", t.post.label()),
            None => t.post.label().to_string(),
        };
        let detail = |reason: Option<&str>| {
            let mut d = serde_json::json!({
                "committee": t.committee.label(), "post": post, "name": t.name, "dual_role": t.dual_role,
            });
            if let Some(r) = reason {
                d["reason"] = r.into();
            }
            d.to_string()
        };
        let appointed = detail(None);
        events.push(&[
            t.org_id.into(),
            "team_appointed".into(),
            t.started_on.into(),
            appointed.as_str().into(),
            by.into(),
            now.into(),
        ])?;
        if let Some(end) = t.ended_on {
            let ended = detail(Some("换届离任"));
            events.push(&[
                t.org_id.into(),
                "team_ended".into(),
                end.into(),
                ended.as_str().into(),
                by.into(),
                now.into(),
            ])?;
        }
        if rows.pending() >= 5000 {
            rows.flush(tx).await?;
            events.flush(tx).await?;
        }
    }
    rows.flush(tx).await?;
    events.flush(tx).await?;
    Ok(teams.len() as u64)
}

async fn insert_org_events(tx: &DatabaseTransaction, orgs: &[OrgSeed], by: &str) -> StoreResult<()> {
    let now = crate::now();
    for chunk in orgs.chunks(ORG_CHUNK) {
        let mut q = Query::insert();
        q.into_table("org_event").columns(["org_id", "kind", "happened_on", "detail", "recorded_by", "recorded_at"]);
        let mut n = 0;
        for o in chunk {
            let on = o.established_on.unwrap_or_else(|| now.date_naive());
            let detail =
                serde_json::json!({ "code": o.code, "name": o.name, "kind": o.kind.key(), "domain": o.domain.key() })
                    .to_string();
            let row: [SimpleExpr; 6] = [o.id.into(), "created".into(), on.into(), detail.into(), by.into(), now.into()];
            q.values_panic(row);
            n += 1;
            if o.status != OrgStatus::Active {
                let kind = if o.status == OrgStatus::Dissolved { "dissolved" } else { "merged" };
                let on = o.status_on.unwrap_or(on);
                let row: [SimpleExpr; 6] = [o.id.into(), kind.into(), on.into(), "{}".into(), by.into(), now.into()];
                q.values_panic(row);
            }
        }
        if n > 0 {
            tx.execute(&q).await?;
        }
    }
    Ok(())
}
