#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `jiceng check recruit FILE`, run as a real process on .xlsx and .csv rosters: the JSON report's
//! exact shape, row numbers as Excel shows them, exit codes 0 (nothing found), 2 (violations or bad
//! cells) and 1 (the file cannot be read), `--as-of` and `--rules`; and `jiceng check --from …
//! --to …` unchanged beside the new subcommand.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use chrono::NaiveDate;
use common::{Dir, keys, report, text};
use jiceng_exchange::{Cell, ColumnKind, ColumnSpec, SheetSpec, write_xlsx};

fn jiceng(args: &[&str], data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jiceng"))
        .args(args)
        .env("JICENG_DATA_DIR", data)
        .env_remove("JICENG_DATABASE_URL")
        .env("JICENG_LOG", "warn")
        .output()
        .expect("run jiceng")
}

fn date(s: &str) -> Cell {
    Cell::Date(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
}

const HEADERS: [&str; 10] = [
    "姓名",
    "所在党支部",
    "出生日期",
    "申请入党日期",
    "谈话日期",
    "确定入党积极分子日期",
    "考察日期",
    "确定发展对象日期",
    "支部大会讨论日期",
    "上级党委审批日期",
];

/// A roster workbook with real date cells (the 考察日期 column as text, several dates per cell).
fn workbook(rows: &[[Cell; 10]]) -> Vec<u8> {
    let columns = HEADERS
        .iter()
        .map(|h| {
            let kind = if ["姓名", "所在党支部", "考察日期"].contains(h) {
                ColumnKind::Text
            } else {
                ColumnKind::Date
            };
            ColumnSpec::new(*h, kind)
        })
        .collect();
    write_xlsx(&SheetSpec { name: "花名册".into(), columns }, rows.iter().map(|r| r.to_vec())).unwrap()
}

/// A correct row: every interval kept, approved in time.
fn good(name: &str) -> [Cell; 10] {
    [
        Cell::text(name),
        Cell::text("东街村党支部"),
        date("1995-05-10"),
        date("2022-03-01"),
        date("2022-03-15"),
        date("2022-04-10"),
        Cell::text("2022-10-01、2023-04-01"),
        date("2023-04-10"),
        date("2023-06-20"),
        date("2023-07-20"),
    ]
}

#[test]
fn check_recruit_has_help_and_needs_no_database() {
    let o = Command::new(env!("CARGO_BIN_EXE_jiceng")).args(["check", "recruit", "--help"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(help.contains("--as-of") && help.contains("--format") && help.contains("--rules"), "{help}");
    // A clean roster: exit 0, nothing in `rows`, and no database created.
    let d = Dir::new("recruit-clean");
    let data = d.0.join("data");
    let file = d.file("clean.xlsx", workbook(&[good("张三"), good("李四")]));
    let o = jiceng(&["check", "recruit", &file, "--as-of", "2025-01-01", "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = report(&o);
    assert_eq!(keys(&r), ["checked", "rejected", "rows", "warnings"]);
    assert_eq!(r["checked"], 2);
    assert_eq!(r["rows"], serde_json::json!([]));
    assert_eq!(r["rejected"], serde_json::json!([]));
    assert_eq!(r["warnings"], serde_json::json!([]));
    assert!(!data.exists(), "no database for a roster check");
    let o = jiceng(&["check", "recruit", &file, "--as-of", "2025-01-01"], &data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "共检查 2 人（截至2025-01-01），未发现问题。");
}

#[test]
fn interval_violations_and_a_bad_cell_are_listed_by_excel_row() {
    let d = Dir::new("recruit-violations");
    let mut late_talk = good("王五");
    late_talk[4] = date("2022-04-02");
    let mut early_candidate = good("赵六");
    early_candidate[7] = date("2023-03-31");
    early_candidate[6] = Cell::text("2022-10-01、2023-03-01");
    // The 支部大会 but no approval, half a year and more before --as-of.
    let mut pending = good("孙七");
    pending[9] = Cell::Empty;
    // A bad talk date: reported, and the row still checked (its candidate is too early).
    let mut bad = good("周八");
    bad[4] = Cell::text("2022-02-30");
    bad[7] = date("2023-03-31");
    bad[6] = Cell::text("2022-10-01");
    let file = d.file("roster.xlsx", workbook(&[good("张三"), late_talk, early_candidate, pending, bad]));
    let o = jiceng(&["check", "recruit", &file, "--as-of", "2025-01-01", "--format", "json"], &d.0);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let r = report(&o);
    assert_eq!(keys(&r), ["checked", "rejected", "rows", "warnings"]);
    assert_eq!(r["checked"], 5);
    let rows = r["rows"].as_array().unwrap();
    let numbers: Vec<u64> = rows.iter().map(|x| x["row"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [3, 4, 5, 6], "the header is row 1, 张三 (row 2) has nothing: {r}");
    for row in rows {
        assert_eq!(keys(row), ["name", "org", "row", "violations"]);
        assert_eq!(row["org"], "东街村党支部");
        for v in row["violations"].as_array().unwrap() {
            assert_eq!(keys(v), ["date", "message", "rule_id", "severity", "step", "step_label"]);
        }
    }
    let first = &rows[0];
    assert_eq!(first["name"], "王五");
    assert_eq!(
        first["violations"],
        serde_json::json!([{
            "rule_id": "dev.talk_within",
            "step": "application_talk",
            "step_label": "党组织派人谈话",
            "date": "2022-04-02",
            "severity": "error",
            "message": "未在规定时间内派人谈话：2022-03-01收到入党申请书，应在1个月内（2022-04-01前）派人谈话，谈话日期为2022-04-02"
        }])
    );
    let rule = |i: usize| rows[i]["violations"][0]["rule_id"].as_str().unwrap().to_string();
    assert_eq!(rule(1), "dev.activist_to_candidate_min");
    assert_eq!((rows[2]["name"].as_str(), rule(2)), (Some("孙七"), "dev.approval_within".to_string()));
    assert_eq!(rows[2]["violations"][0]["date"], "2023-12-20");
    assert_eq!(rows[2]["violations"][0]["step_label"], "上级党委审批（接收预备党员）");
    assert_eq!((rows[3]["name"].as_str(), rule(3)), (Some("周八"), "dev.activist_to_candidate_min".to_string()));
    assert_eq!(rows[3]["violations"].as_array().unwrap().len(), 1, "the bad talk date is not taken as missing");
    assert_eq!(
        r["rejected"],
        serde_json::json!([{"row": 6, "column": "谈话日期", "reason": "“2022-02-30”不是有效日期，应形如 2024-03-12"}])
    );

    // The same roster as a table: one line per violation, the bad cell, the summary.
    let o = jiceng(&["check", "recruit", &file, "--as-of", "2025-01-01"], &d.0);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    assert!(
        lines[0].starts_with("第3行\t王五（东街村党支部）\t问题\t党组织派人谈话\t2022-04-02\t未在规定时间内派人谈话："),
        "{out}"
    );
    assert!(lines[4].starts_with("第6行\t“谈话日期”一格有误："), "{out}");
    assert_eq!(
        lines[5],
        "共检查 5 人（截至2025-01-01），其中 4 人有问题，共 4 条（问题 4 条、警示 0 条、提示 0 条）；1 个单元格有误，请更正后重新检查。"
    );

    // Before the approval's deadline the pending row has nothing to report.
    let o = jiceng(&["check", "recruit", &file, "--as-of", "2023-12-20", "--format", "json"], &d.0);
    let names: Vec<String> =
        report(&o)["rows"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["王五", "赵六", "周八"]);
}

#[test]
fn a_csv_roster_with_a_title_row_and_a_rules_file() {
    let d = Dir::new("recruit-csv");
    let csv = "城关镇发展党员花名册（2024年）\n\n序号,姓名,申请入党日期,谈话日期,确定入党积极分子日期,备注\n1,张三,2022-03-01,2022-04-15,,\n2,李四,2022-03-01,2022-03-05,2022-04-01,已转出\n";
    let file = d.file("roster.csv", csv.as_bytes());
    let o = jiceng(&["check", "recruit", &file, "--format", "json"], &d.0);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let r = report(&o);
    assert_eq!(r["rows"][0]["row"], 4, "the row Excel shows, after the title and the blank line");
    assert_eq!(r["rows"][0]["org"], "");
    assert_eq!(r["rows"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["warnings"], serde_json::json!([{"column": "备注", "reason": "未识别的列，已忽略"}]));

    // A county that allows two months for the talk.
    let rules = d.file("rules.json", br#"{"dev.talk_within": 2}"#);
    let o = jiceng(&["check", "recruit", &file, "--rules", &rules, "--format", "json"], &d.0);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(report(&o)["rows"], serde_json::json!([]));
    // Refused parameters: exit 1 with the reason in Chinese.
    for (content, expected) in [
        (r#"{"dev.talk_within": 9}"#, "收到入党申请书后派人谈话的期限应在1至3个月之间，填写的是9"),
        (r#"{"dev.nothing": 1}"#, "未知的参数“dev.nothing”"),
        ("[1, 2]", "不是有效的 JSON 对象"),
    ] {
        let bad = d.file("bad.json", content.as_bytes());
        let o = jiceng(&["check", "recruit", &file, "--rules", &bad], &d.0);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(String::from_utf8_lossy(&o.stderr).contains(expected), "{}", text(&o));
    }
}

#[test]
fn unreadable_files_exit_with_1() {
    let d = Dir::new("recruit-unreadable");
    let missing = d.0.join("none.xlsx").to_string_lossy().into_owned();
    let damaged = d.file("damaged.xlsx", b"PK\x03\x04 not really a workbook");
    let headerless = d.file("headerless.csv", "甲,乙,丙\n1,2,3\n".as_bytes());
    for (file, expected) in [
        (missing.as_str(), "文件不存在"),
        (damaged.as_str(), "文件已损坏或不是有效的 Excel 文件"),
        (headerless.as_str(), "未找到表头"),
    ] {
        let o = jiceng(&["check", "recruit", file, "--format", "json"], &d.0);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(o.stdout.is_empty(), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(expected), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one readable line: {err}");
    }
    let o = jiceng(&["check", "recruit", &headerless, "--as-of", "2025-02-30"], &d.0);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--as-of 日期有误"), "{}", text(&o));
}

#[test]
fn check_of_organizational_life_is_unchanged() {
    let d = Dir::new("recruit-check-period");
    let o = jiceng(
        &["check", "--from", "2025-01-01", "--to", "2025-12-31", "--as-of", "2026-01-10", "--format", "json"],
        &d.0,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(report(&o), serde_json::json!({"findings": []}));
    let o = jiceng(&["check", "--from", "2025-01-01", "--to", "2025-12-31"], &d.0);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2025-01-01 至 2025-12-31 未发现问题。"), "{}", text(&o));
    // The period is still required without the subcommand, and not allowed with it.
    let o = jiceng(&["check", "--to", "2025-12-31"], &d.0);
    assert!(!o.status.success() && text(&o).contains("--from"), "{}", text(&o));
    let o = jiceng(&["check", "--from", "2025-01-01", "--to", "2025-12-31", "recruit", "x.xlsx"], &d.0);
    assert!(!o.status.success() && text(&o).contains("recruit"), "{}", text(&o));
}
