#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Contract tests of member development (发展党员), on SQLite and PostgreSQL: one person through
//! the 25 steps into the registry, refused steps, county overrides, scope, duplicates, audit
//! records in the step's transaction, and the pipeline of what is due.

mod common;

use std::collections::BTreeMap;

use chrono::{Days, Months, NaiveDate};
use common::*;
use jiceng_rules::recruit::{Decision, Facts, Mentor, Publicity, Sponsor, Stage, Step, Vote};
use jiceng_store::member::{self, MemberDraft, MemberFilter};
use jiceng_store::recruit::{self, PersonDetail, PersonDraft, PersonStatus, PipelineFilter, StepInput};
use jiceng_store::{Db, StoreError, audit, org};
use jiceng_types::person::{MemberCategory, MemberStatus};
use jiceng_types::{FieldError, OrgId, Role, Scope, UserId};

/// A valid ID-card number for a birth date (`19950510`), a sequence and a gender.
fn id_card(birth: &str, seq: u32, male: bool) -> String {
    let seq = seq * 2 + u32::from(male);
    let body = format!("520102{birth}{seq:03}");
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn days_ago(n: u64) -> NaiveDate {
    jiceng_types::date::today_china() - Days::new(n)
}

fn draft(org: OrgId, name: &str, id: &str, applied: NaiveDate) -> PersonDraft {
    PersonDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "苗族".into(),
        id_card: id.into(),
        education: "大学本科".into(),
        phone: "13900002222".into(),
        work_post: "东街村村委会文书".into(),
        applied_on: applied.to_string(),
        ..Default::default()
    }
}

async fn add(db: &Db, scope: &Scope, org: OrgId, name: &str, id: &str, applied: NaiveDate) -> PersonDetail {
    let input = draft(org, name, id, applied).parse(jiceng_types::date::today_china()).unwrap();
    recruit::create(db, scope, &meta(), input).await.unwrap()
}

fn step(on: NaiveDate, facts: Facts) -> StepInput {
    StepInput { held_on: on, facts, actor: None, note: None, override_reason: None }
}

/// A 7-day publicity ending the day before `on`.
fn publicity(on: NaiveDate) -> Option<Publicity> {
    Some(Publicity { from: on - Days::new(7), to: on - Days::new(1) })
}

fn vote() -> Vote {
    Vote { eligible: 20, present: 18, in_favour: 18, one_by_one: true }
}

fn sponsor(name: &str) -> Sponsor {
    Sponsor { name: name.into(), full_member: true, under_discipline: false }
}

/// The correct facts of a step on a day.
fn facts(s: Step, on: NaiveDate) -> Facts {
    match s {
        Step::ActivistSelection => Facts::ActivistSelection { publicity: publicity(on) },
        Step::CandidateSelection => Facts::CandidateSelection { publicity: publicity(on) },
        Step::MentorAssignment => {
            Facts::MentorAssignment { mentors: vec![Mentor { name: "王芳".into(), full_member: true }] }
        }
        Step::SponsorAssignment => Facts::SponsorAssignment { sponsors: vec![sponsor("王芳"), sponsor("李强")] },
        Step::IntensiveTraining => Facts::IntensiveTraining { days: 3, hours: 24 },
        Step::AdmissionMeeting => Facts::AdmissionMeeting { vote: vote(), leaving_unit_on: None },
        Step::ApprovalTalk => Facts::ApprovalTalk { by_committee_member: true },
        Step::AdmissionApproval => Facts::AdmissionApproval { late_reason: None, publicity: publicity(on) },
        Step::RegularizationMeeting => Facts::RegularizationMeeting { vote: vote(), decision: Decision::Regularize },
        other => Facts::empty(other),
    }
}

const BIRTH: &str = "19950510";
const APPLIED: &str = "2022-03-01";
/// The 支部大会 of admission: the 入党日期.
const ADMITTED: &str = "2023-06-20";
/// The end of the probation: the 转正日期.
const PROBATION_END: &str = "2024-06-20";

/// Steps 2–25 of one correct history (default parameters), in order.
fn happy() -> Vec<StepInput> {
    use Step::*;
    let at = |s: Step, on: &str| step(d(on), facts(s, d(on)));
    vec![
        at(ApplicationTalk, "2022-03-15"),
        at(ActivistSelection, "2022-04-01"),
        at(MentorAssignment, "2022-04-01"),
        at(ActivistFiling, "2022-04-05"),
        at(ActivistReview, "2022-10-01"),
        at(ActivistReview, "2023-04-01"),
        at(CandidateSelection, "2023-04-01"),
        at(CandidateFiling, "2023-04-10"),
        at(SponsorAssignment, "2023-04-10"),
        step(d("2023-04-15"), Facts::PoliticalReview { concluded_on: Some(d("2023-05-20")), qualified: true }),
        at(IntensiveTraining, "2023-05-10"),
        at(CommitteeReview, "2023-05-25"),
        at(PreReview, "2023-06-01"),
        at(AdmissionForm, "2023-06-05"),
        at(AdmissionMeeting, ADMITTED),
        at(ApprovalTalk, "2023-07-01"),
        at(AdmissionApproval, "2023-07-20"),
        at(AdmissionFiling, "2023-07-25"),
        at(GroupPlacement, "2023-07-25"),
        at(Oath, "2023-08-01"),
        at(ProbationReview, "2023-12-20"),
        at(RegularizationApplication, "2024-06-01"),
        at(RegularizationMeeting, "2024-06-20"),
        step(
            d("2024-07-10"),
            Facts::RegularizationApproval {
                regularized_on: Some(d(PROBATION_END)),
                publicity: publicity(d("2024-07-10")),
            },
        ),
        at(Archiving, "2024-08-01"),
    ]
}

fn secretary(o: &Org) -> Scope {
    Scope::for_user(UserId(7), "sec", Role::BranchSecretary, Some((o.id, o.path.clone())))
}

fn admin(role: Role, o: &Org) -> Scope {
    Scope::for_user(UserId(8), "adm", role, Some((o.id, o.path.clone())))
}

fn codes(e: &StoreError) -> Vec<&'static str> {
    match e {
        StoreError::Invalid(f) => f.iter().map(|f| f.code).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn fields(e: &StoreError) -> Vec<FieldError> {
    match e {
        StoreError::Invalid(f) => f.clone(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

async fn audit_rows(db: &Db, object_type: &str) -> Vec<audit::Record> {
    let f = audit::Filter { object_type: Some(object_type.into()), ..Default::default() };
    audit::list(db, &Scope::cli(), &f, 1000).await.unwrap()
}

async fn step_count(db: &Db, id: i64) -> usize {
    recruit::get(db, &Scope::cli(), &meta(), id).await.unwrap().steps.len()
}

jiceng_store::dual_test!(one_person_goes_through_the_25_steps_into_the_registry, |db: Db| async move {
    let t = tree(&db).await;
    let s = secretary(&t.branch11);
    let id = id_card(BIRTH, 5, false);
    let p = add(&db, &s, t.branch11.id, "韦小红", &id, d(APPLIED)).await;
    assert_eq!(p.person.birth_date, d("1995-05-10"), "taken from the ID number");
    assert_eq!(p.person.id_card_masked, format!("{}********{}", &id[..6], &id[14..]));
    assert_eq!(p.person.phone_masked.as_deref(), Some("139****2222"));
    assert_eq!((p.person.stage, p.person.status), (Stage::Application, PersonStatus::InProgress));
    assert_eq!(p.steps.len(), 1);
    assert_eq!(p.steps[0].step, Step::Application);
    let pid = p.person.id;
    let mut detail = p;
    for (i, input) in happy().into_iter().enumerate() {
        let s_num = input.facts.step();
        detail = recruit::record_step(&db, &s, &meta(), pid, input)
            .await
            .unwrap_or_else(|e| panic!("step {} ({s_num:?}): {e:?}", i + 2));
        assert_eq!(detail.person.stage, s_num.stage(), "{s_num:?}");
        let branch = org::get(&db, &Scope::cli(), &meta(), t.branch11.id).await.unwrap();
        if s_num.number() < Step::AdmissionApproval.number() {
            assert_eq!(detail.person.status, PersonStatus::InProgress);
            assert_eq!(detail.person.member_id, None);
            assert_eq!(branch.member_count, 0);
        }
        match s_num {
            Step::AdmissionApproval => {
                // Registered as a 预备党员 dated by the 支部大会, not the approval; the rollups follow.
                assert_eq!(detail.person.status, PersonStatus::Probationary);
                let link = detail.member.clone().expect("member link");
                assert_eq!((link.category, link.admitted_on), (MemberCategory::Probationary, d(ADMITTED)));
                assert_eq!(branch.member_count, 1);
                let county = org::get(&db, &Scope::cli(), &meta(), t.county.id).await.unwrap();
                assert_eq!(county.subtree_members, 1);
                let m = member::get(&db, &s, &meta(), link.id).await.unwrap();
                assert_eq!((m.name.as_str(), m.org_id, m.ethnicity.as_str()), ("韦小红", t.branch11.id, "苗族"));
                assert_eq!(m.id_card_masked, Some(detail.person.id_card_masked.clone()));
                assert_eq!(m.phone_masked.as_deref(), Some("139****2222"));
                assert_eq!(m.work_post.as_deref(), Some("东街村村委会文书"));
                assert_eq!(m.regularized_on, None);
                // The full number was copied, not retyped: an exact search by it finds the member.
                let found = member::list(&db, &s, &MemberFilter { q: Some(id.clone()), ..Default::default() }, 1, 10)
                    .await
                    .unwrap();
                assert_eq!(found.items.len(), 1);
                let history = member::history(&db, &s, &meta(), link.id).await.unwrap();
                assert_eq!(history.len(), 1);
                assert_eq!((history[0].kind.as_str(), history[0].happened_on), ("created", d(ADMITTED)));
            }
            Step::RegularizationApproval => {
                assert_eq!(detail.person.status, PersonStatus::Full);
                let link = detail.member.clone().unwrap();
                assert_eq!(link.category, MemberCategory::Full);
                assert_eq!(link.regularized_on, Some(d(PROBATION_END)), "转正日期 = 预备期满之日");
                let history = member::history(&db, &s, &meta(), link.id).await.unwrap();
                let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
                assert_eq!(kinds, vec!["created", "regularized"]);
                assert_eq!(history[1].happened_on, d(PROBATION_END));
                // Still due: the archiving.
                assert_eq!(detail.next_due.map(|n| n.step), Some(Step::Archiving));
                let rows = recruit::pipeline(&db, &s, &PipelineFilter::default()).await.unwrap();
                assert_eq!(rows.iter().map(|r| r.person_id).collect::<Vec<_>>(), vec![pid]);
            }
            _ => {}
        }
    }
    assert_eq!(detail.steps.len(), 26, "25 steps, the half-yearly review twice");
    assert!(detail.violations.is_empty(), "{:?}", detail.violations);
    assert_eq!(detail.next_due, None);
    assert!(recruit::pipeline(&db, &s, &PipelineFilter::default()).await.unwrap().is_empty());
    // No re-entry: one member, and the same person cannot be registered again.
    let members = member::list(&db, &Scope::cli(), &MemberFilter::default(), 1, 100).await.unwrap();
    assert_eq!(members.total, 1);
    let again = draft(t.branch12.id, "韦小红", &id, d("2025-01-01")).parse(d("2026-01-01")).unwrap();
    let town = admin(Role::TownshipAdmin, &t.town1);
    let e = recruit::create(&db, &town, &meta(), again).await.unwrap_err();
    assert_eq!(codes(&e), vec!["duplicate"]);
    assert!(fields(&e)[0].message.contains("已登记为党员：韦小红"), "{e:?}");
    // The archiving may be deleted (the last step); the 转正 approval then may not.
    let archiving = detail.steps.last().unwrap().id;
    let approval = detail.steps[detail.steps.len() - 2].id;
    let e = recruit::delete_step(&db, &s, &meta(), pid, approval, "录错了").await.unwrap_err();
    assert!(matches!(&e, StoreError::Conflict { code: "not_last_step", .. }), "{e:?}");
    let after = recruit::delete_step(&db, &s, &meta(), pid, archiving, "归档日期录错").await.unwrap();
    assert_eq!(after.next_due.map(|n| n.step), Some(Step::Archiving));
    let e = recruit::delete_step(&db, &s, &meta(), pid, approval, "录错了").await.unwrap_err();
    match &e {
        StoreError::Conflict { code, message } => {
            assert_eq!(*code, "member_changed");
            assert!(message.contains("党员名册"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let deleted = audit_rows(&db, "recruit_step").await;
    assert_eq!(deleted[0].action, "delete");
    assert!(deleted[0].changes.contains("归档日期录错"));
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
    org::check_rollups(&db).await.unwrap();
});

jiceng_store::dual_test!(a_refused_step_names_the_rule_and_changes_nothing, |db: Db| async move {
    let t = tree(&db).await;
    let s = secretary(&t.branch11);
    let p = add(&db, &s, t.branch11.id, "杨光明", &id_card("19900101", 1, true), d("2024-03-01")).await;
    let pid = p.person.id;
    let audits = audit_rows(&db, "recruit_step").await.len();
    // The talk two months after the application: 细则 第七条 says within one month.
    let late = step(d("2024-05-01"), Facts::ApplicationTalk);
    let e = recruit::record_step(&db, &s, &meta(), pid, late.clone()).await.unwrap_err();
    let f = fields(&e);
    assert_eq!(f.iter().map(|f| (f.field.as_str(), f.code)).collect::<Vec<_>>(), vec![("held_on", "dev.talk_within")]);
    assert!(f[0].message.starts_with("未在规定时间内派人谈话："), "{}", f[0].message);
    assert!(f[0].message.contains("2024-04-01"), "the deadline is named: {}", f[0].message);
    assert_eq!(step_count(&db, pid).await, 1);
    assert_eq!(audit_rows(&db, "recruit_step").await.len(), audits);
    // A step out of order names the steps missing.
    let e = recruit::record_step(&db, &s, &meta(), pid, step(d("2024-03-10"), facts(Step::Oath, d("2024-03-10"))))
        .await
        .unwrap_err();
    assert!(codes(&e).contains(&"dev.order"), "{e:?}");
    // A date after today is refused whatever the county allows.
    let tomorrow = jiceng_types::date::today_china() + Days::new(1);
    let e = recruit::record_step(&db, &s, &meta(), pid, step(tomorrow, Facts::ApplicationTalk)).await.unwrap_err();
    assert_eq!(codes(&e), vec!["in_future"]);
    // A warning does not refuse: three mentors is one too many, the step is kept with it.
    recruit::record_step(&db, &s, &meta(), pid, step(d("2024-03-15"), Facts::ApplicationTalk)).await.unwrap();
    recruit::record_step(&db, &s, &meta(), pid, step(d("2024-04-01"), facts(Step::ActivistSelection, d("2024-04-01"))))
        .await
        .unwrap();
    let three = Facts::MentorAssignment {
        mentors: ["王芳", "李强", "张伟"].iter().map(|n| Mentor { name: (*n).into(), full_member: true }).collect(),
    };
    let after = recruit::record_step(&db, &s, &meta(), pid, step(d("2024-04-02"), three)).await.unwrap();
    assert!(after.violations.iter().any(|v| v.rule_id == "dev.mentors"));
    let last = &audit_rows(&db, "recruit_step").await[0];
    assert!(last.changes.contains("warnings") && last.changes.contains("dev.mentors"), "{}", last.changes);
    // Too young on the day of the application: a rule of step 1, refused; nothing is created.
    let young = draft(t.branch11.id, "杨小明", &id_card("20080301", 2, true), d("2025-03-01"));
    let e = recruit::create(&db, &s, &meta(), young.parse(d("2026-01-01")).unwrap()).await.unwrap_err();
    let f = fields(&e);
    assert_eq!((f[0].field.as_str(), f[0].code), ("applied_on", "dev.min_age"));
    assert!(f[0].message.contains("未满18周岁"), "{}", f[0].message);
    let rows = recruit::pipeline(&db, &Scope::cli(), &PipelineFilter::default()).await.unwrap();
    assert_eq!(rows.len(), 1);
    // The form itself: the ID number and the birth date must agree.
    let mut bad = draft(t.branch11.id, "杨小明", &id_card("19990301", 2, true), d("2025-03-01"));
    bad.birth_date = "1999-03-02".into();
    let errs = bad.parse(d("2026-01-01")).unwrap_err();
    assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), vec!["birth_date"]);
});

jiceng_store::dual_test!(a_county_may_allow_overrides_with_a_reason, |db: Db| async move {
    let t = tree(&db).await;
    let s = secretary(&t.branch11);
    let p = add(&db, &s, t.branch11.id, "吴建国", &id_card("19880808", 3, true), d("2024-03-01")).await;
    let pid = p.person.id;
    let late = StepInput {
        override_reason: Some("申请人外出务工，无法按期谈话".into()),
        ..step(d("2024-05-01"), Facts::ApplicationTalk)
    };
    // Not allowed by default: the reason does not help.
    let e = recruit::record_step(&db, &s, &meta(), pid, late.clone()).await.unwrap_err();
    assert_eq!(codes(&e), vec!["dev.talk_within", "override_not_allowed"]);
    assert_eq!(step_count(&db, pid).await, 1);
    // Only the county may change its parameters.
    let allow: BTreeMap<String, i64> = [("dev.override_allowed".to_string(), 1)].into();
    let e = recruit::set_params(&db, &s, &meta(), &allow).await.unwrap_err();
    assert!(matches!(e, StoreError::Forbidden { .. }));
    let county = admin(Role::CountyAdmin, &t.county);
    let p2 = recruit::set_params(&db, &county, &meta(), &allow).await.unwrap();
    assert_eq!(p2.get("dev.override_allowed"), 1);
    assert_eq!(recruit::params(&db, &s).await.unwrap().get("dev.override_allowed"), 1, "the branch is in the county");
    let other = secretary(&t.other_branch);
    assert_eq!(recruit::params(&db, &other).await.unwrap().get("dev.override_allowed"), 0, "not another county");
    let settings = audit_rows(&db, "setting").await;
    assert_eq!(settings[0].action, "setting_change");
    assert_eq!(settings[0].object_id.as_deref(), Some(format!("recruit_rules:{}", t.county.id).as_str()));
    // Allowed, but a reason is needed.
    let e = recruit::record_step(&db, &s, &meta(), pid, StepInput { override_reason: None, ..late.clone() })
        .await
        .unwrap_err();
    assert_eq!(codes(&e), vec!["dev.talk_within", "override_reason_required"]);
    // Allowed with a reason: kept with the step, the rule overridden in the audit record.
    let after = recruit::record_step(&db, &s, &meta(), pid, late).await.unwrap();
    let talk = after.steps.iter().find(|x| x.step == Step::ApplicationTalk).unwrap();
    assert_eq!(talk.override_reason.as_deref(), Some("申请人外出务工,无法按期谈话"), "normalized text");
    assert!(after.violations.iter().any(|v| v.rule_id == "dev.talk_within"), "still shown in the history");
    let rec = &audit_rows(&db, "recruit_step").await[0];
    assert_eq!(rec.object_id.as_deref(), Some(talk.id.to_string().as_str()));
    assert!(rec.changes.contains("overridden") && rec.changes.contains("dev.talk_within"), "{}", rec.changes);
    assert!(rec.changes.contains("申请人外出务工"));
    // A step that needs no override keeps no reason.
    let ok = StepInput {
        override_reason: Some("无".into()),
        ..step(d("2024-05-10"), facts(Step::ActivistSelection, d("2024-05-10")))
    };
    let after = recruit::record_step(&db, &s, &meta(), pid, ok).await.unwrap();
    assert_eq!(after.steps.last().unwrap().override_reason, None);
    // The rule of step 1 too: an applicant under 18 is registered only with a reason.
    let mut young = draft(t.branch11.id, "吴小军", &id_card("20080301", 4, true), d("2025-03-01"));
    let e = recruit::create(&db, &s, &meta(), young.parse(d("2026-01-01")).unwrap()).await.unwrap_err();
    assert_eq!(codes(&e), vec!["dev.min_age", "override_reason_required"]);
    young.override_reason = "县委组织部批复同意".into();
    let p = recruit::create(&db, &s, &meta(), young.parse(d("2026-01-01")).unwrap()).await.unwrap();
    assert_eq!(p.steps[0].override_reason.as_deref(), Some("县委组织部批复同意"));
    assert!(p.violations.iter().any(|v| v.rule_id == "dev.min_age"));
    // Out-of-range values are refused with the field named.
    let bad: BTreeMap<String, i64> = [("dev.override_allowed".to_string(), 2)].into();
    let e = recruit::set_params(&db, &county, &meta(), &bad).await.unwrap_err();
    assert_eq!(fields(&e)[0].field, "dev.override_allowed");
});

jiceng_store::dual_test!(reads_and_writes_are_limited_to_the_scope, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    let a = add(&db, &cli, t.branch11.id, "甲一", &id_card("19900202", 1, true), days_ago(10)).await.person.id;
    let b = add(&db, &cli, t.branch12.id, "乙二", &id_card("19900303", 2, true), days_ago(10)).await.person.id;
    let c = add(&db, &cli, t.branch21.id, "丙三", &id_card("19900404", 3, true), days_ago(10)).await.person.id;
    let x = add(&db, &cli, t.other_branch.id, "丁四", &id_card("19900505", 4, true), days_ago(10)).await.person.id;
    // Another branch's secretary can neither read nor write the person (and the attempt is kept).
    let s12 = secretary(&t.branch12);
    assert!(matches!(recruit::get(&db, &s12, &meta(), a).await, Err(StoreError::NotFound)));
    let denied = audit::list(
        &db,
        &cli,
        &audit::Filter {
            action: Some(audit::Action::Denied),
            object_type: Some("recruit_person".into()),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(denied.len(), 1);
    let talk = step(days_ago(5), Facts::ApplicationTalk);
    assert!(matches!(recruit::record_step(&db, &s12, &meta(), a, talk.clone()).await, Err(StoreError::NotFound)));
    assert!(matches!(recruit::withdraw(&db, &s12, &meta(), a, "搬走").await, Err(StoreError::NotFound)));
    assert_eq!(step_count(&db, a).await, 1);
    let ids = |rows: Vec<recruit::PipelineRow>| {
        let mut v: Vec<i64> = rows.into_iter().map(|r| r.person_id).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(ids(recruit::pipeline(&db, &s12, &PipelineFilter::default()).await.unwrap()), vec![b]);
    // A township sees its branches' persons only; the county all of its own.
    let town1 = admin(Role::TownshipAdmin, &t.town1);
    assert_eq!(ids(recruit::pipeline(&db, &town1, &PipelineFilter::default()).await.unwrap()), vec![a, b]);
    let town2 = admin(Role::TownshipAdmin, &t.town2);
    assert_eq!(ids(recruit::pipeline(&db, &town2, &PipelineFilter::default()).await.unwrap()), vec![c]);
    let county = admin(Role::CountyAdmin, &t.county);
    assert_eq!(ids(recruit::pipeline(&db, &county, &PipelineFilter::default()).await.unwrap()), vec![a, b, c]);
    let by_branch = PipelineFilter { org: Some(t.branch11.id), ..Default::default() };
    assert_eq!(ids(recruit::pipeline(&db, &county, &by_branch).await.unwrap()), vec![a]);
    assert!(recruit::get(&db, &county, &meta(), x).await.is_err());
    // A township may not pick a branch outside it.
    let outside = PipelineFilter { org: Some(t.branch21.id), ..Default::default() };
    assert!(recruit::pipeline(&db, &town1, &outside).await.is_err());
    // Nor register a person in a branch outside it.
    let input =
        draft(t.branch21.id, "戊五", &id_card("19900606", 5, true), days_ago(3)).parse(d("2030-01-01")).unwrap();
    let e = recruit::create(&db, &town1, &meta(), input).await.unwrap_err();
    assert_eq!(fields(&e)[0].field, "org_id");
    // The township writes for its branches.
    recruit::record_step(&db, &town1, &meta(), a, talk.clone()).await.unwrap();
    // An auditor reads but does not write; a 党员 does not even read.
    let auditor = Scope::for_user(UserId(9), "aud", Role::Auditor, Some((t.county.id, t.county.path.clone())));
    recruit::get(&db, &auditor, &meta(), b).await.unwrap();
    assert!(matches!(recruit::record_step(&db, &auditor, &meta(), b, talk).await, Err(StoreError::Forbidden { .. })));
    let party_member = Scope::for_user(UserId(10), "pm", Role::Member, Some((t.branch11.id, t.branch11.path.clone())));
    assert!(matches!(recruit::get(&db, &party_member, &meta(), a).await, Err(StoreError::Forbidden { .. })));
    assert!(matches!(
        recruit::pipeline(&db, &party_member, &PipelineFilter::default()).await,
        Err(StoreError::Forbidden { .. })
    ));
});

jiceng_store::dual_test!(an_id_number_is_in_the_pipeline_or_the_registry_once, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    let id = id_card("19920909", 7, false);
    let a = add(&db, &cli, t.branch11.id, "陈静", &id, days_ago(20)).await.person.id;
    let again = draft(t.branch21.id, "陈静", &id, days_ago(2)).parse(d("2030-01-01")).unwrap();
    let e = recruit::create(&db, &cli, &meta(), again.clone()).await.unwrap_err();
    assert_eq!(codes(&e), vec!["duplicate"]);
    let message = &fields(&e)[0].message;
    assert!(message.contains("陈静") && message.contains("城关镇东街村党支部"), "{message}");
    // From outside the first branch's township: refused without naming anyone.
    let town2 = admin(Role::TownshipAdmin, &t.town2);
    let e = recruit::create(&db, &town2, &meta(), again.clone()).await.unwrap_err();
    assert_eq!(codes(&e), vec!["duplicate"]);
    assert!(!fields(&e)[0].message.contains("陈静"), "{:?}", fields(&e));
    // Once the first record has left the pipeline, the person may apply again.
    let e = recruit::withdraw(&db, &cli, &meta(), a, "  ").await.unwrap_err();
    assert_eq!(codes(&e), vec!["required"]);
    let w = recruit::withdraw(&db, &cli, &meta(), a, "迁居外省").await.unwrap();
    assert_eq!((w.person.status, w.next_due), (PersonStatus::Withdrawn, None));
    let e = recruit::record_step(&db, &cli, &meta(), a, step(days_ago(1), Facts::ApplicationTalk)).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict { code: "withdrawn", .. }), "{e:?}");
    recruit::create(&db, &town2, &meta(), again).await.unwrap();
    // A member's ID number cannot enter the pipeline.
    let member_id = id_card("19800101", 8, true);
    let m = MemberDraft {
        org_id: t.branch12.id.to_string(),
        name: "刘洋".into(),
        ethnicity: "汉族".into(),
        id_card: member_id.clone(),
        education: "大学本科".into(),
        category: "正式党员".into(),
        admitted_on: "2010-07-01".into(),
        regularized_on: "2011-07-01".into(),
        ..Default::default()
    };
    member::create(&db, &cli, &meta(), m.parse(d("2030-01-01")).unwrap()).await.unwrap();
    let input = draft(t.branch11.id, "刘洋", &member_id, days_ago(2)).parse(d("2030-01-01")).unwrap();
    let e = recruit::create(&db, &cli, &meta(), input).await.unwrap_err();
    assert!(fields(&e)[0].message.contains("已登记为党员：刘洋"), "{e:?}");
});

/// Records steps 2..`upto` of the happy history (by position) for a person.
async fn record_upto(db: &Db, scope: &Scope, pid: i64, upto: Step) {
    for input in happy().into_iter().take_while(|s| s.facts.step() != upto) {
        recruit::record_step(db, scope, &meta(), pid, input).await.unwrap();
    }
}

jiceng_store::dual_test!(the_registry_changes_in_the_step_transaction, |db: Db| async move {
    let t = tree(&db).await;
    let s = secretary(&t.branch11);
    let id = id_card(BIRTH, 9, true);
    let pid = add(&db, &s, t.branch11.id, "蒙建军", &id, d(APPLIED)).await.person.id;
    record_upto(&db, &s, pid, Step::AdmissionApproval).await;
    // Someone registered the same number in the roster meanwhile: the approval is refused by the
    // member code, and the step recorded before it is rolled back with it.
    let m = MemberDraft {
        org_id: t.branch12.id.to_string(),
        name: "蒙建军".into(),
        ethnicity: "汉族".into(),
        id_card: id.clone(),
        education: "大学本科".into(),
        category: "预备党员".into(),
        admitted_on: ADMITTED.into(),
        ..Default::default()
    };
    let twin = member::create(&db, &Scope::cli(), &meta(), m.parse(d("2030-01-01")).unwrap()).await.unwrap();
    let steps = step_count(&db, pid).await;
    let audits = audit::verify(&db).await.unwrap().rows;
    let approval = step(d("2023-07-20"), facts(Step::AdmissionApproval, d("2023-07-20")));
    let e = recruit::record_step(&db, &s, &meta(), pid, approval.clone()).await.unwrap_err();
    assert_eq!(fields(&e)[0].field, "id_card");
    assert_eq!(step_count(&db, pid).await, steps);
    assert_eq!(audit::verify(&db).await.unwrap().rows, audits);
    let p = recruit::get(&db, &s, &meta(), pid).await.unwrap();
    assert_eq!((p.person.status, p.person.member_id), (PersonStatus::InProgress, None));
    // Once the roster entry is gone, the approval registers the person, with both audit records.
    member::change_status(
        &db,
        &Scope::cli(),
        &meta(),
        twin.id,
        member::StatusChange::Leave { on: d("2023-07-01"), reason: "误录".into() },
    )
    .await
    .unwrap();
    let before = audit::verify(&db).await.unwrap().rows;
    let p = recruit::record_step(&db, &s, &meta(), pid, approval).await.unwrap();
    let member_id = p.person.member_id.unwrap();
    assert_eq!(audit::verify(&db).await.unwrap().rows, before + 2, "the member's record and the step's");
    let members = audit_rows(&db, "member").await;
    assert_eq!((members[0].action.as_str(), members[0].object_id.clone()), ("create", Some(member_id.to_string())));
    let rec = &audit_rows(&db, "recruit_step").await[0];
    assert!(rec.changes.contains("member_created"), "{}", rec.changes);
    assert_eq!(rec.org_path.as_deref(), Some(t.branch11.path.as_str()));
    // The approval of step 17 cannot be deleted; neither can a withdrawal happen any more.
    let last = p.steps.last().unwrap().id;
    let e = recruit::delete_step(&db, &s, &meta(), pid, last, "录错了").await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict { code: "member_changed", .. }), "{e:?}");
    let e = recruit::withdraw(&db, &s, &meta(), pid, "不想入了").await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict { code: "admitted", .. }), "{e:?}");
    // Extension, then cancellation: the member events follow the decisions of the rounds.
    for input in happy()
        .into_iter()
        .skip_while(|s| s.facts.step() != Step::AdmissionFiling)
        .take_while(|s| s.facts.step() != Step::RegularizationMeeting)
    {
        recruit::record_step(&db, &s, &meta(), pid, input).await.unwrap();
    }
    let extend = Facts::RegularizationMeeting { vote: vote(), decision: Decision::Extend { months: 6 } };
    recruit::record_step(&db, &s, &meta(), pid, step(d("2024-06-20"), extend)).await.unwrap();
    let no_date = Facts::RegularizationApproval { regularized_on: None, publicity: None };
    let p = recruit::record_step(&db, &s, &meta(), pid, step(d("2024-07-10"), no_date.clone())).await.unwrap();
    assert_eq!(p.person.status, PersonStatus::Probationary);
    let link = p.member.unwrap();
    assert_eq!(link.probation_extended_until, Some(d("2024-12-20")));
    assert_eq!(link.category, MemberCategory::Probationary);
    recruit::record_step(&db, &s, &meta(), pid, step(d("2024-12-01"), Facts::RegularizationApplication)).await.unwrap();
    let cancel = Facts::RegularizationMeeting { vote: vote(), decision: Decision::Cancel };
    recruit::record_step(&db, &s, &meta(), pid, step(d("2024-12-20"), cancel)).await.unwrap();
    let p = recruit::record_step(&db, &s, &meta(), pid, step(d("2025-01-10"), no_date)).await.unwrap();
    assert_eq!((p.person.status, p.next_due), (PersonStatus::Cancelled, None));
    let link = p.member.unwrap();
    assert_eq!(link.status, MemberStatus::Left);
    let m = member::get(&db, &Scope::cli(), &meta(), link.id).await.unwrap();
    assert_eq!((m.left_on, m.left_reason.as_deref()), (Some(d("2025-01-10")), Some(recruit::CANCEL_REASON)));
    let kinds: Vec<String> =
        member::history(&db, &s, &meta(), link.id).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec!["created", "probation_extended", "left"]);
    let branch = org::get(&db, &Scope::cli(), &meta(), t.branch11.id).await.unwrap();
    assert_eq!(branch.member_count, 0);
    org::check_rollups(&db).await.unwrap();
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
});

jiceng_store::dual_test!(the_pipeline_lists_what_is_due_overdue_first, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    let today = jiceng_types::date::today_china();
    // The talk is overdue (a month after an application 40 days ago).
    let late = add(&db, &cli, t.branch11.id, "赵一", &id_card("19910101", 1, true), days_ago(40)).await.person.id;
    // The talk is due in about 25 days.
    let fresh = add(&db, &cli, t.branch12.id, "钱二", &id_card("19920202", 2, true), days_ago(5)).await.person.id;
    // An activist: the half-yearly review is due in about 80 days.
    let activist = add(&db, &cli, t.branch21.id, "孙三", &id_card("19930303", 3, false), days_ago(400)).await.person.id;
    let on = days_ago(100);
    for input in [
        step(days_ago(390), Facts::ApplicationTalk),
        step(on, facts(Step::ActivistSelection, on)),
        step(on, facts(Step::MentorAssignment, on)),
        step(days_ago(95), Facts::ActivistFiling),
    ] {
        recruit::record_step(&db, &cli, &meta(), activist, input).await.unwrap();
    }
    let rows = recruit::pipeline(&db, &cli, &PipelineFilter::default()).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.person_id).collect::<Vec<_>>(), vec![late, fresh, activist]);
    let talk_deadline = days_ago(40).checked_add_months(Months::new(1)).unwrap();
    let r = &rows[0];
    assert_eq!(r.next.map(|n| (n.step, n.latest)), Some((Step::ApplicationTalk, Some(talk_deadline))));
    assert_eq!(r.days_left, Some((talk_deadline - today).num_days()));
    assert!(r.overdue() && r.errors >= 1, "the overdue talk is a violation: {r:?}");
    assert_eq!((r.org_code.as_str(), r.org_name.as_str()), ("A0101", "城关镇东街村党支部"));
    assert_eq!((r.last_step, r.last_on), (Some(Step::Application), Some(days_ago(40))));
    assert!(rows[1].days_left.unwrap() > 0 && !rows[1].overdue());
    assert_eq!(rows[1].violations, 0);
    let a = &rows[2];
    assert_eq!(a.stage, Stage::Activist);
    assert_eq!(a.next.map(|n| n.step), Some(Step::ActivistReview));
    assert_eq!(a.next.and_then(|n| n.latest), on.checked_add_months(Months::new(6)));
    // Filters.
    let only = |f: PipelineFilter| {
        let db = db.clone();
        let cli = cli.clone();
        async move { recruit::pipeline(&db, &cli, &f).await.unwrap().into_iter().map(|r| r.person_id).collect::<Vec<_>>() }
    };
    assert_eq!(only(PipelineFilter { overdue_only: true, ..Default::default() }).await, vec![late]);
    assert_eq!(only(PipelineFilter { stage: Some(Stage::Activist), ..Default::default() }).await, vec![activist]);
    assert_eq!(only(PipelineFilter { org: Some(t.town1.id), ..Default::default() }).await, vec![late, fresh]);
    assert_eq!(only(PipelineFilter { q: Some("钱".into()), ..Default::default() }).await, vec![fresh]);
    let by_id = PipelineFilter { q: Some(id_card("19930303", 3, false).to_lowercase()), ..Default::default() };
    assert_eq!(only(by_id).await, vec![activist]);
    // The overdue talk can be recorded only as an override the county allows; it moves the person
    // down the list.
    let talk = step(days_ago(1), Facts::ApplicationTalk);
    assert!(recruit::record_step(&db, &cli, &meta(), late, talk.clone()).await.is_err());
    let allow: BTreeMap<String, i64> = [("dev.override_allowed".to_string(), 1)].into();
    recruit::set_params(&db, &cli, &meta(), &allow).await.unwrap();
    let talk = StepInput { override_reason: Some("申请人长期外出".into()), ..talk };
    recruit::record_step(&db, &cli, &meta(), late, talk).await.unwrap();
    let rows = recruit::pipeline(&db, &cli, &PipelineFilter::default()).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.person_id).collect::<Vec<_>>(), vec![fresh, activist, late]);
    assert_eq!(rows[2].next.map(|n| (n.step, n.latest)), Some((Step::ActivistSelection, None)));
    assert_eq!(rows[2].errors, 1, "the talk was late, and stays so in the history");
});

jiceng_store::dual_test!(a_transferred_probationary_member_takes_the_record_along, |db: Db| async move {
    use jiceng_store::member::transfer::{self, TransferDraft};
    let t = tree(&db).await;
    let (s11, s12) = (secretary(&t.branch11), secretary(&t.branch12));
    let id = id_card(BIRTH, 11, true);
    let pid = add(&db, &s11, t.branch11.id, "蒙建国", &id, d(APPLIED)).await.person.id;
    record_upto(&db, &s11, pid, Step::AdmissionFiling).await;
    let member_id = recruit::get(&db, &s11, &meta(), pid).await.unwrap().person.member_id.unwrap();
    // The 预备党员 moves to the other branch of the township (组织关系转接).
    let today = jiceng_types::date::today_china();
    let draft =
        TransferDraft { to_org: t.branch12.code.to_string(), on: today.to_string(), note: "工作调动".into() };
    let cli = Scope::cli();
    let tr = transfer::start(&db, &cli, &meta(), member_id, draft).await.unwrap();
    // Until it is accepted, the record stays with the sender.
    assert!(recruit::get(&db, &s12, &meta(), pid).await.is_err());
    let before = audit::verify(&db).await.unwrap().rows;
    transfer::accept(&db, &cli, &meta(), tr.id, today).await.unwrap();
    // The receiving branch now has the person (and discusses the 转正); the sender no longer.
    let p = recruit::get(&db, &s12, &meta(), pid).await.unwrap();
    assert_eq!(p.person.org_id, t.branch12.id);
    assert!(matches!(recruit::get(&db, &s11, &meta(), pid).await, Err(StoreError::NotFound)));
    let listed = |s: Scope| {
        let db = db.clone();
        async move {
            recruit::pipeline(&db, &s, &PipelineFilter::default())
                .await
                .unwrap()
                .iter()
                .map(|r| r.person_id)
                .collect::<Vec<i64>>()
        }
    };
    assert_eq!(listed(s12.clone()).await, vec![pid]);
    assert_eq!(listed(s11.clone()).await, Vec::<i64>::new());
    // Audited on the sender's side, in the transfer's transaction.
    let rec = audit_rows(&db, "recruit_person").await;
    let moved = rec.iter().find(|r| r.action == "update").expect("the move is audited");
    assert_eq!(moved.org_path.as_deref(), Some(t.branch11.path.as_str()));
    assert!(moved.changes.contains("组织关系转接"), "{}", moved.changes);
    assert!(audit::verify(&db).await.unwrap().rows > before);
    // The new branch records the next step.
    let next = happy().into_iter().find(|s| s.facts.step() == Step::AdmissionFiling).unwrap();
    recruit::record_step(&db, &s12, &meta(), pid, next).await.unwrap();
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
});

jiceng_store::dual_test!(one_open_record_per_id_number_even_at_the_same_moment, |db: Db| async move {
    use sea_orm::{ConnectionTrait, Statement};
    let t = tree(&db).await;
    let (s11, s12) = (secretary(&t.branch11), secretary(&t.branch12));
    let id = id_card(BIRTH, 12, true);
    // Two branches register the same person at the same moment: exactly one succeeds.
    let today = jiceng_types::date::today_china();
    let (one, two) = (
        draft(t.branch11.id, "蒙建华", &id, d(APPLIED)).parse(today).unwrap(),
        draft(t.branch12.id, "蒙建华", &id, d(APPLIED)).parse(today).unwrap(),
    );
    let (m1, m2) = (meta(), meta());
    let (a, b) = tokio::join!(recruit::create(&db, &s11, &m1, one), recruit::create(&db, &s12, &m2, two));
    let (ok, err): (Vec<_>, Vec<_>) = [a, b].into_iter().partition(Result::is_ok);
    assert_eq!(ok.len(), 1, "one registration");
    let e = err.into_iter().next().unwrap().unwrap_err();
    assert_eq!(fields(&e)[0].code, "duplicate", "{e:?}");
    let first = ok.into_iter().next().unwrap().unwrap().person;
    // Once withdrawn, the person may apply again; the withdrawn record cannot be reopened beside
    // the new one (the database refuses it).
    recruit::withdraw(&db, &Scope::cli(), &meta(), first.id, "本人申请退出").await.unwrap();
    let again = add(&db, &s11, t.branch11.id, "蒙建华", &id, d("2024-03-01")).await.person.id;
    assert_ne!(again, first.id);
    let backend = db.raw().get_database_backend();
    let reopen = format!("UPDATE recruit_person SET status = 'in_progress' WHERE id = {}", first.id);
    let e = db.raw().execute_raw(Statement::from_string(backend, reopen)).await.unwrap_err();
    assert!(e.to_string().to_lowercase().contains("unique"), "{e}");
});
