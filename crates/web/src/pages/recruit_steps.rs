//! Changing a person in member development: recording a step (refused steps come back on the
//! person page with the input kept and each rule's message next to its field), deleting the last
//! step and leaving the pipeline, each with a reason behind a confirmation form. The store checks
//! the rules, the scope and writes the audit record; these handlers read forms and render.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_rules::recruit::Step;
use jiceng_store::StoreError;
use jiceng_store::recruit::{self, Person};
use jiceng_types::{FieldError, Right};
use serde::Deserialize;

use super::FormErrors;
use super::recruit_person::{FormState, NAV, RecordView, person_page, summary};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

mod form;

pub use form::StepForm;

async fn require_write(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(super::deny(state, me, "recruit_person", "no_record_write_right", "您没有录入发展党员信息的权限").await)
    }
}

/// A refusal of the store as errors a form shows: field errors as they are, a conflict (the
/// person has left the pipeline, the step cannot be undone …) as an error at the top.
fn form_errors(e: StoreError) -> Result<(StatusCode, Vec<FieldError>), PageError> {
    match e {
        StoreError::Invalid(errors) => Ok((StatusCode::UNPROCESSABLE_ENTITY, errors)),
        StoreError::Conflict { code, message } => Ok((StatusCode::CONFLICT, vec![FieldError::new("", code, message)])),
        other => Err(other.into()),
    }
}

/// `POST /recruits/{id}/steps`: record a step. Refused: the person page again, with the input.
pub async fn record(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let (form, step_error) = StepForm::posted(&pairs, Step::ApplicationTalk);
    let (status, errors) = match (step_error, form.input()) {
        (Some(e), _) => (StatusCode::UNPROCESSABLE_ENTITY, vec![e]),
        (None, Err(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        (None, Ok(input)) => match recruit::record_step(&state.db, me.scope(), &me.meta, id, input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/recruits/{id}?done=step_recorded#timeline")).into_response()),
            Err(e) => form_errors(e)?,
        },
    };
    // The person is read again in scope: outside it, this is a 404 like any other read.
    let d = recruit::get(&state.db, me.scope(), &me.meta, id).await?;
    let page = person_page(&state, &me, d, FormState::Posted(Box::new(form)), errors).await?;
    Ok((status, page).into_response())
}

/// The reason of a deletion or a withdrawal.
#[derive(Debug, Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// The confirmation of a step's deletion.
#[derive(Template, WebTemplate)]
#[template(path = "recruits/step_delete.html")]
pub struct DeletePage {
    ctx: Ctx,
    p: Person,
    step_number: u8,
    step_label: &'static str,
    record: RecordView,
    /// Why this step cannot be deleted (empty when it can).
    blocked: String,
    reason: String,
    errors: FormErrors,
}

async fn delete_page(
    state: &AppState,
    me: &Me,
    id: i64,
    step_id: i64,
    reason: String,
    errors: Vec<FieldError>,
) -> Result<DeletePage, PageError> {
    let d = recruit::get(&state.db, me.scope(), &me.meta, id).await?;
    let s = d.steps.iter().find(|s| s.id == step_id).ok_or(StoreError::NotFound)?;
    let blocked = match d.steps.last() {
        _ if !d.person.status.is_open() => "该人员已退出发展程序或被取消预备党员资格，不能再更改发展步骤。".to_string(),
        Some(last) if last.id != step_id => {
            format!(
                "只能删除最后一个步骤：第{}步“{}”（{}）。",
                last.step.number(),
                last.step.full_label(),
                last.held_on
            )
        }
        _ if s.step == Step::Application => {
            "递交入党申请书是发展程序的起点，不能删除；如不再发展，请办理退出发展程序。".to_string()
        }
        _ if matches!(s.step, Step::AdmissionApproval | Step::RegularizationApproval) => {
            "该步骤已登记或变更了党员名册中的信息，不能删除；如需更正，请在党员信息中办理。".to_string()
        }
        _ => String::new(),
    };
    let record = RecordView {
        id: s.id,
        held_on: s.held_on.to_string(),
        actor: s.actor.clone(),
        note: s.note.clone(),
        override_reason: s.override_reason.clone(),
        summary: summary(&s.facts),
        recorded: format!("{} 记录于 {}", s.recorded_by, view::time(&s.recorded_at)),
        deletable: blocked.is_empty(),
    };
    Ok(DeletePage {
        ctx: Ctx::new(me, "删除发展步骤", NAV),
        step_number: s.step.number(),
        step_label: s.step.full_label(),
        p: d.person,
        record,
        blocked,
        reason,
        errors: FormErrors(errors),
    })
}

/// `GET /recruits/{id}/steps/{step_id}/delete`: confirm, with a reason.
pub async fn delete_form(
    State(state): State<AppState>,
    me: Me,
    PagePath((id, step_id)): PagePath<(i64, i64)>,
) -> Result<DeletePage, PageError> {
    require_write(&state, &me).await?;
    delete_page(&state, &me, id, step_id, String::new(), Vec::new()).await
}

/// `POST /recruits/{id}/steps/{step_id}/delete`: only the last step, never one that changed the
/// member registry; the reason goes into the audit record.
pub async fn delete(
    State(state): State<AppState>,
    me: Me,
    PagePath((id, step_id)): PagePath<(i64, i64)>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let (status, errors) = match recruit::delete_step(&state.db, me.scope(), &me.meta, id, step_id, &f.reason).await {
        Ok(_) => return Ok(Redirect::to(&format!("/recruits/{id}?done=step_deleted#timeline")).into_response()),
        Err(e) => form_errors(e)?,
    };
    let page = delete_page(&state, &me, id, step_id, f.reason, errors).await?;
    Ok((status, page).into_response())
}

/// The confirmation of a withdrawal.
#[derive(Template, WebTemplate)]
#[template(path = "recruits/person_withdraw.html")]
pub struct WithdrawPage {
    ctx: Ctx,
    p: Person,
    reason: String,
    errors: FormErrors,
}

async fn withdraw_page(
    state: &AppState,
    me: &Me,
    id: i64,
    reason: String,
    errors: Vec<FieldError>,
) -> Result<WithdrawPage, PageError> {
    let d = recruit::get(&state.db, me.scope(), &me.meta, id).await?;
    Ok(WithdrawPage { ctx: Ctx::new(me, "退出发展程序", NAV), p: d.person, reason, errors: FormErrors(errors) })
}

/// `GET /recruits/{id}/withdraw`: confirm, with a reason.
pub async fn withdraw_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<WithdrawPage, PageError> {
    require_write(&state, &me).await?;
    withdraw_page(&state, &me, id, String::new(), Vec::new()).await
}

/// `POST /recruits/{id}/withdraw`: the person leaves the pipeline before admission.
pub async fn withdraw(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let (status, errors) = match recruit::withdraw(&state.db, me.scope(), &me.meta, id, &f.reason).await {
        Ok(_) => return Ok(Redirect::to(&format!("/recruits/{id}?done=withdrawn")).into_response()),
        Err(e) => form_errors(e)?,
    };
    let page = withdraw_page(&state, &me, id, f.reason, errors).await?;
    Ok((status, page).into_response())
}
