//! Organizational life from spreadsheets: past meeting records (三会一课, 主题党日 …, counts only)
//! into [`MeetingRow`]s and the 第一议题 study register into [`StudyItemRow`]s, with their
//! import templates.
//!
//! Checks here are those a single row can answer (and duplicates within the file). Which
//! organization a row names, whether a 第一议题 title is in the register and whether the record is
//! already stored are the store's questions.

pub mod columns;
mod study;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use jiceng_types::MeetingKind;
use jiceng_types::text;
use serde::Serialize;

pub use self::study::{StudyItemRow, import_study_items, parse_days, parse_study_items, study_item_template};

use self::columns::*;
use crate::cell::{Cell, format_number};
use crate::import::{ImportError, ParsedImport, RowContext, Warning, map_columns};
use crate::member::ImportOptions;
use crate::read::{Limits, Table, read_table};
use crate::write::WriteError;

/// The most people a count may name.
pub const MAX_COUNT: u32 = 100_000;

/// One valid row of a meeting-record file. Imported records carry counts only: no attendance
/// list, no minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingRow {
    /// The row number Excel shows.
    pub excel_row: u32,
    /// 组织名称, as typed (normalized); empty when only the code (or the import's organization) is given.
    pub org: String,
    /// 组织代码: decides the organization when given.
    pub org_code: Option<String>,
    /// 会议类型, in display order, without repeats.
    pub kinds: Vec<MeetingKind>,
    /// 日期
    pub held_on: NaiveDate,
    /// 主题
    pub topic: String,
    /// 应到人数
    pub expected: u32,
    /// 实到人数
    pub present: u32,
    /// 缺席人员, the names as listed.
    pub absentees: Vec<String>,
    /// 第一议题: the titles as written, 《》 removed.
    pub studies: Vec<String>,
    /// 授课人 (党课).
    pub lecturer: Option<String>,
    /// 党小组 (党小组会): the group's name.
    pub group: Option<String>,
}

impl MeetingRow {
    /// How the organization is named: the code when given, else the name.
    pub fn org_text(&self) -> &str {
        self.org_code.as_deref().unwrap_or(&self.org)
    }
}

/// Read a meeting-record file and validate its rows.
pub fn import_meetings(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
    options: &ImportOptions,
) -> Result<ParsedImport<MeetingRow>, ImportError> {
    let table = read_table(bytes, file_name, limits)?;
    parse_meetings(&table, options)
}

/// Validate the rows of a meeting-record table.
pub fn parse_meetings(table: &Table, options: &ImportOptions) -> Result<ParsedImport<MeetingRow>, ImportError> {
    let (map, mut warnings) = map_columns(table, MEETING_COLUMNS)?;
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    // The same organization text, date, kinds and topic twice in one file is one meeting.
    let mut seen: HashMap<(String, NaiveDate, Vec<MeetingKind>, String), u32> = HashMap::new();
    for row in &table.rows[map.data_start..] {
        if map.is_blank(row) {
            continue;
        }
        if text::normalize(&map.cell(row, ORG).to_text()) == TEMPLATE_EXAMPLE_ORG {
            warnings.push(Warning::cell(row.excel_row, map.header(ORG), "模板中的示例行，已跳过"));
            continue;
        }
        let mut ctx = RowContext::new(row, &map, options.today);
        let parsed = parse_row(&mut ctx);
        if let Some(m) = &parsed {
            let key = (m.org_text().to_string(), m.held_on, m.kinds.clone(), m.topic.clone());
            match seen.entry(key) {
                Entry::Occupied(first) => {
                    ctx.err(TOPIC, format!("与第{}行是同一次会议（组织、日期、类型和主题相同）", first.get()))
                }
                Entry::Vacant(v) => {
                    v.insert(row.excel_row);
                }
            }
        }
        warnings.append(&mut ctx.warnings);
        match parsed {
            Some(m) if ctx.errors.is_empty() => rows.push(m),
            _ => rejected.append(&mut ctx.errors),
        }
    }
    Ok(ParsedImport { rows, rejected, warnings })
}

/// Validate one row; `None` if any check failed (the errors are in `ctx`).
fn parse_row(ctx: &mut RowContext<'_>) -> Option<MeetingRow> {
    let org = ctx.free_text(ORG, 100).unwrap_or_default();
    let org_code = ctx.free_text(ORG_CODE, 40);
    let kinds = match ctx.text(KINDS, true) {
        Some(t) => match parse_kinds(&t) {
            Ok(k) => Some(k),
            Err(reason) => {
                ctx.err(KINDS, reason);
                None
            }
        },
        None => None,
    };
    let held_on = ctx.past_date(HELD_ON, true, "会议日期");
    if held_on.is_some_and(|d| d < earliest()) {
        ctx.err(HELD_ON, "会议日期不能早于2000年");
    }
    let topic = ctx.text(TOPIC, true);
    if topic.as_ref().is_some_and(|t| t.chars().count() > 200) {
        ctx.err(TOPIC, "不能超过200个字");
    }
    let expected = count(ctx, EXPECTED);
    let present = count(ctx, PRESENT);
    if let (Some(e), Some(p)) = (expected, present)
        && p > e
    {
        ctx.err(PRESENT, format!("实到人数（{p}）不能多于应到人数（{e}）"));
    }
    let absent_raw = ctx.cell(ABSENT).to_text();
    let absentees = split_names(&absent_raw);
    if absentees.join("、").chars().count() > 1000 {
        ctx.err(ABSENT, "不能超过1000个字");
    } else if let (Some(e), Some(p)) = (expected, present)
        && !absentees.is_empty()
        && p <= e
        && absentees.len() as u64 > u64::from(e - p)
    {
        ctx.warn(ABSENT, format!("列出{}名缺席人员，多于应到减实到的{}人", absentees.len(), e - p));
    }
    let studies = split_titles(&ctx.cell(STUDIES).to_text());
    if studies.iter().any(|s| s.chars().count() > 200) {
        ctx.err(STUDIES, "每项标题不能超过200个字");
    }
    if studies.len() > 20 {
        ctx.err(STUDIES, "一次会议最多填写20项第一议题");
    }
    let lecturer = ctx.free_text(LECTURER, 100);
    let group = ctx.free_text(GROUP, 50);
    if let Some(k) = &kinds {
        if k.contains(&MeetingKind::GroupMeeting) && group.is_none() {
            ctx.err(GROUP, "党小组会须填写党小组名称");
        }
        if !k.contains(&MeetingKind::GroupMeeting) && group.is_some() {
            ctx.err(GROUP, "只有党小组会填写党小组");
        }
    }
    Some(MeetingRow {
        excel_row: ctx.row.excel_row,
        org,
        org_code,
        kinds: kinds?,
        held_on: held_on?,
        topic: topic?,
        expected: expected?,
        present: present?,
        absentees,
        studies,
        lecturer,
        group,
    })
}

fn earliest() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// A required count cell.
fn count(ctx: &mut RowContext<'_>, def: usize) -> Option<u32> {
    let cell = ctx.cell(def);
    if cell.is_empty() {
        ctx.err(def, "必填，不能为空");
        return None;
    }
    match parse_count(cell) {
        Ok(n) => Some(n),
        Err(reason) => {
            ctx.err(def, reason);
            None
        }
    }
}

/// A number of people: a whole-number cell, or text such as `23`, `23人`, `２３`.
pub fn parse_count(cell: &Cell) -> Result<u32, String> {
    let bad = |t: &str| format!("“{t}”不是有效人数，应为0或正整数");
    let n = match cell {
        Cell::Number(n) => *n,
        Cell::Text(s) => {
            let t = text::normalize(s);
            let digits = t.trim_end_matches(['人', '名']).trim();
            if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(&t));
            }
            digits.parse::<f64>().map_err(|_| bad(&t))?
        }
        other => return Err(bad(&other.to_text())),
    };
    if n.fract() != 0.0 || n < 0.0 {
        return Err(bad(&format_number(n)));
    }
    if n > f64::from(MAX_COUNT) {
        return Err(format!("“{}”人数不合理（不能超过{MAX_COUNT}）", format_number(n)));
    }
    // In range and whole: the cast is exact.
    Ok(n as u32)
}

/// 会议类型: one or more kinds separated by `、` `,` `，` `/` `;` `+` or spaces, each by its name or
/// a common short name (`MeetingKind::parse_loose`). Repeats are dropped; display order.
pub fn parse_kinds(s: &str) -> Result<Vec<MeetingKind>, String> {
    let mut out = Vec::new();
    for part in s.split(|c: char| "、,，/／;；+＋".contains(c) || c.is_whitespace()) {
        let part = text::normalize(part);
        if part.is_empty() {
            continue;
        }
        match MeetingKind::parse_loose(&part) {
            Some(k) if !out.contains(&k) => out.push(k),
            Some(_) => {}
            None => {
                return Err(format!(
                    "无法识别的会议类型“{part}”，可填：{}",
                    MeetingKind::ALL.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
                ));
            }
        }
    }
    if out.is_empty() {
        return Err("请填写会议类型".into());
    }
    out.sort_by_key(|k| MeetingKind::ALL.iter().position(|a| a == k));
    Ok(out)
}

/// 缺席人员: names separated by `、` `，` `,` `;` `；` or line breaks, each trimmed.
pub fn split_names(s: &str) -> Vec<String> {
    s.split(|c: char| "、，,;；\n\r".contains(c)).map(text::normalize).filter(|n| !n.is_empty()).collect()
}

/// 第一议题: titles separated by `；` `;` or line breaks, each in its comparable form
/// ([`title_key`]).
pub fn split_titles(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in s.split(['；', ';', '\n', '\r']).map(title_key).filter(|t| !t.is_empty()) {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// The form in which a 第一议题 title is compared with the register: normalized (full-width made
/// half-width, spaces collapsed), every `《` and `》` removed, trimmed.
pub fn title_key(s: &str) -> String {
    let without: String = s.chars().filter(|c| !matches!(c, '《' | '》')).collect();
    text::normalize(&without)
}

/// The meeting-record import template (.xlsx).
pub fn meeting_template() -> Result<Vec<u8>, WriteError> {
    crate::template::build(
        "会议记录",
        "组织生活会议记录导入模板",
        MEETING_COLUMNS,
        &[
            "用于补录以往的会议记录（三会一课、主题党日、组织生活会等），只记人数，不生成逐人签到名单，也不含会议记录正文；以后可在系统中逐条补充。",
            "表头请勿修改；列的顺序可以调整，不需要的非必填列可以删除。第2行是示例，导入时会自动跳过，也可以直接删除。",
            "红色列名为必填列；组织名称和组织代码至少填一项（导入时选了“导入到党组织”的除外）。",
            "同一组织、同一日期、同样类型和主题的记录已经导入过的，再次导入时计为“无变化”，不会重复登记。",
        ],
    )
}
