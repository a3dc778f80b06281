//! The member table's secondary indexes, dropped around a bulk write and built again.

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement};

use crate::Db;
use crate::error::StoreResult;

/// Imports that add at least this many members, and at least half as many as the member table
/// holds, write the table without its secondary indexes (SQLite).
const REBUILD_MIN: u64 = 5000;

/// The member table's secondary indexes, dropped for a bulk write and built again (by sorting)
/// in the same transaction before it commits. Inserting a member touches a random page of the
/// ID and phone indexes; building an index once is far cheaper when the write is large relative
/// to the table (measured in docs/performance.md). Read from the schema, so that an index a
/// migration adds is dropped and rebuilt with the others.
pub(crate) struct MemberIndexes {
    /// The `CREATE INDEX` statements of the dropped indexes, as the schema holds them.
    dropped: Vec<String>,
    /// Whether the sorts were moved to memory (undone with the rebuild).
    temp_in_memory: bool,
}

impl MemberIndexes {
    /// Drop every secondary index of the member table (not its primary key).
    pub(crate) async fn drop_all(tx: &DatabaseTransaction) -> StoreResult<MemberIndexes> {
        MemberIndexes::drop_matching(tx, true).await
    }

    /// Drop the member table's secondary indexes, the partial ones (`… WHERE`) only if
    /// `partial_too`: new members have no entry in those (an import registers them active), so
    /// dropping one would cost a scan of the table to build it again and save nothing.
    async fn drop_matching(tx: &DatabaseTransaction, partial_too: bool) -> StoreResult<MemberIndexes> {
        let backend = tx.get_database_backend();
        let sql = if backend == DbBackend::Postgres {
            "SELECT indexname AS name, indexdef AS sql FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = 'member' AND indexname LIKE 'idx\\_%'"
        } else {
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'member' AND sql IS NOT NULL"
        };
        let rows = tx.query_all_raw(Statement::from_string(backend, sql)).await?;
        let mut dropped = Vec::with_capacity(rows.len());
        for r in rows {
            let name: String = r.try_get("", "name")?;
            let sql: String = r.try_get("", "sql")?;
            if !partial_too && sql.to_ascii_uppercase().contains(" WHERE ") {
                continue;
            }
            tx.execute_unprepared(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\""))).await?;
            dropped.push(sql);
        }
        Ok(MemberIndexes { dropped, temp_in_memory: false })
    }

    /// For an import adding `imported` members: drop the indexes when the import is large
    /// relative to the table. Only on SQLite: under its WAL every reader keeps seeing the
    /// indexes until the import commits with them rebuilt, where on PostgreSQL dropping an
    /// index would lock the table against readers.
    pub(crate) async fn drop_for_import(
        db: &Db,
        tx: &DatabaseTransaction,
        imported: u64,
    ) -> StoreResult<MemberIndexes> {
        let none = MemberIndexes { dropped: Vec::new(), temp_in_memory: false };
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
        // SQLite would zero every page the dropped indexes free (`secure_delete`); they hold
        // nothing the member table does not, and the rebuild takes them again.
        tx.execute_unprepared("PRAGMA secure_delete = OFF").await?;
        let dropped = MemberIndexes::drop_matching(tx, false).await;
        tx.execute_unprepared("PRAGMA secure_delete = ON").await?;
        let mut indexes = dropped?;
        // The statement journals of the bulk inserts and the sorts that rebuild the indexes
        // stay in memory instead of temporary files. Only a hint: SQLite refuses the change
        // while a temporary table is open, which does not make the import wrong.
        if !indexes.dropped.is_empty() {
            indexes.temp_in_memory = tx.execute_unprepared("PRAGMA temp_store = MEMORY").await.is_ok();
        }
        Ok(indexes)
    }

    /// Build the dropped indexes again.
    pub(crate) async fn restore(self, tx: &DatabaseTransaction) -> StoreResult<()> {
        for sql in &self.dropped {
            tx.execute_unprepared(sql).await?;
        }
        if self.temp_in_memory {
            let _ = tx.execute_unprepared("PRAGMA temp_store = DEFAULT").await;
        }
        Ok(())
    }
}
