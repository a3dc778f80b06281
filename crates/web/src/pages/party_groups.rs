//! A branch's Party groups (党小组) in the browser: the groups with their leaders and sizes, the
//! roster with each member's group; setting up a group, putting members into it, ending it.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_store::StoreError;
use jiceng_store::meeting::group::{self, PartyGroup};
use jiceng_store::meeting::{self, RosterMember};
use jiceng_store::org::{self, Org};
use jiceng_types::date::{parse_date, parse_optional_date};
use jiceng_types::{FieldError, MemberId, OrgId, OrgStatus, Right};
use serde::Deserialize;

use super::FormErrors;
use super::study_items::Posted;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

fn flash(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "group_created" => "党小组已设立。",
        "group_assigned" => "党员已编入党小组。",
        "group_ended" => "党小组已撤销，其党员已不再属于任何党小组。",
        _ => return None,
    })
}

async fn require_read(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::ReadMembers) {
        Ok(())
    } else {
        Err(super::deny(state, me, "party_group", "no_member_right", "您没有查看组织生活记录的权限").await)
    }
}

async fn require_write(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(super::deny(state, me, "party_group", "no_record_write_right", "您没有录入组织生活记录的权限").await)
    }
}

/// The new-group form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GroupForm {
    /// 名称.
    pub name: String,
    /// 组长 (member id).
    pub leader: String,
    /// 成立日期.
    pub created_on: String,
}

/// The end form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EndForm {
    /// 撤销日期.
    pub on: String,
}

/// One roster member with the name of their group.
pub struct RosterRow {
    /// The member.
    pub member: RosterMember,
    /// Their group's name.
    pub group: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "party_groups/list.html")]
pub struct ListPage {
    ctx: Ctx,
    org: Org,
    groups: Vec<PartyGroup>,
    roster: Vec<RosterRow>,
    can_write: bool,
    branch: bool,
    form: GroupForm,
    errors: FormErrors,
    end_group: i64,
    end_form: EndForm,
    end_errors: FormErrors,
}

fn rows(roster: Vec<RosterMember>, groups: &[PartyGroup]) -> Vec<RosterRow> {
    let names: HashMap<i64, &str> = groups.iter().map(|g| (g.id, g.name.as_str())).collect();
    roster
        .into_iter()
        .map(|m| RosterRow { group: m.group_id.and_then(|g| names.get(&g)).map(|n| n.to_string()), member: m })
        .collect()
}

async fn list_page(state: &AppState, me: &Me, org_id: i64) -> Result<ListPage, PageError> {
    let o = org::get(&state.db, me.scope(), &me.meta, OrgId(org_id)).await?;
    let groups = group::list(&state.db, me.scope(), o.id).await?;
    let roster = meeting::roster(&state.db, me.scope(), o.id).await?;
    let branch = o.kind.is_branch();
    Ok(ListPage {
        ctx: Ctx::new(me, format!("党小组 · {}", o.name), "orgs"),
        can_write: me.scope().can(Right::WriteRecords) && branch && o.status == OrgStatus::Active,
        branch,
        roster: rows(roster, &groups),
        groups,
        org: o,
        form: GroupForm { created_on: view::today().to_string(), ..Default::default() },
        errors: FormErrors::default(),
        end_group: 0,
        end_form: EndForm { on: view::today().to_string() },
        end_errors: FormErrors::default(),
    })
}

/// Query carrying a notice key.
#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /orgs/{id}/groups`
pub async fn list(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<ListPage, PageError> {
    require_read(&state, &me).await?;
    let mut page = list_page(&state, &me, id).await?;
    page.ctx.flash = flash(q.done.as_deref());
    Ok(page)
}

/// `POST /orgs/{id}/groups`: set up a group.
pub async fn create(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(form): Form<GroupForm>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let mut errors = Vec::new();
    let created_on = parse_optional_date(&form.created_on).map_err(|e| errors.push(e.on("created_on"))).ok().flatten();
    let leader = match form.leader.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(m) => Some(MemberId(m)),
            Err(_) => {
                errors.push(FieldError::new("leader", "bad_member", "请从名单中选择组长"));
                None
            }
        },
    };
    if !errors.is_empty()
        && let Err(e) = group::check_name(&form.name)
    {
        // Reported with the other fields' errors (the store checks it again).
        errors.push(e);
    }
    if errors.is_empty() {
        match group::create(&state.db, me.scope(), &me.meta, OrgId(id), &form.name, leader, created_on).await {
            Ok(_) => return Ok(Redirect::to(&format!("/orgs/{id}/groups?done=group_created")).into_response()),
            Err(StoreError::Invalid(e)) => errors = e,
            Err(StoreError::Conflict { message, .. }) => errors.push(FieldError::new("general", "conflict", message)),
            Err(e) => return Err(e.into()),
        }
    }
    let mut page = list_page(&state, &me, id).await?;
    page.form = form;
    page.errors = FormErrors(errors);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `POST /party-groups/{id}/end`
pub async fn end(
    State(state): State<AppState>,
    me: Me,
    PagePath(gid): PagePath<i64>,
    Form(form): Form<EndForm>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let id = group::get(&state.db, me.scope(), gid).await?.org_id.0;
    let errors = match parse_date(&form.on) {
        Err(e) => vec![e.on("on")],
        Ok(on) => match group::end(&state.db, me.scope(), &me.meta, gid, on).await {
            Ok(()) => return Ok(Redirect::to(&format!("/orgs/{id}/groups?done=group_ended")).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(StoreError::Conflict { message, .. }) => vec![FieldError::new("on", "conflict", message)],
            Err(e) => return Err(e.into()),
        },
    };
    let mut page = list_page(&state, &me, id).await?;
    page.end_group = gid;
    page.end_form = form;
    page.end_errors = FormErrors(errors);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// One roster member on the assign form.
pub struct AssignRow {
    /// The member.
    pub member: RosterMember,
    /// Their current group's name.
    pub group: Option<String>,
    /// Ticked.
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "party_groups/assign.html")]
pub struct AssignPage {
    ctx: Ctx,
    org: Org,
    group: PartyGroup,
    rows: Vec<AssignRow>,
    errors: FormErrors,
}

async fn assign_page(
    state: &AppState,
    me: &Me,
    org_id: i64,
    group: PartyGroup,
    checked: Option<&[i64]>,
    errors: Vec<FieldError>,
) -> Result<AssignPage, PageError> {
    let o = org::get(&state.db, me.scope(), &me.meta, OrgId(org_id)).await?;
    let groups = group::list(&state.db, me.scope(), o.id).await?;
    let roster = meeting::roster(&state.db, me.scope(), o.id).await?;
    let rows = rows(roster, &groups)
        .into_iter()
        .map(|r| AssignRow {
            checked: match checked {
                Some(ids) => ids.contains(&r.member.id),
                None => r.member.group_id == Some(group.id),
            },
            member: r.member,
            group: r.group,
        })
        .collect();
    Ok(AssignPage {
        ctx: Ctx::new(me, format!("编入党员 · {}", group.name), "orgs"),
        org: o,
        group,
        rows,
        errors: FormErrors(errors),
    })
}

/// `GET /party-groups/{id}/assign`
pub async fn assign_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(gid): PagePath<i64>,
) -> Result<AssignPage, PageError> {
    require_write(&state, &me).await?;
    let g = group::get(&state.db, me.scope(), gid).await?;
    let id = g.org_id.0;
    assign_page(&state, &me, id, g, None, Vec::new()).await
}

/// `POST /party-groups/{id}/assign`: the ticked members join the group.
pub async fn assign(
    State(state): State<AppState>,
    me: Me,
    PagePath(gid): PagePath<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let g = group::get(&state.db, me.scope(), gid).await?;
    let id = g.org_id.0;
    let posted = Posted(pairs);
    let ids: Vec<i64> = posted.all("member").into_iter().filter_map(|s| s.trim().parse().ok()).collect();
    let members: Vec<MemberId> = ids.iter().copied().map(MemberId).collect();
    let errors = match group::assign(&state.db, me.scope(), &me.meta, gid, &members).await {
        Ok(()) => return Ok(Redirect::to(&format!("/orgs/{id}/groups?done=group_assigned")).into_response()),
        Err(StoreError::Invalid(e)) => e,
        Err(StoreError::Conflict { message, .. }) => vec![FieldError::new("members", "conflict", message)],
        Err(e) => return Err(e.into()),
    };
    let page = assign_page(&state, &me, id, g, Some(&ids), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
