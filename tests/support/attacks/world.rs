//! The world the attacks are made in: a fixed-seed PKI (root,
//! intermediate, document signers), the issuing authority A (a market
//! regulator) with its seal, a second authority B (the co-signer: a valid,
//! trusted seal and key of its own), a stranger with a seal and key under
//! a root nobody trusts, and the business licence A issues, rendered to
//! PDF with the embedded font.

use std::sync::OnceLock;

use elicence::render::stamp::{StampSpec, stamp_png};
use elicence::render::{FontSet, Renderer};
use elicence::seal::pdf::{PdfSealer, PdfVerifier, Placement};
use elicence::seal::record::{SealInfo, SealPicture, SignedSeal};
use elicence::trust::Certificate;
use elicence::trust::ca::{Role, issue, self_signed};
use elicence::{Licence, SignedLicence, Signer, SigningKey, TrustStore, UnixTime};

mod test_pki {
    use elicence::trust::Certificate;
    use elicence::trust::ca::{CertificateRequest, Role, issue, self_signed};
    use elicence::{Signer, SigningKey, UnixTime};
    include!("../test_pki.rs");
}

pub fn at(s: &str) -> UnixTime {
    UnixTime::parse_rfc3339(s).unwrap()
}

/// The issuing authority A.
pub const MARKET: (&str, &str) = ("北京市海淀区市场监督管理局", "11110108MB1234567C");
/// The co-signer B.
pub const POLICE: (&str, &str) = ("北京市公安局公安交通管理局", "111100000000213452");
pub const ISSUED: &str = "2025-01-01T09:00:00+08:00";
pub const SEALED: &str = "2025-01-01T10:00:00+08:00";
pub const CO_SEALED: &str = "2025-01-01T11:00:00+08:00";
pub const NOW: &str = "2026-06-01T12:00:00+08:00";

/// The holder's name and credit code as the page shows them.
pub const HOLDER: &str = "北京示例科技有限公司";
pub const HOLDER_CODE: &str = "91110108MA0123456G";

/// An authority: its document signer's key and certificate, and a sealer
/// for its registered seal.
pub struct Authority {
    pub key: SigningKey,
    pub sealer: PdfSealer,
}

impl Authority {
    /// Seals `pdf` honestly at `when`.
    pub fn seal(&self, pdf: &[u8], when: &str) -> Vec<u8> {
        self.sealer
            .apply(pdf, &self.key, world().place, at(when))
            .unwrap()
    }
}

pub struct World {
    pub verifier: PdfVerifier,
    /// A, the licence's issuer.
    pub a: Authority,
    /// B, another authority with a valid, trusted seal.
    pub b: Authority,
    /// A stranger: a seal and key under an untrusted root.
    pub stranger: Authority,
    pub place: Placement,
    /// The business licence, issued by A alone, rendered, not sealed.
    pub alone: Vec<u8>,
    /// The same licence naming B as a co-issuer.
    pub joint: Vec<u8>,
    /// A genuine envelope A issued for another company, which an attacker
    /// could hold (it is on that company's licence).
    pub other_envelope: Vec<u8>,
    /// A licence naming A as issuer whose envelope B signed, rendered.
    pub forged_by_b: Vec<u8>,
    /// The same naming B as co-issuer.
    pub joint_forged_by_b: Vec<u8>,
    /// `alone` sealed by A.
    pub sealed: Vec<u8>,
    /// `joint` rewritten with object streams and cross-reference streams
    /// (as other tools save it), sealed by A.
    pub joint_modern_a: Vec<u8>,
    /// `joint` sealed by A.
    pub joint_a: Vec<u8>,
    /// `joint` sealed by A, then B.
    pub joint_ab: Vec<u8>,
}

pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(build)
}

fn picture(name: &str, fonts: &FontSet) -> SealPicture {
    let png = stamp_png(&StampSpec::new(name, None), fonts, 10.0).unwrap();
    SealPicture::from_png(png, 40, 40).unwrap()
}

fn seal_info(id: &str, name: &str, code: &str, holder: &Certificate, fonts: &FontSet) -> SealInfo {
    SealInfo::builder(id, name, code.parse().unwrap())
        .allow_certificate(holder)
        .validity(
            at("2024-01-01T00:00:00Z"),
            at("2024-01-01T00:00:00Z"),
            at("2028-01-01T00:00:00Z"),
        )
        .picture(picture(name, fonts))
        .build()
        .unwrap()
}

fn build() -> World {
    let pki = test_pki::TestPki::new();
    let (maker_key, maker) = pki.seal_maker(3, "印章制作中心", "91110000600037341L");
    let fonts = FontSet::embedded().unwrap();
    let authority = |seed: u8, (name, code): (&str, &str)| {
        let (key, cert) = pki.signer(seed, name, code);
        let info = seal_info(&format!("{code}-1"), name, code, &cert, &fonts);
        let seal = SignedSeal::sign(info, &maker_key, &[maker.clone(), pki.mid.clone()]).unwrap();
        let sealer = PdfSealer::new(seal, &[cert.clone(), pki.mid.clone()]).unwrap();
        Authority { key, sealer }
    };
    let a = authority(20, MARKET);
    let b = authority(21, POLICE);

    // The stranger's root, seal maker and document signer, all in A's name.
    let stranger = {
        let root_key = SigningKey::from_seed(&[90; 32]);
        let root = self_signed(
            &test_pki::request("rogue root", None, Role::Root, 90),
            &root_key,
        )
        .unwrap();
        let key = SigningKey::from_seed(&[91; 32]);
        let cert = issue(
            &test_pki::request(MARKET.0, Some(MARKET.1), Role::DocumentSigner, 91),
            &key.public_key(),
            &root,
            &root_key,
        )
        .unwrap();
        let info = seal_info("rogue-1", MARKET.0, MARKET.1, &cert, &fonts);
        let seal = SignedSeal::sign(info, &key, std::slice::from_ref(&cert)).unwrap();
        let sealer = PdfSealer::new(seal, std::slice::from_ref(&cert)).unwrap();
        Authority { key, sealer }
    };

    let mut renderer = Renderer::new(fonts);
    renderer.set_stamp_in_pdf(false);
    let json = include_str!("../../../examples/licences/business-licence.json");
    let signed = |json: &str, key: &SigningKey| {
        SignedLicence::sign(Licence::from_json(json).unwrap(), key, at(ISSUED)).unwrap()
    };
    let alone_licence = signed(json, &a.key);
    let alone = renderer.render_pdf(&alone_licence, None).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    value["co_issuers"] = serde_json::json!([{ "name": POLICE.0, "code": POLICE.1 }]);
    let joint = renderer
        .render_pdf(&signed(&value.to_string(), &a.key), None)
        .unwrap();
    let joint_forged_by_b = renderer
        .render_pdf(&signed(&value.to_string(), &b.key), None)
        .unwrap();
    let mut other: serde_json::Value = serde_json::from_str(json).unwrap();
    other["holder"]["name"] = "北京另一家贸易有限公司".into();
    other["identifier"]["serial"] = "20240000999".into();
    let other_envelope = signed(&other.to_string(), &a.key).as_bytes().to_vec();
    let forged_by_b = renderer.render_pdf(&signed(json, &b.key), None).unwrap();
    let place = Placement::from_template(renderer.seal_place(&alone_licence));
    let joint_modern = {
        let mut doc = lopdf::Document::load_mem(&joint).unwrap();
        let mut out = Vec::new();
        doc.save_modern(&mut out).unwrap();
        out
    };

    let mut store = TrustStore::new();
    store.add_root(pki.root.clone());
    let seal = |by: &Authority, pdf: &[u8], when: &str| {
        by.sealer.apply(pdf, &by.key, place, at(when)).unwrap()
    };
    let sealed = seal(&a, &alone, SEALED);
    let joint_modern_a = seal(&a, &joint_modern, SEALED);
    let joint_a = seal(&a, &joint, SEALED);
    let joint_ab = seal(&b, &joint_a, CO_SEALED);
    World {
        // No status lists in these attacks: a status reference only warns.
        verifier: PdfVerifier::new(store).with_licence_verifier(
            elicence::Verifier::new([]).with_status_policy(elicence::verify::StatusPolicy::Warn),
        ),
        a,
        b,
        stranger,
        place,
        alone,
        joint,
        other_envelope,
        forged_by_b,
        joint_forged_by_b,
        sealed,
        joint_modern_a,
        joint_a,
        joint_ab,
    }
}
