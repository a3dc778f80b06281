//! The scope matrix of the organization tree: every role (business roles and the auditor placed at
//! town1, the 三员 without an organization) against organizations at every position relative to
//! town1, through every page and API route that reads or changes the tree. Also: every route of
//! the application is listed here, and every one refuses an anonymous caller.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use jiceng_store::Db;
use jiceng_store::org::Org;
use jiceng_types::{OrgStatus, Right, Role};
use serde_json::json;

/// Where an organization is, seen from town1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pos {
    Own,
    Desc,
    Sibling,
    Ancestor,
    OtherRoot,
    OtherDesc,
}

const POSITIONS: [Pos; 6] = [Pos::Own, Pos::Desc, Pos::Sibling, Pos::Ancestor, Pos::OtherRoot, Pos::OtherDesc];

fn at(f: &Fixture, p: Pos) -> &Org {
    match p {
        Pos::Own => &f.town1,
        Pos::Desc => &f.b11,
        Pos::Sibling => &f.town2,
        Pos::Ancestor => &f.county,
        Pos::OtherRoot => &f.county_b,
        Pos::OtherDesc => &f.b_other,
    }
}

/// The organizations `role` (placed at town1) may read.
fn visible<'a>(role: Role, f: &Fixture, all: &'a [Org]) -> Vec<&'a Org> {
    let reads = role.rights().has(Right::ReadOrgs);
    all.iter().filter(|o| reads && (role.is_system() || f.town1.path.contains(&o.path))).collect()
}

fn ids<'a>(orgs: impl IntoIterator<Item = &'a Org>) -> Vec<i64> {
    let mut v: Vec<i64> = orgs.into_iter().map(|o| o.id.0).collect();
    v.sort_unstable();
    v
}

jiceng_store::dual_test!(org_reads_follow_scope, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let actors = actors(&app, f.town1.id).await;
    let all = snapshot(&db).await;
    let missing = all.iter().map(|o| o.id.0).max().unwrap() + 1000;
    for a in &actors {
        let reads = a.role.rights().has(Right::ReadOrgs);
        let vis = visible(a.role, &f, &all);
        let active: Vec<&Org> = vis.iter().copied().filter(|o| o.status == OrgStatus::Active).collect();
        // Without the right every organization is refused alike; with it, what is outside the
        // scope is indistinguishable from what does not exist.
        let refused = if reads { 404 } else { 403 };
        let mut per_object = Vec::new();
        for id in all.iter().map(|o| o.id.0).chain([missing]) {
            let shown = vis.iter().any(|o| o.id.0 == id);
            for path in [
                format!("/orgs/{id}"),
                format!("/orgs/{id}/children"),
                format!("/api/v1/orgs/{id}"),
                format!("/api/v1/orgs/{id}/children"),
            ] {
                let r = app.get(&path, &a.cookie).await;
                let want = if shown { 200 } else { refused };
                assert_eq!(r.status.as_u16(), want, "{:?} GET {path}: {}", a.role, r.body);
                if path.starts_with("/api/") {
                    assert!(r.header("content-type").unwrap().starts_with("application/json"), "{path}");
                }
            }
            if shown {
                per_object.push(id);
            }
        }
        per_object.sort_unstable();
        // The list agrees with the per-object check, for every organization in the database.
        let r = app.get("/api/v1/orgs?per_page=500&status=all", &a.cookie).await;
        if !reads {
            assert_eq!(r.status, 403, "{:?}", a.role);
            for path in ["/api/v1/orgs", "/orgs?q=党委", "/orgs/lookup?q=A1", "/orgs"] {
                assert_eq!(app.get(path, &a.cookie).await.status, 403, "{:?} {path}", a.role);
            }
            assert!(app.get("/", &a.cookie).await.texts("#total-orgs").is_empty());
            continue;
        }
        assert_eq!(r.json_ids(), per_object, "{:?}: list and per-object check disagree", a.role);
        assert_eq!(r.json_ids(), ids(vis.iter().copied()), "{:?}", a.role);
        let r = app.get("/api/v1/orgs?per_page=500", &a.cookie).await;
        assert_eq!(r.json_ids(), ids(active.iter().copied()), "{:?} active list", a.role);
        assert_eq!(r.json()["total"].as_u64().unwrap() as usize, active.len(), "{:?} total", a.role);
        // Search by name (the page) and by code (the lookup fragment), for every organization.
        for o in &all {
            let r = app.get(&format!("/orgs?show=all&q={}", enc(&o.name)), &a.cookie).await;
            assert_eq!(r.status, 200);
            let want = ids(vis.iter().copied().filter(|v| v.name.contains(&o.name)));
            assert_eq!(r.org_links("#tree-area tbody a"), want, "{:?} search {}", a.role, o.name);
            let r = app.get(&format!("/orgs/lookup?q={}", o.code), &a.cookie).await;
            assert_eq!(r.status, 200);
            let mut got = r.attrs("option", "value");
            got.sort();
            let want: Vec<String> =
                active.iter().filter(|v| v.code.starts_with(&o.code)).map(|v| v.code.clone()).collect();
            assert_eq!(got, want, "{:?} lookup {}", a.role, o.code);
        }
        // The tree page shows the scope's roots only.
        let r = app.get("/orgs", &a.cookie).await;
        let roots: Vec<i64> = r.org_links("#org-tree > li > details > summary a");
        let want = if a.role.is_system() { vec![f.county.id.0, f.county_b.id.0] } else { vec![f.town1.id.0] };
        assert_eq!(roots, want, "{:?} tree roots", a.role);
        // Home page counts.
        let home = app.get("/", &a.cookie).await;
        if a.role.is_system() {
            assert!(home.texts("#total-orgs").is_empty());
        } else {
            assert_eq!(home.texts("#total-orgs"), vec![active.len().to_string()], "{:?} home: {}", a.role, home.body);
        }
    }
    assert_chain_intact(&db).await;
});

/// A change to the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// Edit the organization at the position.
    Edit,
    /// Create a branch under it.
    Create,
    /// Move it under g13.
    Move,
    /// Move a fresh branch (under g13) under it.
    MoveInto,
    /// Dissolve it.
    Dissolve,
    /// Merge it into b12.
    Merge,
    /// Merge a fresh branch (under town1) into it.
    MergeInto,
}

const ACTS: [Act; 7] = [Act::Edit, Act::Create, Act::Move, Act::MoveInto, Act::Dissolve, Act::Merge, Act::MergeInto];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exp {
    Ok,
    Refused(u16),
    /// 422 with the API field and a text the page shows.
    Invalid(&'static str, &'static str),
}

const NOT_IN_SCOPE: &str = "不在您的管辖范围内";
const UNDER_BRANCH: &str = "其下不能再设立党组织";

fn expect(role: Role, act: Act, pos: Pos) -> Exp {
    let inside = matches!(pos, Pos::Own | Pos::Desc);
    let outside = if inside { None } else { Some(Exp::Refused(404)) };
    match role {
        Role::CountyAdmin | Role::TownshipAdmin => match (act, pos) {
            (Act::Edit, _) => outside.unwrap_or(Exp::Ok),
            (Act::Create, Pos::Own) | (Act::MoveInto, Pos::Own) | (Act::MergeInto, Pos::Own | Pos::Desc) => Exp::Ok,
            (Act::Create | Act::MoveInto, Pos::Desc) => Exp::Invalid("parent_id", UNDER_BRANCH),
            (Act::Create, _) => Exp::Invalid("parent_id", NOT_IN_SCOPE),
            (Act::MoveInto, _) => Exp::Invalid("parent_id", NOT_IN_SCOPE),
            (Act::MergeInto, _) => Exp::Invalid("target_id", NOT_IN_SCOPE),
            (Act::Move | Act::Dissolve | Act::Merge, Pos::Own) => Exp::Refused(403),
            (Act::Move | Act::Dissolve | Act::Merge, Pos::Desc) => Exp::Ok,
            (Act::Move | Act::Dissolve | Act::Merge, _) => Exp::Refused(404),
        },
        // Whoever may set up a top-level organization may also correct it; nothing else.
        Role::SystemAdmin if act == Act::Edit && matches!(pos, Pos::Ancestor | Pos::OtherRoot) => Exp::Ok,
        // Editing first loads the organization: outside the scope it does not exist.
        Role::BranchSecretary | Role::Member | Role::Auditor if act == Act::Edit => {
            outside.unwrap_or(Exp::Refused(403))
        }
        _ => Exp::Refused(403),
    }
}

struct Case<'a> {
    app: &'a TestApp,
    f: &'a Fixture,
    n: usize,
}

impl Case<'_> {
    async fn fresh(&mut self, parent: &Org) -> Org {
        self.n += 1;
        cli_org(&self.app.db, Some(parent.id), &format!("F{:04}", self.n), &format!("临时党支部{}", self.n), "党支部")
            .await
    }

    /// Run one case; on success check its effect, on refusal that nothing changed.
    async fn run(&mut self, a: &Actor, act: Act, pos: Pos, api: bool) {
        let (app, f) = (self.app, self.f.clone());
        let exp = expect(a.role, act, pos);
        // The object acted on: a descendant is a fresh branch, so that successes do not pile up.
        let object = match (act, pos) {
            (Act::MoveInto, _) => self.fresh(&f.g13).await,
            (Act::MergeInto, _) => self.fresh(&f.town1).await,
            (Act::Create, _) => at(&f, pos).clone(),
            (_, Pos::Desc) => self.fresh(&f.town1).await,
            _ => at(&f, pos).clone(),
        };
        let target = match act {
            Act::Move => f.g13.clone(),
            Act::Merge => f.b12.clone(),
            _ => at(&f, pos).clone(),
        };
        self.n += 1;
        let (code, name) = (format!("N{:04}", self.n), format!("改名{}", self.n));
        let id = object.id.0;
        let before = snapshot(&app.db).await;
        let c = a.cookie.as_str();
        let r = match (act, api) {
            (Act::Edit, false) => {
                app.post_form(&format!("/orgs/{id}/edit"), c, &pairs(&edit_pairs(&object, &name))).await
            }
            (Act::Edit, true) => app.patch_json(&format!("/api/v1/orgs/{id}"), c, json!({ "name": name })).await,
            (Act::Create, false) => {
                let pid = id.to_string();
                let form = [
                    ("parent_id", pid.as_str()),
                    ("code", &code),
                    ("name", &name),
                    ("kind", "branch"),
                    ("domain", "rural"),
                ];
                app.post_form("/orgs/new", c, &form).await
            }
            (Act::Create, true) => {
                let body = json!({ "parent_id": id, "code": code, "name": name, "kind": "branch", "domain": "rural" });
                app.post_json("/api/v1/orgs", c, body).await
            }
            (Act::Move | Act::MoveInto, false) => {
                app.post_form(&format!("/orgs/{id}/move"), c, &[("target", target.code.as_str()), ("on", "")]).await
            }
            (Act::Move | Act::MoveInto, true) => {
                app.post_json(&format!("/api/v1/orgs/{id}/move"), c, json!({ "parent_id": target.id })).await
            }
            (Act::Dissolve, false) => {
                app.post_form(&format!("/orgs/{id}/dissolve"), c, &[("reason", "测试撤销")]).await
            }
            (Act::Dissolve, true) => {
                app.post_json(&format!("/api/v1/orgs/{id}/dissolve"), c, json!({ "reason": "测试撤销" })).await
            }
            (Act::Merge | Act::MergeInto, false) => {
                app.post_form(&format!("/orgs/{id}/merge"), c, &[("target", target.code.as_str())]).await
            }
            (Act::Merge | Act::MergeInto, true) => {
                app.post_json(&format!("/api/v1/orgs/{id}/merge"), c, json!({ "target_id": target.id })).await
            }
        };
        let what = format!("{:?} {act:?} {pos:?} via {}", a.role, if api { "API" } else { "page" });
        assert_ne!(r.status, 500, "{what}: {}", r.body);
        match exp {
            Exp::Ok => {
                let want = match (api, act) {
                    (false, _) => 303,
                    (true, Act::Create) => 201,
                    (true, _) => 200,
                };
                assert_eq!(r.status.as_u16(), want, "{what}: {}", r.body);
                let now = if act == Act::Create {
                    let all = snapshot(&app.db).await;
                    all.into_iter().find(|o| o.code == code).unwrap_or_else(|| panic!("{what}: not created"))
                } else {
                    org_now(&app.db, object.id).await
                };
                match act {
                    Act::Edit => assert_eq!(now.name, name, "{what}"),
                    Act::Create => assert_eq!(now.parent_id, Some(object.id), "{what}"),
                    Act::Move | Act::MoveInto => assert_eq!(now.parent_id, Some(target.id), "{what}"),
                    Act::Dissolve => assert_eq!(now.status, OrgStatus::Dissolved, "{what}"),
                    Act::Merge | Act::MergeInto => assert_eq!(now.merged_into_id, Some(target.id), "{what}"),
                }
            }
            Exp::Refused(status) => {
                assert_eq!(r.status.as_u16(), status, "{what}: {}", r.body);
                assert_eq!(snapshot(&app.db).await, before, "{what}: refused, yet the tree changed");
            }
            Exp::Invalid(field, text) => {
                assert_eq!(r.status, 422, "{what}: {}", r.body);
                if api {
                    assert_eq!(r.error_fields(), vec![field.to_string()], "{what}: {}", r.body);
                } else {
                    assert!(r.body.contains(text), "{what}: page should say {text}: {}", r.body);
                }
                assert_eq!(snapshot(&app.db).await, before, "{what}: refused, yet the tree changed");
            }
        }
    }
}

jiceng_store::dual_test!(org_writes_follow_scope_and_rights, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let actors = actors(&app, f.town1.id).await;
    let mut case = Case { app: &app, f: &f, n: 0 };
    for a in &actors {
        for act in ACTS {
            for pos in POSITIONS {
                for api in [false, true] {
                    case.run(a, act, pos, api).await;
                }
            }
        }
    }
    assert_chain_intact(&db).await;
});

/// Every route of the application (pages from `router.rs`, the API from the OpenAPI document).
fn all_routes() -> BTreeSet<(String, String)> {
    let src = [include_str!("../src/router.rs"), include_str!("../src/api/mod.rs")].concat();
    let mut routes = BTreeSet::new();
    for chunk in src.split(".route(\"").skip(1) {
        let (path, rest) = chunk.split_once('"').unwrap();
        let handlers = rest.split("\n").next().unwrap();
        for m in ["get", "post"] {
            if handlers.contains(&format!("{m}(")) {
                routes.insert((m.to_uppercase(), path.to_string()));
            }
        }
    }
    let doc = serde_json::to_value(jiceng_web::openapi()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in item.as_object().unwrap().keys() {
            if ["get", "post", "patch", "put", "delete"].contains(&m.as_str()) {
                routes.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

/// The routes this suite covers, and the test file that covers each for scope and rights.
const COVERED: &[(&str, &str, &str)] = &[
    ("GET", "/", "scope_matrix (home counts)"),
    ("GET", "/login", "auth"),
    ("POST", "/login", "auth"),
    ("POST", "/logout", "auth"),
    ("GET", "/orgs", "scope_matrix (search, tree roots)"),
    ("GET", "/orgs/lookup", "scope_matrix"),
    ("GET", "/orgs/new", "scope_accounts (forms)"),
    ("POST", "/orgs/new", "scope_matrix"),
    ("GET", "/orgs/{id}", "scope_matrix"),
    ("GET", "/orgs/{id}/children", "scope_matrix"),
    ("GET", "/orgs/{id}/edit", "scope_accounts (forms)"),
    ("POST", "/orgs/{id}/edit", "scope_matrix"),
    ("GET", "/orgs/{id}/move", "scope_accounts (forms)"),
    ("POST", "/orgs/{id}/move", "scope_matrix"),
    ("GET", "/orgs/{id}/dissolve", "scope_accounts (forms)"),
    ("POST", "/orgs/{id}/dissolve", "scope_matrix"),
    ("GET", "/orgs/{id}/merge", "scope_accounts (forms)"),
    ("POST", "/orgs/{id}/merge", "scope_matrix"),
    ("GET", "/orgs/reminders", "team"),
    ("GET", "/orgs/{id}/team", "team"),
    ("GET", "/orgs/{id}/team/new", "team"),
    ("POST", "/orgs/{id}/team/new", "team"),
    ("GET", "/orgs/{id}/structure", "team"),
    ("GET", "/team/{id}/edit", "team"),
    ("POST", "/team/{id}/edit", "team"),
    ("GET", "/team/{id}/end", "team"),
    ("POST", "/team/{id}/end", "team"),
    ("GET", "/members", "members"),
    ("GET", "/members/me", "members"),
    ("GET", "/members/new", "members (forms)"),
    ("POST", "/members/new", "members (forms)"),
    ("GET", "/members/{id}", "members"),
    ("GET", "/members/{id}/edit", "members (forms)"),
    ("POST", "/members/{id}/edit", "members (forms)"),
    ("POST", "/members/{id}/reveal", "members"),
    ("GET", "/members/{id}/status", "members"),
    ("POST", "/members/{id}/status", "members"),
    ("GET", "/compliance", "compliance"),
    ("POST", "/rectifications/{id}", "meetings"),
    ("GET", "/compliance/study/{id}", "compliance"),
    ("GET", "/orgs/{id}/compliance", "compliance"),
    ("GET", "/orgs/{id}/ledgers/{kind}", "compliance"),
    ("GET", "/settings/rules", "compliance"),
    ("POST", "/settings/rules", "compliance"),
    ("GET", "/settings/recruit-rules", "recruit_person"),
    ("POST", "/settings/recruit-rules", "recruit_person"),
    ("GET", "/recruits/{id}", "recruit_person"),
    ("POST", "/recruits/{id}/steps", "recruit_person"),
    ("GET", "/recruits/{id}/steps/{step_id}/delete", "recruit_person"),
    ("POST", "/recruits/{id}/steps/{step_id}/delete", "recruit_person"),
    ("POST", "/recruits/{id}/reveal", "recruit_person"),
    ("GET", "/recruits/{id}/withdraw", "recruit_person"),
    ("POST", "/recruits/{id}/withdraw", "recruit_person"),
    ("GET", "/recruits/{id}/documents", "recruit_documents"),
    ("GET", "/recruits/{id}/documents/{kind}", "recruit_documents"),
    ("GET", "/recruits/{id}/documents/{kind}/docx", "recruit_documents"),
    ("GET", "/quality", "quality"),
    ("GET", "/quality/export", "import_export"),
    ("GET", "/orgs/export", "import_export"),
    ("GET", "/members/export", "import_export"),
    ("GET", "/transfers/export", "import_export"),
    ("GET", "/import", "import_export"),
    ("GET", "/import/template/{kind}", "import_export"),
    ("POST", "/import/{kind}", "import_export"),
    ("POST", "/import/undo", "import_export"),
    ("GET", "/import/jobs/{token}", "import_export"),
    ("POST", "/import/jobs/{token}/confirm", "import_export"),
    ("POST", "/import/jobs/{token}/cancel", "import_export"),
    ("GET", "/import/jobs/{token}/problems", "import_export"),
    ("GET", "/members/{id}/transfer", "transfers"),
    ("POST", "/members/{id}/transfer", "transfers"),
    ("GET", "/transfers", "transfers"),
    ("GET", "/transfers/orgs", "transfers"),
    ("GET", "/transfers/{id}", "transfers"),
    ("POST", "/transfers/{id}/accept", "transfers"),
    ("POST", "/transfers/{id}/return", "transfers"),
    ("POST", "/transfers/{id}/cancel", "transfers"),
    ("POST", "/transfers/{id}/receipt", "transfers"),
    ("GET", "/transfers/{id}/letter", "transfers"),
    ("GET", "/recruits", "recruits"),
    ("GET", "/recruits/new", "recruits (forms)"),
    ("POST", "/recruits/new", "recruits (forms)"),
    ("GET", "/meetings", "meetings"),
    ("GET", "/meetings/quick", "meetings"),
    ("POST", "/meetings/quick", "meetings"),
    ("GET", "/meetings/new", "meetings"),
    ("POST", "/meetings/new", "meetings"),
    ("GET", "/meetings/{id}", "meetings"),
    ("GET", "/meetings/{id}/edit", "meetings"),
    ("POST", "/meetings/{id}/edit", "meetings"),
    ("GET", "/meetings/{id}/delete", "meetings"),
    ("POST", "/meetings/{id}/delete", "meetings"),
    ("POST", "/meetings/{id}/attachments", "meetings"),
    ("GET", "/orgs/{id}/meetings", "meetings"),
    ("GET", "/attachments/{id}", "meetings"),
    ("POST", "/attachments/{id}/delete", "meetings"),
    ("GET", "/study-items", "registers"),
    ("GET", "/study-items/new", "registers"),
    ("POST", "/study-items/new", "registers"),
    ("GET", "/study-items/{id}", "registers"),
    ("GET", "/study-items/{id}/edit", "registers"),
    ("POST", "/study-items/{id}/edit", "registers"),
    ("POST", "/study-items/{id}/withdraw", "registers"),
    ("GET", "/orgs/{id}/groups", "registers"),
    ("POST", "/orgs/{id}/groups", "registers"),
    ("GET", "/party-groups/{id}/assign", "registers"),
    ("POST", "/party-groups/{id}/assign", "registers"),
    ("POST", "/party-groups/{id}/end", "registers"),
    ("GET", "/orgs/{id}/appraisal", "registers"),
    ("POST", "/orgs/{id}/appraisal", "registers"),
    ("GET", "/training", "registers"),
    ("GET", "/training/new", "registers"),
    ("POST", "/training/new", "registers"),
    ("GET", "/training/hours", "registers"),
    ("GET", "/training/hours/export", "registers"),
    ("GET", "/training/{id}", "registers"),
    ("POST", "/training/{id}/delete", "registers"),
    ("GET", "/users", "scope_accounts"),
    ("GET", "/users/new", "scope_accounts"),
    ("POST", "/users/new", "scope_accounts"),
    ("GET", "/users/{id}", "scope_accounts"),
    ("POST", "/users/{id}/disable", "scope_accounts"),
    ("POST", "/users/{id}/enable", "scope_accounts"),
    ("POST", "/users/{id}/reset-password", "scope_accounts"),
    ("POST", "/users/{id}/end-sessions", "scope_accounts"),
    ("GET", "/audit", "scope_accounts"),
    ("GET", "/audit/verify", "scope_accounts"),
    ("GET", "/security", "scope_accounts"),
    ("POST", "/security", "scope_accounts"),
    ("POST", "/security/sessions/{handle}/end", "scope_accounts"),
    ("GET", "/account", "scope_accounts"),
    ("GET", "/account/password", "auth"),
    ("POST", "/account/password", "auth"),
    ("POST", "/account/tokens", "auth"),
    ("POST", "/account/tokens/{id}/revoke", "auth"),
    ("POST", "/account/sessions/{handle}/end", "scope_accounts"),
    ("GET", "/areas/{key}", "scope_accounts"),
    ("GET", "/healthz", "public"),
    ("GET", "/assets/{*path}", "public"),
    ("GET", "/api/openapi.json", "public"),
    ("GET", "/api/v1/me", "auth"),
    ("GET", "/api/v1/orgs", "scope_matrix"),
    ("POST", "/api/v1/orgs", "scope_matrix"),
    ("GET", "/api/v1/orgs/{id}", "scope_matrix"),
    ("PATCH", "/api/v1/orgs/{id}", "scope_matrix"),
    ("GET", "/api/v1/orgs/{id}/children", "scope_matrix"),
    ("POST", "/api/v1/orgs/{id}/move", "scope_matrix"),
    ("POST", "/api/v1/orgs/{id}/dissolve", "scope_matrix"),
    ("POST", "/api/v1/orgs/{id}/merge", "scope_matrix"),
    ("GET", "/api/v1/users", "scope_accounts"),
    ("POST", "/api/v1/users", "scope_accounts"),
    ("GET", "/api/v1/users/{id}", "scope_accounts"),
    ("POST", "/api/v1/users/{id}/disable", "scope_accounts"),
    ("POST", "/api/v1/users/{id}/enable", "scope_accounts"),
    ("POST", "/api/v1/users/{id}/reset-password", "scope_accounts"),
];

/// Routes anyone may open without signing in.
const PUBLIC: &[&str] = &["/login", "/healthz", "/assets/{*path}", "/api/openapi.json"];

#[test]
fn every_route_is_in_the_matrix() {
    let covered: BTreeSet<(String, String)> = COVERED.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    let routes = all_routes();
    let missing: Vec<_> = routes.difference(&covered).collect();
    assert!(missing.is_empty(), "routes without scope coverage (add them to the matrix and to COVERED): {missing:?}");
    let stale: Vec<_> = covered.difference(&routes).collect();
    assert!(stale.is_empty(), "COVERED lists routes that no longer exist: {stale:?}");
    assert!(routes.len() >= 50, "the route extraction found too few routes: {routes:?}");
}

jiceng_store::dual_test!(every_route_refuses_anonymous_callers, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    for (method, pattern) in all_routes() {
        if PUBLIC.contains(&pattern.as_str()) {
            continue;
        }
        let path = pattern
            .replace("{id}", &f.town1.id.to_string())
            .replace("{handle}", "0123456789abcdef")
            .replace("{key}", "members")
            .replace("{kind}", "members")
            .replace("{token}", "0123456789abcdef0123456789abcdef")
            .replace("{*path}", "app.css");
        let req = TestApp::request(method.parse().unwrap(), &path, "")
            .header(
                "content-type",
                if path.starts_with("/api/") { "application/json" } else { "application/x-www-form-urlencoded" },
            )
            .body(axum::body::Body::from(if path.starts_with("/api/") { "{}" } else { "" }))
            .unwrap();
        let r = app.send(req).await;
        if path.starts_with("/api/") {
            assert_eq!(r.status, 401, "{method} {path}: {}", r.body);
            assert_eq!(r.json()["error"], "unauthenticated", "{method} {path}");
        } else {
            assert!(r.is_login_redirect(), "{method} {path}: {} {:?}", r.status, r.location());
        }
    }
    // Public routes besides the pages.
    assert_eq!(app.get("/healthz", "").await.status, 200);
    assert_eq!(app.get("/api/openapi.json", "").await.status, 200);
    assert_eq!(app.get("/login", "").await.status, 200);
    assert_eq!(snapshot(&db).await.len(), 10, "anonymous requests changed the tree");
});
