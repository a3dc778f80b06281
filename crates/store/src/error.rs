//! The store's one error type. Every variant maps to a stable code; internal text (database
//! messages) is logged at the boundary, never shown to users.

use jiceng_types::FieldError;

/// A store result.
pub type StoreResult<T> = Result<T, StoreError>;

/// What can go wrong in a store call.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist, or exists outside the caller's scope (the two are not told apart).
    #[error("not found")]
    NotFound,
    /// The caller's role lacks the right for this action. `code` names the reason.
    #[error("forbidden: {code}")]
    Forbidden {
        /// Stable reason code.
        code: &'static str,
        /// The Chinese explanation.
        message: String,
    },
    /// The input was refused; one entry per field.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// The action conflicts with the current state (e.g. dissolving an organization that still
    /// has active children).
    #[error("conflict: {code}")]
    Conflict {
        /// Stable reason code.
        code: &'static str,
        /// The Chinese explanation.
        message: String,
    },
    /// A database failure. The message is for the log only.
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// Stored data that cannot be read back (e.g. an unknown enum key); a bug or tampering.
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A refusal for lack of a right.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Forbidden { code, message: message.into() }
    }

    /// A conflict with the current state.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Conflict { code, message: message.into() }
    }

    /// One invalid field.
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// The stable snake_case code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound => "not_found",
            StoreError::Forbidden { code, .. } => code,
            StoreError::Invalid(_) => "invalid_input",
            StoreError::Conflict { code, .. } => code,
            StoreError::Db(_) => "internal",
            StoreError::Corrupt(_) => "internal",
        }
    }

    /// True for a unique-constraint violation from the database.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))))
    }
}
