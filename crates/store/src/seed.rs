//! Bulk loading of a generated county (the demo, tests and benchmarks) into an empty database.
//!
//! Rows arrive with their organization ids already assigned (parents before children), so the
//! whole tree, its members and the demo accounts are written in one transaction with multi-row
//! inserts, and recorded in the audit trail as one 载入演示数据 entry.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiceng_types::person::{Education, Gender, MemberCategory, MemberStatus};
use jiceng_types::{OrgDomain, OrgKind, OrgPath, OrgStatus, PinyinKey, Role, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Index, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend};

use crate::audit::{self, Action, Entry};
use crate::bulk::{Bulk, Ty};
use crate::error::{StoreError, StoreResult};
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
    for (name, _) in MEMBER_INDEXES {
        tx.execute(&Index::drop().name(name).table("member").to_owned()).await?;
    }
    let keys = db.field_keys()?;
    let sealed = crate::crypto::on_all_cores(members, |m| seal(keys, m));
    if sealed.len() != members.len() {
        return Err(StoreError::Corrupt("sealing member numbers failed".into()));
    }
    // Written through one JSON value per 5,000 rows (see `bulk`); the ids are assigned in list
    // order (checked by name in `insert_teams`).
    let mut rows = Bulk::new(&tx, "member", MEMBER_COLUMNS);
    for (m, z) in members.iter().zip(&sealed) {
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
        ])?;
        if rows.pending() >= 5000 {
            rows.flush(&tx).await?;
        }
    }
    rows.flush(&tx).await?;

    for (name, column) in MEMBER_INDEXES {
        tx.execute(&Index::create().name(name).table("member").col(column).take()).await?;
    }

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

    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared("SELECT setval(pg_get_serial_sequence('org', 'id'), (SELECT MAX(id) FROM org))").await?;
    }

    let report =
        LoadReport { orgs: orgs.len() as u64, members: members.len() as u64, users: loaded_users, teams: loaded_teams };
    let entry = Entry::new(Action::DemoLoad, "county", orgs.first().map(|o| o.code.clone())).changes(
        serde_json::json!({ "orgs": report.orgs, "members": report.members, "users": report.users, "teams": report.teams }),
    );
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

/// The member table's secondary indexes (as the migrations create them), dropped and rebuilt
/// around the bulk load (the synth load test checks that they are all back).
const MEMBER_INDEXES: [(&str, &str); 6] = [
    ("idx_member_org", "org_id"),
    ("idx_member_name", "name"),
    ("idx_member_initials", "name_initials"),
    ("idx_member_id_card", "id_card_idx"),
    ("idx_member_phone", "phone_idx"),
    ("idx_member_pinyin", "name_pinyin"),
];

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
    // The ids are contiguous (checked), so a member's id is the first id plus its index.
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
