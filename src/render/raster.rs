//! The PNG back end: the phone layout drawn with tiny-skia at the requested
//! width.

use tiny_skia::{
    BlendMode, FillRule, FilterQuality, Paint, Pixmap, PixmapPaint, Stroke, Transform,
};

use super::font::Faces;
use super::scene::{Item, Line, Scene};
use super::template::{Colour, MM_PER_PT, Rect};
use super::{Page, RenderError};
use crate::render::stamp::render_stamp;

pub(crate) fn render_png(page: &Page<'_>, width: u32) -> Result<Vec<u8>, RenderError> {
    let scene = &page.scene;
    let w = width as f32;
    let scale = w / scene.width;
    let height = (scene.height * scale).round().max(1.0) as u32;
    let mut canvas = Pixmap::new(width, height).ok_or(RenderError::Setting {
        what: "PNG height",
        value: height,
        min: 1,
        max: u32::MAX,
    })?;
    canvas.fill(colour(scene.background));
    draw_scene(&mut canvas, page, scene, scale)?;
    encode(&canvas)
}

fn draw_scene(
    canvas: &mut Pixmap,
    page: &Page<'_>,
    scene: &Scene,
    scale: f32,
) -> Result<(), RenderError> {
    for item in &scene.items {
        match item {
            Item::Rect { rect, fill, stroke } => {
                let (x, y, w, h) = (
                    rect.x * scale,
                    rect.y * scale,
                    rect.width * scale,
                    rect.height * scale,
                );
                if let Some(fill) = fill {
                    fill_rect(canvas, x, y, w, h, *fill);
                }
                if let Some((stroke, width)) = stroke {
                    let path = tiny_skia::Rect::from_xywh(x, y, w, h)
                        .map(tiny_skia::PathBuilder::from_rect);
                    if let Some(path) = path {
                        let stroke_style = Stroke {
                            width: width * scale,
                            ..Stroke::default()
                        };
                        canvas.stroke_path(
                            &path,
                            &paint(*stroke),
                            &stroke_style,
                            Transform::identity(),
                            None,
                        );
                    }
                }
            }
            Item::Text(line) => draw_line(canvas, page, line, scale),
            Item::Photo(rect) => {
                if let Some(photo) = &page.photo {
                    draw_fitted(
                        canvas,
                        photo,
                        rect.x * scale,
                        rect.y * scale,
                        rect.width * scale,
                        rect.height * scale,
                    );
                }
            }
            Item::Qr(rect) => draw_qr(canvas, page, rect, scale)?,
            Item::Seal(place) => {
                let stamp = match page.seal_png {
                    Some(png) => png.clone(),
                    None => render_stamp(&page.stamp, page.fonts, scale)?,
                };
                let d = place.diameter * scale;
                let left = place.cx * scale - d / 2.0;
                let top = place.cy * scale - d / 2.0;
                // Multiply, as ink does: text under the seal stays readable.
                let mut paint = PixmapPaint {
                    opacity: 0.92,
                    blend_mode: BlendMode::Multiply,
                    quality: FilterQuality::Bicubic,
                };
                // A generated stamp is drawn at this very size: place it on
                // whole pixels and skip resampling.
                let transform = if stamp.width() as f32 == d.round() {
                    paint.quality = FilterQuality::Nearest;
                    Transform::from_translate(left.round(), top.round())
                } else {
                    let sx = d / stamp.width() as f32;
                    let sy = d / stamp.height() as f32;
                    Transform::from_row(sx, 0.0, 0.0, sy, left, top)
                };
                canvas.draw_pixmap(0, 0, stamp.as_ref(), &paint, transform, None);
            }
        }
    }
    Ok(())
}

/// The QR code at a whole number of pixels per module, centred in its box
/// (the phone layout sizes the box to a whole number).
fn draw_qr(
    canvas: &mut Pixmap,
    page: &Page<'_>,
    rect: &Rect,
    scale: f32,
) -> Result<(), RenderError> {
    let side = (rect.width * scale).round() as u32;
    let ppm = page
        .qr
        .pixels_per_module_for(side)
        .ok_or(RenderError::Setting {
            what: "QR code side in pixels",
            value: side,
            min: u32::try_from(page.qr.side_with_quiet_zone()).unwrap_or(u32::MAX),
            max: u32::MAX,
        })?;
    let qr = page.qr.to_pixmap(ppm)?;
    let offset = side.saturating_sub(qr.width()) as f32 / 2.0;
    let x = (rect.x * scale + offset).round() as usize;
    let y = (rect.y * scale + offset).round() as usize;
    blit(canvas, &qr, x, y);
    Ok(())
}

fn draw_line(canvas: &mut Pixmap, page: &Page<'_>, line: &Line, scale: f32) {
    let size_px = line.size_pt * MM_PER_PT * scale;
    let spacing = line.letter_spacing * scale;
    let baseline = line.baseline * scale;
    let paint = paint(line.colour);
    for run in &line.runs {
        let pen = run.x * scale;
        draw_run(
            canvas,
            &page.faces,
            &run.text,
            run.font,
            pen,
            baseline,
            size_px,
            spacing,
            &paint,
        );
    }
}

/// Fills the glyphs of one run from pen position `pen` on `baseline` (pixels),
/// returning the pen position after it.
#[allow(clippy::too_many_arguments)]
fn draw_run(
    canvas: &mut Pixmap,
    faces: &Faces<'_>,
    text: &str,
    font: usize,
    mut pen: f32,
    baseline: f32,
    size_px: f32,
    spacing: f32,
    paint: &Paint<'_>,
) -> f32 {
    for ch in text.chars() {
        if let Some(path) = faces.glyph_path(font, ch, size_px) {
            let at = Transform::from_translate(pen, baseline);
            canvas.fill_path(&path, paint, FillRule::Winding, at, None);
        }
        pen += faces.advance(font, ch) * size_px + spacing;
    }
    pen
}

/// Draws `image` scaled to fit the box, centred, keeping its aspect ratio.
fn draw_fitted(canvas: &mut Pixmap, image: &Pixmap, x: f32, y: f32, w: f32, h: f32) {
    let (iw, ih) = (image.width() as f32, image.height() as f32);
    let s = (w / iw).min(h / ih);
    let dx = x + (w - iw * s) / 2.0;
    let dy = y + (h - ih * s) / 2.0;
    let paint = PixmapPaint {
        quality: FilterQuality::Bicubic,
        ..PixmapPaint::default()
    };
    canvas.draw_pixmap(
        0,
        0,
        image.as_ref(),
        &paint,
        Transform::from_row(s, 0.0, 0.0, s, dx, dy),
        None,
    );
}

/// Fills an axis-aligned rectangle, edges rounded to whole pixels, by
/// writing the pixels: tiny-skia's general pipeline costs milliseconds on
/// the page-sized areas a licence has, and a solid band needs no blending.
fn fill_rect(canvas: &mut Pixmap, x: f32, y: f32, w: f32, h: f32, fill: Colour) {
    let width = canvas.width() as usize;
    let height = canvas.height() as usize;
    // Negative and NaN edges saturate to 0 in the casts.
    let x0 = (x.round() as usize).min(width);
    let x1 = ((x + w).round() as usize).clamp(x0, width);
    let y0 = (y.round() as usize).min(height);
    let y1 = ((y + h).round() as usize).clamp(y0, height);
    let Some(pixel) = tiny_skia::PremultipliedColorU8::from_rgba(fill.r, fill.g, fill.b, 255)
    else {
        return;
    };
    let pixels = canvas.pixels_mut();
    for row in y0..y1 {
        if let Some(span) = pixels.get_mut(row * width + x0..row * width + x1) {
            span.fill(pixel);
        }
    }
}

/// Copies an opaque image onto the canvas with its top-left corner at
/// (`x`, `y`), row by row; the parts outside the canvas are dropped.
fn blit(canvas: &mut Pixmap, image: &Pixmap, x: usize, y: usize) {
    let width = canvas.width() as usize;
    let src_width = image.width() as usize;
    let visible = src_width.min(width.saturating_sub(x));
    let src = image.pixels();
    let dst = canvas.pixels_mut();
    for (row, line) in src.chunks_exact(src_width.max(1)).enumerate() {
        let start = (y + row) * width + x;
        if let (Some(to), Some(from)) = (dst.get_mut(start..start + visible), line.get(..visible)) {
            to.copy_from_slice(from);
        }
    }
}

fn colour(c: Colour) -> tiny_skia::Color {
    tiny_skia::Color::from_rgba8(c.r, c.g, c.b, 255)
}

fn paint(c: Colour) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color(colour(c));
    paint.anti_alias = true;
    paint
}

/// The canvas is opaque, so its premultiplied pixels are already straight
/// RGBA and go to the encoder as they are: converting 2–3 megapixels to RGB
/// costs more than the constant alpha channel costs to compress.
fn encode(canvas: &Pixmap) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, canvas.width(), canvas.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder
        .write_header()
        .map_err(|e| RenderError::Png(e.to_string()))?;
    writer
        .write_image_data(canvas.data())
        .map_err(|e| RenderError::Png(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| RenderError::Png(e.to_string()))?;
    Ok(out)
}
