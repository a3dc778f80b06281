//! The audit trail as the web writes it: every change and every refusal leaves exactly its rows,
//! each with the client address and the request id of the request; a form with bad input comes
//! back with the input kept and a message at the field, and writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use jiceng_store::{Db, testing};
use jiceng_types::Role;
use serde_json::json;

/// One expected row: action, object type, object id.
type Row<'a> = (&'a str, &'a str, Option<String>);

/// Check that the request `r` left exactly `want` after row `head`, attributed to `username`, with
/// this request's address and id. Returns the new head.
async fn expect_rows(db: &Db, head: i64, r: &Resp, username: &str, want: &[Row<'_>], what: &str) -> i64 {
    let rows = audit_since(db, head).await;
    let got: Vec<Row<'_>> =
        rows.iter().map(|x| (x.action.as_str(), x.object_type.as_str(), x.object_id.clone())).collect();
    assert_eq!(got, want, "{what}: {} {}", r.status, r.body.chars().take(300).collect::<String>());
    let rid = r.header("x-request-id").unwrap();
    for row in &rows {
        assert_eq!(row.client_addr, CLIENT_ADDR, "{what}");
        assert_eq!(row.request_id, rid, "{what}: the row carries the request's id");
        assert_eq!(row.username, username, "{what}");
    }
    rows.last().map(|x| x.id).unwrap_or(head)
}

/// The id at the end of a `Location` such as `/orgs/17?done=…`.
fn id_in(location: Option<&str>) -> String {
    let path = location.unwrap().split('?').next().unwrap();
    path.rsplit('/').next().unwrap().to_string()
}

jiceng_store::dual_test!(every_write_and_refusal_is_audited_once, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    testing::user(&db, "boss", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    testing::user(&db, "secadm", Role::SecurityAdmin, None).await.unwrap();
    testing::user(&db, "dangyuan", Role::Member, Some(f.town1.id)).await.unwrap();
    let mut head = audit_head(&db).await;

    // Signing in, and failing to.
    let r = app.login_with("boss", testing::TEST_PASSWORD).await;
    head = expect_rows(&db, head, &r, "boss", &[("login_success", "session", None)], "login").await;
    let boss = cookie_of(&r);
    let r = app.login_with("boss", "Wrong-Passw0rd").await;
    head = expect_rows(&db, head, &r, "boss", &[("login_failure", "session", None)], "bad password").await;
    let r = app.login_with("nobody", "Wrong-Passw0rd").await;
    expect_rows(&db, head, &r, "nobody", &[("login_failure", "session", None)], "unknown user").await;
    let (sec, member) = (app.login("secadm").await, app.login("dangyuan").await);
    head = audit_head(&db).await;

    // The tree, from the pages.
    let t = f.town1.id.to_string();
    let form =
        [("parent_id", t.as_str()), ("code", "W01"), ("name", "审计支部"), ("kind", "branch"), ("domain", "rural")];
    let r = app.post_form("/orgs/new", &boss, &form).await;
    let w01 = id_in(r.location());
    head = expect_rows(&db, head, &r, "boss", &[("create", "org", Some(w01.clone()))], "org create").await;
    let w01_org = org_now(&db, jiceng_types::OrgId(w01.parse().unwrap())).await;
    let r = app.post_form(&format!("/orgs/{w01}/edit"), &boss, &pairs(&edit_pairs(&w01_org, "审计支部改"))).await;
    head = expect_rows(&db, head, &r, "boss", &[("update", "org", Some(w01.clone()))], "org edit").await;
    let changes = audit_since(&db, head - 1).await[0].changes.clone();
    assert!(changes.contains("审计支部改") && changes.contains("\"from\""), "{changes}");
    let w01_org = org_now(&db, w01_org.id).await;
    let r = app.post_form(&format!("/orgs/{w01}/edit"), &boss, &pairs(&edit_pairs(&w01_org, &w01_org.name))).await;
    assert_eq!(r.status, 303);
    head = expect_rows(&db, head, &r, "boss", &[], "an edit that changes nothing").await;
    let r = app.post_form(&format!("/orgs/{w01}/move"), &boss, &[("target", "A1103")]).await;
    head = expect_rows(&db, head, &r, "boss", &[("move", "org", Some(w01.clone()))], "org move").await;
    let r = app.post_form(&format!("/orgs/{w01}/merge"), &boss, &[("target", "A1101")]).await;
    head = expect_rows(&db, head, &r, "boss", &[("merge", "org", Some(w01.clone()))], "org merge").await;
    let r = app.post_form(&format!("/orgs/{}/dissolve", f.b12.id), &boss, &[("reason", "撤并")]).await;
    head = expect_rows(&db, head, &r, "boss", &[("dissolve", "org", Some(f.b12.id.to_string()))], "org dissolve").await;

    // The tree, from the API.
    let body =
        json!({ "parent_id": f.town2.id, "code": "W02", "name": "接口支部", "kind": "党支部", "domain": "农村" });
    let r = app.post_json("/api/v1/orgs", &boss, body).await;
    let w02 = r.json()["id"].to_string();
    head = expect_rows(&db, head, &r, "boss", &[("create", "org", Some(w02.clone()))], "API create").await;
    for (path, body, action) in [
        (format!("/api/v1/orgs/{w02}"), json!({ "name": "接口支部（改）" }), "update"),
        (format!("/api/v1/orgs/{w02}/move"), json!({ "parent_id": f.town1.id }), "move"),
        (format!("/api/v1/orgs/{w02}/merge"), json!({ "target_id": f.b11.id }), "merge"),
        (format!("/api/v1/orgs/{}/dissolve", f.b21.id), json!({ "reason": "撤并" }), "dissolve"),
    ] {
        let r = if action == "update" {
            app.patch_json(&path, &boss, body).await
        } else {
            app.post_json(&path, &boss, body).await
        };
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        let id = if action == "dissolve" { f.b21.id.to_string() } else { w02.clone() };
        head = expect_rows(&db, head, &r, "boss", &[(action, "org", Some(id))], &format!("API {action}")).await;
    }

    // Accounts.
    let form = [("username", "xinzhanghao"), ("display_name", "新账号"), ("role", "member"), ("org", "A110")];
    let r = app.post_form("/users/new", &boss, &form).await;
    let uid = id_in(r.attrs("a[href^='/users/']", "href").first().map(String::as_str));
    head = expect_rows(&db, head, &r, "boss", &[("create", "user", Some(uid.clone()))], "user create").await;
    let body = json!({ "username": "jiekouzhanghao", "display_name": "接口账号", "role": "党员", "org_id": f.b11.id });
    let r = app.post_json("/api/v1/users", &boss, body).await;
    let uid2 = r.json()["user"]["id"].to_string();
    head = expect_rows(&db, head, &r, "boss", &[("create", "user", Some(uid2.clone()))], "API user create").await;
    for (act, action) in [("disable", "disable"), ("enable", "enable"), ("reset-password", "password_reset")] {
        for (prefix, id) in [("", &uid), ("/api/v1", &uid2)] {
            let path = format!("{prefix}/users/{id}/{act}");
            let r = app.post_form(&path, &boss, &[]).await;
            head = expect_rows(&db, head, &r, "boss", &[(action, "user", Some(id.clone()))], &path).await;
        }
    }

    // One's own account: tokens, sessions, password.
    let r = app.post_form("/account/tokens", &boss, &[("name", "脚本")]).await;
    let revoke = r.attrs("form[action$='/revoke']", "action")[0].clone();
    let tid = revoke.split('/').nth(3).unwrap().to_string();
    head =
        expect_rows(&db, head, &r, "boss", &[("token_create", "api_token", Some(tid.clone()))], "token create").await;
    let r = app.post_form(&revoke, &boss, &[]).await;
    head = expect_rows(&db, head, &r, "boss", &[("token_revoke", "api_token", Some(tid))], "token revoke").await;
    let new = "Xin-Mi-Ma-2026-bb";
    let form = [("current", testing::TEST_PASSWORD), ("new", new), ("confirm", new)];
    let r = app.post_form("/account/password", &boss, &form).await;
    let me = audit_since(&db, head).await.first().and_then(|x| x.user_id).unwrap().to_string();
    head =
        expect_rows(&db, head, &r, "boss", &[("password_change", "user", Some(me.clone()))], "password change").await;
    let form = [
        ("lockout_threshold", "5"),
        ("lockout_window_minutes", "15"),
        ("lockout_minutes", "20"),
        ("idle_timeout_minutes", "30"),
        ("absolute_timeout_minutes", "720"),
        ("password_min_len", "10"),
        ("password_min_classes", "3"),
    ];
    let r = app.post_form("/security", &sec, &form).await;
    head =
        expect_rows(&db, head, &r, "secadm", &[("setting_change", "setting", Some("security".into()))], "policy").await;
    assert!(audit_since(&db, head - 1).await[0].changes.contains("lockout_minutes"));

    // Refusals: each is recorded once.
    let r = app.get("/users", &member).await;
    head = expect_rows(&db, head, &r, "dangyuan", &[("denied", "user", None)], "no right to read accounts").await;
    let r = app.get(&format!("/orgs/{}", f.town2.id), &member).await;
    let town2 = Some(f.town2.id.to_string());
    head = expect_rows(&db, head, &r, "dangyuan", &[("denied", "org", town2)], "out of scope").await;
    let r = app.get(&format!("/api/v1/orgs/{}", f.b_other.id), &boss).await;
    let other = Some(f.b_other.id.to_string());
    head = expect_rows(&db, head, &r, "boss", &[("denied", "org", other)], "out of scope, API").await;
    let r = app.post_form(&format!("/orgs/{}/dissolve", f.b11.id), &member, &[("reason", "x")]).await;
    head = expect_rows(&db, head, &r, "dangyuan", &[("denied", "org", None)], "no right to change the tree").await;
    let r = app.patch_json(&format!("/api/v1/orgs/{}", f.b11.id), &member, json!({ "name": "改名支部" })).await;
    head = expect_rows(&db, head, &r, "dangyuan", &[("denied", "org", Some(f.b11.id.to_string()))], "API").await;
    let r = app.get("/security", &member).await;
    head = expect_rows(&db, head, &r, "dangyuan", &[("denied", "setting", None)], "security page").await;
    let r = app.get("/orgs/999999", &member).await;
    head = expect_rows(&db, head, &r, "dangyuan", &[], "a missing organization is no refusal").await;
    let r = app.post_form("/logout", &member, &[]).await;
    expect_rows(&db, head, &r, "dangyuan", &[("logout", "session", None)], "logout").await;

    // Ending sessions: one's own other session, anyone's (安全管理员), all of an account's.
    let (second, third) = (app.login_with("boss", new).await, app.login_with("boss", new).await);
    let (second, third) = (session_handle(&cookie_of(&second)), session_handle(&cookie_of(&third)));
    head = audit_head(&db).await;
    let r = app.post_form(&format!("/account/sessions/{second}/end"), &boss, &[]).await;
    head = expect_rows(&db, head, &r, "boss", &[("session_end", "session", Some(second))], "own session").await;
    let r = app.post_form(&format!("/security/sessions/{third}/end"), &sec, &[]).await;
    head = expect_rows(&db, head, &r, "secadm", &[("session_end", "session", Some(third))], "another's").await;
    let r = app.post_form(&format!("/users/{me}/end-sessions"), &sec, &[]).await;
    expect_rows(&db, head, &r, "secadm", &[("session_end", "session", None)], "all of an account's").await;
    assert!(app.get("/", &boss).await.is_login_redirect());
    assert_chain_intact(&db).await;
});

/// One form with bad input: who sends it, where, the fields (`k=v&k=v`), the fields that get an
/// error, the input that must keep its value, and what the page says at the field.
type BadForm<'a> = (&'a str, String, String, &'a [&'a str], &'a str, &'a str);

/// `k=v&k=v` as pairs (values hold neither `&` nor `=`).
fn fields(s: &str) -> Vec<(String, String)> {
    s.split('&').map(|kv| kv.split_once('=').unwrap()).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

jiceng_store::dual_test!(bad_forms_come_back_with_the_input_and_write_nothing, |db: Db| async move {
    let app = TestApp::new(&db);
    let f = fixture(&db).await;
    testing::user(&db, "boss", Role::CountyAdmin, Some(f.county.id)).await.unwrap();
    testing::user(&db, "secadm", Role::SecurityAdmin, None).await.unwrap();
    let (boss, sec) = (app.login("boss").await, app.login("secadm").await);
    let (t1, b11, g13) = (f.town1.id, f.b11.id, f.g13.id);
    let later = today() + chrono::Duration::days(30);
    let edit = |code: &str, name: &str, term_end: &str| {
        let d = jiceng_store::org::OrgDraft::of(&f.b11);
        format!(
            "code={code}&name={name}&kind=branch&domain=rural&established_on={}&term_start={}&term_end={term_end}",
            d.established_on, d.term_start
        )
    };
    let policy = "lockout_window_minutes=15&lockout_minutes=15&absolute_timeout_minutes=720&password_min_len=10&password_min_classes=3";
    let cases: Vec<BadForm<'_>> = vec![
        (
            &boss,
            "/orgs/new".into(),
            format!("parent_id={t1}&code=bad code!&name=&kind=branch&domain=rural"),
            &["code", "name"],
            "code",
            "组织代码只能包含",
        ),
        (
            &boss,
            "/orgs/new".into(),
            format!("parent_id={t1}&code=A1101&name=重复代码支部&kind=branch&domain=rural"),
            &["code"],
            "name",
            "已被使用",
        ),
        (
            &boss,
            format!("/orgs/{b11}/edit"),
            edit("a1102", "东街村党支部（新）", "2026-04-30"),
            &["code"],
            "name",
            "已被使用",
        ),
        (
            &boss,
            format!("/orgs/{b11}/edit"),
            edit("A1101", "东街村党支部", "2020-01-01"),
            &["term_end"],
            "term_end",
            "届满日期应晚于任期开始日期",
        ),
        (
            &boss,
            format!("/orgs/{t1}/move"),
            "target=A1103".into(),
            &["target"],
            "target",
            "不能调整到本组织或其下级组织之下",
        ),
        (&boss, format!("/orgs/{g13}/move"), "target=A1101".into(), &["target"], "target", "其下不能再设立党组织"),
        (&boss, format!("/orgs/{b11}/move"), "target=不存在的组织".into(), &["target"], "target", "未找到"),
        (&boss, format!("/orgs/{b11}/move"), format!("target=A120&on={later}"), &["on"], "on", "不能晚于今天"),
        (&boss, format!("/orgs/{b11}/merge"), "target=A1101".into(), &["target"], "target", "不能并入本组织"),
        (&boss, format!("/orgs/{b11}/dissolve"), "reason=  ".into(), &["reason"], "", "请填写撤销原因"),
        (
            &boss,
            "/users/new".into(),
            "username=x&display_name=某某&role=member&org=A110".into(),
            &["username"],
            "display_name",
            "用户名应为3至32个字符",
        ),
        (
            &boss,
            "/users/new".into(),
            "username=boss&display_name=重名&role=member&org=A110".into(),
            &["username"],
            "username",
            "已被使用",
        ),
        (
            &boss,
            "/users/new".into(),
            "username=xinren&display_name=某某&role=member&org=乙县机关党支部".into(),
            &["org"],
            "org",
            "不在您的管辖范围内",
        ),
        (
            &sec,
            "/security".into(),
            format!("lockout_threshold=99&idle_timeout_minutes=abc&{policy}"),
            &["idle_timeout_minutes"],
            "idle_timeout_minutes",
            "请填写整数",
        ),
        (
            &sec,
            "/security".into(),
            format!("lockout_threshold=99&idle_timeout_minutes=30&{policy}"),
            &["lockout_threshold"],
            "lockout_threshold",
            "应在3至10之间",
        ),
    ];
    for (who, path, form, bad, keeps, says) in cases {
        let form = fields(&form);
        let before = (snapshot(&db).await, users_snapshot(&db).await, audit_head(&db).await);
        let policy = jiceng_store::settings::security_policy(&db).await.unwrap();
        let r = app.post_form(&path, who, &pairs(&form)).await;
        let what = format!("POST {path} {form:?}");
        assert_eq!(r.status, 422, "{what}: {}", r.body);
        let mut invalid = r.attrs("[aria-invalid=true]", "name");
        invalid.sort();
        assert_eq!(invalid, bad, "{what}: marked fields");
        let at_fields = r.texts(".field-error").concat();
        assert!(at_fields.contains(says), "{what}: the message ‘{says}’ should be at the field, got ‘{at_fields}’");
        if !keeps.is_empty() {
            let typed = form.iter().find(|(k, _)| k == keeps).map(|(_, v)| v.clone()).unwrap();
            assert_eq!(r.attrs(&format!("input[name={keeps}]"), "value"), vec![typed], "{what}: the input is kept");
        }
        let after = (snapshot(&db).await, users_snapshot(&db).await, audit_head(&db).await);
        assert_eq!(after, before, "{what}: wrote something");
        assert_eq!(jiceng_store::settings::security_policy(&db).await.unwrap(), policy);
    }
    assert_chain_intact(&db).await;
});
