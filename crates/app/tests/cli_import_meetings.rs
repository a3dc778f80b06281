#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `jiceng import meetings|study-items FILE`, run as a real process: the JSON report's shape,
//! exit codes 0 (all rows imported), 2 (some rejected; the good rows still imported unless
//! `--dry-run`) and 1 (the file cannot be read), `--org`, and idempotent re-imports.

mod common;

use std::process::Command;

use common::{Dir, jiceng, keys, report, text};

#[test]
fn import_commands_have_help() {
    for kind in ["meetings", "study-items"] {
        let o = Command::new(env!("CARGO_BIN_EXE_jiceng")).args(["import", kind, "--help"]).output().unwrap();
        assert!(o.status.success(), "{}", text(&o));
        let help = String::from_utf8_lossy(&o.stdout);
        assert!(help.contains("--org") && help.contains("--dry-run") && help.contains("--format"), "{help}");
    }
}

#[test]
fn study_items_and_meetings_json_reports_and_exit_codes() {
    let d = Dir::new("import-meetings");
    let data = d.0.join("data");
    let orgs = d.file(
        "orgs.csv",
        "组织名称,组织代码,上级党组织,组织类别,成立日期\n测试县委,T100,,县委,2000-01-01\n测试村党支部,T101,T100,党支部,2010-01-01\n测试社区党支部,T102,T100,党支部,2010-01-01\n",
    );
    let o = jiceng(&["import", "orgs", &orgs, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // The register, kept by the only county.
    let study = d.file(
        "study.csv",
        "标题,发布日期,学习时限(天),适用层级\n《论党的自我革命》,2024-07-21,,全部\n二十届三中全会精神,2024-08-01,10,党支部\n",
    );
    let o = jiceng(&["import", "study-items", &study, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = report(&o);
    assert_eq!(keys(&r), ["imported", "rejected", "unchanged", "updated", "warnings"]);
    assert_eq!((r["imported"].as_u64(), r["updated"].as_u64(), r["unchanged"].as_u64()), (Some(2), Some(0), Some(0)));
    let o = jiceng(&["import", "study-items", &study, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!((report(&o)["imported"].as_u64(), report(&o)["unchanged"].as_u64()), (Some(0), Some(2)));

    let meetings = d.file(
        "meetings.csv",
        "组织名称,组织代码,会议类型,日期,主题,应到人数,实到人数,缺席人员,第一议题,备注\n\
         测试村党支部,,\"支委会、党课\",2025-03-05,研究春耕生产,7,6,张三,论党的自我革命,无\n\
         ,T102,主题党日,2025-03-10,学习两会精神,20,18,,\n\
         测试村党支部,,主题党日,2025-03-12,学习,8,9,,\n\
         测试村党支部,,支委会,2025-03-15,研究工作,7,7,,没有这份文件\n",
    );
    // A dry run: the report of what would happen, exit 2, nothing written.
    let o = jiceng(&["import", "meetings", &meetings, "--dry-run", "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let r = report(&o);
    assert_eq!(keys(&r), ["imported", "rejected", "unchanged", "updated", "warnings"]);
    assert_eq!(r["imported"], 2);
    let rejected = r["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{r}");
    assert_eq!(rejected[0]["row"], 4);
    assert_eq!(rejected[0]["column"], "实到人数");
    assert_eq!(rejected[1]["row"], 5);
    assert_eq!(rejected[1]["column"], "第一议题");
    assert_eq!(rejected[1]["reason"], "第一议题“没有这份文件”不在学习内容登记册中");
    assert_eq!(keys(&rejected[0]), ["column", "reason", "row"]);
    assert_eq!(r["warnings"][0]["column"], "备注");
    let o = jiceng(&["import", "meetings", &meetings, "--dry-run", "--format", "json"], &data);
    assert_eq!(report(&o)["imported"], 2, "the dry run wrote nothing");

    // For real: the good rows are imported, exit 2 because some were rejected.
    let o = jiceng(&["import", "meetings", &meetings, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!((report(&o)["imported"].as_u64(), report(&o)["unchanged"].as_u64()), (Some(2), Some(0)));
    // Again: unchanged.
    let o = jiceng(&["import", "meetings", &meetings, "--format", "json"], &data);
    assert_eq!((report(&o)["imported"].as_u64(), report(&o)["unchanged"].as_u64()), (Some(0), Some(2)));

    // Only good rows, into the organization given by --org: exit 0; the table format says so.
    let good = d.file("good.csv", "会议类型,日期,主题,应到人数,实到人数\n党员大会,2025-04-01,学习党章,30,28\n");
    let o = jiceng(&["import", "meetings", &good, "--org", "T101"], &data);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("新增 1"), "{}", text(&o));
    let o = jiceng(&["import", "meetings", &good, "--format", "json"], &data);
    assert_eq!(o.status.code(), Some(2), "without --org the row names no organization: {}", text(&o));
    assert_eq!(report(&o)["rejected"][0]["reason"], "请填写组织名称或组织代码");

    // Files that cannot be read: exit 1 with one readable line.
    for bad in
        [d.file("junk.xlsx", "PK\u{3}\u{4}not a workbook"), d.0.join("missing.csv").to_string_lossy().into_owned()]
    {
        for kind in ["meetings", "study-items"] {
            let o = jiceng(&["import", kind, &bad, "--format", "json"], &data);
            assert_eq!(o.status.code(), Some(1), "{kind} {bad}: {}", text(&o));
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.starts_with("错误："), "{err}");
        }
    }
    let o = jiceng(&["audit", "verify"], &data);
    assert!(o.status.success(), "{}", text(&o));
}
