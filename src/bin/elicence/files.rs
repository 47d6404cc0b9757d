//! File and stdin helpers shared by the commands; every error names the path.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process;

use elicence::trust::{Certificate, parse_bundle};
use elicence::{PublicKey, SigningKey};
use zeroize::Zeroizing;

use crate::CliError;

/// Reads a whole file as bytes.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    fs::read(path).map_err(|e| CliError::new(format!("cannot read {}: {e}", path.display())))
}

/// Reads a whole file as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    fs::read_to_string(path)
        .map_err(|e| CliError::new(format!("cannot read {}: {e}", path.display())))
}

/// Reads a private key; the PEM text is wiped from memory once parsed.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, CliError> {
    let pem = Zeroizing::new(read_text(path)?);
    SigningKey::from_pkcs8_pem(&pem).map_err(|e| CliError::new(format!("{}: {e}", path.display())))
}

/// Reads an SPKI public key.
pub fn read_public_key(path: &Path) -> Result<PublicKey, CliError> {
    let pem = read_text(path)?;
    PublicKey::from_pem(&pem).map_err(|e| CliError::new(format!("{}: {e}", path.display())))
}

/// The QR text given on the command line, or read from stdin for `-`.
/// Surrounding white space (a trailing newline from `echo` or a file) is dropped,
/// since it would otherwise hide the digit block at the end.
pub fn qr_text_argument(text: &str) -> Result<String, CliError> {
    if text == "-" {
        let mut input = String::new();
        io::stdin()
            .read_to_string(&mut input)
            .map_err(|e| CliError::new(format!("cannot read stdin: {e}")))?;
        Ok(input.trim().to_owned())
    } else {
        Ok(text.trim().to_owned())
    }
}

/// Creates `dir` and its parents if needed.
pub fn create_dir(dir: &Path) -> Result<(), CliError> {
    fs::create_dir_all(dir)
        .map_err(|e| CliError::new(format!("cannot create {}: {e}", dir.display())))
}

/// A file being written next to its destination, renamed over it on
/// [`AtomicFile::commit`] and removed if dropped before then, so readers never
/// see a half-written file and a failure leaves nothing behind.
pub struct AtomicFile {
    temp: PathBuf,
    dest: PathBuf,
    file: Option<File>,
}

impl AtomicFile {
    /// Starts writing `dest`. With `private`, the file is created readable by
    /// its owner only (on unix) before any byte is written.
    pub fn create(dest: &Path, private: bool) -> Result<Self, CliError> {
        let mut name = OsString::from(".");
        name.push(dest.file_name().unwrap_or(dest.as_os_str()));
        name.push(format!(".{}.tmp", process::id()));
        let temp = dest.with_file_name(name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let file = options
            .open(&temp)
            .map_err(|e| CliError::new(format!("cannot create {}: {e}", temp.display())))?;
        Ok(AtomicFile {
            temp,
            dest: dest.to_owned(),
            file: Some(file),
        })
    }

    /// Appends bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        let result = match self.file.as_mut() {
            Some(file) => file.write_all(bytes),
            None => Err(io::Error::other("file already closed")),
        };
        result.map_err(|e| CliError::new(format!("cannot write {}: {e}", self.temp.display())))
    }

    /// Flushes to disk and moves the file into place.
    pub fn commit(mut self) -> Result<(), CliError> {
        let write_err =
            |e: io::Error| CliError::new(format!("cannot write {}: {e}", self.dest.display()));
        if let Some(file) = self.file.take() {
            file.sync_all().map_err(write_err)?;
        }
        fs::rename(&self.temp, &self.dest).map_err(write_err)
    }
}

/// For writers that take `io::Write` (the registry's code writer); wrap it
/// in a `BufWriter`, since each write goes to the file.
impl Write for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self.file.as_mut() {
            Some(file) => file.write(bytes),
            None => Err(io::Error::other("file already closed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        self.file.take();
        // After a successful commit the temp name no longer exists; after a
        // failure there is nothing better to do than try.
        let _ = fs::remove_file(&self.temp);
    }
}

/// Writes a whole file atomically.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut file = AtomicFile::create(dest, false)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Refuses, unless `force`, if any of `paths` exists. Checked for every file
/// before any is written, so a refusal changes nothing.
pub fn refuse_existing(paths: &[&Path], force: bool, what: &str) -> Result<(), CliError> {
    if force {
        return Ok(());
    }
    for path in paths {
        if path.exists() {
            return Err(CliError::new(format!(
                "{} already exists; refusing to overwrite {what} (use --force)",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Writes a private key as PKCS#8 PEM to a fresh owner-only file renamed
/// into place, so the key is never readable by others, not even for a
/// moment, and --force does not inherit the permissions of the file it
/// replaces.
pub fn write_private_key(path: &Path, key: &SigningKey) -> Result<(), CliError> {
    let pem = key
        .to_pkcs8_pem()
        .map_err(|e| CliError::new(format!("cannot encode the private key: {e}")))?;
    let mut file = AtomicFile::create(path, true)?;
    file.write_all(pem.as_bytes())?;
    file.commit()
}

/// Reads every certificate in a PEM bundle or DER file. Entries that are not
/// certificates are reported on stderr as warnings naming the file and the
/// entry; a file with no certificate at all is an error.
pub fn read_certificates(path: &Path) -> Result<Vec<Certificate>, CliError> {
    let (certs, skipped) = parse_bundle(&read_bytes(path)?);
    warn_skipped(path, &skipped);
    if certs.is_empty() {
        return Err(CliError::new(format!(
            "{}: no usable certificate in the file",
            path.display()
        )));
    }
    Ok(certs)
}

/// Prints a warning on stderr for each bundle entry that was skipped.
pub fn warn_skipped(path: &Path, skipped: &[(usize, elicence::trust::CertError)]) {
    for (index, error) in skipped {
        // Nothing is left to warn if stderr is gone.
        let _ = writeln!(
            io::stderr(),
            "elicence: warning: {}: skipped entry {} (counting from 1): {error}",
            path.display(),
            index + 1
        );
    }
}
