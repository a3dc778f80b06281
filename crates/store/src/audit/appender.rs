//! Many audit records at once: one lock of the chain's head, records chained as they are pushed
//! and written in bulk (an import records one per member).

use chrono::{DateTime, Utc};
use jiceng_types::Scope;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use super::{Action, Entry, row_hash};
use crate::Meta;
use crate::bulk::{Bulk, Pending, Ty};
use crate::error::{StoreError, StoreResult};

/// Append many records as the scope's actor, inside the caller's transaction, with one lock of
/// the head and bulk inserts (a bulk import writes one record per changed member). The chain is
/// exactly the one single appends would build.
pub(crate) async fn append_many(
    tx: &DatabaseTransaction,
    scope: &Scope,
    meta: &Meta,
    entries: Vec<Entry>,
) -> StoreResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut appender = Appender::begin(tx, scope, meta, entries.len()).await?;
    for entry in entries {
        appender.push(entry)?;
        appender.flush_if_full(tx).await?;
    }
    appender.finish(tx).await
}

/// Records appended as a stream, for changes too large to hold every entry at once: the head is
/// advanced once by the announced count, each pushed entry is chained and collected, and
/// [`Appender::flush_if_full`] / [`Appender::finish`] write them. Exactly `count` entries must be
/// pushed, or [`Appender::finish`] fails (and the caller's transaction with it).
///
/// The appender owns what it writes (it can be moved to the thread that prepares an import's
/// rows): [`Appender::take_if_full`] hands out the collected records for another party to
/// write, in order.
pub(crate) struct Appender {
    user_id: Option<i64>,
    username: String,
    role: &'static str,
    org_id: Option<i64>,
    meta: Meta,
    at: DateTime<Utc>,
    seq: i64,
    /// The last reserved id (`None`: not counted in advance, see [`Appender::begin_open`]).
    last: Option<i64>,
    /// How many records the trail held before this appender reserved its own.
    before: i64,
    prev: String,
    rows: Bulk,
}

/// The columns of each record.
const AUDIT_COLUMNS: &[(&str, Ty)] = &[
    ("id", Ty::Int),
    ("org_path", Ty::Text),
    ("action", Ty::Text),
    ("object_type", Ty::Text),
    ("object_id", Ty::Text),
    ("changes", Ty::Text),
    ("prev_hash", Ty::Text),
    ("hash", Ty::Text),
];

/// The columns one appender writes alike into all its records (one time, one actor, one request).
const AUDIT_FIXED: &[(&str, Ty)] = &[
    ("at", Ty::Time),
    ("user_id", Ty::Int),
    ("username", Ty::Text),
    ("role", Ty::Text),
    ("org_id", Ty::Int),
    ("client_addr", Ty::Text),
    ("request_id", Ty::Text),
];

impl Appender {
    /// Lock the head of the chain for records not counted in advance (a streamed import): the
    /// head gets its length at [`Appender::finish`]. Under the lock nobody else appends.
    pub(crate) async fn begin_open(tx: &DatabaseTransaction, scope: &Scope, meta: &Meta) -> StoreResult<Appender> {
        let mut a = Appender::begin(tx, scope, meta, 0).await?;
        a.last = None;
        Ok(a)
    }

    /// Reserve `count` records at the head of the chain.
    pub(crate) async fn begin(
        tx: &DatabaseTransaction,
        scope: &Scope,
        meta: &Meta,
        count: usize,
    ) -> StoreResult<Appender> {
        #[derive(FromQueryResult)]
        struct Head {
            seq: i64,
            last_hash: String,
        }
        let n = i64::try_from(count).unwrap_or(i64::MAX);
        let stmt = Query::update()
            .table("audit_head")
            .value("seq", Expr::col("seq").add(n))
            .and_where(Expr::col("id").eq(1))
            .returning(Query::returning().columns(["seq", "last_hash"]))
            .take();
        let row = tx.query_one(&stmt).await?.ok_or_else(|| StoreError::Corrupt("audit_head missing".into()))?;
        let head = Head::from_query_result(&row, "")?;
        let actor = scope.actor();
        let user_id = actor.user_id.map(|u| u.0);
        // As `Who::from` attributes it.
        let role = actor.role.map(|r| r.key()).unwrap_or("cli");
        let org_id = actor.org_id.map(|o| o.0);
        let at = crate::now();
        let rows = Bulk::new(tx, "audit_log", AUDIT_COLUMNS).with_fixed(
            AUDIT_FIXED,
            &[
                at.into(),
                user_id.into(),
                actor.username.as_str().into(),
                role.into(),
                org_id.into(),
                meta.client_addr.as_str().into(),
                meta.request_id.as_str().into(),
            ],
        )?;
        Ok(Appender {
            user_id,
            username: actor.username.clone(),
            role,
            org_id,
            meta: meta.clone(),
            at,
            seq: head.seq - n,
            last: Some(head.seq),
            before: head.seq - n,
            prev: head.last_hash,
            rows,
        })
    }

    /// How many records the trail held before this appender's, as [`head_seq`] counts them:
    /// read under the appender's lock on the head, so no other change can come in between.
    pub(crate) fn recorded_before(&self) -> i64 {
        self.before
    }

    /// Chain one more record.
    pub(crate) fn push(&mut self, entry: Entry) -> StoreResult<()> {
        let changes =
            if serde_json::Value::is_null(&entry.changes) { "{}".to_string() } else { entry.changes.to_string() };
        let org_path = entry.org_path.as_ref().map(|p| p.as_str());
        self.push_text(entry.action, entry.object_type, entry.object_id.as_deref(), org_path, &changes)
    }

    /// Chain one more record whose changes are already JSON text (an import writes many records
    /// of one shape, and builds their text directly).
    pub(crate) fn push_text(
        &mut self,
        action: Action,
        object_type: &'static str,
        object_id: Option<&str>,
        org_path: Option<&str>,
        changes: &str,
    ) -> StoreResult<()> {
        if self.last.is_some_and(|last| self.seq >= last) {
            return Err(StoreError::Corrupt("more audit records than announced".into()));
        }
        self.seq += 1;
        let hash = row_hash(
            self.seq,
            &self.at,
            self.user_id,
            &self.username,
            self.role,
            self.org_id,
            org_path,
            action.key(),
            object_type,
            object_id,
            changes,
            &self.meta.client_addr,
            &self.meta.request_id,
            &self.prev,
        );
        self.rows.push(&[
            self.seq.into(),
            org_path.into(),
            action.key().into(),
            object_type.into(),
            object_id.into(),
            changes.into(),
            self.prev.as_str().into(),
            hash.as_str().into(),
        ])?;
        self.prev = hash;
        Ok(())
    }

    /// Write the collected records once there are enough of them for one statement.
    pub(crate) async fn flush_if_full(&mut self, tx: &DatabaseTransaction) -> StoreResult<()> {
        match self.take_if_full()? {
            Some(p) => p.write(tx).await,
            None => Ok(()),
        }
    }

    /// The collected records once there are enough of them for one statement, to be written
    /// (before any later ones) by the caller.
    pub(crate) fn take_if_full(&mut self) -> StoreResult<Option<Pending>> {
        if self.rows.pending() >= 5000 { self.rows.take() } else { Ok(None) }
    }

    /// Write the rest and move the head's hash to the last record.
    pub(crate) async fn finish(mut self, tx: &DatabaseTransaction) -> StoreResult<()> {
        if self.last.is_some_and(|last| self.seq != last) {
            return Err(StoreError::Corrupt("fewer audit records than announced".into()));
        }
        self.rows.flush(tx).await?;
        let update = Query::update()
            .table("audit_head")
            .value("seq", self.seq)
            .value("last_hash", self.prev)
            .and_where(Expr::col("id").eq(1))
            .take();
        tx.execute(&update).await?;
        Ok(())
    }
}

/// How many records the trail holds. Every change is recorded in its own transaction, so an
/// unchanged count means nothing has changed since it was read (the converse does not hold: a
/// refusal or an export is recorded too).
pub(crate) async fn head_seq<C: ConnectionTrait>(conn: &C) -> StoreResult<i64> {
    let q = Query::select().column("seq").from("audit_head").and_where(Expr::col("id").eq(1)).take();
    let row = conn.query_one(&q).await?.ok_or_else(|| StoreError::Corrupt("audit_head missing".into()))?;
    Ok(row.try_get("", "seq")?)
}
