#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Member development (发展党员) in the web UI, the list side: the pipeline of what is due for
//! each role and scope (counts per stage, filters, overdue first, export without personal
//! numbers), and registering a new applicant (the branch never asked of a branch user, gender and
//! birth date from the ID number, errors next to the fields with the input kept, a county
//! override with a reason, the audit records).

mod common;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use common::*;
use jiceng_rules::recruit::{Facts, Mentor, Publicity};
use jiceng_store::recruit::{self, PersonDraft, PipelineFilter, StepInput};
use jiceng_store::{Db, testing};
use jiceng_types::{OrgId, Role, Scope};

/// The same number with a wrong check character.
fn wrong_check(id: &str) -> String {
    let last = if id.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &id[..17])
}

fn days_ago(n: u64) -> NaiveDate {
    jiceng_types::date::today_china() - Days::new(n)
}

async fn add(db: &Db, org: OrgId, name: &str, id: &str, applied: NaiveDate) -> i64 {
    let draft = PersonDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "苗族".into(),
        id_card: id.into(),
        education: "高中".into(),
        phone: "13900002222".into(),
        applied_on: applied.to_string(),
        ..Default::default()
    };
    let input = draft.parse(jiceng_types::date::today_china()).unwrap();
    recruit::create(db, &Scope::cli(), &meta(), input).await.unwrap().person.id
}

fn step(on: NaiveDate, facts: Facts) -> StepInput {
    StepInput { held_on: on, facts, actor: None, note: None, override_reason: None }
}

async fn login_as(app: &TestApp, name: &str, role: Role, org: OrgId) -> String {
    testing::user(&app.db, name, role, Some(org)).await.unwrap();
    app.login(name).await
}

/// How many persons the pipeline holds, in every scope.
async fn persons(db: &Db) -> usize {
    recruit::pipeline(db, &Scope::cli(), &PipelineFilter::default()).await.unwrap().len()
}

/// The persons listed, in the order shown.
fn listed(r: &Resp) -> Vec<i64> {
    r.attrs("#recruit-table tbody tr", "data-person").iter().map(|p| p.parse().unwrap()).collect()
}

/// The count shown for a stage at the top of the list.
fn count(r: &Resp, stage: &str) -> String {
    r.texts(&format!("#stage-counts [data-stage='{stage}'] .n")).concat()
}

/// Four persons: in b11 an applicant whose talk is overdue, in b12 a fresh applicant, in b21 an
/// activist, and one in the other county.
struct People {
    late: i64,
    fresh: i64,
    activist: i64,
    foreign: i64,
}

async fn people(db: &Db, f: &Fixture) -> People {
    let late = add(db, f.b11.id, "赵一", &id_card("19910101", 1, true), days_ago(40)).await;
    let fresh = add(db, f.b12.id, "钱二", &id_card("19920202", 2, true), days_ago(5)).await;
    let activist = add(db, f.b21.id, "孙三", &id_card("19930303", 3, false), days_ago(400)).await;
    let on = days_ago(100);
    for input in [
        step(days_ago(390), Facts::ApplicationTalk),
        step(
            on,
            Facts::ActivistSelection { publicity: Some(Publicity { from: on - Days::new(7), to: on - Days::new(1) }) },
        ),
        step(on, Facts::MentorAssignment { mentors: vec![Mentor { name: "王芳".into(), full_member: true }] }),
        step(days_ago(95), Facts::ActivistFiling),
    ] {
        recruit::record_step(db, &Scope::cli(), &meta(), activist, input).await.unwrap();
    }
    let foreign = add(db, f.b_other.id, "周四", &id_card("19940404", 4, true), days_ago(10)).await;
    People { late, fresh, activist, foreign }
}

jiceng_store::dual_test!(the_pipeline_shows_what_is_due_within_the_scope, |db: Db| async move {
    let f = fixture(&db).await;
    let p = people(&db, &f).await;
    let app = TestApp::new(&db);
    let county = login_as(&app, "xian", Role::CountyAdmin, f.county.id).await;
    let town = login_as(&app, "zhen", Role::TownshipAdmin, f.town1.id).await;
    let branch = login_as(&app, "zhibu", Role::BranchSecretary, f.b11.id).await;
    let other = login_as(&app, "yixian", Role::CountyAdmin, f.county_b.id).await;
    let party_member = login_as(&app, "dangyuan", Role::Member, f.b11.id).await;

    // The county: everyone of its own, overdue first, counts per stage at the top.
    let r = app.get("/recruits", &county).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(listed(&r), vec![p.late, p.fresh, p.activist]);
    assert!(!r.body.contains("周四"), "another county's person leaks");
    assert_eq!(
        (count(&r, "applicant"), count(&r, "activist"), count(&r, "candidate")),
        ("2".into(), "1".into(), "0".into())
    );
    assert_eq!(r.texts("#overdue-count .n"), vec!["1"]);
    let row =
        |r: &Resp, id: i64, cell: &str| r.texts(&format!("tr[data-person='{id}'] td[data-label='{cell}']")).concat();
    assert!(row(&r, p.late, "期限").starts_with("已逾期"), "{}", row(&r, p.late, "期限"));
    assert_eq!(r.attrs(&format!("tr[data-person='{}'] td.due", p.late), "class"), vec!["due overdue"]);
    assert!(row(&r, p.fresh, "期限").starts_with("还有2"), "{}", row(&r, p.fresh, "期限"));
    assert!(row(&r, p.late, "下一环节").contains("第2步 党组织派人谈话"));
    assert!(row(&r, p.activist, "下一环节").contains("培养教育考察"));
    assert!(row(&r, p.activist, "最近环节").contains("上级党委备案"));
    assert_eq!(row(&r, p.activist, "阶段"), "入党积极分子");
    assert_eq!(row(&r, p.late, "所在党支部"), f.b11.name);
    assert_ne!(row(&r, p.late, "问题"), "—", "the overdue talk is a problem");
    assert_eq!(row(&r, p.fresh, "问题"), "—");
    assert!(r.attrs("#recruit-table a", "href").contains(&format!("/recruits/{}", p.late)));
    // The navigation has the entry, highlighted here.
    assert_eq!(r.attrs(".sidenav a[href='/recruits']", "aria-current"), vec!["page"]);
    // The filter offers the county, its townships and the branches with a person in the list
    // (not every organization of the county), in tree order.
    let options: Vec<String> = r.texts("select[name=org] option").iter().map(|t| t.trim().to_string()).collect();
    let names = [&f.county, &f.town1, &f.b11, &f.b12, &f.town2, &f.b21].map(|o| o.name.clone());
    assert_eq!(options[1..], names, "{options:?}");

    // Filters: stage, overdue, name, organization.
    let r = app.get("/recruits?stage=activist", &county).await;
    assert_eq!(listed(&r), vec![p.activist]);
    assert_eq!(count(&r, "applicant"), "2", "the counts ignore the stage filter");
    assert_eq!(listed(&app.get("/recruits?overdue=1", &county).await), vec![p.late]);
    // Due within 30 days: the fresh applicant's talk (within a month of the application), not
    // the overdue one, not the activist whose review is months away.
    assert_eq!(listed(&app.get("/recruits?soon=1", &county).await), vec![p.fresh]);
    // The filter still offers every branch with a person when the list is narrowed.
    let narrowed = app.get("/recruits?soon=1", &county).await;
    assert_eq!(narrowed.texts("select[name=org] option").len(), 7, "全部, the county, two townships, three branches");
    assert_eq!(r.texts("#soon-count .n"), vec!["1"]);
    assert_eq!(listed(&app.get(&format!("/recruits?q={}", enc("钱")), &county).await), vec![p.fresh]);
    let by_id = format!("/recruits?q={}", id_card("19930303", 3, false));
    assert_eq!(listed(&app.get(&by_id, &county).await), vec![p.activist]);
    assert_eq!(listed(&app.get(&format!("/recruits?org={}", f.town1.id), &county).await), vec![p.late, p.fresh]);
    assert_eq!(
        listed(&app.get(&format!("/recruits?org={}&stage=applicant&overdue=1", f.town1.id), &county).await),
        vec![p.late]
    );

    // A township sees its branches' persons only and may not name another township's branch.
    let r = app.get("/recruits", &town).await;
    assert_eq!(listed(&r), vec![p.late, p.fresh]);
    assert!(!r.body.contains("孙三"));
    let options = r.attrs("select[name=org] option", "value");
    assert!(options.contains(&f.b11.id.to_string()) && !options.contains(&f.b21.id.to_string()), "{options:?}");
    for path in [format!("/recruits?org={}", f.b21.id), format!("/recruits?org={}&format=csv", f.b21.id)] {
        let r = app.get(&path, &town).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("孙三") && !r.body.contains(&f.b21.name), "{path}");
    }
    assert_eq!(app.get("/recruits?org=abc", &town).await.status, 404);

    // A branch secretary: the own branch only, and no organization to choose.
    let r = app.get("/recruits", &branch).await;
    assert_eq!(listed(&r), vec![p.late]);
    assert!(r.texts("select[name=org]").is_empty());
    assert_eq!(app.get(&format!("/recruits?org={}", f.b12.id), &branch).await.status, 404);
    // Another county sees its own person only.
    assert_eq!(listed(&app.get("/recruits", &other).await), vec![p.foreign]);
    assert_eq!(app.get(&format!("/recruits?org={}", f.town1.id), &other).await.status, 404);

    // A 党员 has no right to the list: refused, recorded, and no navigation entry.
    let head = audit_head(&db).await;
    let r = app.get("/recruits", &party_member).await;
    assert_eq!(r.status, 403);
    assert!(!r.body.contains("赵一"));
    let denied = audit_since(&db, head).await;
    assert!(denied.iter().any(|x| x.action == "denied" && x.object_type == "recruit_person"), "{denied:?}");
    assert_eq!(app.get("/recruits?format=csv", &party_member).await.status, 403);
    let home = app.get("/", &party_member).await;
    assert!(home.attrs(".sidenav a[href='/recruits']", "href").is_empty());
    assert!(!home.body.contains("/areas/recruit"), "the placeholder is gone");
    assert_eq!(app.get("/", &branch).await.attrs(".sidenav a[href='/recruits']", "href").len(), 1);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(the_pipeline_exports_the_filtered_list_audited, |db: Db| async move {
    let f = fixture(&db).await;
    people(&db, &f).await;
    let app = TestApp::new(&db);
    let town = login_as(&app, "zhen", Role::TownshipAdmin, f.town1.id).await;
    let auditor = login_as(&app, "shenji", Role::Auditor, f.county.id).await;

    let head = audit_head(&db).await;
    let r = app.get("/recruits?format=csv", &town).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    assert!(r.header("content-disposition").unwrap().starts_with("attachment; filename=\"recruits-"));
    let lines: Vec<&str> = r.body.lines().collect();
    assert!(lines[0].contains("姓名") && lines[0].contains("下一环节") && lines[0].contains("期限"), "{}", lines[0]);
    assert_eq!(lines.len(), 3, "a header and the township's two persons: {}", r.body);
    assert!(lines[1].contains("赵一") && lines[1].contains("已逾期"), "overdue first: {}", r.body);
    assert!(lines[2].contains("钱二") && lines[2].contains(&f.b12.code));
    // No personal numbers, masked or not.
    assert!(!r.body.contains("520102") && !r.body.contains("139"), "{}", r.body);
    let rec = audit_since(&db, head).await;
    let export = rec.iter().find(|x| x.action == "export").expect("the export is audited");
    assert_eq!(export.object_type, "recruit_person");
    assert!(export.changes.contains("\"rows\":2"), "{}", export.changes);

    // The current filters apply; an ID number searched for is masked in the audit record.
    let id = id_card("19920202", 2, true);
    let head = audit_head(&db).await;
    let r = app.get(&format!("/recruits?q={id}&format=csv"), &town).await;
    assert_eq!(r.body.lines().count(), 2);
    assert!(r.body.contains("钱二"));
    let rec = audit_since(&db, head).await;
    assert!(!rec[0].changes.contains(&id) && rec[0].changes.contains("********"), "{}", rec[0].changes);
    let r = app.get("/recruits?stage=activist&format=csv", &auditor).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.lines().count(), 2, "{}", r.body);
    assert!(r.body.contains("孙三") && r.body.contains("入党积极分子"));
    let x = app.get("/recruits?format=xlsx", &auditor).await;
    assert!(x.header("content-type").unwrap().contains("spreadsheetml"));
    assert!(x.body.len() > 100);
    // The page links the export with its filters.
    let page = app.get(&format!("/recruits?org={}&stage=applicant", f.b11.id), &town).await;
    let links = page.attrs("a[download]", "href");
    assert!(
        links.contains(&format!("/recruits?org={}&overdue=&soon=&q=&stage=applicant&format=xlsx", f.b11.id)),
        "{links:?}"
    );
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(a_new_applicant_is_registered_from_the_form, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    let branch = login_as(&app, "zhibu", Role::BranchSecretary, f.b11.id).await;
    let today = jiceng_types::date::today_china().to_string();

    // A branch secretary is never asked for the branch; the date defaults to today.
    let r = app.get("/recruits/new", &branch).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.texts("#fixed-branch"), vec![f.b11.name.clone()]);
    assert!(r.texts("select[name=org_id]").is_empty());
    assert_eq!(r.attrs("input[name=applied_on]", "value"), vec![today.clone()]);
    assert!(r.texts("textarea[name=override_reason]").is_empty());
    assert!(r.texts("input[name=gender], input[name=birth_date]").is_empty(), "taken from the ID number");
    assert_eq!(r.attrs(".sidenav a[href='/recruits']", "aria-current"), vec!["page"]);

    // What the ID number says, while typing (nothing is saved).
    let id = id_card("19980315", 6, false);
    let preview = [("id_card", id.as_str()), ("applied_on", "2024-03-01"), ("preview", "1")];
    let r = app.post_form("/recruits/new", &branch, &preview).await;
    assert_eq!(r.status, 200);
    let derived = r.texts("#derived").concat();
    assert!(derived.contains("女") && derived.contains("1998-03-15") && derived.contains("25"), "{derived}");
    let bad_id = wrong_check(&id);
    let r = app.post_form("/recruits/new", &branch, &[("id_card", bad_id.as_str()), ("preview", "1")]).await;
    assert!(!r.texts("#derived .field-error").concat().is_empty(), "a wrong check digit is named");
    assert!(recruit::pipeline(&db, &Scope::cli(), &PipelineFilter::default()).await.unwrap().is_empty());

    // Errors are shown next to their fields, with the input kept; nothing is saved.
    let bad = [
        ("name", "韦小红"),
        ("id_card", bad_id.as_str()),
        ("ethnicity", "苗族"),
        ("education", ""),
        ("phone", "12345"),
        ("work_post", "东街村文书"),
        ("applied_on", "2099-01-01"),
    ];
    let head = audit_head(&db).await;
    let r = app.post_form("/recruits/new", &branch, &bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for field in ["id_card", "education", "phone", "applied_on"] {
        assert_eq!(r.attrs(&format!("[name={field}][aria-invalid=true]"), "name").len(), 1, "{field}: {}", r.body);
    }
    assert_eq!(r.texts(".field-error").len(), 4, "{:?}", r.texts(".field-error"));
    assert_eq!(r.attrs("input[name=name]", "value"), vec!["韦小红"]);
    assert_eq!(r.attrs("input[name=work_post]", "value"), vec!["东街村文书"]);
    assert_eq!(r.attrs("select[name=ethnicity] option[selected]", "value"), vec!["苗族"]);
    assert!(audit_since(&db, head).await.is_empty(), "nothing written");

    // A good form: registered in the user's branch whatever was posted, gender and birth date from
    // the ID number, redirected to the person, audited.
    let b12 = f.b12.id.to_string();
    let good = [
        ("org_id", b12.as_str()),
        ("name", "韦小红"),
        ("id_card", id.as_str()),
        ("ethnicity", "苗族"),
        ("education", "大学本科"),
        ("phone", "13912345678"),
        ("work_post", "东街村文书"),
        ("applied_on", "2024-03-01"),
        ("gender", "男"),
    ];
    let head = audit_head(&db).await;
    let r = app.post_form("/recruits/new", &branch, &good).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let loc = r.location().unwrap().to_string();
    let pid: i64 = loc.strip_prefix("/recruits/").unwrap().parse().unwrap();
    let person = recruit::get(&db, &Scope::cli(), &meta(), pid).await.unwrap().person;
    assert_eq!(person.org_id, f.b11.id);
    assert_eq!(person.birth_date.to_string(), "1998-03-15");
    assert_eq!(person.gender.label(), "女");
    assert_eq!(person.applied_on.to_string(), "2024-03-01");
    let rec = audit_since(&db, head).await;
    let kinds: Vec<(&str, &str)> = rec.iter().map(|x| (x.action.as_str(), x.object_type.as_str())).collect();
    assert_eq!(kinds, vec![("create", "recruit_person"), ("create", "recruit_step")]);
    assert_eq!(rec[0].object_id.as_deref(), Some(pid.to_string().as_str()));
    assert_eq!(rec[0].org_path.as_deref(), Some(f.b11.path.as_str()));
    assert!(!rec[0].changes.contains(&id), "the ID number is masked in the audit record");
    let r = app.get("/recruits", &branch).await;
    assert_eq!(listed(&r), vec![pid]);

    // The same ID number again is refused next to the field.
    let r = app.post_form("/recruits/new", &branch, &good).await;
    assert_eq!(r.status, 422);
    assert!(r.texts(".field-error").concat().contains("已在发展程序中"), "{}", r.body);
    assert_eq!(r.attrs("[name=id_card][aria-invalid=true]", "value"), vec![id.clone()]);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(townships_choose_a_branch_and_counties_may_override, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    let town = login_as(&app, "zhen", Role::TownshipAdmin, f.town1.id).await;
    let auditor = login_as(&app, "shenji", Role::Auditor, f.county.id).await;
    let party_member = login_as(&app, "dangyuan", Role::Member, f.b11.id).await;
    let other = login_as(&app, "yixian", Role::CountyAdmin, f.county_b.id).await;

    // A township chooses among its active branches (not the 党总支, not a dissolved branch).
    let r = app.get(&format!("/recruits/new?org={}", f.b12.id), &town).await;
    assert_eq!(r.status, 200);
    let mut offered = r.attrs("select[name=org_id] option", "value");
    offered.sort();
    let mut want = vec![String::new(), f.b11.id.to_string(), f.b12.id.to_string()];
    want.sort();
    assert_eq!(offered, want);
    assert_eq!(r.attrs("select[name=org_id] option[selected]", "value"), vec![f.b12.id.to_string()]);
    assert_eq!(r.attrs("select[name=org_id] optgroup", "label"), vec![f.town1.name.clone()]);

    let form = |org: &str, id: &str, applied: &str| -> Vec<(String, String)> {
        [
            ("org_id", org),
            ("name", "杨小明"),
            ("id_card", id),
            ("ethnicity", "汉族"),
            ("education", "高中"),
            ("applied_on", applied),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    // Another township's branch, or none: refused next to the select.
    let adult = id_card("19900101", 1, true);
    for org in [f.b21.id.to_string(), f.g13.id.to_string(), String::new(), "x".into()] {
        let r = app.post_form("/recruits/new", &town, &pairs(&form(&org, &adult, "2024-01-05"))).await;
        assert_eq!(r.status, 422, "{org}: {}", r.body);
        assert_eq!(r.attrs("select[name=org_id][aria-invalid=true]", "name").len(), 1, "{org}");
        assert_eq!(r.texts(".field-error").len(), 1, "{org}: {:?}", r.texts(".field-error"));
        assert_eq!(r.attrs("input[name=name]", "value"), vec!["杨小明"]);
    }
    assert!(
        !app.post_form("/recruits/new", &town, &pairs(&form(&f.b21.id.to_string(), &adult, "2024-01-05")))
            .await
            .body
            .contains(&f.b21.name)
    );
    assert_eq!(persons(&db).await, 0);
    // Another county's administrator, whose county has one branch, registers there whatever the
    // form names: never into this county.
    let r = app.post_form("/recruits/new", &other, &pairs(&form(&f.b11.id.to_string(), &adult, "2024-01-05"))).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let pid: i64 = r.location().unwrap().strip_prefix("/recruits/").unwrap().parse().unwrap();
    assert_eq!(recruit::get(&db, &Scope::cli(), &meta(), pid).await.unwrap().person.org_id, f.b_other.id);

    // Under 18 on the day of the application: the rule is named next to the date; no reason is
    // asked while the county does not allow overrides.
    let young = id_card("20100301", 2, true);
    let r = app.post_form("/recruits/new", &town, &pairs(&form(&f.b11.id.to_string(), &young, "2025-03-01"))).await;
    assert_eq!(r.status, 422);
    assert!(r.texts(".field-error").concat().contains("未满18周岁"), "{}", r.body);
    assert_eq!(r.attrs("[name=applied_on][aria-invalid=true]", "name").len(), 1);
    assert!(r.texts("textarea[name=override_reason]").is_empty());
    // The county allows overrides: the reason is asked for, then kept with the step and audited.
    let county_scope =
        Scope::for_user(jiceng_types::UserId(99), "cfg", Role::CountyAdmin, Some((f.county.id, f.county.path.clone())));
    let allow: BTreeMap<String, i64> = [("dev.override_allowed".to_string(), 1)].into();
    recruit::set_params(&db, &county_scope, &meta(), &allow).await.unwrap();
    let r = app.post_form("/recruits/new", &town, &pairs(&form(&f.b11.id.to_string(), &young, "2025-03-01"))).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.texts("textarea[name=override_reason]").len(), 1, "{}", r.body);
    assert!(r.texts(".field-error").concat().contains("请填写理由"), "{:?}", r.texts(".field-error"));
    let mut with_reason = form(&f.b11.id.to_string(), &young, "2025-03-01");
    with_reason.push(("override_reason".into(), "县委组织部批复同意".into()));
    let head = audit_head(&db).await;
    let r = app.post_form("/recruits/new", &town, &pairs(&with_reason)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let pid: i64 = r.location().unwrap().strip_prefix("/recruits/").unwrap().parse().unwrap();
    let detail = recruit::get(&db, &Scope::cli(), &meta(), pid).await.unwrap();
    assert_eq!(detail.steps[0].override_reason.as_deref(), Some("县委组织部批复同意"));
    let step = audit_since(&db, head).await.into_iter().find(|x| x.object_type == "recruit_step").unwrap();
    assert!(step.changes.contains("overridden") && step.changes.contains("dev.min_age"), "{}", step.changes);

    // Without the right to write: refused and recorded, nothing saved.
    for who in [&auditor, &party_member] {
        assert_eq!(app.get("/recruits/new", who).await.status, 403);
        let r = app.post_form("/recruits/new", who, &pairs(&form(&f.b11.id.to_string(), &adult, "2024-01-05"))).await;
        assert_eq!(r.status, 403);
    }
    assert_eq!(persons(&db).await, 2);
    // The auditor reads the list but is offered no registration.
    let r = app.get("/recruits", &auditor).await;
    assert_eq!(r.status, 200);
    assert!(r.texts("#new-recruit").is_empty());
    assert_eq!(app.get("/recruits", &town).await.texts("#new-recruit").len(), 1);
    assert_chain_intact(&db).await;
});
