//! The county's parameters of member development: the defaults of `jiceng_rules::recruit::PARAMS`
//! with the installation's overrides (setting `recruit_rules`), then the county's
//! (`recruit_rules:<county id>`, the county being the first id of the scope's root path), which
//! win — stored and changed exactly like the parameters of organizational life.

use std::collections::BTreeMap;

use jiceng_rules::recruit::{PARAMS, Params};
use jiceng_types::{Right, Scope};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::{Db, Meta};

/// The setting that keeps the overrides: `recruit_rules` for the whole installation,
/// `recruit_rules:<id>` for one county (its top-level organization).
pub const RULES_KEY: &str = "recruit_rules";

/// The parameter that lets a county record a step that breaks a rule, with a reason (0 or 1).
pub const OVERRIDE_KEY: &str = "dev.override_allowed";

/// The top-level organization (county) of a scope: the first id of its first root's path.
/// `None` for the whole installation (the command line without `--org`).
fn county_of(scope: &Scope) -> Option<i64> {
    scope.roots()?.first()?.ids().first().map(|id| id.0)
}

fn key_of(county: Option<i64>) -> String {
    match county {
        Some(id) => format!("{RULES_KEY}:{id}"),
        None => RULES_KEY.to_string(),
    }
}

async fn overrides_of(db: &Db, key: &str) -> StoreResult<BTreeMap<String, i64>> {
    let q = Query::select().column("value").from("setting").and_where(Expr::col("key").eq(key)).take();
    let Some(row) = db.conn().query_one(&q).await? else { return Ok(BTreeMap::new()) };
    let text: String = row.try_get("", "value")?;
    let overrides: BTreeMap<String, i64> =
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("setting {key}: {e}")))?;
    // A key dropped from a later version is ignored rather than failing every page.
    Ok(overrides.into_iter().filter(|(k, _)| PARAMS.iter().any(|p| p.key == k)).collect())
}

/// The parameters in force for a scope: the defaults, the installation's overrides, then its
/// county's.
pub async fn params(db: &Db, scope: &Scope) -> StoreResult<Params> {
    let mut all = overrides_of(db, RULES_KEY).await?;
    if let Some(county) = county_of(scope) {
        all.extend(overrides_of(db, &key_of(Some(county))).await?);
    }
    Params::with_overrides(&all).map_err(|e| StoreError::Corrupt(format!("setting {RULES_KEY}: {e:?}")))
}

/// Whether the parameters let a step that breaks a rule be recorded with a reason.
pub fn override_allowed(params: &Params) -> bool {
    params.get(OVERRIDE_KEY) == 1
}

/// Set the overrides of the caller's county (or, from the command line, of the installation);
/// audited with every value before and after. Needs the right to change county settings.
pub async fn set_params(db: &Db, scope: &Scope, meta: &Meta, overrides: &BTreeMap<String, i64>) -> StoreResult<Params> {
    let key = key_of(county_of(scope));
    if !scope.can(Right::CountySettings) {
        audit::record_denied(db, scope, meta, "setting", Some(key), "no_settings_right").await?;
        return Err(StoreError::forbidden("no_settings_right", "只有县级管理员可以修改规则参数"));
    }
    let new = Params::with_overrides(overrides).map_err(|errs| {
        StoreError::Invalid(
            errs.into_iter().map(|(k, m)| jiceng_types::FieldError::new(k, "out_of_range", m)).collect(),
        )
    })?;
    let before = params(db, scope).await?;
    let value = serde_json::to_string(&new.overrides()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let tx = db.begin_write().await?;
    let q = Query::insert()
        .into_table("setting")
        .columns(["key", "value", "updated_at", "updated_by"])
        .values_panic([key.clone().into(), value.into(), crate::now().into(), scope.actor().username.clone().into()])
        .on_conflict(OnConflict::column("key").update_columns(["value", "updated_at", "updated_by"]).to_owned())
        .take();
    tx.execute(&q).await?;
    let all = |p: &Params| -> serde_json::Value {
        PARAMS.iter().map(|d| (d.key.to_string(), serde_json::json!(p.get(d.key)))).collect()
    };
    let changes = audit::diff(&all(&before), &all(&new));
    let mut entry = Entry::new(Action::SettingChange, "setting", Some(key)).changes(changes);
    if let Some(root) = scope.roots().and_then(|r| r.first()) {
        entry = entry.in_org(root);
    }
    audit::append(&tx, scope, meta, entry).await?;
    tx.commit().await?;
    Ok(new)
}
