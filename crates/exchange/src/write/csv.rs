//! CSV export: UTF-8 with a BOM (so Excel on Windows shows Chinese correctly), CRLF line ends,
//! RFC 4180 quoting, and `'` before any text that would start a formula.

use super::{SheetSpec, needs_neutralizing};
use crate::cell::{Cell, format_number};

/// Write a header row and the rows as CSV. Unlike xlsx there is no row limit per file.
///
/// Written by hand rather than with `csv::Writer`, whose `Result`s cannot fail on a `Vec` but
/// would still have to be handled.
pub fn write_csv<R: AsRef<[Cell]>>(sheet: &SheetSpec, rows: impl IntoIterator<Item = R>) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    let headers: Vec<Cell> = sheet.columns.iter().map(|c| Cell::Text(c.header.clone())).collect();
    write_record(&mut out, sheet, &headers);
    for row in rows {
        write_record(&mut out, sheet, row.as_ref());
    }
    out
}

fn write_record(out: &mut Vec<u8>, sheet: &SheetSpec, cells: &[Cell]) {
    let n = sheet.columns.len().max(cells.len());
    for i in 0..n {
        if i > 0 {
            out.push(b',');
        }
        let text = match cells.get(i) {
            None | Some(Cell::Empty) => continue,
            Some(Cell::Text(s)) if needs_neutralizing(s) => format!("'{s}"),
            Some(Cell::Text(s)) => s.clone(),
            Some(Cell::Number(n)) => format_number(*n),
            Some(other) => other.to_text(),
        };
        write_field(out, &text);
    }
    out.extend_from_slice(b"\r\n");
}

fn write_field(out: &mut Vec<u8>, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::{ColumnKind, ColumnSpec};

    #[test]
    fn quotes_and_neutralizes() {
        let sheet = SheetSpec {
            name: "x".into(),
            columns: vec![ColumnSpec::new("a", ColumnKind::Text), ColumnSpec::new("b", ColumnKind::Number)],
        };
        let rows = vec![
            vec![Cell::text("=HYPERLINK(\"http://x\",\"y\")"), Cell::Number(-3.0)],
            vec![Cell::text("a,b"), Cell::Empty],
            vec![Cell::text("@SUM(A1)"), Cell::Number(1.5)],
        ];
        let out = String::from_utf8(write_csv(&sheet, rows)).unwrap();
        assert_eq!(
            out,
            "\u{feff}a,b\r\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-3\r\n\"a,b\",\r\n'@SUM(A1),1.5\r\n"
        );
    }
}
