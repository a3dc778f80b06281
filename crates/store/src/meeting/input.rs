//! A meeting record as entered (form, quick entry or import), checked before it is stored.

use chrono::NaiveDate;
use jiceng_types::{FieldError, MeetingKind, MemberId, OrgId};
use serde::{Deserialize, Serialize};

/// Where a record was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The full form.
    Form,
    /// Quick entry on a phone.
    Quick,
    /// An Excel/CSV import of past records.
    Import,
}

impl Source {
    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Source::Form => "form",
            Source::Quick => "quick",
            Source::Import => "import",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Source::Form => "完整录入",
            Source::Quick => "快速录入",
            Source::Import => "批量导入",
        }
    }

    /// Parse a stored key.
    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "form" => Some(Source::Form),
            "quick" => Some(Source::Quick),
            "import" => Some(Source::Import),
            _ => None,
        }
    }
}

/// One member's attendance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendance {
    /// The member.
    pub member_id: MemberId,
    /// Present (到会) or absent.
    pub present: bool,
    /// Why absent (请假、外出务工 …).
    pub reason: Option<String>,
}

/// A vote taken in the meeting (e.g. admitting a member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteInput {
    /// What was voted on.
    pub subject: String,
    /// An election (选举): validity needs 4/5 present.
    pub election: bool,
    /// 应到会有表决权人数.
    pub eligible: u32,
    /// 实到会有表决权人数.
    pub present: u32,
    /// 赞成.
    pub in_favour: u32,
    /// 反对.
    pub against: u32,
    /// 弃权.
    pub abstain: u32,
}

/// One item of a 组织生活会's rectification list (整改清单).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationInput {
    /// The problem and the measure.
    pub item: String,
    /// Who is responsible.
    pub owner: Option<String>,
    /// By when.
    pub due_on: Option<NaiveDate>,
}

/// A meeting record to store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingInput {
    /// The organization that held it.
    pub org_id: OrgId,
    /// The Party group, for a 党小组会.
    pub group_id: Option<i64>,
    /// What kinds of meeting it was (at least one).
    pub kinds: Vec<MeetingKind>,
    /// The day it was held.
    pub held_on: NaiveDate,
    /// Topic (主题).
    pub topic: String,
    /// Place.
    pub place: Option<String>,
    /// Who presided (主持人).
    pub host: Option<String>,
    /// The 党课 lecturer, if a member of the roster.
    pub lecturer_member_id: Option<MemberId>,
    /// The 党课 lecturer's name (and title), if not in the roster or for display.
    pub lecturer: Option<String>,
    /// Minutes (会议记录).
    pub minutes: Option<String>,
    /// Decisions (决议/决定事项).
    pub decisions: Option<String>,
    /// For a 组织生活会: the criticism and self-criticism summary.
    pub criticism: Option<String>,
    /// Absentees named in an import that are not in the roster.
    pub absent_note: Option<String>,
    /// 应到人数: when the attendance list is given, its length.
    pub expected: u32,
    /// 实到人数: when the attendance list is given, the present ones.
    pub present: u32,
    /// The attendance list (empty when only the counts are known, e.g. imported records).
    pub attendance: Vec<Attendance>,
    /// The agenda items in order (the first may be the 第一议题 study).
    pub agenda: Vec<String>,
    /// The 第一议题 study items studied as the first agenda item.
    pub study_items: Vec<i64>,
    /// Votes taken.
    pub votes: Vec<VoteInput>,
    /// The rectification list (组织生活会).
    pub rectifications: Vec<RectificationInput>,
    /// Where it was entered.
    pub source: Source,
}

fn opt_len(errs: &mut Vec<FieldError>, field: &str, v: &Option<String>, max: usize, what: &str) {
    if v.as_deref().is_some_and(|s| s.chars().count() > max) {
        errs.push(FieldError::new(field, "too_long", format!("{what}不能超过{max}个字")));
    }
}

impl MeetingInput {
    /// Fill the counts from the attendance list when one is given.
    pub fn with_counts_from_attendance(mut self) -> Self {
        if !self.attendance.is_empty() {
            self.expected = u32::try_from(self.attendance.len()).unwrap_or(u32::MAX);
            self.present = u32::try_from(self.attendance.iter().filter(|a| a.present).count()).unwrap_or(u32::MAX);
        }
        self
    }

    /// Check what can be checked without the database; errors name the form field.
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut errs = Vec::new();
        if self.kinds.is_empty() {
            errs.push(FieldError::new("kinds", "required", "请选择会议类型"));
        }
        if self.held_on > today {
            errs.push(FieldError::new("held_on", "future", "会议日期不能晚于今天"));
        }
        if self.held_on < NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN) {
            errs.push(FieldError::new("held_on", "too_early", "会议日期不能早于2000年"));
        }
        let topic = self.topic.trim();
        if topic.is_empty() {
            errs.push(FieldError::new("topic", "required", "请填写会议主题"));
        } else if topic.chars().count() > 200 {
            errs.push(FieldError::new("topic", "too_long", "会议主题不能超过200个字"));
        }
        opt_len(&mut errs, "place", &self.place, 100, "地点");
        opt_len(&mut errs, "host", &self.host, 50, "主持人");
        opt_len(&mut errs, "lecturer", &self.lecturer, 100, "授课人");
        opt_len(&mut errs, "minutes", &self.minutes, 50_000, "会议记录");
        opt_len(&mut errs, "decisions", &self.decisions, 10_000, "决定事项");
        opt_len(&mut errs, "criticism", &self.criticism, 20_000, "批评与自我批评情况");
        opt_len(&mut errs, "absent_note", &self.absent_note, 1_000, "缺席人员");
        if self.kinds.contains(&MeetingKind::GroupMeeting) && self.group_id.is_none() {
            errs.push(FieldError::new("group_id", "required", "党小组会请选择党小组"));
        }
        if self.kinds.contains(&MeetingKind::Lecture)
            && self.lecturer_member_id.is_none()
            && self.lecturer.as_deref().is_none_or(|s| s.trim().is_empty())
        {
            errs.push(FieldError::new("lecturer", "required", "党课请填写授课人"));
        }
        if self.present > self.expected {
            errs.push(FieldError::new("present", "too_many", "实到人数不能多于应到人数"));
        }
        if self.expected > 100_000 {
            errs.push(FieldError::new("expected", "too_many", "应到人数不合理"));
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.attendance {
            if !seen.insert(a.member_id) {
                errs.push(FieldError::new("attendance", "duplicate", "参会人员有重复"));
                break;
            }
            if a.reason.as_deref().is_some_and(|r| r.chars().count() > 100) {
                errs.push(FieldError::new("attendance", "too_long", "缺席原因不能超过100个字"));
                break;
            }
        }
        if self.agenda.len() > 50 || self.agenda.iter().any(|a| a.chars().count() > 500) {
            errs.push(FieldError::new("agenda", "too_long", "议程最多50项，每项不超过500个字"));
        }
        for (i, v) in self.votes.iter().enumerate() {
            let field = format!("votes.{i}");
            if v.subject.trim().is_empty() {
                errs.push(FieldError::new(&field, "required", "请填写表决事项"));
            }
            if v.present > v.eligible {
                errs.push(FieldError::new(&field, "too_many", "到会有表决权人数不能多于应到会人数"));
            }
            if v.in_favour + v.against + v.abstain > v.present {
                errs.push(FieldError::new(&field, "too_many", "赞成、反对、弃权票合计不能多于到会人数"));
            }
        }
        for (i, r) in self.rectifications.iter().enumerate() {
            if r.item.trim().is_empty() || r.item.chars().count() > 500 {
                errs.push(FieldError::new(format!("rectifications.{i}"), "bad_item", "整改事项应为1至500个字"));
            }
        }
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    pub(crate) fn sample() -> MeetingInput {
        MeetingInput {
            org_id: OrgId(1),
            group_id: None,
            kinds: vec![MeetingKind::CommitteeMeeting],
            held_on: d(2025, 3, 5),
            topic: "研究部署春耕工作".into(),
            place: None,
            host: None,
            lecturer_member_id: None,
            lecturer: None,
            minutes: None,
            decisions: None,
            criticism: None,
            absent_note: None,
            expected: 0,
            present: 0,
            attendance: vec![
                Attendance { member_id: MemberId(1), present: true, reason: None },
                Attendance { member_id: MemberId(2), present: false, reason: Some("外出务工".into()) },
            ],
            agenda: vec![],
            study_items: vec![],
            votes: vec![],
            rectifications: vec![],
            source: Source::Quick,
        }
    }

    #[test]
    fn counts_come_from_the_attendance_list() {
        let m = sample().with_counts_from_attendance();
        assert_eq!((m.expected, m.present), (2, 1));
        assert!(m.validate(d(2025, 3, 5)).is_ok());
    }

    #[test]
    fn errors_name_the_field() {
        let mut m = sample();
        m.kinds = vec![MeetingKind::Lecture, MeetingKind::GroupMeeting];
        m.held_on = d(2025, 3, 6);
        m.topic = " ".into();
        m.present = 3;
        let errs = m.validate(d(2025, 3, 5)).err().unwrap_or_default();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["held_on", "topic", "group_id", "lecturer", "present"]);
    }

    #[test]
    fn votes_cannot_count_more_than_present() {
        let mut m = sample().with_counts_from_attendance();
        m.votes.push(VoteInput {
            subject: "接收张三为预备党员".into(),
            election: false,
            eligible: 10,
            present: 8,
            in_favour: 7,
            against: 1,
            abstain: 1,
        });
        assert!(m.validate(d(2025, 3, 5)).is_err());
    }
}
