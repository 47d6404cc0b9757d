//! `elicence verify`: check codes against trusted keys and print the verdict.

mod text;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use elicence::seal::pdf::{PdfVerifier, verify_licence_pdf};
use elicence::trust::{LoadReport, TrustStore};
use elicence::verify::{Lang, StatusPolicy};
use elicence::{TrustedKey, UnixTime, Verifier};

use crate::files::{
    LicenceInput, licence_argument, read_bytes, read_envelope_file, read_pdf_file, read_public_key,
    warn_skipped,
};
use crate::{CliError, CliResult, FormatArg, LangArg, StatusPolicyArg, VerifyArgs, now};

pub fn run(args: &VerifyArgs) -> CliResult {
    let output = Output::from_args(args)?;
    let keys = args
        .public_keys
        .iter()
        .map(|path| read_public_key(path))
        .collect::<Result<Vec<_>, _>>()?;
    let mut store = None;
    if !args.roots.is_empty() {
        store = Some(trust_store(&args.roots, &args.signers)?);
    }
    let at = args.at.unwrap_or_else(now);
    // The licence is read before anything is judged, so that a file given
    // in the wrong place is an input error, never a verdict.
    let input = if let Some(text) = &args.text {
        Some(licence_argument(text)?)
    } else if let Some(pdf) = &args.pdf {
        Some(LicenceInput::Pdf(read_pdf_file(pdf)?))
    } else if let Some(cose) = &args.cose {
        Some(LicenceInput::Envelope(read_envelope_file(cose)?))
    } else {
        None
    };
    let lists_given = args.trust_list.is_some()
        || !args.status_lists.is_empty()
        || args.status_policy != StatusPolicyArg::FailClosed;
    if let (Some(LicenceInput::Pdf(pdf)), false) = (&input, lists_given) {
        return verify_pdf(
            pdf,
            PdfVerifier::new(store.unwrap_or_default())
                .with_keys(keys.into_iter().map(TrustedKey::new)),
            at,
            output,
        );
    }
    let mut verifier = match &store {
        Some(store) => Verifier::from_roots(store),
        None => Verifier::new([]),
    };
    for key in keys {
        verifier = verifier.with_trusted_key(TrustedKey::new(key));
    }
    verifier = verifier.with_status_policy(match args.status_policy {
        StatusPolicyArg::FailClosed => StatusPolicy::FailClosed,
        StatusPolicyArg::Warn => StatusPolicy::Warn,
    });
    load_lists(&mut verifier, args, at)?;

    let verdict = match input {
        Some(LicenceInput::Pdf(pdf)) => {
            // The licence inside is judged with the lists and the policy.
            let pdf_verifier =
                PdfVerifier::new(store.unwrap_or_default()).with_licence_verifier(verifier);
            return verify_pdf(&pdf, pdf_verifier, at, output);
        }
        Some(LicenceInput::Envelope(bytes)) => verifier.verify_bytes(&bytes, at),
        Some(LicenceInput::QrText(text)) => verifier.verify_qr_text(&text, at),
        None => match &args.batch {
            Some(batch) => return batch::verify_file(&verifier, batch, at, args.details),
            None => {
                return Err(CliError::new(
                    "give QR text, `-`, a file, --cose FILE, --pdf FILE or --batch FILE",
                ));
            }
        },
    };
    match output {
        Output::Json => outln!("{}", pretty(&verdict.to_json_value()))?,
        Output::Text(lang) => outln!("{}", text::licence(&verdict, lang))?,
    }
    Ok(exit_for(verdict.is_valid()))
}

/// How the verdict is printed.
#[derive(Debug, Clone, Copy)]
enum Output {
    Json,
    Text(Lang),
}

impl Output {
    /// The output the options ask for; options that would have no effect
    /// are refused rather than ignored.
    fn from_args(args: &VerifyArgs) -> Result<Output, CliError> {
        if args.details && args.batch.is_none() {
            return Err(CliError::new(
                "--details applies to --batch only; a single verdict already lists its reasons",
            ));
        }
        let lang = match args.lang {
            None | Some(LangArg::Zh) => Lang::Zh,
            Some(LangArg::En) => Lang::En,
        };
        match args.format {
            FormatArg::Json if args.lang.is_some() => Err(CliError::new(
                "--lang applies to --format text only; JSON verdicts carry codes and messages",
            )),
            FormatArg::Json => Ok(Output::Json),
            FormatArg::Text if args.batch.is_some() => Err(CliError::new(
                "--format text is for one licence; --batch prints JSON lines",
            )),
            FormatArg::Text => Ok(Output::Text(lang)),
        }
    }
}

/// Loads the trust list, then each status list, at the verification time;
/// a list the library refuses is a usage error naming the file.
fn load_lists(verifier: &mut Verifier, args: &VerifyArgs, at: UnixTime) -> Result<(), CliError> {
    if let Some(path) = &args.trust_list {
        let load = verifier
            .add_trust_list(&read_bytes(path)?, at)
            .map_err(|e| {
                CliError::new(format!(
                    "{}: trust list refused ({}): {e}",
                    path.display(),
                    e.code()
                ))
            })?;
        for (index, failure) in &load.refused {
            // Nothing is left to warn if stderr is gone.
            let _ = writeln!(
                io::stderr(),
                "elicence: warning: {}: entry {} (counting from 1) is not usable as a \
                 document signer ({}): {failure}",
                path.display(),
                index + 1,
                failure.code()
            );
        }
    }
    for path in &args.status_lists {
        verifier
            .add_status_list(&read_bytes(path)?, at)
            .map_err(|e| {
                CliError::new(format!(
                    "{}: status list refused ({}): {e}",
                    path.display(),
                    e.code()
                ))
            })?;
    }
    Ok(())
}

/// A licence PDF: judged as a whole by the library (its licence, every
/// seal, the binding between them, and nothing added after the last seal).
fn verify_pdf(bytes: &[u8], verifier: PdfVerifier, at: UnixTime, output: Output) -> CliResult {
    let verdict = verify_licence_pdf(bytes, &verifier, at);
    match output {
        Output::Json => outln!("{}", pretty(&verdict.to_json_value()))?,
        Output::Text(lang) => outln!("{}", text::pdf(&verdict, lang))?,
    }
    Ok(exit_for(verdict.is_valid()))
}

/// The roots and the signer and intermediate certificates from their files.
/// Entries that are not certificates are warned about; a file without any
/// certificate is an error, as it is surely not what was meant.
pub fn trust_store(roots: &[PathBuf], signers: &[PathBuf]) -> Result<TrustStore, CliError> {
    let mut store = TrustStore::new();
    let files = roots
        .iter()
        .map(|path| (path, true))
        .chain(signers.iter().map(|path| (path, false)));
    for (path, is_root) in files {
        let bytes = read_bytes(path)?;
        let report: LoadReport = if is_root {
            store.load_roots(&bytes)
        } else {
            store.load_certificates(&bytes)
        };
        warn_skipped(path, &report.skipped);
        if report.added == 0 {
            return Err(CliError::new(format!(
                "{}: no usable certificate in the file",
                path.display()
            )));
        }
    }
    Ok(store)
}

fn exit_for(valid: bool) -> ExitCode {
    if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Pretty JSON; serialising a `serde_json::Value` cannot fail, and the
/// compact form is an acceptable fallback if it somehow did.
pub fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// `verify --batch`: the file is read as a stream, a chunk of lines at a
/// time; the chunks are verified on every core, each as one library batch
/// ([`Verifier::verify_qr_texts`]), and their results written in input
/// order as soon as they are ready. At most two chunks a worker are read
/// and not yet written, so memory does not grow with the file.
mod batch {
    use std::collections::BTreeMap;
    use std::fs::File;
    use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
    use std::num::NonZeroUsize;
    use std::panic::{self, AssertUnwindSafe};
    use std::path::Path;
    use std::sync::Mutex;
    use std::sync::mpsc::{self, Receiver, Sender};
    use std::thread;

    use elicence::qr::{self, QrError};
    use elicence::verify::Reason;
    use elicence::{UnixTime, Verifier};
    use serde_json::json;

    use super::exit_for;
    use crate::{CliError, CliResult};

    /// Most codes in a chunk: one library batch.
    const CHUNK_CODES: usize = 4096;
    /// Most bytes of text in a chunk.
    const CHUNK_BYTES: usize = 4 << 20;
    /// The longest text the library reads as QR text; a longer line is
    /// `too long` by its length alone, and only its length is kept.
    const MAX_TEXT: usize = qr::MAX_BASE_LEN + qr::MAX_DIGITS;
    /// Most worker threads.
    const MAX_WORKERS: usize = 64;

    /// What `fs::read_to_string` says of a file that is not UTF-8.
    fn not_utf8() -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    }

    /// Verifies every code in the file at `path`, one a line (trimmed;
    /// blank lines skipped but counted in line numbers), and prints, with
    /// `details`, a JSON line for each invalid code, then the summary line.
    pub fn verify_file(verifier: &Verifier, path: &Path, at: UnixTime, details: bool) -> CliResult {
        let read_error =
            |e: io::Error| CliError::new(format!("cannot read {}: {e}", path.display()));
        let mut file = File::open(path).map_err(read_error)?;
        // A regular file is checked to be UTF-8 first, so that a file that
        // is not is refused before anything is printed, as when it was read
        // whole. A pipe is read once: a bad byte there stops the run after
        // the lines before it are reported.
        if file.metadata().is_ok_and(|m| m.is_file()) {
            check_utf8(&mut file).map_err(read_error)?;
            file.seek(SeekFrom::Start(0)).map_err(read_error)?;
        }
        let lines = Lines::new(BufReader::with_capacity(1 << 16, file));
        let mut printer = Printer {
            details,
            total: 0,
            invalid: 0,
            stdout_closed: false,
        };
        run(verifier, at, lines, &mut printer).map_err(|e| match e {
            Failure::Read(e) => read_error(e),
            Failure::Cli(e) => e,
        })?;
        let (total, invalid) = (printer.total, printer.invalid);
        outln!(
            "{}",
            json!({ "total": total, "valid": total - invalid, "invalid": invalid })
        )?;
        Ok(exit_for(invalid == 0))
    }

    /// Why a run stopped.
    enum Failure {
        Read(io::Error),
        Cli(CliError),
    }

    impl From<CliError> for Failure {
        fn from(e: CliError) -> Self {
            Failure::Cli(e)
        }
    }

    /// Reads chunks, has the workers verify them, and prints the results in
    /// order.
    fn run<R: BufRead>(
        verifier: &Verifier,
        at: UnixTime,
        mut lines: Lines<R>,
        printer: &mut Printer,
    ) -> Result<(), Failure> {
        let details = printer.details;
        let workers = thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(MAX_WORKERS);
        let (job_tx, job_rx) = mpsc::sync_channel::<(usize, Chunk)>(workers);
        let job_rx = Mutex::new(job_rx);
        let (done_tx, done_rx) = mpsc::channel::<(usize, Outcome)>();
        thread::scope(|scope| {
            let mut started = 0usize;
            for _ in 0..workers {
                let done = done_tx.clone();
                let jobs = &job_rx;
                let spawned = thread::Builder::new()
                    .name("elicence-verify".into())
                    .spawn_scoped(scope, move || work(verifier, at, details, jobs, done));
                started += usize::from(spawned.is_ok());
            }
            drop(done_tx);
            let job_tx = (started > 0).then_some(job_tx);
            let ahead = 2 * started.max(1);
            let mut order = InOrder::default();
            loop {
                while order.sent - order.written >= ahead {
                    match done_rx.recv() {
                        Ok((seq, outcome)) => order.ready(seq, outcome, printer)?,
                        Err(_) => return Err(lost().into()),
                    }
                }
                let Some(chunk) = lines.next_chunk().map_err(Failure::Read)? else {
                    break;
                };
                let seq = order.sent;
                order.sent += 1;
                // Without workers (none could be started, or all are
                // gone), this thread verifies the chunk.
                let unsent = match &job_tx {
                    Some(jobs) => jobs.send((seq, chunk)).err().map(|e| e.0.1),
                    None => Some(chunk),
                };
                if let Some(chunk) = unsent {
                    order.ready(seq, verify_chunk(verifier, at, details, chunk), printer)?;
                }
                while let Ok((seq, outcome)) = done_rx.try_recv() {
                    order.ready(seq, outcome, printer)?;
                }
            }
            drop(job_tx);
            while order.written < order.sent {
                match done_rx.recv() {
                    Ok((seq, outcome)) => order.ready(seq, outcome, printer)?,
                    Err(_) => return Err(lost().into()),
                }
            }
            Ok(())
        })
    }

    fn lost() -> CliError {
        CliError::new("internal error: a worker stopped without a result")
    }

    /// A worker: verifies chunks until there are no more.
    fn work(
        verifier: &Verifier,
        at: UnixTime,
        details: bool,
        jobs: &Mutex<Receiver<(usize, Chunk)>>,
        done: Sender<(usize, Outcome)>,
    ) {
        loop {
            let job = match jobs.lock() {
                Ok(jobs) => jobs.recv(),
                Err(_) => return,
            };
            let Ok((seq, chunk)) = job else { return };
            let first = chunk.items.first().map_or(0, |(line, _)| *line);
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                verify_chunk(verifier, at, details, chunk)
            }))
            .unwrap_or_else(|_| Outcome {
                error: Some(format!(
                    "internal error verifying the chunk from line {first}"
                )),
                ..Outcome::default()
            });
            if done.send((seq, outcome)).is_err() {
                return;
            }
        }
    }

    /// Lines read and not yet verified: (line number, what it holds).
    #[derive(Debug, Default)]
    struct Chunk {
        items: Vec<(usize, Line)>,
    }

    /// A non-blank line, trimmed.
    #[derive(Debug, PartialEq, Eq)]
    enum Line {
        Text(String),
        /// Longer than any QR text: its length.
        TooLong(usize),
    }

    /// A verified chunk: its counts and its `--details` lines.
    #[derive(Debug, Default)]
    struct Outcome {
        total: usize,
        invalid: usize,
        details: String,
        error: Option<String>,
    }

    fn verify_chunk(verifier: &Verifier, at: UnixTime, details: bool, chunk: Chunk) -> Outcome {
        let texts: Vec<&str> = chunk
            .items
            .iter()
            .filter_map(|(_, line)| match line {
                Line::Text(text) => Some(text.as_str()),
                Line::TooLong(_) => None,
            })
            .collect();
        let mut verdicts = verifier.verify_qr_texts(&texts, at).into_iter();
        let mut outcome = Outcome {
            total: chunk.items.len(),
            ..Outcome::default()
        };
        for (number, line) in &chunk.items {
            let reasons = match line {
                Line::Text(_) => match verdicts.next() {
                    Some(verdict) if verdict.is_valid() => continue,
                    Some(verdict) => details.then(|| {
                        verdict
                            .to_json_value()
                            .get("reasons")
                            .cloned()
                            .unwrap_or_else(|| json!([]))
                    }),
                    None => {
                        outcome.error =
                            Some(format!("internal error: no verdict for line {number}"));
                        return outcome;
                    }
                },
                // What `verify_qr_text` says of a text this long.
                Line::TooLong(len) => details.then(|| {
                    let reason = Reason::MalformedText(QrError::TooLong {
                        len: *len,
                        max: MAX_TEXT,
                    });
                    json!([{ "code": reason.code(), "message": reason.to_string() }])
                }),
            };
            outcome.invalid += 1;
            if let Some(reasons) = reasons {
                outcome
                    .details
                    .push_str(&json!({ "line": number, "reasons": reasons }).to_string());
                outcome.details.push('\n');
            }
        }
        outcome
    }

    /// Results that came back out of order, until those before them have.
    #[derive(Default)]
    struct InOrder {
        sent: usize,
        written: usize,
        waiting: BTreeMap<usize, Outcome>,
    }

    impl InOrder {
        fn ready(
            &mut self,
            seq: usize,
            outcome: Outcome,
            printer: &mut Printer,
        ) -> Result<(), CliError> {
            self.waiting.insert(seq, outcome);
            while let Some(outcome) = self.waiting.remove(&self.written) {
                self.written += 1;
                printer.print(outcome)?;
            }
            Ok(())
        }
    }

    /// Counts and `--details` lines, written as each chunk's turn comes.
    struct Printer {
        details: bool,
        total: usize,
        invalid: usize,
        /// Stdout was closed (`| head`): the counts and the exit code still
        /// report the whole file.
        stdout_closed: bool,
    }

    impl Printer {
        fn print(&mut self, outcome: Outcome) -> Result<(), CliError> {
            if let Some(error) = outcome.error {
                return Err(CliError::new(error));
            }
            self.total += outcome.total;
            self.invalid += outcome.invalid;
            if outcome.details.is_empty() || self.stdout_closed {
                return Ok(());
            }
            let mut stdout = io::stdout().lock();
            match stdout
                .write_all(outcome.details.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => self.stdout_closed = true,
                Err(e) => return Err(CliError::new(format!("cannot write to stdout: {e}"))),
                Ok(()) => {}
            }
            Ok(())
        }
    }

    /// Reads all of `reader`, refusing it unless it is UTF-8.
    fn check_utf8<R: Read>(reader: &mut R) -> io::Result<()> {
        let mut buffer = vec![0u8; 1 << 16];
        let mut utf8 = Utf8::default();
        loop {
            let n = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            utf8.feed(buffer.get(..n).unwrap_or_default(), |_| {})?;
        }
        utf8.end()
    }

    /// UTF-8 decoding across buffer boundaries: the bytes of a character
    /// cut by the end of a buffer are kept until the rest comes.
    #[derive(Default)]
    struct Utf8 {
        carry: Vec<u8>,
    }

    impl Utf8 {
        /// Decodes `bytes`, giving each whole run of text to `text`.
        fn feed(&mut self, mut bytes: &[u8], mut text: impl FnMut(&str)) -> io::Result<()> {
            while !self.carry.is_empty() {
                let Some((&first, rest)) = bytes.split_first() else {
                    return Ok(());
                };
                bytes = rest;
                self.carry.push(first);
                match std::str::from_utf8(&self.carry) {
                    Ok(s) => {
                        text(s);
                        self.carry.clear();
                    }
                    Err(e) if e.error_len().is_some() || self.carry.len() >= 4 => {
                        return Err(not_utf8());
                    }
                    Err(_) => {}
                }
            }
            match std::str::from_utf8(bytes) {
                Ok(s) => text(s),
                Err(e) => {
                    let (valid, rest) = bytes.split_at_checked(e.valid_up_to()).unwrap_or_default();
                    if let Ok(s) = std::str::from_utf8(valid) {
                        text(s);
                    }
                    if e.error_len().is_some() {
                        return Err(not_utf8());
                    }
                    self.carry.extend_from_slice(rest);
                }
            }
            Ok(())
        }

        /// The end of a line or of the input: no character may be cut.
        fn end(&mut self) -> io::Result<()> {
            if self.carry.is_empty() {
                Ok(())
            } else {
                Err(not_utf8())
            }
        }
    }

    /// The line being read: its leading white space is skipped, its text
    /// kept up to [`MAX_TEXT`] bytes, and the length of the rest and of its
    /// trailing white space counted, so that the trimmed line, or its
    /// length if it is too long, is what `str::lines` and `str::trim` give.
    #[derive(Default)]
    struct LineState {
        started: bool,
        in_text: bool,
        text: String,
        /// Bytes from the first non-white character on.
        len: usize,
        /// Of which trailing white space.
        trailing: usize,
        cut: bool,
    }

    impl LineState {
        fn push(&mut self, mut s: &str, max: usize) {
            if !self.in_text {
                s = s.trim_start();
                if s.is_empty() {
                    return;
                }
                self.in_text = true;
            }
            self.len = self.len.saturating_add(s.len());
            let end = s.trim_end().len();
            self.trailing = if end == 0 {
                self.trailing.saturating_add(s.len())
            } else {
                s.len() - end
            };
            if self.cut {
                return;
            }
            let room = max.saturating_sub(self.text.len());
            if s.len() <= room {
                self.text.push_str(s);
            } else {
                let at = (0..=room)
                    .rev()
                    .find(|&i| s.is_char_boundary(i))
                    .unwrap_or(0);
                self.text.push_str(s.get(..at).unwrap_or_default());
                self.cut = true;
            }
        }

        /// The line, trimmed; `None` if blank.
        fn finish(&mut self) -> Option<Line> {
            let state = std::mem::take(self);
            let len = state.len - state.trailing;
            if len == 0 {
                return None;
            }
            let mut text = state.text;
            Some(if len <= text.len() && text.is_char_boundary(len) {
                text.truncate(len);
                Line::Text(text)
            } else {
                Line::TooLong(len)
            })
        }
    }

    /// Chunks of lines from a reader.
    struct Lines<R> {
        reader: R,
        utf8: Utf8,
        line: LineState,
        number: usize,
        max_text: usize,
        chunk_codes: usize,
        chunk_bytes: usize,
    }

    impl<R: BufRead> Lines<R> {
        fn new(reader: R) -> Self {
            Lines {
                reader,
                utf8: Utf8::default(),
                line: LineState::default(),
                number: 0,
                max_text: MAX_TEXT,
                chunk_codes: CHUNK_CODES,
                chunk_bytes: CHUNK_BYTES,
            }
        }

        /// The next chunk, `None` at the end of the input.
        fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
            let mut chunk = Chunk::default();
            let mut bytes = 0usize;
            while chunk.items.len() < self.chunk_codes && bytes < self.chunk_bytes {
                match self.next_line()? {
                    Some((number, line)) => {
                        bytes += match &line {
                            Line::Text(text) => text.len(),
                            Line::TooLong(_) => 0,
                        };
                        chunk.items.push((number, line));
                    }
                    None => break,
                }
            }
            Ok((!chunk.items.is_empty()).then_some(chunk))
        }

        /// The next non-blank line and its number, `None` at the end.
        fn next_line(&mut self) -> io::Result<Option<(usize, Line)>> {
            loop {
                let buffer = match self.reader.fill_buf() {
                    Ok(buffer) => buffer,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if buffer.is_empty() {
                    // A last line without a newline is a line.
                    if !self.line.started {
                        return Ok(None);
                    }
                    self.utf8.end()?;
                    self.number += 1;
                    match self.line.finish() {
                        Some(line) => return Ok(Some((self.number, line))),
                        None => return Ok(None),
                    }
                }
                let newline = buffer.iter().position(|&b| b == b'\n');
                let segment = buffer
                    .get(..newline.unwrap_or(buffer.len()))
                    .unwrap_or_default();
                let consumed = segment.len() + usize::from(newline.is_some());
                let (line, max) = (&mut self.line, self.max_text);
                line.started = true;
                self.utf8.feed(segment, |s| line.push(s, max))?;
                self.reader.consume(consumed);
                if newline.is_some() {
                    self.utf8.end()?;
                    self.number += 1;
                    if let Some(line) = self.line.finish() {
                        return Ok(Some((self.number, line)));
                    }
                }
            }
        }
    }

    #[cfg(test)]
    #[allow(clippy::unwrap_used, clippy::indexing_slicing)]
    mod tests {
        use super::*;

        fn read_all(
            input: &[u8],
            max_text: usize,
            chunk_codes: usize,
            buffer: usize,
        ) -> io::Result<Vec<Vec<(usize, Line)>>> {
            let mut lines = Lines::new(BufReader::with_capacity(buffer, input));
            lines.max_text = max_text;
            lines.chunk_codes = chunk_codes;
            let mut chunks = Vec::new();
            while let Some(chunk) = lines.next_chunk()? {
                chunks.push(chunk.items);
            }
            Ok(chunks)
        }

        /// What reading the input whole, as `verify --batch` used to, gives.
        fn whole(input: &str, max_text: usize) -> Vec<(usize, Line)> {
            input
                .lines()
                .enumerate()
                .map(|(i, l)| (i + 1, l.trim()))
                .filter(|(_, l)| !l.is_empty())
                .map(|(i, l)| {
                    (
                        i,
                        if l.len() > max_text {
                            Line::TooLong(l.len())
                        } else {
                            Line::Text(l.to_owned())
                        },
                    )
                })
                .collect()
        }

        #[test]
        fn lines_are_those_of_str_lines_trimmed() {
            let long = "x".repeat(40);
            let cases = [
                String::new(),
                "\n\n\n".into(),
                "a".into(),
                "a\n".into(),
                "a\r\nb\r\n\r\n  c  \n\t\u{3000}d\u{3000}\u{b}\n".into(),
                format!("{long}\n {long} \n{long}é\n é{long}\n"),
                format!("{}\n", " ".repeat(100)),
                format!(
                    "{}{}{}\n",
                    " ".repeat(50),
                    "y".repeat(20),
                    "\u{3000}".repeat(50)
                ),
                format!("{}{}", "z".repeat(19), "\u{3000}".repeat(30)),
                "汉字测试\n  汉字 \n\u{85}x\u{85}\n".into(),
                format!("{}ü\n{}üü\n", "w".repeat(19), "w".repeat(18)),
            ];
            for input in &cases {
                for buffer in [1, 2, 3, 7, 64, 1 << 16] {
                    for chunk_codes in [1, 2, 1000] {
                        let chunks = read_all(input.as_bytes(), 20, chunk_codes, buffer).unwrap();
                        assert!(
                            chunks
                                .iter()
                                .all(|c| !c.is_empty() && c.len() <= chunk_codes)
                        );
                        let flat: Vec<_> = chunks.into_iter().flatten().collect();
                        assert_eq!(flat, whole(input, 20), "{input:?} buffer {buffer}");
                    }
                }
            }
        }

        #[test]
        fn bad_utf8_is_refused_as_read_to_string_refuses_it() {
            for input in [
                &b"abc\xff\n"[..],
                b"ok\n\xe6\xb1",
                b"ok\n\xe6\xb1\n",
                b"\xc0\x80\n",
                b"\xed\xa0\x80\n",
                b"\xf4\x90\x80\x80\n",
                b"\x80",
            ] {
                assert!(std::str::from_utf8(input).is_err());
                // The message std gives for a file that is not UTF-8.
                let std_error = (&input[..]).read_to_string(&mut String::new()).unwrap_err();
                for buffer in [1, 2, 3, 64] {
                    let e = read_all(input, 20, 10, buffer).unwrap_err();
                    assert_eq!(e.to_string(), std_error.to_string());
                    assert_eq!(e.kind(), std_error.kind());
                    assert_eq!(
                        check_utf8(&mut &input[..]).unwrap_err().to_string(),
                        std_error.to_string()
                    );
                }
            }
            assert!(check_utf8(&mut "汉字\nü\n".as_bytes()).is_ok());
        }
    }
}
