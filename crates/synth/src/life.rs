//! A year of organizational life (组织生活) in the synthetic county, so the meeting pages, the
//! compliance grid and the formalism signals have a real year to show from the first sign-in.
//!
//! Generated for the twelve months before `today` (from the first day of that quarter, so every
//! quarter checked is whole) and the current month up to today:
//!
//! - the county's 第一议题 register: two or three items a month (讲话精神, 重要指示批示精神,
//!   《求是》文章, 党中央决策部署), most for every level, some for the 党(工)委 only, most to be
//!   studied within 7 days, some within 15 or 30;
//! - Party groups (党小组) in branches of more than 30 members;
//! - every active branch: a monthly 主题党日 (in the first month of a quarter also the 支部党员大会
//!   and the 党课, on one record), a monthly 支部委员会 where three or more are in office, a monthly
//!   党小组会 per group, a 党课 by the secretary once a year, the yearly 组织生活会 with
//!   民主评议党员 in the fourth quarter (grades and a rectification list), 谈心谈话 in pairs
//!   covering everyone before it, votes where members were admitted, confirmed or elected;
//! - committees (县委, 党委, 党工委): 党委会议 and 中心组学习 every month, a 党课 by the secretary;
//!   general branches: their committee's meetings;
//! - training: a 集中培训, a 网络培训 and 集体学习 per organization a year, and a course for the
//!   secretaries and committee members;
//! - attendance from the roster (5–15% absent, migrant members mostly), minutes from templates with
//!   the organization's name, the month's theme and the 第一议题 studied, entered 0–3 days after
//!   the meeting by the branch's account where the demo has one (else the township's, else imported).
//!
//! And the gaps a real county has, a few percent of each, so every check finds something: months
//! without a 主题党日, 支委会 or 党小组会, quarters without a 党员大会 or 党课, secretaries who never
//! lecture, no 组织生活会 or no 民主评议, members nobody talked with, items studied late or not at
//! all, committee meetings without a first-agenda study, records entered weeks late, minutes copied
//! with the date changed (within and across branches), two accounts back-filling 20-odd old records
//! in one sitting, the same attendance list for 8 months, a committee meeting with half the
//! committee, votes short of a majority or of the election quorum, secretaries short of 56 hours.
//! The demo accounts' branch is left without gaps.
//!
//! Drawn from their own random stream, so adding them leaves the rest of the county unchanged.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, TimeDelta, Utc};
use jiceng_store::meeting::training::TrainingKind;
use jiceng_store::meeting::{Source, VoteInput};
use jiceng_store::org::team::{Committee, Post};
use jiceng_store::seed::{
    AppraisalSeed, AttendeeSeed, GroupSeed, LifeSeed, MeetingSeed, MemberSeed, OrgSeed, RectificationSeed,
    StudyItemSeed, TeamSeed, TrainingSeed, UserSeed,
};
use jiceng_types::person::{MemberCategory, MemberStatus};
use jiceng_types::{AppraisalGrade, MeetingKind, OrgDomain, OrgKind, OrgStatus, Period, Role, StudyLevel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::names::{Namer, ordinal, pick};
use crate::tree::{back, fwd};

// ---------------------------------------------------------------------------------------------
// Gaps, by organization.

const SKIP_THEME: u32 = 1;
const SKIP_COMMITTEE: u32 = 1 << 1;
const SKIP_GROUP: u32 = 1 << 2;
const NO_GENERAL: u32 = 1 << 3;
const NO_LECTURE: u32 = 1 << 4;
const SILENT_SECRETARY: u32 = 1 << 5;
const NO_ORG_LIFE: u32 = 1 << 6;
const NO_APPRAISAL: u32 = 1 << 7;
const TALK_GAP: u32 = 1 << 8;
const LATE_STUDY: u32 = 1 << 9;
const UNSTUDIED: u32 = 1 << 10;
const NO_FIRST_AGENDA: u32 = 1 << 11;
const LATE_ENTRY: u32 = 1 << 12;
const LEADER_HOURS: u32 = 1 << 13;
const NO_TRAINING: u32 = 1 << 14;

/// The branch gaps and the share of eligible branches that get each.
const BRANCH_GAPS: [(u32, f64); 15] = [
    (NO_TRAINING, 0.03),
    (SKIP_THEME, 0.03),
    (SKIP_COMMITTEE, 0.03),
    (SKIP_GROUP, 0.04),
    (NO_GENERAL, 0.02),
    (NO_LECTURE, 0.02),
    (SILENT_SECRETARY, 0.05),
    (NO_ORG_LIFE, 0.02),
    (NO_APPRAISAL, 0.02),
    (TALK_GAP, 0.03),
    (LATE_STUDY, 0.05),
    (UNSTUDIED, 0.03),
    (NO_FIRST_AGENDA, 0.02),
    (LATE_ENTRY, 0.03),
    (LEADER_HOURS, 0.04),
];

/// Why members miss a meeting.
const OUT_WORKING: &str = "外出务工";
const SICK: &str = "生病住院";
const LEAVE: &str = "请假";
const TRAVEL: &str = "出差";

// ---------------------------------------------------------------------------------------------
// Small helpers.

/// The last day of the month starting on `m`.
fn month_end(m: NaiveDate) -> NaiveDate {
    m.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(m)
}

/// `d` as written in minutes: 2025年5月8日.
fn cn_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// A time on day `d` between 9:00 and 21:00 China time.
fn china_time(d: NaiveDate, rng: &mut ChaCha8Rng) -> DateTime<Utc> {
    let t = NaiveTime::from_hms_opt(rng.random_range(9..21), rng.random_range(0..60), rng.random_range(0..60))
        .unwrap_or_default();
    (d.and_time(t) - TimeDelta::hours(8)).and_utc()
}

/// Up to `n` distinct elements of `from` (a partial shuffle, so deterministic).
fn sample<T: Copy>(rng: &mut ChaCha8Rng, from: &[T], n: usize) -> Vec<T> {
    let mut from = from.to_vec();
    let n = n.min(from.len());
    for i in 0..n {
        let j = rng.random_range(i..from.len());
        from.swap(i, j);
    }
    from.truncate(n);
    from
}

/// Between `n.start` and `n.end` (exclusive) distinct elements of `from`.
fn some<T: Copy>(rng: &mut ChaCha8Rng, from: &[T], n: std::ops::Range<usize>) -> Vec<T> {
    let k = rng.random_range(n);
    sample(rng, from, k)
}

/// Characters that count for the minutes' fingerprint (punctuation and spaces do not).
fn plain_len(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphanumeric()).count()
}

/// The first day of the quarter containing `d`.
fn quarter_start(d: NaiveDate) -> NaiveDate {
    Period::quarter_of(d).start()
}

// ---------------------------------------------------------------------------------------------
// The world the generator reads.

/// A member of an organization's Party committee for a time.
#[derive(Debug, Clone, Copy)]
struct Tenure {
    member: usize,
    secretary: bool,
    from: NaiveDate,
    to: Option<NaiveDate>,
}

impl Tenure {
    fn on(&self, d: NaiveDate) -> bool {
        self.from <= d && self.to.is_none_or(|t| d <= t)
    }
}

/// Where in its month a study item was published: the 支委会 follows the early one, the
/// 主题党日 the middle one; the late one waits for the next month or is for committees only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Early,
    Middle,
    Late,
}

/// A 第一议题 item as the generator schedules it.
#[derive(Debug, Clone)]
struct Item {
    id: i64,
    on: NaiveDate,
    days: i64,
    levels: Vec<StudyLevel>,
    slot: Slot,
    title: String,
}

impl Item {
    fn deadline(&self) -> NaiveDate {
        fwd(self.on, self.days)
    }

    fn applies(&self, level: StudyLevel) -> bool {
        self.levels.contains(&level)
    }
}

struct World<'a> {
    orgs: &'a [OrgSeed],
    members: &'a [MemberSeed],
    today: NaiveDate,
    /// The first day generated.
    start: NaiveDate,
    /// First days of the months generated.
    months: Vec<NaiveDate>,
    /// 草台县.
    county: String,
    /// Active members by organization index.
    roster: Vec<Vec<usize>>,
    /// Suspended members and those who left, by organization index.
    former: Vec<Vec<usize>>,
    /// Party committee tenures by organization index.
    team: Vec<Vec<Tenure>>,
    /// The account that enters an organization's records.
    recorder: Vec<Option<String>>,
    items: Vec<Item>,
    namer: Namer,
    /// Secretaries of committees whose secretary gives no 党课 (not even in their own branch).
    silent: Vec<usize>,
}

impl<'a> World<'a> {
    fn new(
        orgs: &'a [OrgSeed],
        members: &'a [MemberSeed],
        teams: &[TeamSeed],
        users: &[UserSeed],
        county: &str,
        today: NaiveDate,
    ) -> Self {
        let n = orgs.len();
        let idx = |id: i64| usize::try_from(id - 1).ok().filter(|&i| i < n && orgs[i].id == id);
        let mut roster = vec![Vec::new(); n];
        let mut former = vec![Vec::new(); n];
        for (i, m) in members.iter().enumerate() {
            if let Some(o) = idx(m.org_id) {
                if m.status == MemberStatus::Active { roster[o].push(i) } else { former[o].push(i) }
            }
        }
        let mut team = vec![Vec::new(); n];
        for t in teams.iter().filter(|t| t.committee == Committee::Party) {
            if let (Some(o), Some(member)) = (idx(t.org_id), t.member) {
                let secretary = t.post == Post::Secretary;
                team[o].push(Tenure { member, secretary, from: t.started_on, to: t.ended_on });
            }
        }
        // The branch's own account, else the township organizer's above it, else none (imported).
        let recorder = (0..n)
            .map(|o| {
                let own = users.iter().find(|u| u.role == Role::BranchSecretary && u.org_id == Some(orgs[o].id));
                if let Some(u) = own {
                    return Some(u.username.clone());
                }
                let mut at = Some(o);
                while let Some(i) = at {
                    let town = users.iter().find(|u| u.role == Role::TownshipAdmin && u.org_id == Some(orgs[i].id));
                    if let Some(u) = town {
                        return Some(u.username.clone());
                    }
                    at = orgs[i].parent_id.and_then(idx);
                }
                None
            })
            .collect();
        let back12 = today.checked_sub_months(Months::new(12)).unwrap_or(today);
        let start = quarter_start(back12);
        let mut months = Vec::new();
        let mut m = start;
        while m <= today {
            months.push(m);
            m = m.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX);
        }
        World {
            orgs,
            members,
            today,
            start,
            months,
            county: county.to_string(),
            roster,
            former,
            team,
            recorder,
            items: Vec::new(),
            namer: Namer::new(),
            silent: Vec::new(),
        }
    }

    fn name(&self, m: usize) -> &str {
        &self.members[m].name
    }

    /// How many of organization `o`'s committee are in office on `d` (as the rules count them).
    fn in_office(&self, o: usize, d: NaiveDate) -> usize {
        let mut ids: Vec<usize> = self.team[o].iter().filter(|t| t.on(d)).map(|t| t.member).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    /// The committee's organization department, for course organizers: 中共草台县委组织部.
    fn department(&self) -> String {
        format!("中共{}委组织部", self.county)
    }
}

// ---------------------------------------------------------------------------------------------
// What is being built.

/// How a record's text is to be written once its studies are known.
#[derive(Debug, Clone)]
enum Plan {
    /// 主题党日 (maybe also 党员大会 and 党课).
    ThemeDay { theme: &'static str, lecture: Option<(String, String)> },
    /// 支部委员会 (or 总支委员会).
    Committee { works: [&'static str; 2] },
    /// A 党员大会 held to study (branches without a committee).
    Study,
    /// 党小组会.
    Group { theme: &'static str },
    /// 谈心谈话 of two.
    Talk,
    /// A 党员大会 that voted.
    Vote,
    /// 组织生活会 and/or 民主评议.
    OrgLife { year: i32, excellent: usize },
    /// 党委(党组)会议.
    PartyCommittee { works: [&'static str; 2] },
    /// 理论学习中心组学习.
    CentralGroup,
    /// A committee secretary's 党课.
    Lecture { title: String },
}

#[derive(Default)]
struct Out {
    meetings: Vec<MeetingSeed>,
    plans: Vec<Plan>,
    appraisals: Vec<AppraisalSeed>,
    trainings: Vec<TrainingSeed>,
    groups: Vec<GroupSeed>,
}

impl Out {
    /// Add a meeting; its id is its position plus one.
    fn push(&mut self, mut m: MeetingSeed, plan: Plan) -> usize {
        m.id = self.meetings.len() as i64 + 1;
        self.meetings.push(m);
        self.plans.push(plan);
        self.meetings.len() - 1
    }

    /// Append another organization's records, renumbering their ids.
    fn absorb(&mut self, part: Out) {
        let (meetings, groups, trainings) =
            (self.meetings.len() as i64, self.groups.len() as i64, self.trainings.len() as i64);
        self.groups.extend(part.groups.into_iter().map(|mut g| {
            g.id += groups;
            g
        }));
        self.meetings.extend(part.meetings.into_iter().map(|mut m| {
            m.id += meetings;
            m.group_id = m.group_id.map(|g| g + groups);
            m
        }));
        self.plans.extend(part.plans);
        self.appraisals.extend(part.appraisals.into_iter().map(|mut a| {
            a.meeting_id = a.meeting_id.map(|m| m + meetings);
            a
        }));
        self.trainings.extend(part.trainings.into_iter().map(|mut t| {
            t.id += trainings;
            t
        }));
    }

    fn push_training(&mut self, mut t: TrainingSeed) {
        t.id = self.trainings.len() as i64 + 1;
        if !t.participants.is_empty() {
            self.trainings.push(t);
        }
    }
}

/// Generate the county's organizational life. `keep` are organizations left without gaps (the
/// demo accounts' branch).
#[allow(clippy::too_many_arguments)]
pub(crate) fn generate(
    orgs: &[OrgSeed],
    members: &[MemberSeed],
    teams: &[TeamSeed],
    users: &[UserSeed],
    county: &str,
    seed: u64,
    today: NaiveDate,
    keep: &[usize],
) -> LifeSeed {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0011_FE0F_0A11);
    let mut w = World::new(orgs, members, teams, users, county, today);
    let created_by = users
        .iter()
        .find(|u| u.role == Role::CountyAdmin)
        .map(|u| u.username.clone())
        .unwrap_or_else(|| "命令行".to_string());
    let root = orgs.first().map(|o| o.id).unwrap_or(1);
    let study_items = study_items(&mut w, root, &created_by, &mut rng);
    let flags = plan_gaps(&w, keep, &mut rng);
    for (o, f) in flags.iter().enumerate() {
        if f & SILENT_SECRETARY != 0 && !orgs[o].kind.is_branch() {
            w.silent.extend(w.team[o].iter().filter(|t| t.secretary).map(|t| t.member));
        }
    }
    // Each organization from its own stream, so they can be made on every core and the result
    // does not depend on how they are shared out.
    let one = |o: usize| {
        let org = &orgs[o];
        let mut out = Out::default();
        if org.status != OrgStatus::Active {
            return out;
        }
        let mut rng =
            ChaCha8Rng::seed_from_u64(seed ^ 0x0011_FE0F_0A11 ^ (org.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let unit = Unit::new(&w, o, flags[o], &mut rng);
        if org.kind.is_branch() {
            unit.branch(&mut out, &mut rng);
        } else if org.kind == OrgKind::GeneralBranch {
            unit.general_branch(&mut out, &mut rng);
        } else {
            unit.committee_org(&mut out, &mut rng);
        }
        unit.training(&mut out, &mut rng);
        out
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let parts: Vec<Vec<(usize, Out)>> = std::thread::scope(|s| {
        let one = &one;
        let handles: Vec<_> = (0..threads)
            .map(|k| s.spawn(move || (k..orgs.len()).step_by(threads).map(|o| (o, one(o))).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut parts: Vec<(usize, Out)> = parts.into_iter().flatten().collect();
    parts.sort_by_key(|p| p.0);
    let mut out = Out::default();
    for (_, part) in parts {
        out.absorb(part);
    }
    let mut gaps = Gaps { w: &w, out: &mut out, keep, rng: &mut rng, listed: None, flags: &flags, taken: Vec::new() };
    gaps.copied_minutes();
    gaps.same_attendance();
    gaps.half_committee();
    gaps.failed_votes();
    gaps.backfill(users);
    gaps.counts_only();
    let Out { meetings, appraisals, trainings, groups, .. } = out;
    LifeSeed { groups, study_items, meetings, appraisals, trainings }
}

// ---------------------------------------------------------------------------------------------
// The 第一议题 register.

const SPEECHES: [&str; 18] = [
    "在中央经济工作会议上",
    "在中央农村工作会议上",
    "在中央城市工作会议上",
    "在全国组织工作会议上",
    "在中央民族工作会议上",
    "在全国教育大会上",
    "在全国科技大会上",
    "在全国生态环境保护大会上",
    "在中央政治局集体学习时",
    "在中央全面深化改革委员会会议上",
    "在中央财经委员会会议上",
    "在二十届中央纪委全会上",
    "在民营企业座谈会上",
    "在中央周边工作会议上",
    "参加全国人大会议代表团审议时",
    "在庆祝全国人民代表大会成立70周年大会上",
    "在纪念抗日战争胜利80周年大会上",
    "在中央政治局民主生活会上",
];

const INSTRUCTIONS: [&str; 16] = [
    "防汛救灾工作",
    "安全生产工作",
    "森林防灭火工作",
    "粮食安全和耕地保护",
    "巩固拓展脱贫攻坚成果",
    "整治形式主义为基层减负",
    "铸牢中华民族共同体意识",
    "做好“三农”工作",
    "加强和改进人民信访工作",
    "生态文明建设",
    "党的建设",
    "基层治理",
    "就业工作",
    "民政工作",
    "卫生健康工作",
    "统一战线工作",
];

const ARTICLES: [&str; 10] = [
    "坚定不移推进全面从严治党",
    "加快建设农业强国",
    "以中国式现代化全面推进强国建设、民族复兴伟业",
    "坚持人民至上",
    "进一步全面深化改革中的几个重大问题",
    "坚持和加强党的全面领导",
    "全面推进美丽中国建设",
    "锲而不舍落实中央八项规定精神",
    "在新时代新征程上不断增强党的凝聚力战斗力",
    "推进中国式现代化需要处理好的若干重大关系",
];

const DECISIONS: [&str; 8] = [
    "深入贯彻中央八项规定精神学习教育",
    "推进乡村全面振兴",
    "加强党的基层组织建设",
    "进一步加强党员教育管理",
    "健全全面从严治党体系",
    "防范化解重大风险",
    "持续整治形式主义为基层减负",
    "做好当前经济工作",
];

const REGULATIONS: [&str; 4] = [
    "中国共产党纪律处分条例",
    "中国共产党支部工作条例（试行）",
    "中国共产党党员教育管理工作条例",
    "中国共产党农村基层组织工作条例",
];

/// Every title the register can use, with its source, shuffled.
fn titles(rng: &mut ChaCha8Rng) -> Vec<(String, &'static str)> {
    let mut all: Vec<(String, &'static str)> = Vec::new();
    for s in SPEECHES {
        all.push((
            format!("学习贯彻习近平总书记{s}的重要讲话精神"),
            if rng.random_bool(0.5) { "人民日报" } else { "新华社" },
        ));
    }
    for s in INSTRUCTIONS {
        all.push((format!("学习贯彻习近平总书记关于{s}的重要指示批示精神"), "新华社"));
    }
    for s in ARTICLES {
        all.push((format!("学习习近平总书记重要文章《{s}》"), "求是"));
    }
    for s in DECISIONS {
        all.push((format!("传达学习党中央关于{s}的决策部署"), "中央文件"));
    }
    for s in REGULATIONS {
        all.push((format!("学习《{s}》"), "中央文件"));
    }
    sample(rng, &(0..all.len()).collect::<Vec<_>>(), all.len()).into_iter().map(|i| all[i].clone()).collect()
}

/// Two or three items a month, kept by the county root.
fn study_items(w: &mut World<'_>, root: i64, created_by: &str, rng: &mut ChaCha8Rng) -> Vec<StudyItemSeed> {
    let mut pool = titles(rng);
    let all = StudyLevel::ALL.to_vec();
    let mut out = Vec::new();
    for (k, &m) in w.months.clone().iter().enumerate() {
        let late = rng.random_bool(0.45);
        let plan = [
            Some((Slot::Early, rng.random_range(1..=9))),
            Some((Slot::Middle, rng.random_range(11..=19))),
            late.then(|| (Slot::Late, rng.random_range(21..=27))),
        ];
        for (slot, day) in plan.into_iter().flatten() {
            let on = fwd(m, day - 1);
            let (levels, days) = match slot {
                Slot::Early => (all.clone(), 7),
                Slot::Middle => (all.clone(), if rng.random_bool(0.8) { 7 } else { 15 }),
                Slot::Late if rng.random_bool(0.5) => (vec![StudyLevel::Committee], 7),
                Slot::Late => (all.clone(), 30),
            };
            if on > w.today {
                continue;
            }
            let (title, source) = match pool.pop() {
                Some(t) => t,
                None => (format!("学习《习近平谈治国理政》第{}卷有关篇目", ordinal(k % 5 + 1)), "中央文件"),
            };
            let id = w.items.len() as i64 + 1;
            let note = match rng.random_range(0..4) {
                0 => Some("请各级党组织将其作为会议第一议题组织学习，并做好学习记录".to_string()),
                1 => Some("结合本地本单位实际抓好贯彻落实".to_string()),
                _ => None,
            };
            out.push(StudyItemSeed {
                id,
                org_id: root,
                title: title.clone(),
                source: Some(source.to_string()),
                published_on: on,
                levels: levels.clone(),
                within_days: Some(days as u32),
                note,
                created_by: created_by.to_string(),
                created_at: china_time(on, rng),
            });
            w.items.push(Item { id, on, days, levels, slot, title });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Which organizations get which gaps.

fn plan_gaps(w: &World<'_>, keep: &[usize], rng: &mut ChaCha8Rng) -> Vec<u32> {
    let n = w.orgs.len();
    let mut flags = vec![0u32; n];
    // Organizations that existed through the whole period (and its first year), so that every
    // gap is a finding.
    let year_start = NaiveDate::from_ymd_opt(w.start.year(), 1, 1).unwrap_or(w.start);
    let active = |o: usize| {
        w.orgs[o].status == OrgStatus::Active
            && !keep.contains(&o)
            && !w.roster[o].is_empty()
            && w.orgs[o].established_on.is_none_or(|e| e < year_start)
    };
    let branches: Vec<usize> = (0..n).filter(|&o| w.orgs[o].kind.is_branch() && active(o)).collect();
    for (flag, share) in BRANCH_GAPS {
        let eligible: Vec<usize> = match flag {
            SKIP_GROUP => branches.iter().copied().filter(|&o| w.roster[o].len() > 30).collect(),
            // A branch without a committee studies at 党员大会 every month: no quarter goes without.
            SKIP_COMMITTEE | NO_FIRST_AGENDA | LEADER_HOURS | NO_GENERAL => {
                branches.iter().copied().filter(|&o| w.team[o].iter().filter(|t| t.to.is_none()).count() >= 3).collect()
            }
            SILENT_SECRETARY => {
                branches.iter().copied().filter(|&o| w.team[o].iter().any(|t| t.secretary && t.to.is_none())).collect()
            }
            _ => branches.clone(),
        };
        let k = ((eligible.len() as f64 * share).round() as usize).max(1);
        for o in sample(rng, &eligible, k) {
            flags[o] |= flag;
        }
    }
    // Committees whose secretary gives no 党课.
    let committees: Vec<usize> = (0..n)
        .filter(|&o| {
            matches!(w.orgs[o].kind, OrgKind::Committee | OrgKind::WorkingCommittee)
                && w.orgs[o].status == OrgStatus::Active
                && !keep.contains(&o)
        })
        .collect();
    let k = ((committees.len() as f64 * 0.05).round() as usize).max(1);
    for o in sample(rng, &committees, k) {
        flags[o] |= SILENT_SECRETARY;
    }
    flags
}

// ---------------------------------------------------------------------------------------------
// One organization's year.

struct Unit<'w> {
    w: &'w World<'w>,
    o: usize,
    org: &'w OrgSeed,
    flags: u32,
    /// Share of members absent from a meeting.
    absence: f64,
    /// Quarterly 党课 on the second month's 主题党日 rather than the first's.
    split: bool,
    place: &'static str,
}

impl<'w> Unit<'w> {
    fn new(w: &'w World<'w>, o: usize, flags: u32, rng: &mut ChaCha8Rng) -> Self {
        let org = &w.orgs[o];
        let places: &[&'static str] = match org.domain {
            OrgDomain::Rural => &["村委会会议室", "村党群服务中心", "村新时代文明实践站"],
            OrgDomain::Community => &["社区党群服务中心", "社区会议室", "社区新时代文明实践站"],
            OrgDomain::Organ => &["机关三楼会议室", "机关党员活动室", "单位会议室"],
            OrgDomain::School => &["学校会议室", "学校党员活动室", "学校图书室"],
            OrgDomain::Health => &["医院会议室", "党员活动室", "院办公楼会议室"],
            _ => &["公司会议室", "党员活动室", "职工之家"],
        };
        Unit {
            w,
            o,
            org,
            flags,
            absence: rng.random_range(0.05..0.15),
            split: rng.random_bool(0.25),
            place: pick(rng, places),
        }
    }

    fn gap(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// The organization existed on the first day of the month.
    fn exists(&self, month: NaiveDate) -> bool {
        self.org.established_on.is_none_or(|e| e < month)
    }

    /// The organization existed on `d`.
    fn open(&self, d: NaiveDate) -> bool {
        self.org.established_on.is_none_or(|e| e <= d)
    }

    /// Members on the roster on `d` (joined before it).
    fn people(&self, d: NaiveDate) -> Vec<usize> {
        self.w.roster[self.o].iter().copied().filter(|&m| self.w.members[m].admitted_on < d).collect()
    }

    /// Full members on `d` (confirmed before it): those with a vote.
    fn full(&self, m: usize, d: NaiveDate) -> bool {
        let p = &self.w.members[m];
        p.category == MemberCategory::Full && p.regularized_on.is_none_or(|r| r < d)
    }

    /// The committee on `d`. Before a committee elected in the period took office, its members
    /// (most of them re-elected) sat on the one before, whose members are not on record.
    fn committee(&self, d: NaiveDate) -> Vec<Tenure> {
        let unique = |f: &dyn Fn(&Tenure) -> bool| {
            let mut seen: Vec<usize> = Vec::new();
            let mut out = Vec::new();
            for t in self.w.team[self.o].iter().filter(|t| f(t)) {
                if !seen.contains(&t.member) {
                    seen.push(t.member);
                    out.push(*t);
                }
            }
            out
        };
        let now = unique(&|t: &Tenure| t.on(d));
        if now.len() >= 3 {
            return now;
        }
        // Those in office then, and the committee about to take office.
        let next = unique(&|t: &Tenure| t.on(d) || (t.from > d && t.to.is_none()));
        if next.len() >= 3 { next } else { now }
    }

    fn secretary(&self, d: NaiveDate) -> Option<usize> {
        self.w.team[self.o].iter().find(|t| t.secretary && t.on(d)).map(|t| t.member)
    }

    /// Who presides: the secretary, else a committee member, else the longest-standing member.
    fn host(&self, d: NaiveDate) -> Option<usize> {
        self.secretary(d)
            .or_else(|| self.committee(d).first().map(|t| t.member))
            .or_else(|| self.people(d).into_iter().min_by_key(|&m| self.w.members[m].admitted_on))
    }

    fn reason(&self, rng: &mut ChaCha8Rng) -> &'static str {
        let choices: &[&'static str] = match self.org.domain {
            OrgDomain::Rural => &[OUT_WORKING, OUT_WORKING, LEAVE, LEAVE, SICK, TRAVEL],
            OrgDomain::Community => &[LEAVE, LEAVE, SICK, OUT_WORKING, TRAVEL],
            _ => &[TRAVEL, TRAVEL, LEAVE, LEAVE, SICK],
        };
        pick(rng, choices)
    }

    /// Attendance: most present; migrant members mostly away.
    fn attend(&self, people: &[usize], rng: &mut ChaCha8Rng) -> Vec<AttendeeSeed> {
        people
            .iter()
            .map(|&m| {
                let e = &self.w.members[m].extra;
                if e.out_of_contact_since.is_some() {
                    return AttendeeSeed { member: m, present: false, reason: Some(OUT_WORKING) };
                }
                if e.mobile_out_to.is_some() {
                    // 流动党员 sometimes join online.
                    let present = rng.random_bool(0.3);
                    return AttendeeSeed { member: m, present, reason: (!present).then_some(OUT_WORKING) };
                }
                if rng.random_bool(self.absence) {
                    AttendeeSeed { member: m, present: false, reason: Some(self.reason(rng)) }
                } else {
                    AttendeeSeed { member: m, present: true, reason: None }
                }
            })
            .collect()
    }

    /// Attendance where more than half must be present (committees, votes).
    fn attend_quorate(&self, people: &[usize], rng: &mut ChaCha8Rng) -> Vec<AttendeeSeed> {
        let mut list = self.attend(people, rng);
        let mut k = 0;
        while list.iter().filter(|a| a.present).count() * 2 <= list.len() && k < list.len() {
            if !list[k].present && self.w.members[list[k].member].extra.out_of_contact_since.is_none() {
                list[k] = AttendeeSeed { member: list[k].member, present: true, reason: None };
            }
            k += 1;
        }
        list
    }

    /// Who entered a record and when: normally within three days of the meeting.
    fn stamp(&self, d: NaiveDate, rng: &mut ChaCha8Rng) -> (Source, Option<String>, DateTime<Utc>) {
        let lag = if self.gap(LATE_ENTRY) && rng.random_bool(0.15) {
            rng.random_range(8..46)
        } else {
            rng.random_range(0..4)
        };
        let on = fwd(d, lag).min(self.w.today);
        let by = self.w.recorder[self.o].clone();
        let source = match by {
            None => Source::Import,
            Some(_) if rng.random_bool(0.3) => Source::Quick,
            Some(_) => Source::Form,
        };
        (source, by, china_time(on, rng))
    }

    /// A record with what every record has; the text comes later.
    fn meeting(
        &self,
        kinds: Vec<MeetingKind>,
        d: NaiveDate,
        attendance: Vec<AttendeeSeed>,
        rng: &mut ChaCha8Rng,
    ) -> MeetingSeed {
        let (source, recorded_by, recorded_at) = self.stamp(d, rng);
        let host = self.host(d);
        let mut attendance = attendance;
        // Whoever presides is there.
        for a in attendance.iter_mut().filter(|a| Some(a.member) == host) {
            a.present = true;
            a.reason = None;
        }
        MeetingSeed {
            id: 0,
            org_id: self.org.id,
            group_id: None,
            kinds,
            held_on: d,
            topic: String::new(),
            place: Some(self.place.to_string()),
            host: host.map(|m| self.w.name(m).to_string()),
            lecturer: None,
            lecturer_name: None,
            minutes: None,
            decisions: None,
            criticism: None,
            attendance,
            expected: 0,
            present: 0,
            absent_note: None,
            agenda: Vec::new(),
            study_items: Vec::new(),
            votes: Vec::new(),
            rectifications: Vec::new(),
            source,
            recorded_by,
            recorded_at,
        }
    }

    /// The day after a study item's publication a meeting is held on (late for a late study).
    fn after(&self, item: Option<&Item>, month: NaiveDate, late: bool, rng: &mut ChaCha8Rng) -> NaiveDate {
        let end = month_end(month);
        match item {
            Some(i) if late => fwd(i.on, rng.random_range(9..15)).min(end),
            Some(i) => fwd(i.on, rng.random_range(1..5)).min(end),
            None => fwd(month, rng.random_range(4..26)).min(end),
        }
    }

    fn items_of(&self, month: NaiveDate, slot: Slot, level: StudyLevel) -> Option<&'w Item> {
        let end = month_end(month);
        self.w.items.iter().find(|i| i.slot == slot && i.on >= month && i.on <= end && i.applies(level))
    }

    // ----- branches ------------------------------------------------------------------------

    fn branch(&self, out: &mut Out, rng: &mut ChaCha8Rng) {
        let w = self.w;
        let first = out.meetings.len();
        let mut study_slots: Vec<usize> = Vec::new();
        let groups = self.groups(out, rng);

        // Votes: members admitted or confirmed, committees elected, in the period.
        let mut votes: BTreeMap<NaiveDate, Vec<(usize, u8)>> = BTreeMap::new();
        for &m in &w.roster[self.o] {
            let p = &w.members[m];
            if p.category == MemberCategory::Probationary && p.admitted_on >= w.start && p.admitted_on <= w.today {
                votes.entry(p.admitted_on).or_default().push((m, 0));
            }
            if let Some(r) = p.regularized_on.filter(|r| *r >= w.start && *r <= w.today) {
                votes.entry(r).or_default().push((m, 1));
            }
        }
        if let Some(t) = self.org.term_start.filter(|t| *t >= w.start && *t <= w.today) {
            votes.entry(t).or_default().push((usize::MAX, 2));
        }
        let vote_quarters: Vec<NaiveDate> = votes.keys().map(|d| quarter_start(*d)).collect();

        // Quarters over and wholly generated.
        let quarters: Vec<NaiveDate> = w
            .months
            .iter()
            .copied()
            .filter(|m| m.month() % 3 == 1 && self.exists(*m))
            .filter(|m| month_end(fwd(*m, 62)) < w.today)
            .collect();
        let pick_quarter = |rng: &mut ChaCha8Rng, avoid: &[NaiveDate]| {
            let free: Vec<NaiveDate> = quarters.iter().copied().filter(|q| !avoid.contains(q)).collect();
            (!free.is_empty()).then(|| pick(rng, &free))
        };
        // Not the fourth quarter: the 组织生活会 may be held as a 党员大会.
        let mut avoid: Vec<NaiveDate> = vote_quarters.clone();
        avoid.extend(quarters.iter().copied().filter(|q| q.month() == 10));
        let no_general = if self.gap(NO_GENERAL) { pick_quarter(rng, &avoid) } else { None };
        // The secretary's 党课: one quarter a year.
        let mut lecture_q: BTreeMap<i32, NaiveDate> = BTreeMap::new();
        for year in [w.start.year(), w.today.year()] {
            let qs: Vec<NaiveDate> =
                w.months.iter().copied().filter(|m| m.year() == year && m.month() % 3 == 1).collect();
            if !qs.is_empty() {
                lecture_q.insert(year, pick(rng, &qs));
            }
        }
        let avoid: Vec<NaiveDate> = lecture_q.values().copied().collect();
        let no_lecture = if self.gap(NO_LECTURE) { pick_quarter(rng, &avoid) } else { None };
        let ended: Vec<NaiveDate> = w.months.iter().copied().filter(|m| month_end(*m) < w.today).collect();
        let third: Vec<NaiveDate> = ended.iter().copied().filter(|m| m.month() % 3 == 0).collect();
        let skip_theme = if self.gap(SKIP_THEME) { some(rng, &third, 1..3) } else { Vec::new() };
        // Months the committee was in office throughout (only those have to have a 支委会).
        let seated: Vec<NaiveDate> = ended
            .iter()
            .copied()
            .filter(|m| w.in_office(self.o, *m) >= 3 && w.in_office(self.o, month_end(*m)) >= 3)
            .collect();
        let skip_committee = if self.gap(SKIP_COMMITTEE) { some(rng, &seated, 1..3) } else { Vec::new() };
        let late_months = if self.gap(LATE_STUDY) { some(rng, &ended, 1..4) } else { Vec::new() };

        for &month in &w.months {
            if !self.exists(month) {
                continue;
            }
            let a = self.items_of(month, Slot::Early, StudyLevel::Branch);
            let b = self.items_of(month, Slot::Middle, StudyLevel::Branch);
            let late = late_months.contains(&month);
            // 支部委员会: after the month's first item.
            let cd = self.after(a, month, late, rng);
            let committee = self.committee(cd);
            let has_committee = committee.len() >= 3;
            if has_committee && !skip_committee.contains(&month) && cd <= w.today {
                let people: Vec<usize> = committee.iter().map(|t| t.member).collect();
                let list = self.attend_quorate(&people, rng);
                let works = self.works(rng);
                let i = out
                    .push(self.meeting(vec![MeetingKind::CommitteeMeeting], cd, list, rng), Plan::Committee { works });
                study_slots.push(i);
            }
            // 主题党日: after the middle item (or the first, without a committee).
            let td = if has_committee { self.after(b, month, late && a.is_none(), rng) } else { cd };
            if !skip_theme.contains(&month) && td <= w.today {
                let q = quarter_start(month);
                let nth = month.month0() % 3;
                let mut kinds = vec![MeetingKind::ThemeDay];
                let mut lecture = None;
                if nth == 0 && no_general != Some(q) {
                    kinds.insert(0, MeetingKind::GeneralMeeting);
                }
                let lecture_month = if self.split { nth == 1 } else { nth == 0 };
                let mut lecturer = None;
                if lecture_month && no_lecture != Some(q) {
                    kinds.insert(kinds.len() - 1, MeetingKind::Lecture);
                    let by_secretary = lecture_q.get(&month.year()) == Some(&q) && !self.gap(SILENT_SECRETARY);
                    let (who, name) = self.lecturer(td, by_secretary, rng);
                    lecturer = who;
                    lecture = Some((name, pick(rng, &LECTURES).to_string()));
                }
                let list = self.attend(&self.people(td), rng);
                let mut m = self.meeting(kinds, td, list, rng);
                for a in m.attendance.iter_mut().filter(|a| Some(a.member) == lecturer) {
                    a.present = true;
                    a.reason = None;
                }
                m.lecturer = lecturer;
                m.lecturer_name = lecture.as_ref().map(|l| l.0.clone());
                let theme = self.theme(month, rng);
                study_slots.push(out.push(m, Plan::ThemeDay { theme, lecture }));
            }
            // Without a committee, a 党员大会 studies the middle item.
            if !has_committee && let Some(b) = b {
                let d = self.after(Some(b), month, false, rng);
                if d <= w.today && d != td {
                    let list = self.attend(&self.people(d), rng);
                    study_slots
                        .push(out.push(self.meeting(vec![MeetingKind::GeneralMeeting], d, list, rng), Plan::Study));
                }
            }
            // 党小组会.
            for (k, g) in groups.iter().enumerate() {
                if self.gap(SKIP_GROUP) && k == 0 && ended.iter().position(|e| *e == month).is_some_and(|p| p % 5 == 2)
                {
                    continue;
                }
                let d = fwd(month, rng.random_range(4..26)).min(month_end(month));
                if d > w.today || g.created_on.is_some_and(|c| c > month) {
                    continue;
                }
                let people: Vec<usize> = g.members.iter().copied().filter(|&m| w.members[m].admitted_on < d).collect();
                let list = self.attend(&people, rng);
                let mut m = self.meeting(vec![MeetingKind::GroupMeeting], d, list, rng);
                m.group_id = Some(g.id);
                m.host = g.leader.map(|l| w.name(l).to_string());
                for a in m.attendance.iter_mut().filter(|a| Some(a.member) == g.leader) {
                    a.present = true;
                    a.reason = None;
                }
                let theme = self.theme(month, rng);
                out.push(m, Plan::Group { theme });
            }
        }

        for (d, subjects) in votes {
            self.vote_meeting(out, d, &subjects, rng);
        }
        if !self.gap(SILENT_SECRETARY) {
            self.secretary_lectures(out, first, rng);
        }
        self.year_end(out, rng);
        let unstudied: Vec<i64> = if self.gap(UNSTUDIED) {
            let middle: Vec<i64> = w
                .items
                .iter()
                .filter(|i| i.slot == Slot::Middle && i.deadline() < w.today && i.on >= w.start)
                .map(|i| i.id)
                .collect();
            some(rng, &middle, 1..3)
        } else {
            Vec::new()
        };
        let bare = if self.gap(NO_FIRST_AGENDA) {
            let committee: Vec<usize> = study_slots
                .iter()
                .copied()
                .filter(|&i| out.meetings[i].kinds.contains(&MeetingKind::CommitteeMeeting))
                .collect();
            (!committee.is_empty()).then(|| pick(rng, &committee))
        } else {
            None
        };
        self.studies(out, &study_slots, StudyLevel::Branch, &unstudied, bare);
        self.write(out, first, rng);
    }

    /// A 党课 by the secretary in each year over where the quarterly ones had none by a secretary
    /// (a secretary who took office after the quarter's 党课 gives one later).
    fn secretary_lectures(&self, out: &mut Out, first: usize, rng: &mut ChaCha8Rng) {
        let w = self.w;
        for year in w.start.year()..w.today.year() {
            let (Some(jan), Some(dec)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
            else {
                continue;
            };
            let given = out.meetings[first..].iter().any(|m| {
                m.held_on.year() == year
                    && m.kinds.contains(&MeetingKind::Lecture)
                    && m.lecturer.is_some_and(|l| self.secretary(m.held_on) == Some(l))
            });
            let Some(t) =
                self.w.team[self.o].iter().rfind(|t| t.secretary && t.from <= dec && t.to.is_none_or(|e| e >= jan))
            else {
                continue;
            };
            if given || w.silent.contains(&t.member) {
                continue;
            }
            let from = t.from.max(jan).max(w.start).max(self.org.established_on.unwrap_or(jan));
            let to = t.to.unwrap_or(dec).min(dec).min(w.today);
            if from > to {
                continue;
            }
            let d = fwd(from, rng.random_range(0..=(to - from).num_days()));
            let list = self.attend(&self.people(d), rng);
            let mut m = self.meeting(vec![MeetingKind::Lecture], d, list, rng);
            for a in m.attendance.iter_mut().filter(|a| a.member == t.member) {
                a.present = true;
                a.reason = None;
            }
            m.lecturer = Some(t.member);
            m.lecturer_name = Some(format!("{}（支部书记）", w.name(t.member)));
            let title = pick(rng, &LECTURES).to_string();
            out.push(m, Plan::Lecture { title });
        }
    }

    /// The lecturer of a 党课: the secretary, or another committee member, or a guest.
    fn lecturer(&self, d: NaiveDate, secretary: bool, rng: &mut ChaCha8Rng) -> (Option<usize>, String) {
        let silent = |m: &usize| self.w.silent.contains(m);
        if secretary && let Some(s) = self.secretary(d).filter(|s| !silent(s)) {
            return (Some(s), format!("{}（支部书记）", self.w.name(s)));
        }
        let others: Vec<usize> =
            self.committee(d).iter().filter(|t| !t.secretary && !silent(&t.member)).map(|t| t.member).collect();
        if !others.is_empty() && rng.random_bool(0.5) {
            let m = pick(rng, &others);
            return (Some(m), format!("{}（支部委员）", self.w.name(m)));
        }
        let titles: &[&str] = match self.org.domain {
            OrgDomain::Rural => &["驻村第一书记", "镇党委组织委员", "县委党校讲师", "镇党委副书记"],
            OrgDomain::Community => &["街道党工委委员", "县委党校讲师", "社区第一书记"],
            _ => &["县委党校讲师", "县直机关工委委员", "县委宣讲团成员"],
        };
        let female = rng.random_bool(0.35);
        (None, format!("{}（{}）", self.w.namer.person(rng, female), pick(rng, titles)))
    }

    fn theme(&self, month: NaiveDate, rng: &mut ChaCha8Rng) -> &'static str {
        let by_month = THEMES[month.month0() as usize];
        let by_domain: &[&'static str] = match self.org.domain {
            OrgDomain::Rural => &["人居环境整治", "乡村振兴产业发展", "移风易俗宣传", "防返贫入户走访"],
            OrgDomain::Community => &["垃圾分类入户宣传", "网格化服务走访", "关爱独居老人", "文明城市创建"],
            OrgDomain::Organ => &["廉政警示教育", "机关作风建设", "党员志愿服务进社区"],
            OrgDomain::School => &["师德师风建设", "校园安全教育", "关爱留守儿童"],
            OrgDomain::Health => &["义诊下乡服务", "医德医风教育", "健康知识宣传"],
            _ => &["安全生产隐患排查", "岗位建功立业", "党员先锋岗创建"],
        };
        if rng.random_bool(0.6) { pick(rng, by_month) } else { pick(rng, by_domain) }
    }

    fn works(&self, rng: &mut ChaCha8Rng) -> [&'static str; 2] {
        let list: &[&'static str] = match self.org.domain {
            OrgDomain::Rural => &RURAL_WORK,
            OrgDomain::Community => &COMMUNITY_WORK,
            OrgDomain::Organ => &ORGAN_WORK,
            OrgDomain::School => &SCHOOL_WORK,
            OrgDomain::Health => &HEALTH_WORK,
            _ => &ENTERPRISE_WORK,
        };
        let two = sample(rng, list, 2);
        [two.first().copied().unwrap_or("党建工作"), two.get(1).copied().unwrap_or("党费收缴")]
    }

    /// Party groups of a branch of more than 30 members: 2–4, members dealt out in list order.
    fn groups(&self, out: &mut Out, rng: &mut ChaCha8Rng) -> Vec<GroupSeed> {
        let roster = &self.w.roster[self.o];
        if roster.len() <= 30 {
            return Vec::new();
        }
        let k = (roster.len() / 12).clamp(2, 4);
        let created = self.org.established_on.map_or(back(self.w.start, 400), |e| e.max(back(self.w.start, 400)));
        let created = fwd(created, rng.random_range(0..60)).min(self.w.start);
        let secretary = self.secretary(self.w.today);
        let per = roster.len().div_ceil(k);
        let mut made = Vec::new();
        for (g, chunk) in roster.chunks(per).enumerate() {
            let candidates: Vec<usize> = chunk
                .iter()
                .copied()
                .filter(|&m| Some(m) != secretary && self.w.members[m].category == MemberCategory::Full)
                .filter(|&m| self.w.members[m].extra.mobile_out_to.is_none())
                .collect();
            let leader = (!candidates.is_empty()).then(|| pick(rng, &candidates));
            let seed = GroupSeed {
                id: out.groups.len() as i64 + 1,
                org_id: self.org.id,
                name: format!("第{}党小组", ordinal(g + 1)),
                leader,
                created_on: Some(created),
                members: chunk.to_vec(),
            };
            out.groups.push(seed.clone());
            made.push(seed);
        }
        made
    }

    /// A 支部党员大会 that admitted, confirmed or elected.
    fn vote_meeting(&self, out: &mut Out, d: NaiveDate, subjects: &[(usize, u8)], rng: &mut ChaCha8Rng) {
        let w = self.w;
        let people: Vec<usize> =
            self.people(d).into_iter().filter(|m| !subjects.iter().any(|(s, k)| *k == 0 && s == m)).collect();
        if people.is_empty() || !self.open(d) {
            return;
        }
        let list = self.attend_quorate(&people, rng);
        let mut m = self.meeting(vec![MeetingKind::GeneralMeeting], d, list, rng);
        let eligible = m.attendance.iter().filter(|a| self.full(a.member, d)).count() as u32;
        let mut present = m.attendance.iter().filter(|a| a.present && self.full(a.member, d)).count() as u32;
        // Enough voters for a valid vote (an election needs four fifths).
        let election = subjects.iter().any(|(_, k)| *k == 2);
        for a in m.attendance.iter_mut() {
            let short = if election { present * 5 < eligible * 4 } else { present * 2 <= eligible };
            if short && !a.present && self.full(a.member, d) {
                a.present = true;
                a.reason = None;
                present += 1;
            }
        }
        for (s, k) in subjects {
            let abstain = u32::from(present > 6 && rng.random_bool(0.2));
            let subject = match k {
                0 => format!("接收{}同志为中共预备党员", w.name(*s)),
                1 => format!("{}同志预备党员按期转为正式党员", w.name(*s)),
                _ => "选举产生新一届支部委员会".to_string(),
            };
            m.votes.push(VoteInput {
                subject,
                election: *k == 2,
                eligible,
                present,
                in_favour: present - abstain,
                against: 0,
                abstain,
            });
        }
        out.push(m, Plan::Vote);
    }

    /// The year's 组织生活会 and 民主评议 with the talks before them.
    fn year_end(&self, out: &mut Out, rng: &mut ChaCha8Rng) {
        let w = self.w;
        for year in w.start.year()..=w.today.year() {
            let Some(dec) = NaiveDate::from_ymd_opt(year, 12, 1) else { continue };
            let d = if rng.random_bool(0.85) {
                fwd(dec, rng.random_range(4..28))
            } else {
                fwd(dec, -rng.random_range(2..16))
            };
            if d > w.today || d < w.start || !self.exists(d) {
                // The current year: a few talks so far.
                let jan = NaiveDate::from_ymd_opt(year, 1, 2).unwrap_or(w.today);
                if year == w.today.year() && self.exists(jan) {
                    self.talks(out, fwd(w.today, -120).max(jan), 2, rng);
                }
                continue;
            }
            self.talks(out, fwd(d, -30), 0, rng);
            let mut kinds = Vec::new();
            if rng.random_bool(0.5) {
                kinds.push(MeetingKind::GeneralMeeting);
            }
            if !self.gap(NO_ORG_LIFE) {
                kinds.push(MeetingKind::OrgLifeMeeting);
            }
            if !self.gap(NO_APPRAISAL) {
                kinds.push(MeetingKind::MemberAppraisal);
            }
            if !kinds.iter().any(|k| matches!(k, MeetingKind::OrgLifeMeeting | MeetingKind::MemberAppraisal)) {
                continue;
            }
            let people = self.people(d);
            let list = self.attend(&people, rng);
            let mut m = self.meeting(kinds, d, list, rng);
            let host = m.host.clone();
            if !self.gap(NO_ORG_LIFE) {
                let owners: Vec<String> = self.committee(d).iter().map(|t| w.name(t.member).to_string()).collect();
                for item in some(rng, &RECTIFICATIONS, 2..5) {
                    let due = fwd(d, rng.random_range(45..150));
                    let done = (due <= w.today && rng.random_bool(0.8))
                        .then(|| fwd(due, -rng.random_range(0..30)).max(fwd(d, 10)));
                    let owner = if owners.is_empty() {
                        host.clone()
                    } else {
                        Some(owners[rng.random_range(0..owners.len())].clone())
                    };
                    m.rectifications.push(RectificationSeed {
                        item: item.to_string(),
                        owner,
                        due_on: Some(due),
                        done_on: done,
                    });
                }
            }
            let recorded_by = m.recorded_by.clone();
            let recorded_at = m.recorded_at;
            let appraise = m.kinds.contains(&MeetingKind::MemberAppraisal);
            let i = out.push(m, Plan::OrgLife { year, excellent: 0 });
            if appraise {
                let id = out.meetings[i].id;
                for &p in &people {
                    let r: f64 = rng.random();
                    let grade = if r < 0.1 {
                        AppraisalGrade::Excellent
                    } else if r < 0.967 {
                        AppraisalGrade::Qualified
                    } else if r < 0.998 {
                        AppraisalGrade::BasicallyQualified
                    } else {
                        AppraisalGrade::Unqualified
                    };
                    if grade == AppraisalGrade::Excellent
                        && let Plan::OrgLife { excellent, .. } = &mut out.plans[i]
                    {
                        *excellent += 1;
                    }
                    out.appraisals.push(AppraisalSeed {
                        member: p,
                        year,
                        org_id: self.org.id,
                        grade,
                        meeting_id: Some(id),
                        recorded_by: recorded_by.clone(),
                        recorded_at,
                    });
                }
            }
        }
    }

    /// 谈心谈话 in pairs from `from` on: everyone (`few` = 0), or only a few pairs.
    fn talks(&self, out: &mut Out, from: NaiveDate, few: usize, rng: &mut ChaCha8Rng) {
        let w = self.w;
        let room = (w.today - from).num_days().clamp(1, 28);
        // Everyone who is a member by the end of the year (a new member is talked with too).
        let end = NaiveDate::from_ymd_opt(from.year(), 12, 31).unwrap_or(from).min(w.today);
        let mut people = self.people(end);
        if people.len() < 2 {
            return;
        }
        let leaders: Vec<usize> = self.committee(from).iter().map(|t| t.member).collect();
        let secretary = self.secretary(from).or_else(|| leaders.first().copied());
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        if few > 0 {
            for _ in 0..rng.random_range(1..=few + 1) {
                let two = sample(rng, &people, 2);
                if let [a, b] = two[..] {
                    pairs.push((a, b));
                }
            }
        } else {
            if self.gap(TALK_GAP) {
                let keep = people.len() - people.len() * rng.random_range(2..5) / 10;
                people = sample(rng, &people, keep);
                people.sort_unstable();
            }
            // The secretary with each committee member, then the others in pairs.
            let mut rest: Vec<usize> = people.clone();
            if let Some(s) = secretary.filter(|s| people.contains(s)) {
                let others: Vec<usize> = leaders.iter().copied().filter(|&l| l != s && people.contains(&l)).collect();
                for &l in &others {
                    pairs.push((s, l));
                }
                if !others.is_empty() {
                    rest.retain(|m| *m != s && !leaders.contains(m));
                }
            }
            let shuffled = sample(rng, &rest, rest.len());
            let partner = |a: usize| secretary.filter(|s| *s != a).or_else(|| people.iter().copied().find(|p| *p != a));
            for two in shuffled.chunks(2) {
                match two {
                    [a, b] => pairs.push((*a, *b)),
                    [a] => pairs.extend(partner(*a).map(|p| (p, *a))),
                    _ => {}
                }
            }
            // Members suspended or gone this year were talked with before.
            let jan = NaiveDate::from_ymd_opt(from.year(), 1, 1).unwrap_or(from);
            for &f in &w.former[self.o] {
                let e = &w.members[f].extra;
                let gone = e.suspended_on.or(e.left_on);
                if gone.is_some_and(|g| g < jan.max(w.start)) || w.members[f].admitted_on >= jan.max(w.start) {
                    continue;
                }
                let d = fwd(jan.max(w.start), rng.random_range(0..20));
                let d = gone.map_or(d, |g| d.min(back(g, 1))).max(w.start);
                if let Some(p) = partner(f).filter(|_| self.open(d)) {
                    let list = vec![
                        AttendeeSeed { member: p.min(f), present: true, reason: None },
                        AttendeeSeed { member: p.max(f), present: true, reason: None },
                    ];
                    let mut m = self.meeting(vec![MeetingKind::Talk], d, list, rng);
                    m.host = Some(w.name(p).to_string());
                    m.place = None;
                    out.push(m, Plan::Talk);
                }
            }
        }
        for (a, b) in pairs {
            if a == b || !self.open(from) {
                continue;
            }
            let joined = w.members[a].admitted_on.max(w.members[b].admitted_on);
            let d = fwd(from, rng.random_range(0..room)).max(fwd(joined, 1)).min(end);
            let (x, y) = if a < b { (a, b) } else { (b, a) };
            let list = vec![
                AttendeeSeed { member: x, present: true, reason: None },
                AttendeeSeed { member: y, present: true, reason: None },
            ];
            let mut m = self.meeting(vec![MeetingKind::Talk], d, list, rng);
            m.host = Some(w.name(a).to_string());
            m.place = None;
            out.push(m, Plan::Talk);
        }
    }

    // ----- general branches and committees -------------------------------------------------

    fn general_branch(&self, out: &mut Out, rng: &mut ChaCha8Rng) {
        let first = out.meetings.len();
        let mut slots = Vec::new();
        for &month in &self.w.months {
            if !self.exists(month) {
                continue;
            }
            for slot in [Slot::Early, Slot::Middle] {
                let item = self.items_of(month, slot, StudyLevel::GeneralBranch);
                let d = self.after(item, month, false, rng);
                let committee = self.committee(d);
                if d > self.w.today || committee.len() < 3 {
                    continue;
                }
                let people: Vec<usize> = committee.iter().map(|t| t.member).collect();
                let list = self.attend_quorate(&people, rng);
                let works = self.works(rng);
                slots.push(
                    out.push(
                        self.meeting(vec![MeetingKind::CommitteeMeeting], d, list, rng),
                        Plan::Committee { works },
                    ),
                );
            }
        }
        self.studies(out, &slots, StudyLevel::GeneralBranch, &[], None);
        self.write(out, first, rng);
    }

    fn committee_org(&self, out: &mut Out, rng: &mut ChaCha8Rng) {
        let w = self.w;
        let level = StudyLevel::of(self.org.kind);
        let first = out.meetings.len();
        let mut slots = Vec::new();
        for &month in &w.months {
            if !self.exists(month) {
                continue;
            }
            let plan = [
                (Slot::Early, MeetingKind::PartyCommitteeMeeting),
                (Slot::Middle, MeetingKind::CentralGroupStudy),
                (Slot::Late, MeetingKind::PartyCommitteeMeeting),
            ];
            for (slot, kind) in plan {
                let item = self.items_of(month, slot, level);
                if slot == Slot::Late && item.is_none() && rng.random_bool(0.5) {
                    continue;
                }
                let d = self.after(item, month, false, rng);
                let people: Vec<usize> = self.committee(d).iter().map(|t| t.member).collect();
                if d > w.today || people.is_empty() {
                    continue;
                }
                let list = self.attend_quorate(&people, rng);
                let plan = match kind {
                    MeetingKind::CentralGroupStudy => Plan::CentralGroup,
                    _ => Plan::PartyCommittee { works: self.works(rng) },
                };
                slots.push(out.push(self.meeting(vec![kind], d, list, rng), plan));
            }
        }
        // The secretary's 党课: around 1 July, or else while the secretary of that year was in office
        // in the part of the year generated.
        for year in w.start.year()..=w.today.year() {
            let (Some(july), Some(jan), Some(dec)) = (
                NaiveDate::from_ymd_opt(year, 7, 1),
                NaiveDate::from_ymd_opt(year, 1, 1),
                NaiveDate::from_ymd_opt(year, 12, 31),
            ) else {
                continue;
            };
            let (from, to) = (jan.max(w.start).max(self.org.established_on.unwrap_or(jan)), dec.min(w.today));
            let Some(t) =
                w.team[self.o].iter().rfind(|t| t.secretary && t.from <= to && t.to.is_none_or(|e| e >= from))
            else {
                continue;
            };
            let (from, to) = (from.max(t.from), to.min(t.to.unwrap_or(to)));
            if from > to || self.gap(SILENT_SECRETARY) {
                continue;
            }
            let d = if from <= back(july, 12) && fwd(july, 10) <= to {
                fwd(july, rng.random_range(-12..10))
            } else {
                fwd(from, rng.random_range(0..=(to - from).num_days()))
            };
            let people: Vec<usize> = self.committee(d).iter().map(|t| t.member).collect();
            let list = self.attend_quorate(&people, rng);
            let mut m = self.meeting(vec![MeetingKind::Lecture], d, list, rng);
            m.lecturer = Some(t.member);
            m.lecturer_name = Some(format!("{}（党委书记）", w.name(t.member)));
            let title = pick(rng, &LECTURES).to_string();
            out.push(m, Plan::Lecture { title });
        }
        self.studies(out, &slots, level, &[], None);
        self.write(out, first, rng);
    }

    // ----- studies and texts ---------------------------------------------------------------

    /// Put each applicable item on the first meeting on or after its publication; committee
    /// meetings left without one study the latest item again. `skip` are left unstudied; `bare`
    /// is a committee meeting without a study.
    fn studies(&self, out: &mut Out, slots: &[usize], level: StudyLevel, skip: &[i64], bare: Option<usize>) {
        let mut slots: Vec<usize> = slots.iter().copied().filter(|s| Some(*s) != bare).collect();
        slots.sort_by_key(|&i| (out.meetings[i].held_on, i));
        for item in self.w.items.iter().filter(|i| i.applies(level) && !skip.contains(&i.id)) {
            // Nobody studies an item first at a meeting two months after it came out.
            let first = slots.iter().find(|&&i| out.meetings[i].held_on >= item.on);
            if let Some(&i) = first.filter(|&&i| (out.meetings[i].held_on - item.on).num_days() <= 60) {
                out.meetings[i].study_items.push(item.id);
            }
        }
        for &i in &slots {
            let m = &out.meetings[i];
            let committee = m.kinds.iter().any(|k| k.is_committee_kind() || *k == MeetingKind::CentralGroupStudy);
            if committee && m.study_items.is_empty() {
                let held = m.held_on;
                let latest =
                    self.w.items.iter().filter(|it| it.on <= held && it.applies(level)).map(|it| it.id).next_back();
                if let Some(id) = latest {
                    out.meetings[i].study_items.push(id);
                }
            }
        }
    }

    /// Topics, agenda, minutes and decisions of the records from `first` on.
    fn write(&self, out: &mut Out, first: usize, rng: &mut ChaCha8Rng) {
        for i in first..out.meetings.len() {
            let plan = out.plans[i].clone();
            let titles: Vec<String> = out.meetings[i]
                .study_items
                .iter()
                .filter_map(|id| self.w.items.iter().find(|it| it.id == *id))
                .map(|it| it.title.clone())
                .collect();
            let text = Text::new(self, &out.meetings[i], titles);
            text.apply(&plan, &mut out.meetings[i], rng);
        }
    }

    // ----- training ------------------------------------------------------------------------

    /// Who of `people` took part in a course on `d`: most; migrant members mostly only online;
    /// secretaries and committee members nearly always.
    fn takers(&self, people: &[usize], d: NaiveDate, kind: TrainingKind, rng: &mut ChaCha8Rng) -> Vec<usize> {
        let w = self.w;
        let leaders: Vec<usize> = self.committee(d).iter().map(|t| t.member).collect();
        let absent = match kind {
            TrainingKind::Centralized => 0.08,
            TrainingKind::Online => 0.05,
            TrainingKind::Collective => 0.1,
        };
        people
            .iter()
            .copied()
            .filter(|&m| {
                let e = &w.members[m].extra;
                let away = if e.out_of_contact_since.is_some() {
                    1.0
                } else if e.mobile_out_to.is_some() {
                    if kind == TrainingKind::Online { 0.2 } else { 0.8 }
                } else if leaders.contains(&m) {
                    absent / 4.0
                } else {
                    absent
                };
                !rng.random_bool(away)
            })
            .collect()
    }

    fn course(
        &self,
        out: &mut Out,
        (kind, d, hours): (TrainingKind, NaiveDate, f64),
        course: String,
        organizer: Option<String>,
        participants: Vec<usize>,
        rng: &mut ChaCha8Rng,
    ) {
        let (_, recorded_by, recorded_at) = self.stamp(d, rng);
        out.push_training(TrainingSeed {
            id: 0,
            org_id: self.org.id,
            course,
            kind,
            held_on: d,
            hours,
            organizer,
            participants,
            recorded_by,
            recorded_at,
        });
    }

    /// A year's training: a four-day 集中培训 (with a make-up course for those who missed it), a
    /// 网络培训 (and a longer one for migrant members), sometimes a 集体学习, and the county's
    /// course for secretaries and committee members. The current year: a 集体学习 so far.
    fn training(&self, out: &mut Out, rng: &mut ChaCha8Rng) {
        let w = self.w;
        let roster = &w.roster[self.o];
        for year in w.start.year()..=w.today.year() {
            let (Some(jan), Some(dec)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
            else {
                continue;
            };
            let (from, to) = (w.start.max(jan), w.today.min(dec));
            if from > to || !self.exists(from) {
                continue;
            }
            let span = (to - from).num_days().max(1);
            let day = |rng: &mut ChaCha8Rng| fwd(from, rng.random_range(0..span));
            let whole = dec < w.today;
            if !whole {
                if !roster.is_empty() && rng.random_bool(0.5) {
                    let d = day(rng);
                    let people = self.takers(&self.people(d), d, TrainingKind::Collective, rng);
                    let hours = f64::from(rng.random_range(2..=4));
                    let course = format!("集体学习：{}", pick(rng, &COLLECTIVE));
                    self.course(out, (TrainingKind::Collective, d, hours), course, None, people, rng);
                }
                continue;
            }
            if !roster.is_empty() {
                if !self.gap(NO_TRAINING) {
                    let d = day(rng);
                    let everyone = self.people(d);
                    let took = self.takers(&everyone, d, TrainingKind::Centralized, rng);
                    let missed: Vec<usize> = everyone.iter().copied().filter(|m| !took.contains(m)).collect();
                    let course = format!("{year}年度党员集中轮训");
                    let organizer = Some(self.org.name.clone());
                    self.course(out, (TrainingKind::Centralized, d, 32.0), course, organizer.clone(), took, rng);
                    // Those who missed it make it up (most of them).
                    let later = fwd(d, rng.random_range(14..40)).min(to);
                    let made_up: Vec<usize> = missed
                        .into_iter()
                        .filter(|&m| {
                            w.members[m].extra.mobile_out_to.is_none()
                                && w.members[m].extra.out_of_contact_since.is_none()
                        })
                        .filter(|_| rng.random_bool(0.85))
                        .collect();
                    let course = format!("{year}年度党员集中轮训（补训）");
                    self.course(out, (TrainingKind::Centralized, later, 24.0), course, organizer, made_up, rng);
                }
                let d = day(rng);
                let took = self.takers(&self.people(d), d, TrainingKind::Online, rng);
                let course = "党员教育网络培训（共产党员网、学习强国）".to_string();
                self.course(out, (TrainingKind::Online, d, 12.0), course, Some(w.department()), took, rng);
                let mobile: Vec<usize> = self
                    .people(to)
                    .into_iter()
                    .filter(|&m| w.members[m].extra.mobile_out_to.is_some() && rng.random_bool(0.85))
                    .collect();
                let d = day(rng);
                let course = "流动党员网络专题培训".to_string();
                self.course(out, (TrainingKind::Online, d, 24.0), course, Some(w.department()), mobile, rng);
                if rng.random_bool(0.4) {
                    let d = day(rng);
                    let took = self.takers(&self.people(d), d, TrainingKind::Collective, rng);
                    let hours = f64::from(rng.random_range(3..=4));
                    let course = format!("集体学习：{}", pick(rng, &COLLECTIVE));
                    self.course(out, (TrainingKind::Collective, d, hours), course, None, took, rng);
                }
            }
            // The county's course for secretaries and committee members.
            if !self.gap(LEADER_HOURS) {
                // Whoever is in office at the year's end, and the committee about to take office.
                let mut leaders: Vec<usize> = w.team[self.o].iter().filter(|t| t.on(dec)).map(|t| t.member).collect();
                leaders.extend(self.committee(dec).iter().map(|t| t.member));
                leaders.sort_unstable();
                leaders.dedup();
                let Some(sept) = NaiveDate::from_ymd_opt(year, 9, 1) else { continue };
                let d = fwd(sept, rng.random_range(0..80)).clamp(from, to);
                let who = if self.org.kind.is_branch() {
                    "村（社区）和基层党支部书记、支部委员"
                } else {
                    "基层党委班子成员"
                };
                let course = format!("{}{year}年{who}示范培训班", w.county);
                let hours = f64::from(rng.random_range(4..=5) * 8);
                self.course(out, (TrainingKind::Centralized, d, hours), course, Some(w.department()), leaders, rng);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Texts.

const THEMES: [&[&str]; 12] = [
    &["新春走访慰问困难党员", "冬季安全隐患排查", "学习党章 重温誓词"],
    &["学习贯彻中央一号文件精神", "返乡党员座谈交流", "春节前后安全巡查"],
    &["学雷锋志愿服务", "植树造林 绿化家园", "巾帼建功 岗位争先"],
    &["清明祭英烈 传承红色基因", "防溺水安全宣传", "春耕备耕志愿服务"],
    &["青春心向党 建功新时代", "防汛救灾应急演练", "劳动最光荣"],
    &["七一前夕重温入党誓词", "安全生产月宣传", "禁毒知识宣传"],
    &["庆祝建党节 争做合格党员", "防汛值守志愿服务", "红色教育基地参观学习"],
    &["走访慰问退役军人", "人居环境整治", "清凉送关怀"],
    &["秋收助农志愿服务", "全民国防教育", "尊师重教 关爱学生"],
    &["国庆爱国主义教育", "重阳敬老孝老", "森林防火宣传"],
    &["冬季消防安全宣传", "对照党章党规找差距", "学习宣传民法典"],
    &["宪法宣传日 学法用法", "年终总结 谋划来年", "冬季送温暖"],
];

const LECTURES: [&str; 12] = [
    "坚定理想信念 做合格共产党员",
    "学习党的创新理论 推动乡村全面振兴",
    "传承红色基因 赓续精神血脉",
    "严守纪律规矩 永葆清正廉洁",
    "践行初心使命 当好群众贴心人",
    "发挥先锋模范作用 争做新时代合格党员",
    "深入学习贯彻中央八项规定精神",
    "以高质量党建引领基层治理",
    "学党章 守党规 强党性",
    "弘扬伟大建党精神 凝聚奋进力量",
    "牢记嘱托 感恩奋进",
    "担当作为 苦干实干",
];

const RURAL_WORK: [&str; 12] = [
    "春耕生产",
    "人居环境整治",
    "防返贫动态监测",
    "低保对象民主评议",
    "森林防火",
    "城乡居民医保征缴",
    "产业发展项目",
    "村集体经济发展",
    "防汛抗旱",
    "矛盾纠纷排查化解",
    "发展党员",
    "党费收缴",
];
const COMMUNITY_WORK: [&str; 9] = [
    "网格化管理",
    "垃圾分类",
    "老旧小区改造",
    "独居老人关爱",
    "文明城市创建",
    "消防安全检查",
    "发展党员",
    "党费收缴",
    "志愿服务",
];
const ORGAN_WORK: [&str; 8] =
    ["作风建设", "重点项目推进", "信访维稳", "预算执行", "政务服务", "干部教育培训", "发展党员", "党费收缴"];
const SCHOOL_WORK: [&str; 7] =
    ["师德师风建设", "教学质量提升", "校园安全", "防溺水教育", "家校共育", "发展党员", "党费收缴"];
const HEALTH_WORK: [&str; 7] =
    ["医德医风建设", "医保基金监管", "院感防控", "家庭医生签约", "义诊活动", "发展党员", "党费收缴"];
const ENTERPRISE_WORK: [&str; 7] =
    ["安全生产", "生产经营", "职工关怀", "质量管理", "党建带群建", "发展党员", "党费收缴"];

const COLLECTIVE: [&str; 10] = [
    "《中国共产党章程》",
    "《中国共产党纪律处分条例》",
    "《习近平谈治国理政》有关篇目",
    "党的二十届四中全会精神",
    "《中国共产党支部工作条例（试行）》",
    "中央八项规定及其实施细则精神",
    "党史学习教育读本",
    "省委全会精神",
    "县委全会精神",
    "新修订的《中国共产党党员教育管理工作条例》",
];

const RECTIFICATIONS: [&str; 10] = [
    "理论学习不够系统深入，学用结合不紧。整改措施：制定个人学习计划，每月至少撰写1篇学习心得",
    "联系服务群众不够经常，对困难群众关心不够。整改措施：每名党员联系3至5户群众，每季度走访1次",
    "组织生活质量不高，主题党日内容单一。整改措施：结合实际丰富活动内容，每季度开展1次实践活动",
    "党员先锋模范作用发挥不够充分。整改措施：设立党员先锋岗，开展党员积分管理",
    "对流动党员管理不够到位。整改措施：建立流动党员联系台账，每月电话联系1次",
    "批评与自我批评辣味不足。整改措施：会前充分开展谈心谈话，会上直面问题",
    "发展党员工作不够规范，培养考察记录不全。整改措施：完善发展党员纪实档案",
    "支部阵地建设滞后，资料整理不及时。整改措施：明确专人负责，会议记录当月归档",
    "落实第一议题制度不够及时。整改措施：上级部署学习内容后7日内组织学习",
    "党费收缴不够及时。整改措施：每月固定日期收缴党费并公示",
];

const PREPARATION: [&str; 6] = [
    "组织党员集中学习研讨",
    "向群众发放征求意见表",
    "召开座谈会听取意见",
    "支委之间、支委与党员之间开展谈心谈话",
    "对照党章党规逐条检视",
    "逐一撰写对照检查材料",
];

const CRITICISM: [&str; 10] = [
    "参加集中学习不够经常",
    "对群众反映的问题跟进不够及时",
    "带头作用发挥不够",
    "工作方法有时比较简单",
    "学习笔记记得不够认真",
    "与群众谈心交流较少",
    "对年轻党员帮带不够",
    "工作中有畏难情绪",
    "参加志愿服务次数偏少",
    "按时交纳党费不够主动",
];

const REFLECT: [&str; 10] = [
    "大家一致认为要把思想和行动统一到党中央决策部署上来",
    "党员们纷纷表示要学深悟透、学以致用",
    "要求每名党员做好学习笔记，把学习成果转化为推动工作的实际行动",
    "与会人员结合岗位实际谈了认识",
    "大家表示要在本职岗位上抓好落实",
    "强调要原原本本学、联系实际学",
    "要求支部委员带头学、带头讲、带头落实",
    "大家结合近期工作开展了讨论",
    "会议要求把学习贯彻与当前重点工作结合起来",
    "大家表示要增强责任感和紧迫感",
];

const CLOSE: [&str; 12] = [
    "要按时足额交纳党费",
    "要主动亮明党员身份",
    "要带头遵守村规民约",
    "要关心身边困难群众",
    "要认真完成支部交办的任务",
    "要加强政治理论学习",
    "要严守纪律规矩",
    "要积极参加志愿服务",
    "要做好安全防范",
    "要按时参加组织生活",
    "要及时向支部报告思想和工作情况",
    "要发挥好先锋模范作用",
];

const VIEWS: [&str; 12] = [
    "要立足岗位多做实事",
    "要把群众的小事当成大事来办",
    "今后要主动参与村里的公益事务",
    "要带头做好邻里矛盾调解",
    "要加强学习，提高服务群众的本领",
    "要在产业发展中带头示范",
    "要多听群众意见",
    "要把学到的知识用到实际工作中",
    "愿意多承担一些支部的具体工作",
    "要关心关爱留守老人和儿童",
    "要以身作则、带头示范",
    "要珍惜党员身份，时刻严格要求自己",
];

/// What a record's text is written from.
struct Text {
    date: String,
    month: u32,
    org: String,
    place: String,
    host: String,
    present: Vec<String>,
    absent: Vec<(String, &'static str)>,
    titles: Vec<String>,
}

impl Text {
    fn new(u: &Unit<'_>, m: &MeetingSeed, titles: Vec<String>) -> Self {
        let name = |i: usize| u.w.name(i).to_string();
        Text {
            date: cn_date(m.held_on),
            month: m.held_on.month(),
            org: u.org.name.clone(),
            place: m.place.clone().unwrap_or_else(|| u.place.to_string()),
            host: m.host.clone().unwrap_or_else(|| "支部书记".to_string()),
            present: m.attendance.iter().filter(|a| a.present).map(|a| name(a.member)).collect(),
            absent: m
                .attendance
                .iter()
                .filter(|a| !a.present)
                .map(|a| (name(a.member), a.reason.unwrap_or(LEAVE)))
                .collect(),
            titles,
        }
    }

    /// What was studied, as said in minutes: the titles without their leading 学习贯彻.
    fn titles(&self) -> String {
        let subject =
            |t: &str| ["学习贯彻", "传达学习", "学习"].iter().find_map(|p| t.strip_prefix(p)).unwrap_or(t).to_string();
        self.titles.iter().map(|t| subject(t)).collect::<Vec<_>>().join("和")
    }

    /// A few of those present other than the host.
    fn speakers(&self, n: usize, rng: &mut ChaCha8Rng) -> Vec<String> {
        let others: Vec<usize> = (0..self.present.len()).filter(|&i| self.present[i] != self.host).collect();
        sample(rng, &others, n).into_iter().map(|i| self.present[i].clone()).collect()
    }

    fn attendance(&self) -> String {
        let expected = self.present.len() + self.absent.len();
        let mut s = format!("应到{expected}人，实到{}人", self.present.len());
        if self.absent.is_empty() {
            s.push_str("，全员到会");
        } else {
            let names: Vec<String> = self.absent.iter().take(3).map(|a| a.0.clone()).collect();
            let more = if self.absent.len() > 3 { "等" } else { "" };
            s.push_str(&format!("，{}{more}因{}未参加", names.join("、"), self.absent[0].1));
        }
        s
    }

    fn study(&self, rng: &mut ChaCha8Rng) -> String {
        if self.titles.is_empty() {
            return String::new();
        }
        let who = self.speakers(1, rng).pop().unwrap_or_else(|| self.host.clone());
        let reflect = pick(rng, &REFLECT);
        match rng.random_range(0..4) {
            0 => format!("会上，{who}领学了{}，{reflect}。", self.titles()),
            1 => format!("首先，全体参会人员集中学习了{}，{}结合工作谈了体会，{reflect}。", self.titles(), self.host),
            2 => format!("第一项议程，学习{}。{who}逐段领读，大家边学边议，{reflect}。", self.titles()),
            _ => format!("会议第一项传达学习了{}，{reflect}。", self.titles()),
        }
    }

    fn discussion(&self, rng: &mut ChaCha8Rng) -> String {
        let s = self.speakers(2, rng);
        match s.as_slice() {
            [a, b] if rng.random_bool(0.5) => {
                format!("{a}、{b}先后发言，{a}说{}；{b}谈到{}。", pick(rng, &VIEWS), pick(rng, &VIEWS))
            }
            [a, b] => format!("{a}、{b}作了交流发言，{a}表示{}，{b}表示{}。", pick(rng, &VIEWS), pick(rng, &VIEWS)),
            [a] => format!("{a}作了交流发言，表示{}。", pick(rng, &VIEWS)),
            _ => String::new(),
        }
    }

    fn closing(&self, rng: &mut ChaCha8Rng) -> String {
        let two = sample(rng, &CLOSE, 2);
        match rng.random_range(0..3) {
            0 => format!("最后，{}要求：一{}，二{}。", self.host, two[0], two[1]),
            1 => format!("{}强调，全体党员{}，{}。", self.host, two[0], two[1]),
            _ => format!("会议要求每名党员{}、{}。", two[0], two[1]),
        }
    }

    fn apply(&self, plan: &Plan, m: &mut MeetingSeed, rng: &mut ChaCha8Rng) {
        self.compose(plan, m, rng);
        if m.topic.chars().count() > 200 {
            m.topic = m.topic.chars().take(199).chain(['…']).collect();
        }
    }

    fn compose(&self, plan: &Plan, m: &mut MeetingSeed, rng: &mut ChaCha8Rng) {
        if !self.titles.is_empty() {
            m.agenda.push(format!("第一议题：{}", self.titles.join("；")));
        }
        match plan {
            Plan::ThemeDay { theme, lecture } => {
                m.topic = format!("{}月主题党日：{theme}", self.month);
                let opening = match rng.random_range(0..3) {
                    0 => format!(
                        "{}，{}在{}开展“{theme}”主题党日活动，{}主持。",
                        self.date, self.org, self.place, self.host
                    ),
                    1 => format!(
                        "{}上午，{}组织党员在{}开展{}月主题党日活动，主题为“{theme}”，由{}主持。",
                        self.date, self.org, self.place, self.month, self.host
                    ),
                    _ => format!(
                        "{}，{}{}月主题党日活动在{}举行，活动围绕“{theme}”展开，{}主持。",
                        self.date, self.org, self.month, self.place, self.host
                    ),
                };
                let mut s = format!("{opening}{}。{}", self.attendance(), self.study(rng));
                if m.kinds.contains(&MeetingKind::GeneralMeeting) {
                    m.agenda.push("支部党员大会：通报本季度支部工作情况".to_string());
                    s.push_str(&format!("随后召开支部党员大会，{}通报了本季度支部工作和党费收缴情况。", self.host));
                }
                if let Some((lecturer, title)) = lecture {
                    m.agenda.push(format!("党课：{title}"));
                    s.push_str(&format!("{lecturer}以“{title}”为题讲授专题党课。"));
                }
                m.agenda.push(format!("主题活动：{theme}"));
                s.push_str(&self.discussion(rng));
                s.push_str(&self.closing(rng));
                if rng.random_bool(0.3) {
                    s.push_str(&format!("活动最后，党员们交纳了{}月份党费。", self.month));
                }
                m.minutes = Some(s);
            }
            Plan::Committee { works } | Plan::PartyCommittee { works } => {
                let party = matches!(plan, Plan::PartyCommittee { .. });
                let what = if party { "党委会议" } else { "支部委员会会议" };
                m.topic = format!("{what}：研究{}、{}工作", works[0], works[1]);
                m.agenda.push(format!("研究{}、{}工作", works[0], works[1]));
                let members: Vec<String> = self.present.iter().filter(|p| **p != self.host).cloned().collect();
                let mut s = match rng.random_range(0..3) {
                    0 => format!(
                        "{}，{}在{}召开{what}，{}主持，{}参加。",
                        self.date,
                        self.org,
                        self.place,
                        self.host,
                        members.join("、")
                    ),
                    1 => format!(
                        "{}，{}召开{what}，会议由{}主持，{}出席。",
                        self.date,
                        self.org,
                        self.host,
                        members.join("、")
                    ),
                    _ => format!(
                        "{}上午，{}{what}在{}召开，{}、{}参加，{}主持。",
                        self.date,
                        self.org,
                        self.place,
                        self.host,
                        members.join("、"),
                        self.host
                    ),
                };
                if !self.absent.is_empty() {
                    let names: Vec<String> = self.absent.iter().map(|a| a.0.clone()).collect();
                    s.push_str(&format!("{}因{}缺席。", names.join("、"), self.absent[0].1));
                }
                s.push_str(&self.study(rng));
                let owner = members.first().cloned().unwrap_or_else(|| self.host.clone());
                let other = members.get(1).cloned().unwrap_or_else(|| self.host.clone());
                let by = fwd(m.held_on, rng.random_range(10..40));
                let (w0, w1) = (works[0], works[1]);
                let (pct, k, n) = (rng.random_range(30..96), rng.random_range(2..6), rng.random_range(3..40));
                s.push_str(&match rng.random_range(0..4) {
                    0 => format!("{owner}汇报了{w0}推进情况，目前已完成{pct}%；{other}就{w1}提出{k}条具体措施。"),
                    1 => format!("会议听取了{owner}关于{w0}的汇报，共排查{n}户（处），发现问题{k}个；{other}对{w1}作了安排。"),
                    2 => format!("围绕{w0}，{owner}建议分{k}个小组推进；关于{w1}，{other}提出由党员带头，{n}日内完成摸底。"),
                    _ => format!("{owner}通报了{w0}的进展和存在的{k}个困难；{other}就{w1}提出意见，会议同意按计划推进，{}前报送进度。", cn_date(by)),
                });
                if rng.random_bool(0.3) {
                    s.push_str(&format!("会议还通报了{}月份党费收缴情况。", self.month));
                }
                m.decisions = Some(format!(
                    "一、{}工作由{owner}牵头，{}前完成阶段任务；二、{}工作由{other}负责，按计划推进并在下次会议上报告。",
                    works[0],
                    cn_date(by),
                    works[1]
                ));
                m.minutes = Some(s);
            }
            Plan::Study => {
                m.topic = "支部党员大会：集中学习".to_string();
                let s = format!(
                    "{}，{}在{}召开支部党员大会集中学习，{}主持，{}。{}{}",
                    self.date,
                    self.org,
                    self.place,
                    self.host,
                    self.attendance(),
                    self.study(rng),
                    self.closing(rng)
                );
                m.minutes = Some(s);
            }
            Plan::Group { theme } => {
                m.topic = format!("党小组会：{theme}");
                let s = format!("组长{}主持，学习讨论{theme}，到会{}人。", self.host, self.present.len());
                m.minutes = Some(if plain_len(&s) < 55 {
                    s
                } else {
                    format!("组长{}主持，到会{}人。", self.host, self.present.len())
                });
            }
            Plan::Talk => {
                let other = self.present.iter().find(|p| **p != self.host).cloned().unwrap_or_default();
                m.topic = format!("{}与{other}谈心谈话", self.host);
                m.minutes = Some(format!("{}与{other}谈心，交流思想和工作情况，互相提出意见建议。", self.host));
            }
            Plan::Vote => {
                let subjects: Vec<String> = m.votes.iter().map(|v| v.subject.clone()).collect();
                m.topic = format!("支部党员大会：{}", subjects.join("；"));
                m.agenda.extend(subjects.iter().map(|s| format!("表决：{s}")));
                let mut s = match rng.random_range(0..3) {
                    0 => format!(
                        "{}，{}召开支部党员大会，{}主持，{}。",
                        self.date,
                        self.org,
                        self.host,
                        self.attendance()
                    ),
                    1 => format!(
                        "{}，{}在{}召开支部党员大会，{}。会议由{}主持。",
                        self.date,
                        self.org,
                        self.place,
                        self.attendance(),
                        self.host
                    ),
                    _ => format!(
                        "{}上午，{}支部党员大会在{}召开，{}主持，{}。",
                        self.date,
                        self.org,
                        self.place,
                        self.host,
                        self.attendance()
                    ),
                };
                for v in &m.votes {
                    let two = self.speakers(2, rng);
                    let introducers = two.join("、");
                    let steps = if v.election {
                        format!(
                            "会议通过了选举办法，推选{}为监票人，",
                            two.first().cloned().unwrap_or_else(|| self.host.clone())
                        )
                    } else if v.subject.contains("转正") {
                        format!("本人宣读了转正申请，入党介绍人{introducers}介绍了其预备期间的表现，")
                    } else {
                        format!(
                            "本人汇报了对党的认识和入党动机，入党介绍人{introducers}介绍了有关情况，支部委员会报告了审查情况，"
                        )
                    };
                    s.push_str(&format!(
                        "会议讨论{}事项，{steps}应到会有表决权党员{}名，实到{}名，经表决，赞成{}票，反对{}票，弃权{}票。",
                        v.subject, v.eligible, v.present, v.in_favour, v.against, v.abstain
                    ));
                }
                s.push_str(&self.closing(rng));
                m.minutes = Some(s);
            }
            Plan::OrgLife { year, .. } => {
                let org_life = m.kinds.contains(&MeetingKind::OrgLifeMeeting);
                let appraisal = m.kinds.contains(&MeetingKind::MemberAppraisal);
                m.topic = match (org_life, appraisal) {
                    (true, true) => format!("{year}年度组织生活会和民主评议党员"),
                    (true, false) => format!("{year}年度组织生活会"),
                    _ => format!("{year}年度民主评议党员"),
                };
                if org_life {
                    m.agenda.push(format!("{}代表支部委员会作对照检查", self.host));
                    m.agenda.push("党员个人对照检查，开展批评与自我批评".to_string());
                }
                if appraisal {
                    m.agenda.push("民主评议党员".to_string());
                }
                let s = self.speakers(3, rng);
                let (a, b, c) = match s.as_slice() {
                    [a, b, c] => (a.clone(), b.clone(), c.clone()),
                    [a, b] => (a.clone(), b.clone(), self.host.clone()),
                    _ => (self.host.clone(), self.host.clone(), self.host.clone()),
                };
                let prep = sample(rng, &PREPARATION, 2);
                let opening = match rng.random_range(0..3) {
                    0 => format!(
                        "{}，{}召开{}，{}主持，{}。",
                        self.date,
                        self.org,
                        m.topic,
                        self.host,
                        self.attendance()
                    ),
                    1 => format!(
                        "{}，{}在{}召开{}，{}。会议由{}主持。",
                        self.date,
                        self.org,
                        self.place,
                        m.topic,
                        self.attendance(),
                        self.host
                    ),
                    _ => format!(
                        "{}下午，{}{}在{}举行，{}主持，{}。",
                        self.date,
                        self.org,
                        m.topic,
                        self.place,
                        self.host,
                        self.attendance()
                    ),
                };
                let mut text = format!(
                    "{opening}会前，支部{}、{}，共征求意见建议{}条，开展谈心谈话{}人次。{}",
                    prep[0],
                    prep[1],
                    rng.random_range(4..16),
                    self.present.len() + rng.random_range(0..12),
                    self.study(rng)
                );
                let problems: Vec<&str> =
                    m.rectifications.iter().filter_map(|r| r.item.split_once('。').map(|(p, _)| p)).take(2).collect();
                if org_life {
                    let found = match problems.as_slice() {
                        [p, q, ..] => format!("，查摆出{p}、{q}等问题"),
                        [p] => format!("，查摆出{p}等问题"),
                        _ => String::new(),
                    };
                    let (x, y) = (pick(rng, &CRITICISM), pick(rng, &CRITICISM));
                    text.push_str(&format!(
                        "{}代表支部委员会作对照检查{found}。{a}、{b}、{c}等党员逐一发言，开展批评与自我批评，{a}指出{b}{x}，{c}指出{a}{y}。",
                        self.host
                    ));
                    m.criticism = Some(format!(
                        "{a}对{b}提出：{x}。{b}表示虚心接受，{}。{c}对{a}提出：{y}。{a}表示今后{}。",
                        pick(rng, &VIEWS),
                        pick(rng, &CLOSE)
                    ));
                    if !m.rectifications.is_empty() {
                        text.push_str(&format!(
                            "会议形成整改清单{}项，明确了责任人和完成时限。",
                            m.rectifications.len()
                        ));
                    }
                }
                if appraisal {
                    let excellent = if let Plan::OrgLife { excellent, .. } = plan { *excellent } else { 0 };
                    text.push_str(&format!(
                        "会议按照个人自评、党员互评、民主测评的程序开展民主评议党员，{}。",
                        match excellent {
                            0 => "全体党员均评定为合格以上等次".to_string(),
                            n => format!("评出优秀党员{n}名"),
                        }
                    ));
                }
                m.minutes = Some(text);
            }
            Plan::CentralGroup => {
                m.topic = format!("理论学习中心组{}月集中学习", self.month);
                let speakers = self.speakers(3, rng);
                let text = format!(
                    "{}，{}理论学习中心组开展集中学习，{}主持。{}{}作了交流发言。{}",
                    self.date,
                    self.org,
                    self.host,
                    self.study(rng),
                    speakers.join("、"),
                    self.closing(rng)
                );
                m.minutes = Some(text);
            }
            Plan::Lecture { title } => {
                m.topic = format!("专题党课：{title}");
                m.agenda.push(format!("党课：{title}"));
                m.minutes = Some(format!(
                    "{}，{}书记{}以“{title}”为题讲授专题党课，{}。党课围绕{}展开，{}。",
                    self.date,
                    self.org,
                    self.host,
                    self.attendance(),
                    pick(rng, &["坚定理想信念", "加强作风建设", "推动高质量发展", "密切联系群众"]),
                    pick(rng, &REFLECT)
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Gaps that span organizations or need the finished records.

struct Gaps<'a, 'w> {
    w: &'a World<'w>,
    out: &'a mut Out,
    keep: &'a [usize],
    rng: &'a mut ChaCha8Rng,
    /// The branch with the unchanging attendance list.
    listed: Option<i64>,
    /// The gaps planned for each organization (by index).
    flags: &'a [u32],
    /// Organizations given one of these gaps already.
    taken: Vec<i64>,
}

impl Gaps<'_, '_> {
    /// Left alone: the demo branch, organizations with a planned gap or one of these already.
    fn kept(&self, m: &MeetingSeed) -> bool {
        let flagged = usize::try_from(m.org_id - 1).ok().and_then(|o| self.flags.get(o)).is_some_and(|f| *f != 0);
        flagged
            || self.taken.contains(&m.org_id)
            || self.keep.iter().any(|&k| self.w.orgs.get(k).is_some_and(|o| o.id == m.org_id))
    }

    /// The demo accounts' branch.
    fn demo(&self, m: &MeetingSeed) -> bool {
        self.keep.iter().any(|&k| self.w.orgs.get(k).is_some_and(|o| o.id == m.org_id))
    }

    /// Indexes of the meetings of `org` with this kind, in date order.
    fn of(&self, org: i64, kind: MeetingKind) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.out.meetings.len())
            .filter(|&i| self.out.meetings[i].org_id == org && self.out.meetings[i].kinds.contains(&kind))
            .collect();
        v.sort_by_key(|&i| (self.out.meetings[i].held_on, i));
        v
    }

    /// Branches with a 主题党日 record, not the demo branch.
    fn branches(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .out
            .meetings
            .iter()
            .filter(|m| m.kinds.contains(&MeetingKind::ThemeDay) && !self.kept(m))
            .map(|m| m.org_id)
            .collect();
        ids.dedup();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// 3–5 branches copy the minutes of a 主题党日 into later ones, changing only the date; one of
    /// them also copies another branch's.
    fn copied_minutes(&mut self) {
        let branches = self.branches();
        let n = self.rng.random_range(3..=5);
        let chosen = sample(self.rng, &branches, n);
        self.taken.extend(&chosen);
        let mut first_text: Option<(String, String)> = None;
        for (k, org) in chosen.iter().enumerate() {
            let days = self.of(*org, MeetingKind::ThemeDay);
            let Some(&base) = days.first() else { continue };
            let Some(text) = self.out.meetings[base].minutes.clone() else { continue };
            let date = cn_date(self.out.meetings[base].held_on);
            let copies = self.rng.random_range(3..=5);
            for &i in days.iter().skip(1).take(copies) {
                let to = cn_date(self.out.meetings[i].held_on);
                self.out.meetings[i].minutes = Some(text.replacen(&date, &to, 1));
            }
            // Across branches: the last chosen branch copies the first one's text once.
            if k == 0 {
                first_text = Some((text, date));
            } else if k + 1 == chosen.len()
                && let (Some((text, date)), Some(&i)) = (&first_text, days.last())
            {
                let to = cn_date(self.out.meetings[i].held_on);
                self.out.meetings[i].minutes = Some(text.replacen(date.as_str(), &to, 1));
            }
        }
    }

    /// A branch whose attendance lists are the same for 8 months: one member always away.
    fn same_attendance(&mut self) {
        let w = self.w;
        let start = w.start;
        let quiet = |o: usize| {
            let r = &w.roster[o];
            (6..=30).contains(&r.len())
                && r.iter().all(|&m| {
                    let p = &w.members[m];
                    p.admitted_on < start && p.regularized_on.is_none_or(|d| d < start)
                })
                && w.orgs[o].term_start.is_none_or(|t| t < start)
        };
        let sized = |o: usize| (6..=30).contains(&w.roster[o].len());
        let mut candidates: Vec<i64> = Vec::new();
        for test in [&quiet as &dyn Fn(usize) -> bool, &sized] {
            if candidates.is_empty() {
                candidates = self
                    .branches()
                    .into_iter()
                    .filter(|id| usize::try_from(id - 1).is_ok_and(|o| o < w.orgs.len() && test(o)))
                    .collect();
            }
        }
        if candidates.is_empty() || w.months.len() < 9 {
            return;
        }
        let org = pick(self.rng, &candidates);
        let Ok(o) = usize::try_from(org - 1) else { return };
        let team: Vec<usize> = w.team[o].iter().map(|t| t.member).collect();
        let others: Vec<usize> = w.roster[o].iter().copied().filter(|m| !team.contains(m)).collect();
        if others.is_empty() {
            return;
        }
        let away = pick(self.rng, &others);
        self.listed = Some(org);
        self.taken.push(org);
        let (from, to) = (w.months[0], month_end(w.months[7]));
        let roster = |m: &MeetingSeed| {
            m.kinds.contains(&MeetingKind::ThemeDay) || m.kinds.contains(&MeetingKind::GeneralMeeting)
        };
        for m in self.out.meetings.iter_mut().filter(|m| m.org_id == org && m.held_on >= from && m.held_on <= to) {
            if !roster(m) || !m.attendance.iter().any(|a| a.member == away) {
                continue;
            }
            for a in m.attendance.iter_mut() {
                let present = a.member != away;
                a.present = present;
                a.reason = (!present).then_some(OUT_WORKING);
            }
        }
    }

    /// A 支部委员会 with only half the committee present (or fewer, in an odd committee).
    fn half_committee(&mut self) {
        let w = self.w;
        let fits = |m: &MeetingSeed, even: bool| {
            let seated = usize::try_from(m.org_id - 1).map_or(0, |o| w.in_office(o, m.held_on));
            m.kinds.contains(&MeetingKind::CommitteeMeeting)
                && m.attendance.len() >= 3
                && seated == m.attendance.len()
                && (!even || m.attendance.len().is_multiple_of(2))
        };
        let mut candidates: Vec<usize> = Vec::new();
        for even in [true, false] {
            if candidates.is_empty() {
                candidates = (0..self.out.meetings.len())
                    .filter(|&i| fits(&self.out.meetings[i], even) && !self.kept(&self.out.meetings[i]))
                    .collect();
            }
        }
        if candidates.is_empty() {
            return;
        }
        let i = pick(self.rng, &candidates);
        self.taken.push(self.out.meetings[i].org_id);
        let m = &mut self.out.meetings[i];
        let half = m.attendance.len() / 2;
        for (k, a) in m.attendance.iter_mut().enumerate() {
            a.present = k >= half;
            a.reason = (k < half).then_some(if k == 0 { TRAVEL } else { LEAVE });
        }
    }

    /// Votes that fail: one with half the votes in favour, one without a majority present, one
    /// by-election short of four fifths.
    fn failed_votes(&mut self) {
        let voted: Vec<usize> = (0..self.out.meetings.len())
            .filter(|&i| {
                let m = &self.out.meetings[i];
                !self.kept(m) && m.votes.iter().any(|v| !v.election && v.eligible >= 6)
            })
            .collect();
        let two = sample(self.rng, &voted, 2);
        self.taken.extend(two.iter().map(|&i| self.out.meetings[i].org_id));
        if let Some(&i) = two.first() {
            // Counted against those present rather than the eligible: half is not enough.
            for v in self.out.meetings[i].votes.iter_mut().filter(|v| !v.election).take(1) {
                v.in_favour = v.eligible / 2;
                let rest = v.present - v.in_favour.min(v.present);
                v.against = rest / 2;
                v.abstain = rest - rest / 2;
            }
        }
        if let Some(&i) = two.get(1) {
            // Half the members away: no quorum.
            let m = &mut self.out.meetings[i];
            let Some(eligible) = m.votes.first().map(|v| v.eligible) else { return };
            let present = eligible / 2;
            let mut keep = 0;
            for a in m.attendance.iter_mut() {
                if a.present && keep >= present {
                    a.present = false;
                    a.reason = Some(OUT_WORKING);
                } else if a.present {
                    keep += 1;
                }
            }
            for v in m.votes.iter_mut() {
                v.present = present;
                v.in_favour = present;
                v.against = 0;
                v.abstain = 0;
            }
        }
        // A by-election at a 党员大会 with too few present.
        let general: Vec<usize> = (0..self.out.meetings.len())
            .filter(|&i| {
                let m = &self.out.meetings[i];
                !self.kept(m)
                    && m.kinds.contains(&MeetingKind::ThemeDay)
                    && m.kinds.contains(&MeetingKind::GeneralMeeting)
                    && m.attendance.len() >= 10
                    && m.votes.is_empty()
            })
            .collect();
        if general.is_empty() {
            return;
        }
        let i = pick(self.rng, &general);
        self.taken.push(self.out.meetings[i].org_id);
        let m = &mut self.out.meetings[i];
        let eligible = m.attendance.len() as u32;
        let present = eligible * 7 / 10;
        for (k, a) in m.attendance.iter_mut().enumerate() {
            a.present = (k as u32) < present;
            a.reason = ((k as u32) >= present).then_some(OUT_WORKING);
        }
        let candidate = m.host.clone().unwrap_or_default();
        m.votes.push(VoteInput {
            subject: format!("补选{candidate}同志为支部委员"),
            election: true,
            eligible,
            present,
            in_favour: present,
            against: 0,
            abstain: 0,
        });
        m.agenda.push("补选支部委员".to_string());
        if let Some(text) = m.minutes.as_mut() {
            text.push_str(&format!(
                "会议补选{candidate}同志为支部委员，应到会有选举权党员{eligible}名，实到{present}名，{candidate}同志得{present}票。"
            ));
        }
    }

    /// Records imported from the branches' own registers (台账) have the counts and the names of
    /// the absent, not a list linked to the roster; talks, records entered by an account and the
    /// branch with the unchanging list keep theirs.
    fn counts_only(&mut self) {
        let listed = self.listed;
        for m in self.out.meetings.iter_mut() {
            if m.recorded_by.is_some() || m.kinds.contains(&MeetingKind::Talk) || Some(m.org_id) == listed {
                continue;
            }
            m.expected = m.attendance.len() as u32;
            m.present = m.attendance.iter().filter(|a| a.present).count() as u32;
            let absent: Vec<String> = m
                .attendance
                .iter()
                .filter(|a| !a.present)
                .take(40)
                .map(|a| format!("{}（{}）", self.w.name(a.member), a.reason.unwrap_or(LEAVE)))
                .collect();
            m.absent_note = (!absent.is_empty()).then(|| absent.join("、"));
            m.attendance = Vec::new();
        }
    }

    /// Two accounts enter 20-odd records of meetings held months before in one sitting.
    fn backfill(&mut self, users: &[UserSeed]) {
        let w = self.w;
        let town = users.iter().find(|u| u.role == Role::TownshipAdmin);
        let county = users.iter().find(|u| u.role == Role::CountyAdmin);
        let under = |org: i64, top: i64| {
            let mut at = Some(org);
            while let Some(id) = at {
                if id == top {
                    return true;
                }
                at = usize::try_from(id - 1).ok().and_then(|i| w.orgs.get(i)).and_then(|o| o.parent_id);
            }
            false
        };
        let mut taken: Vec<usize> = Vec::new();
        for (k, user) in [town, county].into_iter().enumerate() {
            let Some(user) = user else { continue };
            let sitting_day = fwd(w.today, -self.rng.random_range(12..40) - 45 * k as i64);
            let scope = match (k, user.org_id) {
                (0, Some(top)) => Some(top),
                _ => None,
            };
            let mut pool: Vec<usize> = (0..self.out.meetings.len())
                .filter(|i| !taken.contains(i))
                .filter(|&i| {
                    let m = &self.out.meetings[i];
                    let kinds_ok =
                        m.kinds.contains(&MeetingKind::ThemeDay) || m.kinds.contains(&MeetingKind::CommitteeMeeting);
                    let org = usize::try_from(m.org_id - 1).ok().and_then(|o| w.orgs.get(o));
                    let place_ok = match scope {
                        Some(top) => under(m.org_id, top),
                        None => org.is_some_and(|o| o.domain == OrgDomain::Organ),
                    };
                    kinds_ok
                        && place_ok
                        && !self.demo(m)
                        && m.held_on <= fwd(sitting_day, -60)
                        && m.held_on >= fwd(sitting_day, -240)
                })
                .collect();
            if pool.is_empty() {
                continue;
            }
            // A few branches' records, all of them.
            let mut orgs: Vec<i64> = pool.iter().map(|&i| self.out.meetings[i].org_id).collect();
            orgs.sort_unstable();
            orgs.dedup();
            let want = self.rng.random_range(22..30);
            let mut chosen: Vec<usize> = Vec::new();
            for org in sample(self.rng, &orgs, orgs.len()) {
                if chosen.len() >= want {
                    break;
                }
                chosen.extend(pool.iter().copied().filter(|&i| self.out.meetings[i].org_id == org));
            }
            chosen.truncate(want);
            chosen.sort_by_key(|&i| (self.out.meetings[i].held_on, i));
            pool.clear();
            let t = NaiveTime::from_hms_opt(14, self.rng.random_range(0..20), 0).unwrap_or_default();
            let mut at = (sitting_day.and_time(t) - TimeDelta::hours(8)).and_utc();
            for &i in &chosen {
                let m = &mut self.out.meetings[i];
                m.recorded_by = Some(user.username.clone());
                m.recorded_at = at;
                m.source = Source::Form;
                at += TimeDelta::seconds(self.rng.random_range(50..120));
                for a in self.out.appraisals.iter_mut().filter(|a| a.meeting_id == Some(m.id)) {
                    a.recorded_by = m.recorded_by.clone();
                    a.recorded_at = m.recorded_at;
                }
            }
            taken.extend(chosen);
        }
    }
}
