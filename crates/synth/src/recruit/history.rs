//! One person's history: the steps from the application to where the plan puts them today,
//! with dates that keep every interval rule (or break exactly the rule planned), judged by the
//! rules while it is made.

use chrono::NaiveDate;
use jiceng_rules::recruit::{self as rules, Decision, Event, Facts, Mentor};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Break, Ctx, Ev, Kind, Made, Plan, back_years, publicity, span};
use crate::people::year_after;
use crate::tree::{back, fwd};

/// The steps of one person, pushed in order with a cut-off: nothing after `ctx.last`.
struct Hist<'c, 'a> {
    ctx: &'c Ctx<'a>,
    org: usize,
    me: Option<usize>,
    brk: Option<Break>,
    tight: bool,
    events: Vec<Ev>,
    vote_from_record: bool,
}

impl Hist<'_, '_> {
    fn push(&mut self, on: NaiveDate, facts: Facts, actor: Option<String>) -> bool {
        if on > self.ctx.last {
            return false;
        }
        self.events.push(Ev { on, facts, actor });
        true
    }

    fn is(&self, b: Break) -> bool {
        self.brk == Some(b)
    }

    /// Steps 1–2: the application and the talk (until `until`, exclusive).
    fn apply(&mut self, applied: NaiveDate, until: NaiveDate, rng: &mut ChaCha8Rng) {
        self.push(applied, Facts::Application, None);
        let (lo, hi) = if self.is(Break::LateTalk) { (35, 70) } else { (5, 28) };
        let talk = fwd(applied, span(rng, lo, hi, self.tight));
        if talk < until {
            let who = self.ctx.talker(self.org, talk, self.me, rng);
            self.push(talk, Facts::ApplicationTalk, who);
        }
    }

    /// Steps 3–6 from 确定积极分子 on `s`, until `until` (exclusive): a review every half year,
    /// the last one at most 165 days before `until`.
    fn activist(&mut self, s: NaiveDate, until: NaiveDate, rng: &mut ChaCha8Rng) -> Vec<Mentor> {
        let ctx = self.ctx;
        self.push(s, Facts::ActivistSelection { publicity: publicity(s, rng) }, None);
        let mentored = fwd(s, rng.random_range(0..=15));
        let mentors = ctx.mentors(self.org, mentored, self.me, rng);
        if mentored < until {
            self.push(mentored, Facts::MentorAssignment { mentors: mentors.clone() }, None);
        }
        let filed = fwd(s, rng.random_range(3..=20));
        if filed < until {
            self.push(filed, Facts::ActivistFiling, Some(ctx.approver[self.org].clone()));
        }
        let mut reviews = Vec::new();
        let mut last = s;
        if self.is(Break::MissedReview) {
            last = fwd(s, rng.random_range(200..=250));
            reviews.push(last);
        }
        while fwd(last, 165) < until {
            let next = fwd(last, span(rng, 120, 175, self.tight)).min(back(until, 1));
            if next <= last {
                break;
            }
            reviews.push(next);
            last = next;
        }
        for r in reviews {
            self.push(r, Facts::ActivistReview, None);
        }
        mentors
    }

    /// Steps 1–6 before 确定发展对象 on `c`.
    fn before_candidate(&mut self, c: NaiveDate, rng: &mut ChaCha8Rng) -> Vec<Mentor> {
        let s = if self.is(Break::EarlyCandidate) {
            back(c, rng.random_range(240..=330))
        } else {
            back(c, span(rng, 367, 500, self.tight))
        };
        let lo = if self.is(Break::LateTalk) { 80 } else { 40 };
        let applied = back(s, span(rng, lo, 400, self.tight));
        self.apply(applied, s, rng);
        self.activist(s, c, rng)
    }

    /// Steps 7–14 from 确定发展对象 on `c`; with `admit`, all of them, fitted before the 支部大会
    /// on that day (预审 within the month before it).
    fn candidate(&mut self, c: NaiveDate, admit: Option<NaiveDate>, mentors: &[Mentor], rng: &mut ChaCha8Rng) {
        let ctx = self.ctx;
        let t = self.tight;
        let (review, pre, form) = match admit {
            Some(a) => {
                let form = back(a, span(rng, 1, 8, t));
                let pre = back(form, span(rng, 0, 10, t));
                (back(pre, span(rng, 3, 20, t)), pre, form)
            }
            None => (NaiveDate::MAX, NaiveDate::MAX, NaiveDate::MAX),
        };
        // 8–11 between `c` and the committee review.
        let room = if admit.is_some() { (review - c).num_days() - 1 } else { 160 };
        let filed = fwd(c, rng.random_range(3..=20));
        let sponsored = fwd(c, rng.random_range(3..=25));
        let polit = fwd(c, rng.random_range(7..=40));
        let concluded = fwd(polit, rng.random_range(15..=60)).min(fwd(c, room));
        let trained = fwd(c, rng.random_range(20..=room.clamp(20, 120)));
        self.push(c, Facts::CandidateSelection { publicity: publicity(c, rng) }, None);
        self.push(filed, Facts::CandidateFiling, Some(ctx.approver[self.org].clone()));
        let n = if self.is(Break::OneSponsor) { 1 } else { 2 };
        let sponsors = ctx.sponsors(self.org, sponsored, self.me, mentors, n, rng);
        self.push(sponsored, Facts::SponsorAssignment { sponsors }, None);
        let concluded_on = (concluded <= ctx.last).then_some(concluded);
        self.push(polit, Facts::PoliticalReview { concluded_on, qualified: true }, None);
        let (days, hours) = if self.is(Break::ShortTraining) {
            (2, 16)
        } else {
            (rng.random_range(3..=5), [24, 24, 32, 40][rng.random_range(0..4)])
        };
        let by = if rng.random_bool(0.5) { ctx.department.clone() } else { ctx.approver[self.org].clone() };
        self.push(trained, Facts::IntensiveTraining { days, hours }, Some(by));
        let (review, pre, form) = match admit {
            Some(_) => (review, pre, form),
            None => {
                let review = fwd(filed.max(sponsored).max(concluded).max(trained), rng.random_range(3..=30));
                let pre = fwd(review, rng.random_range(3..=20));
                (review, pre, fwd(pre, rng.random_range(0..=10)))
            }
        };
        self.push(review, Facts::CommitteeReview, None);
        // Without a 支部大会, a 预审 more than 25 days ago would be overdue: it has not happened.
        if admit.is_some() || back(ctx.today, 25) <= pre {
            self.push(pre, Facts::PreReview, Some(ctx.approver[self.org].clone()));
            self.push(form, Facts::AdmissionForm, None);
        }
    }

    /// Steps 1–15 up to the 支部大会 of admission on `a`.
    fn admitted(&mut self, a: NaiveDate, rng: &mut ChaCha8Rng) {
        let c = back(a, span(rng, 150, 330, self.tight));
        let mentors = self.before_candidate(c, rng);
        self.candidate(c, Some(a), &mentors, rng);
        let subject = self.me.map(|m| format!("接收{}同志为中共预备党员", self.ctx.members[m].name));
        let (vote, recorded) = self.ctx.vote(self.org, a, subject, self.me, rng);
        self.vote_from_record |= recorded;
        self.push(a, Facts::AdmissionMeeting { vote, leaving_unit_on: None }, None);
    }

    /// Steps 16–17 (approval on `approved`, if by then), then what follows until `until`.
    fn probation(&mut self, a: NaiveDate, approved: NaiveDate, until: NaiveDate, rng: &mut ChaCha8Rng) {
        let ctx = self.ctx;
        let talk = fwd(a, rng.random_range(0..=(approved - a).num_days().clamp(0, 20)));
        self.push(talk, Facts::ApprovalTalk { by_committee_member: true }, Some(ctx.namer.person(rng, false)));
        let facts = Facts::AdmissionApproval { late_reason: None, publicity: publicity(approved, rng) };
        if !self.push(approved, facts, Some(ctx.approver[self.org].clone())) {
            return;
        }
        let mut later = vec![
            (fwd(approved, rng.random_range(3..=30)), Facts::AdmissionFiling, Some(ctx.department.clone())),
            (fwd(approved, rng.random_range(1..=20)), Facts::GroupPlacement, None),
            (fwd(approved, rng.random_range(3..=45)), Facts::Oath, None),
        ];
        let mut r = approved;
        loop {
            r = fwd(r, rng.random_range(80..=100));
            if r >= until {
                break;
            }
            later.push((r, Facts::ProbationReview, None));
        }
        later.sort_by_key(|l| l.0);
        for (on, facts, actor) in later.into_iter().filter(|l| l.0 < until) {
            self.push(on, facts, actor);
        }
    }
}

impl Ctx<'_> {
    /// Make a planned person's history; `None` if the plan cannot fit (a member too young for a
    /// whole development before the 入党日期).
    pub(super) fn make(&self, plan: Plan, tight: bool, rng: &mut ChaCha8Rng) -> Option<Made> {
        let me = plan.kind.member();
        let mut h =
            Hist { ctx: self, org: plan.org, me, brk: plan.brk, tight, events: Vec::new(), vote_from_record: false };
        let today = self.today;
        match plan.kind {
            Kind::Applicant => {
                let applied = back(today, rng.random_range(2..=240));
                h.push(applied, Facts::Application, None);
                let room = (self.last - applied).num_days().min(28);
                if room >= 5 && (back(today, 26) > applied || rng.random_bool(0.5)) {
                    let talk = fwd(applied, rng.random_range(5..=room));
                    let who = self.talker(plan.org, talk, me, rng);
                    h.push(talk, Facts::ApplicationTalk, who);
                }
            }
            Kind::Activist => {
                let s = if plan.brk == Some(Break::MissedReview) {
                    back(today, rng.random_range(280..=700))
                } else {
                    back(today, rng.random_range(10..=700))
                };
                let lo = if plan.brk == Some(Break::LateTalk) { 80 } else { 40 };
                let applied = back(s, rng.random_range(lo..=400));
                h.apply(applied, s, rng);
                h.activist(s, today, rng);
            }
            Kind::Candidate => {
                let lo = match plan.brk {
                    Some(Break::ShortTraining) => 130,
                    Some(Break::OneSponsor) => 30,
                    _ => 5,
                };
                let c = back(today, rng.random_range(lo..=240));
                let mentors = h.before_candidate(c, rng);
                h.candidate(c, None, &mentors, rng);
            }
            Kind::Admitting => {
                let a = back(today, rng.random_range(3..=75));
                h.admitted(a, rng);
                let talk = fwd(a, rng.random_range(1..=20));
                h.push(talk, Facts::ApprovalTalk { by_committee_member: true }, Some(self.namer.person(rng, false)));
            }
            Kind::Probationary(m) => {
                let a = self.members[m].admitted_on;
                h.admitted(a, rng);
                let approved = if plan.brk == Some(Break::LateApproval) {
                    fwd(a, rng.random_range(95..=150)).min(self.last)
                } else {
                    fwd(a, rng.random_range(7..=70)).min(self.last).min(fwd(a, 85))
                };
                if approved <= a || approved > self.last {
                    return None;
                }
                let end = year_after(a);
                h.probation(a, approved, today, rng);
                let applied = back(end, rng.random_range(5..=30)).max(fwd(approved, 1));
                h.push(applied, Facts::RegularizationApplication, None);
            }
            Kind::Regularized(m) => {
                let member = &self.members[m];
                let (a, r) = (member.admitted_on, member.regularized_on?);
                h.admitted(a, rng);
                let approved = fwd(a, rng.random_range(7..=70));
                h.probation(a, approved, r, rng);
                let applied = back(r, rng.random_range(5..=30)).max(fwd(approved, 1));
                h.push(applied, Facts::RegularizationApplication, None);
                let subject = format!("{}同志预备党员按期转为正式党员", member.name);
                let (vote, recorded) = self.vote(plan.org, r, Some(subject), me, rng);
                h.vote_from_record |= recorded;
                h.push(r, Facts::RegularizationMeeting { vote, decision: Decision::Regularize }, None);
                let approved = fwd(r, rng.random_range(15..=60)).min(self.last).min(fwd(r, 85));
                let facts =
                    Facts::RegularizationApproval { regularized_on: Some(r), publicity: publicity(approved, rng) };
                h.push(approved, facts, Some(self.approver[plan.org].clone()));
            }
        }
        let applied = h.events.iter().find(|e| e.facts == Facts::Application)?.on;
        let birth = match me {
            Some(m) => self.members[m].birth_date,
            None if plan.brk == Some(Break::UnderAge) => back(back_years(applied, 17), rng.random_range(30..=300)),
            None => {
                // Most apply in their twenties.
                let extra = (rng.random::<f64>().powf(1.8) * 17.0 * 365.0) as i64;
                back(back_years(applied, 18), 10 + extra)
            }
        };
        Some(Made { applied, birth, events: h.events, vote_from_record: h.vote_from_record })
    }

    /// The rules' view of a made person.
    pub(super) fn person(made: &Made) -> rules::Person {
        rules::Person {
            birth_date: made.birth,
            applied_on: made.applied,
            events: made.events.iter().map(|e| Event::new(e.on, e.facts.clone())).collect(),
        }
    }

    /// Make a person that keeps the plan: no violation at all, or only those of its break (a
    /// vote taken from a failing meeting record makes it a [`Break::FailedVote`]).
    pub(super) fn attempt(&self, plan: &mut Plan, rng: &mut ChaCha8Rng) -> Option<Made> {
        for tries in 0..24 {
            let Some(made) = self.make(*plan, tries >= 16, rng) else { continue };
            let found = rules::audit(&Self::person(&made), &self.params, self.today);
            let only = |b: Break| !found.is_empty() && found.iter().all(|v| b.rule_ids().contains(&v.rule_id));
            match plan.brk {
                None if found.is_empty() => return Some(made),
                Some(b) if only(b) => return Some(made),
                None if made.vote_from_record && only(Break::FailedVote) => {
                    plan.brk = Some(Break::FailedVote);
                    return Some(made);
                }
                _ => {}
            }
        }
        None
    }
}
