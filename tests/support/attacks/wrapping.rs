//! Class 6, signature wrapping and universal signature forgery (Mladenov
//! et al., NDSS 2019: "SWA", "USF"): a stranger edits the issuer's
//! signature dictionary so that a validator either checks the wrong bytes
//! or gives up in a way read as success: a `/ByteRange` that does not
//! start at 0, overlaps itself, covers less than the file or runs past
//! it, or is null; a `/Contents` that is empty, null, all zeros, a
//! SignedData with no signer, or a signature with data hidden in its
//! padding; another `/SubFilter`, none; the second signed range moved to
//! make room for new bytes; a signature by the stranger's own key over the
//! issuer's seal. Every edit is in place, keeping offsets, unless said.

use super::raw;
use super::world::World;
use super::{Case, Expect};

pub fn cases(w: &World) -> Vec<Case> {
    let s = &w.sealed;
    let seal = |code: &'static [&'static str]| Expect::Refused {
        all: &["seal_invalid"],
        any: code,
    };
    let n = numbers(s);
    let case = |name, pdf, expect| Case { name, pdf, expect };
    vec![
        case(
            "usf-byte-range-not-from-zero",
            byte_range(s, &format!("1 {} {} {}", n[1] - 1, n[2], n[3])),
            seal(&["byte_range"]),
        ),
        case(
            "usf-byte-range-overlapping",
            byte_range(s, &format!("0 {} {} {}", n[1], n[1] - 100, n[3] + 100)),
            seal(&["byte_range"]),
        ),
        case(
            "usf-byte-range-short-of-the-end",
            byte_range(s, &format!("0 {} {} {}", n[1], n[2], n[3] - 200)),
            seal(&["byte_range"]),
        ),
        case(
            "usf-byte-range-past-the-end",
            byte_range(s, &format!("0 {} {} {}", n[1], n[2], n[3] + 200)),
            seal(&["byte_range"]),
        ),
        case(
            "usf-byte-range-hole-moved-off-the-contents",
            byte_range(s, &format!("0 {} {} {}", n[1] - 10, n[2] - 10, n[3] + 10)),
            seal(&["byte_range"]),
        ),
        case(
            "usf-byte-range-whole-file-no-hole",
            byte_range(s, &format!("0 {} {} 0", s.len(), s.len())),
            seal(&["byte_range"]),
        ),
        case(
            "usf-byte-range-three-numbers",
            byte_range(s, &format!("0 {} {}", n[1], n[2])),
            seal(&["byte_range"]),
        ),
        case(
            "usf-byte-range-null",
            byte_range_null(s),
            seal(&["bad_signature_dictionary"]),
        ),
        case(
            "usf-contents-empty",
            contents(s, b"<>"),
            seal(&["byte_range", "bad_signature_dictionary", "malformed_cms"]),
        ),
        case(
            "usf-contents-null",
            contents(s, b" null"),
            seal(&["bad_signature_dictionary"]),
        ),
        case(
            "usf-contents-all-zeros",
            cms(s, &[]),
            seal(&["malformed_cms"]),
        ),
        case(
            "usf-signed-data-without-a-signer",
            cms(s, &no_signer()),
            seal(&["malformed_cms"]),
        ),
        case(
            "usf-payload-in-the-padding",
            padded(s),
            seal(&["malformed_cms"]),
        ),
        case(
            "usf-sub-filter-pkcs7",
            sub_filter(s, b"/adbe.pkcs7.detached"),
            seal(&["bad_signature_dictionary"]),
        ),
        case(
            "usf-sub-filter-removed",
            sub_filter(s, b"                    "),
            // Without the key, the dictionary is not a seal's: the revision
            // rule refuses it before the dictionary is read.
            seal(&["bad_signature_dictionary", "malformed_seal_revision"]),
        ),
        case(
            "usf-signature-byte-flipped",
            flipped(s),
            seal(&["bad_signature"]),
        ),
        case(
            "swa-signed-byte-changed",
            signed_byte(s),
            seal(&["digest_mismatch"]),
        ),
        case(
            "swa-second-range-moved-for-new-bytes",
            relocated(s),
            seal(&["byte_range", "digest_mismatch"]),
        ),
        case(
            "usf-stranger-signs-the-issuer-seal",
            stranger_signs(w),
            seal(&["signer_untrusted"]),
        ),
    ]
}

/// Where A's signature dictionary's `/ByteRange` numbers and `/Contents`
/// hole are.
fn slots(sealed: &[u8]) -> (usize, usize) {
    let start = raw::read(sealed).revisions().last().unwrap().start;
    let range = raw::find_from(sealed, start, b"/ByteRange[0 ") + b"/ByteRange[".len();
    let hole = raw::find_from(sealed, start, b"/Contents<") + b"/Contents".len();
    (range, hole)
}

/// The four `/ByteRange` numbers.
fn numbers(sealed: &[u8]) -> Vec<usize> {
    let (range, _) = slots(sealed);
    let end = raw::find_from(sealed, range, b"]");
    String::from_utf8_lossy(&sealed[range..end])
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}

/// `/ByteRange[` `numbers` `]`, padded to the slot the sealer left (2 + 32
/// bytes).
fn byte_range(sealed: &[u8], numbers: &str) -> Vec<u8> {
    let (range, _) = slots(sealed);
    let mut pdf = sealed.to_vec();
    let slot = format!("{numbers:<34}");
    assert_eq!(slot.len(), 34);
    pdf[range..range + 34].copy_from_slice(slot.as_bytes());
    pdf
}

/// `/ByteRange null`.
fn byte_range_null(sealed: &[u8]) -> Vec<u8> {
    let (range, _) = slots(sealed);
    let mut pdf = sealed.to_vec();
    // `[0 ` … `]` is 36 bytes.
    pdf[range - 1..range + 35].copy_from_slice(format!("{:<36}", " null").as_bytes());
    pdf
}

/// The hole's `<` … `>` replaced by `value`, padded with spaces.
fn contents(sealed: &[u8], value: &[u8]) -> Vec<u8> {
    let (_, hole) = slots(sealed);
    let len = 2 * elicence::seal::pdf::CONTENTS_LEN + 2;
    let mut pdf = sealed.to_vec();
    pdf[hole..hole + len].fill(b' ');
    pdf[hole..hole + value.len()].copy_from_slice(value);
    pdf
}

/// The hole holding `der` in hex, then zeros.
fn cms(sealed: &[u8], der: &[u8]) -> Vec<u8> {
    let (_, hole) = slots(sealed);
    let mut pdf = sealed.to_vec();
    let hex: String = der.iter().map(|b| format!("{b:02X}")).collect();
    let inside = hole + 1..hole + 1 + 2 * elicence::seal::pdf::CONTENTS_LEN;
    pdf[inside.clone()].fill(b'0');
    pdf[inside.start..inside.start + hex.len()].copy_from_slice(hex.as_bytes());
    pdf
}

/// A SignedData (RFC 5652) with no digest algorithms, detached data and
/// an empty set of signer infos: nothing to verify, so a validator that
/// loops over signers finds no failure.
fn no_signer() -> Vec<u8> {
    let id_data = [
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01,
    ];
    let id_signed_data = [
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,
    ];
    let mut signed_data = vec![0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x0B];
    signed_data.extend_from_slice(&id_data);
    signed_data.extend_from_slice(&[0x31, 0x00]);
    let signed_data = [&[0x30, signed_data.len() as u8][..], &signed_data].concat();
    let explicit = [&[0xA0, signed_data.len() as u8][..], &signed_data].concat();
    let body = [&id_signed_data[..], &explicit].concat();
    [&[0x30, body.len() as u8][..], &body].concat()
}

/// The CMS as signed, then the fake name's bytes in the zero padding (data
/// smuggled inside the one unsigned part of the file).
fn padded(sealed: &[u8]) -> Vec<u8> {
    let (_, hole) = slots(sealed);
    let mut pdf = sealed.to_vec();
    let inside = &pdf[hole + 1..hole + 1 + 2 * elicence::seal::pdf::CONTENTS_LEN];
    let used = inside.iter().rposition(|&c| c != b'0').unwrap() + 2;
    let payload: String = super::content::FAKE_NAME
        .bytes()
        .map(|b| format!("{b:02X}"))
        .collect();
    let at = hole + 1 + used + 64;
    pdf[at..at + payload.len()].copy_from_slice(payload.as_bytes());
    pdf
}

/// `/SubFilter/ETSI.CAdES.detached` given another (same-length) value.
fn sub_filter(sealed: &[u8], value: &[u8]) -> Vec<u8> {
    let mut pdf = sealed.to_vec();
    let start = raw::read(sealed).revisions().last().unwrap().start;
    raw::overwrite(&mut pdf, start, b"/ETSI.CAdES.detached", value);
    if value.iter().all(|&b| b == b' ') {
        raw::overwrite(&mut pdf, start, b"/SubFilter", b"          ");
    }
    pdf
}

/// The CMS's last byte (the signature's) changed.
fn flipped(sealed: &[u8]) -> Vec<u8> {
    let (_, hole) = slots(sealed);
    let mut pdf = sealed.to_vec();
    let inside = &pdf[hole + 1..hole + 1 + 2 * elicence::seal::pdf::CONTENTS_LEN];
    let last = hole + 1 + inside.iter().rposition(|&c| c != b'0').unwrap();
    pdf[last] = if pdf[last] == b'A' { b'B' } else { b'A' };
    pdf
}

/// One signed byte changed: a hex digit of the document title in `/Info`
/// (a viewer's title bar shows it).
fn signed_byte(sealed: &[u8]) -> Vec<u8> {
    let mut pdf = sealed.to_vec();
    let at = raw::find_from(&pdf, 0, b"/Title<FEFF") + b"/Title<FEFF".len() + 3;
    pdf[at] = if pdf[at] == b'0' { b'1' } else { b'0' };
    pdf
}

/// Signature wrapping: new bytes are put right after the hole, the second
/// signed range moved back by their length (its bytes unchanged but for
/// the final `startxref`, which follows the section), and `/ByteRange`
/// says so. The hole is then more than the signature.
fn relocated(sealed: &[u8]) -> Vec<u8> {
    let n = numbers(sealed);
    let inserted = b"\n% FAKE TRADING CO.\n".as_slice();
    let mut moved = [&sealed[..n[2]], inserted, &sealed[n[2]..]].concat();
    let at = raw::rfind(&moved, b"startxref");
    moved.truncate(at);
    let xref = raw::last_xref(sealed) + inserted.len();
    moved.extend_from_slice(format!("startxref\n{xref}\n%%EOF\n").as_bytes());
    let second = n[2] + inserted.len();
    byte_range(
        &moved,
        &format!("0 {} {second} {}", n[1], moved.len() - second),
    )
}

/// The stranger blanks A's signature and signs the revision (A's seal
/// record, A's picture) with its own key and untrusted chain.
fn stranger_signs(w: &World) -> Vec<u8> {
    let mut pdf = w.sealed.clone();
    let (range, hole) = slots(&pdf);
    pdf[range + 2..range + 34].fill(b' ');
    pdf[hole + 1..hole + 1 + 2 * elicence::seal::pdf::CONTENTS_LEN].fill(b'0');
    w.stranger
        .sealer
        .sign_prepared(pdf, &w.stranger.key)
        .unwrap()
}
