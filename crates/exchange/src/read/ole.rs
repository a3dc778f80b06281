//! A look inside OLE compound files (`.xls`, encrypted `.xlsx`) before calamine parses them.
//!
//! calamine 0.38 trusts what such a file says about itself, and fuzzing found ways for a few
//! kilobytes to take the server down: a sector chain that loops back on itself (calamine reads it
//! forever, growing memory), a chain pointer past the allocation table (a panic), and sheets that
//! make calamine allocate billions of cells, through a DIMENSIONS record or through two cells far
//! apart (a failed allocation aborts the process, which no `catch_unwind` can stop). This module
//! follows every chain and reads the sheets' records the way calamine does, and refuses such a
//! file before calamine sees it.

use super::ReadError;

/// End of a sector chain.
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
/// Sector ids at or above this are markers, not sectors.
const RESERVED: u32 = 0xFFFF_FFFA;
/// Marks a DIFAT sector in the DIFAT.
const DIF_SECT: u32 = 0xFFFF_FFFC;
/// The most cells calamine may allocate for all sheets of an `.xls`: 65,536 rows × 64 columns
/// (about 170 MB in calamine, twice). A roster uses a fraction of it; a legitimate sheet that is
/// larger can be saved as `.xlsx`, which is read as a stream.
const MAX_XLS_CELLS: u64 = 65_536 * 64;

fn damaged() -> ReadError {
    ReadError::Damaged
}

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    b.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    b.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn words(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect()
}

/// A directory entry: name, first sector, length.
struct Entry {
    name: String,
    start: u32,
    len: u64,
}

struct Ole<'a> {
    bytes: &'a [u8],
    size: usize,
    header: usize,
    max_id: usize,
    fat: Vec<u32>,
}

impl<'a> Ole<'a> {
    /// The bytes of sector `id` as calamine sees them (short or empty past the end of the file).
    fn sector(&self, id: u32) -> Result<&'a [u8], ReadError> {
        if id as usize > self.max_id {
            return Err(damaged());
        }
        let start = (self.header + id as usize * self.size).min(self.bytes.len());
        Ok(&self.bytes[start..(start + self.size).min(self.bytes.len())])
    }

    /// Follow a chain of regular sectors as calamine's `get_chain` does, up to `len` bytes.
    fn chain(&self, start: u32, len: u64) -> Result<Vec<u8>, ReadError> {
        let (mut id, mut out, mut steps) = (start, Vec::new(), 0usize);
        while id != END_OF_CHAIN {
            let s = self.sector(id)?;
            let room = len.saturating_sub(out.len() as u64);
            out.extend_from_slice(&s[..s.len().min(usize::try_from(room).unwrap_or(usize::MAX))]);
            if out.len() as u64 >= len {
                break;
            }
            steps += 1;
            if steps > self.max_id + 1 {
                return Err(damaged());
            }
            id = *self.fat.get(id as usize).ok_or_else(damaged)?;
        }
        Ok(out)
    }
}

/// Check an OLE compound file; for an `.xls`, also its sheets' declared dimensions.
pub(super) fn check(bytes: &[u8]) -> Result<(), ReadError> {
    let (size, header) = match u16_at(bytes, 30).ok_or_else(damaged)? {
        9 => (512usize, 512usize),
        12 => (4096, 4096),
        _ => return Err(damaged()),
    };
    if bytes.len() < header || u16_at(bytes, 32) != Some(6) || !(bytes.len() - header).is_multiple_of(4) {
        return Err(damaged());
    }
    let mut ole = Ole { bytes, size, header, max_id: bytes.len() / size, fat: Vec::new() };

    let mut difat = words(&bytes[76..512]);
    let mut id = u32_at(bytes, 68).ok_or_else(damaged)?;
    let mut steps = 0usize;
    while id < RESERVED {
        steps += 1;
        if steps > ole.max_id + 1 {
            return Err(damaged());
        }
        difat.extend(words(ole.sector(id)?));
        id = difat.pop().ok_or_else(damaged)?;
    }
    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIF_SECT) {
        fat.extend(words(ole.sector(id)?));
    }
    ole.fat = fat;

    let dirs = ole.chain(u32_at(bytes, 48).ok_or_else(damaged)?, u64::MAX)?;
    let entries: Vec<Entry> = dirs.chunks_exact(128).map(|d| entry(d, size)).collect();
    let root = entries.first().ok_or_else(damaged)?;
    let mini_fat_len = u64::from(u32_at(bytes, 64).ok_or_else(damaged)?);
    let (ministream, mini_fat) = if mini_fat_len > 0 {
        let mini = ole.chain(root.start, root.len)?;
        let table = ole.chain(u32_at(bytes, 60).ok_or_else(damaged)?, mini_fat_len * size as u64)?;
        (mini, words(&table))
    } else {
        (Vec::new(), Vec::new())
    };
    // The one stream calamine opens: "Workbook" (or "Book" in BIFF5). Streams under 4096 bytes
    // live in the mini stream, in 64-byte sectors.
    let stream = |e: &Entry| -> Result<Vec<u8>, ReadError> {
        if e.len >= 4096 {
            return ole.chain(e.start, e.len);
        }
        let (mut id, mut out) = (e.start, Vec::new());
        while id != END_OF_CHAIN && (out.len() as u64) < e.len {
            let at = id as usize * 64;
            out.extend_from_slice(ministream.get(at..at + 64).ok_or_else(damaged)?);
            if (out.len() as u64) < e.len {
                id = *mini_fat.get(id as usize).ok_or_else(damaged)?;
            }
        }
        out.truncate(usize::try_from(e.len).unwrap_or(usize::MAX));
        Ok(out)
    };
    let named = |n: &str| entries.iter().find(|e| e.name.eq_ignore_ascii_case(n));
    let workbook = named("Workbook").or_else(|| named("Book")).map(stream).transpose()?;
    if let Some(w) = workbook {
        check_sheets(&w)?;
    }
    Ok(())
}

fn entry(d: &[u8], size: usize) -> Entry {
    let units: Vec<u16> = d[..64].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    let name: String = char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')).take_while(|c| *c != '\0').collect();
    let start = u32::from_le_bytes([d[116], d[117], d[118], d[119]]);
    let len = if size == 512 {
        u64::from(u32::from_le_bytes([d[120], d[121], d[122], d[123]]))
    } else {
        u64::from_le_bytes([d[120], d[121], d[122], d[123], d[124], d[125], d[126], d[127]])
    };
    Entry { name, start, len }
}

/// BIFF records from `pos`: (type, data), stopping at the first malformed one.
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        let typ = u16_at(rest, 0)?;
        let len = usize::from(u16_at(rest, 2)?);
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some((typ, data))
    })
}

/// Refuse a workbook whose sheets make calamine allocate more than [`MAX_XLS_CELLS`] cells in
/// all: through their DIMENSIONS records (reserved up front) or through the bounding box of their
/// cell records (calamine fills the whole box). Sheets are found as calamine finds them, from the
/// BOUNDSHEET records of the globals substream, and read with its substream nesting rules.
fn check_sheets(workbook: &[u8]) -> Result<(), ReadError> {
    let mut positions = Vec::new();
    for (typ, data) in records(workbook) {
        match typ {
            0x0085 => positions.extend(u32_at(data, 0)),
            0x000A => break,
            _ => {}
        }
    }
    let (mut declared, mut spread) = (0u64, 0u64);
    for pos in positions {
        let Some(sheet) = workbook.get(pos as usize..) else { continue };
        let (mut seen_bof, mut depth) = (false, 0usize);
        let mut bounds: Option<(u16, u16, u16, u16)> = None;
        let mut include = |row: u16, col: u16| {
            bounds = Some(match bounds {
                None => (row, row, col, col),
                Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
            });
        };
        for (typ, data) in records(sheet) {
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let at = |o: usize| u16_at(data, o);
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                0x0200 => declared = declared.saturating_add(declared_cells(data)),
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    if let (Some(r), Some(c)) = (at(0), at(2)) {
                        include(r, c);
                    }
                }
                0x00BD if data.len() >= 6 => {
                    if let (Some(r), Some(c0), Some(c1)) = (at(0), at(2), at(data.len() - 2)) {
                        include(r, c0);
                        include(r, c1);
                    }
                }
                _ => {}
            }
        }
        if let Some((r0, r1, c0, c1)) = bounds {
            let (rows, cols) = (u64::from(r1) - u64::from(r0) + 1, u64::from(c1) - u64::from(c0) + 1);
            spread = spread.saturating_add(rows * cols);
        }
    }
    if declared > MAX_XLS_CELLS || spread > MAX_XLS_CELLS {
        return Err(ReadError::XlsTooLarge);
    }
    Ok(())
}

/// The cells a DIMENSIONS record makes calamine reserve (its arithmetic, wrapping included).
fn declared_cells(r: &[u8]) -> u64 {
    let (rf, rl, cf, cl) = match r.len() {
        10 => (u32::from(u16_at(r, 0).unwrap_or(0)), u32::from(u16_at(r, 2).unwrap_or(0)), u16_at(r, 4), u16_at(r, 6)),
        14 | 16 => (u32_at(r, 0).unwrap_or(0), u32_at(r, 4).unwrap_or(0), u16_at(r, 8), u16_at(r, 10)),
        _ => return 0,
    };
    let (mut cf, cl) = (u32::from(cf.unwrap_or(0)), u32::from(cl.unwrap_or(0)));
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    if rl < 1 || cl < 1 {
        return 1;
    }
    let rows = u64::from((rl - 1).wrapping_sub(rf).wrapping_add(1));
    let cols = u64::from((cl - 1).wrapping_sub(cf).wrapping_add(1));
    rows.saturating_mul(cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_as_calamine_computes_them() {
        let biff8 = |rf: u32, rl: u32, cf: u16, cl: u16| {
            [rf.to_le_bytes().as_slice(), &rl.to_le_bytes(), &cf.to_le_bytes(), &cl.to_le_bytes(), &[0, 0]].concat()
        };
        assert_eq!(declared_cells(&biff8(0, 100, 0, 13)), 1300);
        assert_eq!(declared_cells(&biff8(0, 65_536, 0, 64)), MAX_XLS_CELLS);
        assert!(declared_cells(&biff8(0, u32::MAX, 0, 256)) > MAX_XLS_CELLS);
        assert!(declared_cells(&biff8(10, 5, 0, 13)) > MAX_XLS_CELLS, "wrapping like calamine");
        assert_eq!(declared_cells(&biff8(0, 0, 0, 0)), 1);
        assert_eq!(declared_cells(&[0; 12]), 0);
    }
}
