//! Property tests for every parser an import relies on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, NaiveDate};
use common::*;
use jiceng_exchange::{Cell, ColumnKind, ColumnSpec, Limits, SheetSpec, import_members, write_csv};
use jiceng_types::date::{from_excel_serial, parse_date, parse_year_month, to_excel_serial};
use jiceng_types::idcard::{IdCardNo, LegacyNumbers, check_char};
use jiceng_types::person::PersonName;
use jiceng_types::phone::Phone;
use proptest::prelude::*;

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (1900i32..=2199, 1u32..=12, 1u32..=31).prop_filter_map("valid date", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
}

fn full_width(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_graphic() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c }).collect()
}

/// A valid ID number: region, birth date up to `today`, sequence.
fn any_id() -> impl Strategy<Value = String> {
    (100_000u32..=999_999, 1900i32..=2025, 1u32..=12, 1u32..=28, 0u32..=999).prop_map(|(region, y, m, d, seq)| {
        let body = format!("{region}{y:04}{m:02}{d:02}{seq:03}");
        let check = check_char(body.as_bytes()).unwrap();
        format!("{body}{}", check as char)
    })
}

fn parse_id(s: &str) -> Result<IdCardNo, jiceng_types::error::ValueError> {
    IdCardNo::parse_at(s, today(), LegacyNumbers::Convert)
}

proptest! {
    #[test]
    fn dates_round_trip_in_every_written_form(d in any_date(), fw in any::<bool>()) {
        let forms = [
            d.format("%Y-%m-%d").to_string(),
            d.format("%Y/%-m/%-d").to_string(),
            d.format("%Y.%m.%d").to_string(),
            d.format("%Y%m%d").to_string(),
            d.format("%Y年%-m月%-d日").to_string(),
        ];
        for f in forms {
            let f = if fw { full_width(&f) } else { f };
            prop_assert_eq!(parse_date(&f).unwrap(), d, "{}", f);
        }
    }

    #[test]
    fn excel_serials_round_trip(d in any_date()) {
        prop_assert_eq!(from_excel_serial(to_excel_serial(d)), Some(d));
        prop_assert_eq!(from_excel_serial(to_excel_serial(d) + 0.75), Some(d));
    }

    #[test]
    fn year_months_round_trip(d in any_date()) {
        let first = d.with_day(1).unwrap();
        for f in [d.format("%Y.%m"), d.format("%Y%m"), d.format("%Y-%-m"), d.format("%Y年%-m月")].map(|f| f.to_string()) {
            prop_assert_eq!(parse_year_month(&f).unwrap(), first, "{}", f);
        }
    }

    #[test]
    fn dates_in_cells_of_every_kind_import(d in (1950i32..=2000, 1u32..=12, 1u32..=28).prop_map(|(y, m, dd)| NaiveDate::from_ymd_opt(y, m, dd).unwrap()), kind in 0..3) {
        let birth = d.format("%Y%m%d").to_string();
        let admitted = d + chrono::Duration::days(365 * 20);
        let cell = match kind {
            0 => Cell::Date(admitted),
            1 => Cell::Number(to_excel_serial(admitted)),
            _ => Cell::Text(admitted.format("%Y年%-m月%-d日").to_string()),
        };
        let spec = SheetSpec { name: "s".into(), columns: ["姓名", "公民身份号码", "人员类别", "入党日期", "所在党支部"].iter().map(|h| ColumnSpec::new(*h, ColumnKind::Text)).collect() };
        let row = vec![Cell::text("张三"), Cell::text(id("520102", &birth, "123")), Cell::text("正式党员"), cell, Cell::text("支部")];
        let xlsx = jiceng_exchange::write_xlsx(&spec, [row]).unwrap();
        let parsed = import_members(&xlsx, "a.xlsx", &Limits::default(), &options()).unwrap();
        prop_assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        prop_assert_eq!(parsed.rows[0].admitted_on, admitted);
    }

    #[test]
    fn id_numbers_normalize_to_themselves(id in any_id(), lower in any::<bool>(), widths in proptest::collection::vec(any::<bool>(), 18), spaces in proptest::collection::vec(0usize..=18, 0..4)) {
        let mut typed: Vec<String> = id.chars().zip(&widths).map(|(c, fw)| {
            let c = if lower { c.to_ascii_lowercase() } else { c };
            if *fw { full_width(&c.to_string()) } else { c.to_string() }
        }).collect();
        for at in spaces {
            typed.insert(at.min(typed.len()), if at % 2 == 0 { " ".into() } else { "\u{3000}".into() });
        }
        let typed: String = typed.concat();
        let parsed = parse_id(&typed).unwrap();
        prop_assert_eq!(parsed.as_str(), id.as_str());
        prop_assert_eq!(parsed.masked().len(), 18);
        prop_assert!(parsed.masked().contains("********"));
    }

    #[test]
    fn any_single_character_change_is_rejected(id in any_id(), pos in 0usize..18, replacement in 0usize..11) {
        let chars: Vec<char> = id.chars().collect();
        let alphabet: Vec<char> = if pos == 17 { "0123456789X".chars().collect() } else { "0123456789".chars().collect() };
        let new = alphabet[replacement % alphabet.len()];
        prop_assume!(new != chars[pos]);
        let mut changed = chars.clone();
        changed[pos] = new;
        let changed: String = changed.into_iter().collect();
        prop_assert!(parse_id(&changed).is_err(), "{} accepted", changed);
    }

    #[test]
    fn names_lose_spaces_and_keep_their_characters(chars in proptest::collection::vec(0x4E00u32..0x9FA5, 2..=20), gaps in proptest::collection::vec(0usize..20, 0..3)) {
        let name: String = chars.iter().map(|c| char::from_u32(*c).unwrap()).collect();
        let mut typed: Vec<char> = name.chars().collect();
        for g in gaps {
            typed.insert(g.min(typed.len()), if g % 2 == 0 { ' ' } else { '\u{3000}' });
        }
        let typed: String = typed.into_iter().collect();
        let parsed = PersonName::parse(&format!(" {typed} ")).unwrap();
        prop_assert_eq!(parsed.as_str(), name.as_str());
        let with_digit = format!("{name}{}", gaps_digit(&name));
        prop_assert!(PersonName::parse(&with_digit).is_err());
    }

    #[test]
    fn mobiles_in_any_layout(second in 3u8..=9, rest in 0u64..1_000_000_000, layout in 0..4) {
        let digits = format!("1{second}{rest:09}");
        let typed = match layout {
            0 => digits.clone(),
            1 => format!("{} {} {}", &digits[..3], &digits[3..7], &digits[7..]),
            2 => format!("+86-{digits}"),
            _ => full_width(&digits),
        };
        let p = Phone::parse(&typed).unwrap();
        prop_assert_eq!(p.as_str(), digits.as_str());
        prop_assert_eq!(p.masked(), format!("{}****{}", &digits[..3], &digits[7..]));
    }

    #[test]
    fn the_importer_never_panics_on_arbitrary_cells(rows in proptest::collection::vec(proptest::collection::vec(".{0,20}", 0..14), 0..8)) {
        let spec = SheetSpec { name: "s".into(), columns: common::HEADER.split(',').map(|h| ColumnSpec::new(h, ColumnKind::Text)).collect() };
        let cells: Vec<Vec<Cell>> = rows.iter().map(|r| r.iter().map(|s| Cell::text(s.as_str())).collect()).collect();
        let csv = write_csv(&spec, &cells);
        let parsed = import_members(&csv, "a.csv", &Limits::default(), &options());
        if let Ok(p) = parsed {
            prop_assert!(p.rows.len() + p.rejected_rows() <= rows.len());
        }
    }
}

fn gaps_digit(name: &str) -> char {
    char::from(b'0' + (name.len() % 10) as u8)
}
