//! Account management pages: list, create (with a one-time password shown once), disable,
//! enable, reset password, end sessions.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_store::auth::{self, User, UserDraft, UserFilter};
use jiceng_store::{StoreError, org};
use jiceng_types::{Right, Role, UserId};
use serde::Deserialize;

use super::FormErrors;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::Ctx;

#[derive(Template, WebTemplate)]
#[template(path = "users/list.html")]
pub struct ListPage {
    ctx: Ctx,
    users: Vec<User>,
    truncated: bool,
    q: String,
    role: String,
    roles: Vec<Role>,
    can_create: bool,
}

/// Filters of the account list.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    done: Option<String>,
}

fn manageable_roles(me: &Me) -> Vec<Role> {
    Role::ALL.iter().copied().filter(|r| me.scope().can_manage_role(*r)).collect()
}

/// `GET /users`
pub async fn list(State(state): State<AppState>, me: Me, Query(q): Query<ListQuery>) -> Result<ListPage, PageError> {
    if !me.scope().can(Right::ReadUsers) {
        return Err(super::deny(&state, &me, "user", "no_user_right", "您没有查看账号的权限").await);
    }
    let filter = UserFilter { q: Some(q.q.clone()), role: Role::parse(&q.role), org_id: None };
    let users = auth::list_users(&state.db, me.scope(), &filter).await?;
    let truncated = users.len() >= 500;
    Ok(ListPage {
        ctx: Ctx::new(&me, "账号管理", "users").with_flash(q.done.as_deref()),
        users,
        q: q.q,
        role: q.role,
        truncated,
        roles: Role::ALL.to_vec(),
        can_create: me.scope().can(Right::ManageUsers),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "users/form.html")]
pub struct NewPage {
    ctx: Ctx,
    draft: UserDraft,
    org_text: String,
    errors: FormErrors,
    roles: Vec<Role>,
}

/// The new-account form as typed (the organization by code or name).
#[derive(Debug, Deserialize, Default)]
pub struct NewForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    org: String,
}

/// `GET /users/new`
pub async fn new_form(State(state): State<AppState>, me: Me) -> Result<NewPage, PageError> {
    if !me.scope().can(Right::ManageUsers) {
        return Err(super::deny(&state, &me, "user", "no_user_right", "您没有管理账号的权限").await);
    }
    let roles = manageable_roles(&me);
    let draft =
        UserDraft { role: roles.first().map(|r| r.key().to_string()).unwrap_or_default(), ..Default::default() };
    Ok(NewPage {
        ctx: Ctx::new(&me, "新建账号", "users"),
        draft,
        org_text: String::new(),
        errors: FormErrors::default(),
        roles,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "users/secret.html")]
pub struct SecretPage {
    ctx: Ctx,
    user: User,
    password: String,
    created: bool,
}

/// `POST /users/new`
pub async fn create(State(state): State<AppState>, me: Me, Form(f): Form<NewForm>) -> Result<Response, PageError> {
    let mut errors = Vec::new();
    let role = Role::parse(&f.role);
    let mut org_id = String::new();
    if role.is_some_and(|r| r.needs_org()) {
        match org::resolve(&state.db, me.scope(), "org_id", &f.org).await {
            Ok(Ok(o)) => org_id = o.id.to_string(),
            Ok(Err(e)) => errors.push(e),
            Err(StoreError::Forbidden { .. }) => {
                errors.push(jiceng_types::FieldError::new("org_id", "org_not_found", "您不能为组织建立账号"))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let draft =
        UserDraft { username: f.username.clone(), display_name: f.display_name.clone(), role: f.role.clone(), org_id };
    match draft.parse() {
        Ok(new) if errors.is_empty() => match auth::create_user(&state.db, me.scope(), &me.meta, new).await {
            Ok((user, password)) => {
                let ctx = Ctx::new(&me, "账号已建立", "users");
                return Ok(SecretPage { ctx, user, password, created: true }.into_response());
            }
            Err(StoreError::Invalid(e)) => errors.extend(e),
            Err(e) => return Err(e.into()),
        },
        Ok(_) => {}
        Err(e) => {
            let org_reported = errors_has(&errors, "org_id");
            errors.extend(e.into_iter().filter(|e| !(e.field == "org_id" && org_reported)));
        }
    }
    let page = NewPage {
        ctx: Ctx::new(&me, "新建账号", "users"),
        draft,
        org_text: f.org,
        errors: FormErrors(errors),
        roles: manageable_roles(&me),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

fn errors_has(errors: &[jiceng_types::FieldError], field: &str) -> bool {
    errors.iter().any(|e| e.field == field)
}

#[derive(Template, WebTemplate)]
#[template(path = "users/detail.html")]
pub struct DetailPage {
    ctx: Ctx,
    user: User,
    can_manage: bool,
    can_end_sessions: bool,
    is_self: bool,
}

/// `GET /users/{id}`
pub async fn detail(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<ListQuery>,
) -> Result<DetailPage, PageError> {
    let user = auth::get_user(&state.db, me.scope(), UserId(id)).await?;
    let is_self = me.scope().user_id() == Some(user.id);
    Ok(DetailPage {
        ctx: Ctx::new(&me, user.display_name.clone(), "users").with_flash(q.done.as_deref()),
        can_manage: !is_self && me.scope().can_manage_role(user.role) && me.scope().can(Right::ManageUsers),
        can_end_sessions: !is_self && me.scope().can(Right::SecurityPolicy),
        is_self,
        user,
    })
}

/// `POST /users/{id}/disable`
pub async fn disable(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<Redirect, PageError> {
    auth::set_disabled(&state.db, me.scope(), &me.meta, UserId(id), true).await?;
    Ok(Redirect::to(&format!("/users/{id}?done=user_disabled")))
}

/// `POST /users/{id}/enable`
pub async fn enable(State(state): State<AppState>, me: Me, PagePath(id): PagePath<i64>) -> Result<Redirect, PageError> {
    auth::set_disabled(&state.db, me.scope(), &me.meta, UserId(id), false).await?;
    Ok(Redirect::to(&format!("/users/{id}?done=user_enabled")))
}

/// `POST /users/{id}/reset-password`: shows the new one-time password once.
pub async fn reset_password(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    let password = auth::reset_password(&state.db, me.scope(), &me.meta, UserId(id)).await?;
    let user = auth::get_user(&state.db, me.scope(), UserId(id)).await?;
    let ctx = Ctx::new(&me, "密码已重置", "users");
    Ok(SecretPage { ctx, user, password, created: false }.into_response())
}

/// `POST /users/{id}/end-sessions` (安全管理员).
pub async fn end_sessions(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<Redirect, PageError> {
    auth::end_user_session(&state.db, me.scope(), &me.meta, UserId(id)).await?;
    Ok(Redirect::to(&format!("/users/{id}?done=sessions_ended")))
}
