//! Registering and editing a member. The form asks only for what the system does not know:
//! gender and birth date come from the ID number when left empty.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiceng_store::member::{self, MemberDraft};
use jiceng_store::{StoreError, org};
use jiceng_types::person::{ETHNIC_GROUPS, Education, MemberCategory};
use jiceng_types::{FieldError, MemberId, OrgId, Right};
use serde::Deserialize;

use super::FormErrors;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::{self, Ctx};

#[derive(Template, WebTemplate)]
#[template(path = "members/form.html")]
pub struct MemberFormPage {
    ctx: Ctx,
    heading: String,
    action: String,
    form: MemberForm,
    errors: FormErrors,
    educations: &'static [Education],
    categories: &'static [MemberCategory],
    ethnic_groups: [&'static str; 56],
    cancel: String,
}

/// The member form as typed: the organization by code or name, the rest as in [`MemberDraft`].
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct MemberForm {
    /// 所在党组织 (code or name).
    pub org: String,
    /// The other fields.
    #[serde(flatten)]
    pub draft: MemberDraft,
}

fn page(
    me: &Me,
    heading: String,
    action: String,
    form: MemberForm,
    errors: Vec<FieldError>,
    cancel: String,
) -> MemberFormPage {
    MemberFormPage {
        ctx: Ctx::new(me, heading.clone(), "members"),
        heading,
        action,
        form,
        errors: FormErrors(errors),
        educations: Education::ALL,
        categories: MemberCategory::ALL,
        ethnic_groups: ETHNIC_GROUPS,
        cancel,
    }
}

async fn require_write(state: &AppState, me: &Me) -> Result<(), PageError> {
    if me.scope().can(Right::WriteRecords) {
        Ok(())
    } else {
        Err(super::deny(state, me, "member", "no_member_write_right", "您没有维护党员信息的权限").await)
    }
}

/// Query of the new-member form.
#[derive(Debug, Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    org: String,
}

/// `GET /members/new?org=ID`
pub async fn new_form(
    State(state): State<AppState>,
    me: Me,
    Query(q): Query<NewQuery>,
) -> Result<MemberFormPage, PageError> {
    require_write(&state, &me).await?;
    let org_text = match q.org.trim().parse::<i64>() {
        Ok(id) => org::get(&state.db, me.scope(), &me.meta, OrgId(id)).await?.code,
        Err(_) => String::new(),
    };
    let form = MemberForm {
        org: org_text,
        draft: MemberDraft {
            ethnicity: "汉族".into(),
            category: MemberCategory::Full.key().into(),
            ..Default::default()
        },
    };
    Ok(page(&me, "登记党员".into(), "/members/new".into(), form, Vec::new(), "/members".into()))
}

/// Resolve the organization text, then check the draft; every error together.
async fn check(
    state: &AppState,
    me: &Me,
    form: &MemberForm,
) -> Result<Result<member::MemberInput, Vec<FieldError>>, PageError> {
    let mut errors = Vec::new();
    let mut draft = form.draft.clone();
    match org::resolve(&state.db, me.scope(), "org_id", &form.org).await? {
        Ok(o) => draft.org_id = o.id.to_string(),
        Err(e) => errors.push(e),
    }
    match draft.parse(view::today()) {
        Ok(input) if errors.is_empty() => Ok(Ok(input)),
        Ok(_) => Ok(Err(errors)),
        Err(e) => {
            errors.extend(e.into_iter().filter(|e| e.field != "org_id"));
            Ok(Err(errors))
        }
    }
}

/// `POST /members/new`
pub async fn create(
    State(state): State<AppState>,
    me: Me,
    Form(form): Form<MemberForm>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let errors = match check(&state, &me, &form).await? {
        Ok(input) => match member::create(&state.db, me.scope(), &me.meta, input).await {
            Ok(m) => return Ok(Redirect::to(&format!("/members/{}?done=member_created", m.id)).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let p = page(&me, "登记党员".into(), "/members/new".into(), form, errors, "/members".into());
    Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

/// `GET /members/{id}/edit`: the ID and phone numbers are not shown; left empty they stay as
/// they are, typed anew they replace the stored ones.
pub async fn edit_form(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
) -> Result<MemberFormPage, PageError> {
    require_write(&state, &me).await?;
    let m = member::get(&state.db, me.scope(), &me.meta, MemberId(id)).await?;
    let d = |v: Option<chrono::NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
    let form = MemberForm {
        org: org::get(&state.db, me.scope(), &me.meta, m.org_id).await?.code,
        draft: MemberDraft {
            org_id: m.org_id.to_string(),
            name: m.name.clone(),
            gender: m.gender.key().into(),
            ethnicity: m.ethnicity.clone(),
            birth_date: m.birth_date.to_string(),
            id_card: String::new(),
            education: m.education.key().into(),
            phone: String::new(),
            category: m.category.key().into(),
            admitted_on: m.admitted_on.to_string(),
            regularized_on: d(m.regularized_on),
            work_post: m.work_post.clone().unwrap_or_default(),
            residence: m.residence.clone().unwrap_or_default(),
        },
    };
    Ok(page(
        &me,
        format!("编辑：{}", m.name),
        format!("/members/{id}/edit"),
        form,
        Vec::new(),
        format!("/members/{id}"),
    ))
}

/// `POST /members/{id}/edit`
pub async fn update(
    State(state): State<AppState>,
    me: Me,
    PagePath(id): PagePath<i64>,
    Form(mut form): Form<MemberForm>,
) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let m = member::get(&state.db, me.scope(), &me.meta, MemberId(id)).await?;
    // Numbers left empty keep their stored values (the form never shows them).
    let keep_id = form.draft.id_card.trim().is_empty();
    let keep_phone = form.draft.phone.trim().is_empty() && m.phone_masked.is_some();
    let mut filled = form.clone();
    if keep_id {
        filled.draft.id_card = member::reveal_for_edit(&state.db, me.scope(), MemberId(id), member::Sensitive::IdCard)
            .await?
            .unwrap_or_default();
    }
    if keep_phone {
        filled.draft.phone = member::reveal_for_edit(&state.db, me.scope(), MemberId(id), member::Sensitive::Phone)
            .await?
            .unwrap_or_default();
    }
    let errors = match check(&state, &me, &filled).await? {
        Ok(input) => match member::update(&state.db, me.scope(), &me.meta, MemberId(id), input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/members/{id}?done=member_updated")).into_response()),
            Err(StoreError::Invalid(e)) => e,
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    // Never echo a stored number back into the page.
    if keep_id {
        form.draft.id_card.clear();
    }
    if keep_phone {
        form.draft.phone.clear();
    }
    let p =
        page(&me, format!("编辑：{}", m.name), format!("/members/{id}/edit"), form, errors, format!("/members/{id}"));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}
