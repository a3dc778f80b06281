#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Contract tests of the leadership teams (班子), on SQLite and PostgreSQL: appointments with the
//! member record's details, one secretary at a time, dates, 一肩挑, scope and rights with refusals
//! recorded, history and audit, the facts the quality checks read, term reminders at their
//! boundaries, and the 两委 structure numbers.

mod common;

use chrono::NaiveDate;
use common::*;
use jiceng_store::member::{self, MemberDraft};
use jiceng_store::org::team::{
    self, Committee, Person, Post, ReminderLevel, TeamDraft, TeamInput, TeamMember, TeamMemberId,
};
use jiceng_store::{Db, StoreError, audit, org};
use jiceng_types::person::{Education, Gender};
use jiceng_types::{OrgId, Role, Scope, UserId};
use sea_orm::ConnectionTrait;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn id_card(birth: &str, seq: u32, male: bool) -> String {
    let body = format!("520102{birth}{:03}", seq * 2 + u32::from(male));
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

/// A member of `org` born on `birth` (`19860101`) with the given education.
async fn person(db: &Db, org: OrgId, name: &str, birth: &str, seq: u32, education: &str) -> member::Member {
    let draft = MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "汉族".into(),
        id_card: id_card(birth, seq, true),
        education: education.into(),
        category: "正式党员".into(),
        admitted_on: "2015-07-01".into(),
        regularized_on: "2016-07-01".into(),
        ..Default::default()
    };
    member::create(db, &Scope::cli(), &meta(), draft.parse(today()).unwrap()).await.unwrap()
}

fn party(m: &member::Member, post: Post, started: &str) -> TeamInput {
    TeamInput {
        committee: Committee::Party,
        person: Person::Member(m.id),
        post,
        title: None,
        dual_role: false,
        started_on: d(started),
        replace_current: false,
    }
}

fn villager(name: &str, birth: &str, education: Education, post: Post) -> TeamInput {
    TeamInput {
        committee: Committee::Village,
        person: Person::Typed {
            name: jiceng_types::person::PersonName::parse(name).unwrap(),
            gender: Gender::Female,
            birth_date: d(birth),
            education,
        },
        post,
        title: None,
        dual_role: false,
        started_on: d("2021-05-01"),
        replace_current: false,
    }
}

async fn appoint(db: &Db, org: &Org, input: TeamInput) -> TeamMember {
    team::appoint(db, &Scope::cli(), &meta(), org.id, input).await.unwrap()
}

fn scope(role: Role, org: &Org) -> Scope {
    Scope::for_user(UserId(90), "actor", role, Some((org.id, org.path.clone())))
}

fn fields(e: StoreError) -> Vec<(String, &'static str)> {
    match e {
        StoreError::Invalid(errs) => errs.into_iter().map(|e| (e.field, e.code)).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

async fn team_rows(db: &Db) -> Vec<(i64, Option<NaiveDate>)> {
    let rows = db
        .raw()
        .query_all_raw(sea_orm::Statement::from_string(
            db.raw().get_database_backend(),
            "SELECT id, ended_on FROM org_team ORDER BY id",
        ))
        .await
        .unwrap();
    rows.iter().map(|r| (r.try_get::<i64>("", "id").unwrap(), r.try_get("", "ended_on").unwrap())).collect()
}

async fn audit_of(db: &Db) -> Vec<audit::Record> {
    let filter = audit::Filter { object_type: Some("org_team".into()), ..Default::default() };
    audit::list(db, &Scope::cli(), &filter, 100).await.unwrap()
}

jiceng_store::dual_test!(appointments_take_details_from_the_member_record, |db: Db| async move {
    let t = tree(&db).await;
    let m = person(&db, t.branch11.id, "张三", "19860101", 1, "大学本科").await;
    let sec = appoint(&db, &t.branch11, party(&m, Post::Secretary, "2021-05-01")).await;
    assert_eq!((sec.name.as_str(), sec.gender, sec.birth_date), ("张三", Some(Gender::Male), Some(d("1986-01-01"))));
    assert_eq!(sec.education, Some(Education::Bachelor));
    assert_eq!(sec.member_id, Some(m.id));
    // A correction of the member record shows on the team.
    let draft = MemberDraft {
        org_id: t.branch11.id.to_string(),
        name: "张叁".into(),
        ethnicity: "汉族".into(),
        id_card: id_card("19860101", 1, true),
        education: "研究生".into(),
        category: "正式党员".into(),
        admitted_on: "2015-07-01".into(),
        regularized_on: "2016-07-01".into(),
        ..Default::default()
    };
    member::update(&db, &Scope::cli(), &meta(), m.id, draft.parse(today()).unwrap()).await.unwrap();
    let tm = team::team(&db, &Scope::cli(), &meta(), t.branch11.id).await.unwrap();
    assert_eq!(tm.current.len(), 1);
    assert_eq!((tm.current[0].name.as_str(), tm.current[0].education), ("张叁", Some(Education::Postgraduate)));
    assert_eq!(tm.head(Committee::Party).map(|s| s.id), Some(sec.id));
    // History and audit, with the organization's path.
    let history = org::history(&db, &Scope::cli(), &meta(), t.branch11.id).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.label(), last.happened_on),
        ("team_appointed", "班子成员任职", d("2021-05-01"))
    );
    assert_eq!(last.detail["name"], "张三");
    let rows = audit_of(&db).await;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].action.as_str(), rows[0].org_path.as_deref()), ("create", Some(t.branch11.path.as_str())));
    assert!(rows[0].changes.contains("\"post\":{\"to\":\"secretary\"}"), "{}", rows[0].changes);
    // A draft with the party committee and no member is refused; the typed details are not asked.
    let typed = TeamDraft {
        committee: "party".into(),
        post: "委员".into(),
        started_on: "2021-05-01".into(),
        ..Default::default()
    };
    assert_eq!(typed.parse(today()).unwrap_err()[0].field, "member_id");
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
});

jiceng_store::dual_test!(one_secretary_at_a_time, |db: Db| async move {
    let t = tree(&db).await;
    let a = person(&db, t.branch11.id, "李一", "19700101", 1, "高中").await;
    let b = person(&db, t.branch11.id, "李二", "19800101", 2, "大学专科").await;
    let old = appoint(&db, &t.branch11, party(&a, Post::Secretary, "2019-05-01")).await;
    let before = team_rows(&db).await;
    let e = team::appoint(&db, &Scope::cli(), &meta(), t.branch11.id, party(&b, Post::Secretary, "2024-05-01")).await;
    assert_eq!(fields(e.unwrap_err()), vec![("post".into(), "head_in_office")]);
    assert_eq!(team_rows(&db).await, before, "nothing changed");
    // Replacing in one step: the old term ends on the new one's first day; not before it began.
    let early = TeamInput { replace_current: true, ..party(&b, Post::Secretary, "2018-05-01") };
    let e = team::appoint(&db, &Scope::cli(), &meta(), t.branch11.id, early).await.unwrap_err();
    assert_eq!(fields(e), vec![("started_on".into(), "before_current")]);
    let new = TeamInput { replace_current: true, ..party(&b, Post::Secretary, "2024-05-01") };
    let sec = team::appoint(&db, &Scope::cli(), &meta(), t.branch11.id, new).await.unwrap();
    let tm = team::team(&db, &Scope::cli(), &meta(), t.branch11.id).await.unwrap();
    assert_eq!(tm.head(Committee::Party).map(|s| s.id), Some(sec.id));
    assert_eq!(tm.past.len(), 1);
    assert_eq!((tm.past[0].id, tm.past[0].ended_on), (old.id, Some(d("2024-05-01"))));
    let kinds: Vec<String> = org::history(&db, &Scope::cli(), &meta(), t.branch11.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .filter(|k| k.starts_with("team_"))
        .collect();
    assert_eq!(kinds, vec!["team_appointed", "team_ended", "team_appointed"]);
    // The same person twice in one committee is refused; a deputy beside the secretary is not.
    let e = team::appoint(&db, &Scope::cli(), &meta(), t.branch11.id, party(&b, Post::CommitteeMember, "2024-06-01"))
        .await
        .unwrap_err();
    assert_eq!(fields(e), vec![("member_id".into(), "already_in_office")]);
    appoint(&db, &t.branch11, party(&a, Post::DeputySecretary, "2024-05-01")).await;
    let actions: Vec<String> = audit_of(&db).await.into_iter().rev().map(|r| r.action).collect();
    assert_eq!(actions, vec!["create", "update", "create", "create"]);
});

jiceng_store::dual_test!(dates_and_reasons_are_checked, |db: Db| async move {
    let t = tree(&db).await;
    let a = person(&db, t.branch11.id, "王一", "19700101", 1, "高中").await;
    let tomorrow = today().succ_opt().unwrap().succ_opt().unwrap();
    let future = TeamInput { started_on: tomorrow, ..party(&a, Post::Secretary, "2020-01-01") };
    let e = team::appoint(&db, &Scope::cli(), &meta(), t.branch11.id, future).await.unwrap_err();
    assert_eq!(fields(e), vec![("started_on".into(), "in_future")]);
    let draft = TeamDraft {
        committee: "party".into(),
        member_id: a.id.to_string(),
        post: "书记".into(),
        started_on: tomorrow.to_string(),
        ..Default::default()
    };
    assert_eq!(draft.parse(today()).unwrap_err()[0].code, "in_future");
    let sec = appoint(&db, &t.branch11, party(&a, Post::Secretary, "2020-01-01")).await;
    let end = |on: NaiveDate, reason: &'static str| {
        let db = db.clone();
        async move { team::end_term(&db, &Scope::cli(), &meta(), sec.id, on, reason).await }
    };
    assert_eq!(fields(end(d("2019-12-31"), "调离").await.unwrap_err()), vec![("ended_on".into(), "before_start")]);
    assert_eq!(fields(end(tomorrow, "调离").await.unwrap_err()), vec![("ended_on".into(), "in_future")]);
    assert_eq!(fields(end(d("2020-01-01"), "  ").await.unwrap_err()), vec![("reason".into(), "required")]);
    // Ending on the first day is allowed (ended_on ≥ started_on); a second end conflicts.
    let ended = end(d("2020-01-01"), "调离").await.unwrap();
    assert_eq!(ended.ended_on, Some(d("2020-01-01")));
    assert!(matches!(end(d("2020-02-01"), "调离").await, Err(StoreError::Conflict { code: "already_ended", .. })));
    let last = org::history(&db, &Scope::cli(), &meta(), t.branch11.id).await.unwrap().pop().unwrap();
    assert_eq!((last.kind.as_str(), last.detail["reason"].as_str()), ("team_ended", Some("调离")));
    let row = &audit_of(&db).await[0];
    assert_eq!(row.action, "update");
    assert!(row.changes.contains("调离") && row.changes.contains("2020-01-01"), "{}", row.changes);
});

jiceng_store::dual_test!(dual_role_only_for_a_village_secretary, |db: Db| async move {
    let t = tree(&db).await;
    let a = person(&db, t.branch11.id, "赵一", "19800101", 1, "大学专科").await;
    let b = person(&db, t.branch11.id, "赵二", "19850101", 2, "高中").await;
    // A township is not a village: no villagers' committee, no 一肩挑.
    assert!(!team::village_level(&db, &t.town1).await.unwrap());
    assert!(team::village_level(&db, &t.branch11).await.unwrap());
    let e = team::appoint(
        &db,
        &Scope::cli(),
        &meta(),
        t.town1.id,
        villager("钱一", "1980-01-01", Education::HighSchool, Post::Director),
    )
    .await
    .unwrap_err();
    assert_eq!(fields(e), vec![("committee".into(), "not_village")]);
    let dual = TeamInput { dual_role: true, ..party(&a, Post::Secretary, "2021-05-01") };
    let e = team::appoint(&db, &Scope::cli(), &meta(), t.town1.id, dual.clone()).await.unwrap_err();
    assert_eq!(fields(e), vec![("dual_role".into(), "not_village")]);
    let draft = TeamDraft {
        committee: "party".into(),
        member_id: a.id.to_string(),
        post: "副书记".into(),
        dual_role: "1".into(),
        started_on: "2021-05-01".into(),
        ..Default::default()
    };
    assert_eq!(draft.parse(today()).unwrap_err()[0].code, "not_secretary");
    // Another 主任 in office: refused, nothing written.
    let director = appoint(
        &db,
        &t.branch11,
        TeamInput {
            person: Person::Member(b.id),
            ..villager("赵二", "1985-01-01", Education::HighSchool, Post::Director)
        },
    )
    .await;
    let before = team_rows(&db).await;
    let e = team::appoint(&db, &Scope::cli(), &meta(), t.branch11.id, dual.clone()).await.unwrap_err();
    assert_eq!(fields(e), vec![("dual_role".into(), "director_differs")]);
    assert_eq!(team_rows(&db).await, before);
    // Without one, the 一肩挑 secretary is recorded as 主任 too, in the same step.
    team::end_term(&db, &Scope::cli(), &meta(), director.id, d("2021-05-01"), "换届离任").await.unwrap();
    let sec = team::appoint(&db, &Scope::cli(), &meta(), t.branch11.id, dual).await.unwrap();
    assert!(sec.dual_role);
    let tm = team::team(&db, &Scope::cli(), &meta(), t.branch11.id).await.unwrap();
    let head = tm.head(Committee::Village).unwrap();
    assert_eq!((head.member_id, head.started_on), (Some(a.id), d("2021-05-01")));
    assert_eq!(tm.current.len(), 2);
});

jiceng_store::dual_test!(members_come_from_the_organization_in_scope, |db: Db| async move {
    let t = tree(&db).await;
    let here = person(&db, t.branch11.id, "孙一", "19800101", 1, "高中").await;
    let there = person(&db, t.branch12.id, "孙二", "19800102", 2, "高中").await;
    let e = team::appoint(&db, &Scope::cli(), &meta(), t.branch11.id, party(&there, Post::Secretary, "2021-05-01"))
        .await
        .unwrap_err();
    assert_eq!(fields(e), vec![("member_id".into(), "member_elsewhere")]);
    // A township's committee draws on the members of its whole subtree.
    appoint(&db, &t.town1, party(&here, Post::Secretary, "2021-05-01")).await;
    // A member who left cannot take a post.
    let change = member::StatusChange::Leave { on: today(), reason: "死亡".into() };
    member::change_status(&db, &Scope::cli(), &meta(), there.id, change).await.unwrap();
    let e = team::appoint(&db, &Scope::cli(), &meta(), t.branch12.id, party(&there, Post::Secretary, "2021-05-01"))
        .await
        .unwrap_err();
    assert_eq!(fields(e), vec![("member_id".into(), "member_inactive")]);
    // A member outside the caller's scope is unknown to them.
    let town2 = scope(Role::TownshipAdmin, &t.town2);
    let other = person(&db, t.branch21.id, "孙三", "19800103", 3, "高中").await;
    let e = team::appoint(&db, &town2, &meta(), t.branch21.id, party(&here, Post::Secretary, "2021-05-01")).await;
    assert_eq!(fields(e.unwrap_err()), vec![("member_id".into(), "member_not_found")]);
    team::appoint(&db, &town2, &meta(), t.branch21.id, party(&other, Post::Secretary, "2021-05-01")).await.unwrap();
});

jiceng_store::dual_test!(teams_follow_scope_and_rights, |db: Db| async move {
    let t = tree(&db).await;
    let a = person(&db, t.branch11.id, "周一", "19800101", 1, "高中").await;
    let b = person(&db, t.branch11.id, "周二", "19810101", 2, "高中").await;
    let row = appoint(&db, &t.branch11, party(&a, Post::Secretary, "2021-05-01")).await;
    let denied = |db: Db| async move {
        audit::list(
            &db,
            &Scope::cli(),
            &audit::Filter { action: Some(audit::Action::Denied), ..Default::default() },
            50,
        )
        .await
        .unwrap()
        .len()
    };
    // A township administrator elsewhere: the team does not exist for them; the attempt is recorded.
    let town2 = scope(Role::TownshipAdmin, &t.town2);
    let n = denied(db.clone()).await;
    assert!(matches!(team::team(&db, &town2, &meta(), t.branch11.id).await, Err(StoreError::NotFound)));
    assert!(matches!(team::get(&db, &town2, &meta(), row.id).await, Err(StoreError::NotFound)));
    assert_eq!(denied(db.clone()).await, n + 2);
    let before = team_rows(&db).await;
    let outside = [
        team::appoint(&db, &town2, &meta(), t.branch11.id, party(&b, Post::CommitteeMember, "2021-05-01"))
            .await
            .map(|_| ()),
        team::end_term(&db, &town2, &meta(), row.id, today(), "调离").await.map(|_| ()),
        team::edit(&db, &town2, &meta(), row.id, party(&a, Post::Secretary, "2021-05-02")).await.map(|_| ()),
    ];
    for r in outside {
        assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    }
    assert_eq!(team::structure(&db, &town2, &meta(), t.town1.id, today()).await.unwrap_err().code(), "not_found");
    // Read-only and branch roles: refused with 403, recorded, nothing changed.
    let n = denied(db.clone()).await;
    let branch_at_town = scope(Role::BranchSecretary, &t.town1);
    for s in [scope(Role::Auditor, &t.county), scope(Role::Member, &t.branch11), branch_at_town.clone()] {
        let r = team::appoint(&db, &s, &meta(), t.branch11.id, party(&b, Post::CommitteeMember, "2021-05-01")).await;
        assert!(matches!(r, Err(StoreError::Forbidden { code: "no_team_write_right", .. })), "{:?}: {r:?}", s.role());
        let r = team::end_term(&db, &s, &meta(), row.id, today(), "调离").await;
        assert!(matches!(r, Err(StoreError::Forbidden { .. })), "{:?}", s.role());
    }
    assert_eq!(denied(db.clone()).await, n + 6);
    assert_eq!(team_rows(&db).await, before);
    // The auditor reads; the 党员 does not (the team holds personal data).
    assert_eq!(
        team::team(&db, &scope(Role::Auditor, &t.county), &meta(), t.branch11.id).await.unwrap().current.len(),
        1
    );
    assert!(matches!(
        team::team(&db, &scope(Role::Member, &t.branch11), &meta(), t.branch11.id).await,
        Err(StoreError::Forbidden { .. })
    ));
    // A branch secretary keeps the team of their own organization; a township administrator
    // that of every organization in the township, its own included.
    let own = scope(Role::BranchSecretary, &t.branch11);
    team::appoint(&db, &own, &meta(), t.branch11.id, party(&b, Post::CommitteeMember, "2021-05-01")).await.unwrap();
    let town1 = scope(Role::TownshipAdmin, &t.town1);
    team::end_term(&db, &town1, &meta(), row.id, today(), "调离").await.unwrap();
    team::appoint(&db, &town1, &meta(), t.town1.id, party(&a, Post::Secretary, "2021-05-01")).await.unwrap();
    let rows = audit_of(&db).await;
    let by_branch = rows.iter().find(|r| r.username == "actor" && r.action == "create").unwrap();
    assert_eq!(by_branch.org_path.as_deref(), Some(t.town1.path.as_str()), "newest first: the township's own");
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
});

jiceng_store::dual_test!(edits_correct_a_row_and_keep_the_person, |db: Db| async move {
    let t = tree(&db).await;
    let a = person(&db, t.branch11.id, "吴一", "19800101", 1, "高中").await;
    let b = person(&db, t.branch11.id, "吴二", "19810101", 2, "高中").await;
    let row = appoint(&db, &t.branch11, party(&a, Post::CommitteeMember, "2021-05-01")).await;
    let titled = TeamInput { title: Some("组织委员".into()), ..party(&a, Post::CommitteeMember, "2021-06-01") };
    let after = team::edit(&db, &Scope::cli(), &meta(), row.id, titled.clone()).await.unwrap();
    assert_eq!((after.post_label().as_str(), after.started_on), ("委员（组织委员）", d("2021-06-01")));
    let rows = audit_of(&db).await;
    assert_eq!(rows[0].action, "update");
    assert!(rows[0].changes.contains("组织委员") && !rows[0].changes.contains("\"name\""), "{}", rows[0].changes);
    // The same input again changes nothing and records nothing.
    team::edit(&db, &Scope::cli(), &meta(), row.id, titled).await.unwrap();
    assert_eq!(audit_of(&db).await.len(), rows.len());
    // Another person is a new appointment, not a correction.
    let e = team::edit(&db, &Scope::cli(), &meta(), row.id, party(&b, Post::CommitteeMember, "2021-05-01")).await;
    assert_eq!(fields(e.unwrap_err()), vec![("member_id".into(), "person_fixed")]);
    // Promoting to secretary is refused while another secretary is in office.
    appoint(&db, &t.branch11, party(&b, Post::Secretary, "2021-05-01")).await;
    let e = team::edit(&db, &Scope::cli(), &meta(), row.id, party(&a, Post::Secretary, "2021-05-01")).await;
    assert_eq!(fields(e.unwrap_err()), vec![("post".into(), "head_in_office")]);
    // Someone without a member record: the typed details can be corrected.
    let v =
        appoint(&db, &t.branch11, villager("郑一", "1980-01-01", Education::HighSchool, Post::CommitteeMember)).await;
    let fixed = villager("郑壹", "1980-02-01", Education::College, Post::CommitteeMember);
    let v2 = team::edit(&db, &Scope::cli(), &meta(), v.id, fixed).await.unwrap();
    assert_eq!(
        (v2.name.as_str(), v2.birth_date, v2.education),
        ("郑壹", Some(d("1980-02-01")), Some(Education::College))
    );
    let last = org::history(&db, &Scope::cli(), &meta(), t.branch11.id).await.unwrap().pop().unwrap();
    assert_eq!(last.kind, "team_updated");
    assert!(matches!(team::get(&db, &Scope::cli(), &meta(), TeamMemberId(9999)).await, Err(StoreError::NotFound)));
});

jiceng_store::dual_test!(team_facts_report_size_and_vacancy, |db: Db| async move {
    let t = tree(&db).await;
    let a = person(&db, t.branch11.id, "冯一", "19800101", 1, "高中").await;
    let b = person(&db, t.branch11.id, "冯二", "19810101", 2, "高中").await;
    let c = person(&db, t.branch12.id, "冯三", "19820101", 3, "高中").await;
    appoint(&db, &t.branch11, party(&a, Post::Secretary, "2021-05-01")).await;
    appoint(&db, &t.branch11, party(&b, Post::CommitteeMember, "2021-05-01")).await;
    appoint(&db, &t.branch11, villager("冯四", "1970-01-01", Education::HighSchool, Post::Director)).await;
    let gone = appoint(&db, &t.branch12, party(&c, Post::Secretary, "2018-05-01")).await;
    team::end_term(&db, &Scope::cli(), &meta(), gone.id, d("2024-03-01"), "辞职").await.unwrap();
    let facts = team::team_facts(&db, &Scope::cli()).await.unwrap();
    let f11 = facts[&t.branch11.id];
    assert_eq!((f11.committee_size, f11.has_secretary, f11.secretary_vacant_since), (2, true, None));
    let f12 = facts[&t.branch12.id];
    assert_eq!((f12.committee_size, f12.has_secretary, f12.secretary_vacant_since), (0, false, Some(d("2024-03-01"))));
    assert!(!facts.contains_key(&t.branch21.id), "never had a team");
    let tm = team::team(&db, &Scope::cli(), &meta(), t.branch12.id).await.unwrap();
    assert_eq!(tm.secretary_vacant_since(), Some(d("2024-03-01")));
    // Scoped: only the township's own organizations.
    let town2 = team::team_facts(&db, &scope(Role::TownshipAdmin, &t.town2)).await.unwrap();
    assert!(town2.is_empty());
    assert!(team::team_facts(&db, &scope(Role::SecurityAdmin, &t.county)).await.is_err());
});

async fn set_term_end(db: &Db, org: &Org, end: NaiveDate) {
    let q = format!("UPDATE org SET term_end = '{end}' WHERE id = {}", org.id);
    db.raw().execute_unprepared(&q).await.unwrap();
}

jiceng_store::dual_test!(term_reminders_at_their_boundaries, |db: Db| async move {
    let t = tree(&db).await;
    let today = d("2026-03-15");
    set_term_end(&db, &t.branch11, d("2026-09-15")).await; // exactly 6 months ahead
    set_term_end(&db, &t.branch12, d("2026-09-16")).await; // 6 months and a day: not yet
    set_term_end(&db, &t.branch21, today).await; // ends today
    set_term_end(&db, &t.town2, d("2026-03-14")).await; // ended yesterday
    set_term_end(&db, &t.town1, d("2026-02-15")).await; // a month ago
    set_term_end(&db, &t.county, d("2026-06-15")).await; // 3 months ahead
    set_term_end(&db, &t.other_county, d("2030-01-01")).await;
    set_term_end(&db, &t.other_branch, d("2030-01-01")).await;
    let all = team::term_reminders(&db, &Scope::cli(), today).await.unwrap();
    let seen: Vec<(OrgId, ReminderLevel, u32, String)> =
        all.iter().map(|r| (r.org_id, r.level, r.months_overdue, r.text())).collect();
    assert_eq!(
        seen,
        vec![
            (t.town1.id, ReminderLevel::Overdue, 1, "已超期1个月".to_string()),
            (t.town2.id, ReminderLevel::Overdue, 0, "已届满，超期不足1个月".to_string()),
            (t.branch21.id, ReminderLevel::Due3, 0, "今日届满".to_string()),
            (t.county.id, ReminderLevel::Due3, 0, "届满前3个月（还有92天）".to_string()),
            (t.branch11.id, ReminderLevel::Due6, 0, "届满前6个月（还有184天）".to_string()),
        ],
        "most urgent first"
    );
    // The day after: branch12 enters the 6-month window.
    let next = team::term_reminders(&db, &Scope::cli(), d("2026-03-16")).await.unwrap();
    assert!(next.iter().any(|r| r.org_id == t.branch12.id && r.level == ReminderLevel::Due6));
    // Scoped; dissolved organizations are not reminded.
    let town2 = team::term_reminders(&db, &scope(Role::TownshipAdmin, &t.town2), today).await.unwrap();
    assert_eq!(town2.iter().map(|r| r.org_id).collect::<Vec<_>>(), vec![t.town2.id, t.branch21.id]);
    org::dissolve(&db, &Scope::cli(), &meta(), t.branch21.id, d("2026-01-01"), "村庄合并").await.unwrap();
    let town2 = team::term_reminders(&db, &scope(Role::TownshipAdmin, &t.town2), today).await.unwrap();
    assert_eq!(town2.iter().map(|r| r.org_id).collect::<Vec<_>>(), vec![t.town2.id]);
});

jiceng_store::dual_test!(structure_counts_the_village_committees, |db: Db| async move {
    let t = tree(&db).await;
    let on = d("2026-06-01");
    // branch11: 一肩挑 secretary (40, 本科), a committee member (30, 高中), two typed villagers'
    // committee members (58, 初中; 35, 大专), one who left (not counted).
    let sec = person(&db, t.branch11.id, "甲某", "19860101", 1, "大学本科").await;
    let young = person(&db, t.branch11.id, "乙某", "19960101", 2, "高中").await;
    let dual = TeamInput { dual_role: true, ..party(&sec, Post::Secretary, "2021-05-01") };
    appoint(&db, &t.branch11, dual).await;
    appoint(&db, &t.branch11, party(&young, Post::CommitteeMember, "2021-05-01")).await;
    appoint(&db, &t.branch11, villager("丙某", "1968-01-01", Education::MiddleSchool, Post::CommitteeMember)).await;
    appoint(&db, &t.branch11, villager("丁某", "1991-01-01", Education::College, Post::DeputyDirector)).await;
    let gone =
        appoint(&db, &t.branch11, villager("戊某", "1950-01-01", Education::Primary, Post::CommitteeMember)).await;
    team::end_term(&db, &Scope::cli(), &meta(), gone.id, d("2024-01-01"), "换届离任").await.unwrap();
    // branch12: secretary (50, 大专), a separate 主任 (45, 高中).
    let s12 = person(&db, t.branch12.id, "己某", "19760101", 3, "大学专科").await;
    appoint(&db, &t.branch12, party(&s12, Post::Secretary, "2021-05-01")).await;
    appoint(&db, &t.branch12, villager("庚某", "1981-01-01", Education::HighSchool, Post::Director)).await;
    // The township's own committee and town2's villages are not part of town1's 两委.
    appoint(&db, &t.town1, party(&sec, Post::CommitteeMember, "2021-05-01")).await;
    let s21 = person(&db, t.branch21.id, "辛某", "19900101", 4, "高中").await;
    appoint(&db, &t.branch21, TeamInput { dual_role: true, ..party(&s21, Post::Secretary, "2021-05-01") }).await;

    let s = team::structure(&db, &Scope::cli(), &meta(), t.town1.id, on).await.unwrap();
    assert_eq!(s.rows.iter().map(|r| r.org_id.unwrap()).collect::<Vec<_>>(), vec![t.branch11.id, t.branch12.id]);
    let r11 = &s.rows[0];
    assert_eq!((r11.people, r11.party, r11.village), (4, 2, 3), "the 一肩挑 secretary counts once");
    assert_eq!(r11.age_bands, [2, 1, 0, 1]);
    assert_eq!((r11.college, r11.below_college, r11.dual_role), (2, 2, 1));
    assert_eq!(r11.average_age(), "40.8");
    let r12 = &s.rows[1];
    assert_eq!((r12.people, r12.age_bands, r12.college, r12.dual_role), (2, [0, 1, 1, 0], 1, 0));
    let total = &s.total;
    assert_eq!((total.villages, total.people, total.age_bands), (2, 6, [2, 2, 1, 1]));
    assert_eq!(
        (total.college_share(), total.dual_role_share(), total.average_age()),
        ("50.0%".into(), "50.0%".into(), "43.0".into())
    );
    assert_eq!(total.young_share(), "33.3%");
    // The county sees all three villages; a township administrator of town2 only its own.
    let empty = team::structure(&db, &Scope::cli(), &meta(), t.other_county.id, on).await.unwrap();
    assert_eq!((empty.rows.len(), empty.total.people, empty.total.average_age()), (0, 0, "—".to_string()));
    let county = team::structure(&db, &Scope::cli(), &meta(), t.county.id, on).await.unwrap();
    assert_eq!(county.total.villages, 3);
    let town2 = team::structure(&db, &scope(Role::TownshipAdmin, &t.town2), &meta(), t.town2.id, on).await.unwrap();
    assert_eq!((town2.total.villages, town2.total.dual_role_share()), (1, "100.0%".into()));
    assert!(matches!(
        team::structure(&db, &scope(Role::Member, &t.town1), &meta(), t.town1.id, on).await,
        Err(StoreError::Forbidden { .. })
    ));
});
