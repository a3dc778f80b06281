//! Every route of jiceng, in one place.

use axum::Router;
use axum::routing::{get, post};

use crate::{AppState, api, assets, middleware, pages};

/// The whole application: pages, API, assets and the security middleware.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(pages::home::show))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/orgs", get(pages::orgs::tree))
        .route("/orgs/lookup", get(pages::orgs::lookup))
        .route("/orgs/new", get(pages::org_forms::new_form).post(pages::org_forms::create))
        .route("/orgs/{id}", get(pages::orgs::detail))
        .route("/orgs/{id}/children", get(pages::orgs::children))
        .route("/orgs/{id}/edit", get(pages::org_forms::edit_form).post(pages::org_forms::update))
        .route("/orgs/{id}/move", get(pages::org_forms::move_form).post(pages::org_forms::move_org))
        .route("/orgs/{id}/dissolve", get(pages::org_forms::dissolve_form).post(pages::org_forms::dissolve))
        .route("/orgs/{id}/merge", get(pages::org_forms::merge_form).post(pages::org_forms::merge))
        .route("/members", get(pages::members::list))
        .route("/members/me", get(pages::members::own))
        .route("/members/new", get(pages::member_forms::new_form).post(pages::member_forms::create))
        .route("/members/{id}", get(pages::members::detail))
        .route("/members/{id}/edit", get(pages::member_forms::edit_form).post(pages::member_forms::update))
        .route("/members/{id}/reveal", post(pages::members::reveal))
        .route("/members/{id}/status", get(pages::members::status_form).post(pages::members::change_status))
        .route("/users", get(pages::users::list))
        .route("/users/new", get(pages::users::new_form).post(pages::users::create))
        .route("/users/{id}", get(pages::users::detail))
        .route("/users/{id}/disable", post(pages::users::disable))
        .route("/users/{id}/enable", post(pages::users::enable))
        .route("/users/{id}/reset-password", post(pages::users::reset_password))
        .route("/users/{id}/end-sessions", post(pages::users::end_sessions))
        .route("/audit", get(pages::audit::list))
        .route("/audit/verify", get(pages::audit::verify))
        .route("/security", get(pages::security::show).post(pages::security::update))
        .route("/security/sessions/{handle}/end", post(pages::security::end_session))
        .route("/account", get(pages::account::show))
        .route("/account/password", get(pages::account::password_form).post(pages::account::change_password))
        .route("/account/tokens", post(pages::account::create_token))
        .route("/account/tokens/{id}/revoke", post(pages::account::revoke_token))
        .route("/account/sessions/{handle}/end", post(pages::account::end_session))
        .route("/areas/{key}", get(pages::areas::show));

    let app = Router::new()
        .merge(pages)
        .merge(api::router())
        .route("/healthz", get(healthz))
        .route("/assets/{*path}", get(assets::serve))
        .fallback(pages::not_found);
    middleware::apply(app, &state.cfg).with_state(state)
}

/// Liveness and readiness: 200 when the database answers.
async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok"),
        Err(_) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}
