//! The user's own account: password, sessions and API tokens.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_store::auth::{self, ApiToken, SessionInfo};
use jiceng_store::{StoreError, settings};
use serde::Deserialize;

use super::FormErrors;
use super::home::DoneQuery;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::Ctx;

#[derive(Template, WebTemplate)]
#[template(path = "account/index.html")]
pub struct AccountPage {
    ctx: Ctx,
    username: String,
    sessions: Vec<SessionInfo>,
    current: String,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    token_error: String,
}

async fn account_page(
    state: &AppState,
    me: &Me,
    new_token: Option<String>,
    token_error: String,
    done: Option<&str>,
) -> Result<AccountPage, PageError> {
    let sessions = auth::sessions_of(&state.db, me.scope(), me.scope().user_id()).await?;
    let tokens = auth::list_tokens(&state.db, me.scope()).await?;
    Ok(AccountPage {
        ctx: Ctx::new(me, "我的账号", "account").with_flash(done),
        username: me.authed.user.username.clone(),
        sessions,
        current: me.authed.session.as_deref().map(|h| h[..16].to_string()).unwrap_or_default(),
        tokens,
        new_token,
        token_error,
    })
}

/// `GET /account`
pub async fn show(State(state): State<AppState>, me: Me, Query(q): Query<DoneQuery>) -> Result<AccountPage, PageError> {
    account_page(&state, &me, None, String::new(), q.done.as_deref()).await
}

#[derive(Template, WebTemplate)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    ctx: Ctx,
    forced: bool,
    errors: FormErrors,
    min_len: u32,
    min_classes: u32,
}

async fn password_page(
    state: &AppState,
    me: &Me,
    errors: Vec<jiceng_types::FieldError>,
) -> Result<PasswordPage, PageError> {
    let p = settings::security_policy(&state.db).await?;
    Ok(PasswordPage {
        ctx: Ctx::new(me, "修改密码", "account"),
        forced: me.authed.user.must_change_password,
        errors: FormErrors(errors),
        min_len: p.password_min_len,
        min_classes: p.password_min_classes,
    })
}

/// `GET /account/password`
pub async fn password_form(State(state): State<AppState>, me: Me) -> Result<PasswordPage, PageError> {
    password_page(&state, &me, Vec::new()).await
}

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /account/password`
pub async fn change_password(
    State(state): State<AppState>,
    me: Me,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let errors = if f.new != f.confirm {
        vec![jiceng_types::FieldError::new("confirm", "mismatch", "两次输入的新密码不一致")]
    } else {
        match auth::change_password(&state.db, &me.authed, &me.meta, &f.current, &f.new).await {
            Ok(()) => return Ok(Redirect::to("/?done=password_changed").into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        }
    };
    let page = password_page(&state, &me, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The new-token form.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

/// `POST /account/tokens`: the token is shown once on the account page.
pub async fn create_token(
    State(state): State<AppState>,
    me: Me,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    let days = match f.days.trim() {
        "" => None,
        d => match d.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                let page = account_page(&state, &me, None, "有效期应为1至366之间的整数".into(), None).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
        },
    };
    match auth::create_token(&state.db, &me.authed, &me.meta, &f.name, days).await {
        Ok((_, secret)) => Ok(account_page(&state, &me, Some(secret), String::new(), None).await?.into_response()),
        Err(StoreError::Invalid(e)) => {
            let msg = e.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("；");
            let page = account_page(&state, &me, None, msg, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/tokens/{id}/revoke`
pub async fn revoke_token(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<Redirect, PageError> {
    auth::revoke_token(&state.db, me.scope(), &me.meta, id).await?;
    Ok(Redirect::to("/account?done=token_revoked"))
}

/// `POST /account/sessions/{handle}/end`
pub async fn end_session(
    State(state): State<AppState>,
    me: Me,
    Path(handle): Path<String>,
) -> Result<Redirect, PageError> {
    auth::end_session(&state.db, me.scope(), &me.meta, &handle).await?;
    Ok(Redirect::to("/account?done=sessions_ended"))
}
