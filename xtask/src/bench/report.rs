//! `docs/BENCHMARKS.md`: the page, rendered from one run's [`Report`](super::Report). The
//! prose is one template (`page.md`); this module renders the figures and tables that fill
//! its `{{name}}` placeholders.

use std::fmt::Write as _;
use std::time::Duration;

use super::*;

pub(crate) fn minutes(d: Duration) -> String {
    let secs = d.as_secs();
    format!("{}m{:02}s", secs / 60, secs % 60)
}

/// A time in nanoseconds with a readable unit.
pub(crate) fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

pub(crate) fn time_ci(e: Estimate) -> String {
    format!("{} ({} – {})", time(e.point), time(e.lower), time(e.upper))
}

pub(crate) fn ratio_ci(r: Estimate) -> String {
    format!("{:.3} ({:.3} – {:.3})", r.point, r.lower, r.upper)
}

/// Whether a ratio meets `ratio <= limit`, and how sure the run is of it.
pub(crate) fn verdict(r: Estimate, limit: f64) -> &'static str {
    if r.upper <= limit {
        "met"
    } else if r.point <= limit {
        "met (point estimate; interval crosses the limit)"
    } else if r.lower <= limit {
        "missed (point estimate; interval crosses the limit)"
    } else {
        "**missed**"
    }
}

/// The page's prose, with `{{name}}` where [`render`] puts figures and tables.
const PAGE: &str = include_str!("page.md");

/// Replaces every `{{name}}` in `template` with its value; a placeholder without a value, or
/// a value without a placeholder, is an error (the two would have drifted apart).
pub fn fill(template: &str, values: &[(&str, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() * 2);
    let mut used = vec![false; values.len()];
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| {
            format!(
                "unclosed placeholder at {:?}",
                &after[..after.len().min(20)]
            )
        })?;
        let name = &after[..end];
        let index = values
            .iter()
            .position(|(key, _)| *key == name)
            .ok_or_else(|| format!("no value for {{{{{name}}}}}"))?;
        used[index] = true;
        out.push_str(&values[index].1);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    match values.iter().zip(&used).find(|(_, used)| !**used) {
        Some(((name, _), _)) => Err(format!("the template has no {{{{{name}}}}}")),
        None => Ok(out),
    }
}

/// The markdown page.
pub fn render(report: &Report) -> String {
    let m = &report.machine;
    let clock = if report.clock == "wall" {
        "wall time"
    } else {
        "CPU time of the bench thread (`CLOCK_THREAD_CPUTIME_ID`)"
    };
    let values = [
        ("date", m.date.clone()),
        ("cpu", m.cpu.clone()),
        ("nproc", m.nproc.to_string()),
        ("rustc", m.rustc.clone()),
        ("kernel", m.kernel.clone()),
        ("load_start", m.load.0.clone()),
        ("load_end", m.load.1.clone()),
        ("clock", clock.to_owned()),
        ("total_wall", minutes(report.total_wall)),
        ("bench_wall", minutes(report.bench_wall)),
        ("targets", targets(report)),
        ("round_trips", round_trips(report)),
        ("throughput", throughput(report)),
        ("allocations", allocations(report)),
        ("instructions", instructions(report)),
        ("decode", decode(report)),
        ("construct", construct(report)),
        ("emulator", emulator(report)),
        ("jwt", super::jwt::section(report)),
        ("build_cost_source", build_cost_source(report)),
        ("footprints", footprints(report)),
        ("footprint_summary", footprint_summary(report)),
        ("notes", notes(report)),
        ("paired", paired(report)),
        ("build_cost_record", BUILD_COST_RECORD.to_owned()),
    ];
    fill(PAGE, &values).expect("page.md and render() name the same placeholders")
}

/// Criterion's estimate for `group/bench`.
fn get(report: &Report, group: &str, bench: &str) -> Option<Estimate> {
    report.results.get(&format!("{group}/{bench}")).copied()
}

/// Criterion's estimate per call (a concurrent iteration is a batch of calls).
fn per_call(report: &Report, group: &str, bench: &str) -> Option<Estimate> {
    let e = get(report, group, bench)?;
    Some(if group == CONCURRENT {
        e.per(f64::from(CONCURRENCY))
    } else {
        e
    })
}

/// `a / b` from the paired rounds when the run has them, else from criterion's figures.
fn best_ratio(report: &Report, group: &str, a: &str, b: &str) -> Option<Estimate> {
    let paired = report.paired.get(group).and_then(|p| paired_ratio(p, a, b));
    paired.or_else(|| Some(per_call(report, group, a)?.ratio(per_call(report, group, b)?)))
}

fn targets(report: &Report) -> String {
    let mut w = String::new();
    let mut row = |what: String, ratio: Option<Estimate>, limit: f64| {
        let _ = match ratio {
            Some(r) => writeln!(w, "| {what} | {} | {} |", ratio_ci(r), verdict(r, limit)),
            None => writeln!(w, "| {what} | not measured | – |"),
        };
    };
    for (group, label) in [(SEQUENTIAL, "sequential"), (CONCURRENT, "32 concurrent")] {
        row(
            format!("round trip, {label}: ours / official ≤ 1.00"),
            best_ratio(report, group, "ours", "official"),
            1.0,
        );
    }
    for (group, label) in [(SEQUENTIAL, "sequential"), (CONCURRENT, "32 concurrent")] {
        row(
            format!("round trip, {label}: ours / bare reqwest ≤ {BARE_LIMIT:.2}"),
            best_ratio(report, group, "ours", "bare_reqwest"),
            BARE_LIMIT,
        );
    }
    row(
        "decode `CreateTotpResponse`: ours / official ≤ 1.00".into(),
        best_ratio(report, DECODE, "ours", "official"),
        1.0,
    );
    let what = "allocations per sequential call: ours ≤ official";
    let counted = report
        .allocations
        .as_ref()
        .and_then(|a| Some((a.per_call.get("ours")?, a.per_call.get("official")?)));
    let _ = match counted {
        Some((ours, official)) => writeln!(
            w,
            "| {what} | {:.1} vs {:.1} | {} |",
            ours.allocations,
            official.allocations,
            if ours.allocations <= official.allocations {
                "met"
            } else {
                "**missed**"
            }
        ),
        None => writeln!(w, "| {what} | not measured | – |"),
    };
    let what = format!("allocations per sequential call: ours ≤ {ALLOCATIONS_LIMIT} (issue #23)");
    let _ = match report
        .allocations
        .as_ref()
        .and_then(|a| a.per_call.get("ours"))
    {
        Some(ours) => writeln!(
            w,
            "| {what} | {:.1} | {} |",
            ours.allocations,
            if ours.allocations <= ALLOCATIONS_LIMIT {
                "met"
            } else {
                "**missed**"
            }
        ),
        None => writeln!(w, "| {what} | not measured | – |"),
    };
    w
}

fn round_trips(report: &Report) -> String {
    let mut w = String::new();
    let modes = [
        (SEQUENTIAL, "sequential".to_string()),
        (
            CONCURRENT,
            format!("{CONCURRENCY} concurrent tasks (per call)"),
        ),
    ];
    for (group, label) in modes {
        let cell = |bench: &str| per_call(report, group, bench).map_or("–".into(), time_ci);
        let ratio =
            |a: &str, b: &str| match (per_call(report, group, a), per_call(report, group, b)) {
                (Some(a), Some(b)) => ratio_ci(a.ratio(b)),
                _ => "–".into(),
            };
        let _ = writeln!(
            w,
            "| {label} | {} | {} | {} | {} | {} | {} |",
            cell("bare_reqwest"),
            cell("ours"),
            cell("official"),
            ratio("ours", "bare_reqwest"),
            ratio("ours", "official"),
            ratio("official", "bare_reqwest"),
        );
    }
    w
}

/// Calls per second of ours, as a paragraph after the round-trip table (empty without them).
fn throughput(report: &Report) -> String {
    let sentences: Vec<String> = [(SEQUENTIAL, "sequential"), (CONCURRENT, "32 concurrent")]
        .into_iter()
        .filter_map(|(group, label)| {
            let e = per_call(report, group, "ours")?;
            Some(format!(
                "Ours, {label}: {:.0} calls/s on one thread.",
                1e9 / e.point
            ))
        })
        .collect();
    if sentences.is_empty() {
        String::new()
    } else {
        format!("\n{}\n", sentences.join(" "))
    }
}

fn allocations(report: &Report) -> String {
    let Some(a) = &report.allocations else {
        return "Not measured in this run (see notes).".into();
    };
    let mut w = format!(
        "Counted by the bench binary's global allocator (`benches/src/alloc.rs`) over {} \
         sequential `totps.authenticate` calls per contender, after as many warm-up calls, on \
         the thread that runs client and canned server (the server's share is the same for \
         every contender). As in dhat, a `realloc` counts as an allocation of its new size.\n\n\
         | contender | allocations per call | bytes per call | allocations / official |\n\
         |---|---|---|---|\n",
        a.calls
    );
    let official = a.per_call.get("official").map(|o| o.allocations);
    for Contender { name, label, .. } in CONTENDERS {
        let Some(c) = a.per_call.get(name) else {
            continue;
        };
        let ratio = official.map_or("–".into(), |o| format!("{:.3}", c.allocations / o));
        let _ = writeln!(
            w,
            "| {label} | {:.1} | {:.0} | {ratio} |",
            c.allocations, c.bytes
        );
    }
    w.trim_end().to_owned()
}

fn instructions(report: &Report) -> String {
    let Some(i) = &report.instructions else {
        return "Not measured in this run (see notes).".into();
    };
    let (small, big) = counts::CALLS;
    let mut w = format!(
        "callgrind (`valgrind --tool=callgrind`) on `benches/examples/profile.rs` built in \
         release, each contender run for {small} and for {big} sequential calls (after 200 \
         warm-up calls); per call = (Ir at {big} − Ir at {small}) / {}, so start-up and \
         client construction cancel. Instruction counts repeat exactly where times drift, but \
         leave out the kernel's work (loopback TCP, system calls) and cache misses.\n\n\
         | contender | instructions per call | / official | / bare reqwest |\n\
         |---|---|---|---|\n",
        big - small
    );
    let of = |name: &str| i.per_call.get(name).copied();
    for Contender { name, label, .. } in CONTENDERS {
        let Some(ir) = of(name) else {
            continue;
        };
        let ratio = |base: &str| of(base).map_or("–".into(), |b| format!("{:.3}", ir / b));
        let _ = writeln!(
            w,
            "| {label} | {ir:.0} | {} | {} |",
            ratio("official"),
            ratio("bare_reqwest")
        );
    }
    w.trim_end().to_owned()
}

fn decode(report: &Report) -> String {
    let mut w = String::new();
    for (bench, label) in [
        ("ours", "ours (`stytch_totp_models::CreateTotpResponse`)"),
        (
            "official",
            "official (`stytch::consumer::totps::CreateResponse`)",
        ),
        ("serde_json_value", "`serde_json::Value`"),
    ] {
        let ratio = match (get(report, DECODE, bench), get(report, DECODE, "official")) {
            (Some(a), Some(b)) => ratio_ci(a.ratio(b)),
            _ => "–".into(),
        };
        let time = get(report, DECODE, bench).map_or("–".into(), time_ci);
        let _ = writeln!(w, "| {label} | {time} | {ratio} |");
    }
    w
}

fn construct(report: &Report) -> String {
    let mut w = String::new();
    for Contender {
        name: bench, label, ..
    } in CONTENDERS
    {
        let ratio = match (
            get(report, CONSTRUCT, bench),
            get(report, CONSTRUCT, "bare_reqwest"),
        ) {
            (Some(a), Some(b)) => ratio_ci(a.ratio(b)),
            _ => "–".into(),
        };
        let time = get(report, CONSTRUCT, bench).map_or("–".into(), time_ci);
        let _ = writeln!(w, "| {label} | {time} | {ratio} |");
    }
    w
}

fn emulator(report: &Report) -> String {
    let Some(e) = get(report, EMULATOR, "ours") else {
        return "Not measured in this run (see notes).".into();
    };
    let per_call = e.per(f64::from(EMULATOR_CLIENTS));
    let mut w = format!(
        "{EMULATOR_CLIENTS} concurrent clients (each its own `Client` and user) call \
         `totps.authenticate` with a session against the in-process `stytch_totp_emulator` \
         (real TOTP check, session and JWT), emulator and clients on one current-thread \
         runtime; the emulator clock moves one 30 s step per round so every code is fresh. \
         Target (issue #22): at least {EMULATOR_TARGET_PER_SECOND} calls/s, from \
         {EMULATOR_BEFORE_PER_SECOND} calls/s before JWTs were signed outside the lock with \
         aws-lc-rs.\n\n\
         | per round of {EMULATOR_CLIENTS} calls | per call | calls/s | target |\n|---|---|---|---|\n\
         | {} | {} | {:.0} ({:.0} – {:.0}) | {} |",
        time_ci(e),
        time_ci(per_call),
        1e9 / per_call.point,
        1e9 / per_call.upper,
        1e9 / per_call.lower,
        met(1e9 / per_call.point >= f64::from(EMULATOR_TARGET_PER_SECOND)),
    );
    let one = get(report, EMULATOR_THREADS, "1");
    let two = get(report, EMULATOR_THREADS, "2");
    if let (Some(one), Some(two)) = (one, two) {
        let rate = |e: Estimate| 1e9 / e.per(f64::from(EMULATOR_CLIENTS)).point;
        let ratio = rate(two) / rate(one);
        let _ = write!(
            w,
            "\n\nThe same rounds on a multi-thread runtime of one and of two workers, timed on \
             the wall clock (two sign-ins sign their JWTs at once only if signing is outside \
             the lock). Target: two workers at least {EMULATOR_THREADS_TARGET:.1} times one.\n\n\
             | workers | per round | calls/s | / one worker |\n|---|---|---|---|\n\
             | 1 | {} | {:.0} | 1.00 |\n\
             | 2 | {} | {:.0} | {ratio:.2} ({}) |",
            time_ci(one),
            rate(one),
            time_ci(two),
            rate(two),
            met(ratio >= EMULATOR_THREADS_TARGET),
        );
    }
    w + &super::first_session::section(report)
}

fn met(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "not met"
    }
}

fn build_cost_source(report: &Report) -> String {
    match &report.build_cost_measured {
        Some(date) => format!(
            "Crates were counted in this run. The two clean builds take about six of this \
             machine's minutes, so their times were measured on {date} and reused from \
             `{BUILD_COST_RECORD}`: its key covers the toolchain, the CPU, both programs and \
             lock files, the workspace manifest and our client's and models' sources, and \
             `cargo xtask bench` measures again whenever any of them changes (`cargo xtask \
             bench --build-cost` forces it).\n\n"
        ),
        None if !report.footprints.is_empty() => format!(
            "Crates counted and builds timed in this run (record: `{BUILD_COST_RECORD}`).\n\n"
        ),
        None => String::new(),
    }
}

fn footprints(report: &Report) -> String {
    let mut w = String::new();
    for f in &report.footprints {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {:.1} s |",
            f.name,
            f.crates,
            f.compiled,
            f.build.as_secs_f64()
        );
    }
    w
}

fn footprint_summary(report: &Report) -> String {
    let find = |name: &str| report.footprints.iter().find(|f| f.name == name);
    match (find("ours"), find("official")) {
        (Some(ours), Some(official)) => format!(
            "Ours / official: {} / {} crates, build time ratio {:.2}.\n\n",
            ours.crates,
            official.crates,
            ours.build.as_secs_f64() / official.build.as_secs_f64()
        ),
        _ => String::new(),
    }
}

fn notes(report: &Report) -> String {
    if report.notes.is_empty() {
        return String::new();
    }
    let mut w = String::from("## Notes\n\n");
    for note in &report.notes {
        let _ = writeln!(w, "- {note}");
    }
    w + "\n"
}

fn paired(report: &Report) -> String {
    if report.paired.is_empty() {
        return "Not measured in this run.\n\n".into();
    }
    let mut w = String::new();
    for (group, contenders) in &report.paired {
        let names: Vec<&String> = contenders.keys().collect();
        let rounds = contenders.values().map(Vec::len).min().unwrap_or(0);
        let _ = writeln!(w, "**{group}** ({rounds} rounds)\n");
        let _ = writeln!(w, "| contender | median per call | / {} |", names[0]);
        let _ = writeln!(w, "|---|---|---|");
        for name in &names {
            let median = median_ci(&contenders[*name]).map_or("–".into(), time_ci);
            let ratio = paired_ratio(contenders, name, names[0]).map_or("–".into(), ratio_ci);
            let _ = writeln!(w, "| {name} | {median} | {ratio} |");
        }
        w.push('\n');
    }
    w
}
