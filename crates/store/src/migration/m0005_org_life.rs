//! Organizational life (三会一课, 主题党日, 组织生活会, 民主评议, 谈心谈话, 党委会议, 中心组学习):
//! Party groups (党小组), meeting records with their kinds, agenda, attendance, votes and
//! attachments; the 第一议题 study register and the meetings that studied its items; the
//! 组织生活会 rectification lists; 民主评议 grades; training records with their participants.
//!
//! A meeting's kinds are a bit mask (`kinds`, bit i = the i-th kind of `MeetingKind::ALL`), because
//! one record may be the month's 主题党日, the quarter's 党员大会 and its 党课 at once.

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

fn fk_cascade(from_table: &'static str, from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    fk(from_table, from_col, to_table).on_delete(ForeignKeyAction::Cascade).take()
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
                .table("party_group")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(text("name"))
                .col(big_integer_null("leader_member_id"))
                .col(date_null("created_on"))
                .col(date_null("ended_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("party_group", "org_id", "org"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_party_group_org", "party_group", &["org_id"])).await?;
        let mut col = big_integer_null("party_group_id");
        m.alter_table(Table::alter().table("member").add_column(&mut col).take()).await?;

        m.create_table(
            Table::create()
                .table("study_item")
                .col(big_pk_auto("id"))
                .col(text("title"))
                .col(text_null("source"))
                .col(date("published_on"))
                .col(integer("levels"))
                .col(integer_null("within_days"))
                .col(text_null("note"))
                .col(big_integer("org_id"))
                .col(text("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("withdrawn_at"))
                .foreign_key(&mut fk("study_item", "org_id", "org"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_study_item_published", "study_item", &["published_on"])).await?;

        m.create_table(
            Table::create()
                .table("meeting")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer_null("group_id"))
                .col(integer("kinds"))
                .col(date("held_on"))
                .col(text("topic"))
                .col(text_null("place"))
                .col(text_null("host"))
                .col(big_integer_null("lecturer_member_id"))
                .col(text_null("lecturer"))
                .col(text_null("minutes"))
                .col(text_null("decisions"))
                .col(text_null("criticism"))
                .col(text_null("absent_note"))
                .col(integer("expected"))
                .col(integer("present"))
                .col(boolean("first_agenda").default(false))
                .col(big_integer_null("minutes_hash"))
                .col(text("source"))
                .col(big_integer_null("recorded_by_user"))
                .col(text("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("meeting", "org_id", "org"))
                .foreign_key(&mut fk("meeting", "group_id", "party_group"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_meeting_org_held", "meeting", &["org_id", "held_on"])).await?;
        m.create_index(index("idx_meeting_held", "meeting", &["held_on"])).await?;

        m.create_table(
            Table::create()
                .table("meeting_agenda")
                .col(big_integer("meeting_id"))
                .col(integer("position"))
                .col(text("title"))
                .primary_key(Index::create().col("meeting_id").col("position"))
                .foreign_key(&mut fk_cascade("meeting_agenda", "meeting_id", "meeting"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("meeting_study")
                .col(big_integer("meeting_id"))
                .col(big_integer("study_item_id"))
                .primary_key(Index::create().col("meeting_id").col("study_item_id"))
                .foreign_key(&mut fk_cascade("meeting_study", "meeting_id", "meeting"))
                .foreign_key(&mut fk("meeting_study", "study_item_id", "study_item"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_meeting_study_item", "meeting_study", &["study_item_id"])).await?;
        m.create_table(
            Table::create()
                .table("meeting_attendee")
                .col(big_integer("meeting_id"))
                .col(big_integer("member_id"))
                .col(boolean("present"))
                .col(text_null("absence_reason"))
                .primary_key(Index::create().col("meeting_id").col("member_id"))
                .foreign_key(&mut fk_cascade("meeting_attendee", "meeting_id", "meeting"))
                .foreign_key(&mut fk("meeting_attendee", "member_id", "member"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_meeting_attendee_member", "meeting_attendee", &["member_id"])).await?;
        m.create_table(
            Table::create()
                .table("meeting_vote")
                .col(big_pk_auto("id"))
                .col(big_integer("meeting_id"))
                .col(text("subject"))
                .col(boolean("election").default(false))
                .col(integer("eligible"))
                .col(integer("present"))
                .col(integer("in_favour"))
                .col(integer("against"))
                .col(integer("abstain"))
                .foreign_key(&mut fk_cascade("meeting_vote", "meeting_id", "meeting"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_meeting_vote_meeting", "meeting_vote", &["meeting_id"])).await?;
        m.create_table(
            Table::create()
                .table("meeting_attachment")
                .col(big_pk_auto("id"))
                .col(big_integer("meeting_id"))
                .col(text("file_name"))
                .col(text("content_type"))
                .col(big_integer("size"))
                .col(text("sha256"))
                .col(text("stored_name"))
                .col(text("uploaded_by"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .foreign_key(&mut fk_cascade("meeting_attachment", "meeting_id", "meeting"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_meeting_attachment_meeting", "meeting_attachment", &["meeting_id"])).await?;
        m.create_table(
            Table::create()
                .table("rectification")
                .col(big_pk_auto("id"))
                .col(big_integer("meeting_id"))
                .col(big_integer("org_id"))
                .col(text("item"))
                .col(text_null("owner"))
                .col(date_null("due_on"))
                .col(date_null("done_on"))
                .foreign_key(&mut fk_cascade("rectification", "meeting_id", "meeting"))
                .foreign_key(&mut fk("rectification", "org_id", "org"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_rectification_meeting", "rectification", &["meeting_id"])).await?;

        m.create_table(
            Table::create()
                .table("appraisal")
                .col(big_integer("member_id"))
                .col(integer("year"))
                .col(big_integer("org_id"))
                .col(text("grade"))
                .col(big_integer_null("meeting_id"))
                .col(text("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .primary_key(Index::create().col("member_id").col("year"))
                .foreign_key(&mut fk("appraisal", "member_id", "member"))
                .foreign_key(&mut fk("appraisal", "org_id", "org"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_appraisal_org_year", "appraisal", &["org_id", "year"])).await?;

        m.create_table(
            Table::create()
                .table("training")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(text("course"))
                .col(text("kind"))
                .col(date("held_on"))
                .col(double("hours"))
                .col(text_null("organizer"))
                .col(text("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(&mut fk("training", "org_id", "org"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_training_org_held", "training", &["org_id", "held_on"])).await?;
        m.create_table(
            Table::create()
                .table("training_participant")
                .col(big_integer("training_id"))
                .col(big_integer("member_id"))
                .primary_key(Index::create().col("training_id").col("member_id"))
                .foreign_key(&mut fk_cascade("training_participant", "training_id", "training"))
                .foreign_key(&mut fk("training_participant", "member_id", "member"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_training_participant_member", "training_participant", &["member_id"])).await?;
        Ok(())
    }
}
