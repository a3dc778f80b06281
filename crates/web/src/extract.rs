//! Extractors: who is asking (from the session cookie or an API token), and where from.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum_extra::extract::CookieJar;
use jiceng_store::Meta;
use jiceng_store::auth::{self, Authed};

use crate::error::{ApiError, PageError};
use crate::{AppState, SESSION_COOKIE};

/// The request's audit metadata: client address and request id.
#[derive(Debug, Clone)]
pub struct ReqMeta(pub Meta);

fn client_addr(parts: &Parts, trust_forwarded: bool) -> String {
    if trust_forwarded && let Some(first) = forwarded_for(&parts.headers) {
        return first;
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
        .unwrap_or_else(|| "-".into())
}

fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("x-forwarded-for")?.to_str().ok()?;
    // The trusted proxy appends the address it saw; earlier entries come from the client and
    // can be forged.
    let last = v.rsplit(',').next()?.trim();
    (!last.is_empty() && last.len() <= 64).then(|| last.to_string())
}

impl FromRequestParts<AppState> for ReqMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ReqMeta(Meta {
            client_addr: client_addr(parts, state.cfg.trust_forwarded),
            request_id: crate::middleware::request_id(&parts.headers),
        }))
    }
}

/// The signed-in user of a page request. Without a valid session the browser is sent to the
/// login page; with a password that must be changed, to the password page.
#[derive(Debug, Clone)]
pub struct Me {
    /// The account, its scope and session.
    pub authed: Authed,
    /// Audit metadata.
    pub meta: Meta,
}

impl Me {
    /// The scope.
    pub fn scope(&self) -> &jiceng_types::Scope {
        &self.authed.scope
    }
}

/// Paths a user whose password must be changed may still open.
const ALLOWED_BEFORE_PASSWORD_CHANGE: &[&str] = &["/account/password", "/logout"];

async fn session_user(parts: &mut Parts, state: &AppState) -> Result<Option<Authed>, jiceng_store::StoreError> {
    let jar = CookieJar::from_headers(&parts.headers);
    match jar.get(SESSION_COOKIE) {
        Some(c) => auth::authenticate_session(&state.db, c.value()).await,
        None => Ok(None),
    }
}

impl FromRequestParts<AppState> for Me {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ReqMeta(meta) = ReqMeta::from_request_parts(parts, state).await.unwrap_or_else(|e| match e {});
        let Some(authed) = session_user(parts, state).await? else {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let to = if next == "/" { "/login".to_string() } else { format!("/login?next={}", urlencode(next)) };
            return Err(PageError::Redirect(to));
        };
        if authed.user.must_change_password && !ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&parts.uri.path()) {
            return Err(PageError::Redirect("/account/password".into()));
        }
        Ok(Me { authed, meta })
    }
}

impl OptionalFromRequestParts<AppState> for Me {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        let ReqMeta(meta) = ReqMeta::from_request_parts(parts, state).await.unwrap_or_else(|e| match e {});
        Ok(session_user(parts, state).await?.map(|authed| Me { authed, meta }))
    }
}

/// The caller of an API request: a bearer token (`Authorization: Bearer jc_…`) or a session cookie.
#[derive(Debug, Clone)]
pub struct ApiMe {
    /// The account and its scope.
    pub authed: Authed,
    /// Audit metadata.
    pub meta: Meta,
}

impl ApiMe {
    /// The scope.
    pub fn scope(&self) -> &jiceng_types::Scope {
        &self.authed.scope
    }
}

impl FromRequestParts<AppState> for ApiMe {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ReqMeta(meta) = ReqMeta::from_request_parts(parts, state).await.unwrap_or_else(|e| match e {});
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let authed = match bearer {
            Some(token) => auth::authenticate_token(&state.db, token).await?,
            None => session_user(parts, state).await?,
        };
        let Some(authed) = authed else { return Err(ApiError::Unauthenticated) };
        if authed.user.must_change_password {
            return Err(ApiError::PasswordChangeRequired);
        }
        Ok(ApiMe { authed, meta })
    }
}

/// Percent-encode a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// True if `next` is a safe local redirect target (a path on this site, not `//host`).
pub fn safe_next(next: &str) -> bool {
    next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") && !next.contains(['\r', '\n'])
}

/// A path parameter of a page; a malformed one (e.g. `/orgs/abc`) is a Chinese 404 page.
#[derive(Debug, Clone)]
pub struct PagePath<T>(pub T);

impl<T, S> FromRequestParts<S> for PagePath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match <axum::extract::Path<T> as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PagePath(v)),
            Err(_) => Err(PageError::Status(axum::http::StatusCode::NOT_FOUND, "您访问的页面不存在，请检查地址。")),
        }
    }
}
