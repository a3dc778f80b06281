#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Excel import through the pages (upload → preview → confirm → result → undo), templates, and
//! the exports of every list: what each role may do, scope, masking, formula injection, audit.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use common::*;
use jiceng_store::member::{self, MemberDraft, MemberFilter};
use jiceng_store::{Db, audit};
use jiceng_types::{OrgId, Role, Scope};

fn id_card(birth: &str, seq: u32, male: bool) -> String {
    let body = format!("520102{birth}{:03}", seq * 2 + u32::from(male));
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

async fn add(db: &Db, org: OrgId, name: &str, id: &str, post: &str) {
    let d = MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "汉族".into(),
        id_card: id.into(),
        education: "高中".into(),
        phone: "13900001234".into(),
        category: "正式党员".into(),
        admitted_on: "2010-07-01".into(),
        work_post: post.into(),
        ..Default::default()
    };
    member::create(db, &Scope::cli(), &meta(), d.parse(today()).unwrap()).await.unwrap();
}

fn roster(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut s = String::from("姓名,身份证号,学历,人员类别,入党时间,所在党支部,民族\n");
    for r in rows {
        s.push_str(&r.join(","));
        s.push_str(",汉族");
        s.push('\n');
    }
    s.into_bytes()
}

async fn count_members(db: &Db) -> u64 {
    member::list(db, &Scope::cli(), &MemberFilter::default(), 1, 1).await.unwrap().total
}

jiceng_store::dual_test!(upload_preview_confirm_and_undo, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    testing_user(&db, "zhen2", Role::TownshipAdmin, f.town1.id).await;
    let cookie = app.login("zhen2").await;
    let a = id_card("19800101", 1, true);
    let b = id_card("19850202", 2, false);
    let file = roster(&[
        ["张 三", &a, "高中", "正式党员", "2005.07.01", "A1101"],
        ["李四", "520102198502021235", "高中", "正式党员", "2010-07-01", "A1101"],
        ["王五", &b, "大学本科", "预备党员", "2026-01-10", "A1201"],
    ]);
    let head = audit_head(&db).await;
    let r = upload_import(&app, "members", &cookie, "名册.csv", &file, "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let job = r.location().unwrap().to_string();
    assert!(job.starts_with("/import/jobs/"), "{job}");
    let page = settle_import(&app, &job, &cookie).await;
    // Preview: one new, two rejected, each with its Excel row, column and reason.
    assert_eq!(page.texts(".counts strong"), vec!["1", "0", "0", "2"], "{}", page.body);
    let rejected = page.texts("#rejected-rows tbody tr");
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert!(
        rejected[0].contains("第3行") && rejected[0].contains("身份证号") && rejected[0].contains("校验"),
        "{rejected:?}"
    );
    assert!(rejected[1].contains("第4行") && rejected[1].contains("所在党"), "{rejected:?}");
    assert!(!page.body.contains("河口"), "nothing outside the scope is named");
    assert_eq!(page.texts("#new-rows tbody td:nth-child(2)"), vec!["张三"]);
    assert_eq!(count_members(&db).await, 0, "the preview writes nothing");
    assert_eq!(audit_since(&db, head).await.len(), 0);
    // Someone else cannot see or confirm the job.
    testing_user(&db, "zhen3", Role::TownshipAdmin, f.town1.id).await;
    let other = app.login("zhen3").await;
    assert_eq!(app.get(&job, &other).await.status, 404);
    assert_eq!(app.post_form(&format!("{job}/confirm"), &other, &[]).await.status, 404);
    // The problem list downloads as a workbook.
    let p = app.get(&format!("{job}/problems"), &cookie).await;
    assert_eq!(p.status, 200);
    assert!(p.header("content-disposition").unwrap().contains("import-problems"));
    // Confirm: the good row is imported, with its audit record.
    let r = app.post_form(&format!("{job}/confirm"), &cookie, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let done = settle_import(&app, &job, &cookie).await;
    assert!(done.body.contains("导入完成") && done.body.contains("新增 1"), "{}", done.body);
    assert!(done.body.contains("撤销这次导入"));
    assert_eq!(count_members(&db).await, 1);
    assert!(audit_since(&db, head).await.iter().any(|r| r.object_type == "member" && r.action == "create"));
    // Confirming twice does not import twice.
    app.post_form(&format!("{job}/confirm"), &cookie, &[]).await;
    assert_eq!(count_members(&db).await, 1);

    // The same people again, one field changed: an update, shown per field; cancel keeps all.
    let changed = roster(&[["张三", &a, "大学本科", "正式党员", "2005-07-01", "A1101"]]);
    let r = upload_import(&app, "members", &cookie, "名册2.csv", &changed, "").await;
    let job2 = r.location().unwrap().to_string();
    let page = settle_import(&app, &job2, &cookie).await;
    assert_eq!(page.texts(".counts strong"), vec!["0", "1", "0", "0"]);
    let change = page.texts("#changed-rows .change").join("");
    assert!(change.contains("学历") && change.contains("高中") && change.contains("大学本科"), "{change}");
    let r = app.post_form(&format!("{job2}/cancel"), &cookie, &[]).await;
    assert_eq!(r.location(), Some("/import?kind=members&done=import_cancelled"));
    let zs = member::list(&db, &Scope::cli(), &MemberFilter::default(), 1, 5).await.unwrap();
    assert_eq!(zs.items[0].education.label(), "高中");

    // Undo the first import from the import page.
    let index = app.get("/import?kind=members", &cookie).await;
    assert!(index.body.contains("名册.csv") && index.body.contains("新增 1 人"), "{}", index.body);
    let r = app.post_form("/import/undo", &cookie, &[]).await;
    assert_eq!(r.location(), Some("/import?kind=members&done=import_undone"));
    assert_eq!(count_members(&db).await, 0);
    let r = app.post_form("/import/undo", &cookie, &[]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("没有可以撤销的导入"));
    assert_chain_intact(&db).await;
});

async fn testing_user(db: &Db, name: &str, role: Role, org: OrgId) {
    jiceng_store::testing::user(db, name, role, Some(org)).await.unwrap();
}

jiceng_store::dual_test!(bad_uploads_are_explained_next_to_the_field, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    testing_user(&db, "zhen", Role::TownshipAdmin, f.town1.id).await;
    let cookie = app.login("zhen").await;
    let r = upload_import(&app, "members", &cookie, "名册.pdf", b"%PDF-1.4", "").await;
    assert_eq!(r.status, 422);
    assert!(r.texts(".field-error").join("").contains(".xlsx"), "{}", r.body);
    let r = upload_import(&app, "members", &cookie, "空.csv", b"", "").await;
    assert_eq!(r.status, 422);
    assert!(r.texts(".field-error").join("").contains("请选择"));
    // An organization outside the scope is refused next to its field; the text stays.
    let r = upload_import(&app, "members", &cookie, "名册.csv", b"x", "A1201").await;
    assert_eq!(r.status, 422);
    assert!(r.texts(".field-error").join("").contains("未找到"), "{}", r.body);
    assert_eq!(r.attrs("input[name=org]", "value"), vec!["A1201"]);
    // A file that is not a roster fails as a whole, with the reason.
    let r = upload_import(&app, "members", &cookie, "名册.xlsx", b"not a workbook", "").await;
    let page = settle_import(&app, r.location().unwrap(), &cookie).await;
    assert!(page.body.contains("无法导入"), "{}", page.body);
    let r = upload_import(&app, "members", &cookie, "名册.csv", "甲,乙\n1,2\n".as_bytes(), "").await;
    let page = settle_import(&app, r.location().unwrap(), &cookie).await;
    assert!(page.body.contains("无法导入") && page.body.contains("姓名"), "{}", page.body);
    // Too large: refused before reading, in Chinese.
    let big = vec![b'a'; jiceng_web_upload_limit() + 1];
    let r = upload_import(&app, "members", &cookie, "大.csv", &big, "").await;
    assert_eq!(r.status, 422, "a streamed body is cut off at the limit");
    assert!(r.texts(".field-error").join("").contains("50MB"), "{}", r.body);
    let req = TestApp::request(Method::POST, "/import/members", &cookie)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, 413, "a declared length over the limit is refused at once");
    assert!(r.body.contains("50MB"));
    assert_eq!(count_members(&db).await, 0);
});

fn jiceng_web_upload_limit() -> usize {
    51 * 1024 * 1024
}

jiceng_store::dual_test!(who_may_import_and_download_templates, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    for a in actors(&app, f.town1.id).await {
        let writes = a.role.rights().has(jiceng_types::Right::WriteRecords);
        let orgs = a.role.rights().has(jiceng_types::Right::WriteOrgs);
        let r = app.get("/import", &a.cookie).await;
        assert_eq!(r.status == 200, writes || orgs, "{}: {}", a.name(), r.status);
        let t = app.get("/import/template/members", &a.cookie).await;
        assert_eq!(t.status == 200, writes, "{}", a.name());
        let t = app.get("/import/template/orgs", &a.cookie).await;
        assert_eq!(t.status == 200, orgs, "{}", a.name());
        let r = upload_import(&app, "members", &a.cookie, "名册.csv", &roster(&[]), "").await;
        assert_eq!(r.status == StatusCode::SEE_OTHER, writes, "{}: {}", a.name(), r.status);
        let r = upload_import(&app, "orgs", &a.cookie, "组织.csv", b"x", "").await;
        assert_eq!(r.status == StatusCode::SEE_OTHER, orgs, "{}: {}", a.name(), r.status);
    }
    // The templates are real workbooks with the headers and the explanation sheet.
    testing_user(&db, "zhen", Role::TownshipAdmin, f.town1.id).await;
    let cookie = app.login("zhen").await;
    let req = TestApp::request(Method::GET, "/import/template/members", &cookie).body(Body::empty()).unwrap();
    let res = tower::ServiceExt::oneshot(app.router.clone(), req).await.unwrap();
    assert!(res.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains("member-template"));
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    let table = jiceng_exchange::read_table(&bytes, "t.xlsx", &Default::default()).unwrap();
    let header: Vec<String> = table.rows[0].cells.iter().map(|c| c.to_text()).collect();
    assert!(header.contains(&"公民身份号码".to_string()) && header.contains(&"所在党支部".to_string()), "{header:?}");
});

jiceng_store::dual_test!(organizations_import_through_the_pages, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    testing_user(&db, "zhen", Role::TownshipAdmin, f.town1.id).await;
    let cookie = app.login("zhen").await;
    let file = "组织名称,组织代码,上级组织,组织类别,所属领域\n城关镇北街村党支部,A1105,A110,党支部,农村\n城关镇北街村第一党小组,,城关镇北街村党支部,党小组,农村\n外乡党支部,A1205,A120,党支部,农村\n";
    let r = upload_import(&app, "orgs", &cookie, "组织.csv", file.as_bytes(), "").await;
    let job = r.location().unwrap().to_string();
    let page = settle_import(&app, &job, &cookie).await;
    let counts = page.texts(".counts strong");
    assert_eq!(counts[0], "1", "{}", page.body);
    assert_eq!(page.texts("#rejected-rows tbody tr").len(), 2, "{}", page.body);
    let before = snapshot(&db).await;
    app.post_form(&format!("{job}/confirm"), &cookie, &[]).await;
    let done = settle_import(&app, &job, &cookie).await;
    assert!(done.body.contains("导入完成"), "{}", done.body);
    let after = snapshot(&db).await;
    assert_eq!(after.len(), before.len() + 1);
    assert!(after.iter().any(|o| o.code == "A1105" && o.parent_id == Some(f.town1.id)));
});

jiceng_store::dual_test!(exports_follow_filters_rights_and_scope, |db: Db| async move {
    let f = fixture(&db).await;
    add(&db, f.b11.id, "甲一", &id_card("19900101", 1, true), "=HYPERLINK(\"http://x\")").await;
    add(&db, f.b12.id, "甲二", &id_card("19900102", 2, true), "").await;
    add(&db, f.b21.id, "乙一", &id_card("19900103", 3, true), "").await;
    let app = TestApp::new(&db);
    for a in actors(&app, f.town1.id).await {
        let rights = a.role.rights();
        let may = rights.has(jiceng_types::Right::Export) && rights.has(jiceng_types::Right::ReadMembers);
        for path in ["/members/export?fmt=csv", "/quality/export?fmt=csv", "/transfers/export?fmt=csv"] {
            let head = audit_head(&db).await;
            let r = app.get(path, &a.cookie).await;
            assert_eq!(r.status == 200, may, "{} {path}: {}", a.name(), r.status);
            if may {
                assert!(r.header("content-type").unwrap().starts_with("text/csv"));
                assert!(r.header("content-disposition").unwrap().starts_with("attachment;"));
                let audited = audit_since(&db, head).await;
                assert!(audited.iter().any(|x| x.action == "export"), "{} {path}: {audited:?}", a.name());
            }
        }
        let r = app.get("/members/export?fmt=csv", &a.cookie).await;
        if r.status == 200 {
            assert!(r.body.contains("甲一") && r.body.contains("甲二") && !r.body.contains("乙一"), "{}", a.name());
            assert!(r.body.contains("'=HYPERLINK"), "formula neutralized: {}", r.body);
            let full = a.role.rights().has(jiceng_types::Right::RevealSensitive);
            assert_eq!(r.body.contains(&id_card("19900101", 1, true)), full, "{}: {}", a.name(), r.body);
            assert_eq!(r.body.contains("139****1234"), !full, "{}", a.name());
        }
    }
    testing_user(&db, "zhen", Role::TownshipAdmin, f.town1.id).await;
    let cookie = app.login("zhen").await;
    // The current filters apply: a name query, an organization.
    let r = app.get("/members/export?fmt=csv&q=%E7%94%B2%E4%BA%8C", &cookie).await;
    assert!(r.body.contains("甲二") && !r.body.contains("甲一"), "{}", r.body);
    let r = app.get(&format!("/members/export?fmt=csv&org={}", f.b11.id), &cookie).await;
    assert!(r.body.contains("甲一") && !r.body.contains("甲二"));
    let r = app.get(&format!("/members/export?fmt=csv&org={}", f.b21.id), &cookie).await;
    assert_eq!(r.status, 404, "an organization outside the scope");
    // Organizations: in scope only, as a workbook.
    let r = app.get("/orgs/export?fmt=csv", &cookie).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("A1101") && !r.body.contains("A1201") && !r.body.contains("B101"), "{}", r.body);
    let r = app.get("/orgs/export?fmt=csv&q=%E4%B8%9C%E8%A1%97", &cookie).await;
    assert!(r.body.contains("A1101") && !r.body.contains("A1102"), "{}", r.body);
    let x = app.get("/orgs/export", &cookie).await;
    assert!(x.header("content-type").unwrap().contains("spreadsheetml"));
    // Findings: the branch with two members is listed.
    let r = app.get("/quality/export?fmt=csv&rule=org.branch_min_formal", &cookie).await;
    assert!(r.body.contains("城关镇东街村党支部"), "{}", r.body);
    let r = app.get("/quality/export?fmt=csv&rule=no.such.rule", &cookie).await;
    assert_eq!(r.body.lines().count(), 1, "header only: {}", r.body);
    let audit = audit::verify(&db).await.unwrap();
    assert_eq!(audit.first_broken, None);
});
