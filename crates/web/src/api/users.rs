//! `/api/v1/users`: accounts, scoped to the caller.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use jiceng_store::StoreError;
use jiceng_store::auth::{self, User, UserDraft, UserFilter};
use jiceng_types::{OrgId, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath as Path, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::ApiMe;

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name.
    pub display_name: String,
    /// Role key.
    pub role: String,
    /// Role label.
    pub role_label: String,
    /// Organization id (`null` for the 三员).
    pub org_id: Option<i64>,
    /// Organization name.
    pub org_name: Option<String>,
    /// Disabled.
    pub disabled: bool,
    /// Must change the one-time password before anything else.
    pub must_change_password: bool,
    /// Last login.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl UserOut {
    /// The API view of an account.
    pub fn of(u: &User) -> Self {
        UserOut {
            id: u.id.0,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.key().into(),
            role_label: u.role.label().into(),
            org_id: u.org_id.map(|o| o.0),
            org_name: u.org_name.clone(),
            disabled: u.disabled_at.is_some(),
            must_change_password: u.must_change_password,
            last_login_at: u.last_login_at,
            created_at: u.created_at,
        }
    }
}

/// Filters of the account list.
#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// User name or name contains.
    pub q: Option<String>,
    /// Role key or label.
    pub role: Option<String>,
    /// Organization id.
    pub org_id: Option<i64>,
}

/// Accounts in the caller's scope (at most 500).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserListQuery), responses(
    (status = 200, description = "账号列表", body = Vec<UserOut>),
    (status = 403, description = "无权限", body = ApiErrorBody),
))]
pub async fn list(
    State(state): State<AppState>,
    me: ApiMe,
    ApiQuery(q): ApiQuery<UserListQuery>,
) -> Result<Json<Vec<UserOut>>, ApiError> {
    let role = match q.role.as_deref().filter(|s| !s.is_empty()) {
        Some(r) => {
            Some(Role::parse(r).ok_or_else(|| ApiError::Store(StoreError::invalid("role", "bad_role", "未知的角色")))?)
        }
        None => None,
    };
    let users =
        auth::list_users(&state.db, me.scope(), &UserFilter { q: q.q, role, org_id: q.org_id.map(OrgId) }).await?;
    Ok(Json(users.iter().map(UserOut::of).collect()))
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserIn {
    /// Login name.
    pub username: String,
    /// Name.
    pub display_name: String,
    /// Role key or label.
    pub role: String,
    /// Organization id (required for business roles).
    pub org_id: Option<i64>,
}

/// A created account with its one-time password (shown only here, once).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserCreated {
    /// The account.
    pub user: UserOut,
    /// The one-time password; it must be changed at first login.
    pub one_time_password: String,
}

/// Create an account of a lower role in the caller's scope.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserIn, responses(
    (status = 201, description = "已建立", body = UserCreated),
    (status = 403, description = "不能授予该角色", body = ApiErrorBody),
    (status = 422, description = "输入有误", body = ApiErrorBody),
))]
pub async fn create(
    State(state): State<AppState>,
    me: ApiMe,
    ApiJson(b): ApiJson<UserIn>,
) -> Result<(StatusCode, Json<UserCreated>), ApiError> {
    let draft = UserDraft {
        username: b.username,
        display_name: b.display_name,
        role: b.role,
        org_id: b.org_id.map(|o| o.to_string()).unwrap_or_default(),
    };
    let new = draft.parse().map_err(StoreError::Invalid)?;
    let (user, password) = auth::create_user(&state.db, me.scope(), &me.meta, new).await?;
    Ok((StatusCode::CREATED, Json(UserCreated { user: UserOut::of(&user), one_time_password: password })))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path, description = "账号 id")), responses(
    (status = 200, description = "账号", body = UserOut),
    (status = 404, description = "不存在或不在管辖范围内", body = ApiErrorBody),
))]
pub async fn get(State(state): State<AppState>, me: ApiMe, Path(id): Path<i64>) -> Result<Json<UserOut>, ApiError> {
    Ok(Json(UserOut::of(&auth::get_user(&state.db, me.scope(), UserId(id)).await?)))
}

/// Disable an account (its sessions end at once).
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = i64, Path, description = "账号 id")), responses(
    (status = 200, description = "已停用", body = UserOut),
    (status = 403, description = "无权限", body = ApiErrorBody),
))]
pub async fn disable(State(state): State<AppState>, me: ApiMe, Path(id): Path<i64>) -> Result<Json<UserOut>, ApiError> {
    Ok(Json(UserOut::of(&auth::set_disabled(&state.db, me.scope(), &me.meta, UserId(id), true).await?)))
}

/// Enable an account.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", params(("id" = i64, Path, description = "账号 id")), responses(
    (status = 200, description = "已启用", body = UserOut),
    (status = 403, description = "无权限", body = ApiErrorBody),
))]
pub async fn enable(State(state): State<AppState>, me: ApiMe, Path(id): Path<i64>) -> Result<Json<UserOut>, ApiError> {
    Ok(Json(UserOut::of(&auth::set_disabled(&state.db, me.scope(), &me.meta, UserId(id), false).await?)))
}

/// A new one-time password.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordReset {
    /// The one-time password; it must be changed at next login.
    pub one_time_password: String,
}

/// Reset an account's password to a new one-time password (its sessions end).
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "users", params(("id" = i64, Path, description = "账号 id")), responses(
    (status = 200, description = "已重置", body = PasswordReset),
    (status = 403, description = "无权限", body = ApiErrorBody),
))]
pub async fn reset_password(
    State(state): State<AppState>,
    me: ApiMe,
    Path(id): Path<i64>,
) -> Result<Json<PasswordReset>, ApiError> {
    let one_time_password = auth::reset_password(&state.db, me.scope(), &me.meta, UserId(id)).await?;
    Ok(Json(PasswordReset { one_time_password }))
}
