package dsr

// #include "dsr.h"
import "C"

import "time"

// Node is what placement reads of a v1.Node.
type Node struct {
	Name          string            // metadata.name, unique in an Engine
	Labels        map[string]string // metadata.labels
	Taints        []Taint           // spec.taints
	Unschedulable bool              // spec.unschedulable
}

// Taint is a v1.Taint. Effect as the API writes it: NoSchedule,
// PreferNoSchedule or NoExecute.
type Taint struct {
	Key, Value, Effect string
}

// Toleration is a v1.Toleration. Operator "" or "Equal" compares values,
// "Exists" does not, "Gt" and "Lt" compare them as integers when the feature
// gate TaintTolerationComparisonOperators is on (Engine.SetFeatureGate);
// anything else tolerates nothing.
type Toleration struct {
	Key, Operator, Value, Effect string
	TolerationSeconds            *int64
}

// Requirement is a matchExpressions entry (In, NotIn, Exists, DoesNotExist;
// Gt and Lt in node affinity) or a matchFields entry (metadata.name In/NotIn).
type Requirement struct {
	Key      string
	Operator string
	Values   []string
}

// LabelSelector is a metav1.LabelSelector.
type LabelSelector struct {
	MatchLabels      map[string]string
	MatchExpressions []Requirement
}

// NodeSelectorTerm is one term of required node affinity: its requirements
// are ANDed, the terms ORed.
type NodeSelectorTerm struct {
	MatchExpressions []Requirement
	MatchFields      []Requirement
}

// NodeSelector is requiredDuringSchedulingIgnoredDuringExecution; with no
// terms it selects no node.
type NodeSelector struct {
	Terms []NodeSelectorTerm
}

// DaemonSet is what placement reads of an apps/v1 DaemonSet.
type DaemonSet struct {
	Name, Namespace, UID string
	// Selector is spec.selector; nil selects nothing.
	Selector *LabelSelector
	// TemplateLabels is spec.template.metadata.labels.
	TemplateLabels map[string]string
	// NodeSelector is spec.template.spec.nodeSelector.
	NodeSelector map[string]string
	// RequiredNodeAffinity is the template's required node affinity; nil
	// when there is none.
	RequiredNodeAffinity *NodeSelector
	// Tolerations are the template's; dsr adds the automatic daemon-pod ones.
	Tolerations []Toleration
	// NodeName is spec.template.spec.nodeName.
	NodeName string
	// HostNetwork is spec.template.spec.hostNetwork.
	HostNetwork bool

	// The sync's fields (placement ignores them).

	// Generation is metadata.generation: what status.observedGeneration
	// becomes after a sync.
	Generation int64
	// ObservedGeneration is status.observedGeneration as stored.
	ObservedGeneration int64
	// Deleting: metadata.deletionTimestamp is set; the sync leaves the
	// DaemonSet alone.
	Deleting bool
	// UpdateStrategy is spec.updateStrategy; the zero value is the API
	// server's default (RollingUpdate, maxUnavailable 1, maxSurge 0).
	UpdateStrategy UpdateStrategy
	// MinReadySeconds is spec.minReadySeconds.
	MinReadySeconds int32
	// RevisionHash is the current revision's controller-revision-hash: new
	// pods carry it, and a pod carrying it is up to date. Empty when unknown.
	RevisionHash string
	// TemplateGeneration is the deprecated.daemonset.template.generation
	// annotation as written, if present.
	TemplateGeneration *string

	// Validation's fields (ValidateDaemonSet).

	// RestartPolicy is spec.template.spec.restartPolicy; empty means Always.
	RestartPolicy string
	// ActiveDeadlineSeconds is spec.template.spec.activeDeadlineSeconds,
	// which a DaemonSet may not set.
	ActiveDeadlineSeconds *int64
	// RevisionHistoryLimit is spec.revisionHistoryLimit.
	RevisionHistoryLimit *int32
	// Containers are spec.template.spec.containers (their names).
	Containers []Container
}

// Container is a container of a pod template, as validation reads it.
type Container struct {
	Name string
}

// IntOrString is a maxUnavailable or maxSurge value: an integer, or a
// string that must be a percentage ("25%").
type IntOrString struct {
	IsString bool
	Int      int32
	String   string
}

// Int is an integer IntOrString.
func Int(i int32) *IntOrString { return &IntOrString{Int: i} }

// Percent is a string IntOrString, such as "25%".
func Percent(s string) *IntOrString { return &IntOrString{IsString: true, String: s} }

// UpdateStrategy is spec.updateStrategy.
type UpdateStrategy struct {
	// Type is RollingUpdate or OnDelete; empty means RollingUpdate.
	Type string
	// RollingUpdate is spec.updateStrategy.rollingUpdate, if present.
	RollingUpdate *RollingUpdate
}

// RollingUpdate holds the rolling update's budgets; nil means the default
// (maxUnavailable 1, maxSurge 0).
type RollingUpdate struct {
	MaxUnavailable, MaxSurge *IntOrString
}

// PodID identifies a pod in its Engine; ids of removed pods are reused.
type PodID uint32

// PodCondition is what the sync reads of a pod's Ready condition.
type PodCondition struct {
	// Status is True, False or Unknown.
	Status string
	// LastTransitionTime is when it last changed; the zero Time when unset.
	LastTransitionTime time.Time
}

// Pod is what the DaemonSet controller reads of a v1.Pod.
type Pod struct {
	Name, Namespace, UID string
	// Labels are metadata.labels, controller-revision-hash and
	// pod-template-generation included.
	Labels map[string]string
	// ControllerUID is the uid of the ownerReferences entry with
	// controller: true; nil when none.
	ControllerUID *string
	// NodeName is spec.nodeName; empty while the pod is not scheduled.
	NodeName string
	// RequiredNodeAffinity is the pod's required node affinity: an
	// unscheduled daemon pod names its node there (matchFields
	// metadata.name In [node]).
	RequiredNodeAffinity *NodeSelector
	// Phase is status.phase: Pending, Running, Succeeded, Failed, Unknown.
	Phase string
	// Ready is the first Ready condition, if any.
	Ready *PodCondition
	// Deleting: metadata.deletionTimestamp is set.
	Deleting bool
	// CreationTimestamp is metadata.creationTimestamp.
	CreationTimestamp time.Time
	// ControllerKind and ControllerName are the kind and name of the
	// ownerReferences entry with controller: true (read with ControllerUID):
	// a pod is a DaemonSet's only when they are "DaemonSet" and its name, and
	// ControllerUID is its uid (upstream's FilterPodsByOwner).
	ControllerKind, ControllerName string
}

// NodeID identifies a node in its Engine; ids of removed nodes are reused.
type NodeID uint32

// SetID identifies a DaemonSet in its Engine.
type SetID uint32

// ReasonKind says why a daemon pod may not run on a node.
type ReasonKind uint32

// The reason kinds of include/dsr.h.
const (
	Eligible             ReasonKind = C.DSR_REASON_KIND_ELIGIBLE               // nothing stands in the way
	NodeNameMismatch     ReasonKind = C.DSR_REASON_KIND_NODE_NAME_MISMATCH     // spec.template.spec.nodeName names another node
	NodeSelectorMismatch ReasonKind = C.DSR_REASON_KIND_NODE_SELECTOR_MISMATCH // a nodeSelector entry is not satisfied
	NodeAffinityMismatch ReasonKind = C.DSR_REASON_KIND_NODE_AFFINITY_MISMATCH // no required node-affinity term matches
	UntoleratedTaint     ReasonKind = C.DSR_REASON_KIND_UNTOLERATED_TAINT      // a NoSchedule or NoExecute taint is not tolerated
)

func (k ReasonKind) String() string {
	switch k {
	case Eligible:
		return "Eligible"
	case NodeNameMismatch:
		return "NodeNameMismatch"
	case NodeSelectorMismatch:
		return "NodeSelectorMismatch"
	case NodeAffinityMismatch:
		return "NodeAffinityMismatch"
	case UntoleratedTaint:
		return "UntoleratedTaint"
	}
	return "ReasonKind(unknown)"
}

// Reason is why a daemon pod may or may not run on a node; Engine.Describe
// puts it in words.
type Reason struct {
	Kind ReasonKind
	// Term is, for NodeAffinityMismatch, the index of the first non-empty
	// term (the one Describe explains), or -1 when every term is empty.
	// Otherwise -1.
	Term int
	// Taint is, for UntoleratedTaint, the index of the taint in the node's
	// taints. Otherwise -1.
	Taint int

	set, node, terms uint32
	// The versions of the DaemonSet and the node the answer came from: Describe
	// refuses the reason (ErrStaleReason) once either was updated or removed.
	setVersion, nodeVersion uint32
}

// Placement is the answer of Engine.ShouldRun: upstream's
// NodeShouldRunDaemonPod.
type Placement struct {
	// ShouldRun: a daemon pod should be created on the node if it has none.
	ShouldRun bool
	// ShouldContinueRunning: a daemon pod already on the node may stay.
	ShouldContinueRunning bool
	// Reason says why not, when either is false.
	Reason Reason
}

// Capacities are the sizes libdsr was built with (the DSR_* build variables).
type Capacities struct {
	EngineSize, EngineAlign                                   int
	Nodes, DaemonSets, Pods, Strings, StringBytes, Labels     int
	Rules, StringMax                                          int
	CallLabels, CallTaints, CallTolerations, CallRequirements int
	CallValues, CallTerms                                     int
	Plan, CallContainers, SnapshotMaxSize                     int
	Taints, Terms, Backoff                                    int
	// The scratch of one Apply (DSR_JSON_*): List items, labels, each kind
	// of rule, bytes of unescaped strings. Zero when libdsr was built
	// without Apply.
	JSONObjects, JSONLabels, JSONRules, JSONText int
}
