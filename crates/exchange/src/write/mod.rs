//! Writing exports: `.xlsx` through rust_xlsxwriter and CSV with a UTF-8 BOM.
//!
//! Two promises hold for every export:
//! - ID numbers, codes and phone numbers are written as text in a text-formatted column, never as
//!   numbers (Excel would keep only 15 digits of an ID number).
//! - No cell can run as a formula when the file is opened (CSV/formula injection). In xlsx every
//!   text is written explicitly as a string cell, and a text that starts with `=`, `+`, `-`, `@`,
//!   tab or CR additionally gets Excel's *quote prefix* attribute, so it stays text even when a
//!   user edits the cell and presses Enter; the value itself is unchanged. CSV has no cell types,
//!   so there such a text is prefixed with `'` (which our CSV reader removes again).

mod csv;
pub(crate) mod xlsx;

pub use self::csv::write_csv;
pub use self::xlsx::{MAX_DATA_ROWS_PER_SHEET, write_xlsx, write_xlsx_split};

/// The characters that make a spreadsheet treat a cell as a formula (or DDE command).
pub const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// True if a text would be taken for a formula when the file is opened.
pub fn needs_neutralizing(text: &str) -> bool {
    text.starts_with(FORMULA_TRIGGERS)
}

/// How the values of a column are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Plain text.
    Text,
    /// Digits that must stay text: ID numbers, codes, phone numbers. The column gets the text
    /// number format `@`, so what a user types there stays text too.
    Code,
    /// Dates, written as real Excel dates with the format `yyyy-mm-dd`.
    Date,
    /// Numbers.
    Number,
}

/// One column of an export.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    /// The header text.
    pub header: String,
    /// How values are written.
    pub kind: ColumnKind,
    /// Width in Excel character units.
    pub width: f64,
}

impl ColumnSpec {
    /// A column with a width fitted to the header (CJK characters count double).
    pub fn new(header: impl Into<String>, kind: ColumnKind) -> Self {
        let header = header.into();
        let header_width: usize = header.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
        let min = match kind {
            ColumnKind::Code => 22.0,
            ColumnKind::Date => 12.0,
            ColumnKind::Text | ColumnKind::Number => 10.0,
        };
        let width = (header_width as f64 + 2.0).max(min);
        ColumnSpec { header, kind, width }
    }

    /// The same column with another width.
    pub fn with_width(mut self, width: f64) -> Self {
        self.width = width;
        self
    }
}

/// The layout of an exported sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetSpec {
    /// The sheet's name (at most 31 characters; `[]:*?/\` are replaced).
    pub name: String,
    /// The columns, left to right.
    pub columns: Vec<ColumnSpec>,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// rust_xlsxwriter refused (e.g. the temporary directory of constant-memory mode is not
    /// writable). The text is for logs, not for users.
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}
