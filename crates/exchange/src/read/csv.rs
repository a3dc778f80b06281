//! CSV files: UTF-8 (with or without BOM), GBK/GB18030 (what Excel on a Chinese Windows saves as
//! "CSV"), or UTF-16 with BOM ("Unicode text"); comma, tab or semicolon separated.
//!
//! The encoding is decided by validity: bytes that are valid UTF-8 are UTF-8 (GBK text of any
//! length is almost never valid UTF-8), everything else is decoded as GB18030.

use std::borrow::Cow;

use super::{Limits, ReadError, Table, TableBuilder};
use crate::cell::Cell;
use crate::write::FORMULA_TRIGGERS;

/// Read a delimited text file.
pub(super) fn read_csv(bytes: &[u8], sheet_name: &str, limits: &Limits) -> Result<Table, ReadError> {
    let text = decode(bytes)?;
    let delimiter = sniff_delimiter(&text);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut builder = TableBuilder::new(sheet_name, limits);
    let mut record = csv::StringRecord::new();
    let rows = record_rows(text.as_bytes(), delimiter);
    let mut index = 0usize;
    while reader.read_record(&mut record).map_err(|_| ReadError::Damaged)? {
        let excel_row = rows.get(index).copied().unwrap_or_else(|| u32::try_from(index + 1).unwrap_or(u32::MAX));
        for (col, field) in record.iter().enumerate() {
            let col = u32::try_from(col).unwrap_or(u32::MAX);
            builder.put(excel_row.saturating_sub(1), col, Cell::text(unquote(field)))?;
        }
        index += 1;
    }
    builder.finish()
}

/// The row Excel shows for each record, in order.
///
/// The csv crate skips blank lines (and its line count is off with CRLF line ends), but Excel
/// shows a blank line as an empty row and keeps a quoted field's line breaks inside one row. So
/// the records are found here with the same quoting rules: a `"` opens a quoted field only at
/// the start of a field, `""` inside one is a literal quote.
fn record_rows(b: &[u8], delimiter: u8) -> Vec<u32> {
    let mut rows = Vec::new();
    let mut row: u32 = 1;
    let (mut content, mut field_start, mut quoted) = (false, true, false);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if quoted {
            if c == b'"' {
                if b.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if c == b'\r' || c == b'\n' {
            if c == b'\r' && b.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            if content {
                rows.push(row);
            }
            row = row.saturating_add(1);
            (content, field_start) = (false, true);
        } else {
            quoted = c == b'"' && field_start;
            field_start = c == delimiter;
            content = true;
        }
        i += 1;
    }
    if content {
        rows.push(row);
    }
    rows
}

/// The text of the file, BOM removed.
pub(super) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ReadError> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return if had_errors { Err(ReadError::NotSpreadsheet) } else { Ok(text) };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(s));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors { Err(ReadError::NotSpreadsheet) } else { Ok(text) }
}

/// True if the bytes start with a UTF-16 byte-order mark.
pub(super) fn is_utf16(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])
}

/// The separator used on the first line: the most frequent of `,`, tab and `;` (`,` on a tie).
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let count = |c: char| first.chars().filter(|x| *x == c).count();
    let (comma, tab, semi) = (count(','), count('\t'), count(';'));
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma && semi > tab {
        b';'
    } else {
        b','
    }
}

/// Undo the neutralization our own exports apply: `'=…` back to `=…` (only before a character
/// that would start a formula, so a name like `'t Hooft` is untouched).
fn unquote(field: &str) -> &str {
    match field.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_TRIGGERS) => rest,
        _ => field,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_encoding() {
        let s = "姓名,性别\n张三,男\n";
        assert_eq!(decode(s.as_bytes()).unwrap(), s);
        let bom = [b"\xEF\xBB\xBF".as_slice(), s.as_bytes()].concat();
        assert_eq!(decode(&bom).unwrap(), s);
        let (gbk, _, _) = encoding_rs::GBK.encode(s);
        assert!(std::str::from_utf8(&gbk).is_err());
        assert_eq!(decode(&gbk).unwrap(), s);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&utf16).unwrap(), s);
    }

    #[test]
    fn rows_are_numbered_as_excel_shows_them() {
        let text = "a,b\r\n\r\n\"multi\nline\",x\n\"q\"\"\",y\nab\"c,d\n\n\n   \nlast";
        assert_eq!(record_rows(text.as_bytes(), b','), vec![1, 3, 4, 5, 8, 9]);
        let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        assert_eq!(r.records().count(), 6);
    }

    #[test]
    fn sniffs_the_separator() {
        assert_eq!(sniff_delimiter("a,b,c\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter("\n a;b;c\n"), b';');
    }

    #[test]
    fn strips_only_our_quote() {
        assert_eq!(unquote("'=1+1"), "=1+1");
        assert_eq!(unquote("'-"), "-");
        assert_eq!(unquote("'t Hooft"), "'t Hooft");
    }
}
