//! Seals (印章): the registered seal record, and the issuing authority's
//! stamp as it appears on a licence.
//!
//! `record` is the electronic seal itself (电子印章数据, modelled on GB/T 38540
//! but Ed25519 over our own COSE): who owns it, its name, purpose, picture
//! and validity, and which certificates may apply it, signed by a seal maker
//! whose certificate chains to a trusted root.
//!
//! `pdf` (feature `seal-pdf`) applies a seal to a licence PDF as a PAdES
//! signature whose appearance is the seal's picture, and checks sealed PDFs.
//!
//! `stamp` (feature `render`) draws the red round seal of a Chinese official
//! body from its name and purpose, or takes a PNG the authority supplies.

#[cfg(feature = "seal-pdf")]
pub mod pdf;
pub mod record;
#[cfg(feature = "render")]
pub mod stamp;

pub use record::{
    MAX_SEAL_LEN, SealBuilder, SealError, SealFailure, SealInfo, SealKind, SealPicture, SignedSeal,
};
