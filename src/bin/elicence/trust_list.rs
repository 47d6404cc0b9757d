//! `elicence trust-list`: make and sign a trust list, and show one.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use elicence::trust::list::{EntryState, SignedTrustList, TrustList, TrustListEntry};
use elicence::trust::{CertRole, Certificate};
use elicence::{LicenceTypeCode, UnixTime};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::files::{
    read_bytes, read_certificates, read_signing_key, refuse_existing, write_atomic,
};
use crate::verify::{pretty, trust_store};
use crate::{CliError, CliResult, TrustListMakeArgs, TrustListShowArgs, now};

const SECS_PER_DAY: i64 = 86_400;

pub fn make(args: &TrustListMakeArgs) -> CliResult {
    refuse_existing(&[&args.out], args.force, "a trust list")?;
    let key = read_signing_key(&args.key)?;
    let chain = read_certificates(&args.cert)?;
    let signer = chain
        .first()
        .ok_or_else(|| CliError::new(format!("{}: no certificate", args.cert.display())))?;
    let issuer = match &args.issuer {
        Some(issuer) => issuer.clone(),
        None => signer
            .organization()
            .or(signer.common_name())
            .map(str::to_owned)
            .ok_or_else(|| {
                CliError::new(format!(
                    "{}: the certificate names no organization; give --issuer",
                    args.cert.display()
                ))
            })?,
    };
    let issued_at = args.at.unwrap_or_else(now);
    let next_update = i64::from(args.next_update_days)
        .checked_mul(SECS_PER_DAY)
        .and_then(|secs| issued_at.secs().checked_add(secs))
        .map(UnixTime::from_secs)
        .ok_or_else(|| CliError::new("--next-update-days: too far in the future"))?;

    // One entry per --certs file: (file, entry); the file's CA certificates
    // become the list's intermediates.
    let mut entries: Vec<(&PathBuf, TrustListEntry)> = Vec::with_capacity(args.certs.len());
    let mut intermediates: Vec<Certificate> = Vec::new();
    for path in &args.certs {
        let (entry, cas) = entry_from_file(path)?;
        entries.push((path, entry));
        for ca in cas {
            if !intermediates.contains(&ca) {
                intermediates.push(ca);
            }
        }
    }
    for (uscc, _) in &args.allow {
        if !entries
            .iter()
            .any(|(_, e)| &e.authority == uscc && e.role == CertRole::DocumentSigner)
        {
            return Err(CliError::new(format!(
                "--allow {uscc}: no document signer of that authority among --certs"
            )));
        }
    }
    for (uscc, _) in &args.status_base {
        if !entries.iter().any(|(_, e)| &e.authority == uscc) {
            return Err(CliError::new(format!(
                "--status-base {uscc}: no certificate of that authority among --certs"
            )));
        }
    }
    let mut states: Vec<(&Path, Certificate, EntryState)> = Vec::new();
    for (path, since) in &args.retire {
        states.push((
            path,
            first_cert(path)?,
            EntryState::Retired { since: *since },
        ));
    }
    for (path, since, reason) in &args.revoke {
        let state = EntryState::Revoked {
            since: *since,
            reason: *reason,
        };
        states.push((path, first_cert(path)?, state));
    }

    let mut list = TrustList::new(&issuer, args.seq, issued_at, next_update);
    for (_, mut entry) in entries {
        if entry.role == CertRole::DocumentSigner {
            let types: Vec<LicenceTypeCode> = args
                .allow
                .iter()
                .filter(|(uscc, _)| uscc == &entry.authority)
                .map(|(_, code)| code.clone())
                .collect();
            if !types.is_empty() {
                entry = entry.licence_types(types);
            }
        }
        if let Some((_, base)) = args
            .status_base
            .iter()
            .find(|(uscc, _)| uscc == &entry.authority)
        {
            entry = entry.status_base(base);
        }
        if let Some((_, _, state)) = states.iter().find(|(_, c, _)| c == &entry.certificate) {
            entry = entry.state(*state);
        }
        list = list.entry(entry);
    }
    for (path, cert, _) in &states {
        if !list.entries.iter().any(|e| &e.certificate == cert) {
            return Err(CliError::new(format!(
                "{}: its certificate is not among --certs",
                path.display()
            )));
        }
    }
    for ca in intermediates {
        list = list.intermediate(ca);
    }
    let count = list.entries.len();
    let signed = SignedTrustList::sign(list, &key, &chain).map_err(|e| {
        CliError::new(format!(
            "cannot sign the trust list with {} and {} ({}): {e}",
            args.key.display(),
            args.cert.display(),
            e.code()
        ))
    })?;
    write_atomic(&args.out, signed.as_bytes())?;
    outln!("trust list:          {}", args.out.display())?;
    outln!("issuer:              {issuer} (sequence {})", args.seq)?;
    outln!("entries:             {count}")?;
    outln!("signed at:           {issued_at} (next update {next_update})")?;
    Ok(ExitCode::SUCCESS)
}

/// A `--certs` file's entry (its first certificate, in the role its
/// extended key usage names) and its CA certificates.
fn entry_from_file(path: &Path) -> Result<(TrustListEntry, Vec<Certificate>), CliError> {
    let mut certs = read_certificates(path)?.into_iter();
    let cert = certs
        .next()
        .ok_or_else(|| CliError::new(format!("{}: no certificate", path.display())))?;
    let role = cert.role().ok_or_else(|| {
        CliError::new(format!(
            "{}: the first certificate names no role (extended key usage)",
            path.display()
        ))
    })?;
    let name = cert
        .organization()
        .or(cert.common_name())
        .map(str::to_owned)
        .ok_or_else(|| {
            CliError::new(format!(
                "{}: the first certificate names no organization",
                path.display()
            ))
        })?;
    let entry = TrustListEntry::new(cert, role, &name)
        .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    let mut cas = Vec::new();
    for other in certs {
        if other.is_ca() {
            cas.push(other);
        } else {
            // Nothing is left to warn if stderr is gone.
            let _ = writeln!(
                io::stderr(),
                "elicence: warning: {}: skipped {}, not a CA certificate (one entry per file)",
                path.display(),
                other.display_name()
            );
        }
    }
    Ok((entry, cas))
}

fn first_cert(path: &Path) -> Result<Certificate, CliError> {
    read_certificates(path)?
        .into_iter()
        .next()
        .ok_or_else(|| CliError::new(format!("{}: no certificate", path.display())))
}

pub fn show(args: &TrustListShowArgs) -> CliResult {
    let bytes = read_bytes(&args.list)?;
    let signed = SignedTrustList::from_slice(&bytes).map_err(|e| {
        CliError::new(format!(
            "{}: not a trust list ({}): {e}",
            args.list.display(),
            e.code()
        ))
    })?;
    let list = signed.list();
    let entries: Vec<serde_json::Value> = list.entries.iter().map(entry_json).collect();
    let mut out = json!({
        "issuer": list.issuer,
        "seq": list.sequence,
        "iat": list.issued_at.to_string(),
        "next_update": list.next_update.to_string(),
        "key_id": signed.key_id().to_string(),
        "signer": signed.signer_chain().first().map(cert_json),
        "entries": entries,
        "intermediates": list.intermediates.iter().map(cert_json).collect::<Vec<_>>(),
    });
    let mut valid = true;
    let check = if args.roots.is_empty() {
        json!("not checked (give --roots)")
    } else {
        let store = trust_store(&args.roots, &[])?;
        match signed.verify(&store) {
            Ok(()) => json!({ "trusted": true }),
            Err(e) => {
                valid = false;
                json!({ "trusted": false, "code": e.code(), "message": e.to_string() })
            }
        }
    };
    if let Some(object) = out.as_object_mut() {
        object.insert("signature".to_owned(), check);
    }
    outln!("{}", pretty(&out))?;
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn entry_json(entry: &TrustListEntry) -> serde_json::Value {
    let state = match entry.state {
        EntryState::Active => json!({ "state": "active" }),
        EntryState::Retired { since } => json!({ "state": "retired", "since": since.to_string() }),
        EntryState::Revoked { since, reason } => json!({
            "state": "revoked",
            "since": since.to_string(),
            "reason": reason.name(),
        }),
        _ => json!({ "state": "unknown" }),
    };
    json!({
        "role": entry.role.name(),
        "authority": entry.authority.to_string(),
        "name": entry.name,
        "licence_types": entry.licence_types.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "status_base": entry.status_base,
        "state": state,
        "certificate": cert_json(&entry.certificate),
    })
}

fn cert_json(cert: &Certificate) -> serde_json::Value {
    let digest = Sha256::digest(cert.der());
    let sha256: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    json!({
        "common_name": cert.common_name(),
        "sha256": sha256,
        "not_before": cert.not_before().to_string(),
        "not_after": cert.not_after().to_string(),
    })
}
