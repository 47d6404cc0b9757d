//! `elicence`: issue, verify and inspect electronic licences (电子证照) from the
//! command line.
//!
//! Exit codes: 0 success (or every code valid), 1 a code is invalid or
//! malformed, 2 a usage or I/O error.

/// `println!` that reports a failed write instead of panicking: the value is a
/// `Result<(), CliError>`.
macro_rules! outln {
    () => {
        $crate::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::write_line(format_args!($($arg)*))
    };
}

mod ca;
mod demo;
mod files;
mod inspect;
mod issue;
mod keygen;
mod log;
mod registry;
mod render;
mod seal;
mod serve;
mod status;
mod trust_list;
mod verify;

use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use elicence::render::EcLevel;
use elicence::status::LicenceStatus;
use elicence::trust::CertRole;
use elicence::trust::list::RevocationReason;
use elicence::{LicenceTypeCode, QrBase, UnixTime, Uscc};

/// Electronic licences (电子证照): COSE_Sign1/Ed25519 envelopes carried in QR text.
#[derive(Debug, Parser)]
#[command(name = "elicence", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate an issuer key pair (issuer.key.pem, issuer.pub.pem).
    Keygen(KeygenArgs),
    /// Sign a licence (or a batch of licences) and print its QR text.
    Issue(IssueArgs),
    /// Verify QR text or an envelope against trusted public keys or root certificates.
    Verify(VerifyArgs),
    /// Decode QR text or an envelope WITHOUT verifying it, and print it as JSON.
    Inspect(InspectArgs),
    /// Draw a signed licence as a phone PNG and a printable PDF.
    Render(RenderArgs),
    /// Issue, render and verify the example licences with a fixed, public demo key;
    /// then show trust under a demo PKI: certified authorities, a forgery, a key rotation.
    Demo(DemoArgs),
    /// Make certificates: a root CA, intermediate CAs, and authorities' signer certificates
    /// (document signer, seal maker, status-list signer, trust-list signer).
    #[command(subcommand)]
    Ca(CaCommand),
    /// Electronic seals (电子印章): make a seal record, inspect one, seal a licence PDF.
    #[command(subcommand)]
    Seal(SealCommand),
    /// Licence status lists (IETF Token Status List, CWT): make and sign one, show one.
    #[command(subcommand)]
    Status(StatusCommand),
    /// Trust lists: which certificates speak for which authority, signed by a trust-list signer.
    #[command(subcommand)]
    TrustList(TrustListCommand),
    /// The registry of issued licences (SQLite file or PostgreSQL): create one, change a
    /// licence's status, publish status lists, look up, export, show a record.
    #[command(subcommand)]
    Registry(registry::RegistryCommand),
    /// The registry's transparency log: verifier key, signed checkpoints, receipts
    /// (offline proofs that a licence was logged) and consistency between checkpoints.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Serve the scan endpoint: the phone page, the JSON API, the lists and the log.
    Serve(serve::ServeArgs),
}

#[derive(Debug, Subcommand)]
enum StatusCommand {
    /// Make and sign a status list token: every entry valid, or an older list's
    /// entries, with the --set changes.
    Make(StatusMakeArgs),
    /// Print a status list token as JSON (decoded only: the signature is not checked).
    Show(StatusShowArgs),
}

#[derive(Debug, Args)]
struct StatusMakeArgs {
    /// The status-list signer's private key (PKCS#8 PEM).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// The signer's certificate (status-signer role), then its CA certificates,
    /// carried in the token's x5chain.
    #[arg(long, value_name = "CERT.pem")]
    cert: PathBuf,
    /// The list's number among the authority's lists (the last segment of its URI).
    #[arg(long, value_name = "ID")]
    list_id: u32,
    /// Number of entries (default 131072, the least accepted); with --from, must
    /// equal the old list's.
    #[arg(long, value_name = "N")]
    size: Option<u32>,
    /// Start from this older list's entries (same URI, same size).
    #[arg(long, value_name = "OLD.cwt")]
    from: Option<PathBuf>,
    /// Set an entry: INDEX=CODE, CODE being 01 to 07 or 99 (or valid, suspended,
    /// revoked, cancelled, lapsed, transferred_out, withdrawn, other); repeat.
    #[arg(long = "set", value_name = "INDEX=CODE", value_parser = parse_status_set)]
    set: Vec<(u32, LicenceStatus)>,
    /// Seconds after signing until verifiers should fetch a newer list.
    #[arg(long, value_name = "SECS", default_value_t = 86_400)]
    ttl: u64,
    /// Base of the list's URI, `{base}/{ID}` (default
    /// https://verify.example.gov.cn/status/{the certificate's authority code}).
    #[arg(long, value_name = "URL")]
    base: Option<String>,
    /// Signing time (RFC 3339); defaults to now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// Write the token here.
    #[arg(long, value_name = "LIST.cwt")]
    out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct StatusShowArgs {
    /// The status list token.
    #[arg(value_name = "LIST.cwt")]
    list: PathBuf,
    /// Also print this entry's status.
    #[arg(long, value_name = "I")]
    index: Option<u32>,
}

#[derive(Debug, Subcommand)]
enum TrustListCommand {
    /// Make and sign a trust list: one entry per --certs file.
    Make(TrustListMakeArgs),
    /// Print a trust list as JSON (and check its signer against --roots).
    Show(TrustListShowArgs),
}

#[derive(Debug, Args)]
struct TrustListMakeArgs {
    /// The trust-list signer's private key (PKCS#8 PEM).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// The signer's certificate (trust-list-signer role), then its CA certificates,
    /// carried in the list's x5chain.
    #[arg(long, value_name = "CERT.pem")]
    cert: PathBuf,
    /// The list's sequence number: above the previous list's.
    #[arg(long, value_name = "N")]
    seq: u64,
    /// A certificate to list (its role from its extended key usage), then CA
    /// certificates it chains through; repeat, one entry per file.
    #[arg(long = "certs", value_name = "FILE.pem", required = true)]
    certs: Vec<PathBuf>,
    /// Write the list here.
    #[arg(long, value_name = "TL.cose")]
    out: PathBuf,
    /// Who publishes the list (default: the signer's organizationName or commonName).
    #[arg(long, value_name = "NAME")]
    issuer: Option<String>,
    /// Days from the signing time to the next update.
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = parse_days)]
    next_update_days: u32,
    /// Signing time (RFC 3339); defaults to now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// Limit an authority's document signers to a licence type: USCC=TYPECODE; repeat.
    #[arg(long = "allow", value_name = "USCC=TYPECODE", value_parser = parse_allow)]
    allow: Vec<(Uscc, LicenceTypeCode)>,
    /// An authority's status-list location: USCC=URL (list n is at URL/n); repeat.
    #[arg(long = "status-base", value_name = "USCC=URL", value_parser = parse_status_base)]
    status_base: Vec<(Uscc, String)>,
    /// Mark the entry of a --certs file retired from a time: FILE.pem=RFC3339; repeat.
    #[arg(long = "retire", value_name = "FILE.pem=RFC3339", value_parser = parse_retire)]
    retire: Vec<(PathBuf, UnixTime)>,
    /// Mark the entry of a --certs file revoked: FILE.pem=RFC3339,REASON (key_compromise,
    /// superseded, cessation_of_operation or unspecified); repeat.
    #[arg(long = "revoke", value_name = "FILE.pem=RFC3339,REASON", value_parser = parse_revoke)]
    revoke: Vec<(PathBuf, UnixTime, RevocationReason)>,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct TrustListShowArgs {
    /// The trust list.
    #[arg(value_name = "TL.cose")]
    list: PathBuf,
    /// Check the list's signature and its signer's chain against these roots.
    #[arg(long, value_name = "ROOTS.pem")]
    roots: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum SealCommand {
    /// Make a seal record signed by a seal maker: owner, name, purpose, picture,
    /// validity and the certificates allowed to apply it.
    Make(SealMakeArgs),
    /// Print a seal record as JSON (and check its maker with --roots).
    Inspect(SealInspectArgs),
    /// Seal a licence PDF: a PAdES signature whose appearance is the seal's picture.
    Apply(SealApplyArgs),
}

#[derive(Debug, Args)]
struct SealMakeArgs {
    /// The seal maker's directory: issuer.key.pem and signer.cert.pem (as `ca signer`
    /// writes them; CA certificates after the maker's in that file are carried along).
    #[arg(long, value_name = "DIR")]
    maker: PathBuf,
    /// The owner's unified social credit code.
    #[arg(long, value_name = "CODE", value_parser = parse_uscc)]
    owner_uscc: Uscc,
    /// The name on the seal (the owner's name), at most 24 characters.
    #[arg(long, value_name = "NAME")]
    name: String,
    /// The purpose of a special-purpose seal (e.g. 行政审批专用章), at most 12
    /// characters; without it the seal is the official seal (公章).
    #[arg(long, value_name = "TEXT")]
    purpose: Option<String>,
    /// The seal's picture (PNG with transparency); drawn from the name and purpose if absent.
    #[arg(long, value_name = "PNG")]
    picture: Option<PathBuf>,
    /// Draw the seal with this font first (TrueType/OpenType, e.g. for a name
    /// character the embedded face lacks); the embedded face and system fonts fill in.
    #[arg(long, value_name = "FONT", conflicts_with = "picture")]
    font: Option<PathBuf>,
    /// The face's number in a collection (.ttc) given with --font.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "font")]
    font_index: u32,
    /// The picture's width in millimetres. A drawn seal: 40 with a purpose, 42 without. A
    /// supplied picture: 40, its height keeping the picture's aspect ratio.
    #[arg(long, value_name = "MM", value_parser = clap::value_parser!(u16).range(10..=100))]
    size_mm: Option<u16>,
    /// A certificate allowed to apply the seal (PEM); repeat for several.
    #[arg(long = "holder-cert", value_name = "DSC.pem", required = true)]
    holder_certs: Vec<PathBuf>,
    /// The seal's id (esID); default: the owner's code and a random suffix.
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// Validity in days (default 3 years).
    #[arg(long, value_name = "N", default_value_t = 1096, value_parser = parse_days)]
    days: u32,
    /// Creation time and start of validity (RFC 3339); defaults to now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// Write the seal record here.
    #[arg(long, value_name = "SEAL.seal")]
    out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct SealInspectArgs {
    /// The seal record.
    #[arg(value_name = "SEAL.seal")]
    seal: PathBuf,
    /// Check the maker's signature and chain against these roots.
    #[arg(long, value_name = "ROOTS.pem")]
    roots: Vec<PathBuf>,
    /// Intermediate CA certificates for that check.
    #[arg(long, value_name = "CERTS.pem", requires = "roots")]
    signers: Vec<PathBuf>,
    /// Write the seal's picture here.
    #[arg(long, value_name = "OUT.png")]
    picture_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SealApplyArgs {
    /// The seal record.
    #[arg(long, value_name = "SEAL.seal")]
    seal: PathBuf,
    /// The signer's private key (PKCS#8 PEM).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// The signer's certificate (PEM; CA certificates after it are carried along).
    #[arg(long, value_name = "DSC.pem")]
    cert: PathBuf,
    /// Signing time (RFC 3339); defaults to now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// Place the seal as this template says (default: the built-in one for the licence's type).
    #[arg(long, value_name = "TEMPLATE.json")]
    template: Option<PathBuf>,
    /// Page to seal, from 1.
    #[arg(long, value_name = "N", default_value_t = 1)]
    page: usize,
    /// The seal's centre from the page's left edge, in mm (with --y-mm; overrides the template).
    #[arg(long, value_name = "MM", requires = "y_mm")]
    x_mm: Option<f32>,
    /// The seal's centre from the page's top edge, in mm.
    #[arg(long, value_name = "MM", requires = "x_mm")]
    y_mm: Option<f32>,
    /// Overwrite OUT.pdf if it exists.
    #[arg(long)]
    force: bool,
    /// The licence PDF to seal (as `render --no-stamp` writes it, or one already sealed).
    #[arg(value_name = "IN.pdf")]
    input: PathBuf,
    /// Where to write the sealed PDF.
    #[arg(value_name = "OUT.pdf")]
    output: PathBuf,
}

#[derive(Debug, Subcommand)]
enum CaCommand {
    /// Create a root CA: a new key (ca.key.pem) and a self-signed certificate (ca.cert.pem).
    Init(CaInitArgs),
    /// Certify an issuing authority: a new key (issuer.key.pem, issuer.pub.pem) and its
    /// signer certificate (signer.cert.pem, followed by the CA's chain), signed by the
    /// CA in --ca, for the role --role says.
    Signer(CaSignerArgs),
    /// Create an intermediate CA (ca.key.pem, ca.cert.pem) certified by the CA in --ca.
    Intermediate(CaIntermediateArgs),
}

#[derive(Debug, Args)]
struct CaInitArgs {
    /// Directory to write ca.key.pem and ca.cert.pem into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The root's commonName.
    #[arg(long, value_name = "NAME", default_value = "elicence demo root CA")]
    name: String,
    /// Validity in days (default 20 years).
    #[arg(long, value_name = "N", default_value_t = 7305, value_parser = parse_days)]
    days: u32,
    /// Start of validity (RFC 3339); defaults to now. Fix it for reproducible demos.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct CaSignerArgs {
    /// Directory of the certifying CA (its ca.key.pem and ca.cert.pem).
    #[arg(long = "ca", value_name = "DIR")]
    ca_dir: PathBuf,
    /// The authority's name (commonName and organizationName).
    #[arg(long, value_name = "NAME")]
    name: String,
    /// The authority's unified social credit code, written as the subject's
    /// organizationIdentifier (2.5.4.97); licences it signs must name it as issuer.
    #[arg(long, value_name = "CODE", value_parser = parse_uscc)]
    uscc: Uscc,
    /// Directory to write issuer.key.pem, issuer.pub.pem and signer.cert.pem into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// What the key may sign: document-signer (licences and PDF seals), seal-maker
    /// (seal records), status-signer (status lists) or trust-list-signer (trust lists).
    #[arg(long, value_name = "ROLE", default_value = "document-signer", value_parser = parse_role)]
    role: CertRole,
    /// Certify this existing public key (SPKI PEM) instead of generating a key pair;
    /// only signer.cert.pem is written.
    #[arg(long = "pub", value_name = "PUB.pem")]
    public_key: Option<PathBuf>,
    /// Validity in days (default 3 years).
    #[arg(long, value_name = "N", default_value_t = 1096, value_parser = parse_days)]
    days: u32,
    /// Start of validity (RFC 3339); defaults to now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct CaIntermediateArgs {
    /// Directory of the certifying CA (its ca.key.pem and ca.cert.pem).
    #[arg(long = "ca", value_name = "DIR")]
    ca_dir: PathBuf,
    /// The intermediate's commonName.
    #[arg(long, value_name = "NAME")]
    name: String,
    /// Directory to write the intermediate's ca.key.pem and ca.cert.pem into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// How many further intermediates may follow below it (pathLenConstraint); unlimited if absent.
    #[arg(long, value_name = "N")]
    path_len: Option<u8>,
    /// Validity in days (default 10 years).
    #[arg(long, value_name = "N", default_value_t = 3653, value_parser = parse_days)]
    days: u32,
    /// Start of validity (RFC 3339); defaults to now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct KeygenArgs {
    /// Directory to write issuer.key.pem and issuer.pub.pem into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Overwrite existing key files.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").required(true).args(["licence", "batch"])))]
struct IssueArgs {
    /// Issuer private key (PKCS#8 PEM).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// Licence to sign (JSON, see examples/licences/).
    #[arg(long, value_name = "LICENCE.json")]
    licence: Option<PathBuf>,
    /// Sign every licence in a JSON Lines file (one object a line; blank lines skipped).
    /// With --db: also CSV (a `.csv` name); a killed run goes on where it stopped when the
    /// same command is run again; a JSON summary is printed, and the exit code is 1 if any
    /// record was rejected.
    #[arg(long, value_name = "IN.jsonl|IN.csv", requires = "out")]
    batch: Option<PathBuf>,
    /// Single: also write the COSE_Sign1 envelope here. Batch: write the QR texts here, one a
    /// line (with --db, an empty line for each rejected record).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Issue through this registry (a SQLite file path or a postgres:// URL, made by
    /// `registry init`): it allocates identifiers and status-list entries, records and logs
    /// every licence, and never issues the same request twice.
    #[arg(long, value_name = "DB")]
    db: Option<String>,
    /// With --db --batch: records per chunk, each one transaction (default 5000).
    #[arg(long, value_name = "N", requires = "db", requires = "batch")]
    chunk: Option<u64>,
    /// With --db --batch: also write each licence's printable PDF here, as IDENTIFIER.pdf.
    #[arg(long, value_name = "DIR", requires = "db", requires = "batch")]
    pdf_dir: Option<PathBuf>,
    /// Base URL of the scan endpoint that starts the QR text.
    #[arg(long, value_name = "URL", value_parser = parse_qr_base)]
    qr_base: Option<QrBase>,
    /// Signing time (RFC 3339); defaults to now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// The key's document signer certificate (PEM or DER; a bundle may add its chain).
    /// Signing is refused unless it certifies the key, names the licence's issuer code
    /// and is valid at the signing time.
    #[arg(long, value_name = "DSC.pem")]
    cert: Option<PathBuf>,
    /// The licence's status list number (with --status-index; overrides the JSON's `status`).
    #[arg(long, value_name = "ID", requires = "status_index")]
    status_list: Option<u32>,
    /// The licence's entry in that status list (with --status-list).
    #[arg(long, value_name = "N", requires = "status_list")]
    status_index: Option<u32>,
    /// Before signing, check the licence against this template instead of the
    /// built-in one for its type.
    #[arg(long, value_name = "TEMPLATE.json", conflicts_with = "no_check_render")]
    template: Option<PathBuf>,
    /// Sign even if the licence's template cannot draw it (by default a
    /// licence whose values do not fit, or that needs a character no font has,
    /// is refused, saying which field and by how much).
    #[arg(long)]
    no_check_render: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").required(true).args(["cose", "pdf", "text", "batch"])))]
#[command(group(ArgGroup::new("trust").required(true).multiple(true).args(["public_keys", "roots"])))]
struct VerifyArgs {
    /// Trusted issuer public key (SPKI PEM); repeat to trust several.
    #[arg(long = "pub", value_name = "PUB.pem")]
    public_keys: Vec<PathBuf>,
    /// Trusted root CA certificates (PEM bundle or DER); repeat for several files.
    /// Licences then verify if their signer's certificate chains to one of them,
    /// names the licence's issuer and was valid when the licence was signed.
    #[arg(long, value_name = "ROOTS.pem")]
    roots: Vec<PathBuf>,
    /// Document signer and intermediate CA certificates (PEM bundle or DER); repeat for several files.
    #[arg(long, value_name = "DSCS.pem", requires = "roots")]
    signers: Vec<PathBuf>,
    /// A trust list (as `trust-list make` writes it), checked against --roots: its
    /// entries then say which certificates speak for which authority (for a PDF:
    /// who signs the licence inside).
    #[arg(long, value_name = "TL.cose", requires = "roots")]
    trust_list: Option<PathBuf>,
    /// An authority's status list token (as `status make` writes it), checked against
    /// --roots and the trust list; repeat for several.
    #[arg(long = "status", value_name = "LIST.cwt", requires = "roots")]
    status_lists: Vec<PathBuf>,
    /// What an unknown or stale status does: fail-closed (invalid) or warn.
    #[arg(long, value_name = "POLICY", value_enum, default_value_t = StatusPolicyArg::FailClosed)]
    status_policy: StatusPolicyArg,
    /// Verification time (RFC 3339); defaults to now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// Read a COSE_Sign1 envelope from this file (a `.cose` file may carry its
    /// signer's chain, checked against --roots).
    #[arg(long, value_name = "FILE")]
    cose: Option<PathBuf>,
    /// Read the envelope embedded in a licence PDF (as `render --pdf` writes it); if the PDF
    /// is sealed, its seals are checked against --roots too, and their certificates may
    /// supply the licence's signer.
    #[arg(long, value_name = "FILE.pdf")]
    pdf: Option<PathBuf>,
    /// Verify every QR text in this file (one a line; blank lines skipped) and print a JSON summary line.
    #[arg(long, value_name = "CODES.txt")]
    batch: Option<PathBuf>,
    /// With --batch: print a JSON line {"line":n,"reasons":[...]} on stdout for each invalid code, before the summary.
    #[arg(long, requires = "batch")]
    details: bool,
    /// How to print the verdict: json (every detail, for programs) or text (the
    /// verdict and its reasons in plain words, for people).
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = FormatArg::Json)]
    format: FormatArg,
    /// The language of --format text: zh (Simplified Chinese, the default) or en.
    #[arg(long, value_name = "LANG", value_enum)]
    lang: Option<LangArg>,
    /// The licence: QR text, `-` to read stdin, or a file (a `.cose` envelope, a
    /// licence PDF or a file of QR text), read as its content says.
    #[arg(value_name = "QRTEXT|FILE")]
    text: Option<String>,
}

/// `verify --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// The verdict as JSON.
    Json,
    /// The verdict in plain words.
    Text,
}

/// `verify --lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LangArg {
    /// Simplified Chinese.
    Zh,
    /// English.
    En,
}

/// `verify --status-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StatusPolicyArg {
    /// An unknown or stale status makes the licence invalid.
    FailClosed,
    /// An unknown or stale status is a warning only.
    Warn,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").required(true).args(["cose", "text"])))]
struct InspectArgs {
    /// Read a raw COSE_Sign1 envelope from this file.
    #[arg(long, value_name = "FILE")]
    cose: Option<PathBuf>,
    /// The licence: QR text, `-` to read stdin, or a file (a `.cose` envelope, a
    /// licence PDF or a file of QR text), read as its content says.
    #[arg(value_name = "QRTEXT|FILE")]
    text: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("output").required(true).multiple(true).args(["png", "pdf"])))]
struct RenderArgs {
    /// The signed licence (COSE_Sign1 envelope, as `issue --out` writes it).
    #[arg(long, value_name = "FILE.cose")]
    cose: PathBuf,
    /// Write the phone image here.
    #[arg(long, value_name = "OUT.png")]
    png: Option<PathBuf>,
    /// Write the printable PDF here (the envelope is embedded in it).
    #[arg(long, value_name = "OUT.pdf")]
    pdf: Option<PathBuf>,
    /// Lay out with this template (JSON, see examples/templates/) instead of the built-in one for the type.
    #[arg(long, value_name = "TEMPLATE.json")]
    template: Option<PathBuf>,
    /// Draw text with this font first (TrueType/OpenType); the embedded face and system fonts fill in.
    #[arg(long, value_name = "FONT")]
    font: Option<PathBuf>,
    /// Face number within a font collection (.ttc) given with --font.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "font")]
    font_index: u32,
    /// The holder's photo (PNG); required when the licence signs a photo digest.
    #[arg(long, value_name = "PHOTO.png")]
    photo: Option<PathBuf>,
    /// Use this seal picture (PNG with transparency) instead of generating one.
    #[arg(long, value_name = "SEAL.png")]
    seal_png: Option<PathBuf>,
    /// Leave the seal's place empty in the PDF, for `seal apply` to put a signed seal there.
    #[arg(long)]
    no_stamp: bool,
    /// Base URL of the scan endpoint that starts the QR text.
    #[arg(long, value_name = "URL", value_parser = parse_qr_base)]
    qr_base: Option<QrBase>,
    /// PNG width in pixels.
    #[arg(long, value_name = "PX", default_value_t = elicence::render::DEFAULT_PNG_WIDTH)]
    width: u32,
    /// QR error correction in the PNG (L, M, Q or H).
    #[arg(long, value_name = "LEVEL", default_value = "M")]
    screen_level: EcLevel,
    /// QR error correction in the PDF (L, M, Q or H).
    #[arg(long, value_name = "LEVEL", default_value = "Q")]
    print_level: EcLevel,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Directory to write the demo envelopes, QR texts, PNGs, PDFs and public key into,
    /// and the demo PKI (pki/) and the licences signed under it (trust/).
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// Verification time (RFC 3339); defaults to now. The demo licences
    /// expire between 2029 and 2030.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
}

/// A failure that ends the command with a message on stderr.
#[derive(Debug)]
pub struct CliError {
    message: String,
    code: u8,
}

impl CliError {
    /// A usage or I/O error (exit 2).
    pub fn new(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 2,
        }
    }

    /// A failure with a specific exit code.
    pub fn with_code(message: impl Into<String>, code: u8) -> Self {
        CliError {
            message: message.into(),
            code,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// What every command returns: its exit code, or an error to report.
pub type CliResult = Result<ExitCode, CliError>;

/// The current time. The library never reads the clock; this is the one place
/// the tool does.
pub fn now() -> UnixTime {
    let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    };
    UnixTime::from_secs(secs)
}

/// Writes one line to stdout. A closed pipe (`| head`) is not an error: the
/// reader has all it wanted, and the exit code still reports the result.
pub fn write_line(line: fmt::Arguments<'_>) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    match writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(CliError::new(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// Every `--at`: RFC 3339, from [`EARLIEST_AT`] to [`LATEST_AT`].
fn parse_time(s: &str) -> Result<UnixTime, String> {
    let at = UnixTime::parse_rfc3339(s).map_err(|e| e.to_string())?;
    check_time(at)
}

/// The span of times the tool accepts for `--at`. Outside it a time is a
/// typo (a year 9999 signs a licence that can never verify, a year 1970
/// one that is expired); fixed, so that the tool reads the clock only when
/// `--at` is not given.
const EARLIEST_AT: &str = "2000-01-01T00:00:00Z";
/// See [`EARLIEST_AT`]: about a hundred years from when this was written.
const LATEST_AT: &str = "2126-01-01T00:00:00Z";

fn check_time(at: UnixTime) -> Result<UnixTime, String> {
    let bound = |text| UnixTime::parse_rfc3339(text).map_err(|e| e.to_string());
    let (earliest, latest) = (bound(EARLIEST_AT)?, bound(LATEST_AT)?);
    if at < earliest || at >= latest {
        return Err(format!(
            "{at} is outside the times accepted ({EARLIEST_AT} to before {LATEST_AT})"
        ));
    }
    Ok(at)
}

fn parse_uscc(s: &str) -> Result<Uscc, String> {
    s.parse::<Uscc>().map_err(|e| e.to_string())
}

fn parse_days(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(days) if (1..=MAX_DAYS).contains(&days) => Ok(days),
        _ => Err(format!("expected a number of days from 1 to {MAX_DAYS}")),
    }
}

/// Longest validity accepted, in days: a hundred years.
const MAX_DAYS: u32 = 36_525;

fn parse_qr_base(s: &str) -> Result<QrBase, String> {
    QrBase::new(s).map_err(|e| e.to_string())
}

fn parse_role(s: &str) -> Result<CertRole, String> {
    s.parse::<CertRole>().map_err(|e| e.to_string())
}

/// `LEFT=RIGHT`, both non-empty.
fn split_pair<'a>(s: &'a str, form: &str) -> Result<(&'a str, &'a str), String> {
    match s.split_once('=') {
        Some((left, right)) if !left.is_empty() && !right.is_empty() => Ok((left, right)),
        _ => Err(format!("expected {form}")),
    }
}

/// `INDEX=CODE`: the code as two digits, or the status's English name.
fn parse_status_set(s: &str) -> Result<(u32, LicenceStatus), String> {
    let (index, code) = split_pair(s, "INDEX=CODE, e.g. 4821=03")?;
    let index = index
        .parse::<u32>()
        .map_err(|_| format!("{index:?} is not an entry index"))?;
    Ok((index, parse_status_code(code)?))
}

/// A status: its two-digit code, its English name or its Chinese label.
fn parse_status_code(code: &str) -> Result<LicenceStatus, String> {
    let wanted = code.to_ascii_lowercase().replace('_', " ");
    LicenceStatus::from_code(code)
        .or_else(|| {
            LicenceStatus::ALL
                .into_iter()
                .find(|st| st.label_en() == wanted || st.label() == code)
        })
        .ok_or_else(|| {
            format!(
                "{code:?} is no status code (01 valid, 02 suspended, 03 revoked, 04 cancelled, \
                 05 lapsed, 06 transferred_out, 07 withdrawn, 99 other)"
            )
        })
}

fn parse_allow(s: &str) -> Result<(Uscc, LicenceTypeCode), String> {
    let (uscc, code) = split_pair(s, "USCC=TYPECODE")?;
    let uscc = parse_uscc(uscc)?;
    let code = code
        .parse::<LicenceTypeCode>()
        .map_err(|e| format!("{code}: {e}"))?;
    Ok((uscc, code))
}

fn parse_status_base(s: &str) -> Result<(Uscc, String), String> {
    let (uscc, url) = split_pair(s, "USCC=URL")?;
    Ok((parse_uscc(uscc)?, url.to_owned()))
}

fn parse_retire(s: &str) -> Result<(PathBuf, UnixTime), String> {
    let (file, time) = s
        .rsplit_once('=')
        .filter(|(f, t)| !f.is_empty() && !t.is_empty())
        .ok_or_else(|| "expected FILE.pem=RFC3339".to_owned())?;
    Ok((PathBuf::from(file), parse_time(time)?))
}

fn parse_revoke(s: &str) -> Result<(PathBuf, UnixTime, RevocationReason), String> {
    let form = "expected FILE.pem=RFC3339,REASON";
    let (file, rest) = s
        .rsplit_once('=')
        .filter(|(f, _)| !f.is_empty())
        .ok_or_else(|| form.to_owned())?;
    let (time, reason) = rest.split_once(',').ok_or_else(|| form.to_owned())?;
    let reason = RevocationReason::from_name(reason).ok_or_else(|| {
        format!(
            "{reason:?} is no revocation reason (key_compromise, superseded, \
             cessation_of_operation, unspecified)"
        )
    })?;
    Ok((PathBuf::from(file), parse_time(time)?, reason))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen(args) => keygen::run(&args),
        Command::Issue(args) => issue::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Ca(CaCommand::Init(args)) => ca::init(&args),
        Command::Ca(CaCommand::Signer(args)) => ca::signer(&args),
        Command::Ca(CaCommand::Intermediate(args)) => ca::intermediate(&args),
        Command::Seal(SealCommand::Make(args)) => seal::make(&args),
        Command::Seal(SealCommand::Inspect(args)) => seal::inspect(&args),
        Command::Seal(SealCommand::Apply(args)) => seal::apply(&args),
        Command::Status(StatusCommand::Make(args)) => status::make(&args),
        Command::Status(StatusCommand::Show(args)) => status::show(&args),
        Command::TrustList(TrustListCommand::Make(args)) => trust_list::make(&args),
        Command::TrustList(TrustListCommand::Show(args)) => trust_list::show(&args),
        Command::Registry(command) => registry::run(&command),
        Command::Log(command) => log::run(&command),
        Command::Serve(args) => serve::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Nothing is left to report a failure to if stderr is gone.
            let _ = writeln!(io::stderr(), "elicence: {e}");
            ExitCode::from(e.code)
        }
    }
}
