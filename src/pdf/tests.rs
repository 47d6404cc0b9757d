#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;

use super::*;

fn id(number: u32) -> ObjRef {
    ObjRef {
        number,
        generation: 0,
    }
}

/// A file of `objects` (number, body) and a classic cross-reference table,
/// `/Root 1 0 R`, and `extra` added to the trailer.
fn classic(objects: &[(u32, &str)], extra: &str) -> Vec<u8> {
    // The binary comment is ASCII here so that tests can edit the file as text.
    let mut out = b"%PDF-1.7\n%binary\n".to_vec();
    let mut offsets = Vec::new();
    for (number, body) in objects {
        offsets.push((*number, out.len()));
        out.extend_from_slice(format!("{number} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let size = objects.iter().map(|o| o.0).max().unwrap_or(0) + 1;
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f\r\n").as_bytes());
    for n in 1..size {
        match offsets.iter().find(|(m, _)| *m == n) {
            Some((_, at)) => out.extend_from_slice(format!("{at:010} 00000 n\r\n").as_bytes()),
            None => out.extend_from_slice(b"0000000000 00001 f\r\n"),
        }
    }
    out.extend_from_slice(
        format!("trailer\n<</Size {size}/Root 1 0 R{extra}>>\nstartxref\n{xref}\n%%EOF\n")
            .as_bytes(),
    );
    out
}

/// `base` with an incremental update: `objects`, and `entries` (number,
/// row) in its table besides theirs.
fn update(base: &[u8], objects: &[(u32, &str)], free: &[u32], extra: &str) -> Vec<u8> {
    let doc = Document::read(base).unwrap();
    let prev = doc.revisions().last().unwrap().xref_offset;
    let size = doc
        .trailer(doc.latest())
        .unwrap()
        .get(b"Size")
        .unwrap()
        .as_i64()
        .unwrap();
    let mut out = base.to_vec();
    let mut rows = Vec::new();
    for (number, body) in objects {
        rows.push((*number, format!("{:010} 00000 n\r\n", out.len())));
        out.extend_from_slice(format!("{number} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    for number in free {
        rows.push((*number, "0000000000 00001 f\r\n".to_owned()));
    }
    rows.sort();
    let xref = out.len();
    out.extend_from_slice(b"xref\n");
    for (number, row) in rows {
        out.extend_from_slice(format!("{number} 1\n{row}").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<</Size {size}/Root 1 0 R/Prev {prev}{extra}>>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

const CATALOG: (u32, &str) = (1, "<</Type/Catalog/Pages 2 0 R>>");
const PAGES: (u32, &str) = (2, "<</Type/Pages/Kids[]/Count 0>>");

#[test]
fn reads_revisions_objects_and_strings() {
    let pdf = classic(
        &[
            CATALOG,
            PAGES,
            (
                3,
                r"<</A (a\(b\)\\c\101\n) /B <48 49 5> /C [1 -2 +3.5 .5 true null /N#41me 2 0 R]>>",
            ),
        ],
        "",
    );
    let doc = Document::read(&pdf).unwrap();
    assert_eq!(doc.revisions().len(), 1);
    assert_eq!(doc.tail_len(), 0);
    assert_eq!(doc.bodies().unwrap()[0].len(), 3);
    let object = doc.get(0, id(3)).unwrap().unwrap();
    let dict = object.as_dict().unwrap();
    assert_eq!(dict.get(b"A").unwrap().as_string().unwrap(), b"a(b)\\cA\n");
    assert_eq!(dict.get(b"B").unwrap().as_string().unwrap(), b"HIP");
    let c = dict.get(b"C").unwrap().as_array().unwrap();
    assert_eq!(c[0], Object::Integer(1));
    assert_eq!(c[1], Object::Integer(-2));
    assert_eq!(c[2], Object::Real(3.5));
    assert_eq!(c[3], Object::Real(0.5));
    assert_eq!(c[6], Object::Name(b"NAme".to_vec()));
    assert_eq!(c[7], Object::Reference(id(2)));
    assert!(doc.catalog(0).is_ok());
    // A reference to an object that is not there is null.
    assert_eq!(
        *doc.resolve(0, &Object::Reference(id(9))).unwrap(),
        Object::Null
    );
}

#[test]
fn a_later_free_entry_deletes_the_object() {
    let base = classic(&[CATALOG, PAGES, (3, "(shown)")], "");
    let freed = update(&base, &[], &[3], "");
    let doc = Document::read(&freed).unwrap();
    assert_eq!(doc.revisions().len(), 2);
    assert!(doc.get(0, id(3)).unwrap().is_some());
    assert!(
        doc.get(1, id(3)).unwrap().is_none(),
        "a freed object must stay freed"
    );
}

#[test]
fn an_entry_must_point_at_its_own_object() {
    let mut pdf = classic(&[CATALOG, PAGES, (3, "(three)"), (4, "(four)")], "");
    // Point entry 3 at object 4's header.
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let four = text.find("4 0 obj").unwrap();
    let three = text.find("3 0 obj").unwrap();
    let row = format!("{three:010} 00000 n");
    let at = text.find(&row).unwrap();
    pdf[at..at + 10].copy_from_slice(format!("{four:010}").as_bytes());
    let doc = Document::read(&pdf).unwrap();
    assert!(matches!(
        doc.get(0, id(3)),
        Err(PdfReadError::ObjectHeaderMismatch { .. })
    ));
    assert!(matches!(
        doc.bodies(),
        Err(PdfReadError::EntryMismatch { number: 3, .. })
    ));
}

#[test]
fn an_entry_into_the_middle_of_an_object_is_refused() {
    // Object 3 hides "4 0 obj" inside a string; entry 4 points there.
    let pdf = classic(&[CATALOG, PAGES, (3, "(x\n4 0 obj (hidden) endobj\n)")], "");
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let hidden = text.find("4 0 obj (hidden)").unwrap();
    let update = {
        let doc = Document::read(&pdf).unwrap();
        let prev = doc.revisions()[0].xref_offset;
        let mut out = pdf.clone();
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n4 1\n{hidden:010} 00000 n\r\ntrailer\n<</Size 5/Root 1 0 R/Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        out
    };
    let doc = Document::read(&update).unwrap();
    assert!(matches!(
        doc.bodies(),
        Err(PdfReadError::EntryMismatch { number: 4, .. })
    ));
}

#[test]
fn a_number_twice_in_a_section_or_a_body_is_refused() {
    let pdf = classic(&[CATALOG, PAGES], "");
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let doubled = text.replace("trailer", "1 1\n0000000015 00000 n\r\ntrailer");
    assert!(matches!(
        Document::read(doubled.as_bytes()),
        Err(PdfReadError::DuplicateEntry { number: 1, .. })
    ));
    let twice = classic(&[CATALOG, PAGES, (3, "(a)"), (3, "(b)")], "");
    let doc = Document::read(&twice).unwrap();
    assert!(matches!(
        doc.bodies(),
        Err(PdfReadError::DuplicateObject { number: 3, .. })
    ));
}

#[test]
fn hybrid_encrypted_and_looping_files_are_refused() {
    let hybrid = classic(&[CATALOG, PAGES], "/XRefStm 0");
    assert!(matches!(
        Document::read(&hybrid),
        Err(PdfReadError::HybridReference { .. })
    ));
    let encrypted = classic(&[CATALOG, PAGES], "/Encrypt 1 0 R");
    assert_eq!(
        Document::read(&encrypted).unwrap_err(),
        PdfReadError::Encrypted
    );
    let base = classic(&[CATALOG, PAGES], "");
    let xref = Document::read(&base).unwrap().revisions()[0].xref_offset;
    // /Prev pointing at its own section, or forward.
    for prev in [xref, xref + 10_000] {
        let text = String::from_utf8_lossy(&base)
            .replace("/Root 1 0 R>>", &format!("/Root 1 0 R/Prev {prev}>>"));
        assert!(matches!(
            Document::read(text.as_bytes()),
            Err(PdfReadError::Structure { .. })
        ));
    }
    assert_eq!(
        Document::read(b"not a pdf").unwrap_err(),
        PdfReadError::NotPdf
    );
    assert_eq!(
        Document::read(b"%PDF-1.7\nno cross-references").unwrap_err(),
        PdfReadError::NoStartxref
    );
}

#[test]
fn a_dictionary_repeating_a_key_or_nesting_too_deep_is_refused() {
    let pdf = classic(&[CATALOG, PAGES, (3, "<</A 1/A 2>>")], "");
    let doc = Document::read(&pdf).unwrap();
    assert!(matches!(
        doc.get(0, id(3)),
        Err(PdfReadError::Syntax { .. })
    ));
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let pdf = classic(&[CATALOG, PAGES, (3, &deep)], "");
    let doc = Document::read(&pdf).unwrap();
    assert!(matches!(
        doc.get(0, id(3)),
        Err(PdfReadError::LimitExceeded {
            limit: "nesting depth",
            ..
        })
    ));
}

/// A file whose only cross-reference section is a stream `dict` over `rows`.
fn with_xref_stream(dict: &str, rows: &[u8]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let catalog = out.len();
    out.extend_from_slice(b"1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n");
    let pages = out.len();
    out.extend_from_slice(b"2 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n");
    let xref = out.len();
    let _ = (catalog, pages);
    out.extend_from_slice(
        format!("3 0 obj\n<<{dict}/Length {}>>\nstream\n", rows.len()).as_bytes(),
    );
    out.extend_from_slice(rows);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

#[test]
fn cross_reference_streams_are_read_with_predictors_and_their_sizes_checked() {
    // Rows for objects 0..4: type, offset (2 bytes), generation.
    let mut plain = b"%PDF-1.7\n".to_vec();
    let catalog_at = plain.len();
    plain.extend_from_slice(b"1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n");
    let pages_at = plain.len();
    plain.extend_from_slice(b"2 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n");
    let xref_at = plain.len();
    let rows = |at: usize| [1u8, (at >> 8) as u8, at as u8, 0];
    let raw: Vec<[u8; 4]> = vec![
        [0, 0, 0, 255],
        rows(catalog_at),
        rows(pages_at),
        rows(xref_at),
    ];
    // PNG Up predictor, one filter byte per row.
    let mut predicted = Vec::new();
    let mut previous = [0u8; 4];
    for row in &raw {
        predicted.push(2);
        for i in 0..4 {
            predicted.push(row[i].wrapping_sub(previous[i]));
        }
        previous = *row;
    }
    let data = deflate(&predicted);
    let pdf = with_xref_stream(
        "/Type/XRef/Size 4/W[1 2 1]/Root 1 0 R/Filter/FlateDecode/DecodeParms<</Predictor 12/Columns 4>>",
        &data,
    );
    let doc = Document::read(&pdf).unwrap();
    assert_eq!(doc.revisions()[0].kind, XrefKind::Stream);
    assert!(doc.catalog(0).is_ok());
    assert!(doc.bodies().is_ok());

    let refused =
        |dict: &str, rows: &[u8]| Document::read(&with_xref_stream(dict, rows)).unwrap_err();
    // A field wider than 8 bytes, rows of no width, counts that do not
    // match the data: refused before anything is allocated from them.
    assert!(matches!(
        refused(
            "/Type/XRef/Size 4/W[1 1099511627776 1]/Root 1 0 R",
            &[0; 12]
        ),
        PdfReadError::Xref { .. }
    ));
    assert!(matches!(
        refused(
            "/Type/XRef/Size 4/W[0 0 0]/Index[0 2000000000]/Root 1 0 R",
            &[]
        ),
        PdfReadError::Xref { .. }
    ));
    assert!(matches!(
        refused(
            "/Type/XRef/Size 4/W[1 2 1]/Index[0 2000000000]/Root 1 0 R",
            &[0; 16]
        ),
        PdfReadError::Xref { .. }
    ));
    // A deflate bomb: 64 MiB of zeros in a few kilobytes.
    let bomb = deflate(&vec![0u8; 64 * 1024 * 1024]);
    assert!(bomb.len() < 100 * 1024);
    assert!(matches!(
        refused(
            "/Type/XRef/Size 4/W[1 2 1]/Root 1 0 R/Filter/FlateDecode",
            &bomb
        ),
        PdfReadError::LimitExceeded { .. }
    ));
}

#[test]
fn objects_in_object_streams_are_checked_against_their_headers() {
    let objects = b"(in stream) (second)";
    let header = b"3 0 4 12 ";
    let mut data = header.to_vec();
    data.extend_from_slice(objects);
    let stream = format!(
        "<</Type/ObjStm/N 2/First {}/Length {}>>\nstream\n{}\nendstream",
        header.len(),
        data.len(),
        String::from_utf8_lossy(&data)
    );
    let pdf = classic(&[CATALOG, PAGES, (5, &stream)], "");
    // Entries 3 and 4 as compressed: an xref stream update would say so; here
    // the object stream is read through the body instead.
    let doc = Document::read(&pdf).unwrap();
    let bodies = doc.bodies().unwrap();
    let inside: Vec<u32> = bodies[0]
        .iter()
        .filter(|o| o.in_stream == Some(5))
        .map(|o| o.id.number)
        .collect();
    assert_eq!(inside, vec![3, 4]);
    // A stream whose header names a number twice is refused.
    let twice = stream.replace("3 0 4 12", "3 0 3 12");
    let pdf = classic(&[CATALOG, PAGES, (5, &twice)], "");
    assert!(matches!(
        Document::read(&pdf).unwrap().bodies(),
        Err(PdfReadError::ObjectStream { .. })
    ));
}

#[test]
fn garbage_between_objects_is_refused_and_limits_bound_the_work() {
    let mut pdf = classic(&[CATALOG, PAGES], "");
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let at = text.find("2 0 obj").unwrap();
    // Overwrite the newline before object 2 with a stray token: offsets stay.
    pdf[at - 1] = b'x';
    assert!(Document::read(&pdf).unwrap().bodies().is_err());

    let many = format!("[{}]", "0 ".repeat(200_000));
    let pdf = classic(&[CATALOG, PAGES, (3, &many)], "");
    let limits = Limits {
        max_parsed_objects: 100_000,
        ..Limits::default()
    };
    let doc = Document::read_with(&pdf, limits).unwrap();
    assert!(matches!(
        doc.get(0, id(3)),
        Err(PdfReadError::LimitExceeded {
            limit: "objects parsed",
            ..
        })
    ));
    let huge = vec![b' '; MAX_PDF_LEN + 1];
    assert!(matches!(
        Document::read(&huge),
        Err(PdfReadError::TooLarge { .. })
    ));
}

#[test]
fn every_error_has_a_code() {
    let errors = [
        PdfReadError::NotPdf,
        PdfReadError::NoStartxref,
        PdfReadError::Encrypted,
        PdfReadError::HybridReference { offset: 0 },
    ];
    for e in errors {
        assert!(!e.code().is_empty() && !e.to_string().is_empty());
    }
}
