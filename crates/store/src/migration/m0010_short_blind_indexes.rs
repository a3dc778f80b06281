//! Blind indexes are kept to the first 128 bits of their HMAC-SM3 (32 hexadecimal digits
//! instead of 64, see `crypto::FieldKeys::blind_index`): the stored ones are cut to what the
//! same value's index is now. Every member is written into the ID and phone indexes, so each
//! member row and each entry of those indexes is 64 bytes shorter. The remembered fingerprint
//! of the field keys is such an index as well.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables and their blind-index columns.
const COLUMNS: &[(&str, &str)] = &[
    ("member", "id_card_idx"),
    ("member", "phone_idx"),
    ("recruit_person", "id_card_idx"),
    ("recruit_person", "phone_idx"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (table, column) in COLUMNS {
            db.execute_unprepared(&format!(
                "UPDATE {table} SET {column} = substr({column}, 1, 32) WHERE length({column}) > 32"
            ))
            .await?;
        }
        // The fingerprint of the field keys is a blind index too (`crypto::verify_field_keys`).
        db.execute_unprepared(
            "UPDATE setting SET value = substr(value, 1, 32) WHERE key = 'field_key_check' AND length(value) > 32",
        )
        .await?;
        Ok(())
    }
}
