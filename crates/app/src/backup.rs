//! `jiceng backup FILE` and `jiceng restore FILE`.
//!
//! SQLite: backup is `VACUUM INTO` (a consistent online copy, safe while the server runs; never a
//! file copy of a live database). Restore checks the file, refuses while a server holds the data
//! directory, keeps the current database aside, and records the restore in the audit trail.
//! PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean` (the PostgreSQL client tools must
//! be installed; see docs/OPERATIONS.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use jiceng_store::audit::{self, Action, Entry};
use jiceng_store::{Db, Meta};
use jiceng_types::Scope;
use sea_orm::ConnectionTrait;

use crate::cli::BackupArgs;
use crate::config;

/// The lock a running server holds on its data directory.
pub fn lock_file(data_dir: &Path) -> PathBuf {
    data_dir.join("jiceng.lock")
}

/// Take the data directory's lock (held by `serve` for its lifetime).
pub fn lock_data_dir(data_dir: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::create_dir_all(data_dir).with_context(|| format!("无法创建数据目录 {}", data_dir.display()))?;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_file(data_dir))
        .context("无法创建锁文件")?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(_) => anyhow::bail!("数据目录 {} 正被另一个 jiceng 进程使用", data_dir.display()),
    }
}

/// Where the attachments of a backup file are kept: a folder beside it (`FILE.attachments`).
fn attachments_of(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".attachments");
    PathBuf::from(name)
}

/// Copy a folder tree (files and sub-folders; attachments are plain files).
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<u64> {
    std::fs::create_dir_all(to).with_context(|| format!("无法创建 {}", to.display()))?;
    let mut n = 0;
    for entry in std::fs::read_dir(from).with_context(|| format!("无法读取 {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            n += copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).with_context(|| format!("无法复制 {}", entry.path().display()))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Copy the data directory's attachments (meeting photos and scans) beside the backup file.
fn backup_attachments(args: &BackupArgs) -> anyhow::Result<()> {
    let from = args.db.data_dir.join("attachments");
    if !from.is_dir() {
        return Ok(());
    }
    let to = attachments_of(&args.file);
    if to.exists() {
        anyhow::bail!("附件备份目录 {} 已存在，请换一个文件名", to.display());
    }
    let n = copy_tree(&from, &to)?;
    println!("附件已备份到 {}（{} 个文件）。", to.display(), n);
    Ok(())
}

/// Put the attachments kept beside a backup file back into the data directory (the current ones
/// kept aside).
fn restore_attachments(args: &BackupArgs) -> anyhow::Result<()> {
    let from = attachments_of(&args.file);
    if !from.is_dir() {
        return Ok(());
    }
    let current = args.db.data_dir.join("attachments");
    if current.exists() {
        let aside =
            args.db.data_dir.join(format!("attachments.before-restore-{}", chrono::Utc::now().format("%Y%m%d%H%M%S")));
        std::fs::rename(&current, &aside).with_context(|| format!("无法移开当前附件目录 {}", current.display()))?;
        println!("原附件目录已保存为 {}。", aside.display());
    }
    let n = copy_tree(&from, &current)?;
    println!("已恢复附件 {} 个。", n);
    Ok(())
}

/// Run `jiceng backup`.
pub async fn backup(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let url = config::url(&args.db)?;
    if !url.starts_with("sqlite:") {
        let code =
            pg_tool("pg_dump", &["--format=custom", "--no-owner", "--file", &args.file.to_string_lossy(), &url])?;
        backup_attachments(&args)?;
        return Ok(code);
    }
    if args.file.exists() {
        anyhow::bail!("备份文件 {} 已存在，请换一个文件名", args.file.display());
    }
    let db = config::open_migrated(&args.db).await?;
    let target = args.file.to_string_lossy().replace('\'', "''");
    db.raw().execute_unprepared(&format!("VACUUM INTO '{target}'")).await.context("备份失败")?;
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    audit::record(
        &db,
        &Scope::cli(),
        &Meta::cli(),
        Entry::new(Action::Export, "backup", None).changes(serde_json::json!({ "file": args.file, "bytes": size })),
    )
    .await
    .map_err(|e| anyhow::anyhow!(config::describe(&e)))?;
    println!("已备份到 {}（{:.1} MB）。", args.file.display(), size as f64 / 1e6);
    backup_attachments(&args)?;
    Ok(ExitCode::SUCCESS)
}

/// Run `jiceng restore`.
pub async fn restore(args: BackupArgs) -> anyhow::Result<ExitCode> {
    let url = config::url(&args.db)?;
    if !url.starts_with("sqlite:") {
        let code = pg_tool(
            "pg_restore",
            &["--clean", "--if-exists", "--no-owner", "--dbname", &url, &args.file.to_string_lossy()],
        )?;
        restore_attachments(&args)?;
        return Ok(code);
    }
    if args.db.db.is_some() {
        anyhow::bail!("SQLite 的恢复按数据目录进行，请使用 --data-dir 而不是 --db");
    }
    let _lock = lock_data_dir(&args.db.data_dir).context("请先停止 jiceng serve 再恢复")?;
    if !args.file.is_file() {
        anyhow::bail!("备份文件 {} 不存在", args.file.display());
    }
    // Check a private copy (the check opens it read-write), then swap it in.
    let current = config::sqlite_path(&args.db);
    let incoming = current.with_extension("db.restoring");
    std::fs::copy(&args.file, &incoming).with_context(|| format!("无法复制 {}", args.file.display()))?;
    if let Err(e) = check_backup(&incoming).await {
        for ext in ["db.restoring", "db.restoring-wal", "db.restoring-shm"] {
            let _ = std::fs::remove_file(current.with_extension(ext));
        }
        return Err(e);
    }
    for ext in ["db.restoring-wal", "db.restoring-shm"] {
        let _ = std::fs::remove_file(current.with_extension(ext));
    }
    if current.exists() {
        let aside = current.with_extension(format!("db.before-restore-{}", chrono::Utc::now().format("%Y%m%d%H%M%S")));
        std::fs::rename(&current, &aside).with_context(|| format!("无法移开当前数据库 {}", current.display()))?;
        for ext in ["db-wal", "db-shm"] {
            let _ = std::fs::remove_file(current.with_extension(ext));
        }
        println!("原数据库已保存为 {}。", aside.display());
    }
    std::fs::rename(&incoming, &current).with_context(|| format!("无法放置 {}", current.display()))?;
    restore_attachments(&args)?;
    let db = config::open_migrated(&args.db).await?;
    audit::record(
        &db,
        &Scope::cli(),
        &Meta::cli(),
        Entry::new(Action::Restore, "backup", None).changes(serde_json::json!({ "file": args.file })),
    )
    .await
    .map_err(|e| anyhow::anyhow!(config::describe(&e)))?;
    let report = audit::verify(&db).await.map_err(|e| anyhow::anyhow!(config::describe(&e)))?;
    println!(
        "已从 {} 恢复；审计链{}（{} 条记录）。",
        args.file.display(),
        if report.first_broken.is_none() { "完整" } else { "有断点，请运行 jiceng audit verify" },
        report.rows
    );
    Ok(ExitCode::SUCCESS)
}

/// Check that a file is a sound jiceng SQLite database.
async fn check_backup(file: &Path) -> anyhow::Result<()> {
    let db = Db::connect(&format!("sqlite://{}?mode=rw", file.display()))
        .await
        .map_err(|e| anyhow::anyhow!("无法打开备份文件：{}", config::describe(&e)))?;
    let ok = db
        .raw()
        .query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, "PRAGMA integrity_check"))
        .await;
    let good = matches!(&ok, Ok(Some(r)) if r.try_get_by_index::<String>(0).map(|s| s == "ok").unwrap_or(false));
    if !good {
        anyhow::bail!("备份文件已损坏（完整性检查未通过）");
    }
    let is_ours = db
        .raw()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT 1 FROM jiceng_migration LIMIT 1",
        ))
        .await;
    if !matches!(is_ours, Ok(Some(_))) {
        anyhow::bail!("该文件不是 jiceng 的数据库备份");
    }
    let _ = db.close().await;
    Ok(())
}

fn pg_tool(tool: &str, args: &[&str]) -> anyhow::Result<ExitCode> {
    let status = std::process::Command::new(tool).args(args).status().with_context(|| {
        format!("无法运行 {tool}：请安装 PostgreSQL 客户端工具（Debian: apt install postgresql-client）")
    })?;
    if status.success() {
        println!("{tool} 已完成。");
        Ok(ExitCode::SUCCESS)
    } else {
        anyhow::bail!("{tool} 执行失败（退出码 {:?}）", status.code())
    }
}
