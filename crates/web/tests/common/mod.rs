//! Shared helpers of the web tests: the application driven in-process, a two-county fixture,
//! one signed-in account per role, and snapshots of what the database holds.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::NaiveDate;
use http_body_util::BodyExt;
use jiceng_store::audit::{self, Record};
use jiceng_store::auth::User;
use jiceng_store::org::{self, ListFilter, Org, OrgDraft, Show};
use jiceng_store::{Db, Meta, testing};
use jiceng_types::{OrgId, Role, Scope};
use jiceng_web::{AppState, WebConfig};
use tower::ServiceExt;

/// The client address every test request comes from (as a server with `ConnectInfo` sees it).
pub const CLIENT_ADDR: &str = "10.20.30.40";

/// The application and its database.
pub struct TestApp {
    pub db: Db,
    pub router: Router,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    /// The parsed HTML.
    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// The text of every element matching `css`.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let sel = scraper::Selector::parse(css).unwrap();
        self.html().select(&sel).map(|e| e.text().collect::<String>().trim().to_string()).collect()
    }

    /// The attribute `attr` of every element matching `css`.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        let sel = scraper::Selector::parse(css).unwrap();
        self.html().select(&sel).filter_map(|e| e.value().attr(attr).map(str::to_string)).collect()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `Location` header.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// True for a redirect to the login page.
    pub fn is_login_redirect(&self) -> bool {
        self.status.is_redirection() && self.location().is_some_and(|l| l.starts_with("/login"))
    }

    /// The `Set-Cookie` header of the session cookie.
    pub fn session_set_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("jiceng_session="))
            .map(str::to_string)
    }

    /// The ids in links `/orgs/{id}` among the elements matching `css`.
    pub fn org_links(&self, css: &str) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .attrs(css, "href")
            .iter()
            .filter_map(|h| h.strip_prefix("/orgs/").and_then(|r| r.parse().ok()))
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Ids of the `items` of an API list, or of a JSON array.
    pub fn json_ids(&self) -> Vec<i64> {
        let v = self.json();
        let arr = v.get("items").unwrap_or(&v).as_array().cloned().unwrap_or_default();
        let mut ids: Vec<i64> = arr.iter().filter_map(|o| o["id"].as_i64()).collect();
        ids.sort_unstable();
        ids
    }

    /// The `field` of each field error of an API error body.
    pub fn error_fields(&self) -> Vec<String> {
        self.json()["fields"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f["field"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }
}

/// Percent-encode a form value.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A urlencoded form body.
pub fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

impl TestApp {
    /// The application with the default settings.
    pub fn new(db: &Db) -> Self {
        Self::with_config(db, WebConfig::default())
    }

    /// The application with the given settings.
    pub fn with_config(db: &Db, cfg: WebConfig) -> Self {
        TestApp { db: db.clone(), router: jiceng_web::router(AppState::new(db.clone(), cfg)) }
    }

    /// A request builder. `auth` is a session cookie (`jiceng_session=…`), an API token (`jc_…`,
    /// sent as a bearer token) or empty (anonymous). No `Origin` header is sent.
    pub fn request(method: Method, path: &str, auth: &str) -> axum::http::request::Builder {
        let b = Request::builder().method(method).uri(path).header(header::HOST, "localhost");
        if auth.starts_with("jc_") {
            b.header(header::AUTHORIZATION, format!("Bearer {auth}"))
        } else if !auth.is_empty() {
            b.header(header::COOKIE, auth)
        } else {
            b
        }
    }

    /// Send a request, from [`CLIENT_ADDR`].
    pub async fn send(&self, mut req: Request<Body>) -> Resp {
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from(([10, 20, 30, 40], 50000))));
        let res = self.router.clone().oneshot(req).await.unwrap();
        let (parts, body) = res.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        Resp { status: parts.status, headers: parts.headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&self, path: &str, auth: &str) -> Resp {
        self.send(Self::request(Method::GET, path, auth).body(Body::empty()).unwrap()).await
    }

    pub async fn post_form(&self, path: &str, auth: &str, pairs: &[(&str, &str)]) -> Resp {
        let req = Self::request(Method::POST, path, auth)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(pairs)))
            .unwrap();
        self.send(req).await
    }

    pub async fn post_json(&self, path: &str, auth: &str, body: serde_json::Value) -> Resp {
        self.json_request(Method::POST, path, auth, body).await
    }

    pub async fn patch_json(&self, path: &str, auth: &str, body: serde_json::Value) -> Resp {
        self.json_request(Method::PATCH, path, auth, body).await
    }

    async fn json_request(&self, method: Method, path: &str, auth: &str, body: serde_json::Value) -> Resp {
        let req = Self::request(method, path, auth)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    /// Submit the login form.
    pub async fn login_with(&self, username: &str, password: &str) -> Resp {
        self.post_form("/login", "", &[("username", username), ("password", password)]).await
    }

    /// Sign in with [`testing::TEST_PASSWORD`]; the `Cookie` header value of the session.
    pub async fn login(&self, username: &str) -> String {
        let r = self.login_with(username, testing::TEST_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login of {username} failed: {}", r.body);
        cookie_of(&r)
    }
}

/// The handle of a session (as listed on the account and security pages): the first 16 hex
/// digits of the SM3 hash of its secret.
pub fn session_handle(cookie: &str) -> String {
    use sm3::Digest;
    let secret = cookie.trim_start_matches("jiceng_session=");
    hex::encode(sm3::Sm3::digest(secret.as_bytes()))[..16].to_string()
}

/// The `Cookie` header value for the session a response set.
pub fn cookie_of(r: &Resp) -> String {
    let set = r.session_set_cookie().unwrap_or_else(|| panic!("no session cookie: {:?}", r.headers));
    set.split(';').next().unwrap().to_string()
}

/// A valid ID-card number of someone born on `birth` (`YYYYMMDD`) in Guiyang, the `seq`-th of
/// that day, male or female (the parity of the sequence digit).
pub fn id_card(birth: &str, seq: u32, male: bool) -> String {
    let body = format!("520102{birth}{:03}", seq * 2 + u32::from(male));
    let check = jiceng_types::idcard::check_char(body.as_bytes()).unwrap() as char;
    format!("{body}{check}")
}

/// A 正式党员 (since 2001) of `org` registered through the command line, the `seq`-th born on
/// 1 January 1970 — a sponsor or mentor the rules accept.
pub async fn add_member(db: &Db, org: OrgId, name: &str, seq: u32) {
    let m = jiceng_store::member::MemberDraft {
        org_id: org.to_string(),
        name: name.into(),
        ethnicity: "汉族".into(),
        id_card: id_card("19700101", seq, true),
        education: "高中".into(),
        category: "正式党员".into(),
        admitted_on: "2000-07-01".into(),
        regularized_on: "2001-07-01".into(),
        ..Default::default()
    };
    jiceng_store::member::create(db, &Scope::cli(), &meta(), m.parse(today()).unwrap()).await.unwrap();
}

/// Today in China, as the application counts days (after 16:00 UTC it is already tomorrow).
pub fn today() -> NaiveDate {
    jiceng_types::date::today_china()
}

pub fn meta() -> Meta {
    Meta { client_addr: "127.0.0.1".into(), request_id: "fixture".into() }
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

/// Create an organization from the command line (no web request, no password hashing).
pub async fn cli_org(db: &Db, parent: Option<OrgId>, code: &str, name: &str, kind: &str) -> Org {
    let input = draft(parent, code, name, kind).parse(today()).expect("valid draft");
    org::create(db, &Scope::cli(), &meta(), input).await.expect("create org")
}

/// The form fields of an organization's edit form, with another name.
pub fn edit_pairs(o: &Org, name: &str) -> Vec<(String, String)> {
    let d = OrgDraft { name: name.into(), ..OrgDraft::of(o) };
    [
        ("code", d.code),
        ("name", d.name),
        ("kind", d.kind),
        ("domain", d.domain),
        ("established_on", d.established_on),
        ("term_start", d.term_start),
        ("term_end", d.term_end),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Borrow owned pairs as `(&str, &str)`.
pub fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Two counties. A: 县委 → two 党委 (town1, town2) → branches; town1 also has a 党总支 (g13) and a
/// dissolved branch (b14). B: 县委 → one branch.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub county: Org,
    pub town1: Org,
    pub town2: Org,
    pub b11: Org,
    pub b12: Org,
    pub g13: Org,
    pub b14: Org,
    pub b21: Org,
    pub county_b: Org,
    pub b_other: Org,
}

pub async fn fixture(db: &Db) -> Fixture {
    let county = cli_org(db, None, "A100", "甲县委", "县委").await;
    let town1 = cli_org(db, Some(county.id), "A110", "城关镇党委", "党委").await;
    let town2 = cli_org(db, Some(county.id), "A120", "河口乡党委", "党委").await;
    let b11 = cli_org(db, Some(town1.id), "A1101", "城关镇东街村党支部", "党支部").await;
    let b12 = cli_org(db, Some(town1.id), "A1102", "城关镇西街村党支部", "党支部").await;
    let g13 = cli_org(db, Some(town1.id), "A1103", "城关镇机关党总支", "党总支").await;
    let b14 = cli_org(db, Some(town1.id), "A1104", "城关镇南街村党支部", "党支部").await;
    let b14 = org::dissolve(db, &Scope::cli(), &meta(), b14.id, today(), "村庄合并").await.unwrap();
    let b21 = cli_org(db, Some(town2.id), "A1201", "河口乡河口村党支部", "党支部").await;
    let county_b = cli_org(db, None, "B100", "乙县委", "县委").await;
    let b_other = cli_org(db, Some(county_b.id), "B101", "乙县机关党支部", "党支部").await;
    Fixture { county, town1, town2, b11, b12, g13, b14, b21, county_b, b_other }
}

/// Every organization, merged and dissolved ones included, in tree order.
pub async fn snapshot(db: &Db) -> Vec<Org> {
    let f = ListFilter { show: Show::All, sort: org::Sort::Tree, ..Default::default() };
    org::list(db, &Scope::cli(), &f, 1, 500).await.unwrap().items
}

/// Every account.
pub async fn users_snapshot(db: &Db) -> Vec<User> {
    jiceng_store::auth::list_users(db, &Scope::cli(), &Default::default()).await.unwrap()
}

/// One organization, as stored.
pub async fn org_now(db: &Db, id: OrgId) -> Org {
    org::get(db, &Scope::cli(), &meta(), id).await.unwrap()
}

/// The whole audit trail, oldest first.
pub async fn audit_all(db: &Db) -> Vec<Record> {
    let mut out = Vec::new();
    let mut filter = audit::Filter::default();
    loop {
        let page = audit::list(db, &Scope::cli(), &filter, 500).await.unwrap();
        let Some(last) = page.last() else { break };
        filter.before_id = Some(last.id);
        out.extend(page);
    }
    out.reverse();
    out
}

/// The id of the newest audit row (0 if none).
pub async fn audit_head(db: &Db) -> i64 {
    audit::list(db, &Scope::cli(), &audit::Filter::default(), 1).await.unwrap().first().map(|r| r.id).unwrap_or(0)
}

/// The audit rows written after row `after`, oldest first.
pub async fn audit_since(db: &Db, after: i64) -> Vec<Record> {
    let mut rows: Vec<Record> = audit::list(db, &Scope::cli(), &audit::Filter::default(), 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.id > after)
        .collect();
    rows.reverse();
    rows
}

/// The audit chain must be intact.
pub async fn assert_chain_intact(db: &Db) {
    let report = audit::verify(db).await.unwrap();
    assert!(report.first_broken.is_none(), "audit chain broken: {report:?}");
}

/// A signed-in account of one role.
#[derive(Debug, Clone)]
pub struct Actor {
    pub role: Role,
    pub user: User,
    pub cookie: String,
}

impl Actor {
    pub fn name(&self) -> &str {
        &self.user.username
    }
}

/// Every role: the business roles and the auditor at `org`, the 三员 without an organization.
/// Each account is created and signed in once.
pub async fn actors(app: &TestApp, org: OrgId) -> Vec<Actor> {
    let mut out = Vec::new();
    for &role in Role::ALL {
        let org = role.needs_org().then_some(org);
        let user = testing::user(&app.db, role.key(), role, org).await.unwrap();
        let cookie = app.login(role.key()).await;
        out.push(Actor { role, user, cookie });
    }
    out
}

/// Create an account that will not sign in (one password hash instead of two).
pub async fn account(db: &Db, username: &str, role: Role, org: Option<OrgId>) -> User {
    let draft = jiceng_store::auth::UserDraft {
        username: username.into(),
        display_name: "测试账号".into(),
        role: role.key().into(),
        org_id: org.map(|o| o.to_string()).unwrap_or_default(),
    };
    let new = draft.parse().unwrap();
    jiceng_store::auth::create_user(db, &Scope::cli(), &meta(), new).await.unwrap().0
}

/// Move a session's timestamp back by `minutes` with raw SQL (`column` is `last_seen_at` or
/// `created_at`), for every session of the account.
pub async fn age_sessions(db: &Db, user: &User, column: &str, minutes: i64) {
    use sea_orm::ConnectionTrait;
    let past = (chrono::Utc::now() - chrono::Duration::minutes(minutes)).to_rfc3339();
    let cast = if db.backend() == jiceng_store::Backend::Postgres { "::timestamptz" } else { "" };
    let q = format!("UPDATE session SET {column} = '{past}'{cast} WHERE user_id = {}", user.id.0);
    db.raw().execute_unprepared(&q).await.unwrap();
}

pub const BOUNDARY: &str = "----jicengTestBoundary7MA4YWxk";

/// A multipart upload of `file` (named `name`) and the `org` field.
pub async fn upload_import(app: &TestApp, kind: &str, auth: &str, name: &str, file: &[u8], org: &str) -> Resp {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"org\"\r\n\r\n{org}\r\n--{BOUNDARY}\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let req = TestApp::request(Method::POST, &format!("/import/{kind}"), auth)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

/// Follow a job until it stops working; the last page.
pub async fn settle_import(app: &TestApp, job: &str, auth: &str) -> Resp {
    for _ in 0..500 {
        let r = app.get(job, auth).await;
        assert_eq!(r.status, 200, "{job}: {}", r.body);
        if !r.body.contains("aria-busy=\"true\"") {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the import at {job} never finished");
}
