package dsr

// The fluentd-elasticsearch DaemonSet of the Kubernetes docs against every
// node in tests/data/manifests, through the binding. The answer is compared
// with testdata/fluentd-explain.json (same shape as `dsr explain -o json`'s
// nodes) and, when the dsr CLI has been built (../target/release/dsr, or the
// path in $DSR_CLI), with what `dsr explain` says.

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/fluentd-explain.json")

type explainRow struct {
	Node                  string  `json:"node"`
	ShouldRun             bool    `json:"shouldRun"`
	ShouldContinueRunning bool    `json:"shouldContinueRunning"`
	Reason                *string `json:"reason"`
}

const fluentdPath = "../tests/data/manifests/daemonsets/kubernetes-website-fluentd-elasticsearch.json"

func nodeFiles(t *testing.T) []string {
	files, err := filepath.Glob("../tests/data/manifests/nodes/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no node manifests (%v)", err)
	}
	return files
}

func explainFluentd(t *testing.T) []explainRow {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var ds kubeDaemonSet
	readJSON(t, fluentdPath, &ds)
	set, err := e.AddDaemonSet(ds.daemonSet())
	if err != nil {
		t.Fatal(err)
	}
	var rows []explainRow
	for _, f := range nodeFiles(t) {
		var n kubeNode
		readJSON(t, f, &n)
		id, err := e.AddNode(n.node())
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		p, err := e.ShouldRun(set, id)
		if err != nil {
			t.Fatal(err)
		}
		row := explainRow{Node: n.Metadata.Name, ShouldRun: p.ShouldRun, ShouldContinueRunning: p.ShouldContinueRunning}
		if !p.ShouldRun || !p.ShouldContinueRunning {
			why, err := e.Describe(p.Reason)
			if err != nil {
				t.Fatal(err)
			}
			row.Reason = &why
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Node < rows[j].Node })
	return rows
}

func TestFluentdOnEveryManifestNode(t *testing.T) {
	rows := explainFluentd(t)
	got, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "fluentd-explain.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("binding disagrees with %s:\n%s", golden, got)
	}
	runs := 0
	for _, r := range rows {
		if r.ShouldRun {
			runs++
		}
	}
	if len(rows) != 17 || runs != 11 {
		t.Errorf("%d nodes, runs on %d; want 17 and 11", len(rows), runs)
	}
}

// TestAgreesWithDsrExplain runs the dsr CLI on the same objects.
func TestAgreesWithDsrExplain(t *testing.T) {
	cli := os.Getenv("DSR_CLI")
	if cli == "" {
		cli = "../target/release/dsr"
	}
	if _, err := os.Stat(cli); err != nil {
		t.Skipf("no dsr CLI at %s (build it with cargo build --release -p dsr-cli, or set DSR_CLI)", cli)
	}
	var items []json.RawMessage
	for _, f := range append(nodeFiles(t), fluentdPath) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, data)
	}
	list, err := json.Marshal(map[string]interface{}{"apiVersion": "v1", "kind": "List", "items": items})
	if err != nil {
		t.Fatal(err)
	}
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
	cliRows := report.DaemonSets[0].Nodes
	sort.Slice(cliRows, func(i, j int) bool { return cliRows[i].Node < cliRows[j].Node })
	ours, _ := json.Marshal(explainFluentd(t))
	theirs, _ := json.Marshal(cliRows)
	if !bytes.Equal(ours, theirs) {
		t.Errorf("binding and dsr explain disagree:\nbinding: %s\ndsr:     %s", ours, theirs)
	}
}

// TestCExampleAgrees checks examples/c/placement.expected, what the C example
// prints for four manifest nodes, against the binding's answer (which
// TestAgreesWithDsrExplain holds against the CLI).
func TestCExampleAgrees(t *testing.T) {
	data, err := os.ReadFile("../examples/c/placement.expected")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]explainRow{}
	for _, r := range explainFluentd(t) {
		rows[r.Node] = r
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	if len(lines) < 3 {
		t.Fatalf("only %d lines in placement.expected", len(lines))
	}
	for _, line := range lines {
		fields := bytes.Fields(line)
		name, status := string(fields[0]), string(fields[1])
		why := string(bytes.Join(fields[2:], []byte(" ")))
		r, ok := rows[name]
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
			t.Errorf("C example: %s %s %q; binding: %s %q", name, status, why, wantStatus, wantWhy)
		}
	}
}
