//! `dsr bench FILE`: how fast and how small the core is on a cluster.
//!
//! FILE is a bench cluster (`{"nodes": [...], "daemonSets": [...]}`, as
//! `tests/data/bench/gen_cluster.py` writes) or a kubectl dump. Its nodes and
//! DaemonSets are applied as JSON (`Engine::apply`, as every command loads) into the smallest engine of `Tier` they fit (up to
//! 16,384 nodes and 256 DaemonSets); every node that should run a DaemonSet's pod gets one,
//! running, ready and of the current revision (the steady state; pods in the file
//! are not used). Then, each after warm-up runs, as the median of repeated runs:
//!
//! - eligibility: `Engine::evaluate_fit` of every (DaemonSet, node) pair, per pair:
//!   the decision itself (`NodeShouldRunDaemonPod`: should run, may continue
//!   running), as the engine re-evaluates placements when a node or a DaemonSet
//!   changes; the reason `Engine::placement` adds to a "no" (for explanations and
//!   deletions) is not timed, and neither is reading the kept placements
//!   (`Engine::fit`);
//! - full sync: one `Engine::sync` of every DaemonSet;
//! - node change: after one node's labels change (`Engine::update_node`), that
//!   node re-evaluated (`Engine::evaluate_fit`) against every DaemonSet;
//! - apply node, apply pod: `Engine::apply` of a MODIFIED watch event of a real
//!   node (about 4 KB and 40 labels, a label value changed) and of a daemon pod
//!   (its Ready condition flipped), decoding and re-evaluation included;
//!
//! and the heap allocations made during all of those (a counting global allocator;
//! the core allocates nothing, so this is 0), and the engine's RAM.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use dsr_core::input::{LabelInput, TaintInput};
use dsr_core::json::{Applied, Change, ObjectId, Scratch};
use dsr_core::sync::Plan;
use dsr_core::{NodeId, SetId, Timestamp};
use serde::Serialize;
use serde_json::{json, Value};

use crate::load;

/// Counts every allocation and reallocation of the process, and the bytes in use
/// (for the loader's memory test, [`heap_peak`]).
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static IN_USE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

fn grew(by: usize) {
    let now = IN_USE.fetch_add(by as u64, Ordering::Relaxed) + by as u64;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(by: usize) {
    IN_USE.fetch_sub(by as u64, Ordering::Relaxed);
}

// SAFETY: forwards every call to the system allocator unchanged, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrank(layout.size());
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            grew(new_size);
            shrank(layout.size());
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// The most heap bytes in use at once since the last call (of the whole process:
/// call it where nothing else runs), and restarts the count from the bytes in use
/// now. The first call reports the peak since the process started.
pub fn heap_peak() -> u64 {
    let now = IN_USE.load(Ordering::Relaxed);
    PEAK.swap(now, Ordering::Relaxed)
}

/// Heap bytes in use now.
pub fn heap_in_use() -> u64 {
    IN_USE.load(Ordering::Relaxed)
}

/// The largest engine the bench runs on: room for 16,384 nodes, 256 DaemonSets and
/// 262,144 pods.
pub type BenchEngine = dsr_core::Engine<
    16_384,
    256,
    { 1 << 18 },
    { 1 << 19 },
    { 8 << 20 },
    { 1 << 21 },
    4096,
    32_768,
    1024,
    65_536,
>;

pub use crate::engine::Cluster10kEngine;

/// The engines a cluster is tried in, smallest first: the bench reports the RAM of
/// the one it fits, so a small cluster is not measured in a huge engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// [`dsr_core::Cluster5kEngine`], 14 MiB.
    Cluster5k,
    /// [`Cluster10kEngine`], 28 MiB.
    Cluster10k,
    /// [`BenchEngine`], 67 MiB.
    Largest,
}

/// A table of the engine filled up while loading: the cluster needs a bigger tier.
#[derive(Debug)]
struct TooSmall(dsr_core::Error);

impl std::fmt::Display for TooSmall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the engine is too small for this cluster: {}", self.0)
    }
}

impl std::error::Error for TooSmall {}

/// Applies one object (see [`crate::feed::apply`]); [`TooSmall`] when a table
/// is full.
fn apply<
    const NODES: usize,
    const SETS: usize,
    const PODS: usize,
    const STRINGS: usize,
    const BYTES: usize,
    const LABELS: usize,
    const RULES: usize,
    const TAINTS: usize,
    const TERMS: usize,
    const BACKOFF: usize,
>(
    engine: &mut dsr_core::Engine<
        NODES,
        SETS,
        PODS,
        STRINGS,
        BYTES,
        LABELS,
        RULES,
        TAINTS,
        TERMS,
        BACKOFF,
    >,
    json: &[u8],
    what: &str,
) -> Result<Applied> {
    crate::feed::apply(engine, json).map_err(|e| match e.problem {
        dsr_core::json::Problem::Engine(full @ dsr_core::Error::Full { .. }) => {
            anyhow::Error::new(TooSmall(full)).context(what.to_owned())
        }
        _ => anyhow!("{e}"),
    })
}

/// A daemon pod as the API server writes it: running, ready since `since`.
fn pod_json(
    set_name: &str,
    namespace: &str,
    uid: &str,
    labels: &serde_json::Map<String, Value>,
    node_name: &str,
    since: Timestamp,
) -> Value {
    let since = since.to_string();
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("{set_name}-{node_name}"), "namespace": namespace,
            "generateName": format!("{set_name}-"), "resourceVersion": "100",
            "creationTimestamp": since, "labels": labels,
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": set_name,
                                 "uid": uid, "controller": true, "blockOwnerDeletion": true}]
        },
        "spec": {
            "nodeName": node_name,
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                        "values": [node_name]}]}]}}},
            "containers": [{"name": "agent", "image": "registry.example.com/agent:1.4.2",
                            "resources": {"limits": {"memory": "200Mi"}, "requests": {"cpu": "100m", "memory": "200Mi"}},
                            "volumeMounts": [{"mountPath": "/var/log", "name": "varlog"},
                                             {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                                              "name": "kube-api-access", "readOnly": true}],
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}],
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
                {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}],
            "volumes": [{"name": "varlog", "hostPath": {"path": "/var/log", "type": ""}}],
            "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
            "serviceAccountName": "agent", "priority": 0, "enableServiceLinks": true,
            "preemptionPolicy": "PreemptLowerPriority", "terminationGracePeriodSeconds": 30
        },
        "status": {
            "phase": "Running", "qosClass": "Burstable", "hostIP": "10.0.12.34", "podIP": "10.0.12.34",
            "startTime": since,
            "conditions": [
                {"type": "Initialized", "status": "True", "lastTransitionTime": since},
                {"type": "Ready", "status": "True", "lastTransitionTime": since},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": since},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": since}],
            "containerStatuses": [{"name": "agent", "ready": true, "restartCount": 0, "started": true,
                                   "image": "registry.example.com/agent:1.4.2",
                                   "imageID": "registry.example.com/agent@sha256:4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
                                   "containerID": "containerd://9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
                                   "state": {"running": {"startedAt": since}}, "lastState": {}}]
        }
    })
}

/// A MODIFIED event of `pod` with its Ready condition `ready` (a readiness
/// probe flapping: what a node agent sees most).
fn pod_event(pod: &Value, ready: bool) -> Vec<u8> {
    let mut pod = pod.clone();
    let status = if ready { "True" } else { "False" };
    for c in pod["status"]["conditions"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if c["type"] == "Ready" || c["type"] == "ContainersReady" {
            c["status"] = json!(status);
            c["lastTransitionTime"] = json!(if ready {
                "2024-03-01T11:30:00Z"
            } else {
                "2024-03-01T11:30:10Z"
            });
        }
    }
    pod["metadata"]["resourceVersion"] = json!(if ready { "101" } else { "102" });
    serde_json::to_vec(&json!({"type": "MODIFIED", "object": pod})).unwrap_or_default()
}

/// A MODIFIED event of a node as a kubelet and the cloud provider write it:
/// `labels` (the bench's) and the labels of node-feature-discovery up to 40,
/// annotations, addresses, capacity, conditions, images: about 4 KB. `spec`
/// holds the node's taints. With `flip`, every seventh label value changes, as
/// for `node_update_ns`.
fn node_event(name: &str, labels: &[(String, String)], spec: &Value, flip: bool) -> Vec<u8> {
    let mut all: serde_json::Map<String, Value> =
        labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let features = [
        "cpu-cpuid.ADX",
        "cpu-cpuid.AESNI",
        "cpu-cpuid.AVX",
        "cpu-cpuid.AVX2",
        "cpu-cpuid.AVX512F",
        "cpu-cpuid.FMA3",
        "cpu-cpuid.SHA",
        "cpu-cpuid.VMX",
        "cpu-hardware_multithreading",
        "cpu-pstate.status",
        "cpu-rdt.RDTCMT",
        "kernel-config.NO_HZ",
        "kernel-config.NO_HZ_IDLE",
        "kernel-selinux.enabled",
        "memory-numa",
        "network-sriov.capable",
        "pci-0300_1d0f.present",
        "storage-nonrotationaldisk",
        "system-os_release.ID",
        "system-os_release.VERSION_ID",
        "system-os_release.VERSION_ID.major",
        "system-os_release.VERSION_ID.minor",
        "kernel-version.full",
        "kernel-version.major",
        "kernel-version.minor",
    ];
    for f in features.iter().take(40usize.saturating_sub(all.len())) {
        all.insert(format!("feature.node.kubernetes.io/{f}"), json!("true"));
    }
    if flip {
        for (i, (_, v)) in all.iter_mut().enumerate() {
            if i % 7 == 3 {
                *v = json!(format!("{}-relabelled", v.as_str().unwrap_or("")));
            }
        }
    }
    let version = if flip { "2" } else { "1" };
    let mut spec = spec.clone();
    spec["podCIDR"] = json!("10.244.12.0/24");
    spec["podCIDRs"] = json!(["10.244.12.0/24"]);
    spec["providerID"] = json!(format!("aws:///ap-south-1a/i-0{name}"));
    let node = json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": name, "uid": format!("0b6f1c4e-3c1d-4f7a-9e2b-{:012}", name.len()),
            "resourceVersion": version, "creationTimestamp": "2024-02-01T10:00:00Z",
            "labels": all,
            "annotations": {
                "alpha.kubernetes.io/provided-node-ip": "10.0.12.34",
                "csi.volume.kubernetes.io/nodeid": format!("{{\"ebs.csi.aws.com\":\"i-0{name}\"}}"),
                "node.alpha.kubernetes.io/ttl": "0",
                "nfd.node.kubernetes.io/feature-labels": "cpu-cpuid.ADX,cpu-cpuid.AESNI,cpu-cpuid.AVX,cpu-cpuid.AVX2",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true"
            }
        },
        "spec": spec,
        "status": {
            "addresses": [{"type": "InternalIP", "address": "10.0.12.34"},
                          {"type": "Hostname", "address": name},
                          {"type": "InternalDNS", "address": "ip-10-0-12-34.ap-south-1.compute.internal"}],
            "allocatable": {"cpu": "3920m", "ephemeral-storage": "95491281146", "hugepages-1Gi": "0",
                            "hugepages-2Mi": "0", "memory": "15258108Ki", "pods": "110"},
            "capacity": {"cpu": "4", "ephemeral-storage": "104845292Ki", "hugepages-1Gi": "0",
                         "hugepages-2Mi": "0", "memory": "16283132Ki", "pods": "110"},
            "conditions": [
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
                 "message": "kubelet has sufficient memory available",
                 "lastHeartbeatTime": "2024-03-01T10:59:00Z", "lastTransitionTime": "2024-02-01T10:00:00Z"},
                {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure",
                 "message": "kubelet has no disk pressure",
                 "lastHeartbeatTime": "2024-03-01T10:59:00Z", "lastTransitionTime": "2024-02-01T10:00:00Z"},
                {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID",
                 "message": "kubelet has sufficient PID available",
                 "lastHeartbeatTime": "2024-03-01T10:59:00Z", "lastTransitionTime": "2024-02-01T10:00:00Z"},
                {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "message": "kubelet is posting ready status",
                 "lastHeartbeatTime": "2024-03-01T10:59:00Z", "lastTransitionTime": "2024-02-01T10:00:00Z"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": [{"names": ["registry.example.com/agent@sha256:4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
                                  "registry.example.com/agent:1.4.2"], "sizeBytes": 48231977}],
            "nodeInfo": {"architecture": "amd64", "bootID": "5f0c6e0e-3b1a-4a57-9d2c-7c4f1f6f3a11",
                         "containerRuntimeVersion": "containerd://1.7.11", "kernelVersion": "5.10.205-195.807.amzn2.x86_64",
                         "kubeProxyVersion": "v1.29.0-eks-5e0fdde", "kubeletVersion": "v1.29.0-eks-5e0fdde",
                         "machineID": "ec2d4ba3e6e5d2d1c2b3a4f5e6d7c8b9", "operatingSystem": "linux",
                         "osImage": "Amazon Linux 2", "systemUUID": "ec2d4ba3-e6e5-d2d1-c2b3-a4f5e6d7c8b9"}
        }
    });
    serde_json::to_vec(&json!({"type": "MODIFIED", "object": node})).unwrap_or_default()
}

/// `dsr bench` arguments.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// A bench cluster (`{"nodes": [...], "daemonSets": [...]}`) or a kubectl dump.
    file: PathBuf,
    /// Print one JSON object (`pairs`, `eligibility_ns_per_pair`, `full_sync_ns`,
    /// `node_change_ns`, `node_update_ns`, `apply_node_ns`, `apply_pod_ns`,
    /// `allocations`, `engine_bytes`).
    #[arg(long)]
    json: bool,
    /// Timed runs of each measurement (the median is reported), 1 to 10000.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=MAX_RUNS))]
    runs: u32,
    #[command(flatten)]
    limits: crate::LimitArgs,
}

/// Most timed runs `--runs` takes: each run of each measurement is kept (8 bytes)
/// and a full sync of a large cluster takes milliseconds, so more would only be
/// a way to exhaust memory or time.
pub const MAX_RUNS: i64 = 10_000;

/// The `--json` object: exactly these keys.
#[derive(Debug, Serialize)]
pub struct Report {
    /// (DaemonSet, node) pairs.
    pub pairs: u64,
    /// Median nanoseconds of one eligibility decision (`Engine::evaluate_fit`).
    pub eligibility_ns_per_pair: f64,
    /// Median nanoseconds of one sync of every DaemonSet.
    pub full_sync_ns: f64,
    /// Median nanoseconds of re-evaluating a changed node against every DaemonSet.
    pub node_change_ns: f64,
    /// Median nanoseconds of `Engine::update_node` with a label value changed:
    /// interning, storing, giving back the old strings and re-evaluating the node
    /// against every DaemonSet.
    pub node_update_ns: f64,
    /// Median nanoseconds of `Engine::apply` of a MODIFIED watch event of a real
    /// node (about 4 KB, about 40 labels, a label value changed): decoding,
    /// storing and re-evaluating the node against every DaemonSet.
    pub apply_node_ns: f64,
    /// Median nanoseconds of `Engine::apply` of a MODIFIED watch event of a
    /// daemon pod (its Ready condition flipped): decoding and storing.
    pub apply_pod_ns: f64,
    /// Heap allocations during every timed run.
    pub allocations: u64,
    /// Bytes of the engine.
    pub engine_bytes: u64,
}

/// What the human output adds.
struct Details {
    nodes: usize,
    sets: usize,
    pods: usize,
    load_ms: f64,
    one_by_one_ns: f64,
    fitted_bytes: usize,
}

/// Runs the bench and prints the report.
pub fn run(args: &BenchArgs) -> Result<()> {
    // clap holds `--runs` to 1..=MAX_RUNS; checked again for callers of the library.
    if !(1..=MAX_RUNS).contains(&i64::from(args.runs)) {
        bail!("--runs must be from 1 to {MAX_RUNS}");
    }
    let objects = load::read_objects(&args.file, &args.limits.limits())?;
    if objects.nodes.is_empty() || objects.daemon_sets.is_empty() {
        bail!(
            "{} has {} nodes and {} DaemonSets; the bench needs some of each",
            args.file.display(),
            objects.nodes.len(),
            objects.daemon_sets.len()
        );
    }
    let runs = args.runs as usize;
    let (report, details) = crate::engine::on_big_stack(BenchEngine::footprint(), || {
        let mut last = None;
        for tier in [Tier::Cluster5k, Tier::Cluster10k, Tier::Largest] {
            match measure_in(tier, &objects, runs) {
                Err(e) if e.chain().any(|c| c.is::<TooSmall>()) => last = Some(e),
                done => return done,
            }
        }
        Err(last.unwrap_or_else(|| anyhow!("no engine tier to try")))
    })??;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_human(&args.file, &report, &details);
    }
    Ok(())
}

/// Timed runs: each measurement's median, and the allocations made inside the
/// measured calls (the bookkeeping around them is not counted).
#[derive(Default)]
struct Timer {
    allocations: u64,
}

impl Timer {
    /// The median of `runs` timed runs of `f` (after two untimed ones), in
    /// nanoseconds.
    fn median_ns(&mut self, runs: usize, mut f: impl FnMut()) -> f64 {
        let mut times: Vec<f64> = Vec::with_capacity(runs);
        for i in 0..runs + 2 {
            let before = allocations();
            let t = Instant::now();
            f();
            let elapsed = t.elapsed().as_nanos() as f64;
            self.allocations += allocations() - before;
            if i >= 2 {
                times.push(elapsed);
            }
        }
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    }
}

/// A loaded DaemonSet: its id, uid, namespace, name and the labels its pods carry.
type Loaded = (
    SetId,
    String,
    String,
    String,
    serde_json::Map<String, Value>,
);

/// Builds the tier's engine (a local of this frame, on the big-stack thread) and
/// measures in it.
#[inline(never)]
fn measure_in(tier: Tier, objects: &load::Objects, runs: usize) -> Result<(Report, Details)> {
    match tier {
        Tier::Cluster5k => measure(&mut dsr_core::Cluster5kEngine::new(), objects, runs),
        Tier::Cluster10k => measure(&mut Cluster10kEngine::new(), objects, runs),
        Tier::Largest => measure(&mut BenchEngine::new(), objects, runs),
    }
}

fn measure<
    const NODES: usize,
    const SETS: usize,
    const PODS: usize,
    const STRINGS: usize,
    const BYTES: usize,
    const LABELS: usize,
    const RULES: usize,
    const TAINTS: usize,
    const TERMS: usize,
    const BACKOFF: usize,
>(
    engine: &mut dsr_core::Engine<
        NODES,
        SETS,
        PODS,
        STRINGS,
        BYTES,
        LABELS,
        RULES,
        TAINTS,
        TERMS,
        BACKOFF,
    >,
    objects: &load::Objects,
    runs: usize,
) -> Result<(Report, Details)> {
    let started = Instant::now();
    // Everything goes in as JSON, through `Engine::apply`, as `dsr plan` loads it.
    let mut nodes: Vec<(NodeId, &str)> = Vec::new();
    for node in &objects.nodes {
        let applied = apply(engine, &node.json, &node.name)?;
        let ObjectId::Node(id) = applied.id else {
            bail!("node {} was not added", node.name);
        };
        nodes.push((id, &node.name));
    }
    // Each DaemonSet at revision `bench-1`, template generation 1, synced.
    let mut sets: Vec<Loaded> = Vec::new();
    for ds in &objects.daemon_sets {
        let mut v = ds.value();
        let uid = match v["metadata"]["uid"].as_str() {
            Some(u) if !u.is_empty() => u.to_owned(),
            _ => format!("bench-{}", ds.display_name()),
        };
        let meta = &mut v["metadata"];
        meta["uid"] = json!(uid);
        meta["generation"] = json!(1);
        meta["annotations"][crate::feed::REVISION_ANNOTATION] = json!(REVISION);
        meta["annotations"][dsr_core::json::TEMPLATE_GENERATION_ANNOTATION] = json!("1");
        v["status"]["observedGeneration"] = json!(1);
        let applied = apply(engine, &serde_json::to_vec(&v)?, &ds.display_name())?;
        let ObjectId::DaemonSet(id) = applied.id else {
            bail!("DaemonSet {} was not added", ds.display_name());
        };
        let mut labels = serde_json::Map::new();
        engine
            .new_pod_labels(id, |k, v| {
                labels.insert(k.to_owned(), json!(v));
            })
            .map_err(|e| anyhow!("{e}"))?;
        sets.push((id, uid, ds.namespace.clone(), ds.name.clone(), labels));
    }
    // The steady state: a running, ready, up-to-date pod wherever one should run.
    let since = Timestamp(1_709_290_800);
    let mut pods = 0usize;
    let mut a_pod = None;
    for (set, uid, namespace, set_name, labels) in &sets {
        for &(node, node_name) in &nodes {
            if !engine
                .fit(*set, node)
                .map_err(|e| anyhow!("{e}"))?
                .should_run
            {
                continue;
            }
            let pod = pod_json(set_name, namespace, uid, labels, node_name, since);
            let name = format!("{set_name}-{node_name}");
            apply(engine, &serde_json::to_vec(&pod)?, &name)?;
            if node == nodes[nodes.len() / 2].0 {
                a_pod.get_or_insert(pod);
            }
            pods += 1;
        }
    }
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let set_ids: Vec<SetId> = sets.iter().map(|s| s.0).collect();
    let now = since.plus(3600);
    let mut plan: Box<Plan<256>> = Box::new(Plan::new());
    // The node whose labels change: the middle one; two values flip.
    let (changed_node, changed_name) = nodes[nodes.len() / 2];
    let node_record = *engine.node(changed_node).context("the node is gone")?;
    let original_values: Vec<(String, String)> = engine
        .node_labels(&node_record)
        .iter()
        .map(|l| {
            (
                engine.text(l.key).to_owned(),
                engine.text(l.value).to_owned(),
            )
        })
        .collect();
    let original_labels: Vec<LabelInput<'_>> = original_values
        .iter()
        .map(|(k, v)| LabelInput { key: k, value: v })
        .collect();
    let original = dsr_core::input::NodeInput {
        name: changed_name,
        labels: &original_labels,
        taints: &[],
        unschedulable: false,
    };
    // The node's taints and `unschedulable`, for `update_node` and for its JSON.
    let taint_values: Vec<(String, String, String)> = engine
        .node_taints(&node_record)
        .iter()
        .map(|t| {
            let effect = match t.effect {
                dsr_core::taint::TaintEffect::Other(s) => engine.text(s),
                e => e.name().unwrap_or(""),
            };
            (
                engine.text(t.key).to_owned(),
                engine.text(t.value).to_owned(),
                effect.to_owned(),
            )
        })
        .collect();
    let taint_inputs: Vec<TaintInput<'_>> = taint_values
        .iter()
        .map(|(key, value, effect)| TaintInput { key, value, effect })
        .collect();
    let original = dsr_core::input::NodeInput {
        taints: &taint_inputs,
        unschedulable: node_record.unschedulable,
        ..original
    };
    let taints: Vec<Value> = taint_values
        .iter()
        .map(|(key, value, effect)| json!({"key": key, "value": value, "effect": effect}))
        .collect();
    let node_spec = json!({"taints": taints, "unschedulable": node_record.unschedulable});
    let flipped_values: Vec<(String, String)> = original
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let v = if i % 7 == 3 {
                format!("{}-relabelled", l.value)
            } else {
                l.value.to_owned()
            };
            (l.key.to_owned(), v)
        })
        .collect();
    let flipped_labels: Vec<LabelInput<'_>> = flipped_values
        .iter()
        .map(|(k, v)| LabelInput { key: k, value: v })
        .collect();
    let flipped = dsr_core::input::NodeInput {
        name: changed_name,
        labels: &flipped_labels,
        ..original
    };
    // The same node as the API server writes it (about 4 KB, about 40 labels),
    // as two MODIFIED events, every seventh label value changed in the second.
    let node_events = [
        node_event(changed_name, &original_values, &node_spec, false),
        node_event(changed_name, &original_values, &node_spec, true),
    ];
    let pod_events = match &a_pod {
        Some(pod) => [pod_event(pod, true), pod_event(pod, false)],
        None => bail!("no pod runs on the middle node {changed_name}"),
    };
    let pairs = (set_ids.len() * nodes.len()) as u64;

    let mut timer = Timer::default();
    // Every pair, a DaemonSet on 64 nodes at a time: how the engine judges every
    // node for a DaemonSet.
    let eligibility = timer.median_ns(runs, || {
        let mut runs = 0u32;
        for (_, s) in engine.daemon_sets() {
            for b in 0..engine.node_blocks() {
                runs += engine.evaluate_fit_block(s, black_box(b)).run.count_ones();
            }
        }
        black_box(runs);
    });
    // Every pair again, one call a pair: how one node is judged for every DaemonSet.
    let one_by_one = timer.median_ns(runs, || {
        let mut runs = 0usize;
        for (_, s) in engine.daemon_sets() {
            for (_, n) in engine.nodes() {
                runs += usize::from(engine.evaluate_fit(s, n).should_run);
            }
        }
        black_box(runs);
    });
    let mut sync_error = None;
    let full_sync = timer.median_ns(runs, || {
        for &s in &set_ids {
            if let Err(e) = engine
                .sync(s, now, &mut plan)
                .and_then(|()| engine.observe_creates(s, 0))
            {
                sync_error = Some(e);
            }
        }
    });
    if let Some(e) = sync_error {
        bail!("sync failed: {e}");
    }
    // Re-evaluation is ~a microsecond: each timed run does it BATCH times.
    const BATCH: usize = 1000;
    let mut flip = false;
    let mut update_error = None;
    let update_node = timer.median_ns(runs, || {
        for _ in 0..BATCH {
            flip = !flip;
            let input = if flip { &flipped } else { &original };
            if let Err(e) = engine.update_node(changed_node, input) {
                update_error = Some(e);
            }
        }
    }) / BATCH as f64;
    if let Some(e) = update_error {
        bail!("update_node failed: {e}");
    }
    engine
        .update_node(changed_node, &flipped)
        .map_err(|e| anyhow!("update_node: {e}"))?;
    let node_record = *engine
        .node(changed_node)
        .context("the changed node is gone")?;
    let node_change = timer.median_ns(runs, || {
        for _ in 0..BATCH {
            let mut runs = 0usize;
            for (_, s) in engine.daemon_sets() {
                runs += usize::from(engine.evaluate_fit(s, black_box(&node_record)).should_run);
            }
            black_box(runs);
        }
    }) / BATCH as f64;

    // `Engine::apply` of a MODIFIED event, decoding included, with a fresh
    // scratch each time (it borrows the event), built where it lives as a
    // caller that keeps one does (`Scratch::new()` would fill a temporary and
    // copy it). The first events make the stored objects the real-sized ones;
    // each timed one changes something.
    let mut apply_error = None;
    let mut apply_batch = |events: &[Vec<u8>; 2],
                           engine: &mut dsr_core::Engine<
        NODES,
        SETS,
        PODS,
        STRINGS,
        BYTES,
        LABELS,
        RULES,
        TAINTS,
        TERMS,
        BACKOFF,
    >| {
        for i in 0..BATCH {
            let event = &events[i % 2];
            let mut slot = std::mem::MaybeUninit::<Scratch<'_, 1, 128, 64, 1024>>::uninit();
            match engine.apply(black_box(event), Scratch::init_in_place(&mut slot)) {
                Ok(a) if a.change == Change::Updated => {}
                Ok(a) => apply_error = Some(format!("applied {:?}, not updated", a.change)),
                Err(e) => apply_error = Some(e.to_string()),
            }
        }
    };
    apply_batch(&node_events, engine);
    let apply_node = timer.median_ns(runs, || apply_batch(&node_events, engine)) / BATCH as f64;
    apply_batch(&pod_events, engine);
    let apply_pod = timer.median_ns(runs, || apply_batch(&pod_events, engine)) / BATCH as f64;
    if let Some(e) = apply_error {
        bail!("apply failed: {e}");
    }

    let report = Report {
        pairs,
        eligibility_ns_per_pair: eligibility / pairs as f64,
        full_sync_ns: full_sync,
        node_change_ns: node_change,
        node_update_ns: update_node,
        apply_node_ns: apply_node,
        apply_pod_ns: apply_pod,
        allocations: timer.allocations,
        engine_bytes: core::mem::size_of_val(&*engine) as u64,
    };
    let details = Details {
        nodes: nodes.len(),
        sets: set_ids.len(),
        pods,
        load_ms,
        one_by_one_ns: one_by_one / pairs as f64,
        fitted_bytes: dsr_core::footprint::footprint(&engine.usage().capacities()),
    };
    Ok((report, details))
}

/// The revision hash every DaemonSet is at.
const REVISION: &str = "bench-1";

fn print_human(file: &std::path::Path, r: &Report, d: &Details) {
    let mib = |b: f64| b / (1024.0 * 1024.0);
    println!("{}", file.display());
    println!(
        "  cluster        {} nodes, {} DaemonSets, {} pods (steady state); loaded in {:.0} ms",
        d.nodes, d.sets, d.pods, d.load_ms
    );
    println!(
        "  eligibility    {:.1} ns per (DaemonSet, node) pair, {} pairs (evaluate_fit_block: each DaemonSet on 64 nodes at a time, the decision, no reason)",
        r.eligibility_ns_per_pair, r.pairs
    );
    println!(
        "                 ({:.1} ns per pair one call at a time: evaluate_fit)",
        d.one_by_one_ns
    );
    println!(
        "  full sync      {:.2} ms for one sync of every DaemonSet",
        r.full_sync_ns / 1e6
    );
    println!(
        "  node change    {:.2} µs to re-evaluate a relabelled node against every DaemonSet",
        r.node_change_ns / 1e3
    );
    println!(
        "  node update    {:.2} µs for update_node with a label value changed: intern, store, give back, re-evaluate",
        r.node_update_ns / 1e3
    );
    println!(
        "  apply node     {:.2} µs for Engine::apply of a MODIFIED event of a 4 KB node (a label value changed): decode, store, re-evaluate",
        r.apply_node_ns / 1e3
    );
    println!(
        "  apply pod      {:.2} µs for Engine::apply of a MODIFIED event of a daemon pod (Ready flipped): decode, store",
        r.apply_pod_ns / 1e3
    );
    println!("  allocations    {} during the timed runs", r.allocations);
    println!(
        "  engine RAM     {} bytes ({:.1} MiB); capacities fitted to this cluster: {} bytes ({:.1} MiB)",
        r.engine_bytes,
        mib(r.engine_bytes as f64),
        d.fitted_bytes,
        mib(d.fitted_bytes as f64)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_table_asks_for_a_bigger_tier_and_other_errors_do_not() {
        let mut engine = dsr_core::Engine::<1, 1, 1, 64, 4096, 64, 64>::new();
        let node = |name: &str| format!(r#"{{"kind":"Node","metadata":{{"name":"{name}"}}}}"#);
        apply(&mut engine, node("node-1").as_bytes(), "node node-1").unwrap();
        let full = apply(&mut engine, node("node-2").as_bytes(), "node node-2").unwrap_err();
        assert!(full.chain().any(|c| c.is::<TooSmall>()));
        assert!(format!("{full:#}").starts_with("node node-2: the engine is too small"));
        let invalid = apply(
            &mut dsr_core::Engine::<1, 1, 1, 64, 4096, 64, 64>::new(),
            format!(
                r#"{{"kind":"Node","metadata":{{"name":"x","labels":{{"a":"{}"}}}}}}"#,
                "v".repeat(2000)
            )
            .as_bytes(),
            "node x",
        )
        .unwrap_err();
        assert!(!invalid.chain().any(|c| c.is::<TooSmall>()), "{invalid:#}");
    }
}
