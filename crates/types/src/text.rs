//! Helpers for the text people type: trimming, full-width forms, control characters.

/// Trim, turn full-width ASCII (Ｕ＋ＦＦ０１–ＦＦ５Ｅ) and the ideographic space into their
/// half-width forms, and collapse runs of whitespace into one space.
pub fn normalize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for ch in input.chars() {
        let ch = to_half_width(ch);
        if ch.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(ch);
    }
    out
}

/// The half-width form of a full-width ASCII character or the ideographic space.
pub fn to_half_width(ch: char) -> char {
    match ch {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(ch as u32 - 0xFEE0).unwrap_or(ch),
        _ => ch,
    }
}

/// True if the text contains control characters (other than none: tabs and newlines included).
pub fn has_control(input: &str) -> bool {
    input.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_full_width_and_spaces() {
        assert_eq!(normalize("  ＡＢ１２　 城关镇 "), "AB12 城关镇");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("a\t\nb"), "a b");
    }
}
