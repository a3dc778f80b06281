//! `jiceng import members|orgs|meetings|study-items FILE` and `jiceng export members|orgs -o FILE`,
//! run as the command-line operator (every change audited as 命令行).
//!
//! Import exit codes: 0 when no row is rejected, 2 when some are (the good rows are still
//! imported unless `--dry-run`), 1 when the file cannot be read at all.

use std::process::ExitCode;

use anyhow::Context;
use jiceng_exchange::{ImportOptions, Limits};
use jiceng_store::export::{self, Format as FileFormat};
use jiceng_store::meeting::import as meeting_import;
use jiceng_store::member::import::{self as member_import, Summary};
use jiceng_store::{Db, Meta, org};
use jiceng_types::{OrgCode, Scope};

use crate::cli::{ExportArgs, ExportCmd, Format, ImportArgs, ImportCmd};
use crate::config::{self, describe};

async fn within(db: &Db, scope: &Scope, code: &Option<String>) -> anyhow::Result<Option<org::Org>> {
    match code {
        None => Ok(None),
        Some(c) => {
            let code = OrgCode::parse(c).map_err(|e| anyhow::anyhow!("组织代码有误：{}", e.message))?;
            let o =
                org::get_by_code(db, scope, &code).await.map_err(|_| anyhow::anyhow!("没有代码为 {code} 的组织"))?;
            Ok(Some(o))
        }
    }
}

/// The file limits of command-line imports: the operator on the server may import a whole
/// province's roster or years of records (the web keeps 50 MB).
fn cli_limits() -> Limits {
    Limits { max_file_bytes: 1024 * 1024 * 1024, ..Limits::default() }
}

/// Run an import command.
pub async fn import(cmd: ImportCmd) -> anyhow::Result<ExitCode> {
    let (kind, args) = match cmd {
        ImportCmd::Members(a) => ("members", a),
        ImportCmd::Orgs(a) => ("orgs", a),
        ImportCmd::Meetings(a) => ("meetings", a),
        ImportCmd::StudyItems(a) => ("study_items", a),
    };
    let ImportArgs { db: db_args, file, org: org_code, dry_run, format } = args;
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("错误：无法读取 {}：{e}", file.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let db = config::open_migrated(&db_args).await?;
    let scope = Scope::cli();
    let meta = Meta::cli();
    let within = within(&db, &scope, &org_code).await?;
    let scope = match &within {
        Some(o) => Scope::cli_within(o.path.clone()),
        None => scope,
    };
    let limits = cli_limits();
    let options = ImportOptions::default();
    let summary: Summary = if kind == "members" && !dry_run {
        let started = std::time::Instant::now();
        match import_members_streaming(&db, &scope, &meta, bytes, &name, within.as_ref()).await? {
            Streamed::Done(summary) => {
                tracing::debug!(ms = started.elapsed().as_millis(), "import: committed while reading");
                summary
            }
            Streamed::Unreadable(e) => {
                eprintln!("错误：{e}");
                return Ok(ExitCode::FAILURE);
            }
        }
    } else if kind == "members" {
        let started = std::time::Instant::now();
        let parsed = match jiceng_exchange::import_members(&bytes, &name, &limits, &options) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("错误：{e}");
                return Ok(ExitCode::FAILURE);
            }
        };
        tracing::debug!(rows = parsed.rows.len(), ms = started.elapsed().as_millis(), "import: file read and checked");
        let plan = member_import::plan(&db, &scope, parsed, within.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!(describe(&e)))?;
        tracing::debug!(ms = started.elapsed().as_millis(), "import: matched");
        if dry_run {
            plan.summary()
        } else {
            let applied = member_import::apply(&db, &scope, &meta, plan, &name)
                .await
                .map_err(|e| anyhow::anyhow!(describe(&e)))?
                .summary;
            tracing::debug!(ms = started.elapsed().as_millis(), "import: committed");
            applied
        }
    } else if kind == "meetings" || kind == "study_items" {
        let outcome = if kind == "meetings" {
            import_meetings(&db, &scope, &meta, &bytes, &name, within.as_ref(), dry_run).await?
        } else {
            import_study_items(&db, &scope, &meta, &bytes, &name, dry_run).await?
        };
        match outcome {
            Some(summary) => summary,
            None => return Ok(ExitCode::FAILURE),
        }
    } else {
        let parsed = match jiceng_exchange::import_orgs(&bytes, &name, &limits, &options) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("错误：{e}");
                return Ok(ExitCode::FAILURE);
            }
        };
        org::import::import(&db, &scope, &meta, parsed, within.as_ref(), dry_run)
            .await
            .map_err(|e| anyhow::anyhow!(describe(&e)))?
    };
    match format {
        // {"imported":N,"updated":N,"unchanged":N,"rejected":[{"row","column","reason"}],"warnings":[…]}
        Format::Json => println!("{}", serde_json::to_string(&summary)?),
        Format::Table => {
            let verb = if dry_run { "检查结果（未写入）" } else { "导入完成" };
            println!(
                "{verb}：新增 {}，更新 {}，无变化 {}，退回 {} 处问题。",
                summary.imported,
                summary.updated,
                summary.unchanged,
                summary.rejected.len()
            );
            for e in &summary.rejected {
                println!("  第{}行 {}：{}", e.row, e.column, e.reason);
            }
            for w in &summary.warnings {
                match w.row {
                    Some(r) => println!("  提示：第{r}行 {}：{}", w.column, w.reason),
                    None => println!("  提示：{}：{}", w.column, w.reason),
                }
            }
        }
    }
    Ok(if summary.rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// How a streamed member import ended.
enum Streamed {
    /// Committed.
    Done(Summary),
    /// The file could not be read (nothing was imported).
    Unreadable(jiceng_exchange::ImportError),
}

/// `jiceng import members` without `--dry-run`: the roster is read on a thread of its own and
/// each part is checked, matched and written while the next is being read, all in one
/// transaction (see `member_import::import_streaming`). A workbook whose rows are out of order
/// cannot be streamed; it is read whole and imported the usual way.
async fn import_members_streaming(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    bytes: Vec<u8>,
    name: &str,
    within: Option<&org::Org>,
) -> anyhow::Result<Streamed> {
    use jiceng_exchange::{ImportError, ReadError};
    use member_import::Feed;
    let (feed, parts) = tokio::sync::mpsc::channel::<Feed>(4);
    let file_name = name.to_string();
    let reader = std::thread::Builder::new().name("import-read".into()).spawn(move || {
        let read = jiceng_exchange::stream_members(
            &bytes,
            &file_name,
            &cli_limits(),
            &ImportOptions::default(),
            member_import::FEED_ROWS,
            |parsed, hint| feed.blocking_send(Feed::Rows(parsed, hint)).is_ok(),
        );
        if read.is_ok() {
            // If the import has stopped already, it reports why.
            let _ = feed.blocking_send(Feed::End);
        }
        (bytes, read)
    })?;
    let applied = member_import::import_streaming(db, scope, meta, within, name, parts).await;
    let (bytes, read) = reader.join().map_err(|_| anyhow::anyhow!("读取文件的线程意外中止"))?;
    match read {
        Err(ImportError::Read(ReadError::Unordered)) => {
            let parsed = match jiceng_exchange::import_members(&bytes, name, &cli_limits(), &ImportOptions::default()) {
                Ok(p) => p,
                Err(e) => return Ok(Streamed::Unreadable(e)),
            };
            let plan =
                member_import::plan(db, scope, parsed, within).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
            let applied =
                member_import::apply(db, scope, meta, plan, name).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
            Ok(Streamed::Done(applied.summary))
        }
        Err(e) => Ok(Streamed::Unreadable(e)),
        Ok(()) => match applied.map_err(|e| anyhow::anyhow!(describe(&e)))? {
            Some(applied) => Ok(Streamed::Done(applied.summary)),
            None => Err(anyhow::anyhow!("文件未读完，没有导入任何数据")),
        },
    }
}

/// Run an export command.
pub async fn export(cmd: ExportCmd) -> anyhow::Result<ExitCode> {
    let (kind, ExportArgs { db: db_args, org: org_code, output }) = match cmd {
        ExportCmd::Members(a) => ("members", a),
        ExportCmd::Orgs(a) => ("orgs", a),
    };
    let format = FileFormat::parse(&output.to_string_lossy()).context("输出文件应以 .xlsx 或 .csv 结尾")?;
    let db = config::open_migrated(&db_args).await?;
    let scope = Scope::cli();
    let meta = Meta::cli();
    let within = within(&db, &scope, &org_code).await?;
    let (bytes, n) = if kind == "members" {
        let filter = jiceng_store::member::MemberFilter { org_id: within.as_ref().map(|o| o.id), ..Default::default() };
        export::members(&db, &scope, &meta, &filter, format).await
    } else {
        let scope = match &within {
            Some(o) => Scope::cli_within(o.path.clone()),
            None => scope,
        };
        export::orgs(&db, &scope, &meta, &org::ListFilter::default(), format).await
    }
    .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    std::fs::write(&output, bytes).with_context(|| format!("无法写入 {}", output.display()))?;
    println!("已导出 {n} 条到 {}。", output.display());
    Ok(ExitCode::SUCCESS)
}

/// `jiceng import meetings`: past meeting records. `None` when the file cannot be read (the reason
/// is printed).
async fn import_meetings(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    bytes: &[u8],
    name: &str,
    within: Option<&org::Org>,
    dry_run: bool,
) -> anyhow::Result<Option<Summary>> {
    let parsed = match jiceng_exchange::import_meetings(bytes, name, &cli_limits(), &ImportOptions::default()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("错误：{e}");
            return Ok(None);
        }
    };
    let plan =
        meeting_import::plan_meetings(db, scope, parsed, within).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
    if dry_run {
        return Ok(Some(plan.summary()));
    }
    let summary =
        meeting_import::apply_meetings(db, scope, meta, plan, name).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
    Ok(Some(summary))
}

/// `jiceng import study-items`: the 第一议题 register, kept by the `--org` organization (or the
/// only county). `None` when the file cannot be read (the reason is printed).
async fn import_study_items(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    bytes: &[u8],
    name: &str,
    dry_run: bool,
) -> anyhow::Result<Option<Summary>> {
    let parsed = match jiceng_exchange::import_study_items(bytes, name, &cli_limits(), &ImportOptions::default()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("错误：{e}");
            return Ok(None);
        }
    };
    let plan = meeting_import::plan_study_items(db, scope, parsed).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
    if dry_run {
        return Ok(Some(plan.summary()));
    }
    let summary =
        meeting_import::apply_study_items(db, scope, meta, plan).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
    Ok(Some(summary))
}
