//! `elicence issue`: sign licences and print or write their QR text.

use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;

use elicence::licence::StatusReference;
use elicence::registry::{BatchFormat, DEFAULT_CHUNK_LINES, IssueRequest, IssuingKey};
use elicence::trust::{Certificate, CertifiedSigner, SignerCertError};
use elicence::{Licence, QrBase, SignedLicence, Signer, SigningKey, UnixTime, qr};

use crate::files::{AtomicFile, read_certificates, read_signing_key, read_text, write_atomic};
use crate::registry::{BatchJob, issue_batch_registered, open_registry, registry_failure};
use crate::{CliError, CliResult, IssueArgs, now};

/// What `issue` signs with: the key and, with `--cert`, the document signer
/// certificate that every licence must agree with.
struct Signing<'a> {
    key: SignWith,
    base: &'a QrBase,
    issued_at: UnixTime,
    /// `--status-list` and `--status-index`: replaces the licence's own.
    status: Option<StatusReference>,
}

/// The key, and with `--cert` its certificate (checked by the library).
struct SignWith {
    key: SigningKey,
    cert: Option<(PathBuf, CertifiedSigner)>,
}

pub fn run(args: &IssueArgs) -> CliResult {
    let key = read_signing_key(&args.key)?;
    let base = args.qr_base.clone().unwrap_or_default();
    if base.is_example() {
        // A warning, not a refusal: the example base is right for trying the
        // tool out, and codes under it still verify offline.
        let _ = writeln!(
            io::stderr(),
            "elicence: warning: the QR text starts with the example base {base}, which no \
             one serves: a phone scanning it opens nothing. Give --qr-base with your scan \
             endpoint for licences that will be handed out."
        );
    }
    if let (Some(path), false) = (&args.licence, args.no_check_render) {
        check_render(path, args.template.as_deref(), &base)?;
    }
    let issued_at = args.at.unwrap_or_else(now);
    let cert = args
        .cert
        .as_deref()
        .map(|path| {
            certified_signer(path, &args.key, &key, issued_at).map(|c| (path.to_owned(), c))
        })
        .transpose()?;
    let key = SignWith { key, cert };
    let status = match (args.status_list, args.status_index) {
        (Some(list), Some(index)) => Some(StatusReference { list, index }),
        (None, None) => None,
        // clap's `requires` rules the other combinations out.
        _ => {
            return Err(CliError::new(
                "give --status-list and --status-index together",
            ));
        }
    };
    if let Some(db) = &args.db {
        if status.is_some() {
            return Err(CliError::new(
                "--status-list and --status-index cannot be given with --db: \
                 the registry allocates status-list entries",
            ));
        }
        return issue_registered(args, db, key, &base, issued_at);
    }
    if let Some(batch) = &args.batch
        && BatchFormat::from_path(batch) == BatchFormat::Csv
    {
        return Err(CliError::new(format!(
            "{}: CSV batches are issued through a registry; give --db",
            batch.display()
        )));
    }
    let signing = Signing {
        key,
        base: &base,
        issued_at,
        status,
    };
    match (&args.licence, &args.batch, &args.out) {
        (Some(licence), None, out) => issue_one(&signing, licence, out.as_deref()),
        (None, Some(batch), Some(out)) => issue_batch(&signing, batch, out),
        // clap's argument groups rule the other combinations out.
        _ => Err(CliError::new(
            "give either --licence, or --batch with --out",
        )),
    }
}

/// Refuses, before anything is signed, a licence its template cannot draw:
/// a licence that is issued but cannot be printed helps no one.
fn check_render(
    licence_path: &Path,
    template: Option<&Path>,
    base: &QrBase,
) -> Result<(), CliError> {
    let json = read_text(licence_path)?;
    let licence = Licence::from_json(&json)
        .map_err(|e| CliError::new(format!("{}: {e}", licence_path.display())))?;
    let mut renderer = crate::render::default_renderer(base)?;
    if let Some(path) = template {
        let template = elicence::render::Template::from_path(path)
            .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
        renderer.set_templates(elicence::render::TemplateSet::single(template));
    }
    renderer.check_layout(&licence).map_err(|e| {
        let template = &renderer.templates().for_type(licence.type_code()).name;
        CliError::new(format!(
            "{}: not signed, template {template:?} cannot draw it: {e} \
             (shorten the value, give --template with a layout that has room, \
             or --no-check-render to sign anyway)",
            licence_path.display()
        ))
    })
}

/// The key with its certificate from the file at `path`, checked by the
/// library: a licence signed otherwise would be refused by verifiers.
fn certified_signer(
    path: &Path,
    key_path: &Path,
    key: &SigningKey,
    issued_at: UnixTime,
) -> Result<CertifiedSigner, CliError> {
    let certs = read_certificates(path)?;
    CertifiedSigner::new(&key.public_key(), certs, issued_at).map_err(|e| match e {
        SignerCertError::NotForThisKey { key_id } => CliError::new(format!(
            "{} does not certify the key in {} (key id {key_id}); refusing to sign",
            path.display(),
            key_path.display(),
        )),
        e => CliError::new(format!("{}: {e}; refusing to sign", path.display())),
    })
}

impl Signing<'_> {
    /// Signs one licence, refusing one whose issuer is not the certified authority.
    fn sign(&self, licence: Licence) -> Result<SignedLicence, String> {
        let licence = match self.status {
            Some(reference) => with_status(&licence, reference)?,
            None => licence,
        };
        match &self.key.cert {
            None => SignedLicence::sign(licence, &self.key.key, self.issued_at)
                .map_err(|e| e.to_string()),
            Some((path, signer)) => signer
                .sign(&self.key.key, licence, self.issued_at)
                .map_err(|e| format!("{}: {e}", path.display())),
        }
    }

    /// The `.cose` file's bytes (see [`cose_file_bytes`]).
    fn file_bytes(&self, signed: &SignedLicence) -> Result<Vec<u8>, CliError> {
        let chain = self
            .key
            .cert
            .as_ref()
            .map(|(path, signer)| (path.as_path(), signer.chain()));
        cose_file_bytes(signed, chain)
    }
}

/// The `.cose` file's bytes: with `--cert` (its file and chain), the
/// envelope carrying the chain; without, the bare envelope.
fn cose_file_bytes(
    signed: &SignedLicence,
    chain: Option<(&Path, &[Certificate])>,
) -> Result<Vec<u8>, CliError> {
    match chain {
        Some((path, chain)) => signed
            .clone()
            .with_chain(chain.to_vec())
            .map(|with_chain| with_chain.to_file_bytes())
            .map_err(|e| {
                CliError::new(format!(
                    "{}: cannot carry its chain in the .cose file: {e}",
                    path.display()
                ))
            }),
        None => Ok(signed.as_bytes().to_vec()),
    }
}

/// `issue --db`: the registry allocates the identifier and the status-list
/// entry, records and logs the licence; the key (and certificate) are
/// checked by the library against every licence.
fn issue_registered(
    args: &IssueArgs,
    db: &str,
    key: SignWith,
    base: &QrBase,
    issued_at: UnixTime,
) -> CliResult {
    // The registry checks the certificate against every licence itself;
    // the chain is kept for the .cose file.
    let SignWith { key, cert } = key;
    let key = IssuingKey::new(key, cert.as_ref().map(|(_, signer)| signer.certificate()))
        .map_err(|e| CliError::new(format!("{}: {e}", args.key.display())))?;
    match (&args.licence, &args.batch, &args.out) {
        (Some(licence), None, out) => {
            let issued = issue_one_registered(db, &key, licence, issued_at)?;
            if let Some(out) = out {
                let chain = cert
                    .as_ref()
                    .map(|(path, signer)| (path.as_path(), signer.chain()));
                let bytes = cose_file_bytes(&issued, chain)?;
                write_atomic(out, &bytes)?;
            }
            outln!("{}", qr::to_qr_text(&issued, base))?;
            Ok(ExitCode::SUCCESS)
        }
        (None, Some(batch), Some(out)) => issue_batch_registered(&BatchJob {
            db,
            key: &key,
            input: batch,
            out,
            pdf_dir: args.pdf_dir.as_deref(),
            chunk: args.chunk.unwrap_or(DEFAULT_CHUNK_LINES),
            at: issued_at,
            base,
        }),
        // clap's argument groups rule the other combinations out.
        _ => Err(CliError::new(
            "give either --licence, or --batch with --out",
        )),
    }
}

/// Issues one licence through the registry, under the SHA-256 of its JSON
/// as request id: the same licence given twice is answered with the
/// licence the first call issued.
fn issue_one_registered(
    db: &str,
    key: &IssuingKey,
    licence_path: &Path,
    issued_at: UnixTime,
) -> Result<SignedLicence, CliError> {
    let json = read_text(licence_path)?;
    let licence = Licence::from_json(&json)
        .map_err(|e| CliError::new(format!("{}: {e}", licence_path.display())))?;
    let mut registry = open_registry(db)?;
    let issued = registry
        .issue(key, vec![IssueRequest::by_content(licence)], issued_at)
        .map_err(registry_failure)?;
    let envelope = issued
        .first()
        .ok_or_else(|| CliError::new("the registry answered no licence"))?
        .envelope();
    SignedLicence::from_slice(envelope)
        .map_err(|e| CliError::new(format!("the registry's envelope does not decode: {e}")))
}

/// The licence with its status reference replaced: through its JSON form,
/// which the library reads and writes, so every rule on it still applies.
fn with_status(licence: &Licence, reference: StatusReference) -> Result<Licence, String> {
    let mut value = licence.to_json_value();
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "status".to_owned(),
            serde_json::json!({ "list": reference.list, "index": reference.index }),
        );
    }
    Licence::from_json(&value.to_string()).map_err(|e| e.to_string())
}

fn issue_one(signing: &Signing<'_>, licence_path: &Path, out: Option<&Path>) -> CliResult {
    let json = read_text(licence_path)?;
    let licence = Licence::from_json(&json)
        .map_err(|e| CliError::new(format!("{}: {e}", licence_path.display())))?;
    let signed = signing
        .sign(licence)
        .map_err(|e| CliError::new(format!("{}: {e}", licence_path.display())))?;
    if let Some(out) = out {
        write_atomic(out, &signing.file_bytes(&signed)?)?;
    }
    outln!("{}", qr::to_qr_text(&signed, signing.base))?;
    Ok(ExitCode::SUCCESS)
}

/// A line that could not be issued: its number (from 1) and what was wrong.
struct BadLine {
    line: usize,
    message: String,
}

fn issue_batch(signing: &Signing<'_>, batch_path: &Path, out: &Path) -> CliResult {
    let input = read_text(batch_path)?;
    let lines: Vec<(usize, &str)> = input
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();

    let threads = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let chunk_len = lines.len().div_ceil(threads).max(1);
    let chunk_results: Vec<Result<Vec<String>, BadLine>> = thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk_len)
            .map(|chunk| scope.spawn(move || issue_chunk(signing, chunk)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(BadLine {
                        line: 0,
                        message: "a signing thread failed".to_owned(),
                    })
                })
            })
            .collect()
    });

    // Chunks are in input order and each stops at its first bad line, so the
    // first error met here is the first bad line in the file.
    let mut file = AtomicFile::create(out, false)?;
    let mut count = 0usize;
    for result in chunk_results {
        let texts = result.map_err(|bad| {
            CliError::new(format!(
                "{} line {}: {}",
                batch_path.display(),
                bad.line,
                bad.message
            ))
        })?;
        for text in texts {
            file.write_all(text.as_bytes())?;
            file.write_all(b"\n")?;
            count += 1;
        }
    }
    file.commit()?;
    outln!("issued {count} licences into {}", out.display())?;
    Ok(ExitCode::SUCCESS)
}

fn issue_chunk(signing: &Signing<'_>, chunk: &[(usize, &str)]) -> Result<Vec<String>, BadLine> {
    chunk
        .iter()
        .map(|&(line, json)| {
            let bad = |message: String| BadLine { line, message };
            let licence = Licence::from_json(json).map_err(|e| bad(e.to_string()))?;
            let signed = signing.sign(licence).map_err(bad)?;
            Ok(qr::to_qr_text(&signed, signing.base))
        })
        .collect()
}
