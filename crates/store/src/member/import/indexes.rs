//! The member table's secondary indexes during a large import (SQLite).

use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement};

use crate::Db;
use crate::error::StoreResult;

/// Imports that add at least this many members, and at least half as many as the member table
/// holds, write the table without its secondary indexes (SQLite).
const REBUILD_MIN: u64 = 5000;

/// The member table's secondary indexes, dropped for a large import and built again (by
/// sorting) before it commits, in the same transaction. Inserting a member touches a random
/// page of each of the ID, phone and name indexes; building an index once is far cheaper when
/// the import is large relative to the table (measured in docs/performance.md). Under SQLite's
/// WAL every reader keeps seeing the indexes until the import commits with them rebuilt. Not on
/// PostgreSQL, where dropping an index would lock the table against readers.
pub(super) struct MemberIndexes {
    /// The `CREATE INDEX` statements of the dropped indexes, as the schema holds them.
    dropped: Vec<String>,
}

impl MemberIndexes {
    pub(super) async fn drop_for(db: &Db, tx: &DatabaseTransaction, imported: u64) -> StoreResult<MemberIndexes> {
        let none = MemberIndexes { dropped: Vec::new() };
        if db.backend() != crate::Backend::Sqlite || imported < REBUILD_MIN {
            return Ok(none);
        }
        let backend = tx.get_database_backend();
        let count = tx
            .query_one_raw(Statement::from_string(backend, "SELECT COUNT(*) AS n FROM member"))
            .await?
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if imported.saturating_mul(2) < u64::try_from(count).unwrap_or(0) {
            return Ok(none);
        }
        let rows = tx
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'member' AND sql IS NOT NULL",
            ))
            .await?;
        let mut dropped = Vec::with_capacity(rows.len());
        for r in rows {
            let name: String = r.try_get("", "name")?;
            let sql: String = r.try_get("", "sql")?;
            tx.execute_unprepared(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\""))).await?;
            dropped.push(sql);
        }
        // The statement journals of the bulk inserts and the sorts that rebuild the indexes
        // stay in memory instead of temporary files.
        // Only a hint: SQLite refuses the change while a temporary table is open, which does not
        // make the import wrong.
        if !dropped.is_empty() {
            let _ = tx.execute_unprepared("PRAGMA temp_store = MEMORY").await;
        }
        Ok(MemberIndexes { dropped })
    }

    /// Build the dropped indexes again.
    pub(super) async fn restore(self, tx: &DatabaseTransaction) -> StoreResult<()> {
        if self.dropped.is_empty() {
            return Ok(());
        }
        for sql in &self.dropped {
            tx.execute_unprepared(sql).await?;
        }
        let _ = tx.execute_unprepared("PRAGMA temp_store = DEFAULT").await;
        Ok(())
    }
}
