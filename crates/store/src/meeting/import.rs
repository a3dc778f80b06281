//! Importing past meeting records and the 第一议题 register from Excel/CSV: plan (resolve each
//! row's organization, party group, lecturer and 第一议题 titles within the scope, find the rows
//! already stored), preview, apply in one transaction with an audit record per item.
//!
//! Imported meetings carry counts only (应到/实到, the absentees' names as a note): no attendance
//! list, no minutes. A row repeating a stored meeting (same organization, date, kinds and topic)
//! is "unchanged", so importing a file twice records each meeting once; an import never changes
//! a stored meeting. Study items follow the register's own rule: the same title and publication
//! date is the same item.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use jiceng_exchange::meeting::columns::{
    ABSENT, EXPECTED, GROUP, HELD_ON, KINDS, LECTURER, LEVELS, MEETING_COLUMNS, NOTE, ORG, ORG_CODE, PRESENT,
    PUBLISHED_ON, SOURCE, STUDIES, STUDY_COLUMNS, TITLE, TOPIC, WITHIN_DAYS,
};
use jiceng_exchange::meeting::title_key;
use jiceng_exchange::{MeetingRow, ParsedImport, RowError, StudyItemRow, Warning};
use jiceng_types::{FieldError, MeetingKind, OrgStatus, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::input::{MeetingInput, Source};
use super::study::{self, StudyItemInput};
use super::{kinds_mask, require_write};
use crate::audit::{self, Action, Entry};
use crate::bulk::{Bulk, Ty};
use crate::error::{StoreError, StoreResult};
use crate::member::import::Summary;
use crate::org::Org;
use crate::{Db, Meta};

/// The canonical header of a meeting column (errors found here name it).
fn column(def: usize) -> &'static str {
    MEETING_COLUMNS.get(def).map_or("", |c| c.header)
}

/// The canonical header of a study-register column.
fn study_column(def: usize) -> &'static str {
    STUDY_COLUMNS.get(def).map_or("", |c| c.header)
}

/// One valid row of a meeting import, worked out.
#[derive(Debug, Clone)]
pub struct PlannedMeeting {
    /// The row number Excel shows.
    pub excel_row: u32,
    /// The organization that held it.
    pub org: Org,
    /// The record to store.
    pub input: MeetingInput,
    /// The 第一议题 items' titles as registered, in the order of `input.study_items`.
    pub study_titles: Vec<String>,
    /// The stored meeting this row repeats: nothing is written for it.
    pub existing: Option<i64>,
}

/// A meeting import worked out but not applied.
#[derive(Debug, Clone)]
pub struct MeetingPlan {
    /// The valid rows, in file order.
    pub items: Vec<PlannedMeeting>,
    /// Every problem of every rejected row, by row.
    pub rejected: Vec<RowError>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

impl MeetingPlan {
    /// The counts (`updated` is always 0: an import never changes a stored meeting).
    pub fn summary(&self) -> Summary {
        let unchanged = self.items.iter().filter(|i| i.existing.is_some()).count() as u64;
        Summary {
            imported: self.items.len() as u64 - unchanged,
            updated: 0,
            unchanged,
            rejected: self.rejected.clone(),
            warnings: self.warnings.clone(),
        }
    }
}

/// What identifies a meeting for re-imports: organization, date, kinds and topic.
type MeetingKey = (i64, NaiveDate, i32, String);

fn key_of(input: &MeetingInput) -> MeetingKey {
    (input.org_id.0, input.held_on, kinds_mask(&input.kinds), input.topic.trim().to_string())
}

/// Work out what importing the parsed meeting rows would do. `within`: the organization chosen
/// for the import (`--org`): rows without an organization go there, and rows must lie in its
/// subtree.
pub async fn plan_meetings(
    db: &Db,
    scope: &Scope,
    parsed: ParsedImport<MeetingRow>,
    within: Option<&Org>,
) -> StoreResult<MeetingPlan> {
    require_write(scope)?;
    let today = jiceng_types::date::today_china();
    let ParsedImport { rows, mut rejected, warnings } = parsed;

    // Organizations: each distinct text resolved once (code first, then a unique name in scope).
    let orgs = crate::org::resolve_for_import(
        db,
        scope,
        rows.iter().map(|r| r.org_text().to_string()),
        within,
        "请填写组织名称或组织代码",
    )
    .await?;
    let org_of = |r: &MeetingRow| orgs.get(r.org_text()).and_then(|o| o.as_ref().ok());

    // The register as the scope sees it, by comparable title.
    let register = study::list(db, scope, None).await?;
    let mut titles: HashMap<String, Vec<&study::StudyItem>> = HashMap::new();
    for item in &register {
        titles.entry(title_key(&item.title)).or_default().push(item);
    }

    let group_orgs: HashSet<i64> =
        rows.iter().filter(|r| r.group.is_some()).filter_map(org_of).map(|o| o.id.0).collect();
    let groups = groups_of(db, &group_orgs).await?;
    let lecturer_orgs: HashSet<i64> =
        rows.iter().filter(|r| r.lecturer.is_some()).filter_map(org_of).map(|o| o.id.0).collect();
    let names: HashSet<&str> = rows.iter().filter_map(|r| r.lecturer.as_deref()).collect();
    let members = members_named(db, &lecturer_orgs, &names).await?;
    let dated: Vec<(i64, NaiveDate)> = rows.iter().filter_map(|r| org_of(r).map(|o| (o.id.0, r.held_on))).collect();
    let existing = existing_meetings(db.conn(), &dated).await?;

    let mut items = Vec::with_capacity(rows.len());
    let mut in_file: HashMap<MeetingKey, u32> = HashMap::new();
    for r in rows {
        let org = match orgs.get(r.org_text()) {
            Some(Ok(o)) => o.clone(),
            Some(Err(reason)) => {
                let col = if r.org_code.is_some() { column(ORG_CODE) } else { column(ORG) };
                rejected.push(RowError { row: r.excel_row, column: col.into(), reason: reason.clone() });
                continue;
            }
            None => continue,
        };
        let mut errs: Vec<(usize, String)> = Vec::new();
        if let Some(est) = org.established_on
            && r.held_on < est
        {
            errs.push((HELD_ON, format!("会议日期早于该党组织的成立日期（{est}）")));
        }
        let group_id = match &r.group {
            None => None,
            Some(name) => match groups.get(&(org.id.0, name.clone())).map(Vec::as_slice) {
                Some([(id, ended)]) => {
                    if ended.is_some_and(|e| e < r.held_on) {
                        errs.push((GROUP, format!("党小组“{name}”在会议日期之前已撤销")));
                    }
                    Some(*id)
                }
                Some([_, _, ..]) => {
                    errs.push((GROUP, format!("“{}”下有多个名为“{name}”的党小组", org.name)));
                    None
                }
                _ => {
                    errs.push((GROUP, format!("“{}”下没有名为“{name}”的党小组，请先建立党小组", org.name)));
                    None
                }
            },
        };
        let lecturer_member_id = r.lecturer.as_ref().and_then(|name| match members.get(&(org.id.0, name.clone())) {
            Some(ids) if ids.len() == 1 => ids.first().copied(),
            _ => None,
        });
        let mut study_items = Vec::new();
        let mut study_titles = Vec::new();
        for t in &r.studies {
            let candidates = titles.get(t).map(Vec::as_slice).unwrap_or_default();
            let current: Vec<&&study::StudyItem> = candidates.iter().filter(|s| s.withdrawn_at.is_none()).collect();
            // The latest publication of that title on or before the meeting.
            match current.iter().filter(|s| s.published_on <= r.held_on).max_by_key(|s| (s.published_on, s.id)) {
                Some(s) => {
                    study_items.push(s.id);
                    study_titles.push(s.title.clone());
                }
                None => errs.push((
                    STUDIES,
                    match current.iter().map(|s| s.published_on).min() {
                        Some(first) => format!("第一议题“{t}”发布于{first}，晚于会议日期"),
                        None if !candidates.is_empty() => format!("第一议题“{t}”已撤回"),
                        None => format!("第一议题“{t}”不在学习内容登记册中"),
                    },
                )),
            }
        }
        let input = MeetingInput {
            org_id: org.id,
            group_id,
            kinds: r.kinds.clone(),
            held_on: r.held_on,
            topic: r.topic.clone(),
            place: None,
            host: None,
            lecturer_member_id: lecturer_member_id.map(jiceng_types::MemberId),
            lecturer: r.lecturer.clone(),
            minutes: None,
            decisions: None,
            criticism: None,
            absent_note: (!r.absentees.is_empty()).then(|| r.absentees.join("、")),
            expected: r.expected,
            present: r.present,
            attendance: Vec::new(),
            agenda: Vec::new(),
            study_items,
            votes: Vec::new(),
            rectifications: Vec::new(),
            source: Source::Import,
        };
        if let Err(found) = input.validate(today) {
            // A column already explained above (an unknown party group) is not explained twice.
            let more: Vec<(usize, String)> = found
                .into_iter()
                .filter(|e| !lecturer_not_required(e))
                .map(|e| (def_of(&e.field), e.message))
                .filter(|(def, _)| !errs.iter().any(|(d, _)| d == def))
                .collect();
            errs.extend(more);
        }
        if errs.is_empty() {
            let key = key_of(&input);
            if let Some(first) = in_file.get(&key) {
                errs.push((TOPIC, format!("与第{first}行是同一次会议（组织、日期、类型和主题相同）")));
            } else {
                in_file.insert(key.clone(), r.excel_row);
                let existing = existing.get(&key).copied();
                items.push(PlannedMeeting { excel_row: r.excel_row, org, input, study_titles, existing });
                continue;
            }
        }
        errs.dedup();
        for (def, reason) in errs {
            rejected.push(RowError { row: r.excel_row, column: column(def).into(), reason });
        }
    }
    rejected.sort_by_key(|e| e.row);
    Ok(MeetingPlan { items, rejected, warnings })
}

/// Records of past 党课 often do not name the lecturer; the form requires one, an import does not.
fn lecturer_not_required(e: &FieldError) -> bool {
    e.field == "lecturer" && e.code == "required"
}

/// The column of a [`MeetingInput::validate`] field.
fn def_of(field: &str) -> usize {
    match field {
        "kinds" => KINDS,
        "held_on" => HELD_ON,
        "expected" => EXPECTED,
        "present" => PRESENT,
        "absent_note" => ABSENT,
        "study_items" => STUDIES,
        "lecturer" => LECTURER,
        "group_id" => GROUP,
        _ => TOPIC,
    }
}

/// Party groups by (organization, name): their ids and end dates.
type Groups = HashMap<(i64, String), Vec<(i64, Option<NaiveDate>)>>;

/// The Party groups of these organizations.
async fn groups_of(db: &Db, orgs: &HashSet<i64>) -> StoreResult<Groups> {
    #[derive(FromQueryResult)]
    struct G {
        id: i64,
        org_id: i64,
        name: String,
        ended_on: Option<NaiveDate>,
    }
    let mut out = Groups::new();
    let ids: Vec<i64> = orgs.iter().copied().collect();
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .columns(["id", "org_id", "name", "ended_on"])
            .from("party_group")
            .and_where(Expr::col("org_id").is_in(chunk.iter().copied()))
            .take();
        for r in db.conn().query_all(&q).await? {
            let g = G::from_query_result(&r, "")?;
            out.entry((g.org_id, jiceng_types::text::normalize(&g.name))).or_default().push((g.id, g.ended_on));
        }
    }
    Ok(out)
}

/// Members (any status: past meetings name past members) of these organizations with these
/// names, by (organization, name).
async fn members_named(
    db: &Db,
    orgs: &HashSet<i64>,
    names: &HashSet<&str>,
) -> StoreResult<HashMap<(i64, String), Vec<i64>>> {
    #[derive(FromQueryResult)]
    struct M {
        id: i64,
        org_id: i64,
        name: String,
    }
    let mut out: HashMap<(i64, String), Vec<i64>> = HashMap::new();
    if orgs.is_empty() || names.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = orgs.iter().copied().collect();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    for chunk in ids.chunks(500) {
        for names in names.chunks(500) {
            let q = Query::select()
                .columns(["id", "org_id", "name"])
                .from("member")
                .and_where(Expr::col("org_id").is_in(chunk.iter().copied()))
                .and_where(Expr::col("name").is_in(names.iter().cloned()))
                .take();
            for r in db.conn().query_all(&q).await? {
                let m = M::from_query_result(&r, "")?;
                out.entry((m.org_id, m.name)).or_default().push(m.id);
            }
        }
    }
    Ok(out)
}

/// The stored meetings of these organizations around these dates, by [`MeetingKey`].
async fn existing_meetings<C: ConnectionTrait>(
    conn: &C,
    dated: &[(i64, NaiveDate)],
) -> StoreResult<HashMap<MeetingKey, i64>> {
    #[derive(FromQueryResult)]
    struct M {
        id: i64,
        org_id: i64,
        held_on: NaiveDate,
        kinds: i32,
        topic: String,
    }
    let mut out = HashMap::new();
    let (Some(from), Some(to)) = (dated.iter().map(|d| d.1).min(), dated.iter().map(|d| d.1).max()) else {
        return Ok(out);
    };
    let wanted: HashSet<(i64, NaiveDate)> = dated.iter().copied().collect();
    let mut ids: Vec<i64> = dated.iter().map(|d| d.0).collect();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .columns(["id", "org_id", "held_on", "kinds", "topic"])
            .from("meeting")
            .and_where(Expr::col("org_id").is_in(chunk.iter().copied()))
            .and_where(Expr::col("held_on").between(from, to))
            .take();
        for r in conn.query_all(&q).await? {
            let m = M::from_query_result(&r, "")?;
            if wanted.contains(&(m.org_id, m.held_on)) {
                out.entry((m.org_id, m.held_on, m.kinds, m.topic.trim().to_string())).or_insert(m.id);
            }
        }
    }
    Ok(out)
}

/// The columns of an imported meeting (the others stay empty).
const NEW_MEETING: &[(&str, Ty)] = &[
    ("id", Ty::Int),
    ("org_id", Ty::Int),
    ("group_id", Ty::Int),
    ("kinds", Ty::Int),
    ("held_on", Ty::Date),
    ("topic", Ty::Text),
    ("lecturer_member_id", Ty::Int),
    ("lecturer", Ty::Text),
    ("absent_note", Ty::Text),
    ("expected", Ty::Int),
    ("present", Ty::Int),
    ("first_agenda", Ty::Bool),
    ("source", Ty::Text),
    ("recorded_by_user", Ty::Int),
    ("recorded_by", Ty::Text),
    ("recorded_at", Ty::Time),
    ("updated_at", Ty::Time),
];

const MEETING_STUDY: &[(&str, Ty)] = &[("meeting_id", Ty::Int), ("study_item_id", Ty::Int)];

/// Rows written per statement.
const CHUNK: usize = 2000;

/// Apply a meeting plan in one transaction: every new meeting inserted with its 第一议题 links and
/// its audit record. Rows that have been stored since the preview count as unchanged; if an
/// organization or a 第一议题 item the plan uses has gone (dissolved, moved out of the scope,
/// withdrawn), nothing is written and the user is asked to preview again.
pub async fn apply_meetings(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    plan: MeetingPlan,
    file_name: &str,
) -> StoreResult<Summary> {
    audit::recording_denial(db, scope, meta, "meeting", None, async {
        require_write(scope)?;
        let mut summary = plan.summary();
        let tx = db.begin_write().await?;
        let pending: Vec<&PlannedMeeting> = plan.items.iter().filter(|i| i.existing.is_none()).collect();
        still_valid(&tx, scope, &pending).await?;
        let dated: Vec<(i64, NaiveDate)> = pending.iter().map(|m| (m.org.id.0, m.input.held_on)).collect();
        let stored_since = existing_meetings(&tx, &dated).await?;
        let new: Vec<&PlannedMeeting> =
            pending.into_iter().filter(|m| !stored_since.contains_key(&key_of(&m.input))).collect();
        summary.imported = new.len() as u64;
        summary.unchanged = (plan.items.len() - new.len()) as u64;
        if new.is_empty() {
            return Ok(summary);
        }
        let ids = crate::sql::reserve_ids(&tx, "meeting", new.len()).await?;
        let now = crate::now();
        let by = scope.actor().username.as_str();
        let user = scope.user_id().map(|u| u.0);
        let mut meetings = Bulk::new(&tx, "meeting", NEW_MEETING);
        let mut studies = Bulk::new(&tx, "meeting_study", MEETING_STUDY);
        let mut trail = audit::Appender::begin(&tx, scope, meta, new.len()).await?;
        for (m, id) in new.iter().zip(&ids) {
            let i = &m.input;
            meetings.push(&[
                (*id).into(),
                i.org_id.0.into(),
                i.group_id.into(),
                i64::from(kinds_mask(&i.kinds)).into(),
                i.held_on.into(),
                i.topic.trim().into(),
                i.lecturer_member_id.map(|l| l.0).into(),
                i.lecturer.as_deref().into(),
                i.absent_note.as_deref().into(),
                i64::from(i.expected).into(),
                i64::from(i.present).into(),
                (!i.study_items.is_empty()).into(),
                Source::Import.key().into(),
                user.into(),
                by.into(),
                now.into(),
                now.into(),
            ])?;
            let mut linked = HashSet::new();
            for s in &i.study_items {
                if linked.insert(*s) {
                    studies.push(&[(*id).into(), (*s).into()])?;
                }
            }
            let fields = serde_json::json!({
                "org": m.org.name,
                "kinds": i.kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("、"),
                "held_on": i.held_on,
                "topic": i.topic.trim(),
                "lecturer": i.lecturer,
                "expected": i.expected,
                "present": i.present,
                "absent_note": i.absent_note,
                "study_items": m.study_titles,
                "source": Source::Import.key(),
            });
            let mut changes = audit::diff(&serde_json::json!({}), &fields);
            if let Some(c) = changes.as_object_mut() {
                c.insert("import".into(), serde_json::json!({ "file": file_name, "row": m.excel_row }));
            }
            trail.push(
                Entry::new(Action::Create, "meeting", Some(id.to_string())).in_org(&m.org.path).changes(changes),
            )?;
            if meetings.pending() >= CHUNK {
                meetings.flush(&tx).await?;
                studies.flush(&tx).await?;
                trail.flush_if_full(&tx).await?;
            }
        }
        meetings.flush(&tx).await?;
        studies.flush(&tx).await?;
        trail.finish(&tx).await?;
        tx.commit().await?;
        Ok(summary)
    })
    .await
}

/// Inside the applying transaction: every organization of the plan is still active and in the
/// scope, and every 第一议题 item it links is still in the register.
async fn still_valid(tx: &sea_orm::DatabaseTransaction, scope: &Scope, items: &[&PlannedMeeting]) -> StoreResult<()> {
    let stale = |what: String| {
        StoreError::conflict(
            "import_stale",
            format!("预览之后，{what}。本次没有导入任何数据，请重新上传文件，核对预览后再确认。"),
        )
    };
    let mut checked = HashSet::new();
    for m in items {
        if !checked.insert(m.org.id) {
            continue;
        }
        let org = crate::org::fetch_one(tx, &crate::org::select_for_write(scope, m.org.id)).await?;
        if org.is_none_or(|o| o.status != OrgStatus::Active) {
            return Err(stale(format!("“{}”已撤销、合并或不在您的管辖范围内", m.org.name)));
        }
    }
    let ids: HashSet<i64> = items.iter().flat_map(|m| m.input.study_items.iter().copied()).collect();
    let ids: Vec<i64> = ids.into_iter().collect();
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .expr_as(Expr::col("id").count(), "n")
            .from("study_item")
            .and_where(Expr::col("id").is_in(chunk.iter().copied()))
            .and_where(Expr::col("withdrawn_at").is_null())
            .take();
        let n: i64 = match tx.query_one(&q).await? {
            Some(r) => r.try_get("", "n")?,
            None => 0,
        };
        if usize::try_from(n).unwrap_or(0) != chunk.len() {
            return Err(stale("文件引用的第一议题学习内容有的已被撤回".to_string()));
        }
    }
    Ok(())
}

/// One valid row of a study-register import, worked out.
#[derive(Debug, Clone)]
pub struct PlannedStudyItem {
    /// The row number Excel shows.
    pub excel_row: u32,
    /// The item to register.
    pub input: StudyItemInput,
    /// An item with the same title and publication date is already registered: nothing is written.
    pub existing: bool,
}

/// A study-register import worked out but not applied.
#[derive(Debug, Clone)]
pub struct StudyPlan {
    /// The valid rows, in file order.
    pub items: Vec<PlannedStudyItem>,
    /// Every problem of every rejected row, by row.
    pub rejected: Vec<RowError>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

impl StudyPlan {
    /// The counts (`updated` is always 0).
    pub fn summary(&self) -> Summary {
        let unchanged = self.items.iter().filter(|i| i.existing).count() as u64;
        Summary {
            imported: self.items.len() as u64 - unchanged,
            updated: 0,
            unchanged,
            rejected: self.rejected.clone(),
            warnings: self.warnings.clone(),
        }
    }
}

/// Keeping the register needs the county-settings right.
fn require_keep(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::CountySettings) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_register_right", "只有县级管理员可以维护“第一议题”学习内容"))
    }
}

/// Work out what importing the parsed study rows would do.
pub async fn plan_study_items(db: &Db, scope: &Scope, parsed: ParsedImport<StudyItemRow>) -> StoreResult<StudyPlan> {
    require_keep(scope)?;
    let today = jiceng_types::date::today_china();
    let ParsedImport { rows, mut rejected, warnings } = parsed;
    let registered: HashSet<(String, NaiveDate)> =
        study::list(db, scope, None).await?.into_iter().map(|s| (s.title.trim().to_string(), s.published_on)).collect();
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let input = StudyItemInput {
            title: r.title,
            source: r.source,
            published_on: r.published_on,
            levels: r.levels,
            within_days: r.within_days,
            note: r.note,
        };
        if let Err(errs) = input.validate(today) {
            for e in errs {
                let def = match e.field.as_str() {
                    "published_on" => PUBLISHED_ON,
                    "within_days" => WITHIN_DAYS,
                    "levels" => LEVELS,
                    "source" => SOURCE,
                    "note" => NOTE,
                    _ => TITLE,
                };
                rejected.push(RowError { row: r.excel_row, column: study_column(def).into(), reason: e.message });
            }
            continue;
        }
        let existing = registered.contains(&(input.title.trim().to_string(), input.published_on));
        items.push(PlannedStudyItem { excel_row: r.excel_row, input, existing });
    }
    rejected.sort_by_key(|e| e.row);
    Ok(StudyPlan { items, rejected, warnings })
}

/// Apply a study plan: the new items registered in one transaction, each audited
/// ([`study::import_items`]); items registered since the preview count as unchanged.
pub async fn apply_study_items(db: &Db, scope: &Scope, meta: &Meta, plan: StudyPlan) -> StoreResult<Summary> {
    let mut summary = plan.summary();
    let new: Vec<StudyItemInput> = plan.items.into_iter().filter(|i| !i.existing).map(|i| i.input).collect();
    let wanted = new.len();
    let created = if new.is_empty() { 0 } else { study::import_items(db, scope, meta, new).await? };
    summary.imported = created as u64;
    summary.unchanged += (wanted - created.min(wanted)) as u64;
    Ok(summary)
}

/// The kinds of a planned meeting as shown in a preview: `主题党日、党课`.
pub fn kinds_label(kinds: &[MeetingKind]) -> String {
    kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
}
