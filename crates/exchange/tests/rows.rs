//! Row validation of member rosters and organization lists: every rule, the error contract,
//! header detection and column mapping.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use jiceng_exchange::member::Sensitive;
use jiceng_exchange::{ImportError, Limits, import_members, import_orgs};
use jiceng_types::OrgKind;
use jiceng_types::person::{Education, Gender, MemberCategory};

fn members(csv: &str) -> jiceng_exchange::ParsedImport<jiceng_exchange::MemberRow> {
    import_members(csv.as_bytes(), "roster.csv", &Limits::default(), &options()).unwrap()
}

#[test]
fn a_good_row_becomes_a_typed_record() {
    let parsed = members(&format!("{HEADER}\n{}\n", good_line()));
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let m = &parsed.rows[0];
    assert_eq!(m.excel_row, 2);
    assert_eq!(m.name.as_str(), "张三");
    assert_eq!(m.gender, Gender::Male);
    assert_eq!(m.ethnicity, Some("汉族"));
    assert_eq!(m.birth_date, date(1985, 3, 12));
    assert_eq!(m.education, Some(Education::Bachelor));
    assert_eq!(m.phone.as_ref().unwrap().as_str(), "13912345678");
    assert_eq!(m.category, MemberCategory::Full);
    assert_eq!(m.admitted_on, date(2010, 7, 1));
    assert_eq!(m.regularized_on, Some(date(2011, 7, 1)));
    assert_eq!(m.org, "城关镇东门村党支部");
    assert_eq!(m.post.as_deref(), Some("村委会主任"));
    assert_eq!(m.residence.as_deref(), Some("城关镇东门村"));
    // Previews never carry the full ID number or phone.
    let json = serde_json::to_value(m).unwrap();
    assert_eq!(json["id_card"], "520102********1234".replace("1234", &m.id_card.as_str()[14..]));
    assert_eq!(json["phone"], "139****5678");
    assert_eq!(jiceng_exchange::member::to_cells(m, Sensitive::Masked)[4].to_text(), m.id_card.masked());
}

#[test]
fn errors_follow_the_json_contract_and_collect_every_problem() {
    let bad = format!(
        "张3,女,火星族,1985-03-13,{},幼儿园,12345,预备党员,2030-01-01,2011-07-01,城关镇东门村党支部,,",
        id("520102", "19850312", "123")
    );
    let parsed = members(&format!("{HEADER}\n{bad}\n"));
    assert!(parsed.rows.is_empty());
    assert_eq!(parsed.rejected_rows(), 1);
    let reasons: Vec<(&str, &str)> = parsed.rejected.iter().map(|e| (e.column.as_str(), e.reason.as_str())).collect();
    let has = |col: &str, needle: &str| reasons.iter().any(|(c, r)| *c == col && r.contains(needle));
    assert!(has("姓名", "数字"), "{reasons:?}");
    assert!(has("民族", "火星族"), "{reasons:?}");
    assert!(has("学历", "幼儿园"), "{reasons:?}");
    assert!(has("手机号码", "12345"), "{reasons:?}");
    assert!(has("入党日期", "不能晚于今天"), "{reasons:?}");
    assert!(has("出生日期", "出生日期与身份证号不一致"), "{reasons:?}");
    assert!(has("性别", "性别与身份证号不一致"), "{reasons:?}");
    assert!(has("转正日期", "预备党员不应填写转正日期"), "{reasons:?}");
    let json = serde_json::to_value(&parsed.rejected[0]).unwrap();
    assert_eq!(json, serde_json::json!({"row": 2, "column": "姓名", "reason": "姓名不能包含数字"}));
}

#[test]
fn date_order_rules() {
    let line = |seq: &str, admitted: &str, regularized: &str| {
        format!("张三,,,,{},,,正式党员,{admitted},{regularized},东门村党支部,,", id("520102", "19850312", seq))
    };
    let parsed = members(&format!(
        "{HEADER}\n{}\n{}\n{}\n",
        line("123", "1980-01-01", ""),
        line("125", "2010-07-01", "2010-06-30"),
        line("123", "2001-07-01", "")
    ));
    let reasons: Vec<&str> = parsed.rejected.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons, vec!["入党日期应晚于出生日期", "转正日期不能早于入党日期", "与第2行的身份证号重复"]);
    assert_eq!(parsed.rejected[2].row, 4);
    // Admitted at 16 is not checked here: that is a data-quality rule elsewhere.
    assert!(parsed.rows.is_empty());
    let young = members(&format!("{HEADER}\n{}\n", line("123", "2001-07-01", "")));
    assert_eq!(young.rows.len(), 1);
}

#[test]
fn gender_and_birth_may_be_left_empty_and_come_from_the_id() {
    let woman = id("522601", "19900101", "024");
    let csv = format!("身份证号,姓名,入党时间,类别,党组织\n{woman},阿依古丽·买买提,2015-05-04,预备,某支部\n");
    let parsed = members(&csv);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    let m = &parsed.rows[0];
    assert_eq!(m.gender, Gender::Female);
    assert_eq!(m.birth_date, date(1990, 1, 1));
    assert_eq!(m.category, MemberCategory::Probationary);
    assert_eq!(m.name.as_str(), "阿依古丽·买买提");
}

#[test]
fn year_month_birth_dates_and_synonyms_are_accepted() {
    let csv = format!(
        "党员姓名,性别,民族,出生年月,身份证号码,文化程度,联系电话,党员类别,入党日期,转正时间,所在党组织,工作单位及职务,户籍所在地\n\
         王五,男性,苗,1985.03,{},大专,0851-86812345,正式,2010年7月1日,20110701,东门村党支部,村医,城关镇\n",
        id("520102", "19850312", "123")
    );
    let parsed = members(&csv);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    let m = &parsed.rows[0];
    assert_eq!(m.ethnicity, Some("苗族"));
    assert_eq!(m.education, Some(Education::College));
    assert_eq!(m.regularized_on, Some(date(2011, 7, 1)));
    assert_eq!(m.birth_date, date(1985, 3, 12));
}

#[test]
fn title_rows_above_the_header_are_skipped_and_columns_found_in_any_order() {
    let csv = format!(
        "城关镇党员花名册,,,\n填报单位：城关镇党委,,,\n\n所在党支部,入党日期,备注,公民身份号码,人员类别,姓名,序号\n东门村党支部,2010-07-01,无,{},正式党员,张三,1\n",
        id("520102", "19850312", "123")
    );
    let parsed = members(&csv);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(parsed.rows[0].excel_row, 5);
    let json = serde_json::to_value(&parsed.warnings).unwrap();
    assert_eq!(json, serde_json::json!([{"column": "备注", "reason": "未识别的列，已忽略"}]));
}

#[test]
fn missing_required_columns_are_named() {
    let err = import_members("姓名,性别,民族\n张三,男,汉族\n".as_bytes(), "a.csv", &Limits::default(), &options())
        .unwrap_err();
    assert_eq!(err.code(), "missing_columns");
    assert_eq!(err.to_string(), "缺少必填列：公民身份号码、人员类别、入党日期");
    let err = import_members("a,b,c\n1,2,3\n".as_bytes(), "a.csv", &Limits::default(), &options()).unwrap_err();
    assert!(matches!(err, ImportError::NoHeader { .. }));
}

#[test]
fn excel_numbers_in_the_id_column_get_their_own_message() {
    let csv = format!("{HEADER}\n张三,男,汉族,,5.20102E+17,,,正式党员,2010-07-01,,东门村党支部,,\n");
    let parsed = members(&csv);
    let e = &parsed.rejected[0];
    assert_eq!(e.column, "公民身份号码");
    assert_eq!(e.reason, "身份证号被 Excel 存成了数字，精度已丢失，请把该列设为文本后重新填写");
    let csv = format!("{HEADER}\n张三,男,汉族,,520102198503121000,,,正式党员,2010-07-01,,东门村党支部,,\n");
    assert_eq!(members(&csv).rejected[0].reason, e.reason);
}

#[test]
fn legacy_numbers_are_converted_with_a_warning_and_template_rows_skipped() {
    let csv = format!(
        "{HEADER}\n李红,女,汉族,1949-12-31,11010519491231002X,,,正式党员,1975-07-01,,示例,,\n张三,,,,520102850312123,,,正式党员,2010-07-01,,东门村党支部,,\n"
    );
    let parsed = members(&csv);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].id_card.as_str(), id("520102", "19850312", "123"));
    assert_eq!(parsed.warnings.len(), 2);
    assert_eq!(parsed.warnings[0].reason, "模板中的示例行，已跳过");
    assert!(parsed.warnings[1].reason.contains("15位旧身份证号已转换为18位"));
}

#[test]
fn organization_rows() {
    let csv = "组织名称,组织代码,上级党组织,组织类别,所属领域,成立日期,届满日期\n\
               城关镇党委,CGZ,县委,党委,农村,2001-01-01,2026-06-30\n\
               东门村党支部,cgz-dm,城关镇党委,支部,村,2010-05-01,2026-06-30\n\
               西门村党支部,CGZ,西门村党支部,合作社,火星,2030-01-01,2020-01-01\n\
               城关镇党委,,CGZ,党委,,,\n";
    let parsed = import_orgs(csv.as_bytes(), "orgs.csv", &Limits::default(), &options()).unwrap();
    assert_eq!(parsed.rows.len(), 2);
    assert_eq!(parsed.rows[1].kind, OrgKind::Branch);
    assert_eq!(parsed.rows[1].code.as_ref().unwrap().as_str(), "CGZ-DM");
    assert_eq!(parsed.rows[1].parent.as_deref(), Some("城关镇党委"));
    let reasons: Vec<(u32, &str, &str)> =
        parsed.rejected.iter().map(|e| (e.row, e.column.as_str(), e.reason.as_str())).collect();
    let has = |row: u32, col: &str, needle: &str| {
        reasons.iter().any(|(r, c, m)| *r == row && *c == col && m.contains(needle))
    };
    assert!(has(4, "组织类别", "合作社"), "{reasons:?}");
    assert!(has(4, "所属领域", "火星"), "{reasons:?}");
    assert!(has(4, "成立日期", "不能晚于今天"), "{reasons:?}");
    assert!(has(4, "上级党组织", "不能是自己"), "{reasons:?}");
    assert!(has(5, "组织名称", "与第2行的组织名称重复"), "{reasons:?}");
}
