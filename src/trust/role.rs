//! Certificate roles: what an end-entity certificate's key may sign, written
//! as one extended key usage (RFC 5280 §4.2.1.12) purpose.
//!
//! The purposes live under the project's arc
//! `2.25.299345139665471428080164469343102699350`, a UUID OID (ITU-T X.667:
//! `2.25.` followed by the UUID `e133c6dd-99a8-4718-bb2b-bcb825d40756` as one
//! integer), which needs no registration. Under it, `.1` holds the roles:
//!
//! | OID under the arc | role | signs |
//! |---|---|---|
//! | `.1.1` | [`CertRole::DocumentSigner`] | licences and PDF seal signatures |
//! | `.1.2` | [`CertRole::SealMaker`] | seal records (制章) |
//! | `.1.3` | [`CertRole::StatusSigner`] | status lists |
//! | `.1.4` | [`CertRole::TrustListSigner`] | trust lists |
//!
//! The arc's second component does not fit in a `u64`, so OIDs are compared
//! by their DER content bytes, precomputed here, rather than through a
//! dotted-string conversion that a parser may not do for large arcs.

use core::fmt;
use core::str::FromStr;

use thiserror::Error;

/// The project's OID arc, dotted.
pub const ROLE_ARC: &str = "2.25.299345139665471428080164469343102699350";

/// DER content bytes of [`ROLE_ARC`]: `2.25` as 105, then the UUID in base 128.
const ARC_DER: [u8; 20] = [
    0x69, 0x83, 0xc2, 0xb3, 0xe3, 0xb7, 0xb3, 0x9a, 0xc2, 0x9c, 0xb1, 0xbb, 0x95, 0xef, 0x97, 0x82,
    0xae, 0xd0, 0x8e, 0x56,
];

/// DER content bytes of `ROLE_ARC.1.n` (destructured rather than copied:
/// slice copies are not `const` at the crate's MSRV).
const fn role_der(n: u8) -> [u8; 22] {
    let [
        a0,
        a1,
        a2,
        a3,
        a4,
        a5,
        a6,
        a7,
        a8,
        a9,
        a10,
        a11,
        a12,
        a13,
        a14,
        a15,
        a16,
        a17,
        a18,
        a19,
    ] = ARC_DER;
    [
        a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19,
        0x01, n,
    ]
}

const DOCUMENT_SIGNER_DER: [u8; 22] = role_der(1);
const SEAL_MAKER_DER: [u8; 22] = role_der(2);
const STATUS_SIGNER_DER: [u8; 22] = role_der(3);
const TRUST_LIST_SIGNER_DER: [u8; 22] = role_der(4);

/// What an end-entity certificate's key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CertRole {
    /// An issuing authority's document signer: signs licences and PDF seals.
    DocumentSigner,
    /// A seal maker (制章单位): signs seal records.
    SealMaker,
    /// Signs status lists.
    StatusSigner,
    /// Signs trust lists.
    TrustListSigner,
}

/// A role name that is none of [`CertRole::ALL`]'s.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RoleError {
    /// The name given.
    #[error(
        "unknown certificate role {name:?} (expected one of document-signer, seal-maker, status-signer, trust-list-signer)"
    )]
    Unknown {
        /// The name given.
        name: String,
    },
}

impl CertRole {
    /// Every role.
    pub const ALL: [CertRole; 4] = [
        CertRole::DocumentSigner,
        CertRole::SealMaker,
        CertRole::StatusSigner,
        CertRole::TrustListSigner,
    ];

    /// The role's stable name, as [`FromStr`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            CertRole::DocumentSigner => "document-signer",
            CertRole::SealMaker => "seal-maker",
            CertRole::StatusSigner => "status-signer",
            CertRole::TrustListSigner => "trust-list-signer",
        }
    }

    /// The extended key usage OID, dotted.
    pub fn oid(self) -> &'static str {
        match self {
            CertRole::DocumentSigner => "2.25.299345139665471428080164469343102699350.1.1",
            CertRole::SealMaker => "2.25.299345139665471428080164469343102699350.1.2",
            CertRole::StatusSigner => "2.25.299345139665471428080164469343102699350.1.3",
            CertRole::TrustListSigner => "2.25.299345139665471428080164469343102699350.1.4",
        }
    }

    /// The extended key usage OID's DER content bytes (without tag and length).
    pub fn oid_der(self) -> &'static [u8] {
        match self {
            CertRole::DocumentSigner => &DOCUMENT_SIGNER_DER,
            CertRole::SealMaker => &SEAL_MAKER_DER,
            CertRole::StatusSigner => &STATUS_SIGNER_DER,
            CertRole::TrustListSigner => &TRUST_LIST_SIGNER_DER,
        }
    }

    /// The role whose OID has these DER content bytes, if any.
    pub fn from_oid_der(bytes: &[u8]) -> Option<CertRole> {
        CertRole::ALL.into_iter().find(|r| r.oid_der() == bytes)
    }
}

impl fmt::Display for CertRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CertRole {
    type Err = RoleError;

    fn from_str(s: &str) -> Result<CertRole, RoleError> {
        CertRole::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| RoleError::Unknown { name: s.to_owned() })
    }
}
