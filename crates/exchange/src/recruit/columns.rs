//! The columns of a roster of member development (发展党员花名册): names accepted on import, help
//! text and examples for the template. Only 姓名 is required: a roster keeps the dates it keeps,
//! and the check looks only at the columns a file has.

use crate::import::{ColumnDef, header_key};
use crate::write::ColumnKind;

/// 姓名
pub const NAME: usize = 0;
/// 所在党支部
pub const ORG: usize = 1;
/// 出生日期
pub const BIRTH: usize = 2;
/// 公民身份号码
pub const ID_CARD: usize = 3;
/// 申请入党日期
pub const APPLIED: usize = 4;
/// 谈话日期
pub const TALK: usize = 5;
/// 确定入党积极分子日期
pub const ACTIVIST: usize = 6;
/// 考察日期 (the first of possibly several columns)
pub const REVIEWS: usize = 7;
/// 确定发展对象日期
pub const CANDIDATE: usize = 8;
/// 政审结论日期
pub const POLIT: usize = 9;
/// 培训结业日期
pub const TRAINING_END: usize = 10;
/// 培训天数
pub const TRAINING_DAYS: usize = 11;
/// 培训学时
pub const TRAINING_HOURS: usize = 12;
/// 支部大会讨论日期(接收)
pub const ADMITTED: usize = 13;
/// 应到人数
pub const ELIGIBLE: usize = 14;
/// 实到人数
pub const PRESENT: usize = 15;
/// 赞成人数
pub const IN_FAVOUR: usize = 16;
/// 上级党委审批日期
pub const APPROVED: usize = 17;
/// 入党宣誓日期
pub const OATH: usize = 18;
/// 转正申请日期
pub const REG_APPLIED: usize = 19;
/// 转正支部大会日期
pub const REG_MEETING: usize = 20;
/// 转正审批日期
pub const REG_APPROVED: usize = 21;
/// 转正日期
pub const REGULARIZED: usize = 22;
/// 延长预备期(月)
pub const EXTENSION: usize = 23;

/// The name in the template's example row; rows with it are skipped.
pub const TEMPLATE_EXAMPLE_NAME: &str = "（示例）王小明";

const fn date(
    header: &'static str,
    synonyms: &'static [&'static str],
    help: &'static str,
    example: &'static str,
) -> ColumnDef {
    ColumnDef { header, synonyms, required: false, kind: ColumnKind::Date, help, example, choices: None }
}

const fn number(
    header: &'static str,
    synonyms: &'static [&'static str],
    help: &'static str,
    example: &'static str,
) -> ColumnDef {
    ColumnDef { header, synonyms, required: false, kind: ColumnKind::Number, help, example, choices: None }
}

/// The roster's columns, in template order (indices are the constants above).
pub const RECRUIT_COLUMNS: &[ColumnDef] = &[
    ColumnDef {
        header: "姓名",
        synonyms: &["发展对象姓名", "入党积极分子姓名", "申请人姓名", "申请人", "党员姓名"],
        required: true,
        kind: ColumnKind::Text,
        help: "必填，不超过50个字。检查结果按行号和姓名列出。",
        example: TEMPLATE_EXAMPLE_NAME,
        choices: None,
    },
    ColumnDef {
        header: "所在党支部",
        synonyms: &["党支部", "所在党组织", "党组织", "党组织名称", "支部名称", "所在支部"],
        required: false,
        kind: ColumnKind::Text,
        help: "可不填，照抄到检查结果中，便于分发给各支部。",
        example: "城关镇示例村党支部",
        choices: None,
    },
    date(
        "出生日期",
        &["出生年月", "出生年月日", "出生时间", "生日"],
        "用于检查申请入党时是否年满18周岁。只有年月的（如 2000.03）按当月1日计，只在确定未满18周岁时才报问题。也可不填，由公民身份号码得出。",
        "2000-05-10",
    ),
    ColumnDef {
        header: "公民身份号码",
        synonyms: &["身份证号", "身份证号码", "身份证", "证件号码"],
        required: false,
        kind: ColumnKind::Code,
        help: "可不填。填写时取其中的出生日期（与“出生日期”一列不一致的，以身份证号为准并提示）。号码不会出现在检查结果中。",
        example: "",
        choices: None,
    },
    date(
        "申请入党日期",
        &["递交入党申请书日期", "入党申请日期", "递交申请书日期", "申请入党时间", "递交入党申请书时间", "申请日期"],
        "党组织收到入党申请书的日期（第1步）。",
        "2022-03-01",
    ),
    date(
        "谈话日期",
        &["派人谈话日期", "党组织派人谈话日期", "谈话时间", "申请人谈话日期"],
        "党组织派人同申请人谈话的日期（第2步），应在收到申请书后1个月内。",
        "2022-03-15",
    ),
    date(
        "确定入党积极分子日期",
        &[
            "确定为入党积极分子日期",
            "确定积极分子日期",
            "列为入党积极分子日期",
            "确定入党积极分子时间",
            "确定积极分子时间",
        ],
        "支委会确定为入党积极分子的日期（第3步），培养考察期从这一天算起。",
        "2022-04-01",
    ),
    ColumnDef {
        header: "考察日期",
        synonyms: &["考察时间", "培养考察日期", "培养教育考察日期", "积极分子考察日期", "考察记录日期"],
        required: false,
        kind: ColumnKind::Text,
        help: "党支部对入党积极分子的每次考察（第6步），应每半年一次。几次考察写在一格里，用“，”“、”“;”或空格隔开；也可以分几列填写（列名都写“考察日期”，或“第一次考察日期”“考察日期2”等）。",
        example: "2022-10-01、2023-04-01",
        choices: None,
    },
    date(
        "确定发展对象日期",
        &["确定为发展对象日期", "列为发展对象日期", "确定发展对象时间", "发展对象确定日期"],
        "支委会确定为发展对象的日期（第7步），应在确定为入党积极分子1年以后。",
        "2023-04-01",
    ),
    date(
        "政审结论日期",
        &["政治审查结论日期", "政审日期", "政审结论时间", "政治审查日期", "政审时间"],
        "政治审查形成结论性材料的日期（第10步），应在支部大会讨论之前，超过12个月的应重新政审。",
        "2023-05-20",
    ),
    date(
        "培训结业日期",
        &["集中培训结业日期", "结业日期", "培训日期", "集中培训日期", "培训时间"],
        "发展对象集中培训结束的日期（第11步）。",
        "2023-05-10",
    ),
    number(
        "培训天数",
        &["集中培训天数", "培训时长天数"],
        "可不填。集中培训的天数，一般不少于3天（或24学时）；小数按整数部分计。",
        "3",
    ),
    number(
        "培训学时",
        &["集中培训学时", "培训时长学时", "学时"],
        "可不填。集中培训的学时，一般不少于24学时（或3天）。",
        "24",
    ),
    date(
        "支部大会讨论日期(接收)",
        &[
            "支部大会日期",
            "支部大会讨论通过日期",
            "支部大会通过日期",
            "接收预备党员支部大会日期",
            "入党日期",
            "入党时间",
        ],
        "支部大会讨论接收为预备党员的日期（第15步），即入党日期，预备期从这一天算起。",
        "2023-06-20",
    ),
    number(
        "应到人数",
        &["应到会人数", "应到会有表决权人数", "应到", "有表决权党员人数"],
        "可不填。接收预备党员的支部大会应到会有表决权的正式党员人数。",
        "20",
    ),
    number(
        "实到人数",
        &["实到会人数", "实到会有表决权人数", "到会人数", "实到"],
        "可不填。实到会有表决权的正式党员人数，应超过应到人数的半数。",
        "18",
    ),
    number(
        "赞成人数",
        &["赞成票", "赞成票数", "同意人数", "赞成"],
        "可不填。赞成票数（含会前书面表达的意见），应超过应到人数的半数。",
        "18",
    ),
    date(
        "上级党委审批日期",
        &["党委审批日期", "审批日期", "接收审批日期", "上级党委审批时间", "审批时间", "批准日期"],
        "基层党委审批接收为预备党员的日期（第17步），应在支部大会后3个月内，特殊情况不超过6个月。",
        "2023-07-20",
    ),
    date("入党宣誓日期", &["宣誓日期", "宣誓时间", "入党宣誓时间"], "入党宣誓的日期（第20步）。", "2023-08-01"),
    date(
        "转正申请日期",
        &["提出转正申请日期", "递交转正申请日期", "转正申请时间", "转正申请书日期"],
        "预备党员提出转正申请的日期（第22步）。",
        "2024-06-01",
    ),
    date(
        "转正支部大会日期",
        &["转正讨论日期", "支部大会讨论转正日期", "讨论转正日期", "转正支部大会讨论日期"],
        "支部大会讨论转正的日期（第23步），应在预备期满后及时（3个月内）讨论；延长过预备期的，填最后一次讨论的日期。",
        "2024-06-20",
    ),
    date(
        "转正审批日期",
        &["转正审批时间", "党委审批转正日期", "批准转正日期"],
        "基层党委审批转正的日期（第24步），应在支部大会讨论后3个月内。",
        "2024-07-10",
    ),
    date("转正日期", &["转正时间", "转为正式党员日期"], "审批写明的转正日期，应为预备期满之日。", "2024-06-20"),
    number(
        "延长预备期(月)",
        &["延长预备期", "延长预备期月数", "延长月数", "延长预备期时间"],
        "可不填。延长过预备期的填月数（6至12），如 6 或 6个月；没有延长的填0或不填。不填此列的，按没有延长计算预备期。",
        "0",
    ),
];

/// True when a header names a 考察日期 column, also numbered: `考察日期2`, `第二次考察日期`,
/// `第2次考察`, `考察日期（3）`.
pub fn is_review_header(text: &str) -> bool {
    let key = header_key(text);
    let key = match key.strip_prefix('第') {
        Some(rest) => match rest.split_once('次') {
            Some((n, tail))
                if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c)) =>
            {
                tail.to_string()
            }
            _ => key.clone(),
        },
        None => key.clone(),
    };
    let key = key.trim_end_matches(|c: char| c.is_ascii_digit());
    key == "考察" || RECRUIT_COLUMNS[REVIEWS].names().any(|n| header_key(n) == key)
}
