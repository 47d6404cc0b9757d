//! The raw signing rate, for comparing batch issuance into a registry with:
//! reads a JSONL batch, and signs every licence on all cores with nothing
//! stored, as fast as it can. Prints licences per second.
//!
//! `cargo run --release --example sign_loop -- IN.jsonl`

use std::io::BufRead;
use std::num::NonZeroUsize;
use std::time::Instant;

use elicence::{Licence, SignedLicence, SigningKey, UnixTime};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: sign_loop IN.jsonl")?;
    let key = SigningKey::from_seed(&[7; 32]);
    let at = UnixTime::parse_rfc3339("2025-03-01T09:00:00+08:00")?;
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let reader = std::io::BufReader::new(std::fs::File::open(&path)?);
    let start = Instant::now();
    let mut total = 0usize;
    let mut chunk = Vec::with_capacity(2000);
    let mut lines = reader.lines();
    loop {
        chunk.clear();
        for line in lines.by_ref().take(2000) {
            chunk.push(line?);
        }
        if chunk.is_empty() {
            break;
        }
        let per = chunk.len().div_ceil(threads);
        let signed: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .chunks(per)
                .map(|part| {
                    let key = &key;
                    scope.spawn(move || {
                        part.iter()
                            .filter_map(|l| Licence::from_json(l).ok())
                            .filter_map(|l| SignedLicence::sign(l, key, at).ok())
                            .count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
        });
        total += signed;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "signed {total} licences in {secs:.2} s: {:.0} per second on {threads} threads",
        total as f64 / secs
    );
    Ok(())
}
