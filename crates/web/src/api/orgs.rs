//! `/api/v1/orgs`: the organization tree, scoped to the caller.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use jiceng_store::StoreError;
use jiceng_store::org::{self, ListFilter, Org, OrgDraft, Show};
use jiceng_types::date::parse_optional_date;
use jiceng_types::{OrgDomain, OrgId, OrgKind, Right, Scope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath as Path, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::ApiMe;
use crate::view;

/// A Party organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgOut {
    /// Id.
    pub id: i64,
    /// Parent organization id (`null` for a root).
    pub parent_id: Option<i64>,
    /// Materialized path of ids, e.g. `/1/17/342/`.
    pub path: String,
    /// Unique code (组织代码).
    pub code: String,
    /// Name (组织名称).
    pub name: String,
    /// Kind key: county_committee, working_committee, committee, general_branch, branch, joint_branch, provisional_branch.
    pub kind: String,
    /// Kind label (组织类别).
    pub kind_label: String,
    /// Domain key: rural, community, organ, school, health, state_enterprise, private_enterprise, social_org, new_employment, other.
    pub domain: String,
    /// Domain label (所属领域).
    pub domain_label: String,
    /// 成立日期.
    pub established_on: Option<NaiveDate>,
    /// 本届任期开始.
    pub term_start: Option<NaiveDate>,
    /// 本届届满日期.
    pub term_end: Option<NaiveDate>,
    /// active, merged or dissolved.
    pub status: String,
    /// When the status changed.
    pub status_on: Option<NaiveDate>,
    /// The organization it was merged into.
    pub merged_into_id: Option<i64>,
    /// Active members directly in it (`null` without the right to read member data).
    pub member_count: Option<i64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl OrgOut {
    fn of(o: &Org, scope: &Scope) -> Self {
        OrgOut {
            id: o.id.0,
            parent_id: o.parent_id.map(|p| p.0),
            path: o.path.to_string(),
            code: o.code.clone(),
            name: o.name.clone(),
            kind: o.kind.key().into(),
            kind_label: o.kind.label().into(),
            domain: o.domain.key().into(),
            domain_label: o.domain.label().into(),
            established_on: o.established_on,
            term_start: o.term_start,
            term_end: o.term_end,
            status: o.status.key().into(),
            status_on: o.status_on,
            merged_into_id: o.merged_into_id.map(|m| m.0),
            member_count: scope.can(Right::ReadMembers).then_some(o.member_count),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A page of organizations.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgPage {
    /// The organizations.
    pub items: Vec<OrgOut>,
    /// How many match in all.
    pub total: u64,
    /// Page number, from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// Filters of the list.
#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Name contains, pinyin initials contain, or code starts with.
    pub q: Option<String>,
    /// Only direct children of this organization.
    pub parent_id: Option<i64>,
    /// Kind key or label.
    pub kind: Option<String>,
    /// Domain key or label.
    pub domain: Option<String>,
    /// `all` to include merged and dissolved organizations.
    pub status: Option<String>,
    /// Page number (default 1).
    pub page: Option<u64>,
    /// Page size (default 50, at most 500).
    pub per_page: Option<u64>,
}

fn bad(field: &str, msg: &str) -> ApiError {
    ApiError::Store(StoreError::invalid(field, "bad_value", msg))
}

/// Organizations in the caller's scope, in tree order (each after its parent).
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", params(ListQuery), responses(
    (status = 200, description = "组织列表", body = OrgPage),
    (status = 401, description = "未登录", body = ApiErrorBody),
    (status = 422, description = "参数有误", body = ApiErrorBody),
))]
pub async fn list(
    State(state): State<AppState>,
    me: ApiMe,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<OrgPage>, ApiError> {
    let kind = match q.kind.as_deref().filter(|s| !s.is_empty()) {
        Some(k) => Some(OrgKind::parse(k).ok_or_else(|| bad("kind", "未知的组织类别"))?),
        None => None,
    };
    let domain = match q.domain.as_deref().filter(|s| !s.is_empty()) {
        Some(d) => Some(OrgDomain::parse(d).ok_or_else(|| bad("domain", "未知的所属领域"))?),
        None => None,
    };
    let filter = ListFilter {
        q: q.q,
        parent_id: q.parent_id.map(OrgId),
        kind,
        domain,
        show: if q.status.as_deref() == Some("all") { Show::All } else { Show::Active },
        term_expired_before: None,
        sort: org::Sort::Tree,
    };
    let page = org::list(&state.db, me.scope(), &filter, q.page.unwrap_or(1), q.per_page.unwrap_or(50)).await?;
    Ok(Json(OrgPage {
        items: page.items.iter().map(|o| OrgOut::of(o, me.scope())).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// A new organization.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrgIn {
    /// The parent (required except for a root, which only a 系统管理员 may create).
    pub parent_id: Option<i64>,
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind key or label.
    pub kind: String,
    /// Domain key or label.
    pub domain: String,
    /// 成立日期 (YYYY-MM-DD).
    pub established_on: Option<String>,
    /// 本届任期开始.
    pub term_start: Option<String>,
    /// 本届届满日期.
    pub term_end: Option<String>,
}

/// Create an organization under a parent in the caller's scope.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = OrgIn, responses(
    (status = 201, description = "已建立", body = OrgOut),
    (status = 403, description = "无权限", body = ApiErrorBody),
    (status = 422, description = "输入有误（逐字段说明）", body = ApiErrorBody),
))]
pub async fn create(
    State(state): State<AppState>,
    me: ApiMe,
    ApiJson(b): ApiJson<OrgIn>,
) -> Result<(StatusCode, Json<OrgOut>), ApiError> {
    let draft = OrgDraft {
        parent_id: b.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        code: b.code,
        name: b.name,
        kind: b.kind,
        domain: b.domain,
        established_on: b.established_on.unwrap_or_default(),
        term_start: b.term_start.unwrap_or_default(),
        term_end: b.term_end.unwrap_or_default(),
    };
    let input = draft.parse(view::today()).map_err(StoreError::Invalid)?;
    let o = org::create(&state.db, me.scope(), &me.meta, input).await?;
    Ok((StatusCode::CREATED, Json(OrgOut::of(&o, me.scope()))))
}

/// One organization.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path, description = "组织 id")), responses(
    (status = 200, description = "组织", body = OrgOut),
    (status = 404, description = "不存在或不在管辖范围内", body = ApiErrorBody),
))]
pub async fn get(State(state): State<AppState>, me: ApiMe, Path(id): Path<i64>) -> Result<Json<OrgOut>, ApiError> {
    let o = org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?;
    Ok(Json(OrgOut::of(&o, me.scope())))
}

/// Changed fields of an organization; absent fields keep their value. The parent is changed
/// with `POST /api/v1/orgs/{id}/move`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPatch {
    /// Code.
    pub code: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Kind key or label.
    pub kind: Option<String>,
    /// Domain key or label.
    pub domain: Option<String>,
    /// 成立日期 (empty string clears it).
    pub established_on: Option<String>,
    /// 本届任期开始.
    pub term_start: Option<String>,
    /// 本届届满日期.
    pub term_end: Option<String>,
}

/// Change an organization.
#[utoipa::path(patch, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path, description = "组织 id")), request_body = OrgPatch, responses(
    (status = 200, description = "已修改", body = OrgOut),
    (status = 404, description = "不存在或不在管辖范围内", body = ApiErrorBody),
    (status = 422, description = "输入有误", body = ApiErrorBody),
))]
pub async fn patch(
    State(state): State<AppState>,
    me: ApiMe,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<OrgPatch>,
) -> Result<Json<OrgOut>, ApiError> {
    let s = me.scope();
    let o = org::get(&state.db, s, &me.meta, OrgId(id)).await?;
    let mut draft = OrgDraft::of(&o);
    let set = |field: &mut String, v: Option<String>| {
        if let Some(v) = v {
            *field = v;
        }
    };
    set(&mut draft.code, b.code);
    set(&mut draft.name, b.name);
    set(&mut draft.kind, b.kind);
    set(&mut draft.domain, b.domain);
    set(&mut draft.established_on, b.established_on);
    set(&mut draft.term_start, b.term_start);
    set(&mut draft.term_end, b.term_end);
    let input = draft.parse(view::today()).map_err(StoreError::Invalid)?;
    let o = org::update(&state.db, s, &me.meta, o.id, input).await?;
    Ok(Json(OrgOut::of(&o, s)))
}

/// The direct children of an organization (active ones).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/children", tag = "orgs", params(("id" = i64, Path, description = "组织 id")), responses(
    (status = 200, description = "下级组织", body = Vec<OrgOut>),
    (status = 404, description = "不存在或不在管辖范围内", body = ApiErrorBody),
))]
pub async fn children(
    State(state): State<AppState>,
    me: ApiMe,
    Path(id): Path<i64>,
) -> Result<Json<Vec<OrgOut>>, ApiError> {
    let nodes = org::children(&state.db, me.scope(), &me.meta, OrgId(id), Show::Active).await?;
    Ok(Json(nodes.iter().map(|n| OrgOut::of(&n.org, me.scope())).collect()))
}

/// Move an organization under another parent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveIn {
    /// The new parent.
    pub parent_id: i64,
    /// Effective date (YYYY-MM-DD, default today).
    pub on: Option<String>,
}

fn effective(on: Option<String>) -> Result<NaiveDate, ApiError> {
    match parse_optional_date(on.as_deref().unwrap_or("")) {
        Ok(Some(d)) if d > view::today() => Err(bad("on", "生效日期不能晚于今天")),
        Ok(Some(d)) => Ok(d),
        Ok(None) => Ok(view::today()),
        Err(e) => Err(ApiError::Store(StoreError::Invalid(vec![e.on("on")]))),
    }
}

/// Move an organization (with its subtree) under a new parent in scope.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/move", tag = "orgs", params(("id" = i64, Path, description = "组织 id")), request_body = MoveIn, responses(
    (status = 200, description = "已调整", body = OrgOut),
    (status = 403, description = "无权限（如调整本级组织）", body = ApiErrorBody),
    (status = 422, description = "目标无效（不在范围内、形成循环等）", body = ApiErrorBody),
))]
pub async fn move_org(
    State(state): State<AppState>,
    me: ApiMe,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<MoveIn>,
) -> Result<Json<OrgOut>, ApiError> {
    let on = effective(b.on)?;
    let o = org::move_to(&state.db, me.scope(), &me.meta, OrgId(id), OrgId(b.parent_id), on).await?;
    Ok(Json(OrgOut::of(&o, me.scope())))
}

/// Dissolve an organization.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DissolveIn {
    /// Why (required).
    pub reason: String,
    /// Effective date (YYYY-MM-DD, default today).
    pub on: Option<String>,
}

/// Dissolve (撤销) an organization with no active children or members; its history is kept.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/dissolve", tag = "orgs", params(("id" = i64, Path, description = "组织 id")), request_body = DissolveIn, responses(
    (status = 200, description = "已撤销", body = OrgOut),
    (status = 409, description = "仍有下级组织或党员", body = ApiErrorBody),
))]
pub async fn dissolve(
    State(state): State<AppState>,
    me: ApiMe,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<DissolveIn>,
) -> Result<Json<OrgOut>, ApiError> {
    let on = effective(b.on)?;
    let o = org::dissolve(&state.db, me.scope(), &me.meta, OrgId(id), on, &b.reason).await?;
    Ok(Json(OrgOut::of(&o, me.scope())))
}

/// Merge an organization into another.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeIn {
    /// The organization that receives the children and members.
    pub target_id: i64,
    /// Effective date (YYYY-MM-DD, default today).
    pub on: Option<String>,
}

/// Merge an organization into another in scope: its active children and its members move to the
/// target; it is kept, marked as merged, with its history.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/merge", tag = "orgs", params(("id" = i64, Path, description = "组织 id")), request_body = MergeIn, responses(
    (status = 200, description = "已合并", body = OrgOut),
    (status = 403, description = "无权限（如合并本级组织）", body = ApiErrorBody),
    (status = 422, description = "目标无效", body = ApiErrorBody),
))]
pub async fn merge(
    State(state): State<AppState>,
    me: ApiMe,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<MergeIn>,
) -> Result<Json<OrgOut>, ApiError> {
    let on = effective(b.on)?;
    let o = org::merge_into(&state.db, me.scope(), &me.meta, OrgId(id), OrgId(b.target_id), on).await?;
    Ok(Json(OrgOut::of(&o, me.scope())))
}
