//! The member table keeps only the indexes its queries use. The pinyin and initials searches
//! are prefix `LIKE`s, which SQLite (case-insensitive `LIKE`, binary-collated indexes) and
//! PostgreSQL (btree under a non-C collation) both answer by reading the members of the scope
//! through the organization index, never through an index on those columns; the name search
//! is a substring `LIKE`. Lookups by name happen only within organizations (the meeting
//! roll-call import, linking the demo accounts), which one index on (organization, name) serves,
//! and it serves every lookup by organization as the organization index did. Each index dropped
//! is one less b-tree every new member is written into.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("CREATE INDEX idx_member_org_name ON member (org_id, name)").await?;
        for name in ["idx_member_org", "idx_member_name", "idx_member_initials", "idx_member_pinyin"] {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
