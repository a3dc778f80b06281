#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Meeting records in the web UI: quick entry (and how few inputs a complete 支委会 record
//! needs), the full form with votes and the rectification list, errors that keep the input,
//! scope on every page, attachments checked by their content, and the audit trail.

mod common;

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Method, header};
use common::*;
use jiceng_store::meeting::{self, Attendance, MeetingInput, Source, study};
use jiceng_store::member::{self, MemberDraft};
use jiceng_store::{Db, audit};
use jiceng_types::{MeetingKind, MemberId, OrgId, Role, Scope, StudyLevel};
use jiceng_web::WebConfig;

const NAMES: [&str; 7] = ["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九"];

fn id_card(seq: u32) -> String {
    let body = format!("520102198001{:02}{:03}", seq % 28 + 1, seq * 2 + 1);
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

async fn add_member(db: &Db, org: OrgId, name: &str, seq: u32) -> member::Member {
    let d = MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "汉族".into(),
        id_card: id_card(seq),
        education: "高中".into(),
        category: "正式党员".into(),
        admitted_on: "2000-07-01".into(),
        regularized_on: "2001-07-01".into(),
        ..Default::default()
    };
    member::create(db, &Scope::cli(), &meta(), d.parse(today()).unwrap()).await.unwrap()
}

/// The two-county fixture, seven members in b11 and one in b_other, a 第一议题 item kept by
/// county A, and an application whose data directory is a fresh temporary one.
struct World {
    f: Fixture,
    app: TestApp,
    dir: PathBuf,
    members: Vec<member::Member>,
    foreign_member: member::Member,
    study_id: i64,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn world(db: &Db) -> World {
    let f = fixture(db).await;
    let mut members = Vec::new();
    for (i, n) in NAMES.iter().enumerate() {
        members.push(add_member(db, f.b11.id, n, i as u32 + 1).await);
    }
    let foreign_member = add_member(db, f.b_other.id, "吴十", 20).await;
    let item = study::create(
        db,
        &Scope::cli_within(f.county.path.clone()),
        &meta(),
        study::StudyItemInput {
            title: "学习贯彻全会精神".into(),
            source: Some("县委办".into()),
            published_on: today() - chrono::Duration::days(5),
            levels: vec![StudyLevel::Branch, StudyLevel::Committee],
            within_days: Some(30),
            note: None,
        },
    )
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!("jiceng-meetings-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let app = TestApp::with_config(db, WebConfig { data_dir: Some(dir.clone()), ..Default::default() });
    World { f, app, dir, members, foreign_member, study_id: item.id }
}

async fn login_as(app: &TestApp, name: &str, role: Role, org: OrgId) -> String {
    jiceng_store::testing::user(&app.db, name, role, Some(org)).await.unwrap();
    app.login(name).await
}

/// A record made through the store (for the scope and attachment tests).
async fn stored_meeting(db: &Db, org: OrgId, members: &[MemberId], topic: &str) -> i64 {
    let input = MeetingInput {
        org_id: org,
        group_id: None,
        kinds: vec![MeetingKind::CommitteeMeeting],
        held_on: today() - chrono::Duration::days(2),
        topic: topic.into(),
        place: None,
        host: None,
        lecturer_member_id: None,
        lecturer: None,
        minutes: None,
        decisions: None,
        criticism: None,
        absent_note: None,
        expected: 0,
        present: 0,
        attendance: members.iter().map(|m| Attendance { member_id: *m, present: true, reason: None }).collect(),
        agenda: vec![],
        study_items: vec![],
        votes: vec![],
        rectifications: vec![],
        source: Source::Form,
    };
    meeting::create(db, &Scope::cli(), &meta(), input).await.unwrap().row.id
}

fn meeting_id(r: &Resp) -> i64 {
    let loc = r.location().unwrap_or_else(|| panic!("no redirect: {} {}", r.status, r.body));
    loc.trim_start_matches("/meetings/").split(['?', '#']).next().unwrap().parse().unwrap()
}

/// The user-facing inputs of a form: not hidden, not the attendance ticks (present by
/// default) and not the reason fields that only show for an unticked member.
fn user_inputs(r: &Resp, form: &str) -> Vec<(String, bool)> {
    let html = r.html();
    let sel = scraper::Selector::parse(&format!("{form} input, {form} select, {form} textarea")).unwrap();
    html.select(&sel)
        .filter(|e| {
            let v = e.value();
            v.attr("type") != Some("hidden")
                && v.attr("name") != Some("present")
                && v.attr("data-absent-reason").is_none()
        })
        .map(|e| (e.value().attr("name").unwrap_or_default().to_string(), e.value().attr("required").is_some()))
        .collect()
}

fn multipart(files: &[(&str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "jicengTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(app: &TestApp, cookie: &str, meeting: i64, files: &[(&str, Vec<u8>)]) -> Resp {
    let (ct, body) = multipart(files);
    let req = TestApp::request(Method::POST, &format!("/meetings/{meeting}/attachments"), cookie)
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

fn jpeg(n: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend(std::iter::repeat_n(7u8, n));
    v
}

fn stored_files(dir: &std::path::Path, meeting: i64) -> usize {
    std::fs::read_dir(dir.join("attachments").join(meeting.to_string())).map(|d| d.count()).unwrap_or(0)
}

jiceng_store::dual_test!(quick_entry_records_a_complete_committee_meeting, |db: Db| async move {
    let w = world(&db).await;
    let app = &w.app;
    let sec = login_as(app, "sec11", Role::BranchSecretary, w.f.b11.id).await;

    // The form: the org's roster, everyone ticked; a 支委会 by default (seven members).
    let r = app.get("/meetings/quick", &sec).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.attrs("#quick-form select[name=kind] option[selected]", "value"), vec!["committee_meeting"]);
    let ticks = r.attrs("#quick-form input[name=present]", "value");
    assert_eq!(ticks.len(), 7);
    assert_eq!(r.attrs("#quick-form input[name=present][checked]", "value").len(), 7, "all present by default");
    assert_eq!(r.attrs("#quick-form input[name=held_on]", "value"), vec![view_today()]);
    let options = r.texts("#quick-form select[name=study_item] option");
    assert!(options.iter().any(|o| o.contains("学习贯彻全会精神")), "{options:?}");

    // At most eight inputs to touch for a complete 支委会 record; the required ones are few.
    let inputs = user_inputs(&r, "#quick-form");
    assert!(inputs.len() <= 8, "{inputs:?}");
    let mut required: Vec<&str> = inputs.iter().filter(|(_, req)| *req).map(|(n, _)| n.as_str()).collect();
    required.sort_unstable();
    assert_eq!(required, ["held_on", "kind", "topic"]);

    // Submit: one member unticked with a reason.
    let head = audit_head(&db).await;
    let ids: Vec<String> = w.members.iter().map(|m| m.id.to_string()).collect();
    let absent = &w.members[2];
    let mut pairs: Vec<(String, String)> = vec![
        ("org".into(), w.f.b11.id.to_string()),
        ("kind".into(), "committee_meeting".into()),
        ("held_on".into(), view_today()),
        ("topic".into(), "研究部署春耕生产".into()),
        ("study_item".into(), w.study_id.to_string()),
        (format!("reason_{}", absent.id), "外出务工".into()),
    ];
    for id in &ids {
        pairs.push(("member".into(), id.clone()));
        if *id != absent.id.to_string() {
            pairs.push(("present".into(), id.clone()));
        }
    }
    let pairs = common::pairs(&pairs);
    let r = app.post_form("/meetings/quick", &sec, &pairs).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = meeting_id(&r);
    assert!(r.location().unwrap().ends_with("?done=recorded"));

    let page = app.get(r.location().unwrap(), &sec).await;
    assert_eq!(page.status, 200);
    assert!(page.texts(".flash")[0].contains("已记录"));
    assert_eq!(page.texts("#attendance-count"), vec!["应到 7 人，实到 6 人"]);
    assert_eq!(page.texts("#absentees li"), vec![format!("{}（外出务工）", absent.name)]);
    assert!(page.body.contains("第一议题 ✓"));
    assert!(page.texts("#recorded")[0].contains("sec11"));
    assert!(page.texts("#recorded")[0].contains("快速录入"));

    let m = meeting::get(&db, &Scope::cli(), &meta(), id).await.unwrap();
    assert_eq!((m.row.expected, m.row.present, m.row.source), (7, 6, Source::Quick));
    assert_eq!(m.study_items.len(), 1);
    assert!(m.agenda[0].starts_with("第一议题"));

    // The list shows it, with 实到/应到 and the 第一议题 mark; the org's page links to it.
    let list = app.get(&format!("/orgs/{}/meetings", w.f.b11.id), &sec).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.texts("#meeting-table tbody tr td:nth-child(4)"), vec!["6/7"]);
    assert_eq!(list.texts("#meeting-table tbody tr td:nth-child(5)"), vec!["✓"]);
    assert_eq!(list.attrs("#quick-entry", "href"), vec![format!("/meetings/quick?org={}", w.f.b11.id)]);
    let org_page = app.get(&format!("/orgs/{}", w.f.b11.id), &sec).await;
    assert_eq!(org_page.attrs("#org-life-links a", "href").len(), 2);

    let rows = audit_since(&db, head).await;
    assert!(
        rows.iter().any(|r| r.action == "create" && r.object_type == "meeting" && r.object_id == Some(id.to_string()))
    );
    assert_chain_intact(&db).await;
});

fn view_today() -> String {
    // The pages default to today in China.
    jiceng_types::date::today_china().to_string()
}

jiceng_store::dual_test!(forms_keep_the_input_on_error, |db: Db| async move {
    let w = world(&db).await;
    let app = &w.app;
    let sec = login_as(app, "sec11", Role::BranchSecretary, w.f.b11.id).await;
    let m0 = w.members[0].id.to_string();
    let m1 = w.members[1].id.to_string();

    // Quick entry without a topic: 422, the message next to the field, the ticks kept.
    let org = w.f.b11.id.to_string();
    let r = app
        .post_form(
            "/meetings/quick",
            &sec,
            &[
                ("org", &org),
                ("kind", "theme_day"),
                ("held_on", "2024-05-04"),
                ("topic", " "),
                ("member", &m0),
                ("member", &m1),
                ("present", &m0),
                (&format!("reason_{m1}"), "生病请假"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.texts(".field-error").iter().any(|e| e.contains("会议主题")), "{:?}", r.texts(".field-error"));
    assert_eq!(r.attrs("select[name=kind] option[selected]", "value"), vec!["theme_day"]);
    assert_eq!(r.attrs("input[name=held_on]", "value"), vec!["2024-05-04"]);
    assert_eq!(r.attrs("input[name=present][checked]", "value"), vec![m0.clone()]);
    assert_eq!(r.attrs(&format!("input[name=reason_{m1}]"), "value"), vec!["生病请假"]);

    // The full form: a date in the future and a vote counting more than were present.
    let new = format!("/meetings/new?org={}", w.f.b11.id);
    assert_eq!(app.get(&new, &sec).await.status, 200);
    let future = (jiceng_types::date::today_china() + chrono::Duration::days(3)).to_string();
    let r = app
        .post_form(
            &new,
            &sec,
            &[
                ("kinds", "general_meeting"),
                ("held_on", &future),
                ("topic", "接收预备党员"),
                ("place", "村委会议室"),
                ("minutes", "会议由支部书记主持。"),
                ("member", &m0),
                ("present", &m0),
                ("vote_0_subject", "接收李四为预备党员"),
                ("vote_0_eligible", "5"),
                ("vote_0_present", "4"),
                ("vote_0_in_favour", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let errors = r.texts(".field-error");
    assert!(errors.iter().any(|e| e.contains("不能晚于今天")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("赞成")), "{errors:?}");
    assert_eq!(r.attrs("input[name=place]", "value"), vec!["村委会议室"]);
    assert_eq!(r.texts("textarea[name=minutes]"), vec!["会议由支部书记主持。"]);
    assert_eq!(r.attrs("input[name=vote_0_subject]", "value"), vec!["接收李四为预备党员"]);
    assert_eq!(r.attrs("input[name=kinds][checked]", "value"), vec!["general_meeting"]);

    // Corrected: a 党员大会 that is also the 组织生活会, with a vote and a rectification list.
    let head = audit_head(&db).await;
    let r = app
        .post_form(
            &new,
            &sec,
            &[
                ("kinds", "general_meeting"),
                ("kinds", "org_life_meeting"),
                ("held_on", "2024-12-20"),
                ("topic", "年度组织生活会"),
                ("agenda", "通报上年整改情况\n批评与自我批评\n表决"),
                ("criticism", "每名党员作了对照检查。"),
                ("member", &m0),
                ("member", &m1),
                ("present", &m0),
                ("present", &m1),
                ("vote_0_subject", "接收李四为预备党员"),
                ("vote_0_eligible", "7"),
                ("vote_0_present", "6"),
                ("vote_0_in_favour", "6"),
                ("vote_1_subject", "补选支部委员"),
                ("vote_1_election", "1"),
                ("vote_1_eligible", "7"),
                ("vote_1_present", "5"),
                ("vote_1_in_favour", "5"),
                ("rect_0_item", "学习制度落实不经常"),
                ("rect_0_owner", "张三"),
                ("rect_0_due_on", "2025-03-31"),
                ("rect_1_item", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = meeting_id(&r);
    let page = app.get(&format!("/meetings/{id}"), &sec).await;
    assert_eq!(page.texts("#attendance-count"), vec!["应到 2 人，实到 2 人"]);
    let results = page.texts("#votes tbody td:last-child");
    assert_eq!(results.len(), 2);
    assert!(results[0].contains("有效"), "{results:?}");
    assert!(results[1].contains("无效") && results[1].contains("80%"), "{results:?}");
    assert!(page.texts("#rectifications tbody td")[0].contains("学习制度落实不经常"));
    assert!(page.body.contains("每名党员作了对照检查。"));

    // Edit: the form comes back filled; a change is saved and audited.
    let edit = format!("/meetings/{id}/edit");
    let r = app.get(&edit, &sec).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.attrs("input[name=topic]", "value"), vec!["年度组织生活会"]);
    assert_eq!(r.attrs("input[name=rect_0_item]", "value"), vec!["学习制度落实不经常"]);
    let r = app
        .post_form(
            &edit,
            &sec,
            &[
                ("kinds", "org_life_meeting"),
                ("held_on", "2024-12-20"),
                ("topic", "2024年度组织生活会"),
                ("member", &m0),
                ("member", &m1),
                ("present", &m0),
                (&format!("reason_{m1}"), "外出"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), Some(format!("/meetings/{id}?done=updated").as_str()));
    let m = meeting::get(&db, &Scope::cli(), &meta(), id).await.unwrap();
    assert_eq!((m.row.topic.as_str(), m.row.expected, m.row.present), ("2024年度组织生活会", 2, 1));
    assert_eq!(m.row.source, Source::Form);
    let rows = audit_since(&db, head).await;
    let mine: Vec<&str> = rows.iter().filter(|r| r.object_type == "meeting").map(|r| r.action.as_str()).collect();
    assert_eq!(mine, ["create", "update"]);

    // Delete needs a reason; then the record is gone and audited.
    let del = format!("/meetings/{id}/delete");
    assert_eq!(app.get(&del, &sec).await.status, 200);
    let r = app.post_form(&del, &sec, &[("reason", " ")]).await;
    assert_eq!(r.status, 422);
    assert!(r.texts(".field-error")[0].contains("删除原因"));
    let r = app.post_form(&del, &sec, &[("reason", "重复录入")]).await;
    assert_eq!(r.location(), Some(format!("/orgs/{}/meetings?done=deleted", w.f.b11.id).as_str()));
    assert_eq!(app.get(&format!("/meetings/{id}"), &sec).await.status, 404);
    let last = audit_since(&db, head).await.into_iter().last().unwrap();
    assert_eq!((last.action.as_str(), last.object_type.as_str()), ("delete", "meeting"));
    assert!(last.changes.contains("重复录入"));
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(meeting_pages_follow_scope, |db: Db| async move {
    let w = world(&db).await;
    let app = &w.app;
    let ids: Vec<MemberId> = w.members.iter().map(|m| m.id).collect();
    let mine = stored_meeting(&db, w.f.b11.id, &ids, "东街村支委会").await;
    let foreign = stored_meeting(&db, w.f.b_other.id, &[w.foreign_member.id], "乙县机关支委会").await;
    let sec11 = login_as(app, "sec11", Role::BranchSecretary, w.f.b11.id).await;
    let r = upload(app, &sec11, mine, &[("签到表.jpg", jpeg(100))]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let att = jiceng_store::meeting::attachment::list(&db, &Scope::cli(), mine).await.unwrap()[0].id;

    let sec12 = login_as(app, "sec12", Role::BranchSecretary, w.f.b12.id).await;
    let sec_b = login_as(app, "secb", Role::BranchSecretary, w.f.b_other.id).await;
    let town = login_as(app, "town1", Role::TownshipAdmin, w.f.town1.id).await;
    let auditor = login_as(app, "aud", Role::Auditor, w.f.county.id).await;
    let party_member = login_as(app, "member11", Role::Member, w.f.b11.id).await;

    // Another branch of the same county and a branch of another county: 404 on everything.
    let m = mine.to_string();
    let b11 = w.f.b11.id.to_string();
    for outsider in [&sec12, &sec_b] {
        for path in [
            format!("/meetings/{mine}"),
            format!("/meetings/{mine}/edit"),
            format!("/meetings/{mine}/delete"),
            format!("/orgs/{}/meetings", w.f.b11.id),
            format!("/meetings/quick?org={}", w.f.b11.id),
            format!("/meetings/new?org={}", w.f.b11.id),
            format!("/attachments/{att}"),
        ] {
            assert_eq!(app.get(&path, outsider).await.status, 404, "GET {path}");
        }
        let posts: [(String, Vec<(&str, &str)>); 5] = [
            (
                format!("/meetings/{mine}/edit"),
                vec![("kinds", "theme_day"), ("held_on", "2024-01-01"), ("topic", "改")],
            ),
            (format!("/meetings/{mine}/delete"), vec![("reason", "删")]),
            (format!("/attachments/{att}/delete"), vec![]),
            (
                "/meetings/quick".into(),
                vec![
                    ("org", &b11),
                    ("kind", "theme_day"),
                    ("held_on", "2024-01-01"),
                    ("topic", "越权"),
                    ("member", &m),
                    ("present", &m),
                ],
            ),
            (
                format!("/meetings/new?org={}", w.f.b11.id),
                vec![("kinds", "theme_day"), ("held_on", "2024-01-01"), ("topic", "越权")],
            ),
        ];
        for (path, pairs) in &posts {
            assert_eq!(app.post_form(path, outsider, pairs).await.status, 404, "POST {path}");
        }
        assert_eq!(upload(app, outsider, mine, &[("x.jpg", jpeg(10))]).await.status, 404);
        // Their own list does not show the foreign record.
        let list = app.get("/meetings", outsider).await;
        assert_eq!(list.status, 200);
        assert!(!list.body.contains("东街村支委会"));
    }
    // A secretary cannot enter a record for a foreign organization's members either.
    let own = w.f.b11.id.to_string();
    let fm = w.foreign_member.id.to_string();
    let r = app
        .post_form(
            "/meetings/quick",
            &sec11,
            &[
                ("org", &own),
                ("kind", "theme_day"),
                ("held_on", "2024-01-01"),
                ("topic", "混入外县党员"),
                ("member", &fm),
                ("present", &fm),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("不在您管辖范围内"));
    assert!(meeting::get(&db, &Scope::cli(), &meta(), foreign).await.is_ok());
    assert_eq!(stored_files(&w.dir, mine), 1, "nothing of the outsiders' uploads was stored");

    // The township sees its branch's record, not the other county's; so does the county auditor,
    // who may not write.
    let list = app.get("/meetings", &town).await;
    assert!(list.body.contains("东街村支委会") && !list.body.contains("乙县机关支委会"));
    assert_eq!(app.get(&format!("/meetings/{foreign}"), &town).await.status, 404);
    assert_eq!(app.get(&format!("/meetings/{mine}"), &auditor).await.status, 200);
    assert_eq!(app.get(&format!("/attachments/{att}"), &auditor).await.status, 200);
    assert_eq!(app.get(&format!("/meetings/{mine}/edit"), &auditor).await.status, 403);
    assert_eq!(app.get("/meetings/quick", &auditor).await.status, 403);
    assert_eq!(upload(app, &auditor, mine, &[("x.jpg", jpeg(10))]).await.status, 403);
    // A 党员 reads no records.
    assert_eq!(app.get("/meetings", &party_member).await.status, 403);
    assert_eq!(app.get(&format!("/meetings/{mine}"), &party_member).await.status, 403);
    // The list filters by organization (with its subtree), kind and date.
    let r = app.get(&format!("/meetings?org={}&kind=committee_meeting", enc("A110")), &town).await;
    assert_eq!(r.texts("#meeting-table tbody tr").len(), 1);
    let r = app.get("/meetings?kind=lecture", &town).await;
    assert_eq!(r.texts("#meeting-table tbody tr").len(), 0);
    let r = app.get("/meetings?org=B100", &town).await;
    assert!(r.texts(".field-error")[0].contains("未找到"), "{}", r.body);
    let r = app.get("/meetings?from=2099-01-01", &town).await;
    assert_eq!(r.texts("#meeting-table tbody tr").len(), 0);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(attachments_are_checked_by_content, |db: Db| async move {
    let w = world(&db).await;
    let app = &w.app;
    let ids: Vec<MemberId> = w.members.iter().map(|m| m.id).collect();
    let id = stored_meeting(&db, w.f.b11.id, &ids, "东街村支委会").await;
    let sec = login_as(app, "sec11", Role::BranchSecretary, w.f.b11.id).await;

    // A .jpg that is text inside: refused, and nothing of the batch is kept.
    let r =
        upload(app, &sec, id, &[("会议照片.jpg", jpeg(50)), ("签到表.jpg", b"not a picture at all".to_vec())]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let errors = r.texts("#attachments .errors");
    assert!(errors[0].contains("签到表.jpg") && errors[0].contains("不是JPG"), "{errors:?}");
    assert_eq!(stored_files(&w.dir, id), 0);
    assert!(r.texts("#attachments li").is_empty());
    // Over 10 MB: refused.
    let r = upload(app, &sec, id, &[("大图.jpg", jpeg(10 * 1024 * 1024))]).await;
    assert_eq!(r.status, 422);
    assert!(r.texts("#attachments .errors")[0].contains("超过10MB"));

    // A photo and a scan: stored under the data directory, audited, downloadable.
    let head = audit_head(&db).await;
    let photo = jpeg(2000);
    let scan = b"%PDF-1.4\n% test\n".to_vec();
    let r = upload(app, &sec, id, &[("会议照片.jpg", photo.clone()), ("记录本.pdf", scan)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(stored_files(&w.dir, id), 2);
    let page = app.get(&format!("/meetings/{id}"), &sec).await;
    assert_eq!(page.texts("#attachments li a"), vec!["会议照片.jpg", "记录本.pdf"]);
    let list = jiceng_store::meeting::attachment::list(&db, &Scope::cli(), id).await.unwrap();
    assert_eq!(list[0].content_type, "image/jpeg");
    assert_eq!(list[1].content_type, "application/pdf");
    assert_eq!(list[0].sha256.len(), 64);
    let rows = audit_since(&db, head).await;
    let created: Vec<_> =
        rows.iter().filter(|r| r.object_type == "meeting_attachment" && r.action == "create").collect();
    assert_eq!(created.len(), 2);
    let got = app.get(&format!("/attachments/{}", list[0].id), &sec).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), Some("image/jpeg"));
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    let disposition = got.header("content-disposition").unwrap();
    assert!(disposition.contains("filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%85%A7%E7%89%87.jpg"), "{disposition}");
    assert_eq!(got.header("content-length"), Some(photo.len().to_string().as_str()));

    // At most 20 per record.
    let many: Vec<(&str, Vec<u8>)> = (0..19).map(|_| ("p.png", b"\x89PNG\r\n\x1a\nxxxx".to_vec())).collect();
    let r = upload(app, &sec, id, &many).await;
    assert_eq!(r.status, 422);
    assert!(r.texts("#attachments .errors")[0].contains("最多20个"));
    assert_eq!(stored_files(&w.dir, id), 2);

    // Deleting an attachment removes its file; deleting the record removes the rest.
    let r = app.post_form(&format!("/attachments/{}/delete", list[1].id), &sec, &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(stored_files(&w.dir, id), 1);
    assert_eq!(app.get(&format!("/attachments/{}", list[1].id), &sec).await.status, 404);
    let last = audit_since(&db, head).await.into_iter().last().unwrap();
    assert_eq!((last.action.as_str(), last.object_type.as_str()), ("delete", "meeting_attachment"));
    let r = app.post_form(&format!("/meetings/{id}/delete"), &sec, &[("reason", "误录")]).await;
    assert_eq!(r.status, 303);
    assert!(!w.dir.join("attachments").join(id.to_string()).exists());
    assert_eq!(app.get(&format!("/attachments/{}", list[0].id), &sec).await.status, 404);

    // Without a data directory, uploads are refused.
    let bare = TestApp::new(&db);
    let other = stored_meeting(&db, w.f.b11.id, &ids, "另一次").await;
    assert_eq!(upload(&bare, &sec, other, &[("a.jpg", jpeg(10))]).await.status, 503);
    assert!(audit::verify(&db).await.unwrap().first_broken.is_none());
});

jiceng_store::dual_test!(a_committee_meeting_is_attended_by_the_committee, |db: Db| async move {
    let w = world(&db).await;
    let app = &w.app;
    // A committee of three: the secretary and two members.
    for (i, post) in ["secretary", "member", "member"].iter().enumerate() {
        let draft = jiceng_store::org::team::TeamDraft {
            committee: "party".into(),
            member_id: w.members[i].id.to_string(),
            post: (*post).into(),
            started_on: "2024-01-01".into(),
            ..Default::default()
        };
        let input = draft.parse(today()).unwrap();
        jiceng_store::org::team::appoint(&db, &Scope::cli(), &meta(), w.f.b11.id, input).await.unwrap();
    }
    let sec = login_as(app, "sec11", Role::BranchSecretary, w.f.b11.id).await;
    let r = app.get("/meetings/quick", &sec).await;
    assert_eq!(r.attrs("#quick-form .attendee[data-committee] input[name=present]", "value").len(), 3);
    assert_eq!(r.attrs("#quick-form input[name=present]", "value").len(), 7, "the whole roster, for other kinds");

    // Without the page's script every member is posted: a 支委会 keeps only the committee.
    let mut pairs: Vec<(String, String)> = vec![
        ("org".into(), w.f.b11.id.to_string()),
        ("kind".into(), "committee_meeting".into()),
        ("held_on".into(), view_today()),
        ("topic".into(), "研究发展党员工作".into()),
    ];
    for m in &w.members {
        pairs.push(("member".into(), m.id.to_string()));
        pairs.push(("present".into(), m.id.to_string()));
    }
    let r = app.post_form("/meetings/quick", &sec, &common::pairs(&pairs)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let m = meeting::get(&db, &Scope::cli(), &meta(), meeting_id(&r)).await.unwrap();
    assert_eq!((m.row.expected, m.row.present), (3, 3));
    // A 主题党日 keeps everyone.
    pairs[1].1 = "theme_day".into();
    let r = app.post_form("/meetings/quick", &sec, &common::pairs(&pairs)).await;
    let m = meeting::get(&db, &Scope::cli(), &meta(), meeting_id(&r)).await.unwrap();
    assert_eq!((m.row.expected, m.row.present), (7, 7));
});

jiceng_store::dual_test!(rectification_items_are_marked_done, |db: Db| async move {
    let w = world(&db).await;
    let app = &w.app;
    let id = stored_meeting(&db, w.f.b11.id, &[w.members[0].id], "专题组织生活会").await;
    let m = meeting::get(&db, &Scope::cli(), &meta(), id).await.unwrap();
    let mut input = MeetingInput {
        org_id: w.f.b11.id,
        group_id: None,
        kinds: vec![MeetingKind::OrgLifeMeeting],
        held_on: m.row.held_on,
        topic: m.row.topic.clone(),
        place: None,
        host: None,
        lecturer_member_id: None,
        lecturer: None,
        minutes: None,
        decisions: None,
        criticism: Some("逐一开展批评与自我批评".into()),
        absent_note: None,
        expected: 0,
        present: 0,
        attendance: vec![Attendance { member_id: w.members[0].id, present: true, reason: None }],
        agenda: vec![],
        study_items: vec![],
        votes: vec![],
        rectifications: vec![meeting::RectificationInput {
            item: "理论学习不够深入，建立每周学习制度".into(),
            owner: Some("支部书记".into()),
            due_on: None,
        }],
        source: Source::Form,
    };
    let m = meeting::update(&db, &Scope::cli(), &meta(), id, input.clone()).await.unwrap();
    let item = m.rectifications[0].id;
    let sec = login_as(app, "sec11", Role::BranchSecretary, w.f.b11.id).await;
    let head = audit_head(&db).await;
    let r = app.post_form(&format!("/rectifications/{item}"), &sec, &[("done_on", &view_today())]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = app.get(&format!("/meetings/{id}"), &sec).await;
    assert!(page.texts("#rectifications td").join(" ").contains("已完成"));
    let rows = audit_since(&db, head).await;
    assert!(rows.iter().any(|r| r.object_type == "rectification" && r.action == "update"));
    // Correcting the meeting keeps the completion of an unchanged item.
    input.topic = "专题组织生活会（修订）".into();
    let m = meeting::update(&db, &Scope::cli(), &meta(), id, input).await.unwrap();
    assert_eq!(m.rectifications[0].done_on, Some(today()));
    let item = m.rectifications[0].id;
    // A day in the future is refused; another county's secretary cannot reach the item.
    let tomorrow = (today() + chrono::Duration::days(1)).to_string();
    let r = app.post_form(&format!("/rectifications/{item}"), &sec, &[("done_on", &tomorrow)]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let other = login_as(app, "sec_other", Role::BranchSecretary, w.f.b_other.id).await;
    let r = app.post_form(&format!("/rectifications/{item}"), &other, &[("done_on", "")]).await;
    assert_eq!(r.status, 404);
    assert_eq!(meeting::get(&db, &Scope::cli(), &meta(), id).await.unwrap().rectifications[0].done_on, Some(today()));
});
