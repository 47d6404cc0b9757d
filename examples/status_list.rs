//! Writes a signed status list for the interop check
//! (`.ci/interop/check_status_list.py`): a root and a status signer
//! certificate made from fixed seeds, a 2^17-entry list with a few entries
//! set, signed as a Status List Token, and what a second decoder must find.
//!
//! `cargo run --features ca --example status_list -- DIR` writes
//! `DIR/list.cwt`, `DIR/signer.cert.pem`, `DIR/root.cert.pem` and
//! `DIR/expected.json` (`{"bits": 4, "entries": {"<index>": value, …}, "sub": …}`,
//! every other entry being 0).

use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::path::PathBuf;

use elicence::status::{LicenceStatus, MIN_LIST_ENTRIES, SignedStatusList, StatusList};
use elicence::trust::ca::{self, CertificateRequest, Role};
use elicence::{Signer as _, SigningKey, UnixTime};

const SUBJECT: &str = "https://status.example.gov.cn/lists/11100000000013338W/1";
const AUTHORITY: &str = "11100000000013338W";

fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(
        std::env::args_os()
            .nth(1)
            .ok_or("usage: status_list OUT_DIR")?,
    );
    fs::create_dir_all(&dir)?;
    let at = |s: &str| UnixTime::parse_rfc3339(s);

    let root_key = SigningKey::from_seed(&[0x51; 32]);
    let signer_key = SigningKey::from_seed(&[0x52; 32]);
    let root = ca::self_signed(
        &CertificateRequest {
            common_name: "示例状态列表根CA".into(),
            organization: None,
            authority_code: None,
            not_before: at("2024-01-01T00:00:00Z")?,
            not_after: at("2044-01-01T00:00:00Z")?,
            role: Role::Root,
            serial: [0x11; 16],
        },
        &root_key,
    )?;
    let signer = ca::issue(
        &CertificateRequest {
            common_name: "北京市公安局公安交通管理局".into(),
            organization: None,
            authority_code: Some(AUTHORITY.parse()?),
            not_before: at("2025-01-01T00:00:00Z")?,
            not_after: at("2030-01-01T00:00:00Z")?,
            role: Role::StatusSigner,
            serial: [0x12; 16],
        },
        &signer_key.public_key(),
        &root,
        &root_key,
    )?;

    // One entry of every status, at both ends and in between.
    let mut list = StatusList::new(MIN_LIST_ENTRIES)?;
    let mut entries = BTreeMap::new();
    let picks = [0, 1, 2, 999, 65_536, 100_000, MIN_LIST_ENTRIES - 1];
    for (index, status) in picks
        .into_iter()
        .zip(LicenceStatus::ALL.into_iter().cycle().skip(1))
    {
        list.set(index, status)?;
        entries.insert(index.to_string(), status.list_value());
    }
    let issued_at = at("2026-01-01T00:00:00Z")?;
    let expires = at("2026-01-08T00:00:00Z")?;
    let token = SignedStatusList::sign(
        &list,
        SUBJECT,
        issued_at,
        Some(expires),
        86_400,
        &signer_key,
        &[signer.clone(), root.clone()],
    )?;

    fs::write(dir.join("list.cwt"), token.as_bytes())?;
    fs::write(dir.join("signer.cert.pem"), ca::to_pem(&signer))?;
    fs::write(dir.join("root.cert.pem"), ca::to_pem(&root))?;
    let expected = serde_json::json!({
        "bits": list.bits(),
        "entries": entries,
        "sub": SUBJECT,
        "iat": issued_at.secs(),
        "exp": expires.secs(),
        "ttl": token.ttl_secs(),
    });
    fs::write(
        dir.join("expected.json"),
        serde_json::to_string_pretty(&expected)? + "\n",
    )?;
    eprintln!(
        "wrote {} ({} bytes, {} entries)",
        dir.join("list.cwt").display(),
        token.as_bytes().len(),
        list.len()
    );
    Ok(())
}
