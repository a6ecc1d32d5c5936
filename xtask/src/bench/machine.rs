//! The machine and toolchain the figures come from, and the date of the run.

use std::process::Command;
use std::time::SystemTime;

use time::OffsetDateTime;

/// The machine and toolchain the figures come from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Machine {
    /// Logical CPUs.
    pub nproc: usize,
    /// `model name` from `/proc/cpuinfo`.
    pub cpu: String,
    /// `rustc -V`.
    pub rustc: String,
    /// Kernel release.
    pub kernel: String,
    /// 1-minute load average before and after the run.
    pub load: (String, String),
    /// UTC date of the run (`YYYY-MM-DD`).
    pub date: String,
}

pub(crate) fn machine() -> Machine {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    Machine {
        nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu,
        rustc,
        kernel,
        load: (load_average(), String::new()),
        date: utc_date(SystemTime::now()),
    }
}

pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// `YYYY-MM-DD` in UTC.
pub fn utc_date(time: SystemTime) -> String {
    let date = OffsetDateTime::from(time).date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}
