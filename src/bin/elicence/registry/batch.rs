//! `elicence issue --db DB --batch IN --out CODES`: a batch job through the
//! registry. The library plans the job, issues it chunk by chunk (a rerun of
//! the same command continues a killed one) and writes the codes; this
//! module shows progress, writes the files and prints the summary.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use elicence::registry::{
    BatchFormat, BatchOptions, BatchPlan, BatchProgress, BatchSummary, IssuingKey, Registry,
    RegistryError, plan_batch, run_batch, write_codes,
};
use elicence::render::Renderer;
use elicence::{QrBase, SignedLicence, UnixTime};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use serde_json::json;

use super::{open_registry, registry_failure};
use crate::files::{AtomicFile, create_dir, write_atomic};
use crate::render::default_renderer;
use crate::{CliError, CliResult};

/// The most rejected records the summary lists (the count is complete).
const MAX_LISTED_REJECTS: usize = 100;
/// How often a progress line is written when stderr is not a terminal.
const LINE_INTERVAL: Duration = Duration::from_secs(2);

/// One `issue --db --batch` run, as the command line gave it.
pub struct BatchJob<'a> {
    pub db: &'a str,
    pub key: &'a IssuingKey,
    pub input: &'a Path,
    pub out: &'a Path,
    pub pdf_dir: Option<&'a Path>,
    pub chunk: u64,
    pub at: UnixTime,
    pub base: &'a QrBase,
}

/// Issues the job, writes its codes (and PDFs), prints the summary. Exit 1
/// if the job has rejected records, so that a script notices them.
pub fn issue_batch_registered(job: &BatchJob<'_>) -> CliResult {
    let started = Instant::now();
    let mut registry = open_registry(job.db)?;
    let plan = plan_batch(job.input, BatchFormat::from_path(job.input), job.chunk)
        .map_err(registry_failure)?;
    let summary = run_with_progress(&mut registry, job, &plan)?;
    let codes = write_codes_file(&mut registry, job, &plan)?;
    let report = Report::new(&summary, codes, started.elapsed());
    outln!("{}", report.to_json())?;
    Ok(if report.rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_with_progress(
    registry: &mut Registry,
    job: &BatchJob<'_>,
    plan: &BatchPlan,
) -> Result<BatchSummary, CliError> {
    let mut progress = Progress::new(plan.records());
    let result = run_batch(
        registry,
        job.key,
        plan,
        &BatchOptions::new(job.at),
        &mut |counts| progress.update(counts),
    );
    match &result {
        Ok(summary) => progress.finish(&summary.progress),
        Err(_) => progress.abandon(),
    }
    result.map_err(registry_failure)
}

/// Progress on stderr: a bar on a terminal; otherwise (a log file, CI) a
/// plain line at most every [`LINE_INTERVAL`] and one at the end, so logs
/// stay short and readable.
enum Progress {
    Bar(ProgressBar),
    Lines { started: Instant, last: Instant },
}

impl Progress {
    fn new(records: u64) -> Progress {
        if !io::stderr().is_terminal() {
            let now = Instant::now();
            return Progress::Lines {
                started: now,
                last: now,
            };
        }
        let bar = ProgressBar::with_draw_target(Some(records), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{elapsed_precise} [{wide_bar}] {pos}/{len} records ({rate}/s, ETA {eta})",
        )
        .map(|style| {
            style.with_key("rate", |state: &ProgressState, out: &mut dyn fmt::Write| {
                // Whole records: indicatif's own {per_sec} shows four decimals.
                let _ = write!(out, "{:.0}", state.per_sec());
            })
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Progress::Bar(bar)
    }

    fn update(&mut self, counts: &BatchProgress) {
        match self {
            Progress::Bar(bar) => bar.set_position(counts.records_done),
            Progress::Lines { started, last } => {
                if last.elapsed() >= LINE_INTERVAL {
                    *last = Instant::now();
                    progress_line(counts, started.elapsed());
                }
            }
        }
    }

    fn finish(&mut self, counts: &BatchProgress) {
        match self {
            Progress::Bar(bar) => {
                bar.set_position(counts.records_done);
                bar.finish();
            }
            Progress::Lines { started, .. } => progress_line(counts, started.elapsed()),
        }
    }

    /// Leaves the bar where it stopped, so the error below it reads clearly.
    fn abandon(&mut self) {
        if let Progress::Bar(bar) = self {
            bar.abandon();
        }
    }
}

/// `issued 40000/100000 (12345/s)`: records done of the job's, and this
/// run's records per second.
fn progress_line(counts: &BatchProgress, elapsed: Duration) {
    let rate = per_second(run_records(counts), elapsed);
    // Nothing is left to report progress to if stderr is gone.
    let _ = writeln!(
        io::stderr(),
        "issued {}/{} ({rate}/s)",
        counts.records_done,
        counts.records
    );
}

/// Records this run handled: issued, found issued, or rejected.
fn run_records(counts: &BatchProgress) -> u64 {
    counts.issued + counts.already + counts.rejected
}

fn per_second(records: u64, elapsed: Duration) -> u64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        (records as f64 / secs).round() as u64
    } else {
        records
    }
}

/// Writes CODES (one line per record, empty for a rejected one) beside its
/// destination and renames it into place, so a killed run leaves the old
/// file or none, never half of one; with `--pdf-dir`, each licence's PDF.
fn write_codes_file(
    registry: &mut Registry,
    job: &BatchJob<'_>,
    plan: &BatchPlan,
) -> Result<u64, CliError> {
    let pdfs = job
        .pdf_dir
        .map(|dir| PdfWriter::new(dir, job.base))
        .transpose()?;
    // The library's callback can only fail with a registry error; the
    // tool's own (rendering, writing) is kept here to be reported as is.
    let pdf_failure: RefCell<Option<CliError>> = RefCell::new(None);
    let mut each = |signed: &SignedLicence| -> Result<(), RegistryError> {
        let Some(pdfs) = &pdfs else { return Ok(()) };
        pdfs.write(signed).map_err(|e| {
            let message = e.to_string();
            pdf_failure.replace(Some(e));
            RegistryError::BatchInput {
                path: job.input.display().to_string(),
                message,
            }
        })
    };
    let mut file = AtomicFile::create(job.out, false)?;
    let written = {
        let mut out = BufWriter::new(&mut file);
        let written = write_codes(registry, plan, job.base, &mut out, &mut each);
        let written = match (written, pdf_failure.take()) {
            (Err(_), Some(pdf)) => return Err(pdf),
            (result, _) => result.map_err(registry_failure)?,
        };
        out.flush()
            .map_err(|e| CliError::new(format!("cannot write {}: {e}", job.out.display())))?;
        written
    };
    file.commit()?;
    Ok(written)
}

/// Writes `DIR/{identifier}.pdf` for each licence.
struct PdfWriter<'a> {
    dir: &'a Path,
    renderer: Renderer,
}

impl<'a> PdfWriter<'a> {
    fn new(dir: &'a Path, base: &QrBase) -> Result<Self, CliError> {
        create_dir(dir)?;
        Ok(PdfWriter {
            dir,
            renderer: default_renderer(base)?,
        })
    }

    /// A PDF already there is kept: files are written whole and renamed
    /// into place, so after a killed run only the missing ones are drawn.
    fn write(&self, signed: &SignedLicence) -> Result<(), CliError> {
        let identifier = signed
            .licence()
            .identifier()
            .map(ToString::to_string)
            .ok_or_else(|| CliError::new("a registered licence has no identifier"))?;
        let path = self.dir.join(format!("{identifier}.pdf"));
        if path.exists() {
            return Ok(());
        }
        let pdf = self
            .renderer
            .render_pdf(signed, None)
            .map_err(|e| CliError::new(format!("cannot draw {}: {e}", path.display())))?;
        write_atomic(&path, &pdf)
    }
}

/// The summary printed at the end, for the whole job (not only this run),
/// so that a rerun of a finished job reports the same job.
struct Report<'a> {
    summary: &'a BatchSummary,
    /// Licences this run issued.
    issued: u64,
    /// Records whose licence was issued before this run (by an earlier run
    /// or an earlier line with the same request id).
    already: u64,
    /// Rejected records of the job, by any run.
    rejected: u64,
    codes: u64,
    elapsed: Duration,
}

impl<'a> Report<'a> {
    fn new(summary: &'a BatchSummary, codes: u64, elapsed: Duration) -> Self {
        let issued = summary.progress.issued;
        Report {
            summary,
            issued,
            // The library counts only the records this run looked at; a
            // rerun of a finished job looks at none, yet every code it
            // writes is of a licence issued before.
            already: codes.saturating_sub(issued),
            rejected: summary.rejected_in_job,
            codes,
            elapsed,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        let rejects: Vec<_> = self
            .summary
            .rejects
            .iter()
            .take(MAX_LISTED_REJECTS)
            .map(|(line, message)| json!({ "line": line, "message": message }))
            .collect();
        json!({
            "job": self.summary.job,
            "records": self.summary.progress.records,
            "issued": self.issued,
            "already": self.already,
            "rejected": self.rejected,
            "codes": self.codes,
            "seconds": (self.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            "per_second": per_second(run_records(&self.summary.progress), self.elapsed),
            "rejects": rejects,
        })
    }
}
