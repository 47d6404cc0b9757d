//! `elicence keygen`: a new issuer key pair.

use std::process::ExitCode;

use elicence::{Signer, SigningKey};

use crate::files::{AtomicFile, create_dir, write_atomic};
use crate::{CliError, CliResult, KeygenArgs};

/// File name of the private key inside the output directory.
pub const PRIVATE_KEY_FILE: &str = "issuer.key.pem";
/// File name of the public key inside the output directory.
pub const PUBLIC_KEY_FILE: &str = "issuer.pub.pem";

pub fn run(args: &KeygenArgs) -> CliResult {
    create_dir(&args.out)?;
    let key_path = args.out.join(PRIVATE_KEY_FILE);
    let pub_path = args.out.join(PUBLIC_KEY_FILE);
    if !args.force {
        // Checked for both files before writing either, so a refusal changes nothing.
        for path in [&key_path, &pub_path] {
            if path.exists() {
                return Err(CliError::new(format!(
                    "{} already exists; refusing to overwrite a key (use --force)",
                    path.display()
                )));
            }
        }
    }

    let key = SigningKey::generate();
    let pem = key
        .to_pkcs8_pem()
        .map_err(|e| CliError::new(format!("cannot encode the private key: {e}")))?;
    // Written to a fresh owner-only file and renamed into place, so the key is
    // never readable by others, not even for a moment, and --force does not
    // inherit the permissions of the file it replaces.
    let mut file = AtomicFile::create(&key_path, true)?;
    file.write_all(pem.as_bytes())?;
    file.commit()?;
    let public = key.public_key();
    write_atomic(&pub_path, public.to_pem().as_bytes())?;

    outln!("private key: {} (keep it secret)", key_path.display())?;
    outln!("public key:  {}", pub_path.display())?;
    outln!("key id:      {}", public.key_id())?;
    Ok(ExitCode::SUCCESS)
}
