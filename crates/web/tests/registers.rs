#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The registers of organizational life: the 第一议题 register (who keeps it, who sees it), Party
//! groups, training records with each member's yearly hours, and the 民主评议 grade sheet. Every
//! form is driven through the router with bad input (re-rendered with the input kept) and good
//! input (audited); every page against an organization outside the user's scope.

mod common;

use chrono::{Datelike, NaiveDate};
use common::*;
use jiceng_store::Db;
use jiceng_store::meeting::study::{self, StudyItemInput};
use jiceng_store::meeting::{self, appraisal, group, training};
use jiceng_store::member::{self, MemberDraft};
use jiceng_store::org::team::{self, Committee, Person, Post, TeamInput};
use jiceng_types::{AppraisalGrade, MemberId, OrgId, Role, Scope, StudyLevel};

fn id_card(seq: u32) -> String {
    let body = format!("52010219800101{:03}", seq * 2 + 1);
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

async fn member_in(db: &Db, org: OrgId, seq: u32, name: &str) -> member::Member {
    let d = MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "汉族".into(),
        id_card: id_card(seq),
        education: "大学专科".into(),
        category: "正式党员".into(),
        admitted_on: "2005-07-01".into(),
        regularized_on: "2006-07-01".into(),
        ..Default::default()
    };
    member::create(db, &Scope::cli(), &meta(), d.parse(today()).unwrap()).await.unwrap()
}

/// Sign in a fresh account of `role` at `org`.
async fn sign_in(app: &TestApp, name: &str, role: Role, org: OrgId) -> String {
    jiceng_store::testing::user(&app.db, name, role, Some(org)).await.unwrap();
    app.login(name).await
}

/// Today in China (what the pages and the store count in).
fn china_today() -> NaiveDate {
    jiceng_types::date::today_china()
}

fn invalid(r: &Resp) -> Vec<String> {
    r.attrs("[aria-invalid=true]", "name")
}

async fn audit_of(db: &Db, after: i64, object_type: &str) -> Vec<jiceng_store::audit::Record> {
    audit_since(db, after).await.into_iter().filter(|r| r.object_type == object_type).collect()
}

jiceng_store::dual_test!(study_register_is_kept_by_the_county_and_seen_below_it, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let county = sign_in(&app, "county_a", Role::CountyAdmin, f.county.id).await;
    let town = sign_in(&app, "town_a", Role::TownshipAdmin, f.town1.id).await;
    let other = sign_in(&app, "county_b", Role::CountyAdmin, f.county_b.id).await;
    let day = china_today().to_string();
    let year = china_today().year();

    // Only the county keeps the register.
    assert_eq!(app.get("/study-items/new", &county).await.status, 200);
    assert_eq!(app.get("/study-items/new", &town).await.status, 403);
    let r = app
        .post_form("/study-items/new", &town, &[("title", "越权"), ("published_on", &day), ("levels", "branch")])
        .await;
    assert_eq!(r.status, 403);

    // Bad input: re-rendered with the input and a message next to each field.
    let r = app
        .post_form(
            "/study-items/new",
            &county,
            &[("title", " "), ("source", "县委办公室"), ("published_on", "2999-01-01"), ("within_days", "0")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let mut bad = invalid(&r);
    bad.sort();
    bad.dedup();
    assert_eq!(bad, ["levels", "published_on", "title", "within_days"]);
    assert!(r.body.contains("请填写标题") && r.body.contains("请选择适用层级"), "{}", r.body);
    assert_eq!(r.attrs("input[name=source]", "value"), ["县委办公室"]);

    // Good input: stored, audited, shown.
    let title = "学习贯彻习近平总书记重要讲话精神";
    let head = audit_head(&db).await;
    let r = app
        .post_form(
            "/study-items/new",
            &county,
            &[
                ("title", title),
                ("source", "县委办公室"),
                ("published_on", &day),
                ("within_days", "30"),
                ("levels", "committee"),
                ("levels", "branch"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let loc = r.location().unwrap().to_string();
    let id: i64 = loc.trim_start_matches("/study-items/").split('?').next().unwrap().parse().unwrap();
    let created = audit_of(&db, head, "study_item").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].action, "create");
    assert_eq!(created[0].org_path.as_deref(), Some(f.county.path.as_str()));
    let item = study::get(&db, &Scope::cli(), id).await.unwrap();
    assert_eq!(item.levels, [StudyLevel::Committee, StudyLevel::Branch]);
    assert_eq!((item.org_id, item.within_days), (f.county.id, Some(30)));

    // The same title and date again is a field error.
    let r = app
        .post_form("/study-items/new", &county, &[("title", title), ("published_on", &day), ("levels", "branch")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("已登记过同一标题"), "{}", r.body);

    // A township user sees the county's items; another county's user does not.
    let list = app.get(&format!("/study-items?year={year}"), &town).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.texts("#study-table tbody td:first-child a"), [title]);
    assert!(list.attrs("a", "href").contains(&format!("/compliance/study/{id}")));
    assert!(!list.body.contains("登记学习内容"), "read-only for the township");
    assert_eq!(app.get(&format!("/study-items/{id}"), &town).await.status, 200);
    let list = app.get("/study-items?year=all", &other).await;
    assert_eq!(list.status, 200);
    assert!(list.texts("#study-table tbody td:first-child a").is_empty());
    assert_eq!(app.get(&format!("/study-items/{id}"), &other).await.status, 404);
    let town_scope =
        Scope::for_user(jiceng_types::UserId(0), "t", Role::TownshipAdmin, Some((f.town1.id, f.town1.path.clone())));
    assert_eq!(study::list(&db, &town_scope, None).await.unwrap().len(), 1);
    let b_scope = Scope::for_user(
        jiceng_types::UserId(0),
        "b",
        Role::CountyAdmin,
        Some((f.county_b.id, f.county_b.path.clone())),
    );
    assert!(study::list(&db, &b_scope, None).await.unwrap().is_empty());
    // What a branch should study now; a 党委 too; a 党总支 is not a level of this item.
    let for_b11 = study::list_for_org(&db, &town_scope, f.b11.id, china_today()).await.unwrap();
    assert_eq!(for_b11.iter().map(|i| i.id).collect::<Vec<_>>(), [id]);
    assert_eq!(study::list_for_org(&db, &town_scope, f.town1.id, china_today()).await.unwrap().len(), 1);
    assert!(study::list_for_org(&db, &town_scope, f.g13.id, china_today()).await.unwrap().is_empty());
    assert!(matches!(
        study::list_for_org(&db, &town_scope, f.b_other.id, china_today()).await,
        Err(jiceng_store::StoreError::NotFound)
    ));

    // Correcting: bad input kept, good input audited; others may not.
    let edit = format!("/study-items/{id}/edit");
    assert_eq!(app.get(&edit, &county).await.status, 200);
    assert_eq!(app.get(&edit, &town).await.status, 403);
    assert_eq!(app.get(&edit, &other).await.status, 404);
    let r = app
        .post_form(
            &edit,
            &county,
            &[("title", title), ("published_on", &day), ("within_days", "abc"), ("levels", "branch")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(invalid(&r), ["within_days"]);
    assert_eq!(r.attrs("input[name=within_days]", "value"), ["abc"]);
    let head = audit_head(&db).await;
    let fields = [("title", title), ("published_on", day.as_str()), ("within_days", "15"), ("levels", "branch")];
    assert_eq!(app.post_form(&edit, &other, &fields).await.status, 404);
    assert_eq!(app.post_form(&edit, &town, &fields).await.status, 403);
    let r = app.post_form(&edit, &county, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let updated = audit_of(&db, head, "study_item").await;
    // The township's refusal is recorded; another county's attempt finds nothing.
    assert_eq!(updated.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["denied", "update"]);
    assert!(updated[1].changes.contains("within_days"), "{}", updated[1].changes);
    assert_eq!(study::get(&db, &Scope::cli(), id).await.unwrap().within_days, Some(15));

    // Withdrawing needs a reason; afterwards the item is marked and no longer to be studied.
    let w = format!("/study-items/{id}/withdraw");
    let r = app.post_form(&w, &county, &[("reason", " ")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写撤回原因"));
    assert_eq!(app.post_form(&w, &other, &[("reason", "发错")]).await.status, 404);
    let head = audit_head(&db).await;
    assert_eq!(app.post_form(&w, &county, &[("reason", "内容有误")]).await.status, 303);
    let rows = audit_of(&db, head, "study_item").await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].changes.contains("内容有误"));
    let list = app.get(&format!("/study-items?year={year}"), &town).await;
    assert!(list.body.contains("已撤回"));
    assert!(study::list_for_org(&db, &town_scope, f.b11.id, china_today()).await.unwrap().is_empty());
    let r = app.post_form(&edit, &county, &fields).await;
    assert_eq!(r.status, 422, "a withdrawn item cannot be corrected");

    // An import: one transaction, exact duplicates skipped, one audit record per new item.
    let earlier = china_today() - chrono::Duration::days(3);
    let item = |t: &str| StudyItemInput {
        title: t.into(),
        source: None,
        published_on: earlier,
        levels: vec![StudyLevel::Branch],
        within_days: None,
        note: None,
    };
    let county_scope =
        Scope::for_user(jiceng_types::UserId(0), "c", Role::CountyAdmin, Some((f.county.id, f.county.path.clone())));
    let head = audit_head(&db).await;
    let n = study::import_items(&db, &county_scope, &meta(), vec![item("甲"), item("乙"), item("甲")]).await.unwrap();
    assert_eq!(n, 2);
    assert_eq!(study::import_items(&db, &county_scope, &meta(), vec![item("甲"), item("丙")]).await.unwrap(), 1);
    assert_eq!(audit_of(&db, head, "study_item").await.len(), 3);
    let bad = study::import_items(&db, &county_scope, &meta(), vec![item("丁"), item("")]).await;
    assert!(matches!(bad, Err(jiceng_store::StoreError::Invalid(ref e)) if e[0].field == "items.1.title"), "{bad:?}");
    assert_eq!(study::list(&db, &county_scope, None).await.unwrap().len(), 4, "nothing half-applied");
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(party_groups_are_set_up_filled_and_ended, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let sec = sign_in(&app, "sec_b11", Role::BranchSecretary, f.b11.id).await;
    let town = sign_in(&app, "town_a", Role::TownshipAdmin, f.town1.id).await;
    let neighbour = sign_in(&app, "sec_b12", Role::BranchSecretary, f.b12.id).await;
    let a = member_in(&db, f.b11.id, 1, "张一").await;
    let b = member_in(&db, f.b11.id, 2, "李二").await;
    let c = member_in(&db, f.b11.id, 3, "王三").await;
    let stranger = member_in(&db, f.b12.id, 4, "赵四").await;
    let base = format!("/orgs/{}/groups", f.b11.id);

    let r = app.get(&base, &sec).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.texts("#roster-table tbody td:first-child a").len(), 3);
    for foreign in [f.b12.id, f.b_other.id, f.town1.id] {
        assert_eq!(app.get(&format!("/orgs/{foreign}/groups"), &sec).await.status, 404, "{foreign}");
        let r = app.post_form(&format!("/orgs/{foreign}/groups"), &sec, &[("name", "越权小组")]).await;
        assert_eq!(r.status, 404);
    }

    // Bad input, then a leader from another branch.
    let r = app.post_form(&base, &sec, &[("name", " "), ("created_on", "2020-13-01")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let mut bad = invalid(&r);
    bad.sort();
    assert_eq!(bad, ["created_on", "name"], "every error together");
    assert_eq!(r.attrs("input[name=created_on]", "value"), ["2020-13-01"]);
    let r = app.post_form(&base, &sec, &[("name", " "), ("created_on", "2020-03-01")]).await;
    assert_eq!(invalid(&r), ["name"]);
    let sid = stranger.id.to_string();
    let r = app.post_form(&base, &sec, &[("name", "第一党小组"), ("leader", &sid), ("created_on", "2020-03-01")]).await;
    assert_eq!(r.status, 422);
    assert_eq!(invalid(&r), ["leader"]);
    assert_eq!(r.attrs("input[name=name]", "value"), ["第一党小组"]);
    // Only branches have groups.
    let r = app.post_form(&format!("/orgs/{}/groups", f.town1.id), &town, &[("name", "机关党小组")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("只有党支部可以设立党小组"));

    let head = audit_head(&db).await;
    let aid = a.id.to_string();
    let r = app.post_form(&base, &sec, &[("name", "第一党小组"), ("leader", &aid), ("created_on", "2020-03-01")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = app.post_form(&base, &sec, &[("name", "第一党小组"), ("created_on", "2020-03-01")]).await;
    assert_eq!(invalid(&r), ["name"], "the same name twice");
    let groups = group::list(&db, &Scope::cli(), f.b11.id).await.unwrap();
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!((g.leader_name.as_deref(), g.members), (Some("张一"), 1), "the leader joins");

    // Assigning: only the branch's active members; the ticked ones join.
    let assign = format!("/party-groups/{}/assign", g.id);
    let r = app.get(&assign, &sec).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.attrs("input[name=member][checked]", "value"), [aid.as_str()]);
    // Another branch's secretary finds no such group.
    assert_eq!(app.get(&assign, &neighbour).await.status, 404);
    assert_eq!(app.post_form(&assign, &neighbour, &[("member", &sid)]).await.status, 404);
    let neighbour_end = format!("/party-groups/{}/end", g.id);
    assert_eq!(app.post_form(&neighbour_end, &neighbour, &[("on", "2024-01-01")]).await.status, 404);
    let r = app.post_form(&assign, &sec, &[("member", &b.id.to_string()), ("member", &sid)]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不是本支部的在册党员"));
    assert_eq!(r.attrs("input[name=member][checked]", "value"), [b.id.to_string()], "the ticks are kept");
    let r = app.post_form(&assign, &sec, &[("member", &b.id.to_string()), ("member", &c.id.to_string())]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let roster = meeting::roster(&db, &Scope::cli(), f.b11.id).await.unwrap();
    assert!(roster.iter().all(|m| m.group_id == Some(g.id)));
    let page = app.get(&base, &sec).await;
    assert_eq!(page.texts("#group-table tbody tr td:nth-child(4)"), ["3"]);

    // Ending: not in the future; afterwards nobody is in the group.
    let end = format!("/party-groups/{}/end", g.id);
    let r = app.post_form(&end, &sec, &[("on", "2100-01-01")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("撤销日期不能晚于今天"));
    assert_eq!(app.post_form(&end, &sec, &[("on", &china_today().to_string())]).await.status, 303);
    let roster = meeting::roster(&db, &Scope::cli(), f.b11.id).await.unwrap();
    assert!(roster.iter().all(|m| m.group_id.is_none()));
    let r = app.post_form(&assign, &sec, &[("member", &aid)]).await;
    assert_eq!(r.status, 422, "an ended group takes nobody");

    let rows = audit_of(&db, head, "party_group").await;
    assert_eq!(rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["create", "update", "update"]);
    assert!(rows.iter().all(|r| r.org_path.as_deref() == Some(f.b11.path.as_str())));
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(training_records_and_yearly_hours, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let sec = sign_in(&app, "sec_b11", Role::BranchSecretary, f.b11.id).await;
    let other = sign_in(&app, "county_b", Role::CountyAdmin, f.county_b.id).await;
    let lead = member_in(&db, f.b11.id, 1, "张书记").await;
    let m2 = member_in(&db, f.b11.id, 2, "李二").await;
    let m3 = member_in(&db, f.b11.id, 3, "王三").await;
    let stranger = member_in(&db, f.b12.id, 4, "赵四").await;
    let started = NaiveDate::from_ymd_opt(2021, 5, 1).unwrap();
    let appoint = TeamInput {
        committee: Committee::Party,
        person: Person::Member(lead.id),
        post: Post::Secretary,
        title: None,
        dual_role: false,
        started_on: started,
        replace_current: false,
    };
    team::appoint(&db, &Scope::cli(), &meta(), f.b11.id, appoint).await.unwrap();
    let day = china_today().to_string();
    let year = china_today().year();

    // The form: the user's own branch, everyone ticked.
    let r = app.get("/training/new", &sec).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.attrs("input[name=member][checked]", "value").len(), 3);
    assert_eq!(app.get(&format!("/training/new?org={}", f.b12.id), &sec).await.status, 404);

    let org = f.b11.id.to_string();
    let (lid, id2) = (lead.id.to_string(), m2.id.to_string());
    let r = app
        .post_form(
            "/training/new",
            &sec,
            &[
                ("org", &org),
                ("course", " "),
                ("kind", "collective"),
                ("held_on", &day),
                ("hours", "4.3"),
                ("member", &lid),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let mut bad = invalid(&r);
    bad.sort();
    assert_eq!(bad, ["course", "hours"]);
    assert_eq!(r.attrs("input[name=hours]", "value"), ["4.3"]);
    assert_eq!(r.attrs("input[name=member][checked]", "value"), [lid.as_str()], "unticked stay unticked");
    let r = app
        .post_form(
            "/training/new",
            &sec,
            &[("org", &org), ("course", "党章学习"), ("kind", "collective"), ("held_on", &day), ("hours", "2")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请选择参加培训的党员"));
    let sid = stranger.id.to_string();
    let r = app
        .post_form(
            "/training/new",
            &sec,
            &[
                ("org", &org),
                ("course", "党章学习"),
                ("kind", "collective"),
                ("held_on", &day),
                ("hours", "2"),
                ("member", &sid),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "a member outside the scope");
    assert!(r.body.contains("不在您管辖范围内"));

    let head = audit_head(&db).await;
    let r = app
        .post_form(
            "/training/new",
            &sec,
            &[
                ("org", &org),
                ("course", "学习党的二十届三中全会精神"),
                ("kind", "collective"),
                ("held_on", &day),
                ("hours", "30"),
                ("member", &lid),
                ("member", &id2),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let first: i64 = r.location().unwrap().trim_start_matches("/training/").split('?').next().unwrap().parse().unwrap();
    let r = app
        .post_form(
            "/training/new",
            &sec,
            &[
                ("org", &org),
                ("course", "县委党校集中轮训"),
                ("kind", "centralized"),
                ("held_on", &day),
                ("hours", "2.5"),
                ("organizer", "县委组织部"),
                ("member", &id2),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(audit_of(&db, head, "training").await.len(), 2);

    // Hours: sums, the 集中培训 count, the leader flag; members without training listed at 0.
    let hours = training::member_hours(&db, &Scope::cli(), Some(f.town1.id), year).await.unwrap();
    let by = |id: MemberId| hours.iter().find(|h| h.member_id == id).unwrap();
    assert_eq!(hours.len(), 4, "every active member of the subtree");
    assert_eq!((by(lead.id).hours, by(lead.id).centralized, by(lead.id).leader), (30.0, 0, true));
    assert_eq!((by(m2.id).hours, by(m2.id).centralized, by(m2.id).leader), (32.5, 1, false));
    assert_eq!((by(m3.id).hours, by(m3.id).leader), (0.0, false));
    assert_eq!(by(stranger.id).hours, 0.0);
    let last_year = training::member_hours(&db, &Scope::cli(), Some(f.b11.id), year - 1).await.unwrap();
    assert!(last_year.iter().all(|h| h.hours == 0.0));
    // Before the term began, the secretary is not held to the higher minimum.
    let ended = training::member_hours(&db, &Scope::cli(), Some(f.b11.id), 2020).await.unwrap();
    assert!(ended.iter().all(|h| !h.leader), "not yet in office at the end of 2020");

    // The page marks those under the minimum (32; 56 for the secretary).
    let r = app.get(&format!("/training/hours?year={year}"), &sec).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.texts("#hours-table tbody tr").len(), 3);
    let mut short = r.texts("#hours-table tbody tr.short td:nth-child(2) a");
    short.sort();
    assert_eq!(short, ["张书记", "王三"]);
    let r = app.get(&format!("/training/hours?year={year}&show=short"), &sec).await;
    assert_eq!(r.texts("#hours-table tbody tr").len(), 2);
    assert_eq!(app.get(&format!("/training/hours?org={}", f.b12.id), &sec).await.status, 404);

    // Export: the table as a file, audited.
    let head = audit_head(&db).await;
    let r = app.get(&format!("/training/hours/export?year={year}&fmt=csv"), &sec).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-disposition").unwrap().contains("training-hours"));
    assert!(r.body.contains("张书记") && r.body.contains("32.5") && r.body.contains("未达标"), "{}", r.body);
    let rows = audit_of(&db, head, "training_hours").await;
    assert_eq!(rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["export"]);

    // The list and one record; another county sees neither.
    let r = app.get(&format!("/training?year={year}"), &sec).await;
    assert_eq!(r.texts("#training-table tbody tr").len(), 2);
    let r = app.get(&format!("/training?year={year}"), &other).await;
    assert!(r.texts("#training-table tbody tr").is_empty());
    assert_eq!(app.get(&format!("/training/{first}"), &sec).await.status, 200);
    assert_eq!(app.get(&format!("/training/{first}"), &other).await.status, 404);

    // Deleting: needs a reason, only in scope, audited; the hours go with it.
    let del = format!("/training/{first}/delete");
    assert_eq!(app.post_form(&del, &other, &[("reason", "误录")]).await.status, 404);
    let r = app.post_form(&del, &sec, &[("reason", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请填写删除原因"));
    let head = audit_head(&db).await;
    assert_eq!(app.post_form(&del, &sec, &[("reason", "误录")]).await.status, 303);
    let rows = audit_of(&db, head, "training").await;
    assert_eq!(rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(), ["delete"]);
    assert!(rows[0].changes.contains("误录"));
    let hours = training::member_hours(&db, &Scope::cli(), Some(f.b11.id), year).await.unwrap();
    assert_eq!(hours.iter().map(|h| h.hours).sum::<f64>(), 2.5);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(appraisal_sheet_grades_members_with_confirmation, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let sec = sign_in(&app, "sec_b11", Role::BranchSecretary, f.b11.id).await;
    let member_user = sign_in(&app, "member_b11", Role::Member, f.b11.id).await;
    let a = member_in(&db, f.b11.id, 1, "张一").await;
    let b = member_in(&db, f.b11.id, 2, "李二").await;
    let _c = member_in(&db, f.b11.id, 3, "王三").await;
    let stranger = member_in(&db, f.b12.id, 4, "赵四").await;
    let year = china_today().year();
    let y = year.to_string();
    let sheet = format!("/orgs/{}/appraisal", f.b11.id);

    let r = app.get(&format!("{sheet}?year={year}"), &sec).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.texts("#sheet-table tbody tr").len(), 3);
    assert_eq!(r.attrs("#sheet-table input[type=radio]", "value").len(), 12);
    assert_eq!(app.get(&format!("/orgs/{}/appraisal", f.b12.id), &sec).await.status, 404);
    assert_eq!(app.get(&format!("/orgs/{}/appraisal", f.b_other.id), &sec).await.status, 404);
    assert_eq!(app.get(&sheet, &member_user).await.status, 403);
    let ga = format!("g{}", a.id);
    let gb = format!("g{}", b.id);
    let r = app.post_form(&format!("/orgs/{}/appraisal", f.b12.id), &sec, &[("year", &y), (&ga, "qualified")]).await;
    assert_eq!(r.status, 404);

    // 优秀 needs the confirmation; the choices are kept.
    let r = app.post_form(&sheet, &sec, &[("year", &y), (&ga, "excellent"), (&gb, "qualified")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(invalid(&r), ["confirm"]);
    assert_eq!(r.attrs(&format!("input[name={ga}][checked]"), "value"), ["excellent"]);
    assert!(appraisal::sheet(&db, &Scope::cli(), f.b11.id, year).await.unwrap().iter().all(|r| r.grade.is_none()));
    // A member of another branch cannot be graded here.
    let gs = format!("g{}", stranger.id);
    let r = app.post_form(&sheet, &sec, &[("year", &y), (&gs, "qualified")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不是本组织的在册党员"));

    let head = audit_head(&db).await;
    let r =
        app.post_form(&sheet, &sec, &[("year", &y), ("confirm", "1"), (&ga, "excellent"), (&gb, "qualified")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let rows = audit_of(&db, head, "appraisal").await;
    assert_eq!(rows.len(), 2, "one record per grade");
    assert!(rows.iter().all(|r| r.action == "create" && r.org_path.as_deref() == Some(f.b11.path.as_str())));
    let stored = appraisal::sheet(&db, &Scope::cli(), f.b11.id, year).await.unwrap();
    let grade = |id: MemberId| stored.iter().find(|r| r.member_id == id).unwrap().grade;
    assert_eq!((grade(a.id), grade(b.id)), (Some(AppraisalGrade::Excellent), Some(AppraisalGrade::Qualified)));
    assert_eq!(appraisal::counts(&db, &Scope::cli(), Some(f.town1.id), year).await.unwrap(), [1, 1, 0, 0]);
    assert_eq!(appraisal::counts(&db, &Scope::cli(), Some(f.b12.id), year).await.unwrap(), [0, 0, 0, 0]);

    // Saving the same sheet again changes nothing and needs no confirmation; a re-grade is one record.
    let head = audit_head(&db).await;
    let r = app.post_form(&sheet, &sec, &[("year", &y), (&ga, "excellent"), (&gb, "qualified")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(audit_of(&db, head, "appraisal").await.is_empty());
    let r = app.post_form(&sheet, &sec, &[("year", &y), (&ga, "excellent"), (&gb, "basically_qualified")]).await;
    assert_eq!(r.status, 303);
    let rows = audit_of(&db, head, "appraisal").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, "update");
    assert!(rows[0].changes.contains("基本合格"), "{}", rows[0].changes);
    let page = app.get(&format!("{sheet}?year={year}"), &sec).await;
    assert_eq!(page.texts("#grade-counts strong"), ["1", "0", "1", "0"]);
    // A year in the future is refused.
    let r = app.post_form(&sheet, &sec, &[("year", &(year + 1).to_string()), (&gb, "qualified")]).await;
    assert_eq!(r.status, 422);
    assert_chain_intact(&db).await;
});
