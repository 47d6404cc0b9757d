//! A root, a market regulator's document signer, status-list signer and
//! trust-list signer, one trust list and one status list, and a business
//! licence with a status reference: what `benches/trust_lists.rs` and
//! `examples/op_cost.rs` (`#[path]`-included by each) compare the verifier
//! on. Needs feature `ca`.
#![allow(dead_code)]

use elicence::status::{LicenceStatus, SignedStatusList, StatusList};
use elicence::trust::ca::{self, CertificateRequest, Role};
use elicence::trust::list::{SignedTrustList, TrustList, TrustListEntry};
use elicence::trust::{CertRole, Certificate, TrustStore};
use elicence::verify::StatusPolicy;
use elicence::{Licence, QrBase, SignedLicence, Signer, SigningKey, UnixTime, Verifier, qr};

const BUSINESS: &str = include_str!("../../examples/licences/business-licence.json");
const MARKET: &str = "11110108MB1234567C";
const MARKET_NAME: &str = "北京市海淀区市场监督管理局";

fn t(s: &str) -> UnixTime {
    UnixTime::parse_rfc3339(s).unwrap()
}

fn leaf(
    n: u8,
    role: Role,
    issuer: &Certificate,
    issuer_key: &SigningKey,
) -> (SigningKey, Certificate) {
    let key = SigningKey::from_seed(&[n; 32]);
    let cert = ca::issue(
        &CertificateRequest {
            common_name: MARKET_NAME.into(),
            organization: Some(MARKET_NAME.into()),
            authority_code: Some(MARKET.parse().unwrap()),
            not_before: t("2024-01-01T00:00:00Z"),
            not_after: t("2030-01-01T00:00:00Z"),
            role,
            serial: [n; 16],
        },
        &key.public_key(),
        issuer,
        issuer_key,
    )
    .unwrap();
    (key, cert)
}

/// The two verifiers and what they verify.
pub struct Lists {
    /// The licence's QR text.
    pub text: String,
    /// The verification time.
    pub at: UnixTime,
    /// The roots alone, for loading lists.
    pub roots: TrustStore,
    /// Trusts the signer's certificate through the store; no lists, so the
    /// status is a warning and no list is consulted.
    pub signer_certificate: Verifier,
    /// The roots, the trust list and the status list.
    pub listed: Verifier,
    /// The trust list's bytes.
    pub trust_list: Vec<u8>,
    /// The status list token.
    pub status_list: SignedStatusList,
}

pub fn lists() -> Lists {
    let root_key = SigningKey::from_seed(&[1; 32]);
    let root = ca::self_signed(
        &CertificateRequest {
            common_name: "root".into(),
            organization: None,
            authority_code: None,
            not_before: t("2020-01-01T00:00:00Z"),
            not_after: t("2040-01-01T00:00:00Z"),
            role: Role::Root,
            serial: [1; 16],
        },
        &root_key,
    )
    .unwrap();
    let (dsc_key, dsc) = leaf(2, Role::DocumentSigner, &root, &root_key);
    let (status_key, status_cert) = leaf(3, Role::StatusSigner, &root, &root_key);
    let (list_key, list_cert) = leaf(4, Role::TrustListSigner, &root, &root_key);
    let at = t("2025-06-01T12:00:00Z");
    let licence = Licence::from_json(BUSINESS).unwrap();
    let type_code = licence.type_code().clone();
    let text = qr::to_qr_text(
        &SignedLicence::sign(licence, &dsc_key, t("2025-01-01T00:00:00Z")).unwrap(),
        &QrBase::default(),
    );

    let mut roots = TrustStore::new();
    roots.add_root(root);
    let mut with_signer = roots.clone();
    with_signer.add_certificate(dsc.clone());
    let signer_certificate = Verifier::new([])
        .with_trust_store(&with_signer)
        .with_status_policy(StatusPolicy::Warn);

    let base = format!("https://verify.example.gov.cn/status/{MARKET}");
    let list = TrustList::new("清单", 1, at, t("2025-06-08T12:00:00Z"))
        .entry(
            TrustListEntry::new(dsc, CertRole::DocumentSigner, MARKET_NAME)
                .unwrap()
                .licence_types(vec![type_code])
                .status_base(&base),
        )
        .entry(
            TrustListEntry::new(status_cert.clone(), CertRole::StatusSigner, MARKET_NAME).unwrap(),
        );
    let trust_list = SignedTrustList::sign(list, &list_key, &[list_cert])
        .unwrap()
        .as_bytes()
        .to_vec();
    let mut statuses = StatusList::new(1 << 17).unwrap();
    statuses.set(7, LicenceStatus::Revoked).unwrap();
    let status_list = SignedStatusList::sign(
        &statuses,
        &format!("{base}/1"),
        at,
        None,
        86_400,
        &status_key,
        &[status_cert],
    )
    .unwrap();
    let mut listed = Verifier::from_roots(&roots);
    listed.add_trust_list(&trust_list, at).unwrap();
    listed.add_status_list(status_list.as_bytes(), at).unwrap();

    let bare = signer_certificate.verify_qr_text(&text, at);
    assert!(bare.is_valid() && bare.status().is_none());
    let with_lists = listed.verify_qr_text(&text, at);
    assert!(with_lists.is_valid() && with_lists.status().is_some());
    Lists {
        text,
        at,
        roots,
        signer_certificate,
        listed,
        trust_list,
        status_list,
    }
}
