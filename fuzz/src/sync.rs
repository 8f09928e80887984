//! A small cluster for the sync targets: nodes, DaemonSets and pods described by
//! the fuzz input (from small dictionaries, so pods land on nodes, selectors
//! match and revisions line up), a simulation that applies plans the way an API
//! server and a kubelet would, and the checks every plan must pass.
//!
//! The budget and pods-per-node checks count pods here, from the engine's pod
//! records: a deliberately independent oracle of what the rolling update may
//! leave behind (it does not re-implement the choice of pods, only counts the
//! outcome).

use arbitrary::Arbitrary;
use dsr_core::error::Table;
use dsr_core::input::{
    DaemonSetInput, IntOrStringInput, LabelInput, LabelSelectorInput, NodeInput, PodConditionInput,
    PodInput, RollingUpdateInput, TaintInput, TolerationInput, UpdateStrategyInput,
};
use dsr_core::pod::PodPhase;
use dsr_core::sync::{DaemonSetStatus, Plan, SyncOutcome};
use dsr_core::{Engine, Error, PodId, SetId, Timestamp};

use crate::{assert_fits_fresh, assert_unchanged, fingerprint};

/// The engine of the sync targets: 4 nodes, 2 DaemonSets, 10 pods (so the pod
/// table fills), 96 strings in 2 KiB, 64 labels, 32 of each rule, 4 backoff keys
/// (so the backoff table fills too).
pub type SyncEngine = Engine<4, 2, 10, 96, 2048, 64, 32, 32, 32, 4>;

/// Plan capacity of a normal sync: room for every create and delete.
pub const PLAN: usize = 16;

/// Node names.
const NODES: [&str; 6] = ["n1", "n2", "n3", "n4", "n5", "gone"];
/// Zones (a node label the DaemonSets select by).
const ZONES: [&str; 3] = ["a", "b", ""];
/// Revision hashes.
const HASHES: [&str; 4] = ["rev1", "rev2", "rev3", ""];
/// Percentages and invalid strings for `maxUnavailable` / `maxSurge`.
const PERCENTS: [&str; 6] = ["0%", "25%", "50%", "100%", "34%", "x"];
/// DaemonSet uids; the last is a controller that is not in the engine.
const UIDS: [&str; 3] = ["uid-a", "uid-b", "uid-other"];
/// The names of the DaemonSets of [`UIDS`], as pods' controller references name
/// them.
const OWNER_NAMES: [&str; 3] = ["ds-a", "ds-b", "ds-other"];
/// App labels: what selectors and pods carry.
const APPS: [&str; 3] = ["a", "b", "c"];

/// A node of the cluster.
#[derive(Arbitrary, Debug, Clone)]
pub struct SNode {
    name: u8,
    zone: u8,
    /// 0..3: a NoSchedule, a NoExecute, a tolerated `not-ready` taint.
    taint: u8,
    unschedulable: bool,
}

/// `maxUnavailable` or `maxSurge`.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum SBudget {
    /// Unset (the default).
    Unset,
    /// An integer (mostly small).
    Int(i8),
    /// A percentage string (or an invalid one).
    Percent(u8),
}

/// A DaemonSet of the cluster.
#[derive(Arbitrary, Debug, Clone)]
pub struct SSet {
    app: u8,
    /// `nodeSelector` `zone`: none, or one of [`ZONES`].
    zone: Option<u8>,
    tolerate_no_execute: bool,
    on_delete: bool,
    max_unavailable: SBudget,
    max_surge: SBudget,
    min_ready_seconds: u8,
    revision: u8,
    generation: u8,
    deleting: bool,
}

/// A pod of the cluster.
#[derive(Arbitrary, Debug, Clone)]
pub struct SPod {
    /// Node index in [`NODES`], or unscheduled.
    node: Option<u8>,
    app: u8,
    /// Controller: index in [`UIDS`], or none.
    owner: Option<u8>,
    revision: u8,
    /// 0 Pending, 1 Running, 2 Failed, 3 Succeeded, 4 Unknown.
    phase: u8,
    ready: bool,
    /// Seconds before the start that the pod became ready / was created.
    ready_for: u16,
    age: u16,
    deleting: bool,
    /// In another namespace.
    other_namespace: bool,
}

/// What happens between syncs.
#[derive(Arbitrary, Debug, Clone)]
pub enum SEvent {
    /// Sync a DaemonSet; apply the plan (adopt, release, delete, create) and
    /// report it observed as told.
    Sync {
        /// DaemonSet index.
        set: u8,
        /// Apply the plan.
        apply: bool,
        /// Report the creates and deletes as observed.
        observe: bool,
    },
    /// Sync into a plan of one entry per list: a full plan is an error that
    /// changes nothing.
    SmallSync(u8),
    /// Time passes.
    Wait(u16),
    /// A pod starts, becomes ready, fails or is being deleted.
    Kubelet(u8, u8),
    /// A node changes zone or taint, is removed or comes back.
    Node(u8, SNode),
    /// A DaemonSet gets a new revision, strategy or selector.
    Set(u8, SSet),
    /// A pod appears (it may not fit: the pod table is small).
    AddPod(SPod),
}

/// A cluster and what happens to it.
#[derive(Arbitrary, Debug, Clone)]
pub struct SyncInput {
    /// Nodes (the first 4 distinct names are added).
    pub nodes: Vec<SNode>,
    /// DaemonSets (at most 2).
    pub sets: Vec<SSet>,
    /// Pods (until the table is full).
    pub pods: Vec<SPod>,
    /// Events, at most 24 run.
    pub events: Vec<SEvent>,
}

fn pick<T: Copy>(list: &[T], i: u8) -> T {
    list[usize::from(i) % list.len()]
}

const START: Timestamp = Timestamp(1_709_290_800);

/// A pod as the simulation knows it: what to give `update_pod` when it changes.
#[derive(Debug, Clone)]
struct SimPod {
    id: PodId,
    name: String,
    namespace: &'static str,
    node: &'static str,
    labels: Vec<(String, String)>,
    controller: Option<&'static str>,
    phase: &'static str,
    ready: bool,
    since: Timestamp,
    created: Timestamp,
    deleting: bool,
}

impl SimPod {
    fn with<R>(&self, f: impl FnOnce(&PodInput<'_>) -> R) -> R {
        let labels: Vec<LabelInput<'_>> = self
            .labels
            .iter()
            .map(|(k, v)| LabelInput { key: k, value: v })
            .collect();
        f(&PodInput {
            name: &self.name,
            namespace: self.namespace,
            uid: &self.name,
            labels: &labels,
            controller_uid: self.controller,
            controller_kind: "DaemonSet",
            controller_name: self
                .controller
                .and_then(|u| UIDS.iter().position(|x| *x == u))
                .map_or("", |i| OWNER_NAMES[i]),
            node_name: self.node,
            phase: self.phase,
            ready: Some(PodConditionInput {
                status: if self.ready { "True" } else { "False" },
                last_transition_time: Some(self.since),
            }),
            deleting: self.deleting,
            creation_timestamp: self.created,
            ..Default::default()
        })
    }
}

/// The simulated cluster around the engine.
pub struct Sim {
    /// The engine under test.
    pub e: Box<SyncEngine>,
    nodes: Vec<(&'static str, SNode)>,
    sets: Vec<(SetId, SSet)>,
    pods: Vec<SimPod>,
    now: Timestamp,
    serial: u32,
    /// Whether every event is checked (`sync_invariants`), or the simulation only
    /// builds a state for another target to use (`snapshot_decode`).
    checks: bool,
}

fn set_input<R>(i: usize, s: &SSet, f: impl FnOnce(&DaemonSetInput<'_>) -> R) -> R {
    let app = [LabelInput {
        key: "app",
        value: pick(&APPS, s.app),
    }];
    let zone = s.zone.map(|z| LabelInput {
        key: "zone",
        value: pick(&ZONES, z),
    });
    let zone = zone.as_slice();
    let tolerations = [TolerationInput {
        key: "dedicated",
        operator: "Exists",
        effect: "NoExecute",
        ..Default::default()
    }];
    let budget = |b: SBudget| match b {
        SBudget::Unset => None,
        SBudget::Int(n) => Some(IntOrStringInput::Int(i32::from(n % 4))),
        SBudget::Percent(p) => Some(IntOrStringInput::String(pick(&PERCENTS, p))),
    };
    let hash = pick(&HASHES, s.revision);
    let generation = (s.generation % 4).to_string();
    f(&DaemonSetInput {
        name: OWNER_NAMES[i],
        namespace: "kube-system",
        uid: UIDS[i],
        selector: Some(LabelSelectorInput {
            match_labels: &app,
            match_expressions: &[],
        }),
        template_labels: &app,
        node_selector: zone,
        tolerations: if s.tolerate_no_execute {
            &tolerations
        } else {
            &[]
        },
        generation: i64::from(s.generation % 4) + 1,
        observed_generation: 1,
        deleting: s.deleting,
        update_strategy: UpdateStrategyInput {
            type_: if s.on_delete {
                "OnDelete"
            } else {
                "RollingUpdate"
            },
            rolling_update: Some(RollingUpdateInput {
                max_unavailable: budget(s.max_unavailable),
                max_surge: budget(s.max_surge),
            }),
        },
        min_ready_seconds: i32::from(s.min_ready_seconds % 3) * 10,
        revision_hash: hash,
        template_generation: Some(&generation),
        ..Default::default()
    })
}

fn node_input<R>(name: &str, n: &SNode, f: impl FnOnce(&NodeInput<'_>) -> R) -> R {
    let labels = [LabelInput {
        key: "zone",
        value: pick(&ZONES, n.zone),
    }];
    let taints: &[TaintInput<'_>] = match n.taint % 5 {
        0 => &[TaintInput {
            key: "maintenance",
            value: "",
            effect: "NoSchedule",
        }],
        1 => &[TaintInput {
            key: "dedicated",
            value: "gpu",
            effect: "NoExecute",
        }],
        2 => &[TaintInput {
            key: "node.kubernetes.io/not-ready",
            value: "",
            effect: "NoExecute",
        }],
        _ => &[],
    };
    f(&NodeInput {
        name,
        labels: &labels,
        taints,
        unschedulable: n.unschedulable,
    })
}

/// True for the errors of a pod that does not fit: the pod table, or (pod names
/// are new strings and strings are never freed) the string table is full.
fn pod_does_not_fit(e: &Error) -> bool {
    matches!(
        e,
        Error::Full {
            table: Table::Pods | Table::Strings | Table::StringBytes | Table::Labels,
            ..
        }
    )
}

/// True for the errors a sync may return: a full plan or backoff table.
fn allowed_sync_error(e: &Error) -> bool {
    matches!(
        e,
        Error::Full {
            table: Table::Output | Table::Backoff,
            ..
        }
    )
}

impl Sim {
    /// Builds the cluster of `input`; adds that fail (a full table) must change
    /// nothing.
    pub fn new(input: &SyncInput) -> Sim {
        Sim::build(input, true)
    }

    /// Builds the cluster of `input`, checking only that nothing fails unexpectedly:
    /// for targets that only need the states a cluster goes through.
    pub fn unchecked(input: &SyncInput) -> Sim {
        Sim::build(input, false)
    }

    fn build(input: &SyncInput, checks: bool) -> Sim {
        let mut sim = Sim {
            e: Box::default(),
            nodes: Vec::new(),
            sets: Vec::new(),
            pods: Vec::new(),
            now: START,
            serial: 0,
            checks,
        };
        for n in input.nodes.iter().take(6) {
            let name = pick(&NODES[..5], n.name);
            if sim.nodes.iter().any(|(m, _)| *m == name) {
                continue;
            }
            let before = sim.checks.then(|| sim.e.clone());
            match node_input(name, n, |i| sim.e.add_node(i)) {
                Ok(_) => sim.nodes.push((name, n.clone())),
                Err(err) => {
                    assert_eq!(
                        err,
                        Error::Full {
                            table: Table::Nodes,
                            capacity: 4
                        }
                    );
                    if let Some(before) = &before {
                        assert_unchanged(before, &sim.e, "a failed add_node");
                    }
                }
            }
        }
        for (i, s) in input.sets.iter().take(2).enumerate() {
            let id = set_input(i, s, |d| sim.e.add_daemon_set(d)).expect("a valid DaemonSet fits");
            sim.sets.push((id, s.clone()));
        }
        for p in input.pods.iter().take(12) {
            sim.add_pod(p);
        }
        sim
    }

    fn add_pod(&mut self, p: &SPod) {
        self.serial += 1;
        let app = pick(&APPS, p.app);
        let mut labels = vec![("app".to_string(), app.to_string())];
        let hash = pick(&HASHES, p.revision);
        if !hash.is_empty() {
            labels.push(("controller-revision-hash".into(), hash.into()));
        }
        labels.push((
            "pod-template-generation".into(),
            (p.revision % 4).to_string(),
        ));
        let pod = SimPod {
            id: PodId(u32::MAX),
            name: format!("pod-{}", self.serial),
            namespace: if p.other_namespace {
                "default"
            } else {
                "kube-system"
            },
            node: p.node.map_or("", |n| pick(&NODES, n)),
            labels,
            controller: p.owner.map(|o| pick(&UIDS, o)),
            phase: pick(
                &["Pending", "Running", "Failed", "Succeeded", "Unknown"],
                p.phase,
            ),
            ready: p.ready,
            since: self.now.plus(-i64::from(p.ready_for)),
            created: self.now.plus(-i64::from(p.age)),
            deleting: p.deleting,
        };
        let before = self.checks.then(|| self.e.clone());
        match pod.with(|i| self.e.add_pod(i)) {
            Ok(id) => self.pods.push(SimPod { id, ..pod }),
            Err(err) => {
                assert!(pod_does_not_fit(&err), "add_pod failed with {err:?}");
                if let Some(before) = &before {
                    assert_unchanged(before, &self.e, "a failed add_pod");
                }
            }
        }
    }

    /// Runs the events, checking every sync.
    pub fn run(&mut self, events: &[SEvent]) {
        for ev in events.iter().take(24) {
            match ev {
                SEvent::Sync {
                    set,
                    apply,
                    observe,
                } => {
                    if let Some(&(id, _)) = self.sets.get(usize::from(*set) % 2) {
                        self.sync(id, *apply, *observe);
                    }
                }
                SEvent::SmallSync(set) => {
                    if let Some(&(id, _)) = self.sets.get(usize::from(*set) % 2) {
                        self.small_sync(id);
                    }
                }
                SEvent::Wait(s) => self.now = self.now.plus(i64::from(*s % 600)),
                SEvent::Kubelet(i, what) => self.kubelet(*i, *what),
                SEvent::Node(i, n) => self.node_event(*i, n),
                SEvent::Set(i, s) => {
                    let i = usize::from(*i) % 2;
                    if let Some((id, old)) = self.sets.get_mut(i) {
                        set_input(i, s, |d| self.e.update_daemon_set(*id, d))
                            .expect("a valid DaemonSet fits in place of another");
                        *old = s.clone();
                    }
                }
                SEvent::AddPod(p) => self.add_pod(p),
            }
            if self.checks {
                assert_fits_fresh(&*self.e);
            }
        }
    }

    fn kubelet(&mut self, i: u8, what: u8) {
        if self.pods.is_empty() {
            return;
        }
        let k = usize::from(i) % self.pods.len();
        let now = self.now;
        let p = &mut self.pods[k];
        match what % 4 {
            0 => {
                p.phase = "Running";
                p.ready = true;
                p.since = now;
            }
            1 => p.ready = !p.ready,
            2 => {
                p.phase = "Failed";
                p.ready = false;
            }
            _ => p.deleting = true,
        }
        let p = self.pods[k].clone();
        p.with(|i| self.e.update_pod(p.id, i))
            .expect("updating a pod in place fits");
    }

    fn node_event(&mut self, i: u8, n: &SNode) {
        let name = pick(&NODES[..5], i);
        match self.e.find_node(name) {
            Some(id) if n.name % 4 == 0 => {
                self.e.remove_node(id).expect("stored node");
                self.nodes.retain(|(m, _)| *m != name);
            }
            Some(id) => {
                node_input(name, n, |input| self.e.update_node(id, input))
                    .expect("a node update of this size fits");
                if let Some(slot) = self.nodes.iter_mut().find(|(m, _)| *m == name) {
                    slot.1 = n.clone();
                }
            }
            None => {
                let before = self.checks.then(|| self.e.clone());
                match node_input(name, n, |input| self.e.add_node(input)) {
                    Ok(_) => self.nodes.push((name, n.clone())),
                    Err(err) => {
                        assert_eq!(
                            err,
                            Error::Full {
                                table: Table::Nodes,
                                capacity: 4
                            }
                        );
                        if let Some(before) = &before {
                            assert_unchanged(before, &self.e, "a failed add_node");
                        }
                    }
                }
            }
        }
    }

    /// A sync into a plan of one entry per list: succeeds, or fails with a full
    /// output (or backoff) table and changes nothing.
    fn small_sync(&mut self, set: SetId) {
        let before = self.checks.then(|| self.e.clone());
        let mut plan: Plan<1> = Plan::new();
        if let Err(err) = self.e.sync(set, self.now, &mut plan) {
            assert!(allowed_sync_error(&err), "sync failed with {err:?}");
            if let Some(before) = &before {
                assert_unchanged(before, &self.e, "a sync into a plan too small");
            }
        }
    }

    fn sync(&mut self, set: SetId, apply: bool, observe: bool) {
        if !self.checks {
            let mut plan: Box<Plan<PLAN>> = Box::default();
            match self.e.sync(set, self.now, &mut plan) {
                Err(err) => assert!(allowed_sync_error(&err), "sync failed with {err:?}"),
                Ok(()) if apply => self.apply(set, &plan, observe),
                Ok(()) => {}
            }
            return;
        }
        let mut twin = self.e.clone();
        let before = fingerprint(&*self.e);
        let mut plan: Box<Plan<PLAN>> = Box::default();
        let r = self.e.sync(set, self.now, &mut plan);
        // Same state, same plan, byte for byte, and the same state after.
        let mut again: Box<Plan<PLAN>> = Box::default();
        let r2 = twin.sync(set, self.now, &mut again);
        assert_eq!(r, r2, "same state, same result");
        assert_eq!(plan, again, "same state, same plan");
        assert_eq!(
            fingerprint(&*self.e),
            fingerprint(&*twin),
            "same state after"
        );
        if let Err(err) = r {
            assert!(allowed_sync_error(&err), "sync failed with {err:?}");
            assert_eq!(
                fingerprint(&*self.e),
                before,
                "a failed sync changed the engine"
            );
            return;
        }
        self.check_plan(set, &plan);
        if apply {
            self.apply(set, &plan, observe);
            if plan.outcome == SyncOutcome::Synced {
                self.check_after(set, &plan);
            }
        }
    }

    /// What a plan must satisfy on its own.
    fn check_plan(&self, set: SetId, plan: &Plan<PLAN>) {
        let e = &*self.e;
        assert_eq!(plan.set, Some(set));
        let mut nodes = Vec::new();
        for c in &plan.creates {
            let node = e.node(c.node).expect("a create names a stored node");
            assert_eq!(node.name, c.node_name, "create's node name");
            let p = e.should_run(set, c.node).expect("both exist");
            assert!(
                p.should_run,
                "a create on a node that should not run it: {c:?}"
            );
            assert!(!nodes.contains(&c.node), "two creates on one node: {c:?}");
            nodes.push(c.node);
        }
        let mut pods = Vec::new();
        for d in &plan.deletes {
            let pod = e.pod(d.pod).expect("a delete names a stored pod");
            assert_eq!(pod.name, d.pod_name);
            assert!(!pods.contains(&d.pod), "a pod deleted twice: {d:?}");
            pods.push(d.pod);
        }
        match plan.outcome {
            SyncOutcome::Synced | SyncOutcome::StatusOnly => {
                let st = plan.status.expect("a synced plan has a status");
                assert_status_consistent(&st);
            }
            SyncOutcome::Deleting | SyncOutcome::SelectsEverything => {
                assert!(plan.is_noop(), "{:?} with changes", plan.outcome);
            }
            SyncOutcome::Empty => panic!("a sync left the plan empty"),
        }
        if plan.outcome == SyncOutcome::StatusOnly {
            assert!(
                plan.creates.is_empty() && plan.deletes.is_empty(),
                "a status-only sync creates or deletes"
            );
        }
        if let Some(b) = plan.rollout {
            assert!(b.chosen <= b.candidates, "{b:?}");
            assert!(
                b.chosen >= 0 && b.in_use >= 0 && b.replacements >= 0,
                "{b:?}"
            );
        }
    }

    /// Applies a plan as the API server would.
    fn apply(&mut self, set: SetId, plan: &Plan<PLAN>, observe: bool) {
        let uid = UIDS[self
            .sets
            .iter()
            .position(|(s, _)| *s == set)
            .expect("known")];
        for &id in &plan.adoptions {
            self.e.set_pod_controller(id, Some(set)).expect("adopt");
            if let Some(p) = self.pods.iter_mut().find(|p| p.id == id) {
                p.controller = Some(uid);
            }
        }
        for &id in &plan.releases {
            self.e.set_pod_controller(id, None).expect("release");
            if let Some(p) = self.pods.iter_mut().find(|p| p.id == id) {
                p.controller = None;
            }
        }
        for d in &plan.deletes {
            self.e.remove_pod(d.pod).expect("delete");
            self.pods.retain(|p| p.id != d.pod);
        }
        let mut labels = Vec::new();
        self.e
            .new_pod_labels(set, |k, v| labels.push((k.to_string(), v.to_string())))
            .expect("labels of a stored DaemonSet");
        for c in &plan.creates {
            let node = NODES
                .iter()
                .copied()
                .find(|n| self.e.text(c.node_name) == *n)
                .expect("a node of the dictionary");
            self.serial += 1;
            let pod = SimPod {
                id: PodId(u32::MAX),
                name: format!("pod-{}", self.serial),
                namespace: "kube-system",
                node,
                labels: labels.clone(),
                controller: Some(uid),
                phase: "Pending",
                ready: false,
                since: self.now,
                created: self.now,
                deleting: false,
            };
            match pod.with(|i| self.e.add_pod(i)) {
                Ok(id) => self.pods.push(SimPod { id, ..pod }),
                // The pod table is small: a create that does not fit failed.
                Err(err) => assert!(pod_does_not_fit(&err), "add_pod failed with {err:?}"),
            }
        }
        if observe {
            let creates = u32::try_from(plan.creates.len()).expect("small");
            let deletes = u32::try_from(plan.deletes.len()).expect("small");
            self.e.observe_creates(set, creates).expect("stored set");
            self.e.observe_deletes(set, deletes).expect("stored set");
        }
    }

    /// After a synced plan is applied: at most one active pod of the DaemonSet
    /// per node (two while surging), and the rolling update within its budget.
    fn check_after(&self, set: SetId, plan: &Plan<PLAN>) {
        let e = &*self.e;
        let s = *e.daemon_set(set).expect("stored");
        // Surging: the manage pass allows a second pod (`maxSurge` > 0), or the
        // rolling update takes its surge path (`maxSurge` ≠ 0: a negative one,
        // which the API would refuse, does so upstream too).
        let surge =
            s.update_strategy.allows_surge() || plan.rollout.is_some_and(|b| b.max_surge != 0);
        // The pods the budgets count, as upstream's rolling update counts them: every
        // pod of the DaemonSet not being deleted, whatever its phase, available by its
        // Ready condition alone (`IsPodAvailable`). A Failed pod that still reports
        // Ready keeps its node available (the manage pass deletes one failed pod per
        // node a sync, the others wait out the backoff), and upstream spends the
        // budget on another node; counting only running pods here blamed the rolling
        // update for nodes it did not touch.
        // A pod is the DaemonSet's by its controller reference's namespace, kind,
        // name and uid (upstream's `FilterPodsByOwner`).
        let counted = |p: &dsr_core::Pod| {
            p.controller_uid == Some(s.uid)
                && p.controller_is_daemon_set
                && p.controller_name == s.name
                && p.namespace == s.namespace
                && !p.deleting
        };
        // The pods that occupy a node: counted and not terminal.
        let mine = |p: &dsr_core::Pod| {
            counted(p) && !matches!(p.phase, PodPhase::Failed | PodPhase::Succeeded)
        };
        let updated = |p: &dsr_core::Pod| {
            (!s.revision_hash.is_empty() && p.revision_hash == s.revision_hash)
                || (!s.template_generation_label.is_empty()
                    && p.template_generation == s.template_generation_label)
        };
        let (mut unavailable, mut surging) = (0i64, 0i64);
        for (nid, n) in e.nodes() {
            let on: Vec<&dsr_core::Pod> = e
                .pods()
                .map(|(_, p)| p)
                .filter(|p| mine(p) && p.node_name == n.name)
                .collect();
            let max = if surge { 2 } else { 1 };
            assert!(
                on.len() <= max,
                "{} pods of the DaemonSet on node {} after the plan (surge {surge}): {plan:?}",
                on.len(),
                e.text(n.name)
            );
            let fit = e.fit(set, nid).expect("both exist");
            let budget: Vec<&dsr_core::Pod> = e
                .pods()
                .map(|(_, p)| p)
                .filter(|p| counted(p) && p.node_name == n.name)
                .collect();
            let available = |p: &&&dsr_core::Pod| p.is_available(s.min_ready_seconds, self.now);
            if fit.should_run && !budget.iter().any(|p| available(&p)) {
                unavailable += 1;
            }
            if budget.iter().any(|p| !updated(p) && available(&p))
                && budget.iter().any(|p| updated(p) && !available(&p))
            {
                surging += 1;
            }
        }
        if let Some(b) = plan.rollout.filter(|b| b.chosen > 0) {
            if b.max_surge == 0 {
                assert!(
                    unavailable <= b.max_unavailable,
                    "{unavailable} nodes unavailable after the plan: {b:?}"
                );
            } else {
                assert!(surging <= b.max_surge, "{surging} nodes surging: {b:?}");
            }
        }
    }
}

/// The status counters of a plan agree with each other.
pub fn assert_status_consistent(st: &DaemonSetStatus) {
    assert!(
        0 <= st.number_available
            && st.number_available <= st.number_ready
            && st.number_ready <= st.current_number_scheduled
            && st.current_number_scheduled <= st.desired_number_scheduled
            && st.updated_number_scheduled <= st.current_number_scheduled
            && st.number_unavailable == st.desired_number_scheduled - st.number_available
            && st.number_misscheduled >= 0,
        "status counters inconsistent: {st:?}"
    );
}
