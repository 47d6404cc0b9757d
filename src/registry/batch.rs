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

use std::collections::HashMap;

use super::{
    IssueRequest, IssuingKey, Registry, RegistryError, RequestError, hex_lower, issue_checked,
};
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
    /// SHA-256 of each chunk's bytes, checked when the chunk is read, so a
    /// file edited under a running job is refused, not mixed.
    chunk_digests: Vec<[u8; 32]>,
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
            let mut reader = BufReader::with_capacity(
                1 << 20,
                HashingReader {
                    inner: file,
                    hasher: &mut hasher,
                },
            );
            let mut offset = 0u64;
            let mut line_no = 0u64;
            let mut unused = Vec::new();
            loop {
                let line = next_line(&mut reader, offset == 0, 0, &mut unused)
                    .map_err(|e| input_error(e.to_string()))?;
                if line.bytes == 0 {
                    break;
                }
                line_no += 1;
                if !line.blank {
                    if records.is_multiple_of(chunk_lines) {
                        chunk_starts.push((offset, line_no));
                    }
                    records += 1;
                }
                offset += line.bytes;
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
    let chunk_digests =
        chunk_digests(path, &chunk_starts, file_len).map_err(|e| input_error(e.to_string()))?;
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
        chunk_digests,
        header,
    })
}

/// The SHA-256 of each chunk's bytes, from its first record to the next
/// chunk's (or the end): what a chunk is checked against when it is read.
fn chunk_digests(
    path: &Path,
    chunk_starts: &[(u64, u64)],
    file_len: u64,
) -> std::io::Result<Vec<[u8; 32]>> {
    let mut file = File::open(path)?;
    let mut out = Vec::with_capacity(chunk_starts.len());
    for (i, &(start, _)) in chunk_starts.iter().enumerate() {
        let end = chunk_starts.get(i + 1).map_or(file_len, |&(next, _)| next);
        file.seek(SeekFrom::Start(start))?;
        let mut hasher = Sha256::new();
        let mut hashing = HashingReader {
            inner: (&mut file).take(end.saturating_sub(start)),
            hasher: &mut hasher,
        };
        std::io::copy(&mut hashing, &mut std::io::sink())?;
        out.push(hasher.finalize().into());
    }
    Ok(out)
}

/// One line as [`next_line`] read it.
struct LineRead {
    /// Bytes consumed, newline included; 0 at the end of the input.
    bytes: u64,
    /// Only whitespace (after a byte-order mark at the start of the file).
    blank: bool,
    /// Longer than the limit: `keep` holds only its start.
    too_long: bool,
}

/// Reads one line, keeping at most `max` bytes of it in `keep` and never
/// more in memory, however long the line is. At the start of the file
/// (`first`) a UTF-8 byte-order mark is dropped.
fn next_line(
    reader: &mut dyn BufRead,
    first: bool,
    max: usize,
    keep: &mut Vec<u8>,
) -> std::io::Result<LineRead> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    keep.clear();
    let mut bytes = 0u64;
    let mut head = Vec::with_capacity(BOM.len());
    // Whether a byte other than whitespace comes in the first three bytes,
    // and after them.
    let mut text_in_head = false;
    let mut text_after_head = false;
    let mut too_long = false;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let (part, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (buf.get(..=i).unwrap_or(buf), true),
            None => (buf, false),
        };
        for &b in part {
            let text = !b.is_ascii_whitespace();
            if head.len() < BOM.len() {
                head.push(b);
                text_in_head |= text;
            } else {
                text_after_head |= text;
            }
        }
        if keep.len() + part.len() > max.saturating_add(BOM.len()) {
            too_long = true;
        } else {
            keep.extend_from_slice(part);
        }
        let consumed = part.len();
        bytes += consumed as u64;
        reader.consume(consumed);
        if done {
            break;
        }
    }
    let bom = first && head == BOM;
    if bom {
        keep.drain(..keep.len().min(BOM.len()));
    }
    if keep.len() > max {
        too_long = true;
        keep.clear();
    }
    Ok(LineRead {
        bytes,
        blank: !text_after_head && (bom || !text_in_head),
        too_long,
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
    let mut refused: HashMap<String, String> = HashMap::new();
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
        let records = read_chunk(plan, claim.chunk, Some(key))?;
        let mut requests = Vec::with_capacity(records.len());
        let mut rejected = 0;
        // The first line with a request id sets its licence; a later line
        // with the same id and another licence is refused, not answered
        // with the first one's code.
        let mut contents: HashMap<String, super::Hash> = HashMap::new();
        for (line, parsed) in records {
            let parsed = match parsed {
                Parsed::Request(request) => match refused.get(request.request_id()) {
                    Some(message) => Parsed::Reject(message.clone()),
                    None => match contents.get(request.request_id()) {
                        Some(content) if *content != request.content => {
                            Parsed::Reject(RequestError::IdReused.to_string())
                        }
                        _ => {
                            contents.insert(request.request_id().to_owned(), request.content);
                            Parsed::Request(request)
                        }
                    },
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
        let issued = match issue_checked(tx.as_mut(), key, requests, options.at) {
            Ok(issued) => issued,
            // One record the checks before could not see (its id used
            // before for another licence, or a signing failure): the chunk
            // is rolled back and done again with that record rejected, so
            // one bad record never blocks a chunk for ever. Each retry
            // rejects one more record, so a chunk ends.
            Err(RegistryError::Request { request_id, reason }) => {
                drop(tx);
                refused.insert(request_id, reason.to_string());
                continue;
            }
            Err(e) => return Err(e),
        };
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

/// Reads one chunk's records, each with its line number, parsing them (and
/// with `key`, checking them for it) on all cores.
fn read_chunk(
    plan: &BatchPlan,
    chunk: u64,
    key: Option<&IssuingKey>,
) -> Result<Vec<(u64, Parsed)>, RegistryError> {
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
                        .map(|(line, record)| {
                            let parsed = match (record.parse(header), key) {
                                (Parsed::Request(request), Some(key)) => match request.check(key) {
                                    Ok(()) => Parsed::Request(request),
                                    Err(e) => Parsed::Reject(e.to_string()),
                                },
                                (parsed, _) => parsed,
                            };
                            (*line, parsed)
                        })
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
    let index = usize::try_from(chunk).unwrap_or(usize::MAX);
    let end = plan
        .chunk_starts
        .get(index.saturating_add(1))
        .map_or(plan.file_len, |&(next, _)| next);
    let expected = plan
        .chunk_digests
        .get(index)
        .ok_or_else(|| input_error(format!("the job has no chunk {chunk}")))?;
    let mut hasher = Sha256::new();
    let hashing = HashingReader {
        inner: file.take(end.saturating_sub(offset)),
        hasher: &mut hasher,
    };
    let wanted = plan
        .chunk_lines
        .min(plan.records - chunk * plan.chunk_lines);
    let mut taken = 0u64;
    let changed = || RegistryError::BatchChanged {
        path: plan.path.display().to_string(),
    };
    match plan.format {
        BatchFormat::Jsonl => {
            let mut reader = BufReader::with_capacity(1 << 16, hashing);
            let mut line_no = first_line;
            let mut line = Vec::new();
            while taken < wanted {
                let read = next_line(
                    &mut reader,
                    offset == 0 && line_no == first_line,
                    MAX_RECORD_BYTES,
                    &mut line,
                )
                .map_err(|e| input_error(e.to_string()))?;
                if read.bytes == 0 {
                    return Err(changed());
                }
                // Blank first, as the plan counted: a blank line of any
                // length is no record.
                if !read.blank {
                    let record = if read.too_long {
                        RawRecord::TooLong
                    } else {
                        RawRecord::Line(std::mem::take(&mut line))
                    };
                    each(line_no, record)?;
                    taken += 1;
                }
                line_no += 1;
            }
            std::io::copy(&mut reader, &mut std::io::sink())
                .map_err(|e| input_error(e.to_string()))?;
        }
        BatchFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(false)
                .from_reader(BufReader::with_capacity(1 << 16, hashing));
            let mut record = csv::StringRecord::new();
            while taken < wanted {
                let line = first_line + reader.position().line().saturating_sub(1);
                let more = reader
                    .read_record(&mut record)
                    .map_err(|e| input_error(e.to_string()))?;
                if !more {
                    return Err(changed());
                }
                each(line, RawRecord::Csv(record.clone()))?;
                taken += 1;
            }
            let mut rest = reader.into_inner();
            std::io::copy(&mut rest, &mut std::io::sink())
                .map_err(|e| input_error(e.to_string()))?;
        }
    }
    let digest: [u8; 32] = hasher.finalize().into();
    if digest != *expected {
        return Err(changed());
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
        let records = read_chunk(plan, chunk, None)?;
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
                // Only a licence issued for this line's own content: a line
                // refused for reusing another licence's id gets none.
                Parsed::Request(request) => rows
                    .get(request.request_id())
                    .filter(|row| row.request_sha256 == request.content),
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
