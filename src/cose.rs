//! The COSE_Sign1 shell (RFC 9052 §4.2) that every signed format of the
//! crate shares (licence envelopes, seal records, status lists, trust
//! lists): tag 18, `[protected, unprotected, payload, signature]`, written
//! and read with the strict codec, and the `Sig_structure` the signature
//! covers. What the headers and payload hold is each format's own business,
//! except the explicit type: every format writes its own `typ` (RFC 9596)
//! in the protected header and refuses every other, so that no signed object
//! can be offered as another kind ([`expect_type`]).

use core::ops::Range;

use crate::cbor::{self, CborError, Encoder, MapEntry, Value};

/// Header label `typ` (RFC 9596): the media type of the whole COSE object.
pub(crate) const HEADER_TYP: i64 = 16;
/// Header label `x5chain` (RFC 9360): the signer's certificate, then the
/// CAs above it.
pub(crate) const HEADER_X5CHAIN: i64 = 33;

/// CBOR tag of COSE_Sign1.
pub const COSE_SIGN1_TAG: u64 = 18;

/// Why bytes are not a COSE_Sign1 shell; each format maps these onto its own
/// error type.
#[derive(Debug)]
pub(crate) enum Sign1Error {
    Cbor(CborError),
    NotCoseSign1 { found: String },
    Structure(&'static str),
}

impl From<CborError> for Sign1Error {
    fn from(e: CborError) -> Self {
        Sign1Error::Cbor(e)
    }
}

/// The parts of a COSE_Sign1, borrowed from the input so the signature is
/// checked over them exactly as received. The signature's length and what
/// the unprotected header may hold are left to the caller, which checks
/// them in its own order.
pub(crate) struct Sign1<'a> {
    pub protected: &'a [u8],
    pub unprotected: Vec<MapEntry<'a>>,
    pub payload: &'a [u8],
    pub signature: &'a [u8],
}

impl Sign1<'_> {
    /// Where the protected header and the payload sit in `outer`, the bytes
    /// this was decoded from.
    pub(crate) fn ranges_in(&self, outer: &[u8]) -> (Range<usize>, Range<usize>) {
        (
            range_within(outer, self.protected),
            range_within(outer, self.payload),
        )
    }
}

/// Decodes the shell: one deterministic CBOR item, tag 18, an array of four.
pub(crate) fn decode(bytes: &[u8]) -> Result<Sign1<'_>, Sign1Error> {
    match cbor::decode(bytes)? {
        Value::Tag(COSE_SIGN1_TAG, inner) => match *inner {
            Value::Array(items) => match <[Value; 4]>::try_from(items) {
                Ok(
                    [
                        Value::Bytes(protected),
                        Value::Map(u),
                        Value::Bytes(payload),
                        Value::Bytes(signature),
                    ],
                ) => Ok(Sign1 {
                    protected,
                    unprotected: u,
                    payload,
                    signature,
                }),
                Ok(_) => Err(Sign1Error::Structure(
                    "expected [protected bstr, unprotected map, payload bstr, signature bstr]",
                )),
                Err(_) => Err(Sign1Error::Structure("expected an array of 4")),
            },
            _ => Err(Sign1Error::Structure("expected an array of 4")),
        },
        Value::Tag(tag, _) => Err(Sign1Error::NotCoseSign1 {
            found: format!("tag {tag}"),
        }),
        other => Err(Sign1Error::NotCoseSign1 {
            found: other.kind().to_owned(),
        }),
    }
}

/// Why a protected header's `typ` is not the one a decoder expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WrongType {
    /// The type found, as text (`none` if the header has no `typ`).
    pub found: String,
}

/// Checks that `typ`, the value of the protected header's [`HEADER_TYP`]
/// (`None` if absent), is exactly `expected`.
pub(crate) fn expect_type(typ: Option<&Value<'_>>, expected: &str) -> Result<(), WrongType> {
    match typ {
        Some(Value::Text(t)) if *t == expected => Ok(()),
        Some(Value::Text(t)) => Err(WrongType {
            found: format!("{:?}", t.chars().take(64).collect::<String>()),
        }),
        Some(Value::Uint(n)) => Err(WrongType {
            found: format!("content format {n}"),
        }),
        Some(other) => Err(WrongType {
            found: other.kind().to_owned(),
        }),
        None => Err(WrongType {
            found: "none".to_owned(),
        }),
    }
}

/// The encoded length of a COSE_Sign1 with these parts and an empty
/// unprotected header: tag, array head, the three byte strings and the map.
pub(crate) fn encoded_len(protected: usize, payload: usize) -> usize {
    3 + cbor::byte_string_len(protected)
        + cbor::byte_string_len(payload)
        + cbor::byte_string_len(64)
}

/// Writes the shell; returns the bytes and where the protected header and
/// the payload sit in them.
pub(crate) fn encode(
    protected: &[u8],
    payload: &[u8],
    signature: &[u8; 64],
) -> (Vec<u8>, Range<usize>, Range<usize>) {
    let mut e = Encoder::with_capacity(encoded_len(protected.len(), payload.len()));
    e.tag(COSE_SIGN1_TAG).array(4).bytes(protected);
    let protected_range = e.len() - protected.len()..e.len();
    e.map_header(0).bytes(payload);
    let payload_range = e.len() - payload.len()..e.len();
    e.bytes(signature);
    (e.into_bytes(), protected_range, payload_range)
}

/// The `Sig_structure` (RFC 9052 §4.4) a COSE_Sign1 signature covers, with
/// empty external AAD.
pub(crate) fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut e = Encoder::with_capacity(protected.len() + payload.len() + 16);
    e.array(4)
        .text("Signature1")
        .bytes(protected)
        .bytes(&[])
        .bytes(payload);
    e.into_bytes()
}

/// The `Sig_structure` of a decoded or signed object: its protected header
/// and payload taken from `bytes` where the ranges say, exactly as received.
pub(crate) fn signed_part(
    bytes: &[u8],
    protected: &Range<usize>,
    payload: &Range<usize>,
) -> Vec<u8> {
    sig_structure(
        bytes.get(protected.clone()).unwrap_or_default(),
        bytes.get(payload.clone()).unwrap_or_default(),
    )
}

/// Where `inner`, a subslice of `outer`, sits in it.
fn range_within(outer: &[u8], inner: &[u8]) -> Range<usize> {
    let start = (inner.as_ptr() as usize).wrapping_sub(outer.as_ptr() as usize);
    start..start + inner.len()
}
