#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

#[test]
fn garbage_is_a_typed_error() {
    assert!(matches!(
        Certificate::from_der(b"not a certificate"),
        Err(CertError::Der(_))
    ));
    assert!(matches!(
        Certificate::from_der(&vec![0x30; MAX_CERT_LEN + 1]),
        Err(CertError::TooLarge { .. })
    ));
    let (certs, skipped) =
        parse_bundle(b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    assert!(certs.is_empty());
    assert_eq!(skipped.len(), 1);
    assert!(matches!(skipped[0].1, CertError::Pem(_)));
}

#[cfg(feature = "ca")]
mod generated {
    use super::*;
    use crate::date::UnixTime;
    use crate::keys::{Signer, SigningKey};
    use crate::trust::ca::{CertificateRequest, Role, issue, self_signed, to_pem};

    fn at(s: &str) -> UnixTime {
        UnixTime::parse_rfc3339(s).unwrap()
    }

    fn request(name: &str, code: Option<&str>, role: Role) -> CertificateRequest {
        CertificateRequest {
            common_name: name.into(),
            organization: Some(name.into()),
            authority_code: code.map(|c| c.parse().unwrap()),
            not_before: at("2024-01-01T00:00:00Z"),
            not_after: at("2034-01-01T00:00:00Z"),
            role,
            serial: [7; 16],
        }
    }

    #[test]
    fn a_root_an_intermediate_and_a_signer_chain() {
        let root_key = SigningKey::from_seed(&[1; 32]);
        let mid_key = SigningKey::from_seed(&[2; 32]);
        let dsc_key = SigningKey::from_seed(&[3; 32]);
        let root = self_signed(&request("示例电子证照根CA", None, Role::Root), &root_key).unwrap();
        let mid = issue(
            &request("示例省级CA", None, Role::Intermediate { path_len: Some(0) }),
            &mid_key.public_key(),
            &root,
            &root_key,
        )
        .unwrap();
        let dsc = issue(
            &request(
                "北京市公安局公安交通管理局",
                Some("111100000000213452"),
                Role::DocumentSigner,
            ),
            &dsc_key.public_key(),
            &mid,
            &mid_key,
        )
        .unwrap();

        assert!(root.is_signed_by(&root) && root.is_ca() && root.path_len().is_none());
        assert!(mid.is_signed_by(&root) && mid.is_ca() && mid.path_len() == Some(0));
        assert!(dsc.is_signed_by(&mid) && !dsc.is_ca());
        assert!(!dsc.is_signed_by(&root), "names and keys both matter");
        assert_eq!(
            dsc.authority_code().unwrap().to_string(),
            "111100000000213452"
        );
        assert_eq!(dsc.common_name(), Some("北京市公安局公安交通管理局"));
        assert_eq!(dsc.public_key(), &dsc_key.public_key());
        let usage = dsc.key_usage().unwrap();
        assert!(usage.digital_signature && !usage.key_cert_sign);
        assert!(mid.key_usage().unwrap().key_cert_sign);
        assert!(dsc.is_valid_at(at("2025-06-01T00:00:00Z")));
        assert!(!dsc.is_valid_at(at("2035-06-01T00:00:00Z")));

        // PEM bundles round-trip, and a bad block is reported, not fatal.
        let bundle = format!(
            "{}junk\n{}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n{}",
            to_pem(&root),
            to_pem(&mid),
            to_pem(&dsc)
        );
        let (certs, skipped) = parse_bundle(bundle.as_bytes());
        assert_eq!(certs, vec![root.clone(), mid, dsc.clone()]);
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].0, 2);
        if let Ok(dir) = std::env::var("ELICENCE_WRITE_TEST_CHAIN") {
            std::fs::write(format!("{dir}/root.pem"), to_pem(&root)).unwrap();
            std::fs::write(format!("{dir}/mid.pem"), to_pem(&certs[1])).unwrap();
            std::fs::write(format!("{dir}/dsc.pem"), to_pem(&dsc)).unwrap();
        }
        let (certs, skipped) = parse_bundle(dsc.der());
        assert_eq!((certs.len(), skipped.len()), (1, 0));

        // One flipped bit anywhere in the signed part breaks the signature.
        let mut der = dsc.der().to_vec();
        let last = der.len() - 80;
        der[last] ^= 1;
        if let Ok(tampered) = Certificate::from_der(&der) {
            assert!(!tampered.is_signed_by(&root));
        }
        // Trailing bytes are refused.
        let mut long = root.der().to_vec();
        long.push(0);
        assert!(matches!(
            Certificate::from_der(&long),
            Err(CertError::Der(_))
        ));
    }

    #[test]
    fn a_document_signer_needs_an_authority_code() {
        let key = SigningKey::from_seed(&[1; 32]);
        let root = self_signed(&request("根CA", None, Role::Root), &key).unwrap();
        let err = issue(
            &request("某局", None, Role::DocumentSigner),
            &key.public_key(),
            &root,
            &key,
        )
        .unwrap_err();
        assert_eq!(err, crate::trust::ca::CaError::MissingAuthorityCode);
        let other = SigningKey::from_seed(&[9; 32]);
        let err = issue(
            &request("某局", Some("111100000000213452"), Role::DocumentSigner),
            &key.public_key(),
            &root,
            &other,
        )
        .unwrap_err();
        assert_eq!(err, crate::trust::ca::CaError::Issuer);
    }
}
