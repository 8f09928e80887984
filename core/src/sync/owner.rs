//! Ownership outside a sync: deleting a DaemonSet with or without its pods (what the
//! garbage collector does for each propagation policy), and recording an adoption
//! or a release that the caller carried out.

use crate::engine::{Engine, SetId};
use crate::error::{Error, Result, Table};
use crate::intern::Sym;
use crate::pod::{self, PodId};

/// `propagationPolicy` of a DaemonSet deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Propagation {
    /// The DaemonSet goes now and its pods are deleted after it (the default).
    Background,
    /// The pods are deleted, then the DaemonSet.
    Foreground,
    /// The pods are released and keep running (`kubectl delete --cascade=orphan`). A
    /// DaemonSet created later whose selector matches them adopts them, and replaces
    /// those not of its current revision as its update strategy says.
    Orphan,
}

impl<
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
    > Engine<NODES, SETS, PODS, STRINGS, BYTES, LABELS, RULES, TAINTS, TERMS, BACKOFF>
{
    /// Deletes a DaemonSet. `pods` receives the pods it controls: with
    /// [`Propagation::Background`] or [`Propagation::Foreground`] the caller deletes
    /// them (and removes each from the engine once gone); with
    /// [`Propagation::Orphan`] the engine releases them (their controller is
    /// cleared) and they stay. The DaemonSet's expectations and backoff are dropped.
    ///
    /// A full `pods` buffer is an error and changes nothing.
    pub fn delete_daemon_set<const N: usize>(
        &mut self,
        set: SetId,
        propagation: Propagation,
        pods: &mut heapless::Vec<PodId, N>,
    ) -> Result<()> {
        let s = *self
            .sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        pods.clear();
        for (i, p) in self.pods.iter() {
            if self.controls(&s, p) {
                pods.push(PodId(i)).map_err(|_| Error::Full {
                    table: Table::Output,
                    capacity: crate::error::saturating_u32(N),
                })?;
            }
        }
        if propagation == Propagation::Orphan {
            for id in pods.iter() {
                if let Some(p) = self.pods.get_mut(id.0) {
                    if let Some(uid) = p.controller_uid.take() {
                        self.strings.release(uid);
                    }
                    let name = core::mem::replace(&mut p.controller_name, Sym::EMPTY);
                    self.strings.release(name);
                    p.controller_is_daemon_set = false;
                }
                self.pod_index.set_owner(id.0, None);
            }
        }
        self.remove_daemon_set(set)
    }

    /// Calls `f` with each label a pod created for the DaemonSet carries: the
    /// template's, then `pod-template-generation` (when the DaemonSet has a template
    /// generation) and `controller-revision-hash` (when it has a hash), which replace
    /// template labels of the same keys, as upstream's `CreatePodTemplate`.
    pub fn new_pod_labels(&self, set: SetId, mut f: impl FnMut(&str, &str)) -> Result<()> {
        let s = self
            .sets
            .get(set.0)
            .ok_or(Error::NotFound(Table::DaemonSets))?;
        let generation = (s.template_generation.is_some())
            .then_some((pod::TEMPLATE_GENERATION_LABEL, s.template_generation_label));
        let hash =
            (!s.revision_hash.is_empty()).then_some((pod::REVISION_HASH_LABEL, s.revision_hash));
        let added = [generation, hash];
        for l in self.labels.get(s.template_labels) {
            let key = self.text(l.key);
            if !added.iter().flatten().any(|(k, _)| *k == key) {
                f(key, self.text(l.value));
            }
        }
        for (key, value) in added.iter().flatten() {
            f(key, self.text(*value));
        }
        Ok(())
    }

    /// The DaemonSet that controls `pod`: the one its controller reference names
    /// by kind, namespace, name and uid, as upstream's `resolveControllerRef`
    /// (`None` for an orphan, or a reference to a DaemonSet the engine does not
    /// hold, or to an earlier one of the same name).
    pub fn controller_of(&self, pod: PodId) -> Option<SetId> {
        let p = self.pods.get(pod.0)?;
        if !p.controller_is_daemon_set {
            return None;
        }
        self.sets
            .iter()
            .find(|(_, s)| self.controls(s, p))
            .map(|(i, _)| SetId(i))
    }

    /// Records a pod's new controller: the DaemonSet after the caller adopted it,
    /// `None` after the caller released it (the plan's `adoptions` and `releases`).
    pub fn set_pod_controller(&mut self, pod: PodId, controller: Option<SetId>) -> Result<()> {
        self.pods.get(pod.0).ok_or(Error::NotFound(Table::Pods))?;
        let (uid, kind, name) = match controller {
            Some(set) => {
                let s = self
                    .sets
                    .get(set.0)
                    .ok_or(Error::NotFound(Table::DaemonSets))?;
                (Some(s.uid), true, s.name)
            }
            None => (None, false, Sym::EMPTY),
        };
        let p = self
            .pods
            .get_mut(pod.0)
            .ok_or(Error::NotFound(Table::Pods))?;
        let old = core::mem::replace(&mut p.controller_uid, uid);
        let old_name = core::mem::replace(&mut p.controller_name, name);
        p.controller_is_daemon_set = kind;
        // The pod holds its controller's uid and name: the new ones first, so a
        // string that is both stays.
        if let Some(new) = uid {
            self.strings.retain(new);
        }
        self.strings.retain(name);
        if let Some(old) = old {
            self.strings.release(old);
        }
        self.strings.release(old_name);
        self.pod_index.set_owner(pod.0, uid);
        Ok(())
    }
}
