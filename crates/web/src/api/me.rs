//! `GET /api/v1/me`: who the caller is and what they may do.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::users::UserOut;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::ApiMe;

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    /// The account.
    pub user: UserOut,
    /// The root of the caller's scope (organization id), if it is a subtree.
    pub scope_org_id: Option<i64>,
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", responses(
    (status = 200, description = "当前用户", body = MeOut),
    (status = 401, description = "未登录", body = ApiErrorBody),
))]
pub async fn me(me: ApiMe) -> Result<Json<MeOut>, ApiError> {
    Ok(Json(MeOut { scope_org_id: me.authed.user.org_id.map(|o| o.0), user: UserOut::of(&me.authed.user) }))
}
