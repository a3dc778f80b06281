//! Workbooks through calamine: `.xlsx`/`.xlsm` streamed cell by cell, `.xls` as a range.
//!
//! Streaming the xlsx sheet (instead of `worksheet_range`) keeps one copy of the data in memory,
//! which matters at a million rows. Formula cells yield their cached value (or nothing when the
//! file was never recalculated); calamine has no formula engine, so nothing is ever executed.

use std::io::Cursor;

use calamine::{Data, DataRef, Reader, SheetType, Xls, XlsError, Xlsx, XlsxError, open_workbook_from_rs};
use chrono::NaiveDate;

use super::{Limits, ReadError, Table, TableBuilder};
use crate::cell::Cell;

/// Read a zip-based workbook (its central directory already checked).
pub(super) fn read_xlsx(bytes: &[u8], sheet: Option<&str>, limits: &Limits) -> Result<Table, ReadError> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(xlsx_error)?;
    let name = pick_sheet(wb.sheets_metadata(), sheet)?;
    let mut builder = TableBuilder::new(&name, limits);
    let mut cells = wb.worksheet_cells_reader(&name).map_err(xlsx_error)?;
    while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
        let (row, col) = cell.get_position();
        builder.put(row, col, from_data_ref(cell.get_value()))?;
    }
    builder.finish()
}

/// Read an OLE compound file: a `.xls` workbook, or an encrypted `.xlsx` (which Office wraps in
/// such a file).
pub(super) fn read_ole(bytes: &[u8], sheet: Option<&str>, limits: &Limits) -> Result<Table, ReadError> {
    let mut wb: Xls<_> = match open_workbook_from_rs(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(XlsError::Password) => return Err(ReadError::Encrypted),
        Err(_) => {
            return match open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes)) {
                Err(XlsxError::Password) => Err(ReadError::Encrypted),
                _ => Err(ReadError::Damaged),
            };
        }
    };
    let name = pick_sheet(wb.sheets_metadata(), sheet)?;
    let range = wb.worksheet_range(&name).map_err(|e| match e {
        XlsError::Password => ReadError::Encrypted,
        _ => ReadError::Damaged,
    })?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut builder = TableBuilder::new(&name, limits);
    for (r, c, value) in range.used_cells() {
        builder.put(row0 + r as u32, col0 + c as u32, from_data(value))?;
    }
    builder.finish()
}

fn pick_sheet(sheets: &[calamine::Sheet], wanted: Option<&str>) -> Result<String, ReadError> {
    match wanted {
        Some(w) => sheets
            .iter()
            .find(|s| s.name == w && s.typ == SheetType::WorkSheet)
            .map(|s| s.name.clone())
            .ok_or_else(|| ReadError::SheetNotFound(w.to_string())),
        None => sheets.iter().find(|s| s.typ == SheetType::WorkSheet).map(|s| s.name.clone()).ok_or(ReadError::NoData),
    }
}

fn xlsx_error(e: XlsxError) -> ReadError {
    match e {
        XlsxError::Password => ReadError::Encrypted,
        XlsxError::WorksheetNotFound(n) => ReadError::SheetNotFound(n),
        _ => ReadError::Damaged,
    }
}

fn from_data_ref(v: &DataRef<'_>) -> Cell {
    match v {
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::String(s) => text(s),
        DataRef::SharedString(s) => text(s),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => date_time(dt),
        DataRef::DateTimeIso(s) => iso_date(s),
        DataRef::DurationIso(s) => text(s),
        DataRef::Error(e) => Cell::Text(e.to_string()),
        DataRef::Empty => Cell::Empty,
    }
}

fn from_data(v: &Data) -> Cell {
    match v {
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) => text(s),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => date_time(dt),
        Data::DateTimeIso(s) => iso_date(s),
        Data::DurationIso(s) => text(s),
        Data::Error(e) => Cell::Text(e.to_string()),
        Data::Empty => Cell::Empty,
    }
}

fn text(s: &str) -> Cell {
    if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s.to_string()) }
}

fn date_time(dt: &calamine::ExcelDateTime) -> Cell {
    if dt.is_datetime()
        && let Some(d) = dt.as_datetime()
    {
        return Cell::Date(d.date());
    }
    Cell::Number(dt.as_f64())
}

fn iso_date(s: &str) -> Cell {
    s.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).map_or_else(|| text(s), Cell::Date)
}
