use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn org(id: i64) -> OrgFacts {
    OrgFacts {
        id,
        name: format!("第{id}党支部"),
        kind: OrgKind::Branch,
        term_end: Some(d("2030-01-01")),
        full_members: 5,
        probationary_members: 0,
        committee_size: 0,
        has_secretary: true,
        secretary_vacant_since: None,
    }
}

fn member(id: i64) -> MemberFacts {
    MemberFacts {
        id,
        org_id: 1,
        org_active: true,
        name: format!("党员{id}"),
        status: MemberStatus::Active,
        category: MemberCategory::Full,
        birth_date: d("1980-05-10"),
        admitted_on: d("2005-07-01"),
        probation_extended_until: None,
        id_card_idx: Some(format!("idx{id}")),
        out_of_contact_since: None,
        suspended_on: None,
        mobile_since: None,
        mobile_out_to: None,
    }
}

fn rules(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.rule_id).collect()
}

fn run_org(o: OrgFacts, today: &str) -> Vec<&'static str> {
    rules(&check(&[o], &[], &[], d(today), &QualityParams::default()))
}

fn run_member(m: MemberFacts, today: &str) -> Vec<&'static str> {
    rules(&check(&[], &[m], &[], d(today), &QualityParams::default()))
}

#[test]
fn a_sound_org_and_member_have_no_findings() {
    assert!(run_org(org(1), "2026-06-01").is_empty());
    assert!(run_member(member(1), "2026-06-01").is_empty());
}

#[test]
fn branch_sizes_at_their_boundaries() {
    assert_eq!(run_org(OrgFacts { full_members: 2, ..org(1) }, "2026-06-01"), vec!["org.branch_min_formal"]);
    assert!(run_org(OrgFacts { full_members: 3, ..org(1) }, "2026-06-01").is_empty());
    // Joint branches exist precisely because units have fewer than three.
    assert!(run_org(OrgFacts { full_members: 2, kind: OrgKind::JointBranch, ..org(1) }, "2026-06-01").is_empty());
    let fifty = OrgFacts { full_members: 45, probationary_members: 5, committee_size: 5, ..org(1) };
    assert!(run_org(fifty.clone(), "2026-06-01").is_empty());
    assert_eq!(run_org(OrgFacts { probationary_members: 6, ..fifty }, "2026-06-01"), vec!["org.branch_max_members"]);
    // Committees of general branches and committees are not checked by branch rules.
    assert!(run_org(OrgFacts { kind: OrgKind::GeneralBranch, full_members: 1, ..org(1) }, "2026-06-01").is_empty());
}

#[test]
fn committee_required_from_seven_full_members() {
    assert!(run_org(OrgFacts { full_members: 6, ..org(1) }, "2026-06-01").is_empty());
    assert_eq!(run_org(OrgFacts { full_members: 7, ..org(1) }, "2026-06-01"), vec!["org.committee_required_formal"]);
    assert!(run_org(OrgFacts { full_members: 7, committee_size: 3, ..org(1) }, "2026-06-01").is_empty());
}

#[test]
fn vacant_secretary_says_for_how_long() {
    let f = check(
        &[OrgFacts { has_secretary: false, secretary_vacant_since: Some(d("2026-05-01")), ..org(1) }],
        &[],
        &[],
        d("2026-06-01"),
        &QualityParams::default(),
    );
    assert_eq!(f[0].rule_id, "org.secretary_vacant");
    assert!(f[0].message.contains("31天"), "{}", f[0].message);
}

#[test]
fn term_expiry_boundary() {
    let o = OrgFacts { term_end: Some(d("2026-05-31")), ..org(1) };
    assert!(run_org(o.clone(), "2026-05-31").is_empty(), "the last day of the term is still in term");
    assert_eq!(run_org(o, "2026-06-01"), vec!["org.term.expired"]);
}

#[test]
fn admission_age_boundary() {
    let born = d("1990-03-15");
    let on_birthday = MemberFacts { birth_date: born, admitted_on: d("2008-03-15"), ..member(1) };
    assert!(run_member(on_birthday, "2026-06-01").is_empty());
    let day_before = MemberFacts { birth_date: born, admitted_on: d("2008-03-14"), ..member(1) };
    assert_eq!(run_member(day_before, "2026-06-01"), vec!["dev.min_age"]);
    // Born on 29 February: the 18th birthday in a common year is 1 March.
    let leap = MemberFacts { birth_date: d("2004-02-29"), admitted_on: d("2022-02-28"), ..member(1) };
    assert_eq!(run_member(leap, "2026-06-01"), vec!["dev.min_age"]);
    let leap_ok = MemberFacts { birth_date: d("2004-02-29"), admitted_on: d("2022-03-01"), ..member(1) };
    assert!(run_member(leap_ok, "2026-06-01").is_empty());
}

#[test]
fn probation_boundary_and_extension() {
    let p = MemberFacts { category: MemberCategory::Probationary, admitted_on: d("2025-06-01"), ..member(1) };
    assert!(run_member(p.clone(), "2026-06-01").is_empty(), "the day the year ends");
    assert_eq!(run_member(p.clone(), "2026-06-02"), vec!["dev.probation"]);
    let extended = MemberFacts { probation_extended_until: Some(d("2026-12-01")), ..p.clone() };
    assert!(run_member(extended, "2026-06-02").is_empty());
    // Admitted on 29 February: a year later is 28 February.
    let leap = MemberFacts { category: MemberCategory::Probationary, admitted_on: d("2024-02-29"), ..member(1) };
    assert!(run_member(leap.clone(), "2025-02-28").is_empty());
    assert_eq!(run_member(leap, "2025-03-01"), vec!["dev.probation"]);
}

#[test]
fn lost_contact_suspension_and_mobility_boundaries() {
    let lost = MemberFacts { out_of_contact_since: Some(d("2025-12-01")), ..member(1) };
    assert!(run_member(lost.clone(), "2026-06-01").is_empty());
    assert_eq!(run_member(lost, "2026-06-02"), vec!["member.lost_contact_suspend"]);
    let suspended = MemberFacts { status: MemberStatus::Suspended, suspended_on: Some(d("2024-06-01")), ..member(1) };
    assert!(run_member(suspended.clone(), "2026-06-01").is_empty());
    assert_eq!(run_member(suspended, "2026-06-02"), vec!["member.suspended_remove_after"]);
    let away =
        MemberFacts {
            mobile_since: Some(d("2025-12-31")), mobile_out_to: Some("广东省东莞市".into()), ..member(1)
        };
    assert!(run_member(away.clone(), "2026-06-30").is_empty(), "31 Dec + 6 months is 30 Jun");
    let f = check(&[], &[away], &[], d("2026-07-01"), &QualityParams::default());
    assert_eq!(f[0].rule_id, "member.transfer_if_away_fixed");
    assert!(f[0].message.contains("广东省东莞市"));
    // A member who came in from elsewhere (流入) is not "away".
    let came_in = MemberFacts { mobile_since: Some(d("2025-01-01")), mobile_out_to: None, ..member(1) };
    assert!(run_member(came_in, "2026-07-01").is_empty());
}

#[test]
fn members_who_left_are_not_checked_and_inactive_orgs_are() {
    let left = MemberFacts { status: MemberStatus::Left, org_active: false, admitted_on: d("1995-01-01"), ..member(1) };
    assert!(run_member(left, "2026-06-01").is_empty());
    assert_eq!(run_member(MemberFacts { org_active: false, ..member(1) }, "2026-06-01"), vec!["member.org_required"]);
}

#[test]
fn duplicates_flag_every_copy() {
    let a = member(1);
    let b = MemberFacts { id: 2, org_id: 9, ..member(1) };
    let c = member(3);
    let f = check(&[], &[a, b, c], &[], d("2026-06-01"), &QualityParams::default());
    let dup: Vec<&Finding> = f.iter().filter(|f| f.rule_id == "member.duplicate_id").collect();
    assert_eq!(dup.len(), 2);
    assert_eq!(dup[1].org_id, 9);
}

#[test]
fn pending_transfers_after_thirty_days() {
    let t = TransferFacts { id: 5, from_org_id: 1, member_name: "张三".into(), started_on: d("2026-05-01") };
    let at = |today: &str| rules(&check(&[], &[], std::slice::from_ref(&t), d(today), &QualityParams::default()));
    assert!(at("2026-05-31").is_empty());
    assert_eq!(at("2026-06-01"), vec!["member.transfer_pending"]);
}

#[test]
fn every_rule_has_a_name() {
    let f = check(
        &[OrgFacts { full_members: 60, has_secretary: false, term_end: Some(d("2020-01-01")), ..org(1) }],
        &[MemberFacts { out_of_contact_since: Some(d("2020-01-01")), ..member(1) }],
        &[],
        d("2026-06-01"),
        &QualityParams::default(),
    );
    for finding in &f {
        assert_ne!(rule_label(finding.rule_id), finding.rule_id, "{} has a name", finding.rule_id);
    }
    assert_eq!(rule_label("x.y"), "x.y");
}
