//! Label sheets: many symbols on printable pages (A4, US Letter or a custom size), in a grid of
//! `rows × columns` cells, each symbol with an optional caption line under it.
//!
//! The pages are vector PDF: each symbol is one path of rectangle runs (one per run of dark
//! modules in a row) filled once, drawn in module units under one transform, and each page's
//! content is deflated, so a label costs well under a kilobyte whatever the print size. Captions use the PDF base-14 font Helvetica with
//! `WinAnsiEncoding` (nothing is embedded), so they are limited to that character set: a
//! character it lacks is written as `?`, a control character as a space. A caption wider than
//! its cell is first set smaller (down to 60 % of [`LabelSheet::caption_pt`], at least
//! [`MIN_CAPTION_PT`]), then cut with an ellipsis.
//!
//! Every symbol on a sheet is fitted into its cell: the symbol with its quiet zone (a square, or
//! an rMQR symbol's rectangle) is as large as the cell allows once the caption line is set aside,
//! centred in the cell.

use std::fmt;
use std::io::Write as _;
use std::str::FromStr;

use pdf_writer::{Content, Filter, Name, Pdf, Rect, Ref, Str};

use super::{dark_runs, invalid, MAX_BORDER};
use crate::encode::QrCode;
use crate::error::{Error, ErrorKind, Result};

/// The most rows, and the most columns, of a sheet.
pub const MAX_LABEL_GRID: u32 = 20;
/// The smallest side of a symbol on a sheet, quiet zone included, in millimetres: below it the
/// cells are too small to print a readable code.
pub const MIN_LABEL_CODE_MM: f64 = 5.0;
/// The smallest font size a caption is shrunk to, in points.
pub const MIN_CAPTION_PT: f64 = 4.0;
/// The largest caption font size accepted, in points.
pub const MAX_CAPTION_PT: f64 = 36.0;
/// Custom page sides accepted, in millimetres.
const PAGE_MM: std::ops::RangeInclusive<f64> = 20.0..=2000.0;
/// Characters of a caption considered at all (the rest could never fit a cell).
const MAX_CAPTION_CHARS: usize = 500;
const PT_PER_MM: f64 = 72.0 / 25.4;
/// Height of the caption line in font sizes (ascent, descent and a little air).
const LINE: f64 = 1.35;
/// WinAnsi's horizontal ellipsis.
const ELLIPSIS: u8 = 0x85;

const CATALOG: Ref = Ref::new(1);
const PAGES: Ref = Ref::new(2);
const FONT: Ref = Ref::new(3);
const INFO: Ref = Ref::new(4);
const FIRST_FREE: i32 = 5;

/// A page size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PageSize {
    /// ISO A4, 210 × 297 mm.
    A4,
    /// US Letter, 8.5 × 11 in (215.9 × 279.4 mm).
    Letter,
    /// Any size from 20 to 2000 mm a side.
    Custom {
        /// Width in millimetres.
        width_mm: f64,
        /// Height in millimetres.
        height_mm: f64,
    },
}

impl PageSize {
    /// Width and height in millimetres.
    pub fn size_mm(self) -> (f64, f64) {
        match self {
            PageSize::A4 => (210.0, 297.0),
            PageSize::Letter => (215.9, 279.4),
            PageSize::Custom {
                width_mm,
                height_mm,
            } => (width_mm, height_mm),
        }
    }
}

impl fmt::Display for PageSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageSize::A4 => f.write_str("a4"),
            PageSize::Letter => f.write_str("letter"),
            PageSize::Custom {
                width_mm,
                height_mm,
            } => write!(f, "{width_mm}x{height_mm}"),
        }
    }
}

impl FromStr for PageSize {
    type Err = crate::Error;

    /// `a4`, `letter` (or `us-letter`), or `WIDTHxHEIGHT` in millimetres (`100x150`), any case.
    fn from_str(s: &str) -> Result<PageSize> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "a4" => return Ok(PageSize::A4),
            "letter" | "us-letter" | "usletter" => return Ok(PageSize::Letter),
            _ => {}
        }
        let bad = || {
            invalid(format!(
                "page size {s:?}: use a4, letter, or WIDTHxHEIGHT in millimetres (e.g. 100x150)"
            ))
        };
        let (w, h) = lower.split_once('x').ok_or_else(bad)?;
        let width_mm: f64 = w.trim().parse().map_err(|_| bad())?;
        let height_mm: f64 = h.trim().parse().map_err(|_| bad())?;
        let page = PageSize::Custom {
            width_mm,
            height_mm,
        };
        check_page(page)?;
        Ok(page)
    }
}

fn check_page(page: PageSize) -> Result<()> {
    let (w, h) = page.size_mm();
    if !PAGE_MM.contains(&w) || !PAGE_MM.contains(&h) {
        return Err(invalid(format!(
            "page of {w} x {h} mm: each side must be {} to {} mm",
            PAGE_MM.start(),
            PAGE_MM.end()
        )));
    }
    Ok(())
}

/// How a sheet of labels is laid out.
///
/// Build it with struct update syntax: `LabelSheet { rows: 10, ..LabelSheet::default() }`.
/// [`LabelSheetWriter::new`] checks every field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelSheet {
    /// The page (default A4).
    pub page: PageSize,
    /// Rows of labels per page, 1 to [`MAX_LABEL_GRID`] (default 8).
    pub rows: u32,
    /// Columns of labels per page, 1 to [`MAX_LABEL_GRID`] (default 3).
    pub columns: u32,
    /// Blank margin on every side of the page, in millimetres (default 10).
    pub margin_mm: f64,
    /// Space between neighbouring cells, in millimetres (default 3).
    pub gap_mm: f64,
    /// Quiet zone around each symbol, in modules (default 4; at most [`MAX_BORDER`]).
    pub quiet_zone: u32,
    /// Caption font size in points, [`MIN_CAPTION_PT`] to [`MAX_CAPTION_PT`] (default 8).
    pub caption_pt: f64,
}

impl Default for LabelSheet {
    fn default() -> Self {
        LabelSheet {
            page: PageSize::A4,
            rows: 8,
            columns: 3,
            margin_mm: 10.0,
            gap_mm: 3.0,
            quiet_zone: 4,
            caption_pt: 8.0,
        }
    }
}

/// The resolved geometry of a sheet, in points (y up, as PDF has it).
#[derive(Debug, Clone, Copy)]
struct Geometry {
    page_w: f64,
    page_h: f64,
    margin: f64,
    gap: f64,
    cell_w: f64,
    cell_h: f64,
    caption_line: f64,
}

impl LabelSheet {
    /// Labels per page.
    pub fn per_page(&self) -> u32 {
        self.rows * self.columns
    }

    fn geometry(&self) -> Result<Geometry> {
        if let PageSize::Custom { .. } = self.page {
            check_page(self.page)?;
        }
        for (name, n) in [("rows", self.rows), ("columns", self.columns)] {
            if !(1..=MAX_LABEL_GRID).contains(&n) {
                return Err(invalid(format!(
                    "{name} {n} is out of range (1 to {MAX_LABEL_GRID})"
                )));
            }
        }
        let (w_mm, h_mm) = self.page.size_mm();
        for (name, v) in [("margin", self.margin_mm), ("gap", self.gap_mm)] {
            if !v.is_finite() || v < 0.0 {
                return Err(invalid(format!(
                    "{name} of {v} mm: must be a length of 0 mm or more"
                )));
            }
        }
        if 2.0 * self.margin_mm >= w_mm.min(h_mm) {
            return Err(invalid(format!(
                "margin of {} mm leaves nothing of a {w_mm} x {h_mm} mm page",
                self.margin_mm
            )));
        }
        if self.quiet_zone > MAX_BORDER {
            return Err(invalid(format!(
                "quiet zone of {} modules is out of range (0 to {MAX_BORDER})",
                self.quiet_zone
            )));
        }
        if !(MIN_CAPTION_PT..=MAX_CAPTION_PT).contains(&self.caption_pt) {
            return Err(invalid(format!(
                "caption size of {} pt is out of range ({MIN_CAPTION_PT} to {MAX_CAPTION_PT})",
                self.caption_pt
            )));
        }
        let (rows, columns) = (f64::from(self.rows), f64::from(self.columns));
        let cell_w_mm = (w_mm - 2.0 * self.margin_mm - (columns - 1.0) * self.gap_mm) / columns;
        let cell_h_mm = (h_mm - 2.0 * self.margin_mm - (rows - 1.0) * self.gap_mm) / rows;
        let caption_line = self.caption_pt * LINE;
        // The worst case, a label with a caption, must leave room for a readable code.
        let code_mm = cell_w_mm.min(cell_h_mm - caption_line / PT_PER_MM);
        if code_mm < MIN_LABEL_CODE_MM {
            return Err(invalid(format!(
                "{} x {} labels with {} mm margins and {} mm gaps leave {:.1} mm for each code \
                 (with its caption line); at least {MIN_LABEL_CODE_MM} mm is needed: use fewer \
                 rows or columns, or smaller margins, gaps or captions",
                self.rows,
                self.columns,
                self.margin_mm,
                self.gap_mm,
                code_mm.max(0.0)
            )));
        }
        // US Letter is whole points; the metric sizes are converted.
        let (page_w, page_h) = match self.page {
            PageSize::Letter => (612.0, 792.0),
            _ => (w_mm * PT_PER_MM, h_mm * PT_PER_MM),
        };
        Ok(Geometry {
            page_w,
            page_h,
            margin: self.margin_mm * PT_PER_MM,
            gap: self.gap_mm * PT_PER_MM,
            cell_w: cell_w_mm * PT_PER_MM,
            cell_h: cell_h_mm * PT_PER_MM,
            caption_line,
        })
    }
}

/// Writes a label sheet one label at a time, a page at a time: labels fill each page left to
/// right, top to bottom, and a new page starts when one is full.
///
/// ```
/// use qrsmith_core::{encode_text, EncodeOptions, LabelSheet, LabelSheetWriter};
///
/// let mut sheet = LabelSheetWriter::new(LabelSheet::default())?;
/// for n in 1..=30 {
///     let code = encode_text(&format!("item-{n}"), &EncodeOptions::default())?;
///     sheet.add(&code, Some(&format!("Item {n}")))?;
/// }
/// assert_eq!(sheet.pages(), 2); // 24 labels a page by default
/// let pdf = sheet.finish()?;
/// assert!(pdf.starts_with(b"%PDF-"));
/// # Ok::<(), qrsmith_core::Error>(())
/// ```
pub struct LabelSheetWriter {
    sheet: LabelSheet,
    geometry: Geometry,
    pdf: Pdf,
    next_ref: i32,
    pages: Vec<Ref>,
    content: Content,
    on_page: u32,
}

impl fmt::Debug for LabelSheetWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LabelSheetWriter")
            .field("sheet", &self.sheet)
            .field("pages", &self.pages())
            .field("on_page", &self.on_page)
            .finish_non_exhaustive()
    }
}

impl LabelSheetWriter {
    /// Checks `sheet` and starts the document; an [`crate::ErrorKind::InvalidOption`] names
    /// the field that is out of range, or says why the cells are too small for a code.
    pub fn new(sheet: LabelSheet) -> Result<LabelSheetWriter> {
        let geometry = sheet.geometry()?;
        Ok(LabelSheetWriter {
            sheet,
            geometry,
            pdf: Pdf::new(),
            next_ref: FIRST_FREE,
            pages: Vec::new(),
            content: Content::new(),
            on_page: 0,
        })
    }

    /// Pages begun so far (the one being filled included).
    pub fn pages(&self) -> usize {
        self.pages.len() + usize::from(self.on_page > 0)
    }

    /// Adds `code` in the next cell, with `caption` under it (see the module documentation for
    /// the characters a caption may hold and how a long one is fitted).
    pub fn add(&mut self, code: &QrCode, caption: Option<&str>) -> Result<()> {
        self.place(code.width(), code.height(), |y| code.row(y), caption)
    }

    /// Adds a symbol given as its module matrix: `width × height` bytes, row by row, non-zero
    /// for dark (as [`QrCode::row`] gives them), for callers that stored matrices rather than
    /// [`QrCode`]s.
    pub fn add_matrix(
        &mut self,
        width: usize,
        height: usize,
        modules: &[u8],
        caption: Option<&str>,
    ) -> Result<()> {
        let sides = 1..=177;
        if !sides.contains(&width)
            || !sides.contains(&height)
            || width.checked_mul(height) != Some(modules.len())
        {
            return Err(invalid(format!(
                "a module matrix of {} bytes is not {width} x {height} modules (1 to 177 a side)",
                modules.len()
            )));
        }
        self.place(
            width,
            height,
            |y| &modules[y * width..(y + 1) * width],
            caption,
        )
    }

    fn place<'r>(
        &mut self,
        width: usize,
        height: usize,
        row: impl Fn(usize) -> &'r [u8],
        caption: Option<&str>,
    ) -> Result<()> {
        let g = self.geometry;
        let column = self.on_page % self.sheet.columns;
        let line = self.on_page / self.sheet.columns;
        let left = g.margin + f64::from(column) * (g.cell_w + g.gap);
        let top = g.page_h - g.margin - f64::from(line) * (g.cell_h + g.gap);
        let caption = caption.map(str::trim).filter(|c| !c.is_empty());
        let caption_line = if caption.is_some() {
            g.caption_line
        } else {
            0.0
        };
        let quiet = self.sheet.quiet_zone as usize;
        let (across, down) = ((width + 2 * quiet) as f64, (height + 2 * quiet) as f64);
        let module = (g.cell_w / across).min((g.cell_h - caption_line) / down);
        let (code_w, code_h) = (module * across, module * down);
        let code_left = left + (g.cell_w - code_w) / 2.0;
        // The block (code and caption) is centred vertically in the cell.
        let code_top = top - (g.cell_h - code_h - caption_line) / 2.0;

        let c = &mut self.content;
        c.save_state();
        // Module units with y pointing down, as the matrix is stored.
        c.transform([
            module as f32,
            0.0,
            0.0,
            -module as f32,
            code_left as f32,
            code_top as f32,
        ]);
        for y in 0..height {
            for (x, len) in dark_runs(row(y)) {
                c.rect((x + quiet) as f32, (y + quiet) as f32, len as f32, 1.0);
            }
        }
        c.fill_nonzero();
        c.restore_state();

        if let Some(caption) = caption {
            let (bytes, size, text_w) = fit_caption(caption, self.sheet.caption_pt, g.cell_w);
            let x = left + (g.cell_w - text_w) / 2.0;
            // Helvetica's cap height is 0.718 em: the capitals sit just under the code.
            let baseline = code_top - code_h - 0.2 * size - 0.718 * size;
            c.begin_text();
            c.set_font(Name(b"F1"), size as f32);
            c.next_line(x as f32, baseline as f32);
            c.show(Str(&bytes));
            c.end_text();
        }

        self.on_page += 1;
        if self.on_page == self.sheet.per_page() {
            self.end_page()?;
        }
        Ok(())
    }

    fn alloc(&mut self) -> Ref {
        let r = Ref::new(self.next_ref);
        self.next_ref += 1;
        r
    }

    fn end_page(&mut self) -> Result<()> {
        let content = std::mem::replace(&mut self.content, Content::new()).finish();
        let content = deflate(&content)?;
        let (page_ref, content_ref) = (self.alloc(), self.alloc());
        let g = self.geometry;
        let mut page = self.pdf.page(page_ref);
        page.parent(PAGES)
            .media_box(Rect::new(0.0, 0.0, g.page_w as f32, g.page_h as f32))
            .contents(content_ref);
        page.resources().fonts().pair(Name(b"F1"), FONT);
        drop(page);
        self.pdf
            .stream(content_ref, &content)
            .filter(Filter::FlateDecode);
        self.pages.push(page_ref);
        self.on_page = 0;
        Ok(())
    }

    /// Ends the last page and the document. A sheet without any label is an
    /// [`crate::ErrorKind::InvalidOption`]: a PDF needs a page.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        if self.on_page > 0 {
            self.end_page()?;
        }
        if self.pages.is_empty() {
            return Err(invalid("a label sheet needs at least one label"));
        }
        self.pdf.catalog(CATALOG).pages(PAGES);
        let count = i32::try_from(self.pages.len()).unwrap_or(i32::MAX);
        self.pdf
            .pages(PAGES)
            .kids(self.pages.iter().copied())
            .count(count);
        self.pdf
            .type1_font(FONT)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        self.pdf
            .document_info(INFO)
            .producer(pdf_writer::TextStr("qrsmith"));
        Ok(self.pdf.finish())
    }
}

/// Renders `labels` (each a symbol and its optional caption) on as many pages of `sheet` as
/// they need: [`LabelSheetWriter`] in one call.
pub fn to_label_sheet<'a>(
    labels: impl IntoIterator<Item = (&'a QrCode, Option<&'a str>)>,
    sheet: &LabelSheet,
) -> Result<Vec<u8>> {
    let mut writer = LabelSheetWriter::new(*sheet)?;
    for (code, caption) in labels {
        writer.add(code, caption)?;
    }
    writer.finish()
}

/// `data` zlib-compressed, as PDF's `FlateDecode` takes it.
fn deflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut encoder =
        flate2::write::ZlibEncoder::new(Vec::with_capacity(data.len() / 4), Default::default());
    let failed = |e: std::io::Error| Error::new(ErrorKind::Engine, format!("deflate: {e}"));
    encoder.write_all(data).map_err(failed)?;
    encoder.finish().map_err(failed)
}

/// The caption in WinAnsi bytes, the font size it is set in and its width in points, so that it
/// fits `max_width` points: shrunk first, then cut with an ellipsis.
fn fit_caption(caption: &str, size: f64, max_width: f64) -> (Vec<u8>, f64, f64) {
    let mut bytes: Vec<u8> = caption
        .chars()
        .take(MAX_CAPTION_CHARS)
        .map(|c| {
            if c.is_control() {
                b' '
            } else {
                winansi(c).unwrap_or(b'?')
            }
        })
        .collect();
    let width = |bytes: &[u8], size: f64| -> f64 {
        bytes
            .iter()
            .map(|&b| f64::from(helvetica_width(b)))
            .sum::<f64>()
            * size
            / 1000.0
    };
    let natural = width(&bytes, size);
    if natural <= max_width {
        return (bytes, size, natural);
    }
    let smallest = (size * 0.6).max(MIN_CAPTION_PT).min(size);
    let shrunk = (size * max_width / natural).max(smallest);
    // A hair of tolerance: the shrunk width equals the cell's but for rounding.
    let shrunk_width = width(&bytes, shrunk);
    if shrunk_width <= max_width * (1.0 + 1e-9) {
        return (bytes, shrunk, shrunk_width);
    }
    let room = max_width - width(&[ELLIPSIS], shrunk);
    let mut used = 0.0;
    let keep = bytes
        .iter()
        .take_while(|&&b| {
            used += f64::from(helvetica_width(b)) * shrunk / 1000.0;
            used <= room
        })
        .count();
    bytes.truncate(keep);
    while bytes.last() == Some(&b' ') {
        bytes.pop();
    }
    bytes.push(ELLIPSIS);
    let w = width(&bytes, shrunk);
    (bytes, shrunk, w)
}

/// The WinAnsiEncoding (Windows-1252) byte of `c`, if it has one.
fn winansi(c: char) -> Option<u8> {
    let u = u32::from(c);
    if (0x20..=0x7e).contains(&u) || (0xa0..=0xff).contains(&u) {
        return u8::try_from(u).ok();
    }
    let byte = match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8a,
        '‹' => 0x8b,
        'Œ' => 0x8c,
        'Ž' => 0x8e,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9a,
        '›' => 0x9b,
        'œ' => 0x9c,
        'ž' => 0x9e,
        'Ÿ' => 0x9f,
        _ => return None,
    };
    Some(byte)
}

/// Helvetica's advance width of a WinAnsi byte, in thousandths of the font size (Adobe's
/// metrics of the base-14 font; bytes without a glyph count as a bullet's 350).
fn helvetica_width(b: u8) -> u16 {
    #[rustfmt::skip]
    const WIDTHS: [u16; 224] = [
        // 0x20
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
        // 0x40
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
        // 0x60
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350,
        // 0x80
        556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
        350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667,
        // 0xa0
        278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
        400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
        // 0xc0
        667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
        722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
        // 0xe0
        556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
    ];
    match b {
        0x20.. => WIDTHS[usize::from(b - 0x20)],
        _ => 350,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{encode_text, EncodeOptions};
    use crate::error::ErrorKind;
    use crate::render::tests::{tiny, TINY_RUNS};

    /// The document as text, every (deflated) content stream inflated in place.
    fn text(pdf: &[u8]) -> String {
        use std::io::Read as _;
        let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
        let mut out = String::new();
        let mut rest = pdf;
        while let Some(at) = find(rest, b"stream\n") {
            out.push_str(&String::from_utf8_lossy(&rest[..at]));
            let body = &rest[at + b"stream\n".len()..];
            let end = find(body, b"\nendstream").expect("stream ends");
            let mut inflated = Vec::new();
            flate2::read::ZlibDecoder::new(&body[..end])
                .read_to_end(&mut inflated)
                .expect("a deflated stream");
            out.push_str(&String::from_utf8_lossy(&inflated));
            rest = &body[end + b"\nendstream".len()..];
        }
        out.push_str(&String::from_utf8_lossy(rest));
        out
    }

    #[test]
    fn pages_fill_in_order_and_every_page_has_its_labels() {
        let sheet = LabelSheet {
            rows: 2,
            columns: 2,
            ..LabelSheet::default()
        };
        let code = tiny();
        let mut writer = LabelSheetWriter::new(sheet).unwrap();
        for n in 0..9 {
            writer.add(&code, Some(&format!("L{n}"))).unwrap();
        }
        assert_eq!(writer.pages(), 3);
        let pdf = text(&writer.finish().unwrap());
        assert!(pdf.starts_with("%PDF-") && pdf.ends_with("%%EOF"));
        assert!(pdf.contains("/Count 3"), "{pdf}");
        assert_eq!(pdf.matches("/Parent 2 0 R").count(), 3);
        // A4 in points.
        assert!(pdf.contains("/MediaBox [0 0 595.27"), "{pdf}");
        // Every label's runs, one fill each; every caption once.
        assert_eq!(pdf.matches(" re").count(), 9 * TINY_RUNS);
        assert_eq!(pdf.matches("\nf\n").count(), 9);
        for n in 0..9 {
            assert_eq!(pdf.matches(&format!("(L{n}) Tj")).count(), 1, "{pdf}");
        }
        assert!(pdf.contains("/BaseFont /Helvetica"));
        assert_eq!(pdf.matches("/Filter /FlateDecode").count(), 3);
        assert!(pdf.contains("/Encoding /WinAnsiEncoding"));
    }

    #[test]
    fn codes_are_fitted_into_their_cells() {
        // Letter, 1 x 1, 1 in margins: the cell is 6.5 x 9 in; without caption the code is 6.5 in
        // = 468 pt over 5 + 2 * 4 = 13 modules = 36 pt each.
        let sheet = LabelSheet {
            page: PageSize::Letter,
            rows: 1,
            columns: 1,
            margin_mm: 25.4,
            ..LabelSheet::default()
        };
        let mut writer = LabelSheetWriter::new(sheet).unwrap();
        writer.add(&tiny(), None).unwrap();
        let pdf = text(&writer.finish().unwrap());
        assert!(pdf.contains("/MediaBox [0 0 612 792]"), "{pdf}");
        // Centred: x = 72, top = 792 - 72 - (648 - 468) / 2 = 630.
        assert!(pdf.contains("36 0 0 -36 72 630 cm"), "{pdf}");
        assert!(!pdf.contains("Tj"));
    }

    #[test]
    fn bad_sheets_are_refused_with_reasons() {
        let bad = |sheet: LabelSheet, word: &str| {
            let err = LabelSheetWriter::new(sheet).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidOption);
            assert!(err.message().contains(word), "{}", err.message());
        };
        let base = LabelSheet::default;
        bad(LabelSheet { rows: 0, ..base() }, "rows");
        bad(
            LabelSheet {
                columns: 21,
                ..base()
            },
            "columns",
        );
        bad(
            LabelSheet {
                margin_mm: 105.0,
                ..base()
            },
            "margin",
        );
        bad(
            LabelSheet {
                margin_mm: f64::NAN,
                ..base()
            },
            "margin",
        );
        bad(
            LabelSheet {
                gap_mm: -1.0,
                ..base()
            },
            "gap",
        );
        bad(
            LabelSheet {
                quiet_zone: 101,
                ..base()
            },
            "quiet zone",
        );
        bad(
            LabelSheet {
                caption_pt: 2.0,
                ..base()
            },
            "caption",
        );
        bad(
            LabelSheet {
                rows: 20,
                columns: 20,
                gap_mm: 5.0,
                ..base()
            },
            "at least 5 mm",
        );
        let tiny_page = PageSize::Custom {
            width_mm: 10.0,
            height_mm: 50.0,
        };
        bad(
            LabelSheet {
                page: tiny_page,
                ..base()
            },
            "20 to 2000",
        );
        let err = LabelSheetWriter::new(base()).unwrap().finish().unwrap_err();
        assert!(err.message().contains("at least one label"));
        let mut w = LabelSheetWriter::new(base()).unwrap();
        assert!(w.add_matrix(3, 3, &[1; 8], None).is_err());
        assert!(w.add_matrix(0, 0, &[], None).is_err());
        assert!(w.add_matrix(178, 1, &[1; 178], None).is_err());
        assert!(w.add_matrix(2, 2, &[1, 0, 0, 1], None).is_ok());
        assert!(w.add_matrix(3, 1, &[1, 0, 1], None).is_ok());
    }

    #[test]
    fn page_sizes_parse() {
        assert_eq!("A4".parse::<PageSize>(), Ok(PageSize::A4));
        assert_eq!("letter".parse::<PageSize>(), Ok(PageSize::Letter));
        assert_eq!(
            "100x150".parse::<PageSize>(),
            Ok(PageSize::Custom {
                width_mm: 100.0,
                height_mm: 150.0
            })
        );
        for bad in ["", "a5", "100", "x", "100x", "10x100", "nanxnan", "100x-5"] {
            let err = bad.parse::<PageSize>().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidOption, "{bad}");
        }
        assert_eq!(
            PageSize::Letter.to_string().parse::<PageSize>(),
            Ok(PageSize::Letter)
        );
    }

    #[test]
    fn captions_are_winansi_and_fitted() {
        // Encodable Latin-1 and cp1252 extras keep their bytes; the rest becomes '?'.
        let (bytes, size, _) = fit_caption("Café €5 “x” 東\tz", 8.0, 1000.0);
        assert_eq!(bytes, b"Caf\xe9 \x805 \x93x\x94 ? z");
        assert_eq!(size, 8.0);
        // Too wide: shrunk, but no further than 60 %.
        let (bytes, size, w) = fit_caption("WWWWWWWWWW", 10.0, 80.0);
        assert_eq!(bytes, b"WWWWWWWWWW");
        assert!((size - 80.0 / 94.4 * 10.0).abs() < 1e-9, "{size}");
        assert!(w <= 80.0 + 1e-6);
        // Far too wide: cut with an ellipsis at the smallest size, and still inside the cell.
        let long = "A very long caption that cannot possibly fit in a small label cell";
        let (bytes, size, w) = fit_caption(long, 10.0, 60.0);
        assert_eq!(size, 6.0);
        assert!(w <= 60.0, "{w}");
        assert_eq!(bytes.last(), Some(&ELLIPSIS));
        assert!(long.as_bytes().starts_with(&bytes[..bytes.len() - 1]));
        assert_eq!(helvetica_width(b'W'), 944);
        assert_eq!(helvetica_width(0xe9), 556);
    }

    #[test]
    fn real_codes_make_a_document_of_many_pages() {
        let codes: Vec<QrCode> = (0..50)
            .map(|n| encode_text(&format!("item {n}"), &EncodeOptions::default()).unwrap())
            .collect();
        let captions: Vec<String> = (0..50).map(|n| format!("Item {n}")).collect();
        let pdf = to_label_sheet(
            codes.iter().zip(captions.iter().map(|c| Some(c.as_str()))),
            &LabelSheet::default(),
        )
        .unwrap();
        let pdf = text(&pdf);
        assert!(pdf.contains("/Count 3"), "24 + 24 + 2");
    }
}
