#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Importing past meeting records and the 第一议题 register through the import pages (upload →
//! preview → confirm → result): rows reported by Excel row, column and reason, re-imports
//! unchanged, scope, rights, templates, audit.

mod common;

use axum::http::StatusCode;
use chrono::NaiveDate;
use common::*;
use jiceng_exchange::{Cell, ColumnKind, ColumnSpec, SheetSpec};
use jiceng_store::meeting::study::{self, StudyItemInput};
use jiceng_store::meeting::{self, MeetingFilter, MeetingRow, Source};
use jiceng_store::{Db, audit};
use jiceng_types::{MeetingKind, OrgId, Role, Scope, StudyLevel};

/// Upload, wait for the preview; the job's URL and the preview page.
async fn preview(app: &TestApp, kind: &str, auth: &str, name: &str, file: &[u8], org: &str) -> (String, Resp) {
    let r = upload_import(app, kind, auth, name, file, org).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let job = r.location().unwrap().to_string();
    let page = settle_import(app, &job, auth).await;
    (job, page)
}

/// Confirm a job and wait for the result page.
async fn confirm(app: &TestApp, job: &str, auth: &str) -> Resp {
    let r = app.post_form(&format!("{job}/confirm"), auth, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    settle_import(app, job, auth).await
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Register a study item kept by `keeper` (a county), from the command line.
async fn register(db: &Db, keeper: &jiceng_store::org::Org, title: &str, on: NaiveDate) -> i64 {
    let input = StudyItemInput {
        title: title.into(),
        source: None,
        published_on: on,
        levels: StudyLevel::ALL.to_vec(),
        within_days: None,
        note: None,
    };
    study::create(db, &Scope::cli_within(keeper.path.clone()), &meta(), input).await.unwrap().id
}

async fn meetings_of(db: &Db, org: OrgId) -> Vec<MeetingRow> {
    let filter = MeetingFilter { org_id: Some(org), ..Default::default() };
    let mut rows = meeting::list(db, &Scope::cli(), &filter, 1, 100).await.unwrap().items;
    rows.sort_by_key(|m| (m.held_on, m.id));
    rows
}

fn rejected(page: &Resp) -> Vec<String> {
    page.texts("#rejected-rows tbody tr")
}

const MEETING_HEADER: &str = "组织名称,组织代码,会议类型,日期,主题,应到人数,实到人数,缺席人员,第一议题";

jiceng_store::dual_test!(study_items_preview_confirm_reimport_and_rights, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    jiceng_store::testing::user(&db, "xian", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    let cookie = app.login("xian").await;
    let index = app.get("/import?kind=study_items", &cookie).await;
    assert_eq!(index.status, 200);
    assert_eq!(index.texts("nav.tabs a"), vec!["导入党员", "导入党组织", "导入会议记录", "导入第一议题学习内容"]);
    assert!(index.body.contains("/import/template/study_items"));
    for (kind, slug) in [("study_items", "study-item-template"), ("meetings", "meeting-template")] {
        let t = app.get(&format!("/import/template/{kind}"), &cookie).await;
        assert_eq!(t.status, 200, "{kind}");
        assert!(t.header("content-disposition").unwrap().contains(slug));
    }

    let file = "标题,发布日期,学习时限(天),适用层级,来源,备注\n\
                《论党的自我革命》,2024-07-21,,全部,县委办,\n\
                二十届三中全会精神,2024.8.1,10天,\"党委、党支部\",,\n\
                乡村振兴文件,2024-08-02,7,村委会,,\n";
    let head = audit_head(&db).await;
    let (job, page) = preview(&app, "study_items", &cookie, "第一议题.csv", file.as_bytes(), "").await;
    assert_eq!(page.texts(".counts strong"), vec!["2", "0", "0", "1"], "{}", page.body);
    let rows = page.texts("#record-rows tbody tr");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].contains("新增") && rows[0].contains("《论党的自我革命》") && rows[0].contains("按县里设置"));
    let bad = rejected(&page);
    assert_eq!(bad.len(), 1);
    assert!(bad[0].contains("第4行") && bad[0].contains("适用层级") && bad[0].contains("村委会"), "{bad:?}");
    assert!(study::list(&db, &Scope::cli(), None).await.unwrap().is_empty(), "the preview writes nothing");

    let done = confirm(&app, &job, &cookie).await;
    assert!(done.body.contains("导入完成") && done.body.contains("新增 2"), "{}", done.body);
    let items = study::list(&db, &Scope::cli(), None).await.unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i.org_id == f.county.id));
    let third = items.iter().find(|i| i.title == "二十届三中全会精神").unwrap();
    assert_eq!((third.published_on, third.within_days), (date(2024, 8, 1), Some(10)));
    assert_eq!(third.levels, vec![StudyLevel::Committee, StudyLevel::Branch]);
    let trail = audit_since(&db, head).await;
    assert_eq!(trail.iter().filter(|r| r.object_type == "study_item" && r.action == "create").count(), 2);

    // The same file again: nothing new.
    let (_, again) = preview(&app, "study_items", &cookie, "第一议题.csv", file.as_bytes(), "").await;
    assert_eq!(again.texts(".counts strong"), vec!["0", "0", "2", "1"]);
    assert!(again.body.contains("没有需要写入的内容"));
    assert!(again.texts("#record-rows tbody tr").iter().all(|r| r.contains("无变化")));

    // A township admin may import meetings but not keep the register.
    jiceng_store::testing::user(&db, "zhen", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    let town = app.login("zhen").await;
    let index = app.get("/import?kind=study_items", &town).await;
    assert!(!index.texts("nav.tabs a").contains(&"导入第一议题学习内容".to_string()));
    assert!(index.texts("nav.tabs a").contains(&"导入会议记录".to_string()));
    assert_eq!(upload_import(&app, "study_items", &town, "x.csv", file.as_bytes(), "").await.status, 403);
    assert_eq!(app.get("/import/template/study_items", &town).await.status, 403);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(meetings_preview_confirm_reimport_and_scope, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    let item = register(&db, &f.county, "论党的自我革命", date(2024, 7, 21)).await;
    register(&db, &f.county_b, "乙县学习材料", date(2024, 7, 1)).await;
    jiceng_store::testing::user(&db, "zhen", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    let cookie = app.login("zhen").await;
    let file = format!(
        "{MEETING_HEADER}\n\
         城关镇东街村党支部,,\"支委会、党课\",2025-03-05,研究春耕生产,7,6,张三,《论党的自我革命》\n\
         ,A1102,主题党日,2025/3/10,学习两会精神,20,18,\"李四、王五\",\n\
         河口乡河口村党支部,,主题党日,2025-03-10,学习,10,9,,\n\
         城关镇东街村党支部,,支委会,2025-04-01,研究工作,7,6,,乙县学习材料\n\
         城关镇东街村党支部,,党小组会,2025-04-02,小组学习,5,5,,\n\
         城关镇东街村党支部,,党员大会,2025-04-02,学习,5,6,,\n\
         城关镇东街村党支部,,茶话会,2030-01-01,学习,5,5,,\n"
    );
    let head = audit_head(&db).await;
    let (job, page) = preview(&app, "meetings", &cookie, "会议记录.csv", file.as_bytes(), "").await;
    assert_eq!(page.texts(".counts strong"), vec!["2", "0", "0", "5"], "{}", page.body);
    let records = page.texts("#record-rows tbody tr");
    assert_eq!(records.len(), 2);
    assert!(records[0].contains("城关镇东街村党支部") && records[0].contains("支部委员会、党课"), "{records:?}");
    assert!(records[0].contains("7/6") && records[0].contains("论党的自我革命"), "{records:?}");
    let bad = rejected(&page);
    let expect = [
        ("第4行", "组织名称", "不在您的管辖范围内"),
        ("第5行", "第一议题", "不在学习内容登记册中"),
        ("第6行", "党小组", "党小组会须填写党小组名称"),
        ("第7行", "实到人数", "不能多于应到人数"),
        ("第8行", "会议类型", "无法识别的会议类型"),
        ("第8行", "日期", "不能晚于今天"),
    ];
    assert_eq!(bad.len(), expect.len(), "{bad:?}");
    for (line, (row, column, reason)) in bad.iter().zip(expect) {
        assert!(line.contains(row) && line.contains(column) && line.contains(reason), "{line} / {reason}");
    }
    assert!(meetings_of(&db, f.b11.id).await.is_empty(), "the preview writes nothing");

    let done = confirm(&app, &job, &cookie).await;
    assert!(done.body.contains("新增 2") && done.body.contains("另有 5 行"), "{}", done.body);
    assert!(!done.body.contains("撤销这次导入"));
    let b11 = meetings_of(&db, f.b11.id).await;
    assert_eq!(b11.len(), 1);
    let m = &b11[0];
    assert_eq!(m.kinds, vec![MeetingKind::CommitteeMeeting, MeetingKind::Lecture]);
    assert_eq!((m.held_on, m.expected, m.present, m.first_agenda), (date(2025, 3, 5), 7, 6, true));
    assert_eq!(m.source, Source::Import);
    assert_eq!(m.recorded_by, "zhen");
    let full = meeting::get(&db, &Scope::cli(), &meta(), m.id).await.unwrap();
    assert_eq!(full.absent_note.as_deref(), Some("张三"));
    assert!(full.attendance.is_empty() && full.minutes.is_none());
    assert_eq!(full.study_items.iter().map(|s| s.id).collect::<Vec<_>>(), vec![item]);
    let b12 = meetings_of(&db, f.b12.id).await;
    assert_eq!(b12.len(), 1);
    assert_eq!(
        meeting::get(&db, &Scope::cli(), &meta(), b12[0].id).await.unwrap().absent_note.as_deref(),
        Some("李四、王五")
    );
    assert!(meetings_of(&db, f.b21.id).await.is_empty());
    let trail = audit_since(&db, head).await;
    let created: Vec<&audit::Record> =
        trail.iter().filter(|r| r.object_type == "meeting" && r.action == "create").collect();
    assert_eq!(created.len(), 2);
    assert!(created.iter().all(|r| r.username == "zhen" && r.changes.contains("会议记录.csv")));
    assert_eq!(created[0].org_path.as_deref(), Some(f.b11.path.as_str()));

    // The same file again: the two meetings are unchanged; the rejected rows are still rejected.
    let (_, again) = preview(&app, "meetings", &cookie, "会议记录.csv", file.as_bytes(), "").await;
    assert_eq!(again.texts(".counts strong"), vec!["0", "0", "2", "5"]);
    assert!(again.body.contains("没有需要写入的内容"));

    // The same meetings in a workbook with a title row above the header, plus one more: only the
    // new one is recorded.
    let spec = SheetSpec {
        name: "会议记录".into(),
        columns: vec![
            ColumnSpec::new("城关镇2025年组织生活记录", ColumnKind::Text),
            ColumnSpec::new("", ColumnKind::Text),
            ColumnSpec::new("", ColumnKind::Text),
            ColumnSpec::new("", ColumnKind::Text),
            ColumnSpec::new("", ColumnKind::Text),
            ColumnSpec::new("", ColumnKind::Text),
        ],
    };
    let t = Cell::text;
    let rows = vec![
        vec![t("组织代码"), t("会议类型"), t("会议日期"), t("会议主题"), t("应到"), t("实到")],
        vec![
            t("A1101"),
            t("支部委员会,党课"),
            Cell::Date(date(2025, 3, 5)),
            t("研究春耕生产"),
            Cell::Number(7.0),
            Cell::Number(6.0),
        ],
        vec![
            t("A1102"),
            t("主题党日"),
            Cell::Date(date(2025, 3, 10)),
            t("学习两会精神"),
            Cell::Number(20.0),
            Cell::Number(18.0),
        ],
        vec![
            t("A1101"),
            t("主题党日"),
            Cell::Date(date(2025, 5, 6)),
            t("重温入党誓词"),
            Cell::Number(7.0),
            Cell::Number(7.0),
        ],
    ];
    let xlsx = jiceng_exchange::write_xlsx(&spec, rows).unwrap();
    let (job, page) = preview(&app, "meetings", &cookie, "会议记录.xlsx", &xlsx, "").await;
    assert_eq!(page.texts(".counts strong"), vec!["1", "0", "2", "0"], "{}", page.body);
    confirm(&app, &job, &cookie).await;
    assert_eq!(meetings_of(&db, f.b11.id).await.len(), 2);
    assert_eq!(meetings_of(&db, f.b12.id).await.len(), 1);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(meetings_into_a_chosen_branch_with_groups_and_lecturers, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    let group =
        meeting::group::create(&db, &Scope::cli(), &meta(), f.b11.id, "第一党小组", None, Some(date(2020, 1, 1)))
            .await
            .unwrap();
    jiceng_store::testing::user(&db, "shuji", Role::BranchSecretary, Some(f.b11.id)).await.unwrap();
    let cookie = app.login("shuji").await;
    let file = format!(
        "{MEETING_HEADER},党小组,授课人\n\
         ,,党小组会,2025-03-05,学习党章,5,5,,,第一党小组,\n\
         ,,党小组会,2025-03-06,学习党章,5,5,,,第二党小组,\n\
         ,,党课,2025-03-07,讲党课,8,8,,,,王书记\n\
         城关镇西街村党支部,,主题党日,2025-03-08,学习,8,8,,,,\n"
    );
    let (job, page) = preview(&app, "meetings", &cookie, "记录.csv", file.as_bytes(), "A1101").await;
    assert_eq!(page.texts(".counts strong"), vec!["2", "0", "0", "2"], "{}", page.body);
    let bad = rejected(&page);
    assert!(bad[0].contains("第3行") && bad[0].contains("党小组") && bad[0].contains("第二党小组"), "{bad:?}");
    assert!(bad[1].contains("第5行") && bad[1].contains("不在您的管辖范围内"), "{bad:?}");
    confirm(&app, &job, &cookie).await;
    let rows = meetings_of(&db, f.b11.id).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].group_id, Some(group.id));
    let lecture = meeting::get(&db, &Scope::cli(), &meta(), rows[1].id).await.unwrap();
    assert_eq!(lecture.lecturer.as_deref(), Some("王书记"));
    assert_eq!(lecture.lecturer_member_id, None);

    // Outside the branch, the chosen organization is refused next to its field.
    let r = upload_import(&app, "meetings", &cookie, "记录.csv", file.as_bytes(), "A1102").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.texts(".field-error").iter().any(|e| e.contains("不在您的管辖范围内")), "{}", r.body);
    // The register is not theirs to keep.
    assert_eq!(upload_import(&app, "study_items", &cookie, "x.csv", b"a", "").await.status, 403);
});
