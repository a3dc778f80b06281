//! Registering a person, recording and deleting steps, and leaving the pipeline. Each is one
//! transaction with its audit records; a step is checked by the rules before it is saved, and what
//! it does to the member registry happens in the same transaction.

use jiceng_rules::recruit::{self as rules, Event, Facts, Params, Severity, Step, Violation};
use jiceng_types::date::today_china;
use jiceng_types::idcard::IdCardNo;
use jiceng_types::person::MemberStatus;
use jiceng_types::{FieldError, OrgId, OrgStatus, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use super::effects::{self, Effect};
use super::input::{CheckedStep, PersonInput, StepInput, optional_text};
use super::model::{Person, PersonDetail, PersonStatus, StepRecord, detail, fetch_person, fetch_steps, stage_of};
use super::params::{override_allowed, params};
use super::require_write;
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::org::Org;
use crate::scope_sql::path_in_scope;
use crate::{Db, Meta};

/// The input field a violation is about: the fact's field where it is obvious, else the date.
fn field_of(v: &Violation, facts: &Facts, date_field: &'static str) -> &'static str {
    match (v.rule_id, facts) {
        ("dev.min_age", _) => "applied_on",
        ("dev.mentors", _) => "mentors",
        ("dev.sponsors", _) => "sponsors",
        ("dev.training_min", Facts::IntensiveTraining { .. }) => "days",
        ("dev.vote_quorum", _) => "present",
        ("dev.vote_pass", _) => "in_favour",
        ("dev.vote_one_by_one", _) => "one_by_one",
        ("dev.leaving_unit_block", _) => "leaving_unit_on",
        ("dev.approval_talk", _) => "by_committee_member",
        ("dev.probation_extension", _) => "months",
        ("dev.publicity_days", _) => "publicity",
        ("dev.probation", Facts::RegularizationApproval { .. }) => "regularized_on",
        ("dev.record", Facts::PoliticalReview { .. }) => "concluded_on",
        ("dev.record", Facts::AdmissionMeeting { .. } | Facts::RegularizationMeeting { .. }) => "vote",
        ("dev.record", Facts::RegularizationApproval { publicity: Some(p), .. }) if p.from > p.to => "publicity",
        ("dev.record", Facts::RegularizationApproval { .. }) => "regularized_on",
        (
            "dev.record",
            Facts::ActivistSelection { publicity: Some(_) }
            | Facts::CandidateSelection { publicity: Some(_) }
            | Facts::AdmissionApproval { publicity: Some(_), .. },
        ) => "publicity",
        _ => date_field,
    }
}

/// Decide on the violations of a proposed step: warnings and notices never refuse; errors refuse
/// (one field error per violation, its code the rule id, its message naming the rule) unless the
/// county allows overrides and a reason is given. Returns the errors overridden.
fn gate<'a>(
    violations: &'a [Violation],
    params: &Params,
    reason: Option<&str>,
    facts: &Facts,
    date_field: &'static str,
) -> StoreResult<Vec<&'a Violation>> {
    let errors: Vec<&Violation> = violations.iter().filter(|v| v.severity == Severity::Error).collect();
    if errors.is_empty() {
        return Ok(errors);
    }
    let allowed = override_allowed(params);
    if allowed && reason.is_some() {
        return Ok(errors);
    }
    let mut fields: Vec<FieldError> =
        errors.iter().map(|v| FieldError::new(field_of(v, facts, date_field), v.rule_id, v.message.clone())).collect();
    if !allowed && reason.is_some() {
        fields.push(FieldError::new(
            "override_reason",
            "override_not_allowed",
            "本县未允许越过规则办理，不能凭理由记录",
        ));
    } else if allowed {
        fields.push(FieldError::new(
            "override_reason",
            "override_reason_required",
            "本县允许说明理由后越过规则办理：如确需记录，请填写理由",
        ));
    }
    Err(StoreError::Invalid(fields))
}

/// The violations as kept in an audit record.
fn listed<'a>(violations: impl IntoIterator<Item = &'a Violation>) -> serde_json::Value {
    violations
        .into_iter()
        .map(|v| serde_json::json!({ "rule": v.rule_id, "severity": v.severity, "message": v.message }))
        .collect()
}

/// Lock the person's row for the transaction (PostgreSQL takes a row lock on the update; SQLite
/// writers are serialized already), so two steps for one person cannot be judged side by side.
async fn lock(tx: &DatabaseTransaction, id: i64) -> StoreResult<()> {
    let q = Query::update()
        .table("recruit_person")
        .value("updated_at", Expr::col("updated_at"))
        .and_where(Expr::col("id").eq(id))
        .take();
    tx.execute(&q).await?;
    Ok(())
}

/// An active organization in scope, or a field error.
async fn target_org(tx: &DatabaseTransaction, scope: &Scope, id: OrgId) -> StoreResult<Org> {
    match crate::org::fetch_one(tx, &crate::org::select_for_write(scope, id)).await? {
        Some(o) if o.status == OrgStatus::Active => Ok(o),
        Some(_) => Err(StoreError::invalid("org_id", "org_inactive", "所选党组织已撤销或合并")),
        None => Err(StoreError::invalid("org_id", "org_not_found", "党组织不存在或不在您的管辖范围内")),
    }
}

/// The same ID-card number already a member's (not left) or an open pipeline person's: a field
/// error that names them if they are in the caller's scope.
async fn duplicate_check(tx: &DatabaseTransaction, db: &Db, scope: &Scope, id_card: &IdCardNo) -> StoreResult<()> {
    let idx = db.field_keys()?.blind_index(id_card.as_str());
    #[derive(FromQueryResult)]
    struct Found {
        name: String,
        org_name: String,
        in_scope: i32,
    }
    // 1 when the organization (`o`) is in the caller's scope: only then is the name shown.
    let in_scope = || -> SimpleExpr {
        match scope.roots() {
            None => Expr::val(1),
            Some(_) => Expr::case(path_in_scope(scope, ("o", "path")), 1).finally(0).into(),
        }
    };
    let member = Query::select()
        .column(("m", "name"))
        .expr_as(Expr::col(("o", "name")), "org_name")
        .expr_as(in_scope(), "in_scope")
        .from_as("member", "m")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
        .and_where(Expr::col(("m", "id_card_idx")).eq(idx.clone()))
        .and_where(Expr::col(("m", "status")).ne(MemberStatus::Left.key()))
        .limit(1)
        .take();
    if let Some(row) = tx.query_one(&member).await? {
        let f = Found::from_query_result(&row, "")?;
        let message = if f.in_scope == 1 {
            format!("该身份证号已登记为党员：{}（{}）", f.name, f.org_name)
        } else {
            "该身份证号已在其他党组织登记为党员".to_string()
        };
        return Err(StoreError::invalid("id_card", "duplicate", message));
    }
    let open = [PersonStatus::InProgress.key(), PersonStatus::Probationary.key()];
    let person = Query::select()
        .column(("p", "name"))
        .expr_as(Expr::col(("o", "name")), "org_name")
        .expr_as(in_scope(), "in_scope")
        .from_as("recruit_person", "p")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("p", "org_id")))
        .and_where(Expr::col(("p", "id_card_idx")).eq(idx))
        .and_where(Expr::col(("p", "status")).is_in(open))
        .limit(1)
        .take();
    if let Some(row) = tx.query_one(&person).await? {
        let f = Found::from_query_result(&row, "")?;
        let message = if f.in_scope == 1 {
            format!("该身份证号已在发展程序中：{}（{}）", f.name, f.org_name)
        } else {
            "该身份证号已在其他党组织的发展程序中".to_string()
        };
        return Err(StoreError::invalid("id_card", "duplicate", message));
    }
    Ok(())
}

/// Insert a step row; returns its id.
async fn insert_step(tx: &DatabaseTransaction, scope: &Scope, person_id: i64, step: &CheckedStep) -> StoreResult<i64> {
    let facts = serde_json::to_string(&step.facts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let q = crate::sql::insert_row(
        "recruit_step",
        vec![
            ("person_id", person_id.into()),
            ("step", step.facts.step().key().into()),
            ("held_on", step.held_on.into()),
            ("facts", facts.into()),
            ("actor", step.actor.clone().into()),
            ("note", step.note.clone().into()),
            ("override_reason", step.override_reason.clone().into()),
            ("recorded_at", crate::now().into()),
            ("recorded_by_user", scope.user_id().map(|u| u.0).into()),
            ("recorded_by", scope.actor().username.clone().into()),
        ],
    )
    .returning_col("id")
    .take();
    let row = tx.query_one(&q).await?.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
    Ok(row.try_get::<i64>("", "id")?)
}

/// The audit record of a recorded step.
fn step_entry(
    person: &Person,
    step: &StepRecord,
    overridden: &[&Violation],
    violations: &[Violation],
    extra: serde_json::Value,
) -> Entry {
    let mut changes = audit::diff(&serde_json::json!({}), &step.audit_fields(person.id));
    if let Some(m) = changes.as_object_mut() {
        if !overridden.is_empty() {
            m.insert("overridden".into(), listed(overridden.iter().copied()));
        }
        let warnings: Vec<&Violation> = violations.iter().filter(|v| v.severity != Severity::Error).collect();
        if !warnings.is_empty() {
            m.insert("warnings".into(), listed(warnings));
        }
        if let Some(extra) = extra.as_object() {
            m.extend(extra.clone());
        }
    }
    Entry::new(Action::Create, "recruit_step", Some(step.id.to_string())).in_org(&person.org_path).changes(changes)
}

/// Register a person in the pipeline with the step-1 event (递交入党申请书 on `applied_on`). The
/// step is checked by the rules like any other (the age at application is `dev.min_age`). Refused
/// if the ID number is already a member's (not left) or an open pipeline person's.
pub async fn create(db: &Db, scope: &Scope, meta: &Meta, input: PersonInput) -> StoreResult<PersonDetail> {
    crate::audit::recording_denial(db, scope, meta, "recruit_person", None, async {
        require_write(scope)?;
        let today = today_china();
        let params = params(db, scope).await?;
        let record = rules::Person { birth_date: input.birth_date, applied_on: input.applied_on, events: Vec::new() };
        let proposed = Event::new(input.applied_on, Facts::Application);
        let violations = rules::check_step(&record, &proposed, &params, today);
        let reason = input.override_reason.as_deref();
        let overridden = gate(&violations, &params, reason, &proposed.facts, "applied_on")?;
        let tx = db.begin_write().await?;
        let org = target_org(&tx, scope, input.org_id).await?;
        duplicate_check(&tx, db, scope, &input.id_card).await?;
        let keys = db.field_keys()?;
        let now = crate::now();
        let (phone_enc, phone_idx, phone_masked) = match &input.phone {
            Some(p) => (Some(keys.encrypt(p.as_str())), Some(keys.blind_index(p.as_str())), Some(p.masked())),
            None => (None, None, None),
        };
        let q = crate::sql::insert_row(
            "recruit_person",
            vec![
                ("org_id", org.id.0.into()),
                ("name", input.name.as_str().into()),
                ("gender", input.gender.key().into()),
                ("ethnicity", input.ethnicity.into()),
                ("birth_date", input.birth_date.into()),
                ("education", input.education.key().into()),
                ("work_post", input.work_post.clone().into()),
                ("id_card_enc", keys.encrypt(input.id_card.as_str()).into()),
                ("id_card_idx", keys.blind_index(input.id_card.as_str()).into()),
                ("id_card_masked", input.id_card.masked().into()),
                ("phone_enc", phone_enc.into()),
                ("phone_idx", phone_idx.into()),
                ("phone_masked", phone_masked.into()),
                ("applied_on", input.applied_on.into()),
                ("stage", Step::Application.stage().key().into()),
                ("status", PersonStatus::InProgress.key().into()),
                ("member_id", Option::<i64>::None.into()),
                ("created_at", now.into()),
                ("created_by", scope.actor().username.clone().into()),
                ("updated_at", now.into()),
            ],
        )
        .returning_col("id")
        .take();
        // Registered by someone else since the check (the partial unique index of m0007).
        let row = tx.query_one(&q).await.map_err(StoreError::from).map_err(|e| {
            if e.is_unique_violation() {
                StoreError::invalid("id_card", "duplicate", "该身份证号刚刚已被登记到发展程序中，请刷新后查看")
            } else {
                e
            }
        })?;
        let row = row.ok_or_else(|| StoreError::Corrupt("insert returned nothing".into()))?;
        let id: i64 = row.try_get("", "id")?;
        let step = CheckedStep {
            held_on: input.applied_on,
            facts: Facts::Application,
            actor: None,
            note: None,
            override_reason: if overridden.is_empty() { None } else { input.override_reason.clone() },
        };
        let step_id = insert_step(&tx, scope, id, &step).await?;
        let person = fetch_person(&tx, scope, id).await?.ok_or(StoreError::NotFound)?;
        let entry = Entry::new(Action::Create, "recruit_person", Some(id.to_string()))
            .in_org(&person.org_path)
            .changes(audit::diff(&serde_json::json!({}), &person.audit_fields()));
        audit::append(&tx, scope, meta, entry).await?;
        let steps = fetch_steps(&tx, id).await?;
        let first = steps.iter().find(|s| s.id == step_id).ok_or(StoreError::NotFound)?;
        let entry = step_entry(&person, first, &overridden, &violations, serde_json::Value::Null);
        audit::append(&tx, scope, meta, entry).await?;
        let out = detail(&tx, scope, person, &params, today).await?;
        tx.commit().await?;
        Ok(out)
    })
    .await
}

/// Load a person in scope for a change, locked for the transaction.
async fn load_for_write(tx: &DatabaseTransaction, scope: &Scope, id: i64) -> StoreResult<Person> {
    lock(tx, id).await?;
    fetch_person(tx, scope, id).await?.ok_or(StoreError::NotFound)
}

/// Why a person's record may not change any more, if so.
fn closed(person: &Person) -> Option<StoreError> {
    match person.status {
        PersonStatus::Withdrawn => {
            Some(StoreError::conflict("withdrawn", "该人员已退出发展程序，不能再记录或更改发展步骤"))
        }
        PersonStatus::Cancelled => {
            Some(StoreError::conflict("cancelled", "该人员已被取消预备党员资格，发展程序已结束"))
        }
        _ => None,
    }
}

/// Record a step of a person in scope. The rules judge it against the steps recorded (with the
/// county's parameters, on today's date in China): an error refuses the step, with one field
/// error per violation naming the rule, unless the county allows overrides and a reason is given
/// (the reason is kept with the step, the rules overridden go into the audit record). Warnings
/// never refuse. The approval of the admission registers the person as a 预备党员, the approval of
/// the 转正 decision regularizes, extends or cancels — all in the same transaction.
pub async fn record_step(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    person_id: i64,
    input: StepInput,
) -> StoreResult<PersonDetail> {
    crate::audit::recording_denial(db, scope, meta, "recruit_person", Some(person_id.to_string()), async {
        require_write(scope)?;
        let today = today_china();
        let mut step = input.check(today).map_err(StoreError::Invalid)?;
        if step.facts.step() == Step::Application {
            return Err(StoreError::invalid(
                "step",
                "application_recorded",
                "递交入党申请书在登记入党申请人时已记录，不能另行记录",
            ));
        }
        let params = params(db, scope).await?;
        let tx = db.begin_write().await?;
        let person = load_for_write(&tx, scope, person_id).await?;
        if let Some(e) = closed(&person) {
            return Err(e);
        }
        let mut steps = fetch_steps(&tx, person_id).await?;
        if let Some(a) = steps.iter().find(|s| s.step == Step::Archiving) {
            return Err(StoreError::conflict("archived", format!("已于{}材料归档，发展程序已结束", a.held_on)));
        }
        let record = super::model::rules_person(person.birth_date, person.applied_on, &steps);
        let proposed = Event::new(step.held_on, step.facts.clone());
        let violations = rules::check_step(&record, &proposed, &params, today);
        let overridden = gate(&violations, &params, step.override_reason.as_deref(), &step.facts, "held_on")?;
        if overridden.is_empty() {
            // A reason is kept only with a step that needed one.
            step.override_reason = None;
        }
        let step_id = insert_step(&tx, scope, person_id, &step).await?;
        steps = fetch_steps(&tx, person_id).await?;
        let new = steps.iter().find(|s| s.id == step_id).cloned().ok_or(StoreError::NotFound)?;
        let record = super::model::rules_person(person.birth_date, person.applied_on, &steps);
        let effect = effects::apply(&tx, db, scope, meta, &person, &new, &steps, &record, &params).await?;
        let stage = stage_of(&steps);
        let status = effect.map_or(person.status, Effect::status);
        let q = Query::update()
            .table("recruit_person")
            .value("stage", stage.key())
            .value("status", status.key())
            .value("updated_at", crate::now())
            .and_where(Expr::col("id").eq(person_id))
            .take();
        tx.execute(&q).await?;
        let mut extra = serde_json::Map::new();
        if stage != person.stage {
            extra.insert("stage".into(), serde_json::json!({ "from": person.stage.key(), "to": stage.key() }));
        }
        if status != person.status {
            extra.insert("status".into(), serde_json::json!({ "from": person.status.key(), "to": status.key() }));
        }
        if let Some(e) = effect {
            extra.insert("member".into(), e.audit());
        }
        let entry = step_entry(&person, &new, &overridden, &violations, serde_json::Value::Object(extra));
        audit::append(&tx, scope, meta, entry).await?;
        let person = fetch_person(&tx, scope, person_id).await?.ok_or(StoreError::NotFound)?;
        if let Some(e) = effect {
            debug_assert_eq!(person.member_id, Some(e.member()));
        }
        let out = detail(&tx, scope, person, &params, today).await?;
        tx.commit().await?;
        Ok(out)
    })
    .await
}

fn required_reason(reason: &str, what: &str) -> StoreResult<String> {
    let mut errors = Vec::new();
    match optional_text(reason, "reason", 500, &mut errors) {
        Some(r) => Ok(r),
        None if errors.is_empty() => Err(StoreError::invalid("reason", "required", format!("请填写{what}的原因"))),
        None => Err(StoreError::Invalid(errors)),
    }
}

/// Delete the last step of a person in scope (entered by mistake), with a reason kept in the
/// audit record. Only the last step of the history may be deleted, never the application (leave
/// the pipeline instead) and never a step that created or changed a member record (the approval
/// of the admission or of the 转正 decision: correct the member record instead).
pub async fn delete_step(
    db: &Db,
    scope: &Scope,
    meta: &Meta,
    person_id: i64,
    step_id: i64,
    reason: &str,
) -> StoreResult<PersonDetail> {
    crate::audit::recording_denial(db, scope, meta, "recruit_step", Some(step_id.to_string()), async {
        require_write(scope)?;
        let reason = required_reason(reason, "删除")?;
        let params = params(db, scope).await?;
        let tx = db.begin_write().await?;
        let person = load_for_write(&tx, scope, person_id).await?;
        let mut steps = fetch_steps(&tx, person_id).await?;
        let Some(target) = steps.iter().find(|s| s.id == step_id).cloned() else {
            return Err(StoreError::NotFound);
        };
        if let Some(e) = closed(&person) {
            return Err(e);
        }
        if let Some(last) = steps.last()
            && last.id != step_id
        {
            return Err(StoreError::conflict(
                "not_last_step",
                format!(
                    "只能删除最后一个步骤：第{}步“{}”（{}）",
                    last.step.number(),
                    last.step.full_label(),
                    last.held_on
                ),
            ));
        }
        if target.step == Step::Application {
            return Err(StoreError::conflict(
                "application_step",
                "递交入党申请书是发展程序的起点，不能删除；如不再发展，请办理退出发展程序",
            ));
        }
        if effects::touches_registry(target.step) {
            return Err(StoreError::conflict(
                "member_changed",
                format!(
                    "第{}步“{}”已登记或变更了党员名册中的信息，不能删除；如需更正，请在党员信息中办理",
                    target.step.number(),
                    target.step.full_label()
                ),
            ));
        }
        tx.execute(&Query::delete().from_table("recruit_step").and_where(Expr::col("id").eq(step_id)).take()).await?;
        steps.retain(|s| s.id != step_id);
        let stage = stage_of(&steps);
        let q = Query::update()
            .table("recruit_person")
            .value("stage", stage.key())
            .value("updated_at", crate::now())
            .and_where(Expr::col("id").eq(person_id))
            .take();
        tx.execute(&q).await?;
        let mut changes = audit::diff(&target.audit_fields(person_id), &serde_json::json!({}));
        if let Some(m) = changes.as_object_mut() {
            m.insert("reason".into(), serde_json::json!(reason));
            if stage != person.stage {
                m.insert("stage".into(), serde_json::json!({ "from": person.stage.key(), "to": stage.key() }));
            }
        }
        let entry = Entry::new(Action::Delete, "recruit_step", Some(step_id.to_string()))
            .in_org(&person.org_path)
            .changes(changes);
        audit::append(&tx, scope, meta, entry).await?;
        let person = fetch_person(&tx, scope, person_id).await?.ok_or(StoreError::NotFound)?;
        let out = detail(&tx, scope, person, &params, today_china()).await?;
        tx.commit().await?;
        Ok(out)
    })
    .await
}

/// A person in scope leaves the pipeline before admission (退出发展程序: moved away, no longer
/// wishes to join, found not to meet the conditions …), with a reason kept in the audit record.
/// A 预备党员 cannot leave this way: the 支部大会 must decide to cancel the membership (step 23).
pub async fn withdraw(db: &Db, scope: &Scope, meta: &Meta, person_id: i64, reason: &str) -> StoreResult<PersonDetail> {
    crate::audit::recording_denial(db, scope, meta, "recruit_person", Some(person_id.to_string()), async {
        require_write(scope)?;
        let reason = required_reason(reason, "退出发展程序")?;
        let params = params(db, scope).await?;
        let tx = db.begin_write().await?;
        let person = load_for_write(&tx, scope, person_id).await?;
        if let Some(e) = closed(&person) {
            return Err(e);
        }
        if person.status != PersonStatus::InProgress {
            return Err(StoreError::conflict(
                "admitted",
                "该人员已被接收为预备党员，不能退出发展程序；如不具备转正条件，应经支部大会讨论取消预备党员资格",
            ));
        }
        let q = Query::update()
            .table("recruit_person")
            .value("status", PersonStatus::Withdrawn.key())
            .value("updated_at", crate::now())
            .and_where(Expr::col("id").eq(person_id))
            .take();
        tx.execute(&q).await?;
        let changes = serde_json::json!({
            "status": { "from": person.status.key(), "to": PersonStatus::Withdrawn.key() },
            "reason": reason,
        });
        let entry = Entry::new(Action::Update, "recruit_person", Some(person_id.to_string()))
            .in_org(&person.org_path)
            .changes(changes);
        audit::append(&tx, scope, meta, entry).await?;
        let person = fetch_person(&tx, scope, person_id).await?.ok_or(StoreError::NotFound)?;
        let out = detail(&tx, scope, person, &params, today_china()).await?;
        tx.commit().await?;
        Ok(out)
    })
    .await
}
