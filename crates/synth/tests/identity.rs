#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The personal numbers and flags of generated members are valid, consistent and carry the
//! deliberate roster flaws.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiceng_synth::{Scale, generate};
use jiceng_types::idcard::IdCardNo;
use jiceng_types::person::MemberStatus;
use jiceng_types::phone::Phone;

#[test]
fn id_numbers_are_valid_consistent_and_unique_but_for_the_twins() {
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    for scale in [Scale::Tiny, Scale::County] {
        let c = generate(scale, 7, today);
        let mut seen: HashMap<String, usize> = HashMap::new();
        for m in &c.members {
            let id = IdCardNo::parse_at(
                m.extra.id_card.as_deref().unwrap(),
                today,
                jiceng_types::idcard::LegacyNumbers::Reject,
            )
            .unwrap();
            assert_eq!(id.birth_date(), m.birth_date);
            assert_eq!(id.gender(), m.gender);
            if let Some(p) = &m.extra.phone {
                Phone::parse(p).unwrap();
            }
            *seen.entry(id.as_str().to_string()).or_default() += 1;
        }
        let twins = seen.values().filter(|n| **n > 1).count();
        assert!(twins >= 1, "{scale:?}: a member registered twice");
        let lost = c
            .members
            .iter()
            .filter(|m| {
                m.status == MemberStatus::Active
                    && m.extra.out_of_contact_since.is_some_and(|d| (today - d).num_days() > 183)
            })
            .count();
        assert!(lost >= 2, "{scale:?}: members out of contact over six months");
        let long_suspended =
            c.members.iter().filter(|m| m.extra.suspended_on.is_some_and(|d| (today - d).num_days() > 730)).count();
        assert!(long_suspended >= 1);
        assert!(c.members.iter().any(|m| m.extra.without_post));
        if scale == Scale::County {
            assert!(c.members.iter().any(|m| m.extra.mobile_since.is_some_and(|d| (today - d).num_days() > 183)));
        }
    }
}
