//! Workbooks through calamine: `.xlsx`/`.xlsm` streamed cell by cell, `.xls` as a range.
//!
//! Streaming the xlsx sheet (instead of `worksheet_range`) keeps one copy of the data in memory,
//! which matters at a million rows. Formula cells yield their cached value (or nothing when the
//! file was never recalculated); calamine has no formula engine, so nothing is ever executed.

use std::io::Cursor;

use calamine::{Data, DataRef, Reader, SheetType, Xls, XlsError, Xlsx, XlsxError, open_workbook_from_rs};
use chrono::NaiveDate;

use super::{Limits, ReadError, Row, Table, TableBuilder};
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

/// Stream a zip-based workbook's first worksheet (see [`super::stream_rows`]): finished rows go
/// to `each` in batches of [`super::BATCH`], each with the number of rows the sheet declares,
/// until it returns false. Returns how many cells lay beyond the column limit.
pub(super) fn stream_xlsx(
    bytes: &[u8],
    limits: &Limits,
    each: &mut dyn FnMut(Vec<Row>, usize) -> bool,
) -> Result<u64, ReadError> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(xlsx_error)?;
    let name = pick_sheet(wb.sheets_metadata(), None)?;
    let mut cells = wb.worksheet_cells_reader(&name).map_err(xlsx_error)?;
    let hint = cells.dimensions().end.0 as usize + 1;
    let mut batch: Vec<Row> = Vec::with_capacity(super::BATCH);
    let mut current: Option<Row> = None;
    let (mut count, mut dropped) = (0u32, 0u64);
    while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
        let (row, col) = cell.get_position();
        let value = from_data_ref(cell.get_value());
        if value.is_empty() {
            continue;
        }
        if col >= limits.max_columns {
            dropped += 1;
            continue;
        }
        let excel_row = row.saturating_add(1);
        match current.as_ref().map(|r| r.excel_row) {
            Some(r) if r == excel_row => {}
            // A row that comes back after a later one (hand-made files): the rows handed over
            // cannot be taken back; the caller reads the file as a whole instead.
            Some(r) if r > excel_row => return Err(ReadError::Unordered),
            _ => {
                let width = current.as_ref().map_or(0, |r| r.cells.len());
                if let Some(done) = current.take() {
                    batch.push(done);
                    if batch.len() >= super::BATCH
                        && !each(std::mem::replace(&mut batch, Vec::with_capacity(super::BATCH)), hint)
                    {
                        return Ok(dropped);
                    }
                }
                count += 1;
                if count > limits.max_rows {
                    return Err(ReadError::TooManyRows { limit: limits.max_rows });
                }
                current = Some(Row { excel_row, cells: Vec::with_capacity(width) });
            }
        }
        if let Some(r) = current.as_mut() {
            let col = col as usize;
            if r.cells.len() <= col {
                r.cells.resize(col + 1, Cell::Empty);
            }
            r.cells[col] = value;
        }
    }
    batch.extend(current);
    if count == 0 {
        return Err(ReadError::NoData);
    }
    each(batch, hint);
    Ok(dropped)
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
