//! Importing organizations from Excel or CSV (组织名称, 组织代码, 上级组织, 组织类别, 所属领域,
//! 成立日期, 本届届满日期): rows are taken in file order, so a parent may be created by an earlier
//! row; each row is applied or rejected on its own, all good rows in one transaction.

use std::collections::HashMap;

use jiceng_exchange::{OrgRow, ParsedImport, RowError};
use jiceng_types::{OrgCode, OrgDomain, OrgStatus, Scope};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{DatabaseTransaction, TransactionTrait};

use super::{Org, OrgInput, Sort, fetch_all, fetch_one, select_in_scope};
use crate::error::{StoreError, StoreResult};
use crate::member::import::Summary;
use crate::{Db, Meta};

const COL_NAME: &str = "组织名称";
const COL_CODE: &str = "组织代码";
const COL_PARENT: &str = "上级组织";

/// Import the parsed rows; with `dry_run` nothing is kept but the answer is the same.
pub async fn import(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    parsed: ParsedImport<OrgRow>,
    within: Option<&Org>,
    dry_run: bool,
) -> StoreResult<Summary> {
    let ParsedImport { rows, mut rejected, warnings } = parsed;
    let (mut imported, mut updated, mut unchanged) = (0u64, 0u64, 0u64);
    let tx = db.begin_write().await?;
    // Organizations created by earlier rows, by code and by name.
    let mut created: HashMap<String, Org> = HashMap::new();
    for r in rows {
        let reject = |column: &str, reason: String| RowError { row: r.excel_row, column: column.into(), reason };
        // The existing organization this row describes, if any.
        let existing = match &r.code {
            Some(code) => match by_code(&tx, code).await? {
                Some(o) if scope.contains(&o.path) => Some(o),
                Some(_) => {
                    rejected.push(reject(COL_CODE, format!("组织代码“{code}”已被不在您管辖范围内的组织使用")));
                    continue;
                }
                None => None,
            },
            None => match by_name(&tx, scope, r.name.as_str()).await? {
                Names::One(o) => Some(o),
                Names::Many => {
                    rejected.push(reject(COL_NAME, format!("有多个名为“{}”的组织，请填写组织代码", r.name)));
                    continue;
                }
                Names::None => {
                    rejected.push(reject(COL_CODE, "新建组织须填写组织代码".into()));
                    continue;
                }
            },
        };
        // An existing organization's own parent, named as it is: no move, even when that parent
        // lies above the scope (the top of one's scope, as exported, goes back in unchanged).
        let mut own_parent = None;
        if let (Some(o), Some(p)) = (&existing, r.parent.as_deref())
            && let Some(pid) = o.parent_id
        {
            let current = fetch_one(&tx, &super::select_for_write(&Scope::cli(), pid)).await?;
            let p = jiceng_types::text::normalize(p);
            own_parent = current.filter(|c| c.code == p || c.name == p);
        }
        let keeps_parent = own_parent.is_some();
        // The parent: an existing organization in scope, or one created above.
        let parent = match r.parent.as_deref().filter(|p| !p.trim().is_empty()) {
            _ if own_parent.is_some() => own_parent,
            None => within.cloned(),
            Some(p) => match created.get(p) {
                Some(o) => Some(o.clone()),
                None => match super::resolve_in(&tx, scope, "parent", p).await? {
                    Ok(o) => Some(o),
                    Err(e) => {
                        rejected.push(reject(COL_PARENT, e.message));
                        continue;
                    }
                },
            },
        };
        if let (Some(w), Some(p), false) = (within, &parent, keeps_parent)
            && !w.path.contains(&p.path)
        {
            rejected.push(reject(COL_PARENT, format!("上级组织不在所选组织“{}”之下", w.name)));
            continue;
        }
        let sp = tx.begin().await?;
        let outcome = match existing {
            Some(o) => {
                if parent.as_ref().map(|p| p.id) != o.parent_id && parent.is_some() {
                    sp.rollback().await?;
                    rejected.push(reject(COL_PARENT, "上级组织变更请在组织页面“调整隶属关系”中办理".into()));
                    continue;
                }
                let code = OrgCode::parse(&o.code).map_err(|e| StoreError::Corrupt(format!("org {}: {e}", o.id)))?;
                let input = OrgInput {
                    parent_id: o.parent_id,
                    code,
                    name: r.name.clone(),
                    kind: r.kind,
                    domain: r.domain.unwrap_or(o.domain),
                    established_on: r.established_on.or(o.established_on),
                    term_start: o.term_start,
                    term_end: r.term_end.or(o.term_end),
                };
                super::write::update_in(&sp, scope, meta, o.id, input)
                    .await
                    .map(|(_, changed)| if changed { 1 } else { 2 })
            }
            None => {
                let Some(code) = r.code.clone() else {
                    sp.rollback().await?;
                    continue;
                };
                let input = OrgInput {
                    parent_id: parent.as_ref().map(|p| p.id),
                    code,
                    name: r.name.clone(),
                    kind: r.kind,
                    domain: r.domain.or(parent.as_ref().map(|p| p.domain)).unwrap_or(OrgDomain::Other),
                    established_on: r.established_on,
                    term_start: None,
                    term_end: r.term_end,
                };
                match super::write::create_in(&sp, scope, meta, input).await {
                    Ok(o) => {
                        created.insert(o.code.clone(), o.clone());
                        created.insert(o.name.clone(), o);
                        Ok(0)
                    }
                    Err(e) => Err(e),
                }
            }
        };
        match outcome {
            Ok(kind) => {
                sp.commit().await?;
                match kind {
                    0 => imported += 1,
                    1 => updated += 1,
                    _ => unchanged += 1,
                }
            }
            Err(StoreError::Invalid(errs)) => {
                sp.rollback().await?;
                for e in errs {
                    let column = match e.field.as_str() {
                        "code" => COL_CODE,
                        "name" => COL_NAME,
                        "parent_id" => COL_PARENT,
                        "kind" => "组织类别",
                        "domain" => "所属领域",
                        "established_on" => "成立日期",
                        "term_end" => "本届届满日期",
                        other => other,
                    };
                    rejected.push(reject(column, e.message));
                }
            }
            Err(StoreError::Forbidden { message, .. }) | Err(StoreError::Conflict { message, .. }) => {
                sp.rollback().await?;
                rejected.push(reject(COL_PARENT, message));
            }
            Err(e) => return Err(e),
        }
    }
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    rejected.sort_by_key(|e| e.row);
    Ok(Summary { imported, updated, unchanged, rejected, warnings })
}

async fn by_code(tx: &DatabaseTransaction, code: &OrgCode) -> StoreResult<Option<Org>> {
    let q = select_in_scope(&Scope::cli()).and_where(Expr::col(("org", "code")).eq(code.as_str())).take();
    fetch_one(tx, &q).await
}

enum Names {
    None,
    One(Org),
    Many,
}

async fn by_name(tx: &DatabaseTransaction, scope: &Scope, name: &str) -> StoreResult<Names> {
    let q = select_in_scope(scope)
        .and_where(Expr::col(("org", "name")).eq(name))
        .and_where(Expr::col(("org", "status")).eq(OrgStatus::Active.key()))
        .limit(2)
        .take();
    let mut found = fetch_all(tx, &q, Sort::Code).await?;
    Ok(match found.len() {
        0 => Names::None,
        1 => Names::One(found.remove(0)),
        _ => Names::Many,
    })
}
