//! Data-quality checks of the organization tree and the member roster (数据质量检查): the gaps a
//! county's organization department otherwise finds by hand in Excel.
//!
//! Each check is a function of facts about one organization or one member, today's date and the
//! parameters; the store gathers the facts for a scope and calls [`check`].

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};
use jiceng_types::OrgKind;
use jiceng_types::person::{MemberCategory, MemberStatus};
use serde::Serialize;

/// Thresholds of the checks, with the defaults of the rules table (§16); a county may override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QualityParams {
    /// `org.branch_min_formal`: a branch needs at least this many full members.
    pub branch_min_formal: u32,
    /// `org.branch_max_members`: a branch should not exceed this many members.
    pub branch_max_members: u32,
    /// `org.committee_required_formal`: with this many full members a branch must have a committee.
    pub committee_required_formal: u32,
    /// `dev.min_age`: the minimum age at admission.
    pub min_age: u32,
    /// `dev.probation` in months: probation ends after this long.
    pub probation_months: u32,
    /// `member.lost_contact_suspend` in months.
    pub lost_contact_months: u32,
    /// `member.suspended_remove_after` in months (2 years).
    pub suspended_remove_months: u32,
    /// `member.transfer_if_away_fixed` in months.
    pub away_fixed_months: u32,
    /// `member.transfer_pending_days`: a transfer not accepted within this many days is flagged.
    pub transfer_pending_days: u32,
}

impl Default for QualityParams {
    fn default() -> Self {
        QualityParams {
            branch_min_formal: 3,
            branch_max_members: 50,
            committee_required_formal: 7,
            min_age: 18,
            probation_months: 12,
            lost_contact_months: 6,
            suspended_remove_months: 24,
            away_fixed_months: 6,
            transfer_pending_days: 30,
        }
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Should be looked at.
    Notice,
    /// Breaks a rule; should be fixed.
    Warning,
    /// Breaks a hard rule of the Party constitution or regulations.
    Error,
}

impl Severity {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Notice => "提示",
            Severity::Warning => "警示",
            Severity::Error => "问题",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// An organization (id).
    Org(i64),
    /// A member (id).
    Member(i64),
    /// A membership transfer (id).
    Transfer(i64),
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule, by its parameter key.
    pub rule_id: &'static str,
    /// How serious.
    pub severity: Severity,
    /// The record to fix.
    pub subject: Subject,
    /// The organization it belongs to (for scoping and grouping).
    pub org_id: i64,
    /// The explanation in Chinese, with the numbers.
    pub message: String,
    /// Since when the situation holds, where known.
    pub since: Option<NaiveDate>,
}

/// What the checks need to know about an active organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFacts {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// End of the current term.
    pub term_end: Option<NaiveDate>,
    /// Active full members directly in it.
    pub full_members: u32,
    /// Active probationary members directly in it.
    pub probationary_members: u32,
    /// Members of its committee currently in office (书记、副书记、委员).
    pub committee_size: u32,
    /// It has a secretary in office.
    pub has_secretary: bool,
    /// Since when the secretary's post has been empty (the last secretary's end date), if known.
    pub secretary_vacant_since: Option<NaiveDate>,
}

/// What the checks need to know about a member (any status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFacts {
    /// Id.
    pub id: i64,
    /// The organization the member belongs to.
    pub org_id: i64,
    /// That organization is active (not merged or dissolved).
    pub org_active: bool,
    /// Name.
    pub name: String,
    /// Status.
    pub status: MemberStatus,
    /// Category.
    pub category: MemberCategory,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// 入党日期.
    pub admitted_on: NaiveDate,
    /// 延长预备期至 (an extension decision).
    pub probation_extended_until: Option<NaiveDate>,
    /// Blind index of the ID-card number (for duplicates), if recorded.
    pub id_card_idx: Option<String>,
    /// 失联 since.
    pub out_of_contact_since: Option<NaiveDate>,
    /// 停止党籍 since.
    pub suspended_on: Option<NaiveDate>,
    /// 外出流动 since (mobile out of the county).
    pub mobile_since: Option<NaiveDate>,
    /// Where to, when out.
    pub mobile_out_to: Option<String>,
}

/// A pending membership transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferFacts {
    /// Id.
    pub id: i64,
    /// The sending organization.
    pub from_org_id: i64,
    /// The member's name.
    pub member_name: String,
    /// When it was started.
    pub started_on: NaiveDate,
}

fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// Every rule of these checks: its id and its name in Chinese.
pub const RULES: [(&str, &str); 13] = [
    ("org.branch_min_formal", "党支部正式党员不足3人"),
    ("org.branch_max_members", "党支部党员超过50人"),
    ("org.committee_required_formal", "正式党员7人以上未设支委会"),
    ("org.secretary_vacant", "书记空缺"),
    ("org.term.expired", "任期届满未换届"),
    ("member.org_required", "党员所在组织已撤销或合并"),
    ("member.duplicate_id", "身份证号重复"),
    ("dev.min_age", "入党时未满18周岁"),
    ("dev.probation", "预备期满未转正或延长"),
    ("member.lost_contact_suspend", "失联超过6个月未停止党籍"),
    ("member.suspended_remove_after", "停止党籍满2年未处理"),
    ("member.transfer_if_away_fixed", "外出超过6个月未转接组织关系"),
    ("member.transfer_pending", "组织关系转接超期未接收"),
];

/// The Chinese name of a rule (the id itself if unknown).
pub fn rule_label(rule_id: &str) -> &str {
    RULES.iter().find(|(id, _)| *id == rule_id).map(|(_, l)| *l).unwrap_or(rule_id)
}

/// Age in whole years on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Run every check.
pub fn check(
    orgs: &[OrgFacts],
    members: &[MemberFacts],
    transfers: &[TransferFacts],
    today: NaiveDate,
    p: &QualityParams,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for o in orgs {
        check_org(o, today, p, &mut out);
    }
    for m in members {
        check_member(m, today, p, &mut out);
    }
    duplicates(members, &mut out);
    for t in transfers {
        let due = t.started_on + chrono::Days::new(u64::from(p.transfer_pending_days));
        if today > due {
            out.push(Finding {
                rule_id: "member.transfer_pending",
                severity: Severity::Warning,
                subject: Subject::Transfer(t.id),
                org_id: t.from_org_id,
                message: format!(
                    "{}的组织关系转接自{}发起，已超过{}天未被接收",
                    t.member_name, t.started_on, p.transfer_pending_days
                ),
                since: Some(t.started_on),
            });
        }
    }
    out
}

fn check_org(o: &OrgFacts, today: NaiveDate, p: &QualityParams, out: &mut Vec<Finding>) {
    let finding = |rule_id, severity, message: String, since| Finding {
        rule_id,
        severity,
        subject: Subject::Org(o.id),
        org_id: o.id,
        message,
        since,
    };
    if o.kind.is_branch() {
        let total = o.full_members + o.probationary_members;
        if o.full_members < p.branch_min_formal && o.kind == OrgKind::Branch {
            out.push(finding(
                "org.branch_min_formal",
                Severity::Warning,
                format!(
                    "{}只有{}名正式党员，少于成立党支部所需的{}名（可组建联合党支部）",
                    o.name, o.full_members, p.branch_min_formal
                ),
                None,
            ));
        }
        if total > p.branch_max_members {
            out.push(finding(
                "org.branch_max_members",
                Severity::Warning,
                format!(
                    "{}有{}名党员，超过党支部一般不超过{}人的规定，应考虑分设或成立党总支",
                    o.name, total, p.branch_max_members
                ),
                None,
            ));
        }
        if o.full_members >= p.committee_required_formal && o.committee_size < 3 {
            out.push(finding(
                "org.committee_required_formal",
                Severity::Warning,
                format!("{}有{}名正式党员，应当设立支部委员会（3至5人），目前未设", o.name, o.full_members),
                None,
            ));
        }
    }
    if !o.has_secretary {
        let message = match o.secretary_vacant_since {
            Some(since) => format!("{}书记空缺，自{}起已空缺{}天", o.name, since, (today - since).num_days().max(0)),
            None => format!("{}未配备书记", o.name),
        };
        out.push(finding("org.secretary_vacant", Severity::Warning, message, o.secretary_vacant_since));
    }
    if let Some(end) = o.term_end
        && end < today
    {
        out.push(finding(
            "org.term.expired",
            Severity::Warning,
            format!("{}本届任期已于{}届满，已超期{}天未换届", o.name, end, (today - end).num_days()),
            Some(end),
        ));
    }
}

fn check_member(m: &MemberFacts, today: NaiveDate, p: &QualityParams, out: &mut Vec<Finding>) {
    let finding = |rule_id, severity, message: String, since| Finding {
        rule_id,
        severity,
        subject: Subject::Member(m.id),
        org_id: m.org_id,
        message,
        since,
    };
    if m.status == MemberStatus::Left {
        return;
    }
    if !m.org_active {
        out.push(finding(
            "member.org_required",
            Severity::Error,
            format!("{}所在的党组织已撤销或合并，应转入其他党组织", m.name),
            None,
        ));
    }
    let age = age_on(m.birth_date, m.admitted_on);
    if age < p.min_age as i32 {
        out.push(finding(
            "dev.min_age",
            Severity::Error,
            format!("{}入党时（{}）未满{}周岁（时年{}岁）", m.name, m.admitted_on, p.min_age, age),
            Some(m.admitted_on),
        ));
    }
    if m.status == MemberStatus::Active && m.category == MemberCategory::Probationary {
        let due = add_months(m.admitted_on, p.probation_months);
        let extended = m.probation_extended_until.is_some_and(|d| d >= today);
        if today > due && !extended {
            out.push(finding(
                "dev.probation",
                Severity::Error,
                format!("{}预备期已于{}期满，尚无转正或延长预备期的决定", m.name, due),
                Some(due),
            ));
        }
    }
    if let (MemberStatus::Active, Some(since)) = (m.status, m.out_of_contact_since) {
        let due = add_months(since, p.lost_contact_months);
        if today > due {
            out.push(finding(
                "member.lost_contact_suspend",
                Severity::Warning,
                format!("{}自{}失去联系已超过{}个月，尚无停止党籍的决定", m.name, since, p.lost_contact_months),
                Some(since),
            ));
        }
    }
    if let (MemberStatus::Suspended, Some(since)) = (m.status, m.suspended_on) {
        let due = add_months(since, p.suspended_remove_months);
        if today > due {
            out.push(finding(
                "member.suspended_remove_after",
                Severity::Warning,
                format!(
                    "{}自{}停止党籍已满{}个月，仍无法取得联系的应按自行脱党予以除名",
                    m.name, since, p.suspended_remove_months
                ),
                Some(since),
            ));
        }
    }
    // Only members who went out (流出); a member who came in (流入) has a `mobile_since` too.
    if let (MemberStatus::Active, Some(since), Some(to)) = (m.status, m.mobile_since, m.mobile_out_to.as_deref()) {
        let due = add_months(since, p.away_fixed_months);
        if today > due {
            out.push(finding(
                "member.transfer_if_away_fixed",
                Severity::Notice,
                format!(
                    "{}自{}外出到{}已超过{}个月，地点相对固定的应转接组织关系",
                    m.name, since, to, p.away_fixed_months
                ),
                Some(since),
            ));
        }
    }
}

fn duplicates(members: &[MemberFacts], out: &mut Vec<Finding>) {
    let mut by_id: HashMap<&str, Vec<&MemberFacts>> = HashMap::new();
    for m in members.iter().filter(|m| m.status != MemberStatus::Left) {
        if let Some(idx) = m.id_card_idx.as_deref() {
            by_id.entry(idx).or_default().push(m);
        }
    }
    let mut groups: Vec<Vec<&MemberFacts>> = by_id.into_values().filter(|g| g.len() > 1).collect();
    groups.sort_by_key(|g| g.iter().map(|m| m.id).min());
    for group in groups {
        let ids: Vec<String> = group.iter().map(|m| format!("{}（编号{}）", m.name, m.id)).collect();
        for m in &group {
            out.push(Finding {
                rule_id: "member.duplicate_id",
                severity: Severity::Error,
                subject: Subject::Member(m.id),
                org_id: m.org_id,
                message: format!("身份证号重复：{}登记为同一人", ids.join("、")),
                since: None,
            });
        }
    }
}

#[cfg(test)]
mod tests;
