//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use jiceng_exchange::member::ImportOptions;
use jiceng_types::idcard::check_char;

/// The fixed "today" of the tests.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

pub fn options() -> ImportOptions {
    ImportOptions { today: today() }
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A valid ID number from region, `yyyymmdd` and a 3-digit sequence (odd last digit = male).
pub fn id(region: &str, birth: &str, seq: &str) -> String {
    let body = format!("{region}{birth}{seq}");
    assert_eq!(body.len(), 17);
    let check = check_char(body.as_bytes()).unwrap();
    format!("{body}{}", check as char)
}

/// The standard header of a roster CSV.
pub const HEADER: &str =
    "姓名,性别,民族,出生日期,公民身份号码,学历,手机号码,人员类别,入党日期,转正日期,所在党支部,工作岗位,现居住地";

/// A valid roster line for a man born 1985-03-12.
pub fn good_line() -> String {
    format!(
        "张三,男,汉族,1985-03-12,{},大学本科,13912345678,正式党员,2010-07-01,2011-07-01,城关镇东门村党支部,村委会主任,城关镇东门村",
        id("520102", "19850312", "123")
    )
}
