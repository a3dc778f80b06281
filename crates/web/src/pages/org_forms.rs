//! Changing the tree from the browser: create, edit, move, dissolve, merge. A form with errors
//! comes back with the user's input and a message next to each field.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_store::StoreError;
use jiceng_store::org::{self, Org, OrgDraft};
use jiceng_types::date::parse_optional_date;
use jiceng_types::{FieldError, OrgDomain, OrgId, OrgKind, Right};
use serde::Deserialize;

use super::FormErrors;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

#[derive(Template, WebTemplate)]
#[template(path = "orgs/form.html")]
pub struct OrgForm {
    ctx: Ctx,
    heading: String,
    action: String,
    parent: Option<Org>,
    draft: OrgDraft,
    errors: FormErrors,
    kinds: &'static [OrgKind],
    domains: &'static [OrgDomain],
    cancel: String,
}

/// Query of the new-organization form.
#[derive(Debug, Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    parent: String,
}

fn form(
    me: &Me,
    heading: String,
    action: String,
    parent: Option<Org>,
    draft: OrgDraft,
    errors: Vec<FieldError>,
    cancel: String,
) -> OrgForm {
    OrgForm {
        ctx: Ctx::new(me, heading.clone(), "orgs"),
        heading,
        action,
        parent,
        draft,
        errors: FormErrors(errors),
        kinds: OrgKind::ALL,
        domains: OrgDomain::ALL,
        cancel,
    }
}

async fn refuse_without(state: &AppState, me: &Me, right: Right) -> Result<(), PageError> {
    if me.scope().can(right) {
        Ok(())
    } else {
        Err(super::deny(state, me, "org", "no_org_write_right", "您没有维护组织体系的权限").await)
    }
}

/// `GET /orgs/new?parent=ID`
pub async fn new_form(State(state): State<AppState>, me: Me, Query(q): Query<NewQuery>) -> Result<OrgForm, PageError> {
    let parent = match q.parent.trim().parse::<i64>() {
        Ok(id) => {
            refuse_without(&state, &me, Right::WriteOrgs).await?;
            Some(org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?)
        }
        Err(_) => {
            refuse_without(&state, &me, Right::CreateRootOrgs).await?;
            None
        }
    };
    let draft = OrgDraft {
        parent_id: parent.as_ref().map(|p| p.id.to_string()).unwrap_or_default(),
        domain: parent.as_ref().map(|p| p.domain.key().to_string()).unwrap_or_default(),
        kind: OrgKind::Branch.key().into(),
        ..Default::default()
    };
    let cancel = parent.as_ref().map(|p| format!("/orgs/{}", p.id)).unwrap_or_else(|| "/orgs".into());
    Ok(form(&me, "新建党组织".into(), "/orgs/new".into(), parent, draft, Vec::new(), cancel))
}

/// `POST /orgs/new`
pub async fn create(State(state): State<AppState>, me: Me, Form(draft): Form<OrgDraft>) -> Result<Response, PageError> {
    let parent = match draft.parent_id.trim().parse::<i64>() {
        Ok(id) => org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await.ok(),
        Err(_) => None,
    };
    let cancel = parent.as_ref().map(|p| format!("/orgs/{}", p.id)).unwrap_or_else(|| "/orgs".into());
    let errors = match draft.parse(view::today()) {
        Ok(input) => match org::create(&state.db, me.scope(), &me.meta, input).await {
            Ok(o) => return Ok(Redirect::to(&format!("/orgs/{}?done=org_created", o.id)).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let page = form(&me, "新建党组织".into(), "/orgs/new".into(), parent, draft, errors, cancel);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `GET /orgs/{id}/edit`
pub async fn edit_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<OrgForm, PageError> {
    let o = org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?;
    if !(me.scope().can(Right::CreateRootOrgs) && o.parent_id.is_none()) {
        refuse_without(&state, &me, Right::WriteOrgs).await?;
    }
    let draft = OrgDraft::of(&o);
    Ok(form(
        &me,
        format!("编辑：{}", o.name),
        format!("/orgs/{id}/edit"),
        None,
        draft,
        Vec::new(),
        format!("/orgs/{id}"),
    ))
}

/// `POST /orgs/{id}/edit`
pub async fn update(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(mut draft): Form<OrgDraft>,
) -> Result<Response, PageError> {
    let o = org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?;
    // The parent is changed on the move page, never here.
    draft.parent_id = o.parent_id.map(|p| p.to_string()).unwrap_or_default();
    let errors = match draft.parse(view::today()) {
        Ok(input) => match org::update(&state.db, me.scope(), &me.meta, o.id, input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/orgs/{id}?done=org_updated")).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let page =
        form(&me, format!("编辑：{}", o.name), format!("/orgs/{id}/edit"), None, draft, errors, format!("/orgs/{id}"));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The fields of the move, merge and dissolve forms.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ActionForm {
    /// The target organization (code or name).
    #[serde(default)]
    pub target: String,
    /// The date it takes effect.
    #[serde(default)]
    pub on: String,
    /// The reason (dissolve).
    #[serde(default)]
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/action.html")]
pub struct ActionPage {
    ctx: Ctx,
    org: Org,
    kind: &'static str,
    heading: String,
    explain: &'static str,
    submit: &'static str,
    form: ActionForm,
    errors: FormErrors,
    with_target: bool,
    with_reason: bool,
}

fn action_page(me: &Me, org: Org, kind: &'static str, form: ActionForm, errors: Vec<FieldError>) -> ActionPage {
    let (heading, explain, submit, with_target, with_reason) = match kind {
        "move" => (
            format!("调整隶属关系：{}", org.name),
            "把本组织（连同其全部下级组织）调整到另一个上级组织之下。目标组织须在您的管辖范围内。",
            "调整",
            true,
            false,
        ),
        "merge" => (
            format!("合并：{}", org.name),
            "把本组织并入另一个组织：其下级组织和党员全部转入目标组织，本组织标记为“已合并”，历史记录保留。",
            "合并",
            true,
            false,
        ),
        _ => (
            format!("撤销：{}", org.name),
            "撤销后组织标记为“已撤销”，历史记录保留。撤销前须先撤销或调整其下级组织、转出其党员。",
            "撤销",
            false,
            true,
        ),
    };
    ActionPage {
        ctx: Ctx::new(me, heading.clone(), "orgs"),
        org,
        kind,
        heading,
        explain,
        submit,
        form,
        errors: FormErrors(errors),
        with_target,
        with_reason,
    }
}

async fn load_for_action(state: &AppState, me: &Me, id: i64) -> Result<Org, PageError> {
    refuse_without(state, me, Right::WriteOrgs).await?;
    Ok(org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?)
}

fn default_form() -> ActionForm {
    ActionForm { on: view::today().to_string(), ..Default::default() }
}

/// `GET /orgs/{id}/move`
pub async fn move_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<ActionPage, PageError> {
    let o = load_for_action(&state, &me, id).await?;
    Ok(action_page(&me, o, "move", default_form(), Vec::new()))
}

/// `GET /orgs/{id}/merge`
pub async fn merge_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<ActionPage, PageError> {
    let o = load_for_action(&state, &me, id).await?;
    Ok(action_page(&me, o, "merge", default_form(), Vec::new()))
}

/// `GET /orgs/{id}/dissolve`
pub async fn dissolve_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<ActionPage, PageError> {
    let o = load_for_action(&state, &me, id).await?;
    Ok(action_page(&me, o, "dissolve", default_form(), Vec::new()))
}

/// Run one of the three actions; on a refusal that concerns the input, re-render the form.
async fn run_action(
    state: AppState,
    me: Me,
    id: i64,
    kind: &'static str,
    f: ActionForm,
) -> Result<Response, PageError> {
    let o = load_for_action(&state, &me, id).await?;
    let mut errors = Vec::new();
    let on = match parse_optional_date(&f.on) {
        Ok(Some(d)) if d > view::today() => {
            errors.push(FieldError::new("on", "in_future", "生效日期不能晚于今天"));
            None
        }
        Ok(Some(d)) => Some(d),
        Ok(None) => Some(view::today()),
        Err(e) => {
            errors.push(e.on("on"));
            None
        }
    };
    let target = if kind == "dissolve" {
        None
    } else {
        match org::resolve(&state.db, me.scope(), "target", &f.target).await? {
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(e);
                None
            }
        }
    };
    if errors.is_empty() {
        let on = on.unwrap_or_else(view::today);
        let result = match (kind, &target) {
            ("move", Some(t)) => {
                org::move_to(&state.db, me.scope(), &me.meta, o.id, t.id, on).await.map(|_| "org_moved")
            }
            ("merge", Some(t)) => {
                org::merge_into(&state.db, me.scope(), &me.meta, o.id, t.id, on).await.map(|_| "org_merged")
            }
            _ => org::dissolve(&state.db, me.scope(), &me.meta, o.id, on, &f.reason).await.map(|_| "org_dissolved"),
        };
        match result {
            Ok(done) => return Ok(Redirect::to(&format!("/orgs/{id}?done={done}")).into_response()),
            Err(StoreError::Invalid(e)) => {
                errors = e
                    .into_iter()
                    .map(|mut e| {
                        if e.field == "parent_id" || e.field == "target_id" {
                            e.field = "target".into();
                        }
                        e
                    })
                    .collect();
            }
            Err(StoreError::Conflict { message, .. }) => errors.push(FieldError::new("general", "conflict", message)),
            Err(e) => return Err(e.into()),
        }
    }
    let page = action_page(&me, o, kind, f, errors);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `POST /orgs/{id}/move`
pub async fn move_org(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Response, PageError> {
    run_action(state, me, id, "move", f).await
}

/// `POST /orgs/{id}/merge`
pub async fn merge(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Response, PageError> {
    run_action(state, me, id, "merge", f).await
}

/// `POST /orgs/{id}/dissolve`
pub async fn dissolve(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<ActionForm>,
) -> Result<Response, PageError> {
    run_action(state, me, id, "dissolve", f).await
}
