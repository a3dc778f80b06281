//! Excel import (Excel导入): upload → preview (new, changed with the fields, unchanged,
//! rejected with row, column and reason) → confirm → result, and undoing the last import. The
//! work runs in the background ([`crate::import_jobs`]) and the page shows how far it got.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_exchange::{Cell, ColumnKind, ColumnSpec, RowError, SheetSpec, Warning};
use jiceng_store::member::import::{self as member_import, Batch, Summary};
use jiceng_store::{StoreError, org};
use jiceng_types::{Right, Scope};
use serde::Deserialize;

use super::FormErrors;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::import_jobs::{JobError, Kind, Preview, Stage};
use crate::view::Ctx;

/// The largest upload (the reader's own limit is 50 MB; the rest is the form around it).
pub const UPLOAD_LIMIT: usize = 51 * 1024 * 1024;
/// Problems listed on the page (all are in the downloadable list).
const SHOWN_PROBLEMS: usize = 500;

fn can(scope: &Scope, kind: Kind) -> bool {
    match kind {
        Kind::Members => scope.can(Right::WriteRecords),
        Kind::Orgs => scope.can(Right::WriteOrgs),
        Kind::Meetings => scope.can(Right::WriteRecords),
        Kind::StudyItems => scope.can(Right::CountySettings),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "import/index.html")]
pub struct IndexPage {
    ctx: Ctx,
    kind: &'static str,
    kinds: Vec<(&'static str, &'static str)>,
    org: String,
    errors: FormErrors,
    last: Option<Batch>,
    limit_mb: usize,
}

/// Query of the import page.
#[derive(Debug, Deserialize, Default)]
pub struct IndexQuery {
    #[serde(default)]
    kind: String,
    done: Option<String>,
}

async fn index_page(
    state: &AppState,
    me: &Me,
    kind: Kind,
    org: String,
    errors: FormErrors,
) -> Result<IndexPage, PageError> {
    let s = me.scope();
    let last = if s.can(Right::WriteRecords) { member_import::last_batch(&state.db, s).await? } else { None };
    let kinds = Kind::ALL.into_iter().filter(|k| can(s, *k)).map(|k| (k.key(), k.label())).collect();
    Ok(IndexPage {
        ctx: Ctx::new(me, "Excel导入", "import"),
        kind: kind.key(),
        kinds,
        org,
        errors,
        last,
        limit_mb: UPLOAD_LIMIT / (1024 * 1024) - 1,
    })
}

fn allowed_kind(me: &Me, asked: &str) -> Option<Kind> {
    let s = me.scope();
    match Kind::parse(asked) {
        Some(k) if can(s, k) => Some(k),
        _ => Kind::ALL.into_iter().find(|k| can(s, *k)),
    }
}

async fn refuse(state: &AppState, me: &Me) -> PageError {
    super::deny(state, me, "import", "no_import_right", "您没有导入数据的权限").await
}

/// `GET /import`
pub async fn index(State(state): State<AppState>, me: Me, Query(q): Query<IndexQuery>) -> Result<IndexPage, PageError> {
    let Some(kind) = allowed_kind(&me, &q.kind) else {
        return Err(refuse(&state, &me).await);
    };
    let mut page = index_page(&state, &me, kind, String::new(), FormErrors::default()).await?;
    page.ctx = page.ctx.with_flash(q.done.as_deref());
    Ok(page)
}

/// `GET /import/template/{kind}`: the template workbook.
pub async fn template(
    State(state): State<AppState>,
    me: Me,
    PagePath(kind): PagePath<String>,
) -> Result<Response, PageError> {
    let kind = Kind::parse(&kind).ok_or(PageError::Status(StatusCode::NOT_FOUND, "没有这种导入模板。"))?;
    if !can(me.scope(), kind) {
        return Err(refuse(&state, &me).await);
    }
    let (bytes, title, ascii) = match kind {
        Kind::Members => (jiceng_exchange::member_template(), "党员信息导入模板", "member-template"),
        Kind::Orgs => (jiceng_exchange::org_template(), "党组织导入模板", "org-template"),
        Kind::Meetings => (jiceng_exchange::meeting_template(), "会议记录导入模板", "meeting-template"),
        Kind::StudyItems => (jiceng_exchange::study_item_template(), "第一议题学习内容导入模板", "study-item-template"),
    };
    let bytes = bytes.map_err(|e| StoreError::Corrupt(format!("template: {e}")))?;
    Ok(super::files::download(bytes, title, ascii, jiceng_store::export::Format::Xlsx))
}

/// `POST /import/{kind}` (multipart: `file`, optional `org`): start checking an upload.
pub async fn upload(
    State(state): State<AppState>,
    me: Me,
    PagePath(kind): PagePath<String>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let kind = Kind::parse(&kind).ok_or(PageError::Status(StatusCode::NOT_FOUND, "没有这种导入。"))?;
    if !can(me.scope(), kind) {
        return Err(refuse(&state, &me).await);
    }
    let (mut file, mut org_text) = (None, String::new());
    let mut errors = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                errors.push(jiceng_types::FieldError::new(
                    "file",
                    "too_large",
                    "文件过大：网页导入不能超过50MB，请拆分后分批导入",
                ));
                break;
            }
            Err(_) => {
                errors.push(jiceng_types::FieldError::new("file", "upload", "上传中断或格式有误，请重新选择文件上传"));
                break;
            }
        };
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(e) => {
                        let too_large = e.status() == StatusCode::PAYLOAD_TOO_LARGE;
                        let msg = if too_large {
                            "文件过大：网页导入不能超过50MB，请拆分后分批导入"
                        } else {
                            "上传中断，请重新上传"
                        };
                        errors.push(jiceng_types::FieldError::new("file", "upload", msg));
                        break;
                    }
                }
            }
            Some("org") => org_text = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let mut within = None;
    if errors.is_empty() {
        match &file {
            None => errors.push(jiceng_types::FieldError::new("file", "required", "请选择要导入的文件")),
            Some((name, bytes)) if name.is_empty() || bytes.is_empty() => {
                errors.push(jiceng_types::FieldError::new("file", "required", "请选择要导入的文件（所选文件是空的）"))
            }
            Some((name, _)) if !accepted(name) => errors.push(jiceng_types::FieldError::new(
                "file",
                "format",
                "只能导入 .xlsx、.xls 或 .csv 文件（WPS 表格请另存为 .xlsx）",
            )),
            Some(_) => {}
        }
        // The register is kept by the user's own organization: no organization to choose.
        if !org_text.trim().is_empty() && kind != Kind::StudyItems {
            match org::resolve(&state.db, me.scope(), "org", &org_text).await? {
                Ok(o) => within = Some(o),
                Err(e) => errors.push(e),
            }
        }
    }
    if !errors.is_empty() || state.imports.busy() {
        if errors.is_empty() {
            errors.push(jiceng_types::FieldError::new("file", "busy", "服务器正在处理其他导入，请稍后再试"));
        }
        let page = index_page(&state, &me, kind, org_text, FormErrors(errors)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let Some((name, bytes)) = file else {
        return Err(PageError::Status(StatusCode::BAD_REQUEST, "请选择要导入的文件"));
    };
    let token = state.imports.start(state.db.clone(), me.scope().clone(), kind, name, bytes, within);
    Ok(Redirect::to(&format!("/import/jobs/{token}")).into_response())
}

fn accepted(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".xlsx", ".xlsm", ".xls", ".csv"].iter().any(|e| lower.ends_with(e))
}

/// What the job page shows.
pub enum View {
    /// Still working.
    Running {
        /// What is happening.
        describe: String,
        /// Step reached (1–4).
        step: u32,
        /// Seconds since the start.
        seconds: u64,
    },
    /// Waiting for confirmation.
    Ready(Preview),
    /// Applied.
    Done {
        /// Counts.
        summary: Summary,
        /// This import can still be undone.
        undoable: bool,
    },
    /// Cancelled.
    Cancelled,
    /// Failed.
    Failed(String),
}

#[derive(Template, WebTemplate)]
#[template(path = "import/job.html")]
pub struct JobPage {
    ctx: Ctx,
    token: String,
    kind: &'static str,
    kind_label: &'static str,
    record_headers: &'static [&'static str],
    file_name: String,
    within: String,
    view: View,
    rejected: Vec<RowError>,
    rejected_total: usize,
    warnings: Vec<Warning>,
    shown_rows: usize,
}

fn not_found(_: JobError) -> PageError {
    PageError::Status(StatusCode::NOT_FOUND, "没有找到这次导入：它可能已超过1小时被清除，或服务器已重启。请重新上传。")
}

/// `GET /import/jobs/{token}`
pub async fn job(
    State(state): State<AppState>,
    me: Me,
    PagePath(token): PagePath<String>,
) -> Result<JobPage, PageError> {
    let shared = state.imports.get(&token, me.scope()).map_err(not_found)?;
    let (kind, file_name, within, view, rejected, rejected_total, warnings, batch) = {
        let j = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let view = match &j.stage {
            s if s.is_running() => {
                View::Running { describe: s.describe(), step: s.step(), seconds: j.started.elapsed().as_secs() }
            }
            Stage::Ready(p) => View::Ready(p.clone()),
            Stage::Done { summary, batch_id } => View::Done { summary: summary.clone(), undoable: batch_id.is_some() },
            Stage::Failed(m) => View::Failed(m.clone()),
            _ => View::Cancelled,
        };
        let batch = match &j.stage {
            Stage::Done { batch_id, .. } => *batch_id,
            _ => None,
        };
        (
            j.kind,
            j.file_name.clone(),
            j.within.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
            view,
            j.rejected.iter().take(SHOWN_PROBLEMS).cloned().collect::<Vec<_>>(),
            j.rejected.len(),
            j.warnings.iter().take(SHOWN_PROBLEMS).cloned().collect::<Vec<_>>(),
            batch,
        )
    };
    // Undo is offered while this import is still the account's last one not undone.
    let view = match view {
        View::Done { summary, undoable: true } => {
            let last = member_import::last_batch(&state.db, me.scope()).await?;
            View::Done { summary, undoable: last.is_some_and(|b| Some(b.id) == batch) }
        }
        v => v,
    };
    Ok(JobPage {
        ctx: Ctx::new(&me, format!("导入{}", kind.label()), "import"),
        token,
        kind: kind.key(),
        kind_label: kind.label(),
        record_headers: kind.record_headers(),
        file_name,
        within,
        view,
        rejected,
        rejected_total,
        warnings,
        shown_rows: crate::import_jobs::PREVIEW_ROWS,
    })
}

/// `POST /import/jobs/{token}/confirm`
pub async fn confirm(
    State(state): State<AppState>,
    me: Me,
    PagePath(token): PagePath<String>,
) -> Result<Response, PageError> {
    match state.imports.confirm(state.db.clone(), me.scope().clone(), me.meta.clone(), &token) {
        Ok(()) | Err(JobError::NotReady) => Ok(Redirect::to(&format!("/import/jobs/{token}")).into_response()),
        Err(e) => Err(not_found(e)),
    }
}

/// `POST /import/jobs/{token}/cancel`
pub async fn cancel(
    State(state): State<AppState>,
    me: Me,
    PagePath(token): PagePath<String>,
) -> Result<Response, PageError> {
    let kind = {
        let shared = state.imports.get(&token, me.scope()).map_err(not_found)?;
        let j = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        j.kind
    };
    match state.imports.cancel(&token, me.scope()) {
        Ok(()) => Ok(Redirect::to(&format!("/import?kind={}&done=import_cancelled", kind.key())).into_response()),
        Err(JobError::NotReady) => Ok(Redirect::to(&format!("/import/jobs/{token}")).into_response()),
        Err(e) => Err(not_found(e)),
    }
}

/// `GET /import/jobs/{token}/problems`: every rejected row and warning, as a workbook.
pub async fn problems(
    State(state): State<AppState>,
    me: Me,
    PagePath(token): PagePath<String>,
) -> Result<Response, PageError> {
    let shared = state.imports.get(&token, me.scope()).map_err(not_found)?;
    let rows: Vec<Vec<Cell>> = {
        let j = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let rejected = j.rejected.iter().map(|e| (Some(e.row), "退回", e.column.as_str(), e.reason.as_str()));
        let warned = j.warnings.iter().map(|w| (w.row, "提示", w.column.as_str(), w.reason.as_str()));
        rejected
            .chain(warned)
            .map(|(row, what, column, reason)| {
                vec![
                    row.map_or(Cell::Empty, |r| Cell::Number(f64::from(r))),
                    Cell::text(what),
                    Cell::text(column),
                    Cell::text(reason),
                ]
            })
            .collect()
    };
    let spec = SheetSpec {
        name: "导入问题清单".into(),
        columns: vec![
            ColumnSpec::new("Excel行号", ColumnKind::Number),
            ColumnSpec::new("处理", ColumnKind::Text),
            ColumnSpec::new("列", ColumnKind::Text),
            ColumnSpec::new("原因", ColumnKind::Text).with_width(60.0),
        ],
    };
    let bytes = jiceng_exchange::write_xlsx(&spec, rows).map_err(|e| StoreError::Corrupt(format!("xlsx: {e}")))?;
    Ok(super::files::download(bytes, "导入问题清单", "import-problems", jiceng_store::export::Format::Xlsx))
}

/// `POST /import/undo`: undo the account's last member import.
pub async fn undo(State(state): State<AppState>, me: Me) -> Result<Response, PageError> {
    match member_import::undo_last(&state.db, me.scope(), &me.meta).await {
        Ok(_) => Ok(Redirect::to("/import?kind=members&done=import_undone").into_response()),
        Err(StoreError::Conflict { message, .. }) => {
            let errors = FormErrors(vec![jiceng_types::FieldError::new("undo", "conflict", message)]);
            let page = index_page(&state, &me, Kind::Members, String::new(), errors).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
