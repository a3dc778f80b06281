//! Small helpers for the few statements written as SQL text rather than with the builder.

use sea_orm::sea_query::{InsertStatement, Query, SimpleExpr};
use sea_orm::{DbBackend, Statement, Value};

/// An `INSERT` of one row written as column/value pairs, so a column can never be paired with
/// the wrong value.
pub(crate) fn insert_row(table: &'static str, row: Vec<(&'static str, SimpleExpr)>) -> InsertStatement {
    let (cols, vals): (Vec<&'static str>, Vec<SimpleExpr>) = row.into_iter().unzip();
    let mut q = Query::insert();
    q.into_table(table).columns(cols);
    // Same length by construction, so this cannot fail.
    let _ = q.values(vals);
    q
}

/// Build a statement from SQL written with `?` placeholders, numbering them `$1, $2, …` for
/// PostgreSQL. The SQL text must not contain `?` anywhere but in placeholders.
pub(crate) fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        Statement::from_sql_and_values(backend, out, values)
    } else {
        Statement::from_sql_and_values(backend, sql, values)
    }
}

/// Escape `%`, `_` and `\` in user input for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_for_postgres() {
        let s = stmt(DbBackend::Postgres, "a = ? AND b = ?", vec![1.into(), 2.into()]);
        assert_eq!(s.sql, "a = $1 AND b = $2");
        let s = stmt(DbBackend::Sqlite, "a = ?", vec![1.into()]);
        assert_eq!(s.sql, "a = ?");
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}
