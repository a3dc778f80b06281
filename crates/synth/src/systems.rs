//! The county-level systems (系统): organs under the 县直机关工委, education, health, state
//! enterprises, private enterprises with the new employment groups, and social organizations.
//!
//! Unit names are templates where `@` stands for the county's name (`@财政局` → `龙泉县财政局`), so
//! that names stay unique across the counties of a province.

use jiceng_types::{OrgDomain, OrgKind};
use rand::Rng;

use crate::names::{ordinal, pick};
use crate::towns::{Params, Town, TownKind, split};
use crate::tree::{Builder, Profile, Term};

/// How a unit is organized: a branch of a given size range, or a general branch / committee with
/// named branches below.
#[derive(Clone, Copy)]
enum Shape {
    /// A branch with min..max members.
    Small(u32, u32),
    /// A 党总支 with 2–3 numbered branches and a retired members' branch.
    General,
    /// A 党委 with these branches.
    Big(&'static [&'static str]),
}

const POLICE: &[&str] =
    &["机关第一", "机关第二", "交通警察大队", "刑事侦查大队", "治安管理大队", "城关派出所", "离退休干部"];
const HOSPITAL: &[&str] = &["行政后勤", "内科", "外科", "医技", "护理", "离退休"];
const HOLDING: &[&str] = &["机关", "工程管理", "资产运营", "融资财务"];

/// County organ units, in the order a small county gets them.
const ORGANS: [(&str, Shape); 52] = [
    ("@委办公室", Shape::Small(14, 39)),
    ("@政府办公室", Shape::Small(14, 39)),
    ("@委组织部", Shape::Small(14, 33)),
    ("@纪委监委机关", Shape::Small(21, 45)),
    ("@财政局", Shape::General),
    ("@委宣传部", Shape::Small(8, 24)),
    ("@委统战部", Shape::Small(7, 21)),
    ("@委政法委", Shape::Small(8, 24)),
    ("@委党校", Shape::Small(11, 30)),
    ("@人大常委会办公室", Shape::Small(11, 33)),
    ("@政协办公室", Shape::Small(11, 30)),
    ("@发展和改革局", Shape::Small(14, 45)),
    ("@公安局", Shape::Big(POLICE)),
    ("@人民法院", Shape::General),
    ("@人民检察院", Shape::General),
    ("@司法局", Shape::Small(17, 45)),
    ("@人力资源和社会保障局", Shape::General),
    ("@自然资源局", Shape::General),
    ("@住房和城乡建设局", Shape::General),
    ("@交通运输局", Shape::Small(17, 45)),
    ("@水务局", Shape::Small(14, 45)),
    ("@农业农村局", Shape::General),
    ("@林业局", Shape::Small(17, 45)),
    ("@商务局", Shape::Small(8, 24)),
    ("@文体广电旅游局", Shape::Small(14, 42)),
    ("@应急管理局", Shape::Small(11, 30)),
    ("@审计局", Shape::Small(8, 24)),
    ("@市场监督管理局", Shape::General),
    ("@统计局", Shape::Small(7, 18)),
    ("@医疗保障局", Shape::Small(8, 24)),
    ("@民政局", Shape::Small(11, 33)),
    ("@退役军人事务局", Shape::Small(7, 21)),
    ("@乡村振兴局", Shape::Small(11, 30)),
    ("@民族宗教事务局", Shape::Small(7, 18)),
    ("@信访局", Shape::Small(7, 18)),
    ("@档案馆", Shape::Small(6, 15)),
    ("@融媒体中心", Shape::Small(14, 39)),
    ("@总工会", Shape::Small(7, 18)),
    ("共青团@委", Shape::Small(6, 14)),
    ("@妇女联合会", Shape::Small(6, 14)),
    ("@科学技术协会", Shape::Small(6, 14)),
    ("@残疾人联合会", Shape::Small(6, 15)),
    ("@工商业联合会", Shape::Small(6, 14)),
    ("@供销合作社联合社", Shape::Small(7, 21)),
    ("@气象局", Shape::Small(6, 15)),
    ("@税务局", Shape::General),
    ("@消防救援大队", Shape::Small(11, 30)),
    ("@生态环境局", Shape::Small(8, 24)),
    ("@投资促进局", Shape::Small(7, 18)),
    ("@大数据发展管理局", Shape::Small(7, 18)),
    ("@政务服务中心", Shape::Small(8, 24)),
    ("@机关事务服务中心", Shape::Small(7, 21)),
];

/// County schools.
const SCHOOLS: [(&str, Shape); 14] = [
    ("@第一中学", Shape::Big(&["高一年级", "高二年级", "高三年级", "行政后勤", "离退休教师"])),
    ("@实验小学", Shape::Small(20, 45)),
    ("@第二中学", Shape::General),
    ("@民族中学", Shape::General),
    ("@中等职业学校", Shape::General),
    ("@第二小学", Shape::Small(16, 45)),
    ("@第三小学", Shape::Small(13, 39)),
    ("@第一幼儿园", Shape::Small(6, 20)),
    ("@第三中学", Shape::Small(20, 45)),
    ("@第四小学", Shape::Small(13, 39)),
    ("@特殊教育学校", Shape::Small(5, 14)),
    ("@教师发展中心", Shape::Small(8, 22)),
    ("@第二幼儿园", Shape::Small(5, 17)),
    ("@第五小学", Shape::Small(13, 36)),
];

/// County hospitals and health units.
const HEALTH: [(&str, Shape); 8] = [
    ("@人民医院", Shape::Big(HOSPITAL)),
    ("@中医医院", Shape::General),
    ("@妇幼保健院", Shape::Small(8, 24)),
    ("@疾病预防控制中心", Shape::Small(8, 20)),
    ("@第二人民医院", Shape::General),
    ("@卫生健康综合行政执法大队", Shape::Small(4, 10)),
    ("@精神卫生福利中心", Shape::Small(4, 12)),
    ("@中心血站", Shape::Small(3, 8)),
];

/// County state enterprises.
const ENTERPRISES: [(&str, Shape); 16] = [
    ("@城市建设投资集团有限公司", Shape::Big(HOLDING)),
    ("@交通建设投资有限公司", Shape::General),
    ("@农业投资发展有限公司", Shape::General),
    ("@旅游开发投资有限公司", Shape::Small(6, 18)),
    ("@水务投资有限责任公司", Shape::Small(6, 18)),
    ("@国有资本运营有限公司", Shape::Small(6, 16)),
    ("@粮油购销有限公司", Shape::Small(4, 12)),
    ("@公共交通有限公司", Shape::Small(5, 16)),
    ("@产业投资集团有限公司", Shape::General),
    ("@融资担保有限公司", Shape::Small(3, 9)),
    ("@林业投资开发有限公司", Shape::Small(4, 12)),
    ("@文化旅游发展有限公司", Shape::Small(4, 12)),
    ("@城乡供水有限公司", Shape::Small(5, 14)),
    ("@物资贸易有限公司", Shape::Small(3, 9)),
    ("@医药有限公司", Shape::Small(3, 9)),
    ("@建筑工程有限公司", Shape::Small(5, 16)),
];

/// Lines of business for joint branches of small enterprises (联合党支部, rule ORG-02).
const JOINT: [&str; 8] =
    ["商贸企业", "建筑企业", "物流企业", "餐饮企业", "电子商务企业", "酒店服务企业", "家政服务企业", "汽车维修企业"];

/// Social organizations.
const SOCIAL: [&str; 10] = [
    "@个体劳动者协会",
    "@慈善总会",
    "@餐饮行业协会",
    "@老年人体育协会",
    "@建筑业协会",
    "@茶产业协会",
    "@物流协会",
    "@义工联合会",
    "@书法家协会",
    "@摄影家协会",
];

/// One unit with its shape.
fn unit(b: &mut Builder, parent: usize, name: &str, shape: Shape, domain: OrgDomain, profile: Profile) -> usize {
    let shape = match shape {
        Shape::General | Shape::Big(_) if b.compact => Shape::Small(22, 36),
        other => other,
    };
    match shape {
        Shape::Small(lo, hi) => {
            let size = b.rng.random_range(lo..=hi);
            b.branch(parent, format!("{name}党支部"), domain, Term::Branch, profile, size)
        }
        Shape::General => {
            let top =
                b.add(Some(parent), format!("{name}党总支"), OrgKind::GeneralBranch, domain, Term::Branch, profile, 0);
            let k = b.rng.random_range(2..4);
            let total = b.rng.random_range(14 * k..36 * k);
            for (i, size) in split(&mut b.rng, total, k).into_iter().enumerate() {
                b.branch(top, format!("{name}第{}党支部", ordinal(i + 1)), domain, Term::Branch, profile, size);
            }
            let retired = b.rng.random_range(5..16);
            b.branch(top, format!("{name}离退休党支部"), domain, Term::Branch, Profile::Retired, retired);
            top
        }
        Shape::Big(parts) => {
            let top =
                b.add(Some(parent), format!("{name}党委"), OrgKind::Committee, domain, Term::Committee, profile, 0);
            for part in parts {
                let (profile, size) = if part.starts_with("离退休") {
                    (Profile::Retired, b.rng.random_range(8..30))
                } else {
                    (profile, b.rng.random_range(15..46))
                };
                b.branch(top, format!("{name}{part}党支部"), domain, Term::Branch, profile, size);
            }
            top
        }
    }
}

/// A system head (教育局党委…) with its own organ branch.
fn head(b: &mut Builder, root: usize, county: &str, name: &str, organ: &str, domain: OrgDomain) -> usize {
    let kind = if name.ends_with("工委") { OrgKind::WorkingCommittee } else { OrgKind::Committee };
    let top = b.add(Some(root), format!("{county}{name}"), kind, domain, Term::Committee, Profile::Organ, 0);
    if !organ.is_empty() {
        let size = b.rng.random_range(8..22);
        b.branch(top, format!("{county}{organ}机关党支部"), OrgDomain::Organ, Term::Branch, Profile::Organ, size);
    }
    top
}

/// Every county-level system under the county root.
pub(crate) fn all(b: &mut Builder, root: usize, county: &str, towns: &[Town], p: &Params) {
    let at = |t: &str| t.replace('@', county);

    let organs = head(b, root, county, "直机关工委", "", OrgDomain::Organ);
    for (name, shape) in ORGANS.iter().take(p.organ_units) {
        unit(b, organs, &at(name), *shape, OrgDomain::Organ, Profile::Organ);
    }
    if p.town_extras {
        let size = b.rng.random_range(15..40);
        let name = format!("{county}直机关离退休干部党支部");
        b.branch(organs, name, OrgDomain::Organ, Term::Branch, Profile::Retired, size);
    }

    let edu = head(b, root, county, "教育局党委", "教育局", OrgDomain::School);
    for (name, shape) in SCHOOLS.iter().take(p.county_schools) {
        unit(b, edu, &at(name), *shape, OrgDomain::School, Profile::School);
    }
    for t in towns {
        let saved = b.local;
        b.local = t.local;
        if t.kind != TownKind::Street {
            let size = b.rng.random_range(12..41);
            b.branch(edu, format!("{}中学党支部", t.name), OrgDomain::School, Term::Branch, Profile::School, size);
        }
        let size = b.rng.random_range(10..31);
        b.branch(edu, format!("{}中心小学党支部", t.name), OrgDomain::School, Term::Branch, Profile::School, size);
        if p.town_extras && t.kind != TownKind::Street {
            let size = b.rng.random_range(3..10);
            let name = format!("{}村级小学联合党支部", t.name);
            b.add(Some(edu), name, OrgKind::JointBranch, OrgDomain::School, Term::Branch, Profile::School, size);
            if b.rng.random_bool(0.3) {
                let size = b.rng.random_range(3..8);
                let name = format!("{}中心幼儿园党支部", t.name);
                b.branch(edu, name, OrgDomain::School, Term::Branch, Profile::School, size);
            }
        }
        b.local = saved;
    }

    let health = head(b, root, county, "卫生健康局党委", "卫生健康局", OrgDomain::Health);
    for (name, shape) in HEALTH.iter().take(p.health_units) {
        unit(b, health, &at(name), *shape, OrgDomain::Health, Profile::Health);
    }
    for t in towns {
        let saved = b.local;
        b.local = t.local;
        let size = b.rng.random_range(8..29);
        let name = match t.kind {
            TownKind::Street => format!("{}社区卫生服务中心党支部", t.name),
            _ => format!("{}卫生院党支部", t.name),
        };
        b.branch(health, name, OrgDomain::Health, Term::Branch, Profile::Health, size);
        b.local = saved;
    }

    let soe = head(b, root, county, "国资委党委", "国资委", OrgDomain::StateEnterprise);
    for (name, shape) in ENTERPRISES.iter().take(p.enterprises) {
        let top = unit(b, soe, &at(name), *shape, OrgDomain::StateEnterprise, Profile::Enterprise);
        if matches!(shape, Shape::Big(_)) && !b.compact {
            // A project longer than six months gets a provisional branch (rule ORG-02a).
            let road =
                format!("{}{}", b.namer.place(&mut b.rng), pick(&mut b.rng, &["大道改扩建", "安置房建设", "水库建设"]));
            let size = b.rng.random_range(3..9);
            let name = format!("{}{road}项目临时党支部", at("@城投公司"));
            b.add(
                Some(top),
                name,
                OrgKind::ProvisionalBranch,
                OrgDomain::StateEnterprise,
                Term::Branch,
                Profile::Enterprise,
                size,
            );
        }
    }

    private(b, root, county, towns, p);

    let social = head(b, root, county, "社会组织党委", "", OrgDomain::SocialOrg);
    for i in 0..p.social {
        let name = match i % 4 {
            0 if i / 4 < SOCIAL.len() => at(SOCIAL[i / 4]),
            1 => format!("{}{}律师事务所", county, b.namer.brand(&mut b.rng)),
            2 => format!("{}民办{}幼儿园", county, b.namer.brand(&mut b.rng)),
            _ => format!("{}{}社会工作服务中心", county, b.namer.brand(&mut b.rng)),
        };
        let size = b.rng.random_range(3..10);
        b.branch(social, format!("{name}党支部"), OrgDomain::SocialOrg, Term::Branch, Profile::Social, size);
    }
    if p.social > 4 {
        let size = b.rng.random_range(4..12);
        let name = format!("{county}社会组织联合党支部");
        b.add(Some(social), name, OrgKind::JointBranch, OrgDomain::SocialOrg, Term::Branch, Profile::Social, size);
    }
}

/// The 非公经济组织党委: enterprise branches (some in the industrial park), joint branches of
/// small enterprises, and the new employment groups' branches (快递员, 网约车司机).
fn private(b: &mut Builder, root: usize, county: &str, towns: &[Town], p: &Params) {
    let top = head(b, root, county, "非公经济组织党委", "", OrgDomain::PrivateEnterprise);
    let park = if p.companies >= 20 {
        Some(b.add(
            Some(top),
            format!("{county}经济开发区非公企业党委"),
            OrgKind::Committee,
            OrgDomain::PrivateEnterprise,
            Term::Committee,
            Profile::Private,
            0,
        ))
    } else {
        None
    };
    for i in 0..p.companies {
        let parent = match park {
            Some(park) if i % 4 == 0 => park,
            _ => top,
        };
        let mut name = b.namer.company(&mut b.rng, county);
        for _ in 0..8 {
            if !b.taken(&format!("{name}党支部")) {
                break;
            }
            name = b.namer.company(&mut b.rng, county);
        }
        let size =
            if !b.compact && b.rng.random_bool(0.12) { b.rng.random_range(12..40) } else { b.rng.random_range(3..10) };
        b.branch(parent, format!("{name}党支部"), OrgDomain::PrivateEnterprise, Term::Branch, Profile::Private, size);
    }
    for i in 0..p.joint {
        let name = if let Some(line) = JOINT.get(i) {
            format!("{county}{line}联合党支部")
        } else if let Some(t) = towns.get(i - JOINT.len()) {
            format!("{}非公企业联合党支部", t.name)
        } else {
            format!("{county}非公企业第{}联合党支部", ordinal(i + 1))
        };
        let size = b.rng.random_range(4..16);
        b.add(
            Some(top),
            name,
            OrgKind::JointBranch,
            OrgDomain::PrivateEnterprise,
            Term::Branch,
            Profile::Private,
            size,
        );
    }
    let size = b.rng.random_range(5..15);
    let courier = format!("{county}快递物流行业党支部");
    b.branch(top, courier, OrgDomain::NewEmployment, Term::Branch, Profile::NewEmployment, size);
    if p.companies >= 20 {
        let size = b.rng.random_range(4..12);
        let ride = format!("{county}网约车司机党支部");
        b.branch(top, ride, OrgDomain::NewEmployment, Term::Branch, Profile::NewEmployment, size);
        let size = b.rng.random_range(3..9);
        let name = format!("{county}外卖配送骑手联合党支部");
        b.add(
            Some(top),
            name,
            OrgKind::JointBranch,
            OrgDomain::NewEmployment,
            Term::Branch,
            Profile::NewEmployment,
            size,
        );
    }
}
