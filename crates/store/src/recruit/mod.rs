//! Member development (发展党员): the people in the pipeline (入党申请人 → 入党积极分子 → 发展对象 →
//! 预备党员 → 正式党员) and each of the 25 steps recorded as a dated event with who took it and
//! its facts.
//!
//! The rules are not here: every step is checked by `jiceng_rules::recruit::check_step` with the
//! county's parameters before it is saved, and every page judges the whole history with `audit`
//! and `next_due`. A step that breaks a rule of severity Error is refused with the rule named,
//! unless the county allows overrides (`dev.override_allowed`) and a reason is given; the reason
//! is kept with the step and the rules it overrode go into the audit record.
//!
//! The registry follows the steps in the same transaction: the approval of the admission (step
//! 17) registers the person as a 预备党员 through the member code (its history event, rollups and
//! audit record exactly as `member::create` writes them), and the approval of the 转正 decision
//! (step 24) regularizes, extends the probation or cancels the membership through the member
//! status change. Nothing is typed twice.
//!
//! Reads need the right to read member data and are limited to the scope by the path of the
//! person's organization; writes need the right to write records and the person's organization in
//! scope.

mod effects;
mod input;
mod model;
pub mod params;
mod pipeline;
pub(crate) mod resident;
mod write;

pub use effects::CANCEL_REASON;
pub(crate) use effects::member_moved;
pub use input::{PersonDraft, PersonInput, StepInput};
pub use model::{MemberLink, Person, PersonDetail, PersonStatus, StepRecord, get, reveal};
pub use params::{params, set_params};
pub use pipeline::{PipelineFilter, PipelineRow, pipeline};
pub use write::{create, delete_step, record_step, withdraw};

use jiceng_types::{Right, Scope};

use crate::error::{StoreError, StoreResult};

pub(crate) fn require_read(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_member_right", "您没有查看发展党员信息的权限"))
    }
}

pub(crate) fn require_write(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_record_write_right", "您没有录入发展党员信息的权限"))
    }
}
