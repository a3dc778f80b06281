//! One person in member development (发展党员): who they are (numbers masked), the next step and
//! its deadline in plain words, every rule the recorded history breaks, the timeline of the 5
//! stages and 25 steps, and — for those who record — the form of a step. The handlers that change
//! a person are in `recruit_steps`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use jiceng_rules::recruit::{Decision, Due, Facts, Mentor, Publicity, Severity, Sponsor, Stage, Step, rule_label};
use jiceng_store::member::Sensitive;
use jiceng_store::recruit::{self, Person, PersonDetail, PersonStatus, StepRecord};
use jiceng_types::{FieldError, Right};
use serde::Deserialize;

use super::FormErrors;
use super::recruit_steps::StepForm;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

/// The navigation entry of member development.
pub const NAV: &str = "recruits";

/// The notices of this area (`?done=…`).
pub(crate) fn flash(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "step_recorded" => "发展步骤已记录。",
        "step_deleted" => "该步骤已删除，删除原因已记入审计记录。",
        "withdrawn" => "已办理退出发展程序。",
        _ => return None,
    })
}

pub(crate) async fn require_read(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(super::deny(state, me, "recruit_person", "no_member_right", "您没有查看发展党员信息的权限").await)
    }
}

/// The next step, in plain words.
pub struct NextView {
    /// `第23步“支部大会讨论（预备党员转正）”：应于…前完成（还有30天）`.
    pub message: String,
    /// The step's number.
    pub number: u8,
    /// The step's name.
    pub label: &'static str,
    /// Not before (or empty).
    pub earliest: String,
    /// Not after (or empty).
    pub latest: String,
    /// `还有30天`, `今天到期`, `已超期5天`, or empty when there is no deadline.
    pub left: String,
    /// Past its deadline.
    pub overdue: bool,
    /// The name of the rule that gives the dates (or empty).
    pub rule: &'static str,
}

impl NextView {
    fn of(due: &Due, today: chrono::NaiveDate) -> NextView {
        let days = due.days_left(today);
        NextView {
            message: due.message(today),
            number: due.step.number(),
            label: due.step.full_label(),
            earliest: view::date(&due.earliest),
            latest: view::date(&due.latest),
            left: match days {
                Some(0) => "今天到期".into(),
                Some(n) if n < 0 => format!("已超期{}天", -n),
                Some(n) => format!("还有{n}天"),
                None => String::new(),
            },
            overdue: days.is_some_and(|d| d < 0),
            rule: due.rule_id.map(rule_label).unwrap_or(""),
        }
    }
}

/// A violation of the rules, as listed.
pub struct ViolationView {
    /// 问题 / 警示 / 提示.
    pub severity: &'static str,
    /// `warn` for errors and warnings.
    pub class: &'static str,
    /// The rule id.
    pub rule_id: &'static str,
    /// The rule's name.
    pub rule: &'static str,
    /// `第7步“确定发展对象”`.
    pub step: String,
    /// The step's date or deadline.
    pub on: String,
    /// The explanation (starts with the rule's name).
    pub message: String,
}

/// One recorded step on the timeline.
pub struct RecordView {
    /// The step record's id.
    pub id: i64,
    /// The day it was taken.
    pub held_on: String,
    /// Who took it.
    pub actor: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// Why it was recorded against a rule.
    pub override_reason: Option<String>,
    /// Its facts in a sentence (or empty).
    pub summary: String,
    /// Recorded by and when.
    pub recorded: String,
    /// The last step, which may be deleted.
    pub deletable: bool,
}

/// One of the 25 steps on the timeline.
pub struct StepView {
    /// 1..=25.
    pub number: u8,
    /// The name.
    pub label: &'static str,
    /// Who carries it out.
    pub actor: &'static str,
    /// `done`, `next` or `later`.
    pub state: &'static str,
    /// 已完成 / 下一步 / 未开始 / 未进行.
    pub state_label: &'static str,
    /// The deadline of the next step, in words.
    pub due: String,
    /// The deadline is past.
    pub overdue: bool,
    /// What was recorded for it.
    pub records: Vec<RecordView>,
}

/// One of the 5 stages on the timeline.
pub struct StageView {
    /// `一`..`五`.
    pub numeral: &'static str,
    /// The name.
    pub label: &'static str,
    /// The stage the person is in.
    pub current: bool,
    /// Its steps.
    pub steps: Vec<StepView>,
}

/// A step to choose in the form's select.
pub struct StepOption {
    /// The key.
    pub key: &'static str,
    /// `第5步 指定培养联系人`.
    pub label: String,
    /// Chosen.
    pub selected: bool,
}

/// The form of a step, where the user may record one.
pub struct FormView {
    /// The values.
    pub form: StepForm,
    /// The steps offered.
    pub options: Vec<StepOption>,
    /// The county lets a step that breaks a rule be recorded with a reason.
    pub override_allowed: bool,
    /// The branch's full members (suggested for mentors and sponsors).
    pub names: Vec<String>,
    /// Errors not next to a field of the form.
    pub general: String,
}

/// The page of one person.
#[derive(Template, WebTemplate)]
#[template(path = "recruits/person.html")]
pub struct PersonPage {
    ctx: Ctx,
    p: Person,
    detail_member: Option<jiceng_store::recruit::MemberLink>,
    next: Option<NextView>,
    ended: &'static str,
    violations: Vec<ViolationView>,
    errors_count: usize,
    stages: Vec<StageView>,
    form: Option<FormView>,
    errors: FormErrors,
    /// Errors to show at the top when there is no form.
    general: String,
    can_withdraw: bool,
    /// The documents that can be generated now: (key, name).
    documents: Vec<(&'static str, &'static str)>,
    /// May show the full numbers (audited).
    can_reveal: bool,
    /// The full ID-card number, once asked for.
    revealed_id: Option<String>,
    /// The full phone number, once asked for.
    revealed_phone: Option<String>,
}

/// Query of the person page.
#[derive(Debug, Deserialize, Default)]
pub struct PersonQuery {
    /// The step whose form to show (a key).
    #[serde(default)]
    step: String,
    done: Option<String>,
}

/// Which form the page shows.
pub(crate) enum FormState {
    /// A fresh form of this step (default: the next step).
    Fresh(Option<Step>),
    /// The form as posted (with errors).
    Posted(Box<StepForm>),
}

fn numeral(stage: Stage) -> &'static str {
    ["一", "二", "三", "四", "五"].get(usize::from(stage.number()) - 1).copied().unwrap_or("")
}

fn publicity_text(p: &Option<Publicity>) -> Option<String> {
    p.map(|p| format!("公示{}至{}", p.from, p.to))
}

fn member_flag(full: bool) -> &'static str {
    if full { "" } else { "（非正式党员）" }
}

fn mentor_text(m: &Mentor) -> String {
    format!("{}{}", m.name, member_flag(m.full_member))
}

fn sponsor_text(s: &Sponsor) -> String {
    let discipline = if s.under_discipline { "（受留党察看处分）" } else { "" };
    format!("{}{}{}", s.name, member_flag(s.full_member), discipline)
}

/// The facts of a step in one sentence (empty for steps without facts).
pub fn summary(facts: &Facts) -> String {
    let vote = |v: &jiceng_rules::recruit::Vote| {
        let block = if v.one_by_one { "逐个表决" } else { "未逐个表决" };
        format!("应到会{}人，实到会{}人，赞成{}票，{block}", v.eligible, v.present, v.in_favour)
    };
    let parts: Vec<String> = match facts {
        Facts::ActivistSelection { publicity } | Facts::CandidateSelection { publicity } => {
            publicity_text(publicity).into_iter().collect()
        }
        Facts::MentorAssignment { mentors } => {
            vec![format!("培养联系人：{}", mentors.iter().map(mentor_text).collect::<Vec<_>>().join("、"))]
        }
        Facts::SponsorAssignment { sponsors } => {
            vec![format!("入党介绍人：{}", sponsors.iter().map(sponsor_text).collect::<Vec<_>>().join("、"))]
        }
        Facts::PoliticalReview { concluded_on, qualified } => vec![match concluded_on {
            Some(c) => format!("{c}形成结论，{}", if *qualified { "合格" } else { "不合格" }),
            None => "尚未形成结论".into(),
        }],
        Facts::IntensiveTraining { days, hours } => vec![format!("培训{days}天、{hours}学时")],
        Facts::AdmissionMeeting { vote: v, leaving_unit_on } => {
            let mut p = vec![vote(v)];
            if let Some(l) = leaving_unit_on {
                p.push(format!("预计{l}离开工作学习单位"));
            }
            p
        }
        Facts::ApprovalTalk { by_committee_member } => {
            let who = if *by_committee_member {
                "由党委委员或组织员谈话"
            } else {
                "谈话人不是党委委员或组织员"
            };
            vec![who.to_string()]
        }
        Facts::AdmissionApproval { late_reason, publicity } => {
            let mut p: Vec<String> = publicity_text(publicity).into_iter().collect();
            if let Some(r) = late_reason {
                p.push(format!("超期审批原因：{r}"));
            }
            p
        }
        Facts::RegularizationMeeting { vote: v, decision } => {
            let d = match decision {
                Decision::Regularize => "决定按期转正".to_string(),
                Decision::Extend { months } => format!("决定延长预备期{months}个月"),
                Decision::Cancel => "决定取消预备党员资格".to_string(),
            };
            vec![d, vote(v)]
        }
        Facts::RegularizationApproval { regularized_on, publicity } => {
            let mut p: Vec<String> = regularized_on.map(|r| format!("转正日期{r}")).into_iter().collect();
            p.extend(publicity_text(publicity));
            p
        }
        _ => Vec::new(),
    };
    parts.join("；")
}

/// Whether recording this step changed the member registry (it may then not be deleted).
fn touches_registry(step: Step) -> bool {
    matches!(step, Step::AdmissionApproval | Step::RegularizationApproval)
}

/// Whether steps may be recorded for the person at all.
fn open(d: &PersonDetail) -> bool {
    d.person.status.is_open() && !d.steps.iter().any(|s| s.step == Step::Archiving)
}

fn record_view(s: &StepRecord, deletable: bool) -> RecordView {
    RecordView {
        id: s.id,
        held_on: s.held_on.to_string(),
        actor: s.actor.clone(),
        note: s.note.clone(),
        override_reason: s.override_reason.clone(),
        summary: summary(&s.facts),
        recorded: format!("{} 记录于 {}", s.recorded_by, view::time(&s.recorded_at)),
        deletable,
    }
}

/// The 5 stages with their 25 steps: what was recorded, what is next, what is still to come.
pub fn timeline(d: &PersonDetail, can_write: bool) -> Vec<StageView> {
    // The store deletes the last step of anyone not withdrawn or cancelled (an archiving too).
    let last = d
        .steps
        .last()
        .filter(|s| can_write && d.person.status.is_open() && s.step != Step::Application && !touches_registry(s.step));
    let closed = !d.person.status.is_open();
    Stage::ALL
        .iter()
        .map(|&stage| StageView {
            numeral: numeral(stage),
            label: stage.label(),
            current: stage == d.person.stage,
            steps: stage
                .steps()
                .map(|step| {
                    let records: Vec<RecordView> = d
                        .steps
                        .iter()
                        .filter(|s| s.step == step)
                        .map(|s| record_view(s, last.is_some_and(|l| l.id == s.id)))
                        .collect();
                    let next = d.next_due.filter(|n| n.step == step);
                    let (state, state_label) = match (next.is_some(), records.is_empty()) {
                        (true, _) => ("next", "下一步"),
                        (false, false) => ("done", "已完成"),
                        (false, true) if closed => ("later", "未进行"),
                        (false, true) => ("later", "未开始"),
                    };
                    StepView {
                        number: step.number(),
                        label: step.full_label(),
                        actor: step.actor(),
                        state,
                        state_label,
                        due: next.map(|n| NextView::of(&n, d.today).message).unwrap_or_default(),
                        overdue: next.and_then(|n| n.days_left(d.today)).is_some_and(|n| n < 0),
                        records,
                    }
                })
                .collect(),
        })
        .collect()
}

fn violation_views(d: &PersonDetail) -> Vec<ViolationView> {
    let mut v: Vec<&jiceng_rules::recruit::Violation> = d.violations.iter().collect();
    v.sort_by_key(|v| (std::cmp::Reverse(v.severity), v.on, v.step));
    v.into_iter()
        .map(|v| ViolationView {
            severity: v.severity.label(),
            class: if v.severity == Severity::Notice { "" } else { "warn" },
            rule_id: v.rule_id,
            rule: rule_label(v.rule_id),
            step: format!("第{}步“{}”", v.step.number(), v.step.full_label()),
            on: v.on.to_string(),
            message: v.message.clone(),
        })
        .collect()
}

/// Why nothing is due any more.
fn ended(d: &PersonDetail) -> &'static str {
    match d.person.status {
        PersonStatus::Withdrawn => "已退出发展程序，不再办理后续步骤。",
        PersonStatus::Cancelled => "已被取消预备党员资格，发展程序已结束。",
        _ if d.steps.iter().any(|s| s.step == Step::Archiving) => "材料已归档，发展程序已全部完成。",
        _ => "",
    }
}

async fn form_view(
    state: &AppState,
    me: &Me,
    d: &PersonDetail,
    which: FormState,
    errors: &[FieldError],
) -> Result<FormView, PageError> {
    let params = recruit::params(&state.db, me.scope()).await?;
    let override_allowed = recruit::params::override_allowed(&params);
    let roster = jiceng_store::meeting::roster(&state.db, me.scope(), d.person.org_id).await?;
    let names: Vec<String> = roster.into_iter().filter(|m| m.category == "full").map(|m| m.name).collect();
    let form = match which {
        FormState::Posted(f) => *f,
        FormState::Fresh(step) => {
            let step = step.or(d.next_due.map(|n| n.step)).unwrap_or(Step::ApplicationTalk);
            let years = u32::try_from(params.get("dev.probation")).unwrap_or(1);
            StepForm::for_person(step, d, years, Some(names.len()))
        }
    };
    let options = Step::ALL
        .iter()
        .filter(|s| **s != Step::Application)
        .map(|s| StepOption {
            key: s.key(),
            label: format!("第{}步 {}", s.number(), s.full_label()),
            selected: *s == form.step,
        })
        .collect();
    let visible = form.fields(override_allowed);
    let general = FormErrors(errors.to_vec()).general(&visible);
    Ok(FormView { form, options, override_allowed, names, general })
}

/// The person page, with a fresh or posted form and the errors of a refused write.
pub(crate) async fn person_page(
    state: &AppState,
    me: &Me,
    d: PersonDetail,
    which: FormState,
    errors: Vec<FieldError>,
) -> Result<PersonPage, PageError> {
    let can_write = me.scope().can(Right::WriteRecords);
    let form = if can_write && open(&d) { Some(form_view(state, me, &d, which, &errors).await?) } else { None };
    let general = if form.is_none() { FormErrors(errors.clone()).general(&[]) } else { String::new() };
    let violations = violation_views(&d);
    Ok(PersonPage {
        ctx: Ctx::new(me, format!("发展党员：{}", d.person.name), NAV),
        next: d.next_due.as_ref().map(|n| NextView::of(n, d.today)),
        ended: ended(&d),
        errors_count: d.violations.iter().filter(|v| v.severity == Severity::Error).count(),
        violations,
        stages: timeline(&d, can_write),
        form,
        errors: FormErrors(errors),
        general,
        can_withdraw: can_write && d.person.status == PersonStatus::InProgress,
        documents: super::recruit_documents::available(&d).into_iter().map(|k| (k.key(), k.label())).collect(),
        can_reveal: me.scope().can(Right::RevealSensitive),
        revealed_id: None,
        revealed_phone: None,
        detail_member: d.member,
        p: d.person,
    })
}

/// `GET /recruits/{id}` (`?step=KEY` shows the form of that step).
pub async fn show(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<PersonQuery>,
) -> Result<PersonPage, PageError> {
    require_read(&state, &me).await?;
    let d = recruit::get(&state.db, me.scope(), &me.meta, id).await?;
    let step = Step::parse(&q.step).filter(|s| *s != Step::Application);
    let mut page = person_page(&state, &me, d, FormState::Fresh(step), Vec::new()).await?;
    page.ctx.flash = flash(q.done.as_deref());
    Ok(page)
}

/// `POST /recruits/{id}/reveal` (`field=id_card|phone`): the page with one number in full,
/// recorded in the audit trail (for the 政审 letters and the files that need it).
pub async fn reveal(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<super::members::RevealForm>,
) -> Result<PersonPage, PageError> {
    require_read(&state, &me).await?;
    let which = f.sensitive();
    let (d, value) = recruit::reveal(&state.db, me.scope(), &me.meta, id, which).await?;
    let value = value.or(Some("（未登记）".into()));
    let mut page = person_page(&state, &me, d, FormState::Fresh(None), Vec::new()).await?;
    match which {
        Sensitive::IdCard => page.revealed_id = value,
        Sensitive::Phone => page.revealed_phone = value,
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use jiceng_rules::recruit::Vote;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn facts_read_as_a_sentence() {
        let vote = Vote { eligible: 20, present: 18, in_favour: 17, one_by_one: true };
        assert_eq!(
            summary(&Facts::RegularizationMeeting { vote, decision: Decision::Extend { months: 6 } }),
            "决定延长预备期6个月；应到会20人，实到会18人，赞成17票，逐个表决"
        );
        let sponsors = vec![
            Sponsor { name: "王芳".into(), full_member: true, under_discipline: false },
            Sponsor { name: "李强".into(), full_member: false, under_discipline: true },
        ];
        assert_eq!(
            summary(&Facts::SponsorAssignment { sponsors }),
            "入党介绍人：王芳、李强（非正式党员）（受留党察看处分）"
        );
        let publicity = Some(Publicity { from: d("2024-07-01"), to: d("2024-07-07") });
        assert_eq!(
            summary(&Facts::RegularizationApproval { regularized_on: Some(d("2024-06-20")), publicity }),
            "转正日期2024-06-20；公示2024-07-01至2024-07-07"
        );
        assert_eq!(summary(&Facts::Oath), "");
        assert_eq!(numeral(Stage::Probation), "五");
    }
}
