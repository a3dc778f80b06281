//! The zip-bomb check, run on the central directory before any entry is inflated.
//!
//! An `.xlsx` is a zip archive, and a few kilobytes of deflate can declare gigabytes of XML. The
//! central directory lists every entry's compressed and uncompressed size, and the `zip` crate
//! stops inflating an entry at its declared size, so checking the declared sizes bounds the work
//! calamine will do.

use std::io::Cursor;

use super::{Limits, ReadError};

/// Entries smaller than this are not ratio-checked: a tiny part (styles, a blank sheet) often
/// compresses far better than 200:1 and cannot do harm.
const RATIO_FLOOR_BYTES: u64 = 1024 * 1024;

/// Refuse an archive whose total uncompressed size or any entry's compression ratio exceeds the
/// limits; an archive that cannot even be listed is damaged, and one with encrypted entries is
/// refused as encrypted.
pub(super) fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ReadError::Damaged)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_data(i).map_err(|_| ReadError::Damaged)?;
        if entry.encrypted() {
            return Err(ReadError::Encrypted);
        }
        let size = entry.size();
        let packed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        if total > limits.max_uncompressed_bytes {
            return Err(ReadError::ZipBomb);
        }
        if size > RATIO_FLOOR_BYTES && size / packed > limits.max_compression_ratio {
            return Err(ReadError::ZipBomb);
        }
    }
    Ok(())
}
