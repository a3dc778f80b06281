//! Chinese names: places (townships, villages, communities, counties), companies and people.
//!
//! Names are built from character lists rather than taken from a fixed list, so that a province
//! of forty counties still gets distinct township names, and people get a realistic spread of
//! common and rare surnames. Every function draws from the caller's seeded generator, so the same
//! seed gives the same names.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Pick one element of a non-empty slice.
pub(crate) fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Pick an index by integer weights (the weights must not all be zero).
pub(crate) fn weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut r = rng.random_range(0..total.max(1));
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= w;
    }
    weights.len().saturating_sub(1)
}

/// Chinese ordinal numerals for "第一党支部", "第二小学"…
pub(crate) fn ordinal(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

/// First characters of township, county and city names (Guizhou-like).
const PLACE_HEAD: &str = "龙花松茅平坝新安黄马凤羊青白石猫长高双兴普德草木岩沙牛云金银鸡鱼桃梅竹柳麻洛都谷六三湾塘坡\
                          大小清望乐福丰永顺和太宝鹿雷鸭猴狗蒙卡者纳摆拉贞晴惠开息修盘紫织赫威仁湄余施凯麻剑榕从荔";
/// Second characters of township, county and city names.
const PLACE_TAIL: &str = "场溪坪堡营屯哨关塘坝河江口山岩寨阳平安兴源洞坡湾田林桥里庄川岭水溪坎岗亭台旗铺";

/// Township names that many real counties have; used first (once each) in a county.
const CLASSIC_TOWNS: [&str; 12] =
    ["龙场", "城关", "花溪", "双龙", "新场", "马场", "羊场", "黄泥", "平坝", "高坡", "石板", "清水"];

/// First characters of village names.
const VILLAGE_HEAD: &str =
    "新大小上下中高长老黄白石杨马龙凤青桃梨岩坪沙田竹松柏茶红金水花鸡羊牛猫平团兴永胜建谷坝鱼鸭麻柿板桥";
/// Surnames of 张家湾-style village names.
const VILLAGE_CLAN: &str = "王李张刘陈杨黄赵吴周罗何田龙潘石韦蒙杜邓彭罗";
/// Last characters of village names.
const VILLAGE_TAIL: &str = "寨湾坪坝坡田冲塘井沟河溪口山岭堡庄院屯场脚头坳箐林桥洞岩营哨关坎上";

/// Community names (和平社区, 幸福社区…).
const COMMUNITIES: [&str; 48] = [
    "和平", "幸福", "团结", "光明", "新华", "建设", "解放", "人民", "文化", "东风", "胜利", "繁荣", "兴隆", "育才",
    "振兴", "友谊", "向阳", "朝阳", "康乐", "安居", "民主", "红旗", "新城", "滨江", "文昌", "凤凰", "金山", "锦绣",
    "阳光", "翠湖", "杏林", "书香", "清水", "南门", "北门", "东门", "西门", "桥头", "鼓楼", "星光", "湖滨", "花园",
    "华联", "龙井", "百花", "春晖", "园丁", "新桥",
];

/// The 2–3 place-name parts for companies (鑫源, 宏达…).
const BRAND_HEAD: &str = "鑫宏黔金恒华利佳顺兴富绿康永晨汇天瑞德博盛万山云苗乌红百聚众嘉鼎安鸿昌裕";
const BRAND_TAIL: &str = "源达丰穗远盛民和发旺通成润信泰隆祥辉诚宇峰茂业邦创";
/// Lines of business of private enterprises.
const INDUSTRIES: [&str; 28] = [
    "建材",
    "农业科技",
    "茶业",
    "食品",
    "物流",
    "商贸",
    "建筑工程",
    "矿业",
    "电子",
    "纺织",
    "药业",
    "酒业",
    "生态农业",
    "旅游开发",
    "房地产开发",
    "服装",
    "机械制造",
    "新能源",
    "养殖",
    "水泥",
    "石材",
    "竹木制品",
    "电子商务",
    "餐饮管理",
    "物业管理",
    "运输",
    "中药材种植",
    "农产品加工",
];

/// Surnames with weights (per 10,000, roughly national frequency with a Guizhou tilt).
const SURNAMES: [(&str, u32); 100] = [
    ("王", 700),
    ("李", 700),
    ("张", 650),
    ("刘", 520),
    ("陈", 460),
    ("杨", 420),
    ("黄", 220),
    ("赵", 200),
    ("吴", 260),
    ("周", 190),
    ("徐", 130),
    ("孙", 120),
    ("马", 110),
    ("朱", 110),
    ("胡", 110),
    ("郭", 100),
    ("何", 100),
    ("林", 90),
    ("罗", 140),
    ("高", 90),
    ("郑", 80),
    ("梁", 70),
    ("谢", 60),
    ("宋", 60),
    ("唐", 60),
    ("许", 50),
    ("韩", 50),
    ("冯", 50),
    ("邓", 50),
    ("曹", 50),
    ("彭", 50),
    ("曾", 40),
    ("肖", 40),
    ("田", 60),
    ("董", 40),
    ("袁", 40),
    ("潘", 60),
    ("于", 30),
    ("蒋", 40),
    ("蔡", 30),
    ("余", 40),
    ("杜", 30),
    ("叶", 30),
    ("程", 30),
    ("苏", 30),
    ("魏", 30),
    ("吕", 30),
    ("丁", 30),
    ("任", 30),
    ("沈", 20),
    ("姚", 30),
    ("卢", 30),
    ("姜", 20),
    ("崔", 15),
    ("钟", 20),
    ("谭", 30),
    ("陆", 30),
    ("汪", 20),
    ("范", 20),
    ("金", 20),
    ("石", 50),
    ("廖", 20),
    ("贾", 15),
    ("夏", 20),
    ("韦", 60),
    ("付", 20),
    ("方", 20),
    ("白", 15),
    ("邹", 20),
    ("孟", 15),
    ("熊", 30),
    ("秦", 15),
    ("邱", 15),
    ("江", 20),
    ("尹", 15),
    ("薛", 10),
    ("闫", 10),
    ("段", 15),
    ("雷", 20),
    ("侯", 15),
    ("龙", 60),
    ("史", 10),
    ("陶", 15),
    ("黎", 15),
    ("贺", 10),
    ("顾", 10),
    ("毛", 15),
    ("郝", 10),
    ("龚", 15),
    ("邵", 10),
    ("万", 10),
    ("严", 10),
    ("覃", 20),
    ("戴", 10),
    ("莫", 20),
    ("向", 20),
    ("蒙", 20),
    ("岑", 10),
    ("班", 8),
    ("卯", 6),
];

/// Characters of men's given names.
const MALE: &str = "伟强军勇杰涛明斌超刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋阳峰磊毅国建文忠海成东德兴荣贵富权学祥\
                    发福生江志云光金永昌顺树武坤松仁义泽博哲鸣智宏亮锋";
/// Characters of women's given names.
const FEMALE: &str = "芳娟敏静丽艳霞燕玲婷雪慧琴红梅英兰萍莉倩颖琳洁晶月佳欣怡悦秀珍凤翠春桂菊莲花美娜丹蓉露媛瑶婧雯芬";
/// Characters that begin given names of either gender.
const NEUTRAL: &str = "小文春晓海建永国德明玉金光正红秀世天思子家志云学庆开昌顺";

/// Name generator: character tables decoded once.
pub(crate) struct Namer {
    place_head: Vec<char>,
    place_tail: Vec<char>,
    village_head: Vec<char>,
    village_tail: Vec<char>,
    village_clan: Vec<char>,
    brand_head: Vec<char>,
    brand_tail: Vec<char>,
    /// Cumulative surname weights, for a binary search.
    surname_cum: Vec<u32>,
    male: Vec<char>,
    female: Vec<char>,
    neutral: Vec<char>,
}

impl Namer {
    pub(crate) fn new() -> Self {
        Namer {
            place_head: PLACE_HEAD.chars().collect(),
            place_tail: PLACE_TAIL.chars().collect(),
            village_head: VILLAGE_HEAD.chars().collect(),
            village_tail: VILLAGE_TAIL.chars().collect(),
            village_clan: VILLAGE_CLAN.chars().collect(),
            brand_head: BRAND_HEAD.chars().collect(),
            brand_tail: BRAND_TAIL.chars().collect(),
            surname_cum: SURNAMES
                .iter()
                .scan(0, |acc, s| {
                    *acc += s.1;
                    Some(*acc)
                })
                .collect(),
            male: MALE.chars().collect(),
            female: FEMALE.chars().collect(),
            neutral: NEUTRAL.chars().collect(),
        }
    }

    /// A two-character place name (龙场, 花溪…), without its 镇/乡/县 suffix.
    pub(crate) fn place(&self, rng: &mut ChaCha8Rng) -> String {
        loop {
            let a = pick(rng, &self.place_head);
            let b = pick(rng, &self.place_tail);
            if a != b {
                return [a, b].iter().collect();
            }
        }
    }

    /// A two-character place name; the first few in a county are classic ones (城关, 龙场…).
    pub(crate) fn township(&self, rng: &mut ChaCha8Rng, nth: usize) -> String {
        match CLASSIC_TOWNS.get(nth) {
            Some(s) if nth < 3 || rng.random_bool(0.5) => (*s).to_string(),
            _ => self.place(rng),
        }
    }

    /// A village name without 村 (新寨, 坪上, 大湾, 张家湾…).
    pub(crate) fn village(&self, rng: &mut ChaCha8Rng) -> String {
        if rng.random_bool(0.15) {
            let tail = loop {
                let t = pick(rng, &self.village_tail);
                if !matches!(t, '上' | '坎' | '脚' | '头') {
                    break t;
                }
            };
            return [pick(rng, &self.village_clan), '家', tail].iter().collect();
        }
        loop {
            let a = pick(rng, &self.village_head);
            let b = pick(rng, &self.village_tail);
            if a != b {
                return [a, b].iter().collect();
            }
        }
    }

    /// A community name without 社区, fresh within the caller's set `taken`.
    pub(crate) fn community(&self, rng: &mut ChaCha8Rng, taken: &[String]) -> String {
        for _ in 0..20 {
            let s = pick(rng, &COMMUNITIES);
            if !taken.iter().any(|t| t == s) {
                return s.to_string();
            }
        }
        format!("{}{}", pick(rng, &COMMUNITIES), ordinal(taken.len() + 1))
    }

    /// A company's name (鑫源建材有限公司), sometimes with the county's name in front.
    pub(crate) fn company(&self, rng: &mut ChaCha8Rng, county: &str) -> String {
        let brand: String = [pick(rng, &self.brand_head), pick(rng, &self.brand_tail)].iter().collect();
        let industry = pick(rng, &INDUSTRIES);
        let form = match rng.random_range(0..10) {
            0 => "股份有限公司",
            1..=3 => "有限责任公司",
            _ => "有限公司",
        };
        let prefix = match rng.random_range(0..10) {
            0..=3 => county,
            4..=5 => "贵州",
            _ => "",
        };
        format!("{prefix}{brand}{industry}{form}")
    }

    /// A two-character brand (律师事务所, 合作社 names).
    pub(crate) fn brand(&self, rng: &mut ChaCha8Rng) -> String {
        [pick(rng, &self.brand_head), pick(rng, &self.brand_tail)].iter().collect()
    }

    /// A person's name: a weighted surname and a one- or two-character given name.
    pub(crate) fn person(&self, rng: &mut ChaCha8Rng, female: bool) -> String {
        let total = self.surname_cum.last().copied().unwrap_or(1);
        let r = rng.random_range(0..total);
        let i = self.surname_cum.partition_point(|c| *c <= r).min(SURNAMES.len() - 1);
        let surname = SURNAMES[i].0;
        let own = if female { &self.female } else { &self.male };
        let mut s = String::with_capacity(12);
        s.push_str(surname);
        if rng.random_bool(0.3) {
            s.push(pick(rng, own));
        } else {
            let first = if rng.random_bool(0.35) { pick(rng, &self.neutral) } else { pick(rng, own) };
            s.push(first);
            s.push(pick(rng, own));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ordinals_read_as_chinese() {
        assert_eq!(ordinal(1), "一");
        assert_eq!(ordinal(10), "十");
        assert_eq!(ordinal(12), "十二");
        assert_eq!(ordinal(20), "二十");
        assert_eq!(ordinal(35), "三十五");
    }

    #[test]
    fn there_are_enough_surnames_and_people_get_names() {
        assert!(SURNAMES.len() >= 80);
        let n = Namer::new();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..100 {
            let p = n.person(&mut rng, false);
            assert!((2..=3).contains(&p.chars().count()), "{p}");
        }
    }
}
