//! The steps of a transfer. Each is one write transaction: the transfer row, the member (moved
//! only on acceptance, removed from the roll only when the 回执 of a letter is recorded), the
//! rollups, the member's event and the audit record.
//!
//! Concurrency: a step first changes the row it depends on (`UPDATE … WHERE status = 'pending'`,
//! or the member row when starting), so on PostgreSQL a second writer waits for the first and
//! then finds the state changed; SQLite writers are serialized by `BEGIN IMMEDIATE`. Letter
//! numbers are derived inside the transaction under an advisory lock (PostgreSQL).

use chrono::NaiveDate;
use jiceng_types::date::{parse_date, parse_year_month, today_china};
use jiceng_types::person::MemberStatus;
use jiceng_types::{FieldError, MemberId, OrgCode, OrgId, OrgPath, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult};
use serde::{Deserialize, Serialize};

use super::{Transfer, TransferId, TransferStatus, county_of, load, note_out_of_scope, select_orgs_within};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::member::Member;
use crate::member::write::{count_members, event};
use crate::org::Org;
use crate::{Db, Meta};

/// The 出党 reason recorded when the 回执 of a letter out of the county comes back.
pub const LEFT_REASON: &str = "组织关系转出";

/// A transfer inside the county as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransferDraft {
    /// The receiving organization: its code, or its name if unique in the county.
    pub to_org: String,
    /// 转出日期.
    pub on: String,
    /// A note for the receiver (optional).
    pub note: String,
}

/// A transfer out of the county (an introduction letter) as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutOfCountyDraft {
    /// The receiving organization outside the county, as the letter names it.
    pub outside_to: String,
    /// 开具日期.
    pub on: String,
    /// 党费交到 (year and month, e.g. `2026-06`), optional.
    pub dues_paid_to: String,
    /// A note (optional; not printed).
    pub note: String,
}

fn require_write(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_member_write_right", "您没有维护党员信息的权限"))
    }
}

/// A date that is not after today (China time); errors go to `field`.
fn past_date(text: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match parse_date(text) {
        Ok(d) if d > today_china() => {
            errors.push(FieldError::new(field, "in_future", "日期不能晚于今天"));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(e.on(field));
            None
        }
    }
}

/// Optional free text of at most `max` characters.
fn optional_text(text: &str, field: &str, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    let s = jiceng_types::text::normalize(text);
    if s.chars().count() > max {
        errors.push(FieldError::new(field, "too_long", format!("不能超过{max}个字")));
        return None;
    }
    (!s.is_empty()).then_some(s)
}

/// A decision date: not before the transfer started, not after today.
fn decision_date(on: NaiveDate, t: &Transfer) -> StoreResult<()> {
    if on > today_china() {
        return Err(StoreError::invalid("on", "in_future", "日期不能晚于今天"));
    }
    if on < t.started_on {
        return Err(StoreError::invalid("on", "before_start", "日期不能早于转出日期"));
    }
    Ok(())
}

/// One organization by id (any scope), inside the transaction.
async fn org_by_id(tx: &DatabaseTransaction, id: OrgId) -> StoreResult<Org> {
    crate::org::fetch_one(tx, &crate::org::select_for_write(&Scope::cli(), id)).await?.ok_or(StoreError::NotFound)
}

/// Find the receiving organization in the county at `county`: by code, else by a unique name.
async fn find_receiver(tx: &DatabaseTransaction, county: &OrgPath, text: &str) -> StoreResult<Result<Org, FieldError>> {
    let text = jiceng_types::text::normalize(text);
    let err = |code, message: String| Ok(Err(FieldError::new("to_org", code, message)));
    if text.is_empty() {
        return err("required", "请填写接收党组织的代码或名称".into());
    }
    if jiceng_types::text::has_control(&text) {
        return err("org_not_found", "本县没有这个党组织".into());
    }
    if let Ok(code) = OrgCode::parse(&text) {
        let q = select_orgs_within(county).and_where(Expr::col(("org", "code")).eq(code.as_str())).take();
        if let Some(o) = crate::org::fetch_one(tx, &q).await? {
            return Ok(Ok(o));
        }
    }
    let q = select_orgs_within(county).and_where(Expr::col(("org", "name")).eq(text.as_str())).limit(2).take();
    let mut found = crate::org::fetch_all(tx, &q, crate::org::Sort::Code).await?;
    match found.len() {
        1 => Ok(Ok(found.remove(0))),
        0 => err("org_not_found", format!("本县没有代码或名称为“{text}”的正常党组织")),
        _ => err("ambiguous", format!("本县有多个名为“{text}”的党组织，请填写组织代码")),
    }
}

/// Lock the member row for this transaction (PostgreSQL waits here for another writer) and load
/// the member, who must be in scope, active and without an open transfer.
async fn member_to_transfer(tx: &DatabaseTransaction, scope: &Scope, id: MemberId) -> StoreResult<Member> {
    let m = crate::member::write::load(tx, scope, id).await?;
    let touch =
        Query::update().table("member").value("updated_at", crate::now()).and_where(Expr::col("id").eq(id.0)).take();
    tx.execute(&touch).await?;
    if m.status != MemberStatus::Active {
        return Err(StoreError::conflict("not_active", "只有党籍正常的党员才能转接组织关系"));
    }
    let open = Query::select()
        .expr(Expr::val(1))
        .from("transfer")
        .and_where(Expr::col("member_id").eq(id.0))
        .and_where(Expr::col("status").is_in([TransferStatus::Pending.key(), TransferStatus::Issued.key()]))
        .limit(1)
        .take();
    if tx.query_one(&open).await?.is_some() {
        return Err(StoreError::conflict("transfer_open", "该党员已有未办结的组织关系转接"));
    }
    Ok(m)
}

/// Insert a transfer row; its id.
async fn insert(
    tx: &DatabaseTransaction,
    scope: &Scope,
    mut row: Vec<(&'static str, sea_orm::sea_query::SimpleExpr)>,
) -> StoreResult<TransferId> {
    row.push(("created_by", scope.actor().username.clone().into()));
    row.push(("created_at", crate::now().into()));
    let q = crate::sql::insert_row("transfer", row).returning_col("id").take();
    let r = tx.query_one(&q).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
    Ok(TransferId(r.try_get::<i64>("", "id")?))
}

/// 发起组织关系转接: send a member in scope to an active organization anywhere in the county. The
/// member stays where they are (and the sender's responsibility) until the receiver accepts.
pub async fn start(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    member_id: MemberId,
    draft: TransferDraft,
) -> StoreResult<Transfer> {
    audit::recording_denial(db, scope, meta, "member", Some(member_id.to_string()), async {
        require_write(scope)?;
        let mut errors = Vec::new();
        let on = past_date(&draft.on, "on", &mut errors);
        let note = optional_text(&draft.note, "note", 200, &mut errors);
        let tx = db.begin_write().await?;
        let m = member_to_transfer(&tx, scope, member_id).await?;
        let county = county_of(&tx, &m.org_path).await?;
        let to = match find_receiver(&tx, &county, &draft.to_org).await? {
            Ok(o) if o.id == m.org_id => {
                errors.push(FieldError::new("to_org", "same_org", "接收党组织就是该党员现在所在的组织"));
                None
            }
            Ok(o) => Some(o),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let (Some(on), Some(to), true) = (on, to, errors.is_empty()) else { return Err(StoreError::Invalid(errors)) };
        let id = insert(
            &tx,
            scope,
            vec![
                ("member_id", m.id.0.into()),
                ("from_org_id", m.org_id.0.into()),
                ("to_org_id", to.id.0.into()),
                ("status", TransferStatus::Pending.key().into()),
                ("started_on", on.into()),
            ],
        )
        .await?;
        let detail = serde_json::json!({ "transfer_id": id.0, "from": m.org_name, "to": to.name, "note": note });
        event(&tx, scope, m.id, Some(m.org_id), "transfer_started", on, detail.clone()).await?;
        let entry = Entry::new(Action::Create, "transfer", Some(id.to_string()))
            .in_org(&m.org_path)
            .changes(serde_json::json!({ "member_id": m.id, "member": m.name, "started_on": on, "to_org_id": to.id, "detail": detail }));
        audit::append(&tx, scope, meta, entry).await?;
        let t = load(&tx, &Scope::cli(), id).await?;
        tx.commit().await?;
        Ok(t)
    })
    .await
}

/// Run a step on a transfer: a refusal for lack of a right is recorded, and so is an attempt on
/// an existing transfer outside the scope (which answers `NotFound`, like a missing one).
async fn guarded<T>(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    id: TransferId,
    step: impl std::future::Future<Output = StoreResult<T>>,
) -> StoreResult<T> {
    let result = audit::recording_denial(db, scope, meta, "transfer", Some(id.to_string()), step).await;
    if matches!(result, Err(StoreError::NotFound)) {
        note_out_of_scope(db, scope, meta, id).await?;
    }
    result
}

/// Load a transfer visible to the scope inside the transaction, and check the caller is on the
/// side that may take this step.
async fn for_step(tx: &DatabaseTransaction, scope: &Scope, id: TransferId, receiver: bool) -> StoreResult<Transfer> {
    let t = load(tx, scope, id).await?;
    if receiver && !t.sent_to(scope) {
        return Err(StoreError::forbidden("not_receiver", "只有接收方党组织可以接收或退回组织关系"));
    }
    if !receiver && !t.sent_from(scope) {
        return Err(StoreError::forbidden("not_sender", "只有转出方党组织可以办理这一步"));
    }
    Ok(t)
}

/// Move the transfer from one of `from` to `to`; a conflict if another writer got there first.
async fn set_status(
    tx: &DatabaseTransaction,
    scope: &Scope,
    t: &Transfer,
    from: &[TransferStatus],
    to: TransferStatus,
    on: NaiveDate,
    reason: Option<&str>,
) -> StoreResult<()> {
    let q = Query::update()
        .table("transfer")
        .value("status", to.key())
        .value("decided_on", on)
        .value("decided_by", scope.actor().username.clone())
        .value("reason", reason.map(str::to_string))
        .and_where(Expr::col("id").eq(t.id.0))
        .and_where(Expr::col("status").is_in(from.iter().map(|s| s.key())))
        .take();
    if tx.execute(&q).await?.rows_affected() != 1 {
        return Err(StoreError::conflict("transfer_settled", "该组织关系转接已办结，请刷新后查看"));
    }
    Ok(())
}

fn step_entry(t: &Transfer, to: TransferStatus, path: &OrgPath, extra: serde_json::Value) -> Entry {
    let mut changes = serde_json::json!({
        "status": { "from": t.status.key(), "to": to.key() },
        "member_id": t.member_id,
        "member": t.member_name,
    });
    if let (Some(c), Some(e)) = (changes.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    Entry::new(Action::Update, "transfer", Some(t.id.to_string())).in_org(path).changes(changes)
}

/// 接收: the receiving organization (in the caller's scope) accepts; the member moves there and
/// the rollups follow (−1 along the sender's chain, +1 along the receiver's).
pub async fn accept(db: &Db, scope: &Scope, meta: &Meta, id: TransferId, on: NaiveDate) -> StoreResult<Transfer> {
    guarded(db, scope, meta, id, async {
        require_write(scope)?;
        let tx = db.begin_write().await?;
        let t = for_step(&tx, scope, id, true).await?;
        decision_date(on, &t)?;
        set_status(&tx, scope, &t, &[TransferStatus::Pending], TransferStatus::Accepted, on, None).await?;
        let m = crate::member::write::load(&tx, &Scope::cli(), t.member_id).await?;
        if m.status != MemberStatus::Active || m.org_id != t.from_org_id {
            return Err(StoreError::conflict(
                "member_changed",
                "该党员的状态或所在组织已在转接期间变化，请转出方撤回后重新发起",
            ));
        }
        let (from, to) =
            (org_by_id(&tx, t.from_org_id).await?, org_by_id(&tx, t.to_org_id.ok_or(StoreError::NotFound)?).await?);
        if to.status != jiceng_types::OrgStatus::Active {
            return Err(StoreError::conflict("org_inactive", "接收党组织已撤销或合并，不能接收"));
        }
        let q = Query::update()
            .table("member")
            .value("org_id", to.id.0)
            .value("updated_at", crate::now())
            .and_where(Expr::col("id").eq(m.id.0))
            .take();
        tx.execute(&q).await?;
        count_members(&tx, &from, -1).await?;
        count_members(&tx, &to, 1).await?;
        let detail = serde_json::json!({ "transfer_id": t.id.0, "from": from.name, "to": to.name });
        event(&tx, scope, m.id, Some(to.id), "transfer_accepted", on, detail).await?;
        audit::append(
            &tx,
            scope,
            meta,
            step_entry(&t, TransferStatus::Accepted, &to.path, serde_json::json!({ "decided_on": on })),
        )
        .await?;
        // The member's record changed organization: the sender's side sees that too.
        let moved = Entry::new(Action::Update, "member", Some(m.id.to_string()))
            .in_org(&from.path)
            .changes(serde_json::json!({ "org_id": { "from": from.id, "to": to.id }, "transfer_id": t.id }));
        audit::append(&tx, scope, meta, moved).await?;
        crate::recruit::member_moved(&tx, scope, meta, m.id, &from, &to).await?;
        let t = load(&tx, &Scope::cli(), id).await?;
        tx.commit().await?;
        Ok(t)
    })
    .await
}

/// 退回: the receiving organization returns the transfer with a reason; the member stays with the
/// sender.
pub async fn return_transfer(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    id: TransferId,
    reason: &str,
) -> StoreResult<Transfer> {
    guarded(db, scope, meta, id, async {
        require_write(scope)?;
        let reason = jiceng_types::text::normalize(reason);
        let tx = db.begin_write().await?;
        let t = for_step(&tx, scope, id, true).await?;
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "required", "请填写退回原因"));
        }
        if reason.chars().count() > 200 {
            return Err(StoreError::invalid("reason", "too_long", "退回原因不能超过200个字"));
        }
        let on = Ord::max(today_china(), t.started_on);
        set_status(&tx, scope, &t, &[TransferStatus::Pending], TransferStatus::Returned, on, Some(&reason)).await?;
        let detail = serde_json::json!({ "transfer_id": t.id.0, "to": t.to_name(), "reason": reason });
        event(&tx, scope, t.member_id, Some(t.from_org_id), "transfer_returned", on, detail).await?;
        let path = t.to_org_path.clone().unwrap_or_else(|| t.from_org_path.clone());
        audit::append(
            &tx,
            scope,
            meta,
            step_entry(&t, TransferStatus::Returned, &path, serde_json::json!({ "reason": reason })),
        )
        .await?;
        let t = load(&tx, &Scope::cli(), id).await?;
        tx.commit().await?;
        Ok(t)
    })
    .await
}

/// 撤回: the sending organization withdraws a transfer still waiting for the receiver, or voids a
/// letter whose 回执 has not come back. The member is unchanged.
pub async fn cancel(db: &Db, scope: &Scope, meta: &Meta, id: TransferId) -> StoreResult<Transfer> {
    guarded(db, scope, meta, id, async {
        require_write(scope)?;
        let tx = db.begin_write().await?;
        let t = for_step(&tx, scope, id, false).await?;
        let on = Ord::max(today_china(), t.started_on);
        let open = [TransferStatus::Pending, TransferStatus::Issued];
        set_status(&tx, scope, &t, &open, TransferStatus::Cancelled, on, None).await?;
        let detail = serde_json::json!({ "transfer_id": t.id.0, "to": t.to_name(), "letter_serial": t.letter_serial });
        event(&tx, scope, t.member_id, Some(t.from_org_id), "transfer_cancelled", on, detail).await?;
        audit::append(
            &tx,
            scope,
            meta,
            step_entry(&t, TransferStatus::Cancelled, &t.from_org_path, serde_json::json!({})),
        )
        .await?;
        let t = load(&tx, &Scope::cli(), id).await?;
        tx.commit().await?;
        Ok(t)
    })
    .await
}

/// The next letter number of `year`: `JC-<year>-000001`, then one more than the highest issued.
/// Runs inside the write transaction; on PostgreSQL an advisory lock held until commit keeps two
/// writers from taking the same number.
async fn next_serial(tx: &DatabaseTransaction, year: i32) -> StoreResult<String> {
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared("SELECT pg_advisory_xact_lock(7302)").await?;
    }
    let prefix = format!("JC-{year:04}-");
    #[derive(FromQueryResult)]
    struct Max {
        serial: Option<String>,
    }
    let q = Query::select()
        .expr_as(Func::max(Expr::col("letter_serial")), "serial")
        .from("transfer")
        .and_where(Expr::col("letter_serial").like(format!("{prefix}%")))
        .take();
    let last = match tx.query_one(&q).await? {
        Some(r) => Max::from_query_result(&r, "")?.serial,
        None => None,
    };
    let n = match last {
        Some(s) => s
            .strip_prefix(&prefix)
            .and_then(|d| d.parse::<u32>().ok())
            .ok_or_else(|| StoreError::Corrupt(format!("bad letter serial {s:?}")))?,
        None => 0,
    };
    if n >= 999_999 {
        return Err(StoreError::conflict("serials_exhausted", "本年度介绍信编号已用完"));
    }
    Ok(format!("{prefix}{:06}", n + 1))
}

/// 开具介绍信: a transfer out of the county. The letter gets the next serial number of its year;
/// the member stays active (and the sender's responsibility) until the 回执 is recorded.
pub async fn out_of_county(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    member_id: MemberId,
    draft: OutOfCountyDraft,
) -> StoreResult<Transfer> {
    audit::recording_denial(db, scope, meta, "member", Some(member_id.to_string()), async {
        require_write(scope)?;
        let mut errors = Vec::new();
        let outside_to = optional_text(&draft.outside_to, "outside_to", 100, &mut errors);
        if outside_to.is_none() && !errors.iter().any(|e| e.field == "outside_to") {
            errors.push(FieldError::new("outside_to", "required", "请填写接收党组织（县外）的全称"));
        }
        let on = past_date(&draft.on, "on", &mut errors);
        let dues = match draft.dues_paid_to.trim() {
            "" => None,
            d => parse_year_month(d).map_err(|e| errors.push(e.on("dues_paid_to"))).ok(),
        };
        let note = optional_text(&draft.note, "note", 200, &mut errors);
        let tx = db.begin_write().await?;
        let m = member_to_transfer(&tx, scope, member_id).await?;
        let (Some(outside_to), Some(on), true) = (outside_to, on, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        use chrono::Datelike;
        let serial = next_serial(&tx, on.year()).await?;
        let id = insert(
            &tx,
            scope,
            vec![
                ("member_id", m.id.0.into()),
                ("from_org_id", m.org_id.0.into()),
                ("outside_to", outside_to.as_str().into()),
                ("status", TransferStatus::Issued.key().into()),
                ("started_on", on.into()),
                ("letter_serial", serial.as_str().into()),
            ],
        )
        .await?;
        let dues = dues.map(|d| d.format("%Y-%m").to_string());
        let detail = serde_json::json!({
            "transfer_id": id.0, "letter_serial": serial, "from": m.org_name, "to": outside_to,
            "dues_paid_to": dues, "note": note,
        });
        event(&tx, scope, m.id, Some(m.org_id), "transfer_letter", on, detail.clone()).await?;
        let entry = Entry::new(Action::Create, "transfer", Some(id.to_string()))
            .in_org(&m.org_path)
            .changes(serde_json::json!({ "member_id": m.id, "member": m.name, "started_on": on, "detail": detail }));
        audit::append(&tx, scope, meta, entry).await?;
        let t = load(&tx, &Scope::cli(), id).await?;
        tx.commit().await?;
        Ok(t)
    })
    .await
}

/// 回执: the receiving organization outside the county confirmed it received the member. The
/// member leaves the county's roll (出党, reason [`LEFT_REASON`]), as a status change would do it.
pub async fn confirm_receipt(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    id: TransferId,
    on: NaiveDate,
) -> StoreResult<Transfer> {
    guarded(db, scope, meta, id, async {
        require_write(scope)?;
        let tx = db.begin_write().await?;
        let t = for_step(&tx, scope, id, false).await?;
        decision_date(on, &t)?;
        set_status(&tx, scope, &t, &[TransferStatus::Issued], TransferStatus::Received, on, None).await?;
        let m = crate::member::write::load(&tx, &Scope::cli(), t.member_id).await?;
        if m.status == MemberStatus::Left {
            return Err(StoreError::conflict("member_left", "该党员已出党"));
        }
        let q = Query::update()
            .table("member")
            .value("status", MemberStatus::Left.key())
            .value("left_on", on)
            .value("left_reason", LEFT_REASON)
            .value("updated_at", crate::now())
            .and_where(Expr::col("id").eq(m.id.0))
            .take();
        tx.execute(&q).await?;
        if m.status == MemberStatus::Active {
            count_members(&tx, &org_by_id(&tx, m.org_id).await?, -1).await?;
        }
        let detail = serde_json::json!({
            "transfer_id": t.id.0, "letter_serial": t.letter_serial, "to": t.outside_to,
            "status": MemberStatus::Left.key(), "reason": LEFT_REASON,
        });
        event(&tx, scope, m.id, Some(m.org_id), "transfer_out", on, detail).await?;
        audit::append(
            &tx,
            scope,
            meta,
            step_entry(&t, TransferStatus::Received, &t.from_org_path, serde_json::json!({ "decided_on": on })),
        )
        .await?;
        let left = Entry::new(Action::Update, "member", Some(m.id.to_string())).in_org(&m.org_path).changes(
            serde_json::json!({
                "status": { "from": m.status.key(), "to": MemberStatus::Left.key() },
                "left_on": { "to": on },
                "left_reason": { "to": LEFT_REASON },
            }),
        );
        audit::append(&tx, scope, meta, left).await?;
        let t = load(&tx, &Scope::cli(), id).await?;
        tx.commit().await?;
        Ok(t)
    })
    .await
}
