package dsr

// #include "dsr.h"
import "C"

import (
	"encoding/json"
	"strings"
	"unsafe"
)

// ObjectKind is the kind of object Apply read (a dsr_object_kind).
type ObjectKind uint32

// The kinds Apply reports.
const (
	// KindOther is a kind dsr does not read (a Service, say), or a bookmark's
	// object: ignored.
	KindOther              ObjectKind = C.DSR_OBJECT_KIND_OTHER
	KindNode               ObjectKind = C.DSR_OBJECT_KIND_NODE
	KindDaemonSet          ObjectKind = C.DSR_OBJECT_KIND_DAEMON_SET
	KindPod                ObjectKind = C.DSR_OBJECT_KIND_POD
	KindControllerRevision ObjectKind = C.DSR_OBJECT_KIND_CONTROLLER_REVISION
	// KindList is a List (NodeList, PodList, ...) of such objects.
	KindList ObjectKind = C.DSR_OBJECT_KIND_LIST
)

// String gives the kind as Kubernetes spells it ("DaemonSet"), "other" or
// "List".
func (k ObjectKind) String() string {
	return C.GoString(C.dsr_object_kind_str(C.uint32_t(k)))
}

// Change is what Apply did to the object (a dsr_change).
type Change uint32

// The changes Apply reports.
const (
	// ChangeAdded: the object is new to the engine.
	ChangeAdded Change = C.DSR_CHANGE_ADDED
	// ChangeUpdated: the object changed something dsr reads (for a List: an
	// item was added, updated or removed).
	ChangeUpdated Change = C.DSR_CHANGE_UPDATED
	// ChangeRemoved: the object is gone (a DELETED event).
	ChangeRemoved Change = C.DSR_CHANGE_REMOVED
	// ChangeUnchanged: the engine held the object as it is.
	ChangeUnchanged Change = C.DSR_CHANGE_UNCHANGED
	// ChangeIgnored: a bookmark, a kind dsr does not read, a deletion of an
	// object the engine does not hold, an old ControllerRevision.
	ChangeIgnored Change = C.DSR_CHANGE_IGNORED
)

// String gives "added", "updated", "removed", "unchanged" or "ignored".
func (c Change) String() string { return C.GoString(C.dsr_change_str(C.uint32_t(c))) }

// Applied is what Apply did.
type Applied struct {
	// Kind is the object's kind (a watch event's object's), or KindList.
	Kind ObjectKind
	// ID is the object's id (a NodeID, SetID or PodID by Kind; for a
	// ControllerRevision, its DaemonSet's SetID); -1 for a List, an ignored
	// object, or a revision whose DaemonSet is not in the engine.
	ID int
	// Change is what happened to it.
	Change Change
	// PlacementChanged says whether some DaemonSet should now run, or may
	// keep running, on some node where it did not, or the reverse.
	PlacementChanged bool
	// How many objects had each change (one in all for an object or event).
	Added, Updated, Removed, Unchanged, Ignored int
}

// Node is the applied node's id, when the object is a node.
func (a Applied) Node() (NodeID, bool) {
	return NodeID(a.ID), a.Kind == KindNode && a.ID >= 0
}

// DaemonSet is the applied DaemonSet's id (or a ControllerRevision's
// DaemonSet's), when there is one.
func (a Applied) DaemonSet() (SetID, bool) {
	ok := (a.Kind == KindDaemonSet || a.Kind == KindControllerRevision) && a.ID >= 0
	return SetID(a.ID), ok
}

// Pod is the applied pod's id, when the object is a pod.
func (a Applied) Pod() (PodID, bool) {
	return PodID(a.ID), a.Kind == KindPod && a.ID >= 0
}

// Apply applies a Kubernetes object, a List of them, or a watch event, as
// JSON (what the API server, kubectl get -o json, and kubectl get -w
// --output-watch-events -o json write): a v1 Node, apps/v1 DaemonSet or v1
// Pod is added or replaces the one of the same kind, namespace and name
// (ADDED and MODIFIED alike); a DELETED event removes it; an apps/v1
// ControllerRevision sets its DaemonSet's current revision hash (the
// highest .revision wins, in any order); a BOOKMARK and other kinds are
// ignored. The conversion rules are libdsr's, the same as dsr explain's. A
// pod controlled by a DaemonSet that is added, deleted or becomes
// terminating observes one of its creates or deletes (see ObserveCreates),
// as the controller's pod event handlers do.
//
// On error the engine is unchanged, and the error matches ErrInvalidJSON
// (not JSON, a field of the wrong type, not a Kubernetes object),
// ErrWatchError (an ERROR event: its Status message), ErrFullScratch (the
// object does not fit libdsr's DSR_JSON_* scratch) or the code of the
// engine's rule (ErrInvalidDaemonSet, ErrFullNodes, ...); its text names the
// object and the JSON path:
//
//	dsr: Apply: invalid JSON or not a Kubernetes object: DaemonSet "fluentd-elasticsearch": spec.template.spec.tolerations[0].tolerationSeconds: not the JSON type the API defines for this field
func (e *Engine) Apply(data []byte) (Applied, error) {
	var out C.dsr_applied
	err := e.call("Apply", func(a *arena) C.dsr_result {
		// Go memory without Go pointers, read during the call only.
		var p *C.uint8_t
		if len(data) > 0 {
			p = (*C.uint8_t)(unsafe.Pointer(&data[0]))
		}
		return C.dsr_engine_apply(e.e, p, C.size_t(len(data)), &out)
	})
	if err != nil {
		return Applied{}, err
	}
	return Applied{
		Kind:             ObjectKind(out.kind),
		ID:               index(out.id),
		Change:           Change(out.change),
		PlacementChanged: bool(out.placement_changed),
		Added:            int(out.added),
		Updated:          int(out.updated),
		Removed:          int(out.removed),
		Unchanged:        int(out.unchanged),
		Ignored:          int(out.ignored),
	}, nil
}

// ApplyObject applies v as Apply does, after json.Marshal: any Kubernetes
// object (client-go's corev1.Node, appsv1.DaemonSet, corev1.Pod,
// appsv1.ControllerRevision, their Lists, a watch event), without this
// package importing their types. client-go's typed objects leave kind and
// apiVersion empty: set them (TypeMeta) before, as libdsr needs the kind. A
// value json.Marshal refuses is an error matching ErrInvalidJSON too.
func (e *Engine) ApplyObject(v any) (Applied, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return Applied{}, &Error{Code: ErrInvalidJSON, Op: "ApplyObject", Detail: err.Error()}
	}
	a, err := e.Apply(data)
	if err, ok := err.(*Error); ok {
		err.Op = "ApplyObject"
	}
	return a, err
}

// NodeName is the name of node id (ErrNotFound when there is none): for ids
// Apply gave, without the object at hand.
func (e *Engine) NodeName(id NodeID) (string, error) {
	var name string
	err := e.shared("NodeName", func(a *arena) error {
		var err error
		name, err = readText("NodeName", 256, func(buf *C.char, n C.size_t, out *C.size_t) C.dsr_result {
			return C.dsr_engine_node_name(e.e, C.uint32_t(id), buf, n, out)
		})
		return err
	})
	return name, err
}

// DaemonSetName is the namespace and name of DaemonSet id (ErrNotFound when
// there is none).
func (e *Engine) DaemonSetName(id SetID) (namespace, name string, err error) {
	var text string
	err = e.shared("DaemonSetName", func(a *arena) error {
		var err error
		text, err = readText("DaemonSetName", 256, func(buf *C.char, n C.size_t, out *C.size_t) C.dsr_result {
			return C.dsr_engine_daemon_set_name(e.e, C.uint32_t(id), buf, n, out)
		})
		return err
	})
	namespace, name, _ = strings.Cut(text, "/")
	return namespace, name, err
}

// PodName is the name of pod id (ErrNotFound when there is none).
func (e *Engine) PodName(id PodID) (string, error) {
	var name string
	err := e.shared("PodName", func(a *arena) error {
		var err error
		name, err = readText("PodName", 256, func(buf *C.char, n C.size_t, out *C.size_t) C.dsr_result {
			return C.dsr_engine_pod_name(e.e, C.uint32_t(id), buf, n, out)
		})
		return err
	})
	return name, err
}
