//! A partial index of the suspended (停止党籍) members, so that the few of them in a scope are
//! counted without reading every member: the roster's total is the active-member rollup plus
//! them. Partial, so that the planner never prefers it for the roster itself (an index on the
//! whole status column made SQLite read and sort every active member of the county per page).

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("CREATE INDEX idx_member_suspended ON member (org_id) WHERE status = 'suspended'")
            .await?;
        Ok(())
    }
}
