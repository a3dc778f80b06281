//! The body of the `import` fuzz target, here so that a normal test can replay the committed
//! corpus on stable Rust without cargo-fuzz.

use chrono::NaiveDate;

use crate::member::{ImportOptions, parse_members};
use crate::org::parse_orgs;
use crate::read::{Limits, read_table};

/// Read arbitrary bytes as each supported file type and validate whatever table comes out as
/// both a member roster and an organization list. Must never panic.
pub fn import_any(data: &[u8]) {
    let limits = Limits { max_rows: 10_000, max_file_bytes: 4 * 1024 * 1024, ..Limits::default() };
    let options = ImportOptions { today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default() };
    for name in ["fuzz.xlsx", "fuzz.xls", "fuzz.csv"] {
        if let Ok(table) = read_table(data, name, &limits) {
            let _ = parse_members(&table, &options);
            let _ = parse_orgs(&table, &options);
        }
    }
}
