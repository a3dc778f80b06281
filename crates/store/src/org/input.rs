//! Turning what a user typed (a form, an API body, an import row) into a checked organization.

use chrono::NaiveDate;
use jiceng_types::date::parse_optional_date;
use jiceng_types::{FieldError, OrgCode, OrgDomain, OrgId, OrgKind, OrgName};
use serde::{Deserialize, Serialize};

/// The organization fields as typed, all text. Re-rendered as-is when a form has errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgDraft {
    /// 上级组织 (id), empty for a root.
    pub parent_id: String,
    /// 组织代码.
    pub code: String,
    /// 组织名称.
    pub name: String,
    /// 组织类别 (key or label).
    pub kind: String,
    /// 所属领域 (key or label).
    pub domain: String,
    /// 成立日期.
    pub established_on: String,
    /// 本届任期开始.
    pub term_start: String,
    /// 本届届满日期.
    pub term_end: String,
}

/// A checked organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgInput {
    /// Parent, `None` for a root.
    pub parent_id: Option<OrgId>,
    /// Code.
    pub code: OrgCode,
    /// Name.
    pub name: OrgName,
    /// Kind.
    pub kind: OrgKind,
    /// Domain.
    pub domain: OrgDomain,
    /// 成立日期.
    pub established_on: Option<NaiveDate>,
    /// 本届任期开始.
    pub term_start: Option<NaiveDate>,
    /// 本届届满日期.
    pub term_end: Option<NaiveDate>,
}

impl OrgDraft {
    /// The draft of an existing organization (to fill an edit form).
    pub fn of(org: &super::Org) -> Self {
        let d = |v: Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
        OrgDraft {
            parent_id: org.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            code: org.code.clone(),
            name: org.name.clone(),
            kind: org.kind.key().to_string(),
            domain: org.domain.key().to_string(),
            established_on: d(org.established_on),
            term_start: d(org.term_start),
            term_end: d(org.term_end),
        }
    }

    /// Check every field; all errors are returned together.
    pub fn parse(&self, today: NaiveDate) -> Result<OrgInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let parent_id = match self.parent_id.trim() {
            "" => None,
            s => match s.parse::<OrgId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(FieldError::new("parent_id", "bad_parent", "上级组织无效"));
                    None
                }
            },
        };
        let code = OrgCode::parse(&self.code).map_err(|e| errors.push(e.on("code"))).ok();
        let name = OrgName::parse(&self.name).map_err(|e| errors.push(e.on("name"))).ok();
        let kind = OrgKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "bad_kind", "请选择组织类别"));
        }
        let domain = OrgDomain::parse(&self.domain);
        if domain.is_none() {
            errors.push(FieldError::new("domain", "bad_domain", "请选择所属领域"));
        }
        let mut date =
            |field: &str, v: &str| parse_optional_date(v).map_err(|e| errors.push(e.on(field))).ok().flatten();
        let established_on = date("established_on", &self.established_on);
        let term_start = date("term_start", &self.term_start);
        let term_end = date("term_end", &self.term_end);
        if established_on.is_some_and(|d| d > today) {
            errors.push(FieldError::new("established_on", "in_future", "成立日期不能晚于今天"));
        }
        if let (Some(s), Some(e)) = (term_start, term_end)
            && e <= s
        {
            errors.push(FieldError::new("term_end", "before_start", "届满日期应晚于任期开始日期"));
        }
        if let (Some(est), Some(s)) = (established_on, term_start)
            && s < est
        {
            errors.push(FieldError::new("term_start", "before_established", "任期开始日期不能早于成立日期"));
        }
        match (code, name, kind, domain) {
            (Some(code), Some(name), Some(kind), Some(domain)) if errors.is_empty() => {
                Ok(OrgInput { parent_id, code, name, kind, domain, established_on, term_start, term_end })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn good() -> OrgDraft {
        OrgDraft {
            parent_id: "3".into(),
            code: "cg-01".into(),
            name: "城关镇第一党支部".into(),
            kind: "党支部".into(),
            domain: "rural".into(),
            established_on: "2001-07-01".into(),
            term_start: "2021-05-01".into(),
            term_end: "2026-04-30".into(),
        }
    }

    #[test]
    fn parses_a_good_draft() {
        let i = good().parse(today()).unwrap();
        assert_eq!(i.parent_id, Some(OrgId(3)));
        assert_eq!(i.code.as_str(), "CG-01");
        assert_eq!(i.kind, OrgKind::Branch);
        assert_eq!(i.domain, OrgDomain::Rural);
    }

    #[test]
    fn reports_every_bad_field() {
        let d = OrgDraft {
            parent_id: "x".into(),
            code: "".into(),
            kind: "团支部".into(),
            term_end: "2020-01-01".into(),
            ..good()
        };
        let errs = d.parse(today()).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["parent_id", "code", "kind", "term_end"]);
    }

    #[test]
    fn refuses_future_establishment() {
        let d = OrgDraft { established_on: "2030-01-01".into(), term_start: "".into(), ..good() };
        assert_eq!(d.parse(today()).unwrap_err()[0].code, "in_future");
    }
}
