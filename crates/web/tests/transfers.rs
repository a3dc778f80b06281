#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The transfer pages (组织关系转接): every role placed at town1 against transfers sent from its
//! scope, sent into it and elsewhere, through every transfer route; forms that keep the input;
//! the printable letter with the masked or (audited) full ID number; the pending-too-long flag.

mod common;

use chrono::{Datelike, Days};
use common::*;
use jiceng_store::member::transfer::{self, OutOfCountyDraft, Transfer, TransferDraft, TransferStatus};
use jiceng_store::member::{self, MemberDraft};
use jiceng_store::{Db, audit};
use jiceng_types::date::today_china;
use jiceng_types::{MemberId, OrgId, Right, Role, Scope};

/// A valid ID-card number, different for each `seq`.
fn id_card(seq: u32) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1979, 6, 7).unwrap() + Days::new(u64::from(seq / 400));
    let body = format!("520102{}{:03}", birth.format("%Y%m%d"), (seq % 400) * 2 + 1);
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

async fn add(db: &Db, org: OrgId, name: &str, seq: u32) -> member::Member {
    let d = MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "布依族".into(),
        id_card: id_card(seq),
        education: "高中".into(),
        category: "预备党员".into(),
        admitted_on: "2025-07-01".into(),
        ..Default::default()
    };
    member::create(db, &Scope::cli(), &meta(), d.parse(today()).unwrap()).await.unwrap()
}

/// A pending transfer started from the command line, `days` ago.
async fn send(db: &Db, m: MemberId, to: &str, days: u64) -> Transfer {
    let on = today_china() - Days::new(days);
    let d = TransferDraft { to_org: to.into(), on: on.to_string(), note: "随迁".into() };
    transfer::start(db, &Scope::cli(), &meta(), m, d).await.unwrap()
}

async fn letter_for(db: &Db, m: MemberId) -> Transfer {
    let d = OutOfCountyDraft {
        outside_to: "中共贵阳市云岩区某某街道工作委员会".into(),
        on: today_china().to_string(),
        dues_paid_to: "2026-10".into(),
        note: String::new(),
    };
    transfer::out_of_county(db, &Scope::cli(), &meta(), m, d).await.unwrap()
}

async fn status_of(db: &Db, t: &Transfer) -> TransferStatus {
    transfer::get(db, &Scope::cli(), &meta(), t.id).await.unwrap().status
}

/// Where a transfer is, seen from town1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Sent from town1's subtree (b11 → b21).
    Sender,
    /// Sent into town1's subtree (b21 → b12).
    Receiver,
    /// Inside town2 (b21 → town2).
    Sibling,
    /// In the other county (b_other → county_b).
    Other,
}

const SIDES: [Side; 4] = [Side::Sender, Side::Receiver, Side::Sibling, Side::Other];

struct Setup {
    f: Fixture,
    n: u32,
}

impl Setup {
    /// A fresh pending transfer on `side`.
    async fn transfer(&mut self, db: &Db, side: Side) -> Transfer {
        self.n += 1;
        let (from, to) = match side {
            Side::Sender => (self.f.b11.id, "A1201"),
            Side::Receiver => (self.f.b21.id, "A1102"),
            Side::Sibling => (self.f.b21.id, "A120"),
            Side::Other => (self.f.b_other.id, "B100"),
        };
        let name: String =
            self.n.to_string().chars().map(|d| "甲乙丙丁戊己庚辛壬癸".chars().nth(d as usize - 48).unwrap()).collect();
        let m = add(db, from, &format!("党员{name}"), self.n).await;
        send(db, m.id, to, 0).await
    }
}

jiceng_store::dual_test!(transfer_reads_follow_scope, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    let actors = actors(&app, f.town1.id).await;
    let mut s = Setup { f: f.clone(), n: 0 };
    let mut placed = Vec::new();
    for side in SIDES {
        placed.push((side, s.transfer(&db, side).await));
    }
    let m = add(&db, f.b11.id, "开信人", 90).await;
    let letter = letter_for(&db, m.id).await;
    let missing = letter.id.0 + 1000;
    for a in &actors {
        let reads = a.role.rights().has(Right::ReadMembers);
        let writes = a.role.rights().has(Right::WriteRecords);
        for (side, t) in &placed {
            let visible = matches!(side, Side::Sender | Side::Receiver);
            let want = if !reads {
                403
            } else if visible {
                200
            } else {
                404
            };
            let r = app.get(&format!("/transfers/{}", t.id), &a.cookie).await;
            assert_eq!(r.status, want, "{:?} GET transfer {side:?}: {}", a.role, r.body);
            let r = app.get(&format!("/transfers/{}/letter", t.id), &a.cookie).await;
            assert_eq!(r.status, if reads { 404 } else { 403 }, "{:?} no letter for {side:?}", a.role);
        }
        for path in [format!("/transfers/{missing}"), format!("/transfers/{missing}/letter"), "/transfers/abc".into()] {
            assert_eq!(app.get(&path, &a.cookie).await.status, if reads || path.ends_with("abc") { 404 } else { 403 });
        }
        let r = app.get(&format!("/transfers/{}/letter", letter.id), &a.cookie).await;
        assert_eq!(r.status, if reads { 200 } else { 403 }, "{:?} letter", a.role);
        // The lists agree with the per-object check.
        let tab = |name: &str| format!("/transfers?tab={name}");
        let ids = |r: &Resp| {
            let mut v: Vec<i64> =
                r.attrs("#transfer-table tbody tr", "data-id").iter().map(|s| s.parse().unwrap()).collect();
            v.sort_unstable();
            v
        };
        let (sender, receiver) = (placed[0].1.id.0, placed[1].1.id.0);
        for (name, want) in [
            ("out", vec![sender, letter.id.0]),
            ("in", vec![receiver]),
            ("history", vec![sender, receiver, letter.id.0]),
        ] {
            let r = app.get(&tab(name), &a.cookie).await;
            if !reads {
                assert_eq!(r.status, 403, "{:?} {name}", a.role);
                continue;
            }
            assert_eq!(r.status, 200, "{:?} {name}", a.role);
            let mut want = want.clone();
            want.sort_unstable();
            assert_eq!(ids(&r), want, "{:?} tab {name}", a.role);
        }
        // Suggestions of receivers: the county's active organizations, for those who write.
        let r = app.get("/transfers/orgs?to_org=%E5%85%9A%E6%94%AF%E9%83%A8", &a.cookie).await;
        if writes {
            assert_eq!(r.status, 200, "{:?}", a.role);
            assert_eq!(
                r.attrs("option", "value"),
                ["A1101", "A1102", "A1201"],
                "{:?}: not the dissolved, not county B",
                a.role
            );
        } else {
            assert_eq!(r.status, 403, "{:?}", a.role);
        }
        // The start form: only for members in scope, only with the right.
        for (mid, inside) in
            [(placed[0].1.member_id, true), (placed[1].1.member_id, false), (placed[3].1.member_id, false)]
        {
            let r = app.get(&format!("/members/{mid}/transfer"), &a.cookie).await;
            let want = if !writes {
                403
            } else if inside {
                200
            } else {
                404
            };
            assert_eq!(r.status, want, "{:?} start form for member {mid}", a.role);
        }
        // The navigation offers the page to those who may read it.
        let home = app.get("/", &a.cookie).await;
        assert_eq!(home.attrs(".sidenav a[href='/transfers']", "href").len(), usize::from(reads), "{:?} nav", a.role);
    }
    assert_chain_intact(&db).await;
});

/// A step through the web.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Accept,
    Return,
    Cancel,
}

fn expect(role: Role, step: Step, side: Side) -> u16 {
    if !role.rights().has(Right::WriteRecords) {
        return 403;
    }
    match (step, side) {
        (_, Side::Sibling | Side::Other) => 404,
        (Step::Accept | Step::Return, Side::Receiver) | (Step::Cancel, Side::Sender) => 303,
        _ => 403,
    }
}

jiceng_store::dual_test!(transfer_steps_follow_scope_and_side, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    let actors = actors(&app, f.town1.id).await;
    let mut s = Setup { f: f.clone(), n: 0 };
    let today = today_china().to_string();
    for a in &actors {
        for step in [Step::Accept, Step::Return, Step::Cancel] {
            for side in SIDES {
                let t = s.transfer(&db, side).await;
                let (path, form): (String, Vec<(&str, &str)>) = match step {
                    Step::Accept => (format!("/transfers/{}/accept", t.id), vec![("on", &today)]),
                    Step::Return => (format!("/transfers/{}/return", t.id), vec![("reason", "不属于本支部")]),
                    Step::Cancel => (format!("/transfers/{}/cancel", t.id), vec![]),
                };
                let r = app.post_form(&path, &a.cookie, &form).await;
                let want = expect(a.role, step, side);
                let what = format!("{:?} {step:?} {side:?}", a.role);
                assert_eq!(r.status, want, "{what}: {}", r.body);
                let now = status_of(&db, &t).await;
                let moved = member::get(&db, &Scope::cli(), &meta(), t.member_id).await.unwrap().org_id;
                if want == 303 {
                    assert!(r.location().unwrap().starts_with(&format!("/transfers/{}?done=", t.id)), "{what}");
                    let (status, org) = match step {
                        Step::Accept => (TransferStatus::Accepted, t.to_org_id.unwrap()),
                        Step::Return => (TransferStatus::Returned, t.from_org_id),
                        Step::Cancel => (TransferStatus::Cancelled, t.from_org_id),
                    };
                    assert_eq!((now, moved), (status, org), "{what}");
                } else {
                    assert_eq!((now, moved), (TransferStatus::Pending, t.from_org_id), "{what}: refused, yet changed");
                }
            }
        }
        // Starting: a member in scope, outside it, and with the wrong right.
        let inside = add(&db, f.b11.id, "新转出", 500 + a.user.id.0 as u32).await;
        let outside = add(&db, f.b21.id, "外乡镇", 600 + a.user.id.0 as u32).await;
        for (m, in_scope) in [(&inside, true), (&outside, false)] {
            let form = [("mode", "county"), ("to_org", "A1201"), ("on", today.as_str()), ("note", "")];
            let r = app.post_form(&format!("/members/{}/transfer", m.id), &a.cookie, &form).await;
            let want = if !a.role.rights().has(Right::WriteRecords) {
                403
            } else if in_scope {
                303
            } else {
                404
            };
            assert_eq!(r.status, want, "{:?} start for {}: {}", a.role, m.name, r.body);
        }
    }
    assert_eq!(jiceng_store::org::check_rollups(&db).await.unwrap(), 0);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(forms_keep_the_input_and_say_what_is_wrong, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    testing_user(&db, "sec", Role::BranchSecretary, f.b11.id).await;
    let c = app.login("sec").await;
    let m = add(&db, f.b11.id, "吴六", 1).await;
    let path = format!("/members/{}/transfer", m.id);
    // In the county: an unknown receiver.
    let form = [("mode", "county"), ("to_org", "没有这个支部"), ("on", "2026-02-30"), ("note", "家属随迁")];
    let r = app.post_form(&path, &c, &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.attrs("input[name=to_org]", "value"), ["没有这个支部"]);
    assert_eq!(r.texts("textarea[name=note]"), ["家属随迁"]);
    assert_eq!(r.attrs("input[name=on]", "value"), ["2026-02-30"]);
    let errs = r.texts(".field-error");
    assert!(errs.iter().any(|e| e.contains("本县没有")), "{errs:?}");
    assert_eq!(errs.len(), 2, "{errs:?}");
    // Out of the county: nothing named, a bad month.
    let form =
        [("mode", "outside"), ("outside_to", ""), ("on", "2026-01-05"), ("dues_paid_to", "2026-13"), ("note", "")];
    let r = app.post_form(&path, &c, &form).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.attrs("input[name=dues_paid_to]", "value"), ["2026-13"]);
    assert!(r.attrs("input[name=outside_to]", "aria-invalid").len() == 1);
    assert!(r.attrs("input[name=to_org]", "value").is_empty(), "the out-of-county form, not the other");
    // A valid start; a second one is a conflict, said on the form.
    let ok = [("mode", "county"), ("to_org", "河口乡河口村党支部"), ("on", &today_china().to_string()), ("note", "")];
    let r = app.post_form(&path, &c, &ok).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id: i64 = r.location().unwrap().trim_start_matches("/transfers/").split('?').next().unwrap().parse().unwrap();
    let r = app.get(r.location().unwrap(), &c).await;
    assert_eq!(r.texts(".flash").len(), 1);
    assert_eq!(r.texts("#status"), ["待接收"]);
    let r = app.post_form(&path, &c, &ok).await;
    assert_eq!(r.status, 409);
    assert!(r.texts(".errors")[0].contains("未办结"), "{}", r.body);
    // The receiver returns it: the reason is required, and kept when the date is wrong elsewhere.
    testing_user(&db, "rcv", Role::TownshipAdmin, f.town2.id).await;
    let rc = app.login("rcv").await;
    let r = app.get(&format!("/transfers/{id}"), &rc).await;
    assert_eq!(r.attrs("form[action$='/accept'] button", "data-confirm").len(), 1, "accept asks first");
    assert!(r.attrs("form[action$='/cancel']", "action").is_empty(), "only the sender withdraws");
    let r = app.post_form(&format!("/transfers/{id}/return"), &rc, &[("reason", "  ")]).await;
    assert_eq!(r.status, 422);
    assert!(r.texts(".field-error")[0].contains("退回原因"));
    let r = app.post_form(&format!("/transfers/{id}/accept"), &rc, &[("on", "昨天")]).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.attrs("form[action$='/accept'] input[name=on]", "value"), ["昨天"]);
    let r = app.post_form(&format!("/transfers/{id}/return"), &rc, &[("reason", "本人未到岗")]).await;
    assert_eq!(r.status, 303);
    let r = app.get(&format!("/transfers/{id}"), &c).await;
    assert!(r.body.contains("本人未到岗"));
    assert_eq!(r.texts("#status"), ["已退回"]);
    // A second decision on a settled transfer is a conflict, not a crash.
    let r = app.post_form(&format!("/transfers/{id}/accept"), &rc, &[("on", &today_china().to_string())]).await;
    assert_eq!(r.status, 409);
});

async fn testing_user(db: &Db, name: &str, role: Role, org: OrgId) {
    jiceng_store::testing::user(db, name, role, Some(org)).await.unwrap();
}

jiceng_store::dual_test!(the_letter_prints_the_number_masked_or_in_full_with_an_audit_row, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    testing_user(&db, "sec", Role::BranchSecretary, f.b11.id).await;
    testing_user(&db, "aud", Role::Auditor, f.county.id).await;
    let (sec, aud) = (app.login("sec").await, app.login("aud").await);
    let m = add(&db, f.b11.id, "郑七", 7).await;
    // Issued through the page.
    let form = [
        ("mode", "outside"),
        ("outside_to", "中共遵义市红花岗区老城街道工作委员会"),
        ("on", &today_china().to_string()),
        ("dues_paid_to", "2026-10"),
        ("note", ""),
    ];
    let r = app.post_form(&format!("/members/{}/transfer", m.id), &sec, &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id: i64 = r.location().unwrap().trim_start_matches("/transfers/").split('?').next().unwrap().parse().unwrap();
    let serial = format!("JC-{}-000001", today_china().year());
    let reveals = |db: Db| async move {
        audit::list(
            &db,
            &Scope::cli(),
            &audit::Filter { action: Some(audit::Action::Reveal), ..Default::default() },
            50,
        )
        .await
        .unwrap()
    };
    // The auditor sees it masked; nothing is recorded as revealed.
    let r = app.get(&format!("/transfers/{id}/letter"), &aud).await;
    assert_eq!(r.status, 200);
    let shown = r.texts("#id-card")[0].clone();
    assert!(shown.contains("********") && !shown.contains(&id_card(7)), "{shown}");
    assert_eq!(r.texts(".serial-no"), [serial.clone(), serial.clone(), serial.clone()], "stub, letter and receipt");
    assert!(r.body.contains("中国共产党党员组织关系介绍信回执"));
    assert!(r.body.contains("2026</span>年<span class=\"fill\">10</span>月"), "dues month");
    assert!(r.body.contains("预备党员") && r.body.contains("布依族") && r.body.contains("郑七"));
    assert!(reveals(db.clone()).await.is_empty());
    // The secretary, who may see personal numbers, gets it in full, and the view is audited.
    let r = app.get(&format!("/transfers/{id}/letter"), &sec).await;
    assert_eq!(r.texts("#id-card"), [id_card(7)]);
    let rows = reveals(db.clone()).await;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].object_type.as_str(), rows[0].object_id.clone()), ("member", Some(m.id.to_string())));
    assert!(rows[0].changes.contains(&serial));
    // The 回执 comes back: recorded on the page, the member leaves the roll.
    let r = app.post_form(&format!("/transfers/{id}/receipt"), &sec, &[("on", &today_china().to_string())]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let gone = member::get(&db, &Scope::cli(), &meta(), m.id).await.unwrap();
    assert_eq!(gone.left_reason.as_deref(), Some(transfer::LEFT_REASON));
    assert_eq!(jiceng_store::org::check_rollups(&db).await.unwrap(), 0);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(transfers_waiting_too_long_are_flagged, |db: Db| async move {
    let f = fixture(&db).await;
    let app = TestApp::new(&db);
    testing_user(&db, "sec", Role::BranchSecretary, f.b11.id).await;
    let c = app.login("sec").await;
    let on_day = add(&db, f.b11.id, "第三十天", 1).await;
    let late = add(&db, f.b11.id, "第三十一天", 2).await;
    send(&db, on_day.id, "A1201", 30).await;
    let t = send(&db, late.id, "A1201", 31).await;
    let r = app.get("/transfers?tab=out", &c).await;
    let flagged = r.attrs("#transfer-table tbody tr:has(.overdue)", "data-id");
    assert_eq!(flagged, [t.id.to_string()]);
    assert_eq!(r.texts("#overdue-note").len(), 1);
    let r = app.get("/transfers?tab=history&overdue=1", &c).await;
    assert_eq!(r.attrs("#transfer-table tbody tr", "data-id"), [t.id.to_string()]);
    let r = app.get(&format!("/transfers/{}", t.id), &c).await;
    assert!(r.body.contains("超期 31 天"));
    // The member search on the page offers the way to start one.
    let r = app.get(&format!("/transfers?member_q={}", enc("第三十")), &c).await;
    assert_eq!(r.attrs("#member-hits a", "href").len(), 4);
});
