#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Contract tests of the member registry, on SQLite and PostgreSQL: encrypted personal numbers,
//! search, status changes with their history, rollups, scope and audit.

mod common;

use chrono::NaiveDate;
use common::*;
use jiceng_store::member::{self, MemberDraft, MemberFilter, MemberShow, Sensitive, StatusChange};
use jiceng_store::{Db, StoreError, audit, org};
use jiceng_types::person::{MemberCategory, MemberStatus};
use jiceng_types::{MemberId, OrgId, Role, Scope, UserId};
use sea_orm::ConnectionTrait;

/// A valid ID-card number for a birth date (`19850312`), a sequence and a gender.
fn id_card(birth: &str, seq: u32, male: bool) -> String {
    let seq = seq * 2 + u32::from(male);
    let body = format!("520102{birth}{seq:03}");
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

fn draft(org: OrgId, name: &str, id: &str) -> MemberDraft {
    MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "汉族".into(),
        id_card: id.into(),
        education: "大学本科".into(),
        phone: "13900001111".into(),
        category: "正式党员".into(),
        admitted_on: "2010-07-01".into(),
        regularized_on: "2011-07-01".into(),
        ..Default::default()
    }
}

async fn add(db: &Db, org: OrgId, name: &str, id: &str) -> member::Member {
    let input = draft(org, name, id).parse(today()).unwrap();
    member::create(db, &Scope::cli(), &meta(), input).await.unwrap()
}

fn secretary(t: &Tree) -> Scope {
    Scope::for_user(UserId(7), "sec", Role::BranchSecretary, Some((t.branch11.id, t.branch11.path.clone())))
}

jiceng_store::dual_test!(members_are_encrypted_masked_and_found_exactly, |db: Db| async move {
    let t = tree(&db).await;
    let id = id_card("19850312", 12, true);
    let m = add(&db, t.branch11.id, "张三", &id).await;
    assert_eq!(m.id_card_masked.as_deref(), Some(format!("{}********{}", &id[..6], &id[14..]).as_str()));
    assert_eq!(m.phone_masked.as_deref(), Some("139****1111"));
    assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1985, 3, 12).unwrap(), "taken from the ID number");
    // Nothing readable is stored.
    let rows = db
        .raw()
        .query_all_raw(sea_orm::Statement::from_string(db.raw().get_database_backend(), "SELECT * FROM member"))
        .await
        .unwrap();
    let dump = format!("{rows:?}");
    assert!(!dump.contains(&id), "the ID number is not stored in clear");
    assert!(!dump.contains("13900001111"));
    // Exact search by number, search by name, pinyin and initials.
    let cli = Scope::cli();
    for q in [id.as_str(), &id.to_lowercase(), "139 0000 1111", "张三", "zs", "zhangsan", "三"] {
        let found =
            member::list(&db, &cli, &MemberFilter { q: Some(q.into()), ..Default::default() }, 1, 10).await.unwrap();
        assert_eq!(found.items.len(), 1, "{q}");
    }
    let none =
        member::list(&db, &cli, &MemberFilter { q: Some(id_card("19850312", 13, true)), ..Default::default() }, 1, 10)
            .await
            .unwrap();
    assert_eq!(none.total, 0);
    // Reveal needs the right and is audited.
    let s = secretary(&t);
    assert_eq!(member::reveal(&db, &s, &meta(), m.id, Sensitive::IdCard).await.unwrap().as_deref(), Some(id.as_str()));
    let auditor = Scope::for_user(UserId(8), "aud", Role::Auditor, Some((t.county.id, t.county.path.clone())));
    assert!(matches!(
        member::reveal(&db, &auditor, &meta(), m.id, Sensitive::Phone).await,
        Err(StoreError::Forbidden { .. })
    ));
    let reveals =
        audit::list(&db, &cli, &audit::Filter { action: Some(audit::Action::Reveal), ..Default::default() }, 10)
            .await
            .unwrap();
    assert_eq!(reveals.len(), 1);
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
});

jiceng_store::dual_test!(id_numbers_must_agree_and_be_unique, |db: Db| async move {
    let t = tree(&db).await;
    let id = id_card("19900101", 1, false);
    let mut d = draft(t.branch11.id, "李四", &id);
    d.gender = "男".into();
    d.birth_date = "1990-01-02".into();
    let errs = d.parse(today()).unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["gender", "birth_date"]);
    add(&db, t.branch11.id, "李四", &id).await;
    // The same person again: refused, naming the existing record only inside the scope.
    let again = draft(t.branch21.id, "李四", &id).parse(today()).unwrap();
    match member::create(&db, &Scope::cli(), &meta(), again.clone()).await {
        Err(StoreError::Invalid(e)) => assert!(e[0].message.contains("李四"), "{}", e[0].message),
        other => panic!("{other:?}"),
    }
    let town2 = Scope::for_user(UserId(9), "t2", Role::TownshipAdmin, Some((t.town2.id, t.town2.path.clone())));
    match member::create(&db, &town2, &meta(), again).await {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e[0].code, "duplicate");
            assert!(!e[0].message.contains("李四"), "no names from outside the scope: {}", e[0].message);
        }
        other => panic!("{other:?}"),
    }
});

jiceng_store::dual_test!(status_changes_keep_rollups_and_history, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    let a = add(&db, t.branch11.id, "王五", &id_card("19700505", 3, true)).await;
    let b = add(&db, t.branch11.id, "赵六", &id_card("19720606", 4, false)).await;
    let count = |o: OrgId| {
        let db = db.clone();
        async move { org::get(&db, &Scope::cli(), &meta(), o).await.unwrap() }
    };
    assert_eq!(count(t.branch11.id).await.member_count, 2);
    assert_eq!(count(t.county.id).await.subtree_members, 2);
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    member::change_status(&db, &cli, &meta(), a.id, StatusChange::OutOfContact { on: d("2025-01-01") }).await.unwrap();
    member::change_status(&db, &cli, &meta(), a.id, StatusChange::Suspend { on: d("2025-08-01") }).await.unwrap();
    assert_eq!(count(t.branch11.id).await.member_count, 1);
    assert_eq!(count(t.town1.id).await.subtree_members, 1);
    // The roster's total (active from the rollups, plus the suspended) matches its rows, for the
    // whole county, a township's scope and one organization; a search counts rows.
    let town = Scope::for_user(UserId(1), "town", Role::TownshipAdmin, Some((t.town1.id, t.town1.path.clone())));
    for (scope, filter) in [
        (&cli, MemberFilter::default()),
        (&town, MemberFilter::default()),
        (&cli, MemberFilter { org_id: Some(t.branch11.id), ..Default::default() }),
        (&cli, MemberFilter { q: Some("wang".into()), ..Default::default() }),
    ] {
        let page = member::list(&db, scope, &filter, 1, 500).await.unwrap();
        let expected = if filter.q.is_some() { 1 } else { 2 };
        assert_eq!((page.total, page.items.len()), (expected, expected as usize), "{filter:?}");
    }
    member::change_status(&db, &cli, &meta(), a.id, StatusChange::Restore { on: d("2025-09-01") }).await.unwrap();
    member::change_status(&db, &cli, &meta(), b.id, StatusChange::Leave { on: d("2025-10-01"), reason: "死亡".into() })
        .await
        .unwrap();
    assert_eq!(count(t.county.id).await.subtree_members, 1);
    assert!(matches!(
        member::change_status(&db, &cli, &meta(), b.id, StatusChange::Restore { on: d("2025-11-01") }).await,
        Err(StoreError::Conflict { .. })
    ));
    // Moving a member to another organization in scope moves the counts.
    let mut moved = draft(t.branch21.id, "王五", &id_card("19700505", 3, true)).parse(today()).unwrap();
    moved.phone = None;
    member::update(&db, &cli, &meta(), a.id, moved).await.unwrap();
    assert_eq!(count(t.branch11.id).await.member_count, 0);
    assert_eq!(count(t.branch21.id).await.member_count, 1);
    assert_eq!(org::check_rollups(&db).await.unwrap(), 0);
    let kinds: Vec<String> =
        member::history(&db, &cli, &meta(), a.id).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        ["created", "out_of_contact", "suspended", "restored", "org_changed", "updated"],
        "events in date order"
    );
    let left =
        member::list(&db, &cli, &MemberFilter { show: MemberShow::Left, ..Default::default() }, 1, 10).await.unwrap();
    assert_eq!(left.items.len(), 1);
    assert_eq!(left.items[0].status, MemberStatus::Left);
});

jiceng_store::dual_test!(probation_rules_are_enforced, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    let mut d = draft(t.branch11.id, "钱七", &id_card("19980808", 5, true));
    d.category = "预备党员".into();
    d.admitted_on = "2025-07-01".into();
    d.regularized_on = String::new();
    let m = member::create(&db, &cli, &meta(), d.parse(today()).unwrap()).await.unwrap();
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    // Extension: once, between 6 and 12 months beyond the year.
    assert!(matches!(
        member::change_status(
            &db,
            &cli,
            &meta(),
            m.id,
            StatusChange::ExtendProbation { until: day("2026-12-31"), on: day("2026-06-01") }
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    member::change_status(
        &db,
        &cli,
        &meta(),
        m.id,
        StatusChange::ExtendProbation { until: day("2027-01-01"), on: day("2026-06-01") },
    )
    .await
    .unwrap();
    assert!(matches!(
        member::change_status(
            &db,
            &cli,
            &meta(),
            m.id,
            StatusChange::ExtendProbation { until: day("2027-03-01"), on: day("2026-06-01") }
        )
        .await,
        Err(StoreError::Conflict { .. })
    ));
    let full =
        member::change_status(&db, &cli, &meta(), m.id, StatusChange::Regularize { on: day("2026-07-01") }).await;
    if day("2026-07-01") <= today() {
        assert_eq!(full.unwrap().category, MemberCategory::Full);
    }
});

jiceng_store::dual_test!(members_outside_scope_are_invisible_and_unchangeable, |db: Db| async move {
    let t = tree(&db).await;
    let inside = add(&db, t.branch11.id, "孙八", &id_card("19800101", 6, true)).await;
    let outside = add(&db, t.branch21.id, "周九", &id_card("19800202", 7, false)).await;
    let s = secretary(&t);
    let page = member::list(&db, &s, &MemberFilter::default(), 1, 50).await.unwrap();
    assert_eq!(page.items.iter().map(|m| m.id).collect::<Vec<_>>(), vec![inside.id]);
    assert!(matches!(member::get(&db, &s, &meta(), outside.id).await, Err(StoreError::NotFound)));
    let by_number =
        member::list(&db, &s, &MemberFilter { q: Some(id_card("19800202", 7, false)), ..Default::default() }, 1, 50)
            .await
            .unwrap();
    assert_eq!(by_number.total, 0, "exact search is scoped too");
    let change = StatusChange::WithoutPost { without_post: true, on: today() };
    assert!(matches!(
        member::change_status(&db, &s, &meta(), outside.id, change.clone()).await,
        Err(StoreError::NotFound)
    ));
    let into_other = draft(t.branch21.id, "孙八", &id_card("19800101", 6, true)).parse(today()).unwrap();
    match member::update(&db, &s, &meta(), inside.id, into_other).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e[0].code, "org_not_found"),
        other => panic!("{other:?}"),
    }
    let member_role = Scope::for_user(UserId(10), "m", Role::Member, Some((t.branch11.id, t.branch11.path.clone())));
    assert!(matches!(
        member::list(&db, &member_role, &MemberFilter::default(), 1, 10).await,
        Err(StoreError::Forbidden { .. })
    ));
    assert!(matches!(member::get(&db, &s, &meta(), MemberId(999_999)).await, Err(StoreError::NotFound)));
});

jiceng_store::dual_test!(blind_indexes_stored_in_full_are_cut_by_the_migration, |db: Db| async move {
    use sea_orm_migration::MigratorTrait;
    let t = tree(&db).await;
    let id = id_card("19850312", 21, true);
    let m = add(&db, t.branch11.id, "李四", &id).await;
    let conn = db.raw();
    let backend = conn.get_database_backend();
    let run = |sql: &str| conn.execute_raw(sea_orm::Statement::from_string(backend, sql.to_string()));
    let found = |q: &str| {
        let filter = MemberFilter { q: Some(q.into()), ..Default::default() };
        let db = db.clone();
        async move { member::list(&db, &Scope::cli(), &filter, 1, 10).await.unwrap().total }
    };
    assert_eq!(found(&id).await, 1);
    // As a database written before the cut holds them: the full 256 bits of HMAC-SM3.
    let tail = "0123456789abcdef0123456789abcdef";
    run(&format!(
        "UPDATE member SET id_card_idx = id_card_idx || '{tail}', phone_idx = phone_idx || '{tail}' WHERE id = {}",
        m.id.0
    ))
    .await
    .unwrap();
    assert_eq!(found(&id).await, 0, "a full index is not what a lookup asks for now");
    // The remembered fingerprint of the field keys, too.
    jiceng_store::crypto::verify_field_keys(&db).await.unwrap();
    run(&format!("UPDATE setting SET value = value || '{tail}' WHERE key = 'field_key_check'")).await.unwrap();
    jiceng_store::crypto::verify_field_keys(&db).await.expect("a fingerprint stored in full is still recognized");
    run("DELETE FROM jiceng_migration WHERE version = 'm0010_short_blind_indexes'").await.unwrap();
    jiceng_store::migration::Migrator::up(conn, None).await.unwrap();
    assert_eq!(found(&id).await, 1, "found by ID number again");
    assert_eq!(found("13900001111").await, 1, "found by phone again");
    let q = "SELECT value FROM setting WHERE key = 'field_key_check'";
    let row = conn.query_one_raw(sea_orm::Statement::from_string(backend, q)).await.unwrap().unwrap();
    assert_eq!(row.try_get::<String>("", "value").unwrap().len(), 32);
    jiceng_store::crypto::verify_field_keys(&db).await.unwrap();
});
