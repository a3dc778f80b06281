//! Signing in and out, sessions with idle and absolute timeouts, lockout after failed logins.

use chrono::{DateTime, Duration, Utc};
use jiceng_types::{Scope, UserId};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

use super::users::{User, fetch_user, select_users};
use super::{burn_verification, hash_password, random_secret, secret_hash, verify_password};
use crate::audit::{self, Action, Entry, Who};
use crate::error::{StoreError, StoreResult};
use crate::settings::{SecurityPolicy, security_policy};
use crate::{Db, Meta};

/// A signed-in request: the account, its scope, and the session it came with (if any).
#[derive(Debug, Clone)]
pub struct Authed {
    /// The account.
    pub user: User,
    /// Its scope.
    pub scope: Scope,
    /// The stored hash of the session (for logout); `None` for an API token.
    pub session: Option<String>,
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOk {
    /// The session secret for the cookie (shown to nobody, stored only hashed).
    pub session_secret: String,
    /// The account.
    pub user: User,
}

/// Why a login failed. Unknown user name and wrong password are deliberately the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    /// 用户名或密码错误.
    BadCredentials,
    /// Too many failures: locked for this many more minutes.
    Locked {
        /// Minutes left, rounded up.
        minutes: i64,
    },
    /// The password was right but the account is disabled.
    Disabled,
}

impl LoginError {
    /// The message shown to the user.
    pub fn message(&self) -> String {
        match self {
            LoginError::BadCredentials => "用户名或密码错误".into(),
            LoginError::Locked { minutes } => {
                format!("登录失败次数过多，该账号已临时锁定，请{minutes}分钟后再试")
            }
            LoginError::Disabled => "该账号已停用，请联系管理员".into(),
        }
    }
}

/// If `username` is locked out at `now`, how many minutes remain.
async fn locked_for(db: &Db, username: &str, policy: &SecurityPolicy, now: DateTime<Utc>) -> StoreResult<Option<i64>> {
    #[derive(FromQueryResult)]
    struct Attempt {
        at: DateTime<Utc>,
        success: bool,
    }
    let window = Duration::minutes(i64::from(policy.lockout_window_minutes));
    let lock = Duration::minutes(i64::from(policy.lockout_minutes));
    let since = now - window - lock;
    let q = Query::select()
        .columns(["at", "success"])
        .from("login_attempt")
        .and_where(Expr::col("username").eq(username))
        .and_where(Expr::col("at").gt(since))
        .order_by("at", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(200)
        .take();
    let rows = db.conn().query_all(&q).await?;
    // A password reset by a manager unlocks: failures before the last password change are void.
    #[derive(FromQueryResult)]
    struct Changed {
        password_changed_at: DateTime<Utc>,
    }
    let changed = Query::select()
        .column("password_changed_at")
        .from("app_user")
        .and_where(Expr::col("username").eq(username))
        .take();
    let changed_at = match db.conn().query_one(&changed).await? {
        Some(r) => Some(Changed::from_query_result(&r, "")?.password_changed_at),
        None => None,
    };
    let mut failures: Vec<DateTime<Utc>> = Vec::new();
    for r in rows {
        let a = Attempt::from_query_result(&r, "")?;
        if a.success || changed_at.is_some_and(|c| a.at <= c) {
            break;
        }
        failures.push(a.at);
    }
    let Some(last) = failures.first().copied() else {
        return Ok(None);
    };
    let in_window = failures.iter().filter(|t| **t > last - window).count();
    if in_window >= policy.lockout_threshold as usize && now < last + lock {
        let secs = (last + lock - now).num_seconds();
        return Ok(Some((secs + 59) / 60));
    }
    Ok(None)
}

async fn note_attempt(
    db: &Db,
    username: &str,
    meta: &Meta,
    success: bool,
    user: Option<&User>,
    reason: &str,
) -> StoreResult<()> {
    let tx = db.begin_write().await?;
    let q = Query::insert()
        .into_table("login_attempt")
        .columns(["username", "client_addr", "at", "success"])
        .values_panic([username.into(), meta.client_addr.clone().into(), crate::now().into(), success.into()])
        .take();
    tx.execute(&q).await?;
    let (action, who) = match user {
        Some(u) => (
            if success { Action::LoginSuccess } else { Action::LoginFailure },
            Who { user_id: Some(u.id), username: &u.username, role: u.role.key(), org_id: u.org_id.map(|o| o.0) },
        ),
        None => (Action::LoginFailure, Who { user_id: None, username, role: "-", org_id: None }),
    };
    let mut entry = Entry::new(action, "session", None).changes(serde_json::json!({ "reason": reason }));
    if let Some(p) = user.and_then(|u| u.org_path.as_ref()) {
        entry = entry.in_org(p);
    }
    audit::append_as(&tx, who, meta, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Check a user name and password; on success start a session.
pub async fn login(
    db: &Db,
    meta: &Meta,
    username: &str,
    password: &str,
    user_agent: &str,
) -> StoreResult<Result<LoginOk, LoginError>> {
    let username = jiceng_types::text::normalize(username).to_ascii_lowercase();
    // Control characters (never in a user name, and refused by PostgreSQL when NUL) are replaced,
    // so that the attempt is still counted and audited.
    let username: String = username.chars().take(64).map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
    let policy = security_policy(db).await?;
    let now = crate::now();
    if let Some(minutes) = locked_for(db, &username, &policy, now).await? {
        // Refused without checking the password, and without extending the lock.
        let tx = db.begin_write().await?;
        let who = Who { user_id: None, username: &username, role: "-", org_id: None };
        let entry =
            Entry::new(Action::LoginFailure, "session", None).changes(serde_json::json!({ "reason": "locked" }));
        audit::append_as(&tx, who, meta, entry).await?;
        tx.commit().await?;
        return Ok(Err(LoginError::Locked { minutes }));
    }
    let q = select_users().and_where(Expr::col(("app_user", "username")).eq(username.as_str())).take();
    let row = fetch_user(db.conn(), &q).await?;
    let Some(row) = row else {
        burn_verification(password);
        note_attempt(db, &username, meta, false, None, "unknown_user").await?;
        return Ok(Err(LoginError::BadCredentials));
    };
    let ok = verify_password(&row.password_hash, password);
    let user = row.into_user()?;
    if !ok {
        note_attempt(db, &username, meta, false, Some(&user), "bad_password").await?;
        return Ok(Err(LoginError::BadCredentials));
    }
    if !user.is_active() {
        note_attempt(db, &username, meta, false, Some(&user), "disabled").await?;
        return Ok(Err(LoginError::Disabled));
    }
    let secret = random_secret();
    let tx = db.begin_write().await?;
    let q = Query::insert()
        .into_table("session")
        .columns(["id_hash", "user_id", "created_at", "last_seen_at", "client_addr", "user_agent"])
        .values_panic([
            secret_hash(&secret).into(),
            user.id.0.into(),
            now.into(),
            now.into(),
            meta.client_addr.clone().into(),
            user_agent.chars().take(200).collect::<String>().into(),
        ])
        .take();
    tx.execute(&q).await?;
    let q =
        Query::update().table("app_user").value("last_login_at", now).and_where(Expr::col("id").eq(user.id.0)).take();
    tx.execute(&q).await?;
    tx.commit().await?;
    note_attempt(db, &username, meta, true, Some(&user), "ok").await?;
    Ok(Ok(LoginOk { session_secret: secret, user }))
}

struct Sess {
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
}

/// Resolve a session cookie. Expired sessions (idle or absolute timeout) are deleted; sessions of
/// disabled accounts do not resolve. `last_seen_at` is refreshed at most once a minute.
pub async fn authenticate_session(db: &Db, secret: &str) -> StoreResult<Option<Authed>> {
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let id_hash = secret_hash(secret);
    #[derive(FromQueryResult)]
    struct S {
        session_created_at: DateTime<Utc>,
        session_last_seen_at: DateTime<Utc>,
    }
    // The session and its account in one query.
    let q = select_users()
        .expr_as(Expr::col(("session", "created_at")), "session_created_at")
        .expr_as(Expr::col(("session", "last_seen_at")), "session_last_seen_at")
        .inner_join("session", Expr::col(("session", "user_id")).equals(("app_user", "id")))
        .and_where(Expr::col(("session", "id_hash")).eq(id_hash.as_str()))
        .take();
    let Some(r) = db.conn().query_one(&q).await? else {
        return Ok(None);
    };
    let s = S::from_query_result(&r, "")?;
    let row = super::users::UserRow::from_query_result(&r, "")?;
    let s = Sess { created_at: s.session_created_at, last_seen_at: s.session_last_seen_at };
    let policy = security_policy(db).await?;
    let now = crate::now();
    let idle = now - s.last_seen_at > Duration::minutes(i64::from(policy.idle_timeout_minutes));
    let absolute = now - s.created_at > Duration::minutes(i64::from(policy.absolute_timeout_minutes));
    if idle || absolute {
        let tx = db.begin_write().await?;
        tx.execute(&Query::delete().from_table("session").and_where(Expr::col("id_hash").eq(id_hash.as_str())).take())
            .await?;
        tx.commit().await?;
        return Ok(None);
    }
    let user = row.into_user()?;
    if !user.is_active() {
        return Ok(None);
    }
    if now - s.last_seen_at > Duration::seconds(60) {
        let q = Query::update()
            .table("session")
            .value("last_seen_at", now)
            .and_where(Expr::col("id_hash").eq(id_hash.as_str()))
            .take();
        db.conn().execute(&q).await?;
    }
    let scope = user.scope();
    Ok(Some(Authed { user, scope, session: Some(id_hash) }))
}

/// End the current session.
pub async fn logout(db: &Db, authed: &Authed, meta: &Meta) -> StoreResult<()> {
    let Some(id_hash) = &authed.session else {
        return Ok(());
    };
    let tx = db.begin_write().await?;
    tx.execute(&Query::delete().from_table("session").and_where(Expr::col("id_hash").eq(id_hash.as_str())).take())
        .await?;
    let mut entry = Entry::new(Action::Logout, "session", None);
    if let Some(p) = &authed.user.org_path {
        entry = entry.in_org(p);
    }
    audit::append(&tx, &authed.scope, meta, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Change one's own password: the current password is required; the new one must satisfy the
/// policy. Other sessions of the account end.
pub async fn change_password(db: &Db, authed: &Authed, meta: &Meta, current: &str, new: &str) -> StoreResult<()> {
    let q = select_users().and_where(Expr::col(("app_user", "id")).eq(authed.user.id.0)).take();
    let row = fetch_user(db.conn(), &q).await?.ok_or(StoreError::NotFound)?;
    if !verify_password(&row.password_hash, current) {
        return Err(StoreError::invalid("current", "wrong_password", "当前密码不正确"));
    }
    let policy = security_policy(db).await?;
    policy.password().check(new, &authed.user.username).map_err(|e| StoreError::Invalid(vec![e.on("new")]))?;
    if verify_password(&row.password_hash, new) {
        return Err(StoreError::invalid("new", "same_password", "新密码不能与当前密码相同"));
    }
    let hash = hash_password(new)?;
    let now = crate::now();
    let tx = db.begin_write().await?;
    let q = Query::update()
        .table("app_user")
        .value("password_hash", hash)
        .value("must_change_password", false)
        .value("password_changed_at", now)
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(authed.user.id.0))
        .take();
    tx.execute(&q).await?;
    let mut del = Query::delete().from_table("session").and_where(Expr::col("user_id").eq(authed.user.id.0)).take();
    if let Some(h) = &authed.session {
        del.and_where(Expr::col("id_hash").ne(h.as_str()));
    }
    let ended = tx.execute(&del).await?.rows_affected();
    let mut entry = Entry::new(Action::PasswordChange, "user", Some(authed.user.id.to_string()))
        .changes(serde_json::json!({ "other_sessions_ended": ended }));
    if let Some(p) = &authed.user.org_path {
        entry = entry.in_org(p);
    }
    audit::append(&tx, &authed.scope, meta, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// A session, as listed for its owner or the 安全管理员 (never its secret).
#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct SessionInfo {
    /// A short, non-secret handle (the first 16 hex digits of the stored hash).
    pub handle: String,
    /// The account.
    pub user_id: i64,
    /// Its user name.
    pub username: String,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// Last request.
    pub last_seen_at: DateTime<Utc>,
    /// Client address at login.
    pub client_addr: String,
    /// Browser at login.
    pub user_agent: String,
}

/// The sessions of one account (its owner), or of every account (安全管理员).
pub async fn sessions_of(db: &Db, scope: &Scope, user: Option<UserId>) -> StoreResult<Vec<SessionInfo>> {
    let all = user.is_none() || user != scope.user_id();
    if all && !scope.can(jiceng_types::Right::SecurityPolicy) {
        return Err(StoreError::forbidden("no_security_right", "只有安全管理员可以查看他人的会话"));
    }
    let mut q = Query::select()
        .expr_as(Expr::cust("substr(s.id_hash, 1, 16)"), "handle")
        .columns([
            ("s", "user_id"),
            ("s", "created_at"),
            ("s", "last_seen_at"),
            ("s", "client_addr"),
            ("s", "user_agent"),
        ])
        .expr_as(Expr::col(("u", "username")), "username")
        .from_as("session", "s")
        .join_as(JoinType::InnerJoin, "app_user", "u", Expr::col(("u", "id")).equals(("s", "user_id")))
        .order_by(("s", "last_seen_at"), Order::Desc)
        .limit(500)
        .take();
    if let Some(u) = user {
        q.and_where(Expr::col(("s", "user_id")).eq(u.0));
    }
    let rows = db.conn().query_all(&q).await?;
    rows.iter().map(|r| SessionInfo::from_query_result(r, "").map_err(StoreError::from)).collect()
}

/// End another session by its handle (the owner, or the 安全管理员 for anyone's).
pub async fn end_session(db: &Db, scope: &Scope, meta: &Meta, handle: &str) -> StoreResult<()> {
    if handle.len() != 16 || !handle.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::NotFound);
    }
    let tx = db.begin_write().await?;
    #[derive(FromQueryResult)]
    struct S {
        id_hash: String,
        user_id: i64,
    }
    let q = Query::select()
        .columns(["id_hash", "user_id"])
        .from("session")
        .and_where(Expr::col("id_hash").like(format!("{handle}%")))
        .take();
    let Some(r) = tx.query_one(&q).await? else {
        return Err(StoreError::NotFound);
    };
    let s = S::from_query_result(&r, "")?;
    if Some(UserId(s.user_id)) != scope.user_id() && !scope.can(jiceng_types::Right::SecurityPolicy) {
        drop(tx);
        audit::record_denied(db, scope, meta, "session", Some(handle.to_string()), "no_security_right").await?;
        return Err(StoreError::forbidden("no_security_right", "只有安全管理员可以结束他人的会话"));
    }
    tx.execute(&Query::delete().from_table("session").and_where(Expr::col("id_hash").eq(s.id_hash.as_str())).take())
        .await?;
    let entry = Entry::new(Action::SessionEnd, "session", Some(handle.to_string()))
        .changes(serde_json::json!({ "user_id": s.user_id }));
    audit::append(&tx, scope, meta, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// End every session of an account (安全管理员).
pub async fn end_user_session(db: &Db, scope: &Scope, meta: &Meta, user: UserId) -> StoreResult<u64> {
    if !scope.can(jiceng_types::Right::SecurityPolicy) {
        audit::record_denied(db, scope, meta, "session", Some(user.to_string()), "no_security_right").await?;
        return Err(StoreError::forbidden("no_security_right", "只有安全管理员可以结束他人的会话"));
    }
    let tx = db.begin_write().await?;
    let n = tx
        .execute(&Query::delete().from_table("session").and_where(Expr::col("user_id").eq(user.0)).take())
        .await?
        .rows_affected();
    let entry = Entry::new(Action::SessionEnd, "session", None)
        .changes(serde_json::json!({ "user_id": user, "sessions_ended": n }));
    audit::append(&tx, scope, meta, entry).await?;
    tx.commit().await?;
    Ok(n)
}

/// On first start, when no 系统管理员 exists, create `sysadmin` with a random one-time password
/// and return it (to be printed once). Returns `None` when one exists.
pub async fn bootstrap(db: &Db) -> StoreResult<Option<(String, String)>> {
    let q = Query::select().expr(Expr::val(1)).from("app_user").and_where(Expr::col("role").eq("system_admin")).take();
    if db.conn().query_one(&q).await?.is_some() {
        return Ok(None);
    }
    let mut username = "sysadmin".to_string();
    let taken =
        Query::select().expr(Expr::val(1)).from("app_user").and_where(Expr::col("username").eq("sysadmin")).take();
    if db.conn().query_one(&taken).await?.is_some() {
        username = format!("sysadmin-{}", &random_secret()[..6]);
    }
    let new = super::NewUser {
        username: jiceng_types::Username::parse(&username).map_err(|e| StoreError::Corrupt(e.message))?,
        display_name: jiceng_types::DisplayName::parse("系统管理员").map_err(|e| StoreError::Corrupt(e.message))?,
        role: jiceng_types::Role::SystemAdmin,
        org_id: None,
    };
    let (user, password) = super::create_user(db, &Scope::cli(), &Meta::cli(), new).await?;
    Ok(Some((user.username, password)))
}
