//! Seals (印章): the registered seal record, and sealing licence PDFs with it.
//!
//! `record` is the electronic seal itself (电子印章数据, modelled on GB/T 38540
//! but Ed25519 over our own COSE): who owns it, its name, purpose, picture
//! and validity, and which certificates may apply it, signed by a seal maker
//! whose certificate chains to a trusted root.
//!
//! `pdf` (feature `seal-pdf`) applies a seal to a licence PDF as a PAdES
//! signature whose appearance is the seal's picture, and checks sealed PDFs.
//!
//! The red round seal's drawing (from its owner's name and purpose) is
//! rendering: `render::stamp` (feature `render`).

#[cfg(feature = "seal-pdf")]
pub mod pdf;
pub mod record;

pub use record::{
    MAX_SEAL_LEN, SealBuilder, SealError, SealFailure, SealInfo, SealKind, SealPicture, SignedSeal,
};
