//! Attachments of a meeting record: photos and scans of the sign-in sheet and the minutes book.
//!
//! A file is accepted by its first bytes (JPEG, PNG or PDF), never by its name; each is at most
//! [`MAX_FILE_BYTES`], a record holds at most [`MAX_PER_MEETING`]. Files live in the data
//! directory as `attachments/<meeting_id>/<uuid>`, so a user's file name never becomes a path;
//! the row keeps the original name and the SHA-256 of the content. An upload is all or nothing:
//! the files are written first, the rows and their audit records in one transaction after, and
//! the files are removed again if that transaction does not commit.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use jiceng_types::{OrgPath, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::model::load;
use super::{require_read, require_write};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::scope_sql::path_in_scope;
use crate::{Db, Meta};

/// The largest attachment, in bytes (10 MB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most attachments one meeting record holds.
pub const MAX_PER_MEETING: usize = 20;

/// The kinds of file accepted, told apart by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A JPEG photo.
    Jpeg,
    /// A PNG image.
    Png,
    /// A PDF document (a scan).
    Pdf,
}

impl FileKind {
    /// The kind of a file by its content, or `None` if it is none of the accepted kinds.
    pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileKind::Png)
        } else if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else {
            None
        }
    }

    /// The MIME type stored and sent.
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Pdf => "application/pdf",
        }
    }
}

/// A file as uploaded.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name the browser sent (only ever shown and offered back as the download name).
    pub file_name: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// A stored attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Id.
    pub id: i64,
    /// The meeting it belongs to.
    pub meeting_id: i64,
    /// The original file name.
    pub file_name: String,
    /// MIME type (from the content).
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// The name of the stored file (a UUID).
    pub stored_name: String,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

impl Attachment {
    /// Where the file lies under the data directory.
    pub fn path(&self, data_dir: &Path) -> StoreResult<PathBuf> {
        // Written by `add` as a UUID; anything else was not written by us.
        if uuid::Uuid::parse_str(&self.stored_name).is_err() {
            return Err(StoreError::Corrupt(format!("attachment {} stored name", self.id)));
        }
        Ok(meeting_dir(data_dir, self.meeting_id).join(&self.stored_name))
    }

    /// An image (shown as a picture link) rather than a document.
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }

    /// The size for people: `532 KB`, `2.4 MB`.
    pub fn size_label(&self) -> String {
        let kb = self.size as f64 / 1024.0;
        if kb < 1024.0 { format!("{} KB", kb.ceil() as i64) } else { format!("{:.1} MB", kb / 1024.0) }
    }
}

/// The directory of one meeting's files.
pub fn meeting_dir(data_dir: &Path, meeting_id: i64) -> PathBuf {
    data_dir.join("attachments").join(meeting_id.to_string())
}

/// The file name as shown and offered back: its last path component, without control
/// characters, at most 120 characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    let mut out: String = cleaned.chars().rev().take(120).collect::<Vec<_>>().into_iter().rev().collect();
    if out.is_empty() {
        out = "附件".into();
    }
    out
}

/// Check the uploads; every problem names the file.
fn check_uploads(uploads: &[Upload]) -> StoreResult<Vec<FileKind>> {
    use jiceng_types::FieldError;
    if uploads.is_empty() {
        return Err(StoreError::invalid("files", "required", "请选择要上传的文件"));
    }
    let mut errs = Vec::new();
    let mut kinds = Vec::new();
    for u in uploads {
        let name = clean_name(&u.file_name);
        if u.bytes.is_empty() {
            errs.push(FieldError::new("files", "empty", format!("文件“{name}”是空的")));
        } else if u.bytes.len() > MAX_FILE_BYTES {
            errs.push(FieldError::new("files", "too_large", format!("文件“{name}”超过10MB")));
        } else if let Some(k) = FileKind::sniff(&u.bytes) {
            kinds.push(k);
        } else {
            errs.push(FieldError::new(
                "files",
                "bad_type",
                format!("文件“{name}”不是JPG、PNG图片或PDF文件（按文件内容判断，与文件名无关）"),
            ));
        }
    }
    if errs.is_empty() { Ok(kinds) } else { Err(StoreError::Invalid(errs)) }
}

fn io_error(e: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("attachment storage: {e}"))
}

/// Remove files written for an upload that did not commit.
async fn remove_files(paths: &[PathBuf]) {
    for p in paths {
        if let Err(e) = tokio::fs::remove_file(p).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %p.display(), error = %e, "could not remove an attachment file");
        }
    }
}

async fn count_for(conn: &impl ConnectionTrait, meeting_id: i64) -> StoreResult<usize> {
    let q = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from("meeting_attachment")
        .and_where(Expr::col("meeting_id").eq(meeting_id))
        .take();
    let n: i64 = match conn.query_one(&q).await? {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Attach files to a meeting in scope. Outside the scope: `NotFound`. All files or none.
pub async fn add(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    data_dir: &Path,
    meeting_id: i64,
    uploads: Vec<Upload>,
) -> StoreResult<Vec<Attachment>> {
    audit::recording_denial(db, scope, meta, "meeting_attachment", None, async {
        require_write(scope)?;
        // The meeting first, so that an upload to a foreign record is NotFound, not a file error.
        load(db.conn(), scope, meeting_id).await?;
        let kinds = check_uploads(&uploads)?;
        let existing = count_for(db.conn(), meeting_id).await?;
        if existing + uploads.len() > MAX_PER_MEETING {
            return Err(too_many(existing));
        }
        let dir = meeting_dir(data_dir, meeting_id);
        tokio::fs::create_dir_all(&dir).await.map_err(io_error)?;
        let mut written = Vec::new();
        let mut rows = Vec::new();
        for (u, kind) in uploads.iter().zip(kinds) {
            let stored_name = uuid::Uuid::new_v4().to_string();
            let path = dir.join(&stored_name);
            if let Err(e) = tokio::fs::write(&path, &u.bytes).await {
                written.push(path);
                remove_files(&written).await;
                return Err(io_error(e));
            }
            written.push(path);
            rows.push((
                clean_name(&u.file_name),
                kind,
                u.bytes.len(),
                hex::encode(sha2::Sha256::digest(&u.bytes)),
                stored_name,
            ));
        }
        let result = async {
            let tx = db.begin_write().await?;
            let meeting = load(&tx, scope, meeting_id).await?;
            // Counted again under the write lock: two uploads at once cannot pass the limit.
            let existing = count_for(&tx, meeting_id).await?;
            if existing + rows.len() > MAX_PER_MEETING {
                return Err(too_many(existing));
            }
            let path = org_path(&meeting.org_path)?;
            let now = crate::now();
            let mut out = Vec::new();
            for (file_name, kind, size, sha256, stored_name) in &rows {
                let size = i64::try_from(*size).unwrap_or(i64::MAX);
                let q = crate::sql::insert_row(
                    "meeting_attachment",
                    vec![
                        ("meeting_id", meeting_id.into()),
                        ("file_name", file_name.as_str().into()),
                        ("content_type", kind.mime().into()),
                        ("size", size.into()),
                        ("sha256", sha256.as_str().into()),
                        ("stored_name", stored_name.as_str().into()),
                        ("uploaded_by", scope.actor().username.as_str().into()),
                        ("uploaded_at", now.into()),
                    ],
                )
                .returning_col("id")
                .take();
                let row =
                    tx.query_one(&q).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
                let id: i64 = row.try_get("", "id")?;
                let entry = Entry::new(Action::Create, "meeting_attachment", Some(id.to_string()))
                    .in_org(&path)
                    .changes(serde_json::json!({
                        "meeting_id": meeting_id,
                        "file_name": file_name,
                        "content_type": kind.mime(),
                        "size": size,
                        "sha256": sha256,
                    }));
                audit::append(&tx, scope, meta, entry).await?;
                out.push(Attachment {
                    id,
                    meeting_id,
                    file_name: file_name.clone(),
                    content_type: kind.mime().into(),
                    size,
                    sha256: sha256.clone(),
                    stored_name: stored_name.clone(),
                    uploaded_by: scope.actor().username.clone(),
                    uploaded_at: now,
                });
            }
            tx.commit().await?;
            Ok(out)
        }
        .await;
        if result.is_err() {
            remove_files(&written).await;
        }
        result
    })
    .await
}

fn too_many(existing: usize) -> StoreError {
    StoreError::invalid(
        "files",
        "too_many",
        format!(
            "每条记录最多{MAX_PER_MEETING}个附件，已有{existing}个，最多还能上传{}个",
            MAX_PER_MEETING.saturating_sub(existing)
        ),
    )
}

fn org_path(path: &str) -> StoreResult<OrgPath> {
    OrgPath::parse(path).ok_or_else(|| StoreError::Corrupt(format!("org path {path}")))
}

const COLUMNS: [&str; 9] =
    ["id", "meeting_id", "file_name", "content_type", "size", "sha256", "stored_name", "uploaded_by", "uploaded_at"];

/// `SELECT <columns> FROM meeting_attachment JOIN meeting JOIN org WHERE <org in scope>`.
fn select_in_scope(scope: &Scope) -> SelectStatement {
    let mut q = Query::select();
    for c in COLUMNS {
        q.column(("a", c));
    }
    q.expr_as(Expr::col(("o", "path")), "org_path")
        .from_as("meeting_attachment", "a")
        .join_as(JoinType::InnerJoin, "meeting", "m", Expr::col(("m", "id")).equals(("a", "meeting_id")))
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .take()
}

#[derive(Deserialize)]
struct Row {
    #[serde(flatten)]
    attachment: Attachment,
    org_path: String,
}

async fn fetch(conn: &impl ConnectionTrait, q: &SelectStatement) -> StoreResult<Vec<Row>> {
    let mut cols = COLUMNS.to_vec();
    cols.push("org_path");
    crate::sql::fetch_json(conn, q, &cols).await
}

/// The attachments of a meeting in scope, in upload order. Outside the scope: `NotFound`.
pub async fn list(db: &Db, scope: &Scope, meeting_id: i64) -> StoreResult<Vec<Attachment>> {
    require_read(scope)?;
    load(db.conn(), scope, meeting_id).await?;
    let q = select_in_scope(scope).and_where(Expr::col(("a", "meeting_id")).eq(meeting_id)).take();
    let mut out: Vec<Attachment> = fetch(db.conn(), &q).await?.into_iter().map(|r| r.attachment).collect();
    out.sort_by_key(|a| a.id);
    Ok(out)
}

/// One attachment whose meeting is in scope. Outside the scope: `NotFound`.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> StoreResult<Attachment> {
    require_read(scope)?;
    Ok(get_in(db.conn(), scope, id).await?.attachment)
}

async fn get_in(conn: &impl ConnectionTrait, scope: &Scope, id: i64) -> StoreResult<Row> {
    let q = select_in_scope(scope).and_where(Expr::col(("a", "id")).eq(id)).take();
    fetch(conn, &q).await?.into_iter().next().ok_or(StoreError::NotFound)
}

/// Delete one attachment (its row in one transaction with the audit record, then the file).
pub async fn delete(db: &Db, scope: &Scope, meta: &Meta, data_dir: &Path, id: i64) -> StoreResult<Attachment> {
    audit::recording_denial(db, scope, meta, "meeting_attachment", Some(id.to_string()), async {
        require_write(scope)?;
        let tx: DatabaseTransaction = db.begin_write().await?;
        let row = get_in(&tx, scope, id).await?;
        let a = row.attachment;
        tx.execute(&Query::delete().from_table("meeting_attachment").and_where(Expr::col("id").eq(id)).take()).await?;
        let entry = Entry::new(Action::Delete, "meeting_attachment", Some(id.to_string()))
            .in_org(&org_path(&row.org_path)?)
            .changes(serde_json::json!({
                "meeting_id": a.meeting_id,
                "file_name": a.file_name,
                "size": a.size,
                "sha256": a.sha256,
            }));
        audit::append(&tx, scope, meta, entry).await?;
        tx.commit().await?;
        remove_files(&[a.path(data_dir)?]).await;
        Ok(a)
    })
    .await
}

/// Remove the stored files of a deleted meeting (call after its deletion committed; the rows
/// went with the meeting).
pub async fn remove_meeting_files(data_dir: &Path, meeting_id: i64) {
    let dir = meeting_dir(data_dir, meeting_id);
    if let Err(e) = tokio::fs::remove_dir_all(&dir).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %dir.display(), error = %e, "could not remove a deleted meeting's attachments");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_content() {
        assert_eq!(FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some(FileKind::Jpeg));
        assert_eq!(FileKind::sniff(b"\x89PNG\r\n\x1a\n...."), Some(FileKind::Png));
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(b"just text pretending to be a photo"), None);
        assert_eq!(FileKind::sniff(b""), None);
    }

    #[test]
    fn names_lose_their_paths_and_control_characters() {
        assert_eq!(clean_name("C:\\Users\\a\\签到表.jpg"), "签到表.jpg");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b\r\n.png"), "ab.png");
        assert_eq!(clean_name("  "), "附件");
        assert_eq!(clean_name(&"长".repeat(300)).chars().count(), 120);
    }

    #[test]
    fn uploads_are_checked_together() {
        let ok = Upload { file_name: "a.jpg".into(), bytes: vec![0xFF, 0xD8, 0xFF, 1] };
        let fake = Upload { file_name: "b.jpg".into(), bytes: b"hello".to_vec() };
        let empty = Upload { file_name: "c.pdf".into(), bytes: Vec::new() };
        assert!(check_uploads(std::slice::from_ref(&ok)).is_ok());
        match check_uploads(&[ok, fake, empty]) {
            Err(StoreError::Invalid(errs)) => {
                assert_eq!(errs.len(), 2);
                assert!(errs[0].message.contains("b.jpg"));
                assert_eq!(errs[1].code, "empty");
            }
            other => panic!("{other:?}"),
        }
    }
}
