//! The documents of member development (发展党员文书) generated from a person's records, with
//! nothing typed again: the 发展对象 request and the committee's reply, the 公示 of each recorded
//! publicity, the request for 转正 (or for an extension or cancellation) and the record sheet of
//! all 25 steps.
//!
//! One content model, two renderings: `content` and `sheet` build a neutral
//! [`Document`](jiceng_exchange::docx::Document) from the person's detail and the organization
//! names; the printable page renders it with the `recruits/document.html` template and the
//! download with `jiceng_exchange::docx::write_docx`. Reading a document needs what the person's
//! page needs (and a person outside the caller's scope is not found); the `.docx` download is an
//! export (`jiceng_store::export::document`): it needs `Right::Export` and is written to the audit trail.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiceng_exchange::docx::{Block, Document};
use jiceng_rules::recruit::Step;
use jiceng_store::org;
use jiceng_store::recruit::{self, Person, PersonDetail};
use jiceng_types::{OrgKind, Right};

use super::recruit_person::{NAV, require_read};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Me, PagePath};
use crate::view::Ctx;

mod content;
mod sheet;

/// The media type of a Word document.
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// Which 公示: the decision it comes before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicityFor {
    /// 确定入党积极分子 (recorded with step 3).
    Activist,
    /// 确定发展对象 (step 7).
    Candidate,
    /// 拟接收预备党员 (step 17).
    Admission,
    /// 拟转正 (step 24).
    Regularization,
}

impl PublicityFor {
    /// The step that records this 公示.
    pub fn step(self) -> Step {
        match self {
            PublicityFor::Activist => Step::ActivistSelection,
            PublicityFor::Candidate => Step::CandidateSelection,
            PublicityFor::Admission => Step::AdmissionApproval,
            PublicityFor::Regularization => Step::RegularizationApproval,
        }
    }
}

/// A document of member development.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 发展对象请示: the branch asks its Party committee to approve the candidate (after step 7).
    CandidateRequest,
    /// 发展对象批复: the committee's reply (after step 8).
    CandidateReply,
    /// A 公示 (once its step is recorded with the publicity dates).
    Publicity(PublicityFor),
    /// 预备党员转正请示 (or extension, or cancellation), after step 23.
    RegularizationRequest,
    /// 发展党员全程纪实表, always.
    RecordSheet,
}

impl Kind {
    /// Every document, in the order of the procedure.
    pub const ALL: [Kind; 8] = [
        Kind::Publicity(PublicityFor::Activist),
        Kind::Publicity(PublicityFor::Candidate),
        Kind::CandidateRequest,
        Kind::CandidateReply,
        Kind::Publicity(PublicityFor::Admission),
        Kind::RegularizationRequest,
        Kind::Publicity(PublicityFor::Regularization),
        Kind::RecordSheet,
    ];

    /// The key in the address (`/recruits/{id}/documents/{key}`).
    pub fn key(self) -> &'static str {
        match self {
            Kind::CandidateRequest => "candidate_request",
            Kind::CandidateReply => "candidate_reply",
            Kind::Publicity(PublicityFor::Activist) => "publicity_activist",
            Kind::Publicity(PublicityFor::Candidate) => "publicity_candidate",
            Kind::Publicity(PublicityFor::Admission) => "publicity_admission",
            Kind::Publicity(PublicityFor::Regularization) => "publicity_regularization",
            Kind::RegularizationRequest => "regularization_request",
            Kind::RecordSheet => "record_sheet",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Kind::CandidateRequest => "发展对象请示",
            Kind::CandidateReply => "发展对象批复",
            Kind::Publicity(PublicityFor::Activist) => "公示（确定入党积极分子）",
            Kind::Publicity(PublicityFor::Candidate) => "公示（确定发展对象）",
            Kind::Publicity(PublicityFor::Admission) => "公示（拟接收预备党员）",
            Kind::Publicity(PublicityFor::Regularization) => "公示（拟转正）",
            Kind::RegularizationRequest => "预备党员转正请示",
            Kind::RecordSheet => "发展党员全程纪实表",
        }
    }

    /// From a key.
    pub fn parse(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// What a document needs besides the person's records: the organization names and the length of
/// the probation.
#[derive(Debug, Clone)]
pub struct Sources {
    /// The person's branch (it signs requests and 公示).
    pub branch: String,
    /// The Party committee above the branch, if the caller's scope reaches it (it is addressed
    /// by requests and signs replies); a blank otherwise.
    pub committee: Option<String>,
    /// 预备期 in years (the county's `dev.probation`).
    pub probation_years: u32,
}

/// The nearest Party committee (党委, 党工委 or 县委) above the person's branch that the caller
/// may read; the direct parent when none of those is visible but the parent is.
async fn committee(state: &AppState, me: &Me, p: &Person) -> Result<Option<String>, PageError> {
    if !me.scope().can(Right::ReadOrgs) {
        return Ok(None);
    }
    let branch = org::get(&state.db, me.scope(), &me.meta, p.org_id).await?;
    let above = org::ancestors(&state.db, me.scope(), &branch).await?;
    let committee = above
        .iter()
        .rev()
        .find(|o| matches!(o.kind, OrgKind::Committee | OrgKind::WorkingCommittee | OrgKind::CountyCommittee))
        .or_else(|| above.iter().find(|o| Some(o.id) == branch.parent_id));
    Ok(committee.map(|o| o.name.clone()))
}

async fn sources(state: &AppState, me: &Me, d: &PersonDetail) -> Result<Sources, PageError> {
    let params = recruit::params(&state.db, me.scope()).await?;
    Ok(Sources {
        branch: d.person.org_name.clone(),
        committee: committee(state, me, &d.person).await?,
        probation_years: u32::try_from(params.get("dev.probation")).unwrap_or(1),
    })
}

/// The document of this kind for the person, or why it cannot be written yet (in Chinese).
pub fn document(kind: Kind, d: &PersonDetail, src: &Sources) -> Result<Document, String> {
    content::build(kind, d, src)
}

/// The documents that can be written for the person now (for the links on the person's page).
pub fn available(d: &PersonDetail) -> Vec<Kind> {
    // Availability depends on the records only, not on the organization names.
    let src = Sources { branch: String::new(), committee: None, probation_years: 1 };
    Kind::ALL.into_iter().filter(|k| document(*k, d, &src).is_ok()).collect()
}

/// One line of the list of documents.
pub struct DocRow {
    /// The key.
    pub key: &'static str,
    /// The name.
    pub label: &'static str,
    /// Why it is not available yet (empty when it is).
    pub missing: String,
}

/// `GET /recruits/{id}/documents`: every document, available or not and why.
#[derive(Template, WebTemplate)]
#[template(path = "recruits/documents.html")]
pub struct ListPage {
    ctx: Ctx,
    p: Person,
    rows: Vec<DocRow>,
    can_export: bool,
}

/// The printable page of one document.
#[derive(Template, WebTemplate)]
#[template(path = "recruits/document.html")]
pub struct DocumentPage {
    ctx: Ctx,
    p: Person,
    key: &'static str,
    label: &'static str,
    doc: Document,
    can_export: bool,
}

/// A document that cannot be written yet (answered with 404).
#[derive(Template, WebTemplate)]
#[template(path = "recruits/document_missing.html")]
pub struct MissingPage {
    ctx: Ctx,
    p: Person,
    label: &'static str,
    missing: String,
}

fn kind_of(key: &str) -> Result<Kind, PageError> {
    Kind::parse(key).ok_or(PageError::Status(StatusCode::NOT_FOUND, "没有这种文书，请检查地址。"))
}

/// `GET /recruits/{id}/documents`
pub async fn list(State(state): State<AppState>, me: Me, PagePath(id): PagePath<i64>) -> Result<ListPage, PageError> {
    require_read(&state, &me).await?;
    let d = recruit::get(&state.db, me.scope(), &me.meta, id).await?;
    let src = sources(&state, &me, &d).await?;
    let rows = Kind::ALL
        .into_iter()
        .map(|k| DocRow { key: k.key(), label: k.label(), missing: document(k, &d, &src).err().unwrap_or_default() })
        .collect();
    Ok(ListPage {
        ctx: Ctx::new(&me, format!("发展党员文书：{}", d.person.name), NAV),
        rows,
        can_export: me.scope().can(Right::Export),
        p: d.person,
    })
}

/// The person, the kind and the document, or the page saying what to record first.
async fn prepare(
    state: &AppState,
    me: &Me,
    id: i64,
    key: &str,
) -> Result<Result<(PersonDetail, Kind, Document), Response>, PageError> {
    let kind = kind_of(key)?;
    let d = recruit::get(&state.db, me.scope(), &me.meta, id).await?;
    let src = sources(state, me, &d).await?;
    match document(kind, &d, &src) {
        Ok(doc) => Ok(Ok((d, kind, doc))),
        Err(missing) => {
            let page = MissingPage {
                ctx: Ctx::new(me, format!("{}：{}", kind.label(), d.person.name), NAV),
                p: d.person,
                label: kind.label(),
                missing,
            };
            Ok(Err((StatusCode::NOT_FOUND, page).into_response()))
        }
    }
}

/// `GET /recruits/{id}/documents/{kind}`: the printable page.
pub async fn show(
    State(state): State<AppState>,
    me: Me,
    PagePath((id, key)): PagePath<(i64, String)>,
) -> Result<Response, PageError> {
    require_read(&state, &me).await?;
    let (d, kind, doc) = match prepare(&state, &me, id, &key).await? {
        Ok(v) => v,
        Err(missing) => return Ok(missing),
    };
    Ok(DocumentPage {
        ctx: Ctx::new(&me, format!("{}：{}", kind.label(), d.person.name), NAV),
        p: d.person,
        key: kind.key(),
        label: kind.label(),
        doc,
        can_export: me.scope().can(Right::Export),
    }
    .into_response())
}

/// `GET /recruits/{id}/documents/{kind}/docx`: the document as a Word file, audited as an export.
pub async fn docx(
    State(state): State<AppState>,
    me: Me,
    PagePath((id, key)): PagePath<(i64, String)>,
) -> Result<Response, PageError> {
    require_read(&state, &me).await?;
    let (d, kind, doc) = match prepare(&state, &me, id, &key).await? {
        Ok(v) => v,
        Err(missing) => return Ok(missing),
    };
    let p = &d.person;
    let bytes = jiceng_store::export::document(
        &state.db,
        me.scope(),
        &me.meta,
        "recruit_person",
        id,
        &p.org_path,
        kind.key(),
        &doc,
    )
    .await?;
    let name =
        if doc.title.contains(&d.person.name) { doc.title.clone() } else { format!("{}-{}", d.person.name, doc.title) };
    Ok(super::files::named(bytes, &format!("{name}.docx"), &format!("recruit-{id}-{}.docx", kind.key()), DOCX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_back_and_are_unique() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.key()), Some(k));
            assert_eq!(Kind::ALL.iter().filter(|o| o.label() == k.label()).count(), 1);
        }
        assert_eq!(Kind::parse("publicity"), None);
        assert_eq!(PublicityFor::Admission.step().number(), 17);
    }
}
