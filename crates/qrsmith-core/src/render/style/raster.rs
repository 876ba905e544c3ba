//! The raster back end: the shapes drawn anti-aliased (a signed distance per pixel) into an
//! RGBA image with the logo on top, and that image written as a PNG.

use image::RgbaImage;

use super::geometry::{logo_area, shapes};
use super::{layer_colors, styled_layout, Style, MAX_STYLED_PIXELS};
use crate::encode::QrCode;
use crate::error::{Error, ErrorKind, Result};
use crate::render::{Layout, RenderOptions};

/// Renders `code` with `style` as an anti-aliased RGBA raster (the PNG's pixels; also what
/// verification reads).
pub fn to_rgba_styled(code: &QrCode, opts: &RenderOptions, style: &Style) -> Result<RgbaImage> {
    let layout = styled_layout(code, opts, style)?;
    if layout.pixels > MAX_STYLED_PIXELS {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "a styled image of {} x {} px exceeds the limit of {MAX_STYLED_PIXELS} px per \
                 side",
                layout.pixels, layout.pixels_high
            ),
        ));
    }
    let shapes = shapes(code, style, layout.border)?;
    let (wide, high) = (layout.pixels as usize, layout.pixels_high as usize);
    let scale = layout.scale as f32;
    // Coverage per layer, 0–255; the maximum over shapes, so shared edges leave no seam.
    let mut coverage = vec![vec![0u8; wide * high]; 3];
    for shape in &shapes {
        let buf = &mut coverage[shape.layer as usize];
        let o = shape.outer;
        let x0 = ((o.x * scale).floor().max(0.0)) as usize;
        let y0 = ((o.y * scale).floor().max(0.0)) as usize;
        let x1 = (((o.x + o.w) * scale).ceil() as usize).min(wide);
        let y1 = (((o.y + o.h) * scale).ceil() as usize).min(high);
        for py in y0..y1 {
            let my = (py as f32 + 0.5) / scale;
            for px in x0..x1 {
                let mx = (px as f32 + 0.5) / scale;
                let mut cov = (0.5 - o.distance(mx, my) * scale).clamp(0.0, 1.0);
                if let Some(hole) = shape.hole {
                    cov = cov.min((0.5 + hole.distance(mx, my) * scale).clamp(0.0, 1.0));
                }
                let v = (cov * 255.0).round() as u8;
                let cell = &mut buf[py * wide + px];
                *cell = (*cell).max(v);
            }
        }
    }
    let colors = layer_colors(opts, style);
    let bg = opts.background;
    let mut img = RgbaImage::from_pixel(
        layout.pixels,
        layout.pixels_high,
        image::Rgba([bg.r, bg.g, bg.b, bg.a]),
    );
    for (i, px) in img.pixels_mut().enumerate() {
        for (layer, color) in colors.iter().enumerate() {
            let cov = coverage[layer][i];
            if cov != 0 {
                over(
                    px,
                    [color.r, color.g, color.b],
                    f32::from(color.a) / 255.0 * f32::from(cov) / 255.0,
                );
            }
        }
    }
    if let Some(logo) = &style.logo {
        // `shapes` succeeded, so the logo has an area.
        if let Some(area) = logo_area(code, logo) {
            let side_px = area.side as u32 * layout.scale;
            let offset =
                (layout.border + (area.start + logo.margin() as usize) as u32) * layout.scale;
            let raster = logo.raster(side_px)?;
            // Centred in its square box, aspect ratio kept.
            let dx = offset + (side_px - raster.width()) / 2;
            let dy = offset + (side_px - raster.height()) / 2;
            for (x, y, p) in raster.enumerate_pixels() {
                let a = f32::from(p[3]) / 255.0;
                if a > 0.0 {
                    over(img.get_pixel_mut(dx + x, dy + y), [p[0], p[1], p[2]], a);
                }
            }
        }
    }
    Ok(img)
}

/// Composites `rgb` with coverage `alpha` over `dst` (straight alpha).
pub(crate) fn over(dst: &mut image::Rgba<u8>, rgb: [u8; 3], alpha: f32) {
    let da = f32::from(dst[3]) / 255.0;
    let out_a = alpha + da * (1.0 - alpha);
    if out_a <= 0.0 {
        return;
    }
    for c in 0..3 {
        let v = (f32::from(rgb[c]) * alpha + f32::from(dst[c]) * da * (1.0 - alpha)) / out_a;
        dst[c] = v.round().clamp(0.0, 255.0) as u8;
    }
    dst[3] = (out_a * 255.0).round() as u8;
}

/// Renders `code` with `style` as an RGBA PNG (RGB when every pixel is opaque).
pub fn to_png_styled(code: &QrCode, opts: &RenderOptions, style: &Style) -> Result<Vec<u8>> {
    let img = to_rgba_styled(code, opts, style)?;
    let layout = styled_layout(code, opts, style)?;
    write_rgba_png(&img, &layout)
}

/// `img` as a PNG, RGB when every pixel is opaque, with the print resolution `layout` sets.
pub(crate) fn write_rgba_png(img: &RgbaImage, layout: &Layout) -> Result<Vec<u8>> {
    let opaque = img.pixels().all(|p| p[3] == 255);
    let mut out = Vec::new();
    let write = |out: &mut Vec<u8>| -> std::result::Result<(), png::EncodingError> {
        let mut encoder = png::Encoder::new(&mut *out, img.width(), img.height());
        encoder.set_color(if opaque {
            png::ColorType::Rgb
        } else {
            png::ColorType::Rgba
        });
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        if let Some(per_metre) = layout.pixels_per_metre() {
            encoder.set_pixel_dims(Some(png::PixelDimensions {
                xppu: per_metre,
                yppu: per_metre,
                unit: png::Unit::Meter,
            }));
        }
        let mut writer = encoder.write_header()?;
        if opaque {
            let rgb: Vec<u8> = img.pixels().flat_map(|p| [p[0], p[1], p[2]]).collect();
            writer.write_image_data(&rgb)?;
        } else {
            writer.write_image_data(img.as_raw())?;
        }
        writer.finish()
    };
    write(&mut out).map_err(|e| Error::new(ErrorKind::Engine, format!("PNG encoding: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::style::{tests::code, ModuleShape};
    use crate::render::{Color, Size};

    #[test]
    fn raster_colours_and_transparency() {
        let code = code();
        let opts = RenderOptions {
            size: Size::Scale(4),
            background: Color::TRANSPARENT,
            ..RenderOptions::default()
        };
        let style = Style {
            module_shape: ModuleShape::Gapped,
            eye_inner_color: Some(Color::rgb(255, 0, 0)),
            ..Style::default()
        };
        let img = to_rgba_styled(&code, &opts, &style).unwrap();
        assert_eq!(img.width(), (code.width() as u32 + 8) * 4);
        // The quiet zone is transparent; the centre of the top-left eye is red, its ring black.
        assert_eq!(img.get_pixel(0, 0)[3], 0);
        let at = |m: f32| (m * 4.0) as u32;
        assert_eq!(img.get_pixel(at(7.5), at(7.5)).0, [255, 0, 0, 255]);
        assert_eq!(img.get_pixel(at(4.5), at(7.5)).0, [0, 0, 0, 255]);
        let png = to_png_styled(&code, &opts, &style).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }
}
