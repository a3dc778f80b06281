//! Importing a roster from Excel or CSV: plan (match each row to a member by ID-card number,
//! resolve its organization within the scope, work out what changes), preview, apply in one
//! transaction, and undo the last import.
//!
//! Re-importing the same file changes nothing: a row whose member exists with the same values is
//! "unchanged". Nothing outside the importer's scope is created, changed or named.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiceng_exchange::{MemberRow, ParsedImport, RowError, Warning};
use jiceng_types::person::{MemberCategory, MemberStatus};
use jiceng_types::{MemberId, OrgId, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult, Statement};
use serde::Serialize;

use super::model::{Member, MemberRow as StoredRow, ROW_COLUMNS, select_in_scope};
use crate::audit::{self, Action, Entry};
use crate::bulk::{Bulk, Pending, Ty, Val};
use crate::error::{StoreError, StoreResult};
use crate::org::Org;
use crate::{Db, Meta};
use tokio::sync::mpsc::Sender;

/// The header of the organization column, for errors found here (the file's own header is used
/// by the parser for its errors).
const ORG_COLUMN: &str = "所在党支部";
const ORG_CODE_COLUMN: &str = "党组织代码";
const ID_COLUMN: &str = "公民身份号码";

/// One field that an import changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The field's Chinese name.
    pub field: &'static str,
    /// Before.
    pub from: String,
    /// After.
    pub to: String,
}

/// What one valid row will do.
#[derive(Debug, Clone)]
pub enum PlanItem {
    /// Register a new member.
    New {
        /// The row.
        row: MemberRow,
        /// The blind index of its ID number (worked out once, for the match).
        id_card_idx: String,
        /// Its organization.
        org: Org,
    },
    /// Change an existing member.
    Update {
        /// The row.
        row: MemberRow,
        /// Its organization.
        org: Org,
        /// The member as stored.
        before: Box<Member>,
        /// The fields that change.
        changes: Vec<FieldChange>,
    },
    /// Nothing to do: the member already has these values.
    Same {
        /// The row number.
        excel_row: u32,
        /// The member.
        id: MemberId,
    },
}

/// An import worked out but not applied.
#[derive(Debug, Clone)]
pub struct Plan {
    /// What each valid row will do, in file order.
    pub items: Vec<PlanItem>,
    /// Rejected rows (from the parser and from here), by row.
    pub rejected: Vec<RowError>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// The counts of a plan or of an applied import (the JSON of `jiceng import members`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// New members.
    pub imported: u64,
    /// Changed members.
    pub updated: u64,
    /// Members already as in the file.
    pub unchanged: u64,
    /// Every problem of every rejected row.
    pub rejected: Vec<RowError>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

impl Plan {
    /// The counts.
    pub fn summary(&self) -> Summary {
        let count = |f: fn(&PlanItem) -> bool| self.items.iter().filter(|i| f(i)).count() as u64;
        Summary {
            imported: count(|i| matches!(i, PlanItem::New { .. })),
            updated: count(|i| matches!(i, PlanItem::Update { .. })),
            unchanged: count(|i| matches!(i, PlanItem::Same { .. })),
            rejected: self.rejected.clone(),
            warnings: self.warnings.clone(),
        }
    }
}

fn require(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_member_write_right", "您没有维护党员信息的权限"))
    }
}

/// Work out what importing the parsed rows would do. `within`: the organization chosen for the
/// import (`--org`): rows without an organization go there, and rows must be in its subtree.
pub async fn plan(db: &Db, scope: &Scope, parsed: ParsedImport<MemberRow>, within: Option<&Org>) -> StoreResult<Plan> {
    require(scope)?;
    let keys = db.field_keys()?;
    let ParsedImport { rows, mut rejected, warnings } = parsed;
    // Organizations: each distinct text resolved once, within the scope (and `within`). The
    // 党组织代码 column, when filled, decides (names repeat across a county; codes do not).
    let org_text = |r: &MemberRow| r.org_code.clone().unwrap_or_else(|| r.org.clone());
    let mut orgs: HashMap<String, Result<Org, String>> = HashMap::new();
    for r in &rows {
        let text = org_text(r);
        if orgs.contains_key(&text) {
            continue;
        }
        let resolved = if text.trim().is_empty() {
            within.cloned().ok_or_else(|| "请填写所在党组织".to_string())
        } else {
            match crate::org::resolve(db, scope, "org", &text).await? {
                Ok(o) => match within {
                    Some(w) if !w.path.contains(&o.path) => Err(format!("“{}”不在所选组织“{}”之下", text, w.name)),
                    _ => Ok(o),
                },
                Err(e) => Err(e.message),
            }
        };
        orgs.insert(text, resolved);
    }
    // Existing members with the same ID numbers, anywhere in the county.
    let indexes: Vec<String> = rows.iter().map(|r| keys.blind_index(r.id_card.as_str())).collect();
    let existing = existing_by_index(db, &indexes).await?;
    let mut items = Vec::with_capacity(rows.len());
    for (r, idx) in rows.into_iter().zip(indexes) {
        let org = match orgs.get(&org_text(&r)) {
            Some(Ok(o)) => o.clone(),
            Some(Err(reason)) => {
                let column = if r.org_code.is_some() { ORG_CODE_COLUMN } else { ORG_COLUMN };
                rejected.push(RowError { row: r.excel_row, column: column.into(), reason: reason.clone() });
                continue;
            }
            None => continue,
        };
        match existing.get(&idx) {
            Some(Existing::Duplicate) => {
                rejected.push(RowError {
                    row: r.excel_row,
                    column: ID_COLUMN.into(),
                    reason: "该身份证号在系统中登记了不止一条记录，请先在“数据质量”中处理重复登记".into(),
                });
            }
            None => {
                let missing: Vec<&str> = [("民族", r.ethnicity.is_none()), ("学历", r.education.is_none())]
                    .iter()
                    .filter(|(_, m)| *m)
                    .map(|(n, _)| *n)
                    .collect();
                if missing.is_empty() {
                    items.push(PlanItem::New { row: r, id_card_idx: idx, org });
                } else {
                    for m in missing {
                        rejected.push(RowError {
                            row: r.excel_row,
                            column: m.into(),
                            reason: format!("新登记的党员须填写{m}"),
                        });
                    }
                }
            }
            Some(Existing::One(found, found_phone)) => {
                if !scope.contains(&found.org_path) {
                    rejected.push(RowError {
                        row: r.excel_row,
                        column: ID_COLUMN.into(),
                        reason: "该身份证号已在其他党组织登记（不在您的管辖范围内），请通过组织关系转接办理".into(),
                    });
                    continue;
                }
                if found.status == MemberStatus::Left {
                    rejected.push(RowError {
                        row: r.excel_row,
                        column: ID_COLUMN.into(),
                        reason: format!("{}已出党，不能通过导入恢复", found.name),
                    });
                    continue;
                }
                let phone_idx = r.phone.as_ref().map(|p| keys.blind_index(p.as_str()));
                let changes = diff(found, &r, &org, phone_idx.as_deref(), found_phone.as_deref());
                if changes.is_empty() {
                    items.push(PlanItem::Same { excel_row: r.excel_row, id: found.id });
                } else {
                    if found.category == MemberCategory::Full && r.category == MemberCategory::Probationary {
                        rejected.push(RowError {
                            row: r.excel_row,
                            column: "人员类别".into(),
                            reason: "正式党员不能改为预备党员".into(),
                        });
                        continue;
                    }
                    items.push(PlanItem::Update { row: r, org, before: found.clone(), changes });
                }
            }
        }
    }
    rejected.sort_by_key(|e| e.row);
    Ok(Plan { items, rejected, warnings })
}

/// What the database holds for one ID number.
enum Existing {
    /// The member and the blind index of their phone.
    One(Box<Member>, Option<String>),
    Duplicate,
}

/// Members (not necessarily in scope) by blind index, in chunks, each chunk's rows decoded
/// through one JSON value.
async fn existing_by_index(db: &Db, indexes: &[String]) -> StoreResult<HashMap<String, Existing>> {
    #[derive(serde::Deserialize)]
    struct Found {
        #[serde(flatten)]
        row: StoredRow,
        id_card_idx: Option<String>,
        phone_idx: Option<String>,
    }
    let mut columns: Vec<&str> = ROW_COLUMNS.to_vec();
    columns.extend(["id_card_idx", "phone_idx"]);
    let mut out = HashMap::new();
    for chunk in indexes.chunks(2000) {
        let q = select_in_scope(&Scope::cli())
            .expr_as(Expr::col(("m", "id_card_idx")), "id_card_idx")
            .expr_as(Expr::col(("m", "phone_idx")), "phone_idx")
            .and_where(Expr::col(("m", "id_card_idx")).is_in(chunk.to_vec()))
            .take();
        let mut found: Vec<Found> = crate::sql::fetch_json(db.conn(), &q, &columns).await?;
        // In id order, so that which record wins below does not depend on the database.
        found.sort_by_key(|f| f.row.id);
        for Found { row, id_card_idx, phone_idx } in found {
            let idx = id_card_idx.unwrap_or_default();
            let m = Member::try_from(row)?;
            // A current record wins over one of a member who left; two current records of one
            // number are a duplicate the county must resolve first.
            match out.get_mut(&idx) {
                None => {
                    out.insert(idx, Existing::One(Box::new(m), phone_idx));
                }
                Some(Existing::One(prev, prev_phone)) if prev.status == MemberStatus::Left => {
                    **prev = m;
                    *prev_phone = phone_idx;
                }
                Some(slot @ Existing::One(..)) if m.status != MemberStatus::Left => *slot = Existing::Duplicate,
                Some(_) => {}
            }
        }
    }
    Ok(out)
}

fn show_date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// The fields the row changes. Fields the row leaves empty keep their stored values.
fn diff(
    m: &Member,
    r: &MemberRow,
    org: &Org,
    phone_idx: Option<&str>,
    stored_phone_idx: Option<&str>,
) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut push = |field: &'static str, from: String, to: String| {
        if from != to {
            out.push(FieldChange { field, from, to });
        }
    };
    push("姓名", m.name.clone(), r.name.as_str().to_string());
    push("性别", m.gender.label().into(), r.gender.label().into());
    if let Some(e) = r.ethnicity {
        push("民族", m.ethnicity.clone(), e.into());
    }
    push("出生日期", m.birth_date.to_string(), r.birth_date.to_string());
    if let Some(e) = r.education {
        push("学历", m.education.label().into(), e.label().into());
    }
    if let (Some(new), Some(p)) = (phone_idx, &r.phone)
        && Some(new) != stored_phone_idx
    {
        push("手机号码", m.phone_masked.clone().unwrap_or_default(), p.masked());
    }
    push("人员类别", m.category.label().into(), r.category.label().into());
    push("入党日期", m.admitted_on.to_string(), r.admitted_on.to_string());
    if r.regularized_on.is_some() {
        push("转正日期", show_date(m.regularized_on), show_date(r.regularized_on));
    }
    // By organization, not by name: a county has many 第一党支部; same names are told apart by code.
    if m.org_id != org.id {
        if m.org_name == org.name {
            push("所在党组织", format!("{}（{}）", m.org_name, m.org_code), format!("{}（{}）", org.name, org.code));
        } else {
            push("所在党组织", m.org_name.clone(), org.name.clone());
        }
    }
    if let Some(p) = &r.post {
        push("工作岗位", m.work_post.clone().unwrap_or_default(), p.clone());
    }
    if let Some(p) = &r.residence {
        push("户籍/居住地", m.residence.clone().unwrap_or_default(), p.clone());
    }
    out
}

/// The result of an applied import.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    /// The import batch (for undo).
    pub batch_id: i64,
    /// The counts.
    pub summary: Summary,
}

/// The encrypted, indexed and masked numbers of a new row.
struct Sealed {
    id_enc: Vec<u8>,
    id_idx: String,
    id_masked: String,
    phone_enc: Option<Vec<u8>>,
    phone_idx: Option<String>,
    phone_masked: Option<String>,
    pinyin: jiceng_types::PinyinKey,
}

fn seal_row(keys: &crate::crypto::FieldKeys, r: &MemberRow, id_card_idx: &str) -> Sealed {
    let phone = r.phone.as_ref();
    Sealed {
        id_enc: keys.encrypt(r.id_card.as_str()),
        id_idx: id_card_idx.to_string(),
        id_masked: r.id_card.masked(),
        phone_enc: phone.map(|p| keys.encrypt(p.as_str())),
        phone_idx: phone.map(|p| keys.blind_index(p.as_str())),
        phone_masked: phone.map(|p| p.masked()),
        pinyin: jiceng_types::PinyinKey::of_person(r.name.as_str()),
    }
}

/// The columns of a new member written by an import.
const NEW_MEMBER: &[(&str, Ty)] = &[
    ("id", Ty::Int),
    ("org_id", Ty::Int),
    ("name", Ty::Text),
    ("name_pinyin", Ty::Text),
    ("name_initials", Ty::Text),
    ("gender", Ty::Text),
    ("ethnicity", Ty::Text),
    ("birth_date", Ty::Date),
    ("education", Ty::Text),
    ("category", Ty::Text),
    ("admitted_on", Ty::Date),
    ("regularized_on", Ty::Date),
    ("work_post", Ty::Text),
    ("residence", Ty::Text),
    ("id_card_enc", Ty::Bytes),
    ("id_card_idx", Ty::Text),
    ("id_card_masked", Ty::Text),
    ("phone_enc", Ty::Bytes),
    ("phone_idx", Ty::Text),
    ("phone_masked", Ty::Text),
    ("status", Ty::Text),
    ("without_post", Ty::Bool),
    ("created_at", Ty::Time),
    ("updated_at", Ty::Time),
];

const IMPORT_CHANGE: &[(&str, Ty)] =
    &[("batch_id", Ty::Int), ("object_type", Ty::Text), ("object_id", Ty::Int), ("before", Ty::Text)];

const MEMBER_EVENT: &[(&str, Ty)] = &[
    ("member_id", Ty::Int),
    ("org_id", Ty::Int),
    ("kind", Ty::Text),
    ("happened_on", Ty::Date),
    ("detail", Ty::Text),
    ("recorded_by", Ty::Text),
    ("recorded_at", Ty::Time),
];

/// Imports of more rows than this get a larger SQLite page cache (512 MB) while they are applied.
const BIG_IMPORT: u64 = 200_000;

/// New members are sealed and written this many at a time, so that memory stays flat however
/// large the file.
const CHUNK: usize = 2000;

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
        let keys = db.field_keys()?;
        let summary = plan.summary();
        let now = crate::now();
        let today = now.date_naive();
        let tx = db.begin_write().await?;
        still_as_planned(&tx, &plan).await?;
        // A very large import writes into every page of the member indexes (ID and phone indexes
        // are random); on SQLite, with the usual 16 MB page cache, pages would be spilled to the
        // WAL and read back again and again. Such an import gets a larger cache while it runs.
        let big_cache = db.backend() == crate::Backend::Sqlite && summary.imported + summary.updated > BIG_IMPORT;
        if big_cache {
            tx.execute_unprepared("PRAGMA cache_size = -524288").await?;
        }
        let rebuild = MemberIndexes::drop_for(db, &tx, summary.imported).await?;
        let batch = crate::sql::insert_row(
            "import_batch",
            vec![
                ("kind", "members".into()),
                ("file_name", file_name.chars().take(200).collect::<String>().into()),
                ("org_id", scope.actor().org_id.map(|o| o.0).into()),
                ("user_id", scope.user_id().map(|u| u.0).into()),
                ("created_by", scope.actor().username.clone().into()),
                ("created_at", now.into()),
                ("imported", i64::try_from(summary.imported).unwrap_or(0).into()),
                ("updated", i64::try_from(summary.updated).unwrap_or(0).into()),
                ("unchanged", i64::try_from(summary.unchanged).unwrap_or(0).into()),
                ("rejected", i64::try_from(summary.rejected.len()).unwrap_or(0).into()),
            ],
        )
        .returning_col("id")
        .take();
        let batch_id: i64 = tx.query_one(&batch).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?.try_get("", "id")?;
        let audit = audit::Appender::begin(&tx, scope, meta, summary.imported as usize + summary.updated as usize + 1).await?;
        let mut changes_rows = Bulk::new(&tx, "import_change", IMPORT_CHANGE);
        let mut events = Bulk::new(&tx, "member_event", MEMBER_EVENT);
        let by = scope.actor().username.as_str();
        // New members: ids reserved up front; a thread seals them and prepares their rows (the
        // member, its history event, its undo record, its chained audit record) chunk by
        // chunk, while the rows prepared before are written here.
        let (new_items, others): (Vec<PlanItem>, Vec<PlanItem>) =
            plan.items.into_iter().partition(|i| matches!(i, PlanItem::New { .. }));
        let ids = crate::sql::reserve_ids(&tx, "member", new_items.len()).await?;
        let job = NewMembers {
            items: new_items,
            ids,
            keys: keys.clone(),
            backend: tx.get_database_backend(),
            batch_id,
            file_name: file_name.to_string(),
            by: by.to_string(),
            now,
        };
        let (sender, mut prepared) = tokio::sync::mpsc::channel::<Pending>(6);
        let preparing = std::thread::spawn(move || job.prepare(audit, sender));
        // Until the thread is done (or failed): either way it drops the sender.
        while let Some(rows) = prepared.recv().await {
            rows.write(&tx).await?;
        }
        let (mut audit, mut deltas) =
            preparing.join().map_err(|_| StoreError::Corrupt("the import's preparing thread failed".into()))??;
        for item in &others {
            match item {
                PlanItem::New { .. } => {}
                PlanItem::Update { row, org, before, changes } => {
                    let before_json = snapshot(&tx, before.id).await?;
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
                        let old = crate::org::fetch_one(&tx, &crate::org::select_for_write(&Scope::cli(), before.org_id)).await?.ok_or(StoreError::NotFound)?;
                        deltas.entry(old.id).or_insert_with(|| (old.clone(), 0)).1 -= 1;
                        deltas.entry(org.id).or_insert_with(|| (org.clone(), 0)).1 += 1;
                    }
                    changes_rows.push(&[batch_id.into(), "member".into(), before.id.0.into(), before_json.as_str().into()])?;
                    let detail = serde_json::to_value(changes).unwrap_or_default();
                    let event = serde_json::json!({ "file": file_name, "row": row.excel_row, "changes": detail }).to_string();
                    events.push(&[
                        before.id.0.into(),
                        org.id.0.into(),
                        "updated".into(),
                        today.into(),
                        event.as_str().into(),
                        by.into(),
                        now.into(),
                    ])?;
                    audit.push(
                        Entry::new(Action::Update, "member", Some(before.id.to_string()))
                            .in_org(&org.path)
                            .changes(serde_json::json!({ "changes": detail, "import_batch": batch_id })),
                    )?;
                    if events.pending() >= CHUNK {
                        events.flush(&tx).await?;
                        changes_rows.flush(&tx).await?;
                        audit.flush_if_full(&tx).await?;
                    }
                }
                PlanItem::Same { .. } => {}
            }
        }
        for (_, (org, delta)) in deltas {
            super::write::count_members(&tx, &org, delta).await?;
        }
        events.flush(&tx).await?;
        changes_rows.flush(&tx).await?;
        audit.push(Entry::new(Action::Create, "import", Some(batch_id.to_string())).changes(serde_json::json!({
            "file": file_name, "imported": summary.imported, "updated": summary.updated, "unchanged": summary.unchanged, "rejected": summary.rejected.len(),
        })))?;
        audit.finish(&tx).await?;
        rebuild.restore(&tx).await?;
        if big_cache {
            tx.execute_unprepared(&format!("PRAGMA cache_size = {}", crate::db::SQLITE_CACHE_SIZE)).await?;
        }
        tx.commit().await?;
        Ok(Applied { batch_id, summary })
    })
    .await
}

/// Imports that add at least this many members, and at least half as many as the member table
/// holds, write the table without its secondary indexes (SQLite).
const REBUILD_MIN: u64 = 5000;

/// The member table's secondary indexes, dropped for a large import and built again (by
/// sorting) before it commits, in the same transaction. Inserting a member touches a random
/// page of each of the ID, phone and name indexes; building an index once is far cheaper when
/// the import is large relative to the table (measured in docs/performance.md). Under SQLite's
/// WAL every reader keeps seeing the indexes until the import commits with them rebuilt. Not on
/// PostgreSQL, where dropping an index would lock the table against readers.
struct MemberIndexes {
    /// The `CREATE INDEX` statements of the dropped indexes, as the schema holds them.
    dropped: Vec<String>,
}

impl MemberIndexes {
    async fn drop_for(db: &Db, tx: &DatabaseTransaction, imported: u64) -> StoreResult<MemberIndexes> {
        let none = MemberIndexes { dropped: Vec::new() };
        if db.backend() != crate::Backend::Sqlite || imported < REBUILD_MIN {
            return Ok(none);
        }
        let backend = tx.get_database_backend();
        let count = tx
            .query_one_raw(Statement::from_string(backend, "SELECT COUNT(*) AS n FROM member"))
            .await?
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if imported.saturating_mul(2) < u64::try_from(count).unwrap_or(0) {
            return Ok(none);
        }
        let rows = tx
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'member' AND sql IS NOT NULL",
            ))
            .await?;
        let mut dropped = Vec::with_capacity(rows.len());
        for r in rows {
            let name: String = r.try_get("", "name")?;
            let sql: String = r.try_get("", "sql")?;
            tx.execute_unprepared(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\""))).await?;
            dropped.push(sql);
        }
        // The statement journals of the bulk inserts and the sorts that rebuild the indexes
        // stay in memory instead of temporary files.
        // Only a hint: SQLite refuses the change while a temporary table is open, which does not
        // make the import wrong.
        if !dropped.is_empty() {
            let _ = tx.execute_unprepared("PRAGMA temp_store = MEMORY").await;
        }
        Ok(MemberIndexes { dropped })
    }

    /// Build the dropped indexes again.
    async fn restore(self, tx: &DatabaseTransaction) -> StoreResult<()> {
        if self.dropped.is_empty() {
            return Ok(());
        }
        for sql in &self.dropped {
            tx.execute_unprepared(sql).await?;
        }
        let _ = tx.execute_unprepared("PRAGMA temp_store = DEFAULT").await;
        Ok(())
    }
}

/// The new members of an import, prepared for writing on a thread of their own.
struct NewMembers {
    items: Vec<PlanItem>,
    ids: Vec<i64>,
    keys: crate::crypto::FieldKeys,
    backend: sea_orm::DbBackend,
    batch_id: i64,
    file_name: String,
    by: String,
    now: chrono::DateTime<chrono::Utc>,
}

/// The member rows' changes of organization counts.
type Deltas = HashMap<OrgId, (Org, i64)>;

impl NewMembers {
    /// Seal and lay out the rows, [`CHUNK`] members at a time (members before the rows that
    /// refer to them), sending each statement's rows as soon as they are ready; audit records
    /// are chained onto `audit`, which comes back with the organization counts' changes.
    /// On an error the thread stops, which closes `out`: the writer then learns the error
    /// from the thread's result.
    fn prepare(self, mut audit: audit::Appender, out: Sender<Pending>) -> StoreResult<(audit::Appender, Deltas)> {
        let deltas = self.prepare_rows(&mut audit, &out)?;
        Ok((audit, deltas))
    }

    fn prepare_rows(&self, audit: &mut audit::Appender, out: &Sender<Pending>) -> StoreResult<Deltas> {
        let NewMembers { items, ids, keys, backend, batch_id, file_name, by, now } = self;
        let (batch_id, now) = (*batch_id, *now);
        let mut members = Bulk::for_backend(*backend, "member", NEW_MEMBER);
        let mut changes_rows = Bulk::for_backend(*backend, "import_change", IMPORT_CHANGE);
        let mut events = Bulk::for_backend(*backend, "member_event", MEMBER_EVENT);
        let mut deltas = Deltas::new();
        let send = |p: Option<Pending>| -> StoreResult<()> {
            match p {
                Some(p) => out.blocking_send(p).map_err(|_| StoreError::Corrupt("the import's writer stopped".into())),
                None => Ok(()),
            }
        };
        let new_items: Vec<(&MemberRow, &str, &Org)> = items
            .iter()
            .filter_map(|i| match i {
                PlanItem::New { row, id_card_idx, org } => Some((row, id_card_idx.as_str(), org)),
                _ => None,
            })
            .collect();
        for (chunk, ids) in new_items.chunks(CHUNK).zip(ids.chunks(CHUNK)) {
            let sealed = crate::crypto::on_all_cores(chunk, |(row, idx, _)| seal_row(keys, row, idx));
            for (((row, _, org), id), z) in chunk.iter().zip(ids).zip(&sealed) {
                members.push(&[
                    (*id).into(),
                    org.id.0.into(),
                    row.name.as_str().into(),
                    z.pinyin.full.as_str().into(),
                    z.pinyin.initials.as_str().into(),
                    row.gender.key().into(),
                    row.ethnicity.into(),
                    row.birth_date.into(),
                    row.education.map(|e| e.key()).into(),
                    row.category.key().into(),
                    row.admitted_on.into(),
                    row.regularized_on.into(),
                    row.post.as_deref().into(),
                    row.residence.as_deref().into(),
                    z.id_enc.as_slice().into(),
                    z.id_idx.as_str().into(),
                    z.id_masked.as_str().into(),
                    z.phone_enc.as_deref().into(),
                    z.phone_idx.as_deref().into(),
                    z.phone_masked.as_deref().into(),
                    MemberStatus::Active.key().into(),
                    false.into(),
                    now.into(),
                    now.into(),
                ])?;
                deltas.entry(org.id).or_insert_with(|| ((*org).clone(), 0)).1 += 1;
                changes_rows.push(&[batch_id.into(), "member".into(), (*id).into(), Val::Null])?;
                let detail = serde_json::json!({ "file": file_name, "row": row.excel_row }).to_string();
                events.push(&[
                    (*id).into(),
                    org.id.0.into(),
                    "imported".into(),
                    row.admitted_on.into(),
                    detail.as_str().into(),
                    by.as_str().into(),
                    now.into(),
                ])?;
                audit.push(Entry::new(Action::Create, "member", Some(id.to_string())).in_org(&org.path).changes(serde_json::json!({
                    "name": { "to": row.name.as_str() }, "id_card": { "to": z.id_masked }, "org": { "to": org.name }, "import_batch": batch_id,
                })))?;
            }
            send(members.take()?)?;
            send(events.take()?)?;
            send(changes_rows.take()?)?;
            send(audit.take_if_full()?)?;
        }
        Ok(deltas)
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

/// The columns an import can change, which an undo restores.
const UNDO_COLUMNS: [&str; 18] = [
    "org_id",
    "name",
    "name_pinyin",
    "name_initials",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "category",
    "admitted_on",
    "regularized_on",
    "work_post",
    "residence",
    "phone_enc",
    "phone_idx",
    "phone_masked",
    "id_card_masked",
    "status",
];

/// The last import of this account that can still be undone.
#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct Batch {
    /// Id.
    pub id: i64,
    /// File name.
    pub file_name: String,
    /// When.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// New members.
    pub imported: i64,
    /// Changed members.
    pub updated: i64,
}

/// The caller's last import that has not been undone.
pub async fn last_batch(db: &Db, scope: &Scope) -> StoreResult<Option<Batch>> {
    let mut q = Query::select()
        .columns(["id", "file_name", "created_at", "imported", "updated"])
        .from("import_batch")
        .and_where(Expr::col("kind").eq("members"))
        .and_where(Expr::col("undone_at").is_null())
        .order_by("id", Order::Desc)
        .limit(1)
        .take();
    match scope.user_id() {
        Some(u) => q.and_where(Expr::col("user_id").eq(u.0)),
        None => q.and_where(Expr::col("user_id").is_null()),
    };
    Ok(match db.conn().query_one(&q).await? {
        Some(r) => Some(Batch::from_query_result(&r, "")?),
        None => None,
    })
}

/// Undo the caller's last import: members it created are removed (refused if they have changed
/// since), members it changed get their earlier values back.
pub async fn undo_last(db: &Db, scope: &Scope, meta: &Meta) -> StoreResult<Batch> {
    audit::recording_denial(db, scope, meta, "import", None, async {
        require(scope)?;
        let batch = last_batch(db, scope)
            .await?
            .ok_or_else(|| StoreError::conflict("nothing_to_undo", "没有可以撤销的导入"))?;
        let tx = db.begin_write().await?;
        #[derive(FromQueryResult)]
        struct Change {
            object_id: i64,
            before: Option<String>,
        }
        let q = Query::select()
            .columns(["object_id", "before"])
            .from("import_change")
            .and_where(Expr::col("batch_id").eq(batch.id))
            .take();
        let changes: Vec<Change> =
            tx.query_all(&q).await?.iter().map(|r| Change::from_query_result(r, "")).collect::<Result<_, _>>()?;
        let mut entries = Vec::new();
        for c in changes {
            let m = super::write::load(&tx, &Scope::cli(), MemberId(c.object_id)).await?;
            if !scope.contains(&m.org_path) {
                return Err(StoreError::conflict("out_of_scope", "导入涉及的党员已不在您的管辖范围内，不能撤销"));
            }
            if m.updated_at > batch.created_at + chrono::Duration::seconds(5) {
                return Err(StoreError::conflict(
                    "changed_since",
                    format!("{}的信息在导入后又有修改，不能撤销此次导入", m.name),
                ));
            }
            let org = crate::org::fetch_one(&tx, &crate::org::select_for_write(&Scope::cli(), m.org_id))
                .await?
                .ok_or(StoreError::NotFound)?;
            match c.before {
                None => {
                    for t in ["member_event", "import_change"] {
                        let col = if t == "member_event" { "member_id" } else { "object_id" };
                        tx.execute(&Query::delete().from_table(t).and_where(Expr::col(col).eq(m.id.0)).take()).await?;
                    }
                    tx.execute(&Query::delete().from_table("member").and_where(Expr::col("id").eq(m.id.0)).take())
                        .await?;
                    if m.status == MemberStatus::Active {
                        super::write::count_members(&tx, &org, -1).await?;
                    }
                    entries.push(
                        Entry::new(Action::Delete, "member", Some(m.id.to_string()))
                            .in_org(&m.org_path)
                            .changes(serde_json::json!({ "undo_import": batch.id, "name": m.name })),
                    );
                }
                Some(before) => {
                    let before: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_str(&before).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    let mut q = Query::update();
                    q.table("member").and_where(Expr::col("id").eq(m.id.0)).value("updated_at", crate::now());
                    for (col, v) in &before {
                        let val: SimpleExpr = match (col.as_str(), v) {
                            (c, serde_json::Value::String(h)) if c.ends_with("_enc") => {
                                hex::decode(h).map_err(|e| StoreError::Corrupt(e.to_string()))?.into()
                            }
                            (c, serde_json::Value::Null) if c.ends_with("_enc") => Option::<Vec<u8>>::None.into(),
                            ("org_id", v) => v.as_i64().unwrap_or(m.org_id.0).into(),
                            ("birth_date" | "admitted_on" | "regularized_on", serde_json::Value::String(s)) => {
                                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                                    .map_err(|e| StoreError::Corrupt(e.to_string()))?
                                    .into()
                            }
                            ("regularized_on", serde_json::Value::Null) => Option::<NaiveDate>::None.into(),
                            (_, serde_json::Value::String(s)) => s.clone().into(),
                            (_, _) => Option::<String>::None.into(),
                        };
                        q.value(col.clone(), val);
                    }
                    tx.execute(&q).await?;
                    let old_org = before.get("org_id").and_then(|v| v.as_i64()).map(OrgId).unwrap_or(m.org_id);
                    if old_org != m.org_id && m.status == MemberStatus::Active {
                        super::write::count_members(&tx, &org, -1).await?;
                        let back = crate::org::fetch_one(&tx, &crate::org::select_for_write(&Scope::cli(), old_org))
                            .await?
                            .ok_or(StoreError::NotFound)?;
                        super::write::count_members(&tx, &back, 1).await?;
                    }
                    super::write::event(
                        &tx,
                        scope,
                        m.id,
                        Some(old_org),
                        "updated",
                        crate::now().date_naive(),
                        serde_json::json!({ "undo_import": batch.id }),
                    )
                    .await?;
                    entries.push(
                        Entry::new(Action::Update, "member", Some(m.id.to_string()))
                            .in_org(&m.org_path)
                            .changes(serde_json::json!({ "undo_import": batch.id })),
                    );
                }
            }
        }
        let q = Query::update()
            .table("import_batch")
            .value("undone_at", crate::now())
            .value("undone_by", scope.actor().username.clone())
            .and_where(Expr::col("id").eq(batch.id))
            .take();
        tx.execute(&q).await?;
        entries.push(
            Entry::new(Action::Delete, "import", Some(batch.id.to_string()))
                .changes(serde_json::json!({ "undone": batch.file_name })),
        );
        audit::append_many(&tx, scope, meta, entries).await?;
        tx.commit().await?;
        Ok(batch)
    })
    .await
}
