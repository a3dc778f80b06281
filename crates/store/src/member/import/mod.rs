//! Importing a roster from Excel or CSV: plan (match each row to a member by ID-card number,
//! resolve its organization within the scope, work out what changes), preview, apply in one
//! transaction, and undo the last import.
//!
//! Re-importing the same file changes nothing: a row whose member exists with the same values is
//! "unchanged". Nothing outside the importer's scope is created, changed or named.

mod apply;
mod prepare;

use std::collections::HashMap;

use chrono::NaiveDate;
use jiceng_exchange::{MemberRow, ParsedImport, RowError, Warning};
use jiceng_types::person::{MemberCategory, MemberStatus};
use jiceng_types::{MemberId, OrgId, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

use super::model::{Member, MemberRow as StoredRow, ROW_COLUMNS, select_in_scope};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::org::Org;
use crate::{Db, Meta};

pub use apply::{Applied, FEED_ROWS, Feed, apply, import_streaming};

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
    /// The length of the audit trail when the plan was worked out (read before anything
    /// else): if it is the same when the plan is applied, nothing has changed in between.
    pub as_of: i64,
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
    let as_of = audit::head_seq(db.conn()).await?;
    let ParsedImport { rows, mut rejected, warnings } = parsed;
    let items = Planner::new(db, within)?.plan_rows(db, scope, rows, &mut rejected).await?;
    rejected.sort_by_key(|e| e.row);
    Ok(Plan { items, rejected, warnings, as_of })
}

/// Works out what rows do, a batch at a time (a streamed import plans each batch as it comes),
/// remembering the organizations already resolved.
pub(crate) struct Planner<'a> {
    keys: crate::crypto::FieldKeys,
    within: Option<&'a Org>,
    orgs: HashMap<String, Result<Org, String>>,
}

/// The organization text of a row: the 党组织代码 column, when filled, decides (names repeat
/// across a county; codes do not).
fn org_text(r: &MemberRow) -> &str {
    r.org_code.as_deref().unwrap_or(&r.org)
}

impl<'a> Planner<'a> {
    pub(crate) fn new(db: &Db, within: Option<&'a Org>) -> StoreResult<Self> {
        Ok(Planner { keys: db.field_keys()?.clone(), within, orgs: HashMap::new() })
    }

    /// What these rows do; the rows that cannot be imported go to `rejected`.
    pub(crate) async fn plan_rows(
        &mut self,
        db: &Db,
        scope: &Scope,
        rows: Vec<MemberRow>,
        rejected: &mut Vec<RowError>,
    ) -> StoreResult<Vec<PlanItem>> {
        let keys = &self.keys;
        // Organizations: each distinct text resolved once, within the scope (and `within`).
        let unknown: Vec<String> =
            rows.iter().map(org_text).filter(|t| !self.orgs.contains_key(*t)).map(String::from).collect();
        if !unknown.is_empty() {
            let found = crate::org::resolve_for_import(db, scope, unknown, self.within, "请填写所在党组织").await?;
            self.orgs.extend(found);
        }
        let orgs = &self.orgs;
        // Existing members with the same ID numbers, anywhere in the county.
        let indexes: Vec<String> = crate::crypto::on_all_cores(&rows, |r| keys.blind_index(r.id_card.as_str()));
        let existing = existing_by_index(db, &indexes).await?;
        let mut items = Vec::with_capacity(rows.len());
        for (r, idx) in rows.into_iter().zip(indexes) {
            let org = match orgs.get(org_text(&r)) {
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
        Ok(items)
    }
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
                            (c, serde_json::Value::String(s)) if c.ends_with("_idx") => {
                                crate::crypto::current_blind_index(s).to_string().into()
                            }
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
