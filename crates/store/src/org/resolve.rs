//! Finding an organization by what a user typed: its code, or a name unique in the scope.

use std::collections::{HashMap, HashSet};

use jiceng_types::{OrgCode, OrgStatus, Scope};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};

use super::{Org, Sort, fetch_all, fetch_one, require_read, select_in_scope};
use crate::Db;
use crate::error::StoreResult;

/// Not found, without repeating what was typed (it holds a control character, which no name or
/// code holds).
const NOT_FOUND: &str = "未找到该组织，或不在您的管辖范围内";

fn not_found(text: &str) -> String {
    format!("未找到“{text}”，或不在您的管辖范围内")
}

fn ambiguous(text: &str) -> String {
    format!("有多个名为“{text}”的组织，请填写组织代码")
}

/// The organizations an import's rows name, each distinct text resolved once as [`resolve`]
/// would (an active organization in scope by code, else by a name unique in the scope), in a few
/// queries however many texts there are. A row without an organization goes to `within` (the
/// organization chosen for the import) or gets `missing`; an organization outside `within` is
/// refused. The errors are the Chinese reasons.
pub(crate) async fn resolve_for_import(
    db: &Db,
    scope: &Scope,
    texts: impl IntoIterator<Item = String>,
    within: Option<&Org>,
    missing: &str,
) -> StoreResult<HashMap<String, Result<Org, String>>> {
    require_read(scope)?;
    let mut wanted: HashMap<String, String> = HashMap::new();
    for text in texts {
        if let std::collections::hash_map::Entry::Vacant(e) = wanted.entry(text) {
            let normalized = jiceng_types::text::normalize(e.key());
            e.insert(normalized);
        }
    }
    let active = |mut q: SelectStatement| q.and_where(Expr::col(("org", "status")).eq(OrgStatus::Active.key())).take();
    let codes: Vec<String> = wanted
        .values()
        .filter(|t| !jiceng_types::text::has_control(t))
        .filter_map(|t| OrgCode::parse(t).ok())
        .map(|c| c.as_str().to_string())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut by_code: HashMap<String, Org> = HashMap::new();
    for chunk in codes.chunks(500) {
        let q = active(select_in_scope(scope).and_where(Expr::col(("org", "code")).is_in(chunk.to_vec())).take());
        for o in fetch_all(db.conn(), &q, Sort::Code).await? {
            by_code.insert(o.code.clone(), o);
        }
    }
    let code_of = |t: &str| OrgCode::parse(t).ok().and_then(|c| by_code.get(c.as_str()));
    let names: Vec<String> = wanted
        .values()
        .filter(|t| !t.is_empty() && !jiceng_types::text::has_control(t) && code_of(t).is_none())
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut by_name: HashMap<String, Vec<Org>> = HashMap::new();
    for chunk in names.chunks(500) {
        let q = active(select_in_scope(scope).and_where(Expr::col(("org", "name")).is_in(chunk.to_vec())).take());
        for o in fetch_all(db.conn(), &q, Sort::Code).await? {
            by_name.entry(o.name.clone()).or_default().push(o);
        }
    }
    let mut out = HashMap::with_capacity(wanted.len());
    for (text, normalized) in wanted {
        let found = if normalized.is_empty() {
            within.cloned().ok_or_else(|| missing.to_string())
        } else if jiceng_types::text::has_control(&normalized) {
            Err(NOT_FOUND.to_string())
        } else if let Some(o) = code_of(&normalized) {
            Ok(o.clone())
        } else {
            match by_name.get(&normalized).map(Vec::as_slice) {
                Some([o]) => Ok(o.clone()),
                Some([_, _, ..]) => Err(ambiguous(&normalized)),
                _ => Err(not_found(&normalized)),
            }
        };
        let found = match (found, within) {
            (Ok(o), Some(w)) if !normalized.is_empty() && !w.path.contains(&o.path) => {
                Err(format!("“{text}”不在所选组织“{}”之下", w.name))
            }
            (found, _) => found,
        };
        out.insert(text, found);
    }
    Ok(out)
}

/// Find one active organization in scope by its code, or by its name if that name is unique in
/// the scope. The error, tied to `field`, says what went wrong in Chinese.
pub async fn resolve(
    db: &Db,
    scope: &Scope,
    field: &str,
    text: &str,
) -> StoreResult<Result<Org, jiceng_types::FieldError>> {
    resolve_in(db.conn(), scope, field, text).await
}

/// [`resolve`] on any connection (inside a transaction).
pub(crate) async fn resolve_in<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    field: &str,
    text: &str,
) -> StoreResult<Result<Org, jiceng_types::FieldError>> {
    use jiceng_types::FieldError;
    require_read(scope)?;
    let text = jiceng_types::text::normalize(text);
    if text.is_empty() {
        return Ok(Err(FieldError::new(field, "required", "请填写组织代码或名称")));
    }
    if jiceng_types::text::has_control(&text) {
        // No name or code holds one (and PostgreSQL refuses NUL in a parameter).
        return Ok(Err(FieldError::new(field, "org_not_found", NOT_FOUND)));
    }
    if let Ok(code) = OrgCode::parse(&text) {
        let q = select_in_scope(scope)
            .and_where(Expr::col(("org", "code")).eq(code.as_str()))
            .and_where(Expr::col(("org", "status")).eq(OrgStatus::Active.key()))
            .take();
        if let Some(o) = fetch_one(conn, &q).await? {
            return Ok(Ok(o));
        }
    }
    let q = select_in_scope(scope)
        .and_where(Expr::col(("org", "name")).eq(text.as_str()))
        .and_where(Expr::col(("org", "status")).eq(OrgStatus::Active.key()))
        .limit(2)
        .take();
    let mut found = fetch_all(conn, &q, Sort::Code).await?;
    Ok(match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(FieldError::new(field, "org_not_found", not_found(&text))),
        _ => Err(FieldError::new(field, "ambiguous", ambiguous(&text))),
    })
}
