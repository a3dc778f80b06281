//! Education and training (教育培训) in the browser: the records by organization and year, one
//! record with its participants, recording one (the organization's roster, everyone ticked) and
//! deleting a mistaken one; each member's yearly hours against the minimum, and their export.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use jiceng_exchange::{Cell, ColumnKind};
use jiceng_store::StoreError;
use jiceng_store::meeting::training::{self, MemberHours, Training, TrainingInput, TrainingKind};
use jiceng_store::meeting::{self, RosterMember};
use jiceng_store::org::{self, Org};
use jiceng_types::date::parse_date;
use jiceng_types::{FieldError, MemberId, OrgId, Right};
use serde::Deserialize;

use super::FormErrors;
use super::study_items::{Posted, recent_years};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

/// At most this many rows of the hours table are shown (the export has them all).
const HOURS_SHOWN: usize = 1000;

fn flash(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "training_created" => "培训记录已登记。",
        "training_deleted" => "培训记录已删除。",
        _ => return None,
    })
}

async fn require_read(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(super::deny(state, me, "training", "no_member_right", "您没有查看组织生活记录的权限").await)
    }
}

async fn require_write(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(super::deny(state, me, "training", "no_record_write_right", "您没有录入组织生活记录的权限").await)
    }
}

/// Hours as shown: `4`, `4.5`.
pub fn hours(h: &f64) -> String {
    jiceng_exchange::cell::format_number(*h)
}

/// The filter of the list and the hours table: an organization (by id from a link, or typed as
/// a code or name) and a year.
#[derive(Debug, Deserialize, Default)]
pub struct FilterQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    org_q: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    fmt: String,
    #[serde(default)]
    show: String,
    done: Option<String>,
}

/// The organization a filter names, if any (outside the scope: not found).
async fn filter_org(state: &AppState, me: &Me, q: &FilterQuery) -> Result<Option<Org>, PageError> {
    if !q.org_q.trim().is_empty() {
        return match org::resolve(&state.db, me.scope(), "org", &q.org_q).await? {
            Ok(o) => Ok(Some(o)),
            Err(_) => Err(StoreError::NotFound.into()),
        };
    }
    match q.org.trim().parse::<i64>() {
        Ok(id) => Ok(Some(org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?)),
        Err(_) => Ok(None),
    }
}

fn filter_year(q: &FilterQuery) -> Result<i32, PageError> {
    match q.year.trim() {
        "" => Ok(view::today().year()),
        y => y.parse::<i32>().map_err(|_| PageError::Status(StatusCode::BAD_REQUEST, "年度有误。")),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "training/list.html")]
pub struct ListPage {
    ctx: Ctx,
    items: Vec<Training>,
    org: Option<Org>,
    year: i32,
    years: Vec<i32>,
    can_write: bool,
    total_hours: f64,
}

/// `GET /training?org=&year=`
pub async fn list(State(state): State<AppState>, me: Me, Query(q): Query<FilterQuery>) -> Result<ListPage, PageError> {
    require_read(&state, &me).await?;
    let org = filter_org(&state, &me, &q).await?;
    let year = filter_year(&q)?;
    let items = training::list(&state.db, me.scope(), org.as_ref().map(|o| o.id), Some(year)).await?;
    let mut ctx = Ctx::new(&me, "教育培训", "training");
    ctx.flash = flash(q.done.as_deref());
    Ok(ListPage {
        ctx,
        total_hours: items.iter().map(|t| t.hours).sum(),
        items,
        org,
        year,
        years: recent_years(),
        can_write: me.scope().can(Right::WriteRecords),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "training/detail.html")]
pub struct DetailPage {
    ctx: Ctx,
    t: Training,
    can_write: bool,
    reason: String,
    errors: FormErrors,
}

/// `GET /training/{id}`
pub async fn detail(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<FilterQuery>,
) -> Result<DetailPage, PageError> {
    require_read(&state, &me).await?;
    let t = training::get(&state.db, me.scope(), id).await?;
    let mut ctx = Ctx::new(&me, t.course.clone(), "training");
    ctx.flash = flash(q.done.as_deref());
    Ok(DetailPage {
        ctx,
        t,
        can_write: me.scope().can(Right::WriteRecords),
        reason: String::new(),
        errors: FormErrors::default(),
    })
}

/// The delete form.
#[derive(Debug, Deserialize, Default)]
pub struct DeleteForm {
    #[serde(default)]
    reason: String,
}

/// `POST /training/{id}/delete`
pub async fn delete(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<DeleteForm>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let errors = match training::delete(&state.db, me.scope(), &me.meta, id, &f.reason).await {
        Ok(()) => return Ok(Redirect::to("/training?done=training_deleted").into_response()),
        Err(StoreError::Invalid(e)) => e,
        Err(e) => return Err(e.into()),
    };
    let t = training::get(&state.db, me.scope(), id).await?;
    let page = DetailPage {
        ctx: Ctx::new(&me, t.course.clone(), "training"),
        t,
        can_write: true,
        reason: f.reason,
        errors: FormErrors(errors),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The training form as typed.
#[derive(Debug, Clone, Default)]
pub struct TrainingForm {
    /// 培训内容.
    pub course: String,
    /// 培训形式 (key).
    pub kind: String,
    /// 培训日期.
    pub held_on: String,
    /// 学时.
    pub hours: String,
    /// 主办单位.
    pub organizer: String,
    /// The ticked members.
    pub members: Vec<i64>,
}

impl TrainingForm {
    fn of(p: &Posted) -> TrainingForm {
        TrainingForm {
            course: p.one("course"),
            kind: p.one("kind"),
            held_on: p.one("held_on"),
            hours: p.one("hours"),
            organizer: p.one("organizer"),
            members: p.all("member").into_iter().filter_map(|s| s.trim().parse().ok()).collect(),
        }
    }

    /// True if the member is ticked.
    pub fn ticked(&self, id: &i64) -> bool {
        self.members.contains(id)
    }

    fn parse(&self, org: OrgId) -> Result<TrainingInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let held_on = parse_date(&self.held_on).map_err(|e| errors.push(e.on("held_on"))).ok();
        let kind = TrainingKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "required", "请选择培训形式"));
        }
        let hours = match self.hours.trim().parse::<f64>() {
            Ok(h) if h.is_finite() => Some(h),
            _ => {
                errors.push(FieldError::new("hours", "not_a_number", "请填写学时（如 4 或 2.5）"));
                None
            }
        };
        let (Some(held_on), Some(kind), Some(hours)) = (held_on, kind, hours) else {
            // Report the other fields' problems too.
            let probe = TrainingInput {
                org_id: org,
                course: self.course.clone(),
                kind: TrainingKind::Centralized,
                held_on: view::today(),
                hours: 1.0,
                organizer: Some(self.organizer.clone()),
                participants: self.members.iter().copied().map(MemberId).collect(),
            };
            if let Err(e) = probe.validate(view::today()) {
                errors.extend(e);
            }
            return Err(errors);
        };
        let input = TrainingInput {
            org_id: org,
            course: jiceng_types::text::normalize(&self.course),
            kind,
            held_on,
            hours,
            organizer: Some(self.organizer.trim().to_string()).filter(|s| !s.is_empty()),
            participants: self.members.iter().copied().map(MemberId).collect(),
        };
        input.validate(view::today())?;
        Ok(input)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "training/form.html")]
pub struct FormPage {
    ctx: Ctx,
    org: Org,
    roster: Vec<RosterMember>,
    form: TrainingForm,
    errors: FormErrors,
    kinds: &'static [TrainingKind],
}

async fn form_page(
    state: &AppState,
    me: &Me,
    org: Org,
    form: Option<TrainingForm>,
    errors: Vec<FieldError>,
) -> Result<FormPage, PageError> {
    let roster = meeting::roster(&state.db, me.scope(), org.id).await?;
    let form = form.unwrap_or_else(|| TrainingForm {
        kind: TrainingKind::Collective.key().into(),
        held_on: view::today().to_string(),
        members: roster.iter().map(|m| m.id).collect(),
        ..Default::default()
    });
    Ok(FormPage {
        ctx: Ctx::new(me, "登记培训", "training"),
        org,
        roster,
        form,
        errors: FormErrors(errors),
        kinds: TrainingKind::ALL,
    })
}

/// `GET /training/new?org=`: the form for an organization (the user's own unless another is
/// named), its roster all ticked.
pub async fn new_form(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<FilterQuery>,
) -> Result<FormPage, PageError> {
    require_write(&state, &me).await?;
    let org = match filter_org(&state, &me, &q).await? {
        Some(o) => o,
        None => match me.authed.user.org_id {
            Some(id) => org::get(&state.db, me.scope(), &me.meta, id).await?,
            None => return Err(PageError::Status(StatusCode::NOT_FOUND, "请先选择党组织。")),
        },
    };
    form_page(&state, &me, org, None, Vec::new()).await
}

/// `POST /training/new`
pub async fn create(
    State(state): State<AppState>,
    me: Me,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let posted = Posted(pairs);
    let org_id = posted
        .one("org")
        .trim()
        .parse::<i64>()
        .map_err(|_| PageError::Status(StatusCode::BAD_REQUEST, "请先选择党组织。"))?;
    let org = org::get(&state.db, me.scope(), &me.meta, OrgId(org_id)).await?;
    let form = TrainingForm::of(&posted);
    let errors = match form.parse(org.id) {
        Ok(input) => match training::create(&state.db, me.scope(), &me.meta, input).await {
            Ok(t) => return Ok(Redirect::to(&format!("/training/{}?done=training_created", t.id)).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let page = form_page(&state, &me, org, Some(form), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// One row of the hours table.
pub struct HoursRow {
    /// The member's hours.
    pub h: MemberHours,
    /// The minimum that applies.
    pub minimum: i64,
}

impl HoursRow {
    /// Below the minimum.
    pub fn short(&self) -> bool {
        self.h.hours < self.minimum as f64
    }
}

/// The yearly minimums in force (county overrides of the rules included): members, leaders.
async fn minimums(state: &AppState, me: &Me) -> Result<(i64, i64), PageError> {
    let p = jiceng_store::meeting::compliance::params(&state.db, me.scope()).await?;
    Ok((p.get("edu.member_hours_min"), p.get("edu.secretary_hours_min")))
}

async fn hours_rows(state: &AppState, me: &Me, org: Option<&Org>, year: i32) -> Result<Vec<HoursRow>, PageError> {
    let (member_min, leader_min) = minimums(state, me).await?;
    let all = training::member_hours(&state.db, me.scope(), org.map(|o| o.id), year).await?;
    Ok(all.into_iter().map(|h| HoursRow { minimum: if h.leader { leader_min } else { member_min }, h }).collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "training/hours.html")]
pub struct HoursPage {
    ctx: Ctx,
    rows: Vec<HoursRow>,
    total: usize,
    short: usize,
    org: Option<Org>,
    year: i32,
    years: Vec<i32>,
    only_short: bool,
    can_export: bool,
    query_base: String,
}

/// `GET /training/hours?org=&year=`: each member's hours; those under the minimum marked.
pub async fn hours_page(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<FilterQuery>,
) -> Result<HoursPage, PageError> {
    require_read(&state, &me).await?;
    let org = filter_org(&state, &me, &q).await?;
    let year = filter_year(&q)?;
    let only_short = q.show == "short";
    let rows = hours_rows(&state, &me, org.as_ref(), year).await?;
    let total = rows.len();
    let short = rows.iter().filter(|r| r.short()).count();
    let rows: Vec<HoursRow> = rows.into_iter().filter(|r| !only_short || r.short()).take(HOURS_SHOWN).collect();
    let query_base = format!("org={}&year={year}", org.as_ref().map(|o| o.id.to_string()).unwrap_or_default());
    Ok(HoursPage {
        ctx: Ctx::new(&me, "党员学时统计", "training"),
        rows,
        total,
        short,
        org,
        year,
        years: recent_years(),
        only_short,
        can_export: me.scope().can(Right::Export),
        query_base,
    })
}

/// `GET /training/hours/export?org=&year=&fmt=xlsx|csv`: the hours table as a file.
pub async fn export_hours(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<FilterQuery>,
) -> Result<Response, PageError> {
    require_read(&state, &me).await?;
    let org = filter_org(&state, &me, &q).await?;
    let year = filter_year(&q)?;
    let format = super::files::format(&q.fmt);
    let rows = hours_rows(&state, &me, org.as_ref(), year).await?;
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Cell::text(r.h.org_name.as_str()),
                Cell::text(r.h.name.as_str()),
                Cell::text(if r.h.leader { "是" } else { "否" }),
                Cell::Number(r.h.hours),
                Cell::Number(f64::from(r.h.centralized)),
                Cell::Number(r.minimum as f64),
                Cell::text(if r.short() { "未达标" } else { "达标" }),
            ]
        })
        .collect();
    let columns = [
        ("党组织", ColumnKind::Text),
        ("姓名", ColumnKind::Text),
        ("班子成员", ColumnKind::Text),
        ("学时", ColumnKind::Number),
        ("集中培训次数", ColumnKind::Number),
        ("最低学时", ColumnKind::Number),
        ("是否达标", ColumnKind::Text),
    ];
    let filter = serde_json::json!({ "org_id": org.as_ref().map(|o| o.id), "year": year });
    let bytes = jiceng_store::export::table(
        &state.db,
        me.scope(),
        &me.meta,
        "training_hours",
        &format!("{year}年党员学时"),
        &columns,
        cells,
        format,
        filter,
    )
    .await?;
    Ok(super::files::download(bytes, &format!("{year}年党员学时统计"), "training-hours", format))
}
