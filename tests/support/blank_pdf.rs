//! A one-page PDF as another tool might write it (lopdf: a classic
//! cross-reference table, a content stream, no form), a few hundred bytes:
//! the page the seal tests and the sealed-PDF fuzz seeds seal. Shared by
//! `src/seal/pdf/tests.rs` and `tests/fuzz_corpus.rs` through `#[path]`.

use lopdf::{Document, Object, Stream, dictionary};

/// The PDF's bytes.
#[allow(clippy::unwrap_used)]
pub fn blank_pdf() -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 72 720 Td (licence) Tj ET".to_vec(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page.into()],
            "Count" => 1,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}
