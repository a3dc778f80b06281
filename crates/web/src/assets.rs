//! Static assets embedded in the binary (in debug builds read from disk, so CSS edits need no
//! rebuild). URLs carry the version of each file, so they are cached for a year.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// A short hash of every embedded file: part of each asset URL, so a changed file gets a new URL.
fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        use sm3::Digest;
        let mut h = sm3::Sm3::new();
        let mut names: Vec<_> = Assets::iter().collect();
        names.sort();
        for name in names {
            if let Some(f) = Assets::get(&name) {
                h.update(name.as_bytes());
                h.update(f.metadata.sha256_hash());
            }
        }
        hex::encode(h.finalize())[..10].to_string()
    })
}

/// The URL of an embedded asset, e.g. `url("app.css")`.
pub fn url(file: &str) -> String {
    format!("/assets/{}/{file}", version())
}

/// Serve `/assets/{version}/{file}`.
pub async fn serve(Path(path): Path<String>) -> Response {
    let file = path.split_once('/').map(|(_, f)| f).unwrap_or(path.as_str());
    match Assets::get(file) {
        Some(content) => {
            let mime = mime_guess::from_path(file).first_or_octet_stream();
            let mut res = content.data.into_owned().into_response();
            let h = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
            res
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
