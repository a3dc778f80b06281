//! Account management: who may create, disable and reset which accounts.
//!
//! Business managers (县级/乡镇管理员) manage business roles below their own within their subtree;
//! the 系统管理员 manages every account except other 系统管理员; nobody manages their own.

use chrono::{DateTime, Utc};
use jiceng_types::{DisplayName, FieldError, OrgId, OrgPath, Right, Role, Scope, UserId, Username};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, LikeExpr, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};
use serde::{Deserialize, Serialize};

use super::{hash_password, one_time_password};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::scope_sql::path_in_scope;
use crate::sql::like_escape;
use crate::{Db, Meta};

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The organization the account belongs to (none for the 三员).
    pub org_id: Option<OrgId>,
    /// That organization's name.
    pub org_name: Option<String>,
    /// That organization's path.
    #[serde(skip)]
    pub org_path: Option<OrgPath>,
    /// The member record of a 党员 account.
    pub member_id: Option<i64>,
    /// The password must be changed before anything else.
    pub must_change_password: bool,
    /// When the account was disabled, if it is.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Last successful login.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl User {
    /// The scope this account works in.
    pub fn scope(&self) -> Scope {
        let org = match (self.org_id, &self.org_path) {
            (Some(id), Some(p)) => Some((id, p.clone())),
            _ => None,
        };
        Scope::for_user(self.id, &self.username, self.role, org)
    }

    /// True if the account is enabled.
    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }

    fn audit_fields(&self) -> serde_json::Value {
        serde_json::json!({
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role.key(),
            "org_id": self.org_id,
            "disabled": self.disabled_at.is_some(),
        })
    }
}

#[derive(Debug, FromQueryResult)]
pub(crate) struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub org_path: Option<String>,
    pub member_id: Option<i64>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl UserRow {
    pub(crate) fn into_user(self) -> StoreResult<User> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| StoreError::Corrupt(format!("user {}: role {:?}", self.id, self.role)))?;
        Ok(User {
            id: UserId(self.id),
            username: self.username,
            display_name: self.display_name,
            role,
            org_id: self.org_id.map(OrgId),
            org_name: self.org_name,
            org_path: self.org_path.as_deref().and_then(OrgPath::parse),
            member_id: self.member_id,
            must_change_password: self.must_change_password,
            disabled_at: self.disabled_at,
            last_login_at: self.last_login_at,
            created_at: self.created_at,
        })
    }
}

/// `SELECT` of an account with its organization (no scope applied).
pub(crate) fn select_users() -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "username",
                "display_name",
                "role",
                "org_id",
                "member_id",
                "password_hash",
                "must_change_password",
                "disabled_at",
                "last_login_at",
                "created_at",
            ]
            .map(|c| ("app_user", c)),
        )
        .expr_as(Expr::col(("org", "name")), "org_name")
        .expr_as(Expr::col(("org", "path")), "org_path")
        .from("app_user")
        .left_join("org", Expr::col(("org", "id")).equals(("app_user", "org_id")))
        .take()
}

/// The accounts visible to the scope: those of its subtree (or all, for whole-tree scopes).
fn users_in_scope(scope: &Scope) -> SelectStatement {
    let mut q = select_users();
    if scope.roots().is_some() {
        q.cond_where(path_in_scope(scope, ("org", "path")));
    }
    q
}

pub(crate) async fn fetch_user<C: ConnectionTrait>(conn: &C, q: &SelectStatement) -> StoreResult<Option<UserRow>> {
    match conn.query_one(q).await? {
        Some(r) => Ok(Some(UserRow::from_query_result(&r, "")?)),
        None => Ok(None),
    }
}

fn require_read(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::ReadUsers) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_user_right", "您没有查看账号的权限"))
    }
}

/// Filters of the account list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// User name or display name contains.
    pub q: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only accounts of this organization.
    pub org_id: Option<OrgId>,
}

/// Accounts in scope, by user name (at most 500).
pub async fn list_users(db: &Db, scope: &Scope, filter: &UserFilter) -> StoreResult<Vec<User>> {
    require_read(scope)?;
    let mut q = users_in_scope(scope);
    if let Some(text) = filter.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if jiceng_types::text::has_control(text) {
            // No name holds one (and PostgreSQL refuses NUL in a parameter).
            return Ok(Vec::new());
        }
        let p = format!("%{}%", like_escape(text));
        q.cond_where(
            Condition::any()
                .add(Expr::col(("app_user", "username")).like(LikeExpr::new(p.to_lowercase()).escape('\\')))
                .add(Expr::col(("app_user", "display_name")).like(LikeExpr::new(p).escape('\\'))),
        );
    }
    if let Some(r) = filter.role {
        q.and_where(Expr::col(("app_user", "role")).eq(r.key()));
    }
    if let Some(o) = filter.org_id {
        q.and_where(Expr::col(("app_user", "org_id")).eq(o.0));
    }
    q.order_by(("app_user", "username"), Order::Asc).limit(500);
    let rows = db.conn().query_all(&q).await?;
    rows.into_iter().map(|r| UserRow::from_query_result(&r, "")?.into_user()).collect()
}

/// One account in scope.
pub async fn get_user(db: &Db, scope: &Scope, id: UserId) -> StoreResult<User> {
    require_read(scope)?;
    let q = users_in_scope(scope).and_where(Expr::col(("app_user", "id")).eq(id.0)).take();
    fetch_user(db.conn(), &q).await?.ok_or(StoreError::NotFound)?.into_user()
}

/// A new account as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserDraft {
    /// 用户名.
    pub username: String,
    /// 姓名.
    pub display_name: String,
    /// 角色 (key or label).
    pub role: String,
    /// 所属组织 (id).
    pub org_id: String,
}

/// A checked new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Login name.
    pub username: Username,
    /// Name shown.
    pub display_name: DisplayName,
    /// Role.
    pub role: Role,
    /// Organization (required for business roles, none for the 三员).
    pub org_id: Option<OrgId>,
}

impl UserDraft {
    /// Check every field.
    pub fn parse(&self) -> Result<NewUser, Vec<FieldError>> {
        let mut errors = Vec::new();
        let username = Username::parse(&self.username).map_err(|e| errors.push(e.on("username"))).ok();
        let display_name = DisplayName::parse(&self.display_name).map_err(|e| errors.push(e.on("display_name"))).ok();
        let role = Role::parse(&self.role);
        if role.is_none() {
            errors.push(FieldError::new("role", "bad_role", "请选择角色"));
        }
        let org_id = match self.org_id.trim() {
            "" => None,
            s => s.parse::<OrgId>().map_err(|_| errors.push(FieldError::new("org_id", "bad_org", "所属组织无效"))).ok(),
        };
        if let Some(r) = role
            && r.needs_org()
            && org_id.is_none()
            && !errors.iter().any(|e| e.field == "org_id")
        {
            errors.push(FieldError::new("org_id", "required", "请选择所属组织"));
        }
        match (username, display_name, role) {
            (Some(username), Some(display_name), Some(role)) if errors.is_empty() => {
                Ok(NewUser { username, display_name, role, org_id: if role.is_system() { None } else { org_id } })
            }
            _ => Err(errors),
        }
    }
}

async fn org_path_in_scope(tx: &DatabaseTransaction, scope: &Scope, org: OrgId) -> StoreResult<Option<OrgPath>> {
    #[derive(FromQueryResult)]
    struct P {
        path: String,
    }
    let q = Query::select()
        .column("path")
        .from("org")
        .and_where(Expr::col("id").eq(org.0))
        .and_where(Expr::col("status").eq("active"))
        .cond_where(path_in_scope(scope, ("org", "path")))
        .take();
    Ok(match tx.query_one(&q).await? {
        Some(r) => OrgPath::parse(&P::from_query_result(&r, "")?.path),
        None => None,
    })
}

/// Create an account with a random one-time password (returned once, to hand over; it must be
/// changed at first login).
pub async fn create_user(db: &Db, scope: &Scope, meta: &Meta, new: NewUser) -> StoreResult<(User, String)> {
    if !scope.can_manage_role(new.role) {
        audit::record_denied(db, scope, meta, "user", None, "cannot_grant_role").await?;
        return Err(StoreError::forbidden("cannot_grant_role", format!("您不能创建“{}”角色的账号", new.role.label())));
    }
    let password = one_time_password();
    let hash = hash_password(&password)?;
    let tx = db.begin_write().await?;
    let org_path = match new.org_id {
        Some(o) => Some(org_path_in_scope(&tx, scope, o).await?.ok_or_else(|| {
            StoreError::invalid("org_id", "org_not_found", "所属组织不存在、已撤销或不在您的管辖范围内")
        })?),
        None => None,
    };
    let taken = Query::select()
        .expr(Expr::val(1))
        .from("app_user")
        .and_where(Expr::col("username").eq(new.username.as_str()))
        .take();
    if tx.query_one(&taken).await?.is_some() {
        return Err(StoreError::invalid("username", "duplicate", format!("用户名“{}”已被使用", new.username)));
    }
    let now = crate::now();
    let insert = Query::insert()
        .into_table("app_user")
        .columns([
            "username",
            "display_name",
            "role",
            "org_id",
            "password_hash",
            "must_change_password",
            "password_changed_at",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            new.username.as_str().into(),
            new.display_name.as_str().into(),
            new.role.key().into(),
            new.org_id.map(|o| o.0).into(),
            hash.into(),
            true.into(),
            now.into(),
            now.into(),
            now.into(),
        ])
        .returning_col("id")
        .take();
    let row = tx.query_one(&insert).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
    let id = UserId(row.try_get::<i64>("", "id")?);
    let user = fetch_user(&tx, &select_users().and_where(Expr::col(("app_user", "id")).eq(id.0)).take())
        .await?
        .ok_or(StoreError::NotFound)?
        .into_user()?;
    let mut entry = Entry::new(Action::Create, "user", Some(id.to_string()))
        .changes(audit::diff(&serde_json::json!({}), &user.audit_fields()));
    if let Some(p) = &org_path {
        entry = entry.in_org(p);
    }
    audit::append(&tx, scope, meta, entry).await?;
    tx.commit().await?;
    Ok((user, password))
}

/// Load an account the scope may manage, inside the transaction.
async fn load_manageable(tx: &DatabaseTransaction, scope: &Scope, id: UserId) -> StoreResult<User> {
    let q = users_in_scope(scope).and_where(Expr::col(("app_user", "id")).eq(id.0)).take();
    let user = fetch_user(tx, &q).await?.ok_or(StoreError::NotFound)?.into_user()?;
    if scope.user_id() == Some(id) {
        return Err(StoreError::forbidden("own_account", "不能对自己的账号执行此操作"));
    }
    if !scope.can_manage_role(user.role) {
        return Err(StoreError::forbidden(
            "cannot_manage_role",
            format!("您不能管理“{}”角色的账号", user.role.label()),
        ));
    }
    Ok(user)
}

/// End every session of an account and revoke its API tokens (a reset or a disabling is how a
/// suspected compromise is answered; re-enabling does not bring old tokens back).
async fn end_all_sessions(tx: &DatabaseTransaction, id: UserId) -> StoreResult<u64> {
    let q = Query::delete().from_table("session").and_where(Expr::col("user_id").eq(id.0)).take();
    let ended = tx.execute(&q).await?.rows_affected();
    let q = Query::update()
        .table("api_token")
        .value("revoked_at", crate::now())
        .and_where(Expr::col("user_id").eq(id.0))
        .and_where(Expr::col("revoked_at").is_null())
        .take();
    tx.execute(&q).await?;
    Ok(ended)
}

fn user_entry(action: Action, user: &User) -> Entry {
    let e = Entry::new(action, "user", Some(user.id.to_string()));
    match &user.org_path {
        Some(p) => e.in_org(p),
        None => e,
    }
}

/// Disable (停用) or enable an account. Disabling ends all its sessions at once.
pub async fn set_disabled(db: &Db, scope: &Scope, meta: &Meta, id: UserId, disabled: bool) -> StoreResult<User> {
    let tx = db.begin_write().await?;
    let user = match load_manageable(&tx, scope, id).await {
        Ok(u) => u,
        Err(e @ StoreError::Forbidden { .. }) => {
            drop(tx);
            audit::record_denied(db, scope, meta, "user", Some(id.to_string()), e.code()).await?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    if user.is_active() != disabled {
        return Ok(user);
    }
    let now = crate::now();
    let q = Query::update()
        .table("app_user")
        .value("disabled_at", if disabled { Some(now) } else { None })
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(id.0))
        .take();
    tx.execute(&q).await?;
    let ended = if disabled { end_all_sessions(&tx, id).await? } else { 0 };
    let action = if disabled { Action::Disable } else { Action::Enable };
    let changes = serde_json::json!({ "disabled": { "from": !disabled, "to": disabled }, "sessions_ended": ended });
    audit::append(&tx, scope, meta, user_entry(action, &user).changes(changes)).await?;
    let after = fetch_user(&tx, &select_users().and_where(Expr::col(("app_user", "id")).eq(id.0)).take())
        .await?
        .ok_or(StoreError::NotFound)?
        .into_user()?;
    tx.commit().await?;
    Ok(after)
}

/// Give an account a new one-time password (returned once); it must be changed at next login,
/// and the account's sessions end.
pub async fn reset_password(db: &Db, scope: &Scope, meta: &Meta, id: UserId) -> StoreResult<String> {
    // Decide before hashing, so that a refused caller cannot make the server hash passwords
    // (the same answers as below: 404 outside the scope, 403 without the right).
    let q = users_in_scope(scope).and_where(Expr::col(("app_user", "id")).eq(id.0)).take();
    let target = fetch_user(db.conn(), &q).await?.ok_or(StoreError::NotFound)?.into_user()?;
    if scope.user_id() == Some(id) || !scope.can_manage_role(target.role) {
        let code = if scope.user_id() == Some(id) { "own_account" } else { "cannot_manage_role" };
        audit::record_denied(db, scope, meta, "user", Some(id.to_string()), code).await?;
        return Err(StoreError::forbidden(code, "您不能管理该账号"));
    }
    let password = one_time_password();
    let hash = hash_password(&password)?;
    let tx = db.begin_write().await?;
    let user = match load_manageable(&tx, scope, id).await {
        Ok(u) => u,
        Err(e @ StoreError::Forbidden { .. }) => {
            drop(tx);
            audit::record_denied(db, scope, meta, "user", Some(id.to_string()), e.code()).await?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let now = crate::now();
    let q = Query::update()
        .table("app_user")
        .value("password_hash", hash)
        .value("must_change_password", true)
        .value("password_changed_at", now)
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(id.0))
        .take();
    tx.execute(&q).await?;
    let ended = end_all_sessions(&tx, id).await?;
    audit::append(
        &tx,
        scope,
        meta,
        user_entry(Action::PasswordReset, &user).changes(serde_json::json!({ "sessions_ended": ended })),
    )
    .await?;
    tx.commit().await?;
    Ok(password)
}

/// One account in scope, by its login name.
pub async fn find_user(db: &Db, scope: &Scope, username: &str) -> StoreResult<User> {
    require_read(scope)?;
    let name = Username::parse(username).map_err(|e| StoreError::Invalid(vec![e.on("username")]))?;
    let q = users_in_scope(scope).and_where(Expr::col(("app_user", "username")).eq(name.as_str())).take();
    fetch_user(db.conn(), &q).await?.ok_or(StoreError::NotFound)?.into_user()
}
