//! The leadership team (班子) of an organization: the members of its Party committee (书记, 副书记,
//! 委员) and, for a village, of its villagers' committee (村民委员会: 主任, 副主任, 委员), each with
//! the dates of their term, and the 一肩挑 flag (the village Party secretary is also the
//! committee's 主任). Also the term reminders (换届提醒) and the 两委 structure view.
//!
//! Why under `org`: a team row belongs to an organization and is visible and changeable exactly
//! when that organization is in scope (by its path), like the organization itself. Team rows hold
//! personal data (birth dates, education), so reading them needs the right to read member data.
//! A row linked to a member shows the member record's current name, gender, birth date and
//! education ("never ask for what the system already knows"); the copies in the row are what was
//! known at the appointment, and all there is for a villagers' committee member who is not a
//! Party member.
//!
//! Files: this one (the model and the reads), `input` (the form as typed → checked input),
//! `write` (appoint, edit, end a term: one transaction each, with history and audit), `report`
//! (term reminders and the 两委 structure view).

mod input;
mod report;
mod write;

pub use input::{Person, TeamDraft, TeamInput};
pub use report::{
    AGE_BANDS, Reminder, ReminderLevel, Structure, StructureRow, reminder_for, structure, term_reminders,
};
pub use write::{appoint, can_write, edit, end_term, village_level};

use std::collections::HashMap;

use chrono::NaiveDate;
use jiceng_types::person::{Education, Gender};
use jiceng_types::{MemberId, OrgId, OrgPath, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Func, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};

use crate::error::{StoreError, StoreResult};
use crate::scope_sql::path_in_scope;
use crate::sql::count_where;
use crate::{Db, Meta};

/// The id of one team row (one person's term in one post).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TeamMemberId(pub i64);

impl std::fmt::Display for TeamMemberId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for TeamMemberId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(TeamMemberId)
    }
}

/// Which committee a team row belongs to (the `committee` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Committee {
    /// 党组织委员会 (支委会, 总支委员会, 党委): every organization has one.
    Party,
    /// 村民委员会: only a village's Party organization records it (the other half of 两委).
    Village,
}

impl Committee {
    /// Both, in display order.
    pub const ALL: [Committee; 2] = [Committee::Party, Committee::Village];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Committee::Party => "party",
            Committee::Village => "village",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Committee::Party => "党组织委员会",
            Committee::Village => "村民委员会",
        }
    }

    /// Parse the key or the label.
    pub fn parse(s: &str) -> Option<Committee> {
        Committee::ALL.into_iter().find(|c| c.key() == s.trim() || c.label() == s.trim())
    }

    /// The head's post (书记 or 主任): one at a time per organization.
    pub fn head(self) -> Post {
        match self {
            Committee::Party => Post::Secretary,
            Committee::Village => Post::Director,
        }
    }

    /// The posts of this committee, head first.
    pub fn posts(self) -> &'static [Post] {
        match self {
            Committee::Party => &[Post::Secretary, Post::DeputySecretary, Post::CommitteeMember],
            Committee::Village => &[Post::Director, Post::DeputyDirector, Post::CommitteeMember],
        }
    }
}

/// A post in a committee (the `post` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    /// 书记
    Secretary,
    /// 副书记
    DeputySecretary,
    /// 主任 (村民委员会)
    Director,
    /// 副主任 (村民委员会)
    DeputyDirector,
    /// 委员 (either committee)
    CommitteeMember,
}

impl Post {
    /// Every post, in display order.
    pub const ALL: [Post; 5] =
        [Post::Secretary, Post::DeputySecretary, Post::Director, Post::DeputyDirector, Post::CommitteeMember];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Post::Secretary => "secretary",
            Post::DeputySecretary => "deputy_secretary",
            Post::Director => "director",
            Post::DeputyDirector => "deputy_director",
            Post::CommitteeMember => "member",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Post::Secretary => "书记",
            Post::DeputySecretary => "副书记",
            Post::Director => "主任",
            Post::DeputyDirector => "副主任",
            Post::CommitteeMember => "委员",
        }
    }

    /// Parse the key or the label.
    pub fn parse(s: &str) -> Option<Post> {
        Post::ALL.into_iter().find(|p| p.key() == s.trim() || p.label() == s.trim())
    }

    /// The order within a committee (head first).
    fn rank(self) -> u8 {
        match self {
            Post::Secretary | Post::Director => 0,
            Post::DeputySecretary | Post::DeputyDirector => 1,
            Post::CommitteeMember => 2,
        }
    }
}

/// One person's term in one post of an organization's team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamMember {
    /// Id.
    pub id: TeamMemberId,
    /// The organization.
    pub org_id: OrgId,
    /// Its name.
    pub org_name: String,
    /// Its path (for scope checks and audit rows).
    #[serde(skip)]
    pub org_path: OrgPath,
    /// The member record, if the person is a Party member registered here.
    pub member_id: Option<MemberId>,
    /// Which committee.
    pub committee: Committee,
    /// 姓名.
    pub name: String,
    /// 性别.
    pub gender: Option<Gender>,
    /// 出生日期.
    pub birth_date: Option<NaiveDate>,
    /// 学历.
    pub education: Option<Education>,
    /// 职务.
    pub post: Post,
    /// 分工 (组织委员, 宣传委员, 纪检委员, …).
    pub title: Option<String>,
    /// 一肩挑: the village Party secretary is also the villagers' committee's 主任.
    pub dual_role: bool,
    /// 任职日期.
    pub started_on: NaiveDate,
    /// 离任日期 (`None` while in office).
    pub ended_on: Option<NaiveDate>,
}

impl TeamMember {
    /// In office (no end date).
    pub fn is_current(&self) -> bool {
        self.ended_on.is_none()
    }

    /// Age in whole years on `on`, if the birth date is known.
    pub fn age(&self, on: NaiveDate) -> Option<i32> {
        self.birth_date.map(|b| crate::member::whole_years(b, on))
    }

    /// The post as shown: `书记`, `委员（组织委员）`.
    pub fn post_label(&self) -> String {
        match &self.title {
            Some(t) => format!("{}（{t}）", self.post.label()),
            None => self.post.label().to_string(),
        }
    }

    /// The recorded fields, as JSON (for history and audit before/after).
    pub(crate) fn audit_fields(&self) -> serde_json::Value {
        serde_json::json!({
            "committee": self.committee.key(),
            "member_id": self.member_id,
            "name": self.name,
            "gender": self.gender.map(Gender::key),
            "birth_date": self.birth_date,
            "education": self.education.map(Education::key),
            "post": self.post.key(),
            "title": self.title,
            "dual_role": self.dual_role,
            "started_on": self.started_on,
            "ended_on": self.ended_on,
        })
    }

    fn sort_key(&self) -> (Committee, u8, NaiveDate, i64) {
        (self.committee, self.post.rank(), self.started_on, self.id.0)
    }
}

#[derive(Debug, FromQueryResult)]
struct TeamRow {
    id: i64,
    org_id: i64,
    org_name: String,
    org_path: String,
    member_id: Option<i64>,
    committee: String,
    name: String,
    gender: Option<String>,
    birth_date: Option<NaiveDate>,
    education: Option<String>,
    post: String,
    title: Option<String>,
    dual_role: bool,
    started_on: NaiveDate,
    ended_on: Option<NaiveDate>,
}

impl TryFrom<TeamRow> for TeamMember {
    type Error = StoreError;
    fn try_from(r: TeamRow) -> StoreResult<TeamMember> {
        let bad = |what: &str, v: &str| StoreError::Corrupt(format!("org_team {}: bad {what} {v:?}", r.id));
        let opt = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
        Ok(TeamMember {
            id: TeamMemberId(r.id),
            org_id: OrgId(r.org_id),
            org_path: OrgPath::parse(&r.org_path).ok_or_else(|| bad("org path", &r.org_path))?,
            member_id: r.member_id.map(MemberId),
            committee: Committee::parse(&r.committee).ok_or_else(|| bad("committee", &r.committee))?,
            gender: match opt(&r.gender) {
                Some(g) => Some(Gender::parse(&g).ok_or_else(|| bad("gender", &g))?),
                None => None,
            },
            education: match opt(&r.education) {
                Some(e) => Some(Education::parse(&e).ok_or_else(|| bad("education", &e))?),
                None => None,
            },
            post: Post::parse(&r.post).ok_or_else(|| bad("post", &r.post))?,
            org_name: r.org_name,
            name: r.name,
            birth_date: r.birth_date,
            title: r.title.filter(|t| !t.is_empty()),
            dual_role: r.dual_role,
            started_on: r.started_on,
            ended_on: r.ended_on,
        })
    }
}

/// `SELECT` team rows with their organization, limited to the scope (by the organization's
/// path); a linked member's current personal data wins over the row's copy.
pub(crate) fn select_in_scope(scope: &Scope) -> SelectStatement {
    let pick = |col: &'static str| Func::coalesce([Expr::col(("m", col)), Expr::col(("t", col))]);
    Query::select()
        .columns(
            ["id", "org_id", "member_id", "committee", "post", "title", "dual_role", "started_on", "ended_on"]
                .map(|c| ("t", c)),
        )
        .expr_as(Expr::col(("o", "name")), "org_name")
        .expr_as(Expr::col(("o", "path")), "org_path")
        .expr_as(pick("name"), "name")
        .expr_as(pick("gender"), "gender")
        .expr_as(pick("birth_date"), "birth_date")
        .expr_as(pick("education"), "education")
        .from_as("org_team", "t")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("t", "org_id")))
        .join_as(JoinType::LeftJoin, "member", "m", Expr::col(("m", "id")).equals(("t", "member_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .take()
}

/// The team rows a select returns, in display order.
pub(crate) async fn fetch_rows<C: ConnectionTrait>(conn: &C, q: &SelectStatement) -> StoreResult<Vec<TeamMember>> {
    let rows = conn.query_all(q).await?;
    let mut out = rows
        .iter()
        .map(|r| TeamMember::try_from(TeamRow::from_query_result(r, "")?))
        .collect::<StoreResult<Vec<TeamMember>>>()?;
    out.sort_by_key(TeamMember::sort_key);
    Ok(out)
}

fn require_read(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_member_right", "您没有查看班子成员信息的权限"))
    }
}

/// An organization's team: who is in office now, and who was before.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Team {
    /// In office, by committee (党组织 first) and post (head first).
    pub current: Vec<TeamMember>,
    /// Ended terms, the most recent first.
    pub past: Vec<TeamMember>,
}

impl Team {
    /// Those in office in one committee, head first.
    pub fn current_in(&self, committee: Committee) -> Vec<&TeamMember> {
        self.current.iter().filter(|t| t.committee == committee).collect()
    }

    /// The head in office (书记 or 主任), if any.
    pub fn head(&self, committee: Committee) -> Option<&TeamMember> {
        self.current.iter().find(|t| t.committee == committee && t.post == committee.head())
    }

    /// Since when the secretary's post has been empty: the last secretary's end date, if no
    /// secretary is in office and one ever was.
    pub fn secretary_vacant_since(&self) -> Option<NaiveDate> {
        if self.head(Committee::Party).is_some() {
            return None;
        }
        self.past
            .iter()
            .filter(|t| t.committee == Committee::Party && t.post == Post::Secretary)
            .filter_map(|t| t.ended_on)
            .max()
    }

    /// Members of the Party committee in office (书记、副书记、委员).
    pub fn committee_size(&self) -> usize {
        self.current_in(Committee::Party).len()
    }
}

/// The team of an organization in scope (needs the right to read member data). Outside the scope
/// (or nonexistent): `NotFound`, an attempt on an existing organization recorded.
pub async fn team(db: &Db, scope: &Scope, meta: &Meta, org_id: OrgId) -> StoreResult<Team> {
    require_read(scope)?;
    let org = super::get(db, scope, meta, org_id).await?;
    let q = select_in_scope(scope).and_where(Expr::col(("t", "org_id")).eq(org.id.0)).take();
    let (current, mut past): (Vec<TeamMember>, Vec<TeamMember>) =
        fetch_rows(db.conn(), &q).await?.into_iter().partition(TeamMember::is_current);
    past.sort_by_key(|t| std::cmp::Reverse((t.ended_on, t.started_on, t.id)));
    Ok(Team { current, past })
}

/// One team row in scope. Outside the scope (or nonexistent): `NotFound`, an attempt on an
/// existing row recorded.
pub async fn get(db: &Db, scope: &Scope, meta: &Meta, id: TeamMemberId) -> StoreResult<TeamMember> {
    require_read(scope)?;
    let q = select_in_scope(scope).and_where(Expr::col(("t", "id")).eq(id.0)).take();
    if let Some(t) = fetch_rows(db.conn(), &q).await?.pop() {
        return Ok(t);
    }
    let exists = Query::select().expr(Expr::val(1)).from("org_team").and_where(Expr::col("id").eq(id.0)).take();
    if db.conn().query_one(&exists).await?.is_some() {
        crate::audit::record_denied(db, scope, meta, "org_team", Some(id.to_string()), "out_of_scope").await?;
    }
    Err(StoreError::NotFound)
}

/// Who a team event of an organization's history is about, as the timeline shows it:
/// `张三，党组织委员会书记`; `None` for other events.
pub fn event_subject(e: &super::Event) -> Option<String> {
    if !e.kind.starts_with("team_") {
        return None;
    }
    let text = |k: &str| e.detail.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let mut s = format!("{}，{}{}", text("name"), text("committee"), text("post"));
    if let Some(r) = e.detail.get("reason").and_then(|v| v.as_str()) {
        s.push_str(&format!("，{r}"));
    }
    Some(s)
}

/// What the data-quality checks need to know about an organization's Party committee.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TeamFacts {
    /// Members of its Party committee in office (书记、副书记、委员).
    pub committee_size: u32,
    /// A secretary is in office.
    pub has_secretary: bool,
    /// Since when the secretary's post has been empty (the last secretary's end date), if no
    /// secretary is in office and one ever was.
    pub secretary_vacant_since: Option<NaiveDate>,
}

/// The Party-committee facts of every active organization in scope that has any team row, in
/// one query. An organization missing from the map has never had a team recorded (no secretary,
/// vacancy date unknown). Needs only the right to read the tree: no personal data leaves.
pub async fn team_facts(db: &Db, scope: &Scope) -> StoreResult<HashMap<OrgId, TeamFacts>> {
    if !scope.can(Right::ReadOrgs) {
        return Err(StoreError::forbidden("no_org_right", "您没有查看组织体系的权限"));
    }
    let current = || Expr::col(("t", "ended_on")).is_null();
    let secretary = || Expr::col(("t", "post")).eq(Post::Secretary.key());
    let q = Query::select()
        .column(("t", "org_id"))
        .expr_as(count_where(current()), "committee_size")
        .expr_as(count_where(current().and(secretary())), "secretaries")
        .expr_as(Func::max(Expr::case(secretary(), Expr::col(("t", "ended_on")))), "last_ended")
        .from_as("org_team", "t")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("t", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .and_where(Expr::col(("o", "status")).eq(jiceng_types::OrgStatus::Active.key()))
        .and_where(Expr::col(("t", "committee")).eq(Committee::Party.key()))
        .group_by_col(("t", "org_id"))
        .take();
    #[derive(FromQueryResult)]
    struct Row {
        org_id: i64,
        committee_size: i64,
        secretaries: i64,
        last_ended: Option<NaiveDate>,
    }
    let rows = db.conn().query_all(&q).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in &rows {
        let r = Row::from_query_result(r, "")?;
        let has_secretary = r.secretaries > 0;
        out.insert(
            OrgId(r.org_id),
            TeamFacts {
                committee_size: u32::try_from(r.committee_size).unwrap_or(0),
                has_secretary,
                secretary_vacant_since: if has_secretary { None } else { r.last_ended },
            },
        );
    }
    Ok(out)
}
