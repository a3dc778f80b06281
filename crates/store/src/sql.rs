//! Small helpers for the few statements written as SQL text rather than with the builder.

use sea_orm::sea_query::{Expr, Func, InsertStatement, IntoCondition, Query, SimpleExpr};
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

/// `COALESCE(SUM(CASE WHEN <cond> THEN 1 ELSE 0 END), 0)`: how many rows meet `cond`. Built with
/// the query builder, so that its values get each engine's placeholders (custom SQL with `?`
/// works on SQLite only).
pub(crate) fn count_where(cond: impl IntoCondition) -> SimpleExpr {
    Func::coalesce([Func::sum(Expr::case(cond, 1).finally(0)).into(), Expr::val(0)]).into()
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

/// Run a multi-row `SELECT` and decode its rows through one JSON value built by the database.
///
/// SQLite rows cross from the database thread one by one, each value copied; a list of fifty
/// organizations costs more in that crossing than in the query. Aggregating the rows into one
/// JSON array in the database (`json_group_array` / `json_agg`) makes it one value and one
/// crossing (measured in docs/performance.md). An aggregate does not promise to keep the
/// subquery's order, so callers sort the decoded rows themselves.
pub(crate) async fn fetch_json<T, C>(
    conn: &C,
    stmt: &sea_orm::sea_query::SelectStatement,
    columns: &[&str],
) -> crate::StoreResult<Vec<T>>
where
    T: serde::de::DeserializeOwned,
    C: sea_orm::ConnectionTrait,
{
    let backend = conn.get_database_backend();
    let inner = backend.build(stmt);
    let pairs: Vec<String> = columns.iter().map(|c| format!("'{c}', t.\"{c}\"")).collect();
    let pairs = pairs.join(", ");
    let sql = match backend {
        DbBackend::Postgres => {
            format!("SELECT COALESCE(json_agg(json_build_object({pairs}))::text, '[]') AS j FROM ({}) AS t", inner.sql)
        }
        _ => format!("SELECT json_group_array(json_object({pairs})) AS j FROM ({}) AS t", inner.sql),
    };
    let values = inner.values.map(|v| v.0).unwrap_or_default();
    let row = conn.query_one_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let Some(row) = row else { return Ok(Vec::new()) };
    let text: String = row.try_get("", "j")?;
    serde_json::from_str(&text).map_err(|e| crate::StoreError::Corrupt(format!("json rows: {e}")))
}

/// Reserve `n` fresh ids of `table` inside a write transaction, so that many rows can be
/// inserted with their ids known (and referenced) up front. SQLite: the transaction holds the
/// write lock, so the ids after the current maximum are free. PostgreSQL: taken from the
/// identity sequence.
pub(crate) async fn reserve_ids(
    tx: &sea_orm::DatabaseTransaction,
    table: &str,
    n: usize,
) -> crate::StoreResult<Vec<i64>> {
    use sea_orm::ConnectionTrait;
    if n == 0 {
        return Ok(Vec::new());
    }
    let backend = tx.get_database_backend();
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    match backend {
        DbBackend::Postgres => {
            let sql = format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id FROM generate_series(1, {count})"
            );
            let rows = tx.query_all_raw(Statement::from_string(backend, sql)).await?;
            rows.iter().map(|r| r.try_get::<i64>("", "id").map_err(crate::StoreError::from)).collect()
        }
        _ => {
            let sql = format!("SELECT COALESCE(MAX(id), 0) AS id FROM {table}");
            let row = tx.query_one_raw(Statement::from_string(backend, sql)).await?;
            let start: i64 = match row {
                Some(r) => r.try_get("", "id")?,
                None => 0,
            };
            Ok((start + 1..=start + count).collect())
        }
    }
}

/// Deserialize a boolean stored as `true`/`false` (PostgreSQL) or `1`/`0` (SQLite) in JSON rows.
pub(crate) fn de_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    use serde::Deserialize;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Ok(b),
        serde_json::Value::Number(n) => Ok(n.as_i64().unwrap_or(0) != 0),
        serde_json::Value::Null => Ok(false),
        other => Err(serde::de::Error::custom(format!("not a boolean: {other}"))),
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
