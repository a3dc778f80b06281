#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The member pages: scope for every role and position, masked numbers and audited reveals,
//! forms that keep the input, status changes.

mod common;

use common::*;
use jiceng_store::member::{self, MemberDraft};
use jiceng_store::{Db, audit};
use jiceng_types::{OrgId, Role, Scope};
use sea_orm::ConnectionTrait;

async fn add(db: &Db, org: OrgId, name: &str, id: &str) -> member::Member {
    let d = MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "苗族".into(),
        id_card: id.into(),
        education: "高中".into(),
        phone: "13812345678".into(),
        category: "正式党员".into(),
        admitted_on: "2000-07-01".into(),
        regularized_on: "2001-07-01".into(),
        ..Default::default()
    };
    member::create(db, &Scope::cli(), &meta(), d.parse(today()).unwrap()).await.unwrap()
}

jiceng_store::dual_test!(member_pages_follow_scope, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    let actors = actors(&app, f.town1.id).await;
    // One member at each position relative to town1.
    let placed = [
        ("own", add(&db, f.town1.id, "本级甲", &id_card("19800101", 1, true)).await, true),
        ("descendant", add(&db, f.b11.id, "下级乙", &id_card("19800102", 2, false)).await, true),
        ("sibling", add(&db, f.b21.id, "同级丙", &id_card("19800103", 3, true)).await, false),
        ("ancestor", add(&db, f.county.id, "上级丁", &id_card("19800104", 4, false)).await, false),
        ("other", add(&db, f.b_other.id, "外县戊", &id_card("19800105", 5, true)).await, false),
    ];
    // The 党员 account is linked to the member at town1.
    let member_actor = actors.iter().find(|a| a.role == Role::Member).unwrap();
    db.raw()
        .execute_unprepared(&format!(
            "UPDATE app_user SET member_id = {} WHERE id = {}",
            placed[0].1.id, member_actor.user.id
        ))
        .await
        .unwrap();
    for a in &actors {
        let reads = a.role.rights().has(jiceng_types::Right::ReadMembers);
        let list = app.get("/members", &a.cookie).await;
        match a.role {
            _ if reads => {
                assert_eq!(list.status, 200, "{:?}", a.role);
                let names = list.texts("#member-table tbody td:first-child a");
                let expected: Vec<String> = placed.iter().filter(|p| p.2).map(|p| p.1.name.clone()).collect();
                let mut got = names.clone();
                got.sort();
                let mut want = expected.clone();
                want.sort();
                assert_eq!(got, want, "{:?} lists exactly its scope", a.role);
            }
            Role::Member => assert_eq!(list.location(), Some("/members/me")),
            _ => assert_eq!(list.status, 403, "{:?}", a.role),
        }
        for (pos, m, inside) in &placed {
            let r = app.get(&format!("/members/{}", m.id), &a.cookie).await;
            let want = if !reads {
                403
            } else if *inside {
                200
            } else {
                404
            };
            assert_eq!(r.status, want, "{:?} GET member at {pos}", a.role);
            if r.status == 200 {
                assert!(
                    !r.body.contains(&id_card("19800101", 1, true)) && !r.body.contains("13812345678"),
                    "numbers are masked"
                );
                assert!(r.body.contains("138****5678"));
            }
            // Searching by the exact ID number agrees with the per-object check.
            if reads {
                let q = app.get(&format!("/members?q={}", id_card_of(&placed, pos)), &a.cookie).await;
                assert_eq!(
                    q.texts("#member-table tbody td:first-child a").len(),
                    usize::from(*inside),
                    "{:?} search {pos}",
                    a.role
                );
            }
            // Reveal: the right and the scope, each reveal audited.
            let head = audit_head(&db).await;
            let r = app.post_form(&format!("/members/{}/reveal", m.id), &a.cookie, &[("field", "phone")]).await;
            let can = a.role.rights().has(jiceng_types::Right::RevealSensitive);
            let own_record = a.role == Role::Member && *pos == "own";
            let want = if own_record {
                200
            } else if !can {
                403
            } else if *inside {
                200
            } else {
                404
            };
            assert_eq!(r.status, want, "{:?} reveal at {pos}", a.role);
            let rows = audit_since(&db, head).await;
            if want == 200 {
                assert!(r.body.contains("13812345678"));
                assert_eq!(rows.iter().filter(|r| r.action == "reveal").count(), 1);
            } else {
                assert!(rows.iter().all(|r| r.action == "denied"), "{rows:?}");
            }
            // Status changes need the write right and the scope; refused ones change nothing.
            let before = member::get(&db, &Scope::cli(), &meta(), m.id).await.unwrap();
            let r = app
                .post_form(
                    &format!("/members/{}/status", m.id),
                    &a.cookie,
                    &[("kind", "without_post"), ("flag", "1"), ("on", &today().to_string())],
                )
                .await;
            let writes = a.role.rights().has(jiceng_types::Right::WriteRecords);
            let want = if !writes {
                403
            } else if *inside {
                303
            } else {
                404
            };
            assert_eq!(r.status, want, "{:?} status at {pos}: {}", a.role, r.body);
            let after = member::get(&db, &Scope::cli(), &meta(), m.id).await.unwrap();
            assert_eq!(after.without_post, want == 303 || before.without_post);
            if want == 303 {
                // Undo for the next actor.
                member::change_status(
                    &db,
                    &Scope::cli(),
                    &meta(),
                    m.id,
                    member::StatusChange::WithoutPost { without_post: false, on: today() },
                )
                .await
                .unwrap();
            }
        }
    }
    // The 党员 sees their own record, and only that.
    let own = app.get("/members/me", &member_actor.cookie).await;
    assert_eq!(own.status, 200);
    assert!(own.body.contains("本级甲"));
    let sec = actors.iter().find(|a| a.role == Role::BranchSecretary).unwrap();
    let unlinked = app.get("/members/me", &sec.cookie).await;
    assert_eq!(unlinked.status, 404);
    assert!(unlinked.body.contains("还没有关联党员信息"), "{}", unlinked.body);
    assert_chain_intact(&db).await;
});

fn id_card_of(placed: &[(&str, member::Member, bool); 5], pos: &str) -> String {
    let i = placed.iter().position(|p| p.0 == pos).unwrap();
    id_card(&format!("1980010{}", i + 1), i as u32 + 1, i % 2 == 0)
}

jiceng_store::dual_test!(member_forms_keep_input_and_derive_from_the_id, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    testing_user(&db, "town", Role::TownshipAdmin, f.town1.id).await;
    let cookie = app.login("town").await;
    let id = id_card("19900315", 7, false);
    let mut form = vec![
        ("org", "A1101".to_string()),
        ("name", "吴 十".to_string()),
        ("id_card", id.to_lowercase()),
        ("ethnicity", "布依".to_string()),
        ("education", "大学专科".to_string()),
        ("phone", "139-0000-2222".to_string()),
        ("category", "正式党员".to_string()),
        ("admitted_on", "2015年7月1日".to_string()),
        ("regularized_on", "2013-07-01".to_string()),
    ];
    let r = app.post_form("/members/new", &cookie, &pairs_of(&form)).await;
    assert_eq!(r.status, 422);
    assert_eq!(invalid(&r), vec!["regularized_on"]);
    assert_eq!(r.attrs("input[name=name]", "value"), vec!["吴 十"], "input kept");
    form[8].1 = "2016-07-01".into();
    let r = app.post_form("/members/new", &cookie, &pairs_of(&form)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let m = member::list(&db, &Scope::cli(), &member::MemberFilter { q: Some(id.clone()), ..Default::default() }, 1, 5)
        .await
        .unwrap()
        .items
        .remove(0);
    assert_eq!(m.name, "吴十", "inner space removed");
    assert_eq!(m.ethnicity, "布依族");
    assert_eq!(m.gender, jiceng_types::person::Gender::Female, "from the ID number");
    assert_eq!(m.birth_date.to_string(), "1990-03-15");
    // Outside the scope: the organization is refused as a field error, nothing created.
    form[0].1 = "A1201".into();
    form[2].1 = id_card("19900316", 8, true);
    let r = app.post_form("/members/new", &cookie, &pairs_of(&form)).await;
    assert_eq!(r.status, 422);
    assert_eq!(invalid(&r), vec!["org"]);
    // Editing with the numbers left empty keeps them.
    let edit = vec![
        ("org", "A1102".to_string()),
        ("name", "吴十".to_string()),
        ("id_card", String::new()),
        ("ethnicity", "布依族".to_string()),
        ("education", "大学本科".to_string()),
        ("phone", String::new()),
        ("category", "正式党员".to_string()),
        ("admitted_on", "2015-07-01".to_string()),
        ("regularized_on", "2016-07-01".to_string()),
    ];
    let r = app.post_form(&format!("/members/{}/edit", m.id), &cookie, &pairs_of(&edit)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = member::get(&db, &Scope::cli(), &meta(), m.id).await.unwrap();
    assert_eq!(after.org_id, f.b12.id);
    assert_eq!(after.id_card_masked, m.id_card_masked);
    assert_eq!(after.phone_masked.as_deref(), Some("139****2222"));
    let rows = audit::list(
        &db,
        &Scope::cli(),
        &audit::Filter { object_type: Some("member".into()), ..Default::default() },
        10,
    )
    .await
    .unwrap();
    assert_eq!(rows[0].action, "update");
    assert!(!rows.iter().any(|r| r.changes.contains(&id)), "no number in clear in the audit trail");
});

async fn testing_user(db: &Db, name: &str, role: Role, org: OrgId) {
    jiceng_store::testing::user(db, name, role, Some(org)).await.unwrap();
}

fn pairs_of<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The names of the inputs a form marks invalid.
fn invalid(r: &Resp) -> Vec<String> {
    r.attrs("[aria-invalid=true]", "name")
}
