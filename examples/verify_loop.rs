//! The raw verification rate, for comparing the scan endpoint with: loads
//! the material `elicence serve` loads (roots, trust list, status lists) into
//! one verifier, and verifies one valid QR text on all cores, with no HTTP in
//! between, for a fixed time. Prints one line of JSON:
//! `{"raw_verify_per_sec": X, "threads": N}`.
//!
//! `cargo run --release --example verify_loop -- DEMO_DIR [SECONDS] [QR.txt]`
//!
//! DEMO_DIR is what `elicence demo --out DEMO_DIR` wrote; SECONDS defaults to
//! 5; the QR text defaults to DEMO_DIR/trust/business-licence.qr.txt.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use elicence::{TrustStore, UnixTime, Verifier};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Verifications between two looks at the clock: the clock costs little
/// next to a signature check, but need not be read on every one.
const CHECK_EVERY: usize = 64;

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: verify_loop DEMO_DIR [SECONDS] [QR.txt]")?,
    );
    let seconds: f64 = match args.next() {
        Some(s) => s.parse().map_err(|e| format!("SECONDS {s:?}: {e}"))?,
        None => 5.0,
    };
    let duration = Duration::try_from_secs_f64(seconds).map_err(|e| format!("SECONDS: {e}"))?;
    let qr_path = args
        .next()
        .map_or_else(|| dir.join("trust/business-licence.qr.txt"), PathBuf::from);

    let at = now()?;
    let verifier = load_verifier(&dir, at)?;
    let text = read(&qr_path)?;
    // The QR file is one line; a trailing newline is the editor's, not the code's.
    let text = String::from_utf8(text)?.trim_end().to_owned();
    let first = verifier.verify_qr_text(&text, at);
    if !first.is_valid() {
        return Err(format!("{} does not verify: {first}", qr_path.display()).into());
    }

    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let start = Instant::now();
    let deadline = start + duration;
    let total = std::thread::scope(|scope| -> Result<usize, Error> {
        let handles: Vec<_> = (0..threads)
            .map(|_| scope.spawn(|| verify_until(&verifier, &text, at, deadline)))
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle.join().map_err(|_| "a verifying thread panicked")??;
        }
        Ok(total)
    })?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"raw_verify_per_sec\": {:.0}, \"threads\": {threads}}}",
        total as f64 / secs
    );
    Ok(())
}

/// Verifies `text` until `deadline`; the count, or the first verdict that
/// was not valid (the same code and clock must give the same verdict).
fn verify_until(
    verifier: &Verifier,
    text: &str,
    at: UnixTime,
    deadline: Instant,
) -> Result<usize, Error> {
    let mut done = 0;
    while Instant::now() < deadline {
        for _ in 0..CHECK_EVERY {
            let verdict = verifier.verify_qr_text(text, at);
            if !verdict.is_valid() {
                return Err(format!("verdict changed under load: {verdict}").into());
            }
        }
        done += CHECK_EVERY;
    }
    Ok(done)
}

/// The verifier `elicence serve` builds from `--roots`, `--trust-list` and
/// `--status`, for the demo's layout.
fn load_verifier(dir: &Path, at: UnixTime) -> Result<Verifier, Error> {
    let roots = dir.join("pki/root.cert.pem");
    let mut store = TrustStore::new();
    let report = store.load_roots(&read(&roots)?);
    if report.added == 0 {
        return Err(format!("no root certificate in {}", roots.display()).into());
    }
    let mut verifier = Verifier::from_roots(&store);
    let trust_list = dir.join("pki/trust-list.cose");
    verifier
        .add_trust_list(&read(&trust_list)?, at)
        .map_err(|e| format!("{}: {e}", trust_list.display()))?;
    for path in status_files(&dir.join("status"))? {
        verifier
            .add_status_list(&read(&path)?, at)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(verifier)
}

/// The `*.cwt` files in `dir` and its subdirectories (two levels, as the
/// server searches), sorted.
fn status_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut dirs = vec![(dir.to_path_buf(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() && depth < 1 {
                dirs.push((path, depth + 1));
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "cwt") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// The current time, as the server reads it for its lists.
fn now() -> Result<UnixTime, Error> {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    Ok(UnixTime::from_secs(i64::try_from(secs)?))
}
