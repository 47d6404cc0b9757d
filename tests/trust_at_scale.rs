//! A verifier configured with a root, one trust list and the authorities'
//! status lists, and nothing else: what it accepts and what it refuses, and
//! why. Every certificate is made with the crate's `ca` module.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use elicence::seal::{SealInfo, SealPicture, SignedSeal};
use elicence::status::{LicenceStatus, SignedStatusList, StatusList};
use elicence::trust::ca::{self, CertificateRequest, Role};
use elicence::trust::list::{
    EntryState, RevocationReason, SignedTrustList, TrustList, TrustListEntry,
};
use elicence::trust::{CertRole, Certificate, TrustStore};
use elicence::verify::{CompromisePolicy, StatusPolicy};
use elicence::{
    Licence, QrBase, SignedLicence, Signer, SigningKey, UnixTime, Verdict, Verifier, qr,
};

const TRAFFIC: &str = "111100000000213452";
const TRAFFIC_NAME: &str = "北京市公安局公安交通管理局";
const MARKET: &str = "11110108MB1234567C";
const MARKET_NAME: &str = "北京市海淀区市场监督管理局";
const DRIVING_TYPE: &str = "111000000000222224001";
const BUSINESS_TYPE: &str = "11100000000054321C001";
const STATUS_BASE: &str = "https://verify.example.gov.cn/status/11110108MB1234567C";

fn t(s: &str) -> UnixTime {
    UnixTime::parse_rfc3339(s).unwrap()
}

fn key(n: u8) -> SigningKey {
    SigningKey::from_seed(&[n; 32])
}

fn request(name: &str, code: Option<&str>, role: Role, serial: u8) -> CertificateRequest {
    CertificateRequest {
        common_name: name.into(),
        organization: code.map(|_| name.to_owned()),
        authority_code: code.map(|c| c.parse().unwrap()),
        not_before: t("2024-01-01T00:00:00Z"),
        not_after: t("2034-01-01T00:00:00Z"),
        role,
        serial: [serial; 16],
    }
}

fn example(name: &str) -> Licence {
    let path = format!(
        "{}/examples/licences/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    Licence::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Pki {
    root: Certificate,
    mid: Certificate,
    traffic: (SigningKey, Certificate),
    market: (SigningKey, Certificate),
    seal_maker: (SigningKey, Certificate),
    market_status: (SigningKey, Certificate),
    list_signer: (SigningKey, Certificate),
}

fn pki() -> Pki {
    let root_key = key(1);
    let root = ca::self_signed(&request("示例根CA", None, Role::Root, 1), &root_key).unwrap();
    let mid_key = key(2);
    let mid = ca::issue(
        &request(
            "示例省级CA",
            None,
            Role::Intermediate { path_len: Some(0) },
            2,
        ),
        &mid_key.public_key(),
        &root,
        &root_key,
    )
    .unwrap();
    let leaf = |n: u8, name: &str, code: &str, role: Role| {
        let k = key(n);
        let cert = ca::issue(
            &request(name, Some(code), role, n),
            &k.public_key(),
            &mid,
            &mid_key,
        )
        .unwrap();
        (k, cert)
    };
    Pki {
        traffic: leaf(10, TRAFFIC_NAME, TRAFFIC, Role::DocumentSigner),
        market: leaf(11, MARKET_NAME, MARKET, Role::DocumentSigner),
        seal_maker: leaf(12, MARKET_NAME, MARKET, Role::SealMaker),
        market_status: leaf(13, MARKET_NAME, MARKET, Role::StatusSigner),
        list_signer: leaf(14, "示例电子证照信任清单", MARKET, Role::TrustListSigner),
        root,
        mid,
    }
}

impl Pki {
    fn store(&self) -> TrustStore {
        let mut store = TrustStore::new();
        store.add_root(self.root.clone());
        store
    }

    fn entries(&self) -> Vec<TrustListEntry> {
        vec![
            TrustListEntry::new(
                self.traffic.1.clone(),
                CertRole::DocumentSigner,
                TRAFFIC_NAME,
            )
            .unwrap()
            .licence_types(vec![DRIVING_TYPE.parse().unwrap()]),
            TrustListEntry::new(self.market.1.clone(), CertRole::DocumentSigner, MARKET_NAME)
                .unwrap()
                .licence_types(vec![BUSINESS_TYPE.parse().unwrap()])
                .status_base(STATUS_BASE),
            TrustListEntry::new(self.seal_maker.1.clone(), CertRole::SealMaker, MARKET_NAME)
                .unwrap(),
            TrustListEntry::new(
                self.market_status.1.clone(),
                CertRole::StatusSigner,
                MARKET_NAME,
            )
            .unwrap(),
        ]
    }

    fn trust_list(&self, sequence: u64, entries: Vec<TrustListEntry>) -> Vec<u8> {
        let mut list = TrustList::new(
            "示例电子证照信任清单",
            sequence,
            t("2025-06-01T00:00:00Z"),
            t("2026-07-01T00:00:00Z"),
        )
        .intermediate(self.mid.clone());
        for entry in entries {
            list = list.entry(entry);
        }
        let chain = [self.list_signer.1.clone(), self.mid.clone()];
        SignedTrustList::sign(list, &self.list_signer.0, &chain)
            .unwrap()
            .as_bytes()
            .to_vec()
    }

    fn status_list(&self, revoked: &[u32], iat: &str, ttl: u64) -> Vec<u8> {
        let mut list = StatusList::new(1 << 17).unwrap();
        for &index in revoked {
            list.set(index, LicenceStatus::Revoked).unwrap();
        }
        list.set(100, LicenceStatus::Suspended).unwrap();
        let chain = [self.market_status.1.clone(), self.mid.clone()];
        SignedStatusList::sign(
            &list,
            &format!("{STATUS_BASE}/1"),
            t(iat),
            None,
            ttl,
            &self.market_status.0,
            &chain,
        )
        .unwrap()
        .as_bytes()
        .to_vec()
    }

    fn verifier(&self) -> Verifier {
        let mut v = Verifier::from_roots(&self.store());
        v.add_trust_list(&self.trust_list(7, self.entries()), t(SIGNED))
            .unwrap();
        v.add_status_list(&self.status_list(&[4821], SIGNED, 86_400), t(SIGNED))
            .unwrap();
        v
    }
}

const SIGNED: &str = "2025-06-02T09:00:00+08:00";
const NOW: &str = "2025-06-02T12:00:00+08:00";

fn sign(licence: Licence, signer: &dyn Signer) -> SignedLicence {
    SignedLicence::sign(licence, signer, t(SIGNED)).unwrap()
}

fn verify(v: &Verifier, envelope: &SignedLicence, at: &str) -> Verdict {
    v.verify_qr_text(&qr::to_qr_text(envelope, &QrBase::default()), t(at))
}

fn codes(verdict: &Verdict) -> Vec<&'static str> {
    verdict.reasons().iter().map(|r| r.code()).collect()
}

fn business(index: u32) -> Licence {
    let json = std::fs::read_to_string(format!(
        "{}/examples/licences/business-licence.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("\"index\": 4821", &format!("\"index\": {index}"));
    Licence::from_json(&json).unwrap()
}

#[test]
fn roots_a_trust_list_and_status_lists_are_enough() {
    let pki = pki();
    let v = pki.verifier();
    let driving = verify(&v, &sign(example("driving-licence"), &pki.traffic.0), NOW);
    assert!(driving.is_valid(), "{driving}");
    assert_eq!(driving.certified_issuer(), Some(TRAFFIC_NAME));
    assert!(driving.status().is_none());

    let valid = verify(&v, &sign(business(5), &pki.market.0), NOW);
    assert!(valid.is_valid(), "{valid}");
    let status = valid.status().unwrap();
    assert_eq!(status.status, LicenceStatus::Valid);
    assert_eq!(status.list, format!("{STATUS_BASE}/1"));
    assert_eq!(valid.to_json_value()["status"]["code"], "01");
    assert_eq!(valid.to_json_value()["status"]["label"], "有效");
}

#[test]
fn a_revoked_licence_is_refused_with_its_code_and_label() {
    let pki = pki();
    let v = pki.verifier();
    let verdict = verify(&v, &sign(business(4821), &pki.market.0), NOW);
    assert_eq!(codes(&verdict), ["revoked"]);
    let json = verdict.to_json_value();
    assert_eq!(json["valid"], false);
    assert_eq!(json["status"]["code"], "03");
    assert_eq!(json["status"]["label"], "撤销");
    let suspended = verify(&v, &sign(business(100), &pki.market.0), NOW);
    assert_eq!(codes(&suspended), ["suspended"]);
    assert_eq!(suspended.to_json_value()["status"]["label"], "暂扣");
}

#[test]
fn each_certificate_serves_its_own_role_only() {
    let pki = pki();
    let v = pki.verifier();
    // The seal maker's key, listed as a seal maker, signs a licence.
    let verdict = verify(&v, &sign(business(5), &pki.seal_maker.0), NOW);
    assert_eq!(codes(&verdict), ["wrong_role"]);
    assert!(verdict.licence().is_none());
    // The status-list signer too.
    let verdict = verify(&v, &sign(business(5), &pki.market_status.0), NOW);
    assert_eq!(codes(&verdict), ["wrong_role"]);
    // A document signer cannot make a seal record; the seal maker can.
    let pixmap = tiny_skia::Pixmap::new(400, 400).unwrap();
    let png = pixmap.encode_png().unwrap();
    let seal = |signer: &(SigningKey, Certificate)| {
        let info = SealInfo::builder("11010800001", MARKET_NAME, MARKET.parse().unwrap())
            .allow_certificate(&pki.market.1)
            .validity(
                t("2025-01-01T00:00:00Z"),
                t("2025-01-01T00:00:00Z"),
                t("2028-01-01T00:00:00Z"),
            )
            .picture(SealPicture::from_png(png.clone(), 40, 40).unwrap())
            .build()
            .unwrap();
        SignedSeal::sign(info, &signer.0, &[signer.1.clone(), pki.mid.clone()]).unwrap()
    };
    seal(&pki.seal_maker).verify(&pki.store()).unwrap();
    assert_eq!(
        seal(&pki.market).verify(&pki.store()).unwrap_err().code(),
        "wrong_role"
    );
}

#[test]
fn a_signer_may_sign_only_its_licence_types() {
    let pki = pki();
    let v = pki.verifier();
    let mut licence = business(5);
    // The traffic police sign a business licence in their own name.
    let json = licence
        .to_json_value()
        .to_string()
        .replace(MARKET_NAME, TRAFFIC_NAME)
        .replace(MARKET, TRAFFIC);
    licence = Licence::from_json(&json).unwrap();
    let verdict = verify(&v, &sign(licence, &pki.traffic.0), NOW);
    assert_eq!(codes(&verdict), ["type_not_allowed"]);
}

#[test]
fn the_issuer_name_must_be_the_certified_one() {
    let pki = pki();
    let v = pki.verifier();
    let json = example("driving-licence")
        .to_json_value()
        .to_string()
        .replace(TRAFFIC_NAME, "北京市人民政府");
    let verdict = verify(
        &v,
        &sign(Licence::from_json(&json).unwrap(), &pki.traffic.0),
        NOW,
    );
    assert_eq!(codes(&verdict), ["issuer_name_mismatch"]);
    assert!(verdict.licence().is_none());
}

#[test]
fn a_rolled_back_trust_list_is_refused() {
    let pki = pki();
    let mut v = pki.verifier();
    let older = pki.trust_list(6, pki.entries());
    let err = v.add_trust_list(&older, t(NOW)).unwrap_err();
    assert_eq!(err.code(), "trust_list_rollback");
    // The same sequence number with other contents is refused too.
    let equivocating = pki.trust_list(7, pki.entries().into_iter().take(2).collect());
    assert_eq!(
        v.add_trust_list(&equivocating, t(NOW)).unwrap_err().code(),
        "trust_list_rollback"
    );
    // A newer one replaces it: without the traffic police, their licences
    // are signed by an unknown key.
    let newer = pki.trust_list(8, pki.entries().into_iter().skip(1).collect());
    v.add_trust_list(&newer, t(NOW)).unwrap();
    let verdict = verify(&v, &sign(example("driving-licence"), &pki.traffic.0), NOW);
    assert_eq!(codes(&verdict), ["unknown_key"]);
}

#[test]
fn a_trust_list_must_come_from_a_trust_list_signer() {
    let pki = pki();
    let mut v = Verifier::from_roots(&pki.store());
    let list = TrustList::new("假清单", 9, t(SIGNED), t("2026-07-01T00:00:00Z"))
        .entry(pki.entries().remove(0));
    let forged = SignedTrustList::sign(
        list,
        &pki.market.0,
        &[pki.market.1.clone(), pki.mid.clone()],
    )
    .unwrap();
    let err = v.add_trust_list(forged.as_bytes(), t(NOW)).unwrap_err();
    assert_eq!(err.code(), "trust_list_signer_untrusted");
    // One changed byte breaks the signature.
    let mut bytes = pki.trust_list(7, pki.entries());
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    assert_eq!(
        v.add_trust_list(&bytes, t(NOW)).unwrap_err().code(),
        "trust_list_bad_signature"
    );
}

#[test]
fn a_stale_trust_list_warns_then_fails_closed() {
    let pki = pki();
    let v = pki.verifier();
    let envelope = sign(example("driving-licence"), &pki.traffic.0);
    let warned = verify(&v, &envelope, "2026-07-02T00:00:00Z");
    assert!(warned.is_valid(), "{warned}");
    assert_eq!(warned.warnings()[0].code(), "trust_list_stale");
    let refused = verify(&v, &envelope, "2026-07-05T00:00:00Z");
    assert_eq!(codes(&refused), ["trust_list_expired"]);
}

#[test]
fn a_stale_or_missing_status_list_fails_closed_by_default() {
    let pki = pki();
    let v = pki.verifier();
    let envelope = sign(business(5), &pki.market.0);
    // The list's ttl is a day.
    let stale = verify(&v, &envelope, "2025-06-04T00:00:00+08:00");
    assert_eq!(codes(&stale), ["status_stale"]);
    let warn = v.clone().with_status_policy(StatusPolicy::Warn);
    let warned = verify(&warn, &envelope, "2025-06-04T00:00:00+08:00");
    assert!(warned.is_valid(), "{warned}");
    assert_eq!(warned.warnings()[0].code(), "status_stale");

    let mut no_lists = Verifier::from_roots(&pki.store());
    no_lists
        .add_trust_list(&pki.trust_list(7, pki.entries()), t(NOW))
        .unwrap();
    assert_eq!(
        codes(&verify(&no_lists, &envelope, NOW)),
        ["status_unknown"]
    );
}

#[test]
fn status_lists_are_checked_before_they_are_taken() {
    let pki = pki();
    let mut v = Verifier::from_roots(&pki.store());
    v.add_trust_list(&pki.trust_list(7, pki.entries()), t(NOW))
        .unwrap();
    // Signed by the market's document signer, not its status signer.
    let list = StatusList::new(1 << 17).unwrap();
    let by_dsc = SignedStatusList::sign(
        &list,
        &format!("{STATUS_BASE}/1"),
        t(SIGNED),
        None,
        86_400,
        &pki.market.0,
        &[pki.market.1.clone(), pki.mid.clone()],
    )
    .unwrap();
    assert_eq!(
        v.add_status_list(by_dsc.as_bytes(), t(NOW))
            .unwrap_err()
            .code(),
        "status_list_signer_untrusted"
    );
    // A newer list then an older one.
    v.add_status_list(
        &pki.status_list(&[], "2025-06-02T10:00:00+08:00", 86_400),
        t(NOW),
    )
    .unwrap();
    assert_eq!(
        v.add_status_list(&pki.status_list(&[], SIGNED, 86_400), t(NOW))
            .unwrap_err()
            .code(),
        "status_list_rollback"
    );
}

#[test]
fn a_compromised_signer_taints_what_it_signed_unless_policy_says_otherwise() {
    let pki = pki();
    let compromised_at = t("2025-06-02T10:00:00+08:00");
    let with_state = |state| {
        let mut entries = pki.entries();
        entries[0] = entries[0].clone().state(state);
        let mut v = Verifier::from_roots(&pki.store());
        v.add_trust_list(&pki.trust_list(7, entries), t(NOW))
            .unwrap();
        v
    };
    let before = sign(example("driving-licence"), &pki.traffic.0); // 09:00
    let after = SignedLicence::sign(
        example("driving-licence"),
        &pki.traffic.0,
        t("2025-06-02T11:00:00+08:00"),
    )
    .unwrap();

    let compromised = with_state(EntryState::Revoked {
        since: compromised_at,
        reason: RevocationReason::KeyCompromise,
    });
    assert_eq!(
        codes(&verify(&compromised, &before, NOW)),
        ["signer_revoked"]
    );
    assert_eq!(
        codes(&verify(&compromised, &after, NOW)),
        ["signer_revoked"]
    );
    let lenient = compromised
        .clone()
        .with_compromise_policy(CompromisePolicy::TrustEarlier);
    assert!(verify(&lenient, &before, NOW).is_valid());
    assert_eq!(codes(&verify(&lenient, &after, NOW)), ["signer_revoked"]);

    let superseded = with_state(EntryState::Revoked {
        since: compromised_at,
        reason: RevocationReason::Superseded,
    });
    assert!(verify(&superseded, &before, NOW).is_valid());
    assert_eq!(codes(&verify(&superseded, &after, NOW)), ["signer_revoked"]);

    let retired = with_state(EntryState::Retired {
        since: compromised_at,
    });
    assert!(verify(&retired, &before, NOW).is_valid());
    assert_eq!(codes(&verify(&retired, &after, NOW)), ["signer_retired"]);
}

#[test]
fn other_formats_offered_as_a_licence_are_refused_for_their_type() {
    let pki = pki();
    let v = pki.verifier();
    let status = pki.status_list(&[], SIGNED, 86_400);
    let trust = pki.trust_list(7, pki.entries());
    for bytes in [status, trust] {
        let verdict = v.verify_bytes(&bytes, t(NOW));
        assert_eq!(codes(&verdict), ["not_a_licence"], "{verdict}");
    }
    // And a licence is not a trust list or a status list.
    let licence = sign(example("driving-licence"), &pki.traffic.0);
    let mut v2 = v.clone();
    assert_eq!(
        v2.add_trust_list(licence.as_bytes(), t(NOW))
            .unwrap_err()
            .code(),
        "not_a_trust_list"
    );
    assert!(v2.add_status_list(licence.as_bytes(), t(NOW)).is_err());
}

#[test]
fn cose_files_carry_the_chain_and_roots_alone_verify_them() {
    let pki = pki();
    let envelope = sign(example("driving-licence"), &pki.traffic.0)
        .with_chain(vec![pki.traffic.1.clone(), pki.mid.clone()])
        .unwrap();
    let file = envelope.to_file_bytes();
    assert!(file.len() > envelope.as_bytes().len() + 500);
    let read = SignedLicence::from_slice(&file).unwrap();
    assert_eq!(read.as_bytes(), envelope.as_bytes());
    assert_eq!(read.chain().len(), 2);
    // The QR text is as small as without the chain.
    assert_eq!(
        qr::to_qr_text(&read, &QrBase::default()),
        qr::to_qr_text(
            &sign(example("driving-licence"), &pki.traffic.0),
            &QrBase::default()
        )
    );
    // A verifier with the root alone, no trust list, no signers.
    let roots_only = Verifier::from_roots(&pki.store());
    let verdict = roots_only.verify_envelope(read, t(NOW));
    assert!(verdict.is_valid(), "{verdict}");
    assert_eq!(verdict.certified_issuer(), Some(TRAFFIC_NAME));
    // The QR text alone does not carry the chain: unknown key.
    assert_eq!(codes(&verify(&roots_only, &envelope, NOW)), ["unknown_key"]);
    // A chain that does not reach the root is refused for that.
    let other_root_key = key(40);
    let other_root =
        ca::self_signed(&request("别的根", None, Role::Root, 40), &other_root_key).unwrap();
    let stray = ca::issue(
        &request(TRAFFIC_NAME, Some(TRAFFIC), Role::DocumentSigner, 41),
        &pki.traffic.0.public_key(),
        &other_root,
        &other_root_key,
    )
    .unwrap();
    let file = sign(example("driving-licence"), &pki.traffic.0)
        .with_chain(vec![stray])
        .unwrap()
        .to_file_bytes();
    let verdict = roots_only.verify_bytes(&file, t(NOW));
    assert_eq!(codes(&verdict), ["untrusted_root"]);
    // With a trust list held, a carried chain is ignored: the list decides.
    let listed = pki.verifier();
    let seal_maker_file = sign(business(5), &pki.seal_maker.0)
        .with_chain(vec![pki.seal_maker.1.clone(), pki.mid.clone()])
        .unwrap()
        .to_file_bytes();
    assert_eq!(
        codes(&listed.verify_bytes(&seal_maker_file, t(NOW))),
        ["wrong_role"]
    );
}
