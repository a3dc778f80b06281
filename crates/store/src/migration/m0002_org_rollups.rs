//! Subtree rollups on organizations (active direct children, active organizations and active
//! members in the subtree), maintained by every write in the same transaction, so the tree and
//! the dashboards read counts instead of aggregating thousands of rows per request.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in ["child_count", "subtree_orgs", "subtree_members"] {
            m.alter_table(Table::alter().table("org").add_column(big_integer(col).default(0)).take()).await?;
        }
        m.create_index(
            Index::create().name("idx_org_path_status").table("org").col("path").col("status").col("kind").take(),
        )
        .await?;
        // Fill the rollups of existing organizations.
        for sql in crate::org::REBUILD_SQL {
            m.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
