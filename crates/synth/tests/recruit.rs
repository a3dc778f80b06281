#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The member-development pipeline (发展党员) of the synthetic county: determinism, every person in
//! order except the deliberate breaks (each found by the rules), the links to the member registry,
//! and the pipeline as the store reads it after a load (SQLite and PostgreSQL).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use jiceng_rules::recruit::{self as rules, Event, Facts, Params, Severity, Step};
use jiceng_store::recruit::{self as pipeline, PersonDraft, PersonStatus, PipelineFilter, StepInput};
use jiceng_store::seed::{RecruitPersonSeed, RecruitSeed};
use jiceng_store::{Db, Meta};
use jiceng_synth::{Break, County, Scale, generate, load};
use jiceng_types::Scope;
use jiceng_types::person::{MemberCategory, MemberStatus};
use sea_orm::{ConnectionTrait, Statement};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

/// Each person's history as the rules see it, by person id.
fn histories(seed: &RecruitSeed) -> HashMap<i64, rules::Person> {
    let mut out: HashMap<i64, rules::Person> = seed
        .persons
        .iter()
        .map(|p| (p.id, rules::Person { birth_date: p.birth_date, applied_on: p.applied_on, events: Vec::new() }))
        .collect();
    for s in &seed.steps {
        out.get_mut(&s.person_id).unwrap().events.push(Event::new(s.held_on, s.facts.clone()));
    }
    out
}

/// The date of the first event of a step.
fn date_of(h: &rules::Person, step: Step) -> Option<NaiveDate> {
    h.events.iter().filter(|e| e.step() == step).map(|e| e.on).min()
}

fn breaks(county: &County) -> HashMap<i64, Break> {
    county.recruit.breaks.iter().copied().collect()
}

#[test]
fn generation_is_deterministic() {
    let a = generate(Scale::Tiny, 7, today());
    let b = generate(Scale::Tiny, 7, today());
    assert!(!a.recruit.seed.persons.is_empty());
    assert_eq!(a.recruit, b.recruit);
    let c = generate(Scale::Tiny, 8, today());
    assert_ne!(a.recruit, c.recruit, "another seed, another pipeline");
    // Ids are 1, 2, 3… and every step belongs to a person.
    let ids: Vec<i64> = a.recruit.seed.persons.iter().map(|p| p.id).collect();
    assert_eq!(ids, (1..=ids.len() as i64).collect::<Vec<_>>());
    let persons: HashSet<i64> = ids.into_iter().collect();
    assert!(a.recruit.seed.steps.iter().all(|s| persons.contains(&s.person_id)));
    // Province scale has no organizational life and no pipeline.
    assert!(generate(Scale::Province, 7, today()).recruit.seed.persons.is_empty());
}

#[test]
fn the_county_pipeline_is_in_order_except_the_breaks() {
    let county = generate(Scale::County, 2023, today());
    let seed = &county.recruit.seed;
    let histories = histories(seed);
    let breaks = breaks(&county);
    let params = Params::default();
    let mut found: HashSet<Break> = HashSet::new();
    for p in &seed.persons {
        let h = &histories[&p.id];
        let violations = rules::audit(h, &params, today());
        match breaks.get(&p.id) {
            None => assert!(violations.is_empty(), "{} ({}) should be in order: {violations:#?}", p.name, p.id),
            Some(b) => {
                assert!(!violations.is_empty(), "{} ({}) should break {b:?}", p.name, p.id);
                for v in &violations {
                    assert!(b.rule_ids().contains(&v.rule_id), "{b:?} of {} also breaks {}", p.name, v.rule_id);
                }
                found.insert(*b);
            }
        }
        // Nothing after the day before today.
        assert!(h.events.iter().all(|e| e.on < today()));
    }
    for b in Break::ALL {
        assert!(found.contains(&b), "no person breaks {b:?}");
    }
    // Errors among them, so the pipeline shows real violations.
    let errors = seed
        .persons
        .iter()
        .filter(|p| rules::audit(&histories[&p.id], &params, today()).iter().any(|v| v.severity == Severity::Error))
        .count();
    assert!(errors >= 5, "{errors} persons with errors");
    // Spread over the county.
    let orgs: HashSet<i64> =
        breaks.keys().map(|id| seed.persons.iter().find(|p| p.id == *id).unwrap().org_id).collect();
    assert!(orgs.len() >= 8, "breaks in {} organizations", orgs.len());
    assert!(breaks.len() <= seed.persons.len() / 10, "{} breaks of {}", breaks.len(), seed.persons.len());

    // Realistic numbers: a few hundred people county-wide, at most 6 (plus a break) per branch.
    let counts = county.recruit.counts();
    assert!((200..=800).contains(&counts.in_progress()), "{counts:?}");
    assert!(counts.applicants > 0 && counts.activists > 0 && counts.candidates > 0 && counts.probationary > 0);
    assert!(counts.regularized > 0, "{counts:?}");
    let mut per_branch: HashMap<i64, usize> = HashMap::new();
    for p in seed.persons.iter().filter(|p| p.status != PersonStatus::Full) {
        *per_branch.entry(p.org_id).or_default() += 1;
    }
    assert!(per_branch.values().all(|n| *n <= 7), "{:?}", per_branch.values().max());

    // The demo branch develops members and has no break.
    let branch = county.users.iter().find(|u| u.username == "secretary").and_then(|u| u.org_id).unwrap();
    let own: Vec<&RecruitPersonSeed> = seed.persons.iter().filter(|p| p.org_id == branch).collect();
    assert!(own.len() >= 4, "{} persons in the demo branch", own.len());
    assert!(own.iter().all(|p| !breaks.contains_key(&p.id)));

    // Every new person's ID number is new.
    let mut numbers: HashSet<&str> = county.members.iter().filter_map(|m| m.extra.id_card.as_deref()).collect();
    for p in seed.persons.iter().filter(|p| p.member.is_none()) {
        assert!(numbers.insert(p.id_card.as_str()), "{} reuses an ID number", p.name);
        assert_eq!(jiceng_types::idcard::IdCardNo::parse_allow_legacy(&p.id_card).unwrap().birth_date(), p.birth_date);
    }
}

#[test]
fn linked_persons_are_the_registry_members() {
    let county = generate(Scale::County, 2023, today());
    let seed = &county.recruit.seed;
    let histories = histories(seed);
    let mut linked = HashSet::new();
    for p in &seed.persons {
        let h = &histories[&p.id];
        let Some(i) = p.member else {
            assert_eq!(p.status, PersonStatus::InProgress);
            assert_eq!(rules::member_dates(h), None, "{} is not approved yet", p.name);
            continue;
        };
        assert!(linked.insert(i), "member {i} linked twice");
        let m = &county.members[i];
        assert_eq!((m.name.as_str(), m.org_id, m.birth_date), (p.name.as_str(), p.org_id, p.birth_date));
        assert_eq!(m.extra.id_card.as_deref(), Some(p.id_card.as_str()));
        assert_eq!(m.status, MemberStatus::Active);
        // The 支部大会 of admission is the 入党日期; the approval follows it.
        assert_eq!(date_of(h, Step::AdmissionMeeting), Some(m.admitted_on), "{}", p.name);
        assert!(date_of(h, Step::AdmissionApproval).unwrap() > m.admitted_on);
        let dates = rules::member_dates(h).unwrap();
        match p.status {
            PersonStatus::Probationary => {
                assert_eq!(m.category, MemberCategory::Probationary);
                assert_eq!(dates, (m.admitted_on, None));
            }
            PersonStatus::Full => {
                assert_eq!(m.category, MemberCategory::Full);
                assert_eq!(dates, (m.admitted_on, m.regularized_on));
                assert_eq!(date_of(h, Step::Archiving), None, "not archived yet");
            }
            other => panic!("{} linked with status {other:?}", p.name),
        }
    }
    let probationary = county.members.iter().filter(|m| m.category == MemberCategory::Probationary).count();
    assert!(linked.len() * 10 >= probationary, "{} of {probationary} probationary members linked", linked.len());
}

jiceng_store::dual_test!(loaded_pipeline_lists_every_person_with_what_is_due, |db: Db| async move {
    let today = jiceng_types::date::today_china();
    let county = generate(Scale::Tiny, 11, today);
    let seed = &county.recruit.seed;
    assert!(!seed.persons.is_empty());
    let report = load(&db, &county, "Demo-Passw0rd!").await.unwrap();
    assert_eq!(report.recruit_persons, seed.persons.len() as u64);
    assert_eq!(report.recruit_steps, seed.steps.len() as u64);

    let cli = Scope::cli();
    let histories = histories(seed);
    let breaks = breaks(&county);
    let params = Params::default();
    let rows = pipeline::pipeline(&db, &cli, &PipelineFilter::default()).await.unwrap();
    assert_eq!(rows.len(), seed.persons.len(), "every person is in progress, probationary or not archived");
    for row in &rows {
        let p = seed.persons.iter().find(|p| p.id == row.person_id).unwrap();
        let h = &histories[&p.id];
        assert_eq!((row.name.as_str(), row.org_id.0, row.status), (p.name.as_str(), p.org_id, p.status));
        assert_eq!(row.next, rules::next_due(h, &params, today), "next step of {}", p.name);
        assert!(row.next.is_some(), "{} has a next step", p.name);
        let violations = rules::audit(h, &params, today);
        assert_eq!(row.violations, violations.len(), "{}", p.name);
        assert_eq!(breaks.contains_key(&p.id), row.violations > 0, "{}", p.name);
        let stage = h.events.iter().map(|e| e.step().stage()).max().unwrap();
        assert_eq!(row.stage, stage);
    }

    // The linked members exist with the dates of the history.
    let backend = db.raw().get_database_backend();
    let sql = "SELECT p.id AS id, m.name AS name, m.category AS category, m.admitted_on AS admitted_on, \
               m.regularized_on AS regularized_on FROM recruit_person p JOIN member m ON m.id = p.member_id";
    let linked = db.raw().query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
    assert_eq!(linked.len(), seed.persons.iter().filter(|p| p.member.is_some()).count());
    assert!(!linked.is_empty());
    for r in &linked {
        let id: i64 = r.try_get("", "id").unwrap();
        let p = seed.persons.iter().find(|p| p.id == id).unwrap();
        let name: String = r.try_get("", "name").unwrap();
        let category: String = r.try_get("", "category").unwrap();
        let admitted: NaiveDate = r.try_get("", "admitted_on").unwrap();
        let regularized: Option<NaiveDate> = r.try_get("", "regularized_on").unwrap();
        assert_eq!(name, p.name);
        let expected = if p.status == PersonStatus::Full { "full" } else { "probationary" };
        assert_eq!(category, expected, "{}", p.name);
        assert_eq!(rules::member_dates(&histories[&id]), Some((admitted, regularized)), "{}", p.name);
    }

    // One person in full, as their page shows them.
    let p = seed.persons.iter().find(|p| p.status == PersonStatus::Probationary).unwrap();
    let detail = pipeline::get(&db, &cli, &Meta::cli(), p.id).await.unwrap();
    assert_eq!(detail.person.name, p.name);
    assert_eq!(detail.person.applied_on, p.applied_on);
    assert_eq!(detail.person.status, PersonStatus::Probationary);
    let masked = jiceng_types::idcard::IdCardNo::parse(&p.id_card).unwrap().masked();
    assert_eq!(detail.person.id_card_masked, masked);
    assert_eq!(detail.steps.len(), histories[&p.id].events.len());
    assert_eq!(detail.violations, rules::audit(&histories[&p.id], &params, today));
    let member = detail.member.expect("the member record is linked");
    assert_eq!(member.category, MemberCategory::Probationary);
    assert_eq!(Some(member.admitted_on), date_of(&histories[&p.id], Step::AdmissionMeeting));

    // The ID number is found through its blind index, exactly as for a person entered by hand.
    let filter = PipelineFilter { q: Some(p.id_card.clone()), ..Default::default() };
    let found = pipeline::pipeline(&db, &cli, &filter).await.unwrap();
    assert_eq!(found.iter().map(|r| r.person_id).collect::<Vec<_>>(), [p.id]);

    // A person registered and a step recorded by hand afterwards get ids after the seed's.
    let body = "52010219990315997";
    let id_card = format!("{body}{}", char::from(jiceng_types::idcard::check_char(body.as_bytes()).unwrap()));
    let draft = PersonDraft {
        org_id: p.org_id.to_string(),
        name: "新申请人".into(),
        ethnicity: "汉族".into(),
        id_card,
        education: "大学本科".into(),
        applied_on: today.to_string(),
        ..Default::default()
    };
    let added = pipeline::create(&db, &cli, &Meta::cli(), draft.parse(today).unwrap()).await.unwrap();
    assert!(added.person.id > seed.persons.len() as i64);
    let talk =
        StepInput { held_on: today, facts: Facts::ApplicationTalk, actor: None, note: None, override_reason: None };
    let added = pipeline::record_step(&db, &cli, &Meta::cli(), added.person.id, talk).await.unwrap();
    assert!(added.steps.iter().all(|s| s.id > seed.steps.len() as i64));
    assert_eq!(jiceng_store::audit::verify(&db).await.unwrap().first_broken, None);
});

jiceng_store::dual_test!(a_broken_pipeline_seed_loads_nothing, |db: Db| async move {
    let today = jiceng_types::date::today_china();
    let county = generate(Scale::Tiny, 11, today);
    let (cli, meta) = (Scope::cli(), Meta::cli());
    let load_with = |recruit: RecruitSeed| {
        let (db, cli, meta, c) = (db.clone(), cli.clone(), meta.clone(), county.clone());
        async move {
            jiceng_store::seed::load_with_recruit(
                &db,
                &cli,
                &meta,
                &c.orgs,
                &c.members,
                &c.users,
                &c.teams,
                &c.life,
                &recruit,
                "Demo-Passw0rd!",
            )
            .await
        }
    };
    let field_of = |e: jiceng_store::StoreError| match e {
        jiceng_store::StoreError::Invalid(fields) => fields[0].field.clone(),
        other => panic!("expected a field error, got {other:?}"),
    };

    // A person without the step-1 event.
    let mut broken = county.recruit.seed.clone();
    let first = broken.persons[0].id;
    broken.steps.retain(|s| !(s.person_id == first && s.facts == Facts::Application));
    assert_eq!(field_of(load_with(broken).await.unwrap_err()), "recruit.persons[0].applied_on");
    // A probationary member without the member record.
    let mut broken = county.recruit.seed.clone();
    let i = broken.persons.iter().position(|p| p.status == PersonStatus::Probationary).unwrap();
    broken.persons[i].member = None;
    assert_eq!(field_of(load_with(broken).await.unwrap_err()), format!("recruit.persons[{i}].member"));
    // An ID number that does not parse.
    let mut broken = county.recruit.seed.clone();
    broken.persons[0].id_card.replace_range(17.., "Y");
    let e = load_with(broken).await.unwrap_err();
    assert!(matches!(&e, jiceng_store::StoreError::Invalid(f) if f[0].message.contains("身份号码")), "{e:?}");

    // Nothing of the county was written; the right seed loads.
    let backend = db.raw().get_database_backend();
    let orgs = db.raw().query_one_raw(Statement::from_string(backend, "SELECT COUNT(*) AS n FROM org")).await.unwrap();
    assert_eq!(orgs.unwrap().try_get::<i64>("", "n").unwrap(), 0);
    let report = load_with(county.recruit.seed.clone()).await.unwrap();
    assert_eq!(report.recruit_persons, county.recruit.seed.persons.len() as u64);
});

/// The pipeline of every scope and filter, from the rows kept in memory and judged from scratch.
async fn same_pipeline(kept: &Db, fresh: &Db, scopes: &[Scope], filters: &[PipelineFilter], when: &str) {
    for scope in scopes {
        for filter in filters {
            let a = pipeline::pipeline(kept, scope, filter).await;
            let b = pipeline::pipeline(fresh, scope, filter).await;
            match (a, b) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{when}: {scope:?} {filter:?}"),
                // An organization outside the scope is not found either way.
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{when}"),
                (a, b) => panic!("{when}: {scope:?} {filter:?}: {a:?} / {b:?}"),
            }
        }
    }
}

jiceng_store::dual_test!(pipeline_kept_in_memory_matches_a_judging_from_scratch, |db: Db| async move {
    use jiceng_rules::recruit::Stage;
    use jiceng_types::{OrgId, OrgPath};
    let today = jiceng_types::date::today_china();
    let county = generate(Scale::Tiny, 11, today);
    load(&db, &county, "Demo-Passw0rd!").await.unwrap();
    let kept = db.clone().keep_pipeline_in_memory();
    assert_eq!(db.pipeline_in_memory_stats(), None);
    let seed = &county.recruit.seed;
    let root = &county.orgs[0];
    let county_path = OrgPath::root(OrgId(root.id));
    let township = county.orgs.iter().find(|o| o.parent_id == Some(root.id) && !o.kind.is_branch()).unwrap();
    let town_path = county_path.child(OrgId(township.id));
    let branch = county.orgs.iter().find(|o| o.parent_id == Some(township.id) && o.kind.is_branch()).unwrap();
    let scopes = [
        Scope::cli(),
        Scope::cli_within(county_path),
        Scope::cli_within(town_path.clone()),
        Scope::cli_within(town_path.child(OrgId(branch.id))),
    ];
    let someone = &seed.persons[seed.persons.len() / 2];
    let surname: String = someone.name.chars().take(1).collect();
    let filters = [
        PipelineFilter::default(),
        PipelineFilter { stage: Some(Stage::Candidate), ..Default::default() },
        PipelineFilter { overdue_only: true, ..Default::default() },
        PipelineFilter { due_within: Some(30), ..Default::default() },
        PipelineFilter { q: Some(surname), ..Default::default() },
        PipelineFilter { q: Some(someone.id_card.clone()), ..Default::default() },
        PipelineFilter { org: Some(OrgId(township.id)), stage: Some(Stage::Activist), ..Default::default() },
    ];
    let all = pipeline::pipeline(&kept, &Scope::cli(), &PipelineFilter::default()).await.unwrap();
    assert_eq!(all.len(), seed.persons.len());
    same_pipeline(&kept, &db, &scopes, &filters, "as loaded").await;
    assert_eq!(kept.pipeline_in_memory_stats(), Some(1), "the county judged once for every list");

    // A person withdrawn through another connection (as by another process) leaves the list.
    let cli = Scope::cli();
    pipeline::withdraw(&db, &cli, &Meta::cli(), someone.id, "本人申请退出").await.unwrap();
    same_pipeline(&kept, &db, &scopes, &filters, "after a withdrawal").await;
    assert_eq!(kept.pipeline_in_memory_stats(), Some(2));
    let now = pipeline::pipeline(&kept, &cli, &PipelineFilter::default()).await.unwrap();
    assert_eq!(now.len(), all.len() - 1);
    assert!(now.iter().all(|r| r.person_id != someone.id));

    // A change the pipeline does not read (a meeting) judges nothing again.
    let backend = db.raw().get_database_backend();
    let row =
        db.raw().query_one_raw(Statement::from_string(backend, "SELECT MAX(id) AS id FROM meeting")).await.unwrap();
    let meeting: i64 = row.unwrap().try_get("", "id").unwrap();
    jiceng_store::meeting::delete(&db, &cli, &Meta::cli(), meeting, "重复录入").await.unwrap();
    same_pipeline(&kept, &db, &scopes, &filters[..1], "after a meeting deleted").await;
    assert_eq!(kept.pipeline_in_memory_stats(), Some(2));

    // A step recorded changes the person's next step.
    let p = seed.persons.iter().find(|p| p.status == PersonStatus::InProgress && p.id != someone.id).unwrap();
    let before = now.iter().find(|r| r.person_id == p.id).unwrap().clone();
    let talk = StepInput {
        held_on: today,
        facts: Facts::ApplicationTalk,
        actor: None,
        note: None,
        override_reason: Some("补录".into()),
    };
    // Whether or not the rules take it, the list must agree with a judging from scratch.
    let recorded = pipeline::record_step(&db, &cli, &Meta::cli(), p.id, talk).await.is_ok();
    same_pipeline(&kept, &db, &scopes, &filters, "after a step").await;
    let after = pipeline::pipeline(&kept, &cli, &PipelineFilter::default()).await.unwrap();
    let after = after.iter().find(|r| r.person_id == p.id).unwrap();
    assert_eq!(recorded, after.last_on != before.last_on || after.violations != before.violations);
});
