//! The 第一议题 register in the browser: the list by year (everyone who reads organizational life
//! records), one item, and — for county staff who keep it — adding, correcting and withdrawing.
//!
//! Forms with repeated names (checkbox lists, radio grids) are read as a list of pairs
//! ([`Posted`]), here and in the other register pages.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use jiceng_store::StoreError;
use jiceng_store::meeting::study::{self, StudyItem, StudyItemInput};
use jiceng_types::date::parse_date;
use jiceng_types::{FieldError, Right, StudyLevel};
use serde::Deserialize;

use super::FormErrors;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

/// The posted fields in order, repeated names kept.
pub(crate) struct Posted(pub Vec<(String, String)>);

impl Posted {
    /// The first value of `name`, or "".
    pub(crate) fn one(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Every value of `name`, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// The years a year filter offers: this year and the five before it.
pub(crate) fn recent_years() -> Vec<i32> {
    let y = view::today().year();
    (y - 5..=y).rev().collect()
}

fn flash(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "study_created" => "学习内容已登记。",
        "study_updated" => "学习内容已修改。",
        "study_withdrawn" => "学习内容已撤回，各级组织不再需要学习。",
        _ => return None,
    })
}

async fn require_read(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(super::deny(state, me, "study_item", "no_member_right", "您没有查看组织生活记录的权限").await)
    }
}

async fn require_keep(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::CountySettings) {
        Ok(())
    } else {
        Err(super::deny(state, me, "study_item", "no_register_right", "只有县级管理员可以维护“第一议题”学习内容").await)
    }
}

/// The window as shown: `30天`, or the rules' default.
pub fn window(item: &StudyItem) -> String {
    match item.within_days {
        Some(d) => format!("{d}天"),
        None => "按规则默认".into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "study_items/list.html")]
pub struct ListPage {
    ctx: Ctx,
    items: Vec<StudyItem>,
    year: Option<i32>,
    years: Vec<i32>,
    can_edit: bool,
}

impl ListPage {
    /// True if the list shows `y`.
    pub fn is_year(&self, y: &i32) -> bool {
        self.year == Some(*y)
    }
}

/// Query of the register.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    year: Option<String>,
    done: Option<String>,
}

/// `GET /study-items?year=`: this year's items unless another year (or `all`) is asked for.
pub async fn list(State(state): State<AppState>, me: Me, Query(q): Query<ListQuery>) -> Result<ListPage, PageError> {
    require_read(&state, &me).await?;
    let year = match q.year.as_deref().map(str::trim) {
        None | Some("") => Some(view::today().year()),
        Some("all") => None,
        Some(y) => Some(y.parse::<i32>().map_err(|_| PageError::Status(StatusCode::BAD_REQUEST, "年度有误。"))?),
    };
    let items = study::list(&state.db, me.scope(), year).await?;
    let mut ctx = Ctx::new(&me, "第一议题学习内容", "study_items");
    ctx.flash = flash(q.done.as_deref());
    Ok(ListPage { ctx, items, year, years: recent_years(), can_edit: me.scope().can(Right::CountySettings) })
}

#[derive(Template, WebTemplate)]
#[template(path = "study_items/detail.html")]
pub struct DetailPage {
    ctx: Ctx,
    item: StudyItem,
    can_edit: bool,
    reason: String,
    errors: FormErrors,
}

/// Query carrying a notice key.
#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

fn detail_page(me: &Me, item: StudyItem, reason: String, errors: Vec<FieldError>) -> DetailPage {
    DetailPage {
        ctx: Ctx::new(me, item.title.clone(), "study_items"),
        can_edit: me.scope().can(Right::CountySettings) && item.withdrawn_at.is_none(),
        item,
        reason,
        errors: FormErrors(errors),
    }
}

/// `GET /study-items/{id}`
pub async fn detail(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<DetailPage, PageError> {
    require_read(&state, &me).await?;
    let item = study::get(&state.db, me.scope(), id).await?;
    let mut page = detail_page(&me, item, String::new(), Vec::new());
    page.ctx.flash = flash(q.done.as_deref());
    Ok(page)
}

/// The withdraw form.
#[derive(Debug, Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

/// `POST /study-items/{id}/withdraw`
pub async fn withdraw(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    require_keep(&state, &me).await?;
    let errors = match study::withdraw(&state.db, me.scope(), &me.meta, id, &f.reason).await {
        Ok(()) => return Ok(Redirect::to(&format!("/study-items/{id}?done=study_withdrawn")).into_response()),
        Err(StoreError::Invalid(e)) => e,
        Err(StoreError::Conflict { message, .. }) => vec![FieldError::new("reason", "conflict", message)],
        Err(e) => return Err(e.into()),
    };
    let item = study::get(&state.db, me.scope(), id).await?;
    let page = detail_page(&me, item, f.reason, errors);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The item form as typed.
#[derive(Debug, Clone, Default)]
pub struct StudyForm {
    /// 标题.
    pub title: String,
    /// 来源.
    pub source: String,
    /// 发布日期.
    pub published_on: String,
    /// 适用层级 (keys).
    pub levels: Vec<String>,
    /// 学习时限 (days).
    pub within_days: String,
    /// 备注.
    pub note: String,
}

impl StudyForm {
    fn of(p: &Posted) -> StudyForm {
        StudyForm {
            title: p.one("title"),
            source: p.one("source"),
            published_on: p.one("published_on"),
            levels: p.all("levels").into_iter().map(str::to_string).collect(),
            within_days: p.one("within_days"),
            note: p.one("note"),
        }
    }

    fn of_item(i: &StudyItem) -> StudyForm {
        StudyForm {
            title: i.title.clone(),
            source: i.source.clone().unwrap_or_default(),
            published_on: i.published_on.to_string(),
            levels: i.levels.iter().map(|l| l.key().to_string()).collect(),
            within_days: i.within_days.map(|d| d.to_string()).unwrap_or_default(),
            note: i.note.clone().unwrap_or_default(),
        }
    }

    /// True if the level is ticked.
    pub fn has_level(&self, level: &StudyLevel) -> bool {
        self.levels.iter().any(|l| l == level.key())
    }

    /// The typed values as input; every error together.
    fn parse(&self) -> Result<StudyItemInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let published_on =
            parse_date(&self.published_on).map_err(|e| errors.push(e.on("published_on"))).unwrap_or(NaiveDate::MIN);
        let within_days = match self.within_days.trim() {
            "" => None,
            s => match s.parse::<u32>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError::new("within_days", "not_a_number", "学习时限应为1至365的整数（天）"));
                    None
                }
            },
        };
        let levels: Vec<StudyLevel> = self.levels.iter().filter_map(|l| StudyLevel::parse(l)).collect();
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let input = StudyItemInput {
            title: jiceng_types::text::normalize(&self.title),
            source: opt(&self.source),
            published_on,
            levels,
            within_days,
            note: opt(&self.note),
        };
        if let Err(e) = input.validate(view::today()) {
            errors.extend(e.into_iter().filter(|e| !(e.field == "published_on" && published_on == NaiveDate::MIN)));
        }
        if errors.is_empty() { Ok(input) } else { Err(errors) }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "study_items/form.html")]
pub struct FormPage {
    ctx: Ctx,
    heading: String,
    action: String,
    cancel: String,
    form: StudyForm,
    errors: FormErrors,
    levels: &'static [StudyLevel],
}

fn form_page(
    me: &Me,
    heading: &str,
    action: String,
    cancel: String,
    form: StudyForm,
    errors: Vec<FieldError>,
) -> FormPage {
    FormPage {
        ctx: Ctx::new(me, heading, "study_items"),
        heading: heading.into(),
        action,
        cancel,
        form,
        errors: FormErrors(errors),
        levels: StudyLevel::ALL,
    }
}

/// `GET /study-items/new`
pub async fn new_form(State(state): State<AppState>, me: Me) -> Result<FormPage, PageError> {
    require_keep(&state, &me).await?;
    let form = StudyForm {
        published_on: view::today().to_string(),
        levels: StudyLevel::ALL.iter().map(|l| l.key().to_string()).collect(),
        ..Default::default()
    };
    Ok(form_page(&me, "登记学习内容", "/study-items/new".into(), "/study-items".into(), form, Vec::new()))
}

/// `POST /study-items/new`
pub async fn create(
    State(state): State<AppState>,
    me: Me,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_keep(&state, &me).await?;
    let form = StudyForm::of(&Posted(pairs));
    let errors = match form.parse() {
        Ok(input) => match study::create(&state.db, me.scope(), &me.meta, input).await {
            Ok(item) => {
                return Ok(Redirect::to(&format!("/study-items/{}?done=study_created", item.id)).into_response());
            }
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let page = form_page(&me, "登记学习内容", "/study-items/new".into(), "/study-items".into(), form, errors);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `GET /study-items/{id}/edit`
pub async fn edit_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<FormPage, PageError> {
    require_keep(&state, &me).await?;
    let item = study::get(&state.db, me.scope(), id).await?;
    let form = StudyForm::of_item(&item);
    Ok(form_page(
        &me,
        "修改学习内容",
        format!("/study-items/{id}/edit"),
        format!("/study-items/{id}"),
        form,
        Vec::new(),
    ))
}

/// `POST /study-items/{id}/edit`
pub async fn update(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_keep(&state, &me).await?;
    let form = StudyForm::of(&Posted(pairs));
    let errors = match form.parse() {
        Ok(input) => match study::update(&state.db, me.scope(), &me.meta, id, input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/study-items/{id}?done=study_updated")).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(StoreError::Conflict { message, .. }) => vec![FieldError::new("general", "conflict", message)],
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    // Outside the scope: not found, as for the form.
    study::get(&state.db, me.scope(), id).await?;
    let page =
        form_page(&me, "修改学习内容", format!("/study-items/{id}/edit"), format!("/study-items/{id}"), form, errors);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
