//! The C ABI called as C calls it, from Rust: every function's NULL,
//! empty, non-UTF-8 and too-small cases, and a round trip.

use std::ptr::{null, null_mut};

use super::*;
use crate::keys::{Signer, SigningKey};

const LICENCE: &str = include_str!("../../examples/licences/driving-licence.json");
/// Inside the example's validity.
const AT: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z

fn key_pem(seed: u8) -> String {
    SigningKey::from_seed(&[seed; 32])
        .to_pkcs8_pem()
        .unwrap()
        .to_string()
}

fn public_pem(seed: u8) -> String {
    SigningKey::from_seed(&[seed; 32]).public_key().to_pem()
}

fn key(seed: u8) -> *mut elicence_signing_key {
    let pem = key_pem(seed);
    let mut key = null_mut();
    let result = unsafe { elicence_signing_key_from_pem(pem.as_ptr(), pem.len(), &mut key) };
    assert_eq!(result, elicence_result::ELICENCE_OK);
    key
}

fn verifier(pem: &str) -> *mut elicence_verifier {
    let mut verifier = null_mut();
    let result = unsafe { elicence_verifier_new(pem.as_ptr(), pem.len(), &mut verifier) };
    assert_eq!(result, elicence_result::ELICENCE_OK);
    verifier
}

fn taken(bytes: *mut elicence_bytes) -> Vec<u8> {
    let data = unsafe {
        std::slice::from_raw_parts(elicence_bytes_data(bytes), elicence_bytes_len(bytes)).to_vec()
    };
    unsafe { elicence_bytes_free(bytes) };
    data
}

fn issue(key: *const elicence_signing_key, json: &str) -> (Vec<u8>, String) {
    let mut envelope = null_mut();
    let mut qr = null_mut();
    let result = unsafe {
        elicence_issue_json(
            key,
            null(),
            0,
            json.as_ptr().cast(),
            json.len(),
            AT,
            &mut envelope,
            &mut qr,
        )
    };
    assert_eq!(result, elicence_result::ELICENCE_OK, "{}", last_error());
    (taken(envelope), String::from_utf8(taken(qr)).unwrap())
}

fn last_error() -> String {
    let mut buf = [0 as c_char; 1024];
    let mut n = 0;
    let result = unsafe { elicence_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) };
    assert_eq!(result, elicence_result::ELICENCE_OK);
    let bytes: Vec<u8> = buf[..n].iter().map(|&c| c as u8).collect();
    String::from_utf8(bytes).unwrap()
}

fn verify_text(verifier: *const elicence_verifier, text: &str) -> (bool, serde_json::Value) {
    let mut verdict = null_mut();
    let result = unsafe {
        elicence_verify_qr_text(verifier, text.as_ptr().cast(), text.len(), AT, &mut verdict)
    };
    assert_eq!(result, elicence_result::ELICENCE_OK);
    let valid = unsafe { elicence_verdict_is_valid(verdict) };
    let mut json = null_mut();
    assert_eq!(
        unsafe { elicence_verdict_json(verdict, &mut json) },
        elicence_result::ELICENCE_OK
    );
    unsafe { elicence_verdict_free(verdict) };
    (valid, serde_json::from_slice(&taken(json)).unwrap())
}

#[test]
fn a_licence_issued_through_the_abi_verifies_through_it_and_a_forgery_does_not() {
    let key = key(7);
    let (envelope, qr) = issue(key, LICENCE);
    assert!(qr.starts_with("https://verify.example.gov.cn/c/"));
    let verifier = verifier(&public_pem(7));
    let (valid, json) = verify_text(verifier, &qr);
    assert!(valid, "{json}");
    assert_eq!(json["valid"], true);
    // One digit changed: still digits, no longer the signed bytes.
    let mut forged = qr.clone().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'1' { b'2' } else { b'1' };
    let (valid, json) = verify_text(verifier, std::str::from_utf8(&forged).unwrap());
    assert!(!valid, "{json}");
    let mut verdict = null_mut();
    let result = unsafe {
        elicence_verify_envelope(
            verifier,
            envelope.as_ptr(),
            envelope.len(),
            AT,
            &mut verdict,
        )
    };
    assert_eq!(result, elicence_result::ELICENCE_OK);
    assert!(unsafe { elicence_verdict_is_valid(verdict) });
    unsafe { elicence_verdict_free(verdict) };
    // Another key's verifier refuses it.
    let other = verifier_for_other();
    assert!(!verify_text(other, &qr).0);
    unsafe {
        elicence_verifier_free(other);
        elicence_verifier_free(verifier);
        elicence_signing_key_free(key);
    }
}

fn verifier_for_other() -> *mut elicence_verifier {
    verifier(&public_pem(8))
}

#[test]
fn null_empty_and_non_utf8_inputs_are_typed_results_and_outputs_stay_untouched() {
    use elicence_result::*;
    let key = key(7);
    let verifier = verifier(&public_pem(7));
    let sentinel = std::ptr::dangling_mut::<elicence_bytes>();
    let mut out = sentinel;
    let mut qr = sentinel;
    let json = LICENCE;
    let bad_utf8 = [0xff_u8, 0xfe, b'{'];
    unsafe {
        // NULL key, NULL out-parameter, NULL data with a length.
        assert_eq!(
            elicence_issue_json(
                null(),
                null(),
                0,
                json.as_ptr().cast(),
                json.len(),
                AT,
                &mut out,
                &mut qr
            ),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(
            elicence_issue_json(
                key,
                null(),
                0,
                json.as_ptr().cast(),
                json.len(),
                AT,
                null_mut(),
                &mut qr
            ),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(
            elicence_issue_json(key, null(), 0, null(), 5, AT, &mut out, &mut qr),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(
            elicence_issue_json(
                key,
                null(),
                0,
                bad_utf8.as_ptr().cast(),
                3,
                AT,
                &mut out,
                &mut qr
            ),
            ELICENCE_INVALID_UTF8
        );
        assert_eq!(
            elicence_issue_json(key, null(), 0, null(), 0, AT, &mut out, &mut qr),
            ELICENCE_LICENCE_REFUSED
        );
        let cert = b"not a certificate";
        assert_eq!(
            elicence_issue_json(
                key,
                cert.as_ptr(),
                cert.len(),
                json.as_ptr().cast(),
                json.len(),
                AT,
                &mut out,
                &mut qr
            ),
            ELICENCE_CERTIFICATE_REFUSED
        );
        assert!(
            last_error().contains("no usable certificate"),
            "{}",
            last_error()
        );
        assert_eq!((out, qr), (sentinel, sentinel));

        let mut no_key = std::ptr::dangling_mut::<elicence_signing_key>();
        assert_eq!(
            elicence_signing_key_from_pem(null(), 0, &mut no_key),
            ELICENCE_KEY_REFUSED
        );
        assert_eq!(
            elicence_signing_key_from_pem(bad_utf8.as_ptr(), 3, &mut no_key),
            ELICENCE_INVALID_UTF8
        );
        let pem = key_pem(7);
        assert_eq!(
            elicence_signing_key_from_pem(pem.as_ptr(), pem.len(), null_mut()),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(no_key, std::ptr::dangling_mut::<elicence_signing_key>());

        let mut no_verifier = std::ptr::dangling_mut::<elicence_verifier>();
        assert_eq!(
            elicence_verifier_new(null(), 0, &mut no_verifier),
            ELICENCE_NO_TRUST_ANCHOR
        );
        let junk = b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n";
        assert_eq!(
            elicence_verifier_new(junk.as_ptr(), junk.len(), &mut no_verifier),
            ELICENCE_MALFORMED_INPUT
        );
        assert_eq!(no_verifier, std::ptr::dangling_mut::<elicence_verifier>());
        assert_eq!(
            elicence_verifier_add_trust_list(null_mut(), null(), 0),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(
            elicence_verifier_add_trust_list(verifier, null(), 0),
            ELICENCE_TRUST_LIST_REFUSED
        );
        assert_eq!(
            elicence_verifier_add_status_list(verifier, b"x".as_ptr(), 1),
            ELICENCE_STATUS_LIST_REFUSED
        );

        let mut verdict = std::ptr::dangling_mut::<elicence_verdict>();
        assert_eq!(
            elicence_verify_qr_text(null(), null(), 0, AT, &mut verdict),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(
            elicence_verify_qr_text(verifier, bad_utf8.as_ptr().cast(), 3, AT, &mut verdict),
            ELICENCE_INVALID_UTF8
        );
        assert_eq!(
            elicence_verify_pdf(verifier, null(), 0, AT, null_mut()),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(verdict, std::ptr::dangling_mut::<elicence_verdict>());
        // Empty input is a verdict (invalid), not an error.
        assert_eq!(
            elicence_verify_qr_text(verifier, null(), 0, AT, &mut verdict),
            ELICENCE_OK
        );
        assert!(!elicence_verdict_is_valid(verdict));
        elicence_verdict_free(verdict);
        assert_eq!(
            elicence_verify_pdf(verifier, null(), 0, AT, &mut verdict),
            ELICENCE_OK
        );
        assert!(!elicence_verdict_is_valid(verdict));
        elicence_verdict_free(verdict);
        assert_eq!(
            elicence_verify_envelope(verifier, null(), 0, AT, &mut verdict),
            ELICENCE_OK
        );
        assert!(!elicence_verdict_is_valid(verdict));
        assert_eq!(
            elicence_verdict_json(verdict, null_mut()),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(
            elicence_verdict_json(null(), &mut out),
            ELICENCE_NULL_ARGUMENT
        );
        elicence_verdict_free(verdict);
        assert!(!elicence_verdict_is_valid(null()));

        assert_eq!(
            elicence_render_pdf(null(), 0, null(), 0, &mut out),
            ELICENCE_MALFORMED_INPUT
        );
        assert_eq!(
            elicence_render_png(null(), 0, null(), 0, null_mut()),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(out, sentinel);

        let empty = null();
        assert_eq!(
            elicence_seal_pdf(
                null(),
                empty,
                0,
                empty,
                0,
                empty,
                0,
                null(),
                0,
                AT,
                &mut out
            ),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(
            elicence_seal_pdf(key, empty, 0, empty, 0, empty, 0, null(), 0, AT, null_mut()),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(
            elicence_seal_pdf(key, empty, 0, empty, 4, empty, 0, null(), 0, AT, &mut out),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(
            elicence_seal_pdf(key, empty, 0, empty, 0, empty, 0, null(), 0, AT, &mut out),
            ELICENCE_MALFORMED_INPUT,
            "an empty seal record is not one"
        );
        assert_eq!(
            elicence_seal_pdf(
                key,
                empty,
                0,
                empty,
                0,
                empty,
                0,
                b"\xff".as_ptr().cast(),
                1,
                AT,
                &mut out
            ),
            ELICENCE_INVALID_UTF8
        );
        assert_eq!(
            elicence_seal_pdf(
                key,
                empty,
                0,
                empty,
                0,
                empty,
                0,
                b"{".as_ptr().cast(),
                1,
                AT,
                &mut out
            ),
            ELICENCE_OPTIONS_REFUSED
        );
        let huge = vec![0u8; 1 << 20];
        assert_eq!(
            elicence_seal_pdf(
                key,
                empty,
                0,
                huge.as_ptr(),
                huge.len(),
                empty,
                0,
                null(),
                0,
                AT,
                &mut out
            ),
            ELICENCE_TOO_LARGE
        );
        assert_eq!(out, sentinel);

        // NULL everywhere a free or a getter is given one.
        elicence_bytes_free(null_mut());
        elicence_verdict_free(null_mut());
        elicence_verifier_free(null_mut());
        elicence_signing_key_free(null_mut());
        assert!(elicence_bytes_data(null()).is_null());
        assert_eq!(elicence_bytes_len(null()), 0);

        elicence_verifier_free(verifier);
        elicence_signing_key_free(key);
    }
}

#[test]
fn messages_are_copied_whole_or_the_size_needed_is_said() {
    use elicence_result::*;
    let mut buf = [0 as c_char; 64];
    let mut n = 0;
    unsafe {
        assert_eq!(
            elicence_result_message(6, buf.as_mut_ptr(), buf.len(), &mut n),
            ELICENCE_OK
        );
        let text: Vec<u8> = buf[..n].iter().map(|&c| c as u8).collect();
        assert!(String::from_utf8(text).unwrap().contains("panic"));
        assert_eq!(buf[n], 0);
        let mut small = [0x55 as c_char; 4];
        assert_eq!(
            elicence_result_message(6, small.as_mut_ptr(), small.len(), &mut n),
            ELICENCE_BUFFER_TOO_SMALL
        );
        assert!(n > 4);
        assert_eq!(small, [0x55 as c_char; 4]);
        assert_eq!(
            elicence_result_message(6, null_mut(), 0, &mut n),
            ELICENCE_BUFFER_TOO_SMALL
        );
        assert_eq!(
            elicence_result_message(6, buf.as_mut_ptr(), buf.len(), null_mut()),
            ELICENCE_NULL_ARGUMENT
        );
        assert_eq!(
            elicence_result_message(9999, buf.as_mut_ptr(), buf.len(), &mut n),
            ELICENCE_OK
        );
        // Reading the last error leaves it in place, even when it fails.
        let mut key = null_mut();
        assert_eq!(
            elicence_signing_key_from_pem(b"x".as_ptr(), 1, &mut key),
            ELICENCE_KEY_REFUSED
        );
        let mut tiny = [0 as c_char; 2];
        assert_eq!(
            elicence_last_error_message(tiny.as_mut_ptr(), tiny.len(), &mut n),
            ELICENCE_BUFFER_TOO_SMALL
        );
        assert!(last_error().contains("PKCS#8"), "{}", last_error());
    }
}

#[test]
fn one_verifier_is_used_by_several_threads_at_once() {
    let key = key(7);
    let (_, qr) = issue(key, LICENCE);
    unsafe { elicence_signing_key_free(key) };
    let verifier = verifier(&public_pem(7));
    let shared = verifier as usize;
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let qr = qr.clone();
            std::thread::spawn(move || {
                (0..50).all(|_| verify_text(shared as *const elicence_verifier, &qr).0)
            })
        })
        .collect();
    for thread in threads {
        assert!(thread.join().unwrap());
    }
    unsafe { elicence_verifier_free(verifier) };
}

#[test]
fn rendering_through_the_abi_gives_a_pdf_and_a_png_and_refuses_bad_options() {
    use elicence_result::*;
    let key = key(7);
    let (envelope, _) = issue(key, LICENCE);
    unsafe { elicence_signing_key_free(key) };
    let mut out = null_mut();
    let options = r#"{"png_width": 720}"#;
    unsafe {
        assert_eq!(
            elicence_render_png(
                envelope.as_ptr(),
                envelope.len(),
                options.as_ptr().cast(),
                options.len(),
                &mut out
            ),
            ELICENCE_OK,
            "{}",
            last_error()
        );
        assert!(taken(out).starts_with(b"\x89PNG"));
        assert_eq!(
            elicence_render_pdf(envelope.as_ptr(), envelope.len(), null(), 0, &mut out),
            ELICENCE_OK,
            "{}",
            last_error()
        );
        assert!(taken(out).starts_with(b"%PDF-"));
        let wrong = r#"{"png_widht": 720}"#;
        let sentinel = std::ptr::dangling_mut::<elicence_bytes>();
        let mut untouched = sentinel;
        assert_eq!(
            elicence_render_png(
                envelope.as_ptr(),
                envelope.len(),
                wrong.as_ptr().cast(),
                wrong.len(),
                &mut untouched
            ),
            ELICENCE_OPTIONS_REFUSED
        );
        let missing_font = r#"{"font_path": "/nonexistent/font.ttf"}"#;
        assert_eq!(
            elicence_render_png(
                envelope.as_ptr(),
                envelope.len(),
                missing_font.as_ptr().cast(),
                missing_font.len(),
                &mut untouched
            ),
            ELICENCE_IO
        );
        assert_eq!(untouched, sentinel);
    }
}

#[test]
fn issuing_through_a_registry_allocates_the_identifier_once_per_request() {
    use elicence_result::*;
    let path = std::env::temp_dir().join(format!(
        "elicence-ffi-registry-{}-{}.db",
        std::process::id(),
        AT
    ));
    let _ = std::fs::remove_file(&path);
    let location = path.to_str().unwrap();
    let origin = "verify.example.gov.cn/log";
    let key = key(7);
    let mut registry = null_mut();
    unsafe {
        assert_eq!(
            elicence_registry_create(
                location.as_ptr().cast(),
                location.len(),
                origin.as_ptr().cast(),
                origin.len(),
                &mut registry
            ),
            ELICENCE_OK,
            "{}",
            last_error()
        );
        let issue = |request: &str, json: &str, out: &mut *mut elicence_bytes| {
            elicence_registry_issue_json(
                registry,
                key,
                null(),
                0,
                request.as_ptr().cast(),
                request.len(),
                json.as_ptr().cast(),
                json.len(),
                AT,
                out,
            )
        };
        let (mut first, mut repeat, mut other) = (null_mut(), null_mut(), null_mut());
        assert_eq!(
            issue("a", LICENCE, &mut first),
            ELICENCE_OK,
            "{}",
            last_error()
        );
        assert_eq!(issue("a", LICENCE, &mut repeat), ELICENCE_OK);
        assert_eq!(issue("b", LICENCE, &mut other), ELICENCE_OK);
        let (first, repeat, other) = (taken(first), taken(repeat), taken(other));
        assert_eq!(first, repeat, "a request id is issued once");
        assert_ne!(first, other);
        let identifier = |envelope: &[u8]| {
            crate::SignedLicence::from_slice(envelope)
                .unwrap()
                .licence()
                .identifier()
                .map(|id| id.to_string())
        };
        assert!(identifier(&first).is_some());
        assert_ne!(identifier(&first), identifier(&other));

        // A licence naming its own identifier and status entry: the
        // registry allocates those, so the request is refused.
        let named = include_str!("../../examples/licences/business-licence.json");
        let sentinel = std::ptr::dangling_mut::<elicence_bytes>();
        let mut untouched = sentinel;
        assert_eq!(issue("c", named, &mut untouched), ELICENCE_LICENCE_REFUSED);
        assert_eq!(untouched, sentinel);
        elicence_registry_free(registry);

        let mut again = null_mut();
        assert_eq!(
            elicence_registry_create(
                location.as_ptr().cast(),
                location.len(),
                origin.as_ptr().cast(),
                origin.len(),
                &mut again
            ),
            ELICENCE_REGISTRY_FAILED
        );
        assert!(again.is_null());
        assert_eq!(
            elicence_registry_open(location.as_ptr().cast(), location.len(), &mut again),
            ELICENCE_OK
        );
        elicence_registry_free(again);
        elicence_signing_key_free(key);
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{location}{suffix}"));
    }
}
