//! Signing in and out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use jiceng_store::auth;
use serde::Deserialize;

use crate::error::PageError;
use crate::extract::{Me, ReqMeta, safe_next};
use crate::{AppState, SESSION_COOKIE};

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    username: String,
    next: String,
    error: String,
    threshold: u32,
    lock_minutes: u32,
}

/// Query of the login page.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// The login form (or the home page for someone already signed in).
pub async fn form(
    State(state): State<AppState>,
    me: Option<Me>,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    if me.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let p = jiceng_store::settings::security_policy(&state.db).await?;
    let page = LoginPage {
        username: String::new(),
        next: q.next,
        error: String::new(),
        threshold: p.lockout_threshold,
        lock_minutes: p.lockout_minutes,
    };
    Ok(page.into_response())
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Check the credentials; on success set the session cookie and continue.
pub async fn submit(
    State(state): State<AppState>,
    ReqMeta(meta): ReqMeta,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    match auth::login(&state.db, &meta, &f.username, &f.password, agent).await? {
        Ok(ok) => {
            let cookie = Cookie::build((SESSION_COOKIE, ok.session_secret))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(state.cfg.tls)
                .build();
            let to = if ok.user.must_change_password {
                "/account/password".to_string()
            } else if safe_next(&f.next) {
                f.next
            } else {
                "/".to_string()
            };
            Ok((jar.add(cookie), Redirect::to(&to)).into_response())
        }
        Err(e) => {
            let p = jiceng_store::settings::security_policy(&state.db).await?;
            let page = LoginPage {
                username: f.username,
                next: f.next,
                error: e.message(),
                threshold: p.lockout_threshold,
                lock_minutes: p.lockout_minutes,
            };
            Ok((StatusCode::UNAUTHORIZED, page).into_response())
        }
    }
}

/// End the session and clear the cookie.
pub async fn logout(State(state): State<AppState>, me: Option<Me>, jar: CookieJar) -> Result<Response, PageError> {
    if let Some(me) = me {
        auth::logout(&state.db, &me.authed, &me.meta).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}
