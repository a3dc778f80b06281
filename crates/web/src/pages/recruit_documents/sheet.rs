//! 发展党员全程纪实表: the person's facts, then the 5 stages and 25 steps with what was recorded
//! for each (steps not taken stay blank), then the rules the history breaks.

use jiceng_exchange::docx::{BLANK, Block, Cell, Document, Line, Table};
use jiceng_rules::recruit::{Decision, Facts, Mentor, Publicity, Sponsor, Stage, Step, Vote};
use jiceng_store::recruit::{PersonDetail, StepRecord};

use super::Sources;
use crate::pages::transfers::cn_date;

const NUMERALS: [&str; 5] = ["一", "二", "三", "四", "五"];

fn numeral(stage: Stage) -> &'static str {
    NUMERALS.get(usize::from(stage.number()).saturating_sub(1)).copied().unwrap_or("")
}

fn publicity(p: &Option<Publicity>) -> Option<String> {
    p.map(|p| format!("公示：{}至{}", cn_date(p.from), cn_date(p.to)))
}

fn vote(v: &Vote) -> String {
    let block = if v.one_by_one { "逐个表决" } else { "未逐个表决" };
    format!("应到会{}人，实到会{}人，赞成{}票；{block}", v.eligible, v.present, v.in_favour)
}

fn mentor(m: &Mentor) -> String {
    if m.full_member { m.name.clone() } else { format!("{}（非正式党员）", m.name) }
}

fn sponsor(s: &Sponsor) -> String {
    let mut t = s.name.clone();
    if !s.full_member {
        t.push_str("（非正式党员）");
    }
    if s.under_discipline {
        t.push_str("（受留党察看处分）");
    }
    t
}

/// Who took part: the person who took the step, the people named, the committee that acted.
fn people(s: &StepRecord, src: &Sources) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(a) = &s.actor {
        let role = match s.step {
            Step::ApplicationTalk | Step::ApprovalTalk => "谈话人",
            _ => "经办人",
        };
        out.push(format!("{role}：{a}"));
    }
    match &s.facts {
        Facts::MentorAssignment { mentors } => {
            out.push(format!("培养联系人：{}", mentors.iter().map(mentor).collect::<Vec<_>>().join("、")));
        }
        Facts::SponsorAssignment { sponsors } => {
            out.push(format!("入党介绍人：{}", sponsors.iter().map(sponsor).collect::<Vec<_>>().join("、")));
        }
        _ => {}
    }
    // The steps the committee above the branch takes (named once when it is also the actor).
    if s.actor.as_ref().is_none_or(|a| Some(a.as_str()) != src.committee.as_deref())
        && matches!(
            s.step,
            Step::ActivistFiling
                | Step::CandidateFiling
                | Step::PreReview
                | Step::AdmissionApproval
                | Step::RegularizationApproval
        )
    {
        out.push(format!("上级党委：{}", src.committee.as_deref().unwrap_or(BLANK)));
    }
    out
}

/// What was recorded about the step, with dates in Chinese.
fn facts(s: &StepRecord) -> Vec<String> {
    match &s.facts {
        Facts::ActivistSelection { publicity: p } | Facts::CandidateSelection { publicity: p } => {
            publicity(p).into_iter().collect()
        }
        Facts::PoliticalReview { concluded_on, qualified } => vec![match concluded_on {
            Some(c) => format!("政审结论：{}形成，{}", cn_date(*c), if *qualified { "合格" } else { "不合格" }),
            None => "政审尚未形成结论".into(),
        }],
        Facts::IntensiveTraining { days, hours } => vec![format!("集中培训{days}天、{hours}学时")],
        Facts::AdmissionForm => vec![format!("志愿书编号：{BLANK}")],
        Facts::AdmissionMeeting { vote: v, leaving_unit_on } => {
            let mut out = vec![vote(v)];
            out.extend(leaving_unit_on.map(|l| format!("预计{}离开工作学习单位", cn_date(l))));
            out
        }
        Facts::ApprovalTalk { by_committee_member } => vec![
            if *by_committee_member {
                "谈话人为党委委员或组织员"
            } else {
                "谈话人不是党委委员或组织员"
            }
            .to_string(),
        ],
        Facts::AdmissionApproval { late_reason, publicity: p } => {
            let mut out: Vec<String> = publicity(p).into_iter().collect();
            out.extend(late_reason.as_ref().map(|r| format!("超期审批原因：{r}")));
            out
        }
        Facts::RegularizationMeeting { vote: v, decision } => vec![
            match decision {
                Decision::Regularize => "决定：转为正式党员".to_string(),
                Decision::Extend { months } => format!("决定：延长预备期{months}个月"),
                Decision::Cancel => "决定：取消预备党员资格".to_string(),
            },
            vote(v),
        ],
        Facts::RegularizationApproval { regularized_on, publicity: p } => {
            let mut out: Vec<String> =
                regularized_on.map(|r| format!("转正日期：{}", cn_date(r))).into_iter().collect();
            out.extend(publicity(p));
            out
        }
        _ => Vec::new(),
    }
}

fn notes(s: &StepRecord) -> Vec<String> {
    let mut out: Vec<String> = s.note.iter().cloned().collect();
    if let Some(r) = &s.override_reason {
        out.push(format!("越过规则办理，理由：{r}"));
    }
    out
}

/// Several records of one step in one cell: one line each (prefixed by the date when there are
/// several).
fn joined(records: &[&StepRecord], each: impl Fn(&StepRecord) -> Vec<String>) -> Cell {
    let many = records.len() > 1;
    let mut lines = Vec::new();
    for r in records {
        for l in each(r) {
            lines.push(if many { format!("{}：{l}", cn_date(r.held_on)) } else { l });
        }
    }
    Cell::lines(lines)
}

fn header(d: &PersonDetail, src: &Sources) -> Table {
    let p = &d.person;
    let rows = vec![
        vec![Cell::label("姓名"), Cell::of(p.name.clone()), Cell::label("性别"), Cell::of(p.gender.label())],
        vec![
            Cell::label("民族"),
            Cell::of(p.ethnicity.clone()),
            Cell::label("出生日期"),
            Cell::of(cn_date(p.birth_date)),
        ],
        vec![
            Cell::label("学历"),
            Cell::of(p.education.label()),
            Cell::label("公民身份号码"),
            Cell::of(p.id_card_masked.clone()),
        ],
        vec![Cell::label("工作单位及职务"), Cell::filled(p.work_post.clone()).spanning(3)],
        vec![
            Cell::label("培养党支部"),
            Cell::of(src.branch.clone()),
            Cell::label("上级党委"),
            Cell::filled(src.committee.clone()),
        ],
        vec![
            Cell::label("递交入党申请书"),
            Cell::of(cn_date(p.applied_on)),
            Cell::label("目前状况"),
            Cell::of(format!("第{}阶段 {}（{}）", p.stage.number(), p.stage.label(), p.status.label())),
        ],
    ];
    Table { widths: vec![3, 4, 3, 4], header: Vec::new(), rows }
}

fn steps(d: &PersonDetail, src: &Sources) -> Table {
    let mut rows = Vec::new();
    for stage in Stage::ALL {
        rows.push(vec![Cell::label(format!("{}、{}", numeral(*stage), stage.label())).spanning(6)]);
        for step in stage.steps() {
            let records: Vec<&StepRecord> = d.steps.iter().filter(|s| s.step == step).collect();
            rows.push(vec![
                Cell::of(step.number().to_string()),
                Cell::of(step.full_label()),
                Cell::lines(records.iter().map(|r| cn_date(r.held_on)).collect()),
                joined(&records, |r| people(r, src)),
                joined(&records, facts),
                joined(&records, notes),
            ]);
        }
    }
    Table {
        widths: vec![2, 6, 5, 6, 8, 5],
        header: ["序号", "步骤", "日期", "经办人及有关人员", "有关情况", "备注"].map(String::from).to_vec(),
        rows,
    }
}

/// The record sheet of one person.
pub(super) fn record_sheet(d: &PersonDetail, src: &Sources) -> Document {
    let mut blocks = vec![Block::Table(header(d, src)), Block::Table(steps(d, src))];
    blocks.push(Block::Heading("不符合规定的情况".into()));
    if d.violations.is_empty() {
        blocks.push(Block::Plain(Line::of("已记录的步骤均符合规定。")));
    }
    let mut v: Vec<_> = d.violations.iter().collect();
    v.sort_by_key(|v| (v.on, v.step));
    for (i, v) in v.iter().enumerate() {
        blocks.push(Block::Plain(Line::of(format!(
            "{}. 第{}步“{}”（{}）：{}",
            i + 1,
            v.step.number(),
            v.step.full_label(),
            cn_date(v.on),
            v.message
        ))));
    }
    blocks.push(Block::Plain(Line::of(format!("（本表根据平台记录于{}生成）", cn_date(d.today)))));
    Document {
        title: "发展党员全程纪实表".into(),
        addressee: None,
        blocks,
        signature: Some(Line::of(src.branch.clone())),
        date: None,
    }
}
