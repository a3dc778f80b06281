//! Data-quality checks (数据质量检查) over the caller's scope: gather the facts the rules need
//! from the tree, the roster, the teams and the transfers, and run `jiceng-rules`.

use std::collections::HashMap;

use chrono::NaiveDate;
use jiceng_rules::quality::{self, Finding, MemberFacts, OrgFacts, QualityParams};
use jiceng_types::person::{MemberCategory, MemberStatus};
use jiceng_types::{OrgKind, OrgStatus, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::Db;
use crate::error::{StoreError, StoreResult};
use crate::scope_sql::path_in_scope;

/// The findings in scope, with the name of the organization or member each is about.
#[derive(Debug, Clone)]
pub struct Report {
    /// The findings, most serious first, then by rule and organization.
    pub findings: Vec<Finding>,
    /// Names of the organizations the findings refer to.
    pub org_names: HashMap<i64, String>,
}

/// Run every check over the scope (needs the right to read member data).
pub async fn check(db: &Db, scope: &Scope, today: NaiveDate, params: &QualityParams) -> StoreResult<Report> {
    if !scope.can(Right::ReadMembers) {
        return Err(StoreError::forbidden("no_member_right", "您没有查看党员信息的权限"));
    }
    let orgs = org_facts(db, scope).await?;
    let org_names: HashMap<i64, String> = orgs.iter().map(|o| (o.id, o.name.clone())).collect();
    let members = member_facts(db, scope).await?;
    let transfers = crate::member::transfer::transfer_facts(db, scope).await?;
    let mut findings = quality::check(&orgs, &members, &transfers, today, params);
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule_id.cmp(b.rule_id)).then(a.org_id.cmp(&b.org_id)));
    Ok(Report { findings, org_names })
}

async fn org_facts(db: &Db, scope: &Scope) -> StoreResult<Vec<OrgFacts>> {
    #[derive(FromQueryResult)]
    struct O {
        id: i64,
        name: String,
        kind: String,
        term_end: Option<NaiveDate>,
    }
    let q = Query::select()
        .columns([("org", "id"), ("org", "name"), ("org", "kind"), ("org", "term_end")])
        .from("org")
        .cond_where(path_in_scope(scope, ("org", "path")))
        .and_where(Expr::col(("org", "status")).eq(OrgStatus::Active.key()))
        .take();
    let rows = db.conn().query_all(&q).await?;
    // Active members by organization and category.
    #[derive(FromQueryResult)]
    struct C {
        org_id: i64,
        category: String,
        n: i64,
    }
    let counts = Query::select()
        .columns([("m", "org_id"), ("m", "category")])
        .expr_as(Expr::col(("m", "id")).count(), "n")
        .from_as("member", "m")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .and_where(Expr::col(("m", "status")).eq(MemberStatus::Active.key()))
        .group_by_col(("m", "org_id"))
        .group_by_col(("m", "category"))
        .take();
    let mut full: HashMap<i64, u32> = HashMap::new();
    let mut probationary: HashMap<i64, u32> = HashMap::new();
    for r in db.conn().query_all(&counts).await? {
        let c = C::from_query_result(&r, "")?;
        let n = u32::try_from(c.n).unwrap_or(u32::MAX);
        if c.category == MemberCategory::Probationary.key() {
            probationary.insert(c.org_id, n);
        } else {
            full.insert(c.org_id, n);
        }
    }
    let teams = crate::org::team::team_facts(db, scope).await?;
    rows.iter()
        .map(|r| {
            let o = O::from_query_result(r, "")?;
            let kind =
                OrgKind::parse(&o.kind).ok_or_else(|| StoreError::Corrupt(format!("org {}: kind {}", o.id, o.kind)))?;
            let t = teams.get(&jiceng_types::OrgId(o.id)).copied().unwrap_or_default();
            Ok(OrgFacts {
                id: o.id,
                name: o.name,
                kind,
                term_end: o.term_end,
                full_members: full.get(&o.id).copied().unwrap_or(0),
                probationary_members: probationary.get(&o.id).copied().unwrap_or(0),
                committee_size: t.committee_size,
                has_secretary: t.has_secretary,
                secretary_vacant_since: t.secretary_vacant_since,
            })
        })
        .collect()
}

async fn member_facts(db: &Db, scope: &Scope) -> StoreResult<Vec<MemberFacts>> {
    #[derive(FromQueryResult)]
    struct M {
        id: i64,
        org_id: i64,
        org_status: String,
        name: String,
        status: String,
        category: String,
        birth_date: NaiveDate,
        admitted_on: NaiveDate,
        probation_extended_until: Option<NaiveDate>,
        id_card_idx: Option<String>,
        out_of_contact_since: Option<NaiveDate>,
        suspended_on: Option<NaiveDate>,
        mobile_since: Option<NaiveDate>,
        mobile_out_to: Option<String>,
    }
    let q = Query::select()
        .columns(
            [
                "id",
                "org_id",
                "name",
                "status",
                "category",
                "birth_date",
                "admitted_on",
                "probation_extended_until",
                "id_card_idx",
                "out_of_contact_since",
                "suspended_on",
                "mobile_since",
                "mobile_out_to",
            ]
            .map(|c| ("m", c)),
        )
        .expr_as(Expr::col(("o", "status")), "org_status")
        .from_as("member", "m")
        .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
        .cond_where(path_in_scope(scope, ("o", "path")))
        .and_where(Expr::col(("m", "status")).ne(MemberStatus::Left.key()))
        .take();
    let rows = db.conn().query_all(&q).await?;
    rows.iter()
        .map(|r| {
            let m = M::from_query_result(r, "")?;
            let bad = |what: &str| StoreError::Corrupt(format!("member {}: bad {what}", m.id));
            Ok(MemberFacts {
                status: MemberStatus::parse(&m.status).ok_or_else(|| bad("status"))?,
                category: MemberCategory::parse(&m.category).ok_or_else(|| bad("category"))?,
                id: m.id,
                org_id: m.org_id,
                org_active: m.org_status == OrgStatus::Active.key(),
                name: m.name,
                birth_date: m.birth_date,
                admitted_on: m.admitted_on,
                probation_extended_until: m.probation_extended_until,
                id_card_idx: m.id_card_idx,
                out_of_contact_since: m.out_of_contact_since,
                suspended_on: m.suspended_on,
                mobile_since: m.mobile_since,
                mobile_out_to: m.mobile_out_to,
            })
        })
        .collect()
}
