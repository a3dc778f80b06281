//! Turning `--db` / `--data-dir` into a database connection.

use anyhow::Context;
use jiceng_store::Db;

use crate::cli::DbArgs;

/// The database URL: `--db` (or `JICENG_DATABASE_URL`), else a SQLite file in the data dir.
pub fn url(args: &DbArgs) -> anyhow::Result<String> {
    if let Some(u) = &args.db {
        return Ok(u.clone());
    }
    std::fs::create_dir_all(&args.data_dir).with_context(|| format!("无法创建数据目录 {}", args.data_dir.display()))?;
    Ok(format!("sqlite://{}?mode=rwc", sqlite_path(args).display()))
}

/// The SQLite file of the data dir.
pub fn sqlite_path(args: &DbArgs) -> std::path::PathBuf {
    args.data_dir.join("jiceng.db")
}

/// Connect (without migrating), with the field keys of the data directory.
pub async fn open(args: &DbArgs) -> anyhow::Result<Db> {
    let url = url(args)?;
    let keys = jiceng_store::crypto::load_or_create_keys(&args.data_dir).map_err(|e| anyhow::anyhow!(e))?;
    let db =
        Db::connect(&url).await.map_err(|e| anyhow::anyhow!("无法连接数据库（{}）：{}", redact(&url), describe(&e)))?;
    Ok(db.with_field_keys(keys))
}

/// Connect and apply migrations.
pub async fn open_migrated(args: &DbArgs) -> anyhow::Result<Db> {
    let db = open(args).await?;
    db.migrate().await.map_err(|e| anyhow::anyhow!("数据库结构升级失败：{}", describe(&e)))?;
    jiceng_store::crypto::verify_field_keys(&db).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
    Ok(db)
}

/// A store error in one line.
pub fn describe(e: &jiceng_store::StoreError) -> String {
    use jiceng_store::StoreError as E;
    match e {
        E::Invalid(errs) => errs.iter().map(|e| format!("{}：{}", e.field, e.message)).collect::<Vec<_>>().join("；"),
        E::Forbidden { message, .. } | E::Conflict { message, .. } => message.clone(),
        E::NotFound => "未找到".into(),
        E::Db(e) => e.to_string().lines().next().unwrap_or("").to_string(),
        E::Corrupt(m) => m.clone(),
    }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
