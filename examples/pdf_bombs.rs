//! Writes the reader's bomb corpus: PDFs of at most 16 MiB built to cost a
//! lenient reader gigabytes or forever, each a few kilobytes appended to a
//! real sealed licence PDF (or, for the size cases, a file near the size
//! cap). `.ci/pdf_bounds.sh` judges each with `verify_pdf` under a memory
//! limit and reports peak memory and time.
//!
//! Usage: `pdf_bombs SEALED.pdf OUT_DIR`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::path::Path;

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Where the last cross-reference section starts, from the file's own
/// `startxref`.
fn last_xref(pdf: &[u8]) -> usize {
    let at = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
    let digits: String = pdf[at + 9..]
        .iter()
        .map(|&b| b as char)
        .skip_while(|c| c.is_whitespace())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// `base`, then `body` (objects) and a cross-reference stream with
/// `dict` over `data`, as an incremental update.
fn xref_stream_update(base: &[u8], body: &[u8], dict: &str, data: &[u8]) -> Vec<u8> {
    let mut out = base.to_vec();
    out.extend_from_slice(body);
    let at = out.len();
    out.extend_from_slice(
        format!(
            "99990 0 obj\n<</Type/XRef/Size 99991/Root 1 0 R/Prev {}{dict}/Length {}>>\nstream\n",
            last_xref(base),
            data.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(data);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
    out
}

/// `base` and a classic update listing `objects`, with `extra` in its trailer.
fn classic_update(base: &[u8], objects: &[(u32, Vec<u8>)], size: u64) -> Vec<u8> {
    let mut out = base.to_vec();
    let mut rows = String::new();
    for (number, body) in objects {
        rows.push_str(&format!("{number} 1\n{:010} 00000 n\r\n", out.len()));
        out.extend_from_slice(format!("{number} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let at = out.len();
    out.extend_from_slice(
        format!(
            "xref\n{rows}trailer\n<</Size {size}/Root 1 0 R/Prev {}>>\nstartxref\n{at}\n%%EOF\n",
            last_xref(base)
        )
        .as_bytes(),
    );
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, out] = args.as_slice() else {
        eprintln!("usage: pdf_bombs SEALED.pdf OUT_DIR");
        std::process::exit(2);
    };
    let base = std::fs::read(base).unwrap();
    let out = Path::new(out);
    std::fs::create_dir_all(out).unwrap();
    let write = |name: &str, bytes: Vec<u8>| {
        assert!(bytes.len() <= 16 * 1024 * 1024, "{name}");
        std::fs::write(out.join(format!("{name}.pdf")), bytes).unwrap();
    };
    let zeros = deflate(&vec![0u8; 1024 * 1024 * 1024]);

    // Decompression bombs: 1 GiB of zeros (about 1 MB deflated) as an xref
    // stream, as an object stream, and as the embedded envelope.
    write(
        "bomb-xref-stream-1g",
        xref_stream_update(&base, b"", "/W[1 4 2]/Filter/FlateDecode", &zeros),
    );
    let mut objstm = format!(
        "99989 0 obj\n<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length {}>>\nstream\n",
        zeros.len()
    )
    .into_bytes();
    objstm.extend_from_slice(&zeros);
    objstm.extend_from_slice(b"\nendstream\nendobj\n");
    write(
        "bomb-object-stream-1g",
        xref_stream_update(
            &base,
            &objstm,
            "/W[1 4 2]/Index[99990 1]",
            &[1, 0, 0, 0, 0, 0, 0],
        ),
    );
    // Rows and widths that promise more than the data holds.
    write(
        "bomb-w-terabyte-field",
        xref_stream_update(&base, b"", "/W[1 1099511627776 1]", &[0; 64]),
    );
    write(
        "bomb-w-zero-width-two-billion-rows",
        xref_stream_update(&base, b"", "/W[0 0 0]/Index[0 2000000000]", &[]),
    );
    write(
        "bomb-index-two-billion-rows",
        xref_stream_update(&base, b"", "/W[1 4 2]/Index[0 2000000000]", &[0; 7]),
    );
    write(
        "bomb-size-four-billion",
        classic_update(&base, &[(99989, b"null".to_vec())], 4_000_000_000),
    );
    // A /Prev loop: the update's /Prev points at itself.
    let mut looping = base.clone();
    let at = looping.len();
    looping.extend_from_slice(
        format!("xref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 1/Root 1 0 R/Prev {at}>>\nstartxref\n{at}\n%%EOF\n")
            .as_bytes(),
    );
    write("bomb-prev-loop", looping);
    // Nesting 1,000,000 deep.
    let mut deep = vec![b'['; 1_000_000];
    deep.extend(vec![b']'; 1_000_000]);
    write(
        "bomb-nesting-1m",
        classic_update(&base, &[(99989, deep)], 99991),
    );
    // 16 MiB of small objects in one array: a lenient reader builds 8 M values.
    let room = 16 * 1024 * 1024 - base.len() - 4096;
    let mut ints = b"[".to_vec();
    while ints.len() < room - 2 {
        ints.extend_from_slice(b"0 ");
    }
    ints.push(b']');
    write(
        "bomb-eight-million-integers",
        classic_update(&base, &[(99989, ints)], 99991),
    );
    // 200,001 cross-reference entries, all to one object.
    let mut many = base.clone();
    let obj = many.len();
    many.extend_from_slice(b"99989 0 obj\nnull\nendobj\n");
    let at = many.len();
    let mut table = b"xref\n0 200001\n".to_vec();
    for _ in 0..200_001 {
        table.extend_from_slice(format!("{obj:010} 00000 n\r\n").as_bytes());
    }
    many.extend_from_slice(&table);
    many.extend_from_slice(
        format!(
            "trailer\n<</Size 200001/Root 1 0 R/Prev {}>>\nstartxref\n{at}\n%%EOF\n",
            last_xref(&base)
        )
        .as_bytes(),
    );
    write("bomb-two-hundred-thousand-entries", many);
    // 2,000 revisions of nothing.
    let mut revisions = base.clone();
    for _ in 0..2_000 {
        revisions = classic_update(&revisions, &[], 99991);
    }
    write("bomb-two-thousand-revisions", revisions);
    // One 4 MiB string object redefined in 60 revisions: each view parses it.
    let big = {
        let mut s = b"(".to_vec();
        s.extend(vec![b'a'; 4 * 1024 * 1024 / 60 * 14]);
        s.push(b')');
        s
    };
    let mut shadows = classic_update(&base, &[(99989, big)], 99991);
    for _ in 0..59 {
        shadows = classic_update(&shadows, &[], 99991);
    }
    write("bomb-sixty-views-of-one-big-string", shadows);
}
