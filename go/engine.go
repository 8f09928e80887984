package dsr

// #include <stdlib.h>
// #include "dsr.h"
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Version is libdsr's version, MAJOR.MINOR.PATCH.
func Version() string { return C.GoString(C.dsr_version()) }

// GetCapacities reports the capacities libdsr was built with.
func GetCapacities() (Capacities, error) {
	var c C.dsr_capacities
	if err := check("dsr_engine_capacities", C.dsr_engine_capacities(&c)); err != nil {
		return Capacities{}, err
	}
	return Capacities{
		EngineSize: int(c.engine_size), EngineAlign: int(c.engine_align),
		Nodes: int(c.nodes), DaemonSets: int(c.daemon_sets), Pods: int(c.pods),
		Strings: int(c.strings), StringBytes: int(c.string_bytes), Labels: int(c.labels),
		Rules: int(c.rules), StringMax: int(c.string_max),
		CallLabels: int(c.call_labels), CallTaints: int(c.call_taints),
		CallTolerations: int(c.call_tolerations), CallRequirements: int(c.call_requirements),
		CallValues: int(c.call_values), CallTerms: int(c.call_terms),
		Plan: int(c.plan), CallContainers: int(c.call_containers),
		SnapshotMaxSize: int(c.snapshot_max_size),
		Taints:          int(c.taints), Terms: int(c.terms), Backoff: int(c.backoff),
		JSONObjects: int(c.json_objects), JSONLabels: int(c.json_labels),
		JSONRules: int(c.json_rules), JSONText: int(c.json_text),
	}, nil
}

// Engine holds nodes, DaemonSets and pods and answers placement and sync
// questions about them.
//
// Its memory (Capacities.EngineSize bytes, about 206 KiB with the default
// build) is an ordinary Go allocation that libdsr works in: the garbage
// collector counts it, and an Engine that is no longer referenced is
// reclaimed like any other value. Call Close when done with an engine all
// the same: later calls then fail at once instead of working on a stale
// engine, and the memory is released for reuse without waiting for the
// engine to become unreachable.
//
// An Engine is safe for use by several goroutines. Calls that only read the
// engine (ShouldRun, Describe, MatchesNodeAffinity, the Find and Count calls,
// Expectations, NewPodLabels, Snapshot) hold a shared lock and run in
// parallel; the others hold it exclusively.
type Engine struct {
	mu sync.RWMutex
	// mem is the engine's memory, kept referenced for as long as e points
	// into it. It holds no Go pointers, so it may be handed to C; the
	// garbage collector never moves heap objects, so e stays valid.
	mem []byte
	e   *C.dsr_engine
}

// NewEngine sets up an empty engine.
func NewEngine() (*Engine, error) {
	size, align := int(C.dsr_engine_size()), int(C.dsr_engine_align())
	if size <= 0 || align <= 0 {
		return nil, &Error{Code: ErrLogicBug, Op: "NewEngine", Detail: "libdsr reports no engine size"}
	}
	mem := make([]byte, size+align-1)
	skip := (align - int(uintptr(unsafe.Pointer(&mem[0]))%uintptr(align))) % align
	mem = mem[skip : skip+size]
	// The out-parameter lives in C memory: C then never writes a Go pointer
	// into Go memory.
	var a arena
	defer a.free()
	out := (**C.dsr_engine)(a.alloc(unsafe.Sizeof(uintptr(0))))
	if err := check("NewEngine", C.dsr_engine_init(unsafe.Pointer(&mem[0]), C.size_t(size), out)); err != nil {
		return nil, err
	}
	return &Engine{mem: mem, e: *out}, nil
}

// Close releases the engine: any later call on it fails with an error
// matching ErrNullPointer, and its memory is reclaimed at the next garbage
// collection. Calling Close again does nothing.
func (e *Engine) Close() error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mem, e.e = nil, nil
	return nil
}

// closed is the error of a call on a nil or closed engine.
func (e *Engine) closed(op string) error {
	if e == nil {
		return nilArgument(op, "engine")
	}
	if e.e == nil {
		return &Error{Code: ErrNullPointer, Op: op, Detail: "the engine is closed"}
	}
	return nil
}

// fail adds the engine's own description to a failed call's error. Only
// calls that take the exclusive lock record one.
func (e *Engine) fail(op string, r C.dsr_result) error {
	err := check(op, r)
	if err == nil {
		return nil
	}
	var buf [512]C.char
	var n C.size_t
	if C.dsr_engine_last_error(e.e, &buf[0], C.size_t(len(buf)), &n) == C.DSR_RESULT_OK {
		err.(*Error).Detail = C.GoStringN(&buf[0], C.int(n))
	}
	var p C.dsr_spec_problem
	if Code(r) == ErrInvalidDaemonSet && C.dsr_engine_last_spec_problem(e.e, &p) == C.DSR_RESULT_OK {
		err.(*Error).Spec = &SpecProblem{
			Kind: SpecProblemKind(p.kind), Index: index(p.index),
			Detail: SpecDetail(p.detail), Validation: ValidationError(p.validation),
		}
	}
	return err
}

// exclusive runs f under the engine's exclusive lock, for the libdsr calls
// that take a dsr_engine *. It gives f an arena for the C copies of its Go
// arguments and keeps the engine alive until f has returned.
func (e *Engine) exclusive(op string, f func(a *arena) error) error {
	if e == nil {
		return e.closed(op)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.closed(op); err != nil {
		return err
	}
	var a arena
	defer a.free()
	defer runtime.KeepAlive(e)
	return f(&a)
}

// shared is exclusive under the shared lock, for the libdsr calls that take
// a const dsr_engine * (they may run concurrently with each other).
func (e *Engine) shared(op string, f func(a *arena) error) error {
	if e == nil {
		return e.closed(op)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if err := e.closed(op); err != nil {
		return err
	}
	var a arena
	defer a.free()
	defer runtime.KeepAlive(e)
	return f(&a)
}

// call runs one libdsr call that changes the engine or records its failure;
// a failure carries the engine's own words.
func (e *Engine) call(op string, f func(a *arena) C.dsr_result) error {
	return e.exclusive(op, func(a *arena) error { return e.fail(op, f(a)) })
}

// query runs one read-only libdsr call (a const dsr_engine *), which records
// no failure text.
func (e *Engine) query(op string, f func(a *arena) C.dsr_result) error {
	return e.shared(op, func(a *arena) error { return check(op, f(a)) })
}

// readText calls f with a buffer, growing it while libdsr says it is too
// small, and returns the text written.
func readText(op string, size int, f func(*C.char, C.size_t, *C.size_t) C.dsr_result) (string, error) {
	buf := make([]byte, size)
	for {
		var n C.size_t
		r := f((*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &n)
		if Code(r) == ErrBufferTooSmall && int(n) >= len(buf) {
			buf = make([]byte, int(n)+1)
			continue
		}
		if err := check(op, r); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
}

// Clear empties the engine, keeping its memory; ids given out are void.
func (e *Engine) Clear() error {
	return e.call("Clear", func(*arena) C.dsr_result { return C.dsr_engine_clear(e.e) })
}

// AddNode adds a node; names are unique (ErrDuplicate).
func (e *Engine) AddNode(n *Node) (NodeID, error) {
	if n == nil {
		return 0, nilArgument("AddNode", "node")
	}
	var id C.uint32_t
	err := e.call("AddNode", func(a *arena) C.dsr_result { return C.dsr_engine_add_node(e.e, a.node(n), &id) })
	return NodeID(id), err
}

// UpdateNode replaces a node, keeping its id.
func (e *Engine) UpdateNode(id NodeID, n *Node) error {
	if n == nil {
		return nilArgument("UpdateNode", "node")
	}
	return e.call("UpdateNode", func(a *arena) C.dsr_result {
		return C.dsr_engine_update_node(e.e, C.uint32_t(id), a.node(n))
	})
}

// RemoveNode removes a node.
func (e *Engine) RemoveNode(id NodeID) error {
	return e.call("RemoveNode", func(*arena) C.dsr_result { return C.dsr_engine_remove_node(e.e, C.uint32_t(id)) })
}

// AddDaemonSet adds a DaemonSet; namespace/name is unique (ErrDuplicate). An
// empty name is ErrInvalidName. A selector upstream rejects is
// ErrInvalidSelector.
func (e *Engine) AddDaemonSet(d *DaemonSet) (SetID, error) {
	if d == nil {
		return 0, nilArgument("AddDaemonSet", "DaemonSet")
	}
	var id C.uint32_t
	err := e.call("AddDaemonSet", func(a *arena) C.dsr_result {
		return C.dsr_engine_add_daemon_set(e.e, a.daemonSet(d), &id)
	})
	return SetID(id), err
}

// UpdateDaemonSet replaces a DaemonSet, keeping its id.
func (e *Engine) UpdateDaemonSet(id SetID, d *DaemonSet) error {
	if d == nil {
		return nilArgument("UpdateDaemonSet", "DaemonSet")
	}
	return e.call("UpdateDaemonSet", func(a *arena) C.dsr_result {
		return C.dsr_engine_update_daemon_set(e.e, C.uint32_t(id), a.daemonSet(d))
	})
}

// RemoveDaemonSet removes a DaemonSet.
func (e *Engine) RemoveDaemonSet(id SetID) error {
	return e.call("RemoveDaemonSet", func(*arena) C.dsr_result {
		return C.dsr_engine_remove_daemon_set(e.e, C.uint32_t(id))
	})
}

// SetFeatureGate turns the Kubernetes feature gate name (spelled as
// Kubernetes spells it, e.g. "TaintTolerationComparisonOperators") on or off
// for every decision from now on, as kube-controller-manager's
// --feature-gates would; an engine starts with upstream's defaults, and Clear
// keeps the gates. A gate libdsr does not know is ErrUnknownFeatureGate, and
// nothing changes.
func (e *Engine) SetFeatureGate(name string, enabled bool) error {
	return e.call("dsr_engine_set_feature_gate", func(a *arena) C.dsr_result {
		return C.dsr_engine_set_feature_gate(e.e, a.str(name), C.bool(enabled))
	})
}

// FindNode returns the id of the node called name (ErrNotFound if none).
func (e *Engine) FindNode(name string) (NodeID, error) {
	var id C.uint32_t
	err := e.query("FindNode", func(a *arena) C.dsr_result { return C.dsr_engine_find_node(e.e, a.str(name), &id) })
	return NodeID(id), err
}

// FindDaemonSet returns the id of the DaemonSet namespace/name (ErrNotFound
// if none).
func (e *Engine) FindDaemonSet(namespace, name string) (SetID, error) {
	var id C.uint32_t
	err := e.query("FindDaemonSet", func(a *arena) C.dsr_result {
		return C.dsr_engine_find_daemon_set(e.e, a.str(namespace), a.str(name), &id)
	})
	return SetID(id), err
}

// Counts returns the number of nodes and DaemonSets.
func (e *Engine) Counts() (nodes, daemonSets int, err error) {
	var n, d C.size_t
	err = e.query("Counts", func(*arena) C.dsr_result {
		if r := C.dsr_engine_node_count(e.e, &n); r != C.DSR_RESULT_OK {
			return r
		}
		return C.dsr_engine_daemon_set_count(e.e, &d)
	})
	return int(n), int(d), err
}

func index(i C.uint32_t) int {
	if i == C.DSR_NONE {
		return -1
	}
	return int(i)
}

// ShouldRun says whether the DaemonSet's pod should run on the node, and may
// continue running there, with the reason.
func (e *Engine) ShouldRun(set SetID, node NodeID) (Placement, error) {
	var p C.dsr_placement
	if err := e.query("ShouldRun", func(*arena) C.dsr_result {
		return C.dsr_engine_should_run(e.e, C.uint32_t(set), C.uint32_t(node), &p)
	}); err != nil {
		return Placement{}, err
	}
	return Placement{
		ShouldRun:             bool(p.should_run),
		ShouldContinueRunning: bool(p.should_continue_running),
		Reason: Reason{
			Kind:  ReasonKind(p.reason.kind),
			Term:  index(p.reason.term),
			Taint: index(p.reason.taint),
			set:   uint32(p.reason.set_id),
			node:  uint32(p.reason.node_id),
			terms: uint32(p.reason.terms),

			setVersion:  uint32(p.reason.set_version),
			nodeVersion: uint32(p.reason.node_version),
		},
	}, nil
}

// Describe puts a reason from ShouldRun in words. A reason whose DaemonSet
// or node changed since is ErrStaleReason.
func (e *Engine) Describe(reason Reason) (string, error) {
	var text string
	err := e.shared("Describe", func(a *arena) (err error) {
		c := a.reason(reason)
		text, err = readText("Describe", 256, func(b *C.char, n C.size_t, out *C.size_t) C.dsr_result {
			return C.dsr_engine_describe(e.e, c, b, n, out)
		})
		return err
	})
	return text, err
}

// MatchesNodeAffinity says whether the node satisfies the DaemonSet's
// nodeSelector and required node affinity.
func (e *Engine) MatchesNodeAffinity(set SetID, node NodeID) (bool, error) {
	var m C.bool
	err := e.query("MatchesNodeAffinity", func(*arena) C.dsr_result {
		return C.dsr_engine_matches_node_affinity(e.e, C.uint32_t(set), C.uint32_t(node), &m)
	})
	return bool(m), err
}

// SelectorMatches says whether the DaemonSet's spec.selector selects an
// object with these labels (a nil selector selects nothing). It takes the
// shared lock: libdsr answers it from a const engine.
func (e *Engine) SelectorMatches(set SetID, labels map[string]string) (bool, error) {
	var m C.bool
	err := e.query("SelectorMatches", func(a *arena) C.dsr_result {
		l, n := a.labels(labels)
		return C.dsr_engine_selector_matches(e.e, C.uint32_t(set), l, n, &m)
	})
	return bool(m), err
}

// SelectorStringMatches says whether a kubectl -l selector string selects an
// object with these labels; a string that does not parse is ErrSelectorParse.
func (e *Engine) SelectorStringMatches(selector string, labels map[string]string) (bool, error) {
	var m C.bool
	err := e.call("SelectorStringMatches", func(a *arena) C.dsr_result {
		l, n := a.labels(labels)
		return C.dsr_engine_selector_string_matches(e.e, a.str(selector), l, n, &m)
	})
	return bool(m), err
}

// Tolerates says whether the toleration tolerates the taint (upstream's
// ToleratesTaint). It takes the shared lock, as SelectorMatches does.
func (e *Engine) Tolerates(t Toleration, taint Taint) (bool, error) {
	var m C.bool
	err := e.query("Tolerates", func(a *arena) C.dsr_result {
		ct := (*C.dsr_toleration)(a.alloc(unsafe.Sizeof(C.dsr_toleration{})))
		*ct = a.toleration(t)
		cx := (*C.dsr_taint)(a.alloc(unsafe.Sizeof(C.dsr_taint{})))
		*cx = a.taint(taint)
		return C.dsr_engine_tolerates(e.e, ct, cx, &m)
	})
	return bool(m), err
}

// FindUntoleratedTaint returns the index of the first taint, among those
// whose effect is in effects (all when effects is nil), that no toleration
// tolerates, or -1 (upstream's FindMatchingUntoleratedTaint).
func (e *Engine) FindUntoleratedTaint(taints []Taint, tolerations []Toleration, effects []string) (int, error) {
	var found C.bool
	var i C.size_t
	if err := e.call("FindUntoleratedTaint", func(a *arena) C.dsr_result {
		tp, tn := a.taints(taints)
		lp, ln := a.tolerations(tolerations)
		ep, en := a.strs(effects)
		return C.dsr_engine_find_untolerated_taint(e.e, tp, tn, lp, ln, C.bool(effects != nil), ep, en, &found, &i)
	}); err != nil {
		return -1, err
	}
	if !bool(found) {
		return -1, nil
	}
	return int(i), nil
}

func validate(op string, s string, f func(C.dsr_str) C.dsr_result) error {
	var a arena
	defer a.free()
	return check(op, f(a.str(s)))
}

// ValidateLabelKey returns nil for a valid label key, else an error matching
// ErrInvalidLabelKey (or ErrInvalidUTF8).
func ValidateLabelKey(key string) error {
	return validate("ValidateLabelKey", key, func(s C.dsr_str) C.dsr_result { return C.dsr_validate_label_key(s) })
}

// ValidateLabelValue returns nil for a valid label value, else an error
// matching ErrInvalidLabelVal (or ErrInvalidUTF8).
func ValidateLabelValue(value string) error {
	return validate("ValidateLabelValue", value, func(s C.dsr_str) C.dsr_result { return C.dsr_validate_label_value(s) })
}

// ValidateDNSSubdomain returns nil for a DNS-1123 subdomain, else an error
// matching ErrInvalidName (or ErrInvalidUTF8).
func ValidateDNSSubdomain(name string) error {
	return validate("ValidateDNSSubdomain", name, func(s C.dsr_str) C.dsr_result { return C.dsr_validate_dns_subdomain(s) })
}

// CanonicalSelector parses a kubectl -l selector string and prints it as
// upstream's Selector.String() does.
func CanonicalSelector(selector string) (string, error) {
	var a arena
	defer a.free()
	s := a.str(selector)
	return readText("CanonicalSelector", len(selector)*2+64, func(b *C.char, n C.size_t, out *C.size_t) C.dsr_result {
		return C.dsr_selector_canonical(s, b, n, out)
	})
}
