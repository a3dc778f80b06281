//! Fuzz the importer on arbitrary bytes: every reader (xlsx, xls, csv), then header detection
//! and row validation for members and organizations. Nothing may panic out of the importer, hang
//! or blow up memory.
#![no_main]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;

static QUIET_PANICS: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys's panic hook aborts on any panic, even one the importer catches on purpose:
    // `read` shields calamine (whose xls parser panics on some malformed files) and reports the
    // file as damaged. With a silent hook those caught panics unwind as in production, while a
    // panic that escapes `import_any` still aborts through libfuzzer-sys's own `catch_unwind`.
    QUIET_PANICS.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    jiceng_exchange::fuzzing::import_any(data);
});
