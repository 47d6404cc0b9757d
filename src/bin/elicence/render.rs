//! `elicence render`: draw a signed licence as a phone PNG and a printable PDF.

use std::process::ExitCode;

use elicence::render::{Font, FontSet, Renderer, Template, TemplateSet};
use elicence::{QrBase, SignedLicence};

use crate::files::{read_bytes, write_atomic};
use crate::{CliError, CliResult, RenderArgs};

pub fn run(args: &RenderArgs) -> CliResult {
    let envelope = read_bytes(&args.cose)?;
    let signed = SignedLicence::from_slice(&envelope)
        .map_err(|e| CliError::with_code(format!("{}: {e}", args.cose.display()), 1))?;
    let renderer = renderer(args)?;
    let photo = args.photo.as_deref().map(read_bytes).transpose()?;
    let fail = |e: elicence::render::RenderError| CliError::new(e.to_string());
    if let Some(path) = &args.png {
        let png = renderer
            .render_png(&signed, photo.as_deref())
            .map_err(fail)?;
        write_atomic(path, &png)?;
        outln!("wrote {} ({} bytes)", path.display(), png.len())?;
    }
    if let Some(path) = &args.pdf {
        let pdf = renderer
            .render_pdf(&signed, photo.as_deref())
            .map_err(fail)?;
        write_atomic(path, &pdf)?;
        outln!("wrote {} ({} bytes)", path.display(), pdf.len())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A renderer set up from the options: the user's font first, then the
/// embedded face, then the system's CJK fonts.
fn renderer(args: &RenderArgs) -> Result<Renderer, CliError> {
    let first = args
        .font
        .as_deref()
        .map(|path| Font::from_path(path, args.font_index))
        .transpose()
        .map_err(|e| CliError::new(e.to_string()))?;
    let mut renderer = Renderer::new(font_set(first)?);
    if let Some(path) = &args.template {
        let template = Template::from_path(path)
            .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
        // A template named on the command line is used for this licence
        // whatever types it lists: that is what the user asked for.
        renderer.set_templates(TemplateSet::single(template));
    }
    if let Some(base) = &args.qr_base {
        renderer.set_qr_base(base.clone());
    }
    renderer.set_qr_levels(args.screen_level, args.print_level);
    renderer.set_stamp_in_pdf(!args.no_stamp);
    renderer
        .set_png_width(args.width)
        .map_err(|e| CliError::new(e.to_string()))?;
    if let Some(path) = &args.seal_png {
        renderer
            .set_seal_png(&read_bytes(path)?)
            .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    }
    Ok(renderer)
}

/// A renderer with the built-in templates and the usual fonts, drawing QR
/// codes for `base`: what `issue --pdf-dir` draws each licence with.
pub fn default_renderer(base: &QrBase) -> Result<Renderer, CliError> {
    let mut renderer = Renderer::new(font_set(None)?);
    renderer.set_qr_base(base.clone());
    Ok(renderer)
}

/// The user's font (if any), then the embedded face, then the system's CJK
/// fonts.
fn font_set(first: Option<Font>) -> Result<FontSet, CliError> {
    FontSet::usual(first).map_err(|e| CliError::new(e.to_string()))
}
