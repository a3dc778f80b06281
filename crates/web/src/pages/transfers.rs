//! 组织关系转接: the sender's open transfers (转出), the receiver's (待接收), the history with
//! filters, one transfer with its steps (accept, return, withdraw, record the 回执), starting a
//! transfer from a member, and the printable introduction letter.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use jiceng_store::StoreError;
use jiceng_store::member::transfer::{
    self, Direction, OutOfCountyDraft, Transfer, TransferDetail, TransferDraft, TransferFilter, TransferId,
    TransferLetter, TransferStatus,
};
use jiceng_store::member::{self, Member, MemberFilter};
use jiceng_store::org::Org;
use jiceng_types::date::parse_optional_date;
use jiceng_types::{FieldError, MemberId, Right};
use serde::Deserialize;

use super::FormErrors;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

const PER_PAGE: u64 = 50;

async fn require(state: &AppState, me: &Me, right: Right) -> Result<(), PageError> {
    match right {
        _ if me.scope().can(right) => Ok(()),
        Right::WriteRecords => {
            Err(super::deny(state, me, "transfer", "no_member_write_right", "您没有维护党员信息的权限").await)
        }
        _ => Err(super::deny(state, me, "transfer", "no_member_right", "您没有查看党员信息的权限").await),
    }
}

/// The tabs of the list page.
pub const TABS: [(&str, &str); 3] = [("out", "转出"), ("in", "待接收"), ("history", "全部记录")];

#[derive(Template, WebTemplate)]
#[template(path = "transfers/list.html")]
pub struct ListPage {
    ctx: Ctx,
    tab: String,
    rows: Vec<Transfer>,
    total: u64,
    page: u64,
    pages: u64,
    out_count: usize,
    in_count: usize,
    overdue_count: usize,
    q: ListQuery,
    statuses: [TransferStatus; 6],
    limit_days: u32,
    today: NaiveDate,
    can_write: bool,
    can_export: bool,
    member_hits: Vec<Member>,
    query_base: String,
}

/// Query of the list page.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct ListQuery {
    /// `out`, `in` or `history`.
    pub tab: String,
    /// Member name or letter number (history).
    pub q: String,
    /// Status key (history).
    pub status: String,
    /// `out` or `in` (history).
    pub dir: String,
    /// Started on or after (history).
    pub since: String,
    /// Started on or before (history).
    pub until: String,
    /// `1`: only transfers pending too long (history).
    pub overdue: String,
    /// Page (history).
    pub page: String,
    /// A member to transfer: name, pinyin or ID number.
    pub member_q: String,
    /// The file format of an export (`xlsx` or `csv`).
    pub fmt: String,
    /// The notice after an action.
    pub done: Option<String>,
}

/// The filter of the history tab (and of its export).
fn history_filter(q: &ListQuery, today: chrono::NaiveDate) -> TransferFilter {
    let date = |s: &str| parse_optional_date(s).ok().flatten();
    TransferFilter {
        direction: match q.dir.as_str() {
            "out" => Some(Direction::Out),
            "in" => Some(Direction::In),
            _ => None,
        },
        status: TransferStatus::parse(&q.status),
        q: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        since: date(&q.since),
        until: date(&q.until),
        overdue_on: (q.overdue == "1").then_some(today),
    }
}

/// `GET /transfers/export?fmt=xlsx|csv&…`: the transfers matching the history filters (all
/// visible ones when none is set), as a file.
pub async fn export(State(state): State<AppState>, me: Me, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let format = super::files::format(&q.fmt);
    let filter = history_filter(&q, view::today());
    let (bytes, _) = jiceng_store::export::transfers(&state.db, me.scope(), &me.meta, &filter, format).await?;
    Ok(super::files::download(bytes, "组织关系转接", "transfers", format))
}

/// `GET /transfers`
pub async fn list(State(state): State<AppState>, me: Me, Query(q): Query<ListQuery>) -> Result<ListPage, PageError> {
    require(&state, &me, Right::ReadMembers).await?;
    let (db, scope) = (&state.db, me.scope());
    let today = view::today();
    let limit_days = transfer::pending_limit_days(db).await?;
    let outgoing = transfer::pending_for_sender(db, scope).await?;
    let incoming = transfer::pending_for_receiver(db, scope).await?;
    let overdue_count = outgoing.iter().chain(&incoming).filter(|t| t.is_overdue(today, limit_days)).count();
    let tab = match q.tab.as_str() {
        "in" | "history" => q.tab.clone(),
        _ => "out".to_string(),
    };
    let (out_count, in_count) = (outgoing.len(), incoming.len());
    let (rows, total, page, pages) = match tab.as_str() {
        "out" => (outgoing, out_count as u64, 1, 1),
        "in" => (incoming, in_count as u64, 1, 1),
        _ => {
            let filter = history_filter(&q, today);
            let page = q.page.trim().parse::<u64>().unwrap_or(1).max(1);
            let r = transfer::list(db, scope, &filter, page, PER_PAGE).await?;
            (r.items, r.total, r.page, r.total.div_ceil(PER_PAGE).max(1))
        }
    };
    let can_write = scope.can(Right::WriteRecords);
    let member_hits = if can_write && !q.member_q.trim().is_empty() {
        let filter = MemberFilter { q: Some(q.member_q.clone()), ..Default::default() };
        member::list(db, scope, &filter, 1, 20).await?.items
    } else {
        Vec::new()
    };
    let enc = crate::extract::urlencode;
    let query_base = format!(
        "tab=history&q={}&status={}&dir={}&since={}&until={}&overdue={}",
        enc(&q.q),
        enc(&q.status),
        enc(&q.dir),
        enc(&q.since),
        enc(&q.until),
        enc(&q.overdue)
    );
    Ok(ListPage {
        ctx: Ctx::new(&me, "组织关系转接", "transfers").with_flash(q.done.as_deref()),
        tab,
        rows,
        total,
        page,
        pages,
        out_count,
        in_count,
        overdue_count,
        q,
        statuses: TransferStatus::ALL,
        limit_days,
        today,
        can_write,
        can_export: scope.can(Right::Export),
        member_hits,
        query_base,
    })
}

/// Query of the organization suggestions.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct OrgsQuery {
    q: String,
    to_org: String,
}

#[derive(Template, WebTemplate)]
#[template(
    source = "{% for o in items %}<option value=\"{{ o.code }}\">{{ o.name }}（{{ o.kind.label() }}）</option>{% endfor %}",
    ext = "html"
)]
pub struct OrgOptions {
    items: Vec<Org>,
}

/// `GET /transfers/orgs?q=`: organizations of the county that may receive a transfer (htmx fills
/// a `<datalist>`).
pub async fn orgs(State(state): State<AppState>, me: Me, Query(q): Query<OrgsQuery>) -> Result<OrgOptions, PageError> {
    require(&state, &me, Right::WriteRecords).await?;
    let text = if q.q.trim().is_empty() { q.to_org } else { q.q };
    Ok(OrgOptions { items: transfer::receiver_options(&state.db, me.scope(), &text).await? })
}

#[derive(Template, WebTemplate)]
#[template(path = "transfers/detail.html")]
pub struct DetailPage {
    ctx: Ctx,
    d: TransferDetail,
    can_accept: bool,
    can_cancel: bool,
    can_receipt: bool,
    overdue: bool,
    limit_days: u32,
    today: NaiveDate,
    form: StepForm,
    errors: FormErrors,
}

/// The fields of the step forms (accept and 回执: a date; return: a reason).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct StepForm {
    /// Which step the form was for.
    pub step: String,
    /// Date.
    pub on: String,
    /// Reason of a return.
    pub reason: String,
}

async fn detail_page(
    state: &AppState,
    me: &Me,
    id: i64,
    done: Option<&str>,
    form: StepForm,
    errors: Vec<FieldError>,
) -> Result<DetailPage, PageError> {
    let d = transfer::detail(&state.db, me.scope(), &me.meta, TransferId(id)).await?;
    let (s, t) = (me.scope(), &d.transfer);
    let write = s.can(Right::WriteRecords);
    let today = view::today();
    let limit_days = transfer::pending_limit_days(&state.db).await?;
    Ok(DetailPage {
        ctx: Ctx::new(me, format!("组织关系转接：{}", t.member_name), "transfers").with_flash(done),
        can_accept: write && t.status == TransferStatus::Pending && t.sent_to(s),
        can_cancel: write && t.status.is_open() && t.sent_from(s),
        can_receipt: write && t.status == TransferStatus::Issued && t.sent_from(s),
        overdue: t.is_overdue(today, limit_days),
        limit_days,
        today,
        form: StepForm { on: if form.on.is_empty() { today.to_string() } else { form.on.clone() }, ..form },
        errors: FormErrors(errors),
        d,
    })
}

/// Query of pages that show a notice.
#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /transfers/{id}`
pub async fn detail(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<DetailPage, PageError> {
    require(&state, &me, Right::ReadMembers).await?;
    detail_page(&state, &me, id, q.done.as_deref(), StepForm::default(), Vec::new()).await
}

/// Run a step; on success go back to the transfer with a notice, otherwise show it again with
/// the input and the errors (422 for input, 409 when the state changed meanwhile).
async fn step(
    state: &AppState,
    me: &Me,
    id: i64,
    form: StepForm,
    done: &str,
    result: Result<Transfer, StoreError>,
) -> Result<Response, PageError> {
    let (status, errors) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/transfers/{id}?done={done}")).into_response()),
        Err(StoreError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(StoreError::Conflict { message, .. }) => {
            (StatusCode::CONFLICT, vec![FieldError::new("general", "conflict", message)])
        }
        Err(e) => return Err(e.into()),
    };
    Ok((status, detail_page(state, me, id, None, form, errors).await?).into_response())
}

fn step_date(form: &StepForm) -> Result<NaiveDate, StoreError> {
    jiceng_types::date::parse_date(&form.on).map_err(|e| StoreError::Invalid(vec![e.on("on")]))
}

/// `POST /transfers/{id}/accept`
pub async fn accept(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(mut f): Form<StepForm>,
) -> Result<Response, PageError> {
    f.step = "accept".into();
    let r = match step_date(&f) {
        Ok(on) => transfer::accept(&state.db, me.scope(), &me.meta, TransferId(id), on).await,
        Err(e) => Err(e),
    };
    step(&state, &me, id, f, "transfer_accepted", r).await
}

/// `POST /transfers/{id}/return`
pub async fn return_transfer(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(mut f): Form<StepForm>,
) -> Result<Response, PageError> {
    f.step = "return".into();
    let r = transfer::return_transfer(&state.db, me.scope(), &me.meta, TransferId(id), &f.reason).await;
    step(&state, &me, id, f, "transfer_returned", r).await
}

/// `POST /transfers/{id}/cancel`
pub async fn cancel(State(state): State<AppState>, me: Me, PagePath(id): PagePath<i64>) -> Result<Response, PageError> {
    let r = transfer::cancel(&state.db, me.scope(), &me.meta, TransferId(id)).await;
    let done = match &r {
        Ok(t) if t.is_out_of_county() => "letter_voided",
        _ => "transfer_cancelled",
    };
    step(&state, &me, id, StepForm { step: "cancel".into(), ..Default::default() }, done, r).await
}

/// `POST /transfers/{id}/receipt`
pub async fn receipt(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(mut f): Form<StepForm>,
) -> Result<Response, PageError> {
    f.step = "receipt".into();
    let r = match step_date(&f) {
        Ok(on) => transfer::confirm_receipt(&state.db, me.scope(), &me.meta, TransferId(id), on).await,
        Err(e) => Err(e),
    };
    step(&state, &me, id, f, "receipt_recorded", r).await
}

#[derive(Template, WebTemplate)]
#[template(path = "transfers/letter.html")]
pub struct LetterPage {
    ctx: Ctx,
    l: TransferLetter,
    age: i32,
}

/// `GET /transfers/{id}/letter`: the printable 介绍信 (with its 存根 and 回执).
pub async fn letter(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<LetterPage, PageError> {
    require(&state, &me, Right::ReadMembers).await?;
    let l = transfer::letter(&state.db, me.scope(), &me.meta, TransferId(id)).await?;
    let age = member::whole_years(l.member.birth_date, l.transfer.started_on);
    Ok(LetterPage { ctx: Ctx::new(&me, "党员组织关系介绍信", "transfers"), l, age })
}

/// The start form as typed: `mode` is `county` (to an organization of the county) or `outside`
/// (an introduction letter out of the county).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct StartForm {
    /// `county` or `outside`.
    pub mode: String,
    /// Receiving organization in the county (code or name).
    pub to_org: String,
    /// Receiving organization outside the county.
    pub outside_to: String,
    /// Date.
    pub on: String,
    /// 党费交到 (year-month).
    pub dues_paid_to: String,
    /// Note.
    pub note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "transfers/start.html")]
pub struct StartPage {
    ctx: Ctx,
    m: Member,
    form: StartForm,
    errors: FormErrors,
    outside: bool,
}

fn start_page(me: &Me, m: Member, form: StartForm, errors: Vec<FieldError>) -> StartPage {
    let outside = form.mode == "outside";
    let title =
        if outside { "开具组织关系介绍信（转出本县）" } else { "发起组织关系转接（县内）" };
    StartPage {
        ctx: Ctx::new(me, format!("{title}：{}", m.name), "transfers"),
        m,
        form,
        errors: FormErrors(errors),
        outside,
    }
}

/// Query of the start form.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct StartQuery {
    mode: String,
}

/// `GET /members/{id}/transfer?mode=county|outside`
pub async fn start_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<StartQuery>,
) -> Result<StartPage, PageError> {
    require(&state, &me, Right::WriteRecords).await?;
    let m = member::get(&state.db, me.scope(), &me.meta, MemberId(id)).await?;
    let today = view::today();
    let mode = if q.mode == "outside" { "outside" } else { "county" };
    let form = StartForm {
        mode: mode.into(),
        on: today.to_string(),
        dues_paid_to: today.format("%Y-%m").to_string(),
        ..Default::default()
    };
    Ok(start_page(&me, m, form, Vec::new()))
}

/// `POST /members/{id}/transfer`
pub async fn start(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<StartForm>,
) -> Result<Response, PageError> {
    let (db, scope, meta, member) = (&state.db, me.scope(), &me.meta, MemberId(id));
    let result = if f.mode == "outside" {
        let d = OutOfCountyDraft {
            outside_to: f.outside_to.clone(),
            on: f.on.clone(),
            dues_paid_to: f.dues_paid_to.clone(),
            note: f.note.clone(),
        };
        transfer::out_of_county(db, scope, meta, member, d).await.map(|t| (t, "letter_issued"))
    } else {
        let d = TransferDraft { to_org: f.to_org.clone(), on: f.on.clone(), note: f.note.clone() };
        transfer::start(db, scope, meta, member, d).await.map(|t| (t, "transfer_started"))
    };
    let (status, errors) = match result {
        Ok((t, done)) => return Ok(Redirect::to(&format!("/transfers/{}?done={done}", t.id)).into_response()),
        Err(StoreError::Invalid(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(StoreError::Conflict { message, .. }) => {
            (StatusCode::CONFLICT, vec![FieldError::new("general", "conflict", message)])
        }
        Err(e) => return Err(e.into()),
    };
    let m = member::get(db, scope, meta, member).await?;
    Ok((status, start_page(&me, m, f, errors)).into_response())
}

/// A date as written on a letter: `2026年11月27日`.
pub fn cn_date(d: impl std::borrow::Borrow<NaiveDate>) -> String {
    d.borrow().format("%Y年%-m月%-d日").to_string()
}

/// Age in whole years on `on`.
pub fn age(birth: &NaiveDate, on: &NaiveDate) -> i32 {
    member::whole_years(*birth, *on)
}
