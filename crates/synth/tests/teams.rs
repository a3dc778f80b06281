#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The generated leadership teams: consistent with the roster and the rules, with the flaws the
//! quality checks must find, and loaded into the database with their history.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiceng_store::org::team::{self, Committee, Post};
use jiceng_store::seed::TeamSeed;
use jiceng_synth::{County, Scale, generate, load};
use jiceng_types::person::{MemberCategory, MemberStatus};
use jiceng_types::{OrgId, OrgKind, OrgStatus, Scope};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

fn current(c: &County, org: i64, committee: Committee) -> Vec<&TeamSeed> {
    c.teams.iter().filter(|t| t.org_id == org && t.committee == committee && t.ended_on.is_none()).collect()
}

fn full_members(c: &County, org: i64) -> usize {
    c.members
        .iter()
        .filter(|m| m.org_id == org && m.status == MemberStatus::Active && m.category == MemberCategory::Full)
        .count()
}

fn check(c: &County) {
    let by_id: HashMap<i64, _> = c.orgs.iter().map(|o| (o.id, o)).collect();
    let (mut vacant, mut no_committee, mut dual, mut villages) = (0, 0, 0, 0);
    for o in c.orgs.iter().filter(|o| o.status == OrgStatus::Active) {
        let party = current(c, o.id, Committee::Party);
        let heads = party.iter().filter(|t| t.post == Post::Secretary).count();
        assert!(heads <= 1, "{}: {heads} secretaries", o.name);
        let ended = c.teams.iter().any(|t| t.org_id == o.id && t.post == Post::Secretary && t.ended_on.is_some());
        if heads == 0 && ended {
            vacant += 1;
        }
        if o.kind.is_branch() && full_members(c, o.id) >= 7 {
            assert!(party.len() <= 5, "{}: committee of {}", o.name, party.len());
            if party.len() < 3 && heads == 1 {
                no_committee += 1;
            }
        }
        let village = current(c, o.id, Committee::Village);
        for t in village.iter().filter(|t| t.title.as_deref() == Some("妇女主任")) {
            assert_eq!(t.gender, jiceng_types::person::Gender::Female, "{}: {t:?}", o.name);
        }
        if !village.is_empty() {
            villages += 1;
            assert!(o.name.contains('村'), "{} has a villagers' committee", o.name);
            assert_eq!(village.iter().filter(|t| t.post == Post::Director).count(), 1, "{}", o.name);
        }
        for t in party.iter().filter(|t| t.dual_role) {
            dual += 1;
            assert!(!village.is_empty() && t.post == Post::Secretary, "{}: 一肩挑 outside a village", o.name);
            let director = village.iter().find(|v| v.post == Post::Director).unwrap();
            assert_eq!(director.member, t.member, "{}: the 一肩挑 secretary is the 主任", o.name);
        }
    }
    assert!(vacant >= 1, "a branch with its secretary's post vacant");
    assert!(no_committee >= 1, "a branch of 7 or more full members without a committee");
    assert!(villages >= 5 && dual >= villages / 3, "villages {villages}, 一肩挑 {dual}");
    assert!(
        c.teams.iter().any(|t| t.committee == Committee::Party && t.post == Post::Secretary && t.ended_on.is_some())
    );
    for t in &c.teams {
        assert!(by_id.contains_key(&t.org_id));
        assert!(t.ended_on.is_none_or(|e| e >= t.started_on && e <= today()), "{t:?}");
        assert!(t.started_on <= today());
        assert!((t.started_on - t.birth_date).num_days() >= 18 * 365, "{t:?}");
        match t.member {
            Some(i) => {
                let m = &c.members[i];
                assert_eq!((&m.name, m.birth_date, m.status), (&t.name, t.birth_date, MemberStatus::Active));
                // In the organization or below it.
                let mut at = Some(m.org_id);
                while at.is_some_and(|a| a != t.org_id) {
                    at = at.and_then(|a| by_id[&a].parent_id);
                }
                assert_eq!(at, Some(t.org_id), "{} is not of {}", m.name, by_id[&t.org_id].name);
            }
            None => assert_eq!(t.committee, Committee::Village, "{t:?}"),
        }
    }
    let branches = c.orgs.iter().filter(|o| o.status == OrgStatus::Active && o.kind == OrgKind::Branch).count();
    let staffed = c
        .orgs
        .iter()
        .filter(|o| o.status == OrgStatus::Active && o.kind == OrgKind::Branch)
        .filter(|o| c.teams.iter().any(|t| t.org_id == o.id))
        .count();
    assert!(staffed * 100 >= branches * 95, "{staffed} of {branches} branches have a team");
}

#[test]
fn teams_follow_the_roster_and_the_rules() {
    for seed in 0..4 {
        check(&generate(Scale::Tiny, seed, today()));
    }
    let county = generate(Scale::County, 1, today());
    check(&county);
    assert_eq!(format!("{:?}", county.teams), format!("{:?}", generate(Scale::County, 1, today()).teams));
}

jiceng_store::dual_test!(teams_load_with_their_history, |db: jiceng_store::Db| async move {
    let county = generate(Scale::Tiny, 1, today());
    let report = load(&db, &county, "Demo-Passw0rd!").await.unwrap();
    assert_eq!(report.teams, county.teams.len() as u64);
    let cli = Scope::cli();
    let facts = team::team_facts(&db, &cli).await.unwrap();
    assert!(facts.values().any(|f| !f.has_secretary && f.secretary_vacant_since.is_some()));
    let town = county.orgs.iter().find(|o| o.kind == OrgKind::Committee && o.name.ends_with("镇党委")).unwrap();
    let s = team::structure(&db, &cli, &jiceng_store::Meta::cli(), OrgId(town.id), today()).await.unwrap();
    assert!(s.total.villages >= 3 && s.total.people >= 15, "{:?}", s.total);
    let with_team = county.teams.iter().find(|t| t.ended_on.is_some()).unwrap();
    let history =
        jiceng_store::org::history(&db, &cli, &jiceng_store::Meta::cli(), OrgId(with_team.org_id)).await.unwrap();
    assert!(history.iter().any(|e| e.kind == "team_ended"));
    assert_eq!(jiceng_store::audit::verify(&db).await.unwrap().first_broken, None);
});
