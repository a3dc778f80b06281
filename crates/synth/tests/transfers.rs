#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The demo county comes with membership transfers for the transfer pages to show.

use jiceng_store::member::transfer::{self, TransferFilter, TransferStatus};
use jiceng_synth::{Scale, generate, load};
use jiceng_types::{OrgId, Role, Scope, UserId};

jiceng_store::dual_test!(the_demo_branch_has_transfers_to_handle, |db: jiceng_store::Db| async move {
    let today = jiceng_types::date::today_china();
    let county = generate(Scale::Tiny, 1, today);
    load(&db, &county, "Demo-Passw0rd!").await.unwrap();
    let branch = county.users.iter().find(|u| u.username == "secretary").unwrap().org_id.unwrap();
    let o = jiceng_store::org::get(&db, &Scope::cli(), &jiceng_store::Meta::cli(), OrgId(branch)).await.unwrap();
    let sec = Scope::for_user(UserId(1), "secretary", Role::BranchSecretary, Some((o.id, o.path.clone())));
    let limit = transfer::pending_limit_days(&db).await.unwrap();
    let incoming = transfer::pending_for_receiver(&db, &sec).await.unwrap();
    assert_eq!(incoming.len(), 1, "one to accept");
    let outgoing = transfer::pending_for_sender(&db, &sec).await.unwrap();
    let statuses: Vec<TransferStatus> = outgoing.iter().map(|t| t.status).collect();
    assert_eq!(statuses, [TransferStatus::Pending, TransferStatus::Issued]);
    assert!(outgoing[0].is_overdue(today, limit), "one over the limit");
    assert!(outgoing[1].letter_serial.is_some());
    let all = transfer::list(&db, &sec, &TransferFilter::default(), 1, 50).await.unwrap();
    assert_eq!(all.total, 5);
    assert!(all.items.iter().any(|t| t.status == TransferStatus::Accepted));
    assert!(all.items.iter().any(|t| t.status == TransferStatus::Returned));
    assert_eq!(jiceng_store::org::check_rollups(&db).await.unwrap(), 0);
    assert_eq!(jiceng_store::audit::verify(&db).await.unwrap().first_broken, None);
});
