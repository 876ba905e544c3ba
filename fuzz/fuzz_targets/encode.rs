//! Arbitrary payloads and encode/render options through the library: every option combination
//! must give a symbol or a clean error, and a symbol must render in every format. Bytes encoded
//! into a plain QR symbol must read back unchanged through our own reader (the round trip is the
//! oracle: a wrong symbol is as much a finding as a panic).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use qrsmith_core::{
    decode, encode_bytes, encode_sequence_bytes, encode_text, render, Color, DecodeOptions,
    EcLevel, EncodeOptions, Format, Mode, RenderOptions, Size, Version,
};

#[derive(Debug, Arbitrary)]
struct Input {
    payload: Vec<u8>,
    as_text: bool,
    ec: u8,
    version: Option<(bool, u8)>,
    micro: bool,
    mask: Option<u8>,
    mode: Option<u8>,
    eci: Option<u32>,
    boost_ec: bool,
    parts: u8,
    scale: u8,
    pixels: Option<u16>,
    border: u8,
    foreground: [u8; 4],
    background: [u8; 4],
    dpi: Option<u16>,
    /// A physical width in micrometres (refused with a dpi, or below 1 mm).
    print_width_um: Option<u32>,
}

fn options(input: &Input) -> EncodeOptions {
    EncodeOptions {
        ec_level: [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H][usize::from(input.ec % 4)],
        version: input.version.map(|(micro, n)| {
            if micro {
                Version::Micro(n % 6)
            } else {
                Version::Normal(n % 42)
            }
        }),
        micro: input.micro,
        rmqr: false,
        mask: input.mask.map(|m| m % 10),
        mode: input.mode.map(|m| {
            [Mode::Numeric, Mode::Alphanumeric, Mode::Byte, Mode::Kanji][usize::from(m % 4)]
        }),
        eci: input.eci.map(|e| e % 1_100_000),
        boost_ec: input.boost_ec,
    }
}

fn color([r, g, b, a]: [u8; 4]) -> Color {
    Color { r, g, b, a }
}

fuzz_target!(|input: Input| {
    if input.payload.len() > 4096 {
        return;
    }
    let opts = options(&input);
    let render_opts = RenderOptions {
        size: match input.pixels {
            Some(px) => Size::Pixels(u32::from(px)),
            None => Size::Scale(u32::from(input.scale % 12)),
        },
        border: u32::from(input.border % 24),
        foreground: color(input.foreground),
        background: color(input.background),
        dpi: input.dpi.map(u32::from),
        print_width_um: input.print_width_um,
        max_pixels: 4_000_000,
    };
    let text = std::str::from_utf8(&input.payload).ok().filter(|_| input.as_text);
    if input.parts > 1 {
        let parts = Some(input.parts % 18);
        if let Ok(symbols) = encode_sequence_bytes(&input.payload, &opts, parts) {
            assert!(!symbols.is_empty() && symbols.len() <= 16);
        }
        return;
    }
    let code = match text {
        Some(text) => encode_text(text, &opts),
        None => encode_bytes(&input.payload, &opts),
    };
    let Ok(code) = code else { return };
    assert_eq!(code.width() % 2, 1, "symbols are an odd number of modules wide");
    for format in Format::ALL {
        let _ = render(&code, format, &render_opts);
    }
    // The round trip: plain QR, bytes mode input, black on white, scale 4.
    let plain = text.is_none()
        && opts.eci.is_none()
        && !code.version().is_micro()
        && !input.payload.is_empty();
    if plain {
        let png = render(&code, Format::Png, &RenderOptions {
            size: Size::Scale(4),
            ..RenderOptions::default()
        })
        .expect("a valid symbol renders at the defaults");
        let found = decode(&png, &DecodeOptions::default()).expect("our own PNG decodes");
        assert_eq!(found.symbols.len(), 1, "{input:?}");
        assert_eq!(found.symbols[0].bytes, input.payload, "{input:?}");
    }
});
