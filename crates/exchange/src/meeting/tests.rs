#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The meeting-record and study-register parsers: every cell rule, file-level behaviour (merged
//! title rows, GBK CSV, templates read back) and property tests for the small parsers.

use chrono::NaiveDate;
use jiceng_types::{MeetingKind, StudyLevel};
use proptest::prelude::*;

use super::*;
use crate::read::Row;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

fn options() -> ImportOptions {
    ImportOptions { today: today() }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn meetings(csv: &str) -> ParsedImport<MeetingRow> {
    import_meetings(csv.as_bytes(), "会议.csv", &Limits::default(), &options()).unwrap()
}

fn studies(csv: &str) -> ParsedImport<StudyItemRow> {
    import_study_items(csv.as_bytes(), "学习.csv", &Limits::default(), &options()).unwrap()
}

const HEADER: &str = "组织名称,组织代码,会议类型,日期,主题,应到人数,实到人数,缺席人员,第一议题";

#[test]
fn a_good_meeting_row_becomes_a_typed_record() {
    let p = meetings(&format!(
        "{HEADER}\n城关镇东街村党支部,,主题党日、党员大会,2025年3月5日,学习两会精神,25,23人,\"张三、李四\",\"《习近平谈治国理政》第四卷；\n二十届三中全会精神\"\n"
    ));
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    let m = &p.rows[0];
    assert_eq!(m.excel_row, 2);
    assert_eq!(m.org, "城关镇东街村党支部");
    assert_eq!(m.org_code, None);
    assert_eq!(m.kinds, vec![MeetingKind::GeneralMeeting, MeetingKind::ThemeDay]);
    assert_eq!(m.held_on, d(2025, 3, 5));
    assert_eq!((m.expected, m.present), (25, 23));
    assert_eq!(m.absentees, vec!["张三", "李四"]);
    assert_eq!(m.studies, vec!["习近平谈治国理政第四卷", "二十届三中全会精神"]);
    assert_eq!(m.org_text(), "城关镇东街村党支部");
}

#[test]
fn each_bad_meeting_cell_is_reported_with_row_column_and_reason() {
    let p = meetings(&format!(
        "{HEADER}\n\
         东街村党支部,,茶话会,2025-03-05,学习,10,8,,\n\
         东街村党支部,,党课,2030-01-01,学习,10,8,,\n\
         东街村党支部,,党课,2025-03-05,,十,8,,\n\
         东街村党支部,,党课,2025-03-05,学习,10,12,,\n\
         东街村党支部,,党课,1999-12-31,学习,-1,2.5,,\n\
         东街村党支部,,党小组会,2025-03-05,学习,10,8,,\n"
    ));
    assert!(p.rows.is_empty(), "{:?}", p.rows);
    let got: Vec<(u32, &str)> = p.rejected.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (2, "会议类型"),
            (3, "日期"),
            (4, "主题"),
            (4, "应到人数"),
            (5, "实到人数"),
            (6, "日期"),
            (6, "应到人数"),
            (6, "实到人数"),
            (7, "党小组"),
        ]
    );
    assert!(p.rejected[0].reason.contains("无法识别的会议类型“茶话会”"), "{}", p.rejected[0].reason);
    assert!(p.rejected[1].reason.contains("不能晚于今天"));
    assert_eq!(p.rejected[2].reason, "必填，不能为空");
    assert!(p.rejected[4].reason.contains("不能多于应到人数"));
    assert!(p.rejected[5].reason.contains("2000年"));
    let json = serde_json::to_value(&p.rejected[0]).unwrap();
    assert_eq!(json, serde_json::json!({"row": 2, "column": "会议类型", "reason": p.rejected[0].reason}));
}

#[test]
fn duplicates_in_the_file_and_the_example_row() {
    let p = meetings(&format!(
        "{HEADER}\n\
         城关镇示例村党支部,,主题党日,2025-03-05,学习,25,23,,\n\
         东街村党支部,,党课,2025-03-05,学习,10,8,,\n\
         ,A1101,党课,2025-03-05,学习,10,8,,\n\
         ,A1101,党课,2025-03-05,学习,10,9,,\n"
    ));
    assert_eq!(p.rows.len(), 2);
    assert_eq!(p.rows[1].org_text(), "A1101");
    assert_eq!(p.rejected.len(), 1);
    assert_eq!((p.rejected[0].row, p.rejected[0].column.as_str()), (5, "主题"));
    assert!(p.rejected[0].reason.contains("与第4行是同一次会议"));
    assert!(p.warnings.iter().any(|w| w.row == Some(2) && w.reason.contains("示例行")));
}

#[test]
fn unknown_columns_warn_and_synonyms_are_accepted() {
    let p = meetings(
        "序号,党组织名称,会议时间,类型,会议主题,应到,实到,备注\n1,东街村党支部,2025.3.5,支委会/党课,研究工作,5,5,无\n",
    );
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    assert_eq!(p.rows[0].kinds, vec![MeetingKind::CommitteeMeeting, MeetingKind::Lecture]);
    assert_eq!(p.warnings.len(), 1);
    assert_eq!(p.warnings[0].column, "备注");
    assert!(p.warnings[0].reason.contains("未识别的列"));
}

#[test]
fn missing_required_columns_are_named() {
    let e = import_meetings(
        "组织名称,会议类型,日期,主题\n东街村党支部,党课,2025-03-05,学习\n".as_bytes(),
        "x.csv",
        &Limits::default(),
        &options(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "missing_columns");
    assert!(e.to_string().contains("应到人数") && e.to_string().contains("实到人数"), "{e}");
}

#[test]
fn gbk_csv_is_read() {
    let text = format!("{HEADER}\n城关镇东街村党支部,,党员大会,2025-03-05,学习两会精神,25,23,张三,\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let p = import_meetings(&gbk, "会议.csv", &Limits::default(), &options()).unwrap();
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    assert_eq!(p.rows[0].topic, "学习两会精神");
    assert_eq!(p.rows[0].absentees, vec!["张三"]);
}

#[test]
fn xlsx_with_a_merged_title_row_and_real_cells() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let fmt = rust_xlsxwriter::Format::new();
    ws.merge_range(0, 0, 0, 6, "城关镇2025年组织生活记录", &fmt).unwrap();
    for (c, h) in ["组织代码", "会议类型", "日期", "主题", "应到人数", "实到人数", "第一议题"].iter().enumerate()
    {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    let date_fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(2, 0, "A1101").unwrap();
    ws.write_string(2, 1, "支部委员会").unwrap();
    ws.write_date_with_format(2, 2, d(2025, 4, 8), &date_fmt).unwrap();
    ws.write_string(2, 3, "研究发展党员工作").unwrap();
    ws.write_number(2, 4, 5.0).unwrap();
    ws.write_number(2, 5, 4.0).unwrap();
    ws.write_string(2, 6, "《论党的自我革命》").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let p = import_meetings(&bytes, "会议.xlsx", &Limits::default(), &options()).unwrap();
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    let m = &p.rows[0];
    assert_eq!(m.excel_row, 3);
    assert_eq!(m.org_code.as_deref(), Some("A1101"));
    assert_eq!(m.held_on, d(2025, 4, 8));
    assert_eq!((m.expected, m.present), (5, 4));
    assert_eq!(m.studies, vec!["论党的自我革命"]);
}

#[test]
fn templates_read_back_with_their_example_row_skipped() {
    for (bytes, is_meeting) in [(meeting_template().unwrap(), true), (study_item_template().unwrap(), false)] {
        let table = crate::read_table(&bytes, "模板.xlsx", &Limits::default()).unwrap();
        if is_meeting {
            let p = parse_meetings(&table, &options()).unwrap();
            assert!(p.rows.is_empty() && p.rejected.is_empty(), "{p:?}");
            assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        } else {
            let p = parse_study_items(&table, &options()).unwrap();
            assert!(p.rows.is_empty() && p.rejected.is_empty(), "{p:?}");
            assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        }
        // The explanation sheet is there.
        let sheet = crate::read::read_sheet(&bytes, "模板.xlsx", Some(crate::EXPLANATION_SHEET), &Limits::default());
        assert!(sheet.is_ok());
    }
}

#[test]
fn a_template_example_row_edited_into_a_real_row_parses() {
    // The example row of the meeting template, with the organization changed, is a valid row.
    let table = crate::read_table(&meeting_template().unwrap(), "模板.xlsx", &Limits::default()).unwrap();
    let mut table = table;
    table.rows[1].cells[ORG] = Cell::text("城关镇东街村党支部");
    let p = parse_meetings(&table, &options()).unwrap();
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    assert_eq!(p.rows[0].kinds, vec![MeetingKind::GeneralMeeting, MeetingKind::ThemeDay]);
}

#[test]
fn study_rows() {
    let p = studies(
        "标题,发布日期,学习时限(天),适用层级,来源,备注\n\
         《论党的自我革命》,2024-07-21,,全部,县委办,\n\
         二十届三中全会精神,20240801,10天,\"党委、党支部\",,\n\
         ,2024-08-01,7,党支部,,\n\
         坏日期,2030-01-01,0,村委会,,\n\
         论党的自我革命,2024-07-21,7,党支部,,\n\
         （示例）学习贯彻党的二十届三中全会精神,2024-07-21,7,党支部,,\n",
    );
    assert_eq!(p.rows.len(), 2, "{:?}", p.rejected);
    assert_eq!(p.rows[0].title, "《论党的自我革命》");
    assert_eq!(p.rows[0].within_days, None);
    assert_eq!(p.rows[0].levels, StudyLevel::ALL.to_vec());
    assert_eq!(p.rows[0].source.as_deref(), Some("县委办"));
    assert_eq!(p.rows[1].within_days, Some(10));
    assert_eq!(p.rows[1].levels, vec![StudyLevel::Committee, StudyLevel::Branch]);
    assert_eq!(p.rows[1].published_on, d(2024, 8, 1));
    let got: Vec<(u32, &str)> = p.rejected.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(got, vec![(4, "标题"), (5, "发布日期"), (5, "学习时限(天)"), (5, "适用层级"), (6, "标题")]);
    assert!(p.rejected[3].reason.contains("村委会"));
    assert!(p.rejected[4].reason.contains("与第2行重复"));
    assert!(p.warnings.iter().any(|w| w.row == Some(7)));
}

#[test]
fn header_search_skips_notes_above() {
    let table = crate::read::Table {
        sheet_name: "x".into(),
        rows: vec![
            Row { excel_row: 1, cells: vec![Cell::text("2025年第一议题学习登记")] },
            Row { excel_row: 3, cells: vec![Cell::text("填表说明：每行一项")] },
            Row {
                excel_row: 4, cells: vec![Cell::text("适用层级"), Cell::text("标题"), Cell::text("发布时间")]
            },
            Row {
                excel_row: 5, cells: vec![Cell::text("党支部"), Cell::text("学习内容"), Cell::Number(45_000.0)]
            },
        ],
        dropped_cells: 0,
    };
    let p = parse_study_items(&table, &options()).unwrap();
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    assert_eq!(p.rows[0].excel_row, 5);
    assert_eq!(p.rows[0].published_on, d(2023, 3, 15));
}

#[test]
fn small_parsers() {
    assert_eq!(parse_count(&Cell::Number(0.0)), Ok(0));
    assert_eq!(parse_count(&Cell::text("２３")), Ok(23));
    assert_eq!(parse_count(&Cell::text(" 23 人")), Ok(23));
    assert!(parse_count(&Cell::Number(2.5)).is_err());
    assert!(parse_count(&Cell::Number(-1.0)).is_err());
    assert!(parse_count(&Cell::Number(1e6)).unwrap_err().contains("不合理"));
    assert!(parse_count(&Cell::text("二十")).is_err());
    assert!(parse_count(&Cell::Bool(true)).is_err());
    assert_eq!(parse_kinds("党委（党组）会议"), Ok(vec![MeetingKind::PartyCommitteeMeeting]));
    assert_eq!(parse_kinds("党课，党课 主题党日"), Ok(vec![MeetingKind::Lecture, MeetingKind::ThemeDay]));
    assert!(parse_kinds(" 、 ").is_err());
    assert_eq!(split_names("张三、李四，王五;\n赵六 ,"), vec!["张三", "李四", "王五", "赵六"]);
    assert_eq!(split_titles("《甲》；乙;\r\n《甲》"), vec!["甲", "乙"]);
    assert_eq!(title_key(" 《论　党的 自我革命》 "), "论 党的 自我革命");
    assert_eq!(parse_days(&Cell::Number(7.0)), Ok(7));
    assert_eq!(parse_days(&Cell::text("３０天")), Ok(30));
    assert!(parse_days(&Cell::Number(7.5)).is_err());
    assert!(parse_days(&Cell::Number(366.0)).is_err());
    assert!(parse_days(&Cell::text("+7")).is_err());
}

fn any_kinds() -> impl Strategy<Value = Vec<MeetingKind>> {
    proptest::sample::subsequence(MeetingKind::ALL.to_vec(), 1..=MeetingKind::ALL.len())
}

fn any_levels() -> impl Strategy<Value = Vec<StudyLevel>> {
    proptest::sample::subsequence(StudyLevel::ALL.to_vec(), 1..=StudyLevel::ALL.len())
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (2000i32..=2025, 1u32..=12, 1u32..=31)
        .prop_filter_map("valid date", |(y, m, day)| NaiveDate::from_ymd_opt(y, m, day))
}

const SEPARATORS: &[&str] = &["、", ",", "，", "/", " / ", "；"];

proptest! {
    #[test]
    fn kind_lists_round_trip(kinds in any_kinds(), sep in proptest::sample::select(SEPARATORS), shuffle in any::<u64>()) {
        let mut written: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
        let n = written.len();
        written.rotate_left((shuffle as usize) % n);
        let text = written.join(sep);
        prop_assert_eq!(parse_kinds(&text), Ok(kinds.clone()), "{}", text);
        // Repeating a kind changes nothing.
        let twice = format!("{text}{sep}{}", written[0]);
        prop_assert_eq!(parse_kinds(&twice), Ok(kinds));
    }

    #[test]
    fn level_lists_round_trip(levels in any_levels(), sep in proptest::sample::select(&["、", ",", "，", ";"][..])) {
        let text = levels.iter().map(|l| l.label()).collect::<Vec<_>>().join(sep);
        let cell = Cell::text(text.clone());
        let table = crate::read::Table {
            sheet_name: "x".into(),
            rows: vec![
                Row { excel_row: 1, cells: vec![Cell::text("标题"), Cell::text("发布日期"), Cell::text("适用层级")] },
                Row { excel_row: 2, cells: vec![Cell::text("学习"), Cell::text("2024-01-02"), cell] },
            ],
            dropped_cells: 0,
        };
        let p = parse_study_items(&table, &options()).unwrap();
        prop_assert!(p.rejected.is_empty(), "{} {:?}", text, p.rejected);
        prop_assert_eq!(&p.rows[0].levels, &levels);
    }

    #[test]
    fn counts_round_trip(n in 0u32..=MAX_COUNT, suffix in proptest::sample::select(&["", "人", "名", " 人"][..])) {
        prop_assert_eq!(parse_count(&Cell::Number(f64::from(n))), Ok(n));
        prop_assert_eq!(parse_count(&Cell::text(format!("{n}{suffix}"))), Ok(n));
        prop_assert!(parse_count(&Cell::Number(f64::from(n) + 0.5)).is_err());
    }

    #[test]
    fn counts_never_panic(s in "\\PC{0,12}") {
        let _ = parse_count(&Cell::text(s.clone()));
        let _ = parse_days(&Cell::text(s));
    }

    #[test]
    fn meeting_dates_in_every_form(date in any_date(), form in 0usize..6) {
        let cell = match form {
            0 => Cell::Date(date),
            1 => Cell::Number(jiceng_types::date::to_excel_serial(date)),
            2 => Cell::text(date.format("%Y-%m-%d").to_string()),
            3 => Cell::text(date.format("%Y/%-m/%-d").to_string()),
            4 => Cell::text(date.format("%Y年%-m月%-d日").to_string()),
            _ => Cell::Number(date.format("%Y%m%d").to_string().parse::<f64>().unwrap()),
        };
        let table = crate::read::Table {
            sheet_name: "x".into(),
            rows: vec![
                Row {
                    excel_row: 1,
                    cells: ["组织代码", "会议类型", "日期", "主题", "应到人数", "实到人数"].map(Cell::text).to_vec(),
                },
                Row {
                    excel_row: 2,
                    cells: vec![Cell::text("A1"), Cell::text("党课"), cell, Cell::text("学习"), Cell::Number(3.0), Cell::Number(3.0)],
                },
            ],
            dropped_cells: 0,
        };
        let p = parse_meetings(&table, &options()).unwrap();
        prop_assert!(p.rejected.is_empty(), "{:?}", p.rejected);
        prop_assert_eq!(p.rows[0].held_on, date);
    }

    #[test]
    fn names_and_titles_split_without_loss(names in proptest::collection::vec("[\\u{4e00}-\\u{4e50}]{2,4}", 1..6)) {
        let text = names.join("、");
        prop_assert_eq!(split_names(&text), names.clone());
        let titles = names.iter().map(|n| format!("《{n}》")).collect::<Vec<_>>().join("；\n");
        let mut unique = names.clone();
        unique.dedup();
        let got = split_titles(&titles);
        prop_assert!(got.iter().all(|t| names.contains(t)));
        prop_assert!(names.iter().all(|n| got.contains(n)));
    }
}
