//! `elicence keygen`: a new issuer key pair.

use std::process::ExitCode;

use elicence::{Signer, SigningKey};

use crate::files::{create_dir, refuse_existing, write_atomic, write_private_key};
use crate::{CliResult, KeygenArgs};

/// File name of the private key inside the output directory.
pub const PRIVATE_KEY_FILE: &str = "issuer.key.pem";
/// File name of the public key inside the output directory.
pub const PUBLIC_KEY_FILE: &str = "issuer.pub.pem";

pub fn run(args: &KeygenArgs) -> CliResult {
    create_dir(&args.out)?;
    let key_path = args.out.join(PRIVATE_KEY_FILE);
    let pub_path = args.out.join(PUBLIC_KEY_FILE);
    refuse_existing(&[&key_path, &pub_path], args.force, "a key")?;

    let key = SigningKey::generate();
    write_private_key(&key_path, &key)?;
    let public = key.public_key();
    write_atomic(&pub_path, public.to_pem().as_bytes())?;

    outln!("private key: {} (keep it secret)", key_path.display())?;
    outln!("public key:  {}", pub_path.display())?;
    outln!("key id:      {}", public.key_id())?;
    Ok(ExitCode::SUCCESS)
}
