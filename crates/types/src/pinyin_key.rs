//! Pinyin keys of Chinese names, for sorting and for searching by initials (`zs` finds 张三).

use pinyin::ToPinyin;

/// Full pinyin and initials of a name, both lower case ASCII.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinyinKey {
    /// Full pinyin without tones or separators, e.g. `zhangsan`.
    pub full: String,
    /// The first letter of each syllable, e.g. `zs`.
    pub initials: String,
}

/// Surnames whose reading differs from the character's most common reading.
const SURNAME_READINGS: &[(char, &str)] = &[
    ('单', "shan"),
    ('曾', "zeng"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('朴', "piao"),
    ('区', "ou"),
    ('查', "zha"),
    ('尉', "yu"),
    ('乐', "yue"),
    ('缪', "miao"),
    ('覃', "qin"),
    ('盖', "ge"),
];

impl PinyinKey {
    /// The key of an organization's or a place's name (every character by its usual reading).
    pub fn of_text(text: &str) -> Self {
        Self::build(text, false)
    }

    /// The key of a person's name: the first character is read as a surname.
    pub fn of_person(name: &str) -> Self {
        Self::build(name, true)
    }

    fn build(text: &str, person: bool) -> Self {
        let mut full = String::with_capacity(text.len() * 2);
        let mut initials = String::with_capacity(text.len());
        for (i, ch) in text.chars().enumerate() {
            let reading =
                if person && i == 0 { SURNAME_READINGS.iter().find(|(c, _)| *c == ch).map(|(_, r)| *r) } else { None };
            let reading = reading.or_else(|| ch.to_pinyin().map(|p| p.plain()));
            match reading {
                Some(r) => {
                    full.push_str(r);
                    if let Some(first) = r.chars().next() {
                        initials.push(first);
                    }
                }
                None if ch.is_ascii_alphanumeric() => {
                    let c = ch.to_ascii_lowercase();
                    full.push(c);
                    initials.push(c);
                }
                None => {}
            }
        }
        Self { full, initials }
    }
}

/// True if the query looks like a pinyin search (ASCII letters only), not a Chinese one.
pub fn is_pinyin_query(q: &str) -> bool {
    !q.is_empty() && q.chars().all(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_names() {
        let k = PinyinKey::of_person("张三");
        assert_eq!(k.full, "zhangsan");
        assert_eq!(k.initials, "zs");
        assert_eq!(PinyinKey::of_person("曾国藩").initials, "zgf");
        assert_eq!(PinyinKey::of_person("单雄信").full, "shanxiongxin");
        assert_eq!(PinyinKey::of_text("城关镇党委").initials, "cgzdw");
        assert_eq!(PinyinKey::of_text("第3支部").initials, "d3zb");
        assert!(is_pinyin_query("cgz"));
        assert!(!is_pinyin_query("城关"));
    }
}
