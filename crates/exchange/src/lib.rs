//! Excel and CSV exchange for jiceng: read uploads into typed records, write exports and import
//! templates.
//!
//! Everything here is bytes in, bytes out: no database and no file system (rust_xlsxwriter's
//! constant-memory mode aside, which spools rows to a temporary file while writing). The store
//! and the web layer decide what to do with the records; this crate decides what a valid row is
//! and tells the user, in Chinese and by Excel row number, what is wrong with the others.
//!
//! - [`read`]: a file's bytes → [`read::Table`] of [`Cell`]s (xlsx/xlsm/xls/csv, with zip-bomb,
//!   size and row limits).
//! - [`import`]: header detection, column mapping and the result types ([`ParsedImport`],
//!   [`RowError`], [`Warning`]).
//! - [`member`], [`org`]: row validation into [`member::MemberRow`] / [`org::OrgRow`], export
//!   layouts and templates.
//! - [`meeting`]: past meeting records and the 第一议题 study register into
//!   [`meeting::MeetingRow`] / [`meeting::StudyItemRow`], and their templates.
//! - [`docx`]: official documents (公文) as one structure, written as `.docx`.
//! - [`write`](mod@write): [`write::write_xlsx`] and [`write::write_csv`], safe against formula injection.

pub mod cell;
pub mod docx;
pub mod import;
pub mod meeting;
pub mod member;
pub mod org;
pub mod read;
pub mod recruit;
mod template;
pub mod write;

#[doc(hidden)]
pub mod fuzzing;

pub use cell::Cell;
pub use import::{ImportError, ParsedImport, RowError, Warning};
pub use meeting::{
    MeetingRow, StudyItemRow, import_meetings, import_study_items, meeting_template, parse_meetings, parse_study_items,
    study_item_template,
};
pub use member::{
    ImportOptions, MemberRow, import_members, member_template, parse_members, parse_members_owned, stream_members,
};
pub use org::{OrgRow, import_orgs, org_template, parse_orgs};
pub use read::{Limits, ReadError, Table, read_table, stream_rows};
pub use template::EXPLANATION_SHEET;
pub use write::{ColumnKind, ColumnSpec, SheetSpec, WriteError, write_csv, write_xlsx};
