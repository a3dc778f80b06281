//! The home page: the picture of the user's scope at a glance.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use jiceng_store::{member, org};
use jiceng_types::Right;
use serde::Deserialize;

use crate::AppState;
use crate::error::PageError;
use crate::extract::Me;
use crate::view::{self, Ctx};

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    ctx: Ctx,
    totals: Option<org::Totals>,
    show_members: bool,
    probationary: i64,
    age_bands: Vec<(&'static str, i64)>,
    /// 换届提醒: the most urgent ten, and how many in all.
    reminders: Vec<org::team::Reminder>,
    reminder_total: usize,
    can_orgs: bool,
    can_users: bool,
    can_audit: bool,
    can_security: bool,
    /// The user's own branch's organizational-life to-do.
    todo: Option<super::compliance::Todo>,
}

/// Query carrying a notice key.
#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    /// The notice to show.
    pub done: Option<String>,
}

/// `GET /`
pub async fn show(State(state): State<AppState>, me: Me, Query(q): Query<DoneQuery>) -> Result<HomePage, PageError> {
    let s = me.scope();
    let today = view::today();
    let is_business = s.role().is_some_and(|r| !r.is_system());
    let totals =
        if is_business && s.can(Right::ReadOrgs) { Some(org::totals(&state.db, s, today).await?) } else { None };
    let show_members = s.can(Right::ReadMembers);
    let (probationary, age_bands) = if show_members {
        let c = member::counts(&state.db, s).await?;
        let bands = member::age_bands(&state.db, s, today).await?;
        (c.probationary, member::AGE_BAND_LABELS.iter().copied().zip(bands).collect())
    } else {
        (0, Vec::new())
    };
    let mut reminders =
        if totals.is_some() { org::team::term_reminders(&state.db, s, today).await? } else { Vec::new() };
    let reminder_total = reminders.len();
    reminders.truncate(10);
    let todo = super::compliance::todo(&state, &me).await?;
    Ok(HomePage {
        todo,
        ctx: Ctx::new(&me, "首页", "home").with_flash(q.done.as_deref()),
        reminders,
        reminder_total,
        totals,
        show_members,
        probationary,
        age_bands,
        can_orgs: s.can(Right::ReadOrgs),
        can_users: s.can(Right::ReadUsers),
        can_audit: s.can(Right::ReadAudit),
        can_security: s.can(Right::SecurityPolicy),
    })
}
