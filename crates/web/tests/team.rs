#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The leadership-team pages (班子): every route against every role (placed at town1) and every
//! position of the organization (own, descendant, sibling, ancestor, other county), with refusals
//! recorded and nothing changed; forms that keep the input; the 班子 section of the organization
//! page; the 两委 structure view; the 换届提醒 on the home page and their full list.

mod common;

use chrono::NaiveDate;
use common::*;
use jiceng_store::Db;
use jiceng_store::member::{self, MemberDraft};
use jiceng_store::org::Org;
use jiceng_store::org::team::{self, Committee, Person, Post, TeamInput, TeamMember};
use jiceng_types::{OrgId, Right, Role, Scope};
use sea_orm::ConnectionTrait;

fn id_card(seq: u32) -> String {
    let body = format!("52010219800101{:03}", seq * 2 + 1);
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

/// A fresh member of `org` (each call a new ID number).
async fn member_in(db: &Db, org: OrgId, n: &mut u32, name: &str) -> member::Member {
    *n += 1;
    let d = MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "汉族".into(),
        id_card: id_card(*n),
        education: "大学专科".into(),
        category: "正式党员".into(),
        admitted_on: "2005-07-01".into(),
        regularized_on: "2006-07-01".into(),
        ..Default::default()
    };
    member::create(db, &Scope::cli(), &meta(), d.parse(today()).unwrap()).await.unwrap()
}

fn as_member(m: &member::Member, post: Post) -> TeamInput {
    TeamInput {
        committee: Committee::Party,
        person: Person::Member(m.id),
        post,
        title: None,
        dual_role: false,
        started_on: NaiveDate::from_ymd_opt(2021, 5, 1).unwrap(),
        replace_current: false,
    }
}

async fn cli_appoint(db: &Db, org: &Org, input: TeamInput) -> TeamMember {
    team::appoint(db, &Scope::cli(), &meta(), org.id, input).await.unwrap()
}

async fn rows(db: &Db) -> Vec<(i64, Option<String>, Option<NaiveDate>)> {
    let rs = db
        .raw()
        .query_all_raw(sea_orm::Statement::from_string(
            db.raw().get_database_backend(),
            "SELECT id, title, ended_on FROM org_team ORDER BY id",
        ))
        .await
        .unwrap();
    rs.iter()
        .map(|r| (r.try_get("", "id").unwrap(), r.try_get("", "title").unwrap(), r.try_get("", "ended_on").unwrap()))
        .collect()
}

async fn denied(db: &Db) -> usize {
    audit_all(db).await.iter().filter(|r| r.action == "denied").count()
}

/// The names of the inputs a form marks invalid.
fn invalid(r: &Resp) -> Vec<String> {
    r.attrs("[aria-invalid=true]", "name")
}

jiceng_store::dual_test!(team_routes_follow_scope_and_rights, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let actors = actors(&app, f.town1.id).await;
    let mut n = 0;
    // (position, organization, inside town1)
    let positions = [
        ("own", &f.town1, true),
        ("desc", &f.b11, true),
        ("sibling", &f.town2, false),
        ("ancestor", &f.county, false),
        ("other", &f.b_other, false),
    ];
    let mut placed = Vec::new();
    for (pos, o, inside) in positions {
        let m = member_in(&db, o.id, &mut n, "任职人").await;
        placed.push((pos, o.clone(), inside, cli_appoint(&db, o, as_member(&m, Post::CommitteeMember)).await));
    }
    for a in &actors {
        let rights = a.role.rights();
        let reads = rights.has(Right::ReadMembers);
        let writes_any = rights.has(Right::WriteOrgs) || rights.has(Right::WriteRecords);
        for (pos, o, inside, row) in &placed {
            let what = format!("{:?} at {pos}", a.role);
            let read_want = if !reads {
                403
            } else if *inside {
                200
            } else {
                404
            };
            let write_ok = rights.has(Right::WriteOrgs) || *pos == "own";
            let write_want = |ok: u16| {
                if !writes_any {
                    403
                } else if !*inside {
                    404
                } else if write_ok {
                    ok
                } else {
                    403
                }
            };
            for path in [
                format!("/orgs/{}/team", o.id),
                format!("/orgs/{}/team?part=current", o.id),
                format!("/orgs/{}/structure", o.id),
            ] {
                let r = app.get(&path, &a.cookie).await;
                assert_eq!(r.status, read_want, "{what} GET {path}: {}", r.body);
            }
            for path in
                [format!("/orgs/{}/team/new", o.id), format!("/team/{}/edit", row.id), format!("/team/{}/end", row.id)]
            {
                let r = app.get(&path, &a.cookie).await;
                assert_eq!(r.status, write_want(200), "{what} GET {path}: {}", r.body);
            }
            // Appoint, correct and end: refused ones change nothing and are recorded.
            let before = rows(&db).await;
            let refusals = denied(&db).await;
            let fresh = member_in(&db, o.id, &mut n, "新任人").await;
            let id = fresh.id.to_string();
            let form =
                [("committee", "party"), ("member_id", id.as_str()), ("post", "member"), ("started_on", "2024-01-02")];
            let r = app.post_form(&format!("/orgs/{}/team/new", o.id), &a.cookie, &form).await;
            assert_eq!(r.status, write_want(303), "{what} appoint: {}", r.body);
            let title = format!("组织委员{n}");
            let form = [("post", "member"), ("title", title.as_str()), ("started_on", "2021-05-01")];
            let r = app.post_form(&format!("/team/{}/edit", row.id), &a.cookie, &form).await;
            assert_eq!(r.status, write_want(303), "{what} edit: {}", r.body);
            let target =
                cli_appoint(&db, o, as_member(&member_in(&db, o.id, &mut n, "离任人").await, Post::CommitteeMember))
                    .await;
            let after_setup = rows(&db).await;
            let r = app
                .post_form(
                    &format!("/team/{}/end", target.id),
                    &a.cookie,
                    &[("ended_on", "2024-01-02"), ("reason", "调离")],
                )
                .await;
            assert_eq!(r.status, write_want(303), "{what} end: {}", r.body);
            let now = rows(&db).await;
            if write_want(303) == 303 {
                assert_eq!(now.len(), before.len() + 2, "{what}: appointed");
                assert!(
                    now.iter().any(|(i, t, _)| *i == row.id.0 && t.as_deref() == Some(title.as_str())),
                    "{what}: edited"
                );
                assert!(now.iter().any(|(i, _, e)| *i == target.id.0 && e.is_some()), "{what}: ended");
            } else {
                assert_eq!(now, after_setup, "{what}: refused, yet the teams changed");
                assert_eq!(&now[..before.len()], &before[..], "{what}");
            }
            if write_want(303) == 403 {
                assert!(denied(&db).await >= refusals + 3, "{what}: refusals recorded");
            }
        }
        // The reminders list: anyone who reads the tree, limited to the scope.
        let r = app.get("/orgs/reminders", &a.cookie).await;
        if rights.has(Right::ReadOrgs) {
            assert_eq!(r.status, 200, "{:?}", a.role);
            let mut got = r.org_links("#reminder-table a");
            got.dedup();
            let mut want: Vec<i64> = snapshot(&db)
                .await
                .into_iter()
                .filter(|o| {
                    o.status == jiceng_types::OrgStatus::Active
                        && (a.role.is_system() || f.town1.path.contains(&o.path))
                })
                .map(|o| o.id.0)
                .collect();
            want.sort_unstable();
            assert_eq!(got, want, "{:?}: every fixture term has run out", a.role);
        } else {
            assert_eq!(r.status, 403, "{:?}", a.role);
        }
        // The home page's box: business roles only, their scope only.
        let home = app.get("/", &a.cookie).await;
        let shown = home.org_links("#term-reminders li a");
        if a.role.is_system() {
            assert!(shown.is_empty(), "{:?}", a.role);
        } else {
            assert!(
                !shown.is_empty()
                    && shown.iter().all(|id| [f.town1.id.0, f.b11.id.0, f.b12.id.0, f.g13.id.0].contains(id)),
                "{:?} {shown:?}",
                a.role
            );
        }
    }
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(team_forms_keep_input_and_explain, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    jiceng_store::testing::user(&db, "town", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    let c = app.login("town").await;
    let mut n = 0;
    let a = member_in(&db, f.b11.id, &mut n, "张书记").await;
    let b = member_in(&db, f.b11.id, &mut n, "李新任").await;
    let new = format!("/orgs/{}/team/new", f.b11.id);
    // The form lists the organization's members and, for a village, the villagers' committee.
    let r = app.get(&new, &c).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.texts("select[name=member_id] option").len(), 3, "an empty choice and two members");
    assert!(r.body.contains("value=\"village\"") && r.body.contains("name=\"dual_role\""));
    let r = app.get(&format!("/orgs/{}/team/new", f.town1.id), &c).await;
    assert!(
        !r.body.contains("value=\"village\"") && !r.body.contains("name=\"dual_role\""),
        "a township is not a village"
    );
    // No member chosen for the Party committee: 422, the input kept.
    let r = app
        .post_form(
            &new,
            &c,
            &[("committee", "party"), ("post", "secretary"), ("title", "书记兼组织委员"), ("started_on", "2021-05-01")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(invalid(&r), vec!["member_id"]);
    assert_eq!(r.attrs("input[name=title]", "value"), vec!["书记兼组织委员"]);
    assert_eq!(r.attrs("input[name=started_on]", "value"), vec!["2021-05-01"]);
    // A typed villagers' committee member with a bad birth date.
    let typed = [
        ("committee", "village"),
        ("name", "王村委"),
        ("gender", "female"),
        ("birth_date", "2020-01-01"),
        ("education", "high_school"),
        ("post", "member"),
        ("started_on", "2021-05-01"),
    ];
    let r = app.post_form(&new, &c, &typed).await;
    assert_eq!(r.status, 422);
    assert_eq!(invalid(&r), vec!["birth_date"]);
    assert_eq!(r.attrs("input[name=name]", "value"), vec!["王村委"]);
    let mut typed = typed.to_vec();
    typed[3].1 = "1985-03-04";
    assert_eq!(app.post_form(&new, &c, &typed).await.status, 303);
    // A secretary, 一肩挑: recorded as 主任 too.
    let aid = a.id.to_string();
    let form = [
        ("committee", "party"),
        ("member_id", aid.as_str()),
        ("post", "secretary"),
        ("dual_role", "1"),
        ("started_on", "2021-05-01"),
    ];
    let r = app.post_form(&new, &c, &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), Some(format!("/orgs/{}/team?done=team_appointed", f.b11.id).as_str()));
    let page = app.get(r.location().unwrap(), &c).await;
    assert!(page.body.contains("班子成员已任命"));
    assert_eq!(page.texts("#team-party tbody td:nth-child(2)"), vec!["张书记"]);
    assert!(page.texts("#team-party tbody td:first-child")[0].contains("一肩挑"));
    assert_eq!(page.texts("#team-village tbody td:nth-child(2)"), vec!["张书记", "王村委"]);
    // A second secretary: refused with the name of the one in office, then replaced in one step.
    let bid = b.id.to_string();
    let second =
        [("committee", "party"), ("member_id", bid.as_str()), ("post", "secretary"), ("started_on", "2024-05-01")];
    let r = app.post_form(&new, &c, &second).await;
    assert_eq!(r.status, 422);
    assert_eq!(invalid(&r), vec!["post"]);
    assert!(r.body.contains("本组织现任书记为张书记") && r.body.contains("name=\"replace_current\""), "{}", r.body);
    let mut replace = second.to_vec();
    replace.push(("replace_current", "1"));
    assert_eq!(app.post_form(&new, &c, &replace).await.status, 303);
    let page = app.get(&format!("/orgs/{}/team", f.b11.id), &c).await;
    assert_eq!(page.texts("#team-party tbody td:nth-child(2)"), vec!["李新任"]);
    assert_eq!(page.texts("#team-past tbody td:nth-child(3)"), vec!["张书记"]);
    // The organization page loads the section; the section alone is a fragment.
    let detail = app.get(&format!("/orgs/{}", f.b11.id), &c).await;
    assert_eq!(detail.attrs("#team-section", "hx-get"), vec![format!("/orgs/{}/team?part=current", f.b11.id)]);
    let part = app.get(&format!("/orgs/{}/team?part=current", f.b11.id), &c).await;
    assert!(
        !part.body.contains("<html") && part.body.contains("李新任") && part.body.contains("村民委员会"),
        "{}",
        part.body
    );
    // Ending a term: a date before the start is explained; then done.
    let t = team::team(&db, &Scope::cli(), &meta(), f.b11.id).await.unwrap();
    let sec = t.head(Committee::Party).unwrap().clone();
    let end = format!("/team/{}/end", sec.id);
    let r = app.post_form(&end, &c, &[("ended_on", "2024-04-30"), ("reason", "调离")]).await;
    assert_eq!(r.status, 422);
    assert_eq!(invalid(&r), vec!["ended_on"]);
    assert!(r.body.contains("离任日期不能早于任职日期"));
    assert_eq!(r.attrs("input[name=reason]", "value"), vec!["调离"]);
    let r = app.post_form(&end, &c, &[("ended_on", "2025-01-01"), ("reason", "调离")]).await;
    assert_eq!(r.status, 303);
    let page = app.get(&format!("/orgs/{}/team", f.b11.id), &c).await;
    assert!(page.texts("#secretary-vacant")[0].contains("2025-01-01"));
    // A second end conflicts with the state, on the form.
    let r = app.post_form(&end, &c, &[("ended_on", "2025-01-01"), ("reason", "调离")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("已于2025-01-01离任"));
    // Correcting the typed member's details.
    let v = t.current.iter().find(|t| t.name == "王村委").unwrap();
    let fix = [
        ("name", "王村委"),
        ("gender", "female"),
        ("birth_date", "1985-03-05"),
        ("education", "college"),
        ("post", "deputy_director"),
        ("title", ""),
        ("started_on", "2021-05-01"),
    ];
    let r = app.post_form(&format!("/team/{}/edit", v.id), &c, &fix).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let v = team::get(&db, &Scope::cli(), &meta(), v.id).await.unwrap();
    assert_eq!((v.post, v.birth_date.map(|d| d.to_string())), (Post::DeputyDirector, Some("1985-03-05".into())));
    // The history tells the story.
    let detail = app.get(&format!("/orgs/{}", f.b11.id), &c).await;
    let timeline = detail.texts(".timeline li").join(" ");
    for label in ["班子成员任职", "班子成员离任", "班子成员信息更正"] {
        assert!(timeline.contains(label), "{label}: {timeline}");
    }
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(structure_and_reminders_pages, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    jiceng_store::testing::user(&db, "county", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    let c = app.login("county").await;
    let mut n = 0;
    let a = member_in(&db, f.b11.id, &mut n, "赵一肩").await;
    let mut dual = as_member(&a, Post::Secretary);
    dual.dual_role = true;
    cli_appoint(&db, &f.b11, dual).await;
    let b = member_in(&db, f.b21.id, &mut n, "钱书记").await;
    cli_appoint(&db, &f.b21, as_member(&b, Post::Secretary)).await;
    let typed = TeamInput {
        committee: Committee::Village,
        person: Person::Typed {
            name: jiceng_types::person::PersonName::parse("孙主任").unwrap(),
            gender: jiceng_types::person::Gender::Male,
            birth_date: NaiveDate::from_ymd_opt(1990, 6, 1).unwrap(),
            education: jiceng_types::person::Education::HighSchool,
        },
        ..as_member(&b, Post::Director)
    };
    cli_appoint(&db, &f.b21, typed).await;
    let r = app.get(&format!("/orgs/{}/structure", f.county.id), &c).await;
    assert_eq!(r.status, 200);
    let villages = r.texts("#structure-table tbody td:first-child");
    assert_eq!(villages.len(), 2, "{}", r.body);
    assert!(villages[0].contains(&f.b11.name) && villages[1].contains(&f.b21.name));
    let total = r.texts("#structure-total th");
    assert_eq!(total[0], "合计（2个村）");
    assert_eq!(total[1], "3", "赵 counts once, 钱 and 孙");
    assert!(total.last().unwrap().contains("50.0%"), "{total:?}");
    // Reminders: most urgent first; ten on the home page with a link to all.
    let today = view_today();
    let set = |o: &Org, end: NaiveDate| format!("UPDATE org SET term_end = '{end}' WHERE id = {}", o.id);
    let months = |k: i32| {
        if k >= 0 {
            today.checked_add_months(chrono::Months::new(k as u32)).unwrap()
        } else {
            today.checked_sub_months(chrono::Months::new((-k) as u32)).unwrap()
        }
    };
    for (o, end) in [
        (&f.b11, months(2)),
        (&f.b12, months(-3)),
        (&f.g13, months(5)),
        (&f.town1, months(12)),
        (&f.town2, months(12)),
        (&f.county, months(12)),
        (&f.b21, months(12)),
    ] {
        db.raw().execute_unprepared(&set(o, end)).await.unwrap();
    }
    let r = app.get("/orgs/reminders", &c).await;
    assert_eq!(r.org_links("#reminder-table a"), {
        let mut v = vec![f.b11.id.0, f.b12.id.0, f.g13.id.0];
        v.sort_unstable();
        v
    });
    let texts = r.texts("#reminder-table tbody td:nth-child(4)");
    assert_eq!(texts.len(), 3);
    assert_eq!(texts[0], "已超期3个月");
    assert!(texts[1].starts_with("届满前3个月") && texts[2].starts_with("届满前6个月"), "{texts:?}");
    for i in 0..12 {
        let o = cli_org(&db, Some(f.town2.id), &format!("R{i:03}"), &format!("提醒测试党支部{i}"), "党支部").await;
        db.raw().execute_unprepared(&set(&o, months(1))).await.unwrap();
    }
    let home = app.get("/", &c).await;
    assert_eq!(home.texts("#term-reminders li").len(), 10);
    assert!(home.texts("#term-reminders li")[0].contains("已超期3个月"));
    assert_eq!(home.attrs("#term-reminders p a", "href"), vec!["/orgs/reminders"]);
    assert!(home.texts("#term-reminders p a")[0].contains("15"));
});

/// Today in China, as the pages compute it.
fn view_today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}
