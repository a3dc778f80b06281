//! Member development (发展党员): the people in the pipeline (入党申请人 → 入党积极分子 → 发展对象 →
//! 预备党员 → 正式党员) and every step of the 25 recorded as a dated event with its actor and its
//! facts (JSON of `jiceng_rules::recruit::Facts`).
//!
//! Personal numbers are stored as the member registry stores them: encrypted, with a blind index
//! for exact search and a masked form for display. On admission the person is linked to the
//! member record created from it (`member_id`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from_table: &'static str, from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(from_table, from_col)
        .to(to_table, "id")
        .take()
}

fn index(name: &'static str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(*c);
    }
    idx.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("recruit_person")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(text("name"))
                .col(text("gender"))
                .col(text("ethnicity"))
                .col(date("birth_date"))
                .col(text("education"))
                .col(text_null("work_post"))
                .col(blob("id_card_enc"))
                .col(text("id_card_idx"))
                .col(text("id_card_masked"))
                .col(blob_null("phone_enc"))
                .col(text_null("phone_idx"))
                .col(text_null("phone_masked"))
                .col(date("applied_on"))
                .col(text("stage"))
                .col(text("status"))
                .col(big_integer_null("member_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(text("created_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("recruit_person", "org_id", "org"))
                .foreign_key(&mut fk("recruit_person", "member_id", "member"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_recruit_person_org_status", "recruit_person", &["org_id", "status"])).await?;
        m.create_index(index("idx_recruit_person_id_card", "recruit_person", &["id_card_idx"])).await?;

        m.create_table(
            Table::create()
                .table("recruit_step")
                .col(big_pk_auto("id"))
                .col(big_integer("person_id"))
                .col(text("step"))
                .col(date("held_on"))
                .col(text("facts"))
                .col(text_null("actor"))
                .col(text_null("note"))
                .col(text_null("override_reason"))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(big_integer_null("recorded_by_user"))
                .col(text("recorded_by"))
                .foreign_key(&mut fk("recruit_step", "person_id", "recruit_person"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_recruit_step_person_held", "recruit_step", &["person_id", "held_on"])).await?;
        Ok(())
    }
}
