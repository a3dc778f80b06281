//! Organizational life (组织生活): meeting records (三会一课, 主题党日, 组织生活会, 民主评议, 谈心谈话,
//! 党委会议, 中心组学习) with their attendance, agenda, 第一议题 studies and votes, made once where
//! the meeting happens; the compliance findings, ledgers and rates are computed from them.
//!
//! Every read is limited to the caller's scope through the organization a meeting belongs to;
//! every write checks the organization, the members and the study items against the scope and
//! writes its audit record in the same transaction.

pub mod appraisal;
pub mod attachment;
pub mod compliance;
pub mod group;
pub mod import;
mod input;
mod model;
pub(crate) mod resident;
pub use resident::ResidentStats;
pub mod study;
pub mod training;
mod write;

pub use input::{Attendance, MeetingInput, RectificationInput, Source, VoteInput};
pub use model::{
    AttendeeRow, Meeting, MeetingFilter, MeetingRow, RectificationRow, RosterMember, StudyRef, VoteRow, get, list,
    roster,
};
pub(crate) use write::minutes_fingerprint;
pub use write::{create, delete, rectification_done, update};

use jiceng_types::{MeetingKind, Right, Scope};

use crate::error::{StoreError, StoreResult};

/// The kinds of a meeting as the stored bit mask (bit i = `MeetingKind::ALL[i]`).
pub fn kinds_mask(kinds: &[MeetingKind]) -> i32 {
    kinds.iter().fold(0i32, |m, k| m | (1 << kind_bit(*k)))
}

/// The kinds stored in a bit mask, in display order.
pub fn kinds_of(mask: i32) -> Vec<MeetingKind> {
    MeetingKind::ALL.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, k)| *k).collect()
}

fn kind_bit(kind: MeetingKind) -> usize {
    MeetingKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// Which of these member ids are members in scope (any status: past records name past members).
pub(crate) async fn members_in_scope(
    tx: &sea_orm::DatabaseTransaction,
    scope: &Scope,
    ids: &[i64],
) -> StoreResult<std::collections::HashSet<i64>> {
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query};
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let q = Query::select()
            .column(("m", "id"))
            .from_as("member", "m")
            .join_as(JoinType::InnerJoin, "org", "o", Expr::col(("o", "id")).equals(("m", "org_id")))
            .cond_where(crate::scope_sql::path_in_scope(scope, ("o", "path")))
            .and_where(Expr::col(("m", "id")).is_in(chunk.iter().copied()))
            .take();
        for r in tx.query_all(&q).await? {
            found.insert(r.try_get::<i64>("", "id")?);
        }
    }
    Ok(found)
}

pub(crate) fn require_read(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_member_right", "您没有查看组织生活记录的权限"))
    }
}

pub(crate) fn require_write(scope: &Scope) -> StoreResult<()> {
    if scope.can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(StoreError::forbidden("no_record_write_right", "您没有录入组织生活记录的权限"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_the_mask() {
        let kinds = vec![MeetingKind::GeneralMeeting, MeetingKind::Lecture, MeetingKind::ThemeDay];
        assert_eq!(kinds_of(kinds_mask(&kinds)), kinds);
        assert_eq!(kinds_mask(&[MeetingKind::GeneralMeeting]), 1);
        assert_eq!(kinds_of(0), Vec::<MeetingKind>::new());
    }
}
