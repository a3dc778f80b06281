//! `jiceng demo`: load a synthetic county and print how to sign in.

use std::process::ExitCode;
use std::time::Instant;

use jiceng_store::Db;
use jiceng_synth::Scale;

use crate::cli::{DemoArgs, ScaleArg};
use crate::config;

fn scale(s: ScaleArg) -> Scale {
    match s {
        ScaleArg::Tiny => Scale::Tiny,
        ScaleArg::County => Scale::County,
        ScaleArg::Province => Scale::Province,
    }
}

/// Run `jiceng demo`.
pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let db = config::open_migrated(&args.db).await?;
    match load_if_empty(&db, args.scale, args.seed, args.password).await? {
        true => {
            println!("启动服务：jiceng serve，然后打开 http://127.0.0.1:8080/");
            Ok(ExitCode::SUCCESS)
        }
        false => Ok(ExitCode::from(2)),
    }
}

/// Load a county if the database has no organizations yet; print what was loaded and the demo
/// accounts. Returns false (and says so) when the database already holds data.
pub async fn load_if_empty(db: &Db, s: ScaleArg, seed: u64, password: Option<String>) -> anyhow::Result<bool> {
    let started = Instant::now();
    let password = password.unwrap_or_else(jiceng_store::auth::one_time_password);
    if let Err(e) = jiceng_types::PasswordPolicy::default().check(&password, "") {
        anyhow::bail!("演示密码不符合密码规则：{}", e.message);
    }
    let today = jiceng_types::date::today_china();
    let county = jiceng_synth::generate(scale(s), seed, today);
    let generated = started.elapsed();
    match jiceng_synth::load(db, &county, &password).await {
        Ok(report) => {
            println!(
                "已载入模拟数据“{}”：{} 个党组织，{} 名党员，{} 条班子成员记录，{} 个账号（生成 {:.1} 秒，共用时 {:.1} 秒）。",
                county.name,
                report.orgs,
                report.members,
                report.teams,
                report.users,
                generated.as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
            if report.meetings > 0 {
                println!(
                    "组织生活：{} 条会议记录，{} 条第一议题学习内容，{} 个党小组，{} 次培训。",
                    report.meetings, report.study_items, report.groups, report.trainings
                );
            }
            let c = county.recruit.counts();
            if report.recruit_persons > 0 {
                println!(
                    "发展党员：{} 人在发展过程中（申请人 {}，积极分子 {}，发展对象 {}，预备党员 {}），另有 {} 人近期转正、材料待归档。",
                    c.in_progress(),
                    c.applicants,
                    c.activists,
                    c.candidates,
                    c.probationary,
                    c.regularized
                );
            }
            println!("演示账号（密码均为 {password}）：");
            if (report.users as usize) < county.users.len() {
                println!("  （已存在的同名账号未改动，保留原密码）");
            }
            for (user, role, org) in jiceng_synth::account_summary(&county) {
                println!("  {user:<12} {role:<10} {org}");
            }
            Ok(true)
        }
        Err(jiceng_store::StoreError::Conflict { message, .. }) => {
            println!("未载入演示数据：{message}");
            Ok(false)
        }
        Err(e) => anyhow::bail!("载入演示数据失败：{}", config::describe(&e)),
    }
}
