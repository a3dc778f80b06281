//! Changing the organization tree: create, edit, move (re-parent), dissolve, merge.
//!
//! Each function runs one write transaction that checks the caller's right and scope, makes the
//! change, writes the organization's history event and the audit record, and commits. A refusal
//! for lack of a right is itself recorded (in a separate transaction, after the rollback).

use chrono::NaiveDate;
use jiceng_types::{FieldError, OrgId, OrgKind, OrgPath, OrgStatus, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use super::rollup::{adjust_chain, adjust_children};
use super::{Org, OrgInput, fetch_one, pinyin_of, select_in_scope};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::sql::stmt;
use crate::{Db, Meta};

/// Run a change; if it was refused for lack of a right, record the refusal.
async fn recording_denial<T>(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    object_id: Option<OrgId>,
    change: impl std::future::Future<Output = StoreResult<T>>,
) -> StoreResult<T> {
    let result = change.await;
    if let Err(StoreError::Forbidden { code, .. }) = &result {
        audit::record_denied(db, scope, meta, "org", object_id.map(|i| i.to_string()), code).await?;
    }
    result
}

fn require_write(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::WriteOrgs) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_org_write_right", "您没有维护组织体系的权限"))
    }
}

/// Load an organization in scope inside the transaction.
async fn load(tx: &DatabaseTransaction, scope: &Scope, id: OrgId) -> StoreResult<Option<Org>> {
    let q = select_in_scope(scope).and_where(Expr::col(("org", "id")).eq(id.0)).take();
    fetch_one(tx, &q).await
}

async fn code_taken(tx: &DatabaseTransaction, code: &str, except: Option<OrgId>) -> StoreResult<bool> {
    let mut q = Query::select().expr(Expr::val(1)).from("org").and_where(Expr::col("code").eq(code)).take();
    if let Some(id) = except {
        q.and_where(Expr::col("id").ne(id.0));
    }
    Ok(tx.query_one(&q).await?.is_some())
}

fn duplicate_code(code: &str) -> StoreError {
    StoreError::invalid("code", "duplicate", format!("组织代码“{code}”已被使用"))
}

/// Check that `parent` may hold a child of `kind`.
fn check_parent(parent: &Org, kind: OrgKind) -> Result<(), FieldError> {
    if parent.status != OrgStatus::Active {
        return Err(FieldError::new("parent_id", "parent_inactive", "上级组织已撤销或合并，不能在其下设立组织"));
    }
    if parent.kind.is_branch() {
        return Err(FieldError::new(
            "parent_id",
            "parent_is_branch",
            format!("{}是{}，其下不能再设立党组织（可设党小组）", parent.name, parent.kind.label()),
        ));
    }
    if kind == OrgKind::CountyCommittee {
        return Err(FieldError::new("kind", "county_not_root", "县委只能作为最上级组织"));
    }
    Ok(())
}

async fn insert_event(
    tx: &DatabaseTransaction,
    scope: &Scope,
    org: OrgId,
    kind: &str,
    on: NaiveDate,
    detail: serde_json::Value,
) -> StoreResult<()> {
    let q = Query::insert()
        .into_table("org_event")
        .columns(["org_id", "kind", "happened_on", "detail", "recorded_by", "recorded_at"])
        .values_panic([
            org.0.into(),
            kind.into(),
            on.into(),
            detail.to_string().into(),
            scope.actor().username.clone().into(),
            crate::now().into(),
        ])
        .take();
    tx.execute(&q).await?;
    Ok(())
}

/// Create an organization. Under a parent, the parent must be in scope and the caller needs the
/// right to maintain the tree; a root organization needs the system-setup right.
pub async fn create(db: &Db, scope: &Scope, meta: &Meta, input: OrgInput) -> StoreResult<Org> {
    recording_denial(db, scope, meta, input.parent_id, async {
        let tx = db.begin_write().await?;
        let org = create_in(&tx, scope, meta, input).await?;
        tx.commit().await?;
        Ok(org)
    })
    .await
}

/// [`create`] inside the caller's transaction (for imports that create many at once).
pub(crate) async fn create_in(
    tx: &DatabaseTransaction,
    scope: &Scope,
    meta: &Meta,
    input: OrgInput,
) -> StoreResult<Org> {
    let parent = match input.parent_id {
        Some(pid) => {
            require_write(scope)?;
            let parent = load(tx, scope, pid).await?.ok_or_else(|| {
                StoreError::invalid("parent_id", "parent_not_found", "上级组织不存在或不在您的管辖范围内")
            })?;
            check_parent(&parent, input.kind).map_err(|e| StoreError::Invalid(vec![e]))?;
            Some(parent)
        }
        None => {
            if !scope.can(Right::CreateRootOrgs) {
                return Err(StoreError::forbidden("no_root_right", "只有系统管理员可以设立最上级组织，请选择上级组织"));
            }
            None
        }
    };
    if code_taken(tx, input.code.as_str(), None).await? {
        return Err(duplicate_code(input.code.as_str()));
    }
    let now = crate::now();
    let py = pinyin_of(input.name.as_str());
    let temp_path = format!("/~{}/", uuid::Uuid::now_v7());
    let insert = crate::sql::insert_row(
        "org",
        vec![
            ("parent_id", input.parent_id.map(|p| p.0).into()),
            ("path", temp_path.into()),
            ("depth", 0i32.into()),
            ("code", input.code.as_str().into()),
            ("name", input.name.as_str().into()),
            ("name_pinyin", py.full.into()),
            ("name_initials", py.initials.into()),
            ("kind", input.kind.key().into()),
            ("domain", input.domain.key().into()),
            ("established_on", input.established_on.into()),
            ("term_start", input.term_start.into()),
            ("term_end", input.term_end.into()),
            ("status", OrgStatus::Active.key().into()),
            ("status_on", input.established_on.into()),
            ("member_count", 0i64.into()),
            ("subtree_orgs", 1i64.into()),
            ("created_at", now.into()),
            ("updated_at", now.into()),
        ],
    )
    .returning_col("id")
    .take();
    let row = tx
        .query_one(&insert)
        .await
        .map_err(map_unique)?
        .ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
    let id = OrgId(row.try_get::<i64>("", "id")?);
    let path = match &parent {
        Some(p) => p.path.child(id),
        None => OrgPath::root(id),
    };
    let depth = i32::try_from(path.depth()).unwrap_or(i32::MAX);
    let set_path = Query::update()
        .table("org")
        .value("path", path.as_str())
        .value("depth", depth)
        .and_where(Expr::col("id").eq(id.0))
        .take();
    tx.execute(&set_path).await?;
    if let Some(p) = &parent {
        adjust_chain(tx, &p.path, 1, 0).await?;
        adjust_children(tx, p.id, 1).await?;
    }
    let org = fetch_one(
        tx,
        &select_in_scope(&jiceng_types::Scope::cli()).and_where(Expr::col(("org", "id")).eq(id.0)).take(),
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    let on = input.established_on.unwrap_or_else(|| now.date_naive());
    insert_event(tx, scope, id, "created", on, org.audit_fields()).await?;
    let entry = Entry::new(Action::Create, "org", Some(id.to_string()))
        .in_org(&org.path)
        .changes(audit::diff(&serde_json::json!({}), &org.audit_fields()));
    audit::append(tx, scope, meta, entry).await?;
    Ok(org)
}

fn map_unique(e: sea_orm::DbErr) -> StoreError {
    let e = StoreError::from(e);
    if e.is_unique_violation() { StoreError::invalid("code", "duplicate", "组织代码已被使用") } else { e }
}

async fn active_children(tx: &DatabaseTransaction, id: OrgId) -> StoreResult<i64> {
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let q = Query::select()
        .expr_as(Expr::col("id").count(), "n")
        .from("org")
        .and_where(Expr::col("parent_id").eq(id.0))
        .and_where(Expr::col("status").eq(OrgStatus::Active.key()))
        .take();
    Ok(match tx.query_one(&q).await? {
        Some(r) => N::from_query_result(&r, "")?.n,
        None => 0,
    })
}

/// Change an organization's code, name, kind, domain and dates (not its parent: see [`move_to`]).
pub async fn update(db: &Db, scope: &Scope, meta: &Meta, id: OrgId, input: OrgInput) -> StoreResult<Org> {
    recording_denial(db, scope, meta, Some(id), async {
        let tx = db.begin_write().await?;
        let (after, changed) = update_in(&tx, scope, meta, id, input).await?;
        if changed {
            tx.commit().await?;
        }
        Ok(after)
    })
    .await
}

/// [`update`] inside the caller's transaction; also says whether anything changed.
pub(crate) async fn update_in(
    tx: &DatabaseTransaction,
    scope: &Scope,
    meta: &Meta,
    id: OrgId,
    input: OrgInput,
) -> StoreResult<(Org, bool)> {
    let before = load(tx, scope, id).await?.ok_or(StoreError::NotFound)?;
    // Whoever may set up a top-level organization may also correct it.
    if !(scope.can(Right::CreateRootOrgs) && before.parent_id.is_none()) {
        require_write(scope)?;
    }
    if before.status != OrgStatus::Active {
        return Err(StoreError::conflict("org_inactive", "该组织已撤销或合并，不能修改"));
    }
    if input.kind.is_branch() && !before.kind.is_branch() && active_children(tx, id).await? > 0 {
        return Err(StoreError::invalid("kind", "has_children", "该组织下设有党组织，不能改为党支部类别"));
    }
    if input.kind == OrgKind::CountyCommittee && before.parent_id.is_some() {
        return Err(StoreError::invalid("kind", "county_not_root", "县委只能作为最上级组织"));
    }
    if code_taken(tx, input.code.as_str(), Some(id)).await? {
        return Err(duplicate_code(input.code.as_str()));
    }
    let py = pinyin_of(input.name.as_str());
    let q = Query::update()
        .table("org")
        .value("code", input.code.as_str())
        .value("name", input.name.as_str())
        .value("name_pinyin", py.full)
        .value("name_initials", py.initials)
        .value("kind", input.kind.key())
        .value("domain", input.domain.key())
        .value("established_on", input.established_on)
        .value("term_start", input.term_start)
        .value("term_end", input.term_end)
        .value("updated_at", crate::now())
        .and_where(Expr::col("id").eq(id.0))
        .take();
    tx.execute(&q).await.map_err(map_unique)?;
    let after = load(tx, scope, id).await?.ok_or(StoreError::NotFound)?;
    let changes = audit::diff(&before.audit_fields(), &after.audit_fields());
    let changed = changes.as_object().is_some_and(|m| !m.is_empty());
    if changed {
        insert_event(tx, scope, id, "updated", crate::now().date_naive(), changes.clone()).await?;
        audit::append(
            tx,
            scope,
            meta,
            Entry::new(Action::Update, "org", Some(id.to_string())).in_org(&after.path).changes(changes),
        )
        .await?;
    }
    Ok((after, changed))
}

/// Rewrite the paths of the subtree at `old` to start with `new` instead.
async fn rewrite_subtree(tx: &DatabaseTransaction, old: &OrgPath, new: &OrgPath) -> StoreResult<()> {
    let old_len = i32::try_from(old.as_str().len()).unwrap_or(0);
    let delta = i32::try_from(new.depth()).unwrap_or(0) - i32::try_from(old.depth()).unwrap_or(0);
    let sql = "UPDATE org SET path = ? || substr(path, ?), depth = depth + ? WHERE path >= ? AND path < ?";
    let backend = tx.get_database_backend();
    tx.execute_raw(stmt(
        backend,
        sql,
        vec![new.as_str().into(), (old_len + 1).into(), delta.into(), old.as_str().into(), old.upper_bound().into()],
    ))
    .await?;
    Ok(())
}

/// The path of the parent (the path without its last id), `None` for a root.
fn parent_path(path: &OrgPath) -> Option<OrgPath> {
    let ids = path.ids();
    let (_, up) = ids.split_last()?;
    let mut it = up.iter();
    let mut p = OrgPath::root(*it.next()?);
    for id in it {
        p = p.child(*id);
    }
    Some(p)
}

/// Check that `target` can receive `org`'s subtree.
fn check_target(org: &Org, target: &Org, field: &str) -> Result<(), FieldError> {
    if org.path.contains(&target.path) {
        let msg = if field == "target_id" {
            "不能并入本组织或其下级组织"
        } else {
            "不能调整到本组织或其下级组织之下"
        };
        return Err(FieldError::new(field, "cycle", msg));
    }
    if target.status != OrgStatus::Active {
        return Err(FieldError::new(field, "target_inactive", "目标组织已撤销或合并"));
    }
    Ok(())
}

fn check_movable(scope: &Scope, org: &Org) -> StoreResult<()> {
    if scope.is_root(&org.path) {
        return Err(StoreError::forbidden("own_root", "不能调整或撤销您本级组织，请联系上级组织"));
    }
    if org.status != OrgStatus::Active {
        return Err(StoreError::conflict("org_inactive", "该组织已撤销或合并"));
    }
    Ok(())
}

/// Move an organization (with its whole subtree) under a new parent, both in scope.
pub async fn move_to(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    id: OrgId,
    new_parent: OrgId,
    on: NaiveDate,
) -> StoreResult<Org> {
    recording_denial(db, scope, meta, Some(id), async {
        require_write(scope)?;
        let tx = db.begin_write().await?;
        let org = load(&tx, scope, id).await?.ok_or(StoreError::NotFound)?;
        check_movable(scope, &org)?;
        let target = load(&tx, scope, new_parent).await?.ok_or_else(|| {
            StoreError::invalid("parent_id", "parent_not_found", "目标上级组织不存在或不在您的管辖范围内")
        })?;
        check_target(&org, &target, "parent_id").map_err(|e| StoreError::Invalid(vec![e]))?;
        check_parent(&target, org.kind).map_err(|e| StoreError::Invalid(vec![e]))?;
        if org.parent_id == Some(target.id) {
            return Err(StoreError::invalid("parent_id", "same_parent", "该组织已隶属于所选上级组织"));
        }
        let new_path = target.path.child(org.id);
        rewrite_subtree(&tx, &org.path, &new_path).await?;
        if let Some(old_parent) = parent_path(&org.path) {
            adjust_chain(&tx, &old_parent, -org.subtree_orgs, -org.subtree_members).await?;
        }
        adjust_chain(&tx, &target.path, org.subtree_orgs, org.subtree_members).await?;
        if let Some(p) = org.parent_id {
            adjust_children(&tx, p, -1).await?;
        }
        adjust_children(&tx, target.id, 1).await?;
        let q = Query::update()
            .table("org")
            .value("parent_id", target.id.0)
            .value("updated_at", crate::now())
            .and_where(Expr::col("id").eq(id.0))
            .take();
        tx.execute(&q).await?;
        let detail = serde_json::json!({
            "parent_id": { "from": org.parent_id, "to": target.id },
            "parent_name": { "to": target.name },
            "path": { "from": org.path, "to": new_path },
        });
        insert_event(&tx, scope, id, "moved", on, detail.clone()).await?;
        audit::append(
            &tx,
            scope,
            meta,
            Entry::new(Action::Move, "org", Some(id.to_string())).in_org(&new_path).changes(detail),
        )
        .await?;
        let after = load(&tx, scope, id).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(after)
    })
    .await
}

/// Dissolve (撤销) an organization that has no active organizations or members left below it.
pub async fn dissolve(db: &Db, scope: &Scope, meta: &Meta, id: OrgId, on: NaiveDate, reason: &str) -> StoreResult<Org> {
    recording_denial(db, scope, meta, Some(id), async {
        require_write(scope)?;
        let reason = jiceng_types::text::normalize(reason);
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "required", "请填写撤销原因"));
        }
        let tx = db.begin_write().await?;
        let org = load(&tx, scope, id).await?.ok_or(StoreError::NotFound)?;
        check_movable(scope, &org)?;
        let children = active_children(&tx, id).await?;
        if children > 0 {
            return Err(StoreError::conflict(
                "has_children",
                format!("该组织下还有{children}个党组织，请先撤销或调整"),
            ));
        }
        if org.member_count > 0 {
            return Err(StoreError::conflict(
                "has_members",
                format!("该组织还有{}名党员，请先转出党员，或将本组织合并到其他组织", org.member_count),
            ));
        }
        set_status(&tx, id, OrgStatus::Dissolved, on, None).await?;
        adjust_chain(&tx, &org.path, -1, 0).await?;
        if let Some(p) = org.parent_id {
            adjust_children(&tx, p, -1).await?;
        }
        let detail = serde_json::json!({ "status": { "from": "active", "to": "dissolved" }, "reason": reason });
        insert_event(&tx, scope, id, "dissolved", on, detail.clone()).await?;
        audit::append(
            &tx,
            scope,
            meta,
            Entry::new(Action::Dissolve, "org", Some(id.to_string())).in_org(&org.path).changes(detail),
        )
        .await?;
        let after = load(&tx, scope, id).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(after)
    })
    .await
}

async fn set_status(
    tx: &DatabaseTransaction,
    id: OrgId,
    status: OrgStatus,
    on: NaiveDate,
    merged_into: Option<OrgId>,
) -> StoreResult<()> {
    let q = Query::update()
        .table("org")
        .value("status", status.key())
        .value("status_on", on)
        .value("merged_into_id", merged_into.map(|m| m.0))
        .value("updated_at", crate::now())
        .and_where(Expr::col("id").eq(id.0))
        .take();
    tx.execute(&q).await?;
    Ok(())
}

/// Merge an organization into another: its active child organizations and its members move to the
/// target, and it is kept, marked as merged, with its history.
pub async fn merge_into(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    id: OrgId,
    target: OrgId,
    on: NaiveDate,
) -> StoreResult<Org> {
    recording_denial(db, scope, meta, Some(id), async {
        require_write(scope)?;
        let tx = db.begin_write().await?;
        let org = load(&tx, scope, id).await?.ok_or(StoreError::NotFound)?;
        check_movable(scope, &org)?;
        let target = load(&tx, scope, target).await?.ok_or_else(|| {
            StoreError::invalid("target_id", "target_not_found", "目标组织不存在或不在您的管辖范围内")
        })?;
        check_target(&org, &target, "target_id").map_err(|e| StoreError::Invalid(vec![e]))?;
        let children = super::fetch_all(
            &tx,
            &select_in_scope(scope)
                .and_where(Expr::col(("org", "parent_id")).eq(id.0))
                .and_where(Expr::col(("org", "status")).eq(OrgStatus::Active.key()))
                .take(),
            super::Sort::Code,
        )
        .await?;
        if !children.is_empty() && target.kind.is_branch() {
            return Err(StoreError::invalid("target_id", "parent_is_branch", "该组织下设有党组织，不能并入党支部"));
        }
        for child in &children {
            rewrite_subtree(&tx, &child.path, &target.path.child(child.id)).await?;
            let q = Query::update()
                .table("org")
                .value("parent_id", target.id.0)
                .and_where(Expr::col("id").eq(child.id.0))
                .take();
            tx.execute(&q).await?;
        }
        let moved_members = tx
            .execute(
                &Query::update()
                    .table("member")
                    .value("org_id", target.id.0)
                    .and_where(Expr::col("org_id").eq(id.0))
                    .take(),
            )
            .await?
            .rows_affected();
        let q = Query::update()
            .table("org")
            .value("member_count", Expr::col("member_count").add(org.member_count))
            .and_where(Expr::col("id").eq(target.id.0))
            .take();
        tx.execute(&q).await?;
        let q = Query::update()
            .table("org")
            .value("member_count", 0i64)
            .value("child_count", 0i64)
            .and_where(Expr::col("id").eq(id.0))
            .take();
        tx.execute(&q).await?;
        // X's subtree leaves X's chain; all of it but X itself joins the target's chain.
        adjust_chain(&tx, &org.path, -org.subtree_orgs, -org.subtree_members).await?;
        adjust_chain(&tx, &target.path, org.subtree_orgs - 1, org.subtree_members).await?;
        adjust_children(&tx, target.id, i64::try_from(children.len()).unwrap_or(0)).await?;
        if let Some(p) = org.parent_id {
            adjust_children(&tx, p, -1).await?;
        }
        set_status(&tx, id, OrgStatus::Merged, on, Some(target.id)).await?;
        let detail = serde_json::json!({
            "status": { "from": "active", "to": "merged" },
            "merged_into_id": { "to": target.id },
            "merged_into_name": target.name,
            "moved_children": children.iter().map(|c| c.id).collect::<Vec<_>>(),
            "moved_members": moved_members,
        });
        insert_event(&tx, scope, id, "merged", on, detail.clone()).await?;
        insert_event(
            &tx,
            scope,
            target.id,
            "absorbed",
            on,
            serde_json::json!({ "from_id": id, "from_name": org.name, "moved_members": moved_members }),
        )
        .await?;
        audit::append(
            &tx,
            scope,
            meta,
            Entry::new(Action::Merge, "org", Some(id.to_string())).in_org(&org.path).changes(detail),
        )
        .await?;
        let after = load(&tx, scope, id).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(after)
    })
    .await
}
