//! The new members of an import, prepared on a thread of their own while the database writes
//! the ones before: their personal numbers sealed, their rows laid out (the member, its history
//! event, its undo record, its chained audit record).

use std::collections::HashMap;

use jiceng_exchange::MemberRow;
use jiceng_types::OrgId;
use jiceng_types::person::MemberStatus;
use tokio::sync::mpsc::{Receiver, Sender};

use super::PlanItem;
use super::apply::change_and_event_rows;
use crate::audit::{self, Action};
use crate::bulk::{Bulk, Pending, Ty, Val};
use crate::error::{StoreError, StoreResult};
use crate::org::Org;

/// New members are sealed and written this many at a time, so that memory stays flat however
/// large the file.
pub(super) const CHUNK: usize = 5000;

/// The encrypted, indexed and masked numbers of a new row.
struct Sealed {
    id_enc: Vec<u8>,
    id_idx: String,
    id_masked: String,
    phone_enc: Option<Vec<u8>>,
    phone_idx: Option<String>,
    phone_masked: Option<String>,
    pinyin: jiceng_types::PinyinKey,
}

fn seal_row(keys: &crate::crypto::FieldKeys, r: &MemberRow, id_card_idx: &str) -> Sealed {
    let phone = r.phone.as_ref();
    Sealed {
        id_enc: keys.encrypt(r.id_card.as_str()),
        id_idx: id_card_idx.to_string(),
        id_masked: r.id_card.masked(),
        phone_enc: phone.map(|p| keys.encrypt(p.as_str())),
        phone_idx: phone.map(|p| keys.blind_index(p.as_str())),
        phone_masked: phone.map(|p| p.masked()),
        pinyin: jiceng_types::PinyinKey::of_person(r.name.as_str()),
    }
}

/// The columns of a new member written by an import.
const NEW_MEMBER: &[(&str, Ty)] = &[
    ("id", Ty::Int),
    ("org_id", Ty::Int),
    ("name", Ty::Text),
    ("name_pinyin", Ty::Text),
    ("name_initials", Ty::Text),
    ("gender", Ty::Text),
    ("ethnicity", Ty::Text),
    ("birth_date", Ty::Date),
    ("education", Ty::Text),
    ("category", Ty::Text),
    ("admitted_on", Ty::Date),
    ("regularized_on", Ty::Date),
    ("work_post", Ty::Text),
    ("residence", Ty::Text),
    ("id_card_enc", Ty::Bytes),
    ("id_card_idx", Ty::Text),
    ("id_card_masked", Ty::Text),
    ("phone_enc", Ty::Bytes),
    ("phone_idx", Ty::Text),
    ("phone_masked", Ty::Text),
];

/// The columns every new member of an import has alike: active, not 无职, created now.
const NEW_MEMBER_FIXED: &[(&str, Ty)] =
    &[("status", Ty::Text), ("without_post", Ty::Bool), ("created_at", Ty::Time), ("updated_at", Ty::Time)];

/// The new members of an import, prepared for writing on a thread of their own.
pub(super) struct NewMembers {
    pub(super) keys: crate::crypto::FieldKeys,
    pub(super) backend: sea_orm::DbBackend,
    pub(super) batch_id: i64,
    pub(super) file_name: String,
    pub(super) by: String,
    pub(super) now: chrono::DateTime<chrono::Utc>,
}

/// The member rows' changes of organization counts.
pub(super) type Deltas = HashMap<OrgId, (Org, i64)>;

impl NewMembers {
    /// Seal and lay out the new members of each job (their items and ids) as it comes, [`CHUNK`]
    /// members at a time (members before the rows that refer to them), sending each
    /// statement's rows as soon as they are ready; audit records are chained onto `audit`,
    /// which comes back with the organization counts' changes once `jobs` is closed. On an
    /// error the thread stops, which closes `out`: the writer then learns the error from the
    /// thread's result.
    pub(super) fn prepare(
        self,
        mut audit: audit::Appender,
        mut jobs: Receiver<(Vec<PlanItem>, Vec<i64>)>,
        out: Sender<Pending>,
    ) -> StoreResult<(audit::Appender, Deltas)> {
        let mut deltas = Deltas::new();
        while let Some((items, ids)) = jobs.blocking_recv() {
            self.prepare_rows(&items, &ids, &mut audit, &mut deltas, &out)?;
        }
        Ok((audit, deltas))
    }

    fn prepare_rows(
        &self,
        items: &[PlanItem],
        ids: &[i64],
        audit: &mut audit::Appender,
        deltas: &mut Deltas,
        out: &Sender<Pending>,
    ) -> StoreResult<()> {
        let NewMembers { keys, backend, batch_id, file_name, by, now } = self;
        let mut file_json = String::from("{\"file\":");
        push_json_str(&mut file_json, file_name);
        let mut text = String::with_capacity(256);
        let (batch_id, now) = (*batch_id, *now);
        let mut members = Bulk::for_backend(*backend, "member", NEW_MEMBER)
            .with_fixed(NEW_MEMBER_FIXED, &[MemberStatus::Active.key().into(), false.into(), now.into(), now.into()])?;
        let (mut changes_rows, mut events) = change_and_event_rows(*backend, batch_id, "imported", by, now)?;

        let send = |p: Option<Pending>| -> StoreResult<()> {
            match p {
                Some(p) => out.blocking_send(p).map_err(|_| StoreError::Corrupt("the import's writer stopped".into())),
                None => Ok(()),
            }
        };
        let new_items: Vec<(&MemberRow, &str, &Org)> = items
            .iter()
            .filter_map(|i| match i {
                PlanItem::New { row, id_card_idx, org } => Some((row, id_card_idx.as_str(), org)),
                _ => None,
            })
            .collect();
        for (chunk, ids) in new_items.chunks(CHUNK).zip(ids.chunks(CHUNK)) {
            let sealed = crate::crypto::on_all_cores(chunk, |(row, idx, _)| seal_row(keys, row, idx));
            for (((row, _, org), id), z) in chunk.iter().zip(ids).zip(&sealed) {
                members.push(&[
                    (*id).into(),
                    org.id.0.into(),
                    row.name.as_str().into(),
                    z.pinyin.full.as_str().into(),
                    z.pinyin.initials.as_str().into(),
                    row.gender.key().into(),
                    row.ethnicity.into(),
                    row.birth_date.into(),
                    row.education.map(|e| e.key()).into(),
                    row.category.key().into(),
                    row.admitted_on.into(),
                    row.regularized_on.into(),
                    row.post.as_deref().into(),
                    row.residence.as_deref().into(),
                    z.id_enc.as_slice().into(),
                    z.id_idx.as_str().into(),
                    z.id_masked.as_str().into(),
                    z.phone_enc.as_deref().into(),
                    z.phone_idx.as_deref().into(),
                    z.phone_masked.as_deref().into(),
                ])?;
                deltas.entry(org.id).or_insert_with(|| ((*org).clone(), 0)).1 += 1;
                changes_rows.push(&[(*id).into(), Val::Null])?;
                // The history event's and the audit record's JSON, written directly (as `json!`
                // would, keys in order): an import writes them by the hundred thousand.
                imported_detail(&mut text, &file_json, row.excel_row);
                events.push(&[(*id).into(), org.id.0.into(), row.admitted_on.into(), text.as_str().into()])?;
                created_changes(&mut text, &z.id_masked, batch_id, row.name.as_str(), &org.name);
                let id_text = id.to_string();
                audit.push_text(Action::Create, "member", Some(&id_text), Some(org.path.as_str()), &text)?;
            }
            send(members.take()?)?;
            send(events.take()?)?;
            send(changes_rows.take()?)?;
            send(audit.take_if_full()?)?;
        }
        Ok(())
    }
}

/// `s` as a JSON string (quoted and escaped).
fn push_json_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
}

/// The history event of an imported member, `{"file":…,"row":…}` (`file_json`: the start,
/// `{"file":"<name>"`, the same for every row).
fn imported_detail(out: &mut String, file_json: &str, row: u32) {
    out.clear();
    out.push_str(file_json);
    out.push_str(",\"row\":");
    out.push_str(&row.to_string());
    out.push('}');
}

/// The audit record's changes of an imported member.
fn created_changes(out: &mut String, id_masked: &str, batch_id: i64, name: &str, org: &str) {
    out.clear();
    out.push_str("{\"id_card\":{\"to\":");
    push_json_str(out, id_masked);
    out.push_str("},\"import_batch\":");
    out.push_str(&batch_id.to_string());
    out.push_str(",\"name\":{\"to\":");
    push_json_str(out, name);
    out.push_str("},\"org\":{\"to\":");
    push_json_str(out, org);
    out.push_str("}}");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_texts_written_directly_are_what_json_writes() {
        let file = "名册 \"2026\"\\年.xlsx";
        let mut start = String::from("{\"file\":");
        push_json_str(&mut start, file);
        let mut out = String::new();
        imported_detail(&mut out, &start, 100_001);
        assert_eq!(out, serde_json::json!({ "file": file, "row": 100_001 }).to_string());
        created_changes(&mut out, "520102********0104", 7, "张\t三", "第一党支部\n");
        let expected = serde_json::json!({
            "name": { "to": "张\t三" }, "id_card": { "to": "520102********0104" }, "org": { "to": "第一党支部\n" }, "import_batch": 7,
        });
        assert_eq!(out, expected.to_string());
    }
}
