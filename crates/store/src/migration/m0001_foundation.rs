//! The foundation: organizations and their history, members (core fields), accounts, sessions,
//! API tokens, login attempts, settings and the hash-chained audit trail.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A text column whose ordering must be bytewise on every engine (materialized paths).
fn bytewise_text(name: &'static str, backend: DbBackend) -> ColumnDef {
    let mut col = text(name);
    if backend == DbBackend::Postgres {
        col.extra("COLLATE \"C\"");
    }
    col
}

fn ts(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone(name)
}

fn ts_null(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone_null(name)
}

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
        let backend = m.get_database_backend();

        m.create_table(
            Table::create()
                .table("org")
                .col(big_pk_auto("id"))
                .col(big_integer_null("parent_id"))
                .col(bytewise_text("path", backend).unique_key().take())
                .col(integer("depth"))
                .col(text_uniq("code"))
                .col(text("name"))
                .col(text("name_pinyin"))
                .col(text("name_initials"))
                .col(text("kind"))
                .col(text("domain"))
                .col(date_null("established_on"))
                .col(date_null("term_start"))
                .col(date_null("term_end"))
                .col(text("status"))
                .col(date_null("status_on"))
                .col(big_integer_null("merged_into_id"))
                .col(big_integer("member_count").default(0))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("org", "parent_id", "org"))
                .foreign_key(&mut fk("org", "merged_into_id", "org"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_org_parent", "org", &["parent_id"])).await?;
        m.create_index(index("idx_org_initials", "org", &["name_initials"])).await?;
        m.create_index(index("idx_org_name", "org", &["name"])).await?;

        m.create_table(
            Table::create()
                .table("org_event")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(text("kind"))
                .col(date("happened_on"))
                .col(text("detail"))
                .col(text("recorded_by"))
                .col(ts("recorded_at"))
                .foreign_key(&mut fk("org_event", "org_id", "org"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_org_event_org", "org_event", &["org_id", "happened_on"])).await?;

        m.create_table(
            Table::create()
                .table("member")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(text("name"))
                .col(text("name_pinyin"))
                .col(text("name_initials"))
                .col(text("gender"))
                .col(text("ethnicity"))
                .col(date("birth_date"))
                .col(text("education"))
                .col(text("category"))
                .col(date("admitted_on"))
                .col(date_null("regularized_on"))
                .col(text("status"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("member", "org_id", "org"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_member_org", "member", &["org_id"])).await?;
        m.create_index(index("idx_member_name", "member", &["name"])).await?;
        m.create_index(index("idx_member_initials", "member", &["name_initials"])).await?;

        m.create_table(
            Table::create()
                .table("app_user")
                .col(big_pk_auto("id"))
                .col(text_uniq("username"))
                .col(text("display_name"))
                .col(text("role"))
                .col(big_integer_null("org_id"))
                .col(big_integer_null("member_id"))
                .col(text("password_hash"))
                .col(boolean("must_change_password"))
                .col(ts_null("disabled_at"))
                .col(ts("password_changed_at"))
                .col(ts_null("last_login_at"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("app_user", "org_id", "org"))
                .foreign_key(&mut fk("app_user", "member_id", "member"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_app_user_org", "app_user", &["org_id"])).await?;

        m.create_table(
            Table::create()
                .table("session")
                .col(text("id_hash").primary_key())
                .col(big_integer("user_id"))
                .col(ts("created_at"))
                .col(ts("last_seen_at"))
                .col(text("client_addr"))
                .col(text("user_agent"))
                .foreign_key(&mut fk("session", "user_id", "app_user"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_session_user", "session", &["user_id"])).await?;

        m.create_table(
            Table::create()
                .table("api_token")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(text("name"))
                .col(text_uniq("token_hash"))
                .col(ts("created_at"))
                .col(ts_null("last_used_at"))
                .col(ts_null("expires_at"))
                .col(ts_null("revoked_at"))
                .foreign_key(&mut fk("api_token", "user_id", "app_user"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("login_attempt")
                .col(big_pk_auto("id"))
                .col(text("username"))
                .col(text("client_addr"))
                .col(ts("at"))
                .col(boolean("success"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_login_attempt_user", "login_attempt", &["username", "at"])).await?;

        m.create_table(
            Table::create()
                .table("setting")
                .col(text("key").primary_key())
                .col(text("value"))
                .col(ts("updated_at"))
                .col(text("updated_by"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_integer("id").primary_key())
                .col(ts("at"))
                .col(big_integer_null("user_id"))
                .col(text("username"))
                .col(text("role"))
                .col(big_integer_null("org_id"))
                .col(text_null("org_path"))
                .col(text("action"))
                .col(text("object_type"))
                .col(text_null("object_id"))
                .col(text("changes"))
                .col(text("client_addr"))
                .col(text("request_id"))
                .col(text("prev_hash"))
                .col(text("hash"))
                .take(),
        )
        .await?;
        m.create_index(index("idx_audit_at", "audit_log", &["at"])).await?;
        m.create_index(index("idx_audit_user", "audit_log", &["user_id", "id"])).await?;
        m.create_index(index("idx_audit_object", "audit_log", &["object_type", "object_id"])).await?;
        m.create_index(index("idx_audit_org_path", "audit_log", &["org_path"])).await?;

        m.create_table(
            Table::create()
                .table("audit_head")
                .col(integer("id").primary_key())
                .col(big_integer("seq"))
                .col(text("last_hash"))
                .take(),
        )
        .await?;

        let conn = m.get_connection();
        conn.execute_unprepared(&format!(
            "INSERT INTO audit_head (id, seq, last_hash) VALUES (1, 0, '{}')",
            crate::audit::GENESIS_HASH
        ))
        .await?;

        // The audit trail is append-only: the database itself refuses UPDATE and DELETE.
        match backend {
            DbBackend::Postgres => {
                conn.execute_unprepared(
                    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
                )
                .await?;
                conn.execute_unprepared(
                    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log \
                     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
                )
                .await?;
            }
            _ => {
                for op in ["UPDATE", "DELETE"] {
                    conn.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_log_no_{op} BEFORE {op} ON audit_log \
                         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                        op = op.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }
}
