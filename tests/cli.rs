//! End-to-end tests of the `elicence` command-line tool, run as a subprocess.

#![cfg(feature = "cli")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_elicence");
const EXAMPLES: [&str; 3] = ["driving-licence", "business-licence", "health-permit"];
/// Inside the driving licence's validity (2024-05-06 to 2030-05-06) and after
/// the signing time the tests use.
const VALID_AT: &str = "2026-01-01T00:00:00Z";
/// The demo's verification time, at which it signs its trust and status lists.
const DEMO_AT: &str = "2026-06-01T12:00:00+08:00";
const SIGNED_AT: &str = "2024-01-01T00:00:00Z";

include!("support/temp_dir.rs");

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/licences")
        .join(format!("{name}.json"))
}

/// An example licence written into `dir` without its `status` reference.
fn example_without_status(dir: &TempDir, name: &str) -> PathBuf {
    let mut value: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(example(name)).unwrap()).unwrap();
    value.as_object_mut().unwrap().remove("status");
    let path = dir.path(&format!("{name}-no-status.json"));
    fs::write(&path, value.to_string()).unwrap();
    path
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn reason_codes(verdict: &serde_json::Value) -> Vec<String> {
    field(verdict, "/reasons")
        .as_array()
        .unwrap()
        .iter()
        .map(|r| field(r, "/code").as_str().unwrap().to_owned())
        .collect()
}

/// The value at a JSON pointer, or null.
fn field<'a>(value: &'a serde_json::Value, pointer: &str) -> &'a serde_json::Value {
    value.pointer(pointer).unwrap_or(&serde_json::Value::Null)
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Generates a key pair in `dir/name`, returning (private, public) paths.
fn keygen(dir: &TempDir, name: &str) -> (PathBuf, PathBuf) {
    let out = dir.path(name);
    let result = run(&["keygen", "--out", s(&out)]);
    assert_eq!(code(&result), 0, "{}", stderr(&result));
    (out.join("issuer.key.pem"), out.join("issuer.pub.pem"))
}

/// Issues the driving licence signed at `SIGNED_AT`; returns its QR text.
fn issue_driving(key: &Path, extra: &[&str]) -> String {
    let licence = example("driving-licence");
    let mut args = vec![
        "issue",
        "--key",
        s(key),
        "--licence",
        s(&licence),
        "--at",
        SIGNED_AT,
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.ends_with('\n'));
    text.trim_end().to_owned()
}

fn verify_text(public: &Path, text: &str, at: &str) -> Output {
    run(&["verify", "--pub", s(public), "--at", at, text])
}

#[test]
fn keygen_writes_both_files_and_refuses_to_overwrite() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "keys");
    assert!(fs::read_to_string(&key).unwrap().contains("PRIVATE KEY"));
    assert!(fs::read_to_string(&public).unwrap().contains("PUBLIC KEY"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let before = fs::read(&key).unwrap();
    let again = run(&["keygen", "--out", s(&dir.path("keys"))]);
    assert_eq!(code(&again), 2);
    assert!(stderr(&again).contains("--force"));
    assert_eq!(fs::read(&key).unwrap(), before);

    let forced = run(&["keygen", "--out", s(&dir.path("keys")), "--force"]);
    assert_eq!(code(&forced), 0, "{}", stderr(&forced));
    assert_ne!(fs::read(&key).unwrap(), before);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn issue_then_verify_round_trip() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "keys");
    let cose = dir.path("driving.cose");
    let text = issue_driving(&key, &["--out", s(&cose)]);
    assert!(text.starts_with("https://verify.example.gov.cn/c/"));

    let out = verify_text(&public, &text, VALID_AT);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let verdict = json(&out);
    assert_eq!(field(&verdict, "/valid"), true);
    assert_eq!(*field(&verdict, "/reasons"), serde_json::json!([]));
    assert_eq!(field(&verdict, "/licence/holder/name"), "王小明");

    let out = run(&[
        "verify",
        "--pub",
        s(&public),
        "--at",
        VALID_AT,
        "--cose",
        s(&cose),
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(field(&json(&out), "/valid"), true);

    let out = run_stdin(
        &["verify", "--pub", s(&public), "--at", VALID_AT, "-"],
        &format!("{text}\n"),
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(field(&json(&out), "/valid"), true);
}

#[test]
fn qr_base_is_used() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "keys");
    let text = issue_driving(&key, &["--qr-base", "https://scan.test/v/"]);
    assert!(text.starts_with("https://scan.test/v/"));
    assert_eq!(code(&verify_text(&public, &text, VALID_AT)), 0);

    let licence = example("driving-licence");
    let bad = run(&[
        "issue",
        "--key",
        s(&key),
        "--licence",
        s(&licence),
        "--qr-base",
        "https://scan.test/v1",
    ]);
    assert_eq!(code(&bad), 2);
}

#[test]
fn verify_with_another_key_is_unknown_key() {
    let dir = TempDir::new();
    let (key, _) = keygen(&dir, "issuer");
    let (_, other) = keygen(&dir, "other");
    let text = issue_driving(&key, &[]);
    let out = verify_text(&other, &text, VALID_AT);
    assert_eq!(code(&out), 1);
    let verdict = json(&out);
    assert_eq!(field(&verdict, "/valid"), false);
    assert_eq!(reason_codes(&verdict), ["unknown_key"]);
}

#[test]
fn any_of_several_keys_verifies() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "issuer");
    let (_, other) = keygen(&dir, "other");
    let text = issue_driving(&key, &[]);
    let out = run(&[
        "verify",
        "--pub",
        s(&other),
        "--pub",
        s(&public),
        "--at",
        VALID_AT,
        &text,
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn verify_outside_validity() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "keys");
    let text = issue_driving(&key, &[]);

    let early = verify_text(&public, &text, "2024-02-01T00:00:00Z");
    assert_eq!(code(&early), 1);
    assert_eq!(reason_codes(&json(&early)), ["not_yet_valid"]);

    let late = verify_text(&public, &text, "2031-01-01T00:00:00Z");
    assert_eq!(code(&late), 1);
    let verdict = json(&late);
    assert_eq!(reason_codes(&verdict), ["expired"]);
    // Authentic but expired: the licence is still shown.
    assert_eq!(field(&verdict, "/licence/number"), "110108199003071238");
}

#[test]
fn tampered_text_is_invalid() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "keys");
    let text = issue_driving(&key, &[]);
    let mut bytes = text.into_bytes();
    let middle = bytes.len() / 2 + 10;
    let digit = bytes.get_mut(middle).unwrap();
    assert!(digit.is_ascii_digit());
    *digit = b'0' + (*digit - b'0' + 1) % 10;
    let tampered = String::from_utf8(bytes).unwrap();

    let out = verify_text(&public, &tampered, VALID_AT);
    assert_eq!(code(&out), 1);
    assert_eq!(field(&json(&out), "/valid"), false);
}

#[test]
fn garbage_text_is_malformed() {
    let dir = TempDir::new();
    let (_, public) = keygen(&dir, "keys");
    for garbage in ["hello", "https://verify.example.gov.cn/c/12345", "1234"] {
        let out = verify_text(&public, garbage, VALID_AT);
        assert_eq!(code(&out), 1, "{garbage}");
        let codes = reason_codes(&json(&out));
        assert!(
            codes == ["malformed_text"] || codes == ["malformed"],
            "{garbage}: {codes:?}"
        );
    }
}

#[test]
fn missing_files_exit_2() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "keys");
    let missing = dir.path("missing");
    let text = issue_driving(&key, &[]);

    let out = verify_text(&missing, &text, VALID_AT);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("missing"));

    let out = run(&["verify", "--pub", s(&public), "--cose", s(&missing)]);
    assert_eq!(code(&out), 2);

    let out = run(&["issue", "--key", s(&key), "--licence", s(&missing)]);
    assert_eq!(code(&out), 2);

    let out = run(&["inspect", "--cose", s(&missing)]);
    assert_eq!(code(&out), 2);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&run(&["verify", "--pub", "x.pem"])), 2);
    assert_eq!(
        code(&run(&["verify", "--pub", "x.pem", "--at", "tomorrow", "1"])),
        2
    );
    assert_eq!(
        code(&run(&[
            "issue",
            "--key",
            "k",
            "--licence",
            "l",
            "--batch",
            "b",
            "--out",
            "o"
        ])),
        2
    );
    assert_eq!(code(&run(&["issue", "--key", "k", "--batch", "b"])), 2);
    assert_eq!(code(&run(&["frobnicate"])), 2);
}

fn write_batch(dir: &TempDir, lines: &[String]) -> PathBuf {
    let path = dir.path("in.jsonl");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn compact_example(name: &str) -> String {
    let value: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(example(name)).unwrap()).unwrap();
    value.to_string()
}

#[test]
fn batch_issue_then_batch_verify() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "keys");
    let mut lines: Vec<String> = EXAMPLES.iter().map(|n| compact_example(n)).collect();
    lines.insert(1, String::new());
    let batch = write_batch(&dir, &lines);
    let codes = dir.path("codes.txt");
    // Inside every example's validity, after signing.
    let at = "2026-06-01T00:00:00Z";

    let out = run(&[
        "issue",
        "--key",
        s(&key),
        "--batch",
        s(&batch),
        "--out",
        s(&codes),
        "--at",
        SIGNED_AT,
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let written = fs::read_to_string(&codes).unwrap();
    assert_eq!(written.lines().count(), 3);

    // Input order is kept: each line verifies to its own licence.
    for (line, name) in written.lines().zip(EXAMPLES) {
        let verdict = json(&verify_text(&public, line, at));
        let expected: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(example(name)).unwrap()).unwrap();
        assert_eq!(
            field(&verdict, "/licence/number"),
            field(&expected, "/number"),
            "{name}"
        );
    }

    let out = run(&[
        "verify",
        "--pub",
        s(&public),
        "--batch",
        s(&codes),
        "--at",
        at,
        // Two examples carry status references and no list is given.
        "--status-policy",
        "warn",
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(
        json(&out),
        serde_json::json!({ "total": 3, "valid": 3, "invalid": 0 })
    );

    fs::write(&codes, format!("{written}\nnot a code\n")).unwrap();
    let out = run(&[
        "verify",
        "--pub",
        s(&public),
        "--batch",
        s(&codes),
        "--at",
        at,
        "--details",
        "--status-policy",
        "warn",
    ]);
    assert_eq!(code(&out), 1);
    let printed = stdout(&out);
    let rows: serde_json::Value = printed
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .collect();
    assert_eq!(rows.as_array().unwrap().len(), 2, "{printed}");
    assert_eq!(field(&rows, "/0/line"), 5);
    assert_eq!(field(&rows, "/0/reasons/0/code"), "malformed_text");
    assert_eq!(
        *field(&rows, "/1"),
        serde_json::json!({ "total": 4, "valid": 3, "invalid": 1 })
    );
}

#[test]
fn batch_with_a_bad_line_names_it_and_writes_nothing() {
    let dir = TempDir::new();
    let (key, _) = keygen(&dir, "keys");
    let mut lines: Vec<String> = EXAMPLES.iter().map(|n| compact_example(n)).collect();
    lines.insert(2, r#"{"type_code": "nonsense"}"#.to_owned());
    let batch = write_batch(&dir, &lines);
    let codes = dir.path("codes.txt");

    let out = run(&[
        "issue",
        "--key",
        s(&key),
        "--batch",
        s(&batch),
        "--out",
        s(&codes),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("line 3"), "{}", stderr(&out));
    assert!(!codes.exists());
    let leftovers: Vec<_> = fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("codes"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn inspect_prints_the_licence_without_verifying() {
    let dir = TempDir::new();
    let (key, _) = keygen(&dir, "keys");
    let cose = dir.path("d.cose");
    let text = issue_driving(&key, &["--out", s(&cose)]);

    let out = run(&["inspect", &text]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let shown = json(&out);
    assert_eq!(field(&shown, "/verified"), false);
    assert_eq!(field(&shown, "/licence/holder/name"), "王小明");
    assert_eq!(field(&shown, "/issued_at"), SIGNED_AT);
    assert_eq!(field(&shown, "/not_before"), "2024-05-05T16:00:00Z");
    assert_eq!(field(&shown, "/expires"), "2030-05-06T16:00:00Z");
    assert!(field(&shown, "/identifier").is_null());
    assert_eq!(field(&shown, "/key_id").as_str().unwrap().len(), 16);
    assert_eq!(
        field(&shown, "/size_bytes").as_u64().unwrap(),
        fs::metadata(&cose).unwrap().len()
    );

    let from_file = run(&["inspect", "--cose", s(&cose)]);
    assert_eq!(json(&from_file), shown);
    let from_stdin = run_stdin(&["inspect", "-"], &format!("{text}\n"));
    assert_eq!(json(&from_stdin), shown);

    let bad = run(&["inspect", "https://verify.example.gov.cn/c/12345"]);
    assert_eq!(code(&bad), 1);
    assert!(!stderr(&bad).is_empty());
}

#[test]
fn demo_writes_files_and_verifies() {
    let dir = TempDir::new();
    let out_dir = dir.path("demo");
    // A fixed time inside every demo licence's validity, so the test does not
    // start failing when the examples expire.
    let out = run(&["demo", "--out", s(&out_dir), "--at", DEMO_AT]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let printed = stdout(&out);
    assert!(printed.contains("demos only"));

    let public = out_dir.join("issuer.pub.pem");
    let key = elicence::PublicKey::from_pem(&fs::read_to_string(&public).unwrap()).unwrap();
    // RFC 8032 section 7.1 TEST 1.
    assert_eq!(
        key.to_bytes(),
        *b"\xd7\x5a\x98\x01\x82\xb1\x0a\xb7\xd5\x4b\xfe\xd3\xc9\x64\x07\x3a\
           \x0e\xe1\x72\xf3\xda\xa6\x23\x25\xaf\x02\x1a\x68\xf7\x07\x51\x1a"
    );

    for name in EXAMPLES {
        assert!(printed.contains(&format!("{name}: valid")), "{printed}");
        let cose = out_dir.join(format!("{name}.cose"));
        let qr_path = out_dir.join(format!("{name}.qr.txt"));
        let qr = fs::read_to_string(&qr_path).unwrap();
        assert!(qr.ends_with('\n'));
        assert!(printed.contains(&format!("QR text:  {}", qr_path.display())));
        // Some examples name a status list, which the bare-key demo does not publish.
        assert!(printed.contains(&format!(
            "elicence verify --pub {} --status-policy warn --cose {}",
            public.display(),
            cose.display()
        )));
        let warn = ["--status-policy", "warn"];
        let out = run(&[
            &["verify", "--pub", s(&public), "--cose", s(&cose)][..],
            &warn,
        ]
        .concat());
        assert_eq!(code(&out), 0, "{name}: {}", stdout(&out));
        let out = run_stdin(
            &[&["verify", "--pub", s(&public), "-"][..], &warn].concat(),
            &qr,
        );
        assert_eq!(code(&out), 0, "{name}: {}", stdout(&out));

        assert!(printed.contains(&format!("{name}.pdf: valid")), "{printed}");
        let png = fs::read(out_dir.join(format!("{name}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let pdf = out_dir.join(format!("{name}.pdf"));
        let out = run(&[
            &["verify", "--pub", s(&public), "--at", VALID_AT][..],
            &warn,
            &[s(&pdf)],
        ]
        .concat());
        assert_eq!(code(&out), 1, "{name}: {}", stdout(&out));
        assert_eq!(field(&json(&out), "/licence_valid"), true, "{name}");
        assert_eq!(field(&json(&out), "/pdf_reasons/0/code"), "not_sealed");
    }

    demo_trust_output(&out_dir, &printed);
}

/// The demo's trust part: the PKI it writes, what it prints, and that the
/// commands it prints give the verdicts it claims.
fn demo_trust_output(out_dir: &Path, printed: &str) {
    let pki = out_dir.join("pki");
    let roots = pki.join("root.cert.pem");
    let signers = pki.join("signers.pem");
    let (root, skipped) = elicence::trust::parse_bundle(&fs::read(&roots).unwrap());
    assert_eq!((root.len(), skipped.len()), (1, 0));
    assert!(root[0].is_ca() && root[0].is_signed_by(&root[0]));
    let (bundle, skipped) = elicence::trust::parse_bundle(&fs::read(&signers).unwrap());
    assert_eq!((bundle.len(), skipped.len()), (5, 0));
    assert!(bundle[0].is_ca() && bundle[0].is_signed_by(&root[0]));
    for (dir, code) in [
        ("traffic-police", "111100000000213452"),
        ("traffic-police-new", "111100000000213452"),
        ("market-regulator", "11110108MB1234567C"),
        ("health-commission", "11110105MB0234567T"),
    ] {
        let cert = cert_at(&pki.join(dir).join("signer.cert.pem"));
        assert_eq!(cert.authority_code().unwrap().to_string(), code, "{dir}");
        assert!(cert.is_signed_by(&bundle[0]), "{dir}");
        let public = fs::read_to_string(pki.join(dir).join("issuer.pub.pem")).unwrap();
        assert_eq!(
            cert.public_key(),
            &elicence::PublicKey::from_pem(&public).unwrap(),
            "{dir}"
        );
        // Only under a name that says what it is.
        assert!(!pki.join(dir).join("issuer.key.pem").exists(), "{dir}");
        let demo_key = fs::read_to_string(pki.join(dir).join("DEMO-ONLY-issuer.key.pem")).unwrap();
        assert_eq!(
            elicence::Signer::public_key(&elicence::SigningKey::from_pkcs8_pem(&demo_key).unwrap()),
            elicence::PublicKey::from_pem(&public).unwrap(),
            "{dir}"
        );
    }

    let cases = [
        ("driving-licence", None),
        ("business-licence", None),
        ("health-permit", None),
        ("forged-driving-licence", Some("authority_mismatch")),
        (
            "driving-licence-old-key-after-rotation",
            Some("signer_not_valid_at_issuance"),
        ),
        ("driving-licence-new-key", None),
    ];
    let warn = ["--status-policy", "warn"];
    let mut batch = String::new();
    for (name, refused_for) in cases {
        let line = match refused_for {
            None => format!("trust/{name}: valid ["),
            Some(code) => format!("trust/{name}: refused ({code}"),
        };
        assert!(printed.contains(&line), "{line}\n{printed}");
        let cose = out_dir.join("trust").join(format!("{name}.cose"));
        assert!(
            printed.contains(&format!(
                "elicence verify --roots {} --signers {} --status-policy warn --cose {}",
                roots.display(),
                signers.display(),
                cose.display()
            )),
            "{printed}"
        );
        let out = run(&[
            &[
                "verify",
                "--roots",
                s(&roots),
                "--signers",
                s(&signers),
                "--at",
                VALID_AT,
                "--cose",
                s(&cose),
            ][..],
            &warn,
        ]
        .concat());
        let verdict = json(&out);
        match refused_for {
            None => assert_eq!(code(&out), 0, "{name}: {verdict}"),
            Some(reason) => {
                assert_eq!(code(&out), 1, "{name}: {verdict}");
                assert_eq!(reason_codes(&verdict)[0], reason, "{name}");
            }
        }
        batch += &fs::read_to_string(out_dir.join("trust").join(format!("{name}.qr.txt"))).unwrap();
    }
    assert!(printed.contains("Forgery: the market regulator's key signs a driving licence"));
    assert!(printed.contains("Rotation: the traffic police's first key is certified until"));
    assert!(printed.contains(
        "authority_mismatch: signed by the authority 11110108MB1234567C \
         but issued in the name of 111100000000213452"
    ));

    // The batch path gives the same verdicts.
    let codes = out_dir.join("trust-codes.txt");
    fs::write(&codes, batch).unwrap();
    let out = run(&[
        &[
            "verify",
            "--roots",
            s(&roots),
            "--signers",
            s(&signers),
            "--at",
            VALID_AT,
            "--batch",
            s(&codes),
        ][..],
        &warn,
    ]
    .concat());
    assert_eq!(code(&out), 1);
    assert_eq!(
        json(&out),
        serde_json::json!({ "total": 6, "valid": 4, "invalid": 2 })
    );

    // The list section: the root, the trust list and the status lists alone,
    // at the demo's time (the lists are signed then).
    let trust_list = pki.join("trust-list.cose");
    let mut lists = vec!["--trust-list".to_owned(), s(&trust_list).to_owned()];
    for code in ["11110108MB1234567C", "11110105MB0234567T"] {
        let list = out_dir.join("status").join(code).join("1.cwt");
        assert!(list.exists(), "{}", list.display());
        lists.extend(["--status".to_owned(), s(&list).to_owned()]);
    }
    let lists: Vec<&str> = lists.iter().map(String::as_str).collect();
    for (name, refused_for) in [
        ("business-licence", None),
        ("health-permit", None),
        ("driving-licence-new-key", None),
        (
            "driving-licence-old-key-after-rotation",
            Some("signer_retired"),
        ),
        ("business-licence-revoked", Some("revoked")),
        ("licence-signed-by-seal-maker", Some("wrong_role")),
        (
            "business-licence-by-traffic-police",
            Some("type_not_allowed"),
        ),
    ] {
        let line = match refused_for {
            None => format!("trust/{name}: valid"),
            Some(code) => format!("trust/{name}: refused ({code})"),
        };
        assert!(printed.contains(&line), "{line}\n{printed}");
        let cose = out_dir.join("trust").join(format!("{name}.cose"));
        let out = run(&[
            &["verify", "--roots", s(&roots), "--at", DEMO_AT][..],
            &lists,
            &["--cose", s(&cose)],
        ]
        .concat());
        let verdict = json(&out);
        match refused_for {
            None => assert_eq!(code(&out), 0, "{name}: {verdict}"),
            Some(reason) => {
                assert_eq!(code(&out), 1, "{name}: {verdict}");
                assert_eq!(reason_codes(&verdict), [reason], "{name}");
            }
        }
        if name == "business-licence-revoked" {
            assert_eq!(field(&verdict, "/status/code"), "03");
            assert_eq!(field(&verdict, "/status/label"), "撤销");
        }
    }
    assert!(
        printed.contains(
            "trust-list-seq1.cose offered after sequence 2: refused (trust_list_rollback)"
        )
    );
    assert!(printed.contains("refused (status_stale), as expected"));
}

/// The one certificate in a PEM file.
fn cert_at(path: &Path) -> elicence::trust::Certificate {
    let (mut certs, skipped) = elicence::trust::parse_bundle(&fs::read(path).unwrap());
    assert_eq!((certs.len(), skipped.len()), (1, 0), "{}", path.display());
    certs.remove(0)
}

/// A PEM file next to `path` holding only its first certificate.
fn first_cert_file(dir: &TempDir, path: &Path) -> PathBuf {
    let pem = fs::read_to_string(path).unwrap();
    let end = pem.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----\n".len();
    let out = dir.path(&format!(
        "{}-first.pem",
        path.parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
    ));
    fs::write(&out, &pem[..end]).unwrap();
    out
}

/// The first certificate of a PEM file (a signer file: the signer, then its CA chain).
fn first_cert_at(path: &Path) -> elicence::trust::Certificate {
    let (mut certs, skipped) = elicence::trust::parse_bundle(&fs::read(path).unwrap());
    assert!(
        !certs.is_empty() && skipped.is_empty(),
        "{}",
        path.display()
    );
    certs.remove(0)
}

const TRAFFIC: &str = "111100000000213452";
const MARKET: &str = "11110108MB1234567C";

/// `ca init` into `dir/name`, valid from 2023; returns the directory.
fn ca_init(dir: &TempDir, name: &str) -> PathBuf {
    let out = dir.path(name);
    let result = run(&[
        "ca",
        "init",
        "--out",
        s(&out),
        "--at",
        "2023-01-01T00:00:00Z",
    ]);
    assert_eq!(code(&result), 0, "{}", stderr(&result));
    out
}

/// `ca signer` for an authority into `dir/name`, valid from mid-2023 (so
/// around `SIGNED_AT`); returns the directory.
fn ca_signer(dir: &TempDir, ca: &Path, name: &str, uscc: &str, extra: &[&str]) -> PathBuf {
    let out = dir.path(name);
    let mut args = vec![
        "ca",
        "signer",
        "--ca",
        s(ca),
        "--name",
        certified_name(name),
        "--uscc",
        uscc,
        "--out",
        s(&out),
        "--at",
        "2023-06-01T00:00:00Z",
    ];
    args.extend_from_slice(extra);
    let result = run(&args);
    assert_eq!(code(&result), 0, "{}", stderr(&result));
    out
}

/// The name `ca_signer` certifies for a directory name: the licences'
/// issuer names for the short names the tests use (verifiers refuse a
/// licence whose issuer name is not the certified one).
fn certified_name(name: &str) -> &str {
    match name {
        "traffic" | "rogue" | "other" | "document-signer" | "seal-maker" | "status-signer"
        | "trust-list-signer" => "北京市公安局公安交通管理局",
        "market" => "北京市海淀区市场监督管理局",
        other => other,
    }
}

#[test]
fn ca_init_writes_a_root_and_refuses_to_overwrite() {
    let dir = TempDir::new();
    let ca = ca_init(&dir, "root");
    let key = ca.join("ca.key.pem");
    assert!(fs::read_to_string(&key).unwrap().contains("PRIVATE KEY"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let root = cert_at(&ca.join("ca.cert.pem"));
    assert!(root.is_ca() && root.is_signed_by(&root));
    assert_eq!(root.common_name(), Some("elicence demo root CA"));
    assert_eq!(root.not_before().to_rfc3339_utc(), "2023-01-01T00:00:00Z");
    assert_eq!(root.not_after().to_rfc3339_utc(), "2043-01-01T00:00:00Z");
    assert!(root.key_usage().unwrap().key_cert_sign);

    let before = fs::read(&key).unwrap();
    let again = run(&["ca", "init", "--out", s(&ca)]);
    assert_eq!(code(&again), 2);
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(fs::read(&key).unwrap(), before);

    let forced = run(&[
        "ca",
        "init",
        "--out",
        s(&ca),
        "--force",
        "--name",
        "测试根CA",
        "--days",
        "30",
    ]);
    assert_eq!(code(&forced), 0, "{}", stderr(&forced));
    assert_ne!(fs::read(&key).unwrap(), before);
    let root = cert_at(&ca.join("ca.cert.pem"));
    assert_eq!(root.common_name(), Some("测试根CA"));
    assert_eq!(
        root.not_after().secs() - root.not_before().secs(),
        30 * 86_400
    );

    let bad = run(&["ca", "init", "--out", s(&ca), "--force", "--days", "0"]);
    assert_eq!(code(&bad), 2);
}

#[test]
fn ca_signer_certifies_an_authority_key() {
    let dir = TempDir::new();
    let ca = ca_init(&dir, "root");
    let root = cert_at(&ca.join("ca.cert.pem"));
    let out = ca_signer(&dir, &ca, "traffic", TRAFFIC, &[]);
    let dsc = first_cert_at(&out.join("signer.cert.pem"));
    assert!(dsc.is_signed_by(&root) && !dsc.is_ca());
    assert_eq!(dsc.authority_code().unwrap().to_string(), TRAFFIC);
    assert_eq!(dsc.common_name(), Some("北京市公安局公安交通管理局"));
    assert_eq!(dsc.role(), Some(elicence::trust::CertRole::DocumentSigner));
    // The signer's certificate is followed by its CA's.
    let (bundle, _) =
        elicence::trust::parse_bundle(&fs::read(out.join("signer.cert.pem")).unwrap());
    assert_eq!(bundle, [dsc.clone(), root.clone()]);
    assert!(dsc.key_usage().unwrap().digital_signature);
    assert_eq!(
        dsc.not_after().secs() - dsc.not_before().secs(),
        1096 * 86_400
    );
    let public = fs::read_to_string(out.join("issuer.pub.pem")).unwrap();
    assert_eq!(
        dsc.public_key(),
        &elicence::PublicKey::from_pem(&public).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(out.join("issuer.key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Refuses to overwrite; --pub certifies an existing key (a renewal).
    let again = run(&[
        "ca",
        "signer",
        "--ca",
        s(&ca),
        "--name",
        "traffic",
        "--uscc",
        TRAFFIC,
        "--out",
        s(&out),
    ]);
    assert_eq!(code(&again), 2);
    assert!(stderr(&again).contains("--force"));
    let renewed = dir.path("renewed");
    let pub_path = out.join("issuer.pub.pem");
    let result = run(&[
        "ca",
        "signer",
        "--ca",
        s(&ca),
        "--name",
        "traffic",
        "--uscc",
        TRAFFIC,
        "--out",
        s(&renewed),
        "--pub",
        s(&pub_path),
        "--days",
        "10",
    ]);
    assert_eq!(code(&result), 0, "{}", stderr(&result));
    assert_eq!(
        first_cert_at(&renewed.join("signer.cert.pem")).public_key(),
        dsc.public_key()
    );
    assert!(!renewed.join("issuer.key.pem").exists());

    // A code with a wrong check character is a usage error, and nothing is written.
    let bad = dir.path("bad");
    let result = run(&[
        "ca",
        "signer",
        "--ca",
        s(&ca),
        "--name",
        "x",
        "--uscc",
        "111100000000213453",
        "--out",
        s(&bad),
    ]);
    assert_eq!(code(&result), 2);
    assert!(
        stderr(&result).contains("check character"),
        "{}",
        stderr(&result)
    );
    assert!(!bad.exists());

    // A missing CA is named.
    let missing = dir.path("no-ca");
    let result = run(&[
        "ca",
        "signer",
        "--ca",
        s(&missing),
        "--name",
        "x",
        "--uscc",
        TRAFFIC,
        "--out",
        s(&bad),
    ]);
    assert_eq!(code(&result), 2);
    assert!(
        stderr(&result).contains("ca.key.pem"),
        "{}",
        stderr(&result)
    );

    // A signer directory is not a CA.
    fs::copy(out.join("issuer.key.pem"), out.join("ca.key.pem")).unwrap();
    fs::copy(out.join("signer.cert.pem"), out.join("ca.cert.pem")).unwrap();
    let result = run(&[
        "ca",
        "signer",
        "--ca",
        s(&out),
        "--name",
        "x",
        "--uscc",
        TRAFFIC,
        "--out",
        s(&bad),
    ]);
    assert_eq!(code(&result), 2);
    assert!(stderr(&result).contains("not a CA"), "{}", stderr(&result));
}

#[test]
fn issue_with_cert_checks_key_authority_and_time() {
    let dir = TempDir::new();
    let ca = ca_init(&dir, "root");
    let traffic = ca_signer(&dir, &ca, "traffic", TRAFFIC, &[]);
    let market = ca_signer(&dir, &ca, "market", MARKET, &[]);
    let licence = example("driving-licence");
    let issue = |key: &Path, cert: &Path, at: &str| {
        run(&[
            "issue",
            "--key",
            s(key),
            "--cert",
            s(cert),
            "--licence",
            s(&licence),
            "--at",
            at,
        ])
    };
    let traffic_key = traffic.join("issuer.key.pem");
    let traffic_cert = traffic.join("signer.cert.pem");
    let market_key = market.join("issuer.key.pem");
    let market_cert = market.join("signer.cert.pem");

    let ok = issue(&traffic_key, &traffic_cert, SIGNED_AT);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert!(stdout(&ok).starts_with("https://"));

    // The market regulator may not sign in the traffic police's name.
    let out = issue(&market_key, &market_cert, SIGNED_AT);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("another authority"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(MARKET) && stderr(&out).contains(TRAFFIC));
    assert!(stdout(&out).is_empty());

    // A certificate for another key.
    let out = issue(&market_key, &traffic_cert, SIGNED_AT);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("does not certify the key"),
        "{}",
        stderr(&out)
    );

    // Outside the certificate's validity.
    let out = issue(&traffic_key, &traffic_cert, "2030-01-01T00:00:00Z");
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("not at the signing time"),
        "{}",
        stderr(&out)
    );

    // A root certificate is not a document signer's.
    let out = issue(&ca.join("ca.key.pem"), &ca.join("ca.cert.pem"), SIGNED_AT);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("CA certificate"), "{}", stderr(&out));

    // Batch: the line in another authority's name is named, nothing is written.
    let lines: Vec<String> = EXAMPLES.iter().map(|n| compact_example(n)).collect();
    let batch = write_batch(&dir, &lines);
    let codes = dir.path("codes.txt");
    let out = run(&[
        "issue",
        "--key",
        s(&traffic_key),
        "--cert",
        s(&traffic_cert),
        "--batch",
        s(&batch),
        "--out",
        s(&codes),
        "--at",
        SIGNED_AT,
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
    assert!(!codes.exists());
}

#[test]
fn verify_with_roots_checks_chain_and_authority() {
    let dir = TempDir::new();
    let ca = ca_init(&dir, "root");
    let roots = ca.join("ca.cert.pem");
    let traffic = ca_signer(&dir, &ca, "traffic", TRAFFIC, &[]);
    let market = ca_signer(&dir, &ca, "market", MARKET, &[]);
    let traffic_cert = traffic.join("signer.cert.pem");
    let market_cert = market.join("signer.cert.pem");
    let genuine = issue_driving(
        &traffic.join("issuer.key.pem"),
        &["--cert", s(&traffic_cert)],
    );
    // Without --cert the CLI signs anything: a forgery a verifier must catch.
    let forged = issue_driving(&market.join("issuer.key.pem"), &[]);
    let verify = |text: &str, extra: &[&str]| {
        let mut args = vec!["verify", "--roots", s(&roots)];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--at", VALID_AT, text]);
        run(&args)
    };
    let both = ["--signers", s(&traffic_cert), "--signers", s(&market_cert)];

    let out = verify(&genuine, &both);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(field(&json(&out), "/licence/holder/name"), "王小明");

    let out = verify(&forged, &both);
    assert_eq!(code(&out), 1);
    let verdict = json(&out);
    assert_eq!(
        reason_codes(&verdict),
        ["authority_mismatch", "issuer_name_mismatch"]
    );
    assert!(field(&verdict, "/licence").is_null());

    // The signer's certificate is needed: the root alone knows no keys.
    let out = verify(&genuine, &[]);
    assert_eq!(code(&out), 1);
    assert_eq!(reason_codes(&json(&out)), ["unknown_key"]);

    // A signer certified by another, unrelated root (same name, other key).
    let rogue_ca = ca_init(&dir, "rogue-root");
    let rogue = ca_signer(&dir, &rogue_ca, "rogue", TRAFFIC, &[]);
    let rogue_cert = rogue.join("signer.cert.pem");
    let rogue_text = issue_driving(&rogue.join("issuer.key.pem"), &["--cert", s(&rogue_cert)]);
    // (The signer file also holds the rogue root; given alone, the signer's
    // certificate is what is judged.)
    let rogue_dsc = first_cert_file(&dir, &rogue_cert);
    // Its authorityKeyIdentifier matches no trusted root's key: no issuer
    // candidate at all.
    let out = verify(&rogue_text, &["--signers", s(&rogue_dsc)]);
    assert_eq!(code(&out), 1);
    assert_eq!(reason_codes(&json(&out)), ["untrusted_root"]);
    // A signer under a root of another name that the verifier does not trust.
    let other = dir.path("other-root");
    let result = run(&[
        "ca",
        "init",
        "--out",
        s(&other),
        "--name",
        "another root",
        "--at",
        "2023-01-01T00:00:00Z",
    ]);
    assert_eq!(code(&result), 0, "{}", stderr(&result));
    let other_signer = ca_signer(&dir, &other, "other", TRAFFIC, &[]);
    let other_cert = other_signer.join("signer.cert.pem");
    let foreign = issue_driving(
        &other_signer.join("issuer.key.pem"),
        &["--cert", s(&other_cert)],
    );
    // The signer file carries "another root" after the signer's certificate;
    // among --signers that self-signed certificate is an anchor nobody trusts.
    let out = verify(&foreign, &["--signers", s(&other_cert)]);
    assert_eq!(code(&out), 1);
    assert_eq!(reason_codes(&json(&out)), ["untrusted_root"]);
    let other_dsc = first_cert_file(&dir, &other_cert);
    let out = verify(&foreign, &["--signers", s(&other_dsc)]);
    assert_eq!(code(&out), 1);
    assert_eq!(reason_codes(&json(&out)), ["untrusted_root"]);
    // Trusting that root too makes it valid.
    let other_root = other.join("ca.cert.pem");
    let out = verify(
        &foreign,
        &["--roots", s(&other_root), "--signers", s(&other_cert)],
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));

    // --pub and --roots together: either may vouch.
    let (key, public) = keygen(&dir, "bare");
    let bare = issue_driving(&key, &[]);
    let out = run(&[
        "verify",
        "--pub",
        s(&public),
        "--roots",
        s(&roots),
        "--signers",
        s(&traffic_cert),
        "--at",
        VALID_AT,
        &bare,
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));

    // A bundle with a bad entry: a warning naming the file and entry, the rest is used.
    let bundle = dir.path("bundle.pem");
    fs::write(
        &bundle,
        format!(
            "{}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n{}",
            fs::read_to_string(&market_cert).unwrap(),
            fs::read_to_string(&traffic_cert).unwrap()
        ),
    )
    .unwrap();
    let out = verify(&genuine, &["--signers", s(&bundle)]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
    assert!(
        // market's signer file holds its certificate and the root's.
        stderr(&out).contains("bundle.pem: skipped entry 3"),
        "{}",
        stderr(&out)
    );

    // A roots file with no certificate, a missing file: usage errors naming the file.
    let empty = dir.path("empty.pem");
    fs::write(&empty, "no certificates here\n").unwrap();
    let out = run(&["verify", "--roots", s(&empty), "--at", VALID_AT, &genuine]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("empty.pem"), "{}", stderr(&out));
    let missing = dir.path("missing.pem");
    let out = run(&["verify", "--roots", s(&missing), "--at", VALID_AT, &genuine]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("missing.pem"), "{}", stderr(&out));

    // Neither --pub nor --roots; --signers without --roots.
    assert_eq!(code(&run(&["verify", "--at", VALID_AT, &genuine])), 2);
    let out = run(&["verify", "--signers", s(&traffic_cert), &genuine]);
    assert_eq!(code(&out), 2);
}

#[test]
fn ca_intermediate_chains_signers_to_the_root() {
    let dir = TempDir::new();
    let ca = ca_init(&dir, "root");
    let mid = dir.path("mid");
    let out = run(&[
        "ca",
        "intermediate",
        "--ca",
        s(&ca),
        "--name",
        "省级CA",
        "--out",
        s(&mid),
        "--path-len",
        "0",
        "--at",
        "2023-01-01T00:00:00Z",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mid_cert = cert_at(&mid.join("ca.cert.pem"));
    assert!(mid_cert.is_ca() && mid_cert.path_len() == Some(0));
    assert!(mid_cert.is_signed_by(&cert_at(&ca.join("ca.cert.pem"))));

    let traffic = ca_signer(&dir, &mid, "traffic", TRAFFIC, &[]);
    let cert = traffic.join("signer.cert.pem");
    let text = issue_driving(&traffic.join("issuer.key.pem"), &["--cert", s(&cert)]);
    let roots = ca.join("ca.cert.pem");
    let mid_path = mid.join("ca.cert.pem");
    let out = run(&[
        "verify",
        "--roots",
        s(&roots),
        "--signers",
        s(&mid_path),
        "--signers",
        s(&cert),
        "--at",
        VALID_AT,
        &text,
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    // signer.cert.pem carries the intermediate after the signer's certificate.
    let pem = fs::read_to_string(&cert).unwrap();
    assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 2);
    assert_eq!(elicence::trust::parse_bundle(pem.as_bytes()).0[1], mid_cert);
    // Without the intermediate the chain stops at an unknown issuer.
    let second = pem.rfind("-----BEGIN CERTIFICATE-----").unwrap();
    let dsc_only = dir.path("dsc-only.pem");
    fs::write(&dsc_only, &pem[..second]).unwrap();
    let out = run(&[
        "verify",
        "--roots",
        s(&roots),
        "--signers",
        s(&dsc_only),
        "--at",
        VALID_AT,
        &text,
    ]);
    assert_eq!(code(&out), 1);
    assert_eq!(reason_codes(&json(&out)), ["untrusted_root"]);
}

#[test]
fn render_writes_a_png_and_a_pdf_that_verifies() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "issuer");
    let cose = dir.path("licence.cose");
    issue_driving(&key, &["--out", s(&cose)]);
    let (png, pdf) = (dir.path("licence.png"), dir.path("licence.pdf"));
    let out = run(&[
        "render",
        "--cose",
        s(&cose),
        "--png",
        s(&png),
        "--pdf",
        s(&pdf),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    // An unsealed licence PDF: the licence inside verifies, but its page is
    // sealed by no one, so the PDF as a whole is not valid.
    for args in [vec![s(&pdf)], vec!["--pdf", s(&pdf)]] {
        let mut full = vec!["verify", "--pub", s(&public), "--at", VALID_AT];
        full.extend(args);
        let out = run(&full);
        assert_eq!(code(&out), 1, "{}", stdout(&out));
        let verdict = json(&out);
        assert_eq!(field(&verdict, "/licence_valid"), true, "{verdict}");
        assert_eq!(field(&verdict, "/pdf_reasons/0/code"), "not_sealed");
    }

    // Another template by path: the generic layout.
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/templates/generic.json");
    let other = dir.path("generic.pdf");
    let out = run(&[
        "render",
        "--cose",
        s(&cose),
        "--template",
        s(&template),
        "--pdf",
        s(&other),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_ne!(fs::read(&other).unwrap(), fs::read(&pdf).unwrap());

    // A PDF whose embedded envelope was altered does not verify.
    let mut bytes = fs::read(&pdf).unwrap();
    let envelope = fs::read(&cose).unwrap();
    let at = bytes
        .windows(envelope.len())
        .position(|w| w == envelope.as_slice())
        .expect("the envelope is stored uncompressed");
    bytes[at + envelope.len() - 1] ^= 1;
    let tampered = dir.path("tampered.pdf");
    fs::write(&tampered, bytes).unwrap();
    let out = run(&[
        "verify",
        "--pub",
        s(&public),
        "--at",
        VALID_AT,
        s(&tampered),
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(reason_codes(&json(&out)).contains(&"bad_signature".to_owned()));
}

#[test]
fn render_errors_are_reported() {
    let dir = TempDir::new();
    let (key, _) = keygen(&dir, "issuer");
    let cose = dir.path("permit.cose");
    // The driving licence with the example photo's digest, as a type without
    // a template of its own (the generic layout has a photo place).
    let json = fs::read_to_string(example("driving-licence"))
        .unwrap()
        .replace("111000000000222224001", "111000000000222224009")
        .replacen(
            "\"face\"",
            "\"photo_sha256\": \"43f520108e5fc2ae6cbf5e681b34c963720f732db82b2c5ae9823e03486409d1\",\n  \"face\"",
            1,
        );
    let licence = dir.path("with-photo.json");
    fs::write(&licence, json).unwrap();
    let out = run(&[
        "issue",
        "--key",
        s(&key),
        "--licence",
        s(&licence),
        "--at",
        SIGNED_AT,
        "--out",
        s(&cose),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let png = dir.path("permit.png");
    // The permit signs a photo digest: rendering without the photo is refused.
    let out = run(&["render", "--cose", s(&cose), "--png", s(&png)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("photo_sha256"), "{}", stderr(&out));
    assert!(!png.exists());
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/photos/driving-licence.png");
    let out = run(&[
        "render",
        "--cose",
        s(&cose),
        "--png",
        s(&png),
        "--photo",
        s(&photo),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Neither output asked for.
    let out = run(&["render", "--cose", s(&cose)]);
    assert_eq!(code(&out), 2);
}

#[test]
fn help_works_for_every_subcommand() {
    let out = run(&["--help"]);
    assert_eq!(code(&out), 0);
    for sub in [
        "keygen", "issue", "verify", "inspect", "render", "demo", "ca", "seal",
    ] {
        assert!(stdout(&out).contains(sub), "{sub}");
        let help = run(&[sub, "--help"]);
        assert_eq!(code(&help), 0, "{sub}");
        assert!(stdout(&help).contains("Usage: elicence"), "{sub}");
        let help = run(&["help", sub]);
        assert_eq!(code(&help), 0, "{sub}");
    }
    for sub in ["init", "signer", "intermediate"] {
        let help = run(&["ca", sub, "--help"]);
        assert_eq!(code(&help), 0, "{sub}");
        assert!(stdout(&help).contains("Usage: elicence ca"), "{sub}");
    }
    for sub in ["make", "inspect", "apply"] {
        let help = run(&["seal", sub, "--help"]);
        assert_eq!(code(&help), 0, "{sub}");
        assert!(stdout(&help).contains("Usage: elicence seal"), "{sub}");
    }
}

/// The seal maker's own code (any organisation's but the authorities').
const SEAL_MAKER: &str = "91110000600037341L";
/// The health commission's code: a second authority that seals jointly.
const HEALTH: &str = "11110105MB0234567T";
/// When the seals are made (the start of their validity) and applied: after
/// the licence is signed, inside every certificate's validity.
const SEAL_MADE_AT: &str = "2024-02-01T00:00:00Z";
const SEAL_APPLIED_AT: &str = "2024-03-01T00:00:00Z";

/// `seal make` by the maker in `maker` for the authority in `authority`
/// (its name, code and certificate) with a generated picture; returns the
/// output. `extra` goes last.
fn seal_make(maker: &Path, authority: &Path, code: &str, out: &Path, extra: &[&str]) -> Output {
    let holder = authority.join("signer.cert.pem");
    let name = authority.file_name().unwrap().to_str().unwrap();
    let mut args = vec![
        "seal",
        "make",
        "--maker",
        s(maker),
        "--owner-uscc",
        code,
        "--name",
        name,
        "--purpose",
        "电子证照专用章",
        "--holder-cert",
        s(&holder),
        "--id",
        code,
        "--at",
        SEAL_MADE_AT,
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// `seal apply` of `seal` with `authority`'s key and certificate, placed as
/// the licence's template says; returns the output.
fn seal_apply(seal: &Path, key: &Path, cert: &Path, input: &Path, output: &Path) -> Output {
    run(&[
        "seal",
        "apply",
        "--seal",
        s(seal),
        "--key",
        s(key),
        "--cert",
        s(cert),
        "--at",
        SEAL_APPLIED_AT,
        s(input),
        s(output),
    ])
}

/// `verify --roots ROOT` of a PDF at `VALID_AT`.
fn verify_pdf_with_roots(roots: &Path, pdf: &Path) -> Output {
    run(&["verify", "--roots", s(roots), "--at", VALID_AT, s(pdf)])
}

/// A PKI with a seal maker and the business licence's issuer, the licence
/// issued under it and rendered without a stamp, and a seal for the issuer.
struct SealSetup {
    dir: TempDir,
    roots: PathBuf,
    maker: PathBuf,
    market: PathBuf,
    seal: PathBuf,
    unsealed: PathBuf,
}

fn seal_setup() -> SealSetup {
    let dir = TempDir::new();
    let ca = ca_init(&dir, "root");
    let maker = ca_signer(
        &dir,
        &ca,
        "印章制作中心",
        SEAL_MAKER,
        &["--role", "seal-maker"],
    );
    let market = ca_signer(&dir, &ca, "北京市海淀区市场监督管理局", MARKET, &[]);
    let cose = dir.path("business.cose");
    // Without its status reference: these tests load no status lists.
    let licence = example_without_status(&dir, "business-licence");
    let out = run(&[
        "issue",
        "--key",
        s(&market.join("issuer.key.pem")),
        "--cert",
        s(&market.join("signer.cert.pem")),
        "--licence",
        s(&licence),
        "--at",
        SIGNED_AT,
        "--out",
        s(&cose),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let unsealed = dir.path("business.pdf");
    let out = run(&[
        "render",
        "--cose",
        s(&cose),
        "--no-stamp",
        "--pdf",
        s(&unsealed),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let seal = dir.path("market.seal");
    let out = seal_make(&maker, &market, MARKET, &seal, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("market.seal"), "{}", stdout(&out));
    SealSetup {
        roots: ca.join("ca.cert.pem"),
        dir,
        maker,
        market,
        seal,
        unsealed,
    }
}

#[test]
fn seal_make_inspect_apply_and_verify_a_sealed_pdf() {
    let setup = seal_setup();
    let dir = &setup.dir;

    // The record: trusted maker, the owner and purpose given, a generated picture.
    let picture = dir.path("picture.png");
    let out = run(&[
        "seal",
        "inspect",
        s(&setup.seal),
        "--roots",
        s(&setup.roots),
        "--picture-out",
        s(&picture),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let shown = json(&out);
    assert_eq!(field(&shown, "/maker_check/trusted"), true, "{shown}");
    assert_eq!(field(&shown, "/owner"), MARKET);
    assert_eq!(field(&shown, "/id"), MARKET);
    assert_eq!(field(&shown, "/purpose"), "电子证照专用章");
    assert_eq!(field(&shown, "/kind"), "special_purpose");
    assert_eq!(field(&shown, "/created"), SEAL_MADE_AT);
    assert_eq!(field(&shown, "/maker/authority_code"), SEAL_MAKER);
    assert_eq!(
        field(&shown, "/allowed_certificates_sha256")
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let bytes = field(&shown, "/picture/bytes").as_u64().unwrap();
    assert!(bytes > 0);
    let png = fs::read(&picture).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(png.len() as u64, bytes);
    // Without --roots nothing is checked, and nothing is claimed.
    let out = run(&["seal", "inspect", s(&setup.seal)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(field(&json(&out), "/maker_check").is_null());

    let sealed = dir.path("sealed.pdf");
    let market_key = setup.market.join("issuer.key.pem");
    let market_cert = setup.market.join("signer.cert.pem");
    let out = seal_apply(
        &setup.seal,
        &market_key,
        &market_cert,
        &setup.unsealed,
        &sealed,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let unsealed = fs::read(&setup.unsealed).unwrap();
    let sealed_bytes = fs::read(&sealed).unwrap();
    assert!(
        sealed_bytes.starts_with(&unsealed),
        "sealing is an incremental update"
    );

    // Roots alone: the licence's signer comes from the seal's signature.
    let out = verify_pdf_with_roots(&setup.roots, &sealed);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let verdict = json(&out);
    assert_eq!(field(&verdict, "/valid"), true, "{verdict}");
    assert_eq!(field(&verdict, "/sealed_intact"), true);
    assert_eq!(field(&verdict, "/unsealed_bytes_after_last_seal"), 0);
    assert_eq!(field(&verdict, "/seals").as_array().unwrap().len(), 1);
    assert_eq!(field(&verdict, "/seals/0/status"), "valid");
    assert_eq!(field(&verdict, "/seals/0/owner"), MARKET);
    assert_eq!(field(&verdict, "/seals/0/purpose"), "电子证照专用章");
    assert_eq!(field(&verdict, "/seals/0/signed_at"), SEAL_APPLIED_AT);
    assert_eq!(
        field(&verdict, "/seals/0/covers_bytes").as_u64().unwrap(),
        sealed_bytes.len() as u64
    );
    assert_eq!(field(&verdict, "/seals/0/signer/authority_code"), MARKET);
    assert_eq!(field(&verdict, "/licence/issuer/code"), MARKET);

    // One byte changed inside the signed range, in the original PDF. A
    // byte there may also break what the PDF parser needs (a
    // cross-reference offset, a compressed object stream), and then the
    // whole file is refused.
    let mut changed = sealed_bytes.clone();
    let at = unsealed.len() / 4;
    changed[at] = if changed[at] == b'0' { b'1' } else { b'0' };
    let tampered = dir.path("tampered.pdf");
    fs::write(&tampered, &changed).unwrap();
    let out = verify_pdf_with_roots(&setup.roots, &tampered);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    if out.stdout.is_empty() {
        assert!(
            stderr(&out).contains("tampered.pdf"),
            "neither a verdict nor an error about the file: {}",
            stderr(&out)
        );
    } else {
        let verdict = json(&out);
        assert_eq!(field(&verdict, "/sealed_intact"), false);
        assert_eq!(field(&verdict, "/seals/0/status"), "digest_mismatch");
    }

    // Bytes appended after the seal: the seal holds, the file does not.
    let mut appended = sealed_bytes.clone();
    appended.extend_from_slice(b"% added later\n");
    let extended = dir.path("extended.pdf");
    fs::write(&extended, &appended).unwrap();
    let out = verify_pdf_with_roots(&setup.roots, &extended);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let verdict = json(&out);
    assert_eq!(field(&verdict, "/sealed_intact"), false);
    assert_eq!(
        field(&verdict, "/valid"),
        false,
        "the PDF, not only its licence"
    );
    assert_eq!(field(&verdict, "/licence_valid"), true);
    assert_eq!(field(&verdict, "/seals/0/status"), "valid");
    assert_eq!(field(&verdict, "/unsealed_bytes_after_last_seal"), 14);

    // A seal whose /SubFilter is changed (same length, so the file still
    // parses) fails; it does not vanish from the verdict.
    let at = sealed_bytes
        .windows(20)
        .position(|w| w == b"/ETSI.CAdES.detached")
        .unwrap();
    let mut disguised_bytes = sealed_bytes.clone();
    disguised_bytes[at + 19] = b'D';
    let disguised = dir.path("disguised.pdf");
    fs::write(&disguised, &disguised_bytes).unwrap();
    let out = verify_pdf_with_roots(&setup.roots, &disguised);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let verdict = json(&out);
    assert_eq!(field(&verdict, "/valid"), false);
    assert_ne!(field(&verdict, "/seals/0/status"), "valid");

    // Joint issuance: a second authority seals the sealed PDF.
    let ca = setup.roots.parent().unwrap();
    let health = ca_signer(dir, ca, "北京市卫生健康委员会", HEALTH, &[]);
    let health_seal = dir.path("health.seal");
    let out = seal_make(&setup.maker, &health, HEALTH, &health_seal, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let twice = dir.path("twice.pdf");
    let out = seal_apply(
        &health_seal,
        &health.join("issuer.key.pem"),
        &health.join("signer.cert.pem"),
        &sealed,
        &twice,
    );
    // Placed by the template, a seal of an authority the licence does not
    // name is refused; placed by hand it goes on, for the verifier to judge.
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("neither the licence's issuer nor a co-issuer"));
    let out = run(&[
        "seal",
        "apply",
        "--seal",
        s(&health_seal),
        "--key",
        s(&health.join("issuer.key.pem")),
        "--cert",
        s(&health.join("signer.cert.pem")),
        "--at",
        SEAL_APPLIED_AT,
        "--x-mm",
        "100",
        "--y-mm",
        "100",
        s(&sealed),
        s(&twice),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Both seals hold, but the licence does not name the health authority
    // as a co-issuer: its seal does not belong on this licence.
    let out = verify_pdf_with_roots(&setup.roots, &twice);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let verdict = json(&out);
    assert_eq!(field(&verdict, "/sealed_intact"), true);
    assert_eq!(
        field(&verdict, "/pdf_reasons/0/code"),
        "seal_owner_not_named"
    );
    let seals = field(&verdict, "/seals").as_array().unwrap();
    assert_eq!(seals.len(), 2, "{verdict}");
    for (seal, owner) in seals.iter().zip([MARKET, HEALTH]) {
        assert_eq!(field(seal, "/status"), "valid", "{seal}");
        assert_eq!(field(seal, "/owner"), owner);
    }
    assert_eq!(
        field(&verdict, "/seals/0/covers_bytes").as_u64().unwrap(),
        sealed_bytes.len() as u64
    );

    // Without roots no seal can be trusted, even with --pub: refused.
    let out = run(&[
        "verify",
        "--pub",
        s(&setup.market.join("issuer.pub.pem")),
        "--at",
        VALID_AT,
        s(&sealed),
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let verdict = json(&out);
    assert_eq!(field(&verdict, "/seals/0/status"), "signer_untrusted");
    assert_eq!(field(&verdict, "/valid"), false);
}

#[test]
fn seal_commands_refuse_wrong_keys_overwrites_and_broken_records() {
    let setup = seal_setup();
    let dir = &setup.dir;
    let market_cert = setup.market.join("signer.cert.pem");
    let ca = setup.roots.parent().unwrap();
    let health = ca_signer(dir, ca, "北京市卫生健康委员会", HEALTH, &[]);

    // A key that is not the certificate's: refused, nothing written.
    let out_pdf = dir.path("sealed.pdf");
    let out = seal_apply(
        &setup.seal,
        &health.join("issuer.key.pem"),
        &market_cert,
        &setup.unsealed,
        &out_pdf,
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("signer.cert.pem has no certificate for the key"),
        "{}",
        stderr(&out)
    );
    assert!(!out_pdf.exists());
    // A signer the seal does not list.
    let out = seal_apply(
        &setup.seal,
        &health.join("issuer.key.pem"),
        &health.join("signer.cert.pem"),
        &setup.unsealed,
        &out_pdf,
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("does not allow certificate"),
        "{}",
        stderr(&out)
    );
    assert!(!out_pdf.exists());

    // `seal make` does not overwrite without --force.
    let before = fs::read(&setup.seal).unwrap();
    let out = seal_make(&setup.maker, &health, HEALTH, &setup.seal, &[]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(fs::read(&setup.seal).unwrap(), before);
    let out = seal_make(&setup.maker, &health, HEALTH, &setup.seal, &["--force"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_ne!(fs::read(&setup.seal).unwrap(), before);

    // A truncated record is refused as malformed, naming the file.
    let truncated = dir.path("truncated.seal");
    fs::write(&truncated, &before[..before.len() / 2]).unwrap();
    let out = run(&["seal", "inspect", s(&truncated)]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("truncated.seal"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

/// The full PKI flow: roles, a licence with a status reference and its chain
/// in the .cose file, a status list, a trust list, and verification with
/// roots alone.
#[test]
fn status_and_trust_lists_from_the_command_line() {
    const NAME: &str = "北京市公安局公安交通管理局";
    const LIST_AT: &str = "2025-12-31T12:00:00Z";
    let dir = TempDir::new();
    let ca = ca_init(&dir, "root");
    let roots = ca.join("ca.cert.pem");
    let mid = dir.path("mid");
    let out = run(&[
        "ca",
        "intermediate",
        "--ca",
        s(&ca),
        "--name",
        "省级CA",
        "--out",
        s(&mid),
        "--at",
        "2023-01-01T00:00:00Z",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let signer = |role: &str| {
        let out_dir = ca_signer(&dir, &mid, role, TRAFFIC, &["--role", role]);
        let cert = out_dir.join("signer.cert.pem");
        let (bundle, _) = elicence::trust::parse_bundle(&fs::read(&cert).unwrap());
        assert_eq!(bundle.len(), 2, "{role}: the signer, then the intermediate");
        assert_eq!(bundle[0].role().map(|r| r.name()), Some(role));
        assert!(bundle[1].is_ca());
        (out_dir.join("issuer.key.pem"), cert)
    };
    // The summary names the role.
    let out = run(&[
        "ca",
        "signer",
        "--ca",
        s(&mid),
        "--name",
        NAME,
        "--uscc",
        TRAFFIC,
        "--role",
        "status-signer",
        "--out",
        s(&dir.path("summary")),
        "--at",
        "2023-06-01T00:00:00Z",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("role:                status-signer"),
        "{}",
        stdout(&out)
    );
    let out = run(&[
        "ca",
        "signer",
        "--ca",
        s(&mid),
        "--name",
        NAME,
        "--uscc",
        TRAFFIC,
        "--role",
        "notary",
        "--out",
        s(&dir.path("bad-role")),
    ]);
    assert_eq!(code(&out), 2);

    // The directories are named after the roles, the certificates after the authority.
    let (dsc_key, dsc_cert) = signer("document-signer");
    let (seal_key, seal_cert) = signer("seal-maker");
    let (status_key, status_cert) = signer("status-signer");
    let (tl_key, tl_cert) = signer("trust-list-signer");
    for (dir_name, name) in [
        ("document-signer", NAME),
        ("seal-maker", NAME),
        ("status-signer", NAME),
        ("trust-list-signer", NAME),
    ] {
        assert_eq!(
            first_cert_at(&dir.path(dir_name).join("signer.cert.pem")).common_name(),
            Some(name)
        );
    }

    // A licence with a status reference, its chain in the .cose file.
    let cose = dir.path("x.cose");
    let text = issue_driving(
        &dsc_key,
        &[
            "--cert",
            s(&dsc_cert),
            "--status-list",
            "1",
            "--status-index",
            "7",
            "--out",
            s(&cose),
        ],
    );
    let out = run(&["inspect", &text]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        field(&json(&out), "/licence/status/index"),
        7,
        "{}",
        stdout(&out)
    );
    // The QR text does not carry the chain; the file does.
    let file_len = fs::read(&cose).unwrap().len();
    let out = run(&["inspect", "--cose", s(&cose)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(file_len > 1000, "{file_len}");
    assert!(text.len() < 2 * file_len);
    // Only one of the pair is a usage error; a seal-maker certificate is refused.
    let licence = example("driving-licence");
    let out = run(&[
        "issue",
        "--key",
        s(&dsc_key),
        "--licence",
        s(&licence),
        "--status-list",
        "1",
    ]);
    assert_eq!(code(&out), 2);
    let out = run(&[
        "issue",
        "--key",
        s(&seal_key),
        "--cert",
        s(&seal_cert),
        "--licence",
        s(&licence),
        "--at",
        SIGNED_AT,
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("seal-maker"), "{}", stderr(&out));

    // Status lists: entry 7 revoked, and a fresh one.
    let status_make = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "status",
            "make",
            "--key",
            s(&status_key),
            "--cert",
            s(&status_cert),
            "--list-id",
            "1",
            "--at",
            LIST_AT,
            "--out",
            s(out),
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let revoked = dir.path("revoked.cwt");
    let out = status_make(&revoked, &["--set", "7=03", "--set", "9=suspended"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let fresh = dir.path("fresh.cwt");
    let out = status_make(&fresh, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = status_make(&fresh, &[]);
    assert_eq!(code(&out), 2, "refuses to overwrite");
    let out = status_make(&dir.path("bad.cwt"), &["--set", "7=42"]);
    assert_eq!(code(&out), 2);
    // --from keeps the old entries; another size is refused.
    let next = dir.path("next.cwt");
    let out = status_make(&next, &["--from", s(&revoked), "--set", "9=01"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = status_make(
        &dir.path("n2.cwt"),
        &["--from", s(&revoked), "--size", "262144"],
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("revoked.cwt"), "{}", stderr(&out));

    let out = run(&["status", "show", s(&revoked), "--index", "7"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let shown = json(&out);
    assert_eq!(field(&shown, "/entry/code"), "03");
    assert_eq!(field(&shown, "/entry/label"), "撤销");
    assert_eq!(field(&shown, "/entries"), 131_072);
    assert_eq!(field(&shown, "/ttl"), 86_400);
    assert_eq!(
        field(&shown, "/not_valid"),
        &serde_json::json!({ "02": 1, "03": 1 })
    );
    assert_eq!(
        field(&shown, "/sub"),
        &format!("https://verify.example.gov.cn/status/{TRAFFIC}/1")
    );
    assert_eq!(field(&shown, "/signer/role"), "status-signer");
    let out = run(&["status", "show", s(&next), "--index", "9"]);
    assert_eq!(field(&json(&out), "/entry/code"), "01");
    assert_eq!(
        field(&json(&out), "/not_valid"),
        &serde_json::json!({ "03": 1 })
    );

    // The trust list.
    let tl = dir.path("tl.cose");
    let base = format!("{TRAFFIC}=https://verify.example.gov.cn/status/{TRAFFIC}");
    let allow = format!("{TRAFFIC}=111000000000222224001");
    let out = run(&[
        "trust-list",
        "make",
        "--key",
        s(&tl_key),
        "--cert",
        s(&tl_cert),
        "--seq",
        "1",
        "--certs",
        s(&dsc_cert),
        "--certs",
        s(&seal_cert),
        "--certs",
        s(&status_cert),
        "--allow",
        &allow,
        "--status-base",
        &base,
        "--at",
        "2025-12-30T00:00:00Z",
        "--out",
        s(&tl),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&["trust-list", "show", s(&tl), "--roots", s(&roots)]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let shown = json(&out);
    assert_eq!(field(&shown, "/seq"), 1);
    assert_eq!(field(&shown, "/signature/trusted"), true);
    assert_eq!(field(&shown, "/entries/0/role"), "document-signer");
    assert_eq!(
        field(&shown, "/entries/0/licence_types/0"),
        "111000000000222224001"
    );
    assert_eq!(field(&shown, "/entries/1/role"), "seal-maker");
    assert_eq!(field(&shown, "/entries/2/state/state"), "active");
    assert_eq!(field(&shown, "/entries/0/name"), NAME);
    assert_eq!(
        field(&shown, "/entries/0/certificate/sha256")
            .as_str()
            .unwrap()
            .len(),
        64
    );
    assert_eq!(field(&shown, "/intermediates").as_array().unwrap().len(), 1);
    // Against another root the signer is not trusted (exit 1).
    let other = ca_init(&dir, "other-root");
    let out = run(&[
        "trust-list",
        "show",
        s(&tl),
        "--roots",
        s(&other.join("ca.cert.pem")),
    ]);
    assert_eq!(code(&out), 1);
    assert_eq!(field(&json(&out), "/signature/trusted"), false);
    // A certificate without a role cannot be listed.
    let out = run(&[
        "trust-list",
        "make",
        "--key",
        s(&tl_key),
        "--cert",
        s(&tl_cert),
        "--seq",
        "1",
        "--certs",
        s(&roots),
        "--out",
        s(&dir.path("tl-bad.cose")),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("ca.cert.pem"), "{}", stderr(&out));

    let verify = |file: &Path, extra: &[&str]| {
        let mut args = vec!["verify", "--roots", s(&roots), "--at", VALID_AT];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--cose", s(file)]);
        run(&args)
    };
    let out = verify(&cose, &["--trust-list", s(&tl), "--status", s(&revoked)]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let verdict = json(&out);
    assert_eq!(reason_codes(&verdict), ["revoked"]);
    assert_eq!(field(&verdict, "/status/label"), "撤销", "{verdict}");

    let out = verify(&cose, &["--trust-list", s(&tl), "--status", s(&fresh)]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let verdict = json(&out);
    assert_eq!(field(&verdict, "/valid"), true);
    assert_eq!(field(&verdict, "/status/code"), "01");

    // The QR text verifies the same with the trust list.
    let out = run(&[
        "verify",
        "--roots",
        s(&roots),
        "--trust-list",
        s(&tl),
        "--status",
        s(&revoked),
        "--at",
        VALID_AT,
        &text,
    ]);
    assert_eq!(code(&out), 1);
    assert_eq!(reason_codes(&json(&out)), ["revoked"]);

    // A licence signed with the seal maker's key, listed as a seal maker.
    let seal_cose = dir.path("seal.cose");
    issue_driving(
        &seal_key,
        &[
            "--status-list",
            "1",
            "--status-index",
            "8",
            "--out",
            s(&seal_cose),
        ],
    );
    let out = verify(&seal_cose, &["--trust-list", s(&tl), "--status", s(&fresh)]);
    assert_eq!(code(&out), 1);
    assert!(
        reason_codes(&json(&out)).contains(&"wrong_role".to_owned()),
        "{}",
        stdout(&out)
    );

    // Roots alone: the .cose file's chain vouches for the signer, but no
    // status list is loaded for a licence that names one.
    let out = verify(&cose, &[]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert_eq!(reason_codes(&json(&out)), ["status_unknown"]);
    let out = verify(&cose, &["--status-policy", "warn"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let verdict = json(&out);
    assert_eq!(field(&verdict, "/valid"), true);
    assert_eq!(
        field(&verdict, "/warnings/0/code"),
        "status_unknown",
        "{verdict}"
    );
    // The status list alone, without a trust list, still gives the status.
    let out = verify(&cose, &["--status", s(&revoked)]);
    assert_eq!(code(&out), 1);
    assert_eq!(reason_codes(&json(&out)), ["revoked"]);

    // Lists the library refuses are usage errors naming the file and the code.
    let out = verify(&cose, &["--trust-list", s(&tl), "--status", s(&cose)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("x.cose"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not_a_status_list"),
        "{}",
        stderr(&out)
    );
    let out = verify(&cose, &["--trust-list", s(&revoked)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("revoked.cwt"), "{}", stderr(&out));
    // A status list signed by the document signer is not a status signer's.
    let dsc_list = dir.path("dsc.cwt");
    let out = run(&[
        "status",
        "make",
        "--key",
        s(&dsc_key),
        "--cert",
        s(&dsc_cert),
        "--list-id",
        "1",
        "--at",
        LIST_AT,
        "--out",
        s(&dsc_list),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = verify(&cose, &["--status", s(&dsc_list)]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("status_list_signer_untrusted"),
        "{}",
        stderr(&out)
    );

    // A revoked entry in a newer trust list.
    let tl2 = dir.path("tl2.cose");
    let revoke = format!("{}=2023-12-01T00:00:00Z,key_compromise", s(&dsc_cert));
    let out = run(&[
        "trust-list",
        "make",
        "--key",
        s(&tl_key),
        "--cert",
        s(&tl_cert),
        "--seq",
        "2",
        "--certs",
        s(&dsc_cert),
        "--certs",
        s(&status_cert),
        "--status-base",
        &base,
        "--revoke",
        &revoke,
        "--at",
        "2025-12-30T00:00:00Z",
        "--out",
        s(&tl2),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&["trust-list", "show", s(&tl2)]);
    assert_eq!(
        field(&json(&out), "/entries/0/state/reason"),
        "key_compromise"
    );
    let out = verify(&cose, &["--trust-list", s(&tl2), "--status", s(&fresh)]);
    assert_eq!(code(&out), 1);
    assert_eq!(reason_codes(&json(&out)), ["signer_revoked"]);
}

/// Issues the driving licence into `dir`: its `.cose` file and a file of
/// its QR text, as a user would keep them.
fn issued_files(dir: &TempDir, key: &Path) -> (PathBuf, PathBuf, String) {
    let cose = dir.path("dl.cose");
    let text = issue_driving(key, &["--out", s(&cose)]);
    let qr = dir.path("dl.qr.txt");
    fs::write(&qr, format!("{text}\n")).unwrap();
    (cose, qr, text)
}

#[test]
fn a_positional_file_is_read_as_its_content_says() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "keys");
    let (cose, qr, text) = issued_files(&dir, &key);
    for file in [&cose, &qr] {
        let out = verify_text(&public, s(file), VALID_AT);
        assert_eq!(code(&out), 0, "{}: {}", file.display(), stderr(&out));
        assert_eq!(field(&json(&out), "/licence/holder/name"), "王小明");
    }
    // A COSE envelope on stdin, as QR text is.
    let out = Command::new(BIN)
        .args(["verify", "--pub", s(&public), "--at", VALID_AT, "-"])
        .stdin(fs::File::open(&cose).unwrap())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // The file's name does not matter, its content does.
    let odd = dir.path("licence.bin");
    fs::copy(&qr, &odd).unwrap();
    assert_eq!(code(&verify_text(&public, s(&odd), VALID_AT)), 0);
    for file in [&cose, &qr] {
        let out = run(&["inspect", s(file)]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(field(&json(&out), "/licence/number"), "110108199003071238");
    }
    // Text that names no file is still QR text.
    assert_eq!(code(&verify_text(&public, &text, VALID_AT)), 0);

    // A path that does not exist is an I/O error naming it, not a verdict.
    for missing in [
        "nope.cose",
        "dir/nope",
        "codes.qr.txt",
        "scan.png",
        "licence.pdf",
    ] {
        let path = dir.path(missing);
        for out in [
            verify_text(&public, s(&path), VALID_AT),
            run(&["inspect", s(&path)]),
        ] {
            assert_eq!(code(&out), 2, "{missing}: {}", stdout(&out));
            assert!(stdout(&out).is_empty(), "{missing}");
            let err = stderr(&out);
            assert!(err.contains(s(&path)), "{missing}: {err}");
            assert!(!err.contains("malformed"), "{missing}: {err}");
        }
    }
    // Relative paths too, as the issue's user typed them.
    let out = Command::new(BIN)
        .current_dir(&*dir)
        .args(["verify", "--pub", s(&public), "dl.cosee"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("cannot read dl.cosee"),
        "{}",
        stderr(&out)
    );

    // A file that is no licence at all is an input error saying what it is.
    let key_file = verify_text(&public, s(&public), VALID_AT);
    assert_eq!(code(&key_file), 2);
    assert!(stderr(&key_file).contains("is a PEM public key, not a licence"));
    let several = dir.path("codes.txt");
    fs::write(&several, format!("{text}\n{text}\n")).unwrap();
    let out = verify_text(&public, s(&several), VALID_AT);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--batch"), "{}", stderr(&out));
    let out = verify_text(&public, s(&dir), VALID_AT);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
}

#[test]
fn files_given_in_the_wrong_place_are_named_for_what_they_are() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "keys");
    let (cose, qr, _) = issued_files(&dir, &key);

    // A licence where the public key belongs.
    let out = run(&["verify", "--pub", s(&cose), s(&cose)]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{} is a COSE envelope", cose.display())),
        "{err}"
    );
    assert!(
        err.contains("--pub expects an SPKI PEM public key"),
        "{err}"
    );
    assert!(!err.contains("UTF-8"), "{err}");
    // The private key where the public key belongs.
    let out = run(&["verify", "--pub", s(&key), s(&cose)]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("is a PEM private key"),
        "{}",
        stderr(&out)
    );

    // QR text where COSE bytes belong.
    let out = run(&["verify", "--pub", s(&public), "--cose", s(&qr)]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{} is QR text", qr.display())),
        "{err}"
    );
    assert!(err.contains("without --cose"), "{err}");
    assert!(!err.contains("trailing bytes"), "{err}");
    let out = run(&["inspect", "--cose", s(&qr)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("is QR text"), "{}", stderr(&out));

    // A picture where a PDF belongs: an input error, not an invalid licence.
    let png = dir.path("dl.png");
    fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    for args in [vec!["--pdf", s(&png)], vec![s(&png)]] {
        let out = run(&[&["verify", "--pub", s(&public)][..], &args].concat());
        assert_eq!(code(&out), 2, "{args:?}: {}", stdout(&out));
        assert!(stdout(&out).is_empty());
        assert!(stderr(&out).contains("a PNG image"), "{}", stderr(&out));
    }
    let out = run(&["verify", "--pub", s(&public), "--pdf", s(&png)]);
    assert!(stderr(&out).contains("is not a PDF"), "{}", stderr(&out));

    // --details would be ignored without --batch: refused.
    let out = run(&["verify", "--pub", s(&public), "--details", s(&cose)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--details applies to --batch only"));
    // So would --lang without --format text, and text with --batch.
    for lang in ["en", "zh"] {
        let out = run(&["verify", "--pub", s(&public), "--lang", lang, s(&cose)]);
        assert_eq!(code(&out), 2, "{lang}");
        assert!(stderr(&out).contains("--lang applies to --format text only"));
    }
    let out = run(&[
        "verify",
        "--pub",
        s(&public),
        "--format",
        "text",
        "--batch",
        s(&qr),
    ]);
    assert_eq!(code(&out), 2);
}

#[test]
fn write_errors_name_the_users_path_not_a_temporary_file() {
    let dir = TempDir::new();
    let (key, _) = keygen(&dir, "keys");
    let out_path = dir.path("no-such-dir").join("dl.cose");
    let licence = example("driving-licence");
    let out = run(&[
        "issue",
        "--key",
        s(&key),
        "--licence",
        s(&licence),
        "--out",
        s(&out_path),
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot write {}", out_path.display())),
        "{err}"
    );
    assert!(!err.contains(".tmp"), "{err}");
    let out = run(&[
        "keygen",
        "--out",
        s(&dir.path("keys").join("issuer.pub.pem")),
    ]);
    assert_eq!(code(&out), 2);
    assert!(!stderr(&out).contains(".tmp"), "{}", stderr(&out));
}

#[test]
fn qr_base_must_be_https_and_the_example_base_is_warned_about() {
    let dir = TempDir::new();
    let (key, _) = keygen(&dir, "keys");
    let licence = example("driving-licence");
    let issue = |base: Option<&str>| {
        let mut args = vec!["issue", "--key", s(&key), "--licence", s(&licence)];
        if let Some(base) = base {
            args.extend(["--qr-base", base]);
        }
        run(&args)
    };
    for (bad, why) in [
        ("http://scan.test/v/", "must start with https://"),
        ("scan.test/v/", "must start with https://"),
        ("https:///v/", "has no host"),
        ("https://scan.test/v1", "must not end in a digit"),
    ] {
        let out = issue(Some(bad));
        assert_eq!(code(&out), 2, "{bad}");
        assert!(stderr(&out).contains(why), "{bad}: {}", stderr(&out));
    }
    let warning = "example base";
    let out = issue(None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains(warning), "{}", stderr(&out));
    assert!(stderr(&out).contains("--qr-base"), "{}", stderr(&out));
    let out = issue(Some("https://verify.example.gov.cn/c/"));
    assert!(stderr(&out).contains(warning), "{}", stderr(&out));
    let out = issue(Some("https://scan.test/v/"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains(warning), "{}", stderr(&out));
    // render takes the same rule.
    let cose = dir.path("dl.cose");
    issue_driving(&key, &["--out", s(&cose)]);
    let out = run(&[
        "render",
        "--cose",
        s(&cose),
        "--png",
        s(&dir.path("x.png")),
        "--qr-base",
        "http://x/c/",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("must start with https://"));
}

#[test]
fn times_outside_the_accepted_span_are_refused() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "keys");
    let licence = example("driving-licence");
    for at in [
        "9999-12-31T00:00:00Z",
        "2126-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "1970-01-01T00:00:00Z",
    ] {
        let out = run(&[
            "issue",
            "--key",
            s(&key),
            "--licence",
            s(&licence),
            "--at",
            at,
        ]);
        assert_eq!(code(&out), 2, "{at}");
        assert!(stdout(&out).is_empty(), "{at}");
        let err = stderr(&out);
        assert!(err.contains("outside the times accepted"), "{at}: {err}");
        assert!(err.contains("2000-01-01T00:00:00Z") && err.contains("2126-01-01T00:00:00Z"));
        let out = run(&["verify", "--pub", s(&public), "--at", at, "1234"]);
        assert_eq!(code(&out), 2, "{at}");
        let out = run(&["ca", "init", "--out", s(&dir.path("ca")), "--at", at]);
        assert_eq!(code(&out), 2, "{at}");
    }
    // The bounds themselves: the first second accepted, the last one.
    for at in ["2000-01-01T00:00:00Z", "2125-12-31T23:59:59Z"] {
        let out = run(&[
            "issue",
            "--key",
            s(&key),
            "--licence",
            s(&licence),
            "--at",
            at,
        ]);
        assert_eq!(code(&out), 0, "{at}: {}", stderr(&out));
    }
}

#[test]
fn verify_prints_plain_words_with_format_text() {
    let dir = TempDir::new();
    let (key, public) = keygen(&dir, "keys");
    let (cose, _, text) = issued_files(&dir, &key);
    let verify = |extra: &[&str], at: &str| {
        run(&[
            &["verify", "--pub", s(&public), "--at", at][..],
            extra,
            &[s(&cose)],
        ]
        .concat())
    };
    let out = verify(&["--format", "text"], VALID_AT);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let printed = stdout(&out);
    assert_eq!(
        stdout(&verify(&["--format", "text", "--lang", "zh"], VALID_AT)),
        printed
    );
    assert!(printed.starts_with("核验结果: 有效 (valid)\n"), "{printed}");
    assert!(printed.contains("持证人: 王小明"), "{printed}");
    assert!(
        printed.contains("有效期: 2024-05-06 至 2030-05-06"),
        "{printed}"
    );
    assert!(!printed.contains('{'), "{printed}");

    let out = verify(
        &["--format", "text", "--lang", "en"],
        "2031-01-01T00:00:00Z",
    );
    assert_eq!(code(&out), 1);
    let printed = stdout(&out);
    assert!(
        printed.starts_with("Result: Expired (expired)\n"),
        "{printed}"
    );
    assert!(
        printed.contains("The licence's validity has ended."),
        "{printed}"
    );
    assert!(printed.contains("Holder: 王小明"), "{printed}");

    // A forgery shows nothing of what it claims.
    let (_, other) = keygen(&dir, "other");
    let out = run(&[
        "verify",
        "--pub",
        s(&other),
        "--at",
        VALID_AT,
        "--format",
        "text",
        &text,
    ]);
    assert_eq!(code(&out), 1);
    let printed = stdout(&out);
    assert!(
        printed.starts_with("核验结果: 无效 (invalid)\n"),
        "{printed}"
    );
    assert!(
        printed.contains("签发方不在本系统信任的签发机关之列。"),
        "{printed}"
    );
    assert!(!printed.contains("王小明"), "{printed}");

    // JSON stays the default, and the same with --format json.
    let default = verify(&[], VALID_AT);
    let explicit = verify(&["--format", "json"], VALID_AT);
    assert_eq!(stdout(&default), stdout(&explicit));
    assert_eq!(field(&json(&default), "/valid"), true);
}

/// The demo into a fresh directory at `DEMO_AT`; its directory and output.
fn run_demo(dir: &TempDir) -> (PathBuf, String) {
    let out_dir = dir.path("demo");
    let out = run(&["demo", "--out", s(&out_dir), "--at", DEMO_AT]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    (out_dir, stdout(&out))
}

#[test]
fn demo_material_repeats_the_readme_commands_by_hand() {
    let dir = TempDir::new();
    let (out_dir, printed) = run_demo(&dir);
    // Paths, not the QR texts themselves.
    for name in EXAMPLES {
        let qr = out_dir.join(format!("{name}.qr.txt"));
        let text = fs::read_to_string(&qr).unwrap();
        assert!(!printed.contains(text.trim()), "{name}");
        assert!(
            printed.contains(&format!("QR text:  {}", qr.display())),
            "{printed}"
        );
    }
    // No QR text of any licence either: no long run of digits.
    let longest_digits = printed
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max();
    assert!(longest_digits < Some(100), "{printed}");
    assert!(printed.contains("DEMO-ONLY-"), "{printed}");
    assert!(printed.contains("DEMO ONLY"), "{printed}");

    let pki = out_dir.join("pki");
    let keys = [
        out_dir.join("DEMO-ONLY-issuer.key.pem"),
        pki.join("DEMO-ONLY-root.key.pem"),
        pki.join("DEMO-ONLY-intermediate.key.pem"),
        pki.join("market-regulator")
            .join("DEMO-ONLY-issuer.key.pem"),
    ];
    for key in &keys {
        assert!(
            fs::read_to_string(key).unwrap().contains("PRIVATE KEY"),
            "{}",
            key.display()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", key.display());
        }
    }

    // verify, positionally, with the demo's files.
    let public = out_dir.join("issuer.pub.pem");
    let qr = out_dir.join("business-licence.qr.txt");
    let warn = ["--status-policy", "warn"];
    assert!(printed.contains(&format!(
        "elicence verify --pub {} --status-policy warn {}",
        public.display(),
        qr.display()
    )));
    let out = run(&[
        &["verify", "--pub", s(&public), "--at", DEMO_AT][..],
        &warn,
        &[s(&qr)],
    ]
    .concat());
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));

    // issue with the demo key.
    let again = dir.path("again.cose");
    let out = run(&[
        "issue",
        "--key",
        s(&keys[0]),
        "--licence",
        s(&example("business-licence")),
        "--at",
        SIGNED_AT,
        "--out",
        s(&again),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&[
        &["verify", "--pub", s(&public), "--at", VALID_AT][..],
        &warn,
        &[s(&again)],
    ]
    .concat());
    assert_eq!(code(&out), 0, "{}", stdout(&out));

    // render without a stamp, seal with the market regulator's demo key
    // and its registered seal, and verify the sealed PDF.
    let market = pki.join("market-regulator");
    let unsealed = dir.path("business-licence.unsealed.pdf");
    let sealed = dir.path("business-licence.sealed.pdf");
    let cose = out_dir.join("trust").join("business-licence.cose");
    let out = run(&[
        "render",
        "--cose",
        s(&cose),
        "--pdf",
        s(&unsealed),
        "--no-stamp",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let seal = out_dir.join("seals").join("market-regulator.seal");
    assert!(printed.contains("elicence seal apply --seal"), "{printed}");
    let out = run(&[
        "seal",
        "apply",
        "--seal",
        s(&seal),
        "--key",
        s(&market.join("DEMO-ONLY-issuer.key.pem")),
        "--cert",
        s(&market.join("signer.cert.pem")),
        "--at",
        DEMO_AT,
        s(&unsealed),
        s(&sealed),
    ]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let roots = pki.join("root.cert.pem");
    let signers = pki.join("signers.pem");
    let verify_sealed = |extra: &[&str]| {
        run(&[
            &[
                "verify",
                "--roots",
                s(&roots),
                "--signers",
                s(&signers),
                "--at",
                DEMO_AT,
            ][..],
            &warn,
            extra,
            &[s(&sealed)],
        ]
        .concat())
    };
    let out = verify_sealed(&[]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(field(&json(&out), "/valid"), true);
    let out = verify_sealed(&["--format", "text", "--lang", "en"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let printed = stdout(&out);
    assert!(printed.starts_with("Result: Valid (valid)\n"), "{printed}");
    assert!(printed.contains("Seal: "), "{printed}");

    // A licence PDF given to inspect is decoded from its envelope.
    let out = run(&["inspect", s(&sealed)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(field(&json(&out), "/verified"), false);
    assert_eq!(field(&json(&out), "/licence/valid_until"), "long-term");
    // Long-term validity in plain words.
    let out = verify_sealed(&["--format", "text"]);
    assert!(stdout(&out).contains(" 至 长期"), "{}", stdout(&out));

    // The unsealed one, in plain words: the PDF's own reason.
    let out = run(&[
        &[
            "verify",
            "--roots",
            s(&roots),
            "--signers",
            s(&signers),
            "--at",
            DEMO_AT,
        ][..],
        &warn,
        &["--format", "text", s(&unsealed)],
    ]
    .concat());
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("文件未加盖电子印章。"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn issue_refuses_a_licence_its_template_cannot_draw_saying_which_field_and_by_how_much() {
    let dir = TempDir::new();
    let (key, _) = keygen(&dir, "issuer");
    let json = fs::read_to_string(example("driving-licence"))
        .unwrap()
        .replace("\"C1\"", &format!("\"{}\"", "C1、".repeat(40)));
    let licence = dir.path("long.json");
    fs::write(&licence, json).unwrap();
    let cose = dir.path("long.cose");
    let args = [
        "issue",
        "--key",
        s(&key),
        "--licence",
        s(&licence),
        "--at",
        SIGNED_AT,
        "--out",
        s(&cose),
    ];
    let out = run(&args);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let message = stderr(&out);
    for part in [
        "not signed",
        "driving-licence",
        "face:准驾车型",
        "lines of",
        "gives it 1",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
    assert!(!cose.exists(), "nothing is written for a refused licence");
    // A template with room for it is what a clerk would give instead…
    let roomy = dir.path("roomy.json");
    fs::write(
        &roomy,
        fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/templates/generic.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut with_template = args.to_vec();
    with_template.extend(["--template", s(&roomy)]);
    let out = run(&with_template);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // …or, knowingly, --no-check-render.
    fs::remove_file(&cose).unwrap();
    let mut anyway = args.to_vec();
    anyway.push("--no-check-render");
    let out = run(&anyway);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(cose.exists());
}

#[test]
fn a_positional_file_larger_than_any_licence_is_refused_unread() {
    let dir = TempDir::new();
    let (_, public) = keygen(&dir, "issuer");
    // Sparse: no disk is used, and the CLI must not read it.
    let big = dir.path("big.pdf");
    fs::File::create(&big)
        .unwrap()
        .set_len(16 * 1024 * 1024 + 1)
        .unwrap();
    let out = run(&["verify", "--pub", s(&public), s(&big)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("more than"), "{}", stderr(&out));
}
