//! `elicence demo`: issue every example licence with a fixed, public key and
//! verify it, leaving files a user can check by hand; then the same under a
//! demo PKI (see [`trust`]): certified authorities, a forgery, a rotation;
//! then seals (see [`seals`]): registered seals and sealed licence PDFs;
//! then a registry and its transparency log (see [`registry`]).
//!
//! The demo is a list of steps over one shared [`Demo`] state, so that later
//! steps (rendering, seals) slot in without touching the others.

mod lists;
mod registry;
mod seals;
mod trust;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use elicence::render::{Renderer, envelope_from_pdf};
use elicence::verify::StatusPolicy;
use elicence::{
    Licence, QrBase, SignedLicence, Signer, SigningKey, TrustedKey, UnixTime, Verifier, qr,
};

use crate::files::{create_dir, write_atomic, write_private_key};
use crate::keygen::PUBLIC_KEY_FILE;
use crate::{CliError, CliResult, DemoArgs, now};

/// The RFC 8032 section 7.1 TEST 1 secret key
/// `9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60`.
/// It is published, so it must never sign anything real.
const DEMO_SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];

/// A fixed signing time keeps the demo's envelopes byte-for-byte reproducible.
const DEMO_ISSUED_AT: &str = "2025-01-01T09:00:00+08:00";

/// The example licences, embedded so the demo runs from any directory.
const EXAMPLES: [(&str, &str); 3] = [
    (
        "driving-licence",
        include_str!("../../../examples/licences/driving-licence.json"),
    ),
    (
        "business-licence",
        include_str!("../../../examples/licences/business-licence.json"),
    ),
    (
        "health-permit",
        include_str!("../../../examples/licences/health-permit.json"),
    ),
];

/// Licences issued jointly (联合发证): the example, and the authorities
/// (indexes into [`trust::AUTHORITIES`]) it names as co-issuers after its
/// issuer. Their seals follow the issuer's on the sealed PDF (see [`seals`]).
const CO_ISSUED: [(&str, &[usize]); 1] = [("health-permit", &[trust::MARKET_REGULATOR])];

/// Holder photos for the examples that sign a photo digest: a neutral
/// placeholder silhouette, not a person.
const PHOTOS: [(&str, &[u8]); 1] = [(
    "driving-licence",
    include_bytes!("../../../examples/photos/driving-licence.png"),
)];

/// The holder photo to draw an example with: only for a licence that signs
/// a photo digest, since the renderer refuses a photo it cannot check.
fn photo_for(name: &str, signed: &SignedLicence) -> Option<&'static [u8]> {
    signed.licence().photo_sha256()?;
    PHOTOS
        .iter()
        .find(|(photo_for, _)| *photo_for == name)
        .map(|(_, bytes)| *bytes)
}

/// One demo step; it reports failure of the whole demo through its error.
type Step = fn(&mut Demo) -> Result<(), CliError>;

/// The steps, in order.
const STEPS: [Step; 18] = [
    announce,
    issue_examples,
    write_files,
    render_examples,
    report,
    trust::build_pki,
    lists::build,
    trust::issue_certified,
    trust::check,
    seals::make_seals,
    seals::seal_pdfs,
    seals::check,
    lists::check,
    registry::run,
    print_commands,
    trust::print_commands,
    seals::print_commands,
    lists::print_commands,
];

/// One example licence once signed.
struct Issued {
    name: &'static str,
    signed: SignedLicence,
    qr_text: String,
    /// The rendered PDF, verified again from its embedded envelope.
    pdf: Vec<u8>,
}

/// What the steps share.
struct Demo {
    out: PathBuf,
    key: SigningKey,
    issued_at: UnixTime,
    checked_at: UnixTime,
    base: QrBase,
    issued: Vec<Issued>,
    /// Whether every check came out as it should (valid, or refused where a
    /// refusal is the point).
    all_valid: bool,
    trust: trust::State,
    seals: seals::State,
    lists: lists::State,
}

pub fn run(args: &DemoArgs) -> CliResult {
    let issued_at = UnixTime::parse_rfc3339(DEMO_ISSUED_AT)
        .map_err(|e| CliError::new(format!("demo issue time: {e}")))?;
    let mut demo = Demo {
        out: args.out.clone(),
        key: SigningKey::from_seed(&DEMO_SEED),
        issued_at,
        checked_at: args.at.unwrap_or_else(now),
        base: QrBase::default(),
        issued: Vec::new(),
        all_valid: true,
        trust: trust::State::default(),
        seals: seals::State::default(),
        lists: lists::State::default(),
    };
    for step in STEPS {
        step(&mut demo)?;
    }
    Ok(if demo.all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn announce(demo: &mut Demo) -> Result<(), CliError> {
    outln!("WARNING: the demo signs with a FIXED, PUBLIC demo key (the RFC 8032 test-1 seed).")?;
    outln!("Anyone can sign with it. It is for demos only; never trust it for real licences.")?;
    outln!(
        "The demo PKI (root CA, intermediate, authorities' keys) is made from fixed, public seeds too."
    )?;
    outln!("demo key id: {}", demo.key.public_key().key_id())?;
    outln!("issued at:   {}", demo.issued_at)?;
    outln!("checked at:  {}", demo.checked_at)?;
    outln!()?;
    Ok(())
}

/// An example licence as the demo issues it: the JSON example, with the
/// co-issuers [`CO_ISSUED`] gives it (the JSON files stay as they are, since
/// the test vectors are made from them).
fn example_licence(name: &str, json: &str) -> Result<Licence, CliError> {
    let fail = |e: elicence::LicenceError| CliError::new(format!("example {name}: {e}"));
    let licence = Licence::from_json(json).map_err(fail)?;
    let Some((_, co_issuers)) = CO_ISSUED.iter().find(|(joint, _)| *joint == name) else {
        return Ok(licence);
    };
    let co_issuers = co_issuers
        .iter()
        .map(|&i| {
            trust::AUTHORITIES
                .get(i)
                .map(|a| serde_json::json!({ "name": a.name, "code": a.code }))
                .ok_or_else(|| CliError::new("demo co-issuer names no authority"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut value = licence.to_json_value();
    if let Some(fields) = value.as_object_mut() {
        fields.insert("co_issuers".to_owned(), co_issuers.into());
    }
    Licence::from_json(&value.to_string()).map_err(fail)
}

fn issue_examples(demo: &mut Demo) -> Result<(), CliError> {
    for (name, json) in EXAMPLES {
        let licence = example_licence(name, json)?;
        let signed = SignedLicence::sign(licence, &demo.key, demo.issued_at)
            .map_err(|e| CliError::new(format!("example {name}: {e}")))?;
        let qr_text = qr::to_qr_text(&signed, &demo.base);
        demo.issued.push(Issued {
            name,
            signed,
            qr_text,
            pdf: Vec::new(),
        });
    }
    Ok(())
}

fn write_files(demo: &mut Demo) -> Result<(), CliError> {
    create_dir(&demo.out)?;
    write_atomic(
        &demo.out.join(PUBLIC_KEY_FILE),
        demo.key.public_key().to_pem().as_bytes(),
    )?;
    write_demo_key(&demo.out, "issuer", &demo.key)?;
    for issued in &demo.issued {
        write_atomic(&cose_path(&demo.out, issued.name), issued.signed.as_bytes())?;
        write_atomic(
            &qr_path(&demo.out, issued.name),
            format!("{}\n", issued.qr_text).as_bytes(),
        )?;
    }
    outln!("wrote {}/", demo.out.display())?;
    outln!()?;
    Ok(())
}

/// Draws every example as `<name>.png` (phone) and `<name>.pdf` (print),
/// with the embedded font only so the files are the same on every machine.
fn render_examples(demo: &mut Demo) -> Result<(), CliError> {
    let fonts = elicence::render::FontSet::embedded()
        .map_err(|e| CliError::new(format!("embedded font: {e}")))?;
    let renderer = Renderer::new(fonts);
    for issued in &mut demo.issued {
        let photo = photo_for(issued.name, &issued.signed);
        let fail = |e: elicence::render::RenderError| {
            CliError::new(format!("rendering {}: {e}", issued.name))
        };
        let png = renderer.render_png(&issued.signed, photo).map_err(fail)?;
        issued.pdf = renderer.render_pdf(&issued.signed, photo).map_err(fail)?;
        write_atomic(&file_path(&demo.out, issued.name, "png"), &png)?;
        write_atomic(&file_path(&demo.out, issued.name, "pdf"), &issued.pdf)?;
    }
    outln!("rendered {} PNGs and PDFs", demo.issued.len())?;
    outln!()?;
    Ok(())
}

fn report(demo: &mut Demo) -> Result<(), CliError> {
    // The demo key has no status lists: a status reference only warns.
    let verifier = Verifier::new([TrustedKey::new(demo.key.public_key())])
        .with_status_policy(StatusPolicy::Warn);
    for issued in &demo.issued {
        let verdict = verifier.verify_qr_text(&issued.qr_text, demo.checked_at);
        demo.all_valid &= verdict.is_valid();
        // The PDF must carry the very envelope that was issued.
        let from_pdf = envelope_from_pdf(&issued.pdf)
            .map_err(|e| CliError::new(format!("{}.pdf: {e}", issued.name)))?;
        let pdf_verdict = verifier.verify_bytes(&from_pdf, demo.checked_at);
        let pdf_ok = pdf_verdict.is_valid() && from_pdf == issued.signed.as_bytes();
        demo.all_valid &= pdf_ok;
        outln!("== {}", issued.name)?;
        outln!(
            "QR text:  {} ({} characters)",
            qr_path(&demo.out, issued.name).display(),
            issued.qr_text.len()
        )?;
        outln!("envelope: {} bytes", issued.signed.as_bytes().len())?;
        outln!(
            "{}: {}",
            issued.name,
            if verdict.is_valid() {
                "valid"
            } else {
                "invalid"
            }
        )?;
        for reason in verdict.reasons() {
            outln!("  {}: {reason}", reason.code())?;
        }
        for warning in verdict.warnings() {
            outln!("  warning {}: {warning}", warning.code())?;
        }
        outln!(
            "{}.pdf: {}",
            issued.name,
            if pdf_ok { "valid" } else { "invalid" }
        )?;
        outln!()?;
    }
    Ok(())
}

fn print_commands(demo: &mut Demo) -> Result<(), CliError> {
    let public = shell_quote(&demo.out.join(PUBLIC_KEY_FILE));
    outln!(
        "The demo's private keys are written as {DEMO_KEY_PREFIX}*.key.pem, so that these \
         commands can be repeated by hand. They come from public seeds: DEMO ONLY, never \
         for anything real."
    )?;
    outln!("To repeat the verification by hand:")?;
    for issued in &demo.issued {
        let cose = shell_quote(&cose_path(&demo.out, issued.name));
        let qr = shell_quote(&qr_path(&demo.out, issued.name));
        outln!("  elicence verify --pub {public} --status-policy warn --cose {cose}")?;
        outln!("  elicence verify --pub {public} --status-policy warn {qr}")?;
        let pdf = shell_quote(&file_path(&demo.out, issued.name, "pdf"));
        outln!("  elicence verify --pub {public} {pdf}")?;
    }
    if let Some(first) = demo.issued.first() {
        let key = shell_quote(&demo_key_path(&demo.out, "issuer"));
        let cose = shell_quote(&demo.out.join(format!("{}.again.cose", first.name)));
        outln!("and to issue with the demo key (the example base gives a warning):")?;
        outln!(
            "  elicence issue --key {key} --licence examples/licences/{}.json --out {cose}",
            first.name
        )?;
    }
    Ok(())
}

/// What starts the name of every private key the demo writes.
pub(crate) const DEMO_KEY_PREFIX: &str = "DEMO-ONLY-";

/// `DIR/DEMO-ONLY-{name}.key.pem`.
fn demo_key_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{DEMO_KEY_PREFIX}{name}.key.pem"))
}

/// Writes a demo private key (owner-only, as every private key) under a
/// name that says what it is: the seeds are public, so anyone can sign
/// with these keys, and a file called `issuer.key.pem` could be mistaken
/// for a real one.
fn write_demo_key(dir: &Path, name: &str, key: &SigningKey) -> Result<PathBuf, CliError> {
    let path = demo_key_path(dir, name);
    write_private_key(&path, key)?;
    Ok(path)
}

fn file_path(dir: &Path, name: &str, extension: &str) -> PathBuf {
    dir.join(format!("{name}.{extension}"))
}

fn cose_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.cose"))
}

fn qr_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.qr.txt"))
}

/// The path as a POSIX shell word, so the printed commands can be pasted as they are.
fn shell_quote(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:,@%".contains(c));
    if plain {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
