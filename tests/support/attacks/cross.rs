//! Class 7, cross-authority: every seal here is valid by itself, made
//! with a trusted key by its owner, and the licence inside is genuine.
//! What is wrong is who sealed: A's licence sealed only by B, or by A and
//! then by B though the licence does not name B; B's envelope under A's
//! seal; a seal in A's name from a stranger's PKI.

use super::world::{CO_SEALED, SEALED, World};
use super::{Case, Expect};

pub fn cases(w: &World) -> Vec<Case> {
    let refused = |all| Expect::Refused { all, any: &[] };
    vec![
        Case {
            name: "cross-sealed-only-by-another-authority",
            pdf: w.b.seal(&w.alone, SEALED),
            expect: refused(&["not_sealed_by_issuer", "seal_owner_not_named"]),
        },
        Case {
            name: "cross-issuer-then-an-unnamed-co-signer",
            pdf: w.b.seal(&w.sealed, CO_SEALED),
            expect: refused(&["seal_owner_not_named"]),
        },
        Case {
            name: "cross-unnamed-co-signer-then-the-issuer",
            pdf: w.a.seal(&w.b.seal(&w.alone, SEALED), CO_SEALED),
            expect: refused(&["seal_owner_not_named"]),
        },
        Case {
            name: "cross-named-co-issuer-alone",
            pdf: w.b.seal(&w.joint, SEALED),
            expect: refused(&["not_sealed_by_issuer"]),
        },
        Case {
            name: "cross-envelope-signed-by-another-authority",
            pdf: w.a.seal(&w.forged_by_b, SEALED),
            expect: refused(&["licence_invalid"]),
        },
        // Only the issuer's seal vouches for the licence's signer: a named
        // co-issuer's seal does not make its key the licence's.
        Case {
            name: "cross-envelope-signed-by-the-co-issuer-both-sealed",
            pdf: w.b.seal(&w.a.seal(&w.joint_forged_by_b, SEALED), CO_SEALED),
            expect: refused(&["licence_invalid"]),
        },
        Case {
            name: "cross-stranger-seal-in-the-issuer-name",
            pdf: w.stranger.seal(&w.alone, SEALED),
            expect: refused(&["not_sealed_by_issuer", "signer_untrusted"]),
        },
    ]
}
