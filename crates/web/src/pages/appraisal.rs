//! 民主评议党员 in the browser: an organization's grade sheet for a year (a radio button per member
//! and grade) and saving it. 优秀 and 不合格 are weighty: newly giving either needs an explicit
//! confirmation on the form (checked on the server, so it holds without scripts too).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use jiceng_store::StoreError;
use jiceng_store::meeting::appraisal::{self, AppraisalRow};
use jiceng_store::meeting::{self, MeetingFilter, MeetingRow};
use jiceng_store::org::{self, Org};
use jiceng_types::{AppraisalGrade, FieldError, MeetingKind, MemberId, OrgId, Right};
use serde::Deserialize;

use super::FormErrors;
use super::study_items::{Posted, recent_years};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

/// One member on the sheet: the stored grade and the one on the form.
pub struct SheetRow {
    /// The member and the stored grade.
    pub row: AppraisalRow,
    /// The grade on the form (key), or "".
    pub chosen: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "appraisal/sheet.html")]
pub struct SheetPage {
    ctx: Ctx,
    org: Org,
    year: i32,
    years: Vec<i32>,
    rows: Vec<SheetRow>,
    grades: &'static [AppraisalGrade],
    counts: [i64; 4],
    meetings: Vec<MeetingRow>,
    meeting_id: String,
    confirm: bool,
    can_write: bool,
    errors: FormErrors,
}

/// Query of the sheet.
#[derive(Debug, Deserialize, Default)]
pub struct SheetQuery {
    #[serde(default)]
    year: String,
    done: Option<String>,
}

async fn require_read(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(super::deny(state, me, "appraisal", "no_member_right", "您没有查看组织生活记录的权限").await)
    }
}

fn parse_year(s: &str) -> Result<i32, PageError> {
    match s.trim() {
        "" => Ok(appraisal::default_year(view::today())),
        y => y.parse::<i32>().map_err(|_| PageError::Status(StatusCode::BAD_REQUEST, "年度有误。")),
    }
}

/// The sheet for `org` and `year`; `posted` carries a re-rendered form's choices.
async fn sheet_page(
    state: &AppState,
    me: &Me,
    org: Org,
    year: i32,
    posted: Option<(&HashMap<i64, String>, String, bool)>,
    errors: Vec<FieldError>,
) -> Result<SheetPage, PageError> {
    let sheet = appraisal::sheet(&state.db, me.scope(), org.id, year).await?;
    let counts_of = |k: AppraisalGrade| sheet.iter().filter(|r| r.grade == Some(k)).count() as i64;
    let counts = [
        counts_of(AppraisalGrade::Excellent),
        counts_of(AppraisalGrade::Qualified),
        counts_of(AppraisalGrade::BasicallyQualified),
        counts_of(AppraisalGrade::Unqualified),
    ];
    let (from, to) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year + 1, 3, 31));
    let filter = MeetingFilter {
        org_id: Some(org.id),
        kind: Some(MeetingKind::MemberAppraisal),
        from,
        to,
        ..Default::default()
    };
    let meetings = meeting::list(&state.db, me.scope(), &filter, 1, 50).await?.items;
    let (chosen, meeting_id, confirm) = match posted {
        Some((c, m, confirm)) => (Some(c), m, confirm),
        None => (None, meetings.first().map(|m| m.id.to_string()).unwrap_or_default(), false),
    };
    let rows = sheet
        .into_iter()
        .map(|row| SheetRow {
            chosen: match chosen {
                Some(c) => c.get(&row.member_id.0).cloned().unwrap_or_default(),
                None => row.grade.map(|g| g.key().to_string()).unwrap_or_default(),
            },
            row,
        })
        .collect();
    Ok(SheetPage {
        ctx: Ctx::new(me, format!("民主评议党员 · {}", org.name), "orgs"),
        can_write: me.scope().can(Right::WriteRecords),
        org,
        year,
        years: recent_years(),
        rows,
        grades: AppraisalGrade::ALL,
        counts,
        meetings,
        meeting_id,
        confirm,
        errors: FormErrors(errors),
    })
}

/// `GET /orgs/{id}/appraisal?year=`
pub async fn sheet(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<SheetQuery>,
) -> Result<SheetPage, PageError> {
    require_read(&state, &me).await?;
    let year = parse_year(&q.year)?;
    let o = org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?;
    let mut page = sheet_page(&state, &me, o, year, None, Vec::new()).await?;
    if q.done.as_deref() == Some("appraisal_saved") {
        page.ctx.flash = Some("评议结果已保存。");
    }
    Ok(page)
}

/// `POST /orgs/{id}/appraisal`: fields `year`, `meeting_id`, `confirm`, and `g<member id>` = a
/// grade key per member graded.
pub async fn save(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !me.scope().can(Right::WriteRecords) {
        return Err(
            super::deny(&state, &me, "appraisal", "no_record_write_right", "您没有录入组织生活记录的权限").await
        );
    }
    let posted = Posted(pairs);
    let year = parse_year(&posted.one("year"))?;
    let o = org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?;
    let chosen: HashMap<i64, String> = posted
        .0
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix('g')?.parse::<i64>().ok()?, v.trim().to_string())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let meeting_text = posted.one("meeting_id");
    let confirm = posted.one("confirm") == "1";
    let mut errors = Vec::new();
    let mut grades = Vec::with_capacity(chosen.len());
    for (member, key) in &chosen {
        match AppraisalGrade::parse(key) {
            Some(g) => grades.push((MemberId(*member), g)),
            None => {
                errors.push(FieldError::new("grades", "bad_grade", "评议等次有误"));
                break;
            }
        }
    }
    grades.sort_by_key(|(m, _)| m.0);
    let meeting_id = match meeting_text.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(m) => Some(m),
            Err(_) => {
                errors.push(FieldError::new("meeting_id", "bad_meeting", "请从列表中选择评议会议"));
                None
            }
        },
    };
    if errors.is_empty() {
        // Newly giving 优秀 or 不合格 needs the confirmation.
        let stored = appraisal::sheet(&state.db, me.scope(), o.id, year).await?;
        let weighty = grades.iter().any(|(m, g)| {
            matches!(g, AppraisalGrade::Excellent | AppraisalGrade::Unqualified)
                && stored.iter().find(|r| r.member_id == *m).and_then(|r| r.grade) != Some(*g)
        });
        if weighty && !confirm {
            errors.push(FieldError::new(
                "confirm",
                "confirm_required",
                "评定为“优秀”或“不合格”的，须经支部党员大会讨论决定，请勾选确认后再保存",
            ));
        }
    }
    if errors.is_empty() {
        match appraisal::save(&state.db, me.scope(), &me.meta, o.id, year, &grades, meeting_id).await {
            Ok(()) => {
                return Ok(
                    Redirect::to(&format!("/orgs/{id}/appraisal?year={year}&done=appraisal_saved")).into_response()
                );
            }
            Err(StoreError::Invalid(e)) => errors = e,
            Err(e) => return Err(e.into()),
        }
    }
    let page = sheet_page(&state, &me, o, year, Some((&chosen, meeting_text, confirm)), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
