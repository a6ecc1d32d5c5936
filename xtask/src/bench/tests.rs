//! Unit tests of the bench pieces: parsing, statistics, the record key and the page.
use std::path::Path;
use std::time::UNIX_EPOCH;

use super::*;

const ESTIMATES: &str = r#"{
    "mean": {"confidence_interval": {"confidence_level": 0.95, "lower_bound": 90.0, "upper_bound": 110.0}, "point_estimate": 100.0, "standard_error": 1.0},
    "median": {"confidence_interval": {"confidence_level": 0.95, "lower_bound": 1.0, "upper_bound": 2.0}, "point_estimate": 1.5, "standard_error": 1.0},
    "slope": null
}"#;

#[test]
fn estimates_use_the_slope_when_present_else_the_mean() {
    let mean = parse_estimates(ESTIMATES).unwrap();
    assert_eq!(
        mean,
        Estimate {
            point: 100.0,
            lower: 90.0,
            upper: 110.0
        }
    );
    let with_slope = ESTIMATES.replace(
        r#""slope": null"#,
        r#""slope": {"confidence_interval": {"lower_bound": 40.0, "upper_bound": 60.0}, "point_estimate": 50.0}"#,
    );
    assert_eq!(parse_estimates(&with_slope).unwrap().point, 50.0);
    assert!(parse_estimates("{}").is_err());
}

#[test]
fn ratios_take_the_widest_interval() {
    let a = Estimate {
        point: 110.0,
        lower: 100.0,
        upper: 120.0,
    };
    let b = Estimate {
        point: 100.0,
        lower: 95.0,
        upper: 105.0,
    };
    let r = a.ratio(b);
    assert!((r.point - 1.1).abs() < 1e-9);
    assert!((r.lower - 100.0 / 105.0).abs() < 1e-9);
    assert!((r.upper - 120.0 / 95.0).abs() < 1e-9);
    assert_eq!(
        verdict(r, 1.05),
        "missed (point estimate; interval crosses the limit)"
    );
    assert_eq!(
        verdict(b.ratio(a), 1.0),
        "met (point estimate; interval crosses the limit)"
    );
}

#[test]
fn crates_are_counted_once_per_name_and_version() {
    let tree = "footprint-ours v0.0.0 (/x/benches/footprint/ours)\n\
                stytch-totp v0.1.0 (/x/crates/stytch-totp)\n\
                serde v1.0.228\n\
                serde v1.0.228 (*)\n\
                serde_derive v1.0.228 (proc-macro)\n\
                rand v0.8.5\n\
                rand v0.9.0\n\n";
    assert_eq!(count_crates(tree, "footprint-ours"), 5);
}

#[test]
fn dates_are_utc_calendar_days() {
    assert_eq!(utc_date(UNIX_EPOCH), "1970-01-01");
    assert_eq!(
        utc_date(UNIX_EPOCH + Duration::from_secs(1_709_337_600)),
        "2024-03-02"
    );
}

#[test]
fn the_page_shows_figures_intervals_ratios_and_verdicts() {
    let e = |point: f64| Estimate {
        point,
        lower: point * 0.98,
        upper: point * 1.02,
    };
    let mut results = BTreeMap::new();
    for (group, scale) in [(SEQUENTIAL, 1.0), (CONCURRENT, 32.0)] {
        results.insert(format!("{group}/bare_reqwest"), e(50_000.0 * scale));
        results.insert(format!("{group}/ours"), e(52_000.0 * scale));
        results.insert(format!("{group}/official"), e(60_000.0 * scale));
    }
    results.insert(format!("{DECODE}/ours"), e(4_000.0));
    results.insert(format!("{DECODE}/official"), e(4_500.0));
    results.insert(format!("{DECODE}/serde_json_value"), e(7_000.0));
    results.insert(format!("{CONSTRUCT}/ours"), e(4_000_000.0));
    let report = Report {
        machine: Machine {
            nproc: 2,
            cpu: "Test CPU @ 2.0GHz".into(),
            rustc: "rustc 1.95.0".into(),
            ..Machine::default()
        },
        results,
        footprints: vec![
            Footprint {
                name: "ours".into(),
                crates: 90,
                compiled: 120,
                build: Duration::from_secs(60),
            },
            Footprint {
                name: "official".into(),
                crates: 100,
                compiled: 130,
                build: Duration::from_secs(80),
            },
        ],
        allocations: Some(Allocations {
            calls: 2000,
            per_call: [
                ("bare_reqwest", 94.0, 31_660.0),
                ("ours", 90.0, 39_066.0),
                ("official", 86.0, 32_051.0),
            ]
            .into_iter()
            .map(|(name, allocations, bytes)| (name.into(), PerCall { allocations, bytes }))
            .collect(),
        }),
        notes: vec!["a note".into()],
        ..Report::default()
    };
    let page = render(&report);
    assert!(page.contains("Test CPU @ 2.0GHz"), "{page}");
    assert!(page.contains("| logical CPUs (nproc) | 2 |"), "{page}");
    assert!(
        page.contains("| sequential | 50.00 µs (49.00 µs – 51.00 µs) | 52.00 µs"),
        "{page}"
    );
    // The concurrent batch is shown per call.
    assert!(
        page.contains("32 concurrent tasks (per call) | 50.00 µs"),
        "{page}"
    );
    assert!(
        page.contains("| round trip, sequential: ours / bare reqwest ≤ 1.08 | 1.040 (0.999 – 1.082) | met (point estimate; interval crosses the limit) |"),
        "{page}"
    );
    assert!(page.contains("ours / official ≤ 1.00 | 0.867"), "{page}");
    // Allocations are exact counts: a plain verdict, and the section shows every contender.
    assert!(
        page.contains(
            "| allocations per sequential call: ours ≤ official | 90.0 vs 86.0 | **missed** |"
        ),
        "{page}"
    );
    assert!(page.contains("over 2000 sequential"), "{page}");
    assert!(
        page.contains("| bare reqwest | 94.0 | 31660 | 1.093 |"),
        "{page}"
    );
    // The crate count is information only.
    assert!(!page.contains("dependency crates: ours"), "{page}");
    assert!(page.contains("Ours / official: 90 / 100 crates"), "{page}");
    // No valgrind in this report: the section says so instead of a table.
    assert!(
        page.contains("## Instructions per call\n\nNot measured in this run (see notes)."),
        "{page}"
    );
    assert!(!page.contains("{{"), "an unfilled placeholder: {page}");
    assert!(page.contains("| ours | 90 | 120 | 60.0 s |"), "{page}");
    assert!(page.contains("Not measured in this run"), "{page}");
    assert!(page.contains("- a note"), "{page}");
    assert!(page.contains("| official | – | – |"), "{page}");
}

#[test]
fn medians_come_with_an_order_statistic_interval() {
    let values: Vec<f64> = (1..=100).map(f64::from).collect();
    let m = median_ci(&values).unwrap();
    assert_eq!((m.point, m.lower, m.upper), (50.5, 40.0, 60.0));
    let m = median_ci(&[3.0, 1.0, 2.0]).unwrap();
    assert_eq!(m.point, 2.0);
    assert!(m.lower <= m.point && m.point <= m.upper);
    assert_eq!(median_ci(&[]), None);
}

#[test]
fn paired_ratios_divide_round_by_round() {
    // The machine got twice as slow halfway: each round's ratio is still exactly 2.
    let mut paired = Paired::new();
    paired.insert("ours".into(), vec![2.0, 2.0, 4.0, 4.0]);
    paired.insert("base".into(), vec![1.0, 1.0, 2.0, 2.0]);
    let r = paired_ratio(&paired, "ours", "base").unwrap();
    assert_eq!((r.point, r.lower, r.upper), (2.0, 2.0, 2.0));
    assert_eq!(paired_ratio(&paired, "ours", "missing"), None);
    let json = r#"{"comparisons":{"decode":{"calls_per_unit":1,"per_call_ns":{"a":[1.0,2.0],"b":[2.0,4.0]}}}}"#;
    let parsed = parse_paired(json).unwrap();
    assert_eq!(parsed["decode"]["b"], vec![2.0, 4.0]);
    assert!(parse_paired("{}").is_err());
}

#[test]
fn targets_use_the_paired_ratios_when_present() {
    let mut paired = Paired::new();
    paired.insert("bare_reqwest".into(), vec![100.0; 9]);
    paired.insert("ours".into(), vec![102.0; 9]);
    paired.insert("official".into(), vec![110.0; 9]);
    let mut report = Report::default();
    report.paired.insert(SEQUENTIAL.into(), paired);
    let page = render(&report);
    assert!(
        page.contains(
            "| round trip, sequential: ours / bare reqwest ≤ 1.08 | 1.020 (1.020 – 1.020) | met |"
        ),
        "{page}"
    );
    assert!(
        page.contains("**round_trip_sequential** (9 rounds)"),
        "{page}"
    );
    assert!(
        page.contains("| ours | 102 ns (102 ns – 102 ns) | 1.020"),
        "{page}"
    );
}

#[test]
fn the_build_cost_record_round_trips_and_its_key_follows_the_sources() {
    let record = BuildCostRecord {
        key: "00ff".into(),
        date: "2026-11-27".into(),
        programs: vec![Footprint {
            name: "ours".into(),
            crates: 110,
            compiled: 119,
            build: Duration::from_millis(150_800),
        }],
    };
    assert_eq!(BuildCostRecord::parse(&record.to_json()).unwrap(), record);

    let root = std::env::temp_dir().join(format!("xtask-key-{}", std::process::id()));
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("Cargo.toml", "[workspace]");
    for name in ["ours", "official"] {
        for file in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
            write(&format!("benches/footprint/{name}/{file}"), name);
        }
    }
    for krate in ["stytch-totp", "stytch-totp-models"] {
        write(&format!("crates/{krate}/Cargo.toml"), krate);
        write(&format!("crates/{krate}/src/lib.rs"), "//! lib");
    }
    let machine = Machine::default();
    let before = build_cost_key(&root, &machine).unwrap();
    assert_eq!(build_cost_key(&root, &machine).unwrap(), before);
    write("crates/stytch-totp/src/lib.rs", "//! changed");
    let after = build_cost_key(&root, &machine).unwrap();
    let _ = std::fs::remove_dir_all(&root);
    assert_ne!(before, after);
}

#[test]
fn the_committed_build_cost_record_reads_and_writes_back_unchanged() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(BUILD_COST_RECORD);
    let committed = std::fs::read_to_string(path).unwrap();
    let record = BuildCostRecord::parse(&committed).unwrap();
    assert_eq!(record.programs.len(), 2);
    assert_eq!(record.to_json(), committed);
    assert!(BuildCostRecord::parse(r#"{"date": "x", "key": "y"}"#).is_err());
}

#[test]
fn the_template_is_filled_by_name_and_mismatches_are_refused() {
    let values = [("a", "1".to_string()), ("b", "two".to_string())];
    assert_eq!(
        fill("{{a}} and {{b}}, {{a}}", &values).unwrap(),
        "1 and two, 1"
    );
    assert!(fill("{{a}} {{c}}", &values).unwrap_err().contains("{{c}}"));
    assert!(fill("{{a}}", &values).unwrap_err().contains("{{b}}"));
    assert!(fill("{{a", &values).is_err());
}

#[test]
fn allocation_counts_are_read_from_the_bench_binary_s_json() {
    let json = r#"{"calls": 2000, "per_call": {"ours": {"allocations": 110.0, "bytes": 39066.0}}}"#;
    let allocations = Allocations::parse(json).unwrap();
    assert_eq!(allocations.calls, 2000);
    assert_eq!(
        allocations.per_call["ours"],
        PerCall {
            allocations: 110.0,
            bytes: 39_066.0
        }
    );
    assert!(Allocations::parse(r#"{"calls": 1}"#).is_err());
}

#[test]
fn callgrind_totals_come_from_the_summary_line_else_totals() {
    let out = "version: 1\ncreator: callgrind-3.22.0\nevents: Ir\nfl=(1) x\n0 5\n\nsummary: 134944457\n\ntotals: 134944457\n";
    assert_eq!(callgrind_total(out), Some(134_944_457));
    assert_eq!(callgrind_total("events: Ir\ntotals: 42 7\n"), Some(42));
    assert_eq!(callgrind_total("events: Ir\n"), None);
}

#[test]
fn instructions_per_call_are_shown_with_their_ratios() {
    let report = Report {
        instructions: Some(Instructions {
            per_call: [
                ("bare_reqwest", 131_612.0),
                ("ours", 142_730.0),
                ("official", 143_412.0),
            ]
            .into_iter()
            .map(|(name, ir)| (name.to_string(), ir))
            .collect(),
        }),
        ..Report::default()
    };
    let page = render(&report);
    assert!(page.contains("| ours | 142730 | 0.995 | 1.084 |"), "{page}");
    assert!(
        page.contains("| official | 143412 | 1.000 | 1.090 |"),
        "{page}"
    );
    assert!(page.contains("(Ir at 1200 − Ir at 200) / 1000"), "{page}");
}

#[test]
fn the_first_session_paragraph_reads_the_examples_line_and_judges_the_median() {
    let output = "first totps.authenticate with a session: 41.6 ms (reading the key, signing)\n\
                  fresh emulator to first signed session: 60.0 ms\n";
    assert_eq!(super::first_session::parse(output), Some(41.6));
    assert_eq!(super::first_session::parse("nothing here"), None);
    let mut report = Report {
        first_session_ms: vec![40.0, 45.0, 70.0],
        ..Report::default()
    };
    let met = super::first_session::section(&report);
    assert!(met.contains("median 45.0 ms"), "{met}");
    assert!(met.contains("(median): met."), "{met}");
    report.first_session_ms = vec![60.0, 55.0, 20.0];
    let missed = super::first_session::section(&report);
    assert!(missed.contains("**not met**"), "{missed}");
    report.first_session_ms.clear();
    assert_eq!(super::first_session::section(&report), "");
}
