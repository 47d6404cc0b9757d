//! `elicence ca`: a root CA, intermediate CAs and issuing authorities'
//! document signer certificates (DSCs), for demos, tests and small
//! deployments.
//!
//! A CA lives in a directory holding `ca.key.pem` (owner-only) and
//! `ca.cert.pem`; an authority's directory holds `issuer.key.pem`,
//! `issuer.pub.pem` (as `keygen` writes them) and `signer.cert.pem`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use elicence::trust::ca::{self, CertificateRequest, Role};
use elicence::trust::{CertRole, Certificate};
use elicence::{PublicKey, Signer, SigningKey, UnixTime};
use rand_core::{OsRng, RngCore};

use crate::files::{
    create_dir, read_certificates, read_public_key, read_signing_key, refuse_existing,
    write_atomic, write_private_key,
};
use crate::keygen::{PRIVATE_KEY_FILE, PUBLIC_KEY_FILE};
use crate::{CaInitArgs, CaIntermediateArgs, CaSignerArgs, CliError, CliResult, now};

/// A CA's private key inside its directory.
pub const CA_KEY_FILE: &str = "ca.key.pem";
/// A CA's certificate inside its directory.
pub const CA_CERT_FILE: &str = "ca.cert.pem";
/// An authority's document signer certificate inside its directory.
pub const SIGNER_CERT_FILE: &str = "signer.cert.pem";

const SECS_PER_DAY: i64 = 86_400;

pub fn init(args: &CaInitArgs) -> CliResult {
    let request = ca_request(&args.name, args.at, args.days, Role::Root)?;
    let (key_path, cert_path, cert) = write_new_ca(&args.out, args.force, |key| {
        ca::self_signed(&request, key)
            .map_err(|e| CliError::new(format!("cannot make the root certificate: {e}")))
    })?;
    outln!(
        "root CA key:         {} (keep it secret)",
        key_path.display()
    )?;
    outln!("root CA cert:        {}", cert_path.display())?;
    describe(&cert)
}

pub fn intermediate(args: &CaIntermediateArgs) -> CliResult {
    let (issuer, issuer_key, _) = read_ca(&args.ca_dir)?;
    let role = Role::Intermediate {
        path_len: args.path_len,
    };
    let request = ca_request(&args.name, args.at, args.days, role)?;
    let (key_path, cert_path, cert) = write_new_ca(&args.out, args.force, |key| {
        certify(
            &request,
            &key.public_key(),
            &issuer,
            &issuer_key,
            &args.ca_dir,
        )
    })?;
    outln!(
        "intermediate key:    {} (keep it secret)",
        key_path.display()
    )?;
    outln!("intermediate cert:   {}", cert_path.display())?;
    outln!("(verifiers take it with --signers, next to the signer certificates, not as a root)")?;
    describe(&cert)
}

/// A CA certificate's contents: a name, no authority code, a fresh serial.
fn ca_request(
    name: &str,
    at: Option<UnixTime>,
    days: u32,
    role: Role,
) -> Result<CertificateRequest, CliError> {
    let (not_before, not_after) = validity(at, days)?;
    Ok(CertificateRequest {
        common_name: name.to_owned(),
        organization: None,
        authority_code: None,
        not_before,
        not_after,
        role,
        serial: random_serial()?,
    })
}

/// Makes a CA directory: refuses to overwrite one (unless `force`), makes a
/// key, has `certify` make its certificate, then writes both. Returns the
/// key's and the certificate's paths and the certificate.
fn write_new_ca(
    out: &Path,
    force: bool,
    certify: impl FnOnce(&SigningKey) -> Result<Certificate, CliError>,
) -> Result<(PathBuf, PathBuf, Certificate), CliError> {
    create_dir(out)?;
    let key_path = out.join(CA_KEY_FILE);
    let cert_path = out.join(CA_CERT_FILE);
    refuse_existing(&[&key_path, &cert_path], force, "a CA")?;
    let key = SigningKey::generate();
    let cert = certify(&key)?;
    write_private_key(&key_path, &key)?;
    write_atomic(&cert_path, ca::to_pem(&cert).as_bytes())?;
    Ok((key_path, cert_path, cert))
}

pub fn signer(args: &CaSignerArgs) -> CliResult {
    let role = signer_role(args.role)?;
    let (issuer, issuer_key, issuer_chain) = read_ca(&args.ca_dir)?;
    let existing = args
        .public_key
        .as_deref()
        .map(read_public_key)
        .transpose()?;
    create_dir(&args.out)?;
    let key_path = args.out.join(PRIVATE_KEY_FILE);
    let pub_path = args.out.join(PUBLIC_KEY_FILE);
    let cert_path = args.out.join(SIGNER_CERT_FILE);
    if existing.is_some() {
        refuse_existing(&[&cert_path], args.force, "a certificate")?;
    } else {
        refuse_existing(&[&key_path, &pub_path, &cert_path], args.force, "a key")?;
    }

    let (not_before, not_after) = validity(args.at, args.days)?;
    let request = CertificateRequest {
        common_name: args.name.clone(),
        organization: Some(args.name.clone()),
        authority_code: Some(args.uscc.clone()),
        not_before,
        not_after,
        role,
        serial: random_serial()?,
    };
    let new_key = existing.is_none().then(SigningKey::generate);
    let public = existing
        .or_else(|| new_key.as_ref().map(Signer::public_key))
        .ok_or_else(|| CliError::new("no key to certify"))?;
    let cert = certify(&request, &public, &issuer, &issuer_key, &args.ca_dir)?;
    if let Some(key) = &new_key {
        write_private_key(&key_path, key)?;
        write_atomic(&pub_path, public.to_pem().as_bytes())?;
    }
    // The signer's certificate, then the CA's chain: what it signs can carry
    // the whole chain (x5chain) for verifiers holding only the roots.
    let mut pem = ca::to_pem(&cert);
    for ca_cert in &issuer_chain {
        pem.push_str(&ca::to_pem(ca_cert));
    }
    write_atomic(&cert_path, pem.as_bytes())?;
    if new_key.is_some() {
        outln!(
            "authority key:       {} (keep it secret)",
            key_path.display()
        )?;
        outln!("authority public:    {}", pub_path.display())?;
    }
    outln!(
        "signer certificate:  {} (then {} CA certificate{} of its chain)",
        cert_path.display(),
        issuer_chain.len(),
        if issuer_chain.len() == 1 { "" } else { "s" }
    )?;
    warn_if_outlives(&cert, &issuer, &args.ca_dir);
    describe(&cert)
}

/// The certificate role `ca signer --role` names.
fn signer_role(role: CertRole) -> Result<Role, CliError> {
    match role {
        CertRole::DocumentSigner => Ok(Role::DocumentSigner),
        CertRole::SealMaker => Ok(Role::SealMaker),
        CertRole::StatusSigner => Ok(Role::StatusSigner),
        CertRole::TrustListSigner => Ok(Role::TrustListSigner),
        other => Err(CliError::new(format!(
            "cannot make certificates of the role {other}"
        ))),
    }
}

/// What a role's key signs, for the summary.
fn role_purpose(role: CertRole) -> &'static str {
    match role {
        CertRole::DocumentSigner => "signs licences and PDF seals",
        CertRole::SealMaker => "signs seal records",
        CertRole::StatusSigner => "signs status lists",
        CertRole::TrustListSigner => "signs trust lists",
        _ => "",
    }
}

/// Reads a CA directory: its certificate, the key it certifies, and the
/// CA's chain as signer files carry it (its certificate, then the other
/// certificates of its ca.cert.pem in their order).
fn read_ca(dir: &Path) -> Result<(Certificate, SigningKey, Vec<Certificate>), CliError> {
    let cert_path = dir.join(CA_CERT_FILE);
    let key_path = dir.join(CA_KEY_FILE);
    let key = read_signing_key(&key_path)?;
    let public = key.public_key();
    let certs = read_certificates(&cert_path)?;
    let cert = certs
        .iter()
        .find(|c| c.public_key() == &public)
        .cloned()
        .ok_or_else(|| {
            CliError::new(format!(
                "{} does not certify the key in {} (key id {})",
                cert_path.display(),
                key_path.display(),
                public.key_id()
            ))
        })?;
    if !cert.is_ca() {
        return Err(CliError::new(format!(
            "{} is not a CA certificate",
            cert_path.display()
        )));
    }
    let chain = std::iter::once(cert.clone())
        .chain(certs.into_iter().filter(|c| c != &cert))
        .collect();
    Ok((cert, key, chain))
}

/// Has `issuer` certify `subject`'s key as `request` says.
fn certify(
    request: &CertificateRequest,
    subject: &PublicKey,
    issuer: &Certificate,
    issuer_key: &SigningKey,
    ca_dir: &Path,
) -> Result<Certificate, CliError> {
    ca::issue(request, subject, issuer, issuer_key).map_err(|e| {
        CliError::new(format!(
            "cannot certify with the CA in {}: {e}",
            ca_dir.display()
        ))
    })
}

/// The validity period: from `at` (or now) for `days` days.
pub fn validity(at: Option<UnixTime>, days: u32) -> Result<(UnixTime, UnixTime), CliError> {
    let not_before = at.unwrap_or_else(now);
    let end = i64::from(days)
        .checked_mul(SECS_PER_DAY)
        .and_then(|secs| not_before.secs().checked_add(secs))
        .ok_or_else(|| CliError::new("the validity period ends too far in the future"))?;
    Ok((not_before, UnixTime::from_secs(end)))
}

/// A random 16-byte serial number (RFC 5280 asks for unique per issuer;
/// 127 random bits make a collision negligible).
pub fn random_serial() -> Result<[u8; 16], CliError> {
    let mut serial = [0u8; 16];
    OsRng
        .try_fill_bytes(&mut serial)
        .map_err(|e| CliError::new(format!("cannot get random bytes: {e}")))?;
    Ok(serial)
}

/// Warns on stderr when the new certificate is valid outside its issuer's
/// period: verifiers only honour the part where the whole chain is valid.
fn warn_if_outlives(cert: &Certificate, issuer: &Certificate, ca_dir: &Path) {
    if cert.not_before() < issuer.not_before() || cert.not_after() > issuer.not_after() {
        // Nothing is left to warn if stderr is gone.
        let _ = writeln!(
            io::stderr(),
            "elicence: warning: the certificate is valid from {} to {}, but its CA ({}) only \
             from {} to {}; verifiers accept licences signed while both are valid",
            cert.not_before(),
            cert.not_after(),
            ca_dir.join(CA_CERT_FILE).display(),
            issuer.not_before(),
            issuer.not_after()
        );
    }
}

/// Prints the certificate's subject, authority code, validity and key id.
fn describe(cert: &Certificate) -> CliResult {
    outln!("subject:             {}", cert.common_name().unwrap_or("-"))?;
    if let Some(code) = cert.authority_code() {
        outln!("authority code:      {code} (organizationIdentifier)")?;
    }
    if let Some(role) = cert.role() {
        outln!("role:                {role} ({})", role_purpose(role))?;
    }
    outln!(
        "valid:               {} to {}",
        cert.not_before(),
        cert.not_after()
    )?;
    outln!("key id:              {}", cert.public_key().key_id())?;
    Ok(ExitCode::SUCCESS)
}
