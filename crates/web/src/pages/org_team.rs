//! An organization's leadership team (班子) in the browser: the team page (in office and before,
//! also the 班子 section of the organization page, as an htmx fragment), appointing, correcting
//! and ending a term; the 两委 structure view of a township; and the term reminders (换届提醒).
//!
//! Rights are checked before anything is loaded, so a refusal for lack of a right is a 403 that is
//! recorded wherever the object is; then the object, within the scope (outside: 404); then the
//! right over that organization (a 支部书记 keeps only their own organization's team).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use jiceng_store::StoreError;
use jiceng_store::member::{self, Member, MemberFilter};
use jiceng_store::org::team::{
    self, AGE_BANDS, Committee, Post, Reminder, Structure, Team, TeamDraft, TeamMember, TeamMemberId,
};
use jiceng_store::org::{self, Org};
use jiceng_types::person::{Education, MemberStatus};
use jiceng_types::{FieldError, OrgId, OrgStatus, Right};
use serde::Deserialize;

use super::FormErrors;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

/// Common 分工 of committee members, offered as suggestions.
const TITLES: [&str; 10] = [
    "组织委员",
    "宣传委员",
    "纪检委员",
    "青年委员",
    "妇女委员",
    "统战委员",
    "监督委员会主任",
    "妇联主席",
    "治保主任",
    "民兵连长",
];

/// Common reasons a term ends, offered as suggestions.
const END_REASONS: [&str; 7] = ["换届离任", "调离", "辞职", "免职", "退休", "去世", "其他"];

/// The notices after a team change (`?done=…`).
fn flash(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "team_appointed" => "班子成员已任命，已记入组织沿革。",
        "team_updated" => "班子成员信息已更正。",
        "team_ended" => "已办理离任，已记入组织沿革。",
        _ => return None,
    })
}

/// Query carrying a notice key or a page part.
#[derive(Debug, Deserialize, Default)]
pub struct TeamQuery {
    #[serde(default)]
    part: String,
    #[serde(default)]
    committee: String,
    done: Option<String>,
}

async fn require_read(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(super::deny(state, me, "org_team", "no_member_right", "您没有查看班子成员信息的权限").await)
    }
}

/// The organization whose team `me` wants to change: the right first, then the scope, then the
/// right over that organization.
async fn writable_org(state: &AppState, me: &Me, id: OrgId) -> Result<Org, PageError> {
    let s = me.scope();
    let refuse = || super::deny(state, me, "org_team", "no_team_write_right", "您没有维护该组织班子成员的权限");
    if !(s.can(Right::WriteOrgs) || s.can(Right::WriteRecords)) {
        return Err(refuse().await);
    }
    let o = org::get(&state.db, s, &me.meta, id).await?;
    if !team::can_write(s, &o) {
        return Err(refuse().await);
    }
    Ok(o)
}

/// A team row `me` wants to change, with its organization.
async fn writable_row(state: &AppState, me: &Me, id: i64) -> Result<(TeamMember, Org), PageError> {
    let s = me.scope();
    if !(s.can(Right::WriteOrgs) || s.can(Right::WriteRecords)) {
        return Err(super::deny(state, me, "org_team", "no_team_write_right", "您没有维护该组织班子成员的权限").await);
    }
    let t = team::get(&state.db, s, &me.meta, TeamMemberId(id)).await?;
    let o = writable_org(state, me, t.org_id).await?;
    Ok((t, o))
}

/// One committee's rows, for display.
pub struct CommitteeView {
    /// Which.
    pub committee: Committee,
    /// Its members in office.
    pub rows: Vec<TeamMember>,
}

fn committees(team: &Team, village: bool) -> Vec<CommitteeView> {
    Committee::ALL
        .into_iter()
        .filter(|c| *c == Committee::Party || village || !team.current_in(*c).is_empty())
        .map(|c| CommitteeView { committee: c, rows: team.current_in(c).into_iter().cloned().collect() })
        .collect()
}

/// A person's age for display, or empty.
pub fn age(t: &TeamMember, today: &NaiveDate) -> String {
    t.age(*today).map(|a| a.to_string()).unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/team.html")]
pub struct TeamPage {
    ctx: Ctx,
    org: Org,
    committees: Vec<CommitteeView>,
    past: Vec<TeamMember>,
    vacant_since: Option<NaiveDate>,
    can_write: bool,
    show_structure: bool,
    today: NaiveDate,
}

/// The 班子 section of the organization page (htmx loads it there).
#[derive(Template, WebTemplate)]
#[template(path = "orgs/team.html", block = "current")]
pub struct TeamSection {
    org: Org,
    committees: Vec<CommitteeView>,
    vacant_since: Option<NaiveDate>,
    can_write: bool,
    show_structure: bool,
    today: NaiveDate,
}

/// `GET /orgs/{id}/team` (`?part=current`: the section only).
pub async fn show(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<TeamQuery>,
) -> Result<Response, PageError> {
    require_read(&state, &me).await?;
    let s = me.scope();
    let o = org::get(&state.db, s, &me.meta, OrgId(id)).await?;
    let t = team::team(&state.db, s, &me.meta, o.id).await?;
    let village = team::village_level(&state.db, &o).await?;
    let can_write = team::can_write(s, &o) && o.status == OrgStatus::Active;
    let show_structure = !o.kind.is_branch() || village;
    let committees = committees(&t, village);
    let vacant_since = t.secretary_vacant_since();
    let today = view::today();
    if q.part == "current" {
        let section = TeamSection { org: o, committees, vacant_since, can_write, show_structure, today };
        return Ok(section.into_response());
    }
    let mut ctx = Ctx::new(&me, format!("班子成员：{}", o.name), "orgs");
    ctx.flash = flash(q.done.as_deref());
    let page = TeamPage { ctx, org: o, committees, past: t.past, vacant_since, can_write, show_structure, today };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/team_form.html")]
pub struct TeamFormPage {
    ctx: Ctx,
    org: Org,
    heading: String,
    action: String,
    draft: TeamDraft,
    errors: FormErrors,
    /// The members to choose from (appointing only).
    members: Vec<Member>,
    more_members: bool,
    /// The person, when correcting a row (who cannot be changed).
    fixed_person: Option<String>,
    village: bool,
    /// The 书记 and 主任 in office, for the "replace" box.
    heads: Vec<TeamMember>,
    posts: [Post; 5],
    educations: &'static [Education],
    titles: [&'static str; 10],
}

/// What the form needs besides the draft.
struct FormData {
    members: Vec<Member>,
    more_members: bool,
    village: bool,
    heads: Vec<TeamMember>,
}

async fn form_data(state: &AppState, me: &Me, o: &Org, with_members: bool) -> Result<FormData, PageError> {
    let s = me.scope();
    let (members, more_members) = if with_members {
        let filter = MemberFilter { org_id: Some(o.id), ..Default::default() };
        let page = member::list(&state.db, s, &filter, 1, 500).await?;
        let more = page.total > 500;
        (page.items.into_iter().filter(|m| m.status == MemberStatus::Active).collect(), more)
    } else {
        (Vec::new(), false)
    };
    let t = team::team(&state.db, s, &me.meta, o.id).await?;
    let heads = Committee::ALL.into_iter().filter_map(|c| t.head(c).cloned()).collect();
    Ok(FormData { members, more_members, village: team::village_level(&state.db, o).await?, heads })
}

fn form_page(
    me: &Me,
    org: Org,
    edit: Option<&TeamMember>,
    draft: TeamDraft,
    errors: Vec<FieldError>,
    data: FormData,
) -> TeamFormPage {
    let (heading, action) = match edit {
        Some(t) => (format!("更正班子成员信息：{}", t.name), format!("/team/{}/edit", t.id)),
        None => (format!("任命班子成员：{}", org.name), format!("/orgs/{}/team/new", org.id)),
    };
    TeamFormPage {
        ctx: Ctx::new(me, heading.clone(), "orgs"),
        org,
        heading,
        action,
        draft,
        errors: FormErrors(errors),
        members: data.members,
        more_members: data.more_members,
        fixed_person: edit.map(|t| t.name.clone()),
        village: data.village,
        heads: data.heads,
        posts: Post::ALL,
        educations: Education::ALL,
        titles: TITLES,
    }
}

/// The errors of a store refusal that concerns the input, or the refusal itself.
fn input_errors(e: StoreError) -> Result<Vec<FieldError>, PageError> {
    match e {
        StoreError::Invalid(errors) => Ok(errors),
        StoreError::Conflict { message, .. } => Ok(vec![FieldError::new("general", "conflict", message)]),
        other => Err(other.into()),
    }
}

/// `GET /orgs/{id}/team/new` (`?committee=village` for the villagers' committee).
pub async fn new_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<TeamQuery>,
) -> Result<TeamFormPage, PageError> {
    let o = writable_org(&state, &me, OrgId(id)).await?;
    let data = form_data(&state, &me, &o, true).await?;
    let committee = if q.committee == "village" && data.village { Committee::Village } else { Committee::Party };
    let draft = TeamDraft {
        committee: committee.key().into(),
        post: Post::CommitteeMember.key().into(),
        started_on: view::today().to_string(),
        ..Default::default()
    };
    Ok(form_page(&me, o, None, draft, Vec::new(), data))
}

/// `POST /orgs/{id}/team/new`
pub async fn appoint(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(draft): Form<TeamDraft>,
) -> Result<Response, PageError> {
    let o = writable_org(&state, &me, OrgId(id)).await?;
    let errors = match draft.parse(view::today()) {
        Ok(input) => match team::appoint(&state.db, me.scope(), &me.meta, o.id, input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/orgs/{}/team?done=team_appointed", o.id)).into_response()),
            Err(e) => input_errors(e)?,
        },
        Err(e) => e,
    };
    let data = form_data(&state, &me, &o, true).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, form_page(&me, o, None, draft, errors, data)).into_response())
}

/// `GET /team/{id}/edit`
pub async fn edit_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<TeamFormPage, PageError> {
    let (t, o) = writable_row(&state, &me, id).await?;
    let data = form_data(&state, &me, &o, false).await?;
    Ok(form_page(&me, o, Some(&t), TeamDraft::of(&t), Vec::new(), data))
}

/// `POST /team/{id}/edit`: the committee and the person stay as they are.
pub async fn update(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(mut draft): Form<TeamDraft>,
) -> Result<Response, PageError> {
    let (t, o) = writable_row(&state, &me, id).await?;
    let fixed = TeamDraft::of(&t);
    draft.committee = fixed.committee;
    draft.member_id = fixed.member_id;
    draft.replace_current = String::new();
    let errors = match draft.parse(view::today()) {
        Ok(input) => match team::edit(&state.db, me.scope(), &me.meta, t.id, input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/orgs/{}/team?done=team_updated", o.id)).into_response()),
            Err(e) => input_errors(e)?,
        },
        Err(e) => e,
    };
    let data = form_data(&state, &me, &o, false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, form_page(&me, o, Some(&t), draft, errors, data)).into_response())
}

/// The fields of the end-of-term form.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct EndForm {
    /// 离任日期.
    pub ended_on: String,
    /// 离任原因.
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/team_end.html")]
pub struct EndPage {
    ctx: Ctx,
    t: TeamMember,
    form: EndForm,
    errors: FormErrors,
    reasons: [&'static str; 7],
}

fn end_page(me: &Me, t: TeamMember, form: EndForm, errors: Vec<FieldError>) -> EndPage {
    EndPage {
        ctx: Ctx::new(me, format!("办理离任：{}", t.name), "orgs"),
        t,
        form,
        errors: FormErrors(errors),
        reasons: END_REASONS,
    }
}

/// `GET /team/{id}/end`
pub async fn end_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<EndPage, PageError> {
    let (t, _) = writable_row(&state, &me, id).await?;
    let form = EndForm { ended_on: view::today().to_string(), reason: String::new() };
    Ok(end_page(&me, t, form, Vec::new()))
}

/// `POST /team/{id}/end`
pub async fn end(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<EndForm>,
) -> Result<Response, PageError> {
    let (t, o) = writable_row(&state, &me, id).await?;
    let errors = match jiceng_types::date::parse_date(&f.ended_on) {
        Ok(on) => match team::end_term(&state.db, me.scope(), &me.meta, t.id, on, &f.reason).await {
            Ok(_) => return Ok(Redirect::to(&format!("/orgs/{}/team?done=team_ended", o.id)).into_response()),
            Err(e) => input_errors(e)?,
        },
        Err(e) => vec![e.on("ended_on")],
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, end_page(&me, t, f, errors)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/team_structure.html")]
pub struct StructurePage {
    ctx: Ctx,
    org: Org,
    s: Structure,
    bands: [&'static str; 4],
    today: NaiveDate,
}

/// `GET /orgs/{id}/structure`: the 两委 of the villages below an organization.
pub async fn structure(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<StructurePage, PageError> {
    require_read(&state, &me).await?;
    let today = view::today();
    let o = org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?;
    let s = team::structure(&state.db, me.scope(), &me.meta, o.id, today).await?;
    Ok(StructurePage {
        ctx: Ctx::new(&me, format!("村“两委”班子结构：{}", o.name), "orgs"),
        org: o,
        s,
        bands: AGE_BANDS,
        today,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/team_reminders.html")]
pub struct RemindersPage {
    ctx: Ctx,
    reminders: Vec<Reminder>,
    today: NaiveDate,
}

/// `GET /orgs/reminders`: every term reminder in scope, most urgent first.
pub async fn reminders(State(state): State<AppState>, me: Me) -> Result<RemindersPage, PageError> {
    if !me.scope().can(Right::ReadOrgs) {
        return Err(super::deny(&state, &me, "org", "no_org_right", "您没有查看组织体系的权限").await);
    }
    let today = view::today();
    let reminders = team::term_reminders(&state.db, me.scope(), today).await?;
    Ok(RemindersPage { ctx: Ctx::new(&me, "换届提醒", "orgs"), reminders, today })
}
