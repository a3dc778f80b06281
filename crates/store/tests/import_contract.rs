#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Importing a roster, on SQLite and PostgreSQL: new, changed and unchanged rows, rows outside
//! the scope, re-import, undo; rollups and the audit chain stay exact.

mod common;

use common::*;
use jiceng_exchange::{ImportOptions, Limits, import_members};
use jiceng_store::member::import::{self, PlanItem};
use jiceng_store::member::{self, MemberFilter};
use jiceng_store::{Db, StoreError, audit, org};
use jiceng_types::{Role, Scope, UserId};
use sea_orm::ConnectionTrait;

fn id_card(birth: &str, seq: u32, male: bool) -> String {
    let body = format!("520102{birth}{:03}", seq * 2 + u32::from(male));
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

fn csv(rows: &[[&str; 8]]) -> Vec<u8> {
    let mut s = String::from("党员名册（2026年）\n姓名,公民身份号码,民族,学历,手机号码,人员类别,入党日期,所在党支部\n");
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s.into_bytes()
}

async fn run(db: &Db, scope: &Scope, bytes: &[u8]) -> Result<import::Applied, StoreError> {
    let parsed = import_members(bytes, "名册.csv", &Limits::default(), &ImportOptions { today: today() }).unwrap();
    let plan = import::plan(db, scope, parsed, None).await?;
    import::apply(db, scope, &meta(), plan, "名册.csv").await
}

jiceng_store::dual_test!(import_reimport_change_and_undo, |db: Db| async move {
    let t = tree(&db).await;
    let town = Scope::for_user(UserId(1), "town", Role::TownshipAdmin, Some((t.town1.id, t.town1.path.clone())));
    let a = id_card("19800101", 1, true);
    let b = id_card("19850202", 2, false);
    let c = id_card("19900303", 3, true);
    let d = id_card("19950404", 4, false);
    let first = csv(&[
        ["张 三", &a, "汉族", "高中", "13900001111", "正式党员", "2005-07-01", "A0101"],
        ["李四", &b, "苗", "大学本科", "", "正式党员", "2010/7/1", "城关镇西街村党支部"],
        ["王五", &c, "布依族", "大专", "13900003333", "预备党员", "2026年1月10日", "A0101"],
        ["赵六", &d, "汉族", "高中", "", "正式党员", "2015-07-01", "A0201"],
    ]);
    let applied = run(&db, &town, &first).await.unwrap();
    assert_eq!((applied.summary.imported, applied.summary.updated, applied.summary.unchanged), (3, 0, 0));
    let rejected: Vec<(u32, &str)> = applied.summary.rejected.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(rejected, vec![(6, "所在党支部")], "the row outside the scope (Excel row 6) is rejected");
    let b11 = org::get(&db, &Scope::cli(), &meta(), t.branch11.id).await.unwrap();
    assert_eq!(b11.member_count, 2);
    assert_eq!(org::check_rollups(&db).await.unwrap(), 0);
    let zs = member::list(&db, &town, &MemberFilter { q: Some(a.clone()), ..Default::default() }, 1, 5).await.unwrap();
    assert_eq!(zs.items[0].name, "张三");
    assert_eq!(zs.items[0].phone_masked.as_deref(), Some("139****1111"));

    // The same file again: nothing changes.
    let again = run(&db, &town, &first).await.unwrap();
    assert_eq!((again.summary.imported, again.summary.updated, again.summary.unchanged), (0, 0, 3));

    // A changed phone and education, and a move within the scope.
    let second = csv(&[
        ["张三", &a, "汉族", "大学专科", "13900009999", "正式党员", "2005-07-01", "A0102"],
        ["李四", &b, "苗族", "大学本科", "", "正式党员", "2010-07-01", "A0102"],
    ]);
    let parsed = import_members(&second, "名册2.csv", &Limits::default(), &ImportOptions { today: today() }).unwrap();
    let plan = import::plan(&db, &town, parsed, None).await.unwrap();
    let PlanItem::Update { changes, .. } = &plan.items[0] else { panic!("{:?}", plan.items[0]) };
    let fields: Vec<&str> = changes.iter().map(|c| c.field).collect();
    assert_eq!(fields, vec!["学历", "手机号码", "所在党组织"]);
    assert!(matches!(plan.items[1], PlanItem::Same { .. }));
    let applied2 = import::apply(&db, &town, &meta(), plan, "名册2.csv").await.unwrap();
    assert_eq!(applied2.summary.updated, 1);
    assert_eq!(org::get(&db, &Scope::cli(), &meta(), t.branch12.id).await.unwrap().member_count, 2);
    assert_eq!(org::check_rollups(&db).await.unwrap(), 0);

    // Undo the change, then the first import. The undo record holds the phone's blind index as
    // an import before migration m0010 wrote it (the full 256 bits): the undo restores the
    // index a lookup computes now.
    let old_idx = db.field_keys().unwrap().blind_index("13900001111");
    let full = format!("{old_idx}0123456789abcdef0123456789abcdef");
    let conn = db.raw();
    let sql = format!(
        "UPDATE import_change SET \"before\" = replace(\"before\", '{old_idx}', '{full}') WHERE \"before\" IS NOT NULL"
    );
    let res = conn.execute_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
    assert_eq!(res.rows_affected(), 1);
    import::undo_last(&db, &town, &meta()).await.unwrap();
    let by_phone = MemberFilter { q: Some("13900001111".into()), ..Default::default() };
    assert_eq!(member::list(&db, &town, &by_phone, 1, 5).await.unwrap().total, 1, "found by the restored phone");
    let zs = member::list(&db, &town, &MemberFilter { q: Some(a.clone()), ..Default::default() }, 1, 5).await.unwrap();
    assert_eq!(zs.items[0].org_id, t.branch11.id);
    assert_eq!(zs.items[0].phone_masked.as_deref(), Some("139****1111"));
    assert_eq!(zs.items[0].education.label(), "高中");
    // The re-import batch (nothing changed) is the last one left; undoing it changes nothing, then the first.
    import::undo_last(&db, &town, &meta()).await.unwrap();
    import::undo_last(&db, &town, &meta()).await.unwrap();
    assert_eq!(member::list(&db, &Scope::cli(), &MemberFilter::default(), 1, 50).await.unwrap().total, 0);
    assert_eq!(org::check_rollups(&db).await.unwrap(), 0);
    assert!(matches!(import::undo_last(&db, &town, &meta()).await, Err(StoreError::Conflict { .. })));
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
});

jiceng_store::dual_test!(members_outside_the_scope_are_not_touched_or_named, |db: Db| async move {
    let t = tree(&db).await;
    let a = id_card("19800101", 1, true);
    // Registered in town2 by the county.
    run(&db, &Scope::cli(), &csv(&[["张三", &a, "汉族", "高中", "", "正式党员", "2005-07-01", "A0201"]]))
        .await
        .unwrap();
    let town = Scope::for_user(UserId(1), "town", Role::TownshipAdmin, Some((t.town1.id, t.town1.path.clone())));
    let applied =
        run(&db, &town, &csv(&[["张三", &a, "汉族", "高中", "", "正式党员", "2005-07-01", "A0101"]])).await.unwrap();
    assert_eq!(applied.summary.imported, 0);
    assert_eq!(applied.summary.rejected.len(), 1);
    assert_eq!(applied.summary.rejected[0].column, "公民身份号码");
    assert!(!applied.summary.rejected[0].reason.contains("河口"), "{}", applied.summary.rejected[0].reason);
    let branch = Scope::for_user(UserId(2), "sec", Role::Auditor, Some((t.town1.id, t.town1.path.clone())));
    assert!(matches!(run(&db, &branch, &csv(&[])).await, Err(StoreError::Forbidden { .. })));
});

async fn register(
    db: &Db,
    org: jiceng_types::OrgId,
    name: &str,
    id: &str,
    extra: impl FnOnce(&mut member::MemberDraft),
) {
    let mut d = member::MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "汉族".into(),
        id_card: id.into(),
        education: "大学本科".into(),
        category: "正式党员".into(),
        admitted_on: "2010-07-01".into(),
        ..Default::default()
    };
    extra(&mut d);
    member::create(db, &Scope::cli(), &meta(), d.parse(today()).unwrap()).await.unwrap();
}

jiceng_store::dual_test!(export_then_import_changes_nothing, |db: Db| async move {
    use jiceng_store::export::{self, Format};
    let t = tree(&db).await;
    register(&db, t.branch11.id, "张三", &id_card("19800101", 1, true), |d| {
        d.phone = "13900001111".into();
        d.work_post = "=村委会主任".into();
        d.residence = "东街12号".into();
    })
    .await;
    register(&db, t.branch12.id, "李四", &id_card("19850202", 2, false), |d| {
        d.ethnicity = "苗族".into();
        d.category = "预备党员".into();
        d.admitted_on = "2026-03-01".into();
    })
    .await;
    register(&db, t.branch11.id, "王五", &id_card("19700303", 3, true), |d| {
        d.admitted_on = "1995-07-01".into();
        d.regularized_on = "1996-07-01".into();
        d.education = "初中".into();
    })
    .await;
    let town = Scope::for_user(UserId(1), "town", Role::TownshipAdmin, Some((t.town1.id, t.town1.path.clone())));
    for format in [Format::Xlsx, Format::Csv] {
        // The township's export (full numbers: its role may reveal them) goes back in unchanged.
        let (bytes, n) = export::members(&db, &town, &meta(), &MemberFilter::default(), format).await.unwrap();
        assert_eq!(n, 3);
        let name = format!("导出.{}", format.ext());
        let parsed = import_members(&bytes, &name, &Limits::default(), &ImportOptions { today: today() }).unwrap();
        assert!(parsed.rejected.is_empty(), "{format:?}: {:?}", parsed.rejected);
        let plan = import::plan(&db, &town, parsed, None).await.unwrap();
        let s = plan.summary();
        assert_eq!((s.imported, s.updated, s.unchanged), (0, 0, 3), "{format:?}: {:?}", plan.items);
    }
    // An auditor's export is masked: it cannot be imported back, and says why.
    let auditor = Scope::for_user(UserId(2), "aud", Role::Auditor, Some((t.town1.id, t.town1.path.clone())));
    let (bytes, _) = export::members(&db, &auditor, &meta(), &MemberFilter::default(), Format::Csv).await.unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("520102********") && !text.contains(&id_card("19800101", 1, true)), "{text}");
    assert!(text.contains("'=村委会主任"), "a cell starting with = is neutralized: {text}");
    let parsed = import_members(&bytes, "masked.csv", &Limits::default(), &ImportOptions { today: today() }).unwrap();
    assert_eq!(parsed.rows.len(), 0);
    assert_eq!(parsed.rejected_rows(), 3, "{:?}", parsed.rejected);
    // Organizations: the export goes back in unchanged too.
    let (bytes, n) = export::orgs(&db, &town, &meta(), &org::ListFilter::default(), Format::Xlsx).await.unwrap();
    assert_eq!(n, 3, "the township and its two branches");
    let parsed =
        jiceng_exchange::import_orgs(&bytes, "orgs.xlsx", &Limits::default(), &ImportOptions { today: today() })
            .unwrap();
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    let s = org::import::import(&db, &town, &meta(), parsed, None, true).await.unwrap();
    assert_eq!((s.imported, s.updated, s.unchanged), (0, 0, 3), "{s:?}");
    // Every export is in the audit trail.
    let filter = audit::Filter { action: Some(audit::Action::Export), ..Default::default() };
    let exports = audit::list(&db, &Scope::cli(), &filter, 100).await.unwrap().len();
    assert_eq!(exports, 4);
});

jiceng_store::dual_test!(a_preview_overtaken_by_another_change_applies_nothing, |db: Db| async move {
    let t = tree(&db).await;
    let town = Scope::for_user(UserId(1), "town", Role::TownshipAdmin, Some((t.town1.id, t.town1.path.clone())));
    let a = id_card("19800101", 1, true);
    let b = id_card("19850202", 2, false);
    let file = csv(&[
        ["张三", &a, "汉族", "高中", "", "正式党员", "2005-07-01", "A0101"],
        ["李四", &b, "汉族", "高中", "", "正式党员", "2010-07-01", "A0101"],
    ]);
    let parse = || import_members(&file, "名册.csv", &Limits::default(), &ImportOptions { today: today() }).unwrap();
    // Two previews of the same file; the second is confirmed first.
    let stale = import::plan(&db, &town, parse(), None).await.unwrap();
    let fresh = import::plan(&db, &town, parse(), None).await.unwrap();
    import::apply(&db, &town, &meta(), fresh, "名册.csv").await.unwrap();
    let before = audit::verify(&db).await.unwrap().rows;
    match import::apply(&db, &town, &meta(), stale, "名册.csv").await {
        Err(StoreError::Conflict { code: "import_stale", message }) => assert!(message.contains("2名"), "{message}"),
        other => panic!("expected a stale-preview conflict, got {other:?}"),
    }
    let all = member::list(&db, &town, &MemberFilter::default(), 1, 50).await.unwrap();
    assert_eq!(all.total, 2, "nothing was registered twice");
    assert_eq!(audit::verify(&db).await.unwrap().rows, before, "nothing was written");

    // A member changed after the preview of an update: the update is refused too.
    let changed = csv(&[["张三", &a, "汉族", "大专", "", "正式党员", "2005-07-01", "A0101"]]);
    let parsed = import_members(&changed, "名册.csv", &Limits::default(), &ImportOptions { today: today() }).unwrap();
    let update = import::plan(&db, &town, parsed, None).await.unwrap();
    assert!(matches!(update.items[0], PlanItem::Update { .. }));
    let parsed = import_members(&changed, "名册.csv", &Limits::default(), &ImportOptions { today: today() }).unwrap();
    let first = import::plan(&db, &town, parsed, None).await.unwrap();
    import::apply(&db, &town, &meta(), first, "名册.csv").await.unwrap();
    assert!(matches!(
        import::apply(&db, &town, &meta(), update, "名册.csv").await,
        Err(StoreError::Conflict { code: "import_stale", .. })
    ));
});

jiceng_store::dual_test!(same_named_branches_are_told_apart_by_code, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    // Two townships each have a 第一党支部.
    let first1 = create(&db, &cli, Some(t.town1.id), "A0109", "第一党支部", "党支部").await;
    let first2 = create(&db, &cli, Some(t.town2.id), "A0209", "第一党支部", "党支部").await;
    let a = id_card("19800101", 1, true);
    let header = "姓名,公民身份号码,民族,学历,人员类别,入党日期,所在党支部,党组织代码\n";
    let file = |code: &str| format!("{header}张三,{a},汉族,高中,正式党员,2005-07-01,第一党支部,{code}\n").into_bytes();
    // By name alone the branch is ambiguous; the code column decides.
    let by_name = run(&db, &cli, format!("{header}张三,{a},汉族,高中,正式党员,2005-07-01,第一党支部,\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(by_name.summary.rejected.len(), 1, "{:?}", by_name.summary.rejected);
    assert_eq!(by_name.summary.rejected[0].column, "所在党支部");
    let placed = run(&db, &cli, &file("A0109")).await.unwrap();
    assert_eq!(placed.summary.imported, 1);
    assert_eq!(org::get(&db, &cli, &meta(), first1.id).await.unwrap().member_count, 1);
    // Moving to the other 第一党支部 is a change, shown with the codes.
    let parsed =
        import_members(&file("A0209"), "名册.csv", &Limits::default(), &ImportOptions { today: today() }).unwrap();
    let plan = import::plan(&db, &cli, parsed, None).await.unwrap();
    match &plan.items[0] {
        PlanItem::Update { changes, .. } => {
            assert_eq!(changes.len(), 1, "{changes:?}");
            assert_eq!(changes[0].from, "第一党支部（A0109）");
            assert_eq!(changes[0].to, "第一党支部（A0209）");
        }
        other => panic!("expected an update, got {other:?}"),
    }
    import::apply(&db, &cli, &meta(), plan, "名册.csv").await.unwrap();
    assert_eq!(org::get(&db, &cli, &meta(), first2.id).await.unwrap().member_count, 1);
    assert_eq!(org::get(&db, &cli, &meta(), first1.id).await.unwrap().member_count, 0);
    // An unknown code is reported in the code column.
    let bad = run(&db, &cli, &file("NOPE9")).await.unwrap();
    assert_eq!(bad.summary.rejected[0].column, "党组织代码");
});

/// The secondary indexes of the member table, as the schema holds them (SQLite), or their
/// names (PostgreSQL).
async fn member_indexes(db: &Db) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.raw().get_database_backend();
    let sql = match db.backend() {
        jiceng_store::Backend::Sqlite => {
            "SELECT sql AS s FROM sqlite_master WHERE type = 'index' AND tbl_name = 'member' AND sql IS NOT NULL ORDER BY name"
        }
        _ => "SELECT indexdef AS s FROM pg_indexes WHERE tablename = 'member' ORDER BY indexname",
    };
    let rows = db.raw().query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
    rows.iter().map(|r| r.try_get::<String>("", "s").unwrap()).collect()
}

// Large enough relative to the table that SQLite writes the members without their secondary
// indexes and rebuilds them before the commit.
jiceng_store::dual_test!(a_large_import_audits_every_member_and_keeps_the_indexes, |db: Db| async move {
    let t = tree(&db).await;
    let indexes = member_indexes(&db).await;
    assert!(indexes.len() >= 4, "{indexes:?}");
    let audited = audit::verify(&db).await.unwrap().rows;
    let mut s = String::from("姓名,公民身份号码,民族,学历,手机号码,人员类别,入党日期,所在党支部\n");
    let base = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap();
    let n = 6000u32;
    let name =
        |i: u32| format!("王{}", ['伟', '芳', '娜', '秀', '英', '敏', '静', '丽', '强', '磊'][(i % 10) as usize]);
    let mut ids = Vec::new();
    for i in 0..n {
        let birth = base + chrono::Days::new(u64::from(i));
        let id = id_card(&birth.format("%Y%m%d").to_string(), i % 400, i % 2 == 0);
        let branch = if i % 3 == 0 { "A0102" } else { "A0101" };
        s.push_str(&format!("{},{id},汉族,高中,139{:08},正式党员,2005-07-01,{branch}\n", name(i), i));
        ids.push(id);
    }
    let applied = run(&db, &Scope::cli(), s.as_bytes()).await.unwrap();
    assert_eq!(applied.summary.imported, u64::from(n), "{:?}", applied.summary.rejected.first());
    assert_eq!(member_indexes(&db).await, indexes, "every index is back, as it was");
    // Found through the rebuilt indexes: by ID number, and by phone.
    for (i, id) in [(0usize, &ids[0]), (4321, &ids[4321]), (5999, &ids[5999])] {
        let found = member::list(&db, &Scope::cli(), &MemberFilter { q: Some(id.clone()), ..Default::default() }, 1, 5)
            .await
            .unwrap();
        assert_eq!(found.total, 1, "{id}");
        assert_eq!(found.items[0].name, name(i as u32));
        let phone = format!("139{i:08}");
        let by_phone = member::list(&db, &Scope::cli(), &MemberFilter { q: Some(phone), ..Default::default() }, 1, 5)
            .await
            .unwrap();
        assert_eq!(by_phone.total, 1);
    }
    assert_eq!(org::get(&db, &Scope::cli(), &meta(), t.branch12.id).await.unwrap().member_count, 2000);
    assert_eq!(org::check_rollups(&db).await.unwrap(), 0);
    // One audit record per member and one for the import, chained.
    let report = audit::verify(&db).await.unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(report.rows, audited + u64::from(n) + 1);
    // The same file again changes nothing.
    let again = run(&db, &Scope::cli(), s.as_bytes()).await.unwrap();
    assert_eq!((again.summary.imported, again.summary.unchanged), (0, u64::from(n)));
});

/// Stream `bytes` into [`import::import_streaming`] in parts of `part` rows, as the command line
/// does; `end`: whether the feed says the file was read to the end.
async fn streamed(db: &Db, bytes: Vec<u8>, part: usize, end: bool) -> Option<import::Applied> {
    let (feed, parts) = tokio::sync::mpsc::channel(2);
    let reader = std::thread::spawn(move || {
        let options = ImportOptions { today: today() };
        jiceng_exchange::stream_members(&bytes, "名册.csv", &Limits::default(), &options, part, |p, hint| {
            feed.blocking_send(import::Feed::Rows(p, hint)).is_ok()
        })
        .unwrap();
        if end {
            feed.blocking_send(import::Feed::End).unwrap();
        }
    });
    let applied = import::import_streaming(db, &Scope::cli(), &meta(), None, "名册.csv", parts).await.unwrap();
    reader.join().unwrap();
    applied
}

// The command line's import: the file planned and written part by part in one transaction
// gives what planning the whole file gives, and a feed that stops early imports nothing.
jiceng_store::dual_test!(a_streamed_import_writes_each_part_and_commits_only_at_the_end, |db: Db| async move {
    let t = tree(&db).await;
    let indexes = member_indexes(&db).await;
    let audited = audit::verify(&db).await.unwrap().rows;
    let n = 6000u32;
    let base = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap();
    let file = |phone_of_7: &str| {
        let mut s = String::from("姓名,公民身份号码,民族,学历,手机号码,人员类别,入党日期,所在党支部\n");
        for i in 0..n {
            let birth = base + chrono::Days::new(u64::from(i));
            let id = id_card(&birth.format("%Y%m%d").to_string(), i % 400, i % 2 == 0);
            let phone = if i == 7 { phone_of_7.to_string() } else { format!("139{i:08}") };
            let branch = if i % 3 == 0 { "A0102" } else { "A0101" };
            let name = char::from_u32(0x4e00 + i % 2000).unwrap();
            s.push_str(&format!("王{name},{id},汉族,高中,{phone},正式党员,2005-07-01,{branch}\n"));
        }
        // A row outside the county's branches, in the last part.
        s.push_str(&format!("李四,{},汉族,高中,,正式党员,2005-07-01,没有这个支部\n", id_card("19700101", 1, true)));
        s.into_bytes()
    };

    // A feed that stops without saying the file was read: nothing is imported.
    assert!(streamed(&db, file("13900000007"), 2500, false).await.is_none());
    assert_eq!(audit::verify(&db).await.unwrap().rows, audited);
    let none = member::list(&db, &Scope::cli(), &MemberFilter::default(), 1, 5).await.unwrap();
    assert_eq!(none.total, 0);
    assert!(import::last_batch(&db, &Scope::cli()).await.unwrap().is_none());

    let applied = streamed(&db, file("13900000007"), 2500, true).await.unwrap();
    assert_eq!((applied.summary.imported, applied.summary.updated), (u64::from(n), 0));
    let rejected: Vec<(u32, &str)> = applied.summary.rejected.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(rejected, [(n + 2, "所在党支部")]);
    assert_eq!(member_indexes(&db).await, indexes, "every index is back, as it was");
    assert_eq!(org::get(&db, &Scope::cli(), &meta(), t.branch12.id).await.unwrap().member_count, 2000);
    assert_eq!(org::check_rollups(&db).await.unwrap(), 0);
    let report = audit::verify(&db).await.unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(report.rows, audited + u64::from(n) + 1);
    let batch = import::last_batch(&db, &Scope::cli()).await.unwrap().unwrap();
    assert_eq!((batch.id, batch.imported, batch.updated), (applied.batch_id, i64::from(n), 0));

    // Again with one phone number changed: one update, the rest unchanged, as the plan says.
    let changed = file("13800000007");
    let parsed = import_members(&changed, "名册.csv", &Limits::default(), &ImportOptions { today: today() }).unwrap();
    let planned = import::plan(&db, &Scope::cli(), parsed, None).await.unwrap().summary();
    let again = streamed(&db, changed, 1000, true).await.unwrap();
    assert_eq!(again.summary, planned);
    assert_eq!((again.summary.imported, again.summary.updated, again.summary.unchanged), (0, 1, u64::from(n) - 1));
    let report = audit::verify(&db).await.unwrap();
    assert_eq!((report.first_broken, report.rows), (None, audited + u64::from(n) + 3));
    // The undo of the streamed import gives the phone number back.
    import::undo_last(&db, &Scope::cli(), &meta()).await.unwrap();
    let back =
        member::list(&db, &Scope::cli(), &MemberFilter { q: Some("13900000007".into()), ..Default::default() }, 1, 5)
            .await
            .unwrap();
    assert_eq!(back.total, 1);
});
