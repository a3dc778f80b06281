//! The jiceng web application: server-rendered pages in Simplified Chinese (askama + htmx), a
//! JSON API under `/api/v1` described by an OpenAPI document, and the security middleware.
//!
//! Handlers are thin: extract the user and their scope, call one store function, render one
//! template or JSON. Authorization and auditing happen in the store, where they cannot be skipped.

mod api;
mod assets;
mod error;
mod extract;
mod import_jobs;
mod middleware;
mod pages;
mod router;
mod view;

use std::sync::Arc;

pub use api::openapi;
/// Wrap any router in jiceng's middleware (used by tests that add their own routes).
pub use middleware::apply as apply_middleware;
pub use router::router;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// The site is served over TLS (directly or by a proxy): cookies get `Secure`, responses HSTS.
    pub tls: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded: bool,
    /// The data directory: meeting attachments are stored under it (`attachments/…`). Without
    /// one, uploads are refused.
    pub data_dir: Option<std::path::PathBuf>,
}

/// Shared state of every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: jiceng_store::Db,
    /// Web settings.
    pub cfg: Arc<WebConfig>,
    /// Imports being checked or waiting for confirmation.
    pub imports: Arc<import_jobs::ImportJobs>,
}

impl AppState {
    /// New state. The records of organizational life are kept in memory for the compliance
    /// checks ([`jiceng_store::Db::keep_org_life_in_memory`]), and the judged pipeline of member
    /// development for its lists ([`jiceng_store::Db::keep_pipeline_in_memory`]).
    pub fn new(db: jiceng_store::Db, cfg: WebConfig) -> Self {
        AppState {
            db: db.keep_org_life_in_memory().keep_pipeline_in_memory(),
            cfg: Arc::new(cfg),
            imports: Arc::default(),
        }
    }
}

/// True while a request is being handled on this task (a panic there is logged, with the
/// request id, by the middleware that turns it into a 500 page).
pub fn in_request() -> bool {
    error::REQUEST_ID.try_with(|_| ()).is_ok()
}

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "jiceng_session";
