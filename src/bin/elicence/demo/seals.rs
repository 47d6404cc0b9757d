//! The demo's seal steps: a seal maker certified by the demo intermediate,
//! a registered seal for each authority, the certified licences rendered
//! without a drawn stamp and sealed (the health permit jointly, by two
//! authorities), every sealed PDF checked against the root alone, and one
//! changed byte refused.
//!
//! Written under `OUT/seals/` (the seal records) and `OUT/sealed/` (the
//! sealed PDFs).

use std::path::{Path, PathBuf};

use elicence::render::stamp::{StampSpec, stamp_png};
use elicence::render::{FontSet, Renderer};
use elicence::seal::pdf::{PdfSealer, PdfVerifier, Placement, verify_licence_pdf};
use elicence::seal::record::{SealInfo, SealPicture, SignedSeal};
use elicence::trust::ca::{self, CertificateRequest, Role};
use elicence::trust::{Certificate, TrustStore};
use elicence::{Signer, SigningKey, UnixTime};

use super::trust::{
    AUTHORITIES, HEALTH_COMMISSION, MARKET_REGULATOR, TRAFFIC_POLICE, TRAFFIC_POLICE_NEW,
    ca_failure, demo_key, demo_serial, pki_dir, root_path, signers_path, time, trust_dir,
};
use super::{Demo, cose_path, demo_key_path, photo_for, shell_quote};
use crate::CliError;
use crate::ca::SIGNER_CERT_FILE;
use crate::files::{create_dir, write_atomic};

const MAKER_NAME: &str = "北京市电子印章制作中心";
const MAKER_CODE: &str = "91110000600037341L";
const MAKER_VALIDITY: (&str, &str) = ("2024-01-01T00:00:00+08:00", "2030-01-01T00:00:00+08:00");
/// When the seals were made, and until when they may be used.
const SEAL_VALIDITY: (&str, &str) = ("2024-01-01T00:00:00+08:00", "2028-01-01T00:00:00+08:00");
/// Sealing follows issuance by an hour.
const SEALED_AFTER_SECS: i64 = 3600;
/// Pixels per millimetre of the seal pictures (254 dpi).
const PICTURE_PX_PER_MM: f32 = 10.0;

/// A registered seal: whose, with which purpose, and which DSCs may apply it.
struct SealSpec {
    file: &'static str,
    owner: usize,
    purpose: Option<&'static str>,
    holders: &'static [usize],
}

const SEALS: [SealSpec; 3] = [
    SealSpec {
        file: "traffic-police",
        owner: TRAFFIC_POLICE,
        purpose: None,
        // The seal outlives a key rotation: both keys may apply it.
        holders: &[TRAFFIC_POLICE, TRAFFIC_POLICE_NEW],
    },
    SealSpec {
        file: "market-regulator",
        owner: MARKET_REGULATOR,
        purpose: None,
        holders: &[MARKET_REGULATOR],
    },
    SealSpec {
        file: "health-commission",
        owner: HEALTH_COMMISSION,
        purpose: Some("行政审批专用章"),
        holders: &[HEALTH_COMMISSION],
    },
];

/// A seal (index into [`SEALS`]) and the authority whose DSC applies it.
type Sealing = (usize, usize);

/// Each certified licence (by its index among the trust cases) and the seals
/// applied to it in order.
const SEALINGS: [(usize, &str, &[Sealing]); 3] = [
    // The driving licence signed with the traffic police's new key, after
    // the rotation; the seal lists both keys.
    (5, "driving-licence", &[(0, TRAFFIC_POLICE_NEW)]),
    (1, "business-licence", &[(1, MARKET_REGULATOR)]),
    // Joint issuance: the health commission seals, then the market regulator.
    (
        2,
        "health-permit",
        &[(2, HEALTH_COMMISSION), (1, MARKET_REGULATOR)],
    ),
];

/// What the seal steps share.
#[derive(Default)]
pub struct State {
    seals: Vec<SignedSeal>,
    sealed: Vec<(&'static str, Vec<u8>)>,
}

fn seals_dir(out: &Path) -> PathBuf {
    out.join("seals")
}

fn sealed_dir(out: &Path) -> PathBuf {
    out.join("sealed")
}

/// The seal maker (制章), certified by the demo intermediate in its role.
pub(super) fn seal_maker(demo: &Demo) -> Result<(SigningKey, Certificate), CliError> {
    let (mid, mid_key) = demo
        .trust
        .intermediate
        .as_ref()
        .ok_or_else(|| CliError::new("the demo PKI is not built"))?;
    let maker_key = demo_key("seal maker");
    let maker = ca::issue(
        &CertificateRequest {
            common_name: MAKER_NAME.to_owned(),
            organization: Some(MAKER_NAME.to_owned()),
            authority_code: Some(
                MAKER_CODE
                    .parse()
                    .map_err(|e| CliError::new(format!("demo seal maker: {e}")))?,
            ),
            not_before: time(MAKER_VALIDITY.0)?,
            not_after: time(MAKER_VALIDITY.1)?,
            role: Role::SealMaker,
            serial: demo_serial("seal maker"),
        },
        &maker_key.public_key(),
        mid,
        mid_key,
    )
    .map_err(ca_failure("seal maker"))?;
    Ok((maker_key, maker))
}

/// Makes every seal, signed by the seal maker.
pub fn make_seals(demo: &mut Demo) -> Result<(), CliError> {
    let mid = demo
        .trust
        .intermediate
        .as_ref()
        .map(|(cert, _)| cert.clone())
        .ok_or_else(|| CliError::new("the demo PKI is not built"))?;
    let (maker_key, maker) = seal_maker(demo)?;
    let maker_chain = [maker, mid];
    let fonts = FontSet::embedded().map_err(|e| CliError::new(format!("embedded font: {e}")))?;
    let dir = seals_dir(&demo.out);
    create_dir(&dir)?;
    outln!("== seals: made by {MAKER_NAME} ({MAKER_CODE}), certified by the demo intermediate")?;
    for spec in &SEALS {
        let seal = make_seal(demo, spec, &fonts, &maker_key, &maker_chain)?;
        write_atomic(&dir.join(format!("{}.seal", spec.file)), seal.as_bytes())?;
        let info = seal.info();
        outln!(
            "seal {}: {}{} ({} bytes, picture {} mm)",
            info.id(),
            info.name(),
            info.purpose().map(|p| format!(" {p}")).unwrap_or_default(),
            seal.as_bytes().len(),
            info.picture().width_mm()
        )?;
        demo.seals.seals.push(seal);
    }
    outln!("wrote {}/", dir.display())?;
    outln!()?;
    Ok(())
}

fn make_seal(
    demo: &Demo,
    spec: &SealSpec,
    fonts: &FontSet,
    maker_key: &SigningKey,
    maker_chain: &[Certificate],
) -> Result<SignedSeal, CliError> {
    let owner = AUTHORITIES
        .get(spec.owner)
        .ok_or_else(|| CliError::new("demo seal names no authority"))?;
    let fail = |e: &dyn std::fmt::Display| CliError::new(format!("demo seal {}: {e}", spec.file));
    let stamp = StampSpec::new(owner.name, spec.purpose);
    let png = stamp_png(&stamp, fonts, PICTURE_PX_PER_MM).map_err(|e| fail(&e))?;
    let size = stamp.diameter_mm.round() as u16;
    let picture = SealPicture::from_png(png, size, size).map_err(|e| fail(&e))?;
    let code = owner.code.parse().map_err(|e| fail(&e))?;
    let created = time(SEAL_VALIDITY.0)?;
    let mut builder = SealInfo::builder(&format!("{}-0001", owner.code), owner.name, code)
        .validity(created, created, time(SEAL_VALIDITY.1)?)
        .picture(picture);
    if let Some(purpose) = spec.purpose {
        builder = builder.purpose(purpose);
    }
    for &holder in spec.holders {
        let cert = demo
            .trust
            .certs
            .get(holder)
            .ok_or_else(|| CliError::new("demo seal names no certificate"))?;
        builder = builder.allow_certificate(cert);
    }
    let info = builder.build().map_err(|e| fail(&e))?;
    SignedSeal::sign(info, maker_key, maker_chain).map_err(|e| fail(&e))
}

/// Renders the certified licences without a drawn stamp and seals them.
pub fn seal_pdfs(demo: &mut Demo) -> Result<(), CliError> {
    let fonts = FontSet::embedded().map_err(|e| CliError::new(format!("embedded font: {e}")))?;
    let mut renderer = Renderer::new(fonts);
    renderer.set_stamp_in_pdf(false);
    let dir = sealed_dir(&demo.out);
    create_dir(&dir)?;
    for (case, name, sealings) in SEALINGS {
        let (signed, _, _) = demo
            .trust
            .signed
            .get(case)
            .ok_or_else(|| CliError::new("demo sealing names no licence"))?;
        let photo = photo_for(name, signed);
        let mut pdf = renderer
            .render_pdf(signed, photo)
            .map_err(|e| CliError::new(format!("rendering {name}: {e}")))?;
        let mut at = signed.issued_at();
        for &(seal, holder) in sealings {
            at = UnixTime::from_secs(at.secs() + SEALED_AFTER_SECS);
            let seal = demo
                .seals
                .seals
                .get(seal)
                .ok_or_else(|| CliError::new("demo sealing names no seal"))?;
            let (cert, key) = demo
                .trust
                .certs
                .get(holder)
                .zip(demo.trust.keys.get(holder))
                .ok_or_else(|| CliError::new("demo sealing names no authority"))?;
            let chain = [cert.clone()]
                .into_iter()
                .chain(demo.trust.intermediate.iter().map(|(mid, _)| mid.clone()))
                .collect::<Vec<_>>();
            let fail = |e: elicence::seal::pdf::SealPdfError| {
                CliError::new(format!("sealing {name}: {e}"))
            };
            // Each authority's seal over its own name; a seal of an
            // authority the licence does not name (the demo's refused case)
            // is put where the issuer's goes, as a forger would.
            let place = match Placement::for_licence_pdf(&pdf, renderer.templates(), seal.info()) {
                Err(elicence::seal::pdf::SealPdfError::NotAnIssuer { .. }) => {
                    Placement::from_template(renderer.seal_place(signed))
                }
                other => other.map_err(fail)?,
            };
            let sealer = PdfSealer::new(seal.clone(), &chain).map_err(fail)?;
            pdf = sealer.apply(&pdf, key, place, at).map_err(fail)?;
        }
        write_atomic(&dir.join(format!("{name}.pdf")), &pdf)?;
        demo.seals.sealed.push((name, pdf));
    }
    Ok(())
}

/// Checks each sealed PDF against the root alone (the seals carry their
/// chains, and the licence's signer comes from them), then one with a
/// changed byte.
pub fn check(demo: &mut Demo) -> Result<(), CliError> {
    let mut store = TrustStore::new();
    store.load_roots(demo.trust.root_pem.as_bytes());
    outln!(
        "Sealed licences in {}/, checked against the root only:",
        sealed_dir(&demo.out).display()
    )?;
    for (name, pdf) in &demo.seals.sealed {
        let (ok, lines) = check_pdf(pdf, &store, demo.lists.verifier.as_ref(), demo.checked_at)?;
        demo.all_valid &= ok;
        outln!(
            "sealed/{name}.pdf: {} ({} bytes)",
            if ok { "valid" } else { "invalid" },
            pdf.len()
        )?;
        for line in lines {
            outln!("  {line}")?;
        }
    }
    if let Some((name, pdf)) = demo.seals.sealed.first() {
        // One byte of the page content, inside every seal's signed range.
        let mut tampered = pdf.clone();
        let at = tampered.len() / 4;
        if let Some(byte) = tampered.get_mut(at) {
            *byte ^= 0x01;
        }
        let (ok, lines) = check_pdf(
            &tampered,
            &store,
            demo.lists.verifier.as_ref(),
            demo.checked_at,
        )?;
        demo.all_valid &= !ok;
        outln!(
            "sealed/{name}.pdf with byte {at} changed: {}",
            if ok {
                "valid, but it should be refused"
            } else {
                "refused, as expected"
            }
        )?;
        for line in lines {
            outln!("  {line}")?;
        }
    }
    outln!()?;
    Ok(())
}

/// The library's verdict on a sealed licence PDF, with a line per seal.
fn check_pdf(
    pdf: &[u8],
    store: &TrustStore,
    lists: Option<&elicence::Verifier>,
    at: UnixTime,
) -> Result<(bool, Vec<String>), CliError> {
    let mut pdf_verifier = PdfVerifier::new(store.clone());
    if let Some(lists) = lists {
        pdf_verifier = pdf_verifier.with_licence_verifier(lists.clone());
    }
    let verdict = verify_licence_pdf(pdf, &pdf_verifier, at);
    let mut lines = Vec::new();
    for seal in verdict.seals() {
        let what = seal.seal.as_ref().map_or_else(
            || "(no seal record)".to_owned(),
            |s| {
                let info = s.info();
                format!(
                    "{} {}{}",
                    info.id(),
                    info.name(),
                    info.purpose().map(|p| format!(" {p}")).unwrap_or_default()
                )
            },
        );
        let status = match &seal.status {
            Ok(()) => "valid".to_owned(),
            Err(e) => format!("{}: {e}", e.code()),
        };
        let when = seal.signed_at.map(|t| t.to_string()).unwrap_or_default();
        lines.push(format!("{}: {what}, sealed {when}: {status}", seal.field));
    }
    if let Some(licence) = verdict.licence().and_then(|v| v.licence()) {
        let named = |i: &elicence::Issuer| format!("{} ({})", i.name(), i.code());
        lines.push(format!("issuer: {}", named(licence.issuer())));
        for co in licence.co_issuers() {
            lines.push(format!("co-issuer: {}", named(co)));
        }
    }
    lines.push(format!(
        "licence PDF: {}",
        if verdict.is_valid() {
            "valid".to_owned()
        } else {
            verdict.codes().join(", ")
        }
    ));
    Ok((verdict.is_valid(), lines))
}

/// Prints the commands that repeat the seal checks with the CLI.
pub fn print_commands(demo: &mut Demo) -> Result<(), CliError> {
    let roots = shell_quote(&root_path(&demo.out));
    outln!("To check the sealed licences by hand (roots only; the seals carry their chains):")?;
    for (name, _) in &demo.seals.sealed {
        let pdf = shell_quote(&sealed_dir(&demo.out).join(format!("{name}.pdf")));
        outln!("  elicence verify --roots {roots} {pdf}")?;
    }
    let seal = shell_quote(&seals_dir(&demo.out).join("health-commission.seal"));
    outln!("  elicence seal inspect --roots {roots} {seal}")?;
    // Sealing by hand: the business licence with the market regulator's
    // seal, applied with its demo key.
    if let Some(authority) = AUTHORITIES.get(MARKET_REGULATOR) {
        let dir = pki_dir(&demo.out).join(authority.dir);
        let cose = shell_quote(&cose_path(&trust_dir(&demo.out), "business-licence"));
        let unsealed = shell_quote(&demo.out.join("business-licence.unsealed.pdf"));
        let sealed = shell_quote(&demo.out.join("business-licence.sealed-by-hand.pdf"));
        let seal = shell_quote(&seals_dir(&demo.out).join("market-regulator.seal"));
        let key = shell_quote(&demo_key_path(&dir, "issuer"));
        let cert = shell_quote(&dir.join(SIGNER_CERT_FILE));
        let signers = shell_quote(&signers_path(&demo.out));
        outln!("To seal a licence by hand with a demo key:")?;
        outln!("  elicence render --cose {cose} --pdf {unsealed} --no-stamp")?;
        outln!(
            "  elicence seal apply --seal {seal} --key {key} --cert {cert} {unsealed} {sealed}"
        )?;
        outln!("  elicence verify --roots {roots} --signers {signers} {sealed}")?;
    }
    Ok(())
}
