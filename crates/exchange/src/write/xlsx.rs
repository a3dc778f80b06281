//! `.xlsx` export in rust_xlsxwriter's constant-memory mode: each row is flushed to a temporary
//! file as it is written, so a province-wide export does not hold every row in memory.

use rust_xlsxwriter::{Color, Format, Workbook, Worksheet};

use super::{ColumnKind, SheetSpec, WriteError, needs_neutralizing};
use crate::cell::{Cell, format_number};

/// Data rows per sheet: Excel's 1,048,576 rows less the header.
pub const MAX_DATA_ROWS_PER_SHEET: u32 = 1_048_575;

/// Write a sheet with a bold, frozen header row. More rows than fit in one sheet continue on
/// further sheets (`名称（2）`, …), each with the header.
pub fn write_xlsx<R: AsRef<[Cell]>>(
    sheet: &SheetSpec,
    rows: impl IntoIterator<Item = R>,
) -> Result<Vec<u8>, WriteError> {
    write_xlsx_split(sheet, rows, MAX_DATA_ROWS_PER_SHEET)
}

/// Like [`write_xlsx`], starting a new sheet every `rows_per_sheet` data rows (at most
/// [`MAX_DATA_ROWS_PER_SHEET`]).
pub fn write_xlsx_split<R: AsRef<[Cell]>>(
    sheet: &SheetSpec,
    rows: impl IntoIterator<Item = R>,
    rows_per_sheet: u32,
) -> Result<Vec<u8>, WriteError> {
    let per_sheet = rows_per_sheet.clamp(1, MAX_DATA_ROWS_PER_SHEET);
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let mut sheet_no = 1;
    let mut ws = start_sheet(&mut workbook, sheet, sheet_no, &formats)?;
    let mut r: u32 = 0;
    for row in rows {
        if r == per_sheet {
            sheet_no += 1;
            ws = start_sheet(&mut workbook, sheet, sheet_no, &formats)?;
            r = 0;
        }
        r += 1;
        write_row(ws, r, sheet, row.as_ref(), &formats)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// The formats an export uses, created once.
pub(crate) struct Formats {
    pub(crate) header: Format,
    pub(crate) code: Format,
    pub(crate) code_quoted: Format,
    pub(crate) quoted: Format,
    pub(crate) date: Format,
}

impl Formats {
    pub(crate) fn new() -> Self {
        Formats {
            header: Format::new().set_bold().set_background_color(Color::RGB(0xF2F2F2)),
            code: Format::new().set_num_format("@"),
            code_quoted: Format::new().set_num_format("@").set_quote_prefix(),
            quoted: Format::new().set_quote_prefix(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

fn start_sheet<'a>(
    workbook: &'a mut Workbook,
    spec: &SheetSpec,
    number: u32,
    formats: &Formats,
) -> Result<&'a mut Worksheet, WriteError> {
    let ws = workbook.add_worksheet_with_constant_memory()?;
    ws.set_name(sheet_name(&spec.name, number))?;
    prepare_columns(ws, spec, formats)?;
    for (c, col) in spec.columns.iter().enumerate() {
        ws.write_string_with_format(0, col_num(c), &col.header, &formats.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(ws)
}

/// Column widths and column formats (text for codes, `yyyy-mm-dd` for dates).
pub(crate) fn prepare_columns(ws: &mut Worksheet, spec: &SheetSpec, formats: &Formats) -> Result<(), WriteError> {
    for (c, col) in spec.columns.iter().enumerate() {
        let c = col_num(c);
        ws.set_column_width(c, col.width)?;
        match col.kind {
            ColumnKind::Code => {
                ws.set_column_format(c, &formats.code)?;
            }
            ColumnKind::Date => {
                ws.set_column_format(c, &formats.date)?;
            }
            ColumnKind::Text | ColumnKind::Number => {}
        }
    }
    Ok(())
}

/// Write one data row at 0-based sheet row `r`.
pub(crate) fn write_row(
    ws: &mut Worksheet,
    r: u32,
    spec: &SheetSpec,
    cells: &[Cell],
    f: &Formats,
) -> Result<(), WriteError> {
    for (i, cell) in cells.iter().enumerate() {
        let c = col_num(i);
        let kind = spec.columns.get(i).map_or(ColumnKind::Text, |col| col.kind);
        match cell {
            Cell::Empty => {}
            Cell::Text(s) => {
                let quoted = needs_neutralizing(s);
                match (kind, quoted) {
                    (ColumnKind::Code, false) => ws.write_string_with_format(r, c, s, &f.code)?,
                    (ColumnKind::Code, true) => ws.write_string_with_format(r, c, s, &f.code_quoted)?,
                    (_, true) => ws.write_string_with_format(r, c, s, &f.quoted)?,
                    (_, false) => ws.write_string(r, c, s)?,
                };
            }
            Cell::Number(n) if kind == ColumnKind::Code => {
                ws.write_string_with_format(r, c, format_number(*n), &f.code)?;
            }
            Cell::Number(n) => {
                ws.write_number(r, c, *n)?;
            }
            Cell::Date(d) => {
                ws.write_date_with_format(r, c, d, &f.date)?;
            }
            Cell::Bool(b) => {
                ws.write_boolean(r, c, *b)?;
            }
        }
    }
    Ok(())
}

fn col_num(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// A valid, unique sheet name: forbidden characters replaced, at most 31 characters, `（n）`
/// appended from the second sheet on.
pub(crate) fn sheet_name(base: &str, number: u32) -> String {
    let clean: String = base
        .chars()
        .map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() { '_' } else { c })
        .collect();
    let clean = clean.trim_matches('\'').trim();
    let clean = if clean.is_empty() { "Sheet" } else { clean };
    let suffix = if number > 1 { format!("（{number}）") } else { String::new() };
    let room = 31 - suffix.chars().count();
    let mut name: String = clean.chars().take(room).collect();
    name.push_str(&suffix);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid() {
        assert_eq!(sheet_name("党员名册", 1), "党员名册");
        assert_eq!(sheet_name("党员名册", 2), "党员名册（2）");
        assert_eq!(sheet_name("a/b[c]", 1), "a_b_c_");
        assert_eq!(sheet_name("", 1), "Sheet");
        assert_eq!(sheet_name(&"长".repeat(40), 12).chars().count(), 31);
    }
}
