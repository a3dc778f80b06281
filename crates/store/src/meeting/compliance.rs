//! The compliance of organizational life over a scope and a period: gather the records the
//! rules need (organizations with their committees, groups and members over time; meetings with
//! their kinds, attendance, studies and votes; the 第一议题 register; training hours), run the
//! pure engine of `jiceng-rules`, and return its outcome with the names to show.
//!
//! Nothing is stored: findings are recomputed from the records every time, so they always match
//! a recomputation from scratch. The county's overrides of the rule parameters are a setting.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use jiceng_rules::meeting::{
    GroupInput, Input, KindSet, MeetingInput, MemberHours, MemberSpan, OrgInput, Outcome, Params, StudyItemInput,
    Tenure, View, VoteInput,
};
use jiceng_types::{OrgDomain, OrgId, OrgKind, OrgPath, OrgStatus, Scope};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use serde::{Deserialize, Serialize};

use super::require_read;
use crate::error::{StoreError, StoreResult};
use crate::scope_sql::path_in_scope;
use crate::{Db, Meta};

/// The setting that keeps the overrides of the rule parameters: `org_life_rules` for the whole
/// installation, `org_life_rules:<id>` for one county (its top-level organization), which wins.
pub const RULES_KEY: &str = "org_life_rules";

/// Meetings (and the rows attached to them) are read this many at a time.
const CHUNK: u64 = 50_000;

/// The rule parameters in force for a scope: the defaults of the rules table, the
/// installation's overrides, then its county's.
pub async fn params(db: &Db, scope: &Scope) -> StoreResult<Params> {
    crate::rule_params::load(db, scope).await
}

/// Set the overrides of the caller's county (or, from the command line, of the installation);
/// audited with every value before and after. Needs the right to change county settings.
pub async fn set_params(db: &Db, scope: &Scope, meta: &Meta, overrides: &BTreeMap<String, i64>) -> StoreResult<Params> {
    crate::rule_params::save(db, scope, meta, overrides).await
}

/// What a page needs to show about an organization named in the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgLabel {
    /// Id.
    pub id: i64,
    /// Parent.
    pub parent_id: Option<i64>,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// Domain.
    pub domain: OrgDomain,
    /// Materialized path.
    pub path: String,
    /// Active (not merged or dissolved).
    pub active: bool,
}

/// The outcome over a scope, with what is needed to show it.
#[derive(Debug, Clone)]
pub struct Report {
    /// Start of the period checked.
    pub from: NaiveDate,
    /// End of the period checked.
    pub to: NaiveDate,
    /// The day the check was made (periods ending after it are "due", not "missing").
    pub as_of: NaiveDate,
    /// The engine's outcome.
    pub outcome: Outcome,
    /// The organizations checked, by id.
    pub orgs: HashMap<i64, OrgLabel>,
    /// Titles of the study items checked, by id.
    pub study_titles: HashMap<i64, String>,
    /// The parameters used.
    pub params: Params,
}

/// Check the whole scope over `[from, to]` as of a day.
///
/// Each county is checked on its own, with its own parameters and its own 第一议题 register:
/// the command line's whole-installation scope (a province on one database) is checked county
/// by county and the outcomes joined.
pub async fn check(db: &Db, scope: &Scope, from: NaiveDate, to: NaiveDate, as_of: NaiveDate) -> StoreResult<Report> {
    require_read(scope)?;
    check_range(from, to)?;
    if scope.roots().is_some() {
        let params = params(db, scope).await?;
        if let Some(report) = from_resident(db, scope, &params, from, to, as_of).await? {
            return Ok(report);
        }
        let (input, orgs, study_titles) = gather(db, scope, None, from, to, as_of).await?;
        let outcome = jiceng_rules::meeting::evaluate(&input, &params, from, to, as_of);
        return Ok(Report { from, to, as_of, outcome, orgs, study_titles, params });
    }
    let top = Query::select().column("path").from("org").and_where(Expr::col("parent_id").is_null()).take();
    let mut report = Report {
        from,
        to,
        as_of,
        outcome: Outcome { obligations: Vec::new(), findings: Vec::new(), studies: Vec::new(), rates: Vec::new() },
        orgs: HashMap::new(),
        study_titles: HashMap::new(),
        params: params(db, scope).await?,
    };
    for row in db.conn().query_all(&top).await? {
        let path: String = row.try_get("", "path")?;
        let Some(path) = jiceng_types::OrgPath::parse(&path) else { continue };
        let county = Scope::cli_within(path);
        let params = params(db, &county).await?;
        let (o, orgs, titles) = match from_resident(db, &county, &params, from, to, as_of).await? {
            Some(r) => (r.outcome, r.orgs, r.study_titles),
            None => {
                let (input, orgs, titles) = gather(db, &county, None, from, to, as_of).await?;
                (jiceng_rules::meeting::evaluate(&input, &params, from, to, as_of), orgs, titles)
            }
        };
        report.outcome.obligations.extend(o.obligations);
        report.outcome.findings.extend(o.findings);
        report.outcome.studies.extend(o.studies);
        report.outcome.rates.extend(o.rates);
        report.orgs.extend(orgs);
        report.study_titles.extend(titles);
    }
    Ok(report)
}

/// Read every county's records into memory now (where they are kept in memory,
/// [`Db::keep_org_life_in_memory`]), so that the first check does not wait for them; returns
/// how many counties were read. A server does this in the background after it starts.
pub async fn preload(db: &Db) -> StoreResult<usize> {
    let Some(resident) = db.resident() else { return Ok(0) };
    let top = Query::select().column("path").from("org").and_where(Expr::col("parent_id").is_null()).take();
    let today = jiceng_types::date::today_china();
    let mut n = 0;
    for row in db.conn().query_all(&top).await? {
        let path: String = row.try_get("", "path")?;
        if let Some(path) = OrgPath::parse(&path)
            && resident.county(db, path, today).await?.is_some()
        {
            n += 1;
        }
    }
    Ok(n)
}

/// Check a scope within one county over the county's records kept in memory
/// ([`super::resident`]); `None` where they are not kept (not asked for, a scope over several
/// counties, a period outside their window).
async fn from_resident(
    db: &Db,
    scope: &Scope,
    params: &Params,
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> StoreResult<Option<Report>> {
    let (Some(resident), Some(roots)) = (db.resident(), scope.roots()) else { return Ok(None) };
    let Some(county) = crate::rule_params::county_of(scope) else { return Ok(None) };
    if roots.iter().any(|r| r.ids().first().map(|id| id.0) != Some(county)) {
        return Ok(None);
    }
    let today = jiceng_types::date::today_china();
    let Some(kept) = resident.county(db, OrgPath::root(OrgId(county)), today).await? else { return Ok(None) };
    if !kept.covers(from, to, as_of) {
        return Ok(None);
    }
    let keep = |l: &OrgLabel| OrgPath::parse(&l.path).is_some_and(|p| scope.contains(&p));
    let loaded = &kept.loaded;
    let (orgs, hours) = loaded.orgs_for(keep, from, to);
    let view = View {
        orgs: &orgs,
        meetings: &loaded.meetings,
        study_items: &loaded.items,
        hours: &hours,
        held: Some((from, std::cmp::max(to, as_of))),
        own_meetings_only: true,
    };
    let outcome = jiceng_rules::meeting::evaluate_view(view, params, from, to, as_of);
    let labels = loaded.labels.iter().filter(|(_, l)| keep(l)).map(|(id, l)| (*id, l.clone())).collect();
    let study_titles = loaded
        .items
        .iter()
        .filter(|s| from <= s.published_on && s.published_on <= to)
        .filter_map(|s| Some((s.id, loaded.titles.get(&s.id)?.clone())))
        .collect();
    Ok(Some(Report { from, to, as_of, outcome, orgs: labels, study_titles, params: params.clone() }))
}

/// Check one organization in scope (its own records only; a branch's page).
pub async fn check_org(
    db: &Db,
    scope: &Scope,
    org_id: OrgId,
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> StoreResult<Report> {
    require_read(scope)?;
    check_range(from, to)?;
    let params = params(db, scope).await?;
    let (input, orgs, study_titles) = gather(db, scope, Some(org_id), from, to, as_of).await?;
    if orgs.is_empty() {
        return Err(StoreError::NotFound);
    }
    let outcome = jiceng_rules::meeting::evaluate(&input, &params, from, to, as_of);
    Ok(Report { from, to, as_of, outcome, orgs, study_titles, params })
}

fn check_range(from: NaiveDate, to: NaiveDate) -> StoreResult<()> {
    if from > to {
        return Err(StoreError::invalid("from", "bad_range", "开始日期不能晚于结束日期"));
    }
    if (to - from).num_days() > 366 * 5 {
        return Err(StoreError::invalid("to", "too_long", "检查期间不能超过5年"));
    }
    Ok(())
}

#[derive(Deserialize)]
struct OrgRow {
    id: i64,
    parent_id: Option<i64>,
    code: String,
    name: String,
    kind: String,
    domain: String,
    path: String,
    status: String,
    established_on: Option<NaiveDate>,
    status_on: Option<NaiveDate>,
}

/// The columns of [`OrgRow`].
const ORG_COLUMNS: [&str; 10] =
    ["id", "parent_id", "code", "name", "kind", "domain", "path", "status", "established_on", "status_on"];

/// The organizations of the scope (or the one organization), any status.
fn org_select(scope: &Scope, org: Option<OrgId>) -> SelectStatement {
    let mut q = Query::select()
        .columns(ORG_COLUMNS.map(|c| ("o", c)))
        .from_as("org", "o")
        .cond_where(path_in_scope(scope, ("o", "path")))
        .take();
    if let Some(o) = org {
        q.and_where(Expr::col(("o", "id")).eq(o.0));
    }
    q
}

/// Restrict a select over a table aliased `t` with an `org_id` column to the orgs checked.
fn in_orgs(q: &mut SelectStatement, scope: &Scope, org: Option<OrgId>, alias: &'static str) {
    match org {
        Some(o) => {
            q.and_where(Expr::col((alias, "org_id")).eq(o.0));
            // The org itself was checked against the scope when the orgs were read.
        }
        None => {
            q.join_as(JoinType::InnerJoin, "org", "so", Expr::col(("so", "id")).equals((alias, "org_id")))
                .cond_where(path_in_scope(scope, ("so", "path")));
        }
    }
}

macro_rules! has_id {
    ($($t:ty),*) => { $(impl HasId for $t { fn id(&self) -> i64 { self.id } })* };
}

has_id!(MemberRow);

/// Read the records the engine needs.
pub async fn gather(
    db: &Db,
    scope: &Scope,
    org: Option<OrgId>,
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> StoreResult<(Input, HashMap<i64, OrgLabel>, HashMap<i64, String>)> {
    let loaded = load(db, scope, org, from, to, std::cmp::max(to, as_of)).await?;
    let (orgs, hours) = loaded.orgs_for(|_| true, from, to);
    let Loaded { labels, items, titles, meetings, .. } = loaded;
    Ok((Input { orgs, meetings, study_items: items, hours }, labels, titles))
}

/// A member of an organization as read: the span of membership is worked out for each check
/// ([`MemberRow::span`]), since it depends on the check's first day.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MemberRow {
    pub(crate) id: i64,
    pub(crate) org_id: i64,
    status: String,
    admitted_on: Option<NaiveDate>,
    suspended_on: Option<NaiveDate>,
    left_on: Option<NaiveDate>,
}

impl MemberRow {
    const COLUMNS: [&str; 6] = ["id", "org_id", "status", "admitted_on", "suspended_on", "left_on"];

    /// The member's span in a check from `from`: `None` for a member gone before it.
    fn span(&self, from: NaiveDate) -> Option<MemberSpan> {
        let to = match self.status.as_str() {
            "active" => None,
            "suspended" => Some(self.suspended_on.unwrap_or(from)),
            _ => Some(self.left_on.unwrap_or(from)),
        };
        if to.is_some_and(|t| t < from) {
            return None;
        }
        // A member counts from admission (入党); the date of joining this organization is not
        // kept apart from the transfer history, so a member moved in mid-year counts all year.
        Some(MemberSpan { member_id: self.id, from: self.admitted_on, to })
    }
}

/// The records of a scope as read for a window, before they are cut to one check.
#[derive(Debug, Clone, Default)]
pub(crate) struct Loaded {
    /// The organizations (any status) with their committees and groups; members apart.
    pub(crate) orgs: Vec<OrgInput>,
    /// What to show of them, by id.
    pub(crate) labels: HashMap<i64, OrgLabel>,
    /// Their members by organization, each list sorted by id.
    pub(crate) members: HashMap<i64, Vec<MemberRow>>,
    /// The 第一议题 items published in the window.
    pub(crate) items: Vec<StudyItemInput>,
    /// Their titles.
    pub(crate) titles: HashMap<i64, String>,
    /// The meetings held in the window, sorted by id.
    pub(crate) meetings: Vec<MeetingInput>,
    /// Training hours per member and year of the window.
    pub(crate) sums: HashMap<(i64, i32), f64>,
}

impl Loaded {
    /// The organizations accepted by `keep`, with their members over a check from `from` to
    /// `to`, and the yearly training hours of those members.
    pub(crate) fn orgs_for(
        &self,
        keep: impl Fn(&OrgLabel) -> bool,
        from: NaiveDate,
        to: NaiveDate,
    ) -> (Vec<OrgInput>, Vec<MemberHours>) {
        let orgs: Vec<OrgInput> = self
            .orgs
            .iter()
            .filter(|o| self.labels.get(&o.id).is_some_and(&keep))
            .map(|o| {
                let members = self.members.get(&o.id).map_or(&[][..], Vec::as_slice);
                OrgInput { members: members.iter().filter_map(|m| m.span(from)).collect(), ..o.clone() }
            })
            .collect();
        let hours = member_hours(&orgs, from, to, &self.sums);
        (orgs, hours)
    }
}

/// Read the records of the scope (or of one organization in it) for a window: meetings held
/// from `from` to `last`, items published and training held from `from` to `to`.
pub(crate) async fn load(
    db: &Db,
    scope: &Scope,
    org: Option<OrgId>,
    from: NaiveDate,
    to: NaiveDate,
    last: NaiveDate,
) -> StoreResult<Loaded> {
    let conn = db.conn();
    let org_rows: Vec<OrgRow> = crate::sql::fetch_json(conn, &org_select(scope, org), &ORG_COLUMNS).await?;
    let mut labels = HashMap::with_capacity(org_rows.len());
    let mut orgs: Vec<OrgInput> = Vec::with_capacity(org_rows.len());
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(org_rows.len());
    for r in org_rows {
        let kind = OrgKind::parse(&r.kind).ok_or_else(|| StoreError::Corrupt(format!("org kind {}", r.kind)))?;
        let domain = OrgDomain::parse(&r.domain).unwrap_or(OrgDomain::Other);
        let active = r.status == OrgStatus::Active.key();
        index.insert(r.id, orgs.len());
        orgs.push(OrgInput {
            id: r.id,
            kind,
            created_on: r.established_on,
            ended_on: if active { None } else { r.status_on },
            team: Vec::new(),
            groups: Vec::new(),
            members: Vec::new(),
        });
        labels.insert(
            r.id,
            OrgLabel {
                id: r.id,
                parent_id: r.parent_id,
                code: r.code,
                name: r.name,
                kind,
                domain,
                path: r.path,
                active,
            },
        );
    }
    if orgs.is_empty() {
        return Ok(Loaded { orgs, labels, ..Loaded::default() });
    }

    // Party committees (党组织班子) over time.
    #[derive(Deserialize)]
    struct T {
        org_id: i64,
        member_id: Option<i64>,
        post: String,
        started_on: NaiveDate,
        ended_on: Option<NaiveDate>,
    }
    let mut q = Query::select()
        .columns([("t", "org_id"), ("t", "member_id"), ("t", "post"), ("t", "started_on"), ("t", "ended_on")])
        .from_as("org_team", "t")
        .and_where(Expr::col(("t", "committee")).eq("party"))
        .take();
    in_orgs(&mut q, scope, org, "t");
    let teams: Vec<T> =
        crate::sql::fetch_json(conn, &q, &["org_id", "member_id", "post", "started_on", "ended_on"]).await?;
    for t in teams {
        if let Some(&i) = index.get(&t.org_id) {
            orgs[i].team.push(Tenure {
                member_id: t.member_id,
                secretary: t.post == "secretary",
                from: t.started_on,
                to: t.ended_on,
            });
        }
    }

    // Party groups.
    #[derive(Deserialize)]
    struct G {
        id: i64,
        org_id: i64,
        created_on: Option<NaiveDate>,
        ended_on: Option<NaiveDate>,
    }
    let mut q = Query::select()
        .columns([("t", "id"), ("t", "org_id"), ("t", "created_on"), ("t", "ended_on")])
        .from_as("party_group", "t")
        .take();
    in_orgs(&mut q, scope, org, "t");
    let groups: Vec<G> = crate::sql::fetch_json(conn, &q, &["id", "org_id", "created_on", "ended_on"]).await?;
    for g in groups {
        if let Some(&i) = index.get(&g.org_id) {
            orgs[i].groups.push(GroupInput { id: g.id, created_on: g.created_on, ended_on: g.ended_on });
        }
    }

    // Members over time (the current organization; left or suspended ones up to that day).
    let mut q = Query::select().columns(MemberRow::COLUMNS.map(|c| ("t", c))).from_as("member", "t").take();
    in_orgs(&mut q, scope, org, "t");
    let rows: Vec<MemberRow> = chunked(conn, q, ("t", "id"), &MemberRow::COLUMNS).await?;
    let mut members: HashMap<i64, Vec<MemberRow>> = HashMap::new();
    for m in rows {
        if index.contains_key(&m.org_id) && m.span(from).is_some() {
            members.entry(m.org_id).or_default().push(m);
        }
    }

    // The 第一议题 register: every item published in the period, as seen from the scope.
    #[derive(Deserialize)]
    struct S {
        id: i64,
        title: String,
        published_on: NaiveDate,
        levels: i64,
        within_days: Option<i64>,
    }
    let mut q = Query::select()
        .columns(["id", "title", "published_on", "levels", "within_days"].map(|c| ("s", c)))
        .from_as("study_item", "s")
        .and_where(Expr::col(("s", "withdrawn_at")).is_null())
        .and_where(Expr::col(("s", "published_on")).gte(from))
        .and_where(Expr::col(("s", "published_on")).lte(to))
        .take();
    // A county's register applies to its own organizations only.
    if let Some(county) = crate::rule_params::county_of(scope) {
        let root = format!("/{county}/");
        let upper = format!("/{county}0");
        q.join_as(JoinType::InnerJoin, "org", "k", Expr::col(("k", "id")).equals(("s", "org_id")))
            .and_where(Expr::col(("k", "path")).gte(root))
            .and_where(Expr::col(("k", "path")).lt(upper));
    }
    let items: Vec<S> =
        crate::sql::fetch_json(conn, &q, &["id", "title", "published_on", "levels", "within_days"]).await?;
    let mut titles = HashMap::with_capacity(items.len());
    let items = items
        .into_iter()
        .map(|s| {
            titles.insert(s.id, s.title);
            StudyItemInput {
                id: s.id,
                published_on: s.published_on,
                levels: u8::try_from(s.levels).unwrap_or(0),
                within_days: s.within_days.and_then(|d| u32::try_from(d).ok()),
            }
        })
        .collect();

    // Meetings held in the period, or after it up to the check day (a late study of an item
    // published in the period is a meeting after it).
    #[derive(Deserialize)]
    struct Mt {
        id: i64,
        org_id: i64,
        group_id: Option<i64>,
        kinds: i64,
        held_on: NaiveDate,
        recorded_at: DateTime<Utc>,
        recorded_by_user: Option<i64>,
        lecturer_member_id: Option<i64>,
        expected: i64,
        present: i64,
        first_agenda: serde_json::Value,
        minutes_hash: Option<i64>,
        source: String,
    }
    has_id!(Mt);
    let mt_cols = [
        "id",
        "org_id",
        "group_id",
        "kinds",
        "held_on",
        "recorded_at",
        "recorded_by_user",
        "lecturer_member_id",
        "expected",
        "present",
        "first_agenda",
        "minutes_hash",
        "source",
    ];
    let mut q = Query::select()
        .columns(mt_cols.map(|c| ("t", c)))
        .from_as("meeting", "t")
        .and_where(Expr::col(("t", "held_on")).gte(from))
        .and_where(Expr::col(("t", "held_on")).lte(last))
        .take();
    in_orgs(&mut q, scope, org, "t");
    let rows: Vec<Mt> = chunked(conn, q, ("t", "id"), &mt_cols).await?;
    let mut meetings: Vec<MeetingInput> = rows
        .into_iter()
        .map(|m| MeetingInput {
            id: m.id,
            org_id: m.org_id,
            group_id: m.group_id,
            kinds: KindSet(u16::try_from(m.kinds).unwrap_or(0)),
            held_on: m.held_on,
            recorded_at: jiceng_types::date::china_time(m.recorded_at),
            // An import of past records is one documented act (in the audit trail), not a
            // sitting of back-filling: its records carry no recorder for the burst signal.
            recorded_by: if m.source == "import" { 0 } else { m.recorded_by_user.unwrap_or(0) },
            lecturer: m.lecturer_member_id,
            expected: u32::try_from(m.expected).unwrap_or(0),
            present: u32::try_from(m.present).unwrap_or(0),
            present_ids: Vec::new(),
            study_items: Vec::new(),
            first_agenda: json_bool(&m.first_agenda),
            minutes_hash: m.minutes_hash.map(|h| h as u64),
            votes: Vec::new(),
        })
        .collect();
    meetings.sort_unstable_by_key(|m| m.id);
    attach(conn, &mut meetings).await?;

    let sums = hour_sums(conn, scope, org, from, to).await?;
    Ok(Loaded { orgs, labels, members, items, titles, meetings, sums })
}

fn json_bool(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
        _ => false,
    }
}

/// Run a select in chunks of [`CHUNK`] rows ordered by `key`, each chunk as one JSON value.
async fn chunked<T, C>(
    conn: &C,
    q: SelectStatement,
    key: (&'static str, &'static str),
    cols: &[&str],
) -> StoreResult<Vec<T>>
where
    T: serde::de::DeserializeOwned + HasId,
    C: ConnectionTrait,
{
    let mut out: Vec<T> = Vec::new();
    let mut after = i64::MIN;
    loop {
        let mut page = q.clone();
        page.and_where(Expr::col(key).gt(after)).order_by(key, Order::Asc).limit(CHUNK);
        let rows: Vec<T> = crate::sql::fetch_json(conn, &page, cols).await?;
        let n = rows.len();
        let Some(max) = rows.iter().map(HasId::id).max() else { break };
        after = max;
        out.extend(rows);
        if (n as u64) < CHUNK {
            break;
        }
    }
    Ok(out)
}

/// Rows read in chunks are keyed by an id.
trait HasId {
    fn id(&self) -> i64;
}

/// Attach the present attendees, the studies and the votes to the meetings (sorted by id).
async fn attach<C: ConnectionTrait>(conn: &C, meetings: &mut [MeetingInput]) -> StoreResult<()> {
    let pos = |meetings: &[MeetingInput], id: i64| meetings.binary_search_by_key(&id, |m| m.id).ok();
    let ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
    for window in ids.chunks(20_000) {
        let (Some(&lo), Some(&hi)) = (window.first(), window.last()) else { continue };
        #[derive(Deserialize)]
        struct A {
            meeting_id: i64,
            member_id: i64,
        }
        let q = Query::select()
            .columns(["meeting_id", "member_id"])
            .from("meeting_attendee")
            .and_where(Expr::col("meeting_id").between(lo, hi))
            .and_where(Expr::col("present").eq(true))
            .take();
        let rows: Vec<A> = crate::sql::fetch_json(conn, &q, &["meeting_id", "member_id"]).await?;
        for a in rows {
            if let Some(i) = pos(meetings, a.meeting_id) {
                meetings[i].present_ids.push(a.member_id);
            }
        }
        #[derive(Deserialize)]
        struct S {
            meeting_id: i64,
            study_item_id: i64,
        }
        let q = Query::select()
            .columns(["meeting_id", "study_item_id"])
            .from("meeting_study")
            .and_where(Expr::col("meeting_id").between(lo, hi))
            .take();
        let rows: Vec<S> = crate::sql::fetch_json(conn, &q, &["meeting_id", "study_item_id"]).await?;
        for s in rows {
            if let Some(i) = pos(meetings, s.meeting_id) {
                meetings[i].study_items.push(s.study_item_id);
            }
        }
        #[derive(Deserialize)]
        struct V {
            meeting_id: i64,
            subject: String,
            election: serde_json::Value,
            eligible: i64,
            present: i64,
            in_favour: i64,
        }
        let q = Query::select()
            .columns(["meeting_id", "subject", "election", "eligible", "present", "in_favour"])
            .from("meeting_vote")
            .and_where(Expr::col("meeting_id").between(lo, hi))
            .take();
        let rows: Vec<V> = crate::sql::fetch_json(
            conn,
            &q,
            &["meeting_id", "subject", "election", "eligible", "present", "in_favour"],
        )
        .await?;
        for v in rows {
            if let Some(i) = pos(meetings, v.meeting_id) {
                meetings[i].votes.push(VoteInput {
                    subject: v.subject,
                    election: json_bool(&v.election),
                    eligible: u32::try_from(v.eligible).unwrap_or(0),
                    present: u32::try_from(v.present).unwrap_or(0),
                    in_favour: u32::try_from(v.in_favour).unwrap_or(0),
                });
            }
        }
    }
    for m in meetings.iter_mut() {
        m.present_ids.sort_unstable();
        m.study_items.sort_unstable();
    }
    Ok(())
}

/// Training hours per member and year, for the years of `[from, to]`: a member's hours count
/// wherever the training was recorded (a county course, another branch's class); the members are
/// those of the organizations read.
async fn hour_sums<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    org: Option<OrgId>,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<HashMap<(i64, i32), f64>> {
    use chrono::Datelike;
    let mut out = HashMap::new();
    for year in from.year()..=to.year() {
        let (Some(start), Some(end)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
        else {
            continue;
        };
        #[derive(Deserialize)]
        struct H {
            member_id: i64,
            hours: f64,
        }
        let mut q = Query::select()
            .column(("p", "member_id"))
            .expr_as(Expr::col(("t", "hours")).sum(), "hours")
            .from_as("training_participant", "p")
            .join_as(JoinType::InnerJoin, "training", "t", Expr::col(("t", "id")).equals(("p", "training_id")))
            .join_as(JoinType::InnerJoin, "member", "m", Expr::col(("m", "id")).equals(("p", "member_id")))
            .and_where(Expr::col(("t", "held_on")).between(start, end))
            .group_by_col(("p", "member_id"))
            .take();
        in_orgs(&mut q, scope, org, "m");
        let rows: Vec<H> = crate::sql::fetch_json(conn, &q, &["member_id", "hours"]).await?;
        out.extend(rows.into_iter().map(|h| ((h.member_id, year), h.hours)));
    }
    Ok(out)
}

/// The yearly training hours the rules judge, for the years of `[from, to]`: the members of
/// each organization there all year (in this organization); leaders are the members of its
/// Party committee in office at the year's end.
fn member_hours(
    orgs: &[OrgInput],
    from: NaiveDate,
    to: NaiveDate,
    sums: &HashMap<(i64, i32), f64>,
) -> Vec<MemberHours> {
    use chrono::Datelike;
    let mut out = Vec::new();
    for year in from.year()..=to.year() {
        let (Some(start), Some(end)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
        else {
            continue;
        };
        for o in orgs {
            let leaders: Vec<i64> = o
                .team
                .iter()
                .filter(|t| t.from <= end && t.to.is_none_or(|e| e >= end))
                .filter_map(|t| t.member_id)
                .collect();
            for m in &o.members {
                if m.to.is_some_and(|t| t < end) || m.from.is_some_and(|f| f > start) {
                    continue;
                }
                out.push(MemberHours {
                    member_id: m.member_id,
                    org_id: o.id,
                    year,
                    hours: sums.get(&(m.member_id, year)).copied().unwrap_or(0.0),
                    leader: leaders.contains(&m.member_id),
                });
            }
        }
    }
    out
}

/// One finding as listed (command line, pages, exports): with the organization's code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRow {
    /// Organization code.
    pub org_code: String,
    /// Organization name.
    pub org_name: String,
    /// The rule, by its parameter key.
    pub rule_id: String,
    /// The period (`2025-03`, `2025-Q1`, `2025`).
    pub period: String,
    /// `notice`, `warning` or `error`.
    pub severity: String,
    /// The explanation in Chinese.
    pub message: String,
    /// `violation` or `signal` (a formalism signal: evidence, not a verdict).
    pub kind: String,
    /// The organization's id (for links).
    #[serde(skip)]
    pub org_id: i64,
    /// The meetings behind it (for links).
    #[serde(skip)]
    pub meetings: Vec<i64>,
    /// The study items behind it (for links).
    #[serde(skip)]
    pub study_items: Vec<i64>,
}

impl FindingRow {
    /// The rule's Chinese name.
    pub fn rule_label(&self) -> &'static str {
        jiceng_rules::meeting::rule_label(&self.rule_id)
    }

    /// The severity's Chinese name.
    pub fn severity_label(&self) -> &'static str {
        match self.severity.as_str() {
            "error" => "问题",
            "warning" => "警示",
            _ => "提示",
        }
    }

    /// The period's Chinese name.
    pub fn period_label(&self) -> String {
        jiceng_types::Period::parse(&self.period).map(|p| p.label()).unwrap_or_else(|| self.period.clone())
    }

    /// A formalism signal.
    pub fn is_signal(&self) -> bool {
        self.kind == "signal"
    }
}

impl Report {
    /// The findings as rows: most serious first, then by organization code, rule and period.
    pub fn rows(&self) -> Vec<FindingRow> {
        let mut rows: Vec<FindingRow> = self
            .outcome
            .findings
            .iter()
            .map(|f| {
                let label = self.orgs.get(&f.org_id);
                FindingRow {
                    org_code: label.map(|l| l.code.clone()).unwrap_or_default(),
                    org_name: label.map(|l| l.name.clone()).unwrap_or_default(),
                    rule_id: f.rule_id.to_string(),
                    period: f.period.key(),
                    severity: match f.severity {
                        jiceng_rules::meeting::Severity::Error => "error",
                        jiceng_rules::meeting::Severity::Warning => "warning",
                        jiceng_rules::meeting::Severity::Notice => "notice",
                    }
                    .to_string(),
                    message: f.message.clone(),
                    kind: match f.kind {
                        jiceng_rules::meeting::FindingKind::Violation => "violation",
                        jiceng_rules::meeting::FindingKind::Signal => "signal",
                    }
                    .to_string(),
                    org_id: f.org_id,
                    meetings: f.evidence.meetings.clone(),
                    study_items: f.evidence.study_items.clone(),
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            let rank = |s: &str| match s {
                "error" => 0,
                "warning" => 1,
                _ => 2,
            };
            rank(&a.severity)
                .cmp(&rank(&b.severity))
                .then_with(|| a.org_code.cmp(&b.org_code))
                .then_with(|| a.rule_id.cmp(&b.rule_id))
                .then_with(|| a.period.cmp(&b.period))
        });
        rows
    }
}
