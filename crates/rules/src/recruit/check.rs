//! The checks of one step against the steps before it, and the audit of a whole history.

use chrono::NaiveDate;

use super::due::overdue;
use super::history::{History, add_months, add_years, prerequisites, repeatable, sort_key, sorted};
use super::params::Limits;
use super::{Decision, Event, Facts, Mentor, Person, Publicity, RULES, Severity, Sponsor, Step, Violation, Vote};

/// A violation of a rule, its message prefixed with the rule's name.
pub(crate) fn violation(rule_id: &'static str, step: Step, on: NaiveDate, details: String) -> Violation {
    let (label, severity) =
        RULES.iter().find(|r| r.id == rule_id).map_or(("未知规则", Severity::Error), |r| (r.label, r.severity));
    Violation { rule_id, step, on, severity, message: format!("{label}：{details}") }
}

/// `第7步“确定发展对象”`.
pub(crate) fn name(step: Step) -> String {
    format!("第{}步“{}”", step.number(), step.full_label())
}

/// How an event is checked: as a proposal (the events dated after it exist and count for
/// duplicates; steps needing it that are dated before it are reported here), or inside an audit
/// (each problem is reported once, at the later event).
enum Mode<'a> {
    Propose { later: &'a [&'a Event] },
    Audit,
}

pub(crate) fn check_step(person: &Person, proposed: &Event, limits: &Limits, today: NaiveDate) -> Vec<Violation> {
    let all = sorted(&person.events);
    let split = all.partition_point(|e| sort_key(e) <= sort_key(proposed));
    let (before, later) = all.split_at(split);
    let history = History::new(person, before);
    let mut out = Vec::new();
    if proposed.step() == Step::Application {
        check_age(person.birth_date, proposed.on, limits, &mut out);
    }
    check_event(&history, proposed, limits, today, Mode::Propose { later }, &mut out);
    out
}

pub(crate) fn audit(person: &Person, limits: &Limits, today: NaiveDate) -> Vec<Violation> {
    let all = sorted(&person.events);
    let mut out = Vec::new();
    check_age(person.birth_date, person.applied_on, limits, &mut out);
    if person.applied_on > today {
        out.push(violation(
            "dev.record",
            Step::Application,
            person.applied_on,
            format!("递交入党申请书的日期{}晚于今天{today}", person.applied_on),
        ));
    }
    for i in 0..all.len() {
        let history = History::new(person, &all[..i]);
        check_event(&history, all[i], limits, today, Mode::Audit, &mut out);
    }
    overdue(&History::new(person, &all), limits, today, &mut out);
    out
}

/// 年满十八岁 on the day of the application.
fn check_age(birth: NaiveDate, applied: NaiveDate, limits: &Limits, out: &mut Vec<Violation>) {
    let step = Step::Application;
    if birth >= applied {
        out.push(violation("dev.record", step, applied, format!("出生日期{birth}不早于递交入党申请书的日期{applied}")));
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

fn check_event(
    h: &History<'_>,
    e: &Event,
    limits: &Limits,
    today: NaiveDate,
    mode: Mode<'_>,
    out: &mut Vec<Violation>,
) {
    let step = e.step();
    let d = e.on;
    if d > today {
        out.push(violation("dev.record", step, d, format!("{}的日期{d}晚于今天{today}", name(step))));
    }
    if step == Step::Application {
        if d != h.applied_on {
            out.push(violation(
                "dev.record",
                step,
                d,
                format!("{}的日期{d}与登记的申请日期{}不一致", name(step), h.applied_on),
            ));
        }
    } else if d < h.applied_on {
        out.push(violation(
            "dev.order",
            step,
            d,
            format!("{}的日期{d}早于递交入党申请书的日期{}", name(step), h.applied_on),
        ));
    }
    if !check_order(h, e, &mode, out) {
        return;
    }
    check_facts(h, e, limits, out);
}

/// The order of the steps. `false` when the process is closed (nothing else is checked then).
fn check_order(h: &History<'_>, e: &Event, mode: &Mode<'_>, out: &mut Vec<Violation>) -> bool {
    let step = e.step();
    let d = e.on;
    if let Some((on, why)) = h.closed() {
        out.push(violation("dev.order", step, d, format!("已于{on}{why}，不能再记录{}", name(step))));
        return false;
    }
    let recorded_later = match mode {
        Mode::Propose { later } => later.iter().find(|o| o.step() == step && !repeatable(step)).map(|o| o.on),
        Mode::Audit => None,
    };
    if let Some(on) = h.done_on(step).or(recorded_later) {
        let what = if repeatable(step) { "本轮已" } else { "已" };
        out.push(violation("dev.order", step, d, format!("{}{what}于{on}记录，不能重复记录", name(step))));
    } else if let Some((on, why)) = h.past_stage(step) {
        out.push(violation("dev.order", step, d, format!("已于{on}{why}，不能再记录{}", name(step))));
    } else if step == Step::RegularizationApplication
        && h.completed_rounds().last().is_some_and(|r| !matches!(r.decision(), Some(Decision::Extend { .. })))
    {
        out.push(violation("dev.order", step, d, format!("上一轮转正讨论未决定延长预备期，不能再次{}", name(step))));
    }
    let missing: Vec<String> = prerequisites(step).iter().filter(|p| !h.satisfied(**p)).map(|p| name(*p)).collect();
    if !missing.is_empty() {
        out.push(violation("dev.order", step, d, format!("{d}记录{}之前应先完成{}", name(step), missing.join("、"))));
    }
    if let Mode::Propose { .. } = mode {
        // Steps that need this one but are recorded on an earlier day.
        let early: Vec<String> = h
            .events
            .iter()
            .filter(|o| o.on < d && prerequisites(o.step()).contains(&step) && !(in_round(o.step()) && in_round(step)))
            .map(|o| format!("{}（{}）", name(o.step()), o.on))
            .collect();
        if !early.is_empty() {
            out.push(violation(
                "dev.order",
                step,
                d,
                format!("{}应在{}之前完成，记录的日期{d}晚于它们", name(step), early.join("、")),
            ));
        }
    }
    true
}

/// Steps 22–24, whose order is checked per round.
fn in_round(step: Step) -> bool {
    matches!(step, Step::RegularizationApplication | Step::RegularizationMeeting | Step::RegularizationApproval)
}

/// The intervals, the gates and the facts of the step.
fn check_facts(h: &History<'_>, e: &Event, limits: &Limits, out: &mut Vec<Violation>) {
    let step = e.step();
    let d = e.on;
    let mut push = |rule: &'static str, details: String| out.push(violation(rule, step, d, details));
    match &e.facts {
        Facts::ApplicationTalk => {
            let deadline = add_months(h.applied_on, limits.talk_months);
            if d > deadline {
                push(
                    "dev.talk_within",
                    format!(
                        "{}收到入党申请书，应在{}个月内（{deadline}前）派人谈话，谈话日期为{d}",
                        h.applied_on, limits.talk_months
                    ),
                );
            }
        }
        Facts::ActivistSelection { publicity } | Facts::CandidateSelection { publicity } => {
            if step == Step::CandidateSelection {
                check_candidate_timing(h, d, limits, &mut push);
            }
            check_publicity(publicity.as_ref(), step, d, limits, &mut push);
        }
        Facts::MentorAssignment { mentors } => check_mentors(mentors, &mut push),
        Facts::ActivistReview => check_review_gap(h, d, limits, &mut push),
        Facts::SponsorAssignment { sponsors } => check_sponsors(sponsors, limits, &mut push),
        Facts::PoliticalReview { concluded_on: Some(c), .. } if *c < d => {
            push("dev.record", format!("政治审查结论日期{c}早于政治审查开始日期{d}"));
        }
        Facts::IntensiveTraining { days, hours } if *days < limits.training_days && *hours < limits.training_hours => {
            push(
                "dev.training_min",
                format!(
                    "{d}结业的集中培训为{days}天、{hours}学时，一般不少于{}天或{}学时",
                    limits.training_days, limits.training_hours
                ),
            );
        }
        Facts::AdmissionMeeting { vote, leaving_unit_on } => {
            check_admission_gates(h, d, limits, &mut push);
            if let Some(l) = leaving_unit_on
                && limits.leaving_months > 0
                && *l <= add_months(d, limits.leaving_months)
            {
                push(
                    "dev.leaving_unit_block",
                    format!(
                        "发展对象预计于{l}离开工作、学习单位，在{d}支部大会后{}个月内，一般不办理接收手续",
                        limits.leaving_months
                    ),
                );
            }
            check_vote(vote, step, d, &mut push);
        }
        Facts::ApprovalTalk { by_committee_member: false } => {
            push("dev.approval_talk", format!("{d}的谈话应由上级党委指派党委委员或组织员进行"));
        }
        Facts::AdmissionApproval { late_reason, publicity } => {
            if let Some(meeting) = h.date(Step::AdmissionMeeting) {
                check_approval_window(meeting, d, late_reason.as_deref(), limits, &mut push);
            }
            check_publicity(publicity.as_ref(), step, d, limits, &mut push);
        }
        Facts::RegularizationMeeting { vote, decision } => {
            check_regularization_meeting(h, d, *decision, limits, &mut push);
            check_vote(vote, step, d, &mut push);
        }
        Facts::RegularizationApproval { regularized_on, publicity } => {
            let round = h.open_round();
            if let Some(meeting) = round.meeting {
                let deadline = add_months(meeting.on, limits.regularize_approval_months);
                if d > deadline {
                    push(
                        "dev.regularize_approval_within",
                        format!(
                            "{}支部大会讨论后，基层党委应在{}个月内（{deadline}前）审批，审批日期为{d}",
                            meeting.on, limits.regularize_approval_months
                        ),
                    );
                }
            }
            let end = h.probation_end(limits.probation_years);
            match (round.decision(), regularized_on) {
                (Some(Decision::Regularize), None) => {
                    push("dev.probation", format!("{d}批准转正，未填写转正日期（应为预备期满之日）"));
                }
                (Some(Decision::Regularize), Some(r)) => {
                    if let Some(end) = end
                        && *r != end
                    {
                        push("dev.probation", format!("转正日期应为预备期满之日{end}，填写的是{r}"));
                    }
                }
                (_, Some(r)) => {
                    push("dev.record", format!("支部大会未决定转正，审批却填写了转正日期{r}"));
                }
                (_, None) => {}
            }
            if round.decision() == Some(Decision::Regularize) {
                check_publicity(publicity.as_ref(), step, d, limits, &mut push);
            }
        }
        _ => {}
    }
}

/// 确定发展对象: a year after 确定积极分子, and the last review no more than half a year before.
fn check_candidate_timing(h: &History<'_>, d: NaiveDate, limits: &Limits, push: &mut impl FnMut(&'static str, String)) {
    if let Some(a) = h.date(Step::ActivistSelection) {
        let years = limits.activist_years;
        let earliest = add_years(a, years);
        if d < earliest {
            push(
                "dev.activist_to_candidate_min",
                format!(
                    "{a}确定为入党积极分子，培养考察{years}年以上（{earliest}起）方可确定为发展对象，确定日期为{d}"
                ),
            );
        }
    }
    check_review_gap(h, d, limits, push);
}

/// The half-yearly review: no more than `review_months` since the last review (or the selection
/// as activist) on the day of a review or of 确定发展对象.
fn check_review_gap(h: &History<'_>, d: NaiveDate, limits: &Limits, push: &mut impl FnMut(&'static str, String)) {
    let Some(since) = h.last(Step::ActivistReview).or(h.first(Step::ActivistSelection)).map(|e| e.on) else {
        return;
    };
    let deadline = add_months(since, limits.review_months);
    if d > deadline {
        let what = if h.has(Step::ActivistReview) { "上次考察" } else { "确定为入党积极分子" };
        push(
            "dev.activist_review_every",
            format!("{what}为{since}，党支部应每{}个月考察一次（{deadline}前），至{d}未考察", limits.review_months),
        );
    }
}

fn check_mentors(mentors: &[Mentor], push: &mut impl FnMut(&'static str, String)) {
    if !(1..=2).contains(&mentors.len()) {
        push("dev.mentors", format!("应指定1至2名正式党员作培养联系人，记录了{}名", mentors.len()));
    }
    for m in mentors.iter().filter(|m| !m.full_member) {
        push("dev.mentors", format!("培养联系人{}不是正式党员", m.name));
    }
}

fn check_sponsors(sponsors: &[Sponsor], limits: &Limits, push: &mut impl FnMut(&'static str, String)) {
    if sponsors.len() != limits.sponsors {
        push("dev.sponsors", format!("应有{}名正式党员作入党介绍人，记录了{}名", limits.sponsors, sponsors.len()));
    }
    for (i, s) in sponsors.iter().enumerate() {
        if sponsors[..i].iter().any(|o| o.name == s.name) {
            push("dev.sponsors", format!("入党介绍人{}重复记录", s.name));
        }
        if !s.full_member {
            push("dev.sponsors", format!("入党介绍人{}不是正式党员", s.name));
        }
        if s.under_discipline {
            push("dev.sponsors", format!("入党介绍人{}受留党察看处分、尚未恢复党员权利，不能作入党介绍人", s.name));
        }
    }
}

/// 支部大会 of admission: political review concluded and qualified (and not too old), training
/// done, within a month of the 预审.
fn check_admission_gates(h: &History<'_>, d: NaiveDate, limits: &Limits, push: &mut impl FnMut(&'static str, String)) {
    match h.first(Step::PoliticalReview).map(|e| &e.facts) {
        Some(Facts::PoliticalReview { concluded_on: Some(c), qualified }) if *c <= d => {
            if !qualified {
                push("dev.political_review", format!("{c}的政治审查结论为不合格，不能发展"));
            }
            let valid = limits.polit_valid_months;
            if valid > 0 && d > add_months(*c, valid) {
                push(
                    "dev.polit_review_valid",
                    format!("政治审查结论形成于{c}，至{d}支部大会已超过{valid}个月，应重新政审"),
                );
            }
        }
        Some(_) => push("dev.political_review", format!("{d}支部大会讨论时政治审查尚未形成结论性材料")),
        None => push("dev.political_review", "未经政治审查，不能发展".to_string()),
    }
    if !h.has(Step::IntensiveTraining) {
        push("dev.training_min", "未经集中培训，除个别特殊情况外不能发展".to_string());
    }
    if let Some(pre) = h.date(Step::PreReview) {
        let deadline = add_months(pre, limits.pre_review_months);
        if d > deadline {
            push(
                "dev.admission_meeting_within",
                format!(
                    "{pre}预审合格，一般应在{}个月内（{deadline}前）提交支部大会讨论，讨论日期为{d}",
                    limits.pre_review_months
                ),
            );
        }
    }
}

fn check_approval_window(
    meeting: NaiveDate,
    d: NaiveDate,
    reason: Option<&str>,
    limits: &Limits,
    push: &mut impl FnMut(&'static str, String),
) {
    let normal = add_months(meeting, limits.approval_months);
    let max = add_months(meeting, limits.approval_max_months);
    let has_reason = reason.is_some_and(|r| !r.trim().is_empty());
    if d > max {
        push(
            "dev.approval_within",
            format!(
                "{meeting}支部大会通过，审批最长不得超过{}个月（{max}前），审批日期为{d}",
                limits.approval_max_months
            ),
        );
    } else if d > normal && !has_reason {
        push(
            "dev.approval_within",
            format!(
                "{meeting}支部大会通过，应在{}个月内（{normal}前）审批，{d}审批且未说明特殊情况",
                limits.approval_months
            ),
        );
    }
}

/// 支部大会讨论转正: at the end of the probation, in time, an extension once and of 6–12 months.
fn check_regularization_meeting(
    h: &History<'_>,
    d: NaiveDate,
    decision: Decision,
    limits: &Limits,
    push: &mut impl FnMut(&'static str, String),
) {
    if let Some(end) = h.probation_end(limits.probation_years) {
        let deadline = add_months(end, limits.regularize_meeting_months);
        if d < end {
            push("dev.probation", format!("预备期至{end}期满，{d}讨论时预备期未满"));
        } else if d > deadline {
            push(
                "dev.regularize_meeting_within",
                format!(
                    "预备期于{end}期满，应及时（{}个月内，{deadline}前）讨论，讨论日期为{d}",
                    limits.regularize_meeting_months
                ),
            );
        }
    }
    if let Decision::Extend { months } = decision {
        if !(limits.extension_min..=limits.extension_max).contains(&months) {
            push(
                "dev.probation_extension",
                format!(
                    "延长预备期{months}个月，应不少于{}个月、不超过{}个月",
                    limits.extension_min, limits.extension_max
                ),
            );
        }
        if let Some(first) = h.completed_rounds().iter().find(|r| matches!(r.decision(), Some(Decision::Extend { .. })))
        {
            let on = first.approval.map_or(d, |a| a.on);
            push("dev.probation_extension", format!("预备期已于{on}批准延长，只能延长一次"));
        }
    }
}

fn check_vote(v: &Vote, step: Step, d: NaiveDate, push: &mut impl FnMut(&'static str, String)) {
    let (e, p, f) = (v.eligible, v.present, v.in_favour);
    let meeting = format!("{d}{}", step.full_label());
    if e == 0 || p > e || f > e {
        push("dev.record", format!("{meeting}的表决人数不一致：应到会有表决权的正式党员{e}名，实到{p}名，赞成{f}票"));
        return;
    }
    if u64::from(p) * 2 <= u64::from(e) {
        push("dev.vote_quorum", format!("{meeting}应到会有表决权的正式党员{e}名，实到{p}名，未超过半数"));
    }
    if u64::from(f) * 2 <= u64::from(e) {
        push("dev.vote_pass", format!("{meeting}赞成{f}票，未超过应到会有表决权的正式党员{e}名的半数"));
    }
    if !v.one_by_one {
        push("dev.vote_one_by_one", format!("{meeting}未对发展对象逐个讨论、逐个表决"));
    }
}

fn check_publicity(
    p: Option<&Publicity>,
    step: Step,
    d: NaiveDate,
    limits: &Limits,
    push: &mut impl FnMut(&'static str, String),
) {
    let days = limits.publicity_days;
    if days == 0 {
        return;
    }
    let Some(p) = p else {
        push("dev.publicity_days", format!("{}（{d}）前未记录公示", name(step)));
        return;
    };
    if p.from > p.to {
        push("dev.record", format!("公示开始日期{}晚于结束日期{}", p.from, p.to));
        return;
    }
    if p.to >= d {
        push("dev.publicity_days", format!("公示期{}至{}应在{}（{d}）之前结束", p.from, p.to, name(step)));
    }
    let length = (p.to - p.from).num_days() + 1;
    if length < i64::from(days) {
        push("dev.publicity_days", format!("公示期{}至{}共{length}天，少于{days}天", p.from, p.to));
    }
}
