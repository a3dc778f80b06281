//! The organization list: importing 党组织 rows into [`OrgRow`]s, exporting them, and the
//! import template.
//!
//! Parents are referenced by name or code as typed; resolving them (within the file or against
//! the existing tree) and refusing cycles is the store's job, because it needs the tree.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use jiceng_types::org::{OrgCode, OrgDomain, OrgKind, OrgName};
use serde::Serialize;

use crate::cell::Cell;
use crate::import::{ColumnDef, ImportError, ParsedImport, RowContext, Warning, map_columns};
use crate::member::ImportOptions;
use crate::read::{Limits, Table, read_table};
use crate::write::{ColumnKind, ColumnSpec, SheetSpec, WriteError};

/// 组织名称
pub const NAME: usize = 0;
/// 组织代码
pub const CODE: usize = 1;
/// 上级党组织
pub const PARENT: usize = 2;
/// 组织类别
pub const KIND: usize = 3;
/// 所属领域
pub const DOMAIN: usize = 4;
/// 成立日期
pub const ESTABLISHED: usize = 5;
/// 届满日期
pub const TERM_END: usize = 6;

/// The name in the template's example row; rows with it are skipped on import.
pub const TEMPLATE_EXAMPLE_NAME: &str = "城关镇示例村党支部";

fn kinds() -> Vec<&'static str> {
    OrgKind::ALL.iter().map(|k| k.label()).collect()
}
fn domains() -> Vec<&'static str> {
    OrgDomain::ALL.iter().map(|d| d.label()).collect()
}

/// The organization list's columns, in template order (indices are the constants above).
pub const COLUMNS: &[ColumnDef] = &[
    ColumnDef {
        header: "组织名称",
        synonyms: &["党组织名称", "名称", "党组织全称", "组织全称"],
        required: true,
        kind: ColumnKind::Text,
        help: "党组织全称，2至100个字，在本文件中不能重复。",
        example: TEMPLATE_EXAMPLE_NAME,
        choices: None,
    },
    ColumnDef {
        header: "组织代码",
        synonyms: &["组织编码", "党组织代码", "党组织编码", "代码", "编码"],
        required: false,
        kind: ColumnKind::Code,
        help: "字母、数字和 - _ . 组成，2至40个字符，不能重复。更新已有组织时可不填（按名称匹配），新建组织必须填写。",
        example: "CGZ-SLC-01",
        choices: None,
    },
    ColumnDef {
        header: "上级党组织",
        synonyms: &["上级组织", "上级党组织名称", "上级党组织代码", "上级组织名称", "上级"],
        required: false,
        kind: ColumnKind::Text,
        help: "上级党组织的全称或组织代码，可以是本文件中的组织，也可以是系统中已有的组织；最上级的党组织可不填。",
        example: "城关镇党委",
        choices: None,
    },
    ColumnDef {
        header: "组织类别",
        synonyms: &["党组织类别", "类别", "组织类型", "党组织类型"],
        required: true,
        kind: ColumnKind::Text,
        help: "县委、党工委、党委、党总支、党支部、联合党支部、临时党支部（“支部”“总支”等简称也可识别）。",
        example: "党支部",
        choices: Some(kinds),
    },
    ColumnDef {
        header: "所属领域",
        synonyms: &["领域", "行业领域", "所属行业"],
        required: false,
        kind: ColumnKind::Text,
        help: "农村、社区、机关、学校、卫健、国企、非公企业、社会组织、新就业群体、其他。",
        example: "农村",
        choices: Some(domains),
    },
    ColumnDef {
        header: "成立日期",
        synonyms: &["成立时间", "建立日期", "组建日期"],
        required: false,
        kind: ColumnKind::Date,
        help: "不能晚于今天。",
        example: "2019-06-30",
        choices: None,
    },
    ColumnDef {
        header: "届满日期",
        synonyms: &["届满时间", "本届届满日期", "任期届满日期", "任期届满"],
        required: false,
        kind: ColumnKind::Date,
        help: "本届班子任期届满的日期，须晚于成立日期。",
        example: "2026-06-30",
        choices: None,
    },
];

/// One valid row of an organization list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgRow {
    /// The row number Excel shows.
    pub excel_row: u32,
    /// 组织名称
    pub name: OrgName,
    /// 组织代码
    pub code: Option<OrgCode>,
    /// 上级党组织: a name or code as typed (normalized); `None` for a root.
    pub parent: Option<String>,
    /// 组织类别
    pub kind: OrgKind,
    /// 所属领域
    pub domain: Option<OrgDomain>,
    /// 成立日期
    pub established_on: Option<NaiveDate>,
    /// 届满日期
    pub term_end: Option<NaiveDate>,
}

/// Read an organization list and validate its rows.
pub fn import_orgs(
    bytes: &[u8],
    file_name: &str,
    limits: &Limits,
    options: &ImportOptions,
) -> Result<ParsedImport<OrgRow>, ImportError> {
    let table = read_table(bytes, file_name, limits)?;
    parse_orgs(&table, options)
}

/// Validate the rows of an organization table.
pub fn parse_orgs(table: &Table, options: &ImportOptions) -> Result<ParsedImport<OrgRow>, ImportError> {
    let (map, mut warnings) = map_columns(table, COLUMNS)?;
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut names: HashMap<String, u32> = HashMap::new();
    let mut codes: HashMap<String, u32> = HashMap::new();
    for row in &table.rows[map.data_start..] {
        if map.is_blank(row) {
            continue;
        }
        if jiceng_types::text::normalize(&map.cell(row, NAME).to_text()) == TEMPLATE_EXAMPLE_NAME {
            warnings.push(Warning::cell(row.excel_row, map.header(NAME), "模板中的示例行，已跳过"));
            continue;
        }
        let mut ctx = RowContext::new(row, &map, options.today);
        let parsed = parse_row(&mut ctx);
        if let Some(o) = &parsed {
            if let Some(first) = first_seen(&mut names, o.name.as_str(), row.excel_row) {
                ctx.err(NAME, format!("与第{first}行的组织名称重复"));
            }
            if let Some(code) = &o.code
                && let Some(first) = first_seen(&mut codes, code.as_str(), row.excel_row)
            {
                ctx.err(CODE, format!("与第{first}行的组织代码重复"));
            }
        }
        warnings.append(&mut ctx.warnings);
        match parsed {
            Some(o) if ctx.errors.is_empty() => rows.push(o),
            _ => rejected.append(&mut ctx.errors),
        }
    }
    Ok(ParsedImport { rows, rejected, warnings })
}

/// The row where `key` was first seen, or `None` (and remember this row) if it is new.
fn first_seen(seen: &mut HashMap<String, u32>, key: &str, row: u32) -> Option<u32> {
    match seen.entry(key.to_string()) {
        Entry::Occupied(e) => Some(*e.get()),
        Entry::Vacant(v) => {
            v.insert(row);
            None
        }
    }
}

fn parse_row(ctx: &mut RowContext<'_>) -> Option<OrgRow> {
    let name = ctx.parsed(NAME, true, OrgName::parse);
    let code = ctx.parsed(CODE, false, OrgCode::parse);
    let parent = ctx.text(PARENT, false);
    let kind = ctx.choice(KIND, true, parse_kind, "可填：县委、党工委、党委、党总支、党支部、联合党支部、临时党支部");
    let domain = ctx.choice(
        DOMAIN,
        false,
        parse_domain,
        "可填：农村、社区、机关、学校、卫健、国企、非公企业、社会组织、新就业群体、其他",
    );
    let established_on = ctx.past_date(ESTABLISHED, false, "成立日期");
    let term_end = ctx.date(TERM_END, false, false).map(|d| match d {
        crate::import::DateValue::Full(d) | crate::import::DateValue::YearMonth(d) => d,
    });
    if let Some(p) = &parent {
        let is_self = name.as_ref().is_some_and(|n| n.as_str() == p)
            || code.as_ref().is_some_and(|c| c.as_str().eq_ignore_ascii_case(p));
        if is_self {
            ctx.err(PARENT, "上级党组织不能是自己");
        }
        if p.chars().count() > 100 {
            ctx.err(PARENT, "不能超过100个字");
        }
    }
    if let (Some(e), Some(t)) = (established_on, term_end)
        && t <= e
    {
        ctx.err(TERM_END, "届满日期应晚于成立日期");
    }
    Some(OrgRow {
        excel_row: ctx.row.excel_row,
        name: name?,
        code,
        parent,
        kind: kind?,
        domain,
        established_on,
        term_end,
    })
}

/// 组织类别 from its label, key or a common short form (`支部`, `总支`, `党总支部委员会`).
pub fn parse_kind(input: &str) -> Option<OrgKind> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    OrgKind::parse(&s).or(match s.as_str() {
        "县委员会" | "县级党委" => Some(OrgKind::CountyCommittee),
        "工委" | "党的工作委员会" => Some(OrgKind::WorkingCommittee),
        "党委员会" | "基层党委" | "党的委员会" => Some(OrgKind::Committee),
        "总支" | "党总支部" | "党总支部委员会" => Some(OrgKind::GeneralBranch),
        "支部" | "党支部委员会" => Some(OrgKind::Branch),
        "联合支部" | "联合党支部委员会" => Some(OrgKind::JointBranch),
        "临时支部" => Some(OrgKind::ProvisionalBranch),
        _ => None,
    })
}

/// 所属领域 from its label, key or a common synonym (`村`, `非公`, `国有企业`, `新业态`).
pub fn parse_domain(input: &str) -> Option<OrgDomain> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    OrgDomain::parse(&s).or(match s.as_str() {
        "村" | "农村领域" | "行政村" => Some(OrgDomain::Rural),
        "城市社区" | "居委会" | "社区领域" => Some(OrgDomain::Community),
        "党政机关" | "机关单位" | "事业单位" | "机关事业单位" => Some(OrgDomain::Organ),
        "教育" | "中小学" | "高校" => Some(OrgDomain::School),
        "医疗卫生" | "卫生健康" | "医院" | "卫生" => Some(OrgDomain::Health),
        "国有企业" => Some(OrgDomain::StateEnterprise),
        "非公" | "非公有制企业" | "民营企业" | "私营企业" => Some(OrgDomain::PrivateEnterprise),
        "社会团体" | "民办非企业" => Some(OrgDomain::SocialOrg),
        "新业态" | "新就业形态" | "新业态新就业群体" => Some(OrgDomain::NewEmployment),
        "其它" => Some(OrgDomain::Other),
        _ => None,
    })
}

/// The layout of an organization export.
pub fn sheet_spec() -> SheetSpec {
    SheetSpec {
        name: "党组织信息".to_string(),
        columns: COLUMNS.iter().map(|c| ColumnSpec::new(c.header, c.kind)).collect(),
    }
}

/// The cells of one organization, in [`sheet_spec`]'s order.
pub fn to_cells(o: &OrgRow) -> Vec<Cell> {
    vec![
        Cell::text(o.name.as_str()),
        Cell::opt_text(o.code.as_ref().map(OrgCode::as_str)),
        Cell::opt_text(o.parent.as_deref()),
        Cell::text(o.kind.label()),
        Cell::opt_text(o.domain.map(OrgDomain::label)),
        Cell::opt_date(o.established_on),
        Cell::opt_date(o.term_end),
    ]
}

/// The organization import template (.xlsx).
pub fn org_template() -> Result<Vec<u8>, WriteError> {
    crate::template::build(
        "党组织信息",
        "党组织信息导入模板",
        COLUMNS,
        &[
            "表头请勿修改；列的顺序可以调整，不需要的非必填列可以删除。",
            "第2行是示例，导入时会自动跳过，也可以直接删除。",
            "红色列名为必填列。每行一个党组织；上级党组织可以写在同一文件中，但须写在其下级组织的前面（按文件中的顺序处理）。",
        ],
    )
}
