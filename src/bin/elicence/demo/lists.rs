//! The demo's trust-at-scale steps: a trust-list signer and status-list
//! signers certified by the demo intermediate, one signed trust list naming
//! every certificate with its role (and an older one, for a rollback), the
//! authorities' status lists with one licence revoked, and a verifier that
//! holds the root, the trust list and the status lists and nothing else.
//!
//! Written under `OUT/pki/` (the trust lists and signer certificates) and
//! `OUT/status/<authority code>/` (the status lists, their signer's
//! certificate and chain, and the entries an independent decoder must find
//! in them).

use std::path::{Path, PathBuf};

use elicence::status::{LicenceStatus, MIN_LIST_ENTRIES, SignedStatusList, StatusList};
use elicence::trust::ca::{self, CertificateRequest, Role};
use elicence::trust::list::{EntryState, SignedTrustList, TrustList, TrustListEntry};
use elicence::trust::{CertRole, Certificate, TrustStore};
use elicence::{Licence, SignedLicence, Signer, SigningKey, UnixTime, Verdict, Verifier, qr};

use super::trust::{
    AUTHORITIES, HEALTH_COMMISSION, MARKET_REGULATOR, ROTATION, TRAFFIC_POLICE, ca_failure,
    demo_key, demo_serial, pki_dir, root_path, time, trust_dir,
};
use super::{Demo, EXAMPLES, cose_path, example_licence, qr_path, shell_quote, write_demo_key};
use crate::CliError;
use crate::files::{create_dir, write_atomic};

/// Who publishes the trust list.
const PUBLISHER_NAME: &str = "北京市政务服务和数据管理局";
const PUBLISHER_CODE: &str = "11110000MB0345678Q";
const SIGNER_VALIDITY: (&str, &str) = ("2024-01-01T00:00:00+08:00", "2030-01-01T00:00:00+08:00");
/// Where the authorities publish their status lists.
const STATUS_HOST: &str = "https://verify.example.gov.cn/status";
/// The licence the market regulator revokes, by its entry in list 1.
const REVOKED_INDEX: u32 = 90_210;
/// The status entry of the demo's expired licence (in force: 01).
const EXPIRED_INDEX: u32 = 7;
/// How long a status list may be cached: a day.
const STATUS_TTL_SECS: u64 = 86_400;
/// The trust list is due again in a week.
const TRUST_LIST_DAYS: i64 = 7;

/// The authorities that publish status lists (their licences carry
/// references), with the licence type each may sign.
const STATUS_PUBLISHERS: [usize; 2] = [MARKET_REGULATOR, HEALTH_COMMISSION];

/// What the list steps share.
#[derive(Default)]
pub struct State {
    /// The verifier holding the root, the trust list and the status lists.
    pub(super) verifier: Option<Verifier>,
    trust_list: Vec<u8>,
    older_trust_list: Vec<u8>,
    status_files: Vec<PathBuf>,
    seal_maker: Option<(SigningKey, Certificate)>,
}

/// `OUT/pki/trust-list.cose`.
fn trust_list_path(out: &Path) -> PathBuf {
    pki_dir(out).join("trust-list.cose")
}

fn status_dir(out: &Path, code: &str) -> PathBuf {
    out.join("status").join(code)
}

/// The URI base of an authority's status lists.
fn status_base(code: &str) -> String {
    format!("{STATUS_HOST}/{code}")
}

/// The licence type codes each authority may sign: its examples' types.
fn allowed_types(authority: usize) -> Result<Vec<elicence::LicenceTypeCode>, CliError> {
    let example = match authority {
        MARKET_REGULATOR => 1,
        HEALTH_COMMISSION => 2,
        _ => 0,
    };
    let (name, json) = EXAMPLES
        .get(example)
        .copied()
        .ok_or_else(|| CliError::new("demo names no example"))?;
    Ok(vec![example_licence(name, json)?.type_code().clone()])
}

/// An end-entity certificate under the demo intermediate.
fn certify(
    demo: &Demo,
    label: &str,
    name: &str,
    code: &str,
    role: Role,
) -> Result<(SigningKey, Certificate), CliError> {
    let (mid, mid_key) = demo
        .trust
        .intermediate
        .as_ref()
        .ok_or_else(|| CliError::new("the demo PKI is not built"))?;
    let key = demo_key(label);
    let cert = ca::issue(
        &CertificateRequest {
            common_name: name.to_owned(),
            organization: Some(name.to_owned()),
            authority_code: Some(
                code.parse()
                    .map_err(|e| CliError::new(format!("demo {label}: {e}")))?,
            ),
            not_before: time(SIGNER_VALIDITY.0)?,
            not_after: time(SIGNER_VALIDITY.1)?,
            role,
            serial: demo_serial(label),
        },
        &key.public_key(),
        mid,
        mid_key,
    )
    .map_err(ca_failure(label))?;
    Ok((key, cert))
}

/// Makes the trust-list and status-list signers, signs the trust list and
/// the status lists at the verification time (as an authority publishes
/// fresh lists), writes them, and loads them into a verifier holding
/// nothing but the root.
pub fn build(demo: &mut Demo) -> Result<(), CliError> {
    let mid = demo
        .trust
        .intermediate
        .as_ref()
        .map(|(cert, _)| cert.clone())
        .ok_or_else(|| CliError::new("the demo PKI is not built"))?;
    let at = demo.checked_at;
    let (publisher_key, publisher) = certify(
        demo,
        "trust-list signer",
        PUBLISHER_NAME,
        PUBLISHER_CODE,
        Role::TrustListSigner,
    )?;
    let seal_maker = super::seals::seal_maker(demo)?;

    let mut entries = Vec::new();
    for (i, authority) in AUTHORITIES.iter().enumerate() {
        let cert = demo
            .trust
            .certs
            .get(i)
            .cloned()
            .ok_or_else(|| CliError::new("demo authority has no certificate"))?;
        let mut entry = TrustListEntry::new(cert, CertRole::DocumentSigner, authority.name)
            .map_err(|e| CliError::new(format!("demo trust list: {e}")))?
            .licence_types(allowed_types(i)?);
        if STATUS_PUBLISHERS.contains(&i) {
            entry = entry.status_base(&status_base(authority.code));
        }
        if i == TRAFFIC_POLICE {
            // Its key was rotated out: what it signed before stays valid.
            entry = entry.state(EntryState::Retired {
                since: time(ROTATION.1)?,
            });
        }
        entries.push(entry);
    }
    let mut status_signers = Vec::new();
    for &i in &STATUS_PUBLISHERS {
        let authority = AUTHORITIES
            .get(i)
            .ok_or_else(|| CliError::new("demo names no authority"))?;
        let (key, cert) = certify(
            demo,
            &format!("{} status signer", authority.dir),
            authority.name,
            authority.code,
            Role::StatusSigner,
        )?;
        entries.push(
            TrustListEntry::new(cert.clone(), CertRole::StatusSigner, authority.name)
                .map_err(|e| CliError::new(format!("demo trust list: {e}")))?,
        );
        let dir = status_dir(&demo.out, authority.code);
        create_dir(&dir)?;
        write_atomic(
            &dir.join("signer.cert.pem"),
            format!("{}{}", ca::to_pem(&cert), ca::to_pem(&mid)).as_bytes(),
        )?;
        write_demo_key(&dir, "issuer", &key)?;
        status_signers.push((i, key, cert));
    }
    entries.push(
        TrustListEntry::new(
            seal_maker.1.clone(),
            CertRole::SealMaker,
            "北京市电子印章制作中心",
        )
        .map_err(|e| CliError::new(format!("demo trust list: {e}")))?,
    );

    let chain = [publisher.clone(), mid.clone()];
    let sign_list = |sequence: u64, entries: &[TrustListEntry]| {
        let mut list = TrustList::new(
            PUBLISHER_NAME,
            sequence,
            at,
            UnixTime::from_secs(at.secs().saturating_add(TRUST_LIST_DAYS * 86_400)),
        )
        .intermediate(mid.clone());
        for entry in entries {
            list = list.entry(entry.clone());
        }
        SignedTrustList::sign(list, &publisher_key, &chain)
            .map(|signed| signed.as_bytes().to_vec())
            .map_err(|e| CliError::new(format!("demo trust list: {e}")))
    };
    // The previous list did not know the seal maker yet.
    let older = sign_list(
        1,
        entries
            .get(..entries.len().saturating_sub(1))
            .unwrap_or_default(),
    )?;
    let current = sign_list(2, &entries)?;
    let pki = pki_dir(&demo.out);
    write_atomic(&trust_list_path(&demo.out), &current)?;
    write_atomic(&pki.join("trust-list-seq1.cose"), &older)?;
    write_atomic(
        &pki.join("trust-list-signer.cert.pem"),
        format!("{}{}", ca::to_pem(&publisher), ca::to_pem(&mid)).as_bytes(),
    )?;

    let mut store = TrustStore::new();
    store.load_roots(demo.trust.root_pem.as_bytes());
    let mut verifier = Verifier::from_roots(&store);
    verifier
        .add_trust_list(&current, at)
        .map_err(|e| CliError::new(format!("the demo's own trust list: {e}")))?;

    outln!("== trust at scale: a trust list and status lists, signed at the verification time")?;
    outln!(
        "trust list:   {} entries, sequence 2, signed by {PUBLISHER_NAME} ({} bytes)",
        entries.len(),
        current.len()
    )?;
    for (i, key, cert) in &status_signers {
        let authority = AUTHORITIES
            .get(*i)
            .ok_or_else(|| CliError::new("demo names no authority"))?;
        let mut list = StatusList::new(MIN_LIST_ENTRIES)
            .map_err(|e| CliError::new(format!("demo status list: {e}")))?;
        let mut expected = serde_json::Map::new();
        if *i == MARKET_REGULATOR {
            list.set(REVOKED_INDEX, LicenceStatus::Revoked)
                .map_err(|e| CliError::new(format!("demo status list: {e}")))?;
            expected.insert(
                REVOKED_INDEX.to_string(),
                LicenceStatus::Revoked.list_value().into(),
            );
        }
        let subject = format!("{}/1", status_base(authority.code));
        let token = SignedStatusList::sign(
            &list,
            &subject,
            at,
            None,
            STATUS_TTL_SECS,
            key,
            &[cert.clone(), mid.clone()],
        )
        .map_err(|e| CliError::new(format!("demo status list: {e}")))?;
        verifier
            .add_status_list(token.as_bytes(), at)
            .map_err(|e| CliError::new(format!("the demo's own status list: {e}")))?;
        let dir = status_dir(&demo.out, authority.code);
        create_dir(&dir)?;
        let path = dir.join("1.cwt");
        write_atomic(&path, token.as_bytes())?;
        let expected = serde_json::json!({
            "sub": subject,
            "bits": 4,
            "entries": expected,
        });
        write_atomic(
            &dir.join("1.expected.json"),
            format!("{expected}\n").as_bytes(),
        )?;
        outln!(
            "status list:  {subject}, {} entries, {} bytes, ttl {STATUS_TTL_SECS} s",
            list.len(),
            token.as_bytes().len()
        )?;
        demo.lists.status_files.push(path);
    }
    outln!()?;
    demo.lists.trust_list = current;
    demo.lists.older_trust_list = older;
    demo.lists.seal_maker = Some(seal_maker);
    demo.lists.verifier = Some(verifier);
    Ok(())
}

/// One licence the list verifier judges, and what it must say.
struct Check {
    file: String,
    what: String,
    envelope: SignedLicence,
    at: UnixTime,
    refused_for: Option<&'static str>,
}

/// A business licence as the demo issues it, with another status entry
/// and, if given, another issuer.
fn business_licence(index: u32, issuer: Option<usize>) -> Result<Licence, CliError> {
    let (name, json) = EXAMPLES
        .get(1)
        .copied()
        .ok_or_else(|| CliError::new("demo names no example"))?;
    let mut value = example_licence(name, json)?.to_json_value();
    if let Some(fields) = value.as_object_mut() {
        fields.insert(
            "status".into(),
            serde_json::json!({ "list": 1, "index": index }),
        );
        if let Some(authority) = issuer.and_then(|i| AUTHORITIES.get(i)) {
            fields.insert(
                "issuer".into(),
                serde_json::json!({ "name": authority.name, "code": authority.code }),
            );
        }
    }
    Licence::from_json(&value.to_string())
        .map_err(|e| CliError::new(format!("demo business licence: {e}")))
}

/// The licence with its validity ended on 2025-07-31, the day before the
/// demo signs it: genuine, in force in its status list, and expired.
fn expired(licence: Licence) -> Result<Licence, CliError> {
    let mut value = licence.to_json_value();
    if let Some(fields) = value.as_object_mut() {
        fields.insert("valid_until".into(), "2025-07-31".into());
    }
    Licence::from_json(&value.to_string())
        .map_err(|e| CliError::new(format!("demo expired licence: {e}")))
}

/// Signs the list section's own licences, writes them under `OUT/trust/`,
/// and verifies them and the trust section's licences with the list
/// verifier; then offers it the older trust list, and checks a licence once
/// its status list is stale.
pub fn check(demo: &mut Demo) -> Result<(), CliError> {
    let verifier = demo
        .lists
        .verifier
        .clone()
        .ok_or_else(|| CliError::new("the demo's lists are not built"))?;
    let at = demo.checked_at;
    let mut checks = Vec::new();
    for (file, expected) in [
        ("driving-licence", None),
        ("business-licence", None),
        ("health-permit", None),
        ("driving-licence-new-key", None),
        ("forged-driving-licence", Some("authority_mismatch")),
        (
            "driving-licence-old-key-after-rotation",
            Some("signer_retired"),
        ),
    ] {
        let envelope = demo
            .trust
            .signed
            .iter()
            .find(|(_, _, f)| *f == file)
            .map(|(s, _, _)| s.clone())
            .ok_or_else(|| CliError::new(format!("demo trust case {file} missing")))?;
        checks.push(Check {
            file: file.to_owned(),
            what: "from the trust section".to_owned(),
            envelope,
            at,
            refused_for: expected,
        });
    }
    let market = demo
        .trust
        .keys
        .get(MARKET_REGULATOR)
        .ok_or_else(|| CliError::new("demo names no authority"))?;
    let traffic = demo
        .trust
        .keys
        .get(super::trust::TRAFFIC_POLICE_NEW)
        .ok_or_else(|| CliError::new("demo names no authority"))?;
    let (maker_key, _) = demo
        .lists
        .seal_maker
        .as_ref()
        .ok_or_else(|| CliError::new("the demo's lists are not built"))?;
    let signed_at = time(super::trust::AFTER_ROTATION)?;
    let sign = |licence: Licence, key: &dyn Signer| {
        SignedLicence::sign(licence, key, signed_at)
            .map_err(|e| CliError::new(format!("demo licence: {e}")))
    };
    let own = [
        (
            "business-licence-revoked",
            format!("its entry {REVOKED_INDEX} in the market regulator's list 1 is 03"),
            sign(business_licence(REVOKED_INDEX, None)?, market)?,
            Some("revoked"),
        ),
        (
            "business-licence-expired",
            "a business licence whose validity ended on 2025-07-31".to_owned(),
            sign(expired(business_licence(EXPIRED_INDEX, None)?)?, market)?,
            Some("expired"),
        ),
        (
            "licence-signed-by-seal-maker",
            "the seal maker's key signs a business licence".to_owned(),
            sign(business_licence(5, None)?, maker_key)?,
            Some("wrong_role"),
        ),
        (
            "business-licence-by-traffic-police",
            "the traffic police sign a business licence in their own name".to_owned(),
            sign(business_licence(6, Some(TRAFFIC_POLICE))?, traffic)?,
            Some("type_not_allowed"),
        ),
    ];
    let dir = trust_dir(&demo.out);
    for (file, what, envelope, refused_for) in own {
        write_atomic(&cose_path(&dir, file), envelope.as_bytes())?;
        write_atomic(
            &qr_path(&dir, file),
            format!("{}\n", qr::to_qr_text(&envelope, &demo.base)).as_bytes(),
        )?;
        checks.push(Check {
            file: file.to_owned(),
            what,
            envelope,
            at,
            refused_for,
        });
    }
    if let Some((envelope, _, _)) = demo
        .trust
        .signed
        .iter()
        .find(|(_, _, f)| *f == "business-licence")
    {
        checks.push(Check {
            file: "business-licence".to_owned(),
            what: format!("checked {STATUS_TTL_SECS} s + 1 h later: the status list is stale"),
            envelope: envelope.clone(),
            at: UnixTime::from_secs(at.secs().saturating_add(STATUS_TTL_SECS as i64 + 3600)),
            refused_for: Some("status_stale"),
        });
    }

    outln!("Licences checked with the root, the trust list and the status lists, nothing else:")?;
    for check in checks {
        let verdict = verifier.verify_envelope(check.envelope, check.at);
        let as_expected = judged(&verdict, check.refused_for);
        demo.all_valid &= as_expected;
        outln!(
            "trust/{}: {} [{}]",
            check.file,
            outcome(&verdict, check.refused_for, as_expected),
            check.what
        )?;
    }
    let mut rolled_back = verifier.clone();
    let refusal = rolled_back.add_trust_list(&demo.lists.older_trust_list, at);
    let refused = matches!(&refusal, Err(e) if e.code() == "trust_list_rollback");
    demo.all_valid &= refused;
    outln!(
        "pki/trust-list-seq1.cose offered after sequence 2: {}",
        match refusal {
            Err(e) if refused => format!("refused ({}), as expected", e.code()),
            Err(e) => format!("refused for {}, not trust_list_rollback", e.code()),
            Ok(_) => "taken, but it should be refused as a rollback".to_owned(),
        }
    )?;
    outln!()?;
    Ok(())
}

fn judged(verdict: &Verdict, refused_for: Option<&str>) -> bool {
    match refused_for {
        None => verdict.is_valid(),
        Some(code) => {
            !verdict.is_valid() && verdict.reasons().first().map(|r| r.code()) == Some(code)
        }
    }
}

fn outcome(verdict: &Verdict, refused_for: Option<&str>, as_expected: bool) -> String {
    let codes: Vec<&str> = verdict.reasons().iter().map(|r| r.code()).collect();
    let status = verdict
        .status()
        .map(|s| format!(", status {} {}", s.status.code(), s.status.label()))
        .unwrap_or_default();
    match (verdict.is_valid(), refused_for) {
        (true, None) => format!("valid{status}"),
        (false, Some(_)) if as_expected => {
            format!("refused ({}){status}, as expected", codes.join(", "))
        }
        (true, Some(code)) => format!("valid, but it should be refused for {code}"),
        (false, _) => format!("invalid ({}), but it should be valid", codes.join(", ")),
    }
}

/// Prints the commands that repeat the list checks with the CLI.
pub fn print_commands(demo: &mut Demo) -> Result<(), CliError> {
    let roots = shell_quote(&root_path(&demo.out));
    let list = shell_quote(&trust_list_path(&demo.out));
    let status: Vec<String> = demo
        .lists
        .status_files
        .iter()
        .map(|p| format!("--status {}", shell_quote(p)))
        .collect();
    let status = status.join(" ");
    let dir = trust_dir(&demo.out);
    outln!()?;
    outln!(
        "To repeat the list checks by hand (the root, the trust list and the status lists only):"
    )?;
    for file in [
        "business-licence",
        "business-licence-revoked",
        "business-licence-expired",
        "licence-signed-by-seal-maker",
        "business-licence-by-traffic-police",
    ] {
        let cose = shell_quote(&cose_path(&dir, file));
        outln!("  elicence verify --roots {roots} --trust-list {list} {status} --cose {cose}")?;
    }
    outln!("  elicence trust-list show {list}")?;
    if let Some(first) = demo.lists.status_files.first() {
        let first = shell_quote(first);
        outln!("  elicence status show {first} --index {REVOKED_INDEX}")?;
    }
    let status_dir = shell_quote(&demo.out.join("status"));
    let db = shell_quote(&demo.out.join("registry").join("registry.sqlite"));
    outln!()?;
    outln!("To answer these codes as a phone would see them (the scan endpoint):")?;
    outln!(
        "  elicence serve --listen 127.0.0.1:8080 --base {} --roots {roots} --trust-list {list} \\\n      --status {status_dir}",
        demo.base
    )?;
    outln!(
        "  then open http://127.0.0.1:8080/c/ followed by the digits of a code in {}/*.qr.txt",
        shell_quote(&dir)
    )?;
    outln!(
        "  (add --db {db} for look-ups, receipts and the log of the demo registry; its licences are\n   signed with the bare demo key, which the root does not vouch for, so these codes are not in it)"
    )?;
    Ok(())
}
