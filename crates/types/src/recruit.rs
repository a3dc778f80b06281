//! Member development (发展党员): the 5 stages and the 25 steps of the standard procedure of the
//! 《中国共产党发展党员工作细则》 (2014), in order.
//!
//! Two steps share their short name with another one (支部大会讨论 is both step 15, the vote on
//! admission, and step 23, the vote on 转正; 上级党委审批 is both step 17 and step 24), so
//! [`Step::full_label`] adds what the step decides, and [`Step::parse`] takes a short name only when
//! it names one step. The rules that check a person's steps live in `jiceng_rules::recruit`.

use serde::{Deserialize, Serialize};

use crate::org::labelled_enum;

labelled_enum!(
    /// 发展党员阶段: one of the 5 stages of member development.
    Stage {
        /// 申请入党 (steps 1–2)
        Application => ("application", "申请入党"),
        /// 入党积极分子的确定和培养教育 (steps 3–6)
        Activist => ("activist", "入党积极分子的确定和培养教育"),
        /// 发展对象的确定和考察 (steps 7–11)
        Candidate => ("candidate", "发展对象的确定和考察"),
        /// 预备党员的接收 (steps 12–18)
        Admission => ("admission", "预备党员的接收"),
        /// 预备党员的教育考察和转正 (steps 19–25)
        Probation => ("probation", "预备党员的教育考察和转正"),
    }
);

impl Stage {
    /// The stage's number, 1..=5.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// The steps of this stage, in order.
    pub fn steps(self) -> impl Iterator<Item = Step> {
        Step::ALL.iter().copied().filter(move |s| s.stage() == self)
    }
}

/// Declares [`Step`] from one table, so that the order, the keys and the labels cannot drift apart.
/// The serde name of a variant is its snake_case name, which is also its key (a test checks it).
macro_rules! steps {
    ($($(#[$doc:meta])* $variant:ident => ($key:literal, $label:literal, $stage:ident, $actor:literal)),+ $(,)?) => {
        /// 发展党员步骤: one of the 25 steps of member development, in the order of the procedure.
        /// Serialized as its [`key`](Step::key).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Step { $($(#[$doc])* $variant),+ }

        impl Step {
            /// Every step, in the order of the procedure (`ALL[n - 1].number() == n`).
            pub const ALL: &'static [Step] = &[$(Step::$variant),+];

            /// The stable key stored in the database and used in the API.
            pub fn key(self) -> &'static str {
                match self { $(Step::$variant => $key),+ }
            }

            /// The Chinese name as in the standard list of 25 steps (not unique: see
            /// [`Step::full_label`]).
            pub fn label(self) -> &'static str {
                match self { $(Step::$variant => $label),+ }
            }

            /// The stage the step belongs to.
            pub fn stage(self) -> Stage {
                match self { $(Step::$variant => Stage::$stage),+ }
            }

            /// Who carries the step out, in Chinese (申请人, 支委会, 基层党委 …).
            pub fn actor(self) -> &'static str {
                match self { $(Step::$variant => $actor),+ }
            }
        }
    };
}

steps!(
    /// 1 递交入党申请书
    Application => ("application", "递交入党申请书", Application, "申请人"),
    /// 2 党组织派人谈话 (within a month of receiving the application)
    ApplicationTalk => ("application_talk", "党组织派人谈话", Application, "党支部"),
    /// 3 推荐和确定入党积极分子
    ActivistSelection => ("activist_selection", "推荐和确定入党积极分子", Activist, "支委会"),
    /// 4 上级党委备案 (of the activist)
    ActivistFiling => ("activist_filing", "上级党委备案", Activist, "基层党委"),
    /// 5 指定培养联系人 (mentors)
    MentorAssignment => ("mentor_assignment", "指定培养联系人", Activist, "党支部"),
    /// 6 培养教育考察: one half-yearly review of the activist (repeats)
    ActivistReview => ("activist_review", "培养教育考察", Activist, "党支部/联系人"),
    /// 7 确定发展对象 (candidate)
    CandidateSelection => ("candidate_selection", "确定发展对象", Candidate, "支委会"),
    /// 8 报上级党委备案 (of the candidate)
    CandidateFiling => ("candidate_filing", "报上级党委备案", Candidate, "基层党委"),
    /// 9 确定入党介绍人 (sponsors)
    SponsorAssignment => ("sponsor_assignment", "确定入党介绍人", Candidate, "党支部"),
    /// 10 进行政治审查 (political review)
    PoliticalReview => ("political_review", "进行政治审查", Candidate, "党支部/基层党委"),
    /// 11 开展集中培训
    IntensiveTraining => ("intensive_training", "开展集中培训", Candidate, "基层党委或县委组织部"),
    /// 12 支部委员会审查
    CommitteeReview => ("committee_review", "支部委员会审查", Admission, "支委会"),
    /// 13 上级党委预审
    PreReview => ("pre_review", "上级党委预审", Admission, "基层党委"),
    /// 14 填写入党志愿书
    AdmissionForm => ("admission_form", "填写入党志愿书", Admission, "发展对象"),
    /// 15 支部大会讨论 (vote on admission; its date is the 入党日期 and starts the probation)
    AdmissionMeeting => ("admission_meeting", "支部大会讨论", Admission, "党员大会"),
    /// 16 上级党委派人谈话
    ApprovalTalk => ("approval_talk", "上级党委派人谈话", Admission, "党委委员或组织员"),
    /// 17 上级党委审批 (of the admission)
    AdmissionApproval => ("admission_approval", "上级党委审批", Admission, "基层党委"),
    /// 18 再上一级党委组织部门备案
    AdmissionFiling => ("admission_filing", "再上一级党委组织部门备案", Admission, "县委组织部等"),
    /// 19 编入党支部和党小组
    GroupPlacement => ("group_placement", "编入党支部和党小组", Probation, "党支部"),
    /// 20 入党宣誓
    Oath => ("oath", "入党宣誓", Probation, "基层党委/党支部"),
    /// 21 继续教育考察 (of the probationary member; repeats)
    ProbationReview => ("probation_review", "继续教育考察", Probation, "党支部"),
    /// 22 提出转正申请
    RegularizationApplication => ("regularization_application", "提出转正申请", Probation, "预备党员"),
    /// 23 支部大会讨论 (vote on 转正, extension or cancellation)
    RegularizationMeeting => ("regularization_meeting", "支部大会讨论", Probation, "党员大会"),
    /// 24 上级党委审批 (of the 转正 decision)
    RegularizationApproval => ("regularization_approval", "上级党委审批", Probation, "基层党委"),
    /// 25 材料归档
    Archiving => ("archiving", "材料归档", Probation, "党支部/党委"),
);

impl Step {
    /// The step's number in the procedure, 1..=25.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// The step with this number (1..=25).
    pub fn from_number(n: u8) -> Option<Step> {
        Step::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    /// The Chinese name, unique among the 25 steps: [`Step::label`] with what the step decides for
    /// the two names used twice (`支部大会讨论（接收预备党员）`, `上级党委审批（转正）` …).
    pub fn full_label(self) -> &'static str {
        match self {
            Step::AdmissionMeeting => "支部大会讨论（接收预备党员）",
            Step::AdmissionApproval => "上级党委审批（接收预备党员）",
            Step::RegularizationMeeting => "支部大会讨论（预备党员转正）",
            Step::RegularizationApproval => "上级党委审批（预备党员转正）",
            other => other.label(),
        }
    }

    /// Parse from the stable key, the full label, or the short label when it names one step only
    /// (`支部大会讨论` alone is ambiguous and gives `None`). Half-width brackets are accepted.
    pub fn parse(s: &str) -> Option<Step> {
        let s = s.trim().replace('(', "（").replace(')', "）");
        if let Some(step) = Step::ALL.iter().find(|st| st.key() == s || st.full_label() == s) {
            return Some(*step);
        }
        let mut by_label = Step::ALL.iter().filter(|st| st.label() == s);
        match (by_label.next(), by_label.next()) {
            (Some(step), None) => Some(*step),
            _ => None,
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.full_label())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, StrDeserializer};

    use super::*;

    #[test]
    fn steps_are_numbered_in_order_with_their_stages() {
        assert_eq!(Step::ALL.len(), 25);
        for (i, s) in Step::ALL.iter().enumerate() {
            assert_eq!(usize::from(s.number()), i + 1);
            assert_eq!(Step::from_number(s.number()), Some(*s));
        }
        assert_eq!(Step::from_number(0), None);
        assert_eq!(Step::from_number(26), None);
        let counts: Vec<usize> = Stage::ALL.iter().map(|st| st.steps().count()).collect();
        assert_eq!(counts, vec![2, 4, 5, 7, 7]);
        // Stages are contiguous and ascending.
        assert!(Step::ALL.windows(2).all(|w| w[0].stage() <= w[1].stage()));
        assert_eq!(Step::AdmissionMeeting.number(), 15);
        assert_eq!(Step::RegularizationMeeting.number(), 23);
        assert_eq!(Stage::Probation.number(), 5);
    }

    #[test]
    fn keys_and_full_labels_are_unique_and_parse_back() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.key()), Some(*s));
            assert_eq!(Step::parse(s.full_label()), Some(*s));
            assert_eq!(Step::ALL.iter().filter(|o| o.key() == s.key()).count(), 1);
            assert_eq!(Step::ALL.iter().filter(|o| o.full_label() == s.full_label()).count(), 1);
            assert!(s.key().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert_eq!(Step::parse("支部大会讨论"), None);
        assert_eq!(Step::parse("上级党委审批"), None);
        assert_eq!(Step::parse("入党宣誓"), Some(Step::Oath));
        assert_eq!(Step::parse(" 支部大会讨论(预备党员转正) "), Some(Step::RegularizationMeeting));
        assert_eq!(Step::parse("宣誓"), None);
        for st in Stage::ALL {
            assert_eq!(Stage::parse(st.key()), Some(*st));
            assert_eq!(Stage::parse(st.label()), Some(*st));
        }
    }

    #[test]
    fn serde_names_are_the_keys() {
        for s in Step::ALL {
            let de: StrDeserializer<'_, Error> = s.key().into_deserializer();
            assert_eq!(Step::deserialize(de).ok(), Some(*s));
        }
        for st in Stage::ALL {
            let de: StrDeserializer<'_, Error> = st.key().into_deserializer();
            assert_eq!(Stage::deserialize(de).ok(), Some(*st));
        }
    }
}
