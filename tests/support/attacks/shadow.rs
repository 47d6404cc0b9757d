//! Class 3, shadow attacks (Mainka, Mladenov, Rohlmann, NDSS 2021) and the
//! parser differentials they lean on. Hide: the document A seals already
//! carries objects nothing uses (a page drawing the fake name, a whole
//! second catalog with another licence); a later revision, unsigned or
//! signed by the co-signer B, only switches references to them, so
//! nothing "new" appears after the seal. Replace: a later revision
//! redefines sealed objects. Below those, the tricks that make two readers
//! see two documents: free entries over live objects, one number defined
//! twice in one body, an entry whose offset holds another object, object
//! streams that redefine, hybrid-reference sections. The strict reader
//! refuses the differentials outright (`unreadable_pdf`); the rest are
//! bytes no seal covers or a seal revision that is not one.

use elicence::pdf::Object;

use super::content;
use super::cosign::SealRevision;
use super::cosigner::CO_SIGNED;
use super::raw::{self, Row, Update, r, with};
use super::world::{CO_SEALED, HOLDER, SEALED, World};
use super::{Case, Expect};

const UNSEALED: Expect = Expect::Refused {
    all: &["unsealed_bytes_after_last_seal"],
    any: &[],
};
const UNREADABLE: Expect = Expect::Refused {
    all: &["unreadable_pdf"],
    any: &[],
};

pub fn cases(w: &World) -> Vec<Case> {
    let case = |name, pdf, expect| Case { name, pdf, expect };
    let hidden = Hidden::sealed(w, &w.alone);
    let hidden_joint = Hidden::sealed(w, &w.joint);
    vec![
        // The hidden objects alone are no attack: nothing uses them.
        case(
            "control-unused-objects-sealed",
            hidden.sealed.clone(),
            Expect::Valid,
        ),
        case(
            "shadow-hide-unsigned-switch",
            hidden.switch_unsigned(),
            UNSEALED,
        ),
        case(
            "shadow-hide-co-signed-switch",
            hidden_joint.switch_co_signed(w),
            CO_SIGNED,
        ),
        case(
            "shadow-hide-and-replace-unsigned-root",
            hidden.root_unsigned(),
            UNSEALED,
        ),
        case(
            "shadow-hide-and-replace-co-signed-root",
            hidden_joint.root_co_signed(w),
            CO_SIGNED,
        ),
        case(
            "shadow-replace-co-signed-content",
            replace_co_signed(w),
            CO_SIGNED,
        ),
        case(
            "shadow-free-entries-unsigned",
            free_unsigned(&w.sealed),
            UNSEALED,
        ),
        case("shadow-free-entry-co-signed", free_co_signed(w), CO_SIGNED),
        case(
            "shadow-duplicate-object-unsigned",
            duplicate_unsigned(&w.sealed),
            UNREADABLE,
        ),
        case(
            "shadow-duplicate-object-co-signed",
            duplicate_co_signed(w),
            UNREADABLE,
        ),
        case(
            "shadow-header-mismatch-unsigned",
            mismatch_unsigned(&w.sealed),
            UNREADABLE,
        ),
        case(
            "shadow-header-mismatch-co-signed",
            mismatch_co_signed(w),
            UNREADABLE,
        ),
        case(
            "shadow-object-stream-redefines-the-page",
            objstm_page(&w.sealed),
            UNSEALED,
        ),
        case(
            "shadow-object-stream-number-twice",
            objstm_twice(&w.sealed),
            UNREADABLE,
        ),
        case(
            "shadow-object-stream-shadows-a-plain-object",
            objstm_and_plain(&w.sealed),
            Expect::Refused {
                all: &[],
                any: &["unreadable_pdf", "unsealed_bytes_after_last_seal"],
            },
        ),
        case(
            "shadow-object-stream-co-signed",
            objstm_co_signed(w),
            CO_SIGNED,
        ),
        case(
            "shadow-hybrid-reference-unsigned",
            hybrid_unsigned(&w.sealed),
            UNREADABLE,
        ),
        case(
            "shadow-hybrid-reference-co-signed",
            hybrid_co_signed(w),
            UNREADABLE,
        ),
        case(
            "shadow-empty-signature-field-planted-before-the-seal",
            planted_field(w),
            Expect::Refused {
                all: &["unaccounted_signature_object"],
                any: &[],
            },
        ),
    ]
}

/// A licence PDF carrying hidden objects when A seals it: a page drawing
/// the fake name (its content, fonts, resources, page, page tree) and a
/// second catalog using that page tree and holding another licence.
struct Hidden {
    sealed: Vec<u8>,
    content: u32,
    resources: u32,
    catalog: u32,
}

impl Hidden {
    /// `base` with the hidden objects added in an unsigned revision (the
    /// preparer of the document is the attacker), sealed by A.
    fn sealed(w: &World, base: &[u8]) -> Hidden {
        let n = raw::size(base);
        let [content, fonts, resources, page, pages, catalog, spec, file] =
            std::array::from_fn(|i| n + i as u32);
        let page_number = raw::first_page(base).number;
        let old_resources = raw::dict(base, page_number)
            .get(b"Resources")
            .unwrap()
            .as_reference()
            .unwrap()
            .number;
        let (_, fonts_text) = content::with_fake_font(base);
        let hidden_page = with(
            &with(
                &with(&raw::dict(base, page_number), "Contents", r(content)),
                "Resources",
                r(resources),
            ),
            "Parent",
            r(pages),
        );
        let hidden_catalog = with(
            &with(&raw::dict(base, raw::root(base).number), "Pages", r(pages)),
            "Names",
            Object::Dictionary(elicence::pdf::Dictionary::from_entries([(
                b"EmbeddedFiles".as_slice(),
                Object::Dictionary(elicence::pdf::Dictionary::from_entries([(
                    b"Names".as_slice(),
                    Object::Array(vec![Object::String(b"licence.cose".to_vec()), r(spec)]),
                )])),
            )])),
        );
        let envelope = &w.other_envelope;
        let prepared = Update::on(base)
            .stream(content, "", &content::replace_name(base, HOLDER))
            .object(fonts, &fonts_text)
            .object(
                resources,
                &raw::dict_text(&with(&raw::dict(base, old_resources), "Font", r(fonts))),
            )
            .object(page, &raw::dict_text(&hidden_page))
            .object(pages, &format!("<</Type/Pages/Count 1/Kids[{page} 0 R]>>"))
            .object(catalog, &raw::dict_text(&hidden_catalog))
            .object(
                spec,
                &format!("<</Type/Filespec/F(licence.cose)/UF(licence.cose)/EF<</F {file} 0 R>>>>"),
            )
            .stream(
                file,
                &format!("/Type/EmbeddedFile/Params<</Size {}>>", envelope.len()),
                envelope,
            )
            .classic();
        Hidden {
            sealed: w.a.seal(&prepared, SEALED),
            content,
            resources,
            catalog,
        }
    }

    /// The sealed page, its `/Contents` and `/Resources` switched to the
    /// hidden ones.
    fn switched_page(&self, page: &elicence::pdf::Dictionary) -> String {
        raw::dict_text(&with(
            &with(page, "Contents", r(self.content)),
            "Resources",
            r(self.resources),
        ))
    }

    /// Hide, unsigned: a revision that rewrites only the page's two
    /// references.
    fn switch_unsigned(&self) -> Vec<u8> {
        let page = raw::first_page(&self.sealed).number;
        let text = self.switched_page(&raw::dict(&self.sealed, page));
        Update::on(&self.sealed).object(page, &text).classic()
    }

    /// Hide, co-signed: B's seal revision rewrites the page anyway (to add
    /// its widget) and switches its references too.
    fn switch_co_signed(&self, w: &World) -> Vec<u8> {
        let mut rev = SealRevision::honest(&w.b, &self.sealed, CO_SEALED);
        let page = raw::first_page(&self.sealed).number;
        let text = self.switched_page(&rev.dict(page));
        rev.set(page, &text);
        rev.sign(&w.b)
    }

    /// Hide-and-replace, unsigned: an update of nothing but a trailer whose
    /// `/Root` is the hidden catalog (another page, another licence).
    fn root_unsigned(&self) -> Vec<u8> {
        Update::on(&self.sealed)
            .trailer("Root", &format!("{} 0 R", self.catalog))
            .classic()
    }

    /// Hide-and-replace, co-signed: B's seal revision's trailer points
    /// `/Root` at the hidden catalog.
    fn root_co_signed(&self, w: &World) -> Vec<u8> {
        let mut rev = SealRevision::honest(&w.b, &self.sealed, CO_SEALED);
        rev.set_trailer("Root", r(self.catalog));
        rev.sign(&w.b)
    }
}

/// Replace, co-signed: B's seal revision redefines the sealed page's
/// content stream (and fonts) to show the fake name.
fn replace_co_signed(w: &World) -> Vec<u8> {
    let base = &w.joint_a;
    let mut rev = SealRevision::honest(&w.b, base, CO_SEALED);
    let (fonts, fonts_text) = content::with_fake_font(base);
    rev.set(fonts, &fonts_text).set_stream(
        raw::page_content(base),
        "",
        &content::replace_name(base, HOLDER),
    );
    rev.sign(&w.b)
}

/// Free entries over the page's content and the embedded licence: the page
/// goes blank and the licence is gone, in an unsigned revision.
fn free_unsigned(sealed: &[u8]) -> Vec<u8> {
    Update::on(sealed)
        .row(raw::page_content(sealed), Row::Free { generation: 1 })
        .row(raw::envelope_stream(sealed), Row::Free { generation: 1 })
        .classic()
}

/// B's seal revision also lists the page's content stream as free.
fn free_co_signed(w: &World) -> Vec<u8> {
    let mut rev = SealRevision::honest(&w.b, &w.joint_a, CO_SEALED);
    rev.row(raw::page_content(&w.joint_a), Row::Free { generation: 1 });
    rev.sign(&w.b)
}

/// A stream object `number` as text.
fn stream_object(number: u32, dict: &str, data: &[u8]) -> Vec<u8> {
    let mut out =
        format!("{number} 0 obj\n<<{dict}/Length {}>>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    out
}

/// One revision's body defines the page's content stream twice: first
/// with the holder's credit code changed (listed by no row), then as it
/// was (listed). A reader that scans bodies, or repairs, may keep the
/// first.
fn duplicate_unsigned(sealed: &[u8]) -> Vec<u8> {
    let number = raw::page_content(sealed);
    let fake = content::replace_text(
        sealed,
        super::world::HOLDER_CODE,
        super::incremental::FAKE_CODE,
    );
    Update::on(sealed)
        .raw(&stream_object(number, "", &fake))
        .stream(number, "", &raw::stream_data(sealed, number))
        .classic()
}

/// B's seal revision defines the page twice: first as a page whose
/// content is empty (unlisted), then as the sealer wrote it.
fn duplicate_co_signed(w: &World) -> Vec<u8> {
    let base = &w.joint_a;
    let mut rev = SealRevision::honest(&w.b, base, CO_SEALED);
    let page = raw::first_page(base).number;
    let fake = with(&rev.dict(page), "Contents", Object::Array(vec![]));
    rev.prepend_raw(format!("{page} 0 obj\n{}\nendobj\n", raw::dict_text(&fake)).as_bytes());
    rev.sign(&w.b)
}

/// The row for the page's content stream points at an object whose
/// header says it is another number: readers that trust the header, or
/// the entry, read different things.
fn mismatch_unsigned(sealed: &[u8]) -> Vec<u8> {
    let number = raw::page_content(sealed);
    let other = raw::size(sealed);
    let fake = content::replace_text(
        sealed,
        super::world::HOLDER_CODE,
        super::incremental::FAKE_CODE,
    );
    let update = Update::on(sealed);
    let at = update.here();
    update
        .raw(&stream_object(other, "", &fake))
        .row(
            number,
            Row::InUse {
                offset: at,
                generation: 0,
            },
        )
        .classic()
}

/// B's seal revision writes its widget's bytes under another object
/// number's header.
fn mismatch_co_signed(w: &World) -> Vec<u8> {
    let mut rev = SealRevision::honest(&w.b, &w.joint_a, CO_SEALED);
    let widget = rev.widget();
    let other = rev.next_number();
    let text = raw::dict_text(&rev.dict(widget));
    rev.set_bytes(
        widget,
        format!("{other} 0 obj\n{text}\nendobj\n").into_bytes(),
    );
    rev.sign(&w.b)
}

/// An unsigned cross-reference-stream revision whose object stream
/// redefines the page (its content at a new plain stream), the fonts
/// plainly beside it.
fn objstm_page(sealed: &[u8]) -> Vec<u8> {
    let n = raw::size(sealed);
    let (objstm, content) = (n, n + 1);
    let page = raw::first_page(sealed).number;
    let (fonts, fonts_text) = content::with_fake_font(sealed);
    let page_text = raw::dict_text(&with(&raw::dict(sealed, page), "Contents", r(content)));
    Update::on(sealed)
        .written(objstm, &raw::object_stream(objstm, &[(page, page_text)]))
        .row(
            page,
            Row::Compressed {
                stream: objstm,
                index: 0,
            },
        )
        .stream(content, "", &content::replace_name(sealed, HOLDER))
        .object(fonts, &fonts_text)
        .xref_stream(n + 2, "")
}

/// An object stream holding the page twice, as sealed and with the fake
/// content; the row names the second.
fn objstm_twice(sealed: &[u8]) -> Vec<u8> {
    let n = raw::size(sealed);
    let (objstm, content) = (n, n + 1);
    let page = raw::first_page(sealed).number;
    let (fonts, fonts_text) = content::with_fake_font(sealed);
    let genuine = raw::dict_text(&raw::dict(sealed, page));
    let fake = raw::dict_text(&with(&raw::dict(sealed, page), "Contents", r(content)));
    Update::on(sealed)
        .written(
            objstm,
            &raw::object_stream(objstm, &[(page, genuine), (page, fake)]),
        )
        .row(
            page,
            Row::Compressed {
                stream: objstm,
                index: 1,
            },
        )
        .stream(content, "", &content::replace_name(sealed, HOLDER))
        .object(fonts, &fonts_text)
        .xref_stream(n + 2, "")
}

/// One revision holds the page plainly (as sealed, listed) and in an
/// object stream (with the fake content, unlisted).
fn objstm_and_plain(sealed: &[u8]) -> Vec<u8> {
    let n = raw::size(sealed);
    let (objstm, content) = (n, n + 1);
    let page = raw::first_page(sealed).number;
    let (fonts, fonts_text) = content::with_fake_font(sealed);
    let fake = raw::dict_text(&with(&raw::dict(sealed, page), "Contents", r(content)));
    Update::on(sealed)
        .raw(&raw::object_stream(objstm, &[(page, fake)]))
        .object(page, &raw::dict_text(&raw::dict(sealed, page)))
        .stream(content, "", &content::replace_name(sealed, HOLDER))
        .object(fonts, &fonts_text)
        .xref_stream(n + 2, "")
}

/// On a cross-reference-stream file, B's seal revision stores the page
/// (with its widget, and the fake content) in an object stream instead of
/// plainly.
fn objstm_co_signed(w: &World) -> Vec<u8> {
    let base = &w.joint_modern_a;
    let mut rev = SealRevision::honest(&w.b, base, CO_SEALED);
    let page = raw::first_page(base).number;
    let objstm = rev.next_number();
    let content = objstm + 1;
    let (fonts, fonts_text) = content::with_fake_font(base);
    let page_text = raw::dict_text(&with(&rev.dict(page), "Contents", r(content)));
    rev.remove(page)
        .set_bytes(objstm, raw::object_stream(objstm, &[(page, page_text)]))
        .row(
            page,
            Row::Compressed {
                stream: objstm,
                index: 0,
            },
        )
        .set_stream(content, "", &content::replace_name(base, HOLDER))
        .set(fonts, &fonts_text);
    rev.sign(&w.b)
}

/// A classic section whose trailer has `/XRefStm` at a cross-reference
/// stream in the same body that moves the page's content to a fake one:
/// readers that honour `/XRefStm` (PDF 1.5 aware) and those that do not
/// read two pages.
fn hybrid_unsigned(sealed: &[u8]) -> Vec<u8> {
    let n = raw::size(sealed);
    let content = raw::page_content(sealed);
    let fake = content::replace_text(
        sealed,
        super::world::HOLDER_CODE,
        super::incremental::FAKE_CODE,
    );
    let update = Update::on(sealed);
    let content_at = update.here();
    let content_bytes = stream_object(content, "", &fake);
    let xref_at = content_at + content_bytes.len();
    let rows = [(
        content,
        Row::InUse {
            offset: content_at,
            generation: 0,
        },
    )];
    update
        .raw(&content_bytes)
        .raw(&raw::xref_stream_object(
            n,
            &rows,
            &format!("/Size {}", n + 1),
        ))
        .trailer("XRefStm", &xref_at.to_string())
        .trailer("Size", &(n + 1).to_string())
        .classic()
}

/// B's seal revision's trailer gains `/XRefStm` at a cross-reference
/// stream it adds, which lists the page's content stream at a fake one
/// (written first in the revision, listed in no table row).
fn hybrid_co_signed(w: &World) -> Vec<u8> {
    let base = &w.joint_a;
    let mut rev = SealRevision::honest(&w.b, base, CO_SEALED);
    let content = raw::page_content(base);
    let fake = content::replace_text(
        base,
        super::world::HOLDER_CODE,
        super::incremental::FAKE_CODE,
    );
    rev.prepend_raw(&stream_object(content, "", &fake));
    let xref = rev.next_number();
    let rows = [(
        content,
        Row::InUse {
            offset: base.len(),
            generation: 0,
        },
    )];
    rev.set_bytes(
        xref,
        raw::xref_stream_object(xref, &rows, &format!("/Size {}", xref + 1)),
    );
    // The stream's offset does not depend on the trailer, written after it.
    rev.set_trailer("XRefStm", Object::Integer(0));
    let at = raw::rfind(&rev.unsigned(), format!("\n{xref} 0 obj").as_bytes()) + 1;
    rev.set_trailer("XRefStm", Object::Integer(i64::try_from(at).unwrap()));
    rev.sign(&w.b)
}

/// The preparer plants an empty signature field (a widget with `/FT
/// /Sig` and no value, on no page) before A seals, for someone to sign
/// into later: every signature-like object must belong to a checked seal,
/// and this one belongs to none.
fn planted_field(w: &World) -> Vec<u8> {
    let base = &w.alone;
    let page = raw::first_page(base).number;
    let planted = Update::on(base)
        .object(
            raw::size(base),
            &format!(
                "<</Type/Annot/Subtype/Widget/FT/Sig/T(Seal9)/Rect[0 0 0 0]/F 132/P {page} 0 R>>"
            ),
        )
        .classic();
    w.a.seal(&planted, SEALED)
}
