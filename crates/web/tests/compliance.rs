#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The compliance pages of organizational life: computed from meeting records, limited to the
//! scope, with the county's rule parameters applied (and their change audited).

mod common;

use chrono::NaiveDate;
use common::*;
use jiceng_store::Db;
use jiceng_store::meeting::{self, MeetingInput, Source};
use jiceng_types::{MeetingKind, OrgId, Role, Scope};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

async fn held(db: &Db, org: OrgId, kinds: &[MeetingKind], on: NaiveDate, topic: &str) -> i64 {
    let input = MeetingInput {
        kinds: kinds.to_vec(),
        topic: topic.into(),
        lecturer: kinds.contains(&MeetingKind::Lecture).then(|| "支部书记".to_string()),
        expected: 10,
        present: 9,
        ..sample_input(org, on)
    };
    meeting::create(db, &Scope::cli(), &meta(), input).await.unwrap().row.id
}

jiceng_store::dual_test!(compliance_pages_follow_scope, |db: Db| async move {
    let f = fixture(&db).await;
    // 2025: 东街村 held its 主题党日 in January only (that one also the quarter's 党员大会); 河口村 every month.
    held(&db, f.b11.id, &[MeetingKind::ThemeDay, MeetingKind::GeneralMeeting], d(2025, 1, 10), "一月主题党日").await;
    for m in 1..=12 {
        held(&db, f.b21.id, &[MeetingKind::ThemeDay], d(2025, m, 5), "主题党日").await;
    }
    let app = TestApp::new(&db);
    jiceng_store::testing::user(&db, "town1", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    let town1 = app.login("town1").await;

    // The branch's own page, in plain words.
    let page = app.get(&format!("/orgs/{}/compliance?year=2025", f.b11.id), &town1).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let overdue = page.texts("#overdue li").join("\n");
    assert!(overdue.contains("2025年2月未开展主题党日"), "{overdue}");
    assert!(!overdue.contains("2025年1月未开展主题党日"), "{overdue}");
    assert!(overdue.contains("2025年第2季度未召开支部党员大会"), "{overdue}");

    // The matrix of 主题党日 for town1's branches: 东街村 held January only, and its record was
    // entered long after the meeting (today), so the cell says 补 (back-filled), not ✓.
    let m = app.get("/compliance?year=2025&tab=matrix&rule=branch.theme_day.min_per_month", &town1).await;
    assert_eq!(m.status, 200, "{}", m.body);
    let rows = m.texts("#matrix tbody tr");
    let east = rows.iter().find(|r| r.contains("城关镇东街村党支部")).expect("东街村 in the matrix");
    assert!(
        east.starts_with("城关镇东街村党支部")
            && east.contains('补')
            && !east.contains('✓')
            && east.matches('✗').count() == 11,
        "{east}"
    );
    assert!(!m.body.contains("河口乡河口村党支部"), "another township's branch is not shown");

    // A meeting recorded on the day it is held counts as held on time: this month's 主题党日 is done.
    let today = today();
    held(&db, f.b11.id, &[MeetingKind::ThemeDay], today, "本月主题党日").await;
    let now = app.get(&format!("/orgs/{}/compliance", f.b11.id), &town1).await;
    let done = now.texts("details li").join("\n");
    let month = jiceng_types::Period::month_of(today).label();
    assert!(done.contains(&format!("{month}已开展主题党日")), "{done}");
    let due = now.texts("#due li").join("\n");
    assert!(!due.contains(&format!("{month}还需开展主题党日")), "{due}");
    // A month not begun yet is not on the to-do list.
    let next = jiceng_types::Period::month_of(today).next();
    assert!(!due.contains(&next.label()), "{due}");

    // Outside the scope: the branch page is not found, the county's other township absent everywhere.
    let other = app.get(&format!("/orgs/{}/compliance?year=2025", f.b21.id), &town1).await;
    assert_eq!(other.status, 404);
    let findings = app.get("/compliance?year=2025&tab=findings", &town1).await;
    assert!(findings.body.contains("城关镇东街村党支部") && !findings.body.contains("河口乡"), "scope");

    // The county sees both townships' rates; 河口乡 held every 主题党日.
    jiceng_store::testing::user(&db, "boss", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    let boss = app.login("boss").await;
    let rates = app.get("/compliance?year=2025", &boss).await;
    assert_eq!(rates.status, 200);
    let rows = rates.texts("#rates tbody tr");
    assert!(rows.iter().any(|r| r.starts_with("城关镇党委")), "{rows:?}");
    assert!(rows.iter().any(|r| r.starts_with("河口乡党委")), "{rows:?}");
    // Another county's user sees none of it.
    jiceng_store::testing::user(&db, "other", Role::CountyAdmin, Some(f.county_b.id)).await.unwrap();
    let other = app.login("other").await;
    let theirs = app.get("/compliance?year=2025&tab=findings", &other).await;
    assert!(!theirs.body.contains("城关镇") && !theirs.body.contains("河口乡"));
    let page = app.get(&format!("/orgs/{}/compliance?year=2025", f.b11.id), &other).await;
    assert_eq!(page.status, 404);

    // The ledgers: generated from the records, printable, scoped, exported as a file.
    let ledger = app.get(&format!("/orgs/{}/ledgers/meetings?year=2025", f.b11.id), &town1).await;
    assert_eq!(ledger.status, 200, "{}", ledger.body);
    let rows = ledger.texts("#ledger-rows tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("一月主题党日") && rows[0].contains("2025-01-10"), "{rows:?}");
    for kind in ["first-agenda", "training"] {
        let l = app.get(&format!("/orgs/{}/ledgers/{kind}?year=2025", f.b11.id), &town1).await;
        assert_eq!(l.status, 200, "{kind}: {}", l.body);
    }
    let xlsx = app.get(&format!("/orgs/{}/ledgers/meetings?year=2025&fmt=xlsx", f.b11.id), &town1).await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.header("content-disposition").is_some_and(|d| d.contains("attachment")));
    let theirs = app.get(&format!("/orgs/{}/ledgers/meetings?year=2025", f.b21.id), &town1).await;
    assert_eq!(theirs.status, 404);
    let bogus = app.get(&format!("/orgs/{}/ledgers/nonsense?year=2025", f.b11.id), &town1).await;
    assert_eq!(bogus.status, 404);

    // The export is a file, and audited.
    let before = audit_head(&db).await;
    let x = app.get("/compliance?year=2025&tab=findings&fmt=csv", &boss).await;
    assert_eq!(x.status, 200);
    assert!(x.body.contains("城关镇东街村党支部"), "{}", x.body);
    let recs = audit_since(&db, before).await;
    assert!(recs.iter().any(|r| r.action == "export" && r.object_type == "compliance"), "{recs:?}");
});

jiceng_store::dual_test!(rule_parameters_are_county_settings, |db: Db| async move {
    let f = fixture(&db).await;
    held(&db, f.b11.id, &[MeetingKind::ThemeDay], d(2025, 1, 10), "一月主题党日").await;
    let app = TestApp::new(&db);
    jiceng_store::testing::user(&db, "boss", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    jiceng_store::testing::user(&db, "town1", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    let boss = app.login("boss").await;
    let town1 = app.login("town1").await;
    let page = |cookie: String| {
        let app = &app;
        let id = f.b11.id;
        async move { app.get(&format!("/orgs/{id}/compliance?year=2025"), &cookie).await.texts("#overdue li").join("\n") }
    };
    assert!(page(boss.clone()).await.contains("未开展主题党日"));

    // Every parameter is on the form; a township organizer may read but not change them.
    let form = app.get("/settings/rules", &town1).await;
    assert_eq!(form.status, 200);
    let names = form.attrs("#params input", "name");
    assert_eq!(names.len(), jiceng_rules::meeting::PARAMS.len());
    let mut pairs: Vec<(String, String)> =
        jiceng_rules::meeting::PARAMS.iter().map(|p| (p.key.to_string(), p.default.to_string())).collect();
    let set = |pairs: &mut Vec<(String, String)>, key: &str, v: &str| {
        pairs.iter_mut().find(|(k, _)| k == key).unwrap().1 = v.to_string();
    };
    set(&mut pairs, "branch.theme_day.min_per_month", "0");
    let denied = app.post_form("/settings/rules", &town1, &common::pairs(&pairs)).await;
    assert_eq!(denied.status, 403);

    // Out of range: the form comes back with the message next to the field, nothing saved.
    set(&mut pairs, "meeting.late_entry_days", "abc");
    let bad = app.post_form("/settings/rules", &boss, &common::pairs(&pairs)).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("请填写整数"));
    assert!(page(boss.clone()).await.contains("未开展主题党日"));

    // Saved: 主题党日 no longer checked; the change is in the audit trail.
    set(&mut pairs, "meeting.late_entry_days", "7");
    let before = audit_head(&db).await;
    let ok = app.post_form("/settings/rules", &boss, &common::pairs(&pairs)).await;
    assert!(ok.status.is_redirection(), "{}", ok.body);
    assert!(!page(boss.clone()).await.contains("未开展主题党日"));
    let recs = audit_since(&db, before).await;
    let key = format!("org_life_rules:{}", f.county.id.0);
    assert!(recs.iter().any(|r| r.action == "setting_change" && r.object_id.as_deref() == Some(key.as_str())));
    assert_chain_intact(&db).await;

    // Another county's parameters are its own: its admin's change does not reach this county.
    jiceng_store::testing::user(&db, "other", Role::CountyAdmin, Some(f.county_b.id)).await.unwrap();
    let other = app.login("other").await;
    let defaults: Vec<(String, String)> =
        jiceng_rules::meeting::PARAMS.iter().map(|p| (p.key.to_string(), p.default.to_string())).collect();
    let mut strict = defaults.clone();
    set(&mut strict, "branch.theme_day.min_per_month", "2");
    let ok = app.post_form("/settings/rules", &other, &common::pairs(&strict)).await;
    assert!(ok.status.is_redirection());
    assert!(!page(boss.clone()).await.contains("未开展主题党日"));
});

jiceng_store::dual_test!(each_county_studies_its_own_register, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    jiceng_store::testing::user(&db, "boss", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    jiceng_store::testing::user(&db, "other", Role::CountyAdmin, Some(f.county_b.id)).await.unwrap();
    let boss = app.login("boss").await;
    let other = app.login("other").await;
    let add = |cookie: String, title: &'static str| {
        let app = &app;
        async move {
            let r = app
                .post_form(
                    "/study-items/new",
                    &cookie,
                    &[("title", title), ("published_on", "2025-03-01"), ("within_days", "7"), ("levels", "branch")],
                )
                .await;
            assert!(r.status.is_redirection(), "{}", r.body);
        }
    };
    add(boss.clone(), "甲县学习内容").await;
    add(other.clone(), "乙县学习内容").await;
    // 东街村 studies its county's item on time.
    let mine = jiceng_store::meeting::study::list(&db, &Scope::cli(), Some(2025)).await.unwrap();
    let a = mine.iter().find(|i| i.title == "甲县学习内容").unwrap().id;
    let mut input =
        jiceng_store::meeting::MeetingInput { study_items: vec![a], ..sample_input(f.b11.id, d(2025, 3, 5)) };
    input.kinds = vec![MeetingKind::CommitteeMeeting];
    meeting::create(&db, &Scope::cli(), &meta(), input).await.unwrap();

    let studies = app.get("/compliance?year=2025&tab=study", &boss).await;
    let rows = studies.texts("#studies tbody tr");
    assert!(rows.iter().any(|r| r.starts_with("甲县学习内容")), "{rows:?}");
    assert!(!rows.iter().any(|r| r.contains("乙县学习内容")), "another county's register does not apply: {rows:?}");
    let page = app.get(&format!("/orgs/{}/compliance?year=2025", f.b12.id), &boss).await;
    let text = page.texts("#findings td").join("\n");
    assert!(text.contains("第一议题应学未学"), "西街村 did not study it: {text}");
    assert!(!page.body.contains("乙县学习内容"));
    // The command line over the whole installation checks county by county too.
    let report = jiceng_store::meeting::compliance::check(&db, &Scope::cli(), d(2025, 1, 1), d(2025, 12, 31), today())
        .await
        .unwrap();
    let b_item = jiceng_store::meeting::study::list(&db, &Scope::cli(), Some(2025))
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.title == "乙县学习内容")
        .unwrap()
        .id;
    let county_a_orgs = [f.b11.id.0, f.b12.id.0, f.b21.id.0];
    assert!(report.outcome.studies.iter().all(|s| !(s.study_item_id == b_item && county_a_orgs.contains(&s.org_id))));
    assert!(report.outcome.studies.iter().any(|s| s.study_item_id == a && s.org_id == f.b11.id.0));
});

fn sample_input(org: OrgId, on: NaiveDate) -> MeetingInput {
    MeetingInput {
        org_id: org,
        group_id: None,
        kinds: vec![MeetingKind::ThemeDay],
        held_on: on,
        topic: "学习".into(),
        place: None,
        host: None,
        lecturer_member_id: None,
        lecturer: None,
        minutes: None,
        decisions: None,
        criticism: None,
        absent_note: None,
        expected: 5,
        present: 5,
        attendance: vec![],
        agenda: vec![],
        study_items: vec![],
        votes: vec![],
        rectifications: vec![],
        source: Source::Form,
    }
}
