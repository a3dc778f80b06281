//! The county's parameters of member development (`jiceng_rules::recruit::PARAMS`): shown to
//! everyone who reads records, changed by the county administrator (audited by the store with
//! every value before and after). Linked from the rules of organizational life
//! (`/settings/rules`); a page of its own because those handlers read every posted key as a
//! parameter of organizational life.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_rules::recruit::PARAMS;
use jiceng_store::StoreError;
use jiceng_store::recruit::{self, params::OVERRIDE_KEY};
use jiceng_types::{FieldError, Right};

use super::FormErrors;
use super::compliance::ParamRow;
use super::home::DoneQuery;
use super::recruit_person::{NAV, require_read};
use crate::AppState;
use crate::error::PageError;
use crate::extract::Me;
use crate::view::Ctx;

/// The parameters page.
#[derive(Template, WebTemplate)]
#[template(path = "recruits/rules.html")]
pub struct RulesPage {
    ctx: Ctx,
    rows: Vec<ParamRow>,
    override_key: &'static str,
    errors: FormErrors,
    can_edit: bool,
}

fn page(me: &Me, rows: Vec<ParamRow>, errors: Vec<FieldError>) -> RulesPage {
    RulesPage {
        ctx: Ctx::new(me, "发展党员规则参数", NAV),
        rows,
        override_key: OVERRIDE_KEY,
        errors: FormErrors(errors),
        can_edit: me.scope().can(Right::CountySettings),
    }
}

/// `GET /settings/recruit-rules`: the parameters in force for the user's county.
pub async fn form(State(state): State<AppState>, me: Me, Query(q): Query<DoneQuery>) -> Result<RulesPage, PageError> {
    require_read(&state, &me).await?;
    let params = recruit::params(&state.db, me.scope()).await?;
    let rows = PARAMS
        .iter()
        .map(|d| {
            let v = params.get(d.key);
            ParamRow { def: d, value: v.to_string(), changed: v != d.default }
        })
        .collect();
    let mut page = page(&me, rows, Vec::new());
    if q.done.as_deref() == Some("saved") {
        page.ctx.flash = Some("发展党员规则参数已保存，所有检查立即按新参数计算。");
    }
    Ok(page)
}

/// `POST /settings/recruit-rules`: one field per parameter key; the override switch is a
/// checkbox (unticked = 0).
pub async fn save(
    State(state): State<AppState>,
    me: Me,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !me.scope().can(Right::CountySettings) {
        return Err(super::deny(&state, &me, "setting", "no_settings_right", "只有县级管理员可以修改规则参数").await);
    }
    let mut values: HashMap<String, String> = form.into_iter().collect();
    let ticked = values.get(OVERRIDE_KEY).is_some_and(|v| !v.trim().is_empty());
    values.insert(OVERRIDE_KEY.to_string(), if ticked { "1" } else { "0" }.to_string());
    let mut errs = Vec::new();
    let mut overrides = BTreeMap::new();
    for d in PARAMS {
        let typed = values.get(d.key).map(|s| s.trim()).unwrap_or("");
        match typed.parse::<i64>() {
            Ok(v) if v != d.default => {
                overrides.insert(d.key.to_string(), v);
            }
            Ok(_) => {}
            Err(_) => errs.push(FieldError::new(d.key, "not_a_number", "请填写整数")),
        }
    }
    let result = if errs.is_empty() {
        recruit::set_params(&state.db, me.scope(), &me.meta, &overrides).await.map(|_| ())
    } else {
        Err(StoreError::Invalid(errs))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/settings/recruit-rules?done=saved").into_response()),
        Err(StoreError::Invalid(errs)) => {
            let rows = PARAMS
                .iter()
                .map(|d| {
                    let value = values.get(d.key).cloned().unwrap_or_default();
                    let changed = value.trim().parse::<i64>().ok() != Some(d.default);
                    ParamRow { def: d, value, changed }
                })
                .collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&me, rows, errs)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
