//! What the steps recorded so far establish: which steps are done, the 转正 rounds (a round is
//! 提出转正申请 → 支部大会讨论 → 上级党委审批; a second round follows an approved extension), the
//! end of the probation, whether the process is over. Plus the calendar arithmetic.

use chrono::{Months, NaiveDate};

use super::{Decision, Event, Facts, Person, Step};

/// `d` plus `n` calendar months; the last day of the month when the day does not exist there.
pub(crate) fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n)).unwrap_or(NaiveDate::MAX)
}

/// `d` plus `n` years, as 12·n calendar months (2024-02-29 plus one year is 2025-02-28).
pub(crate) fn add_years(d: NaiveDate, n: u32) -> NaiveDate {
    add_months(d, n.saturating_mul(12))
}

/// The order events are taken in: by date, then by step number (steps of one day in the order of
/// the procedure). So a new 提出转正申请 dated on the day an extension is approved is read as part
/// of the round that approval closes: it should be dated after it.
pub(crate) fn sort_key(e: &Event) -> (NaiveDate, u8) {
    (e.on, e.step().number())
}

/// The events in the order of [`sort_key`] (stable for equal keys).
pub(crate) fn sorted(events: &[Event]) -> Vec<&Event> {
    let mut v: Vec<&Event> = events.iter().collect();
    v.sort_by_key(|e| sort_key(e));
    v
}

/// The steps a step needs done before it (on the same day or earlier). Steps 22–24 are per round
/// ([`History::satisfied`]); 24 as a need of 25 means an approved 转正.
pub(crate) fn prerequisites(step: Step) -> &'static [Step] {
    use Step::*;
    match step {
        Application => &[],
        ApplicationTalk => &[Application],
        ActivistSelection => &[ApplicationTalk],
        ActivistFiling | MentorAssignment | ActivistReview => &[ActivistSelection],
        CandidateSelection => &[ActivistFiling, MentorAssignment],
        CandidateFiling | SponsorAssignment | PoliticalReview | IntensiveTraining => &[CandidateSelection],
        CommitteeReview => &[CandidateFiling, SponsorAssignment, PoliticalReview, IntensiveTraining],
        PreReview => &[CommitteeReview],
        AdmissionForm => &[PreReview],
        AdmissionMeeting => &[AdmissionForm],
        ApprovalTalk => &[AdmissionMeeting],
        AdmissionApproval => &[ApprovalTalk],
        AdmissionFiling | GroupPlacement | Oath | ProbationReview | RegularizationApplication => &[AdmissionApproval],
        RegularizationMeeting => &[RegularizationApplication, GroupPlacement, Oath],
        RegularizationApproval => &[RegularizationMeeting],
        Archiving => &[RegularizationApproval, AdmissionFiling],
    }
}

/// Steps that are recorded more than once: the reviews, and the 转正 round after an extension.
pub(crate) fn repeatable(step: Step) -> bool {
    matches!(
        step,
        Step::ActivistReview
            | Step::ProbationReview
            | Step::RegularizationApplication
            | Step::RegularizationMeeting
            | Step::RegularizationApproval
    )
}

/// One 转正 round.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Round<'a> {
    pub application: Option<&'a Event>,
    pub meeting: Option<&'a Event>,
    pub approval: Option<&'a Event>,
}

impl<'a> Round<'a> {
    /// What the round's 支部大会 decided.
    pub fn decision(&self) -> Option<Decision> {
        match self.meeting.map(|e| &e.facts) {
            Some(Facts::RegularizationMeeting { decision, .. }) => Some(*decision),
            _ => None,
        }
    }
}

/// The events of a person up to some point, in order.
pub(crate) struct History<'a> {
    pub applied_on: NaiveDate,
    pub events: &'a [&'a Event],
    /// Completed rounds (with an approval), then the open round (possibly empty) last.
    rounds: Vec<Round<'a>>,
}

impl<'a> History<'a> {
    pub fn new(person: &Person, events: &'a [&'a Event]) -> Self {
        let mut rounds = Vec::new();
        let mut open = Round::default();
        for e in events {
            match e.step() {
                Step::RegularizationApplication => {
                    open.application = open.application.or(Some(e));
                }
                Step::RegularizationMeeting => {
                    open.meeting = open.meeting.or(Some(e));
                }
                Step::RegularizationApproval => {
                    open.approval = Some(e);
                    rounds.push(open);
                    open = Round::default();
                }
                _ => {}
            }
        }
        rounds.push(open);
        History { applied_on: person.applied_on, events, rounds }
    }

    /// The first event of a step.
    pub fn first(&self, step: Step) -> Option<&'a Event> {
        self.events.iter().copied().find(|e| e.step() == step)
    }

    /// The last event of a step.
    pub fn last(&self, step: Step) -> Option<&'a Event> {
        self.events.iter().rev().copied().find(|e| e.step() == step)
    }

    /// The date of the first event of a step.
    pub fn date(&self, step: Step) -> Option<NaiveDate> {
        self.first(step).map(|e| e.on)
    }

    /// Whether a step is recorded.
    pub fn has(&self, step: Step) -> bool {
        self.first(step).is_some()
    }

    /// The rounds with an approval, in order.
    pub fn completed_rounds(&self) -> &[Round<'a>] {
        &self.rounds[..self.rounds.len() - 1]
    }

    /// The round in progress (empty when none has started).
    pub fn open_round(&self) -> Round<'a> {
        self.rounds.last().copied().unwrap_or_default()
    }

    /// The approval that ended the probation (转正 or cancellation), with the decision.
    pub fn final_approval(&self) -> Option<(&'a Event, Decision)> {
        self.completed_rounds().iter().find_map(|r| match (r.approval, r.decision()) {
            (Some(a), Some(d @ (Decision::Regularize | Decision::Cancel))) => Some((a, d)),
            _ => None,
        })
    }

    /// The day the probationary membership was cancelled (approved).
    pub fn cancelled_on(&self) -> Option<NaiveDate> {
        self.final_approval().filter(|(_, d)| *d == Decision::Cancel).map(|(e, _)| e.on)
    }

    /// The day 转正 was approved.
    pub fn regularized_approval(&self) -> Option<&'a Event> {
        self.final_approval().filter(|(_, d)| *d == Decision::Regularize).map(|(e, _)| e)
    }

    /// The approved extensions, in months, in order.
    pub fn extensions(&self) -> Vec<u32> {
        self.completed_rounds()
            .iter()
            .filter_map(|r| match r.decision() {
                Some(Decision::Extend { months }) => Some(months),
                _ => None,
            })
            .collect()
    }

    /// The day the probation ends: the 支部大会 of admission plus the probation, plus each
    /// approved extension added to the end.
    pub fn probation_end(&self, probation_years: u32) -> Option<NaiveDate> {
        let start = self.date(Step::AdmissionMeeting)?;
        Some(self.extensions().into_iter().fold(add_years(start, probation_years), add_months))
    }

    /// Whether a needed step is done, as the step that needs it sees it: steps 22 and 23 in the
    /// open round, 24 as an approved 转正, others recorded at all.
    pub fn satisfied(&self, step: Step) -> bool {
        match step {
            Step::RegularizationApplication => self.open_round().application.is_some(),
            Step::RegularizationMeeting => self.open_round().meeting.is_some(),
            Step::RegularizationApproval => self.regularized_approval().is_some(),
            Step::Application => true,
            other => self.has(other),
        }
    }

    /// When a step was done, if it is done for now (so recording it again is a duplicate):
    /// once-only steps when recorded, steps 22 and 23 when in the open round, the reviews and 24
    /// never (an approval closes its round).
    pub fn done_on(&self, step: Step) -> Option<NaiveDate> {
        match step {
            Step::ActivistReview | Step::ProbationReview | Step::RegularizationApproval => None,
            Step::RegularizationApplication => self.open_round().application.map(|e| e.on),
            Step::RegularizationMeeting => self.open_round().meeting.map(|e| e.on),
            other => self.date(other),
        }
    }

    /// Why nothing more may be recorded, if so: the day and the reason.
    pub fn closed(&self) -> Option<(NaiveDate, &'static str)> {
        if let Some(d) = self.cancelled_on() {
            return Some((d, "取消预备党员资格"));
        }
        self.date(Step::Archiving).map(|d| (d, "材料归档"))
    }

    /// Why this step may no longer be recorded although it is not done: the reviews and the 转正
    /// round after the stage they belong to is over.
    pub fn past_stage(&self, step: Step) -> Option<(NaiveDate, &'static str)> {
        match step {
            Step::ActivistReview => self.date(Step::CandidateSelection).map(|d| (d, "确定为发展对象")),
            Step::ProbationReview
            | Step::RegularizationApplication
            | Step::RegularizationMeeting
            | Step::RegularizationApproval => self.regularized_approval().map(|e| (e.on, "批准转正")),
            _ => None,
        }
    }
}
