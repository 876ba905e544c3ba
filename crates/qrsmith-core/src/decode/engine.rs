//! The reader engine, behind a trait of our own so that another engine can replace zxing-cpp
//! without touching image loading, coordinate mapping or sequence merging.

use image::GrayImage;
use zxingcpp::{BarcodeFormat, Binarizer, ImageFormat, ImageView, TextMode};

use super::{Point, StructuredAppend, Symbol, Symbology};
use crate::error::{Error, ErrorKind, Result};

/// How hard one engine pass should look.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EngineOptions {
    /// Spend more time per image: try harder, every rotation, inverted (light-on-dark) codes.
    pub try_harder: bool,
    /// Let the engine also scan its own downscaled copies (it keeps the full-resolution pass).
    pub try_downscale: bool,
    /// Only look for one upright symbol that, with its quiet zone, is everything dark in the
    /// image (a generated code, a screenshot of one): zxing-cpp's pure detector over a global
    /// threshold. On such images it reads in about a seventh of the full search's time, and it
    /// finds nothing anywhere else.
    pub pure: bool,
    /// How the engine separates dark from light.
    pub threshold: Threshold,
}

/// The engine's binarizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Threshold {
    /// A threshold per 8 × 8 block from its neighbourhood's average (zxing-cpp's default): shadows
    /// and gradients are no obstacle, but flat areas inside large modules can flip.
    Local,
    /// One threshold for the whole image from its histogram: large modules and even lighting.
    Global,
    /// Mid-grey (127) everywhere: for images whose preprocessing already normalised the contrast.
    Fixed,
}

impl EngineOptions {
    /// The fast path's pass: pure detection, nothing more.
    pub const PURE: EngineOptions = EngineOptions {
        try_harder: false,
        try_downscale: false,
        pure: true,
        // A global threshold suits the images the pure detector can read; the local one costs
        // more than the detection itself.
        threshold: Threshold::Global,
    };

    /// zxing-cpp's default read: every rotation, inversion, its own downscaled copies, the local
    /// binarizer. The plain engine of the benchmarks, and the pipeline's main pass.
    pub const FULL: EngineOptions = EngineOptions {
        try_harder: true,
        try_downscale: true,
        pure: false,
        threshold: Threshold::Local,
    };
}

/// A QR reader. Corners of the returned symbols are in the coordinates of `img`; the caller
/// maps them back to the original image.
pub(crate) trait Engine {
    /// Reads every QR, Micro QR and rMQR symbol in `img`. Finding nothing is `Ok(vec![])`.
    fn read(&self, img: &GrayImage, opts: &EngineOptions) -> Result<Vec<Symbol>>;

    /// [`Engine::read`], and where the engine located a QR symbol it could not decode: the
    /// places our own reader tries next. An engine that does not report them finds none.
    fn read_with_unread(
        &self,
        img: &GrayImage,
        opts: &EngineOptions,
    ) -> Result<(Vec<Symbol>, Vec<Unread>)> {
        Ok((self.read(img, opts)?, Vec::new()))
    }
}

/// A QR symbol the engine located but could not decode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Unread {
    /// Its corners as the engine sampled it, clockwise from the symbol's top-left.
    pub corners: [Point; 4],
    /// Light modules on a dark background.
    pub inverted: bool,
}

/// The zxing-cpp 3.x reader (C++, through the official `zxing-cpp` crate).
///
/// Its `Barcode` and `ImageView` types are not `Send`; they live only inside [`Engine::read`], so
/// the engine itself can be used from any thread.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ZxingEngine;

impl Engine for ZxingEngine {
    fn read(&self, img: &GrayImage, opts: &EngineOptions) -> Result<Vec<Symbol>> {
        Ok(zxing_read(img, opts, false)?.0)
    }

    fn read_with_unread(
        &self,
        img: &GrayImage,
        opts: &EngineOptions,
    ) -> Result<(Vec<Symbol>, Vec<Unread>)> {
        zxing_read(img, opts, true)
    }
}

/// One zxing-cpp read; with `unread`, its failed QR detections too (`returnErrors`, which costs
/// nothing extra: the engine keeps what it sampled and could not decode instead of dropping it).
fn zxing_read(
    img: &GrayImage,
    opts: &EngineOptions,
    unread: bool,
) -> Result<(Vec<Symbol>, Vec<Unread>)> {
    {
        let engine_err =
            |e: zxingcpp::Error| Error::new(ErrorKind::Engine, format!("zxing-cpp: {e}"));
        // `QRCode` is the whole symbology in zxing-cpp 3: Model 1/2, Micro QR and rMQR.
        let reader = zxingcpp::read()
            .formats([BarcodeFormat::QRCode])
            .try_harder(opts.try_harder)
            .try_rotate(opts.try_harder)
            .try_invert(opts.try_harder)
            .try_downscale(opts.try_downscale)
            .is_pure(opts.pure)
            .binarizer(match opts.threshold {
                Threshold::Local => Binarizer::LocalAverage,
                Threshold::Global => Binarizer::GlobalHistogram,
                Threshold::Fixed => Binarizer::FixedThreshold,
            })
            // Plain: the symbol's own text, e.g. GS1 with its GS separators rather than the
            // bracketed human-readable form.
            .text_mode(TextMode::Plain)
            .return_errors(unread);
        let view = ImageView::from_slice(img.as_raw(), img.width(), img.height(), ImageFormat::Lum)
            .map_err(engine_err)?;
        let barcodes = reader.from(view).map_err(engine_err)?;
        let pt = |p: zxingcpp::PointI| Point {
            x: p.x as f32,
            y: p.y as f32,
        };
        let failed = barcodes
            .iter()
            .filter(|b| !b.is_valid() && b.format() == BarcodeFormat::QRCode)
            .map(|b| {
                let pos = b.position();
                Unread {
                    corners: [
                        pt(pos.top_left),
                        pt(pos.top_right),
                        pt(pos.bottom_right),
                        pt(pos.bottom_left),
                    ],
                    inverted: b.is_inverted(),
                }
            })
            .collect();
        let symbols = barcodes
            .iter()
            .filter(|b| b.is_valid())
            .filter_map(|b| {
                let symbology = match b.format() {
                    BarcodeFormat::QRCode
                    | BarcodeFormat::QRCodeModel1
                    | BarcodeFormat::QRCodeModel2 => Symbology::QrCode,
                    BarcodeFormat::MicroQRCode => Symbology::MicroQrCode,
                    BarcodeFormat::RMQRCode => Symbology::RmqrCode,
                    _ => return None,
                };
                let pos = b.position();
                let ec_level = Some(b.extra_with_key("ECLevel")).filter(|s| !s.is_empty());
                let structured_append = (b.sequence_size() > 0 && b.sequence_index() >= 0)
                    .then(|| {
                        Some(StructuredAppend {
                            index: u8::try_from(b.sequence_index()).ok()?,
                            count: u8::try_from(b.sequence_size()).ok()?,
                            parity: b.sequence_id().parse().ok()?,
                        })
                    })
                    .flatten();
                Some(Symbol {
                    text: b.text(),
                    bytes: b.bytes(),
                    symbology,
                    version: b.extra_with_key("Version"),
                    ec_level,
                    mask: b.extra_with_key("DataMask").parse().ok(),
                    // "UEC" is printed with two decimals; one corrected codeword already
                    // leaves at most 14/15 of the largest block's capacity, so 1.00 is exact.
                    ec_headroom: b.extra_with_key("UEC").parse().ok(),
                    corners: [
                        pt(pos.top_left),
                        pt(pos.top_right),
                        pt(pos.bottom_right),
                        pt(pos.bottom_left),
                    ],
                    orientation: b.orientation(),
                    inverted: b.is_inverted(),
                    mirrored: b.is_mirrored(),
                    has_eci: b.has_eci(),
                    symbology_identifier: b.symbology_identifier(),
                    structured_append,
                })
            })
            .collect();
        Ok((symbols, failed))
    }
}
