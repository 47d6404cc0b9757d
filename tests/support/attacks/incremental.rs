//! Class 1, incremental saving (Mladenov et al., NDSS 2019: "ISA"): a
//! stranger appends an unsigned revision after the last seal. Viewers draw
//! the newest revision; a checker that only asks "does each signature
//! verify over its byte range" says yes, since the ranges are untouched.
//! The policy: no byte after the last seal's revision may be unsealed.

use super::content::{self, FAKE_NAME};
use super::raw::{self, Update};
use super::world::{CO_SEALED, HOLDER, HOLDER_CODE, World};
use super::{Case, Expect};

const UNSEALED: Expect = Expect::Refused {
    all: &["unsealed_bytes_after_last_seal"],
    any: &[],
};

/// The credit code a forger writes instead of the holder's.
pub const FAKE_CODE: &str = "91110108MA0654321G";

pub fn cases(w: &World) -> Vec<Case> {
    vec![
        Case {
            name: "isa-unsigned-revision-renames-the-holder",
            pdf: renames_the_holder(&w.sealed),
            expect: UNSEALED,
        },
        Case {
            name: "isa-unsigned-revision-changes-the-credit-code",
            pdf: changes_the_credit_code(&w.sealed),
            expect: UNSEALED,
        },
        Case {
            name: "isa-unsigned-revision-swaps-the-embedded-licence",
            pdf: swaps_the_embedded_licence(w),
            expect: UNSEALED,
        },
        Case {
            name: "isa-unsigned-revision-changes-the-info",
            pdf: changes_the_info(&w.sealed),
            expect: UNSEALED,
        },
        Case {
            name: "isa-unsigned-xref-stream-revision-renames-the-holder",
            pdf: xref_stream_revision(&w.sealed),
            expect: UNSEALED,
        },
        Case {
            name: "isa-unsigned-revision-after-two-seals",
            pdf: changes_the_credit_code(&w.joint_ab),
            expect: UNSEALED,
        },
        Case {
            name: "isa-unsigned-revision-on-an-xref-stream-file",
            pdf: xref_stream_file(w),
            expect: UNSEALED,
        },
        Case {
            name: "isa-stranger-appends-a-comment",
            pdf: [w.sealed.as_slice(), b"% appended later\n"].concat(),
            expect: UNSEALED,
        },
        Case {
            name: "isa-co-signer-seals-over-an-unsigned-revision",
            pdf: co_signer_seals_over(w),
            expect: Expect::Refused {
                all: &["changed_after_sealing", "not_sealed_by_issuer"],
                any: &[],
            },
        },
    ]
}

/// Redefines the page's content stream with the holder's name drawn as
/// "FAKE TRADING CO." (in Helvetica, added to the page's fonts). Every
/// viewer shows the new name; the issuer's seal still verifies over its
/// byte range.
pub fn renames_the_holder(sealed: &[u8]) -> Vec<u8> {
    let (fonts, fonts_text) = content::with_fake_font(sealed);
    Update::on(sealed)
        .object(fonts, &fonts_text)
        .stream(
            raw::page_content(sealed),
            "",
            &content::replace_name(sealed, HOLDER),
        )
        .classic()
}

/// Redefines the page's content stream with the holder's credit code's
/// digits changed (the glyphs are all in the subset already).
pub fn changes_the_credit_code(sealed: &[u8]) -> Vec<u8> {
    Update::on(sealed)
        .stream(
            raw::page_content(sealed),
            "",
            &content::replace_text(sealed, HOLDER_CODE, FAKE_CODE),
        )
        .classic()
}

/// Replaces the embedded `licence.cose` with a genuine envelope A issued
/// to another company: a checker that reads the newest revision finds a
/// valid licence, just not the one that was sealed.
fn swaps_the_embedded_licence(w: &World) -> Vec<u8> {
    let file = raw::envelope_stream(&w.sealed);
    let envelope = &w.other_envelope;
    Update::on(&w.sealed)
        .stream(
            file,
            &format!(
                "/Type/EmbeddedFile/Subtype/application#2Fcose/Params<</Size {}>>",
                envelope.len()
            ),
            envelope,
        )
        .classic()
}

/// Points the trailer's `/Info` at a new document information dictionary
/// whose title names the fake company.
fn changes_the_info(sealed: &[u8]) -> Vec<u8> {
    let info = raw::size(sealed);
    Update::on(sealed)
        .object(
            info,
            &format!(
                "<</Title{}/Author{}>>",
                raw::text_string(FAKE_NAME),
                raw::text_string("FAKE")
            ),
        )
        .trailer("Info", &format!("{info} 0 R"))
        .classic()
}

/// The renaming update written as a cross-reference stream after the
/// file's classic table (readers take a mix of both).
fn xref_stream_revision(sealed: &[u8]) -> Vec<u8> {
    let (fonts, fonts_text) = content::with_fake_font(sealed);
    Update::on(sealed)
        .object(fonts, &fonts_text)
        .stream(
            raw::page_content(sealed),
            "",
            &content::replace_name(sealed, HOLDER),
        )
        .xref_stream(raw::size(sealed), "")
}

/// The credit-code update appended (as a cross-reference stream) to a file
/// written with object and cross-reference streams, sealed by A and B.
fn xref_stream_file(w: &World) -> Vec<u8> {
    let two = w.b.seal(&w.joint_modern_a, CO_SEALED);
    Update::on(&two)
        .stream(
            raw::page_content(&two),
            "",
            &content::replace_text(&two, HOLDER_CODE, FAKE_CODE),
        )
        .xref_stream(raw::size(&two), "")
}

/// An unsigned revision (the credit code changed) between the issuer's
/// seal and a co-signer's honest seal: the co-signer's seal holds, and
/// covers the change, but the issuer never sealed it.
fn co_signer_seals_over(w: &World) -> Vec<u8> {
    w.b.seal(&changes_the_credit_code(&w.joint_a), CO_SEALED)
}
