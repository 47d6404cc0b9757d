//! Attacks on the registry and its batch issuance. Each test states what
//! must hold; a failing test is a finding.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use elicence::ident::resident_id_check_char;
use elicence::registry::{
    BatchFormat, BatchOptions, IssueRequest, IssuingKey, MAX_GROUP, MAX_PAGE, NameMatch, Registry,
    RegistryError, plan_batch, run_batch, write_codes,
};
use elicence::status::{LicenceStatus, SignedStatusList};
use elicence::{Licence, QrBase, SignedLicence, SigningKey, UnixTime, Uscc};

#[allow(dead_code)]
mod test_pki {
    use elicence::trust::Certificate;
    use elicence::trust::ca::{CertificateRequest, Role, issue, self_signed};
    use elicence::{Signer, SigningKey, UnixTime};
    include!("support/test_pki.rs");
}

const ORIGIN: &str = "verify.example.gov.cn/log";
const REGULATOR: &str = "11110108MB1234567C";

include!("support/registry_backends.rs");

fn at() -> UnixTime {
    UnixTime::parse_rfc3339("2025-03-01T09:00:00+08:00").unwrap()
}

fn resident_id(n: u32) -> String {
    let first17 = format!(
        "110105{:04}{:02}{:02}{:03}",
        1950 + n % 50,
        1 + n % 12,
        1 + n % 28,
        n % 1000
    );
    format!("{first17}{}", resident_id_check_char(&first17).unwrap())
}

fn driving_licence(n: u32) -> Licence {
    let id = resident_id(n);
    let json = include_str!("../examples/licences/driving-licence.json")
        .replace("110108199003071238", &id)
        .replace(
            "王小明",
            &format!("王{}", char::from_u32(0x4e00 + n % 2000).unwrap()),
        );
    Licence::from_json(&json).unwrap()
}

fn business_licence(name: &str, uscc: &str) -> Licence {
    let uscc = Uscc::with_computed_check(&uscc[..17]).unwrap();
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

/// A driving licence whose envelope is larger than verifiers accept: it
/// passes every check made before signing, and fails at signing.
fn oversized_licence(n: u32) -> Licence {
    let mut value = driving_licence(n).to_json_value();
    let face: Vec<serde_json::Value> = (0..40)
        .map(|i| serde_json::json!({ "label": format!("栏{i}"), "value": "长".repeat(60) }))
        .collect();
    value["face"] = face.into();
    Licence::from_json(&value.to_string()).unwrap()
}

fn police_key() -> IssuingKey {
    IssuingKey::new(SigningKey::from_seed(&[7; 32]), None).unwrap()
}

fn serial_of(identifier: &str) -> u64 {
    identifier.split('.').rev().nth(2).unwrap().parse().unwrap()
}

// ---------------------------------------------------------------------
// 1. Exactly-once and gapless serials.
// ---------------------------------------------------------------------

#[test]
fn empty_and_oversized_groups_write_nothing() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        assert!(
            registry
                .issue(&police_key(), vec![], at())
                .unwrap()
                .is_empty()
        );
        let licence = driving_licence(1);
        let requests: Vec<IssueRequest> = (0..=MAX_GROUP)
            .map(|i| IssueRequest::new(&format!("g{i}"), licence.clone()))
            .collect();
        let err = registry.issue(&police_key(), requests, at()).unwrap_err();
        eprintln!("MAX_GROUP+1: {err} ({})", err.code());
        assert_eq!(registry.log_head().unwrap().0, 0);
        assert!(registry.changed_since(0, 10).unwrap().is_empty());
    });
}

#[test]
fn a_failure_midway_through_a_group_leaves_no_gap() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let key = police_key();
        assert!(SignedLicence::sign(oversized_licence(2), key.signing_key(), at()).is_err());
        let group = vec![
            IssueRequest::new("m1", driving_licence(1)),
            IssueRequest::new("m2", oversized_licence(2)),
            IssueRequest::new("m3", driving_licence(3)),
        ];
        assert!(registry.issue(&key, group, at()).is_err());
        assert_eq!(registry.log_head().unwrap().0, 0);
        assert!(registry.licence_by_request("m1").unwrap().is_none());
        let issued = registry
            .issue(
                &key,
                vec![
                    IssueRequest::new("m1", driving_licence(1)),
                    IssueRequest::new("m3", driving_licence(3)),
                ],
                at(),
            )
            .unwrap();
        let serials: Vec<u64> = issued.iter().map(|i| serial_of(i.identifier())).collect();
        assert_eq!(serials, vec![1, 2]);
        assert_eq!(registry.log_head().unwrap().0, 2);
    });
}

#[test]
fn a_group_mixing_authorities_and_types_numbers_each_from_one() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let group = vec![
            IssueRequest::new("x1", driving_licence(1)),
            IssueRequest::new(
                "x2",
                business_licence("北京示例科技有限公司", "91110108MA0123456G"),
            ),
            IssueRequest::new("x3", driving_licence(2)),
            IssueRequest::new("x1", driving_licence(1)),
            IssueRequest::new(
                "x4",
                business_licence("北京样板商贸有限公司", "91110108MA01234570"),
            ),
        ];
        let issued = registry.issue(&police_key(), group, at()).unwrap();
        let serials: Vec<u64> = issued.iter().map(|i| serial_of(i.identifier())).collect();
        assert_eq!(serials, vec![1, 1, 2, 1, 2]);
        assert_eq!(issued[0].identifier(), issued[3].identifier());
        assert!(!issued[3].is_new());
        assert_eq!(registry.log_head().unwrap().0, 4);
        for i in issued.iter().take(3) {
            let leaf = registry.leaves(i.log_index(), 1).unwrap();
            assert_eq!(leaf.len(), 1);
        }
    });
}

/// A request id that comes again with another licence (a typo in a CSV's
/// id column, two clerks choosing the same id) is answered with the first
/// licence: the second holder is silently given someone else's licence.
#[test]
fn a_reused_request_id_with_another_licence_is_refused_not_answered_with_the_first() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let key = police_key();
        let issued = registry.issue(
            &key,
            vec![
                IssueRequest::new("same", driving_licence(1)),
                IssueRequest::new("same", driving_licence(2)),
            ],
            at(),
        );
        match issued {
            Err(e) => assert_eq!(e.code(), "request_id_reused", "{e}"),
            Ok(issued) => panic!("answered Ok: {} licences", issued.len()),
        }
        // Nothing of the refused group was written.
        assert!(registry.licence_by_request("same").unwrap().is_none());
        assert_eq!(registry.log_head().unwrap().0, 0);
    });
}

#[test]
fn a_reused_request_id_across_groups_with_another_licence_is_refused() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let key = police_key();
        registry
            .issue(&key, vec![IssueRequest::new("r", driving_licence(1))], at())
            .unwrap();
        let again = registry.issue(&key, vec![IssueRequest::new("r", driving_licence(2))], at());
        match again {
            Err(e) => assert_eq!(e.code(), "request_id_reused", "{e}"),
            Ok(issued) => panic!("answered Ok: {:?}", issued[0].identifier()),
        }
        // The same id with the same licence is still answered.
        let same = registry
            .issue(&key, vec![IssueRequest::new("r", driving_licence(1))], at())
            .unwrap();
        assert!(!same[0].is_new());
    });
}

/// Several `Registry::open` on one PostgreSQL database, in threads: shared
/// request ids, status changes and publishing at once. No duplicate, no
/// gap, a leaf for every licence and change and nothing else, and no
/// status change lost by a concurrent publish.
#[test]
fn concurrent_writers_on_postgres_stay_exactly_once_and_gapless() {
    let Some(url) = postgres_database() else {
        eprintln!("skipped: ELICENCE_TEST_POSTGRES is not set");
        return;
    };
    Registry::create(&url, ORIGIN).unwrap();
    let pki = test_pki::TestPki::new();
    let (status_key, status_cert) = pki.status_signer(42, "北京市海淀区市场监督管理局", REGULATOR);
    let chain = vec![status_cert, pki.mid.clone()];
    let licence_for = |n: u32| {
        let uscc = format!("91110108MA{:07}", 100_000 + n);
        business_licence(&format!("并发{n}有限公司"), &format!("{uscc}0"))
    };
    let rounds = 12u32;
    let writers = 4u32;
    let stop = std::sync::atomic::AtomicBool::new(false);
    let last_token: std::sync::Mutex<Option<SignedStatusList>> = std::sync::Mutex::new(None);
    std::thread::scope(|scope| {
        let publisher = scope.spawn(|| {
            let mut registry = Registry::open(&url).unwrap();
            while !stop.load(Ordering::SeqCst) {
                match registry.publish(&status_key, &chain, "https://s.example/st", at(), 60, false)
                {
                    Ok(lists) => {
                        if let Some(l) = lists.into_iter().last() {
                            *last_token.lock().unwrap() = Some(l.token);
                        }
                    }
                    Err(e) => eprintln!("publish: {e}"),
                }
            }
        });
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let url = &url;
                scope.spawn(move || {
                    let mut registry = Registry::open(url).unwrap();
                    let key = police_key();
                    for round in 0..rounds {
                        // Ids shared by every writer, and one of its own.
                        let mut group: Vec<IssueRequest> = (0..4)
                            .map(|k| {
                                let n = round * 4 + k;
                                IssueRequest::new(&format!("shared-{n}"), licence_for(n))
                            })
                            .collect();
                        let own = 10_000 + w * 1000 + round;
                        group.push(IssueRequest::new(&format!("own-{own}"), licence_for(own)));
                        let issued = loop {
                            match registry.issue(&key, group.clone(), at()) {
                                Ok(issued) => break issued,
                                Err(e) if e.code() == "conflict" => continue,
                                Err(e) => panic!("issue: {e}"),
                            }
                        };
                        let target = issued[(w as usize + round as usize) % issued.len()]
                            .identifier()
                            .to_owned();
                        let status = if round % 2 == 0 {
                            LicenceStatus::Suspended
                        } else {
                            LicenceStatus::Valid
                        };
                        match registry.set_status(&target, status, "并发", "w", at()) {
                            Ok(_) | Err(RegistryError::StatusTransition { .. }) => {}
                            Err(e) if e.code() == "conflict" => {}
                            Err(e) => panic!("set_status: {e}"),
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        stop.store(true, Ordering::SeqCst);
        publisher.join().unwrap();
    });

    let mut registry = Registry::open(&url).unwrap();
    let entries = registry.changed_since(0, 10_000).unwrap();
    let expected = (rounds * 4 + writers * rounds) as usize;
    assert_eq!(entries.len(), expected);
    let mut serials: Vec<u64> = entries.iter().map(|e| serial_of(&e.identifier)).collect();
    serials.sort_unstable();
    assert_eq!(serials, (1..=expected as u64).collect::<Vec<_>>());
    // Every leaf is a licence's issuance or a recorded status change.
    let mut indices: HashSet<u64> = HashSet::new();
    let mut changes = 0usize;
    for e in &entries {
        assert!(indices.insert(e.log_index));
        for h in registry.status_history(&e.identifier).unwrap() {
            assert!(indices.insert(h.log_index));
            changes += 1;
        }
    }
    let size = registry.log_head().unwrap().0;
    assert_eq!(size as usize, expected + changes);
    assert_eq!(indices, (0..size).collect::<HashSet<_>>());
    assert_eq!(
        registry.leaves(0, size).unwrap().len() as u64,
        size.min(256)
    );
    // No change lost by a concurrent publish: either the list is still
    // dirty, or the last token published shows every status.
    let again = registry
        .publish(&status_key, &chain, "https://s.example/st", at(), 60, false)
        .unwrap();
    if again.is_empty() {
        let token = last_token.lock().unwrap().clone().expect("a token");
        for e in &entries {
            let row = registry.licence(&e.identifier).unwrap().unwrap();
            assert_eq!(
                token.list().status(row.status_index).unwrap().code(),
                row.status,
                "{} lost its status change to a concurrent publish",
                e.identifier
            );
        }
    }
}

// ---------------------------------------------------------------------
// 2. Status changes.
// ---------------------------------------------------------------------

#[test]
fn final_statuses_stay_final_and_unknown_identifiers_are_typed() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let issued = registry
            .issue(
                &police_key(),
                (0..8)
                    .map(|n| IssueRequest::by_content(driving_licence(n)))
                    .collect(),
                at(),
            )
            .unwrap();
        let finals = [
            LicenceStatus::Revoked,
            LicenceStatus::Cancelled,
            LicenceStatus::Lapsed,
            LicenceStatus::TransferredOut,
            LicenceStatus::Withdrawn,
        ];
        for (i, status) in finals.iter().enumerate() {
            let id = issued[i].identifier();
            registry.set_status(id, *status, "r", "o", at()).unwrap();
            for to in [
                LicenceStatus::Valid,
                LicenceStatus::Suspended,
                LicenceStatus::Other,
                LicenceStatus::Revoked,
            ] {
                assert!(
                    registry.set_status(id, to, "r", "o", at()).is_err(),
                    "{status:?} -> {to:?}"
                );
            }
        }
        let id = issued[6].identifier();
        assert!(
            registry
                .set_status(id, LicenceStatus::Valid, "r", "o", at())
                .is_err()
        );
        for bad in ["", "1.2.3", &"9".repeat(100_000), "x\u{0}"] {
            match registry.set_status(bad, LicenceStatus::Revoked, "r", "o", at()) {
                Err(RegistryError::UnknownLicence { .. }) => {}
                other => panic!("{bad:.20?}: {other:?}"),
            }
        }
        let size = registry.log_head().unwrap().0;
        assert_eq!(size, 8 + 5);
    });
}

/// `check_text` counts the trimmed text but the untrimmed text is stored:
/// a one-character reason padded with a megabyte of spaces passes the
/// 500-character limit.
#[test]
fn a_whitespace_padded_reason_does_not_bypass_the_length_limit() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let issued = registry
            .issue(
                &police_key(),
                vec![IssueRequest::by_content(driving_licence(1))],
                at(),
            )
            .unwrap();
        let reason = format!("x{}", " ".repeat(1_000_000));
        let result = registry.set_status(
            issued[0].identifier(),
            LicenceStatus::Suspended,
            &reason,
            "o",
            at(),
        );
        let stored = registry
            .status_history(issued[0].identifier())
            .unwrap()
            .first()
            .map(|h| h.reason.len());
        assert!(
            matches!(result, Err(RegistryError::StatusText { .. })),
            "accepted; stored reason is {stored:?} bytes (limit {} characters)",
            elicence::registry::MAX_REASON_CHARS
        );
    });
}

/// Control characters (NUL, escape sequences, newlines) in reason or
/// operator are refused as `status_text`, not stored (SQLite) or failed as
/// a database error (PostgreSQL refuses NUL in text).
#[test]
fn control_characters_in_reason_or_operator_are_refused() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let issued = registry
            .issue(
                &police_key(),
                vec![IssueRequest::by_content(driving_licence(1))],
                at(),
            )
            .unwrap();
        let id = issued[0].identifier();
        for (reason, operator) in [
            ("a\u{0}b", "o"),
            ("r", "\u{1b}[2J\u{1b}[31m管理员"),
            ("line1\nFORGED: revoked by 局长", "o"),
        ] {
            let result = registry.set_status(id, LicenceStatus::Suspended, reason, operator, at());
            let code = result.as_ref().map_or_else(|e| e.code(), |_| "accepted");
            if result.is_ok() {
                registry
                    .set_status(id, LicenceStatus::Valid, "undo", "o", at())
                    .unwrap();
            }
            assert_eq!(
                code, "status_text",
                "reason {reason:?} operator {operator:?}"
            );
        }
    });
}

// ---------------------------------------------------------------------
// 3. Look-up.
// ---------------------------------------------------------------------

fn lookup_registry(location: &str) -> Registry {
    let mut registry = Registry::create(location, ORIGIN).unwrap();
    let names = [
        ("北京示例科技有限公司", "91110108MA0123456G"),
        ("A%B_C\\D\"E*F有限公司", "91110108MA01234570"),
        ("AxBxCxDxExF有限公司", "91110108MA01234581"),
        ("ABC贸易有限公司", "91110108MA01234592"),
    ];
    let mut requests: Vec<IssueRequest> = names
        .iter()
        .map(|(n, u)| IssueRequest::by_content(business_licence(n, u)))
        .collect();
    for n in 0..3 {
        requests.push(IssueRequest::by_content(driving_licence(n)));
    }
    registry.issue(&police_key(), requests, at()).unwrap();
    registry
}

fn names(page: &elicence::registry::LookupPage) -> Vec<String> {
    page.licences
        .iter()
        .map(|e| e.holder_name.clone())
        .collect()
}

#[test]
fn like_and_fts_metacharacters_match_literally() {
    each_backend(|location| {
        let mut registry = lookup_registry(location);
        let literal = "A%B_C\\D\"E*F有限公司".to_owned();
        for q in ["%B_", "_C\\", "\\D\"", "\"E*", "E*F", "%B_C\\D\"E*F"] {
            let page = registry
                .lookup_by_name(&NameMatch::Contains(q.to_owned()), None, 10)
                .unwrap_or_else(|e| panic!("{q:?}: {e}"));
            assert_eq!(names(&page), vec![literal.clone()], "contains {q:?}");
        }
        for q in ["A%", "A_", "A%B_C\\"] {
            let page = registry
                .lookup_by_name(&NameMatch::Prefix(q.to_owned()), None, 10)
                .unwrap();
            let want: Vec<String> = if q == "A_" {
                vec![]
            } else {
                vec![literal.clone()]
            };
            assert_eq!(names(&page), want, "prefix {q:?}");
        }
        for q in ["%%%", "___", "***", "\"\"\"", "\\\\\\", "有限公"] {
            let page = registry
                .lookup_by_name(&NameMatch::Contains(q.to_owned()), None, 100)
                .unwrap();
            assert!(
                page.licences.iter().all(|e| e.holder_name.contains(q)),
                "contains {q:?}: {:?}",
                names(&page)
            );
            assert!(
                page.licences
                    .iter()
                    .all(|e| e.holder_kind == "organisation")
            );
        }
        // Bounds: empty, short, long, control characters: typed errors.
        for q in [
            NameMatch::Prefix(String::new()),
            NameMatch::Contains("有限".to_owned()),
            NameMatch::Contains("a".to_owned()),
            NameMatch::Prefix("有".repeat(65)),
            NameMatch::Contains("x".repeat(1_000_000)),
            NameMatch::Prefix("北京\u{0}".to_owned()),
            NameMatch::Contains("示例\u{0}科".to_owned()),
        ] {
            match registry.lookup_by_name(&q, None, 10) {
                Err(e) => assert_eq!(e.code(), "query", "{q:.40?}"),
                Ok(p) => panic!("{q:.40?}: {:?}", names(&p)),
            }
        }
        // Limits 0 and u32::MAX are clamped.
        let one = registry
            .lookup_by_name(&NameMatch::Contains("有限公".to_owned()), None, 0)
            .unwrap();
        assert_eq!(one.licences.len(), 1);
        assert!(one.next.is_some());
        let all = registry
            .lookup_by_name(&NameMatch::Contains("有限公".to_owned()), None, u32::MAX)
            .unwrap();
        assert_eq!(all.licences.len(), 4);
        assert!(all.licences.len() <= MAX_PAGE as usize);
        assert!(registry.changed_since(0, u32::MAX).unwrap().len() == 7);
        assert!(registry.changed_since(0, 0).unwrap().len() == 1);
    });
}

/// The substring look-up is case-sensitive on PostgreSQL (`LIKE`) and the
/// prefix look-up on both; SQLite's trigram FTS folds ASCII case, so the
/// backends give different answers to one query.
#[test]
fn substring_lookup_is_case_sensitive_like_prefix_lookup_on_every_backend() {
    each_backend(|location| {
        let mut registry = lookup_registry(location);
        let prefix = registry
            .lookup_by_name(&NameMatch::Prefix("abc".to_owned()), None, 10)
            .unwrap();
        let contains = registry
            .lookup_by_name(&NameMatch::Contains("abc".to_owned()), None, 10)
            .unwrap();
        assert_eq!(names(&prefix), Vec::<String>::new());
        assert_eq!(
            names(&contains),
            Vec::<String>::new(),
            "contains \"abc\" matched ABC贸易有限公司"
        );
    });
}

/// A forged `after` (or `since`) past every log index is a caller's value,
/// not corrupt storage: an empty page, not `StoreError::Corrupt`.
#[test]
fn a_forged_after_past_the_log_is_an_empty_page_not_corruption() {
    each_backend(|location| {
        let mut registry = lookup_registry(location);
        let uscc = Uscc::with_computed_check("91110108MA0123456").unwrap();
        for after in [Some(0), Some(6), Some(1 << 40), Some(u64::MAX)] {
            let by_uscc = registry.lookup_by_uscc(&uscc, after, 10);
            let by_name = registry.lookup_by_name(&NameMatch::Prefix("北京".to_owned()), after, 10);
            for (what, result) in [("uscc", by_uscc), ("name", by_name)] {
                match result {
                    Ok(page) => assert!(page.next.is_none(), "{what} after {after:?}"),
                    Err(e) => panic!("{what} after {after:?}: {e} ({})", e.code()),
                }
            }
        }
        for since in [7, u64::MAX] {
            match registry.changed_since(since, 10) {
                Ok(entries) => assert!(entries.is_empty()),
                Err(e) => panic!("changed_since({since}): {e} ({})", e.code()),
            }
        }
        match registry.leaves(u64::MAX - 1, 10) {
            Ok(leaves) => assert!(leaves.is_empty()),
            Err(e) => panic!("leaves(u64::MAX - 1): {e} ({})", e.code()),
        }
    });
}

/// A person's identity number must not appear in full anywhere public: a
/// licence number that contains it (a prefix, a suffix) is shown as is.
#[test]
fn a_persons_id_number_does_not_leak_through_the_licence_number() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let id = resident_id(5);
        let mut requests = Vec::new();
        for (k, number) in [id.to_string(), format!("D{id}"), format!("{id}-01")]
            .iter()
            .enumerate()
        {
            let mut value = driving_licence(5).to_json_value();
            value["number"] = number.clone().into();
            let licence = Licence::from_json(&value.to_string()).unwrap();
            requests.push(IssueRequest::new(&format!("p{k}"), licence));
        }
        registry.issue(&police_key(), requests, at()).unwrap();
        let entries = registry.changed_since(0, 100).unwrap();
        assert_eq!(entries.len(), 3);
        let mut leaks = Vec::new();
        for e in &entries {
            let json = serde_json::to_string(e).unwrap();
            let csv = e.csv_fields().join(",");
            if json.contains(&id) || csv.contains(&id) {
                leaks.push(e.number.clone());
            }
        }
        assert!(leaks.is_empty(), "full ID number {id} shown in: {leaks:?}");
        // Persons are never found by look-up, even by their own code.
        if let Ok(as_uscc) = id.parse::<Uscc>() {
            let page = registry.lookup_by_uscc(&as_uscc, None, 10).unwrap();
            assert!(page.licences.is_empty());
        }
        let page = registry
            .lookup_by_name(&NameMatch::Prefix("王".to_owned()), None, 10)
            .unwrap();
        assert!(page.licences.is_empty());
    });
}

// ---------------------------------------------------------------------
// 4. Batch input.
// ---------------------------------------------------------------------

fn line_of(licence: &Licence) -> String {
    licence.to_json_value().to_string()
}

fn by_content_id(licence: &Licence) -> String {
    IssueRequest::by_content(licence.clone())
        .request_id()
        .to_owned()
}

fn run(location: &str, path: &std::path::Path, format: BatchFormat, chunk: u64) -> (u64, u64) {
    let mut registry = Registry::open(location).unwrap();
    let plan = plan_batch(path, format, chunk).unwrap();
    let summary = run_batch(
        &mut registry,
        &police_key(),
        &plan,
        &BatchOptions::new(at()),
        &mut |_| {},
    )
    .unwrap();
    (summary.progress.issued, summary.rejected_in_job)
}

/// A blank line longer than `MAX_RECORD_BYTES` is no record to the plan
/// but takes a record's place when its chunk is read: the record after it
/// in the chunk is never issued nor rejected, and the job reports done.
#[test]
fn an_overlong_blank_line_does_not_swallow_the_next_record() {
    each_backend(|location| {
        Registry::create(location, ORIGIN).unwrap();
        let dir = scratch();
        let path = dir.join("blank.jsonl");
        let (a, b, c) = (driving_licence(1), driving_licence(2), driving_licence(3));
        let text = format!(
            "{}\n{}\n{}\n{}\n",
            line_of(&a),
            " ".repeat(300 * 1024),
            line_of(&b),
            line_of(&c)
        );
        std::fs::write(&path, text).unwrap();
        let plan = plan_batch(&path, BatchFormat::Jsonl, 2).unwrap();
        assert_eq!(plan.records(), 3);
        let (issued, rejected) = run(location, &path, BatchFormat::Jsonl, 2);
        let mut registry = Registry::open(location).unwrap();
        let b_done = registry
            .licence_by_request(&by_content_id(&b))
            .unwrap()
            .is_some();
        assert!(
            b_done,
            "record 3 (line 3) lost: issued {issued}, rejected {rejected}, job done"
        );
    });
}

/// The job is named by the file's hash, but while it runs only the file's
/// length is checked: a same-length edit between planning and a chunk is
/// issued under the old job, mixing two inputs.
#[test]
fn a_same_length_edit_under_a_job_is_refused_not_mixed() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let dir = scratch();
        let path = dir.join("edit.jsonl");
        let text: String = (0..4)
            .map(|n| format!("{}\n", line_of(&driving_licence(n))))
            .collect();
        std::fs::write(&path, &text).unwrap();
        let plan = plan_batch(&path, BatchFormat::Jsonl, 2).unwrap();
        // Same length: one CJK character for another (3 bytes each).
        let edited = text.replace('王', "李");
        assert_eq!(edited.len(), text.len());
        std::fs::write(&path, &edited).unwrap();
        let result = run_batch(
            &mut registry,
            &police_key(),
            &plan,
            &BatchOptions::new(at()),
            &mut |_| {},
        );
        match result {
            Err(RegistryError::BatchChanged { .. }) => {}
            Err(e) => panic!("{e}"),
            Ok(summary) => {
                let entries = registry.changed_since(0, 100).unwrap();
                panic!(
                    "job {} (hash of the old file) issued {} licences of the edited file: {:?}",
                    plan.job(),
                    summary.progress.issued,
                    entries.iter().map(|e| &e.holder_name).collect::<Vec<_>>()
                );
            }
        }
    });
}

/// A licence that passes every check but is too large to sign fails its
/// whole chunk, on every rerun: the job can never finish and the other
/// records of the chunk are never issued. It should be a reject.
#[test]
fn an_unsignable_record_is_rejected_not_a_poison_chunk() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let dir = scratch();
        let path = dir.join("poison.jsonl");
        let text = format!(
            "{}\n{}\n{}\n",
            line_of(&driving_licence(1)),
            line_of(&oversized_licence(2)),
            line_of(&driving_licence(3))
        );
        assert!(text.len() < 200 * 1024);
        std::fs::write(&path, &text).unwrap();
        let plan = plan_batch(&path, BatchFormat::Jsonl, 100).unwrap();
        for attempt in 0..2 {
            let result = run_batch(
                &mut registry,
                &police_key(),
                &plan,
                &BatchOptions::new(at()),
                &mut |_| {},
            );
            match result {
                Ok(summary) => {
                    assert_eq!(summary.rejected_in_job, 1);
                    return;
                }
                Err(e) => eprintln!("attempt {attempt}: {e} ({})", e.code()),
            }
        }
        panic!(
            "the job fails on every run; {} of 2 good records issued",
            registry.changed_since(0, 10).unwrap().len()
        );
    });
}

#[test]
fn crlf_bom_no_trailing_newline_and_empty_inputs() {
    each_backend(|location| {
        Registry::create(location, ORIGIN).unwrap();
        let dir = scratch();
        // JSONL: CRLF line ends and no final newline.
        let path = dir.join("crlf.jsonl");
        let text = format!(
            "{}\r\n\r\n{}",
            line_of(&driving_licence(1)),
            line_of(&driving_licence(2))
        );
        std::fs::write(&path, text).unwrap();
        assert_eq!(run(location, &path, BatchFormat::Jsonl, 1), (2, 0));
        // Empty files.
        for (name, format) in [
            ("empty.jsonl", BatchFormat::Jsonl),
            ("empty.csv", BatchFormat::Csv),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, "").unwrap();
            match plan_batch(&path, format, 10) {
                Ok(plan) => {
                    assert_eq!(plan.records(), 0);
                    assert_eq!(run(location, &path, format, 10), (0, 0));
                }
                Err(e) => assert_eq!(e.code(), "batch_input", "{name}: {e}"),
            }
        }
        // A CSV with a BOM, CRLF and no final newline.
        let path = dir.join("bom.csv");
        let mut csv = String::from(
            "\u{feff}request_id,type_code,number,holder_name,holder_id_type,holder_id_number,issuer_name,issuer_code,issue_date,valid_from,valid_until\r\n",
        );
        for n in 10..13u32 {
            let id = resident_id(n);
            csv.push_str(&format!(
                "bom-{n},111000000000222224001,{id},王{n},resident_identity_card,{id},北京市公安局公安交通管理局,111100000000213452,2024-05-06,2024-05-06,2030-05-06\r\n"
            ));
        }
        csv.truncate(csv.len() - 2);
        std::fs::write(&path, csv).unwrap();
        let (issued, rejected) = run(location, &path, BatchFormat::Csv, 2);
        let mut registry = Registry::open(location).unwrap();
        assert_eq!(
            (issued, rejected),
            (3, 0),
            "BOM CSV: {:?}",
            plan_batch(&path, BatchFormat::Csv, 2).map(|p| p.records())
        );
        assert!(registry.licence_by_request("bom-10").unwrap().is_some());
        // Invalid UTF-8: a JSONL line is a reject; a CSV is a typed error.
        let path = dir.join("bad.jsonl");
        let mut bytes = format!("{}\n", line_of(&driving_licence(20))).into_bytes();
        bytes.extend_from_slice(b"{\"x\": \"\xff\xfe\"}\n");
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(run(location, &path, BatchFormat::Jsonl, 10), (1, 1));
        let path = dir.join("bad.csv");
        std::fs::write(&path, b"request_id,number\nx,\xff\xfe\n").unwrap();
        match plan_batch(&path, BatchFormat::Csv, 10) {
            Err(e) => assert_eq!(e.code(), "batch_input"),
            Ok(plan) => {
                let r = run_batch(
                    &mut registry,
                    &police_key(),
                    &plan,
                    &BatchOptions::new(at()),
                    &mut |_| {},
                );
                assert!(r.is_ok() || r.unwrap_err().code() == "batch_input");
            }
        }
    });
}

/// A 10 MB line is one reject, and the records around it are issued.
#[test]
fn a_ten_megabyte_line_is_one_reject() {
    each_backend(|location| {
        Registry::create(location, ORIGIN).unwrap();
        let dir = scratch();
        let path = dir.join("huge.jsonl");
        let text = format!(
            "{}\n{{\"x\":\"{}\"}}\n{}\n",
            line_of(&driving_licence(1)),
            "a".repeat(10 << 20),
            line_of(&driving_licence(2))
        );
        std::fs::write(&path, text).unwrap();
        assert_eq!(run(location, &path, BatchFormat::Jsonl, 2), (2, 1));
    });
}

/// A JSONL file whose first line starts with a UTF-8 BOM (as Windows tools
/// write): the first record should not be lost to "not JSON".
#[test]
fn a_jsonl_bom_does_not_reject_the_first_record() {
    each_backend(|location| {
        Registry::create(location, ORIGIN).unwrap();
        let dir = scratch();
        let path = dir.join("bom.jsonl");
        let text = format!(
            "\u{feff}{}\n{}\n",
            line_of(&driving_licence(1)),
            line_of(&driving_licence(2))
        );
        std::fs::write(&path, text).unwrap();
        assert_eq!(run(location, &path, BatchFormat::Jsonl, 10), (2, 0));
    });
}

/// Two CSV rows with one request id and different holders: the second row
/// is counted "already" and its line in the codes file is the first
/// holder's licence.
#[test]
fn a_csv_with_one_request_id_for_two_holders_does_not_hand_out_the_wrong_code() {
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let dir = scratch();
        let path = dir.join("dup.csv");
        let mut csv = String::from(
            "request_id,type_code,number,holder_name,holder_id_type,holder_id_number,issuer_name,issuer_code,issue_date,valid_from,valid_until\n",
        );
        for n in [30u32, 31] {
            let id = resident_id(n);
            csv.push_str(&format!(
                "dup-1,111000000000222224001,{id},王{n},resident_identity_card,{id},北京市公安局公安交通管理局,111100000000213452,2024-05-06,2024-05-06,2030-05-06\n"
            ));
        }
        std::fs::write(&path, csv).unwrap();
        let plan = plan_batch(&path, BatchFormat::Csv, 10).unwrap();
        let summary = run_batch(
            &mut registry,
            &police_key(),
            &plan,
            &BatchOptions::new(at()),
            &mut |_| {},
        )
        .unwrap();
        let mut out = Vec::new();
        let base = QrBase::new("https://v.example/c/").unwrap();
        write_codes(&mut registry, &plan, &base, &mut out, &mut |_| Ok(())).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            summary.rejected_in_job == 1 || lines[0] != lines[1],
            "row 3 (王31) got 王30's code; issued {}, rejected {}",
            summary.progress.issued,
            summary.rejected_in_job
        );
    });
}

// ---------------------------------------------------------------------
// 5. PostgreSQL specifics.
// ---------------------------------------------------------------------

#[cfg(feature = "postgres")]
#[test]
fn postgres_errors_never_show_the_password_and_tls_is_never_downgraded() {
    let server = std::env::var("ELICENCE_TEST_POSTGRES")
        .ok()
        .and_then(|u| u.split_once("@").map(|(_, rest)| rest.to_owned()));
    let hostport = server
        .as_deref()
        .and_then(|s| s.split_once('/').map(|(h, _)| h.to_owned()))
        .unwrap_or_else(|| "127.0.0.1:1".to_owned());
    let mut urls = vec![
        "postgres://u:s3cret-pw@127.0.0.1:99999/x".to_owned(),
        "postgres://u:s3cret-pw@[::1/x".to_owned(),
        "postgres://u:s3cret-pw%zz@127.0.0.1:1/x?connect_timeout=1".to_owned(),
        "postgres://u:s3cret-pw@127.0.0.1:1/x?sslmode=s3cret-pw".to_owned(),
        "postgres://u:s3cret-pw@127.0.0.1:1/x?s3cret-pw=1".to_owned(),
        "postgres://u:s3cret-pw@127.0.0.1:1/x?connect_timeout=s3cret-pw".to_owned(),
        "postgres://u:s3cret-pw@127.0.0.1:1/x?options=s3cret-pw&connect_timeout=1".to_owned(),
        "postgres://u@127.0.0.1:1/x?password=s3cret-pw&connect_timeout=1".to_owned(),
        format!("postgres://nosuchuser:s3cret-pw@{hostport}/postgres"),
        format!("postgres://elicence:s3cret-pw@{hostport}/postgres?options=-c%20s3cret-pw%3D1"),
    ];
    urls.push(format!(
        "postgres://elicence:s3cret-pw@{hostport}/postgres?sslmode=require"
    ));
    for url in &urls {
        for result in [Registry::open(url), Registry::create(url, ORIGIN)] {
            match result {
                Err(e) => {
                    let text = format!("{e} {e:?}");
                    assert!(!text.contains("s3cret-pw"), "{url}: {text}");
                }
                Ok(_) => panic!("{url}: opened"),
            }
        }
    }
    // sslmode=require to a server without TLS: refused, never sent in clear.
    if server.is_some() {
        let url = format!("postgres://elicence@{hostport}/postgres?sslmode=require");
        let err = Registry::open(&url).unwrap_err();
        eprintln!("sslmode=require: {err}");
        assert_eq!(err.code(), "database");
    }
}

#[cfg(feature = "postgres")]
#[test]
fn a_postgres_database_with_other_objects_is_not_taken_over() {
    let cases = [
        "CREATE SCHEMA app; CREATE TABLE app.payroll (id int)",
        "CREATE VIEW payroll AS SELECT 1 AS id",
        "CREATE SEQUENCE invoice_numbers",
        "CREATE TABLE licences (x int)",
    ];
    let mut taken = Vec::new();
    for setup in cases {
        let Some(url) = postgres_database() else {
            return;
        };
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client.batch_execute(setup).unwrap();
        let result = Registry::create(&url, ORIGIN);
        let tables: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'",
                &[],
            )
            .unwrap()
            .get(0);
        match result {
            Err(e) => eprintln!("{setup}: refused: {e} ({})", e.code()),
            Ok(_) => taken.push(format!("{setup} ({tables} tables in public)")),
        }
    }
    assert!(taken.is_empty(), "created beside: {taken:?}");
}

// ---------------------------------------------------------------------
// 6. Log.
// ---------------------------------------------------------------------

#[test]
fn receipts_bind_one_licence_and_survive_status_changes() {
    use elicence::log::note::NoteSigner;
    use elicence::log::{self, receipt};
    each_backend(|location| {
        let mut registry = Registry::create(location, ORIGIN).unwrap();
        let signer = NoteSigner::new(ORIGIN, SigningKey::from_seed(&[9; 32])).unwrap();
        let verifier = signer.verifier();
        let issued = registry
            .issue(
                &police_key(),
                (0..5)
                    .map(|n| IssueRequest::by_content(driving_licence(n)))
                    .collect(),
                at(),
            )
            .unwrap();
        registry
            .set_status(
                issued[2].identifier(),
                LicenceStatus::Revoked,
                "r",
                "o",
                at(),
            )
            .unwrap();
        registry.sign_checkpoint(&signer).unwrap();
        let mut receipts: HashMap<usize, receipt::Receipt> = HashMap::new();
        for (i, item) in issued.iter().enumerate() {
            let row = registry.licence(item.identifier()).unwrap().unwrap();
            let r = registry.receipt(&row).unwrap();
            let text = r.to_text();
            let parsed = receipt::Receipt::from_text(&text).unwrap();
            log::verify_licence_receipt(item.envelope(), &parsed, &verifier).unwrap();
            receipts.insert(i, parsed);
        }
        for (i, r) in &receipts {
            for (j, other) in issued.iter().enumerate() {
                if i != &j {
                    assert!(log::verify_licence_receipt(other.envelope(), r, &verifier).is_err());
                }
            }
        }
        // A row pointed at the status-change leaf gives no licence receipt.
        let mut row = registry.licence(issued[2].identifier()).unwrap().unwrap();
        row.log_index = row.last_change;
        let r = registry.receipt(&row).unwrap();
        assert!(log::verify_licence_receipt(issued[2].envelope(), &r, &verifier).is_err());
    });
}

/// A later job (another file) reusing an earlier job's request id for
/// another licence: that record is rejected, the rest of its chunk issued,
/// and its line in the codes file stays empty rather than carrying the
/// earlier licence's code.
#[test]
fn a_later_job_reusing_an_id_for_another_licence_rejects_that_record_only() {
    each_backend(|location| {
        Registry::create(location, ORIGIN).unwrap();
        let dir = scratch();
        let wrap = |id: &str, licence: &Licence| {
            serde_json::json!({ "request_id": id, "licence": licence.to_json_value() }).to_string()
        };
        let first = dir.join("first.jsonl");
        std::fs::write(
            &first,
            format!("{}\n", wrap("clerk-7", &driving_licence(1))),
        )
        .unwrap();
        assert_eq!(run(location, &first, BatchFormat::Jsonl, 10), (1, 0));

        let second = dir.join("second.jsonl");
        std::fs::write(
            &second,
            format!(
                "{}\n{}\n{}\n",
                wrap("clerk-8", &driving_licence(3)),
                wrap("clerk-7", &driving_licence(2)),
                wrap("clerk-9", &driving_licence(4)),
            ),
        )
        .unwrap();
        assert_eq!(run(location, &second, BatchFormat::Jsonl, 10), (2, 1));

        let mut registry = Registry::open(location).unwrap();
        let plan = plan_batch(&second, BatchFormat::Jsonl, 10).unwrap();
        let mut out = Vec::new();
        let written = write_codes(
            &mut registry,
            &plan,
            &QrBase::default(),
            &mut out,
            &mut |_| Ok(()),
        )
        .unwrap();
        assert_eq!(written, 2);
        let lines: Vec<&str> = std::str::from_utf8(&out).unwrap().lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(!lines[0].is_empty() && lines[1].is_empty() && !lines[2].is_empty());
        // clerk-7 still names the first job's licence.
        let row = registry.licence_by_request("clerk-7").unwrap().unwrap();
        assert_eq!(row.holder_code, resident_id(1));
    });
}
