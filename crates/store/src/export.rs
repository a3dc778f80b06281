//! Exports of the lists (members, organizations) to `.xlsx` or `.csv`, with the current filters,
//! in the import templates' layout so that an export can be edited and imported back. Personal
//! numbers are masked unless the caller may see them; every export is audited.

use jiceng_exchange::{Cell, write_csv, write_xlsx};
use jiceng_types::{MemberId, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::member::{Member, MemberFilter};
use crate::org::{ListFilter, Org};
use crate::{Db, Meta};

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Excel workbook.
    Xlsx,
    /// UTF-8 CSV with a byte-order mark (opens in Excel).
    Csv,
}

impl Format {
    /// From a file name or a query value (`xlsx`, `csv`).
    pub fn parse(s: &str) -> Option<Format> {
        let s = s.to_ascii_lowercase();
        if s.ends_with("csv") {
            Some(Format::Csv)
        } else if s.ends_with("xlsx") {
            Some(Format::Xlsx)
        } else {
            None
        }
    }

    /// The file extension.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

fn require(scope: &Scope, read: Right) -> StoreResult<()> {
    if !scope.can(Right::Export) || !scope.can(read) {
        return Err(StoreError::forbidden("no_export_right", "您没有导出此名单的权限"));
    }
    Ok(())
}

fn write(sheet: &jiceng_exchange::SheetSpec, rows: Vec<Vec<Cell>>, format: Format) -> StoreResult<Vec<u8>> {
    match format {
        Format::Csv => Ok(write_csv(sheet, rows)),
        Format::Xlsx => write_xlsx(sheet, rows).map_err(|e| StoreError::Corrupt(format!("xlsx: {e}"))),
    }
}

/// The members matching the filter, as a file in the member template's layout. Returns the file
/// and the number of members. ID-card and phone numbers appear in full only for callers who may
/// reveal them.
pub async fn members(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    filter: &MemberFilter,
    format: Format,
) -> StoreResult<(Vec<u8>, usize)> {
    audit::recording_denial(db, scope, meta, "member", None, async {
        require(scope, Right::ReadMembers)?;
        let full = scope.can(Right::RevealSensitive);
        let mut all: Vec<Member> = Vec::new();
        let mut page = 1;
        loop {
            let p = crate::member::list(db, scope, filter, page, 500).await?;
            let done = p.items.len() < 500;
            all.extend(p.items);
            if done {
                break;
            }
            page += 1;
        }
        let numbers = if full { decrypt_numbers(db, &all).await? } else { Default::default() };
        let rows: Vec<Vec<Cell>> = all
            .iter()
            .map(|m| {
                let (id, phone) = match numbers.get(&m.id) {
                    Some((id, phone)) => (id.clone(), phone.clone()),
                    None => (m.id_card_masked.clone(), m.phone_masked.clone()),
                };
                vec![
                    Cell::text(m.name.as_str()),
                    Cell::text(m.gender.label()),
                    Cell::text(m.ethnicity.as_str()),
                    Cell::Date(m.birth_date),
                    Cell::opt_text(id),
                    Cell::text(m.education.label()),
                    Cell::opt_text(phone),
                    Cell::text(m.category.label()),
                    Cell::Date(m.admitted_on),
                    Cell::opt_date(m.regularized_on),
                    Cell::text(m.org_name.as_str()),
                    Cell::opt_text(m.work_post.as_deref()),
                    Cell::opt_text(m.residence.as_deref()),
                    Cell::text(m.org_code.as_str()),
                ]
            })
            .collect();
        let bytes = write(&jiceng_exchange::member::sheet_spec(), rows, format)?;
        let entry = Entry::new(Action::Export, "member", None).changes(serde_json::json!({
            "rows": all.len(), "format": format.ext(), "unmasked": full, "q": filter.q, "org_id": filter.org_id, "show": filter.show.key(),
        }));
        audit::record(db, scope, meta, entry).await?;
        Ok((bytes, all.len()))
    })
    .await
}

async fn decrypt_numbers(
    db: &Db,
    members: &[Member],
) -> StoreResult<std::collections::HashMap<MemberId, (Option<String>, Option<String>)>> {
    #[derive(FromQueryResult)]
    struct Enc {
        id: i64,
        id_card_enc: Option<Vec<u8>>,
        phone_enc: Option<Vec<u8>>,
    }
    let keys = db.field_keys()?;
    let mut out = std::collections::HashMap::with_capacity(members.len());
    for chunk in members.chunks(500) {
        let ids: Vec<i64> = chunk.iter().map(|m| m.id.0).collect();
        let q = Query::select()
            .columns(["id", "id_card_enc", "phone_enc"])
            .from("member")
            .and_where(Expr::col("id").is_in(ids))
            .take();
        for r in db.conn().query_all(&q).await? {
            let e = Enc::from_query_result(&r, "")?;
            let open = |v: Option<Vec<u8>>| -> StoreResult<Option<String>> {
                v.map(|b| keys.decrypt(&b).map_err(|e| StoreError::Corrupt(e.to_string()))).transpose()
            };
            out.insert(MemberId(e.id), (open(e.id_card_enc)?, open(e.phone_enc)?));
        }
    }
    Ok(out)
}

/// The organizations matching the filter, as a file in the organization template's layout.
pub async fn orgs(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    filter: &ListFilter,
    format: Format,
) -> StoreResult<(Vec<u8>, usize)> {
    audit::recording_denial(db, scope, meta, "org", None, async {
        require(scope, Right::ReadOrgs)?;
        let mut all: Vec<Org> = Vec::new();
        let mut page = 1;
        let filter = ListFilter { sort: crate::org::Sort::Tree, ..filter.clone() };
        loop {
            let p = crate::org::list(db, scope, &filter, page, 500).await?;
            let done = p.items.len() < 500;
            all.extend(p.items);
            if done {
                break;
            }
            page += 1;
        }
        let codes: std::collections::HashMap<i64, String> = all.iter().map(|o| (o.id.0, o.code.clone())).collect();
        let mut parents: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
        for o in &all {
            if let Some(p) = o.parent_id
                && !codes.contains_key(&p.0)
                && !parents.contains_key(&p.0)
            {
                let name = crate::org::fetch_one(db.conn(), &crate::org::select_for_write(&Scope::cli(), p))
                    .await?
                    .map(|p| p.code)
                    .unwrap_or_default();
                parents.insert(p.0, name);
            }
        }
        let rows: Vec<Vec<Cell>> = all
            .iter()
            .map(|o| {
                let parent = o.parent_id.and_then(|p| codes.get(&p.0).or_else(|| parents.get(&p.0)).cloned());
                vec![
                    Cell::text(o.name.as_str()),
                    Cell::text(o.code.as_str()),
                    Cell::opt_text(parent),
                    Cell::text(o.kind.label()),
                    Cell::text(o.domain.label()),
                    Cell::opt_date(o.established_on),
                    Cell::opt_date(o.term_end),
                ]
            })
            .collect();
        let bytes = write(&jiceng_exchange::org::sheet_spec(), rows, format)?;
        let entry = Entry::new(Action::Export, "org", None)
            .changes(serde_json::json!({ "rows": all.len(), "format": format.ext(), "q": filter.q }));
        audit::record(db, scope, meta, entry).await?;
        Ok((bytes, all.len()))
    })
    .await
}

fn sheet(name: &str, columns: &[(&str, jiceng_exchange::ColumnKind)]) -> jiceng_exchange::SheetSpec {
    jiceng_exchange::SheetSpec {
        name: name.into(),
        columns: columns.iter().map(|(h, k)| jiceng_exchange::ColumnSpec::new(*h, *k)).collect(),
    }
}

/// The data-quality findings in scope (those of one rule when `rule` is given), as a file.
pub async fn quality(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    today: chrono::NaiveDate,
    rule: Option<&str>,
    format: Format,
) -> StoreResult<(Vec<u8>, usize)> {
    use jiceng_exchange::ColumnKind::{Date, Text};
    audit::recording_denial(db, scope, meta, "quality", None, async {
        require(scope, Right::ReadMembers)?;
        let report = crate::quality::check(db, scope, today, &jiceng_rules::QualityParams::default()).await?;
        let rows: Vec<Vec<Cell>> = report
            .findings
            .iter()
            .filter(|f| rule.is_none_or(|r| f.rule_id == r))
            .map(|f| {
                vec![
                    Cell::text(f.severity.label()),
                    Cell::text(jiceng_rules::rule_label(f.rule_id)),
                    Cell::text(f.rule_id),
                    Cell::opt_text(report.org_names.get(&f.org_id)),
                    Cell::text(f.message.as_str()),
                    Cell::opt_date(f.since),
                ]
            })
            .collect();
        let spec = sheet(
            "数据质量问题",
            &[
                ("严重程度", Text),
                ("检查项", Text),
                ("规则编号", Text),
                ("党组织", Text),
                ("说明", Text),
                ("起始日期", Date),
            ],
        );
        let n = rows.len();
        let bytes = write(&spec, rows, format)?;
        let entry = Entry::new(Action::Export, "quality", None)
            .changes(serde_json::json!({ "rows": n, "format": format.ext(), "rule": rule }));
        audit::record(db, scope, meta, entry).await?;
        Ok((bytes, n))
    })
    .await
}

/// The transfers matching the filter, as a file.
pub async fn transfers(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    filter: &crate::member::transfer::TransferFilter,
    format: Format,
) -> StoreResult<(Vec<u8>, usize)> {
    use jiceng_exchange::ColumnKind::{Code, Date, Text};
    audit::recording_denial(db, scope, meta, "transfer", None, async {
        require(scope, Right::ReadMembers)?;
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let p = crate::member::transfer::list(db, scope, filter, page, 500).await?;
            let done = p.items.len() < 500;
            all.extend(p.items);
            if done {
                break;
            }
            page += 1;
        }
        let rows: Vec<Vec<Cell>> = all
            .iter()
            .map(|t| {
                vec![
                    Cell::text(t.member_name.as_str()),
                    Cell::text(t.from_org_name.as_str()),
                    Cell::text(t.to_name()),
                    Cell::text(if t.is_out_of_county() { "转出本县" } else { "县内转接" }),
                    Cell::text(t.status_text()),
                    Cell::Date(t.started_on),
                    Cell::opt_date(t.decided_on),
                    Cell::opt_text(t.reason.as_deref()),
                    Cell::opt_text(t.letter_serial.as_deref()),
                    Cell::text(t.created_by.as_str()),
                ]
            })
            .collect();
        let spec = sheet(
            "组织关系转接",
            &[
                ("姓名", Text),
                ("转出党组织", Text),
                ("转入党组织", Text),
                ("类型", Text),
                ("状态", Text),
                ("转出日期", Date),
                ("办结日期", Date),
                ("退回原因", Text),
                ("介绍信编号", Code),
                ("经办人", Text),
            ],
        );
        let bytes = write(&spec, rows, format)?;
        let entry = Entry::new(Action::Export, "transfer", None).changes(serde_json::json!({
            "rows": all.len(), "format": format.ext(), "q": filter.q, "status": filter.status.map(|s| s.key()),
        }));
        audit::record(db, scope, meta, entry).await?;
        Ok((bytes, all.len()))
    })
    .await
}

/// A computed table (findings, matrices, ledgers, hours) as an audited file: the caller built
/// `rows` from records it read within `scope`; this checks the export right, writes the file
/// (every cell guarded against formula injection) and records the export with `filter`.
#[allow(clippy::too_many_arguments)]
pub async fn table(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    object_type: &'static str,
    sheet_name: &str,
    columns: &[(&str, jiceng_exchange::ColumnKind)],
    rows: Vec<Vec<Cell>>,
    format: Format,
    filter: serde_json::Value,
) -> StoreResult<Vec<u8>> {
    audit::recording_denial(db, scope, meta, object_type, None, async {
        require(scope, Right::ReadMembers)?;
        let n = rows.len();
        let bytes = write(&sheet(sheet_name, columns), rows, format)?;
        let entry = Entry::new(Action::Export, object_type, None)
            .changes(serde_json::json!({ "rows": n, "format": format.ext(), "filter": filter }));
        audit::record(db, scope, meta, entry).await?;
        Ok(bytes)
    })
    .await
}

/// A document generated from one record (a person's 请示, 公示, record sheet …) as an audited
/// Word file: the caller built `doc` from the record it read within `scope` (`object_type`,
/// `object_id`, in the organization at `org_path`); this checks the export right, writes the
/// `.docx` and records the export with the document's `key` and title.
#[allow(clippy::too_many_arguments)]
pub async fn document(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    object_type: &'static str,
    object_id: i64,
    org_path: &jiceng_types::OrgPath,
    key: &str,
    doc: &jiceng_exchange::docx::Document,
) -> StoreResult<Vec<u8>> {
    audit::recording_denial(db, scope, meta, object_type, Some(object_id.to_string()), async {
        require(scope, Right::ReadMembers)?;
        let bytes = jiceng_exchange::docx::write_docx(doc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let entry = Entry::new(Action::Export, object_type, Some(object_id.to_string()))
            .in_org(org_path)
            .changes(serde_json::json!({ "document": key, "title": doc.title, "format": "docx" }));
        audit::record(db, scope, meta, entry).await?;
        Ok(bytes)
    })
    .await
}
