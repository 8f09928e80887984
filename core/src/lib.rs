//! # dsr-core
//!
//! The decision logic of the Kubernetes DaemonSet controller as a `no_std`,
//! allocation-free library: label selectors, node affinity, taints and tolerations,
//! and whether a DaemonSet's pod should run on a node, with the reason when not.
//!
//! Objects enter the [`Engine`] as borrowed [`input`] descriptions, are validated and
//! interned once, and are evaluated from fixed-capacity tables after that. Every
//! capacity is a const generic chosen by the integrator; a full table is an
//! [`Error::Full`] that leaves the engine as it was.
//!
//! With pods in the engine too, [`Engine::sync`] plans one sync of a DaemonSet as
//! the controller does (creates, deletes with reasons, adoption, the rolling update,
//! status) into a caller-sized [`Plan`]; see [`sync`].
//!
//! ```
//! use dsr_core::input::{DaemonSetInput, LabelInput, LabelSelectorInput, NodeInput};
//!
//! let mut engine = dsr_core::TinyEngine::new();
//! let node = engine.add_node(&NodeInput {
//!     name: "edge-rpi4-01",
//!     labels: &[LabelInput { key: "kubernetes.io/arch", value: "arm64" }],
//!     ..Default::default()
//! }).unwrap();
//! let app = [LabelInput { key: "app", value: "fluentd" }];
//! let set = engine.add_daemon_set(&DaemonSetInput {
//!     name: "fluentd", namespace: "kube-system",
//!     selector: Some(LabelSelectorInput { match_labels: &app, ..Default::default() }),
//!     template_labels: &app,
//!     node_selector: &[LabelInput { key: "kubernetes.io/arch", value: "amd64" }],
//!     ..Default::default()
//! }).unwrap();
//! let placement = engine.should_run(set, node).unwrap();
//! assert!(!placement.should_run);
//! let mut why = heapless::String::<128>::new();
//! engine.describe(set, &placement.reason, &mut why).unwrap();
//! assert_eq!(why, "nodeSelector wants kubernetes.io/arch=amd64 but the node has kubernetes.io/arch=arm64");
//! ```
#![no_std]
#![deny(unsafe_code, missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod affinity;
pub mod block;
mod cache;
#[cfg(feature = "snapshot")]
mod codec;
pub mod daemonset;
pub mod eligibility;
pub mod engine;
pub mod error;
pub mod footprint;
pub mod gates;
mod holders;
pub mod input;
pub mod intern;
#[cfg(feature = "json")]
pub mod json;
pub mod keys;
pub mod label;
pub mod node;
pub mod pod;
pub mod query;
#[cfg(feature = "json")]
mod revisions;
pub mod selector;
#[cfg(feature = "snapshot")]
pub mod snapshot;
mod sort;
pub mod spec;
pub mod stage;
pub mod sync;
pub mod table;
pub mod taint;
mod text;
mod trace;
pub mod validation;

pub use eligibility::{Fit, Placement, Reason, Stamp};
pub use engine::{DaemonSet, Engine, Node, NodeId, SetId};
pub use error::{Error, Result};
pub use pod::{Pod, PodId};
pub use sync::time::Timestamp;
pub use sync::{DaemonSetStatus, Plan};

/// The engine type of named capacities, so that no two can be swapped unseen: the
/// ten const generics of [`Engine`] in their order, each named as the `DSR_*`
/// build variable of `libdsr` that sets it. Every name must be given, in this
/// order (`dsr capacity FILE` prints one for a cluster dump).
///
/// ```
/// type Gateway = dsr_core::engine!(
///     nodes: 1, daemon_sets: 16, pods: 32, strings: 144, string_bytes: 2816,
///     labels: 144, rules: 36, taints: 8, terms: 8, backoff: 16
/// );
/// assert_eq!(Gateway::footprint(), dsr_core::GatewayEngine::footprint());
/// ```
#[macro_export]
macro_rules! engine {
    (
        nodes: $nodes:expr,
        daemon_sets: $sets:expr,
        pods: $pods:expr,
        strings: $strings:expr,
        string_bytes: $bytes:expr,
        labels: $labels:expr,
        rules: $rules:expr,
        taints: $taints:expr,
        terms: $terms:expr,
        backoff: $backoff:expr $(,)?
    ) => {
        $crate::Engine<
            { $nodes },
            { $sets },
            { $pods },
            { $strings },
            { $bytes },
            { $labels },
            { $rules },
            { $taints },
            { $terms },
            { $backoff },
        >
    };
}

/// An engine for tests and examples: 8 nodes, 4 DaemonSets, 16 pods.
pub type TinyEngine = engine!(
    nodes: 8, daemon_sets: 4, pods: 16, strings: 128, string_bytes: 4096,
    labels: 128, rules: 64, taints: 64, terms: 64, backoff: 16
);

/// An engine sized for an edge gateway: 1 node, 16 DaemonSets, 32 pods, and room
/// for what 16 real DaemonSets and their pods hold (144 strings of 2,816 bytes, 144
/// labels, 36 rules, 8 taints, 8 affinity terms, 16 backoff keys): under 16 KiB
/// (see [`footprint`]).
pub type GatewayEngine = engine!(
    nodes: 1, daemon_sets: 16, pods: 32, strings: 144, string_bytes: 2816,
    labels: 144, rules: 36, taints: 8, terms: 8, backoff: 16
);

/// An engine sized for a small cluster: 64 nodes, 32 DaemonSets, 2,048 pods; under
/// 512 KiB.
pub type SmallClusterEngine = engine!(
    nodes: 64, daemon_sets: 32, pods: 2048, strings: 3072, string_bytes: 65536,
    labels: 9216, rules: 256, taints: 128, terms: 64, backoff: 2048
);

/// An engine sized for the 5,000-node bench cluster with a pod on every node that
/// should run one (50 DaemonSets, 65,620 pods), with room to spare.
pub type Cluster5kEngine = engine!(
    nodes: 5120, daemon_sets: 64, pods: 73728, strings: 81920, string_bytes: 1572864,
    labels: 327680, rules: 512, taints: 8192, terms: 128, backoff: 8192
);

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
