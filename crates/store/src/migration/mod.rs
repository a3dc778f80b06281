//! The one migration history, for SQLite and PostgreSQL alike.
//!
//! Migrations are append-only: a released migration is never edited; a change is a new migration
//! that is safe to run while the previous release is still serving.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_org_rollups;
mod m0003_member_registry;
mod m0004_member_status_index;
mod m0005_org_life;
mod m0006_recruit;
mod m0007_recruit_unique_open;
mod m0008_recruit_member_index;
mod m0009_member_lookup_indexes;
mod m0010_short_blind_indexes;

/// Applies jiceng's migrations.
#[derive(Debug)]
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_org_rollups::Migration),
            Box::new(m0003_member_registry::Migration),
            Box::new(m0004_member_status_index::Migration),
            Box::new(m0005_org_life::Migration),
            Box::new(m0006_recruit::Migration),
            Box::new(m0007_recruit_unique_open::Migration),
            Box::new(m0008_recruit_member_index::Migration),
            Box::new(m0009_member_lookup_indexes::Migration),
            Box::new(m0010_short_blind_indexes::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "jiceng_migration".into_iden()
    }
}
