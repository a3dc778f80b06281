//! One open development record per ID-card number: a partial unique index on the blind index of
//! the persons in progress or on probation. The registration checks this first and answers in
//! Chinese; the index makes two registrations of the same person at the same moment (two
//! branches, two windows) impossible on PostgreSQL too, where the check alone could let both
//! through before either commits.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_recruit_person_open_id_card ON recruit_person (id_card_idx) \
                 WHERE status IN ('in_progress', 'probationary')",
            )
            .await?;
        Ok(())
    }
}
