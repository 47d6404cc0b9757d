//! End-to-end tests of the registry, transparency-log and batch-issuance
//! commands of `elicence`, run as a subprocess on SQLite registries in
//! temporary directories.

#![cfg(feature = "cli")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_elicence");
/// The market regulator: the business licence's issuer.
const MARKET: &str = "11110108MB1234567C";
const MARKET_NAME: &str = "北京市海淀区市场监督管理局";
/// The business licence's holder.
const HOLDER_USCC: &str = "91110108MA0123456G";
const ORIGIN: &str = "verify.example.gov.cn/log";
/// Inside the certificates' validity (2023-06-01 to 2026-06-01).
const SIGNED_AT: &str = "2024-06-01T00:00:00Z";
const CHANGED_AT: &str = "2024-12-01T00:00:00Z";
const PUBLISHED_AT: &str = "2025-01-01T00:00:00Z";
/// An hour after publishing: the status lists are fresh.
const CHECKED_AT: &str = "2025-01-01T01:00:00Z";

include!("support/temp_dir.rs");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
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

fn json(out: &Output) -> Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

/// Runs and expects exit 0.
fn ok(args: &[&str]) -> Output {
    let out = run(args);
    assert_eq!(code(&out), 0, "{args:?}: {}{}", stdout(&out), stderr(&out));
    out
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A root CA, the market regulator's document signer and status-list
/// signer, a log key and an initialised registry.
struct Setup {
    dir: TempDir,
    db: String,
    roots: PathBuf,
    dsc_key: PathBuf,
    dsc_cert: PathBuf,
    status_key: PathBuf,
    status_cert: PathBuf,
    log_key: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let dir = TempDir::new();
        let ca = dir.path("root");
        ok(&[
            "ca",
            "init",
            "--out",
            s(&ca),
            "--at",
            "2023-01-01T00:00:00Z",
        ]);
        let signer = |name: &str, role: &str| {
            let out = dir.path(name);
            ok(&[
                "ca",
                "signer",
                "--ca",
                s(&ca),
                "--name",
                MARKET_NAME,
                "--uscc",
                MARKET,
                "--role",
                role,
                "--out",
                s(&out),
                "--at",
                "2023-06-01T00:00:00Z",
            ]);
            out
        };
        let dsc = signer("dsc", "document-signer");
        let status = signer("status", "status-signer");
        let log = dir.path("log");
        ok(&["keygen", "--out", s(&log)]);
        let db = dir.path("registry.sqlite").to_str().unwrap().to_owned();
        let init = ok(&["registry", "init", "--db", &db, "--origin", ORIGIN]);
        assert_eq!(json(&init)["created"], true);
        Setup {
            roots: ca.join("ca.cert.pem"),
            dsc_key: dsc.join("issuer.key.pem"),
            dsc_cert: dsc.join("signer.cert.pem"),
            status_key: status.join("issuer.key.pem"),
            status_cert: status.join("signer.cert.pem"),
            log_key: log.join("issuer.key.pem"),
            db,
            dir,
        }
    }

    /// `issue --db --batch IN --out CODES` with the document signer.
    fn issue_batch(&self, input: &Path, codes: &Path, extra: &[&str]) -> Output {
        let mut args = vec![
            "issue",
            "--db",
            &self.db,
            "--key",
            s(&self.dsc_key),
            "--cert",
            s(&self.dsc_cert),
            "--batch",
            s(input),
            "--out",
            s(codes),
            "--at",
            SIGNED_AT,
        ];
        args.extend_from_slice(extra);
        run(&args)
    }

    /// The standard batch (three licences, one bad line, one blank line),
    /// issued; returns the codes, one per record ("" for the rejected one).
    fn issued(&self) -> Vec<String> {
        let input = self.write_batch("in.jsonl", &standard_batch());
        let codes = self.dir.path("codes.txt");
        let out = self.issue_batch(&input, &codes, &[]);
        assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
        fs::read_to_string(&codes)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn write_batch(&self, name: &str, lines: &[String]) -> PathBuf {
        let path = self.dir.path(name);
        fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    }

    /// The identifiers of the holder's licences, in order of issuance.
    fn identifiers(&self) -> Vec<String> {
        let page = json(&ok(&[
            "registry",
            "lookup",
            "--db",
            &self.db,
            "--uscc",
            HOLDER_USCC,
        ]));
        page["licences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["identifier"].as_str().unwrap().to_owned())
            .collect()
    }

    fn verifier_key(&self) -> String {
        let out = ok(&[
            "log",
            "verifier-key",
            "--log-key",
            s(&self.log_key),
            "--origin",
            ORIGIN,
        ]);
        stdout(&out).trim().to_owned()
    }

    /// Signs a checkpoint and writes it to `name`; returns its path.
    fn checkpoint(&self, name: &str) -> PathBuf {
        let out = ok(&[
            "log",
            "checkpoint",
            "--db",
            &self.db,
            "--log-key",
            s(&self.log_key),
        ]);
        let path = self.dir.path(name);
        fs::write(&path, stdout(&out)).unwrap();
        path
    }

    fn set_status(&self, identifier: &str, status: &str) -> Output {
        run(&[
            "registry",
            "status",
            "--db",
            &self.db,
            "--id",
            identifier,
            "--status",
            status,
            "--reason",
            "证照信息有误",
            "--operator",
            "operator-7",
            "--at",
            CHANGED_AT,
        ])
    }
}

/// The business licence as a registry issues it: no identifier, no status
/// reference, and its own number.
fn business_licence(number: &str) -> String {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/licences/business-licence.json"),
    )
    .unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    let fields = value.as_object_mut().unwrap();
    fields.remove("identifier");
    fields.remove("status");
    fields.insert("number".to_owned(), Value::from(number));
    value.to_string()
}

/// Records 1, 2 and 4 are licences; line 3 is not; line 4 is blank (no record).
fn standard_batch() -> Vec<String> {
    vec![
        business_licence("京海市监001"),
        business_licence("京海市监002"),
        r#"{"type_code": "nonsense"}"#.to_owned(),
        String::new(),
        business_licence("京海市监003"),
    ]
}

#[test]
fn registry_init_refuses_an_existing_registry() {
    let setup = Setup::new();
    let again = run(&["registry", "init", "--db", &setup.db, "--origin", ORIGIN]);
    assert_eq!(code(&again), 2);
    assert!(stderr(&again).contains("registry"), "{}", stderr(&again));
    // An origin a checkpoint cannot carry is refused before anything is made.
    let bad = setup.dir.path("bad.sqlite");
    let out = run(&["registry", "init", "--db", s(&bad), "--origin", "has space"]);
    assert_eq!(code(&out), 2);
    // Opening a registry that was never made is an error, not a new file.
    let missing = setup.dir.path("missing.sqlite");
    let out = run(&["registry", "show", "--db", s(&missing), "--id", "x"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn batch_issue_reports_rejects_and_a_rerun_issues_nothing_new() {
    let setup = Setup::new();
    let input = setup.write_batch("in.jsonl", &standard_batch());
    let codes = setup.dir.path("codes.txt");
    let pdfs = setup.dir.path("pdfs");

    let out = setup.issue_batch(&input, &codes, &["--pdf-dir", s(&pdfs), "--chunk", "2"]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    let summary = json(&out);
    assert_eq!(summary["records"], 4, "{summary}");
    assert_eq!(summary["issued"], 3, "{summary}");
    assert_eq!(summary["already"], 0, "{summary}");
    assert_eq!(summary["rejected"], 1, "{summary}");
    assert_eq!(summary["codes"], 3, "{summary}");
    assert_eq!(summary["rejects"].as_array().unwrap().len(), 1);
    assert_eq!(summary["rejects"][0]["line"], 3, "{summary}");
    assert!(
        summary["rejects"][0]["message"]
            .as_str()
            .unwrap()
            .contains("number")
    );
    // Not a terminal: plain progress lines on stderr.
    assert!(stderr(&out).contains("issued 4/4"), "{}", stderr(&out));

    let written = fs::read_to_string(&codes).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 4, "{written}");
    assert!(lines[2].is_empty(), "the rejected record's line: {written}");
    for line in [lines[0], lines[1], lines[3]] {
        assert!(
            line.starts_with("https://verify.example.gov.cn/c/"),
            "{line}"
        );
    }
    let mut drawn: Vec<_> = fs::read_dir(&pdfs)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    drawn.sort();
    assert_eq!(drawn.len(), 3, "{drawn:?}");
    assert!(drawn[0].ends_with(".00000001.001.3.pdf"), "{drawn:?}");
    assert!(fs::read(pdfs.join(&drawn[0])).unwrap().starts_with(b"%PDF"));

    // The same command again: the job is done, nothing is issued twice.
    let again = setup.issue_batch(&input, &codes, &["--pdf-dir", s(&pdfs), "--chunk", "2"]);
    assert_eq!(code(&again), 1, "{}", stderr(&again));
    let rerun = json(&again);
    assert_eq!(rerun["issued"], 0, "{rerun}");
    assert_eq!(rerun["already"], summary["issued"], "{rerun}");
    assert_eq!(rerun["job"], summary["job"]);
    assert_eq!(rerun["rejects"], summary["rejects"]);
    assert_eq!(fs::read_to_string(&codes).unwrap(), written);
    assert_eq!(setup.identifiers().len(), 3);
    let leftovers: Vec<_> = fs::read_dir(&setup.dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("codes") && n != "codes.txt")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Every code verifies under the root (the status lists are not loaded).
    let out = run(&[
        "verify",
        "--roots",
        s(&setup.roots),
        "--signers",
        s(&setup.dsc_cert),
        "--batch",
        s(&codes),
        "--at",
        CHECKED_AT,
        "--status-policy",
        "warn",
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(
        json(&out),
        serde_json::json!({ "total": 3, "valid": 3, "invalid": 0 })
    );
}

#[test]
fn batch_without_rejects_exits_0_and_csv_needs_a_registry() {
    let setup = Setup::new();
    let input = setup.write_batch(
        "good.jsonl",
        &[business_licence("A1"), business_licence("A2")],
    );
    let codes = setup.dir.path("good.txt");
    let out = setup.issue_batch(&input, &codes, &[]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(json(&out)["issued"], 2);
    assert_eq!(json(&out)["rejects"], serde_json::json!([]));

    // Without --db a CSV batch is refused, and --chunk needs --db.
    let csv = setup.dir.path("in.csv");
    fs::write(&csv, "type_code\n").unwrap();
    let key = s(&setup.dsc_key);
    let out = run(&[
        "issue",
        "--key",
        key,
        "--batch",
        s(&csv),
        "--out",
        s(&codes),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--db"), "{}", stderr(&out));
    let jsonl = s(&input);
    let out = run(&[
        "issue",
        "--key",
        key,
        "--batch",
        jsonl,
        "--out",
        s(&codes),
        "--chunk",
        "5",
    ]);
    assert_eq!(code(&out), 2);
}

#[test]
fn single_issue_through_the_registry() {
    let setup = Setup::new();
    let licence = setup.dir.path("licence.json");
    fs::write(&licence, business_licence("单张001")).unwrap();
    let cose = setup.dir.path("licence.cose");
    let issue = |extra: &[&str]| {
        let mut args = vec![
            "issue",
            "--db",
            &setup.db,
            "--key",
            s(&setup.dsc_key),
            "--cert",
            s(&setup.dsc_cert),
            "--licence",
            s(&licence),
            "--at",
            SIGNED_AT,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let first = issue(&["--out", s(&cose)]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let text = stdout(&first).trim().to_owned();
    // Issuing into a registry under the example base is warned about.
    assert!(
        stderr(&first).contains("warning: the QR text starts with the example base"),
        "{}",
        stderr(&first)
    );
    // The same licence again is answered with the licence it made.
    let again = issue(&[]);
    assert_eq!(stdout(&again).trim(), text);
    // Under the deployment's own base, no warning, and the same licence.
    let own = issue(&["--qr-base", "https://scan.test/v/"]);
    assert_eq!(code(&own), 0, "{}", stderr(&own));
    assert!(!stderr(&own).contains("example base"), "{}", stderr(&own));
    assert!(stdout(&own).starts_with("https://scan.test/v/"));
    assert_eq!(setup.identifiers().len(), 1);
    let out = run(&[
        "verify",
        "--roots",
        s(&setup.roots),
        "--status-policy",
        "warn",
        "--at",
        CHECKED_AT,
        "--cose",
        s(&cose),
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(json(&out)["licence"]["number"], "单张001");

    // The registry allocates identifiers and status entries itself.
    let out = issue(&["--status-list", "1", "--status-index", "5"]);
    assert_eq!(code(&out), 2);
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/licences/business-licence.json");
    let out = run(&[
        "issue",
        "--db",
        &setup.db,
        "--key",
        s(&setup.dsc_key),
        "--licence",
        s(&example),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("has_identifier"), "{}", stderr(&out));
}

#[test]
fn revoke_show_and_publish_a_status_list() {
    let setup = Setup::new();
    let codes = setup.issued();
    let ids = setup.identifiers();
    let revoked = &ids[0];

    let out = setup.set_status(revoked, "revoked");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let change = json(&out);
    assert_eq!(change["from"], "01");
    assert_eq!(change["to"], "03");
    assert_eq!(change["list"]["authority"], MARKET);
    // Revocation is final.
    let out = setup.set_status(revoked, "01");
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("status_transition"),
        "{}",
        stderr(&out)
    );
    let out = setup.set_status(revoked, "frozen");
    assert_eq!(code(&out), 2);

    let shown = json(&ok(&[
        "registry", "show", "--db", &setup.db, "--id", revoked,
    ]));
    assert_eq!(shown["identifier"], revoked.as_str());
    assert_eq!(shown["status"], "03");
    assert_eq!(shown["holder_code"], HOLDER_USCC);
    assert_eq!(shown["envelope_sha256"].as_str().unwrap().len(), 64);
    assert!(shown.get("envelope").is_none());
    assert_eq!(shown["history"].as_array().unwrap().len(), 1);
    assert_eq!(shown["history"][0]["reason"], "证照信息有误");
    assert_eq!(shown["history"][0]["operator"], "operator-7");
    assert_eq!(shown["history"][0]["at"], CHANGED_AT);
    let out = run(&["registry", "show", "--db", &setup.db, "--id", "1.2.3"]);
    assert_eq!(code(&out), 2);

    let lists = setup.dir.path("lists");
    let publish = |extra: &[&str]| {
        let mut args = vec![
            "registry",
            "publish",
            "--db",
            &setup.db,
            "--key",
            s(&setup.status_key),
            "--cert",
            s(&setup.status_cert),
            "--out-dir",
            s(&lists),
            "--at",
            PUBLISHED_AT,
        ];
        args.extend_from_slice(extra);
        json(&ok(&args))
    };
    let published = publish(&[]);
    assert_eq!(
        published["published"].as_array().unwrap().len(),
        1,
        "{published}"
    );
    assert_eq!(
        published["published"][0]["uri"],
        format!("https://verify.example.gov.cn/status/{MARKET}/1")
    );
    let list = lists.join(MARKET).join("1.cwt");
    assert!(list.exists());
    // Nothing changed since: nothing to sign, unless --all.
    assert_eq!(publish(&[])["published"], serde_json::json!([]));
    assert_eq!(
        publish(&["--all"])["published"].as_array().unwrap().len(),
        1
    );
    // A document signer's certificate cannot sign status lists.
    let out = run(&[
        "registry",
        "publish",
        "--db",
        &setup.db,
        "--key",
        s(&setup.dsc_key),
        "--cert",
        s(&setup.dsc_cert),
        "--out-dir",
        s(&lists),
    ]);
    assert_eq!(code(&out), 2);

    // With the published list, the revoked licence is refused and the others pass.
    let verify = |text: &str| {
        let out = run(&[
            "verify",
            "--roots",
            s(&setup.roots),
            "--signers",
            s(&setup.dsc_cert),
            "--status",
            s(&list),
            "--at",
            CHECKED_AT,
            text,
        ]);
        json(&out)
    };
    let first = verify(&codes[0]);
    assert_eq!(first["valid"], false, "{first}");
    assert_eq!(first["reasons"][0]["code"], "revoked", "{first}");
    let second = verify(&codes[1]);
    assert_eq!(second["valid"], true, "{second}");
}

#[test]
fn lookup_by_credit_code_and_by_name() {
    let setup = Setup::new();
    setup.issued();
    let lookup = |extra: &[&str]| {
        let mut args = vec!["registry", "lookup", "--db", &setup.db];
        args.extend_from_slice(extra);
        run(&args)
    };
    let all = json(&lookup(&["--uscc", HOLDER_USCC]));
    assert_eq!(all["licences"].as_array().unwrap().len(), 3);
    assert_eq!(all["next"], Value::Null);
    assert_eq!(all["licences"][0]["holder_name"], "北京示例科技有限公司");

    let first = json(&lookup(&["--uscc", HOLDER_USCC, "--limit", "2"]));
    assert_eq!(first["licences"].as_array().unwrap().len(), 2);
    let next = first["next"].as_u64().unwrap().to_string();
    let rest = json(&lookup(&[
        "--uscc",
        HOLDER_USCC,
        "--limit",
        "2",
        "--after",
        &next,
    ]));
    assert_eq!(rest["licences"].as_array().unwrap().len(), 1);
    assert_eq!(
        rest["licences"][0]["identifier"],
        all["licences"][2]["identifier"]
    );

    let prefix = json(&lookup(&["--name", "北京示例"]));
    assert_eq!(prefix["licences"].as_array().unwrap().len(), 3);
    let contains = json(&lookup(&["--name", "示例科技", "--contains"]));
    assert_eq!(contains["licences"].as_array().unwrap().len(), 3);
    let none = json(&lookup(&["--name", "示例科技"]));
    assert_eq!(none["licences"], serde_json::json!([]));
    // Too short for the trigram index; neither query; a bad credit code.
    assert_eq!(code(&lookup(&["--name", "示例", "--contains"])), 2);
    assert_eq!(code(&lookup(&[])), 2);
    assert_eq!(code(&lookup(&["--uscc", "91110108MA0123456X"])), 2);
}

#[test]
fn export_as_json_lines_and_csv() {
    let setup = Setup::new();
    setup.issued();
    let export = |extra: &[&str]| {
        let mut args = vec!["registry", "export", "--db", &setup.db];
        args.extend_from_slice(extra);
        stdout(&ok(&args))
    };
    let jsonl = export(&[]);
    let entries: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 3, "{jsonl}");
    assert_eq!(entries[0]["holder_code"], HOLDER_USCC);
    assert_eq!(entries[0]["status"], "01");
    let last = entries[2]["last_change"].as_u64().unwrap();
    assert_eq!(export(&["--since", &(last + 1).to_string()]), "");
    assert_eq!(export(&["--limit", "2"]).lines().count(), 2);

    let csv = export(&["--format", "csv"]);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 4, "{csv}");
    assert_eq!(rows[0], elicence::registry::CATALOGUE_COLUMNS.join(","));
    assert!(rows[1].starts_with(entries[0]["identifier"].as_str().unwrap()));
    assert!(rows[1].contains("北京示例科技有限公司"));

    let file = setup.dir.path("export.csv");
    let summary = json(&ok(&[
        "registry",
        "export",
        "--db",
        &setup.db,
        "--format",
        "csv",
        "--out",
        s(&file),
    ]));
    assert_eq!(summary["exported"], 3);
    assert_eq!(summary["next_since"], last + 1);
    assert_eq!(fs::read_to_string(&file).unwrap(), csv);
}

#[test]
fn receipts_prove_logging_offline() {
    let setup = Setup::new();
    let codes = setup.issued();
    let ids = setup.identifiers();

    // No checkpoint yet: the receipt cannot be made.
    let out = run(&["log", "proof", "--db", &setup.db, "--id", &ids[1]]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("sign a checkpoint first: elicence log checkpoint"),
        "{}",
        stderr(&out)
    );

    let vkey = setup.verifier_key();
    assert!(vkey.starts_with(&format!("{ORIGIN}+")), "{vkey}");
    let vkey_file = setup.dir.path("log.vkey");
    fs::write(&vkey_file, format!("{vkey}\n")).unwrap();
    let checkpoint = fs::read_to_string(setup.checkpoint("cp.txt")).unwrap();
    assert!(
        checkpoint.starts_with(&format!("{ORIGIN}\n3\n")),
        "{checkpoint}"
    );
    assert!(
        checkpoint.contains(&format!("\n— {ORIGIN} ")),
        "{checkpoint}"
    );

    let receipt = setup.dir.path("receipt.txt");
    let out = ok(&[
        "log",
        "proof",
        "--db",
        &setup.db,
        "--id",
        &ids[1],
        "--out",
        s(&receipt),
    ]);
    assert_eq!(json(&out)["index"], 1);
    let printed = stdout(&ok(&["log", "proof", "--db", &setup.db, "--id", &ids[1]]));
    assert_eq!(printed, fs::read_to_string(&receipt).unwrap());
    assert!(
        printed.starts_with("c2sp.org/tlog-proof@v1\nextra "),
        "{printed}"
    );

    let verify = |receipt: &Path, key: &str, licence: &[&str]| {
        let mut args = vec![
            "log",
            "verify",
            "--receipt",
            s(receipt),
            "--verifier-key",
            key,
        ];
        args.extend_from_slice(licence);
        run(&args)
    };
    let out = verify(&receipt, &vkey, &["--qr", &codes[1]]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let logged = json(&out);
    assert_eq!(logged["logged"], true);
    assert_eq!(logged["index"], 1);
    assert_eq!(logged["tree_size"], 3);
    assert_eq!(logged["identifier"], ids[1].as_str());
    // The key from a file, the code from a file.
    let qr_file = setup.dir.path("code.txt");
    fs::write(&qr_file, format!("{}\n", codes[1])).unwrap();
    let out = verify(&receipt, s(&vkey_file), &["--qr-file", s(&qr_file)]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));

    // Another licence's code does not match the receipt's leaf.
    let out = verify(&receipt, &vkey, &["--qr", &codes[0]]);
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["logged"], false);
    assert_eq!(json(&out)["error"], "envelope_mismatch");

    // A receipt whose proof was changed does not lead to the signed root.
    let text = fs::read_to_string(&receipt).unwrap();
    let proof_line = text.lines().nth(3).unwrap();
    let mut forged_line: Vec<u8> = proof_line.as_bytes().to_vec();
    forged_line[0] = if forged_line[0] == b'A' { b'B' } else { b'A' };
    let forged = setup.dir.path("forged.txt");
    fs::write(
        &forged,
        text.replacen(proof_line, std::str::from_utf8(&forged_line).unwrap(), 1),
    )
    .unwrap();
    let out = verify(&forged, &vkey, &["--qr", &codes[1]]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert_eq!(json(&out)["logged"], false);
    // Another log key does not verify the checkpoint.
    let other = setup.dir.path("other-log");
    ok(&["keygen", "--out", s(&other)]);
    let other_vkey = stdout(&ok(&[
        "log",
        "verifier-key",
        "--log-key",
        s(&other.join("issuer.key.pem")),
        "--origin",
        ORIGIN,
    ]));
    let out = verify(&receipt, other_vkey.trim(), &["--qr", &codes[1]]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    // A key that is no verifier key is a usage error.
    assert_eq!(code(&verify(&receipt, "nonsense", &["--qr", &codes[1]])), 2);
}

#[test]
fn receipts_of_an_envelope_file() {
    let setup = Setup::new();
    let licence = setup.dir.path("licence.json");
    fs::write(&licence, business_licence("文件001")).unwrap();
    let cose = setup.dir.path("licence.cose");
    ok(&[
        "issue",
        "--db",
        &setup.db,
        "--key",
        s(&setup.dsc_key),
        "--cert",
        s(&setup.dsc_cert),
        "--licence",
        s(&licence),
        "--at",
        SIGNED_AT,
        "--out",
        s(&cose),
    ]);
    setup.checkpoint("cp.txt");
    let id = &setup.identifiers()[0];
    let receipt = setup.dir.path("receipt.txt");
    ok(&[
        "log",
        "proof",
        "--db",
        &setup.db,
        "--id",
        id,
        "--out",
        s(&receipt),
    ]);
    let vkey = setup.verifier_key();
    let out = run(&[
        "log",
        "verify",
        "--receipt",
        s(&receipt),
        "--verifier-key",
        &vkey,
        "--envelope",
        s(&cose),
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(json(&out)["index"], 0);
}

#[test]
fn consistency_between_checkpoints() {
    let setup = Setup::new();
    setup.issued();
    let vkey = setup.verifier_key();
    let old = setup.checkpoint("old.txt");
    let ids = setup.identifiers();
    ok(&[
        "registry",
        "status",
        "--db",
        &setup.db,
        "--id",
        &ids[2],
        "--status",
        "02",
        "--reason",
        "暂停",
        "--operator",
        "op",
    ]);
    let new = setup.checkpoint("new.txt");
    let consistency = |db: &str, old: &Path, new: Option<&Path>| {
        let mut args = vec![
            "log",
            "consistency",
            "--db",
            db,
            "--old",
            s(old),
            "--verifier-key",
            &vkey,
        ];
        if let Some(new) = new {
            args.extend_from_slice(&["--new", s(new)]);
        }
        run(&args)
    };

    let out = consistency(&setup.db, &old, Some(&new));
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let report = json(&out);
    assert_eq!(report["consistent"], true);
    assert_eq!(report["old_size"], 3);
    assert_eq!(report["new_size"], 4);
    // Without --new: the registry's latest checkpoint.
    let out = consistency(&setup.db, &old, None);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(json(&out)["new_size"], 4);
    // Backwards is no growth.
    let out = consistency(&setup.db, &new, Some(&old));
    assert_eq!(code(&out), 1);
    assert_eq!(json(&out)["consistent"], false);

    // A checkpoint of another registry, signed with the same key and
    // origin, is not an earlier state of this one.
    let other = Setup::new();
    let input = other.write_batch("other.jsonl", &[business_licence("别处001")]);
    let out = other.issue_batch(&input, &other.dir.path("other-codes.txt"), &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Kept until the end: its directory goes with it.
    let signed_by_our_key = Setup {
        log_key: setup.log_key.clone(),
        ..other
    };
    let foreign = signed_by_our_key.checkpoint("foreign.txt");
    let out = consistency(&setup.db, &foreign, Some(&new));
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert_eq!(json(&out)["consistent"], false);
}
