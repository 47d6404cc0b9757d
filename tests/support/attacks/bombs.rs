//! Class 8, denial of service: a few kilobytes (or one file of at most
//! 16 MiB) appended to a sealed licence PDF that cost a lenient reader
//! gigabytes or forever: inflate bombs in a cross-reference stream and an
//! object stream, row widths and counts that promise more than the data,
//! `/Prev` chains that loop, deep nesting, millions of small objects, a
//! huge `/Size`, thousands of revisions or entries. The strict reader
//! refuses each within its limits; the test harness is the time bound.

use super::raw::{self, Update, zeros_bomb};
use super::world::World;
use super::{Case, Expect};

/// 100 MiB of zeros, about 100 KB deflated.
const BOMB_MIB: usize = 100;

pub fn cases(w: &World) -> Vec<Case> {
    let s = &w.sealed;
    let unreadable = Expect::Refused {
        all: &["unreadable_pdf"],
        any: &[],
    };
    let case = |name, pdf| Case {
        name,
        pdf,
        expect: unreadable,
    };
    let bomb = zeros_bomb(BOMB_MIB);
    vec![
        case(
            "bomb-xref-stream-inflates-to-100-mib",
            xref_stream_bomb(s, &bomb),
        ),
        case(
            "bomb-object-stream-inflates-to-100-mib",
            object_stream_bomb(s, &bomb),
        ),
        case(
            "bomb-w-terabyte-field",
            raw::raw_xref_stream(s, b"", "/W[1 1099511627776 1]", &[0; 64]),
        ),
        case(
            "bomb-w-zero-widths-two-billion-rows",
            raw::raw_xref_stream(s, b"", "/W[0 0 0]/Index[0 2000000000]", &[]),
        ),
        case(
            "bomb-index-two-billion-rows-tiny-stream",
            raw::raw_xref_stream(
                s,
                b"",
                "/W[1 4 2]/Index[0 2000000000]",
                &[1, 0, 0, 0, 0, 0, 0],
            ),
        ),
        case("bomb-prev-points-at-itself", prev_loop(s)),
        case("bomb-prev-points-forward", prev_forward(s)),
        case("bomb-nesting-100k-deep", nesting(s, 100_000)),
        case("bomb-nesting-in-the-trailer", trailer_nesting(s)),
        case("bomb-16-mib-of-small-integers", integers(s)),
        case(
            "bomb-size-four-billion",
            Update::on(s)
                .object(raw::size(s), "null")
                .trailer("Size", "4000000000")
                .classic(),
        ),
        case("bomb-two-hundred-thousand-entries", many_entries(s)),
        case("bomb-two-hundred-revisions", many_revisions(s)),
        case("bomb-file-over-16-mib", over_the_limit(s)),
    ]
}

/// A cross-reference stream whose data is the inflate bomb.
fn xref_stream_bomb(sealed: &[u8], bomb: &[u8]) -> Vec<u8> {
    raw::raw_xref_stream(sealed, b"", "/W[1 4 2]/Filter/FlateDecode", bomb)
}

/// An object stream whose data is the inflate bomb, and a
/// cross-reference stream with a row in it.
fn object_stream_bomb(sealed: &[u8], bomb: &[u8]) -> Vec<u8> {
    let mut objstm = format!(
        "99989 0 obj\n<</Type/ObjStm/N 1/First 8/Filter/FlateDecode/Length {}>>\nstream\n",
        bomb.len()
    )
    .into_bytes();
    objstm.extend_from_slice(bomb);
    objstm.extend_from_slice(b"\nendstream\nendobj\n");
    // Object 99988 is object 0 of stream 99989 (`/W [1 4 2]`, type 2).
    raw::raw_xref_stream(
        sealed,
        &objstm,
        "/W[1 4 2]/Index[99988 1]",
        &[2, 0, 1, 0x86, 0x95, 0, 0],
    )
}

/// A classic section whose `/Prev` is its own offset.
fn prev_loop(sealed: &[u8]) -> Vec<u8> {
    let update = Update::on(sealed);
    let at = update.here();
    update.trailer("Prev", &at.to_string()).classic()
}

/// Two sections: the newer's `/Prev` is the older, whose `/Prev` points
/// forward at the newer.
fn prev_forward(sealed: &[u8]) -> Vec<u8> {
    let root = raw::text(&elicence::pdf::Object::Reference(raw::root(sealed)));
    let size = raw::size(sealed);
    let section = |at: usize, prev: usize| {
        format!("xref\ntrailer\n<</Size {size}/Root {root}/Prev {prev}>>\nstartxref\n{at}\n%%EOF\n")
    };
    let first = sealed.len();
    // The second section starts after the first, whose length depends on
    // the second's offset only through its digit count.
    let second = first + section(first, first).len();
    let older = section(first, second);
    assert_eq!(first + older.len(), second, "same digit count");
    [sealed, older.as_bytes(), section(second, first).as_bytes()].concat()
}

/// An object that is `depth` arrays, one inside the other.
fn nesting(sealed: &[u8], depth: usize) -> Vec<u8> {
    let text = "[".repeat(depth) + &"]".repeat(depth);
    Update::on(sealed)
        .object(raw::size(sealed), &text)
        .classic()
}

/// The trailer itself nests 100,000 deep.
fn trailer_nesting(sealed: &[u8]) -> Vec<u8> {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    Update::on(sealed).trailer("Deep", &deep).classic()
}

/// One array of small integers filling the file to 16 MiB (a lenient
/// reader builds 8 million values).
fn integers(sealed: &[u8]) -> Vec<u8> {
    let room = 16 * 1024 * 1024 - sealed.len() - 512;
    let mut text = String::with_capacity(room);
    text.push('[');
    while text.len() < room - 2 {
        text.push_str("0 ");
    }
    text.push(']');
    let pdf = Update::on(sealed)
        .object(raw::size(sealed), &text)
        .classic();
    assert!(pdf.len() <= 16 * 1024 * 1024);
    pdf
}

/// 200,001 classic rows, all at one object.
fn many_entries(sealed: &[u8]) -> Vec<u8> {
    let mut out = sealed.to_vec();
    let object = out.len();
    out.extend_from_slice(b"99989 0 obj\nnull\nendobj\n");
    let at = out.len();
    out.extend_from_slice(b"xref\n0 200001\n");
    let row = format!("{object:010} 00000 n\r\n");
    for _ in 0..200_001 {
        out.extend_from_slice(row.as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<</Size 200001/Root {}/Prev {}>>\nstartxref\n{at}\n%%EOF\n",
            raw::text(&elicence::pdf::Object::Reference(raw::root(sealed))),
            raw::last_xref(sealed)
        )
        .as_bytes(),
    );
    out
}

/// 200 empty revisions.
fn many_revisions(sealed: &[u8]) -> Vec<u8> {
    let mut pdf = sealed.to_vec();
    let (size, root) = (raw::size(sealed), raw::root(sealed));
    let mut prev = raw::last_xref(sealed);
    for _ in 0..200 {
        let at = pdf.len();
        pdf.extend_from_slice(
            format!(
                "xref\ntrailer\n<</Size {size}/Root {} {} R/Prev {prev}>>\nstartxref\n{at}\n%%EOF\n",
                root.number, root.generation
            )
            .as_bytes(),
        );
        prev = at;
    }
    pdf
}

/// One byte over the 16 MiB a licence PDF may be: a comment before the
/// last revision's section, so the file is otherwise well formed.
fn over_the_limit(sealed: &[u8]) -> Vec<u8> {
    let pad = 16 * 1024 * 1024 + 1 - sealed.len() - 64;
    let mut comment = b"%".to_vec();
    comment.extend(std::iter::repeat_n(b'x', pad - 2));
    comment.push(b'\n');
    let update = Update::on(sealed).raw(&comment);
    let pdf = update.classic();
    assert!(pdf.len() > 16 * 1024 * 1024);
    pdf
}
