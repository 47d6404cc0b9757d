//! Trust: issuing authorities' keys bound to X.509 certificates that chain to
//! roots the verifier trusts.
//!
//! Work in progress (issue 4): certificates are parsed and their signatures
//! checked; chain building, the trust store and the verifier's binding rules
//! follow.

#[cfg(feature = "ca")]
pub mod ca;
pub mod cert;

pub use cert::{CertError, Certificate, KeyUsage, MAX_CERT_LEN, parse_bundle};

#[cfg(test)]
mod tests;
