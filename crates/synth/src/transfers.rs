//! A few membership transfers (组织关系转接) in the demo county, so the transfer pages have
//! something to show from the first sign-in: one waiting for the demo branch to accept, one sent
//! by it that has waited longer than the 30-day limit, one returned, one accepted months ago, and
//! an introduction letter out of the county waiting for its 回执.
//!
//! They are made after the bulk load through the store's own transfer functions, as the
//! command-line operator, so they carry their member events, rollups and audit records like any
//! transfer. Dates are relative to the day of the load (the store refuses future dates).

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use jiceng_store::member::transfer::{self, OutOfCountyDraft, TransferDraft};
use jiceng_store::member::{self, MemberFilter};
use jiceng_store::seed::OrgSeed;
use jiceng_store::{Db, Meta, StoreResult};
use jiceng_types::person::MemberStatus;
use jiceng_types::{MemberId, OrgId, OrgKind, OrgStatus, Scope};

use crate::County;

/// The ids of `org` and its ancestors.
fn chain(by_id: &HashMap<i64, &OrgSeed>, org: i64) -> Vec<i64> {
    let mut out = vec![org];
    let mut at = by_id.get(&org).and_then(|o| o.parent_id);
    while let Some(p) = at {
        out.push(p);
        at = by_id.get(&p).and_then(|o| o.parent_id);
    }
    out
}

/// Active members of a branch who hold no demo account, in list order.
async fn members_of(db: &Db, org: i64, skip: &[&str]) -> StoreResult<Vec<(MemberId, String)>> {
    let filter = MemberFilter { org_id: Some(OrgId(org)), ..Default::default() };
    let page = member::list(db, &Scope::cli(), &filter, 1, 500).await?;
    Ok(page
        .items
        .into_iter()
        .filter(|m| m.org_id.0 == org && m.status == MemberStatus::Active && !skip.contains(&m.name.as_str()))
        .map(|m| (m.id, m.name))
        .collect())
}

/// Make the demo transfers; how many were made (none if the county has no demo branch or too
/// few members for them).
pub(crate) async fn load(db: &Db, county: &County) -> StoreResult<usize> {
    let (cli, meta) = (Scope::cli(), Meta::cli());
    let today = jiceng_types::date::today_china();
    let ago = |days: u64| today.checked_sub_days(Days::new(days)).unwrap_or(today);
    let org_of = |name: &str| county.users.iter().find(|u| u.username == name).and_then(|u| u.org_id);
    let (Some(town), Some(branch)) = (org_of("town_admin"), org_of("secretary")) else { return Ok(0) };
    let by_id: HashMap<i64, &OrgSeed> = county.orgs.iter().map(|o| (o.id, o)).collect();
    let up = chain(&by_id, town);
    let root = up
        .iter()
        .copied()
        .find(|id| by_id.get(id).is_some_and(|o| o.kind == OrgKind::CountyCommittee))
        .or(up.last().copied())
        .unwrap_or(town);
    // A branch of the same county outside the demo township, with members to spare.
    let skip: Vec<&str> = county.users.iter().map(|u| u.display_name.as_str()).collect();
    let mut elsewhere = None;
    for o in &county.orgs {
        let c = chain(&by_id, o.id);
        if o.kind.is_branch() && o.status == OrgStatus::Active && c.contains(&root) && !c.contains(&town) {
            let ms = members_of(db, o.id, &skip).await?;
            if ms.len() >= 2 {
                elsewhere = Some((o, ms));
                break;
            }
        }
    }
    let Some((other, incoming)) = elsewhere else { return Ok(0) };
    let outgoing = members_of(db, branch, &skip).await?;
    if outgoing.len() < 3 {
        return Ok(0);
    }
    let Some(home) = by_id.get(&branch) else { return Ok(0) };
    let send = |m: MemberId, to: &str, on: NaiveDate, note: &str| {
        let d = TransferDraft { to_org: to.to_string(), on: on.to_string(), note: note.to_string() };
        let (db, cli, meta) = (db.clone(), cli.clone(), meta.clone());
        async move { transfer::start(&db, &cli, &meta, m, d).await }
    };
    // Accepted months ago: one of the other branch's members now belongs to the demo branch.
    let done = send(incoming[0].0, &home.code, ago(120), "工作调动").await?;
    transfer::accept(db, &cli, &meta, done.id, ago(110)).await?;
    // Waiting for the demo branch to accept.
    send(incoming[1].0, &home.code, ago(6), "随配偶迁居").await?;
    // Sent by the demo branch 45 days ago and not yet accepted: over the limit.
    send(outgoing[0].0, &other.code, ago(45), "到县城务工，居住地相对固定").await?;
    // Returned by the receiver.
    let back = send(outgoing[1].0, &other.code, ago(20), "工作调动").await?;
    transfer::return_transfer(db, &cli, &meta, back.id, "该同志尚未到本单位报到，请核实后重新办理").await?;
    // A letter out of the county, waiting for its 回执.
    let letter = OutOfCountyDraft {
        outside_to: "中共广东省东莞市长安镇委员会".into(),
        on: ago(5).to_string(),
        dues_paid_to: ago(5).format("%Y-%m").to_string(),
        note: "外出务工满一年，地点固定".into(),
    };
    transfer::out_of_county(db, &cli, &meta, outgoing[2].0, letter).await?;
    Ok(5)
}
