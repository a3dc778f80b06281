//! The introduction letter (中国共产党党员组织关系介绍信) of a transfer out of the county: what the
//! printed letter, its stub (存根) and its receipt (回执) show.

use chrono::NaiveDate;
use jiceng_types::{Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::{Transfer, TransferId, get, member_of, step_detail};
use crate::audit::{self, Action, Entry};
use crate::error::{StoreError, StoreResult};
use crate::member::Member;
use crate::{Db, Meta};

/// How long a letter is valid, in days (practice: generally no more than three months).
pub const LETTER_VALID_DAYS: u32 = 90;

/// Everything a printed letter shows.
#[derive(Debug, Clone)]
pub struct TransferLetter {
    /// The transfer (with its serial number).
    pub transfer: Transfer,
    /// The member.
    pub member: Member,
    /// The ID-card number: in full when the viewer may see it (the view was audited), else masked.
    pub id_card: Option<String>,
    /// True if [`TransferLetter::id_card`] is the full number.
    pub id_card_revealed: bool,
    /// 党费交到 (first day of the month), if recorded.
    pub dues_paid_to: Option<NaiveDate>,
    /// Valid for this many days from the issue date.
    pub valid_days: u32,
}

impl TransferLetter {
    /// The last day the letter is valid.
    pub fn valid_until(&self) -> NaiveDate {
        self.transfer.started_on + chrono::Days::new(u64::from(self.valid_days))
    }
}

/// The letter of a transfer out of the county, visible to the scope. A viewer with the right to
/// see personal numbers gets the full ID-card number (as a printed letter needs it), and that
/// view is recorded in the audit trail; everyone else sees it masked.
pub async fn letter(db: &Db, scope: &Scope, meta: &Meta, id: TransferId) -> StoreResult<TransferLetter> {
    let transfer = get(db, scope, meta, id).await?;
    let Some(serial) = transfer.letter_serial.clone() else { return Err(StoreError::NotFound) };
    let member = member_of(db.conn(), &transfer).await?;
    let issued = step_detail(db.conn(), &transfer, &["transfer_letter"]).await?;
    let dues_paid_to = issued
        .as_ref()
        .and_then(|d| d.get("dues_paid_to"))
        .and_then(|v| v.as_str())
        .and_then(|s| jiceng_types::date::parse_year_month(s).ok());
    let (id_card, id_card_revealed) = if scope.can(Right::RevealSensitive) && member.id_card_masked.is_some() {
        #[derive(FromQueryResult)]
        struct Enc {
            v: Option<Vec<u8>>,
        }
        let q = Query::select()
            .expr_as(Expr::col("id_card_enc"), "v")
            .from("member")
            .and_where(Expr::col("id").eq(member.id.0))
            .take();
        let enc = match db.conn().query_one(&q).await? {
            Some(r) => Enc::from_query_result(&r, "")?.v,
            None => None,
        };
        match enc {
            Some(enc) => {
                let plain = db.field_keys()?.decrypt(&enc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let entry =
                    Entry::new(Action::Reveal, "member", Some(member.id.to_string())).in_org(&member.org_path).changes(
                        serde_json::json!({ "field": "id_card", "transfer_id": transfer.id, "letter_serial": serial }),
                    );
                audit::record(db, scope, meta, entry).await?;
                (Some(plain), true)
            }
            None => (member.id_card_masked.clone(), false),
        }
    } else {
        (member.id_card_masked.clone(), false)
    };
    Ok(TransferLetter { transfer, member, id_card, id_card_revealed, dues_paid_to, valid_days: LETTER_VALID_DAYS })
}
