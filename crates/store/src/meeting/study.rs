//! The 第一议题 register (第一议题学习内容登记册): what the county asks every level to study as the
//! first agenda item of its committee meetings — title, source, publication date, the levels that
//! must study it and within how many days.
//!
//! An item is kept by one organization (the county that published it) and is seen by everyone
//! below it: a township user sees the items of its county although the county lies outside the
//! township's scope. Only holders of the county-settings right keep the register; an item is
//! withdrawn rather than deleted, because meetings may already cite it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use jiceng_types::{FieldError, OrgId, Right, Scope, StudyLevel};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde::{Deserialize, Serialize};

use super::require_read;
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::org::Org;
use crate::scope_sql::path_in_scope;
use crate::{Db, Meta};

/// How far back [`list_for_org`] offers items (days).
pub const RECENT_DAYS: i64 = 90;

/// A study item as entered (form or import).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyItemInput {
    /// 标题 (e.g. 学习贯彻习近平总书记在……重要讲话精神).
    pub title: String,
    /// 来源 (e.g. 《人民日报》, 县委办文件).
    pub source: Option<String>,
    /// 发布日期.
    pub published_on: NaiveDate,
    /// The levels that must study it (at least one).
    pub levels: Vec<StudyLevel>,
    /// Within how many days of publication it must be studied (1–365); `None`: the rules' default.
    pub within_days: Option<u32>,
    /// 备注.
    pub note: Option<String>,
}

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

impl StudyItemInput {
    /// Check what can be checked without the database; errors name the form field.
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut errs = Vec::new();
        let title = self.title.trim();
        if title.is_empty() {
            errs.push(FieldError::new("title", "required", "请填写标题"));
        } else if title.chars().count() > 200 {
            errs.push(FieldError::new("title", "too_long", "标题不能超过200个字"));
        }
        if clean(&self.source).is_some_and(|s| s.chars().count() > 100) {
            errs.push(FieldError::new("source", "too_long", "来源不能超过100个字"));
        }
        if clean(&self.note).is_some_and(|s| s.chars().count() > 1000) {
            errs.push(FieldError::new("note", "too_long", "备注不能超过1000个字"));
        }
        if self.published_on > today {
            errs.push(FieldError::new("published_on", "future", "发布日期不能晚于今天"));
        } else if self.published_on < NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN) {
            errs.push(FieldError::new("published_on", "too_early", "发布日期不能早于2000年"));
        }
        if self.within_days.is_some_and(|d| !(1..=365).contains(&d)) {
            errs.push(FieldError::new("within_days", "out_of_range", "学习时限应为1至365天"));
        }
        if self.levels.is_empty() {
            errs.push(FieldError::new("levels", "required", "请选择适用层级"));
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }

    fn values(&self) -> Vec<(&'static str, sea_orm::sea_query::SimpleExpr)> {
        vec![
            ("title", self.title.trim().into()),
            ("source", clean(&self.source).into()),
            ("published_on", self.published_on.into()),
            ("levels", i32::from(StudyLevel::mask(&self.levels)).into()),
            ("within_days", self.within_days.map(i64::from).into()),
            ("note", clean(&self.note).into()),
        ]
    }
}

/// An item of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudyItem {
    /// Id.
    pub id: i64,
    /// 标题.
    pub title: String,
    /// 来源.
    pub source: Option<String>,
    /// 发布日期.
    pub published_on: NaiveDate,
    /// 适用层级.
    pub levels: Vec<StudyLevel>,
    /// 学习时限 (days).
    pub within_days: Option<u32>,
    /// 备注.
    pub note: Option<String>,
    /// The organization that keeps it (the county).
    pub org_id: OrgId,
    /// Who entered it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// How many organizations in the caller's scope have studied it (in a recorded meeting).
    pub studied_by: i64,
}

impl StudyItem {
    /// The levels as shown: `党(工)委、党支部`.
    pub fn levels_label(&self) -> String {
        self.levels.iter().map(|l| l.label()).collect::<Vec<_>>().join("、")
    }

    /// Whether the item applies to organizations at `level`.
    pub fn applies_to(&self, level: StudyLevel) -> bool {
        self.levels.contains(&level)
    }

    fn audit_fields(&self) -> serde_json::Value {
        serde_json::json!({
            "title": self.title,
            "source": self.source,
            "published_on": self.published_on,
            "levels": self.levels_label(),
            "within_days": self.within_days,
            "note": self.note,
        })
    }
}

/// The levels stored in a mask.
fn levels_of(mask: i64) -> Vec<StudyLevel> {
    StudyLevel::ALL.iter().copied().filter(|l| mask & i64::from(l.bit()) != 0).collect()
}

#[derive(Deserialize)]
struct Raw {
    id: i64,
    title: String,
    source: Option<String>,
    published_on: NaiveDate,
    levels: i64,
    within_days: Option<i64>,
    note: Option<String>,
    org_id: i64,
    created_by: String,
    created_at: DateTime<Utc>,
    withdrawn_at: Option<DateTime<Utc>>,
}

const COLUMNS: [&str; 11] = [
    "id",
    "title",
    "source",
    "published_on",
    "levels",
    "within_days",
    "note",
    "org_id",
    "created_by",
    "created_at",
    "withdrawn_at",
];

/// `SELECT <item columns> FROM study_item s JOIN org o WHERE <cond>`.
fn select(cond: Condition) -> SelectStatement {
    Query::select()
        .columns(COLUMNS.map(|c| ("s", c)))
        .from_as("study_item", "s")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("s", "org_id")))
        .cond_where(cond)
        .take()
}

/// The items a scope sees: kept by an organization in the scope, or by an ancestor of one of the
/// scope's roots (whose ids are on the root's path).
fn visible(scope: &Scope) -> Condition {
    match scope.roots() {
        None => Condition::all(),
        Some(roots) => {
            let ancestors: Vec<i64> = roots.iter().flat_map(|r| r.ids()).map(|i| i.0).collect();
            let mut any = Condition::any().add(path_in_scope(scope, ("o", "path")));
            if !ancestors.is_empty() {
                any = any.add(Expr::col(("s", "org_id")).is_in(ancestors));
            }
            any
        }
    }
}

/// The items a scope may change: kept by an organization in the scope.
fn writable(scope: &Scope) -> Condition {
    Condition::all().add(path_in_scope(scope, ("o", "path")))
}

async fn fetch<C: ConnectionTrait>(conn: &C, scope: &Scope, q: &SelectStatement) -> StoreResult<Vec<StudyItem>> {
    let raw: Vec<Raw> = crate::sql::fetch_json(conn, q, &COLUMNS).await?;
    let ids: Vec<i64> = raw.iter().map(|r| r.id).collect();
    let studied = studied_counts(conn, scope, &ids).await?;
    let mut items: Vec<StudyItem> = raw
        .into_iter()
        .map(|r| StudyItem {
            studied_by: studied.get(&r.id).copied().unwrap_or(0),
            id: r.id,
            title: r.title,
            source: r.source,
            published_on: r.published_on,
            levels: levels_of(r.levels),
            within_days: r.within_days.and_then(|d| u32::try_from(d).ok()),
            note: r.note,
            org_id: OrgId(r.org_id),
            created_by: r.created_by,
            created_at: r.created_at,
            withdrawn_at: r.withdrawn_at,
        })
        .collect();
    items.sort_by(|a, b| b.published_on.cmp(&a.published_on).then(b.id.cmp(&a.id)));
    Ok(items)
}

/// How many organizations in scope have studied each item (a meeting of theirs cites it).
async fn studied_counts<C: ConnectionTrait>(conn: &C, scope: &Scope, ids: &[i64]) -> StoreResult<HashMap<i64, i64>> {
    #[derive(Deserialize)]
    struct N {
        id: i64,
        n: i64,
    }
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .expr_as(Expr::col(("ms", "study_item_id")), "id")
            .expr_as(Expr::col(("m", "org_id")).count_distinct(), "n")
            .from_as("meeting_study", "ms")
            .join_as(JoinType::InnerJoin, "meeting", "m", Expr::col(("m", "id")).equals(("ms", "meeting_id")))
            .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
            .cond_where(path_in_scope(scope, ("o", "path")))
            .and_where(Expr::col(("ms", "study_item_id")).is_in(chunk.iter().copied()))
            .group_by_col(("ms", "study_item_id"))
            .take();
        let rows: Vec<N> = crate::sql::fetch_json(conn, &q, &["id", "n"]).await?;
        out.extend(rows.into_iter().map(|r| (r.id, r.n)));
    }
    Ok(out)
}

fn require_keep(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::CountySettings) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_register_right", "只有县级管理员可以维护“第一议题”学习内容"))
    }
}

/// The organization that keeps new items: the actor's own; for the command line, the root of its
/// subtree, or the only top-level organization.
async fn keeper(tx: &DatabaseTransaction, scope: &Scope) -> StoreResult<Org> {
    let id = match (scope.actor().org_id, scope.roots()) {
        (Some(id), _) => Some(id),
        (None, Some([root])) => root.leaf(),
        (None, Some(_)) => None,
        (None, None) => {
            let q = Query::select()
                .column("id")
                .from("org")
                .and_where(Expr::col("parent_id").is_null())
                .and_where(Expr::col("status").eq("active"))
                .limit(2)
                .take();
            let rows = tx.query_all(&q).await?;
            match rows.as_slice() {
                [one] => Some(OrgId(one.try_get("", "id")?)),
                _ => None,
            }
        }
    };
    let org = match id {
        Some(id) => crate::org::fetch_one(tx, &crate::org::select_for_write(scope, id)).await?,
        None => None,
    };
    org.ok_or_else(|| StoreError::invalid("org_id", "no_keeper", "无法确定登记册所属的县委，请指定组织"))
}

/// Another item visible to the scope with the same title and publication date.
async fn duplicate(
    tx: &DatabaseTransaction,
    scope: &Scope,
    title: &str,
    on: NaiveDate,
    except: Option<i64>,
) -> StoreResult<Option<bool>> {
    let mut q = Query::select()
        .column(("s", "withdrawn_at"))
        .from_as("study_item", "s")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("s", "org_id")))
        .cond_where(visible(scope))
        .and_where(Expr::col(("s", "title")).eq(title.trim()))
        .and_where(Expr::col(("s", "published_on")).eq(on))
        .limit(1)
        .take();
    if let Some(e) = except {
        q.and_where(Expr::col(("s", "id")).ne(e));
    }
    Ok(match tx.query_one(&q).await? {
        Some(r) => Some(r.try_get::<Option<DateTime<Utc>>>("", "withdrawn_at")?.is_some()),
        None => None,
    })
}

fn duplicate_error(withdrawn: bool) -> StoreError {
    let message = if withdrawn {
        "已登记过同一标题、同一发布日期的学习内容（已撤回）"
    } else {
        "已登记过同一标题、同一发布日期的学习内容"
    };
    StoreError::invalid("title", "duplicate", message)
}

async fn load_writable(tx: &DatabaseTransaction, scope: &Scope, id: i64) -> StoreResult<(StudyItem, String)> {
    let q = Query::select()
        .expr_as(Expr::col(("o", "path")), "org_path")
        .from_as("study_item", "s")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("s", "org_id")))
        .cond_where(writable(scope))
        .and_where(Expr::col(("s", "id")).eq(id))
        .take();
    let path: String = match tx.query_one(&q).await? {
        Some(r) => r.try_get("", "org_path")?,
        None => return Err(StoreError::NotFound),
    };
    let item = fetch(tx, scope, &select(writable(scope)).and_where(Expr::col(("s", "id")).eq(id)).take())
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)?;
    Ok((item, path))
}

fn org_path(path: &str) -> StoreResult<jiceng_types::OrgPath> {
    jiceng_types::OrgPath::parse(path).ok_or_else(|| StoreError::Corrupt(format!("org path {path}")))
}

async fn insert(tx: &DatabaseTransaction, scope: &Scope, keeper: &Org, input: &StudyItemInput) -> StoreResult<i64> {
    let mut row = input.values();
    row.push(("org_id", keeper.id.0.into()));
    row.push(("created_by", scope.actor().username.clone().into()));
    row.push(("created_at", crate::now().into()));
    let q = crate::sql::insert_row("study_item", row).returning_col("id").take();
    let r = tx.query_one(&q).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
    Ok(r.try_get("", "id")?)
}

/// Add an item to the register, kept by the actor's organization (the county).
pub async fn create(db: &Db, scope: &Scope, meta: &Meta, input: StudyItemInput) -> StoreResult<StudyItem> {
    audit::recording_denial(db, scope, meta, "study_item", None, async {
        require_keep(scope)?;
        input.validate(jiceng_types::date::today_china()).map_err(StoreError::Invalid)?;
        let tx = db.begin_write().await?;
        let keeper = keeper(&tx, scope).await?;
        if let Some(withdrawn) = duplicate(&tx, scope, &input.title, input.published_on, None).await? {
            return Err(duplicate_error(withdrawn));
        }
        let id = insert(&tx, scope, &keeper, &input).await?;
        let (item, _) = load_writable(&tx, scope, id).await?;
        let entry = Entry::new(Action::Create, "study_item", Some(id.to_string()))
            .in_org(&keeper.path)
            .changes(audit::diff(&serde_json::json!({}), &item.audit_fields()));
        audit::append(&tx, scope, meta, entry).await?;
        tx.commit().await?;
        Ok(item)
    })
    .await
}

/// Correct an item (not a withdrawn one).
pub async fn update(db: &Db, scope: &Scope, meta: &Meta, id: i64, input: StudyItemInput) -> StoreResult<StudyItem> {
    audit::recording_denial(db, scope, meta, "study_item", Some(id.to_string()), async {
        require_keep(scope)?;
        input.validate(jiceng_types::date::today_china()).map_err(StoreError::Invalid)?;
        let tx = db.begin_write().await?;
        let (before, path) = load_writable(&tx, scope, id).await?;
        if before.withdrawn_at.is_some() {
            return Err(StoreError::conflict("study_item_withdrawn", "该学习内容已撤回，不能修改"));
        }
        if let Some(withdrawn) = duplicate(&tx, scope, &input.title, input.published_on, Some(id)).await? {
            return Err(duplicate_error(withdrawn));
        }
        let mut q = Query::update();
        q.table("study_item").and_where(Expr::col("id").eq(id));
        for (col, v) in input.values() {
            q.value(col, v);
        }
        tx.execute(&q).await?;
        let (after, _) = load_writable(&tx, scope, id).await?;
        let changes = audit::diff(&before.audit_fields(), &after.audit_fields());
        if changes.as_object().is_some_and(|m| !m.is_empty()) {
            let entry = Entry::new(Action::Update, "study_item", Some(id.to_string()))
                .in_org(&org_path(&path)?)
                .changes(changes);
            audit::append(&tx, scope, meta, entry).await?;
            tx.commit().await?;
        }
        Ok(after)
    })
    .await
}

/// Withdraw an item (撤回): it stays in the register, marked, and can no longer be cited.
pub async fn withdraw(db: &Db, scope: &Scope, meta: &Meta, id: i64, reason: &str) -> StoreResult<()> {
    audit::recording_denial(db, scope, meta, "study_item", Some(id.to_string()), async {
        require_keep(scope)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "required", "请填写撤回原因"));
        }
        if reason.chars().count() > 200 {
            return Err(StoreError::invalid("reason", "too_long", "撤回原因不能超过200个字"));
        }
        let tx = db.begin_write().await?;
        let (before, path) = load_writable(&tx, scope, id).await?;
        if before.withdrawn_at.is_some() {
            return Err(StoreError::conflict("study_item_withdrawn", "该学习内容已撤回"));
        }
        let now = crate::now();
        tx.execute(
            &Query::update().table("study_item").value("withdrawn_at", now).and_where(Expr::col("id").eq(id)).take(),
        )
        .await?;
        let entry = Entry::new(Action::Update, "study_item", Some(id.to_string()))
            .in_org(&org_path(&path)?)
            .changes(serde_json::json!({ "title": before.title, "withdrawn_at": { "to": now }, "reason": reason }));
        audit::append(&tx, scope, meta, entry).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// The register as the scope sees it (withdrawn items included, marked), newest first; only the
/// items published in `year` when given.
pub async fn list(db: &Db, scope: &Scope, year: Option<i32>) -> StoreResult<Vec<StudyItem>> {
    require_read(scope)?;
    let mut q = select(visible(scope));
    if let Some(y) = year {
        let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(y, 1, 1), NaiveDate::from_ymd_opt(y, 12, 31)) else {
            return Ok(Vec::new());
        };
        q.and_where(Expr::col(("s", "published_on")).between(from, to));
    }
    fetch(db.conn(), scope, &q).await
}

/// The items an organization should study now: not withdrawn, kept by it or an organization above
/// it, applicable to its level, published within the last [`RECENT_DAYS`] days; newest first.
pub async fn list_for_org(db: &Db, scope: &Scope, org_id: OrgId, today: NaiveDate) -> StoreResult<Vec<StudyItem>> {
    require_read(scope)?;
    let org = crate::org::fetch_one(db.conn(), &crate::org::select_for_write(scope, org_id))
        .await?
        .ok_or(StoreError::NotFound)?;
    let bit = StudyLevel::of(org.kind).bit();
    let keepers: Vec<i64> = org.path.ids().into_iter().map(|i| i.0).collect();
    let q = select(Condition::all())
        .and_where(Expr::col(("s", "org_id")).is_in(keepers))
        .and_where(Expr::col(("s", "withdrawn_at")).is_null())
        .and_where(Expr::col(("s", "published_on")).between(today - chrono::Duration::days(RECENT_DAYS), today))
        // An integer computed here, never user text.
        .and_where(Expr::cust(format!("(s.levels & {bit}) <> 0")))
        .take();
    fetch(db.conn(), scope, &q).await
}

/// One item the scope sees. Otherwise `NotFound`.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> StoreResult<StudyItem> {
    require_read(scope)?;
    let q = select(visible(scope)).and_where(Expr::col(("s", "id")).eq(id)).take();
    fetch(db.conn(), scope, &q).await?.into_iter().next().ok_or(StoreError::NotFound)
}

/// Add many items in one transaction (an import), each audited. Items with the same title and
/// publication date as one already registered (or earlier in the batch) are skipped; returns how
/// many were created. One invalid item refuses the whole batch (field `items.N.field`).
pub async fn import_items(db: &Db, scope: &Scope, meta: &Meta, items: Vec<StudyItemInput>) -> StoreResult<usize> {
    audit::recording_denial(db, scope, meta, "study_item", None, async {
        require_keep(scope)?;
        let today = jiceng_types::date::today_china();
        let mut errs = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Err(e) = item.validate(today) {
                errs.extend(e.into_iter().map(|e| {
                    FieldError::new(format!("items.{i}.{}", e.field), e.code, format!("第{}条：{}", i + 1, e.message))
                }));
            }
        }
        if !errs.is_empty() {
            return Err(StoreError::Invalid(errs));
        }
        let tx = db.begin_write().await?;
        let keeper = keeper(&tx, scope).await?;
        let mut seen: HashSet<(String, NaiveDate)> = HashSet::new();
        let mut entries = Vec::new();
        for item in &items {
            let key = (item.title.trim().to_string(), item.published_on);
            if !seen.insert(key) || duplicate(&tx, scope, &item.title, item.published_on, None).await?.is_some() {
                continue;
            }
            let id = insert(&tx, scope, &keeper, item).await?;
            let fields = serde_json::json!({
                "title": item.title.trim(),
                "source": clean(&item.source),
                "published_on": item.published_on,
                "levels": item.levels.iter().map(|l| l.label()).collect::<Vec<_>>().join("、"),
                "within_days": item.within_days,
                "note": clean(&item.note),
            });
            entries.push(
                Entry::new(Action::Create, "study_item", Some(id.to_string()))
                    .in_org(&keeper.path)
                    .changes(audit::diff(&serde_json::json!({}), &fields)),
            );
        }
        let created = entries.len();
        audit::append_many(&tx, scope, meta, entries).await?;
        tx.commit().await?;
        Ok(created)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    fn sample() -> StudyItemInput {
        StudyItemInput {
            title: "学习贯彻习近平总书记重要讲话精神".into(),
            source: Some("县委办".into()),
            published_on: d(2025, 3, 1),
            levels: vec![StudyLevel::Committee, StudyLevel::Branch],
            within_days: Some(30),
            note: None,
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert!(sample().validate(d(2025, 3, 1)).is_ok());
        let bad = StudyItemInput {
            title: " ".into(),
            published_on: d(2025, 3, 2),
            levels: vec![],
            within_days: Some(0),
            ..sample()
        };
        let errs = bad.validate(d(2025, 3, 1)).err().unwrap_or_default();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "published_on", "within_days", "levels"]);
        let long = StudyItemInput { title: "学".repeat(201), within_days: Some(366), ..sample() };
        assert_eq!(long.validate(d(2025, 3, 1)).err().map(|e| e.len()), Some(2));
    }

    #[test]
    fn levels_round_trip_through_the_mask() {
        let levels = vec![StudyLevel::County, StudyLevel::Branch];
        assert_eq!(levels_of(i64::from(StudyLevel::mask(&levels))), levels);
        assert_eq!(levels_of(0), Vec::<StudyLevel>::new());
    }
}
