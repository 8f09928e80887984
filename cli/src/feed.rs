//! Loaded objects into an engine, through the core's `Engine::apply`: the one
//! place where a Kubernetes object becomes engine state, for every command.
//!
//! What an object means (its controller, readiness, times, template generation,
//! current revision) is the core's to decide (`dsr_core::json`); this module
//! only orders the objects, sizes the scratch, and words what the core refused.

use std::collections::HashSet;

use anyhow::{anyhow, Result};
use dsr_core::json::{Applied, ApplyError, ObjectId, Problem, Scratch};
use dsr_core::{Engine, Error, NodeId, SetId};
use serde_json::Value;

use crate::engine::AnyEngine;
use crate::explain::{refusal, Skipped};
use crate::load::{Loaded, Objects};
use crate::show::escape;

/// The annotation that pins a DaemonSet's current revision hash (the conformance
/// vectors' convention), as the core reads it.
pub const REVISION_ANNOTATION: &str = dsr_core::json::REVISION_ANNOTATION;

/// The scratch of most objects (a real node, DaemonSet or pod), the first
/// tried: every entry of a scratch is written before it is used, once per
/// object or event, so the first is kept small (64 labels, 16 of each rule:
/// a DaemonSet pod's 7 default tolerations and its node-affinity term fit).
type MicroScratch<'a> = Scratch<'a, 1, 64, 16, 512>;
/// The scratch of an object that does not fit [`MicroScratch`] (about 13 KB).
type TinyScratch<'a> = Scratch<'a, 1, 128, 32, 2048>;
/// The scratch of an object that does not fit [`TinyScratch`].
type SmallScratch<'a> = Scratch<'a, 1, 256, 128, 8192>;
/// The scratch of an object that does not fit [`SmallScratch`].
type MediumScratch<'a> = Scratch<'a, 1, 8192, 2048, { 1 << 16 }>;
/// The scratch of an object that fits neither: 262,144 labels, 16,384 of each
/// rule, 1 MiB of unescaped text.
type LargeScratch<'a> = Scratch<'a, 1, { 1 << 18 }, { 1 << 14 }, { 1 << 20 }>;

/// Bytes of the largest scratch [`apply`] puts on the stack.
pub const LARGEST_SCRATCH_BYTES: usize = std::mem::size_of::<LargeScratch<'static>>();

fn scratch_full(e: &ApplyError) -> bool {
    matches!(e.problem, Problem::ScratchFull { .. })
}

/// `$tier`: `engine.$call` with a `$scratch`, for [`engine_generics`]. Each
/// size is a frame of its own, so that a small object never touches a larger
/// scratch's stack, and its scratch is built where it lives (`new()` would fill
/// a temporary and copy it: tens of kilobytes per event).
macro_rules! scratch_tier {
    ($tier:ident, $scratch:ident, $call:ident, $ok:ty) => {
        #[inline(never)]
        fn $tier<
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
            engine: &mut Engine<
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
        ) -> Result<$ok, ApplyError> {
            let mut slot = core::mem::MaybeUninit::<$scratch<'_>>::uninit();
            engine.$call(json, $scratch::init_in_place(&mut slot))
        }
    };
}

macro_rules! engine_generics {
    ($name:ident, $doc:literal, $call:ident, $ok:ty) => {
        #[doc = $doc]
        // The error is the core's message, copied.
        #[allow(clippy::result_large_err)]
        pub fn $name<
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
            engine: &mut Engine<
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
        ) -> Result<$ok, ApplyError> {
            scratch_tier!(micro, MicroScratch, $call, $ok);
            scratch_tier!(tiny, TinyScratch, $call, $ok);
            scratch_tier!(small, SmallScratch, $call, $ok);
            scratch_tier!(medium, MediumScratch, $call, $ok);
            scratch_tier!(large, LargeScratch, $call, $ok);
            match micro(engine, json) {
                Err(e) if scratch_full(&e) => match tiny(engine, json) {
                    Err(e) if scratch_full(&e) => match small(engine, json) {
                        Err(e) if scratch_full(&e) => match medium(engine, json) {
                            Err(e) if scratch_full(&e) => large(engine, json),
                            r => r,
                        },
                        r => r,
                    },
                    r => r,
                },
                r => r,
            }
        }
    };
}

engine_generics!(
    apply,
    "`Engine::apply` of one object or event, in the smallest of five scratch \
     sizes it fits (a larger one is tried when the core says a scratch array was \
     full; nothing was applied then).",
    apply,
    Applied
);

engine_generics!(
    validate_daemon_set,
    "`Engine::validate_daemon_set_json`, in a scratch sized as for [`apply`].",
    validate_daemon_set_json,
    ()
);

/// Where a DaemonSet's current revision hash came from, as `dsr plan` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionSource {
    /// The `dsr.io/current-revision` annotation.
    Annotation,
    /// The newest ControllerRevision the DaemonSet controls.
    ControllerRevision,
    /// Neither: pods are judged by template generation only.
    None,
}

impl RevisionSource {
    /// The name `dsr plan -o json` prints.
    pub fn name(self) -> &'static str {
        match self {
            RevisionSource::Annotation => "annotation",
            RevisionSource::ControllerRevision => "controllerRevision",
            RevisionSource::None => "none",
        }
    }
}

/// A DaemonSet the engine took.
#[derive(Debug)]
pub struct FedSet<'o> {
    /// Its id.
    pub id: SetId,
    /// The object.
    pub object: &'o Loaded,
    /// What the API server and the controller would say about it.
    pub warnings: Vec<String>,
    /// Where its current revision hash came from.
    pub source: RevisionSource,
}

/// What went into the engine, and what did not.
#[derive(Debug, Default)]
pub struct Fed<'o> {
    /// The nodes taken, with their names, in input order.
    pub nodes: Vec<(NodeId, &'o str)>,
    /// The DaemonSets taken, in input order.
    pub sets: Vec<FedSet<'o>>,
    /// Objects the engine refused.
    pub skipped: Vec<Skipped>,
}

/// Applies `objects` to `engine`: nodes, ControllerRevisions, DaemonSets, then
/// (with `pods`) pods. An object the engine refuses (a table full, a value it
/// does not take) is left out and listed in [`Fed::skipped`]; an object that is
/// not a valid one of its kind (a field of the wrong JSON type, a time that is
/// not RFC 3339) is an error naming the object and the JSON path.
pub fn feed<'o, E: AnyEngine>(engine: &mut E, objects: &'o Objects, pods: bool) -> Result<Fed<'o>> {
    let mut fed = Fed::default();
    let mut seen = HashSet::new();
    for node in &objects.nodes {
        if let Some(a) = one(engine, "Node", node, &mut seen, &mut fed.skipped)? {
            if let ObjectId::Node(id) = a.id {
                fed.nodes.push((id, &node.name));
            }
        }
    }
    for r in &objects.controller_revisions {
        one(engine, "ControllerRevision", r, &mut seen, &mut fed.skipped)?;
    }
    for ds in &objects.daemon_sets {
        let Some(a) = one(engine, "DaemonSet", ds, &mut seen, &mut fed.skipped)? else {
            continue;
        };
        let ObjectId::DaemonSet(id) = a.id else {
            continue;
        };
        let warnings = daemon_set_warnings(engine.validate_daemon_set_json(&ds.json));
        let value = ds.value();
        let source = if value["metadata"]["annotations"]
            .get(REVISION_ANNOTATION)
            .is_some()
        {
            RevisionSource::Annotation
        } else if engine
            .daemon_set(id)
            .is_some_and(|d| !engine.text(d.revision_hash).is_empty())
        {
            RevisionSource::ControllerRevision
        } else {
            RevisionSource::None
        };
        fed.sets.push(FedSet {
            id,
            object: ds,
            warnings,
            source,
        });
    }
    if pods {
        for pod in &objects.pods {
            one(engine, "Pod", pod, &mut seen, &mut fed.skipped)?;
        }
    }
    Ok(fed)
}

/// Applies one object: `Ok(None)` when the engine refused it (recorded in `skipped`).
fn one<E: AnyEngine>(
    engine: &mut E,
    kind: &'static str,
    object: &Loaded,
    seen: &mut HashSet<(&'static str, String)>,
    skipped: &mut Vec<Skipped>,
) -> Result<Option<Applied>> {
    // `apply` replaces an object of the same kind, namespace and name (a watch
    // re-lists); in one dump, a second one is a mistake of the dump: it is left
    // out, and the first kept.
    if kind != "ControllerRevision" && !seen.insert((kind, object.display_name())) {
        skipped.push(Skipped {
            kind,
            name: object.display_name(),
            error: format!("a second {kind} of this name in the input: the first is kept"),
            table_full: false,
        });
        return Ok(None);
    }
    match engine.apply(&object.json) {
        Ok(a) => Ok(Some(a)),
        Err(e) => {
            let Problem::Engine(err) = e.problem else {
                return Err(anyhow!("{}", escape(&e.to_string())));
            };
            let (mut error, table_full) = refused(engine, &err, kind, object);
            if !e.path.is_empty() {
                error = format!("{}: {error}", e.path);
            }
            if !e.detail.is_empty() {
                error = format!("{error}: {:?}", e.detail.as_str());
            }
            skipped.push(Skipped {
                kind,
                name: object.display_name(),
                error,
                table_full,
            });
            Ok(None)
        }
    }
}

/// The maps of labels an object carries, by JSON path (for naming the label an
/// error is about).
fn label_maps(kind: &str, v: &Value) -> Vec<(&'static str, Vec<(String, String)>)> {
    let paths: &[(&str, &[&str])] = match kind {
        "DaemonSet" => &[
            (
                "spec.selector.matchLabels",
                &["spec", "selector", "matchLabels"],
            ),
            (
                "spec.template.metadata.labels",
                &["spec", "template", "metadata", "labels"],
            ),
            (
                "spec.template.spec.nodeSelector",
                &["spec", "template", "spec", "nodeSelector"],
            ),
        ],
        _ => &[("metadata.labels", &["metadata", "labels"])],
    };
    paths
        .iter()
        .map(|(path, keys)| {
            let map = keys.iter().fold(v, |v, k| &v[*k]);
            let labels = map
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                .collect();
            (*path, labels)
        })
        .collect()
}

/// The engine's refusal of `object`, in words (see [`refusal`]).
fn refused<E: AnyEngine>(engine: &E, e: &Error, kind: &str, object: &Loaded) -> (String, bool) {
    let maps = label_maps(kind, &object.value());
    let inputs: Vec<(&str, Vec<dsr_core::input::LabelInput<'_>>)> = maps
        .iter()
        .map(|(path, labels)| {
            (
                *path,
                labels
                    .iter()
                    .map(|(key, value)| dsr_core::input::LabelInput { key, value })
                    .collect(),
            )
        })
        .collect();
    let lists: Vec<(&str, &[dsr_core::input::LabelInput<'_>])> =
        inputs.iter().map(|(p, l)| (*p, l.as_slice())).collect();
    refusal(engine, e, kind, &lists)
}

/// The warnings the API server (validation) and the controller give about a
/// DaemonSet, in upstream's words, from the core's validation of it.
pub fn daemon_set_warnings(validated: Result<(), ApplyError>) -> Vec<String> {
    use dsr_core::spec::SpecProblem;
    match validated.map_err(|e| e.problem) {
        Err(Problem::Engine(Error::Spec(SpecProblem::SelectorEmpty))) => vec![
            format!("the API server would reject it: {}", SpecProblem::SelectorEmpty),
            "upstream's controller does nothing for it: \"This daemon set is selecting all pods. A non-empty selector is required.\"".to_owned(),
        ],
        Err(Problem::Engine(Error::Spec(p))) => vec![format!("the API server would reject it: {p}")],
        _ => Vec::new(),
    }
}
