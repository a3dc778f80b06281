//! The records of organizational life kept in memory, county by county, so that a check of a
//! county (or of a whole province, county by county) runs the rules over records already read
//! instead of reading millions of rows each time.
//!
//! A county's records are read once for a window (1 January of last year to 31 December of next
//! year) and then kept up to date from the audit trail, which every change writes in its own
//! transaction: before each check the records audited since the last one are looked at. A change
//! to a meeting (or its attachments, its rectification list, a Party group or a committee) reads
//! that organization's records again; any other change to the records of a county (members,
//! organizations, training, the register, an import) drops the county, which is read again at its
//! next check; a demo load, a restore or an audit trail that does not continue the one seen
//! drops everything. Records are read after the audit position is taken, so a change is never
//! missed (at worst read twice). The appends to the audit trail are serialized by its head row,
//! so its ids become visible in order.
//!
//! A check outside the window, or of a scope spanning several counties, reads the records as
//! before. A check of one organization (a branch's page) always reads its own records.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{Datelike, NaiveDate};
use jiceng_types::{OrgId, OrgPath, Scope};

use super::compliance::{Loaded, load};
use crate::Db;
use crate::error::StoreResult;
use crate::follow::{Change, Follower, Since};

/// More organizations changed in a county than this: the county is read again as a whole.
const MAX_ORGS: usize = 200;

/// The counties kept in memory (shared by the clones of a [`Db`]).
#[derive(Debug, Default)]
pub(crate) struct Resident {
    state: tokio::sync::Mutex<State>,
    counties_read: AtomicU64,
    orgs_reread: AtomicU64,
}

/// How often the records kept in memory were read ([`crate::Db::org_life_in_memory_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResidentStats {
    /// Counties read as a whole.
    pub counties_read: u64,
    /// Organizations read again after a change.
    pub orgs_reread: u64,
}

#[derive(Debug, Default)]
struct State {
    /// The position in the audit trail.
    follower: Follower,
    counties: HashMap<i64, Arc<County>>,
}

/// One county's records for a window.
#[derive(Debug, Clone)]
pub(crate) struct County {
    /// The first and last day of the meetings kept.
    pub(crate) window: (NaiveDate, NaiveDate),
    /// The records.
    pub(crate) loaded: Loaded,
}

impl County {
    /// True if a check from `from` to `to` as of `as_of` reads only records of the window.
    pub(crate) fn covers(&self, from: NaiveDate, to: NaiveDate, as_of: NaiveDate) -> bool {
        self.window.0 <= from && std::cmp::max(to, as_of) <= self.window.1
    }
}

/// The window kept for a check made on `today`.
fn window(today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(today.year() - 1, 1, 1)?, NaiveDate::from_ymd_opt(today.year() + 1, 12, 31)?))
}

/// What an audited change means for the records kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Nothing the rules read (a login, an export, a setting read at each check, …).
    None,
    /// The records of one organization of a county.
    Org { county: i64, org: i64 },
    /// The records of a county.
    County(i64),
    /// Anything.
    All,
}

/// What a change means for the records kept.
fn effect(change: &Change) -> Effect {
    // Settings (the rule parameters among them) are read at each check; a step of member
    // development changes a member only through the member's own (audited) records.
    if change.is_quiet() || matches!(change.object_type.as_str(), "setting" | "recruit_person" | "recruit_step") {
        return Effect::None;
    }
    if change.is_global() {
        return Effect::All;
    }
    let Some(ids) = change.org_ids() else { return Effect::All };
    let (Some(&county), Some(&org)) = (ids.first(), ids.last()) else { return Effect::All };
    match change.object_type.as_str() {
        "meeting" | "meeting_attachment" | "rectification" | "party_group" | "org_team" => Effect::Org { county, org },
        _ => Effect::County(county),
    }
}

impl Resident {
    /// The records of a county for a check made on `today`, read or brought up to date.
    pub(crate) async fn county(&self, db: &Db, county: OrgPath, today: NaiveDate) -> StoreResult<Option<Arc<County>>> {
        let Some(window) = window(today) else { return Ok(None) };
        let Some(id) = county.ids().first().map(|id| id.0) else { return Ok(None) };
        let mut state = self.state.lock().await;
        let reread = state.catch_up(db).await?;
        self.orgs_reread.fetch_add(reread, Ordering::Relaxed);
        if let Some(c) = state.counties.get(&id).filter(|c| c.window == window) {
            return Ok(Some(c.clone()));
        }
        let scope = Scope::cli_within(county);
        let mut loaded = load(db, &scope, None, window.0, window.1, window.1).await?;
        // Sorted by id, so that an organization read again is put back in its place.
        loaded.orgs.sort_unstable_by_key(|o| o.id);
        let c = Arc::new(County { window, loaded });
        state.counties.insert(id, c.clone());
        self.counties_read.fetch_add(1, Ordering::Relaxed);
        Ok(Some(c))
    }

    /// How often records were read.
    pub(crate) fn stats(&self) -> ResidentStats {
        ResidentStats {
            counties_read: self.counties_read.load(Ordering::Relaxed),
            orgs_reread: self.orgs_reread.load(Ordering::Relaxed),
        }
    }
}

impl State {
    /// Look at the changes audited since the last call and bring the counties kept up to date;
    /// returns how many organizations were read again.
    async fn catch_up(&mut self, db: &Db) -> StoreResult<u64> {
        let changes = match self.follower.since(db).await? {
            Since::Changes(changes) => changes,
            Since::Reset => {
                self.counties.clear();
                return Ok(0);
            }
        };
        let mut reread = 0;
        let mut orgs: HashMap<i64, HashSet<i64>> = HashMap::new();
        for change in &changes {
            match effect(change) {
                Effect::None => {}
                Effect::All => self.counties.clear(),
                Effect::County(c) => {
                    self.counties.remove(&c);
                }
                Effect::Org { county, org } => {
                    orgs.entry(county).or_default().insert(org);
                }
            }
        }
        for (county, orgs) in orgs {
            let Some(kept) = self.counties.get_mut(&county) else { continue };
            if orgs.len() > MAX_ORGS {
                self.counties.remove(&county);
                continue;
            }
            let Some(path) = kept.loaded.labels.get(&county).and_then(|l| OrgPath::parse(&l.path)) else {
                self.counties.remove(&county);
                continue;
            };
            let scope = Scope::cli_within(path);
            let (from, last) = kept.window;
            let mut fresh = Vec::with_capacity(orgs.len());
            for &org in &orgs {
                match load(db, &scope, Some(OrgId(org)), from, last, last).await {
                    Ok(f) => fresh.push(f),
                    Err(e) => {
                        // The position is past these changes already: the county must not stay
                        // as it was. It is read again at its next check.
                        self.counties.remove(&county);
                        return Err(e);
                    }
                }
            }
            replace_orgs(&mut Arc::make_mut(kept).loaded, &orgs, fresh);
            reread += orgs.len() as u64;
        }
        Ok(reread)
    }
}

/// Put the records of some organizations, read again, in place of those kept, without moving
/// the others: a county's meetings are millions of records, an organization's a few dozen. The
/// order of the meetings does not matter to the engine. Training hours are per member and do not
/// change with these records.
fn replace_orgs(loaded: &mut Loaded, orgs: &HashSet<i64>, fresh: Vec<Loaded>) {
    let mut meetings = Vec::new();
    for id in orgs {
        loaded.labels.remove(id);
        loaded.members.remove(id);
        if let Ok(i) = loaded.orgs.binary_search_by_key(id, |o| o.id) {
            loaded.orgs.remove(i);
        }
    }
    for f in fresh {
        for o in f.orgs {
            let i = loaded.orgs.partition_point(|k| k.id < o.id);
            loaded.orgs.insert(i, o);
        }
        loaded.labels.extend(f.labels);
        loaded.members.extend(f.members);
        meetings.extend(f.meetings);
    }
    // The slots of the old meetings take the new ones; the rest are pushed or dropped.
    let slots: Vec<usize> =
        loaded.meetings.iter().enumerate().filter(|(_, m)| orgs.contains(&m.org_id)).map(|(i, _)| i).collect();
    let mut new = meetings.into_iter();
    let mut spare = Vec::new();
    for i in slots {
        match new.next() {
            Some(m) => loaded.meetings[i] = m,
            None => spare.push(i),
        }
    }
    loaded.meetings.extend(new);
    // Dropped from the back, so that each removal moves only the last record.
    for i in spare.into_iter().rev() {
        loaded.meetings.swap_remove(i);
    }
}
