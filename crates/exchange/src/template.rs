//! Import templates: the columns an import understands, laid out so that filling them in right
//! is the easy path.
//!
//! Sheet 1 holds the headers (required ones in red), one example row, dropdowns for every closed
//! set of values and text format on ID/code columns; sheet 2, “填写说明”, explains every column;
//! a hidden sheet “选项” holds the dropdown lists (the 56 ethnic groups do not fit Excel's
//! 255-character limit for inline lists). Dropdowns warn rather than stop, because the importer
//! also accepts synonyms (`本科`, `大专`) that are not in the list.

use jiceng_types::date::parse_date;
use rust_xlsxwriter::utility::column_number_to_name;
use rust_xlsxwriter::{Color, DataValidation, DataValidationErrorStyle, Format, FormatBorder, Formula, Workbook};

use crate::import::ColumnDef;
use crate::write::xlsx::{Formats, prepare_columns};
use crate::write::{ColumnKind, ColumnSpec, SheetSpec, WriteError};

/// The name of the explanation sheet.
pub const EXPLANATION_SHEET: &str = "填写说明";
/// The name of the hidden sheet with the dropdown lists.
const OPTIONS_SHEET: &str = "选项";
/// The last row the dropdowns cover (Excel's last row, 0-based).
const LAST_ROW: u32 = 1_048_575;

/// Build a template workbook.
pub(crate) fn build(sheet_name: &str, title: &str, defs: &[ColumnDef], notes: &[&str]) -> Result<Vec<u8>, WriteError> {
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold().set_background_color(Color::RGB(0xF2F2F2)).set_border(FormatBorder::Thin);
    let header_required = header.clone().set_font_color(Color::Red);
    let example = Format::new().set_italic().set_font_color(Color::Gray);
    let example_code = example.clone().set_num_format("@");
    let example_date = example.clone().set_num_format("yyyy-mm-dd");

    let spec = SheetSpec {
        name: sheet_name.to_string(),
        columns: defs.iter().map(|d| ColumnSpec::new(d.header, d.kind).with_width(width(d))).collect(),
    };
    let ws = workbook.add_worksheet();
    ws.set_name(sheet_name)?;
    prepare_columns(ws, &spec, &Formats::new())?;
    let mut lists: Vec<Vec<&'static str>> = Vec::new();
    for (i, d) in defs.iter().enumerate() {
        let c = u16::try_from(i).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, c, d.header, if d.required { &header_required } else { &header })?;
        match (d.kind, parse_date(d.example)) {
            (ColumnKind::Date, Ok(date)) => ws.write_date_with_format(1, c, date, &example_date)?,
            (ColumnKind::Code, _) => ws.write_string_with_format(1, c, d.example, &example_code)?,
            _ => ws.write_string_with_format(1, c, d.example, &example)?,
        };
        if let Some(choices) = d.choices {
            let values = choices();
            let letter = column_number_to_name(u16::try_from(lists.len()).unwrap_or(0));
            let range = format!("='{OPTIONS_SHEET}'!${letter}$1:${letter}${}", values.len());
            let validation = DataValidation::new()
                .allow_list_formula(Formula::new(range))
                .set_error_style(DataValidationErrorStyle::Warning)
                .set_error_title("请从下拉列表中选择")?
                .set_error_message(format!("“{}”建议从下拉列表中选择，详见“{EXPLANATION_SHEET}”", d.header))?;
            ws.add_data_validation(1, c, LAST_ROW, c, &validation)?;
            lists.push(values);
        }
    }
    ws.set_freeze_panes(1, 0)?;

    let ws = workbook.add_worksheet();
    ws.set_name(EXPLANATION_SHEET)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::Top);
    for (c, w) in [16.0, 10.0, 70.0, 22.0, 40.0].into_iter().enumerate() {
        ws.set_column_width(u16::try_from(c).unwrap_or(0), w)?;
    }
    ws.write_string_with_format(0, 0, format!("{title}填写说明"), &bold.clone().set_font_size(14))?;
    let mut r: u32 = 1;
    for (i, note) in notes.iter().chain(DATE_NOTE).enumerate() {
        ws.write_string(r, 0, format!("{}. {note}", i + 1))?;
        r += 1;
    }
    r += 1;
    for (c, h) in ["列名", "是否必填", "填写要求", "示例", "也可使用的列名"].into_iter().enumerate()
    {
        ws.write_string_with_format(r, u16::try_from(c).unwrap_or(0), h, &header)?;
    }
    for d in defs {
        r += 1;
        ws.write_string_with_format(r, 0, d.header, &wrap)?;
        ws.write_string_with_format(r, 1, if d.required { "必填" } else { "选填" }, &wrap)?;
        ws.write_string_with_format(r, 2, d.help, &wrap)?;
        ws.write_string_with_format(r, 3, d.example, &wrap)?;
        ws.write_string_with_format(r, 4, d.synonyms.join("、"), &wrap)?;
    }

    let ws = workbook.add_worksheet();
    ws.set_name(OPTIONS_SHEET)?;
    for (c, values) in lists.iter().enumerate() {
        for (r, v) in values.iter().enumerate() {
            ws.write_string(u32::try_from(r).unwrap_or(0), u16::try_from(c).unwrap_or(0), *v)?;
        }
    }
    ws.set_hidden(true);

    Ok(workbook.save_to_buffer()?)
}

const DATE_NOTE: &[&str] =
    &["日期可填 2024-03-12、2024/3/12、2024.03.12、20240312 或 2024年3月12日，也可以是 Excel 的日期格式。"];

fn width(d: &ColumnDef) -> f64 {
    let w = |s: &str| s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum::<usize>();
    (w(d.header).max(w(d.example)) as f64 + 3.0).max(10.0)
}
