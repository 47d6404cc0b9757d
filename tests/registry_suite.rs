//! One registry suite over every backend: SQLite always, and PostgreSQL
//! when `ELICENCE_TEST_POSTGRES` names a server (`.ci/postgres.sh` starts
//! one and requires it). Each test takes a fresh location per backend from
//! `locations()`: a new file, or a new database.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use elicence::ident::resident_id_check_char;
use elicence::log::note::{NoteSigner, NoteVerifier};
use elicence::log::{self, checkpoint, receipt};
use elicence::registry::{
    BatchFormat, BatchOptions, IssueRequest, IssuingKey, NameMatch, Registry, RegistryError,
    plan_batch, run_batch, write_codes,
};
use elicence::status::{LicenceStatus, SignedStatusList};
use elicence::{Licence, QrBase, SigningKey, UnixTime};

#[allow(dead_code)]
mod test_pki {
    use elicence::trust::Certificate;
    use elicence::trust::ca::{CertificateRequest, Role, issue, self_signed};
    use elicence::{Signer, SigningKey, UnixTime};
    include!("support/test_pki.rs");
}

const ORIGIN: &str = "verify.example.gov.cn/log";
const POLICE: &str = "111100000000213452";
const REGULATOR: &str = "11110108MB1234567C";

include!("support/registry_backends.rs");

fn at() -> UnixTime {
    UnixTime::parse_rfc3339("2025-03-01T09:00:00+08:00").unwrap()
}

/// A driving licence for the `n`th resident (a valid, distinct ID number).
fn driving_licence(n: u32) -> Licence {
    let first17 = format!(
        "110105{:04}{:02}{:02}{:03}",
        1950 + n % 50,
        1 + n % 12,
        1 + n % 28,
        n % 1000
    );
    let id = format!("{first17}{}", resident_id_check_char(&first17).unwrap());
    let json = include_str!("../examples/licences/driving-licence.json")
        .replace("110108199003071238", &id)
        .replace(
            "王小明",
            &format!("王{}", char::from_u32(0x4e00 + n % 2000).unwrap()),
        );
    Licence::from_json(&json).unwrap()
}

/// The example business licence without its fixed identifier and status,
/// for holder `name`.
fn business_licence(name: &str, uscc: &str) -> Licence {
    // Codes are given by their first 17 characters; the check is computed.
    let uscc = elicence::Uscc::with_computed_check(&uscc[..17]).unwrap();
    let uscc = uscc.as_str();
    let mut value: serde_json::Value =
        serde_json::from_str(include_str!("../examples/licences/business-licence.json")).unwrap();
    let object = value.as_object_mut().unwrap();
    object.remove("identifier");
    object.remove("status");
    object["number"] = uscc.into();
    object["holder"]["name"] = name.into();
    object["holder"]["id_number"] = uscc.into();
    Licence::from_json(&value.to_string()).unwrap()
}

fn police_key() -> IssuingKey {
    IssuingKey::new(SigningKey::from_seed(&[7; 32]), None).unwrap()
}

fn log_signer() -> NoteSigner {
    NoteSigner::new(ORIGIN, SigningKey::from_seed(&[9; 32])).unwrap()
}

#[test]
fn open_refuses_a_place_with_no_registry_and_create_refuses_an_existing_one() {
    each_backend(|location| {
        assert!(Registry::open(location).is_err());
        Registry::create(location, ORIGIN).unwrap();
        assert!(matches!(
            Registry::create(location, ORIGIN),
            Err(RegistryError::Store(_))
        ));
        assert!(Registry::open(location).is_ok());
    });
}

#[test]
fn serials_run_without_gaps_and_requests_are_idempotent() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let key = police_key();
        let first = registry
            .issue(
                &key,
                (0..5)
                    .map(|n| IssueRequest::new(&format!("r{n}"), driving_licence(n)))
                    .collect(),
                at(),
            )
            .unwrap();
        let serials: Vec<u64> = first
            .iter()
            .map(|i| registry.licence(i.identifier()).unwrap().unwrap().serial)
            .collect();
        assert_eq!(serials, vec![1, 2, 3, 4, 5]);
        assert!(first.iter().all(|i| i.is_new()));

        // A group that fails its checks writes nothing and takes no serial.
        let mut with_identifier = driving_licence(99);
        with_identifier = with_identifier.with_identifier(
            "7".parse().unwrap(),
            elicence::ident::Version::new(1).unwrap(),
        );
        let bad = registry.issue(
            &key,
            vec![
                IssueRequest::new("r-ok", driving_licence(6)),
                IssueRequest::new("r-bad", with_identifier),
            ],
            at(),
        );
        assert!(matches!(bad, Err(RegistryError::Request { .. })));
        assert!(registry.licence_by_request("r-ok").unwrap().is_none());

        // The same ids again: answered, not issued; a repeated id within a
        // group is issued once.
        let again = registry
            .issue(
                &key,
                vec![
                    IssueRequest::new("r0", driving_licence(0)),
                    IssueRequest::new("r5", driving_licence(5)),
                    IssueRequest::new("r5", driving_licence(5)),
                    IssueRequest::new("r0", driving_licence(0)),
                ],
                at(),
            )
            .unwrap();
        assert_eq!(again.len(), 4);
        assert_eq!(again[0].identifier(), first[0].identifier());
        assert!(!again[0].is_new());
        assert_eq!(again[3].identifier(), first[0].identifier());
        assert!(!again[3].is_new());
        assert!(again[1].is_new());
        assert_eq!(again[1].identifier(), again[2].identifier());
        assert!(!again[2].is_new());
        assert_eq!(
            registry
                .licence(again[1].identifier())
                .unwrap()
                .unwrap()
                .serial,
            6
        );
        let (size, _) = registry.log_head().unwrap();
        assert_eq!(size, 6, "one log leaf per licence issued");
    });
}

#[test]
fn a_key_with_a_certificate_issues_only_for_its_authority() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let pki = test_pki::TestPki::new();
        let (key, cert) = pki.signer(31, "北京市公安局公安交通管理局", POLICE);
        let key = IssuingKey::new(key, Some(&cert)).unwrap();
        let refused = registry.issue(
            &key,
            vec![IssueRequest::new(
                "b1",
                business_licence("北京示例科技有限公司", "91110108MA0123456G"),
            )],
            at(),
        );
        match refused {
            Err(RegistryError::Request { reason, .. }) => assert_eq!(reason.code(), "wrong_issuer"),
            other => panic!("{other:?}"),
        }
        assert!(
            registry
                .issue(
                    &key,
                    vec![IssueRequest::new("d1", driving_licence(1))],
                    at()
                )
                .is_ok()
        );
        // A seal maker's certificate is no document signer's.
        let (maker_key, maker) = pki.seal_maker(32, "北京市公安局公安交通管理局", POLICE);
        assert!(IssuingKey::new(maker_key, Some(&maker)).is_err());
    });
}

#[test]
fn status_changes_are_recorded_logged_and_published() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let pki = test_pki::TestPki::new();
        let (doc_key, doc_cert) = pki.signer(41, "北京市海淀区市场监督管理局", REGULATOR);
        let key = IssuingKey::new(doc_key, Some(&doc_cert)).unwrap();
        let issued = registry
            .issue(
                &key,
                vec![
                    IssueRequest::new(
                        "b1",
                        business_licence("北京示例科技有限公司", "91110108MA0123456G"),
                    ),
                    IssueRequest::new(
                        "b2",
                        business_licence("北京样板商贸有限公司", "91110108MA01234570"),
                    ),
                ],
                at(),
            )
            .unwrap();
        let id = issued[0].identifier().to_owned();
        let later = UnixTime::from_secs(at().secs() + 3600);
        let change = registry
            .set_status(&id, LicenceStatus::Suspended, "抽查不合格", "张三", later)
            .unwrap();
        assert_eq!(change.from, LicenceStatus::Valid);
        registry
            .set_status(&id, LicenceStatus::Revoked, "吊销", "李四", later)
            .unwrap();
        // Revocation is final; an unchanged status is no change.
        assert!(matches!(
            registry.set_status(&id, LicenceStatus::Valid, "误操作", "李四", later),
            Err(RegistryError::StatusTransition { .. })
        ));
        assert!(matches!(
            registry.set_status(
                issued[1].identifier(),
                LicenceStatus::Valid,
                "无",
                "李四",
                later
            ),
            Err(RegistryError::StatusTransition { .. })
        ));
        assert!(matches!(
            registry.set_status(&id, LicenceStatus::Cancelled, "", "李四", later),
            Err(RegistryError::StatusText { .. })
        ));
        assert!(matches!(
            registry.set_status("1.2.3", LicenceStatus::Revoked, "x", "y", later),
            Err(RegistryError::UnknownLicence { .. })
        ));
        let history = registry.status_history(&id).unwrap();
        assert_eq!(
            history.iter().map(|h| h.code.as_str()).collect::<Vec<_>>(),
            vec!["02", "03"]
        );
        assert_eq!(history[1].operator, "李四");
        let row = registry.licence(&id).unwrap().unwrap();
        assert_eq!(row.status, "03");
        assert_eq!(row.last_change, history[1].log_index);

        // Publishing needs the authority's status-list signer.
        let (status_key, status_cert) =
            pki.status_signer(42, "北京市海淀区市场监督管理局", REGULATOR);
        let chain = vec![status_cert.clone(), pki.mid.clone()];
        assert!(
            registry
                .publish(
                    &status_key,
                    std::slice::from_ref(&doc_cert),
                    "https://s.example/status",
                    later,
                    3600,
                    false
                )
                .is_err()
        );
        let published = registry
            .publish(
                &status_key,
                &chain,
                "https://s.example/status",
                later,
                3600,
                false,
            )
            .unwrap();
        assert_eq!(published.len(), 1);
        let token = SignedStatusList::from_slice(published[0].token.as_bytes()).unwrap();
        assert_eq!(
            token.subject(),
            format!("https://s.example/status/{}", row.status_list)
        );
        assert_eq!(
            token.list().status(row.status_index).unwrap(),
            LicenceStatus::Revoked
        );
        let other = registry.licence(issued[1].identifier()).unwrap().unwrap();
        assert_eq!(
            token.list().status(other.status_index).unwrap(),
            LicenceStatus::Valid
        );
        // Published lists are clean until the next change; --all republishes.
        assert!(
            registry
                .publish(
                    &status_key,
                    &chain,
                    "https://s.example/status",
                    later,
                    3600,
                    false
                )
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            registry
                .publish(
                    &status_key,
                    &chain,
                    "https://s.example/status",
                    later,
                    3600,
                    true
                )
                .unwrap()
                .len(),
            1
        );
    });
}

#[test]
fn status_indices_are_distinct_and_stored_in_the_envelope() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let key = police_key();
        let issued = registry
            .issue(
                &key,
                (0..300)
                    .map(|n| IssueRequest::by_content(driving_licence(n)))
                    .collect(),
                at(),
            )
            .unwrap();
        let mut indices = std::collections::HashSet::new();
        for i in &issued {
            let signed = elicence::SignedLicence::from_slice(i.envelope()).unwrap();
            let reference = signed.licence().status().unwrap();
            let row = registry.licence(i.identifier()).unwrap().unwrap();
            assert_eq!(
                (reference.list, reference.index),
                (row.status_list, row.status_index)
            );
            assert_eq!(
                signed.licence().identifier().unwrap().to_string(),
                row.identifier
            );
            assert!(indices.insert(reference.index));
        }
    });
}

#[test]
fn public_lookup_finds_organisations_never_persons() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let key = IssuingKey::new(SigningKey::from_seed(&[8; 32]), None).unwrap();
        let names = [
            ("北京示例科技有限公司", "91110108MA0123456G"),
            ("北京样板商贸有限公司", "91110108MA01234570"),
            ("上海示例物流有限公司", "91310000MA1FL0000X"),
        ];
        let mut requests: Vec<IssueRequest> = names
            .iter()
            .map(|(n, c)| IssueRequest::by_content(business_licence(n, c)))
            .collect();
        requests.push(IssueRequest::by_content(driving_licence(3)));
        registry.issue(&key, requests, at()).unwrap();

        let uscc = "91110108MA0123456G".parse().unwrap();
        let page = registry.lookup_by_uscc(&uscc, None, 10).unwrap();
        assert_eq!(page.licences.len(), 1);
        assert_eq!(page.licences[0].holder_name, "北京示例科技有限公司");

        let prefix = registry
            .lookup_by_name(&NameMatch::Prefix("北京".into()), None, 10)
            .unwrap();
        assert_eq!(prefix.licences.len(), 2);
        let contains = registry.lookup_by_name(&NameMatch::Contains("示例".into()), None, 10);
        assert!(
            matches!(contains, Err(RegistryError::Query { .. })),
            "two characters are too few for trigrams"
        );
        let contains = registry
            .lookup_by_name(&NameMatch::Contains("示例科".into()), None, 10)
            .unwrap();
        assert_eq!(contains.licences.len(), 1);
        let contains = registry
            .lookup_by_name(&NameMatch::Contains("有限公司".into()), None, 2)
            .unwrap();
        assert_eq!(contains.licences.len(), 2);
        let rest = registry
            .lookup_by_name(&NameMatch::Contains("有限公司".into()), contains.next, 2)
            .unwrap();
        assert_eq!(rest.licences.len(), 1);
        assert!(rest.next.is_none());
        // The driving licence's holder is a person: no look-up finds them.
        assert!(
            registry
                .lookup_by_name(&NameMatch::Prefix("王".into()), None, 10)
                .unwrap()
                .licences
                .is_empty()
        );
        assert!(
            registry
                .lookup_by_name(&NameMatch::Prefix(String::new()), None, 10)
                .is_err()
        );
        assert!(
            registry
                .lookup_by_name(&NameMatch::Prefix("x".repeat(65)), None, 10)
                .is_err()
        );
        // FTS5 and LIKE syntax is text, not a query language.
        for tricky in [
            "示例\" OR \"有限",
            "有限公司*",
            "NEAR(有限 公司)",
            "_有限",
            "\\有限",
        ] {
            assert!(
                registry
                    .lookup_by_name(&NameMatch::Contains(tricky.into()), None, 10)
                    .unwrap()
                    .licences
                    .is_empty(),
                "{tricky}"
            );
        }
        // Wildcards are text, not patterns.
        assert!(
            registry
                .lookup_by_name(&NameMatch::Contains("%%%".into()), None, 10)
                .unwrap()
                .licences
                .is_empty()
        );
        assert!(
            registry
                .lookup_by_name(&NameMatch::Prefix("%".into()), None, 10)
                .unwrap()
                .licences
                .is_empty()
        );

        // The export masks persons' numbers and carries organisations'.
        let all = registry.changed_since(0, 100).unwrap();
        assert_eq!(all.len(), 4);
        let person = all.iter().find(|e| e.holder_kind == "person").unwrap();
        assert!(person.holder_code.contains("********"));
        assert!(person.number.contains("********"));
        let since = all[2].last_change;
        assert_eq!(registry.changed_since(since, 100).unwrap().len(), 2);
    });
}

#[test]
fn receipts_verify_offline_and_checkpoints_stay_consistent() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let key = police_key();
        let signer = log_signer();
        let verifier: NoteVerifier = signer.verifier();
        let first = registry
            .issue(
                &key,
                (0..3)
                    .map(|n| IssueRequest::by_content(driving_licence(n)))
                    .collect(),
                at(),
            )
            .unwrap();
        let row = registry.licence(first[1].identifier()).unwrap().unwrap();
        assert!(matches!(
            registry.receipt(&row),
            Err(RegistryError::NoCheckpoint { .. })
        ));
        let note1 = registry.sign_checkpoint(&signer).unwrap();
        let receipt1 = registry.receipt(&row).unwrap();
        let text = receipt1.to_text();
        let parsed = receipt::Receipt::from_text(&text).unwrap();
        let logged = log::verify_licence_receipt(first[1].envelope(), &parsed, &verifier).unwrap();
        assert_eq!(logged.index, row.log_index);
        // Another licence's envelope does not match this receipt.
        assert!(log::verify_licence_receipt(first[0].envelope(), &parsed, &verifier).is_err());
        // Another log key does not vouch for it.
        let stranger = NoteSigner::new(ORIGIN, SigningKey::from_seed(&[10; 32])).unwrap();
        assert!(
            log::verify_licence_receipt(first[1].envelope(), &parsed, &stranger.verifier())
                .is_err()
        );
        // The wrong key name is refused at signing.
        let wrong = NoteSigner::new("other.example/log", SigningKey::from_seed(&[9; 32])).unwrap();
        assert!(registry.sign_checkpoint(&wrong).is_err());

        registry
            .issue(
                &key,
                (3..40)
                    .map(|n| IssueRequest::by_content(driving_licence(n)))
                    .collect(),
                at(),
            )
            .unwrap();
        registry
            .set_status(
                first[0].identifier(),
                LicenceStatus::Revoked,
                "r",
                "o",
                at(),
            )
            .unwrap();
        let note2 = registry.sign_checkpoint(&signer).unwrap();
        let cp1 = checkpoint::open_checkpoint(&note1, &verifier).unwrap();
        let cp2 = checkpoint::open_checkpoint(&note2, &verifier).unwrap();
        assert_eq!((cp1.size, cp2.size), (3, 41));
        let proof = registry.consistency_proof(cp1.size, cp2.size).unwrap();
        log::verify_consistency(cp1.size, cp2.size, &proof, &cp1.root, &cp2.root).unwrap();
        // The receipt against the newer checkpoint verifies too.
        let receipt2 = registry.receipt(&row).unwrap();
        log::verify_licence_receipt(first[1].envelope(), &receipt2, &verifier).unwrap();
        assert!(registry.consistency_proof(1, 1000).is_err());

        // The stored tiles give the same root as an independent tree.
        let leaves = registry.leaves(0, 41).unwrap();
        assert_eq!(leaves.len(), 41);
        let mut memory = log::tiles::MemoryTiles::new();
        let hashes: Vec<log::Hash> = leaves.iter().map(|l| log::leaf_hash(l)).collect();
        let appended = log::tiles::append(&mut memory, 0, &hashes).unwrap();
        assert_eq!(appended.root, cp2.root);
    });
}

#[test]
fn seal_and_trust_list_events_are_logged_after_checking_them() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        assert!(registry.log_seal_registration(b"not a seal", at()).is_err());
        assert!(registry.log_trust_list(b"not a list", at()).is_err());
        assert_eq!(registry.log_head().unwrap().0, 0);
    });
}

fn write_batch(dir: &std::path::Path, n: u32, bad_lines: &[u32]) -> PathBuf {
    use std::io::Write;
    let path = dir.join("batch.jsonl");
    let mut file = std::fs::File::create(&path).unwrap();
    for i in 0..n {
        if bad_lines.contains(&i) {
            writeln!(file, "{{\"not\": \"a licence\"}}").unwrap();
        } else {
            writeln!(file, "{}", driving_licence(i).to_json_value()).unwrap();
        }
        if i == 10 {
            writeln!(file).unwrap();
        }
    }
    path
}

#[test]
fn a_batch_runs_in_chunks_skips_what_is_done_and_reports_bad_lines() {
    each_backend(|location| {
        let dir = scratch();
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let key = police_key();
        let input = write_batch(&dir, 57, &[20, 44]);
        let plan = plan_batch(&input, BatchFormat::Jsonl, 10).unwrap();
        assert_eq!(plan.records(), 57);
        assert_eq!(plan.chunks(), 6);
        let mut seen = 0;
        let summary = run_batch(
            &mut registry,
            &key,
            &plan,
            &BatchOptions::new(at()),
            &mut |p| {
                seen = p.records_done;
            },
        )
        .unwrap();
        assert_eq!(seen, 57);
        assert_eq!(summary.progress.issued, 55);
        assert_eq!(summary.rejects.len(), 2);
        assert_eq!(summary.rejected_in_job, 2);
        // Line numbers count the blank line after the 11th record.
        assert_eq!(summary.rejects[0].0, 22);
        // Run again: nothing left to do.
        let again = run_batch(
            &mut registry,
            &key,
            &plan,
            &BatchOptions::new(at()),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(again.progress.issued, 0);
        // The same records in another file are not issued again.
        let copy = dir.join("copy.jsonl");
        std::fs::write(&copy, std::fs::read_to_string(&input).unwrap() + "\n").unwrap();
        let plan2 = plan_batch(&copy, BatchFormat::Jsonl, 25).unwrap();
        let second = run_batch(
            &mut registry,
            &key,
            &plan2,
            &BatchOptions::new(at()),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!((second.progress.issued, second.progress.already), (0, 55));

        let mut codes = Vec::new();
        let written = write_codes(
            &mut registry,
            &plan,
            &QrBase::default(),
            &mut codes,
            &mut |_| Ok(()),
        )
        .unwrap();
        assert_eq!(written, 55);
        let text = String::from_utf8(codes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 57);
        assert!(lines[20].is_empty() && lines[44].is_empty());
        assert!(lines[0].starts_with("https://"));
        let serials: Vec<u64> = registry
            .changed_since(0, 1000)
            .unwrap()
            .iter()
            .map(|e| registry_serial(&e.identifier))
            .collect();
        let mut sorted = serials.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=55).collect::<Vec<u64>>());
    });
}

/// The serial segment of a GB/T 36904 identifier.
fn registry_serial(identifier: &str) -> u64 {
    let parts: Vec<&str> = identifier.split('.').collect();
    parts[parts.len() - 3].parse().unwrap()
}

#[test]
fn a_csv_batch_reads_columns_and_face_fields() {
    each_backend(|location| {
        let dir = scratch();
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let path = dir.join("batch.csv");
        let mut csv = String::from(
            "request_id,type_code,number,holder_name,holder_id_type,holder_id_number,issuer_name,issuer_code,issue_date,valid_from,valid_until,face:准驾车型\n",
        );
        for n in 0..12u32 {
            let licence = driving_licence(n);
            let id = licence.holder().document().number().to_owned();
            csv.push_str(&format!(
                "csv-{n},111000000000222224001,{id},\"王,{n}\",resident_identity_card,{id},北京市公安局公安交通管理局,111100000000213452,2024-05-06,2024-05-06,2030-05-06,C1\n"
            ));
        }
        csv.push_str("csv-bad,111000000000222224001,x,y,resident_identity_card,123,z,111100000000213452,2024-05-06,2024-05-06,2030-05-06,\n");
        std::fs::write(&path, csv).unwrap();
        let plan = plan_batch(&path, BatchFormat::Csv, 5).unwrap();
        assert_eq!(plan.records(), 13);
        let summary = run_batch(
            &mut registry,
            &police_key(),
            &plan,
            &BatchOptions::new(at()),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(summary.progress.issued, 12);
        assert_eq!(summary.rejects.len(), 1);
        assert_eq!(
            summary.rejects[0].0, 14,
            "the bad record is on line 14 (after the header)"
        );
        let row = registry.licence_by_request("csv-3").unwrap().unwrap();
        assert_eq!(row.holder_name, "王,3");
        let signed = elicence::SignedLicence::from_slice(&row.envelope).unwrap();
        assert_eq!(signed.licence().face_fields()[0].value, "C1");
    });
}

#[test]
fn concurrent_workers_issue_every_line_exactly_once() {
    each_backend(|location| {
        let dir = scratch();
        Registry::create(location, ORIGIN).unwrap();
        let input = write_batch(&dir, 120, &[]);
        let plan = plan_batch(&input, BatchFormat::Jsonl, 7).unwrap();
        let totals: Vec<u64> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..3)
                .map(|w| {
                    let plan = plan.clone();
                    scope.spawn(move || {
                        let mut registry = Registry::open(location).unwrap();
                        let mut options = BatchOptions::new(at());
                        options.owner = format!("worker-{w}");
                        run_batch(&mut registry, &police_key(), &plan, &options, &mut |_| {})
                            .unwrap()
                            .progress
                            .issued
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert_eq!(totals.iter().sum::<u64>(), 120, "{totals:?}");
        let mut registry = Registry::open(location).unwrap();
        let mut serials: Vec<u64> = registry
            .changed_since(0, 1000)
            .unwrap()
            .iter()
            .map(|e| registry_serial(&e.identifier))
            .collect();
        serials.sort_unstable();
        assert_eq!(serials, (1..=120).collect::<Vec<u64>>());
        assert_eq!(registry.log_head().unwrap().0, 120);
    });
}

#[cfg(not(feature = "postgres"))]
#[test]
fn a_postgres_url_is_refused_by_name_not_opened_as_a_file() {
    for url in ["postgres://localhost/reg", "postgresql://localhost/reg"] {
        match Registry::open(url) {
            Err(RegistryError::Store(e)) => assert_eq!(e.code(), "no_postgres"),
            other => panic!("{other:?}"),
        }
        assert!(!std::path::Path::new(url).exists());
    }
}

#[cfg(feature = "postgres")]
#[test]
fn an_unreachable_or_malformed_postgres_url_is_a_typed_error_that_hides_the_password() {
    for url in [
        "postgres://someone:s3cret-pw@127.0.0.1:1/registry?connect_timeout=2",
        "postgres://someone:s3cret-pw@127.0.0.1:notaport/registry",
    ] {
        match Registry::open(url) {
            Err(RegistryError::Store(e)) => {
                assert_eq!(e.code(), "database", "{e}");
                assert!(!e.to_string().contains("s3cret-pw"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!std::path::Path::new(url).exists());
    }
}

#[cfg(feature = "postgres")]
#[test]
fn a_postgres_database_with_other_tables_is_not_taken_over() {
    let Some(url) = postgres_database() else {
        return;
    };
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute("CREATE TABLE payroll (id int)")
        .unwrap();
    match Registry::create(&url, ORIGIN) {
        Err(RegistryError::Store(e)) => assert_eq!(e.code(), "schema", "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(Registry::open(&url).is_err());
}

#[test]
fn an_envelope_is_found_only_if_these_exact_bytes_were_issued_here() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let key = police_key();
        let issued = registry
            .issue(
                &key,
                vec![IssueRequest::new("e1", driving_licence(1))],
                at(),
            )
            .unwrap();
        let envelope = issued[0].envelope().to_vec();
        let row = registry.licence_of_envelope(&envelope).unwrap().unwrap();
        assert_eq!(row.identifier, issued[0].identifier());

        // The same licence, identifier and all, signed again by the same
        // key (a stolen key, backdating): a real identifier, other bytes.
        let stored = elicence::SignedLicence::from_slice(&envelope).unwrap();
        let backdated = elicence::SignedLicence::sign(
            stored.licence().clone(),
            key.signing_key(),
            UnixTime::from_secs(at().secs() - 86_400),
        )
        .unwrap();
        let identifier = backdated.licence().identifier().unwrap().to_string();
        assert!(registry.licence(&identifier).unwrap().is_some());
        assert!(
            registry
                .licence_of_envelope(backdated.as_bytes())
                .unwrap()
                .is_none()
        );
        // Not an envelope, or one never issued here.
        assert!(registry.licence_of_envelope(b"not cbor").unwrap().is_none());
        let other =
            elicence::SignedLicence::sign(driving_licence(2), key.signing_key(), at()).unwrap();
        assert!(
            registry
                .licence_of_envelope(other.as_bytes())
                .unwrap()
                .is_none()
        );
    });
}
