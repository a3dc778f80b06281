//! Official documents (公文-like: a centred title, an addressee, body paragraphs and tables, the
//! signing organization and the date right-aligned) as one neutral structure, and that structure
//! written as a `.docx` file that opens in WPS and Word.
//!
//! Why a structure: the same document is shown as a printable web page and downloaded as a
//! `.docx`; whoever builds a [`Document`] writes its text once and both renderings follow it. A
//! fact that is not recorded is a [`Span::Blank`] — a visible line to fill in by hand
//! ([`BLANK`]) — never an invented value.
//!
//! The layout follows the national standard for official documents (GB/T 9704): A4, margins of
//! 37 mm (top), 35 mm (bottom), 28 mm (left) and 26 mm (right), the title in 方正小标宋简体 二号
//! (22 pt), the body in 仿宋_GB2312 三号 (16 pt) at a fixed 28 pt line spacing with a two-character
//! first-line indent, headings in 黑体, and the signature four characters from the right margin.
//! Every run names its East Asian font in the `eastAsia` attribute and Latin text in Times New
//! Roman; the document defaults name 宋体 (SimSun) as the East Asian font, so a machine without
//! the official fonts shows 宋体 (WPS and Word also substitute 仿宋 for 仿宋_GB2312 by themselves).

use std::io::{Cursor, Read};

use docx_rs::{
    AlignmentType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts, SpecialIndentType,
    TableAlignmentType, WidthType,
};

/// What a blank (a fact not recorded) looks like in print: a line to fill in by hand.
pub const BLANK: &str = "＿＿＿＿";

/// The font of titles.
pub const TITLE_FONT: &str = "方正小标宋简体";
/// The font of the body.
pub const BODY_FONT: &str = "仿宋_GB2312";
/// The font of headings inside the body.
pub const HEADING_FONT: &str = "黑体";
/// The East Asian font every text falls back to (宋体, SimSun).
pub const FALLBACK_FONT: &str = "宋体";
/// The font of Latin letters and digits.
pub const LATIN_FONT: &str = "Times New Roman";

/// A4 in twips (1/20 pt).
const A4_WIDTH: u32 = 11_906;
const A4_HEIGHT: u32 = 16_838;
/// GB/T 9704 margins in twips: 37 mm top, 35 mm bottom, 28 mm left, 26 mm right.
const MARGIN_TOP: i32 = 2_098;
const MARGIN_BOTTOM: i32 = 1_984;
const MARGIN_LEFT: i32 = 1_587;
const MARGIN_RIGHT: i32 = 1_474;
/// The width of the text area in twips.
const TEXT_WIDTH: usize = (A4_WIDTH as usize) - (MARGIN_LEFT as usize) - (MARGIN_RIGHT as usize);
/// Font sizes in half-points: 二号 22 pt, 三号 16 pt, 小四 12 pt.
const TITLE_SIZE: usize = 44;
const BODY_SIZE: usize = 32;
const TABLE_SIZE: usize = 24;
/// One character of the body (16 pt) in twips.
const BODY_CHAR: i32 = 320;

/// A piece of a line: text as written, or a fact not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// Text.
    Text(String),
    /// A fact not recorded: printed as [`BLANK`].
    Blank,
}

impl Span {
    /// The text as printed ([`BLANK`] for a blank).
    pub fn as_str(&self) -> &str {
        match self {
            Span::Text(t) => t,
            Span::Blank => BLANK,
        }
    }

    /// Whether this is a blank.
    pub fn is_blank(&self) -> bool {
        matches!(self, Span::Blank)
    }
}

/// One line of text made of spans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    /// The spans, in order.
    pub spans: Vec<Span>,
}

impl Line {
    /// An empty line, to build with [`Line::text`] and [`Line::fill`].
    pub fn new() -> Line {
        Line::default()
    }

    /// A line of plain text.
    pub fn of(text: impl Into<String>) -> Line {
        Line::new().text(text)
    }

    /// A line that is only a blank.
    pub fn blank() -> Line {
        Line { spans: vec![Span::Blank] }
    }

    /// A line with the value, or a blank when it is not recorded.
    pub fn filled(value: Option<impl Into<String>>) -> Line {
        Line::new().fill(value)
    }

    /// Add text (adjacent text is merged into one span).
    pub fn text(mut self, text: impl Into<String>) -> Line {
        let text = text.into();
        if text.is_empty() {
            return self;
        }
        match self.spans.last_mut() {
            Some(Span::Text(t)) => t.push_str(&text),
            _ => self.spans.push(Span::Text(text)),
        }
        self
    }

    /// Add the value, or a blank when it is not recorded.
    pub fn fill(self, value: Option<impl Into<String>>) -> Line {
        match value {
            Some(v) => self.text(v),
            None => self.blank_span(),
        }
    }

    /// Add a blank.
    pub fn blank_span(mut self) -> Line {
        self.spans.push(Span::Blank);
        self
    }

    /// Append another line's spans.
    pub fn append(mut self, other: Line) -> Line {
        for s in other.spans {
            self = match s {
                Span::Text(t) => self.text(t),
                Span::Blank => self.blank_span(),
            };
        }
        self
    }

    /// The line as printed.
    pub fn plain(&self) -> String {
        self.spans.iter().map(Span::as_str).collect()
    }

    /// Whether the line has no text and no blank.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// A cell of a table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    /// The lines of the cell (empty: an empty cell).
    pub lines: Vec<String>,
    /// How many columns the cell spans (at least 1).
    pub span: usize,
    /// A label cell (bold, shaded lightly in print).
    pub label: bool,
}

impl Cell {
    /// A cell of one line.
    pub fn of(text: impl Into<String>) -> Cell {
        let text = text.into();
        Cell { lines: if text.is_empty() { Vec::new() } else { vec![text] }, span: 1, label: false }
    }

    /// A cell of several lines (empty lines dropped).
    pub fn lines(lines: Vec<String>) -> Cell {
        Cell { lines: lines.into_iter().filter(|l| !l.is_empty()).collect(), span: 1, label: false }
    }

    /// A label cell.
    pub fn label(text: impl Into<String>) -> Cell {
        Cell { label: true, ..Cell::of(text) }
    }

    /// The value, or [`BLANK`] when it is not recorded.
    pub fn filled(value: Option<impl Into<String>>) -> Cell {
        match value {
            Some(v) => Cell::of(v),
            None => Cell::of(BLANK),
        }
    }

    /// Span `n` columns.
    pub fn spanning(mut self, n: usize) -> Cell {
        self.span = n.max(1);
        self
    }
}

/// A table: a header row (optional) and rows of cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The relative widths of the columns (any unit; the `.docx` shares the text width by them).
    pub widths: Vec<u16>,
    /// The header row, if any (repeated on every page).
    pub header: Vec<String>,
    /// The rows; the spans of a row's cells add up to the number of columns.
    pub rows: Vec<Vec<Cell>>,
}

/// A part of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A body paragraph, its first line indented by two characters.
    Paragraph(Line),
    /// A paragraph without indentation (a list item, a closing line).
    Plain(Line),
    /// A heading inside the body (`一、…`), in 黑体.
    Heading(String),
    /// A table.
    Table(Table),
}

/// A document: title, addressee, body, signature and date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// The title, centred (`关于确定×××同志为发展对象的请示`).
    pub title: String,
    /// The addressee (主送机关) without the colon, if the document has one.
    pub addressee: Option<Line>,
    /// The body.
    pub blocks: Vec<Block>,
    /// The signing organization, right-aligned below the body.
    pub signature: Option<Line>,
    /// The date, right-aligned below the signature (`2026年11月27日`, or a blank).
    pub date: Option<Line>,
}

/// Why a `.docx` could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    /// Packing the file failed.
    #[error("writing the .docx failed: {0}")]
    Write(String),
    /// The bytes are not a `.docx` (not a zip, or no `word/document.xml`).
    #[error("not a .docx file: {0}")]
    Read(String),
}

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new().ascii(LATIN_FONT).hi_ansi(LATIN_FONT).cs(LATIN_FONT).east_asia(east_asia).hint("eastAsia")
}

fn exact(twips: i32) -> LineSpacing {
    LineSpacing::new().line_rule(LineSpacingType::Exact).line(twips)
}

fn runs(mut p: Paragraph, line: &Line, font: &str, size: usize) -> Paragraph {
    for s in &line.spans {
        let run = Run::new().add_text(s.as_str()).fonts(fonts(font)).size(size);
        p = p.add_run(run);
    }
    p
}

/// Indent the first line by two characters of the body.
fn first_line_indent(p: Paragraph) -> Paragraph {
    p.indent(None, Some(SpecialIndentType::FirstLine(2 * BODY_CHAR)), None, None)
}

fn body_paragraph(line: &Line, indent: bool) -> Paragraph {
    let p = Paragraph::new().align(AlignmentType::Both).line_spacing(exact(560));
    let p = if indent { first_line_indent(p) } else { p };
    runs(p, line, BODY_FONT, BODY_SIZE)
}

fn right_aligned(line: &Line) -> Paragraph {
    // 公文: the signature and the date end four characters from the right margin.
    let p = Paragraph::new().align(AlignmentType::Right).line_spacing(exact(560)).indent(
        None,
        None,
        Some(4 * BODY_CHAR),
        None,
    );
    runs(p, line, BODY_FONT, BODY_SIZE)
}

fn table_cell(cell: &Cell, width: usize) -> docx_rs::TableCell {
    let mut c = docx_rs::TableCell::new().width(width, WidthType::Dxa);
    if cell.span > 1 {
        c = c.grid_span(cell.span);
    }
    if cell.label {
        c = c.shading(docx_rs::Shading::new().fill("F2F2F2"));
    }
    let lines: Vec<&str> =
        if cell.lines.is_empty() { vec![""] } else { cell.lines.iter().map(String::as_str).collect() };
    for l in lines {
        let mut run = Run::new().add_text(l).fonts(fonts(BODY_FONT)).size(TABLE_SIZE);
        if cell.label {
            run = run.bold();
        }
        let p = Paragraph::new().line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(240));
        c = c.add_paragraph(p.add_run(run));
    }
    c
}

fn table(t: &Table) -> docx_rs::Table {
    let columns = t
        .widths
        .len()
        .max(t.header.len())
        .max(t.rows.iter().map(|r| r.iter().map(|c| c.span).sum()).max().unwrap_or(1))
        .max(1);
    let total: usize = t.widths.iter().map(|w| usize::from(*w)).sum();
    let grid: Vec<usize> = (0..columns)
        .map(|i| match t.widths.get(i) {
            Some(w) if total > 0 => TEXT_WIDTH * usize::from(*w) / total,
            _ => TEXT_WIDTH / columns,
        })
        .collect();
    let width_of = |start: usize, span: usize| grid.iter().skip(start).take(span).sum::<usize>();
    let mut rows = Vec::with_capacity(t.rows.len() + 1);
    if !t.header.is_empty() {
        let cells =
            t.header.iter().enumerate().map(|(i, h)| table_cell(&Cell::label(h.clone()), width_of(i, 1))).collect();
        rows.push(docx_rs::TableRow::new(cells).cant_split());
    }
    for r in &t.rows {
        let mut at = 0;
        let cells = r
            .iter()
            .map(|c| {
                let cell = table_cell(c, width_of(at, c.span.max(1)));
                at += c.span.max(1);
                cell
            })
            .collect();
        rows.push(docx_rs::TableRow::new(cells).cant_split());
    }
    docx_rs::Table::new(rows).set_grid(grid).width(TEXT_WIDTH, WidthType::Dxa).align(TableAlignmentType::Center)
}

/// The document as a `.docx` file (A4, GB/T 9704 margins and fonts).
pub fn write_docx(doc: &Document) -> Result<Vec<u8>, DocxError> {
    let mut d = Docx::new()
        .page_size(A4_WIDTH, A4_HEIGHT)
        .page_margin(PageMargin {
            top: MARGIN_TOP,
            left: MARGIN_LEFT,
            bottom: MARGIN_BOTTOM,
            right: MARGIN_RIGHT,
            header: 851,
            footer: 992,
            gutter: 0,
        })
        .default_fonts(RunFonts::new().ascii(LATIN_FONT).hi_ansi(LATIN_FONT).east_asia(FALLBACK_FONT).hint("eastAsia"))
        .default_size(BODY_SIZE);
    let title = Paragraph::new().align(AlignmentType::Center).line_spacing(exact(700));
    d = d.add_paragraph(runs(title, &Line::of(doc.title.clone()), TITLE_FONT, TITLE_SIZE));
    // One empty line between the title and what follows.
    d = d.add_paragraph(body_paragraph(&Line::new(), false));
    if let Some(a) = &doc.addressee {
        d = d.add_paragraph(body_paragraph(&a.clone().text("："), false));
    }
    for b in &doc.blocks {
        d = match b {
            Block::Paragraph(l) => d.add_paragraph(body_paragraph(l, true)),
            Block::Plain(l) => d.add_paragraph(body_paragraph(l, false)),
            Block::Heading(h) => {
                let p = first_line_indent(Paragraph::new().line_spacing(exact(560)).keep_next(true));
                d.add_paragraph(runs(p, &Line::of(h.clone()), HEADING_FONT, BODY_SIZE))
            }
            // A table is followed by an empty paragraph (Word joins adjacent tables).
            Block::Table(t) => d.add_table(table(t)).add_paragraph(Paragraph::new()),
        };
    }
    if doc.signature.is_some() || doc.date.is_some() {
        d = d.add_paragraph(body_paragraph(&Line::new(), false));
    }
    if let Some(s) = &doc.signature {
        d = d.add_paragraph(right_aligned(s));
    }
    if let Some(s) = &doc.date {
        d = d.add_paragraph(right_aligned(s));
    }
    let mut out = Cursor::new(Vec::new());
    d.build().pack(&mut out).map_err(|e| DocxError::Write(e.to_string()))?;
    Ok(out.into_inner())
}

/// The `word/document.xml` of a `.docx` file, as text.
pub fn document_xml(bytes: &[u8]) -> Result<String, DocxError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| DocxError::Read(e.to_string()))?;
    let mut part = zip.by_name("word/document.xml").map_err(|e| DocxError::Read(e.to_string()))?;
    let mut xml = String::new();
    part.read_to_string(&mut xml).map_err(|e| DocxError::Read(e.to_string()))?;
    Ok(xml)
}

/// The text of a `.docx` file: the text of `word/document.xml` without its markup, one line per
/// paragraph (the runs of a paragraph joined).
pub fn document_text(bytes: &[u8]) -> Result<String, DocxError> {
    let xml = document_xml(bytes)?;
    let mut out = String::with_capacity(xml.len() / 4);
    let mut rest = xml.as_str();
    while let Some(open) = rest.find('<') {
        out.push_str(&unescape(&rest[..open]));
        let Some(close) = rest[open..].find('>') else { break };
        let tag = &rest[open..open + close + 1];
        if tag == "</w:p>" {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    Ok(out)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn sample() -> Document {
        Document {
            title: "关于确定韦小红同志为发展对象的请示".into(),
            addressee: Some(Line::of("中共城关镇委员会")),
            blocks: vec![
                Block::Paragraph(
                    Line::of("韦小红，女，苗族，1995年5月10日出生。联系人：").fill(None::<String>).text("。"),
                ),
                Block::Heading("一、基本情况".into()),
                Block::Table(Table {
                    widths: vec![1, 3],
                    header: vec!["项目".into(), "内容".into()],
                    rows: vec![
                        vec![Cell::label("姓名"), Cell::of("韦小红")],
                        vec![Cell::of("A & B <c>").spanning(2)],
                        vec![Cell::label("备注"), Cell::lines(vec!["第一行".into(), String::new(), "第二行".into()])],
                    ],
                }),
                Block::Plain(Line::of("妥否，请批示。")),
            ],
            signature: Some(Line::of("城关镇东街村党支部")),
            date: Some(Line::of("2023年4月1日")),
        }
    }

    #[test]
    fn the_docx_is_a_zip_whose_document_holds_the_text() {
        let bytes = write_docx(&sample()).unwrap();
        assert_eq!(&bytes[..2], b"PK", "a zip file");
        let xml = document_xml(&bytes).unwrap();
        for want in ["关于确定韦小红同志为发展对象的请示", "1995年5月10日", BLANK, "城关镇东街村党支部", "2023年4月1日"]
        {
            assert!(xml.contains(want), "{want} missing from document.xml");
        }
        // Markup in the text is escaped, and reads back as written.
        assert!(xml.contains("A &amp; B &lt;c&gt;"), "{xml}");
        let text = document_text(&bytes).unwrap();
        assert!(text.contains("中共城关镇委员会：\n"), "{text}");
        assert!(text.contains(&format!("联系人：{BLANK}。")), "{text}");
        assert!(text.contains("A & B <c>"), "{text}");
        assert!(text.contains("第一行\n第二行\n"), "empty lines of a cell are dropped: {text}");
        // The other parts of a Word document are there.
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        for part in ["[Content_Types].xml", "word/styles.xml", "_rels/.rels"] {
            assert!(zip.by_name(part).is_ok(), "{part}");
        }
    }

    #[test]
    fn the_page_and_the_fonts_follow_the_standard() {
        let xml = document_xml(&write_docx(&sample()).unwrap()).unwrap();
        // A4 and the GB/T 9704 margins, in twips.
        assert!(xml.contains("w:w=\"11906\"") && xml.contains("w:h=\"16838\""), "{xml}");
        assert!(xml.contains("w:top=\"2098\"") && xml.contains("w:left=\"1587\""), "{xml}");
        // The title's and the body's East Asian fonts.
        assert!(xml.contains(&format!("w:eastAsia=\"{TITLE_FONT}\"")), "{xml}");
        assert!(xml.contains(&format!("w:eastAsia=\"{BODY_FONT}\"")), "{xml}");
        assert!(xml.contains(&format!("w:eastAsia=\"{HEADING_FONT}\"")), "{xml}");
        // The title centred, the signature right-aligned.
        assert!(xml.contains("w:val=\"center\"") && xml.contains("w:val=\"right\""), "{xml}");
        // Body paragraphs and headings start two characters in (2 × 16 pt = 640 twips).
        assert!(xml.contains("w:firstLine=\"640\""), "{xml}");
        // The spanning cell spans both columns.
        assert!(xml.contains("<w:gridSpan w:val=\"2\""), "{xml}");
    }

    #[test]
    fn the_fallback_font_is_the_default() {
        let bytes = write_docx(&sample()).unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let mut styles = String::new();
        zip.by_name("word/styles.xml").unwrap().read_to_string(&mut styles).unwrap();
        assert!(styles.contains(&format!("w:eastAsia=\"{FALLBACK_FONT}\"")), "{styles}");
    }

    #[test]
    fn lines_merge_text_and_keep_blanks() {
        let l = Line::of("于").fill(Some("2023年")).fill(None::<&str>).text("").text("止");
        assert_eq!(l.spans, vec![Span::Text("于2023年".into()), Span::Blank, Span::Text("止".into())]);
        assert_eq!(l.plain(), format!("于2023年{BLANK}止"));
        assert_eq!(Line::of("a").append(Line::blank()).append(Line::of("b")).plain(), format!("a{BLANK}b"));
        assert!(Line::new().is_empty());
        assert_eq!(Cell::filled(None::<String>).lines, vec![BLANK.to_string()]);
        assert_eq!(Cell::of("").lines, Vec::<String>::new());
    }

    #[test]
    fn garbage_is_not_a_docx() {
        assert!(matches!(document_xml(b"not a zip"), Err(DocxError::Read(_))));
    }
}
