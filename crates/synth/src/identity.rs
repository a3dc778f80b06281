//! Personal numbers, posts and flags of the generated members, and the roster flaws a county's
//! data-quality checks must find (a member registered twice, members out of contact or away for
//! long, a suspension that has run two years).
//!
//! Drawn from their own random stream, so adding them leaves the rest of the county unchanged.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use jiceng_store::seed::{MemberSeed, OrgSeed};
use jiceng_types::OrgDomain;
use jiceng_types::person::{Gender, MemberStatus};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const PLACES: [&str; 10] = [
    "广东省东莞市",
    "广东省深圳市",
    "浙江省宁波市",
    "浙江省义乌市",
    "福建省厦门市",
    "江苏省苏州市",
    "贵州省贵阳市",
    "上海市闵行区",
    "广东省佛山市",
    "重庆市渝北区",
];

fn back(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days)).unwrap_or(today)
}

fn check_char(body: &str) -> char {
    jiceng_types::idcard::check_char(body.as_bytes()).map(char::from).unwrap_or('0')
}

fn post(rng: &mut ChaCha8Rng, domain: OrgDomain) -> (&'static str, bool) {
    let pick = |rng: &mut ChaCha8Rng, list: &[&'static str]| list[rng.random_range(0..list.len())];
    match domain {
        OrgDomain::Rural => {
            if rng.random_bool(0.45) {
                ("村民", true)
            } else {
                (pick(rng, &["种植户", "养殖户", "个体经营", "外出务工", "村组干部", "乡村医生", "合作社社员"]), false)
            }
        }
        OrgDomain::Community => {
            if rng.random_bool(0.3) {
                ("社区居民", true)
            } else {
                (pick(rng, &["社区工作者", "网格员", "退休职工", "个体经营", "企业职工"]), false)
            }
        }
        OrgDomain::Organ => (pick(rng, &["科员", "副主任科员", "股长", "办公室主任", "副局长", "工作人员"]), false),
        OrgDomain::School => (pick(rng, &["教师", "班主任", "教研组长", "副校长", "后勤人员"]), false),
        OrgDomain::Health => (pick(rng, &["医师", "主治医师", "护士", "护士长", "药剂师", "科室主任"]), false),
        OrgDomain::StateEnterprise => (pick(rng, &["职工", "技术员", "车间主任", "财务人员", "部门经理"]), false),
        OrgDomain::PrivateEnterprise => (pick(rng, &["职工", "技术员", "销售员", "生产主管"]), false),
        OrgDomain::SocialOrg => (pick(rng, &["工作人员", "项目主管", "志愿者"]), false),
        OrgDomain::NewEmployment => (pick(rng, &["快递员", "外卖骑手", "网约车司机", "网络主播"]), false),
        OrgDomain::Other => ("工作人员", false),
    }
}

/// Give every member an ID number (unique, consistent with the birth date and gender, with the
/// region code of the county), most a mobile number and a post; set flags with dates; and add the
/// roster flaws.
pub(crate) fn assign(orgs: &[OrgSeed], members: &mut Vec<MemberSeed>, seed: u64, today: NaiveDate) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1D_CA_4D);
    let by_id: HashMap<i64, &OrgSeed> = orgs.iter().map(|o| (o.id, o)).collect();
    let mut sequence: HashMap<(String, NaiveDate, bool), u32> = HashMap::new();
    for m in members.iter_mut() {
        let org = by_id.get(&m.org_id);
        let region = org
            .map(|o| o.code.as_str())
            .filter(|c| c.len() >= 6 && c[..6].bytes().all(|b| b.is_ascii_digit()))
            .map(|c| c[..6].to_string())
            .unwrap_or_else(|| "520100".to_string());
        let male = m.gender == Gender::Male;
        let n = sequence.entry((region.clone(), m.birth_date, male)).or_insert(0);
        let seq = *n * 2 + u32::from(male);
        *n += 1;
        let body = format!("{region}{}{:03}", m.birth_date.format("%Y%m%d"), seq % 1000);
        m.extra.id_card = Some(format!("{body}{}", check_char(&body)));
        if rng.random_bool(0.85) {
            let second = [3, 5, 7, 8, 9][rng.random_range(0..5)];
            m.extra.phone = Some(format!("1{second}{:09}", rng.random_range(0..1_000_000_000u32)));
        }
        let domain = org.map(|o| o.domain).unwrap_or(OrgDomain::Other);
        let (work, without_post) = post(&mut rng, domain);
        m.extra.work_post = Some(work.to_string());
        m.extra.without_post = without_post && m.status == MemberStatus::Active;
        match m.status {
            MemberStatus::Suspended => {
                m.extra.suspended_on = Some(back(today, rng.random_range(60..600)));
                m.extra.out_of_contact_since =
                    m.extra.suspended_on.map(|d| d.checked_sub_days(Days::new(200)).unwrap_or(d));
            }
            MemberStatus::Left => {
                m.extra.left_on = Some(back(today, rng.random_range(30..900)));
                m.extra.left_reason = Some(if rng.random_bool(0.7) { "死亡" } else { "退党" }.to_string());
            }
            MemberStatus::Active => {
                if domain == OrgDomain::Rural && rng.random_bool(0.05) {
                    m.extra.mobile_out_to = Some(PLACES[rng.random_range(0..PLACES.len())].to_string());
                    m.extra.mobile_since = Some(back(today, rng.random_range(20..1200)));
                    m.extra.without_post = false;
                }
            }
        }
    }
    flaws(members, &mut rng, today);
}

/// A member registered twice (in two branches), members out of contact for more than six
/// months, and a suspension older than two years.
fn flaws(members: &mut Vec<MemberSeed>, rng: &mut ChaCha8Rng, today: NaiveDate) {
    let n = members.len();
    if n < 10 {
        return;
    }
    let active: Vec<usize> = (0..n)
        .filter(|&i| members[i].status == MemberStatus::Active && members[i].extra.mobile_since.is_none())
        .collect();
    if active.len() < 10 {
        return;
    }
    let pick = |rng: &mut ChaCha8Rng| active[rng.random_range(0..active.len())];
    for _ in 0..(n / 20_000).max(1) {
        let i = pick(rng);
        let other_org = members[pick(rng)].org_id;
        let mut twin = members[i].clone();
        if twin.org_id != other_org {
            twin.org_id = other_org;
            members.push(twin);
        }
    }
    for _ in 0..(n / 10_000).max(2) {
        let i = pick(rng);
        members[i].extra.out_of_contact_since = Some(back(today, rng.random_range(200..400)));
    }
    let i = pick(rng);
    let m = &mut members[i];
    m.status = MemberStatus::Suspended;
    m.extra.without_post = false;
    m.extra.suspended_on = Some(back(today, 800));
    m.extra.out_of_contact_since = Some(back(today, 1000));
}
