//! The fingerprint of a meeting's minutes (会议记录指纹) and the search for near-copies.
//!
//! Minutes copied from another meeting with a date or a name changed are the commonest sign of
//! records written after the fact (补资料). The store keeps a 64-bit SimHash of each record's
//! minutes; two records whose fingerprints differ in only a few bits are near-copies. The
//! fingerprints are stored in the database, so [`minutes_hash`] must never change.

/// FNV-1a, 64 bits: the hash of one shingle. Written out so that it can never change underneath.
fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// Whitespace, control characters and punctuation (ASCII, general, CJK, full-width) carry no
/// content: a copy re-typed with other spacing or commas is still a copy.
fn is_noise(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || c.is_ascii_punctuation()
        || matches!(c,
            '\u{00A1}'..='\u{00BF}' // Latin-1 punctuation and signs (· « » ¿ …)
            | '\u{2000}'..='\u{206F}' // general punctuation (— ‘ ’ “ ” … ‰)
            | '\u{3000}'..='\u{303F}' // CJK symbols and punctuation (、 。 《 》 「 」 【 】)
            | '\u{FE10}'..='\u{FE1F}' // vertical forms
            | '\u{FE30}'..='\u{FE6F}' // CJK compatibility and small forms
            | '\u{FF01}'..='\u{FF0F}' // full-width ！ ＂ ＃ ＄ ％ ＆ ＇ （ ） ＊ ＋ ， － ． ／
            | '\u{FF1A}'..='\u{FF20}' // full-width ： ； ＜ ＝ ＞ ？ ＠
            | '\u{FF3B}'..='\u{FF40}' // full-width ［ ＼ ］ ＾ ＿ ｀
            | '\u{FF5B}'..='\u{FF65}' // full-width ｛ ｜ ｝ ～ and half-width CJK punctuation
        )
}

/// The fingerprint of a meeting's minutes: a 64-bit SimHash over the character 3-shingles of the
/// text with whitespace and punctuation removed, each shingle hashed with FNV-1a (64 bits) over
/// its UTF-8 bytes. `None` when fewer than `min_chars` characters remain (too short to compare).
///
/// Stable across versions: the value is stored in the database. Near-copies (a few characters
/// changed in minutes of normal length) differ in at most a few bits; unrelated minutes in about
/// half of the 64.
pub fn minutes_hash(text: &str, min_chars: usize) -> Option<u64> {
    let clean: String = text.chars().filter(|c| !is_noise(*c)).collect();
    // Byte offsets of every character start, plus the end, so shingles are plain slices.
    let bounds: Vec<usize> = clean.char_indices().map(|(i, _)| i).chain(std::iter::once(clean.len())).collect();
    let chars = bounds.len() - 1;
    if chars == 0 || chars < min_chars {
        return None;
    }
    let mut votes = [0i64; 64];
    let mut add = |shingle: &str| {
        let h = fnv1a64(shingle.as_bytes());
        for (bit, v) in votes.iter_mut().enumerate() {
            *v += if h >> bit & 1 == 1 { 1 } else { -1 };
        }
    };
    if chars < 3 {
        add(&clean);
    } else {
        for w in bounds.windows(4) {
            add(&clean[w[0]..w[3]]);
        }
    }
    Some(votes.iter().enumerate().fold(0u64, |acc, (bit, v)| if *v > 0 { acc | 1 << bit } else { acc }))
}

/// The number of bits two fingerprints differ in.
pub(crate) fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Whether `x` has at most `bits` bits set (cheaper than a popcount without the instruction).
fn at_most(mut x: u64, bits: u32) -> bool {
    for _ in 0..bits {
        x &= x.wrapping_sub(1);
    }
    x == 0
}

/// Sorts values by their bits `[32, 32 + key_bits)` (a key above a 32-bit position), keeping the
/// order of equal keys: LSD radix, digits of at most 11 bits. For lists that fit in the cache.
fn radix_sort_keys(v: &mut [u64], tmp: &mut [u64], key_bits: u32) {
    if key_bits == 0 || v.len() < 2 {
        return;
    }
    let passes = key_bits.div_ceil(11);
    let digit = key_bits.div_ceil(passes);
    let mask = (1u64 << digit) - 1;
    let mut counts = [0u32; 1 << 11];
    let (mut src, mut dst) = (&mut *v, &mut *tmp);
    for p in 0..passes {
        let shift = 32 + p * digit;
        let counts = &mut counts[..1 << digit];
        counts.fill(0);
        for &x in src.iter() {
            counts[((x >> shift) & mask) as usize] += 1;
        }
        let mut sum = 0;
        for c in counts.iter_mut() {
            (*c, sum) = (sum, sum + *c);
        }
        for &x in src.iter() {
            let d = ((x >> shift) & mask) as usize;
            dst[counts[d] as usize] = x;
            counts[d] += 1;
        }
        std::mem::swap(&mut src, &mut dst);
    }
    if passes % 2 == 1 {
        // The sorted list is in `tmp`.
        dst.copy_from_slice(src);
    }
}

/// Finds the fingerprints within `bits` of each other without comparing every pair. Calls
/// `found(group, None)` once for every group of two or more equal fingerprints, and
/// `found(x, Some(y))` once for every two groups of equal fingerprints (each of one or more,
/// different from each other) within `bits` of each other. Groups are indexes into `hashes`.
///
/// Multi-index band LSH: the 64 bits are cut into `bits + 2` blocks; two fingerprints that differ
/// in at most `bits` bits agree on at least two whole blocks (pigeonhole). Each pair of blocks
/// (a, b) is one table keyed by those two blocks, and only fingerprints with equal keys are
/// compared. (With `bits + 1` one-block bands, 16-bit keys at 3 bits, a province's 3 million
/// fingerprints put about 50 in every bucket: 300 million comparisons. Two-block keys of about 26
/// bits leave almost only the true pairs.) The tables of one first block share a pass over all
/// fingerprints that spreads them into 256 buckets by the top bits of that block; each bucket is
/// small enough to be sorted by the rest of each key in the cache. A pair found in several tables
/// is reported once, at the first table it shares.
/// The fingerprints are spread over `1 << SPREAD` buckets by the top bits of a block (a few
/// thousand each in a province: small enough for the cache).
const SPREAD: u32 = 10;

/// Keys of at most this many bits (past the spreading) are looked up in a table of that size
/// rather than sorted.
const DIRECT: u32 = 16;

pub(crate) fn similar_groups(hashes: &[u64], bits: u32, mut found: impl FnMut(&[u32], Option<&[u32]>)) {
    if hashes.len() < 2 {
        return;
    }
    let blocks = (bits + 2).min(64) as usize;
    // Block b covers bits [edges[b], edges[b + 1]).
    let edges: Vec<u32> = (0..=blocks).map(|b| (b * 64 / blocks) as u32).collect();
    let block = |h: u64, b: usize| {
        let (lo, width) = (edges[b], edges[b + 1] - edges[b]);
        (h >> lo) & ((1u64 << width) - 1)
    };
    // The first table (pair of blocks, in order) on which two fingerprints agree.
    let first_table = |x: u64, y: u64| {
        let mut equal = (0..blocks).filter(|&b| block(x, b) == block(y, b));
        equal.next().zip(equal.next())
    };
    // Buffers for one run of equal keys: (fingerprint, index) sorted, the indexes alone, and
    // where each group of equal fingerprints starts.
    let (mut run_buf, mut ids, mut starts): (Vec<(u64, u32)>, Vec<u32>, Vec<usize>) = Default::default();
    let mut check = |run: &mut dyn Iterator<Item = (u64, u32)>, table: (usize, usize)| {
        run_buf.clear();
        run_buf.extend(run);
        if let [(hx, i), (hy, j)] = run_buf[..] {
            // The common case: two fingerprints.
            if hx == hy {
                if table == (0, 1) {
                    found(&[i.min(j), i.max(j)], None);
                }
            } else if at_most(hx ^ hy, bits) && first_table(hx, hy) == Some(table) {
                found(&[i], Some(&[j]));
            }
            return;
        }
        run_buf.sort_unstable();
        ids.clear();
        ids.extend(run_buf.iter().map(|e| e.1));
        starts.clear();
        starts.extend((0..run_buf.len()).filter(|&k| k == 0 || run_buf[k].0 != run_buf[k - 1].0));
        starts.push(run_buf.len());
        let groups = starts.len() - 1;
        for x in 0..groups {
            let gx = &ids[starts[x]..starts[x + 1]];
            if table == (0, 1) && gx.len() > 1 {
                found(gx, None);
            }
            let hx = run_buf[starts[x]].0;
            for y in x + 1..groups {
                let hy = run_buf[starts[y]].0;
                if at_most(hx ^ hy, bits) && first_table(hx, hy) == Some(table) {
                    found(gx, Some(&ids[starts[y]..starts[y + 1]]));
                }
            }
        }
    };
    let n = hashes.len();
    let (mut spread, mut spread_ids) = (vec![0u64; n], vec![0u32; n]);
    let (mut keys, mut tmp, mut wide): (Vec<u64>, Vec<u64>, Vec<(u64, u32)>) = Default::default();
    const NONE: u32 = u32::MAX;
    let (mut stamp, mut head) = (vec![0u32; 1 << DIRECT], vec![NONE; 1 << DIRECT]);
    let (mut next, mut hit, mut stamp_now): (Vec<u32>, Vec<u32>, u32) = (Vec::new(), Vec::new(), 0);
    for a in 0..blocks - 1 {
        // Spread over up to 1 << SPREAD buckets by the top bits of block a.
        let width_a = edges[a + 1] - edges[a];
        let top = width_a.min(SPREAD);
        let low_a = width_a - top;
        let bucket = |h: u64| (block(h, a) >> low_a) as usize;
        let mut at = vec![0usize; (1 << top) + 1];
        for &h in hashes {
            at[bucket(h) + 1] += 1;
        }
        for b in 0..1 << top {
            at[b + 1] += at[b];
        }
        let bounds = at.clone();
        for (i, &h) in hashes.iter().enumerate() {
            let k = bucket(h);
            (spread[at[k]], spread_ids[at[k]]) = (h, i as u32);
            at[k] += 1;
        }
        for bucket in 0..1 << top {
            let (lo, hi) = (bounds[bucket], bounds[bucket + 1]);
            if hi - lo < 2 {
                continue;
            }
            let (hs, is) = (&spread[lo..hi], &spread_ids[lo..hi]);
            for b in a + 1..blocks {
                // The rest of the key: the low bits of block a, then block b.
                let width_b = edges[b + 1] - edges[b];
                let rest_bits = low_a + width_b;
                let rest = |h: u64| (block(h, a) & ((1 << low_a) - 1)) << width_b | block(h, b);
                if rest_bits <= DIRECT {
                    // A table addressed by the rest of the key, reset by stamping; colliding
                    // positions are chained.
                    stamp_now += 1;
                    next.clear();
                    next.resize(hs.len(), NONE);
                    hit.clear();
                    for (k, &h) in hs.iter().enumerate() {
                        let key = rest(h) as usize;
                        if stamp[key] == stamp_now {
                            let old = head[key];
                            if next[old as usize] == NONE {
                                hit.push(key as u32);
                            }
                            next[k] = old;
                        } else {
                            stamp[key] = stamp_now;
                        }
                        head[key] = k as u32;
                    }
                    for &key in &hit {
                        let mut k = head[key as usize];
                        let mut chain = std::iter::from_fn(|| {
                            (k != NONE).then(|| {
                                let at = k as usize;
                                k = next[at];
                                (hs[at], is[at])
                            })
                        });
                        check(&mut chain, (a, b));
                    }
                } else if rest_bits <= 32 {
                    // (rest of key, position in the bucket) packed in one u64.
                    keys.clear();
                    keys.extend(hs.iter().enumerate().map(|(k, &h)| rest(h) << 32 | k as u64));
                    tmp.clear();
                    tmp.resize(keys.len(), 0);
                    radix_sort_keys(&mut keys, &mut tmp, rest_bits);
                    for run in keys.chunk_by(|x, y| x >> 32 == y >> 32).filter(|r| r.len() > 1) {
                        let pos = |x: &u64| (*x & 0xffff_ffff) as usize;
                        check(&mut run.iter().map(|x| (hs[pos(x)], is[pos(x)])), (a, b));
                    }
                } else {
                    wide.clear();
                    wide.extend(hs.iter().enumerate().map(|(k, &h)| (rest(h), k as u32)));
                    wide.sort_unstable();
                    for run in wide.chunk_by(|x, y| x.0 == y.0).filter(|r| r.len() > 1) {
                        check(&mut run.iter().map(|x| (hs[x.1 as usize], is[x.1 as usize])), (a, b));
                    }
                }
            }
        }
    }
}
