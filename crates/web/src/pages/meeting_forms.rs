//! Recording a meeting: quick entry on a phone (kind, date, topic, attendance, the 第一议题 item:
//! a complete record in under a minute) and the full form (minutes, votes, the rectification
//! list, …) for a new record or a correction.
//!
//! Both forms post repeated names (one `member` and at most one `present` per roster member), so
//! they are read as a list of pairs rather than into a struct.

use std::collections::{HashMap, HashSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_store::StoreError;
use jiceng_store::meeting::group::PartyGroup;
use jiceng_store::meeting::{self, Meeting, RosterMember, Source, study};
use jiceng_store::org::{self, Org};
use jiceng_types::{FieldError, MeetingKind, OrgId, Right};
use serde::Deserialize;

use super::FormErrors;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

mod input;

use input::Posted;
pub use input::{AttendRow, MeetingForm, QuickForm, StudyOption, default_kind};

/// How far back quick entry offers 第一议题 items.
const QUICK_STUDY_DAYS: i64 = 60;

async fn require_write(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(super::deny(state, me, "meeting", "no_record_write_right", "您没有录入组织生活记录的权限").await)
    }
}

/// The organization named by `?org=` (default: the user's own).
async fn org_of(state: &AppState, me: &Me, org: &str) -> Result<Org, PageError> {
    let id = match org.trim() {
        "" => me.scope().actor().org_id.ok_or(PageError::Status(StatusCode::NOT_FOUND, "请先选择党组织。"))?,
        s => OrgId(s.parse().map_err(|_| PageError::Status(StatusCode::NOT_FOUND, "党组织不存在。"))?),
    };
    Ok(org::get(&state.db, me.scope(), &me.meta, id).await?)
}

async fn studies(
    state: &AppState,
    me: &Me,
    org: OrgId,
    since_days: Option<i64>,
) -> Result<Vec<StudyOption>, PageError> {
    let today = view::today();
    let items = study::list_for_org(&state.db, me.scope(), org, today).await?;
    Ok(items
        .into_iter()
        .filter(|s| since_days.is_none_or(|d| s.published_on >= today - chrono::Duration::days(d)))
        .map(|s| StudyOption { id: s.id, title: s.title, published_on: s.published_on })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Quick entry

#[derive(Template, WebTemplate)]
#[template(path = "meetings/quick.html")]
pub struct QuickPage {
    ctx: Ctx,
    org: Org,
    form: QuickForm,
    errors: FormErrors,
    kinds: &'static [MeetingKind],
    studies: Vec<StudyOption>,
}

/// Query naming the organization.
#[derive(Debug, Deserialize, Default)]
pub struct OrgQuery {
    #[serde(default)]
    org: String,
}

fn quick_page(me: &Me, org: Org, form: QuickForm, errors: Vec<FieldError>, studies: Vec<StudyOption>) -> QuickPage {
    QuickPage {
        ctx: Ctx::new(me, "快速录入", "meetings"),
        org,
        form,
        errors: FormErrors(errors),
        kinds: MeetingKind::ALL,
        studies,
    }
}

/// The members of the organization's Party committee in office who are in the roster.
async fn committee_of(state: &AppState, me: &Me, org: jiceng_types::OrgId) -> Result<HashSet<i64>, PageError> {
    let team = jiceng_store::org::team::team(&state.db, me.scope(), &me.meta, org).await?;
    Ok(team
        .current_in(jiceng_store::org::team::Committee::Party)
        .iter()
        .filter_map(|t| t.member_id.map(|m| m.0))
        .collect())
}

/// `GET /meetings/quick?org=ID`
pub async fn quick_form(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<OrgQuery>,
) -> Result<QuickPage, PageError> {
    require_write(&state, &me).await?;
    let org = org_of(&state, &me, &q.org).await?;
    let roster = meeting::roster(&state.db, me.scope(), org.id).await?;
    let studies = studies(&state, &me, org.id, Some(QUICK_STUDY_DAYS)).await?;
    let mut attendance = AttendRow::roster(&roster);
    AttendRow::mark_committee(&mut attendance, &committee_of(&state, &me, org.id).await?);
    let form = QuickForm {
        kind: default_kind(&org).key().into(),
        held_on: view::today().to_string(),
        attendance,
        ..Default::default()
    };
    Ok(quick_page(&me, org, form, Vec::new(), studies))
}

/// `POST /meetings/quick`
pub async fn quick_create(
    State(state): State<AppState>,
    me: Me,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let p = Posted(pairs);
    let org = org_of(&state, &me, &p.one("org")).await?;
    let roster = meeting::roster(&state.db, me.scope(), org.id).await?;
    let names: HashMap<i64, String> = roster.iter().map(|m| (m.id, m.name.clone())).collect();
    let studies = studies(&state, &me, org.id, Some(QUICK_STUDY_DAYS)).await?;
    let mut attendance = AttendRow::posted(&p, &names);
    let committee = committee_of(&state, &me, org.id).await?;
    AttendRow::mark_committee(&mut attendance, &committee);
    let kind = p.one("kind");
    // A committee meeting is attended by the committee: without the page's script every member
    // is posted, so the others are dropped here.
    if MeetingKind::parse(&kind).is_some_and(|k| k.is_committee_kind()) && !committee.is_empty() {
        attendance.retain(|a| a.committee);
    }
    let form = QuickForm {
        kind,
        held_on: p.one("held_on"),
        topic: p.one("topic"),
        study_item: p.one("study_item"),
        attendance,
    };
    let errors = match form.input(org.id, &studies) {
        Ok(input) => match meeting::create(&state.db, me.scope(), &me.meta, input).await {
            Ok(m) => return Ok(Redirect::to(&format!("/meetings/{}?done=recorded", m.row.id)).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, quick_page(&me, org, form, errors, studies)).into_response())
}

// ---------------------------------------------------------------------------------------------
// The full form

#[derive(Template, WebTemplate)]
#[template(path = "meetings/form.html")]
pub struct FormPage {
    ctx: Ctx,
    heading: String,
    action: String,
    cancel: String,
    org: Org,
    form: MeetingForm,
    errors: FormErrors,
    kinds: &'static [MeetingKind],
    groups: Vec<PartyGroup>,
    studies: Vec<StudyOption>,
    roster: Vec<RosterMember>,
}

/// What a form of one organization offers: its groups, recent study items (and those already
/// chosen), its roster.
struct Choices {
    groups: Vec<PartyGroup>,
    studies: Vec<StudyOption>,
    roster: Vec<RosterMember>,
}

async fn choices(state: &AppState, me: &Me, org: OrgId, current: Option<&Meeting>) -> Result<Choices, PageError> {
    let groups = meeting::group::list(&state.db, me.scope(), org).await?;
    let mut studies = studies(state, me, org, None).await?;
    for s in current.map(|m| m.study_items.as_slice()).unwrap_or_default() {
        if !studies.iter().any(|x| x.id == s.id) {
            studies.push(StudyOption { id: s.id, title: s.title.clone(), published_on: s.published_on });
        }
    }
    let roster = meeting::roster(&state.db, me.scope(), org).await?;
    Ok(Choices { groups, studies, roster })
}

struct FormFrame {
    heading: String,
    action: String,
    cancel: String,
}

fn form_page(me: &Me, f: FormFrame, org: Org, form: MeetingForm, errors: Vec<FieldError>, c: Choices) -> FormPage {
    FormPage {
        ctx: Ctx::new(me, f.heading.clone(), "meetings"),
        heading: f.heading,
        action: f.action,
        cancel: f.cancel,
        org,
        form,
        errors: FormErrors(errors),
        kinds: MeetingKind::ALL,
        groups: c.groups.into_iter().filter(|g| g.is_active()).collect(),
        studies: c.studies,
        roster: c.roster,
    }
}

fn new_frame(org: &Org) -> FormFrame {
    FormFrame {
        heading: "录入组织生活记录".into(),
        action: format!("/meetings/new?org={}", org.id),
        cancel: format!("/orgs/{}/meetings", org.id),
    }
}

fn edit_frame(m: &Meeting) -> FormFrame {
    FormFrame {
        heading: format!("修改记录：{} {}", m.row.held_on, m.row.topic),
        action: format!("/meetings/{}/edit", m.row.id),
        cancel: format!("/meetings/{}", m.row.id),
    }
}

/// `GET /meetings/new?org=ID`
pub async fn new_form(State(state): State<AppState>, me: Me, Query(q): Query<OrgQuery>) -> Result<FormPage, PageError> {
    require_write(&state, &me).await?;
    let org = org_of(&state, &me, &q.org).await?;
    let c = choices(&state, &me, org.id, None).await?;
    let form = MeetingForm::blank(&org, &c.roster);
    Ok(form_page(&me, new_frame(&org), org, form, Vec::new(), c))
}

/// `POST /meetings/new?org=ID`
pub async fn create(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<OrgQuery>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let org = org_of(&state, &me, &q.org).await?;
    let c = choices(&state, &me, org.id, None).await?;
    let names: HashMap<i64, String> = c.roster.iter().map(|m| (m.id, m.name.clone())).collect();
    let form = MeetingForm::posted(&Posted(pairs), &names);
    let errors = match form.input(org.id, Source::Form) {
        Ok(input) => match meeting::create(&state.db, me.scope(), &me.meta, input).await {
            Ok(m) => return Ok(Redirect::to(&format!("/meetings/{}?done=recorded", m.row.id)).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let page = form_page(&me, new_frame(&org), org, form.with_blank_rows(), errors, c);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `GET /meetings/{id}/edit`
pub async fn edit_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<FormPage, PageError> {
    require_write(&state, &me).await?;
    let m = meeting::get(&state.db, me.scope(), &me.meta, id).await?;
    let org = org::get(&state.db, me.scope(), &me.meta, m.row.org_id).await?;
    let c = choices(&state, &me, org.id, Some(&m)).await?;
    Ok(form_page(&me, edit_frame(&m), org, MeetingForm::of(&m), Vec::new(), c))
}

/// `POST /meetings/{id}/edit`
pub async fn update(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let m = meeting::get(&state.db, me.scope(), &me.meta, id).await?;
    let org = org::get(&state.db, me.scope(), &me.meta, m.row.org_id).await?;
    let c = choices(&state, &me, org.id, Some(&m)).await?;
    let mut names: HashMap<i64, String> = c.roster.iter().map(|r| (r.id, r.name.clone())).collect();
    names.extend(m.attendance.iter().map(|a| (a.member_id.0, a.name.clone())));
    let form = MeetingForm::posted(&Posted(pairs), &names);
    let errors = match form.input(org.id, m.row.source) {
        Ok(input) => match meeting::update(&state.db, me.scope(), &me.meta, id, input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/meetings/{id}?done=updated")).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let page = form_page(&me, edit_frame(&m), org, form.with_blank_rows(), errors, c);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
