//! Signing in and staying signed in: no default account, the forced first password change,
//! lockout, timeouts, disabling, logout, CSRF, security headers, API tokens, and a handler that
//! panics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::routing::get;
use common::*;
use jiceng_store::{Db, testing};
use jiceng_types::Role;
use jiceng_web::{AppState, WebConfig};
use serde_json::json;

const BAD_CREDENTIALS: &str = "用户名或密码错误";

jiceng_store::dual_test!(no_default_account_and_forced_first_password_change, |db: Db| async move {
    let app = TestApp::new(&db);
    for (user, pw) in [("admin", "admin"), ("sysadmin", ""), ("sysadmin", "sysadmin"), ("root", "root")] {
        let r = app.login_with(user, pw).await;
        assert_eq!(r.status, 401, "{user}/{pw}");
        assert_eq!(r.texts(".errors"), vec![BAD_CREDENTIALS], "{user}/{pw}");
        assert!(r.session_set_cookie().is_none());
    }
    let (name, once) = jiceng_store::auth::bootstrap(&db).await.unwrap().unwrap();
    assert_eq!(name, "sysadmin");
    let r = app.login_with(&name, &once).await;
    assert_eq!(r.location(), Some("/account/password"));
    let c = cookie_of(&r);
    // Every page but the password page (and logout) sends the user back there; the API refuses.
    for path in ["/", "/orgs", "/users", "/account", "/audit", "/users/new"] {
        assert_eq!(app.get(path, &c).await.location(), Some("/account/password"), "{path}");
    }
    let r = app.post_form("/users/new", &c, &[("username", "x1"), ("role", "member")]).await;
    assert_eq!(r.location(), Some("/account/password"));
    let r = app.get("/api/v1/me", &c).await;
    assert_eq!((r.status, r.json()["error"].as_str()), (StatusCode::FORBIDDEN, Some("password_change_required")));
    let page = app.get("/account/password", &c).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("一次性初始密码"));
    // Wrong current password, mismatch, weak password: refused with the message at the field.
    let new = "Zhen-Xin-Mi-Ma-2026";
    for (current, new, confirm, field) in [
        ("wrong", new, new, "current"),
        (once.as_str(), new, "Other-Pass-2026", "confirm"),
        (once.as_str(), "short", "short", "new"),
    ] {
        let r =
            app.post_form("/account/password", &c, &[("current", current), ("new", new), ("confirm", confirm)]).await;
        assert_eq!(r.status, 422, "{field}");
        assert_eq!(r.attrs("[aria-invalid=true]", "name"), vec![field.to_string()]);
        assert_eq!(r.texts(".field-error").len(), 1);
    }
    let r = app.post_form("/account/password", &c, &[("current", &once), ("new", new), ("confirm", new)]).await;
    assert_eq!(r.location(), Some("/?done=password_changed"));
    assert_eq!(app.get("/", &c).await.status, 200);
    assert_eq!(app.get("/api/v1/me", &c).await.json()["user"]["must_change_password"], false);
    assert_eq!(app.login_with(&name, &once).await.status, 401, "the one-time password is spent");
    let r = app.login_with(&name, new).await;
    assert_eq!(r.location(), Some("/"));
    // `next` leads back to a page of this site, never elsewhere.
    for (next, to) in
        [("/orgs?q=a", "/orgs?q=a"), ("//evil.example/x", "/"), ("https://evil.example", "/"), ("/\\evil", "/")]
    {
        let r = app.post_form("/login", "", &[("username", &name), ("password", new), ("next", next)]).await;
        assert_eq!(r.location(), Some(to), "next={next}");
    }
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(lockout_answers_alike_for_unknown_and_known_names, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    testing::user(&db, "zhen", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    for i in 0..5 {
        let known = app.login_with("zhen", "Wrong-Passw0rd").await;
        let unknown = app.login_with("ghost", "Wrong-Passw0rd").await;
        assert_eq!((known.status, unknown.status), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED), "try {i}");
        assert_eq!(known.texts(".errors"), vec![BAD_CREDENTIALS], "try {i}");
        assert_eq!(unknown.texts(".errors"), known.texts(".errors"), "try {i}");
        assert_eq!(known.attrs("input[name=username]", "value"), vec!["zhen"]);
    }
    let known = app.login_with("zhen", testing::TEST_PASSWORD).await;
    let unknown = app.login_with("ghost", "Wrong-Passw0rd").await;
    assert_eq!(known.status, 401, "locked even with the right password");
    assert!(known.texts(".errors").concat().contains("临时锁定"), "{}", known.body);
    assert_eq!(unknown.texts(".errors"), known.texts(".errors"));
    assert!(known.session_set_cookie().is_none());
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(sessions_end_on_idle_and_absolute_timeout, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    let u = testing::user(&db, "zhen", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    for (column, minutes) in [("last_seen_at", 31), ("created_at", 13 * 60)] {
        let (page, api) = (app.login("zhen").await, app.login("zhen").await);
        assert_eq!(app.get("/orgs", &page).await.status, 200);
        assert_eq!(app.get("/api/v1/me", &api).await.status, 200);
        age_sessions(&db, &u, column, minutes).await;
        let r = app.get("/orgs", &page).await;
        assert_eq!(r.location(), Some("/login?next=/orgs"), "{column}");
        let r = app.get("/api/v1/me", &api).await;
        assert_eq!(r.status, 401, "{column}");
        assert_eq!(r.json()["error"], "unauthenticated");
        assert!(r.json()["message"].as_str().unwrap().contains("请先登录"));
        // The expired session is gone for good.
        assert!(app.get("/", &page).await.is_login_redirect());
    }
});

jiceng_store::dual_test!(disabling_ends_sessions_and_tokens_at_once, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    testing::user(&db, "boss", Role::CountyAdmin, Some(f.town1.id)).await.unwrap();
    let u = testing::user(&db, "zhen", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    let (boss, zhen) = (app.login("boss").await, app.login("zhen").await);
    let token = app.post_form("/account/tokens", &zhen, &[("name", "脚本")]).await.texts("#new-token").concat();
    assert_eq!(app.get("/api/v1/me", &token).await.status, 200);
    let r = app.post_form(&format!("/users/{}/disable", u.id), &boss, &[]).await;
    assert_eq!(r.location(), Some(format!("/users/{}?done=user_disabled", u.id).as_str()));
    assert!(app.get("/", &zhen).await.is_login_redirect());
    assert_eq!(app.get("/api/v1/me", &token).await.status, 401);
    let r = app.login_with("zhen", testing::TEST_PASSWORD).await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("已停用"));
    // Enabling lets the user sign in again, but does not bring the old token back.
    app.post_form(&format!("/users/{}/enable", u.id), &boss, &[]).await;
    let zhen = app.login("zhen").await;
    assert_eq!(app.get("/", &zhen).await.status, 200);
    assert_eq!(app.get("/api/v1/me", &token).await.status, 401);
});

jiceng_store::dual_test!(logout_ends_the_session_and_get_changes_nothing, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    testing::user(&db, "boss", Role::CountyAdmin, Some(f.town1.id)).await.unwrap();
    let u = testing::user(&db, "zhen", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    let boss = app.login("boss").await;
    let before = (snapshot(&db).await, users_snapshot(&db).await);
    for path in [
        "/logout".to_string(),
        format!("/users/{}/disable", u.id),
        format!("/users/{}/reset-password", u.id),
        "/account/tokens".into(),
        format!("/api/v1/users/{}/disable", u.id),
        format!("/api/v1/orgs/{}/dissolve", f.b11.id),
    ] {
        let r = app.get(&path, &boss).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "GET {path}");
    }
    assert_eq!((snapshot(&db).await, users_snapshot(&db).await), before, "a GET changed something");
    assert_eq!(app.get("/", &boss).await.status, 200, "GET /logout must not end the session");
    let r = app.post_form("/logout", &boss, &[]).await;
    assert_eq!(r.location(), Some("/login"));
    let cleared = r.session_set_cookie().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(app.get("/", &boss).await.is_login_redirect());
    assert_eq!(app.get("/api/v1/me", &boss).await.status, 401);
});

jiceng_store::dual_test!(cross_site_posts_are_refused, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    testing::user(&db, "boss", Role::CountyAdmin, Some(f.town1.id)).await.unwrap();
    let boss = app.login("boss").await;
    let token = app.post_form("/account/tokens", &boss, &[("name", "脚本")]).await.texts("#new-token").concat();
    let form = form_body(&pairs(&edit_pairs(&f.b11, "跨站改名")));
    let before = snapshot(&db).await;
    let head = audit_head(&db).await;
    let evil = [("origin", "http://evil.example"), ("sec-fetch-site", "cross-site")];
    for (name, value) in evil {
        let req = TestApp::request(Method::POST, &format!("/orgs/{}/edit", f.b11.id), &boss)
            .header("content-type", "application/x-www-form-urlencoded")
            .header(name, value)
            .body(Body::from(form.clone()))
            .unwrap();
        let r = app.send(req).await;
        assert_eq!(r.status, 403, "{name}");
        assert!(r.body.contains("请求被拒绝"));
        for (path, auth) in [("/logout", boss.as_str()), ("/login", ""), ("/account/tokens", boss.as_str())] {
            let req = TestApp::request(Method::POST, path, auth).header(name, value).body(Body::empty()).unwrap();
            assert_eq!(app.send(req).await.status, 403, "{name} POST {path}");
        }
        let req = TestApp::request(Method::PATCH, &format!("/api/v1/orgs/{}", f.b11.id), &token)
            .header("content-type", "application/json")
            .header(name, value)
            .body(Body::from(json!({ "name": "跨站改名" }).to_string()))
            .unwrap();
        assert_eq!(app.send(req).await.status, 403, "{name} API");
    }
    assert_eq!(snapshot(&db).await, before, "a cross-site request changed the tree");
    assert!(audit_since(&db, head).await.is_empty(), "a cross-site request reached a handler");
    assert_eq!(app.get("/", &boss).await.status, 200, "a cross-site logout ended the session");
    // The same request from this site passes.
    for (name, value) in [("origin", "http://localhost"), ("sec-fetch-site", "same-origin")] {
        let req = TestApp::request(Method::POST, &format!("/orgs/{}/edit", f.b11.id), &boss)
            .header("content-type", "application/x-www-form-urlencoded")
            .header(name, value)
            .body(Body::from(form.clone()))
            .unwrap();
        assert_eq!(app.send(req).await.status, 303, "{name}");
    }
    assert_eq!(org_now(&db, f.b11.id).await.name, "跨站改名");
});

fn check_headers(r: &Resp, what: &str, tls: bool) {
    let csp = r.header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
    let script = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap_or("");
    assert!(script.starts_with("script-src 'self'") && !script.contains("unsafe"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert!(r.header("referrer-policy").is_some(), "{what}");
    assert!(r.header("x-request-id").is_some_and(|v| !v.is_empty()), "{what}");
    let hsts = r.header("strict-transport-security");
    assert_eq!(hsts.is_some(), tls, "{what}: HSTS {hsts:?}");
}

jiceng_store::dual_test!(security_headers_and_cookie_flags, |db: Db| async move {
    let f = fixture(&db).await;
    testing::user(&db, "boss", Role::CountyAdmin, Some(f.town1.id)).await.unwrap();
    for tls in [false, true] {
        let app = TestApp::with_config(&db, WebConfig { tls, ..Default::default() });
        let r = app.login_with("boss", testing::TEST_PASSWORD).await;
        let set = r.session_set_cookie().unwrap();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"), "{set}");
        assert_eq!(set.contains("Secure"), tls, "{set}");
        check_headers(&r, "POST /login", tls);
        let c = cookie_of(&r);
        for path in [
            "/login",
            "/",
            "/orgs",
            &format!("/orgs/{}", f.town1.id),
            "/account",
            "/no/such/page",
            "/orgs/abc",
            &format!("/orgs/{}", f.county_b.id),
            "/api/v1/me",
            "/api/v1/orgs/999999",
            "/api/v1/orgs/abc",
            "/healthz",
        ] {
            let r = app.get(path, if path == "/login" { "" } else { &c }).await;
            check_headers(&r, path, tls);
            let ctype = r.header("content-type").unwrap();
            if path.starts_with("/api") {
                assert!(ctype.starts_with("application/json"), "{path}: API errors are JSON");
            } else if r.status != 200 && path != "/orgs/abc" {
                // (A path that is no number gets axum's plain 400 on pages.)
                assert!(ctype.starts_with("text/html"), "{path}: error pages are HTML");
            }
        }
        let req = TestApp::request(Method::POST, "/logout", &c)
            .header("origin", "http://evil.example")
            .body(Body::empty())
            .unwrap();
        check_headers(&app.send(req).await, "CSRF refusal", tls);
    }
});

jiceng_store::dual_test!(api_tokens_work_until_revoked, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    testing::user(&db, "zhen", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    let c = app.login("zhen").await;
    for (days, field) in [("abc", "1至366"), ("0", "1至366"), ("367", "1至366")] {
        let r = app.post_form("/account/tokens", &c, &[("name", "脚本"), ("days", days)]).await;
        assert_eq!(r.status, 422, "days={days}");
        assert!(r.texts(".errors").concat().contains(field), "{}", r.body);
    }
    let r = app.post_form("/account/tokens", &c, &[("name", ""), ("days", "30")]).await;
    assert_eq!(r.status, 422);
    let r = app.post_form("/account/tokens", &c, &[("name", "市级数据交换"), ("days", "30")]).await;
    assert_eq!(r.status, 200);
    let token = r.texts("#new-token").concat();
    assert!(token.starts_with("jc_") && token.len() == 67, "{token}");
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status, 200);
    assert_eq!(
        (me.json()["user"]["username"].as_str(), me.json()["scope_org_id"].as_i64()),
        (Some("zhen"), Some(f.town1.id.0))
    );
    // The token has the account's scope, and opens no pages.
    assert_eq!(app.get(&format!("/api/v1/orgs/{}", f.b11.id), &token).await.status, 200);
    assert_eq!(app.get(&format!("/api/v1/orgs/{}", f.town2.id), &token).await.status, 404);
    assert!(app.get("/", &token).await.is_login_redirect());
    // The secret is shown once; the list shows the token without it.
    let account = app.get("/account", &c).await;
    assert!(!account.body.contains(&token));
    let revoke = account.attrs("form[action$='/revoke']", "action");
    assert_eq!(revoke.len(), 1);
    // Someone else cannot revoke it.
    testing::user(&db, "other", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    let other = app.login("other").await;
    assert_eq!(app.post_form(&revoke[0], &other, &[]).await.status, 404);
    assert_eq!(app.get("/api/v1/me", &token).await.status, 200);
    let r = app.post_form(&revoke[0], &c, &[]).await;
    assert_eq!(r.location(), Some("/account?done=token_revoked"));
    let r = app.get("/api/v1/me", &token).await;
    assert_eq!((r.status.as_u16(), r.json()["error"].as_str()), (401, Some("unauthenticated")));
    assert_eq!(app.post_form(&revoke[0], &c, &[]).await.status, 404, "revoking twice");
    for bad in ["jc_", "jc_zz", &format!("jc_{}", "0".repeat(64)), "Basic abc"] {
        let r = app.get("/api/v1/me", bad).await;
        assert_eq!(r.status, 401, "{bad}");
    }
});

async fn boom() -> &'static str {
    panic!("boom in a handler")
}

async fn api_boom() -> &'static str {
    panic!("boom in the API")
}

jiceng_store::dual_test!(a_panic_becomes_a_500_page_and_serving_goes_on, |db: Db| async move {
    let state = AppState::new(db.clone(), WebConfig::default());
    let routes = axum::Router::<AppState>::new()
        .route("/boom", get(boom))
        .route("/api/boom", get(api_boom))
        .route("/fine", get(|| async { "fine" }));
    let app = TestApp {
        db: db.clone(),
        router: jiceng_web::apply_middleware(routes, &WebConfig::default()).with_state(state),
    };
    for round in 0..2 {
        let r = app.get("/boom", "").await;
        assert_eq!(r.status, 500, "round {round}");
        let rid = r.header("x-request-id").unwrap().to_string();
        assert!(!rid.is_empty() && rid != "-");
        assert_eq!(r.texts("code"), vec![rid.clone()], "the page shows the request id");
        assert!(r.body.contains("服务器内部错误") && !r.body.contains("boom in a handler"));
        check_headers(&r, "/boom", false);
        let r = app.get("/api/boom", "").await;
        assert_eq!(r.status, 500);
        assert_eq!(r.json()["request_id"].as_str(), r.header("x-request-id"));
        assert!(!r.body.contains("boom in the API"));
        assert_eq!(app.get("/fine", "").await.body, "fine");
    }
});
