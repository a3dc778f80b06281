//! Turning what a user typed (the appointment form, an API body) into a checked team row.
//!
//! A Party member is picked from the roster, and their name, gender, birth date and education are
//! taken from the record; only a villagers' committee member who is not a Party member is typed.

use chrono::NaiveDate;
use jiceng_types::date::parse_date;
use jiceng_types::person::{Education, Gender, PersonName};
use jiceng_types::{FieldError, MemberId};
use serde::{Deserialize, Serialize};

use super::{Committee, Post, TeamMember};

/// The team fields as typed, all text. Re-rendered as-is when a form has errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TeamDraft {
    /// 所在班子: `party` (党组织委员会) or `village` (村民委员会).
    pub committee: String,
    /// The member record (id), empty for a villagers' committee member who is not a Party member.
    pub member_id: String,
    /// 姓名 (typed only without a member record).
    pub name: String,
    /// 性别 (typed only without a member record).
    pub gender: String,
    /// 出生日期 (typed only without a member record).
    pub birth_date: String,
    /// 学历 (typed only without a member record).
    pub education: String,
    /// 职务.
    pub post: String,
    /// 分工 (组织委员, 宣传委员, …), optional.
    pub title: String,
    /// 一肩挑 (a checkbox: any of `1`, `on`, `true`).
    pub dual_role: String,
    /// 任职日期.
    pub started_on: String,
    /// End the current 书记/主任's term on the new one's first day (a checkbox).
    pub replace_current: String,
}

/// Who holds the post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    /// A Party member of the organization (details from the member record).
    Member(MemberId),
    /// Someone without a member record (a villagers' committee member who is not in the Party).
    Typed {
        /// 姓名.
        name: PersonName,
        /// 性别.
        gender: Gender,
        /// 出生日期.
        birth_date: NaiveDate,
        /// 学历.
        education: Education,
    },
}

/// A checked team row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamInput {
    /// Which committee.
    pub committee: Committee,
    /// Who.
    pub person: Person,
    /// 职务 (one of the committee's posts).
    pub post: Post,
    /// 分工.
    pub title: Option<String>,
    /// 一肩挑 (only a Party secretary).
    pub dual_role: bool,
    /// 任职日期 (not in the future).
    pub started_on: NaiveDate,
    /// End the current head's term on `started_on` instead of refusing a second head.
    pub replace_current: bool,
}

fn checked(v: &str) -> bool {
    matches!(v.trim(), "1" | "on" | "true" | "yes" | "是")
}

/// The whole years between two dates.
fn years(from: NaiveDate, to: NaiveDate) -> i32 {
    crate::member::whole_years(from, to)
}

impl TeamDraft {
    /// The draft of an existing row (to fill the edit form).
    pub fn of(t: &TeamMember) -> TeamDraft {
        TeamDraft {
            committee: t.committee.key().into(),
            member_id: t.member_id.map(|m| m.to_string()).unwrap_or_default(),
            name: t.name.clone(),
            gender: t.gender.map(|g| g.key().to_string()).unwrap_or_default(),
            birth_date: t.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            education: t.education.map(|e| e.key().to_string()).unwrap_or_default(),
            post: t.post.key().into(),
            title: t.title.clone().unwrap_or_default(),
            dual_role: if t.dual_role { "1".into() } else { String::new() },
            started_on: t.started_on.to_string(),
            replace_current: String::new(),
        }
    }

    /// True if the 一肩挑 box is ticked.
    pub fn dual_role_checked(&self) -> bool {
        checked(&self.dual_role)
    }

    /// True if the "replace the current head" box is ticked.
    pub fn replace_checked(&self) -> bool {
        checked(&self.replace_current)
    }

    /// Check every field; all errors are returned together.
    pub fn parse(&self, today: NaiveDate) -> Result<TeamInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let committee = Committee::parse(&self.committee);
        if committee.is_none() {
            errors.push(FieldError::new("committee", "bad_committee", "请选择党组织委员会或村民委员会"));
        }
        let post = match (Post::parse(&self.post), committee) {
            (None, _) => {
                errors.push(FieldError::new("post", "bad_post", "请选择职务"));
                None
            }
            (Some(p), Some(c)) if !c.posts().contains(&p) => {
                let names: Vec<&str> = c.posts().iter().map(|p| p.label()).collect();
                errors.push(FieldError::new(
                    "post",
                    "post_not_in_committee",
                    format!("{}的职务为{}", c.label(), names.join("、")),
                ));
                None
            }
            (p, _) => p,
        };
        let started_on = parse_date(&self.started_on).map_err(|e| errors.push(e.on("started_on"))).ok();
        if started_on.is_some_and(|d| d > today) {
            errors.push(FieldError::new("started_on", "in_future", "任职日期不能晚于今天"));
        }
        let person = match self.member_id.trim() {
            "" if committee == Some(Committee::Party) => {
                errors.push(FieldError::new("member_id", "required", "党组织委员会成员须为党员，请从党员名单中选择"));
                None
            }
            "" => self.typed(today, started_on, &mut errors),
            id => match id.parse::<MemberId>() {
                Ok(m) => Some(Person::Member(m)),
                Err(_) => {
                    errors.push(FieldError::new("member_id", "bad_member", "请从党员名单中选择"));
                    None
                }
            },
        };
        let title = jiceng_types::text::normalize(&self.title);
        if title.chars().count() > 20 || jiceng_types::text::has_control(&title) {
            errors.push(FieldError::new("title", "too_long", "分工不能超过20个字"));
        }
        let dual_role = self.dual_role_checked();
        if dual_role && (committee != Some(Committee::Party) || post != Some(Post::Secretary)) {
            errors.push(FieldError::new(
                "dual_role",
                "not_secretary",
                "只有村党组织书记可以“一肩挑”（兼任村民委员会主任）",
            ));
        }
        match (committee, person, post, started_on) {
            (Some(committee), Some(person), Some(post), Some(started_on)) if errors.is_empty() => Ok(TeamInput {
                committee,
                person,
                post,
                title: Some(title).filter(|t| !t.is_empty()),
                dual_role,
                started_on,
                replace_current: self.replace_checked(),
            }),
            _ => Err(errors),
        }
    }

    /// The typed person (every field required: the structure view needs age and education).
    fn typed(&self, today: NaiveDate, started_on: Option<NaiveDate>, errors: &mut Vec<FieldError>) -> Option<Person> {
        let name = PersonName::parse(&self.name).map_err(|e| errors.push(e.on("name"))).ok();
        let gender = Gender::parse_loose(&self.gender);
        if gender.is_none() {
            errors.push(FieldError::new("gender", "bad_gender", "请选择性别"));
        }
        let birth_date = match self.birth_date.trim() {
            "" => {
                errors.push(FieldError::new("birth_date", "required", "请填写出生日期"));
                None
            }
            b => parse_date(b).map_err(|e| errors.push(e.on("birth_date"))).ok(),
        };
        if let Some(b) = birth_date {
            if b >= today {
                errors.push(FieldError::new("birth_date", "in_future", "出生日期应早于今天"));
            } else if started_on.is_some_and(|s| years(b, s) < 18) {
                errors.push(FieldError::new("birth_date", "under_18", "任职时应年满18周岁"));
            }
        }
        let education = Education::parse_loose(&self.education);
        if education.is_none() {
            errors.push(FieldError::new("education", "bad_education", "请选择学历"));
        }
        match (name, gender, birth_date, education) {
            (Some(name), Some(gender), Some(birth_date), Some(education)) => {
                Some(Person::Typed { name, gender, birth_date, education })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn village() -> TeamDraft {
        TeamDraft {
            committee: "village".into(),
            name: "王 五".into(),
            gender: "男".into(),
            birth_date: "1980-02-03".into(),
            education: "高中".into(),
            post: "委员".into(),
            title: "妇女主任".into(),
            started_on: "2021-05-01".into(),
            ..Default::default()
        }
    }

    #[test]
    fn parses_a_typed_villagers_committee_member() {
        let i = village().parse(today()).unwrap();
        assert_eq!(i.committee, Committee::Village);
        assert_eq!(i.post, Post::CommitteeMember);
        assert_eq!(i.title.as_deref(), Some("妇女主任"));
        let Person::Typed { name, .. } = i.person else { panic!("typed") };
        assert_eq!(name.as_str(), "王五");
    }

    #[test]
    fn party_committee_needs_a_member_record() {
        let d = TeamDraft { committee: "party".into(), post: "书记".into(), ..village() };
        let errs = d.parse(today()).unwrap_err();
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), vec!["member_id"]);
        let d = TeamDraft { member_id: "12".into(), ..d };
        assert_eq!(d.parse(today()).unwrap().person, Person::Member(MemberId(12)));
    }

    #[test]
    fn reports_every_bad_field() {
        let d = TeamDraft {
            post: "书记".into(),
            birth_date: "2015-01-01".into(),
            education: "".into(),
            started_on: "2026-06-02".into(),
            dual_role: "on".into(),
            ..village()
        };
        let errs = d.parse(today()).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["post", "started_on", "birth_date", "education", "dual_role"]);
    }
}
