#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `jiceng import members FILE`, run as a real process: the JSON report's shape, exit codes 0,
//! 2 (some rows rejected, the good ones imported) and 1 (the file cannot be read, nothing
//! imported), and the roster read while it is imported (a file of several parts) giving exactly
//! what the whole-file check (`--dry-run`) gives.

mod common;

use chrono::{Days, NaiveDate};
use common::{Dir, jiceng, keys, report, text};
use jiceng_exchange::{Cell, write_xlsx};

fn id_card(birth: NaiveDate, seq: u32) -> String {
    let body = format!("520102{}{:03}", birth.format("%Y%m%d"), seq % 1000);
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap();
    format!("{body}{}", char::from(check))
}

/// A roster of `n` members (the header in row 1), with three bad rows among them.
fn roster(n: usize) -> Vec<u8> {
    let base = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for i in 0..n {
        // Member 7000 is member 0 again (same birth date, gender and so ID number).
        let birth = if i == 7000 { base } else { base + Days::new((i as u64 * 7919) % 18000) };
        let male = i % 2 == 0;
        let seq = (i / 18000) as u32 * 2 + u32::from(male);
        let admitted = birth + Days::new(365 * 25);
        let mut id = id_card(birth, seq);
        let mut org = if i % 3 == 0 { "测试村党支部" } else { "T102" }.to_string();
        match i {
            // An ID number with a wrong check digit (member i is in Excel row i + 2).
            2 => {
                let last = id.pop();
                id.push(if last == Some('0') { '1' } else { '0' });
            }
            // An organization that does not exist.
            11_999 => org = "不存在的党支部".into(),
            _ => {}
        }
        rows.push(vec![
            Cell::text(format!("党员{}", char::from_u32(0x4e00 + (i % 2000) as u32).unwrap())),
            Cell::text(if male { "男" } else { "女" }),
            Cell::text("汉族"),
            Cell::Date(birth),
            Cell::text(id),
            Cell::text("高中"),
            Cell::text(format!("139{i:08}")),
            Cell::text("正式党员"),
            Cell::Date(admitted),
            Cell::Date(admitted + Days::new(365)),
            Cell::text(org),
            Cell::text("村民"),
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    write_xlsx(&jiceng_exchange::member::sheet_spec(), rows).unwrap()
}

#[test]
fn a_roster_of_several_parts_is_imported_as_the_whole_file_check_says() {
    let d = Dir::new("import-members");
    let data = d.0.join("data");
    let orgs = d.file(
        "orgs.csv",
        "组织名称,组织代码,上级党组织,组织类别,成立日期\n测试县委,T100,,县委,2000-01-01\n测试村党支部,T101,T100,党支部,2010-01-01\n测试社区党支部,T102,T100,党支部,2010-01-01\n"
                );
    let o = jiceng(&["import", "orgs", &orgs, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // 12,000 rows: the import reads, matches and writes them in three parts.
    let n = 12_000;
    let file = d.file("roster.xlsx", roster(n));
    let dry = jiceng(&["import", "members", &file, "--dry-run", "--format", "json"], &data);
    assert_eq!(dry.status.code(), Some(2), "{}", text(&dry));
    let o = jiceng(&["import", "members", &file, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let done = report(&o);
    assert_eq!(done, report(&dry), "the streamed import does what the whole-file check planned");
    assert_eq!(keys(&done), ["imported", "rejected", "unchanged", "updated", "warnings"]);
    assert_eq!(done["imported"], n - 3);
    assert_eq!((done["updated"].as_u64(), done["unchanged"].as_u64()), (Some(0), Some(0)));
    let rejected: Vec<(u64, &str)> = done["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(rejected, [(4, "公民身份号码"), (7002, "公民身份号码"), (12_001, "所在党支部")], "{done}");
    assert!(done["rejected"][1]["reason"].as_str().unwrap().contains("与第2行的身份证号重复"), "{done}");

    // The audit trail holds one record per member and the import's own, and is intact.
    let o = jiceng(&["audit", "verify"], &data);
    assert!(o.status.success(), "{}", text(&o));
    let export = d.0.join("members.csv");
    let o = jiceng(&["export", "members", "-o", &export.to_string_lossy()], &data);
    assert!(o.status.success(), "{}", text(&o));
    let lines = std::fs::read_to_string(&export).unwrap().lines().count();
    assert_eq!(lines, 1 + n - 3, "every imported member is registered once");

    // The same file again: nothing new, nothing changed; the bad rows are reported again.
    let o = jiceng(&["import", "members", &file, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let again = report(&o);
    assert_eq!((again["imported"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(n as u64 - 3)), "{again}");
}

#[test]
fn an_unreadable_roster_imports_nothing() {
    let d = Dir::new("import-members-bad");
    let data = d.0.join("data");
    let orgs = d.file("orgs.csv", "组织名称,组织代码,上级党组织,组织类别,成立日期\n测试县委,T100,,县委,2000-01-01\n");
    assert_eq!(jiceng(&["import", "orgs", &orgs], &data).status.code(), Some(0));
    // Not a workbook at all.
    let bad = d.file("roster.xlsx", b"PK\x03\x04 not really a zip");
    let o = jiceng(&["import", "members", &bad, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("错误"), "{}", text(&o));
    // A sheet without a header row.
    let csv = d.file("roster.csv", "甲,乙,丙\n1,2,3\n");
    let o = jiceng(&["import", "members", &csv, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("未找到表头"), "{}", text(&o));
    let export = d.0.join("members.csv");
    let o = jiceng(&["export", "members", "-o", &export.to_string_lossy()], &data);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&export).unwrap().lines().count(), 1, "nothing was imported");
}
