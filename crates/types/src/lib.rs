//! Typed identifiers and validated values of jiceng.
//!
//! Everything here is pure: no IO, no async, no database, no HTTP. A value of one of these types
//! is valid by construction ("parse, don't validate"): the only ways to build one check it.
//! Validation errors carry a stable code and a Chinese message for the user.

pub mod date;
pub mod error;
pub mod idcard;
pub mod ids;
pub mod meeting;
pub mod org;
pub mod person;
pub mod phone;
pub mod pinyin_key;
pub mod recruit;
pub mod role;
pub mod scope;
pub mod text;
pub mod user;

pub use error::FieldError;
pub use ids::{MemberId, OrgId, UserId};
pub use meeting::{AppraisalGrade, MeetingKind, Period, StudyLevel};
pub use org::{OrgCode, OrgDomain, OrgKind, OrgName, OrgPath, OrgStatus};
pub use pinyin_key::PinyinKey;
pub use role::{Right, Rights, Role};
pub use scope::{Actor, Scope};
pub use user::{DisplayName, PasswordPolicy, Username};
