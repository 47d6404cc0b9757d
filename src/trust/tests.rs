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
        // A critical extension nobody processes makes the certificate
        // unusable (RFC 5280 §4.2): rename the critical keyUsage (2.5.29.15)
        // to an unknown 2.5.29.99.
        let mut der = dsc.der().to_vec();
        let at = der
            .windows(5)
            .position(|w| w == [0x06, 0x03, 0x55, 0x1d, 0x0f])
            .unwrap();
        der[at + 4] = 0x63;
        let err = Certificate::from_der(&der).unwrap_err();
        assert_eq!(
            err,
            CertError::Extension("critical extension 2.5.29.99 is not understood".into())
        );
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

/// The verifier with a trust store: binding, chain rules, rotation.
#[cfg(feature = "ca")]
mod verifier {
    use super::*;
    use crate::date::UnixTime;
    use crate::keys::{Signer, SigningKey};
    use crate::trust::ca::{CertificateRequest, Role, issue, issue_unchecked, self_signed};
    use crate::{Licence, SignedLicence, Verdict, Verifier};

    const DRIVING: &str = include_str!("../../examples/licences/driving-licence.json");
    /// The driving licence's issuer code.
    const TRAFFIC: &str = "111100000000213452";
    /// The business licence's issuer code: another authority.
    const MARKET: &str = "11110108MB1234567C";

    fn at(s: &str) -> UnixTime {
        UnixTime::parse_rfc3339(s).unwrap()
    }

    fn request(
        name: &str,
        code: Option<&str>,
        role: Role,
        from: &str,
        to: &str,
    ) -> CertificateRequest {
        CertificateRequest {
            common_name: name.into(),
            organization: None,
            authority_code: code.map(|c| c.parse().unwrap()),
            not_before: at(from),
            not_after: at(to),
            role,
            serial: [3; 16],
        }
    }

    struct Pki {
        root: Certificate,
        root_key: SigningKey,
        mid: Certificate,
        mid_key: SigningKey,
    }

    fn pki() -> Pki {
        let root_key = SigningKey::from_seed(&[1; 32]);
        let root = self_signed(
            &request(
                "根CA",
                None,
                Role::Root,
                "2020-01-01T00:00:00Z",
                "2040-01-01T00:00:00Z",
            ),
            &root_key,
        )
        .unwrap();
        let mid_key = SigningKey::from_seed(&[2; 32]);
        let mid = issue(
            &request(
                "省级CA",
                None,
                Role::Intermediate { path_len: Some(0) },
                "2020-01-01T00:00:00Z",
                "2040-01-01T00:00:00Z",
            ),
            &mid_key.public_key(),
            &root,
            &root_key,
        )
        .unwrap();
        Pki {
            root,
            root_key,
            mid,
            mid_key,
        }
    }

    fn dsc(pki: &Pki, key: &SigningKey, code: &str, from: &str, to: &str) -> Certificate {
        issue(
            &request("某局", Some(code), Role::DocumentSigner, from, to),
            &key.public_key(),
            &pki.mid,
            &pki.mid_key,
        )
        .unwrap()
    }

    fn store(pki: &Pki, signers: &[&Certificate]) -> TrustStore {
        let mut store = TrustStore::new();
        store.add_root(pki.root.clone());
        store.add_certificate(pki.mid.clone());
        for s in signers {
            store.add_certificate((*s).clone());
        }
        store
    }

    fn verify(
        store: &TrustStore,
        key: &SigningKey,
        json: &str,
        signed: &str,
        now: &str,
    ) -> Verdict {
        let licence =
            SignedLicence::sign(Licence::from_json(json).unwrap(), key, at(signed)).unwrap();
        Verifier::new([])
            .with_trust_store(store)
            .verify_bytes(licence.as_bytes(), at(now))
    }

    fn codes(v: &Verdict) -> Vec<&'static str> {
        v.reasons().iter().map(|r| r.code()).collect()
    }

    #[test]
    fn a_licence_from_a_certified_authority_verifies() {
        let pki = pki();
        let key = SigningKey::from_seed(&[10; 32]);
        let cert = dsc(
            &pki,
            &key,
            TRAFFIC,
            "2024-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        let v = verify(
            &store(&pki, &[&cert]),
            &key,
            DRIVING,
            "2025-01-01T09:00:00+08:00",
            "2026-01-01T00:00:00Z",
        );
        assert!(v.is_valid(), "{v}");
    }

    #[test]
    fn a_licence_signed_by_one_authority_in_anothers_name_is_refused() {
        let pki = pki();
        let key = SigningKey::from_seed(&[11; 32]);
        // The market regulator's key signs a licence claiming the traffic police issued it.
        let cert = dsc(
            &pki,
            &key,
            MARKET,
            "2024-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        let v = verify(
            &store(&pki, &[&cert]),
            &key,
            DRIVING,
            "2025-01-01T09:00:00+08:00",
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(codes(&v), ["authority_mismatch"]);
        assert!(v.licence().is_none(), "a forged licence is not shown");
        assert_eq!(
            v.reasons()[0].to_string(),
            format!("signed by the authority {MARKET} but issued in the name of {TRAFFIC}")
        );
    }

    #[test]
    fn rotation_old_licences_stay_valid_new_ones_need_the_new_key() {
        let pki = pki();
        let old_key = SigningKey::from_seed(&[12; 32]);
        let new_key = SigningKey::from_seed(&[13; 32]);
        let old = dsc(
            &pki,
            &old_key,
            TRAFFIC,
            "2023-01-01T00:00:00Z",
            "2025-06-30T23:59:59Z",
        );
        let new = dsc(
            &pki,
            &new_key,
            TRAFFIC,
            "2025-06-01T00:00:00Z",
            "2028-01-01T00:00:00Z",
        );
        let s = store(&pki, &[&old, &new]);
        // Signed with the old key before it was rotated out, checked in 2026: valid.
        let v = verify(
            &s,
            &old_key,
            DRIVING,
            "2025-01-01T09:00:00+08:00",
            "2026-06-01T00:00:00Z",
        );
        assert!(v.is_valid(), "{v}");
        // Signed with the old key after its certificate ended: refused.
        let v = verify(
            &s,
            &old_key,
            DRIVING,
            "2025-08-01T09:00:00+08:00",
            "2026-06-01T00:00:00Z",
        );
        assert_eq!(codes(&v), ["signer_not_valid_at_issuance"]);
        // The new key signs from June 2025.
        let v = verify(
            &s,
            &new_key,
            DRIVING,
            "2025-08-01T09:00:00+08:00",
            "2026-06-01T00:00:00Z",
        );
        assert!(v.is_valid(), "{v}");
        // The licence itself still expires on its own date.
        let v = verify(
            &s,
            &old_key,
            DRIVING,
            "2025-01-01T09:00:00+08:00",
            "2031-01-01T00:00:00Z",
        );
        assert_eq!(codes(&v), ["expired"]);
    }

    #[test]
    fn a_renewed_certificate_for_the_same_key_is_tried_too() {
        let pki = pki();
        let key = SigningKey::from_seed(&[14; 32]);
        let first = dsc(
            &pki,
            &key,
            TRAFFIC,
            "2023-01-01T00:00:00Z",
            "2024-01-01T00:00:00Z",
        );
        let renewed = dsc(
            &pki,
            &key,
            TRAFFIC,
            "2024-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        let s = store(&pki, &[&first, &renewed]);
        let v = verify(
            &s,
            &key,
            DRIVING,
            "2025-01-01T09:00:00+08:00",
            "2026-01-01T00:00:00Z",
        );
        assert!(v.is_valid(), "{v}");
    }

    #[test]
    fn chain_failures_have_their_own_reasons() {
        let pki = pki();
        let key = SigningKey::from_seed(&[15; 32]);
        let signed = "2025-01-01T09:00:00+08:00";
        let now = "2026-01-01T00:00:00Z";

        // Another root's signer.
        let other = pki_with_seed(40);
        let foreign = dsc(
            &other,
            &key,
            TRAFFIC,
            "2024-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        let mut s = store(&pki, &[]);
        s.add_certificate(other.mid.clone())
            .add_certificate(foreign);
        assert_eq!(
            codes(&verify(&s, &key, DRIVING, signed, now)),
            ["untrusted_root"]
        );

        // A signer certificate whose signature was altered after issue.
        let forged = issue_unchecked(
            &request(
                "某局",
                Some(TRAFFIC),
                Role::DocumentSigner,
                "2024-01-01T00:00:00Z",
                "2027-01-01T00:00:00Z",
            ),
            &key.public_key(),
            &pki.mid,
            &pki.mid_key,
        )
        .unwrap();
        let mut der = forged.der().to_vec();
        let n = der.len();
        der[n - 1] ^= 0x40; // the signature's last byte
        let broken = Certificate::from_der(&der).unwrap();
        assert_eq!(
            codes(&verify(
                &store(&pki, &[&broken]),
                &key,
                DRIVING,
                signed,
                now
            )),
            ["broken_chain"]
        );

        // A signer certified by another signer, not by a CA.
        let parent_key = SigningKey::from_seed(&[42; 32]);
        let parent = dsc(
            &pki,
            &parent_key,
            MARKET,
            "2024-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        let child = issue_unchecked(
            &request(
                "下级",
                Some(TRAFFIC),
                Role::DocumentSigner,
                "2024-01-01T00:00:00Z",
                "2027-01-01T00:00:00Z",
            ),
            &key.public_key(),
            &parent,
            &parent_key,
        )
        .unwrap();
        let mut s = store(&pki, &[&child]);
        s.add_signer(parent);
        assert_eq!(codes(&verify(&s, &key, DRIVING, signed, now)), ["not_a_ca"]);

        // A CA certificate used as a document signer.
        let ca_as_signer = issue(
            &request(
                "某局CA",
                Some(TRAFFIC),
                Role::Intermediate { path_len: None },
                "2024-01-01T00:00:00Z",
                "2027-01-01T00:00:00Z",
            ),
            &key.public_key(),
            &pki.root,
            &pki.root_key,
        )
        .unwrap();
        let mut s = store(&pki, &[]);
        s.add_signer(ca_as_signer);
        assert_eq!(
            codes(&verify(&s, &key, DRIVING, signed, now)),
            ["wrong_key_usage"]
        );

        // An intermediate under the path-length-0 intermediate.
        let sub_key = SigningKey::from_seed(&[43; 32]);
        let sub = issue(
            &request(
                "市级CA",
                None,
                Role::Intermediate { path_len: None },
                "2020-01-01T00:00:00Z",
                "2040-01-01T00:00:00Z",
            ),
            &sub_key.public_key(),
            &pki.mid,
            &pki.mid_key,
        )
        .unwrap();
        let deep = issue(
            &request(
                "某局",
                Some(TRAFFIC),
                Role::DocumentSigner,
                "2024-01-01T00:00:00Z",
                "2027-01-01T00:00:00Z",
            ),
            &key.public_key(),
            &sub,
            &sub_key,
        )
        .unwrap();
        let mut s = store(&pki, &[&deep]);
        s.add_certificate(sub);
        assert_eq!(
            codes(&verify(&s, &key, DRIVING, signed, now)),
            ["chain_too_long"]
        );

        // A signer certificate valid only after the licence was signed.
        let late = dsc(
            &pki,
            &key,
            TRAFFIC,
            "2025-06-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        assert_eq!(
            codes(&verify(&store(&pki, &[&late]), &key, DRIVING, signed, now)),
            ["signer_not_valid_at_issuance"]
        );

        // A signer without a store entry at all.
        assert_eq!(
            codes(&verify(&store(&pki, &[]), &key, DRIVING, signed, now)),
            ["unknown_key"]
        );
    }

    #[test]
    fn a_renewed_intermediate_gives_a_second_chain_whatever_the_load_order() {
        let pki = pki();
        // The same intermediate name and key, certified again for a later period.
        let old_mid = issue(
            &request(
                "续期CA",
                None,
                Role::Intermediate { path_len: None },
                "2020-01-01T00:00:00Z",
                "2025-03-31T00:00:00Z",
            ),
            &pki.mid_key.public_key(),
            &pki.root,
            &pki.root_key,
        )
        .unwrap();
        let new_mid = issue(
            &request(
                "续期CA",
                None,
                Role::Intermediate { path_len: None },
                "2025-01-01T00:00:00Z",
                "2035-01-01T00:00:00Z",
            ),
            &pki.mid_key.public_key(),
            &pki.root,
            &pki.root_key,
        )
        .unwrap();
        let key = SigningKey::from_seed(&[16; 32]);
        let signer = issue(
            &request(
                "某局",
                Some(TRAFFIC),
                Role::DocumentSigner,
                "2024-01-01T00:00:00Z",
                "2027-01-01T00:00:00Z",
            ),
            &key.public_key(),
            &old_mid,
            &pki.mid_key,
        )
        .unwrap();
        for mids in [[&old_mid, &new_mid], [&new_mid, &old_mid]] {
            let mut s = TrustStore::new();
            s.add_root(pki.root.clone());
            for mid in mids {
                s.add_certificate(mid.clone());
            }
            s.add_certificate(signer.clone());
            let v = verify(
                &s,
                &key,
                DRIVING,
                "2025-06-01T09:00:00+08:00",
                "2026-01-01T00:00:00Z",
            );
            assert!(v.is_valid(), "{v}");
        }
    }

    #[test]
    fn a_licence_signed_with_a_ca_key_is_the_wrong_key_usage() {
        let pki = pki();
        let s = store(&pki, &[]);
        let v = verify(
            &s,
            &pki.mid_key,
            DRIVING,
            "2025-01-01T09:00:00+08:00",
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(codes(&v), ["wrong_key_usage"]);
        let v = verify(
            &s,
            &pki.root_key,
            DRIVING,
            "2025-01-01T09:00:00+08:00",
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(codes(&v), ["wrong_key_usage"]);
    }

    fn pki_with_seed(seed: u8) -> Pki {
        let root_key = SigningKey::from_seed(&[seed; 32]);
        let root = self_signed(
            &request(
                "他国根CA",
                None,
                Role::Root,
                "2020-01-01T00:00:00Z",
                "2040-01-01T00:00:00Z",
            ),
            &root_key,
        )
        .unwrap();
        let mid_key = SigningKey::from_seed(&[seed + 1; 32]);
        let mid = issue(
            &request(
                "他省CA",
                None,
                Role::Intermediate { path_len: None },
                "2020-01-01T00:00:00Z",
                "2040-01-01T00:00:00Z",
            ),
            &mid_key.public_key(),
            &root,
            &root_key,
        )
        .unwrap();
        Pki {
            root,
            root_key,
            mid,
            mid_key,
        }
    }
}
