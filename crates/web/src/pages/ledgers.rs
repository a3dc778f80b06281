//! Ledgers (台账) of a branch for a year, generated from the records, never typed: the 三会一课
//! ledger, the 第一议题 ledger and the training ledger, as printable A4 pages and as `.xlsx`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use jiceng_exchange::{Cell, ColumnKind};
use jiceng_rules::meeting::{CellStatus, StudyState};
use jiceng_store::StoreError;
use jiceng_store::meeting::compliance::{self, OrgLabel};
use jiceng_store::meeting::training::{self, MemberHours, Training};
use jiceng_store::meeting::{self as store_meeting, Meeting, MeetingFilter};
use jiceng_types::{OrgId, Right};
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::extract::Me;
use crate::view::{self, Ctx};

/// Query of a ledger.
#[derive(Debug, Deserialize, Default)]
pub struct LedgerQuery {
    /// The year (default: this year).
    #[serde(default)]
    year: Option<i32>,
    /// `xlsx` or `csv` for a file.
    #[serde(default)]
    fmt: String,
}

/// The three ledgers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 三会一课台账
    Meetings,
    /// 第一议题学习台账
    FirstAgenda,
    /// 党员教育培训台账
    Training,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s {
            "meetings" => Some(Kind::Meetings),
            "first-agenda" => Some(Kind::FirstAgenda),
            "training" => Some(Kind::Training),
            _ => None,
        }
    }

    /// The Chinese title.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Meetings => "“三会一课”台账",
            Kind::FirstAgenda => "“第一议题”学习台账",
            Kind::Training => "党员教育培训台账",
        }
    }
}

/// A rule's tally for the year (summary of the 三会一课 ledger).
pub struct Tally {
    /// The rule.
    pub label: &'static str,
    /// Periods in which it applied.
    pub periods: u32,
    /// Held (on time or back-filled).
    pub held: u32,
    /// Missing.
    pub missing: u32,
    /// Not over yet.
    pub due: u32,
}

/// One 第一议题 line.
pub struct StudyLine {
    /// Title.
    pub title: String,
    /// Deadline.
    pub deadline: NaiveDate,
    /// Studied on.
    pub studied_on: Option<NaiveDate>,
    /// The meeting.
    pub meeting_id: Option<i64>,
    /// State (Chinese).
    pub state: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "ledgers/ledger.html")]
pub struct LedgerPage {
    ctx: Ctx,
    kind: Kind,
    org: OrgLabel,
    year: i32,
    years: Vec<i32>,
    generated: String,
    meetings: Vec<Meeting>,
    tallies: Vec<Tally>,
    studies: Vec<StudyLine>,
    committee_meetings: usize,
    with_first_agenda: usize,
    trainings: Vec<Training>,
    hours: Vec<MemberHours>,
    member_min: f64,
    leader_min: f64,
    can_export: bool,
}

impl LedgerPage {
    /// Absentees of a meeting with their reasons (`张三（外出务工）`), or the imported note.
    pub fn absentees(m: &Meeting) -> String {
        let named: Vec<String> = m
            .attendance
            .iter()
            .filter(|a| !a.present)
            .map(|a| match &a.reason {
                Some(r) if !r.is_empty() => format!("{}（{}）", a.name, r),
                _ => a.name.clone(),
            })
            .collect();
        if named.is_empty() { m.absent_note.clone().unwrap_or_default() } else { named.join("、") }
    }

    /// The 第一议题 titles of a meeting.
    pub fn studies_of(m: &Meeting) -> String {
        m.study_items.iter().map(|s| format!("《{}》", s.title)).collect::<Vec<_>>().join("")
    }

    /// Whether a member's hours are under the minimum.
    pub fn short(&self, h: &MemberHours) -> bool {
        h.hours < if h.leader { self.leader_min } else { self.member_min }
    }
}

async fn meetings_of(
    state: &AppState,
    me: &Me,
    org: OrgId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Meeting>, PageError> {
    let filter = MeetingFilter { org_id: Some(org), from: Some(from), to: Some(to), ..Default::default() };
    let mut rows = Vec::new();
    let mut page = 1;
    loop {
        let p = store_meeting::list(&state.db, me.scope(), &filter, page, 500).await?;
        let done = p.items.len() < 500;
        rows.extend(p.items);
        if done {
            break;
        }
        page += 1;
    }
    rows.sort_by(|a, b| a.held_on.cmp(&b.held_on).then(a.id.cmp(&b.id)));
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(store_meeting::get(&state.db, me.scope(), &me.meta, r.id).await?);
    }
    Ok(out)
}

/// `GET /orgs/{id}/ledgers/{kind}?year=&fmt=`
pub async fn show(
    State(state): State<AppState>,
    me: Me,
    Path((id, kind)): Path<(i64, String)>,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, PageError> {
    if !me.scope().can(Right::ReadMembers) {
        return Err(super::deny(&state, &me, "ledger", "no_member_right", "您没有查看组织生活记录的权限").await);
    }
    let kind = Kind::parse(&kind).ok_or(StoreError::NotFound)?;
    let today = view::today();
    let year = q.year.unwrap_or(today.year());
    let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
        return Err(StoreError::invalid("year", "bad_year", "年份有误").into());
    };
    if !(2000..=2100).contains(&year) {
        return Err(StoreError::invalid("year", "bad_year", "年份应在2000至2100之间").into());
    }
    let report = compliance::check_org(&state.db, me.scope(), OrgId(id), from, to, today).await?;
    let org = report.orgs.get(&id).cloned().ok_or(StoreError::NotFound)?;
    let mut page = LedgerPage {
        ctx: Ctx::new(&me, format!("{} · {}年{}", org.name, year, kind.title()), "compliance"),
        kind,
        org,
        year,
        years: ((today.year() - 4)..=today.year()).rev().collect(),
        generated: view::time(&chrono::Utc::now()),
        meetings: Vec::new(),
        tallies: Vec::new(),
        studies: Vec::new(),
        committee_meetings: 0,
        with_first_agenda: 0,
        trainings: Vec::new(),
        hours: Vec::new(),
        member_min: report.params.get("edu.member_hours_min") as f64,
        leader_min: report.params.get("edu.secretary_hours_min") as f64,
        can_export: me.scope().can(Right::Export),
    };
    match kind {
        Kind::Meetings => {
            page.meetings = meetings_of(&state, &me, OrgId(id), from, to).await?;
            for r in jiceng_rules::meeting::RULES {
                let obs: Vec<_> =
                    report.outcome.obligations.iter().filter(|o| o.org_id == id && o.rule_id == r.id).collect();
                if obs.is_empty() {
                    continue;
                }
                let count = |s: CellStatus| u32::try_from(obs.iter().filter(|o| o.status == s).count()).unwrap_or(0);
                page.tallies.push(Tally {
                    label: r.label,
                    periods: u32::try_from(obs.len()).unwrap_or(0),
                    held: count(CellStatus::Held) + count(CellStatus::Late),
                    missing: count(CellStatus::Missing),
                    due: count(CellStatus::Due),
                });
            }
        }
        Kind::FirstAgenda => {
            let mut studies: Vec<StudyLine> = report
                .outcome
                .studies
                .iter()
                .filter(|s| s.org_id == id)
                .map(|s| StudyLine {
                    title: report.study_titles.get(&s.study_item_id).cloned().unwrap_or_default(),
                    deadline: s.deadline,
                    studied_on: s.studied_on,
                    meeting_id: s.meeting_id,
                    state: match s.state {
                        StudyState::Studied => "按时学习",
                        StudyState::Late => "学习不及时",
                        StudyState::NotStudied => "应学未学",
                        StudyState::Pending => "未到期",
                    },
                })
                .collect();
            studies.sort_by_key(|s| s.deadline);
            page.studies = studies;
            page.meetings = meetings_of(&state, &me, OrgId(id), from, to)
                .await?
                .into_iter()
                .filter(|m| {
                    m.row
                        .kinds
                        .iter()
                        .any(|k| k.is_committee_kind() || *k == jiceng_types::MeetingKind::CentralGroupStudy)
                })
                .collect();
            page.committee_meetings = page.meetings.len();
            page.with_first_agenda = page.meetings.iter().filter(|m| m.row.first_agenda).count();
        }
        Kind::Training => {
            page.trainings = training::list(&state.db, me.scope(), Some(OrgId(id)), Some(year)).await?;
            page.trainings.sort_by_key(|t| t.held_on);
            page.hours = training::member_hours(&state.db, me.scope(), Some(OrgId(id)), year).await?;
        }
    }
    if !q.fmt.is_empty() {
        return export(&state, &me, &page, &q.fmt).await;
    }
    Ok(page.into_response())
}

async fn export(state: &AppState, me: &Me, page: &LedgerPage, fmt: &str) -> Result<Response, PageError> {
    use ColumnKind::{Date, Text};
    let format = super::files::format(fmt);
    let (columns, rows): (Vec<(&str, ColumnKind)>, Vec<Vec<Cell>>) = match page.kind {
        Kind::Meetings => (
            vec![
                ("日期", Date),
                ("会议类型", Text),
                ("主题", Text),
                ("主持人", Text),
                ("授课人", Text),
                ("应到", Text),
                ("实到", Text),
                ("缺席人员及原因", Text),
                ("第一议题", Text),
                ("决定事项", Text),
                ("录入人", Text),
            ],
            page.meetings
                .iter()
                .map(|m| {
                    vec![
                        Cell::opt_date(Some(m.row.held_on)),
                        Cell::text(m.row.kinds_label()),
                        Cell::text(m.row.topic.as_str()),
                        Cell::opt_text(m.host.as_ref()),
                        Cell::opt_text(m.lecturer.as_ref()),
                        Cell::text(m.row.expected.to_string()),
                        Cell::text(m.row.present.to_string()),
                        Cell::text(LedgerPage::absentees(m)),
                        Cell::text(LedgerPage::studies_of(m)),
                        Cell::opt_text(m.decisions.as_ref()),
                        Cell::text(m.row.recorded_by.as_str()),
                    ]
                })
                .collect(),
        ),
        Kind::FirstAgenda => (
            vec![("学习内容", Text), ("学习时限", Date), ("学习日期", Date), ("情况", Text)],
            page.studies
                .iter()
                .map(|s| {
                    vec![
                        Cell::text(s.title.as_str()),
                        Cell::opt_date(Some(s.deadline)),
                        Cell::opt_date(s.studied_on),
                        Cell::text(s.state),
                    ]
                })
                .collect(),
        ),
        Kind::Training => (
            vec![
                ("姓名", Text),
                ("党组织", Text),
                ("全年学时", Text),
                ("集中培训次数", Text),
                ("班子成员", Text),
                ("是否达标", Text),
            ],
            page.hours
                .iter()
                .map(|h| {
                    vec![
                        Cell::text(h.name.as_str()),
                        Cell::text(h.org_name.as_str()),
                        Cell::text(format!("{:.1}", h.hours)),
                        Cell::text(h.centralized.to_string()),
                        Cell::text(if h.leader { "是" } else { "" }),
                        Cell::text(if page.short(h) { "未达标" } else { "达标" }),
                    ]
                })
                .collect(),
        ),
    };
    let title = format!("{}{}年{}", page.org.name, page.year, page.kind.title().replace(['“', '”'], ""));
    let filter = serde_json::json!({ "org": page.org.id, "year": page.year, "ledger": page.kind.title() });
    let bytes =
        jiceng_store::export::table(&state.db, me.scope(), &me.meta, "ledger", &title, &columns, rows, format, filter)
            .await?;
    Ok(super::files::download(bytes, &title, "ledger", format))
}
