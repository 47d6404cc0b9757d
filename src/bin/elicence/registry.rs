//! `elicence registry`: the register of issued licences (a SQLite file or a
//! PostgreSQL database). Every rule is the library's (`elicence::registry`):
//! each command parses its arguments, calls one library function and prints
//! what it returned as JSON.

mod batch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use elicence::registry::{
    CATALOGUE_COLUMNS, CatalogueEntry, LicenceRow, MAX_PAGE, NameMatch, PublishedList, Registry,
    RegistryError, StatusChangeRow,
};
use elicence::status::LicenceStatus;
use elicence::{UnixTime, Uscc};
use serde_json::{Value, json};

use crate::files::{AtomicFile, create_dir, read_certificates, read_signing_key, write_atomic};
use crate::verify::pretty;
use crate::{CliError, CliResult, now, parse_status_code, parse_time, parse_uscc};

pub use batch::{BatchJob, issue_batch_registered};

/// Where status lists are published unless `--base` says otherwise, as for
/// `status make`; the authority's code follows.
const DEFAULT_STATUS_BASE: &str = "https://verify.example.gov.cn/status";
/// Entries asked of the registry at a time by `export`: the most one call
/// gives.
const EXPORT_PAGE: u64 = 10_000;

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Create a registry (a new SQLite file, or an empty PostgreSQL database) whose
    /// transparency log is named ORIGIN.
    Init(InitArgs),
    /// Change a licence's status (suspend, revoke, ...): recorded with who and why,
    /// logged, and its status list marked for publishing.
    Status(StatusArgs),
    /// Sign the signer's authority's status lists that changed since they were last
    /// published (or all of them) and write each as DIR/{authority}/{list}.cwt.
    Publish(PublishArgs),
    /// Public look-up of an organisation's licences, by credit code or by name
    /// (natural persons are never returned).
    Lookup(LookupArgs),
    /// Export the catalogue entries (目录信息) of licences issued or changed at log
    /// index N or later, as JSON Lines or CSV.
    Export(ExportArgs),
    /// Print one licence's record (its envelope's SHA-256, not the envelope) and
    /// its status history.
    Show(ShowArgs),
}

/// The registry every subcommand works on.
#[derive(Debug, Args)]
pub struct DbArg {
    /// The registry: a SQLite file path, or a postgres:// URL.
    #[arg(long, value_name = "DB")]
    pub db: String,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    db: DbArg,
    /// The log's origin line (its checkpoints' first line and its key's name),
    /// e.g. verify.example.gov.cn/log.
    #[arg(long, value_name = "ORIGIN")]
    origin: String,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    db: DbArg,
    /// The licence's identifier (GB/T 36904).
    #[arg(long, value_name = "IDENTIFIER")]
    id: String,
    /// The new status: 01 to 07 or 99 (or valid, suspended, revoked, cancelled, lapsed,
    /// transferred_out, withdrawn, other).
    #[arg(long, value_name = "CODE", value_parser = parse_status_code)]
    status: LicenceStatus,
    /// Why, in the operator's words (kept in the licence's history).
    #[arg(long, value_name = "TEXT")]
    reason: String,
    /// Who makes the change.
    #[arg(long, value_name = "NAME")]
    operator: String,
    /// When the change takes effect (RFC 3339); defaults to now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    #[command(flatten)]
    db: DbArg,
    /// The status-list signer's private key (PKCS#8 PEM).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// The signer's certificate (status-signer role), then its CA certificates,
    /// carried in each token's x5chain.
    #[arg(long, value_name = "CERT.pem")]
    cert: PathBuf,
    /// Write the lists under this directory, as {authority}/{list}.cwt.
    #[arg(long, value_name = "DIR")]
    out_dir: PathBuf,
    /// Base of the lists' URIs, `{base}/{list}` (default
    /// https://verify.example.gov.cn/status/{the certificate's authority code}).
    #[arg(long, value_name = "URL")]
    base: Option<String>,
    /// Seconds after signing until verifiers should fetch newer lists.
    #[arg(long, value_name = "SECS", default_value_t = 86_400)]
    ttl: u64,
    /// Sign every list of the authority, not only those that changed.
    #[arg(long)]
    all: bool,
    /// Signing time (RFC 3339); defaults to now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("query").required(true).args(["uscc", "name"])))]
pub struct LookupArgs {
    #[command(flatten)]
    db: DbArg,
    /// The holder's unified social credit code (exact).
    #[arg(long, value_name = "CODE", value_parser = parse_uscc)]
    uscc: Option<Uscc>,
    /// The start of the holder's name (with --contains: any part, 3 characters or more).
    #[arg(long, value_name = "TEXT")]
    name: Option<String>,
    /// Match --name anywhere in the name, not only at its start.
    #[arg(long, requires = "name")]
    contains: bool,
    /// The `next` of the previous page.
    #[arg(long, value_name = "N")]
    after: Option<u64>,
    /// Licences per page (at most 100).
    #[arg(long, value_name = "N", default_value_t = MAX_PAGE)]
    limit: u32,
}

/// `registry export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One JSON object a line.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    db: DbArg,
    /// Export licences issued or changed at this log index or later: give one past
    /// the largest `last_change` of the previous export.
    #[arg(long, value_name = "N", default_value_t = 0)]
    since: u64,
    /// The output's format.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = ExportFormat::Jsonl)]
    format: ExportFormat,
    /// Write here (atomically) and print a summary; without it the entries go to stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Export at most this many entries (default: all).
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    db: DbArg,
    /// The licence's identifier (GB/T 36904).
    #[arg(long, value_name = "IDENTIFIER")]
    id: String,
}

pub fn run(command: &RegistryCommand) -> CliResult {
    match command {
        RegistryCommand::Init(args) => init(args),
        RegistryCommand::Status(args) => status(args),
        RegistryCommand::Publish(args) => publish(args),
        RegistryCommand::Lookup(args) => lookup(args),
        RegistryCommand::Export(args) => export(args),
        RegistryCommand::Show(args) => show(args),
    }
}

/// Opens a registry made by `registry init`.
pub fn open_registry(db: &str) -> Result<Registry, CliError> {
    Registry::open(db).map_err(registry_failure)
}

/// A registry failure as the tool reports it (exit 2). The location is not
/// repeated: a PostgreSQL URL may hold a password.
pub fn registry_failure(e: RegistryError) -> CliError {
    CliError::new(format!("registry: {e} ({})", e.code()))
}

fn init(args: &InitArgs) -> CliResult {
    let registry = Registry::create(&args.db.db, &args.origin).map_err(registry_failure)?;
    print_json(&json!({
        "created": true,
        "backend": registry.backend(),
        "origin": args.origin,
    }))
}

fn status(args: &StatusArgs) -> CliResult {
    let mut registry = open_registry(&args.db.db)?;
    let change = registry
        .set_status(
            &args.id,
            args.status,
            &args.reason,
            &args.operator,
            args.at.unwrap_or_else(now),
        )
        .map_err(registry_failure)?;
    print_json(&json!({
        "identifier": change.identifier,
        "from": change.from.code(),
        "to": change.to.code(),
        "to_label": change.to.label(),
        "log_index": change.log_index,
        "list": { "authority": change.list.0, "list": change.list.1 },
    }))
}

fn publish(args: &PublishArgs) -> CliResult {
    let key = read_signing_key(&args.key)?;
    let chain = read_certificates(&args.cert)?;
    let base = match &args.base {
        Some(base) => base.clone(),
        None => {
            let code = chain
                .first()
                .and_then(|cert| cert.authority_code())
                .ok_or_else(|| {
                    CliError::new(format!(
                        "{}: the certificate names no authority code; give --base",
                        args.cert.display()
                    ))
                })?;
            format!("{DEFAULT_STATUS_BASE}/{code}")
        }
    };
    let mut registry = open_registry(&args.db.db)?;
    let lists = registry
        .publish(
            &key,
            &chain,
            &base,
            args.at.unwrap_or_else(now),
            args.ttl,
            args.all,
        )
        .map_err(registry_failure)?;
    // The registry marked them published: write every one before failing on any.
    let written = lists
        .iter()
        .map(|list| write_list(&args.out_dir, list))
        .collect::<Result<Vec<_>, _>>()?;
    print_json(&json!({ "published": written }))
}

/// Writes one signed list as `DIR/{authority}/{list}.cwt` (the layout the
/// demo's status lists have) and describes it.
fn write_list(dir: &Path, list: &PublishedList) -> Result<Value, CliError> {
    let authority_dir = dir.join(&list.authority);
    create_dir(&authority_dir)?;
    let path = authority_dir.join(format!("{}.cwt", list.list));
    write_atomic(&path, list.token.as_bytes())?;
    Ok(json!({
        "authority": list.authority,
        "list": list.list,
        "uri": list.token.subject(),
        "file": path.display().to_string(),
        "entries": list.token.list().len(),
    }))
}

fn lookup(args: &LookupArgs) -> CliResult {
    let mut registry = open_registry(&args.db.db)?;
    let page = match (&args.uscc, &args.name) {
        (Some(uscc), _) => registry.lookup_by_uscc(uscc, args.after, args.limit),
        (None, Some(name)) => {
            let query = if args.contains {
                NameMatch::Contains(name.clone())
            } else {
                NameMatch::Prefix(name.clone())
            };
            registry.lookup_by_name(&query, args.after, args.limit)
        }
        // clap's argument group rules this out.
        (None, None) => return Err(CliError::new("give --uscc or --name")),
    }
    .map_err(registry_failure)?;
    let value = serde_json::to_value(&page)
        .map_err(|e| CliError::new(format!("cannot print the page: {e}")))?;
    print_json(&value)
}

fn export(args: &ExportArgs) -> CliResult {
    let mut registry = open_registry(&args.db.db)?;
    let mut sink = ExportSink::new(args.format, args.out.as_deref())?;
    let mut since = args.since;
    let mut left = args.limit.unwrap_or(u64::MAX);
    let mut count = 0u64;
    // Pages as the library documents them: again from one past the last
    // entry's `last_change`, until a page comes back short.
    while left > 0 {
        let want = left.min(EXPORT_PAGE);
        let entries = registry
            .changed_since(since, u32::try_from(want).unwrap_or(u32::MAX))
            .map_err(registry_failure)?;
        for entry in &entries {
            sink.write(entry)?;
        }
        let got = entries.len() as u64;
        count += got;
        left -= got.min(left);
        let Some(last) = entries.last() else { break };
        since = last.last_change + 1;
        if got < want {
            break;
        }
    }
    sink.finish(count, since)
}

/// Where `export` writes: stdout, or a file renamed into place at the end.
struct ExportSink {
    format: ExportFormat,
    file: Option<(PathBuf, AtomicFile)>,
    header_written: bool,
}

impl ExportSink {
    fn new(format: ExportFormat, out: Option<&Path>) -> Result<Self, CliError> {
        let file = out
            .map(|path| AtomicFile::create(path, false).map(|f| (path.to_owned(), f)))
            .transpose()?;
        Ok(ExportSink {
            format,
            file,
            header_written: false,
        })
    }

    fn write(&mut self, entry: &CatalogueEntry) -> Result<(), CliError> {
        if self.format == ExportFormat::Csv && !self.header_written {
            self.header_written = true;
            self.line(&csv_line(CATALOGUE_COLUMNS.iter().copied())?)?;
        }
        let line = match self.format {
            ExportFormat::Jsonl => serde_json::to_string(entry)
                .map_err(|e| CliError::new(format!("cannot print an entry: {e}")))?,
            ExportFormat::Csv => csv_line(entry.csv_fields().iter().map(String::as_str))?,
        };
        self.line(&line)
    }

    fn line(&mut self, line: &str) -> Result<(), CliError> {
        match &mut self.file {
            Some((_, file)) => {
                file.write_all(line.as_bytes())?;
                file.write_all(b"\n")
            }
            None => outln!("{line}"),
        }
    }

    /// Commits the file and prints a summary (with a file), or ends stdout.
    fn finish(mut self, count: u64, next_since: u64) -> CliResult {
        // An empty CSV export still names its columns.
        if self.format == ExportFormat::Csv && !self.header_written {
            self.header_written = true;
            self.line(&csv_line(CATALOGUE_COLUMNS.iter().copied())?)?;
        }
        if let Some((path, file)) = self.file.take() {
            file.commit()?;
            print_json(&json!({
                "exported": count,
                "out": path.display().to_string(),
                "next_since": next_since,
            }))?;
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// One CSV record, quoted as the csv crate quotes, without its line end.
fn csv_line<'a>(fields: impl Iterator<Item = &'a str>) -> Result<String, CliError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer
        .write_record(fields)
        .map_err(|e| CliError::new(format!("cannot write CSV: {e}")))?;
    let bytes = writer
        .into_inner()
        .map_err(|e| CliError::new(format!("cannot write CSV: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| CliError::new(e.to_string()))?;
    Ok(text.trim_end_matches('\n').to_owned())
}

fn show(args: &ShowArgs) -> CliResult {
    let mut registry = open_registry(&args.db.db)?;
    let row = registry
        .licence(&args.id)
        .map_err(registry_failure)?
        .ok_or_else(|| CliError::new(format!("registry: no licence {}", args.id)))?;
    let history = registry
        .status_history(&args.id)
        .map_err(registry_failure)?;
    print_json(&record_json(&row, &history))
}

/// A licence's record for its registry's operators: everything stored but
/// the envelope, whose hash stands for it.
fn record_json(row: &LicenceRow, history: &[StatusChangeRow]) -> Value {
    json!({
        "identifier": row.identifier,
        "request_id": row.request_id,
        "type_code": row.type_code,
        "authority": row.authority,
        "serial": row.serial,
        "number": row.number,
        "holder_name": row.holder_name,
        "holder_kind": if row.holder_is_org { "organisation" } else { "person" },
        "holder_code": row.holder_code,
        "issuer_name": row.issuer_name,
        "issue_date": row.issue_date,
        "valid_from": row.valid_from,
        "valid_until": row.valid_until,
        "issued_at": rfc3339(row.issued_at),
        "envelope_sha256": hex(&row.envelope_sha256),
        "envelope_bytes": row.envelope.len(),
        "status_reference": { "list": row.status_list, "index": row.status_index },
        "status": row.status,
        "status_label": status_label(&row.status),
        "status_at": rfc3339(row.status_at),
        "log_index": row.log_index,
        "last_change": row.last_change,
        "history": history.iter().map(change_json).collect::<Vec<_>>(),
    })
}

fn change_json(change: &StatusChangeRow) -> Value {
    json!({
        "seq": change.seq,
        "status": change.code,
        "status_label": status_label(&change.code),
        "reason": change.reason,
        "operator": change.operator,
        "at": rfc3339(change.at),
        "log_index": change.log_index,
    })
}

fn status_label(code: &str) -> &'static str {
    LicenceStatus::from_code(code).map_or("unknown", LicenceStatus::label)
}

fn rfc3339(secs: i64) -> String {
    UnixTime::from_secs(secs).to_rfc3339_utc()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Prints a JSON value (pretty) and succeeds.
pub fn print_json(value: &Value) -> CliResult {
    outln!("{}", pretty(value))?;
    Ok(ExitCode::SUCCESS)
}
