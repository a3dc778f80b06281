//! `jiceng serve`: migrate, create the first 系统管理员 if none exists, and serve until Ctrl+C or
//! SIGTERM (in-flight requests finish first).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use jiceng_store::auth;
use jiceng_web::{AppState, WebConfig};

use crate::cli::{ScaleArg, ServeArgs};
use crate::{config, demo};

/// Run the server.
pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // One server per data directory; `restore` waits for this lock.
    let _lock = if args.db.db.is_none() { Some(crate::backup::lock_data_dir(&args.db.data_dir)?) } else { None };
    let db = config::open_migrated(&args.db).await?;
    if args.demo {
        demo::load_if_empty(&db, ScaleArg::County, 2023, None).await?;
    }
    if let Some((name, password)) = auth::bootstrap(&db).await.map_err(|e| anyhow::anyhow!(config::describe(&e)))? {
        println!("================================================================");
        println!(" 首次启动：已创建系统管理员账号");
        println!("   用户名：{name}");
        println!("   一次性密码：{password}");
        println!(" 此密码只显示这一次。首次登录后必须修改密码。");
        println!("================================================================");
    }
    let state = AppState::new(
        db,
        WebConfig { tls: args.tls, trust_forwarded: args.trust_forwarded, data_dir: Some(args.db.data_dir.clone()) },
    );
    // Asked for: read the records of organizational life into memory in the background, so
    // that the first compliance check does not wait for them (otherwise that check reads them,
    // and an idle server stays small).
    if args.preload {
        let db = state.db.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            match jiceng_store::meeting::compliance::preload(&db).await {
                Ok(counties) => {
                    tracing::info!(counties, ms = t.elapsed().as_millis() as u64, "org life records in memory")
                }
                Err(e) => tracing::warn!(error = %e, "reading the org life records into memory failed"),
            }
        });
    }
    let app = jiceng_web::router(state);
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("无法监听 {}（端口被占用或无权限）", args.bind))?;
    let addr = listener.local_addr().context("无法读取监听地址")?;
    tracing::info!(addr = %addr, startup_ms = started.elapsed().as_millis() as u64, "jiceng serving");
    println!("jiceng 已启动：http://{addr}/ （按 Ctrl+C 停止）");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("服务异常退出")?;
    println!("jiceng 已停止。");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
