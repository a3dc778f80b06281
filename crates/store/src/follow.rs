//! Following the audit trail: what changed since the last look.
//!
//! Every change writes its audit record in its own transaction, and the appends are serialized by
//! the trail's head row, so the ids become visible in order. What is kept in memory (the records
//! of organizational life, the judged pipeline of member development) remembers the last record
//! it took into account — id and hash — and, before each use, reads the records after it. If the
//! record seen last is gone or changed (a restore, a fresh database), the trail does not continue
//! the one seen and everything kept must be dropped. Whoever keeps records takes the position
//! before reading them, so a change is never missed (at worst read twice).

use jiceng_types::OrgPath;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use serde::Deserialize;

use crate::Db;
use crate::audit::Action;
use crate::error::StoreResult;

/// More changes than this since the last look: everything is dropped.
const MAX_CHANGES: u64 = 5_000;

/// One audited change, as followers see it.
#[derive(Debug, Deserialize)]
pub(crate) struct Change {
    id: i64,
    hash: String,
    /// The action's key ([`Action::key`]).
    pub(crate) action: String,
    /// What changed (`meeting`, `recruit_step`, …).
    pub(crate) object_type: String,
    org_path: Option<String>,
}

impl Change {
    const COLUMNS: [&str; 5] = ["id", "hash", "action", "object_type", "org_path"];

    /// A change that touches no records: a login, an export, a session, a user account, an API
    /// token, a refused access.
    pub(crate) fn is_quiet(&self) -> bool {
        let quiet = [
            Action::LoginSuccess,
            Action::LoginFailure,
            Action::Logout,
            Action::Denied,
            Action::Reveal,
            Action::Export,
            Action::PasswordChange,
            Action::PasswordReset,
            Action::Disable,
            Action::Enable,
            Action::SessionEnd,
            Action::TokenCreate,
            Action::TokenRevoke,
        ];
        quiet.iter().any(|a| a.key() == self.action)
            || matches!(self.object_type.as_str(), "session" | "user" | "api_token")
    }

    /// A change that may touch any county: a move or merge of organizations, a demo load, a
    /// restore.
    pub(crate) fn is_global(&self) -> bool {
        let moves = [Action::Move, Action::Merge, Action::DemoLoad, Action::Restore];
        moves.iter().any(|a| a.key() == self.action)
    }

    /// The ids of the path of the organization changed, from the county down (`None` when the
    /// change names none: it may touch anything).
    pub(crate) fn org_ids(&self) -> Option<Vec<i64>> {
        let ids: Vec<i64> = self.org_path.as_deref().and_then(OrgPath::parse)?.ids().iter().map(|id| id.0).collect();
        Some(ids).filter(|ids| !ids.is_empty())
    }
}

/// What happened since the last look.
#[derive(Debug)]
pub(crate) enum Since {
    /// These changes, in order.
    Changes(Vec<Change>),
    /// The trail does not continue the one seen, or too much changed: drop everything kept.
    Reset,
}

/// The position in the audit trail of whoever keeps records in memory.
#[derive(Debug, Default)]
pub(crate) struct Follower {
    /// The last audit record taken into account: id and hash.
    seen: Option<(i64, String)>,
}

impl Follower {
    /// The changes audited since the last call. The first call (and the call after a reset) only
    /// takes the position: nothing can have been kept before it.
    pub(crate) async fn since(&mut self, db: &Db) -> StoreResult<Since> {
        let conn = db.conn();
        let Some((seen, hash)) = self.seen.clone() else {
            let q =
                Query::select().columns(Change::COLUMNS).from("audit_log").order_by("id", Order::Desc).limit(1).take();
            let rows: Vec<Change> = crate::sql::fetch_json(conn, &q, &Change::COLUMNS).await?;
            self.seen = Some(rows.first().map_or((0, String::new()), |r| (r.id, r.hash.clone())));
            return Ok(Since::Changes(Vec::new()));
        };
        // From the record seen last (to see that the trail continues it) on.
        let q = Query::select()
            .columns(Change::COLUMNS)
            .from("audit_log")
            .and_where(Expr::col("id").gte(seen))
            .order_by("id", Order::Asc)
            .limit(MAX_CHANGES + 1)
            .take();
        let mut rows: Vec<Change> = crate::sql::fetch_json(conn, &q, &Change::COLUMNS).await?;
        let continues = match rows.first() {
            Some(first) if first.id == seen => {
                let same = first.hash == hash;
                rows.remove(0);
                same
            }
            // An empty trail seen last: every record is new.
            _ => seen == 0,
        };
        if !continues || rows.len() as u64 >= MAX_CHANGES {
            // Read the position again; what is kept is read again as it is asked for.
            self.seen = None;
            Box::pin(self.since(db)).await?;
            return Ok(Since::Reset);
        }
        if let Some(last) = rows.last() {
            self.seen = Some((last.id, last.hash.clone()));
        }
        Ok(Since::Changes(rows))
    }
}
