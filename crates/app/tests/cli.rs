#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The `jiceng` command line, run as a real process: its commands, exit codes, one-line errors,
//! and the SQLite backup/restore round trip.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{jiceng, text};

const PASSWORD: &str = "Cli-Test-Pass1";

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("jiceng-cli-{tag}-{}-{}", std::process::id(), rand_suffix()));
        let _ = std::fs::remove_dir_all(&d);
        Dir(d)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

#[test]
fn every_command_has_help() {
    let d = Dir::new("help");
    for cmd in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["demo", "--help"],
        vec!["migrate", "--help"],
        vec!["user", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "list", "--help"],
        vec!["backup", "--help"],
        vec!["restore", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["check", "--help"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_jiceng")).args(&cmd).output().expect("run");
        assert!(o.status.success(), "{cmd:?}: {}", text(&o));
        assert!(!o.stdout.is_empty());
    }
    drop(d);
}

#[test]
fn demo_users_backup_restore_and_audit() {
    let d = Dir::new("flow");
    let o = jiceng(&["demo", "--scale", "tiny", "--password", PASSWORD], &d.0);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("county_admin"));

    // A second load is refused with a readable line and exit code 2.
    let o = jiceng(&["demo", "--scale", "tiny", "--password", PASSWORD], &d.0);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("已有组织数据"));

    // Accounts.
    let o = jiceng(&["user", "add", "wangfang", "--name", "王芳", "--role", "乡镇/工委管理员", "--org", "NOPE"], &d.0);
    assert_eq!(o.status.code(), Some(1));
    let line = String::from_utf8_lossy(&o.stderr);
    assert!(line.starts_with("错误："), "{line}");
    assert_eq!(line.trim().lines().count(), 1, "one readable line: {line}");
    assert!(!line.contains("panicked") && !line.contains("backtrace"));

    let list = jiceng(&["user", "list", "--format", "json"], &d.0);
    assert!(list.status.success());
    let users: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let town = users.as_array().unwrap().iter().find(|u| u["username"] == "town_admin").expect("town_admin");
    assert_eq!(town["role"], "township_admin");

    let o =
        jiceng(&["user", "add", "wangfang", "--name", "王芳", "--role", "branch_secretary", "--org", "BAD CODE"], &d.0);
    assert_eq!(o.status.code(), Some(1));
    let o = jiceng(&["user", "add", "newsys", "--name", "新管理员", "--role", "security_admin"], &d.0);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("一次性密码"));
    let o = jiceng(&["user", "disable", "newsys"], &d.0);
    assert!(o.status.success(), "{}", text(&o));
    let o = jiceng(&["user", "reset-password", "ghost"], &d.0);
    assert_eq!(o.status.code(), Some(1));

    // Online backup, a change after it, then restore: the change is gone and the chain is intact.
    // The meeting attachments in the data directory go with the backup and come back with it.
    let photo = d.0.join("attachments").join("1");
    std::fs::create_dir_all(&photo).unwrap();
    std::fs::write(photo.join("a1"), b"\xFF\xD8\xFF photo").unwrap();
    let backup = d.0.join("backup.db");
    let o = jiceng(&["backup", backup.to_str().unwrap()], &d.0);
    assert!(o.status.success(), "{}", text(&o));
    assert!(d.0.join("backup.db.attachments/1/a1").is_file(), "{}", text(&o));
    std::fs::write(photo.join("after"), b"added after the backup").unwrap();
    let o = jiceng(&["backup", backup.to_str().unwrap()], &d.0);
    assert_eq!(o.status.code(), Some(1), "refuses to overwrite");
    let o = jiceng(&["user", "add", "afterbackup", "--name", "备份后", "--role", "audit_admin"], &d.0);
    assert!(o.status.success());
    let o = jiceng(&["restore", backup.to_str().unwrap()], &d.0);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("审计链完整"), "{}", text(&o));
    assert!(photo.join("a1").is_file() && !photo.join("after").exists(), "attachments as at the backup");
    let list = jiceng(&["user", "list", "--format", "json"], &d.0);
    let users: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    assert!(users.as_array().unwrap().iter().all(|u| u["username"] != "afterbackup"));

    // A file that is not a jiceng backup is refused.
    let junk = d.0.join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let o = jiceng(&["restore", junk.to_str().unwrap()], &d.0);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    let o = jiceng(&["audit", "verify"], &d.0);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("审计链完整"));
}

#[test]
fn audit_verify_names_the_tampered_row() {
    let d = Dir::new("tamper");
    assert!(jiceng(&["demo", "--scale", "tiny", "--password", PASSWORD], &d.0).status.success());
    assert!(jiceng(&["user", "add", "extra1", "--name", "甲", "--role", "audit_admin"], &d.0).status.success());
    assert!(jiceng(&["user", "add", "extra2", "--name", "乙", "--role", "audit_admin"], &d.0).status.success());
    // Tamper with row 2 behind the application's back (dropping the append-only guard first).
    let url = format!("sqlite://{}?mode=rw", d.0.join("jiceng.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sea_orm::ConnectionTrait;
        let db = jiceng_store::Db::connect(&url).await.unwrap();
        db.raw().execute_unprepared("DROP TRIGGER audit_log_no_update").await.unwrap();
        db.raw().execute_unprepared("UPDATE audit_log SET username = 'someone' WHERE id = 2").await.unwrap();
    });
    let o = jiceng(&["audit", "verify"], &d.0);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("第 2 条"), "{}", text(&o));
}

#[test]
fn bad_database_url_is_one_line() {
    let d = Dir::new("badurl");
    let o = Command::new(env!("CARGO_BIN_EXE_jiceng"))
        .args(["migrate", "--db", "mysql://nowhere/x"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("sqlite") && err.contains("postgres"), "{err}");
    drop(d);
}

#[test]
fn a_data_dir_without_its_field_key_is_refused() {
    let d = Dir::new("key");
    let o = jiceng(&["demo", "--scale", "tiny", "--password", PASSWORD], &d.0);
    assert!(o.status.success(), "{}", text(&o));
    let o = jiceng(&["user", "list"], &d.0);
    assert!(o.status.success(), "the right key opens: {}", text(&o));
    // The key file is lost (e.g. the database restored on a new server): a fresh key would be
    // made, and every stored number would be unreadable. Every command refuses instead.
    let key = d.0.join("field.key");
    let saved = std::fs::read(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    let o = jiceng(&["user", "list"], &d.0);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let line = String::from_utf8_lossy(&o.stderr);
    assert!(line.contains("字段加密密钥与数据库不符"), "{line}");
    assert_eq!(line.trim().lines().count(), 1, "one readable line: {line}");
    // The original key put back: everything works again.
    std::fs::remove_file(&key).unwrap();
    std::fs::write(&key, saved).unwrap();
    let o = jiceng(&["user", "list"], &d.0);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn check_prints_the_findings_of_organizational_life() {
    let d = Dir::new("check");
    let o = jiceng(&["demo", "--scale", "tiny", "--password", PASSWORD], &d.0);
    assert!(o.status.success(), "{}", text(&o));
    let today = jiceng_types::date::today_china();
    let from = (today - chrono::Duration::days(365)).to_string();
    let to = today.to_string();
    let o = jiceng(&["check", "--from", &from, "--to", &to, "--format", "json"], &d.0);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    let findings = v["findings"].as_array().expect("findings array");
    assert!(!findings.is_empty(), "the demo county has gaps to find");
    for f in findings {
        for key in ["org_code", "org_name", "rule_id", "period", "severity", "message"] {
            assert!(f[key].is_string(), "{key} in {f}");
        }
        assert!(["notice", "warning", "error"].contains(&f["severity"].as_str().unwrap()), "{f}");
    }
    let rules: std::collections::BTreeSet<&str> = findings.iter().filter_map(|f| f["rule_id"].as_str()).collect();
    assert!(rules.contains("first_agenda.not_studied") || rules.contains("first_agenda.late"), "{rules:?}");
    // Limited to one branch (a branch has no subordinates): every finding is that branch's.
    let branch = findings.iter().find(|f| f["rule_id"].as_str().unwrap().starts_with("branch.")).expect("a branch");
    let code = branch["org_code"].as_str().unwrap().to_string();
    let o = jiceng(&["check", "--org", &code, "--from", &from, "--to", &to, "--format", "json"], &d.0);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mine = v["findings"].as_array().unwrap();
    assert!(!mine.is_empty() && mine.len() < findings.len());
    assert!(mine.iter().all(|f| f["org_code"] == code.as_str()), "{mine:?}");
    // The table format, and a bad date refused in one Chinese line with exit code 1.
    let o = jiceng(&["check", "--from", &from, "--to", &to], &d.0);
    assert!(o.status.success() && text(&o).contains("共 "), "{}", text(&o));
    let o = jiceng(&["check", "--from", "2025-13-01", "--to", &to], &d.0);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from 日期有误"), "{}", text(&o));
}

/// `serve --preload` reads the organizational-life records into memory in the background after
/// it starts (and says so in its log); without it, nothing is read until the first check.
#[test]
fn serve_preload_reads_org_life_records() {
    use std::io::{BufRead, BufReader};
    let d = Dir::new("preload");
    let o = jiceng(&["demo", "--scale", "tiny", "--password", PASSWORD], &d.0);
    assert!(o.status.success(), "{}", text(&o));
    for (preload, expected) in [(true, true), (false, false)] {
        let mut args = vec!["serve", "--bind", "127.0.0.1:0", "--data-dir"];
        let dir = d.0.to_string_lossy().to_string();
        args.push(&dir);
        if preload {
            args.push("--preload");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_jiceng"))
            .args(&args)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start");
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout: Box<dyn std::io::Read + Send> = Box::new(child.stdout.take().expect("stdout"));
        let stderr: Box<dyn std::io::Read + Send> = Box::new(child.stderr.take().expect("stderr"));
        for stream in [stdout, stderr] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(if expected { 60 } else { 3 });
        let mut seen = false;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(line) if line.contains("org life records in memory") => {
                    assert!(line.contains("counties=1"), "{line}");
                    seen = true;
                    break;
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(seen, expected, "preload {preload}");
    }
}
