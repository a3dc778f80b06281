//! Fixtures shared by the store's contract tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use jiceng_store::org::{self, OrgDraft};
use jiceng_store::{Db, Meta};
use jiceng_types::{OrgId, Scope};

pub use jiceng_store::org::Org;

pub fn today() -> NaiveDate {
    jiceng_types::date::today_china()
}

pub fn meta() -> Meta {
    Meta { client_addr: "127.0.0.1".into(), request_id: "test".into() }
}

pub fn draft(parent: Option<OrgId>, code: &str, name: &str, kind: &str) -> OrgDraft {
    OrgDraft {
        parent_id: parent.map(|p| p.to_string()).unwrap_or_default(),
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        domain: "rural".into(),
        established_on: "2001-07-01".into(),
        term_start: "2021-05-01".into(),
        term_end: "2026-04-30".into(),
    }
}

pub async fn create(db: &Db, scope: &Scope, parent: Option<OrgId>, code: &str, name: &str, kind: &str) -> Org {
    let input = draft(parent, code, name, kind).parse(today()).expect("valid draft");
    org::create(db, scope, &meta(), input).await.expect("create org")
}

/// Two counties: A (county → two townships → branches) and B.
pub struct Tree {
    pub county: Org,
    pub town1: Org,
    pub town2: Org,
    pub branch11: Org,
    pub branch12: Org,
    pub branch21: Org,
    pub other_county: Org,
    pub other_branch: Org,
}

pub async fn tree(db: &Db) -> Tree {
    let cli = Scope::cli();
    let county = create(db, &cli, None, "AA", "甲县委", "县委").await;
    let town1 = create(db, &cli, Some(county.id), "A01", "城关镇党委", "党委").await;
    let town2 = create(db, &cli, Some(county.id), "A02", "河口乡党委", "党委").await;
    let branch11 = create(db, &cli, Some(town1.id), "A0101", "城关镇东街村党支部", "党支部").await;
    let branch12 = create(db, &cli, Some(town1.id), "A0102", "城关镇西街村党支部", "党支部").await;
    let branch21 = create(db, &cli, Some(town2.id), "A0201", "河口乡河口村党支部", "党支部").await;
    let other_county = create(db, &cli, None, "BB", "乙县委", "县委").await;
    let other_branch = create(db, &cli, Some(other_county.id), "B01", "乙县机关党支部", "党支部").await;
    Tree { county, town1, town2, branch11, branch12, branch21, other_county, other_branch }
}
