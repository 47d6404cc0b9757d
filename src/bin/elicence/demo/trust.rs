//! The demo's trust steps: a demo PKI (a root, an intermediate CA and the
//! example licences' issuing authorities, every key from a fixed, public
//! seed), licences signed by certified keys and checked against the root, a
//! forgery and a key rotation.
//!
//! Written under `OUT/pki/` (certificates, public keys and the private
//! keys as `DEMO-ONLY-*.key.pem`, so the printed commands can be repeated)
//! and `OUT/trust/` (the signed licences).

use std::path::{Path, PathBuf};

use elicence::trust::ca::{self, CertificateRequest, Role};
use elicence::trust::{Certificate, TrustStore};
use elicence::verify::StatusPolicy;
use elicence::{SignedLicence, Signer, SigningKey, UnixTime, Verifier, qr};
use sha2::{Digest, Sha256};

use super::{Demo, EXAMPLES, cose_path, example_licence, qr_path, shell_quote, write_demo_key};
use crate::CliError;
use crate::ca::SIGNER_CERT_FILE;
use crate::files::{create_dir, write_atomic};
use crate::keygen::PUBLIC_KEY_FILE;

const ROOT_NAME: &str = "elicence demo root CA";
const ROOT_VALIDITY: (&str, &str) = ("2024-01-01T00:00:00+08:00", "2044-01-01T00:00:00+08:00");
const INTERMEDIATE_NAME: &str = "elicence demo Beijing CA";
const INTERMEDIATE_VALIDITY: (&str, &str) =
    ("2024-01-01T00:00:00+08:00", "2034-01-01T00:00:00+08:00");

/// When the traffic police's first certificate ends and its new key's begins.
pub(super) const ROTATION: (&str, &str) =
    ("2025-06-30T23:59:59+08:00", "2025-07-01T00:00:00+08:00");
/// A signing time after the rotation.
pub(super) const AFTER_ROTATION: &str = "2025-08-01T09:00:00+08:00";

/// An issuing authority's document signer: its directory under `pki/`, the
/// authority it names and the period its certificate covers.
pub(super) struct Authority {
    pub(super) dir: &'static str,
    /// How the demo's text calls it.
    label: &'static str,
    pub(super) name: &'static str,
    pub(super) code: &'static str,
    not_before: &'static str,
    not_after: &'static str,
}

pub(super) const TRAFFIC_POLICE: usize = 0;
pub(super) const TRAFFIC_POLICE_NEW: usize = 1;
pub(super) const MARKET_REGULATOR: usize = 2;
pub(super) const HEALTH_COMMISSION: usize = 3;

/// The authorities, with the names and codes the example licences give as issuer.
pub(super) const AUTHORITIES: [Authority; 4] = [
    Authority {
        dir: "traffic-police",
        label: "the traffic police's first key",
        name: "北京市公安局公安交通管理局",
        code: "111100000000213452",
        not_before: "2024-01-01T00:00:00+08:00",
        not_after: ROTATION.0,
    },
    Authority {
        dir: "traffic-police-new",
        label: "the traffic police's new key",
        name: "北京市公安局公安交通管理局",
        code: "111100000000213452",
        not_before: ROTATION.1,
        not_after: "2028-07-01T00:00:00+08:00",
    },
    Authority {
        dir: "market-regulator",
        label: "the market regulator's key",
        name: "北京市海淀区市场监督管理局",
        code: "11110108MB1234567C",
        not_before: "2024-01-01T00:00:00+08:00",
        not_after: "2028-01-01T00:00:00+08:00",
    },
    Authority {
        dir: "health-commission",
        label: "the health commission's key",
        name: "北京市朝阳区卫生健康委员会",
        code: "11110105MB0234567T",
        not_before: "2024-01-01T00:00:00+08:00",
        not_after: "2028-01-01T00:00:00+08:00",
    },
];

/// Which part of the story a case tells.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Certified,
    Forgery,
    Rotation,
}

/// One licence signed under the PKI, and what verifying it must give.
struct Case {
    section: Section,
    /// File name under `trust/`, without extension.
    file: &'static str,
    /// Index into [`EXAMPLES`].
    example: usize,
    /// Index into [`AUTHORITIES`]: whose key signs.
    signer: usize,
    /// Signing time; `None` for the demo's usual one.
    signed_at: Option<&'static str>,
    /// `None` if it must verify, else the reason code it must be refused with.
    refused_for: Option<&'static str>,
}

const CASES: [Case; 6] = [
    Case {
        section: Section::Certified,
        file: "driving-licence",
        example: 0,
        signer: TRAFFIC_POLICE,
        signed_at: None,
        refused_for: None,
    },
    Case {
        section: Section::Certified,
        file: "business-licence",
        example: 1,
        signer: MARKET_REGULATOR,
        signed_at: None,
        refused_for: None,
    },
    Case {
        section: Section::Certified,
        file: "health-permit",
        example: 2,
        signer: HEALTH_COMMISSION,
        signed_at: None,
        refused_for: None,
    },
    // The market regulator's key signs a driving licence in the traffic police's name.
    Case {
        section: Section::Forgery,
        file: "forged-driving-licence",
        example: 0,
        signer: MARKET_REGULATOR,
        signed_at: None,
        refused_for: Some("authority_mismatch"),
    },
    // The traffic police's old key, used after its certificate ended.
    Case {
        section: Section::Rotation,
        file: "driving-licence-old-key-after-rotation",
        example: 0,
        signer: TRAFFIC_POLICE,
        signed_at: Some(AFTER_ROTATION),
        refused_for: Some("signer_not_valid_at_issuance"),
    },
    Case {
        section: Section::Rotation,
        file: "driving-licence-new-key",
        example: 0,
        signer: TRAFFIC_POLICE_NEW,
        signed_at: Some(AFTER_ROTATION),
        refused_for: None,
    },
];

/// What the trust steps share.
#[derive(Default)]
pub struct State {
    pub(super) root_pem: String,
    /// The intermediate and every document signer certificate, as one bundle.
    signers_pem: String,
    pub(super) keys: Vec<SigningKey>,
    pub(super) certs: Vec<Certificate>,
    /// Each case's licence, QR text and file name.
    pub(super) signed: Vec<(SignedLicence, String, &'static str)>,
    /// The intermediate CA, which also certifies the seal maker.
    pub(super) intermediate: Option<(Certificate, SigningKey)>,
}

/// A key from a fixed, public seed: SHA-256 of a label. Anyone can recompute
/// it, which keeps the demo reproducible and makes the keys worthless.
pub(super) fn demo_key(label: &str) -> SigningKey {
    SigningKey::from_seed(&Sha256::digest(format!("elicence demo key: {label}")).into())
}

/// A fixed serial number, from the same kind of label.
pub(super) fn demo_serial(label: &str) -> [u8; 16] {
    let digest = Sha256::digest(format!("elicence demo serial: {label}"));
    let mut serial = [0u8; 16];
    for (byte, from) in serial.iter_mut().zip(digest) {
        *byte = from;
    }
    serial
}

pub(super) fn time(text: &str) -> Result<UnixTime, CliError> {
    UnixTime::parse_rfc3339(text).map_err(|e| CliError::new(format!("demo time {text}: {e}")))
}

pub(super) fn pki_dir(out: &Path) -> PathBuf {
    out.join("pki")
}

pub(super) fn trust_dir(out: &Path) -> PathBuf {
    out.join("trust")
}

pub(super) fn root_path(out: &Path) -> PathBuf {
    pki_dir(out).join("root.cert.pem")
}

fn intermediate_path(out: &Path) -> PathBuf {
    pki_dir(out).join("intermediate.cert.pem")
}

pub(super) fn signers_path(out: &Path) -> PathBuf {
    pki_dir(out).join("signers.pem")
}

pub(super) fn ca_failure(what: &str) -> impl Fn(ca::CaError) -> CliError + '_ {
    move |e| CliError::new(format!("demo {what} certificate: {e}"))
}

/// Makes the root, the intermediate and a document signer certificate for
/// every authority, and writes them under `OUT/pki/`.
pub fn build_pki(demo: &mut Demo) -> Result<(), CliError> {
    let root_key = demo_key("root CA");
    let root = ca::self_signed(
        &CertificateRequest {
            common_name: ROOT_NAME.to_owned(),
            organization: None,
            authority_code: None,
            not_before: time(ROOT_VALIDITY.0)?,
            not_after: time(ROOT_VALIDITY.1)?,
            role: Role::Root,
            serial: demo_serial("root CA"),
        },
        &root_key,
    )
    .map_err(ca_failure("root"))?;
    let mid_key = demo_key("intermediate CA");
    let mid = ca::issue(
        &CertificateRequest {
            common_name: INTERMEDIATE_NAME.to_owned(),
            organization: None,
            authority_code: None,
            not_before: time(INTERMEDIATE_VALIDITY.0)?,
            not_after: time(INTERMEDIATE_VALIDITY.1)?,
            role: Role::Intermediate { path_len: Some(0) },
            serial: demo_serial("intermediate CA"),
        },
        &mid_key.public_key(),
        &root,
        &root_key,
    )
    .map_err(ca_failure("intermediate"))?;

    let pki = pki_dir(&demo.out);
    create_dir(&pki)?;
    let state = &mut demo.trust;
    state.root_pem = ca::to_pem(&root);
    state.signers_pem = ca::to_pem(&mid);
    write_atomic(&root_path(&demo.out), state.root_pem.as_bytes())?;
    write_atomic(&intermediate_path(&demo.out), state.signers_pem.as_bytes())?;
    write_demo_key(&pki, "root", &root_key)?;
    write_demo_key(&pki, "intermediate", &mid_key)?;
    outln!("== trust: a demo PKI, every key from a fixed, public seed (demo only)")?;
    outln!(
        "root:         {ROOT_NAME}, {} to {}",
        root.not_before(),
        root.not_after()
    )?;
    outln!(
        "intermediate: {INTERMEDIATE_NAME}, {} to {} (path length 0)",
        mid.not_before(),
        mid.not_after()
    )?;

    for authority in &AUTHORITIES {
        let key = demo_key(authority.dir);
        let code = authority
            .code
            .parse()
            .map_err(|e| CliError::new(format!("demo authority {}: {e}", authority.dir)))?;
        let cert = ca::issue(
            &CertificateRequest {
                common_name: authority.name.to_owned(),
                organization: Some(authority.name.to_owned()),
                authority_code: Some(code),
                not_before: time(authority.not_before)?,
                not_after: time(authority.not_after)?,
                role: Role::DocumentSigner,
                serial: demo_serial(authority.dir),
            },
            &key.public_key(),
            &mid,
            &mid_key,
        )
        .map_err(ca_failure(authority.dir))?;
        let dir = pki.join(authority.dir);
        create_dir(&dir)?;
        let pem = ca::to_pem(&cert);
        write_atomic(&dir.join(SIGNER_CERT_FILE), pem.as_bytes())?;
        write_atomic(
            &dir.join(PUBLIC_KEY_FILE),
            key.public_key().to_pem().as_bytes(),
        )?;
        write_demo_key(&dir, "issuer", &key)?;
        state.signers_pem.push_str(&pem);
        outln!(
            "authority:    {} {} ({}), key id {}, {} to {}",
            authority.name,
            authority.code,
            authority.dir,
            key.public_key().key_id(),
            cert.not_before(),
            cert.not_after()
        )?;
        state.keys.push(key);
        state.certs.push(cert);
    }
    write_atomic(&signers_path(&demo.out), state.signers_pem.as_bytes())?;
    state.intermediate = Some((mid, mid_key));
    outln!("wrote {}/", pki.display())?;
    outln!()?;
    Ok(())
}

/// Signs every case's licence with its authority's key into `OUT/trust/`.
pub fn issue_certified(demo: &mut Demo) -> Result<(), CliError> {
    let dir = trust_dir(&demo.out);
    create_dir(&dir)?;
    for case in &CASES {
        let (name, json) = EXAMPLES
            .get(case.example)
            .copied()
            .ok_or_else(|| CliError::new("demo case names no example"))?;
        let key = demo
            .trust
            .keys
            .get(case.signer)
            .ok_or_else(|| CliError::new("demo case names no authority"))?;
        let cert = demo
            .trust
            .certs
            .get(case.signer)
            .ok_or_else(|| CliError::new("demo case names no authority"))?;
        let mid = demo
            .trust
            .intermediate
            .as_ref()
            .map(|(cert, _)| cert)
            .ok_or_else(|| CliError::new("the demo PKI is not built"))?;
        let signed_at = case
            .signed_at
            .map(time)
            .transpose()?
            .unwrap_or(demo.issued_at);
        let licence = example_licence(name, json)?;
        let signed = SignedLicence::sign(licence, key, signed_at)
            .map_err(|e| CliError::new(format!("example {name}: {e}")))?;
        let qr_text = qr::to_qr_text(&signed, &demo.base);
        // The file carries the signer's chain, so the root alone checks it.
        let chain = [cert.clone(), mid.clone()];
        let file = signed
            .clone()
            .with_chain(chain.to_vec())
            .map_err(|e| CliError::new(format!("example {name}: {e}")))?
            .to_file_bytes();
        write_atomic(&cose_path(&dir, case.file), &file)?;
        write_atomic(&qr_path(&dir, case.file), format!("{qr_text}\n").as_bytes())?;
        demo.trust.signed.push((signed, qr_text, case.file));
    }
    Ok(())
}

/// Verifies every case against a trust store loaded from the written files,
/// as a verifier that trusts only the demo root would.
pub fn check(demo: &mut Demo) -> Result<(), CliError> {
    let mut store = TrustStore::new();
    let roots = store.load_roots(demo.trust.root_pem.as_bytes());
    let signers = store.load_certificates(demo.trust.signers_pem.as_bytes());
    if !roots.skipped.is_empty() || !signers.skipped.is_empty() {
        return Err(CliError::new("the demo's own certificates do not load"));
    }
    // No status lists here (the list section below has them): a status
    // reference is only a warning.
    let verifier = Verifier::new([])
        .with_trust_store(&store)
        .with_status_policy(StatusPolicy::Warn);
    let mut section = None;
    for (case, (signed, qr_text, _)) in CASES.iter().zip(&demo.trust.signed) {
        if section != Some(case.section) {
            section = Some(case.section);
            print_section(case.section)?;
        }
        let verdict = verifier.verify_qr_text(qr_text, demo.checked_at);
        let codes: Vec<&str> = verdict.reasons().iter().map(|r| r.code()).collect();
        let as_expected = match case.refused_for {
            None => verdict.is_valid(),
            Some(code) => !verdict.is_valid() && codes.first() == Some(&code),
        };
        demo.all_valid &= as_expected;
        let outcome = match (verdict.is_valid(), case.refused_for) {
            (true, None) => "valid".to_owned(),
            (false, Some(_)) if as_expected => {
                format!("refused ({}), as expected", codes.join(", "))
            }
            (true, Some(code)) => format!("valid, but it should be refused for {code}"),
            (false, _) => "invalid, but it should be valid".to_owned(),
        };
        let signer = AUTHORITIES.get(case.signer).map_or("", |a| a.label);
        outln!(
            "trust/{}: {outcome} [{signer}, signed {}]",
            case.file,
            signed.issued_at()
        )?;
        for reason in verdict.reasons() {
            outln!("  {}: {reason}", reason.code())?;
        }
    }
    outln!()?;
    Ok(())
}

fn print_section(section: Section) -> Result<(), CliError> {
    let label = |i: usize| AUTHORITIES.get(i).map_or("", |a| a.label);
    match section {
        Section::Certified => {
            outln!("Licences signed by certified authorities, checked against the root only:")
        }
        Section::Forgery => {
            outln!()?;
            let traffic = AUTHORITIES.get(TRAFFIC_POLICE);
            outln!(
                "Forgery: {} signs a driving licence in the name of {} ({}):",
                label(MARKET_REGULATOR),
                traffic.map_or("", |a| a.name),
                traffic.map_or("", |a| a.code),
            )
        }
        Section::Rotation => {
            outln!()?;
            outln!(
                "Rotation: {} is certified until {}, {} from {}.",
                label(TRAFFIC_POLICE),
                time(ROTATION.0)?,
                label(TRAFFIC_POLICE_NEW),
                time(ROTATION.1)?
            )?;
            outln!(
                "(trust/driving-licence above was signed with the first key before that: it stays \
                 valid until it expires.)"
            )
        }
    }
}

/// Prints the commands that repeat the trust checks with the CLI.
pub fn print_commands(demo: &mut Demo) -> Result<(), CliError> {
    let roots = shell_quote(&root_path(&demo.out));
    let signers = shell_quote(&signers_path(&demo.out));
    let dir = trust_dir(&demo.out);
    outln!()?;
    outln!(
        "To repeat the trust checks by hand (exit 0 valid, 1 refused; {} holds the intermediate and every signer certificate):",
        signers_path(&demo.out).display()
    )?;
    for case in &CASES {
        let cose = shell_quote(&cose_path(&dir, case.file));
        outln!(
            "  elicence verify --roots {roots} --signers {signers} --status-policy warn --cose {cose}"
        )?;
    }
    let intermediate = shell_quote(&intermediate_path(&demo.out));
    if let (Some(authority), Some(cert)) = (
        AUTHORITIES.get(TRAFFIC_POLICE_NEW),
        demo.trust.certs.get(TRAFFIC_POLICE_NEW),
    ) {
        let dsc = shell_quote(
            &pki_dir(&demo.out)
                .join(authority.dir)
                .join(SIGNER_CERT_FILE),
        );
        outln!("and with OpenSSL (the chain, and the authority code as organizationIdentifier):")?;
        outln!(
            "  openssl verify -attime {} -CAfile {roots} -untrusted {intermediate} {dsc}",
            cert.not_before().secs()
        )?;
        outln!("  openssl x509 -in {dsc} -noout -subject -nameopt RFC2253,-esc_msb")?;
    }
    Ok(())
}
