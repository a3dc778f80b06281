//! `jiceng-bench`: measures the figures in `docs/performance.md` against a release build of
//! `jiceng`, with real processes on loopback, and prints them as a Markdown table.
//!
//! ```text
//! cargo build --release -p jiceng -p jiceng-bench
//! target/release/jiceng-bench foundation            # county demo, cold start, RSS, wrk
//! target/release/jiceng-bench foundation --province # also the province-scale demo load
//! target/release/jiceng-bench compliance            # organizational-life compliance engine (no server)
//! ```
//! Needs `wrk` (Debian package) for the throughput figures. Nothing here asserts a threshold:
//! it measures and prints.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

mod compliance;
mod import;

const PASSWORD: &str = "Bench-Pass-2026";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("import") {
        let bin = flag(&args, "--bin").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/release/jiceng"));
        let rows: usize = flag(&args, "--rows").and_then(|r| r.parse().ok()).unwrap_or(100_000);
        return import::run(&bin, rows);
    }
    if args.first().map(String::as_str) == Some("compliance") {
        let num = |name: &str, default: usize| flag(&args, name).and_then(|v| v.parse().ok()).unwrap_or(default);
        return compliance::run(&compliance::Options {
            orgs: num("--orgs", 80_000),
            meetings_per_org: num("--meetings-per-org", 42),
            dir: flag(&args, "--dir").map(PathBuf::from),
            keep: args.iter().any(|a| a == "--keep"),
            runs: num("--runs", 3).max(1),
            org_runs: num("--org-runs", 200).max(1),
            no_split: args.iter().any(|a| a == "--no-split"),
        });
    }
    if args.first().map(String::as_str) != Some("foundation") {
        bail!(
            "usage: jiceng-bench foundation [--province] [--bin PATH] [--duration SECONDS] [--only TEXT] | jiceng-bench import [--rows N] \
             | jiceng-bench compliance [--orgs 80000] [--meetings-per-org 42] [--dir DIR] [--keep] [--runs N] [--no-split]"
        );
    }
    let province = args.iter().any(|a| a == "--province");
    let bin = flag(&args, "--bin").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/release/jiceng"));
    let duration: u64 = flag(&args, "--duration").and_then(|d| d.parse().ok()).unwrap_or(10);
    // `--only TEXT`: only the pages whose figure names contain TEXT (e.g. `/recruits`).
    let only = flag(&args, "--only");
    if !bin.is_file() {
        bail!("{} not found: build it with cargo build --release -p jiceng", bin.display());
    }
    let mut rows: Vec<(String, String)> = Vec::new();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("machine: {cpus} cores; binary: {}", bin.display());

    let county_dir = temp_dir("county");
    let t = demo(&bin, &county_dir, "county")?;
    rows.push(("`jiceng demo --scale county` (SQLite)".into(), format!("{t:.1} s")));
    if province {
        let dir = temp_dir("province");
        let t = demo(&bin, &dir, "province")?;
        rows.push(("`jiceng demo --scale province` (SQLite)".into(), format!("{t:.1} s")));
        let size = std::fs::metadata(dir.join("jiceng.db")).map(|m| m.len()).unwrap_or(0);
        rows.push(("province database file".into(), format!("{:.0} MB", size as f64 / 1e6)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    // Cold start: from spawning the process to the first 200 OK of /healthz (median of 5).
    let mut starts = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let (mut child, addr) = serve(&bin, &county_dir)?;
        wait_ok(&addr, "/healthz")?;
        starts.push(started.elapsed().as_secs_f64() * 1000.0);
        stop(&mut child);
    }
    starts.sort_by(f64::total_cmp);
    rows.push(("cold start to first 200 OK, county (median of 5)".into(), format!("{:.0} ms", starts[2])));

    let (mut child, addr) = serve(&bin, &county_dir)?;
    wait_ok(&addr, "/healthz")?;
    std::thread::sleep(Duration::from_secs(2));
    rows.push(("idle RSS after start, county".into(), format!("{:.1} MB", rss_mb(child.id())?)));

    let cookie = login(&addr, "county_admin")?;
    let token = api_token(&addr, &cookie)?;
    let town_cookie = login(&addr, "town_admin")?;
    // Warm up both, then measure.
    for (name, path, header) in [
        ("org tree page `/orgs` (county admin, whole county)", "/orgs", format!("Cookie: {cookie}")),
        ("org tree page `/orgs` (township admin)", "/orgs", format!("Cookie: {town_cookie}")),
        ("`GET /api/v1/orgs` (50 per page, bearer token)", "/api/v1/orgs", format!("Authorization: Bearer {token}")),
        (
            "`GET /api/v1/orgs?q=村` search (bearer token)",
            "/api/v1/orgs?q=%E6%9D%91",
            format!("Authorization: Bearer {token}"),
        ),
        ("member list page `/members` (county admin, whole county)", "/members", format!("Cookie: {cookie}")),
        ("member list page `/members` (township admin)", "/members", format!("Cookie: {town_cookie}")),
        ("member search by name `/members?q=王` (county admin)", "/members?q=%E7%8E%8B", format!("Cookie: {cookie}")),
        (
            "member search by pinyin initials `/members?q=wf` (county admin)",
            "/members?q=wf",
            format!("Cookie: {cookie}"),
        ),
        (
            "member development pipeline `/recruits` (county admin, whole county, next steps computed)",
            "/recruits",
            format!("Cookie: {cookie}"),
        ),
        ("member development pipeline `/recruits` (township admin)", "/recruits", format!("Cookie: {town_cookie}")),
    ] {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        wrk(&addr, path, &header, 2)?;
        let (rps, p50, p99) = wrk(&addr, path, &header, duration)?;
        rows.push((format!("{name}: requests/s"), format!("{rps:.0} ({:.0} per core)", rps / cpus as f64)));
        rows.push((format!("{name}: latency p50 / p99"), format!("{p50:.2} ms / {p99:.2} ms")));
    }
    rows.push(("RSS after the load runs, county".into(), format!("{:.1} MB", rss_mb(child.id())?)));
    stop(&mut child);
    let _ = std::fs::remove_dir_all(&county_dir);

    println!("\n| figure | value |\n|---|---|");
    for (k, v) in rows {
        println!("| {k} | {v} |");
    }
    Ok(())
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("jiceng-bench-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn demo(bin: &Path, dir: &Path, scale: &str) -> Result<f64> {
    let started = Instant::now();
    let out = Command::new(bin)
        .args(["demo", "--scale", scale, "--password", PASSWORD, "--data-dir"])
        .arg(dir)
        .output()
        .context("run jiceng demo")?;
    let t = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("jiceng demo failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    println!("{}", String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or(""));
    Ok(t)
}

fn serve(bin: &Path, dir: &Path) -> Result<(Child, String)> {
    let mut child = Command::new(bin)
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("JICENG_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("start jiceng serve")?;
    let stdout = child.stdout.take().context("stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            bail!("jiceng serve exited before listening");
        }
        if let Some(i) = line.find("http://") {
            let addr = line[i + 7..].split('/').next().unwrap_or("").to_string();
            // Keep draining stdout in the background so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in reader.lines() {});
            return Ok((child, addr));
        }
    }
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let _ = child.wait();
}

fn curl(args: &[&str]) -> Result<String> {
    let out = Command::new("curl").args(["-s", "-S"]).args(args).output().context("run curl")?;
    if !out.status.success() {
        bail!("curl failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wait_ok(addr: &str, path: &str) -> Result<()> {
    let url = format!("http://{addr}{path}");
    for _ in 0..2000 {
        if curl(&["-o", "/dev/null", "-w", "%{http_code}", &url]).is_ok_and(|code| code == "200") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    bail!("{url} never answered 200")
}

fn login(addr: &str, user: &str) -> Result<String> {
    let headers = curl(&[
        "-D",
        "-",
        "-o",
        "/dev/null",
        "-d",
        &format!("username={user}&password={PASSWORD}"),
        &format!("http://{addr}/login"),
    ])?;
    headers
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").and_then(|c| c.split(';').next()).map(str::to_string))
        .context("login returned no session cookie")
}

fn api_token(addr: &str, cookie: &str) -> Result<String> {
    let page =
        curl(&["-H", &format!("Cookie: {cookie}"), "-d", "name=bench", &format!("http://{addr}/account/tokens")])?;
    let start = page.find("jc_").context("no token on the page")?;
    Ok(page[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
}

fn rss_mb(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmRSS")?;
    Ok(kb / 1024.0)
}

/// Run wrk; returns requests/s, p50 and p99 in milliseconds.
fn wrk(addr: &str, path: &str, header: &str, seconds: u64) -> Result<(f64, f64, f64)> {
    let out = Command::new("wrk")
        .args(["-t2", "-c32", "--latency", "-d", &format!("{seconds}s"), "-H", header])
        .arg(format!("http://{addr}{path}"))
        .output()
        .context("run wrk (apt install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Non-2xx") {
        bail!("wrk saw non-2xx responses for {path}:\n{text}");
    }
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .context("wrk output")?;
    let pct = |p: &str| -> Option<f64> {
        let line = text.lines().find(|l| l.trim().starts_with(p))?;
        parse_ms(line.split_whitespace().nth(1)?)
    };
    Ok((rps, pct("50%").unwrap_or(f64::NAN), pct("99%").unwrap_or(f64::NAN)))
}

fn parse_ms(v: &str) -> Option<f64> {
    if let Some(x) = v.strip_suffix("us") {
        return x.parse::<f64>().ok().map(|x| x / 1000.0);
    }
    if let Some(x) = v.strip_suffix("ms") {
        return x.parse().ok();
    }
    if let Some(x) = v.strip_suffix('s') {
        return x.parse::<f64>().ok().map(|x| x * 1000.0);
    }
    None
}
