//! Trust: issuing authorities' keys bound to X.509 certificates that chain to
//! roots the verifier trusts.
//!
//! A [`TrustStore`] holds roots, intermediates and document signer
//! certificates; [`crate::Verifier::with_trust_store`] checks each signer's
//! chain once and then verifies licences by the rules in [`store`]. Each
//! end-entity certificate names its [`CertRole`] in its extended key usage,
//! and a chain is built for one role at a time.

#[cfg(feature = "ca")]
pub mod ca;
pub mod cert;
pub mod list;
pub mod role;
pub mod signer;
pub mod store;

pub use cert::{CertError, Certificate, KeyUsage, MAX_CERT_LEN, chain_for_key, parse_bundle};
pub use role::{CertRole, RoleError};
pub use signer::{CertifiedSigner, SignerCertError};
pub use store::{DocumentSigner, LoadReport, TrustFailure, TrustStore};

#[cfg(test)]
mod tests;
