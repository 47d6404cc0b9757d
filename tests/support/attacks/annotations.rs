//! Class 4, evil annotations (Mainka et al., "Attacks on certified PDFs",
//! S&P 2021): the co-signer B's seal revision, validly signed, draws over
//! the page. Its own widget's appearance paints a white box and "FAKE
//! TRADING CO." over the holder's name; or it adds a free-text annotation
//! that does, a link over the page, a page-open or document-open
//! JavaScript action, an action on its widget. Annotations are what a
//! seal revision adds, so a checker that allows "annotations after
//! signing" lets all of it through; here the seal revision's appearance
//! is regenerated from the seal record and must match, and nothing else
//! may be added.

use elicence::pdf::Object;

use super::content::{self, FAKE_FONT, HELVETICA};
use super::cosign::SealRevision;
use super::cosigner::CO_SIGNED;
use super::raw::{self, Update, r, with};
use super::world::{CO_SEALED, HOLDER, World};
use super::{Case, Expect};

pub fn cases(w: &World) -> Vec<Case> {
    let appearance = Expect::Refused {
        all: &["changed_after_sealing", "appearance_mismatch"],
        any: &[],
    };
    let case = |name, pdf, expect| Case { name, pdf, expect };
    vec![
        case(
            "evil-widget-appearance-covers-the-name",
            widget_covers_the_name(w),
            appearance,
        ),
        case(
            "evil-widget-appearance-adds-text",
            widget_adds_text(w),
            appearance,
        ),
        case(
            "evil-free-text-annotation-co-signed",
            free_text_co_signed(w),
            CO_SIGNED,
        ),
        case("evil-page-open-javascript", page_javascript(w), CO_SIGNED),
        case("evil-document-open-javascript", open_action(w), CO_SIGNED),
        case("evil-uri-link-over-the-page", uri_link(w), CO_SIGNED),
        case("evil-widget-uri-action", widget_action(w), CO_SIGNED),
        case(
            "evil-free-text-annotation-unsigned",
            free_text_unsigned(&w.sealed),
            Expect::Refused {
                all: &["unsealed_bytes_after_last_seal"],
                any: &[],
            },
        ),
    ]
}

fn b_revision(w: &World) -> SealRevision {
    SealRevision::honest(&w.b, &w.joint_a, CO_SEALED)
}

/// The box around the holder's name on the page: `[x0 y0 x1 y1]`, and the
/// font size.
fn name_box(pdf: &[u8]) -> ([f64; 4], f64) {
    let (x, y, size) = content::text_position(pdf, HOLDER);
    let width = size * HOLDER.chars().count() as f64 + 2.0;
    let round = |v: f64| (v * 100.0).round() / 100.0;
    (
        [
            round(x - 1.0),
            round(y - size * 0.3),
            round(x - 1.0 + width),
            round(y + size * 1.1),
        ],
        size,
    )
}

fn rect(values: [f64; 4]) -> Object {
    Object::Array(values.iter().map(|&v| Object::Real(v)).collect())
}

/// The form dictionary's inside for an appearance of `width` × `height`
/// drawing Helvetica text.
fn text_form(width: f64, height: f64) -> String {
    format!(
        "/Type/XObject/Subtype/Form/BBox[0 0 {width} {height}]/Resources<</Font<</{FAKE_FONT} {HELVETICA}>>>>"
    )
}

/// B's widget moved over the holder's name, its appearance a white box
/// with the fake name: every viewer shows the fake name where the real
/// one was.
fn widget_covers_the_name(w: &World) -> Vec<u8> {
    let mut rev = b_revision(w);
    let ([x0, y0, x1, y1], size) = name_box(&w.joint_a);
    let widget = rev.widget();
    let form = rev.form();
    let moved = with(&rev.dict(widget), "Rect", rect([x0, y0, x1, y1]));
    rev.set(widget, &raw::dict_text(&moved)).set_stream(
        form,
        &text_form(x1 - x0, y1 - y0),
        &content::overlay_form(x1 - x0, y1 - y0, size),
    );
    rev.sign(&w.b)
}

/// B's widget where the sealer put it, its appearance the seal picture
/// plus a line of text in the fake name.
fn widget_adds_text(w: &World) -> Vec<u8> {
    let mut rev = b_revision(w);
    let form = rev.form();
    let dict = rev.dict(form);
    let mut data = rev.stream_data(form);
    data.extend_from_slice(
        format!(
            " BT /{FAKE_FONT} 9 Tf 2 2 Td ({}) Tj ET",
            content::FAKE_NAME
        )
        .as_bytes(),
    );
    let mut resources = dict.get(b"Resources").unwrap().as_dict().unwrap().clone();
    resources.set(
        b"Font",
        Object::Dictionary(elicence::pdf::Dictionary::from_entries([(
            FAKE_FONT.as_bytes(),
            content::helvetica(),
        )])),
    );
    let dict = with(
        &raw::without(&dict, b"Length"),
        "Resources",
        Object::Dictionary(resources),
    );
    rev.set_stream(form, &raw::inside(&dict), &data);
    rev.sign(&w.b)
}

/// A free-text annotation over the holder's name whose appearance draws
/// the fake name, as objects numbered from `n`: (annotation, form).
fn free_text(pdf: &[u8], n: u32) -> [(u32, String, Option<Vec<u8>>); 2] {
    let ([x0, y0, x1, y1], size) = name_box(pdf);
    let page = raw::first_page(pdf).number;
    [
        (
            n,
            format!(
                "<</Type/Annot/Subtype/FreeText/Rect[{x0} {y0} {x1} {y1}]/F 4/P {page} 0 R/DA(/Helv 9 Tf 0 g)/Contents{}/AP<</N {} 0 R>>>>",
                raw::text_string(content::FAKE_NAME),
                n + 1
            ),
            None,
        ),
        (
            n + 1,
            text_form(x1 - x0, y1 - y0),
            Some(content::overlay_form(x1 - x0, y1 - y0, size)),
        ),
    ]
}

/// The page's `/Annots` with `extra` appended.
fn annots_plus(page: &elicence::pdf::Dictionary, extra: u32) -> elicence::pdf::Dictionary {
    let mut annots = page.get(b"Annots").unwrap().as_array().unwrap().to_vec();
    annots.push(r(extra));
    with(page, "Annots", Object::Array(annots))
}

/// B's revision also adds a free-text annotation over the name.
fn free_text_co_signed(w: &World) -> Vec<u8> {
    let mut rev = b_revision(w);
    let page = raw::first_page(&w.joint_a).number;
    let n = rev.next_number();
    for (number, body, data) in free_text(&w.joint_a, n) {
        match data {
            None => rev.set(number, &body),
            Some(data) => rev.set_stream(number, &body, &data),
        };
    }
    let page_dict = annots_plus(&rev.dict(page), n);
    rev.set(page, &raw::dict_text(&page_dict));
    rev.sign(&w.b)
}

/// The stranger's version: the free-text annotation in an unsigned
/// revision after the seal.
fn free_text_unsigned(sealed: &[u8]) -> Vec<u8> {
    let page = raw::first_page(sealed).number;
    let n = raw::size(sealed);
    let mut update = Update::on(sealed);
    for (number, body, data) in free_text(sealed, n) {
        update = match data {
            None => update.object(number, &body),
            Some(data) => update.stream(number, &body, &data),
        };
    }
    update
        .object(
            page,
            &raw::dict_text(&annots_plus(&raw::dict(sealed, page), n)),
        )
        .classic()
}

/// A JavaScript action as PDF text.
fn javascript(code: &str) -> String {
    format!(
        "<</S/JavaScript/JS{}>>",
        raw::text(&Object::String(code.as_bytes().to_vec()))
    )
}

/// B's revision gives the page an open action (`/AA /O`) running
/// JavaScript (which could, in a viewer that runs it, rewrite fields or
/// fetch a fake page).
fn page_javascript(w: &World) -> Vec<u8> {
    let mut rev = b_revision(w);
    let page = raw::first_page(&w.joint_a).number;
    let mut text = raw::dict_text(&rev.dict(page));
    text.truncate(text.len() - 2);
    text.push_str(&format!(
        "/AA<</O {}>>>>",
        javascript("app.alert('FAKE TRADING CO. is the holder');")
    ));
    rev.set(page, &text);
    rev.sign(&w.b)
}

/// B's revision gives the catalog (which it rewrites anyway, for the form)
/// an `/OpenAction` running JavaScript.
fn open_action(w: &World) -> Vec<u8> {
    let mut rev = b_revision(w);
    let catalog = raw::root(&w.joint_a).number;
    let mut text = raw::dict_text(&rev.dict(catalog));
    text.truncate(text.len() - 2);
    text.push_str(&format!(
        "/OpenAction {}>>",
        javascript("this.getField('Seal1').display = display.hidden;")
    ));
    rev.set(catalog, &text);
    rev.sign(&w.b)
}

/// B's revision adds a link annotation over the whole page to a URI (a
/// click anywhere, the QR code included, goes to the forger's site).
fn uri_link(w: &World) -> Vec<u8> {
    let mut rev = b_revision(w);
    let page = raw::first_page(&w.joint_a).number;
    let link = rev.next_number();
    rev.set(
        link,
        &format!(
            "<</Type/Annot/Subtype/Link/Rect[0 0 842 596]/Border[0 0 0]/P {page} 0 R/A<</S/URI/URI(https://verify.example.invalid/ok)>>>>"
        ),
    );
    let page_dict = annots_plus(&rev.dict(page), link);
    rev.set(page, &raw::dict_text(&page_dict));
    rev.sign(&w.b)
}

/// B's widget itself gains a URI action.
fn widget_action(w: &World) -> Vec<u8> {
    let mut rev = b_revision(w);
    let widget = rev.widget();
    let mut text = raw::dict_text(&rev.dict(widget));
    text.truncate(text.len() - 2);
    text.push_str("/A<</S/URI/URI(https://verify.example.invalid/ok)>>>>");
    rev.set(widget, &text);
    rev.sign(&w.b)
}
