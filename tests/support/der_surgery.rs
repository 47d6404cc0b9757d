//! Minimal DER surgery for certificates made by the `ca` module: split and
//! join items, and sign an edited TBS again. Shared by the trust unit tests
//! (`src/trust/tests.rs`) and the trust vector generator
//! (`tests/trust_vectors.rs`), each of which has `Certificate`, `Signer` and
//! `SigningKey` in scope; each uses a part of it.
#![allow(dead_code)]

use super::{Certificate, Signer, SigningKey};

/// (header length, content length) of the item at the start of `der`.
fn header(der: &[u8]) -> (usize, usize) {
    let first = der[1];
    if first < 0x80 {
        return (2, usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    let len = der[2..2 + n]
        .iter()
        .fold(0usize, |acc, &b| acc << 8 | usize::from(b));
    (2 + n, len)
}

/// The items concatenated in `der`.
pub fn items(mut der: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !der.is_empty() {
        let (h, len) = header(der);
        out.push(der[..h + len].to_vec());
        der = &der[h + len..];
    }
    out
}

/// The contents of the item `der`.
pub fn contents(der: &[u8]) -> &[u8] {
    let (h, len) = header(der);
    &der[h..h + len]
}

pub fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(contents);
    out
}

/// An Extension: OID content bytes, criticality, extnValue contents.
pub fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let mut body = tlv(0x06, oid);
    if critical {
        body.extend([0x01, 0x01, 0xff]);
    }
    body.extend(tlv(0x04, value));
    tlv(0x30, &body)
}

/// The OID content bytes of an Extension item.
pub fn extension_oid(ext: &[u8]) -> Vec<u8> {
    contents(&items(contents(ext))[0]).to_vec()
}

/// `cert` with its TBS fields edited by `edit` and signed by `key`.
pub fn resign(
    cert: &Certificate,
    key: &SigningKey,
    edit: impl FnOnce(&mut Vec<Vec<u8>>),
) -> Vec<u8> {
    let outer = items(contents(cert.der()));
    let mut fields = items(contents(&outer[0]));
    edit(&mut fields);
    let tbs = tlv(0x30, &fields.concat());
    let signature = key.sign(&tbs).unwrap();
    let mut bits = vec![0];
    bits.extend_from_slice(&signature);
    tlv(0x30, &[tbs, outer[1].clone(), tlv(0x03, &bits)].concat())
}

/// `cert` with its extensions edited by `edit` and signed by `key`.
pub fn edit_extensions(
    cert: &Certificate,
    key: &SigningKey,
    edit: impl FnOnce(&mut Vec<Vec<u8>>),
) -> Vec<u8> {
    resign(cert, key, |fields| {
        let last = fields.last_mut().unwrap();
        assert_eq!(last[0], 0xa3, "extensions are the last TBS field");
        let mut exts = items(contents(contents(last)));
        edit(&mut exts);
        *last = tlv(0xa3, &tlv(0x30, &exts.concat()));
    })
}

pub const KEY_USAGE: [u8; 3] = [0x55, 0x1d, 0x0f];
pub const BASIC_CONSTRAINTS: [u8; 3] = [0x55, 0x1d, 0x13];
pub const EXTENDED_KEY_USAGE: [u8; 3] = [0x55, 0x1d, 0x25];
pub const AUTHORITY_KEY_ID: [u8; 3] = [0x55, 0x1d, 0x23];
