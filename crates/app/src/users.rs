//! `jiceng user …`: account management from the server's command line (audited as 命令行).

use std::process::ExitCode;

use jiceng_store::auth::{self, UserDraft};
use jiceng_store::{Meta, org};
use jiceng_types::{OrgCode, Scope};

use crate::cli::{Format, UserCmd};
use crate::config::{self, describe};

/// Run a user command.
pub async fn run(cmd: UserCmd) -> anyhow::Result<ExitCode> {
    let cli = Scope::cli();
    let meta = Meta::cli();
    match cmd {
        UserCmd::Add(a) => {
            let db = config::open_migrated(&a.db).await?;
            let org_id = match &a.org {
                Some(code) => {
                    let code = OrgCode::parse(code).map_err(|e| anyhow::anyhow!("组织代码有误：{}", e.message))?;
                    let o = org::get_by_code(&db, &cli, &code)
                        .await
                        .map_err(|_| anyhow::anyhow!("没有代码为 {code} 的组织"))?;
                    o.id.to_string()
                }
                None => String::new(),
            };
            let draft = UserDraft { username: a.username, display_name: a.name, role: a.role, org_id };
            let new =
                draft.parse().map_err(|errs| anyhow::anyhow!(describe(&jiceng_store::StoreError::Invalid(errs))))?;
            let (user, password) =
                auth::create_user(&db, &cli, &meta, new).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
            println!("已建立账号 {}（{}，{}）。", user.username, user.display_name, user.role.label());
            println!("一次性密码：{password}");
            println!("此密码只显示这一次，首次登录后必须修改。");
        }
        UserCmd::Disable(a) => {
            let db = config::open_migrated(&a.db).await?;
            let u = auth::find_user(&db, &cli, &a.username)
                .await
                .map_err(|_| anyhow::anyhow!("没有账号 {}", a.username))?;
            auth::set_disabled(&db, &cli, &meta, u.id, true).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
            println!("账号 {} 已停用，其所有会话已结束。", u.username);
        }
        UserCmd::Enable(a) => {
            let db = config::open_migrated(&a.db).await?;
            let u = auth::find_user(&db, &cli, &a.username)
                .await
                .map_err(|_| anyhow::anyhow!("没有账号 {}", a.username))?;
            auth::set_disabled(&db, &cli, &meta, u.id, false).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
            println!("账号 {} 已启用。", u.username);
        }
        UserCmd::ResetPassword(a) => {
            let db = config::open_migrated(&a.db).await?;
            let u = auth::find_user(&db, &cli, &a.username)
                .await
                .map_err(|_| anyhow::anyhow!("没有账号 {}", a.username))?;
            let password =
                auth::reset_password(&db, &cli, &meta, u.id).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
            println!("账号 {} 的新一次性密码：{password}", u.username);
            println!("此密码只显示这一次，登录后必须修改；该账号原有会话已结束。");
        }
        UserCmd::List(a) => {
            let db = config::open_migrated(&a.db).await?;
            let users =
                auth::list_users(&db, &cli, &Default::default()).await.map_err(|e| anyhow::anyhow!(describe(&e)))?;
            if a.format == Format::Json {
                let rows: Vec<_> = users
                    .iter()
                    .map(|u| {
                        serde_json::json!({
                            "username": u.username,
                            "display_name": u.display_name,
                            "role": u.role.key(),
                            "org": u.org_name,
                            "disabled": u.disabled_at.is_some(),
                            "must_change_password": u.must_change_password,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!("{:<16} {:<10} {:<16} {:<6} 所属组织", "用户名", "姓名", "角色", "状态");
                for u in users {
                    let status = if u.disabled_at.is_some() { "停用" } else { "正常" };
                    println!(
                        "{:<16} {:<10} {:<16} {:<6} {}",
                        u.username,
                        u.display_name,
                        u.role.label(),
                        status,
                        u.org_name.unwrap_or_default()
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
