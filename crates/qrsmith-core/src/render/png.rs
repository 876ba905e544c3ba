//! PNG output, the service's hot path.
//!
//! Always 1 bit per pixel: greyscale for black on white, otherwise a two-entry palette (plus
//! `tRNS` when a colour has alpha), which also covers a transparent background while staying
//! tiny.
//!
//! The file is written here rather than with the `png` crate, because a QR image is made of
//! identical pixel rows and the crate cannot exploit that: it needs the whole raw image (450 rows
//! of 58 bytes for a v5 symbol at scale 10), then filters, compresses and checksums every byte.
//! Here each module row is expanded to one pixel row and deflated once (literals, with runs of
//! equal bytes as distance-1 matches); its `scale - 1` copies, and any identical module rows
//! that follow, cost one length/distance match per 258 bytes, and their Adler-32 is computed in
//! closed form. Nothing proportional to the pixel count is ever allocated.
//!
//! Measured on the dev machine (2-core AMD EPYC shared with other builds, load ~3; release;
//! a pseudo-random 37×37 matrix = v5, scale 10, border 4, 450×450 px, greyscale; best of 20
//! batches of 500; `tests::timing`, ignored, reproduces it), per PNG:
//! ```text
//!   this encoder (fixed Huffman, row matches)        14 µs, 2,110 bytes
//!   `png` 0.18, fdeflate ultra-fast + `Up` filter     45 µs, 2,669 bytes
//!   `png` 0.18, fdeflate ultra-fast + no filter      ~95 µs, 13,410 bytes
//!   `png` 0.18, stored (no compression)               28 µs, 26,168 bytes
//!   `png` 0.18, flate2 level 6 + `Up` filter         1.1 ms,  1,037 bytes
//! ```
//! (the crate's figures exclude building its 26 kB raw image). With the crate, `Up` beats no
//! filter on both counts because it turns repeated rows into zeros for fdeflate's run-length
//! coder, but it still has to filter, compress and checksum every byte.

use super::deflate::{distance_code, Adler32, AdlerBlock, BitWriter, END_OF_BLOCK, MAX_DISTANCE};
use super::{Color, Layout, RenderOptions};
use crate::encode::QrCode;
use crate::error::{Error, ErrorKind, Result};

const SIGNATURE: [u8; 8] = *b"\x89PNG\r\n\x1a\n";

/// Renders `code` as a PNG file.
///
/// Black on white (the default) gives 1-bit greyscale; any other pair of colours a 1-bit
/// palette, with `tRNS` if either is not opaque. With [`RenderOptions::dpi`] or
/// [`RenderOptions::print_width_um`] set, a `pHYs` chunk records the resolution.
pub fn to_png(code: &QrCode, opts: &RenderOptions) -> Result<Vec<u8>> {
    encode(code, opts, MAX_DISTANCE)
}

/// [`to_png`] with deflate's window as a parameter, so tests can reach the path for rows
/// longer than the window without gigapixel images.
fn encode(code: &QrCode, opts: &RenderOptions, window: usize) -> Result<Vec<u8>> {
    let layout = opts.layout(code)?;
    let greyscale = opts.foreground == Color::BLACK && opts.background == Color::WHITE;

    // Big enough for a v5 symbol at scale 10 in one allocation.
    let mut out = Vec::with_capacity(3072);
    out.extend_from_slice(&SIGNATURE);
    let mut ihdr = [0u8; 13];
    ihdr[..4].copy_from_slice(&layout.pixels.to_be_bytes());
    ihdr[4..8].copy_from_slice(&layout.pixels_high.to_be_bytes());
    // Bit depth 1; colour type 0 (greyscale) or 3 (indexed); deflate; adaptive filtering
    // method; no interlace.
    ihdr[8] = 1;
    ihdr[9] = if greyscale { 0 } else { 3 };
    chunk(&mut out, b"IHDR", &ihdr);
    if !greyscale {
        let (bg, fg) = (opts.background, opts.foreground);
        // Index 0 is the background, 1 the foreground: a set bit is a dark module.
        chunk(&mut out, b"PLTE", &[bg.r, bg.g, bg.b, fg.r, fg.g, fg.b]);
        if !bg.is_opaque() || !fg.is_opaque() {
            chunk(&mut out, b"tRNS", &[bg.a, fg.a]);
        }
    }
    if let Some(per_metre) = layout.pixels_per_metre() {
        let per_metre = per_metre.to_be_bytes();
        let mut phys = [0u8; 9];
        phys[..4].copy_from_slice(&per_metre);
        phys[4..8].copy_from_slice(&per_metre);
        phys[8] = 1; // unit: metre
        chunk(&mut out, b"pHYs", &phys);
    }
    let start = out.len();
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(b"IDAT");
    write_zlib(&mut out, code, &layout, greyscale, window);
    let len = u32::try_from(out.len() - start - 8)
        .ok()
        .filter(|&len| len <= i32::MAX as u32)
        .ok_or_else(|| {
            // Only reachable with max_pixels raised far beyond any sensible value.
            Error::new(
                ErrorKind::LimitExceeded,
                "compressed PNG data exceeds 2 GiB",
            )
        })?;
    out[start..start + 4].copy_from_slice(&len.to_be_bytes());
    let crc = crc32fast::hash(&out[start + 4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

/// Appends one chunk: length, type, data, CRC of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let from = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[from..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// Appends the zlib stream of the image: every pixel row is filter byte 0 (none) followed by
/// the packed bits, most significant first. In greyscale a set bit is white, in the palette a
/// set bit is index 1, the foreground. Bits after the last pixel stay zero.
fn write_zlib(out: &mut Vec<u8>, code: &QrCode, layout: &Layout, greyscale: bool, window: usize) {
    let scale = layout.scale as usize;
    let row_len = 1 + (layout.pixels as usize).div_ceil(8);
    // A repeated row is a match at distance row_len, which deflate allows up to 32,768; wider
    // images (only with a raised max_pixels) spell every row out, still run-length coded.
    let dist = (row_len <= window).then(|| distance_code(row_len));

    // Deflate with a 32 KiB window, no preset dictionary; FCHECK makes 0x7801 a multiple of 31.
    out.extend_from_slice(&[0x78, 0x01]);
    let mut bits = BitWriter::new(out);
    bits.put(0b011, 3); // final block, fixed Huffman codes
    let mut adler = Adler32::new();
    let mut row = vec![0u8; row_len];
    let mut prev = vec![0u8; row_len];
    let mut prev_block = AdlerBlock::default();
    // Copies of `prev` still to write.
    let mut pending = 0usize;
    let mut last_quiet = false;
    for module_row in 0..layout.rows as usize {
        let symbol_row = (module_row as u32)
            .checked_sub(layout.border)
            .filter(|&y| (y as usize) < code.height())
            .map(|y| code.row(y as usize));
        // Consecutive quiet-zone rows are equal without building them.
        let quiet_again = symbol_row.is_none() && last_quiet;
        last_quiet = symbol_row.is_none();
        if quiet_again && dist.is_some() {
            pending += scale;
            continue;
        }
        pixel_row(&mut row, symbol_row, layout, greyscale);
        if module_row > 0 && row == prev && dist.is_some() {
            pending += scale;
            continue;
        }
        adler.append(&prev_block, pending);
        bits.repeat_rows(&prev, pending, dist);
        prev_block = AdlerBlock::of(&row);
        adler.append(&prev_block, 1);
        bits.literal_row(&row);
        pending = scale - 1;
        std::mem::swap(&mut row, &mut prev);
    }
    adler.append(&prev_block, pending);
    bits.repeat_rows(&prev, pending, dist);
    bits.put_code(END_OF_BLOCK);
    bits.finish();
    out.extend_from_slice(&adler.value().to_be_bytes());
}

/// Fills `row` (filter byte, then packed pixels) for one module row; `None` is a quiet-zone row.
fn pixel_row(row: &mut [u8], symbol_row: Option<&[u8]>, layout: &Layout, greyscale: bool) {
    let (scale, border) = (layout.scale, layout.border);
    // In greyscale the set bits are the light ones.
    let flip = u8::from(greyscale);
    if scale > 32 {
        // Wide modules: a few byte fills per run are cheaper than bit shifting.
        row.fill(0);
        let quiet = (border * scale) as usize;
        let scale = scale as usize;
        let runs = |row: &mut [u8], start: usize, end: usize| set_bits(row, 8 + start, 8 + end);
        match symbol_row {
            Some(modules) if greyscale => {
                let mut x = 0;
                for (dark, len) in super::dark_runs(modules) {
                    runs(row, quiet + x * scale, quiet + dark * scale);
                    x = dark + len;
                }
                runs(row, quiet + x * scale, layout.pixels as usize - quiet);
                runs(row, 0, quiet);
                runs(row, layout.pixels as usize - quiet, layout.pixels as usize);
            }
            Some(modules) => {
                for (x, len) in super::dark_runs(modules) {
                    runs(row, quiet + x * scale, quiet + (x + len) * scale);
                }
            }
            None if greyscale => runs(row, 0, layout.pixels as usize),
            None => {}
        }
        return;
    }
    // Narrow modules: append `scale` equal bits per module to a 64-bit accumulator and store
    // 32 bits at a time. No branch depends on the module values, which matters because QR data
    // is as unpredictable as a branch predictor's worst case.
    let ones = (1u64 << scale) - 1;
    let mut acc = 0u64;
    let mut count = 0u32;
    let mut pos = 1;
    let mut push = |row: &mut [u8], set: u8| {
        acc = acc << scale | (ones & u64::from(set).wrapping_neg());
        count += scale;
        if count >= 32 {
            let word = (acc >> (count - 32)) as u32;
            row[pos..pos + 4].copy_from_slice(&word.to_be_bytes());
            pos += 4;
            count -= 32;
        }
    };
    for _ in 0..border {
        push(row, flip);
    }
    match symbol_row {
        Some(modules) => modules.iter().for_each(|&dark| push(row, dark ^ flip)),
        None => (0..layout.modules - 2 * border).for_each(|_| push(row, flip)),
    }
    for _ in 0..border {
        push(row, flip);
    }
    // The last partial word, left-aligned so the unused bits are zero.
    let word = ((acc << (32 - count)) as u32).to_be_bytes();
    let rest = row.len() - pos;
    row[pos..].copy_from_slice(&word[..rest]);
}

/// Sets bits `start..end` of an MSB-first bit row, a byte at a time where possible.
fn set_bits(row: &mut [u8], start: usize, end: usize) {
    if start >= end {
        return;
    }
    let (first, last) = (start / 8, (end - 1) / 8);
    let head = 0xffu8 >> (start % 8);
    let tail = 0xffu8 << (7 - (end - 1) % 8);
    if first == last {
        row[first] |= head & tail;
    } else {
        row[first] |= head;
        row[first + 1..last].fill(0xff);
        row[last] |= tail;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::{pseudo_random, tiny};
    use crate::render::Size;

    fn decode(bytes: &[u8]) -> image::RgbaImage {
        image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
            .unwrap()
            .to_rgba8()
    }

    /// Decodes with the `png` crate, verifying every CRC and the Adler-32 (off by default),
    /// and returns the header and the raw packed rows.
    fn strict_decode(bytes: &[u8]) -> (::png::Info<'static>, Vec<u8>) {
        let mut options = ::png::DecodeOptions::default();
        options.set_ignore_adler32(false);
        options.set_ignore_crc(false);
        options.set_skip_ancillary_crc_failures(false);
        let mut decoder = ::png::Decoder::new_with_options(std::io::Cursor::new(bytes), options);
        // Raw 1-bit rows, no expansion to 8 bits.
        decoder.set_transformations(::png::Transformations::IDENTITY);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        reader.finish().unwrap();
        (reader.info().clone(), buf)
    }

    /// The packed rows `code` should give, built pixel by pixel (independently of
    /// `set_bits`): a set bit is a dark module, or in greyscale a light one.
    fn expected_rows(code: &QrCode, border: u32, scale: u32, greyscale: bool) -> Vec<u8> {
        let side = (code.width() as u32 + 2 * border) * scale;
        let stride = (side as usize).div_ceil(8);
        let mut rows = vec![0u8; stride * side as usize];
        for py in 0..side {
            for px in 0..side {
                let (mx, my) = (px / scale, py / scale);
                let inside = (border..border + code.width() as u32).contains(&mx)
                    && (border..border + code.width() as u32).contains(&my);
                let dark = inside && code.is_dark((mx - border) as usize, (my - border) as usize);
                if dark != greyscale {
                    rows[py as usize * stride + px as usize / 8] |= 0x80 >> (px % 8);
                }
            }
        }
        rows
    }

    /// Checks every pixel of `img` against `code` drawn with `opts`, colours included.
    fn assert_pixels(img: &image::RgbaImage, code: &QrCode, opts: &RenderOptions, scale: u32) {
        let border = opts.border;
        let side = (code.width() as u32 + 2 * border) * scale;
        assert_eq!(img.dimensions(), (side, side));
        for (px, py, pixel) in img.enumerate_pixels() {
            let (mx, my) = (px / scale, py / scale);
            let inside = (border..border + code.width() as u32).contains(&mx)
                && (border..border + code.width() as u32).contains(&my);
            let dark = inside && code.is_dark((mx - border) as usize, (my - border) as usize);
            let c = if dark {
                opts.foreground
            } else {
                opts.background
            };
            assert_eq!(pixel.0, [c.r, c.g, c.b, c.a], "pixel {px},{py}");
        }
    }

    /// Renders, decodes strictly, compares the raw rows, and returns the header.
    fn check_rows(code: &QrCode, opts: &RenderOptions, scale: u32) -> ::png::Info<'static> {
        let bytes = to_png(code, opts).unwrap();
        let (info, rows) = strict_decode(&bytes);
        let greyscale = info.color_type == ::png::ColorType::Grayscale;
        let want = expected_rows(code, opts.border, scale, greyscale);
        assert_eq!(rows.len(), want.len());
        // Not assert_eq on the buffers: a 500 kB diff helps nobody.
        let first_bad = rows.iter().zip(&want).position(|(a, b)| a != b);
        assert_eq!(first_bad, None, "first differing byte (scale {scale})");
        info
    }

    /// [`check_rows`] plus a pixel-by-pixel colour check through the `image` crate.
    fn check(code: &QrCode, opts: &RenderOptions, scale: u32) -> ::png::Info<'static> {
        let info = check_rows(code, opts, scale);
        assert_pixels(&decode(&to_png(code, opts).unwrap()), code, opts, scale);
        info
    }

    #[test]
    fn black_on_white_is_1_bit_greyscale() {
        let opts = RenderOptions {
            size: Size::Scale(3),
            border: 2,
            ..RenderOptions::default()
        };
        let info = check(&tiny(), &opts, 3);
        assert_eq!(info.color_type, ::png::ColorType::Grayscale);
        assert_eq!(info.bit_depth, ::png::BitDepth::One);
        assert!(info.pixel_dims.is_none());
        assert!(info.palette.is_none());
    }

    #[test]
    fn many_scales_and_borders() {
        // Scale 1 with no border gives 5-px rows of 2 bytes (the shortest matches); scale 7
        // ends rows mid-byte with runs straddling bytes; scale 420 on 5 modules makes 263-byte
        // rows, longer than one match. 32 and 33 straddle the switch from bit accumulation to
        // byte fills.
        let cases = [
            (tiny(), 1, 0),
            (tiny(), 1, 1),
            (tiny(), 2, 0),
            (pseudo_random(21), 7, 1),
            (pseudo_random(21), 8, 4),
            (pseudo_random(25), 3, 4),
            (tiny(), 32, 1),
            (tiny(), 33, 2),
            (tiny(), 420, 0),
        ];
        for (code, scale, border) in cases {
            let opts = RenderOptions {
                size: Size::Scale(scale),
                border,
                ..RenderOptions::default()
            };
            check_rows(&code, &opts, scale);
            let palette = RenderOptions {
                foreground: Color::rgb(0x12, 0x34, 0x56),
                ..opts
            };
            check_rows(&code, &palette, scale);
        }
    }

    #[test]
    fn rows_beyond_the_deflate_window_are_spelled_out() {
        // Real rows only exceed the 32,768-byte window past 262,144 px; shrink the window
        // instead. 290 px rows are 38 bytes.
        let code = pseudo_random(21);
        let opts = RenderOptions::default();
        for window in [37, 38] {
            let bytes = encode(&code, &opts, window).unwrap();
            let (_, rows) = strict_decode(&bytes);
            assert_eq!(rows, expected_rows(&code, 4, 10, true), "window {window}");
        }
        let spelled = encode(&code, &opts, 37).unwrap().len();
        let matched = to_png(&code, &opts).unwrap().len();
        assert!(spelled > 2 * matched, "{spelled} vs {matched}");
    }

    #[test]
    fn all_dark_and_all_light_symbols() {
        for fill in [0, 1] {
            let code = QrCode::from_modules(21, vec![fill; 21 * 21]);
            for scale in [1, 4, 13] {
                let opts = RenderOptions {
                    size: Size::Scale(scale),
                    ..RenderOptions::default()
                };
                check(&code, &opts, scale);
            }
        }
    }

    #[test]
    fn other_colours_use_a_1_bit_palette() {
        let opts = RenderOptions {
            foreground: Color::rgb(0x20, 0x40, 0x80),
            background: Color::rgb(0xff, 0xee, 0xdd),
            ..RenderOptions::default()
        };
        let info = check(&pseudo_random(21), &opts, 10);
        assert_eq!(info.color_type, ::png::ColorType::Indexed);
        assert_eq!(info.bit_depth, ::png::BitDepth::One);
        assert_eq!(
            info.palette.as_deref(),
            Some(&[0xff, 0xee, 0xdd, 0x20, 0x40, 0x80][..])
        );
        assert!(info.trns.is_none());
    }

    #[test]
    fn transparent_background_keeps_alpha() {
        let opts = RenderOptions {
            size: Size::Scale(2),
            background: Color::TRANSPARENT,
            foreground: Color::rgba(0, 0, 0x80, 0xc0),
            ..RenderOptions::default()
        };
        let info = check(&tiny(), &opts, 2);
        assert_eq!(info.color_type, ::png::ColorType::Indexed);
        assert_eq!(info.trns.as_deref(), Some(&[0, 0xc0][..]));
        let img = decode(&to_png(&tiny(), &opts).unwrap());
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 0, 0]);
    }

    #[test]
    fn dpi_writes_phys() {
        let opts = RenderOptions {
            dpi: Some(300),
            ..RenderOptions::default()
        };
        let info = check(&tiny(), &opts, 10);
        let dims = info.pixel_dims.expect("pHYs chunk");
        // 300 / 0.0254 = 11,811.02 pixels per metre.
        assert_eq!(
            (dims.xppu, dims.yppu, dims.unit),
            (11_811, 11_811, ::png::Unit::Meter)
        );
    }

    #[test]
    fn target_size_picks_the_largest_scale_that_fits() {
        let opts = RenderOptions {
            size: Size::Pixels(100),
            ..RenderOptions::default()
        };
        // 29 modules: scale 3 gives 87 px, scale 4 would be 116.
        check(&pseudo_random(21), &opts, 3);
    }

    #[test]
    fn set_bits_ranges() {
        let bits = |start, end| {
            let mut row = [0u8; 3];
            set_bits(&mut row, start, end);
            row
        };
        assert_eq!(bits(0, 0), [0, 0, 0]);
        assert_eq!(bits(0, 1), [0x80, 0, 0]);
        assert_eq!(bits(3, 5), [0x18, 0, 0]);
        assert_eq!(bits(6, 10), [0x03, 0xc0, 0]);
        assert_eq!(bits(0, 24), [0xff, 0xff, 0xff]);
        assert_eq!(bits(7, 17), [0x01, 0xff, 0x80]);
    }

    /// The raw 1-bit greyscale rows of `code` at the default options, as the `png` crate wants
    /// them, read back from our own output.
    fn raw_rows(code: &QrCode) -> (u32, Vec<u8>) {
        let img = decode(&to_png(code, &RenderOptions::default()).unwrap());
        let side = img.width();
        let stride = (side as usize).div_ceil(8);
        let mut data = vec![0u8; stride * side as usize];
        for (x, y, pixel) in img.enumerate_pixels() {
            if pixel.0[0] != 0 {
                data[y as usize * stride + x as usize / 8] |= 0x80 >> (x % 8);
            }
        }
        (side, data)
    }

    /// The `png` crate's encoder with the given settings, for the timing comparison.
    fn png_crate(
        side: u32,
        data: &[u8],
        compression: ::png::DeflateCompression,
        filter: ::png::Filter,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = ::png::Encoder::new(&mut out, side, side);
        encoder.set_depth(::png::BitDepth::One);
        encoder.set_color(::png::ColorType::Grayscale);
        encoder.set_deflate_compression(compression);
        encoder.set_filter(filter);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(data).unwrap();
        writer.finish().unwrap();
        out
    }

    /// Prints time and size per PNG. Run with
    /// `cargo test --release -p qrsmith-core --lib render::png::tests::timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn timing() {
        use ::png::{DeflateCompression, Filter};
        let code = pseudo_random(37); // version 5 is 37 modules wide
        let opts = RenderOptions::default();
        let best = |f: &mut dyn FnMut() -> usize| {
            let mut size = 0;
            let per = (0..20)
                .map(|_| {
                    let start = std::time::Instant::now();
                    for _ in 0..500 {
                        size = f();
                    }
                    start.elapsed() / 500
                })
                .min()
                .unwrap();
            (per, size)
        };
        let (per, size) = best(&mut || to_png(&code, &opts).unwrap().len());
        println!("qrsmith: {per:?} per PNG, {size} bytes");
        let settings = [
            (
                "ultrafast+up",
                DeflateCompression::FdeflateUltraFast,
                Filter::Up,
            ),
            (
                "ultrafast+none",
                DeflateCompression::FdeflateUltraFast,
                Filter::NoFilter,
            ),
            (
                "stored",
                DeflateCompression::NoCompression,
                Filter::NoFilter,
            ),
            ("level6+up", DeflateCompression::Level(6), Filter::Up),
        ];
        let (side, data) = raw_rows(&code);
        for (name, compression, filter) in settings {
            let (per, size) = best(&mut || png_crate(side, &data, compression, filter).len());
            // Excludes building the raw rows, which the crate needs on top.
            println!("png crate {name}: {per:?} per PNG, {size} bytes");
        }
    }
}
