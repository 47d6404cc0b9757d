//! Verifying with a trust list and a cached status list against verifying
//! with the signer's certificate alone, in one run, on the same licence (a
//! business licence with a status reference); and taking a trust list.
//!
//! `cargo bench --bench trust_lists --features ca`; `-- --test` to smoke-test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use elicence::status::{LicenceStatus, SignedStatusList, StatusList};
use elicence::trust::ca::{self, CertificateRequest, Role};
use elicence::trust::list::{SignedTrustList, TrustList, TrustListEntry};
use elicence::trust::{CertRole, Certificate, TrustStore};
use elicence::verify::StatusPolicy;
use elicence::{Licence, QrBase, SignedLicence, Signer, SigningKey, UnixTime, Verifier, qr};

const BUSINESS: &str = include_str!("../examples/licences/business-licence.json");
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

fn benches(c: &mut Criterion) {
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
    let text = qr::to_qr_text(
        &SignedLicence::sign(licence, &dsc_key, t("2025-01-01T00:00:00Z")).unwrap(),
        &QrBase::default(),
    );

    let mut roots = TrustStore::new();
    roots.add_root(root.clone());
    // The signer's certificate alone: no status lists, so the status is
    // only a warning and no list is consulted.
    let mut with_signer = roots.clone();
    with_signer.add_certificate(dsc.clone());
    let bare = Verifier::new([])
        .with_trust_store(&with_signer)
        .with_status_policy(StatusPolicy::Warn);

    let base = format!("https://verify.example.gov.cn/status/{MARKET}");
    let list = TrustList::new("清单", 1, at, t("2025-06-08T12:00:00Z"))
        .entry(
            TrustListEntry::new(dsc, CertRole::DocumentSigner, MARKET_NAME)
                .unwrap()
                .licence_types(vec![licence_type()])
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
    let token = SignedStatusList::sign(
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
    listed.add_status_list(token.as_bytes(), at).unwrap();

    let bare_verdict = bare.verify_qr_text(&text, at);
    assert!(bare_verdict.is_valid() && bare_verdict.status().is_none());
    let listed_verdict = listed.verify_qr_text(&text, at);
    assert!(listed_verdict.is_valid() && listed_verdict.status().is_some());
    eprintln!(
        "trust list: {} bytes; status list token (2^17 entries): {} bytes",
        trust_list.len(),
        token.as_bytes().len()
    );

    let mut verify = c.benchmark_group("verify_lists");
    verify.bench_function("signer_certificate", |b| {
        b.iter(|| bare.verify_qr_text(black_box(&text), at))
    });
    verify.bench_function("trust_list_and_status_list", |b| {
        b.iter(|| listed.verify_qr_text(black_box(&text), at))
    });
    verify.finish();

    let mut load = c.benchmark_group("load_lists");
    load.bench_function("trust_list", |b| {
        b.iter(|| {
            let mut v = Verifier::from_roots(&roots);
            v.add_trust_list(black_box(&trust_list), at).unwrap();
            v
        })
    });
    load.bench_function("status_list_2e17", |b| {
        b.iter(|| {
            let mut v = listed.clone();
            v.add_status_list(black_box(token.as_bytes()), at).unwrap();
            v
        })
    });
    load.finish();
}

fn licence_type() -> elicence::LicenceTypeCode {
    Licence::from_json(BUSINESS).unwrap().type_code().clone()
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = lists;
    config = config();
    targets = benches
}
criterion_main!(lists);
