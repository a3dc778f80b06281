//! What every import produces: typed rows, rejected rows with reasons, and warnings, plus the
//! file-level errors that stop an import before any row is looked at.
//!
//! The JSON shape of the reasons is a contract with the web layer and with users who download
//! the error list: `{"row":R,"column":"…","reason":"…"}`, where `row` is the row number Excel
//! shows and `column` is the header text exactly as it is in the file.

mod columns;
mod fields;

use serde::Serialize;

pub use columns::{ColumnDef, ColumnMap, HEADER_SEARCH_ROWS, dropped_cells_warning, header_key, map_columns};
pub(crate) use fields::{DateValue, RowContext};

use crate::read::ReadError;

/// One problem in one cell of a row. A rejected row has one for every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The row number Excel shows.
    pub row: u32,
    /// The column's header text as in the file.
    pub column: String,
    /// What is wrong, in Chinese.
    pub reason: String,
}

/// Something the user should know that does not reject a row: an ignored column, a skipped
/// example row, a converted legacy ID number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The row, for row-level warnings; absent for column-level ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// The column's header text as in the file (empty if the warning is about the whole file).
    pub column: String,
    /// What happened, in Chinese.
    pub reason: String,
}

impl Warning {
    /// A warning about a whole column.
    pub fn column(column: impl Into<String>, reason: impl Into<String>) -> Self {
        Warning { row: None, column: column.into(), reason: reason.into() }
    }

    /// A warning about one cell.
    pub fn cell(row: u32, column: impl Into<String>, reason: impl Into<String>) -> Self {
        Warning { row: Some(row), column: column.into(), reason: reason.into() }
    }
}

/// The outcome of validating a file's rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedImport<T> {
    /// Rows that passed every check, in file order.
    pub rows: Vec<T>,
    /// Every problem of every rejected row, in file order.
    pub rejected: Vec<RowError>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

impl<T> ParsedImport<T> {
    /// How many distinct rows were rejected.
    pub fn rejected_rows(&self) -> usize {
        let mut n = 0;
        let mut last = None;
        for e in &self.rejected {
            if last != Some(e.row) {
                n += 1;
                last = Some(e.row);
            }
        }
        n
    }
}

/// Why a whole file cannot be imported. `Display` gives the Chinese message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// No row among the first rows looks like a header.
    #[error("未找到表头：前{searched}行中没有一行包含至少3个可识别的列名（如{examples}），请使用导入模板")]
    NoHeader {
        /// How many rows were searched.
        searched: usize,
        /// Some expected column names, joined with `、`.
        examples: String,
    },
    /// Required columns are missing.
    #[error("缺少必填列：{}", .0.join("、"))]
    MissingColumns(Vec<String>),
}

impl ImportError {
    /// A stable snake_case code for API clients and tests.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Read(e) => e.code(),
            ImportError::NoHeader { .. } => "no_header",
            ImportError::MissingColumns(_) => "missing_columns",
        }
    }
}
