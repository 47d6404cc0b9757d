//! Full-quantity issuance (全量制证): a million-line file issued in chunks,
//! each chunk one transaction, so that a process killed at any moment is
//! resumed by running the same job again, and several processes (on
//! PostgreSQL, several machines) can share one job.
//!
//! A job is named by the SHA-256 of its input file. Its chunks are fixed
//! runs of records; a chunk is claimed, parsed, signed, recorded, logged and
//! marked done in one transaction. Memory holds one chunk (and, for the
//! plan, one byte offset per chunk) whatever the file's length.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::{IssueRequest, IssuingKey, Registry, RegistryError, hex_lower, issue_in};
use crate::date::UnixTime;
use crate::envelope::SignedLicence;
use crate::licence::Licence;
use crate::qr::{self, QrBase};

/// The longest record accepted, in bytes.
pub const MAX_RECORD_BYTES: usize = 256 * 1024;
/// The most rejected records a [`BatchSummary`] lists.
pub const MAX_LISTED_REJECTS: u32 = 1_000;
/// Records per chunk unless the options say otherwise: a chunk is one
/// transaction, so larger chunks spread each commit's fsync and index
/// writes over more licences (5,000 issue about a third faster than 2,000
/// into SQLite on two cores), while memory holds one chunk (a few MB) and a
/// crash redoes at most one.
pub const DEFAULT_CHUNK_LINES: u64 = 5_000;

/// How a batch file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BatchFormat {
    /// One JSON object per line: a licence as `Licence::from_json` reads it,
    /// or `{"request_id": "...", "licence": {...}}`. Blank lines are skipped.
    Jsonl,
    /// CSV with a header row. Columns: `request_id` (optional), `type_code`,
    /// `number`, `holder_name`, `holder_id_type`, `holder_id_number`,
    /// `issuer_name`, `issuer_code`, `issue_date`, `valid_from`,
    /// `valid_until`, and any number of `face:<label>` columns (empty
    /// cells are left off the face).
    Csv,
}

impl BatchFormat {
    /// The format a file name implies: `.csv` is CSV, anything else JSONL.
    pub fn from_path(path: &Path) -> BatchFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("csv") => BatchFormat::Csv,
            _ => BatchFormat::Jsonl,
        }
    }
}

/// A batch input read once: its job name, its length and where each chunk
/// starts.
#[derive(Debug, Clone)]
pub struct BatchPlan {
    path: PathBuf,
    format: BatchFormat,
    job: String,
    file_len: u64,
    records: u64,
    chunk_lines: u64,
    /// (byte offset, line number) of each chunk's first record.
    chunk_starts: Vec<(u64, u64)>,
    header: Option<csv::StringRecord>,
}

impl BatchPlan {
    /// The job's name: the input's SHA-256, hex, with the format and the
    /// chunk length (a job is the same only if all three are).
    pub fn job(&self) -> &str {
        &self.job
    }

    /// How many records the input holds.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// How many chunks the job has.
    pub fn chunks(&self) -> u64 {
        self.chunk_starts.len() as u64
    }
}

/// Reads the input once: its hash, its records and where each chunk starts.
///
/// # Errors
/// [`RegistryError::BatchInput`] if it cannot be read.
pub fn plan_batch(
    path: &Path,
    format: BatchFormat,
    chunk_lines: u64,
) -> Result<BatchPlan, RegistryError> {
    let chunk_lines = chunk_lines.clamp(1, super::MAX_GROUP as u64);
    let input_error = |message: String| RegistryError::BatchInput {
        path: path.display().to_string(),
        message,
    };
    let file = File::open(path).map_err(|e| input_error(e.to_string()))?;
    let file_len = file
        .metadata()
        .map_err(|e| input_error(e.to_string()))?
        .len();
    let mut hasher = Sha256::new();
    let mut chunk_starts = Vec::new();
    let mut records = 0u64;
    let mut header = None;
    match format {
        BatchFormat::Jsonl => {
            let mut reader = BufReader::with_capacity(1 << 20, file);
            let mut offset = 0u64;
            let mut line_no = 0u64;
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = reader
                    .read_until(b'\n', &mut line)
                    .map_err(|e| input_error(e.to_string()))?;
                if n == 0 {
                    break;
                }
                hasher.update(&line);
                line_no += 1;
                if !line.iter().all(u8::is_ascii_whitespace) {
                    if records.is_multiple_of(chunk_lines) {
                        chunk_starts.push((offset, line_no));
                    }
                    records += 1;
                }
                offset += n as u64;
            }
        }
        BatchFormat::Csv => {
            let mut hashing = HashingReader {
                inner: BufReader::with_capacity(1 << 20, file),
                hasher: &mut hasher,
            };
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(false)
                .from_reader(&mut hashing);
            header = Some(
                reader
                    .headers()
                    .map_err(|e| input_error(e.to_string()))?
                    .clone(),
            );
            let mut record = csv::StringRecord::new();
            loop {
                let position = reader.position().clone();
                let more = reader
                    .read_record(&mut record)
                    .map_err(|e| input_error(e.to_string()))?;
                if !more {
                    break;
                }
                if records.is_multiple_of(chunk_lines) {
                    chunk_starts.push((position.byte(), position.line()));
                }
                records += 1;
            }
            // The csv reader stops at the last record; hash the rest too.
            drop(reader);
            std::io::copy(&mut hashing, &mut std::io::sink())
                .map_err(|e| input_error(e.to_string()))?;
        }
    }
    let digest = hasher.finalize();
    let kind = match format {
        BatchFormat::Jsonl => "jsonl",
        BatchFormat::Csv => "csv",
    };
    Ok(BatchPlan {
        path: path.to_owned(),
        format,
        job: format!("{}.{kind}.{chunk_lines}", hex_lower(&digest)),
        file_len,
        records,
        chunk_lines,
        chunk_starts,
        header,
    })
}

struct HashingReader<'a, R> {
    inner: R,
    hasher: &'a mut Sha256,
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(read) = buf.get(..n) {
            self.hasher.update(read);
        }
        Ok(n)
    }
}

/// How a batch runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BatchOptions {
    /// The signing time of every licence.
    pub at: UnixTime,
    /// This worker's name, recorded on the chunks it leases.
    pub owner: String,
    /// How long a claimed chunk stays leased to this worker.
    pub lease_secs: i64,
}

impl BatchOptions {
    /// Options signing at `at`, under a worker name made of the host's
    /// process id.
    pub fn new(at: UnixTime) -> BatchOptions {
        BatchOptions {
            at,
            owner: format!("pid-{}", std::process::id()),
            lease_secs: 600,
        }
    }
}

/// Where a batch stands, after each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchProgress {
    /// Records in the input.
    pub records: u64,
    /// Records in chunks done (by any worker).
    pub records_done: u64,
    /// Licences this run issued.
    pub issued: u64,
    /// Records this run found issued already (their request id was done).
    pub already: u64,
    /// Records this run could not issue.
    pub rejected: u64,
}

/// What a finished batch did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BatchSummary {
    /// The job's name.
    pub job: String,
    /// This run's counts.
    pub progress: BatchProgress,
    /// How many records of the job (by any run) were rejected.
    pub rejected_in_job: u64,
    /// The first [`MAX_LISTED_REJECTS`] of them, as (line, message): a
    /// million bad lines must not become a million strings in memory.
    pub rejects: Vec<(u64, String)>,
}

/// One parsed record.
enum Parsed {
    Request(Box<IssueRequest>),
    Reject(String),
}

/// Runs a batch job to completion: claims chunks until none is left, then
/// waits for chunks other workers hold.
///
/// # Errors
/// [`RegistryError::BatchChanged`] if the input changed since it was
/// planned; store errors (a chunk that failed is rolled back and is
/// claimed again by the next run).
pub fn run_batch(
    registry: &mut Registry,
    key: &IssuingKey,
    plan: &BatchPlan,
    options: &BatchOptions,
    progress: &mut dyn FnMut(&BatchProgress),
) -> Result<BatchSummary, RegistryError> {
    {
        let mut tx = registry.store_mut().write()?;
        tx.create_job(&plan.job, plan.records, plan.chunk_lines, plan.chunks())?;
        tx.commit()?;
    }
    let mut counts = BatchProgress {
        records: plan.records,
        records_done: 0,
        issued: 0,
        already: 0,
        rejected: 0,
    };
    loop {
        let now = now_secs();
        let mut tx = registry.store_mut().write()?;
        let claim = tx.claim_chunk(&plan.job, &options.owner, now, now + options.lease_secs)?;
        let Some(claim) = claim else {
            let (_, _, chunks, done) = tx.job(&plan.job)?.unwrap_or((0, 0, 0, 0));
            let (rejected_in_job, rejects) = tx.rejects(&plan.job, MAX_LISTED_REJECTS)?;
            drop(tx);
            counts.records_done = plan.records.min(done * plan.chunk_lines);
            if done >= chunks {
                counts.records_done = plan.records;
                progress(&counts);
                return Ok(BatchSummary {
                    job: plan.job.clone(),
                    progress: counts,
                    rejected_in_job,
                    rejects,
                });
            }
            // Other workers hold the rest: wait for them (or their leases).
            progress(&counts);
            thread::sleep(Duration::from_millis(500));
            continue;
        };
        let records = read_chunk(plan, claim.chunk)?;
        let mut requests = Vec::with_capacity(records.len());
        let mut rejected = 0;
        for (line, parsed) in records {
            let parsed = match parsed {
                Parsed::Request(request) => match request.check(key) {
                    Ok(()) => Parsed::Request(request),
                    Err(e) => Parsed::Reject(e.to_string()),
                },
                reject => reject,
            };
            match parsed {
                Parsed::Request(request) => requests.push(*request),
                Parsed::Reject(message) => {
                    tx.insert_reject(&plan.job, line, &message)?;
                    rejected += 1;
                }
            }
        }
        let issued = issue_in(tx.as_mut(), key, requests, options.at)?;
        tx.finish_chunk(&plan.job, claim.chunk)?;
        let (_, _, _, done) = tx.job(&plan.job)?.unwrap_or((0, 0, 0, 0));
        tx.commit()?;
        let new = issued.iter().filter(|i| i.is_new()).count() as u64;
        counts.issued += new;
        counts.already += issued.len() as u64 - new;
        counts.rejected += rejected;
        counts.records_done = plan.records.min(done * plan.chunk_lines);
        progress(&counts);
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Reads one chunk's records, each with its line number, parsing them on
/// all cores.
fn read_chunk(plan: &BatchPlan, chunk: u64) -> Result<Vec<(u64, Parsed)>, RegistryError> {
    let mut raw = Vec::new();
    for_each_record(plan, chunk, &mut |line, record| {
        raw.push((line, record));
        Ok(())
    })?;
    let threads = thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let per_thread = raw.len().div_ceil(threads).max(1);
    let header = plan.header.as_ref();
    let parsed: Vec<Vec<(u64, Parsed)>> = thread::scope(|scope| {
        let handles: Vec<_> = raw
            .chunks(per_thread)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(line, record)| (*line, record.parse(header)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Vec::new()))
            .collect()
    });
    let out: Vec<(u64, Parsed)> = parsed.into_iter().flatten().collect();
    if out.len() != raw.len() {
        return Err(RegistryError::BatchInput {
            path: plan.path.display().to_string(),
            message: "a parsing thread failed".to_owned(),
        });
    }
    Ok(out)
}

/// One record as read, before parsing.
enum RawRecord {
    Line(Vec<u8>),
    Csv(csv::StringRecord),
    TooLong,
}

impl RawRecord {
    fn parse(&self, header: Option<&csv::StringRecord>) -> Parsed {
        match (self, header) {
            (RawRecord::Line(line), _) => parse_json_line(line),
            (RawRecord::Csv(record), Some(header)) => parse_csv_record(header, record),
            (RawRecord::Csv(_), None) => Parsed::Reject("no CSV header".to_owned()),
            (RawRecord::TooLong, _) => {
                Parsed::Reject(format!("longer than {MAX_RECORD_BYTES} bytes"))
            }
        }
    }
}

fn for_each_record(
    plan: &BatchPlan,
    chunk: u64,
    each: &mut dyn FnMut(u64, RawRecord) -> Result<(), RegistryError>,
) -> Result<(), RegistryError> {
    let input_error = |message: String| RegistryError::BatchInput {
        path: plan.path.display().to_string(),
        message,
    };
    let &(offset, first_line) = usize::try_from(chunk)
        .ok()
        .and_then(|c| plan.chunk_starts.get(c))
        .ok_or_else(|| input_error(format!("the job has no chunk {chunk}")))?;
    let mut file = File::open(&plan.path).map_err(|e| input_error(e.to_string()))?;
    if file
        .metadata()
        .map_err(|e| input_error(e.to_string()))?
        .len()
        != plan.file_len
    {
        return Err(RegistryError::BatchChanged {
            path: plan.path.display().to_string(),
        });
    }
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| input_error(e.to_string()))?;
    let wanted = plan
        .chunk_lines
        .min(plan.records - chunk * plan.chunk_lines);
    let mut taken = 0u64;
    match plan.format {
        BatchFormat::Jsonl => {
            let mut reader = BufReader::with_capacity(1 << 16, file);
            let mut line_no = first_line;
            let mut line = Vec::new();
            while taken < wanted {
                line.clear();
                let n = (&mut reader)
                    .take(MAX_RECORD_BYTES as u64 + 1)
                    .read_until(b'\n', &mut line)
                    .map_err(|e| input_error(e.to_string()))?;
                if n == 0 {
                    return Err(RegistryError::BatchChanged {
                        path: plan.path.display().to_string(),
                    });
                }
                if line.len() > MAX_RECORD_BYTES {
                    // Skip the rest of the over-long line.
                    if !line.ends_with(b"\n") {
                        let mut rest = Vec::new();
                        reader
                            .read_until(b'\n', &mut rest)
                            .map_err(|e| input_error(e.to_string()))?;
                    }
                    each(line_no, RawRecord::TooLong)?;
                    taken += 1;
                } else if !line.iter().all(u8::is_ascii_whitespace) {
                    each(line_no, RawRecord::Line(std::mem::take(&mut line)))?;
                    taken += 1;
                }
                line_no += 1;
            }
        }
        BatchFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(false)
                .from_reader(BufReader::with_capacity(1 << 16, file));
            let mut record = csv::StringRecord::new();
            while taken < wanted {
                let line = first_line + reader.position().line().saturating_sub(1);
                let more = reader
                    .read_record(&mut record)
                    .map_err(|e| input_error(e.to_string()))?;
                if !more {
                    return Err(RegistryError::BatchChanged {
                        path: plan.path.display().to_string(),
                    });
                }
                each(line, RawRecord::Csv(record.clone()))?;
                taken += 1;
            }
        }
    }
    Ok(())
}

fn parse_json_line(line: &[u8]) -> Parsed {
    let Ok(text) = std::str::from_utf8(line) else {
        return Parsed::Reject("not UTF-8".to_owned());
    };
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Parsed::Reject(format!("not JSON: {e}")),
    };
    let wrapped = value
        .as_object()
        .filter(|o| o.contains_key("request_id"))
        .cloned();
    match wrapped {
        Some(mut object) => {
            let request_id = match object.remove("request_id") {
                Some(serde_json::Value::String(id)) => id,
                _ => return Parsed::Reject("request_id must be a string".to_owned()),
            };
            let Some(licence) = object.remove("licence") else {
                return Parsed::Reject("a line with request_id needs a licence".to_owned());
            };
            if !object.is_empty() {
                return Parsed::Reject(
                    "a line with request_id holds only request_id and licence".to_owned(),
                );
            }
            match Licence::from_json(&licence.to_string()) {
                Ok(licence) => Parsed::Request(Box::new(IssueRequest::new(&request_id, licence))),
                Err(e) => Parsed::Reject(e.to_string()),
            }
        }
        None => match Licence::from_json(text) {
            Ok(licence) => Parsed::Request(Box::new(IssueRequest::by_content(licence))),
            Err(e) => Parsed::Reject(e.to_string()),
        },
    }
}

fn parse_csv_record(header: &csv::StringRecord, record: &csv::StringRecord) -> Parsed {
    let mut request_id = None;
    let mut licence = serde_json::Map::new();
    let mut holder = serde_json::Map::new();
    let mut issuer = serde_json::Map::new();
    let mut face = Vec::new();
    for (name, value) in header.iter().zip(record.iter()) {
        let text = serde_json::Value::String(value.to_owned());
        match name {
            "request_id" => request_id = Some(value.to_owned()),
            "holder_name" => {
                holder.insert("name".to_owned(), text);
            }
            "holder_id_type" => {
                holder.insert("id_type".to_owned(), text);
            }
            "holder_id_number" => {
                holder.insert("id_number".to_owned(), text);
            }
            "issuer_name" => {
                issuer.insert("name".to_owned(), text);
            }
            "issuer_code" => {
                issuer.insert("code".to_owned(), text);
            }
            "type_code" | "number" | "issue_date" | "valid_from" | "valid_until" => {
                licence.insert(name.to_owned(), text);
            }
            other => match other.strip_prefix("face:") {
                Some(label) if !value.is_empty() => {
                    face.push(serde_json::json!({ "label": label, "value": value }));
                }
                Some(_) => {}
                None => return Parsed::Reject(format!("unknown column {other:?}")),
            },
        }
    }
    licence.insert("holder".to_owned(), holder.into());
    licence.insert("issuer".to_owned(), issuer.into());
    if !face.is_empty() {
        licence.insert("face".to_owned(), face.into());
    }
    match Licence::from_json(&serde_json::Value::Object(licence).to_string()) {
        Ok(licence) => Parsed::Request(Box::new(match request_id {
            Some(id) if !id.is_empty() => IssueRequest::new(&id, licence),
            _ => IssueRequest::by_content(licence),
        })),
        Err(e) => Parsed::Reject(e.to_string()),
    }
}

/// Writes the QR text of every record of a finished job, one per line in
/// input order, an empty line for a rejected record; returns how many codes
/// it wrote. `each` sees every licence (for writing PDFs beside the codes).
///
/// # Errors
/// [`RegistryError::BatchInput`] for a write failure; store errors.
pub fn write_codes(
    registry: &mut Registry,
    plan: &BatchPlan,
    base: &QrBase,
    out: &mut dyn Write,
    each: &mut dyn FnMut(&SignedLicence) -> Result<(), RegistryError>,
) -> Result<u64, RegistryError> {
    let write_error = |e: std::io::Error| RegistryError::BatchInput {
        path: plan.path.display().to_string(),
        message: format!("writing codes: {e}"),
    };
    let mut written = 0u64;
    for chunk in 0..plan.chunks() {
        let records = read_chunk(plan, chunk)?;
        let ids: Vec<&str> = records
            .iter()
            .filter_map(|(_, parsed)| match parsed {
                Parsed::Request(request) => Some(request.request_id()),
                Parsed::Reject(_) => None,
            })
            .collect();
        // One look-up per chunk, not per line: a round trip each would
        // dominate on PostgreSQL.
        let rows: std::collections::HashMap<String, super::LicenceRow> = registry
            .store_mut()
            .read()?
            .licences_by_requests(&ids)?
            .into_iter()
            .map(|row| (row.request_id.clone(), row))
            .collect();
        for (_, parsed) in &records {
            let row = match parsed {
                // A request id twice in the input names one licence, whose
                // code is written for both lines.
                Parsed::Request(request) => rows.get(request.request_id()),
                Parsed::Reject(_) => None,
            };
            match row {
                Some(row) => {
                    let signed = SignedLicence::from_slice(&row.envelope).map_err(|e| {
                        super::StoreError::Corrupt {
                            what: format!("stored envelope of {}: {e}", row.identifier),
                        }
                    })?;
                    each(&signed)?;
                    writeln!(out, "{}", qr::to_qr_text(&signed, base)).map_err(write_error)?;
                    written += 1;
                }
                None => writeln!(out).map_err(write_error)?,
            }
        }
    }
    Ok(written)
}
