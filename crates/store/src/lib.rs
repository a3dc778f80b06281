//! All of jiceng's SQL.
//!
//! Every function that reads or writes tenant-visible data takes a `&Scope` (from
//! `jiceng-types`); there is no public way to list or load organizations or members without one.
//! Service functions (one per use case) decide authorization, run one transaction and write the
//! audit record in that same transaction, so a change without its audit record cannot commit.
//!
//! The same code and the same migration history serve SQLite (the zero-setup default) and
//! PostgreSQL (production and province scale).

pub mod audit;
pub mod auth;
mod bulk;
pub mod crypto;
mod db;
mod error;
pub mod export;
mod follow;
pub mod meeting;
pub mod member;
pub mod migration;
pub mod org;
pub mod quality;
pub mod recruit;
mod rule_params;
mod scope_sql;
pub mod seed;
pub mod settings;
mod sql;
pub mod testing;

pub use db::{Backend, Db};
pub use error::{StoreError, StoreResult};

/// Where a request came from, for the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// The client's address (IP), or `-` for the command line.
    pub client_addr: String,
    /// The request id (`x-request-id`), or a generated one for command-line actions.
    pub request_id: String,
}

impl Meta {
    /// The metadata of a command-line action.
    pub fn cli() -> Self {
        Meta { client_addr: "-".into(), request_id: format!("cli-{}", uuid::Uuid::now_v7()) }
    }
}

/// The current time, truncated to microseconds (the precision both engines keep).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}
