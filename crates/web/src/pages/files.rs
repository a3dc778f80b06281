//! Files sent to the browser: exports of the lists and the import templates.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jiceng_store::export::Format;

use crate::extract::urlencode;
use crate::view;

/// The format asked for by `?fmt=` (`xlsx` unless `csv`).
pub fn format(fmt: &str) -> Format {
    Format::parse(fmt).unwrap_or(Format::Xlsx)
}

/// A download named `<title>-<date>.<ext>` (the Chinese name in `filename*`, an ASCII fallback
/// in `filename` for old clients).
pub fn download(bytes: Vec<u8>, title: &str, ascii: &str, format: Format) -> Response {
    let date = view::today();
    let ext = format.ext();
    named(bytes, &format!("{title}-{date}.{ext}"), &format!("{ascii}-{date}.{ext}"), format.mime())
}

/// A download named `name` (in `filename*`, RFC 5987), with the ASCII fallback `ascii`.
pub fn named(bytes: Vec<u8>, name: &str, ascii: &str, mime: &'static str) -> Response {
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", urlencode(name));
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_encoded_and_formats_default_to_xlsx() {
        let r = download(b"x".to_vec(), "党员名单", "members", Format::Csv);
        let d = r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap_or_default().to_string();
        assert!(d.starts_with("attachment; filename=\"members-"), "{d}");
        assert!(d.contains("filename*=UTF-8''%E5%85%9A%E5%91%98%E5%90%8D%E5%8D%95-"), "{d}");
        assert!(d.ends_with(".csv"), "{d}");
        assert_eq!(format("csv"), Format::Csv);
        assert_eq!(format("xlsx"), Format::Xlsx);
        assert_eq!(format("pdf"), Format::Xlsx);
    }
}
