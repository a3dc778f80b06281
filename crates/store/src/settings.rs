//! County-wide settings kept in the database: the security policy (set by the 安全管理员).

use jiceng_types::{PasswordPolicy, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::{Db, Meta};

/// The security policy: login lockout, session timeouts and password rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecurityPolicy {
    /// Failed logins that lock an account…
    pub lockout_threshold: u32,
    /// …within this many minutes…
    pub lockout_window_minutes: u32,
    /// …for this many minutes.
    pub lockout_minutes: u32,
    /// A session ends after this many minutes without a request.
    pub idle_timeout_minutes: u32,
    /// A session ends this many minutes after login, whatever happens.
    pub absolute_timeout_minutes: u32,
    /// Minimum password length.
    pub password_min_len: u32,
    /// How many character classes a password needs.
    pub password_min_classes: u32,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            lockout_threshold: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 15,
            idle_timeout_minutes: 30,
            absolute_timeout_minutes: 12 * 60,
            password_min_len: 10,
            password_min_classes: 3,
        }
    }
}

impl SecurityPolicy {
    /// The password rules of this policy.
    pub fn password(&self) -> PasswordPolicy {
        PasswordPolicy { min_len: self.password_min_len as usize, min_classes: self.password_min_classes as usize }
    }

    /// Check the values are sensible; errors name the field.
    pub fn validate(&self) -> Result<(), Vec<jiceng_types::FieldError>> {
        use jiceng_types::FieldError;
        let mut errs = Vec::new();
        let mut range = |field: &str, v: u32, lo: u32, hi: u32| {
            if !(lo..=hi).contains(&v) {
                errs.push(FieldError::new(field, "out_of_range", format!("应在{lo}至{hi}之间")));
            }
        };
        range("lockout_threshold", self.lockout_threshold, 3, 10);
        range("lockout_window_minutes", self.lockout_window_minutes, 1, 1440);
        range("lockout_minutes", self.lockout_minutes, 1, 1440);
        range("idle_timeout_minutes", self.idle_timeout_minutes, 5, 240);
        range("absolute_timeout_minutes", self.absolute_timeout_minutes, 30, 24 * 60);
        range("password_min_len", self.password_min_len, 8, 64);
        range("password_min_classes", self.password_min_classes, 2, 4);
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }
}

const SECURITY_KEY: &str = "security";

#[derive(FromQueryResult)]
struct Row {
    value: String,
}

/// The current security policy (defaults where unset).
///
/// Cached for a few seconds: a change made through [`set_security_policy`] applies at once in
/// this process, and within [`POLICY_CACHE`] in other processes sharing the database.
pub async fn security_policy(db: &Db) -> StoreResult<SecurityPolicy> {
    let cached = db.policy_cache.lock().ok().and_then(|c| *c).filter(|(at, _)| at.elapsed() < POLICY_CACHE);
    if let Some((_, p)) = cached {
        return Ok(p);
    }
    let q = Query::select().column("value").from("setting").and_where(Expr::col("key").eq(SECURITY_KEY)).take();
    let policy = match db.conn().query_one(&q).await? {
        Some(r) => {
            let row = Row::from_query_result(&r, "")?;
            serde_json::from_str(&row.value).map_err(|e| StoreError::Corrupt(format!("setting security: {e}")))?
        }
        None => SecurityPolicy::default(),
    };
    if let Ok(mut cache) = db.policy_cache.lock() {
        *cache = Some((std::time::Instant::now(), policy));
    }
    Ok(policy)
}

/// How long a read of the security policy is reused.
pub const POLICY_CACHE: std::time::Duration = std::time::Duration::from_secs(5);

/// Change the security policy (安全管理员 only); audited with before/after.
pub async fn set_security_policy(db: &Db, scope: &Scope, meta: &Meta, policy: SecurityPolicy) -> StoreResult<()> {
    if !scope.can(Right::SecurityPolicy) {
        audit::record_denied(db, scope, meta, "setting", Some(SECURITY_KEY.into()), "no_security_right").await?;
        return Err(StoreError::forbidden("no_security_right", "只有安全管理员可以修改安全策略"));
    }
    policy.validate().map_err(StoreError::Invalid)?;
    let before = security_policy(db).await?;
    let tx = db.begin_write().await?;
    let value = serde_json::to_string(&policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let q = Query::insert()
        .into_table("setting")
        .columns(["key", "value", "updated_at", "updated_by"])
        .values_panic([SECURITY_KEY.into(), value.into(), crate::now().into(), scope.actor().username.clone().into()])
        .on_conflict(OnConflict::column("key").update_columns(["value", "updated_at", "updated_by"]).to_owned())
        .take();
    tx.execute(&q).await?;
    let to_json = |p: &SecurityPolicy| serde_json::to_value(p).unwrap_or_default();
    let changes = audit::diff(&to_json(&before), &to_json(&policy));
    audit::append(
        &tx,
        scope,
        meta,
        Entry::new(Action::SettingChange, "setting", Some(SECURITY_KEY.into())).changes(changes),
    )
    .await?;
    tx.commit().await?;
    if let Ok(mut cache) = db.policy_cache.lock() {
        *cache = None;
    }
    Ok(())
}
