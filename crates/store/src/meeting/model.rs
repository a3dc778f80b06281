//! Reading meeting records: one record with everything attached, a filtered list, and the roster
//! an attendance list is taken from.

use chrono::{DateTime, NaiveDate, Utc};
use jiceng_types::{MeetingKind, MemberId, OrgId, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};

use super::input::Source;
use super::{kinds_mask, kinds_of, require_read};
use crate::error::{StoreError, StoreResult};
use crate::org::Page;
use crate::scope_sql::path_in_scope;
use crate::{Db, Meta};

/// A meeting in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingRow {
    /// Id.
    pub id: i64,
    /// The organization.
    pub org_id: OrgId,
    /// Its name.
    pub org_name: String,
    /// Its code.
    pub org_code: String,
    /// The Party group (党小组会).
    pub group_id: Option<i64>,
    /// Kinds.
    pub kinds: Vec<MeetingKind>,
    /// Held on.
    pub held_on: NaiveDate,
    /// Topic.
    pub topic: String,
    /// 应到.
    pub expected: i32,
    /// 实到.
    pub present: i32,
    /// The first agenda item was a 第一议题 study.
    pub first_agenda: bool,
    /// Where it was entered.
    pub source: Source,
    /// Who entered it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

impl MeetingRow {
    /// The kinds as one Chinese label (`主题党日、党课`).
    pub fn kinds_label(&self) -> String {
        self.kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
    }

    /// Days between the meeting and its record.
    pub fn entry_lag_days(&self) -> i64 {
        (jiceng_types::date::china_time(self.recorded_at).date() - self.held_on).num_days()
    }
}

/// One attendee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttendeeRow {
    /// The member.
    pub member_id: MemberId,
    /// Name.
    pub name: String,
    /// Present.
    pub present: bool,
    /// Why absent.
    pub reason: Option<String>,
}

/// A 第一议题 item studied in the meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudyRef {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Published on.
    pub published_on: NaiveDate,
}

/// A vote taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoteRow {
    /// What was voted on.
    pub subject: String,
    /// An election.
    pub election: bool,
    /// 应到会有表决权人数.
    pub eligible: i32,
    /// 实到.
    pub present: i32,
    /// 赞成.
    pub in_favour: i32,
    /// 反对.
    pub against: i32,
    /// 弃权.
    pub abstain: i32,
}

/// An item of a rectification list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RectificationRow {
    /// Id.
    pub id: i64,
    /// The problem and the measure.
    pub item: String,
    /// Responsible.
    pub owner: Option<String>,
    /// Due.
    pub due_on: Option<NaiveDate>,
    /// Done.
    pub done_on: Option<NaiveDate>,
}

/// A meeting with everything attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meeting {
    /// The list fields.
    pub row: MeetingRow,
    /// The organization's path (for scoping the audit record).
    pub org_path: String,
    /// The Party group's name.
    pub group_name: Option<String>,
    /// Place.
    pub place: Option<String>,
    /// Presided by.
    pub host: Option<String>,
    /// Lecturer (roster member).
    pub lecturer_member_id: Option<MemberId>,
    /// Lecturer (name).
    pub lecturer: Option<String>,
    /// Minutes.
    pub minutes: Option<String>,
    /// Decisions.
    pub decisions: Option<String>,
    /// Criticism and self-criticism summary.
    pub criticism: Option<String>,
    /// Absentees not in the roster.
    pub absent_note: Option<String>,
    /// Agenda.
    pub agenda: Vec<String>,
    /// 第一议题 items studied.
    pub study_items: Vec<StudyRef>,
    /// Attendance.
    pub attendance: Vec<AttendeeRow>,
    /// Votes.
    pub votes: Vec<VoteRow>,
    /// Rectification list.
    pub rectifications: Vec<RectificationRow>,
}

impl Meeting {
    /// The fields the audit trail keeps.
    pub(crate) fn audit_fields(&self) -> serde_json::Value {
        serde_json::json!({
            "org": self.row.org_name,
            "kinds": self.row.kinds_label(),
            "held_on": self.row.held_on,
            "topic": self.row.topic,
            "place": self.place,
            "host": self.host,
            "lecturer": self.lecturer,
            "expected": self.row.expected,
            "present": self.row.present,
            "absent": self.attendance.iter().filter(|a| !a.present).map(|a| a.name.clone()).collect::<Vec<_>>(),
            "agenda": self.agenda,
            "study_items": self.study_items.iter().map(|s| s.title.clone()).collect::<Vec<_>>(),
            "minutes_chars": self.minutes.as_deref().map(|m| m.chars().count()),
            "decisions": self.decisions,
            "votes": self.votes.len(),
            "rectifications": self.rectifications.len(),
        })
    }
}

/// Which meetings to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MeetingFilter {
    /// In this organization (only; not its subtree), if given.
    pub org_id: Option<OrgId>,
    /// In this organization's subtree, if given.
    pub under: Option<OrgId>,
    /// Of this kind.
    pub kind: Option<MeetingKind>,
    /// Held on or after.
    pub from: Option<NaiveDate>,
    /// Held on or before.
    pub to: Option<NaiveDate>,
}

const ROW_COLUMNS: [&str; 13] = [
    "id",
    "org_id",
    "org_name",
    "org_code",
    "group_id",
    "kinds",
    "held_on",
    "topic",
    "expected",
    "present",
    "first_agenda",
    "source",
    "recorded_by",
];

#[derive(Deserialize)]
struct RawRow {
    id: i64,
    org_id: i64,
    org_name: String,
    org_code: String,
    group_id: Option<i64>,
    kinds: i32,
    held_on: NaiveDate,
    topic: String,
    expected: i32,
    present: i32,
    #[serde(deserialize_with = "crate::sql::de_bool")]
    first_agenda: bool,
    source: String,
    recorded_by: String,
    recorded_at: DateTime<Utc>,
}

impl TryFrom<RawRow> for MeetingRow {
    type Error = StoreError;

    fn try_from(r: RawRow) -> StoreResult<MeetingRow> {
        Ok(MeetingRow {
            id: r.id,
            org_id: OrgId(r.org_id),
            org_name: r.org_name,
            org_code: r.org_code,
            group_id: r.group_id,
            kinds: kinds_of(r.kinds),
            held_on: r.held_on,
            topic: r.topic,
            expected: r.expected,
            present: r.present,
            first_agenda: r.first_agenda,
            source: Source::parse(&r.source)
                .ok_or_else(|| StoreError::Corrupt(format!("meeting source {}", r.source)))?,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        })
    }
}

/// `SELECT <row columns> FROM meeting JOIN org WHERE <org in scope>`.
fn select_rows(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns([
            ("m", "id"),
            ("m", "org_id"),
            ("m", "group_id"),
            ("m", "kinds"),
            ("m", "held_on"),
            ("m", "topic"),
            ("m", "expected"),
            ("m", "present"),
            ("m", "first_agenda"),
            ("m", "source"),
            ("m", "recorded_by"),
            ("m", "recorded_at"),
        ])
        .expr_as(Expr::col(("o", "name")), "org_name")
        .expr_as(Expr::col(("o", "code")), "org_code")
        .from_as("meeting", "m")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .take()
}

async fn fetch_rows<C: ConnectionTrait>(conn: &C, q: &SelectStatement) -> StoreResult<Vec<MeetingRow>> {
    let mut cols = ROW_COLUMNS.to_vec();
    cols.push("recorded_at");
    let raw: Vec<RawRow> = crate::sql::fetch_json(conn, q, &cols).await?;
    raw.into_iter().map(MeetingRow::try_from).collect()
}

/// Meetings in scope, newest first.
pub async fn list(
    db: &Db,
    scope: &Scope,
    filter: &MeetingFilter,
    page: u64,
    per_page: u64,
) -> StoreResult<Page<MeetingRow>> {
    require_read(scope)?;
    let mut q = select_rows(scope);
    if let Some(org) = filter.org_id {
        q.and_where(Expr::col(("m", "org_id")).eq(org.0));
    }
    if let Some(under) = filter.under {
        let root = Query::select().column("path").from("org").and_where(Expr::col("id").eq(under.0)).take();
        let Some(row) = db.conn().query_one(&root).await? else { return Err(StoreError::NotFound) };
        let path: String = row.try_get("", "path")?;
        let upper = jiceng_types::OrgPath::parse(&path).map(|p| p.upper_bound()).unwrap_or_default();
        // `under` is re-checked by the scope condition above: a subtree outside the scope is empty.
        q.and_where(Expr::col(("o", "path")).gte(path)).and_where(Expr::col(("o", "path")).lt(upper));
    }
    if let Some(kind) = filter.kind {
        // An integer computed here, never user text.
        q.and_where(Expr::cust(format!("(m.kinds & {}) <> 0", kinds_mask(&[kind]))));
    }
    if let Some(from) = filter.from {
        q.and_where(Expr::col(("m", "held_on")).gte(from));
    }
    if let Some(to) = filter.to {
        q.and_where(Expr::col(("m", "held_on")).lte(to));
    }
    let count = Query::select().expr_as(Expr::cust("COUNT(*)"), "n").from_subquery(q.clone(), "t").take();
    let total: i64 = match db.conn().query_one(&count).await? {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    let per_page = per_page.clamp(1, 500);
    let page = std::cmp::max(page, 1);
    q.order_by(("m", "held_on"), Order::Desc)
        .order_by(("m", "id"), Order::Desc)
        .limit(per_page)
        .offset((page - 1) * per_page);
    let mut items = fetch_rows(db.conn(), &q).await?;
    items.sort_by(|a, b| b.held_on.cmp(&a.held_on).then(b.id.cmp(&a.id)));
    Ok(Page { items, total: u64::try_from(total).unwrap_or(0), page, per_page })
}

/// One meeting in scope with everything attached. Outside the scope: `NotFound`.
pub async fn get(db: &Db, scope: &Scope, _meta: &Meta, id: i64) -> StoreResult<Meeting> {
    require_read(scope)?;
    load(db.conn(), scope, id).await
}

pub(crate) async fn load<C: ConnectionTrait>(conn: &C, scope: &Scope, id: i64) -> StoreResult<Meeting> {
    let rows = fetch_rows(conn, &select_rows(scope).and_where(Expr::col(("m", "id")).eq(id)).take()).await?;
    let row = rows.into_iter().next().ok_or(StoreError::NotFound)?;
    #[derive(FromQueryResult)]
    struct Detail {
        org_path: String,
        group_name: Option<String>,
        place: Option<String>,
        host: Option<String>,
        lecturer_member_id: Option<i64>,
        lecturer: Option<String>,
        minutes: Option<String>,
        decisions: Option<String>,
        criticism: Option<String>,
        absent_note: Option<String>,
    }
    let q = Query::select()
        .columns([
            ("m", "place"),
            ("m", "host"),
            ("m", "lecturer_member_id"),
            ("m", "lecturer"),
            ("m", "minutes"),
            ("m", "decisions"),
            ("m", "criticism"),
            ("m", "absent_note"),
        ])
        .expr_as(Expr::col(("o", "path")), "org_path")
        .expr_as(Expr::col(("g", "name")), "group_name")
        .from_as("meeting", "m")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
        .join_as(JoinType::LeftJoin, "party_group", "g", Expr::col(("g", "id")).equals(("m", "group_id")))
        .and_where(Expr::col(("m", "id")).eq(id))
        .take();
    let d = match conn.query_one(&q).await? {
        Some(r) => Detail::from_query_result(&r, "")?,
        None => return Err(StoreError::NotFound),
    };
    let agenda_q = Query::select()
        .column("title")
        .from("meeting_agenda")
        .and_where(Expr::col("meeting_id").eq(id))
        .order_by("position", Order::Asc)
        .take();
    let mut agenda = Vec::new();
    for r in conn.query_all(&agenda_q).await? {
        agenda.push(r.try_get::<String>("", "title")?);
    }
    #[derive(FromQueryResult)]
    struct S {
        id: i64,
        title: String,
        published_on: NaiveDate,
    }
    let study_q = Query::select()
        .columns([("s", "id"), ("s", "title"), ("s", "published_on")])
        .from_as("meeting_study", "ms")
        .join_as(JoinType::InnerJoin, "study_item", "s", Expr::col(("s", "id")).equals(("ms", "study_item_id")))
        .and_where(Expr::col(("ms", "meeting_id")).eq(id))
        .order_by(("s", "published_on"), Order::Asc)
        .take();
    let mut study_items = Vec::new();
    for r in conn.query_all(&study_q).await? {
        let s = S::from_query_result(&r, "")?;
        study_items.push(StudyRef { id: s.id, title: s.title, published_on: s.published_on });
    }
    #[derive(FromQueryResult)]
    struct A {
        member_id: i64,
        name: String,
        present: bool,
        absence_reason: Option<String>,
    }
    let att_q = Query::select()
        .columns([("a", "member_id"), ("a", "present"), ("a", "absence_reason")])
        .column(("p", "name"))
        .from_as("meeting_attendee", "a")
        .join_as(JoinType::InnerJoin, "member", "p", Expr::col(("p", "id")).equals(("a", "member_id")))
        .and_where(Expr::col(("a", "meeting_id")).eq(id))
        .order_by(("p", "name_pinyin"), Order::Asc)
        .take();
    let mut attendance = Vec::new();
    for r in conn.query_all(&att_q).await? {
        let a = A::from_query_result(&r, "")?;
        attendance.push(AttendeeRow {
            member_id: MemberId(a.member_id),
            name: a.name,
            present: a.present,
            reason: a.absence_reason,
        });
    }
    #[derive(FromQueryResult)]
    struct V {
        subject: String,
        election: bool,
        eligible: i32,
        present: i32,
        in_favour: i32,
        against: i32,
        abstain: i32,
    }
    let vote_q = Query::select()
        .columns(["subject", "election", "eligible", "present", "in_favour", "against", "abstain"])
        .from("meeting_vote")
        .and_where(Expr::col("meeting_id").eq(id))
        .order_by("id", Order::Asc)
        .take();
    let mut votes = Vec::new();
    for r in conn.query_all(&vote_q).await? {
        let v = V::from_query_result(&r, "")?;
        votes.push(VoteRow {
            subject: v.subject,
            election: v.election,
            eligible: v.eligible,
            present: v.present,
            in_favour: v.in_favour,
            against: v.against,
            abstain: v.abstain,
        });
    }
    #[derive(FromQueryResult)]
    struct R {
        id: i64,
        item: String,
        owner: Option<String>,
        due_on: Option<NaiveDate>,
        done_on: Option<NaiveDate>,
    }
    let rect_q = Query::select()
        .columns(["id", "item", "owner", "due_on", "done_on"])
        .from("rectification")
        .and_where(Expr::col("meeting_id").eq(id))
        .order_by("id", Order::Asc)
        .take();
    let mut rectifications = Vec::new();
    for r in conn.query_all(&rect_q).await? {
        let r = R::from_query_result(&r, "")?;
        rectifications.push(RectificationRow {
            id: r.id,
            item: r.item,
            owner: r.owner,
            due_on: r.due_on,
            done_on: r.done_on,
        });
    }
    Ok(Meeting {
        row,
        org_path: d.org_path,
        group_name: d.group_name,
        place: d.place,
        host: d.host,
        lecturer_member_id: d.lecturer_member_id.map(MemberId),
        lecturer: d.lecturer,
        minutes: d.minutes,
        decisions: d.decisions,
        criticism: d.criticism,
        absent_note: d.absent_note,
        agenda,
        study_items,
        attendance,
        votes,
        rectifications,
    })
}

/// A member an attendance list is taken from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterMember {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// 正式 or 预备 (key).
    pub category: String,
    /// The Party group (党小组) the member is in.
    pub group_id: Option<i64>,
}

/// The active members of an organization in scope, by pinyin: whom an attendance list lists.
pub async fn roster(db: &Db, scope: &Scope, org_id: OrgId) -> StoreResult<Vec<RosterMember>> {
    require_read(scope)?;
    roster_in(db.conn(), scope, org_id).await
}

pub(crate) async fn roster_in<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    org_id: OrgId,
) -> StoreResult<Vec<RosterMember>> {
    let q = Query::select()
        .columns([("p", "id"), ("p", "name"), ("p", "category"), ("p", "name_pinyin")])
        .expr_as(Expr::col(("p", "party_group_id")), "group_id")
        .from_as("member", "p")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("p", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .and_where(Expr::col(("p", "org_id")).eq(org_id.0))
        .and_where(Expr::col(("p", "status")).eq("active"))
        .take();
    #[derive(Deserialize)]
    struct R {
        id: i64,
        name: String,
        category: String,
        name_pinyin: String,
        group_id: Option<i64>,
    }
    let mut rows: Vec<R> =
        crate::sql::fetch_json(conn, &q, &["id", "name", "category", "name_pinyin", "group_id"]).await?;
    rows.sort_by(|a, b| a.name_pinyin.cmp(&b.name_pinyin).then(a.id.cmp(&b.id)));
    Ok(rows
        .into_iter()
        .map(|r| RosterMember { id: r.id, name: r.name, category: r.category, group_id: r.group_id })
        .collect())
}
