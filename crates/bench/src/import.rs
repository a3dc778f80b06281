//! `jiceng-bench import`: the end-to-end member import figure (parse, validate, match, commit
//! with audit records, on SQLite) against a county, with its peak memory, and in the same run the
//! time Python's openpyxl (read-only mode) takes merely to read the same file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use jiceng_exchange::{Cell, write_xlsx};
use jiceng_types::idcard::check_char;

const SURNAMES: &[char] = &[
    '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '罗', '龙',
    '吴',
];
const GIVEN: &[char] = &[
    '伟', '芳', '娜', '秀', '英', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '涛', '明', '超', '霞',
    '平', '刚', '兰', '华', '红', '梅', '飞', '建', '国', '志', '文',
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Write an `.xlsx` roster of `rows` members spread over the `orgs` codes.
fn roster(path: &Path, rows: usize, orgs: &[String]) -> Result<()> {
    let mut rng = Rng(0x5EED_1234_ABCD);
    let base = NaiveDate::from_ymd_opt(1950, 1, 1).context("date")?;
    let mut out: Vec<Vec<Cell>> = Vec::with_capacity(rows);
    for i in 0..rows {
        let birth = base + chrono::Days::new((i as u64 * 7919) % 18000);
        let male = i % 2 == 0;
        let seq = (i / 18000) as u32 * 2 + u32::from(male);
        let body = format!("520102{}{:03}", birth.format("%Y%m%d"), seq % 1000);
        let id = format!("{body}{}", check_char(body.as_bytes()).map(char::from).unwrap_or('0'));
        let name: String =
            [SURNAMES[rng.below(SURNAMES.len())], GIVEN[rng.below(GIVEN.len())], GIVEN[rng.below(GIVEN.len())]]
                .iter()
                .collect();
        let admitted = birth + chrono::Days::new(365 * 25);
        out.push(vec![
            Cell::text(name),
            Cell::text(if male { "男" } else { "女" }),
            Cell::text("汉族"),
            Cell::Date(birth),
            Cell::text(id),
            Cell::text("高中"),
            Cell::text(format!("139{:08}", i)),
            Cell::text("正式党员"),
            Cell::Date(admitted),
            Cell::Date(admitted + chrono::Days::new(365)),
            Cell::text(orgs[i % orgs.len()].as_str()),
            Cell::text("村民"),
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    let bytes = write_xlsx(&jiceng_exchange::member::sheet_spec(), out).map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(path, bytes)?;
    Ok(())
}

/// Run a command under `/usr/bin/time`; returns (seconds, peak RSS in MB, stdout).
fn timed(cmd: &mut Command) -> Result<(f64, f64, String)> {
    // The files written before (the demo county, the roster, the previous import) reach the
    // disk first, so that their writing back does not fall into the measured run.
    let _ = Command::new("sync").status();
    let mut args = vec!["-f".to_string(), "TIME %e %M".to_string(), cmd.get_program().to_string_lossy().into_owned()];
    args.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    let out = Command::new("/usr/bin/time").args(&args).output().context("run /usr/bin/time (apt install time)")?;
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().rev().find(|l| l.starts_with("TIME ")).context("no timing")?;
    let mut parts = line.split_whitespace().skip(1);
    let secs: f64 = parts.next().and_then(|v| v.parse().ok()).context("seconds")?;
    let kb: f64 = parts.next().and_then(|v| v.parse().ok()).context("rss")?;
    Ok((secs, kb / 1024.0, String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// The benchmark.
pub fn run(bin: &Path, rows: usize) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("jiceng-bench-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let data = |c: &mut Command| {
        c.arg("--data-dir").arg(&dir);
    };
    let mut demo = Command::new(bin);
    demo.args(["demo", "--scale", "county", "--password", crate::PASSWORD]);
    data(&mut demo);
    if !demo.output()?.status.success() {
        bail!("demo failed");
    }
    let orgs_csv = dir.join("orgs.csv");
    let mut export = Command::new(bin);
    export.args(["export", "orgs", "-o"]).arg(&orgs_csv);
    data(&mut export);
    export.output()?;
    let text = std::fs::read_to_string(&orgs_csv)?;
    let branches: Vec<String> = text
        .lines()
        .skip(1)
        .filter(|l| l.contains(",党支部,"))
        .filter_map(|l| l.split(',').nth(1))
        .map(String::from)
        .collect();
    if branches.is_empty() {
        bail!("no branches in the demo county");
    }
    let file: PathBuf = dir.join(format!("roster-{rows}.xlsx"));
    let started = Instant::now();
    roster(&file, rows, &branches)?;
    let size = std::fs::metadata(&file)?.len() as f64 / 1e6;
    println!("generated {rows} rows ({size:.1} MB) in {:.1} s", started.elapsed().as_secs_f64());
    let import = |label: &str| -> Result<(f64, f64)> {
        let mut c = Command::new(bin);
        c.args(["import", "members"]).arg(&file).args(["--format", "json"]);
        data(&mut c);
        let (secs, rss, out) = timed(&mut c)?;
        let v: serde_json::Value = serde_json::from_str(out.trim()).with_context(|| format!("import output: {out}"))?;
        println!(
            "{label}: {secs:.2} s, peak RSS {rss:.0} MB — imported {}, updated {}, unchanged {}, rejected {}",
            v["imported"],
            v["updated"],
            v["unchanged"],
            v["rejected"].as_array().map_or(0, Vec::len)
        );
        Ok((secs, rss))
    };
    if std::env::var_os("JICENG_BENCH_KEEP").is_some() {
        // For profiling: keep the freshly loaded county and the file, and stop here.
        println!("kept {} (data dir and {})", dir.display(), file.display());
        return Ok(());
    }
    let (first, rss) = import("first import (all new)")?;
    let (again, _) = import("same file again (all unchanged)")?;
    let script = format!(
        "import openpyxl\nwb = openpyxl.load_workbook({:?}, read_only=True)\nn = 0\nfor row in wb.active.iter_rows(values_only=True):\n    n += 1\nprint(n)",
        file.display().to_string()
    );
    let py = timed(Command::new("python3").args(["-c", &script]));
    println!("\n| figure | value |\n|---|---|");
    println!(
        "| {rows}-row member import, end to end (parse, validate, match, commit with audit), SQLite | {first:.2} s |"
    );
    println!("| peak RSS of that import | {rss:.0} MB |");
    println!("| re-importing the same file (everything unchanged) | {again:.2} s |");
    match py {
        Ok((secs, _, _)) => {
            println!("| openpyxl 3 (read-only) merely reading the same file | {secs:.2} s |");
            println!("| ratio openpyxl read / jiceng full import | {:.1}× |", secs / first);
        }
        Err(e) => println!("| openpyxl | not measured: {e} (pip install openpyxl) |"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
