//! The middleware every request passes: request id, tracing, panic recovery, timeouts, body
//! limits, CSRF protection, compression and security headers.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::{CsrfLayer, ProtectionError};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::WebConfig;

/// The Content-Security-Policy of every page: no inline scripts or styles, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// The request id of the current request (set by `SetRequestIdLayer`).
pub fn request_id(headers: &axum::http::HeaderMap) -> String {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_string()
}

/// Wrap the router in every layer (listed outermost first).
pub fn apply(router: axum::Router<crate::AppState>, cfg: &WebConfig) -> axum::Router<crate::AppState> {
    let hsts = if cfg.tls { Some(HeaderValue::from_static("max-age=31536000; includeSubDomains")) } else { None };
    let stack = ServiceBuilder::new()
        .layer(SetSensitiveRequestHeadersLayer::new([header::AUTHORIZATION, header::COOKIE]))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, hsts))
        // Inside the header layers, so that their own refusals (408, 413, 403) get the headers too.
        .layer(axum::middleware::from_fn(time_limit))
        .layer(axum::middleware::from_fn(limit_body))
        .layer(CompressionLayer::new())
        .layer(CsrfLayer::new().with_rejection_response(csrf_rejected));
    router.layer(axum::middleware::from_fn(catch_panic)).layer(stack)
}

/// How long a request may take: 30 s, except uploads and exports, which move whole files.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);
/// How long an upload or an export may take (a 50 MB file on a slow county line).
pub const FILE_TIME_LIMIT: Duration = Duration::from_secs(600);

/// Answer 408 when a request takes longer than its limit.
async fn time_limit(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let file = (req.method() == Method::POST
        && (path.starts_with("/import/") || crate::pages::meetings::is_attachment_upload(path)))
        || (req.method() == Method::GET
            && (path.ends_with("/export") || path.starts_with("/import/") || path.starts_with("/attachments/")));
    let api = path.starts_with("/api/");
    let rid = request_id(req.headers());
    match tokio::time::timeout(if file { FILE_TIME_LIMIT } else { TIME_LIMIT }, next.run(req)).await {
        Ok(response) => response,
        Err(_) if api => {
            crate::error::api_body(StatusCode::REQUEST_TIMEOUT, "timeout", "处理时间过长，请稍后重试", &rid)
                .into_response()
        }
        Err(_) => crate::error::plain_page(StatusCode::REQUEST_TIMEOUT, "请求超时", "处理时间过长，请稍后重试。", &rid),
    }
}

/// The largest request body, except uploads.
pub const BODY_LIMIT: usize = 2 << 20;

/// Hold every request body to [`BODY_LIMIT`], uploads to the upload limit: a declared length
/// over it is refused at once, a streamed body is cut off when it passes it (the extractors then
/// answer 413).
async fn limit_body(req: Request, next: Next) -> Response {
    let attachments = req.method() == Method::POST && crate::pages::meetings::is_attachment_upload(req.uri().path());
    let upload = attachments || (req.method() == Method::POST && req.uri().path().starts_with("/import/"));
    let limit = if attachments {
        crate::pages::meetings::UPLOAD_LIMIT
    } else if upload {
        crate::pages::import::UPLOAD_LIMIT
    } else {
        BODY_LIMIT
    };
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let rid = request_id(req.headers());
        return if req.uri().path().starts_with("/api/") {
            crate::error::api_body(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "请求体过大（不能超过2MB）",
                &rid,
            )
            .into_response()
        } else {
            let msg = if attachments {
                "附件过大：一次上传的文件合计不能超过50MB，每个文件不能超过10MB。"
            } else if upload {
                "文件过大：网页导入不能超过50MB，请拆分后分批导入。"
            } else {
                "提交的内容过大（不能超过2MB）。"
            };
            crate::error::plain_page(StatusCode::PAYLOAD_TOO_LARGE, "内容过大", msg, &rid)
        };
    }
    if upload {
        // The upload route's own `DefaultBodyLimit` cuts a streamed body off (one limit, so that
        // the extractor can tell the user the file is too large).
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    next.run(Request::from_parts(parts, Body::new(http_body_util::Limited::new(body, limit)))).await
}

fn csrf_rejected(_e: ProtectionError) -> Response<Body> {
    tracing::warn!("cross-origin state-changing request refused");
    crate::error::plain_page(
        StatusCode::FORBIDDEN,
        "请求被拒绝",
        "该请求来自其他网站，为保护您的账号已被拒绝。请从本系统页面重新操作。",
        "-",
    )
}

/// A panic in a handler becomes a 500 page carrying the request id, logged once.
async fn catch_panic(req: Request, next: Next) -> Response {
    let rid = request_id(req.headers());
    let api = req.uri().path().starts_with("/api/");
    let method: Method = req.method().clone();
    let path = req.uri().path().to_string();
    let run = crate::error::REQUEST_ID.scope(rid.clone(), next.run(req));
    match std::panic::AssertUnwindSafe(run).catch_unwind().await {
        Ok(res) => res,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(request_id = %rid, %method, %path, panic = %msg, "handler panicked");
            if api {
                crate::error::api_body(StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误", &rid)
                    .into_response()
            } else {
                crate::error::plain_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "服务器内部错误",
                    "处理请求时发生错误，已记录。请稍后重试，或把请求编号告诉管理员。",
                    &rid,
                )
            }
        }
    }
}
