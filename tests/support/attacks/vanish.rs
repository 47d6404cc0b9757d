//! Class 5, seals that vanish: make a checker miss a seal (and so judge
//! the file by what is left, or call it "unsigned, nothing to check" while
//! the page still shows the seal's picture). A later revision takes the
//! field out of the form or the page, frees the signature dictionary,
//! points the field's `/V` at nothing; bytes are renamed in place so that
//! nothing looks like a signature; the revision chain skips the seal. The
//! policy: a seal's revision is a seal whatever later revisions say, every
//! signature-like object belongs to a checked seal, and a file with no
//! seal is not sealed.

use super::cosign::SealRevision;
use super::cosigner::CO_SIGNED;
use super::raw::{self, Row, Update, r, with};
use super::world::{CO_SEALED, World};
use super::{Case, Expect};

const UNSEALED: Expect = Expect::Refused {
    all: &["unsealed_bytes_after_last_seal"],
    any: &[],
};

pub fn cases(w: &World) -> Vec<Case> {
    let s = &w.sealed;
    let case = |name, pdf, expect| Case { name, pdf, expect };
    let dangling = Expect::Refused {
        all: &["unaccounted_signature_object", "changed_after_sealing"],
        any: &[],
    };
    vec![
        case("vanish-form-dropped-unsigned", form_dropped(s), UNSEALED),
        case(
            "vanish-widget-dropped-from-the-page-unsigned",
            widget_dropped(s),
            UNSEALED,
        ),
        case(
            "vanish-signature-freed-unsigned",
            signature_freed(s),
            UNSEALED,
        ),
        case(
            "vanish-co-signed-drops-the-issuer-field",
            co_signed_drop(w),
            CO_SIGNED,
        ),
        case(
            "vanish-field-value-dangling",
            field_value(s, "9999 0 R"),
            dangling,
        ),
        case("vanish-field-value-null", field_value(s, "null"), dangling),
        case(
            "vanish-signature-type-renamed-in-place",
            renamed(s, false),
            Expect::Refused {
                all: &["unaccounted_signature_object"],
                any: &[],
            },
        ),
        case(
            "vanish-every-signature-marker-renamed-in-place",
            renamed(s, true),
            Expect::Refused {
                all: &["not_sealed"],
                any: &[],
            },
        ),
        case(
            "vanish-prev-skips-the-seal-revision",
            prev_skips(w),
            Expect::Refused {
                all: &[],
                any: &["unreadable_pdf", "not_sealed"],
            },
        ),
        case(
            "vanish-startxref-at-the-unsealed-revision",
            startxref_back(w),
            Expect::Refused {
                all: &[],
                any: &["not_sealed", "unreadable_pdf"],
            },
        ),
    ]
}

/// The seal's widget (in A's seal revision).
fn widget(sealed: &[u8]) -> u32 {
    raw::newest_typed(sealed, b"Subtype", b"Widget")
}

/// The catalog rewritten without `/AcroForm`: no signature field is left
/// in the form.
fn form_dropped(sealed: &[u8]) -> Vec<u8> {
    let catalog = raw::root(sealed).number;
    let dict = raw::without(&raw::dict(sealed, catalog), b"AcroForm");
    Update::on(sealed)
        .object(catalog, &raw::dict_text(&dict))
        .classic()
}

/// The page rewritten with `/Annots []`: the widget is on no page.
fn widget_dropped(sealed: &[u8]) -> Vec<u8> {
    let page = raw::first_page(sealed).number;
    let dict = with(
        &raw::dict(sealed, page),
        "Annots",
        elicence::pdf::Object::Array(vec![]),
    );
    Update::on(sealed)
        .object(page, &raw::dict_text(&dict))
        .classic()
}

/// The widget and the signature dictionary listed as free.
fn signature_freed(sealed: &[u8]) -> Vec<u8> {
    let widget = widget(sealed);
    let signature = raw::newest_typed(sealed, b"Type", b"Sig");
    Update::on(sealed)
        .row(widget, Row::Free { generation: 1 })
        .row(signature, Row::Free { generation: 1 })
        .classic()
}

/// B's seal revision leaves A's widget out of the page's `/Annots` and the
/// form's `/Fields` (B's own widget alone in both).
fn co_signed_drop(w: &World) -> Vec<u8> {
    let mut rev = SealRevision::honest(&w.b, &w.joint_a, CO_SEALED);
    let page = raw::first_page(&w.joint_a).number;
    let catalog = raw::root(&w.joint_a).number;
    let b_widget = rev.widget();
    let only_b = elicence::pdf::Object::Array(vec![r(b_widget)]);
    let page_dict = with(&rev.dict(page), "Annots", only_b.clone());
    let catalog_dict = rev.dict(catalog);
    let form = catalog_dict.get(b"AcroForm").unwrap().as_dict().unwrap();
    let catalog_dict = with(
        &catalog_dict,
        "AcroForm",
        elicence::pdf::Object::Dictionary(with(form, "Fields", only_b)),
    );
    rev.set(page, &raw::dict_text(&page_dict))
        .set(catalog, &raw::dict_text(&catalog_dict));
    rev.sign(&w.b)
}

/// The widget rewritten with `/V` at `value` (an object that does not
/// exist, or null): the field has no signature.
fn field_value(sealed: &[u8], value: &str) -> Vec<u8> {
    let widget = widget(sealed);
    let mut text = raw::dict_text(&raw::without(&raw::dict(sealed, widget), b"V"));
    text.truncate(text.len() - 2);
    text.push_str(&format!("/V {value}>>"));
    Update::on(sealed).object(widget, &text).classic()
}

/// In-place renames in A's seal revision, no offset moved: `/Type/Sig`
/// becomes `/Type/Xig`; with `every`, also the widget's `/FT /Sig` and
/// `/ByteRange`, so that no object looks like a signature (the page still
/// shows the seal's picture).
fn renamed(sealed: &[u8], every: bool) -> Vec<u8> {
    let mut pdf = sealed.to_vec();
    let start = raw::read(sealed).revisions().last().unwrap().start;
    raw::overwrite(&mut pdf, start, b"/Type/Sig", b"/Type/Xig");
    if every {
        raw::overwrite(&mut pdf, start, b"/FT /Sig", b"/FT /Xig");
        raw::overwrite(&mut pdf, start, b"/ByteRange", b"/ByteRangX");
    }
    pdf
}

/// An update whose `/Prev` points past A's seal revision at the unsealed
/// file's section: a reader following the chain never sees the seal's
/// revision as one (its bytes are inside the new revision's body).
fn prev_skips(w: &World) -> Vec<u8> {
    let unsealed_xref = raw::last_xref(&w.alone);
    Update::on(&w.sealed)
        .trailer("Prev", &unsealed_xref.to_string())
        .classic()
}

/// The last `startxref` rewritten to point at the unsealed file's section:
/// the seal's revision is bytes after the (new) last revision.
fn startxref_back(w: &World) -> Vec<u8> {
    let mut pdf = w.sealed.clone();
    let at = raw::rfind(&pdf, b"startxref");
    pdf.truncate(at);
    pdf.extend_from_slice(format!("startxref\n{}\n%%EOF\n", raw::last_xref(&w.alone)).as_bytes());
    pdf
}
