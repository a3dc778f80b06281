//! The columns of the two organizational-life imports: past meeting records (会议记录) and the
//! 第一议题 study register (学习内容登记册). Names accepted on import, help text and examples for
//! the templates.

use jiceng_types::{MeetingKind, StudyLevel};

use crate::import::ColumnDef;
use crate::write::ColumnKind;

/// 组织名称
pub const ORG: usize = 0;
/// 组织代码
pub const ORG_CODE: usize = 1;
/// 会议类型
pub const KINDS: usize = 2;
/// 日期
pub const HELD_ON: usize = 3;
/// 主题
pub const TOPIC: usize = 4;
/// 应到人数
pub const EXPECTED: usize = 5;
/// 实到人数
pub const PRESENT: usize = 6;
/// 缺席人员
pub const ABSENT: usize = 7;
/// 第一议题
pub const STUDIES: usize = 8;
/// 授课人
pub const LECTURER: usize = 9;
/// 党小组
pub const GROUP: usize = 10;

/// The organization in the meeting template's example row; rows with it are skipped on import.
pub const TEMPLATE_EXAMPLE_ORG: &str = "城关镇示例村党支部";

fn kinds() -> Vec<&'static str> {
    MeetingKind::ALL.iter().map(|k| k.label()).collect()
}

/// The meeting records' columns, in template order (indices are the constants above).
pub const MEETING_COLUMNS: &[ColumnDef] = &[
    ColumnDef {
        header: "组织名称",
        synonyms: &["党组织名称", "党组织", "所在党组织", "所在党支部", "党支部", "支部名称", "组织"],
        required: false,
        kind: ColumnKind::Text,
        help: "召开会议的党组织全称，须是系统中已有的党组织；县里有同名组织时请填组织代码。导入时选了“导入到党组织”的，可不填。",
        example: TEMPLATE_EXAMPLE_ORG,
        choices: None,
    },
    ColumnDef {
        header: "组织代码",
        synonyms: &["党组织代码", "组织编码", "党支部代码"],
        required: false,
        kind: ColumnKind::Code,
        help: "可不填。填写时按组织代码确定党组织（优先于组织名称）。",
        example: "",
        choices: None,
    },
    ColumnDef {
        header: "会议类型",
        synonyms: &["会议类别", "类型", "活动类型", "会议种类", "组织生活类型"],
        required: true,
        kind: ColumnKind::Text,
        help: "支部党员大会、支部委员会、党小组会、党课、主题党日、组织生活会、民主评议党员、党委(党组)会议、理论学习中心组学习、谈心谈话（“党员大会”“支委会”“党委会”等简称也可识别）。一次会议兼有几种类型的，用“、”“,”或“/”隔开，如 主题党日、党课。",
        example: "主题党日、支部党员大会",
        choices: Some(kinds),
    },
    ColumnDef {
        header: "日期",
        synonyms: &["会议日期", "召开日期", "开会日期", "会议时间", "时间", "活动日期", "活动时间"],
        required: true,
        kind: ColumnKind::Date,
        help: "会议召开的日期，不能晚于今天，不能早于2000年。",
        example: "2025-03-05",
        choices: None,
    },
    ColumnDef {
        header: "主题",
        synonyms: &["会议主题", "活动主题", "会议内容", "内容", "议题"],
        required: true,
        kind: ColumnKind::Text,
        help: "不超过200个字。同一组织、同一日期、同样类型和主题的记录已导入过的，再次导入时不会重复登记。",
        example: "学习贯彻全国两会精神",
        choices: None,
    },
    ColumnDef {
        header: "应到人数",
        synonyms: &["应到", "应到会人数", "应参会人数", "应出席人数"],
        required: true,
        kind: ColumnKind::Number,
        help: "0或正整数。",
        example: "25",
        choices: None,
    },
    ColumnDef {
        header: "实到人数",
        synonyms: &["实到", "实到会人数", "到会人数", "参会人数", "出席人数"],
        required: true,
        kind: ColumnKind::Number,
        help: "0或正整数，不能多于应到人数。",
        example: "23",
        choices: None,
    },
    ColumnDef {
        header: "缺席人员",
        synonyms: &["缺席", "缺席人员名单", "未到人员", "缺席人员及原因", "请假人员"],
        required: false,
        kind: ColumnKind::Text,
        help: "可不填。姓名之间用“、”“，”或“;”隔开；记入会议记录的缺席说明，不生成逐人签到名单。",
        example: "张三、李四",
        choices: None,
    },
    ColumnDef {
        header: "第一议题",
        synonyms: &["第一议题学习内容", "第一议题内容", "学习内容"],
        required: false,
        kind: ColumnKind::Text,
        help: "可不填。填写“第一议题”学习内容登记册中的标题（书名号可有可无），多项用“；”或换行隔开；登记册中没有的标题不能导入。",
        example: "",
        choices: None,
    },
    ColumnDef {
        header: "授课人",
        synonyms: &["讲课人", "党课授课人", "主讲人"],
        required: false,
        kind: ColumnKind::Text,
        help: "可不填。党课的授课人姓名（及职务），不超过100个字；与本组织党员同名且唯一时关联到该党员。",
        example: "",
        choices: None,
    },
    ColumnDef {
        header: "党小组",
        synonyms: &["党小组名称", "所在党小组"],
        required: false,
        kind: ColumnKind::Text,
        help: "党小组会必填：该党组织下已建立的党小组名称；其他会议不填。",
        example: "",
        choices: None,
    },
];

/// 标题
pub const TITLE: usize = 0;
/// 发布日期
pub const PUBLISHED_ON: usize = 1;
/// 学习时限(天)
pub const WITHIN_DAYS: usize = 2;
/// 适用层级
pub const LEVELS: usize = 3;
/// 来源
pub const SOURCE: usize = 4;
/// 备注
pub const NOTE: usize = 5;

/// The title in the study template's example row; rows with it are skipped on import.
pub const TEMPLATE_EXAMPLE_TITLE: &str = "（示例）学习贯彻党的二十届三中全会精神";

fn levels() -> Vec<&'static str> {
    StudyLevel::ALL.iter().map(|l| l.label()).chain(["全部"]).collect()
}

/// The study register's columns, in template order (indices are the constants above).
pub const STUDY_COLUMNS: &[ColumnDef] = &[
    ColumnDef {
        header: "标题",
        synonyms: &["学习内容", "学习内容标题", "题目", "名称", "文件名称", "第一议题"],
        required: true,
        kind: ColumnKind::Text,
        help: "1至200个字。会议记录的“第一议题”一列按此标题匹配（书名号可有可无）。标题和发布日期都相同的已登记过的，不会重复登记。",
        example: TEMPLATE_EXAMPLE_TITLE,
        choices: None,
    },
    ColumnDef {
        header: "发布日期",
        synonyms: &["发布时间", "印发日期", "下发日期", "日期"],
        required: true,
        kind: ColumnKind::Date,
        help: "不能晚于今天。学习时限从这一天起算。",
        example: "2024-07-21",
        choices: None,
    },
    ColumnDef {
        header: "学习时限(天)",
        synonyms: &["学习时限", "时限", "学习期限", "时限天数", "学习时限天数"],
        required: false,
        kind: ColumnKind::Number,
        help: "可不填：按县里设置的“第一议题”学习时限（默认7天）。填写时为1至365的整数。",
        example: "7",
        choices: None,
    },
    ColumnDef {
        header: "适用层级",
        synonyms: &["层级", "适用范围", "适用对象", "学习层级"],
        required: true,
        kind: ColumnKind::Text,
        help: "县委、党(工)委、党总支、党支部，多项用“、”或“,”隔开，或填“全部”（“党委”“支部”“总支”也可识别）。",
        example: "党(工)委、党支部",
        choices: Some(levels),
    },
    ColumnDef {
        header: "来源",
        synonyms: &["出处", "发文单位", "来源文件", "文件来源"],
        required: false,
        kind: ColumnKind::Text,
        help: "可不填，不超过100个字。",
        example: "县委办公室",
        choices: None,
    },
    ColumnDef {
        header: "备注",
        synonyms: &["说明"],
        required: false,
        kind: ColumnKind::Text,
        help: "可不填，不超过1000个字。",
        example: "",
        choices: None,
    },
];
