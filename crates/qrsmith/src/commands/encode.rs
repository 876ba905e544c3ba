//! `qrsmith encode`: payload → symbol(s) → file, stdout or terminal.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use qrsmith_core::{
    default_border, ec_level_for_style, encode_bytes, encode_sequence_bytes, encode_sequence_text,
    encode_text, generate_verified, payload::render_swiss_bill, render, render_styled, Color,
    EcLevel, EncodeOptions, Format, Logo, QrCode, RenderOptions, Size, Style, VerifyOptions,
};

use super::Outcome;
use crate::args::{EncodeArgs, FormatArg};
use crate::payload_args::PayloadCommand;

pub fn run(args: EncodeArgs) -> Result<Outcome> {
    let payload = match &args.payload {
        Some(_) if args.text.is_some() => {
            bail!("give either TEXT or a payload type, not both (to encode a type's name as text: qrsmith encode -- NAME)")
        }
        Some(command) => command.payload().build()?.into_bytes(),
        None => read_payload(args.text.as_deref())?,
    };
    let opts = encode_options(&args)?;
    let render_opts = render_options(&args)?;
    let format = output_format(&args)?;
    let style = style(&args)?;
    if matches!(args.payload, Some(PayloadCommand::SwissQrBill(_))) {
        return run_swiss_bill(&args, &payload, &opts, &render_opts, format, &style);
    }
    let verify = (args.style.verify || !style.is_plain()) && !args.style.no_verify;
    if verify || !style.is_plain() {
        if args.parts.is_some() {
            bail!("styles, logos and --verify cannot be combined with --parts");
        }
        if !style.is_plain() && !matches!(format, Format::Png | Format::Svg) {
            bail!("styles and logos need PNG or SVG output (-o FILE.png or --format png|svg)");
        }
        return run_styled(&args, &payload, opts, &render_opts, format, style, verify);
    }

    let codes: Vec<QrCode> = match (args.parts, std::str::from_utf8(&payload)) {
        (None, Ok(text)) => vec![encode_text(text, &opts)?],
        (None, Err(_)) => vec![encode_bytes(&payload, &opts)?],
        (Some(n), Ok(text)) => encode_sequence_text(text, &opts, Some(n))?,
        (Some(n), Err(_)) => encode_sequence_bytes(&payload, &opts, Some(n))?,
    };

    for (i, code) in codes.iter().enumerate() {
        // rMQR's quiet zone is 2 modules, not 4, unless --border says otherwise.
        let render_opts = RenderOptions {
            border: args.border.unwrap_or_else(|| default_border(code)),
            ..render_opts.clone()
        };
        let bytes = render(code, format, &render_opts)?;
        let path = args.output.as_deref().map(|p| numbered(p, i, codes.len()));
        write_output(path.as_deref(), format, &bytes)?;
        if path.is_none() && codes.len() > 1 && matches!(format, Format::Terminal | Format::Txt) {
            let mut out = std::io::stdout().lock();
            out.write_all(b"\n")?;
            out.flush()?;
        }
    }
    Ok(Outcome::Found)
}

/// A Swiss QR-bill's code, drawn as its guidelines ask: level M, the Swiss cross, 46 mm wide
/// in print (`render_swiss_bill` refuses other levels and formats).
fn run_swiss_bill(
    args: &EncodeArgs,
    payload: &[u8],
    opts: &EncodeOptions,
    render_opts: &RenderOptions,
    format: Format,
    style: &Style,
) -> Result<Outcome> {
    if args.parts.is_some() || !style.is_plain() || args.style.verify || args.boost_ec {
        bail!(
            "a Swiss QR-bill's code is level M with the Swiss cross, 46 mm wide, as its \
             guidelines ask: --parts, styles, logos, --verify and --boost-ec do not apply"
        );
    }
    let text = std::str::from_utf8(payload).context("the bill's text is UTF-8")?;
    let code = encode_text(text, opts)?;
    let bytes = render_swiss_bill(&code, format, render_opts)?;
    write_output(args.output.as_deref(), format, &bytes)?;
    Ok(Outcome::Found)
}

/// Writes one rendered symbol to `output`, or to standard output unless that is a terminal
/// and the format binary.
fn write_output(output: Option<&Path>, format: Format, bytes: &[u8]) -> Result<()> {
    match output {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            if matches!(format, Format::Png | Format::Pdf) && out.is_terminal() {
                bail!("refusing to write binary {format:?} to a terminal: use -o FILE or a pipe");
            }
            out.write_all(bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// One styled and/or verified symbol; the scan margin and adjustments go to stderr.
fn run_styled(
    args: &EncodeArgs,
    payload: &[u8],
    mut opts: EncodeOptions,
    render_opts: &RenderOptions,
    format: Format,
    style: Style,
    verify: bool,
) -> Result<Outcome> {
    let text = std::str::from_utf8(payload).ok();
    let encode = |o: &EncodeOptions| match text {
        Some(t) => encode_text(t, o),
        None => encode_bytes(payload, o),
    };
    let (code, style) = if verify {
        let verified = generate_verified(
            encode,
            &opts,
            render_opts,
            &style,
            payload,
            &VerifyOptions {
                auto_adjust: true,
                auto_ec: !args.style.no_auto_ec,
            },
        )?;
        eprintln!(
            "scan margin: {} ({} ms)",
            verified.margin,
            verified.elapsed.as_millis()
        );
        for a in &verified.adjustments {
            eprintln!("adjusted: {a}");
        }
        (verified.code, verified.style)
    } else {
        opts.ec_level = ec_level_for_style(&style, &opts, !args.style.no_auto_ec);
        (encode(&opts)?, style)
    };
    let bytes = render_styled(&code, format, render_opts, &style)?;
    write_output(args.output.as_deref(), format, &bytes)?;
    Ok(Outcome::Found)
}

/// The style flags.
fn style(args: &EncodeArgs) -> Result<Style> {
    let s = &args.style;
    let mut style = Style::default();
    if let Some(m) = &s.module_shape {
        style.module_shape = m.parse().context("--module-shape")?;
    }
    if let Some(e) = &s.eye_shape {
        style.eye_outer = e.parse().context("--eye-shape")?;
        style.eye_inner = style.eye_outer;
    }
    if let Some(c) = &s.eye_color {
        let color = parse_color(c, "--eye-color")?;
        style.eye_outer_color = Some(color);
        style.eye_inner_color = Some(color);
    }
    if let Some(path) = &s.logo {
        let len = std::fs::metadata(path)
            .with_context(|| format!("cannot read the logo {}", path.display()))?
            .len();
        if len > qrsmith_core::MAX_LOGO_BYTES as u64 {
            bail!(
                "the logo {} has {len} bytes; at most {} are accepted",
                path.display(),
                qrsmith_core::MAX_LOGO_BYTES
            );
        }
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the logo {}", path.display()))?;
        let mut logo = Logo::new(&bytes).with_context(|| format!("--logo {}", path.display()))?;
        if let Some(size) = s.logo_size {
            logo = logo.with_size(size).context("--logo-size")?;
        }
        if let Some(margin) = s.logo_margin {
            logo = logo.with_margin(margin).context("--logo-margin")?;
        }
        style.logo = Some(logo);
    }
    Ok(style)
}

/// The payload from the argument, or standard input for `-` / nothing.
fn read_payload(text: Option<&str>) -> Result<Vec<u8>> {
    match text {
        Some(t) if t != "-" => Ok(t.as_bytes().to_vec()),
        _ => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("cannot read the payload from standard input")?;
            Ok(buf)
        }
    }
}

fn encode_options(args: &EncodeArgs) -> Result<EncodeOptions> {
    let version = args.version;
    let micro = args.micro || version.is_some_and(|v| v.is_micro());
    let ec_level = match args.ec {
        Some(level) => level,
        // Micro QR has no level H; L leaves the most room in its tiny symbols.
        None if micro => EcLevel::L,
        // EPC069-12 asks for level M (and at most version 13), the Swiss QR-bill guidelines M.
        None if matches!(
            args.payload,
            Some(PayloadCommand::Epc(_) | PayloadCommand::SwissQrBill(_))
        ) =>
        {
            EcLevel::M
        }
        None => EcLevel::H,
    };
    Ok(EncodeOptions {
        ec_level,
        version,
        micro,
        rmqr: args.rmqr,
        mask: args.mask,
        mode: args.mode,
        eci: args.eci,
        boost_ec: args.boost_ec,
    })
}

fn render_options(args: &EncodeArgs) -> Result<RenderOptions> {
    let size = match (args.scale, args.size) {
        (_, Some(px)) => Size::Pixels(px),
        (Some(scale), None) => Size::Scale(scale),
        (None, None) => Size::default(),
    };
    Ok(RenderOptions {
        size,
        // Without --border, the standard's quiet zone for each symbol (see `run`).
        border: args.border.unwrap_or(RenderOptions::default().border),
        foreground: parse_color(&args.fg, "--fg")?,
        background: parse_color(&args.bg, "--bg")?,
        dpi: args.dpi,
        ..RenderOptions::default()
    })
}

fn parse_color(s: &str, flag: &str) -> Result<Color> {
    s.parse().with_context(|| format!("{flag} {s:?}"))
}

/// --format, else the output file's extension, else terminal art.
fn output_format(args: &EncodeArgs) -> Result<Format> {
    if let Some(f) = args.format {
        return Ok(match f {
            FormatArg::Png => Format::Png,
            FormatArg::Svg => Format::Svg,
            FormatArg::Pdf => Format::Pdf,
            FormatArg::Eps => Format::Eps,
            FormatArg::Txt => Format::Txt,
            FormatArg::Term => Format::Terminal,
        });
    }
    match &args.output {
        None => Ok(Format::Terminal),
        Some(path) => Format::from_path(path).with_context(|| {
            format!(
                "cannot tell the format of {} from its extension: use --format",
                path.display()
            )
        }),
    }
}

/// `code.png` → `code-2.png` for the second symbol of a sequence; unchanged for one symbol.
fn numbered(path: &Path, index: usize, count: usize) -> PathBuf {
    if count == 1 {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{}.{}", index + 1, ext.to_string_lossy()),
        None => format!("{stem}-{}", index + 1),
    };
    path.with_file_name(name)
}
