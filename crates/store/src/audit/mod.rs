//! The audit trail: append-only, hash-chained, written in the same transaction as the change.
//!
//! Each row carries the SM3 hash of the previous row (`prev_hash`) and its own hash over a
//! canonical serialization of all its fields, so editing, deleting or reordering any row breaks
//! the chain at that row. The `audit_head` row holds the last id and hash; appending locks it,
//! which orders concurrent writers on PostgreSQL (SQLite writers are already serialized).

use chrono::{DateTime, SecondsFormat, Utc};
use jiceng_types::{Actor, OrgPath, Scope, UserId};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};
use serde::Serialize;
use sm3::{Digest, Sm3};

use crate::error::{StoreError, StoreResult};
use crate::{Db, Meta};

mod appender;
mod read;

pub(crate) use appender::{Appender, append_many, head_seq};
pub use read::{Broken, Filter, VerifyReport, list, verify};

/// The `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What was done. The key is stored; the label is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 新建
    Create,
    /// 修改
    Update,
    /// 删除
    Delete,
    /// 调整隶属关系 (re-parent)
    Move,
    /// 撤销
    Dissolve,
    /// 合并
    Merge,
    /// 登录成功
    LoginSuccess,
    /// 登录失败
    LoginFailure,
    /// 退出登录
    Logout,
    /// 越权访问被拒绝
    Denied,
    /// 查看敏感信息
    Reveal,
    /// 导出
    Export,
    /// 修改密码
    PasswordChange,
    /// 重置密码
    PasswordReset,
    /// 停用账号
    Disable,
    /// 启用账号
    Enable,
    /// 结束会话
    SessionEnd,
    /// 修改设置
    SettingChange,
    /// 创建访问令牌
    TokenCreate,
    /// 吊销访问令牌
    TokenRevoke,
    /// 载入演示数据
    DemoLoad,
    /// 恢复备份
    Restore,
}

impl Action {
    /// Every action, in display order.
    pub const ALL: &'static [Action] = &[
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Move,
        Action::Dissolve,
        Action::Merge,
        Action::LoginSuccess,
        Action::LoginFailure,
        Action::Logout,
        Action::Denied,
        Action::Reveal,
        Action::Export,
        Action::PasswordChange,
        Action::PasswordReset,
        Action::Disable,
        Action::Enable,
        Action::SessionEnd,
        Action::SettingChange,
        Action::TokenCreate,
        Action::TokenRevoke,
        Action::DemoLoad,
        Action::Restore,
    ];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Move => "move",
            Action::Dissolve => "dissolve",
            Action::Merge => "merge",
            Action::LoginSuccess => "login_success",
            Action::LoginFailure => "login_failure",
            Action::Logout => "logout",
            Action::Denied => "denied",
            Action::Reveal => "reveal",
            Action::Export => "export",
            Action::PasswordChange => "password_change",
            Action::PasswordReset => "password_reset",
            Action::Disable => "disable",
            Action::Enable => "enable",
            Action::SessionEnd => "session_end",
            Action::SettingChange => "setting_change",
            Action::TokenCreate => "token_create",
            Action::TokenRevoke => "token_revoke",
            Action::DemoLoad => "demo_load",
            Action::Restore => "restore",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Action::Create => "新建",
            Action::Update => "修改",
            Action::Delete => "删除",
            Action::Move => "调整隶属关系",
            Action::Dissolve => "撤销",
            Action::Merge => "合并",
            Action::LoginSuccess => "登录成功",
            Action::LoginFailure => "登录失败",
            Action::Logout => "退出登录",
            Action::Denied => "越权访问被拒绝",
            Action::Reveal => "查看敏感信息",
            Action::Export => "导出",
            Action::PasswordChange => "修改密码",
            Action::PasswordReset => "重置密码",
            Action::Disable => "停用账号",
            Action::Enable => "启用账号",
            Action::SessionEnd => "结束会话",
            Action::SettingChange => "修改设置",
            Action::TokenCreate => "创建访问令牌",
            Action::TokenRevoke => "吊销访问令牌",
            Action::DemoLoad => "载入演示数据",
            Action::Restore => "恢复备份",
        }
    }

    /// Parse a stored key.
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.key() == s)
    }
}

/// One audit record to append.
#[derive(Debug, Clone)]
pub struct Entry {
    /// What was done.
    pub action: Action,
    /// The kind of object (`org`, `user`, `session`, `setting`, …).
    pub object_type: &'static str,
    /// The object's id, if it has one.
    pub object_id: Option<String>,
    /// The organization the object belongs to (decides which scoped auditors see the row).
    pub org_path: Option<OrgPath>,
    /// Before/after of the changed fields: `{"field": {"from": …, "to": …}}`, or other details.
    pub changes: serde_json::Value,
}

impl Entry {
    /// A new entry with no changes recorded yet.
    pub fn new(action: Action, object_type: &'static str, object_id: Option<String>) -> Self {
        Entry { action, object_type, object_id, org_path: None, changes: serde_json::Value::Null }
    }

    /// Set the organization the object belongs to.
    pub fn in_org(mut self, path: &OrgPath) -> Self {
        self.org_path = Some(path.clone());
        self
    }

    /// Set the changes.
    pub fn changes(mut self, changes: serde_json::Value) -> Self {
        self.changes = changes;
        self
    }
}

/// The changed fields between two JSON objects, as `{"field": {"from": a, "to": b}}`. A field only
/// in `after` has no `from`; only in `before`, no `to`.
pub fn diff(before: &serde_json::Value, after: &serde_json::Value) -> serde_json::Value {
    use serde_json::{Map, Value};
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let (from, to) = (b.get(k), a.get(k));
        if from != to {
            let mut change = Map::new();
            if let Some(f) = from {
                change.insert("from".into(), f.clone());
            }
            if let Some(t) = to {
                change.insert("to".into(), t.clone());
            }
            out.insert(k.clone(), Value::Object(change));
        }
    }
    Value::Object(out)
}

/// The columns of an audit row; its hash covers all but the last, in this order.
const RECORD_COLUMNS: [&str; 15] = [
    "id",
    "at",
    "user_id",
    "username",
    "role",
    "org_id",
    "org_path",
    "action",
    "object_type",
    "object_id",
    "changes",
    "client_addr",
    "request_id",
    "prev_hash",
    "hash",
];

/// A stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Record {
    /// Sequence number, from 1, without gaps.
    pub id: i64,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// The acting account, if any.
    pub user_id: Option<i64>,
    /// The acting account's user name (or the name tried, for a failed login).
    pub username: String,
    /// The acting role's key, or `cli`.
    pub role: String,
    /// The acting account's organization.
    pub org_id: Option<i64>,
    /// The path of the organization the object belongs to.
    pub org_path: Option<String>,
    /// The action's key.
    pub action: String,
    /// The object's kind.
    pub object_type: String,
    /// The object's id.
    pub object_id: Option<String>,
    /// Changed fields or details, as JSON text.
    pub changes: String,
    /// Client address.
    pub client_addr: String,
    /// Request id.
    pub request_id: String,
    /// Hash of the previous row.
    pub prev_hash: String,
    /// Hash of this row.
    pub hash: String,
}

impl Record {
    /// The Chinese label of the action.
    pub fn action_label(&self) -> &'static str {
        Action::parse(&self.action).map(Action::label).unwrap_or("未知操作")
    }

    /// The Chinese label of the role.
    pub fn role_label(&self) -> &'static str {
        match self.role.as_str() {
            "cli" => "命令行",
            other => jiceng_types::Role::parse(other).map(|r| r.label()).unwrap_or("（未登录）"),
        }
    }

    /// The hash this row should have, given its fields.
    fn computed_hash(&self) -> String {
        row_hash(
            self.id,
            &self.at,
            self.user_id,
            &self.username,
            &self.role,
            self.org_id,
            self.org_path.as_deref(),
            &self.action,
            &self.object_type,
            self.object_id.as_deref(),
            &self.changes,
            &self.client_addr,
            &self.request_id,
            &self.prev_hash,
        )
    }
}

#[expect(clippy::too_many_arguments, reason = "the hash covers every column, in order")]
fn row_hash(
    id: i64,
    at: &DateTime<Utc>,
    user_id: Option<i64>,
    username: &str,
    role: &str,
    org_id: Option<i64>,
    org_path: Option<&str>,
    action: &str,
    object_type: &str,
    object_id: Option<&str>,
    changes: &str,
    client_addr: &str,
    request_id: &str,
    prev_hash: &str,
) -> String {
    // The canonical text is the JSON array of the columns in order (serialized from a tuple,
    // which writes what a `serde_json::Value` array of the same values would, without building
    // one per row).
    let canonical = serde_json::to_vec(&(
        id,
        at.to_rfc3339_opts(SecondsFormat::Micros, true),
        user_id,
        username,
        role,
        org_id,
        org_path,
        action,
        object_type,
        object_id,
        changes,
        client_addr,
        request_id,
        prev_hash,
    ))
    .unwrap_or_default();
    hex::encode(Sm3::digest(&canonical))
}

/// Who the row is attributed to, when there is no scope (a login attempt).
#[derive(Debug, Clone)]
pub(crate) struct Who<'a> {
    pub user_id: Option<UserId>,
    pub username: &'a str,
    pub role: &'a str,
    pub org_id: Option<i64>,
}

impl<'a> From<&'a Actor> for Who<'a> {
    fn from(a: &'a Actor) -> Self {
        Who {
            user_id: a.user_id,
            username: &a.username,
            role: a.role.map(|r| r.key()).unwrap_or("cli"),
            org_id: a.org_id.map(|o| o.0),
        }
    }
}

/// Append one record as the scope's actor, inside the caller's transaction.
pub(crate) async fn append(tx: &DatabaseTransaction, scope: &Scope, meta: &Meta, entry: Entry) -> StoreResult<i64> {
    append_as(tx, Who::from(scope.actor()), meta, entry).await
}

/// Append one record attributed to `who`, inside the caller's transaction.
pub(crate) async fn append_as(tx: &DatabaseTransaction, who: Who<'_>, meta: &Meta, entry: Entry) -> StoreResult<i64> {
    #[derive(FromQueryResult)]
    struct Head {
        seq: i64,
        last_hash: String,
    }
    // Lock the head row (PostgreSQL) and take the next sequence number.
    let stmt = Query::update()
        .table("audit_head")
        .value("seq", Expr::col("seq").add(1i64))
        .and_where(Expr::col("id").eq(1))
        .returning(Query::returning().columns(["seq", "last_hash"]))
        .take();
    let row = tx.query_one(&stmt).await?.ok_or_else(|| StoreError::Corrupt("audit_head missing".into()))?;
    let head = Head::from_query_result(&row, "")?;

    let at = crate::now();
    let changes = if serde_json::Value::is_null(&entry.changes) { "{}".to_string() } else { entry.changes.to_string() };
    let org_path = entry.org_path.as_ref().map(|p| p.as_str().to_string());
    let user_id = who.user_id.map(|u| u.0);
    let hash = row_hash(
        head.seq,
        &at,
        user_id,
        who.username,
        who.role,
        who.org_id,
        org_path.as_deref(),
        entry.action.key(),
        entry.object_type,
        entry.object_id.as_deref(),
        &changes,
        &meta.client_addr,
        &meta.request_id,
        &head.last_hash,
    );
    let insert = Query::insert()
        .into_table("audit_log")
        .columns(RECORD_COLUMNS)
        .values_panic([
            head.seq.into(),
            at.into(),
            user_id.into(),
            who.username.into(),
            who.role.into(),
            who.org_id.into(),
            org_path.into(),
            entry.action.key().into(),
            entry.object_type.into(),
            entry.object_id.clone().into(),
            changes.into(),
            meta.client_addr.clone().into(),
            meta.request_id.clone().into(),
            head.last_hash.into(),
            hash.clone().into(),
        ])
        .take();
    tx.execute(&insert).await?;
    let update = Query::update().table("audit_head").value("last_hash", hash).and_where(Expr::col("id").eq(1)).take();
    tx.execute(&update).await?;
    Ok(head.seq)
}

/// Record a refused action in its own transaction (the refused change itself was rolled back).
pub async fn record_denied(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    object_type: &'static str,
    object_id: Option<String>,
    reason: &str,
) -> StoreResult<()> {
    let tx = db.begin_write().await?;
    let mut entry = Entry::new(Action::Denied, object_type, object_id).changes(serde_json::json!({ "reason": reason }));
    // Attributed to the actor's own organization, so the auditor of that subtree sees it.
    if let Some([root]) = scope.roots() {
        entry = entry.in_org(root);
    }
    append(&tx, scope, meta, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Run a change; if it was refused for lack of a right, record the refusal (after the change's
/// transaction was rolled back).
pub(crate) async fn recording_denial<T>(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    object_type: &'static str,
    object_id: Option<String>,
    change: impl std::future::Future<Output = StoreResult<T>>,
) -> StoreResult<T> {
    let result = change.await;
    if let Err(StoreError::Forbidden { code, .. }) = &result {
        record_denied(db, scope, meta, object_type, object_id, code).await?;
    }
    result
}

/// Record a standalone event (an export, a sensitive-field reveal, a demo load) in its own
/// transaction.
pub async fn record(db: &Db, scope: &Scope, meta: &Meta, entry: Entry) -> StoreResult<()> {
    let tx = db.begin_write().await?;
    append(&tx, scope, meta, entry).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn many_appends_build_the_same_valid_chain() {
        let t = crate::testing::TestDb::sqlite().await.unwrap();
        let scope = Scope::cli();
        let meta = Meta::cli();
        let tx = t.db.begin_write().await.unwrap();
        append(&tx, &scope, &meta, Entry::new(Action::Create, "org", Some("1".into()))).await.unwrap();
        let many: Vec<Entry> = (0..1234)
            .map(|i| Entry::new(Action::Update, "member", Some(i.to_string())).changes(json!({ "i": i })))
            .collect();
        append_many(&tx, &scope, &meta, many).await.unwrap();
        append(&tx, &scope, &meta, Entry::new(Action::Delete, "org", Some("1".into()))).await.unwrap();
        tx.commit().await.unwrap();
        let report = verify(&t.db).await.unwrap();
        assert_eq!(report.first_broken, None);
        assert_eq!(report.rows, 1236);
        t.cleanup().await;
    }

    #[test]
    fn diff_keeps_changed_fields_only() {
        let d = diff(&json!({"a": 1, "b": 2, "c": 3}), &json!({"a": 1, "b": 5, "d": 4}));
        assert_eq!(d, json!({"b": {"from": 2, "to": 5}, "c": {"from": 3}, "d": {"to": 4}}));
        assert_eq!(diff(&json!({"a": 1}), &json!({"a": 1})), json!({}));
    }

    #[test]
    fn hash_depends_on_every_field() {
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456Z").unwrap().with_timezone(&Utc);
        let base = row_hash(
            1,
            &at,
            Some(2),
            "u",
            "county_admin",
            Some(3),
            Some("/1/"),
            "create",
            "org",
            Some("9"),
            "{}",
            "127.0.0.1",
            "r",
            GENESIS_HASH,
        );
        assert_eq!(base.len(), 64);
        let other = row_hash(
            1,
            &at,
            Some(2),
            "u",
            "county_admin",
            Some(3),
            Some("/1/"),
            "create",
            "org",
            Some("9"),
            "{}",
            "127.0.0.2",
            "r",
            GENESIS_HASH,
        );
        assert_ne!(base, other);
    }

    #[test]
    fn hash_covers_the_json_array_of_the_columns() {
        // The chain written before stays valid: the canonical text is exactly the JSON array
        // that `serde_json::json!` makes of the columns.
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456Z").unwrap().with_timezone(&Utc);
        for (user_id, org_path, object_id, changes) in
            [(Some(2), Some("/1/"), Some("9"), r#"{"name":{"to":"张三 \"引号\"\n"}}"#), (None, None, None, "{}")]
        {
            let canonical = json!([
                1,
                at.to_rfc3339_opts(SecondsFormat::Micros, true),
                user_id,
                "命令行",
                "cli",
                user_id.map(|_| 3),
                org_path,
                "create",
                "member",
                object_id,
                changes,
                "-",
                "cli-\t\u{1}",
                GENESIS_HASH
            ])
            .to_string();
            let expected = hex::encode(Sm3::digest(canonical.as_bytes()));
            let got = row_hash(
                1,
                &at,
                user_id,
                "命令行",
                "cli",
                user_id.map(|_| 3),
                org_path,
                "create",
                "member",
                object_id,
                changes,
                "-",
                "cli-\t\u{1}",
                GENESIS_HASH,
            );
            assert_eq!(got, expected);
        }
    }
}
