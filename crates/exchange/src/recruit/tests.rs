#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The roster reader: every kind of cell, unknown versus blank, bad cells reported but their rows
//! kept, 考察日期 in one cell and in repeated columns, `（转正）` headers, a merged title row in a
//! real .xlsx, and the template read back.

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};

use super::*;
use crate::read::read_sheet;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn options() -> ImportOptions {
    ImportOptions { today: d(2026, 1, 1) }
}

fn roster(csv: &str) -> RecruitRoster {
    import_recruit_roster(csv.as_bytes(), "花名册.csv", &Limits::default(), &options()).unwrap()
}

const ALL: &str = "序号,姓名,所在党支部,出生日期,公民身份号码,申请入党日期,谈话日期,确定入党积极分子日期,考察日期,确定发展对象日期,政审结论日期,培训结业日期,培训天数,培训学时,支部大会讨论日期(接收),应到人数,实到人数,赞成人数,上级党委审批日期,入党宣誓日期,转正申请日期,转正支部大会日期,转正审批日期,转正日期,延长预备期(月)";

#[test]
fn a_full_row_in_every_date_form() {
    let r = roster(&format!(
        "{ALL}\n1,张 三,城关镇东街村党支部,1995-05-10,,2022/3/1,2022.03.15,20220401,\"2022-10-01、2023年4月1日\",2023-04-01,2023-05-20,2023-05-10,3天,24学时,2023-06-20,20,18人,18,2023-07-20,2023-08-01,2024-06-01,2024-06-20,2024-07-10,2024-06-20,0\n"
    ));
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let p = &r.rows[0];
    assert_eq!(p.excel_row, 2);
    assert_eq!(p.name, "张 三");
    assert_eq!(p.org.as_deref(), Some("城关镇东街村党支部"));
    assert_eq!(p.birth_date, Some(d(1995, 5, 10)));
    assert_eq!(p.applied_on, Some(d(2022, 3, 1)));
    assert_eq!(p.talk_on, Some(d(2022, 3, 15)));
    assert_eq!(p.activist_on, Some(d(2022, 4, 1)));
    assert_eq!(p.reviews, vec![d(2022, 10, 1), d(2023, 4, 1)]);
    assert_eq!(p.candidate_on, Some(d(2023, 4, 1)));
    assert_eq!(p.polit_concluded_on, Some(d(2023, 5, 20)));
    assert_eq!(p.training_ended_on, Some(d(2023, 5, 10)));
    assert_eq!((p.training_days, p.training_hours), (Some(3), Some(24)));
    assert_eq!(p.admitted_on, Some(d(2023, 6, 20)));
    assert_eq!((p.vote_eligible, p.vote_present, p.vote_in_favour), (Some(20), Some(18), Some(18)));
    assert_eq!(p.approved_on, Some(d(2023, 7, 20)));
    assert_eq!(p.oath_on, Some(d(2023, 8, 1)));
    assert_eq!(p.regularization_applied_on, Some(d(2024, 6, 1)));
    assert_eq!(p.regularization_meeting_on, Some(d(2024, 6, 20)));
    assert_eq!(p.regularization_approved_on, Some(d(2024, 7, 10)));
    assert_eq!(p.regularized_on, Some(d(2024, 6, 20)));
    assert_eq!(p.extension_months, Some(0));
    for (def, c) in RECRUIT_COLUMNS.iter().enumerate() {
        assert!(p.is_known(def), "{}", c.header);
    }
    assert!(!p.is_known(64) && !p.is_known(usize::MAX));
}

#[test]
fn absent_columns_are_unknown_blank_cells_known() {
    let r = roster("姓名,申请入党日期,谈话日期,考察日期\n李四,2022-03-01,,\n");
    assert!(r.rejected.is_empty() && r.warnings.is_empty(), "{r:?}");
    let p = &r.rows[0];
    assert!(p.is_known(APPLIED) && p.is_known(TALK) && p.is_known(REVIEWS));
    assert_eq!((p.applied_on, p.talk_on, p.reviews.len()), (Some(d(2022, 3, 1)), None, 0));
    for def in [ORG, BIRTH, ID_CARD, ACTIVIST, CANDIDATE, ADMITTED, ELIGIBLE, EXTENSION, REGULARIZED] {
        assert!(!p.is_known(def), "{}", RECRUIT_COLUMNS[def].header);
    }
}

#[test]
fn a_bad_cell_is_reported_and_its_row_kept_with_that_value_unknown() {
    let r = roster(
        "姓名,申请入党日期,谈话日期,确定入党积极分子日期,培训天数,应到人数,延长预备期(月)\n\
         王五,2022-13-01,2022-03-15,2022-04-01,三天,二十,6个月\n\
         ,2022-03-01,2022年3月,,2.5,20,30\n",
    );
    assert_eq!(r.rows.len(), 2, "both rows are checked");
    let got: Vec<(u32, &str)> = r.rejected.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (2, "申请入党日期"),
            (2, "培训天数"),
            (2, "应到人数"),
            (3, "姓名"),
            (3, "谈话日期"),
            (3, "延长预备期(月)")
        ]
    );
    assert_eq!(r.rejected[0].reason, "“2022-13-01”不是有效日期，应形如 2024-03-12");
    assert!(r.rejected[1].reason.contains("不是有效的天数"), "{}", r.rejected[1].reason);
    assert_eq!(r.rejected[3].reason, "必填，不能为空");
    assert!(r.rejected[5].reason.contains("不能超过24"), "{}", r.rejected[5].reason);
    let (a, b) = (&r.rows[0], &r.rows[1]);
    assert!(!a.is_known(APPLIED) && a.applied_on.is_none());
    assert_eq!((a.talk_on, a.activist_on, a.extension_months), (Some(d(2022, 3, 15)), Some(d(2022, 4, 1)), Some(6)));
    assert!(!a.is_known(TRAINING_DAYS) && !a.is_known(ELIGIBLE));
    assert_eq!(b.name, "");
    assert!(!b.is_known(TALK) && b.is_known(ACTIVIST) && b.activist_on.is_none());
    assert_eq!((b.training_days, b.vote_eligible), (Some(2), Some(20)));
}

#[test]
fn reviews_in_one_cell_and_in_repeated_or_numbered_columns() {
    let r = roster(
        "姓名,确定入党积极分子日期,考察日期,考察日期,第三次考察日期,考察日期4,备注\n\
         甲,2022-04-01,\"2022-10-01，2023-04-01;2023-10-01 2024-04-01\",2024-10-01,2025-04-01 00:00:00,2022-10-01,\n\
         乙,2022-04-01,2022-10-01、2023-02-30,,,,\n\
         丙,2022-04-01,,,,,\n",
    );
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert_eq!(r.warnings[0].column, "备注");
    let dates: Vec<NaiveDate> = ["2022-10-01", "2023-04-01", "2023-10-01", "2024-04-01", "2024-10-01", "2025-04-01"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(r.rows[0].reviews, dates);
    assert!(r.rows[0].is_known(REVIEWS));
    assert_eq!(r.rejected.len(), 1, "{:?}", r.rejected);
    assert_eq!((r.rejected[0].row, r.rejected[0].column.as_str()), (3, "考察日期"));
    assert!(r.rejected[0].reason.starts_with("第2个日期“2023-02-30”"), "{}", r.rejected[0].reason);
    assert!(!r.rows[1].is_known(REVIEWS) && r.rows[1].reviews.is_empty());
    assert!(r.rows[2].is_known(REVIEWS) && r.rows[2].reviews.is_empty());
    for h in ["考察日期", "考察日期2", "考察日期（3）", "第二次考察日期", "第10次考察", "培养考察日期"]
    {
        assert!(is_review_header(h), "{h}");
    }
    for h in ["考察", "确定发展对象日期", "第次考察日期", "考察人"] {
        assert_eq!(is_review_header(h), h == "考察", "{h}");
    }
}

#[test]
fn headers_for_the_admission_and_for_the_regularization() {
    let r = roster(
        "姓名,支部大会讨论日期（接收）,上级党委审批日期(接收预备党员),支部大会讨论日期（转正）,上级党委审批日期（转正）\n\
         甲,2023-06-20,2023-07-20,2024-06-20,2024-13-10\n",
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let p = &r.rows[0];
    assert_eq!((p.admitted_on, p.approved_on), (Some(d(2023, 6, 20)), Some(d(2023, 7, 20))));
    assert_eq!(p.regularization_meeting_on, Some(d(2024, 6, 20)));
    assert!(p.is_known(REG_MEETING) && !p.is_known(REG_APPROVED));
    // The error names the header as in the file.
    assert_eq!(r.rejected[0].column, "上级党委审批日期（转正）");
}

#[test]
fn birth_date_from_the_id_number_or_the_column() {
    let r = roster(
        "姓名,出生日期,公民身份号码,申请入党日期\n\
         甲,,11010519491231002X,2022-03-01\n\
         乙,1949-12,11010519491231002X,2022-03-01\n\
         丙,1950-01-01,11010519491231002X,2022-03-01\n\
         丁,2000.05,,2022-03-01\n\
         戊,,110105194912310021,2022-03-01\n\
         己,,,2022-03-01\n",
    );
    let births: Vec<Option<NaiveDate>> = r.rows.iter().map(|p| p.birth_date).collect();
    let id_birth = Some(d(1949, 12, 31));
    assert_eq!(births, vec![id_birth, id_birth, id_birth, Some(d(2000, 5, 1)), None, None]);
    let got: Vec<(u32, &str)> = r.rejected.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(got, vec![(4, "出生日期"), (6, "公民身份号码")]);
    assert!(r.rejected[0].reason.contains("1949-12-31"), "{}", r.rejected[0].reason);
    let known: Vec<bool> = r.rows.iter().map(|p| p.is_known(BIRTH)).collect();
    assert_eq!(known, vec![true, true, true, true, false, true]);
}

#[test]
fn a_real_workbook_with_a_merged_title_row_and_date_cells() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.merge_range(0, 0, 0, 5, "城关镇2024年发展党员花名册", &Format::new()).unwrap();
    for (c, h) in ["序号", "姓名", "申请入党日期", "谈话日期", "考察日期", "培训学时"].iter().enumerate()
    {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    ws.write_number(3, 0, 1).unwrap();
    ws.write_string(3, 1, "张三").unwrap();
    ws.write_date_with_format(3, 2, d(2022, 3, 1), &date).unwrap();
    // A date cell that lost its format: the Excel serial number of 2022-03-15.
    ws.write_number(3, 3, 44635.0).unwrap();
    ws.write_number(3, 4, 20221001.0).unwrap();
    ws.write_number(3, 5, 24.0).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let r = import_recruit_roster(&bytes, "花名册.xlsx", &Limits::default(), &options()).unwrap();
    assert!(r.rejected.is_empty() && r.warnings.is_empty(), "{r:?}");
    let p = &r.rows[0];
    assert_eq!(p.excel_row, 4);
    assert_eq!((p.applied_on, p.talk_on), (Some(d(2022, 3, 1)), Some(d(2022, 3, 15))));
    assert_eq!((p.reviews.clone(), p.training_hours), (vec![d(2022, 10, 1)], Some(24)));
}

#[test]
fn the_template_reads_back_with_every_column_and_its_example_skipped() {
    let bytes = recruit_roster_template().unwrap();
    let r = import_recruit_roster(&bytes, "模板.xlsx", &Limits::default(), &options()).unwrap();
    assert!(r.rows.is_empty() && r.rejected.is_empty(), "{r:?}");
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert_eq!((r.warnings[0].row, r.warnings[0].reason.as_str()), (Some(2), "模板中的示例行，已跳过"));
    let help = read_sheet(&bytes, "模板.xlsx", Some(crate::EXPLANATION_SHEET), &Limits::default()).unwrap();
    let text: Vec<String> = help.rows.iter().flat_map(|r| r.cells.iter().map(Cell::to_text)).collect();
    for c in RECRUIT_COLUMNS {
        assert!(text.iter().any(|t| t == c.header), "{} explained", c.header);
    }
    // The example row itself, read as data, is a correct row.
    let table = read_table(&bytes, "模板.xlsx", &Limits::default()).unwrap();
    let mut table = table;
    table.rows[1].cells[NAME] = Cell::text("王小明");
    let r = parse_recruit_roster(&table, &options()).unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.rows[0].reviews, vec![d(2022, 10, 1), d(2023, 4, 1)]);
    assert_eq!(r.rows[0].regularized_on, Some(d(2024, 6, 20)));
}

#[test]
fn every_column_name_is_unique() {
    let mut seen = std::collections::HashMap::new();
    for (i, c) in RECRUIT_COLUMNS.iter().enumerate() {
        for n in c.names() {
            if let Some(j) = seen.insert(header_key(n), i) {
                assert_eq!(i, j, "{n} names two columns");
            }
        }
    }
}

#[test]
fn files_that_cannot_be_read() {
    let err = import_recruit_roster(b"", "a.xlsx", &Limits::default(), &options()).unwrap_err();
    assert_eq!(err.code(), "empty_file");
    let err = import_recruit_roster(b"PK\x03\x04garbage", "a.xlsx", &Limits::default(), &options()).unwrap_err();
    assert!(matches!(err, ImportError::Read(_)), "{err:?}");
    let err = import_recruit_roster("名字,日子\n甲,2022-01-01\n".as_bytes(), "a.csv", &Limits::default(), &options())
        .unwrap_err();
    assert_eq!(err.code(), "no_header");
    let err = import_recruit_roster(
        "申请入党日期,谈话日期,入党宣誓日期\n".as_bytes(),
        "a.csv",
        &Limits::default(),
        &options(),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "缺少必填列：姓名");
}

#[test]
fn amounts() {
    let days = |c: Cell| parse_amount(&c, &["天", "日"], "天数", 365);
    let months = |c: Cell| parse_amount(&c, &["个月", "月"], "月数", 24);
    assert_eq!(days(Cell::Number(3.0)), Ok(3));
    assert_eq!(days(Cell::Number(2.5)), Ok(2));
    assert_eq!(days(Cell::text("３天")), Ok(3));
    assert_eq!(days(Cell::text("2.5日")), Ok(2));
    assert!(days(Cell::Number(-1.0)).is_err());
    assert!(days(Cell::text("三天")).is_err());
    assert!(days(Cell::Number(400.0)).unwrap_err().contains("不能超过365"));
    assert!(days(Cell::text("半年")).is_err());
    assert_eq!(months(Cell::text("半年")), Ok(6));
    assert_eq!(months(Cell::text("6个月")), Ok(6));
    assert_eq!(months(Cell::text("12月")), Ok(12));
    assert_eq!(months(Cell::text("无")), Ok(0));
    assert!(months(Cell::Bool(true)).is_err());
}

#[test]
fn review_cells() {
    assert_eq!(review_dates(&Cell::Date(d(2022, 10, 1))), Ok(vec![d(2022, 10, 1)]));
    assert_eq!(review_dates(&Cell::Number(44835.0)), Ok(vec![d(2022, 10, 1)]));
    assert_eq!(review_dates(&Cell::text("44835")), Ok(vec![d(2022, 10, 1)]));
    assert_eq!(review_dates(&Cell::text("2022年10月1日\n2023/4/1")), Ok(vec![d(2022, 10, 1), d(2023, 4, 1)]));
    assert_eq!(review_dates(&Cell::text("2022-10-01 00:00:00")), Ok(vec![d(2022, 10, 1)]));
    assert!(review_dates(&Cell::text("、")).is_err());
    assert!(review_dates(&Cell::text("上半年")).unwrap_err().contains("不是有效日期"));
    assert!(review_dates(&Cell::Number(1.5e12)).is_err());
}
