//! API tokens: a user's personal bearer tokens for `/api/v1`, with the user's own scope.

use chrono::{DateTime, Duration, Utc};
use jiceng_types::Scope;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

use super::login::Authed;
use super::users::select_users;
use super::{random_secret, secret_hash};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::{Db, Meta};

/// The prefix that marks a jiceng API token.
pub const TOKEN_PREFIX: &str = "jc_";

/// An API token as listed (never the secret).
#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// True if the token has passed its expiry date.
    pub fn is_expired(&self) -> bool {
        self.expires_at.is_some_and(|e| e <= crate::now())
    }
}

/// Create a token for the signed-in user; the secret is returned once.
pub async fn create_token(
    db: &Db,
    authed: &Authed,
    meta: &Meta,
    name: &str,
    days: Option<u32>,
) -> StoreResult<(ApiToken, String)> {
    let name = jiceng_types::text::normalize(name);
    if name.is_empty() || name.chars().count() > 50 || jiceng_types::text::has_control(&name) {
        return Err(StoreError::invalid("name", "bad_name", "请填写令牌用途（不超过50个字符）"));
    }
    if days.is_some_and(|d| d == 0 || d > 366) {
        return Err(StoreError::invalid("days", "out_of_range", "有效期应在1至366天之间"));
    }
    let secret = format!("{TOKEN_PREFIX}{}", random_secret());
    let now = crate::now();
    let expires = days.map(|d| now + Duration::days(i64::from(d)));
    let tx = db.begin_write().await?;
    let q = Query::insert()
        .into_table("api_token")
        .columns(["user_id", "name", "token_hash", "created_at", "expires_at"])
        .values_panic([
            authed.user.id.0.into(),
            name.clone().into(),
            secret_hash(&secret).into(),
            now.into(),
            expires.into(),
        ])
        .returning_col("id")
        .take();
    let row = tx.query_one(&q).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
    let id: i64 = row.try_get("", "id")?;
    audit::append(
        &tx,
        &authed.scope,
        meta,
        Entry::new(Action::TokenCreate, "api_token", Some(id.to_string()))
            .changes(serde_json::json!({ "name": name, "expires_at": expires })),
    )
    .await?;
    tx.commit().await?;
    Ok((ApiToken { id, name, created_at: now, last_used_at: None, expires_at: expires, revoked_at: None }, secret))
}

/// The signed-in user's tokens.
pub async fn list_tokens(db: &Db, scope: &Scope) -> StoreResult<Vec<ApiToken>> {
    let Some(user) = scope.user_id() else {
        return Ok(Vec::new());
    };
    let q = Query::select()
        .columns(["id", "name", "created_at", "last_used_at", "expires_at", "revoked_at"])
        .from("api_token")
        .and_where(Expr::col("user_id").eq(user.0))
        .order_by("id", Order::Desc)
        .take();
    let rows = db.conn().query_all(&q).await?;
    rows.iter().map(|r| ApiToken::from_query_result(r, "").map_err(StoreError::from)).collect()
}

/// Revoke one of the signed-in user's tokens.
pub async fn revoke_token(db: &Db, scope: &Scope, meta: &Meta, id: i64) -> StoreResult<()> {
    let Some(user) = scope.user_id() else {
        return Err(StoreError::NotFound);
    };
    let tx = db.begin_write().await?;
    let q = Query::update()
        .table("api_token")
        .value("revoked_at", crate::now())
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("user_id").eq(user.0))
        .and_where(Expr::col("revoked_at").is_null())
        .take();
    if tx.execute(&q).await?.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    audit::append(&tx, scope, meta, Entry::new(Action::TokenRevoke, "api_token", Some(id.to_string()))).await?;
    tx.commit().await?;
    Ok(())
}

/// Resolve a bearer token to its (enabled) user.
pub async fn authenticate_token(db: &Db, secret: &str) -> StoreResult<Option<Authed>> {
    let Some(hex) = secret.strip_prefix(TOKEN_PREFIX) else {
        return Ok(None);
    };
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    #[derive(FromQueryResult)]
    struct T {
        token_id: i64,
        token_expires_at: Option<DateTime<Utc>>,
        token_revoked_at: Option<DateTime<Utc>>,
        token_last_used_at: Option<DateTime<Utc>>,
    }
    // The token and its owner in one query.
    let q = select_users()
        .expr_as(Expr::col(("api_token", "id")), "token_id")
        .expr_as(Expr::col(("api_token", "expires_at")), "token_expires_at")
        .expr_as(Expr::col(("api_token", "revoked_at")), "token_revoked_at")
        .expr_as(Expr::col(("api_token", "last_used_at")), "token_last_used_at")
        .inner_join("api_token", Expr::col(("api_token", "user_id")).equals(("app_user", "id")))
        .and_where(Expr::col(("api_token", "token_hash")).eq(secret_hash(secret)))
        .take();
    let Some(r) = db.conn().query_one(&q).await? else {
        return Ok(None);
    };
    let t = T::from_query_result(&r, "")?;
    let row = super::users::UserRow::from_query_result(&r, "")?;
    let now = crate::now();
    if t.token_revoked_at.is_some() || t.token_expires_at.is_some_and(|e| e <= now) {
        return Ok(None);
    }
    let user = row.into_user()?;
    // An owner who must change a one-time password is still resolved; the web layer refuses
    // such a caller with a clear answer.
    if !user.is_active() {
        return Ok(None);
    }
    if t.token_last_used_at.is_none_or(|l| now - l > Duration::seconds(60)) {
        let q = Query::update()
            .table("api_token")
            .value("last_used_at", now)
            .and_where(Expr::col("id").eq(t.token_id))
            .take();
        db.conn().execute(&q).await?;
    }
    let scope = user.scope();
    Ok(Some(Authed { user, scope, session: None }))
}
