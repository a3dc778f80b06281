//! Member development (发展党员) in the synthetic county: a realistic pipeline in the branches, so
//! the pipeline pages, the reminders and the rule checks have people to show from the first
//! sign-in.
//!
//! About one branch in eight (more of the large ones, and always the demo accounts' branch)
//! develop members through the platform. In those:
//!
//! - every 预备党员 of the registry is a person of the pipeline with steps 1–17 and what followed
//!   (编入党小组, 入党宣誓, quarterly 继续教育考察, the 转正申请 near the end of the probation): the
//!   person is made from the member's record, the 支部大会 of admission (step 15) is the member's
//!   入党日期 and the approval (step 17) follows it;
//! - members regularized in the last five months are there too, through step 24 (the 转正 approval
//!   names the member's 转正日期), their materials not yet archived;
//! - a few new people: 入党申请人 (steps 1–2), 入党积极分子 (3–6, reviewed every half year),
//!   发展对象 (7–14) and some whose 支部大会 was held and whose approval is pending — at most six
//!   people in progress per branch.
//!
//! The 支部大会 votes are the ones of the meeting records (`life`) where there is one. Every person's
//! history is judged by `jiceng_rules::recruit::audit` while it is made, so a person meant to be
//! in order has no violation at all; and a few people are made to break one rule each, spread over
//! the county ([`Break`]): a talk after more than a month, a skipped half-yearly review, a
//! 发展对象 named less than a year after the 积极分子, one 入党介绍人, a short training, an approval
//! after three months without a reason, an application before 18. Two come from the rest of the
//! county: the registry's probationary members whose year ended long ago (overdue for 转正), and
//! admission votes the meeting record shows failing. The demo accounts' branch has no break.
//!
//! Dates are relative to `today` and never after the day before it; drawn from their own random
//! stream, so adding them leaves the rest of the county unchanged.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Months, NaiveDate, NaiveTime, TimeDelta, Utc};
use jiceng_rules::recruit::{Facts, Mentor, Params, Publicity, Sponsor, Vote};
use jiceng_store::recruit::PersonStatus;
use jiceng_store::seed::{LifeSeed, MemberSeed, OrgSeed, RecruitPersonSeed, RecruitSeed, RecruitStepSeed, UserSeed};
use jiceng_types::person::{Education, Gender, MemberCategory, MemberStatus};
use jiceng_types::{OrgDomain, OrgKind, OrgStatus, Role};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::names::{Namer, pick, weighted};
use crate::people::{MIX, year_after};
use crate::tree::{back, fwd};

mod history;

/// A rule of member development broken on purpose, so the demo's pipeline shows violations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Break {
    /// 党组织派人谈话 more than a month after the application.
    LateTalk,
    /// A half-yearly review of the 积极分子 skipped (more than six months between two).
    MissedReview,
    /// 确定发展对象 less than a year after 确定积极分子.
    EarlyCandidate,
    /// One 入党介绍人 instead of two.
    OneSponsor,
    /// A 集中培训 of two days and 16 学时.
    ShortTraining,
    /// The admission approved more than three months after the 支部大会, no reason given.
    LateApproval,
    /// The 入党申请书 handed in before the applicant was 18.
    UnderAge,
    /// A 预备党员 whose probation ended more than three months ago without a 转正 discussion (the
    /// registry's overdue probationary members).
    OverdueRegularization,
    /// A 支部大会 vote without a majority or a quorum, as the meeting record has it.
    FailedVote,
}

impl Break {
    /// Every kind.
    pub const ALL: [Break; 9] = [
        Break::LateTalk,
        Break::MissedReview,
        Break::EarlyCandidate,
        Break::OneSponsor,
        Break::ShortTraining,
        Break::LateApproval,
        Break::UnderAge,
        Break::OverdueRegularization,
        Break::FailedVote,
    ];

    /// The rules `jiceng_rules::recruit::audit` reports for it (and the only ones it reports for
    /// the person).
    pub fn rule_ids(self) -> &'static [&'static str] {
        match self {
            Break::LateTalk => &["dev.talk_within"],
            Break::MissedReview => &["dev.activist_review_every"],
            Break::EarlyCandidate => &["dev.activist_to_candidate_min"],
            Break::OneSponsor => &["dev.sponsors"],
            Break::ShortTraining => &["dev.training_min"],
            Break::LateApproval => &["dev.approval_within"],
            Break::UnderAge => &["dev.min_age"],
            Break::OverdueRegularization => &["dev.regularize_meeting_within"],
            Break::FailedVote => &["dev.vote_pass", "dev.vote_quorum"],
        }
    }
}

/// The generated pipeline: what is loaded, and who breaks which rule on purpose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recruitment {
    /// Persons and steps, as loaded.
    pub seed: RecruitSeed,
    /// The persons who break a rule on purpose: (person id, the break), by id.
    pub breaks: Vec<(i64, Break)>,
}

/// How many persons of the pipeline are where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecruitCounts {
    /// 入党申请人 (steps 1–2).
    pub applicants: usize,
    /// 入党积极分子 (steps 3–6).
    pub activists: usize,
    /// 发展对象 (steps 7–16, not yet approved).
    pub candidates: usize,
    /// 预备党员.
    pub probationary: usize,
    /// Regularized, materials not yet archived.
    pub regularized: usize,
}

impl RecruitCounts {
    /// The persons still being developed (申请人 to 预备党员).
    pub fn in_progress(&self) -> usize {
        self.applicants + self.activists + self.candidates + self.probationary
    }
}

impl Recruitment {
    /// How many persons are where.
    pub fn counts(&self) -> RecruitCounts {
        let mut furthest: HashMap<i64, u8> = HashMap::new();
        for s in &self.seed.steps {
            let n = furthest.entry(s.person_id).or_default();
            *n = (*n).max(s.facts.step().number());
        }
        let mut c = RecruitCounts::default();
        for p in &self.seed.persons {
            match p.status {
                PersonStatus::Probationary => c.probationary += 1,
                PersonStatus::Full => c.regularized += 1,
                PersonStatus::InProgress => match furthest.get(&p.id).copied().unwrap_or(1) {
                    0..=2 => c.applicants += 1,
                    3..=6 => c.activists += 1,
                    _ => c.candidates += 1,
                },
                PersonStatus::Cancelled | PersonStatus::Withdrawn => {}
            }
        }
        c
    }
}

// ---------------------------------------------------------------------------------------------
// Plans.

/// Where a planned person is to stand today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Applicant,
    Activist,
    Candidate,
    /// 支部大会 held, approval pending.
    Admitting,
    /// A 预备党员 of the registry (member index).
    Probationary(usize),
    /// Regularized recently (member index).
    Regularized(usize),
}

impl Kind {
    fn member(self) -> Option<usize> {
        match self {
            Kind::Probationary(m) | Kind::Regularized(m) => Some(m),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Plan {
    org: usize,
    kind: Kind,
    brk: Option<Break>,
}

/// One recorded step as generated.
#[derive(Debug, Clone)]
struct Ev {
    on: NaiveDate,
    facts: Facts,
    actor: Option<String>,
}

/// A made person: who, the history, and whether a vote was taken from a meeting record.
struct Made {
    applied: NaiveDate,
    birth: NaiveDate,
    events: Vec<Ev>,
    vote_from_record: bool,
}

/// What the generator reads.
struct Ctx<'a> {
    orgs: &'a [OrgSeed],
    members: &'a [MemberSeed],
    today: NaiveDate,
    /// The last day anything happens (the day before `today`).
    last: NaiveDate,
    params: Params,
    /// Active full members by organization index.
    full: Vec<Vec<usize>>,
    /// The account that records an organization's steps (`None` = imported).
    recorder: Vec<Option<String>>,
    /// The Party committee that approves for an organization.
    approver: Vec<String>,
    /// 中共龙泉县委组织部.
    department: String,
    /// The 支部大会 votes of the meeting records: (organization id, day, subject).
    votes: HashMap<(i64, NaiveDate, String), Vote>,
    /// The votes among them without a quorum or a majority, in the order of the records.
    failed: Vec<(i64, NaiveDate, String)>,
    namer: Namer,
}

/// A random number of days in `lo..=hi` (the lower end when `tight`).
fn span(rng: &mut ChaCha8Rng, lo: i64, hi: i64, tight: bool) -> i64 {
    if tight || hi <= lo { lo } else { rng.random_range(lo..=hi) }
}

/// A 公示 of 7–10 days ending 1–4 days before `d`.
fn publicity(d: NaiveDate, rng: &mut ChaCha8Rng) -> Option<Publicity> {
    let to = back(d, rng.random_range(1..=4));
    Some(Publicity { from: back(to, rng.random_range(6..=9)), to })
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

fn months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n)).unwrap_or(d)
}

impl Ctx<'_> {
    /// Full members of organization `o` on day `d` (regularized by then), other than `me`.
    fn full_on(&self, o: usize, d: NaiveDate, me: Option<usize>) -> Vec<usize> {
        self.full[o]
            .iter()
            .copied()
            .filter(|&m| Some(m) != me && self.members[m].regularized_on.is_some_and(|r| r <= d))
            .collect()
    }

    fn mentors(&self, o: usize, d: NaiveDate, me: Option<usize>, rng: &mut ChaCha8Rng) -> Vec<Mentor> {
        let pool = self.full_on(o, d, me);
        let n = if rng.random_bool(0.6) { 2 } else { 1 };
        sample(rng, &pool, n)
            .into_iter()
            .map(|m| Mentor { name: self.members[m].name.clone(), full_member: true })
            .collect()
    }

    /// Two sponsors (one for [`Break::OneSponsor`]): the mentors first, then other full members.
    fn sponsors(
        &self,
        o: usize,
        d: NaiveDate,
        me: Option<usize>,
        mentors: &[Mentor],
        n: usize,
        rng: &mut ChaCha8Rng,
    ) -> Vec<Sponsor> {
        let mut names: Vec<String> = mentors.iter().map(|m| m.name.clone()).collect();
        let pool = self.full_on(o, d, me);
        for m in sample(rng, &pool, pool.len()) {
            let name = &self.members[m].name;
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names.truncate(n);
        names.into_iter().map(|name| Sponsor { name, full_member: true, under_discipline: false }).collect()
    }

    /// The vote on `subject` at organization `o`'s 支部大会 on `d`: the meeting record's, else
    /// drawn from the branch's full members. True when it is the record's.
    fn vote(
        &self,
        o: usize,
        d: NaiveDate,
        subject: Option<String>,
        me: Option<usize>,
        rng: &mut ChaCha8Rng,
    ) -> (Vote, bool) {
        if let Some(v) = subject.and_then(|s| self.votes.get(&(self.orgs[o].id, d, s))) {
            return (*v, true);
        }
        let eligible = self.full_on(o, d, me).len().max(3) as u32;
        let present = eligible - rng.random_range(0..=eligible / 5);
        let in_favour = present - u32::from(present > 6 && rng.random_bool(0.3));
        (Vote { eligible, present, in_favour, one_by_one: true }, false)
    }

    /// A full member's name, for the talk after the application.
    fn talker(&self, o: usize, d: NaiveDate, me: Option<usize>, rng: &mut ChaCha8Rng) -> Option<String> {
        let pool = self.full_on(o, d, me);
        (!pool.is_empty()).then(|| self.members[pick(rng, &pool)].name.clone())
    }
}

fn back_years(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(12 * years)).unwrap_or(d)
}

// ---------------------------------------------------------------------------------------------
// Who they are.

fn education(rng: &mut ChaCha8Rng, domain: OrgDomain) -> Education {
    use Education::*;
    let (values, weights): (&[Education], &[u32]) = match domain {
        OrgDomain::Rural => (&[Bachelor, College, Vocational, HighSchool, MiddleSchool], &[12, 25, 15, 28, 20]),
        OrgDomain::Organ | OrgDomain::School | OrgDomain::Health => {
            (&[Postgraduate, Bachelor, College, Vocational], &[8, 65, 25, 2])
        }
        _ => (&[Bachelor, College, Vocational, HighSchool, MiddleSchool], &[35, 35, 10, 15, 5]),
    };
    values[weighted(rng, weights)]
}

fn work_post(rng: &mut ChaCha8Rng, domain: OrgDomain) -> &'static str {
    let list: &[&str] = match domain {
        OrgDomain::Rural => &["返乡创业青年", "种植大户", "合作社社员", "村委会文书", "乡村医生", "个体经营"],
        OrgDomain::Community => &["社区工作者", "网格员", "社区志愿者", "个体经营"],
        OrgDomain::Organ => &["科员", "工作人员", "办事员"],
        OrgDomain::School => &["教师", "班主任", "青年教师"],
        OrgDomain::Health => &["医师", "护士", "药剂师"],
        OrgDomain::StateEnterprise | OrgDomain::PrivateEnterprise => &["职工", "技术员", "销售员"],
        OrgDomain::SocialOrg => &["工作人员", "项目专员"],
        OrgDomain::NewEmployment => &["快递员", "外卖骑手", "网约车司机"],
        OrgDomain::Other => &["工作人员"],
    };
    pick(rng, list)
}

/// An ID number for a new person, unique among the members' and the others made.
fn id_card(org: &OrgSeed, birth: NaiveDate, male: bool, taken: &mut HashSet<String>, rng: &mut ChaCha8Rng) -> String {
    let region = Some(org.code.as_str())
        .filter(|c| c.len() >= 6 && c[..6].bytes().all(|b| b.is_ascii_digit()))
        .map_or("520100", |c| &c[..6]);
    let mut seq = rng.random_range(250..480u32);
    loop {
        let body = format!("{region}{}{:03}", birth.format("%Y%m%d"), (seq * 2 + u32::from(male)) % 1000);
        let check = jiceng_types::idcard::check_char(body.as_bytes()).map_or('0', char::from);
        let id = format!("{body}{check}");
        if taken.insert(id.clone()) {
            return id;
        }
        seq += 1;
    }
}

// ---------------------------------------------------------------------------------------------
// The county.

/// Generate the county's pipeline. `keep` are organizations left without breaks (the demo
/// accounts' branch), which always develop members.
#[expect(clippy::too_many_arguments, reason = "the parts of the county it reads")]
pub(crate) fn generate(
    orgs: &[OrgSeed],
    members: &[MemberSeed],
    users: &[UserSeed],
    life: &LifeSeed,
    county: &str,
    seed: u64,
    today: NaiveDate,
    keep: &[usize],
) -> Recruitment {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0DE7_E10F_3E27);
    let ctx = context(orgs, members, users, life, county, today);
    let plans = plan(&ctx, keep, &mut rng);
    let mut taken: HashSet<String> = members.iter().filter_map(|m| m.extra.id_card.clone()).collect();
    let mut out = Recruitment::default();
    for mut p in plans {
        let Some(made) = ctx.attempt(&mut p, &mut rng) else { continue };
        let id = out.seed.persons.len() as i64 + 1;
        let org = &orgs[p.org];
        let recorder = ctx.recorder[p.org].clone();
        let mut stamps = Vec::with_capacity(made.events.len());
        for e in &made.events {
            let day = fwd(e.on, rng.random_range(0..=3)).min(ctx.last).max(e.on);
            stamps.push(china_time(day, &mut rng));
        }
        // Registered when the application was recorded.
        let first = made.events.iter().position(|e| e.facts == Facts::Application).unwrap_or(0);
        let created_at = stamps[first];
        let person = match p.kind.member() {
            Some(m) => {
                let mb = &members[m];
                RecruitPersonSeed {
                    id,
                    org_id: org.id,
                    member: Some(m),
                    name: mb.name.clone(),
                    gender: mb.gender,
                    ethnicity: mb.ethnicity.to_string(),
                    birth_date: mb.birth_date,
                    education: mb.education,
                    work_post: mb.extra.work_post.clone(),
                    id_card: mb.extra.id_card.clone().unwrap_or_default(),
                    phone: mb.extra.phone.clone(),
                    applied_on: made.applied,
                    status: if matches!(p.kind, Kind::Regularized(_)) {
                        PersonStatus::Full
                    } else {
                        PersonStatus::Probationary
                    },
                    created_by: recorder.clone(),
                    created_at,
                }
            }
            None => {
                let female = rng.random_bool(if org.domain == OrgDomain::Rural { 0.3 } else { 0.45 });
                let phone = rng.random_bool(0.9).then(|| {
                    format!("1{}{:09}", [3, 5, 7, 8, 9][rng.random_range(0..5)], rng.random_range(0..1_000_000_000u32))
                });
                RecruitPersonSeed {
                    id,
                    org_id: org.id,
                    member: None,
                    name: ctx.namer.person(&mut rng, female),
                    gender: if female { Gender::Female } else { Gender::Male },
                    ethnicity: MIX[weighted(&mut rng, &MIX.map(|m| m.1))].0.to_string(),
                    birth_date: made.birth,
                    education: education(&mut rng, org.domain),
                    work_post: Some(work_post(&mut rng, org.domain).to_string()),
                    id_card: id_card(org, made.birth, !female, &mut taken, &mut rng),
                    phone,
                    applied_on: made.applied,
                    status: PersonStatus::InProgress,
                    created_by: recorder.clone(),
                    created_at,
                }
            }
        };
        for (e, at) in made.events.into_iter().zip(stamps) {
            out.seed.steps.push(RecruitStepSeed {
                id: out.seed.steps.len() as i64 + 1,
                person_id: id,
                held_on: e.on,
                facts: e.facts,
                actor: e.actor,
                note: None,
                recorded_by: recorder.clone(),
                recorded_at: at,
            });
        }
        if let Some(b) = p.brk {
            out.breaks.push((id, b));
        }
        out.seed.persons.push(person);
    }
    out
}

/// What the generator reads of the county.
fn context<'a>(
    orgs: &'a [OrgSeed],
    members: &'a [MemberSeed],
    users: &[UserSeed],
    life: &LifeSeed,
    county: &str,
    today: NaiveDate,
) -> Ctx<'a> {
    let index: HashMap<i64, usize> = orgs.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
    let mut full = vec![Vec::new(); orgs.len()];
    for (i, m) in members.iter().enumerate() {
        if m.category == MemberCategory::Full
            && m.status == MemberStatus::Active
            && let Some(&o) = index.get(&m.org_id)
        {
            full[o].push(i);
        }
    }
    let up = |o: usize| orgs[o].parent_id.and_then(|p| index.get(&p).copied());
    // The branch's own account, else the township organizer's above it, else none (imported).
    let recorder = (0..orgs.len())
        .map(|o| {
            let own = users.iter().find(|u| u.role == Role::BranchSecretary && u.org_id == Some(orgs[o].id));
            if let Some(u) = own {
                return Some(u.username.clone());
            }
            let mut at = Some(o);
            while let Some(i) = at {
                if let Some(u) = users.iter().find(|u| u.role == Role::TownshipAdmin && u.org_id == Some(orgs[i].id)) {
                    return Some(u.username.clone());
                }
                at = up(i);
            }
            None
        })
        .collect();
    let approver = (0..orgs.len())
        .map(|o| {
            let mut at = up(o);
            while let Some(i) = at {
                if matches!(orgs[i].kind, OrgKind::Committee | OrgKind::WorkingCommittee | OrgKind::CountyCommittee) {
                    return orgs[i].name.clone();
                }
                at = up(i);
            }
            up(o).map_or_else(|| orgs[o].name.clone(), |p| orgs[p].name.clone())
        })
        .collect();
    let mut votes = HashMap::new();
    let mut failed = Vec::new();
    for m in &life.meetings {
        for v in m.votes.iter().filter(|v| !v.election) {
            let vote = Vote { eligible: v.eligible, present: v.present, in_favour: v.in_favour, one_by_one: true };
            let key = (m.org_id, m.held_on, v.subject.clone());
            if vote.present * 2 <= vote.eligible || vote.in_favour * 2 <= vote.eligible {
                failed.push(key.clone());
            }
            votes.insert(key, vote);
        }
    }
    Ctx {
        orgs,
        members,
        today,
        last: back(today, 1),
        params: Params::default(),
        full,
        recorder,
        approver,
        department: format!("中共{county}委组织部"),
        votes,
        failed,
        namer: Namer::new(),
    }
}

/// Who is in the pipeline: the developing branches' registry members and new people, then the
/// breaks.
fn plan(ctx: &Ctx<'_>, keep: &[usize], rng: &mut ChaCha8Rng) -> Vec<Plan> {
    let (orgs, members, today) = (ctx.orgs, ctx.members, ctx.today);
    let index: HashMap<i64, usize> = orgs.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
    let active = |m: &MemberSeed| m.status == MemberStatus::Active && m.extra.id_card.is_some();
    let mut probationary: Vec<Vec<usize>> = vec![Vec::new(); orgs.len()];
    let mut regularized: Vec<Vec<usize>> = vec![Vec::new(); orgs.len()];
    for (i, m) in members.iter().enumerate() {
        let Some(&o) = index.get(&m.org_id) else { continue };
        if !active(m) || orgs[o].status != OrgStatus::Active {
            continue;
        }
        if m.category == MemberCategory::Probationary {
            probationary[o].push(i);
        } else if let Some(r) = m.regularized_on
            && r == year_after(m.admitted_on)
            && back(today, 150) <= r
            && r <= back(today, 16)
        {
            regularized[o].push(i);
        }
    }
    // Overdue for 转正: the probation ended more than three months ago.
    let overdue = |m: usize| months(year_after(members[m].admitted_on), 3) < today;
    let eligible = |o: usize| orgs[o].kind.is_branch() && orgs[o].status == OrgStatus::Active && ctx.full[o].len() >= 3;

    let mut plans: Vec<Plan> = Vec::new();
    let mut developing: Vec<usize> = Vec::new();
    // People in progress (not yet regularized) per branch.
    let mut load: HashMap<usize, usize> = HashMap::new();
    let mut linked: HashSet<usize> = HashSet::new();
    for o in 0..orgs.len() {
        if !eligible(o) {
            continue;
        }
        let kept = keep.contains(&o);
        let p = (0.04 + ctx.full[o].len() as f64 / 250.0).min(0.3);
        if !(rng.random_bool(p) || kept) {
            continue;
        }
        developing.push(o);
        for &m in &probationary[o] {
            if kept && overdue(m) {
                continue;
            }
            let brk = overdue(m).then_some(Break::OverdueRegularization);
            plans.push(Plan { org: o, kind: Kind::Probationary(m), brk });
            linked.insert(m);
        }
        for &m in &regularized[o] {
            plans.push(Plan { org: o, kind: Kind::Regularized(m), brk: None });
            linked.insert(m);
        }
        let room = 6usize.saturating_sub(probationary[o].len());
        let kinds: Vec<Kind> = if kept {
            vec![Kind::Applicant, Kind::Activist, Kind::Candidate, Kind::Admitting]
        } else {
            let n = weighted(rng, &[25, 40, 22, 9, 4]).min(room);
            (0..n)
                .map(|_| {
                    [Kind::Applicant, Kind::Activist, Kind::Candidate, Kind::Admitting]
                        [weighted(rng, &[30, 40, 20, 10])]
                })
                .collect()
        };
        *load.entry(o).or_default() += probationary[o].len() + kinds.len();
        plans.extend(kinds.into_iter().map(|kind| Plan { org: o, kind, brk: None }));
    }

    // The registry's other overdue probationary members, wherever they are.
    for o in (0..orgs.len()).filter(|o| !keep.contains(o) && orgs[*o].status == OrgStatus::Active) {
        for &m in probationary[o].iter().filter(|&&m| overdue(m) && !linked.contains(&m)) {
            plans.push(Plan { org: o, kind: Kind::Probationary(m), brk: Some(Break::OverdueRegularization) });
        }
    }

    // The members whose 支部大会 vote failed in the meeting record.
    for (org_id, d, subject) in &ctx.failed {
        let Some(&o) = index.get(org_id) else { continue };
        if keep.contains(&o) || orgs[o].status != OrgStatus::Active {
            continue;
        }
        let subject_of = |m: &MemberSeed| match m.category {
            MemberCategory::Probationary if m.admitted_on == *d => {
                Some((format!("接收{}同志为中共预备党员", m.name), Kind::Probationary as fn(usize) -> Kind))
            }
            MemberCategory::Full if m.regularized_on == Some(*d) && *d <= back(today, 2) => {
                Some((format!("{}同志预备党员按期转为正式党员", m.name), Kind::Regularized as fn(usize) -> Kind))
            }
            _ => None,
        };
        let found = members.iter().enumerate().find_map(|(i, m)| {
            let (s, kind) = subject_of(m).filter(|_| m.org_id == *org_id && active(m))?;
            (s == *subject && m.admitted_on < back(today, 4)).then_some((i, kind))
        });
        if let Some((m, kind)) = found
            && linked.insert(m)
        {
            plans.push(Plan { org: o, kind: kind(m), brk: Some(Break::FailedVote) });
        }
    }

    // The breaks: a few of each, spread over the county, never in `keep`.
    let n = (plans.len() / 150).max(1);
    let long_ago = |m: usize| members[m].admitted_on <= back(today, 110);
    let mut late: Vec<usize> = plans
        .iter()
        .enumerate()
        .filter(|(_, p)| p.brk.is_none() && !keep.contains(&p.org))
        .filter(|(_, p)| matches!(p.kind, Kind::Probationary(m) if long_ago(m)))
        .map(|(i, _)| i)
        .collect();
    if late.is_empty() {
        // None in the developing branches: a probationary member of another branch.
        let other = (0..orgs.len())
            .filter(|&o| eligible(o) && !keep.contains(&o))
            .flat_map(|o| probationary[o].iter().map(move |&m| (o, m)))
            .find(|&(_, m)| long_ago(m) && !overdue(m) && !linked.contains(&m));
        if let Some((o, m)) = other {
            late.push(plans.len());
            plans.push(Plan { org: o, kind: Kind::Probationary(m), brk: None });
        }
    }
    for i in sample(rng, &late, n) {
        plans[i].brk = Some(Break::LateApproval);
    }
    let mut hosts: Vec<usize> = developing.iter().copied().filter(|o| !keep.contains(o)).collect();
    if hosts.is_empty() {
        hosts = (0..orgs.len()).filter(|&o| eligible(o) && !keep.contains(&o)).collect();
    }
    if !hosts.is_empty() {
        let extra = [
            (Break::LateTalk, Kind::Activist),
            (Break::MissedReview, Kind::Activist),
            (Break::UnderAge, Kind::Applicant),
            (Break::EarlyCandidate, Kind::Candidate),
            (Break::OneSponsor, Kind::Candidate),
            (Break::ShortTraining, Kind::Candidate),
        ];
        for (brk, kind) in extra {
            for _ in 0..n {
                let free: Vec<usize> =
                    hosts.iter().copied().filter(|o| load.get(o).copied().unwrap_or(0) < 6).collect();
                let org = pick(rng, if free.is_empty() { &hosts } else { &free });
                *load.entry(org).or_default() += 1;
                plans.push(Plan { org, kind, brk: Some(brk) });
            }
        }
    }
    plans
}
