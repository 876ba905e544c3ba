//! Text output: segno's `txt` module matrix and Unicode half blocks for terminals.
//!
//! Only [`RenderOptions::border`] applies here; size and colours are for the graphical formats.

use super::RenderOptions;
use crate::encode::QrCode;
use crate::error::Result;

/// Renders `code` as segno's `txt` matrix: one line per row (quiet zone included), `1` for a
/// dark module and `0` for a light one, each line ending in `\n`.
pub fn to_txt(code: &QrCode, opts: &RenderOptions) -> Result<String> {
    let grid = Grid::new(code, opts.checked_border()?);
    let mut out = String::with_capacity(grid.rows * (grid.cols + 1));
    for y in 0..grid.rows {
        out.extend((0..grid.cols).map(|x| if grid.dark(x, y) { '1' } else { '0' }));
        out.push('\n');
    }
    Ok(out)
}

/// Renders `code` for a terminal: Unicode half blocks, two module rows per line, quiet zone
/// included, in explicit black on white so it scans on dark and light themes alike.
///
/// The colours are the 256-colour palette's 16 (black) and 231 (white): unlike the first 16
/// colours, terminal themes do not remap them, and unlike 24-bit colour every common terminal
/// supports them. Each line resets the colours before its `\n`.
pub fn to_terminal(code: &QrCode, opts: &RenderOptions) -> Result<String> {
    half_blocks(code, opts, true)
}

/// Like [`to_terminal`] without ANSI escapes: dark modules are the glyphs, light ones spaces.
///
/// Reads like ink on paper, so it scans where text is dark on a light background (a light
/// terminal theme, a document); on a dark theme the code shows inverted, which many phone
/// scanners refuse — use [`to_terminal`] there.
pub fn to_terminal_plain(code: &QrCode, opts: &RenderOptions) -> Result<String> {
    half_blocks(code, opts, false)
}

/// Foreground black (16), background white (231).
const ANSI_START: &str = "\x1b[38;5;16;48;5;231m";
const ANSI_RESET: &str = "\x1b[0m";

fn half_blocks(code: &QrCode, opts: &RenderOptions, ansi: bool) -> Result<String> {
    let grid = Grid::new(code, opts.checked_border()?);
    let lines = grid.rows.div_ceil(2);
    // Each glyph is 3 bytes of UTF-8.
    let mut out = String::with_capacity(lines * (grid.cols * 3 + 16));
    for line in 0..lines {
        let (top, bottom) = (2 * line, 2 * line + 1);
        if ansi {
            out.push_str(ANSI_START);
        }
        for x in 0..grid.cols {
            // With an odd number of rows the last line's lower half is beyond the quiet zone;
            // drawing it light just extends the quiet zone by half a module.
            out.push(match (grid.dark(x, top), grid.dark(x, bottom)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        if ansi {
            out.push_str(ANSI_RESET);
        }
        out.push('\n');
    }
    Ok(out)
}

/// The matrix seen with its quiet zone, where anything outside the symbol is light; as many
/// columns as rows except for rMQR.
struct Grid<'a> {
    code: &'a QrCode,
    border: usize,
    cols: usize,
    rows: usize,
}

impl<'a> Grid<'a> {
    fn new(code: &'a QrCode, border: u32) -> Self {
        let border = border as usize;
        Grid {
            code,
            border,
            cols: code.width() + 2 * border,
            rows: code.height() + 2 * border,
        }
    }

    fn dark(&self, x: usize, y: usize) -> bool {
        let (x, y) = (x.wrapping_sub(self.border), y.wrapping_sub(self.border));
        // Coordinates left of or above the symbol wrap to huge values and fail the bound too.
        x < self.code.width() && y < self.code.height() && self.code.is_dark(x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::render::tests::tiny;
    use crate::render::MAX_BORDER;

    fn with_border(border: u32) -> RenderOptions {
        RenderOptions {
            border,
            ..RenderOptions::default()
        }
    }

    #[test]
    fn txt_matrix_without_border() {
        let txt = to_txt(&tiny(), &with_border(0)).unwrap();
        assert_eq!(txt, "11011\n00000\n10101\n01110\n11111\n");
    }

    #[test]
    fn txt_matrix_with_border() {
        let txt = to_txt(&tiny(), &with_border(1)).unwrap();
        let want = "0000000\n\
                    0110110\n\
                    0000000\n\
                    0101010\n\
                    0011100\n\
                    0111110\n\
                    0000000\n";
        assert_eq!(txt, want);
    }

    #[test]
    fn txt_ignores_graphical_options_but_checks_border() {
        // Colours and scale do not apply to text, so an otherwise invalid scale is fine.
        let opts = RenderOptions {
            size: crate::render::Size::Scale(0),
            ..with_border(0)
        };
        assert!(to_txt(&tiny(), &opts).is_ok());
        let err = to_txt(&tiny(), &with_border(MAX_BORDER + 1)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidOption);
    }

    #[test]
    fn plain_half_blocks() {
        // Rows 11011/00000 → ▀▀ ▀▀; 10101/01110 → ▀▄█▄▀; 11111/(beyond) → ▀▀▀▀▀.
        let text = to_terminal_plain(&tiny(), &with_border(0)).unwrap();
        assert_eq!(text, "▀▀ ▀▀\n▀▄█▄▀\n▀▀▀▀▀\n");
        // A border of 1 makes 7 rows: 4 lines of 7 cells, the last half beyond the quiet zone.
        let text = to_terminal_plain(&tiny(), &with_border(1)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, [" ▄▄ ▄▄ ", " ▄ ▄ ▄ ", " ▄███▄ ", "       "]);
    }

    #[test]
    fn ansi_half_blocks_set_and_reset_colours_per_line() {
        let text = to_terminal(&tiny(), &with_border(0)).unwrap();
        let want = format!(
            "{ANSI_START}▀▀ ▀▀{ANSI_RESET}\n{ANSI_START}▀▄█▄▀{ANSI_RESET}\n\
             {ANSI_START}▀▀▀▀▀{ANSI_RESET}\n"
        );
        assert_eq!(text, want);
    }
}
