//! The pipeline of member development kept in memory, county by county.
//!
//! Judging a history runs the rules over every step (`audit` and `next_due`); a county has
//! hundreds of persons in the pipeline and thousands of steps, so a county-wide list judged at
//! each request is bound by the processor. Where the server asks for it ([`Db::keep_pipeline_in_memory`]),
//! each county's open persons are judged once for the day and kept; before each list the audit
//! records written since the last one are looked at ([`crate::follow`]): a change to a person, a
//! step, an organization, the county's rules or an import drops that county, which is judged
//! again at its next list; a move, a merge, a demo load, a restore or a trail that does not
//! continue the one seen drops everything. The persons are read after the audit position is
//! taken, so a change is never missed. Changes to meetings, members and the other records the
//! pipeline does not read change nothing.
//!
//! The filters of the list (organization, stage, overdue, due soon, name or ID-card number) are applied to
//! the rows kept, which are already in the order of the list.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;
use jiceng_types::{OrgId, OrgPath, Scope};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};

use super::pipeline::{PipelineFilter, PipelineRow, Search, judge_in_scope, search, sort};
use crate::error::StoreResult;
use crate::follow::{Change, Follower, Since};
use crate::{Db, Meta};

/// The counties' judged pipelines (shared by the clones of a [`Db`]).
#[derive(Debug, Default)]
pub(crate) struct Resident {
    state: tokio::sync::Mutex<State>,
    counties_judged: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    follower: Follower,
    counties: HashMap<i64, Arc<County>>,
}

/// One county's open persons, judged on a day, in the order of the list.
#[derive(Debug)]
struct County {
    today: NaiveDate,
    rows: Vec<PipelineRow>,
}

/// What an audited change means for the pipelines kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Nothing the pipeline reads.
    None,
    /// The pipeline of a county.
    County(i64),
    /// Any county's.
    All,
}

/// The records the pipeline does not read: its rows come from the persons, their steps, their
/// branch (code, name, path) and the county's rules. (A transfer accepted moves an open person
/// along with the member: that is audited as the person's change on the sender's side, and the
/// transfer on the receiver's, so both counties are judged again.)
const UNREAD: [&str; 11] = [
    "meeting",
    "meeting_attachment",
    "rectification",
    "party_group",
    "org_team",
    "study_item",
    "training",
    "appraisal",
    "quality",
    "member",
    "org_rollups",
];

fn effect(change: &Change) -> Effect {
    if change.is_quiet() || UNREAD.contains(&change.object_type.as_str()) {
        return Effect::None;
    }
    if change.is_global() {
        return Effect::All;
    }
    match change.org_ids().as_deref() {
        Some([county, ..]) => Effect::County(*county),
        _ => Effect::All,
    }
}

impl Resident {
    /// The judged pipeline of a county for `today`, judged now or brought up to date.
    async fn county(&self, db: &Db, county: i64, today: NaiveDate) -> StoreResult<Arc<County>> {
        let mut state = self.state.lock().await;
        match state.follower.since(db).await? {
            Since::Reset => state.counties.clear(),
            Since::Changes(changes) => {
                for change in &changes {
                    match effect(change) {
                        Effect::None => {}
                        Effect::County(c) => {
                            state.counties.remove(&c);
                        }
                        Effect::All => state.counties.clear(),
                    }
                }
            }
        }
        if let Some(c) = state.counties.get(&county).filter(|c| c.today == today) {
            return Ok(c.clone());
        }
        let scope = Scope::cli_within(OrgPath::root(OrgId(county)));
        let mut rows = judge_in_scope(db, &scope, &PipelineFilter::default(), today).await?;
        sort(&mut rows);
        let c = Arc::new(County { today, rows });
        state.counties.insert(county, c.clone());
        self.counties_judged.fetch_add(1, Ordering::Relaxed);
        Ok(c)
    }

    /// How many times a county's pipeline was judged as a whole.
    pub(crate) fn counties_judged(&self) -> u64 {
        self.counties_judged.load(Ordering::Relaxed)
    }
}

/// The pipeline of a scope from the counties kept in memory, filtered; `None` where it is not
/// kept.
pub(crate) async fn pipeline(db: &Db, scope: &Scope, filter: &PipelineFilter) -> StoreResult<Option<Vec<PipelineRow>>> {
    let Some(resident) = db.recruit_resident() else { return Ok(None) };
    let today = jiceng_types::date::today_china();
    // The counties the scope reaches: those of its roots, or every county.
    let counties: Vec<i64> = match scope.roots() {
        Some(roots) => {
            let mut ids: Vec<i64> = roots.iter().filter_map(|r| r.ids().first().map(|id| id.0)).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        }
        None => {
            let top = Query::select().column("id").from("org").and_where(Expr::col("parent_id").is_null()).take();
            let mut ids = Vec::new();
            for row in db.conn().query_all(&top).await? {
                ids.push(row.try_get::<i64>("", "id")?);
            }
            ids
        }
    };
    let within = match filter.org {
        Some(org) => Some(crate::org::get(db, scope, &Meta::default(), org).await?.path),
        None => None,
    };
    let (ids, name) = match search(db, filter)? {
        Some(Search::IdCard(idx)) => {
            let q =
                Query::select().column("id").from("recruit_person").and_where(Expr::col("id_card_idx").eq(idx)).take();
            let mut ids = HashSet::new();
            for row in db.conn().query_all(&q).await? {
                ids.insert(row.try_get::<i64>("", "id")?);
            }
            (Some(ids), None)
        }
        Some(Search::Name(name)) => (None, Some(name)),
        None => (None, None),
    };
    let keep = |r: &PipelineRow| {
        scope.contains(&r.org_path)
            && within.as_ref().is_none_or(|w| w.contains(&r.org_path))
            && filter.stage.is_none_or(|s| r.stage == s)
            && r.judged_filter(filter, today)
            && ids.as_ref().is_none_or(|ids| ids.contains(&r.person_id))
            && name.as_deref().is_none_or(|n| r.name.contains(n))
    };
    let mut rows = Vec::new();
    for &county in &counties {
        let kept = resident.county(db, county, today).await?;
        rows.extend(kept.rows.iter().filter(|r| keep(r)).cloned());
    }
    if counties.len() > 1 {
        sort(&mut rows);
    }
    Ok(Some(rows))
}
