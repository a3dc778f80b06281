//! Reading an uploaded spreadsheet into a [`Table`] of plain cells.
//!
//! Uploads are untrusted, so the reader defends itself before any parser sees the bytes: a size
//! limit, a row limit, and for zip-based workbooks a look at the zip central directory that
//! refuses archives which would inflate far beyond their size (zip bombs). Formulas are never
//! evaluated: only the value Excel cached when the file was saved is read.
//!
//! The format is recognized by content (zip, OLE compound file, or text), with the file name's
//! extension as a tie-breaker, because users rename files and browsers send odd names.

mod csv;
mod excel;
mod guard;
mod ole;

use crate::cell::Cell;

/// Limits applied to an upload before and while it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes (default 50 MB).
    pub max_file_bytes: u64,
    /// Most non-empty rows read, the header included (default 1,100,000).
    pub max_rows: u32,
    /// Most columns read; cells further right are dropped and counted (default 256).
    pub max_columns: u32,
    /// Largest total uncompressed size of a zip-based workbook (default 1 GB).
    pub max_uncompressed_bytes: u64,
    /// Largest compression ratio of one zip entry bigger than 1 MiB (default 200).
    pub max_compression_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 * 1024 * 1024,
            max_rows: 1_100_000,
            max_columns: 256,
            max_uncompressed_bytes: 1024 * 1024 * 1024,
            max_compression_ratio: 200,
        }
    }
}

/// One non-empty row of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row number Excel shows (1-based). For CSV, the record number (1-based), which is the
    /// row Excel shows when it opens the file.
    pub excel_row: u32,
    /// The cells from column A on; trailing empty cells are not stored.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The cell in the 0-based column, [`Cell::Empty`] past the end.
    pub fn get(&self, column: usize) -> &Cell {
        static EMPTY: Cell = Cell::Empty;
        self.cells.get(column).unwrap_or(&EMPTY)
    }

    /// True if every cell is empty.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_empty)
    }
}

/// The cells of one sheet, blank rows left out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The sheet's name (for CSV: the file name without extension).
    pub sheet_name: String,
    /// The non-empty rows, in order.
    pub rows: Vec<Row>,
    /// How many non-empty cells lay beyond [`Limits::max_columns`] and were dropped.
    pub dropped_cells: u64,
}

/// Why a file could not be read. `Display` gives the Chinese message for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The upload has no bytes.
    #[error("文件是空的")]
    Empty,
    /// Over [`Limits::max_file_bytes`].
    #[error("文件太大（{size_mb} MB），上限为 {limit_mb} MB，请分成几个文件导入")]
    TooLarge {
        /// The file's size in MB (rounded up).
        size_mb: u64,
        /// The limit in MB.
        limit_mb: u64,
    },
    /// More rows than [`Limits::max_rows`].
    #[error("行数超过上限（{limit} 行），请分成几个文件导入")]
    TooManyRows {
        /// The limit.
        limit: u32,
    },
    /// The zip container would inflate beyond the limits.
    #[error("文件解压后过大或压缩比异常，可能是恶意构造的文件，已拒绝")]
    ZipBomb,
    /// Neither a workbook nor a CSV file.
    #[error("无法识别的文件格式，请上传 Excel 文件（.xlsx、.xls）或 CSV 文件")]
    NotSpreadsheet,
    /// A workbook that cannot be parsed.
    #[error("文件已损坏或不是有效的 Excel 文件，请用 Excel 打开后另存为 .xlsx 再上传")]
    Damaged,
    /// A password-protected workbook.
    #[error("工作簿设置了打开密码，请取消密码后再上传")]
    Encrypted,
    /// An `.xls` whose sheets span more cells than we let calamine allocate.
    #[error("这个 .xls 文件的表格范围过大，请用 Excel 另存为 .xlsx 后再上传")]
    XlsTooLarge,
    /// The requested sheet does not exist.
    #[error("找不到名为“{0}”的工作表")]
    SheetNotFound(String),
    /// The workbook has no worksheet, or the sheet has no data.
    #[error("工作表中没有数据")]
    NoData,
    /// A row of the sheet came after a later one, which only [`stream_rows`] cannot take (the
    /// whole-file reader puts such rows in order).
    #[error("工作表中的行顺序异常，请用 Excel 打开后另存为 .xlsx 再导入")]
    Unordered,
}

impl ReadError {
    /// A stable snake_case code for API clients and tests.
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::Empty => "empty_file",
            ReadError::TooLarge { .. } => "file_too_large",
            ReadError::TooManyRows { .. } => "too_many_rows",
            ReadError::ZipBomb => "zip_bomb",
            ReadError::NotSpreadsheet => "not_spreadsheet",
            ReadError::Damaged => "damaged_file",
            ReadError::Encrypted => "encrypted_workbook",
            ReadError::XlsTooLarge => "xls_too_large",
            ReadError::SheetNotFound(_) => "sheet_not_found",
            ReadError::NoData => "no_data",
            ReadError::Unordered => "unordered_rows",
        }
    }
}

/// Read the first worksheet of an `.xlsx`/`.xlsm`/`.xls` workbook or a `.csv` file.
pub fn read_table(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<Table, ReadError> {
    read_sheet(bytes, file_name, None, limits)
}

/// Read the named worksheet (or the first one when `sheet` is `None`).
pub fn read_sheet(bytes: &[u8], file_name: &str, sheet: Option<&str>, limits: &Limits) -> Result<Table, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    let size = bytes.len() as u64;
    if size > limits.max_file_bytes {
        let mb = |n: u64| n.div_ceil(1024 * 1024);
        return Err(ReadError::TooLarge { size_mb: mb(size), limit_mb: mb(limits.max_file_bytes) });
    }
    let ext = extension(file_name);
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        guard::check_zip(bytes, limits)?;
        return shielded(|| excel::read_xlsx(bytes, sheet, limits));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        ole::check(bytes)?;
        return shielded(|| excel::read_ole(bytes, sheet, limits));
    }
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" => Err(ReadError::Damaged),
        _ if csv::is_utf16(bytes) || looks_like_text(bytes) => {
            let stem = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
            let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
            csv::read_csv(bytes, stem, limits)
        }
        _ => Err(ReadError::NotSpreadsheet),
    }
}

/// Rows handed over at a time by [`stream_rows`].
const BATCH: usize = 1000;

/// Read the first worksheet like [`read_table`], but hand its non-empty rows over in order, in
/// batches, as an `.xlsx` is unpacked and parsed, so that the caller (on a thread of its own)
/// can check and store the first rows while the rest is still being read. `each` gets a
/// batch and the number of rows the sheet declares (a hint), and returns false to stop. Returns
/// how many cells lay beyond the column limit. An `.xlsx` whose rows are out of order gives
/// [`ReadError::Unordered`] (after some batches may have been handed over): read it with
/// [`read_table`] instead. Other formats are read whole first.
pub fn stream_rows(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
    mut each: impl FnMut(Vec<Row>, usize) -> bool,
) -> Result<u64, ReadError> {
    if !bytes.is_empty() && bytes.len() as u64 <= limits.max_file_bytes && bytes.starts_with(b"PK\x03\x04") {
        guard::check_zip(bytes, limits)?;
        let each: &mut dyn FnMut(Vec<Row>, usize) -> bool = &mut each;
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| excel::stream_xlsx(bytes, limits, each)))
            .unwrap_or(Err(ReadError::Damaged));
    }
    let table = read_table(bytes, file_name, limits)?;
    let hint = table.rows.len();
    let mut rows = table.rows.into_iter();
    loop {
        let batch: Vec<Row> = rows.by_ref().take(BATCH).collect();
        if batch.is_empty() || !each(batch, hint) {
            return Ok(table.dropped_cells);
        }
    }
}

/// Run a third-party parser on hostile bytes: a panic inside it means the file is damaged, not
/// that the server should fail the request with a 500. (Under a fuzzer, whose panic hook aborts,
/// such panics are still reported.)
fn shielded(read: impl FnOnce() -> Result<Table, ReadError>) -> Result<Table, ReadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or(Err(ReadError::Damaged))
}

fn extension(file_name: &str) -> String {
    file_name.rsplit_once('.').map(|(_, e)| e.trim().to_ascii_lowercase()).unwrap_or_default()
}

/// Text files have no NUL bytes in their first few kilobytes (UTF-16 aside, which we reject).
fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.iter().take(8192).any(|b| *b == 0)
}

/// Collects cells into rows, enforcing the row and column limits.
pub(crate) struct TableBuilder {
    table: Table,
    max_rows: u32,
    max_columns: u32,
}

impl TableBuilder {
    pub(crate) fn new(sheet_name: &str, limits: &Limits) -> Self {
        TableBuilder {
            table: Table { sheet_name: sheet_name.to_string(), rows: Vec::new(), dropped_cells: 0 },
            max_rows: limits.max_rows,
            max_columns: limits.max_columns,
        }
    }

    /// Put a non-empty cell at a 0-based row and column.
    pub(crate) fn put(&mut self, row: u32, col: u32, cell: Cell) -> Result<(), ReadError> {
        if cell.is_empty() {
            return Ok(());
        }
        if col >= self.max_columns {
            self.table.dropped_cells += 1;
            return Ok(());
        }
        let excel_row = row.saturating_add(1);
        let len = self.table.rows.len();
        let idx = match self.table.rows.last().map(|r| r.excel_row) {
            Some(last) if last == excel_row => len - 1,
            Some(last) if last > excel_row => {
                // Out-of-order cells (rare, hand-made files): find or insert the row.
                match self.table.rows.binary_search_by_key(&excel_row, |r| r.excel_row) {
                    Ok(i) => i,
                    Err(i) => {
                        self.check_rows()?;
                        self.table.rows.insert(i, Row { excel_row, cells: Vec::new() });
                        i
                    }
                }
            }
            _ => {
                self.check_rows()?;
                // Rows are usually as wide as the one before: allocate once.
                let width = self.table.rows.last().map_or(0, |r| r.cells.len());
                self.table.rows.push(Row { excel_row, cells: Vec::with_capacity(width) });
                len
            }
        };
        let cells = &mut self.table.rows[idx].cells;
        let col = col as usize;
        if cells.len() <= col {
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = cell;
        Ok(())
    }

    fn check_rows(&self) -> Result<(), ReadError> {
        if self.table.rows.len() >= self.max_rows as usize {
            return Err(ReadError::TooManyRows { limit: self.max_rows });
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<Table, ReadError> {
        if self.table.rows.is_empty() {
            return Err(ReadError::NoData);
        }
        Ok(self.table)
    }
}
