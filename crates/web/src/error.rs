//! The two error boundaries: pages (an HTML page in Chinese) and the API (a JSON object with a
//! stable code). Internal error text is logged once here and never sent to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiceng_store::StoreError;
use jiceng_types::FieldError;
use serde::Serialize;

tokio::task_local! {
    /// The id of the request being handled (set by the panic-catching middleware).
    pub static REQUEST_ID: String;
}

/// The current request's id, or `-` outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(|r| r.clone()).unwrap_or_else(|_| "-".into())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A minimal standalone page (for errors that happen before or outside the layout).
pub fn plain_page(status: StatusCode, title: &str, message: &str, request_id: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} - 基层党建工作平台</title><link rel=\"stylesheet\" href=\"{pico}\"><link rel=\"stylesheet\" href=\"{app}\"></head>\
         <body><main class=\"container error-page\"><article><h1>{t}</h1><p>{m}</p>\
         <p class=\"muted\">请求编号：<code>{r}</code></p><p><a href=\"/\">返回首页</a></p></article></main></body></html>",
        t = escape(title),
        m = escape(message),
        r = escape(request_id),
        pico = crate::assets::url("vendor/pico-2.1.1.red.min.css"),
        app = crate::assets::url("app.css"),
    );
    (status, Html(body)).into_response()
}

/// An error on a page.
#[derive(Debug)]
pub enum PageError {
    /// A store error.
    Store(StoreError),
    /// Send the browser elsewhere (e.g. to the login page).
    Redirect(String),
    /// A plain status with a message.
    Status(StatusCode, &'static str),
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Store(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let rid = current_request_id();
        match self {
            PageError::Redirect(to) => Redirect::to(&to).into_response(),
            PageError::Status(status, msg) => {
                let title = match status {
                    StatusCode::NOT_FOUND => "未找到",
                    StatusCode::FORBIDDEN => "没有权限",
                    StatusCode::BAD_REQUEST => "请求有误",
                    _ => "错误",
                };
                plain_page(status, title, msg, &rid)
            }
            PageError::Store(e) => match e {
                StoreError::NotFound => {
                    plain_page(StatusCode::NOT_FOUND, "未找到", "您要查看的内容不存在，或不在您的管辖范围内。", &rid)
                }
                StoreError::Forbidden { message, .. } => plain_page(StatusCode::FORBIDDEN, "没有权限", &message, &rid),
                StoreError::Conflict { message, .. } => plain_page(StatusCode::CONFLICT, "无法执行", &message, &rid),
                StoreError::Invalid(errs) => {
                    let msg = errs.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("；");
                    plain_page(StatusCode::UNPROCESSABLE_ENTITY, "输入有误", &msg, &rid)
                }
                internal @ (StoreError::Db(_) | StoreError::Corrupt(_)) => {
                    tracing::error!(request_id = %rid, error = %internal, "request failed");
                    plain_page(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "服务器内部错误",
                        "处理请求时发生错误，已记录。请稍后重试，或把请求编号告诉管理员。",
                        &rid,
                    )
                }
            },
        }
    }
}

/// The JSON body of an API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// Stable snake_case code, e.g. `not_found`, `invalid_input`, `forbidden`.
    pub error: String,
    /// Explanation in Chinese.
    pub message: String,
    /// Field errors, for `invalid_input`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<ApiFieldError>,
    /// The request id (also in the `x-request-id` header).
    pub request_id: String,
}

/// One field error in an API response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiFieldError {
    /// The field.
    pub field: String,
    /// Stable code.
    pub code: String,
    /// Message in Chinese.
    pub message: String,
}

impl From<&FieldError> for ApiFieldError {
    fn from(e: &FieldError) -> Self {
        ApiFieldError { field: e.field.clone(), code: e.code.to_string(), message: e.message.clone() }
    }
}

/// A JSON error response.
pub fn api_body(status: StatusCode, code: &str, message: &str, rid: &str) -> (StatusCode, Json<ApiErrorBody>) {
    (
        status,
        Json(ApiErrorBody { error: code.into(), message: message.into(), fields: Vec::new(), request_id: rid.into() }),
    )
}

/// An error of the JSON API.
#[derive(Debug)]
pub enum ApiError {
    /// A store error.
    Store(StoreError),
    /// Not signed in (no or bad session or token).
    Unauthenticated,
    /// Signed in, but the password must be changed first.
    PasswordChangeRequired,
    /// The request body or query could not be read.
    BadRequest(String),
    /// The request body is over the size limit.
    TooLarge,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Store(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let rid = current_request_id();
        match self {
            ApiError::Unauthenticated => {
                api_body(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录，或提供有效的访问令牌", &rid)
                    .into_response()
            }
            ApiError::PasswordChangeRequired => {
                api_body(StatusCode::FORBIDDEN, "password_change_required", "请先登录网页修改初始密码", &rid)
                    .into_response()
            }
            ApiError::BadRequest(m) => api_body(StatusCode::BAD_REQUEST, "bad_request", &m, &rid).into_response(),
            ApiError::TooLarge => {
                api_body(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "请求体过大（不能超过2MB）", &rid)
                    .into_response()
            }
            ApiError::Store(e) => match e {
                StoreError::NotFound => {
                    api_body(StatusCode::NOT_FOUND, "not_found", "未找到，或不在您的管辖范围内", &rid).into_response()
                }
                StoreError::Forbidden { code, message } => {
                    api_body(StatusCode::FORBIDDEN, code, &message, &rid).into_response()
                }
                StoreError::Conflict { code, message } => {
                    api_body(StatusCode::CONFLICT, code, &message, &rid).into_response()
                }
                StoreError::Invalid(errs) => {
                    let (status, Json(mut body)) =
                        api_body(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "输入有误", &rid);
                    body.fields = errs.iter().map(ApiFieldError::from).collect();
                    (status, Json(body)).into_response()
                }
                internal @ (StoreError::Db(_) | StoreError::Corrupt(_)) => {
                    tracing::error!(request_id = %rid, error = %internal, "request failed");
                    api_body(StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误", &rid).into_response()
                }
            },
        }
    }
}

/// A store error as one Chinese sentence for a page that reports it later (a background job);
/// internal failures are logged here and not described.
pub fn store_message(e: &StoreError) -> String {
    match e {
        StoreError::NotFound => "未找到，或不在您的管辖范围内".into(),
        StoreError::Forbidden { message, .. } | StoreError::Conflict { message, .. } => message.clone(),
        StoreError::Invalid(errs) => errs.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("；"),
        internal @ (StoreError::Db(_) | StoreError::Corrupt(_)) => {
            tracing::error!(error = %internal, "background job failed");
            "处理时发生内部错误，已记录。请稍后重试，或联系管理员。".into()
        }
    }
}
