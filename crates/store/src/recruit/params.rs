//! The county's parameters of member development: the defaults of `jiceng_rules::recruit::PARAMS`
//! with the installation's overrides (setting `recruit_rules`), then the county's
//! (`recruit_rules:<county id>`, the county being the first id of the scope's root path), which
//! win — stored and changed by the same code as the parameters of organizational life
//! (`crate::rule_params`).

use std::collections::BTreeMap;

use jiceng_rules::recruit::Params;
use jiceng_types::Scope;

use crate::error::StoreResult;
use crate::{Db, Meta};

/// The setting that keeps the overrides: `recruit_rules` for the whole installation,
/// `recruit_rules:<id>` for one county (its top-level organization).
pub const RULES_KEY: &str = "recruit_rules";

/// The parameter that lets a county record a step that breaks a rule, with a reason (0 or 1).
pub const OVERRIDE_KEY: &str = "dev.override_allowed";

/// The parameters in force for a scope: the defaults, the installation's overrides, then its
/// county's.
pub async fn params(db: &Db, scope: &Scope) -> StoreResult<Params> {
    crate::rule_params::load(db, scope).await
}

/// Whether the parameters let a step that breaks a rule be recorded with a reason.
pub fn override_allowed(params: &Params) -> bool {
    params.get(OVERRIDE_KEY) == 1
}

/// Set the overrides of the caller's county (or, from the command line, of the installation);
/// audited with every value before and after. Needs the right to change county settings.
pub async fn set_params(db: &Db, scope: &Scope, meta: &Meta, overrides: &BTreeMap<String, i64>) -> StoreResult<Params> {
    crate::rule_params::save(db, scope, meta, overrides).await
}
