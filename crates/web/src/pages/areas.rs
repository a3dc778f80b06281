//! Capability areas that are not open yet: an honest page saying so, with no invented data.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;

use crate::error::PageError;
use crate::extract::Me;
use crate::view::{AREAS, Ctx};

#[derive(Template, WebTemplate)]
#[template(path = "area.html")]
pub struct AreaPage {
    ctx: Ctx,
    label: &'static str,
    about: &'static str,
}

/// `GET /areas/{key}`
pub async fn show(me: Me, Path(key): Path<String>) -> Result<AreaPage, PageError> {
    let area = AREAS
        .iter()
        .find(|a| a.key == key)
        .ok_or(PageError::Status(axum::http::StatusCode::NOT_FOUND, "没有这个功能模块。"))?;
    Ok(AreaPage { ctx: Ctx::new(&me, area.label, area.key), label: area.label, about: area.about })
}
