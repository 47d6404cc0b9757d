//! Electronic licences (电子证照) that anyone can check from a QR code, offline.
//!
//! An issuing system builds a [`Licence`], signs it into a [`SignedLicence`]
//! (COSE_Sign1, EdDSA, deterministic CBOR), and prints the QR text: a URL that
//! a phone camera opens on the scan endpoint, and that carries the whole signed
//! envelope as digits. A [`Verifier`] holding the issuer's public key turns that
//! text back into a typed [`Verdict`] at a time the caller gives.
//!
//! ```
//! use elicence::{
//!     DocumentKind, Holder, IdentityDocument, Issuer, Licence, QrBase, Reason, SignedLicence,
//!     Signer, SigningKey, TrustedKey, UnixTime, ValidUntil, Verifier,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer_key = SigningKey::generate();
//!
//! // A Chinese driving licence's number is its holder's identity number.
//! let licence = Licence::builder("11100000000013338W011".parse()?, "11010519491231002X")
//!     .holder(Holder::new(
//!         "张三",
//!         IdentityDocument::new(DocumentKind::ResidentIdentityCard, "11010519491231002X")?,
//!     )?)
//!     .issuer(Issuer::new("北京市公安局公安交通管理局", "91110000600037341L".parse()?)?)
//!     .issue_date("2024-05-01".parse()?)
//!     .validity("2024-05-01".parse()?, ValidUntil::Date("2030-05-01".parse()?))
//!     .face_field("准驾车型", "C1")
//!     .build()?;
//!
//! let signed_at = UnixTime::parse_rfc3339("2024-05-01T09:30:00+08:00")?;
//! let signed = SignedLicence::sign(licence, &issuer_key, signed_at)?;
//! let text = elicence::qr::to_qr_text(&signed, &QrBase::default());
//! assert!(text.starts_with("https://verify.example.gov.cn/c/"));
//!
//! let verifier = Verifier::new([TrustedKey::new(issuer_key.public_key())]);
//!
//! let verdict = verifier.verify_qr_text(&text, UnixTime::parse_rfc3339("2026-11-22T12:00:00Z")?);
//! assert!(verdict.is_valid());
//! assert_eq!(verdict.licence().map(|l| l.holder().name()), Some("张三"));
//!
//! let later = verifier.verify_qr_text(&text, UnixTime::parse_rfc3339("2030-05-02T00:00:00+08:00")?);
//! assert!(matches!(later.reasons(), [Reason::Expired { .. }]));
//! # Ok(())
//! # }
//! ```
//!
//! Modules follow the product's nouns: [`ident`] (codes and check characters),
//! [`licence`], [`envelope`], [`keys`], [`qr`], [`verify`], [`trust`]
//! (certificates, their roles and chains, and the signed trust list),
//! [`status`] (IETF Token Status Lists: revoked, suspended, …), [`log`]
//! (the transparency log: C2SP tiles, checkpoints, offline receipts), [`seal`]
//! (registered seals; with feature `seal-pdf`, sealing licence PDFs), and
//! with feature `render`, `render`. A verifier configured with roots alone
//! ([`Verifier::from_roots`]) takes one trust list and the authorities'
//! status lists and says for every licence whether it is valid, revoked,
//! suspended, …, with each certificate used only for its own role.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
// Forbidden (not merely denied, so no module can allow it) unless the C
// ABI is built.
#![cfg_attr(not(feature = "ffi"), forbid(unsafe_code))]

mod cbor;
mod cose;
pub mod date;
pub mod envelope;
// The one module where unsafe code is allowed: it reads what C hands over.
#[cfg(feature = "ffi")]
#[allow(unsafe_code)]
pub mod ffi;
pub mod ident;
pub mod keys;
pub mod licence;
pub mod log;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod qr;
#[cfg(feature = "registry")]
pub mod registry;
#[cfg(feature = "render")]
pub mod render;
pub mod seal;
#[cfg(feature = "server")]
pub mod server;
pub mod status;
pub mod trust;
pub mod verify;

/// The README's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use cbor::CborError;
pub use date::{Date, DateError, UnixTime};
pub use envelope::{EnvelopeError, IssueError, SignatureFailure, SignedLicence};
pub use ident::{IdentError, LicenceIdentifier, LicenceTypeCode, ResidentId, Uscc};
pub use keys::{KeyError, KeyId, PublicKey, SignError, Signer, SigningKey};
pub use licence::{
    DocumentKind, FaceField, Holder, IdentityDocument, Issuer, Licence, LicenceBuilder,
    LicenceError, ValidUntil,
};
pub use qr::{QrBase, QrError};
pub use status::LicenceStatus;
pub use trust::{Certificate, TrustFailure, TrustStore};
pub use verify::{Reason, TrustedKey, Verdict, Verifier};
