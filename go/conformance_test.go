package dsr

// Conformance vectors from tests/data/conformance/placement (answers from
// upstream Kubernetes), checked through the binding for the kinds it exposes.

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

type vectorCase struct {
	Name        string            `json:"name"`
	Kind        string            `json:"kind"`
	Node        *kubeNode         `json:"node"`
	DaemonSet   *kubeDaemonSet    `json:"daemonSet"`
	Pod         *kubePod          `json:"pod"`
	Toleration  *Toleration       `json:"toleration"`
	Taint       *Taint            `json:"taint"`
	Taints      []Taint           `json:"taints"`
	Tolerations []Toleration      `json:"tolerations"`
	Effects     []string          `json:"effects"`
	What        string            `json:"what"`
	Value       json.RawMessage   `json:"value"`
	Selector    json.RawMessage   `json:"selector"`
	Labels      map[string]string `json:"labels"`
	Expect      struct {
		ShouldRun             *bool           `json:"shouldRun"`
		ShouldContinueRunning *bool           `json:"shouldContinueRunning"`
		Matches               *bool           `json:"matches"`
		Tolerates             *bool           `json:"tolerates"`
		Valid                 *bool           `json:"valid"`
		Error                 bool            `json:"error"`
		String                *string         `json:"string"`
		Untolerated           json.RawMessage `json:"untolerated"`
	} `json:"expect"`
}

// Toleration and Taint decode from the API's JSON as they are: encoding/json
// matches field names without regard to case.

// unnamed is the name given to a vector's unnamed DaemonSet: upstream's unit
// tests build objects without names, and the C API refuses an unnamed
// DaemonSet or pod (an empty name from C is a field never set). Its name
// decides nothing in these vectors. Unnamed nodes stay unnamed: upstream gives
// such a node no metadata.name field, which some vectors pin.
const unnamed = "dsr-conformance-unnamed"

// run checks one case; "" means it passed, "skip" that the binding does not
// expose its kind.
func run(e *Engine, c *vectorCase) string {
	if err := e.Clear(); err != nil {
		return err.Error()
	}
	switch c.Kind {
	case "shouldRun":
		node, err := e.AddNode(c.Node.node())
		if err != nil {
			return "node: " + err.Error()
		}
		d := c.DaemonSet.daemonSet()
		if d.Name == "" {
			d.Name = unnamed
		}
		set, err := e.AddDaemonSet(d)
		if err != nil {
			return "daemonSet: " + err.Error()
		}
		p, err := e.ShouldRun(set, node)
		if err != nil {
			return err.Error()
		}
		if p.ShouldRun != *c.Expect.ShouldRun || p.ShouldContinueRunning != *c.Expect.ShouldContinueRunning {
			why, _ := e.Describe(p.Reason)
			return fmt.Sprintf("got shouldRun=%v shouldContinueRunning=%v (%s)", p.ShouldRun, p.ShouldContinueRunning, why)
		}
	case "requiredNodeAffinity":
		node, err := e.AddNode(c.Node.node())
		if err != nil {
			return "node: " + err.Error()
		}
		set, err := e.AddDaemonSet(c.Pod.podAsDaemonSet())
		if err != nil {
			return "pod: " + err.Error()
		}
		m, err := e.MatchesNodeAffinity(set, node)
		if err != nil {
			return err.Error()
		}
		if m != *c.Expect.Matches {
			return fmt.Sprintf("got matches=%v", m)
		}
	case "toleratesTaint":
		m, err := e.Tolerates(*c.Toleration, *c.Taint)
		if err != nil {
			return err.Error()
		}
		if m != *c.Expect.Tolerates {
			return fmt.Sprintf("got tolerates=%v", m)
		}
	case "untoleratedTaint":
		i, err := e.FindUntoleratedTaint(c.Taints, c.Tolerations, c.Effects)
		if err != nil {
			return err.Error()
		}
		var want *Taint
		if err := json.Unmarshal(c.Expect.Untolerated, &want); err != nil {
			return err.Error()
		}
		switch {
		case want == nil && i >= 0:
			return fmt.Sprintf("got taint %d, want none", i)
		case want != nil && (i < 0 || c.Taints[i] != *want):
			return fmt.Sprintf("got taint %d, want %+v", i, *want)
		}
	case "labelSelector":
		var sel *kubeSelector
		if err := json.Unmarshal(c.Selector, &sel); err != nil {
			return err.Error()
		}
		set, err := e.AddDaemonSet(&DaemonSet{Name: "s", Namespace: "s", Selector: selector(sel)})
		if c.Expect.Error {
			if !errors.Is(err, ErrInvalidSelector) {
				return fmt.Sprintf("got %v, want ErrInvalidSelector", err)
			}
			return ""
		}
		if err != nil {
			return err.Error()
		}
		m, err := e.SelectorMatches(set, c.Labels)
		if err != nil {
			return err.Error()
		}
		if m != *c.Expect.Matches {
			return fmt.Sprintf("got matches=%v", m)
		}
	case "selectorString":
		var s string
		if err := json.Unmarshal(c.Selector, &s); err != nil {
			return err.Error()
		}
		canonical, err := CanonicalSelector(s)
		if c.Expect.Error {
			if !errors.Is(err, ErrSelectorParse) {
				return fmt.Sprintf("got %v, want ErrSelectorParse", err)
			}
			return ""
		}
		if err != nil {
			return err.Error()
		}
		if c.Expect.String != nil && canonical != *c.Expect.String {
			return fmt.Sprintf("got string %q", canonical)
		}
		if c.Expect.Matches != nil {
			m, err := e.SelectorStringMatches(s, c.Labels)
			if err != nil {
				return err.Error()
			}
			if m != *c.Expect.Matches {
				return fmt.Sprintf("got matches=%v", m)
			}
		}
	case "validate":
		var s string
		if err := json.Unmarshal(c.Value, &s); err != nil {
			return "skip" // a DaemonSet: not exposed by the binding
		}
		var err error
		switch c.What {
		case "labelKey":
			err = ValidateLabelKey(s)
		case "labelValue":
			err = ValidateLabelValue(s)
		case "dnsSubdomain":
			err = ValidateDNSSubdomain(s)
		default:
			return "skip"
		}
		if (err == nil) != *c.Expect.Valid {
			return fmt.Sprintf("got %v", err)
		}
	default:
		return "skip"
	}
	return ""
}

func TestConformanceVectors(t *testing.T) {
	files, err := filepath.Glob("../tests/data/conformance/placement/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance vectors (%v)", err)
	}
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	counts := map[string]int{}
	for _, f := range files {
		var doc struct {
			Schema string       `json:"schema"`
			Cases  []vectorCase `json:"cases"`
		}
		readJSON(t, f, &doc)
		if doc.Schema != "dsr-conformance/v1" {
			t.Fatalf("%s: schema %q", f, doc.Schema)
		}
		for i := range doc.Cases {
			c := &doc.Cases[i]
			switch msg := run(e, c); msg {
			case "":
				counts[c.Kind]++
			case "skip":
				counts["skipped"]++
			default:
				t.Errorf("%s: %s: %s", filepath.Base(f), c.Name, msg)
			}
		}
	}
	for _, kind := range []string{"shouldRun", "requiredNodeAffinity", "toleratesTaint", "untoleratedTaint", "labelSelector", "selectorString", "validate"} {
		if counts[kind] == 0 {
			t.Errorf("no %s case passed", kind)
		}
	}
	t.Logf("passed per kind: %v", counts)
}
