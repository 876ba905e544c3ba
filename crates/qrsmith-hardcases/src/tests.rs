use image::DynamicImage;
use qrsmith_core::{decode_image, DecodeOptions};

use super::*;

#[test]
fn same_seed_same_pixels_and_texts() {
    for category in Category::ALL {
        let a = case(category, 42, 3).expect("generates");
        let b = case(category, 42, 3).expect("generates");
        assert_eq!(a.image.as_raw(), b.image.as_raw(), "{category}");
        assert_eq!(a.expected, b.expected, "{category}");
        assert_eq!(a.severity, b.severity, "{category}");
        assert_eq!(a.name, format!("{category}-42-003"));
        // Another seed, another case.
        let c = case(category, 43, 3).expect("generates");
        assert_ne!(a.expected, c.expected, "{category}");
    }
}

#[test]
fn every_category_makes_sane_images_with_texts() {
    for category in Category::ALL {
        for (i, c) in generate(category, 7, 3).enumerate() {
            let c = c.expect("generates");
            let (w, h) = c.image.dimensions();
            assert!(w >= 64 && h >= 64, "{} is {w}×{h}", c.name);
            assert!(
                w as usize <= MAX_SIDE && h as usize <= MAX_SIDE,
                "{}",
                c.name
            );
            assert!((0.0..=1.0).contains(&c.severity));
            assert!(!c.expected.is_empty());
            assert!(c
                .expected
                .iter()
                .all(|t| !t.is_empty() && !t.contains('\n')));
            // Not a flat picture: the background is textured.
            let lum: Vec<u8> = c.image.pixels().map(|p| p.0[1]).collect();
            let (lo, hi) = (lum.iter().min().unwrap(), lum.iter().max().unwrap());
            assert!(hi - lo > 100, "{}: contrast {lo}–{hi}", c.name);
            let distinct: std::collections::HashSet<u8> = lum.iter().copied().collect();
            assert!(distinct.len() > 50, "{}", c.name);
            if category == Category::Multi {
                assert!((2..=5).contains(&c.expected.len()), "{}", c.name);
                let unique: std::collections::HashSet<&String> = c.expected.iter().collect();
                assert_eq!(unique.len(), c.expected.len());
            } else {
                assert_eq!(c.expected.len(), 1, "{} ({i})", c.name);
            }
        }
    }
}

#[test]
fn names_parse_back() {
    for category in Category::ALL {
        assert_eq!(category.name().parse::<Category>(), Ok(category));
    }
    let err = "sepia".parse::<Category>().unwrap_err();
    assert!(err.to_string().contains("glare, shadow"), "{err}");
}

/// The mildest case of every category reads with the library's decoder: the generator renders
/// real, readable codes (what the harder ones make difficult is the degradation).
#[test]
fn mild_cases_read() {
    let opts = DecodeOptions::default();
    let mut failures = Vec::new();
    for category in Category::ALL {
        for index in 0..2 {
            let c = case_with_severity(category, 1, index, 0.0).expect("generates");
            let d =
                decode_image(&DynamicImage::ImageRgb8(c.image.clone()), &opts).expect("decodes");
            let texts: Vec<&str> = d.symbols.iter().map(|s| s.text.as_str()).collect();
            for want in &c.expected {
                if !texts.contains(&want.as_str()) {
                    failures.push(format!("{}: {want:?} not in {texts:?}", c.name));
                }
            }
            for got in &texts {
                assert!(
                    c.expected.iter().any(|e| e == got),
                    "{}: misread {got:?}",
                    c.name
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
