//! Rosters of member development (发展党员花名册) from spreadsheets: one row per person, one column
//! per date of the procedure, read into [`RecruitRow`]s for the roster check (`jiceng check
//! recruit`), plus the roster template.
//!
//! Why this reader differs from the imports: nothing is stored, and a roster is checked row by
//! row with whatever it holds. So only 姓名 is a required column; a bad cell does not reject its
//! row but is reported (by Excel row number, header and a Chinese reason) and left *unknown*, so
//! the check neither uses it nor takes it for a blank cell. [`RecruitRow::is_known`] tells the
//! three states apart: column absent or cell unreadable (unknown), blank, or a value.
//!
//! Roster habits handled here: a merged title row above the header; 考察日期 given as several
//! dates in one cell or in repeated (or numbered) columns; `支部大会讨论日期（转正）` and
//! `上级党委审批日期（转正）` beside the same headers for the admission; a year and month only for
//! the birth date.

pub mod columns;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use jiceng_types::date::{from_excel_serial, parse_date};
use jiceng_types::idcard::IdCardNo;
use jiceng_types::text;
use serde::Serialize;

use self::columns::*;
use crate::cell::{Cell, format_number};
use crate::import::{
    ColumnMap, DateValue, HEADER_SEARCH_ROWS, ImportError, RowContext, RowError, Warning, header_key, map_columns,
};
use crate::member::ImportOptions;
use crate::read::{Limits, Table, read_table};
use crate::write::WriteError;

/// One row of a roster: every value it gives, `None` when blank or unreadable (see
/// [`RecruitRow::is_known`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecruitRow {
    /// The row number Excel shows.
    pub excel_row: u32,
    /// 姓名, normalized (empty when the cell is blank, which is reported).
    pub name: String,
    /// 所在党支部, as typed (normalized).
    pub org: Option<String>,
    /// 出生日期: from the 公民身份号码 when it is valid, else from the 出生日期 column (the 1st of
    /// the month for a year and month).
    pub birth_date: Option<NaiveDate>,
    /// 申请入党日期
    pub applied_on: Option<NaiveDate>,
    /// 谈话日期
    pub talk_on: Option<NaiveDate>,
    /// 确定入党积极分子日期
    pub activist_on: Option<NaiveDate>,
    /// 考察日期 from every 考察 column, sorted, without repeats.
    pub reviews: Vec<NaiveDate>,
    /// 确定发展对象日期
    pub candidate_on: Option<NaiveDate>,
    /// 政审结论日期
    pub polit_concluded_on: Option<NaiveDate>,
    /// 培训结业日期
    pub training_ended_on: Option<NaiveDate>,
    /// 培训天数 (whole days, a fraction rounded down)
    pub training_days: Option<u32>,
    /// 培训学时 (rounded down likewise)
    pub training_hours: Option<u32>,
    /// 支部大会讨论日期 of the admission
    pub admitted_on: Option<NaiveDate>,
    /// 应到人数
    pub vote_eligible: Option<u32>,
    /// 实到人数
    pub vote_present: Option<u32>,
    /// 赞成人数
    pub vote_in_favour: Option<u32>,
    /// 上级党委审批日期 of the admission
    pub approved_on: Option<NaiveDate>,
    /// 入党宣誓日期
    pub oath_on: Option<NaiveDate>,
    /// 转正申请日期
    pub regularization_applied_on: Option<NaiveDate>,
    /// 转正支部大会日期
    pub regularization_meeting_on: Option<NaiveDate>,
    /// 转正审批日期
    pub regularization_approved_on: Option<NaiveDate>,
    /// 转正日期
    pub regularized_on: Option<NaiveDate>,
    /// 延长预备期 in months (0 = not extended)
    pub extension_months: Option<u32>,
    /// Bit `def` set: the column (or for [`BIRTH`], the 出生日期 or the 公民身份号码 column) is in
    /// the file and its cell in this row could be read.
    #[serde(skip)]
    known: u32,
}

impl RecruitRow {
    /// Whether the value of a column (an index of [`RECRUIT_COLUMNS`]) is known: the column is in
    /// the file and the cell could be read. A known column whose value is `None` (or, for
    /// [`REVIEWS`], an empty list) is blank. For [`BIRTH`], either of 出生日期 and 公民身份号码.
    pub fn is_known(&self, def: usize) -> bool {
        u32::try_from(def).ok().and_then(|d| 1u32.checked_shl(d)).is_some_and(|bit| self.known & bit != 0)
    }
}

/// A roster read: every data row (bad cells left unknown), every bad cell, and warnings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecruitRoster {
    /// Every non-blank data row in file order, the template's example row left out.
    pub rows: Vec<RecruitRow>,
    /// Every cell that could not be read (its row is still in `rows`).
    pub rejected: Vec<RowError>,
    /// Ignored columns, the skipped example row, conversions.
    pub warnings: Vec<Warning>,
}

/// Read a roster file (.xlsx, .xls, .csv): the first worksheet.
pub fn import_recruit_roster(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
    options: &ImportOptions,
) -> Result<RecruitRoster, ImportError> {
    let table = read_table(bytes, file_name, limits)?;
    parse_recruit_roster(&table, options)
}

/// Read the rows of a roster table.
pub fn parse_recruit_roster(table: &Table, options: &ImportOptions) -> Result<RecruitRoster, ImportError> {
    // The header is searched in a copy of the top rows where `…（转正）` headers are renamed to
    // their own columns; the data rows are read from the table itself (same indices).
    let (top, renamed) = disambiguated_top(table);
    let (map, mut warnings) = map_columns(&top, RECRUIT_COLUMNS)?;
    let header = &top.rows[map.data_start - 1];
    let reviews: Vec<(usize, String)> = header
        .cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Cell::Text(t) if is_review_header(t) => Some((i, t.trim().to_string())),
            _ => None,
        })
        .collect();
    // Repeated and numbered 考察 columns are read, not ignored.
    warnings.retain(|w| !(w.row.is_none() && reviews.iter().any(|(_, h)| *h == w.column)));
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    for row in &table.rows[map.data_start..] {
        if map.is_blank(row) && reviews.iter().all(|(i, _)| row.get(*i).is_empty()) {
            continue;
        }
        if text::normalize(&map.cell(row, NAME).to_text()) == text::normalize(TEMPLATE_EXAMPLE_NAME) {
            warnings.push(Warning::cell(row.excel_row, map.header(NAME), "模板中的示例行，已跳过"));
            continue;
        }
        let mut ctx = RowContext::new(row, &map, options.today);
        rows.push(parse_row(&mut ctx, &map, &reviews));
        warnings.append(&mut ctx.warnings);
        rejected.append(&mut ctx.errors);
    }
    let original = |c: &mut String| {
        if let Some(o) = renamed.get(c.as_str()) {
            *c = o.clone();
        }
    };
    rejected.iter_mut().for_each(|e| original(&mut e.column));
    warnings.iter_mut().for_each(|w| original(&mut w.column));
    Ok(RecruitRoster { rows, rejected, warnings })
}

/// The rows where the header may be, with `支部大会讨论日期（转正）`-style headers renamed to the
/// 转正 column they mean (`转正支部大会日期【支部大会讨论日期（转正）】`: the bracket is ignored
/// when matching), and the map from the new names back to the file's.
fn disambiguated_top(table: &Table) -> (Table, HashMap<String, String>) {
    let key_of = |def: usize| RECRUIT_COLUMNS[def].names().map(header_key).collect::<Vec<_>>();
    let targets = [(key_of(ADMITTED), REG_MEETING), (key_of(APPROVED), REG_APPROVED)];
    let mut renamed = HashMap::new();
    let mut top = Table {
        sheet_name: table.sheet_name.clone(),
        rows: table.rows.iter().take(HEADER_SEARCH_ROWS).cloned().collect(),
        dropped_cells: table.dropped_cells,
    };
    for cell in top.rows.iter_mut().flat_map(|r| r.cells.iter_mut()) {
        let Cell::Text(t) = cell else { continue };
        let key = header_key(t);
        if !t.contains("转正") || key.contains("转正") {
            continue;
        }
        if let Some((_, def)) = targets.iter().find(|(keys, _)| keys.contains(&key)) {
            let original = t.trim().to_string();
            let new = format!("{}【{original}】", RECRUIT_COLUMNS[*def].header);
            renamed.insert(new.clone(), original);
            *t = new;
        }
    }
    (top, renamed)
}

/// Reads the cells of one row, remembering which columns are known.
struct Reader<'m> {
    map: &'m ColumnMap,
    known: u32,
}

impl Reader<'_> {
    fn present(&self, def: usize) -> bool {
        self.map.position(def).is_some()
    }

    /// Read a present column; it is known when reading it reported no error.
    fn read<T>(
        &mut self,
        ctx: &mut RowContext<'_>,
        def: usize,
        f: impl FnOnce(&mut RowContext<'_>) -> Option<T>,
    ) -> Option<T> {
        if !self.present(def) {
            return None;
        }
        let before = ctx.errors.len();
        let v = f(ctx);
        if ctx.errors.len() == before {
            self.known |= 1 << def;
        }
        v
    }

    fn date(&mut self, ctx: &mut RowContext<'_>, def: usize) -> Option<NaiveDate> {
        self.read(ctx, def, |c| c.date(def, false, false).map(day))
    }

    fn count(&mut self, ctx: &mut RowContext<'_>, def: usize) -> Option<u32> {
        self.read(ctx, def, |c| {
            let cell = c.cell(def);
            if cell.is_empty() {
                return None;
            }
            crate::meeting::parse_count(cell).map_err(|reason| c.err(def, reason)).ok()
        })
    }

    fn amount(&mut self, ctx: &mut RowContext<'_>, def: usize, units: &[&str], what: &str, max: u32) -> Option<u32> {
        self.read(ctx, def, |c| {
            let cell = c.cell(def);
            if cell.is_empty() {
                return None;
            }
            parse_amount(cell, units, what, max).map_err(|reason| c.err(def, reason)).ok()
        })
    }
}

fn day(v: DateValue) -> NaiveDate {
    match v {
        DateValue::Full(d) | DateValue::YearMonth(d) => d,
    }
}

fn parse_row(ctx: &mut RowContext<'_>, map: &ColumnMap, review_columns: &[(usize, String)]) -> RecruitRow {
    let mut r = Reader { map, known: 0 };
    let name = r.read(ctx, NAME, |c| {
        let name = c.text(NAME, true)?;
        if name.chars().count() > 50 {
            c.err(NAME, "不能超过50个字");
        }
        Some(name)
    });
    let org = r.read(ctx, ORG, |c| c.free_text(ORG, 100));
    let birth = birth_date(ctx, &mut r);
    let mut reviews = Vec::new();
    let mut reviews_bad = false;
    for (i, header) in review_columns {
        let cell = ctx.row.get(*i);
        if cell.is_empty() {
            continue;
        }
        match review_dates(cell) {
            Ok(dates) => reviews.extend(dates),
            Err(reason) => {
                reviews_bad = true;
                ctx.errors.push(RowError { row: ctx.row.excel_row, column: header.clone(), reason });
            }
        }
    }
    reviews.sort_unstable();
    reviews.dedup();
    if !review_columns.is_empty() && !reviews_bad {
        r.known |= 1 << REVIEWS;
    }
    let row = RecruitRow {
        excel_row: ctx.row.excel_row,
        name: name.unwrap_or_default(),
        org,
        birth_date: birth,
        applied_on: r.date(ctx, APPLIED),
        talk_on: r.date(ctx, TALK),
        activist_on: r.date(ctx, ACTIVIST),
        reviews: if reviews_bad { Vec::new() } else { reviews },
        candidate_on: r.date(ctx, CANDIDATE),
        polit_concluded_on: r.date(ctx, POLIT),
        training_ended_on: r.date(ctx, TRAINING_END),
        training_days: r.amount(ctx, TRAINING_DAYS, &["天", "日"], "天数", 365),
        training_hours: r.amount(ctx, TRAINING_HOURS, &["学时", "课时", "小时"], "学时", 10_000),
        admitted_on: r.date(ctx, ADMITTED),
        vote_eligible: r.count(ctx, ELIGIBLE),
        vote_present: r.count(ctx, PRESENT),
        vote_in_favour: r.count(ctx, IN_FAVOUR),
        approved_on: r.date(ctx, APPROVED),
        oath_on: r.date(ctx, OATH),
        regularization_applied_on: r.date(ctx, REG_APPLIED),
        regularization_meeting_on: r.date(ctx, REG_MEETING),
        regularization_approved_on: r.date(ctx, REG_APPROVED),
        regularized_on: r.date(ctx, REGULARIZED),
        extension_months: r.amount(ctx, EXTENSION, &["个月", "月"], "月数", 24),
        known: 0,
    };
    RecruitRow { known: r.known, ..row }
}

/// The birth date from the 公民身份号码 when valid, else from the 出生日期 column; a disagreement
/// of the two is reported on 出生日期.
fn birth_date(ctx: &mut RowContext<'_>, r: &mut Reader<'_>) -> Option<NaiveDate> {
    let written = r.read(ctx, BIRTH, |c| c.date(BIRTH, false, true));
    let id: Option<IdCardNo> =
        r.read(ctx, ID_CARD, |c| if c.cell(ID_CARD).is_empty() { None } else { c.id_card(ID_CARD) });
    let bad = |r: &Reader<'_>, def: usize| r.present(def) && r.known & (1 << def) == 0;
    let birth = match (&id, written) {
        (Some(id), w) => {
            let from_id = id.birth_date();
            let agrees = match w {
                Some(DateValue::Full(d)) => d == from_id,
                Some(DateValue::YearMonth(d)) => d == from_id.with_day(1).unwrap_or(from_id),
                None => true,
            };
            if !agrees {
                ctx.err(BIRTH, format!("与公民身份号码中的出生日期（{from_id}）不一致，已按身份证号检查"));
            }
            Some(from_id)
        }
        (None, w) => w.map(day),
    };
    // Known: a date, or both columns readable (and at least one present) with nothing in them.
    let known = birth.is_some() || ((r.present(BIRTH) || r.present(ID_CARD)) && !bad(r, BIRTH) && !bad(r, ID_CARD));
    r.known &= !(1 << BIRTH);
    if known {
        r.known |= 1 << BIRTH;
    }
    birth
}

/// The dates of a 考察日期 cell: an Excel date, a number (Excel serial or `20221001`), or text with
/// one or more dates separated by `，` `、` `,` `;` `；` spaces or line breaks (a time of day
/// after a date is dropped).
pub fn review_dates(cell: &Cell) -> Result<Vec<NaiveDate>, String> {
    match cell {
        Cell::Date(d) => Ok(vec![*d]),
        Cell::Number(n) => number_date(*n).map(|d| vec![d]),
        Cell::Text(s) => {
            let parts: Vec<String> = s
                .split(|c: char| "，、,;；".contains(c) || c.is_whitespace())
                .map(text::normalize)
                .filter(|p| !p.is_empty() && !is_time(p))
                .collect();
            if parts.is_empty() {
                return Err("不是有效日期，应形如 2024-03-12".to_string());
            }
            let several = parts.len() > 1;
            parts
                .iter()
                .enumerate()
                .map(|(i, p)| text_date(p).map_err(|e| if several { format!("第{}个日期{e}", i + 1) } else { e }))
                .collect()
        }
        Cell::Bool(_) | Cell::Empty => Err("不是有效日期，应形如 2024-03-12".to_string()),
    }
}

fn is_time(s: &str) -> bool {
    s.contains(':') && s.chars().all(|c| c.is_ascii_digit() || c == ':' || c == '.')
}

fn number_date(n: f64) -> Result<NaiveDate, String> {
    let digits = format_number(n);
    if n.fract() == 0.0 && digits.len() == 8 {
        return parse_date(&digits).map_err(|e| e.message);
    }
    from_excel_serial(n).ok_or_else(|| format!("“{digits}”不是有效日期，应形如 2024-03-12"))
}

fn text_date(s: &str) -> Result<NaiveDate, String> {
    if s.len() == 5
        && s.bytes().all(|b| b.is_ascii_digit())
        && let Some(d) = s.parse::<f64>().ok().and_then(from_excel_serial)
    {
        return Ok(d);
    }
    parse_date(s).map_err(|e| e.message)
}

/// A non-negative amount: a number cell, or text such as `3`, `3天`, `2.5`, `24学时`, `6个月`
/// (`半年` and `一年` for months); a fraction is rounded down, `无` is 0. At most `max`.
pub fn parse_amount(cell: &Cell, units: &[&str], what: &str, max: u32) -> Result<u32, String> {
    let bad = |t: &str| format!("“{t}”不是有效的{what}，应为0或正数");
    let n = match cell {
        Cell::Number(n) => *n,
        Cell::Text(s) => {
            let t = text::normalize(s);
            let months = units.contains(&"月");
            match t.as_str() {
                "无" | "否" | "未延长" => return Ok(0),
                "半年" if months => return Ok(6),
                "一年" | "1年" if months => return Ok(12),
                _ => {}
            }
            let digits = units.iter().fold(t.as_str(), |acc, u| acc.strip_suffix(u).unwrap_or(acc)).trim();
            if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                return Err(bad(&t));
            }
            digits.parse::<f64>().map_err(|_| bad(&t))?
        }
        other => return Err(bad(&other.to_text())),
    };
    if !n.is_finite() || n < 0.0 {
        return Err(bad(&format_number(n)));
    }
    if n > f64::from(max) {
        return Err(format!("“{}”{what}不合理（不能超过{max}）", format_number(n)));
    }
    // Finite, non-negative and at most `max`: the cast is exact after `floor`.
    Ok(n.floor() as u32)
}

/// The roster template (.xlsx): the headers, an example row, and a sheet explaining the columns.
pub fn recruit_roster_template() -> Result<Vec<u8>, WriteError> {
    crate::template::build(
        "发展党员花名册",
        "发展党员花名册",
        RECRUIT_COLUMNS,
        &[
            "用于检查以往的发展党员工作：每人一行，填写各环节的日期；没有的列可以删除，列的顺序可以调整，表头上方可以有标题行。",
            "只检查表中填写了的日期之间的时间间隔和先后顺序；表中没有的列不检查，也不会报“缺少该环节”。",
            "某一格为空、而其后的环节已填写日期的，会提示“记录不完整”；某一环节已到期限而下一环节仍为空的，会提示超期。",
            "红色列名为必填列。第2行是示例，检查时会自动跳过，也可以直接删除。",
        ],
    )
}
