package dsr

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestVersionAndCapacities(t *testing.T) {
	if v := Version(); v == "" || strings.Count(v, ".") != 2 {
		t.Fatalf("Version() = %q", v)
	}
	c, err := GetCapacities()
	if err != nil || c.EngineSize == 0 || c.Nodes == 0 || c.CallLabels == 0 || c.StringMax != 1024 ||
		c.Taints != c.Rules || c.Backoff != c.Pods {
		t.Fatalf("GetCapacities() = %+v, %v", c, err)
	}
}

// An unnamed DaemonSet or pod is a name never set: refused, the detail
// naming the field. An unnamed node is one upstream decides on: taken.
func TestEmptyNames(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.AddNode(&Node{Labels: map[string]string{"kubernetes.io/os": "linux"}}); err != nil {
		t.Fatalf("AddNode without a name: %v", err)
	}
	_, err = e.AddDaemonSet(&DaemonSet{Namespace: "kube-system", Selector: &LabelSelector{MatchLabels: map[string]string{"app": "fluentd"}},
		TemplateLabels: map[string]string{"app": "fluentd"}})
	var de *Error
	if !errors.Is(err, ErrInvalidName) || !errors.As(err, &de) || !strings.Contains(de.Detail, "metadata.name: must be non-empty") {
		t.Fatalf("AddDaemonSet without a name: %v", err)
	}
	_, err = e.AddPod(&Pod{Namespace: "kube-system", NodeName: "edge-1", Phase: "Running"})
	if !errors.Is(err, ErrInvalidName) {
		t.Fatalf("AddPod without a name: %v", err)
	}
	if nodes, sets, err := e.Counts(); err != nil || nodes != 1 || sets != 0 {
		t.Fatalf("Counts() = %d, %d, %v", nodes, sets, err)
	}
}

func TestErrorsMatchTheirCode(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	n := &Node{Name: "worker-1", Labels: map[string]string{"kubernetes.io/os": "linux"}}
	id, err := e.AddNode(n)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.AddNode(n)
	if !errors.Is(err, ErrDuplicate) || errors.Is(err, ErrNotFound) {
		t.Fatalf("second AddNode: %v", err)
	}
	var de *Error
	if !errors.As(err, &de) || de.Code != ErrDuplicate || de.Op != "AddNode" || !strings.Contains(de.Detail, "already") {
		t.Fatalf("errors.As: %#v", de)
	}
	if _, err := e.FindNode("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("FindNode: %v", err)
	}
	if got, err := e.FindNode("worker-1"); err != nil || got != id {
		t.Fatalf("FindNode: %v %v", got, err)
	}
	if _, err := e.AddNode(&Node{Name: "bad\xff"}); !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("invalid UTF-8: %v", err)
	}
	if _, err := e.AddNode(&Node{Name: strings.Repeat("a", 2000)}); !errors.Is(err, ErrTooLong) {
		t.Fatalf("too long: %v", err)
	}
	bad := &DaemonSet{Name: "x", Namespace: "y", Selector: &LabelSelector{MatchExpressions: []Requirement{{Key: "app", Operator: "Bogus"}}}}
	if _, err := e.AddDaemonSet(bad); !errors.Is(err, ErrInvalidSelector) {
		t.Fatalf("bad selector: %v", err)
	}
	if _, err := e.SelectorStringMatches("a in (", nil); !errors.Is(err, ErrSelectorParse) {
		t.Fatalf("parse: %v", err)
	}
	if err := ValidateLabelKey("-x"); !errors.Is(err, ErrInvalidLabelKey) {
		t.Fatalf("ValidateLabelKey: %v", err)
	}
	if err := ValidateDNSSubdomain("kube-system"); err != nil {
		t.Fatal(err)
	}
	if !ErrFullNodes.IsFull() || ErrNotFound.IsFull() {
		t.Fatal("IsFull")
	}
	if ErrNotFound.Error() != "no object with that id or name" {
		t.Fatalf("Code.Error() = %q", ErrNotFound.Error())
	}
	if nodes, sets, err := e.Counts(); nodes != 1 || sets != 0 || err != nil {
		t.Fatalf("Counts() = %d %d %v", nodes, sets, err)
	}
}

func TestFullTableChangesNothing(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	c, err := GetCapacities()
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for i := 0; i <= c.Nodes; i++ {
		_, last = e.AddNode(&Node{Name: "node-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26)})
		if last != nil {
			break
		}
	}
	if !errors.Is(last, ErrFullNodes) {
		t.Fatalf("got %v", last)
	}
	if nodes, _, _ := e.Counts(); nodes != c.Nodes {
		t.Fatalf("%d nodes after a full table, want %d", nodes, c.Nodes)
	}
}

func TestPlacementReasonsAndStaleness(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	set, err := e.AddDaemonSet(&DaemonSet{
		Name: "agent", Namespace: "kube-system",
		Selector:       &LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
		TemplateLabels: map[string]string{"app": "agent"},
		RequiredNodeAffinity: &NodeSelector{Terms: []NodeSelectorTerm{
			{MatchExpressions: []Requirement{{Key: "kubernetes.io/arch", Operator: "In", Values: []string{"arm64"}}}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	node, err := e.AddNode(&Node{Name: "cp-1", Labels: map[string]string{"kubernetes.io/arch": "amd64"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.ShouldRun(set, node)
	if err != nil {
		t.Fatal(err)
	}
	if p.ShouldRun || p.ShouldContinueRunning || p.Reason.Kind != NodeAffinityMismatch || p.Reason.Term != 0 || p.Reason.Taint != -1 {
		t.Fatalf("%+v", p)
	}
	why, err := e.Describe(p.Reason)
	if err != nil || why != "required node affinity does not match; term 0: node labels do not satisfy kubernetes.io/arch in (arm64)" {
		t.Fatalf("Describe: %q %v", why, err)
	}
	// An update that leaves the answer as it was still makes the reason stale:
	// it was worked out from another version of the node.
	if err := e.UpdateNode(node, &Node{Name: "cp-1", Labels: map[string]string{"kubernetes.io/arch": "amd64", "topology.kubernetes.io/zone": "a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Describe(p.Reason); !errors.Is(err, ErrStaleReason) {
		t.Fatalf("stale after an update with the same answer: %v", err)
	}
	if p, err = e.ShouldRun(set, node); err != nil {
		t.Fatal(err)
	}
	if why, err := e.Describe(p.Reason); err != nil || why == "" {
		t.Fatalf("asked again: %q %v", why, err)
	}
	if err := e.UpdateNode(node, &Node{Name: "cp-1", Labels: map[string]string{"kubernetes.io/arch": "arm64"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Describe(p.Reason); !errors.Is(err, ErrStaleReason) {
		t.Fatalf("stale: %v", err)
	}
	bogus := p.Reason
	bogus.Kind = 42
	if _, err := e.Describe(bogus); !errors.Is(err, ErrUnknownEnum) {
		t.Fatalf("unknown kind: %v", err)
	}
	if p, _ = e.ShouldRun(set, node); !p.ShouldRun || p.Reason.Kind != Eligible {
		t.Fatalf("%+v", p)
	}
	if _, err := e.ShouldRun(set, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown node: %v", err)
	}
	if err := e.RemoveNode(node); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveDaemonSet(set); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveDaemonSet(set); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddNode(&Node{Name: "n"}); !errors.Is(err, ErrNullPointer) {
		t.Fatalf("use after Close: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	set, err := e.AddDaemonSet(&DaemonSet{Name: "a", Namespace: "b", Selector: &LabelSelector{}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				id, err := e.AddNode(&Node{Name: string(rune('a'+g)) + strings.Repeat("n", i%5+1)})
				if err != nil && !errors.Is(err, ErrDuplicate) && !errors.Is(err, ErrFullNodes) {
					t.Error(err)
					return
				}
				if err == nil {
					if _, err := e.ShouldRun(set, id); err != nil {
						t.Error(err)
					}
				}
			}
		}(g)
	}
	wg.Wait()
}

// The toleration operators Gt/Lt (KEP-5471) follow the feature gate
// TaintTolerationComparisonOperators, off by default: upstream's
// ToleratesTaint compares 999 > 950 only with the gate on.
func TestFeatureGateTurnsOnGtTolerations(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	node, err := e.AddNode(&Node{Name: "edge-sla-1", Taints: []Taint{{Key: "example.com/sla", Value: "999", Effect: "NoSchedule"}}})
	if err != nil {
		t.Fatal(err)
	}
	set, err := e.AddDaemonSet(&DaemonSet{
		Name: "sla-agent", Namespace: "default",
		Selector:       &LabelSelector{MatchLabels: map[string]string{"app": "sla-agent"}},
		TemplateLabels: map[string]string{"app": "sla-agent"},
		Tolerations:    []Toleration{{Key: "example.com/sla", Operator: "Gt", Value: "950", Effect: "NoSchedule"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := e.ShouldRun(set, node); err != nil || p.ShouldRun {
		t.Fatalf("gate off: %+v %v", p, err)
	}
	if err := e.SetFeatureGate("TaintTolerationComparisonOperators", true); err != nil {
		t.Fatal(err)
	}
	if p, err := e.ShouldRun(set, node); err != nil || !p.ShouldRun {
		t.Fatalf("gate on: %+v %v", p, err)
	}
	if err := e.SetFeatureGate("NoSuchGate", true); !errors.Is(err, ErrUnknownFeatureGate) {
		t.Fatalf("unknown gate: %v", err)
	}
	if p, err := e.ShouldRun(set, node); err != nil || !p.ShouldRun {
		t.Fatalf("an unknown gate changed the engine: %+v %v", p, err)
	}
}
