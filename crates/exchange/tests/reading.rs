//! Reading uploads: formats, encodings, limits and hostile files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use jiceng_exchange::read::read_sheet;
use jiceng_exchange::{Cell, ImportError, Limits, ReadError, import_members, read_table};
use rust_xlsxwriter::{Formula, Workbook};

fn xlsx(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut wb = Workbook::new();
    build(wb.add_worksheet());
    wb.save_to_buffer().unwrap()
}

#[test]
fn gbk_csv_is_decoded() {
    let text = format!("{HEADER}\r\n{}\r\n", good_line());
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    assert!(std::str::from_utf8(&gbk).is_err());
    let parsed = import_members(&gbk, "花名册.csv", &Limits::default(), &options()).unwrap();
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(parsed.rows[0].name.as_str(), "张三");
    assert_eq!(parsed.rows[0].org, "城关镇东门村党支部");
    let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    assert_eq!(import_members(&bom, "a.csv", &Limits::default(), &options()).unwrap().rows.len(), 1);
}

#[test]
fn formulas_are_never_evaluated() {
    let bytes = xlsx(|ws| {
        ws.write_string(0, 0, "值").unwrap();
        ws.write_formula(1, 0, Formula::new("=1+1")).unwrap();
        ws.write_formula(2, 0, Formula::new("=HYPERLINK(\"http://example.invalid\",\"点我\")").set_result("缓存值"))
            .unwrap();
        ws.write_formula(3, 0, Formula::new("=WEBSERVICE(\"http://example.invalid\")").set_result("")).unwrap();
    });
    let t = read_table(&bytes, "f.xlsx", &Limits::default()).unwrap();
    // rust_xlsxwriter caches 0 for a formula without a result; a reader that evaluated it would say 2.
    assert_eq!(t.rows[1].cells[0], Cell::Number(0.0));
    assert_eq!(t.rows[2].cells[0], Cell::Text("缓存值".into()));
    // An empty cached result: whatever the writer cached (0 here), never a fetched web page.
    assert_eq!(t.rows[3].cells[0], Cell::Number(0.0));
    assert!(t.rows.iter().all(|r| r.cells[0] != Cell::Number(2.0)));
}

#[test]
fn an_id_number_stored_as_a_number_gets_the_dedicated_message() {
    let bytes = xlsx(|ws| {
        for (c, h) in ["姓名", "公民身份号码", "人员类别", "入党日期", "所在党支部"].iter().enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "张三").unwrap();
        ws.write_number(1, 1, 5.20102198503121e17).unwrap();
        ws.write_string(1, 2, "正式党员").unwrap();
        ws.write_date_with_format(1, 3, date(2010, 7, 1), &rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd"))
            .unwrap();
        ws.write_string(1, 4, "东门村党支部").unwrap();
    });
    let parsed = import_members(&bytes, "a.xlsx", &Limits::default(), &options()).unwrap();
    assert_eq!(parsed.rejected.len(), 1, "{:?}", parsed.rejected);
    assert_eq!(parsed.rejected[0].reason, "身份证号被 Excel 存成了数字，精度已丢失，请把该列设为文本后重新填写");
}

#[test]
fn xls_workbooks_are_read() {
    let bytes = include_bytes!("fixtures/roster.xls");
    let parsed = import_members(bytes, "roster.xls", &Limits::default(), &options()).unwrap();
    assert_eq!(parsed.rows.len(), 1, "{:?}", parsed.rejected);
    assert_eq!(parsed.rows[0].excel_row, 3);
    assert_eq!(parsed.rows[0].admitted_on, date(2010, 7, 1));
    assert_eq!(parsed.rejected.len(), 1);
    assert_eq!(parsed.rejected[0].row, 4);
    assert!(parsed.rejected[0].reason.contains("Excel 存成了数字"));
    // Content decides the format, not the name.
    assert!(read_table(bytes, "renamed.csv", &Limits::default()).is_ok());
}

#[test]
fn encrypted_workbooks_are_refused_with_their_own_message() {
    let err = read_table(include_bytes!("fixtures/encrypted.xlsx"), "secret.xlsx", &Limits::default()).unwrap_err();
    assert_eq!(err, ReadError::Encrypted);
    assert_eq!(err.to_string(), "工作簿设置了打开密码，请取消密码后再上传");
}

#[test]
fn a_named_sheet_can_be_read() {
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("第一").unwrap().write_string(0, 0, "a").unwrap();
    wb.add_worksheet().set_name("第二").unwrap().write_string(0, 0, "b").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let t = read_sheet(&bytes, "x.xlsx", Some("第二"), &Limits::default()).unwrap();
    assert_eq!(t.rows[0].cells[0], Cell::Text("b".into()));
    assert_eq!(read_table(&bytes, "x.xlsx", &Limits::default()).unwrap().sheet_name, "第一");
    assert_eq!(read_sheet(&bytes, "x.xlsx", Some("第三"), &Limits::default()).unwrap_err().code(), "sheet_not_found");
}

#[test]
fn empty_damaged_and_unknown_files() {
    let limits = Limits::default();
    assert_eq!(read_table(b"", "a.xlsx", &limits).unwrap_err(), ReadError::Empty);
    assert_eq!(read_table(b"\x00\x01\x02garbage", "a.bin", &limits).unwrap_err(), ReadError::NotSpreadsheet);
    assert_eq!(read_table(b"just text", "a.xlsx", &limits).unwrap_err(), ReadError::Damaged);
    let good = xlsx(|ws| {
        ws.write_string(0, 0, "a").unwrap();
    });
    assert_eq!(read_table(&good[..good.len() / 2], "a.xlsx", &limits).unwrap_err(), ReadError::Damaged);
    assert_eq!(read_table(b"\n\n ,\n", "a.csv", &limits).unwrap_err(), ReadError::NoData);
    let e = ImportError::from(ReadError::Damaged);
    assert_eq!(e.code(), "damaged_file");
}

#[test]
fn size_and_row_limits() {
    let csv = format!("{HEADER}\n{}\n", good_line()).repeat(20);
    let small = Limits { max_file_bytes: 1000, ..Limits::default() };
    let err = read_table(csv.as_bytes(), "a.csv", &small).unwrap_err();
    assert_eq!(err.code(), "file_too_large");
    assert_eq!(err.to_string(), "文件太大（1 MB），上限为 1 MB，请分成几个文件导入");
    let few = Limits { max_rows: 10, ..Limits::default() };
    assert_eq!(read_table(csv.as_bytes(), "a.csv", &few).unwrap_err(), ReadError::TooManyRows { limit: 10 });
    let narrow = Limits { max_columns: 2, ..Limits::default() };
    let t = read_table(b"a,b,c,d\n1,2,3,4\n", "a.csv", &narrow).unwrap();
    assert_eq!(t.dropped_cells, 4);
    assert_eq!(t.rows[0].cells.len(), 2);
}

/// A zip with one deflated entry whose central directory declares `declared` uncompressed bytes.
fn zip_declaring(declared: u32) -> Vec<u8> {
    let name = b"xl/worksheets/sheet1.xml";
    let data = [0x03u8, 0x00]; // an empty final deflate block
    let mut out = Vec::new();
    let le16 = |v: u16, out: &mut Vec<u8>| out.extend_from_slice(&v.to_le_bytes());
    let le32 = |v: u32, out: &mut Vec<u8>| out.extend_from_slice(&v.to_le_bytes());
    le32(0x0403_4b50, &mut out);
    for v in [20u16, 0, 8, 0, 0] {
        le16(v, &mut out);
    }
    for v in [0u32, data.len() as u32, declared] {
        le32(v, &mut out);
    }
    le16(name.len() as u16, &mut out);
    le16(0, &mut out);
    out.extend_from_slice(name);
    out.extend_from_slice(&data);
    let cd_offset = out.len() as u32;
    le32(0x0201_4b50, &mut out);
    for v in [20u16, 20, 0, 8, 0, 0] {
        le16(v, &mut out);
    }
    for v in [0u32, data.len() as u32, declared] {
        le32(v, &mut out);
    }
    for v in [name.len() as u16, 0, 0, 0, 0] {
        le16(v, &mut out);
    }
    le32(0, &mut out);
    le32(0, &mut out);
    out.extend_from_slice(name);
    let cd_size = out.len() as u32 - cd_offset;
    le32(0x0605_4b50, &mut out);
    for v in [0u16, 0, 1, 1] {
        le16(v, &mut out);
    }
    le32(cd_size, &mut out);
    le32(cd_offset, &mut out);
    le16(0, &mut out);
    out
}

#[test]
fn zip_bombs_are_refused_before_inflating() {
    let limits = Limits::default();
    // 4 GB declared in a 150-byte file: refused from the central directory alone.
    let bomb = zip_declaring(0xF000_0000);
    assert!(bomb.len() < 200);
    let err = read_table(&bomb, "bomb.xlsx", &limits).unwrap_err();
    assert_eq!(err, ReadError::ZipBomb);
    assert_eq!(err.to_string(), "文件解压后过大或压缩比异常，可能是恶意构造的文件，已拒绝");

    // A real entry of 20 MB of spaces deflates about 1000:1.
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zw.start_file("xl/worksheets/sheet1.xml", zip::write::SimpleFileOptions::default()).unwrap();
    std::io::Write::write_all(&mut zw, &vec![b' '; 20 * 1024 * 1024]).unwrap();
    let bytes = zw.finish().unwrap().into_inner();
    assert!(bytes.len() < 200 * 1024);
    assert_eq!(read_table(&bytes, "ratio.xlsx", &limits).unwrap_err(), ReadError::ZipBomb);

    // The total limit applies to honest files too.
    let tight = Limits { max_uncompressed_bytes: 1000, ..Limits::default() };
    let honest = xlsx(|ws| {
        ws.write_string(0, 0, "a").unwrap();
    });
    assert_eq!(read_table(&honest, "a.xlsx", &tight).unwrap_err(), ReadError::ZipBomb);
}

#[test]
fn hostile_ole_files_found_by_fuzzing_are_reported_as_damaged() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    for (name, want) in [
        ("cfb-cyclic-chain-oom.xls", ReadError::Damaged),
        ("xls-parse-lbl-panic.xls", ReadError::Damaged),
        ("xls-dimensions-alloc-abort.xls", ReadError::XlsTooLarge),
        ("xls-cells-far-apart-oom.xls", ReadError::XlsTooLarge),
    ] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(read_table(&bytes, name, &Limits::default()).unwrap_err(), want, "{name}");
    }
}
