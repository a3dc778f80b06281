//! The roster (党员队伍): list and search, one member's page with the history, revealing a
//! personal number (audited), and the changes of status.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use jiceng_store::member::{self, Member, MemberEvent, MemberFilter, MemberShow, Sensitive, StatusChange};
use jiceng_store::{StoreError, org};
use jiceng_types::date::parse_date;
use jiceng_types::person::{MemberCategory, MemberStatus};
use jiceng_types::{FieldError, MemberId, OrgId, Right};
use serde::Deserialize;

use super::FormErrors;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

const PER_PAGE: u64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "members/list.html")]
pub struct ListPage {
    ctx: Ctx,
    members: Vec<Member>,
    total: u64,
    page: u64,
    pages: u64,
    q: String,
    show: MemberShow,
    shows: [MemberShow; 8],
    org: Option<org::Org>,
    can_write: bool,
    can_export: bool,
    today: NaiveDate,
    query_base: String,
}

/// Query of the list.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    show: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    fmt: String,
    done: Option<String>,
}

/// `GET /members`
pub async fn list(State(state): State<AppState>, me: Me, Query(q): Query<ListQuery>) -> Result<ListPage, PageError> {
    if !me.scope().can(Right::ReadMembers) {
        if me.scope().can(Right::ReadSelf) {
            return Err(PageError::Redirect("/members/me".into()));
        }
        return Err(super::deny(&state, &me, "member", "no_member_right", "您没有查看党员信息的权限").await);
    }
    let (filter, org) = list_filter(&state, &me, &q).await?;
    let show = filter.show;
    let page = q.page.trim().parse::<u64>().unwrap_or(1).max(1);
    let result = member::list(&state.db, me.scope(), &filter, page, PER_PAGE).await?;
    let enc = crate::extract::urlencode;
    let query_base = format!(
        "q={}&show={}&org={}",
        enc(&q.q),
        show.key(),
        org.as_ref().map(|o| o.id.to_string()).unwrap_or_default()
    );
    Ok(ListPage {
        ctx: Ctx::new(&me, "党员队伍", "members").with_flash(q.done.as_deref()),
        pages: result.total.div_ceil(PER_PAGE).max(1),
        total: result.total,
        page: result.page,
        members: result.items,
        q: q.q,
        show,
        shows: MemberShow::ALL,
        org,
        can_write: me.scope().can(Right::WriteRecords),
        can_export: me.scope().can(Right::Export),
        today: view::today(),
        query_base,
    })
}

/// The filter of the list (and of its export) and the organization it names.
async fn list_filter(state: &AppState, me: &Me, q: &ListQuery) -> Result<(MemberFilter, Option<org::Org>), PageError> {
    let org = match q.org.trim().parse::<i64>() {
        Ok(id) => Some(org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?),
        Err(_) => None,
    };
    let filter = MemberFilter {
        q: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        org_id: org.as_ref().map(|o| o.id),
        show: MemberShow::parse(&q.show),
    };
    Ok((filter, org))
}

/// `GET /members/export?fmt=xlsx|csv&…`: the list with its current filters, as a file.
pub async fn export(State(state): State<AppState>, me: Me, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let (filter, _) = list_filter(&state, &me, &q).await?;
    let format = super::files::format(&q.fmt);
    let (bytes, _) = jiceng_store::export::members(&state.db, me.scope(), &me.meta, &filter, format).await?;
    Ok(super::files::download(bytes, "党员名单", "members", format))
}

/// Badges describing a member's status and flags.
pub fn badges(m: &Member) -> Vec<(&'static str, &'static str)> {
    let mut b = Vec::new();
    if m.category == MemberCategory::Probationary && m.status == MemberStatus::Active {
        b.push(("预备党员", ""));
    }
    match m.status {
        MemberStatus::Suspended => b.push(("停止党籍", "off")),
        MemberStatus::Left => b.push(("已出党", "off")),
        MemberStatus::Active => {}
    }
    if m.mobile_out_to.is_some() {
        b.push(("外出流动", "warn"));
    }
    if m.mobile_in_from.is_some() {
        b.push(("流入党员", ""));
    }
    if m.out_of_contact_since.is_some() {
        b.push(("失联", "warn"));
    }
    if m.without_post {
        b.push(("无职党员", ""));
    }
    b
}

/// Age in whole years.
pub fn age(m: &Member, today: &NaiveDate) -> i32 {
    member::whole_years(m.birth_date, *today)
}

#[derive(Template, WebTemplate)]
#[template(path = "members/detail.html")]
pub struct DetailPage {
    ctx: Ctx,
    m: Member,
    history: Vec<MemberEvent>,
    can_write: bool,
    can_reveal: bool,
    revealed_id: Option<String>,
    revealed_phone: Option<String>,
    today: NaiveDate,
}

async fn detail_page(
    state: &AppState,
    me: &Me,
    id: i64,
    done: Option<&str>,
    revealed: (Option<String>, Option<String>),
) -> Result<DetailPage, PageError> {
    let m = member::get(&state.db, me.scope(), &me.meta, MemberId(id)).await?;
    let history = member::history(&state.db, me.scope(), &me.meta, m.id).await?;
    Ok(DetailPage {
        ctx: Ctx::new(me, m.name.clone(), "members").with_flash(done),
        can_write: me.scope().can(Right::WriteRecords) && m.status != MemberStatus::Left,
        can_reveal: me.scope().can(Right::RevealSensitive),
        revealed_id: revealed.0,
        revealed_phone: revealed.1,
        today: view::today(),
        history,
        m,
    })
}

/// `GET /members/{id}`
pub async fn detail(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<ListQuery>,
) -> Result<DetailPage, PageError> {
    detail_page(&state, &me, id, q.done.as_deref(), (None, None)).await
}

/// `GET /members/me`: a 党员's own record.
pub async fn own(State(state): State<AppState>, me: Me) -> Result<DetailPage, PageError> {
    let m = match member::own_record(&state.db, me.scope()).await {
        Err(StoreError::NotFound) => {
            return Err(PageError::Status(
                StatusCode::NOT_FOUND,
                "您的账号还没有关联党员信息，暂时无法在这里查看。本人信息可向所在党支部查询。",
            ));
        }
        other => other?,
    };
    Ok(DetailPage {
        ctx: Ctx::new(&me, "我的党员信息", "members"),
        history: Vec::new(),
        can_write: false,
        can_reveal: true,
        revealed_id: None,
        revealed_phone: None,
        today: view::today(),
        m,
    })
}

/// The reveal form.
#[derive(Debug, Deserialize, Default)]
pub struct RevealForm {
    #[serde(default)]
    field: String,
}

impl RevealForm {
    /// The number asked for (`phone`, else the ID-card number).
    pub(crate) fn sensitive(&self) -> Sensitive {
        if self.field == "phone" { Sensitive::Phone } else { Sensitive::IdCard }
    }
}

/// `POST /members/{id}/reveal`: show one number in full (recorded in the audit trail).
pub async fn reveal(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<RevealForm>,
) -> Result<DetailPage, PageError> {
    let which = f.sensitive();
    // A 党员 may see their own numbers, on their own page, and nothing else.
    let own = if me.scope().can(Right::ReadMembers) {
        None
    } else {
        let m = member::own_record(&state.db, me.scope()).await.ok().filter(|m| m.id == MemberId(id));
        if m.is_none() && !me.scope().can(Right::RevealSensitive) {
            // Refused by the store below, recorded there.
            member::reveal(&state.db, me.scope(), &me.meta, MemberId(id), which).await?;
        }
        Some(m.ok_or(PageError::Store(StoreError::NotFound))?)
    };
    let value = member::reveal(&state.db, me.scope(), &me.meta, MemberId(id), which).await?;
    let revealed = match which {
        Sensitive::IdCard => (value.or(Some("（未登记）".into())), None),
        Sensitive::Phone => (None, value.or(Some("（未登记）".into()))),
    };
    match own {
        Some(m) => Ok(DetailPage {
            ctx: Ctx::new(&me, "我的党员信息", "members"),
            history: Vec::new(),
            can_write: false,
            can_reveal: true,
            revealed_id: revealed.0,
            revealed_phone: revealed.1,
            today: view::today(),
            m,
        }),
        None => detail_page(&state, &me, id, None, revealed).await,
    }
}

/// The kinds of status change offered, with their labels.
pub const CHANGES: [(&str, &str); 11] = [
    ("mobile_out", "登记外出流动"),
    ("mobile_in", "登记流入党员"),
    ("mobile_end", "结束流动"),
    ("out_of_contact", "登记失联"),
    ("contact_restored", "恢复联系"),
    ("without_post", "无职党员标记"),
    ("regularize", "转为正式党员"),
    ("extend_probation", "延长预备期"),
    ("suspend", "停止党籍"),
    ("restore", "恢复党籍"),
    ("leave", "出党"),
];

#[derive(Template, WebTemplate)]
#[template(path = "members/status.html")]
pub struct StatusPage {
    ctx: Ctx,
    m: Member,
    kind: String,
    label: &'static str,
    form: StatusForm,
    errors: FormErrors,
    reasons: [&'static str; 6],
}

/// The status form as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct StatusForm {
    /// The change kind.
    #[serde(default)]
    pub kind: String,
    /// Effective date.
    #[serde(default)]
    pub on: String,
    /// Place (to or from).
    #[serde(default)]
    pub place: String,
    /// 活动证 number.
    #[serde(default)]
    pub card_no: String,
    /// Extended until.
    #[serde(default)]
    pub until: String,
    /// Reason (leave).
    #[serde(default)]
    pub reason: String,
    /// Mark (true) or clear (false) for 无职党员.
    #[serde(default)]
    pub flag: String,
}

fn label_of(kind: &str) -> Option<&'static str> {
    CHANGES.iter().find(|(k, _)| *k == kind).map(|(_, l)| *l)
}

/// `GET /members/{id}/status?kind=…`
pub async fn status_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(f): Query<StatusForm>,
) -> Result<StatusPage, PageError> {
    if !me.scope().can(Right::WriteRecords) {
        return Err(super::deny(&state, &me, "member", "no_member_write_right", "您没有维护党员信息的权限").await);
    }
    let m = member::get(&state.db, me.scope(), &me.meta, MemberId(id)).await?;
    let label = label_of(&f.kind).ok_or(PageError::Status(StatusCode::NOT_FOUND, "没有这种状态变更。"))?;
    let form =
        StatusForm { on: view::today().to_string(), flag: if m.without_post { "0" } else { "1" }.into(), ..f.clone() };
    Ok(StatusPage {
        ctx: Ctx::new(&me, label, "members"),
        kind: f.kind,
        label,
        m,
        form,
        errors: FormErrors::default(),
        reasons: member::LEAVE_REASONS,
    })
}

fn parse_change(f: &StatusForm) -> Result<StatusChange, Vec<FieldError>> {
    let mut errors = Vec::new();
    let on = parse_date(&f.on).map_err(|e| errors.push(e.on("on"))).ok();
    let place = jiceng_types::text::normalize(&f.place);
    let card = Some(jiceng_types::text::normalize(&f.card_no)).filter(|s| !s.is_empty());
    let change = on.and_then(|on| match f.kind.as_str() {
        "mobile_out" => Some(StatusChange::MobileOut { to: place.clone(), on, card_no: card.clone() }),
        "mobile_in" => Some(StatusChange::MobileIn { from: place.clone(), on, card_no: card.clone() }),
        "mobile_end" => Some(StatusChange::MobileEnd { on }),
        "out_of_contact" => Some(StatusChange::OutOfContact { on }),
        "contact_restored" => Some(StatusChange::ContactRestored { on }),
        "without_post" => Some(StatusChange::WithoutPost { without_post: f.flag != "0", on }),
        "regularize" => Some(StatusChange::Regularize { on }),
        "extend_probation" => match parse_date(&f.until) {
            Ok(until) => Some(StatusChange::ExtendProbation { until, on }),
            Err(e) => {
                errors.push(e.on("until"));
                None
            }
        },
        "suspend" => Some(StatusChange::Suspend { on }),
        "restore" => Some(StatusChange::Restore { on }),
        "leave" => Some(StatusChange::Leave { on, reason: f.reason.clone() }),
        _ => {
            errors.push(FieldError::new("kind", "bad_kind", "没有这种状态变更"));
            None
        }
    });
    match change {
        Some(c) if errors.is_empty() => Ok(c),
        _ => Err(errors),
    }
}

/// `POST /members/{id}/status`
pub async fn change_status(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response, PageError> {
    let errors = match parse_change(&f) {
        Ok(change) => match member::change_status(&state.db, me.scope(), &me.meta, MemberId(id), change).await {
            Ok(_) => return Ok(Redirect::to(&format!("/members/{id}?done=member_status")).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(StoreError::Conflict { message, .. }) => vec![FieldError::new("general", "conflict", message)],
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let m = member::get(&state.db, me.scope(), &me.meta, MemberId(id)).await?;
    let label = label_of(&f.kind).unwrap_or("状态变更");
    let page = StatusPage {
        ctx: Ctx::new(&me, label, "members"),
        kind: f.kind.clone(),
        label,
        m,
        form: f,
        errors: FormErrors(errors),
        reasons: member::LEAVE_REASONS,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
