//! Seals (印章): the issuing authority's stamp as it appears on a licence.
//!
//! `stamp` (feature `render`) draws the red round seal of a Chinese official
//! body from its name and purpose, or takes a PNG the authority supplies.

#[cfg(feature = "render")]
pub mod stamp;
