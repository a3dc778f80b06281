//! `jiceng check [--org CODE] --from DATE --to DATE [--format json|table]`: the findings of the
//! organizational-life rules over a period, computed from the records (nothing is stored).
//!
//! JSON: `{"findings":[{"org_code","org_name","rule_id","period","severity","message","kind"}]}`.
//! Exit code 0 when the check ran (whatever it found), 1 when it could not run.

use std::process::ExitCode;

use jiceng_store::meeting::compliance;
use jiceng_types::{OrgCode, Scope};

use crate::cli::{CheckArgs, Format};
use crate::config;

fn date(flag: &str, s: &str) -> anyhow::Result<chrono::NaiveDate> {
    jiceng_types::date::parse_date(s).map_err(|e| anyhow::anyhow!("--{flag} 日期有误：{}", e.message))
}

/// Run the check.
pub async fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    // Both are required by the command line when no subcommand is given.
    let from = date("from", args.from.as_deref().unwrap_or_default())?;
    let to = date("to", args.to.as_deref().unwrap_or_default())?;
    let as_of = match &args.as_of {
        Some(s) => date("as-of", s)?,
        None => jiceng_types::date::today_china(),
    };
    let db = config::open_migrated(&args.db).await?;
    let mut scope = Scope::cli();
    if let Some(code) = &args.org {
        let code = OrgCode::parse(code).map_err(|e| anyhow::anyhow!("组织代码有误：{}", e.message))?;
        let org = jiceng_store::org::get_by_code(&db, &scope, &code)
            .await
            .map_err(|_| anyhow::anyhow!("没有代码为 {code} 的组织"))?;
        scope = Scope::cli_within(org.path.clone());
    }
    let report = compliance::check(&db, &scope, from, to, as_of).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let rows = report.rows();
    match args.format {
        Format::Json => {
            println!("{}", serde_json::json!({ "findings": rows }));
        }
        Format::Table => {
            if rows.is_empty() {
                println!("{from} 至 {to} 未发现问题。");
            }
            for r in &rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    r.severity_label(),
                    r.org_code,
                    r.org_name,
                    r.period,
                    r.rule_label(),
                    r.message
                );
            }
            if !rows.is_empty() {
                let signals = rows.iter().filter(|r| r.is_signal()).count();
                println!("共 {} 条（其中形式主义信号 {} 条，仅供核查参考）。", rows.len(), signals);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
