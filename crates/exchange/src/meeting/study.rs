//! The 第一议题 study register (学习内容登记册) from a spreadsheet: title, publication date,
//! how many days organizations have to study it, which levels must.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use jiceng_types::StudyLevel;
use jiceng_types::text;
use serde::Serialize;

use super::columns::*;
use super::title_key;
use crate::cell::{Cell, format_number};
use crate::import::{ImportError, ParsedImport, RowContext, Warning, map_columns};
use crate::member::ImportOptions;
use crate::read::{Limits, Table, read_table};
use crate::write::WriteError;

/// One valid row of a study-register file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudyItemRow {
    /// The row number Excel shows.
    pub excel_row: u32,
    /// 标题 (normalized).
    pub title: String,
    /// 发布日期
    pub published_on: NaiveDate,
    /// 学习时限(天): `None` = the county's setting.
    pub within_days: Option<u32>,
    /// 适用层级, in order, without repeats.
    pub levels: Vec<StudyLevel>,
    /// 来源
    pub source: Option<String>,
    /// 备注
    pub note: Option<String>,
}

/// Read a study-register file and validate its rows.
pub fn import_study_items(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
    options: &ImportOptions,
) -> Result<ParsedImport<StudyItemRow>, ImportError> {
    let table = read_table(bytes, file_name, limits)?;
    parse_study_items(&table, options)
}

/// Validate the rows of a study-register table.
pub fn parse_study_items(table: &Table, options: &ImportOptions) -> Result<ParsedImport<StudyItemRow>, ImportError> {
    let (map, mut warnings) = map_columns(table, STUDY_COLUMNS)?;
    let example = text::normalize(TEMPLATE_EXAMPLE_TITLE);
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut seen: HashMap<(String, NaiveDate), u32> = HashMap::new();
    for row in &table.rows[map.data_start..] {
        if map.is_blank(row) {
            continue;
        }
        if text::normalize(&map.cell(row, TITLE).to_text()) == example {
            warnings.push(Warning::cell(row.excel_row, map.header(TITLE), "模板中的示例行，已跳过"));
            continue;
        }
        let mut ctx = RowContext::new(row, &map, options.today);
        let parsed = parse_row(&mut ctx);
        if let Some(s) = &parsed {
            match seen.entry((title_key(&s.title), s.published_on)) {
                Entry::Occupied(first) => ctx.err(TITLE, format!("与第{}行重复（标题和发布日期相同）", first.get())),
                Entry::Vacant(v) => {
                    v.insert(row.excel_row);
                }
            }
        }
        warnings.append(&mut ctx.warnings);
        match parsed {
            Some(s) if ctx.errors.is_empty() => rows.push(s),
            _ => rejected.append(&mut ctx.errors),
        }
    }
    Ok(ParsedImport { rows, rejected, warnings })
}

fn parse_row(ctx: &mut RowContext<'_>) -> Option<StudyItemRow> {
    let title = ctx.text(TITLE, true);
    if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        ctx.err(TITLE, "不能超过200个字");
    }
    if title.as_deref().is_some_and(|t| title_key(t).is_empty()) {
        ctx.err(TITLE, "标题不能只有书名号");
    }
    let published_on = ctx.past_date(PUBLISHED_ON, true, "发布日期");
    let within_days = match ctx.cell(WITHIN_DAYS) {
        Cell::Empty => None,
        cell => match parse_days(cell) {
            Ok(d) => Some(d),
            Err(reason) => {
                ctx.err(WITHIN_DAYS, reason);
                None
            }
        },
    };
    let levels = ctx.parsed(LEVELS, true, StudyLevel::parse_list);
    let source = ctx.free_text(SOURCE, 100);
    let note = ctx.free_text(NOTE, 1000);
    Some(StudyItemRow {
        excel_row: ctx.row.excel_row,
        title: title?,
        published_on: published_on?,
        within_days,
        levels: levels?,
        source,
        note,
    })
}

/// 学习时限(天): a whole number of days from 1 to 365 (`7`, `7天`, `７`).
pub fn parse_days(cell: &Cell) -> Result<u32, String> {
    let raw = match cell {
        Cell::Number(n) => format_number(*n),
        other => text::normalize(&other.to_text()),
    };
    let digits = raw.trim_end_matches('天').trim();
    match digits.parse::<u32>() {
        Ok(d) if (1..=365).contains(&d) && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(d),
        _ => Err(format!("“{raw}”不是有效的学习时限，应为1至365的整数（天）")),
    }
}

/// The study-register import template (.xlsx).
pub fn study_item_template() -> Result<Vec<u8>, WriteError> {
    crate::template::build(
        "第一议题学习内容",
        "第一议题学习内容导入模板",
        STUDY_COLUMNS,
        &[
            "每行一项“第一议题”学习内容。表头请勿修改；列的顺序可以调整，不需要的非必填列可以删除。",
            "第2行是示例，导入时会自动跳过，也可以直接删除。红色列名为必填列。",
            "标题和发布日期都相同的学习内容已经登记过的，再次导入时计为“无变化”，不会重复登记。",
        ],
    )
}
