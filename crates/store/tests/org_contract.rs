#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Contract tests of the organization tree, on SQLite and PostgreSQL.

mod common;

use common::*;
use jiceng_store::org::{self, ListFilter, Show};
use jiceng_store::{Db, StoreError, audit};
use jiceng_types::{OrgId, OrgStatus, Role, Scope, UserId};

fn township_admin(t: &Tree) -> Scope {
    Scope::for_user(UserId(100), "town1", Role::TownshipAdmin, Some((t.town1.id, t.town1.path.clone())))
}

jiceng_store::dual_test!(paths_follow_the_tree, |db: Db| async move {
    let t = tree(&db).await;
    assert_eq!(t.county.path.as_str(), format!("/{}/", t.county.id));
    assert_eq!(t.branch11.path, t.town1.path.child(t.branch11.id));
    assert_eq!(t.branch11.depth(), 2);
    assert_eq!(t.branch11.code, "A0101");
});

jiceng_store::dual_test!(lists_are_scoped, |db: Db| async move {
    let t = tree(&db).await;
    let s = township_admin(&t);
    let page = org::list(&db, &s, &ListFilter::default(), 1, 100).await.unwrap();
    let codes: Vec<&str> = page.items.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(codes, vec!["A01", "A0101", "A0102"]);
    assert_eq!(page.total, 3);
    // Per-object checks agree with the list.
    for o in [&t.county, &t.town2, &t.branch21, &t.other_county, &t.other_branch] {
        assert!(matches!(org::get(&db, &s, &meta(), o.id).await, Err(StoreError::NotFound)), "{}", o.code);
    }
    for o in [&t.town1, &t.branch11, &t.branch12] {
        assert_eq!(org::get(&db, &s, &meta(), o.id).await.unwrap().id, o.id);
    }
    let roots = org::roots(&db, &s, Show::Active).await.unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].org.id, t.town1.id);
    assert_eq!(roots[0].children, 2);
    assert_eq!(roots[0].subtree_orgs, 3);
});

jiceng_store::dual_test!(search_by_name_initials_and_code, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    let find = |q: &str| ListFilter { q: Some(q.into()), ..Default::default() };
    let codes = |p: org::Page<org::Org>| p.items.into_iter().map(|o| o.code).collect::<Vec<_>>();
    assert_eq!(codes(org::list(&db, &cli, &find("东街"), 1, 50).await.unwrap()), vec!["A0101"]);
    assert_eq!(codes(org::list(&db, &cli, &find("cgz"), 1, 50).await.unwrap()), vec!["A01", "A0101", "A0102"]);
    assert_eq!(codes(org::list(&db, &cli, &find("b0"), 1, 50).await.unwrap()), vec!["B01"]);
    assert_eq!(codes(org::list(&db, &cli, &find("%"), 1, 50).await.unwrap()), Vec::<String>::new());
    let s = township_admin(&t);
    assert_eq!(codes(org::list(&db, &s, &find("河口"), 1, 50).await.unwrap()), Vec::<String>::new());
});

jiceng_store::dual_test!(duplicate_codes_are_refused, |db: Db| async move {
    let t = tree(&db).await;
    let input = draft(Some(t.town1.id), "a0101", "重复代码支部", "党支部").parse(today()).unwrap();
    match org::create(&db, &Scope::cli(), &meta(), input).await {
        Err(StoreError::Invalid(errs)) => assert_eq!((errs[0].field.as_str(), errs[0].code), ("code", "duplicate")),
        other => panic!("{other:?}"),
    }
});

jiceng_store::dual_test!(branches_hold_no_orgs, |db: Db| async move {
    let t = tree(&db).await;
    let input = draft(Some(t.branch11.id), "A010101", "支部下的支部", "党支部").parse(today()).unwrap();
    match org::create(&db, &Scope::cli(), &meta(), input).await {
        Err(StoreError::Invalid(errs)) => assert_eq!(errs[0].code, "parent_is_branch"),
        other => panic!("{other:?}"),
    }
});

jiceng_store::dual_test!(moving_rewrites_the_subtree, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    let general = create(&db, &cli, Some(t.town1.id), "A0103", "城关镇机关党总支", "党总支").await;
    let sub = create(&db, &cli, Some(general.id), "A010301", "城关镇政府办党支部", "党支部").await;
    let moved = org::move_to(&db, &cli, &meta(), general.id, t.town2.id, today()).await.unwrap();
    assert_eq!(moved.path, t.town2.path.child(general.id));
    assert_eq!(moved.parent_id, Some(t.town2.id));
    let sub = org::get(&db, &cli, &meta(), sub.id).await.unwrap();
    assert_eq!(sub.path, moved.path.child(sub.id));
    assert_eq!(sub.depth(), 3);
    let hist = org::history(&db, &cli, &meta(), general.id).await.unwrap();
    assert_eq!(hist.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), vec!["created", "moved"]);
});

jiceng_store::dual_test!(moves_into_own_subtree_are_refused, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    let general = create(&db, &cli, Some(t.town1.id), "A0103", "城关镇机关党总支", "党总支").await;
    match org::move_to(&db, &cli, &meta(), t.town1.id, general.id, today()).await {
        Err(StoreError::Invalid(errs)) => assert_eq!(errs[0].code, "cycle"),
        other => panic!("{other:?}"),
    }
    match org::move_to(&db, &cli, &meta(), t.town1.id, t.town1.id, today()).await {
        Err(StoreError::Invalid(errs)) => assert_eq!(errs[0].code, "cycle"),
        other => panic!("{other:?}"),
    }
});

jiceng_store::dual_test!(moves_outside_scope_are_refused_and_change_nothing, |db: Db| async move {
    let t = tree(&db).await;
    let s = township_admin(&t);
    let before = audit::verify(&db).await.unwrap().rows;
    match org::move_to(&db, &s, &meta(), t.branch11.id, t.town2.id, today()).await {
        Err(StoreError::Invalid(errs)) => assert_eq!(errs[0].code, "parent_not_found"),
        other => panic!("{other:?}"),
    }
    // Own root cannot be moved: that is a refused right, and it is audited.
    match org::move_to(&db, &s, &meta(), t.town1.id, t.town2.id, today()).await {
        Err(StoreError::Forbidden { code, .. }) => assert_eq!(code, "own_root"),
        other => panic!("{other:?}"),
    }
    let b = org::get(&db, &Scope::cli(), &meta(), t.branch11.id).await.unwrap();
    assert_eq!(b.path, t.branch11.path);
    let after = audit::verify(&db).await.unwrap();
    assert_eq!(after.first_broken, None);
    assert_eq!(after.rows, before + 1, "one denial record");
});

jiceng_store::dual_test!(dissolve_keeps_history, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    match org::dissolve(&db, &cli, &meta(), t.town1.id, today(), "撤并").await {
        Err(StoreError::Conflict { code, .. }) => assert_eq!(code, "has_children"),
        other => panic!("{other:?}"),
    }
    let d = org::dissolve(&db, &cli, &meta(), t.branch12.id, today(), "村撤并").await.unwrap();
    assert_eq!(d.status, OrgStatus::Dissolved);
    let active = org::list(&db, &cli, &ListFilter::default(), 1, 100).await.unwrap();
    assert!(!active.items.iter().any(|o| o.id == t.branch12.id));
    let all = org::list(&db, &cli, &ListFilter { show: Show::All, ..Default::default() }, 1, 100).await.unwrap();
    assert!(all.items.iter().any(|o| o.id == t.branch12.id));
    let hist = org::history(&db, &cli, &meta(), t.branch12.id).await.unwrap();
    assert_eq!(hist.last().unwrap().kind, "dissolved");
});

jiceng_store::dual_test!(merge_moves_children, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    let merged = org::merge_into(&db, &cli, &meta(), t.town2.id, t.town1.id, today()).await.unwrap();
    assert_eq!(merged.status, OrgStatus::Merged);
    assert_eq!(merged.merged_into_id, Some(t.town1.id));
    let b = org::get(&db, &cli, &meta(), t.branch21.id).await.unwrap();
    assert_eq!(b.parent_id, Some(t.town1.id));
    assert_eq!(b.path, t.town1.path.child(t.branch21.id));
});

jiceng_store::dual_test!(every_change_is_audited_in_a_valid_chain, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    let mut input = draft(Some(t.town1.id), "A0101", "城关镇东街社区党支部", "党支部").parse(today()).unwrap();
    input.domain = jiceng_types::OrgDomain::Community;
    org::update(&db, &cli, &meta(), t.branch11.id, input).await.unwrap();
    let report = audit::verify(&db).await.unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(report.rows, 9, "8 creations and 1 update");
    let rows =
        audit::list(&db, &cli, &audit::Filter { object_id: Some(t.branch11.id.to_string()), ..Default::default() }, 10)
            .await
            .unwrap();
    assert_eq!(rows[0].action, "update");
    let changes: serde_json::Value = serde_json::from_str(&rows[0].changes).unwrap();
    assert_eq!(changes["name"]["to"], "城关镇东街社区党支部");
    assert_eq!(changes["domain"]["from"], "rural");
    assert!(changes.get("code").is_none(), "unchanged fields are not recorded");
});

jiceng_store::dual_test!(denied_reads_are_recorded, |db: Db| async move {
    let t = tree(&db).await;
    let s = township_admin(&t);
    let _ = org::get(&db, &s, &meta(), t.other_branch.id).await;
    let rows = audit::list(
        &db,
        &Scope::cli(),
        &audit::Filter { action: Some(audit::Action::Denied), ..Default::default() },
        10,
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].object_id.as_deref(), Some(t.other_branch.id.to_string().as_str()));
    // A nonexistent id is not recorded.
    let _ = org::get(&db, &s, &meta(), OrgId(999_999)).await;
    let rows = audit::list(
        &db,
        &Scope::cli(),
        &audit::Filter { action: Some(audit::Action::Denied), ..Default::default() },
        10,
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
});

jiceng_store::dual_test!(rollups_stay_exact_under_random_restructuring, |db: Db| async move {
    let t = tree(&db).await;
    let cli = Scope::cli();
    assert_eq!(org::check_rollups(&db).await.unwrap(), 0);
    // A deterministic pseudo-random walk of creations, moves, merges and dissolutions.
    let mut seed: u64 = 0x5EED;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n.max(1)
    };
    let mut made = 0;
    let (mut moved, mut merged, mut dissolved) = (0, 0, 0);
    for step in 0..80 {
        let all = org::list(&db, &cli, &ListFilter { sort: org::Sort::Tree, ..Default::default() }, 1, 500)
            .await
            .unwrap()
            .items;
        let containers: Vec<&org::Org> = all.iter().filter(|o| !o.kind.is_branch()).collect();
        let movable: Vec<&org::Org> = all.iter().filter(|o| o.parent_id.is_some()).collect();
        match next(4) {
            0 | 1 => {
                let parent = containers[next(containers.len())];
                made += 1;
                let kind = if next(2) == 0 { "党支部" } else { "党总支" };
                create(&db, &cli, Some(parent.id), &format!("R{made:03}"), &format!("随机组织{made}"), kind).await;
            }
            2 => {
                let o = movable[next(movable.len())];
                let target = containers[next(containers.len())];
                moved += usize::from(org::move_to(&db, &cli, &meta(), o.id, target.id, today()).await.is_ok());
            }
            _ => {
                let o = movable[next(movable.len())];
                if next(2) == 0 {
                    let target = &all[next(all.len())];
                    merged += usize::from(org::merge_into(&db, &cli, &meta(), o.id, target.id, today()).await.is_ok());
                } else {
                    dissolved += usize::from(org::dissolve(&db, &cli, &meta(), o.id, today(), "调整").await.is_ok());
                }
            }
        }
        assert_eq!(org::check_rollups(&db).await.unwrap(), 0, "rollups exact after step {step}");
    }
    assert!(moved > 2 && merged > 2 && dissolved > 2, "the walk exercised every kind: {moved} {merged} {dissolved}");
    let roots = org::roots(&db, &cli, Show::Active).await.unwrap();
    let active = org::list(&db, &cli, &ListFilter::default(), 1, 500).await.unwrap();
    assert_eq!(roots.iter().map(|n| n.subtree_orgs).sum::<i64>() as usize, active.items.len());
    assert_eq!(org::rebuild_rollups(&db, &cli).await.unwrap(), 0, "nothing to correct");
    let _ = t;
});
