//! Verify-after-generate: render a code, read it back with this crate's own reader under
//! degraded conditions, and report the scan margin; for styled and logo codes that do not read,
//! adjust until they do.
//!
//! The code is rendered as an RGBA raster at [`VERIFY_SCALE`] px per module with the caller's
//! colours, style and quiet zone, laid over white (as on a page), turned to grey and read
//! ([`decode_image`](crate::decode_image)) as it is and under each [`Degradation`]. A read
//! counts only when a symbol carries exactly the expected payload.
//!
//! [`generate_verified`] adds the repair loop: when the plain read fails for a styled or logo
//! code it raises the error correction to H, shrinks the logo in steps, widens its clear margin
//! and finally falls back to square modules and eyes, re-encoding and re-reading after each
//! step, and reports every change as an [`Adjustment`]. When nothing works it fails with
//! [`ErrorKind::Unscannable`]. The cost is bounded: at most [`MAX_ATTEMPTS`] renders and plain
//! reads, then the five reads of the margin.

use std::fmt;
use std::time::{Duration, Instant};

use image::{GrayImage, ImageEncoder as _};

use crate::decode::{decode, decode_image, DecodeOptions};
use crate::encode::{EcLevel, EncodeOptions, QrCode, Version};
use crate::error::{Error, ErrorKind, Result};
use crate::render::{
    logo_area, logo_fits, to_rgba_styled, EyeShape, ModuleShape, RenderOptions, Size, Style,
    MIN_LOGO_SIZE,
};

/// Pixels per module of the raster that verification reads.
pub const VERIFY_SCALE: u32 = 8;

/// The most renders with a plain read that [`generate_verified`] tries before giving up.
pub const MAX_ATTEMPTS: usize = 12;

/// A condition the code is read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Degradation {
    /// The raster as rendered ([`VERIFY_SCALE`] px per module).
    AsGenerated,
    /// Downscaled (area filter) to 2 px per module, as a small print or a distant camera.
    Downscaled,
    /// A Gaussian blur of σ = 0.35 module, as an out-of-focus camera.
    Blurred,
    /// Saved as JPEG at quality 30 and decoded again.
    Jpeg,
    /// Contrast squeezed to 30 % around mid-grey, as a faded print or a glare.
    LowContrast,
}

impl Degradation {
    /// Every degradation, from the mildest.
    pub const ALL: [Degradation; 5] = [
        Degradation::AsGenerated,
        Degradation::Downscaled,
        Degradation::Blurred,
        Degradation::Jpeg,
        Degradation::LowContrast,
    ];

    /// A stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Degradation::AsGenerated => "as_generated",
            Degradation::Downscaled => "downscaled_2px",
            Degradation::Blurred => "blurred",
            Degradation::Jpeg => "jpeg_q30",
            Degradation::LowContrast => "low_contrast",
        }
    }
}

impl fmt::Display for Degradation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which degradations a code still reads under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanMargin {
    /// The degradations under which the exact payload was read, in [`Degradation::ALL`] order.
    pub passed: Vec<Degradation>,
    /// The others.
    pub failed: Vec<Degradation>,
    /// The time the reads took.
    pub elapsed: Duration,
}

impl ScanMargin {
    /// Whether the code reads at all (as generated).
    pub fn reads(&self) -> bool {
        self.passed.contains(&Degradation::AsGenerated)
    }

    /// `"4/5"`: degradations passed out of those tried.
    pub fn score(&self) -> String {
        format!(
            "{}/{}",
            self.passed.len(),
            self.passed.len() + self.failed.len()
        )
    }
}

impl fmt::Display for ScanMargin {
    /// `4/5 passed=as_generated,downscaled_2px,blurred,low_contrast failed=jpeg_q30` (ASCII,
    /// fit for an HTTP header).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names =
            |list: &[Degradation]| list.iter().map(|d| d.name()).collect::<Vec<_>>().join(",");
        write!(
            f,
            "{} passed={} failed={}",
            self.score(),
            names(&self.passed),
            names(&self.failed)
        )
    }
}

/// A change [`generate_verified`] made so that the code reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Adjustment {
    /// The error-correction level was raised.
    RaisedEc {
        /// The level asked for.
        from: EcLevel,
        /// The level used.
        to: EcLevel,
    },
    /// A larger version was used to make room for the logo at its size.
    LargerVersion {
        /// The version the payload alone needs.
        from: u8,
        /// The version used.
        to: u8,
    },
    /// The logo was made smaller (fractions of the symbol's width).
    ShrankLogo {
        /// The size asked for.
        from: f32,
        /// The size used.
        to: f32,
    },
    /// The logo's clear margin was widened (modules).
    WidenedLogoMargin {
        /// The margin asked for.
        from: u32,
        /// The margin used.
        to: u32,
    },
    /// The module shape was replaced by squares.
    SquareModules {
        /// The shape asked for.
        from: ModuleShape,
    },
    /// The eye shapes were replaced by squares.
    SquareEyes,
}

impl Adjustment {
    /// Every [`Adjustment::code`], in the order of the variants.
    pub const CODES: [&'static str; 6] = [
        "raised_ec",
        "larger_version",
        "shrank_logo",
        "widened_logo_margin",
        "square_modules",
        "square_eyes",
    ];

    /// A stable snake_case code, one of [`Adjustment::CODES`].
    pub fn code(&self) -> &'static str {
        match self {
            Adjustment::RaisedEc { .. } => "raised_ec",
            Adjustment::LargerVersion { .. } => "larger_version",
            Adjustment::ShrankLogo { .. } => "shrank_logo",
            Adjustment::WidenedLogoMargin { .. } => "widened_logo_margin",
            Adjustment::SquareModules { .. } => "square_modules",
            Adjustment::SquareEyes => "square_eyes",
        }
    }
}

impl fmt::Display for Adjustment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Adjustment::RaisedEc { from, to } => {
                write!(f, "raised error correction from {from:?} to {to:?}")
            }
            Adjustment::LargerVersion { from, to } => write!(
                f,
                "used version {to} instead of {from} to make room for the logo"
            ),
            Adjustment::ShrankLogo { from, to } => {
                write!(f, "shrank the logo from {from:.2} to {to:.2} of the width")
            }
            Adjustment::WidenedLogoMargin { from, to } => write!(
                f,
                "widened the logo's clear margin from {from} to {to} modules"
            ),
            Adjustment::SquareModules { from } => {
                write!(f, "drew square modules instead of {from}")
            }
            Adjustment::SquareEyes => f.write_str("drew square finder eyes"),
        }
    }
}

/// What [`generate_verified`] may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Adjust a styled or logo code that does not read (default `true`); without it such a
    /// code fails with [`ErrorKind::Unscannable`].
    pub auto_adjust: bool,
    /// Raise the error-correction level (to H with a logo, from the start) (default `true`).
    pub auto_ec: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            auto_adjust: true,
            auto_ec: true,
        }
    }
}

/// A verified code: what to render, how it reads, and what was changed to get there.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The symbol (possibly at a raised EC level or a larger version).
    pub code: QrCode,
    /// The style to render it with (possibly adjusted).
    pub style: Style,
    /// Its scan margin.
    pub margin: ScanMargin,
    /// The changes made, in order; empty when the request read as it was.
    pub adjustments: Vec<Adjustment>,
    /// The time the whole verification took, repairs included.
    pub elapsed: Duration,
}

/// The grey raster verification reads: `code` with `style` at [`VERIFY_SCALE`], laid over white.
fn verify_raster(code: &QrCode, opts: &RenderOptions, style: &Style) -> Result<GrayImage> {
    let opts = RenderOptions {
        size: Size::Scale(VERIFY_SCALE),
        dpi: None,
        max_pixels: u32::MAX,
        ..opts.clone()
    };
    let rgba = to_rgba_styled(code, &opts, style)?;
    let mut gray = GrayImage::new(rgba.width(), rgba.height());
    for (g, p) in gray.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(p[3]);
        // Rec. 601 luma of the pixel over white.
        let luma = (299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2])) / 1000;
        g[0] = ((luma * a + 255 * (255 - a)) / 255) as u8;
    }
    Ok(gray)
}

/// Whether `gray`, under `degradation`, reads back as `expected`.
fn reads_under(
    gray: &GrayImage,
    modules: u32,
    degradation: Degradation,
    expected: &[u8],
) -> Result<bool> {
    // The main pass only: a phone's reader does not escalate as our pipeline does, so a margin
    // earned by escalation would promise more than a scan gives.
    let opts = DecodeOptions {
        effort: crate::decode::Effort::Fast,
        ..DecodeOptions::default()
    };
    let found = match degradation {
        Degradation::AsGenerated => decode_image(&gray.clone().into(), &opts),
        Degradation::Downscaled => {
            let side = modules * 2;
            let small =
                image::imageops::resize(gray, side, side, image::imageops::FilterType::Triangle);
            decode_image(&small.into(), &opts)
        }
        Degradation::Blurred => {
            let sigma = 0.35 * VERIFY_SCALE as f32;
            decode_image(&image::imageops::blur(gray, sigma).into(), &opts)
        }
        Degradation::Jpeg => {
            let mut jpeg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 30)
                .write_image(
                    gray.as_raw(),
                    gray.width(),
                    gray.height(),
                    image::ExtendedColorType::L8,
                )
                .map_err(|e| Error::new(ErrorKind::Engine, format!("JPEG encoding: {e}")))?;
            decode(&jpeg, &opts)
        }
        Degradation::LowContrast => {
            let mut low = gray.clone();
            for p in low.pixels_mut() {
                p[0] = (128.0 + (f32::from(p[0]) - 128.0) * 0.3).round() as u8;
            }
            decode_image(&low.into(), &opts)
        }
    };
    let found = match found {
        Ok(found) => found,
        // Not finding the code in time is a failed read, not an error.
        Err(e) if e.kind() == ErrorKind::Timeout => return Ok(false),
        Err(e) => return Err(e),
    };
    Ok(found
        .symbols
        .iter()
        .any(|s| s.bytes == expected || s.text.as_bytes() == expected))
}

/// Reads `code` rendered with `opts` and `style` under every [`Degradation`] and reports which
/// still give exactly `expected` (the payload's bytes; for text, its UTF-8).
pub fn scan_margin(
    code: &QrCode,
    opts: &RenderOptions,
    style: &Style,
    expected: &[u8],
) -> Result<ScanMargin> {
    let start = Instant::now();
    let gray = verify_raster(code, opts, style)?;
    let modules = code.width() as u32 + 2 * opts.border;
    let mut margin = ScanMargin {
        passed: Vec::new(),
        failed: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for d in Degradation::ALL {
        if reads_under(&gray, modules, d, expected)? {
            margin.passed.push(d);
        } else {
            margin.failed.push(d);
        }
    }
    margin.elapsed = start.elapsed();
    Ok(margin)
}

/// Whether `code` with `style` reads as generated.
fn reads(code: &QrCode, opts: &RenderOptions, style: &Style, expected: &[u8]) -> Result<bool> {
    let gray = verify_raster(code, opts, style)?;
    let modules = code.width() as u32 + 2 * opts.border;
    reads_under(&gray, modules, Degradation::AsGenerated, expected)
}

fn version_number(code: &QrCode) -> Option<u8> {
    match code.version() {
        Version::Normal(v) => Some(v),
        Version::Micro(_) | Version::Rmqr { .. } => None,
    }
}

/// Encodes with `encode`, then, with a logo and no forced version, moves up versions until the
/// logo fits at its size.
fn encode_for_logo<F>(
    encode: &F,
    opts: &EncodeOptions,
    style: &Style,
    adjustments: &mut Vec<Adjustment>,
) -> Result<QrCode>
where
    F: Fn(&EncodeOptions) -> Result<QrCode>,
{
    let mut code = encode(opts)?;
    let Some(logo) = &style.logo else {
        return Ok(code);
    };
    if opts.version.is_some() || opts.micro {
        return Ok(code);
    }
    let Some(first) = version_number(&code) else {
        return Ok(code);
    };
    let mut v = first;
    while !logo_fits(&code, logo) && v < 40 {
        v += 1;
        code = encode(&EncodeOptions {
            version: Some(Version::Normal(v)),
            ..*opts
        })?;
    }
    if v != first {
        adjustments.retain(|a| !matches!(a, Adjustment::LargerVersion { .. }));
        adjustments.push(Adjustment::LargerVersion { from: first, to: v });
    }
    Ok(code)
}

/// The error-correction level a code drawn in `style` is encoded at: a logo covers modules, so
/// with `auto_ec` it raises the level to H (QR only: Micro QR has no level H, nor room for a
/// logo). The one rule for a logo's level, used by [`generate_verified`] (which reports the
/// raise as an adjustment) and by callers drawing a styled code without verifying it.
pub fn ec_level_for_style(style: &Style, encode: &EncodeOptions, auto_ec: bool) -> EcLevel {
    if style.logo.is_some() && auto_ec && !encode.micro {
        encode.ec_level.max(EcLevel::H)
    } else {
        encode.ec_level
    }
}

/// Encodes with `encode` (called with the caller's options, adjusted), verifies the result as
/// rendered with `render` and `style`, and returns it with its scan margin.
///
/// `expected` is the payload's bytes (for text, its UTF-8). With a logo the EC level is H from
/// the start when `verify.auto_ec` is set, and a larger version is used when the logo does not
/// fit the smallest one. For a styled or logo code that does not read, the repairs described in
/// repairs run when `verify.auto_adjust` is set: level H, the logo shrunk by quarters
/// (down to 5 %), its margin widened by one module, then square modules and eyes. A plain code is only measured:
/// its margin is reported even when it does not read.
///
/// Errors: those of encoding and rendering, and [`ErrorKind::Unscannable`] when a styled code
/// cannot be made to read.
pub fn generate_verified<F>(
    encode: F,
    encode_opts: &EncodeOptions,
    render: &RenderOptions,
    style: &Style,
    expected: &[u8],
    verify: &VerifyOptions,
) -> Result<Verified>
where
    F: Fn(&EncodeOptions) -> Result<QrCode>,
{
    let start = Instant::now();
    let mut enc = *encode_opts;
    let mut style = style.clone();
    let mut adjustments = Vec::new();
    let for_style = ec_level_for_style(&style, &enc, verify.auto_ec);
    if for_style != enc.ec_level {
        adjustments.push(Adjustment::RaisedEc {
            from: enc.ec_level,
            to: for_style,
        });
        enc.ec_level = for_style;
    }
    let mut code = encode_for_logo(&encode, &enc, &style, &mut adjustments)?;
    if let Some(logo) = &style.logo {
        if logo_area(&code, logo).is_none() {
            return Err(Error::new(
                ErrorKind::InvalidOption,
                "the logo does not fit this symbol: logos need a QR (not Micro QR) symbol with \
                 room for the logo and its margin between the finder patterns",
            ));
        }
    }
    let styled = !style.is_plain();
    let mut attempts = 1;
    let mut ok = reads(&code, render, &style, expected)?;
    let mut tried = Vec::new();
    if !ok && styled && verify.auto_adjust {
        // 1. Level H.
        if verify.auto_ec && code.ec_level() < EcLevel::H && !enc.micro {
            adjustments.push(Adjustment::RaisedEc {
                from: enc.ec_level,
                to: EcLevel::H,
            });
            enc.ec_level = EcLevel::H;
            code = encode_for_logo(&encode, &enc, &style, &mut adjustments)?;
            attempts += 1;
            ok = reads(&code, render, &style, expected)?;
        }
        tried.push("error correction H");
        // 2. A smaller logo, in steps of 3/4.
        if let Some(asked) = style.logo.as_ref().map(|l| l.size()) {
            while !ok && attempts < MAX_ATTEMPTS - 4 {
                let logo = style.logo.take().expect("logo present");
                let smaller = (logo.size() * 0.75).max(MIN_LOGO_SIZE);
                if smaller >= logo.size() {
                    style.logo = Some(logo);
                    break;
                }
                style.logo = Some(logo.with_size(smaller)?);
                adjustments.retain(|a| !matches!(a, Adjustment::ShrankLogo { .. }));
                adjustments.push(Adjustment::ShrankLogo {
                    from: asked,
                    to: smaller,
                });
                attempts += 1;
                ok = reads(&code, render, &style, expected)?;
            }
            tried.push("a logo of 5 % of the width");
            // 3. A wider clear margin.
            if !ok {
                let logo = style.logo.take().expect("logo present");
                let from = logo.margin();
                let to = (from + 1).min(crate::render::MAX_LOGO_MARGIN);
                let widened = logo.with_margin(to)?;
                style.logo = Some(widened);
                if to != from {
                    adjustments.push(Adjustment::WidenedLogoMargin { from, to });
                    attempts += 1;
                    ok = reads(&code, render, &style, expected)?;
                }
                tried.push("a wider logo margin");
            }
        }
        // 4. Square modules, then square eyes.
        if !ok && style.module_shape != ModuleShape::Square {
            adjustments.push(Adjustment::SquareModules {
                from: style.module_shape,
            });
            style.module_shape = ModuleShape::Square;
            attempts += 1;
            ok = reads(&code, render, &style, expected)?;
            tried.push("square modules");
        }
        if !ok && (style.eye_outer != EyeShape::Square || style.eye_inner != EyeShape::Square) {
            adjustments.push(Adjustment::SquareEyes);
            style.eye_outer = EyeShape::Square;
            style.eye_inner = EyeShape::Square;
            attempts += 1;
            ok = reads(&code, render, &style, expected)?;
            tried.push("square eyes");
        }
        debug_assert!(attempts <= MAX_ATTEMPTS, "{attempts} attempts");
    }
    if !ok && styled {
        let what = if verify.auto_adjust && !tried.is_empty() {
            format!(" even after trying {}", tried.join(", "))
        } else {
            String::new()
        };
        return Err(Error::new(
            ErrorKind::Unscannable,
            format!(
                "the styled code does not read back{what}: use a smaller logo, colours with more \
                 contrast (dark on light) or plainer shapes"
            ),
        ));
    }
    let margin = scan_margin(&code, render, &style, expected)?;
    Ok(Verified {
        code,
        style,
        margin,
        adjustments,
        elapsed: start.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_lists_the_code_of_every_adjustment() {
        let every = [
            Adjustment::RaisedEc {
                from: EcLevel::L,
                to: EcLevel::H,
            },
            Adjustment::LargerVersion { from: 1, to: 2 },
            Adjustment::ShrankLogo { from: 0.3, to: 0.2 },
            Adjustment::WidenedLogoMargin { from: 0, to: 1 },
            Adjustment::SquareModules {
                from: ModuleShape::Dot,
            },
            Adjustment::SquareEyes,
        ];
        assert_eq!(every.map(|a| a.code()), Adjustment::CODES);
    }
}
