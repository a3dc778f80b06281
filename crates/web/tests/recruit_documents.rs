#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The documents of member development (发展党员文书), driven through the real router on both
//! databases: each document written from the recorded facts (names, dates, vote counts), a blank
//! where a fact is not recorded or the committee is outside the caller's scope, the Chinese
//! answer for a document not available yet, the `.docx` (a zip whose document.xml holds the
//! text) audited as an export and refused without the rights, and a person outside the scope not
//! found.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode, header};
use chrono::NaiveDate;
use common::*;
use http_body_util::BodyExt;
use jiceng_exchange::docx::{BLANK, document_text};
use jiceng_rules::recruit::{Decision, Facts, Mentor, Publicity, Sponsor, Vote};
use jiceng_store::Db;
use jiceng_store::recruit::{self, PersonDraft, StepInput};
use jiceng_types::date::today_china;
use jiceng_types::{OrgId, Right, Role, Scope};
use tower::ServiceExt;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn person(db: &Db, org: OrgId, name: &str, id: &str, applied: &str, work_post: &str) -> i64 {
    let draft = PersonDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "苗族".into(),
        id_card: id.into(),
        education: "大学本科".into(),
        work_post: work_post.into(),
        applied_on: applied.into(),
        ..Default::default()
    };
    let input = draft.parse(today_china()).unwrap();
    recruit::create(db, &Scope::cli(), &meta(), input).await.unwrap().person.id
}

async fn step(db: &Db, pid: i64, on: &str, facts: Facts, actor: Option<&str>) {
    let input =
        StepInput { held_on: d(on), facts, actor: actor.map(str::to_string), note: None, override_reason: None };
    recruit::record_step(db, &Scope::cli(), &meta(), pid, input).await.unwrap();
}

fn publicity(from: &str, to: &str) -> Option<Publicity> {
    Some(Publicity { from: d(from), to: d(to) })
}

fn vote(n: u32) -> Vote {
    Vote { eligible: n, present: n, in_favour: n, one_by_one: true }
}

/// Steps 2–11 (to the end of the candidate stage).
async fn to_candidate(db: &Db, pid: i64) {
    step(db, pid, "2022-03-15", Facts::ApplicationTalk, Some("王芳")).await;
    step(db, pid, "2022-04-01", Facts::ActivistSelection { publicity: publicity("2022-03-24", "2022-03-31") }, None)
        .await;
    step(db, pid, "2022-04-05", Facts::ActivistFiling, None).await;
    let mentors = ["王芳", "李强"].map(|n| Mentor { name: n.into(), full_member: true }).to_vec();
    step(db, pid, "2022-04-01", Facts::MentorAssignment { mentors }, None).await;
    step(db, pid, "2022-10-01", Facts::ActivistReview, None).await;
    step(db, pid, "2023-04-01", Facts::ActivistReview, None).await;
    step(db, pid, "2023-04-01", Facts::CandidateSelection { publicity: publicity("2023-03-24", "2023-03-31") }, None)
        .await;
}

/// Steps 8–22 after [`to_candidate`].
async fn to_probation_end(db: &Db, pid: i64) {
    step(db, pid, "2023-04-10", Facts::CandidateFiling, None).await;
    let sponsors =
        ["王芳", "李强"].map(|n| Sponsor { name: n.into(), full_member: true, under_discipline: false }).to_vec();
    step(db, pid, "2023-04-10", Facts::SponsorAssignment { sponsors }, None).await;
    step(db, pid, "2023-04-15", Facts::PoliticalReview { concluded_on: Some(d("2023-05-20")), qualified: true }, None)
        .await;
    step(db, pid, "2023-05-10", Facts::IntensiveTraining { days: 3, hours: 24 }, None).await;
    step(db, pid, "2023-05-25", Facts::CommitteeReview, None).await;
    step(db, pid, "2023-06-01", Facts::PreReview, None).await;
    step(db, pid, "2023-06-05", Facts::AdmissionForm, None).await;
    step(db, pid, "2023-06-20", Facts::AdmissionMeeting { vote: vote(3), leaving_unit_on: None }, None).await;
    step(db, pid, "2023-07-01", Facts::ApprovalTalk { by_committee_member: true }, Some("赵敏")).await;
    let approval = Facts::AdmissionApproval { late_reason: None, publicity: publicity("2023-07-12", "2023-07-19") };
    step(db, pid, "2023-07-20", approval, None).await;
    step(db, pid, "2023-07-25", Facts::AdmissionFiling, None).await;
    step(db, pid, "2023-07-25", Facts::GroupPlacement, None).await;
    step(db, pid, "2023-08-01", Facts::Oath, None).await;
    step(db, pid, "2023-12-20", Facts::ProbationReview, None).await;
    step(db, pid, "2024-06-01", Facts::RegularizationApplication, None).await;
}

/// The two-county fixture with three full members in b11 and the application.
async fn world(db: &Db) -> (Fixture, TestApp) {
    let f = fixture(db).await;
    for (i, n) in ["王芳", "李强", "张伟"].iter().enumerate() {
        add_member(db, f.b11.id, n, i as u32 + 1).await;
    }
    (f, TestApp::new(db))
}

async fn login_as(app: &TestApp, name: &str, role: Role, org: OrgId) -> String {
    jiceng_store::testing::user(&app.db, name, role, Some(org)).await.unwrap();
    app.login(name).await
}

/// A response with its body as bytes (a `.docx` is not text).
struct Raw {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

async fn get_raw(app: &TestApp, path: &str, auth: &str) -> Raw {
    let mut req = TestApp::request(Method::GET, path, auth).body(Body::empty()).unwrap();
    req.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::from(([10, 20, 30, 40], 50000))));
    let res = app.router.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    Raw { status: parts.status, headers: parts.headers, body: body.collect().await.unwrap().to_bytes().to_vec() }
}

/// The text of the document on its page.
fn doc_text(r: &Resp) -> String {
    r.texts("#document").join("")
}

jiceng_store::dual_test!(each_document_is_written_from_the_records, |db: Db| async move {
    let (f, app) = world(&db).await;
    let id = id_card("19950510", 9, true);
    let pid = person(&db, f.b11.id, "蒙建军", &id, "2022-03-01", "东街村村委会文书").await;
    let town = login_as(&app, "town1", Role::TownshipAdmin, f.town1.id).await;
    let base = format!("/recruits/{pid}/documents");
    // Only the record sheet at first; the others say which step comes first.
    let r = app.get(&base, &town).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.attrs("#documents tr[data-available=\"yes\"]", "data-kind"), vec!["record_sheet"]);
    let why = r.texts("#documents tr[data-kind=\"candidate_request\"] .missing").join("");
    assert_eq!(why, "需先记录第7步“确定发展对象”");
    let page = app.get(&format!("/recruits/{pid}"), &town).await;
    assert_eq!(page.attrs("#documents a[data-kind]", "data-kind"), vec!["record_sheet"]);
    for (key, step) in [
        ("candidate_request", "第7步“确定发展对象”"),
        ("candidate_reply", "第8步“报上级党委备案”"),
        ("regularization_request", "第23步“支部大会讨论（预备党员转正）”"),
        ("publicity_admission", "第17步“上级党委审批（接收预备党员）”"),
    ] {
        let r = app.get(&format!("{base}/{key}"), &town).await;
        assert_eq!(r.status, 404, "{key}");
        assert!(r.texts("#document-missing").join("").contains(&format!("需先记录{step}")), "{key}: {}", r.body);
    }
    assert_eq!(app.get(&format!("{base}/no_such_document"), &town).await.status, 404);

    to_candidate(&db, pid).await;
    // The request: the person, the dates of every step before, the mentors, the reviews, the
    // publicity and the decision; addressed to the town's committee, signed by the branch.
    let r = app.get(&format!("{base}/candidate_request"), &town).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.texts("#document .doc-title"), vec!["关于确定蒙建军同志为发展对象的请示"]);
    assert_eq!(r.texts("#document .addressee"), vec![format!("{}：", f.town1.name)]);
    let text = doc_text(&r);
    for want in [
        "蒙建军，男，苗族，1995年5月10日出生，大学本科学历，工作单位及职务：东街村村委会文书",
        "2022年3月1日向党组织递交入党申请书",
        "2022年4月1日经支部委员会研究确定为入党积极分子，培养联系人为王芳、李强",
        "共考察2次（2022年10月1日、2023年4月1日）",
        "2023年3月24日至2023年3月31日",
        "2023年4月1日，经支部委员会研究，同意确定蒙建军同志为发展对象",
    ] {
        assert!(text.contains(want), "{want} missing: {text}");
    }
    assert_eq!(r.texts("#document .sign"), vec![f.b11.name.clone(), "2023年4月1日".into()]);
    assert!(r.attrs("#document .blank", "class").is_empty(), "nothing is missing: {text}");
    // The branch secretary does not see the committee above: a blank, not a guess.
    let sec = login_as(&app, "sec11", Role::BranchSecretary, f.b11.id).await;
    let r = app.get(&format!("{base}/candidate_request"), &sec).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.texts("#document .addressee"), vec![format!("{BLANK}：")]);
    assert_eq!(r.texts("#document .addressee .blank").len(), 1);
    // The reply needs the filing; the 公示 of the activist and the candidate are there.
    assert_eq!(app.get(&format!("{base}/candidate_reply"), &town).await.status, 404);
    let r = app.get(&format!("{base}/publicity_candidate"), &town).await;
    assert_eq!(r.texts("#document .doc-title"), vec!["关于确定蒙建军同志为发展对象的公示"]);
    let text = doc_text(&r);
    assert!(text.contains("公示时间：2023年3月24日至2023年3月31日（共8天）"), "{text}");
    assert!(text.contains(&format!("向{}或{}反映", f.b11.name, f.town1.name)), "{text}");
    assert!(!text.contains("电话"), "no invented phone number: {text}");
    let r = app.get(&format!("{base}/publicity_activist"), &town).await;
    assert_eq!(r.texts("#document .doc-title"), vec!["关于确定蒙建军同志为入党积极分子的公示"]);

    to_probation_end(&db, pid).await;
    let r = app.get(&format!("{base}/candidate_reply"), &town).await;
    assert_eq!(r.texts("#document .doc-title"), vec!["关于同意确定蒙建军同志为发展对象的批复"]);
    assert_eq!(r.texts("#document .addressee"), vec![format!("{}：", f.b11.name)]);
    assert_eq!(r.texts("#document .sign"), vec![f.town1.name.clone(), "2023年4月10日".into()]);
    let r = app.get(&format!("{base}/publicity_admission"), &town).await;
    assert_eq!(r.texts("#document .doc-title"), vec!["关于蒙建军同志拟发展为中共预备党员的公示"]);
    let text = doc_text(&r);
    for want in ["经2023年6月20日支部大会讨论通过", "王芳、李强", "2023年7月12日至2023年7月19日"]
    {
        assert!(text.contains(want), "{want} missing: {text}");
    }
    // Not recorded with the meeting: the 转正 request still waits for step 23.
    assert_eq!(app.get(&format!("{base}/regularization_request"), &town).await.status, 404);
    let meeting = Facts::RegularizationMeeting {
        vote: Vote { eligible: 3, present: 3, in_favour: 2, one_by_one: true },
        decision: Decision::Regularize,
    };
    step(&db, pid, "2024-06-20", meeting, None).await;
    let r = app.get(&format!("{base}/regularization_request"), &town).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.texts("#document .doc-title"), vec!["关于蒙建军同志按期转正的请示"]);
    let text = doc_text(&r);
    for want in [
        "蒙建军同志于2023年6月20日经支部大会讨论通过接收为中共预备党员，2023年7月20日经上级党委批准，预备期至2024年6月20日",
        "2024年6月1日，蒙建军同志向党组织提出书面转正申请",
        "应到会有表决权的正式党员3名，实到会3名；表决结果：赞成2票，反对",
        "转正时间为2024年6月20日（预备期满之日）",
    ] {
        assert!(text.contains(want), "{want} missing: {text}");
    }
    // 反对 and 弃权 are not recorded: two blanks.
    assert_eq!(r.texts("#document .blank").len(), 2, "{text}");
    // The record sheet: the person (ID number masked), the 25 steps, the facts of each.
    let r = app.get(&format!("{base}/record_sheet"), &town).await;
    assert_eq!(r.status, 200);
    let text = doc_text(&r);
    assert!(!r.body.contains(&id), "the full ID number never reaches the page");
    for want in [
        format!("{}********{}", &id[..6], &id[14..]),
        "集中培训3天、24学时".into(),
        "政审结论：2023年5月20日形成，合格".into(),
        "入党介绍人：王芳、李强".into(),
        "谈话人：赵敏".into(),
        format!("上级党委：{}", f.town1.name),
        "应到会3人，实到会3人，赞成2票；逐个表决".into(),
        "决定：转为正式党员".into(),
        format!("志愿书编号：{BLANK}"),
    ] {
        assert!(text.contains(&want), "{want} missing: {text}");
    }
    assert_eq!(r.texts("#document tbody tr").len(), 6 + 5 + 25, "person rows, stage rows, step rows");
    // Steps not taken are blank (24 and 25).
    let rows = r.texts("#document tbody tr");
    assert!(rows.iter().any(|t| t == "25材料归档"), "{rows:?}");
    // Every document is linked from the person's page now.
    let page = app.get(&format!("/recruits/{pid}"), &town).await;
    assert_eq!(page.attrs("#documents a[data-kind]", "data-kind").len(), 7, "all but the 拟转正 公示");
    // The approval of 转正 with its 公示: the last document.
    let approval = Facts::RegularizationApproval {
        regularized_on: Some(d("2024-06-20")),
        publicity: publicity("2024-07-02", "2024-07-09"),
    };
    step(&db, pid, "2024-07-10", approval, None).await;
    let r = app.get(&format!("{base}/publicity_regularization"), &town).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.texts("#document .doc-title"), vec!["关于蒙建军同志拟转为中共正式党员的公示"]);
    let text = doc_text(&r);
    for want in
        ["经2024年6月20日支部大会讨论通过，拟同意蒙建军同志转为中共正式党员", "2024年7月2日至2024年7月9日（共8天）"]
    {
        assert!(text.contains(want), "{want} missing: {text}");
    }
    let sheet = doc_text(&app.get(&format!("{base}/record_sheet"), &town).await);
    assert!(sheet.contains("转正日期：2024年6月20日"), "{sheet}");
    let page = app.get(&format!("/recruits/{pid}"), &town).await;
    assert_eq!(page.attrs("#documents a[data-kind]", "data-kind").len(), 8);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(an_extension_is_requested_as_such, |db: Db| async move {
    let (f, app) = world(&db).await;
    let pid = person(&db, f.b11.id, "杨光明", &id_card("19900101", 1, true), "2022-03-01", "").await;
    to_candidate(&db, pid).await;
    to_probation_end(&db, pid).await;
    step(
        &db,
        pid,
        "2024-06-20",
        Facts::RegularizationMeeting { vote: vote(3), decision: Decision::Extend { months: 6 } },
        None,
    )
    .await;
    let county = login_as(&app, "county", Role::CountyAdmin, f.county.id).await;
    let r = app.get(&format!("/recruits/{pid}/documents/regularization_request"), &county).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.texts("#document .doc-title"), vec!["关于延长杨光明同志预备期的请示"]);
    let text = doc_text(&r);
    assert!(text.contains("会议决定延长杨光明同志的预备期6个月，延长至2024年12月20日"), "{text}");
    // The work post was not recorded: a blank in the record sheet's header.
    let r = app.get(&format!("/recruits/{pid}/documents/record_sheet"), &county).await;
    assert!(doc_text(&r).contains(&format!("工作单位及职务{BLANK}")), "{}", doc_text(&r));
});

jiceng_store::dual_test!(the_docx_is_an_audited_export_within_the_scope, |db: Db| async move {
    let (f, app) = world(&db).await;
    let pid = person(&db, f.b11.id, "韦小红", &id_card("19950510", 5, false), "2022-03-01", "教师").await;
    to_candidate(&db, pid).await;
    let path = format!("/recruits/{pid}/documents/candidate_request/docx");
    let town = login_as(&app, "town1", Role::TownshipAdmin, f.town1.id).await;
    let before = audit_head(&db).await;
    let r = get_raw(&app, &path, &town).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let disposition = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().to_string();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"recruit-{pid}-candidate_request.docx\"")),
        "{disposition}"
    );
    assert!(
        disposition.contains(&format!("filename*=UTF-8''{}.docx", enc("关于确定韦小红同志为发展对象的请示"))),
        "{disposition}"
    );
    assert_eq!(&r.body[..2], b"PK", "a zip file");
    let text = document_text(&r.body).unwrap();
    for want in
        ["关于确定韦小红同志为发展对象的请示", "韦小红，女，苗族，1995年5月10日出生", "2023年4月1日", "2022年3月1日"]
    {
        assert!(text.contains(want), "{want} missing from document.xml: {text}");
    }
    assert!(text.contains(&format!("{}：", f.town1.name)), "{text}");
    // The download is in the audit trail, as an export of this person in the branch.
    let rows = audit_since(&db, before).await;
    let export: Vec<_> = rows.iter().filter(|a| a.action == "export").collect();
    assert_eq!(export.len(), 1, "{rows:?}");
    assert_eq!(export[0].object_type, "recruit_person");
    assert_eq!(export[0].object_id, Some(pid.to_string()));
    assert_eq!(export[0].org_path.as_deref(), Some(f.b11.path.to_string().as_str()));
    assert!(export[0].changes.contains("candidate_request"), "{:?}", export[0].changes);
    // The page's link to the download is there for those who may export.
    let page = app.get(&format!("/recruits/{pid}/documents/candidate_request"), &town).await;
    assert_eq!(page.attrs("#download-docx", "href"), vec![path.clone()]);
    // A document not available yet is not downloaded (nor audited as an export).
    let before = audit_head(&db).await;
    let r = get_raw(&app, &format!("/recruits/{pid}/documents/candidate_reply/docx"), &town).await;
    assert_eq!(r.status, 404);
    assert!(String::from_utf8_lossy(&r.body).contains("需先记录第8步“报上级党委备案”"));
    assert!(audit_since(&db, before).await.iter().all(|a| a.action != "export"));
    // Every role at the branch: the page and the download as its rights allow; without the right
    // to export (or to read member development) no file, and the refusal is recorded.
    for a in actors(&app, f.b11.id).await {
        let rights = a.role.rights();
        let reads = rights.has(Right::ReadMembers);
        let before = audit_head(&db).await;
        let page = app.get(&format!("/recruits/{pid}/documents/record_sheet"), &a.cookie).await;
        assert_eq!(page.status, if reads { 200 } else { 403 }, "{:?}", a.role);
        assert_eq!(page.attrs("#download-docx", "href").is_empty(), !rights.has(Right::Export), "{:?}", a.role);
        let r = get_raw(&app, &format!("/recruits/{pid}/documents/record_sheet/docx"), &a.cookie).await;
        let may = reads && rights.has(Right::Export);
        assert_eq!(r.status, if may { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{:?}", a.role);
        let rows = audit_since(&db, before).await;
        if may {
            assert!(rows.iter().any(|a| a.action == "export"), "{:?}", a.role);
        } else {
            assert!(rows.iter().all(|a| a.action != "export"), "{:?}", a.role);
            assert!(rows.iter().any(|a| a.action == "denied"), "{:?}: the refusal is recorded", a.role);
        }
    }
    // Outside the scope: not found, nothing leaks, nothing exported.
    let sec12 = login_as(&app, "sec12", Role::BranchSecretary, f.b12.id).await;
    let town2 = login_as(&app, "town2", Role::TownshipAdmin, f.town2.id).await;
    let other = login_as(&app, "other", Role::CountyAdmin, f.county_b.id).await;
    let before = audit_head(&db).await;
    for c in [&sec12, &town2, &other] {
        for p in [
            format!("/recruits/{pid}/documents"),
            format!("/recruits/{pid}/documents/candidate_request"),
            format!("/recruits/{pid}/documents/record_sheet"),
            path.clone(),
        ] {
            let r = get_raw(&app, &p, c).await;
            assert_eq!(r.status, 404, "{p}");
            let body = String::from_utf8_lossy(&r.body);
            assert!(!body.contains("韦小红"), "{p} leaks: {body}");
        }
    }
    let rows = audit_since(&db, before).await;
    assert!(rows.iter().all(|a| a.action != "export"));
    assert!(rows.iter().filter(|a| a.action == "denied").count() >= 3, "attempts outside the scope are recorded");
    assert_eq!(
        get_raw(&app, &format!("/recruits/{}/documents/record_sheet/docx", pid + 1000), &town).await.status,
        404
    );
    assert_chain_intact(&db).await;
});
