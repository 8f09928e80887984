//! `dsr capacity FILE`: the smallest engine capacities that hold a cluster dump,
//! as the `DSR_*` build variables of `libdsr` and as a Rust type.
//!
//! The dump's nodes, DaemonSets (at their current revision, as `dsr plan` reads
//! it) and pods are loaded into an engine big enough for them; the engine's
//! `usage()` (the live entries of each table) gives each capacity, headroom is
//! added, and every capacity is at least 1. The seven tables of the core map onto
//! the ten const generics of `dsr_core::Engine` as `Usage::capacities` says:
//! `RULES` holds tolerations, requirements and requirement values, `TERMS` terms
//! and `matchFields` requirements.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Args;
use dsr_core::footprint::{footprint, Capacities, Usage};
use dsr_core::sync::Plan;

use crate::engine::{with_engine, AnyEngine, OnEngine};
use crate::explain::{sized, warn_skipped, Attempt, Skipped};
use crate::feed::feed;
use crate::load::{self, Limits};
use crate::show::value;

/// `dsr capacity` arguments.
#[derive(Debug, Args)]
pub struct CapacityArgs {
    /// The cluster dump (a file, a folder, or `-` for standard input).
    pub file: PathBuf,
    /// Room to add to every capacity, as a percentage of what the dump uses
    /// (`50%` or `50`; rounded up).
    #[arg(long, value_name = "PERCENT", default_value = "0%", value_parser = parse_headroom)]
    pub headroom: u32,
    #[command(flatten)]
    pub limits: crate::LimitArgs,
}

/// Most headroom: ten times the dump.
const MAX_HEADROOM: u32 = 1000;

fn parse_headroom(s: &str) -> Result<u32, String> {
    let digits = s.trim().strip_suffix('%').unwrap_or(s.trim());
    match digits.parse::<u32>() {
        Ok(n) if n <= MAX_HEADROOM => Ok(n),
        _ => Err(format!(
            "{s:?} is not a percentage from 0% to {MAX_HEADROOM}%"
        )),
    }
}

/// The `libdsr` build variables, in `Capacities` order.
pub const VARIABLES: [&str; 10] = [
    "DSR_NODES",
    "DSR_DAEMON_SETS",
    "DSR_PODS",
    "DSR_STRINGS",
    "DSR_STRING_BYTES",
    "DSR_LABELS",
    "DSR_RULES",
    "DSR_TAINTS",
    "DSR_TERMS",
    "DSR_BACKOFF",
];

fn values(c: &Capacities) -> [usize; 10] {
    [
        c.nodes, c.sets, c.pods, c.strings, c.bytes, c.labels, c.rules, c.taints, c.terms,
        c.backoff,
    ]
}

/// The capacities that hold `usage`, with `headroom` percent added (rounded up)
/// and every one at least 1.
pub fn capacities(usage: &Usage, headroom: u32) -> Capacities {
    let grow = |n: usize| -> usize {
        let extra = (n as u128 * u128::from(headroom)).div_ceil(100);
        usize::try_from(n as u128 + extra)
            .unwrap_or(usize::MAX)
            .max(1)
    };
    let c = usage.capacities();
    Capacities {
        nodes: grow(c.nodes),
        sets: grow(c.sets),
        pods: grow(c.pods),
        strings: grow(c.strings),
        bytes: grow(c.bytes),
        labels: grow(c.labels),
        rules: grow(c.rules),
        taints: grow(c.taints),
        terms: grow(c.terms),
        backoff: grow(c.backoff),
    }
}

/// `dsr_core::Engine<...>` with these capacities, all ten generics written out.
pub fn rust_type(c: &Capacities) -> String {
    let v: Vec<String> = values(c).iter().map(usize::to_string).collect();
    format!("dsr_core::Engine<{}>", v.join(", "))
}

/// What loading the dump used.
struct Loaded {
    usage: Usage,
    skipped: Vec<Skipped>,
    nodes: usize,
    sets: usize,
    pods: usize,
}

impl Attempt for Loaded {
    fn table_full(&self) -> bool {
        self.skipped.iter().any(|s| s.table_full)
    }
}

struct Load<'a> {
    objects: &'a load::Objects,
}

impl OnEngine for Load<'_> {
    type Output = Result<Loaded>;

    fn run<E: AnyEngine, const PLAN: usize>(
        &mut self,
        engine: &mut E,
        _plan: &mut Plan<PLAN>,
    ) -> Result<Loaded> {
        let skipped = feed(engine, self.objects, true)?.skipped;
        let usage = engine.usage();
        Ok(Loaded {
            usage,
            skipped,
            nodes: usage.nodes,
            sets: usage.sets,
            pods: usage.pods,
        })
    }
}

/// Prints the capacities for `file`. Returns `Ok(false)` when some objects were
/// left out (the capacities then do not count them).
pub fn run(file: &Path, limits: &Limits, headroom: u32, out: &mut impl Write) -> Result<bool> {
    let objects = load::read_objects(file, limits)?;
    let loaded = sized(&objects.need.bound(), |tier| {
        with_engine(tier, &mut Load { objects: &objects })
    })?;
    warn_skipped(&loaded.skipped);
    if loaded.nodes + loaded.sets + loaded.pods == 0 {
        bail!("no node, DaemonSet or pod of the input could be loaded");
    }
    let c = capacities(&loaded.usage, headroom);
    let mut s = String::new();
    if let Some(line) = crate::explain::incomplete_line(&loaded.skipped) {
        s.push_str(&line);
        s.push('\n');
    }
    s.push_str(&format!(
        "# The smallest capacities that hold {} ({} node(s), {} DaemonSet(s), {} pod(s)), headroom {headroom}%\n",
        value(&file.display().to_string()),
        loaded.nodes,
        loaded.sets,
        loaded.pods
    ));
    s.push_str("# libdsr build variables:\n");
    for (name, v) in VARIABLES.iter().zip(values(&c)) {
        s.push_str(&format!("{name}={v}\n"));
    }
    s.push_str(&format!(
        "# Rust ({} bytes of RAM):\ntype ClusterEngine = {};\n",
        footprint(&c),
        rust_type(&c)
    ));
    out.write_all(s.as_bytes())?;
    Ok(loaded.skipped.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headroom_rounds_up_and_every_capacity_is_at_least_one() {
        let usage = Usage {
            nodes: 3,
            sets: 1,
            pods: 0,
            strings: 10,
            bytes: 101,
            labels: 7,
            rules: [2, 5, 4, 9, 1, 3],
            backoff: 0,
        };
        let c = capacities(&usage, 50);
        assert_eq!(
            values(&c),
            [5, 2, 1, 15, 152, 11, 14, 3, 5, 1],
            "RULES is the largest of tolerations, requirements and values; TERMS of terms and fields"
        );
        assert_eq!(values(&capacities(&usage, 0))[6], 9);
        assert_eq!(parse_headroom("50%"), Ok(50));
        assert_eq!(parse_headroom("25"), Ok(25));
        assert!(parse_headroom("-1%").is_err() && parse_headroom("1e9").is_err());
    }
}
