//! The text of each document, built from a person's records as one [`Document`] that the page
//! and the `.docx` both render. Every fact comes from a recorded step; a fact not recorded is a
//! blank ([`Line::fill`] with `None`), never a guess.

use chrono::{Months, NaiveDate};
use jiceng_exchange::docx::{Block, Cell, Document, Line, Table};
use jiceng_rules::recruit::{Decision, Facts, Publicity, Step, Vote};
use jiceng_store::recruit::{PersonDetail, StepRecord};

use super::{Kind, PublicityFor, Sources};
use crate::pages::transfers::cn_date;

/// What must be recorded before a document can be written, in Chinese.
pub(super) type Missing = String;

/// The last record of a step (a step recorded again after an extension counts as its last time).
pub(super) fn last(d: &PersonDetail, step: Step) -> Option<&StepRecord> {
    d.steps.iter().rev().find(|s| s.step == step)
}

fn cn(d: Option<NaiveDate>) -> Option<String> {
    d.map(cn_date)
}

fn on(d: &PersonDetail, step: Step) -> Option<String> {
    last(d, step).map(|s| cn_date(s.held_on))
}

fn need(step: Step) -> Missing {
    format!("需先记录第{}步“{}”", step.number(), step.full_label())
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> Option<String> {
    let v: Vec<&str> = names.collect();
    (!v.is_empty()).then(|| v.join("、"))
}

fn mentors(d: &PersonDetail) -> Option<String> {
    match &last(d, Step::MentorAssignment)?.facts {
        Facts::MentorAssignment { mentors } => names(mentors.iter().map(|m| m.name.as_str())),
        _ => None,
    }
}

fn sponsors(d: &PersonDetail) -> Option<String> {
    match &last(d, Step::SponsorAssignment)?.facts {
        Facts::SponsorAssignment { sponsors } => names(sponsors.iter().map(|s| s.name.as_str())),
        _ => None,
    }
}

/// The 公示 recorded with a step, if any.
pub(super) fn publicity_of(d: &PersonDetail, step: Step) -> Option<Publicity> {
    match &last(d, step)?.facts {
        Facts::ActivistSelection { publicity }
        | Facts::CandidateSelection { publicity }
        | Facts::AdmissionApproval { publicity, .. }
        | Facts::RegularizationApproval { publicity, .. } => *publicity,
        _ => None,
    }
}

fn period(p: &Publicity) -> String {
    format!("{}至{}", cn_date(p.from), cn_date(p.to))
}

/// `韦小红，女，苗族，1995年5月10日出生，大学本科学历，工作岗位：…`.
fn identity(d: &PersonDetail) -> Line {
    let p = &d.person;
    Line::of(format!(
        "{}，{}，{}，{}出生，{}学历，工作单位及职务：",
        p.name,
        p.gender.label(),
        p.ethnicity,
        cn_date(p.birth_date),
        p.education.label()
    ))
    .fill(p.work_post.clone())
}

/// The day the probation ends (DEV-17, DEV-23): a year (the county's `dev.probation`) after the
/// 支部大会 that admitted the person, plus every extension decided before the meeting `before`.
pub(super) fn probation_end(d: &PersonDetail, years: u32, before: Option<i64>) -> Option<NaiveDate> {
    let admitted = last(d, Step::AdmissionMeeting)?.held_on;
    let mut end = admitted.checked_add_months(Months::new(12 * years))?;
    for s in d.steps.iter().filter(|s| s.step == Step::RegularizationMeeting && Some(s.id) != before) {
        if let Facts::RegularizationMeeting { decision: Decision::Extend { months }, .. } = s.facts {
            end = end.checked_add_months(Months::new(months))?;
        }
    }
    Some(end)
}

fn vote_line(v: &Vote) -> String {
    format!("应到会有表决权的正式党员{}名，实到会{}名；表决结果：赞成{}票，", v.eligible, v.present, v.in_favour)
}

/// The document of this kind, or what must be recorded first.
pub(super) fn build(kind: Kind, d: &PersonDetail, src: &Sources) -> Result<Document, Missing> {
    match kind {
        Kind::CandidateRequest => candidate_request(d, src),
        Kind::CandidateReply => candidate_reply(d, src),
        Kind::Publicity(f) => publicity(f, d, src),
        Kind::RegularizationRequest => regularization_request(d, src),
        Kind::RecordSheet => Ok(super::sheet::record_sheet(d, src)),
    }
}

fn candidate_request(d: &PersonDetail, src: &Sources) -> Result<Document, Missing> {
    let decided = last(d, Step::CandidateSelection).ok_or_else(|| need(Step::CandidateSelection))?;
    let name = &d.person.name;
    let reviews: Vec<String> =
        d.steps.iter().filter(|s| s.step == Step::ActivistReview).map(|s| cn_date(s.held_on)).collect();
    let mut blocks = vec![
        Block::Paragraph(
            identity(d)
                .text(format!("。该同志于{}向党组织递交入党申请书，", cn_date(d.person.applied_on)))
                .fill(on(d, Step::ActivistSelection))
                .text("经支部委员会研究确定为入党积极分子，培养联系人为")
                .fill(mentors(d))
                .text("。"),
        ),
        Block::Paragraph(if reviews.is_empty() {
            Line::of("确定为入党积极分子后，党支部对其进行了培养教育和考察，考察情况：").blank_span().text("。")
        } else {
            Line::of(format!(
                "确定为入党积极分子后，党支部对其进行了培养教育和考察，共考察{}次（{}）。",
                reviews.len(),
                reviews.join("、")
            ))
        }),
    ];
    if let Some(p) = publicity_of(d, Step::CandidateSelection) {
        blocks.push(Block::Paragraph(Line::of(format!(
            "{}，党支部对拟确定{name}同志为发展对象进行了公示。",
            period(&p)
        ))));
    }
    blocks.push(Block::Paragraph(Line::of(format!(
        "{}，经支部委员会研究，同意确定{name}同志为发展对象。",
        cn_date(decided.held_on)
    ))));
    blocks.push(Block::Paragraph(Line::of("妥否，请批示。")));
    Ok(Document {
        title: format!("关于确定{name}同志为发展对象的请示"),
        addressee: Some(Line::filled(src.committee.clone())),
        blocks,
        signature: Some(Line::of(src.branch.clone())),
        date: Some(Line::of(cn_date(decided.held_on))),
    })
}

fn candidate_reply(d: &PersonDetail, src: &Sources) -> Result<Document, Missing> {
    let filed = last(d, Step::CandidateFiling).ok_or_else(|| need(Step::CandidateFiling))?;
    let name = &d.person.name;
    let blocks = vec![
        Block::Paragraph(
            Line::of(format!(
                "你支部《关于确定{name}同志为发展对象的请示》收悉。经研究，同意确定{name}同志为发展对象（"
            ))
            .fill(on(d, Step::CandidateSelection))
            .text("经支部委员会研究确定）。"),
        ),
        Block::Paragraph(Line::of(
            "请按照《中国共产党发展党员工作细则》的规定，确定入党介绍人，对其进行政治审查和集中培训，严格履行发展程序。",
        )),
        Block::Paragraph(Line::of("此复。")),
    ];
    Ok(Document {
        title: format!("关于同意确定{name}同志为发展对象的批复"),
        addressee: Some(Line::of(src.branch.clone())),
        blocks,
        signature: Some(Line::filled(src.committee.clone())),
        date: Some(Line::of(cn_date(filed.held_on))),
    })
}

fn publicity(f: PublicityFor, d: &PersonDetail, src: &Sources) -> Result<Document, Missing> {
    let step = f.step();
    if last(d, step).is_none() {
        return Err(need(step));
    }
    let p = publicity_of(d, step)
        .ok_or_else(|| format!("第{}步“{}”的记录中没有公示起止日期", step.number(), step.full_label()))?;
    if f == PublicityFor::Regularization
        && !last(d, Step::RegularizationMeeting)
            .is_some_and(|m| matches!(m.facts, Facts::RegularizationMeeting { decision: Decision::Regularize, .. }))
    {
        return Err("最近一次支部大会讨论（预备党员转正）没有作出转正的决定".into());
    }
    let person = &d.person;
    let name = &person.name;
    let (title, intro) = match f {
        PublicityFor::Activist => (
            format!("关于确定{name}同志为入党积极分子的公示"),
            Line::of(format!("经党员推荐、支部委员会研究，拟确定{name}同志为入党积极分子。")),
        ),
        PublicityFor::Candidate => (
            format!("关于确定{name}同志为发展对象的公示"),
            Line::of(format!("经支部委员会研究，拟确定{name}同志为发展对象。")),
        ),
        PublicityFor::Admission => (
            format!("关于{name}同志拟发展为中共预备党员的公示"),
            Line::of("经")
                .fill(on(d, Step::AdmissionMeeting))
                .text(format!("支部大会讨论通过，拟接收{name}同志为中共预备党员。")),
        ),
        PublicityFor::Regularization => (
            format!("关于{name}同志拟转为中共正式党员的公示"),
            Line::of("经")
                .fill(on(d, Step::RegularizationMeeting))
                .text(format!("支部大会讨论通过，拟同意{name}同志转为中共正式党员。")),
        ),
    };
    let mut rows = vec![
        vec![Cell::label("姓名"), Cell::of(name.clone()), Cell::label("性别"), Cell::of(person.gender.label())],
        vec![
            Cell::label("民族"),
            Cell::of(person.ethnicity.clone()),
            Cell::label("出生日期"),
            Cell::of(cn_date(person.birth_date)),
        ],
        vec![
            Cell::label("学历"),
            Cell::of(person.education.label()),
            Cell::label("递交入党申请书"),
            Cell::of(cn_date(person.applied_on)),
        ],
        vec![Cell::label("工作单位及职务"), Cell::filled(person.work_post.clone()).spanning(3)],
    ];
    if f != PublicityFor::Activist {
        rows.push(vec![
            Cell::label("确定为入党积极分子"),
            Cell::filled(on(d, Step::ActivistSelection)),
            Cell::label("培养联系人"),
            Cell::filled(mentors(d)),
        ]);
    }
    if matches!(f, PublicityFor::Admission | PublicityFor::Regularization) {
        rows.push(vec![
            Cell::label("确定为发展对象"),
            Cell::filled(on(d, Step::CandidateSelection)),
            Cell::label("入党介绍人"),
            Cell::filled(sponsors(d)),
        ]);
    }
    if f == PublicityFor::Regularization {
        rows.push(vec![Cell::label("接收为预备党员"), Cell::filled(on(d, Step::AdmissionMeeting)).spanning(3)]);
    }
    let report_to = match &src.committee {
        Some(c) => format!("{}或{c}", src.branch),
        None => src.branch.clone(),
    };
    let days = (p.to - p.from).num_days() + 1;
    let blocks = vec![
        Block::Paragraph(
            Line::of("根据《中国共产党发展党员工作细则》有关规定，").append(intro).text("现将有关情况公示如下："),
        ),
        Block::Table(Table { widths: vec![3, 4, 3, 4], header: Vec::new(), rows }),
        Block::Paragraph(Line::of(format!("公示时间：{}（共{days}天）。", period(&p)))),
        Block::Paragraph(Line::of(format!(
            "公示期间，党员和群众如对{name}同志有意见或建议，可通过来信、来访等方式向{report_to}反映。反映情况应实事求是，以个人名义反映的请署真实姓名。"
        ))),
    ];
    Ok(Document {
        title,
        addressee: None,
        blocks,
        signature: Some(Line::of(src.branch.clone())),
        date: Some(Line::of(cn_date(p.from))),
    })
}

fn regularization_request(d: &PersonDetail, src: &Sources) -> Result<Document, Missing> {
    let meeting = last(d, Step::RegularizationMeeting).ok_or_else(|| need(Step::RegularizationMeeting))?;
    let Facts::RegularizationMeeting { vote, decision } = &meeting.facts else {
        return Err(need(Step::RegularizationMeeting));
    };
    let name = &d.person.name;
    let end = probation_end(d, src.probation_years, Some(meeting.id));
    let extended = d.steps.iter().any(|s| {
        s.id != meeting.id && matches!(s.facts, Facts::RegularizationMeeting { decision: Decision::Extend { .. }, .. })
    });
    let mut blocks = vec![Block::Paragraph(
        Line::of(format!("{name}同志于"))
            .fill(on(d, Step::AdmissionMeeting))
            .text("经支部大会讨论通过接收为中共预备党员，")
            .fill(on(d, Step::AdmissionApproval))
            .text("经上级党委批准，预备期")
            .text(if extended { "（含延长的预备期）" } else { "" })
            .text("至")
            .fill(cn(end))
            .text("。"),
    )];
    if *decision != Decision::Cancel {
        blocks.push(Block::Paragraph(
            Line::new()
                .fill(on(d, Step::RegularizationApplication))
                .text(format!("，{name}同志向党组织提出书面转正申请。")),
        ));
    }
    blocks.push(Block::Paragraph(
        Line::of(format!("{}，党支部召开支部大会讨论{name}同志的转正问题。", cn_date(meeting.held_on)))
            .text(vote_line(vote))
            .text("反对")
            .blank_span()
            .text("票，弃权")
            .blank_span()
            .text("票。"),
    ));
    let title = match decision {
        Decision::Regularize => {
            blocks.push(Block::Paragraph(
                Line::of(format!("会议同意{name}同志转为中共正式党员，转正时间为"))
                    .fill(cn(end))
                    .text("（预备期满之日）。"),
            ));
            if extended {
                format!("关于{name}同志延长预备期满转正的请示")
            } else {
                format!("关于{name}同志按期转正的请示")
            }
        }
        Decision::Extend { months } => {
            let until = end.and_then(|e| e.checked_add_months(Months::new(*months)));
            blocks.push(Block::Paragraph(
                Line::of(format!("会议决定延长{name}同志的预备期{months}个月，延长至")).fill(cn(until)).text("。"),
            ));
            format!("关于延长{name}同志预备期的请示")
        }
        Decision::Cancel => {
            blocks.push(Block::Paragraph(Line::of(format!("会议决定取消{name}同志的预备党员资格。"))));
            format!("关于取消{name}同志预备党员资格的请示")
        }
    };
    blocks.push(Block::Paragraph(Line::of("妥否，请批示。")));
    Ok(Document {
        title,
        addressee: Some(Line::filled(src.committee.clone())),
        blocks,
        signature: Some(Line::of(src.branch.clone())),
        date: Some(Line::of(cn_date(meeting.held_on))),
    })
}
