//! Criterion estimates and paired rounds: reading them and their medians, intervals and ratios.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

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

/// Reads criterion's `estimates.json`: the slope (what criterion prints for linear sampling)
/// when present, else the mean.
pub fn parse_estimates(json: &str) -> Result<Estimate, String> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("estimates.json is not JSON: {e}"))?;
    let pick = |name: &str| value.get(name).filter(|v| !v.is_null());
    let chosen = pick("slope")
        .or_else(|| pick("mean"))
        .ok_or("estimates.json has neither slope nor mean")?;
    let number = |v: &Value| v.as_f64().ok_or("estimates.json: not a number".to_string());
    let interval = &chosen["confidence_interval"];
    Ok(Estimate {
        point: number(&chosen["point_estimate"])?,
        lower: number(&interval["lower_bound"])?,
        upper: number(&interval["upper_bound"])?,
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

/// Reads the paired rounds the bench binary wrote (`target/tmp/paired-ratios.json`):
/// comparison name -> its per-round times.
pub fn parse_paired(json: &str) -> Result<BTreeMap<String, Paired>, String> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("paired-ratios.json is not JSON: {e}"))?;
    let comparisons = value["comparisons"]
        .as_object()
        .ok_or("paired-ratios.json has no comparisons")?;
    let mut out = BTreeMap::new();
    for (name, comparison) in comparisons {
        let per_call = comparison["per_call_ns"]
            .as_object()
            .ok_or_else(|| format!("comparison {name} has no per_call_ns"))?;
        let mut paired = Paired::new();
        for (contender, rounds) in per_call {
            let rounds = rounds
                .as_array()
                .ok_or_else(|| format!("{name}/{contender}: not a list"))?
                .iter()
                .map(|v| {
                    v.as_f64()
                        .ok_or_else(|| format!("{name}/{contender}: not a number"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            paired.insert(contender.clone(), rounds);
        }
        out.insert(name.clone(), paired);
    }
    Ok(out)
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
