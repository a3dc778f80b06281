//! Meeting records (组织生活记录): the list in scope and per organization, one record with its
//! attendance, votes, rectification list and attachments, deletion with a reason, and the
//! attachments themselves (upload, download, delete). The forms are in `meeting_forms`.

use std::path::PathBuf;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_store::StoreError;
use jiceng_store::meeting::attachment::{self, Attachment, MAX_FILE_BYTES, Upload};
use jiceng_store::meeting::{self, Meeting, MeetingFilter, MeetingRow, VoteRow};
use jiceng_store::org::{self, Org};
use jiceng_types::date::parse_date;
use jiceng_types::{FieldError, MeetingKind, OrgId, Right};
use serde::Deserialize;

use super::FormErrors;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath, urlencode};
use crate::view::Ctx;

const PER_PAGE: u64 = 50;
/// The largest attachment upload request (several files at once).
pub const UPLOAD_LIMIT: usize = 51 * 1024 * 1024;

/// True for the attachment upload address, which may carry more than the usual body limit.
pub fn is_attachment_upload(path: &str) -> bool {
    path.strip_prefix("/meetings/")
        .and_then(|r| r.strip_suffix("/attachments"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// The notices of this area (`?done=…`).
fn flash(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "recorded" => "已记录。",
        "updated" => "记录已保存。",
        "deleted" => "记录已删除。",
        "attached" => "附件已上传。",
        "attachment_deleted" => "附件已删除。",
        "rectified" => "整改完成情况已登记。",
        _ => return None,
    })
}

async fn require_read(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(super::deny(state, me, "meeting", "no_member_right", "您没有查看组织生活记录的权限").await)
    }
}

async fn require_write(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(super::deny(state, me, "meeting", "no_record_write_right", "您没有录入组织生活记录的权限").await)
    }
}

/// Where attachments are kept (the data directory), or a refusal when none is configured.
fn data_dir(state: &AppState) -> Result<PathBuf, PageError> {
    state
        .cfg
        .data_dir
        .clone()
        .ok_or(PageError::Status(StatusCode::SERVICE_UNAVAILABLE, "本系统未配置数据目录，暂不能保存或查看附件。"))
}

// ---------------------------------------------------------------------------------------------
// Lists

#[derive(Template, WebTemplate)]
#[template(path = "meetings/list.html")]
pub struct ListPage {
    ctx: Ctx,
    rows: Vec<MeetingRow>,
    total: u64,
    page: u64,
    pages: u64,
    /// The organization of `/orgs/{id}/meetings`.
    fixed: Option<Org>,
    q: ListQuery,
    errors: FormErrors,
    kinds: &'static [MeetingKind],
    base: String,
    query_base: String,
    can_write: bool,
    /// The user has an organization of their own to enter records for.
    own_org: bool,
    /// Records entered more than this many days after the meeting are marked 补录.
    late_days: i64,
}

/// Query of the lists.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ListQuery {
    /// In this organization's subtree (code or name; `/meetings` only).
    #[serde(default)]
    pub org: String,
    /// Kind key.
    #[serde(default)]
    pub kind: String,
    /// Held on or after.
    #[serde(default)]
    pub from: String,
    /// Held on or before.
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    page: String,
    done: Option<String>,
}

/// A row's lag badge: entered more than `days` (the county's `meeting.late_entry_days`) after
/// the meeting.
pub fn late(r: &MeetingRow, days: i64) -> bool {
    r.entry_lag_days() > days
}

/// The county's rule parameters for the user (the 补录 threshold, the voting rules).
async fn rule_params(state: &AppState, me: &Me) -> Result<jiceng_rules::meeting::Params, PageError> {
    Ok(jiceng_store::meeting::compliance::params(&state.db, me.scope()).await?)
}

async fn list_page(state: &AppState, me: &Me, fixed: Option<Org>, q: ListQuery) -> Result<ListPage, PageError> {
    let mut errors = Vec::new();
    let mut filter = MeetingFilter { org_id: fixed.as_ref().map(|o| o.id), ..Default::default() };
    if fixed.is_none() && !q.org.trim().is_empty() {
        match org::resolve(&state.db, me.scope(), "org", &q.org).await? {
            Ok(o) => filter.under = Some(o.id),
            Err(e) => errors.push(e),
        }
    }
    if !q.kind.is_empty() {
        filter.kind = MeetingKind::parse(&q.kind);
    }
    for (field, text, slot) in [("from", &q.from, &mut filter.from), ("to", &q.to, &mut filter.to)] {
        if !text.trim().is_empty() {
            match parse_date(text) {
                Ok(d) => *slot = Some(d),
                Err(e) => errors.push(e.on(field)),
            }
        }
    }
    let page = q.page.trim().parse::<u64>().unwrap_or(1).max(1);
    let result = if errors.iter().any(|e| e.field == "org") {
        // An unknown organization lists nothing rather than everything.
        org::Page { items: Vec::new(), total: 0, page: 1, per_page: PER_PAGE }
    } else {
        meeting::list(&state.db, me.scope(), &filter, page, PER_PAGE).await?
    };
    let base = match &fixed {
        Some(o) => format!("/orgs/{}/meetings", o.id),
        None => "/meetings".into(),
    };
    let query_base = format!(
        "org={}&kind={}&from={}&to={}",
        urlencode(&q.org),
        urlencode(&q.kind),
        urlencode(&q.from),
        urlencode(&q.to)
    );
    let title = match &fixed {
        Some(o) => format!("组织生活记录：{}", o.name),
        None => "组织生活记录".into(),
    };
    Ok(ListPage {
        late_days: rule_params(state, me).await?.get("meeting.late_entry_days"),
        ctx: Ctx { flash: flash(q.done.as_deref()), ..Ctx::new(me, title, "meetings") },
        pages: result.total.div_ceil(PER_PAGE).max(1),
        total: result.total,
        page: result.page,
        rows: result.items,
        fixed,
        q,
        errors: FormErrors(errors),
        kinds: MeetingKind::ALL,
        base,
        query_base,
        can_write: me.scope().can(Right::WriteRecords),
        own_org: me.scope().actor().org_id.is_some(),
    })
}

/// `GET /meetings`
pub async fn list(State(state): State<AppState>, me: Me, Query(q): Query<ListQuery>) -> Result<ListPage, PageError> {
    require_read(&state, &me).await?;
    list_page(&state, &me, None, q).await
}

/// `GET /orgs/{id}/meetings`
pub async fn org_list(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<ListQuery>,
) -> Result<ListPage, PageError> {
    require_read(&state, &me).await?;
    let o = org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?;
    list_page(&state, &me, Some(o), q).await
}

// ---------------------------------------------------------------------------------------------
// One record

/// A vote with its verdict.
pub struct VoteView {
    /// The vote.
    pub v: VoteRow,
    /// Quorate and passed.
    pub valid: bool,
    /// Why not (empty when valid).
    pub why: String,
}

impl VoteView {
    /// The verdict by the county's voting rules (`vote.meeting_quorum`, `vote.pass`: more than
    /// that share of those entitled; `election.quorum`: at least that share present).
    fn of(v: VoteRow, p: &jiceng_rules::meeting::Params) -> VoteView {
        let (eligible, present, in_favour) = (i64::from(v.eligible), i64::from(v.present), i64::from(v.in_favour));
        let quorum = p.get("vote.meeting_quorum");
        let pass = p.get("vote.pass");
        let election = p.get("election.quorum");
        let why = if v.election && present * 100 < election * eligible {
            format!("选举时到会有表决权人数不足应到会人数的{election}%")
        } else if !v.election && present * 100 <= quorum * eligible {
            format!("到会有表决权人数未超过应到会人数的{quorum}%")
        } else if in_favour * 100 <= pass * eligible {
            format!("赞成票未超过应到会有表决权人数的{pass}%")
        } else {
            String::new()
        };
        VoteView { valid: why.is_empty(), v, why }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "meetings/detail.html")]
pub struct DetailPage {
    ctx: Ctx,
    m: Meeting,
    votes: Vec<VoteView>,
    attachments: Vec<Attachment>,
    lag: String,
    late: bool,
    absent: usize,
    can_write: bool,
    storage: bool,
    errors: FormErrors,
    max_files: usize,
}

async fn detail_page(
    state: &AppState,
    me: &Me,
    id: i64,
    done: Option<&str>,
    errors: Vec<FieldError>,
) -> Result<DetailPage, PageError> {
    let m = meeting::get(&state.db, me.scope(), &me.meta, id).await?;
    let attachments = attachment::list(&state.db, me.scope(), id).await?;
    let params = rule_params(state, me).await?;
    let days = m.row.entry_lag_days();
    let lag = match days {
        d if d <= 0 => "（会议当天录入）".to_string(),
        d => format!("（会后{d}天）"),
    };
    Ok(DetailPage {
        ctx: Ctx { flash: flash(done), ..Ctx::new(me, format!("{} {}", m.row.held_on, m.row.topic), "meetings") },
        votes: m.votes.iter().cloned().map(|v| VoteView::of(v, &params)).collect(),
        late: late(&m.row, params.get("meeting.late_entry_days")),
        absent: m.attendance.iter().filter(|a| !a.present).count(),
        m,
        attachments,
        lag,
        can_write: me.scope().can(Right::WriteRecords),
        storage: state.cfg.data_dir.is_some(),
        errors: FormErrors(errors),
        max_files: attachment::MAX_PER_MEETING,
    })
}

/// `GET /meetings/{id}`
pub async fn detail(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<ListQuery>,
) -> Result<DetailPage, PageError> {
    require_read(&state, &me).await?;
    detail_page(&state, &me, id, q.done.as_deref(), Vec::new()).await
}

#[derive(Template, WebTemplate)]
#[template(path = "meetings/delete.html")]
pub struct DeletePage {
    ctx: Ctx,
    m: Meeting,
    reason: String,
    errors: FormErrors,
}

/// The deletion form.
#[derive(Debug, Deserialize, Default)]
pub struct DeleteForm {
    #[serde(default)]
    reason: String,
}

/// `GET /meetings/{id}/delete`: confirm, with a reason.
pub async fn delete_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<DeletePage, PageError> {
    require_write(&state, &me).await?;
    let m = meeting::get(&state.db, me.scope(), &me.meta, id).await?;
    Ok(DeletePage {
        ctx: Ctx::new(&me, "删除记录", "meetings"),
        m,
        reason: String::new(),
        errors: FormErrors::default(),
    })
}

/// `POST /meetings/{id}/delete`: the record goes (with its rows), then its files.
pub async fn delete(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<DeleteForm>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    match meeting::delete(&state.db, me.scope(), &me.meta, id, &f.reason).await {
        Ok(m) => {
            if let Some(dir) = &state.cfg.data_dir {
                attachment::remove_meeting_files(dir, id).await;
            }
            Ok(Redirect::to(&format!("/orgs/{}/meetings?done=deleted", m.row.org_id)).into_response())
        }
        Err(StoreError::Invalid(errors)) => {
            let m = meeting::get(&state.db, me.scope(), &me.meta, id).await?;
            let page = DeletePage {
                ctx: Ctx::new(&me, "删除记录", "meetings"),
                m,
                reason: f.reason,
                errors: FormErrors(errors),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Attachments

/// Read the `files` parts of an upload. A file over the limit is named in an error (and not
/// kept in memory past the limit).
async fn read_files(form: &mut Multipart) -> (Vec<Upload>, Vec<FieldError>) {
    let mut uploads = Vec::new();
    let mut errors = Vec::new();
    let broken = |e: axum::extract::multipart::MultipartError| {
        let msg = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "一次上传的文件合计不能超过50MB，请分批上传"
        } else {
            "上传中断或格式有误，请重新选择文件上传"
        };
        FieldError::new("files", "upload", msg)
    };
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                errors.push(broken(e));
                break;
            }
        };
        if field.name() != Some("files") {
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        let mut too_large = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                        too_large = true;
                        bytes = Vec::new();
                    } else if !too_large {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    errors.push(broken(e));
                    return (uploads, errors);
                }
            }
        }
        if too_large {
            errors.push(FieldError::new("files", "too_large", format!("文件“{file_name}”超过10MB")));
        } else if !(file_name.is_empty() && bytes.is_empty()) {
            // A form sent with no file chosen carries one empty part without a name.
            uploads.push(Upload { file_name, bytes });
        }
    }
    (uploads, errors)
}

/// `POST /meetings/{id}/attachments` (multipart, one or more `files`).
pub async fn upload(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let dir = data_dir(&state)?;
    // The record first: a foreign or unknown one is 404 whatever was sent.
    meeting::get(&state.db, me.scope(), &me.meta, id).await?;
    let (uploads, mut errors) = read_files(&mut form).await;
    if errors.is_empty() {
        match attachment::add(&state.db, me.scope(), &me.meta, &dir, id, uploads).await {
            Ok(_) => return Ok(Redirect::to(&format!("/meetings/{id}?done=attached#attachments")).into_response()),
            Err(StoreError::Invalid(e)) => errors = e,
            Err(e) => return Err(e.into()),
        }
    }
    let page = detail_page(&state, &me, id, None, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `GET /attachments/{id}`: the file, streamed, under its original name.
pub async fn download(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    require_read(&state, &me).await?;
    let dir = data_dir(&state)?;
    let a = attachment::get(&state.db, me.scope(), id).await?;
    let path = a.path(&dir)?;
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(attachment_id = id, path = %path.display(), error = %e, "attachment file missing");
            return Err(PageError::Status(StatusCode::NOT_FOUND, "附件文件已丢失，请重新上传。"));
        }
    };
    let stream = futures::stream::unfold(file, |mut f| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<Bytes, std::io::Error>(Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    let mut res = Body::from_stream(stream).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&a.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(u64::try_from(a.size).unwrap_or(0)));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let ext = match a.content_type.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        _ => "pdf",
    };
    // Pictures open in the browser; documents are saved.
    let how = if a.is_image() { "inline" } else { "attachment" };
    let disposition =
        format!("{how}; filename=\"attachment-{id}.{ext}\"; filename*=UTF-8''{}", urlencode(&a.file_name));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// `POST /attachments/{id}/delete`
pub async fn delete_attachment(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let dir = data_dir(&state)?;
    let a = attachment::delete(&state.db, me.scope(), &me.meta, &dir, id).await?;
    Ok(Redirect::to(&format!("/meetings/{}?done=attachment_deleted#attachments", a.meeting_id)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_upload_address_gets_the_larger_limit() {
        assert!(is_attachment_upload("/meetings/12/attachments"));
        assert!(!is_attachment_upload("/meetings//attachments"));
        assert!(!is_attachment_upload("/meetings/12/edit"));
        assert!(!is_attachment_upload("/meetings/1/2/attachments"));
        assert!(!is_attachment_upload("/import/members"));
    }

    #[test]
    fn votes_say_why_they_fail() {
        let v = |election, eligible, present, in_favour| VoteRow {
            subject: "表决".into(),
            election,
            eligible,
            present,
            in_favour,
            against: 0,
            abstain: 0,
        };
        let p = jiceng_rules::meeting::Params::default();
        assert!(VoteView::of(v(false, 10, 9, 8), &p).valid);
        assert!(VoteView::of(v(false, 10, 6, 6), &p).valid);
        assert!(VoteView::of(v(false, 10, 5, 5), &p).why.contains("到会有表决权人数未超过应到会人数的50%"));
        assert!(VoteView::of(v(false, 10, 9, 5), &p).why.contains("赞成票"));
        assert!(VoteView::of(v(true, 10, 7, 7), &p).why.contains("80%"));
        assert!(VoteView::of(v(true, 10, 8, 8), &p).valid, "exactly four fifths is enough for an election");
        // A county that requires two thirds in favour.
        let strict =
            jiceng_rules::meeting::Params::with_overrides(&[("vote.pass".to_string(), 66)].into_iter().collect())
                .unwrap();
        assert!(VoteView::of(v(false, 9, 9, 5), &p).valid);
        assert!(VoteView::of(v(false, 9, 9, 5), &strict).why.contains("赞成票"));
    }
}

/// The form of one rectification item's completion.
#[derive(Debug, Deserialize)]
pub struct RectifyForm {
    /// The day it was done; empty = not done.
    #[serde(default)]
    done_on: String,
}

/// `POST /rectifications/{id}`: record (or clear) the day an item of a rectification list was done.
pub async fn rectify(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(f): Form<RectifyForm>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let done_on = match jiceng_types::date::parse_optional_date(&f.done_on) {
        Ok(d) => d,
        Err(e) => return Err(StoreError::invalid("done_on", e.code, e.message).into()),
    };
    let meeting_id = meeting::rectification_done(&state.db, me.scope(), &me.meta, id, done_on).await?;
    Ok(Redirect::to(&format!("/meetings/{meeting_id}?done=rectified#rectifications")).into_response())
}
