//! Editing what the page shows, as an attacker with a text editor would:
//! the page's text is drawn with a subset CID font (Identity-H), so a
//! string on the page is a run of 4-digit glyph ids, found through the
//! font's `/ToUnicode` map. Replacing one run with another changes what
//! every viewer (and `pdftotext`) shows; replacing it with a Helvetica
//! string writes text the subset does not have.

use std::collections::HashMap;

use elicence::pdf::Object;

use super::raw::{self, dict, stream_data};

/// The text a forger writes over the holder's name.
pub const FAKE_NAME: &str = "FAKE TRADING CO.";

/// The page's font resource name that [`with_fake_font`] adds.
pub const FAKE_FONT: &str = "FakeF";

/// Unicode → glyph id (4 hex digits) of the page's CID font.
fn glyphs(pdf: &[u8]) -> HashMap<char, String> {
    let (_, fonts) = font_dict(pdf);
    let (_, font) = fonts.iter().next().unwrap();
    let font = raw::object(pdf, font.as_reference().unwrap().number);
    let to_unicode = font.as_dict().unwrap().get(b"ToUnicode").unwrap();
    let cmap = stream_data(pdf, to_unicode.as_reference().unwrap().number);
    let cmap = String::from_utf8_lossy(&cmap);
    let mut map = HashMap::new();
    for line in cmap.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if let [glyph, unicode] = parts.as_slice() {
            let hex = |s: &str| s.strip_prefix('<')?.strip_suffix('>').map(str::to_owned);
            if let (Some(glyph), Some(unicode)) = (hex(glyph), hex(unicode)) {
                let code = u32::from_str_radix(&unicode, 16).ok();
                if let Some(c) = code.and_then(char::from_u32) {
                    map.insert(c, glyph);
                }
            }
        }
    }
    map
}

/// `text` as the page's hex glyph string, `<…>`.
pub fn encode(pdf: &[u8], text: &str) -> String {
    let map = glyphs(pdf);
    let hex: String = text
        .chars()
        .map(|c| {
            map.get(&c)
                .unwrap_or_else(|| panic!("no glyph for {c}"))
                .as_str()
        })
        .collect();
    format!("<{hex}>")
}

/// The page's content with the glyph run of `from` replaced by `to`.
pub fn replace_text(pdf: &[u8], from: &str, to: &str) -> Vec<u8> {
    let content = stream_data(pdf, raw::page_content(pdf));
    let (from, to) = (encode(pdf, from), encode(pdf, to));
    replace(&content, from.as_bytes(), to.as_bytes())
}

/// The page's content with the holder's name replaced by [`FAKE_NAME`] in
/// Helvetica (the page's resources need [`with_fake_font`]).
pub fn replace_name(pdf: &[u8], name: &str) -> Vec<u8> {
    let content = stream_data(pdf, raw::page_content(pdf));
    let (_, _, size) = text_position(pdf, name);
    let run = format!("{} Tj", encode(pdf, name));
    let fake = format!("/{FAKE_FONT} {size} Tf ({FAKE_NAME}) Tj");
    replace(&content, run.as_bytes(), fake.as_bytes())
}

/// Where `text` is drawn: the `Td` before its glyph run, and the font size.
pub fn text_position(pdf: &[u8], text: &str) -> (f64, f64, f64) {
    let content = stream_data(pdf, raw::page_content(pdf));
    let content = String::from_utf8_lossy(&content);
    let at = content
        .find(&encode(pdf, text))
        .unwrap_or_else(|| panic!("{text} is not on the page"));
    let before = &content[..at];
    let last_number_before = |op: &str, skip: usize| -> f64 {
        let end = before.rfind(op).unwrap();
        let words: Vec<&str> = before[..end].split_whitespace().collect();
        words[words.len() - 1 - skip].parse().unwrap()
    };
    (
        last_number_before(" Td", 1),
        last_number_before(" Td", 0),
        last_number_before(" Tf", 0),
    )
}

/// A content stream that paints a white box over the holder's name and
/// writes [`FAKE_NAME`] there in Helvetica, through resource [`FAKE_FONT`].
pub fn overlay(pdf: &[u8], name: &str) -> Vec<u8> {
    let (x, y, size) = text_position(pdf, name);
    let width = size * name.chars().count() as f64;
    format!(
        "q 1 1 1 rg {} {} {} {} re f 0 0 0 rg BT /{FAKE_FONT} {size} Tf {x} {y} Td ({FAKE_NAME}) Tj ET Q",
        x - 1.0,
        y - size * 0.3,
        width + 2.0,
        size * 1.4
    )
    .into_bytes()
}

/// The same overlay as a form XObject's content, drawn at the origin of a
/// box of `width` × `height` (for appearance streams).
pub fn overlay_form(width: f64, height: f64, size: f64) -> Vec<u8> {
    format!(
        "q 1 1 1 rg 0 0 {width} {height} re f 0 0 0 rg BT /{FAKE_FONT} {size} Tf 1 {} Td ({FAKE_NAME}) Tj ET Q",
        size * 0.3
    )
    .into_bytes()
}

/// A Helvetica font dictionary.
pub const HELVETICA: &str =
    "<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>";

/// [`HELVETICA`] as an object.
pub fn helvetica() -> Object {
    Object::Dictionary(elicence::pdf::Dictionary::from_entries([
        (b"Type".as_slice(), raw::name("Font")),
        (b"Subtype", raw::name("Type1")),
        (b"BaseFont", raw::name("Helvetica")),
        (b"Encoding", raw::name("WinAnsiEncoding")),
    ]))
}

/// The object holding the page's font dictionary and that dictionary.
fn font_dict(pdf: &[u8]) -> (u32, elicence::pdf::Dictionary) {
    let page = dict(pdf, raw::first_page(pdf).number);
    let resources = page.get(b"Resources").unwrap().as_reference().unwrap();
    let fonts = dict(pdf, resources.number);
    let fonts = fonts.get(b"Font").unwrap().as_reference().unwrap();
    (fonts.number, dict(pdf, fonts.number))
}

/// The page's font dictionary object rewritten with Helvetica added as
/// [`FAKE_FONT`]: (its number, its new text).
pub fn with_fake_font(pdf: &[u8]) -> (u32, String) {
    let (number, fonts) = font_dict(pdf);
    let mut text = raw::dict_text(&fonts);
    text.truncate(text.len() - 2);
    text.push_str(&format!("/{FAKE_FONT} {HELVETICA}>>"));
    (number, text)
}

/// `data` with the one occurrence of `from` replaced by `to`.
fn replace(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = data
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{} not in the content", String::from_utf8_lossy(from)));
    let mut out = data[..at].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&data[at + from.len()..]);
    out
}

/// `Object::Reference` of the page's content stream, as the page lists it.
pub fn content_ref(pdf: &[u8]) -> Object {
    raw::r(raw::page_content(pdf))
}
