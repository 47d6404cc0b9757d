//! Issuing through a registry: the identifier and status-list entry
//! allocated, the licence recorded and logged, in one transaction.

use std::ffi::c_char;

use super::{
    Failure, bytes_in, elicence_bytes, elicence_result, elicence_signing_key, free, give, guard,
    out_ok, text_in,
};
use crate::date::UnixTime;
use crate::envelope::SignedLicence;
use crate::keys::Signer;
use crate::registry::{IssueRequest, IssuingKey, PublishedList, Registry, RegistryError};
use crate::trust::{chain_for_key, parse_bundle};

/// A licence registry (SQLite file; PostgreSQL when the library is built
/// with the `postgres` feature). Free with [`elicence_registry_free`]. Not
/// for several threads at once: give each thread its own handle on the same
/// location (SQLite and PostgreSQL serialise the writers).
pub struct elicence_registry {
    registry: Registry,
}

/// Which handle the call makes.
#[derive(Clone, Copy)]
enum Opening {
    Create,
    Open,
}

/// Creates a registry at `location` (UTF-8: a file path, or a
/// `postgres://` URL) whose transparency log is named `log_origin` (a
/// C2SP checkpoint origin such as `verify.example.gov.cn/log`). On success
/// `*out` is a new handle the caller owns. Refused if one is there.
///
/// # Safety
/// Each pointer and length pair must be NULL with 0 or point to that many
/// readable bytes; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_registry_create(
    location: *const c_char,
    location_len: usize,
    log_origin: *const c_char,
    origin_len: usize,
    out: *mut *mut elicence_registry,
) -> elicence_result {
    // SAFETY: forwarded with this function's contract.
    unsafe {
        open_or_create(
            Opening::Create,
            location,
            location_len,
            log_origin,
            origin_len,
            out,
        )
    }
}

/// Opens the registry at `location` (as [`elicence_registry_create`]),
/// which must have been created.
///
/// # Safety
/// As [`elicence_registry_create`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_registry_open(
    location: *const c_char,
    location_len: usize,
    out: *mut *mut elicence_registry,
) -> elicence_result {
    // SAFETY: forwarded with this function's contract.
    unsafe {
        open_or_create(
            Opening::Open,
            location,
            location_len,
            std::ptr::null(),
            0,
            out,
        )
    }
}

/// # Safety
/// As the exported functions.
unsafe fn open_or_create(
    opening: Opening,
    location: *const c_char,
    location_len: usize,
    log_origin: *const c_char,
    origin_len: usize,
    out: *mut *mut elicence_registry,
) -> elicence_result {
    guard(|| {
        out_ok(out, "out")?;
        // SAFETY: as the callers' contract.
        let location = unsafe { text_in(location, location_len, "location")? };
        // SAFETY: as the callers' contract.
        let origin = unsafe { text_in(log_origin, origin_len, "log_origin")? };
        if location.is_empty() {
            return Err(Failure::new(
                elicence_result::ELICENCE_MALFORMED_INPUT,
                "location is empty",
            ));
        }
        let registry = match opening {
            Opening::Create => Registry::create(location, origin),
            Opening::Open => Registry::open(location),
        }
        .map_err(registry_failed)?;
        // SAFETY: `out` was checked and is writable by contract.
        unsafe { give(out, elicence_registry { registry }) };
        Ok(())
    })
}

/// Frees a registry handle, closing its connection. NULL is accepted.
///
/// # Safety
/// `registry` must be NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_registry_free(registry: *mut elicence_registry) {
    super::guard_value((), || {
        // SAFETY: as this function's contract.
        unsafe { free(registry) }
    });
}

/// Issues a licence (JSON, carrying no identifier and no status reference:
/// the registry allocates both) through the registry, signed by `key` at
/// `unix_time` (seconds), and returns its envelope. The licence is
/// recorded and its issuance logged in one transaction.
///
/// `request_id` (UTF-8, NULL with 0 for the SHA-256 of the licence JSON)
/// makes the call idempotent: a request id issued before is answered with
/// the licence issued then, not issued again. `cert_pem` is the key's
/// document signer certificate, checked as `elicence_issue_json` checks it;
/// the envelope then carries the chain. Get the QR text with
/// `elicence_qr_text`.
///
/// On success `*envelope_out` is new bytes the caller frees with
/// `elicence_bytes_free`.
///
/// # Safety
/// Each pointer and length pair must be NULL with 0 or point to that many
/// readable bytes; `registry` and `key` live handles, `registry` used by
/// no other thread during the call; `envelope_out` writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn elicence_registry_issue_json(
    registry: *mut elicence_registry,
    key: *const elicence_signing_key,
    cert_pem: *const u8,
    cert_len: usize,
    request_id: *const c_char,
    request_id_len: usize,
    licence_json: *const c_char,
    json_len: usize,
    unix_time: i64,
    envelope_out: *mut *mut elicence_bytes,
) -> elicence_result {
    guard(|| {
        out_ok(envelope_out, "envelope_out")?;
        // SAFETY: as this function's contract.
        let registry = unsafe { super::borrow_mut(registry, "registry")? };
        // SAFETY: as this function's contract.
        let key = unsafe { super::borrow(key, "key")? };
        // SAFETY: as this function's contract.
        let cert_pem = unsafe { bytes_in(cert_pem, cert_len, "cert_pem")? };
        // SAFETY: as this function's contract.
        let request_id = unsafe { text_in(request_id, request_id_len, "request_id")? };
        // SAFETY: as this function's contract.
        let json = unsafe { text_in(licence_json, json_len, "licence_json")? };
        let at = UnixTime::from_secs(unix_time);
        let licence = super::issue::licence_from_json(json)?;
        let signer = super::issue::certified_signer(key, cert_pem, at)?;
        let issuing = IssuingKey::shared(key.shared(), signer.as_ref().map(|s| s.certificate()))
            .map_err(registry_failed)?;
        let request = if request_id.is_empty() {
            IssueRequest::by_content(licence)
        } else {
            IssueRequest::new(request_id, licence)
        };
        let issued = registry
            .registry
            .issue(&issuing, vec![request], at)
            .map_err(registry_failed)?;
        let envelope = issued
            .first()
            .ok_or_else(|| {
                Failure::new(
                    elicence_result::ELICENCE_REGISTRY_FAILED,
                    "the registry answered no licence",
                )
            })?
            .envelope();
        let envelope = match &signer {
            None => envelope.to_vec(),
            Some(signer) => {
                let signed = SignedLicence::from_slice(envelope).map_err(|e| {
                    Failure::new(
                        elicence_result::ELICENCE_REGISTRY_FAILED,
                        format!("the registry's envelope does not decode: {e}"),
                    )
                })?;
                signer
                    .file_bytes(&signed)
                    .map_err(super::issue::certificate_refused)?
            }
        };
        // SAFETY: `envelope_out` was checked and is writable by contract.
        unsafe { give(envelope_out, elicence_bytes::new(envelope)) };
        Ok(())
    })
}

/// Status lists a registry signed: a list of (number, token) pairs. Free
/// with [`elicence_status_lists_free`]. Safe to read from several threads.
pub struct elicence_status_lists {
    lists: Vec<(u32, elicence_bytes)>,
}

/// Signs fresh status lists for the authority of the status-list signer
/// certificate in `cert_pem` (PEM bundle; the key's certificate must have
/// the status-signer role and name an authority): the lists with changes
/// since they were last published, or with `all` every list. A list's URI
/// is `{base}/{number}`: `base` (UTF-8, required) is where the lists are
/// served, e.g. `https://verify.example.gov.cn/status/111100000000213452`.
/// Each token is valid from `unix_time` for `ttl_secs`. The lists are
/// marked published in the same transaction: store every token before
/// discarding the result.
///
/// On success `*out` is a new list set the caller frees with
/// `elicence_status_lists_free` (possibly empty: nothing changed).
///
/// # Safety
/// Each pointer and length pair must be NULL with 0 or point to that many
/// readable bytes; `registry` and `key` live handles, `registry` used by
/// no other thread during the call; `out` writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn elicence_registry_publish_status(
    registry: *mut elicence_registry,
    key: *const elicence_signing_key,
    cert_pem: *const u8,
    cert_len: usize,
    base: *const c_char,
    base_len: usize,
    unix_time: i64,
    ttl_secs: u64,
    all: bool,
    out: *mut *mut elicence_status_lists,
) -> elicence_result {
    guard(|| {
        out_ok(out, "out")?;
        // SAFETY: as this function's contract.
        let registry = unsafe { super::borrow_mut(registry, "registry")? };
        // SAFETY: as this function's contract.
        let key = unsafe { super::borrow(key, "key")? };
        // SAFETY: as this function's contract.
        let cert_pem = unsafe { bytes_in(cert_pem, cert_len, "cert_pem")? };
        // SAFETY: as this function's contract.
        let base = unsafe { text_in(base, base_len, "base")? };
        if base.is_empty() {
            return Err(Failure::new(
                elicence_result::ELICENCE_MALFORMED_INPUT,
                "base is empty: give the URL the lists are served under",
            ));
        }
        let at = UnixTime::from_secs(unix_time);
        let signing_key = key.signing_key();
        let (certs, _) = parse_bundle(cert_pem);
        let chain = chain_for_key(&certs, &signing_key.public_key(), at).ok_or_else(|| {
            Failure::new(
                elicence_result::ELICENCE_CERTIFICATE_REFUSED,
                "no certificate in cert_pem is for the key",
            )
        })?;
        let published = registry
            .registry
            .publish(signing_key, &chain, base, at, ttl_secs, all)
            .map_err(registry_failed)?;
        let lists = published
            .into_iter()
            .map(|PublishedList { list, token, .. }| {
                (list, elicence_bytes::new(token.as_bytes().to_vec()))
            })
            .collect();
        // SAFETY: `out` was checked and is writable by contract.
        unsafe { give(out, elicence_status_lists { lists }) };
        Ok(())
    })
}

/// How many lists the set holds; 0 for NULL.
///
/// # Safety
/// `lists` must be NULL or a live set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_status_lists_count(lists: *const elicence_status_lists) -> usize {
    super::guard_value(0, || {
        // SAFETY: as this function's contract.
        unsafe { lists.as_ref() }.map_or(0, |l| l.lists.len())
    })
}

/// The number of list `index` (from 0), as licences' status references
/// name it; 0 (never a list's number) for NULL or an index past the end.
///
/// # Safety
/// `lists` must be NULL or a live set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_status_lists_number(
    lists: *const elicence_status_lists,
    index: usize,
) -> u32 {
    super::guard_value(0, || {
        // SAFETY: as this function's contract.
        unsafe { lists.as_ref() }
            .and_then(|l| l.lists.get(index))
            .map_or(0, |(number, _)| *number)
    })
}

/// The signed token (CWT bytes, what `elicence_verifier_add_status_list`
/// reads and what is served at the list's URI) of list `index`, borrowed
/// from the set: read it with `elicence_bytes_data` and `elicence_bytes_len`
/// while the set lives, never free it. NULL for NULL or an index past the
/// end.
///
/// # Safety
/// `lists` must be NULL or a live set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_status_lists_token(
    lists: *const elicence_status_lists,
    index: usize,
) -> *const elicence_bytes {
    super::guard_value(std::ptr::null(), || {
        // SAFETY: as this function's contract.
        unsafe { lists.as_ref() }
            .and_then(|l| l.lists.get(index))
            .map_or(std::ptr::null(), |(_, token)| std::ptr::from_ref(token))
    })
}

/// Frees a set of lists and their tokens. NULL is accepted.
///
/// # Safety
/// `lists` must be NULL or a live set, not used afterwards (nor its tokens).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn elicence_status_lists_free(lists: *mut elicence_status_lists) {
    super::guard_value((), || {
        // SAFETY: as this function's contract.
        unsafe { free(lists) }
    });
}

fn registry_failed(error: RegistryError) -> Failure {
    let result = match &error {
        RegistryError::Request { .. } => elicence_result::ELICENCE_LICENCE_REFUSED,
        RegistryError::Key(_) => elicence_result::ELICENCE_CERTIFICATE_REFUSED,
        _ => elicence_result::ELICENCE_REGISTRY_FAILED,
    };
    Failure::new(result, error.to_string())
}
