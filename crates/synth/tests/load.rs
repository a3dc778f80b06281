#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Loading a generated county into a fresh database.

use chrono::NaiveDate;
use jiceng_store::testing::TestDb;
use jiceng_synth::{Scale, generate, load};

jiceng_store::dual_test!(tiny_loads_into_an_empty_database, |db: jiceng_store::Db| async move {
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let county = generate(Scale::Tiny, 1, today);
    let report = load(&db, &county, "Demo-Passw0rd!").await.unwrap();
    assert_eq!(report.orgs, county.orgs.len() as u64);
    assert_eq!(report.members, county.members.len() as u64);
    assert_eq!(report.users, county.users.len() as u64);
    // The rollups written by the bulk loader equal a recomputation from the rows.
    assert_eq!(jiceng_store::org::check_rollups(&db).await.unwrap(), 0);
    assert_eq!(jiceng_store::audit::verify(&db).await.unwrap().first_broken, None);
    // The member indexes, dropped for the bulk load, are all back.
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = db.raw().get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'member' ORDER BY 1"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'member' AND name LIKE 'idx_%' ORDER BY 1"
    };
    let names: Vec<String> = db
        .raw()
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .filter(|n| n.starts_with("idx_"))
        .collect();
    assert_eq!(names, ["idx_member_id_card", "idx_member_org_name", "idx_member_phone", "idx_member_suspended"]);
    // The demo 党员 account is linked to its own record.
    let linked = db
        .raw()
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT m.name AS name FROM app_user u JOIN member m ON m.id = u.member_id WHERE u.username = 'member'",
        ))
        .await
        .unwrap();
    assert!(linked.is_some(), "the member account has its record");
    // Only an empty database takes demo data.
    assert!(load(&db, &county, "Demo-Passw0rd!").await.is_err());
});

jiceng_store::dual_test!(demo_after_first_start_keeps_the_existing_sysadmin, |db: jiceng_store::Db| async move {
    let (name, _) = jiceng_store::auth::bootstrap(&db).await.unwrap().unwrap();
    assert_eq!(name, "sysadmin");
    let county = generate(Scale::Tiny, 1, NaiveDate::from_ymd_opt(2026, 5, 1).unwrap());
    let report = load(&db, &county, "Demo-Passw0rd!").await.unwrap();
    assert_eq!(report.users, county.users.len() as u64 - 1, "the existing sysadmin is left alone");
});

/// How long a county-scale load takes on SQLite (`cargo test -p jiceng-synth --release --test load
/// -- --ignored --nocapture`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "loads 40,000 members; run in release mode"]
async fn county_load_time() {
    let t = TestDb::sqlite().await.unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let county = generate(Scale::County, 1, today);
    let start = std::time::Instant::now();
    let report = load(&t.db, &county, "Demo-Passw0rd!").await.unwrap();
    println!("county: {} orgs, {} members loaded in {:.2?}", report.orgs, report.members, start.elapsed());
    assert_eq!(report.members, county.members.len() as u64);
    t.cleanup().await;
}
