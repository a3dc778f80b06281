//! The JSON API under `/api/v1`, for other systems (a city's data exchange, scripts). Callers
//! authenticate with a personal token (`Authorization: Bearer jc_…`, created on 我的账号) or the
//! browser session; every call has exactly the caller's scope and rights. The OpenAPI document is
//! served at `/api/openapi.json` and browsable at `/api/docs`.

mod me;
mod orgs;
mod users;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(title = "jiceng 基层党建工作平台 API", description = "组织体系与账号的数据接口。所有调用均限于调用者所属组织及其下级（管辖范围）；所有修改和越权访问均写入审计记录。"),
    modifiers(&BearerAuth),
    tags(
        (name = "orgs", description = "党组织"),
        (name = "users", description = "账号"),
        (name = "me", description = "当前用户")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        openapi.security =
            Some(vec![utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// The OpenAPI document of `/api/v1`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me::me))
        .routes(routes!(orgs::list, orgs::create))
        .routes(routes!(orgs::get, orgs::patch))
        .routes(routes!(orgs::children))
        .routes(routes!(orgs::move_org))
        .routes(routes!(orgs::dissolve))
        .routes(routes!(orgs::merge))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get))
        .routes(routes!(users::disable))
        .routes(routes!(users::enable))
        .routes(routes!(users::reset_password))
}

/// The API routes, the OpenAPI document and (with the `api-docs` feature) the Swagger UI.
pub fn router() -> axum::Router<AppState> {
    let (router, doc) = api_router().split_for_parts();
    let spec = doc.clone();
    let router = router.route("/api/openapi.json", axum::routing::get(move || async move { Json(spec) }));
    #[cfg(feature = "api-docs")]
    let router = {
        use axum::http::{HeaderValue, header};
        // Swagger UI needs inline styles and scripts of its own; its pages get their own CSP.
        let docs: axum::Router<AppState> = axum::Router::new()
            .merge(utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/openapi-ui.json", doc))
            .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
                ),
            ));
        router.merge(docs)
    };
    router
}

/// A JSON body whose rejection is an [`ApiError`] in Chinese.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::BytesRejection(e)) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::TooLarge)
            }
            Err(e) => Err(ApiError::BadRequest(match e {
                JsonRejection::MissingJsonContentType(_) => "请求体应为 JSON（Content-Type: application/json）".into(),
                JsonRejection::JsonSyntaxError(_) => "请求体不是有效的 JSON".into(),
                JsonRejection::JsonDataError(d) => format!("请求体字段有误：{}", d.body_text()),
                _ => "无法读取请求体".into(),
            })),
        }
    }
}

/// Query parameters whose rejection is an [`ApiError`] in Chinese.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(ApiError::BadRequest(format!("查询参数有误：{}", e.body_text())))
            }
            Err(_) => Err(ApiError::BadRequest("查询参数有误".into())),
        }
    }
}

/// Path parameters whose rejection is an [`ApiError`] in Chinese (e.g. `/api/v1/orgs/abc`).
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(_) => Err(ApiError::BadRequest("地址有误：编号应为整数".into())),
        }
    }
}
