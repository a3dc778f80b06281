#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The data-quality page: findings computed from the records, limited to the scope.

mod common;

use common::*;
use jiceng_store::Db;
use jiceng_store::member::{self, MemberDraft};
use jiceng_types::{OrgId, Role, Scope};

fn id_card(birth: &str, seq: u32, male: bool) -> String {
    let body = format!("520102{birth}{:03}", seq * 2 + u32::from(male));
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

async fn add(db: &Db, org: OrgId, name: &str, id: &str, admitted: &str) {
    let d = MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "汉族".into(),
        id_card: id.into(),
        education: "高中".into(),
        category: "正式党员".into(),
        admitted_on: admitted.into(),
        ..Default::default()
    };
    member::create(db, &Scope::cli(), &meta(), d.parse(today()).unwrap()).await.unwrap();
}

jiceng_store::dual_test!(quality_findings_follow_scope, |db: Db| async move {
    let f = fixture(&db).await;
    // In town1: a branch with two full members, one admitted at 17.
    add(&db, f.b11.id, "甲一", &id_card("19900101", 1, true), "2007-06-30").await;
    add(&db, f.b11.id, "甲二", &id_card("19900102", 2, true), "2015-07-01").await;
    // Outside: a branch of one member in town2.
    add(&db, f.b21.id, "乙一", &id_card("19900103", 3, true), "2015-07-01").await;
    let app = TestApp::new(&db);
    let actors = actors(&app, f.town1.id).await;
    for a in &actors {
        let r = app.get("/quality", &a.cookie).await;
        if !a.role.rights().has(jiceng_types::Right::ReadMembers) {
            assert_eq!(r.status, 403, "{:?}", a.role);
            continue;
        }
        assert_eq!(r.status, 200, "{:?}", a.role);
        let text = r.texts("#findings tbody td:nth-child(4)").join("\n");
        assert!(text.contains("城关镇东街村党支部只有2名正式党员"), "{:?}: {text}", a.role);
        assert!(text.contains("甲一入党时"), "{:?}: {text}", a.role);
        assert!(!text.contains("河口"), "{:?}: nothing from outside the scope: {text}", a.role);
        let rule = app.get("/quality?rule=dev.min_age", &a.cookie).await;
        assert_eq!(rule.texts("#findings tbody tr").len(), 1);
    }
    let boss = jiceng_store::testing::user(&db, "boss", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    let _ = boss;
    let cookie = app.login("boss").await;
    let all = app.get("/quality", &cookie).await.texts("#findings tbody td:nth-child(4)").join("\n");
    assert!(all.contains("河口乡河口村党支部只有1名正式党员"), "{all}");
});
