//! Turning what a user typed (a form, an API body, an import row) into a checked member record.

use chrono::NaiveDate;
use jiceng_types::date::{parse_date, parse_optional_date};
use jiceng_types::idcard::IdCardNo;
use jiceng_types::person::{Education, Gender, MemberCategory, PersonName, parse_ethnicity};
use jiceng_types::phone::Phone;
use jiceng_types::{FieldError, OrgId};
use serde::{Deserialize, Serialize};

/// The member fields as typed, all text. Re-rendered as-is when a form has errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MemberDraft {
    /// 所在党组织 (id).
    pub org_id: String,
    /// 姓名.
    pub name: String,
    /// 性别 (may be left empty: taken from the ID number).
    pub gender: String,
    /// 民族.
    pub ethnicity: String,
    /// 出生日期 (may be left empty: taken from the ID number).
    pub birth_date: String,
    /// 公民身份号码.
    pub id_card: String,
    /// 学历.
    pub education: String,
    /// 手机号码.
    pub phone: String,
    /// 人员类别.
    pub category: String,
    /// 入党日期.
    pub admitted_on: String,
    /// 转正日期.
    pub regularized_on: String,
    /// 工作岗位.
    pub work_post: String,
    /// 户籍所在地或现居住地.
    pub residence: String,
}

/// A checked member record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInput {
    /// Organization.
    pub org_id: OrgId,
    /// Name.
    pub name: PersonName,
    /// Gender (agrees with the ID number).
    pub gender: Gender,
    /// Ethnic group (official name).
    pub ethnicity: &'static str,
    /// Birth date (agrees with the ID number).
    pub birth_date: NaiveDate,
    /// ID-card number.
    pub id_card: IdCardNo,
    /// Education.
    pub education: Education,
    /// Phone.
    pub phone: Option<Phone>,
    /// Full or probationary.
    pub category: MemberCategory,
    /// 入党日期.
    pub admitted_on: NaiveDate,
    /// 转正日期.
    pub regularized_on: Option<NaiveDate>,
    /// 工作岗位.
    pub work_post: Option<String>,
    /// 户籍所在地或现居住地.
    pub residence: Option<String>,
}

/// Trimmed, normalized text; `None` when blank; an error when longer than `max` characters.
pub(crate) fn optional_text(v: &str, field: &str, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    let s = jiceng_types::text::normalize(v);
    if s.is_empty() {
        return None;
    }
    if s.chars().count() > max {
        errors.push(FieldError::new(field, "too_long", format!("不能超过{max}个字")));
        return None;
    }
    Some(s)
}

/// The personal fields a member and a person in member development share, as typed.
pub(crate) struct IdentityText<'a> {
    pub(crate) name: &'a str,
    pub(crate) id_card: &'a str,
    pub(crate) gender: &'a str,
    pub(crate) birth_date: &'a str,
    pub(crate) ethnicity: &'a str,
    pub(crate) education: &'a str,
    pub(crate) phone: &'a str,
}

/// Those fields checked (each `None` where it has an error). Gender and birth date may be left
/// empty (taken from the ID number) and must agree with it.
pub(crate) struct Identity {
    pub(crate) name: Option<PersonName>,
    pub(crate) id_card: Option<IdCardNo>,
    pub(crate) gender: Option<Gender>,
    pub(crate) birth_date: Option<NaiveDate>,
    pub(crate) ethnicity: Option<&'static str>,
    pub(crate) education: Option<Education>,
    pub(crate) phone: Option<Phone>,
}

/// Check the shared personal fields, adding every error to `errors`.
pub(crate) fn parse_identity(t: IdentityText<'_>, errors: &mut Vec<FieldError>) -> Identity {
    let name = PersonName::parse(t.name).map_err(|e| errors.push(e.on("name"))).ok();
    let id_card = IdCardNo::parse(t.id_card).map_err(|e| errors.push(e.on("id_card"))).ok();
    let gender = match t.gender.trim() {
        "" => id_card.as_ref().map(IdCardNo::gender),
        g => match Gender::parse(g) {
            Some(g) => Some(g),
            None => {
                errors.push(FieldError::new("gender", "bad_gender", "性别应为“男”或“女”"));
                None
            }
        },
    };
    let birth_date = match t.birth_date.trim() {
        "" => id_card.as_ref().map(IdCardNo::birth_date),
        b => parse_date(b).map_err(|e| errors.push(e.on("birth_date"))).ok(),
    };
    if let (Some(id), Some(g)) = (&id_card, gender)
        && id.gender() != g
    {
        errors.push(FieldError::new("gender", "id_mismatch", "性别与身份证号不一致"));
    }
    if let (Some(id), Some(b)) = (&id_card, birth_date)
        && id.birth_date() != b
    {
        errors.push(FieldError::new("birth_date", "id_mismatch", "出生日期与身份证号不一致"));
    }
    let ethnicity = parse_ethnicity(t.ethnicity);
    if ethnicity.is_none() {
        errors.push(FieldError::new("ethnicity", "bad_ethnicity", "请填写民族，如“汉族”“苗族”"));
    }
    let education = Education::parse(t.education);
    if education.is_none() {
        errors.push(FieldError::new("education", "bad_education", "请选择学历"));
    }
    let phone = match t.phone.trim() {
        "" => None,
        p => Phone::parse(p).map_err(|e| errors.push(e.on("phone"))).ok(),
    };
    Identity { name, id_card, gender, birth_date, ethnicity, education, phone }
}

impl MemberDraft {
    /// Check every field, and the agreement between them; all errors are returned together.
    pub fn parse(&self, today: NaiveDate) -> Result<MemberInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let org_id = self
            .org_id
            .trim()
            .parse::<OrgId>()
            .map_err(|_| errors.push(FieldError::new("org_id", "required", "请选择所在党组织")))
            .ok();
        let Identity { name, id_card, gender, birth_date, ethnicity, education, phone } = parse_identity(
            IdentityText {
                name: &self.name,
                id_card: &self.id_card,
                gender: &self.gender,
                birth_date: &self.birth_date,
                ethnicity: &self.ethnicity,
                education: &self.education,
                phone: &self.phone,
            },
            &mut errors,
        );
        let category = MemberCategory::parse(&self.category);
        if category.is_none() {
            errors.push(FieldError::new("category", "bad_category", "请选择“正式党员”或“预备党员”"));
        }
        let admitted_on = parse_date(&self.admitted_on).map_err(|e| errors.push(e.on("admitted_on"))).ok();
        let regularized_on =
            parse_optional_date(&self.regularized_on).map_err(|e| errors.push(e.on("regularized_on"))).ok().flatten();
        if let Some(a) = admitted_on {
            if a > today {
                errors.push(FieldError::new("admitted_on", "in_future", "入党日期不能晚于今天"));
            }
            if birth_date.is_some_and(|b| a <= b) {
                errors.push(FieldError::new("admitted_on", "before_birth", "入党日期应晚于出生日期"));
            }
            if regularized_on.is_some_and(|r| r < a) {
                errors.push(FieldError::new("regularized_on", "before_admission", "转正日期不能早于入党日期"));
            }
        }
        if regularized_on.is_some_and(|r| r > today) {
            errors.push(FieldError::new("regularized_on", "in_future", "转正日期不能晚于今天"));
        }
        if category == Some(MemberCategory::Probationary) && regularized_on.is_some() {
            errors.push(FieldError::new("regularized_on", "probationary", "预备党员不应填写转正日期"));
        }
        let work_post = optional_text(&self.work_post, "work_post", 100, &mut errors);
        let residence = optional_text(&self.residence, "residence", 200, &mut errors);
        match (org_id, name, gender, ethnicity, birth_date, id_card, education, category, admitted_on) {
            (
                Some(org_id),
                Some(name),
                Some(gender),
                Some(ethnicity),
                Some(birth_date),
                Some(id_card),
                Some(education),
                Some(category),
                Some(admitted_on),
            ) if errors.is_empty() => Ok(MemberInput {
                org_id,
                name,
                gender,
                ethnicity,
                birth_date,
                id_card,
                education,
                phone,
                category,
                admitted_on,
                regularized_on,
                work_post,
                residence,
            }),
            _ => Err(errors),
        }
    }
}
