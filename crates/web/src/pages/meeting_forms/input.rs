//! The meeting forms as typed, and how they become a [`MeetingInput`]: every value stays a
//! string until it is parsed, so that a form with errors comes back exactly as it was sent.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use jiceng_store::meeting::{Attendance, Meeting, MeetingInput, RectificationInput, RosterMember, Source, VoteInput};
use jiceng_store::org::Org;
use jiceng_types::date::{parse_date, parse_optional_date};
use jiceng_types::{FieldError, MeetingKind, MemberId, OrgId, OrgKind};

use crate::view;

/// The most vote or rectification rows a form carries.
const MAX_ROWS: usize = 50;

/// The posted fields in order, repeated names kept.
pub(super) struct Posted(pub(super) Vec<(String, String)>);

impl Posted {
    /// The first value of `name`, or "".
    pub(super) fn one(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Every value of `name`, in order.
    pub(super) fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

fn none_if_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// One roster member on a form: ticked = present.
#[derive(Debug, Clone)]
pub struct AttendRow {
    /// The member.
    pub member_id: i64,
    /// Name.
    pub name: String,
    /// Present.
    pub present: bool,
    /// Why absent.
    pub reason: String,
    /// A member of the organization's Party committee in office (listed for a 支委会).
    pub committee: bool,
}

impl AttendRow {
    /// Mark the members of the committee (by member id).
    pub(super) fn mark_committee(rows: &mut [AttendRow], committee: &HashSet<i64>) {
        for r in rows {
            r.committee = committee.contains(&r.member_id);
        }
    }

    pub(super) fn roster(roster: &[RosterMember]) -> Vec<AttendRow> {
        roster
            .iter()
            .map(|m| AttendRow {
                member_id: m.id,
                name: m.name.clone(),
                present: true,
                reason: String::new(),
                committee: false,
            })
            .collect()
    }

    /// The rows as posted: every `member`, ticked if in `present`, with its `reason_<id>`.
    pub(super) fn posted(p: &Posted, names: &HashMap<i64, String>) -> Vec<AttendRow> {
        let present: HashSet<&str> = p.all("present").into_iter().collect();
        let mut seen = HashSet::new();
        p.all("member")
            .into_iter()
            .filter_map(|v| v.trim().parse::<i64>().ok())
            .filter(|id| seen.insert(*id))
            .map(|id| AttendRow {
                member_id: id,
                name: names.get(&id).cloned().unwrap_or_else(|| format!("（党员{id}）")),
                present: present.contains(id.to_string().as_str()),
                reason: p.one(&format!("reason_{id}")),
                committee: false,
            })
            .collect()
    }

    fn input(rows: &[AttendRow]) -> Vec<Attendance> {
        rows.iter()
            .map(|r| Attendance {
                member_id: MemberId(r.member_id),
                present: r.present,
                reason: if r.present { None } else { none_if_empty(&r.reason) },
            })
            .collect()
    }
}

/// The kind quick entry starts with: a 支委会 where a branch has a committee (seven full members
/// or more), a 主题党日 in a smaller one, a 党委会议 above the branches.
pub fn default_kind(org: &Org) -> MeetingKind {
    if org.kind.is_branch() || org.kind == OrgKind::GeneralBranch {
        if org.member_count >= 7 { MeetingKind::CommitteeMeeting } else { MeetingKind::ThemeDay }
    } else {
        MeetingKind::PartyCommitteeMeeting
    }
}

/// A 第一议题 item offered on a form.
#[derive(Debug, Clone)]
pub struct StudyOption {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Published on.
    pub published_on: NaiveDate,
}

/// The quick-entry form as typed.
#[derive(Debug, Clone, Default)]
pub struct QuickForm {
    /// Kind key.
    pub kind: String,
    /// Date.
    pub held_on: String,
    /// Topic.
    pub topic: String,
    /// The 第一议题 item (id), or "".
    pub study_item: String,
    /// The roster with who was present.
    pub attendance: Vec<AttendRow>,
}

impl QuickForm {
    /// How many are ticked present.
    pub fn present(&self) -> usize {
        self.attendance.iter().filter(|a| a.present).count()
    }

    pub(super) fn input(&self, org: OrgId, studies: &[StudyOption]) -> Result<MeetingInput, Vec<FieldError>> {
        let mut errs = Vec::new();
        let kind = MeetingKind::parse(&self.kind);
        if kind.is_none() {
            errs.push(FieldError::new("kinds", "required", "请选择会议类型"));
        }
        let held_on = parse_date(&self.held_on).map_err(|e| errs.push(e.on("held_on"))).ok();
        let study = match self.study_item.trim() {
            "" => None,
            s => match s.parse::<i64>().ok().and_then(|id| studies.iter().find(|x| x.id == id)) {
                Some(x) => Some(x),
                None => {
                    errs.push(FieldError::new("study_items", "study_item_not_found", "所选第一议题学习内容不可选"));
                    None
                }
            },
        };
        let (Some(kind), Some(held_on), true) = (kind, held_on, errs.is_empty()) else { return Err(errs) };
        let mut agenda = Vec::new();
        if let Some(s) = study {
            agenda.push(format!("第一议题：学习《{}》", s.title));
        }
        agenda.push(self.topic.trim().to_string());
        Ok(MeetingInput {
            org_id: org,
            group_id: None,
            kinds: vec![kind],
            held_on,
            topic: self.topic.clone(),
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
            attendance: AttendRow::input(&self.attendance),
            agenda,
            study_items: study.map(|s| vec![s.id]).unwrap_or_default(),
            votes: Vec::new(),
            rectifications: Vec::new(),
            source: Source::Quick,
        })
    }
}

/// A vote row as typed.
#[derive(Debug, Clone, Default)]
pub struct VoteForm {
    /// Subject.
    pub subject: String,
    /// An election.
    pub election: bool,
    /// 应到会有表决权人数.
    pub eligible: String,
    /// 实到.
    pub present: String,
    /// 赞成.
    pub in_favour: String,
    /// 反对.
    pub against: String,
    /// 弃权.
    pub abstain: String,
}

impl VoteForm {
    fn is_blank(&self) -> bool {
        [&self.subject, &self.eligible, &self.present, &self.in_favour, &self.against, &self.abstain]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

/// A rectification row as typed.
#[derive(Debug, Clone, Default)]
pub struct RectForm {
    /// The problem and measure.
    pub item: String,
    /// Responsible.
    pub owner: String,
    /// Due date.
    pub due_on: String,
}

/// The full form as typed.
#[derive(Debug, Clone, Default)]
pub struct MeetingForm {
    /// Kind keys ticked.
    pub kinds: Vec<String>,
    /// Party group id, or "".
    pub group_id: String,
    /// Date.
    pub held_on: String,
    /// Place.
    pub place: String,
    /// Presided by.
    pub host: String,
    /// Lecturer from the roster (id), or "".
    pub lecturer_member_id: String,
    /// Lecturer (free name).
    pub lecturer: String,
    /// Topic.
    pub topic: String,
    /// Agenda, one item per line.
    pub agenda: String,
    /// 第一议题 item ids.
    pub study_items: Vec<String>,
    /// Attendance from the roster.
    pub attendance: Vec<AttendRow>,
    /// Only the counts are known (an imported record, or an organization without a roster).
    pub counts_only: bool,
    /// 应到 (counts only).
    pub expected: String,
    /// 实到 (counts only).
    pub present: String,
    /// Absentees not in the roster.
    pub absent_note: String,
    /// Minutes.
    pub minutes: String,
    /// Decisions.
    pub decisions: String,
    /// Criticism and self-criticism.
    pub criticism: String,
    /// Votes (with blank rows to fill).
    pub votes: Vec<VoteForm>,
    /// Rectification list (with blank rows to fill).
    pub rectifications: Vec<RectForm>,
}

impl MeetingForm {
    /// The kind is ticked.
    pub fn has_kind(&self, key: &str) -> bool {
        self.kinds.iter().any(|k| k == key)
    }

    /// The study item is chosen.
    pub fn has_study(&self, id: &i64) -> bool {
        self.study_items.iter().any(|s| s.trim() == id.to_string())
    }

    /// How many are ticked present.
    pub fn present_count(&self) -> usize {
        self.attendance.iter().filter(|a| a.present).count()
    }

    /// Blank rows to fill in at the end of the vote and rectification lists.
    pub(super) fn with_blank_rows(mut self) -> Self {
        if self.votes.last().is_none_or(|v| !v.is_blank()) {
            self.votes.push(VoteForm::default());
        }
        let blank = self.rectifications.iter().rev().take_while(|r| r.item.trim().is_empty()).count();
        for _ in blank..2 {
            self.rectifications.push(RectForm::default());
        }
        self
    }

    pub(super) fn blank(org: &Org, roster: &[RosterMember]) -> Self {
        MeetingForm {
            kinds: vec![default_kind(org).key().into()],
            held_on: view::today().to_string(),
            attendance: AttendRow::roster(roster),
            counts_only: roster.is_empty(),
            ..Default::default()
        }
        .with_blank_rows()
    }

    pub(super) fn of(m: &Meeting) -> Self {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        MeetingForm {
            kinds: m.row.kinds.iter().map(|k| k.key().to_string()).collect(),
            group_id: m.row.group_id.map(|g| g.to_string()).unwrap_or_default(),
            held_on: m.row.held_on.to_string(),
            place: s(&m.place),
            host: s(&m.host),
            lecturer_member_id: m.lecturer_member_id.map(|l| l.0.to_string()).unwrap_or_default(),
            lecturer: s(&m.lecturer),
            topic: m.row.topic.clone(),
            agenda: m.agenda.join("\n"),
            study_items: m.study_items.iter().map(|s| s.id.to_string()).collect(),
            attendance: m
                .attendance
                .iter()
                .map(|a| AttendRow {
                    member_id: a.member_id.0,
                    name: a.name.clone(),
                    present: a.present,
                    reason: s(&a.reason),
                    committee: false,
                })
                .collect(),
            counts_only: m.attendance.is_empty(),
            expected: m.row.expected.to_string(),
            present: m.row.present.to_string(),
            absent_note: s(&m.absent_note),
            minutes: s(&m.minutes),
            decisions: s(&m.decisions),
            criticism: s(&m.criticism),
            votes: m
                .votes
                .iter()
                .map(|v| VoteForm {
                    subject: v.subject.clone(),
                    election: v.election,
                    eligible: v.eligible.to_string(),
                    present: v.present.to_string(),
                    in_favour: v.in_favour.to_string(),
                    against: v.against.to_string(),
                    abstain: v.abstain.to_string(),
                })
                .collect(),
            rectifications: m
                .rectifications
                .iter()
                .map(|r| RectForm {
                    item: r.item.clone(),
                    owner: s(&r.owner),
                    due_on: r.due_on.map(|d| d.to_string()).unwrap_or_default(),
                })
                .collect(),
        }
        .with_blank_rows()
    }

    pub(super) fn posted(p: &Posted, names: &HashMap<i64, String>) -> Self {
        let mut votes = Vec::new();
        for i in 0..MAX_ROWS {
            let f = |n: &str| p.one(&format!("vote_{i}_{n}"));
            if !p.has(&format!("vote_{i}_subject")) {
                break;
            }
            votes.push(VoteForm {
                subject: f("subject"),
                election: !f("election").is_empty(),
                eligible: f("eligible"),
                present: f("present"),
                in_favour: f("in_favour"),
                against: f("against"),
                abstain: f("abstain"),
            });
        }
        let mut rectifications = Vec::new();
        for i in 0..MAX_ROWS {
            if !p.has(&format!("rect_{i}_item")) {
                break;
            }
            let f = |n: &str| p.one(&format!("rect_{i}_{n}"));
            rectifications.push(RectForm { item: f("item"), owner: f("owner"), due_on: f("due_on") });
        }
        MeetingForm {
            kinds: p.all("kinds").into_iter().map(str::to_string).collect(),
            group_id: p.one("group_id"),
            held_on: p.one("held_on"),
            place: p.one("place"),
            host: p.one("host"),
            lecturer_member_id: p.one("lecturer_member_id"),
            lecturer: p.one("lecturer"),
            topic: p.one("topic"),
            agenda: p.one("agenda"),
            study_items: p.all("study_items").into_iter().map(str::to_string).collect(),
            attendance: AttendRow::posted(p, names),
            counts_only: p.one("counts_only") == "1",
            expected: p.one("expected"),
            present: p.one("present_count"),
            absent_note: p.one("absent_note"),
            minutes: p.one("minutes"),
            decisions: p.one("decisions"),
            criticism: p.one("criticism"),
            votes,
            rectifications,
        }
    }

    pub(super) fn input(&self, org: OrgId, source: Source) -> Result<MeetingInput, Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut kinds = Vec::new();
        for k in &self.kinds {
            match MeetingKind::parse(k) {
                Some(k) if !kinds.contains(&k) => kinds.push(k),
                Some(_) => {}
                None => errs.push(FieldError::new("kinds", "bad_kind", "没有这种会议类型")),
            }
        }
        let held_on = parse_date(&self.held_on).map_err(|e| errs.push(e.on("held_on"))).ok();
        let id = |field: &str, v: &str, errs: &mut Vec<FieldError>| match v.trim() {
            "" => None,
            s => s.parse::<i64>().map_err(|_| errs.push(FieldError::new(field, "bad_choice", "请重新选择"))).ok(),
        };
        let group_id = id("group_id", &self.group_id, &mut errs);
        let lecturer_member_id = id("lecturer", &self.lecturer_member_id, &mut errs).map(MemberId);
        let study_items: Vec<i64> = self.study_items.iter().filter_map(|s| id("study_items", s, &mut errs)).collect();
        let count = |field: &str, v: &str, errs: &mut Vec<FieldError>| -> u32 {
            match v.trim() {
                "" => 0,
                s => s.parse::<u32>().unwrap_or_else(|_| {
                    errs.push(FieldError::new(field, "bad_number", "请填写不小于0的整数"));
                    0
                }),
            }
        };
        let (expected, present) = if self.counts_only {
            (count("expected", &self.expected, &mut errs), count("present", &self.present, &mut errs))
        } else {
            (0, 0)
        };
        let mut votes = Vec::new();
        for (i, v) in self.votes.iter().enumerate().filter(|(_, v)| !v.is_blank()) {
            let field = format!("votes.{i}");
            let n = |s: &str, errs: &mut Vec<FieldError>| count(&field, s, errs);
            if [&v.eligible, &v.present, &v.in_favour].iter().any(|s| s.trim().is_empty()) {
                errs.push(FieldError::new(&field, "required", "请填写应到、实到和赞成人数"));
            }
            votes.push(VoteInput {
                subject: v.subject.trim().to_string(),
                election: v.election,
                eligible: n(&v.eligible, &mut errs),
                present: n(&v.present, &mut errs),
                in_favour: n(&v.in_favour, &mut errs),
                against: n(&v.against, &mut errs),
                abstain: n(&v.abstain, &mut errs),
            });
        }
        let mut rectifications = Vec::new();
        for (i, r) in self.rectifications.iter().enumerate() {
            if r.item.trim().is_empty() && r.owner.trim().is_empty() && r.due_on.trim().is_empty() {
                continue;
            }
            let due_on = parse_optional_date(&r.due_on)
                .map_err(|e| errs.push(e.on(&format!("rectifications.{i}"))))
                .ok()
                .flatten();
            rectifications.push(RectificationInput {
                item: r.item.trim().to_string(),
                owner: none_if_empty(&r.owner),
                due_on,
            });
        }
        let Some(held_on) = held_on else { return Err(errs) };
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(MeetingInput {
            org_id: org,
            group_id,
            kinds,
            held_on,
            topic: self.topic.clone(),
            place: none_if_empty(&self.place),
            host: none_if_empty(&self.host),
            lecturer_member_id,
            lecturer: none_if_empty(&self.lecturer),
            minutes: none_if_empty(&self.minutes),
            decisions: none_if_empty(&self.decisions),
            criticism: none_if_empty(&self.criticism),
            absent_note: none_if_empty(&self.absent_note),
            expected,
            present,
            attendance: if self.counts_only { Vec::new() } else { AttendRow::input(&self.attendance) },
            agenda: self.agenda.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
            study_items,
            votes,
            rectifications,
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn attendance_comes_from_the_posted_roster() {
        let names = HashMap::from([(1, "甲".to_string()), (2, "乙".to_string())]);
        let p =
            posted(&[("member", "1"), ("member", "2"), ("member", "1"), ("present", "1"), ("reason_2", "外出务工")]);
        let rows = AttendRow::posted(&p, &names);
        assert_eq!(rows.len(), 2);
        assert!(rows[0].present);
        assert_eq!((rows[1].present, rows[1].reason.as_str()), (false, "外出务工"));
        let input = AttendRow::input(&rows);
        assert_eq!(input[1].reason.as_deref(), Some("外出务工"));
    }

    #[test]
    fn blank_vote_and_rectification_rows_are_skipped() {
        let p = posted(&[
            ("kinds", "general_meeting"),
            ("held_on", "2025-03-01"),
            ("topic", "接收预备党员"),
            ("counts_only", "1"),
            ("expected", "10"),
            ("present_count", "9"),
            ("vote_0_subject", "接收张三为预备党员"),
            ("vote_0_eligible", "10"),
            ("vote_0_present", "9"),
            ("vote_0_in_favour", "9"),
            ("vote_1_subject", ""),
            ("rect_0_item", ""),
            ("rect_1_item", "学习制度落实不够"),
            ("rect_1_due_on", "2025-6-30"),
        ]);
        let f = MeetingForm::posted(&p, &HashMap::new());
        let input = f.input(OrgId(1), Source::Form).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((input.expected, input.present), (10, 9));
        assert_eq!(input.votes.len(), 1);
        assert_eq!(input.rectifications.len(), 1);
        assert_eq!(input.rectifications[0].due_on, NaiveDate::from_ymd_opt(2025, 6, 30));
        let p = posted(&[
            ("kinds", "general_meeting"),
            ("held_on", "x"),
            ("vote_0_subject", "表决"),
            ("vote_0_eligible", "十"),
        ]);
        let errs = MeetingForm::posted(&p, &HashMap::new()).input(OrgId(1), Source::Form).err().unwrap_or_default();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"held_on") && fields.contains(&"votes.0"), "{fields:?}");
    }
}
