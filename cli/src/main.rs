//! `dsr`: the host command line of dsr. It reads Kubernetes objects (JSON or YAML),
//! hands them to `dsr-core`, and prints what the core decides:
//!
//! - `dsr explain FILE`: per DaemonSet and node, whether the daemon pod runs there
//!   and, when not, why;
//! - `dsr plan FILE`: one sync of each DaemonSet, as the controller would do it;
//! - `dsr conformance PATH...`: runs `dsr-conformance/v1` vectors.
//!
//! Every decision comes from the core; this crate only translates and prints.

mod bench;
mod conformance;
mod convert;
mod engine;
mod explain;
mod load;
mod plan;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use dsr_core::gates::FeatureGates;

/// Kubernetes DaemonSet placement decisions, explained.
#[derive(Debug, Parser)]
#[command(name = "dsr", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Which nodes each DaemonSet's pod runs on, and why not elsewhere.
    ///
    /// FILE is a `kubectl get nodes,daemonsets,pods -A -o json` dump (or YAML, a
    /// single object, a multi-document stream, or {"nodes": [...], "daemonSets": [...]}).
    /// Exit status: 0 when every object loaded, 2 when some were skipped (each is
    /// named in a warning on stderr), 1 on an error.
    Explain(ExplainArgs),
    /// What one sync of each DaemonSet would do now: creates, deletes, status, rollout.
    ///
    /// FILE is a `kubectl get nodes,daemonsets,pods,controllerrevisions -A -o json`
    /// dump (or YAML, as for explain). For each DaemonSet it prints the pods the
    /// controller would create (node and why) and delete (pod and why), the pods it
    /// adopts or releases, the status it would write, when it would sync again and,
    /// for a rolling update in progress, the budget arithmetic (desired nodes,
    /// maxUnavailable / maxSurge scaled, budget in use, old pods to replace, how many
    /// this sync replaces) and the nodes that hold it back.
    ///
    /// Which pods are up to date: a pod is of the current revision when its
    /// `controller-revision-hash` label is the DaemonSet's current revision hash, or
    /// its `pod-template-generation` label is the DaemonSet's
    /// `deprecated.daemonset.template.generation` annotation. The current revision
    /// hash is the `dsr.io/current-revision` annotation when present; else, when the
    /// dump holds ControllerRevisions controlled by the DaemonSet, the
    /// `controller-revision-hash` label of the one with the highest `revision`; else
    /// there is none and pods are judged by template generation only (dsr does not
    /// hash templates itself).
    ///
    /// The plan is what the controller would do with no earlier sync in memory: no
    /// pending expectations, no failed-pod backoff. Exit status as for explain.
    Plan(PlanArgs),
    /// Run conformance vectors (dsr-conformance/v1) and report every failure.
    ///
    /// PATH is a vectors file or a folder (all *.json below it, in sorted order).
    /// Ends with the line `N passed, M failed`; exits non-zero when M > 0.
    Conformance(ConformanceArgs),
    /// How fast and how small the core is on a cluster (see `cli/src/bench.rs`).
    ///
    /// FILE is a bench cluster ({"nodes": [...], "daemonSets": [...]}) or a kubectl
    /// dump. Prints eligibility per pair, one full sync, a node change, allocations
    /// and the engine's RAM; `--json` prints one object with exactly the keys
    /// pairs, eligibility_ns_per_pair, full_sync_ns, node_change_ns, allocations,
    /// engine_bytes.
    Bench(bench::BenchArgs),
}

/// The feature gates decisions are made under.
#[derive(Debug, Args)]
struct GateArgs {
    /// Kubernetes feature gates, as kube-controller-manager takes them:
    /// Name=true,Other=false. Gates not named keep upstream's defaults; a gate dsr
    /// does not know is an error. Known: TaintTolerationComparisonOperators (default
    /// false: toleration operators Gt/Lt).
    #[arg(long, value_name = "NAME=BOOL,...", value_parser = parse_gates)]
    feature_gates: Option<FeatureGates>,
}

impl GateArgs {
    fn gates(&self) -> FeatureGates {
        self.feature_gates.unwrap_or_default()
    }
}

fn parse_gates(s: &str) -> Result<FeatureGates, String> {
    FeatureGates::parse(s).map_err(|e| {
        let names = s
            .split(',')
            .filter_map(|entry| entry.split_once('=').map(|(n, _)| n.trim()))
            .filter(|n| dsr_core::gates::FeatureGate::from_name(n).is_none())
            .collect::<Vec<_>>();
        let known: Vec<&str> = dsr_core::gates::FeatureGate::ALL
            .iter()
            .map(|g| g.name())
            .collect();
        match (e, names.as_slice()) {
            (dsr_core::gates::GateError::Unknown, [name, ..]) => {
                format!("{name}: {e} (dsr knows: {})", known.join(", "))
            }
            _ => e.to_string(),
        }
    })
}

/// Caps on input files.
#[derive(Debug, Args)]
struct LimitArgs {
    /// Largest input file, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = load::DEFAULT_MAX_BYTES)]
    max_bytes: u64,
    /// Most objects in one input file.
    #[arg(long, value_name = "N", default_value_t = load::DEFAULT_MAX_OBJECTS)]
    max_objects: usize,
}

impl LimitArgs {
    fn limits(&self) -> load::Limits {
        load::Limits {
            max_bytes: self.max_bytes,
            max_objects: self.max_objects,
        }
    }
}

#[derive(Debug, Args)]
struct ExplainArgs {
    /// The cluster dump.
    file: PathBuf,
    /// Only this DaemonSet: NAMESPACE/NAME, or NAME when it is unique.
    #[arg(long, value_name = "NS/NAME")]
    daemonset: Option<String>,
    /// Only this node.
    #[arg(long, value_name = "NAME")]
    node: Option<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Text)]
    output: Format,
    #[command(flatten)]
    gates: GateArgs,
    #[command(flatten)]
    limits: LimitArgs,
}

/// How `explain` and `plan` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Grouped and aligned, for a person.
    Text,
    /// A stable JSON document, for programs.
    Json,
}

#[derive(Debug, Args)]
struct PlanArgs {
    /// The cluster dump.
    file: PathBuf,
    /// Only this DaemonSet: NAMESPACE/NAME, or NAME when it is unique.
    #[arg(long, value_name = "NS/NAME")]
    daemonset: Option<String>,
    /// The time the sync runs at (RFC 3339, e.g. 2024-03-01T11:00:00Z); default now.
    /// Backoff, minReadySeconds and pod ages are judged against it.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    now: Option<dsr_core::Timestamp>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Text)]
    output: Format,
    #[command(flatten)]
    gates: GateArgs,
    #[command(flatten)]
    limits: LimitArgs,
}

fn parse_time(s: &str) -> Result<dsr_core::Timestamp, String> {
    dsr_core::Timestamp::parse_rfc3339(s)
        .ok_or_else(|| format!("{s:?} is not an RFC 3339 time (like 2024-03-01T11:00:00Z)"))
}

/// The clock, read once: the core never reads one.
fn clock() -> anyhow::Result<dsr_core::Timestamp> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| anyhow::anyhow!("the clock is before 1970: {e}"))?;
    Ok(dsr_core::Timestamp(
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
    ))
}

#[derive(Debug, Args)]
struct ConformanceArgs {
    /// Vector files or folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Gates a case does not name start from these (a case's `featureGates` win).
    #[command(flatten)]
    gates: GateArgs,
    #[command(flatten)]
    limits: LimitArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // `dsr explain ... | head`: the reader has all it wanted.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dsr: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let pipe = Some(std::io::ErrorKind::BrokenPipe);
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().map(|io| io.kind()) == pipe
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                == pipe
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Conformance(args) => {
            let files = conformance::collect_files(&args.paths)?;
            let limits = args.limits.limits();
            let engine_bytes = engine::CaseEngine::footprint();
            let totals = engine::on_big_stack(engine_bytes, || {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                let totals = conformance::run(&files, &limits, args.gates.gates(), &mut out)?;
                out.flush()?;
                anyhow::Ok(totals)
            })??;
            Ok(if totals.failed() == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Plan(args) => {
            let options = plan::Options {
                daemon_set: args.daemonset,
                now: match args.now {
                    Some(t) => t,
                    None => clock()?,
                },
                json: args.output == Format::Json,
                gates: args.gates.gates(),
            };
            let limits = args.limits.limits();
            let bytes = engine::HostEngine::footprint() + std::mem::size_of::<plan::HostPlan>();
            let complete = engine::on_big_stack(bytes, || {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                let complete = plan::run(&args.file, &limits, &options, &mut out)?;
                out.flush()?;
                anyhow::Ok(complete)
            })??;
            Ok(if complete {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Bench(args) => {
            bench::run(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain(args) => {
            let options = explain::Options {
                daemon_set: args.daemonset,
                node: args.node,
                json: args.output == Format::Json,
                gates: args.gates.gates(),
            };
            let limits = args.limits.limits();
            let engine_bytes = engine::HostEngine::footprint();
            let complete = engine::on_big_stack(engine_bytes, || {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                let complete = explain::run(&args.file, &limits, &options, &mut out)?;
                out.flush()?;
                anyhow::Ok(complete)
            })??;
            Ok(if complete {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
    }
}
