//! `jiceng`: the one binary. Serves the web application and runs the administrative commands.
//!
//! Errors are printed as one readable line in Chinese, with a non-zero exit code; no backtraces.

mod backup;
mod check_cmd;
mod check_recruit;
mod cli;
mod config;
mod demo;
mod exchange_cmd;
mod serve;
mod users;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{AuditCmd, CheckArgs, CheckCmd, Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_json);
    // A panic is one readable line, never a backtrace; inside a request the web layer logs it
    // (once, with the request id) and answers 500.
    std::panic::set_hook(Box::new(|info| {
        if jiceng_web::in_request() {
            return;
        }
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "未知错误".into());
        let at = info.location().map(|l| format!("（{}:{}）", l.file(), l.line())).unwrap_or_default();
        eprintln!("错误：内部错误：{msg}{at}");
    }));
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Migrate(args) => {
            let db = config::open(&args).await?;
            db.migrate().await?;
            println!("数据库结构已是最新。");
            Ok(ExitCode::SUCCESS)
        }
        Command::User(cmd) => users::run(cmd).await,
        Command::Import(cmd) => exchange_cmd::import(cmd).await,
        Command::Export(cmd) => exchange_cmd::export(cmd).await,
        Command::Backup(args) => backup::backup(args).await,
        Command::Restore(args) => backup::restore(args).await,
        Command::Check(CheckArgs { command: Some(CheckCmd::Recruit(args)), .. }) => check_recruit::run(args),
        Command::Check(args) => check_cmd::run(args).await,
        Command::Audit(AuditCmd::Verify(args)) => {
            let db = config::open_migrated(&args).await?;
            let report = jiceng_store::audit::verify(&db).await?;
            match report.first_broken {
                None => {
                    println!("审计链完整：共 {} 条记录，逐条校验通过。", report.rows);
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    println!("审计链在第 {} 条记录处断开：{}（此前 {} 条记录完好）。", b.id, b.reason, report.rows);
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}

fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("JICENG_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.compact().init();
    }
}
