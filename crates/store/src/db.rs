//! Connecting to SQLite or PostgreSQL, and the write-transaction helper.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use crate::error::{StoreError, StoreResult};
use crate::migration::Migrator;

/// The database engine behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (embedded; the default).
    Sqlite,
    /// PostgreSQL 15 or later.
    Postgres,
}

/// The page cache of each SQLite connection (16 MB), set on connecting.
pub(crate) const SQLITE_CACHE_SIZE: &str = "-16000";

/// A connection pool to jiceng's database.
#[derive(Debug, Clone)]
pub struct Db {
    conn: DatabaseConnection,
    backend: Backend,
    /// The keys of the encrypted personal-data fields (absent until set by the application).
    field_keys: Option<std::sync::Arc<crate::crypto::FieldKeys>>,
    /// The security policy, read at most every few seconds (every request needs it).
    pub(crate) policy_cache:
        std::sync::Arc<std::sync::Mutex<Option<(std::time::Instant, crate::settings::SecurityPolicy)>>>,
    /// The records of organizational life kept in memory per county, if asked for.
    resident: Option<std::sync::Arc<crate::meeting::resident::Resident>>,
    /// The judged pipeline of member development kept in memory per county, if asked for.
    recruit_resident: Option<std::sync::Arc<crate::recruit::resident::Resident>>,
}

impl Db {
    /// Connect to `url` (`sqlite://path?mode=rwc` or `postgres://…`).
    ///
    /// SQLite connections use WAL, foreign keys, `secure_delete` and a 5-second busy timeout.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::invalid("db", "bad_url", "数据库地址应以 sqlite: 或 postgres:// 开头"));
        };
        let mut opt = ConnectOptions::new(url.to_string());
        opt.sqlx_logging(false).acquire_timeout(Duration::from_secs(10));
        match backend {
            Backend::Sqlite => {
                opt.max_connections(sqlite_pool_size()).min_connections(1).map_sqlx_sqlite_opts(|o| {
                    o.create_if_missing(true)
                        .busy_timeout(Duration::from_secs(5))
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .foreign_keys(true)
                        .pragma("secure_delete", "ON")
                        .pragma("cache_size", SQLITE_CACHE_SIZE)
                });
            }
            Backend::Postgres => {
                opt.max_connections(16).min_connections(1);
            }
        }
        let conn = Database::connect(opt).await?;
        Ok(Db {
            conn,
            backend,
            field_keys: None,
            policy_cache: Default::default(),
            resident: None,
            recruit_resident: None,
        })
    }

    /// Use these keys for the encrypted personal-data fields.
    pub fn with_field_keys(mut self, keys: crate::crypto::FieldKeys) -> Self {
        self.field_keys = Some(std::sync::Arc::new(keys));
        self
    }

    /// Keep the records of organizational life in memory, county by county, kept up to date from
    /// the audit trail, so that checks of a county or a province run over records already read
    /// (a long-running server; a one-off command reads them once anyway). Clones share them.
    pub fn keep_org_life_in_memory(mut self) -> Self {
        self.resident = Some(std::sync::Arc::default());
        self
    }

    /// How often the records kept in memory were read (`None` if they are not kept).
    pub fn org_life_in_memory_stats(&self) -> Option<crate::meeting::ResidentStats> {
        self.resident.as_deref().map(|r| r.stats())
    }

    /// The records kept in memory, if asked for.
    pub(crate) fn resident(&self) -> Option<&crate::meeting::resident::Resident> {
        self.resident.as_deref()
    }

    /// Keep the pipeline of member development in memory, county by county: each county's open
    /// persons judged once a day and again after a change seen in the audit trail, so that a
    /// county-wide list is a filter over rows already judged. Clones share it.
    pub fn keep_pipeline_in_memory(mut self) -> Self {
        self.recruit_resident = Some(std::sync::Arc::default());
        self
    }

    /// How many times a county's pipeline was judged as a whole (`None` if it is not kept).
    pub fn pipeline_in_memory_stats(&self) -> Option<u64> {
        self.recruit_resident.as_deref().map(|r| r.counties_judged())
    }

    /// The pipeline kept in memory, if asked for.
    pub(crate) fn recruit_resident(&self) -> Option<&crate::recruit::resident::Resident> {
        self.recruit_resident.as_deref()
    }

    /// The field keys; an error if the application did not set them.
    pub fn field_keys(&self) -> crate::StoreResult<&crate::crypto::FieldKeys> {
        self.field_keys.as_deref().ok_or_else(|| crate::StoreError::Corrupt("field keys not configured".into()))
    }

    /// Apply every migration not yet applied.
    pub async fn migrate(&self) -> StoreResult<()> {
        Migrator::up(&self.conn, None).await?;
        Ok(())
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for reads.
    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// The SeaORM backend kind.
    pub(crate) fn db_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Begin a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so a transaction that reads
    /// and then writes never fails with a busy snapshot.
    pub(crate) async fn begin_write(&self) -> StoreResult<DatabaseTransaction> {
        let tx = self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(tx)
    }

    /// Check that the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        self.conn.ping().await?;
        Ok(())
    }

    /// Close the pool (used before `restore` replaces the file).
    pub async fn close(self) -> StoreResult<()> {
        self.conn.close().await?;
        Ok(())
    }

    /// The underlying SeaORM connection, for tests and tools that must run raw SQL (e.g. to
    /// simulate tampering). Application code goes through the typed functions instead.
    pub fn raw(&self) -> &DatabaseConnection {
        &self.conn
    }
}

/// SQLite connections in the pool: `JICENG_SQLITE_POOL`, else 4. Each SQLite connection runs on
/// its own thread; more connections than cores only add thread switches (measured: see
/// docs/performance.md).
fn sqlite_pool_size() -> u32 {
    std::env::var("JICENG_SQLITE_POOL").ok().and_then(|v| v.parse().ok()).filter(|n| (1..=64).contains(n)).unwrap_or(4)
}
