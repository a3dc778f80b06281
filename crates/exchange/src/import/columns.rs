//! Finding the header row and mapping columns by name.
//!
//! Real rosters put a merged title row ("城关镇党员花名册") and notes above the header, order
//! columns as they like, and name them in several ways. So the header is the first of the first
//! rows that names at least three known columns, and each column is found by any of its names.

use std::collections::HashMap;

use super::{ImportError, Warning};
use crate::cell::Cell;
use crate::read::{Row, Table};
use crate::write::ColumnKind;

/// How many rows from the top are searched for the header.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// Headers that are expected on rosters and silently ignored.
const IGNORED_HEADERS: &[&str] = &["序号"];

/// One column an import understands (and a template and an export write).
#[derive(Debug, Clone, Copy)]
pub struct ColumnDef {
    /// The canonical header, written in templates and exports.
    pub header: &'static str,
    /// Other names accepted in uploaded files.
    pub synonyms: &'static [&'static str],
    /// A file without this column is refused.
    pub required: bool,
    /// How the column is written (text format for codes, date format for dates).
    pub kind: ColumnKind,
    /// What to fill in, for the template's explanation sheet.
    pub help: &'static str,
    /// The value in the template's example row.
    pub example: &'static str,
    /// The allowed values, offered as a dropdown in the template.
    pub choices: Option<fn() -> Vec<&'static str>>,
}

impl ColumnDef {
    /// All names of the column, canonical first.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.header).chain(self.synonyms.iter().copied())
    }
}

/// Where each known column is in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    /// The Excel row number of the header row.
    pub header_row: u32,
    /// Index in `Table::rows` of the first row after the header.
    pub data_start: usize,
    positions: Vec<Option<usize>>,
    headers: Vec<String>,
}

impl ColumnMap {
    /// The 0-based file column of a known column (by its index in the definitions).
    pub fn position(&self, def: usize) -> Option<usize> {
        self.positions.get(def).copied().flatten()
    }

    /// The header text as in the file (the canonical header if the column is absent).
    pub fn header(&self, def: usize) -> &str {
        self.headers.get(def).map_or("", String::as_str)
    }

    /// The cell of a known column in a row ([`Cell::Empty`] if the column is absent).
    pub fn cell<'a>(&self, row: &'a Row, def: usize) -> &'a Cell {
        static EMPTY: Cell = Cell::Empty;
        self.position(def).map_or(&EMPTY, |p| row.get(p))
    }

    /// True if every known column of the row is empty (such rows are skipped).
    pub fn is_blank(&self, row: &Row) -> bool {
        self.positions.iter().flatten().all(|p| row.get(*p).is_empty())
    }
}

/// The comparable form of a header: full-width made half-width, whitespace, `*` and any
/// parenthesized hint removed (`出生日期（格式：1985-03-12）` → `出生日期`), ASCII lower-cased.
pub fn header_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0u32;
    for ch in text.chars().map(jiceng_types::text::to_half_width) {
        match ch {
            '(' | '[' | '【' => depth += 1,
            ')' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() || c == '*' => {}
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    let trimmed = out.trim_end_matches([':', '：']).len();
    out.truncate(trimmed);
    out
}

/// The warning about cells beyond the column limit.
pub fn dropped_cells_warning(count: u64) -> Warning {
    Warning::column("", format!("有{count}个单元格位于允许读取的最右列之外，已忽略"))
}

/// Find the header row and map the columns.
///
/// Unknown and repeated columns become warnings; missing required columns are an error naming
/// them.
pub fn map_columns(table: &Table, defs: &[ColumnDef]) -> Result<(ColumnMap, Vec<Warning>), ImportError> {
    let lookup: HashMap<String, usize> =
        defs.iter().enumerate().flat_map(|(i, d)| d.names().map(move |n| (header_key(n), i))).collect();
    let known = |c: &Cell| match c {
        Cell::Text(s) => lookup.get(&header_key(s)).copied(),
        _ => None,
    };
    let header_index = table
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|r| {
            let mut hits: Vec<usize> = r.cells.iter().filter_map(known).collect();
            hits.sort_unstable();
            hits.dedup();
            hits.len() >= 3.min(defs.len())
        })
        .ok_or_else(|| ImportError::NoHeader {
            searched: HEADER_SEARCH_ROWS,
            examples: defs.iter().filter(|d| d.required).map(|d| d.header).collect::<Vec<_>>().join("、"),
        })?;
    let header = &table.rows[header_index];
    let mut positions = vec![None; defs.len()];
    let mut headers: Vec<String> = defs.iter().map(|d| d.header.to_string()).collect();
    let mut warnings = Vec::new();
    for (col, cell) in header.cells.iter().enumerate() {
        let text = cell.to_text().trim().to_string();
        if text.is_empty() {
            continue;
        }
        match known(cell) {
            Some(i) if positions[i].is_none() => {
                positions[i] = Some(col);
                headers[i] = text;
            }
            Some(i) => {
                warnings.push(Warning::column(text, format!("与“{}”是同一列，已忽略（以左侧第一列为准）", headers[i])))
            }
            None if IGNORED_HEADERS.contains(&header_key(&text).as_str()) => {}
            None => warnings.push(Warning::column(text, "未识别的列，已忽略")),
        }
    }
    let missing: Vec<String> = defs
        .iter()
        .zip(&positions)
        .filter(|(d, p)| d.required && p.is_none())
        .map(|(d, _)| d.header.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns(missing));
    }
    if table.dropped_cells > 0 {
        warnings.push(dropped_cells_warning(table.dropped_cells));
    }
    let map = ColumnMap { header_row: header.excel_row, data_start: header_index + 1, positions, headers };
    Ok((map, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_keys_ignore_decoration() {
        assert_eq!(header_key(" 出生日期（格式：1985-03-12） "), "出生日期");
        assert_eq!(header_key("*姓 名"), "姓名");
        assert_eq!(header_key("公民身份号码："), "公民身份号码");
        assert_eq!(header_key("ＩＤ"), "id");
    }
}
