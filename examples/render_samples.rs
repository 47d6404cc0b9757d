//! Renders the example licences to PNG and PDF in a directory, for looking
//! at: `cargo run --example render_samples --features embedded-font -- OUT [FONT]`.
use std::path::PathBuf;

use elicence::render::{Font, FontSet, Renderer};
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
    let renderer = Renderer::new(fonts);
    std::fs::create_dir_all(&out)?;
    let key = SigningKey::from_seed(&[9; 32]);
    let at = UnixTime::parse_rfc3339("2025-01-01T09:00:00+08:00")?;
    for name in ["driving-licence", "business-licence", "health-permit"] {
        let json = std::fs::read_to_string(format!("examples/licences/{name}.json"))?;
        let licence = Licence::from_json(&json)?;
        let photo = std::fs::read(format!("examples/photos/{name}.png")).ok();
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
