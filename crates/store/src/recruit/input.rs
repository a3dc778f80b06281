//! Turning what a user typed into a checked person (入党申请人) and a checked step.
//!
//! Form errors are about the values themselves (a bad ID number, a birth date that disagrees with
//! it). Whether the person may apply at that age, or a step may be taken on that day, is a rule of
//! member development and is judged by `jiceng_rules::recruit` when the record is saved.

use chrono::NaiveDate;
use jiceng_rules::recruit::{Facts, Mentor, Publicity, Sponsor};
use jiceng_types::date::parse_date;
use jiceng_types::idcard::IdCardNo;
use jiceng_types::person::{Education, Gender, PersonName};
use jiceng_types::phone::Phone;
use jiceng_types::{FieldError, OrgId};
use serde::{Deserialize, Serialize};

pub(crate) use crate::member::optional_text;
use crate::member::{Identity, IdentityText, parse_identity};

/// The fields of a new person as typed, all text. Re-rendered as-is when a form has errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonDraft {
    /// The branch responsible (id).
    pub org_id: String,
    /// 姓名.
    pub name: String,
    /// 性别 (may be left empty: taken from the ID number).
    pub gender: String,
    /// 民族.
    pub ethnicity: String,
    /// 出生日期 (may be left empty: taken from the ID number).
    pub birth_date: String,
    /// 公民身份号码.
    pub id_card: String,
    /// 学历.
    pub education: String,
    /// 手机号码.
    pub phone: String,
    /// 工作岗位 (work or study unit and post).
    pub work_post: String,
    /// The day the 入党申请书 was received.
    pub applied_on: String,
    /// Why the application is recorded although it breaks a rule (only where the county allows it).
    pub override_reason: String,
}

/// A checked person, ready to be registered with the step-1 event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonInput {
    /// The branch responsible.
    pub org_id: OrgId,
    /// Name.
    pub name: PersonName,
    /// Gender (agrees with the ID number).
    pub gender: Gender,
    /// Ethnic group (official name).
    pub ethnicity: &'static str,
    /// Birth date (agrees with the ID number).
    pub birth_date: NaiveDate,
    /// ID-card number.
    pub id_card: IdCardNo,
    /// Education.
    pub education: Education,
    /// Phone.
    pub phone: Option<Phone>,
    /// 工作岗位.
    pub work_post: Option<String>,
    /// The day the 入党申请书 was received (step 1).
    pub applied_on: NaiveDate,
    /// Why a rule is overridden, if one is.
    pub override_reason: Option<String>,
}

impl PersonDraft {
    /// Check every field and the agreement between them; all errors are returned together.
    pub fn parse(&self, today: NaiveDate) -> Result<PersonInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let org_id = self
            .org_id
            .trim()
            .parse::<OrgId>()
            .map_err(|_| errors.push(FieldError::new("org_id", "required", "请选择负责培养的党支部")))
            .ok();
        let Identity { name, id_card, gender, birth_date, ethnicity, education, phone } = parse_identity(
            IdentityText {
                name: &self.name,
                id_card: &self.id_card,
                gender: &self.gender,
                birth_date: &self.birth_date,
                ethnicity: &self.ethnicity,
                education: &self.education,
                phone: &self.phone,
            },
            &mut errors,
        );
        let work_post = optional_text(&self.work_post, "work_post", 100, &mut errors);
        let applied_on = parse_date(&self.applied_on).map_err(|e| errors.push(e.on("applied_on"))).ok();
        if applied_on.is_some_and(|a| a > today) {
            errors.push(FieldError::new("applied_on", "in_future", "递交入党申请书的日期不能晚于今天"));
        }
        let override_reason = optional_text(&self.override_reason, "override_reason", 500, &mut errors);
        match (org_id, name, gender, ethnicity, birth_date, id_card, education, applied_on) {
            (
                Some(org_id),
                Some(name),
                Some(gender),
                Some(ethnicity),
                Some(birth_date),
                Some(id_card),
                Some(education),
                Some(applied_on),
            ) if errors.is_empty() => Ok(PersonInput {
                org_id,
                name,
                gender,
                ethnicity,
                birth_date,
                id_card,
                education,
                phone,
                work_post,
                applied_on,
                override_reason,
            }),
            _ => Err(errors),
        }
    }
}

/// One step to record: its date, its facts (which name the step), who took it, a note, and the
/// reason for taking it although it breaks a rule (only where the county allows overrides).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepInput {
    /// The day the step was taken.
    pub held_on: NaiveDate,
    /// The step and its facts.
    pub facts: Facts,
    /// Who took it (谈话人, 支委会, 党委 …).
    #[serde(default)]
    pub actor: Option<String>,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
    /// Why the step is recorded although it breaks a rule.
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// A step input with its texts normalized and its names checked.
#[derive(Debug, Clone)]
pub(crate) struct CheckedStep {
    pub held_on: NaiveDate,
    pub facts: Facts,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub override_reason: Option<String>,
}

fn person_name(name: &str, field: &str, what: &str, errors: &mut Vec<FieldError>) -> String {
    match PersonName::parse(name) {
        Ok(n) => n.as_str().to_string(),
        Err(e) => {
            errors.push(FieldError::new(field, e.code, format!("{what}“{}”：{}", name.trim(), e.message)));
            name.trim().to_string()
        }
    }
}

fn check_publicity(p: Option<&Publicity>, today: NaiveDate, errors: &mut Vec<FieldError>) {
    if p.is_some_and(|p| p.from > today || p.to > today) {
        errors.push(FieldError::new("publicity", "in_future", "公示日期不能晚于今天"));
    }
}

impl StepInput {
    /// Normalize the texts and check what is wrong whatever the rules say: a date after today,
    /// names that are not names, texts too long. All errors are returned together.
    pub(crate) fn check(self, today: NaiveDate) -> Result<CheckedStep, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.held_on > today {
            errors.push(FieldError::new("held_on", "in_future", "日期不能晚于今天"));
        }
        let actor = optional_text(self.actor.as_deref().unwrap_or(""), "actor", 50, &mut errors);
        let note = optional_text(self.note.as_deref().unwrap_or(""), "note", 500, &mut errors);
        let override_reason =
            optional_text(self.override_reason.as_deref().unwrap_or(""), "override_reason", 500, &mut errors);
        let facts = match self.facts {
            Facts::MentorAssignment { mentors } => Facts::MentorAssignment {
                mentors: mentors
                    .into_iter()
                    .map(|m| Mentor { name: person_name(&m.name, "mentors", "培养联系人", &mut errors), ..m })
                    .collect(),
            },
            Facts::SponsorAssignment { sponsors } => Facts::SponsorAssignment {
                sponsors: sponsors
                    .into_iter()
                    .map(|s| Sponsor { name: person_name(&s.name, "sponsors", "入党介绍人", &mut errors), ..s })
                    .collect(),
            },
            Facts::PoliticalReview { concluded_on, qualified } => {
                if concluded_on.is_some_and(|c| c > today) {
                    errors.push(FieldError::new("concluded_on", "in_future", "政审结论日期不能晚于今天"));
                }
                Facts::PoliticalReview { concluded_on, qualified }
            }
            Facts::AdmissionApproval { late_reason, publicity } => {
                check_publicity(publicity.as_ref(), today, &mut errors);
                let late_reason = optional_text(late_reason.as_deref().unwrap_or(""), "late_reason", 200, &mut errors);
                Facts::AdmissionApproval { late_reason, publicity }
            }
            Facts::RegularizationApproval { regularized_on, publicity } => {
                check_publicity(publicity.as_ref(), today, &mut errors);
                if regularized_on.is_some_and(|r| r > today) {
                    errors.push(FieldError::new("regularized_on", "in_future", "转正日期不能晚于今天"));
                }
                Facts::RegularizationApproval { regularized_on, publicity }
            }
            Facts::ActivistSelection { publicity } => {
                check_publicity(publicity.as_ref(), today, &mut errors);
                Facts::ActivistSelection { publicity }
            }
            Facts::CandidateSelection { publicity } => {
                check_publicity(publicity.as_ref(), today, &mut errors);
                Facts::CandidateSelection { publicity }
            }
            other => other,
        };
        if errors.is_empty() {
            Ok(CheckedStep { held_on: self.held_on, facts, actor, note, override_reason })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_draft_is_checked_against_the_id_number() {
        let draft = PersonDraft {
            org_id: "3".into(),
            name: "王 小 明".into(),
            gender: "女".into(),
            ethnicity: "苗".into(),
            id_card: "11010519491231002X".into(),
            education: "大学本科".into(),
            applied_on: "2030-01-01".into(),
            ..Default::default()
        };
        let errors = draft.parse(d("2025-01-01")).err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["applied_on"], "{errors:?}");
        let ok = PersonDraft { applied_on: "2024-12-01".into(), ..draft.clone() }.parse(d("2025-01-01"));
        let input = ok.ok();
        assert_eq!(input.as_ref().map(|i| i.name.as_str()), Some("王小明"));
        assert_eq!(input.as_ref().map(|i| i.ethnicity), Some("苗族"));
        let wrong = PersonDraft { gender: "男".into(), applied_on: "2024-12-01".into(), ..draft };
        let errors = wrong.parse(d("2025-01-01")).err().unwrap_or_default();
        assert_eq!(errors.first().map(|e| e.code), Some("id_mismatch"));
    }

    #[test]
    fn step_texts_are_normalized_and_names_checked() {
        let input = StepInput {
            held_on: d("2025-01-01"),
            facts: Facts::MentorAssignment {
                mentors: vec![
                    Mentor { name: " 李 四 ".into(), full_member: true },
                    Mentor { name: "1".into(), full_member: true },
                ],
            },
            actor: Some("  ".into()),
            note: None,
            override_reason: Some(" 特殊情况 ".into()),
        };
        let errors = input.clone().check(d("2025-01-01")).err().unwrap_or_default();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), vec!["mentors"]);
        let fixed = StepInput {
            facts: Facts::MentorAssignment { mentors: vec![Mentor { name: " 李 四 ".into(), full_member: true }] },
            ..input
        };
        let step = fixed.check(d("2025-01-01")).ok();
        assert_eq!(step.as_ref().map(|s| s.actor.clone()), Some(None));
        assert_eq!(step.as_ref().and_then(|s| s.override_reason.clone()).as_deref(), Some("特殊情况"));
        let late =
            StepInput { held_on: d("2025-01-02"), facts: Facts::Oath, actor: None, note: None, override_reason: None };
        assert!(late.check(d("2025-01-01")).is_err());
    }
}
