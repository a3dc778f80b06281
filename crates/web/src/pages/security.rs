//! The 安全管理员's page: the security policy and every active session.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_store::StoreError;
use jiceng_store::auth::{self, SessionInfo};
use jiceng_store::settings::{self, SecurityPolicy};
use jiceng_types::{FieldError, Right};
use serde::Deserialize;

use super::FormErrors;
use super::home::DoneQuery;
use crate::AppState;
use crate::error::PageError;
use crate::extract::Me;
use crate::view::Ctx;

/// The policy form as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct PolicyForm {
    lockout_threshold: String,
    lockout_window_minutes: String,
    lockout_minutes: String,
    idle_timeout_minutes: String,
    absolute_timeout_minutes: String,
    password_min_len: String,
    password_min_classes: String,
}

impl PolicyForm {
    fn of(p: &SecurityPolicy) -> Self {
        PolicyForm {
            lockout_threshold: p.lockout_threshold.to_string(),
            lockout_window_minutes: p.lockout_window_minutes.to_string(),
            lockout_minutes: p.lockout_minutes.to_string(),
            idle_timeout_minutes: p.idle_timeout_minutes.to_string(),
            absolute_timeout_minutes: p.absolute_timeout_minutes.to_string(),
            password_min_len: p.password_min_len.to_string(),
            password_min_classes: p.password_min_classes.to_string(),
        }
    }

    fn parse(&self) -> Result<SecurityPolicy, Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut num = |field: &str, v: &str| match v.trim().parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                errs.push(FieldError::new(field, "not_a_number", "请填写整数"));
                0
            }
        };
        let p = SecurityPolicy {
            lockout_threshold: num("lockout_threshold", &self.lockout_threshold),
            lockout_window_minutes: num("lockout_window_minutes", &self.lockout_window_minutes),
            lockout_minutes: num("lockout_minutes", &self.lockout_minutes),
            idle_timeout_minutes: num("idle_timeout_minutes", &self.idle_timeout_minutes),
            absolute_timeout_minutes: num("absolute_timeout_minutes", &self.absolute_timeout_minutes),
            password_min_len: num("password_min_len", &self.password_min_len),
            password_min_classes: num("password_min_classes", &self.password_min_classes),
        };
        if !errs.is_empty() {
            return Err(errs);
        }
        p.validate().map(|()| p)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "security.html")]
pub struct SecurityPage {
    ctx: Ctx,
    form: PolicyForm,
    errors: FormErrors,
    sessions: Vec<SessionInfo>,
}

async fn require(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::SecurityPolicy) {
        Ok(())
    } else {
        Err(super::deny(state, me, "setting", "no_security_right", "只有安全管理员可以查看安全策略").await)
    }
}

/// `GET /security`
pub async fn show(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<DoneQuery>,
) -> Result<SecurityPage, PageError> {
    require(&state, &me).await?;
    let policy = settings::security_policy(&state.db).await?;
    let sessions = auth::sessions_of(&state.db, me.scope(), None).await?;
    Ok(SecurityPage {
        ctx: Ctx::new(&me, "安全策略", "security").with_flash(q.done.as_deref()),
        form: PolicyForm::of(&policy),
        errors: FormErrors::default(),
        sessions,
    })
}

/// `POST /security`
pub async fn update(State(state): State<AppState>, me: Me, Form(f): Form<PolicyForm>) -> Result<Response, PageError> {
    let errors = match f.parse() {
        Ok(p) => match settings::set_security_policy(&state.db, me.scope(), &me.meta, p).await {
            Ok(()) => return Ok(Redirect::to("/security?done=policy_saved").into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    require(&state, &me).await?;
    let sessions = auth::sessions_of(&state.db, me.scope(), None).await?;
    let page =
        SecurityPage { ctx: Ctx::new(&me, "安全策略", "security"), form: f, errors: FormErrors(errors), sessions };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `POST /security/sessions/{handle}/end`
pub async fn end_session(
    State(state): State<AppState>,
    me: Me,
    Path(handle): Path<String>,
) -> Result<Redirect, PageError> {
    auth::end_session(&state.db, me.scope(), &me.meta, &handle).await?;
    Ok(Redirect::to("/security?done=sessions_ended"))
}
