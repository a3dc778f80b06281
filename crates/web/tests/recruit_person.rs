#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The page of one person in member development (发展党员) and the recording of steps, driven
//! through the real router on both databases: who may see the page (scope and rights, nothing
//! leaking), a person taken through the 25 steps with the forms (what the system knows is filled
//! in, an audit record after every write, the member registry following), refused steps that come
//! back with the input and the rule next to its field, deletion and withdrawal behind a reason,
//! and the county's parameters with the override switch.

mod common;

use chrono::{Days, NaiveDate};
use common::*;
use jiceng_store::Db;
use jiceng_store::recruit::{self, PersonDraft, PersonStatus};
use jiceng_types::date::today_china;
use jiceng_types::{OrgId, Role, Scope};

fn days_ago(n: u64) -> NaiveDate {
    today_china() - Days::new(n)
}

const FULL_MEMBERS: [&str; 3] = ["王芳", "李强", "张伟"];

/// A person registered in `org`, who applied on `applied`.
async fn person(db: &Db, org: OrgId, name: &str, id: &str, applied: NaiveDate) -> i64 {
    let draft = PersonDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "苗族".into(),
        id_card: id.into(),
        education: "大学本科".into(),
        phone: "13900002222".into(),
        work_post: "东街村村委会文书".into(),
        applied_on: applied.to_string(),
        ..Default::default()
    };
    let input = draft.parse(today_china()).unwrap();
    recruit::create(db, &Scope::cli(), &meta(), input).await.unwrap().person.id
}

async fn login_as(app: &TestApp, name: &str, role: Role, org: OrgId) -> String {
    jiceng_store::testing::user(&app.db, name, role, Some(org)).await.unwrap();
    app.login(name).await
}

/// The two-county fixture with three full members in b11, and the application.
async fn world(db: &Db) -> (Fixture, TestApp) {
    let f = fixture(db).await;
    for (i, n) in FULL_MEMBERS.iter().enumerate() {
        add_member(db, f.b11.id, n, i as u32 + 1).await;
    }
    (f, TestApp::new(db))
}

async fn step_count(db: &Db, id: i64) -> usize {
    recruit::get(db, &Scope::cli(), &meta(), id).await.unwrap().steps.len()
}

/// The field error shown next to `field`.
fn field_error(r: &Resp, field: &str) -> String {
    r.texts(&format!("#step-form small.field-error[data-field=\"{field}\"]")).join("")
}

/// The value of the input `name` of the step form.
fn value(r: &Resp, name: &str) -> String {
    r.attrs(&format!("#step-form [name=\"{name}\"]"), "value").into_iter().next().unwrap_or_default()
}

jiceng_store::dual_test!(the_page_shows_the_person_and_follows_the_scope, |db: Db| async move {
    let (f, app) = world(&db).await;
    let id = id_card("19950510", 5, false);
    // Applied 40 days ago: the talk (within a month) is overdue.
    let pid = person(&db, f.b11.id, "韦小红", &id, days_ago(40)).await;
    let sec = login_as(&app, "sec11", Role::BranchSecretary, f.b11.id).await;
    let path = format!("/recruits/{pid}");
    let r = app.get(&path, &sec).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.texts("h1").first().map(|t| t.starts_with("韦小红")), Some(true));
    assert_eq!(r.texts("#person-id-card"), vec![format!("{}********{}", &id[..6], &id[14..])]);
    assert!(!r.body.contains(&id), "the full ID number never reaches the page");
    assert_eq!(r.texts("#person-phone"), vec!["139****2222"]);
    // The next step in plain words, overdue.
    let next = r.texts("#next-message").join("");
    assert!(next.contains("第2步“党组织派人谈话”") && next.contains("已超期"), "{next}");
    assert!(r.texts("#next-left").join("").starts_with("已超期"), "{}", r.body);
    // The overdue talk is a violation, with the rule named.
    assert_eq!(r.attrs("#violations li", "data-rule"), vec!["dev.talk_within"]);
    assert!(r.texts("#violations li").join("").contains("未在规定时间内派人谈话"));
    // The timeline: 25 steps in 5 stages, step 1 done, step 2 next, the rest to come.
    assert_eq!(r.texts("#timeline h3").len(), 5);
    let states = r.attrs("#timeline li", "data-state");
    assert_eq!(states.len(), 25);
    assert_eq!(&states[..3], ["done", "next", "later"]);
    assert!(r.texts("#step-1").join("").contains(&days_ago(40).to_string()));
    // The form defaults to the next step, dated today; no override reason by default.
    let selected = r.attrs("#step-picker option[selected]", "value");
    assert_eq!(selected, vec!["application_talk"]);
    assert_eq!(value(&r, "step"), "application_talk");
    assert_eq!(value(&r, "held_on"), today_china().to_string());
    assert!(r.attrs("#step-form [name=\"override_reason\"]", "name").is_empty());
    // Another step's form (the select works without script as a GET).
    let r = app.get(&format!("{path}?step=mentor_assignment"), &sec).await;
    assert_eq!(value(&r, "step"), "mentor_assignment");
    assert_eq!(r.attrs("#step-form input[name=\"mentor_0_name\"]", "name").len(), 1);
    let mut names = r.attrs("#full-members option", "value");
    names.sort();
    let mut want: Vec<String> = FULL_MEMBERS.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(names, want, "the branch's full members are suggested");
    // Who may see it: the township above, the county, an auditor (without a form); not another
    // branch, township or county (404, nothing leaks), nor a 党员 or a 三员 (403).
    let town1 = login_as(&app, "town1", Role::TownshipAdmin, f.town1.id).await;
    let county = login_as(&app, "county", Role::CountyAdmin, f.county.id).await;
    let auditor = login_as(&app, "aud", Role::Auditor, f.county.id).await;
    for c in [&town1, &county] {
        let r = app.get(&path, c).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.attrs("#step-form", "id").len(), 1);
    }
    let r = app.get(&path, &auditor).await;
    assert_eq!(r.status, 200);
    assert!(r.attrs("#step-form", "id").is_empty(), "an auditor does not record");
    let denied_before = audit_all(&db).await.iter().filter(|a| a.action == "denied").count();
    let sec12 = login_as(&app, "sec12", Role::BranchSecretary, f.b12.id).await;
    let town2 = login_as(&app, "town2", Role::TownshipAdmin, f.town2.id).await;
    let other = login_as(&app, "other", Role::CountyAdmin, f.county_b.id).await;
    for c in [&sec12, &town2, &other] {
        for p in [path.clone(), format!("{path}/withdraw"), format!("{path}/steps/1/delete")] {
            let r = app.get(&p, c).await;
            assert_eq!(r.status, 404, "{p}");
            // The number in full or masked as the pages show it (its last four digits alone may
            // turn up by chance in a random token of the page).
            let masked = format!("{}********{}", &id[..6], &id[14..]);
            let leaks = r.body.contains("韦小红") || r.body.contains(id.as_str()) || r.body.contains(&masked);
            assert!(!leaks, "{p} leaks: {}", r.body);
        }
    }
    let denied = audit_all(&db).await.iter().filter(|a| a.action == "denied").count();
    assert!(denied >= denied_before + 3, "attempts outside the scope are recorded");
    let member = login_as(&app, "member11", Role::Member, f.b11.id).await;
    assert_eq!(app.get(&path, &member).await.status, 403);
    let sys = jiceng_store::testing::user(&db, "sysadmin", Role::SystemAdmin, None).await.unwrap();
    let sys = app.login(&sys.username).await;
    assert_eq!(app.get(&path, &sys).await.status, 403);
    assert_eq!(app.get(&format!("/recruits/{}", pid + 1000), &county).await.status, 404);
    assert_eq!(app.get("/recruits/abc", &county).await.status, 404);
    assert_chain_intact(&db).await;
});

/// Post the step form.
async fn post_step(app: &TestApp, auth: &str, pid: i64, fields: &[(&str, &str)]) -> Resp {
    app.post_form(&format!("/recruits/{pid}/steps"), auth, fields).await
}

/// Post a step that must be recorded; its audit record must follow.
async fn record(app: &TestApp, auth: &str, pid: i64, fields: &[(&str, &str)]) {
    let before = audit_head(&app.db).await;
    let steps = step_count(&app.db, pid).await;
    let r = post_step(app, auth, pid, fields).await;
    assert_eq!(r.status, 303, "{fields:?}: {}", r.body);
    assert_eq!(r.location(), Some(format!("/recruits/{pid}?done=step_recorded#timeline").as_str()));
    let d = recruit::get(&app.db, &Scope::cli(), &meta(), pid).await.unwrap();
    assert_eq!(d.steps.len(), steps + 1, "{fields:?}");
    let new = d.steps.iter().max_by_key(|s| s.id).unwrap();
    let rows = audit_since(&app.db, before).await;
    assert!(
        rows.iter().any(|a| a.action == "create"
            && a.object_type == "recruit_step"
            && a.object_id == Some(new.id.to_string())
            && a.org_path.is_some()),
        "{fields:?}: no audit record of step {}: {rows:?}",
        new.id
    );
}

jiceng_store::dual_test!(a_person_is_taken_through_the_steps_with_the_forms, |db: Db| async move {
    let (f, app) = world(&db).await;
    let pid =
        person(&db, f.b11.id, "蒙建军", &id_card("19950510", 9, true), NaiveDate::from_ymd_opt(2022, 3, 1).unwrap())
            .await;
    let sec = login_as(&app, "sec11", Role::BranchSecretary, f.b11.id).await;
    let s = sec.as_str();
    let page = |q: &str| {
        let app = &app;
        let q = q.to_string();
        async move { app.get(&format!("/recruits/{pid}{q}"), s).await }
    };
    record(&app, s, pid, &[("step", "application_talk"), ("held_on", "2022-03-15"), ("actor", "王芳")]).await;
    let r = page("").await;
    assert!(r.texts("#step-2 .step-record").join("").contains("王芳"), "the actor is shown");
    record(
        &app,
        s,
        pid,
        &[
            ("step", "activist_selection"),
            ("held_on", "2022-04-01"),
            ("publicity_from", "2022-03-24"),
            ("publicity_to", "2022-03-31"),
        ],
    )
    .await;
    record(
        &app,
        s,
        pid,
        &[
            ("step", "mentor_assignment"),
            ("held_on", "2022-04-01"),
            ("mentor_0_name", "王芳"),
            ("mentor_0_full", "1"),
            ("mentor_1_name", "李强"),
            ("mentor_1_full", "1"),
        ],
    )
    .await;
    assert!(page("").await.texts("#step-5").join("").contains("培养联系人：王芳、李强"));
    for (step, on) in
        [("activist_filing", "2022-04-05"), ("activist_review", "2022-10-01"), ("activist_review", "2023-04-01")]
    {
        record(&app, s, pid, &[("step", step), ("held_on", on)]).await;
    }
    assert_eq!(page("").await.texts("#step-6 .step-record").len(), 2, "a repeated step is listed each time");
    record(
        &app,
        s,
        pid,
        &[
            ("step", "candidate_selection"),
            ("held_on", "2023-04-01"),
            ("publicity_from", "2023-03-24"),
            ("publicity_to", "2023-03-31"),
        ],
    )
    .await;
    record(&app, s, pid, &[("step", "candidate_filing"), ("held_on", "2023-04-10")]).await;
    // The sponsors default to the mentors.
    let r = page("?step=sponsor_assignment").await;
    assert_eq!((value(&r, "sponsor_0_name"), value(&r, "sponsor_1_name")), ("王芳".into(), "李强".into()));
    assert_eq!(r.attrs("#step-form input[name=\"sponsor_0_full\"][checked]", "name").len(), 1);
    record(
        &app,
        s,
        pid,
        &[
            ("step", "sponsor_assignment"),
            ("held_on", "2023-04-10"),
            ("sponsor_0_name", "王芳"),
            ("sponsor_0_full", "1"),
            ("sponsor_1_name", "李强"),
            ("sponsor_1_full", "1"),
        ],
    )
    .await;
    record(
        &app,
        s,
        pid,
        &[("step", "political_review"), ("held_on", "2023-04-15"), ("concluded_on", "2023-05-20"), ("qualified", "1")],
    )
    .await;
    record(&app, s, pid, &[("step", "intensive_training"), ("held_on", "2023-05-10"), ("days", "3"), ("hours", "24")])
        .await;
    for (step, on) in
        [("committee_review", "2023-05-25"), ("pre_review", "2023-06-01"), ("admission_form", "2023-06-05")]
    {
        record(&app, s, pid, &[("step", step), ("held_on", on)]).await;
    }
    // The members entitled to vote default to the branch's full members.
    let r = page("?step=admission_meeting").await;
    assert_eq!(value(&r, "eligible"), "3");
    assert_eq!(r.attrs("#step-form input[name=\"one_by_one\"][checked]", "name").len(), 1);
    record(
        &app,
        s,
        pid,
        &[
            ("step", "admission_meeting"),
            ("held_on", "2023-06-20"),
            ("eligible", "3"),
            ("present", "3"),
            ("in_favour", "3"),
            ("one_by_one", "1"),
        ],
    )
    .await;
    record(&app, s, pid, &[("step", "approval_talk"), ("held_on", "2023-07-01"), ("by_committee_member", "1")]).await;
    record(
        &app,
        s,
        pid,
        &[
            ("step", "admission_approval"),
            ("held_on", "2023-07-20"),
            ("publicity_from", "2023-07-12"),
            ("publicity_to", "2023-07-19"),
        ],
    )
    .await;
    // Registered as a 预备党员, dated by the 支部大会; the page links the member record.
    let r = page("").await;
    assert_eq!(r.texts("#person-status"), vec!["预备党员"]);
    let link = r.texts("#member-link").join("");
    assert!(link.contains("预备党员") && link.contains("2023-06-20"), "{link}");
    let href = r.attrs("#member-link a", "href");
    assert_eq!(app.get(&href[0], s).await.status, 200);
    // The approval changed the registry: it cannot be deleted.
    assert!(r.attrs("#step-17 a", "href").is_empty(), "no delete link on an approval");
    for (step, on) in [
        ("admission_filing", "2023-07-25"),
        ("group_placement", "2023-07-25"),
        ("oath", "2023-08-01"),
        ("probation_review", "2023-12-20"),
        ("regularization_application", "2024-06-01"),
    ] {
        record(&app, s, pid, &[("step", step), ("held_on", on)]).await;
    }
    record(
        &app,
        s,
        pid,
        &[
            ("step", "regularization_meeting"),
            ("held_on", "2024-06-20"),
            ("eligible", "3"),
            ("present", "3"),
            ("in_favour", "3"),
            ("one_by_one", "1"),
            ("decision", "regularize"),
        ],
    )
    .await;
    // The 转正日期 defaults to the end of the probation: a year after the 支部大会.
    let r = page("?step=regularization_approval").await;
    assert_eq!(value(&r, "regularized_on"), "2024-06-20");
    record(
        &app,
        s,
        pid,
        &[
            ("step", "regularization_approval"),
            ("held_on", "2024-07-10"),
            ("regularized_on", "2024-06-20"),
            ("publicity_from", "2024-07-02"),
            ("publicity_to", "2024-07-09"),
        ],
    )
    .await;
    let r = page("").await;
    assert_eq!(r.texts("#person-status"), vec!["已转正"]);
    assert!(r.texts("#next-message").join("").contains("材料归档"));
    record(&app, s, pid, &[("step", "archiving"), ("held_on", "2024-08-01")]).await;
    let r = page("").await;
    assert!(r.attrs("#step-form", "id").is_empty(), "nothing left to record");
    assert!(r.texts("#next-message").join("").contains("材料已归档"));
    assert!(r.attrs("#violations li", "data-rule").is_empty(), "{:?}", r.texts("#violations li"));
    let states = r.attrs("#timeline li", "data-state");
    assert!(states.iter().all(|s| s == "done"), "{states:?}");
    // The archiving, the last step, may be deleted.
    let delete = r.attrs("#step-25 a", "href");
    assert_eq!(delete.len(), 1);
    let d = recruit::get(&db, &Scope::cli(), &meta(), pid).await.unwrap();
    assert_eq!(d.person.status, PersonStatus::Full);
    assert_eq!(d.member.unwrap().regularized_on, NaiveDate::from_ymd_opt(2024, 6, 20));
    // Deleted (entered too early, say): the archiving is due again and the form is back.
    assert_eq!(app.post_form(&delete[0], s, &[("reason", "归档日期录错")]).await.status, 303);
    let r = page("").await;
    assert_eq!(value(&r, "step"), "archiving");
    assert_eq!(r.attrs("#step-25", "data-state"), vec!["next"]);
    jiceng_store::org::check_rollups(&db).await.unwrap();
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(a_refused_step_comes_back_with_the_input_and_the_rule, |db: Db| async move {
    let (f, app) = world(&db).await;
    let pid =
        person(&db, f.b11.id, "杨光明", &id_card("19900101", 1, true), NaiveDate::from_ymd_opt(2024, 3, 1).unwrap())
            .await;
    let sec = login_as(&app, "sec11", Role::BranchSecretary, f.b11.id).await;
    let before = audit_head(&db).await;
    // The talk two months after the application: refused, the rule named next to the date.
    let r = post_step(
        &app,
        &sec,
        pid,
        &[("step", "application_talk"), ("held_on", "2024-05-01"), ("actor", "王芳"), ("note", "电话约谈")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let e = field_error(&r, "held_on");
    assert!(e.starts_with("未在规定时间内派人谈话") && e.contains("2024-04-01"), "{e}");
    assert_eq!((value(&r, "held_on"), value(&r, "actor")), ("2024-05-01".into(), "王芳".into()));
    assert_eq!(r.texts("#step-form textarea[name=\"note\"]"), vec!["电话约谈"]);
    assert_eq!(value(&r, "step"), "application_talk");
    assert_eq!(r.texts("#step-errors").len(), 1);
    // The rest of the page is still there.
    assert_eq!(r.attrs("#timeline li", "data-state").len(), 25);
    // A step out of order names the steps missing.
    let r = post_step(&app, &sec, pid, &[("step", "oath"), ("held_on", "2024-03-10")]).await;
    assert_eq!(r.status, 422);
    assert!(field_error(&r, "held_on").contains("发展步骤顺序错误"), "{}", r.body);
    // Form errors: names missing, a count that is not a number (kept as typed), a bad date.
    let r = post_step(&app, &sec, pid, &[("step", "mentor_assignment"), ("held_on", "2024-03-20")]).await;
    assert_eq!(r.status, 422);
    assert!(field_error(&r, "mentors").contains("培养联系人"));
    let r = post_step(&app, &sec, pid, &[("step", "intensive_training"), ("held_on", "2024-03-20"), ("days", "三天")])
        .await;
    assert_eq!(r.status, 422);
    assert!(field_error(&r, "days").contains("三天"));
    assert!(field_error(&r, "hours").contains("请填写"));
    assert_eq!(value(&r, "days"), "三天");
    let r = post_step(&app, &sec, pid, &[("step", "application_talk"), ("held_on", "2024-13-45")]).await;
    assert_eq!(r.status, 422);
    assert!(field_error(&r, "held_on").contains("不是有效日期"));
    // A vote that fails: the message is next to the count that fails it.
    let r = post_step(
        &app,
        &sec,
        pid,
        &[
            ("step", "admission_meeting"),
            ("held_on", "2024-03-20"),
            ("eligible", "10"),
            ("present", "4"),
            ("in_favour", "4"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(field_error(&r, "present").contains("到会人数未超过半数"), "{}", r.body);
    assert!(r.attrs("#step-form input[name=\"one_by_one\"][checked]", "name").is_empty(), "unticked stays unticked");
    // An unknown step, the application (recorded on registration).
    let r = post_step(&app, &sec, pid, &[("step", "nonsense"), ("held_on", "2024-03-20")]).await;
    assert_eq!(r.status, 422);
    assert!(r.texts("#step-errors").join("").contains("请选择要记录的发展步骤"));
    let r = post_step(&app, &sec, pid, &[("step", "application"), ("held_on", "2024-03-01")]).await;
    assert_eq!(r.status, 422);
    assert!(r.texts("#step-errors").join("").contains("递交入党申请书在登记入党申请人时已记录"));
    // Nothing was written.
    assert_eq!(step_count(&db, pid).await, 1);
    assert!(audit_since(&db, before).await.iter().all(|a| a.object_type != "recruit_step"));
    // Outside the scope or without the right: refused, nothing written.
    let talk = [("step", "application_talk"), ("held_on", "2024-03-15")];
    let sec12 = login_as(&app, "sec12", Role::BranchSecretary, f.b12.id).await;
    let r = post_step(&app, &sec12, pid, &talk).await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains("杨光明"));
    let auditor = login_as(&app, "aud", Role::Auditor, f.county.id).await;
    assert_eq!(post_step(&app, &auditor, pid, &talk).await.status, 403);
    assert_eq!(step_count(&db, pid).await, 1);
    // The township records for its branches.
    let town1 = login_as(&app, "town1", Role::TownshipAdmin, f.town1.id).await;
    record(&app, &town1, pid, &talk).await;
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(deleting_and_withdrawing_need_a_reason_and_are_audited, |db: Db| async move {
    let (f, app) = world(&db).await;
    let pid = person(&db, f.b11.id, "陈静", &id_card("19920909", 7, false), days_ago(20)).await;
    let sec = login_as(&app, "sec11", Role::BranchSecretary, f.b11.id).await;
    record(&app, &sec, pid, &[("step", "application_talk"), ("held_on", &days_ago(10).to_string())]).await;
    let d = recruit::get(&db, &Scope::cli(), &meta(), pid).await.unwrap();
    let (application, talk) = (d.steps[0].id, d.steps[1].id);
    // Only the last step has a delete link; the application never.
    let r = app.get(&format!("/recruits/{pid}"), &sec).await;
    assert_eq!(r.attrs("#timeline a[href$=\"/delete\"]", "href"), vec![format!("/recruits/{pid}/steps/{talk}/delete")]);
    let r = app.get(&format!("/recruits/{pid}/steps/{application}/delete"), &sec).await;
    assert_eq!(r.status, 200);
    assert!(r.texts("#delete-blocked").join("").contains("只能删除最后一个步骤"));
    assert!(r.attrs("form textarea[name=\"reason\"]", "name").is_empty());
    // The confirmation form; without a reason it comes back with the message next to the field.
    let del = format!("/recruits/{pid}/steps/{talk}/delete");
    let r = app.get(&del, &sec).await;
    assert_eq!(r.status, 200);
    assert!(r.texts("#step-to-delete").join("").contains("党组织派人谈话"));
    assert_eq!(r.attrs("button[data-confirm]", "data-confirm").len(), 1);
    let r = app.post_form(&del, &sec, &[("reason", "  ")]).await;
    assert_eq!(r.status, 422);
    assert!(r.texts("small.field-error[data-field=\"reason\"]").join("").contains("请填写删除的原因"), "{}", r.body);
    // Another branch cannot delete it.
    let sec12 = login_as(&app, "sec12", Role::BranchSecretary, f.b12.id).await;
    assert_eq!(app.post_form(&del, &sec12, &[("reason", "误录")]).await.status, 404);
    assert_eq!(step_count(&db, pid).await, 2);
    let before = audit_head(&db).await;
    let r = app.post_form(&del, &sec, &[("reason", "日期录错")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some(format!("/recruits/{pid}?done=step_deleted#timeline").as_str()));
    assert_eq!(step_count(&db, pid).await, 1);
    let rows = audit_since(&db, before).await;
    assert!(rows.iter().any(|a| a.action == "delete"
        && a.object_type == "recruit_step"
        && a.object_id == Some(talk.to_string())
        && a.changes.contains("日期录错")));
    let r = app.get(&format!("/recruits/{pid}?done=step_deleted"), &sec).await;
    assert_eq!(r.texts(".flash").len(), 1);
    // The application cannot be deleted even when it is the last step.
    let r = app.post_form(&format!("/recruits/{pid}/steps/{application}/delete"), &sec, &[("reason", "误录")]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("退出发展程序"), "{}", r.body);
    // Withdrawal: a confirmation form, a reason, an audit record; then nothing more is recorded.
    let wd = format!("/recruits/{pid}/withdraw");
    let r = app.get(&wd, &sec).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("陈静"));
    let r = app.post_form(&wd, &sec, &[("reason", "")]).await;
    assert_eq!(r.status, 422);
    assert!(!r.texts("small.field-error[data-field=\"reason\"]").is_empty());
    assert_eq!(app.post_form(&wd, &sec12, &[("reason", "迁居外省")]).await.status, 404);
    let auditor = login_as(&app, "aud", Role::Auditor, f.county.id).await;
    assert_eq!(app.post_form(&wd, &auditor, &[("reason", "迁居外省")]).await.status, 403);
    assert_eq!(app.get(&wd, &auditor).await.status, 403);
    let d = recruit::get(&db, &Scope::cli(), &meta(), pid).await.unwrap();
    assert_eq!(d.person.status, PersonStatus::InProgress);
    let before = audit_head(&db).await;
    let r = app.post_form(&wd, &sec, &[("reason", "迁居外省")]).await;
    assert_eq!(r.status, 303);
    let rows = audit_since(&db, before).await;
    assert!(rows.iter().any(|a| a.object_type == "recruit_person"
        && a.object_id == Some(pid.to_string())
        && a.changes.contains("迁居外省")));
    let r = app.get(&format!("/recruits/{pid}"), &sec).await;
    assert_eq!(r.texts("#person-status"), vec!["已退出发展程序"]);
    assert!(r.attrs("#step-form", "id").is_empty());
    assert!(r.texts("#next-message").join("").contains("已退出发展程序"));
    assert!(r.attrs("a[href$=\"/withdraw\"]", "href").is_empty());
    let r = post_step(&app, &sec, pid, &[("step", "application_talk"), ("held_on", &days_ago(1).to_string())]).await;
    assert_eq!(r.status, 409);
    assert!(r.texts("#step-errors").join("").contains("已退出发展程序"), "{}", r.body);
    assert_eq!(step_count(&db, pid).await, 1);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(the_county_sets_the_parameters_and_may_allow_overrides, |db: Db| async move {
    let (f, app) = world(&db).await;
    let pid =
        person(&db, f.b11.id, "吴建国", &id_card("19880808", 3, true), NaiveDate::from_ymd_opt(2024, 3, 1).unwrap())
            .await;
    let sec = login_as(&app, "sec11", Role::BranchSecretary, f.b11.id).await;
    let county = login_as(&app, "county", Role::CountyAdmin, f.county.id).await;
    // Linked from the rules of organizational life.
    let r = app.get("/settings/rules", &county).await;
    assert_eq!(r.attrs("#recruit-rules-link", "href"), vec!["/settings/recruit-rules"]);
    // Everyone who reads records sees the parameters; only the county changes them.
    let r = app.get("/settings/recruit-rules", &sec).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.texts("#recruit-params tbody tr").len(), jiceng_rules::recruit::PARAMS.len());
    assert!(!r.body.contains("保存参数"));
    assert_eq!(r.attrs("#recruit-params input[readonly]", "name").len(), jiceng_rules::recruit::PARAMS.len() - 1);
    let before = audit_head(&db).await;
    let allow = [("dev.override_allowed", "1")];
    assert_eq!(app.post_form("/settings/recruit-rules", &sec, &allow).await.status, 403);
    assert_eq!(
        recruit::params(&db, &Scope::cli_within(f.county.path.clone())).await.unwrap().get("dev.override_allowed"),
        0
    );
    assert!(audit_since(&db, before).await.iter().all(|a| a.action == "denied"));
    let r = app.get("/settings/recruit-rules", &county).await;
    let mut form: Vec<(String, String)> = jiceng_rules::recruit::PARAMS
        .iter()
        .filter(|d| d.key != "dev.override_allowed")
        .map(|d| (d.key.to_string(), d.default.to_string()))
        .collect();
    assert_eq!(r.attrs("#recruit-params input[type=\"checkbox\"]", "name"), vec!["dev.override_allowed"]);
    // A value out of range comes back next to its field, as typed.
    let mut bad = form.clone();
    bad.iter_mut().find(|(k, _)| k == "dev.min_age").unwrap().1 = "16".into();
    let r = app.post_form("/settings/recruit-rules", &county, &pairs(&bad)).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("16") && r.body.contains("申请入党最低年龄应在18至40周岁之间"), "{}", r.body);
    // Allow overrides.
    form.push(("dev.override_allowed".into(), "1".into()));
    let before = audit_head(&db).await;
    let r = app.post_form("/settings/recruit-rules", &county, &pairs(&form)).await;
    assert_eq!(r.status, 303);
    assert!(
        audit_since(&db, before)
            .await
            .iter()
            .any(|a| a.action == "setting_change" && a.object_id == Some(format!("recruit_rules:{}", f.county.id)))
    );
    let r = app.get("/settings/recruit-rules?done=saved", &county).await;
    assert_eq!(r.attrs("#recruit-params input[type=\"checkbox\"][checked]", "name"), vec!["dev.override_allowed"]);
    // The branch's form now asks for a reason; a late talk without one is refused, naming the
    // rule and asking for the reason.
    let r = app.get(&format!("/recruits/{pid}"), &sec).await;
    assert_eq!(r.attrs("#step-form textarea[name=\"override_reason\"]", "name").len(), 1);
    let late = [("step", "application_talk"), ("held_on", "2024-05-01")];
    let r = post_step(&app, &sec, pid, &late).await;
    assert_eq!(r.status, 422);
    assert!(field_error(&r, "held_on").contains("未在规定时间内派人谈话"));
    assert!(field_error(&r, "override_reason").contains("请填写理由"));
    let mut with_reason = late.to_vec();
    with_reason.push(("override_reason", "申请人外出务工，无法按期谈话"));
    record(&app, &sec, pid, &with_reason).await;
    let r = app.get(&format!("/recruits/{pid}"), &sec).await;
    let talk = r.texts("#step-2 .step-record").join("");
    assert!(talk.contains("越过规则办理") && talk.contains("申请人外出务工"), "{talk}");
    assert_eq!(r.attrs("#violations li", "data-rule"), vec!["dev.talk_within"], "still shown in the history");
    let rec = audit_all(&db).await.into_iter().rev().find(|a| a.object_type == "recruit_step").unwrap();
    assert!(rec.changes.contains("overridden") && rec.changes.contains("dev.talk_within"));
    // Switching it off again: the checkbox unticked.
    form.pop();
    assert_eq!(app.post_form("/settings/recruit-rules", &county, &pairs(&form)).await.status, 303);
    let r = app.get(&format!("/recruits/{pid}"), &sec).await;
    assert!(r.attrs("#step-form textarea[name=\"override_reason\"]", "name").is_empty());
    // A 三员 without the right to read records does not see the parameters.
    let sys = jiceng_store::testing::user(&db, "sysadmin", Role::SystemAdmin, None).await.unwrap();
    let sys = app.login(&sys.username).await;
    assert_eq!(app.get("/settings/recruit-rules", &sys).await.status, 403);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(the_full_numbers_are_shown_on_request_and_audited, |db: Db| async move {
    let (f, app) = world(&db).await;
    let id = id_card("19950510", 7, false);
    let pid = person(&db, f.b11.id, "韦小兰", &id, days_ago(10)).await;
    let path = format!("/recruits/{pid}/reveal");
    let sec = login_as(&app, "sec11", Role::BranchSecretary, f.b11.id).await;
    let r = app.get(&format!("/recruits/{pid}"), &sec).await;
    assert!(!r.body.contains(&id));
    assert_eq!(r.attrs("form[action$='/reveal'] input[name=field]", "value"), vec!["id_card", "phone"]);
    let before = audit_all(&db).await.len();
    let r = app.post_form(&path, &sec, &[("field", "id_card")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.texts("#revealed"), vec![id.clone()]);
    let r = app.post_form(&path, &sec, &[("field", "phone")]).await;
    assert_eq!(r.texts("#revealed"), vec!["13900002222"]);
    let reveals: Vec<_> = audit_all(&db).await.into_iter().filter(|a| a.action == "reveal").collect();
    assert_eq!(reveals.len(), 2, "each reveal is audited");
    assert_eq!(reveals[0].object_type, "recruit_person");
    assert_eq!(reveals[0].object_id.as_deref(), Some(pid.to_string().as_str()));
    assert!(audit_all(&db).await.len() >= before + 2);
    // An auditor sees numbers masked and cannot reveal them (refusal audited); another branch
    // does not find the person; nothing leaks.
    let auditor = login_as(&app, "aud", Role::Auditor, f.county.id).await;
    assert!(app.get(&format!("/recruits/{pid}"), &auditor).await.attrs("form[action$='/reveal']", "action").is_empty());
    let r = app.post_form(&path, &auditor, &[("field", "id_card")]).await;
    assert_eq!(r.status, 403);
    assert!(!r.body.contains(&id));
    let sec12 = login_as(&app, "sec12", Role::BranchSecretary, f.b12.id).await;
    let r = app.post_form(&path, &sec12, &[("field", "id_card")]).await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains(&id));
    let denied = audit_all(&db).await.into_iter().filter(|a| a.action == "denied").count();
    assert!(denied >= 2, "both refusals are recorded");
});
