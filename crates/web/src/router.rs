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
        .route("/orgs/export", get(pages::orgs::export))
        .route("/orgs/new", get(pages::org_forms::new_form).post(pages::org_forms::create))
        .route("/orgs/reminders", get(pages::org_team::reminders))
        .route("/orgs/{id}", get(pages::orgs::detail))
        .route("/orgs/{id}/children", get(pages::orgs::children))
        .route("/orgs/{id}/edit", get(pages::org_forms::edit_form).post(pages::org_forms::update))
        .route("/orgs/{id}/move", get(pages::org_forms::move_form).post(pages::org_forms::move_org))
        .route("/orgs/{id}/dissolve", get(pages::org_forms::dissolve_form).post(pages::org_forms::dissolve))
        .route("/orgs/{id}/merge", get(pages::org_forms::merge_form).post(pages::org_forms::merge))
        .route("/orgs/{id}/team", get(pages::org_team::show))
        .route("/orgs/{id}/team/new", get(pages::org_team::new_form).post(pages::org_team::appoint))
        .route("/orgs/{id}/structure", get(pages::org_team::structure))
        .route("/team/{id}/edit", get(pages::org_team::edit_form).post(pages::org_team::update))
        .route("/team/{id}/end", get(pages::org_team::end_form).post(pages::org_team::end))
        .route("/members", get(pages::members::list))
        .route("/members/me", get(pages::members::own))
        .route("/members/export", get(pages::members::export))
        .route("/members/new", get(pages::member_forms::new_form).post(pages::member_forms::create))
        .route("/members/{id}", get(pages::members::detail))
        .route("/members/{id}/edit", get(pages::member_forms::edit_form).post(pages::member_forms::update))
        .route("/members/{id}/reveal", post(pages::members::reveal))
        .route("/members/{id}/status", get(pages::members::status_form).post(pages::members::change_status))
        .route("/members/{id}/transfer", get(pages::transfers::start_form).post(pages::transfers::start))
        .route("/meetings", get(pages::meetings::list))
        .route("/meetings/quick", get(pages::meeting_forms::quick_form).post(pages::meeting_forms::quick_create))
        .route("/meetings/new", get(pages::meeting_forms::new_form).post(pages::meeting_forms::create))
        .route("/meetings/{id}", get(pages::meetings::detail))
        .route("/meetings/{id}/edit", get(pages::meeting_forms::edit_form).post(pages::meeting_forms::update))
        .route("/meetings/{id}/delete", get(pages::meetings::delete_form).post(pages::meetings::delete))
        .route("/orgs/{id}/meetings", get(pages::meetings::org_list))
        .route("/attachments/{id}", get(pages::meetings::download))
        .route("/attachments/{id}/delete", post(pages::meetings::delete_attachment))
        .route("/compliance", get(pages::compliance::overview))
        .route("/compliance/study/{id}", get(pages::compliance::study))
        .route("/orgs/{id}/compliance", get(pages::compliance::org_page))
        .route("/orgs/{id}/ledgers/{kind}", get(pages::ledgers::show))
        .route("/rectifications/{id}", post(pages::meetings::rectify))
        .route("/settings/rules", get(pages::compliance::rules_form).post(pages::compliance::rules_save))
        .route("/study-items", get(pages::study_items::list))
        .route("/study-items/new", get(pages::study_items::new_form).post(pages::study_items::create))
        .route("/study-items/{id}", get(pages::study_items::detail))
        .route("/study-items/{id}/edit", get(pages::study_items::edit_form).post(pages::study_items::update))
        .route("/study-items/{id}/withdraw", post(pages::study_items::withdraw))
        .route("/orgs/{id}/groups", get(pages::party_groups::list).post(pages::party_groups::create))
        .route("/party-groups/{id}/assign", get(pages::party_groups::assign_form).post(pages::party_groups::assign))
        .route("/party-groups/{id}/end", post(pages::party_groups::end))
        .route("/orgs/{id}/appraisal", get(pages::appraisal::sheet).post(pages::appraisal::save))
        .route("/training", get(pages::training::list))
        .route("/training/new", get(pages::training::new_form).post(pages::training::create))
        .route("/training/hours", get(pages::training::hours_page))
        .route("/training/hours/export", get(pages::training::export_hours))
        .route("/training/{id}", get(pages::training::detail))
        .route("/training/{id}/delete", post(pages::training::delete))
        .route("/quality", get(pages::quality::show))
        .route("/quality/export", get(pages::quality::export))
        .route("/import", get(pages::import::index))
        .route("/import/template/{kind}", get(pages::import::template))
        .route("/import/undo", post(pages::import::undo))
        .route("/import/jobs/{token}", get(pages::import::job))
        .route("/import/jobs/{token}/confirm", post(pages::import::confirm))
        .route("/import/jobs/{token}/cancel", post(pages::import::cancel))
        .route("/import/jobs/{token}/problems", get(pages::import::problems))
        .route("/transfers", get(pages::transfers::list))
        .route("/transfers/orgs", get(pages::transfers::orgs))
        .route("/transfers/export", get(pages::transfers::export))
        .route("/transfers/{id}", get(pages::transfers::detail))
        .route("/transfers/{id}/accept", post(pages::transfers::accept))
        .route("/transfers/{id}/return", post(pages::transfers::return_transfer))
        .route("/transfers/{id}/cancel", post(pages::transfers::cancel))
        .route("/transfers/{id}/receipt", post(pages::transfers::receipt))
        .route("/transfers/{id}/letter", get(pages::transfers::letter))
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

    // Uploads may be larger than the 2 MB every other body is held to.
    let uploads = Router::new()
        .route("/import/{kind}", post(pages::import::upload))
        .layer(axum::extract::DefaultBodyLimit::max(pages::import::UPLOAD_LIMIT));
    let attachments = Router::new()
        .route("/meetings/{id}/attachments", post(pages::meetings::upload))
        .layer(axum::extract::DefaultBodyLimit::max(pages::meetings::UPLOAD_LIMIT));

    let app = Router::new()
        .merge(pages)
        .merge(uploads)
        .merge(attachments)
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
