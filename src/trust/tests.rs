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

#[test]
fn role_oids_decode_to_their_dotted_names() {
    for role in CertRole::ALL {
        let der = role.oid_der();
        let (first, rest) = der.split_first().unwrap();
        assert_eq!(*first, 2 * 40 + 25, "2.25");
        let mut arcs = vec!["2".to_owned(), "25".to_owned()];
        let mut value: u128 = 0;
        for byte in rest {
            value = value << 7 | u128::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                arcs.push(value.to_string());
                value = 0;
            }
        }
        assert_eq!(rest.last().map(|b| b & 0x80), Some(0), "complete");
        assert_eq!(arcs.join("."), role.oid());
        assert!(role.oid().starts_with(role::ROLE_ARC));
        assert_eq!(CertRole::from_oid_der(der), Some(role));
        assert_eq!(role.name().parse::<CertRole>(), Ok(role));
        assert_eq!(role.to_string(), role.name());
    }
    assert_eq!(
        "signer".parse::<CertRole>(),
        Err(RoleError::Unknown {
            name: "signer".into()
        })
    );
    assert_eq!(CertRole::from_oid_der(&[0x69, 0x01]), None);
}

#[cfg(feature = "ca")]
use crate::keys::{Signer, SigningKey};

#[cfg(feature = "ca")]
#[path = "../../tests/support/der_surgery.rs"]
mod der;

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
            CertError::UnsupportedCriticalExtension {
                oid: "2.5.29.99".into()
            }
        );
        assert_eq!(err.code(), "unsupported_critical_extension");
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
        // The certified organisation is the authority's name, which the
        // licence's issuer name must match.
        let organization = code.map(|c| {
            if c == MARKET {
                "北京市海淀区市场监督管理局".to_owned()
            } else {
                "北京市公安局公安交通管理局".to_owned()
            }
        });
        CertificateRequest {
            common_name: name.into(),
            organization,
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

    /// What the certified signer refuses, each before anything is signed,
    /// and what it signs verifies under the root alone.
    #[test]
    fn a_certified_signer_refuses_what_verifiers_would_refuse() {
        use crate::trust::{CertifiedSigner, SignerCertError};
        let pki = pki();
        let signed_at = at("2025-01-01T09:00:00+08:00");
        let key = || SigningKey::from_seed(&[12; 32]);
        let cert = dsc(
            &pki,
            &key(),
            TRAFFIC,
            "2024-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        let bundle = vec![cert.clone(), pki.mid.clone()];
        let signer = CertifiedSigner::new(&key().public_key(), bundle.clone(), signed_at).unwrap();
        assert_eq!(signer.authority().as_str(), TRAFFIC);
        assert_eq!(signer.chain().len(), 2);
        let licence = Licence::from_json(DRIVING).unwrap();
        let signed = signer.sign(&key(), licence.clone(), signed_at).unwrap();
        let file = signer.file_bytes(&signed).unwrap();
        let mut roots = TrustStore::new();
        roots.add_root(pki.root.clone());
        let verdict = Verifier::new([])
            .with_trust_store(&roots)
            .verify_bytes(&file, at("2026-01-01T00:00:00Z"));
        assert!(verdict.is_valid(), "{verdict}");

        let refusal = |key: SigningKey, bundle: Vec<Certificate>, when: UnixTime| {
            CertifiedSigner::new(&key.public_key(), bundle, when).unwrap_err()
        };
        let other = SigningKey::from_seed(&[13; 32]);
        assert!(matches!(
            refusal(other, bundle.clone(), signed_at),
            SignerCertError::NotForThisKey { .. }
        ));
        assert!(matches!(
            refusal(key(), bundle.clone(), at("2030-01-01T00:00:00Z")),
            SignerCertError::NotValidAt { .. }
        ));
        assert!(matches!(
            refusal(SigningKey::from_seed(&[2; 32]), bundle.clone(), signed_at),
            SignerCertError::CaCertificate
        ));
        let seal_maker = issue(
            &request(
                "某局",
                Some(TRAFFIC),
                Role::SealMaker,
                "2024-01-01T00:00:00Z",
                "2027-01-01T00:00:00Z",
            ),
            &key().public_key(),
            &pki.mid,
            &pki.mid_key,
        )
        .unwrap();
        assert!(matches!(
            refusal(key(), vec![seal_maker], signed_at),
            SignerCertError::WrongRole { .. }
        ));
        assert!(matches!(
            CertifiedSigner::from_bundle(&key().public_key(), b"not a certificate", signed_at),
            Err(SignerCertError::NoCertificate)
        ));
        // A licence in another authority's name.
        let mut json: serde_json::Value = serde_json::from_str(DRIVING).unwrap();
        json["issuer"]["code"] = MARKET.into();
        let foreign = Licence::from_json(&json.to_string()).unwrap();
        let error = signer.sign(&key(), foreign, signed_at).unwrap_err();
        assert_eq!(error.code(), "issuer_mismatch");
        assert!(error.to_string().contains(MARKET), "{error}");
        // Another key than the certified one does not sign under it.
        let error = signer
            .sign(&SigningKey::from_seed(&[13; 32]), licence, signed_at)
            .unwrap_err();
        assert_eq!(error.code(), "not_for_this_key");
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
        assert_eq!(codes(&v), ["authority_mismatch", "issuer_name_mismatch"]);
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

/// Roles, strict extensions and the chain search's key identifiers, memo and
/// loop detection, checked through [`TrustStore::certify`].
#[cfg(feature = "ca")]
mod strict {
    use super::der::{self, extension, extension_oid, tlv};
    use super::*;
    use crate::date::UnixTime;
    use crate::keys::{Signer, SigningKey};
    use crate::trust::ca::{
        CaError, CertificateRequest, Role, issue, issue_unchecked, self_signed,
    };

    const CODE: &str = "111100000000213452";

    fn at(s: &str) -> UnixTime {
        UnixTime::parse_rfc3339(s).unwrap()
    }

    fn request(name: &str, role: Role, from: UnixTime, to: UnixTime) -> CertificateRequest {
        let code = role.cert_role().map(|_| CODE.parse().unwrap());
        CertificateRequest {
            common_name: name.into(),
            organization: None,
            authority_code: code,
            not_before: from,
            not_after: to,
            role,
            serial: [9; 16],
        }
    }

    struct Pki {
        root: Certificate,
        mid: Certificate,
        mid_key: SigningKey,
    }

    fn pki() -> Pki {
        let (from, to) = (at("2000-01-01T00:00:00Z"), at("2050-01-01T00:00:00Z"));
        let root_key = SigningKey::from_seed(&[1; 32]);
        let root = self_signed(&request("根CA", Role::Root, from, to), &root_key).unwrap();
        let mid_key = SigningKey::from_seed(&[2; 32]);
        let mid = issue(
            &request("省级CA", Role::Intermediate { path_len: None }, from, to),
            &mid_key.public_key(),
            &root,
            &root_key,
        )
        .unwrap();
        Pki { root, mid, mid_key }
    }

    fn leaf(pki: &Pki, role: Role, seed: u8) -> (SigningKey, Certificate) {
        let key = SigningKey::from_seed(&[seed; 32]);
        let cert = issue(
            &request(
                "某局",
                role,
                at("2024-01-01T00:00:00Z"),
                at("2027-01-01T00:00:00Z"),
            ),
            &key.public_key(),
            &pki.mid,
            &pki.mid_key,
        )
        .unwrap();
        (key, cert)
    }

    fn store(pki: &Pki) -> TrustStore {
        let mut store = TrustStore::new();
        store.add_root(pki.root.clone());
        store.add_certificate(pki.mid.clone());
        store
    }

    fn failure(store: &TrustStore, role: CertRole, cert: &Certificate) -> Option<&'static str> {
        store
            .certify(role, cert, &[])
            .failure()
            .map(TrustFailure::code)
    }

    #[test]
    fn each_end_entity_role_is_written_and_read_back() {
        let pki = pki();
        let roles = [
            (Role::DocumentSigner, CertRole::DocumentSigner),
            (Role::SealMaker, CertRole::SealMaker),
            (Role::StatusSigner, CertRole::StatusSigner),
            (Role::TrustListSigner, CertRole::TrustListSigner),
        ];
        let s = store(&pki);
        for (i, (role, cert_role)) in roles.into_iter().enumerate() {
            assert_eq!(role.cert_role(), Some(cert_role));
            let (_, cert) = leaf(&pki, role, 10 + i as u8);
            assert_eq!(cert.role(), Some(cert_role));
            assert!(!cert.is_ca());
            // No basicConstraints at all: `cA FALSE` is not DER.
            assert!(
                !cert
                    .der()
                    .windows(5)
                    .any(|w| w == [0x06, 0x03, 0x55, 0x1d, 0x13])
            );
            assert_eq!(cert.authority_key_id(), pki.mid.subject_key_id());
            assert!(cert.subject_key_id().is_some());
            let usage = cert.key_usage().unwrap();
            assert!(usage.digital_signature && !usage.key_cert_sign && !usage.crl_sign);
            let signer = s.certify(cert_role, &cert, &[]);
            assert_eq!(signer.failure(), None);
            assert_eq!(signer.role(), cert_role);
            for other in CertRole::ALL.into_iter().filter(|r| *r != cert_role) {
                assert_eq!(
                    s.certify(other, &cert, &[]).failure(),
                    Some(&TrustFailure::WrongRole {
                        subject: "某局".into(),
                        needed: other,
                        found: Some(cert_role),
                    })
                );
            }
        }
        assert_eq!(pki.mid.role(), None);
        assert!(pki.mid.key_usage().unwrap().crl_sign);
        assert_eq!(Role::Root.cert_role(), None);
        let err = issue(
            &CertificateRequest {
                authority_code: None,
                ..request(
                    "某局",
                    Role::SealMaker,
                    at("2024-01-01T00:00:00Z"),
                    at("2025-01-01T00:00:00Z"),
                )
            },
            &pki.mid_key.public_key(),
            &pki.mid,
            &pki.mid_key,
        )
        .unwrap_err();
        assert_eq!(err, CaError::MissingAuthorityCode);
        // The signers listed for a role include the others, refused.
        let (_, maker) = leaf(&pki, Role::SealMaker, 20);
        let mut s = store(&pki);
        s.add_certificate(maker);
        let codes: Vec<_> = s
            .document_signers()
            .iter()
            .map(|d| d.failure().map(TrustFailure::code))
            .collect();
        assert_eq!(
            codes,
            [
                Some("wrong_role"),
                Some("wrong_key_usage"),
                Some("wrong_key_usage")
            ]
        );
        assert!(s.signers_for(CertRole::SealMaker)[0].failure().is_none());
    }

    #[test]
    fn roles_in_the_extended_key_usage() {
        let pki = pki();
        let (_, cert) = leaf(&pki, Role::DocumentSigner, 30);
        let eku = |oids: &[&[u8]], critical: bool| {
            let list: Vec<u8> = oids.iter().flat_map(|o| tlv(0x06, o)).collect();
            extension(&der::EXTENDED_KEY_USAGE, critical, &tlv(0x30, &list))
        };
        let with_eku = |ext: Option<Vec<u8>>| {
            der::edit_extensions(&cert, &pki.mid_key, |exts| {
                exts.retain(|e| extension_oid(e) != der::EXTENDED_KEY_USAGE);
                exts.extend(ext);
            })
        };
        // Two of our roles: a parse error.
        let two = with_eku(Some(eku(
            &[
                CertRole::DocumentSigner.oid_der(),
                CertRole::SealMaker.oid_der(),
            ],
            false,
        )));
        assert_eq!(
            Certificate::from_der(&two),
            Err(CertError::RoleConflict {
                first: CertRole::DocumentSigner,
                second: CertRole::SealMaker
            })
        );
        // Other purposes beside ours are fine, and a critical EKU is processed.
        let server_auth: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
        let mixed = Certificate::from_der(&with_eku(Some(eku(
            &[server_auth, CertRole::SealMaker.oid_der()],
            true,
        ))))
        .unwrap();
        assert_eq!(mixed.role(), Some(CertRole::SealMaker));
        // No EKU, or one without our roles: no role.
        let s = store(&pki);
        for ext in [None, Some(eku(&[server_auth], false))] {
            let none = Certificate::from_der(&with_eku(ext)).unwrap();
            assert_eq!(none.role(), None);
            assert_eq!(
                s.certify(CertRole::DocumentSigner, &none, &[]).failure(),
                Some(&TrustFailure::WrongRole {
                    subject: "某局".into(),
                    needed: CertRole::DocumentSigner,
                    found: None,
                })
            );
        }
    }

    #[test]
    fn broken_duplicate_and_unknown_critical_extensions_are_refused() {
        let pki = pki();
        let (_, cert) = leaf(&pki, Role::DocumentSigner, 31);
        // The key usage twice, both copies identical and readable.
        let twice = der::edit_extensions(&cert, &pki.mid_key, |exts| {
            let ku = exts
                .iter()
                .find(|e| extension_oid(e) == der::KEY_USAGE)
                .unwrap()
                .clone();
            exts.push(ku);
        });
        let err = Certificate::from_der(&twice).unwrap_err();
        assert_eq!(
            err,
            CertError::DuplicateExtension {
                oid: "2.5.29.15".into()
            }
        );
        assert_eq!(err.code(), "duplicate_extension");
        // A duplicate of an extension x509-parser does not know is caught too.
        let unknown = extension(&[0x2a, 0x03, 0x04], false, &[0x05, 0x00]);
        let twice = der::edit_extensions(&cert, &pki.mid_key, |exts| {
            exts.push(unknown.clone());
            exts.push(unknown.clone());
        });
        assert!(matches!(
            Certificate::from_der(&twice),
            Err(CertError::DuplicateExtension { .. })
        ));
        // An unknown non-critical extension is ignored; critical, refused.
        let once = der::edit_extensions(&cert, &pki.mid_key, |exts| exts.push(unknown.clone()));
        assert!(Certificate::from_der(&once).is_ok());
        let critical = der::edit_extensions(&cert, &pki.mid_key, |exts| {
            exts.push(extension(&[0x2a, 0x03, 0x04], true, &[0x05, 0x00]));
        });
        assert_eq!(
            Certificate::from_der(&critical),
            Err(CertError::UnsupportedCriticalExtension {
                oid: "1.2.3.4".into()
            })
        );
        // A CA's critical basicConstraints that does not parse: x509-parser
        // alone would read it as absent, making the CA an end entity.
        let root_key = SigningKey::from_seed(&[1; 32]);
        let broken_bc = der::edit_extensions(&pki.mid, &root_key, |exts| {
            for e in exts.iter_mut() {
                if extension_oid(e) == der::BASIC_CONSTRAINTS {
                    *e = extension(
                        &der::BASIC_CONSTRAINTS,
                        true,
                        &[0x31, 0x03, 0x01, 0x01, 0xff],
                    );
                }
            }
        });
        let err = Certificate::from_der(&broken_bc).unwrap_err();
        assert!(
            matches!(&err, CertError::MalformedExtension { oid, .. } if oid == "2.5.29.19"),
            "{err:?}"
        );
        // A key usage that does not parse.
        let broken_ku = der::edit_extensions(&cert, &pki.mid_key, |exts| {
            for e in exts.iter_mut() {
                if extension_oid(e) == der::KEY_USAGE {
                    *e = extension(&der::KEY_USAGE, true, &[0x04, 0x01, 0x00]);
                }
            }
        });
        assert!(matches!(
            Certificate::from_der(&broken_ku),
            Err(CertError::MalformedExtension { .. })
        ));
    }

    #[test]
    fn an_end_entity_that_may_certify_is_refused() {
        let pki = pki();
        let (_, cert) = leaf(&pki, Role::DocumentSigner, 32);
        let s = store(&pki);
        for (bits, usage) in [([0x02, 0xc4], "keyCertSign"), ([0x01, 0xc2], "cRLSign")] {
            let der = der::edit_extensions(&cert, &pki.mid_key, |exts| {
                for e in exts.iter_mut() {
                    if extension_oid(e) == der::KEY_USAGE {
                        *e = extension(&der::KEY_USAGE, true, &tlv(0x03, &bits));
                    }
                }
            });
            let bad = Certificate::from_der(&der).unwrap();
            assert!(!bad.is_ca());
            assert_eq!(
                s.certify(CertRole::DocumentSigner, &bad, &[]).failure(),
                Some(&TrustFailure::EndEntityCaUsage {
                    subject: "某局".into(),
                    usage,
                })
            );
        }
    }

    #[test]
    fn an_issuer_with_the_right_name_but_another_key_identifier_is_no_candidate() {
        let pki = pki();
        let (_, cert) = leaf(&pki, Role::DocumentSigner, 33);
        let der = der::edit_extensions(&cert, &pki.mid_key, |exts| {
            for e in exts.iter_mut() {
                if extension_oid(e) == der::AUTHORITY_KEY_ID {
                    let last = e.len() - 1;
                    e[last] ^= 1;
                }
            }
        });
        let other = Certificate::from_der(&der).unwrap();
        assert_ne!(other.authority_key_id(), pki.mid.subject_key_id());
        // Name and signature fit the intermediate, the key identifier does not.
        assert!(other.is_signed_by(&pki.mid));
        assert_eq!(
            failure(&store(&pki), CertRole::DocumentSigner, &other),
            Some("untrusted_root")
        );
        assert_eq!(failure(&store(&pki), CertRole::DocumentSigner, &cert), None);
    }

    /// `count` certificates for `key` under `name`, the `k`th valid from
    /// 2020-01-01 plus `k` quarters, for half a year.
    fn renewals(
        count: i64,
        name: &str,
        role: Role,
        key: &SigningKey,
        issuer: Option<(&Certificate, &SigningKey)>,
    ) -> Vec<Certificate> {
        let start = at("2020-01-01T00:00:00Z").secs();
        (0..count)
            .map(|k| {
                let from = UnixTime::from_secs(start + k * 91 * 86_400);
                let to = UnixTime::from_secs(from.secs() + 182 * 86_400);
                let mut req = request(name, role, from, to);
                req.serial = [k as u8 + 1; 16];
                match issuer {
                    Some((cert, issuer_key)) => {
                        issue(&req, &key.public_key(), cert, issuer_key).unwrap()
                    }
                    None => self_signed(&req, key).unwrap(),
                }
            })
            .collect()
    }

    #[test]
    fn forty_renewals_of_an_intermediate_still_give_the_chain() {
        let pki = pki();
        let root_key = SigningKey::from_seed(&[1; 32]);
        let mids = renewals(
            40,
            "省级CA",
            Role::Intermediate { path_len: None },
            &pki.mid_key,
            Some((&pki.root, &root_key)),
        );
        let (_, cert) = leaf(&pki, Role::DocumentSigner, 34);
        let mut s = TrustStore::new();
        s.add_root(pki.root.clone());
        for mid in &mids {
            s.add_certificate(mid.clone());
        }
        let signer = s.certify(CertRole::DocumentSigner, &cert, &[]);
        assert_eq!(signer.failure(), None);
        // Every time the DSC was valid under some renewal is found, up to the
        // last renewal that overlaps it.
        for t in [
            "2024-02-01T00:00:00Z",
            "2025-06-01T00:00:00Z",
            "2026-12-01T00:00:00Z",
        ] {
            assert!(signer.valid_at(at(t)), "{t}");
        }
    }

    #[test]
    fn forty_renewals_of_the_root_cost_one_signature_check() {
        let root_key = SigningKey::from_seed(&[1; 32]);
        let roots = renewals(40, "根CA", Role::Root, &root_key, None);
        let mid_key = SigningKey::from_seed(&[2; 32]);
        let long = (at("2000-01-01T00:00:00Z"), at("2050-01-01T00:00:00Z"));
        // Intermediates certified by the first root, one per level: without
        // the memo, each root renewal would cost a check per path.
        let mid = issue(
            &request(
                "省级CA",
                Role::Intermediate { path_len: None },
                long.0,
                long.1,
            ),
            &mid_key.public_key(),
            &roots[0],
            &root_key,
        )
        .unwrap();
        let pki = Pki {
            root: roots[0].clone(),
            mid,
            mid_key,
        };
        let (_, cert) = leaf(&pki, Role::DocumentSigner, 35);
        let mut s = TrustStore::new();
        for root in &roots {
            s.add_root(root.clone());
        }
        s.add_certificate(pki.mid.clone());
        let signer = s.certify(CertRole::DocumentSigner, &cert, &[]);
        assert_eq!(signer.failure(), None);
        assert!(signer.valid_at(at("2026-12-01T00:00:00Z")));
    }

    #[test]
    fn loops_among_candidates_are_named() {
        let pki = pki();
        let long = (at("2000-01-01T00:00:00Z"), at("2050-01-01T00:00:00Z"));
        let ca = Role::Intermediate { path_len: None };
        // A and B name each other as issuer; neither is a root.
        let a_key = SigningKey::from_seed(&[50; 32]);
        let b_key = SigningKey::from_seed(&[51; 32]);
        let a_self = self_signed(&request("环A", Role::Root, long.0, long.1), &a_key).unwrap();
        let b = issue(
            &request("环B", ca, long.0, long.1),
            &b_key.public_key(),
            &a_self,
            &a_key,
        )
        .unwrap();
        let a = issue(
            &request("环A", ca, long.0, long.1),
            &a_key.public_key(),
            &b,
            &b_key,
        )
        .unwrap();
        let dsc = issue(
            &request("某局", Role::DocumentSigner, long.0, long.1),
            &SigningKey::from_seed(&[52; 32]).public_key(),
            &a,
            &a_key,
        )
        .unwrap();
        let mut s = store(&pki);
        s.add_certificate(a.clone()).add_certificate(b);
        assert_eq!(
            s.certify(CertRole::DocumentSigner, &dsc, &[]).failure(),
            Some(&TrustFailure::ChainLoop {
                subject: "环A".into()
            })
        );
        // A self-signed CA that is not a root: an anchor nobody trusts.
        let mut s = store(&pki);
        s.add_certificate(a_self.clone());
        let under_self = issue_unchecked(
            &request("某局", Role::DocumentSigner, long.0, long.1),
            &SigningKey::from_seed(&[53; 32]).public_key(),
            &a_self,
            &a_key,
        )
        .unwrap();
        assert_eq!(
            failure(&s, CertRole::DocumentSigner, &under_self),
            Some("untrusted_root")
        );
        // Trusted as a root, the same certificate ends the chain.
        s.add_root(a_self);
        assert_eq!(failure(&s, CertRole::DocumentSigner, &under_self), None);
        let _ = Signer::public_key(&a_key);
    }
}
