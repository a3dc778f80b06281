//! One cell of a spreadsheet, as read and as written.
//!
//! The same small enum is the output of every reader (xlsx, xls, csv) and the input of every
//! writer, so an export can be read back by the importer without a conversion layer.

use chrono::NaiveDate;

/// The value of one cell. Formulas never appear: readers keep only the value Excel cached.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Cell {
    /// No value (also a text cell holding only whitespace).
    #[default]
    Empty,
    /// Text, as typed (not yet normalized).
    Text(String),
    /// A number. Excel stores every number as an IEEE double, so long digit strings such as ID
    /// numbers lose precision when they arrive here.
    Number(f64),
    /// A cell with a date format (the time of day, if any, dropped).
    Date(NaiveDate),
    /// TRUE or FALSE.
    Bool(bool),
}

impl Cell {
    /// True for [`Cell::Empty`].
    pub fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }

    /// A text cell, or [`Cell::Empty`] if the text is blank.
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s) }
    }

    /// An optional text: `None` becomes [`Cell::Empty`].
    pub fn opt_text<S: AsRef<str>>(s: Option<S>) -> Cell {
        s.map_or(Cell::Empty, |s| Cell::text(s.as_ref()))
    }

    /// An optional date: `None` becomes [`Cell::Empty`].
    pub fn opt_date(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::Empty, Cell::Date)
    }

    /// The cell as display text: numbers without a spurious `.0`, dates as `yyyy-mm-dd`,
    /// booleans as `是`/`否`. Text is returned as is.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => format_number(*n),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        }
    }
}

/// A number as a person would write it: integers without a decimal point (up to 15 digits, all
/// Excel keeps), others in their shortest exact form.
pub fn format_number(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_people_write_them() {
        assert_eq!(format_number(13912345678.0), "13912345678");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(1985.03), "1985.03");
        assert_eq!(format_number(5.20102198503121e17), "520102198503121000");
        assert_eq!(Cell::text("  "), Cell::Empty);
        assert_eq!(Cell::Bool(true).to_text(), "是");
    }
}
