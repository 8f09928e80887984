//! Reclamation under arbitrary churn: nodes, DaemonSets and pods added, updated
//! and removed in any order, pods restarting with fresh names and uids. After
//! every step each string's holder count is the number of handles to it
//! (`Engine::check_holders`), and the engine's usage of every table (controller
//! memory aside) and its placements (by name) are those of a fresh engine loaded
//! with the live objects alone: usage depends on what is live, never on history.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use dsr_core::input::{LabelInput, PodInput};
use dsr_core::{NodeId, PodId, SetId};
use dsr_fuzz::{FDaemonSet, FNode, FuzzEngine};
use libfuzzer_sys::fuzz_target;

const MAX_OPS: usize = 48;

#[derive(Arbitrary, Debug)]
enum Op {
    AddNode(FNode),
    UpdateNode(u8, FNode),
    RemoveNode(u8),
    AddSet(FDaemonSet),
    UpdateSet(u8, FDaemonSet),
    RemoveSet(u8),
    /// A pod of DaemonSet `set` on node `node` comes back with a fresh name and
    /// uid (the previous one of that slot goes).
    RestartPod {
        slot: u8,
        set: u8,
        node: u8,
    },
    RemovePod(u8),
}

/// A pod as the model keeps it.
#[derive(Clone, Debug)]
struct MPod {
    name: String,
    uid: String,
    node: String,
    /// The controller's uid and name (a DaemonSet's).
    owner: Option<(String, String)>,
    app: String,
}

impl MPod {
    fn with<R>(&self, f: impl FnOnce(&PodInput<'_>) -> R) -> R {
        let labels = [LabelInput {
            key: "app",
            value: &self.app,
        }];
        f(&PodInput {
            name: &self.name,
            namespace: "kube-system",
            uid: &self.uid,
            labels: &labels,
            controller_uid: self.owner.as_ref().map(|(uid, _)| uid.as_str()),
            controller_kind: "DaemonSet",
            controller_name: self.owner.as_ref().map_or("", |(_, name)| name.as_str()),
            node_name: &self.node,
            phase: "Running",
            ..Default::default()
        })
    }
}

#[derive(Default)]
struct Model {
    nodes: Vec<(NodeId, FNode)>,
    sets: Vec<(SetId, FDaemonSet)>,
    pods: Vec<(u8, PodId, MPod)>,
    serial: u32,
}

fn pick<T>(v: &[T], i: u8) -> Option<&T> {
    if v.is_empty() {
        None
    } else {
        v.get(i as usize % v.len())
    }
}

fn placements(e: &FuzzEngine) -> Vec<String> {
    let mut out = Vec::new();
    for (s, d) in e.daemon_sets() {
        for (n, node) in e.nodes() {
            let p = e.should_run(s, n).expect("both ids exist");
            out.push(format!(
                "{}/{} {} {} {}",
                e.text(d.namespace),
                e.text(d.name),
                e.text(node.name),
                p.should_run,
                p.should_continue_running
            ));
        }
    }
    out.sort();
    out
}

fn step(e: &mut FuzzEngine, m: &mut Model, op: Op) {
    match op {
        Op::AddNode(n) => {
            if let Ok(id) = n.with(|i| e.add_node(i)) {
                m.nodes.push((id, n));
            }
        }
        Op::UpdateNode(i, n) => {
            if let Some(&(id, _)) = pick(&m.nodes, i) {
                if n.with(|input| e.update_node(id, input)).is_ok() {
                    let at = m.nodes.iter().position(|x| x.0 == id).expect("listed");
                    m.nodes[at].1 = n;
                }
            }
        }
        Op::RemoveNode(i) => {
            if let Some(&(id, _)) = pick(&m.nodes, i) {
                e.remove_node(id).expect("a listed node is removed");
                m.nodes.retain(|x| x.0 != id);
            }
        }
        Op::AddSet(d) => {
            if let Ok(id) = d.with(|i| e.add_daemon_set(i)) {
                m.sets.push((id, d));
            }
        }
        Op::UpdateSet(i, d) => {
            if let Some(&(id, _)) = pick(&m.sets, i) {
                if d.with(|input| e.update_daemon_set(id, input)).is_ok() {
                    let at = m.sets.iter().position(|x| x.0 == id).expect("listed");
                    m.sets[at].1 = d;
                }
            }
        }
        Op::RemoveSet(i) => {
            if let Some(&(id, _)) = pick(&m.sets, i) {
                e.remove_daemon_set(id)
                    .expect("a listed DaemonSet is removed");
                m.sets.retain(|x| x.0 != id);
            }
        }
        Op::RestartPod { slot, set, node } => {
            let slot = slot % 4;
            if let Some(at) = m.pods.iter().position(|p| p.0 == slot) {
                let (_, id, _) = m.pods.remove(at);
                e.remove_pod(id).expect("a listed pod is removed");
            }
            m.serial += 1;
            let owner =
                pick(&m.sets, set).map(|(_, d)| (d.uid.s().to_string(), d.name.s().to_string()));
            let pod = MPod {
                name: format!("fluentd-{:05x}", m.serial),
                uid: format!("3f1d2c0e-{:08x}", m.serial),
                node: pick(&m.nodes, node).map_or(String::new(), |(_, n)| n.name.s().to_string()),
                owner,
                app: format!("app-{}", set % 3),
            };
            if let Ok(id) = pod.with(|i| e.add_pod(i)) {
                m.pods.push((slot, id, pod));
            }
        }
        Op::RemovePod(i) => {
            if let Some(&(slot, id, _)) = pick(&m.pods, i) {
                e.remove_pod(id).expect("a listed pod is removed");
                m.pods.retain(|p| p.0 != slot);
            }
        }
    }
}

fn check(e: &FuzzEngine, m: &Model) {
    e.check_holders()
        .expect("every string's holders are its handles");
    let mut fresh = Box::new(FuzzEngine::new());
    for (_, n) in &m.nodes {
        n.with(|i| fresh.add_node(i))
            .expect("a fresh engine takes the live nodes");
    }
    for (_, d) in &m.sets {
        d.with(|i| fresh.add_daemon_set(i))
            .expect("a fresh engine takes the live DaemonSets");
    }
    for (_, _, p) in &m.pods {
        p.with(|i| fresh.add_pod(i))
            .expect("a fresh engine takes the live pods");
    }
    let (mut a, mut b) = (e.usage(), fresh.usage());
    (a.backoff, b.backoff) = (0, 0);
    assert_eq!(a, b, "usage differs from a fresh load of the live objects");
    assert_eq!(placements(e), placements(&fresh), "placements differ");
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut e = Box::new(FuzzEngine::new());
    let mut m = Model::default();
    for _ in 0..MAX_OPS {
        let Ok(op) = u.arbitrary::<Op>() else { break };
        step(&mut e, &mut m, op);
        check(&e, &m);
    }
});
