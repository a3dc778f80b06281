//! Many rows inserted through one JSON parameter per statement.
//!
//! A multi-row `INSERT … VALUES (?, ?, …), …` of thousands of rows costs more outside the
//! database than inside it: every value becomes a query-builder expression, a placeholder in a
//! long SQL text, a bound argument converted and copied (and, on SQLite, handed to the
//! connection's thread). Here the rows are written straight into one JSON array and the
//! database unpacks it (`json_each` on SQLite, `json_array_elements` on PostgreSQL), so a chunk
//! of rows is one short SQL text and one bound value. Measured in docs/performance.md.
//!
//! Values are written as the drivers would store them: dates as `YYYY-MM-DD`, times as RFC 3339
//! (what sqlx writes on SQLite; PostgreSQL casts the same text), booleans as JSON booleans
//! (SQLite stores 1/0), bytes as hex (`unhex` / `decode`).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement};

use crate::error::{StoreError, StoreResult};

/// The type of a column, for the cast on PostgreSQL and the check of each value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Int,
    Text,
    Bool,
    Date,
    Time,
    Bytes,
}

/// One value of a row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Bool(bool),
    Date(NaiveDate),
    Time(DateTime<Utc>),
    Bytes(&'a [u8]),
}

impl Val<'_> {
    fn fits(&self, ty: Ty) -> bool {
        matches!(
            (self, ty),
            (Val::Null, _)
                | (Val::Int(_), Ty::Int)
                | (Val::Text(_), Ty::Text)
                | (Val::Bool(_), Ty::Bool)
                | (Val::Date(_), Ty::Date)
                | (Val::Time(_), Ty::Time)
                | (Val::Bytes(_), Ty::Bytes)
        )
    }
}

impl From<i64> for Val<'_> {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<bool> for Val<'_> {
    fn from(v: bool) -> Self {
        Val::Bool(v)
    }
}
impl<'a> From<&'a str> for Val<'a> {
    fn from(v: &'a str) -> Self {
        Val::Text(v)
    }
}
impl From<NaiveDate> for Val<'_> {
    fn from(v: NaiveDate) -> Self {
        Val::Date(v)
    }
}
impl From<DateTime<Utc>> for Val<'_> {
    fn from(v: DateTime<Utc>) -> Self {
        Val::Time(v)
    }
}
impl<'a> From<&'a [u8]> for Val<'a> {
    fn from(v: &'a [u8]) -> Self {
        Val::Bytes(v)
    }
}
impl<'a, T: Into<Val<'a>>> From<Option<T>> for Val<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}

impl Val<'_> {
    /// The value as a bound statement parameter of this column type (typed, also when null).
    fn param(&self, ty: Ty) -> sea_orm::Value {
        use sea_orm::Value as V;
        match (*self, ty) {
            (Val::Int(n), _) => V::BigInt(Some(n)),
            (Val::Text(t), _) => V::String(Some(t.to_string())),
            (Val::Bool(b), _) => V::Bool(Some(b)),
            (Val::Date(d), _) => V::ChronoDate(Some(d)),
            (Val::Time(t), _) => V::ChronoDateTimeUtc(Some(t)),
            (Val::Bytes(b), _) => V::Bytes(Some(b.to_vec())),
            (Val::Null, Ty::Int) => V::BigInt(None),
            (Val::Null, Ty::Text) => V::String(None),
            (Val::Null, Ty::Bool) => V::Bool(None),
            (Val::Null, Ty::Date) => V::ChronoDate(None),
            (Val::Null, Ty::Time) => V::ChronoDateTimeUtc(None),
            (Val::Null, Ty::Bytes) => V::Bytes(None),
        }
    }
}

/// Rows for one table, collected as JSON and written by [`Bulk::flush`].
pub(crate) struct Bulk {
    table: &'static str,
    columns: &'static [(&'static str, Ty)],
    /// Columns with one value for every row, bound once per statement instead of repeated in
    /// every row ([`Bulk::with_fixed`]).
    fixed: &'static [(&'static str, Ty)],
    fixed_values: Arc<[sea_orm::Value]>,
    sql: Arc<str>,
    backend: DbBackend,
    buf: Vec<u8>,
    rows: usize,
    /// The last time value written and its text.
    last_time: Option<(DateTime<Utc>, String)>,
}

/// A number in decimal, without going through `fmt`.
fn write_int(buf: &mut Vec<u8>, n: i64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        buf.push(b'-');
    }
    buf.extend_from_slice(&digits[i..]);
}

/// A date as `YYYY-MM-DD` (what `%F` writes), without going through `fmt` for the usual years.
fn write_date(buf: &mut Vec<u8>, d: NaiveDate) {
    use chrono::Datelike;
    let y = d.year();
    if !(0..=9999).contains(&y) {
        buf.extend_from_slice(d.format("%F").to_string().as_bytes());
        return;
    }
    let two = |buf: &mut Vec<u8>, v: u32| buf.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
    let y = y as u32;
    two(buf, y / 100);
    two(buf, y % 100);
    buf.push(b'-');
    two(buf, d.month());
    buf.push(b'-');
    two(buf, d.day());
}

/// One statement's worth of rows taken out of a [`Bulk`], to be written by [`Pending::write`],
/// possibly on another thread than the one that collected them (an import prepares the next
/// rows while the database writes these).
#[derive(Debug)]
pub(crate) struct Pending {
    sql: Arc<str>,
    backend: DbBackend,
    json: String,
    fixed: Arc<[sea_orm::Value]>,
}

impl Pending {
    /// Write the rows (one statement).
    pub(crate) async fn write(self, tx: &DatabaseTransaction) -> StoreResult<()> {
        let mut values = Vec::with_capacity(1 + self.fixed.len());
        values.push(self.json.into());
        values.extend(self.fixed.iter().cloned());
        tx.execute_raw(Statement::from_sql_and_values(self.backend, &*self.sql, values)).await?;
        Ok(())
    }
}

/// `SELECT <the columns from each JSON row>, <the fixed parameters> FROM <the rows>`, the
/// rows being the statement's first parameter.
fn select_rows(backend: DbBackend, columns: &[(&str, Ty)], fixed: &[(&str, Ty)]) -> String {
    let mut values: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (c, ty))| {
            let v = match backend {
                DbBackend::Postgres => match ty {
                    Ty::Int => format!("(e->>{i})::bigint"),
                    Ty::Text => format!("e->>{i}"),
                    Ty::Bool => format!("(e->>{i})::boolean"),
                    Ty::Date => format!("(e->>{i})::date"),
                    Ty::Time => format!("(e->>{i})::timestamptz"),
                    Ty::Bytes => format!("decode(e->>{i}, 'hex')"),
                },
                _ => match ty {
                    Ty::Bytes => format!("unhex(value->>{i})"),
                    _ => format!("value->>{i}"),
                },
            };
            format!("{v} AS \"{c}\"")
        })
        .collect();
    values.extend(fixed.iter().enumerate().map(|(i, (c, _))| match backend {
        DbBackend::Postgres => format!("${} AS \"{c}\"", i + 2),
        _ => format!("?{} AS \"{c}\"", i + 2),
    }));
    match backend {
        DbBackend::Postgres => format!("SELECT {} FROM jsonb_array_elements($1::jsonb) AS e", values.join(", ")),
        _ => format!("SELECT {} FROM jsonb_each(?1)", values.join(", ")),
    }
}

fn insert_sql(backend: DbBackend, table: &str, columns: &[(&str, Ty)], fixed: &[(&str, Ty)]) -> String {
    let names: Vec<String> = columns.iter().chain(fixed).map(|(c, _)| format!("\"{c}\"")).collect();
    format!("INSERT INTO \"{table}\" ({}) {}", names.join(", "), select_rows(backend, columns, fixed))
}

impl Bulk {
    /// Rows of `table` with these columns, for the transaction's database.
    pub(crate) fn new(tx: &DatabaseTransaction, table: &'static str, columns: &'static [(&'static str, Ty)]) -> Self {
        Bulk::for_backend(tx.get_database_backend(), table, columns)
    }

    /// Rows of `table` with these columns, for a database of this kind (rows collected away
    /// from the transaction, see [`Pending`]).
    pub(crate) fn for_backend(backend: DbBackend, table: &'static str, columns: &'static [(&'static str, Ty)]) -> Self {
        Bulk {
            table,
            columns,
            fixed: &[],
            fixed_values: Arc::new([]),
            sql: insert_sql(backend, table, columns, &[]).into(),
            backend,
            buf: Vec::with_capacity(1 << 16),
            rows: 0,
            last_time: None,
        }
    }

    /// The same rows with more columns whose value is the same for every row (the time, the
    /// actor, the batch of an import): each is bound once per statement instead of written
    /// into every row, which the database would otherwise take apart again row by row.
    pub(crate) fn with_fixed(mut self, fixed: &'static [(&'static str, Ty)], values: &[Val<'_>]) -> StoreResult<Self> {
        if values.len() != fixed.len() || !values.iter().zip(fixed).all(|(v, (_, ty))| v.fits(*ty)) {
            return Err(StoreError::Corrupt(format!("fixed values do not fit their columns: {values:?}")));
        }
        self.fixed = fixed;
        self.fixed_values = values.iter().zip(fixed).map(|(v, (_, ty))| v.param(*ty)).collect();
        self.sql = insert_sql(self.backend, self.table, self.columns, fixed).into();
        Ok(self)
    }

    /// How many rows wait to be written.
    pub(crate) fn pending(&self) -> usize {
        self.rows
    }

    /// Add one row; its values in the order of the columns.
    pub(crate) fn push(&mut self, row: &[Val<'_>]) -> StoreResult<()> {
        if row.len() != self.columns.len() || !row.iter().zip(self.columns).all(|(v, (_, ty))| v.fits(*ty)) {
            return Err(StoreError::Corrupt(format!("bulk row does not fit its columns: {row:?}")));
        }
        self.buf.push(if self.rows == 0 { b'[' } else { b',' });
        self.buf.push(b'[');
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            match v {
                Val::Null => self.buf.extend_from_slice(b"null"),
                Val::Int(n) => write_int(&mut self.buf, *n),
                Val::Bool(b) => self.buf.extend_from_slice(if *b { b"true" } else { b"false" }),
                Val::Text(s) => {
                    serde_json::to_writer(&mut self.buf, s).map_err(|e| StoreError::Corrupt(e.to_string()))?
                }
                Val::Date(d) => {
                    self.buf.push(b'"');
                    write_date(&mut self.buf, *d);
                    self.buf.push(b'"');
                }
                Val::Time(t) => {
                    // An import stamps every row with the same time: formatted once.
                    if self.last_time.as_ref().is_none_or(|(at, _)| at != t) {
                        self.last_time = Some((*t, t.to_rfc3339_opts(SecondsFormat::AutoSi, false)));
                    }
                    if let Some((_, text)) = &self.last_time {
                        self.buf.push(b'"');
                        self.buf.extend_from_slice(text.as_bytes());
                        self.buf.push(b'"');
                    }
                }
                Val::Bytes(b) => {
                    self.buf.push(b'"');
                    self.buf.extend_from_slice(hex::encode(b).as_bytes());
                    self.buf.push(b'"');
                }
            }
        }
        self.buf.push(b']');
        self.rows += 1;
        Ok(())
    }

    /// Take the rows collected so far (one statement's worth) and start again; `None` when
    /// there are none.
    pub(crate) fn take(&mut self) -> StoreResult<Option<Pending>> {
        if self.rows == 0 {
            return Ok(None);
        }
        self.buf.push(b']');
        let capacity = self.buf.capacity();
        let bytes = std::mem::replace(&mut self.buf, Vec::with_capacity(capacity));
        let json = String::from_utf8(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.rows = 0;
        Ok(Some(Pending { sql: self.sql.clone(), backend: self.backend, json, fixed: self.fixed_values.clone() }))
    }

    /// Update the rows of this table whose `id` is a row's `id` column, by `set` (an SQL
    /// assignment list that names the row's other columns as `j.<column>`), and start again.
    pub(crate) async fn update_by_id(&mut self, tx: &DatabaseTransaction, set: &str) -> StoreResult<()> {
        let Some(p) = self.take()? else {
            return Ok(());
        };
        let sql = format!(
            "UPDATE \"{t}\" SET {set} FROM ({}) AS j WHERE \"{t}\".\"id\" = j.\"id\"",
            select_rows(self.backend, self.columns, self.fixed),
            t = self.table
        );
        Pending { sql: sql.into(), ..p }.write(tx).await
    }

    /// Write the rows collected so far (one statement) and start again.
    pub(crate) async fn flush(&mut self, tx: &DatabaseTransaction) -> StoreResult<()> {
        match self.take()? {
            Some(p) => p.write(tx).await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use sea_orm::{ConnectionTrait, FromQueryResult, TransactionTrait};

    use super::*;

    const COLS: &[(&str, Ty)] =
        &[("n", Ty::Int), ("t", Ty::Text), ("b", Ty::Bool), ("d", Ty::Date), ("at", Ty::Time), ("x", Ty::Bytes)];

    #[test]
    fn numbers_and_dates_are_written_as_fmt_writes_them() {
        for n in [0, 7, -7, 10, 1_234_567_890, i64::MAX, i64::MIN] {
            let mut buf = Vec::new();
            write_int(&mut buf, n);
            assert_eq!(String::from_utf8(buf).unwrap(), n.to_string());
        }
        for (y, m, d) in
            [(1985, 3, 12), (2026, 11, 27), (1, 1, 1), (999, 12, 31), (9999, 12, 31), (10000, 1, 1), (-5, 6, 7)]
        {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let mut buf = Vec::new();
            write_date(&mut buf, date);
            assert_eq!(String::from_utf8(buf).unwrap(), date.format("%F").to_string());
        }
    }

    crate::dual_test!(bulk_rows_read_back_as_written, |db: crate::Db| async move {
        let conn = db.raw();
        let pg = conn.get_database_backend() == DbBackend::Postgres;
        let ddl = if pg {
            "CREATE TABLE bulk_probe (id BIGSERIAL PRIMARY KEY, n BIGINT, t TEXT, b BOOLEAN, d DATE, at TIMESTAMPTZ, x BYTEA)"
        } else {
            "CREATE TABLE bulk_probe (id INTEGER PRIMARY KEY, n INTEGER, t TEXT, b BOOLEAN, d TEXT, at TEXT, x BLOB)"
        };
        conn.execute_unprepared(ddl).await.unwrap();
        let tx = conn.begin().await.unwrap();
        let mut bulk = Bulk::new(&tx, "bulk_probe", COLS);
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-12T08:30:00.123456Z").unwrap().with_timezone(&Utc);
        let d = NaiveDate::from_ymd_opt(1985, 3, 12).unwrap();
        let text = "张三 \"引号\" \\ 换行\n= tab\t";
        bulk.push(&[7.into(), text.into(), true.into(), d.into(), at.into(), Val::Bytes(&[0, 255, 16])]).unwrap();
        bulk.push(&[Val::Null, Val::Null, false.into(), Val::Null, Val::Null, Val::Null]).unwrap();
        assert_eq!(bulk.pending(), 2);
        assert!(
            bulk.push(&[Val::Text("not a number"), Val::Null, Val::Null, Val::Null, Val::Null, Val::Null]).is_err()
        );
        assert!(bulk.push(&[Val::Null]).is_err());
        bulk.flush(&tx).await.unwrap();
        assert_eq!(bulk.pending(), 0);
        bulk.flush(&tx).await.unwrap();
        tx.commit().await.unwrap();

        #[derive(Debug, sea_orm::FromQueryResult)]
        struct Probe {
            n: Option<i64>,
            t: Option<String>,
            b: Option<bool>,
            d: Option<NaiveDate>,
            at: Option<DateTime<Utc>>,
            x: Option<Vec<u8>>,
        }
        let rows = Probe::find_by_statement(Statement::from_string(
            conn.get_database_backend(),
            "SELECT n, t, b, d, at, x FROM bulk_probe ORDER BY id",
        ))
        .all(conn)
        .await
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].n, Some(7));
        assert_eq!(rows[0].t.as_deref(), Some(text));
        assert_eq!(rows[0].b, Some(true));
        assert_eq!(rows[0].d, Some(d));
        assert_eq!(rows[0].at, Some(at));
        assert_eq!(rows[0].x.as_deref(), Some(&[0u8, 255, 16][..]));
        assert_eq!(
            (rows[1].n, rows[1].t.as_deref(), rows[1].b, rows[1].d, rows[1].at),
            (None, None, Some(false), None, None)
        );
        assert_eq!(rows[1].x, None);
    });

    crate::dual_test!(many_rows_with_fixed_columns_and_update_by_id, |db: crate::Db| async move {
        let conn = db.raw();
        let pg = conn.get_database_backend() == DbBackend::Postgres;
        let ddl = if pg {
            "CREATE TABLE bulk_many (id BIGINT PRIMARY KEY, t TEXT, d DATE, batch BIGINT, at TIMESTAMPTZ)"
        } else {
            "CREATE TABLE bulk_many (id INTEGER PRIMARY KEY, t TEXT, d TEXT, batch INTEGER, at TEXT)"
        };
        conn.execute_unprepared(ddl).await.unwrap();
        const ROW: &[(&str, Ty)] = &[("id", Ty::Int), ("t", Ty::Text), ("d", Ty::Date)];
        const FIXED: &[(&str, Ty)] = &[("batch", Ty::Int), ("at", Ty::Time)];
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-12T08:30:00Z").unwrap().with_timezone(&Utc);
        let d = NaiveDate::from_ymd_opt(2001, 7, 1).unwrap();
        let tx = conn.begin().await.unwrap();
        let mut bulk = Bulk::new(&tx, "bulk_many", ROW).with_fixed(FIXED, &[Val::Int(7), at.into()]).unwrap();
        let n = 25_000i64;
        for i in 0..n {
            let t = format!("第{i}行");
            bulk.push(&[i.into(), t.as_str().into(), d.into()]).unwrap();
        }
        bulk.flush(&tx).await.unwrap();
        // Rename every other row through update_by_id.
        let mut renames = Bulk::new(&tx, "bulk_many", &[("id", Ty::Int), ("t", Ty::Text)]);
        for i in (0..n).step_by(2) {
            let t = format!("改{i}");
            renames.push(&[i.into(), t.as_str().into()]).unwrap();
        }
        renames.update_by_id(&tx, "\"t\" = j.\"t\"").await.unwrap();
        tx.commit().await.unwrap();

        #[derive(Debug, sea_orm::FromQueryResult)]
        struct Row {
            id: i64,
            t: String,
            d: NaiveDate,
            batch: i64,
            at: DateTime<Utc>,
        }
        let rows = Row::find_by_statement(Statement::from_string(
            conn.get_database_backend(),
            "SELECT id, t, d, batch, at FROM bulk_many ORDER BY id",
        ))
        .all(conn)
        .await
        .unwrap();
        assert_eq!(rows.len(), 25_000);
        for (i, r) in (0i64..).zip(&rows) {
            assert_eq!(r.id, i);
            let t = if i % 2 == 0 { format!("改{i}") } else { format!("第{i}行") };
            assert_eq!((r.t.as_str(), r.d, r.batch, r.at), (t.as_str(), d, 7, at));
        }
    });
}
