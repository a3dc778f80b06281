//! Turning the cells of one row into typed values, collecting every problem of the row.
//!
//! Each accessor returns `None` when the cell is empty or invalid and records a [`RowError`] for
//! the invalid case (and for an empty required cell), so a row's validation reads top to bottom
//! and reports all its problems at once instead of stopping at the first.

use chrono::NaiveDate;
use jiceng_types::date::{from_excel_serial, parse_date, parse_year_month};
use jiceng_types::error::ValueError;
use jiceng_types::idcard::{EXCEL_NUMBER_MESSAGE, IdCardNo, LegacyNumbers};
use jiceng_types::phone::Phone;
use jiceng_types::text;

use super::{ColumnMap, RowError, Warning};
use crate::cell::{Cell, format_number};
use crate::read::Row;

/// A date as found in a cell: complete, or only a year and month (stored as the 1st).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateValue {
    /// Year, month and day.
    Full(NaiveDate),
    /// Year and month only.
    YearMonth(NaiveDate),
}

/// The validation state of one row.
pub(crate) struct RowContext<'a> {
    pub(crate) row: &'a Row,
    map: &'a ColumnMap,
    pub(crate) today: NaiveDate,
    pub(crate) errors: Vec<RowError>,
    pub(crate) warnings: Vec<Warning>,
}

impl<'a> RowContext<'a> {
    pub(crate) fn new(row: &'a Row, map: &'a ColumnMap, today: NaiveDate) -> Self {
        RowContext { row, map, today, errors: Vec::new(), warnings: Vec::new() }
    }

    /// Record a problem in a column.
    pub(crate) fn err(&mut self, def: usize, reason: impl Into<String>) {
        self.errors.push(RowError {
            row: self.row.excel_row,
            column: self.map.header(def).to_string(),
            reason: reason.into(),
        });
    }

    /// Record a warning about a cell.
    pub(crate) fn warn(&mut self, def: usize, reason: impl Into<String>) {
        self.warnings.push(Warning::cell(self.row.excel_row, self.map.header(def), reason));
    }

    /// The cell of a known column.
    pub(crate) fn cell(&self, def: usize) -> &'a Cell {
        self.map.cell(self.row, def)
    }

    /// The normalized text of a cell; `None` (and an error if `required`) when empty.
    pub(crate) fn text(&mut self, def: usize, required: bool) -> Option<String> {
        let t = text::normalize(&self.cell(def).to_text());
        if t.is_empty() {
            if required {
                self.err(def, "必填，不能为空");
            }
            return None;
        }
        Some(t)
    }

    /// Optional free text with a length limit and no control characters.
    pub(crate) fn free_text(&mut self, def: usize, max_chars: usize) -> Option<String> {
        let t = self.text(def, false)?;
        if t.chars().count() > max_chars {
            self.err(def, format!("不能超过{max_chars}个字"));
            return None;
        }
        Some(t)
    }

    /// A value parsed from the cell's text.
    pub(crate) fn parsed<T>(
        &mut self,
        def: usize,
        required: bool,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<T> {
        let raw = self.cell(def).to_text();
        if raw.trim().is_empty() {
            if required {
                self.err(def, "必填，不能为空");
            }
            return None;
        }
        match parse(&raw) {
            Ok(v) => Some(v),
            Err(e) => {
                self.err(def, e.message);
                None
            }
        }
    }

    /// One of a closed set of values.
    pub(crate) fn choice<T>(
        &mut self,
        def: usize,
        required: bool,
        parse: impl FnOnce(&str) -> Option<T>,
        hint: &str,
    ) -> Option<T> {
        let t = self.text(def, required)?;
        let v = parse(&t);
        if v.is_none() {
            self.err(def, format!("“{t}”不是可用的值，{hint}"));
        }
        v
    }

    /// A date: an Excel date, an Excel serial number or a written date; with `year_month`, also
    /// a year and month.
    pub(crate) fn date(&mut self, def: usize, required: bool, year_month: bool) -> Option<DateValue> {
        let cell = self.cell(def);
        if cell.is_empty() {
            if required {
                self.err(def, "必填，不能为空");
            }
            return None;
        }
        match cell_date(cell, year_month) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.err(def, reason);
                None
            }
        }
    }

    /// A complete date (see [`RowContext::date`]), not after today.
    pub(crate) fn past_date(&mut self, def: usize, required: bool, what: &str) -> Option<NaiveDate> {
        let d = match self.date(def, required, false)? {
            DateValue::Full(d) | DateValue::YearMonth(d) => d,
        };
        if d > self.today {
            self.err(def, format!("{what}不能晚于今天"));
            return None;
        }
        Some(d)
    }

    /// A 公民身份号码; 15-digit legacy numbers are converted (with a warning).
    pub(crate) fn id_card(&mut self, def: usize) -> Option<IdCardNo> {
        let cell = self.cell(def);
        let raw = match cell {
            Cell::Empty => {
                self.err(def, "必填，不能为空");
                return None;
            }
            Cell::Number(n) if *n >= 1e15 || n.fract() != 0.0 => {
                self.err(def, EXCEL_NUMBER_MESSAGE);
                return None;
            }
            other => other.to_text(),
        };
        match IdCardNo::parse_at(&raw, self.today, LegacyNumbers::Convert) {
            Ok(id) => {
                if raw.chars().filter(char::is_ascii_alphanumeric).count() == 15 {
                    self.warn(def, format!("15位旧身份证号已转换为18位（{}）", id.masked()));
                }
                Some(id)
            }
            Err(e) => {
                self.err(def, e.message);
                None
            }
        }
    }

    /// An optional phone number (a number cell is read as its digits).
    pub(crate) fn phone(&mut self, def: usize) -> Option<Phone> {
        self.parsed(def, false, Phone::parse)
    }
}

/// The date in a cell, or the reason it is not one.
pub(crate) fn cell_date(cell: &Cell, year_month: bool) -> Result<DateValue, String> {
    match cell {
        Cell::Date(d) => Ok(DateValue::Full(*d)),
        Cell::Number(n) => number_date(*n, year_month),
        Cell::Text(s) => text_date(s, year_month),
        Cell::Bool(_) | Cell::Empty => Err("不是有效日期，应形如 2024-03-12".to_string()),
    }
}

fn number_date(n: f64, year_month: bool) -> Result<DateValue, String> {
    if n.fract() == 0.0 && (1900.0..=22_001_231.0).contains(&n) {
        let digits = format_number(n);
        match digits.len() {
            8 => return parse_date(&digits).map(DateValue::Full).map_err(|e| e.message),
            6 if year_month => return parse_year_month(&digits).map(DateValue::YearMonth).map_err(|e| e.message),
            6 => return Err(format!("“{digits}”缺少日，请填写完整日期，如 2024-03-12")),
            4 if n <= 2200.0 => return Err(format!("“{digits}”只有年份，请填写完整日期，如 {digits}-03-12")),
            _ => {}
        }
    } else if (1900.0..2201.0).contains(&n) {
        // `1985.03` typed into a cell with the General format: Excel made it a number.
        let t = format_number(n);
        if !year_month {
            return Err(format!("“{t}”被 Excel 存成了数字，请填写完整日期，如 2024-03-12"));
        }
        if t.ends_with(".1") {
            return Err(format!(
                "“{t}”被 Excel 存成了数字，无法区分1月和10月，请写成 {}-01 或 {}-10",
                &t[..4],
                &t[..4]
            ));
        }
        return parse_year_month(&t).map(DateValue::YearMonth).map_err(|e| e.message);
    }
    from_excel_serial(n)
        .map(DateValue::Full)
        .ok_or_else(|| format!("“{}”不是有效日期，应形如 2024-03-12", format_number(n)))
}

fn text_date(s: &str, year_month: bool) -> Result<DateValue, String> {
    let t = text::normalize(s);
    // Drop a time of day: `1985-03-12 00:00:00`, `1985-03-12T00:00`.
    let t = match t.split_once([' ', 'T']) {
        Some((d, time)) if time.contains(':') => d.to_string(),
        _ => t,
    };
    if t.len() == 5
        && t.bytes().all(|b| b.is_ascii_digit())
        && let Some(d) = t.parse::<f64>().ok().and_then(from_excel_serial)
    {
        return Ok(DateValue::Full(d));
    }
    match parse_date(&t) {
        Ok(d) => Ok(DateValue::Full(d)),
        Err(e) if year_month => parse_year_month(&t).map(DateValue::YearMonth).map_err(|_| e.message),
        Err(e) => Err(e.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn dates_from_every_kind_of_cell() {
        let full = DateValue::Full(d(1985, 3, 12));
        assert_eq!(cell_date(&Cell::Date(d(1985, 3, 12)), false), Ok(full));
        assert_eq!(cell_date(&Cell::Number(31118.0), false), Ok(full));
        assert_eq!(cell_date(&Cell::Number(19850312.0), false), Ok(full));
        assert_eq!(cell_date(&Cell::text("1985年3月12日"), false), Ok(full));
        assert_eq!(cell_date(&Cell::text("1985-03-12 00:00:00"), false), Ok(full));
        assert_eq!(cell_date(&Cell::text("31118"), false), Ok(full));
        let ym = DateValue::YearMonth(d(1985, 3, 1));
        assert_eq!(cell_date(&Cell::text("1985.03"), true), Ok(ym));
        assert_eq!(cell_date(&Cell::Number(1985.03), true), Ok(ym));
        assert_eq!(cell_date(&Cell::Number(198503.0), true), Ok(ym));
        assert!(cell_date(&Cell::Number(1985.1), true).unwrap_err().contains("无法区分"));
        assert!(cell_date(&Cell::text("1985.03"), false).is_err());
        assert!(cell_date(&Cell::Number(1985.0), true).unwrap_err().contains("只有年份"));
        assert!(cell_date(&Cell::Bool(true), true).is_err());
    }
}
