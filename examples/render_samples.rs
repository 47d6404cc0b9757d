//! Renders the example licences to PNG and PDF in a directory, for looking
//! at: `cargo run --example render_samples --features embedded-font -- OUT [FONT]`.
//! The food business licence is drawn twice: with its own template
//! (`examples/templates/food-business-licence.json`, as a deployment adds
//! it) and, as `food-business-licence-generic`, with the generic layout a
//! type without a template gets.
use std::path::PathBuf;

use elicence::render::{Font, FontSet, Renderer, Template, TemplateSet};
use elicence::{Licence, SignedLicence, SigningKey, UnixTime};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "out".into()));
    let mut fonts = FontSet::new();
    if let Some(font) = args.next() {
        fonts.push(Font::from_path(font.as_ref(), 0)?);
    }
    for font in FontSet::embedded()?.fonts() {
        fonts.push(font.clone());
    }
    let generic = Renderer::new(fonts.clone());
    let mut renderer = Renderer::new(fonts);
    let mut templates = TemplateSet::default();
    templates.push(Template::from_path(
        "examples/templates/food-business-licence.json".as_ref(),
    )?);
    renderer.set_templates(templates);
    std::fs::create_dir_all(&out)?;
    let key = SigningKey::from_seed(&[9; 32]);
    let at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00")?;
    for (name, file, renderer) in [
        ("driving-licence", "driving-licence", &renderer),
        ("business-licence", "business-licence", &renderer),
        ("health-permit", "health-permit", &renderer),
        ("food-business-licence", "food-business-licence", &renderer),
        (
            "food-business-licence-generic",
            "food-business-licence",
            &generic,
        ),
    ] {
        let json = std::fs::read_to_string(format!("examples/licences/{file}.json"))?;
        let licence = Licence::from_json(&json)?;
        let photo = match licence.photo_sha256() {
            Some(_) => Some(std::fs::read(format!("examples/photos/{file}.png"))?),
            None => None,
        };
        let signed = SignedLicence::sign(licence, &key, at)?;
        let t = std::time::Instant::now();
        let png = renderer.render_png(&signed, photo.as_deref())?;
        let t_png = t.elapsed();
        let t = std::time::Instant::now();
        let pdf = renderer.render_pdf(&signed, photo.as_deref())?;
        let t_pdf = t.elapsed();
        println!(
            "{name}: png {} B {:?}, pdf {} B {:?}",
            png.len(),
            t_png,
            pdf.len(),
            t_pdf
        );
        std::fs::write(out.join(format!("{name}.png")), png)?;
        std::fs::write(out.join(format!("{name}.pdf")), pdf)?;
    }
    Ok(())
}
