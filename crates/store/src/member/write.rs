//! Changing members: create, edit, and every change of status or flag — each a dated event with
//! who recorded it, the organization rollups adjusted and the audit record written, all in one
//! transaction.

use chrono::NaiveDate;
use jiceng_types::person::{MemberCategory, MemberStatus};
use jiceng_types::{FieldError, MemberId, OrgStatus, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};
use serde::{Deserialize, Serialize};

use super::input::MemberInput;
use super::model::{Member, fetch_one, select_in_scope};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::org::Org;
use crate::{Db, Meta};

/// The Chinese label of a member event kind.
pub fn event_label(kind: &str) -> &'static str {
    match kind {
        "created" => "登记入册",
        "imported" => "批量导入",
        "updated" => "信息变更",
        "org_changed" => "所在党组织变更",
        "regularized" => "转为正式党员",
        "probation_extended" => "延长预备期",
        "mobile_out" => "外出流动",
        "mobile_in" => "流入本地",
        "mobile_end" => "结束流动",
        "out_of_contact" => "失去联系",
        "contact_restored" => "恢复联系",
        "without_post" => "登记为无职党员",
        "with_post" => "取消无职党员",
        "suspended" => "停止党籍",
        "restored" => "恢复党籍",
        "left" => "出党",
        "transfer_started" => "发起组织关系转接",
        "transfer_accepted" => "组织关系转入",
        "transfer_returned" => "组织关系转接被退回",
        "transfer_out" => "组织关系转出本县",
        "transfer_cancelled" => "撤回组织关系转接",
        "transfer_letter" => "开具组织关系介绍信",
        _ => "其他",
    }
}

fn require_write(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_member_write_right", "您没有维护党员信息的权限"))
    }
}

/// Load a member in scope inside the transaction.
pub(crate) async fn load(tx: &DatabaseTransaction, scope: &Scope, id: MemberId) -> StoreResult<Member> {
    let q = select_in_scope(scope).and_where(Expr::col(("m", "id")).eq(id.0)).take();
    fetch_one(tx, &q).await?.ok_or(StoreError::NotFound)
}

/// An active organization in scope, or a field error.
async fn target_org(tx: &DatabaseTransaction, scope: &Scope, id: jiceng_types::OrgId) -> StoreResult<Org> {
    let q = crate::org::select_for_write(scope, id);
    match crate::org::fetch_one(tx, &q).await? {
        Some(o) if o.status == OrgStatus::Active => Ok(o),
        Some(_) => Err(StoreError::invalid("org_id", "org_inactive", "所选党组织已撤销或合并")),
        None => Err(StoreError::invalid("org_id", "org_not_found", "所在党组织不存在或不在您的管辖范围内")),
    }
}

/// Record a member event.
pub(crate) async fn event(
    tx: &DatabaseTransaction,
    scope: &Scope,
    member: MemberId,
    org: Option<jiceng_types::OrgId>,
    kind: &str,
    on: NaiveDate,
    detail: serde_json::Value,
) -> StoreResult<()> {
    let q = crate::sql::insert_row(
        "member_event",
        vec![
            ("member_id", member.0.into()),
            ("org_id", org.map(|o| o.0).into()),
            ("kind", kind.into()),
            ("happened_on", on.into()),
            ("detail", detail.to_string().into()),
            ("recorded_by", scope.actor().username.clone().into()),
            ("recorded_at", crate::now().into()),
        ],
    );
    tx.execute(&q).await?;
    Ok(())
}

/// Add `delta` active members to an organization and its ancestors' rollups.
pub(crate) async fn count_members(tx: &DatabaseTransaction, org: &Org, delta: i64) -> StoreResult<()> {
    if delta == 0 {
        return Ok(());
    }
    let q = Query::update()
        .table("org")
        .value("member_count", Expr::col("member_count").add(delta))
        .and_where(Expr::col("id").eq(org.id.0))
        .take();
    tx.execute(&q).await?;
    crate::org::adjust_chain(tx, &org.path, 0, delta).await
}

/// The encrypted, indexed and masked forms of the personal numbers.
fn sensitive_values(db: &Db, input: &MemberInput) -> StoreResult<Vec<(&'static str, SimpleExpr)>> {
    let keys = db.field_keys()?;
    let id = input.id_card.as_str();
    let mut v: Vec<(&'static str, SimpleExpr)> = vec![
        ("id_card_enc", keys.encrypt(id).into()),
        ("id_card_idx", keys.blind_index(id).into()),
        ("id_card_masked", input.id_card.masked().into()),
    ];
    match &input.phone {
        Some(p) => {
            v.push(("phone_enc", keys.encrypt(p.as_str()).into()));
            v.push(("phone_idx", keys.blind_index(p.as_str()).into()));
            v.push(("phone_masked", p.masked().into()));
        }
        None => {
            v.push(("phone_enc", Option::<Vec<u8>>::None.into()));
            v.push(("phone_idx", Option::<String>::None.into()));
            v.push(("phone_masked", Option::<String>::None.into()));
        }
    }
    Ok(v)
}

/// Another current member with the same ID-card number: a field error that names them only if
/// they are in the caller's scope.
async fn duplicate_check(
    tx: &DatabaseTransaction,
    db: &Db,
    scope: &Scope,
    input: &MemberInput,
    except: Option<MemberId>,
) -> StoreResult<()> {
    let idx = db.field_keys()?.blind_index(input.id_card.as_str());
    let mut q = Query::select()
        .column(("m", "id"))
        .from_as("member", "m")
        .and_where(Expr::col(("m", "id_card_idx")).eq(idx))
        .and_where(Expr::col(("m", "status")).ne(MemberStatus::Left.key()))
        .limit(1)
        .take();
    if let Some(e) = except {
        q.and_where(Expr::col(("m", "id")).ne(e.0));
    }
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let Some(row) = tx.query_one(&q).await? else { return Ok(()) };
    let other = MemberId(Id::from_query_result(&row, "")?.id);
    let message =
        match fetch_one(tx, &select_in_scope(scope).and_where(Expr::col(("m", "id")).eq(other.0)).take()).await? {
            Some(m) => format!("该身份证号已登记为{}（{}）", m.name, m.org_name),
            None => "该身份证号已在其他党组织登记，请通过组织关系转接办理".to_string(),
        };
    Err(StoreError::invalid("id_card", "duplicate", message))
}

fn core_values(input: &MemberInput) -> Vec<(&'static str, SimpleExpr)> {
    let py = jiceng_types::PinyinKey::of_person(input.name.as_str());
    vec![
        ("org_id", input.org_id.0.into()),
        ("name", input.name.as_str().into()),
        ("name_pinyin", py.full.into()),
        ("name_initials", py.initials.into()),
        ("gender", input.gender.key().into()),
        ("ethnicity", input.ethnicity.into()),
        ("birth_date", input.birth_date.into()),
        ("education", input.education.key().into()),
        ("category", input.category.key().into()),
        ("admitted_on", input.admitted_on.into()),
        ("regularized_on", input.regularized_on.into()),
        ("work_post", input.work_post.clone().into()),
        ("residence", input.residence.clone().into()),
    ]
}

/// Register a new member (登记入册) in an organization in scope.
pub async fn create(db: &Db, scope: &Scope, meta: &Meta, input: MemberInput) -> StoreResult<Member> {
    crate::audit::recording_denial(db, scope, meta, "member", None, async {
        require_write(scope)?;
        let tx = db.begin_write().await?;
        let member = create_in(&tx, db, scope, meta, &input).await?;
        tx.commit().await?;
        Ok(member)
    })
    .await
}

/// [`create`] inside a caller's write transaction (the caller checks the right and commits):
/// the row, the organization rollups, the member's history event and the audit record.
pub(crate) async fn create_in(
    tx: &DatabaseTransaction,
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    input: &MemberInput,
) -> StoreResult<Member> {
    let org = target_org(tx, scope, input.org_id).await?;
    duplicate_check(tx, db, scope, input, None).await?;
    let now = crate::now();
    let mut row = core_values(input);
    row.extend(sensitive_values(db, input)?);
    row.push(("status", MemberStatus::Active.key().into()));
    row.push(("without_post", false.into()));
    row.push(("created_at", now.into()));
    row.push(("updated_at", now.into()));
    let q = crate::sql::insert_row("member", row).returning_col("id").take();
    let id_row = tx.query_one(&q).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
    let id = MemberId(id_row.try_get::<i64>("", "id")?);
    count_members(tx, &org, 1).await?;
    let member = load(tx, scope, id).await?;
    event(tx, scope, id, Some(org.id), "created", input.admitted_on, member.audit_fields()).await?;
    let entry = Entry::new(Action::Create, "member", Some(id.to_string()))
        .in_org(&org.path)
        .changes(audit::diff(&serde_json::json!({}), &member.audit_fields()));
    audit::append(tx, scope, meta, entry).await?;
    Ok(member)
}

/// Change a member's record. A new organization must be in scope (otherwise use a transfer).
pub async fn update(db: &Db, scope: &Scope, meta: &Meta, id: MemberId, input: MemberInput) -> StoreResult<Member> {
    crate::audit::recording_denial(db, scope, meta, "member", Some(id.to_string()), async {
        require_write(scope)?;
        let tx = db.begin_write().await?;
        let before = load(&tx, scope, id).await?;
        if before.status == MemberStatus::Left {
            return Err(StoreError::conflict("member_left", "该党员已出党，不能修改"));
        }
        let new_org = target_org(&tx, scope, input.org_id).await?;
        duplicate_check(&tx, db, scope, &input, Some(id)).await?;
        if before.category == MemberCategory::Full && input.category == MemberCategory::Probationary {
            return Err(StoreError::invalid("category", "demotion", "正式党员不能改为预备党员"));
        }
        let mut values = core_values(&input);
        values.extend(sensitive_values(db, &input)?);
        values.push(("updated_at", crate::now().into()));
        let mut q = Query::update();
        q.table("member").and_where(Expr::col("id").eq(id.0));
        for (col, v) in values {
            q.value(col, v);
        }
        tx.execute(&q).await?;
        if before.org_id != new_org.id && before.status == MemberStatus::Active {
            let old_org = crate::org::fetch_one(&tx, &crate::org::select_for_write(&Scope::cli(), before.org_id))
                .await?
                .ok_or(StoreError::NotFound)?;
            count_members(&tx, &old_org, -1).await?;
            count_members(&tx, &new_org, 1).await?;
        }
        let after = load(&tx, scope, id).await?;
        let changes = audit::diff(&before.audit_fields(), &after.audit_fields());
        let today = crate::now().date_naive();
        if changes.as_object().is_some_and(|m| !m.is_empty()) {
            if before.org_id != after.org_id {
                let detail = serde_json::json!({ "from": before.org_name, "to": after.org_name });
                event(&tx, scope, id, Some(after.org_id), "org_changed", today, detail).await?;
            }
            if before.category == MemberCategory::Probationary && after.category == MemberCategory::Full {
                let on = after.regularized_on.unwrap_or(today);
                event(&tx, scope, id, Some(after.org_id), "regularized", on, serde_json::json!({})).await?;
            }
            event(&tx, scope, id, Some(after.org_id), "updated", today, changes.clone()).await?;
            audit::append(
                &tx,
                scope,
                meta,
                Entry::new(Action::Update, "member", Some(id.to_string())).in_org(&after.org_path).changes(changes),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(after)
    })
    .await
}

/// A change of a member's status or flags, with the date it took effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum StatusChange {
    /// 外出流动: out to a place, with the 流动党员活动证 number if issued.
    MobileOut {
        /// Where to.
        to: String,
        /// Since.
        on: NaiveDate,
        /// 活动证 number.
        card_no: Option<String>,
    },
    /// 流入: a member of elsewhere taking part here.
    MobileIn {
        /// Where from.
        from: String,
        /// Since.
        on: NaiveDate,
        /// 活动证 number.
        card_no: Option<String>,
    },
    /// The member is back (or left the place): no longer mobile.
    MobileEnd {
        /// On.
        on: NaiveDate,
    },
    /// 失去联系.
    OutOfContact {
        /// Since.
        on: NaiveDate,
    },
    /// Contact restored.
    ContactRestored {
        /// On.
        on: NaiveDate,
    },
    /// 无职党员 (or no longer).
    WithoutPost {
        /// True to mark, false to clear.
        without_post: bool,
        /// On.
        on: NaiveDate,
    },
    /// 转为正式党员.
    Regularize {
        /// 转正日期.
        on: NaiveDate,
    },
    /// 延长预备期 (once, 6–12 months).
    ExtendProbation {
        /// Until.
        until: NaiveDate,
        /// Decided on.
        on: NaiveDate,
    },
    /// 停止党籍.
    Suspend {
        /// On.
        on: NaiveDate,
    },
    /// 恢复党籍.
    Restore {
        /// On.
        on: NaiveDate,
    },
    /// 出党 (退党/除名/劝退/死亡/…).
    Leave {
        /// On.
        on: NaiveDate,
        /// Why.
        reason: String,
    },
}

/// The reasons a member leaves the Party, as offered in forms.
pub const LEAVE_REASONS: [&str; 6] = ["退党", "除名", "劝退", "开除党籍", "自行脱党除名", "死亡"];

impl StatusChange {
    fn on(&self) -> NaiveDate {
        match self {
            StatusChange::MobileOut { on, .. }
            | StatusChange::MobileIn { on, .. }
            | StatusChange::MobileEnd { on }
            | StatusChange::OutOfContact { on }
            | StatusChange::ContactRestored { on }
            | StatusChange::WithoutPost { on, .. }
            | StatusChange::Regularize { on }
            | StatusChange::ExtendProbation { on, .. }
            | StatusChange::Suspend { on }
            | StatusChange::Restore { on }
            | StatusChange::Leave { on, .. } => *on,
        }
    }
}

fn bad(field: &str, code: &'static str, message: &str) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, code, message)])
}

/// Apply a change of status or flags.
pub async fn change_status(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    id: MemberId,
    change: StatusChange,
) -> StoreResult<Member> {
    crate::audit::recording_denial(db, scope, meta, "member", Some(id.to_string()), async {
        require_write(scope)?;
        let tx = db.begin_write().await?;
        let after = change_status_in(&tx, scope, meta, id, &change).await?;
        tx.commit().await?;
        Ok(after)
    })
    .await
}

/// [`change_status`] inside a caller's write transaction (the caller checks the right and
/// commits): the row, the rollups, the member's history event and the audit record.
pub(crate) async fn change_status_in(
    tx: &DatabaseTransaction,
    scope: &Scope,
    meta: &Meta,
    id: MemberId,
    change: &StatusChange,
) -> StoreResult<Member> {
    // Dates are China dates: a change dated today in China is not in the future at 07:00 there.
    let today = jiceng_types::date::today_china();
    if change.on() > today {
        return Err(bad("on", "in_future", "日期不能晚于今天"));
    }
    let m = load(tx, scope, id).await?;
    if m.status == MemberStatus::Left {
        return Err(StoreError::conflict("member_left", "该党员已出党"));
    }
    let on = change.on();
    let text = |s: &str| jiceng_types::text::normalize(s);
    let (kind, values, status_delta): (&str, Vec<(&str, SimpleExpr)>, i64) = match change {
        StatusChange::MobileOut { to, card_no, .. } => {
            if text(to).is_empty() {
                return Err(bad("to", "required", "请填写外出去向"));
            }
            let card: Option<String> = card_no.as_deref().map(text).filter(|s| !s.is_empty());
            (
                "mobile_out",
                vec![
                    ("mobile_out_to", text(to).into()),
                    ("mobile_in_from", Option::<String>::None.into()),
                    ("mobile_since", on.into()),
                    ("mobile_card_no", card.into()),
                ],
                0,
            )
        }
        StatusChange::MobileIn { from, card_no, .. } => {
            if text(from).is_empty() {
                return Err(bad("from", "required", "请填写流出地"));
            }
            let card: Option<String> = card_no.as_deref().map(text).filter(|s| !s.is_empty());
            (
                "mobile_in",
                vec![
                    ("mobile_in_from", text(from).into()),
                    ("mobile_out_to", Option::<String>::None.into()),
                    ("mobile_since", on.into()),
                    ("mobile_card_no", card.into()),
                ],
                0,
            )
        }
        StatusChange::MobileEnd { .. } => {
            if m.mobile_since.is_none() {
                return Err(StoreError::conflict("not_mobile", "该党员不是流动党员"));
            }
            let none = || Option::<String>::None.into();
            (
                "mobile_end",
                vec![
                    ("mobile_out_to", none()),
                    ("mobile_in_from", none()),
                    ("mobile_since", Option::<NaiveDate>::None.into()),
                    ("mobile_card_no", none()),
                ],
                0,
            )
        }
        StatusChange::OutOfContact { .. } => ("out_of_contact", vec![("out_of_contact_since", on.into())], 0),
        StatusChange::ContactRestored { .. } => {
            if m.out_of_contact_since.is_none() {
                return Err(StoreError::conflict("not_lost", "该党员未登记为失联"));
            }
            ("contact_restored", vec![("out_of_contact_since", Option::<NaiveDate>::None.into())], 0)
        }
        StatusChange::WithoutPost { without_post, .. } => (
            if *without_post { "without_post" } else { "with_post" },
            vec![("without_post", (*without_post).into())],
            0,
        ),
        StatusChange::Regularize { .. } => {
            if m.category != MemberCategory::Probationary {
                return Err(StoreError::conflict("not_probationary", "该党员不是预备党员"));
            }
            if on < m.admitted_on {
                return Err(bad("on", "before_admission", "转正日期不能早于入党日期"));
            }
            ("regularized", vec![("category", MemberCategory::Full.key().into()), ("regularized_on", on.into())], 0)
        }
        StatusChange::ExtendProbation { until, .. } => {
            if m.category != MemberCategory::Probationary {
                return Err(StoreError::conflict("not_probationary", "该党员不是预备党员"));
            }
            if m.probation_extended_until.is_some() {
                return Err(StoreError::conflict("already_extended", "预备期只能延长一次"));
            }
            let end = m.admitted_on.checked_add_months(chrono::Months::new(12)).unwrap_or(m.admitted_on);
            let min = end.checked_add_months(chrono::Months::new(6)).unwrap_or(end);
            let max = end.checked_add_months(chrono::Months::new(12)).unwrap_or(end);
            if *until < min || *until > max {
                return Err(bad("until", "out_of_range", "预备期延长时间应为6个月至1年"));
            }
            ("probation_extended", vec![("probation_extended_until", (*until).into())], 0)
        }
        StatusChange::Suspend { .. } => {
            if m.status != MemberStatus::Active {
                return Err(StoreError::conflict("not_active", "只有党籍正常的党员才能停止党籍"));
            }
            ("suspended", vec![("status", MemberStatus::Suspended.key().into()), ("suspended_on", on.into())], -1)
        }
        StatusChange::Restore { .. } => {
            if m.status != MemberStatus::Suspended {
                return Err(StoreError::conflict("not_suspended", "该党员未被停止党籍"));
            }
            (
                "restored",
                vec![("status", MemberStatus::Active.key().into()), ("suspended_on", Option::<NaiveDate>::None.into())],
                1,
            )
        }
        StatusChange::Leave { reason, .. } => {
            let reason = text(reason);
            if reason.is_empty() || reason.chars().count() > 50 {
                return Err(bad("reason", "required", "请填写出党原因（如退党、除名、死亡）"));
            }
            let delta = if m.status == MemberStatus::Active { -1 } else { 0 };
            (
                "left",
                vec![
                    ("status", MemberStatus::Left.key().into()),
                    ("left_on", on.into()),
                    ("left_reason", reason.into()),
                ],
                delta,
            )
        }
    };
    let mut q = Query::update();
    q.table("member").and_where(Expr::col("id").eq(id.0)).value("updated_at", crate::now());
    for (col, v) in values {
        q.value(col, v);
    }
    tx.execute(&q).await?;
    if status_delta != 0 {
        let org = crate::org::fetch_one(tx, &crate::org::select_for_write(&Scope::cli(), m.org_id))
            .await?
            .ok_or(StoreError::NotFound)?;
        count_members(tx, &org, status_delta).await?;
    }
    let detail = serde_json::to_value(change).unwrap_or_default();
    event(tx, scope, id, Some(m.org_id), kind, on, detail.clone()).await?;
    audit::append(
        tx,
        scope,
        meta,
        Entry::new(Action::Update, "member", Some(id.to_string())).in_org(&m.org_path).changes(detail),
    )
    .await?;
    load(tx, scope, id).await
}

/// Which personal number to reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitive {
    /// 公民身份号码.
    IdCard,
    /// 手机号码.
    Phone,
}

impl Sensitive {
    /// The field's name (in audit records).
    pub fn field(self) -> &'static str {
        match self {
            Sensitive::IdCard => "id_card",
            Sensitive::Phone => "phone",
        }
    }
}

/// The decrypted number of a row of `table` (`member`, `recruit_person`: both keep
/// `id_card_enc` and `phone_enc`), `None` if none is recorded. The caller checks the scope and
/// the right, and audits.
pub(crate) async fn unseal(db: &Db, table: &'static str, id: i64, which: Sensitive) -> StoreResult<Option<String>> {
    #[derive(FromQueryResult)]
    struct Enc {
        v: Option<Vec<u8>>,
    }
    let col = match which {
        Sensitive::IdCard => "id_card_enc",
        Sensitive::Phone => "phone_enc",
    };
    let q = Query::select().expr_as(Expr::col(col), "v").from(table).and_where(Expr::col("id").eq(id)).take();
    let Some(row) = db.conn().query_one(&q).await? else { return Err(StoreError::NotFound) };
    match Enc::from_query_result(&row, "")?.v {
        Some(enc) => db.field_keys()?.decrypt(&enc).map(Some).map_err(|e| StoreError::Corrupt(e.to_string())),
        None => Ok(None),
    }
}

/// The unmasked number of a member in scope. Needs the reveal right (or the member's own
/// account); every reveal is recorded in the audit trail.
pub async fn reveal(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    id: MemberId,
    which: Sensitive,
) -> StoreResult<Option<String>> {
    let own = scope.can(Right::ReadSelf) && super::own_member(db, scope).await? == Some(id);
    if !own && !scope.can(Right::RevealSensitive) {
        audit::record_denied(db, scope, meta, "member", Some(id.to_string()), "no_reveal_right").await?;
        return Err(StoreError::forbidden("no_reveal_right", "您没有查看完整证件号码和电话的权限"));
    }
    let m = if own { super::own_record(db, scope).await? } else { super::model::get(db, scope, meta, id).await? };
    let Some(plain) = unseal(db, "member", m.id.0, which).await? else { return Ok(None) };
    let field = which.field();
    audit::record(
        db,
        scope,
        meta,
        Entry::new(Action::Reveal, "member", Some(id.to_string()))
            .in_org(&m.org_path)
            .changes(serde_json::json!({ "field": field })),
    )
    .await?;
    Ok(Some(plain))
}

/// The stored number of a member in scope, for an edit that keeps it unchanged. Needs the right
/// to change members; the number never leaves the server, so this is not a reveal.
pub async fn reveal_for_edit(db: &Db, scope: &Scope, id: MemberId, which: Sensitive) -> StoreResult<Option<String>> {
    require_write(scope)?;
    let q = select_in_scope(scope).and_where(Expr::col(("m", "id")).eq(id.0)).take();
    let m = fetch_one(db.conn(), &q).await?.ok_or(StoreError::NotFound)?;
    unseal(db, "member", m.id.0, which).await
}
