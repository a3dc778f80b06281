//! Writing an import: one transaction that inserts the new members (sealed and laid out on a
//! thread of their own while the database writes the ones before), updates the changed ones,
//! keeps the rollups, the undo records, the history and the audit trail, and commits only when
//! everything is written.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiceng_exchange::{MemberRow, ParsedImport, RowError, Warning};
use jiceng_types::person::MemberStatus;
use jiceng_types::{MemberId, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};
use serde::Serialize;
use tokio::sync::mpsc::{Receiver, Sender};

use super::prepare::{CHUNK, Deltas, NewMembers};
use super::{Member, Plan, PlanItem, Planner, Summary, UNDO_COLUMNS, require};
use crate::audit::{self, Action, Entry};
use crate::bulk::{Bulk, Pending, Ty};
use crate::error::{StoreError, StoreResult};
use crate::member::indexes::MemberIndexes;
use crate::org::Org;
use crate::{Db, Meta};

/// The result of an applied import.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    /// The import batch (for undo).
    pub batch_id: i64,
    /// The counts.
    pub summary: Summary,
}

/// The undo record of each member (`before`: the stored values of a changed member, none for a new one).
const IMPORT_CHANGE: &[(&str, Ty)] = &[("object_id", Ty::Int), ("before", Ty::Text)];
const IMPORT_CHANGE_FIXED: &[(&str, Ty)] = &[("batch_id", Ty::Int), ("object_type", Ty::Text)];

/// The history event of each member.
const MEMBER_EVENT: &[(&str, Ty)] =
    &[("member_id", Ty::Int), ("org_id", Ty::Int), ("happened_on", Ty::Date), ("detail", Ty::Text)];
const MEMBER_EVENT_FIXED: &[(&str, Ty)] = &[("kind", Ty::Text), ("recorded_by", Ty::Text), ("recorded_at", Ty::Time)];

/// The import's bulk writers of undo records and of history events of this `kind`.
pub(super) fn change_and_event_rows(
    backend: sea_orm::DbBackend,
    batch_id: i64,
    kind: &str,
    by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<(Bulk, Bulk)> {
    let changes = Bulk::for_backend(backend, "import_change", IMPORT_CHANGE)
        .with_fixed(IMPORT_CHANGE_FIXED, &[batch_id.into(), "member".into()])?;
    let events = Bulk::for_backend(backend, "member_event", MEMBER_EVENT)
        .with_fixed(MEMBER_EVENT_FIXED, &[kind.into(), by.into(), now.into()])?;
    Ok((changes, events))
}

/// Imports of more rows than this get a larger SQLite page cache (512 MB) while they are applied.
const BIG_IMPORT: u64 = 200_000;

fn row_values(r: &MemberRow, org: &Org, before: Option<&Member>) -> Vec<(&'static str, SimpleExpr)> {
    let py = jiceng_types::PinyinKey::of_person(r.name.as_str());
    let mut v: Vec<(&'static str, SimpleExpr)> = vec![
        ("org_id", org.id.0.into()),
        ("name", r.name.as_str().into()),
        ("name_pinyin", py.full.into()),
        ("name_initials", py.initials.into()),
        ("gender", r.gender.key().into()),
        ("birth_date", r.birth_date.into()),
        ("category", r.category.key().into()),
        ("admitted_on", r.admitted_on.into()),
    ];
    let keep = |new: Option<String>, old: Option<String>| new.or(old);
    v.push(("ethnicity", keep(r.ethnicity.map(String::from), before.map(|b| b.ethnicity.clone())).into()));
    v.push((
        "education",
        keep(r.education.map(|e| e.key().to_string()), before.map(|b| b.education.key().to_string())).into(),
    ));
    v.push(("regularized_on", r.regularized_on.or(before.and_then(|b| b.regularized_on)).into()));
    v.push(("work_post", keep(r.post.clone(), before.and_then(|b| b.work_post.clone())).into()));
    v.push(("residence", keep(r.residence.clone(), before.and_then(|b| b.residence.clone())).into()));
    v
}

/// Apply a plan in one transaction: new members inserted, changed ones updated, each with its
/// history event and audit record, the rollups adjusted, and the batch kept for undo.
pub async fn apply(db: &Db, scope: &Scope, meta: &Meta, plan: Plan, file_name: &str) -> StoreResult<Applied> {
    audit::recording_denial(db, scope, meta, "import", None, async {
        require(scope)?;
        let summary = plan.summary();
        let mut w = Writer::begin(db, scope, meta, file_name).await?;
        // The plan was worked out before (the preview waited for the user): unless nothing at
        // all was recorded since, check that it still holds.
        if w.recorded_before != plan.as_of {
            still_as_planned(&w.tx, &plan).await?;
        }
        w.expected_new = summary.imported;
        w.add(plan.items).await?;
        w.finish(plan.rejected, plan.warnings).await
    })
    .await
}

/// One part of a roster read by the caller while the import writes the parts before it.
#[derive(Debug)]
pub enum Feed {
    /// Checked rows, with the number of rows the file declares (a hint for the first part).
    Rows(ParsedImport<MemberRow>, usize),
    /// The whole file was read: the import may commit.
    End,
}

/// Rows planned and written per part of a streamed import.
pub const FEED_ROWS: usize = 5000;

/// Import a roster while it is being read (the command line: there is no preview to wait for):
/// each part is planned and written as it comes, in one transaction that commits only after
/// [`Feed::End`]. If the feed stops without it (the file turned out unreadable), nothing is
/// imported and the result is `None`; the reader knows why. The outcome is what [`plan`] and
/// [`apply`] would give for the whole file.
pub async fn import_streaming(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    within: Option<&Org>,
    file_name: &str,
    mut feed: tokio::sync::mpsc::Receiver<Feed>,
) -> StoreResult<Option<Applied>> {
    audit::recording_denial(db, scope, meta, "import", None, async {
        require(scope)?;
        let mut w = Writer::begin(db, scope, meta, file_name).await?;
        let mut planner = Planner::new(db, within)?;
        let (mut rejected, mut warnings) = (Vec::new(), Vec::new());
        let mut first = true;
        loop {
            match w.next(&mut feed).await? {
                Some(Feed::Rows(parsed, hint)) => {
                    let ParsedImport { rows, rejected: bad, warnings: notes } = parsed;
                    rejected.extend(bad);
                    warnings.extend(notes);
                    let n = rows.len();
                    let items = w.meanwhile(planner.plan_rows(db, scope, rows, &mut rejected)).await?;
                    if first && n > 0 {
                        // Whether to rebuild the member indexes is decided on the first part:
                        // if most of it is new, the file's rows are taken as the count.
                        let new = items.iter().filter(|i| matches!(i, PlanItem::New { .. })).count();
                        w.expected_new = if new * 2 >= n { hint.max(new) as u64 } else { new as u64 };
                        first = false;
                    }
                    w.add(items).await?;
                }
                Some(Feed::End) => break,
                None => return Ok(None),
            }
        }
        rejected.sort_by_key(|e| e.row);
        w.finish(rejected, warnings).await.map(Some)
    })
    .await
}

/// An import being written: its transaction, its batch, and the thread that prepares the new
/// members' rows while the database writes the ones before.
struct Writer<'a> {
    db: &'a Db,
    scope: &'a Scope,
    tx: DatabaseTransaction,
    file_name: String,
    now: chrono::DateTime<chrono::Utc>,
    batch_id: i64,
    /// The length of the audit trail before this import (read under the lock on its head).
    recorded_before: i64,
    /// How many new members the import is expected to add (decides the index rebuild and the
    /// cache size when the first new members are written).
    expected_new: u64,
    /// Decided when the first new members are written.
    indexes: Option<MemberIndexes>,
    big_cache: bool,
    /// SQLite: the next member id (the write lock is held, nobody else inserts).
    next_id: Option<i64>,
    to_prep: Option<Sender<(Vec<PlanItem>, Vec<i64>)>>,
    prepared: Receiver<Pending>,
    preparing: Option<std::thread::JoinHandle<StoreResult<(audit::Appender, Deltas)>>>,
    updates: Vec<PlanItem>,
    imported: u64,
    unchanged: u64,
}

impl<'a> Writer<'a> {
    async fn begin(db: &'a Db, scope: &'a Scope, meta: &Meta, file_name: &str) -> StoreResult<Writer<'a>> {
        let keys = db.field_keys()?;
        let now = crate::now();
        let tx = db.begin_write().await?;
        // The audit trail's head is locked first: nobody else can change a member until this
        // commits, and its length tells whether anything was recorded since a plan was made.
        let audit = audit::Appender::begin_open(&tx, scope, meta).await?;
        let recorded_before = audit.recorded_before();
        let batch = crate::sql::insert_row(
            "import_batch",
            vec![
                ("kind", "members".into()),
                ("file_name", file_name.chars().take(200).collect::<String>().into()),
                ("org_id", scope.actor().org_id.map(|o| o.0).into()),
                ("user_id", scope.user_id().map(|u| u.0).into()),
                ("created_by", scope.actor().username.clone().into()),
                ("created_at", now.into()),
                ("imported", 0i64.into()),
                ("updated", 0i64.into()),
                ("unchanged", 0i64.into()),
                ("rejected", 0i64.into()),
            ],
        )
        .returning_col("id")
        .take();
        let batch_id: i64 = tx
            .query_one(&batch)
            .await?
            .ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?
            .try_get("", "id")?;
        let job = NewMembers {
            keys: keys.clone(),
            backend: tx.get_database_backend(),
            batch_id,
            file_name: file_name.to_string(),
            by: scope.actor().username.clone(),
            now,
        };
        let (to_prep, jobs) = tokio::sync::mpsc::channel(2);
        let (sender, prepared) = tokio::sync::mpsc::channel::<Pending>(6);
        let preparing = std::thread::Builder::new()
            .name("import-prepare".into())
            .spawn(move || job.prepare(audit, jobs, sender))
            .map_err(|e| StoreError::Corrupt(format!("cannot start the import's preparing thread: {e}")))?;
        Ok(Writer {
            db,
            scope,
            tx,
            file_name: file_name.to_string(),
            now,
            batch_id,
            recorded_before,
            expected_new: 0,
            indexes: None,
            big_cache: false,
            next_id: None,
            to_prep: Some(to_prep),
            prepared,
            preparing: Some(preparing),
            updates: Vec::new(),
            imported: 0,
            unchanged: 0,
        })
    }

    /// The next message of `feed`, writing the prepared rows meanwhile.
    async fn next<T>(&mut self, feed: &mut Receiver<T>) -> StoreResult<Option<T>> {
        loop {
            tokio::select! {
                msg = feed.recv() => return Ok(msg),
                Some(rows) = self.prepared.recv() => rows.write(&self.tx).await?,
            }
        }
    }

    /// Wait for `work` (matching the next part, on other connections), writing the prepared
    /// rows meanwhile, so that the database is not left idle.
    async fn meanwhile<T>(&mut self, work: impl std::future::Future<Output = StoreResult<T>>) -> StoreResult<T> {
        tokio::pin!(work);
        loop {
            tokio::select! {
                done = &mut work => return done,
                Some(rows) = self.prepared.recv() => rows.write(&self.tx).await?,
            }
        }
    }

    /// Ids for `n` new members.
    async fn ids(&mut self, n: usize) -> StoreResult<Vec<i64>> {
        if let Some(next) = self.next_id {
            let n = i64::try_from(n).unwrap_or(i64::MAX);
            self.next_id = Some(next + n);
            return Ok((next..next + n).collect());
        }
        let ids = crate::sql::reserve_ids(&self.tx, "member", n).await?;
        if self.db.backend() == crate::Backend::Sqlite {
            self.next_id = ids.last().map(|l| l + 1);
        }
        Ok(ids)
    }

    /// Write these planned rows: new members go to the preparing thread, changed ones are
    /// written at the end (after the new ones, as their audit records are chained).
    async fn add(&mut self, items: Vec<PlanItem>) -> StoreResult<()> {
        let mut new = Vec::new();
        for item in items {
            match item {
                PlanItem::New { .. } => new.push(item),
                PlanItem::Update { .. } => self.updates.push(item),
                PlanItem::Same { .. } => self.unchanged += 1,
            }
        }
        if new.is_empty() {
            return Ok(());
        }
        if self.indexes.is_none() {
            let expected = std::cmp::max(self.expected_new, new.len() as u64);
            // A very large import writes into every page of the member table and its indexes;
            // on SQLite, with the usual 16 MB page cache, pages would be spilled to the WAL and
            // read back again and again. Such an import gets a larger cache while it runs.
            if self.db.backend() == crate::Backend::Sqlite && expected > BIG_IMPORT {
                self.tx.execute_unprepared("PRAGMA cache_size = -524288").await?;
                self.big_cache = true;
            }
            self.indexes = Some(MemberIndexes::drop_for_import(self.db, &self.tx, expected).await?);
        }
        self.imported += new.len() as u64;
        let ids = self.ids(new.len()).await?;
        let mut job = Some((new, ids));
        let Some(to_prep) = self.to_prep.as_ref() else {
            return Err(StoreError::Corrupt("the import's preparing thread is gone".into()));
        };
        while job.is_some() {
            tokio::select! {
                permit = to_prep.reserve() => match (permit, job.take()) {
                    (Ok(permit), Some(j)) => permit.send(j),
                    // The thread stopped on an error, which `finish` reports.
                    _ => break,
                },
                Some(rows) = self.prepared.recv() => rows.write(&self.tx).await?,
            }
        }
        Ok(())
    }

    /// Write the rest: the prepared rows, the changed members, the rollups, the batch's counts
    /// and its audit record; build the indexes again; commit.
    async fn finish(mut self, rejected: Vec<RowError>, warnings: Vec<Warning>) -> StoreResult<Applied> {
        drop(self.to_prep.take());
        let started = std::time::Instant::now();
        while let Some(rows) = self.prepared.recv().await {
            rows.write(&self.tx).await?;
        }
        let preparing = self.preparing.take().ok_or_else(|| StoreError::Corrupt("no preparing thread".into()))?;
        let (mut audit, mut deltas) =
            preparing.join().map_err(|_| StoreError::Corrupt("the import's preparing thread failed".into()))??;
        let indexes = self.indexes.take();
        let Writer { db, tx, file_name, now, batch_id, scope, .. } = &self;
        let (tx, file_name, now, batch_id) = (tx, file_name.as_str(), *now, *batch_id);
        let keys = db.field_keys()?;
        let today = now.date_naive();
        let by = scope.actor().username.as_str();
        let (mut changes_rows, mut events) =
            change_and_event_rows(tx.get_database_backend(), batch_id, "updated", by, now)?;
        for item in &self.updates {
            match item {
                PlanItem::Update { row, org, before, changes } => {
                    let before_json = snapshot(tx, before.id).await?;
                    let mut v = row_values(row, org, Some(before));
                    if let Some(p) = &row.phone {
                        v.push(("phone_enc", keys.encrypt(p.as_str()).into()));
                        v.push(("phone_idx", keys.blind_index(p.as_str()).into()));
                        v.push(("phone_masked", p.masked().into()));
                    }
                    v.push(("updated_at", now.into()));
                    let mut q = Query::update();
                    q.table("member").and_where(Expr::col("id").eq(before.id.0));
                    for (c, val) in v {
                        q.value(c, val);
                    }
                    tx.execute(&q).await?;
                    if before.org_id != org.id && before.status == MemberStatus::Active {
                        let old =
                            crate::org::fetch_one(tx, &crate::org::select_for_write(&Scope::cli(), before.org_id))
                                .await?
                                .ok_or(StoreError::NotFound)?;
                        deltas.entry(old.id).or_insert_with(|| (old.clone(), 0)).1 -= 1;
                        deltas.entry(org.id).or_insert_with(|| (org.clone(), 0)).1 += 1;
                    }
                    changes_rows.push(&[before.id.0.into(), before_json.as_str().into()])?;
                    let detail = serde_json::to_value(changes).unwrap_or_default();
                    let event =
                        serde_json::json!({ "file": file_name, "row": row.excel_row, "changes": detail }).to_string();
                    events.push(&[before.id.0.into(), org.id.0.into(), today.into(), event.as_str().into()])?;
                    audit.push(
                        Entry::new(Action::Update, "member", Some(before.id.to_string()))
                            .in_org(&org.path)
                            .changes(serde_json::json!({ "changes": detail, "import_batch": batch_id })),
                    )?;
                    if events.pending() >= CHUNK {
                        events.flush(tx).await?;
                        changes_rows.flush(tx).await?;
                        audit.flush_if_full(tx).await?;
                    }
                }
                PlanItem::New { .. } | PlanItem::Same { .. } => {}
            }
        }
        crate::org::count_members_many(tx, deltas.values().map(|(o, d)| (&o.path, o.id, *d))).await?;
        events.flush(tx).await?;
        changes_rows.flush(tx).await?;
        let summary = Summary {
            imported: self.imported,
            updated: self.updates.len() as u64,
            unchanged: self.unchanged,
            rejected,
            warnings,
        };
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let counts = Query::update()
            .table("import_batch")
            .value("imported", count(summary.imported))
            .value("updated", count(summary.updated))
            .value("unchanged", count(summary.unchanged))
            .value("rejected", i64::try_from(summary.rejected.len()).unwrap_or(i64::MAX))
            .and_where(Expr::col("id").eq(batch_id))
            .take();
        tx.execute(&counts).await?;
        audit.push(Entry::new(Action::Create, "import", Some(batch_id.to_string())).changes(serde_json::json!({
            "file": file_name, "imported": summary.imported, "updated": summary.updated, "unchanged": summary.unchanged, "rejected": summary.rejected.len(),
        })))?;
        audit.finish(tx).await?;
        let ms = |at: std::time::Instant| at.elapsed().as_millis();
        tracing::debug!(ms = ms(started), "import: the last rows written");
        if let Some(indexes) = indexes {
            let at = std::time::Instant::now();
            indexes.restore(tx).await?;
            tracing::debug!(ms = ms(at), "import: member indexes rebuilt");
        }
        if self.big_cache {
            tx.execute_unprepared(&format!("PRAGMA cache_size = {}", crate::db::SQLITE_CACHE_SIZE)).await?;
        }
        let at = std::time::Instant::now();
        self.tx.commit().await?;
        tracing::debug!(ms = ms(at), "import: committed");
        Ok(Applied { batch_id, summary })
    }
}

/// A plan is applied some time after it was worked out (the preview waits for the user). Inside
/// the applying transaction, check that nobody has since registered one of its new ID numbers or
/// changed one of the members it updates; if so, nothing is applied and the user previews again.
async fn still_as_planned(tx: &DatabaseTransaction, plan: &Plan) -> StoreResult<()> {
    #[derive(FromQueryResult)]
    struct Stamp {
        id: i64,
        updated_at: chrono::DateTime<chrono::Utc>,
    }
    let mut new_idx = Vec::new();
    let mut updated: HashMap<i64, chrono::DateTime<chrono::Utc>> = HashMap::new();
    for item in &plan.items {
        match item {
            PlanItem::New { id_card_idx, .. } => new_idx.push(id_card_idx.clone()),
            PlanItem::Update { before, .. } => {
                updated.insert(before.id.0, before.updated_at);
            }
            PlanItem::Same { .. } => {}
        }
    }
    let mut stale = 0usize;
    for chunk in new_idx.chunks(2000) {
        let q = Query::select()
            .expr_as(Expr::col("id_card_idx").count(), "n")
            .from("member")
            .and_where(Expr::col("id_card_idx").is_in(chunk.to_vec()))
            .take();
        if let Some(r) = tx.query_one(&q).await? {
            stale += usize::try_from(r.try_get::<i64>("", "n")?).unwrap_or(0);
        }
    }
    let ids: Vec<i64> = updated.keys().copied().collect();
    for chunk in ids.chunks(2000) {
        let q = Query::select()
            .columns(["id", "updated_at"])
            .from("member")
            .and_where(Expr::col("id").is_in(chunk.to_vec()))
            .take();
        let rows = tx.query_all(&q).await?;
        stale += chunk.len().saturating_sub(rows.len());
        for r in rows {
            let s = Stamp::from_query_result(&r, "")?;
            if updated.get(&s.id) != Some(&s.updated_at) {
                stale += 1;
            }
        }
    }
    if stale > 0 {
        return Err(StoreError::conflict(
            "import_stale",
            format!(
                "预览之后，文件中有{stale}名党员的信息已被他人登记或修改，本次没有导入任何数据。请重新上传文件，核对预览后再确认。"
            ),
        ));
    }
    Ok(())
}

/// The stored columns of a member, as JSON (encrypted values in hex), for undo.
async fn snapshot(tx: &DatabaseTransaction, id: MemberId) -> StoreResult<String> {
    let q = Query::select().columns(UNDO_COLUMNS).from("member").and_where(Expr::col("id").eq(id.0)).take();
    let row = tx.query_one(&q).await?.ok_or(StoreError::NotFound)?;
    let mut map = serde_json::Map::new();
    for c in UNDO_COLUMNS {
        let v = if c.ends_with("_enc") {
            row.try_get::<Option<Vec<u8>>>("", c)?
                .map(hex::encode)
                .map(serde_json::Value::String)
                .unwrap_or(serde_json::Value::Null)
        } else if c == "org_id" {
            serde_json::json!(row.try_get::<i64>("", c)?)
        } else if matches!(c, "birth_date" | "admitted_on" | "regularized_on") {
            serde_json::json!(row.try_get::<Option<NaiveDate>>("", c)?)
        } else {
            serde_json::json!(row.try_get::<Option<String>>("", c)?)
        };
        map.insert(c.to_string(), v);
    }
    Ok(serde_json::Value::Object(map).to_string())
}
