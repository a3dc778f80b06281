//! The error a single field of a form, an API body or an import row can carry.

use serde::Serialize;

/// A validation failure attached to one input field.
///
/// `code` is a stable snake_case identifier (for API clients and tests); `message` is the Chinese
/// sentence shown to the user next to the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The input field's name, as in the form or JSON body (e.g. `code`, `parent_id`).
    pub field: String,
    /// Stable machine-readable reason, e.g. `required`, `too_long`, `duplicate`.
    pub code: &'static str,
    /// The message in Chinese.
    pub message: String,
}

impl FieldError {
    /// A new field error.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.field, self.message)
    }
}

/// A value that failed to parse: a stable code and a Chinese message, not yet tied to a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueError {
    /// Stable machine-readable reason.
    pub code: &'static str,
    /// The message in Chinese.
    pub message: String,
}

impl ValueError {
    /// A new value error.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    /// Attach the error to a field.
    pub fn on(self, field: &str) -> FieldError {
        FieldError::new(field, self.code, self.message)
    }
}
