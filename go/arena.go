package dsr

// #include <stdlib.h>
// #include "dsr.h"
import "C"

import (
	"time"
	"unsafe"
)

// arena holds the C memory of one call's input structs. cgo forbids passing C
// a Go pointer to memory that holds Go pointers, and the input structs are
// all pointers (strings, arrays), so they are built in C memory and freed
// when the call returns. Every input struct the package passes is built here.
type arena struct {
	blocks []unsafe.Pointer
}

func (a *arena) alloc(size uintptr) unsafe.Pointer {
	if size == 0 {
		size = 1
	}
	p := C.calloc(1, C.size_t(size))
	if p == nil {
		panic("dsr: out of C memory")
	}
	a.blocks = append(a.blocks, p)
	return p
}

func (a *arena) free() {
	for _, p := range a.blocks {
		C.free(p)
	}
	a.blocks = nil
}

// str copies a Go string into C memory (not NUL-terminated).
func (a *arena) str(s string) C.dsr_str {
	if len(s) == 0 {
		return C.dsr_str{}
	}
	p := a.alloc(uintptr(len(s)))
	copy(unsafe.Slice((*byte)(p), len(s)), s)
	return C.dsr_str{ptr: (*C.char)(p), len: C.size_t(len(s))}
}

// array allocates n zeroed T in C memory.
func array[T any](a *arena, n int) []T {
	if n == 0 {
		return nil
	}
	var zero T
	p := a.alloc(unsafe.Sizeof(zero) * uintptr(n))
	return unsafe.Slice((*T)(p), n)
}

// first is the address of a C array's first element, or nil.
func first[T any](s []T) *T {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

func (a *arena) labels(m map[string]string) (*C.dsr_label, C.size_t) {
	out := array[C.dsr_label](a, len(m))
	i := 0
	for k, v := range m {
		out[i] = C.dsr_label{key: a.str(k), value: a.str(v)}
		i++
	}
	return first(out), C.size_t(len(out))
}

func (a *arena) taint(t Taint) C.dsr_taint {
	return C.dsr_taint{key: a.str(t.Key), value: a.str(t.Value), effect: a.str(t.Effect)}
}

func (a *arena) taints(ts []Taint) (*C.dsr_taint, C.size_t) {
	out := array[C.dsr_taint](a, len(ts))
	for i, t := range ts {
		out[i] = a.taint(t)
	}
	return first(out), C.size_t(len(out))
}

func (a *arena) toleration(t Toleration) C.dsr_toleration {
	c := C.dsr_toleration{key: a.str(t.Key), op: a.str(t.Operator), value: a.str(t.Value), effect: a.str(t.Effect)}
	if t.TolerationSeconds != nil {
		c.has_toleration_seconds = true
		c.toleration_seconds = C.int64_t(*t.TolerationSeconds)
	}
	return c
}

func (a *arena) tolerations(ts []Toleration) (*C.dsr_toleration, C.size_t) {
	out := array[C.dsr_toleration](a, len(ts))
	for i, t := range ts {
		out[i] = a.toleration(t)
	}
	return first(out), C.size_t(len(out))
}

func (a *arena) strs(ss []string) (*C.dsr_str, C.size_t) {
	out := array[C.dsr_str](a, len(ss))
	for i, s := range ss {
		out[i] = a.str(s)
	}
	return first(out), C.size_t(len(out))
}

func (a *arena) requirements(rs []Requirement) (*C.dsr_requirement, C.size_t) {
	out := array[C.dsr_requirement](a, len(rs))
	for i, r := range rs {
		values, n := a.strs(r.Values)
		out[i] = C.dsr_requirement{key: a.str(r.Key), op: a.str(r.Operator), values: values, values_len: n}
	}
	return first(out), C.size_t(len(out))
}

func (a *arena) node(n *Node) *C.dsr_node {
	c := (*C.dsr_node)(a.alloc(unsafe.Sizeof(C.dsr_node{})))
	c.struct_size = C.size_t(unsafe.Sizeof(C.dsr_node{}))
	c.name = a.str(n.Name)
	c.labels, c.labels_len = a.labels(n.Labels)
	c.taints, c.taints_len = a.taints(n.Taints)
	c.unschedulable = C.bool(n.Unschedulable)
	return c
}

func (a *arena) daemonSet(d *DaemonSet) *C.dsr_daemon_set {
	c := (*C.dsr_daemon_set)(a.alloc(unsafe.Sizeof(C.dsr_daemon_set{})))
	c.struct_size = C.size_t(unsafe.Sizeof(C.dsr_daemon_set{}))
	c.name = a.str(d.Name)
	c.ns = a.str(d.Namespace)
	c.uid = a.str(d.UID)
	if d.Selector != nil {
		sel := (*C.dsr_label_selector)(a.alloc(unsafe.Sizeof(C.dsr_label_selector{})))
		sel.match_labels, sel.match_labels_len = a.labels(d.Selector.MatchLabels)
		sel.match_expressions, sel.match_expressions_len = a.requirements(d.Selector.MatchExpressions)
		c.selector = sel
	}
	c.template_labels, c.template_labels_len = a.labels(d.TemplateLabels)
	c.node_selector, c.node_selector_len = a.labels(d.NodeSelector)
	if d.RequiredNodeAffinity != nil {
		c.has_required_node_affinity = true
		c.required_node_affinity, c.required_node_affinity_len = a.terms(d.RequiredNodeAffinity)
	}
	c.tolerations, c.tolerations_len = a.tolerations(d.Tolerations)
	c.node_name = a.str(d.NodeName)
	c.host_network = C.bool(d.HostNetwork)
	c.generation = C.int64_t(d.Generation)
	c.observed_generation = C.int64_t(d.ObservedGeneration)
	c.deleting = C.bool(d.Deleting)
	c.update_strategy.strategy_type = a.str(d.UpdateStrategy.Type)
	if ru := d.UpdateStrategy.RollingUpdate; ru != nil {
		c.update_strategy.has_rolling_update = true
		c.update_strategy.max_unavailable = a.intOrString(ru.MaxUnavailable)
		c.update_strategy.max_surge = a.intOrString(ru.MaxSurge)
	}
	c.min_ready_seconds = C.int32_t(d.MinReadySeconds)
	c.revision_hash = a.str(d.RevisionHash)
	if d.TemplateGeneration != nil {
		c.has_template_generation = true
		c.template_generation = a.str(*d.TemplateGeneration)
	}
	c.restart_policy = a.str(d.RestartPolicy)
	if d.ActiveDeadlineSeconds != nil {
		c.has_active_deadline_seconds = true
		c.active_deadline_seconds = C.int64_t(*d.ActiveDeadlineSeconds)
	}
	if d.RevisionHistoryLimit != nil {
		c.has_revision_history_limit = true
		c.revision_history_limit = C.int32_t(*d.RevisionHistoryLimit)
	}
	containers := array[C.dsr_container](a, len(d.Containers))
	for i, ct := range d.Containers {
		containers[i].name = a.str(ct.Name)
	}
	c.containers, c.containers_len = first(containers), C.size_t(len(containers))
	return c
}

func (a *arena) intOrString(v *IntOrString) C.dsr_int_or_string {
	switch {
	case v == nil:
		return C.dsr_int_or_string{kind: C.DSR_INT_OR_STRING_UNSET}
	case v.IsString:
		return C.dsr_int_or_string{kind: C.DSR_INT_OR_STRING_STRING, string_value: a.str(v.String)}
	default:
		return C.dsr_int_or_string{kind: C.DSR_INT_OR_STRING_INT, int_value: C.int32_t(v.Int)}
	}
}

func (a *arena) terms(ns *NodeSelector) (*C.dsr_node_selector_term, C.size_t) {
	terms := array[C.dsr_node_selector_term](a, len(ns.Terms))
	for i, t := range ns.Terms {
		terms[i].match_expressions, terms[i].match_expressions_len = a.requirements(t.MatchExpressions)
		terms[i].match_fields, terms[i].match_fields_len = a.requirements(t.MatchFields)
	}
	return first(terms), C.size_t(len(terms))
}

// unix is t in seconds since the Unix epoch, 0 for the zero Time.
func unix(t time.Time) C.int64_t {
	if t.IsZero() {
		return 0
	}
	return C.int64_t(t.Unix())
}

func (a *arena) pod(p *Pod) *C.dsr_pod {
	c := (*C.dsr_pod)(a.alloc(unsafe.Sizeof(C.dsr_pod{})))
	c.struct_size = C.size_t(unsafe.Sizeof(C.dsr_pod{}))
	c.name = a.str(p.Name)
	c.ns = a.str(p.Namespace)
	c.uid = a.str(p.UID)
	c.labels, c.labels_len = a.labels(p.Labels)
	if p.ControllerUID != nil {
		c.has_controller = true
		c.controller_uid = a.str(*p.ControllerUID)
		c.controller_kind = a.str(p.ControllerKind)
		c.controller_name = a.str(p.ControllerName)
	}
	c.node_name = a.str(p.NodeName)
	if p.RequiredNodeAffinity != nil {
		c.has_required_node_affinity = true
		c.required_node_affinity, c.required_node_affinity_len = a.terms(p.RequiredNodeAffinity)
	}
	c.phase = a.str(p.Phase)
	if p.Ready != nil {
		c.has_ready = true
		c.ready.status = a.str(p.Ready.Status)
		if !p.Ready.LastTransitionTime.IsZero() {
			c.ready.has_last_transition_time = true
			c.ready.last_transition_time = unix(p.Ready.LastTransitionTime)
		}
	}
	c.deleting = C.bool(p.Deleting)
	c.creation_timestamp = unix(p.CreationTimestamp)
	return c
}

func (a *arena) reason(r Reason) *C.dsr_reason {
	c := (*C.dsr_reason)(a.alloc(unsafe.Sizeof(C.dsr_reason{})))
	c.kind, c.set_id, c.node_id = C.uint32_t(r.Kind), C.uint32_t(r.set), C.uint32_t(r.node)
	c.terms, c.term, c.taint = C.uint32_t(r.terms), C.DSR_NONE, C.DSR_NONE
	c.set_version, c.node_version = C.uint32_t(r.setVersion), C.uint32_t(r.nodeVersion)
	if r.Term >= 0 {
		c.term = C.uint32_t(r.Term)
	}
	if r.Taint >= 0 {
		c.taint = C.uint32_t(r.Taint)
	}
	return c
}
