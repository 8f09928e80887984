package dsr

// #include <stdlib.h>
// #include "dsr.h"
import "C"

import "unsafe"

// arena holds the C memory of one call's input structs. cgo forbids passing C
// a Go pointer to memory that holds Go pointers, and the input structs are
// all pointers (strings, arrays), so they are built in C memory and freed
// when the call returns.
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
	c.name = a.str(n.Name)
	c.labels, c.labels_len = a.labels(n.Labels)
	c.taints, c.taints_len = a.taints(n.Taints)
	c.unschedulable = C.bool(n.Unschedulable)
	return c
}

func (a *arena) daemonSet(d *DaemonSet) *C.dsr_daemon_set {
	c := (*C.dsr_daemon_set)(a.alloc(unsafe.Sizeof(C.dsr_daemon_set{})))
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
		terms := array[C.dsr_node_selector_term](a, len(d.RequiredNodeAffinity.Terms))
		for i, t := range d.RequiredNodeAffinity.Terms {
			terms[i].match_expressions, terms[i].match_expressions_len = a.requirements(t.MatchExpressions)
			terms[i].match_fields, terms[i].match_fields_len = a.requirements(t.MatchFields)
		}
		c.has_required_node_affinity = true
		c.required_node_affinity = first(terms)
		c.required_node_affinity_len = C.size_t(len(terms))
	}
	c.tolerations, c.tolerations_len = a.tolerations(d.Tolerations)
	c.node_name = a.str(d.NodeName)
	c.host_network = C.bool(d.HostNetwork)
	return c
}
