//! What is due: every person still being developed in a scope (a branch, a township, the county),
//! with their next step and its deadline, sorted by the deadline.
//!
//! A county has thousands of persons: the persons and all their steps are read in two queries for
//! the whole scope (each one JSON value, `sql::fetch_json`), grouped in memory, and each history
//! judged by the rules.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiceng_rules::recruit::{Due, Severity, Stage, Step};
use jiceng_types::{OrgId, OrgPath, Scope};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, JoinType, LikeExpr, Query, SelectStatement};
use serde::Serialize;

use super::model::{
    Person, PersonRow, PersonStatus, ROW_COLUMNS, STEP_COLUMNS, StepRecord, StepRow, judge, rules_person,
    select_in_scope,
};
use super::{params::params, require_read};
use crate::error::StoreResult;
use crate::scope_sql::path_in_scope;
use crate::sql::{fetch_json, like_escape};
use crate::{Db, Meta};

/// Which persons the pipeline shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineFilter {
    /// Only persons of this organization's subtree (a branch, or a township's branches).
    pub org: Option<OrgId>,
    /// Only persons at this stage.
    pub stage: Option<Stage>,
    /// Only persons whose next step is past its deadline.
    pub overdue_only: bool,
    /// Only persons whose next step is to be taken within this many days: not overdue, and its
    /// deadline falls in them or its window opens in them (a 预备党员 whose probation ends).
    pub due_within: Option<i64>,
    /// Part of the name, or an exact ID-card number.
    pub q: Option<String>,
}

/// One person of the pipeline and what is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipelineRow {
    /// The person's id.
    pub person_id: i64,
    /// 姓名.
    pub name: String,
    /// The branch responsible.
    pub org_id: OrgId,
    /// Its code.
    pub org_code: String,
    /// Its name.
    pub org_name: String,
    /// The furthest stage reached.
    pub stage: Stage,
    /// Where the person stands.
    pub status: PersonStatus,
    /// The last step of the history.
    pub last_step: Option<Step>,
    /// Its date.
    pub last_on: Option<NaiveDate>,
    /// The next step and its window (`None` when nothing is left to do).
    pub next: Option<Due>,
    /// Days from today to the next step's deadline (negative when overdue).
    pub days_left: Option<i64>,
    /// How many violations of the rules the history has.
    pub violations: usize,
    /// Of which errors.
    pub errors: usize,
    /// The branch's path.
    #[serde(skip)]
    pub org_path: OrgPath,
}

impl PipelineRow {
    /// Whether the next step is past its deadline.
    pub fn overdue(&self) -> bool {
        self.days_left.is_some_and(|d| d < 0)
    }

    /// Whether the next step is to be taken within `days` of `today`: not overdue, and its
    /// deadline or the day its window opens falls in them.
    pub fn due_within(&self, today: NaiveDate, days: i64) -> bool {
        let Some(next) = self.next else { return false };
        let within = |d: NaiveDate| (0..=days).contains(&(d - today).num_days());
        !self.overdue() && (next.latest.is_some_and(within) || next.earliest.is_some_and(within))
    }

    /// Whether the row passes the filters applied after judging (overdue, due within).
    pub(crate) fn judged_filter(&self, filter: &PipelineFilter, today: NaiveDate) -> bool {
        (!filter.overdue_only || self.overdue()) && filter.due_within.is_none_or(|n| self.due_within(today, n))
    }
}

/// The persons of the pipeline: in progress and probationary, and full members whose materials
/// are not archived yet (step 25 is still due).
fn open_condition() -> Condition {
    let archived = Query::select()
        .expr(Expr::val(1))
        .from_as("recruit_step", "a")
        .and_where(Expr::col(("a", "person_id")).equals(("p", "id")))
        .and_where(Expr::col(("a", "step")).eq(Step::Archiving.key()))
        .take();
    Condition::any()
        .add(Expr::col(("p", "status")).is_in([PersonStatus::InProgress.key(), PersonStatus::Probationary.key()]))
        .add(
            Condition::all()
                .add(Expr::col(("p", "status")).eq(PersonStatus::Full.key()))
                .add(Expr::exists(archived).not()),
        )
}

/// What the search box asks for.
pub(crate) enum Search {
    /// The person with this ID-card number (its blind index).
    IdCard(String),
    /// Persons whose name contains this (without spaces).
    Name(String),
}

/// The filter's search, if any: an ID-card number, else part of a name.
pub(crate) fn search(db: &Db, filter: &PipelineFilter) -> StoreResult<Option<Search>> {
    let Some(q) = filter.q.as_deref().map(jiceng_types::text::normalize).filter(|q| !q.is_empty()) else {
        return Ok(None);
    };
    Ok(Some(match jiceng_types::idcard::IdCardNo::parse_allow_legacy(&q) {
        Ok(id) => Search::IdCard(db.field_keys()?.blind_index(id.as_str())),
        Err(_) => Search::Name(q.chars().filter(|c| !c.is_whitespace()).collect()),
    }))
}

/// The filter's condition (the scope is added by the selects).
async fn condition(db: &Db, scope: &Scope, filter: &PipelineFilter) -> StoreResult<Condition> {
    let mut cond = Condition::all().add(open_condition());
    if let Some(org) = filter.org {
        let o = crate::org::get(db, scope, &Meta::default(), org).await?;
        cond = cond
            .add(Expr::col(("o", "path")).gte(o.path.as_str()).and(Expr::col(("o", "path")).lt(o.path.upper_bound())));
    }
    if let Some(stage) = filter.stage {
        cond = cond.add(Expr::col(("p", "stage")).eq(stage.key()));
    }
    match search(db, filter)? {
        Some(Search::IdCard(idx)) => cond = cond.add(Expr::col(("p", "id_card_idx")).eq(idx)),
        Some(Search::Name(name)) => {
            cond =
                cond.add(Expr::col(("p", "name")).like(LikeExpr::new(format!("%{}%", like_escape(&name))).escape('\\')))
        }
        None => {}
    }
    Ok(cond)
}

/// The steps of the persons a condition selects, in the scope.
fn steps_select(scope: &Scope, cond: Condition) -> SelectStatement {
    Query::select()
        .columns(STEP_COLUMNS.map(|c| ("s", c)))
        .from_as("recruit_step", "s")
        .join_as(JoinType::InnerJoin, "recruit_person", "p", Expr::col(("p", "id")).equals(("s", "person_id")))
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("p", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .cond_where(cond)
        .take()
}

/// Every person in scope still being developed, with their next step and its deadline, sorted by
/// the deadline (overdue first; persons whose next step has no deadline last).
///
/// Where the pipeline is kept in memory ([`Db::keep_pipeline_in_memory`]), each county's persons are
/// judged once a day and again after a change, and the list is a filter over them.
pub async fn pipeline(db: &Db, scope: &Scope, filter: &PipelineFilter) -> StoreResult<Vec<PipelineRow>> {
    require_read(scope)?;
    if let Some(rows) = super::resident::pipeline(db, scope, filter).await? {
        return Ok(rows);
    }
    let mut rows = judge_in_scope(db, scope, filter, jiceng_types::date::today_china()).await?;
    sort(&mut rows);
    Ok(rows)
}

/// The persons of a scope matching a filter, read and judged as of `today`, in no order.
pub(crate) async fn judge_in_scope(
    db: &Db,
    scope: &Scope,
    filter: &PipelineFilter,
    today: NaiveDate,
) -> StoreResult<Vec<PipelineRow>> {
    let params = params(db, scope).await?;
    let cond = condition(db, scope, filter).await?;
    let persons_q = select_in_scope(scope).cond_where(cond.clone()).take();
    let persons: Vec<PersonRow> = fetch_json(db.conn(), &persons_q, &ROW_COLUMNS).await?;
    if persons.is_empty() {
        return Ok(Vec::new());
    }
    let step_rows: Vec<StepRow> = fetch_json(db.conn(), &steps_select(scope, cond), &STEP_COLUMNS).await?;
    let mut steps: HashMap<i64, Vec<StepRecord>> = HashMap::with_capacity(persons.len());
    for row in step_rows {
        let person_id = row.person_id;
        steps.entry(person_id).or_default().push(StepRecord::try_from(row)?);
    }
    let mut rows = Vec::with_capacity(persons.len());
    for row in persons {
        let person = Person::try_from(row)?;
        let mut history = steps.remove(&person.id).unwrap_or_default();
        history.sort_by_key(StepRecord::order_key);
        let record = rules_person(person.birth_date, person.applied_on, &history);
        let (violations, next) = judge(person.status, &record, &history, &params, today);
        let days_left = next.and_then(|n| n.days_left(today));
        let last = history.last();
        let row = PipelineRow {
            person_id: person.id,
            name: person.name,
            org_id: person.org_id,
            org_code: person.org_code,
            org_name: person.org_name,
            stage: person.stage,
            status: person.status,
            last_step: last.map(|s| s.step),
            last_on: last.map(|s| s.held_on),
            next,
            days_left,
            violations: violations.len(),
            errors: violations.iter().filter(|v| v.severity == Severity::Error).count(),
            org_path: person.org_path,
        };
        if row.judged_filter(filter, today) {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The order of the list: by deadline (none last), then the earliest day, the branch, the name.
pub(crate) fn sort(rows: &mut [PipelineRow]) {
    fn key(r: &PipelineRow) -> (bool, Option<NaiveDate>, Option<NaiveDate>, &str, &str, i64) {
        let latest = r.next.and_then(|n| n.latest);
        (latest.is_none(), latest, r.next.and_then(|n| n.earliest), r.org_path.as_str(), &r.name, r.person_id)
    }
    rows.sort_by(|a, b| key(a).cmp(&key(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(today: NaiveDate, earliest: Option<i64>, latest: Option<i64>) -> PipelineRow {
        let day = |n: i64| today + chrono::Duration::days(n);
        let next = Due {
            step: Step::RegularizationMeeting,
            earliest: earliest.map(day),
            latest: latest.map(day),
            rule_id: None,
        };
        PipelineRow {
            person_id: 1,
            name: "甲".into(),
            org_id: OrgId(1),
            org_code: "1".into(),
            org_name: "支部".into(),
            stage: Stage::Probation,
            status: PersonStatus::Probationary,
            last_step: None,
            last_on: None,
            next: Some(next),
            days_left: next.days_left(today),
            violations: 0,
            errors: 0,
            org_path: OrgPath::root(OrgId(1)),
        }
    }

    #[test]
    fn due_within_counts_the_deadline_or_the_opening_of_the_window() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let within = |e, l| row(today, e, l).due_within(today, 30);
        // The deadline: the day of, the 30th day, not the 31st, not past.
        assert!(within(None, Some(0)));
        assert!(within(None, Some(30)));
        assert!(!within(None, Some(31)));
        assert!(!within(None, Some(-1)), "overdue is not 'to be done'");
        // The window opens within 30 days (a probation ending), its deadline later.
        assert!(within(Some(30), Some(120)));
        assert!(!within(Some(31), Some(120)));
        // Open already, deadline far: not due soon.
        assert!(!within(Some(-10), Some(80)));
        // Nothing left to do.
        let mut done = row(today, None, None);
        done.next = None;
        assert!(!done.due_within(today, 30));
    }
}
