//! The server-rendered pages, one module per area. Each handler extracts the user, calls one
//! store function and renders one template.

pub mod account;
pub mod appraisal;
pub mod areas;
pub mod audit;
pub mod compliance;
pub mod files;
pub mod home;
pub mod import;
pub mod ledgers;
pub mod login;
pub mod meeting_forms;
pub mod meetings;
pub mod member_forms;
pub mod members;
pub mod org_forms;
pub mod org_team;
pub mod orgs;
pub mod party_groups;
pub mod quality;
pub mod recruit_documents;
pub mod recruit_person;
pub mod recruit_rules;
pub mod recruit_steps;
pub mod recruits;
pub mod security;
pub mod study_items;
pub mod training;
pub mod transfers;
pub mod users;

use axum::http::StatusCode;
use axum::response::Response;

use crate::error::{current_request_id, plain_page};

/// The page for an unknown address.
pub async fn not_found() -> Response {
    plain_page(StatusCode::NOT_FOUND, "页面不存在", "您访问的页面不存在。", &current_request_id())
}

/// Refuse a page for lack of a right: record the refusal in the audit trail, answer 403.
pub async fn deny(
    state: &crate::AppState,
    me: &crate::extract::Me,
    object_type: &'static str,
    code: &'static str,
    message: &str,
) -> crate::error::PageError {
    if let Err(e) = jiceng_store::audit::record_denied(&state.db, me.scope(), &me.meta, object_type, None, code).await {
        return e.into();
    }
    jiceng_store::StoreError::forbidden(code, message).into()
}

/// Field errors keyed by field, for re-rendering a form next to each input.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<jiceng_types::FieldError>);

impl FormErrors {
    /// The message for `field`, or an empty string.
    pub fn get(&self, field: &str) -> String {
        self.0.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect::<Vec<_>>().join("；")
    }

    /// True if `field` has an error (for `aria-invalid`).
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// True if there is no error at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Errors not tied to a visible field, as one line.
    pub fn general(&self, visible: &[&str]) -> String {
        self.0
            .iter()
            .filter(|e| !visible.contains(&e.field.as_str()))
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}
