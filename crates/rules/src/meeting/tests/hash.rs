//! The fingerprint of minutes: stable, blind to spacing and punctuation, close for near-copies.

use super::*;

fn h(text: &str) -> u64 {
    minutes_hash(text, 60).unwrap()
}

fn bits(a: &str, b: &str) -> u32 {
    (h(a) ^ h(b)).count_ones()
}

#[test]
fn the_fingerprint_never_changes() {
    // Stored in the database: if this fails, every stored fingerprint is wrong. (The values were
    // checked against an independent implementation of the definition.)
    assert_eq!(h(MINUTES), 0x4865_4658_ed92_6628);
    assert_eq!(minutes_hash("党支部召开支部党员大会", 1), Some(0x844b_6770_8f8a_d3ad));
    assert_eq!(minutes_hash("学习", 1), Some(0xc920_f41a_c9e9_b89c), "shorter than a shingle: the whole text");
}

#[test]
fn spacing_and_punctuation_do_not_count() {
    let respaced = MINUTES.replace('，', ", ").replace('。', ".\n\t").replace("支部书记", "支部书记 ");
    assert_eq!(h(&respaced), h(MINUTES));
    assert_eq!(minutes_hash("《党章》：“第一条”！", 1), minutes_hash("党章第一条", 1));
}

#[test]
fn too_short_to_compare() {
    assert_eq!(minutes_hash(&"会".repeat(59), 60), None);
    assert!(minutes_hash(&"会".repeat(60), 60).is_some());
    assert_eq!(minutes_hash("，。 ！", 0), None, "nothing left");
    assert_eq!(minutes_hash(&format!("{}{}", "会".repeat(59), "。。。   "), 60), None, "punctuation is not counted");
}

#[test]
fn near_copies_are_within_three_bits() {
    for (from, to) in
        [("3月5日", "4月9日"), ("3月5日", "3月6日"), ("实到21名", "实到22名"), ("张建国", "王立新"), ("23名", "25名")]
    {
        let copy = MINUTES.replace(from, to);
        assert_ne!(copy, MINUTES);
        assert!(bits(MINUTES, &copy) <= 3, "{from} → {to}: {} bits", bits(MINUTES, &copy));
    }
}

#[test]
fn unrelated_minutes_are_far_apart() {
    assert!(bits(MINUTES, OTHER) > 20, "{}", bits(MINUTES, OTHER));
    let (n, m) = (MINUTES.chars().count(), OTHER.chars().count());
    let other_half: String = MINUTES.chars().take(n / 2).chain(OTHER.chars().skip(m / 2)).collect();
    assert!(bits(MINUTES, &other_half) > 3, "half the text replaced: {}", bits(MINUTES, &other_half));
}

/// The search for near-copies among a province's 3.1 million fingerprints:
/// `cargo test -p jiceng-rules --release -- --ignored --nocapture similar_groups_timing`
#[test]
#[ignore]
fn similar_groups_timing() {
    let mut x = 7u64;
    let mut next = || {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let hashes: Vec<u64> = (0..3_100_000u32).map(|_| next()).collect();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let mut n = 0;
        super::super::hash::similar_groups(&hashes, 3, |_, _| n += 1);
        println!("similar_groups {:?} ({n} found)", t.elapsed());
    }
}
