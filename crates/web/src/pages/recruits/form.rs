//! Registering a new 入党申请人: the form asks only for what the system does not know (the
//! branch of a branch user is theirs, gender and birth date come from the ID number, the date
//! defaults to today), and for a reason only when a rule refuses and the county allows overrides.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use jiceng_store::StoreError;
use jiceng_store::org::{self, ListFilter, Org, Sort};
use jiceng_store::recruit::{self, PersonDraft};
use jiceng_types::idcard::IdCardNo;
use jiceng_types::person::{ETHNIC_GROUPS, Education};
use jiceng_types::{FieldError, OrgId};
use serde::Deserialize;

use super::require_write;
use crate::AppState;
use crate::error::PageError;
use crate::extract::Me;
use crate::pages::FormErrors;
use crate::view::{self, Ctx};

/// The branches of one organization above them, for a select.
#[derive(Debug, Clone)]
pub struct BranchGroup {
    /// The organization above (a 党委 or 党总支).
    pub label: String,
    /// Its branches: id and name.
    pub branches: Vec<(OrgId, String)>,
}

/// Where a new applicant may be registered.
enum Branches {
    /// The user's own branch (the only one in scope): never asked.
    Fixed(Org),
    /// The branches in scope, grouped by the organization above them.
    Choice(Vec<BranchGroup>),
    /// None in scope.
    None,
}

impl Branches {
    fn contains(&self, id: OrgId) -> bool {
        match self {
            Branches::Fixed(o) => o.id == id,
            Branches::Choice(groups) => groups.iter().any(|g| g.branches.iter().any(|(b, _)| *b == id)),
            Branches::None => false,
        }
    }
}

/// Every active organization in scope, in tree order.
async fn orgs_in_scope(state: &AppState, me: &Me) -> Result<Vec<Org>, PageError> {
    let filter = ListFilter { sort: Sort::Tree, ..Default::default() };
    let mut all = Vec::new();
    for page in 1.. {
        let p = org::list(&state.db, me.scope(), &filter, page, 500).await?;
        let done = p.items.len() < 500;
        all.extend(p.items);
        if done {
            break;
        }
    }
    Ok(all)
}

async fn branches(state: &AppState, me: &Me) -> Result<Branches, PageError> {
    let all = orgs_in_scope(state, me).await?;
    let mut branches: Vec<&Org> = all.iter().filter(|o| o.kind.is_branch()).collect();
    if branches.len() <= 1 {
        return Ok(branches.pop().map_or(Branches::None, |b| Branches::Fixed(b.clone())));
    }
    let mut groups: Vec<(Option<OrgId>, BranchGroup)> = Vec::new();
    for b in branches {
        let item = (b.id, b.name.clone());
        match groups.iter_mut().find(|(p, _)| *p == b.parent_id) {
            Some((_, g)) => g.branches.push(item),
            None => {
                let label = all.iter().find(|o| Some(o.id) == b.parent_id).map_or("其他", |o| o.name.as_str());
                groups.push((b.parent_id, BranchGroup { label: label.to_string(), branches: vec![item] }));
            }
        }
    }
    Ok(Branches::Choice(groups.into_iter().map(|(_, g)| g).collect()))
}

/// What the ID number says, shown under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Derived {
    /// Nothing typed yet.
    Empty,
    /// Gender, birth date, and the age on the day of the application (if that date is valid).
    Known {
        /// 男 / 女.
        gender: &'static str,
        /// 出生日期.
        birth_date: NaiveDate,
        /// Whole years on the application date.
        age: Option<i32>,
    },
    /// What is wrong with the number.
    Bad(String),
}

impl Derived {
    /// From the form's ID number and application date.
    pub fn of(draft: &PersonDraft) -> Derived {
        if draft.id_card.trim().is_empty() {
            return Derived::Empty;
        }
        match IdCardNo::parse(&draft.id_card) {
            Ok(id) => Derived::Known {
                gender: id.gender().label(),
                birth_date: id.birth_date(),
                age: jiceng_types::date::parse_date(&draft.applied_on)
                    .ok()
                    .map(|on| jiceng_store::member::whole_years(id.birth_date(), on)),
            },
            Err(e) => Derived::Bad(e.message),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "recruits/new.html")]
pub struct NewPage {
    ctx: Ctx,
    form: PersonDraft,
    errors: FormErrors,
    /// The user's own branch, when it is the only one.
    fixed: Option<Org>,
    /// Else the branches to choose from.
    groups: Vec<BranchGroup>,
    /// No branch in scope at all.
    no_branch: bool,
    derived: Derived,
    show_override: bool,
    /// The errors not shown next to a field.
    general: String,
    educations: &'static [Education],
    ethnic_groups: [&'static str; 56],
    today: NaiveDate,
}

impl NewPage {
    fn new(me: &Me, branches: Branches, form: PersonDraft, errors: Vec<FieldError>, show_override: bool) -> NewPage {
        let (fixed, groups, no_branch) = match branches {
            Branches::Fixed(o) => (Some(o), Vec::new(), false),
            Branches::Choice(g) => (None, g, false),
            Branches::None => (None, Vec::new(), true),
        };
        let mut visible = vec!["name", "id_card", "ethnicity", "education", "phone", "work_post", "applied_on"];
        if !groups.is_empty() {
            visible.push("org_id");
        }
        if show_override {
            visible.push("override_reason");
        }
        let errors = FormErrors(errors);
        NewPage {
            ctx: Ctx::new(me, "登记入党申请人", "recruits"),
            derived: Derived::of(&form),
            general: errors.general(&visible),
            form,
            errors,
            fixed,
            groups,
            no_branch,
            show_override,
            educations: Education::ALL,
            ethnic_groups: ETHNIC_GROUPS,
            today: view::today(),
        }
    }
}

/// Query of the new-applicant form.
#[derive(Debug, Deserialize, Default)]
pub struct NewQuery {
    /// The branch to preselect (an id).
    #[serde(default)]
    org: String,
}

/// `GET /recruits/new?org=ID`
pub async fn new_form(State(state): State<AppState>, me: Me, Query(q): Query<NewQuery>) -> Result<NewPage, PageError> {
    require_write(&state, &me).await?;
    let branches = branches(&state, &me).await?;
    let org_id = match &branches {
        Branches::Fixed(o) => o.id.to_string(),
        other => q
            .org
            .trim()
            .parse()
            .ok()
            .map(OrgId)
            .filter(|id| other.contains(*id))
            .map(|id| id.to_string())
            .unwrap_or_default(),
    };
    let form =
        PersonDraft { org_id, ethnicity: "汉族".into(), applied_on: view::today().to_string(), ..Default::default() };
    Ok(NewPage::new(&me, branches, form, Vec::new(), false))
}

/// The new-applicant form as posted: the draft, and `preview=1` when the page only asks what the
/// ID number says (htmx, while typing).
#[derive(Debug, Deserialize, Default)]
pub struct NewForm {
    /// The fields.
    #[serde(flatten)]
    pub draft: PersonDraft,
    /// Re-render only, save nothing.
    #[serde(default)]
    pub preview: String,
}

/// `POST /recruits/new`
pub async fn create(State(state): State<AppState>, me: Me, Form(f): Form<NewForm>) -> Result<Response, PageError> {
    require_write(&state, &me).await?;
    let branches = branches(&state, &me).await?;
    let mut draft = f.draft;
    // Gender and birth date always come from the ID number; the branch of a branch user is theirs.
    draft.gender.clear();
    draft.birth_date.clear();
    if let Branches::Fixed(o) = &branches {
        draft.org_id = o.id.to_string();
    }
    if !f.preview.is_empty() {
        return Ok(NewPage::new(&me, branches, draft, Vec::new(), false).into_response());
    }
    let mut errors = Vec::new();
    let chosen = draft.org_id.trim().parse().ok().map(OrgId);
    if chosen.is_some_and(|id| !branches.contains(id)) || (chosen.is_none() && !draft.org_id.trim().is_empty()) {
        errors.push(FieldError::new("org_id", "org_not_found", "请从列表中选择您管辖范围内的党支部"));
    }
    match draft.parse(view::today()) {
        Ok(input) if errors.is_empty() => match recruit::create(&state.db, me.scope(), &me.meta, input).await {
            Ok(p) => return Ok(Redirect::to(&format!("/recruits/{}", p.person.id)).into_response()),
            Err(StoreError::Invalid(e)) => errors = e,
            Err(StoreError::Conflict { message, .. }) => errors.push(FieldError::new("general", "conflict", message)),
            Err(e) => return Err(e.into()),
        },
        Ok(_) => {}
        Err(e) => {
            // The branch refused above is named once.
            let org_refused = !errors.is_empty();
            errors.extend(e.into_iter().filter(|e| e.field != "org_id" || !org_refused));
        }
    }
    let allowed = recruit::params::override_allowed(&recruit::params(&state.db, me.scope()).await?);
    let show_override = errors.iter().any(|e| e.code == "override_reason_required")
        || (allowed && !draft.override_reason.trim().is_empty());
    let page = NewPage::new(&me, branches, draft, errors, show_override);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
