//! Counters for `/metrics`, in the Prometheus text format. Labels are
//! fixed names (routes, status codes, outcome codes), so the number of
//! series is bounded whatever strangers send.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Debug, Default)]
struct Counts {
    requests: BTreeMap<(&'static str, u16), u64>,
    outcomes: BTreeMap<&'static str, u64>,
    /// Per route: bucket counts, sum of seconds, count.
    latency: BTreeMap<&'static str, ([u64; BUCKETS.len()], f64, u64)>,
}

/// The server's counters.
#[derive(Debug, Default)]
pub(super) struct Metrics {
    counts: Mutex<Counts>,
}

impl Metrics {
    pub(super) fn record_request(&self, route: &'static str, status: u16, took: Duration) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        *counts.requests.entry((route, status)).or_default() += 1;
        let secs = took.as_secs_f64();
        let (buckets, sum, count) = counts.latency.entry(route).or_default();
        for (bucket, bound) in buckets.iter_mut().zip(BUCKETS) {
            if secs <= bound {
                *bucket += 1;
            }
        }
        *sum += secs;
        *count += 1;
    }

    pub(super) fn record_outcome(&self, code: &'static str) {
        if let Ok(mut counts) = self.counts.lock() {
            *counts.outcomes.entry(code).or_default() += 1;
        }
    }

    /// The text format, with the material's age and each list's age.
    pub(super) fn render(&self, material_age: i64, list_ages: &[(String, i64)]) -> String {
        let mut out = String::new();
        let Ok(counts) = self.counts.lock() else {
            return out;
        };
        out.push_str("# HELP elicence_requests_total Requests answered, by route and status.\n");
        out.push_str("# TYPE elicence_requests_total counter\n");
        for ((route, status), n) in &counts.requests {
            let _ = writeln!(
                out,
                "elicence_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP elicence_verdicts_total Verdicts given, by outcome.\n");
        out.push_str("# TYPE elicence_verdicts_total counter\n");
        for (code, n) in &counts.outcomes {
            let _ = writeln!(out, "elicence_verdicts_total{{outcome=\"{code}\"}} {n}");
        }
        out.push_str("# HELP elicence_request_seconds Time to answer, by route.\n");
        out.push_str("# TYPE elicence_request_seconds histogram\n");
        for (route, (buckets, sum, count)) in &counts.latency {
            for (n, bound) in buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "elicence_request_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "elicence_request_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "elicence_request_seconds_sum{{route=\"{route}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "elicence_request_seconds_count{{route=\"{route}\"}} {count}"
            );
        }
        out.push_str("# HELP elicence_material_age_seconds Since the lists were last loaded.\n");
        out.push_str("# TYPE elicence_material_age_seconds gauge\n");
        let _ = writeln!(out, "elicence_material_age_seconds {material_age}");
        out.push_str("# HELP elicence_list_age_seconds Since each published list was signed.\n");
        out.push_str("# TYPE elicence_list_age_seconds gauge\n");
        for (list, age) in list_ages {
            // Paths of loaded, signature-checked lists; quotes and
            // backslashes escaped all the same.
            let list = list.replace('\\', "\\\\").replace('"', "\\\"");
            let _ = writeln!(out, "elicence_list_age_seconds{{list=\"{list}\"}} {age}");
        }
        out
    }
}
