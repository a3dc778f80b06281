//! The development record of a member found by the member: a transfer accepted moves the open
//! record along with the member (`recruit::member_moved`), which must not read every person of
//! the province to find it.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_recruit_person_member ON recruit_person (member_id) WHERE member_id IS NOT NULL",
            )
            .await?;
        Ok(())
    }
}
