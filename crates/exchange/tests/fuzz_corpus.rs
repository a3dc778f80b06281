//! Replays the committed corpus of the `import` fuzz target (fuzz/corpus/import), and any crash
//! reproducers saved in fuzz/regressions, so CI exercises them without cargo-fuzz or nightly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

fn replay(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_file() {
            let data = std::fs::read(&path).unwrap();
            jiceng_exchange::fuzzing::import_any(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn fuzz_corpus_replays_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let n = replay(&root.join("corpus/import"));
    assert!(n >= 8, "the committed corpus is missing ({n} files)");
    replay(&root.join("regressions"));
}
