#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Contract tests of membership transfers (组织关系转接), on SQLite and PostgreSQL: the whole life
//! cycle, the member staying the sender's responsibility until accepted, who may take each step,
//! rollups after every step, letter numbers, audit rows and the pending-too-long boundary.

mod common;

use chrono::{Datelike, Days, NaiveDate};
use common::*;
use jiceng_store::member::transfer::{
    self, Direction, OutOfCountyDraft, TransferDraft, TransferFilter, TransferId, TransferStatus,
};
use jiceng_store::member::{self, MemberDraft};
use jiceng_store::{Db, StoreError, audit, org};
use jiceng_types::date::today_china;
use jiceng_types::person::MemberStatus;
use jiceng_types::{MemberId, OrgId, Role, Scope, UserId};

fn id_card(birth: &str, seq: u32, male: bool) -> String {
    let seq = seq * 2 + u32::from(male);
    let body = format!("520102{birth}{seq:03}");
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

async fn add(db: &Db, org: OrgId, name: &str, seq: u32) -> member::Member {
    let d = MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "苗族".into(),
        id_card: id_card("19850312", seq, seq.is_multiple_of(2)),
        education: "大学本科".into(),
        category: "正式党员".into(),
        admitted_on: "2010-07-01".into(),
        regularized_on: "2011-07-01".into(),
        ..Default::default()
    };
    member::create(db, &Scope::cli(), &meta(), d.parse(today()).unwrap()).await.unwrap()
}

fn user(id: i64, role: Role, o: &Org) -> Scope {
    Scope::for_user(UserId(id), &format!("u{id}"), role, Some((o.id, o.path.clone())))
}

fn draft(to: &str, on: NaiveDate) -> TransferDraft {
    TransferDraft { to_org: to.into(), on: on.to_string(), note: "工作调动".into() }
}

async fn rollups_ok(db: &Db) {
    assert_eq!(org::check_rollups(db).await.unwrap(), 0, "rollups agree with the rows");
}

async fn org_of(db: &Db, id: MemberId) -> OrgId {
    member::get(db, &Scope::cli(), &meta(), id).await.unwrap().org_id
}

async fn counts(db: &Db, ids: &[OrgId]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for id in ids {
        let o = org::get(db, &Scope::cli(), &meta(), *id).await.unwrap();
        out.push((o.member_count, o.subtree_members));
    }
    out
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Forbidden { .. }))
}

fn not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::NotFound))
}

fn field_codes<T: std::fmt::Debug>(r: Result<T, StoreError>) -> Vec<(String, &'static str)> {
    match r {
        Err(StoreError::Invalid(e)) => e.into_iter().map(|e| (e.field, e.code)).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

jiceng_store::dual_test!(member_stays_with_the_sender_until_the_receiver_accepts, |db: Db| async move {
    let t = tree(&db).await;
    let today = today_china();
    let a = add(&db, t.branch11.id, "张明", 1).await;
    let town1 = user(1, Role::TownshipAdmin, &t.town1);
    let town2 = user(2, Role::TownshipAdmin, &t.town2);
    let sec12 = user(3, Role::BranchSecretary, &t.branch12);
    let other = user(4, Role::CountyAdmin, &t.other_county);
    let auditor = user(5, Role::Auditor, &t.county);
    let orgs = [t.branch11.id, t.town1.id, t.branch21.id, t.town2.id, t.county.id];
    let before = counts(&db, &orgs).await;
    assert_eq!(before, vec![(1, 1), (0, 1), (0, 0), (0, 0), (0, 1)]);

    // town1 sends 张明 to a branch of town2, outside its scope.
    let tr = transfer::start(&db, &town1, &meta(), a.id, draft("A0201", today)).await.unwrap();
    assert_eq!(
        (tr.status, tr.to_org_id, tr.from_org_id),
        (TransferStatus::Pending, Some(t.branch21.id), t.branch11.id)
    );
    assert_eq!(org_of(&db, a.id).await, t.branch11.id, "still the sender's member");
    assert_eq!(counts(&db, &orgs).await, before, "nothing moves before acceptance");
    rollups_ok(&db).await;
    // Both sides see it, each in its own list; nobody else does.
    assert_eq!(transfer::pending_for_sender(&db, &town1).await.unwrap().len(), 1);
    assert!(transfer::pending_for_receiver(&db, &town1).await.unwrap().is_empty());
    assert_eq!(transfer::pending_for_receiver(&db, &town2).await.unwrap()[0].id, tr.id);
    assert!(transfer::pending_for_sender(&db, &town2).await.unwrap().is_empty());
    let d = transfer::detail(&db, &town2, &meta(), tr.id).await.unwrap();
    assert_eq!((d.member.name.as_str(), d.note.as_deref()), ("张明", Some("工作调动")));
    for s in [&sec12, &other] {
        assert!(not_found(transfer::get(&db, s, &meta(), tr.id).await));
        assert!(transfer::list(&db, s, &TransferFilter::default(), 1, 50).await.unwrap().items.is_empty());
        assert!(transfer::transfer_facts(&db, s).await.unwrap().is_empty());
    }
    assert_eq!(transfer::list(&db, &auditor, &TransferFilter::default(), 1, 50).await.unwrap().total, 1);
    // Only the receiver accepts: not the sender, not a stranger, not a reader.
    assert!(forbidden(transfer::accept(&db, &town1, &meta(), tr.id, today).await));
    assert!(not_found(transfer::accept(&db, &sec12, &meta(), tr.id, today).await));
    let denied = |db: Db| async move {
        let f = audit::Filter {
            action: Some(audit::Action::Denied),
            object_type: Some("transfer".into()),
            ..Default::default()
        };
        audit::list(&db, &Scope::cli(), &f, 50).await.unwrap().len()
    };
    let before_denied = denied(db.clone()).await;
    assert!(not_found(transfer::accept(&db, &other, &meta(), tr.id, today).await));
    assert_eq!(denied(db.clone()).await, before_denied + 1, "an attempt from outside is recorded");
    assert!(forbidden(transfer::accept(&db, &auditor, &meta(), tr.id, today).await));
    assert!(forbidden(transfer::cancel(&db, &town2, &meta(), tr.id).await), "the receiver cannot withdraw");
    assert_eq!(org_of(&db, a.id).await, t.branch11.id);
    rollups_ok(&db).await;
    // The receiver, outside the sender's scope, accepts.
    let head = audit::list(&db, &Scope::cli(), &audit::Filter::default(), 1).await.unwrap()[0].id;
    let done = transfer::accept(&db, &town2, &meta(), tr.id, today).await.unwrap();
    assert_eq!(
        (done.status, done.decided_on, done.decided_by.as_deref()),
        (TransferStatus::Accepted, Some(today), Some("u2"))
    );
    assert_eq!(org_of(&db, a.id).await, t.branch21.id);
    assert_eq!(counts(&db, &orgs).await, vec![(0, 0), (0, 0), (1, 1), (0, 1), (0, 1)]);
    rollups_ok(&db).await;
    let rows: Vec<audit::Record> = audit::list(&db, &Scope::cli(), &audit::Filter::default(), 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.id > head)
        .collect();
    let kinds: Vec<(&str, &str)> = rows.iter().rev().map(|r| (r.object_type.as_str(), r.action.as_str())).collect();
    assert_eq!(kinds, [("transfer", "update"), ("member", "update")], "the step and the move, in one transaction");
    assert_eq!(rows[1].org_path.as_deref(), Some(t.branch21.path.as_str()));
    assert_eq!(rows[0].org_path.as_deref(), Some(t.branch11.path.as_str()));
    // Settled: no second acceptance, and the member is now town2's to send.
    assert!(matches!(transfer::accept(&db, &town2, &meta(), tr.id, today).await, Err(StoreError::Conflict { .. })));
    assert!(not_found(member::get(&db, &town1, &meta(), a.id).await));
    let kinds: Vec<String> =
        member::history(&db, &Scope::cli(), &meta(), a.id).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["created", "transfer_started", "transfer_accepted"]);
    // The sender still finds it in its history, as sent.
    let out = TransferFilter { direction: Some(Direction::Out), ..Default::default() };
    assert_eq!(transfer::list(&db, &town1, &out, 1, 50).await.unwrap().items[0].status, TransferStatus::Accepted);
    let inn = TransferFilter { direction: Some(Direction::In), ..Default::default() };
    assert_eq!(transfer::list(&db, &town1, &inn, 1, 50).await.unwrap().total, 0);
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
});

jiceng_store::dual_test!(returned_and_withdrawn_transfers_leave_the_member_alone, |db: Db| async move {
    let t = tree(&db).await;
    let today = today_china();
    let b = add(&db, t.branch11.id, "李华", 2).await;
    let town1 = user(1, Role::TownshipAdmin, &t.town1);
    let sec11 = user(2, Role::BranchSecretary, &t.branch11);
    let sec12 = user(3, Role::BranchSecretary, &t.branch12);
    // By name, to a branch the sender's township also covers; the branch secretary of b12 returns it.
    let tr = transfer::start(&db, &sec11, &meta(), b.id, draft("城关镇西街村党支部", today)).await.unwrap();
    assert_eq!(tr.to_org_id, Some(t.branch12.id));
    assert!(matches!(
        transfer::start(&db, &sec11, &meta(), b.id, draft("A0201", today)).await,
        Err(StoreError::Conflict { code: "transfer_open", .. })
    ));
    assert_eq!(
        field_codes(transfer::return_transfer(&db, &sec12, &meta(), tr.id, "  ").await),
        [("reason".into(), "required")]
    );
    assert!(forbidden(transfer::return_transfer(&db, &sec11, &meta(), tr.id, "不接收").await));
    let r = transfer::return_transfer(&db, &sec12, &meta(), tr.id, "该党员已在本村登记").await.unwrap();
    assert_eq!((r.status, r.reason.as_deref()), (TransferStatus::Returned, Some("该党员已在本村登记")));
    assert_eq!(org_of(&db, b.id).await, t.branch11.id);
    rollups_ok(&db).await;
    assert!(matches!(transfer::cancel(&db, &sec11, &meta(), tr.id).await, Err(StoreError::Conflict { .. })));
    // Started again, then withdrawn by the sender; the township above the receiver may accept
    // anything sent into its scope, but not after the withdrawal.
    let again = transfer::start(&db, &sec11, &meta(), b.id, draft("A0102", today)).await.unwrap();
    assert!(forbidden(transfer::cancel(&db, &sec12, &meta(), again.id).await));
    let c = transfer::cancel(&db, &sec11, &meta(), again.id).await.unwrap();
    assert_eq!(c.status, TransferStatus::Cancelled);
    assert!(matches!(transfer::accept(&db, &town1, &meta(), again.id, today).await, Err(StoreError::Conflict { .. })));
    assert_eq!(org_of(&db, b.id).await, t.branch11.id);
    rollups_ok(&db).await;
    // A third time, accepted by the township (its scope holds the receiver).
    let third = transfer::start(&db, &sec11, &meta(), b.id, draft("A0102", today)).await.unwrap();
    transfer::accept(&db, &town1, &meta(), third.id, today).await.unwrap();
    assert_eq!(org_of(&db, b.id).await, t.branch12.id);
    rollups_ok(&db).await;
    let kinds: Vec<String> =
        member::history(&db, &Scope::cli(), &meta(), b.id).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "transfer_started",
            "transfer_returned",
            "transfer_started",
            "transfer_cancelled",
            "transfer_started",
            "transfer_accepted"
        ]
    );
    let all = transfer::list(&db, &sec11, &TransferFilter::default(), 1, 50).await.unwrap();
    assert_eq!(all.total, 3);
    let returned =
        TransferFilter { status: Some(TransferStatus::Returned), q: Some("李".into()), ..Default::default() };
    assert_eq!(transfer::list(&db, &sec11, &returned, 1, 50).await.unwrap().items[0].id, tr.id);
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
});

jiceng_store::dual_test!(a_start_is_checked_field_by_field, |db: Db| async move {
    let t = tree(&db).await;
    let today = today_china();
    let m = add(&db, t.branch11.id, "王芳", 3).await;
    let far = add(&db, t.branch21.id, "赵强", 5).await;
    let sec11 = user(1, Role::BranchSecretary, &t.branch11);
    let start = |to: &str, on: NaiveDate| {
        let (db, s) = (db.clone(), sec11.clone());
        let d = draft(to, on);
        async move { transfer::start(&db, &s, &meta(), m.id, d).await }
    };
    assert_eq!(field_codes(start("", today).await), [("to_org".into(), "required")]);
    assert_eq!(field_codes(start("XX99", today).await), [("to_org".into(), "org_not_found")]);
    assert_eq!(field_codes(start("B01", today).await), [("to_org".into(), "org_not_found")], "another county");
    assert_eq!(field_codes(start("A0101", today).await), [("to_org".into(), "same_org")]);
    let tomorrow = today + Days::new(1);
    assert_eq!(field_codes(start("A0201", tomorrow).await), [("on".into(), "in_future")]);
    let dissolved = create(&db, &Scope::cli(), Some(t.town2.id), "A0202", "河口乡新村党支部", "党支部").await;
    org::dissolve(&db, &Scope::cli(), &meta(), dissolved.id, common::today(), "撤并").await.unwrap();
    assert_eq!(field_codes(start("A0202", today).await), [("to_org".into(), "org_not_found")]);
    let mut long = draft("A0201", today);
    long.note = "长".repeat(201);
    long.on = "明天".into();
    let codes = field_codes(transfer::start(&db, &sec11, &meta(), m.id, long).await);
    assert_eq!(codes.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["on", "note"], "all errors at once");
    // A member outside the scope does not exist; a reader may not start anything (recorded).
    assert!(not_found(transfer::start(&db, &sec11, &meta(), far.id, draft("A0201", today)).await));
    let auditor = user(2, Role::Auditor, &t.county);
    assert!(forbidden(transfer::start(&db, &auditor, &meta(), m.id, draft("A0201", today)).await));
    let denied = audit::list(
        &db,
        &Scope::cli(),
        &audit::Filter { action: Some(audit::Action::Denied), ..Default::default() },
        10,
    )
    .await
    .unwrap();
    assert_eq!(denied.len(), 1);
    // Only active members move.
    member::change_status(&db, &Scope::cli(), &meta(), m.id, member::StatusChange::Suspend { on: common::today() })
        .await
        .unwrap();
    assert!(matches!(start("A0201", today).await, Err(StoreError::Conflict { code: "not_active", .. })));
    assert!(transfer::list(&db, &Scope::cli(), &TransferFilter::default(), 1, 10).await.unwrap().items.is_empty());
    // The suggestions name the county's organizations, not the other county's.
    let opts = transfer::receiver_options(&db, &sec11, "党支部").await.unwrap();
    let codes: Vec<&str> = opts.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(codes, ["A0101", "A0102", "A0201"]);
    assert!(forbidden(transfer::receiver_options(&db, &auditor, "党支部").await));
});

jiceng_store::dual_test!(letters_are_numbered_and_the_receipt_removes_the_member, |db: Db| async move {
    let t = tree(&db).await;
    let today = today_china();
    let year = today.year();
    let sec11 = user(1, Role::BranchSecretary, &t.branch11);
    let mut members = Vec::new();
    for i in 0..8 {
        members.push(
            add(
                &db,
                t.branch11.id,
                &format!("党员{}", ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"][i]),
                10 + i as u32,
            )
            .await,
        );
    }
    let letter = |m: MemberId, on: NaiveDate| {
        let (db, s) = (db.clone(), sec11.clone());
        let d = OutOfCountyDraft {
            outside_to: "中共广东省东莞市长安镇委员会".into(),
            on: on.to_string(),
            dues_paid_to: format!("{}-{:02}", on.year(), on.month()),
            note: String::new(),
        };
        async move { transfer::out_of_county(&db, &s, &meta(), m, d).await }
    };
    let first = letter(members[0].id, today).await.unwrap();
    assert_eq!(first.letter_serial.as_deref(), Some(format!("JC-{year}-000001").as_str()));
    assert_eq!(first.status, TransferStatus::Issued);
    assert_eq!(org_of(&db, members[0].id).await, t.branch11.id);
    // Concurrent issues get distinct, consecutive numbers.
    let mut handles = Vec::new();
    for m in &members[1..6] {
        handles.push(tokio::spawn(letter(m.id, today)));
    }
    let mut serials = Vec::new();
    for h in handles {
        serials.push(h.await.unwrap().unwrap().letter_serial.unwrap());
    }
    serials.sort();
    let want: Vec<String> = (2..=6).map(|n| format!("JC-{year}-{n:06}")).collect();
    assert_eq!(serials, want);
    // Numbering is per year of the issue date.
    let last_year = NaiveDate::from_ymd_opt(year - 1, 12, 30).unwrap();
    assert_eq!(
        letter(members[6].id, last_year).await.unwrap().letter_serial.unwrap(),
        format!("JC-{}-000001", year - 1)
    );
    // A voided letter keeps its number.
    let void = transfer::cancel(&db, &sec11, &meta(), first.id).await.unwrap();
    assert_eq!(void.status, TransferStatus::Cancelled);
    let next = letter(members[0].id, today).await.unwrap();
    assert_eq!(next.letter_serial.unwrap(), format!("JC-{year}-000007"));
    // Bad input, all at once.
    let bad =
        OutOfCountyDraft { outside_to: " ".into(), on: "x".into(), dues_paid_to: "13月".into(), note: String::new() };
    let codes = field_codes(transfer::out_of_county(&db, &sec11, &meta(), members[7].id, bad).await);
    let fields: Vec<&str> = codes.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(fields, ["outside_to", "on", "dues_paid_to"]);
    rollups_ok(&db).await;
    // The letter: the full number for a role with the right (audited), masked for the auditor.
    let reveals = |db: Db| async move {
        audit::list(
            &db,
            &Scope::cli(),
            &audit::Filter { action: Some(audit::Action::Reveal), ..Default::default() },
            50,
        )
        .await
        .unwrap()
        .len()
    };
    let l = transfer::letter(&db, &sec11, &meta(), next.id).await.unwrap();
    assert!(l.id_card_revealed);
    assert_eq!(l.id_card.as_deref(), Some(id_card("19850312", 10, true).as_str()));
    assert_eq!(l.dues_paid_to, NaiveDate::from_ymd_opt(year, today.month(), 1));
    assert_eq!(l.valid_until(), today + Days::new(90));
    assert_eq!(reveals(db.clone()).await, 1);
    let auditor = user(2, Role::Auditor, &t.county);
    let l = transfer::letter(&db, &auditor, &meta(), next.id).await.unwrap();
    assert!(!l.id_card_revealed);
    assert!(l.id_card.unwrap().contains("********"));
    assert_eq!(reveals(db.clone()).await, 1);
    let town2 = user(3, Role::TownshipAdmin, &t.town2);
    assert!(not_found(transfer::letter(&db, &town2, &meta(), next.id).await));
    // The 回执: the member leaves the roll; counts follow.
    let before = counts(&db, &[t.branch11.id, t.county.id]).await;
    assert!(matches!(
        transfer::confirm_receipt(&db, &sec11, &meta(), next.id, today + Days::new(1)).await,
        Err(StoreError::Invalid(_))
    ));
    let done = transfer::confirm_receipt(&db, &sec11, &meta(), next.id, today).await.unwrap();
    assert_eq!(done.status, TransferStatus::Received);
    let gone = member::get(&db, &Scope::cli(), &meta(), members[0].id).await.unwrap();
    assert_eq!(
        (gone.status, gone.left_reason.as_deref(), gone.left_on),
        (MemberStatus::Left, Some(transfer::LEFT_REASON), Some(today))
    );
    let after = counts(&db, &[t.branch11.id, t.county.id]).await;
    assert_eq!(after, vec![(before[0].0 - 1, before[0].1 - 1), (before[1].0, before[1].1 - 1)]);
    rollups_ok(&db).await;
    assert!(matches!(
        transfer::confirm_receipt(&db, &sec11, &meta(), next.id, today).await,
        Err(StoreError::Conflict { .. })
    ));
    // A letter is only for transfers out of the county.
    let inside = transfer::start(&db, &sec11, &meta(), members[7].id, draft("A0201", today)).await.unwrap();
    assert!(not_found(transfer::letter(&db, &sec11, &meta(), inside.id).await));
    assert!(matches!(
        transfer::confirm_receipt(&db, &sec11, &meta(), inside.id, today).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
});

jiceng_store::dual_test!(pending_too_long_is_flagged_the_day_after_the_limit, |db: Db| async move {
    let t = tree(&db).await;
    let today = today_china();
    let limit = transfer::pending_limit_days(&db).await.unwrap();
    assert_eq!(limit, 30);
    let on_limit = add(&db, t.branch11.id, "陈一", 20).await;
    let past_limit = add(&db, t.branch11.id, "陈二", 21).await;
    let fresh = add(&db, t.branch11.id, "陈三", 22).await;
    let sec11 = user(1, Role::BranchSecretary, &t.branch11);
    let start = |m: MemberId, days: u64| {
        let (db, s) = (db.clone(), sec11.clone());
        async move { transfer::start(&db, &s, &meta(), m, draft("A0201", today - Days::new(days))).await.unwrap() }
    };
    let a = start(on_limit.id, 30).await;
    let b = start(past_limit.id, 31).await;
    let c = start(fresh.id, 0).await;
    assert!(!a.is_overdue(today, limit), "on day 30 not yet");
    assert!(b.is_overdue(today, limit), "on day 31 it is");
    assert!(!c.is_overdue(today, limit));
    let overdue = TransferFilter { overdue_on: Some(today), ..Default::default() };
    let flagged: Vec<TransferId> =
        transfer::list(&db, &sec11, &overdue, 1, 50).await.unwrap().items.iter().map(|t| t.id).collect();
    assert_eq!(flagged, [b.id]);
    // The data-quality rule agrees, from the facts the store gathers.
    let facts = transfer::transfer_facts(&db, &sec11).await.unwrap();
    assert_eq!(facts.len(), 3);
    let params = jiceng_rules::QualityParams::default();
    let findings = jiceng_rules::quality::check(&[], &[], &facts, today, &params);
    let ids: Vec<jiceng_rules::Subject> = findings.iter().map(|f| f.subject).collect();
    assert_eq!(ids, [jiceng_rules::Subject::Transfer(b.id.0)]);
    assert_eq!(findings[0].org_id, t.branch11.id.0);
    // Settled transfers are not pending any more.
    let town2 = user(2, Role::TownshipAdmin, &t.town2);
    transfer::accept(&db, &town2, &meta(), b.id, today).await.unwrap();
    assert!(transfer::list(&db, &sec11, &overdue, 1, 50).await.unwrap().items.is_empty());
    assert_eq!(transfer::transfer_facts(&db, &sec11).await.unwrap().len(), 2);
    // An acceptance cannot predate the start.
    assert!(matches!(
        transfer::accept(&db, &town2, &meta(), a.id, today - Days::new(31)).await,
        Err(StoreError::Invalid(_))
    ));
    rollups_ok(&db).await;
});

jiceng_store::dual_test!(concurrent_steps_apply_once, |db: Db| async move {
    let t = tree(&db).await;
    let today = today_china();
    let m = add(&db, t.branch11.id, "周五", 30).await;
    let sec11 = user(1, Role::BranchSecretary, &t.branch11);
    let town2 = user(2, Role::TownshipAdmin, &t.town2);
    // Two starts for the same member at once: one transfer.
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let (db, s) = (db.clone(), sec11.clone());
            tokio::spawn(async move { transfer::start(&db, &s, &meta(), m.id, draft("A0201", today)).await })
        })
        .collect();
    let mut ok = Vec::new();
    for h in starts {
        match h.await.unwrap() {
            Ok(tr) => ok.push(tr),
            Err(StoreError::Conflict { code: "transfer_open", .. }) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok.len(), 1);
    // Two acceptances at once: the member moves once.
    let id = ok[0].id;
    let accepts: Vec<_> = (0..4)
        .map(|_| {
            let (db, s) = (db.clone(), town2.clone());
            tokio::spawn(async move { transfer::accept(&db, &s, &meta(), id, today).await })
        })
        .collect();
    let mut accepted = 0;
    for h in accepts {
        match h.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(accepted, 1);
    assert_eq!(org_of(&db, m.id).await, t.branch21.id);
    assert_eq!(counts(&db, &[t.branch11.id, t.branch21.id, t.county.id]).await, vec![(0, 0), (1, 1), (0, 1)]);
    rollups_ok(&db).await;
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
});
