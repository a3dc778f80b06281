//! The form of one step of member development as typed: every value stays a string (or a tick)
//! until it is parsed, so that a refused step comes back exactly as it was sent. Which fields
//! show depends on the step: each [`Facts`] variant has its own.
//!
//! What the system knows is filled in: today's date, the mentors as the sponsors (the 细则 says
//! the sponsors are usually the mentors), the branch's full members as the members entitled to
//! vote, the end of the probation as the 转正日期.

use chrono::{Months, NaiveDate};
use jiceng_rules::recruit::{Decision, Facts, Mentor, Publicity, Sponsor, Step, Vote};
use jiceng_store::recruit::{PersonDetail, StepInput};
use jiceng_types::FieldError;
use jiceng_types::date::{parse_date, parse_optional_date};

/// How many name rows the mentor and sponsor parts offer (1–2 mentors, 2 sponsors).
pub const NAME_ROWS: usize = 2;

/// The largest count a number field takes (days, 学时, votes, months).
const MAX_COUNT: u32 = 100_000;

/// A 培养联系人 or 入党介绍人 as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameRow {
    /// Name.
    pub name: String,
    /// A full member (正式党员).
    pub full_member: bool,
    /// Under 留党察看 with rights not restored (sponsors only).
    pub under_discipline: bool,
}

/// The step form as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepForm {
    /// Which step.
    pub step: Step,
    /// The day it was taken.
    pub held_on: String,
    /// Who took it.
    pub actor: String,
    /// A note.
    pub note: String,
    /// Why it is recorded although it breaks a rule.
    pub override_reason: String,
    /// First day of the 公示.
    pub publicity_from: String,
    /// Last day of the 公示.
    pub publicity_to: String,
    /// The mentors ([`NAME_ROWS`] rows).
    pub mentors: Vec<NameRow>,
    /// The sponsors ([`NAME_ROWS`] rows).
    pub sponsors: Vec<NameRow>,
    /// The day the political review concluded.
    pub concluded_on: String,
    /// The conclusion is 合格.
    pub qualified: bool,
    /// Days of training.
    pub days: String,
    /// 学时 of training.
    pub hours: String,
    /// 应到会有表决权的正式党员.
    pub eligible: String,
    /// 实到会有表决权的正式党员.
    pub present: String,
    /// 赞成票.
    pub in_favour: String,
    /// 逐个讨论、逐个表决.
    pub one_by_one: bool,
    /// The day the candidate leaves the unit, if known.
    pub leaving_unit_on: String,
    /// The talk was held by a 党委委员 or 组织员.
    pub by_committee_member: bool,
    /// Why the approval took longer than the normal limit.
    pub late_reason: String,
    /// `regularize`, `extend` or `cancel`.
    pub decision: String,
    /// Months of extension.
    pub months: String,
    /// The 转正日期.
    pub regularized_on: String,
}

/// The parts of a form, each shown for some steps, with the fields (as the errors name them) it
/// holds.
const PARTS: [(&str, &[&str]); 11] = [
    ("publicity", &["publicity"]),
    ("mentors", &["mentors"]),
    ("sponsors", &["sponsors"]),
    ("review", &["concluded_on", "qualified"]),
    ("training", &["days", "hours"]),
    ("vote", &["vote", "eligible", "present", "in_favour", "one_by_one"]),
    ("leaving", &["leaving_unit_on"]),
    ("talk", &["by_committee_member"]),
    ("late_reason", &["late_reason"]),
    ("decision", &["decision", "months"]),
    ("regularized_on", &["regularized_on"]),
];

fn rows(n: usize) -> Vec<NameRow> {
    vec![NameRow { full_member: true, ..Default::default() }; n]
}

fn text(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn date_or_error(v: &str, field: &str, errs: &mut Vec<FieldError>) -> Option<NaiveDate> {
    parse_optional_date(v).map_err(|e| errs.push(e.on(field))).ok().flatten()
}

fn count(v: &str, field: &'static str, what: &str, errs: &mut Vec<FieldError>) -> Option<u32> {
    let s: String = jiceng_types::text::normalize(v).chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        errs.push(FieldError::new(field, "required", format!("请填写{what}")));
        return None;
    }
    match s.parse::<u32>() {
        Ok(n) if n <= MAX_COUNT => Some(n),
        _ => {
            errs.push(FieldError::new(field, "not_a_number", format!("{what}应为0或正整数，填写的是“{}”", v.trim())));
            None
        }
    }
}

impl StepForm {
    /// An empty form of a step, dated today, with the ticks a correct record usually has (正式党员,
    /// 逐个表决) and the 转正 decision.
    pub fn blank(step: Step, today: NaiveDate) -> StepForm {
        StepForm {
            step,
            held_on: today.to_string(),
            actor: String::new(),
            note: String::new(),
            override_reason: String::new(),
            publicity_from: String::new(),
            publicity_to: String::new(),
            mentors: rows(NAME_ROWS),
            sponsors: rows(NAME_ROWS),
            concluded_on: String::new(),
            qualified: false,
            days: String::new(),
            hours: String::new(),
            eligible: String::new(),
            present: String::new(),
            in_favour: String::new(),
            one_by_one: true,
            leaving_unit_on: String::new(),
            by_committee_member: false,
            late_reason: String::new(),
            decision: "regularize".into(),
            months: String::new(),
            regularized_on: String::new(),
        }
    }

    /// The form of a step for a person, with what the record already says filled in: the mentors
    /// as sponsors, `full_members` (the branch's full members) as the members entitled to vote,
    /// and the end of the probation (`probation_years` after the 支部大会 that admitted the person,
    /// plus the extensions decided) as the 转正日期 when the last 转正 discussion decided 转正.
    pub fn for_person(step: Step, d: &PersonDetail, probation_years: u32, full_members: Option<usize>) -> StepForm {
        let mut form = StepForm::blank(step, d.today);
        if let Some(n) = full_members.filter(|n| *n > 0) {
            form.eligible = n.to_string();
        }
        let mentors = d.steps.iter().rev().find_map(|s| match &s.facts {
            Facts::MentorAssignment { mentors } => Some(mentors),
            _ => None,
        });
        if let Some(mentors) = mentors {
            for (row, m) in form.sponsors.iter_mut().zip(mentors) {
                row.name = m.name.clone();
                row.full_member = m.full_member;
            }
        }
        if step == Step::RegularizationApproval
            && let Some(end) = probation_end(d, probation_years)
        {
            form.regularized_on = end.to_string();
        }
        form
    }

    /// The form as posted. A missing or unknown step is an error on `step` (the form then shows
    /// `fallback`).
    pub fn posted(pairs: &[(String, String)], fallback: Step) -> (StepForm, Option<FieldError>) {
        let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        let ticked = |name: &str| pairs.iter().any(|(k, v)| k == name && !v.trim().is_empty());
        let (step, error) = match Step::parse(&one("step")) {
            Some(s) => (s, None),
            None => (fallback, Some(FieldError::new("step", "required", "请选择要记录的发展步骤"))),
        };
        let names = |prefix: &str| -> Vec<NameRow> {
            (0..NAME_ROWS)
                .map(|i| NameRow {
                    name: one(&format!("{prefix}_{i}_name")),
                    full_member: ticked(&format!("{prefix}_{i}_full")),
                    under_discipline: ticked(&format!("{prefix}_{i}_discipline")),
                })
                .collect()
        };
        let form = StepForm {
            step,
            held_on: one("held_on"),
            actor: one("actor"),
            note: one("note"),
            override_reason: one("override_reason"),
            publicity_from: one("publicity_from"),
            publicity_to: one("publicity_to"),
            mentors: names("mentor"),
            sponsors: names("sponsor"),
            concluded_on: one("concluded_on"),
            qualified: ticked("qualified"),
            days: one("days"),
            hours: one("hours"),
            eligible: one("eligible"),
            present: one("present"),
            in_favour: one("in_favour"),
            one_by_one: ticked("one_by_one"),
            leaving_unit_on: one("leaving_unit_on"),
            by_committee_member: ticked("by_committee_member"),
            late_reason: one("late_reason"),
            decision: one("decision"),
            months: one("months"),
            regularized_on: one("regularized_on"),
        };
        (form, error)
    }

    /// Whether the form of this step shows a part (`publicity`, `mentors`, `sponsors`, `review`,
    /// `training`, `vote`, `leaving`, `talk`, `late_reason`, `decision`, `regularized_on`).
    pub fn has(&self, part: &str) -> bool {
        use Step::*;
        let s = self.step;
        match part {
            "publicity" => {
                matches!(s, ActivistSelection | CandidateSelection | AdmissionApproval | RegularizationApproval)
            }
            "mentors" => s == MentorAssignment,
            "sponsors" => s == SponsorAssignment,
            "review" => s == PoliticalReview,
            "training" => s == IntensiveTraining,
            "vote" => matches!(s, AdmissionMeeting | RegularizationMeeting),
            "leaving" => s == AdmissionMeeting,
            "talk" => s == ApprovalTalk,
            "late_reason" => s == AdmissionApproval,
            "decision" => s == RegularizationMeeting,
            "regularized_on" => s == RegularizationApproval,
            _ => false,
        }
    }

    /// The fields the form shows, as errors name them; an error on any other field is shown at the
    /// top of the form.
    pub fn fields(&self, override_allowed: bool) -> Vec<&'static str> {
        let mut v = vec!["held_on", "actor", "note"];
        if override_allowed {
            v.push("override_reason");
        }
        for (part, names) in PARTS {
            if self.has(part) {
                v.extend_from_slice(names);
            }
        }
        v
    }

    /// What the date of this step is.
    pub fn date_label(&self) -> &'static str {
        match self.step {
            Step::ApplicationTalk | Step::ApprovalTalk => "谈话日期",
            Step::ActivistSelection | Step::CandidateSelection | Step::SponsorAssignment => "支委会研究决定日期",
            Step::ActivistFiling | Step::CandidateFiling | Step::AdmissionFiling => "备案日期",
            Step::MentorAssignment => "指定日期",
            Step::ActivistReview | Step::ProbationReview => "考察日期",
            Step::PoliticalReview => "政治审查开始日期",
            Step::IntensiveTraining => "培训结业日期",
            Step::CommitteeReview => "支委会审查日期",
            Step::PreReview => "预审日期",
            Step::AdmissionForm => "填写日期",
            Step::AdmissionMeeting | Step::RegularizationMeeting => "支部大会日期",
            Step::AdmissionApproval | Step::RegularizationApproval => "审批日期",
            Step::GroupPlacement => "编入日期",
            Step::Oath => "宣誓日期",
            Step::RegularizationApplication => "提出申请日期",
            Step::Archiving => "归档日期",
            Step::Application => "递交日期",
        }
    }

    /// What the actor field asks for.
    pub fn actor_label(&self) -> &'static str {
        match self.step {
            Step::ApplicationTalk | Step::ApprovalTalk => "谈话人",
            Step::ActivistReview | Step::ProbationReview => "考察人",
            _ => "经办人或经办组织",
        }
    }

    /// The decision chosen, for the radio buttons.
    pub fn decides(&self, key: &str) -> bool {
        self.decision == key
    }

    fn publicity(&self, errs: &mut Vec<FieldError>) -> Option<Publicity> {
        let (f, t) = (self.publicity_from.trim(), self.publicity_to.trim());
        if f.is_empty() && t.is_empty() {
            return None;
        }
        if f.is_empty() || t.is_empty() {
            errs.push(FieldError::new(
                "publicity",
                "required",
                "请同时填写公示的开始日期和结束日期，未公示的两项都不填",
            ));
            return None;
        }
        let from = date_or_error(f, "publicity", errs);
        let to = date_or_error(t, "publicity", errs);
        Some(Publicity { from: from?, to: to? })
    }

    fn vote(&self, errs: &mut Vec<FieldError>) -> Option<Vote> {
        let eligible = count(&self.eligible, "eligible", "应到会有表决权的正式党员人数", errs);
        let present = count(&self.present, "present", "实到会有表决权的正式党员人数", errs);
        let in_favour = count(&self.in_favour, "in_favour", "赞成票数", errs);
        Some(Vote { eligible: eligible?, present: present?, in_favour: in_favour?, one_by_one: self.one_by_one })
    }

    fn decision(&self, errs: &mut Vec<FieldError>) -> Option<Decision> {
        match self.decision.trim() {
            "regularize" => Some(Decision::Regularize),
            "extend" => {
                count(&self.months, "months", "延长预备期的月数", errs).map(|months| Decision::Extend { months })
            }
            "cancel" => Some(Decision::Cancel),
            _ => {
                errs.push(FieldError::new("decision", "required", "请选择支部大会的决定"));
                None
            }
        }
    }

    /// The step to record; every error of the form at once.
    pub fn input(&self) -> Result<StepInput, Vec<FieldError>> {
        let mut errs = Vec::new();
        let held_on = parse_date(&self.held_on).map_err(|e| errs.push(e.on("held_on"))).ok();
        let facts = match self.step {
            Step::ActivistSelection => Some(Facts::ActivistSelection { publicity: self.publicity(&mut errs) }),
            Step::CandidateSelection => Some(Facts::CandidateSelection { publicity: self.publicity(&mut errs) }),
            Step::MentorAssignment => {
                let mentors: Vec<Mentor> = self
                    .mentors
                    .iter()
                    .filter_map(|r| text(&r.name).map(|name| Mentor { name, full_member: r.full_member }))
                    .collect();
                if mentors.is_empty() {
                    errs.push(FieldError::new("mentors", "required", "请填写培养联系人的姓名"));
                }
                Some(Facts::MentorAssignment { mentors })
            }
            Step::SponsorAssignment => {
                let sponsors: Vec<Sponsor> = self
                    .sponsors
                    .iter()
                    .filter_map(|r| {
                        text(&r.name).map(|name| Sponsor {
                            name,
                            full_member: r.full_member,
                            under_discipline: r.under_discipline,
                        })
                    })
                    .collect();
                if sponsors.is_empty() {
                    errs.push(FieldError::new("sponsors", "required", "请填写入党介绍人的姓名"));
                }
                Some(Facts::SponsorAssignment { sponsors })
            }
            Step::PoliticalReview => Some(Facts::PoliticalReview {
                concluded_on: date_or_error(&self.concluded_on, "concluded_on", &mut errs),
                qualified: self.qualified,
            }),
            Step::IntensiveTraining => {
                let days = count(&self.days, "days", "培训天数", &mut errs);
                let hours = count(&self.hours, "hours", "培训学时", &mut errs);
                days.zip(hours).map(|(days, hours)| Facts::IntensiveTraining { days, hours })
            }
            Step::AdmissionMeeting => {
                let vote = self.vote(&mut errs);
                let leaving_unit_on = date_or_error(&self.leaving_unit_on, "leaving_unit_on", &mut errs);
                vote.map(|vote| Facts::AdmissionMeeting { vote, leaving_unit_on })
            }
            Step::ApprovalTalk => Some(Facts::ApprovalTalk { by_committee_member: self.by_committee_member }),
            Step::AdmissionApproval => Some(Facts::AdmissionApproval {
                late_reason: text(&self.late_reason),
                publicity: self.publicity(&mut errs),
            }),
            Step::RegularizationMeeting => {
                let vote = self.vote(&mut errs);
                let decision = self.decision(&mut errs);
                vote.zip(decision).map(|(vote, decision)| Facts::RegularizationMeeting { vote, decision })
            }
            Step::RegularizationApproval => Some(Facts::RegularizationApproval {
                regularized_on: date_or_error(&self.regularized_on, "regularized_on", &mut errs),
                publicity: self.publicity(&mut errs),
            }),
            other => Some(Facts::empty(other)),
        };
        match (held_on, facts) {
            (Some(held_on), Some(facts)) if errs.is_empty() => Ok(StepInput {
                held_on,
                facts,
                actor: text(&self.actor),
                note: text(&self.note),
                override_reason: text(&self.override_reason),
            }),
            _ => Err(errs),
        }
    }
}

/// The end of the probation: `years` after the 支部大会 that admitted the person, plus the months
/// of every extension decided since; `None` before the admission, or when the last 转正 discussion
/// did not decide 转正.
pub fn probation_end(d: &PersonDetail, years: u32) -> Option<NaiveDate> {
    let admitted = d.steps.iter().find(|s| s.step == Step::AdmissionMeeting)?.held_on;
    let mut extension = 0u32;
    let mut last = None;
    for s in &d.steps {
        if let Facts::RegularizationMeeting { decision, .. } = &s.facts {
            if let Some(Decision::Extend { months }) = last {
                extension = extension.saturating_add(months);
            }
            last = Some(*decision);
        }
    }
    if last != Some(Decision::Regularize) {
        return None;
    }
    admitted.checked_add_months(Months::new(years.saturating_mul(12).saturating_add(extension)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_vote_is_read_with_its_ticks_and_errors_name_the_fields() {
        let (f, e) = StepForm::posted(
            &pairs(&[
                ("step", "regularization_meeting"),
                ("held_on", "2024-06-20"),
                ("eligible", "20"),
                ("present", "十八"),
                ("in_favour", ""),
                ("decision", "extend"),
                ("months", "6"),
            ]),
            Step::Oath,
        );
        assert!(e.is_none());
        assert!(!f.one_by_one, "an unticked box is false");
        let errs = f.input().unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["present", "in_favour"]);
        assert!(errs[0].message.contains("十八"));
        let ok = StepForm { present: "18".into(), in_favour: "17".into(), one_by_one: true, ..f };
        let input = ok.input().unwrap();
        assert_eq!(
            input.facts,
            Facts::RegularizationMeeting {
                vote: Vote { eligible: 20, present: 18, in_favour: 17, one_by_one: true },
                decision: Decision::Extend { months: 6 },
            }
        );
    }

    #[test]
    fn names_publicity_and_unknown_steps() {
        let (f, e) = StepForm::posted(&pairs(&[("step", "nonsense"), ("held_on", "2024-01-01")]), Step::Oath);
        assert_eq!(e.map(|e| e.field), Some("step".to_string()));
        assert_eq!(f.step, Step::Oath);
        let (f, _) = StepForm::posted(
            &pairs(&[
                ("step", "sponsor_assignment"),
                ("held_on", "2024-01-01"),
                ("sponsor_0_name", " 王芳 "),
                ("sponsor_0_full", "1"),
                ("sponsor_1_name", "李强"),
                ("sponsor_1_discipline", "1"),
            ]),
            Step::Oath,
        );
        let Facts::SponsorAssignment { sponsors } = f.input().unwrap().facts else { panic!("sponsors") };
        assert_eq!(sponsors.len(), 2);
        assert_eq!((sponsors[0].name.as_str(), sponsors[0].full_member), ("王芳", true));
        assert_eq!((sponsors[1].full_member, sponsors[1].under_discipline), (false, true));
        let (f, _) = StepForm::posted(
            &pairs(&[("step", "activist_selection"), ("held_on", "2024-01-01"), ("publicity_from", "2023-12-20")]),
            Step::Oath,
        );
        assert_eq!(f.input().unwrap_err()[0].field, "publicity");
        let (f, _) = StepForm::posted(&pairs(&[("step", "mentor_assignment"), ("held_on", "2024-01-01")]), Step::Oath);
        assert_eq!(f.input().unwrap_err()[0].field, "mentors");
        assert!(f.fields(false).contains(&"mentors") && !f.fields(false).contains(&"override_reason"));
        assert!(f.fields(true).contains(&"override_reason"));
    }
}
