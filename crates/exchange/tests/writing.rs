//! Exports: round trips through the importer, formula injection, text ID columns, sheet split,
//! and the templates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use common::*;
use jiceng_exchange::member::{self, Sensitive};
use jiceng_exchange::read::read_sheet;
use jiceng_exchange::write::write_xlsx_split;
use jiceng_exchange::{
    Cell, ColumnKind, ColumnSpec, Limits, SheetSpec, import_members, import_orgs, member_template, org, org_template,
    read_table, write_csv, write_xlsx,
};

/// The text of one part of an xlsx package.
fn part(xlsx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

fn sample_members() -> Vec<jiceng_exchange::MemberRow> {
    let csv = format!(
        "{HEADER}\n{}\n\
         阿依古丽·买买提,女,维吾尔族,1990-01-01,{},硕士,,预备党员,2025-07-01,,东门村党支部,-,=1+1\n\
         王五,男,,,{},,0851-86812345,正式党员,1976-07-01,1977-07-01,\"西门村党支部, 第二\",@SUM(A1),\"+86 说明\"\n",
        good_line(),
        id("652801", "19900101", "024"),
        id("520102", "19500101", "011"),
    );
    let parsed = import_members(csv.as_bytes(), "a.csv", &Limits::default(), &options()).unwrap();
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(parsed.rows.len(), 3);
    parsed.rows
}

#[test]
fn members_round_trip_through_xlsx_and_csv() {
    let members = sample_members();
    let cells: Vec<Vec<Cell>> = members.iter().map(|m| member::to_cells(m, Sensitive::Full)).collect();
    let xlsx = write_xlsx(&member::sheet_spec(), &cells).unwrap();
    let back = import_members(&xlsx, "export.xlsx", &Limits::default(), &options()).unwrap();
    assert!(back.rejected.is_empty() && back.warnings.is_empty(), "{:?} {:?}", back.rejected, back.warnings);
    assert_eq!(back.rows, members);

    let csv = write_csv(&member::sheet_spec(), &cells);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&csv).unwrap();
    assert!(text.contains(",'=1+1,\r\n") && text.contains(",'-,") && text.contains(",'@SUM(A1),"), "{text}");
    let back = import_members(&csv, "export.csv", &Limits::default(), &options()).unwrap();
    assert_eq!(back.rows, members);
}

#[test]
fn organizations_round_trip() {
    let csv = "组织名称,组织代码,上级党组织,组织类别,所属领域,成立日期,届满日期\n\
               城关镇党委,CGZ,,党委,农村,2001-01-01,2026-06-30\n\
               东门村党支部,CGZ-DM,CGZ,党支部,农村,2010-05-01,\n";
    let orgs = import_orgs(csv.as_bytes(), "o.csv", &Limits::default(), &options()).unwrap().rows;
    assert_eq!(orgs.len(), 2);
    let cells: Vec<Vec<Cell>> = orgs.iter().map(org::to_cells).collect();
    let xlsx = write_xlsx(&org::sheet_spec(), &cells).unwrap();
    assert_eq!(import_orgs(&xlsx, "o.xlsx", &Limits::default(), &options()).unwrap().rows, orgs);
}

#[test]
fn exports_keep_ids_as_text_dates_as_dates_and_formulas_inert() {
    let members = sample_members();
    let cells: Vec<Vec<Cell>> = members.iter().map(|m| member::to_cells(m, Sensitive::Full)).collect();
    let xlsx = write_xlsx(&member::sheet_spec(), &cells).unwrap();
    let table = read_table(&xlsx, "x.xlsx", &Limits::default()).unwrap();
    assert_eq!(table.rows[1].cells[member::columns::ID_CARD], Cell::Text(members[0].id_card.as_str().into()));
    assert_eq!(table.rows[1].cells[member::columns::ADMITTED], Cell::Date(date(2010, 7, 1)));
    assert_eq!(table.rows[2].cells[member::columns::RESIDENCE], Cell::Text("=1+1".into()));

    let sheet = part(&xlsx, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no formula may be written");
    assert!(sheet.contains("ySplit=\"1\""), "the header row is frozen");
    let styles = part(&xlsx, "xl/styles.xml");
    assert!(styles.contains("quotePrefix=\"1\""), "formula-like texts carry the quote prefix");
    assert!(styles.contains("formatCode=\"@\""), "ID and phone columns are text-formatted");
    assert!(
        styles.contains("formatCode=\"yyyy\\-mm\\-dd\"") || styles.contains("formatCode=\"yyyy-mm-dd\""),
        "{styles}"
    );
    assert!(styles.contains("<b/>"), "the header is bold");
}

#[test]
fn long_exports_continue_on_further_sheets() {
    let spec = SheetSpec {
        name: "名册".into(),
        columns: vec![ColumnSpec::new("编号", ColumnKind::Code), ColumnSpec::new("数", ColumnKind::Number)],
    };
    let rows = (0..12).map(|i| vec![Cell::Text(format!("{i:05}")), Cell::Number(f64::from(i))]);
    let xlsx = write_xlsx_split(&spec, rows, 5).unwrap();
    let wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(xlsx.clone())).unwrap();
    assert_eq!(wb.sheet_names(), vec!["名册", "名册（2）", "名册（3）"]);
    let mut seen = Vec::new();
    for name in wb.sheet_names() {
        let t = read_sheet(&xlsx, "x.xlsx", Some(&name), &Limits::default()).unwrap();
        assert_eq!(t.rows[0].cells[0], Cell::Text("编号".into()));
        seen.extend(t.rows[1..].iter().map(|r| r.cells[0].to_text()));
    }
    assert_eq!(seen, (0..12).map(|i| format!("{i:05}")).collect::<Vec<_>>());
}

fn check_template(bytes: &[u8], sheet: &str, headers: &[&str], dropdowns: usize) {
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(wb.sheet_names(), vec![sheet, "填写说明", "选项"]);
    let data = wb.worksheet_range(sheet).unwrap();
    let first: Vec<String> = data.rows().next().unwrap().iter().map(|d| d.to_string()).collect();
    assert_eq!(first, headers);
    assert_eq!(data.height(), 2, "headers and one example row");
    let help = wb.worksheet_range("填写说明").unwrap();
    let column_a: Vec<String> = help.rows().map(|r| r.first().map(Data::to_string).unwrap_or_default()).collect();
    for h in headers {
        assert!(column_a.iter().any(|a| a == h), "{h} is explained");
    }
    assert!(help.rows().any(|r| r.iter().any(|c| *c == "必填")));
    let sheet1 = part(bytes, "xl/worksheets/sheet1.xml");
    assert_eq!(sheet1.matches("<dataValidation ").count(), dropdowns);
    assert!(part(bytes, "xl/styles.xml").contains("formatCode=\"@\""));
}

#[test]
fn member_template_opens_and_explains_every_column() {
    let bytes = member_template().unwrap();
    let headers: Vec<&str> = member::columns::COLUMNS.iter().map(|c| c.header).collect();
    assert_eq!(headers[..5], ["姓名", "性别", "民族", "出生日期", "公民身份号码"]);
    check_template(&bytes, "党员信息", &headers, 4);
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    let lists = wb.worksheet_range("选项").unwrap();
    let ethnic: Vec<String> =
        lists.rows().filter_map(|r| r.get(1).map(Data::to_string)).filter(|s| !s.is_empty()).collect();
    assert_eq!(ethnic.len(), 56);
    // The template imports cleanly: its example row is recognized and skipped.
    let parsed = import_members(&bytes, "模板.xlsx", &Limits::default(), &options()).unwrap();
    assert!(parsed.rows.is_empty() && parsed.rejected.is_empty());
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].reason, "模板中的示例行，已跳过");
}

#[test]
fn org_template_opens_and_explains_every_column() {
    let bytes = org_template().unwrap();
    let headers: Vec<&str> = org::COLUMNS.iter().map(|c| c.header).collect();
    check_template(&bytes, "党组织信息", &headers, 2);
    let parsed = import_orgs(&bytes, "模板.xlsx", &Limits::default(), &options()).unwrap();
    assert!(parsed.rows.is_empty() && parsed.rejected.is_empty());
    assert_eq!(parsed.warnings.len(), 1);
}

#[test]
fn the_template_example_row_is_itself_valid() {
    // Replace the example's marker so it is not skipped: every example value must pass.
    let bytes = member_template().unwrap();
    let mut table = read_table(&bytes, "t.xlsx", &Limits::default()).unwrap();
    table.rows[1].cells[member::columns::ID_CARD] = Cell::Text(id("110105", "19491231", "002"));
    let parsed = jiceng_exchange::parse_members(&table, &options()).unwrap();
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    let mut table = read_table(&org_template().unwrap(), "t.xlsx", &Limits::default()).unwrap();
    table.rows[1].cells[org::NAME] = Cell::Text("城关镇某村党支部".into());
    let parsed = jiceng_exchange::parse_orgs(&table, &options()).unwrap();
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
}
