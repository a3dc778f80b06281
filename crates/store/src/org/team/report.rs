//! What the teams add up to: term reminders (换届提醒) and the structure of the village 两委
//! across a township (the "一升一降" picture: education up, age down).
//!
//! Reminders follow rule ORG-09 and the practice of reminding 6 and 3 months before a term ends
//! and every month after it ran out. Months are calendar months; a day that does not exist in the
//! target month is its last day (rules §0.2).

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use jiceng_types::{OrgId, OrgKind, OrgStatus, Right, Scope};
use sea_orm::sea_query::{Expr, ExprTrait};
use serde::Serialize;

use super::{Committee, Post, TeamMember, fetch_rows, select_in_scope};
use crate::error::{StoreError, StoreResult};
use crate::{Db, Meta};

/// How close a term's end is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderLevel {
    /// Within 6 months of the end (届满前6个月): prepare the election.
    Due6,
    /// Within 3 months of the end, the end day included (届满前3个月): apply for it.
    Due3,
    /// The term has ended without an election (已超期).
    Overdue,
}

impl ReminderLevel {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            ReminderLevel::Due6 => "届满前6个月",
            ReminderLevel::Due3 => "届满前3个月",
            ReminderLevel::Overdue => "已超期",
        }
    }
}

/// The reminder for a term ending on `term_end`, seen on `today`, with the whole months it has
/// been overdue (0 unless overdue). `None` more than 6 months before the end.
pub fn reminder_for(term_end: NaiveDate, today: NaiveDate) -> Option<(ReminderLevel, u32)> {
    if today > term_end {
        let mut months = 0u32;
        while term_end.checked_add_months(Months::new(months + 1)).is_some_and(|d| d <= today) {
            months += 1;
        }
        return Some((ReminderLevel::Overdue, months));
    }
    let before = |n: u32| term_end.checked_sub_months(Months::new(n)).unwrap_or(term_end);
    if today >= before(3) {
        Some((ReminderLevel::Due3, 0))
    } else if today >= before(6) {
        Some((ReminderLevel::Due6, 0))
    } else {
        None
    }
}

/// A term that ends soon or has ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    /// The organization.
    pub org_id: OrgId,
    /// Its name.
    pub org_name: String,
    /// Its code.
    pub org_code: String,
    /// Its kind.
    pub kind: OrgKind,
    /// 本届届满日期.
    pub term_end: NaiveDate,
    /// How close.
    pub level: ReminderLevel,
    /// Whole months overdue (0 if not overdue).
    pub months_overdue: u32,
    /// Days until the end (negative once it has passed).
    pub days_left: i64,
}

impl Reminder {
    /// What the reminder says: `届满前3个月（还有40天）`, `今日届满`, `已超期2个月`.
    pub fn text(&self) -> String {
        match self.level {
            ReminderLevel::Overdue if self.months_overdue == 0 => "已届满，超期不足1个月".to_string(),
            ReminderLevel::Overdue => format!("已超期{}个月", self.months_overdue),
            ReminderLevel::Due3 if self.days_left == 0 => "今日届满".to_string(),
            level => format!("{}（还有{}天）", level.label(), self.days_left),
        }
    }

    /// The badge class: overdue and the last 3 months are urgent.
    pub fn urgent(&self) -> bool {
        self.level != ReminderLevel::Due6
    }
}

/// The term reminders of the active organizations in scope on `today`, most urgent (the earliest
/// end) first.
pub async fn term_reminders(db: &Db, scope: &Scope, today: NaiveDate) -> StoreResult<Vec<Reminder>> {
    if !scope.can(Right::ReadOrgs) {
        return Err(StoreError::forbidden("no_org_right", "您没有查看组织体系的权限"));
    }
    // A loose bound in SQL (month ends make "6 months before the end" and "6 months after today"
    // differ by a few days); the exact rule is applied below.
    let horizon = today.checked_add_months(Months::new(7)).unwrap_or(today);
    let q = crate::org::select_in_scope(scope)
        .and_where(Expr::col(("org", "status")).eq(OrgStatus::Active.key()))
        .and_where(Expr::col(("org", "term_end")).is_not_null())
        .and_where(Expr::col(("org", "term_end")).lte(horizon))
        .take();
    let orgs = crate::org::fetch_all(db.conn(), &q, crate::org::Sort::Code).await?;
    let mut out: Vec<Reminder> = orgs
        .into_iter()
        .filter_map(|o| {
            let end = o.term_end?;
            let (level, months_overdue) = reminder_for(end, today)?;
            Some(Reminder {
                org_id: o.id,
                org_name: o.name,
                org_code: o.code,
                kind: o.kind,
                term_end: end,
                level,
                months_overdue,
                days_left: (end - today).num_days(),
            })
        })
        .collect();
    out.sort_by(|a, b| (a.term_end, &a.org_code).cmp(&(b.term_end, &b.org_code)));
    Ok(out)
}

/// The age bands of the structure view.
pub const AGE_BANDS: [&str; 4] = ["35岁及以下", "36–45岁", "46–55岁", "56岁及以上"];

fn band(age: i32) -> usize {
    match age {
        ..=35 => 0,
        36..=45 => 1,
        46..=55 => 2,
        _ => 3,
    }
}

/// The 两委 of one village (or the totals of all of them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StructureRow {
    /// The village's Party organization (`None` for the totals).
    pub org_id: Option<OrgId>,
    /// Its name (合计 for the totals).
    pub org_name: String,
    /// Villages counted (1 for a village).
    pub villages: u32,
    /// People in office in either committee (someone in both counts once).
    pub people: u32,
    /// Of which in the Party committee.
    pub party: u32,
    /// Of which in the villagers' committee.
    pub village: u32,
    /// By age band ([`AGE_BANDS`]).
    pub age_bands: [u32; 4],
    /// Age unknown.
    pub age_unknown: u32,
    /// 大专及以上.
    pub college: u32,
    /// 大专以下.
    pub below_college: u32,
    /// Education unknown.
    pub education_unknown: u32,
    /// Villages whose secretary is 一肩挑.
    pub dual_role: u32,
    /// Villages without a secretary in office.
    pub no_secretary: u32,
    /// Sum of known ages (for the average).
    pub age_sum: u32,
}

fn share(part: u32, whole: u32) -> String {
    if whole == 0 { "—".into() } else { format!("{:.1}%", f64::from(part) * 100.0 / f64::from(whole)) }
}

impl StructureRow {
    /// Average age, one decimal, or `—`.
    pub fn average_age(&self) -> String {
        let known = self.people - self.age_unknown;
        if known == 0 { "—".into() } else { format!("{:.1}", f64::from(self.age_sum) / f64::from(known)) }
    }

    /// Share of 大专及以上 among those whose education is known.
    pub fn college_share(&self) -> String {
        share(self.college, self.college + self.below_college)
    }

    /// Share of 35岁及以下 among those whose age is known.
    pub fn young_share(&self) -> String {
        share(self.age_bands[0], self.people - self.age_unknown)
    }

    /// Share of villages whose secretary is 一肩挑.
    pub fn dual_role_share(&self) -> String {
        share(self.dual_role, self.villages)
    }

    fn add(&mut self, o: &StructureRow) {
        self.villages += o.villages;
        self.people += o.people;
        self.party += o.party;
        self.village += o.village;
        for (a, b) in self.age_bands.iter_mut().zip(o.age_bands) {
            *a += b;
        }
        self.age_unknown += o.age_unknown;
        self.college += o.college;
        self.below_college += o.below_college;
        self.education_unknown += o.education_unknown;
        self.dual_role += o.dual_role;
        self.no_secretary += o.no_secretary;
        self.age_sum += o.age_sum;
    }
}

/// The 两委 structure below an organization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Structure {
    /// One row per village, by code.
    pub rows: Vec<StructureRow>,
    /// The totals.
    pub total: StructureRow,
}

/// One village's row from its team rows in office.
fn village_row(org_id: OrgId, org_name: String, rows: &[&TeamMember], today: NaiveDate) -> StructureRow {
    let mut r = StructureRow { org_id: Some(org_id), org_name, villages: 1, ..Default::default() };
    // Someone in both committees (交叉任职) counts once: by member record, else name and birth.
    let mut people: Vec<&TeamMember> = Vec::new();
    for t in rows {
        match t.committee {
            Committee::Party => r.party += 1,
            Committee::Village => r.village += 1,
        }
        let same = |p: &&TeamMember| match (p.member_id, t.member_id) {
            (Some(a), Some(b)) => a == b,
            _ => p.name == t.name && p.birth_date == t.birth_date,
        };
        if !people.iter().any(same) {
            people.push(t);
        }
    }
    r.people = u32::try_from(people.len()).unwrap_or(u32::MAX);
    for p in &people {
        match p.age(today) {
            Some(age) => {
                r.age_bands[band(age)] += 1;
                r.age_sum += u32::try_from(Ord::max(age, 0)).unwrap_or(0);
            }
            None => r.age_unknown += 1,
        }
        match p.education {
            Some(e) if e.is_college_or_above() => r.college += 1,
            Some(_) => r.below_college += 1,
            None => r.education_unknown += 1,
        }
    }
    let secretary = rows.iter().find(|t| t.committee == Committee::Party && t.post == Post::Secretary);
    r.dual_role = u32::from(secretary.is_some_and(|s| s.dual_role));
    r.no_secretary = u32::from(secretary.is_none());
    r
}

/// The 两委 structure of the villages in the subtree of an organization in scope, on `today`:
/// every village (a rural organization with its villagers' committee recorded) and the people in
/// office in its two committees, by age band and education, with the share of 一肩挑. Needs the
/// right to read member data.
pub async fn structure(db: &Db, scope: &Scope, meta: &Meta, org_id: OrgId, today: NaiveDate) -> StoreResult<Structure> {
    if !scope.can(Right::ReadMembers) {
        return Err(StoreError::forbidden("no_member_right", "您没有查看班子成员信息的权限"));
    }
    let top = crate::org::get(db, scope, meta, org_id).await?;
    let q = select_in_scope(scope)
        .and_where(Expr::col(("o", "path")).gte(top.path.as_str()))
        .and_where(Expr::col(("o", "path")).lt(top.path.upper_bound()))
        .and_where(Expr::col(("o", "status")).eq(OrgStatus::Active.key()))
        .and_where(Expr::col(("o", "domain")).eq(jiceng_types::OrgDomain::Rural.key()))
        .and_where(Expr::col(("t", "ended_on")).is_null())
        .take();
    let rows = fetch_rows(db.conn(), &q).await?;
    let mut out =
        Structure { total: StructureRow { org_name: "合计".into(), ..Default::default() }, ..Default::default() };
    if rows.is_empty() {
        return Ok(out);
    }
    let codes: BTreeMap<OrgId, String> = {
        let ids: std::collections::BTreeSet<i64> = rows.iter().map(|t| t.org_id.0).collect();
        let q = crate::org::select_in_scope(scope).and_where(Expr::col(("org", "id")).is_in(ids)).take();
        crate::org::fetch_all(db.conn(), &q, crate::org::Sort::Code)
            .await?
            .into_iter()
            .map(|o| (o.id, o.code))
            .collect()
    };
    let mut by_org: BTreeMap<OrgId, Vec<&TeamMember>> = BTreeMap::new();
    for t in &rows {
        by_org.entry(t.org_id).or_default().push(t);
    }
    for (org, team) in by_org {
        if !team.iter().any(|t| t.committee == Committee::Village) {
            continue;
        }
        let name = team.first().map(|t| t.org_name.clone()).unwrap_or_default();
        let row = village_row(org, name, &team, today);
        out.total.add(&row);
        out.rows.push(row);
    }
    let code = |r: &StructureRow| r.org_id.and_then(|o| codes.get(&o).cloned()).unwrap_or_default();
    out.rows.sort_by_key(code);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn reminders_at_every_boundary() {
        let end = d("2026-08-31");
        assert_eq!(reminder_for(end, d("2026-02-27")), None);
        // Six months before the 31st of August is the last day of February.
        assert_eq!(reminder_for(end, d("2026-02-28")), Some((ReminderLevel::Due6, 0)));
        assert_eq!(reminder_for(end, d("2026-05-30")), Some((ReminderLevel::Due6, 0)));
        assert_eq!(reminder_for(end, d("2026-05-31")), Some((ReminderLevel::Due3, 0)));
        assert_eq!(reminder_for(end, end), Some((ReminderLevel::Due3, 0)));
        assert_eq!(reminder_for(end, d("2026-09-01")), Some((ReminderLevel::Overdue, 0)));
        // One month after the 31st of August is the last day of September.
        assert_eq!(reminder_for(end, d("2026-09-29")), Some((ReminderLevel::Overdue, 0)));
        assert_eq!(reminder_for(end, d("2026-09-30")), Some((ReminderLevel::Overdue, 1)));
        assert_eq!(reminder_for(end, d("2027-03-01")), Some((ReminderLevel::Overdue, 6)));
    }

    #[test]
    fn bands_are_inclusive() {
        assert_eq!([35, 36, 45, 46, 55, 56].map(band), [0, 1, 1, 2, 2, 3]);
    }
}
