//! The regulations of grassroots Party building (docs: `rules.md` of the domain notes) as pure
//! code. Input: plain records; output: findings. No IO, no database; fast and tested at the
//! boundaries of every rule.
//!
//! Rule ids are the parameter keys of the rules table (`org.branch_min_formal`, `dev.probation`,
//! …), so a finding names the regulation it comes from, and the county's overrides of a
//! parameter apply to the check of the same name.

pub mod meeting;
pub mod quality;
pub mod recruit;

pub use quality::{Finding, MemberFacts, OrgFacts, QualityParams, RULES, Severity, Subject, TransferFacts, rule_label};
