//! `dsr`: the host command line of dsr. It reads Kubernetes objects (JSON or YAML),
//! hands them to `dsr-core`, and prints what the core decides:
//!
//! - `dsr explain FILE`: per DaemonSet and node, whether the daemon pod runs there
//!   and, when not, why;
//! - `dsr plan FILE`: one sync of each DaemonSet, as the controller would do it;
//! - `dsr conformance PATH...`: runs `dsr-conformance/v1` vectors;
//! - `dsr bench FILE`: how fast and how small the core is on a cluster;
//! - `dsr capacity FILE`: the smallest engine capacities that hold a cluster.
//!
//! Every decision comes from the core; this crate only translates and prints (the
//! work is in the `dsr_cli` library, `src/lib.rs`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use dsr_cli::engine::Tier;
use dsr_cli::{bench, capacity, conformance, engine, explain, plan, LimitArgs};
use dsr_core::gates::FeatureGates;

/// What every command that reads a dump says about its input, and the exit
/// statuses of explain and plan (in their long help).
const INPUT_HELP: &str = "\
Input: FILE is a file, a folder (every *.json, *.yaml and *.yml in it, not its
subfolders, as `kubectl apply -f DIR`) or `-` for standard input
(`kubectl get nodes,daemonsets,pods -A -o json | dsr plan -`). JSON or YAML, told
apart by the first character: a List, a single object, a YAML multi-document stream,
JSON objects one after another, or {\"nodes\": [...], \"daemonSets\": [...]}. Every
object needs metadata.name; a DaemonSet, pod or ControllerRevision without a
namespace is in `default`, as kubectl has it. No Kubernetes objects at all is an
error.

Memory: JSON is read as a stream, one object at a time; fields dsr never reads
(managed fields, most of a pod's spec and status, a node's status) are skipped as
they are read, and what is kept is typed: the heap holds about 1 byte per input
byte of a kubectl dump (0.85 measured), up to about 10 for input made of many tiny
labels, and at least about 1.6 KiB per node and 1 KiB per pod however small their
JSON (at the default caps: 100,000 objects, 64 MiB). Add the engine, sized to the
input: from 1 MiB for a few nodes to about 90 MiB for the largest (16,384 nodes,
131,072 pods). YAML is read whole first: 1 byte more per input byte. Reading is
O(n log n) in the size of the input.

Text output escapes control characters in names and values (\\n, \\u{1b}) and cuts
values in messages to 80 characters; JSON output is exact.";

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
    /// FILE is a `kubectl get nodes,daemonsets,pods -A -o json` dump (see Input
    /// below). A DaemonSet the API server would refuse (an empty selector, a
    /// selector that does not select its template's labels, ...) is explained
    /// with a warning in upstream's words.
    ///
    /// When an object cannot be loaded (invalid, or more than the largest engine
    /// holds), the output starts with a line `INCOMPLETE: N object(s) left out ...`
    /// naming the first few (JSON: `"complete": false`, `skippedCount`, `skipped`),
    /// and each is named in a warning on stderr.
    ///
    /// Exit status: 0 when every object loaded; 2 when some were left out (the
    /// answer is partial); 1 on an error (nothing is printed on stdout).
    #[command(after_long_help = INPUT_HELP)]
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
    /// pending expectations, no failed-pod backoff.
    ///
    /// A rolling update whose maxUnavailable or maxSurge is neither an integer nor
    /// a percentage (or, surging, that has an old pod on a missing node) is
    /// halted: upstream's sync fails on it every time. The plan says so under the
    /// DaemonSet and in a `HALTED:` line at the top (JSON: `rollout.halted`,
    /// `haltedCount`). Objects left out are reported as for explain.
    ///
    /// Exit status: 0 when every object loaded and no rollout is halted; 2 when
    /// some objects were left out (whether or not a rollout is halted); 3 when
    /// every object loaded but some rollout is halted; 1 on an error.
    #[command(after_long_help = INPUT_HELP)]
    Plan(PlanArgs),
    /// Run conformance vectors (dsr-conformance/v1) and report every failure.
    ///
    /// PATH is a vectors file or a folder (all *.json below it, in sorted order).
    /// Each case runs in the smallest engine that holds it, whatever its size; a
    /// case larger than the largest engine fails, saying so. Ends with the line
    /// `N passed, M failed`; exits non-zero when M > 0.
    Conformance(ConformanceArgs),
    /// How fast and how small the core is on a cluster (see `cli/src/bench.rs`).
    ///
    /// FILE is a bench cluster ({"nodes": [...], "daemonSets": [...]}) or a kubectl
    /// dump. Prints eligibility per pair, one full sync, a node change, allocations
    /// and the engine's RAM; `--json` prints one object with exactly the keys
    /// pairs, eligibility_ns_per_pair, full_sync_ns, node_change_ns, node_update_ns,
    /// apply_node_ns, apply_pod_ns, allocations, engine_bytes. `--runs` is from 1 to 10000.
    Bench(bench::BenchArgs),
    /// The smallest engine capacities that hold a cluster dump.
    ///
    /// Loads FILE's nodes, DaemonSets and pods (as `dsr plan` does) into an engine
    /// big enough for them and prints, from the engine's usage plus --headroom,
    /// the capacities as the `DSR_*` build variables of libdsr (DSR_NODES,
    /// DSR_DAEMON_SETS, DSR_PODS, DSR_STRINGS, DSR_STRING_BYTES, DSR_LABELS,
    /// DSR_RULES, DSR_TAINTS, DSR_TERMS, DSR_BACKOFF) and as a Rust type
    /// `dsr_core::Engine<...>` with its RAM. Every capacity is at least 1.
    /// The per-call limits of libdsr (DSR_CALL_*, DSR_PLAN) are not derived.
    ///
    /// Exit status: 0; 2 when some objects could not be loaded (they are not
    /// counted); 1 on an error.
    #[command(after_long_help = INPUT_HELP)]
    Capacity(capacity::CapacityArgs),
    /// Follow a cluster's watch events: what the controller must do, and owes.
    ///
    /// Reads watch events as `kubectl get KIND -A --watch --output-watch-events
    /// -o json` prints them, from FILEs or FIFOs (merged) or standard input (`-`),
    /// or, with --kubectl, runs one such kubectl per kind (nodes, daemonsets,
    /// controllerrevisions, pods), merges them and restarts one that ends (a
    /// node, DaemonSet or pod its re-list no longer names is taken as deleted):
    ///
    ///   dsr watch --kubectl --owed-after 2m
    ///
    /// After each event that changes anything (or each --batch), it prints, per
    /// DaemonSet affected: the creates (node, why) and deletes (pod, why) the
    /// controller must now make, those no longer asked for (done, or no longer
    /// needed), the status it would write, and a rollout's progress with the
    /// nodes holding it back. Text lines start `#EVENT TIME NAMESPACE/NAME`; `-o
    /// json` prints one object per line: event, events, time, type, kind,
    /// namespace, name and changes [{daemonSet, creates, deletes, resolved,
    /// status, rollout, owed, removed}].
    ///
    /// The initial lists (the ADDED events before any other, or before a second
    /// without events when live) are applied first and reported at once (type
    /// INITIAL). Each sync is the controller's with every earlier create and
    /// delete observed; the failed-pod backoff is kept from sync to sync.
    ///
    /// --owed-after reports actions asked for that long and not done: a create
    /// with no pod on the node since, a delete of a pod that still runs, a
    /// created pod still Pending, a .status the DaemonSet object does not show,
    /// each with its likely cause (OWED lines; JSON `owed`).
    ///
    /// Time is the clock, or with --replay the latest time each event's object
    /// records (creation, deletion, managedFields, conditions), never going
    /// back: a recorded stream gives the same output every time.
    ///
    /// Exit status: 0 at the end of the input; 4 when --exit-on-owed stopped
    /// on an owed action; 1 on an error.
    Watch(WatchArgs),
}

#[derive(Debug, Args)]
struct WatchArgs {
    /// Watch event streams: files, FIFOs, or `-` for standard input.
    #[arg(required_unless_present = "kubectl", conflicts_with = "kubectl")]
    inputs: Vec<PathBuf>,
    /// Run `kubectl get KIND --watch --output-watch-events -o json` per kind
    /// (the program named by $DSR_KUBECTL when set).
    #[arg(long)]
    kubectl: bool,
    /// kubectl's --context.
    #[arg(long, requires = "kubectl", value_name = "CONTEXT")]
    context: Option<String>,
    /// Only this namespace's DaemonSets, pods and ControllerRevisions (kubectl
    /// -n; nodes are cluster-wide).
    #[arg(long, short = 'n', requires = "kubectl", value_name = "NAMESPACE")]
    namespace: Option<String>,
    /// Take time from the events instead of the clock.
    #[arg(long)]
    replay: bool,
    /// Report once per DURATION of events (100ms, 2s) instead of per event.
    #[arg(long, value_name = "DURATION", value_parser = dsr_cli::watch::parse_duration)]
    batch: Option<std::time::Duration>,
    /// Only this DaemonSet: NAMESPACE/NAME, or NAME.
    #[arg(long, value_name = "NS/NAME")]
    daemonset: Option<String>,
    /// Only changes on this node.
    #[arg(long, value_name = "NAME")]
    node: Option<String>,
    /// Report actions owed for this long (2m, 30s, 1h).
    #[arg(long, value_name = "DURATION", value_parser = dsr_cli::watch::parse_duration)]
    owed_after: Option<std::time::Duration>,
    /// Stop with exit status 4 once an action is owed.
    #[arg(long, requires = "owed_after")]
    exit_on_owed: bool,
    /// Stop after this many events.
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
    /// The engine: small, medium, cluster-5k, cluster-10k or largest (16,384
    /// nodes, 256 DaemonSets, 131,072 pods, 16 MiB of names and labels; only
    /// what is used is resident).
    #[arg(long, value_name = "SIZE", default_value = "largest", value_parser = parse_tier)]
    engine: Tier,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Text)]
    output: Format,
    /// Largest event, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    max_bytes: usize,
    /// Wait before restarting a kubectl that ended, in milliseconds.
    #[arg(long, hide = true, default_value_t = 1000)]
    restart_delay_ms: u64,
    #[command(flatten)]
    gates: GateArgs,
}

fn parse_tier(s: &str) -> Result<Tier, String> {
    Tier::ALL
        .into_iter()
        .find(|t| t.name() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = Tier::ALL.iter().map(|t| t.name()).collect();
            format!("{s:?}: the engines are {}", names.join(", "))
        })
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

#[derive(Debug, Args)]
struct ExplainArgs {
    /// The cluster dump: a file, a folder, or `-` for standard input.
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
    /// The cluster dump: a file, a folder, or `-` for standard input.
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
            // Room for the case engine and the largest one a case may need; only
            // what is touched is committed.
            let engine_bytes = engine::CaseEngine::footprint() + Tier::Host.footprint();
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
            let outcome = engine::on_big_stack(Tier::Host.footprint(), || {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                let outcome = plan::run(&args.file, &limits, &options, &mut out)?;
                out.flush()?;
                anyhow::Ok(outcome)
            })??;
            Ok(if !outcome.complete {
                ExitCode::from(2)
            } else if outcome.halted {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Bench(args) => {
            bench::run(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Capacity(args) => {
            let limits = args.limits.limits();
            let complete = engine::on_big_stack(Tier::Host.footprint(), || {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                let complete = capacity::run(&args.file, &limits, args.headroom, &mut out)?;
                out.flush()?;
                anyhow::Ok(complete)
            })??;
            Ok(if complete {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Watch(args) => {
            let kubectl = args.kubectl.then(|| dsr_cli::watch::Kubectl {
                program: std::env::var_os("DSR_KUBECTL")
                    .map_or_else(|| PathBuf::from("kubectl"), PathBuf::from),
                context: args.context.clone(),
                namespace: args.namespace.clone(),
                restart_delay: std::time::Duration::from_millis(args.restart_delay_ms),
            });
            let options = dsr_cli::watch::Options {
                inputs: args.inputs,
                kubectl,
                json: args.output == Format::Json,
                replay: args.replay,
                batch: args.batch,
                daemon_set: args.daemonset,
                node: args.node,
                owed_after: args.owed_after,
                exit_on_owed: args.exit_on_owed,
                max_events: args.max_events,
                tier: args.engine,
                gates: args.gates.gates(),
                max_bytes: args.max_bytes,
            };
            let outcome = engine::on_big_stack(args.engine.footprint(), || {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                dsr_cli::watch::run(&options, &mut out)
            })??;
            Ok(if outcome.owed && options.exit_on_owed {
                ExitCode::from(4)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Explain(args) => {
            let options = explain::Options {
                daemon_set: args.daemonset,
                node: args.node,
                json: args.output == Format::Json,
                gates: args.gates.gates(),
            };
            let limits = args.limits.limits();
            let complete = engine::on_big_stack(Tier::Host.footprint(), || {
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
