//! Test support: a fresh, migrated database per test, on SQLite always and on PostgreSQL when
//! `JICENG_TEST_PG` names a server (e.g. `postgres://jiceng:jiceng@127.0.0.1:5432/postgres`).
//!
//! SQLite databases are temporary files (the same WAL and pool code path as production).
//! PostgreSQL databases are cloned from a template that is migrated once per migration history,
//! which makes a fresh database cost a few milliseconds instead of a full migration.

use sea_orm::{ConnectionTrait, Database};
use sea_orm_migration::MigratorTrait;

use crate::migration::Migrator;
use crate::{Db, StoreResult};

/// The environment variable naming the PostgreSQL server used by tests.
pub const PG_ENV: &str = "JICENG_TEST_PG";

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDb {
    /// The connection pool.
    pub db: Db,
    dir: Option<std::path::PathBuf>,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// A fresh SQLite database in a temporary directory.
    pub async fn sqlite() -> StoreResult<TestDb> {
        let dir = std::env::temp_dir().join(format!("jiceng-test-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let url = format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
        let db = Db::connect(&url).await?.with_field_keys(crate::crypto::FieldKeys::generate());
        db.migrate().await?;
        Ok(TestDb { db, dir: Some(dir), pg: None })
    }

    /// A fresh PostgreSQL database, or `None` when `JICENG_TEST_PG` is not set.
    pub async fn postgres() -> StoreResult<Option<TestDb>> {
        let Ok(admin_url) = std::env::var(PG_ENV) else {
            return Ok(None);
        };
        let template = template_name();
        let admin = Database::connect(admin_url.as_str()).await?;
        admin.execute_unprepared("SELECT pg_advisory_lock(7301)").await?;
        let exists = admin
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT 1 FROM pg_database WHERE datname = $1",
                [template.clone().into()],
            ))
            .await?
            .is_some();
        if !exists {
            let building = format!("{template}_building");
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {building}")).await?;
            admin.execute_unprepared(&format!("CREATE DATABASE {building} ENCODING 'UTF8'")).await?;
            let db = Db::connect(&with_database(&admin_url, &building)).await?;
            db.migrate().await?;
            db.close().await?;
            admin.execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {template}")).await?;
        }
        admin.execute_unprepared("SELECT pg_advisory_unlock(7301)").await?;
        let name = format!("jiceng_t_{}", uuid::Uuid::now_v7().simple());
        admin.execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}")).await?;
        admin.close().await?;
        let db =
            Db::connect(&with_database(&admin_url, &name)).await?.with_field_keys(crate::crypto::FieldKeys::generate());
        Ok(Some(TestDb { db, dir: None, pg: Some((admin_url, name)) }))
    }

    /// Drop the database (PostgreSQL) or delete its directory (SQLite).
    pub async fn cleanup(mut self) {
        let dir = self.dir.take();
        let pg = self.pg.take();
        let db = self.db.clone();
        let _ = db.close().await;
        if let Some(dir) = dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin_url, name)) = pg
            && let Ok(admin) = Database::connect(admin_url.as_str()).await
        {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            let _ = admin.close().await;
        }
    }
}

impl Drop for TestDb {
    /// A test that panicked never reaches `cleanup`: remove its SQLite directory anyway.
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The template's name changes whenever the migration history does.
fn template_name() -> String {
    use sm3::Digest;
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_string()).collect();
    let digest = sm3::Sm3::digest(names.join(",").as_bytes());
    format!("jiceng_tmpl_{}", &hex::encode(digest)[..12])
}

/// The same server URL with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Define a test that runs once on SQLite and once on PostgreSQL (`<name>_sqlite` and
/// `<name>_pg`; the PostgreSQL one passes trivially, saying so, when `JICENG_TEST_PG` is unset).
///
/// ```ignore
/// jiceng_store::dual_test!(creates_an_org, |db: Db| async move { … });
/// ```
#[macro_export]
macro_rules! dual_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::testing::TestDb::sqlite().await.expect("sqlite test database");
                let body = $body;
                body(t.db.clone()).await;
                t.cleanup().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn pg() {
                let Some(t) = $crate::testing::TestDb::postgres().await.expect("postgres test database") else {
                    eprintln!("JICENG_TEST_PG is not set: PostgreSQL variant not run");
                    return;
                };
                let body = $body;
                body(t.db.clone()).await;
                t.cleanup().await;
            }
        }
    };
}

/// The password [`user`] gives every test account.
pub const TEST_PASSWORD: &str = "Test-Passw0rd!";

/// Create an account that can sign in at once with [`TEST_PASSWORD`] (no forced change), for
/// tests that drive the web layer.
pub async fn user(
    db: &Db,
    username: &str,
    role: jiceng_types::Role,
    org: Option<jiceng_types::OrgId>,
) -> StoreResult<crate::auth::User> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let draft = crate::auth::UserDraft {
        username: username.into(),
        display_name: "测试用户".into(),
        role: role.key().into(),
        org_id: org.map(|o| o.to_string()).unwrap_or_default(),
    };
    let new = draft.parse().map_err(crate::StoreError::Invalid)?;
    let (user, _) = crate::auth::create_user(db, &jiceng_types::Scope::cli(), &crate::Meta::cli(), new).await?;
    let q = Query::update()
        .table("app_user")
        .value("password_hash", crate::auth::hash_password_for_seed(TEST_PASSWORD)?)
        .value("must_change_password", false)
        .and_where(Expr::col("id").eq(user.id.0))
        .take();
    db.conn().execute(&q).await?;
    Ok(crate::auth::User { must_change_password: false, ..user })
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_database_name() {
        assert_eq!(with_database("postgres://u:p@h:5432/postgres", "x"), "postgres://u:p@h:5432/x");
        assert_eq!(
            with_database("postgres://u:p@h/postgres?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
