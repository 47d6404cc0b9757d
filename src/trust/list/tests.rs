#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

#[test]
fn garbage_and_other_formats_are_typed_errors() {
    assert!(matches!(
        SignedTrustList::from_slice(b"not cbor"),
        Err(TrustListError::Cbor(_) | TrustListError::Structure(_))
    ));
    assert!(matches!(
        SignedTrustList::from_slice(&vec![0; MAX_TRUST_LIST_LEN + 1]),
        Err(TrustListError::TooLarge { .. })
    ));
    // A licence envelope: tag 18, its own typ.
    let key = crate::keys::SigningKey::from_seed(&[5; 32]);
    let licence = crate::Licence::builder(
        "111000000000222224001".parse().unwrap(),
        "110108199003071238",
    )
    .holder(
        crate::Holder::new(
            "王小明",
            crate::IdentityDocument::new(
                crate::DocumentKind::ResidentIdentityCard,
                "110108199003071238",
            )
            .unwrap(),
        )
        .unwrap(),
    )
    .issuer(
        crate::Issuer::new(
            "北京市公安局公安交通管理局",
            "111100000000213452".parse().unwrap(),
        )
        .unwrap(),
    )
    .issue_date("2024-05-06".parse().unwrap())
    .validity("2024-05-06".parse().unwrap(), crate::ValidUntil::LongTerm)
    .build()
    .unwrap();
    let signed =
        crate::SignedLicence::sign(licence, &key, UnixTime::from_secs(1_700_000_000)).unwrap();
    match SignedTrustList::from_slice(signed.as_bytes()) {
        Err(e @ TrustListError::ObjectType { .. }) => {
            assert_eq!(e.code(), "not_a_trust_list");
            assert!(e.to_string().contains("application/elicence+cwt"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn revocation_reasons_round_trip_and_only_compromise_taints_the_past() {
    for reason in [
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
    ] {
        assert_eq!(
            RevocationReason::from_number(u64::from(reason.number())),
            Some(reason)
        );
        assert_eq!(RevocationReason::from_name(reason.name()), Some(reason));
    }
    assert_eq!(RevocationReason::from_number(2), None);
    assert!(RevocationReason::KeyCompromise.taints_earlier_signatures());
    assert!(RevocationReason::Unspecified.taints_earlier_signatures());
    assert!(!RevocationReason::Superseded.taints_earlier_signatures());
}

#[cfg(feature = "ca")]
mod signed {
    use super::*;
    use crate::keys::SigningKey;
    use crate::trust::ca::{self, CertificateRequest, Role};

    fn request(name: &str, code: Option<&str>, role: Role, serial: u8) -> CertificateRequest {
        CertificateRequest {
            common_name: name.into(),
            organization: Some(name.into()),
            authority_code: code.map(|c| c.parse().unwrap()),
            not_before: UnixTime::from_secs(1_700_000_000),
            not_after: UnixTime::from_secs(2_000_000_000),
            role,
            serial: [serial; 16],
        }
    }

    struct Pki {
        root: Certificate,
        signer_key: SigningKey,
        signer: Certificate,
        dsc: Certificate,
    }

    fn pki() -> Pki {
        let root_key = SigningKey::from_seed(&[1; 32]);
        let root = ca::self_signed(&request("根", None, Role::Root, 1), &root_key).unwrap();
        let signer_key = SigningKey::from_seed(&[2; 32]);
        let signer = ca::issue(
            &request("清单", Some("11110108MB1234567C"), Role::TrustListSigner, 2),
            &signer_key.public_key(),
            &root,
            &root_key,
        )
        .unwrap();
        let dsc = ca::issue(
            &request(
                "北京市海淀区市场监督管理局",
                Some("11110108MB1234567C"),
                Role::DocumentSigner,
                3,
            ),
            &SigningKey::from_seed(&[3; 32]).public_key(),
            &root,
            &root_key,
        )
        .unwrap();
        Pki {
            root,
            signer_key,
            signer,
            dsc,
        }
    }

    fn list(pki: &Pki) -> TrustList {
        TrustList::new(
            "清单",
            3,
            UnixTime::from_secs(1_750_000_000),
            UnixTime::from_secs(1_760_000_000),
        )
        .entry(
            TrustListEntry::new(
                pki.dsc.clone(),
                CertRole::DocumentSigner,
                "北京市海淀区市场监督管理局",
            )
            .unwrap()
            .licence_types(vec!["11100000000054321C001".parse().unwrap()])
            .status_base("https://example.gov.cn/status/")
            .state(EntryState::Revoked {
                since: UnixTime::from_secs(1_755_000_000),
                reason: RevocationReason::Superseded,
            }),
        )
    }

    #[test]
    fn a_signed_list_round_trips_and_verifies_under_its_root() {
        let pki = pki();
        let signed = SignedTrustList::sign(
            list(&pki),
            &pki.signer_key,
            std::slice::from_ref(&pki.signer),
        )
        .unwrap();
        let read = SignedTrustList::from_slice(signed.as_bytes()).unwrap();
        assert_eq!(read, signed);
        assert_eq!(
            read.list().entries[0].status_list_uri(4).as_deref(),
            Some("https://example.gov.cn/status/4")
        );
        let mut store = TrustStore::new();
        store.add_root(pki.root.clone());
        read.verify(&store).unwrap();
        // Trailing bytes and a changed byte.
        let mut trailing = signed.as_bytes().to_vec();
        trailing.push(0);
        assert!(SignedTrustList::from_slice(&trailing).is_err());
        let mut changed = signed.as_bytes().to_vec();
        let at = changed.len() - 70;
        changed[at] ^= 1;
        if let Ok(list) = SignedTrustList::from_slice(&changed) {
            assert_eq!(list.verify(&store), Err(TrustListFailure::BadSignature));
        }
        // Under another root it is not trusted.
        let mut other = TrustStore::new();
        other.add_root(
            ca::self_signed(
                &request("别的根", None, Role::Root, 9),
                &SigningKey::from_seed(&[9; 32]),
            )
            .unwrap(),
        );
        assert!(matches!(
            read.verify(&other),
            Err(TrustListFailure::SignerUntrusted { .. })
        ));
    }

    #[test]
    fn a_document_signer_cannot_sign_a_trust_list() {
        let pki = pki();
        let dsc_key = SigningKey::from_seed(&[3; 32]);
        let signed =
            SignedTrustList::sign(list(&pki), &dsc_key, std::slice::from_ref(&pki.dsc)).unwrap();
        let mut store = TrustStore::new();
        store.add_root(pki.root.clone());
        match signed.verify(&store) {
            Err(TrustListFailure::SignerUntrusted { failure }) => {
                assert_eq!(failure.code(), "wrong_role")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn what_decoding_refuses_is_not_signed() {
        let pki = pki();
        let sign = |list: TrustList| {
            SignedTrustList::sign(list, &pki.signer_key, std::slice::from_ref(&pki.signer))
        };
        let mut wrong_authority = list(&pki);
        wrong_authority.entries[0].authority = "111100000000213452".parse().unwrap();
        assert_eq!(sign(wrong_authority).unwrap_err().code(), "bad_entry");
        let mut twice = list(&pki);
        let first = twice.entries[0].clone();
        twice.entries.push(first);
        assert_eq!(sign(twice).unwrap_err().code(), "bad_entry");
        let mut backwards = list(&pki);
        backwards.next_update = backwards.issued_at;
        assert_eq!(sign(backwards).unwrap_err().code(), "bad_field");
        let mut typed_seal_maker = list(&pki);
        typed_seal_maker.entries[0].role = CertRole::SealMaker;
        assert_eq!(sign(typed_seal_maker).unwrap_err().code(), "bad_entry");
        assert_eq!(
            SignedTrustList::sign(list(&pki), &pki.signer_key, std::slice::from_ref(&pki.dsc))
                .unwrap_err()
                .code(),
            "signer_chain"
        );
    }
}

#[test]
fn status_list_uris_match_only_their_one_spelling() {
    let pki_free_entry = |base: &str| {
        // The check reads only the status base; any certificate will do.
        let der = include_bytes!("../../../fuzz/corpus/certificate/dsc.der");
        let cert = Certificate::from_der(der).unwrap();
        TrustListEntry::new(cert, CertRole::DocumentSigner, "局")
            .unwrap()
            .status_base(base)
    };
    let entry = pki_free_entry("https://x.gov.cn/status/");
    assert!(entry.is_status_list_uri("https://x.gov.cn/status/7", 7));
    assert!(entry.is_status_list_uri("https://x.gov.cn/status/0", 0));
    for uri in [
        "https://x.gov.cn/status/07",
        "https://x.gov.cn/status/8",
        "https://x.gov.cn/status//7",
        "https://x.gov.cn/status/7/",
        "https://x.gov.cn/status/+7",
        "https://x.gov.cn/statu/7",
        "https://evil.example/https://x.gov.cn/status/7",
    ] {
        assert!(!entry.is_status_list_uri(uri, 7), "{uri}");
    }
    assert_eq!(
        entry.status_list_uri(7).as_deref(),
        Some("https://x.gov.cn/status/7")
    );
}
