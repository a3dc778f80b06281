//! The member registry: personal data fields (encrypted, with blind indexes and masked forms),
//! status flags with dates, the member event history, membership transfers, leadership teams
//! (班子) and import batches (for preview, result and undo).

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
        // One column per ALTER TABLE: SQLite cannot add several at once.
        let add: Vec<ColumnDef> = vec![
            blob_null("id_card_enc"),
            text_null("id_card_idx"),
            text_null("id_card_masked"),
            blob_null("phone_enc"),
            text_null("phone_idx"),
            text_null("phone_masked"),
            text_null("work_post"),
            text_null("residence"),
            text_null("mobile_out_to"),
            text_null("mobile_in_from"),
            date_null("mobile_since"),
            text_null("mobile_card_no"),
            date_null("out_of_contact_since"),
            boolean("without_post").default(false).take(),
            date_null("suspended_on"),
            date_null("left_on"),
            text_null("left_reason"),
            date_null("probation_extended_until"),
        ];
        for mut col in add {
            m.alter_table(Table::alter().table("member").add_column(&mut col).take()).await?;
        }
        m.create_index(index("idx_member_id_card", "member", &["id_card_idx"])).await?;
        m.create_index(index("idx_member_phone", "member", &["phone_idx"])).await?;
        m.create_index(index("idx_member_pinyin", "member", &["name_pinyin"])).await?;

        m.create_table(
            Table::create()
                .table("member_event")
                .col(big_pk_auto("id"))
                .col(big_integer("member_id"))
                .col(big_integer_null("org_id"))
                .col(text("kind"))
                .col(date("happened_on"))
                .col(text("detail"))
                .col(text("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(&mut fk("member_event", "member_id", "member"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_member_event_member", "member_event", &["member_id", "happened_on"])).await?;

        m.create_table(
            Table::create()
                .table("transfer")
                .col(big_pk_auto("id"))
                .col(big_integer("member_id"))
                .col(big_integer("from_org_id"))
                .col(big_integer_null("to_org_id"))
                .col(text_null("outside_to"))
                .col(text("status"))
                .col(date("started_on"))
                .col(date_null("decided_on"))
                .col(text_null("reason"))
                .col(text_null("letter_serial"))
                .col(text("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(text_null("decided_by"))
                .foreign_key(&mut fk("transfer", "member_id", "member"))
                .foreign_key(&mut fk("transfer", "from_org_id", "org"))
                .foreign_key(&mut fk("transfer", "to_org_id", "org"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_transfer_member", "transfer", &["member_id"])).await?;
        m.create_index(index("idx_transfer_status", "transfer", &["status", "started_on"])).await?;
        m.create_index(
            Index::create().name("idx_transfer_serial").table("transfer").col("letter_serial").unique().take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("org_team")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer_null("member_id"))
                .col(text("committee"))
                .col(text("name"))
                .col(text_null("gender"))
                .col(date_null("birth_date"))
                .col(text_null("education"))
                .col(text("post"))
                .col(text_null("title"))
                .col(boolean("dual_role").default(false))
                .col(date("started_on"))
                .col(date_null("ended_on"))
                .foreign_key(&mut fk("org_team", "org_id", "org"))
                .foreign_key(&mut fk("org_team", "member_id", "member"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_org_team_org", "org_team", &["org_id", "ended_on"])).await?;

        m.create_table(
            Table::create()
                .table("import_batch")
                .col(big_pk_auto("id"))
                .col(text("kind"))
                .col(text("file_name"))
                .col(big_integer_null("org_id"))
                .col(big_integer_null("user_id"))
                .col(text("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(big_integer("imported"))
                .col(big_integer("updated"))
                .col(big_integer("unchanged"))
                .col(big_integer("rejected"))
                .col(timestamp_with_time_zone_null("undone_at"))
                .col(text_null("undone_by"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("import_change")
                .col(big_pk_auto("id"))
                .col(big_integer("batch_id"))
                .col(text("object_type"))
                .col(big_integer("object_id"))
                .col(text_null("before"))
                .foreign_key(&mut fk("import_change", "batch_id", "import_batch"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_import_change_batch", "import_change", &["batch_id"])).await?;
        Ok(())
    }
}
