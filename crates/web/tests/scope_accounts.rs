//! The scope matrix, continued: accounts (reading, creating, disabling, enabling, resetting), the
//! audit trail, the security page, sessions, the account page, the areas not yet open, and the
//! forms that change the tree. Every role is placed at town1 (the 三员 have no organization).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use jiceng_store::Db;
use jiceng_store::auth::User;
use jiceng_store::settings;
use jiceng_types::{OrgPath, Right, Role};
use serde_json::json;

/// True if an account at `u` lies in the scope of `a` (placed at town1).
fn in_scope(a: &Actor, u: &User, town1: &OrgPath) -> bool {
    a.role.is_system() || u.org_path.as_ref().is_some_and(|p| town1.contains(p))
}

fn names(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

jiceng_store::dual_test!(accounts_follow_scope_and_rank, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let actors = actors(&app, f.town1.id).await;
    let placed = [
        ("t-own", Role::Member, Some(f.town1.id)),
        ("t-desc", Role::Member, Some(f.b11.id)),
        ("t-sib", Role::Member, Some(f.town2.id)),
        ("t-anc", Role::Member, Some(f.county.id)),
        ("t-other", Role::Member, Some(f.b_other.id)),
        ("t-own-ta", Role::TownshipAdmin, Some(f.town1.id)),
        ("t-own-ca", Role::CountyAdmin, Some(f.town1.id)),
        ("t-own-aud", Role::Auditor, Some(f.town1.id)),
        ("t-sec", Role::SecurityAdmin, None),
        ("t-sys", Role::SystemAdmin, None),
    ];
    for (name, role, org) in placed {
        account(&db, name, role, org).await;
    }
    let all = users_snapshot(&db).await;
    let missing = all.iter().map(|u| u.id.0).max().unwrap() + 1000;
    for a in &actors {
        let reads = a.role.rights().has(Right::ReadUsers);
        let vis: Vec<&User> = all.iter().filter(|u| reads && in_scope(a, u, &f.town1.path)).collect();
        let want = names(vis.iter().map(|u| u.username.clone()).collect());
        let page = app.get("/users", &a.cookie).await;
        let api = app.get("/api/v1/users", &a.cookie).await;
        if reads {
            assert_eq!(names(page.texts("tbody td:first-child a")), want, "{:?} /users", a.role);
            let got =
                api.json().as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_string()).collect();
            assert_eq!(names(got), want, "{:?} /api/v1/users", a.role);
        } else {
            assert_eq!((page.status.as_u16(), api.status.as_u16()), (403, 403), "{:?}", a.role);
        }
        for id in all.iter().map(|u| u.id.0).chain([missing]) {
            let shown = vis.iter().any(|u| u.id.0 == id);
            let status = if shown {
                200
            } else if reads {
                404
            } else {
                403
            };
            for path in [format!("/users/{id}"), format!("/api/v1/users/{id}")] {
                assert_eq!(app.get(&path, &a.cookie).await.status.as_u16(), status, "{:?} GET {path}", a.role);
            }
        }
    }
    // Disable, enable and reset every account placed above, and one's own.
    for a in &actors {
        let mut targets: Vec<User> = all.iter().filter(|u| u.username.starts_with("t-")).cloned().collect();
        targets.push(a.user.clone());
        for t in &targets {
            let ok = a.role.can_manage(t.role) && in_scope(a, t, &f.town1.path) && a.user.id != t.id;
            let refused = if in_scope(a, t, &f.town1.path) { 403 } else { 404 };
            for api in [false, true] {
                for act in ["disable", "enable", "reset-password"] {
                    let path =
                        if api { format!("/api/v1/users/{}/{act}", t.id) } else { format!("/users/{}/{act}", t.id) };
                    let (before, head) = (users_snapshot(&db).await, audit_head(&db).await);
                    let r = if api {
                        app.post_json(&path, &a.cookie, json!({})).await
                    } else {
                        app.post_form(&path, &a.cookie, &[]).await
                    };
                    let what = format!("{:?} POST {path} ({})", a.role, t.username);
                    let rows = audit_since(&db, head).await;
                    if !ok {
                        assert_eq!(r.status.as_u16(), refused, "{what}: {}", r.body);
                        assert_eq!(users_snapshot(&db).await, before, "{what}: refused, yet accounts changed");
                        assert!(rows.iter().all(|r| r.action == "denied"), "{what}: {rows:?}");
                        continue;
                    }
                    let status = if api || act == "reset-password" { 200 } else { 303 };
                    assert_eq!(r.status.as_u16(), status, "{what}: {}", r.body);
                    let now = users_snapshot(&db).await.into_iter().find(|u| u.id == t.id).unwrap();
                    match act {
                        "disable" => assert!(now.disabled_at.is_some(), "{what}"),
                        "enable" => assert!(now.disabled_at.is_none(), "{what}"),
                        _ => {
                            let pw = if api {
                                r.json()["one_time_password"].as_str().unwrap().to_string()
                            } else {
                                r.texts("#one-time-password").concat()
                            };
                            assert_eq!(pw.len(), 16, "{what}");
                            assert!(now.must_change_password, "{what}");
                            let key = t.id.to_string();
                            assert!(
                                rows.iter().any(|r| r.action == "password_reset" && r.object_id == Some(key.clone()))
                            );
                        }
                    }
                }
            }
        }
    }
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(account_creation_follows_rank_and_scope, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let actors = actors(&app, f.town1.id).await;
    let mut n = 0;
    // Every role at town1, then a 党员 at every position.
    let mut cases: Vec<(Role, &jiceng_store::org::Org)> = Role::ALL.iter().map(|r| (*r, &f.town1)).collect();
    cases.extend([&f.b11, &f.town2, &f.county, &f.county_b, &f.b_other].map(|o| (Role::Member, o)));
    for a in &actors {
        for &(role, org) in &cases {
            let inside = a.role.is_system() || f.town1.path.contains(&org.path);
            let ok = a.role.can_manage(role) && (inside || !role.needs_org());
            for api in [false, true] {
                n += 1;
                let username = format!("new{n}");
                let before = users_snapshot(&db).await;
                let r = if api {
                    let body =
                        json!({ "username": username, "display_name": "新账号", "role": role.key(), "org_id": org.id });
                    app.post_json("/api/v1/users", &a.cookie, body).await
                } else {
                    let form = [
                        ("username", username.as_str()),
                        ("display_name", "新账号"),
                        ("role", role.key()),
                        ("org", org.code.as_str()),
                    ];
                    app.post_form("/users/new", &a.cookie, &form).await
                };
                let what =
                    format!("{:?} creates {role:?} at {} via {}", a.role, org.name, if api { "API" } else { "page" });
                let after = users_snapshot(&db).await;
                if ok {
                    assert_eq!(r.status.as_u16(), if api { 201 } else { 200 }, "{what}: {}", r.body);
                    let u = after.iter().find(|u| u.username == username).unwrap();
                    assert_eq!((u.role, u.must_change_password), (role, true), "{what}");
                    assert_eq!(u.org_id, role.needs_org().then_some(org.id), "{what}");
                    continue;
                }
                assert_eq!(after, before, "{what}: refused, yet an account was created");
                if a.role.can_manage(role) {
                    // A manager naming an organization outside the scope: the field is named.
                    assert_eq!(r.status, 422, "{what}: {}", r.body);
                    if api {
                        assert_eq!(r.error_fields(), vec!["org_id"], "{what}");
                    } else {
                        assert!(r.body.contains("不在您的管辖范围内"), "{what}: {}", r.body);
                        assert_eq!(r.attrs("input[name=username]", "value"), vec![username.clone()], "{what}");
                    }
                } else {
                    assert!([403, 422].contains(&r.status.as_u16()), "{what}: {} {}", r.status, r.body);
                }
            }
        }
        // The form itself: only for managers.
        let want = if a.role.rights().has(Right::ManageUsers) { 200 } else { 403 };
        assert_eq!(app.get("/users/new", &a.cookie).await.status.as_u16(), want, "{:?} /users/new", a.role);
    }
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(audit_security_and_own_pages_follow_rights, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let actors = actors(&app, f.town1.id).await;
    // Rows about objects across the tree.
    for (parent, code) in [(&f.town2, "X2"), (&f.county_b, "X3"), (&f.g13, "X4")] {
        cli_org(&db, Some(parent.id), code, &format!("审计测试{code}"), "党支部").await;
    }
    jiceng_store::org::dissolve(&db, &jiceng_types::Scope::cli(), &meta(), f.b12.id, today(), "测试").await.unwrap();
    jiceng_store::org::dissolve(&db, &jiceng_types::Scope::cli(), &meta(), f.b21.id, today(), "测试").await.unwrap();
    for a in &actors {
        let all = audit_all(&db).await;
        let r = app.get("/audit", &a.cookie).await;
        let verify = app.get("/audit/verify", &a.cookie).await;
        if !a.role.rights().has(Right::ReadAudit) {
            assert_eq!((r.status.as_u16(), verify.status.as_u16()), (403, 403), "{:?} /audit", a.role);
            continue;
        }
        let mut want: Vec<i64> = all
            .iter()
            .filter(|rec| {
                a.role.is_system() || rec.org_path.as_deref().is_some_and(|p| p.starts_with(f.town1.path.as_str()))
            })
            .map(|rec| rec.id)
            .collect();
        want.reverse();
        want.truncate(100);
        let got: Vec<i64> = r.texts("tbody tr td:first-child").iter().map(|t| t.parse().unwrap()).collect();
        assert_eq!(got, want, "{:?} sees exactly the rows of its scope", a.role);
        assert!(verify.body.contains("审计链完整"), "{:?}: {}", a.role, verify.body);
        // Filtering by an object outside the scope finds nothing for the scoped auditor.
        let r = app.get(&format!("/audit?object_type=org&object_id={}", f.b21.id), &a.cookie).await;
        assert_eq!(r.texts("tbody tr").is_empty(), a.role == Role::Auditor, "{:?}", a.role);
    }

    // The security page and policy: the 安全管理员 only.
    let policy = settings::security_policy(&db).await.unwrap();
    let form = [
        ("lockout_threshold", "6"),
        ("lockout_window_minutes", "15"),
        ("lockout_minutes", "15"),
        ("idle_timeout_minutes", "25"),
        ("absolute_timeout_minutes", "600"),
        ("password_min_len", "10"),
        ("password_min_classes", "3"),
    ];
    let mut sec_cookie = String::new();
    for a in actors.iter().filter(|a| a.role != Role::SecurityAdmin) {
        assert_eq!(app.get("/security", &a.cookie).await.status, 403, "{:?}", a.role);
        assert_eq!(app.post_form("/security", &a.cookie, &form).await.status, 403, "{:?}", a.role);
        assert_eq!(settings::security_policy(&db).await.unwrap(), policy, "{:?} changed the policy", a.role);
    }
    for a in actors.iter().filter(|a| a.role == Role::SecurityAdmin) {
        sec_cookie = a.cookie.clone();
        assert_eq!(app.get("/security", &a.cookie).await.status, 200);
        let r = app.post_form("/security", &a.cookie, &form).await;
        assert_eq!(r.location(), Some("/security?done=policy_saved"), "{}", r.body);
        assert_eq!(settings::security_policy(&db).await.unwrap().idle_timeout_minutes, 25);
    }

    // Ending another user's sessions: the 安全管理员 only; the owner may end their own.
    let victim = jiceng_store::testing::user(&db, "victim", Role::Member, Some(f.b11.id)).await.unwrap();
    let v1 = app.login("victim").await;
    let v2 = app.login("victim").await;
    let handle = session_handle;
    for a in actors.iter().filter(|a| a.role != Role::SecurityAdmin) {
        for path in [
            format!("/security/sessions/{}/end", handle(&v1)),
            format!("/account/sessions/{}/end", handle(&v1)),
            format!("/users/{}/end-sessions", victim.id),
        ] {
            assert_eq!(app.post_form(&path, &a.cookie, &[]).await.status, 403, "{:?} POST {path}", a.role);
            assert_eq!(app.get("/", &v1).await.status, 200, "{:?} POST {path} ended the session", a.role);
        }
    }
    let r = app.post_form(&format!("/account/sessions/{}/end", handle(&v2)), &v1, &[]).await;
    assert_eq!(r.location(), Some("/account?done=sessions_ended"));
    assert!(app.get("/", &v2).await.is_login_redirect(), "the owner ends their other session");
    let r = app.post_form(&format!("/security/sessions/{}/end", handle(&v1)), &sec_cookie, &[]).await;
    assert_eq!(r.location(), Some("/security?done=sessions_ended"));
    assert!(app.get("/", &v1).await.is_login_redirect());
    let v3 = app.login("victim").await;
    let r = app.post_form(&format!("/users/{}/end-sessions", victim.id), &sec_cookie, &[]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    assert!(app.get("/", &v3).await.is_login_redirect());

    // Every signed-in user has an account page and sees the areas not yet open.
    for a in &actors {
        let r = app.get("/account", &a.cookie).await;
        assert_eq!(r.status, 200, "{:?}", a.role);
        assert!(r.body.contains(a.name()));
        assert_eq!(app.get("/account/password", &a.cookie).await.status, 200);
        for key in ["assess", "village", "govern", "reports"] {
            let r = app.get(&format!("/areas/{key}"), &a.cookie).await;
            assert_eq!(r.status, 200, "{:?} /areas/{key}", a.role);
            assert!(r.body.contains("尚未开放"), "{:?} /areas/{key}", a.role);
        }
        assert_eq!(app.get("/areas/nope", &a.cookie).await.status, 404);
        // The member registry, organizational life and member development are open now: their placeholders are gone.
        assert_eq!(app.get("/areas/members", &a.cookie).await.status, 404);
        assert_eq!(app.get("/areas/meetings", &a.cookie).await.status, 404);
        assert_eq!(app.get("/areas/recruit", &a.cookie).await.status, 404);
    }
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(tree_forms_follow_scope_and_rights, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let actors = actors(&app, f.town1.id).await;
    let positions = [&f.town1, &f.b11, &f.town2, &f.county, &f.county_b, &f.b_other];
    for a in &actors {
        let reads = a.role.rights().has(Right::ReadOrgs);
        let writes = a.role.rights().has(Right::WriteOrgs);
        for o in positions {
            let inside = a.role.is_system() || f.town1.path.contains(&o.path);
            let hidden = if !reads {
                403
            } else if inside {
                0
            } else {
                404
            };
            let edit = match hidden {
                0 if writes || (a.role.rights().has(Right::CreateRootOrgs) && o.parent_id.is_none()) => 200,
                0 => 403,
                h => h,
            };
            let act = if !writes {
                403
            } else if inside {
                200
            } else {
                404
            };
            let id = o.id;
            for (path, want) in [
                (format!("/orgs/{id}/edit"), edit),
                (format!("/orgs/new?parent={id}"), act),
                (format!("/orgs/{id}/move"), act),
                (format!("/orgs/{id}/dissolve"), act),
                (format!("/orgs/{id}/merge"), act),
            ] {
                let r = app.get(&path, &a.cookie).await;
                assert_eq!(r.status.as_u16(), want, "{:?} GET {path}", a.role);
                if want == 200 {
                    assert!(!r.attrs("form[method=post] input[name], form[method=post] textarea", "name").is_empty());
                }
            }
        }
        let want = if a.role.rights().has(Right::CreateRootOrgs) { 200 } else { 403 };
        assert_eq!(app.get("/orgs/new", &a.cookie).await.status.as_u16(), want, "{:?} /orgs/new", a.role);
    }
});
