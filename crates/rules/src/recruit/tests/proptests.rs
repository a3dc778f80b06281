//! Random histories built only from valid steps (under random county parameters) pass the audit:
//! every step is dated inside the window its rules give, the history is cut at a random point,
//! and `today` is a random day before the next deadline.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::super::due::{pending, window};
use super::super::history::{History, add_months, add_years, sorted};
use super::super::params::Limits;
use super::*;

/// Random county parameters within their bounds (and consistent with each other).
fn random_params() -> impl Strategy<Value = Params> {
    (
        (18i64..=40, 1i64..=3, 1i64..=12, 1i64..=3, 1i64..=30, 8i64..=240, 0i64..=12, 1i64..=6),
        (1i64..=6, 0i64..=5, 6i64..=12, 0i64..=6, 1i64..=12, 1i64..=6, prop_oneof![Just(0i64), 6i64..=36], 0i64..=30),
    )
        .prop_map(
            |(
                (age, talk, review, years, days, hours, leaving, pre),
                (appr, appr_extra, ext_min, ext_extra, rm, ra, polit, publicity),
            )| {
                params(&[
                    ("dev.min_age", age),
                    ("dev.talk_within", talk),
                    ("dev.activist_review_every", review),
                    ("dev.activist_to_candidate_min", years),
                    ("dev.training_min.days", days),
                    ("dev.training_min.hours", hours),
                    ("dev.leaving_unit_block", leaving),
                    ("dev.admission_meeting_within", pre),
                    ("dev.approval_within", appr),
                    ("dev.approval_within.extended", (appr + appr_extra).min(6)),
                    ("dev.probation_extension.min", ext_min),
                    ("dev.probation_extension.max", (ext_min + ext_extra).min(12)),
                    ("dev.regularize_meeting_within", rm),
                    ("dev.regularize_approval_within", ra),
                    ("dev.polit_review_valid", polit),
                    ("dev.publicity_days", publicity),
                ])
            },
        )
}

/// A source of choices from the random numbers of a case.
struct Dice<'a> {
    numbers: &'a [u32],
    next: usize,
}

impl Dice<'_> {
    /// A number in `0..=n`.
    fn up_to(&mut self, n: i64) -> i64 {
        let x = self.numbers[self.next % self.numbers.len()];
        self.next += 1;
        if n <= 0 { 0 } else { i64::from(x) % (n + 1) }
    }

    /// A day in `[from, to]` (`from` when the range is empty).
    fn day(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        plus(from, self.up_to((to - from).num_days()))
    }

    fn coin(&mut self) -> bool {
        self.up_to(1) == 1
    }
}

/// A publicity of at least `days` days ending before `on` (or none when not required, sometimes).
fn publicity(dice: &mut Dice<'_>, on: NaiveDate, days: u32) -> Option<Publicity> {
    if days == 0 && dice.coin() {
        return None;
    }
    let to = plus(on, -1 - dice.up_to(3));
    Some(Publicity { from: plus(to, -(i64::from(days) - 1).max(0) - dice.up_to(3)), to })
}

fn vote(dice: &mut Dice<'_>) -> Vote {
    let eligible = 1 + dice.up_to(60) as u32;
    let half = eligible / 2 + 1;
    let present = half + dice.up_to(i64::from(eligible - half)) as u32;
    let in_favour = half + dice.up_to(i64::from(eligible - half)) as u32;
    Vote { eligible, present, in_favour, one_by_one: true }
}

/// A full valid history (through 转正 and 归档, an extension, or a cancellation).
fn build(l: &Limits, dice: &mut Dice<'_>) -> Person {
    use Step::*;
    let birth = plus(date(1980, 1, 1), dice.up_to(8000));
    let applied = plus(add_years(birth, l.min_age_years), dice.up_to(3000));
    let mut events = Vec::new();
    if dice.coin() {
        events.push(ev(Application, applied));
    }
    let talk = dice.day(applied, add_months(applied, l.talk_months));
    events.push(ev(ApplicationTalk, talk));
    let activist = plus(talk, dice.up_to(400));
    let activist_publicity = publicity(dice, activist, l.publicity_days);
    events.push(Event::new(activist, Facts::ActivistSelection { publicity: activist_publicity }));
    let first_deadline = add_months(activist, l.review_months);
    let filing = dice.day(activist, first_deadline);
    let mentor = dice.day(activist, first_deadline);
    events.push(ev(ActivistFiling, filing));
    events.push(ev(MentorAssignment, mentor));
    let candidate = plus(add_years(activist, l.activist_years).max(filing).max(mentor), dice.up_to(300));
    let mut last = activist;
    while candidate > add_months(last, l.review_months) {
        last = dice.day(plus(last, 1), add_months(last, l.review_months));
        events.push(ev(ActivistReview, last));
    }
    let candidate_publicity = publicity(dice, candidate, l.publicity_days);
    events.push(Event::new(candidate, Facts::CandidateSelection { publicity: candidate_publicity }));
    let mut stage3 = candidate;
    for step in [CandidateFiling, SponsorAssignment, IntensiveTraining] {
        let on = plus(candidate, dice.up_to(60));
        stage3 = stage3.max(on);
        let e = match step {
            IntensiveTraining if dice.coin() => {
                Event::new(on, Facts::IntensiveTraining { days: l.training_days, hours: 0 })
            }
            IntensiveTraining => Event::new(on, Facts::IntensiveTraining { days: 0, hours: l.training_hours }),
            other => ev(other, on),
        };
        events.push(e);
    }
    let review_on = plus(candidate, dice.up_to(60));
    let concluded = plus(review_on, dice.up_to(30));
    events.push(Event::new(review_on, Facts::PoliticalReview { concluded_on: Some(concluded), qualified: true }));
    let committee = plus(stage3.max(concluded), dice.up_to(10));
    let pre = plus(committee, dice.up_to(10));
    let meeting = dice.day(pre, add_months(pre, l.pre_review_months).min(plus(pre, 60)));
    let form = dice.day(pre, meeting);
    events.push(ev(CommitteeReview, committee));
    events.push(ev(PreReview, pre));
    events.push(ev(AdmissionForm, form));
    let leaving_unit_on = dice.coin().then(|| plus(add_months(meeting, l.leaving_months), 1 + dice.up_to(100)));
    events.push(Event::new(meeting, Facts::AdmissionMeeting { vote: vote(dice), leaving_unit_on }));
    let late = dice.coin() && l.approval_max_months > l.approval_months;
    let approval = if late {
        dice.day(plus(add_months(meeting, l.approval_months), 1), add_months(meeting, l.approval_max_months))
    } else {
        dice.day(meeting, add_months(meeting, l.approval_months))
    };
    events.push(ev(ApprovalTalk, dice.day(meeting, approval)));
    let late_reason = late.then(|| "党委按期换届".to_string());
    let approval_publicity = publicity(dice, approval, l.publicity_days);
    events.push(Event::new(approval, Facts::AdmissionApproval { late_reason, publicity: approval_publicity }));
    let mut end = add_years(meeting, l.probation_years);
    for step in [AdmissionFiling, GroupPlacement, Oath] {
        events.push(ev(step, dice.day(approval, end)));
    }
    for _ in 0..dice.up_to(3) {
        events.push(ev(ProbationReview, dice.day(approval, end)));
    }
    let mut round_start = approval;
    for round in 0..2 {
        // After an extension, the new application comes after the day of its approval (on the
        // same day it would be read as part of the round just closed: steps of a day go in step
        // order).
        let application = if round == 0 {
            dice.day(round_start, end)
        } else {
            dice.day(plus(round_start, 1), end.max(plus(round_start, 1)))
        };
        events.push(ev(RegularizationApplication, application));
        let decision = match dice.up_to(3) {
            0 if round == 0 => Decision::Extend {
                months: l.extension_min + dice.up_to(i64::from(l.extension_max - l.extension_min)) as u32,
            },
            1 => Decision::Cancel,
            _ => Decision::Regularize,
        };
        let extended = matches!(decision, Decision::Extend { .. });
        let held = if extended {
            plus(end, dice.up_to(20))
        } else {
            dice.day(end.max(application), add_months(end, l.regularize_meeting_months))
        };
        events.push(Event::new(held, Facts::RegularizationMeeting { vote: vote(dice), decision }));
        let approved = if extended {
            plus(held, dice.up_to(20))
        } else {
            dice.day(held, add_months(held, l.regularize_approval_months))
        };
        let facts = match decision {
            Decision::Regularize => Facts::RegularizationApproval {
                regularized_on: Some(end),
                publicity: publicity(dice, approved, l.publicity_days),
            },
            _ => Facts::RegularizationApproval { regularized_on: None, publicity: None },
        };
        events.push(Event::new(approved, facts));
        match decision {
            Decision::Extend { months } => {
                end = add_months(end, months);
                round_start = approved;
            }
            Decision::Regularize => {
                events.push(ev(Archiving, plus(approved, dice.up_to(60))));
                break;
            }
            Decision::Cancel => break,
        }
    }
    Person { birth_date: birth, applied_on: applied, events }
}

/// The history cut after its first `keep` events (in date order), and a `today` on or after the
/// last of them but not past a deadline still open.
fn cut(person: &Person, l: &Limits, keep: usize, wait: i64) -> (Person, NaiveDate) {
    let all = sorted(&person.events);
    let kept: Vec<Event> = all.iter().take(keep).map(|e| (*e).clone()).collect();
    let last = kept.iter().map(|e| e.on).max().unwrap_or(person.applied_on).max(person.applied_on);
    let p = Person { events: kept, ..person.clone() };
    let refs = sorted(&p.events);
    let h = History::new(&p, &refs);
    let limit = Step::ALL
        .iter()
        .filter(|s| pending(&h, **s))
        .filter_map(|s| window(&h, *s, l).and_then(|w| w.hard_latest))
        .min();
    let today = plus(last, wait);
    (p.clone(), limit.map_or(today, |x| today.min(x)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn audit_of_a_history_of_valid_steps_finds_nothing(
        params in random_params(),
        numbers in prop::collection::vec(any::<u32>(), 16..64),
        keep in 0usize..60,
        wait in 0i64..400,
    ) {
        let limits = Limits::new(&params);
        let full = build(&limits, &mut Dice { numbers: &numbers, next: 0 });
        let (person, today) = cut(&full, &limits, keep, wait);
        let last = person.events.iter().map(|e| e.on).max().unwrap_or(person.applied_on);
        prop_assert!(today >= last, "the next deadline {today} is before the last step {last}");
        let found = audit(&person, &params, today);
        prop_assert!(found.is_empty(), "{found:#?}\n{person:#?}");
        // Each step is also fine when proposed after the steps before it.
        let all = sorted(&person.events);
        for (i, e) in all.iter().enumerate() {
            let before = Person { events: all[..i].iter().map(|e| (*e).clone()).collect(), ..person.clone() };
            let v = check_step(&before, e, &params, today);
            prop_assert!(v.is_empty(), "{v:#?}");
        }
        // Something is due unless the process is over.
        let due = next_due(&person, &params, today);
        let over = full.events.len() == person.events.len();
        prop_assert!(due.is_some() || over, "nothing due in an unfinished history");
    }
}
