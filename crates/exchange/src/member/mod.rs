//! The member roster: importing 党员花名册 rows into [`MemberRow`]s, exporting them, and the
//! import template.
//!
//! Checks here are those a single row can answer (and duplicates within the file). Whether the
//! branch exists, whether the member is already registered, and data-quality rules such as
//! "admitted at 18 or older" belong to the store and the rules engine.

pub mod columns;

use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{Datelike, NaiveDate};
use jiceng_types::date::today_china;
use jiceng_types::idcard::IdCardNo;
use jiceng_types::person::{Education, Gender, MemberCategory, PersonName, parse_ethnicity};
use jiceng_types::phone::Phone;
use serde::Serialize;

use self::columns::*;
use crate::cell::Cell;
use crate::import::{
    ColumnMap, DateValue, HEADER_SEARCH_ROWS, ImportError, ParsedImport, RowContext, Warning, dropped_cells_warning,
    map_columns,
};
use crate::read::{Limits, Row, Table, read_table};
use crate::write::{ColumnSpec, SheetSpec, WriteError};

/// Settings of a row validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// Dates must not be after this day (default: today in China).
    pub today: NaiveDate,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { today: today_china() }
    }
}

/// One valid row of a member roster.
///
/// Serializes with the ID number and phone masked (for previews); the full values are reached
/// through the fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberRow {
    /// The row number Excel shows.
    pub excel_row: u32,
    /// 姓名
    pub name: PersonName,
    /// 性别 (from the ID number; the column, when filled, agrees with it).
    pub gender: Gender,
    /// 民族, the official name from [`jiceng_types::person::ETHNIC_GROUPS`].
    pub ethnicity: Option<&'static str>,
    /// 出生日期 (from the ID number; the column, when filled, agrees with it).
    pub birth_date: NaiveDate,
    /// 公民身份号码
    #[serde(serialize_with = "masked_id")]
    pub id_card: IdCardNo,
    /// 学历
    pub education: Option<Education>,
    /// 手机号码
    #[serde(serialize_with = "masked_phone")]
    pub phone: Option<Phone>,
    /// 人员类别
    pub category: MemberCategory,
    /// 入党日期
    pub admitted_on: NaiveDate,
    /// 转正日期
    pub regularized_on: Option<NaiveDate>,
    /// 所在党支部, the name or code as typed (normalized); resolved by the store.
    pub org: String,
    /// 党组织代码, if the file has it: decides the organization when given.
    pub org_code: Option<String>,
    /// 工作岗位
    pub post: Option<String>,
    /// 现居住地
    pub residence: Option<String>,
}

fn masked_id<S: serde::Serializer>(id: &IdCardNo, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&id.masked())
}

fn masked_phone<S: serde::Serializer>(p: &Option<Phone>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_str(&p.masked()),
        None => s.serialize_none(),
    }
}

/// Read a roster file and validate its rows.
pub fn import_members(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
    options: &ImportOptions,
) -> Result<ParsedImport<MemberRow>, ImportError> {
    let table = read_table(bytes, file_name, limits)?;
    parse_members_owned(table, options)
}

/// Validate the rows of a roster table.
pub fn parse_members(table: &Table, options: &ImportOptions) -> Result<ParsedImport<MemberRow>, ImportError> {
    let (map, warnings) = map_columns(table, COLUMNS)?;
    Ok(validate(&map, table.rows[map.data_start..].iter(), warnings, options))
}

/// Like [`parse_members`], freeing each row's cells as soon as it is validated, so that the
/// table and the records are not both fully in memory (it matters at a million rows).
pub fn parse_members_owned(table: Table, options: &ImportOptions) -> Result<ParsedImport<MemberRow>, ImportError> {
    let (map, warnings) = map_columns(&table, COLUMNS)?;
    let start = map.data_start;
    Ok(validate(&map, table.rows.into_iter().skip(start), warnings, options))
}

fn validate<R: Borrow<Row>>(
    map: &ColumnMap,
    table_rows: impl ExactSizeIterator<Item = R>,
    warnings: Vec<Warning>,
    options: &ImportOptions,
) -> ParsedImport<MemberRow> {
    let mut out = ParsedImport { rows: Vec::with_capacity(table_rows.len()), rejected: Vec::new(), warnings };
    let mut v = Validator::new(options, table_rows.len());
    for row in table_rows {
        v.row(map, row.borrow(), &mut out);
    }
    out.rows.shrink_to_fit();
    out
}

/// The checks of one row after another, with what they need to remember (the ID numbers seen).
struct Validator {
    today: NaiveDate,
    // Keyed by the 18 bytes themselves: no allocation per row.
    seen: HashMap<[u8; 18], u32>,
}

impl Validator {
    fn new(options: &ImportOptions, rows: usize) -> Self {
        Validator { today: options.today, seen: HashMap::with_capacity(rows) }
    }

    /// Check one row: a valid row goes to `out.rows`, the problems of another to `out.rejected`.
    fn row(&mut self, map: &ColumnMap, row: &Row, out: &mut ParsedImport<MemberRow>) {
        if map.is_blank(row) {
            return;
        }
        if is_example(map, row) {
            out.warnings.push(Warning::cell(row.excel_row, map.header(ID_CARD), "模板中的示例行，已跳过"));
            return;
        }
        let mut ctx = RowContext::new(row, map, self.today);
        let parsed = parse_row(&mut ctx);
        if let Some(key) = parsed.as_ref().and_then(|m| <[u8; 18]>::try_from(m.id_card.as_str().as_bytes()).ok()) {
            match self.seen.entry(key) {
                Entry::Occupied(first) => ctx.err(ID_CARD, format!("与第{}行的身份证号重复", first.get())),
                Entry::Vacant(v) => {
                    v.insert(row.excel_row);
                }
            }
        }
        out.warnings.append(&mut ctx.warnings);
        match parsed {
            Some(m) if ctx.errors.is_empty() => out.rows.push(m),
            _ => out.rejected.append(&mut ctx.errors),
        }
    }
}

/// Like [`import_members`], but the checked rows are handed to `emit` in chunks of about
/// `chunk` rows while the file is still being read (see [`crate::read::stream_rows`]), so that
/// they can be stored meanwhile. Together the chunks hold what [`import_members`] gives, in the
/// same order (the column warnings come with the first chunk; the count of cells beyond the
/// column limit with the last). `emit` also gets the number of rows the sheet declares (a
/// hint), and returns false to stop. An `.xlsx` whose rows are out of order gives
/// `ImportError::Read(ReadError::Unordered)`: import it with [`import_members`].
pub fn stream_members(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
    options: &ImportOptions,
    chunk: usize,
    mut emit: impl FnMut(ParsedImport<MemberRow>, usize) -> bool,
) -> Result<(), ImportError> {
    let chunk = chunk.max(1);
    let empty = || ParsedImport { rows: Vec::with_capacity(chunk + 1000), rejected: Vec::new(), warnings: Vec::new() };
    let mut head: Vec<Row> = Vec::new();
    let mut mapped: Option<ColumnMap> = None;
    let mut validator = Validator::new(options, 0);
    let mut out = empty();
    let mut failed: Option<ImportError> = None;
    let mut hint = 0;
    // Map the columns on the first rows, then check the rows after the header.
    let start = |head: &mut Vec<Row>, out: &mut ParsedImport<MemberRow>, v: &mut Validator| {
        let table = Table { sheet_name: String::new(), rows: std::mem::take(head), dropped_cells: 0 };
        let (map, warnings) = map_columns(&table, COLUMNS)?;
        out.warnings.extend(warnings);
        for row in &table.rows[map.data_start..] {
            v.row(&map, row, out);
        }
        Ok::<ColumnMap, ImportError>(map)
    };
    let dropped = crate::read::stream_rows(bytes, file_name, limits, |rows, declared| {
        hint = declared;
        match &mapped {
            Some(map) => {
                for row in &rows {
                    validator.row(map, row, &mut out);
                }
            }
            None => {
                head.extend(rows);
                if head.len() < HEADER_SEARCH_ROWS {
                    return true;
                }
                match start(&mut head, &mut out, &mut validator) {
                    Ok(map) => mapped = Some(map),
                    Err(e) => {
                        failed = Some(e);
                        return false;
                    }
                }
            }
        }
        if out.rows.len() >= chunk { emit(std::mem::replace(&mut out, empty()), hint) } else { true }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    if mapped.is_none() {
        start(&mut head, &mut out, &mut validator)?;
    }
    if dropped > 0 {
        out.warnings.push(dropped_cells_warning(dropped));
    }
    emit(out, hint);
    Ok(())
}

fn is_example(map: &ColumnMap, row: &Row) -> bool {
    let id = map.cell(row, ID_CARD).to_text();
    id.trim().eq_ignore_ascii_case(TEMPLATE_EXAMPLE_ID)
}

/// Validate one row; `None` if any check failed (the errors are in `ctx`).
fn parse_row(ctx: &mut RowContext<'_>) -> Option<MemberRow> {
    let name = ctx.parsed(NAME, true, PersonName::parse);
    let gender = ctx.choice(GENDER, false, Gender::parse_loose, "可填：男、女");
    let ethnicity = ctx.choice(ETHNICITY, false, parse_ethnicity, "请填写56个民族之一，如 汉族");
    let birth = ctx.date(BIRTH, false, true);
    let id_card = ctx.id_card(ID_CARD);
    let education = ctx.choice(
        EDUCATION,
        false,
        Education::parse_loose,
        "可填：研究生、大学本科、大学专科、中专、高中、初中、小学及以下",
    );
    let phone = ctx.phone(PHONE);
    let category = ctx.choice(CATEGORY, true, MemberCategory::parse_loose, "可填：正式党员、预备党员");
    let admitted_on = ctx.past_date(ADMITTED, true, "入党日期");
    let regularized_on = ctx.past_date(REGULARIZED, false, "转正日期");
    // May be empty: the store puts such rows in the organization chosen for the import, or
    // rejects them when none was chosen.
    let org = ctx.text(ORG, false).unwrap_or_default();
    if org.chars().count() > 100 {
        ctx.err(ORG, "不能超过100个字");
    }
    let post = ctx.free_text(POST, 100);
    let residence = ctx.free_text(RESIDENCE, 200);
    let org_code = ctx.free_text(ORG_CODE, 40);

    if let Some(id) = &id_card {
        let matches = match birth {
            Some(DateValue::Full(d)) => d == id.birth_date(),
            Some(DateValue::YearMonth(d)) => d == id.birth_date().with_day(1).unwrap_or(d),
            None => true,
        };
        if !matches {
            ctx.err(BIRTH, "出生日期与身份证号不一致");
        }
        if gender.is_some_and(|g| g != id.gender()) {
            ctx.err(GENDER, "性别与身份证号不一致");
        }
        if let Some(a) = admitted_on
            && a <= id.birth_date()
        {
            ctx.err(ADMITTED, "入党日期应晚于出生日期");
        }
    }
    if let (Some(a), Some(r)) = (admitted_on, regularized_on)
        && r < a
    {
        ctx.err(REGULARIZED, "转正日期不能早于入党日期");
    }
    if category == Some(MemberCategory::Probationary) && regularized_on.is_some() {
        ctx.err(REGULARIZED, "预备党员不应填写转正日期");
    }

    let id_card = id_card?;
    Some(MemberRow {
        excel_row: ctx.row.excel_row,
        name: name?,
        gender: id_card.gender(),
        ethnicity,
        birth_date: id_card.birth_date(),
        education,
        phone,
        category: category?,
        admitted_on: admitted_on?,
        regularized_on,
        org,
        org_code,
        post,
        residence,
        id_card,
    })
}

/// Whether an export shows ID numbers and phones in full or masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitive {
    /// Full values (the user has the right, and the export is audited). Such a file can be
    /// imported again.
    Full,
    /// Masked values (`520102********1234`, `139****5678`).
    Masked,
}

/// The layout of a roster export: the template's columns, in its order.
pub fn sheet_spec() -> SheetSpec {
    SheetSpec {
        name: "党员信息".to_string(),
        columns: COLUMNS.iter().map(|c| ColumnSpec::new(c.header, c.kind)).collect(),
    }
}

/// The cells of one member, in [`sheet_spec`]'s order.
pub fn to_cells(m: &MemberRow, sensitive: Sensitive) -> Vec<Cell> {
    let (id, phone) = match sensitive {
        Sensitive::Full => (m.id_card.as_str().to_string(), m.phone.as_ref().map(|p| p.as_str().to_string())),
        Sensitive::Masked => (m.id_card.masked(), m.phone.as_ref().map(Phone::masked)),
    };
    vec![
        Cell::text(m.name.as_str()),
        Cell::text(m.gender.label()),
        Cell::opt_text(m.ethnicity),
        Cell::Date(m.birth_date),
        Cell::text(id),
        Cell::opt_text(m.education.map(Education::label)),
        Cell::opt_text(phone),
        Cell::text(m.category.label()),
        Cell::Date(m.admitted_on),
        Cell::opt_date(m.regularized_on),
        Cell::text(m.org.as_str()),
        Cell::opt_text(m.post.as_deref()),
        Cell::opt_text(m.residence.as_deref()),
        Cell::opt_text(m.org_code.as_deref()),
    ]
}

/// The member import template (.xlsx): headers, an example row, dropdowns and a “填写说明” sheet.
pub fn member_template() -> Result<Vec<u8>, WriteError> {
    crate::template::build(
        "党员信息",
        "党员信息导入模板",
        COLUMNS,
        &[
            "表头请勿修改；列的顺序可以调整，不需要的非必填列可以删除。",
            "第2行是示例（身份证号为国家标准中的示例号码），导入时会自动跳过，也可以直接删除。",
            "红色列名为必填列。每行一名党员，一次最多导入约100万行。",
            "身份证号一列已设为文本格式。从其他表格粘贴时请用“选择性粘贴→数值”，以免 Excel 把身份证号变成科学计数法。",
        ],
    )
}
