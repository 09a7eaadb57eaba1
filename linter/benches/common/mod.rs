//! What the benchmarks share: the parse-only bound.

use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;

/// The parse-only bound of a lint of `dir`: every `.tf` file under it read and parsed by
/// hcl-edit alone, in parallel as the linter does (no evaluation, no rules, no output), best
/// median of `runs`. Returns the time and the bytes parsed. No lint of the same files can be faster
/// than this with the same parser; the lint's time over it is what the rest costs.
pub fn parse_only(dir: &Path, runs: usize) -> (Duration, usize) {
    let files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "tf"))
        .map(|e| e.path().to_path_buf())
        .collect();
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        bytes = files
            .par_iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).unwrap_or_default();
                let parsed = hcl::edit::parser::parse_body(&text);
                assert!(parsed.is_ok(), "{} does not parse", p.display());
                text.len()
            })
            .sum();
        times.push(started.elapsed());
    }
    (median(&mut times), bytes)
}

/// The median of `times` (the machine is shared: the median is steadier than the best).
pub fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// Prints the parse-only bound and the whole lint (`lint`: median wall time of the process)
/// as a multiple of it.
pub fn report_bound(dir: &Path, lint: Duration) {
    let (parse, bytes) = parse_only(dir, 5);
    let p = parse.as_secs_f64();
    let l = lint.as_secs_f64();
    println!(
        "parse-only bound (hcl-edit on the same {:.2} MB, in parallel, median of 5): {p:.3} s \
         ({:.1} MB/s); whole lint (median) {l:.3} s = {:.2}x the bound (parsing is {:.0}% of the lint)",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / p,
        l / p,
        100.0 * p / l
    );
}
