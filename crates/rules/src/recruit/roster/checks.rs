//! The checks of roster mode, one function per kind of check, and the dated steps of a roster
//! with the order the procedure puts them in.

use chrono::NaiveDate;

use super::{Given, RosterPerson};
use crate::recruit::check::{name, violation};
use crate::recruit::history::{add_months, add_years};
use crate::recruit::params::Limits;
use crate::recruit::{Severity, Step, Violation};

/// The dated steps of a roster, in the order of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mark {
    Applied,
    Talk,
    Activist,
    Candidate,
    PolitConcluded,
    Training,
    Admitted,
    Approved,
    Oath,
    RegApplied,
    RegMeeting,
    RegApproved,
}

impl Mark {
    const ALL: [Mark; 12] = [
        Mark::Applied,
        Mark::Talk,
        Mark::Activist,
        Mark::Candidate,
        Mark::PolitConcluded,
        Mark::Training,
        Mark::Admitted,
        Mark::Approved,
        Mark::Oath,
        Mark::RegApplied,
        Mark::RegMeeting,
        Mark::RegApproved,
    ];

    fn step(self) -> Step {
        match self {
            Mark::Applied => Step::Application,
            Mark::Talk => Step::ApplicationTalk,
            Mark::Activist => Step::ActivistSelection,
            Mark::Candidate => Step::CandidateSelection,
            Mark::PolitConcluded => Step::PoliticalReview,
            Mark::Training => Step::IntensiveTraining,
            Mark::Admitted => Step::AdmissionMeeting,
            Mark::Approved => Step::AdmissionApproval,
            Mark::Oath => Step::Oath,
            Mark::RegApplied => Step::RegularizationApplication,
            Mark::RegMeeting => Step::RegularizationMeeting,
            Mark::RegApproved => Step::RegularizationApproval,
        }
    }

    /// The roster column, as messages name it.
    fn label(self) -> &'static str {
        match self {
            Mark::Applied => "申请入党日期",
            Mark::Talk => "谈话日期",
            Mark::Activist => "确定入党积极分子日期",
            Mark::Candidate => "确定发展对象日期",
            Mark::PolitConcluded => "政审结论日期",
            Mark::Training => "培训结业日期",
            Mark::Admitted => "支部大会讨论日期",
            Mark::Approved => "上级党委审批日期",
            Mark::Oath => "入党宣誓日期",
            Mark::RegApplied => "转正申请日期",
            Mark::RegMeeting => "转正支部大会日期",
            Mark::RegApproved => "转正审批日期",
        }
    }

    /// The dated steps this one needs done before it (on the same day or earlier).
    fn needs(self) -> &'static [Mark] {
        match self {
            Mark::Applied => &[],
            Mark::Talk => &[Mark::Applied],
            Mark::Activist => &[Mark::Talk],
            Mark::Candidate => &[Mark::Activist],
            Mark::PolitConcluded | Mark::Training => &[Mark::Candidate],
            Mark::Admitted => &[Mark::PolitConcluded, Mark::Training],
            Mark::Approved => &[Mark::Admitted],
            Mark::Oath | Mark::RegApplied => &[Mark::Approved],
            Mark::RegMeeting => &[Mark::RegApplied, Mark::Oath],
            Mark::RegApproved => &[Mark::RegMeeting],
        }
    }

    fn given(self, p: &RosterPerson) -> &Given<NaiveDate> {
        match self {
            Mark::Applied => &p.applied_on,
            Mark::Talk => &p.talk_on,
            Mark::Activist => &p.activist_on,
            Mark::Candidate => &p.candidate_on,
            Mark::PolitConcluded => &p.polit_concluded_on,
            Mark::Training => &p.training_ended_on,
            Mark::Admitted => &p.admitted_on,
            Mark::Approved => &p.approved_on,
            Mark::Oath => &p.oath_on,
            Mark::RegApplied => &p.regularization_applied_on,
            Mark::RegMeeting => &p.regularization_meeting_on,
            Mark::RegApproved => &p.regularization_approved_on,
        }
    }

    fn date(self, p: &RosterPerson) -> Option<NaiveDate> {
        self.given(p).get()
    }

    /// Whether `other` is needed by this step, directly or through others.
    fn requires(self, other: Mark) -> bool {
        self.needs().iter().any(|n| *n == other || n.requires(other))
    }
}

/// The reviews given, sorted, without repeats.
fn reviews(p: &RosterPerson) -> Vec<NaiveDate> {
    let mut v = p.reviews.value().cloned().unwrap_or_default();
    v.sort_unstable();
    v.dedup();
    v
}

/// The reviews column is present (whether or not the cell has dates).
fn has_review_column(p: &RosterPerson) -> bool {
    !matches!(p.reviews, Given::Unknown)
}

/// The highest step number with a date (or a review, or a 转正日期) filled in; 0 when none.
fn last_step(p: &RosterPerson) -> u8 {
    let marks = Mark::ALL.iter().filter(|m| m.given(p).value().is_some()).map(|m| m.step().number());
    let review = p.reviews.value().is_some_and(|r| !r.is_empty()).then_some(Step::ActivistReview.number());
    let regularized = p.regularized_on.value().map(|_| Step::RegularizationApproval.number());
    marks.chain(review).chain(regularized).max().unwrap_or(0)
}

/// The day the probation ends: the 支部大会 plus the probation, plus the extension at its end.
fn probation_end(p: &RosterPerson, limits: &Limits) -> Option<NaiveDate> {
    let start = add_years(p.admitted_on.get()?, limits.probation_years);
    Some(add_months(start, p.extension_months.get().unwrap_or(0)))
}

pub(super) fn check_future(p: &RosterPerson, today: NaiveDate, out: &mut Vec<Violation>) {
    for m in Mark::ALL {
        if let Some(d) = m.date(p).filter(|d| *d > today) {
            out.push(violation("dev.record", m.step(), d, format!("{}{d}晚于今天{today}", m.label())));
        }
    }
    for d in reviews(p).iter().filter(|d| **d > today) {
        out.push(violation("dev.record", Step::ActivistReview, *d, format!("考察日期{d}晚于今天{today}")));
    }
    if let Some(r) = p.regularized_on.get().filter(|d| *d > today) {
        // A 转正日期 is the end of the probation and may be written ahead only by mistake.
        out.push(violation("dev.record", Step::RegularizationApproval, r, format!("转正日期{r}晚于今天{today}")));
    }
}

/// 年满十八岁 on the day of the application.
pub(super) fn check_age(p: &RosterPerson, limits: &Limits, out: &mut Vec<Violation>) {
    let (Some(birth), Some(applied)) = (p.birth_date.get(), p.applied_on.get()) else { return };
    let step = Step::Application;
    if birth >= applied {
        out.push(violation("dev.record", step, applied, format!("出生日期{birth}不早于申请入党日期{applied}")));
        return;
    }
    let years = limits.min_age_years;
    let adult = add_years(birth, years);
    if applied < adult {
        out.push(violation(
            "dev.min_age",
            step,
            applied,
            format!("出生日期{birth}，{applied}递交入党申请书时未满{years}周岁（{adult}年满{years}周岁）"),
        ));
    }
}

/// The nearest steps before `m` with a date: its needs, and through a need without a date, that
/// need's needs.
fn dated_before(p: &RosterPerson, m: Mark) -> Vec<Mark> {
    let mut out = Vec::new();
    let mut stack: Vec<Mark> = m.needs().to_vec();
    while let Some(n) = stack.pop() {
        if n.date(p).is_some() {
            if !out.contains(&n) {
                out.push(n);
            }
        } else {
            stack.extend_from_slice(n.needs());
        }
    }
    out.sort_by_key(|n| n.step().number());
    out
}

/// Each date against the nearest dates before it in the procedure.
pub(super) fn check_order(p: &RosterPerson, out: &mut Vec<Violation>) {
    for m in Mark::ALL {
        let Some(d) = m.date(p) else { continue };
        for n in dated_before(p, m) {
            let Some(nd) = n.date(p).filter(|nd| *nd > d) else { continue };
            let (rule, why) = match (m, n) {
                (Mark::Admitted, Mark::PolitConcluded) => {
                    ("dev.political_review", "支部大会讨论时政治审查尚未形成结论性材料".to_string())
                }
                (Mark::Admitted, Mark::Training) => {
                    ("dev.training_min", "支部大会讨论时尚未完成集中培训，除个别特殊情况外不能发展".to_string())
                }
                _ => ("dev.order", format!("{}应在{}之后", name(m.step()), name(n.step()))),
            };
            out.push(violation(rule, m.step(), d, format!("{}{d}早于{}{nd}，{why}", m.label(), n.label())));
        }
    }
    let reviews = reviews(p);
    if let Some(a) = p.activist_on.get() {
        for r in reviews.iter().filter(|r| **r < a) {
            out.push(violation(
                "dev.order",
                Step::ActivistReview,
                *r,
                format!("考察日期{r}早于确定入党积极分子日期{a}，确定为入党积极分子后才能培养考察"),
            ));
        }
    }
    if let Some(c) = p.candidate_on.get() {
        for r in reviews.iter().filter(|r| **r > c) {
            out.push(violation(
                "dev.order",
                Step::ActivistReview,
                *r,
                format!("考察日期{r}晚于确定发展对象日期{c}，确定为发展对象后不再作为入党积极分子考察"),
            ));
        }
    }
}

/// A blank cell of a step that a filled-in later step needs.
pub(super) fn check_blanks(p: &RosterPerson, out: &mut Vec<Violation>) {
    let trained = [&p.training_days, &p.training_hours].iter().any(|g| g.get().is_some_and(|n| n > 0));
    for m in Mark::ALL.into_iter().filter(|m| m.given(p).is_blank()) {
        if m == Mark::Training && trained {
            continue;
        }
        let later = Mark::ALL.into_iter().filter(|l| l.requires(m)).filter_map(|l| l.date(p).map(|d| (d, l))).min();
        let Some((d, l)) = later else { continue };
        let (rule, why) = match m {
            Mark::PolitConcluded => ("dev.political_review", "未经政治审查或政审未形成结论的不能发展".to_string()),
            Mark::Training => ("dev.training_min", "未经集中培训，除个别特殊情况外不能发展".to_string()),
            _ => ("dev.record", format!("{}应在此之前完成", name(m.step()))),
        };
        out.push(violation(rule, m.step(), d, format!("{}为空，但{}为{d}，{why}", m.label(), l.label())));
    }
    if p.regularization_approved_on.is_blank()
        && let Some(r) = p.regularized_on.get()
    {
        out.push(violation(
            "dev.record",
            Step::RegularizationApproval,
            r,
            format!("转正审批日期为空，但转正日期为{r}，转正须经上级党委审批"),
        ));
    }
}

/// The intervals between two dates of the first four stages.
pub(super) fn check_intervals(p: &RosterPerson, limits: &Limits, out: &mut Vec<Violation>) {
    if let (Some(applied), Some(t)) = (p.applied_on.get(), p.talk_on.get()) {
        let deadline = add_months(applied, limits.talk_months);
        if t > deadline {
            out.push(violation(
                "dev.talk_within",
                Step::ApplicationTalk,
                t,
                format!(
                    "{applied}收到入党申请书，应在{}个月内（{deadline}前）派人谈话，谈话日期为{t}",
                    limits.talk_months
                ),
            ));
        }
    }
    if let (Some(a), Some(c)) = (p.activist_on.get(), p.candidate_on.get()) {
        let years = limits.activist_years;
        let earliest = add_years(a, years);
        if c < earliest {
            out.push(violation(
                "dev.activist_to_candidate_min",
                Step::CandidateSelection,
                c,
                format!(
                    "{a}确定为入党积极分子，培养考察{years}年以上（{earliest}起）方可确定为发展对象，确定日期为{c}"
                ),
            ));
        }
    }
    if let (Some(c), Some(m)) = (p.polit_concluded_on.get(), p.admitted_on.get()) {
        let valid = limits.polit_valid_months;
        if valid > 0 && m > add_months(c, valid) {
            out.push(violation(
                "dev.polit_review_valid",
                Step::AdmissionMeeting,
                m,
                format!("政治审查结论形成于{c}，至{m}支部大会已超过{valid}个月，应重新政审"),
            ));
        }
    }
    if let (Some(m), Some(a)) = (p.admitted_on.get(), p.approved_on.get()) {
        let normal = add_months(m, limits.approval_months);
        let max = add_months(m, limits.approval_max_months);
        if a > max {
            out.push(violation(
                "dev.approval_within",
                Step::AdmissionApproval,
                a,
                format!(
                    "{m}支部大会通过，审批最长不得超过{}个月（{max}前），审批日期为{a}",
                    limits.approval_max_months
                ),
            ));
        } else if a > normal {
            let mut v = violation(
                "dev.approval_within",
                Step::AdmissionApproval,
                a,
                format!(
                    "{m}支部大会通过，应在{}个月内（{normal}前）审批，{a}审批；如有党组织按期换届等特殊情况可适当延长（花名册未记录原因，请核实）",
                    limits.approval_months
                ),
            );
            v.severity = Severity::Warning;
            out.push(v);
        }
    }
}

/// The half-yearly 考察, when the file has its column: from 确定入党积极分子 to each review and on
/// to 确定发展对象, no gap longer than the interval.
pub(super) fn check_reviews(p: &RosterPerson, limits: &Limits, out: &mut Vec<Violation>) {
    if !has_review_column(p) {
        return;
    }
    let activist = p.activist_on.get();
    let candidate = p.candidate_on.get();
    let in_range = |r: &&NaiveDate| activist.is_none_or(|a| **r >= a) && candidate.is_none_or(|c| **r <= c);
    let mut points: Vec<(NaiveDate, Step)> = activist.map(|a| (a, Step::ActivistSelection)).into_iter().collect();
    points.extend(reviews(p).iter().filter(in_range).map(|r| (*r, Step::ActivistReview)));
    points.extend(candidate.map(|c| (c, Step::CandidateSelection)));
    for w in points.windows(2) {
        let ((since, from), (d, step)) = (w[0], w[1]);
        let deadline = add_months(since, limits.review_months);
        if d > deadline {
            let what = if from == Step::ActivistReview { "上次考察" } else { "确定为入党积极分子" };
            out.push(violation(
                "dev.activist_review_every",
                step,
                d,
                format!("{what}为{since}，党支部应每{}个月考察一次（{deadline}前），至{d}未考察", limits.review_months),
            ));
        }
    }
}

/// The counts of the vote, the length of the training, the months of an extension.
pub(super) fn check_facts(p: &RosterPerson, limits: &Limits, out: &mut Vec<Violation>) {
    if let Some(m) = p.admitted_on.get() {
        check_vote(p, m, out);
    }
    let measures =
        [(p.training_days.get(), limits.training_days, "天"), (p.training_hours.get(), limits.training_hours, "学时")];
    let known: Vec<(u32, u32, &str)> =
        measures.iter().filter_map(|(v, min, unit)| v.map(|v| (v, *min, *unit))).collect();
    let on = p.training_ended_on.get().or(p.admitted_on.get()).or(p.candidate_on.get());
    if let Some(on) = on
        && !known.is_empty()
        && known.iter().all(|(v, min, _)| v < min)
    {
        let given: Vec<String> = known.iter().map(|(v, _, unit)| format!("{v}{unit}")).collect();
        out.push(violation(
            "dev.training_min",
            Step::IntensiveTraining,
            on,
            format!(
                "集中培训为{}，一般不少于{}天或{}学时",
                given.join("、"),
                limits.training_days,
                limits.training_hours
            ),
        ));
    }
    let first_end = p.admitted_on.get().map(|m| add_years(m, limits.probation_years));
    if let Some(months) = p.extension_months.get().filter(|m| *m > 0)
        && !(limits.extension_min..=limits.extension_max).contains(&months)
        && let Some(on) = p.regularization_meeting_on.get().or(first_end)
    {
        out.push(violation(
            "dev.probation_extension",
            Step::RegularizationMeeting,
            on,
            format!("延长预备期{months}个月，应不少于{}个月、不超过{}个月", limits.extension_min, limits.extension_max),
        ));
    }
}

/// The counts of the 支部大会 of admission, as far as they are given.
pub(super) fn check_vote(p: &RosterPerson, d: NaiveDate, out: &mut Vec<Violation>) {
    let (e, pr, f) = (p.vote_eligible.get(), p.vote_present.get(), p.vote_in_favour.get());
    let step = Step::AdmissionMeeting;
    let meeting = format!("{d}{}", step.full_label());
    let over = |n: Option<u32>| matches!((n, e), (Some(n), Some(e)) if n > e);
    if e == Some(0) || over(pr) || over(f) {
        let show = |n: Option<u32>| n.map_or("未填".to_string(), |n| n.to_string());
        out.push(violation(
            "dev.record",
            step,
            d,
            format!(
                "{meeting}的表决人数不一致：应到会有表决权的正式党员{}名，实到{}名，赞成{}票",
                show(e),
                show(pr),
                show(f)
            ),
        ));
        return;
    }
    let Some(e) = e else { return };
    if let Some(pr) = pr
        && u64::from(pr) * 2 <= u64::from(e)
    {
        out.push(violation(
            "dev.vote_quorum",
            step,
            d,
            format!("{meeting}应到会有表决权的正式党员{e}名，实到{pr}名，未超过半数"),
        ));
    }
    if let Some(f) = f
        && u64::from(f) * 2 <= u64::from(e)
    {
        out.push(violation(
            "dev.vote_pass",
            step,
            d,
            format!("{meeting}赞成{f}票，未超过应到会有表决权的正式党员{e}名的半数"),
        ));
    }
}

/// The probation: the 转正 meeting at its end and in time, the 转正日期 its last day, the approval
/// within its limit.
pub(super) fn check_probation(p: &RosterPerson, limits: &Limits, out: &mut Vec<Violation>) {
    let end = probation_end(p, limits);
    if let (Some(end), Some(m)) = (end, p.regularization_meeting_on.get()) {
        let deadline = add_months(end, limits.regularize_meeting_months);
        if m < end {
            out.push(violation(
                "dev.probation",
                Step::RegularizationMeeting,
                m,
                format!("预备期至{end}期满，{m}讨论时预备期未满"),
            ));
        } else if m > deadline {
            out.push(violation(
                "dev.regularize_meeting_within",
                Step::RegularizationMeeting,
                m,
                format!(
                    "预备期于{end}期满，应及时（{}个月内，{deadline}前）讨论，讨论日期为{m}",
                    limits.regularize_meeting_months
                ),
            ));
        }
    }
    let approved = p.regularization_approved_on.get();
    if let (Some(m), Some(a)) = (p.regularization_meeting_on.get(), approved) {
        let deadline = add_months(m, limits.regularize_approval_months);
        if a > deadline {
            out.push(violation(
                "dev.regularize_approval_within",
                Step::RegularizationApproval,
                a,
                format!(
                    "{m}支部大会讨论后，基层党委应在{}个月内（{deadline}前）审批，审批日期为{a}",
                    limits.regularize_approval_months
                ),
            ));
        }
    }
    match (p.regularized_on.get(), end) {
        (Some(r), Some(end)) if r != end => out.push(violation(
            "dev.probation",
            Step::RegularizationApproval,
            approved.unwrap_or(r),
            format!("转正日期应为预备期满之日{end}，填写的是{r}"),
        )),
        _ => {}
    }
    if let Some(a) = approved
        && p.regularized_on.is_blank()
    {
        let should = end.map(|e| format!("{e}")).unwrap_or_else(|| "预备期满之日".to_string());
        out.push(violation(
            "dev.probation",
            Step::RegularizationApproval,
            a,
            format!("{a}批准转正，未填写转正日期（应为{should}）"),
        ));
    }
}

/// The deadlines passed by `today` with the next date blank and nothing later filled in.
pub(super) fn check_overdue(p: &RosterPerson, limits: &Limits, today: NaiveDate, out: &mut Vec<Violation>) {
    let last = last_step(p);
    let mut due = |rule: &'static str, step: Step, since: NaiveDate, what: &str, limit: NaiveDate, extra: &str| {
        if limit < today {
            out.push(violation(
                rule,
                step,
                limit,
                format!("{since}{what}，{}应于{limit}前完成{extra}，截至{today}尚未填写", name(step)),
            ));
        }
    };
    if p.talk_on.is_blank()
        && last < Step::ApplicationTalk.number()
        && let Some(a) = p.applied_on.get()
    {
        due("dev.talk_within", Step::ApplicationTalk, a, "收到入党申请书", add_months(a, limits.talk_months), "");
    }
    if has_review_column(p)
        && last <= Step::ActivistReview.number()
        && let Some(a) = p.activist_on.get()
    {
        let (since, what) = match reviews(p).iter().copied().filter(|r| *r >= a).max() {
            Some(r) => (r, "上次考察"),
            None => (a, "确定为入党积极分子"),
        };
        due(
            "dev.activist_review_every",
            Step::ActivistReview,
            since,
            what,
            add_months(since, limits.review_months),
            "",
        );
    }
    if p.approved_on.is_blank()
        && last < Step::AdmissionApproval.number()
        && let Some(m) = p.admitted_on.get()
    {
        let extra = if limits.approval_max_months == limits.approval_months {
            ""
        } else {
            "（含特殊情况的最长期限）"
        };
        let limit = add_months(m, limits.approval_max_months);
        due("dev.approval_within", Step::AdmissionApproval, m, "支部大会通过", limit, extra);
    }
    if p.regularization_meeting_on.is_blank()
        && !p.approved_on.is_blank()
        && last < Step::RegularizationMeeting.number()
        && let Some(end) = probation_end(p, limits)
    {
        let limit = add_months(end, limits.regularize_meeting_months);
        due("dev.regularize_meeting_within", Step::RegularizationMeeting, end, "预备期满", limit, "");
    }
    if p.regularization_approved_on.is_blank()
        && last < Step::RegularizationApproval.number()
        && let Some(m) = p.regularization_meeting_on.get()
    {
        let limit = add_months(m, limits.regularize_approval_months);
        due("dev.regularize_approval_within", Step::RegularizationApproval, m, "支部大会讨论转正", limit, "");
    }
}
