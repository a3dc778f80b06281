//! The columns of the member roster (党员花名册): names accepted on import, help text and
//! example for the template.

use jiceng_types::person::{ETHNIC_GROUPS, Education, Gender, MemberCategory};

use crate::import::ColumnDef;
use crate::write::ColumnKind;

/// 姓名
pub const NAME: usize = 0;
/// 性别
pub const GENDER: usize = 1;
/// 民族
pub const ETHNICITY: usize = 2;
/// 出生日期
pub const BIRTH: usize = 3;
/// 公民身份号码
pub const ID_CARD: usize = 4;
/// 学历
pub const EDUCATION: usize = 5;
/// 手机号码
pub const PHONE: usize = 6;
/// 人员类别
pub const CATEGORY: usize = 7;
/// 入党日期
pub const ADMITTED: usize = 8;
/// 转正日期
pub const REGULARIZED: usize = 9;
/// 所在党支部
pub const ORG: usize = 10;
/// 工作岗位
pub const POST: usize = 11;
/// 现居住地
pub const RESIDENCE: usize = 12;
/// 党组织代码
pub const ORG_CODE: usize = 13;

/// The ID number of the template's example row: the example printed in GB 11643 itself, so it
/// belongs to nobody. Rows with it are skipped on import.
pub const TEMPLATE_EXAMPLE_ID: &str = "11010519491231002X";

fn genders() -> Vec<&'static str> {
    Gender::ALL.iter().map(|g| g.label()).collect()
}
fn ethnic_groups() -> Vec<&'static str> {
    ETHNIC_GROUPS.to_vec()
}
fn educations() -> Vec<&'static str> {
    Education::ALL.iter().map(|e| e.label()).collect()
}
fn categories() -> Vec<&'static str> {
    MemberCategory::ALL.iter().map(|c| c.label()).collect()
}

/// The member roster's columns, in template order (indices are the constants above).
pub const COLUMNS: &[ColumnDef] = &[
    ColumnDef {
        header: "姓名",
        synonyms: &["党员姓名"],
        required: true,
        kind: ColumnKind::Text,
        help: "2至20个字；少数民族姓名中间的间隔号请用“·”。",
        example: "李红",
        choices: None,
    },
    ColumnDef {
        header: "性别",
        synonyms: &[],
        required: false,
        kind: ColumnKind::Text,
        help: "男 或 女。可不填，按身份证号第17位确定；填写时须与身份证号一致。",
        example: "女",
        choices: Some(genders),
    },
    ColumnDef {
        header: "民族",
        synonyms: &[],
        required: false,
        kind: ColumnKind::Text,
        help: "56个民族之一，如 汉族、苗族、布依族（“汉”“苗”等简称也可识别）。",
        example: "汉族",
        choices: Some(ethnic_groups),
    },
    ColumnDef {
        header: "出生日期",
        synonyms: &["出生年月", "出生时间"],
        required: false,
        kind: ColumnKind::Date,
        help: "可不填，按身份证号确定；填写时须与身份证号一致。可填 1985-03-12、1985/3/12、1985.03.12、19850312、1985年3月12日，或只填年月 1985-03、1985.03、1985年3月。",
        example: "1949-12-31",
        choices: None,
    },
    ColumnDef {
        header: "公民身份号码",
        synonyms: &["身份证号", "身份证号码", "身份证", "身份证件号码", "证件号码"],
        required: true,
        kind: ColumnKind::Code,
        help: "18位，最后一位可以是X；15位旧号码会自动转换为18位。本列已设为文本格式，请勿改为数字格式，否则 Excel 会把后几位变成0。",
        example: TEMPLATE_EXAMPLE_ID,
        choices: None,
    },
    ColumnDef {
        header: "学历",
        synonyms: &["文化程度", "最高学历", "全日制学历"],
        required: false,
        kind: ColumnKind::Text,
        help: "研究生、大学本科、大学专科、中专、高中、初中、小学及以下（“本科”“大专”“硕士”等也可识别）。",
        example: "大学本科",
        choices: Some(educations),
    },
    ColumnDef {
        header: "手机号码",
        synonyms: &["手机号", "联系电话", "电话", "手机", "联系方式", "电话号码"],
        required: false,
        kind: ColumnKind::Code,
        help: "11位手机号，或带区号的固定电话，如 0851-86812345。",
        example: "13800000000",
        choices: None,
    },
    ColumnDef {
        header: "人员类别",
        synonyms: &["党员类别", "类别", "党员类型"],
        required: true,
        kind: ColumnKind::Text,
        help: "正式党员 或 预备党员。",
        example: "正式党员",
        choices: Some(categories),
    },
    ColumnDef {
        header: "入党日期",
        synonyms: &["入党时间", "加入党组织日期"],
        required: true,
        kind: ColumnKind::Date,
        help: "年月日，如 1975-07-01；须晚于出生日期，不能晚于今天。",
        example: "1975-07-01",
        choices: None,
    },
    ColumnDef {
        header: "转正日期",
        synonyms: &["转正时间"],
        required: false,
        kind: ColumnKind::Date,
        help: "正式党员填写，不能早于入党日期；预备党员不填。",
        example: "1976-07-01",
        choices: None,
    },
    ColumnDef {
        header: "所在党支部",
        synonyms: &["所在党组织", "党组织名称", "党组织", "所在支部", "所在党组织名称", "党支部"],
        required: false,
        kind: ColumnKind::Text,
        help: "党支部的全称或组织代码，须是系统中已有的党组织。导入时选了“导入到党组织”的，可不填，归入所选组织；否则必须填写。",
        example: "城关镇示例村党支部",
        choices: None,
    },
    ColumnDef {
        header: "工作岗位",
        synonyms: &["工作单位及职务", "工作单位及职位", "职务", "工作单位", "岗位"],
        required: false,
        kind: ColumnKind::Text,
        help: "不超过100个字。",
        example: "村党支部书记",
        choices: None,
    },
    ColumnDef {
        header: "现居住地",
        synonyms: &["户籍所在地", "居住地", "家庭住址", "住址", "现住址", "户籍地"],
        required: false,
        kind: ColumnKind::Text,
        help: "不超过200个字。",
        example: "城关镇示例村",
        choices: None,
    },
    ColumnDef {
        header: "党组织代码",
        synonyms: &["所在党组织代码", "党支部代码", "组织代码"],
        required: false,
        kind: ColumnKind::Text,
        help: "可不填。填写时按组织代码确定所在党支部，县里有同名党支部时用它区分；系统导出的名册带有此列。",
        example: "",
        choices: None,
    },
];
