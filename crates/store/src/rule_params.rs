//! The county's rule parameters, for every table of them (organizational life, member
//! development): the defaults of the rules crate, the installation's overrides (setting `<key>`),
//! then the county's (`<key>:<county id>`, the county being the first id of the scope's root
//! path), which win. Changing them needs the county-settings right and is audited with every value
//! before and after.

use std::collections::BTreeMap;

use jiceng_rules::meeting::ParamDef;
use jiceng_types::{Right, Scope};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::{Db, Meta};

/// A table of parameters of the rules crate, kept under one setting key.
pub(crate) trait RuleParams: Sized {
    /// The setting key of the installation's overrides (the county's is `<KEY>:<id>`).
    const KEY: &'static str;
    /// Every parameter of the table.
    fn defs() -> &'static [ParamDef];
    /// The defaults with these overrides, or every problem as (key, Chinese message).
    fn with_overrides(overrides: &BTreeMap<String, i64>) -> Result<Self, Vec<(String, String)>>;
    /// The values that differ from the defaults.
    fn overrides(&self) -> BTreeMap<String, i64>;
    /// One value.
    fn get(&self, key: &str) -> i64;
}

impl RuleParams for jiceng_rules::meeting::Params {
    const KEY: &'static str = crate::meeting::compliance::RULES_KEY;
    fn defs() -> &'static [ParamDef] {
        jiceng_rules::meeting::PARAMS
    }
    fn with_overrides(overrides: &BTreeMap<String, i64>) -> Result<Self, Vec<(String, String)>> {
        Self::with_overrides(overrides)
    }
    fn overrides(&self) -> BTreeMap<String, i64> {
        self.overrides()
    }
    fn get(&self, key: &str) -> i64 {
        self.get(key)
    }
}

impl RuleParams for jiceng_rules::recruit::Params {
    const KEY: &'static str = crate::recruit::params::RULES_KEY;
    fn defs() -> &'static [ParamDef] {
        jiceng_rules::recruit::PARAMS
    }
    fn with_overrides(overrides: &BTreeMap<String, i64>) -> Result<Self, Vec<(String, String)>> {
        Self::with_overrides(overrides)
    }
    fn overrides(&self) -> BTreeMap<String, i64> {
        self.overrides()
    }
    fn get(&self, key: &str) -> i64 {
        self.get(key)
    }
}

/// The top-level organization (county) of a scope: the first id of its first root's path.
/// `None` for the whole installation (the command line without `--org`).
pub(crate) fn county_of(scope: &Scope) -> Option<i64> {
    scope.roots()?.first()?.ids().first().map(|id| id.0)
}

fn key_of<P: RuleParams>(county: Option<i64>) -> String {
    match county {
        Some(id) => format!("{}:{id}", P::KEY),
        None => P::KEY.to_string(),
    }
}

async fn overrides_of<P: RuleParams>(db: &Db, key: &str) -> StoreResult<BTreeMap<String, i64>> {
    let q = Query::select().column("value").from("setting").and_where(Expr::col("key").eq(key)).take();
    let Some(row) = db.conn().query_one(&q).await? else { return Ok(BTreeMap::new()) };
    let text: String = row.try_get("", "value")?;
    let overrides: BTreeMap<String, i64> =
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("setting {key}: {e}")))?;
    // A key dropped from a later version is ignored rather than failing every page.
    Ok(overrides.into_iter().filter(|(k, _)| P::defs().iter().any(|p| p.key == k)).collect())
}

/// The parameters in force for a scope: the defaults, the installation's overrides, then its
/// county's.
pub(crate) async fn load<P: RuleParams>(db: &Db, scope: &Scope) -> StoreResult<P> {
    let mut all = overrides_of::<P>(db, P::KEY).await?;
    if let Some(county) = county_of(scope) {
        all.extend(overrides_of::<P>(db, &key_of::<P>(Some(county))).await?);
    }
    P::with_overrides(&all).map_err(|e| StoreError::Corrupt(format!("setting {}: {e:?}", P::KEY)))
}

/// Set the overrides of the caller's county (or, from the command line, of the installation);
/// audited with every value before and after. Needs the right to change county settings.
pub(crate) async fn save<P: RuleParams>(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    overrides: &BTreeMap<String, i64>,
) -> StoreResult<P> {
    let key = key_of::<P>(county_of(scope));
    if !scope.can(Right::CountySettings) {
        audit::record_denied(db, scope, meta, "setting", Some(key), "no_settings_right").await?;
        return Err(StoreError::forbidden("no_settings_right", "只有县级管理员可以修改规则参数"));
    }
    let new = P::with_overrides(overrides).map_err(|errs| {
        StoreError::Invalid(
            errs.into_iter().map(|(k, m)| jiceng_types::FieldError::new(k, "out_of_range", m)).collect(),
        )
    })?;
    let before: P = load(db, scope).await?;
    let value = serde_json::to_string(&new.overrides()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let tx = db.begin_write().await?;
    let q = Query::insert()
        .into_table("setting")
        .columns(["key", "value", "updated_at", "updated_by"])
        .values_panic([key.clone().into(), value.into(), crate::now().into(), scope.actor().username.clone().into()])
        .on_conflict(OnConflict::column("key").update_columns(["value", "updated_at", "updated_by"]).to_owned())
        .take();
    tx.execute(&q).await?;
    let all = |p: &P| -> serde_json::Value {
        P::defs().iter().map(|d| (d.key.to_string(), serde_json::json!(p.get(d.key)))).collect()
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
