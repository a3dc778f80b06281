//! Recording, correcting and deleting meeting records. Each is one transaction with its audit
//! record; every organization, member and study item named must lie in the caller's scope.

use std::collections::HashSet;

use jiceng_types::{OrgStatus, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use super::input::MeetingInput;
use super::model::{Meeting, load};
use super::{kinds_mask, require_write};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::org::Org;
use crate::{Db, Meta};

/// The similarity fingerprint of minutes at least `min_chars` long (the county's
/// `meeting.minutes_min_chars` when the record is saved), stored as the signed integer with the
/// same 64 bits.
pub(crate) fn minutes_fingerprint(minutes: Option<&str>, min_chars: i64) -> Option<i64> {
    let min = usize::try_from(min_chars).unwrap_or(60);
    minutes.and_then(|m| jiceng_rules::meeting::minutes_hash(m, min)).map(|h| h as i64)
}

/// The county's minimum length of fingerprinted minutes.
async fn min_chars(db: &Db, scope: &Scope) -> StoreResult<i64> {
    Ok(super::compliance::params(db, scope).await?.get("meeting.minutes_min_chars"))
}

/// Check everything the input names against the database and the scope.
async fn check_refs(tx: &DatabaseTransaction, scope: &Scope, input: &MeetingInput) -> StoreResult<Org> {
    let org = crate::org::fetch_one(tx, &crate::org::select_for_write(scope, input.org_id))
        .await?
        .ok_or_else(|| StoreError::invalid("org_id", "org_not_found", "党组织不存在或不在您的管辖范围内"))?;
    if org.status != OrgStatus::Active && org.status_on.is_none_or(|ended| input.held_on > ended) {
        return Err(StoreError::invalid(
            "held_on",
            "org_ended",
            "该党组织已撤销或合并，会议日期晚于其撤销（合并）日期",
        ));
    }
    if org.established_on.is_some_and(|est| input.held_on < est) {
        return Err(StoreError::invalid("held_on", "before_established", "会议日期早于该党组织成立日期"));
    }
    if let Some(g) = input.group_id {
        let q = Query::select()
            .column("id")
            .from("party_group")
            .and_where(Expr::col("id").eq(g))
            .and_where(Expr::col("org_id").eq(org.id.0))
            .take();
        if tx.query_one(&q).await?.is_none() {
            return Err(StoreError::invalid("group_id", "group_not_found", "所选党小组不属于该党组织"));
        }
    }
    let mut ids: Vec<i64> = input.attendance.iter().map(|a| a.member_id.0).collect();
    if let Some(l) = input.lecturer_member_id {
        ids.push(l.0);
    }
    let wanted: HashSet<i64> = ids.iter().copied().collect();
    if !wanted.is_empty() {
        let wanted: Vec<i64> = wanted.into_iter().collect();
        let found = super::members_in_scope(tx, scope, &wanted).await?;
        if let Some(l) = input.lecturer_member_id
            && !found.contains(&l.0)
        {
            return Err(StoreError::invalid("lecturer", "member_not_found", "授课人不在您管辖范围内的党员名册中"));
        }
        if input.attendance.iter().any(|a| !found.contains(&a.member_id.0)) {
            return Err(StoreError::invalid(
                "attendance",
                "member_not_found",
                "参会人员中有人不在您管辖范围内的党员名册中",
            ));
        }
    }
    if !input.study_items.is_empty() {
        #[derive(FromQueryResult)]
        struct S {
            id: i64,
            title: String,
            published_on: chrono::NaiveDate,
        }
        let q = Query::select()
            .columns(["id", "title", "published_on"])
            .from("study_item")
            .and_where(Expr::col("id").is_in(input.study_items.iter().copied()))
            .and_where(Expr::col("withdrawn_at").is_null())
            .take();
        let rows = tx.query_all(&q).await?;
        let mut found = HashSet::new();
        for r in rows {
            let s = S::from_query_result(&r, "")?;
            if s.published_on > input.held_on {
                return Err(StoreError::invalid(
                    "study_items",
                    "not_yet_published",
                    format!("《{}》发布于{}，晚于会议日期", s.title, s.published_on),
                ));
            }
            found.insert(s.id);
        }
        if input.study_items.iter().any(|i| !found.contains(i)) {
            return Err(StoreError::invalid(
                "study_items",
                "study_item_not_found",
                "所选第一议题学习内容不存在或已撤回",
            ));
        }
    }
    Ok(org)
}

fn trimmed(v: &Option<String>) -> SimpleExpr {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).into()
}

fn meeting_values(input: &MeetingInput, min_chars: i64) -> Vec<(&'static str, SimpleExpr)> {
    vec![
        ("org_id", input.org_id.0.into()),
        ("group_id", input.group_id.into()),
        ("kinds", kinds_mask(&input.kinds).into()),
        ("held_on", input.held_on.into()),
        ("topic", input.topic.trim().into()),
        ("place", trimmed(&input.place)),
        ("host", trimmed(&input.host)),
        ("lecturer_member_id", input.lecturer_member_id.map(|m| m.0).into()),
        ("lecturer", trimmed(&input.lecturer)),
        ("minutes", trimmed(&input.minutes)),
        ("decisions", trimmed(&input.decisions)),
        ("criticism", trimmed(&input.criticism)),
        ("absent_note", trimmed(&input.absent_note)),
        ("expected", i64::from(input.expected).into()),
        ("present", i64::from(input.present).into()),
        ("first_agenda", (!input.study_items.is_empty()).into()),
        ("minutes_hash", minutes_fingerprint(input.minutes.as_deref(), min_chars).into()),
    ]
}

/// Insert the attached rows (agenda, studies, attendance, votes, rectifications).
async fn insert_children(
    tx: &DatabaseTransaction,
    id: i64,
    input: &MeetingInput,
    done: &[(String, chrono::NaiveDate)],
) -> StoreResult<()> {
    for (i, title) in input.agenda.iter().map(|a| a.trim()).filter(|a| !a.is_empty()).enumerate() {
        let q = crate::sql::insert_row(
            "meeting_agenda",
            vec![("meeting_id", id.into()), ("position", (i as i64).into()), ("title", title.into())],
        );
        tx.execute(&q).await?;
    }
    let mut studies: Vec<i64> = input.study_items.clone();
    studies.sort_unstable();
    studies.dedup();
    for s in studies {
        let q = crate::sql::insert_row("meeting_study", vec![("meeting_id", id.into()), ("study_item_id", s.into())]);
        tx.execute(&q).await?;
    }
    for chunk in input.attendance.chunks(200) {
        let mut q = Query::insert();
        q.into_table("meeting_attendee").columns(["meeting_id", "member_id", "present", "absence_reason"]);
        for a in chunk {
            let reason = if a.present { None } else { a.reason.as_deref().map(str::trim).map(str::to_string) };
            q.values([id.into(), a.member_id.0.into(), a.present.into(), reason.into()])
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        tx.execute(&q).await?;
    }
    for v in &input.votes {
        let q = crate::sql::insert_row(
            "meeting_vote",
            vec![
                ("meeting_id", id.into()),
                ("subject", v.subject.trim().into()),
                ("election", v.election.into()),
                ("eligible", i64::from(v.eligible).into()),
                ("present", i64::from(v.present).into()),
                ("in_favour", i64::from(v.in_favour).into()),
                ("against", i64::from(v.against).into()),
                ("abstain", i64::from(v.abstain).into()),
            ],
        );
        tx.execute(&q).await?;
    }
    for r in &input.rectifications {
        let item = r.item.trim();
        let done_on = done.iter().find(|(i, _)| i == item).map(|(_, d)| *d);
        let q = crate::sql::insert_row(
            "rectification",
            vec![
                ("meeting_id", id.into()),
                ("org_id", input.org_id.0.into()),
                ("item", item.into()),
                ("owner", trimmed(&r.owner)),
                ("due_on", r.due_on.into()),
                ("done_on", done_on.into()),
            ],
        );
        tx.execute(&q).await?;
    }
    Ok(())
}

/// Record a meeting. The counts come from the attendance list when one is given.
pub async fn create(db: &Db, scope: &Scope, meta: &Meta, input: MeetingInput) -> StoreResult<Meeting> {
    crate::audit::recording_denial(db, scope, meta, "meeting", None, async {
        require_write(scope)?;
        let input = input.with_counts_from_attendance();
        input.validate(jiceng_types::date::today_china()).map_err(StoreError::Invalid)?;
        let min_chars = min_chars(db, scope).await?;
        let tx = db.begin_write().await?;
        let org = check_refs(&tx, scope, &input).await?;
        let now = crate::now();
        let mut row = meeting_values(&input, min_chars);
        row.push(("source", input.source.key().into()));
        row.push(("recorded_by_user", scope.user_id().map(|u| u.0).into()));
        row.push(("recorded_by", scope.actor().username.clone().into()));
        row.push(("recorded_at", now.into()));
        row.push(("updated_at", now.into()));
        let q = crate::sql::insert_row("meeting", row).returning_col("id").take();
        let id_row = tx.query_one(&q).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
        let id: i64 = id_row.try_get("", "id")?;
        insert_children(&tx, id, &input, &[]).await?;
        let meeting = load(&tx, scope, id).await?;
        let entry = Entry::new(Action::Create, "meeting", Some(id.to_string()))
            .in_org(&org.path)
            .changes(audit::diff(&serde_json::json!({}), &meeting.audit_fields()));
        audit::append(&tx, scope, meta, entry).await?;
        tx.commit().await?;
        Ok(meeting)
    })
    .await
}

/// Correct a meeting record (its entry time stays: the lag between a meeting and its record is
/// evidence).
pub async fn update(db: &Db, scope: &Scope, meta: &Meta, id: i64, input: MeetingInput) -> StoreResult<Meeting> {
    crate::audit::recording_denial(db, scope, meta, "meeting", Some(id.to_string()), async {
        require_write(scope)?;
        let mut input = input.with_counts_from_attendance();
        input.validate(jiceng_types::date::today_china()).map_err(StoreError::Invalid)?;
        let min_chars = min_chars(db, scope).await?;
        let tx = db.begin_write().await?;
        let before = load(&tx, scope, id).await?;
        input.source = before.row.source;
        let org = check_refs(&tx, scope, &input).await?;
        let mut q = Query::update();
        q.table("meeting").and_where(Expr::col("id").eq(id));
        for (col, v) in meeting_values(&input, min_chars) {
            q.value(col, v);
        }
        q.value("updated_at", crate::now());
        tx.execute(&q).await?;
        for table in ["meeting_agenda", "meeting_study", "meeting_attendee", "meeting_vote", "rectification"] {
            tx.execute(&Query::delete().from_table(table).and_where(Expr::col("meeting_id").eq(id)).take()).await?;
        }
        let done: Vec<(String, chrono::NaiveDate)> =
            before.rectifications.iter().filter_map(|r| r.done_on.map(|d| (r.item.clone(), d))).collect();
        insert_children(&tx, id, &input, &done).await?;
        let after = load(&tx, scope, id).await?;
        let changes = audit::diff(&before.audit_fields(), &after.audit_fields());
        if changes.as_object().is_some_and(|m| !m.is_empty()) {
            let entry = Entry::new(Action::Update, "meeting", Some(id.to_string())).in_org(&org.path).changes(changes);
            audit::append(&tx, scope, meta, entry).await?;
            tx.commit().await?;
        }
        Ok(after)
    })
    .await
}

/// Delete a meeting record (entered by mistake). Its attachments' rows go with it; the caller
/// removes the stored files after the commit.
pub async fn delete(db: &Db, scope: &Scope, meta: &Meta, id: i64, reason: &str) -> StoreResult<Meeting> {
    crate::audit::recording_denial(db, scope, meta, "meeting", Some(id.to_string()), async {
        require_write(scope)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "required", "请填写删除原因"));
        }
        let tx = db.begin_write().await?;
        let before = load(&tx, scope, id).await?;
        for table in [
            "meeting_agenda",
            "meeting_study",
            "meeting_attendee",
            "meeting_vote",
            "rectification",
            "meeting_attachment",
        ] {
            tx.execute(&Query::delete().from_table(table).and_where(Expr::col("meeting_id").eq(id)).take()).await?;
        }
        tx.execute(&Query::delete().from_table("meeting").and_where(Expr::col("id").eq(id)).take()).await?;
        let path = jiceng_types::OrgPath::parse(&before.org_path)
            .ok_or_else(|| StoreError::Corrupt(format!("org path {}", before.org_path)))?;
        let mut changes = audit::diff(&before.audit_fields(), &serde_json::json!({}));
        if let Some(m) = changes.as_object_mut() {
            m.insert("reason".into(), serde_json::json!(reason));
        }
        let entry = Entry::new(Action::Delete, "meeting", Some(id.to_string())).in_org(&path).changes(changes);
        audit::append(&tx, scope, meta, entry).await?;
        tx.commit().await?;
        Ok(before)
    })
    .await
}

/// Record that an item of a 组织生活会's rectification list was done on a day (or, with `None`,
/// that it is not done after all). The day may not precede the meeting or lie in the future.
/// Returns the meeting's id.
pub async fn rectification_done(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    item_id: i64,
    done_on: Option<chrono::NaiveDate>,
) -> StoreResult<i64> {
    crate::audit::recording_denial(db, scope, meta, "rectification", Some(item_id.to_string()), async {
        require_write(scope)?;
        let tx = db.begin_write().await?;
        let q =
            Query::select().column("meeting_id").from("rectification").and_where(Expr::col("id").eq(item_id)).take();
        let row = tx.query_one(&q).await?.ok_or(StoreError::NotFound)?;
        let meeting_id: i64 = row.try_get("", "meeting_id")?;
        let meeting = load(&tx, scope, meeting_id).await?;
        let item = meeting.rectifications.iter().find(|r| r.id == item_id).ok_or(StoreError::NotFound)?;
        if let Some(d) = done_on {
            if d > jiceng_types::date::today_china() {
                return Err(StoreError::invalid("done_on", "future", "完成日期不能晚于今天"));
            }
            if d < meeting.row.held_on {
                return Err(StoreError::invalid("done_on", "too_early", "完成日期不能早于组织生活会召开日期"));
            }
        }
        if item.done_on == done_on {
            return Ok(meeting_id);
        }
        let up = Query::update()
            .table("rectification")
            .value("done_on", done_on)
            .and_where(Expr::col("id").eq(item_id))
            .take();
        tx.execute(&up).await?;
        let path = jiceng_types::OrgPath::parse(&meeting.org_path)
            .ok_or_else(|| StoreError::Corrupt(format!("org path {}", meeting.org_path)))?;
        let entry = Entry::new(Action::Update, "rectification", Some(item_id.to_string())).in_org(&path).changes(
            serde_json::json!({ "item": item.item, "meeting": meeting_id, "done_on": [item.done_on, done_on] }),
        );
        audit::append(&tx, scope, meta, entry).await?;
        tx.commit().await?;
        Ok(meeting_id)
    })
    .await
}
