//! Criterion estimates and paired rounds: reading them and their medians, intervals and ratios.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// A criterion estimate in nanoseconds: point and 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Point estimate.
    pub point: f64,
    /// Lower bound of the confidence interval.
    pub lower: f64,
    /// Upper bound of the confidence interval.
    pub upper: f64,
}

impl Estimate {
    /// This estimate divided by `by` (e.g. per call of a batch).
    pub fn per(self, by: f64) -> Self {
        Self {
            point: self.point / by,
            lower: self.lower / by,
            upper: self.upper / by,
        }
    }

    /// `self / other`, with the widest interval the two intervals allow.
    pub fn ratio(self, other: Self) -> Self {
        Self {
            point: self.point / other.point,
            lower: self.lower / other.upper,
            upper: self.upper / other.lower,
        }
    }
}

/// The part of criterion's `estimates.json` the page uses.
#[derive(Deserialize)]
struct Estimates {
    mean: Option<RawEstimate>,
    slope: Option<RawEstimate>,
}

#[derive(Deserialize)]
struct RawEstimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

/// Reads criterion's `estimates.json`: the slope (what criterion prints for linear sampling)
/// when present, else the mean.
pub fn parse_estimates(json: &str) -> Result<Estimate, String> {
    let estimates: Estimates =
        serde_json::from_str(json).map_err(|e| format!("estimates.json: {e}"))?;
    let chosen = estimates
        .slope
        .or(estimates.mean)
        .ok_or("estimates.json has neither slope nor mean")?;
    Ok(Estimate {
        point: chosen.point_estimate,
        lower: chosen.confidence_interval.lower_bound,
        upper: chosen.confidence_interval.upper_bound,
    })
}

/// Every `<group>/<bench>/new/estimates.json` under criterion's directory, keyed
/// `group/bench`.
pub fn read_results(criterion_dir: &Path) -> Result<BTreeMap<String, Estimate>, String> {
    let mut results = BTreeMap::new();
    let groups = std::fs::read_dir(criterion_dir)
        .map_err(|e| format!("no criterion results in {}: {e}", criterion_dir.display()))?;
    for group in groups.flatten() {
        let Ok(benches) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for bench in benches.flatten() {
            let file = bench.path().join("new").join("estimates.json");
            let Ok(json) = std::fs::read_to_string(&file) else {
                continue;
            };
            let key = format!(
                "{}/{}",
                group.file_name().to_string_lossy(),
                bench.file_name().to_string_lossy()
            );
            let estimate =
                parse_estimates(&json).map_err(|e| format!("{}: {e}", file.display()))?;
            results.insert(key, estimate);
        }
    }
    Ok(results)
}

/// Per-round, per-call times of one paired comparison: contender -> nanoseconds per round.
pub type Paired = BTreeMap<String, Vec<f64>>;

/// The paired rounds the bench binary wrote (`benches/src/paired.rs`'s `Report`).
#[derive(Deserialize)]
struct PairedFile {
    comparisons: BTreeMap<String, Comparison>,
}

#[derive(Deserialize)]
struct Comparison {
    per_call_ns: Paired,
}

/// Reads the paired rounds the bench binary wrote (`target/tmp/paired-ratios.json`):
/// comparison name -> its per-round times.
pub fn parse_paired(json: &str) -> Result<BTreeMap<String, Paired>, String> {
    let file: PairedFile =
        serde_json::from_str(json).map_err(|e| format!("paired-ratios.json: {e}"))?;
    Ok(file
        .comparisons
        .into_iter()
        .map(|(name, comparison)| (name, comparison.per_call_ns))
        .collect())
}

/// The median of `values` with a distribution-free 95% interval: the order statistics at
/// ranks n/2 ∓ 1.96·√n/2 (binomial approximation), clamped to the sample.
pub fn median_ci(values: &[f64]) -> Option<Estimate> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mid = n / 2;
    let point = if n % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    };
    let half = 1.96 * (n as f64).sqrt() / 2.0;
    let lower = ((n as f64 / 2.0 - half).floor() as usize)
        .saturating_sub(1)
        .min(n - 1);
    let upper = ((n as f64 / 2.0 + half).ceil() as usize).clamp(1, n) - 1;
    Some(Estimate {
        point,
        lower: sorted[lower],
        upper: sorted[upper],
    })
}

/// The ratio `a / b` of two contenders of a paired comparison: the median of the per-round
/// ratios, each taken between batches run milliseconds apart.
pub fn paired_ratio(paired: &Paired, a: &str, b: &str) -> Option<Estimate> {
    let (a, b) = (paired.get(a)?, paired.get(b)?);
    let ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(_, b)| **b > 0.0)
        .map(|(a, b)| a / b)
        .collect();
    median_ci(&ratios)
}
