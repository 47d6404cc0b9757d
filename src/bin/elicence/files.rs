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

/// Reads an SPKI public key. A file that is something else (a licence, a
/// private key, a certificate) is named for what it is, since "not UTF-8"
/// or "bad PEM" would not tell the user which file they mixed up.
pub fn read_public_key(path: &Path) -> Result<PublicKey, CliError> {
    let bytes = read_bytes(path)?;
    let kind = Content::of(&bytes);
    if kind != Content::PemPublicKey && kind != Content::Other {
        return Err(CliError::new(format!(
            "{} is {}, not a public key: --pub expects an SPKI PEM public key \
             (-----BEGIN PUBLIC KEY-----, such as issuer.pub.pem){}",
            path.display(),
            kind.describe(),
            kind.hint_for_key()
        )));
    }
    let pem = String::from_utf8(bytes).map_err(|_| {
        CliError::new(format!(
            "{} is not a PEM public key (not text)",
            path.display()
        ))
    })?;
    PublicKey::from_pem(&pem).map_err(|e| CliError::new(format!("{}: {e}", path.display())))
}

/// What a file holds, told from its first bytes: enough to name a file
/// given in the wrong place, and to read a positional argument the way its
/// content asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// `%PDF-`.
    Pdf,
    /// A CBOR tag or array first: a COSE_Sign1 envelope (a `.cose` file).
    Envelope,
    /// One line of printable text ending in a digit: QR text.
    QrText,
    /// Several lines of QR text: a batch file.
    QrTexts,
    /// A PNG image.
    Png,
    /// A JPEG image.
    Jpeg,
    /// `-----BEGIN PUBLIC KEY-----`.
    PemPublicKey,
    /// A PEM private key.
    PemPrivateKey,
    /// A PEM certificate.
    PemCertificate,
    /// None of these.
    Other,
}

impl Content {
    /// Tells what `bytes` are.
    pub fn of(bytes: &[u8]) -> Content {
        if bytes.starts_with(b"%PDF-") {
            return Content::Pdf;
        }
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Content::Png;
        }
        if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            return Content::Jpeg;
        }
        // CBOR major type 6 (a tag, as COSE_Sign1's 18) or 4 (an array):
        // no text file starts with these bytes, as they are not ASCII.
        if bytes
            .first()
            .is_some_and(|&b| (0x80..=0x9b).contains(&b) || (0xc0..=0xdb).contains(&b))
        {
            return Content::Envelope;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Content::Other;
        };
        let text = text.trim();
        if text.contains("-----BEGIN PUBLIC KEY-----") {
            return Content::PemPublicKey;
        }
        if text.contains("PRIVATE KEY-----") {
            return Content::PemPrivateKey;
        }
        if text.contains("-----BEGIN CERTIFICATE-----") {
            return Content::PemCertificate;
        }
        let qr_line = |line: &str| {
            line.ends_with(|c: char| c.is_ascii_digit())
                && line.bytes().all(|b| b.is_ascii_graphic())
        };
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        match (lines.next(), lines.next()) {
            (Some(first), None) if qr_line(first) => Content::QrText,
            (Some(first), Some(second)) if qr_line(first) && qr_line(second) => Content::QrTexts,
            _ => Content::Other,
        }
    }

    /// The content in a few words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Content::Pdf => "a PDF",
            Content::Envelope => "a COSE envelope (a signed licence, as `issue --out` writes it)",
            Content::QrText => "QR text (a licence's scan URL)",
            Content::QrTexts => "several lines of QR text",
            Content::Png => "a PNG image",
            Content::Jpeg => "a JPEG image",
            Content::PemPublicKey => "a PEM public key",
            Content::PemPrivateKey => "a PEM private key",
            Content::PemCertificate => "a PEM certificate",
            Content::Other => "not a known kind of file",
        }
    }

    /// What to give instead, for a file given where a public key was expected.
    fn hint_for_key(self) -> &'static str {
        match self {
            Content::Envelope | Content::Pdf | Content::QrText => {
                "; give the licence itself as the argument to verify"
            }
            Content::PemPrivateKey => "; never hand out the private key: give its issuer.pub.pem",
            Content::PemCertificate => "; give a root certificate with --roots",
            _ => "",
        }
    }
}

/// A licence given on the command line, read as its content says.
pub enum LicenceInput {
    /// QR text, trimmed.
    QrText(String),
    /// COSE_Sign1 bytes (a `.cose` file, which may carry its signer's chain).
    Envelope(Vec<u8>),
    /// A licence PDF's bytes.
    Pdf(Vec<u8>),
}

/// The most a licence argument is read: the largest licence PDF the reader
/// takes (QR text and envelopes are far smaller).
const MAX_LICENCE_INPUT: usize = elicence::pdf::MAX_PDF_LEN;

/// The positional licence argument: `-` for stdin, an existing file (read
/// as its content says: a COSE envelope, a PDF or QR text), or QR text.
/// Text that names no file but looks like a path is an I/O error naming
/// it, not "malformed QR text": exit 1 means a licence is not valid, and
/// here there is no licence.
pub fn licence_argument(argument: &str) -> Result<LicenceInput, CliError> {
    if argument == "-" {
        let mut input = Vec::new();
        io::stdin()
            .take(MAX_LICENCE_INPUT as u64 + 1)
            .read_to_end(&mut input)
            .map_err(|e| CliError::new(format!("cannot read stdin: {e}")))?;
        if input.len() > MAX_LICENCE_INPUT {
            return Err(CliError::new(format!(
                "stdin holds more than {MAX_LICENCE_INPUT} bytes: no licence is that large"
            )));
        }
        return match Content::of(&input) {
            Content::Pdf => Ok(LicenceInput::Pdf(input)),
            Content::Envelope => Ok(LicenceInput::Envelope(input)),
            _ => String::from_utf8(input)
                .map(|text| LicenceInput::QrText(text.trim().to_owned()))
                .map_err(|_| {
                    CliError::new(
                        "stdin is not QR text, a COSE envelope or a PDF \
                         (stream did not contain valid UTF-8)",
                    )
                }),
        };
    }
    let path = Path::new(argument);
    if path.is_file() {
        // Read no more than the largest licence PDF, whatever file was named.
        let len = fs::metadata(path)
            .map_err(|e| CliError::new(format!("cannot read {argument}: {e}")))?
            .len();
        if len > MAX_LICENCE_INPUT as u64 {
            return Err(CliError::new(format!(
                "{argument} is {len} bytes, more than the {MAX_LICENCE_INPUT} of the largest licence PDF"
            )));
        }
        let bytes = read_bytes(path)?;
        return match Content::of(&bytes) {
            Content::Pdf => Ok(LicenceInput::Pdf(bytes)),
            Content::Envelope => Ok(LicenceInput::Envelope(bytes)),
            Content::QrText => Ok(LicenceInput::QrText(
                String::from_utf8_lossy(&bytes).trim().to_owned(),
            )),
            Content::QrTexts => Err(CliError::new(format!(
                "{argument} holds several lines of QR text; give it with --batch"
            ))),
            kind => Err(CliError::new(format!(
                "{argument} is {}, not a licence: give QR text, a COSE envelope (.cose) \
                 or a licence PDF{}",
                kind.describe(),
                if matches!(kind, Content::Png | Content::Jpeg) {
                    " (to check a QR code in a picture, decode it first, e.g. with zbarimg)"
                } else {
                    ""
                }
            ))),
        };
    }
    if path.is_dir() {
        return Err(CliError::new(format!(
            "{argument} is a directory, not a licence"
        )));
    }
    if looks_like_path(argument) {
        // The error the file system gives, with the user's path.
        return read_bytes(path).map(LicenceInput::Envelope);
    }
    Ok(LicenceInput::QrText(argument.trim().to_owned()))
}

/// Whether text that names no file was surely meant as one. QR text is a
/// URL ending in digits: a `scheme://`, or a last digit, says QR text.
fn looks_like_path(text: &str) -> bool {
    let text = text.trim();
    if text.contains("://") || text.ends_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let extension = Path::new(text)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| {
            (1..=5).contains(&e.len())
                && e.bytes().all(|b| b.is_ascii_alphanumeric())
                && e.bytes().any(|b| b.is_ascii_alphabetic())
        });
    text.contains(['/', '\\']) || extension
}

/// Reads a `--cose` file: COSE envelope bytes. QR text, a PDF, an image or
/// a key given there is an input error saying what the file is, rather
/// than a licence verdict on bytes that were never meant as one.
pub fn read_envelope_file(path: &Path) -> Result<Vec<u8>, CliError> {
    let bytes = read_bytes(path)?;
    let kind = Content::of(&bytes);
    let hint = match kind {
        Content::Envelope | Content::Other => return Ok(bytes),
        Content::QrText => format!(
            "; give the file without --cose (`elicence verify … {}`), which reads QR text",
            path.display()
        ),
        Content::QrTexts => "; give it with --batch".to_owned(),
        Content::Pdf => "; give it with --pdf, or without --cose".to_owned(),
        _ => String::new(),
    };
    Err(CliError::new(format!(
        "{} is {}, not COSE envelope bytes{hint}",
        path.display(),
        kind.describe()
    )))
}

/// Reads a `--pdf` file; one that is not a PDF at all is an input error
/// naming what it is (a damaged PDF is still the library's to judge).
pub fn read_pdf_file(path: &Path) -> Result<Vec<u8>, CliError> {
    let bytes = read_bytes(path)?;
    match Content::of(&bytes) {
        Content::Pdf => Ok(bytes),
        kind => Err(CliError::new(format!(
            "{} is not a PDF (it is {}); --pdf expects a licence PDF as `render --pdf` writes it",
            path.display(),
            kind.describe()
        ))),
    }
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
        // Errors name `dest`, the file the user asked for: the temporary
        // name is ours, and would only puzzle.
        let file = options
            .open(&temp)
            .map_err(|e| CliError::new(format!("cannot write {}: {e}", dest.display())))?;
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
        result.map_err(|e| CliError::new(format!("cannot write {}: {e}", self.dest.display())))
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
