//! Bad input of every kind gets a clear refusal, never a 500 and never a change: ids that do not
//! exist or are not numbers, cycles, moves out of scope, duplicate codes, malformed and huge
//! bodies, bad query strings, control characters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::Method;
use common::*;
use jiceng_store::{Db, testing};
use jiceng_types::Role;
use serde_json::json;

/// True if the text holds a Chinese character.
fn chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

jiceng_store::dual_test!(bad_ids_are_refused_not_crashed_on, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    testing::user(&db, "boss", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    let boss = app.login("boss").await;
    let before = snapshot(&db).await;
    let bad = ["abc", "1.5", "-1", "0", "99999999999999999999", "999999", "%20", "1%2F2", "%00"];
    for id in bad {
        for path in
            [format!("/orgs/{id}"), format!("/orgs/{id}/children"), format!("/orgs/{id}/edit"), format!("/users/{id}")]
        {
            let r = app.get(&path, &boss).await;
            assert!([400, 404].contains(&r.status.as_u16()), "GET {path}: {} {}", r.status, r.body);
        }
        for path in [
            format!("/orgs/{id}/edit"),
            format!("/orgs/{id}/dissolve"),
            format!("/users/{id}/disable"),
            format!("/account/tokens/{id}/revoke"),
        ] {
            let r = app.post_form(&path, &boss, &[("reason", "x"), ("name", "某某支部")]).await;
            assert!([400, 404].contains(&r.status.as_u16()), "POST {path}: {} {}", r.status, r.body);
        }
        for path in [format!("/api/v1/orgs/{id}"), format!("/api/v1/orgs/{id}/children"), format!("/api/v1/users/{id}")]
        {
            let r = app.get(&path, &boss).await;
            assert!([400, 404].contains(&r.status.as_u16()), "GET {path}: {} {}", r.status, r.body);
            let body = r.json();
            assert!(chinese(body["message"].as_str().unwrap()), "GET {path}: {body}");
            assert!(["bad_request", "not_found"].contains(&body["error"].as_str().unwrap()), "{path}: {body}");
        }
    }
    for handle in ["zz", "0123456789abcdef", "0123456789abcdefff", "%25"] {
        for path in [format!("/account/sessions/{handle}/end"), format!("/security/sessions/{handle}/end")] {
            let r = app.post_form(&path, &boss, &[]).await;
            assert!([400, 403, 404].contains(&r.status.as_u16()), "POST {path}: {}", r.status);
        }
    }
    assert_eq!(app.get("/areas/%00", &boss).await.status, 404);
    assert_eq!(app.get("/no/such/page", &boss).await.status, 404);
    assert_eq!(app.get("/api/v1/no-such-thing", &boss).await.status, 404);
    assert_eq!(snapshot(&db).await, before);
});

jiceng_store::dual_test!(bad_bodies_and_queries_get_a_clear_refusal, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    testing::user(&db, "boss", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    let boss = app.login("boss").await;
    let before = snapshot(&db).await;
    let raw = |method: Method, path: &str, ctype: &str, body: Vec<u8>| {
        TestApp::request(method, path, &boss).header("content-type", ctype).body(Body::from(body)).unwrap()
    };
    let org = format!("/api/v1/orgs/{}", f.b11.id);
    // (method, path, content type, body, what the message says)
    let cases: Vec<(Method, String, &str, String, &str)> = vec![
        (Method::POST, "/api/v1/orgs".into(), "application/json", "{not json".into(), "不是有效的 JSON"),
        (Method::POST, "/api/v1/orgs".into(), "application/json", "".into(), "不是有效的 JSON"),
        (Method::POST, "/api/v1/orgs".into(), "text/plain", json!({}).to_string(), "Content-Type"),
        (Method::POST, "/api/v1/orgs".into(), "application/json", "{}".into(), "请求体字段有误"),
        (
            Method::POST,
            "/api/v1/orgs".into(),
            "application/json",
            r#"{"parent_id":"x","code":"Q1","name":"某某","kind":"branch","domain":"rural"}"#.into(),
            "请求体字段有误",
        ),
        (Method::PATCH, org.clone(), "application/json", r#"{"parent_id": 1}"#.into(), "请求体字段有误"),
        (Method::PATCH, org.clone(), "application/json", "[1,2,3]".into(), "请求体字段有误"),
        (Method::PATCH, org.clone(), "application/json", "\u{feff}{}\u{0}".into(), "不是有效的 JSON"),
        (
            Method::POST,
            format!("{org}/move"),
            "application/json",
            r#"{"parent_id": 99999999999999999999}"#.into(),
            "请求体字段有误",
        ),
        (
            Method::POST,
            format!("{org}/dissolve"),
            "application/json",
            r#"{"on":"2024-01-01"}"#.into(),
            "请求体字段有误",
        ),
        (Method::POST, "/api/v1/users".into(), "application/json", r#"{"username":1}"#.into(), "请求体字段有误"),
    ];
    for (method, path, ctype, body, says) in cases {
        let r = app.send(raw(method.clone(), &path, ctype, body.clone().into_bytes())).await;
        assert_eq!(r.status, 400, "{method} {path} {body}: {}", r.body);
        let j = r.json();
        assert_eq!(j["error"], "bad_request");
        assert!(j["message"].as_str().unwrap().contains(says), "{method} {path} {body}: {j}");
        assert_eq!(j["request_id"].as_str(), r.header("x-request-id"));
    }
    for q in ["page=abc", "per_page=-1", "parent_id=x", "page=99999999999999999999"] {
        let r = app.get(&format!("/api/v1/orgs?{q}"), &boss).await;
        assert_eq!(r.status, 400, "{q}: {}", r.body);
        assert!(r.json()["message"].as_str().unwrap().contains("查询参数有误"), "{q}");
    }
    for (q, field) in [("kind=xyz", "kind"), ("domain=xyz", "domain")] {
        let r = app.get(&format!("/api/v1/orgs?{q}"), &boss).await;
        assert_eq!((r.status.as_u16(), r.error_fields()), (422, vec![field.to_string()]), "{q}");
    }
    let r = app.get("/api/v1/orgs?per_page=100000&page=0", &boss).await;
    assert_eq!((r.json()["per_page"].as_u64(), r.json()["page"].as_u64()), (Some(500), Some(1)));
    let r = app.get("/api/v1/users?role=nobody", &boss).await;
    assert_eq!((r.status.as_u16(), r.error_fields()), (422, vec!["role".to_string()]));
    // Bodies over 2 MB, with and without a declared length, on the API and on a page.
    let huge = format!(r#"{{"name":"{}"}}"#, "x".repeat(3 << 20));
    for (path, ctype) in [(org.as_str(), "application/json"), ("/orgs/new", "application/x-www-form-urlencoded")] {
        let method = if path == "/orgs/new" { Method::POST } else { Method::PATCH };
        let mut req = raw(method.clone(), path, ctype, huge.clone().into_bytes());
        req.headers_mut().insert("content-length", huge.len().into());
        let r = app.send(req).await;
        assert_eq!(r.status, 413, "{method} {path} with a length");
        assert!(r.header("content-security-policy").is_some() && r.header("x-content-type-options").is_some());
        let stream = futures::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from(huge.clone()))]);
        let req = TestApp::request(method.clone(), path, &boss)
            .header("content-type", ctype)
            .body(Body::from_stream(stream))
            .unwrap();
        assert_eq!(app.send(req).await.status, 413, "{method} {path} streamed");
    }
    assert_eq!(snapshot(&db).await, before, "a refused request changed the tree");
});

jiceng_store::dual_test!(cycles_scope_and_duplicates_are_refused, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    testing::user(&db, "boss", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    testing::user(&db, "zhen", Role::TownshipAdmin, Some(f.town1.id)).await.unwrap();
    let (boss, zhen) = (app.login("boss").await, app.login("zhen").await);
    let before = snapshot(&db).await;
    let (t1, g13, b11, b12) = (f.town1.id, f.g13.id, f.b11.id, f.b12.id);
    // (who, method, path, body, status, field)
    let cases = [
        (&boss, Method::POST, format!("/api/v1/orgs/{t1}/move"), json!({ "parent_id": g13 }), 422, "parent_id"),
        (&boss, Method::POST, format!("/api/v1/orgs/{t1}/move"), json!({ "parent_id": t1 }), 422, "parent_id"),
        (&boss, Method::POST, format!("/api/v1/orgs/{t1}/move"), json!({ "parent_id": f.county.id }), 422, "parent_id"),
        (&boss, Method::POST, format!("/api/v1/orgs/{g13}/move"), json!({ "parent_id": b11 }), 422, "parent_id"),
        (&boss, Method::POST, format!("/api/v1/orgs/{t1}/move"), json!({ "parent_id": f.b14.id }), 422, "parent_id"),
        (&boss, Method::POST, format!("/api/v1/orgs/{t1}/merge"), json!({ "target_id": g13 }), 422, "target_id"),
        (&boss, Method::POST, format!("/api/v1/orgs/{t1}/merge"), json!({ "target_id": t1 }), 422, "target_id"),
        (&boss, Method::POST, format!("/api/v1/orgs/{t1}/merge"), json!({ "target_id": b11 }), 422, "target_id"),
        (&boss, Method::POST, format!("/api/v1/orgs/{}/move", f.county.id), json!({ "parent_id": g13 }), 403, ""),
        (&boss, Method::POST, format!("/api/v1/orgs/{}/dissolve", f.county.id), json!({ "reason": "x" }), 403, ""),
        (&boss, Method::POST, format!("/api/v1/orgs/{t1}/dissolve"), json!({ "reason": "x" }), 409, ""),
        (&boss, Method::POST, format!("/api/v1/orgs/{}/dissolve", f.b14.id), json!({ "reason": "x" }), 409, ""),
        (&boss, Method::POST, format!("/api/v1/orgs/{b11}/move"), json!({ "parent_id": t1 }), 422, "parent_id"),
        (
            &boss,
            Method::POST,
            format!("/api/v1/orgs/{b11}/move"),
            json!({ "parent_id": g13, "on": "2999-01-01" }),
            422,
            "on",
        ),
        (&boss, Method::POST, format!("/api/v1/orgs/{b11}/move"), json!({ "parent_id": g13, "on": "昨天" }), 422, "on"),
        (&zhen, Method::POST, format!("/api/v1/orgs/{b11}/move"), json!({ "parent_id": f.town2.id }), 422, "parent_id"),
        (&zhen, Method::POST, format!("/api/v1/orgs/{b11}/merge"), json!({ "target_id": f.b21.id }), 422, "target_id"),
        (&zhen, Method::POST, format!("/api/v1/orgs/{}/move", f.b21.id), json!({ "parent_id": g13 }), 404, ""),
        (
            &zhen,
            Method::POST,
            "/api/v1/orgs".into(),
            json!({ "code": "Q1", "name": "某某支部", "kind": "branch", "domain": "rural" }),
            403,
            "",
        ),
        (
            &boss,
            Method::POST,
            "/api/v1/orgs".into(),
            json!({ "parent_id": t1, "code": "A1101", "name": "重复支部", "kind": "branch", "domain": "rural" }),
            422,
            "code",
        ),
        (
            &boss,
            Method::POST,
            "/api/v1/orgs".into(),
            json!({ "parent_id": t1, "code": "ａ１１０１", "name": "重复支部", "kind": "branch", "domain": "rural" }),
            422,
            "code",
        ),
        (
            &boss,
            Method::POST,
            "/api/v1/orgs".into(),
            json!({ "parent_id": t1, "code": "Q2", "name": "新县委", "kind": "县委", "domain": "rural" }),
            422,
            "kind",
        ),
        (
            &boss,
            Method::POST,
            "/api/v1/orgs".into(),
            json!({ "parent_id": f.b14.id, "code": "Q3", "name": "某某支部", "kind": "branch", "domain": "rural" }),
            422,
            "parent_id",
        ),
        (
            &boss,
            Method::POST,
            "/api/v1/orgs".into(),
            json!({ "parent_id": t1, "code": "Q4", "name": "名\u{0}称", "kind": "branch", "domain": "rural" }),
            422,
            "name",
        ),
        (
            &boss,
            Method::POST,
            "/api/v1/orgs".into(),
            json!({ "parent_id": t1, "code": "Q5", "name": "长".repeat(101), "kind": "branch", "domain": "rural" }),
            422,
            "name",
        ),
        (&boss, Method::PATCH, format!("/api/v1/orgs/{b12}"), json!({ "code": "a1101" }), 422, "code"),
        (&boss, Method::PATCH, format!("/api/v1/orgs/{t1}"), json!({ "kind": "党支部" }), 422, "kind"),
        (&boss, Method::PATCH, format!("/api/v1/orgs/{}", f.b14.id), json!({ "name": "复活支部" }), 409, ""),
        (
            &boss,
            Method::PATCH,
            format!("/api/v1/orgs/{b12}"),
            json!({ "term_start": "2030-01-01", "term_end": "2020-01-01" }),
            422,
            "term_end",
        ),
        (
            &boss,
            Method::POST,
            "/api/v1/users".into(),
            json!({ "username": "boss", "display_name": "重名", "role": "member", "org_id": t1 }),
            422,
            "username",
        ),
        (
            &boss,
            Method::POST,
            "/api/v1/users".into(),
            json!({ "username": "ok-name", "display_name": "某某", "role": "member", "org_id": f.b14.id }),
            422,
            "org_id",
        ),
        (
            &boss,
            Method::POST,
            "/api/v1/users".into(),
            json!({ "username": "ok-name", "display_name": "某某", "role": "member" }),
            422,
            "org_id",
        ),
        (
            &boss,
            Method::POST,
            "/api/v1/users".into(),
            json!({ "username": "ok-name", "display_name": "某某", "role": "boss", "org_id": t1 }),
            422,
            "role",
        ),
    ];
    for (who, method, path, body, status, field) in cases {
        let r = if method == Method::PATCH {
            app.patch_json(&path, who, body.clone()).await
        } else {
            app.post_json(&path, who, body.clone()).await
        };
        let what = format!("{method} {path} {body}");
        assert_eq!(r.status.as_u16(), status, "{what}: {}", r.body);
        assert!(chinese(r.json()["message"].as_str().unwrap()), "{what}");
        if !field.is_empty() {
            assert_eq!(r.error_fields(), vec![field.to_string()], "{what}: {}", r.body);
            assert!(chinese(r.json()["fields"][0]["message"].as_str().unwrap()), "{what}");
        }
        assert_eq!(snapshot(&db).await, before, "{what}: refused, yet the tree changed");
    }
    assert_eq!(users_snapshot(&db).await.len(), 2);
    assert_chain_intact(&db).await;
});

jiceng_store::dual_test!(control_characters_and_long_text_do_not_crash, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    testing::user(&db, "boss", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    testing::user(&db, "shenji", Role::AuditAdmin, None).await.unwrap();
    let (boss, auditor) = (app.login("boss").await, app.login("shenji").await);
    let long = "长".repeat(1000);
    let mut crashed = Vec::new();
    for user in ["a\u{0}b", "\u{0}", &long, "%", "_", "bo%", "'; DROP TABLE org; --"] {
        let r = app.login_with(user, "x").await;
        if r.status != 401 {
            crashed.push(format!("login as {user:?}: {}", r.status));
        }
    }
    for q in ["%00", "%25", "_", "%5C", "'", &enc(&long)] {
        for path in [
            format!("/orgs?q={q}"),
            format!("/orgs/lookup?q={q}"),
            format!("/users?q={q}"),
            format!("/audit?username={q}&object_id={q}"),
        ] {
            let r = app.get(&path, if path.starts_with("/audit") { &auditor } else { &boss }).await;
            if r.status.as_u16() >= 500 {
                crashed.push(format!("GET {path}: {}", r.status));
            }
        }
        for path in [format!("/audit?object_type={q}&action={q}&from={q}&to={q}&before={q}")] {
            let r = app.get(&path, &auditor).await;
            if r.status.as_u16() >= 500 {
                crashed.push(format!("GET {path}: {}", r.status));
            }
        }
        for path in [format!("/api/v1/orgs?q={q}"), format!("/api/v1/users?q={q}")] {
            let r = app.get(&path, &boss).await;
            if r.status.as_u16() >= 500 {
                crashed.push(format!("GET {path}: {}", r.status));
            }
        }
    }
    // `%` and `_` are literal in a search, not wildcards.
    let r = app.get("/api/v1/orgs?q=%25", &boss).await;
    assert_eq!(r.json()["total"], 0);
    for (path, form) in [
        ("/account/tokens", vec![("name", "令\u{0}牌")]),
        (&format!("/orgs/{}/dissolve", f.b11.id) as &str, vec![("reason", "原\u{0}因")]),
        (
            "/users/new",
            vec![("username", "nul-user"), ("display_name", "某\u{0}某"), ("role", "member"), ("org", "A110")],
        ),
        (
            "/orgs/new",
            vec![
                ("parent_id", "2"),
                ("code", "Q\u{0}1"),
                ("name", "某某支部"),
                ("kind", "branch"),
                ("domain", "rural"),
            ],
        ),
        (
            "/orgs/new",
            vec![
                ("parent_id", "2"),
                ("code", "Q2"),
                ("name", "某\u{0}支部"),
                ("kind", "bra\u{0}nch"),
                ("domain", "ru\u{0}ral"),
                ("term_end", "2\u{0}"),
            ],
        ),
        (&format!("/orgs/{}/move", f.b12.id) as &str, vec![("target", "A1\u{0}103"), ("on", "\u{0}")]),
        (&format!("/orgs/{}/merge", f.b12.id) as &str, vec![("target", "城关镇\u{0}")]),
        (
            "/users/new",
            vec![("username", "nul\u{0}user"), ("display_name", "某某"), ("role", "mem\u{0}ber"), ("org", "A1\u{0}10")],
        ),
        (
            "/users/new",
            vec![("username", "nul-user2"), ("display_name", "某某"), ("role", "member"), ("org", "城关镇\u{0}")],
        ),
        ("/account/password", vec![("current", "\u{0}"), ("new", "Abc-\u{0}-12345"), ("confirm", "Abc-\u{0}-12345")]),
    ] {
        let r = app.post_form(path, &boss, &form).await;
        if r.status.as_u16() >= 500 {
            crashed.push(format!("POST {path} {form:?}: {}", r.status));
        }
    }
    assert!(crashed.is_empty(), "server errors: {crashed:#?}");
    assert_chain_intact(&db).await;
});
