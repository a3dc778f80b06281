//! Turning a [`Scope`] into SQL conditions. This is the only place that does it, so a list query
//! and a per-object check cannot disagree about what is in scope.

use jiceng_types::Scope;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, IntoColumnRef, Query, SelectStatement};

/// The condition "the organization path in `path_col` lies in the scope".
pub(crate) fn path_in_scope<C>(scope: &Scope, path_col: C) -> Condition
where
    C: IntoColumnRef + Clone,
{
    match scope.roots() {
        None => Condition::all(),
        Some([]) => Condition::all().add(Expr::cust("1 = 0")),
        Some(roots) => {
            let mut any = Condition::any();
            for root in roots {
                any = any.add(
                    Expr::col(path_col.clone())
                        .gte(root.as_str())
                        .and(Expr::col(path_col.clone()).lt(root.upper_bound())),
                );
            }
            any
        }
    }
}

/// `SELECT id FROM org WHERE <path in scope>`: for filtering rows that carry an `org_id`.
pub(crate) fn org_ids_in_scope(scope: &Scope) -> SelectStatement {
    Query::select().column(("org", "id")).from("org").cond_where(path_in_scope(scope, ("org", "path"))).take()
}
