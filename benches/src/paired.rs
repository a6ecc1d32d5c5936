//! Paired, interleaved timing for ratios.
//!
//! This machine's speed drifts by tens of percent within minutes (a shared 2-core VM), so
//! timing one contender for a few seconds and then the next (criterion's way) can put them in
//! different conditions and move a ratio by more than the effect being measured. Here every
//! round runs each contender for one short batch, in an order that rotates from round to
//! round, so each ratio is taken between batches a few milliseconds apart. `cargo xtask bench`
//! reports the median of the per-round ratios with a distribution-free 95% interval.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

/// Runs `units` units of one contender and returns the bench-clock time they took.
pub type Batch<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

/// Per-round times of each contender of one comparison.
#[derive(Debug, Default, Serialize)]
pub struct Comparison {
    /// What one unit is divided into when reporting per call (e.g. 32 for a batch of 32
    /// concurrent calls).
    pub calls_per_unit: u64,
    /// Contender name -> nanoseconds per call, one value per round.
    pub per_call_ns: BTreeMap<String, Vec<f64>>,
}

/// Every comparison of a run, written as JSON for `cargo xtask bench`.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Comparison name (`round_trip_sequential`, ...) -> its samples.
    pub comparisons: BTreeMap<String, Comparison>,
}

/// Measures `contenders` in `rounds` interleaved rounds, each batch lasting about `batch`.
pub fn interleave(
    contenders: Vec<(&str, Batch<'_>)>,
    calls_per_unit: u64,
    rounds: usize,
    batch: Duration,
) -> Comparison {
    let mut contenders = contenders;
    // Units per batch, per contender: doubled until a batch takes a quarter of the target,
    // then scaled to the target. This also warms every contender up.
    let units: Vec<u64> = contenders
        .iter_mut()
        .map(|(_, run)| {
            let mut units = 1u64;
            loop {
                let took = run(units);
                if took >= batch / 4 || units >= 1 << 20 {
                    let scale = batch.as_secs_f64() / took.as_secs_f64().max(1e-9);
                    return ((units as f64 * scale).round() as u64).max(1);
                }
                units *= 2;
            }
        })
        .collect();
    let count = contenders.len();
    let mut samples = vec![Vec::with_capacity(rounds); count];
    for round in 0..rounds {
        for offset in 0..count {
            let which = (round + offset) % count;
            let took = (contenders[which].1)(units[which]);
            let per_call = took.as_nanos() as f64 / (units[which] * calls_per_unit) as f64;
            samples[which].push(per_call);
        }
    }
    Comparison {
        calls_per_unit,
        per_call_ns: contenders
            .iter()
            .map(|(name, _)| name.to_string())
            .zip(samples)
            .collect(),
    }
}
