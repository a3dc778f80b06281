//! What the approvals do to the member registry, through the member code in the step's
//! transaction: step 17 registers the person as a 预备党员; step 24 regularizes the member,
//! extends the probation or cancels the probationary membership, as the 支部大会 of the round
//! decided.

use chrono::{Months, NaiveDate};
use jiceng_rules::recruit::{self as rules, Decision, Facts, Params, Step};
use jiceng_types::idcard::IdCardNo;
use jiceng_types::person::{MemberCategory, PersonName, parse_ethnicity};
use jiceng_types::phone::Phone;
use jiceng_types::{MemberId, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use super::model::{Person, PersonStatus, StepRecord};
use crate::error::{StoreError, StoreResult};
use crate::member::{MemberInput, StatusChange};
use crate::{Db, Meta};

/// The reason recorded on the member when the probationary membership is cancelled.
pub const CANCEL_REASON: &str = "取消预备党员资格";

/// What a step did to the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Registered as a 预备党员 with this 入党日期.
    Admitted { member: MemberId, admitted_on: NaiveDate },
    /// Regularized on this day.
    Regularized { member: MemberId, on: NaiveDate },
    /// Probation extended until this day.
    Extended { member: MemberId, until: NaiveDate },
    /// Probationary membership cancelled.
    Cancelled { member: MemberId },
}

impl Effect {
    /// The member touched.
    pub(crate) fn member(self) -> MemberId {
        match self {
            Effect::Admitted { member, .. }
            | Effect::Regularized { member, .. }
            | Effect::Extended { member, .. }
            | Effect::Cancelled { member } => member,
        }
    }

    /// The person's status after it.
    pub(crate) fn status(self) -> PersonStatus {
        match self {
            Effect::Admitted { .. } | Effect::Extended { .. } => PersonStatus::Probationary,
            Effect::Regularized { .. } => PersonStatus::Full,
            Effect::Cancelled { .. } => PersonStatus::Cancelled,
        }
    }

    /// For the audit record of the step.
    pub(crate) fn audit(self) -> serde_json::Value {
        match self {
            Effect::Admitted { member, admitted_on } => {
                serde_json::json!({ "member_created": member, "admitted_on": admitted_on })
            }
            Effect::Regularized { member, on } => {
                serde_json::json!({ "member_regularized": member, "regularized_on": on })
            }
            Effect::Extended { member, until } => {
                serde_json::json!({ "member_probation_extended": member, "until": until })
            }
            Effect::Cancelled { member } => serde_json::json!({ "member_left": member, "reason": CANCEL_REASON }),
        }
    }
}

/// Whether recording a step of this kind changes the registry (and so can never be deleted).
pub(crate) fn touches_registry(step: Step) -> bool {
    matches!(step, Step::AdmissionApproval | Step::RegularizationApproval)
}

/// Apply what a newly recorded step does to the registry. `steps` is the whole history with the
/// new step in it, in order; `record` is the same for the rules.
#[expect(clippy::too_many_arguments, reason = "one transaction's context, passed through")]
pub(crate) async fn apply(
    tx: &DatabaseTransaction,
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    person: &Person,
    new: &StepRecord,
    steps: &[StepRecord],
    record: &rules::Person,
    params: &Params,
) -> StoreResult<Option<Effect>> {
    let effect = match new.step {
        Step::AdmissionApproval => Some(admit(tx, db, scope, meta, person, record).await?),
        Step::RegularizationApproval => Some(decide(tx, scope, meta, person, new, steps, record, params).await?),
        _ => None,
    };
    Ok(effect)
}

/// Step 17: the person becomes a 预备党员 in the registry, with the 入党日期 the rules give (the day
/// of the 支部大会 that admitted them) and the personal data of the pipeline record.
async fn admit(
    tx: &DatabaseTransaction,
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    person: &Person,
    record: &rules::Person,
) -> StoreResult<Effect> {
    if let Some(m) = person.member_id {
        return Err(StoreError::conflict(
            "already_admitted",
            format!("该人员已登记为党员（党员编号{m}），不能重复接收"),
        ));
    }
    let Some((admitted_on, _)) = rules::member_dates(record) else {
        return Err(StoreError::conflict(
            "no_admission_meeting",
            "缺少第15步“支部大会讨论（接收预备党员）”的记录，无法确定入党日期，不能审批接收",
        ));
    };
    let (id_card, phone) = personal_numbers(tx, db, person.id).await?;
    let corrupt = |what: &str| StoreError::Corrupt(format!("recruit_person {}: bad {what}", person.id));
    let input = MemberInput {
        org_id: person.org_id,
        name: PersonName::parse(&person.name).map_err(|_| corrupt("name"))?,
        gender: person.gender,
        ethnicity: parse_ethnicity(&person.ethnicity).ok_or_else(|| corrupt("ethnicity"))?,
        birth_date: person.birth_date,
        id_card: IdCardNo::parse_allow_legacy(&id_card).map_err(|_| corrupt("id_card"))?,
        education: person.education,
        phone: phone.map(|p| Phone::parse(&p).map_err(|_| corrupt("phone"))).transpose()?,
        category: MemberCategory::Probationary,
        admitted_on,
        regularized_on: None,
        work_post: person.work_post.clone(),
        residence: None,
    };
    let member = crate::member::create_in(tx, db, scope, meta, &input).await?;
    let q = Query::update()
        .table("recruit_person")
        .value("member_id", member.id.0)
        .and_where(Expr::col("id").eq(person.id))
        .take();
    tx.execute(&q).await?;
    Ok(Effect::Admitted { member: member.id, admitted_on })
}

/// The decrypted ID-card and phone numbers of a person (they never leave the server here).
async fn personal_numbers(tx: &DatabaseTransaction, db: &Db, id: i64) -> StoreResult<(String, Option<String>)> {
    #[derive(FromQueryResult)]
    struct Enc {
        id_card_enc: Vec<u8>,
        phone_enc: Option<Vec<u8>>,
    }
    let q = Query::select()
        .columns(["id_card_enc", "phone_enc"])
        .from("recruit_person")
        .and_where(Expr::col("id").eq(id))
        .take();
    let row = tx.query_one(&q).await?.ok_or(StoreError::NotFound)?;
    let enc = Enc::from_query_result(&row, "")?;
    let keys = db.field_keys()?;
    let decrypt = |b: &[u8]| keys.decrypt(b).map_err(|e| StoreError::Corrupt(e.to_string()));
    let id_card = decrypt(&enc.id_card_enc)?;
    let phone = enc.phone_enc.as_deref().map(decrypt).transpose()?;
    Ok((id_card, phone))
}

/// The decision of the 支部大会 of the round a 转正 approval closes: the first 支部大会讨论 after
/// the previous approval (the rules read a round the same way).
fn round_decision(steps: &[StepRecord], approval: &StepRecord) -> Option<Decision> {
    let mut decision = None;
    for s in steps.iter().take_while(|s| s.order_key() < approval.order_key()) {
        match &s.facts {
            Facts::RegularizationApproval { .. } => decision = None,
            Facts::RegularizationMeeting { decision: d, .. } if decision.is_none() => decision = Some(*d),
            _ => {}
        }
    }
    decision
}

/// Step 24: carry out the decision of the round's 支部大会 on the member record.
#[expect(clippy::too_many_arguments, reason = "one transaction's context, passed through")]
async fn decide(
    tx: &DatabaseTransaction,
    scope: &Scope,
    meta: &Meta,
    person: &Person,
    new: &StepRecord,
    steps: &[StepRecord],
    record: &rules::Person,
    params: &Params,
) -> StoreResult<Effect> {
    let Some(member) = person.member_id else {
        return Err(StoreError::conflict("not_admitted", "该人员尚未被批准接收为预备党员，不能审批转正"));
    };
    let Some(decision) = round_decision(steps, new) else {
        return Err(StoreError::conflict(
            "no_regularization_meeting",
            "缺少本轮第23步“支部大会讨论（预备党员转正）”的记录，无法审批",
        ));
    };
    let not_admitted = || StoreError::conflict("not_admitted", "缺少接收预备党员的审批记录，不能审批转正");
    let (change, effect) = match decision {
        Decision::Regularize => {
            let (_, regularized_on) = rules::member_dates(record).ok_or_else(not_admitted)?;
            let Some(on) = regularized_on else {
                return Err(StoreError::invalid(
                    "regularized_on",
                    "required",
                    "批准转正应填写转正日期（预备期满之日）",
                ));
            };
            (StatusChange::Regularize { on }, Effect::Regularized { member, on })
        }
        Decision::Extend { months } => {
            let (admitted_on, _) = rules::member_dates(record).ok_or_else(not_admitted)?;
            // The extension is added to the end of the probation, as the rules count it.
            let years = u32::try_from(params.get("dev.probation")).unwrap_or(1);
            let until = admitted_on
                .checked_add_months(Months::new(years.saturating_mul(12).saturating_add(months)))
                .ok_or_else(|| StoreError::invalid("months", "out_of_range", "延长预备期的月数不正确"))?;
            (StatusChange::ExtendProbation { until, on: new.held_on }, Effect::Extended { member, until })
        }
        Decision::Cancel => {
            (StatusChange::Leave { on: new.held_on, reason: CANCEL_REASON.to_string() }, Effect::Cancelled { member })
        }
    };
    crate::member::change_status_in(tx, scope, meta, member, &change).await.map_err(|e| match e {
        StoreError::NotFound => StoreError::conflict(
            "member_out_of_scope",
            "该预备党员的党员信息已不在您的管辖范围内（可能已转出），请由其所在党组织办理",
        ),
        other => other,
    })?;
    Ok(effect)
}

/// A member whose organization relationship moved (组织关系转接 accepted) takes their development
/// record along while it is still open — a 预备党员 is discussed for 转正 by the branch they now
/// belong to, and the materials are archived there — in the transfer's transaction, audited on the
/// sender's side (the transfer itself is audited on the receiver's).
pub(crate) async fn member_moved(
    tx: &DatabaseTransaction,
    scope: &Scope,
    meta: &Meta,
    member: MemberId,
    from: &crate::org::Org,
    to: &crate::org::Org,
) -> StoreResult<()> {
    let open = [PersonStatus::InProgress, PersonStatus::Probationary, PersonStatus::Full].map(PersonStatus::key);
    let q = Query::select()
        .column("id")
        .from("recruit_person")
        .and_where(Expr::col("member_id").eq(member.0))
        .and_where(Expr::col("status").is_in(open))
        .take();
    for row in tx.query_all(&q).await? {
        let id: i64 = row.try_get("", "id")?;
        let update = Query::update()
            .table("recruit_person")
            .value("org_id", to.id.0)
            .value("updated_at", crate::now())
            .and_where(Expr::col("id").eq(id))
            .take();
        tx.execute(&update).await?;
        let entry = crate::audit::Entry::new(crate::audit::Action::Update, "recruit_person", Some(id.to_string()))
            .in_org(&from.path)
            .changes(serde_json::json!({
                "org_id": { "from": from.id, "to": to.id },
                "member_id": member,
                "reason": "组织关系转接",
            }));
        crate::audit::append(tx, scope, meta, entry).await?;
    }
    Ok(())
}
