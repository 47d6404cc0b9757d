//! The attack generator: every case is built from a real licence PDF
//! (a business licence A issued, rendered with the embedded font, its
//! envelope signed by A's document signer, sealed by A) by an attacker who
//! is a stranger (no trusted key) or a co-signer (authority B, whose seal
//! and key are valid and trusted), by editing bytes in place or appending
//! incremental updates written by hand (`raw`), or by signing a seal
//! revision it edited (`cosign`). One module per attack class, one
//! function per attack; each case has the codes its verdict must hold.
//!
//! `Expect` codes are [`LicencePdfVerdict::codes`]: the file's reasons,
//! then each failing seal's status.
//!
//! [`LicencePdfVerdict::codes`]: elicence::seal::pdf::LicencePdfVerdict::codes

#[path = "attacks/annotations.rs"]
mod annotations;
#[path = "attacks/bombs.rs"]
mod bombs;
#[path = "attacks/content.rs"]
pub mod content;
#[path = "attacks/cosign.rs"]
pub mod cosign;
#[path = "attacks/cosigner.rs"]
mod cosigner;
#[path = "attacks/cross.rs"]
mod cross;
#[path = "attacks/incremental.rs"]
mod incremental;
#[path = "attacks/raw.rs"]
pub mod raw;
#[path = "attacks/shadow.rs"]
mod shadow;
#[path = "attacks/vanish.rs"]
mod vanish;
#[path = "attacks/world.rs"]
pub mod world;
#[path = "attacks/wrapping.rs"]
mod wrapping;

use world::{CO_SEALED, World};

/// What the verifier must answer for a case.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// A positive control: valid.
    Valid,
    /// Refused, the verdict's codes holding every code in `all` and, if
    /// `any` is not empty, at least one of `any`.
    Refused {
        all: &'static [&'static str],
        any: &'static [&'static str],
    },
}

impl Expect {
    /// Whether a verdict (valid or not, with its codes) is what is expected.
    pub fn holds(self, valid: bool, codes: &[&str]) -> bool {
        match self {
            Expect::Valid => valid,
            Expect::Refused { all, any } => {
                !valid
                    && all.iter().all(|c| codes.contains(c))
                    && (any.is_empty() || any.iter().any(|c| codes.contains(c)))
            }
        }
    }

    /// The expectation as one field: `valid`, or the codes that must all
    /// be there, comma-separated, then the alternatives of which one must
    /// be there, joined by `|` (`a,b,c|d`).
    pub fn to_field(self) -> String {
        match self {
            Expect::Valid => "valid".into(),
            Expect::Refused { all, any } => {
                let mut parts: Vec<String> = all.iter().map(|c| (*c).to_owned()).collect();
                if !any.is_empty() {
                    parts.push(any.join("|"));
                }
                parts.join(",")
            }
        }
    }
}

/// One attack (or control): a name (the corpus file's), the PDF, and what
/// the verifier must say.
pub struct Case {
    pub name: &'static str,
    pub pdf: Vec<u8>,
    pub expect: Expect,
}

/// Every case, the controls first.
pub fn cases() -> Vec<Case> {
    let w = world::world();
    let mut all = controls(w);
    all.extend(incremental::cases(w));
    all.extend(cosigner::cases(w));
    all.extend(shadow::cases(w));
    all.extend(annotations::cases(w));
    all.extend(vanish::cases(w));
    all.extend(wrapping::cases(w));
    all.extend(cross::cases(w));
    all.extend(bombs::cases(w));
    all
}

/// The positive controls (and the unsealed licence): without them a
/// refusal could be the generator's mistake rather than the attack's.
fn controls(w: &World) -> Vec<Case> {
    vec![
        Case {
            name: "control-sealed-by-the-issuer",
            pdf: w.sealed.clone(),
            expect: Expect::Valid,
        },
        Case {
            name: "control-jointly-sealed-with-a-named-co-issuer",
            pdf: w.joint_ab.clone(),
            expect: Expect::Valid,
        },
        Case {
            name: "control-xref-stream-file-jointly-sealed",
            pdf: w.b.seal(&w.joint_modern_a, CO_SEALED),
            expect: Expect::Valid,
        },
        // The co-signer's tooling itself: its honest revision taken apart,
        // written back and signed again is still a valid seal, so what the
        // co-signed attacks add is what is refused.
        Case {
            name: "control-co-signer-revision-rebuilt-and-signed",
            pdf: cosign::SealRevision::honest(&w.b, &w.joint_a, CO_SEALED).sign(&w.b),
            expect: Expect::Valid,
        },
        Case {
            name: "control-co-signer-xref-stream-revision-rebuilt-and-signed",
            pdf: cosign::SealRevision::honest(&w.b, &w.joint_modern_a, CO_SEALED).sign(&w.b),
            expect: Expect::Valid,
        },
        Case {
            name: "unsealed-licence",
            pdf: w.alone.clone(),
            expect: Expect::Refused {
                all: &["not_sealed"],
                any: &[],
            },
        },
    ]
}
