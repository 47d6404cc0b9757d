//! The batch path gives, for every code, exactly the verdict single
//! verification gives: over every test vector (`test-vectors/vectors.json`
//! and `test-vectors/trust/vectors.json`, in the contexts their own tests
//! use), each mixed into a batch of genuine codes large enough to be
//! checked as a batch, over crafted bad codes (torsion in R, non-canonical
//! encodings, small-order points, tampering), and through
//! `elicence verify --batch`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::path::PathBuf;

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use elicence::keys::SignError;
use elicence::trust::{TrustStore, parse_bundle};
use elicence::verify::StatusPolicy;
use elicence::verify::batch::MIN_BATCH;
use elicence::{
    Licence, PublicKey, QrBase, SignedLicence, Signer, SigningKey, TrustedKey, UnixTime, Verdict,
    Verifier, qr,
};
use serde_json::Value as Json;
use sha2::{Digest, Sha512};

/// RFC 8032 §7.1 test 1: the vectors' issuer.
const ISSUER_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const EXAMPLES: [&str; 3] = ["driving-licence", "business-licence", "health-permit"];
const AT: &str = "2026-06-01T12:00:00+08:00";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn t(s: &str) -> UnixTime {
    UnixTime::parse_rfc3339(s).unwrap()
}

fn seed(hex_seed: &str) -> [u8; 32] {
    hex::decode(hex_seed).unwrap().try_into().unwrap()
}

fn example(name: &str) -> Licence {
    let json =
        std::fs::read_to_string(root().join(format!("examples/licences/{name}.json"))).unwrap();
    Licence::from_json(&json).unwrap()
}

/// Signing time of the examples: 10:00 China time on the issue date.
fn signing_time(licence: &Licence) -> UnixTime {
    UnixTime::from_secs(licence.issue_date().start_in_china().secs() + 10 * 3600)
}

/// `n` genuine codes: the examples signed a second apart.
fn genuine(signer: &dyn Signer, n: usize) -> Vec<SignedLicence> {
    let licences: Vec<Licence> = EXAMPLES.iter().map(|n| example(n)).collect();
    (0..n)
        .map(|i| {
            let licence = licences[i % licences.len()].clone();
            let when = UnixTime::from_secs(signing_time(&licence).secs() + i as i64);
            SignedLicence::sign(licence, signer, when).unwrap()
        })
        .collect()
}

fn text(envelope: &SignedLicence) -> String {
    qr::to_qr_text(envelope, &QrBase::default())
}

/// `extra` spread through `filler`, each twice.
fn mixed(filler: &[String], extra: &[String]) -> Vec<String> {
    let mut texts = filler.to_vec();
    for (i, e) in extra.iter().enumerate() {
        for copy in 0..2 {
            let at = (i * 37 + copy * 101) % (texts.len() + 1);
            texts.insert(at, e.clone());
        }
    }
    texts
}

/// Single verdicts, each text verified once (verification is slow in a
/// debug build).
struct Singles<'a> {
    verifier: &'a Verifier,
    at: UnixTime,
    verdicts: HashMap<String, Verdict>,
}

impl<'a> Singles<'a> {
    fn new(verifier: &'a Verifier, at: UnixTime) -> Self {
        Singles {
            verifier,
            at,
            verdicts: HashMap::new(),
        }
    }

    /// Every verdict is the single one.
    fn check(&mut self, texts: &[String], verdicts: &[Verdict]) {
        assert_eq!(texts.len(), verdicts.len());
        for (text, verdict) in texts.iter().zip(verdicts) {
            let (verifier, at) = (self.verifier, self.at);
            let single = self
                .verdicts
                .entry(text.clone())
                .or_insert_with(|| verifier.verify_qr_text(text, at));
            assert_eq!(verdict, single, "{text}");
        }
    }
}

/// Batches this small are checked as batches in these tests, so that a
/// debug build runs them in seconds; the threshold changes no verdict.
const SMALL: usize = 8;

fn vectors(path: &str) -> Json {
    serde_json::from_str(&std::fs::read_to_string(root().join(path)).unwrap()).unwrap()
}

#[test]
fn every_vector_in_a_batch_gets_its_single_verdict() {
    let vectors = vectors("test-vectors/vectors.json");
    let cases = vectors["cases"].as_array().unwrap();
    let issuer = SigningKey::from_seed(&seed(ISSUER_SEED));
    let filler_envelopes = genuine(&issuer, 2 * SMALL);
    let filler: Vec<String> = filler_envelopes.iter().map(text).collect();
    let mut groups: HashMap<(&str, &str), Vec<&Json>> = HashMap::new();
    for case in cases {
        groups
            .entry((
                case["trusted_key"].as_str().unwrap(),
                case["verify_at"].as_str().unwrap(),
            ))
            .or_default()
            .push(case);
    }
    assert!(groups.values().map(Vec::len).sum::<usize>() >= 70);
    for ((trusted, at), cases) in groups {
        let raw: [u8; 32] = hex::decode(vectors["keys"][trusted]["public_hex"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        // The context tests/vectors.rs uses.
        let verifier = Verifier::new([TrustedKey::new(PublicKey::from_bytes(&raw).unwrap())])
            .with_status_policy(StatusPolicy::Warn)
            .with_batch_threshold(SMALL);
        let at = t(at);
        let extra: Vec<String> = cases
            .iter()
            .map(|c| c["qr_text"].as_str().unwrap().to_owned())
            .collect();
        let texts = mixed(&filler, &extra);
        let verdicts = verifier.verify_qr_texts(&texts, at);
        Singles::new(&verifier, at).check(&texts, &verdicts);
        assert_eq!(verifier.verify_batch(&texts, at), verdicts);

        // The envelopes that decode, as envelopes.
        let mut envelopes = filler_envelopes.clone();
        for (i, case) in cases.iter().enumerate() {
            if let Some(Ok(e)) = case["cose_hex"]
                .as_str()
                .map(|h| SignedLicence::from_slice(&hex::decode(h).unwrap()))
            {
                envelopes.insert(i * 7 % envelopes.len(), e);
            }
        }
        let batch = verifier.verify_envelopes(envelopes.clone(), at);
        for (envelope, verdict) in envelopes.into_iter().zip(batch) {
            assert_eq!(verdict, verifier.verify_envelope(envelope, at));
        }
    }
}

fn trust_file(file: &str) -> Vec<u8> {
    std::fs::read(root().join("test-vectors/trust").join(file)).unwrap()
}

/// The trust store a trust vector's case names, loaded as its test loads it.
fn trust_store(case: &Json) -> TrustStore {
    let files = |field: &str| -> Vec<String> {
        case[field]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_owned())
            .collect()
    };
    let mut store = TrustStore::new();
    for f in files("roots") {
        store.load_roots(&trust_file(&f));
    }
    for f in files("certificates") {
        store.load_certificates(&trust_file(&f));
    }
    for f in files("signers") {
        let (certs, _) = parse_bundle(&trust_file(&f));
        for cert in certs {
            store.add_signer(cert);
        }
    }
    store
}

#[test]
fn every_trust_vector_in_a_batch_gets_its_single_verdict() {
    let vectors = vectors("test-vectors/trust/vectors.json");
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    let mut filler_by_key: HashMap<&str, Vec<SignedLicence>> = HashMap::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let key_name = case["key"].as_str().unwrap();
        let store = trust_store(case);
        let verifier = Verifier::new([])
            .with_trust_store(&store)
            .with_batch_threshold(SMALL);
        let at = t(case["verify_at"].as_str().unwrap());
        let file_bytes = hex::decode(case["cose_hex"].as_str().unwrap()).unwrap();
        let envelope = SignedLicence::from_slice(&file_bytes).unwrap();

        // Genuine codes by the case's own key, to make a batch under it.
        let filler = filler_by_key.entry(key_name).or_insert_with(|| {
            let key = SigningKey::from_seed(&seed(
                vectors["keys"][key_name]["seed_hex"].as_str().unwrap(),
            ));
            genuine(&key, SMALL + 2)
        });
        let filler_texts: Vec<String> = filler.iter().map(text).collect();
        let texts = mixed(&filler_texts, &[text(&envelope)]);
        let verdicts = verifier.verify_qr_texts(&texts, at);
        Singles::new(&verifier, at).check(&texts, &verdicts);
        let single = verifier.verify_bytes(&file_bytes, at);
        // The .cose file may carry the signer's chain: as envelopes.
        let mut envelopes = filler.clone();
        envelopes.insert(SMALL / 2, envelope.clone());
        envelopes.insert(3, envelope);
        let batch = verifier.verify_envelopes(envelopes.clone(), at);
        assert_eq!(batch[3], single, "{name}");
        for (envelope, verdict) in envelopes.into_iter().zip(batch) {
            assert_eq!(verdict, verifier.verify_envelope(envelope, at), "{name}");
        }
    }
}

// ---------------------------------------------------------------------------
// Crafted signatures: only a key's holder can make them.

/// An Ed25519 signer whose nonce point carries `torsion`: `R = rB + T`,
/// `s = r + h·a`. Single verification refuses it (`sB − hA = rB ≠ R`).
struct TorsionSigner {
    a: Scalar,
    public: EdwardsPoint,
    torsion: EdwardsPoint,
}

impl TorsionSigner {
    fn new(seed: &[u8; 32], torsion: EdwardsPoint) -> Self {
        let digest = Sha512::digest(seed);
        let mut a = [0u8; 32];
        a.copy_from_slice(&digest[..32]);
        a[0] &= 248;
        a[31] &= 127;
        a[31] |= 64;
        let a = Scalar::from_bytes_mod_order(a);
        TorsionSigner {
            a,
            public: ED25519_BASEPOINT_POINT * a,
            torsion,
        }
    }
}

impl Signer for TorsionSigner {
    fn public_key(&self) -> PublicKey {
        PublicKey::from_bytes(self.public.compress().as_bytes()).unwrap()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let r = Scalar::from_hash(Sha512::new().chain_update(b"nonce").chain_update(message));
        let big_r = (ED25519_BASEPOINT_POINT * r + self.torsion).compress();
        let h = Scalar::from_hash(
            Sha512::new()
                .chain_update(big_r.as_bytes())
                .chain_update(self.public.compress().as_bytes())
                .chain_update(message),
        );
        let s = r + h * self.a;
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(big_r.as_bytes());
        out[32..].copy_from_slice(s.as_bytes());
        Ok(out)
    }
}

fn torsion_of_order(order: u8) -> EdwardsPoint {
    EIGHT_TORSION
        .into_iter()
        .find(|p| (1..=8u8).find(|&k| (p * Scalar::from(k)).is_identity()) == Some(order))
        .unwrap()
}

/// The code with its signature changed by `f`.
fn resigned(text: &str, f: impl Fn(&mut [u8; 64])) -> String {
    let mut bytes = qr::envelope_bytes(text).unwrap();
    let len = bytes.len();
    let mut signature: [u8; 64] = bytes[len - 64..].try_into().unwrap();
    f(&mut signature);
    bytes[len - 64..].copy_from_slice(&signature);
    let mut out = QrBase::default().as_str().to_owned();
    qr::push_digits(&mut out, &bytes);
    out
}

/// One digit changed, `from_end` digits before the end.
fn digit_changed(text: &str, from_end: usize) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let i = chars.len() - from_end;
    chars[i] = if chars[i] == '0' { '1' } else { '0' };
    chars.into_iter().collect()
}

/// Bad codes of every kind the verifier names.
fn crafted(issuer_seed: &[u8; 32], good: &str) -> Vec<String> {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let licence = example("driving-licence");
    let when = signing_time(&licence);
    let mut bad: Vec<String> = [2, 4, 8]
        .into_iter()
        .map(|order| {
            let signer = TorsionSigner::new(issuer_seed, torsion_of_order(order));
            text(&SignedLicence::sign(licence.clone(), &signer, when).unwrap())
        })
        .collect();
    // The same signer without torsion is genuine.
    let honest = TorsionSigner::new(issuer_seed, EdwardsPoint::default());
    bad.push(text(
        &SignedLicence::sign(licence.clone(), &honest, when).unwrap(),
    ));
    let stranger = SigningKey::from_seed(&[42; 32]);
    bad.push(text(
        &SignedLicence::sign(licence.clone(), &stranger, when).unwrap(),
    ));
    // Signed in the future of the verification time, and expired by then.
    let issuer = SigningKey::from_seed(issuer_seed);
    bad.push(text(
        &SignedLicence::sign(licence.clone(), &issuer, t("2027-01-01T00:00:00Z")).unwrap(),
    ));
    bad.extend([
        // s + ℓ: the same point equation, not canonical.
        resigned(good, |sig| {
            let mut carry = 0u16;
            for (s, l) in sig[32..].iter_mut().zip(L) {
                let v = u16::from(*s) + u16::from(l) + carry;
                *s = v as u8;
                carry = v >> 8;
            }
        }),
        // R the identity, of order 8, and the basepoint.
        resigned(good, |sig| {
            sig[..32].copy_from_slice(&[0; 32]);
            sig[0] = 1;
        }),
        resigned(good, |sig| {
            sig[..32].copy_from_slice(torsion_of_order(8).compress().as_bytes())
        }),
        resigned(good, |sig| {
            sig[..32].copy_from_slice(ED25519_BASEPOINT_POINT.compress().as_bytes())
        }),
        // R with y ≥ p that decompresses to a point of large order.
        resigned(good, |sig| {
            let mut bytes = [0xff; 32];
            bytes[31] = 0x7f;
            for k in 0u8..19 {
                bytes[0] = 0xed + k;
                if CompressedEdwardsY(bytes)
                    .decompress()
                    .is_some_and(|p| !p.is_small_order())
                {
                    break;
                }
            }
            sig[..32].copy_from_slice(&bytes);
        }),
        // R that is no point, and R with its sign bit flipped.
        resigned(good, |sig| {
            let mut y = 2u8;
            loop {
                let mut bytes = [0u8; 32];
                bytes[0] = y;
                if CompressedEdwardsY(bytes).decompress().is_none() {
                    sig[..32].copy_from_slice(&bytes);
                    break;
                }
                y += 1;
            }
        }),
        resigned(good, |sig| sig[31] ^= 0x80),
        // s = 0, and s of all ones.
        resigned(good, |sig| sig[32..].fill(0)),
        resigned(good, |sig| sig[32..].fill(0xff)),
        // Tampering: the signature, the payload, the end.
        digit_changed(good, 20),
        digit_changed(good, 300),
        good[..good.len() - 17].to_owned(),
        format!("{good}0"),
        // Not QR text.
        String::new(),
        "no digits here".into(),
        "https://verify.example.gov.cn/c/123".into(),
        "https://verify.example.gov.cn/c/99999999999999999".into(),
        "汉字 1234567890".into(),
        "1".repeat(qr::MAX_BASE_LEN + qr::MAX_DIGITS + 1),
    ]);
    bad
}

#[test]
fn crafted_bad_codes_in_good_batches_get_their_single_verdicts() {
    let issuer_seed = seed(ISSUER_SEED);
    let issuer = SigningKey::from_seed(&issuer_seed);
    let verifier = Verifier::new([TrustedKey::new(issuer.public_key())])
        .with_status_policy(StatusPolicy::Warn);
    let at = t(AT);
    // Above the default threshold and above 128 signatures: the path
    // `verify --batch` takes.
    let filler: Vec<String> = genuine(&issuer, MIN_BATCH + 40).iter().map(text).collect();
    let bad = crafted(&issuer_seed, &filler[0]);
    let texts = mixed(&filler, &bad);
    let verdicts = verifier.verify_qr_texts(&texts, at);
    let mut singles = Singles::new(&verifier, at);
    singles.check(&texts, &verdicts);

    // What single verification says of the crafted ones.
    let codes = |text: &str| -> Vec<&'static str> {
        verifier
            .verify_qr_text(text, at)
            .reasons()
            .iter()
            .map(|r| r.code())
            .collect()
    };
    for torsioned in &bad[..3] {
        assert_eq!(codes(torsioned), ["bad_signature"]);
    }
    assert!(codes(&bad[3]).is_empty(), "{:?}", codes(&bad[3]));
    assert_eq!(codes(&bad[4]), ["unknown_key"]);
    assert_eq!(codes(&bad[5]), ["issued_in_future"]);
    for signature in &bad[6..16] {
        assert_eq!(codes(signature), ["bad_signature"], "{signature}");
    }

    // Each kind alone among genuine codes, too: a batch that fails only
    // because of it (a small one, each R checked alone).
    let small = verifier.clone().with_batch_threshold(SMALL);
    let mut small_singles = Singles::new(&small, at);
    for b in &bad {
        let mut texts = filler[..SMALL + 4].to_vec();
        texts.insert(SMALL / 2, b.clone());
        let verdicts = small.verify_qr_texts(&texts, at);
        small_singles.check(&texts, &verdicts);
    }

    // On several threads, and through the older name.
    for threads in [2, 3] {
        let parallel =
            verifier.verify_qr_texts_parallel(&texts, at, NonZeroUsize::new(threads).unwrap());
        assert_eq!(parallel, verdicts);
    }
    assert_eq!(verifier.verify_batch(&texts, at), verdicts);
}

#[test]
fn batches_of_every_size_get_single_verdicts() {
    let issuer = SigningKey::from_seed(&seed(ISSUER_SEED));
    let verifier = Verifier::new([TrustedKey::new(issuer.public_key())])
        .with_status_policy(StatusPolicy::Warn)
        .with_batch_threshold(SMALL);
    let at = t(AT);
    let mut texts: Vec<String> = genuine(&issuer, 2 * SMALL + 1).iter().map(text).collect();
    texts[5] = digit_changed(&texts[5], 20);
    let mut singles = Singles::new(&verifier, at);
    for n in [0, 1, 2, SMALL - 1, SMALL, SMALL + 1, 2 * SMALL + 1] {
        let part = &texts[..n];
        singles.check(part, &verifier.verify_qr_texts(part, at));
    }
}

/// `elicence verify --batch`: the same lines, the same verdicts, the same
/// output as before it streamed, in input order.
#[cfg(feature = "cli")]
mod cli {
    use std::fs;
    use std::io::Write;
    use std::process::{Command, Output, Stdio};

    use serde_json::json;

    use super::*;

    const BIN: &str = env!("CARGO_BIN_EXE_elicence");

    include!("support/temp_dir.rs");

    fn verify(dir: &TempDir, batch: &str, details: bool, stdin: Option<&[u8]>) -> Output {
        let mut args = vec![
            "verify".to_owned(),
            "--pub".into(),
            dir.join("issuer.pub.pem").display().to_string(),
            "--at".into(),
            AT.into(),
            "--status-policy".into(),
            "warn".into(),
            "--batch".into(),
            batch.into(),
        ];
        if details {
            args.push("--details".into());
        }
        let mut child = Command::new(BIN)
            .args(&args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            let input = input.to_vec();
            std::thread::spawn(move || pipe.write_all(&input).unwrap());
        }
        child.wait_with_output().unwrap()
    }

    /// What `verify --batch` printed before it streamed: the file read
    /// whole, each trimmed line verified singly (once a distinct line).
    fn expected(singles: &mut Singles<'_>, input: &str, details: bool) -> (String, i32) {
        let mut out = String::new();
        let (mut total, mut invalid) = (0usize, 0usize);
        for (i, line) in input.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            total += 1;
            let (verifier, at) = (singles.verifier, singles.at);
            let verdict = singles
                .verdicts
                .entry(line.to_owned())
                .or_insert_with(|| verifier.verify_qr_text(line, at));
            if verdict.is_valid() {
                continue;
            }
            invalid += 1;
            if details {
                let reasons = verdict.to_json_value()["reasons"].clone();
                out.push_str(&json!({ "line": i + 1, "reasons": reasons }).to_string());
                out.push('\n');
            }
        }
        out.push_str(
            &json!({ "total": total, "valid": total - invalid, "invalid": invalid }).to_string(),
        );
        out.push('\n');
        (out, i32::from(invalid > 0))
    }

    #[test]
    fn streamed_batch_prints_what_the_whole_file_gave() {
        let dir = TempDir::new();
        let issuer_seed = seed(ISSUER_SEED);
        let issuer = SigningKey::from_seed(&issuer_seed);
        fs::write(dir.join("issuer.pub.pem"), issuer.public_key().to_pem()).unwrap();
        let verifier = Verifier::new([TrustedKey::new(issuer.public_key())])
            .with_status_policy(StatusPolicy::Warn);
        let mut singles = Singles::new(&verifier, t(AT));
        let good: Vec<String> = genuine(&issuer, 300).iter().map(text).collect();
        let bad = crafted(&issuer_seed, &good[0]);

        // More than one chunk of codes (4,096): the first chunk genuine but
        // for a few changed digits (the batch narrowed down), the second
        // with every other kind of line: blank, padded with ASCII and CJK
        // white space, CRLF, too long, much too long, and every crafted
        // code (those with torsion make their chunk go one by one).
        let mut lines: Vec<String> = Vec::new();
        for i in 0..4100 {
            let code = &good[i % good.len()];
            lines.push(if i % 1000 == 999 || i == 4095 {
                digit_changed(code, 20)
            } else {
                code.clone()
            });
            if i % 1500 == 0 {
                lines.push(String::new());
            }
        }
        for (i, b) in bad.iter().enumerate() {
            lines.push(b.clone());
            let code = &good[i];
            lines.push(match i % 4 {
                0 => String::new(),
                1 => format!("  \t{code}\u{3000} "),
                2 => format!("{code}\r"),
                _ => " \u{3000} ".into(),
            });
        }
        lines.push(format!("{}{}", " ".repeat(70_000), good[1]));
        lines.push(format!("{}{}", good[2], "\u{3000}".repeat(30_000)));
        lines.push("9".repeat(200_000));
        lines.push(format!("x{}x", "\u{3000}".repeat(5_000)));
        let input = lines.join("\n");
        let path = dir.join("codes.txt");
        fs::write(&path, &input).unwrap();

        let out = verify(&dir, &path.display().to_string(), true, None);
        let (stdout, code) = expected(&mut singles, &input, true);
        assert_eq!(String::from_utf8_lossy(&out.stderr), "");
        assert_eq!(String::from_utf8(out.stdout).unwrap(), stdout);
        assert_eq!(out.status.code(), Some(code));
        // Through a pipe, read once.
        let out = verify(&dir, "/dev/stdin", true, Some(input.as_bytes()));
        assert_eq!(String::from_utf8(out.stdout).unwrap(), stdout);
        assert_eq!(out.status.code(), Some(code));
        // Without --details, the second chunk's lines alone.
        let tail = lines[4103..].join("\n");
        fs::write(&path, &tail).unwrap();
        let out = verify(&dir, &path.display().to_string(), false, None);
        let (stdout, code) = expected(&mut singles, &tail, false);
        assert_eq!(String::from_utf8(out.stdout).unwrap(), stdout);
        assert_eq!(out.status.code(), Some(code));

        // All genuine, with a final newline: exit 0.
        let all_good = good.join("\n") + "\n";
        fs::write(&path, &all_good).unwrap();
        let out = verify(&dir, &path.display().to_string(), true, None);
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            expected(&mut singles, &all_good, true).0
        );
        assert_eq!(out.status.code(), Some(0));
    }

    #[test]
    fn unreadable_batches_are_errors_as_before() {
        let dir = TempDir::new();
        let issuer = SigningKey::from_seed(&seed(ISSUER_SEED));
        fs::write(dir.join("issuer.pub.pem"), issuer.public_key().to_pem()).unwrap();
        let good = text(&genuine(&issuer, 1)[0]);

        // Not UTF-8, after good lines: refused before anything is printed.
        let path = dir.join("latin1.txt");
        let mut bytes = format!("{good}\nnot a code\n").into_bytes();
        bytes.extend(b"caf\xe9\n");
        fs::write(&path, &bytes).unwrap();
        let out = verify(&dir, &path.display().to_string(), true, None);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "elicence: cannot read {}: stream did not contain valid UTF-8\n",
                path.display()
            )
        );

        let missing = dir.join("missing.txt");
        let out = verify(&dir, &missing.display().to_string(), false, None);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .starts_with(&format!("elicence: cannot read {}: ", missing.display()))
        );

        // Empty: nothing to check, all (none) valid.
        let empty = dir.join("empty.txt");
        fs::write(&empty, "\n\n  \n").unwrap();
        let out = verify(&dir, &empty.display().to_string(), true, None);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "{\"invalid\":0,\"total\":0,\"valid\":0}\n"
        );
    }
}
