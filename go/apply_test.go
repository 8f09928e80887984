package dsr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustApply(t *testing.T, e *Engine, data []byte) Applied {
	t.Helper()
	a, err := e.Apply(data)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func watchEvent(typ string, object []byte) []byte {
	return []byte(fmt.Sprintf(`{"type":%q,"object":%s}`, typ, object))
}

// applyFluentd is explainFluentd with every object loaded by Apply from its
// file, in the files' order.
func applyFluentd(t *testing.T) []explainRow {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	a := mustApply(t, e, readFile(t, fluentdPath))
	set, ok := a.DaemonSet()
	if !ok || a.Change != ChangeAdded || a.Kind != KindDaemonSet {
		t.Fatalf("fluentd applied as %+v", a)
	}
	var rows []explainRow
	for _, f := range nodeFiles(t) {
		a := mustApply(t, e, readFile(t, f))
		id, ok := a.Node()
		if !ok || a.Change != ChangeAdded {
			t.Fatalf("%s applied as %+v", f, a)
		}
		name, err := e.NodeName(id)
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.ShouldRun(set, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.PlacementChanged != (p.ShouldRun || p.ShouldContinueRunning) {
			t.Errorf("%s: PlacementChanged %v, placement %+v", name, a.PlacementChanged, p)
		}
		row := explainRow{Node: name, ShouldRun: p.ShouldRun, ShouldContinueRunning: p.ShouldContinueRunning}
		if !p.ShouldRun || !p.ShouldContinueRunning {
			why, err := e.Describe(p.Reason)
			if err != nil {
				t.Fatal(err)
			}
			row.Reason = &why
		}
		rows = append(rows, row)
	}
	return rows
}

// Apply of the manifests answers as the typed API given the same objects
// (which TestAgreesWithDsrExplain holds against the CLI).
func TestApplyAnswersAsTheTypedAPI(t *testing.T) {
	got, _ := json.Marshal(applyFluentd(t))
	want, _ := json.Marshal(explainFluentd(t))
	if !bytes.Equal(got, want) {
		t.Errorf("Apply and the typed API disagree:\napply: %s\ntyped: %s", got, want)
	}
}

func TestApplyWatchEvents(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ds := readFile(t, fluentdPath)
	node := readFile(t, "../tests/data/manifests/nodes/yurt-edge-gw-hz01.json")
	set, _ := mustApply(t, e, watchEvent("ADDED", ds)).DaemonSet()
	a := mustApply(t, e, watchEvent("ADDED", node))
	gw, ok := a.Node()
	if !ok || !a.PlacementChanged || a.Added != 1 {
		t.Fatalf("node applied as %+v", a)
	}
	if a := mustApply(t, e, watchEvent("MODIFIED", node)); a.Change != ChangeUnchanged || a.PlacementChanged {
		t.Errorf("same node MODIFIED: %+v", a)
	}
	tainted := bytes.Replace(node, []byte(`"spec": {}`),
		[]byte(`"spec": {"taints": [{"key": "example.com/maintenance", "effect": "NoExecute"}]}`), 1)
	if a := mustApply(t, e, watchEvent("MODIFIED", tainted)); a.Change != ChangeUpdated || !a.PlacementChanged {
		t.Errorf("tainted node MODIFIED: %+v", a)
	}
	if p, err := e.ShouldRun(set, gw); err != nil || p.ShouldContinueRunning || p.Reason.Kind != UntoleratedTaint {
		t.Errorf("on the tainted node: %+v, %v", p, err)
	}
	bookmark := []byte(`{"type":"BOOKMARK","object":{"kind":"Node","apiVersion":"v1","metadata":{"resourceVersion":"1205000"}}}`)
	if a := mustApply(t, e, bookmark); a.Change != ChangeIgnored || a.Ignored != 1 || a.ID != -1 {
		t.Errorf("bookmark: %+v", a)
	}
	if a := mustApply(t, e, watchEvent("DELETED", tainted)); a.Change != ChangeRemoved || a.ID != int(gw) {
		t.Errorf("DELETED: %+v", a)
	}
	if _, err := e.FindNode("yurt-edge-gw-hz01"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted node still found: %v", err)
	}
	if a.Kind.String() != "Node" || ChangeRemoved.String() != "removed" || KindControllerRevision.String() != "ControllerRevision" {
		t.Errorf("names: %v %v %v", a.Kind, ChangeRemoved, KindControllerRevision)
	}
}

// Every refusal: its code, its words, and the engine as it was.
func TestApplyRefusesAndChangesNothing(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ds := readFile(t, fluentdPath)
	mustApply(t, e, ds)
	mustApply(t, e, readFile(t, "../tests/data/manifests/nodes/worker-1.json"))
	before, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
		code Code
		text string
	}{
		{"garbage", []byte("\x00\xffnot json at all"), ErrInvalidJSON, "invalid JSON"},
		{"empty", nil, ErrInvalidJSON, ""},
		{"no kind", []byte(`{"apiVersion":"v1","metadata":{"name":"n1"}}`), ErrInvalidJSON, "expected a Kubernetes object"},
		{"cut short", ds[:len(ds)/2], ErrInvalidJSON, ""},
		{"type error", bytes.Replace(ds, []byte(`"effect": "NoSchedule"`), []byte(`"effect": "NoSchedule", "tolerationSeconds": "300"`), 1),
			ErrInvalidJSON, `DaemonSet "fluentd-elasticsearch": spec.template.spec.tolerations[0].tolerationSeconds: not the JSON type`},
		{"selector", bytes.Replace(ds, []byte(`"matchLabels": {`), []byte(`"matchExpressions": [{"key": "tier", "operator": "Gtx"}], "matchLabels": {`), 1),
			ErrInvalidSelector, "spec.selector.matchExpressions[0].operator"},
		{"watch error", []byte(`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (2)","reason":"Expired","code":410}}`),
			ErrWatchError, "410: too old resource version"},
		{"event type", watchEvent("RESYNC", ds), ErrInvalidJSON, `"RESYNC"`},
	}
	for _, c := range cases {
		a, err := e.Apply(c.data)
		if !errors.Is(err, c.code) || a != (Applied{}) {
			t.Errorf("%s: %+v, %v; want %v", c.name, a, err, c.code)
			continue
		}
		if !strings.Contains(err.Error(), c.text) || !strings.HasPrefix(err.Error(), "dsr: Apply: ") {
			t.Errorf("%s: %q does not say %q", c.name, err, c.text)
		}
		if after, _ := e.Snapshot(); !bytes.Equal(after, before) {
			t.Errorf("%s: the engine changed", c.name)
		}
	}
	// More labels than the scratch holds.
	caps, _ := GetCapacities()
	labels := map[string]string{}
	for i := 0; i <= caps.JSONLabels; i++ {
		labels[fmt.Sprintf("example.com/l%d", i)] = "v"
	}
	big := map[string]any{"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{"name": "worker-1", "labels": labels}}
	if _, err := e.ApplyObject(big); !errors.Is(err, ErrFullScratch) || !strings.Contains(err.Error(), "labels") {
		t.Errorf("a node of %d labels: %v", len(labels), err)
	}
	if _, err := e.ApplyObject(make(chan int)); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("a channel: %v", err)
	}
	if after, _ := e.Snapshot(); !bytes.Equal(after, before) {
		t.Error("the engine changed")
	}
}

// ApplyObject takes what client-go's types marshal to: a struct with
// TypeMeta and ObjectMeta, here declared the way client-go declares them.
func TestApplyObject(t *testing.T) {
	type typeMeta struct {
		Kind       string `json:"kind,omitempty"`
		APIVersion string `json:"apiVersion,omitempty"`
	}
	type objectMeta struct {
		Name   string            `json:"name,omitempty"`
		Labels map[string]string `json:"labels,omitempty"`
	}
	type taint struct {
		Key    string `json:"key"`
		Value  string `json:"value,omitempty"`
		Effect string `json:"effect"`
	}
	type node struct {
		typeMeta   `json:",inline"`
		ObjectMeta objectMeta `json:"metadata,omitempty"`
		Spec       struct {
			Unschedulable bool    `json:"unschedulable,omitempty"`
			Taints        []taint `json:"taints,omitempty"`
		} `json:"spec,omitempty"`
	}
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	set, _ := mustApply(t, e, readFile(t, fluentdPath)).DaemonSet()
	n := node{typeMeta: typeMeta{Kind: "Node", APIVersion: "v1"},
		ObjectMeta: objectMeta{Name: "edge-7", Labels: map[string]string{"kubernetes.io/os": "linux"}}}
	n.Spec.Taints = []taint{{Key: "dedicated", Value: "gateway", Effect: "NoSchedule"}}
	a, err := e.ApplyObject(&n)
	id, ok := a.Node()
	if err != nil || !ok || a.Change != ChangeAdded {
		t.Fatalf("ApplyObject: %+v, %v", a, err)
	}
	if p, _ := e.ShouldRun(set, id); p.ShouldRun || p.Reason.Kind != UntoleratedTaint {
		t.Errorf("on edge-7: %+v", p)
	}
	n.Spec.Taints = nil
	if a, err := e.ApplyObject(n); err != nil || a.Change != ChangeUpdated || !a.PlacementChanged {
		t.Errorf("untainted: %+v, %v", a, err)
	}
	n.typeMeta = typeMeta{}
	if _, err := e.ApplyObject(n); !errors.Is(err, ErrInvalidJSON) || !strings.HasPrefix(err.Error(), "dsr: ApplyObject: ") {
		t.Errorf("without kind: %v", err)
	}
}

// Pods applied back after a sync are what the controller's pod informer
// sees: they observe the creates the sync waits for, so the next sync acts at
// once (it would wait five minutes otherwise).
func TestApplyPodsObserveTheSyncsCreates(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ds := bytes.Replace(readFile(t, fluentdPath), []byte(`"namespace": "kube-system",`),
		[]byte(`"namespace": "kube-system", "uid": "3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10",`), 1)
	set, _ := mustApply(t, e, ds).DaemonSet()
	for _, f := range nodeFiles(t) {
		mustApply(t, e, readFile(t, f))
	}
	now := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	plan, err := e.Sync(set, now)
	if err != nil || len(plan.Creates) == 0 {
		t.Fatalf("first sync: %+v, %v", plan, err)
	}
	for i, c := range plan.Creates {
		pod := fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"fluentd-elasticsearch-%05d",
			"namespace":"kube-system","ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet",
			"name":"fluentd-elasticsearch","uid":"3b1f7c2e-8f5a-4d0e-9c61-2a7d5e4b9f10","controller":true}]},
			"spec":{"nodeName":%q},"status":{"phase":"Running"}}`, i, c.NodeName)
		if x, _ := e.Expectations(set); x.Creates != int64(len(plan.Creates)-i) {
			t.Fatalf("before pod %d: %+v", i, x)
		}
		mustApply(t, e, watchEvent("ADDED", []byte(pod)))
	}
	if x, _ := e.Expectations(set); x.Creates != 0 {
		t.Errorf("every create observed, still expected: %+v", x)
	}
}

// Goroutines applying and asking at once (run with -race).
func TestApplyConcurrently(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	set, _ := mustApply(t, e, readFile(t, fluentdPath)).DaemonSet()
	files := nodeFiles(t)
	var wg sync.WaitGroup
	errs := make(chan error, len(files))
	for _, f := range files {
		data := readFile(t, f)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				a, err := e.Apply(watchEvent("MODIFIED", data))
				if err != nil {
					errs <- err
					return
				}
				id, _ := a.Node()
				if _, err := e.ShouldRun(set, id); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _, _ := e.Counts(); n != len(files) {
		t.Errorf("%d nodes, want %d", n, len(files))
	}
}

// examples/apply.expected is what examples/c/apply.c and examples/go/apply
// print (tests/c/run.sh and tests/go/run.sh check that); it must say what
// dsr explain says, node by node.
func TestApplyExampleAgreesWithDsrExplain(t *testing.T) {
	want := map[string]explainRow{}
	for _, r := range explainFluentd(t) {
		want[r.Node] = r
	}
	if cli := os.Getenv("DSR_CLI"); cli != "" {
		want = map[string]explainRow{}
		// The same files, as one List (dsr explain reads one file or folder).
		var items []json.RawMessage
		for _, f := range append(nodeFiles(t), fluentdPath) {
			items = append(items, readFile(t, f))
		}
		list, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
		file := filepath.Join(t.TempDir(), "cluster.json")
		if err := os.WriteFile(file, list, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(cli, "explain", file, "--daemonset", "kube-system/fluentd-elasticsearch", "-o", "json").Output()
		if err != nil {
			t.Fatalf("dsr explain: %v", err)
		}
		var report struct {
			DaemonSets []struct {
				Nodes []explainRow `json:"nodes"`
			} `json:"daemonSets"`
		}
		if err := json.Unmarshal(out, &report); err != nil || len(report.DaemonSets) != 1 {
			t.Fatalf("dsr explain printed %s (%v)", out, err)
		}
		for _, r := range report.DaemonSets[0].Nodes {
			want[r.Node] = r
		}
	}
	lines := strings.Split(strings.TrimSpace(string(readFile(t, filepath.Join("..", "examples", "apply.expected")))), "\n")
	if len(lines) != len(nodeFiles(t)) || len(want) != len(lines) {
		t.Fatalf("%d lines in apply.expected, %d nodes answered", len(lines), len(want))
	}
	for _, line := range lines {
		fields := strings.Fields(line)
		name, status, why := fields[0], fields[1], strings.Join(fields[2:], " ")
		r, ok := want[name]
		if !ok {
			t.Errorf("%s is not a manifest node", name)
			continue
		}
		wantStatus, wantWhy := "runs", "eligible"
		if !r.ShouldRun {
			wantStatus, wantWhy = "no", *r.Reason
			if r.ShouldContinueRunning {
				wantStatus = "stays"
			}
		}
		if status != wantStatus || why != wantWhy {
			t.Errorf("example: %s %s %q; dsr explain: %s %q", name, status, why, wantStatus, wantWhy)
		}
	}
}
