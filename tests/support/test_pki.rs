// A small PKI from fixed seeds for the seal tests and benches: a root, a
// path-length-0 intermediate and document signers and seal makers under it, all valid from
// 2024 to 2028. Shared by `src/seal/pdf/tests.rs` and `benches/seal.rs`
// through `include!`, inside a module that first imports, from the crate or
// from `elicence`: `CertificateRequest`, `Role`, `issue`, `self_signed`,
// `Certificate`, `Signer`, `SigningKey` and `UnixTime`.

/// The root and the intermediate, with the intermediate's key to issue
/// document signers.
pub struct TestPki {
    pub root: Certificate,
    pub mid: Certificate,
    mid_key: SigningKey,
}

impl TestPki {
    pub fn new() -> TestPki {
        let root_key = SigningKey::from_seed(&[1; 32]);
        let mid_key = SigningKey::from_seed(&[2; 32]);
        let root = self_signed(&request("root", None, Role::Root, 1), &root_key).unwrap();
        let mid = issue(
            &request("mid", None, Role::Intermediate { path_len: Some(0) }, 2),
            &mid_key.public_key(),
            &root,
            &root_key,
        )
        .unwrap();
        TestPki { root, mid, mid_key }
    }

    /// A document signer under the intermediate: its key from `seed`, its
    /// certificate naming authority `name` with credit code `code`.
    pub fn signer(&self, seed: u8, name: &str, code: &str) -> (SigningKey, Certificate) {
        self.end_entity(seed, name, code, Role::DocumentSigner)
    }

    /// A seal maker under the intermediate, as [`TestPki::signer`].
    #[allow(dead_code)]
    pub fn seal_maker(&self, seed: u8, name: &str, code: &str) -> (SigningKey, Certificate) {
        self.end_entity(seed, name, code, Role::SealMaker)
    }

    /// A status-list signer under the intermediate, as [`TestPki::signer`].
    #[allow(dead_code)]
    pub fn status_signer(&self, seed: u8, name: &str, code: &str) -> (SigningKey, Certificate) {
        self.end_entity(seed, name, code, Role::StatusSigner)
    }

    fn end_entity(
        &self,
        seed: u8,
        name: &str,
        code: &str,
        role: Role,
    ) -> (SigningKey, Certificate) {
        let key = SigningKey::from_seed(&[seed; 32]);
        let cert = issue(
            &request(name, Some(code), role, seed),
            &key.public_key(),
            &self.mid,
            &self.mid_key,
        )
        .unwrap();
        (key, cert)
    }
}

/// A request valid from 2024 to 2028, the serial filled with `serial`.
pub fn request(name: &str, code: Option<&str>, role: Role, serial: u8) -> CertificateRequest {
    CertificateRequest {
        common_name: name.into(),
        organization: Some(name.into()),
        authority_code: code.map(|c| c.parse().unwrap()),
        not_before: UnixTime::parse_rfc3339("2024-01-01T00:00:00Z").unwrap(),
        not_after: UnixTime::parse_rfc3339("2028-01-01T00:00:00Z").unwrap(),
        role,
        serial: [serial; 16],
    }
}
