//! Class 2, type confusion and swaps in a later, validly signed revision:
//! the licence names B as co-issuer, A seals, and B's seal revision, signed
//! with B's own valid key, also changes what the document is: the trailer's
//! `/Root` at a new catalog typed `/Type/Sig` or carrying `/FT/Sig` (a
//! checker that classifies objects by type tags sees "a signature" and
//! skips it), a new page tree, a content stream typed as a form, another
//! embedded licence, another `/Info` or `/ID`. B's signature verifies;
//! what gives it away is that a seal revision may only add the seal.

use elicence::pdf::Object;

use super::content;
use super::cosign::SealRevision;
use super::raw::{self, name, r, with};
use super::world::{CO_SEALED, HOLDER, World};
use super::{Case, Expect};

/// What every co-signed edit must produce: A's seal no longer holds, and
/// B's revision is not a seal revision.
pub const CO_SIGNED: Expect = Expect::Refused {
    all: &["changed_after_sealing", "malformed_seal_revision"],
    any: &[],
};

pub fn cases(w: &World) -> Vec<Case> {
    let case = |name, pdf| Case {
        name,
        pdf,
        expect: CO_SIGNED,
    };
    vec![
        case(
            "co-signed-root-at-a-catalog-typed-sig",
            root_typed(w, "Type"),
        ),
        case(
            "co-signed-root-at-a-catalog-with-ft-sig",
            root_typed(w, "FT"),
        ),
        case("co-signed-new-page-tree", new_page_tree(w)),
        case("co-signed-content-stream-typed-form", form_typed_content(w)),
        case(
            "co-signed-replaces-the-embedded-files",
            replaces_embedded_files(w),
        ),
        case("co-signed-new-info", new_info(w)),
        case("co-signed-new-id", new_id(w)),
        case(
            "co-signed-xref-stream-revision-renames-the-holder",
            modern_rename(w),
        ),
    ]
}

/// B's honest seal revision over the joint licence A sealed.
fn b_revision(w: &World) -> SealRevision {
    SealRevision::honest(&w.b, &w.joint_a, CO_SEALED)
}

/// A copy of the catalog as B's revision writes it (with the form), typed
/// `/Type/Sig` (`key` "Type") or given `/FT/Sig` (`key` "FT"), and the
/// trailer's `/Root` pointed at it; its page tree is a new one whose page
/// shows the fake name.
fn root_typed(w: &World, key: &str) -> Vec<u8> {
    let mut rev = b_revision(w);
    let catalog = raw::root(&w.joint_a).number;
    let pages = fake_page_tree(&mut rev, w);
    let copy = rev.next_number();
    let new = with(
        &with(&rev.dict(catalog), key, name("Sig")),
        "Pages",
        r(pages),
    );
    rev.set(copy, &raw::dict_text(&new))
        .set_trailer("Root", r(copy));
    rev.sign(&w.b)
}

/// Adds a page tree to `rev` whose one page is the sealed page (with B's
/// widget) drawing the fake name: a new content stream and fonts. Returns
/// the tree's root.
fn fake_page_tree(rev: &mut SealRevision, w: &World) -> u32 {
    let base = &w.joint_a;
    let page = raw::first_page(base).number;
    let (pages, new_page, contents, fonts) = {
        let n = rev.next_number();
        (n, n + 1, n + 2, n + 3)
    };
    let resources = with(
        &raw::dict(
            base,
            raw::dict(base, page)
                .get(b"Resources")
                .unwrap()
                .as_reference()
                .unwrap()
                .number,
        ),
        "Font",
        r(fonts),
    );
    let page_dict = with(
        &with(
            &with(&rev.dict(page), "Parent", r(pages)),
            "Contents",
            r(contents),
        ),
        "Resources",
        Object::Dictionary(resources),
    );
    let (_, fonts_text) = content::with_fake_font(base);
    rev.set(
        pages,
        &format!("<</Type/Pages/Count 1/Kids[{new_page} 0 R]>>"),
    )
    .set(new_page, &raw::dict_text(&page_dict))
    .set_stream(contents, "", &content::replace_name(base, HOLDER))
    .set(fonts, &fonts_text);
    pages
}

/// B's revision rewrites the catalog (which it must rewrite anyway, to
/// add its field) with `/Pages` at a new page tree showing the fake name.
fn new_page_tree(w: &World) -> Vec<u8> {
    let mut rev = b_revision(w);
    let catalog = raw::root(&w.joint_a).number;
    let pages = fake_page_tree(&mut rev, w);
    let new = with(&rev.dict(catalog), "Pages", r(pages));
    rev.set(catalog, &raw::dict_text(&new));
    rev.sign(&w.b)
}

/// B's revision (which rewrites the page anyway, to add its widget) adds a
/// second content stream to the page, typed `/Type/XObject/Subtype/Form`
/// like an appearance, that paints the fake name over the real one.
fn form_typed_content(w: &World) -> Vec<u8> {
    let base = &w.joint_a;
    let mut rev = b_revision(w);
    let page = raw::first_page(base).number;
    let stream = rev.next_number();
    let (font_obj, fonts_text) = content::with_fake_font(base);
    let page_dict = with(
        &rev.dict(page),
        "Contents",
        Object::Array(vec![content::content_ref(base), r(stream)]),
    );
    rev.set(page, &raw::dict_text(&page_dict))
        .set_stream(
            stream,
            "/Type/XObject/Subtype/Form/BBox[0 0 842 596]",
            &content::overlay(base, HOLDER),
        )
        .set(font_obj, &fonts_text);
    rev.sign(&w.b)
}

/// B's revision (which rewrites the catalog anyway) points the catalog's
/// `/Names /EmbeddedFiles` at a new name tree holding another genuine
/// envelope of A's as `licence.cose`.
fn replaces_embedded_files(w: &World) -> Vec<u8> {
    let base = &w.joint_a;
    let mut rev = b_revision(w);
    let catalog = raw::root(base).number;
    let spec = rev.next_number();
    let file = spec + 1;
    let envelope = &w.other_envelope;
    let names = format!("<</EmbeddedFiles<</Names[(licence.cose) {spec} 0 R]>>>>");
    let mut new = raw::dict_text(&raw::without(&rev.dict(catalog), b"Names"));
    new.truncate(new.len() - 2);
    new.push_str(&format!("/Names{names}>>"));
    rev.set(catalog, &new)
        .set(
            spec,
            &format!(
                "<</Type/Filespec/F(licence.cose)/UF(licence.cose)/AFRelationship/Source/EF<</F {file} 0 R>>>>"
            ),
        )
        .set_stream(
            file,
            &format!(
                "/Type/EmbeddedFile/Subtype/application#2Fcose/Params<</Size {}>>",
                envelope.len()
            ),
            envelope,
        );
    rev.sign(&w.b)
}

/// B's revision points `/Info` at a new information dictionary.
fn new_info(w: &World) -> Vec<u8> {
    let mut rev = b_revision(w);
    let info = rev.next_number();
    rev.set(
        info,
        &format!("<</Title{}>>", raw::text_string(content::FAKE_NAME)),
    )
    .set_trailer("Info", r(info));
    rev.sign(&w.b)
}

/// B's revision changes the file identifier `/ID` (which some workflows
/// use to tell documents apart).
fn new_id(w: &World) -> Vec<u8> {
    let mut rev = b_revision(w);
    let id = Object::String(vec![0xEE; 16]);
    rev.set_trailer("ID", Object::Array(vec![id.clone(), id]));
    rev.sign(&w.b)
}

/// On a file written with cross-reference streams, B's revision (a
/// cross-reference stream, as the sealer writes it) also redefines the
/// page's content stream to show the fake name.
fn modern_rename(w: &World) -> Vec<u8> {
    let base = &w.joint_modern_a;
    let mut rev = SealRevision::honest(&w.b, base, CO_SEALED);
    let (fonts, fonts_text) = content::with_fake_font(base);
    rev.set(fonts, &fonts_text).set_stream(
        raw::page_content(base),
        "",
        &content::replace_name(base, HOLDER),
    );
    rev.sign(&w.b)
}
