//! Import benchmark: generate a realistic member roster as .xlsx, then time reading it, mapping
//! its columns and validating every row, in a fresh process so that peak memory is the import's
//! alone.
//!
//! ```text
//! cargo run --release -p jiceng-exchange --example import_bench                 # 100,000 rows
//! cargo run --release -p jiceng-exchange --example import_bench -- --rows 1000000
//! cargo run --release -p jiceng-exchange --example import_bench -- --file roster.xlsx
//! ```
//! The generated file is kept in the temporary directory and reused by later runs.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use jiceng_exchange::member::{self, Sensitive};
use jiceng_exchange::{ImportOptions, Limits, MemberRow, parse_members_owned, read_table, write_xlsx};
use jiceng_types::idcard::{IdCardNo, check_char};
use jiceng_types::person::{Education, MemberCategory, PersonName};
use jiceng_types::phone::Phone;

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉华红梅飞建国志文斌海波辉鹏宇浩琳晶婷雪春燕丹颖帆鑫凤萍兴福龙成林德忠贵荣";
const REGIONS: [&str; 16] = [
    "520102", "520103", "520111", "520112", "520113", "520121", "520181", "520201", "520221", "520302", "522601",
    "522622", "522623", "522631", "522701", "522702",
];
const TOWNS: [&str; 12] = [
    "城关镇",
    "新华镇",
    "龙场镇",
    "平坝乡",
    "石门乡",
    "高桥镇",
    "红岩镇",
    "清水镇",
    "河西街道",
    "东山街道",
    "茶园乡",
    "马场镇",
];
const ETHNIC: [&str; 8] = ["汉族", "汉族", "汉族", "汉族", "苗族", "布依族", "侗族", "土家族"];
const POSTS: [&str; 8] = ["村民", "村党支部书记", "村委会委员", "教师", "务农", "个体经营", "退休", "外出务工"];

/// A small deterministic generator (xorshift64*), so every run builds the same file.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn member(rng: &mut Rng, i: usize, seen: &mut HashSet<String>) -> Result<MemberRow, String> {
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let mut name = String::from(rng.pick(&surnames));
    for _ in 0..1 + rng.below(2) {
        name.push(rng.pick(&given));
    }
    let id = loop {
        let birth =
            NaiveDate::from_ymd_opt(1935 + rng.below(68) as i32, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
                .ok_or("date")?;
        let body = format!("{}{}{:03}", rng.pick(&REGIONS), birth.format("%Y%m%d"), rng.below(1000));
        let check = check_char(body.as_bytes()).ok_or("check")?;
        let id = format!("{body}{}", check as char);
        if seen.insert(id.clone()) {
            break IdCardNo::parse(&id).map_err(|e| e.message)?;
        }
    };
    let birth = id.birth_date();
    let latest = NaiveDate::from_ymd_opt(2025, 6, 30).ok_or("date")?;
    let earliest = birth.with_year(birth.year() + 18).unwrap_or(birth) + chrono::Duration::days(30);
    let span = (latest - earliest).num_days().max(1) as usize;
    let probationary = rng.below(20) == 0;
    let admitted_on = if probationary {
        latest - chrono::Duration::days(rng.below(300) as i64)
    } else {
        earliest + chrono::Duration::days(rng.below(span) as i64)
    };
    let category = if probationary || admitted_on > latest - chrono::Duration::days(366) {
        MemberCategory::Probationary
    } else {
        MemberCategory::Full
    };
    let town = rng.pick(&TOWNS);
    let village = 1 + rng.below(25);
    let phone = if rng.below(5) > 0 {
        Some(Phone::parse(&format!("1{}{:09}", 3 + rng.below(7), rng.next() % 1_000_000_000)).map_err(|e| e.message)?)
    } else {
        None
    };
    Ok(MemberRow {
        excel_row: u32::try_from(i + 2).unwrap_or(u32::MAX),
        name: PersonName::parse(&name).map_err(|e| e.message)?,
        gender: id.gender(),
        ethnicity: Some(rng.pick(&ETHNIC)),
        birth_date: birth,
        education: Some(rng.pick(Education::ALL)),
        phone,
        category,
        regularized_on: (category == MemberCategory::Full).then(|| admitted_on + chrono::Duration::days(365)),
        admitted_on,
        org: format!("{town}第{village}村党支部"),
        org_code: None,
        post: Some(rng.pick(&POSTS).to_string()),
        residence: Some(format!("{town}第{village}村{}组", 1 + rng.below(9))),
        id_card: id,
    })
}

fn generate(rows: usize, path: &Path) -> Result<(), String> {
    let t = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut seen = HashSet::with_capacity(rows);
    let mut failed = None;
    let cells = (0..rows).map_while(|i| match member(&mut rng, i, &mut seen) {
        Ok(m) => Some(member::to_cells(&m, Sensitive::Full)),
        Err(e) => {
            failed = Some(e);
            None
        }
    });
    let bytes = write_xlsx(&member::sheet_spec(), cells).map_err(|e| e.to_string())?;
    if let Some(e) = failed {
        return Err(e);
    }
    std::fs::write(path, &bytes).map_err(|e| e.to_string())?;
    println!(
        "generated {rows} rows → {} ({:.1} MB) in {:.1} s",
        path.display(),
        bytes.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn import(path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let before = peak_rss_mb();
    let limits = Limits { max_file_bytes: u64::MAX, ..Limits::default() };
    let t0 = Instant::now();
    let table = read_table(&bytes, &path.to_string_lossy(), &limits).map_err(|e| e.to_string())?;
    let t1 = Instant::now();
    let read_rows = table.rows.len();
    let parsed = parse_members_owned(table, &ImportOptions::default()).map_err(|e| e.to_string())?;
    let t2 = Instant::now();
    let total = (t2 - t0).as_secs_f64();
    let rows = parsed.rows.len() + parsed.rejected_rows();
    println!("file            {:.1} MB, {read_rows} rows read", bytes.len() as f64 / 1e6);
    println!("read_table      {:.2} s", (t1 - t0).as_secs_f64());
    println!(
        "map + validate  {:.2} s ({} valid, {} rejected, {} warnings)",
        (t2 - t1).as_secs_f64(),
        parsed.rows.len(),
        parsed.rejected_rows(),
        parsed.warnings.len()
    );
    println!("total           {total:.2} s, {:.0} rows/s", rows as f64 / total);
    println!(
        "peak RSS        {:.0} MB (VmHWM; {:.0} MB before reading, the file itself included)",
        peak_rss_mb(),
        before
    );
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    if let Some(path) = value("--import") {
        return import(Path::new(&path));
    }
    let path = match value("--file") {
        Some(f) => PathBuf::from(f),
        None => {
            let rows: usize = value("--rows")
                .map_or(Ok(100_000), |r| r.replace('_', "").parse())
                .map_err(|e| format!("--rows: {e}"))?;
            let path = std::env::temp_dir().join(format!("jiceng_import_bench_{rows}.xlsx"));
            if !path.exists() {
                generate(rows, &path)?;
            }
            path
        }
    };
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let status = std::process::Command::new(exe).arg("--import").arg(&path).status().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("import failed: {status}"));
    }
    println!();
    println!("compare with Python openpyxl (read-only mode, values only):");
    println!(
        "  python3 -c \"import openpyxl,time,resource; t=time.time(); wb=openpyxl.load_workbook('{}', read_only=True); n=sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True)); print(n, 'rows', round(time.time()-t, 2), 's', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss//1024, 'MB')\"",
        path.display()
    );
    Ok(())
}
